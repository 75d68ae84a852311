"""Adjusted, time-order and pillar models against direct statsmodels calls and known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from conftest import synthetic_panel

from ssi_analysis.stats.cr2 import cr2_test
from ssi_analysis.stats.models import (
    Fitted,
    adjusted_fits,
    adjusted_models,
    design,
    pillar_model,
    time_order,
)

SPLINE = 'cr(tenure_months, df=4, constraints="center")'


def cluster(d, col="team"):
    return {"cov_type": "cluster", "cov_kwds": {"groups": pd.factorize(d[col])[0]}}


def cr2_of(fit, d, term, col="team"):
    """CR2 of a direct statsmodels fit (the reference the models' rows must equal)."""
    j = fit.model.exog_names.index(term)
    return cr2_test(fit.model.exog, fit.model.endog, d[col].to_numpy(), terms=[j])


def test_adjusted_ols_logit_nb_match_direct_calls():
    d = synthetic_panel(300, periods=2, beta=0.05, seed=1)
    fitted = adjusted_fits(d)  # 20 teams: clustered by team
    assert isinstance(fitted, Fitted)
    t, models = fitted
    t = t.set_index("model")
    rhs = f"ssi_10 + {SPLINE} + C(industry) + C(period)"
    ols = smf.ols(f"attainment ~ {rhs}", d).fit()
    ref = cr2_of(ols, d, "ssi_10")
    r = t.loc["OLS"]
    assert r.estimate == pytest.approx(ols.params["ssi_10"])
    assert (r.ci_low, r.ci_high) == pytest.approx((ref.ci_low[0], ref.ci_high[0]))
    assert (r.se, r.df, r.p_val) == pytest.approx((ref.se[0], ref.df[0], ref.p_val[0]))
    assert (r.n, r.n_reps, r.n_clusters) == (600, 300, 20)
    assert r.se_type == "CR2 cluster-robust by team (Bell–McCaffrey df)"
    assert r.controls == "tenure, industry, period"
    assert t.equals(adjusted_models(d).set_index("model"))
    logit = smf.logit(f"hit_quota ~ {rhs}", d).fit(disp=0, **cluster(d), use_t=True)
    assert t.loc["logistic", "estimate"] == pytest.approx(np.exp(logit.params["ssi_10"]))
    ame = logit.get_margeff(at="overall")
    assert t.loc["logistic (average marginal effect)", "estimate"] == pytest.approx(
        ame.margeff[list(logit.params.index[1:]).index("ssi_10")])
    nb = smf.negativebinomial(f"opportunities ~ {rhs}", d).fit(
        disp=0, maxiter=300, **cluster(d))
    nb_row = t.loc[[m for m in t.index if m in ("negative binomial",
                                                "Poisson (robust errors)")][0]]
    if nb_row.name == "negative binomial":
        assert nb_row.estimate == pytest.approx(np.exp(nb.params["ssi_10"]), rel=1e-6)
    mixed = smf.mixedlm(f"attainment ~ {rhs}", d, groups=d["team"], re_formula="1",
                        vc_formula={"rep": "0 + C(rep_id)"}).fit(reml=True, method="lbfgs")
    assert t.loc["mixed (random team and rep intercepts)", "estimate"] == pytest.approx(
        mixed.params["ssi_10"], rel=1e-6)
    assert set(models) >= {"OLS", "logistic", "mixed (random team and rep intercepts)"}


def test_true_effect_is_recovered_and_null_is_not_found():
    eff = adjusted_models(synthetic_panel(400, periods=2, beta=0.08, seed=5)).set_index("model")
    assert eff.loc["OLS", "ci_low"] < 0.08 < eff.loc["OLS", "ci_high"]
    assert eff.loc["OLS", "ci_low"] > 0
    null = adjusted_models(synthetic_panel(400, periods=2, beta=0.0, seed=3)).set_index("model")
    assert null.loc["OLS", "ci_low"] < 0 < null.loc["OLS", "ci_high"]


def test_false_positive_rate_of_the_clustered_model_is_nominal():
    """Team-clustered data with no SSI effect: about 5% of 200 fits reject at 5%."""
    rejections = 0
    for seed in range(200):
        d = synthetic_panel(120, periods=2, beta=0.0, seed=1000 + seed, n_teams=20)
        fit = smf.ols("attainment ~ ssi_10", d).fit(**cluster(d), use_t=True)
        rejections += fit.pvalues["ssi_10"] < 0.05
    # binomial(200, 0.05): 95% of runs fall in 4..17
    assert 3 <= rejections <= 18


def test_collinear_and_single_level_controls_are_left_out_with_a_note():
    d = synthetic_panel(200, periods=1, seed=4)
    d["region"] = d["industry"].map({"A": "EMEA", "B": "EMEA", "C": "APAC"})  # function of it
    des = design(d)
    assert des.controls == ("tenure", "industry")
    assert any("region" in n and "determined" in n for n in des.notes)
    d["industry"] = "A"
    des = design(d)
    assert "industry" not in des.controls
    assert any("industry' has one value" in n for n in des.notes)
    # whenever there are teams, errors are clustered by team, with CR2 and Bell-McCaffrey df
    # (before: with fewer than 30 teams they fell back to HC3 and ignored the teams)
    assert design(d).se_type == "CR2 cluster-robust by team (Bell–McCaffrey df)"
    assert design(d.assign(team=np.where(d.index % 2, "x", "y"))).cluster == "team"
    one_team = design(d.assign(team="x"))
    assert one_team.se_type.startswith("HC2") and any("only 1 team" in n
                                                      for n in one_team.notes)
    several = synthetic_panel(60, periods=2, seed=4)
    assert design(several.assign(team="x")).se_type == \
        "CR2 cluster-robust by rep (Bell–McCaffrey df)"
    own = design(several.assign(team=several.rep_id))
    assert own.cluster == "rep_id" and any("every team has one rep" in n for n in own.notes)
    assert design(several, min_clusters=30).cluster == "rep_id"
    assert design(several, cluster="none").se_type.startswith("HC2")


def test_within_rep_equals_rep_dummies():
    d = synthetic_panel(150, periods=3, beta=0.05, seed=5)
    t = time_order(d).set_index("analysis")
    within = t.iloc[0]
    direct = smf.ols("attainment ~ ssi_10 + C(period) + C(rep_id)", d).fit(
        **cluster(d, "rep_id"))
    assert within.estimate == pytest.approx(direct.params["ssi_10"], rel=1e-8)
    assert within.n_reps == 150 and within.se_type == "cluster-robust by rep (t with G − 1 df)"


def test_reverse_direction_matches_direct_call():
    d = synthetic_panel(200, periods=2, seed=6)
    rng = np.random.default_rng(0)
    d["ssi_after"] = d["ssi_end"] + 2.0 * d["attainment"] + rng.normal(0, 1, len(d))
    t = time_order(d)
    rev = t[t.model.str.startswith("reverse")].iloc[0]
    f = d.assign(change=d.ssi_after - d.ssi_end, attainment_10=d.attainment * 10)
    direct = smf.ols(f"change ~ attainment_10 + ssi_end + C(period) + {SPLINE} + C(industry)",
                     f).fit()
    assert rev.estimate == pytest.approx(direct.params["attainment_10"])
    assert rev.se == pytest.approx(cr2_of(direct, f, "attainment_10").se[0])
    assert rev.ci_low < 0.2 < rev.ci_high  # 2 SSI points per unit attainment = 0.2 per 10 pp


def test_single_period_time_order_is_not_estimable():
    d = synthetic_panel(100, periods=1, seed=7).assign(ssi_after=np.nan)
    t = time_order(d)
    assert (~t.estimable).all()
    assert "two or more outcome periods" in t.reason.iloc[0]
    assert "activity data stop too early" in t.reason.iloc[1]


def test_pillar_model_and_vifs():
    d = synthetic_panel(300, periods=1, beta=0.05, seed=8)
    t = pillar_model(d)
    terms = ["brand_25", "people_25", "insights_25", "relationships_25"]
    f = d.assign(**{f"{p}_25": d[p] / 2.5 for p in ("brand", "people", "insights",
                                                    "relationships")})
    direct = smf.ols("attainment ~ " + " + ".join(terms) + f" + {SPLINE} + C(industry)",
                     f).fit()
    assert np.allclose(t.estimate, direct.params[terms])
    ref = cr2_test(direct.model.exog, direct.model.endog, f.team.to_numpy(),
                   terms=[direct.model.exog_names.index(x) for x in terms])
    assert np.allclose(t.se, ref.se) and np.allclose(t.ci_low, ref.ci_low)
    # VIF of brand: 1 / (1 - R^2) of brand on the other regressors
    others = [c for c in direct.model.exog_names if c not in ("Intercept", "brand_25")]
    exog = pd.DataFrame(direct.model.exog, columns=direct.model.exog_names)
    r2 = sm.OLS(exog["brand_25"], sm.add_constant(exog[others])).fit().rsquared
    assert t.vif.iloc[0] == pytest.approx(1 / (1 - r2))
    assert t.scale.iloc[0] == "per 2.5 pillar points"


def test_constant_ssi_and_tiny_data_are_not_estimable():
    d = synthetic_panel(100, periods=1, seed=9).assign(ssi=40.0, ssi_10=4.0)
    t = adjusted_models(d)
    assert (~t.estimable).all() and t.reason.str.contains("no variance").all()
    tiny = synthetic_panel(5, periods=1, seed=9)
    assert "too few reps (5" in adjusted_models(tiny).reason.iloc[0]


def test_unadjusted_model_uses_the_adjusted_rows():
    d = synthetic_panel(200, periods=2, beta=0.05, seed=10)
    d.loc[d.rep_id.isin(d.rep_id.unique()[:30]), "tenure_months"] = np.nan
    t = adjusted_models(d, which=["OLS (unadjusted)", "OLS"]).set_index("model")
    assert t.loc["OLS (unadjusted)", "n"] == t.loc["OLS", "n"] == 340
    direct = smf.ols("attainment ~ ssi_10", d.dropna(subset=["tenure_months"])).fit()
    assert t.loc["OLS (unadjusted)", "estimate"] == pytest.approx(direct.params["ssi_10"])


def test_a_term_the_others_determine_is_not_estimable_not_a_number():
    """SSI (and each pillar) constant within each period: period effects absorb it."""
    d = synthetic_panel(200, periods=3, beta=0.05, seed=8)
    level = d["period"].map({1: 30.0, 2: 35.0, 3: 41.0})
    d["ssi"], d["ssi_10"] = level, level / 10
    for i, p in enumerate(("brand", "people", "insights", "relationships")):
        d[p] = level / 4 + i
    models = adjusted_models(d).set_index("model")
    for name in ("OLS", "logistic", "negative binomial",
                 "mixed (random team and rep intercepts)"):
        assert not models.loc[name, "estimable"], name
        assert "determined by the other terms" in models.loc[name, "reason"]
        assert np.isnan(models.loc[name, "estimate"])
    assert models.loc["OLS (unadjusted)", "estimable"]      # no period terms: a plain slope
    within = time_order(d).iloc[0]
    assert not within.estimable and "moves alike" in within.reason
    pillars = pillar_model(d)
    assert (~pillars.estimable).all() and pillars.estimate.isna().all()


def test_a_constant_change_after_the_period_is_not_estimable():
    d = synthetic_panel(200, periods=2, seed=6)
    d["ssi_after"] = d["ssi_end"] + 1.5
    rev = time_order(d).iloc[1]
    assert not rev.estimable and "same for every rep-period" in rev.reason


def test_period_effects_keep_a_common_good_quarter_out_of_the_ssi_effect():
    # no SSI effect within periods, but period 2 is better for everyone and SSI rises in it
    d = synthetic_panel(300, periods=2, beta=0.0, seed=9)
    up = d["period"].eq(2)
    d.loc[up, "ssi_10"] += 1.0
    d.loc[up, "ssi"] += 10.0
    d.loc[up, "attainment"] += 0.3
    m = adjusted_models(d).set_index("model")
    assert m.loc["OLS (unadjusted)", "ci_low"] > 0            # pooled: a spurious slope
    assert m.loc["OLS", "ci_low"] < 0 < m.loc["OLS", "ci_high"]


def test_a_change_after_the_period_that_only_the_period_explains_is_not_estimable():
    d = synthetic_panel(200, periods=3, seed=6)
    d["ssi_after"] = d["ssi_end"] + d["period"].map({1: 1.0, 2: -0.5, 3: 2.0})
    rev = time_order(d).iloc[1]
    assert not rev.estimable and "other terms explain all of it" in rev.reason


def test_an_outcome_that_does_not_vary_is_not_estimable_in_every_model():
    d = synthetic_panel(200, periods=2, seed=3).assign(attainment=1.0)
    t = adjusted_models(d).set_index("model")
    for name in ("OLS (unadjusted)", "OLS", "mixed (random team and rep intercepts)"):
        assert not t.loc[name, "estimable"] and np.isnan(t.loc[name, "estimate"])
        assert "attainment is the same for every rep-period (1)" in t.loc[name, "reason"]
    d = synthetic_panel(200, periods=2, seed=3).assign(opportunities=4, hit_quota=1)
    t = adjusted_models(d).set_index("model")
    assert "the opportunities count is the same" in t.loc["negative binomial", "reason"]
    assert "hitting quota is the same" in t.loc["logistic", "reason"]
    assert t.loc[["negative binomial", "logistic"], "estimate"].isna().all()
    assert pillar_model(d.assign(attainment=0.5)).reason.str.contains("the same").all()
    within = time_order(d.assign(attainment=0.5)).iloc[0]
    assert not within.estimable and "does not change within any rep" in within.reason


def test_an_outcome_the_controls_determine_is_not_estimable():
    d = synthetic_panel(200, periods=2, seed=3)
    d["attainment"] = d.industry.map({"A": 0.8, "B": 1.0, "C": 1.2})
    d["opportunities"] = np.where(d.period == 1, 5, 6)     # the period explains it all
    t = adjusted_models(d).set_index("model")
    assert t.loc["OLS (unadjusted)", "estimable"]          # no controls: a (zero) slope
    for name in ("OLS", "negative binomial"):
        assert "fully determined by the controls" in t.loc[name, "reason"], name


def test_a_rare_or_separated_outcome_gives_no_odds_ratio():
    d = synthetic_panel(200, periods=1, seed=3)
    d["hit_quota"] = (d.index < 4).astype(int)             # 4 of 200 hit quota
    row = adjusted_models(d, which=["logistic"]).iloc[0]
    assert not row.estimable and "only 4 rep-period(s) hit quota" in row.reason
    d = synthetic_panel(300, periods=1, seed=3)
    d.loc[d.industry == "A", "hit_quota"] = 1              # one group always hits quota
    row = adjusted_models(d, which=["logistic"]).iloc[0]
    assert not row.estimable and "perfectly predicted" in row.reason


def test_a_mixed_model_that_does_not_converge_gives_no_estimate(monkeypatch):
    from statsmodels.regression.mixed_linear_model import MixedLMResults

    monkeypatch.setattr(MixedLMResults, "converged", False, raising=False)
    d = synthetic_panel(120, periods=2, seed=3)
    row = adjusted_models(d, which=["mixed (random team and rep intercepts)"]).iloc[0]
    assert not row.estimable and "did not converge" in row.reason
    assert np.isnan(row.estimate)


def test_the_negative_binomial_fallback_is_said_out_loud(monkeypatch):
    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    fit = NegativeBinomial.fit

    def failing(self, *args, **kwargs):
        import warnings

        warnings.warn("Maximum Likelihood optimization failed to converge", ConvergenceWarning,
                      stacklevel=2)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(NegativeBinomial, "fit", failing)
    d = synthetic_panel(120, periods=2, seed=3)
    row = adjusted_models(d, which=["negative binomial"]).iloc[0]
    assert row.model == "Poisson (robust errors)" and row.estimable
    assert "the negative binomial model did not converge" in row.note
    direct = smf.glm(f"opportunities ~ ssi_10 + {SPLINE} + C(industry) + C(period)", d,
                     family=sm.families.Poisson()).fit()
    assert row.estimate == pytest.approx(np.exp(direct.params["ssi_10"]))


def test_a_flexible_control_absorbs_confounding_a_fixed_shape_leaves_in():
    """Tenure drives SSI and attainment linearly in months; SSI itself does nothing."""
    rng = np.random.default_rng(7)
    n = 600
    tenure = rng.gamma(2, 18, n).round() + 2
    ssi = 25 + 0.25 * tenure + rng.normal(0, 6, n)
    d = pd.DataFrame({"rep_id": [f"R{i}" for i in range(n)], "ssi": ssi, "ssi_10": ssi / 10,
                      "tenure_months": tenure, "period": 1,
                      "attainment": 0.6 + 0.008 * tenure + rng.normal(0, 0.2, n)})
    spline = adjusted_models(d, which=["OLS"]).iloc[0]
    logged = adjusted_models(d, which=["OLS"], continuous="log").iloc[0]
    assert spline.ci_low < 0 < spline.ci_high
    assert logged.ci_low > 0                  # log(1 + months) leaves the confounding in
    assert spline.se_type.startswith("HC2")   # one row per rep, no teams
