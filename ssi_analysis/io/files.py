"""Finding a table's file in a data folder and reading it without interpreting a cell.

CSV is decoded (UTF-8 with or without a byte-order mark, UTF-16 by its mark, else Latin-1, said in
a note), its delimiter sniffed from the header (a semicolon means a decimal comma) and a report
export's footer left out; an ``.xlsx`` workbook is checked to be one, and the sheet named after the
table (else the first with its columns) is read; Parquet keeps its native cells (the activity's
text as categoricals, read in a thread while the small tables load). Column names are normalised
(:func:`ssi_analysis.schemas.normalise_name`); a repeated name, an empty file or a header without
rows stops the run.
"""

from __future__ import annotations

import io as _io
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..dialects import DUCKDB, Dialect
from ..errors import SSIError, SSIInputError
from ..schemas import TABLES, normalise_name, normalise_name_sql
from ..textfiles import decode_text

FORMATS = (".csv", ".parquet", ".xlsx")


EXAMPLES = ("example", "example-tracker", "example-team")
"""The bundled example folders, each made by ``ssi-analysis simulate`` (with known truth in its
``truth.json``): a team's activity, outcomes and LinkedIn snapshots (``example``); one member's
daily SSI page tracker files (``example-tracker``, ``--shape tracker``); a team's weekly SSI
exports and outcomes, without activity (``example-team``, ``--shape team-export``)."""


def example_data_dir(name: str = "example") -> Path:
    """A bundled example data folder (:data:`EXAMPLES`; simulated, with known truth in
    ``truth.json``)."""
    if name not in EXAMPLES:
        raise SSIInputError(f"no bundled example '{name}'", fix=f"use one of {', '.join(EXAMPLES)}")
    return Path(str(resources.files("ssi_analysis").joinpath("data", name)))


def resolve_data_dir(data: str | Path) -> Path:
    """``'example'`` (and the other :data:`EXAMPLES`) means the bundled example; anything else
    is a folder path."""
    if str(data) in EXAMPLES and not Path(str(data)).exists():
        return example_data_dir(str(data))
    return Path(data)


def _sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@dataclass
class RawTable:
    """A file read as text cells (csv) or native cells (parquet, xlsx), columns normalised."""

    frame: pd.DataFrame
    file: str
    row_offset: int  # add to the 0-based position to get the row number users see
    decimal: str = "."
    notes: list[str] = field(default_factory=list)
    header_rows: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    """Positions of rows that repeat the header (:func:`header_rows`): not data."""
    warnings: list[str] = field(default_factory=list)
    """Documented repairs made while reading (merged cells of a sheet filled)."""


_RENAMED = re.compile(r"\.\d+$")
"""How pandas renames a repeated column name (``team.1``)."""


def _header_as_written(first_row: pd.Series, columns: pd.Index) -> list:
    """The header cells as the file writes them, where pandas renamed a repeated one."""
    written = ["" if pd.isna(v) else str(v) for v in first_row.tolist()]
    if len(written) != len(columns):
        return list(columns)
    return [w if w.strip() else c for w, c in zip(written, columns, strict=True)]


def _check_workbook(path: Path) -> None:
    """Raise :class:`SSIInputError` when an ``.xlsx`` file is not an Excel workbook, saying what
    it looks like instead (CSV text renamed, an old ``.xls``, another zip archive)."""
    import zipfile

    name = path.name
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head[:4] != b"PK\x03\x04":
        if head[:4] == b"\xd0\xcf\x11\xe0":
            raise SSIInputError("the file is not an .xlsx workbook (it looks like an old Excel "
                                "97-2003 .xls file)", file=name,
                                fix="open it in Excel and save it as .xlsx, or export CSV")
        if head and b"\x00" not in head and _looks_like_text(head):
            raise SSIInputError("the file is not an Excel workbook (it looks like CSV text)",
                                file=name, fix=f"rename it to {path.stem}.csv")
        raise SSIInputError("the file is not an Excel workbook", file=name,
                            fix="export the table again as .xlsx or .csv")
    try:
        with zipfile.ZipFile(path) as zf:
            names = {n.lower() for n in zf.namelist()}
    except (zipfile.BadZipFile, OSError):
        raise SSIInputError("the file is not a valid Excel workbook (a damaged zip archive)",
                            file=name, fix="export the table again as .xlsx or .csv") from None
    if "xl/workbook.xml" not in names:
        raise SSIInputError("the file is not a valid Excel workbook (a zip archive without a "
                            "workbook in it)", file=name,
                            fix="export the table again as .xlsx or .csv")


def _looks_like_text(data: bytes) -> bool:
    """Whether bytes read as text (UTF-8, else Latin-1 without control characters)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\r\n")
    return controls == 0 and sum(c.isprintable() or c in "\t\r\n" for c in text) >= 0.95 * len(text)


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


def read_raw(path: Path, table: str) -> RawTable:
    """Read one file without interpreting any cell. Raises SSIInputError if unreadable/empty."""
    name = path.name
    notes: list[str] = []
    warnings: list[str] = []
    decimal = "."
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame, decimal = _read_csv(path, table, notes)
            offset = 2
        elif suffix == ".parquet":
            check_parquet(path)
            frame = _read_parquet(path, table)
            offset = 1
        elif suffix == ".xlsx":
            frame = _read_xlsx(path, table, notes, warnings)
            offset = 2
        else:  # pragma: no cover - callers only pass known suffixes
            raise SSIInputError(f"unsupported file type '{suffix}'", file=name)
    except SSIError:
        raise
    except (ValueError, OSError, ImportError, pd.errors.ParserError, KeyError) as exc:
        raise SSIInputError(f"cannot read the file ({type(exc).__name__}: {exc})".strip(),
                            file=name, fix="check that it is a valid, uncorrupted "
                            f"{suffix.lstrip('.').upper()} file") from None
    except Exception as exc:  # pyarrow/openpyxl raise their own types for corrupt files
        raise SSIInputError(f"cannot read the file ({type(exc).__name__})", file=name,
                            fix="check that it is a valid, uncorrupted file") from None
    frame = frame.copy() if suffix != ".parquet" else frame  # a Parquet frame is already ours
    frame.columns = [normalise_name(c) for c in frame.columns]
    check_distinct_columns(list(frame.columns), name)
    frame = frame.dropna(how="all") if suffix == ".xlsx" else frame
    if frame.empty:
        spec = TABLES.get(table)
        odd = suffix == ".csv" and spec is not None and not set(spec.required) & set(frame.columns)
        raise no_rows_error(name, table, odd=odd)
    frame = frame.reset_index(drop=True)
    return RawTable(frame, name, offset, decimal, notes, header_rows(frame), warnings)


def _empty_cells(s: pd.Series) -> np.ndarray:
    text = s.astype(object)
    blank = np.array([isinstance(v, str) and not v.strip() for v in text], dtype=bool)
    return s.isna().to_numpy(dtype=bool) | blank


def _named(s: pd.Series, name: str) -> np.ndarray:
    """Which cells of ``s``, read as a column name (:func:`normalise_name`), are ``name``: each
    distinct text once."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        hit = np.array([isinstance(c, str) and normalise_name(c) == name
                        for c in s.cat.categories], dtype=bool)
        return np.append(hit, False)[s.cat.codes.to_numpy()]
    if not (s.dtype == object or pd.api.types.is_string_dtype(s)):
        return np.zeros(len(s), dtype=bool)       # numbers and dates are no column names
    values = pd.unique(s.dropna())
    names = [v for v in values if isinstance(v, str) and normalise_name(v) == name]
    return s.isin(names).to_numpy(dtype=bool) if names else np.zeros(len(s), dtype=bool)


def header_rows(frame: pd.DataFrame) -> np.ndarray:
    """The positions of the rows of ``frame`` that repeat its header: rows whose every cell,
    read as a column name, is the name of its own column (empty cells allowed; at least two
    cells so, or the one cell of a table of one column). Such a line inside a table (two
    exports appended, or a header printed on every page) holds no data.

    >>> frame = pd.DataFrame({"rep_id": ["R1", "Rep ID", "R2"], "team": ["T", "team", ""]})
    >>> header_rows(frame).tolist()
    [1]
    """
    columns = list(frame.columns)
    if frame.empty or not columns:
        return np.array([], dtype=np.int64)
    first = _named(frame[columns[0]], columns[0])     # the cheap pass: one column's values
    rows = np.flatnonzero(first)
    if not len(rows):
        return rows.astype(np.int64)
    sub = frame.iloc[rows]
    named = np.ones(len(rows), dtype=np.int64)
    fits = np.ones(len(rows), dtype=bool)
    for col in columns[1:]:
        hit = _named(sub[col], col)
        named += hit
        fits &= hit | _empty_cells(sub[col])
    return rows[fits & (named >= min(2, len(columns)))].astype(np.int64)


def header_row_sql(cells: list[tuple[str, str]], dialect: Dialect = DUCKDB) -> str:
    """:func:`header_rows` in SQL (in ``dialect``): true for a row that repeats the header,
    from ``(column name, SQL text of the row's cell)`` for every column of the table."""
    d = dialect
    named = [f"coalesce({normalise_name_sql(text, d)} = {d.text(col)}, false)"
             for col, text in cells]
    empty = [f"({text} IS NULL OR {d.strip(text)} = '')" for _, text in cells]
    each = " AND ".join(f"({n} OR {e})" for n, e in zip(named, empty, strict=True))
    count = " + ".join(f"CAST({n} AS INTEGER)" for n in named)
    return f"({named[0]} AND {each} AND {count} >= {min(2, len(cells))})"


def no_rows_error(name: str, table: str, *, odd: bool = False) -> SSIInputError:
    """The error of a file with a header but no rows (``odd``: a CSV whose one line names none
    of the table's columns); both engines say it so."""
    return SSIInputError("the file has a header but no rows"
                         + (" (and its one line names none of the table's columns: the file "
                            "may not be CSV text)" if odd else ""), file=name,
                         fix=f"export the {table} table again with its data"
                         + (" as CSV" if odd else ""))


def check_distinct_columns(names: list[str], file: str) -> None:
    """Raise :class:`SSIInputError` when normalised column names repeat (one pass over the
    names: a header of many thousand columns is checked as fast as one of four).

    >>> check_distinct_columns(["rep_id", "team", "rep_id"], "reps.csv")
    Traceback (most recent call last):
    ...
    ssi_analysis.errors.SSIInputError: reps.csv: column names repeat: rep_id
      fix: give every column a distinct name
    """
    counts = Counter(names)
    dupes = sorted(c for c, n in counts.items() if n > 1)
    if dupes:
        shown = ", ".join(dupes[:10]) + (f" and {len(dupes) - 10} more" if len(dupes) > 10
                                         else "")
        raise SSIInputError(f"column names repeat: {shown}", file=file,
                            fix="give every column a distinct name")


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


def _read_csv(path: Path, table: str, notes: list[str]) -> tuple[pd.DataFrame, str]:
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
    if any(_RENAMED.search(str(c)) for c in frame.columns):
        frame.columns = _header_as_written(
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


def _read_xlsx(path: Path, table: str, notes: list[str],
               warnings: list[str] | None = None) -> pd.DataFrame:
    """The sheet of a workbook that holds ``table``: the one named after it, else the first with
    the table's required columns, else the first with data (a note says which). Merged cells
    are read as Excel shows them (:func:`_unmerged`; a warning says so)."""
    name = path.name
    _check_workbook(path)
    source: object = path
    filled: dict[str, list[tuple[str, int, int]]] = {}
    errors: dict[str, SSIInputError] = {}
    if _has_merged_cells(path):
        source, filled, errors = _unmerged(path)
    sheets = pd.read_excel(source, sheet_name=None, dtype=object, engine="openpyxl")
    nonempty = {k: v for k, v in sheets.items() if not v.dropna(how="all").empty}
    chosen = next((k for k in sheets if normalise_name(k) == table), None)
    if chosen is None:
        if not nonempty:
            raise SSIInputError("the workbook has no data", file=name)
        need = set(TABLES[table].required) if table in TABLES else set()
        fits = [k for k, v in nonempty.items()
                if need <= {normalise_name(c) for c in v.columns}]
        chosen = (fits or list(nonempty))[0]
        if len(sheets) > 1:
            why = f" (it has the {table} columns)" if fits and need else ""
            notes.append(f"{name}: {len(sheets)} sheets and none named '{table}'; "
                         f"read sheet '{chosen}'{why}")
    if chosen in errors:
        raise errors[chosen]
    if chosen in filled and warnings is not None:
        warnings.append(merged_warning(name, filled[chosen]))
    frame = sheets[chosen]
    if not frame.columns.empty:
        frame.columns = _header_as_written(
            pd.read_excel(source, sheet_name=chosen, header=None, nrows=1,
                          dtype=object, engine="openpyxl").iloc[0], frame.columns)
    return frame


def _has_merged_cells(path: Path) -> bool:
    """Whether any sheet of a workbook has merged cells: its XML read in blocks for the mark
    (no workbook is built)."""
    import zipfile

    mark, tail = b"<mergeCell ", b""
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not (info.filename.lower().startswith("xl/worksheets/")
                    and info.filename.lower().endswith(".xml")):
                continue
            with zf.open(info) as fh:
                while block := fh.read(1 << 20):
                    if mark in tail + block:
                        return True
                    tail = block[-len(mark):]
    return False


def _unmerged(path: Path) -> tuple[object, dict[str, list[tuple[str, int, int]]],
                                   dict[str, SSIInputError]]:
    """The workbook with each sheet's merged cells as Excel shows them: a range merged down one
    column below the header is that value in every row it covers (a team written once for the
    reps of the team); ranges within the header are left as they are. Returns the workbook,
    the ranges filled by sheet (``(column, first row, last row)``) and, by sheet, the error of
    a range merged across columns below the header (which column the value is of cannot be
    told), raised if that sheet is read."""
    import openpyxl

    book = openpyxl.load_workbook(path, data_only=True)
    filled: dict[str, list[tuple[str, int, int]]] = {}
    errors: dict[str, SSIInputError] = {}
    for ws in book.worksheets:
        ranges = sorted(ws.merged_cells.ranges, key=lambda r: (r.min_col, r.min_row))
        if not ranges:
            continue
        header = next((r[0].row for r in ws.iter_rows()
                       if any(c.value not in (None, "") for c in r)), 1)
        for rng in ranges:
            if rng.max_row <= header:
                continue
            if rng.min_col != rng.max_col:
                errors[ws.title] = SSIInputError(
                    f"cells {rng.coord} are merged across columns: which column their value is "
                    "of cannot be told", file=path.name,
                    fix="unmerge the cells (Home > Merge & Center) and write the value in its "
                        "column, in every row it belongs to")
                break              # the sheet stops the run if read: its other ranges can wait
            value = ws.cell(rng.min_row, rng.min_col).value
            column = normalise_name(ws.cell(header, rng.min_col).value or rng.min_col)
            ws.unmerge_cells(rng.coord)
            for row in range(max(rng.min_row, header + 1), rng.max_row + 1):
                ws.cell(row, rng.min_col).value = value
            filled.setdefault(ws.title, []).append((column, max(rng.min_row, header + 1),
                                                    rng.max_row))
    return book, filled, errors


def merged_warning(file: str, filled: list[tuple[str, int, int]]) -> str:
    """The warning of merged cells read in every row they cover: ``(column, first row, last
    row)`` of each range (rows as the sheet numbers them)."""
    by_column: dict[str, list[str]] = {}
    for column, first, last in filled:
        by_column.setdefault(column, []).append(f"{first}-{last}")
    shown = []
    for column, spans in by_column.items():
        more = f" and {len(spans) - 5} more" if len(spans) > 5 else ""
        shown.append(f"{column} in rows {', '.join(spans[:5])}{more}")
    return (f"{file}: {len(filled)} merged cell range(s) read as their value in every row they "
            f"cover: {'; '.join(shown)} (Excel shows one value for the merged rows; unmerge "
            "the cells and fill the value into each row in the source to silence this)")


_CATEGORICAL_TABLES = frozenset({"activity"})
"""Tables read from Parquet with text columns as categoricals: millions of rows, few values."""


class ActivityPrefetch:
    """Reads a large Parquet activity file in a thread (pyarrow works without the GIL), so the
    read overlaps loading the small tables; :meth:`take` hands it over (or ``None``)."""

    def __init__(self, path: Path):
        self.path, self._result, self._thread = path, None, None
        if path.is_file():
            self._thread = threading.Thread(target=self._read, daemon=True)
            self._thread.start()

    def _read(self) -> None:
        try:
            self._result = read_raw(self.path, "activity")
        except BaseException as exc:  # raised again in the caller's thread by take()
            self._result = exc

    def take(self, path: Path) -> RawTable | None:
        if self._thread is None or path != self.path:
            return None
        self._thread.join()
        self._thread = None
        result, self._result = self._result, None
        if isinstance(result, BaseException):
            raise result
        return result


def _read_parquet(path: Path, table: str) -> pd.DataFrame:
    """A Parquet file as a frame; for the large tables text as categoricals, dates as datetime64.

    Parsing then works on each distinct id, metric name and date once (:func:`distinct_values`), and
    no Python object is made per cell. The values are those ``pd.read_parquet`` gives.
    """
    if table not in _CATEGORICAL_TABLES:
        return pd.read_parquet(path)
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    # one dictionary per column (not per row group), so the conversion is a cheap copy
    data = pq.read_table(path, read_dictionary=text).unify_dictionaries().combine_chunks()
    frame = data.to_pandas(date_as_object=False)
    del data
    pa.default_memory_pool().release_unused()  # give the file's buffers back, not keep them
    return frame


def file_decimal(raw: RawTable) -> str | None:
    """The decimal mark a file's format tells: CSV by its delimiter; Excel/Parquet cells: none."""
    return raw.decimal if raw.file.lower().endswith(".csv") else None


def check_data_folder(folder: Path) -> None:
    """Raise :class:`SSIInputError` unless ``folder`` is a folder (said so when it is a file)."""
    if folder.is_dir():
        return
    if folder.exists():
        raise SSIInputError("this is a file, not a folder", file=str(folder),
                            fix="pass the folder holding the reps and activity files to --data "
                                f"(e.g. --data {folder.parent})")
    raise SSIInputError("the data folder does not exist", file=str(folder),
                        fix="pass a folder holding reps and activity files to --data")


def table_files(folder: Path, table: str) -> list[Path]:
    """Every file of ``folder`` that holds ``table`` (any format, names in any letter case)."""
    wanted = _file_names(table)
    # names as exports write them: Reps.CSV is the reps table
    return (sorted(p for p in folder.iterdir() if p.name.lower() in wanted and p.is_file())
            if folder.is_dir() else [])


def _file_names(table: str) -> set[str]:
    """The names (in lower case) of a file that holds ``table``."""
    suffixes = FORMATS + ((".json",) if table == "ssi_observed" else ())
    return {f"{table}{s}" for s in suffixes}


def _table_folder(folder: Path, table: str) -> Path | None:
    """A folder of Parquet parts holding ``table`` (``activity/``, any letter case), or None."""
    if table != "activity" or not folder.is_dir():
        return None
    return next((p for p in sorted(folder.iterdir()) if p.name.lower() == table and p.is_dir()),
                None)


def missing_table_error(folder: Path, table: str) -> SSIInputError:
    """The error of a required table without a file (both engines say it so)."""
    also = " or a folder activity/ of Parquet files" if table == "activity" else ""
    article = "an" if table[0] in "aeiou" else "a"
    wanted = _file_names(table)
    folders = (sorted(p.name for p in folder.iterdir() if p.name.lower() in wanted
                      and p.is_dir()) if folder.is_dir() else [])
    found = f" ({folders[0]} is a folder, not a file)" if folders else ""
    return SSIInputError(f"no {table} table: expected {table}.csv, {table}.parquet, "
                         f"{table}.xlsx{also}{found}", file=str(folder),
                         fix=f"add {article} {table} file (see data/README.md)")


def find_table_source(folder: Path, table: str) -> Path | None:
    """Where ``table`` is in ``folder``: its file (any format, any letter case), the folder
    ``activity/`` of Parquet parts (activity only), or ``None``. One table in two places (two
    formats, or a file and the folder) is an error: which one is meant cannot be told. Both
    engines find their tables with it."""
    found = table_files(folder, table)
    parts = _table_folder(folder, table)
    if found and parts is not None:
        raise SSIInputError(f"the {table} table is there twice: {found[0].name} and "
                            f"{parts.name}/", file=str(folder), fix="keep one of them")
    if len(found) > 1:
        raise SSIInputError(f"the {table} table is there in {len(found)} files: "
                            f"{', '.join(p.name for p in found)}", file=str(folder),
                            fix="keep one file per table")
    return found[0] if found else parts


def find_table_file(folder: Path, table: str) -> Path | None:
    """The file holding ``table`` in ``folder``, or ``None``; two formats of one table is an
    error, and so is a folder of Parquet parts (only the DuckDB engine reads one)."""
    found = find_table_source(folder, table)
    if found is not None and found.is_dir():
        raise SSIInputError(f"{found.name}/ is a folder of files: only the duckdb engine reads "
                            "that", file=str(folder), fix="score it with --engine duckdb, or "
                            "put the activity in one file (activity.parquet)")
    return found


def parquet_parts(folder: Path) -> list[Path]:
    """The Parquet files in a folder of parts (any depth, the suffix in any letter case)."""
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".parquet" and p.is_file())


PARQUET_MAGIC = b"PAR1"


def check_parquet(path: Path, name: str | None = None) -> None:
    """Raise :class:`SSIInputError` when ``path`` is empty or not a Parquet file (it neither
    starts nor ends with Parquet's mark), saying what it looks like instead. Both engines check
    a Parquet file with it before reading it, so they say the same."""
    name = name or path.name
    size = path.stat().st_size
    if size == 0:
        raise SSIInputError("the file is empty", file=name,
                            fix="export the table again, with its data")
    with open(path, "rb") as fh:
        head = fh.read(4096)
        fh.seek(max(size - 4, 0))
        tail = fh.read(4)
    if head[:4] == PARQUET_MAGIC and (size < 12 or tail != PARQUET_MAGIC):
        raise SSIInputError("cannot read the file: it starts as a Parquet file but is cut "
                            "short or damaged", file=name,
                            fix="export the table again (check that it was copied whole)")
    if head[:4] != PARQUET_MAGIC:
        looks = (" (it looks like text: CSV renamed?)"
                 if b"\x00" not in head and _looks_like_text(head) else "")
        raise SSIInputError(f"the file is not a Parquet file{looks}", file=name,
                            fix="export the table again as Parquet, or as .csv or .xlsx")
