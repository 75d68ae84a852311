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

**Errors.** An operating-system error met while writing (a folder where the file goes, a file
where a folder must be, no permission, a read-only place, a full disk) is raised as
:class:`~ssi_analysis.errors.SSIOutputError` naming the output and what to do
(:func:`output_error`), and the temporary file is removed: the output is either the old file or
the new one, never half of one.

Examples
--------
>>> defuse(pd.Series(["=1+1", "-5", "@SUM(A1)", "R0001", None, "-x"], dtype=object)).tolist()
["'=1+1", '-5', "'@SUM(A1)", 'R0001', None, "'-x"]
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import SSIError, SSIOutputError

FORMULA_START = "=+-@\t\r"
"""Characters that make a spreadsheet read a cell as a formula (OWASP)."""

NUMBER_TEXT = r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$"
"""Text that is a number, not a formula (left as it is even when it starts with + or -)."""

_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(NUMBER_TEXT)


_WRITE_PROBLEMS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("the disk is full", "free some space on it, or write the output to another "
                   "disk"),
    errno.EDQUOT: ("the disk quota is used up", "free some space, or write the output to "
                   "another disk"),
    errno.EACCES: ("no permission to write there", "choose a folder you can write to, or get "
                   "write permission for this one"),
    errno.EPERM: ("no permission to write there", "choose a folder you can write to, or get "
                  "write permission for this one"),
    errno.EROFS: ("the place is read-only", "write the output to a folder on a writable disk"),
    errno.ENAMETOOLONG: ("the path or the file name is too long", "use a shorter file name, "
                         "or a folder with a shorter path"),
    errno.EISDIR: ("a folder is in the way", "give the output another name, or move the "
                   "folder away"),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "choose an output path whose "
                    "folders are folders"),
    errno.EIO: ("the disk reported an input/output error", "check the disk, or write the "
                "output to another one"),
}
"""What an operating-system error when writing means, and what to do, by its ``errno``."""


def os_error_code(exc: BaseException) -> int | None:
    """The ``errno`` of an error met writing: its own, or the one its text names (an engine's
    I/O error, such as DuckDB's, carries the system's words, e.g. "No space left on device").

    >>> os_error_code(OSError(28, "No space left on device"))
    28
    >>> os_error_code(RuntimeError('Could not write file "x": Permission denied')) == errno.EACCES
    True
    """
    code = getattr(exc, "errno", None)
    if isinstance(code, int) and code in _WRITE_PROBLEMS:
        return code
    text = str(exc)
    return next((c for c in _WRITE_PROBLEMS if os.strerror(c) in text), code
                if isinstance(code, int) else None)


def _file_in_the_way(path: Path) -> Path | None:
    """The nearest existing folder of ``path`` when it is a file, not a folder."""
    for parent in Path(path).absolute().parents:
        if parent.exists() or parent.is_symlink():
            return None if parent.is_dir() else parent
    return None


def output_error(exc: BaseException, path: str | Path) -> SSIOutputError:
    """An error met writing ``path`` as a message a person can act on: what is in the way (a
    file where a folder must be, a folder where the file goes), else the system's reason (no
    permission, read-only, disk full) and what to do.

    >>> print(output_error(OSError(errno.ENOSPC, "No space left on device"), "out/s.csv"))
    out/s.csv: cannot write the file: the disk is full (No space left on device)
      fix: free some space on it, or write the output to another disk
    """
    path = Path(path)
    blocker = _file_in_the_way(path)
    if blocker is not None:
        return SSIOutputError(f"cannot write the file: {blocker} is a file, not a folder",
                              file=str(path), fix="choose an output path inside a folder, or "
                                                  "move that file away")
    if path.is_dir() and not path.is_symlink():
        return SSIOutputError("cannot write the file: a folder of that name is in the way",
                              file=str(path), fix="give the output another name, or move the "
                                                  "folder away")
    code = os_error_code(exc)
    reason = getattr(exc, "strerror", None) or (os.strerror(code) if code else str(exc))
    problem, fix = _WRITE_PROBLEMS.get(code, ("the system refused it", "check that the folder "
                                              "exists and can be written to"))
    return SSIOutputError(f"cannot write the file: {problem} ({reason})", file=str(path),
                          fix=fix)


@contextlib.contextmanager
def writing(path: str | Path) -> Iterator[None]:
    """Turn an operating-system error in the block into :func:`output_error` for ``path``.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> try:
    ...     with writing(folder / "x.csv"):
    ...         raise PermissionError(errno.EACCES, "Permission denied")
    ... except SSIOutputError as exc:
    ...     print(exc.problem)
    cannot write the file: no permission to write there (Permission denied)
    """
    try:
        yield
    except OSError as exc:
        raise output_error(exc, path) from exc


# ------------------------------------------------------------------ stopping cleanly
class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that every ``finally`` runs: temporary files and
    the report's staging folder are removed before the process ends. It is a kind of
    ``KeyboardInterrupt`` because libraries that run an event loop (the report's kernel client)
    pass that on rather than keep it in a task."""


_TERMINATION = {"requested": False}
"""Whether SIGTERM arrived while :func:`terminate_cleanly` was in force."""


def check_terminated() -> None:
    """Raise :class:`Terminated` if SIGTERM arrived and its exception was lost on the way (a
    signal's exception raised inside a callback whose errors are ignored, such as a weakref's
    or a garbage collector's): called before a file is moved into place."""
    if _TERMINATION["requested"]:
        raise Terminated


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """While the block runs (in the main thread), SIGTERM raises :class:`Terminated`, so that
    the run stops with every temporary file removed. A termination that a library swallowed is
    raised again before the next file is moved into place (:func:`check_terminated`), and at
    the end of the block; it is not printed as an "ignored" exception."""
    import signal
    import sys
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum, frame):
        _TERMINATION["requested"] = True
        raise Terminated

    def unraisable(info, print_it=sys.unraisablehook):
        if not isinstance(info.exc_value, Terminated):
            print_it(info)

    before = signal.signal(signal.SIGTERM, terminated)
    hook = sys.unraisablehook
    sys.unraisablehook = unraisable
    _TERMINATION["requested"] = False
    try:
        yield
        check_terminated()
    finally:
        signal.signal(signal.SIGTERM, before)
        sys.unraisablehook = hook
        _TERMINATION["requested"] = False


def publish(tmp: str | Path, path: Path) -> None:
    """Give a finished temporary file the usual permissions and move it into place."""
    check_terminated()
    umask = os.umask(0)
    os.umask(umask)
    with writing(path):
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[str]:
    """A temporary file name beside ``path`` to write to; moved into place when the block ends
    without an error, removed otherwise (so ``path`` is either the old file or the new one).

    An operating-system error in the block, or an engine's error on the temporary file that
    names the system's reason (DuckDB's "No space left on device"), is raised as
    :func:`output_error` for ``path``.

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = Path(tmp).write_text("done")
    >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
    ('done', ['x.txt'])
    """
    path = Path(path)
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        # (a short prefix: the temporary name must fit where the final name fits)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
    try:
        with writing(path):
            yield tmp
        publish(tmp, path)
    except SSIError:
        raise
    except Exception as exc:
        if tmp in str(exc) and os_error_code(exc) in _WRITE_PROBLEMS:
            raise output_error(exc, path) from exc
        raise
    finally:
        with contextlib.suppress(OSError):
            if os.path.lexists(tmp):
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


# ------------------------------------------------------------------ one run per output folder
RUN_RECORD = ".ssi-analysis-run.json"
"""The file in an output folder (``analyze --out``, the report's folder) that lists what the
last run wrote there, with each file's SHA-256, so that the next run replaces exactly those
files."""


@dataclass(frozen=True)
class RunRecord:
    """What a run wrote into its output folder: the command, the report's PDF (``main``) and
    every file (a path relative to the folder) with the SHA-256 of what was written."""

    command: str
    main: str | None
    files: dict[str, str]


def _inside(name: object) -> str | None:
    """``name`` as a relative path inside the folder, or ``None`` (absolute, ``..``, not text:
    a record is never a way to reach another file)."""
    if not isinstance(name, str) or not name or "\\" in name:
        return None
    parts = Path(name).parts
    if Path(name).is_absolute() or ".." in parts or name == RUN_RECORD:
        return None
    return Path(*parts).as_posix()


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_run_record(folder: str | Path) -> RunRecord | None:
    """The record of the last run in ``folder``; ``None`` when there is none or it cannot be
    read (then no file is taken for an earlier run's)."""
    path = Path(folder) / RUN_RECORD
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = {_inside(k): v for k, v in data["files"].items() if isinstance(v, str)}
        files.pop(None, None)
        main = data.get("main")
        return RunRecord(str(data["command"]), main if isinstance(main, str) else None, files)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def check_run_folder(folder: str | Path, *, command: str, main: str | None = None) -> None:
    """Refuse an output folder that holds another run's files: those of another command, or
    another report (whose PDF is still there). A re-run of the same command is welcome: its
    files replace the earlier run's (:func:`replace_run`).

    Raises
    ------
    SSIOutputError
        The folder holds the outputs of another run.
    """
    folder = Path(folder)
    record = read_run_record(folder)
    if record is None:
        return
    present = [f for f in sorted(record.files) if (folder / f).is_file()]
    if not present:
        return
    shown = ", ".join(present[:3]) + (f" and {len(present) - 3} more" if len(present) > 3
                                      else "")
    if record.command != command:
        raise SSIOutputError(
            f"the folder holds the outputs of an earlier '{record.command}' run ({shown}); an "
            "output folder holds the files of one run", file=str(folder),
            fix=f"write the {command} outputs to another folder, or delete the earlier ones")
    if record.main != main and record.main in present:
        raise SSIOutputError(
            f"the folder holds another report ({record.main}) whose figures/ and tables/ this "
            "report would replace", file=str(folder),
            fix=f"write this report to another folder, or name it {record.main} to replace "
                "that report")


def replace_run(folder: str | Path, *, command: str, written: Sequence[str | Path],
                main: str | None = None, keep: Sequence[str | Path] = ()) -> list[Path]:
    """Make ``folder`` hold this run's files only: remove the files the earlier run recorded
    that this run did not write again, and record this run's.

    A file is removed only if the earlier run recorded it and it is still what that run wrote
    (its SHA-256): never a file a person put there or changed since, never one of ``keep`` (the
    inputs). A folder without a record has nothing removed. Returns the removed files.
    """
    folder = Path(folder)
    base = folder.resolve()
    new = {Path(p).resolve().relative_to(base).as_posix(): Path(p) for p in written}
    record = read_run_record(folder)
    removed = []
    protected = {Path(p).resolve() for p in keep}
    for name, digest in (record.files.items() if record is not None else ()):
        target = folder / name
        if name in new or target.is_symlink() or not target.is_file() \
                or target.resolve() in protected or _sha256(target) != digest:
            continue
        with writing(target):
            target.unlink()
        removed.append(target)
    files = {name: _sha256(path) for name, path in sorted(new.items())}
    text = json.dumps({"command": command, "main": main, "files": files}, indent=1)
    write_text(text + "\n", folder / RUN_RECORD)
    return removed


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """Hold SIGINT and SIGTERM while the block runs (they arrive when it ends), so that a
    group of renames that finishes a run is not cut in the middle. Elsewhere than in the main
    thread of a POSIX system, the block runs as it is."""
    import signal
    import threading

    check_terminated()
    if not hasattr(signal, "pthread_sigmask") \
            or threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
