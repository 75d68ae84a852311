"""How strongly SSI and its pillars go with attainment: Pearson and Spearman, with honest CIs.

The panel has one row per rep and period, so a rep with three periods appears three times.
Treating those rows as independent would make every interval too narrow. So:

* the **estimate** is the correlation over all rep-period rows (what
  :func:`scipy.stats.pearsonr` / :func:`scipy.stats.spearmanr` give on them);
* the **confidence interval** is a bootstrap over reps (:func:`scipy.stats.bootstrap` resamples
  whole reps with all their periods — a cluster bootstrap), BCa by default, seeded. Each
  resample is evaluated from how many times each rep was drawn: Pearson's r from the reps'
  sums, Spearman's rho from ranks computed once (a resample's mid-ranks are cumulative counts
  over the rows sorted once: exactly the ranks of the expanded resample, without a sort). BCa's
  acceleration is the leave-one-rep-out jackknife's for Pearson (from the sums, exactly scipy's
  value) and the empirical influence function's for Spearman (its closed-form derivative, the
  limit the jackknife approximates): O(rows) per resample, O(rows log rows) for the rest;
* the **p-value** is scipy's when every rep has one row, and otherwise the cluster-robust
  t-test of the slope of the standardised (Spearman: ranked) outcome on the standardised
  predictor (statsmodels OLS, errors clustered by rep), which tests the same correlation
  without assuming the rows are independent. ``p_method`` says which.

``p_adj`` adjusts within each method (Pearson, Spearman) across every predictor and group in the
table (Holm by default): that is the family a reader scans for "which one is significant".

Examples
--------
>>> from ssi_analysis import load_data, example_data_dir
>>> from ssi_analysis.panel import build_panel
>>> panel = build_panel(load_data(example_data_dir())).data
>>> t = correlations(panel, x=["ssi"], n_resamples=500)
>>> t[["x", "method", "n", "n_reps"]].to_dict("records")
[{'x': 'ssi', 'method': 'pearson', 'n': 900, 'n_reps': 300}, {'x': 'ssi', 'method': 'spearman', 'n': 900, 'n_reps': 300}]
>>> bool((t.ci_low < t.estimate).all() and (t.estimate < t.ci_high).all())
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as sps

from .._blas import one_blas_thread
from ..config import PILLARS
from ._bootstrap import (
    SortedOnce,
    bootstrap_intervals,
    column_products,
    influence_acceleration,
    int_dtype,
    jackknife_acceleration,
    resample_counts,
)
from ._common import CONFIDENCE, not_estimable, p_adjust, results_table

COLUMNS = ["x", "y", "group_by", "group", "method", "n", "n_reps", "estimate", "ci_low",
           "ci_high", "ci_method", "p_val", "p_method", "p_adj", "adjust_method", "estimable",
           "reason"]
METHODS = ("pearson", "spearman")


def _pearson(x: np.ndarray, y: np.ndarray, codes: np.ndarray, n_clusters: int):
    """Pearson's r of resampled clusters from their rows' sums, and its exact jackknife.

    r only needs each cluster's sums (n, x, y, x², y², xy; centred on the overall means for
    accuracy), so a resample is its counts times that table: O(clusters) per resample. The
    leave-one-cluster-out values (BCa's acceleration) are the totals minus one cluster's row:
    the numbers scipy's jackknife computes, in O(clusters) instead of O(clusters²).
    """
    xc, yc = x - x.mean(), y - y.mean()
    sums = np.stack([np.bincount(codes, weights=w, minlength=n_clusters) for w in
                     (np.ones_like(xc), xc, yc, xc * xc, yc * yc, xc * yc)], axis=1)

    def from_sums(s: np.ndarray) -> np.ndarray:
        n, sx, sy, sxx, syy, sxy = np.moveaxis(s, -1, 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (sxy - sx * sy / n) / np.sqrt((sxx - sx * sx / n) * (syy - sy * sy / n))

    def statistic(idx: np.ndarray, axis: int = -1) -> np.ndarray:
        return from_sums(column_products(resample_counts(idx, n_clusters, float), sums))

    estimate = float(from_sums(sums.sum(axis=0)))
    loo = from_sums(sums.sum(axis=0) - sums)
    return statistic, estimate, float(jackknife_acceleration(loo))


def _spearman(x: np.ndarray, y: np.ndarray, codes: np.ndarray, n_clusters: int):
    """Spearman's rho of resampled clusters, from ranks computed once; BCa's acceleration.

    The data are sorted once by x and once by y. In a resample each row appears as often as
    its cluster was drawn, and its mid-rank is the count of resampled rows below it plus half
    its tie group (:meth:`SortedOnce.twice_ranks`): the ranks scipy's ``rankdata`` gives the
    expanded resample, found with a cumulative sum instead of a sort (O(rows) per resample).
    Rho is the Pearson correlation of those mid-ranks, from exact integer sums: its variance
    terms Σ (R − mean)² = (M³ − M − Σ(t³ − t)) / 12 follow from the tie sizes alone.

    The acceleration comes from the empirical influence function (the infinitesimal jackknife,
    :func:`influence_acceleration`): the derivative of rho with respect to each cluster's
    weight, in closed form, rank terms included (a weight moves every other row's rank) —
    O(rows log rows), where leaving each cluster out and re-ranking costs O(clusters x rows).
    """
    sx, sy = SortedOnce(x), SortedOnce(y)
    code_x, code_y = codes[sx.order], codes[sy.order]
    y_to_x = sy.inverse[sx.order]            # y-sorted position of each x-sorted row
    rows = np.bincount(codes, minlength=n_clusters).astype(float)
    n_rows = len(x)

    def rho(counts: np.ndarray) -> np.ndarray:
        c = counts.astype(float)
        m = c @ rows
        unit = (c * c * c - c) @ rows
        counts = counts.astype(int_dtype((2.0 * n_rows * c.max() + 1) * c.max()), copy=False)
        wx = np.take(counts, code_x, axis=1)
        wy = np.take(counts, code_y, axis=1)
        rx, tx = sx.twice_ranks(wx, unit)
        ry, ty = sy.twice_ranks(wy, unit)
        rx *= wx
        sxy = np.einsum("ij,ij->i", rx, np.take(ry, y_to_x, axis=1), dtype=np.int64)
        # twice-ranks: cov = Σ w 2Rx 2Ry − M (M + 1)², var = (M³ − M − Σ(t³ − t)) / 3
        with np.errstate(invalid="ignore", divide="ignore"):
            return (sxy - m * (m + 1) ** 2) / np.sqrt((m ** 3 - m - tx) * (m ** 3 - m - ty)
                                                      / 9.0)

    def statistic(idx: np.ndarray, axis: int = -1) -> np.ndarray:
        return rho(resample_counts(idx, n_clusters))

    estimate = float(rho(np.ones((1, n_clusters), dtype=np.int32))[0])
    return statistic, estimate, float(influence_acceleration(
        _spearman_influence(x, y, codes, n_clusters)))


def _spearman_influence(x: np.ndarray, y: np.ndarray, codes: np.ndarray, n_clusters: int
                        ) -> np.ndarray:
    """Each cluster's empirical influence on Spearman's rho (up to a constant factor).

    With row weights w, rho(w) is the weighted Pearson correlation of the weighted mid-ranks
    R(r) = Σ_s w_s φ(x_r − x_s) + 1/2 (φ = 1 above, 1/2 tied, 0 below). Its derivative in w_q
    at w = 1 is the direct term (the row's own weight in the sums) plus the rank terms
    Σ_r ∂rho/∂R(r) φ(x_r − x_q), sums over the rows above q (half those tied) found from one
    sort; a cluster's influence is the sum over its rows.
    """
    rx, ry = sps.rankdata(x), sps.rankdata(y)
    dx, dy = rx - rx.mean(), ry - ry.mean()
    sxx, syy, sxy = dx @ dx, dy @ dy, dx @ dy
    norm = np.sqrt(sxx * syy)
    r = sxy / norm
    direct = dx * dy / norm - r / 2 * (dx * dx / sxx + dy * dy / syy)

    def above(v: np.ndarray, coef: np.ndarray) -> np.ndarray:
        """Σ coef over rows with a larger v, plus half over rows with an equal v."""
        order = np.argsort(v, kind="stable")
        sv, sc = v[order], coef[order]
        _, first, counts = np.unique(sv, return_index=True, return_counts=True)
        cum = np.cumsum(sc)
        end = cum[first + counts - 1]                  # Σ through each tie group
        group_sum = end - np.r_[0.0, end[:-1]]
        group = np.repeat(np.arange(len(first)), counts)
        out = np.empty_like(coef)
        out[order] = cum[-1] - end[group] + group_sum[group] / 2
        return out

    alpha = dy / norm - r * dx / sxx                   # ∂rho / ∂Rx(r) at w = 1
    beta = dx / norm - r * dy / syy
    g = direct + above(x, alpha) + above(y, beta)
    return np.bincount(codes, weights=g, minlength=n_clusters)


def _cluster_p(x: np.ndarray, y: np.ndarray, codes: np.ndarray, method: str) -> float:
    if method == "spearman":
        x, y = sps.rankdata(x), sps.rankdata(y)
    zx = (x - x.mean()) / x.std()
    zy = (y - y.mean()) / y.std()
    fit = sm.OLS(zy, sm.add_constant(zx)).fit(cov_type="cluster", cov_kwds={"groups": codes},
                                              use_t=True)
    return float(fit.pvalues[1])


@one_blas_thread
def correlate(x: np.ndarray, y: np.ndarray, cluster: np.ndarray | None = None, *,
              method: str = "pearson", n_resamples: int = 2000, ci_method: str = "BCa",
              confidence: float = CONFIDENCE, seed: int = 0, min_n: int = 10) -> dict:
    """One correlation with its cluster-bootstrap CI and p-value, as a results row (dict).

    Parameters
    ----------
    x, y : arrays
        The two variables (rows with a missing value in either are left out and counted).
    cluster : array, optional
        Cluster of each row (the rep). ``None``: every row is its own cluster.
    method : {'pearson', 'spearman'}
    n_resamples, ci_method, confidence, seed
        Bootstrap settings (see :func:`~ssi_analysis.stats._common.bootstrap_ci`).
    min_n : int
        Fewest clusters for an estimate; fewer gives a not-estimable row.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    cluster = np.arange(len(x)) if cluster is None else np.asarray(cluster)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y, cluster = x[ok], y[ok], cluster[ok]
    codes = pd.factorize(pd.Series(cluster))[0]
    n, n_reps = int(len(x)), int(len(np.unique(codes)))
    base = {"method": method, "n": n, "n_reps": n_reps}
    if n_reps < min_n:
        return not_estimable(f"too few reps ({n_reps}; at least {min_n} needed)", **base)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        which = "the predictor" if np.ptp(x) == 0 else "the outcome"
        return not_estimable(f"{which} has no variance (every value is the same)", **base)
    direct = sps.pearsonr(x, y) if method == "pearson" else sps.spearmanr(x, y)
    estimate = float(direct.statistic)
    repeated = n_reps < n
    if repeated:
        p_val, p_method = _cluster_p(x, y, codes, method), "cluster-robust t-test (by rep)"
    else:
        p_val = float(direct.pvalue)
        p_method = "scipy.stats." + ("pearsonr" if method == "pearson" else "spearmanr")
    n_clusters = int(codes.max()) + 1
    statistic, theta, accel = (_pearson if method == "pearson" else _spearman)(
        x, y, codes, n_clusters)
    cells = n_clusters if method == "pearson" else n
    (lo, hi, how), = bootstrap_intervals(
        (np.arange(n_clusters, dtype=float),), statistic, estimate=theta, acceleration=accel,
        n_resamples=n_resamples, confidence=confidence, method=ci_method, seed=seed,
        cells=cells)
    ci_name = f"{how} bootstrap over reps ({n_resamples} resamples)" if how != "not estimable" else how
    return {**base, "estimate": estimate, "ci_low": lo, "ci_high": hi, "ci_method": ci_name,
            "p_val": p_val, "p_method": p_method}


@one_blas_thread
def correlations(data: pd.DataFrame, *, x: Sequence[str] = ("ssi", *PILLARS),
                 y: str = "attainment", by: str | None = None, cluster: str = "rep_id",
                 methods: Sequence[str] = METHODS, n_resamples: int = 2000, ci_method: str = "BCa",
                 confidence: float = CONFIDENCE, seed: int = 0, adjust: str = "holm",
                 min_n: int = 10) -> pd.DataFrame:
    """Correlations of each ``x`` with ``y``, overall and (with ``by``) within each group.

    Parameters
    ----------
    data : DataFrame
        The panel (one row per rep and period), e.g. ``build_panel(bundle).data``.
    x : sequence of str
        Predictors (default SSI and the four pillars).
    y : str
        Outcome (default ``attainment``).
    by : str, optional
        A column to repeat the analysis within (e.g. ``industry``); ``None``: overall only.
    cluster : str
        Column identifying the rep, for the cluster bootstrap and the clustered p-value.
    methods : sequence of {'pearson', 'spearman'}
    n_resamples, ci_method, confidence, seed, min_n
        See :func:`correlate`; each row's bootstrap uses its own seed derived from ``seed``
        and the row's position, so rows do not share random draws.
    adjust : {'holm', 'bh', 'none'}
        Adjustment within each method across the table's rows.

    Returns
    -------
    DataFrame
        One row per predictor x group x method: ``x, y, group_by, group, method, n, n_reps,
        estimate, ci_low, ci_high, ci_method, p_val, p_method, p_adj, adjust_method,
        estimable, reason``.
    """
    for col in (*x, y, cluster, *([by] if by else [])):
        if col not in data:
            raise KeyError(f"column '{col}' is not in the data")
    groups: list[tuple[str, str, pd.DataFrame]] = [("all", "all", data)]
    if by is not None:
        for label, sub in data.groupby(by, sort=True):
            groups.append((by, str(label), sub))
    rows = []
    k = 0
    for group_by, label, sub in groups:
        for col in x:
            for method in methods:
                row = correlate(sub[col].to_numpy(), sub[y].to_numpy(), sub[cluster].to_numpy(),
                                method=method, n_resamples=n_resamples, ci_method=ci_method,
                                confidence=confidence, seed=seed + k, min_n=min_n)
                k += 1
                rows.append({"x": col, "y": y, "group_by": group_by, "group": label, **row})
    table = results_table(rows, COLUMNS)
    table["adjust_method"] = adjust
    for method in methods:
        m = table["method"] == method
        table.loc[m, "p_adj"] = p_adjust(table.loc[m, "p_val"], adjust)
    return table
