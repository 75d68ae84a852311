"""The specification curve: each specification against a direct statsmodels fit with CR2
errors, the main one against the adjusted model, and what the summary says."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from conftest import synthetic_panel

from ssi_analysis.stats.cr2 import cr2_test
from ssi_analysis.stats.models import adjusted_models
from ssi_analysis.stats.specification import curve_summary, specification_curve


def panel_with_region(seed=1, beta=0.05, n=240):
    d = synthetic_panel(n, periods=2, beta=beta, seed=seed)
    d["region"] = np.where(d.rep_id.str[-1].astype(int) % 2, "EMEA", "APAC")
    return d


def test_the_grid_and_the_main_specification():
    d = panel_with_region()
    other = d.assign(ssi_10=d.ssi_10 + np.random.default_rng(0).normal(0, 0.3, len(d)))
    curve = specification_curve({(90, "absolute"): d, (60, "absolute"): other})
    # tenure 3 x region 2 x cluster 2 x outcome 2, per panel
    assert len(curve) == 48 and curve.estimable.all()
    assert set(curve.window_days) == {90, 60}
    main = curve[curve.main]
    assert len(main) == 1
    ols = adjusted_models(d, which=["OLS"]).iloc[0]
    m = main.iloc[0]
    assert (m.tenure, m.region, m.outcome, m.cluster) == ("spline", "with", "attainment", "team")
    assert (m.estimate, m.ci_low, m.ci_high, m.df) == pytest.approx(
        (ols.estimate, ols.ci_low, ols.ci_high, ols.df))


def test_a_specification_equals_a_direct_fit():
    d = panel_with_region()
    curve = specification_curve({(90, "absolute"): d})
    row = curve[(curve.tenure == "log") & (curve.region == "without")
                & (curve.outcome == "hit quota") & (curve.cluster == "rep")].iloc[0]
    fit = smf.ols("hit_quota ~ ssi_10 + np.log1p(tenure_months) + C(industry) + C(period)",
                  d).fit()
    ref = cr2_test(fit.model.exog, fit.model.endog, d.rep_id.to_numpy(),
                   terms=[fit.model.exog_names.index("ssi_10")])
    assert row.estimate == pytest.approx(fit.params["ssi_10"])
    assert (row.se, row.df, row.p_val) == pytest.approx((ref.se[0], ref.df[0], ref.p_val[0]))
    assert row.se_type == "CR2 cluster-robust by rep (Bell–McCaffrey df)"
    assert row.verdict == ("positive" if row.ci_low > 0 else
                           "negative" if row.ci_high < 0 else "unclear")


def test_choices_the_data_cannot_have_are_left_out():
    d = synthetic_panel(150, periods=1, seed=2).drop(columns=["team"])
    curve = specification_curve({(90, "absolute"): d})
    assert set(curve.region) == {"without"} and set(curve.cluster) == {"rep"}
    assert len(curve) == 3 * 2 and curve.se_type.str.startswith("HC2").all()


def test_an_outcome_that_does_not_vary_gives_no_specification():
    d = panel_with_region().assign(attainment=1.0)
    curve = specification_curve({(90, "absolute"): d})
    att = curve[curve.outcome == "attainment"]
    assert (~att.estimable).all() and att.estimate.isna().all()
    assert att.reason.str.contains("does not vary").all()
    assert curve[curve.outcome == "hit quota"].estimable.all()
    s = curve_summary(curve)
    assert s["main_verdict"] is None and s["n_estimable"] == len(curve) / 2


def test_the_summary_names_the_choices_that_change_the_verdict():
    base = {"tenure": "spline", "region": "with", "window_days": 90, "score": "absolute",
            "outcome": "attainment", "cluster": "team", "estimable": True}
    rows = [{**base, "main": True, "estimate": 0.1, "ci_low": 0.05, "ci_high": 0.15,
             "verdict": "positive"},
            {**base, "window_days": 60, "main": False, "estimate": 0.02, "ci_low": -0.01,
             "ci_high": 0.05, "verdict": "unclear"},
            {**base, "cluster": "rep", "main": False, "estimate": 0.1, "ci_low": 0.06,
             "ci_high": 0.14, "verdict": "positive"},
            {**base, "window_days": 60, "cluster": "rep", "main": False, "estimate": 0.02,
             "ci_low": 0.001, "ci_high": 0.04, "verdict": "positive"}]
    s = curve_summary(pd.DataFrame(rows).assign(reason=""))
    assert s["n_specifications"] == 4 and s["share_ci_excludes_0"] == 0.75
    assert s["main_verdict"] == "positive" and s["main_verdict_holds"] == 0.75
    assert [(d["choice"], d["option"], d["verdict"]) for d in s["depends_on"]] == \
        [("window_days", 60, "unclear")]
    by = {(b["choice"], b["option"]): b["share_ci_excludes_0"] for b in s["by_choice"]}
    assert by[("window_days", 60)] == 0.5 and by[("window_days", 90)] == 1.0
