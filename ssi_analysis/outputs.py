"""Writing outputs safely: atomically (a temporary file, then rename), never over an input.

Every file the toolkit writes goes through here, so a crash never leaves half a file and the
same inputs give byte-identical outputs.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import SSIError


def publish(tmp: str | Path, path: Path) -> None:
    """Give a finished temporary file the usual permissions and move it into place."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)


def write_table(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` to ``path`` (.csv or .parquet) atomically: a temporary file, then rename.

    Dates are written as ``YYYY-MM-DD``; floats keep full precision, so the same inputs give
    byte-identical files.
    """
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise SSIError(f"cannot write '{suffix}' files", file=str(path),
                       fix="name the output .csv or .parquet")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        if suffix == ".csv":
            if not _write_csv_fast(df, tmp):
                out = df.copy()
                for col in out.columns:
                    if pd.api.types.is_datetime64_any_dtype(out[col]):
                        out[col] = out[col].dt.strftime("%Y-%m-%d")
                out.to_csv(tmp, index=False, lineterminator="\n")
        else:
            df.to_parquet(tmp, index=False)
        publish(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


_NEEDS_QUOTES = r'[,"\r\n]'


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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        publish(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_bytes(data: bytes, path: Path) -> Path:
    """Write ``data`` to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        publish(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def refuse_overwriting_inputs(out: Path, inputs: Sequence[Path]) -> None:
    """Raise :class:`SSIError` if ``out`` is one of the ``inputs``."""
    target = out.resolve()
    for p in inputs:
        if p.resolve() == target:
            raise SSIError("the output would overwrite an input file", file=str(out),
                           fix="choose another output path")
