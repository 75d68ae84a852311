"""LinkedIn's headline claims, checked in LinkedIn's own terms and then more fairly.

LinkedIn compared "SSI leaders" (SSI above 70) with "laggards" (below 30) and reported that
leaders create **45% more opportunities** (a ratio of 1.45), are **51% more likely to hit
quota** (a relative risk of 1.51), and — a figure that traces to a general social-media survey,
not an SSI study — are **78% more productive** (1.78, read here as the bookings ratio).

For each claim :func:`claim_check` reports the two groups' sizes, the observed ratio of means
(opportunities, share hitting quota, bookings) with its confidence interval, and a verdict in
words. The ratio and its interval come from a log-link Poisson GLM of the outcome on a group
indicator with errors clustered by rep (statsmodels): with one binary regressor its estimate is
exactly the ratio of the group means, and the robust errors make it valid for counts, for a
0/1 outcome (the "modified Poisson" relative risk, Zou 2004) and for bookings alike.

Extreme groups are often nearly empty and always far apart, so the check is repeated with the
**top vs bottom quartile** of SSI, and set beside the **continuous estimate**: the same model on
SSI itself gives a ratio per 10 SSI points, and the ratio it implies for the gap between the two
groups' mean SSI. An extreme-group ratio well above what the continuous fit implies points to
selection or a non-linear relationship, not to a bigger effect.

Verdicts (``ratio`` with ``[ci_low, ci_high]``, claimed value ``c``):

=========================================  =============================================
condition                                  verdict
=========================================  =============================================
either group has fewer than ``min_n``      too few reps to say (with the n)
reps
the outcome does not vary in the groups,   not estimable (with the reason): no ratio, no
or a group mean is not positive            verdict
``ci_low > 1`` and ``c`` within the CI     consistent with the claim
``ci_low > 1`` and ``ci_high < c``         smaller than claimed
``ci_low > c``                             larger than claimed
the CI contains 1                          no evidence of a difference (and whether the
                                           claimed ratio is still compatible)
``ci_high < 1``                            opposite to the claim
=========================================  =============================================

Examples
--------
>>> from ssi_analysis import load_data, example_data_dir
>>> from ssi_analysis.panel import build_panel
>>> panel = build_panel(load_data(example_data_dir())).data
>>> t = claim_check(panel)
>>> t[["claim", "comparison", "claimed"]].head(3).to_dict("records")
[{'claim': 'opportunities', 'comparison': 'leaders vs laggards', 'claimed': 1.45}, {'claim': 'quota', 'comparison': 'leaders vs laggards', 'claimed': 1.51}, {'claim': 'productivity', 'comparison': 'leaders vs laggards', 'claimed': 1.78}]
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from .._blas import one_blas_thread
from ..config import PILLARS
from ._common import CONFIDENCE

CLAIMS: dict[str, tuple[str, float, str]] = {
    "opportunities": ("opportunities", 1.45, "opportunities created (mean per rep-period)"),
    "quota": ("hit_quota", 1.51, "share of rep-periods at or above quota"),
    "productivity": ("bookings", 1.78, "bookings (mean per rep-period)"),
}
"""Claim -> (outcome column, claimed ratio, what the ratio is of)."""

COLUMNS = ["claim", "comparison", "outcome", "claimed", "group_high", "group_low",
           "n_high", "n_low", "n_high_reps", "n_low_reps", "mean_high", "mean_low",
           "mean_ssi_high", "mean_ssi_low", "n", "estimate", "ci_low", "ci_high", "p_val",
           "p_adj", "continuous_per_10", "continuous_ci_low", "continuous_ci_high",
           "implied_ratio", "implied_ci_low", "implied_ci_high", "se_type", "verdict",
           "estimable", "reason"]


def _ratio_fit(y: np.ndarray, x: np.ndarray, groups: np.ndarray, confidence: float):
    """exp(coef) of a log-link Poisson GLM of y on x, cluster-robust by group, with its CI."""
    design = sm.add_constant(np.asarray(x, dtype=float), has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = sm.GLM(np.asarray(y, dtype=float), design, family=sm.families.Poisson()).fit(
            cov_type="cluster", cov_kwds={"groups": pd.factorize(pd.Series(groups))[0]})
    lo, hi = fit.conf_int(alpha=1 - confidence)[1]
    return float(np.exp(fit.params[1])), float(np.exp(lo)), float(np.exp(hi)), \
        float(fit.pvalues[1]), fit


def verdict(ratio: float, lo: float, hi: float, claimed: float) -> str:
    """The verdict in words for an estimated ratio and CI against the claimed ratio.

    >>> verdict(1.2, 1.05, 1.4, 1.51)
    'smaller than claimed'
    >>> verdict(1.1, 0.9, 1.6, 1.51)
    'no evidence of a difference (the claimed 1.51 is not ruled out)'
    """
    if lo > claimed:
        return "larger than claimed"
    if lo > 1:
        return "consistent with the claim" if hi >= claimed else "smaller than claimed"
    if hi < 1:
        return "opposite to the claim"
    if hi >= claimed:
        return f"no evidence of a difference (the claimed {claimed:g} is not ruled out)"
    return f"no evidence of a difference (the claimed {claimed:g} is ruled out)"


def _compare(data: pd.DataFrame, high: pd.Series, low: pd.Series, *, claim: str,
             comparison: str, labels: tuple[str, str], ssi: str, cluster: str, min_n: int,
             confidence: float) -> dict:
    outcome, claimed, _ = CLAIMS[claim]
    sub = data[high | low]
    y = sub[outcome].to_numpy(dtype=float)
    is_high = high[high | low].to_numpy()
    row = {"claim": claim, "comparison": comparison, "outcome": outcome, "claimed": claimed,
           "group_high": labels[0], "group_low": labels[1],
           "n_high": int(high.sum()), "n_low": int(low.sum()),
           "n_high_reps": int(data.loc[high, cluster].nunique()),
           "n_low_reps": int(data.loc[low, cluster].nunique()),
           "mean_high": float(y[is_high].mean()) if is_high.any() else np.nan,
           "mean_low": float(y[~is_high].mean()) if (~is_high).any() else np.nan,
           "mean_ssi_high": float(sub.loc[is_high, ssi].mean()) if is_high.any() else np.nan,
           "mean_ssi_low": float(sub.loc[~is_high, ssi].mean()) if (~is_high).any() else np.nan,
           "n": int(len(sub)), "se_type": f"cluster-robust by {cluster.removesuffix('_id')}"}
    # the continuous estimate on every row of the data, and what it implies for the gap
    yc = data[outcome].to_numpy(dtype=float)
    # (cluster-robust errors need at least two reps, and more rows than the fit's 2 parameters)
    varies = bool(np.nanmax(yc) > np.nanmin(yc)) if len(yc) else False
    if (varies and np.nanmean(yc) > 0 and np.ptp(data[ssi]) > 0 and is_high.any()
            and (~is_high).any() and data[cluster].nunique() >= 2 and len(data) > 2):
        per10, c_lo, c_hi, _, _ = _ratio_fit(yc, data[ssi].to_numpy() / 10.0,
                                             data[cluster].to_numpy(), confidence)
        gap = (row["mean_ssi_high"] - row["mean_ssi_low"]) / 10.0
        row.update(continuous_per_10=per10, continuous_ci_low=c_lo, continuous_ci_high=c_hi,
                   implied_ratio=per10 ** gap, implied_ci_low=c_lo ** gap,
                   implied_ci_high=c_hi ** gap)
    few = min(row["n_high_reps"], row["n_low_reps"])
    if few < min_n:
        reason = (f"too few reps to say: {row['n_high_reps']} {labels[0]} and "
                  f"{row['n_low_reps']} {labels[1]}; at least {min_n} of each are needed")
        return {**row, "estimable": False, "reason": reason, "verdict": reason}
    if len(y) and np.nanmax(y) == np.nanmin(y):
        reason = (f"not estimable: {outcome} is {np.nanmax(y):g} for every rep-period in both "
                  "groups, so there is no difference to estimate and no ratio")
        return {**row, "estimable": False, "reason": reason, "verdict": reason}
    if len(y) and np.ptp(y[is_high]) == 0 and np.ptp(y[~is_high]) == 0:
        reason = (f"not estimable: {outcome} is the same for every rep-period within each "
                  "group, so its uncertainty cannot be estimated and no interval or verdict "
                  "can be given")
        return {**row, "estimable": False, "reason": reason, "verdict": reason}
    if not (row["mean_high"] > 0 and row["mean_low"] > 0):
        zero = labels[1] if not row["mean_low"] > 0 else labels[0]
        reason = f"not estimable: {zero}: mean {outcome} is not above 0, so no ratio exists"
        return {**row, "estimable": False, "reason": reason, "verdict": reason}
    ratio, lo, hi, p, _ = _ratio_fit(y, is_high, sub[cluster].to_numpy(), confidence)
    return {**row, "estimate": ratio, "ci_low": lo, "ci_high": hi, "p_val": p,
            "verdict": verdict(ratio, lo, hi, claimed), "estimable": True, "reason": ""}


@one_blas_thread
def claim_check(data: pd.DataFrame, *, ssi: str = "ssi", cluster: str = "rep_id",
                leaders_above: float = 70.0, laggards_below: float = 30.0, min_n: int = 10,
                confidence: float = CONFIDENCE, adjust: str = "holm") -> pd.DataFrame:
    """Check LinkedIn's three claims: leaders vs laggards, then top vs bottom quartile.

    Parameters
    ----------
    data : DataFrame
        The panel: one row per rep and period with ``ssi``, ``opportunities``, ``hit_quota``
        and ``bookings``.
    ssi : str
        The SSI column.
    cluster : str
        The rep column (robust errors are clustered by it).
    leaders_above, laggards_below : float
        LinkedIn's thresholds (70 and 30), on its 0..100 SSI. When ``data`` holds the four
        pillars and some are never scored (activity that scores two of them, as Sales
        Navigator's usage reports do: an SSI on 0..50), the thresholds do not apply: those
        rows say so, and the quartile comparison is the one to read.
    min_n : int
        Fewest reps per group for a ratio to be reported.
    confidence : float
        Confidence level.

    Returns
    -------
    DataFrame
        Six rows (three claims x two comparisons) with the group sizes (rep-periods and reps),
        group means, ``estimate`` (the observed ratio) with ``ci_low, ci_high, p_val``, the
        continuous ratio per 10 SSI points and the ratio it implies for the gap between the
        groups' mean SSI, and the ``verdict``. ``p_adj`` is adjusted within each comparison
        (three claims; ``adjust``: Holm or ``'bh'``).
    """
    from ._common import p_adjust, results_table

    q1, q3 = data[ssi].quantile([0.25, 0.75])
    comparisons = [
        ("leaders vs laggards", data[ssi] > leaders_above, data[ssi] < laggards_below,
         (f"leaders (SSI > {leaders_above:g})", f"laggards (SSI < {laggards_below:g})")),
        ("top vs bottom quartile", data[ssi] >= q3, data[ssi] <= q1,
         (f"top quartile (SSI >= {q3:.1f})", f"bottom quartile (SSI <= {q1:.1f})")),
    ]
    rows = [_compare(data, high, low, claim=claim, comparison=name, labels=labels, ssi=ssi,
                     cluster=cluster, min_n=min_n, confidence=confidence)
            for name, high, low, labels in comparisons for claim in CLAIMS]
    scored = [p for p in PILLARS if p in data and data[p].notna().any()]
    if all(p in data for p in PILLARS) and 0 < len(scored) < len(PILLARS):
        reason = (f"not applicable: the SSI here is the sum of {len(scored)} pillar(s) "
                  f"({', '.join(scored)}; 0..{25 * len(scored)}), and LinkedIn's thresholds "
                  f"({leaders_above:g} and {laggards_below:g}) are on its 0..100 SSI of four "
                  "pillars; see the quartile comparison")
        rows = [{**r, **dict.fromkeys(("estimate", "ci_low", "ci_high", "p_val"), np.nan),
                 "estimable": False, "reason": reason, "verdict": reason}
                if r["comparison"] == "leaders vs laggards" else r for r in rows]
    table = results_table(rows, COLUMNS)
    for name in table["comparison"].unique():
        m = table["comparison"] == name
        table.loc[m, "p_adj"] = p_adjust(table.loc[m, "p_val"], adjust)
    return table
