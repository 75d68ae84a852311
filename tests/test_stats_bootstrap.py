"""The fast bootstrap paths against direct slow references, and coverage on known truth.

Every fast statistic is evaluated from resample counts against data sorted once
(``ssi_analysis.stats._bootstrap``). Here each is checked against the plain computation it
replaces (scipy or numpy on the expanded resample), the intervals against
:func:`scipy.stats.bootstrap` with the plain statistic and the same seed, and the intervals'
coverage against simulated data whose truth is known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from ssi_analysis.stats import change_distribution, compare_groups, pairwise_groups
from ssi_analysis.stats._bootstrap import (
    SortedOnce,
    bootstrap_intervals,
    influence_acceleration,
    jackknife_acceleration,
    quantiles_leaving_out,
    weighted_quantiles,
)
from ssi_analysis.stats.association import _spearman, _spearman_influence, correlate
from ssi_analysis.stats.industry import cliffs_delta

values_with_ties = st.lists(st.integers(-4, 4).map(lambda v: v / 2), min_size=2, max_size=30)


# ------------------------------------------------------------------ building blocks
@settings(max_examples=150, deadline=None)
@given(values_with_ties, st.data())
def test_ranks_from_counts_equal_rankdata_of_the_expanded_resample(values, data):
    x = np.array(values)
    counts = np.array(data.draw(st.lists(st.integers(0, 4), min_size=len(x), max_size=len(x))))
    if counts.sum() == 0:
        counts[0] = 1
    s = SortedOnce(x)
    ws = counts[s.order][None, :].astype(np.int32)
    unit = float(np.sum(counts.astype(float) ** 3 - counts))
    twice, ties = s.twice_ranks(ws, np.array([unit]))
    expanded = np.repeat(x[s.order], ws[0])
    expected = sps.rankdata(expanded)
    # every copy of a value has the value's mid-rank
    np.testing.assert_array_equal(np.repeat(twice[0], ws[0]) / 2, expected)
    _, t = np.unique(expanded, return_counts=True)
    assert ties[0] == np.sum(t.astype(float) ** 3 - t)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(-50, 50, allow_nan=False), min_size=1, max_size=25), st.data())
def test_quantiles_from_counts_equal_numpy_bit_for_bit(values, data):
    x = np.sort(np.array(values))
    counts = np.array(data.draw(st.lists(st.integers(0, 3), min_size=len(x), max_size=len(x))))
    if counts.sum() == 0:
        counts[-1] = 2
    qs = [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0, data.draw(st.floats(0, 1))]
    got = weighted_quantiles(x, counts[None, :], qs)[0]
    np.testing.assert_array_equal(got, np.quantile(np.repeat(x, counts), qs))


def test_quantiles_leaving_each_unit_out_equal_numpy():
    rng = np.random.default_rng(4)
    unit = np.repeat(np.arange(30), rng.integers(1, 6, 30))
    x = rng.normal(size=len(unit)).round(1)                          # ties across units
    s = SortedOnce(x)
    slot = pd.Series(unit[s.order]).groupby(unit[s.order]).cumcount().to_numpy()
    pos = np.full((30, 5), len(x))
    pos[unit[s.order], slot] = np.arange(len(x))
    qs = [0.0, 0.1, 0.5, 0.9, 1.0]
    got = quantiles_leaving_out(s.values, pos, qs)
    for u in range(30):
        np.testing.assert_array_equal(got[:, u], np.quantile(x[unit != u], qs))


# ------------------------------------------------------------------ against scipy.stats.bootstrap
def _scipy_bca(data, statistic, seed, n, paired=False):
    res = sps.bootstrap(data, statistic, paired=paired, n_resamples=n, method="BCa",
                        rng=np.random.default_rng(seed))
    return res.confidence_interval.low, res.confidence_interval.high


def test_cliffs_delta_interval_is_scipys_bca_of_the_plain_statistic():
    rng = np.random.default_rng(1)
    reps = pd.DataFrame({"rep_id": [f"r{i}" for i in range(70)],
                         "industry": ["A"] * 30 + ["B"] * 40})
    s = pd.DataFrame({"rep_id": reps.rep_id, "brand": np.r_[rng.normal(10, 3, 30),
                                                             rng.normal(12, 3, 40)].round(0)})
    row = pairwise_groups(s, reps, pillars=["brand"], n_resamples=999, seed=6).iloc[0]
    a, b = s.brand[:30].to_numpy(), s.brand[30:].to_numpy()
    lo, hi = _scipy_bca((a, b), cliffs_delta, 6, 999)
    assert (row.ci_low, row.ci_high) == pytest.approx((lo, hi), rel=1e-12, abs=1e-15)


def test_kruskal_interval_is_scipys_bca_of_the_plain_statistic():
    rng = np.random.default_rng(2)
    groups = np.repeat(["A", "B", "C"], [15, 22, 18])
    reps = pd.DataFrame({"rep_id": [f"r{i}" for i in range(len(groups))], "industry": groups})
    s = pd.DataFrame({"rep_id": reps.rep_id,
                      "people": (rng.normal(size=len(groups)) + (groups == "B")).round(1)})
    row = compare_groups(s, reps, pillars=["people"], n_resamples=999, seed=9).iloc[0]
    assert row.test == "kruskal_wallis"
    samples = [s.people[groups == g].to_numpy() for g in ("A", "B", "C")]
    n = len(groups)
    lo, hi = _scipy_bca(samples, lambda *xs, axis=-1: sps.kruskal(*xs, axis=axis).statistic
                        / (n - 1), 9, 999)
    assert (row.ci_low, row.ci_high) == pytest.approx((lo, hi), rel=1e-9)


def test_change_distribution_intervals_are_scipys_bca_of_the_plain_statistics():
    rng = np.random.default_rng(3)
    weeks = pd.date_range("2026-04-06", periods=6, freq="7D")
    rows = [(f"r{r}", w, v) for r in range(40) for w, v in
            zip(weeks, np.cumsum(rng.normal(0, 2, 6)) + rng.normal(40, 5), strict=True)
            if rng.random() > 0.1]                                   # some weeks missing
    weekly = pd.DataFrame(rows, columns=["rep_id", "week_start", "ssi"])
    got = change_distribution(weekly, thresholds=(1.5,), quantiles=(0.1, 0.5),
                              n_resamples=499, seed=5).set_index("statistic")
    ch = weekly.sort_values(["rep_id", "week_start"]).assign(
        change=lambda d: d.groupby("rep_id").ssi.diff(),
        gap=lambda d: d.groupby("rep_id").week_start.diff())
    ch = ch[ch.gap == pd.Timedelta(days=7)]
    mat = ch.pivot(index="rep_id", columns="week_start", values="change").to_numpy()
    idx = np.arange(mat.shape[0], dtype=float)

    def pooled(i):
        return mat[i.astype(int)].reshape(*i.shape[:-1], -1)

    def rising(i, axis=-1):
        p = pooled(i)
        return np.nansum(p > 1.5, axis=-1) / np.isfinite(p).sum(axis=-1)

    for name, stat in (("share rising more than 1.5", rising),
                       ("quantile 0.1", lambda i, axis=-1: np.nanquantile(pooled(i), 0.1, -1)),
                       ("quantile 0.5", lambda i, axis=-1: np.nanquantile(pooled(i), 0.5, -1))):
        lo, hi = _scipy_bca((idx,), stat, 5, 499, paired=True)
        assert (got.loc[name, "ci_low"], got.loc[name, "ci_high"]) == pytest.approx(
            (lo, hi), rel=1e-12), name


def _panel(n_clusters, rows, rng, rho=0.5):
    """Clusters with correlated cluster effects and correlated row noise: every row is
    bivariate normal with correlation ``rho`` (so Pearson's r is rho and Spearman's is
    6/pi asin(rho/2))."""
    cov = [[1, rho], [rho, 1]]
    c = rng.multivariate_normal([0, 0], cov, n_clusters)
    codes = np.repeat(np.arange(n_clusters), rows)
    e = rng.multivariate_normal([0, 0], cov, len(codes))
    xy = np.sqrt(0.5) * (c[codes] + e)
    return xy[:, 0], xy[:, 1], codes


def test_spearman_bootstrap_draws_scipys_resamples_and_its_acceleration_is_the_jackknifes():
    rng = np.random.default_rng(5)
    x, y, codes = _panel(60, 3, rng)
    x = x.round(1)                                                   # ties

    def plain(i, axis=-1):                                          # expand rows, re-rank
        out = []
        for row in np.atleast_2d(i).astype(int):
            rows = np.concatenate([np.flatnonzero(codes == c) for c in row])
            out.append(sps.spearmanr(x[rows], y[rows]).statistic)
        return np.array(out) if np.ndim(i) > 1 else out[0]

    idx = (np.arange(60, dtype=float),)
    pct = correlate(x, y, codes, method="spearman", n_resamples=300, seed=4,
                    ci_method="percentile")
    ref = sps.bootstrap(idx, plain, n_resamples=300, method="percentile",
                        rng=np.random.default_rng(4))
    assert (pct["ci_low"], pct["ci_high"]) == pytest.approx(
        tuple(ref.confidence_interval), rel=1e-12)
    # BCa: scipy's bias correction; the acceleration from the influence function, which is
    # the limit of scipy's leave-one-cluster-out jackknife (equal up to O(1/n))
    loo = np.array([sps.spearmanr(x[codes != c], y[codes != c]).statistic for c in range(60)])
    a_jack = float(jackknife_acceleration(loo))
    a_inf = float(influence_acceleration(_spearman_influence(x, y, codes, 60)))
    assert a_inf == pytest.approx(a_jack, rel=0.05)
    u = (59 * (loo.mean() - loo))
    assert np.corrcoef(u, _spearman_influence(x, y, codes, 60))[0, 1] > 0.999
    bca = correlate(x, y, codes, method="spearman", n_resamples=300, seed=4)
    ref = sps.bootstrap(idx, plain, n_resamples=300, method="BCa", rng=np.random.default_rng(4))
    assert (bca["ci_low"], bca["ci_high"]) == pytest.approx(tuple(ref.confidence_interval),
                                                            abs=2e-3)
    _, theta, _ = _spearman(x, y, codes, 60)
    assert theta == pytest.approx(sps.spearmanr(x, y).statistic, rel=1e-12)


def test_intervals_fall_back_to_percentile_where_bca_is_undefined():
    x = np.r_[np.zeros(30), 1.0]                                    # most resamples equal
    out = bootstrap_intervals((x,), np.mean, estimate=x.mean(), acceleration=np.nan, seed=1)
    (lo, hi, how), = out
    ref = sps.bootstrap((x,), np.mean, method="percentile", rng=np.random.default_rng(1))
    assert how == "percentile"
    assert (lo, hi) == pytest.approx(tuple(ref.confidence_interval))


# ------------------------------------------------------------------ coverage on known truth
def test_cluster_bootstrap_intervals_cover_the_truth_at_the_nominal_rate():
    """Pearson's and Spearman's BCa intervals over clusters of 3 rows: 95% cover the truth."""
    rng = np.random.default_rng(11)
    rho = 0.4
    truth = {"pearson": rho, "spearman": 6 / np.pi * np.arcsin(rho / 2)}
    hits = {m: 0 for m in truth}
    n_sim = 200
    for k in range(n_sim):
        x, y, codes = _panel(50, 3, rng, rho)
        for method in truth:
            row = correlate(x, y, codes, method=method, n_resamples=400, seed=k)
            hits[method] += row["ci_low"] <= truth[method] <= row["ci_high"]
    for method, h in hits.items():
        # nominal 0.95; 200 replicates give a standard error of 0.015 (seen: 0.94, 0.955)
        assert 0.90 <= h / n_sim <= 0.99, (method, h / n_sim)


def test_cliffs_delta_and_quantile_intervals_cover_the_truth():
    rng = np.random.default_rng(12)
    shift = 0.5
    delta = 2 * sps.norm.cdf(shift / np.sqrt(2)) - 1                # P(a > b) - P(a < b)
    reps = pd.DataFrame({"rep_id": [f"r{i}" for i in range(70)],
                         "industry": ["A"] * 35 + ["B"] * 35})
    weeks = pd.date_range("2026-04-06", periods=5, freq="7D")
    n_sim, hit_delta, hit_q, hit_share = 150, 0, 0, 0
    for k in range(n_sim):
        s = pd.DataFrame({"rep_id": reps.rep_id,
                          "brand": np.r_[rng.normal(shift, 1, 35), rng.normal(0, 1, 35)]})
        row = pairwise_groups(s, reps, pillars=["brand"], n_resamples=400, seed=k).iloc[0]
        hit_delta += row.ci_low <= delta <= row.ci_high
        # weekly changes: a rep effect plus noise, each change N(0, 1 + 1) marginally
        effect = rng.normal(0, 1, 100)
        change = effect[:, None] + rng.normal(0, 1, (100, 4))
        level = 40 + np.c_[np.zeros(100), np.cumsum(change, axis=1)]
        weekly = pd.DataFrame({"rep_id": np.repeat([f"r{i}" for i in range(100)], 5),
                               "week_start": np.tile(weeks, 100), "ssi": level.ravel()})
        cd = change_distribution(weekly, thresholds=(1.0,), quantiles=(0.75,),
                                 n_resamples=400, seed=k).set_index("statistic")
        q75 = np.sqrt(2) * sps.norm.ppf(0.75)
        share = sps.norm.sf(1.0 / np.sqrt(2))
        hit_q += cd.loc["quantile 0.75", "ci_low"] <= q75 <= cd.loc["quantile 0.75", "ci_high"]
        r = cd.loc["share rising more than 1"]
        hit_share += r.ci_low <= share <= r.ci_high
    # nominal 0.95, standard error 0.018 (seen: 0.947, 0.933, 0.927; a cluster bootstrap over
    # 100 reps covers a little under nominal, as expected of any bootstrap at that size)
    for name, h in (("cliffs delta", hit_delta), ("quantile", hit_q), ("share", hit_share)):
        assert 0.89 <= h / n_sim <= 0.99, (name, h / n_sim)
