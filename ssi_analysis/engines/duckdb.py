"""The DuckDB engine: the same SSI scores, in SQL generated from the scoring spec.

Use it two ways, with one set of options (``config``, ``asof``, ``daily``, ``window``, ``mode``):

* ``score(activity, reps, engine="duckdb")`` scores DataFrames in memory, exactly as the pandas
  engine does (the test suite checks that the two agree).
* :func:`score_parquet` scores a data folder whose activity is Parquet — ``activity.parquet``,
  a folder ``activity/`` of Parquet files, or any file glob — without loading it into memory:
  every row is checked in SQL (rows read = rows used + rows rejected, each rejected row with
  its reason, as :func:`~ssi_analysis.io.load_data` does), the activity is totalled per rep,
  day and metric, and the scores are written straight to a ``.parquet`` or ``.csv`` file.
  DuckDB keeps within ``memory_limit`` and spills the rest to ``temp_directory``, so a history
  of a billion rows can be scored on one machine.

The SQL is not written here: :func:`~ssi_analysis.scoring.sql.scoring_sql` generates it from
the scoring spec (:mod:`ssi_analysis.scoring.spec`) in DuckDB's dialect
(:data:`~ssi_analysis.dialects.DUCKDB`), with every formula the pandas engine evaluates,
term for term, and :mod:`ssi_analysis.engines.sqlrun` (shared with the Spark engine) checks
every row of the files in SQL. This module is what only DuckDB does: its connection and
settings, reading the Parquet files, progress, ``COPY`` to write.

Examples
--------
>>> from ssi_analysis import example_data_dir, load_data, score
>>> b = load_data(example_data_dir())
>>> fast = score(b.activity, b.reps, engine="duckdb").table
>>> slow = score(b.activity, b.reps).table
>>> bool(((fast["ssi"] - slow["ssi"]).abs() < 1e-12).all())
True
"""


from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd

from ..config import ScoringConfig, load_config
from ..dialects import DUCKDB
from ..errors import SSIDataError
from ..outputs import atomic_path
from ..progress import Progress
from ..scoring.inputs import Prepared
from . import require_duckdb
from .sqlrun import (
    Backend,
    ParquetScores,
    Run,
    open_run,
    put_files,
    score_files,
    score_frames,
    write_outputs,
)

__all__ = ["DuckDB", "ParquetScores", "connect", "score_parquet", "score_prepared"]

_text = DUCKDB.text


# ------------------------------------------------------------------ connections
ONE_THREAD_BELOW = 1 << 20
"""Activity files smaller than this in all (bytes) are scored on one DuckDB thread unless
``threads`` says otherwise: DuckDB splits a scan by Parquet row groups (122,880 rows each), so
such an input is one, and the other threads only start, wait and stop (13% more CPU per run on
a team's few thousand rows, measured). The scores are the same either way."""


def threads_for(files: list[str], threads: int | None) -> int | None:
    """``threads`` if given, else one for activity files under :data:`ONE_THREAD_BELOW` bytes,
    else ``None`` (DuckDB's default: one per core).

    >>> threads_for([], 4), threads_for([], None)
    (4, 1)
    """
    if threads is not None:
        return threads
    return 1 if sum(Path(f).stat().st_size for f in files) < ONE_THREAD_BELOW else None


def connect(*, memory_limit: str | None = None, temp_directory: str | Path | None = None,
            threads: int | None = None):
    """A DuckDB connection for scoring.

    Parameters
    ----------
    memory_limit : str, optional
        DuckDB's ``memory_limit``, e.g. ``"4GB"`` (default: 80% of RAM). Past it, DuckDB
        spills to ``temp_directory``.
    temp_directory : path, optional
        Where to spill (default: DuckDB's ``.tmp`` in the working directory). Give it a disk
        with room for about the size of the Parquet input.
    threads : int, optional
        Worker threads (default: one per core).
    """
    duckdb = require_duckdb()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = false")  # large exports; ORDER BY still holds
    if memory_limit is not None:
        con.execute(f"SET memory_limit = {_text(memory_limit)}")
    if temp_directory is not None:
        con.execute(f"SET temp_directory = {_text(str(temp_directory))}")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    return con


def _run(con, sql: str, bar: Progress | None = None):
    """Execute ``sql``, showing DuckDB's own progress on ``bar`` while it runs."""
    duckdb = require_duckdb()
    try:
        return _execute(con, sql, bar)
    except duckdb.OutOfMemoryException as exc:
        raise SSIDataError(
            f"DuckDB ran out of memory ({str(exc).splitlines()[0]})",
            fix="raise --memory-limit (memory_limit=), point --temp-dir (temp_directory=) at a "
                "disk with room to spill, or use fewer threads") from None


def _execute(con, sql: str, bar: Progress | None):
    if bar is None or not bar.enabled:
        return con.execute(sql)
    con.execute("SET enable_progress_bar = true")          # DuckDB tracks progress ...
    con.execute("SET enable_progress_bar_print = false")   # ... and leaves drawing to the bar
    result: dict[str, object] = {}

    def work() -> None:
        try:
            result["value"] = con.execute(sql)
        except BaseException as exc:  # re-raised in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.2)
        done = con.query_progress()
        if done >= 0:
            bar.fraction = done / 100.0
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return result["value"]


def _copy(con, query: str, path: Path, fmt: str, bar: Progress | None) -> Path:
    """``COPY (query) TO path`` atomically: a temporary file beside it, then a rename."""
    with atomic_path(path) as tmp:
        _run(con, f"COPY ({query}) TO {_text(tmp)} ({fmt})", bar)
    return path


def _sql_kind(sql_type: str) -> str:
    """How a column of a SQL type is read: float, number, date, timestamp(tz), bool or text."""
    t = sql_type.upper()
    if t in ("FLOAT", "DOUBLE", "REAL"):
        return "float"
    if t.startswith(("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                     "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "DECIMAL")):
        return "number"
    if t == "DATE":
        return "date"
    if t.startswith(("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")):   # TIMESTAMPTZ_NS too
        return "timestamptz"
    if t.startswith("TIMESTAMP"):
        return "timestamp"
    if t == "BOOLEAN":
        return "bool"
    return "text"


class DuckDB(Backend):
    """The DuckDB engine as the shared steps use it (:class:`~ssi_analysis.engines.sqlrun.Backend`):
    a connection, its temporary tables and views, ``COPY`` to write."""

    name = "duckdb"
    dialect = DUCKDB

    def __init__(self, con) -> None:
        self.con = con

    def run(self, sql: str, bar: Progress | None = None) -> None:
        _run(self.con, sql, bar)

    def rows(self, sql: str, bar: Progress | None = None) -> list[tuple]:
        return _run(self.con, sql, bar).fetchall()

    def frame(self, sql: str, bar: Progress | None = None) -> pd.DataFrame:
        return _run(self.con, sql, bar).df()

    def table(self, name: str, sql: str, bar: Progress | None = None) -> None:
        _run(self.con, f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}", bar)

    def view(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")

    def put(self, name: str, frame: pd.DataFrame, types: dict[str, str]) -> None:
        self.con.register(f"{name}_frame", frame)
        cast = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in self.types(types).items())
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {cast} "
                         f"FROM {name}_frame")
        self.con.unregister(f"{name}_frame")

    def describe(self, relation: str) -> list[tuple[str, str]]:
        return [(n, _sql_kind(t)) for n, t, *_ in
                self.con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]

    def name_type(self) -> str | None:
        self.con.execute("CREATE TYPE ssi_metric_name AS ENUM (SELECT name_read FROM "
                         "ssi_names_read WHERE name_read IS NOT NULL UNION SELECT metric FROM "
                         "ssi_catalogue)")
        return "ssi_metric_name"

    def write(self, sql: str, path: Path, *, csv: bool, daily: bool,
              bar: Progress | None) -> Path:
        return _copy(self.con, sql, path, "FORMAT csv, HEADER true" if csv else
                     "FORMAT parquet", bar)


# ------------------------------------------------------------------ in memory
def score_prepared(prepared: Prepared, *, details: bool = False) -> pd.DataFrame:
    """``score(..., engine="duckdb")``: the prepared inputs scored in SQL (the scores table)."""
    con = connect()
    try:
        return score_frames(DuckDB(con), prepared, details)
    finally:
        con.close()


# ------------------------------------------------------------------ from Parquet files
def score_parquet(data: str | Path, out: str | Path | None = None, *,
                  activity: str | Path | list | None = None,
                  config: ScoringConfig | str | Path | None = None, asof: object = None,
                  daily: bool = False, window: int | None = None, mode: str | None = None,
                  strict: bool = False, memory_limit: str | None = None,
                  temp_directory: str | Path | None = None, threads: int | None = None,
                  progress: bool | None = None, anonymize: bool = False,
                  salt: str | None = None, inputs: list[Path] = ()) -> ParquetScores:
    """Score a data folder whose activity is Parquet, in DuckDB, past memory.

    Parameters
    ----------
    data : path
        The data folder: ``reps`` (any format :func:`~ssi_analysis.io.load_data` reads) and
        the activity as ``activity.parquet`` or a folder ``activity/`` of Parquet files, in
        long form (``rep_id, date, metric, value``). ``'example'`` is the bundled example.
    out : path, optional
        Where to write the scores (``.parquet`` or ``.csv``); the rejected rows go beside it
        (``<name>.rejects.csv``). Without it the scores are returned in memory.
    activity : path, glob or list of paths, optional
        Activity Parquet files elsewhere (e.g. ``"history/**/*.parquet"``).
    config, asof, daily, window, mode
        As for :func:`~ssi_analysis.scoring.score`; ``config`` may be a TOML path.
    strict : bool
        Raise instead of rejecting rows.
    memory_limit, temp_directory, threads
        DuckDB's settings (see :func:`connect`); ``threads`` defaults to one per core, or one
        for activity files under 1 MB in all (:func:`threads_for`).
    progress : bool, optional
        Draw a progress bar (default: on a terminal, not in CI).
    anonymize, salt : optional
        Replace rep ids with pseudonyms in the scores and the rejects file
        (:mod:`ssi_analysis.privacy`; the salt defaults as there).
    inputs : list of paths
        Other files the run read (a config file): ``out`` may not overwrite them, nor the
        data folder's files (the activity files included), nor become a table of the folder.

    Returns
    -------
    ParquetScores
        The quality report (rows read, used and rejected per table, reasons counted in SQL,
        the first rejected rows), the number of scores and reps, notes, paths or scores.
    """
    if not isinstance(config, ScoringConfig):
        config = load_config(config)
    config = config.with_options(window_days=window, mode=mode)
    with Progress(["checking rows", "totalling days", "scoring"], enabled=progress) as bar:
        folder, reps, quality, files, shown, salt = open_run(
            data, activity=activity, out=out, inputs=list(inputs), anonymize=anonymize,
            salt=salt, engine="duckdb")
        con = connect(memory_limit=memory_limit, temp_directory=temp_directory,
                      threads=threads_for(files, threads))
        try:
            b = DuckDB(con)
            b.view("ssi_activity", "SELECT * EXCLUDE (filename, file_row_number), filename AS "
                   "_file, file_row_number AS _row FROM read_parquet(["
                   f"{', '.join(_text(f) for f in files)}], filename = true, "
                   "file_row_number = true, union_by_name = true)")
            put_files(b, files, files, folder, shown)
            run = Run(b, bar, config, folder, reps, quality, "ssi_activity", files, shown)
            output = None if out is None else \
                ("csv" if Path(out).suffix.lower() == ".csv" else "parquet")
            result, sql = score_files(run, asof=asof, daily=daily, strict=strict, salt=salt,
                                      output=output)
            if out is None:
                return result
            return write_outputs(b, result, sql, Path(out), daily=daily, salt=salt, bar=bar)
        finally:
            con.close()
