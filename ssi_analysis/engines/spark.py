"""The Spark engine: the same checks, rejects and scores, in Spark SQL, where the activity lives.

:func:`score_spark` scores activity held as Parquet files (a folder, a glob, a list, paths a
cluster reads) or as a Spark DataFrame, with the reps of a data folder, a file or a DataFrame.
It is the DuckDB engine's run (:mod:`ssi_analysis.engines.sqlrun`: every row typed and
checked by the rule book, rows read = rows used + rows rejected, each rejected row with its
reason, the scores from the SQL of the scoring spec) in Spark's dialect
(:data:`~ssi_analysis.dialects.SPARK`); nothing in this module is a check or a formula. It
runs on a local Spark (``local[*]``, :func:`spark_session`) or on the cluster of the
``SparkSession`` given. The command line's ``score --engine spark`` calls it.

Spark totals the activity per rep and day and computes each rep's trailing windows with
window functions partitioned by rep, so each rep's days are in one partition: the work grows
with reps x days, spread over the cluster's cores. Daily scores are written as Parquet
partitioned by date (``date=YYYY-MM-DD/``); the scores of one day as one Parquet file.

The run sets, for its own statements only, the few session settings its SQL is written for
(:data:`RUN_SETTINGS`: ANSI mode off, UTC, ...) and puts back the session's own afterwards.

Examples
--------
>>> from ssi_analysis import load_data, example_data_dir, score   # doctest: +SKIP
>>> run = score_spark(data=example_data_dir(), daily=True)       # doctest: +SKIP
>>> b = load_data(example_data_dir())                            # doctest: +SKIP
>>> same = score(b.activity, b.reps, daily=True).table.ssi           # doctest: +SKIP
>>> bool((run.scores.table.ssi - same).abs().max() < 1e-9)           # doctest: +SKIP
True

(Skipped as doctests: they need Java and a Spark session; ``tests/test_engines_spark.py``
runs the same comparison.)
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pandas as pd

from ..config import ScoringConfig, load_config
from ..dialects import SPARK
from ..errors import SSIConfigError, SSIDataError, SSIInputError, SSIOutputError
from ..outputs import publish, write_table, writing
from ..progress import Progress
from ..scoring.inputs import Prepared
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

__all__ = ["RUN_SETTINGS", "Spark", "require_spark", "score_prepared", "score_spark",
           "spark_session"]

RUN_SETTINGS = {
    "spark.sql.ansi.enabled": "false",            # a bad cast is NULL, as in DuckDB
    "spark.sql.session.timeZone": "UTC",          # dates of instants, as pandas reads them
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    "spark.sql.parser.escapedStringLiterals": "false",
    "spark.sql.legacy.parquet.nanosAsLong": "true",   # pandas' nanosecond timestamps
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.caseSensitive": "false",
}
"""The session settings the engine's SQL is written for, set while it runs."""

_LOG4J = """rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex
"""
"""Spark's own logging in a session this module starts: errors only, into its log file."""
SESSION_SETTINGS = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # a run parses, plans and keeps the history of a few dozen statements, some long: the
    # session's memory (the driver's, where local Spark also computes) is kept for the data
    "spark.sql.parser.manageParserCaches": "true",       # ANTLR's parsing cache never shrinks:
    "spark.sql.parser.parserDfaCacheFlushRatio": "10",   # emptied past 10% of the memory
    "spark.sql.ui.retainedExecutions": "50",             # the history no UI shows (1000 each)
    "spark.ui.retainedJobs": "50",
    "spark.ui.retainedStages": "50",
}
"""The settings of a session :func:`spark_session` starts (beside its master, log and shuffle
partitions)."""
LOG_SETTING = "spark.ssi_analysis.log"
"""The setting of a session started by :func:`spark_session` that names its log file."""


# ------------------------------------------------------------------ the session
def require_spark():
    """The ``pyspark`` module, or a clear error saying how to install it (and Java)."""
    try:
        with warnings.catch_warnings():   # pyspark warns that it does not support pandas 3
            warnings.filterwarnings("ignore", "PySpark does not yet fully support",
                                    FutureWarning)
            import pyspark
            import pyspark.sql  # noqa: F401
    except ImportError:
        raise SSIConfigError(
            "the spark engine needs the pyspark package, which is not installed",
            fix="pip install 'ssi-analysis[spark]' (it needs Java 17 or later), or use "
                "--engine duckdb or --engine pandas") from None
    return pyspark


def java_found() -> bool:
    """Whether a Java runtime is there for Spark (``JAVA_HOME`` or ``java`` on the path)."""
    home = os.environ.get("JAVA_HOME")
    return bool(home and Path(home, "bin", "java").exists()) or shutil.which("java") is not None


def spark_session(master: str | None = None, *, log: str | Path | None = None):
    """A SparkSession for scoring: the active one, else one started on ``master``.

    Parameters
    ----------
    master : str, optional
        Where Spark runs: ``local[*]`` (the default, every core of this machine),
        ``local[2]``, ``spark://host:7077``, ``yarn``... An active session on another master
        is an error (Spark runs one per process).
    log : path, optional
        Where the Spark process started here writes its own output (its warnings, errors and
        Java's messages), so the terminal shows only the toolkit's messages. Default: a file
        ``ssi-analysis-spark.log`` in the temporary folder.

    A session started here has :data:`SESSION_SETTINGS` and Spark's default memory (1 GB for
    the driver, where a local Spark computes; more with ``PYSPARK_SUBMIT_ARGS='--driver-memory
    4g pyspark-shell'``). Java missing, or a Spark that does not start, is an
    :class:`~ssi_analysis.errors.SSIConfigError` naming the log.
    """
    require_spark()
    from pyspark import SparkConf, SparkContext
    from pyspark.java_gateway import launch_gateway
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and master in (None, active.sparkContext.master):
        return active
    if active is not None:     # Spark runs one SparkContext per process
        raise SSIConfigError(f"a Spark session is already running on "
                             f"{active.sparkContext.master}, not on {master}",
                             fix="pass that session (spark=), or stop it first")
    if not java_found():
        raise SSIConfigError("the spark engine needs Java, which was not found",
                             fix="install Java 17 or later and set JAVA_HOME (or put java on "
                                 "the PATH), or use --engine duckdb or --engine pandas")
    log = Path(log) if log is not None else Path(tempfile.gettempdir(), "ssi-analysis-spark.log")
    config = log.with_suffix(".log4j2.properties")
    config.write_text(_LOG4J, encoding="utf-8")
    cores = os.cpu_count() or 2
    master = master or "local[*]"
    conf = (SparkConf().setMaster(master).setAppName("ssi-analysis")
            .setAll(list(SESSION_SETTINGS.items()))
            .set("spark.sql.shuffle.partitions", str(max(4, 2 * cores)))
            .set("spark.driver.extraJavaOptions",
                 f"-Dlog4j2.configurationFile={config.resolve().as_uri()}")
            .set(LOG_SETTING, str(log)))
    if master.startswith("local"):    # this machine only: no name to look up, no port outside
        conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        logging.getLogger(name).disabled = True      # errors come back as exceptions
    try:
        with open(log, "ab") as out, _quiet():
            gateway = launch_gateway(conf, popen_kwargs={"stdout": out, "stderr": out})
            context = SparkContext(conf=conf, gateway=gateway)
    except Exception as exc:    # Java too old, a master not reached, no memory for the JVM
        if type(exc).__name__ not in (*SPARK_ERRORS, *JVM_GONE, "PySparkRuntimeError"):
            raise
        raise SSIConfigError(f"Spark did not start on {conf.get('spark.master')} "
                             f"({spark_said(exc)})",
                             fix=f"Spark's log ({log}) says why; Spark needs Java 17 or later "
                                 "(JAVA_HOME), and a master URL that this machine reaches; or "
                                 "use --engine duckdb") from None
    context.setLogLevel("ERROR")
    return SparkSession(context)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "PySpark does not yet fully support", FutureWarning)
        yield


@contextlib.contextmanager
def _settings(spark) -> Iterator[None]:
    """:data:`RUN_SETTINGS` while the block runs, the session's own put back after."""
    before = {k: spark.conf.get(k, None) for k in RUN_SETTINGS}
    for k, v in RUN_SETTINGS.items():
        spark.conf.set(k, v)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                spark.conf.unset(k)
            else:
                spark.conf.set(k, v)


# ------------------------------------------------------------------ the backend
def _kind(spark_type: str) -> str:
    """How a column of a Spark type is read: float, number, date, timestamp(tz), bool or text."""
    t = spark_type.lower()
    if t in ("double", "float"):
        return "float"
    if t in ("tinyint", "smallint", "int", "bigint") or t.startswith("decimal"):
        return "number"
    if t == "date":
        return "date"
    if t == "timestamp_ntz":
        return "timestamp"
    if t == "timestamp":
        return "timestamptz"
    if t == "boolean":
        return "bool"
    return "text"


_ARROW_OF = {"BIGINT": "int64", "DOUBLE": "float64", "BOOLEAN": "bool_", "DATE": "date32",
             "STRING": "string"}


class Spark(Backend):
    """A SparkSession as the shared steps use it (:class:`~ssi_analysis.engines.sqlrun.Backend`):
    temporary views, cached DataFrames, Arrow both ways."""

    name = "spark"
    dialect = SPARK

    def __init__(self, spark) -> None:
        self.spark = spark
        self.kept: list = []
        self.views: list[str] = []

    def _sql(self, sql: str):
        return self.spark.sql(sql)

    def run(self, sql: str, bar: Progress | None = None) -> None:
        with _errors(self.spark):
            self._sql(sql).collect()

    def rows(self, sql: str, bar: Progress | None = None) -> list[tuple]:
        with _errors(self.spark):
            return [tuple(r) for r in self._sql(sql).collect()]

    def frame(self, sql: str, bar: Progress | None = None) -> pd.DataFrame:
        with _errors(self.spark):
            return self._sql(sql).toArrow().to_pandas(date_as_object=False)

    def table(self, name: str, sql: str, bar: Progress | None = None) -> None:
        with _errors(self.spark):
            df = self._sql(sql).persist()
            self.kept.append(df)
            self._name(name, df)

    def view(self, name: str, sql: str) -> None:
        with _errors(self.spark):
            self._name(name, self._sql(sql))

    def reused(self, name: str, sql: str) -> None:
        # kept (in memory, spilling to disk): each activity row is checked once, not once per
        # statement that reads the checked rows
        self.table(name, sql)

    def _name(self, name: str, df) -> None:
        df.createOrReplaceTempView(name)
        self.views.append(name)

    def put(self, name: str, frame: pd.DataFrame, types: dict[str, str]) -> None:
        import pyarrow as pa

        types = self.types(types)
        arrays = {}
        for col, t in types.items():
            values = frame[col]
            kind = getattr(pa, _ARROW_OF[t])()
            if t == "DATE":
                arrays[col] = pa.array(pd.to_datetime(values).dt.date, type=kind)
            elif t in ("STRING", "BOOLEAN", "BIGINT"):
                cells = values.astype(object).where(values.notna(), None).tolist()
                arrays[col] = pa.array(cells, type=kind)
            else:
                arrays[col] = pa.array(values.to_numpy(dtype=float), type=kind)
        schema = ", ".join(f"{self.dialect.ident(c)} {t}" for c, t in types.items())
        with _errors(self.spark), _quiet():
            self._name(name, self.spark.createDataFrame(pa.table(arrays), schema=schema))

    def describe(self, relation: str) -> list[tuple[str, str]]:
        return [(n, _kind(t)) for n, t in self.spark.table(relation).dtypes]

    def write(self, sql: str, path: Path, *, csv: bool, daily: bool,
              bar: Progress | None) -> Path:
        if csv:   # written as the pandas engine writes (the rejects byte for byte)
            return write_table(self.frame(sql), path)
        with _errors(self.spark):
            df = self._sql(sql)
            if _is_uri(path):
                (df.write.mode("overwrite").partitionBy("date") if daily else
                 df.coalesce(1).write.mode("overwrite")).parquet(str(path))
                return path
            with writing(path):
                path.parent.mkdir(parents=True, exist_ok=True)
                folder = Path(tempfile.mkdtemp(prefix=f".{path.name[:40]}.", dir=path.parent))
            try:
                if daily:   # one folder per day, its one file in rep order
                    df.repartition("date").sortWithinPartitions("date", "rep_id").write \
                        .mode("overwrite").partitionBy("date").parquet(str(folder))
                else:
                    df.coalesce(1).write.mode("overwrite").parquet(str(folder))
                with writing(path):
                    _publish(folder, path, daily)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        return path

    def close(self) -> None:
        """Drop the run's views and cached DataFrames."""
        for name in reversed(self.views):
            self.spark.catalog.dropTempView(name)
        for df in self.kept:
            df.unpersist()


def _is_uri(path: Path | str) -> bool:
    return "://" in str(path) or str(path).startswith("dbfs:")


def _replaceable(path: Path) -> None:
    """Stop before Spark runs if ``path`` is a folder the scores may not replace: one holding
    anything but the days of earlier daily scores (``date=YYYY-MM-DD`` folders)."""
    if path.is_dir() and not all(p.is_dir() and p.name.startswith("date=")
                                 for p in path.iterdir()):
        raise SSIOutputError("the output is a folder that holds other files than earlier daily "
                             "scores: writing the scores there would replace them",
                             file=str(path), fix="name a new folder (or file) for the scores")


def _publish(folder: Path, path: Path, daily: bool) -> None:
    """Spark's output ``folder`` moved to ``path``: the folder of dates, or its one file."""
    for junk in [*folder.rglob("_SUCCESS"), *folder.rglob(".*.crc")]:
        junk.unlink()
    if path.is_dir():
        shutil.rmtree(path)
    if daily:   # each day's file named alike in every run (Spark names them at random)
        for day in folder.iterdir():
            part, = day.glob("part-*.parquet")
            part.rename(day / "part-0.parquet")
        os.replace(folder, path)
        return
    part, = folder.glob("part-*.parquet")
    publish(part, path)


SPARK_ERRORS = ("AnalysisException", "Py4JJavaError", "SparkRuntimeException",
                "IllegalArgumentException", "PySparkException", "SparkUpgradeException",
                "QueryExecutionException", "ParseException", "UnknownException",
                "PythonException", "ArithmeticException", "NumberFormatException",
                "DateTimeException", "SparkNoSuchElementException")
"""pyspark's exceptions for a statement Spark could not run (its Java side said why)."""
OUT_OF_MEMORY = ("OutOfMemoryError", "Java heap space", "Not enough memory to build and "
                 "broadcast")
"""What Spark says when its Java heap is full (a broadcast join's says it without the error)."""
JVM_GONE = ("Py4JError", "Py4JNetworkError", "ConnectionRefusedError", "ConnectionResetError",
            "BrokenPipeError", "EOFError")
"""What a call to Spark raises when its Java process is not there any more."""


def _text(exc: BaseException) -> str:
    """The text of a Spark exception: pyspark's, or Java's with its stack trace."""
    try:
        return str(exc)
    except Exception:     # the Java side is gone, and with it the text of its exception
        return getattr(exc, "errmsg", "") or type(exc).__name__


def spark_said(exc: BaseException) -> str:
    """What Spark's Java side said went wrong, in one line: its exception and, when another
    caused it, the root cause's (the last ``Caused by:``), without the Java stack trace.

    Examples
    --------
    >>> class Failed(Exception): pass
    >>> spark_said(Failed("An error occurred while calling o9.collectToPython.\\n"
    ...                   ": org.apache.spark.SparkException: Job aborted.\\n\\tat x.y(Z.java:1)\\n"
    ...                   "Caused by: java.io.IOException: No space left\\n\\tat a.b(C.java:2)"))
    'org.apache.spark.SparkException: Job aborted. (caused by java.io.IOException: No space left)'
    """
    lines = [line.strip() for line in _text(exc).strip().splitlines()]
    said = [line.removeprefix(": ") for line in lines
            if line and not line.startswith(("at ", "... ", "An error occurred while calling"))]
    head = said[0] if said else (lines[0] if lines and lines[0] else type(exc).__name__)
    causes = [line.removeprefix("Caused by: ") for line in said if line.startswith("Caused by:")]
    root = causes[-1] if causes else ""
    return f"{head} (caused by {root})" if root and root not in head else head


def _log_of(spark) -> str:
    """The file a session started by :func:`spark_session` writes Spark's log to, or ``""``."""
    try:
        return spark.sparkContext.getConf().get(LOG_SETTING, "") if spark is not None else ""
    except Exception:     # the Java side is gone
        return ""


@contextlib.contextmanager
def _errors(spark=None) -> Iterator[None]:
    """Spark's failures as the toolkit's errors: what Spark said (its Java exception and what
    caused it, :func:`spark_said`) and where its log is, no Java stack trace on the terminal.
    Spark's Java process gone (killed, out of memory) is said as such."""
    try:
        yield
    except Exception as exc:
        name = type(exc).__name__
        if name not in SPARK_ERRORS + JVM_GONE:
            raise
        said, log = spark_said(exc), _log_of(spark)
        where = f" ({log})" if log else ""
        if name in JVM_GONE:
            raise SSIConfigError(f"Spark's Java process stopped answering ({said})",
                                 fix=f"Spark's log{where} says why: often memory "
                                     "(spark.driver.memory) or the process was killed; run "
                                     "again, or use --engine duckdb") from None
        if any(oom in _text(exc) for oom in OUT_OF_MEMORY):
            raise SSIDataError(f"Spark ran out of memory ({said})",
                               fix="give Spark more memory: spark.driver.memory (where local "
                                   "Spark computes; e.g. PYSPARK_SUBMIT_ARGS='--driver-memory "
                                   "4g pyspark-shell') or spark.executor.memory on a cluster"
                               ) from None
        raise SSIDataError(f"Spark stopped: {said}",
                           fix=f"check that the files are valid, readable Parquet; Spark's "
                               f"log{where} says more") from None


# ------------------------------------------------------------------ the activity in Spark
def _nanos(files: list[str]) -> dict[str, str | None]:
    """Columns Arrow writes as nanosecond timestamps (Spark reads them as integers): name and
    time zone (``None``: none), from the first file's schema (local files only)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pq.read_schema(files[0])
    except Exception:
        return {}
    return {f.name: f.type.tz for f in schema
            if pa.types.is_timestamp(f.type) and f.type.unit == "ns"}


def _from_nanos(col: str, tz: str | None) -> str:
    """A column of nanoseconds since 1970 as Spark's timestamp (a time zone's instants) or, for
    pandas' dates without a zone, as a timestamp without one."""
    micros = f"CASE WHEN {col} >= 0 THEN {col} div 1000 ELSE -((999 - {col}) div 1000) END"
    stamp = f"timestamp_micros({micros})"
    return stamp if tz else f"CAST({stamp} AS TIMESTAMP_NTZ)"


def _activity_source(b: Spark, activity, files: list[str]) -> tuple[list[str], list[str]]:
    """The view ``ssi_activity`` (the activity's columns, ``_file``, ``_row``) and each file's
    key in ``_file`` with its path; for a DataFrame not read from files, ``_file`` is
    ``activity`` and ``_row`` the row's position in the DataFrame (partition by partition)."""
    from pyspark.sql import functions as F

    d = SPARK
    with _errors(b.spark):
        if activity is None or isinstance(activity, list | tuple | str | Path):
            df = b.spark.read.option("recursiveFileLookup", "true") \
                .option("mergeSchema", "true").parquet(*files)
        else:
            df = activity
        nanos = _nanos(files) if files else {}
        cols = [f"{_from_nanos(d.ident(c), nanos[c])} AS {d.ident(c)}" if c in nanos
                else d.ident(c) for c in df.columns]
        try:
            located = df.select(F.col("_metadata.file_path").alias("_file"),
                                F.col("_metadata.row_index").alias("_row"), "*")
            located.schema   # noqa: B018  (analysed here: a DataFrame not read from files fails)
        except Exception:
            located = None
        if located is not None:
            b._name("ssi_located", located)
            keys = [k for (k,) in b.rows("SELECT DISTINCT _file FROM ssi_located")]
            paths = [unquote(urlparse(k).path) if k.startswith("file:") else k for k in keys]
            order = sorted(range(len(keys)), key=lambda i: paths[i])
            b.view("ssi_activity", f"SELECT {', '.join(cols)}, _file, _row FROM ssi_located")
            return [keys[i] for i in order], [paths[i] for i in order]
        # positions: each row's place in its partition, after the rows of the partitions before
        counted = df.select("*", F.spark_partition_id().alias("_part"),
                            F.monotonically_increasing_id().alias("_id"))
        b._name("ssi_counted", counted)
        sizes = dict(b.rows("SELECT _part, count(*) FROM ssi_counted GROUP BY _part"))
        starts = np.concatenate([[0], np.cumsum([sizes.get(p, 0) for p in range(
            max(sizes, default=-1) + 1)])])
        b.put("ssi_starts", pd.DataFrame({"part": np.arange(len(starts) - 1, dtype=np.int64),
                                          "start": starts[:-1].astype(np.int64)}),
              {"part": "BIGINT", "start": "BIGINT"})
        b.view("ssi_activity", f"SELECT {', '.join(cols)}, 'activity' AS _file, "
                               "s.start + (c._id - shiftleft(CAST(c._part AS BIGINT), 33)) AS _row "
                               "FROM ssi_counted c JOIN ssi_starts s ON s.part = c._part")
        return ["activity"], ["activity"]


def _reps_folder(reps, folder: Path) -> Path:
    """A folder holding only the reps given (a file, or a pandas or Spark DataFrame), so that
    :func:`~ssi_analysis.io.load_reps` checks them as :func:`~ssi_analysis.io.load_data` does."""
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(reps, str | Path):
        source = Path(reps)
        if source.is_dir():
            return source
        if not source.is_file():
            raise SSIInputError("the reps file does not exist", file=str(reps))
        (folder / f"reps{source.suffix.lower()}").symlink_to(source.resolve())
        return folder
    if not isinstance(reps, pd.DataFrame):
        reps = reps.toArrow().to_pandas()
    reps.to_parquet(folder / "reps.parquet", index=False)
    return folder


# ------------------------------------------------------------------ entry points
def score_prepared(prepared: Prepared, *, details: bool = False, spark=None) -> pd.DataFrame:
    """``score(..., engine="spark")``: the prepared inputs scored in Spark SQL (the scores
    table), on ``spark`` or the active (else a local) session."""
    spark = spark or spark_session()
    b = Spark(spark)
    try:
        with _settings(spark):
            return score_frames(b, prepared, details)
    finally:
        b.close()


def score_spark(spark=None, data: str | Path | None = None, out: str | Path | None = None, *,
                activity=None, reps=None, config: ScoringConfig | str | Path | None = None,
                asof: object = None, daily: bool = False, window: int | None = None,
                mode: str | None = None, strict: bool = False, anonymize: bool = False,
                salt: str | None = None, progress: bool | None = None, master: str | None = None,
                inputs: list[Path] = ()) -> ParquetScores:
    """Score activity in Spark: every row checked as :func:`~ssi_analysis.io.load_data` checks
    it, the scores of :func:`~ssi_analysis.scoring.score`.

    Parameters
    ----------
    spark : SparkSession, optional
        Where to run (a cluster's session, e.g. Databricks' ``spark``). Default: the active
        session, else a local one on ``master`` (:func:`spark_session`).
    data : path, optional
        A data folder: ``reps`` (any format :func:`~ssi_analysis.io.load_data` reads) and the
        activity as ``activity.parquet`` or a folder ``activity/`` of Parquet files, in long
        form (``rep_id, date, metric, value``). ``'example'`` is the bundled example.
    out : path, optional
        Where to write the scores (``.parquet`` or ``.csv``); the rejected rows go beside it
        (``<name>.rejects.csv``). Daily Parquet scores are a folder partitioned by date (its
        name with ``.parquet`` or none; a folder holding other files is not replaced). A
        URI (``s3a://...``, ``dbfs:/...``) is written by Spark (Parquet only). Without it the
        scores are returned in memory.
    activity : DataFrame, path, glob or list of paths, optional
        The activity, if not the data folder's: a Spark DataFrame (rows are numbered in its
        files, or in the DataFrame's order when it was not read from files) or Parquet files.
    reps : path or DataFrame, optional
        The reps, if not the data folder's: a reps file, or a pandas or Spark DataFrame.
    config, asof, daily, window, mode, strict
        As for :func:`~ssi_analysis.engines.duckdb.score_parquet`.
    anonymize, salt : optional
        Replace rep ids with pseudonyms in the scores and the rejects file.
    progress : bool, optional
        Draw a progress bar (default: on a terminal, not in CI).
    master : str, optional
        The master of a session started here (default ``local[*]``).
    inputs : list of paths
        Other files the run read (a config file): ``out`` may not overwrite them.

    Returns
    -------
    ParquetScores
        As :func:`~ssi_analysis.engines.duckdb.score_parquet` returns.
    """
    if not isinstance(config, ScoringConfig):
        config = load_config(config)
    config = config.with_options(window_days=window, mode=mode)
    if data is None and reps is None:
        raise SSIConfigError("score_spark needs the reps: a data folder (data=) or reps=",
                             fix="pass data='folder', or reps= a file or a DataFrame")
    frame = activity is not None and not isinstance(activity, list | tuple | str | Path)
    given = [] if frame or activity is None else \
        [str(a) for a in (activity if isinstance(activity, list | tuple) else [activity])]
    remote = any(_is_uri(a) for a in given)   # paths the cluster reads, not this machine
    local_out = out is not None and not _is_uri(out)
    if out is not None and not local_out and str(out).lower().endswith(".csv"):
        raise SSIConfigError("the spark engine writes scores to a URI as Parquet",
                             file=str(out), fix="name the output .parquet")
    if local_out:
        _replaceable(Path(out))
    with tempfile.TemporaryDirectory(prefix="ssi-spark-") as scratch, \
            Progress(["checking rows", "totalling days", "scoring"], enabled=progress) as bar:
        where = data if reps is None else _reps_folder(reps, Path(scratch) / "reps")
        folder, reps_frame, quality, files, shown, salt = open_run(
            where, activity=None if frame else activity, out=out if local_out else None,
            inputs=list(inputs), anonymize=anonymize, salt=salt, engine="spark",
            find_activity=not (frame or remote))
        if remote:
            files, shown = given, given[0] if len(given) == 1 else f"{len(given)} activity paths"
        spark = spark or spark_session(master)
        b = Spark(spark)
        try:
            with _settings(spark):
                keys, paths = _activity_source(b, activity if frame else None, files)
                if frame:
                    shown = Path(paths[0]).name if len(paths) == 1 and paths != ["activity"] \
                        else "activity"
                put_files(b, keys, paths, folder, shown)
                run = Run(b, bar, config, folder, reps_frame, quality, "ssi_activity",
                          files or paths, shown)
                output = None if out is None else \
                    ("csv" if str(out).lower().endswith(".csv") else "parquet")
                result, sql = score_files(run, asof=asof, daily=daily, strict=strict,
                                          salt=salt, output=output,
                                          timestamps=output == "parquet" and not daily)
                if out is None:
                    return result
                if not local_out:   # Spark writes it; the rejected rows are in result.quality
                    result.out = b.write(sql, out, csv=False, daily=daily, bar=bar)
                    return result
                return write_outputs(b, result, sql, Path(out),
                                     daily=daily, salt=salt, bar=bar)
        finally:
            b.close()
