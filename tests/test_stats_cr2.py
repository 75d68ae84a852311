"""CR2 cluster-robust errors with Bell–McCaffrey degrees of freedom, against independent
constructions: statsmodels' HC2 (one row per cluster), Welch's test on cluster means (a
cluster-level two-group comparison), and the textbook matrix formulas written out in full."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import linalg
from scipy import stats as sps

from ssi_analysis.stats.cr2 import CR2Design, cr2_test


def test_one_row_per_cluster_is_hc2():
    rng = np.random.default_rng(1)
    X = sm.add_constant(rng.normal(size=(60, 2)))
    y = X @ [1.0, 0.3, -0.2] + rng.normal(size=60) * (1 + np.abs(X[:, 1]))
    res = cr2_test(X, y, np.arange(60), terms=[1, 2])
    hc2 = sm.OLS(y, X).fit(cov_type="HC2")
    assert res.se == pytest.approx(hc2.bse[1:], rel=1e-10)
    assert res.estimate == pytest.approx(hc2.params[1:], rel=1e-10)


def test_cluster_level_two_group_comparison_is_welch_on_cluster_means():
    """Balanced clusters, a cluster-level 0/1 regressor: CR2's variance is Welch's on the
    cluster means, s1^2/G1 + s0^2/G0, and its Satterthwaite df (homoskedastic working model)
    is (1/G0 + 1/G1)^2 / (1/(G0^2 (G0-1)) + 1/(G1^2 (G1-1))) (Imbens & Kolesar 2016)."""
    rng = np.random.default_rng(2)
    g0, g1, m = 5, 9, 4
    groups = np.repeat(np.arange(g0 + g1), m)
    d = (groups >= g0).astype(float)
    y = 1.0 + 0.4 * d + rng.normal(0, 0.7, g0 + g1)[groups] + rng.normal(size=len(groups))
    res = cr2_test(np.column_stack([np.ones_like(d), d]), y, groups, terms=[1])
    means = np.array([y[groups == g].mean() for g in range(g0 + g1)])
    s0, s1 = means[:g0].var(ddof=1), means[g0:].var(ddof=1)
    assert res.estimate[0] == pytest.approx(means[g0:].mean() - means[:g0].mean())
    assert res.se[0] == pytest.approx(np.sqrt(s1 / g1 + s0 / g0), rel=1e-10)
    df = (1 / g0 + 1 / g1) ** 2 / (1 / (g0 ** 2 * (g0 - 1)) + 1 / (g1 ** 2 * (g1 - 1)))
    assert res.df[0] == pytest.approx(df, rel=1e-10)
    q = sps.t.ppf(0.975, df)
    assert res.ci_low[0] == pytest.approx(res.estimate[0] - q * res.se[0])
    assert res.p_val[0] == pytest.approx(2 * sps.t.sf(abs(res.t[0]), df))


def test_unbalanced_clusters_match_the_matrix_formulas_written_out():
    """Bell & McCaffrey (2002) and Pustejovsky & Tipton (2018), with full n x n matrices."""
    rng = np.random.default_rng(3)
    sizes = [1, 2, 3, 3, 5, 7, 4, 2, 6]
    groups = np.repeat(np.arange(len(sizes)), sizes)
    n = len(groups)
    team_x = rng.normal(size=len(sizes))[groups]
    X = np.column_stack([np.ones(n), team_x + 0.5 * rng.normal(size=n), rng.normal(size=n)])
    y = X @ [0.5, 0.2, 0.1] + rng.normal(size=len(sizes))[groups] + rng.normal(size=n)
    res = cr2_test(X, y, groups, terms=[1, 2])

    M = np.linalg.inv(X.T @ X)
    H = X @ M @ X.T
    e = y - H @ y
    IH = np.eye(n) - H
    meat = np.zeros((3, 3))
    A = {}
    for g in range(len(sizes)):
        i = groups == g
        A[g] = np.real(linalg.sqrtm(np.linalg.inv(np.eye(i.sum()) - H[np.ix_(i, i)])))
        s = X[i].T @ A[g] @ e[i]
        meat += np.outer(s, s)
    V = M @ meat @ M
    assert res.se == pytest.approx(np.sqrt(np.diag(V)[1:]), rel=1e-8)
    for k, j in enumerate((1, 2)):
        c = np.zeros(3)
        c[j] = 1
        # V_c = e' (sum_g G_g' G_g) e with G_g = c' M X_g' A_g (I - H)_g.
        rows = []
        for g in range(len(sizes)):
            i = groups == g
            rows.append(c @ M @ X[i].T @ A[g] @ IH[i, :])
        Gm = np.array(rows)
        B = Gm @ Gm.T
        assert res.df[k] == pytest.approx(np.trace(B) ** 2 / np.sum(B * B), rel=1e-8)


def test_a_design_prepared_once_serves_any_outcome():
    rng = np.random.default_rng(4)
    groups = np.repeat(np.arange(12), 3)
    X = sm.add_constant(rng.normal(size=(36, 1)))
    design = CR2Design.from_exog(X, groups, [1])
    for _ in range(3):
        y = rng.normal(size=36)
        params = np.linalg.lstsq(X, y, rcond=None)[0]
        direct = cr2_test(X, y, groups, terms=[1])
        got = design.test(params, y - X @ params)
        assert got.se == pytest.approx(direct.se) and got.df == pytest.approx(direct.df)


def test_a_cluster_the_design_fits_exactly_gets_no_weight():
    """A cluster with its own dummy has leverage 1 in one direction: the generalised inverse
    gives that direction weight 0 instead of dividing by zero."""
    rng = np.random.default_rng(5)
    groups = np.repeat(np.arange(10), 4)
    own = (groups == 0).astype(float)
    X = np.column_stack([np.ones(40), own, rng.normal(size=40)])
    y = rng.normal(size=40)
    res = cr2_test(X, y, groups, terms=[2])
    assert np.isfinite(res.se).all() and np.isfinite(res.df).all()
