"""Agreement with LinkedIn's SSI: each statistic against a direct computation, and known truth."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.anova import anova_lm

from ssi_analysis import score
from ssi_analysis.config import PILLARS, load_config
from ssi_analysis.errors import SSIConfigError
from ssi_analysis.stats._common import p_adjust
from ssi_analysis.stats.agreement import (
    _cluster_sums,
    _from_totals,
    agreement,
    calibrate,
    limit_ci,
    pair_scores,
)

Z = stats.norm.ppf(0.975)


def independent_pairs(n=60, seed=1, bias=1.5, scale=1.0):
    rng = np.random.default_rng(seed)
    truth = rng.uniform(10, 70, n)
    return pd.DataFrame({"rep_id": [f"r{i}" for i in range(n)], "ssi_observed": truth,
                         "ssi_computed": scale * truth + bias + rng.normal(0, 3, n)})


def repeated_pairs(reps=60, per_rep=8, seed=2, bias=2.0, sd_rep=1.5, sd_within=1.0):
    rng = np.random.default_rng(seed)
    rep = np.repeat(np.arange(reps), per_rep)
    level = rng.uniform(15, 60, reps)[rep] + rng.normal(0, 2, rep.size)
    d = bias + rng.normal(0, sd_rep, reps)[rep] + rng.normal(0, sd_within, rep.size)
    return pd.DataFrame({"rep_id": rep.astype(str), "ssi_observed": level,
                         "ssi_computed": level + d})


def table(pairs, **kw):
    kw.setdefault("n_resamples", 400)
    return agreement(pairs, measures=["ssi"], **kw).set_index("statistic")


def test_independent_pairs_match_scipy_and_bland_altman_1999():
    pairs = independent_pairs()
    res = table(pairs)
    x, y = pairs.ssi_observed.to_numpy(), pairs.ssi_computed.to_numpy()
    d, n = y - x, len(x)
    r = stats.pearsonr(x, y)
    ci = r.confidence_interval()
    row = res.loc["pearson_r"]
    assert row.estimate == pytest.approx(r.statistic)
    assert (row.ci_low, row.ci_high) == pytest.approx((ci.low, ci.high))
    assert row.p_val == pytest.approx(r.pvalue) and row.ci_method == "Fisher z"
    t = stats.ttest_1samp(d, 0)                      # R: t.test(y - x)
    tci = t.confidence_interval()
    row = res.loc["bias"]
    assert row.estimate == pytest.approx(d.mean()) and row.p_val == pytest.approx(t.pvalue)
    assert (row.ci_low, row.ci_high) == pytest.approx((tci.low, tci.high))
    s = d.std(ddof=1)
    se = s * np.sqrt(1 / n + Z ** 2 / (2 * (n - 1)))  # Bland & Altman (1999), section 2.3
    tq = stats.t.ppf(0.975, n - 1)
    for name, sign in (("loa_low", -1), ("loa_high", 1)):
        row = res.loc[name]
        assert row.estimate == pytest.approx(d.mean() + sign * Z * s)
        assert (row.ci_low, row.ci_high) == pytest.approx(
            (row.estimate - tq * se, row.estimate + tq * se))
    lin = stats.linregress((x + y) / 2, d)          # R: lm(I(y - x) ~ I((x + y) / 2))
    row = res.loc["proportional_bias"]
    half = stats.t.ppf(0.975, n - 2) * lin.stderr
    assert row.estimate == pytest.approx(lin.slope) and row.p_val == pytest.approx(lin.pvalue)
    assert (row.ci_low, row.ci_high) == pytest.approx((lin.slope - half, lin.slope + half))
    assert (res.n == n).all() and (res.n_reps == n).all()


def test_ccc_matches_lins_decomposition():
    """Lin (1989): ccc = r * C_b, C_b = 2 / (v + 1/v + u^2), v = sx/sy, u = (mx-my)/sqrt(sx sy)."""
    pairs = independent_pairs(bias=4.0, scale=0.8)
    x, y = pairs.ssi_observed.to_numpy(), pairs.ssi_computed.to_numpy()
    sx, sy = x.std(), y.std()
    v, u = sx / sy, (x.mean() - y.mean()) / np.sqrt(sx * sy)
    expected = np.corrcoef(x, y)[0, 1] * 2 / (v + 1 / v + u ** 2)
    row = table(pairs).loc["ccc"]
    assert row.estimate == pytest.approx(expected)
    assert row.ci_low < row.estimate < row.ci_high and np.isnan(row.p_val)
    assert row.ci_method.startswith("bootstrap")


def test_repeated_pairs_bias_uses_rep_clustered_errors():
    pairs = repeated_pairs()
    row = table(pairs).loc["bias"]
    d = (pairs.ssi_computed - pairs.ssi_observed).to_numpy()
    g = pairs.rep_id.to_numpy()
    n, k = len(d), pd.unique(g).size
    # cluster-robust variance of a mean by hand: G/(G-1) * sum_g (sum_i e_gi)^2 / N^2
    e = pd.Series(d - d.mean()).groupby(g).sum().to_numpy()
    se = np.sqrt(k / (k - 1) * (e ** 2).sum() / n ** 2)
    tq = stats.t.ppf(0.975, k - 1)
    assert row.ci_method == "cluster-robust t (by rep)"
    assert (row.ci_low, row.ci_high) == pytest.approx((d.mean() - tq * se, d.mean() + tq * se))
    naive = table(pairs, cluster=None).loc["bias"]
    assert row.ci_high - row.ci_low > 2 * (naive.ci_high - naive.ci_low)


def test_repeated_pairs_limits_use_bland_altman_2007():
    """The SD of Bland & Altman (2007, true value varying) from a one-way ANOVA of d on rep."""
    pairs = repeated_pairs(reps=40, per_rep=5).iloc[:-7]     # unequal numbers per rep
    d = pairs.ssi_computed - pairs.ssi_observed
    frame = pd.DataFrame({"d": d.to_numpy(), "rep": pairs.rep_id.to_numpy()})
    aov = anova_lm(smf.ols("d ~ C(rep)", data=frame).fit())
    ms_b, ms_w = aov.loc["C(rep)", "mean_sq"], aov.loc["Residual", "mean_sq"]
    m = frame.groupby("rep").size().to_numpy()
    n, k = m.sum(), m.size
    divisor = (n ** 2 - (m ** 2).sum()) / ((k - 1) * n)
    sd = np.sqrt((ms_b - ms_w) / divisor + ms_w)
    res = table(pairs)
    assert res.loc["loa_high", "estimate"] == pytest.approx(d.mean() + Z * sd)
    assert res.loc["loa_low", "estimate"] == pytest.approx(d.mean() - Z * sd)
    assert res.loc["loa_low", "ci_method"] == "bootstrap BCa (reps resampled)"


def test_resampled_statistics_equal_a_direct_computation_on_the_resample():
    """The bootstrap's shortcut (per-rep sums times draw counts) against expanded data."""
    pairs = repeated_pairs(reps=12, per_rep=4, seed=5).iloc[:-3]
    x, y = pairs.ssi_observed.to_numpy(), pairs.ssi_computed.to_numpy()
    codes, _ = pd.factorize(pairs.rep_id)
    sums = _cluster_sums(x, y, codes, 12)
    rng = np.random.default_rng(0)
    for _ in range(5):
        draw = rng.integers(0, 12, 12)
        got = {k: float(v[0]) for k, v in _from_totals(np.bincount(draw, minlength=12) @ sums,
                                                         Z).items()}
        rows = np.concatenate([np.flatnonzero(codes == c) for c in draw])
        copy = np.concatenate([[i] * (codes == c).sum() for i, c in enumerate(draw)])
        xs, ys = x[rows], y[rows]
        ds = ys - xs
        assert got["pearson_r"] == pytest.approx(np.corrcoef(xs, ys)[0, 1])
        assert got["bias"] == pytest.approx(ds.mean())
        frame = pd.DataFrame({"d": ds, "rep": copy.astype(str)})
        aov = anova_lm(smf.ols("d ~ C(rep)", data=frame).fit())
        m = frame.groupby("rep").size().to_numpy()
        div = (m.sum() ** 2 - (m ** 2).sum()) / ((m.size - 1) * m.sum())
        var_b = max((aov.mean_sq.iloc[0] - aov.mean_sq.iloc[1]) / div, 0)
        assert got["sd"] == pytest.approx(np.sqrt(var_b + aov.mean_sq.iloc[1]))


def test_known_bias_and_limits_are_recovered():
    true_sd = np.hypot(1.5, 1.0)
    res = table(repeated_pairs(reps=80, per_rep=6, seed=11))
    trend = res.loc["proportional_bias"]                 # built with none
    assert trend.ci_low < 0 < trend.ci_high
    assert res.loc["bias", "ci_low"] < 2.0 < res.loc["bias", "ci_high"]
    assert res.loc["loa_low", "ci_low"] < 2 - Z * true_sd < res.loc["loa_low", "ci_high"]
    assert res.loc["loa_high", "ci_low"] < 2 + Z * true_sd < res.loc["loa_high", "ci_high"]


def test_limits_of_agreement_cover_the_truth_about_95_percent():
    """Coverage of the Bland-Altman (1999) interval for the upper limit: 4000 samples of 80."""
    rng = np.random.default_rng(4)
    d = rng.normal(1, 2, (4000, 80))
    mean, sd = d.mean(axis=1), d.std(axis=1, ddof=1)
    lo, hi = limit_ci(mean + Z * sd, sd, 80)
    coverage = ((lo < 1 + Z * 2) & (1 + Z * 2 < hi)).mean()
    assert 0.93 <= coverage <= 0.97        # an approximation: about 95% at n = 80


def test_thin_and_degenerate_data_give_reasons_not_errors():
    few = independent_pairs(n=2)
    res = agreement(few, measures=["ssi"])
    assert (~res.estimable).all() and (res.reason == "fewer than 3 pairs").all()
    flat = independent_pairs(n=10).assign(ssi_observed=30.0)
    res = table(flat)
    assert not res.loc["pearson_r", "estimable"]
    assert res.loc["pearson_r", "reason"] == "no variation in the observed ssi"
    assert res.loc["bias", "estimable"]
    same = independent_pairs(n=10).assign(ssi_computed=lambda d: d.ssi_observed + 1)
    res = table(same)
    assert res.loc["ccc", "estimable"] and not res.loc["bias", "estimable"]
    assert "do not vary" in res.loc["bias", "reason"]
    two_reps = repeated_pairs(reps=2)
    assert (table(two_reps).reason == "fewer than 3 reps").all()


def test_p_values_are_adjusted_together_and_results_are_reproducible():
    pairs = repeated_pairs().assign(brand_observed=lambda d: d.ssi_observed / 4,
                                    brand_computed=lambda d: d.ssi_computed / 4 + 0.1)
    a = agreement(pairs, measures=["ssi", "brand"], n_resamples=300, seed=3)
    b = agreement(pairs, measures=["ssi", "brand"], n_resamples=300, seed=3)
    pd.testing.assert_frame_equal(a, b)
    np.testing.assert_allclose(a.p_adj, p_adjust(a.p_val, "holm"), equal_nan=True)
    assert a.p_val.notna().sum() == 6        # r, bias and proportional bias for each measure
    assert list(a.columns[:8]) == ["measure", "statistic", "n", "estimate", "ci_low",
                                   "ci_high", "p_val", "p_adj"]


# ------------------------------------------------------------------ pairing and calibration
def test_pairs_are_scored_on_the_snapshot_dates(example_bundle):
    b = example_bundle
    paired = pair_scores(b.activity, b.reps, b.ssi_observed)
    pairs = paired.table
    assert pairs.date.min() >= b.activity.date.min() + pd.Timedelta(days=89)
    assert any("window is not yet full" in n for n in paired.notes)
    some = pairs.sample(5, random_state=0)
    direct = score(b.activity, b.reps, at=some[["rep_id", "date"]]).table
    merged = some.merge(direct, on=["rep_id", "date"])
    np.testing.assert_allclose(merged.brand_computed, merged.brand)
    obs = b.ssi_observed.set_index(["rep_id", "date"])
    np.testing.assert_allclose(merged.ssi_observed,
                               obs.loc[list(zip(merged.rep_id, merged.date, strict=True)),
                                       "ssi"].to_numpy())
    everything = pair_scores(b.activity, b.reps, b.ssi_observed, full_window=False)
    assert len(everything) == len(b.ssi_observed)


def _observed_from(bundle, config, dates):
    """Snapshots computed with ``config``: a LinkedIn whose targets are known."""
    reps = bundle.reps.rep_id.iloc[:40]
    at = pd.DataFrame([(r, d) for r in reps for d in dates], columns=["rep_id", "date"])
    s = score(bundle.activity, bundle.reps, config=config, at=at).table
    return s[["rep_id", "date", *PILLARS]].assign(ssi=s.ssi.round())


def test_calibration_recovers_known_multipliers(example_bundle, tmp_path):
    b = example_bundle
    base = load_config()
    factor = {"brand": 1.5, "people": 0.7, "insights": 2.0, "relationships": 1.0}
    truth = replace(base, metrics=tuple(
        replace(m, half=m.half * factor[m.pillar]) if m.kind in ("count", "days_active")
        else replace(m, target=m.target * factor[m.pillar]) if m.kind == "rate" else m
        for m in base.metrics))
    observed = _observed_from(b, truth, pd.date_range("2026-04-06", "2026-06-29", freq="14D"))
    noise = np.random.default_rng(0).normal(0, 0.3, (len(observed), 4))
    observed[list(PILLARS)] = (observed[list(PILLARS)] + noise).clip(0, 25)
    cal = calibrate(b.activity, b.reps, observed, penalty=0.0, n_resamples=100)
    got = cal.parameters.groupby("group").multiplier.median()
    for pillar, f in factor.items():
        assert got[pillar] == pytest.approx(f, rel=0.03)
    assert cal.fit["success"] and cal.fit["rmse_after"] < 0.35 < cal.fit["rmse_before"]
    after = cal.after.set_index(["measure", "statistic"])
    for pillar in PILLARS:
        assert after.loc[(pillar, "bias"), "ci_low"] < 0 < after.loc[(pillar, "bias"), "ci_high"]
    # the TOML it writes is the config it returns
    path = tmp_path / "calibrated.toml"
    path.write_text(cal.to_toml())
    again = load_config(path)
    assert [(m.name, m.half, m.target) for m in again.metrics] == \
        [(m.name, m.half, m.target) for m in cal.config.metrics]


def test_calibration_holds_reps_out_and_refuses_relative_mode(example_bundle):
    b = example_bundle
    obs = b.ssi_observed
    cal = calibrate(b.activity, b.reps, obs, holdout=0.3, seed=1, n_resamples=100)
    fit = cal.fit
    assert fit["check"] == "held-out reps" and fit["n_reps_check"] == round(0.3 * 120)
    assert fit["n_reps_fit"] + fit["n_reps_check"] == 120
    assert set(cal.after.n_reps) == {fit["n_reps_check"]}
    again = calibrate(b.activity, b.reps, obs, holdout=0.3, seed=1, n_resamples=100)
    pd.testing.assert_frame_equal(cal.parameters, again.parameters)
    with pytest.raises(SSIConfigError, match="absolute mode"):
        calibrate(b.activity, b.reps, obs, config=load_config().with_options(mode="relative"))


def test_a_difference_that_shrinks_with_the_score_shows_as_proportional_bias():
    pairs = independent_pairs(n=200, bias=10.0, scale=0.8)   # computed = 0.8 x + 10 + noise
    row = table(pairs).loc["proportional_bias"]
    # d = -0.2 x + 10 + e and mean = 0.9 x + 5 + e/2: slope near -0.2 / 0.9
    assert row.ci_high < 0 and row.estimate == pytest.approx(-0.2 / 0.9, abs=0.03)
