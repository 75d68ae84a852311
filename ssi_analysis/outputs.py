"""Writing outputs safely: atomically (a temporary file, then rename), never over an input, and
with spreadsheet formulas defused.

Every file the toolkit writes goes through here (the DuckDB engine writes its files to a
temporary name and hands them to :func:`publish`), so a crash never leaves half a file and the
same inputs give byte-identical outputs.

**Formula injection.** A CSV (or Excel) cell whose text starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return is run as a formula when a spreadsheet opens the file (OWASP, "CSV
injection"): a rep id or a rejected cell such as ``=HYPERLINK(...)`` would become a link or a
command. :func:`write_table` prefixes such text with a single quote (``'=HYPERLINK(...)``),
which spreadsheets show as text. Numbers are left alone: numeric columns, and text that reads
as a number (``-5``, ``+3.2``, ``-1,5``).

Examples
--------
>>> defuse(pd.Series(["=1+1", "-5", "@SUM(A1)", "R0001", None, "-x"], dtype=object)).tolist()
["'=1+1", '-5', "'@SUM(A1)", 'R0001', None, "'-x"]
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import SSIError

FORMULA_START = "=+-@\t\r"
"""Characters that make a spreadsheet read a cell as a formula (OWASP)."""

NUMBER_TEXT = r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$"
"""Text that is a number, not a formula (left as it is even when it starts with + or -)."""

_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(NUMBER_TEXT)


def publish(tmp: str | Path, path: Path) -> None:
    """Give a finished temporary file the usual permissions and move it into place."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[str]:
    """A temporary file name beside ``path`` to write to; moved into place when the block ends
    without an error, removed otherwise (so ``path`` is either the old file or the new one).

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = Path(tmp).write_text("done")
    >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
    ('done', ['x.txt'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield tmp
        publish(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def defuse(s: pd.Series) -> pd.Series:
    """Text cells that a spreadsheet would run as a formula, prefixed with ``'``.

    A numeric column is returned as it is; in a text column, each distinct value is checked
    once (ids repeat), and cells that read as numbers stay as they are.
    """
    if not (s.dtype == object or pd.api.types.is_string_dtype(s)) \
            or isinstance(s.dtype, pd.CategoricalDtype):
        if isinstance(s.dtype, pd.CategoricalDtype) and (
                s.cat.categories.dtype == object
                or pd.api.types.is_string_dtype(s.cat.categories)):
            return s.cat.rename_categories(defuse(pd.Series(s.cat.categories)).to_numpy())
        return s
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    values = np.asarray(uniques, dtype=object)
    risky = [i for i, v in enumerate(values)
             if isinstance(v, str) and _FORMULA.match(v) and not _NUMBER.match(v)]
    if not risky:
        return s
    values = values.copy()
    for i in risky:
        values[i] = "'" + values[i]
    return pd.Series(np.append(values, None)[codes], index=s.index, dtype=s.dtype)


def defuse_frame(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`defuse` every text column (a copy only when something changed)."""
    changed = {}
    for col in df.columns:
        new = defuse(df[col])
        if new is not df[col]:
            changed[col] = new
    return df.assign(**changed) if changed else df


def write_table(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` to ``path`` (.csv or .parquet) atomically: a temporary file, then rename.

    Dates are written as ``YYYY-MM-DD``; floats keep full precision, so the same inputs give
    byte-identical files. In a CSV, text that a spreadsheet would run as a formula is
    prefixed with ``'`` (:func:`defuse`); Parquet keeps the values as they are. A CSV whose
    text holds a carriage return has CRLF line endings (so that the cell is quoted).
    """
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise SSIError(f"cannot write '{suffix}' files", file=str(path),
                       fix="name the output .csv or .parquet")
    with atomic_path(path) as tmp:
        if suffix == ".csv":
            safe = defuse_frame(df)
            if not _write_csv_fast(safe, tmp):
                out = safe.copy()
                for col in out.columns:
                    if pd.api.types.is_datetime64_any_dtype(out[col]):
                        out[col] = out[col].dt.strftime("%Y-%m-%d")
                out.to_csv(tmp, index=False, lineterminator="\r\n" if _has_cr(out) else "\n")
        else:
            df.to_parquet(tmp, index=False)
    return path


_NEEDS_QUOTES = r'[,"\r\n]'


def _has_cr(df: pd.DataFrame) -> bool:
    """Whether a text cell holds a carriage return. Python's CSV writer quotes a cell only for
    the characters of the line ending, so such a file is written with CRLF line endings (and
    the cell quoted) rather than with a bare CR that readers would take for a line break."""
    return any(df[c].map(lambda v: isinstance(v, str) and "\r" in v).any()
               for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c]))


def _write_csv_fast(df: pd.DataFrame, path: str) -> bool:
    """Write ``df`` as :func:`write_table` does with pandas, byte for byte, but fast.

    Every column is turned into text at once: dates formatted once per distinct day, floats by
    :func:`float_text`, ids as they are; pyarrow writes the lines. Returns ``False`` (nothing
    written) for what only pandas writes the same way: other column types, or text that needs
    quoting.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    if len(df.columns) < 2 or any(re.search(_NEEDS_QUOTES, str(c)) for c in df.columns):
        return False
    columns = {}
    for name in df.columns:
        s = df[name]
        if pd.api.types.is_datetime64_any_dtype(s) and s.dt.tz is None:
            codes, days = pd.factorize(s)
            text = np.append(days.strftime("%Y-%m-%d").to_numpy(dtype=object), None)
            columns[name] = pa.array(text[codes], type=pa.string())
        elif s.dtype == np.float64:
            columns[name] = pa.array(float_text(s.to_numpy()), type=pa.string())
        elif s.dtype == np.int64:
            columns[name] = pc.cast(pa.array(s.to_numpy()), pa.string())
        elif ((pd.api.types.is_string_dtype(s) or s.dtype == object)
              and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")):
            arr = pa.array(s.astype(object).where(s.notna(), None).to_numpy(), type=pa.string())
            if pc.any(pc.match_substring_regex(arr, _NEEDS_QUOTES)).as_py():
                return False
            columns[name] = arr
        else:
            return False
    table = pa.table(columns)
    pcsv.write_csv(table, path, pcsv.WriteOptions(quoting_style="none", quoting_header="none",
                                                  eol="\n"))
    return True


def float_text(values: np.ndarray) -> np.ndarray:
    """Each float as Python's ``repr`` writes it (``None`` for NaN), as pandas writes CSV cells.

    pyarrow formats the values between 1e-4 and 1e9 (the shortest text that reads back the same
    number, as ``repr``; only ``25.0`` needs its ``.0`` back); Python formats the rest.

    >>> float_text(np.array([25.0, 0.1, 1 / 3, 1e-07, np.nan, 2e20])).tolist()
    ['25.0', '0.1', '0.3333333333333333', '1e-07', None, '2e+20']
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    values = np.asarray(values, dtype=np.float64)
    size = np.abs(values)
    fast = ((size >= 1e-4) & (size < 1e9)) | (values == 0)
    text = np.asarray(pc.cast(pa.array(values), pa.string()).to_numpy(zero_copy_only=False),
                      dtype=object)
    integral = fast & (values == np.floor(values))
    text[integral] = np.char.add(text[integral].astype(str), ".0").astype(object)
    slow = ~fast & ~np.isnan(values)
    text[slow] = [repr(v) for v in values[slow].tolist()]
    text[np.isnan(values)] = None
    return text


def write_text(text: str, path: Path) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8, a temporary file, then rename)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    return path


def write_bytes(data: bytes, path: Path) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
    return path


def refuse_overwriting_inputs(out: Path, inputs: Sequence[Path], *,
                              folder: Path | None = None) -> None:
    """Raise :class:`SSIError` if ``out`` is one of the ``inputs``, or (with the data
    ``folder``) would be read as one of its tables next time (``folder/outcomes.csv`` when
    the folder derives outcomes, ``folder/activity/part.parquet``...)."""
    target = Path(out).resolve()
    for p in inputs:
        if Path(p).resolve() == target:
            raise SSIError("the output would overwrite an input file", file=str(out),
                           fix="choose another output path")
    if folder is not None:
        table = table_of(target, Path(folder))
        if table is not None:
            raise SSIError(f"the output would be read as the {table} table of the data folder "
                           "next time", file=str(out),
                           fix="write it outside the data folder, or give it another name")


def table_of(path: Path, folder: Path) -> str | None:
    """The table of the data ``folder`` that ``path`` would be read as, or ``None``."""
    from .schemas import TABLES

    path, folder = Path(path).resolve(), Path(folder).resolve()
    suffix = path.suffix.lower()
    if path.parent == folder and path.stem.lower() in TABLES and suffix in (
            ".csv", ".parquet", ".xlsx", ".json"):
        return path.stem.lower() if suffix != ".json" or path.stem.lower() == "ssi_observed" \
            else None
    activity = folder / "activity"
    if suffix == ".parquet" and activity in path.parents:
        return "activity"
    observed = [p for p in path.parents if p.parent == folder and p.name.lower() == "ssi_observed"]
    if observed and suffix in (".csv", ".parquet", ".xlsx", ".json"):
        return "ssi_observed"       # a file of the folder ssi_observed/, at any depth
    return None
