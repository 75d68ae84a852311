"""Correlations against direct scipy/statsmodels calls, and the cluster bootstrap's logic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from conftest import synthetic_panel
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from ssi_analysis.stats import bootstrap_ci, p_adjust
from ssi_analysis.stats.association import correlate, correlations


def test_one_row_per_rep_matches_scipy_exactly():
    d = synthetic_panel(150, periods=1, beta=0.05, seed=1)
    t = correlations(d, x=["ssi"], n_resamples=999, seed=7).set_index("method")
    for method, fn in (("pearson", sps.pearsonr), ("spearman", sps.spearmanr)):
        direct = fn(d.ssi, d.attainment)
        assert t.loc[method, "estimate"] == pytest.approx(direct.statistic, rel=1e-12)
        assert t.loc[method, "p_val"] == pytest.approx(direct.pvalue, rel=1e-9)
        assert t.loc[method, "p_method"].startswith("scipy.stats")
    # the interval is scipy's own BCa bootstrap of the same statistic with the same seed
    row = t.loc["pearson"]
    seed = 7  # first row of the table uses the seed itself

    def r(x, y, axis=-1):
        return sps.pearsonr(x, y, axis=axis).statistic

    direct = sps.bootstrap((d.ssi.to_numpy(), d.attainment.to_numpy()), r, paired=True,
                           n_resamples=999, method="BCa", rng=np.random.default_rng(seed))
    # resampling rep indices and rows paired draws the same resamples
    assert row.ci_low == pytest.approx(direct.confidence_interval.low, rel=1e-9)
    assert row.ci_high == pytest.approx(direct.confidence_interval.high, rel=1e-9)


def test_repeated_periods_use_a_cluster_robust_p_value():
    d = synthetic_panel(120, periods=3, beta=0.04, seed=2)
    row = correlate(d.ssi, d.attainment, d.rep_id, method="pearson", n_resamples=500)
    zx = (d.ssi - d.ssi.mean()) / d.ssi.std(ddof=0)
    zy = (d.attainment - d.attainment.mean()) / d.attainment.std(ddof=0)
    direct = sm.OLS(zy.to_numpy(), sm.add_constant(zx.to_numpy())).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(d.rep_id)[0]}, use_t=True)
    assert row["p_val"] == pytest.approx(direct.pvalues[1], rel=1e-9)
    assert row["estimate"] == pytest.approx(sps.pearsonr(d.ssi, d.attainment).statistic)
    assert (row["n"], row["n_reps"]) == (360, 120)


def test_cluster_bootstrap_ignores_copies_of_a_rep():
    """Three identical copies of each rep add no information: the same CI as one copy."""
    one = synthetic_panel(80, periods=1, beta=0.05, seed=3)
    three = pd.concat([one] * 3, ignore_index=True)
    a = correlate(one.ssi, one.attainment, one.rep_id, n_resamples=800, seed=5)
    b = correlate(three.ssi, three.attainment, three.rep_id, n_resamples=800, seed=5)
    assert b["estimate"] == pytest.approx(a["estimate"])
    assert (b["ci_low"], b["ci_high"]) == pytest.approx((a["ci_low"], a["ci_high"]), rel=1e-9)
    # a naive bootstrap of the 3x rows would be about sqrt(3) narrower
    naive_lo, naive_hi, _ = bootstrap_ci(
        (three.ssi.to_numpy(), three.attainment.to_numpy()),
        lambda x, y, axis=-1: sps.pearsonr(x, y, axis=axis).statistic, n_resamples=800)
    assert (naive_hi - naive_lo) < 0.75 * (b["ci_high"] - b["ci_low"])


def test_by_group_rows_and_holm_within_method():
    d = synthetic_panel(150, periods=2, beta=0.03, seed=4)
    t = correlations(d, by="industry", n_resamples=300)
    assert len(t) == (1 + 3) * 5 * 2
    for method in ("pearson", "spearman"):
        m = t[t.method == method]
        assert np.allclose(m.p_adj, multipletests(m.p_val, method="holm")[1])
    sub = d[d.industry == "B"]
    row = t[(t.group == "B") & (t.x == "insights") & (t.method == "spearman")].iloc[0]
    assert row.estimate == pytest.approx(sps.spearmanr(sub.insights, sub.attainment).statistic)
    assert row.n == len(sub)
    bh = correlations(d, x=["ssi"], by="industry", n_resamples=300, adjust="bh")
    m = bh[bh.method == "pearson"]
    assert np.allclose(m.p_adj, multipletests(m.p_val, method="fdr_bh")[1])


def test_thin_or_flat_data_are_not_estimable_rows():
    d = synthetic_panel(40, periods=1, seed=5)
    flat = d.assign(ssi=50.0)
    row = correlate(flat.ssi, flat.attainment, flat.rep_id)
    assert not row["estimable"] and "no variance" in row["reason"]
    few = correlate(d.ssi[:6], d.attainment[:6], d.rep_id[:6])
    assert not few["estimable"] and "too few reps (6" in few["reason"]
    t = correlations(flat, x=["ssi"], n_resamples=200)
    assert (~t.estimable).all() and t.p_adj.isna().all()


def test_p_adjust_skips_missing_and_matches_statsmodels():
    p = np.array([0.02, np.nan, 0.01, 0.04, 0.5])
    got = p_adjust(p, "holm")
    assert np.isnan(got[1])
    assert np.allclose(got[[0, 2, 3, 4]], multipletests(p[[0, 2, 3, 4]], method="holm")[1])
    with pytest.raises(ValueError):
        p_adjust(p, "tukey")


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_cluster_statistic_equals_the_expanded_rows(method):
    """The fast statistics (cluster sums; ranks from counts) equal scipy on the expanded rows."""
    from ssi_analysis.stats.association import _pearson, _spearman

    rng = np.random.default_rng(8)
    codes = np.repeat(np.arange(40), rng.integers(1, 5, 40))         # unbalanced panel
    x = rng.normal(size=len(codes)).round(1)                          # with ties
    y = 0.3 * x + rng.normal(size=len(codes))
    k = 40
    stat, theta, _ = (_pearson if method == "pearson" else _spearman)(x, y, codes, k)
    direct = sps.pearsonr if method == "pearson" else sps.spearmanr
    assert theta == pytest.approx(direct(x, y).statistic, rel=1e-12)
    idx = rng.integers(0, k, (3, k))
    for row, got in zip(idx, stat(idx.astype(float)), strict=True):
        rows = np.concatenate([np.flatnonzero(codes == c) for c in row])
        assert got == pytest.approx(direct(x[rows], y[rows]).statistic, rel=1e-10)
