"""The input contract: how names are read, the metric catalogue, and every table's row rules.

Each table's columns and row rules (:data:`TABLE_RULES`, rules of :mod:`ssi_analysis.rules`)
make its pandera schema (``RepsSchema``, ``ActivitySchema``...: a check per rule, whose
``error`` is the rule's key), the vectorised screen the loader runs on millions of rows, and
the checks the SQL engines run. The loaders in :mod:`ssi_analysis.io` turn raw files
into typed frames and validate them with ``lazy=True``, so every failing row is found in one
pass. Row-level failures become rejected rows with a reason, its kind and its fix; table-level
ones (a missing column, duplicate ``rep_id``) stop the run with
:class:`~ssi_analysis.errors.SSIInputError`.

Examples
--------
>>> METRICS["posts"]
'brand'
>>> sorted(LEVEL_METRICS)
['profile_completeness']
>>> [t.name for t in TABLES.values()]
['reps', 'activity', 'outcomes', 'ssi_observed', 'opportunities', 'quotas']
>>> OBSERVED_FIELD_ALIASES["professional_brand"], OBSERVED_FIELD_ALIASES["overall"]
('brand', 'ssi')
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .dialects import DUCKDB, Dialect
from .rules import (
    KINDS,
    Cells,
    Rule,
    above_zero,
    at_least,
    at_most,
    finite,
    floats,
    isin_array,
    missing,
    not_empty,
    one_of,
)

PANDERA_SPARK_ENV = ("SPARK_LOCAL_IP", "PYARROW_IGNORE_TIMEZONE")
"""The environment variables importing pandera sets for pandas-on-Spark (pandera's issues
1473 and 2344), put back as they were after it is imported here."""


@contextlib.contextmanager
def pandas_on_spark_declined() -> Iterator[None]:
    """``pyspark.pandas`` not imported while the block runs: ``None`` stands in
    ``sys.modules`` for it (Python's way to decline one import: it fails with ImportError,
    which pandera expects when pyspark is absent). One already imported is left as it is.

    pandera imports ``pyspark.pandas`` when pyspark is installed (the spark extra), on its own
    import and, once pyspark is imported (the spark engine), on a first validation (its
    built-in checks). pandas-on-Spark is not used here: its import costs time and warns that
    it does not support pandas 3 (under which it fails to import anyway).
    """
    declined = "pyspark.pandas" not in sys.modules
    if declined:
        sys.modules["pyspark.pandas"] = None
    try:
        yield
    finally:
        if declined and sys.modules.get("pyspark.pandas", "") is None:
            del sys.modules["pyspark.pandas"]


def _import_pandera():
    """``pandera.pandas``, imported without what pandera's package import does for pyspark:
    ``pyspark.pandas`` declined (:func:`pandas_on_spark_declined`; with it pyspark's import,
    0.1 s warm, more on a cold disk) and :data:`PANDERA_SPARK_ENV` put back as it was
    (pandera's ``external_config``, run by its package ``__init__`` with no setting to turn it
    off, sets ``SPARK_LOCAL_IP=127.0.0.1``: a Spark driver bound to localhost, which a
    cluster's executors cannot reach)."""
    env = {name: os.environ.get(name) for name in PANDERA_SPARK_ENV}
    try:
        with pandas_on_spark_declined():
            import pandera.pandas as pandera_pandas
    finally:
        for name, value in env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return pandera_pandas


pa = _import_pandera()


def normalise_name(name: object) -> str:
    """How a column, metric or field name in a file is read: lower case, spaces, hyphens,
    slashes and dots as ``_``, a byte-order mark and surrounding ``_`` removed.

    >>> normalise_name(" Profile Completeness "), normalise_name("Close-Date"), normalise_name("a/b.c")
    ('profile_completeness', 'close_date', 'a_b_c')
    """
    text = str(name).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-/.]+", "_", text).strip("_")


def normalise_name_sql(expr: str, dialect: Dialect = DUCKDB) -> str:
    """:func:`normalise_name` in SQL (in ``dialect``, DuckDB's by default), of a text
    expression.

    >>> import duckdb
    >>> duckdb.sql("SELECT " + normalise_name_sql(DUCKDB.text(" Close-Date "))).fetchall()
    [('close_date',)]
    """
    d = dialect
    no_bom = f"replace({expr}, {d.text(chr(0xFEFF))}, '')"
    return d.replace_all(d.replace_all(f"lower({d.strip(no_bom)})", r"[\s\-/.]+", "_"),
                         "^_+|_+$", "")


# ------------------------------------------------------------------ the metric catalogue
METRICS: dict[str, str] = {
    # establish a professional brand
    "profile_completeness": "brand",
    "posts": "brand",
    "articles": "brand",
    "post_views": "brand",
    "followers_gained": "brand",
    "endorsements_received": "brand",
    "recommendations_received": "brand",
    # find the right people (days active derive from the dates, or are reported)
    "people_searches": "people",
    "profile_views": "people",
    "leads_saved": "people",
    "accounts_saved": "people",
    "days_active": "people",        # reported totals (a usage report); else from the dates
    # engage with insights
    "shares": "insights",
    "likes": "insights",
    "comments": "insights",
    "reshares": "insights",
    "messages_sent": "insights",
    "message_replies": "insights",
    "group_posts": "insights",
    # build relationships
    "connection_requests_sent": "relationships",
    "connection_requests_accepted": "relationships",
    "inmails_sent": "relationships",
    "inmail_replies": "relationships",
    "decision_maker_connections": "relationships",
    "colleague_connections": "relationships",
}
"""Canonical raw activity metrics and the pillar each belongs to."""

LEVEL_METRICS: frozenset[str] = frozenset({"profile_completeness"})
"""Metrics that are a level on 0..1 (last value counts), not a count summed over a window."""

COUNT_METRICS: frozenset[str] = frozenset(METRICS) - LEVEL_METRICS

REPORTED_ACTIVE = "days_active"
"""The raw metric of days active as a report counts them (Sales Navigator's usage report). When
the activity has it, the ``days_active`` score sums it over the window; otherwise days active
are derived from the dates of dated activity (days with any count above 0)."""

VALUE_CEILING: float = 10_000_000.0
"""The largest activity value one row may hold: no rep does ten million of anything in a day, so
a larger count is a unit or export error (a timestamp or an id in the value column), rejected
rather than scored (the saturating curve would silently give it full credit)."""

CEILING_ERROR = "value above the ceiling of 10,000,000 a row"

PILLAR_LABELS = {
    "brand": "Establish your professional brand",
    "people": "Find the right people",
    "insights": "Engage with insights",
    "relationships": "Build relationships",
}

LINKEDIN_PILLARS = {
    "PROFESSIONAL_BRAND": "brand",
    "FIND_RIGHT_PEOPLE": "people",
    "INSIGHT_ENGAGEMENT": "insights",
    "STRONG_RELATIONSHIP": "relationships",
}
"""LinkedIn's internal pillar names (as in the SSI page's JSON) and ours."""

OBSERVED_BENCHMARKS: tuple[str, ...] = tuple(
    f"{group}_{what}" for group in ("industry", "network")
    for what in ("ssi", "brand", "people", "insights", "relationships"))
"""Benchmark averages LinkedIn shows beside a member's score (industry and network, total and
each pillar): kept in ``ssi_observed`` when present."""


def _observed_aliases() -> dict[str, str]:
    pillar_names = {
        "brand": ("brand", "professional_brand", "establish_your_professional_brand",
                  "establish_professional_brand"),
        "people": ("people", "find_right_people", "find_the_right_people"),
        "insights": ("insights", "insight_engagement", "engage_with_insights"),
        "relationships": ("relationships", "strong_relationship", "strong_relationships",
                          "build_relationships"),
        "ssi": ("ssi", "overall", "total", "ssi_score", "ssi_total", "total_ssi",
                "social_selling_index"),
    }
    out: dict[str, str] = {}
    for canon, names in pillar_names.items():
        for name in names:
            out[name] = canon
            for group in ("industry", "network"):
                target = f"{group}_{canon}"
                for form in (f"{group}_{name}", f"{group}_average_{name}", f"{group}_avg_{name}"):
                    out[form] = target
    for group in ("industry", "network"):
        for form in ("rank", "rank_pct", "top_pct", "top_percent"):
            out[f"{group}_{form}"] = f"{group}_rank"
        for form in ("average", "avg", "score", "average_ssi"):
            out[f"{group}_{form}"] = f"{group}_ssi"
    return out


OBSERVED_FIELD_ALIASES: dict[str, str] = _observed_aliases()
"""Names trackers and scrapers use for the fields of ``ssi_observed`` (normalised: lower case,
spaces as underscores), mapped to ours: LinkedIn's internal pillar names
(``PROFESSIONAL_BRAND``...), the pillar titles on the SSI page (``Find the right people``...),
``overall``/``total`` for the SSI, and the industry and network ranks and averages.
A mapping file's ``[ssi_fields]`` adds more."""


# ------------------------------------------------------------------ the row rules of each table
@dataclass(frozen=True)
class Column:
    """A column of a table's schema: its type, whether a cell may be missing, whether the
    column must be there."""

    dtype: object
    nullable: bool = True
    required: bool = True


TEXT, NUMBER, DATE = str, float, "datetime64[ns]"

_PILLARS = ("brand", "people", "insights", "relationships")


def _ceiling() -> Rule:
    def test(cells: Cells) -> np.ndarray:
        v = floats(cells.typed["value"])
        with np.errstate(invalid="ignore"):
            return (v > VALUE_CEILING) & ~np.isinf(v)            # inf: not finite

    return Rule("value:ceiling", "ceiling", "value", CEILING_ERROR, test,
                lambda d: f"value > {VALUE_CEILING!r} AND NOT {d.isinf('value')}",
                f"{CEILING_ERROR} ({{value}})")


def _levels_within_unit() -> Rule:
    def test(cells: Cells) -> np.ndarray:
        v = floats(cells.typed["value"])
        with np.errstate(invalid="ignore"):                    # missing: rejected for that alone
            return isin_array(cells.typed["metric"], LEVEL_METRICS) & (v > 1)

    label = KINDS["level_range"].label
    return Rule("levels", "level_range", "value", label, test,
                lambda d: f"metric IN ({d.names(LEVEL_METRICS)}) AND value > 1", label,
                columns=("value",))


def _period_order() -> Rule:
    def test(cells: Cells) -> np.ndarray:
        # a date that could not be read is rejected for that alone, not also for the order
        return (cells.typed["period_end"] < cells.typed["period_start"]).to_numpy(dtype=bool)

    label = KINDS["period_order"].label
    return Rule("period_order", "period_order", "period_end", label, test,
                "period_end < period_start", label, columns=("period_end",))


@dataclass(frozen=True)
class TableRules:
    """A table's schema: its columns, and its row rules in the order they are checked (rules
    across the row first, then each column's: missing first, then the column's own)."""

    name: str
    columns: dict[str, Column]
    checks: tuple[Rule, ...] = ()
    cells: dict[str, tuple[Rule, ...]] = field(default_factory=dict)
    strict: bool = False

    @property
    def rules(self) -> tuple[Rule, ...]:
        out = list(self.checks)
        for name, col in self.columns.items():
            if not col.nullable:
                out.append(missing(name, typed=col.dtype in (NUMBER, DATE)))
            out.extend(self.cells.get(name, ()))
        return tuple(out)

    def schema(self) -> pa.DataFrameSchema:
        """The pandera schema: each rule a check whose ``error`` is the rule's key."""
        def check(rule: Rule) -> pa.Check:
            if rule.row_check:
                return pa.Check(lambda df, r=rule: pd.Series(~r.test(Cells(df)), index=df.index),
                                error=rule.key)
            return pa.Check(lambda s, r=rule: pd.Series(~r.test(Cells(s.to_frame())),
                                                        index=s.index), error=rule.key)

        columns = {name: pa.Column(col.dtype, nullable=col.nullable, required=col.required,
                                   checks=[check(r) for r in self.cells.get(name, ())],
                                   name=name)
                   for name, col in self.columns.items()}
        return pa.DataFrameSchema(columns, checks=[check(r) for r in self.checks],
                                  strict=self.strict, coerce=False, name=self.name)


def _ranged(columns: tuple[str, ...], top: float) -> dict[str, tuple[Rule, ...]]:
    return {c: (at_least(c, 0), at_most(c, top)) for c in columns}


TABLE_RULES: dict[str, TableRules] = {t.name: t for t in (
    TableRules("reps", {
        "rep_id": Column(TEXT, nullable=False), "team": Column(TEXT, required=False),
        "industry": Column(TEXT, required=False), "region": Column(TEXT, required=False),
        "tenure_months": Column(NUMBER, required=False),
        "hire_date": Column(DATE, required=False), "manager_id": Column(TEXT, required=False)},
        cells={"rep_id": (not_empty("rep_id"),),
               "tenure_months": (at_least("tenure_months", 0),
                                 at_most("tenure_months", 1200))}),
    TableRules("activity", {   # long form (wide files are melted to this shape first)
        "rep_id": Column(TEXT, nullable=False), "date": Column(DATE, nullable=False),
        "metric": Column(TEXT, nullable=False), "value": Column(NUMBER, nullable=False)},
        checks=(_levels_within_unit(), finite(("value",))),
        cells={"metric": (one_of("metric", METRICS, "unknown_metric"),),
               "value": (at_least("value", 0), _ceiling())}, strict=True),
    TableRules("outcomes", {
        "rep_id": Column(TEXT, nullable=False), "period_start": Column(DATE, nullable=False),
        "period_end": Column(DATE, nullable=False), "quota": Column(NUMBER, nullable=False),
        "bookings": Column(NUMBER, nullable=False),             # negative allowed: refunds
        "opportunities": Column(NUMBER, nullable=False),
        "deals_won": Column(NUMBER, required=False)},
        checks=(_period_order(), finite(("quota", "bookings", "opportunities"))),
        cells={"quota": (above_zero("quota"),), "opportunities": (at_least("opportunities", 0),),
               "deals_won": (at_least("deals_won", 0),)}),
    TableRules("ssi_observed", {
        "rep_id": Column(TEXT, nullable=False), "date": Column(DATE, nullable=False),
        **{c: Column(NUMBER, nullable=False) for c in ("ssi", *_PILLARS)},
        **{c: Column(NUMBER, required=False) for c in ("industry_rank", "network_rank",
                                                        *OBSERVED_BENCHMARKS)}},
        cells={**_ranged(("ssi", "industry_rank", "network_rank", "industry_ssi",
                          "network_ssi"), 100),
               **_ranged((*_PILLARS, *(f"{g}_{p}" for g in ("industry", "network")
                                       for p in _PILLARS)), 25)}),
    TableRules("opportunities", {   # stages, amounts and repeated ids: ssi_analysis.crm
        "owner": Column(TEXT, nullable=False), "opportunity_id": Column(TEXT, required=False),
        "created_date": Column(DATE, nullable=False), "close_date": Column(DATE),
        "stage": Column(TEXT, nullable=False), "amount": Column(NUMBER)},
        cells={"owner": (not_empty("owner"),), "stage": (not_empty("stage"),)}),
    TableRules("quotas", {
        "rep_id": Column(TEXT, nullable=False), "period_start": Column(DATE, nullable=False),
        "period_end": Column(DATE, nullable=False), "quota": Column(NUMBER, nullable=False)},
        checks=(_period_order(), finite(("quota",))), cells={"quota": (above_zero("quota"),)}),
)}
"""Every table's columns and row rules; its pandera schema, its screen and its SQL checks are
made from them."""

RepsSchema = TABLE_RULES["reps"].schema()
"""``reps``: one row per rep. Extra columns are kept."""
ActivitySchema = TABLE_RULES["activity"].schema()
"""``activity`` in long form (wide files are melted to this shape first)."""
OutcomesSchema = TABLE_RULES["outcomes"].schema()
"""``outcomes``: one row per rep and outcome period."""
SSIObservedSchema = TABLE_RULES["ssi_observed"].schema()
"""``ssi_observed``: the SSI values LinkedIn reported."""
OpportunitiesSchema = TABLE_RULES["opportunities"].schema()
"""``opportunities``: one row per CRM opportunity, after the column mapping (stage rules
(won, lost, open, unknown), amounts and duplicate ids are checked by :mod:`ssi_analysis.crm`;
this schema checks the cells every row needs)."""
QuotasSchema = TABLE_RULES["quotas"].schema()
"""``quotas``: one row per rep and quota period (often a month), from finance."""


# ------------------------------------------------------------------ table descriptions
@dataclass(frozen=True)
class TableSpec:
    """What the loader needs to know about a table: required columns and how to type each."""

    name: str
    schema: pa.DataFrameSchema
    required: tuple[str, ...]
    ids: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    optional: bool = True

    @property
    def rules(self) -> TableRules:
        """The table's columns and row rules."""
        return TABLE_RULES[self.name]


TABLES: dict[str, TableSpec] = {
    "reps": TableSpec(
        "reps", RepsSchema, required=("rep_id",),
        ids=("rep_id", "team", "industry", "region", "manager_id"),
        dates=("hire_date",), numbers=("tenure_months",), optional=False,
    ),
    "activity": TableSpec(
        "activity", ActivitySchema, required=("rep_id", "date"),
        ids=("rep_id", "metric"), dates=("date",), numbers=("value",), optional=False,
    ),
    "outcomes": TableSpec(
        "outcomes", OutcomesSchema,
        required=("rep_id", "period_start", "period_end", "quota", "bookings", "opportunities"),
        ids=("rep_id",), dates=("period_start", "period_end"),
        numbers=("quota", "bookings", "opportunities", "deals_won"),
    ),
    "ssi_observed": TableSpec(
        "ssi_observed", SSIObservedSchema,
        required=("rep_id", "date", "ssi", "brand", "people", "insights", "relationships"),
        ids=("rep_id",), dates=("date",),
        numbers=("ssi", "brand", "people", "insights", "relationships",
                 "industry_rank", "network_rank", *OBSERVED_BENCHMARKS),
    ),
    # the raw shape of outcomes: a CRM export (columns named by a mapping) and finance's quotas
    "opportunities": TableSpec(
        "opportunities", OpportunitiesSchema,
        required=("owner", "created_date", "close_date", "stage", "amount"),
        ids=("owner", "opportunity_id", "stage", "currency"),
        dates=("created_date", "close_date"), numbers=(),
    ),
    "quotas": TableSpec(
        "quotas", QuotasSchema, required=("rep_id", "period_start", "period_end", "quota"),
        ids=("rep_id",), dates=("period_start", "period_end"), numbers=(),
    ),
}
"""Every table of a data folder, by file stem."""
