"""What the SQL engines share: activity files found, every row typed and checked by the rule
book, rejects, counts and notes, the scores: written once, run by DuckDB and by Spark.

An engine is a :class:`Backend`: its :class:`~ssi_analysis.dialects.Dialect` (how its SQL is
spelled) and the few things only it can do (run a statement, register a small pandas frame,
describe a relation's columns, write a file). Everything else is here, and each step's SQL is
generated for the backend's dialect from the same code:

1. :func:`activity_files` finds the Parquet files of the activity (one file, a folder, a glob);
2. :func:`check_rows` types every cell as :func:`~ssi_analysis.io.load_data` does (ids
   trimmed, metric names normalised, numbers, dates ISO or day-first or month-first as the
   column settles it) and checks every row by the rules of long-form activity
   (:func:`ssi_analysis.io.checks.activity_rules`, rendered in the dialect): the view
   ``ssi_checked`` and the table ``ssi_rejected`` (every rejected row with its reasons, kind
   and fix);
3. :func:`daily_totals` totals the rows used per rep and day (``ssi_daily``), and
   :func:`quality_of` counts rows read, used and rejected by kind: rows read = rows used +
   rows rejected, or the run stops with a bug report;
4. :func:`score_files` scores them with the SQL of the scoring spec
   (:func:`~ssi_analysis.scoring.sql.scoring_sql`) and has the backend write the scores and
   the rejects (:func:`rejects_sql`).

:func:`score_frames` scores DataFrames already in memory (``score(..., engine=...)``).
Relations are named ``ssi_*`` so that they do not meet a user's own (a Spark session's views).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import ScoringConfig
from ..dialects import Dialect
from ..errors import SSIInputError
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
from ..io.files import find_table_source, missing_table_error, parquet_parts
from ..io.quality import HEADER_ROW, counts_on_stop, strict_error
from ..io.read.headers import check_distinct_columns, header_row_sql, no_rows_error
from ..io.read.parquet import check_parquet
from ..io.relations import NOT_IN_REPS
from ..io.tables.activity import (
    absent_metrics,
    absent_metrics_note,
    extra_columns_note,
    level_conflict_warning,
    unknown_metrics_note,
)
from ..outputs import NUMBER_TEXT, refuse_overwriting_inputs
from ..privacy import Pseudonyms, default_salt, pseudonym
from ..progress import Progress
from ..rules import KINDS, screen_sql
from ..schemas import LEVEL_METRICS, METRICS, normalise_name, normalise_name_sql
from ..scoring.inputs import Prepared
from ..scoring.scores import Scores
from ..scoring.spec import RANKS, RepLabels, ScoringSpec, rep_labels, target_days
from ..scoring.sql import level_column, pivot_sql, scoring_sql

REJECTS_KEPT = 10_000
"""Rejected rows kept in memory (all of them go to the rejects file)."""

CATALOGUE = sorted(METRICS)
"""Metric codes of the file path: a metric's position here."""

REJECT_COLUMNS = ["table", "file", "row", "rep_id", "column", "value", "reason"]
"""The columns of a rejects file."""


# ------------------------------------------------------------------ an engine
class Backend:
    """An SQL engine as the shared steps use it: a dialect and a few operations.

    Subclasses implement every method; ``name`` is the engine's name in messages.
    """

    name = "sql"
    dialect: Dialect

    def run(self, sql: str, bar: Progress | None = None) -> None:
        """Execute a statement."""
        raise NotImplementedError

    def rows(self, sql: str, bar: Progress | None = None) -> list[tuple]:
        """A query's rows."""
        raise NotImplementedError

    def frame(self, sql: str, bar: Progress | None = None) -> pd.DataFrame:
        """A query's result as a DataFrame."""
        raise NotImplementedError

    def table(self, name: str, sql: str, bar: Progress | None = None) -> None:
        """A query's result kept as the relation ``name`` (computed once)."""
        raise NotImplementedError

    def view(self, name: str, sql: str) -> None:
        """The relation ``name`` standing for a query (computed where it is read)."""
        raise NotImplementedError

    def reused(self, name: str, sql: str) -> None:
        """The relation ``name`` of a query over every activity row that several statements
        read: a view (read again, streaming past memory) unless the engine keeps it."""
        self.view(name, sql)

    def put(self, name: str, frame: pd.DataFrame, types: dict[str, str]) -> None:
        """A small DataFrame as the relation ``name``; ``types``: each column's SQL type
        (``TEXT`` is the dialect's text type)."""
        raise NotImplementedError

    def describe(self, relation: str) -> list[tuple[str, str]]:
        """A relation's columns and how each is read: ``float``, ``number``, ``date``,
        ``timestamp`` (no time zone), ``timestamptz``, ``bool`` or ``text``."""
        raise NotImplementedError

    def write(self, sql: str, path: Path, *, csv: bool, daily: bool,
              bar: Progress | None) -> Path:
        """A query's rows written to ``path`` atomically: a CSV with a header, else Parquet
        (``daily``: the scores of every day, which an engine may partition by date)."""
        raise NotImplementedError

    def name_type(self) -> str | None:
        """The SQL type metric names are cast to (``None``: text), made from ``ssi_names_read``
        and ``ssi_catalogue`` (DuckDB's ENUM compares names as integers)."""
        return None

    def first(self, sql: str, bar: Progress | None = None) -> tuple:
        """A query's first row."""
        return self.rows(sql, bar)[0]

    def types(self, types: dict[str, str]) -> dict[str, str]:
        """Column types with ``TEXT`` as the dialect's text type."""
        return {c: self.dialect.text_type if t == "TEXT" else t for c, t in types.items()}


# ------------------------------------------------------------------ what a run did
@dataclass
class ParquetScores:
    """What a run from files did: the quality report, and the scores or where they went."""

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


# ------------------------------------------------------------------ the activity's files
def activity_files(folder: Path, activity: str | Path | list | None, engine: str
                   ) -> tuple[list[str], str]:
    """The Parquet files holding activity, and how to name them in messages. In a data folder
    the activity is found as ``load_data`` finds it (:func:`ssi_analysis.io.files.
    find_table_source`: any letter case, one place only); each file is checked to be Parquet
    (:func:`~ssi_analysis.io.read.parquet.check_parquet`) as ``load_data`` checks it."""
    if activity is None:
        found = find_table_source(folder, "activity")
        if found is None:
            raise missing_table_error(folder, "activity")
        if found.is_file() and found.suffix.lower() != ".parquet":
            raise SSIInputError(
                f"the {engine} engine reads activity from Parquet, not {found.suffix}",
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


def file_names(files: list[str], folder: Path, shown: str) -> list[str]:
    """How the rejects name each file: the name given for one file, else its path within the
    data folder (or as given)."""
    if len(files) == 1:
        return [shown]
    prefix = str(folder) + os.sep
    return [f[len(prefix):] if f.startswith(prefix) else f for f in files]


def column_tz(files: list[str], name: str) -> str:
    """The time zone pandas would read a timestamp column in (Arrow keeps it in the schema)."""
    try:
        import pyarrow.parquet as pq

        tz = pq.read_schema(files[0]).field(name).type.tz
    except Exception:  # no Arrow schema (or not a local file): the stored UTC instants
        tz = None
    return tz or "UTC"


# ------------------------------------------------------------------ cells as load_data reads them
def _missing(d: Dialect, expr: str) -> str:
    return f"({expr} IS NULL OR lower({d.strip(expr)}) IN ({d.names(MISSING_TOKENS)}))"


def _text_of(d: Dialect, col: str, kind: str) -> str:
    """A column as text, as pandas turns cells into strings (``12.0`` ids become ``'12'``)."""
    if kind == "float":
        return (f"CASE WHEN isnan({col}) THEN NULL WHEN {d.isfinite(col)} AND {col} = "
                f"floor({col}) AND abs({col}) < 1e18 THEN {d.int_text(col)} "
                f"ELSE {d.float_text(col)} END")
    return d.cast_text(col)


def _raw_text(d: Dialect, col: str, kind: str) -> str:
    """A column's cell as text, as Python's ``str`` writes it (a column of ``kind``: the
    text of a DOUBLE written only where the column holds them, the statement stays small)."""
    return d.float_text(col) if kind == "float" else d.cast_text(col)


def _clean_text(d: Dialect, col: str, kind: str) -> str:
    """A cell as trimmed text, NULL when missing (``N/A``, ``-``, empty ...)."""
    text = _text_of(d, col, kind)
    return f"CASE WHEN {_missing(d, text)} THEN NULL ELSE {d.strip(text)} END"


def _formats(d: Dialect, t: str, formats: tuple[str, ...]) -> str:
    """SQL of a text read by the first of ``formats`` that reads it, as a date."""
    tries = [d.parse_date(t, f) for f in formats]
    return tries[0] if len(tries) == 1 else f"coalesce({', '.join(tries)})"


def _text_dates(d: Dialect, t: str) -> tuple[str, str, str]:
    """SQL for a text date: (ISO date, day-first date, month-first date), in the formats of
    :mod:`ssi_analysis.io.cells.dates`."""
    written = f"regexp_extract({t}, {d.text('^(' + ISO_DATE_TEXT + ')')}, 1)"
    iso = (f"CASE WHEN {d.matches(t, '^' + ISO_DATE_TEXT)} THEN "
           f"{d.parse_date(written, '%Y-%m-%d')} END")
    return iso, _formats(d, t, DAY_FIRST), _formats(d, t, MONTH_FIRST)


def _cells(d: Dialect, names: dict[str, tuple[str, str]], date_order: str | None, tz: str
           ) -> dict[str, str]:
    """SQL of each cell of an activity row as ``load_data`` types it: ``rep_id`` (trimmed text,
    NULL when missing), ``metric`` (the normalised name, read once per distinct cell: the
    column ``name_read`` of ``ssi_metric_names``, joined), ``value`` (a number or NULL),
    ``date``, and the helpers ``value_missing``, ``date_given`` (a cell there) and
    ``value_raw``, ``date_raw`` (the cells as text)."""
    rep_col, rep_kind = names["rep_id"]
    date_col, date_kind = names["date"]
    value_col, value_kind = names["value"]

    rep = _clean_text(d, "s." + d.ident(rep_col), rep_kind)
    c = "s." + d.ident(date_col)
    if date_kind in ("date", "timestamp", "timestamptz"):
        date = {"date": c, "timestamp": f"CAST({c} AS DATE)",
                "timestamptz": d.local_date(c, tz)}[date_kind]
        date_given = f"{c} IS NOT NULL"
    else:  # text: ISO dates, else the day-first or month-first reading the column settles on
        t = _clean_text(d, c, date_kind)
        iso, day, month = _text_dates(d, t)
        other = {"day": day, "month": month, None: "NULL"}[date_order]
        date = (f"coalesce({iso}, CASE WHEN NOT {d.matches(t, '^' + ISO_DATE_TEXT)} "
                f"THEN {other} END)")
        date_given = f"{t} IS NOT NULL"
    # what pandas' datetime64[ns] holds, as load_data reads dates: beyond it, not a date
    date = f"CASE WHEN {date} BETWEEN DATE '1677-09-22' AND DATE '2262-04-11' THEN {date} END"
    v = "s." + d.ident(value_col)
    if value_kind in ("float", "number"):
        value = f"CASE WHEN isnan(CAST({v} AS DOUBLE)) THEN NULL ELSE CAST({v} AS DOUBLE) END"
        value_missing = f"({value}) IS NULL"
    else:
        vt = _text_of(d, v, value_kind)
        value_missing = _missing(d, vt)
        value = (f"CASE WHEN {value_missing} OR instr({vt}, '_') > 0 THEN NULL "
                 f"ELSE {d.try_double(d.strip(vt))} END")
        value = f"CASE WHEN isnan({value}) THEN NULL ELSE {value} END"
    return {"rep_id": rep, "metric": "n.name_read", "value": value, "date": date,
            "value_missing": value_missing, "date_given": date_given,
            "value_raw": _raw_text(d, v, value_kind), "date_raw": _raw_text(d, c, date_kind)}


def _metric_names(b: Backend, source: str, col: str, kind: str) -> None:
    """The relations ``ssi_metric_names(name_written, name_read)``, each distinct metric cell
    as written and its name as ``load_data`` reads it (normalised: read once per distinct cell,
    not per row), and ``ssi_metrics(metric, mi)``, the catalogue and each metric's code."""
    d = b.dialect
    name = normalise_name_sql(_clean_text(d, "w", "text"), d)
    b.table("ssi_names_read", f"SELECT w AS name_written, {name} AS name_read FROM "
            f"(SELECT DISTINCT {_text_of(d, d.ident(col), kind)} AS w FROM {source}) s "
            "WHERE w IS NOT NULL")
    b.put("ssi_catalogue", pd.DataFrame({"metric": CATALOGUE,
                                         "mi": np.arange(len(CATALOGUE), dtype=np.int64)}),
          {"metric": "TEXT", "mi": "BIGINT"})
    kind_of = b.name_type()
    cast = (lambda x: f"CAST({x} AS {kind_of})") if kind_of else (lambda x: x)
    b.table("ssi_metric_names", f"SELECT name_written, {cast('name_read')} AS name_read "
            "FROM ssi_names_read")
    b.table("ssi_metrics", f"SELECT {cast('metric')} AS metric, mi FROM ssi_catalogue")


def _named(source: str, metric_col: str, metric_kind: str, d: Dialect) -> str:
    """The activity rows with each metric cell's name as read (``n.name_read``)."""
    return (f"{source} s LEFT JOIN ssi_metric_names n ON n.name_written = "
            f"{_text_of(d, 's.' + d.ident(metric_col), metric_kind)}")


def _typed_sql(d: Dialect, rows: str, cells: dict[str, str], percent: frozenset[str]) -> str:
    """Every activity row's cells typed (:func:`_cells`), with ``<column>_unread`` (a cell
    given but not read): the relation the rules' SQL reads. ``percent``: level metrics on a
    0-100 scale, divided by 100 (:func:`ssi_analysis.io.percent_scale`)."""
    c = cells
    inner = (f"SELECT _file, _row, {c['rep_id']} AS rep_id, {c['metric']} AS metric, "
             f"{c['value']} AS value, {c['value_missing']} AS value_missing, "
             f"{c['value_raw']} AS value_raw, {c['date_raw']} AS date_raw, {c['date']} AS date, "
             f"{c['date_given']} AS date_given, {c['is_header']} AS is_header, "
             f"{c['header_value']} AS header_value FROM {rows}")
    value = "value"
    if percent:
        value = (f"CASE WHEN metric IN ({d.names(percent)}) AND value >= 0 AND "
                 f"{d.isfinite('value')} THEN value / {d.num(100.0)} ELSE value END")
    return (f"SELECT _file, _row, rep_id, metric, {value} AS value, value_raw, date_raw, date, "
            "is_header, header_value, NOT value_missing AND value IS NULL AS value_unread, "
            f"date_given AND date IS NULL AS date_unread FROM ({inner}) i")


def _checked_sql(d: Dialect, typed: str, universe: str, *, rep_fix: str | None = None) -> str:
    """Every typed activity row checked by the rules of long-form activity
    (:func:`ssi_analysis.io.checks.activity_rules`, the rules ``load_data`` checks): ``bad``
    (a rule broken).

    Adds ``rep`` (the rep's position in ``universe``, NULL for an unknown rep) and ``mi`` (the
    metric's position in the catalogue). ``rep_fix(raw, rep, rep_id, shared)``: the ids
    of the activity that match no rep exactly and the rep each is read as (an id in another
    letter case or without its leading zeros, :func:`ssi_analysis.io.id_key`), or ``shared``
    when several reps fit; adds ``repaired_to`` (that rep's id) and ``shared_key``.
    """
    coded = (f"SELECT t.*, mt.mi FROM ({typed}) t "
             "LEFT JOIN ssi_metrics mt ON mt.metric = t.metric")
    bad = f"(is_header OR {screen_sql(activity_rules(), d)})"  # a repeated header: not data
    flagged = f"SELECT c.*, {bad} AS bad FROM ({coded}) c"
    if rep_fix is None:
        return (f"SELECT e.*, u.rep, CAST(NULL AS {d.text_type}) AS repaired_to, "
                f"false AS shared_key FROM ({flagged}) e "
                f"LEFT JOIN {universe} u ON u.rep_id = e.rep_id")
    return (f"SELECT e.*, coalesce(u.rep, f.rep) AS rep, f.rep_id AS repaired_to, "
            f"coalesce(f.shared, false) AS shared_key FROM ({flagged}) e "
            f"LEFT JOIN {universe} u ON u.rep_id = e.rep_id "
            f"LEFT JOIN {rep_fix} f ON f.raw = e.rep_id")


def _problems(d: Dialect, header_column: str) -> dict[str, str]:
    """SQL of a bad row's problems, in the order ``load_data`` gives them: the first broken
    rule's ``column``, ``kind`` and ``fix``, the first value shown (``value``) and every
    broken rule's reason (``reason``, joined by ``; ``). A row that repeats the header is not
    data: that is its one reason (as ``load_data`` says), on ``header_column`` (the first)."""
    rules = [(f"coalesce({r.sql_in(d)}, false)", r) for r in activity_rules()]
    header = KINDS["repeated_header"]

    def first(of, on_header: str) -> str:
        return (f"CASE WHEN is_header THEN {on_header} "
                + " ".join(f"WHEN {hit} THEN {of(r)}" for hit, r in rules) + " END")

    value = "coalesce(" + ", ".join(f"CASE WHEN {hit} THEN {r.shown_sql(d)} END"
                                    for hit, r in rules) + ")"
    reason = "concat_ws('; ', " + ", ".join(f"CASE WHEN {hit} THEN {r.reason_sql(d)} END"
                                            for hit, r in rules) + ")"
    return {"column": first(lambda r: d.text(r.column), d.text(header_column)),
            "kind": first(lambda r: d.text(r.label), d.text(header.label)),
            "fix": first(lambda r: d.text(r.fix), d.text(header.fix)),
            "value": f"CASE WHEN is_header THEN header_value ELSE {value} END",
            "reason": f"CASE WHEN is_header THEN {d.text(HEADER_ROW)} ELSE {reason} END"}


def activity_columns(b: Backend, source: str, files: list[str], shown: str, notes: list[str]
                     ) -> dict[str, tuple[str, str]]:
    """The activity's columns by normalised name: ``(name as written, kind)``, in the file's
    order; as ``load_data`` does, a repeated name (in any file, after normalising: ``Value``
    beside ``value``) stops the run, and so do missing columns (said by
    :func:`~ssi_analysis.io.checks.activity_form`; a wide table is for the pandas engine) and
    totals over periods; other columns are noted."""
    try:
        import pyarrow.parquet as pq

        for f in files:            # an engine may rename or refuse repeats: ask the files
            if Path(f).is_file():  # (a URI is the cluster's to read)
                check_distinct_columns([normalise_name(n) for n in pq.read_schema(f).names],
                                       shown)
        described = [(n, k) for n, k in b.describe(source) if n not in ("_file", "_row")]
    except SSIInputError:
        raise
    except Exception as exc:
        raise SSIInputError(f"cannot read the Parquet activity ({type(exc).__name__}: "
                            f"{str(exc).strip().splitlines()[0]})", file=shown,
                            fix="check that the files are valid, uncorrupted Parquet") from None
    columns = {normalise_name(n): (n, k) for n, k in described}
    check_distinct_columns([normalise_name(n) for n, _ in described], shown)
    if "period_start" in columns and "date" not in columns:
        raise SSIInputError(
            "totals over periods (period_start, period_end): the Parquet engine reads dated "
            "rows, and the column date missing", file=shown, column="date",
            fix="totals over periods are spread over their days when loaded: score them "
                f"with score(load_data(folder).activity, ..., engine='{b.name}')"
                + (" (the command line's score --engine duckdb does)" if b.name == "duckdb"
                   else " (or on the command line with score --engine duckdb)"))
    if activity_form(list(columns), shown) == "wide":
        raise SSIInputError(
            f"a wide activity table (a column per metric): the {b.name} engine reads the long "
            "form (rep_id, date, metric, value)", file=shown,
            fix="use --engine pandas for wide tables, or write the activity in long form")
    extra = [c for c in columns if c not in ("rep_id", "date", "metric", "value")]
    if extra:
        notes.append(extra_columns_note(shown, extra))
    return columns


def _date_order(b: Backend, source: str, col: str, kind: str, shown: str) -> str | None:
    """Day-first or month-first for text dates that are not ISO, decided as ``parse_dates``
    decides (:func:`ssi_analysis.io.cells.dates.reads_day_first`)."""
    d = b.dialect
    t = _clean_text(d, col, kind)
    _, day, month = _text_dates(d, "t")
    n, n_day, n_month, ambiguous, slash, example = b.first(f"""
        SELECT count(*), count(df), count(mf), bool_or(df IS NOT NULL AND mf IS NOT NULL
               AND df <> mf), bool_and(instr(t, '/') > 0),
               {d.arg_min('t', 'CASE WHEN df <> mf THEN 0 ELSE 1 END')}
        FROM (SELECT t, {day} AS df, {month} AS mf FROM (SELECT {t} AS t FROM {source}) a
              WHERE t IS NOT NULL AND NOT {d.matches('t', '^' + ISO_DATE_TEXT)}) b""")
    if not n:
        return None
    first = reads_day_first(n_day, n_month, all_slashes=bool(slash),
                            example=example if ambiguous else None, file=shown, column="date")
    return "day" if first else "month"


def check_rows(b: Backend, bar: Progress, source: str, files: list[str], shown: str,
               columns: dict[str, tuple[str, str]], universe_ids: pd.Index
               ) -> tuple[list[str], str | None]:
    """Create the view ``ssi_checked`` (every activity row typed and checked) and the table
    ``ssi_rejected`` (the rows rejected, with their reasons, kinds and fixes, as
    ``load_data`` rejects them); returns the warnings of the repairs made and the rep_fix
    relation (ids read as another rep's), if any.

    ``source`` has the activity's columns, ``_file`` (which of ``files`` a row is in) and
    ``_row`` (its position there); ``ssi_files(_file, file_no, name)`` gives each file's order
    and how the rejects name it."""
    d = b.dialect
    date_col, date_kind = columns["date"]
    tz = column_tz(files, date_col) if date_kind == "timestamptz" else "UTC"
    order = None
    if date_kind not in ("date", "timestamp", "timestamptz"):
        order = _date_order(b, source, d.ident(date_col), date_kind, shown)
    _metric_names(b, source, *columns["metric"])
    cells = _cells(d, columns, order, tz)
    first, (written, kind) = next(iter(columns.items()))
    cells["is_header"] = _header_row_sql(b, source, columns)
    cells["header_value"] = _raw_text(d, "s." + d.ident(written), kind)
    rows = _named(source, *columns["metric"], d)
    percent, warnings, rep_fix = _before_checks(b, rows, cells, shown, universe_ids)
    checked = _checked_sql(d, _typed_sql(d, rows, cells, frozenset(percent)), "ssi_universe",
                           rep_fix=rep_fix)
    b.reused("ssi_checked", checked)

    bar.step("checking rows")
    p = _problems(d, first)
    unknown = KINDS["not_in_reps"]
    b.table("ssi_rejected", f"""
        SELECT CASE WHEN bad THEN 0 ELSE 1 END AS stage, f.file_no, c._row,
               'activity' AS {d.ident('table')}, f.name AS file, c._row + 1 AS {d.ident('row')},
               CASE WHEN is_header THEN NULL ELSE c.rep_id END AS rep_id,
               CASE WHEN bad THEN {p['column']} ELSE 'rep_id' END AS {d.ident('column')},
               CASE WHEN bad THEN {p['value']} ELSE c.rep_id END AS {d.ident('value')},
               CASE WHEN bad THEN {p['reason']} ELSE {d.fill(NOT_IN_REPS, value='c.rep_id')}
                    || CASE WHEN shared_key THEN {d.text(SHARED_KEY_HINT)} ELSE '' END END
                   AS reason,
               CASE WHEN bad THEN {p['kind']} ELSE {d.text(unknown.label)} END AS kind,
               CASE WHEN bad THEN {p['fix']} ELSE {d.text(unknown.fix)} END AS fix
        FROM (SELECT * FROM ssi_checked WHERE bad OR rep IS NULL) c
        JOIN ssi_files f ON f._file = c._file""", bar)
    return warnings, rep_fix


def _header_row_sql(b: Backend, source: str, columns: dict[str, tuple[str, str]]) -> str:
    """SQL of "the row repeats the header" (:func:`~ssi_analysis.io.read.headers.header_row_sql`),
    tested only on rows whose first cell reads as its column's name. Those cells are found
    once among the first column's distinct values, so the names are not normalised (regular
    expressions) cell by cell: on most files no cell qualifies and the test is ``false``."""
    d = b.dialect
    cells = [(c, _text_of(d, "s." + d.ident(w), k)) for c, (w, k) in columns.items()]
    name, first = cells[0]
    written = [w for (w,) in b.rows(
        f"SELECT w FROM (SELECT DISTINCT {first} AS w FROM {source} s) t "
        f"WHERE {normalise_name_sql('w', d)} = {d.text(name)} ORDER BY w")]
    if not written:
        return "false"
    return (f"CASE WHEN {first} IN ({', '.join(map(d.text, written))}) "
            f"THEN {header_row_sql(cells, d)} ELSE false END")


def _before_checks(b: Backend, rows: str, cells: dict[str, str], shown: str,
                   universe_ids: pd.Index) -> tuple[set[str], list[str], str | None]:
    """One cheap pass over the ids and the levels, before the rows are checked: levels written
    as percentages (read as such, with a warning), and ids that match no rep exactly (read as
    another rep's where one fits: the relation ``ssi_rep_fix``)."""
    d = b.dialect
    level_stats = [
        f"max(v) FILTER (WHERE m = {d.text(m)} AND {d.isfinite('v')} AND v >= 0), "
        f"count(*) FILTER (WHERE m = {d.text(m)} AND v > 0 AND v < 1), "
        f"count(*) FILTER (WHERE m = {d.text(m)})" for m in sorted(LEVEL_METRICS)]
    seen = b.first(f"SELECT {d.distinct_list('r')}, {', '.join(level_stats)} FROM "
                   f"(SELECT {cells['rep_id']} AS r, {cells['metric']} AS m, "
                   f"{cells['value']} AS v FROM {rows}) x")
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
    b.put("ssi_rep_fix", pd.DataFrame({
        "raw": [r for r, _ in fix],
        "rep": [universe_ids.get_loc(to) if to is not None else None for _, to in fix],
        "rep_id": [to for _, to in fix], "shared": [to is None for _, to in fix]},
        dtype=object), {"raw": "TEXT", "rep": "BIGINT", "rep_id": "TEXT", "shared": "BOOLEAN"})
    return percent, warnings, "ssi_rep_fix"


# ------------------------------------------------------------------ totals, counts, notes
def daily_totals(b: Backend, bar: Progress, rep_fix: str | None
                 ) -> tuple[int, object, object, set[str], tuple[int, str, str] | None]:
    """The table ``ssi_daily``: the rows used (not rejected, of a known rep) totalled per rep,
    day and metric. Returns the rows used, the first and last dates, the metrics present and,
    when ids were read as another rep's, ``(rows, an id as written, the rep it was read as)``."""
    d = b.dialect
    codes = {m: i for i, m in enumerate(CATALOGUE)}
    counts = [m for m in CATALOGUE if m not in LEVEL_METRICS]
    levels = [m for m in CATALOGUE if m in LEVEL_METRICS]
    repaired = ["count(*) FILTER (WHERE repaired_to IS NOT NULL) AS n_fixed",
                "min(rep_id) FILTER (WHERE repaired_to IS NOT NULL) AS fixed_from",
                f"{d.arg_min('repaired_to', 'rep_id')} FILTER (WHERE repaired_to IS NOT NULL) "
                "AS fixed_to"] if rep_fix else []
    lowest = [f"min(value) FILTER (WHERE mi = {codes[m]}) AS {d.ident('lo:' + m)}"
              for m in levels]                      # a level given twice a day: its span
    b.table("ssi_daily", pivot_sql(
        "ssi_checked", codes, counts=counts, levels=levels,
        active_codes=[codes[m] for m in counts], where="NOT bad AND rep IS NOT NULL",
        extra=[*repaired, *lowest], dialect=d), bar)
    fixed = None
    if rep_fix:
        n_fixed, fixed_from, fixed_to = b.first(
            f"SELECT coalesce(sum(n_fixed), 0), min(fixed_from), "
            f"{d.arg_min('fixed_to', 'fixed_from')} FROM ssi_daily")
        if n_fixed:
            fixed = (int(n_fixed), fixed_from, fixed_to)
    n_used, first, last, bits = b.first(
        "SELECT coalesce(sum(n), 0), min(date), max(date), bit_or(present) FROM ssi_daily")
    present = {m for m, i in codes.items() if bits is not None and (int(bits) >> i) & 1}
    return int(n_used), first, last, present, fixed


def level_warnings(b: Backend, shown: str) -> list[str]:
    """The warning of levels given different values for one rep on one day, as ``load_data``
    gives it (:func:`ssi_analysis.io.tables.activity.level_conflicts`), from ``ssi_daily``."""
    d = b.dialect
    out = []
    for m in sorted(LEVEL_METRICS):
        lo, hi = d.ident("lo:" + m), level_column(m, d)
        found = b.rows(
            f"SELECT count(*) OVER (), u.rep_id, x.date, x.{lo}, x.{hi} FROM ssi_daily x JOIN "
            f"ssi_universe u ON u.rep = x.rep WHERE x.{lo} < x.{hi} ORDER BY x.rep, x.date "
            "LIMIT 1")
        if found:
            n, rep, day, low, high = found[0]
            out.append(level_conflict_warning(shown, m, int(n), rep, day, low, high))
    return out


def quality_of(b: Backend, quality: QualityReport, shown: str, n_read: int, n_used: int,
               n_rejected: int, notes: list[str]) -> QualityReport:
    """The reps' report plus the activity's counts: every rejected row counted by kind in
    SQL, the first ones kept (all of them go to the rejects file)."""
    d = b.dialect
    kinds = {k: int(n) for k, n in b.rows(
        "SELECT kind, count(*) FROM ssi_rejected GROUP BY kind")}
    cols = ", ".join(d.ident(c) for c in [*REJECT_COLUMNS, "kind", "fix"])
    kept = b.frame(f"SELECT {cols} FROM ssi_rejected ORDER BY stage, file_no, _row "
                   f"LIMIT {REJECTS_KEPT}")
    kept = kept.astype({"row": "int64"}) if len(kept) else kept
    rejects = [r for r in (quality.rejects, kept) if not r.empty]
    report = QualityReport(tables=dict(quality.tables), notes=list(notes),
                           rejects=(pd.concat(rejects, ignore_index=True) if rejects
                                    else quality.rejects), flags=quality.flags,
                           warnings=list(quality.warnings), id_repairs=dict(quality.id_repairs))
    report.tables["activity"] = TableQuality("activity", shown, n_read, n_used, n_rejected,
                                             rejected_kinds=kinds)
    if n_rejected > REJECTS_KEPT:
        report.notes.append(f"{shown}: {n_rejected} rows rejected; the first {REJECTS_KEPT} "
                            "are kept in memory, all of them are in the rejects file")
    return report


def activity_notes(b: Backend, quality: QualityReport, shown: str, present: set[str]) -> None:
    """The notes of the activity: metric names not known, metrics absent from the data."""
    d = b.dialect
    unknown = sorted(b.first(f"SELECT {d.distinct_list('metric')} FROM ssi_checked WHERE bad "
                             f"AND NOT is_header AND metric NOT IN ({d.names(METRICS)})")[0] or [])
    if unknown:
        quality.notes.append(unknown_metrics_note(shown, unknown))
    absent = absent_metrics(present)
    if absent:
        quality.notes.append(absent_metrics_note(shown, absent))


def stop(quality: QualityReport, shown: str, n_read: int, n_used: int, n_rejected: int,
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


# ------------------------------------------------------------------ reps and scores
def put_universe(b: Backend, universe: pd.Index, labels: RepLabels) -> tuple[bool, bool]:
    """The relation ``ssi_universe(rep, rep_id, industry, team, cohort)``: every rep by its
    position, with the labels every engine groups by. Returns whether industry and team
    exist."""
    cohort = (labels.cohort.to_numpy(dtype=object) if labels.cohort is not None
              else np.full(len(universe), "all", dtype=object))
    frame = pd.DataFrame({"rep": np.arange(len(universe), dtype=np.int64),
                          "rep_id": universe.to_numpy(dtype=object), "cohort": cohort})
    for (col, _), label in zip(RANKS, labels.ranks, strict=True):
        frame[col] = (label.to_numpy(dtype=object) if label is not None
                      else np.full(len(frame), None, dtype=object))
    b.put("ssi_universe", frame[["rep", "rep_id", "industry", "team", "cohort"]],
          {"rep": "BIGINT", "rep_id": "TEXT", "industry": "TEXT", "team": "TEXT",
           "cohort": "TEXT"})
    return labels.ranks[0] is not None, labels.ranks[1] is not None


def as_pandas_output(out: pd.DataFrame) -> pd.DataFrame:
    """The column types the pandas engine gives: text ids, datetime64[ns] dates, floats."""
    frame = pd.DataFrame({"rep_id": out["rep_id"].to_numpy(dtype=object),
                          "date": pd.to_datetime(out["date"]).to_numpy().astype("datetime64[ns]")})
    for col in out.columns[2:]:
        frame[col] = out[col].to_numpy(dtype=float)
    return frame


def score_frames(b: Backend, p: Prepared, details: bool) -> pd.DataFrame:
    """``score(..., engine=...)``: the prepared inputs scored in SQL (the scores table)."""
    spec, act = p.spec, p.act
    d = b.dialect
    codes = {m: i for i, m in enumerate(p.metric_names) if isinstance(m, str)}
    b.put("ssi_act", pd.DataFrame({
        "rep": p.activity_reps(), "date": pd.to_datetime(act["date"].to_numpy()).normalize(),
        "mi": p.metric_codes.astype(np.int64), "value": act["value"].to_numpy(dtype=float)}),
        {"rep": "BIGINT", "date": "DATE", "mi": "BIGINT", "value": "DOUBLE"})
    active = set(spec.active_from)
    b.table("ssi_daily", pivot_sql(
        "ssi_act", codes, counts=spec.counts, levels=spec.levels,
        active_codes=[codes[m] for m in sorted(active & set(codes))]
        if spec.needs_active else None, dialect=d))
    ranks = put_universe(b, p.universe, p.labels)
    t_day = p.t_day
    b.put("ssi_targets", pd.DataFrame({
        "rep": p.t_rep.astype(np.int64), "date": t_day.astype("datetime64[ns]"),
        "ord": np.arange(len(t_day), dtype=np.int64)}),
        {"rep": "BIGINT", "date": "DATE", "ord": "BIGINT"})
    day0 = t_day.min() - np.timedelta64(spec.window - 1, "D")
    sql = scoring_sql(spec, daily="ssi_daily", universe="ssi_universe", targets="ssi_targets",
                      grid_reps="(SELECT DISTINCT rep FROM ssi_targets)", day0=day0,
                      last=t_day.max(), ranks=ranks, details=details, dialect=d)
    return as_pandas_output(b.frame(sql))


def rejects_sql(b: Backend, quality: QualityReport, salt: str | None) -> str:
    """The query of every rejected row (the reps' from ``load_reps``, then the activity's) as
    :func:`~ssi_analysis.outputs.write_table` writes the pandas engine's: formulas defused, and
    with a ``salt`` the ids pseudonymised as :class:`~ssi_analysis.privacy.Pseudonyms` does."""
    d = b.dialect
    q = d.ident
    reps = quality.rejects[quality.rejects["table"] == "reps"] if not quality.rejects.empty \
        else pd.DataFrame(columns=REJECT_COLUMNS)
    if salt is not None:
        reps = Pseudonyms(salt).rejects(reps)
    reps = reps[REJECT_COLUMNS].astype({"row": "int64"}).astype(
        {c: object for c in REJECT_COLUMNS if c != "row"})
    b.put("ssi_reps_rejects", reps, {c: "BIGINT" if c == "row" else "TEXT"
                                     for c in REJECT_COLUMNS})
    cols = ", ".join(q(c) for c in REJECT_COLUMNS)
    source = (f"(SELECT 0 AS part, 0 AS stage, 0 AS file_no, {q('row')} AS _row, {cols} "
              f"FROM ssi_reps_rejects UNION ALL SELECT 1, stage, file_no, _row, {cols} "
              "FROM ssi_rejected)")
    if salt is not None:
        ids = b.rows("SELECT DISTINCT rep_id FROM ssi_rejected WHERE rep_id IS NOT NULL")
        b.put("ssi_aliases", pd.DataFrame(
            {"rep_id": [r for (r,) in ids], "alias": [pseudonym(r, salt=salt) for (r,) in ids]},
            dtype=object), {"rep_id": "TEXT", "alias": "TEXT"})
        quote = d.text("'")
        source = (f"(SELECT r.part, r.stage, r.file_no, r._row, r.{q('table')}, r.file, "
                  f"r.{q('row')}, CASE WHEN r.part = 0 THEN r.rep_id ELSE a.alias END AS rep_id, "
                  f"r.{q('column')}, CASE WHEN r.part = 1 AND r.{q('column')} = 'rep_id' "
                  f"THEN a.alias ELSE r.{q('value')} END AS {q('value')}, "
                  f"CASE WHEN r.part = 1 AND a.alias IS NOT NULL THEN replace(r.reason, "
                  f"{quote} || r.rep_id || {quote}, {quote} || a.alias || {quote}) "
                  f"ELSE r.reason END AS reason "
                  f"FROM {source} r LEFT JOIN ssi_aliases a ON a.rep_id = r.rep_id)")
    shown = ", ".join(q(c) if c == "row" else f"{defuse_sql(d, q(c))} AS {q(c)}"
                      for c in REJECT_COLUMNS)
    return f"SELECT {shown} FROM {source} s ORDER BY part, stage, file_no, _row"


_FORMULA = r"^[=+\-@\t\r]"
"""A text a spreadsheet runs as a formula (:data:`ssi_analysis.outputs.FORMULA_START`)."""


def defuse_sql(d: Dialect, expr: str) -> str:
    """SQL of :func:`ssi_analysis.outputs.defuse` for one text: a cell a spreadsheet would run
    as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return first), unless it reads as a
    number, prefixed with a single quote."""
    return (f"CASE WHEN {d.matches(expr, _FORMULA)} AND NOT {d.matches(expr, NUMBER_TEXT)} "
            f"THEN {d.text(chr(39))} || {expr} ELSE {expr} END")


@dataclass
class Run:
    """A run from files, as the backends' entry points set it up."""

    backend: Backend
    bar: Progress
    config: ScoringConfig
    folder: Path
    reps: pd.DataFrame
    quality: QualityReport
    source: str
    files: list[str]
    shown: str


def score_files(run: Run, *, asof: object, daily: bool, strict: bool, salt: str | None,
                output: str | None = None, timestamps: bool | None = None
                ) -> tuple[ParquetScores, str | None]:
    """Check, total and score the activity of ``run.source`` (see the module docstring).

    Returns what was done and, for an ``output`` (``"parquet"`` or ``"csv"``), the query of
    the scores to write (dates as timestamps for Parquet unless ``timestamps`` is false, ids
    defused for a CSV); without one
    the scores are in memory (``.scores``). ``ssi_files(_file, file_no, name)`` must exist:
    each file as ``_file`` holds it, its order and how the rejects name it.
    """
    with counts_on_stop(run.quality):           # a run that stops still says what it read
        return _score_files(run, asof=asof, daily=daily, strict=strict, salt=salt,
                            output=output, timestamps=timestamps)


def _score_files(run: Run, *, asof: object, daily: bool, strict: bool, salt: str | None,
                 output: str | None, timestamps: bool | None
                 ) -> tuple[ParquetScores, str | None]:
    csv = output == "csv"
    b, bar, config, quality = run.backend, run.bar, run.config, run.quality
    d = b.dialect
    notes = list(quality.notes)
    columns = activity_columns(b, run.source, run.files, run.shown, notes)

    # every rep, as integer positions; their industry, team and cohort labels
    universe_ids = pd.Index(pd.unique(run.reps["rep_id"].astype(str))).sort_values()
    rep_info = run.reps.assign(rep_id=run.reps["rep_id"].astype(str)).set_index("rep_id")
    labels = rep_labels(universe_ids, rep_info, config)
    ranks = put_universe(b, universe_ids, labels)

    # 1. the rejected rows, and their reasons
    warnings, rep_fix = check_rows(b, bar, run.source, run.files, run.shown, columns,
                                   universe_ids)
    n_read = int(b.first(f"SELECT count(*) FROM {run.source}")[0])
    n_rejected = int(b.first("SELECT count(*) FROM ssi_rejected")[0])

    # 2. the used rows, totalled per rep, day and metric
    bar.step("totalling days")
    n_used, first, last, present, fixed = daily_totals(b, bar, rep_fix)
    if fixed:
        warnings.append(repair_warning(run.shown, *fixed))
    if n_read != n_used + n_rejected:  # a bug, not a user error
        raise RuntimeError(f"row accounting broken: {n_read} != {n_used} + {n_rejected}")

    quality = quality_of(b, quality, run.shown, n_read, n_used, n_rejected, notes)
    quality.warnings.extend(warnings)
    quality.warnings.extend(level_warnings(b, run.shown))
    if fixed:
        quality.id_repairs[fixed[1]] = fixed[2]
    activity_notes(b, quality, run.shown, present)
    stop(quality, run.shown, n_read, n_used, n_rejected, strict)

    # 3. the scores
    bar.step("scoring")
    with counts_on_stop(quality, run.shown):
        spec = ScoringSpec.build(config, present=present, any_rows=n_used > 0)
        dates = pd.Series([first, last], dtype="datetime64[ns]") if n_used else \
            pd.Series([], dtype="datetime64[ns]")
        days = target_days(dates, asof=asof, daily=daily)
    score_notes = [*spec.notes, *labels.notes]
    b.view("ssi_targets", f"SELECT u.rep, g.d AS date, 0 AS ord FROM ssi_universe u "
                          f"CROSS JOIN {d.days(d.day(days[0]), d.day(days[-1]))} g")
    universe = "ssi_universe"
    if csv or salt is not None:   # the ids as written: pseudonyms, formulas defused in a CSV
        shown_ids = pd.Series(universe_ids.to_numpy(dtype=object))
        if salt is not None:
            shown_ids = shown_ids.map(lambda v: pseudonym(v, salt=salt))
        b.put("ssi_shown_ids", pd.DataFrame({"rep": np.arange(len(shown_ids), dtype=np.int64),
                                             "shown": shown_ids.to_numpy(dtype=object)}),
              {"rep": "BIGINT", "shown": "TEXT"})
        shown = defuse_sql(d, "s.shown") if csv else "s.shown"
        b.table("ssi_universe_shown", f"SELECT u.rep, u.rep_id, u.industry, u.team, u.cohort, "
                                      f"{shown} AS shown FROM ssi_universe u "
                                      "JOIN ssi_shown_ids s ON s.rep = u.rep")
        universe = "ssi_universe_shown"
    sql = scoring_sql(spec, daily="ssi_daily", universe=universe, targets="ssi_targets",
                      grid_reps="ssi_universe",
                      day0=days[0] - np.timedelta64(spec.window - 1, "D"), last=days[-1],
                      ranks=ranks, timestamps=output == "parquet" if timestamps is None
                      else timestamps,
                      shown_id="shown" if universe != "ssi_universe" else "rep_id", dialect=d)
    result = ParquetScores(quality, len(universe_ids) * len(days), len(universe_ids),
                           score_notes, first_date=pd.Timestamp(first) if n_used else None,
                           last_date=pd.Timestamp(last) if n_used else None,
                           metrics=frozenset(present))
    if output is None:
        result.scores = Scores(as_pandas_output(b.frame(sql, bar)), notes=tuple(score_notes),
                               config=config)
        return result, None
    return result, sql


def any_rejects(result: ParquetScores) -> bool:
    """Whether a run has rejected rows to write (the reps' or the activity's)."""
    return bool(result.rows_rejected) or not result.quality.rejects.empty


# ------------------------------------------------------------------ a run's start and end
def open_run(data: str | Path, *, activity: object, out: str | Path | None, inputs: list,
             anonymize: bool, salt: str | None, engine: str, find_activity: bool = True
             ) -> tuple[Path, pd.DataFrame, QualityReport, list[str], str, str | None]:
    """What every run from files does first: the data folder, its reps loaded and checked as
    :func:`~ssi_analysis.io.load_data` does (:func:`~ssi_analysis.io.load_reps`), the
    activity's files and their name in messages (none when not ``find_activity``: the
    activity is elsewhere); ``out`` may not overwrite an input or become a table of the
    folder; the salt of pseudonyms (``None`` unless ``anonymize``)."""
    folder = resolve_data_dir(data)
    check_data_folder(folder)
    reps, quality = load_reps(folder)
    with counts_on_stop(quality):               # a run that stops still says what it read
        files, shown = activity_files(folder, activity, engine) if find_activity else \
            ([], "activity")
    if out is not None:
        read = [*(p for p in folder.iterdir() if p.is_file()), *map(Path, files), *inputs]
        for path in (Path(out), rejects_path(Path(out))):
            refuse_overwriting_inputs(path, read, folder=folder)
    if anonymize:
        salt = salt or default_salt(find_table_file(folder, "reps"))
    return folder, reps, quality, files, shown, salt if anonymize else None


def rejects_path(out: Path) -> Path:
    """Where the rejected rows go beside the scores: ``<name>.rejects.csv``."""
    return out.with_name(f"{out.stem}.rejects.csv")


def put_files(b: Backend, keys: list[object], files: list[str], folder: Path, shown: str) -> None:
    """The relation ``ssi_files(_file, file_no, name)``: each file as the source's ``_file``
    holds it (``keys``), its order and how the rejects name it (:func:`file_names`)."""
    b.put("ssi_files", pd.DataFrame({"_file": keys, "file_no": np.arange(len(files),
                                                                          dtype=np.int64),
                                     "name": file_names(files, folder, shown)}, dtype=object),
          {"_file": "TEXT", "file_no": "BIGINT", "name": "TEXT"})


def write_outputs(b: Backend, result: ParquetScores, sql: str, out: Path, *, daily: bool,
                  salt: str | None, bar: Progress) -> ParquetScores:
    """The scores written to ``out`` and the rejected rows beside it (a stale rejects file of
    an earlier run removed: it would mislead)."""
    result.out = b.write(sql, out, csv=out.suffix.lower() == ".csv", daily=daily, bar=bar)
    rejects = rejects_path(out)
    if any_rejects(result):
        result.rejects_path = b.write(rejects_sql(b, result.quality, salt), rejects, csv=True,
                                      daily=False, bar=None)
    elif rejects.exists():
        rejects.unlink()
    return result
