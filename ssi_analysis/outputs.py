"""Writing outputs safely: atomically (a temporary file, then rename), never over an input.

Every file the toolkit writes goes through here, so a crash never leaves half a file and the
same inputs give byte-identical outputs.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

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
