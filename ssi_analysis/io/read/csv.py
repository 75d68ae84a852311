"""A CSV file as text cells, without interpreting a cell.

What is not a table is refused before it is parsed (an empty file, a line longer than
:data:`MAX_LINE_BYTES`, more than :data:`MAX_COLUMNS` columns); the text is decoded
(:func:`ssi_analysis.textfiles.decode_text`: UTF-8 with or without a byte-order mark, UTF-16 by
its mark, else Latin-1, said in a note), its delimiter sniffed from the header (a semicolon means
a decimal comma) and a report export's footer left out. A row with more cells than the header
names columns, or a quote never closed, stops the run.
"""

from __future__ import annotations

import io as _io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import SSIInputError
from ...textfiles import decode_text
from .headers import RENAMED_COLUMN, header_as_written


def _sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


_FOOTER_MAX = 20
"""The most lines a report's footer is looked for in."""


def _footer_rows(frame: pd.DataFrame, text: str) -> int:
    """How many rows at the end of a CSV are a report's footer, not data.

    Report exports (Salesforce's) end with lines after the data such as ``"Grand Totals (1198
    records)"``, ``Confidential Information - Do Not Distribute`` and a copyright notice: after
    a blank line, rows whose only non-empty cell is the first. Such rows are a footer when a
    blank line separates them from the data (a data row with only its first cell filled is not
    preceded by one), and the table has more than one column.
    """
    if frame.shape[1] < 2 or len(frame) < 2:
        return 0
    n = min(len(frame) - 1, _FOOTER_MAX)     # a footer is short
    first = frame.iloc[-n:, 0].to_numpy(dtype=object)
    k = 0                                    # trailing rows with the first cell filled
    while k < n and str(first[n - 1 - k]).strip():
        k += 1
    rest = frame.iloc[len(frame) - k:, 1:].to_numpy(dtype=object)
    k = 0                                    # ... and every other cell blank
    while k < len(rest) and not any(str(v).strip() for v in rest[len(rest) - 1 - k]):
        k += 1
    if not k:
        return 0
    below_blank, seen = 0, 0                 # candidate rows below the topmost blank line
    for line in reversed(text[-(1 << 16):].splitlines()):   # the end of the file is enough
        if not line.strip():
            below_blank = seen
            continue
        if seen == k:
            break
        seen += 1
    return below_blank


MAX_LINE_BYTES = 1 << 20
"""The longest line a CSV table may have (1 MiB): a longer one is not a row of a table but a
file whose line ends were lost, or not text at all, and is refused before it is parsed."""
MAX_COLUMNS = 16_384
"""The most columns a table may have: a spreadsheet's (Excel's) limit."""


def _not_a_table(name: str, what: str) -> SSIInputError:
    return SSIInputError(f"{what}: this is not a table", file=name,
                         fix="export the table again as CSV, one row per line (or as .xlsx)")


def _check_lines(path: Path, name: str, table: str) -> bytes:
    """The bytes of a CSV file, once they are known to be lines of a table: not empty, no line
    longer than :data:`MAX_LINE_BYTES` (the first is checked on the file's first MiB, before
    the rest is read). Linear in the file's size."""
    with open(path, "rb") as fh:
        head = fh.read(MAX_LINE_BYTES + 1)
        if not head.strip():
            if not fh.read(1):
                raise SSIInputError("the file is empty", file=name,
                                    fix=f"export the {table} table again, with a header row")
        if b"\n" not in head and b"\r" not in head and len(head) > MAX_LINE_BYTES:
            raise _not_a_table(name, f"its first line is longer than {MAX_LINE_BYTES >> 20} MB "
                                     "without a line end")
        data = head + fh.read()
    if b"\r" not in data[:MAX_LINE_BYTES]:           # lines end in \n (or \r\n)
        found = _long_line(data, MAX_LINE_BYTES)
        if found is not None:
            line, length = found
            raise _not_a_table(name, f"line {line} is {length / 2**20:.1f} MB long (a row of a "
                                     f"table is at most {MAX_LINE_BYTES >> 20} MB)")
    return data


def _long_line(data: bytes, limit: int, *, block: int = 1 << 23) -> tuple[int, int] | None:
    """The first line of ``data`` longer than ``limit`` bytes, as ``(line number, length)``, or
    ``None``: one vectorised pass, block by block (no array as large as the file).

    >>> _long_line(b"ab\\nabcdef\\nabc", 4)
    (2, 6)
    >>> _long_line(b"ab\\nabc", 4) is None
    True
    """
    view = np.frombuffer(data, dtype=np.uint8)
    last, lines = -1, 0                    # the last line end seen, lines ended before it
    for start in range(0, len(view), block):
        ends = np.flatnonzero(view[start:start + block] == 10) + start
        if not len(ends):
            if start + block - last - 1 > limit and start + block < len(view):
                return lines + 1, _line_length(view, last)
            continue
        gaps = np.diff(ends, prepend=last) - 1
        over = np.flatnonzero(gaps > limit)
        if len(over):
            return lines + int(over[0]) + 1, int(gaps[over[0]])
        last, lines = int(ends[-1]), lines + len(ends)
    tail = len(view) - last - 1
    return (lines + 1, tail) if tail > limit else None


def _line_length(view: np.ndarray, last: int) -> int:
    """The length of the line after the line end at ``last``."""
    ends = np.flatnonzero(view[last + 1:] == 10)
    return int(ends[0]) if len(ends) else len(view) - last - 1


def read_csv_table(path: Path, table: str, notes: list[str]) -> tuple[pd.DataFrame, str]:
    """A CSV file as text cells (its footer left out), and the decimal mark its delimiter tells.

    What is not a table is refused before it is parsed: an empty file, a line longer than
    :data:`MAX_LINE_BYTES`, a header of more than :data:`MAX_COLUMNS` columns. A row with more
    cells than the header names columns stops the run (it is not read shifted).
    """
    name = path.name
    decimal = "."
    text = decode_text(_check_lines(path, name, table), name, notes)
    if not text.strip():
        raise SSIInputError("the file is empty", file=name,
                            fix=f"export the {table} table again, with a header row")
    sep = _sniff_delimiter(text)
    header = text.split("\n", 1)[0]
    if header.count(sep) >= MAX_COLUMNS:
        raise _not_a_table(name, f"its first line has {header.count(sep) + 1:,} cells, more than "
                                 f"the {MAX_COLUMNS:,} columns a spreadsheet holds")
    if sep == ";":
        decimal = ","
        notes.append(f"{name}: semicolon-delimited; numbers read with decimal comma")
    try:
        frame = pd.read_csv(_io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                            na_filter=False, skip_blank_lines=True)
    except pd.errors.ParserError as exc:
        raise _fields_error(str(exc), name) from None
    if not isinstance(frame.index, pd.RangeIndex):   # pandas took the extra cells as an index
        raise _fields_error(f"Expected {len(frame.columns)} fields in line 2, saw "
                            f"{len(frame.columns) + frame.index.nlevels}", name)
    # pandas renames a repeated header ('team', 'team.1'): keep the names as written (a header
    # without a name so suffixed was not renamed)
    if any(RENAMED_COLUMN.search(str(c)) for c in frame.columns):
        frame.columns = header_as_written(
            pd.read_csv(_io.StringIO(text), sep=sep, header=None, nrows=1, dtype=str,
                        keep_default_na=False, na_filter=False).iloc[0], frame.columns)
    footer = _footer_rows(frame, text)
    if footer:
        frame = frame.iloc[:-footer]
        notes.append(f"{name}: {footer} footer line(s) after the data skipped (a report "
                     "export's totals and notices, not data rows)")
    return frame, decimal


def _fields_error(message: str, name: str) -> SSIInputError:
    """The error of a row with more cells than the header names columns, or of a quote never
    closed (pandas' message, said in the file's words where it is that).

    >>> print(_fields_error("Error tokenizing data. C error: EOF inside string starting at "
    ...                     "row 3", "reps.csv"))
    reps.csv: a quote (") opened in row 4 is never closed: the rest of the file would be one cell
      fix: remove the stray quote, or close it where the cell ends
    """
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    quote = re.search(r"EOF inside string starting at row (\d+)", message)
    if found is None and quote is not None:
        return SSIInputError(f"a quote (\") opened in row {int(quote.group(1)) + 1} is never "
                             "closed: the rest of the file would be one cell", file=name,
                             fix="remove the stray quote, or close it where the cell ends")
    if found is None:
        return SSIInputError(f"cannot read the file (ParserError: {message.strip()})", file=name,
                             fix="check that it is a valid, uncorrupted CSV file")
    want, line, saw = found.groups()
    return SSIInputError(f"line {line} has {saw} cells but the header names {want} columns",
                         file=name, fix="quote the values that hold the delimiter, give every "
                         "column a name in the header, or remove the extra cells")
