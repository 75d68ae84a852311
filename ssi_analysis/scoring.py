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

import numpy as np
import pandas as pd

from .config import PILLARS, MetricSpec, ScoringConfig, default_config
from .errors import SSIDataError, SSIInputError
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
    present_raw = set(pd.unique(activity["metric"]))
    rows = []
    for m in config.metrics:
        if m.kind == "days_active":
            ok = len(activity) > 0
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
            needs = sorted({i for m in config.metrics if m.pillar == pillar and m.weight > 0
                            for i in (m.inputs or ("any activity",))})
            raise SSIInputError(
                f"no metric of the '{pillar}' pillar is in the activity data, so the pillar "
                "(and SSI) cannot be scored", column="metric",
                fix=f"add at least one of: {', '.join(needs)}")


# ------------------------------------------------------------------ dense arrays
class _Cube:
    """Window sums and levels for target (rep, day) rows from one dense rep x day x metric array."""

    def __init__(self, activity: pd.DataFrame, rep_codes: np.ndarray, n_reps: int,
                 day0: np.datetime64, n_days: int, count_metrics: list[str],
                 level_metrics: list[str]):
        self.day0, self.n_days = day0, n_days
        days = ((activity["date"].to_numpy().astype("datetime64[D]") - day0) // _DAY).astype(np.int64)
        values = activity["value"].to_numpy(dtype=float)
        metric = activity["metric"].to_numpy()

        # counts: one bincount into (rep, day, metric), then cumulative sums along days
        m_index = {m: i for i, m in enumerate(count_metrics)}
        mcode = pd.Series(metric).map(m_index).to_numpy(dtype=float)
        sel = ~np.isnan(mcode) & (days >= 0) & (days < n_days)
        nm = max(len(count_metrics), 1)
        flat = (rep_codes[sel] * n_days + days[sel]) * nm + mcode[sel].astype(np.int64)
        cube = np.bincount(flat, weights=values[sel], minlength=n_reps * n_days * nm)
        cube = cube.reshape(n_reps, n_days, nm)
        self.cum = np.zeros((n_reps, n_days + 1, nm))
        np.cumsum(cube, axis=1, out=self.cum[:, 1:, :])
        self.count_index = m_index

        # days active: any count above zero that day
        act = np.zeros((n_reps, n_days), dtype=bool)
        pos = sel & (values > 0)
        act[rep_codes[pos], days[pos]] = True
        self.cum_active = np.zeros((n_reps, n_days + 1))
        np.cumsum(act, axis=1, out=self.cum_active[:, 1:])
        del cube, act

        # levels: last value at or before each day (earlier observations clipped to day 0)
        self.levels: dict[str, np.ndarray] = {}
        for lm in level_metrics:
            mask = (metric == lm) & (days < n_days)
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

    def window_sum(self, metric: str, r: np.ndarray, d: np.ndarray, window: int) -> np.ndarray:
        k = self.count_index[metric]
        lo = np.maximum(d + 1 - window, 0)
        return self.cum[r, d + 1, k] - self.cum[r, lo, k]

    def days_active(self, r: np.ndarray, d: np.ndarray, window: int) -> np.ndarray:
        lo = np.maximum(d + 1 - window, 0)
        return self.cum_active[r, d + 1] - self.cum_active[r, lo]

    def level(self, metric: str, r: np.ndarray, d: np.ndarray) -> np.ndarray:
        return self.levels[metric][r, d]


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


def _raw_value(spec: MetricSpec, cube: _Cube, r: np.ndarray, d: np.ndarray,
               window: int) -> np.ndarray:
    if spec.kind == "count":
        return cube.window_sum(spec.name, r, d, window)
    if spec.kind == "days_active":
        return cube.days_active(r, d, window)
    if spec.kind == "level":
        return np.clip(cube.level(spec.name, r, d), 0.0, 1.0)
    num = cube.window_sum(spec.numerator, r, d, window)  # type: ignore[arg-type]
    den = cube.window_sum(spec.denominator, r, d, window)  # type: ignore[arg-type]
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
    s = pd.Series(values)
    g = pd.Series(groups)
    rank = s.groupby(g).rank(method="min").to_numpy()
    n = g.map(g.value_counts()).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(n > 1, (rank - 1) / (n - 1), 0.5)
    return pct


def top_pct(values: np.ndarray, groups: pd.Series) -> np.ndarray:
    """LinkedIn-style "Top N%" within each group (1 = best, 100 = last); NaN where group is NA.

    >>> top_pct(np.array([10.0, 40.0, 40.0, 20.0]), pd.Series(["x"] * 4)).tolist()
    [100.0, 50.0, 50.0, 75.0]
    """
    s = pd.Series(values, index=groups.index)
    rank = s.groupby(groups, dropna=True).rank(method="max", ascending=False)
    n = groups.map(groups.value_counts(dropna=True))
    return (100.0 * rank / n).to_numpy(dtype=float)


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


def score(activity: pd.DataFrame, reps: pd.DataFrame | None = None, *,
          config: ScoringConfig | None = None, asof: object = None, daily: bool = False,
          at: pd.DataFrame | None = None, window: int | None = None, mode: str | None = None,
          details: bool = False) -> pd.DataFrame:
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

    Returns
    -------
    DataFrame
        ``rep_id, date, brand, people, insights, relationships, ssi, industry_rank_pct,
        team_rank_pct`` sorted by rep and date. ``.attrs["notes"]`` lists what was left out.
    """
    config = (config or default_config()).with_options(window_days=window, mode=mode)
    act = _check_activity(activity)
    notes: list[str] = []

    if reps is not None:
        if "rep_id" not in reps:
            raise SSIInputError("reps needs a rep_id column", file="reps", column="rep_id")
        universe = pd.Index(pd.unique(reps["rep_id"].astype(str))).sort_values()
        unknown = pd.Index(pd.unique(act["rep_id"].astype(str))).difference(universe)
        if len(unknown):
            raise SSIInputError(f"{len(unknown)} rep_id(s) in activity are not in reps, e.g. "
                                f"'{unknown[0]}'", file="activity", column="rep_id",
                                fix="add them to reps, or load with load_data(), which "
                                "rejects such rows with a reason")
        rep_info = reps.assign(rep_id=reps["rep_id"].astype(str)).set_index("rep_id")
    else:
        universe = pd.Index(pd.unique(act["rep_id"].astype(str))).sort_values()
        rep_info = pd.DataFrame(index=universe)
    if len(universe) == 0:
        raise SSIDataError("there are no reps to score", file="reps")

    presence = metric_presence(act, config)
    _check_pillars(presence, config)
    absent = presence.loc[~presence.present, "metric"].tolist()
    if absent:
        notes.append(f"metrics left out (absent from the data; pillar weights renormalised): "
                     f"{', '.join(absent)}")
    used = [m for m in config.metrics if presence.set_index("metric").at[m.name, "present"]
            and m.weight > 0]

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
        if act.empty and asof is None:
            raise SSIDataError("there is no activity, so there is no date to score as of",
                               file="activity", fix="pass an as-of date (--asof YYYY-MM-DD)")
        if daily:
            if act.empty:
                raise SSIDataError("there is no activity to make a daily series from",
                                   file="activity")
            first = act["date"].min().to_datetime64().astype("datetime64[D]")
            last = act["date"].max().to_datetime64().astype("datetime64[D]")
            days = np.arange(first, last + _DAY, _DAY)
        else:
            day = (_as_day(asof, "as-of date") if asof is not None
                   else act["date"].max().to_datetime64().astype("datetime64[D]"))
            days = np.array([day])
        t_rep = np.repeat(np.arange(len(universe)), len(days))
        t_day = np.tile(days, len(universe))

    w = config.window_days
    day0 = (t_day.min() - np.timedelta64(w - 1, "D")) if len(t_day) else np.datetime64("2000-01-01")
    n_days = int((t_day.max() - day0) // _DAY) + 1 if len(t_day) else 1
    rep_codes = universe.get_indexer(act["rep_id"].astype(str)).astype(np.int64)
    count_inputs = sorted({i for m in used for i in m.inputs if i not in LEVEL_METRICS}
                          | ({i for i in pd.unique(act["metric"]) if i not in LEVEL_METRICS}
                             if any(m.kind == "days_active" for m in used) else set()))
    level_inputs = sorted({m.name for m in used if m.kind == "level"})
    cube = _Cube(act, rep_codes, len(universe), day0, n_days, count_inputs, level_inputs)
    t_d = ((t_day - day0) // _DAY).astype(np.int64)

    out = pd.DataFrame({"rep_id": universe[t_rep].to_numpy(dtype=object),
                        "date": t_day.astype("datetime64[ns]")})
    cohort = None
    if config.mode == "relative":
        col = config.cohort
        if col in rep_info:
            labels = rep_info[col].astype(object).where(rep_info[col].notna(), "unknown")
        else:
            labels = pd.Series("all", index=rep_info.index)
            notes.append(f"relative mode: reps have no '{col}' column; percentiles are within "
                         "the whole organisation")
        lab = pd.Series(universe[t_rep]).map(labels).to_numpy(dtype=object)
        cohort = pd.factorize(pd.Series(lab).astype(str) + "|" + pd.Series(t_d).astype(str))[0]

    pillar_num = {p: np.zeros(len(out)) for p in PILLARS}
    pillar_den = dict.fromkeys(PILLARS, 0.0)
    extra = {}
    for m in used:
        x = _raw_value(m, cube, t_rep, t_d, w)
        s = _absolute(m, x) if cohort is None else cohort_percentile(x, cohort)
        pillar_num[m.pillar] += m.weight * s
        pillar_den[m.pillar] += m.weight
        if details:
            extra[f"{m.name}_value"] = x
            extra[f"{m.name}_score"] = s
    for p in PILLARS:
        out[p] = 25.0 * pillar_num[p] / pillar_den[p]
    out["ssi"] = out[list(PILLARS)].sum(axis=1)

    # ranks within industry and team on each date
    for col, name in (("industry", "industry_rank_pct"), ("team", "team_rank_pct")):
        if col in rep_info:
            label = pd.Series(universe[t_rep]).map(rep_info[col]).astype(object)
            n_missing = int(rep_info[col].isna().sum())
            if n_missing:
                notes.append(f"{n_missing} rep(s) have no {col}: no {name} for them")
            key = label.where(label.isna(), label.astype(str) + "|" + pd.Series(t_d).astype(str))
            out[name] = top_pct(out["ssi"].to_numpy(), key)
        else:
            out[name] = np.nan
            notes.append(f"reps have no '{col}' column: {name} is empty")
    if details:
        out = pd.concat([out, pd.DataFrame(extra)], axis=1)
    out = out.sort_values(["rep_id", "date"], kind="stable").reset_index(drop=True)
    out.attrs["notes"] = notes
    return out
