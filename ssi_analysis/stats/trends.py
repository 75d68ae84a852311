"""Weekly SSI from the daily series, its change over recent weeks, and the team leaderboard.

LinkedIn updates the SSI daily but shows a weekly chart and a week-over-week change. Here:

Weekly value
    The score on the **last day of each ISO week** (Sunday; ``value="last"``), the point
    LinkedIn's weekly chart shows, or the mean over the week's seven days (``value="mean"``).
    The same choice applies to every function that takes a weekly table.

Only comparable weeks
    A score sums activity over a trailing window (90 days by default). For the first
    ``window_days − 1`` days of a series the window reaches back before the first recorded day,
    so scores climb only because the window is filling. :func:`weekly_scores` therefore keeps
    a week only if **every day** of it has a full window (its Monday is at least
    ``window_days − 1`` days after the first date of the series) and it is **complete** (all
    seven days present for the rep). The weeks dropped are counted in the result's ``.notes``.

Groups
    A team's (industry's) weekly SSI is the **mean** of its reps' — LinkedIn's benchmarks are
    averages — with a t interval; its change is the mean of its reps' changes (reps present in
    both weeks), which on a complete panel equals the change of the mean, so the numbers add up.

Examples
--------
>>> import ssi_analysis as ssi
>>> b = ssi.load_data(ssi.example_data_dir())
>>> daily = ssi.score(b.activity, b.reps, daily=True)
>>> w = weekly_scores(daily).table
>>> w.week.iloc[0], w.week.iloc[-1], w.rep_id.nunique()
('2026-W15', '2026-W26', 300)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from ..config import default_config
from ..errors import SSIConfigError, SSIDataError, SSIInputError
from ..scoring.scores import check_one_row_per_rep_and_date
from ..tables import NotedTable, table_of
from ._bootstrap import (
    SortedOnce,
    bootstrap_intervals,
    column_products,
    jackknife_acceleration,
    quantiles_leaving_out,
    resample_counts,
    weighted_quantiles,
)
from ._common import CONFIDENCE, CORE_COLUMNS, not_estimable, results_table
from .industry import OUTCOMES, _p_adjust, attach_groups

WEEKLY_VALUES = ("last", "mean")
TREND_COLUMNS: tuple[str, ...] = (
    "by", "group", "value", *CORE_COLUMNS, "mean_start", "mean_end", "week_start", "week_end",
    "weeks", "ci_method", "adjust_method", "estimable", "reason")
LEADERBOARD_COLUMNS: tuple[str, ...] = (
    "rank", "by", "group", "value", "week", "n", "estimate", "ci_low", "ci_high", "previous",
    "change", "n_change", "ci_method", "estimable", "reason")
DISTRIBUTION_COLUMNS: tuple[str, ...] = (
    "value", "statistic", "threshold", "n", "n_reps", "estimate", "ci_low", "ci_high",
    "ci_method", "estimable", "reason")
_DAY = pd.Timedelta(days=1)


# ------------------------------------------------------------------ weekly values
@dataclass(frozen=True, eq=False, repr=False)
class WeeklyScores(NotedTable):
    """Weekly scores (:func:`weekly_scores`): ``.table``, ``.notes`` (the weeks left out) and
    ``.value`` (``last`` or ``mean``)."""

    value: str = "last"

    def describe_table(self) -> str:
        t = self.table
        if t.empty:
            return "no complete week"
        return (f"{t['rep_id'].nunique()} reps, {t['week'].nunique()} weeks ({t['week'].min()} "
                f"to {t['week'].max()}), each rep's {self.value} score of the week")


def weekly_scores(daily: NotedTable | pd.DataFrame, *, value: str = "last", window_days: int | None = None,
                  columns: Sequence[str] | None = None) -> WeeklyScores:
    """Weekly scores per rep from the daily series, full-window complete ISO weeks only.

    Parameters
    ----------
    daily : Scores or DataFrame
        ``ssi_analysis.score(..., daily=True)``: one row per rep per day.
    value : {'last', 'mean'}
        The score on the week's last day (Sunday; as LinkedIn's weekly chart) or the week's mean.
    window_days : int, optional
        The trailing window the daily scores used: by default the one they were scored with
        (their ``.config``), else the default config's (90).
    columns : sequence of str, optional
        Score columns to carry; the four pillars and ``ssi`` by default.

    Returns
    -------
    WeeklyScores
        ``.table``: ``rep_id, week, week_start, week_end, n_days`` and the score columns, one
        row per rep and ISO week (``week`` like ``2026-W15``; ``week_start`` the Monday,
        ``week_end`` the Sunday), sorted by rep and week; ``.notes``: which weeks were dropped.

    Raises
    ------
    SSIDataError
        The series is too short to hold one complete week with a full window.

    Examples
    --------
    >>> from ssi_analysis import score
    >>> from ssi_analysis.simulate import simulate
    >>> t, _ = simulate(60, seed=2, days=150)
    >>> daily = score(t["activity"], t["reps"], daily=True)
    >>> weekly = weekly_scores(daily)
    >>> w = weekly.table
    >>> w.week.iloc[0], w.week.iloc[-1], w.rep_id.nunique()
    ('2026-W15', '2026-W21', 60)
    >>> one = daily.table[(daily.table.rep_id == "R0001") & (daily.table.date == "2026-04-12")]
    >>> bool(w.loc[(w.rep_id == "R0001") & (w.week == "2026-W15"), "ssi"].item() == one.ssi.item())
    True
    >>> weekly.notes[0]
    'weeks before 2026-04-06 left out: the 90-day window was still filling (the series starts 2026-01-01)'
    """
    if value not in WEEKLY_VALUES:
        raise SSIConfigError(f"value must be 'last' or 'mean', got {value!r}")
    scored_with = getattr(daily, "config", None)
    daily = table_of(daily)
    window = ((scored_with or default_config()).window_days if window_days is None
              else window_days)
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise SSIConfigError(f"window_days must be a whole number of days >= 1, got {window!r}")
    columns = list(OUTCOMES if columns is None else columns)
    missing = [c for c in ("rep_id", "date", *columns) if c not in daily]
    if missing:
        raise SSIInputError(f"the daily scores have no column {', '.join(map(repr, missing))}",
                            column=missing[0], fix="pass ssi_analysis.score(..., daily=True)")
    d = daily[["rep_id", "date", *columns]].copy()
    d["rep_id"] = d["rep_id"].astype(str)
    d["date"] = pd.to_datetime(d["date"]).dt.normalize()
    check_one_row_per_rep_and_date(d, what="the daily scores",
                                   fix="pass one row per rep per day (score(..., daily=True))")
    if d.empty:
        raise SSIDataError("the daily scores are empty")
    start, end = d["date"].min(), d["date"].max()
    full_from = start + (window - 1) * _DAY
    d["week_start"] = d["date"] - pd.to_timedelta(d["date"].dt.day_of_week, unit="D")
    first_week = full_from + ((7 - full_from.day_of_week) % 7) * _DAY
    notes = []
    filling = d["week_start"] < full_from
    if filling.any():
        notes.append(f"weeks before {first_week:%Y-%m-%d} left out: the {window}-day window was "
                     f"still filling (the series starts {start:%Y-%m-%d})")
    d = d.loc[~filling]
    g = d.groupby(["rep_id", "week_start"], sort=True)
    n_days = g["date"].transform("size")
    partial = n_days < 7
    if partial.any():
        n_partial = int(d.loc[partial, ["rep_id", "week_start"]].drop_duplicates().shape[0])
        notes.append(f"{n_partial} rep-week(s) with fewer than 7 days left out (incomplete "
                     f"weeks, e.g. the last one when the series ends before a Sunday)")
    d = d.loc[~partial]
    if d.empty:
        raise SSIDataError(
            f"no complete week with a full {window}-day window: the series runs from "
            f"{start:%Y-%m-%d} to {end:%Y-%m-%d}, and the first full-window week starts "
            f"{first_week:%Y-%m-%d}", file="activity",
            fix=f"use at least {window + 13} days of activity, or a shorter window")
    d = d.sort_values(["rep_id", "date"], kind="stable")
    if value == "last":
        out = d.drop_duplicates(["rep_id", "week_start"], keep="last").drop(columns="date")
    else:
        out = d.groupby(["rep_id", "week_start"], sort=True)[columns].mean().reset_index()
    out = out.reset_index(drop=True)
    iso = out["week_start"].dt.isocalendar()
    out["week"] = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    out["week_end"] = out["week_start"] + 6 * _DAY
    out["n_days"] = 7
    out = out[["rep_id", "week", "week_start", "week_end", "n_days", *columns]]
    return WeeklyScores(out, notes=tuple(notes), value=value)


def _check_weekly(weekly: pd.DataFrame, value: str) -> None:
    missing = [c for c in ("rep_id", "week_start", value) if c not in weekly]
    if missing:
        raise SSIInputError(f"the weekly table has no column {', '.join(map(repr, missing))}",
                            column=missing[0], fix="pass the output of weekly_scores()")


def weekly_changes(weekly: pd.DataFrame, *, value: str = "ssi", lag: int = 1) -> pd.DataFrame:
    """Each rep's change over ``lag`` weeks, for every week that has the week ``lag`` before.

    Returns
    -------
    DataFrame
        ``rep_id, week, week_start, week_end, <value>, previous, change`` (``change = value −
        previous``, in points), one row per rep and week with a week ``lag`` weeks earlier.

    Examples
    --------
    >>> w = pd.DataFrame({"rep_id": ["a"] * 3, "week": ["W1", "W2", "W4"],
    ...                   "week_start": pd.to_datetime(["2026-04-06", "2026-04-13", "2026-04-27"]),
    ...                   "ssi": [30.0, 32.5, 31.0]})
    >>> weekly_changes(w)[["week", "previous", "change"]]
      week  previous  change
    0   W2      30.0     2.5
    """
    weekly = table_of(weekly)
    _check_weekly(weekly, value)
    if isinstance(lag, bool) or not isinstance(lag, int) or lag < 1:
        raise SSIConfigError(f"lag must be a whole number of weeks >= 1, got {lag!r}")
    keep = [c for c in ("rep_id", "week", "week_start", "week_end", value) if c in weekly]
    now = weekly[keep].copy()
    prev = weekly[["rep_id", "week_start", value]].rename(columns={value: "previous"})
    prev = prev.assign(week_start=prev["week_start"] + pd.Timedelta(weeks=lag))
    out = now.merge(prev, on=["rep_id", "week_start"], how="inner")
    out["change"] = out[value] - out["previous"]
    return out.sort_values(["rep_id", "week_start"], kind="stable").reset_index(drop=True)


def _change_resampler(mat: np.ndarray, crossing: np.ndarray, quantiles: Sequence[float]):
    """The shares and quantiles of pooled rep-week changes, for resamples of reps.

    ``mat`` is reps x weeks (NaN where a rep has no change), ``crossing`` reps x shares (how
    many of each rep's weeks cross each threshold). A resample's share is its counts times the
    reps' crossings over its counts times their weeks (exact integers: O(reps)); its quantiles
    come from the changes sorted once and the cumulative counts
    (:func:`~ssi_analysis.stats._bootstrap.weighted_quantiles`: numpy's quantile of the
    expanded resample, O(rep-weeks) with no partition). BCa's acceleration comes from the
    exact leave-one-rep-out values (the shares from the totals minus the rep's, the
    quantiles from :func:`~ssi_analysis.stats._bootstrap.quantiles_leaving_out`): the numbers
    scipy's jackknife computes, without re-pooling every rep-week once per rep.
    """
    finite = np.isfinite(mat)
    n_reps = mat.shape[0]
    weeks = finite.sum(axis=1).astype(float)
    crossing = crossing.astype(float)
    rep_of = np.nonzero(finite)[0]
    srt = SortedOnce(mat[finite])
    rep_sorted = rep_of[srt.order]
    qs = list(quantiles)

    def from_counts(counts: np.ndarray) -> np.ndarray:
        c = counts.astype(float)
        shares = column_products(c, crossing) / (c @ weeks)[:, None]
        if not qs:
            return shares.T
        ws = np.take(counts, rep_sorted, axis=1)
        return np.concatenate([shares, weighted_quantiles(srt.values, ws, qs)], axis=1).T

    def statistic(idx: np.ndarray, axis: int = -1) -> np.ndarray:
        return from_counts(resample_counts(idx, n_reps))

    estimate = from_counts(np.ones((1, n_reps), dtype=np.int32))[:, 0]
    loo = [(crossing.sum(axis=0)[:, None] - crossing.T) / (weeks.sum() - weeks)]
    if qs:
        slot = pd.Series(rep_sorted).groupby(rep_sorted).cumcount().to_numpy()
        positions = np.full((n_reps, int(weeks.max())), len(rep_sorted), dtype=np.int64)
        positions[rep_sorted, slot] = np.arange(len(rep_sorted))
        loo.append(quantiles_leaving_out(srt.values, positions, qs))
    accel = jackknife_acceleration(np.concatenate(loo, axis=0))
    return statistic, estimate, accel


def change_distribution(weekly: pd.DataFrame, *, value: str = "ssi", lag: int = 1,
                        thresholds: Sequence[float] = (1, 3, 5),
                        quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
                        confidence: float = CONFIDENCE, n_resamples: int = 2000,
                        seed: int = 0) -> pd.DataFrame:
    """How much do scores move in a week? Shares of rises and falls, and quantiles of change.

    Every rep-week change (:func:`weekly_changes`) is pooled. A rep's weeks are not
    independent, so every interval is a **cluster bootstrap over reps** (whole reps resampled
    with all their weeks; BCa, seeded) through :func:`~ssi_analysis.stats.bootstrap_ci` —
    except a share of 0 (or 1), where every resample agrees and the interval is the
    Clopper–Pearson interval on rep-weeks (:func:`statsmodels.stats.proportion.proportion_confint`).

    Returns
    -------
    DataFrame
        :data:`DISTRIBUTION_COLUMNS`, one row per statistic: ``share rising more than t`` and
        ``share falling more than t`` for each threshold ``t`` (points), then ``quantile q``
        of the change for each ``q``; ``n`` = rep-weeks, ``n_reps`` = reps.

    Examples
    --------
    >>> from ssi_analysis import score
    >>> from ssi_analysis.simulate import simulate
    >>> t, _ = simulate(60, seed=2, days=150)
    >>> daily = score(t["activity"], t["reps"], daily=True)
    >>> cd = change_distribution(weekly_scores(daily), thresholds=(1,), quantiles=(0.5,),
    ...                          n_resamples=200)
    >>> cd[["statistic", "n", "n_reps", "estimate", "ci_low", "ci_high"]].round(3)
                       statistic    n  n_reps  estimate  ci_low  ci_high
    0   share rising more than 1  360      60     0.142   0.099    0.176
    1  share falling more than 1  360      60     0.106   0.083    0.144
    2               quantile 0.5  360      60     0.030  -0.103    0.138
    """
    ch = weekly_changes(weekly, value=value, lag=lag)
    ch = ch.loc[ch["change"].notna()]
    base = {"value": value}
    if ch.empty:
        return results_table([not_estimable("no rep has two weeks to compare", **base,
                                            statistic="all")], DISTRIBUTION_COLUMNS)
    wide = ch.pivot(index="rep_id", columns="week_start", values="change")
    mat = wide.to_numpy(dtype=float)                     # reps x weeks, NaN where absent
    n, n_reps = int(np.isfinite(mat).sum()), mat.shape[0]
    finite = np.isfinite(mat)
    flat = mat[finite]
    specs: list[tuple[str, float, float, int | None]] = []
    crossing = []                                        # per share: rep-weeks crossing, by rep
    for t in thresholds:
        for word, sign in (("rising", 1.0), ("falling", -1.0)):
            hit = finite & (sign * np.nan_to_num(mat) > t)
            crossing.append(hit.sum(axis=1))
            k = int(hit.sum())
            specs.append((f"share {word} more than {t:g}", float(t), k / n, k))
    for q in quantiles:
        specs.append((f"quantile {q:g}", float(q), float(np.quantile(flat, q)), None))
    intervals: list[tuple[float, float, str]] = []
    if n_reps >= 2 and n_resamples:
        statistic, theta, accel = _change_resampler(mat, np.array(crossing).T, quantiles)
        intervals = bootstrap_intervals((np.arange(n_reps, dtype=float),), statistic,
                                        estimate=theta, acceleration=accel,
                                        n_resamples=n_resamples, confidence=confidence,
                                        seed=seed, cells=n)
    rows = []
    for i, (name, thr, est, k) in enumerate(specs):
        row = {**base, "statistic": name, "threshold": thr, "n": n, "n_reps": n_reps,
               "estimate": est}
        if k is not None and k in (0, n):
            # no week (or every week) crosses the threshold: every bootstrap resample gives the
            # same share, so the interval would be the point; use Clopper-Pearson instead
            lo, hi = proportion_confint(k, n, alpha=1 - confidence, method="beta")
            rows.append({**row, "ci_low": float(lo), "ci_high": float(hi),
                         "ci_method": "Clopper-Pearson on rep-weeks (no week crosses the "
                                      "threshold, so the cluster bootstrap has no spread)"
                         if k == 0 else "Clopper-Pearson on rep-weeks (every week crosses "
                                        "the threshold)"})
            continue
        if n_reps < 2:
            rows.append({**row, "ci_low": np.nan, "ci_high": np.nan, "ci_method": "none",
                         "reason": "one rep: no cluster bootstrap interval"})
            continue
        if n_resamples:
            lo, hi, how = intervals[i]
            ci_method = (f"cluster bootstrap over reps, {how} ({n_resamples} resamples, "
                         f"seed {seed})")
        else:
            lo = hi = float("nan")
            ci_method = "not computed (n_resamples = 0)"
        rows.append({**row, "ci_low": lo, "ci_high": hi, "ci_method": ci_method})
    return results_table(rows, DISTRIBUTION_COLUMNS)


# ------------------------------------------------------------------ groups
def _mean_ci(x: np.ndarray, confidence: float) -> tuple[float, float, float, str, str]:
    """Mean, t interval and one-sample t-test p-value of ``x`` (scipy's ttest_1samp)."""
    if len(x) < 2:
        return float("nan"), float("nan"), float("nan"), "none", "1 rep: no interval"
    if np.ptp(x) == 0:
        return float("nan"), float("nan"), float("nan"), "none", "no variance: no interval"
    res = sps.ttest_1samp(x, 0.0)
    ci = res.confidence_interval(confidence)
    return float(ci.low), float(ci.high), float(res.pvalue), "t", ""


def _resolve_week(weekly: pd.DataFrame, week: object) -> pd.Timestamp:
    starts = pd.Index(weekly["week_start"].unique()).sort_values()
    if week is None:
        return starts[-1]
    if isinstance(week, str) and "-W" in week and "week" in weekly:
        hit = weekly.loc[weekly["week"] == week, "week_start"]
        if hit.empty:
            raise SSIInputError(f"week {week} is not in the weekly table (it has "
                                f"{weekly['week'].min()} to {weekly['week'].max()})")
        return hit.iloc[0]
    try:
        ts = pd.Timestamp(week).normalize()
    except (ValueError, TypeError):
        raise SSIInputError(f"week {week!r} is neither a date nor an ISO week like 2026-W15",
                            fix="pass e.g. week='2026-06-22' or week='2026-W26'") from None
    start = ts - pd.Timedelta(days=ts.day_of_week)
    if start not in starts:
        raise SSIInputError(f"the week of {ts:%Y-%m-%d} is not in the weekly table (it has "
                            f"{starts[0]:%Y-%m-%d} to {starts[-1]:%Y-%m-%d})")
    return start


def _label(weekly: pd.DataFrame, start: pd.Timestamp) -> str:
    if "week" in weekly:
        hit = weekly.loc[weekly["week_start"] == start, "week"]
        if len(hit):
            return str(hit.iloc[0])
    return f"{start:%Y-%m-%d}"


def ssi_trend(weekly: pd.DataFrame, reps: pd.DataFrame | None = None, *, by: str = "team",
              value: str = "ssi", weeks: int = 4, week: object = None,
              missing: str = "unknown", adjust: str = "holm",
              confidence: float = CONFIDENCE) -> pd.DataFrame:
    """The change of each group's score over the last ``weeks`` weeks.

    Parameters
    ----------
    weekly : DataFrame
        :func:`weekly_scores`.
    reps : DataFrame, optional
        The reps table (for ``by``). ``by="rep_id"`` gives one row per rep.
    by : str
        Any rep column (``team``, ``industry`` ...).
    value : str
        ``ssi`` or a pillar.
    weeks : int
        Compare the last week (or ``week``) with the week ``weeks`` weeks before it.
    week : date-like or ISO week label, optional
        The end week; the latest by default.
    missing, adjust, confidence
        Reps without a group (see :func:`~ssi_analysis.stats.attach_groups`); the adjustment of
        ``p_adj`` across groups; the level of the intervals.

    Returns
    -------
    DataFrame
        :data:`TREND_COLUMNS`, one row per group: ``estimate`` = mean change in points of the
        reps present in both weeks (``n``), its t interval, ``p_val`` of a one-sample t-test of
        no change (adjusted across groups in ``p_adj``), and the mean at both ends. Groups of
        one rep have the change but no interval (``reason`` says so).

    Examples
    --------
    >>> from ssi_analysis import score
    >>> from ssi_analysis.simulate import simulate
    >>> t, _ = simulate(60, seed=2, days=150)
    >>> daily = score(t["activity"], t["reps"], daily=True)
    >>> tr = ssi_trend(weekly_scores(daily), t["reps"], by="industry", weeks=4)
    >>> tr[["group", "n", "estimate", "ci_low", "ci_high", "week_start", "week_end"]].round(2)
                    group   n  estimate  ci_low  ci_high week_start  week_end
    0  Financial Services  19      0.09   -0.80     0.97   2026-W17  2026-W21
    1       Manufacturing  23      0.04   -0.66     0.75   2026-W17  2026-W21
    2            Software  18     -0.17   -1.35     1.01   2026-W17  2026-W21
    """
    weekly = table_of(weekly)
    _check_weekly(weekly, value)
    if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1:
        raise SSIConfigError(f"weeks must be a whole number >= 1, got {weeks!r}")
    end = _resolve_week(weekly, week)
    start = end - pd.Timedelta(weeks=weeks)
    if start not in set(weekly["week_start"]):
        first = weekly["week_start"].min()
        raise SSIDataError(f"the weekly table starts {first:%Y-%m-%d}: there is no week "
                           f"{weeks} weeks before {end:%Y-%m-%d}",
                           fix=f"use weeks <= {int((end - first).days // 7)}")
    w = attach_groups(weekly, reps, by=by, missing=missing) if by != "rep_id" else \
        weekly.assign(group=weekly["rep_id"].astype(str))
    a = w.loc[w["week_start"] == start, ["rep_id", "group", value]]
    z = w.loc[w["week_start"] == end, ["rep_id", value]]
    both = a.merge(z, on="rep_id", suffixes=("_start", "_end"))
    both = both.dropna(subset=[f"{value}_start", f"{value}_end"])
    both["change"] = both[f"{value}_end"] - both[f"{value}_start"]
    base = {"by": by, "value": value, "week_start": _label(weekly, start),
            "week_end": _label(weekly, end), "weeks": weeks, "adjust_method": adjust}
    rows = []
    for group, grp in both.loc[both["group"].notna()].groupby("group", sort=True):
        x = grp["change"].to_numpy(dtype=float)
        lo, hi, p, how, why = _mean_ci(x, confidence)
        rows.append({**base, "group": group, "n": len(x), "estimate": float(x.mean()),
                     "ci_low": lo, "ci_high": hi, "p_val": p,
                     "mean_start": float(grp[f"{value}_start"].mean()),
                     "mean_end": float(grp[f"{value}_end"].mean()), "ci_method": how,
                     "reason": why})
    n_out = int(both["group"].isna().sum())
    if n_out:
        rows.append(not_estimable(f"{n_out} rep(s) without {by}: excluded as configured",
                                  **base, group=pd.NA, n=n_out))
    out = results_table(rows, TREND_COLUMNS)
    out["p_adj"] = _p_adjust(out["p_val"], adjust)
    return out


def leaderboard(weekly: pd.DataFrame, reps: pd.DataFrame | None = None, *, by: str = "team",
                value: str = "ssi", week: object = None, missing: str = "unknown",
                confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Groups (or reps, ``by="rep_id"``) ranked by their weekly score, with week-over-week change.

    Returns
    -------
    DataFrame
        :data:`LEADERBOARD_COLUMNS`, best first: ``rank`` (1 = highest; ties share the
        better rank), ``estimate`` = the group's mean score that week with its t interval,
        ``previous`` and ``change`` = the mean of the same reps the week before and their mean
        change (``n_change`` reps in both weeks). Reps without a group, when excluded, are a
        last row marked not estimable.

    Examples
    --------
    >>> from ssi_analysis import score
    >>> from ssi_analysis.simulate import simulate
    >>> t, _ = simulate(60, seed=2, days=150)
    >>> daily = score(t["activity"], t["reps"], daily=True)
    >>> lb = leaderboard(weekly_scores(daily), t["reps"], by="team")
    >>> lb[["rank", "group", "n", "week", "estimate", "previous", "change"]].round(1)
       rank group   n      week  estimate  previous  change
    0     1   T01  18  2026-W21      37.8      37.9    -0.0
    1     2   T03  23  2026-W21      33.5      33.3     0.2
    2     3   T02  19  2026-W21      33.1      33.5    -0.4
    """
    weekly = table_of(weekly)
    _check_weekly(weekly, value)
    end = _resolve_week(weekly, week)
    prev_start = end - pd.Timedelta(weeks=1)
    w = attach_groups(weekly, reps, by=by, missing=missing) if by != "rep_id" else \
        weekly.assign(group=weekly["rep_id"].astype(str))
    now = w.loc[(w["week_start"] == end) & w[value].notna(), ["rep_id", "group", value]]
    before = w.loc[(w["week_start"] == prev_start) & w[value].notna(), ["rep_id", value]]
    paired = now.merge(before, on="rep_id", suffixes=("", "_prev"))
    paired["change"] = paired[value] - paired[f"{value}_prev"]
    label = _label(weekly, end)
    rows = []
    for group, grp in now.loc[now["group"].notna()].groupby("group", sort=True):
        x = grp[value].to_numpy(dtype=float)
        lo, hi, _, how, why = _mean_ci(x, confidence)
        pg = paired.loc[paired["group"] == group]
        rows.append({"by": by, "group": group, "value": value, "week": label, "n": len(x),
                     "estimate": float(x.mean()), "ci_low": lo, "ci_high": hi,
                     "previous": float(pg[f"{value}_prev"].mean()) if len(pg) else np.nan,
                     "change": float(pg["change"].mean()) if len(pg) else np.nan,
                     "n_change": len(pg), "ci_method": how,
                     "reason": "; ".join(filter(None, [why, "" if len(pg) else
                                                       "no reps in the week before"]))})
    out = results_table(rows, LEADERBOARD_COLUMNS)
    out = out.sort_values(["estimate", "group"], ascending=[False, True], kind="stable")
    out["rank"] = out["estimate"].rank(method="min", ascending=False).astype(int)
    n_out = int(now["group"].isna().sum())
    if n_out:
        out = pd.concat([out, results_table([not_estimable(
            f"{n_out} rep(s) without {by}: excluded as configured", by=by, group=pd.NA,
            value=value, week=label, n=n_out)], LEADERBOARD_COLUMNS)], ignore_index=True)
    out["n_change"] = pd.array(out["n_change"], dtype="Int64")
    out["rank"] = pd.array(out["rank"], dtype="Int64")
    return out.reset_index(drop=True)

