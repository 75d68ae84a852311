"""Industry (group) comparisons, benchmarks and gaps: checked against direct scipy/statsmodels
calls, against simulated truth, and on thin or broken data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.oneway import anova_oneway, confint_noncentrality

from ssi_analysis import SSIConfigError, SSIInputError, score
from ssi_analysis.simulate import simulate
from ssi_analysis.stats import (
    ComparisonSettings,
    attach_groups,
    benchmarks,
    compare_groups,
    gaps_to_benchmark,
    group_gaps,
    group_sizes,
    industry_results,
    pairwise_groups,
)
from ssi_analysis.stats.industry import (
    JSON_FIELDS,
    OMNIBUS_COLUMNS,
    PAIRWISE_COLUMNS,
    cliffs_delta,
    epsilon_squared,
    omega_squared_from_f,
)

PILLARS = ["brand", "people", "insights", "relationships"]


@pytest.fixture(scope="module")
def example(example_bundle):
    return score(example_bundle.activity, example_bundle.reps).table, example_bundle.reps


def _samples(scores, reps, pillar, by="industry"):
    d = scores.merge(reps[["rep_id", by]], on="rep_id")
    groups = sorted(d[by].unique())
    return groups, [d.loc[d[by] == g, pillar].to_numpy() for g in groups]


def _toy(values: dict[str, list[float]]):
    """Scores and reps from {group: [scores]}: every pillar and ssi get the same numbers."""
    rows = [(f"r{i}", g, v) for i, (g, v) in enumerate(
        (g, v) for g, vs in values.items() for v in vs)]
    reps = pd.DataFrame({"rep_id": [r[0] for r in rows], "industry": [r[1] for r in rows]})
    s = pd.DataFrame({"rep_id": reps.rep_id,
                      **{p: [float(r[2]) for r in rows] for p in [*PILLARS, "ssi"]}})
    return s, reps


# ------------------------------------------------------------------ against direct calls
def test_kruskal_and_epsilon_squared_match_scipy(example):
    s, reps = example
    res = compare_groups(s, reps, n_resamples=0).set_index(["pillar", "test"])
    for pillar in [*PILLARS, "ssi"]:
        _, samples = _samples(s, reps, pillar)
        ref = stats.kruskal(*samples)
        n = sum(len(x) for x in samples)
        row = res.loc[(pillar, "kruskal_wallis")]
        assert row.statistic == pytest.approx(ref.statistic, rel=1e-12)
        assert row.p_val == pytest.approx(ref.pvalue, rel=1e-10)
        assert row.estimate == pytest.approx(ref.statistic * (n + 1) / (n**2 - 1), rel=1e-12)
        assert row.effect_size == row.estimate and row.n == n == 300 and row.df == 4


def test_welch_anova_and_omega_squared_match_statsmodels(example):
    s, reps = example
    res = compare_groups(s, reps, n_resamples=0).set_index(["pillar", "test"])
    for pillar in [*PILLARS, "ssi"]:
        _, samples = _samples(s, reps, pillar)
        ref = anova_oneway(samples, use_var="unequal")
        row = res.loc[(pillar, "welch_anova")]
        assert row.statistic == pytest.approx(ref.statistic, rel=1e-12)
        assert row.p_val == pytest.approx(ref.pvalue, rel=1e-10)
        assert (row.df, row.df_denom) == pytest.approx((ref.df_num, ref.df_denom), rel=1e-12)
        lam = 4 * (ref.statistic - 1)
        assert row.estimate == pytest.approx(max(lam, 0) / (max(lam, 0) + 300), rel=1e-12)
        nc = confint_noncentrality(ref.statistic, (ref.df_num, ref.df_denom), alpha=0.05)
        assert (row.ci_low, row.ci_high) == pytest.approx(tuple(nc / (nc + 300)), rel=1e-9)
        assert row.ci_low <= row.estimate <= row.ci_high


def test_omega_squared_formula_is_the_textbook_one_for_the_classic_f():
    """df1 (F - 1) / (df1 (F - 1) + n) = (SSB - df1 MSW) / (SST + MSW) for the classic F."""
    rng = np.random.default_rng(4)
    groups = [rng.normal(mu, 1.0, size) for mu, size in ((0, 20), (0.5, 31), (1.0, 17))]
    x = np.concatenate(groups)
    n, k = len(x), len(groups)
    ssb = sum(len(g) * (g.mean() - x.mean()) ** 2 for g in groups)
    ssw = sum(((g - g.mean()) ** 2).sum() for g in groups)
    msw = ssw / (n - k)
    textbook = (ssb - (k - 1) * msw) / (ssb + ssw + msw)
    f = stats.f_oneway(*groups).statistic
    assert omega_squared_from_f(f, k - 1, n) == pytest.approx(textbook, rel=1e-12)
    assert omega_squared_from_f(0.5, 2, 50) == 0.0       # F < 1: truncated at 0
    assert epsilon_squared(10.0, 41) == pytest.approx(10.0 / 40)


def test_p_adj_is_holm_across_pillars_per_test_and_bh_on_request(example):
    s, reps = example
    for adjust, method in (("holm", "holm"), ("bh", "fdr_bh")):
        res = compare_groups(s, reps, adjust=adjust, n_resamples=0)
        for test in ("kruskal_wallis", "welch_anova"):
            sub = res[res.test == test]
            assert len(sub) == 5
            ref = multipletests(sub.p_val, method=method)[1]
            np.testing.assert_allclose(sub.p_adj, ref, rtol=1e-12)
            assert (sub.adjust_method == adjust).all()


def test_pairwise_matches_mannwhitney_and_a_brute_force_cliffs_delta(example):
    s, reps = example
    pw = pairwise_groups(s, reps, pillars=["insights", "ssi"], n_resamples=0)
    assert list(pw.columns) == list(PAIRWISE_COLUMNS)
    assert len(pw) == 2 * 10
    for pillar, part in pw.groupby("pillar"):
        groups, samples = _samples(s, reps, pillar)
        by = dict(zip(groups, samples, strict=True))
        for row in part.itertuples():
            a, b = by[row.group_a], by[row.group_b]
            ref = stats.mannwhitneyu(a, b, alternative="two-sided")
            assert row.statistic == ref.statistic and row.p_val == pytest.approx(ref.pvalue)
            brute = np.sign(a[:, None] - b[None, :]).mean()      # P(a > b) - P(a < b)
            assert row.estimate == pytest.approx(brute, abs=1e-12)
            assert (row.n_a, row.n_b, row.median_a) == (len(a), len(b), np.median(a))
        np.testing.assert_allclose(part.p_adj, multipletests(part.p_val, method="holm")[1])


def test_bootstrap_intervals_are_seeded_and_cover_the_estimate(example):
    s, reps = example
    kw = {"pillars": ["brand"], "n_resamples": 300}
    a = pairwise_groups(s, reps, seed=1, **kw)
    b = pairwise_groups(s, reps, seed=1, **kw)
    c = pairwise_groups(s, reps, seed=2, **kw)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a.ci_low, c.ci_low)
    assert ((a.ci_low <= a.estimate) & (a.estimate <= a.ci_high)).all()
    assert a.ci_method.str.contains("bootstrap BCa within groups").all()
    om = compare_groups(s, reps, seed=1, **kw)
    kw_row = om[om.test == "kruskal_wallis"].iloc[0]
    assert kw_row.ci_low <= kw_row.estimate <= kw_row.ci_high
    assert kw_row.ci_method.startswith("bootstrap")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 25), min_size=2, max_size=15),
       st.lists(st.integers(0, 25), min_size=2, max_size=15))
def test_cliffs_delta_is_antisymmetric_and_bounded(a, b):
    a, b = np.array(a, float), np.array(b, float)
    d = float(cliffs_delta(a, b))
    assert -1 <= d <= 1
    assert d == pytest.approx(-float(cliffs_delta(b, a)), abs=1e-12)
    assert d == pytest.approx(np.sign(a[:, None] - b[None, :]).mean(), abs=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, 250), min_size=15, max_size=30, unique=True),
       st.integers(1, 8))
def test_rank_results_do_not_change_under_a_monotone_rescaling(ints, scale):
    values = [i / 10 for i in ints]              # scores on a 0.1-point grid, no float ties
    groups = {"A": values[:5], "B": values[5:10], "C": values[10:]}
    s, reps = _toy(groups)
    t, _ = _toy({g: [scale * v + 3 for v in vs] for g, vs in groups.items()})
    kw = {"pillars": ["brand"], "n_resamples": 0, "adjust": "none"}
    r1, r2 = compare_groups(s, reps, **kw), compare_groups(t, reps, **kw)
    k1, k2 = r1[r1.test == "kruskal_wallis"].iloc[0], r2[r2.test == "kruskal_wallis"].iloc[0]
    assert k1.statistic == pytest.approx(k2.statistic) and 0 <= k1.estimate <= 1
    p1, p2 = pairwise_groups(s, reps, **kw), pairwise_groups(t, reps, **kw)
    np.testing.assert_allclose(p1.estimate, p2.estimate)


# ------------------------------------------------------------------ simulated truth
def _sim_scores(n_reps, seed, days):
    tables, truth = simulate(n_reps, seed=seed, days=days)
    return score(tables["activity"], tables["reps"]).table, tables["reps"], truth


def test_industries_built_to_differ_are_found_to_differ_and_the_equal_pillar_is_not():
    s, reps, truth = _sim_scores(300, seed=7, days=120)
    res = compare_groups(s, reps, n_resamples=0).set_index(["pillar", "test"])
    for test in ("kruskal_wallis", "welch_anova"):
        for pillar in truth["different_pillars"]:
            assert res.loc[(pillar, test), "p_adj"] < 0.01, (pillar, test)
            assert res.loc[(pillar, test), "effect_size"] > 0.04
        for pillar in truth["equal_pillars"]:
            assert res.loc[(pillar, test), "p_adj"] > 0.05, (pillar, test)
            assert res.loc[(pillar, test), "effect_size"] < 0.03
    # the ordering of the built-in multipliers shows in the pairwise deltas: Software's
    # insights multiplier (1.40) is far above Manufacturing's (0.60)
    pw = pairwise_groups(s, reps, pillars=["insights"], n_resamples=0)
    row = pw[(pw.group_a == "Manufacturing") & (pw.group_b == "Software")].iloc[0]
    assert row.estimate < -0.5 and row.p_adj < 0.001


def test_false_positive_rate_on_the_equal_pillar_is_near_nominal():
    """30 simulated organisations: the equal pillar is 'significant' about 5% of the time."""
    hits = {"kruskal_wallis": 0, "welch_anova": 0}
    n_sim = 30
    for seed in range(100, 100 + n_sim):
        s, reps, _ = _sim_scores(120, seed=seed, days=95)
        res = compare_groups(s, reps, pillars=["relationships"], n_resamples=0, adjust="none")
        for row in res.itertuples():
            hits[row.test] += row.p_val < 0.05
    # under the null the count is Binomial(30, 0.05): P(X >= 6) = 0.016
    assert hits["kruskal_wallis"] <= 5 and hits["welch_anova"] <= 5, hits


# ------------------------------------------------------------------ thin and bad data
def test_a_group_of_one_is_reported_and_left_out():
    s, reps = _toy({"A": [1, 2, 3, 4, 5, 6], "B": [4, 5, 6, 7, 8, 9], "C": [20]})
    res = compare_groups(s, reps, pillars=["brand"], n_resamples=0)
    assert list(res.columns) == list(OMNIBUS_COLUMNS)
    assert (res.n_groups == 2).all() and (res.n == 12).all() and res.estimable.all()
    assert (res.groups_excluded == "C (n=1)").all()
    ref = stats.kruskal([1, 2, 3, 4, 5, 6], [4, 5, 6, 7, 8, 9])
    assert res.iloc[0].statistic == pytest.approx(ref.statistic)
    pw = pairwise_groups(s, reps, pillars=["brand"], n_resamples=0)
    assert len(pw) == 3 and pw.estimable.sum() == 1
    assert pw.loc[~pw.estimable, "reason"].str.contains("C has 1 rep").all()
    assert pw.loc[pw.estimable, "p_adj"].item() == pw.loc[pw.estimable, "p_val"].item()
    sizes = group_sizes(s, reps, pillar="brand")
    assert sizes.included.tolist() == [True, True, False] and sizes.n.sum() == 13


def test_a_pillar_without_variance_is_not_estimable_and_leaves_the_family():
    s, reps = _toy({"A": [1, 2, 3, 4, 5, 6], "B": [4, 5, 6, 7, 8, 9]})
    s["relationships"] = 7.5
    s["people"] = np.where(reps.industry == "A", 3.0, 4.0)          # no variance within groups
    res = compare_groups(s, reps, pillars=["brand", "people", "relationships"],
                         n_resamples=0).set_index(["pillar", "test"])
    for test in ("kruskal_wallis", "welch_anova"):
        row = res.loc[("relationships", test)]
        assert not row.estimable and "no variance" in row.reason and np.isnan(row.p_adj)
        assert row.n == 12
    assert res.loc[("people", "kruskal_wallis"), "estimable"]
    assert not res.loc[("people", "welch_anova"), "estimable"]
    assert "no variance within A, B" in res.loc[("people", "welch_anova"), "reason"]
    kw = res.xs("kruskal_wallis", level="test")
    ok = kw.estimable
    np.testing.assert_allclose(kw.p_adj[ok], multipletests(kw.p_val[ok], method="holm")[1])
    pw = pairwise_groups(s, reps, pillars=["relationships"], n_resamples=0)
    assert not pw.estimable.any() and pw.reason.str.contains("no variance").all()


def test_missing_industry_is_its_own_group_or_excluded_with_a_count():
    s, reps = _toy({"A": [1, 2, 3, 4, 5, 6], "B": [4, 5, 6, 7, 8, 9], "": [2, 9, 5, 6, 1]})
    reps.loc[reps.industry == "", "industry"] = None
    unk = compare_groups(s, reps, pillars=["brand"], n_resamples=0)
    assert (unk.n_groups == 3).all() and (unk.n == 17).all()
    assert "unknown" in attach_groups(s, reps)["group"].tolist()
    exc = compare_groups(s, reps, pillars=["brand"], missing="exclude", n_resamples=0)
    assert (exc.n_groups == 2).all() and (exc.n == 12).all()
    assert (exc.groups_excluded == "no industry (n=5)").all()
    sizes = group_sizes(s, reps, pillar="brand", missing="exclude")
    assert sizes.n.sum() == 17 and "excluded as configured" in sizes.reason.iloc[-1]
    gaps = gaps_to_benchmark(s, reps, pillars=["brand"], missing="exclude", min_n=2)
    assert len(gaps) == 17 and (~gaps.estimable).sum() == 5
    assert gaps.loc[~gaps.estimable, "reason"].str.contains("no industry").all()
    bm = benchmarks(s, reps, pillars=["brand"], missing="exclude")
    assert bm.group.tolist()[:2] == ["A", "B"] and bm.n.sum() == 17
    assert pd.isna(bm.group.iloc[-1]) and "excluded as configured" in bm.reason.iloc[-1]
    reps["team"] = reps.industry.map({"A": "T1", "B": "T2"})            # the 5 have no team
    reps["industry"] = "X"
    tg = group_gaps(s, reps, pillars=["brand"], missing="exclude", min_n=2)
    assert tg.n.tolist() == [6, 6, 5] and not tg.estimable.iloc[-1]
    assert "5 rep(s) without team" in tg.reason.iloc[-1]


def test_a_single_industry_gives_not_estimable_rows_not_a_traceback():
    s, reps = _toy({"A": [1, 2, 3, 4, 5, 6]})
    res = compare_groups(s, reps, pillars=["brand"], n_resamples=0)
    assert not res.estimable.any()
    assert res.reason.str.contains("needs at least 2 groups").all()
    assert res.reason.str.contains(r"A \(n=6\)").all()
    pw = pairwise_groups(s, reps, pillars=["brand"], n_resamples=0)
    assert len(pw) == 1 and not pw.estimable.item() and "no pairs" in pw.reason.item()
    entries, _ = industry_results(s, reps, settings=ComparisonSettings(n_resamples=0))
    assert all(e["p_val"] is None for e in entries if e["pillar"] == "brand")


def test_missing_scores_are_counted_and_left_out():
    s, reps = _toy({"A": [1, 2, 3, 4, 5, 6], "B": [4, 5, 6, 7, 8, 9]})
    s.loc[[0, 7], "brand"] = np.nan
    res = compare_groups(s, reps, pillars=["brand"], n_resamples=0)
    assert (res.n == 10).all() and (res.n_missing == 2).all()
    ref = stats.kruskal([2, 3, 4, 5, 6], [4, 6, 7, 8, 9])
    assert res.iloc[0].statistic == pytest.approx(ref.statistic)


def test_bad_input_gives_clear_errors():
    s, reps = _toy({"A": [1, 2, 3, 4, 5, 6], "B": [4, 5, 6, 7, 8, 9]})
    with pytest.raises(SSIInputError, match="no 'segment' column.*it has: industry"):
        compare_groups(s, reps, by="segment")
    with pytest.raises(SSIInputError, match="several rows for some reps"):
        compare_groups(pd.concat([s, s]), reps, pillars=["brand"])
    with pytest.raises(SSIInputError, match="not in reps"):
        compare_groups(s, reps.iloc[2:], pillars=["brand"])
    with pytest.raises(SSIInputError, match="no column 'reach'"):
        compare_groups(s, reps, pillars=["reach"])
    with pytest.raises(SSIInputError, match="no reps table"):
        compare_groups(s, None, pillars=["brand"])
    with pytest.raises(SSIConfigError, match="min_n"):
        compare_groups(s, reps, pillars=["brand"], min_n=1)
    with pytest.raises(SSIConfigError, match="missing must be"):
        compare_groups(s, reps, pillars=["brand"], missing="drop")
    with pytest.raises(SSIConfigError, match="unknown key"):
        ComparisonSettings.from_dict({"min_size": 3})


def test_by_any_rep_column(example):
    s, reps = example
    res = compare_groups(s, reps, by="region", pillars=["ssi"], n_resamples=0)
    _, samples = _samples(s, reps, "ssi", by="region")
    assert res.iloc[0].statistic == pytest.approx(stats.kruskal(*samples).statistic)
    assert (res.by == "region").all() and (res.n_groups == 3).all()
    pw = pairwise_groups(s, reps, by="team", pillars=["ssi"], n_resamples=0)
    assert len(pw) == 15 * 14 // 2 and pw.estimable.all()


# ------------------------------------------------------------------ benchmarks and gaps
def test_benchmarks_match_pandas_and_scipy(example):
    s, reps = example
    bm = benchmarks(s, reps).set_index(["group", "pillar"])
    d = s.merge(reps, on="rep_id")
    for (g, p), row in bm.iterrows():
        x = d.loc[d.industry == g, p]
        assert row.n == len(x) and row.estimate == row["median"] == x.median()
        assert (row.q1, row.q3) == (x.quantile(0.25), x.quantile(0.75))
        assert row["mean"] == pytest.approx(x.mean()) and row.sd == pytest.approx(x.std())
        ci = stats.quantile_test(x.to_numpy(), q=x.median(), p=0.5).confidence_interval(0.95)
        assert (row.ci_low, row.ci_high) == (ci.low, ci.high)
    small = benchmarks(*_toy({"A": [1, 2, 3, 4, 5, 6], "B": [1, 2]}), pillars=["brand"])
    assert small.estimable.tolist() == [True, False]
    assert "too few for a benchmark" in small.reason.iloc[1]


def test_gaps_are_the_distance_to_the_group_median(example):
    s, reps = example
    g = gaps_to_benchmark(s, reps)
    assert len(g) == 5 * len(s) and g.estimable.all()
    d = s.merge(reps, on="rep_id")
    med = d.groupby("industry")[PILLARS].median()
    one = d.iloc[10]
    mine = g[g.rep_id == one.rep_id].set_index("pillar")
    for p in PILLARS:
        assert mine.loc[p, "gap"] == pytest.approx(one[p] - med.loc[one.industry, p])
    weakest = min(PILLARS, key=lambda p: mine.loc[p, "gap"])
    assert mine.loc[weakest, "lag_rank"] == 1 and pd.isna(mine.loc["ssi", "lag_rank"])
    # "Top N%" within the industry, on each pillar (1 = best)
    peers = d.loc[d.industry == one.industry, "brand"]
    assert mine.loc["brand", "top_pct"] == pytest.approx(100 * (peers >= one.brand).mean())


def test_team_gaps_summarise_each_reps_gap_to_their_own_industry(example):
    s, reps = example
    tg = group_gaps(s, reps).set_index(["group", "pillar"])
    gaps = gaps_to_benchmark(s, reps).merge(reps[["rep_id", "team"]], on="rep_id")
    for team in ("T01", "T07"):
        for p in PILLARS:
            x = gaps.loc[(gaps.team == team) & (gaps.pillar == p), "gap"]
            row = tg.loc[(team, p)]
            assert row.estimate == pytest.approx(x.median()) and row.n == len(x)
            assert row.mean_gap == pytest.approx(x.mean())
        ranks = tg.loc[team].loc[PILLARS, "lag_rank"]
        assert sorted(ranks.tolist()) == [1, 2, 3, 4]
        assert tg.loc[team].loc[PILLARS, "estimate"].idxmin() == ranks.idxmin()


# ------------------------------------------------------------------ results.json
def test_industry_results_for_results_json(example):
    s, reps = example
    cfg = ComparisonSettings(n_resamples=0)
    entries, pw = industry_results(s, reps, settings=cfg)
    assert len(entries) == 10 and all(list(e) == list(JSON_FIELDS) for e in entries)
    assert {e["pillar"] for e in entries} == {*PILLARS, "ssi"}
    text = json.dumps(entries, allow_nan=False)
    assert json.loads(text)[0]["n"] == 300
    assert all(type(e["statistic"]) is float and type(e["n"]) is int for e in entries)
    om = compare_groups(s, reps, n_resamples=0)
    for e, row in zip(entries, om.itertuples(), strict=True):
        assert (e["pillar"], e["test"], e["n_groups"]) == (row.pillar, row.test, row.n_groups)
        assert (e["statistic"], e["p_adj"], e["effect_size"]) == pytest.approx(
            (row.statistic, row.p_adj, row.effect_size))
    assert list(pw.columns) == list(PAIRWISE_COLUMNS) and len(pw) == 5 * 10
    ins = pw[pw.pillar == "insights"].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        ins, pairwise_groups(s, reps, pillars=["insights"], n_resamples=0))
    # a not-estimable row is still JSON-safe: NaN becomes None
    thin, _ = industry_results(*_toy({"A": [1, 2, 3, 4, 5, 6]}), settings=cfg)
    assert json.loads(json.dumps(thin, allow_nan=False))[0]["statistic"] is None
