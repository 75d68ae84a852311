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
(:data:`~ssi_analysis.scoring.sql.DUCKDB`), with every formula the pandas engine evaluates,
term for term. This module registers the inputs, runs the statement and, for Parquet, checks
every row in SQL.

Examples
--------
>>> from ssi_analysis import example_data_dir, load_data, score
>>> b = load_data(example_data_dir())
>>> fast = score(b.activity, b.reps, engine="duckdb").table
>>> slow = score(b.activity, b.reps).table
>>> bool(np.allclose(fast["ssi"], slow["ssi"], rtol=1e-12, atol=1e-12))
True
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import ScoringConfig, load_config
from ..errors import SSIDataError, SSIInputError
from ..io import (
    MISSING_TOKENS,
    SHARED_KEY_HINT,
    QualityReport,
    TableQuality,
    all_rejected_error,
    check_data_folder,
    find_table_file,
    id_key,
    id_repairs,
    load_reps,
    percent_scale_of,
    percent_warning,
    repair_warning,
    resolve_data_dir,
)
from ..io.cells.dates import DAY_FIRST, ISO_DATE_TEXT, MONTH_FIRST, reads_day_first
from ..io.checks import activity_form, activity_rules
from ..io.files import (
    check_distinct_columns,
    check_parquet,
    find_table_source,
    header_row_sql,
    missing_table_error,
    no_rows_error,
    parquet_parts,
)
from ..io.quality import HEADER_ROW, counts_on_stop, strict_error
from ..io.relations import NOT_IN_REPS
from ..io.tables.activity import (
    absent_metrics,
    absent_metrics_note,
    extra_columns_note,
    level_conflict_warning,
    unknown_metrics_note,
)
from ..outputs import NUMBER_TEXT, atomic_path, defuse, refuse_overwriting_inputs
from ..privacy import Pseudonyms, default_salt, pseudonym
from ..progress import Progress
from ..rules import KINDS, screen_sql, sql_fill, sql_names, sql_strip
from ..schemas import LEVEL_METRICS, METRICS, normalise_name, normalise_name_sql
from ..scoring.inputs import Prepared
from ..scoring.scores import Scores
from ..scoring.spec import RANKS, RepLabels, ScoringSpec, rep_labels, target_days
from ..scoring.sql import DUCKDB, level_column, pivot_sql, scoring_sql
from . import require_duckdb

_REJECTS_KEPT = 10_000
"""Rejected rows kept in memory (all of them go to the rejects file)."""

_CATALOGUE = sorted(METRICS)
"""Metric codes of the Parquet path: a metric's position here."""


# ------------------------------------------------------------------ SQL text
_text, _num, _day, _ident = DUCKDB.text, DUCKDB.num, DUCKDB.day, DUCKDB.ident
"""DuckDB's literals and quoting (:class:`~ssi_analysis.scoring.sql.Dialect`)."""


# ------------------------------------------------------------------ connections
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


# ------------------------------------------------------------------ in memory
def _universe(con, universe: pd.Index, labels: RepLabels) -> tuple[bool, bool]:
    """Register ``universe(rep, rep_id, industry, team, cohort)``: every rep by its position,
    with the labels every engine groups by. Returns whether industry and team exist."""
    cohort = (labels.cohort.to_numpy(dtype=object) if labels.cohort is not None
              else np.full(len(universe), "all", dtype=object))
    frame = pd.DataFrame({"rep": np.arange(len(universe), dtype=np.int64),
                          "rep_id": universe.to_numpy(dtype=object), "cohort": cohort})
    for (col, _), label in zip(RANKS, labels.ranks, strict=True):
        frame[col] = (label.to_numpy(dtype=object) if label is not None
                      else np.full(len(frame), None, dtype=object))
    con.register("universe_frame", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE universe AS SELECT CAST(rep AS BIGINT) AS rep, "
                "CAST(rep_id AS VARCHAR) AS rep_id, CAST(industry AS VARCHAR) AS industry, "
                "CAST(team AS VARCHAR) AS team, CAST(cohort AS VARCHAR) AS cohort "
                "FROM universe_frame")
    con.unregister("universe_frame")
    return labels.ranks[0] is not None, labels.ranks[1] is not None


def score_prepared(prepared: Prepared, *, details: bool = False) -> pd.DataFrame:
    """``score(..., engine="duckdb")``: the prepared inputs scored in SQL (the scores table)."""
    con = connect()
    try:
        return _score_frames(con, prepared, details)
    finally:
        con.close()


def _score_frames(con, p: Prepared, details: bool) -> pd.DataFrame:
    spec, act = p.spec, p.act
    con.register("act_frame", pd.DataFrame({
        "rep": p.activity_reps(), "date": act["date"].to_numpy(),
        "mi": p.metric_codes.astype(np.int64), "value": act["value"].to_numpy(dtype=float)}))
    codes = {m: i for i, m in enumerate(p.metric_names) if isinstance(m, str)}
    active = set(spec.active_from)
    con.execute("CREATE TEMP TABLE daily AS " + pivot_sql(
        "(SELECT rep, CAST(date AS DATE) AS date, mi, value FROM act_frame)", codes,
        counts=spec.counts, levels=spec.levels,
        active_codes=[codes[m] for m in sorted(active & set(codes))]
        if spec.needs_active else None))
    ranks = _universe(con, p.universe, p.labels)
    t_day = p.t_day
    con.register("target_frame", pd.DataFrame({
        "rep": p.t_rep.astype(np.int64), "date": t_day.astype("datetime64[ns]"),
        "ord": np.arange(len(t_day), dtype=np.int64)}))
    con.execute("CREATE TEMP VIEW targets AS SELECT rep, CAST(date AS DATE) AS date, ord "
                "FROM target_frame")
    day0 = t_day.min() - np.timedelta64(spec.window - 1, "D")
    sql = scoring_sql(spec, daily="daily", universe="universe", targets="targets",
                      grid_reps="(SELECT DISTINCT rep FROM targets)", day0=day0,
                      last=t_day.max(), ranks=ranks, details=details)
    return _as_pandas_output(con.execute(sql).df())


def _as_pandas_output(out: pd.DataFrame) -> pd.DataFrame:
    """The column types the pandas engine gives: text ids, datetime64[ns] dates, floats."""
    frame = pd.DataFrame({"rep_id": out["rep_id"].to_numpy(dtype=object),
                          "date": pd.to_datetime(out["date"]).to_numpy().astype("datetime64[ns]")})
    for col in out.columns[2:]:
        frame[col] = out[col].to_numpy(dtype=float)
    return frame


# ------------------------------------------------------------------ from Parquet files
@dataclass
class ParquetScores:
    """What :func:`score_parquet` did: the quality report, and the scores or where they went."""

    quality: QualityReport
    n_scores: int
    n_reps: int
    notes: list[str] = field(default_factory=list)
    out: Path | None = None
    rejects_path: Path | None = None
    scores: Scores | None = None
    first_date: pd.Timestamp | None = None
    """The first and last dates of the activity used (``None`` when none is)."""
    last_date: pd.Timestamp | None = None
    metrics: frozenset[str] = frozenset()
    """The metrics of the catalogue the activity used holds."""

    @property
    def rows_rejected(self) -> int:
        return sum(t.rows_rejected for t in self.quality.tables.values())

    @property
    def rows_read(self) -> int:
        return sum(t.rows_read for t in self.quality.tables.values())


def _activity_files(folder: Path, activity: str | Path | list | None) -> tuple[list[str], str]:
    """The Parquet files holding activity, and how to name them in messages. In a data folder
    the activity is found as ``load_data`` finds it (:func:`ssi_analysis.io.files.
    find_table_source`: any letter case, one place only); each file is checked to be Parquet
    (:func:`~ssi_analysis.io.files.check_parquet`) as ``load_data`` checks it."""
    if activity is None:
        found = find_table_source(folder, "activity")
        if found is None:
            raise missing_table_error(folder, "activity")
        if found.is_file() and found.suffix.lower() != ".parquet":
            raise SSIInputError(
                f"the duckdb engine reads activity from Parquet, not {found.suffix}",
                file=found.name, fix="convert the file to Parquet (activity.parquet), or use "
                "--engine pandas, which reads every format")
        if found.is_file():
            check_parquet(found)
            return [str(found)], found.name
        return _parts(found, f"{found.name}/", folder)
    if isinstance(activity, list | tuple):
        files = [Path(p) for p in activity]
        for p in files:
            check_parquet(p, str(p))
        return [str(p) for p in files], f"{len(activity)} activity files"
    text = str(activity)
    if any(ch in text for ch in "*?["):
        import glob

        files = sorted(glob.glob(text, recursive=True))
        if not files:
            raise SSIInputError("no file matches the activity pattern", file=text)
        for p in files:
            check_parquet(Path(p), p)
        return files, text
    path = Path(text)
    if path.is_dir():
        return _parts(path, path.name + "/", path.parent)
    if not path.is_file():
        raise SSIInputError("the activity file does not exist", file=text)
    check_parquet(path)
    return [text], path.name


def _parts(folder: Path, shown: str, base: Path) -> tuple[list[str], str]:
    """The Parquet parts of a folder, each checked (named in messages from ``base``)."""
    files = parquet_parts(folder)
    if not files:
        raise SSIInputError("the activity folder holds no .parquet files", file=shown)
    for p in files:
        check_parquet(p, str(p.relative_to(base)))
    return [str(p) for p in files], shown


def _missing(expr: str) -> str:
    return f"({expr} IS NULL OR lower({sql_strip(expr)}) IN ({sql_names(MISSING_TOKENS)}))"


def _text_of(col: str, kind: str) -> str:
    """A column as text, as pandas turns cells into strings (``12.0`` ids become ``'12'``)."""
    if kind == "float":
        return (f"CASE WHEN isnan({col}) THEN NULL WHEN isfinite({col}) AND {col} = floor({col}) "
                f"AND abs({col}) < 1e18 THEN CAST(CAST({col} AS HUGEINT) AS VARCHAR) "
                f"ELSE CAST({col} AS VARCHAR) END")
    return f"CAST({col} AS VARCHAR)"


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
    if t.startswith("TIMESTAMP WITH TIME ZONE") or t == "TIMESTAMPTZ":
        return "timestamptz"
    if t.startswith("TIMESTAMP"):
        return "timestamp"
    if t == "BOOLEAN":
        return "bool"
    return "text"


def _clean_text(col: str, kind: str) -> str:
    """A cell as trimmed text, NULL when missing (``N/A``, ``-``, empty ...)."""
    text = _text_of(col, kind)
    return f"CASE WHEN {_missing(text)} THEN NULL ELSE {sql_strip(text)} END"


def _column_tz(files: list[str], name: str) -> str:
    """The time zone pandas would read a timestamp column in (Arrow keeps it in the schema)."""
    try:
        import pyarrow.parquet as pq

        tz = pq.read_schema(files[0]).field(name).type.tz
    except Exception:  # no Arrow schema: the stored UTC instants
        tz = None
    return tz or "UTC"


def _formats(t: str, formats: tuple[str, ...]) -> str:
    """SQL of a text read by the first of ``formats`` that reads it, as a date."""
    tries = [f"CAST(try_strptime({t}, {_text(f)}) AS DATE)" for f in formats]
    return tries[0] if len(tries) == 1 else f"coalesce({', '.join(tries)})"


def _text_dates(t: str) -> tuple[str, str, str]:
    """SQL for a text date: (ISO date, day-first date, month-first date), in the formats of
    :mod:`ssi_analysis.io.cells.dates`."""
    iso = (f"CASE WHEN regexp_matches({t}, {_text('^' + ISO_DATE_TEXT)}) THEN CAST("
           f"try_strptime(regexp_extract({t}, {_text('^(' + ISO_DATE_TEXT + ')')}, 1), "
           "'%Y-%m-%d') AS DATE) END")
    return iso, _formats(t, DAY_FIRST), _formats(t, MONTH_FIRST)


def _cells(names: dict[str, tuple[str, str]], date_order: str | None, tz: str) -> dict[str, str]:
    """SQL of each cell of an activity row as ``load_data`` types it: ``rep_id`` (trimmed text,
    NULL when missing), ``metric`` (normalised name), ``value`` (a number or NULL), ``date``,
    and the helpers ``value_missing``, ``date_given`` (a cell there) and ``value_raw``,
    ``date_raw`` (the cells as text)."""
    rep_col, rep_kind = names["rep_id"]
    date_col, date_kind = names["date"]
    metric_col, metric_kind = names["metric"]
    value_col, value_kind = names["value"]

    rep = _clean_text(_ident(rep_col), rep_kind)
    # a metric's name is read once per distinct cell (the table ``metric_names``)
    metric = (f"(SELECT n.name_read FROM metric_names n "
              f"WHERE n.name_written = {_text_of(_ident(metric_col), metric_kind)})")

    d = _ident(date_col)
    if date_kind in ("date", "timestamp", "timestamptz"):
        date = {"date": d, "timestamp": f"CAST({d} AS DATE)",
                "timestamptz": f"CAST(timezone({_text(tz)}, {d}) AS DATE)"}[date_kind]
        date_given = f"{d} IS NOT NULL"
    else:  # text: ISO dates, else the day-first or month-first reading the column settles on
        t = _clean_text(d, date_kind)
        iso, day, month = _text_dates(t)
        other = {"day": day, "month": month, None: "NULL"}[date_order]
        date = (f"coalesce({iso}, CASE WHEN NOT regexp_matches({t}, "
                f"{_text('^' + ISO_DATE_TEXT)}) THEN {other} END)")
        date_given = f"{t} IS NOT NULL"
    # what pandas' datetime64[ns] holds, as load_data reads dates: beyond it, not a date
    date = f"CASE WHEN {date} BETWEEN DATE '1677-09-22' AND DATE '2262-04-11' THEN {date} END"
    v = _ident(value_col)
    if value_kind in ("float", "number"):
        value = f"CASE WHEN isnan(CAST({v} AS DOUBLE)) THEN NULL ELSE CAST({v} AS DOUBLE) END"
        value_missing = f"({value}) IS NULL"
    else:
        vt = _text_of(v, value_kind)
        value_missing = _missing(vt)
        value = (f"CASE WHEN {value_missing} OR contains({vt}, '_') THEN NULL "
                 f"ELSE TRY_CAST({sql_strip(vt)} AS DOUBLE) END")
        value = f"CASE WHEN isnan({value}) THEN NULL ELSE {value} END"
    return {"rep_id": rep, "metric": metric, "value": value, "date": date,
            "value_missing": value_missing, "date_given": date_given,
            "value_raw": f"CAST({v} AS VARCHAR)", "date_raw": f"CAST({d} AS VARCHAR)"}


def _metric_names(con, source: str, col: str, kind: str) -> None:
    """The tables ``metric_names(name_written, name_read)``, each distinct metric cell as
    written and its name as ``load_data`` reads it (normalised: read once per distinct cell,
    not per row), and ``metrics(metric, mi)``, the catalogue and each metric's code. Names are
    of the ENUM type ``metric_name`` (the catalogue's and the names read), so that the rules'
    tests of a name compare integers, not text."""
    name = normalise_name_sql(_clean_text("w", "text"))
    con.execute(f"CREATE TEMP TABLE names_read AS SELECT w AS name_written, {name} AS "
                f"name_read FROM (SELECT DISTINCT {_text_of(_ident(col), kind)} AS w "
                f"FROM {source}) WHERE w IS NOT NULL")
    catalogue = ", ".join(f"({_text(m)}, {i})" for i, m in enumerate(_CATALOGUE))
    con.execute(f"CREATE TEMP TABLE catalogue AS SELECT * FROM (VALUES {catalogue}) "
                "AS t(metric, mi)")
    con.execute("CREATE TYPE metric_name AS ENUM (SELECT name_read FROM names_read WHERE "
                "name_read IS NOT NULL UNION SELECT metric FROM catalogue)")
    con.execute("CREATE TEMP TABLE metric_names AS SELECT name_written, CAST(name_read AS "
                "metric_name) AS name_read FROM names_read")
    con.execute("CREATE TEMP TABLE metrics AS SELECT CAST(metric AS metric_name) AS metric, mi "
                "FROM catalogue")


def _typed_sql(source: str, cells: dict[str, str], percent: frozenset[str]) -> str:
    """Every activity row's cells typed (:func:`_cells`), with ``<column>_unread`` (a cell
    given but not read): the relation the rules' SQL reads. ``percent``: level metrics on a
    0-100 scale, divided by 100 (:func:`ssi_analysis.io.percent_scale`)."""
    c = cells
    inner = (f"SELECT filename AS _file, file_row_number AS _row, {c['rep_id']} AS rep_id, "
             f"{c['metric']} AS metric, {c['value']} AS value, "
             f"{c['value_missing']} AS value_missing, {c['value_raw']} AS value_raw, "
             f"{c['date_raw']} AS date_raw, {c['date']} AS date, "
             f"{c['date_given']} AS date_given, {c.get('is_header', 'false')} AS is_header, "
             f"{c.get('header_value', 'NULL')} AS header_value FROM {source}")
    typed = ("SELECT * EXCLUDE (value_missing, date_given), NOT value_missing AND value IS "
             "NULL AS value_unread, date_given AND date IS NULL AS date_unread "
             f"FROM ({inner})")
    if percent:
        typed = (f"SELECT * REPLACE (CASE WHEN metric IN ({sql_names(percent)}) AND value >= 0 "
                 f"AND isfinite(value) THEN value / {_num(100.0)} ELSE value END AS value) "
                 f"FROM ({typed})")
    return typed


def _checked_sql(typed: str, universe: str, *, rep_fix: str | None = None,
                 header_column: str = "rep_id") -> str:
    """Every typed activity row checked by the rules of long-form activity
    (:func:`ssi_analysis.io.checks.activity_rules`, the rules ``load_data`` checks): ``bad``
    (a rule broken) and ``problems`` (the column, value, reason, kind and fix of each, in the
    order ``load_data`` gives them).

    Adds ``rep`` (the rep's position in ``universe``, NULL for an unknown rep) and ``mi`` (the
    metric's position in the catalogue). ``rep_fix(raw, rep, rep_id, shared)``: the ids
    of the activity that match no rep exactly and the rep each is read as (an id in another
    letter case or without its leading zeros, :func:`ssi_analysis.io.id_key`), or ``shared``
    when several reps fit; adds ``repaired_to`` (that rep's id) and ``shared_key``.
    """
    rules = activity_rules()
    bad = f"(is_header OR {screen_sql(rules)})"
    header = KINDS["repeated_header"]
    # a row that repeats the header is not data: that is its one reason (as load_data says)
    problems = (f"CASE WHEN is_header THEN [{{'c': {_text(header_column)}, 'v': header_value, "
                f"'r': {_text(HEADER_ROW)}, 'k': {_text(header.label)}, 'f': {_text(header.fix)}"
                "}] ELSE list_filter([" + ", ".join(
                    f"CASE WHEN {r.sql} THEN {{'c': {_text(r.column)}, 'v': {r.shown_sql()}, "
                    f"'r': {r.reason_sql()}, 'k': {_text(r.label)}, 'f': {_text(r.fix)}}} END"
                    for r in rules) + "], lambda e: e IS NOT NULL) END")
    coded = (f"SELECT t.*, mt.mi FROM ({typed}) t "
             "LEFT JOIN metrics mt ON mt.metric = t.metric")
    flagged = f"SELECT c.*, {bad} AS bad FROM ({coded}) c"
    explained = f"SELECT f.*, CASE WHEN bad THEN {problems} END AS problems FROM ({flagged}) f"
    if rep_fix is None:
        return (f"SELECT e.*, u.rep, CAST(NULL AS VARCHAR) AS repaired_to, false AS shared_key "
                f"FROM ({explained}) e LEFT JOIN {universe} u ON u.rep_id = e.rep_id")
    return (f"SELECT e.*, coalesce(u.rep, f.rep) AS rep, f.rep_id AS repaired_to, "
            f"coalesce(f.shared, false) AS shared_key FROM ({explained}) e "
            f"LEFT JOIN {universe} u ON u.rep_id = e.rep_id "
            f"LEFT JOIN {rep_fix} f ON f.raw = e.rep_id")


def _activity_columns(con, source: str, files: list[str], shown: str, notes: list[str]
                      ) -> dict[str, tuple[str, str]]:
    """The activity's columns by normalised name: ``(name as written, kind)``, in the file's
    order; as ``load_data`` does, a repeated name (in any file, after normalising: ``Value``
    beside ``value``) stops the run, and so do missing columns (said by
    :func:`~ssi_analysis.io.checks.activity_form`; a wide table is for the pandas engine);
    other columns are noted."""
    try:
        import pyarrow.parquet as pq

        for f in files:                          # DuckDB renames repeats: ask the files
            check_distinct_columns([normalise_name(n) for n in pq.read_schema(f).names],
                                   shown)
        described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    except SSIInputError:
        raise
    except Exception as exc:
        raise SSIInputError(f"cannot read the Parquet activity ({type(exc).__name__}: "
                            f"{str(exc).splitlines()[0]})", file=shown,
                            fix="check that the files are valid, uncorrupted Parquet") from None
    columns = {normalise_name(n): (n, _sql_kind(t)) for n, t, *_ in described
               if n not in ("filename", "file_row_number")}
    if "period_start" in columns and "date" not in columns:
        raise SSIInputError(
            "totals over periods (period_start, period_end): the Parquet engine reads dated "
            "rows, and the column date missing", file=shown, column="date",
            fix="totals over periods are spread over their days when loaded: score them "
                "with score(load_data(folder).activity, ..., engine='duckdb') (the command "
                "line's score --engine duckdb does)")
    if activity_form(list(columns), shown) == "wide":
        raise SSIInputError(
            "a wide activity table (a column per metric): the duckdb engine reads the long "
            "form (rep_id, date, metric, value)", file=shown,
            fix="use --engine pandas for wide tables, or write the activity in long form")
    extra = [c for c in columns if c not in ("rep_id", "date", "metric", "value")]
    if extra:
        notes.append(extra_columns_note(shown, extra))
    return columns


def _check_rows(con, bar: Progress, folder: Path, source: str, files: list[str], shown: str,
                columns: dict[str, tuple[str, str]], universe_ids: pd.Index
                ) -> tuple[list[str], str | None]:
    """Create the view ``checked`` (every activity row typed and checked) and the table
    ``rejected`` (the rows rejected, with their reasons, kinds and fixes, as ``load_data``
    rejects them); returns the warnings of the repairs made and the ``rep_fix`` table (ids
    read as another rep's), if any."""
    date_col, date_kind = columns["date"]
    tz = _column_tz(files, date_col) if date_kind == "timestamptz" else "UTC"
    order = None
    if date_kind not in ("date", "timestamp", "timestamptz"):
        order = _date_order(con, source, _ident(date_col), date_kind, shown)
    _metric_names(con, source, *columns["metric"])
    cells = _cells(columns, order, tz)
    first, (written, kind) = next(iter(columns.items()))
    cells["is_header"] = _header_row_sql(con, source, columns)
    cells["header_value"] = f"CAST({_ident(written)} AS VARCHAR)"
    percent, warnings, rep_fix = _before_checks(con, source, cells, shown, universe_ids)
    checked = _checked_sql(_typed_sql(source, cells, frozenset(percent)), "universe",
                           rep_fix=rep_fix, header_column=first)
    con.execute(f"CREATE TEMP VIEW checked AS {checked}")

    bar.step("checking rows")
    reason = "array_to_string(list_transform(problems, lambda e: e.r), '; ')"
    first_value = ("list_filter(list_transform(problems, lambda e: e.v), lambda v: v IS NOT NULL)"
                   "[1]")
    prefix = str(folder) + os.sep
    display = (_text(shown) if len(files) == 1 else
               f"CASE WHEN starts_with(_file, {_text(prefix)}) THEN substr(_file, "
               f"{len(prefix) + 1}) ELSE _file END")
    unknown = KINDS["not_in_reps"]
    _run(con, f"""CREATE TEMP TABLE rejected AS
        SELECT CASE WHEN bad THEN 0 ELSE 1 END AS stage, _file, _row,
               'activity' AS "table", {display} AS file, _row + 1 AS row,
               CASE WHEN is_header THEN NULL ELSE rep_id END AS rep_id,
               CASE WHEN bad THEN problems[1].c ELSE 'rep_id' END AS "column",
               CASE WHEN bad THEN {first_value} ELSE rep_id END AS "value",
               CASE WHEN bad THEN {reason} ELSE {sql_fill(NOT_IN_REPS, value="rep_id")}
                    || CASE WHEN shared_key THEN {_text(SHARED_KEY_HINT)} ELSE '' END END
                   AS reason,
               CASE WHEN bad THEN problems[1].k ELSE {_text(unknown.label)} END AS kind,
               CASE WHEN bad THEN problems[1].f ELSE {_text(unknown.fix)} END AS fix
        FROM checked WHERE bad OR rep IS NULL""", bar)
    return warnings, rep_fix


def _header_row_sql(con, source: str, columns: dict[str, tuple[str, str]]) -> str:
    """SQL of "the row repeats the header" (:func:`~ssi_analysis.io.files.header_row_sql`),
    tested only on rows whose first cell reads as its column's name. Those cells are found
    once among the first column's distinct values, so the names are not normalised (regular
    expressions) cell by cell: on most files no cell qualifies and the test is ``false``."""
    cells = [(c, _text_of(_ident(w), k)) for c, (w, k) in columns.items()]
    name, first = cells[0]
    written = [w for (w,) in con.execute(
        f"SELECT w FROM (SELECT DISTINCT {first} AS w FROM {source}) "
        f"WHERE {normalise_name_sql('w')} = {_text(name)} ORDER BY w").fetchall()]
    if not written:
        return "false"
    return (f"CASE WHEN {first} IN ({', '.join(map(_text, written))}) "
            f"THEN {header_row_sql(cells)} ELSE false END")


def _before_checks(con, source: str, cells: dict[str, str], shown: str,
                   universe_ids: pd.Index) -> tuple[set[str], list[str], str | None]:
    """One cheap pass over the ids and the levels, before the rows are checked: levels written
    as percentages (read as such, with a warning), and ids that match no rep exactly (read as
    another rep's where one fits: the table ``rep_fix``)."""
    level_stats = [
        f"max(v) FILTER (WHERE m = {_text(m)} AND isfinite(v) AND v >= 0), "
        f"count(*) FILTER (WHERE m = {_text(m)} AND v > 0 AND v < 1), "
        f"count(*) FILTER (WHERE m = {_text(m)})" for m in sorted(LEVEL_METRICS)]
    seen = _run(con, f"SELECT list(DISTINCT r) FILTER (WHERE r IS NOT NULL), "
                     f"{', '.join(level_stats)} FROM (SELECT {cells['rep_id']} AS r, "
                     f"{cells['metric']} AS m, {cells['value']} AS v FROM {source})"
                ).fetchall()[0]
    percent, warnings = set(), []
    for k, metric in enumerate(sorted(LEVEL_METRICS)):
        top, n_shares, n = seen[1 + 3 * k: 4 + 3 * k]
        if percent_scale_of(top, n_shares):
            percent.add(metric)
            warnings.append(percent_warning(shown, metric, top, n))
    known = set(universe_ids)
    repairs = id_repairs(universe_ids)
    odd = sorted(r for r in (seen[0] or []) if r not in known)
    fix = [(r, repairs.get(id_key(r))) for r in odd if id_key(r) in repairs]
    if not fix:
        return percent, warnings, None
    con.register("rep_fix_frame", pd.DataFrame({
        "raw": [r for r, _ in fix],
        "rep": [universe_ids.get_loc(to) if to is not None else None for _, to in fix],
        "rep_id": [to for _, to in fix], "shared": [to is None for _, to in fix]},
        dtype=object))
    con.execute("CREATE TEMP TABLE rep_fix AS SELECT CAST(raw AS VARCHAR) AS raw, "
                "CAST(rep AS BIGINT) AS rep, CAST(rep_id AS VARCHAR) AS rep_id, "
                "CAST(shared AS BOOLEAN) AS shared FROM rep_fix_frame")
    con.unregister("rep_fix_frame")
    return percent, warnings, "rep_fix"


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
        DuckDB's settings (see :func:`connect`).
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
    folder = resolve_data_dir(data)
    check_data_folder(folder)
    steps = ["checking rows", "totalling days", "scoring"]
    with Progress(steps, enabled=progress) as bar:
        reps, quality = load_reps(folder)
        with counts_on_stop(quality):               # a run that stops still says what it read
            files, shown = _activity_files(folder, activity)
        if out is not None:
            read = [*(p for p in folder.iterdir() if p.is_file()), *map(Path, files), *inputs]
            for path in (Path(out), Path(out).with_name(f"{Path(out).stem}.rejects.csv")):
                refuse_overwriting_inputs(path, read, folder=folder)
        if anonymize:
            salt = salt or default_salt(find_table_file(folder, "reps"))
        con = connect(memory_limit=memory_limit, temp_directory=temp_directory,
                      threads=threads)
        try:
            with counts_on_stop(quality):
                return _score_parquet(con, bar, config, folder, reps, quality, files, shown,
                                      out=None if out is None else Path(out), asof=asof,
                                      daily=daily, strict=strict,
                                      salt=salt if anonymize else None)
        finally:
            con.close()


def _score_parquet(con, bar: Progress, config: ScoringConfig, folder: Path, reps: pd.DataFrame,
                   quality: QualityReport, files: list[str], shown: str, *, out: Path | None,
                   asof: object, daily: bool, strict: bool,
                   salt: str | None = None) -> ParquetScores:
    source = (f"read_parquet([{', '.join(_text(f) for f in files)}], filename = true, "
              "file_row_number = true, union_by_name = true)")
    notes = list(quality.notes)
    columns = _activity_columns(con, source, files, shown, notes)

    # every rep, as integer positions; their industry, team and cohort labels
    universe_ids = pd.Index(pd.unique(reps["rep_id"].astype(str))).sort_values()
    rep_info = reps.assign(rep_id=reps["rep_id"].astype(str)).set_index("rep_id")
    labels = rep_labels(universe_ids, rep_info, config)
    ranks = _universe(con, universe_ids, labels)

    # 1. the rejected rows, and their reasons
    warnings, rep_fix = _check_rows(con, bar, folder, source, files, shown, columns,
                                    universe_ids)
    n_read = con.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
    n_rejected = con.execute("SELECT count(*) FROM rejected").fetchone()[0]

    # 2. the used rows, totalled per rep, day and metric
    bar.step("totalling days")
    n_used, first, last, present, fixed = _daily_totals(con, bar, rep_fix)
    if fixed:
        warnings.append(repair_warning(shown, *fixed))
    if n_read != n_used + n_rejected:  # a bug, not a user error
        raise RuntimeError(f"row accounting broken: {n_read} != {n_used} + {n_rejected}")

    quality = _quality(con, quality, shown, n_read, n_used, n_rejected, notes)
    quality.warnings.extend(warnings)
    quality.warnings.extend(_level_warnings(con, shown))
    if fixed:
        quality.id_repairs[fixed[1]] = fixed[2]
    _activity_notes(con, quality, shown, present)
    _stop(quality, shown, n_read, n_used, n_rejected, strict)

    # 3. the scores
    bar.step("scoring")
    with counts_on_stop(quality, shown):
        spec = ScoringSpec.build(config, present=present, any_rows=n_used > 0)
        dates = pd.Series([first, last], dtype="datetime64[ns]") if n_used else \
            pd.Series([], dtype="datetime64[ns]")
        days = target_days(dates, asof=asof, daily=daily)
    score_notes = [*spec.notes, *labels.notes]
    con.execute(f"""CREATE TEMP VIEW targets AS SELECT u.rep, g.d AS date, 0 AS ord
        FROM universe u CROSS JOIN {DUCKDB.days(_day(days[0]), _day(days[-1]))} g""")
    span = {"daily": "daily", "universe": "universe", "targets": "targets",
            "grid_reps": "universe", "day0": days[0] - np.timedelta64(spec.window - 1, "D"),
            "last": days[-1], "ranks": ranks}
    sql = scoring_sql(spec, **span, timestamps=out is not None and out.suffix.lower() != ".csv")
    n_scores = len(universe_ids) * len(days)
    result = ParquetScores(quality, n_scores, len(universe_ids), score_notes,
                           first_date=pd.Timestamp(first) if n_used else None,
                           last_date=pd.Timestamp(last) if n_used else None,
                           metrics=frozenset(present))
    csv = out is not None and out.suffix.lower() == ".csv"
    if csv or salt is not None:   # the ids as written: pseudonyms, formulas defused in a CSV
        shown_ids = pd.Series(universe_ids.to_numpy(dtype=object))
        if salt is not None:
            shown_ids = shown_ids.map(lambda v: pseudonym(v, salt=salt))
        if csv:
            shown_ids = defuse(shown_ids.astype(object))
        con.register("shown_frame", pd.DataFrame({"rep": np.arange(len(shown_ids)),
                                                  "shown": shown_ids.to_numpy(dtype=object)}))
        con.execute("CREATE TEMP TABLE shown_ids AS SELECT CAST(rep AS BIGINT) AS rep, "
                    "CAST(shown AS VARCHAR) AS shown FROM shown_frame")
        con.unregister("shown_frame")
        con.execute("CREATE OR REPLACE TEMP TABLE universe AS SELECT u.*, s.shown FROM universe u "
                    "JOIN shown_ids s USING (rep)")
        sql = scoring_sql(spec, **span, timestamps=out is not None and not csv,
                          shown_id="shown")
    if out is None:
        result.scores = Scores(_as_pandas_output(_run(con, sql, bar).df()),
                               notes=tuple(score_notes), config=config)
        return result
    fmt = "FORMAT csv, HEADER true" if csv else "FORMAT parquet"
    result.out = _copy(con, sql, out, fmt, bar)
    rejects = out.with_name(f"{out.stem}.rejects.csv")
    if n_rejected or not quality.rejects.empty:
        result.rejects_path = _write_rejects(con, quality, rejects, salt)
    elif rejects.exists():
        rejects.unlink()  # a stale file from an earlier run would mislead
    return result


def _daily_totals(con, bar: Progress, rep_fix: str | None
                  ) -> tuple[int, object, object, set[str], tuple[int, str, str] | None]:
    """The table ``daily``: the rows used (not rejected, of a known rep) totalled per rep, day
    and metric. Returns the rows used, the first and last dates, the metrics present and, when
    ids were read as another rep's, ``(rows, an id as written, the rep it was read as)``."""
    codes = {m: i for i, m in enumerate(_CATALOGUE)}
    counts = [m for m in _CATALOGUE if m not in LEVEL_METRICS]
    levels = [m for m in _CATALOGUE if m in LEVEL_METRICS]
    repaired = ["count(*) FILTER (WHERE repaired_to IS NOT NULL) AS n_fixed",
                "min(rep_id) FILTER (WHERE repaired_to IS NOT NULL) AS fixed_from",
                "arg_min(repaired_to, rep_id) FILTER (WHERE repaired_to IS NOT NULL) AS fixed_to"
                ] if rep_fix else []
    lowest = [f"min(value) FILTER (WHERE mi = {codes[m]}) AS {_ident('lo:' + m)}"
              for m in levels]                      # a level given twice a day: its span
    _run(con, "CREATE TEMP TABLE daily AS " + pivot_sql(
        "checked", codes, counts=counts, levels=levels,
        active_codes=[codes[m] for m in counts], where="NOT bad AND rep IS NOT NULL",
        extra=[*repaired, *lowest]), bar)
    fixed = None
    if rep_fix:
        n_fixed, fixed_from, fixed_to = con.execute(
            "SELECT coalesce(sum(n_fixed), 0), min(fixed_from), arg_min(fixed_to, fixed_from) "
            "FROM daily").fetchone()
        if n_fixed:
            fixed = (int(n_fixed), fixed_from, fixed_to)
    n_used, first, last, bits = con.execute(
        "SELECT coalesce(sum(n), 0), min(date), max(date), bit_or(present) FROM daily").fetchone()
    present = {m for m, i in codes.items() if bits is not None and (int(bits) >> i) & 1}
    return n_used, first, last, present, fixed


def _level_warnings(con, shown: str) -> list[str]:
    """The warning of levels given different values for one rep on one day, as ``load_data``
    gives it (:func:`ssi_analysis.io.tables.activity.level_conflicts`), from ``daily``."""
    out = []
    for m in sorted(LEVEL_METRICS):
        lo, hi = _ident("lo:" + m), level_column(m)
        n, rep, day, low, high = con.execute(
            f"SELECT count(*) OVER (), u.rep_id, d.date, d.{lo}, d.{hi} FROM daily d JOIN "
            f"universe u ON u.rep = d.rep WHERE d.{lo} < d.{hi} ORDER BY d.rep, d.date LIMIT 1"
        ).fetchone() or (0, None, None, None, None)
        if n:
            out.append(level_conflict_warning(shown, m, int(n), rep, day, low, high))
    return out


def _write_rejects(con, quality: QualityReport, path: Path, salt: str | None) -> Path:
    """Every rejected row (the reps' from ``load_reps``, then the activity's) to a CSV as
    :func:`~ssi_analysis.outputs.write_table` writes the pandas engine's: formulas defused, and
    with a ``salt`` the ids pseudonymised as :class:`~ssi_analysis.privacy.Pseudonyms` does."""
    cols = ['"table"', "file", "row", "rep_id", '"column"', '"value"', "reason"]
    reps = quality.rejects[quality.rejects["table"] == "reps"] if not quality.rejects.empty \
        else pd.DataFrame(columns=[c.strip('"') for c in cols])
    if salt is not None:
        reps = Pseudonyms(salt).rejects(reps)
    con.register("reps_rejects_frame", reps.astype({"row": "int64"}).astype(
        {c: object for c in reps.columns if c != "row"}))
    source = ("(SELECT 0 AS part, 0 AS stage, '' AS _file, row AS _row, CAST(\"table\" AS "
              "VARCHAR) AS \"table\", CAST(file AS VARCHAR) AS file, CAST(row AS BIGINT) AS row, "
              "CAST(rep_id AS VARCHAR) AS rep_id, CAST(\"column\" AS VARCHAR) AS \"column\", "
              "CAST(\"value\" AS VARCHAR) AS \"value\", CAST(reason AS VARCHAR) AS reason "
              "FROM reps_rejects_frame UNION ALL SELECT 1, stage, _file, _row, \"table\", file, "
              "row, rep_id, \"column\", \"value\", reason FROM rejected)")
    if salt is not None:
        ids = con.execute("SELECT DISTINCT rep_id FROM rejected WHERE rep_id IS NOT NULL"
                          ).fetchall()
        con.register("alias_frame", pd.DataFrame(
            {"rep_id": [r for (r,) in ids],
             "alias": [pseudonym(r, salt=salt) for (r,) in ids]}, dtype=object))
        con.execute("CREATE TEMP TABLE aliases AS SELECT CAST(rep_id AS VARCHAR) AS rep_id, "
                    "CAST(alias AS VARCHAR) AS alias FROM alias_frame")
        con.unregister("alias_frame")
        source = (f"(SELECT r.* REPLACE (CASE WHEN r.part = 0 THEN r.rep_id ELSE a.alias END "
                  f"AS rep_id, CASE WHEN r.part = 1 AND r.\"column\" = 'rep_id' THEN a.alias "
                  f"ELSE r.\"value\" END AS \"value\", CASE WHEN r.part = 1 AND a.alias IS NOT "
                  f"NULL THEN replace(r.reason, {_QUOTE_SQL} || r.rep_id || {_QUOTE_SQL}, "
                  f"{_QUOTE_SQL} || a.alias || {_QUOTE_SQL}) ELSE r.reason END AS reason) "
                  f"FROM {source} r LEFT JOIN aliases a ON a.rep_id = r.rep_id)")
    shown = ", ".join(c if c == "row" else f"{defuse_sql(c)} AS {c}" for c in cols)
    try:
        return _copy(con, f"SELECT {shown} FROM {source} ORDER BY part, stage, _file, _row",
                     path, "FORMAT csv, HEADER true", None)
    finally:
        con.unregister("reps_rejects_frame")


def _copy(con, query: str, path: Path, fmt: str, bar: Progress | None) -> Path:
    """``COPY (query) TO path`` atomically: a temporary file beside it, then a rename."""
    with atomic_path(path) as tmp:
        _run(con, f"COPY ({query}) TO {_text(tmp)} ({fmt})", bar)
    return path


_FORMULA_SQL = "'^[=+\\-@\\t\\r]'"
_QUOTE_SQL = "''''"


def defuse_sql(expr: str) -> str:
    """SQL of :func:`ssi_analysis.outputs.defuse` for one text: a cell a spreadsheet would run
    as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return first), unless it reads as a
    number, prefixed with a single quote."""
    return (f"CASE WHEN regexp_matches({expr}, {_FORMULA_SQL}) AND NOT "
            f"regexp_matches({expr}, {_text(NUMBER_TEXT)}) THEN {_QUOTE_SQL} || {expr} "
            f"ELSE {expr} END")


def _date_order(con, source: str, col: str, kind: str, shown: str) -> str | None:
    """Day-first or month-first for text dates that are not ISO, decided as ``parse_dates``
    decides (:func:`ssi_analysis.io.cells.dates.reads_day_first`)."""
    t = _clean_text(col, kind)
    _, day, month = _text_dates("t")
    n, n_day, n_month, ambiguous, slash, example = con.execute(f"""
        SELECT count(*), count(df), count(mf), bool_or(df IS NOT NULL AND mf IS NOT NULL
               AND df <> mf), bool_and(contains(t, '/')),
               min_by(t, CASE WHEN df <> mf THEN 0 ELSE 1 END)
        FROM (SELECT t, {day} AS df, {month} AS mf FROM (SELECT {t} AS t FROM {source})
              WHERE t IS NOT NULL AND NOT regexp_matches(t, {_text('^' + ISO_DATE_TEXT)}))
        """).fetchone()
    if not n:
        return None
    first = reads_day_first(n_day, n_month, all_slashes=bool(slash),
                            example=example if ambiguous else None, file=shown, column="date")
    return "day" if first else "month"


def _quality(con, quality: QualityReport, shown: str, n_read: int, n_used: int,
             n_rejected: int, notes: list[str]) -> QualityReport:
    """The reps' report plus the activity's counts: every rejected row counted by kind in
    SQL, the first ones kept (all of them go to the rejects file)."""
    kinds = {k: int(n) for k, n in con.execute(
        "SELECT kind, count(*) FROM rejected GROUP BY kind").fetchall()}
    kept = con.execute(f'SELECT "table", file, row, rep_id, "column", "value", reason, kind, fix '
                       f"FROM rejected ORDER BY stage, _file, _row LIMIT {_REJECTS_KEPT}").df()
    rejects = [r for r in (quality.rejects, kept) if not r.empty]
    report = QualityReport(tables=dict(quality.tables), notes=list(notes),
                           rejects=(pd.concat(rejects, ignore_index=True) if rejects
                                    else quality.rejects), flags=quality.flags,
                           warnings=list(quality.warnings), id_repairs=dict(quality.id_repairs))
    report.tables["activity"] = TableQuality("activity", shown, n_read, n_used, n_rejected,
                                             rejected_kinds=kinds)
    if n_rejected > _REJECTS_KEPT:
        report.notes.append(f"{shown}: {n_rejected} rows rejected; the first {_REJECTS_KEPT} "
                            "are kept in memory, all of them are in the rejects file")
    return report


def _activity_notes(con, quality: QualityReport, shown: str, present: set[str]) -> None:
    """The notes of the activity: metric names not known, metrics absent from the data."""
    unknown = sorted(con.execute(f"SELECT list(DISTINCT metric) FROM checked WHERE bad AND "
                                 f"NOT is_header AND metric NOT IN ({sql_names(METRICS)})"
                                 ).fetchone()[0] or [])
    if unknown:
        quality.notes.append(unknown_metrics_note(shown, unknown))
    absent = absent_metrics(present)
    if absent:
        quality.notes.append(absent_metrics_note(shown, absent))


def _stop(quality: QualityReport, shown: str, n_read: int, n_used: int, n_rejected: int,
          strict: bool) -> None:
    """A file without rows stops the run, and so does every row rejected (said first, not what
    follows from it), and with ``strict`` any rejected row: as ``load_data`` stops, with the
    same messages."""
    if not n_read:
        raise no_rows_error(shown, "activity")
    if not n_used:
        exc = all_rejected_error(shown, n_read, quality.rejects[quality.rejects["table"]
                                                                == "activity"],
                                 quality.tables["activity"].rejected_kinds)
        exc.quality = quality
        raise exc
    if strict and not quality.rejects.empty:
        raise strict_error(quality)
