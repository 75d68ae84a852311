"""The input contract: the metric catalogue and a pandera model for every table.

The loaders in :mod:`ssi_analysis.io` turn raw files into typed frames and then validate them
against these models with ``lazy=True``, so every failing row is found in one pass. Row-level
failures become rejected rows with a reason; table-level ones (a missing column, duplicate
``rep_id``) stop the run with :class:`~ssi_analysis.errors.SSIInputError`.

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

import re
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series


def normalise_name(name: object) -> str:
    """How a column, metric or field name in a file is read: lower case, spaces, hyphens,
    slashes and dots as ``_``, a byte-order mark and surrounding ``_`` removed.

    >>> normalise_name(" Profile Completeness "), normalise_name("Close-Date"), normalise_name("a/b.c")
    ('profile_completeness', 'close_date', 'a_b_c')
    """
    text = str(name).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-/.]+", "_", text).strip("_")


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
    # find the right people (days active derive from the dates)
    "people_searches": "people",
    "profile_views": "people",
    "leads_saved": "people",
    "accounts_saved": "people",
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


# ------------------------------------------------------------------ pandera models
class RepsSchema(pa.DataFrameModel):
    """``reps``: one row per rep. Extra columns are kept."""

    rep_id: Series[str] = pa.Field(nullable=False, str_length={"min_value": 1})
    team: Series[str] | None = pa.Field(nullable=True)
    industry: Series[str] | None = pa.Field(nullable=True)
    region: Series[str] | None = pa.Field(nullable=True)
    tenure_months: Series[float] | None = pa.Field(nullable=True, ge=0, le=1200)
    hire_date: Series[pd.Timestamp] | None = pa.Field(nullable=True)
    manager_id: Series[str] | None = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = False


class ActivitySchema(pa.DataFrameModel):
    """``activity`` in long form (wide files are melted to this shape first)."""

    rep_id: Series[str] = pa.Field(nullable=False)
    date: Series[pd.Timestamp] = pa.Field(nullable=False)
    metric: Series[str] = pa.Field(nullable=False, isin=sorted(METRICS))
    value: Series[float] = pa.Field(nullable=False, ge=0)

    @pa.check("value", error=CEILING_ERROR)
    @classmethod
    def within_ceiling(cls, value: Series[float]) -> Series[bool]:
        return ~(value > VALUE_CEILING) | value.abs().eq(float("inf"))  # inf: not finite

    @pa.dataframe_check(element_wise=False, error="a level must be within 0..1")
    @classmethod
    def levels_within_unit(cls, df: pd.DataFrame) -> Series[bool]:
        # a value that is missing or not a number is rejected for that alone
        return ~df["metric"].isin(LEVEL_METRICS) | (df["value"] <= 1) | df["value"].isna()

    @pa.dataframe_check(error="value must be finite")
    @classmethod
    def finite(cls, df: pd.DataFrame) -> Series[bool]:
        return ~df["value"].abs().eq(float("inf"))

    class Config:
        strict = True
        coerce = False


class OutcomesSchema(pa.DataFrameModel):
    """``outcomes``: one row per rep and outcome period."""

    rep_id: Series[str] = pa.Field(nullable=False)
    period_start: Series[pd.Timestamp] = pa.Field(nullable=False)
    period_end: Series[pd.Timestamp] = pa.Field(nullable=False)
    quota: Series[float] = pa.Field(nullable=False, gt=0)
    bookings: Series[float] = pa.Field(nullable=False)  # negative allowed: refunds
    opportunities: Series[float] = pa.Field(nullable=False, ge=0)
    deals_won: Series[float] | None = pa.Field(nullable=True, ge=0)

    @pa.dataframe_check(error="period_end is before period_start")
    @classmethod
    def period_order(cls, df: pd.DataFrame) -> Series[bool]:
        # a date that could not be read is rejected for that alone, not also for the order
        return (df["period_end"] >= df["period_start"]) | df["period_end"].isna() \
            | df["period_start"].isna()

    @pa.dataframe_check(error="value must be finite")
    @classmethod
    def finite(cls, df: pd.DataFrame) -> Series[bool]:
        return ~df[["quota", "bookings", "opportunities"]].abs().eq(float("inf")).any(axis=1)

    class Config:
        strict = False
        coerce = False


class SSIObservedSchema(pa.DataFrameModel):
    """``ssi_observed``: the SSI values LinkedIn reported."""

    rep_id: Series[str] = pa.Field(nullable=False)
    date: Series[pd.Timestamp] = pa.Field(nullable=False)
    ssi: Series[float] = pa.Field(nullable=False, ge=0, le=100)
    brand: Series[float] = pa.Field(nullable=False, ge=0, le=25)
    people: Series[float] = pa.Field(nullable=False, ge=0, le=25)
    insights: Series[float] = pa.Field(nullable=False, ge=0, le=25)
    relationships: Series[float] = pa.Field(nullable=False, ge=0, le=25)
    industry_rank: Series[float] | None = pa.Field(nullable=True, ge=0, le=100)
    network_rank: Series[float] | None = pa.Field(nullable=True, ge=0, le=100)
    industry_ssi: Series[float] | None = pa.Field(nullable=True, ge=0, le=100)
    network_ssi: Series[float] | None = pa.Field(nullable=True, ge=0, le=100)
    industry_brand: Series[float] | None = pa.Field(nullable=True, ge=0, le=25)
    industry_people: Series[float] | None = pa.Field(nullable=True, ge=0, le=25)
    industry_insights: Series[float] | None = pa.Field(nullable=True, ge=0, le=25)
    industry_relationships: Series[float] | None = pa.Field(nullable=True, ge=0, le=25)
    network_brand: Series[float] | None = pa.Field(nullable=True, ge=0, le=25)
    network_people: Series[float] | None = pa.Field(nullable=True, ge=0, le=25)
    network_insights: Series[float] | None = pa.Field(nullable=True, ge=0, le=25)
    network_relationships: Series[float] | None = pa.Field(nullable=True, ge=0, le=25)

    class Config:
        strict = False
        coerce = False


class OpportunitiesSchema(pa.DataFrameModel):
    """``opportunities``: one row per CRM opportunity, after the column mapping.

    Stage rules (won, lost, open, unknown), amounts and duplicate ids are checked by
    :mod:`ssi_analysis.crm`; this model checks the cells every row needs.
    """

    owner: Series[str] = pa.Field(nullable=False, str_length={"min_value": 1})
    opportunity_id: Series[str] | None = pa.Field(nullable=True)
    created_date: Series[pd.Timestamp] = pa.Field(nullable=False)
    close_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    stage: Series[str] = pa.Field(nullable=False, str_length={"min_value": 1})
    amount: Series[float] = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = False


class QuotasSchema(pa.DataFrameModel):
    """``quotas``: one row per rep and quota period (often a month), from finance."""

    rep_id: Series[str] = pa.Field(nullable=False)
    period_start: Series[pd.Timestamp] = pa.Field(nullable=False)
    period_end: Series[pd.Timestamp] = pa.Field(nullable=False)
    quota: Series[float] = pa.Field(nullable=False, gt=0)

    @pa.dataframe_check(error="period_end is before period_start")
    @classmethod
    def period_order(cls, df: pd.DataFrame) -> Series[bool]:
        # a date that could not be read is rejected for that alone, not also for the order
        return (df["period_end"] >= df["period_start"]) | df["period_end"].isna() \
            | df["period_start"].isna()

    @pa.dataframe_check(error="value must be finite")
    @classmethod
    def finite(cls, df: pd.DataFrame) -> Series[bool]:
        return ~df["quota"].abs().eq(float("inf"))

    class Config:
        strict = False
        coerce = False


# ------------------------------------------------------------------ table descriptions
@dataclass(frozen=True)
class TableSpec:
    """What the loader needs to know about a table: required columns and how to type each."""

    name: str
    schema: type[pa.DataFrameModel]
    required: tuple[str, ...]
    ids: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    optional: bool = True


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
