"""LinkedIn's claims: ratios against direct computations, verdicts, thin groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.contingency_tables import Table2x2

from ssi_analysis.stats.claims import claim_check, verdict


def groups_panel(n_high=120, n_low=150, p_high=0.6, p_low=0.4, seed=0, mid=200):
    """One row per rep: leaders (SSI 75), laggards (SSI 20) and a middle group."""
    rng = np.random.default_rng(seed)
    ssi = np.r_[np.full(n_high, 75.0), np.full(n_low, 20.0), rng.uniform(31, 69, mid)]
    p = np.r_[np.full(n_high, p_high), np.full(n_low, p_low), np.full(mid, 0.5)]
    hit = rng.binomial(1, p)
    opp = rng.poisson(np.r_[np.full(n_high, 6.0), np.full(n_low, 4.0), np.full(mid, 5.0)])
    bookings = rng.gamma(4, np.r_[np.full(n_high, 15e3), np.full(n_low, 10e3), np.full(mid, 12e3)])
    return pd.DataFrame({"rep_id": [f"R{i}" for i in range(len(ssi))], "ssi": ssi,
                         "hit_quota": hit, "opportunities": opp, "bookings": bookings})


def test_ratios_are_group_mean_ratios_with_katz_like_cis():
    d = groups_panel()
    t = claim_check(d).set_index(["comparison", "claim"])
    hi, lo = d[d.ssi > 70], d[d.ssi < 30]
    ext = t.loc["leaders vs laggards"]
    assert ext.loc["opportunities", "estimate"] == pytest.approx(
        hi.opportunities.mean() / lo.opportunities.mean())
    assert ext.loc["productivity", "estimate"] == pytest.approx(
        hi.bookings.mean() / lo.bookings.mean())
    q = ext.loc["quota"]
    assert q.estimate == pytest.approx(hi.hit_quota.mean() / lo.hit_quota.mean())
    assert (q.n_high, q.n_low, q.n_high_reps, q.n_low_reps) == (120, 150, 120, 150)
    # one row per rep: the robust (modified Poisson) CI is Katz's log CI up to statsmodels'
    # small-sample factor G / (G - 1)
    a, c = hi.hit_quota.sum(), lo.hit_quota.sum()
    katz = Table2x2(np.array([[a, len(hi) - a], [c, len(lo) - c]])).riskratio_confint()
    assert (q.ci_low, q.ci_high) == pytest.approx(katz, rel=0.01)
    assert q.claimed == 1.51 and ext.loc["opportunities", "claimed"] == 1.45


def test_known_ratio_is_recovered():
    d = groups_panel(n_high=2000, n_low=2000, p_high=0.6, p_low=0.4, seed=1, mid=100)
    q = claim_check(d).set_index(["comparison", "claim"]).loc[("leaders vs laggards", "quota")]
    assert q.ci_low < 1.5 < q.ci_high and q.verdict == "consistent with the claim"


def test_quartiles_and_continuous_estimate():
    d = groups_panel(seed=2)
    t = claim_check(d)
    qrt = t[(t.comparison == "top vs bottom quartile") & (t.claim == "quota")].iloc[0]
    q1, q3 = d.ssi.quantile([0.25, 0.75])
    top, bottom = d[d.ssi >= q3], d[d.ssi <= q1]
    assert qrt.n_high == len(top) and qrt.n_low == len(bottom)
    assert qrt.estimate == pytest.approx(top.hit_quota.mean() / bottom.hit_quota.mean())
    import statsmodels.api as sm

    direct = sm.GLM(d.hit_quota, sm.add_constant(d.ssi / 10), family=sm.families.Poisson()).fit()
    assert qrt.continuous_per_10 == pytest.approx(np.exp(direct.params.iloc[1]))
    gap = (qrt.mean_ssi_high - qrt.mean_ssi_low) / 10
    assert qrt.implied_ratio == pytest.approx(np.exp(direct.params.iloc[1]) ** gap)


def test_too_few_leaders_is_said_with_the_n():
    d = groups_panel(n_high=4)
    t = claim_check(d, min_n=10)
    ext = t[t.comparison == "leaders vs laggards"]
    assert (~ext.estimable).all() and ext.estimate.isna().all()
    assert ext.verdict.str.startswith("too few reps to say: 4 leaders (SSI > 70) and 150").all()
    assert t[t.comparison == "top vs bottom quartile"].estimable.all()


def test_no_laggard_hits_quota_is_not_a_ratio():
    d = groups_panel()
    d.loc[d.ssi < 30, "hit_quota"] = 0
    q = claim_check(d).set_index(["comparison", "claim"]).loc[("leaders vs laggards", "quota")]
    assert not q.estimable and "not above 0" in q.reason


@pytest.mark.parametrize("ratio, lo, hi, expected", [
    (1.5, 1.2, 1.9, "consistent with the claim"),
    (1.2, 1.05, 1.4, "smaller than claimed"),
    (2.5, 2.0, 3.0, "larger than claimed"),
    (1.1, 0.9, 1.6, "no evidence of a difference (the claimed 1.51 is not ruled out)"),
    (1.0, 0.8, 1.3, "no evidence of a difference (the claimed 1.51 is ruled out)"),
    (0.7, 0.5, 0.9, "opposite to the claim"),
])
def test_verdicts(ratio, lo, hi, expected):
    assert verdict(ratio, lo, hi, 1.51) == expected


def test_an_outcome_that_does_not_vary_gives_no_ratio_and_no_verdict():
    """Every rep on the same opportunities count: the check printed a ratio of
    1.0000000000000004 with CI 1.0000000000000002 to 1.0000000000000007 and a verdict."""
    d = groups_panel().assign(opportunities=5)
    t = claim_check(d).set_index(["comparison", "claim"])
    for comparison in ("leaders vs laggards", "top vs bottom quartile"):
        row = t.loc[(comparison, "opportunities")]
        assert not row.estimable and np.isnan(row.estimate) and np.isnan(row.ci_low)
        assert "opportunities is 5 for every rep-period in both groups" in row.reason
        assert row.verdict == row.reason
        assert np.isnan(row.continuous_per_10) and np.isnan(row.implied_ratio)
    assert t.loc[("leaders vs laggards", "quota"), "estimable"]      # the others go on
    # constant within each group: an exact ratio, but no interval or verdict can be given
    d = groups_panel()
    d["hit_quota"] = (d.ssi > 50).astype(int)
    row = claim_check(d).set_index(["comparison", "claim"]).loc[("leaders vs laggards",
                                                                  "quota")]
    assert not row.estimable and "the same for every rep-period within each group" in row.reason


def test_linkedins_thresholds_do_not_apply_to_an_ssi_of_fewer_pillars():
    """Activity that scores two pillars (Sales Navigator's usage reports) gives an SSI on
    0..50: no rep can be a leader (SSI > 70), so the comparison is not applicable, said with
    the scale; the quartile comparison is the same as with the pillars left out of the data."""
    d = groups_panel(seed=3)
    half = d.assign(ssi=d.ssi / 2, brand=np.nan, people=d.ssi / 4, insights=np.nan,
                    relationships=d.ssi / 4)
    t, plain = claim_check(half), claim_check(half.drop(columns=["brand", "people", "insights",
                                                                 "relationships"]))
    ext = t[t.comparison == "leaders vs laggards"]
    assert (~ext.estimable).all() and ext[["estimate", "ci_low", "ci_high", "p_val"]].isna() \
        .all().all()
    assert ext.verdict.str.startswith("not applicable: the SSI here is the sum of 2 pillar(s) "
                                      "(people, relationships; 0..50)").all()
    qrt = t.comparison == "top vs bottom quartile"
    pd.testing.assert_frame_equal(t[qrt], plain[qrt])
    assert t[qrt].estimable.all()
    # all four pillars scored: LinkedIn's thresholds apply as they are
    full = d.assign(brand=d.ssi / 4, people=d.ssi / 4, insights=d.ssi / 4,
                    relationships=d.ssi / 4)
    pd.testing.assert_frame_equal(claim_check(full), claim_check(d))
