"""LinkedIn's SSI of a member over time: against the industry and the network, ranks, changes.

What a member tracking their own SSI page wants to see, from ``ssi_observed`` (every number here
is LinkedIn's, as the page showed it):

- :func:`member_history`: per snapshot and measure (the SSI, each pillar, the two ranks) the
  member's value, the industry's and the network's averages beside it, the gaps, and the change
  from a week before (the latest snapshot at least 7 days earlier);
- :func:`member_trend`: the change per week over the whole span (a regression on the snapshot
  dates whose errors follow each other, AR(1), fitted by maximum likelihood with statsmodels'
  SARIMAX), with a confidence interval that allows for the snapshots of one member not being
  independent;
- :func:`latest_snapshots` and :func:`snapshot_weeks`: a team's snapshots as one row per rep (the
  latest) or per rep and ISO week (the week's last), the shapes of the computed scores the
  report's figures use.

Examples
--------
>>> obs = pd.DataFrame({"rep_id": "ana", "date": pd.date_range("2026-03-02", periods=4,
...                                                              freq="7D"),
...                     "ssi": [40.0, 42, 45, 44], "brand": 10.0, "people": [10.0, 11, 12, 12],
...                     "insights": 10.0, "relationships": [10.0, 11, 13, 12],
...                     "industry_ssi": 30.0, "network_ssi": 35.0, "industry_rank": [20.0, 18, 15, 16]})
>>> h = member_history(obs)
>>> h[h.measure == "ssi"][["value", "industry", "vs_industry", "change"]].values.tolist()
[[40.0, 30.0, 10.0, nan], [42.0, 30.0, 12.0, 2.0], [45.0, 30.0, 15.0, 3.0], [44.0, 30.0, 14.0, -1.0]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from .._blas import one_blas_thread
from ..config import PILLARS
from ..errors import SSIDataError, SSIInputError
from ._common import CONFIDENCE, not_estimable, p_adjust, results_table
from .trends import WeeklyScores

MEASURES: tuple[str, ...] = ("ssi", *PILLARS)
RANKS: tuple[str, ...] = ("industry_rank", "network_rank")
HISTORY_COLUMNS = ["rep_id", "date", "measure", "value", "industry", "network", "vs_industry",
                   "vs_network", "change", "change_days"]
"""The columns of :func:`member_history`."""
TREND_COLUMNS = ["measure", "n", "estimate", "ci_low", "ci_high", "p_val", "p_adj", "n_reps",
                 "first", "last", "weeks", "ar1", "ci_method", "estimable", "reason"]
"""The columns of :func:`member_trend` (``estimate``: change per week)."""


def _one_rep(observed: pd.DataFrame, rep_id: str | None) -> tuple[str, pd.DataFrame]:
    missing = [c for c in ("rep_id", "date", "ssi") if c not in observed]
    if missing:
        raise SSIInputError(f"ssi_observed has no column {', '.join(missing)}",
                            file="ssi_observed", fix="load it with load_data()")
    reps = sorted(observed["rep_id"].dropna().astype(str).unique())
    if rep_id is None:
        if len(reps) != 1:
            raise SSIInputError(f"the snapshots are of {len(reps)} reps: say which one",
                                file="ssi_observed", fix="pass rep_id=")
        rep_id = reps[0]
    one = observed[observed["rep_id"].astype(str) == str(rep_id)]
    if one.empty:
        raise SSIDataError(f"no snapshot of rep '{rep_id}'", file="ssi_observed",
                           fix=f"choose one of {', '.join(reps[:8])}")
    one = one.assign(date=pd.to_datetime(one["date"]).dt.normalize())
    return str(rep_id), one.sort_values("date", kind="stable").reset_index(drop=True)


def member_history(observed: pd.DataFrame, rep_id: str | None = None, *,
                   days: int = 7) -> pd.DataFrame:
    """A member's snapshots as a tidy history: each measure beside the group averages.

    Parameters
    ----------
    observed : DataFrame
        ``ssi_observed`` (``bundle.ssi_observed``), of one rep or several.
    rep_id : str, optional
        The member; needed when the snapshots are of several reps.
    days : int
        The change is from the latest snapshot at least ``days`` days before (7: week over
        week); NaN where there is none.

    Returns
    -------
    DataFrame
        :data:`HISTORY_COLUMNS`, one row per snapshot and measure (the SSI, the pillars, then
        ``industry_rank`` and ``network_rank`` where present; ranks have no group averages),
        sorted by measure and date. ``vs_industry`` is ``value - industry`` (positive: above the
        industry's average); ``change_days`` is how many days the change spans.
    """
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise SSIInputError(f"days must be a whole number of days >= 1, got {days!r}")
    rep_id, one = _one_rep(observed, rep_id)
    measures = [m for m in (*MEASURES, *RANKS) if m in one]
    parts = []
    dates = one["date"].to_numpy()
    # the latest snapshot at least `days` days before each one
    before = np.searchsorted(dates, dates - np.timedelta64(days, "D"), side="right") - 1
    has = before >= 0
    prev = np.where(has, before, 0)
    for m in measures:
        value = one[m].to_numpy(dtype=float)
        ind = one[f"industry_{m}"].to_numpy(dtype=float) if f"industry_{m}" in one \
            else np.full(len(one), np.nan)
        net = one[f"network_{m}"].to_numpy(dtype=float) if f"network_{m}" in one \
            else np.full(len(one), np.nan)
        change = np.where(has, value - value[prev], np.nan)
        span = np.where(has, (dates - dates[prev]) / np.timedelta64(1, "D"), np.nan)
        parts.append(pd.DataFrame({"rep_id": rep_id, "date": one["date"].to_numpy(),
                                   "measure": m, "value": value, "industry": ind,
                                   "network": net, "vs_industry": value - ind,
                                   "vs_network": value - net, "change": change,
                                   "change_days": span}))
    return pd.concat(parts, ignore_index=True)[HISTORY_COLUMNS]


@one_blas_thread
def member_trend(history: pd.DataFrame, *, confidence: float = CONFIDENCE,
                 adjust: str = "holm", min_n: int = 8) -> pd.DataFrame:
    """The change per week of each measure of one member's history, with its CI.

    A member's snapshots follow each other: today's score is mostly yesterday's, so they are not
    independent, and ordinary least squares (or Newey-West errors, in samples this size) would
    give intervals far too narrow. The value is regressed on the snapshot's date (in weeks) with
    AR(1) errors over the sequence of snapshots, by maximum likelihood
    (:class:`statsmodels.tsa.statespace.sarimax.SARIMAX`, ``order=(1, 0, 0)``). In simulations
    (``tests/test_member.py``) its 95% intervals cover the true slope about 93% of the time at
    80 snapshots with errors correlated 0.6 from one to the next; where the errors are nearly a
    random walk (``ar1`` near 1) a trend is poorly defined and the interval too narrow, and the
    row says so. P-values are adjusted across the measures (``adjust``).

    Parameters
    ----------
    history : DataFrame
        :func:`member_history` of one rep.
    confidence : float
    adjust : {'holm', 'bh', 'bonferroni', 'none'}
    min_n : int
        Fewest snapshots to estimate a trend from.

    Returns
    -------
    DataFrame
        :data:`TREND_COLUMNS`, one row per measure; ``estimate`` in points (or rank
        percentage points) per week, ``ar1`` the estimated correlation of consecutive errors.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> obs = pd.DataFrame({"rep_id": "ana", "date": pd.date_range("2026-01-05", periods=30,
    ...                                                              freq="7D"),
    ...                     "ssi": 40 + 0.5 * np.arange(30) + rng.normal(0, 1, 30),
    ...                     "brand": 10.0, "people": 10.0, "insights": 10.0,
    ...                     "relationships": 10 + 0.5 * np.arange(30)})
    >>> t = member_trend(member_history(obs)).set_index("measure")
    >>> bool(t.loc["ssi", "ci_low"] < 0.5 < t.loc["ssi", "ci_high"]), t.loc["brand", "reason"]
    (True, 'no variation in brand')
    """
    if history.empty:
        raise SSIDataError("the history is empty")
    if history["rep_id"].nunique() != 1:
        raise SSIInputError("member_trend needs the history of one rep", fix="pass one rep's "
                                                                              "member_history")
    rows = []
    for m, grp in history.groupby("measure", sort=False):
        g = grp.dropna(subset=["value"]).sort_values("date")
        n = len(g)
        base = {"measure": m, "n": n, "n_reps": 1,
                "first": g["date"].min(), "last": g["date"].max(),
                "weeks": ((g["date"].max() - g["date"].min()).days / 7 if n else np.nan)}
        if n < min_n:
            rows.append(not_estimable(f"fewer than {min_n} snapshots", **base))
            continue
        y = g["value"].to_numpy(dtype=float)
        if np.ptp(y) == 0:
            rows.append(not_estimable(f"no variation in {m}", **base))
            continue
        weeks = (g["date"] - g["date"].min()).dt.days.to_numpy(dtype=float) / 7
        if np.ptp(weeks) == 0:
            rows.append(not_estimable("every snapshot on one day", **base))
            continue
        fit = _ar1_trend(y, weeks, confidence)
        if fit is None:
            rows.append(not_estimable("the regression with AR(1) errors did not converge",
                                      **base))
            continue
        slope, lo, hi, p, ar1 = fit
        note = ("; the errors are nearly a random walk: a trend is poorly defined and the "
                "interval too narrow" if ar1 > 0.95 else "")
        rows.append({**base, "estimate": slope, "ci_low": lo, "ci_high": hi, "p_val": p,
                     "ar1": ar1,
                     "ci_method": "regression on the date with AR(1) errors (SARIMAX, maximum "
                                  f"likelihood; snapshots of one member are not independent, "
                                  f"ar1 = {ar1:.2f}){note}"})
    out = results_table(rows, TREND_COLUMNS)
    out["p_adj"] = p_adjust(out["p_val"].to_numpy(dtype=float), adjust)
    return out


def _ar1_trend(y: np.ndarray, weeks: np.ndarray, confidence: float
               ) -> tuple[float, float, float, float, float] | None:
    """``(slope, ci_low, ci_high, p, ar1)`` of ``y ~ 1 + weeks`` with AR(1) errors, by
    SARIMAX's maximum likelihood (``None`` when it does not converge). The values are
    standardised for the fit (a well-scaled problem converges reliably) and the slope and its
    interval scaled back."""
    import warnings

    from statsmodels.tsa.statespace.sarimax import SARIMAX

    scale = float(np.std(y)) or 1.0
    model = SARIMAX((y - y.mean()) / scale, exog=sm.add_constant(weeks), order=(1, 0, 0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(disp=False)
        if not res.mle_retvals.get("converged", False):
            # near a random walk the gradient search stalls at the boundary: Nelder-Mead
            res = model.fit(disp=False, method="nm", maxiter=4000)
    if not res.mle_retvals.get("converged", False):
        return None
    params = np.asarray(res.params)            # const, weeks, ar.L1, sigma2
    lo, hi = np.asarray(res.conf_int(alpha=1 - confidence))[1] * scale
    return (float(params[1] * scale), float(lo), float(hi), float(np.asarray(res.pvalues)[1]),
            float(params[2]))


def latest_snapshots(observed: pd.DataFrame, *, asof: object = None) -> pd.DataFrame:
    """Each rep's latest snapshot (at or before ``asof``), one row per rep, sorted by rep.

    >>> obs = pd.DataFrame({"rep_id": ["a", "a", "b"], "ssi": [40.0, 45.0, 30.0],
    ...                     "date": pd.to_datetime(["2026-05-04", "2026-05-11", "2026-05-04"])})
    >>> latest_snapshots(obs)[["rep_id", "ssi"]].values.tolist()
    [['a', 45.0], ['b', 30.0]]
    """
    obs = observed.assign(date=pd.to_datetime(observed["date"]))
    if asof is not None:
        obs = obs[obs["date"] <= pd.Timestamp(asof)]
    out = obs.sort_values(["rep_id", "date"], kind="stable").drop_duplicates("rep_id",
                                                                          keep="last")
    return out.reset_index(drop=True)


def snapshot_weeks(observed: pd.DataFrame, *, columns: tuple[str, ...] = MEASURES
                   ) -> WeeklyScores:
    """A team's snapshots per rep and ISO week: the week's last snapshot.

    A :class:`~ssi_analysis.stats.trends.WeeklyScores` as
    :func:`ssi_analysis.stats.weekly_scores` gives (``.table``: ``rep_id, week, week_start,
    week_end, n_days`` and the scores; ``n_days`` here counts the week's snapshots), so the
    trend, change and leaderboard functions take LinkedIn's weekly numbers as they take
    computed ones.

    >>> obs = pd.DataFrame({"rep_id": "a", "ssi": [40.0, 41.0, 45.0], "brand": 10.0,
    ...                     "people": 10.0, "insights": 10.0, "relationships": 10.0,
    ...                     "date": pd.to_datetime(["2026-05-04", "2026-05-06", "2026-05-11"])})
    >>> snapshot_weeks(obs).table[["week", "n_days", "ssi"]].values.tolist()
    [['2026-W19', 2, 41.0], ['2026-W20', 1, 45.0]]
    """
    d = observed[["rep_id", "date", *columns]].copy()
    d["rep_id"] = d["rep_id"].astype(str)
    d["date"] = pd.to_datetime(d["date"]).dt.normalize()
    d["week_start"] = d["date"] - pd.to_timedelta(d["date"].dt.day_of_week, unit="D")
    d = d.sort_values(["rep_id", "date"], kind="stable")
    count = d.groupby(["rep_id", "week_start"])["date"].transform("size")
    out = d.assign(n_days=count).drop_duplicates(["rep_id", "week_start"], keep="last")
    iso = out["week_start"].dt.isocalendar()
    out["week"] = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    out["week_end"] = out["week_start"] + pd.Timedelta(days=6)
    out = out[["rep_id", "week", "week_start", "week_end", "n_days", *columns]]
    return WeeklyScores(out.reset_index(drop=True), value="last",
                        notes=("LinkedIn's reported SSI: each rep's last snapshot of each "
                               "week",))


__all__ = ["HISTORY_COLUMNS", "TREND_COLUMNS", "latest_snapshots", "member_history",
           "member_trend", "snapshot_weeks"]
