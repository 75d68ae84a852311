"""How strongly SSI and its pillars go with attainment: Pearson and Spearman, with honest CIs.

The panel has one row per rep and period, so a rep with three periods appears three times.
Treating those rows as independent would make every interval too narrow. So:

* the **estimate** is the correlation over all rep-period rows (what
  :func:`scipy.stats.pearsonr` / :func:`scipy.stats.spearmanr` give on them);
* the **confidence interval** is a bootstrap over reps (:func:`scipy.stats.bootstrap` resamples
  whole reps with all their periods — a cluster bootstrap), BCa by default, seeded;
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
>>> t = correlations(panel, x=["ssi"], n_boot=500)
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

from ..config import PILLARS
from ._common import CONFIDENCE, bootstrap_ci, not_estimable, p_adjust, results_table

COLUMNS = ["x", "y", "group_by", "group", "method", "n", "n_reps", "estimate", "ci_low",
           "ci_high", "ci_method", "p_val", "p_method", "p_adj", "adjust_method", "estimable",
           "reason"]
METHODS = ("pearson", "spearman")
BOOTSTRAP_CELLS = 2_000_000
"""Rows x resamples per vectorised bootstrap step (about 16 MB per array)."""


def _pearson_last_axis(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson r along the last axis, ignoring NaN padding (x and y are NaN together)."""
    n = np.sum(~np.isnan(x), axis=-1)
    mx = np.nansum(x, axis=-1) / n
    my = np.nansum(y, axis=-1) / n
    dx = x - mx[..., None]
    dy = y - my[..., None]
    sxy = np.nansum(dx * dy, axis=-1)
    sxx = np.nansum(dx * dx, axis=-1)
    syy = np.nansum(dy * dy, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sxy / np.sqrt(sxx * syy)


def _by_cluster(values: np.ndarray, codes: np.ndarray, n_clusters: int) -> np.ndarray:
    """Rows as a (cluster x slot) array padded with NaN, so whole clusters can be resampled."""
    slot = pd.Series(codes).groupby(codes).cumcount().to_numpy()
    out = np.full((n_clusters, int(slot.max()) + 1), np.nan)
    out[codes, slot] = values
    return out


def _cluster_statistic(x: np.ndarray, y: np.ndarray, codes: np.ndarray, method: str):
    """The correlation of the rows of resampled clusters, vectorised over resamples.

    Pearson's r only needs each cluster's sums (n, x, y, x², y², xy), so a resample of
    clusters is a sum of their rows of sums (centred on the overall means, for accuracy): fast
    and small at any size. Spearman needs the ranks within each resample, so it expands the
    resampled clusters' rows.
    """
    n_clusters = int(codes.max()) + 1
    if method == "pearson":
        xc, yc = x - x.mean(), y - y.mean()
        sums = np.stack([np.bincount(codes, weights=w, minlength=n_clusters) for w in
                         (np.ones_like(xc), xc, yc, xc * xc, yc * yc, xc * yc)], axis=1)

        def pearson(idx: np.ndarray, axis: int = -1) -> np.ndarray:
            idx = np.moveaxis(np.asarray(idx), axis, -1).astype(np.int64)
            n, sx, sy, sxx, syy, sxy = np.moveaxis(sums[idx].sum(axis=-2), -1, 0)
            with np.errstate(invalid="ignore", divide="ignore"):
                return (sxy - sx * sy / n) / np.sqrt((sxx - sx * sx / n) * (syy - sy * sy / n))

        return pearson, n_clusters
    X, Y = _by_cluster(x, codes, n_clusters), _by_cluster(y, codes, n_clusters)

    def statistic(idx: np.ndarray, axis: int = -1) -> np.ndarray:
        idx = np.moveaxis(np.asarray(idx), axis, -1).astype(np.int64)
        xs = X[idx].reshape(*idx.shape[:-1], -1)
        ys = Y[idx].reshape(*idx.shape[:-1], -1)
        xs = sps.rankdata(xs, axis=-1, nan_policy="omit")
        ys = sps.rankdata(ys, axis=-1, nan_policy="omit")
        return _pearson_last_axis(xs, ys)

    return statistic, n_clusters


def _cluster_p(x: np.ndarray, y: np.ndarray, codes: np.ndarray, method: str) -> float:
    if method == "spearman":
        x, y = sps.rankdata(x), sps.rankdata(y)
    zx = (x - x.mean()) / x.std()
    zy = (y - y.mean()) / y.std()
    fit = sm.OLS(zy, sm.add_constant(zx)).fit(cov_type="cluster", cov_kwds={"groups": codes},
                                              use_t=True)
    return float(fit.pvalues[1])


def correlate(x: np.ndarray, y: np.ndarray, cluster: np.ndarray | None = None, *,
              method: str = "pearson", n_boot: int = 2000, ci_method: str = "BCa",
              confidence: float = CONFIDENCE, seed: int = 0, min_n: int = 10) -> dict:
    """One correlation with its cluster-bootstrap CI and p-value, as a results row (dict).

    Parameters
    ----------
    x, y : arrays
        The two variables (rows with a missing value in either are left out and counted).
    cluster : array, optional
        Cluster of each row (the rep). ``None``: every row is its own cluster.
    method : {'pearson', 'spearman'}
    n_boot, ci_method, confidence, seed
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
    statistic, n_clusters = _cluster_statistic(x, y, codes, method)
    batch = max(1, int(BOOTSTRAP_CELLS // max(n, 1)))  # bounds memory on large panels
    lo, hi, how = bootstrap_ci((np.arange(n_clusters, dtype=float),), statistic, paired=True,
                               n_resamples=n_boot, confidence=confidence, method=ci_method,
                               seed=seed, batch=batch)
    ci_name = f"{how} bootstrap over reps ({n_boot} resamples)" if how != "not estimable" else how
    return {**base, "estimate": estimate, "ci_low": lo, "ci_high": hi, "ci_method": ci_name,
            "p_val": p_val, "p_method": p_method}


def correlations(data: pd.DataFrame, *, x: Sequence[str] = ("ssi", *PILLARS),
                 y: str = "attainment", by: str | None = None, cluster: str = "rep_id",
                 methods: Sequence[str] = METHODS, n_boot: int = 2000, ci_method: str = "BCa",
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
    n_boot, ci_method, confidence, seed, min_n
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
                                method=method, n_boot=n_boot, ci_method=ci_method,
                                confidence=confidence, seed=seed + k, min_n=min_n)
                k += 1
                rows.append({"x": col, "y": y, "group_by": group_by, "group": label, **row})
    table = results_table(rows, COLUMNS)
    table["adjust_method"] = adjust
    for method in methods:
        m = table["method"] == method
        table.loc[m, "p_adj"] = p_adjust(table.loc[m, "p_val"], adjust)
    return table
