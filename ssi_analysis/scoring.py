"""Transparent SSI-style scores from activity: trailing windows, 0..1 curves, pillars, ranks.

How a score is built, for a rep on an as-of date ``d`` (all settings in
:class:`~ssi_analysis.config.ScoringConfig`, defaults in ``scoring.toml``):

1. **Window.** Every count metric is summed over the trailing window of ``window_days`` days
   ending on ``d`` (``d - window_days + 1`` to ``d``, both included). A level metric
   (``profile_completeness``) takes its last value at or before ``d`` (0 before the first one).
   ``days_active`` counts the days in the window with any count above 0.
2. **Metric score in 0..1.** ``absolute`` mode (default): a count ``x`` scores
   ``1 - 0.5 ** (x / half)``; a level scores its value; a rate scores
   ``min(r / target, 1)`` with ``r = (num + prior * prior_n) / (den + prior_n)``, the window's
   rate shrunk toward ``prior`` when the denominator is small (a rate earns nothing when
   nothing was sent in the window: no outreach, no credit). ``relative`` mode: each metric's
   percentile within the rep's cohort (industry or team) on that date, ``(number of reps with a
   lower value) / (cohort size - 1)`` (0.5 for a cohort of one).
3. **Pillar** = ``25 x`` the weighted mean of its metrics' scores, over the metrics present in
   the data: a metric that never appears in the activity is left out and the weights of its
   pillar renormalised (absent is not zero). **SSI** = the sum of the four pillars (0..100).
4. **Ranks.** ``industry_rank_pct`` and ``team_rank_pct`` are LinkedIn's "Top N%": ``100 x``
   (number of reps in the group scoring at least as high) / (group size), so 1 is best and
   100 is last. Reps without an industry (team) have no rank there (NaN, with a note).

In absolute mode more activity never lowers a score, except the denominators of the rates
(``messages_sent``, ``connection_requests_sent``, ``inmails_sent``): unanswered outreach lowers
the reply or acceptance rate, as LinkedIn says unanswered messages count against a member.

The computation is vectorised: one grouped aggregation into a dense rep x day x metric array,
cumulative sums along days for the trailing windows, no Python loop over reps or days.

Examples
--------
>>> from ssi_analysis import load_data, example_data_dir
>>> b = load_data(example_data_dir())
>>> s = score(b.activity, b.reps)
>>> list(s.columns)
['rep_id', 'date', 'brand', 'people', 'insights', 'relationships', 'ssi', 'industry_rank_pct', 'team_rank_pct']
>>> bool(((s.ssi >= 0) & (s.ssi <= 100)).all()), s.rep_id.is_unique
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .config import PILLARS, MetricSpec, ScoringConfig, default_config
from .errors import SSIConfigError, SSIDataError, SSIInputError
from .schemas import LEVEL_METRICS

OUTPUT_COLUMNS = ["rep_id", "date", *PILLARS, "ssi", "industry_rank_pct", "team_rank_pct"]
_DAY = np.timedelta64(1, "D")


# ------------------------------------------------------------------ what is scored
def metric_presence(activity: pd.DataFrame, config: ScoringConfig | None = None) -> pd.DataFrame:
    """Which scored metrics the data can support, and the effective weight of each.

    Returns one row per scored metric: ``metric, pillar, kind, weight, present, share``, where
    ``share`` is the metric's weight as a fraction of its pillar after renormalising over the
    metrics present (0 when absent).

    Examples
    --------
    >>> act = pd.DataFrame({"rep_id": ["a"], "date": pd.to_datetime(["2026-01-01"]),
    ...                     "metric": ["posts"], "value": [3.0]})
    >>> p = metric_presence(act)
    >>> p.loc[p.metric == "posts", "share"].item()
    1.0
    """
    config = config or default_config()
    return _presence(set(pd.unique(activity["metric"])), len(activity) > 0, config)


def _presence(present_raw: set, any_rows: bool, config: ScoringConfig) -> pd.DataFrame:
    """:func:`metric_presence` from the set of raw metric names in the data."""
    rows = []
    for m in config.metrics:
        if m.kind == "days_active":
            ok = any_rows
        else:
            ok = all(i in present_raw for i in m.inputs)
        rows.append({"metric": m.name, "pillar": m.pillar, "kind": m.kind, "weight": m.weight,
                     "present": ok})
    out = pd.DataFrame(rows)
    eff = out["weight"].where(out["present"], 0.0)
    total = eff.groupby(out["pillar"]).transform("sum")
    out["share"] = np.where(total > 0, eff / total.where(total > 0, 1.0), 0.0)
    return out


def check_scorable(activity: pd.DataFrame, config: ScoringConfig | None = None) -> None:
    """Raise :class:`SSIInputError` if some pillar has no metric in ``activity`` to score it."""
    config = config or default_config()
    _check_pillars(metric_presence(activity, config), config)


def _check_pillars(presence: pd.DataFrame, config: ScoringConfig) -> None:
    for pillar in PILLARS:
        p = presence[(presence.pillar == pillar)]
        if not (p.present & (p.weight > 0)).any():
            raise SSIInputError(
                f"no metric of the '{pillar}' pillar is in the activity data, so the pillar "
                "(and SSI) cannot be scored", column="metric",
                fix=f"add at least one of: {scoring_inputs(pillar, config)}")


def scoring_inputs(pillar: str, config: ScoringConfig) -> str:
    """What scores ``pillar``, as a hint names it: each count or level metric, and each rate's
    numerator with its denominator (a denominator alone, such as ``messages_sent``, scores
    nothing).

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
    # a numerator that scores alone (as a count) needs no denominator to be named
    paired = sorted({f"{n} (with {d})" for n, d in rates if n not in singles})
    return ", ".join([*sorted(set(singles)), *paired])


# ------------------------------------------------------------------ dense arrays
class _Cube:
    """Window sums and levels for target (rep, day) rows from one dense metric x rep x day array.

    Inputs are integer codes: ``rep_codes`` (0..n_reps-1), ``days`` (days after ``day0``; rows
    outside 0..n_days-1 are ignored for counts) and ``metric_codes`` into ``metric_names``
    (-1 for a missing metric). The count array holds a leading zero day, so a trailing window is
    one subtraction of cumulative sums: ``cum[k, r, d + 1] - cum[k, r, lo]``.
    """

    def __init__(self, rep_codes: np.ndarray, days: np.ndarray, metric_codes: np.ndarray,
                 values: np.ndarray, metric_names: list, n_reps: int, n_days: int,
                 count_metrics: list[str], level_metrics: list[str]):
        self.n_reps, self.n_days = n_reps, n_days
        nd = n_days + 1

        # levels: last value at or before each day (earlier observations clipped to day 0)
        self.levels: dict[str, np.ndarray] = {}
        for lm in level_metrics:
            code = metric_names.index(lm)
            mask = (metric_codes == code) & (days < n_days)
            obs = pd.DataFrame({"r": rep_codes[mask], "d": np.maximum(days[mask], 0),
                                "raw_d": days[mask], "v": values[mask]})
            obs = obs.sort_values(["r", "raw_d", "v"], kind="stable").drop_duplicates(
                ["r", "d"], keep="last")
            grid = np.full((n_reps, n_days), np.nan)
            grid[obs["r"].to_numpy(), obs["d"].to_numpy()] = obs["v"].to_numpy()
            idx = np.where(np.isnan(grid), 0, np.arange(n_days)[None, :])
            np.maximum.accumulate(idx, axis=1, out=idx)
            filled = np.take_along_axis(grid, idx, axis=1)
            self.levels[lm] = np.nan_to_num(filled, nan=0.0)

        # counts: one bincount into (metric, rep, day + 1), then cumulative sums along days.
        # Arrays as long as the activity are dropped as soon as they are used (the caller
        # passes rep_codes and days without keeping them): the peak memory stays low.
        m_index = {m: i for i, m in enumerate(count_metrics)}
        lut = np.array([m_index.get(name, -1) for name in metric_names] + [-1], dtype=np.int32)
        mcode = lut[metric_codes]                     # a missing metric (-1) maps to -1
        sel = (mcode >= 0) & (days >= 0) & (days < n_days)
        nm = max(len(count_metrics), 1)
        size = nm * n_reps * nd
        rd = rep_codes.astype(np.int64)               # position of (rep, day + 1)
        del rep_codes
        rd *= nd
        rd += days
        rd += 1
        del days

        # days active: any count above zero that day
        self.cum_active = np.zeros((n_reps, nd))
        self.cum_active.reshape(-1)[rd[sel & (values > 0)]] = 1.0
        np.cumsum(self.cum_active, axis=1, out=self.cum_active)

        flat = mcode.astype(np.int64)
        del mcode
        flat *= n_reps * nd
        flat += rd
        del rd
        if not sel.all():
            flat[~sel] = size                         # rows not counted: into a bin dropped below
        del sel
        self.cum = np.bincount(flat, weights=values, minlength=size + 1)[:size]
        del flat
        self.cum = self.cum.reshape(nm, n_reps, nd)
        np.cumsum(self.cum, axis=2, out=self.cum)
        self.count_index = m_index

    def targets(self, r: np.ndarray, d: np.ndarray, window: int) -> _Targets:
        """Flat positions of each target's window ends, shared by every metric."""
        nd = self.n_days + 1
        lo = np.maximum(d + 1 - window, 0)
        return _Targets(hi=r * nd + d + 1, lo=r * nd + lo, at=r * self.n_days + d)

    def window_sum(self, metric: str, t: _Targets) -> np.ndarray:
        cum = self.cum[self.count_index[metric]].reshape(-1)
        return cum.take(t.hi) - cum.take(t.lo)

    def days_active(self, t: _Targets) -> np.ndarray:
        cum = self.cum_active.reshape(-1)
        return cum.take(t.hi) - cum.take(t.lo)

    def level(self, metric: str, t: _Targets) -> np.ndarray:
        return self.levels[metric].reshape(-1).take(t.at)


@dataclass(frozen=True)
class _Targets:
    hi: np.ndarray   # cum position of the window's last day
    lo: np.ndarray   # cum position just before the window's first day
    at: np.ndarray   # level position of the target day


# ------------------------------------------------------------------ metric curves
def count_curve(x: np.ndarray, half: float) -> np.ndarray:
    """``1 - 0.5 ** (x / half)``: 0 at 0, 0.5 at ``half``, approaching 1; never decreasing.

    >>> count_curve(np.array([0.0, 6.0, 12.0]), half=6).round(3).tolist()
    [0.0, 0.5, 0.75]
    """
    return 1.0 - np.power(0.5, np.maximum(x, 0.0) / half)


def shrunk_rate(num: np.ndarray, den: np.ndarray, prior: float, prior_n: float) -> np.ndarray:
    """``(num + prior * prior_n) / (den + prior_n)``: the rate pulled toward ``prior`` when
    ``den`` is small (``prior`` itself when nothing was sent).

    >>> shrunk_rate(np.array([0.0, 5.0, 50.0]), np.array([0.0, 10.0, 100.0]), 0.4, 20).round(3).tolist()
    [0.4, 0.433, 0.483]
    """
    den = np.maximum(den, 0.0)
    if prior_n == 0:
        return np.divide(num, den, out=np.full_like(num, prior, dtype=float), where=den > 0)
    return (num + prior * prior_n) / (den + prior_n)


def rate_curve(rate: np.ndarray, target: float) -> np.ndarray:
    """``min(rate / target, 1)`` (and at least 0)."""
    return np.clip(rate / target, 0.0, 1.0)


def _raw_value(spec: MetricSpec, cube: _Cube, t: _Targets) -> np.ndarray:
    if spec.kind == "count":
        return cube.window_sum(spec.name, t)
    if spec.kind == "days_active":
        return cube.days_active(t)
    if spec.kind == "level":
        return np.clip(cube.level(spec.name, t), 0.0, 1.0)
    num = cube.window_sum(spec.numerator, t)  # type: ignore[arg-type]
    den = cube.window_sum(spec.denominator, t)  # type: ignore[arg-type]
    rate = shrunk_rate(num, den, spec.prior, spec.prior_n)  # type: ignore[arg-type]
    return np.where((den > 0) | (num > 0), rate, 0.0)  # nothing sent: no rate, no credit


def _absolute(spec: MetricSpec, x: np.ndarray) -> np.ndarray:
    if spec.kind in ("count", "days_active"):
        return count_curve(x, spec.half)  # type: ignore[arg-type]
    if spec.kind == "level":
        return x
    return rate_curve(x, spec.target)  # type: ignore[arg-type]


def cohort_percentile(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Share of the other members of each row's group with a strictly lower value.

    ``(rank_min - 1) / (n - 1)``; 0.5 when the group has one member.

    >>> cohort_percentile(np.array([1.0, 2.0, 2.0, 5.0]), np.array([0, 0, 0, 0])).round(3).tolist()
    [0.0, 0.333, 0.333, 1.0]
    """
    codes = pd.factorize(pd.Series(groups))[0]
    rank, n, _ = _group_ranks(values, codes)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(n > 1, (rank - 1) / (n - 1), 0.5)
    return pct


def top_pct(values: np.ndarray, groups: pd.Series) -> np.ndarray:
    """LinkedIn-style "Top N%" within each group (1 = best, 100 = last); NaN where group is NA.

    >>> top_pct(np.array([10.0, 40.0, 40.0, 20.0]), pd.Series(["x"] * 4)).tolist()
    [100.0, 50.0, 50.0, 75.0]
    """
    return _top_pct_codes(values, pd.factorize(groups)[0])


def _top_pct_codes(values: np.ndarray, codes: np.ndarray,
                   by_value: np.ndarray | None = None) -> np.ndarray:
    """:func:`top_pct` for integer group codes (-1: no group)."""
    rank_min, n, n_valid = _group_ranks(values, codes, by_value)
    # rank among the group in descending order, ties taking the worst place ("max"):
    # the number of values at least as high = n_valid - (number strictly lower)
    rank = n_valid - (rank_min - 1)
    return 100.0 * rank / n


def _group_ranks(values: np.ndarray, codes: np.ndarray, by_value: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each value's rank within its group, ties taking the lowest rank (pandas ``method="min"``).

    One sort by (group, value), no loop over groups; ``by_value``, the stable argsort of
    ``values``, may be given when several groupings rank the same values. Returns
    ``(rank, n, n_valid)``: the rank (NaN for a NaN value or a row without a group,
    ``codes < 0``), the group's number of rows and its number of non-NaN values (NaN without
    a group).
    """
    values = np.asarray(values, dtype=float)
    codes = np.asarray(codes, dtype=np.int64)
    grouped = codes >= 0
    valid = grouped & ~np.isnan(values)
    if by_value is None:
        by_value = np.argsort(values, kind="stable")
    order = by_value[valid[by_value]]                       # valid rows, by value
    key = codes[order]
    if len(key) and key.max() < 2**16:
        key = key.astype(np.uint16)                         # a radix sort: linear time
    order = order[np.argsort(key, kind="stable")]           # then by group
    c, v = codes[order], values[order]
    pos = np.arange(len(order))
    first_of_group = np.ones(len(order), dtype=bool)
    first_of_group[1:] = c[1:] != c[:-1]
    first_of_tie = first_of_group.copy()
    first_of_tie[1:] |= v[1:] != v[:-1]
    group_start = np.maximum.accumulate(np.where(first_of_group, pos, 0))
    tie_start = np.maximum.accumulate(np.where(first_of_tie, pos, 0))
    rank = np.full(len(values), np.nan)
    rank[order] = tie_start - group_start + 1
    size = np.bincount(codes[grouped]).astype(float) if grouped.any() else np.zeros(0)
    size_valid = np.bincount(codes[valid], minlength=len(size)).astype(float)
    n = np.full(len(values), np.nan)
    n_valid = np.full(len(values), np.nan)
    n[grouped] = size[codes[grouped]]
    n_valid[grouped] = size_valid[codes[grouped]]
    return rank, n, n_valid


# ------------------------------------------------------------------ the public API
def _as_day(value: object, what: str) -> np.datetime64:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise SSIInputError(f"{what} '{value}' is not a date", fix="use YYYY-MM-DD") from None
    if pd.isna(ts):
        raise SSIInputError(f"{what} is missing", fix="use YYYY-MM-DD")
    return np.datetime64(ts.tz_localize(None) if ts.tzinfo else ts, "D")


def _check_activity(activity: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("rep_id", "date", "metric", "value") if c not in activity]
    if missing:
        raise SSIInputError(f"activity needs columns rep_id, date, metric, value; missing "
                            f"{', '.join(missing)}", file="activity",
                            fix="load files with load_data(), or melt a wide table to long form")
    act = activity[["rep_id", "date", "metric", "value"]]
    if act["value"].isna().any() or act["date"].isna().any():
        raise SSIInputError("activity has missing dates or values", file="activity",
                            fix="load files with load_data(), which rejects such rows")
    if not pd.api.types.is_datetime64_any_dtype(act["date"]):
        act = act.assign(date=pd.to_datetime(act["date"]))
    return act


ENGINES = ("pandas", "duckdb")
"""Where :func:`score` computes: ``pandas`` in memory (default), ``duckdb`` in SQL."""


def score(activity: pd.DataFrame, reps: pd.DataFrame | None = None, *,
          config: ScoringConfig | None = None, asof: object = None, daily: bool = False,
          at: pd.DataFrame | None = None, window: int | None = None, mode: str | None = None,
          details: bool = False, engine: str = "pandas") -> pd.DataFrame:
    """Score SSI pillars for every rep.

    Parameters
    ----------
    activity : DataFrame
        Long form ``rep_id, date, metric, value`` (as :func:`~ssi_analysis.io.load_data` gives).
    reps : DataFrame, optional
        ``rep_id`` plus ``industry`` and ``team`` for ranks and relative cohorts. Every rep here
        is scored, including reps with no activity at all; without it, the reps in ``activity``.
    config : ScoringConfig, optional
        Defaults to :func:`~ssi_analysis.config.default_config`.
    asof : date-like, optional
        Score every rep as of this date. Default: the last activity date.
    daily : bool
        One row per rep per day from the first to the last activity date.
    at : DataFrame, optional
        Score exactly these ``rep_id, date`` pairs (e.g. each outcome period's start).
    window, mode : optional
        Override ``config.window_days`` / ``config.mode``.
    details : bool
        Also return, per scored metric, its window value (``<metric>_value``) and 0..1 score
        (``<metric>_score``), so every pillar can be recomputed by hand.
    engine : {'pandas', 'duckdb'}
        ``pandas`` computes in memory with numpy; ``duckdb`` runs SQL generated from the same
        config (needs the ``duckdb`` extra) and gives the same scores. For activity larger than
        memory, score the Parquet files directly with
        :func:`ssi_analysis.engines.duckdb.score_parquet`.

    Returns
    -------
    DataFrame
        ``rep_id, date, brand, people, insights, relationships, ssi, industry_rank_pct,
        team_rank_pct`` sorted by rep and date. ``.attrs["notes"]`` lists what was left out.
    """
    if engine not in ENGINES:
        raise SSIConfigError(f"engine '{engine}' is not one of {', '.join(ENGINES)}",
                             fix="use engine='pandas' or engine='duckdb'")
    setup = _prepare(activity, reps, config=config, asof=asof, daily=daily, at=at,
                     window=window, mode=mode)
    if engine == "duckdb":
        from .engines.duckdb import _score_setup

        return _score_setup(setup, details=details)
    return _score_pandas(setup, details=details)


@dataclass
class _Setup:
    """What both engines need to score: checked inputs, the metrics used, the target rows."""

    config: ScoringConfig
    act: pd.DataFrame                     # rep_id, date, metric, value (checked)
    universe: pd.Index                    # every rep to score, as sorted text
    rep_info: pd.DataFrame                # indexed by rep_id (text)
    rep_raw: np.ndarray                   # activity rows -> rep_values
    rep_text: pd.Index                    # distinct activity rep_ids as text
    metric_codes: np.ndarray              # activity rows -> metric_names (-1: missing)
    metric_names: list
    present: list                         # the metric names some row has
    used: list[MetricSpec]
    notes: list[str]
    t_rep: np.ndarray                     # target rows: position in universe
    t_day: np.ndarray                     # target rows: datetime64[D]


def _prepare(activity: pd.DataFrame, reps: pd.DataFrame | None, *, config: ScoringConfig | None,
             asof: object, daily: bool, at: pd.DataFrame | None, window: int | None,
             mode: str | None) -> _Setup:
    config = (config or default_config()).with_options(window_days=window, mode=mode)
    act = _check_activity(activity)
    notes: list[str] = []

    # integer codes for reps and metrics: every per-row step works on them
    rep_raw, rep_values = _codes(act["rep_id"], na_value=True)
    rep_text = pd.Index(rep_values).astype(str)
    seen = pd.Index(pd.unique(rep_text[pd.unique(rep_raw)]))
    if reps is not None:
        if "rep_id" not in reps:
            raise SSIInputError("reps needs a rep_id column", file="reps", column="rep_id")
        universe = pd.Index(pd.unique(reps["rep_id"].astype(str))).sort_values()
        unknown = seen.difference(universe)
        if len(unknown):
            raise SSIInputError(f"{len(unknown)} rep_id(s) in activity are not in reps, e.g. "
                                f"'{unknown[0]}'", file="activity", column="rep_id",
                                fix="add them to reps, or load with load_data(), which "
                                "rejects such rows with a reason")
        rep_info = reps.assign(rep_id=reps["rep_id"].astype(str)).set_index("rep_id")
    else:
        universe = seen.sort_values()
        rep_info = pd.DataFrame(index=universe)
    if len(universe) == 0:
        raise SSIDataError("there are no reps to score", file="reps")
    metric_codes, metric_values = _codes(act["metric"], na_value=False)
    metric_names = list(metric_values)
    present = [metric_names[c] for c in pd.unique(metric_codes) if c >= 0]

    used = _used_metrics(set(present), len(act) > 0, config, notes)

    # the target rows
    if at is not None:
        if not {"rep_id", "date"} <= set(at.columns):
            raise SSIInputError("'at' needs rep_id and date columns")
        targets = pd.DataFrame({"rep_id": at["rep_id"].astype(str),
                                "date": pd.to_datetime(at["date"]).dt.normalize()})
        bad = ~targets["rep_id"].isin(universe)
        if bad.any():
            raise SSIInputError(f"{int(bad.sum())} rep_id(s) to score are not known, e.g. "
                                f"'{targets.rep_id[bad].iloc[0]}'", column="rep_id")
        t_rep = universe.get_indexer(targets["rep_id"])
        t_day = targets["date"].to_numpy().astype("datetime64[D]")
    else:
        days = _target_days(act["date"], asof=asof, daily=daily)
        t_rep = np.repeat(np.arange(len(universe)), len(days))
        t_day = np.tile(days, len(universe))
    return _Setup(config, act, universe, rep_info, rep_raw, rep_text, metric_codes,
                  metric_names, present, used, notes, t_rep, t_day)


def _codes(s: pd.Series, *, na_value: bool) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and the values they stand for, as ``pd.factorize`` gives (``na_value``:
    missing is a value of its own, else code -1); a categorical's own small codes, not a copy.
    Values may include categories no row uses."""
    if not isinstance(s.dtype, pd.CategoricalDtype):
        return pd.factorize(s, use_na_sentinel=not na_value)
    codes, values = s.cat.codes.to_numpy(), pd.Index(s.cat.categories)
    if na_value and (codes < 0).any():
        codes = np.where(codes < 0, len(values), codes)
        values = values.astype(object).append(pd.Index([np.nan], dtype=object))
    return codes, values


def _score_pandas(setup: _Setup, *, details: bool) -> pd.DataFrame:
    config, act, universe, notes = setup.config, setup.act, setup.universe, setup.notes
    used, t_rep, t_day = setup.used, setup.t_rep, setup.t_day
    w = config.window_days
    day0 = (t_day.min() - np.timedelta64(w - 1, "D")) if len(t_day) else np.datetime64("2000-01-01")
    n_days = int((t_day.max() - day0) // _DAY) + 1 if len(t_day) else 1
    count_inputs = sorted({i for m in used for i in m.inputs if i not in LEVEL_METRICS}
                          | ({i for i in setup.present if i not in LEVEL_METRICS}
                             if any(m.kind == "days_active" for m in used) else set()))
    level_inputs = sorted({m.name for m in used if m.kind == "level"})
    # the row arrays go to the cube without a name here, so that it can free each when done
    cube = _Cube(universe.get_indexer(setup.rep_text).astype(np.int32)[setup.rep_raw],
                 _days_after(act["date"], day0), setup.metric_codes,
                 act["value"].to_numpy(dtype=float), setup.metric_names, len(universe),
                 n_days, count_inputs, level_inputs)
    t_d = ((t_day - day0) // _DAY).astype(np.int64)
    t = cube.targets(t_rep, t_d, w)

    out = pd.DataFrame({"rep_id": universe.to_numpy(dtype=object)[t_rep],
                        "date": t_day.astype("datetime64[ns]")})
    cohort = None
    if config.mode == "relative":
        label_code = pd.factorize(_cohort_labels(universe, setup.rep_info, config, notes))[0]
        cohort = pd.factorize(label_code[t_rep] * n_days + t_d)[0]

    pillar_num = {p: np.zeros(len(out)) for p in PILLARS}
    pillar_den = dict.fromkeys(PILLARS, 0.0)
    extra = {}
    for m in used:
        x = _raw_value(m, cube, t)
        s = _absolute(m, x) if cohort is None else cohort_percentile(x, cohort)
        pillar_num[m.pillar] += m.weight * s
        pillar_den[m.pillar] += m.weight
        if details:
            extra[f"{m.name}_value"] = x
            extra[f"{m.name}_score"] = s
    del cube, t
    for p in PILLARS:
        out[p] = 25.0 * pillar_num[p] / pillar_den[p]
    out["ssi"] = out[list(PILLARS)].sum(axis=1)

    # ranks within industry and team on each date
    by_ssi = np.argsort(out["ssi"].to_numpy(), kind="stable")
    for (_, name), label in zip(RANKS, _rank_labels(universe, setup.rep_info, notes),
                                strict=True):
        if label is None:
            out[name] = np.nan
            continue
        code = np.full(len(universe), -1, dtype=np.int64)
        known = label.notna().to_numpy()
        code[known] = pd.factorize(label[known])[0]
        group = np.where(code[t_rep] >= 0, code[t_rep] * n_days + t_d, -1)
        out[name] = _top_pct_codes(out["ssi"].to_numpy(), group, by_ssi)
    if details:
        out = pd.concat([out, pd.DataFrame(extra)], axis=1)
    order = np.lexsort((t_day, t_rep))        # by rep_id (the universe is sorted), then date
    if (order != np.arange(len(order))).any():
        out = out.iloc[order]
    out = out.reset_index(drop=True)
    out.attrs["notes"] = notes
    return out


def _days_after(dates: pd.Series, day0: np.datetime64) -> np.ndarray:
    """Whole days from ``day0`` to each date (int64)."""
    values = dates.to_numpy()
    if values.dtype == np.dtype("datetime64[ns]"):   # in integer arithmetic, one pass
        days = values.view(np.int64) - day0.astype("datetime64[ns]").view(np.int64)
        days //= 86_400_000_000_000
        return days
    return ((values.astype("datetime64[D]") - day0) // _DAY).astype(np.int64)


RANKS = (("industry", "industry_rank_pct"), ("team", "team_rank_pct"))
"""The rank columns: LinkedIn's "Top N%" within the rep's industry and team on each date."""


def _cohort_labels(universe: pd.Index, rep_info: pd.DataFrame, config: ScoringConfig,
                   notes: list[str]) -> pd.Series:
    """Each rep's relative-mode cohort (in universe order), as text; noting a missing column."""
    col = config.cohort
    if col in rep_info:
        labels = rep_info[col].astype(object).where(rep_info[col].notna(), "unknown")
    else:
        labels = pd.Series("all", index=rep_info.index)
        notes.append(f"relative mode: reps have no '{col}' column; percentiles are within "
                     "the whole organisation")
    return pd.Series(universe).map(labels).astype(str)


def _rank_labels(universe: pd.Index, rep_info: pd.DataFrame,
                 notes: list[str]) -> list[pd.Series | None]:
    """Each rep's industry and team (in universe order) as text or NA, ``None`` for a missing
    column; noting reps without one."""
    out: list[pd.Series | None] = []
    for col, name in RANKS:
        if col in rep_info:
            label = pd.Series(universe).map(rep_info[col]).astype(object)
            n_missing = int(rep_info[col].isna().sum())
            if n_missing:
                notes.append(f"{n_missing} rep(s) have no {col}: no {name} for them")
            out.append(label.where(label.isna(), label.astype(str)))
        else:
            notes.append(f"reps have no '{col}' column: {name} is empty")
            out.append(None)
    return out


def _used_metrics(present_raw: set, any_rows: bool, config: ScoringConfig,
                  notes: list[str]) -> list[MetricSpec]:
    """The scored metrics the data support (weight > 0), noting the ones left out."""
    presence = _presence(present_raw, any_rows, config)
    _check_pillars(presence, config)
    absent = presence.loc[~presence.present, "metric"].tolist()
    if absent:
        notes.append(f"metrics left out (absent from the data; pillar weights renormalised): "
                     f"{', '.join(absent)}")
    present = presence.set_index("metric")["present"]
    return [m for m in config.metrics if present[m.name] and m.weight > 0]


def _target_days(dates: pd.Series, *, asof: object, daily: bool) -> np.ndarray:
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
    day = (_as_day(asof, "as-of date") if asof is not None
           else dates.max().to_datetime64().astype("datetime64[D]"))
    return np.array([day])
