"""The scoring spec: what every engine computes, written once, as data.

An engine is the code that reads a :class:`ScoringSpec` and provides, for each target row
(a rep on an as-of day ``d``):

1. **window quantities** named in :attr:`ScoringSpec.inputs`: each count input summed over the
   trailing window ``d - window + 1 .. d`` (days without rows count 0); each level's last value
   at or before ``d`` (0 before the first); ``n_active``, the days of the window with some
   metric of :attr:`ScoringSpec.active_from` above 0;
2. the **formulas** the spec returns as expressions (:class:`Expr`): each metric's value
   (:meth:`ScoringSpec.value`) and its 0..1 score (:meth:`ScoringSpec.curve`, absolute mode),
   each pillar (:meth:`ScoringSpec.pillar`) and the SSI (:meth:`ScoringSpec.ssi`). In relative
   mode a metric's score is instead its percentile in the rep's cohort on that day
   (:data:`PERCENTILE`);
3. the **ranks** of :data:`RANKS` (:data:`TOP_PCT`).

The pandas engine (:mod:`ssi_analysis.scoring.frame`) evaluates the expressions with numpy and
the SQL engines render them (:mod:`ssi_analysis.scoring.sql`), term for term and in the same
order, so their floating-point results agree. Nothing here knows about frames or SQL.

Examples
--------
>>> from ssi_analysis.config import default_config
>>> spec = ScoringSpec.build(default_config(), present={"posts", "likes", "people_searches",
...                          "connection_requests_accepted"}, any_rows=True)
>>> [m.name for m in spec.metrics if m.pillar == "brand"]
['posts']
>>> spec.curve(spec.metric("posts"), var("x"))
(1.0 - pow(0.5, (greatest(x, 0.0) / 6.0)))
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..config import PILLARS, MetricSpec, ScoringConfig
from ..errors import SSIDataError, SSIInputError
from ..io.cells.dates import ASOF_FIX, asof_problem
from ..schemas import LEVEL_METRICS, REPORTED_ACTIVE

OUTPUT_COLUMNS = ["rep_id", "date", *PILLARS, "ssi", "industry_rank_pct", "team_rank_pct"]
"""The columns of a scores table, in order (``details=True`` adds two per metric)."""

RANKS = (("industry", "industry_rank_pct"), ("team", "team_rank_pct"))
"""The rank columns: LinkedIn's "Top N%" within the rep's industry and team on each date."""

TOP_PCT = ("100 x (number of reps in the group on that date scoring at least as high) / "
           "(group size): 1 is best, 100 is last; no rank without a group")
"""How every engine ranks (ties take the worst place)."""

PERCENTILE = ("(number of reps in the cohort on that date with a lower value) / "
              "(cohort size - 1); 0.5 for a cohort of one")
"""How every engine scores a metric in relative mode."""

_DAY = np.timedelta64(1, "D")

SENT_EPS = 1e-9
"""A window sum below this is nothing sent (counts are whole numbers, or spread fractions of
them whose sums over an empty stretch differ from 0 by rounding only)."""


# ------------------------------------------------------------------ expressions
@dataclass(frozen=True)
class Expr:
    """A formula over named window quantities: a tiny tree every engine can evaluate.

    ``op`` is ``var`` (``args = (name,)``), ``num`` (``(float,)``), ``null`` (no value: a
    pillar no metric scores), an arithmetic operator
    (``+ - * /``), ``pow``, ``greatest``, ``least``, a comparison ``>``, ``or``, or ``where``
    (``(condition, then, otherwise)``). Build with :func:`var`, :func:`num`, the operators and
    :func:`greatest`, :func:`least`, :func:`power`, :func:`where`.
    """

    op: str
    args: tuple

    def __add__(self, other: Expr | float) -> Expr:
        return Expr("+", (self, _lift(other)))

    def __radd__(self, other: float) -> Expr:
        return Expr("+", (_lift(other), self))

    def __sub__(self, other: Expr | float) -> Expr:
        return Expr("-", (self, _lift(other)))

    def __rsub__(self, other: float) -> Expr:
        return Expr("-", (_lift(other), self))

    def __mul__(self, other: Expr | float) -> Expr:
        return Expr("*", (self, _lift(other)))

    def __rmul__(self, other: float) -> Expr:
        return Expr("*", (_lift(other), self))

    def __truediv__(self, other: Expr | float) -> Expr:
        return Expr("/", (self, _lift(other)))

    def __rtruediv__(self, other: float) -> Expr:
        return Expr("/", (_lift(other), self))

    def __gt__(self, other: Expr | float) -> Expr:  # type: ignore[override]
        return Expr(">", (self, _lift(other)))

    def __or__(self, other: Expr) -> Expr:
        return Expr("or", (self, other))

    def __repr__(self) -> str:
        if self.op == "var":
            return str(self.args[0])
        if self.op == "num":
            return repr(self.args[0])
        if self.op == "null":
            return "null"
        if self.op in ("+", "-", "*", "/", ">", "or"):
            return f"({self.args[0]!r} {self.op} {self.args[1]!r})"
        return f"{self.op}({', '.join(map(repr, self.args))})"

    def names(self) -> set[str]:
        """The window quantities the formula reads."""
        if self.op == "var":
            return {self.args[0]}
        return set().union(*(a.names() for a in self.args if isinstance(a, Expr)))


def var(name: str) -> Expr:
    """A named quantity (a window sum, a level, a metric's value or score)."""
    return Expr("var", (name,))


def num(value: float) -> Expr:
    """A number."""
    return Expr("num", (float(value),))


NULL = Expr("null", ())
"""No value (NaN in numpy, NULL in SQL): the score of a pillar no metric in the data scores."""


def _lift(value: Expr | float) -> Expr:
    return value if isinstance(value, Expr) else num(value)


def greatest(a: Expr | float, b: Expr | float) -> Expr:
    return Expr("greatest", (_lift(a), _lift(b)))


def least(a: Expr | float, b: Expr | float) -> Expr:
    return Expr("least", (_lift(a), _lift(b)))


def power(a: Expr | float, b: Expr | float) -> Expr:
    return Expr("pow", (_lift(a), _lift(b)))


def where(condition: Expr, then: Expr | float, otherwise: Expr | float) -> Expr:
    return Expr("where", (condition, _lift(then), _lift(otherwise)))


# ------------------------------------------------------------------ the curves
def count_curve(x: Expr, half: float) -> Expr:
    """``1 - 0.5 ** (x / half)``: 0 at 0, 0.5 at ``half``, approaching 1; never decreasing."""
    return 1.0 - power(0.5, greatest(x, 0.0) / num(half))


def shrunk_rate(numerator: Expr, denominator: Expr, prior: float, prior_n: float) -> Expr:
    """``(num + prior * prior_n) / (den + prior_n)``: the rate pulled toward ``prior`` when
    ``den`` is small (``prior`` itself when nothing was sent)."""
    den = greatest(denominator, 0.0)
    if prior_n == 0:
        return where(den > 0.0, numerator / den, prior)
    return (numerator + num(prior * prior_n)) / (den + num(prior_n))


def rate_curve(rate: Expr, target: float) -> Expr:
    """``min(rate / target, 1)`` (and at least 0)."""
    return least(greatest(rate / num(target), 0.0), 1.0)


def unit(x: Expr) -> Expr:
    """``x`` within 0..1."""
    return least(greatest(x, 0.0), 1.0)


# ------------------------------------------------------------------ what is scored
def presence(present_raw: set, any_rows: bool, config: ScoringConfig, *,
             dated: bool = True) -> pd.DataFrame:
    """Which scored metrics the data can support, and the effective weight of each
    (:func:`ssi_analysis.scoring.metric_presence` from the set of raw metric names).

    Days active are the reported ``days_active`` totals when the data have them, else derived
    from the dates of dated activity (``dated``); activity spread from period totals
    (:mod:`ssi_analysis.io.periods`) has a row on every day of a period, so its days active can
    only be reported ones.
    """
    rows = []
    for m in config.metrics:
        if m.kind == "days_active":
            ok = REPORTED_ACTIVE in present_raw or (any_rows and dated)
        else:
            ok = all(i in present_raw for i in m.inputs)
        rows.append({"metric": m.name, "pillar": m.pillar, "kind": m.kind, "weight": m.weight,
                     "present": ok})
    out = pd.DataFrame(rows)
    eff = out["weight"].where(out["present"], 0.0)
    total = eff.groupby(out["pillar"]).transform("sum")
    out["share"] = np.where(total > 0, eff / total.where(total > 0, 1.0), 0.0)
    return out


def scored_pillars(presence: pd.DataFrame) -> tuple[str, ...]:
    """The pillars some metric present (with a weight above 0) scores, in pillar order."""
    ok = presence[presence.present & (presence.weight > 0)]
    return tuple(p for p in PILLARS if (ok.pillar == p).any())


def check_pillars(presence: pd.DataFrame, config: ScoringConfig) -> None:
    """Raise :class:`SSIInputError` if no pillar has a metric present to score it (a pillar
    without one is reported as not scored, :func:`pillar_notes`, never as 0)."""
    if not scored_pillars(presence):
        raise SSIInputError(
            "no metric of any pillar is in the activity data, so nothing can be scored",
            column="metric", fix="add at least one of: "
            + "; ".join(scoring_inputs(p, config) for p in PILLARS))


def pillar_notes(presence: pd.DataFrame, config: ScoringConfig) -> list[str]:
    """Per pillar: the metrics present with their renormalised share of the pillar, or that
    the pillar is not scored (and what would score it); and what the SSI then sums.

    >>> from ssi_analysis.config import default_config
    >>> cfg = default_config()
    >>> notes = pillar_notes(presence({"profile_views", "inmails_sent", "inmail_replies"}, True,
    ...                               cfg, dated=False), cfg)
    >>> notes[1]
    'people scored from profile_views 1.00 (shares of the pillar; weights renormalised over the metrics present)'
    >>> notes[0].startswith("brand not scored: no metric of it in the data")
    True
    """
    out = []
    scored = scored_pillars(presence)
    for pillar in PILLARS:
        p = presence[(presence.pillar == pillar) & presence.present & (presence.weight > 0)]
        if p.empty:
            out.append(f"{pillar} not scored: no metric of it in the data (shown empty, never "
                       f"0; it would be scored from {scoring_inputs(pillar, config)})")
            continue
        shares = ", ".join(f"{r.metric} {r.share:.2f}" for r in p.itertuples())
        every = presence[(presence.pillar == pillar) & (presence.weight > 0)]
        how = ("weights renormalised over the metrics present" if len(p) < len(every)
               else "every metric of the pillar present")
        out.append(f"{pillar} scored from {shares} (shares of the pillar; {how})")
    if len(scored) < len(PILLARS):
        out.append(f"ssi is the sum of the {len(scored)} pillar(s) scored "
                   f"({', '.join(scored)}): 0..{25 * len(scored)}, not 0..100")
    return out


def scoring_inputs(pillar: str, config: ScoringConfig) -> str:
    """What scores ``pillar``, as a hint names it: each count or level metric, and each rate's
    numerator with its denominator (a denominator alone, such as ``messages_sent``, scores
    nothing; a numerator that also scores as a count is named once).

    >>> from ssi_analysis.config import default_config
    >>> scoring_inputs("insights", default_config())
    'comments, group_posts, likes, message_replies, reshares, shares'
    """
    singles, rates = [], []
    for m in config.metrics:
        if m.pillar != pillar or m.weight <= 0:
            continue
        if m.kind == "rate":
            rates.append((m.numerator, m.denominator))
        elif m.kind == "days_active":
            singles.append("any activity (days active)")
        else:
            singles.extend(m.inputs)
    paired = sorted({f"{n} (with {d})" for n, d in rates if n not in singles})
    return ", ".join([*sorted(set(singles)), *paired])


@dataclass(frozen=True)
class ScoringSpec:
    """What to compute for a config and the metrics a data set has: read by every engine.

    Build with :meth:`build`. ``metrics`` are the scored metrics the data support (weight above
    0), in the config's order; their pillar's weights renormalise over them. ``notes`` say what
    was left out.
    """

    config: ScoringConfig
    metrics: tuple[MetricSpec, ...]
    active_from: tuple[str, ...]
    notes: tuple[str, ...] = ()
    reported_active: bool = False
    """Days active are the window sum of the reported ``days_active`` metric (not derived)."""

    @classmethod
    def build(cls, config: ScoringConfig, *, present: set | frozenset,
              any_rows: bool, dated: bool = True) -> ScoringSpec:
        """The spec for ``config`` and the raw metric names ``present`` in the activity
        (``dated``: the activity's days are its own, not spread from period totals).

        Raises :class:`SSIInputError` when no pillar has a metric to score it; a pillar without
        one is not scored (NaN) and the notes say so.
        """
        table = presence(set(present), any_rows, config, dated=dated)
        check_pillars(table, config)
        absent = table.loc[~table.present, "metric"].tolist()
        notes = ((f"metrics left out (absent from the data; pillar weights renormalised): "
                  f"{', '.join(absent)}",) if absent else ())
        if len(scored_pillars(table)) < len(PILLARS) or not dated:
            notes += tuple(pillar_notes(table, config))
        ok = table.set_index("metric")["present"]
        used = tuple(m for m in config.metrics if ok[m.name] and m.weight > 0)
        active = tuple(sorted(m for m in present if isinstance(m, str)
                              and m not in LEVEL_METRICS and m != REPORTED_ACTIVE))
        return cls(config, used, active, notes, REPORTED_ACTIVE in present)

    # the settings every engine reads
    @property
    def window(self) -> int:
        """Days in the trailing window, the as-of day included."""
        return self.config.window_days

    @property
    def mode(self) -> str:
        """``absolute`` (the curves) or ``relative`` (cohort percentiles)."""
        return self.config.mode

    def metric(self, name: str) -> MetricSpec:
        """The scored metric ``name``."""
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(name)

    # the window quantities
    @cached_property
    def counts(self) -> tuple[str, ...]:
        """Raw count metrics whose window sums the formulas read."""
        active = (REPORTED_ACTIVE,) if self.reported_active and any(
            m.kind == "days_active" for m in self.metrics) else ()
        return tuple(sorted({*(i for m in self.metrics for i in m.inputs
                               if i not in LEVEL_METRICS), *active}))

    @cached_property
    def levels(self) -> tuple[str, ...]:
        """Level metrics whose last value the formulas read."""
        return tuple(sorted({m.name for m in self.metrics if m.kind == "level"}))

    @cached_property
    def needs_active(self) -> bool:
        """Whether a formula reads the days active derived from the dates."""
        return not self.reported_active and any(m.kind == "days_active" for m in self.metrics)

    @cached_property
    def inputs(self) -> dict[tuple[str, str], str]:
        """The name of each window quantity: ``("sum", metric) -> n<i>``, ``("level", metric)
        -> l<j>``, ``("active", "") -> n_active`` (plain identifiers, for every engine)."""
        out = {("sum", m): f"n{i}" for i, m in enumerate(self.counts)}
        out.update({("level", m): f"l{j}" for j, m in enumerate(self.levels)})
        if self.needs_active:
            out[("active", "")] = "n_active"
        return out

    # the formulas
    def value(self, m: MetricSpec) -> Expr:
        """The metric's value at a target: its window sum, days active, level or rate."""
        if m.kind == "count":
            return var(self.inputs[("sum", m.name)])
        if m.kind == "days_active":
            if self.reported_active:
                return var(self.inputs[("sum", REPORTED_ACTIVE)])
            return var(self.inputs[("active", "")])
        if m.kind == "level":
            return unit(var(self.inputs[("level", m.name)]))
        n = var(self.inputs[("sum", m.numerator)])  # type: ignore[index]
        d = var(self.inputs[("sum", m.denominator)])  # type: ignore[index]
        rate = shrunk_rate(n, d, m.prior, m.prior_n)  # type: ignore[arg-type]
        # nothing sent: no rate, no credit. "Nothing" is below SENT_EPS, not exactly 0: spread
        # period totals are fractions, and a window sum after them is 0 only up to rounding
        return where((d > SENT_EPS) | (n > SENT_EPS), rate, 0.0)

    def curve(self, m: MetricSpec, x: Expr) -> Expr:
        """The metric's 0..1 score in absolute mode, from its value ``x``."""
        if m.kind in ("count", "days_active"):
            return count_curve(x, m.half)  # type: ignore[arg-type]
        if m.kind == "level":
            return x
        return rate_curve(x, m.target)  # type: ignore[arg-type]

    def pillar(self, pillar: str, scores: list[Expr]) -> Expr:
        """``25 x`` the weighted mean of the pillar's metric scores (``scores[k]`` is the score
        of ``metrics[k]``), added left to right."""
        terms, den = [], 0.0
        for m, s in zip(self.metrics, scores, strict=True):
            if m.pillar == pillar:
                terms.append(num(m.weight) * s)
                den += m.weight
        if not terms:
            return NULL          # not scored: no metric of the pillar in the data
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return num(25.0) * total / num(den)

    @cached_property
    def scored(self) -> tuple[str, ...]:
        """The pillars a metric of the spec scores, in pillar order."""
        return tuple(p for p in PILLARS if any(m.pillar == p for m in self.metrics))

    def ssi(self, pillars: dict[str, Expr]) -> Expr:
        """The sum of the pillars scored (all four when every pillar has a metric), in
        :data:`~ssi_analysis.config.PILLARS` order."""
        total = pillars[self.scored[0]]
        for p in self.scored[1:]:
            total = total + pillars[p]
        return total


# ------------------------------------------------------------------ cohorts, ranks, days
@dataclass(frozen=True)
class RepLabels:
    """Each rep's cohort (relative mode) and rank groups, in universe order, with notes."""

    cohort: pd.Series | None
    """Text labels; ``None`` in absolute mode."""
    ranks: tuple[pd.Series | None, ...]
    """Per :data:`RANKS`: text or NA per rep, ``None`` when the reps have no such column."""
    notes: tuple[str, ...]


def rep_labels(universe: pd.Index, rep_info: pd.DataFrame, config: ScoringConfig) -> RepLabels:
    """The labels every engine groups by: the relative-mode cohort (a missing label reads
    ``unknown``; no cohort column: one cohort, ``all``) and the industry and team ranks (a rep
    without one has no rank there), noting what is missing."""
    notes: list[str] = []
    cohort = None
    if config.mode == "relative":
        col = config.cohort
        if col in rep_info:
            labels = rep_info[col].astype(object).where(rep_info[col].notna(), "unknown")
        else:
            labels = pd.Series("all", index=rep_info.index)
            notes.append(f"relative mode: reps have no '{col}' column; percentiles are within "
                         "the whole organisation")
        cohort = pd.Series(universe).map(labels).astype(str)
    ranks: list[pd.Series | None] = []
    for col, name in RANKS:
        if col in rep_info:
            label = pd.Series(universe).map(rep_info[col]).astype(object)
            n_missing = int(rep_info[col].isna().sum())
            if n_missing:
                notes.append(f"{n_missing} rep(s) have no {col}: no {name} for them")
            ranks.append(label.where(label.isna(), label.astype(str)))
        else:
            notes.append(f"reps have no '{col}' column: {name} is empty")
            ranks.append(None)
    return RepLabels(cohort, tuple(ranks), tuple(notes))


def as_day(value: object, what: str) -> np.datetime64:
    """A date-like value as a day, or an error naming ``what``."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise SSIInputError(f"{what} '{value}' is not a date", fix="use YYYY-MM-DD") from None
    if pd.isna(ts):
        raise SSIInputError(f"{what} is missing", fix="use YYYY-MM-DD")
    problem = asof_problem(ts)         # a day both engines can score and write as it is
    if problem is not None:
        raise SSIInputError(f"{what} '{value}' {problem}", fix=ASOF_FIX)
    return np.datetime64(ts.tz_localize(None) if ts.tzinfo else ts, "D")


def target_days(dates: pd.Series, *, asof: object, daily: bool) -> np.ndarray:
    """The as-of days to score every rep on: the daily span, ``asof``, or the last date."""
    if dates.empty and asof is None:
        raise SSIDataError("there is no activity, so there is no date to score as of",
                           file="activity", fix="pass an as-of date (--asof YYYY-MM-DD)")
    if daily:
        if dates.empty:
            raise SSIDataError("there is no activity to make a daily series from",
                               file="activity")
        first = dates.min().to_datetime64().astype("datetime64[D]")
        last = dates.max().to_datetime64().astype("datetime64[D]")
        return np.arange(first, last + _DAY, _DAY)
    day = (as_day(asof, "as-of date") if asof is not None
           else dates.max().to_datetime64().astype("datetime64[D]"))
    return np.array([day])
