"""E-values (against the published formula and worked values) and power (against statsmodels)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import synthetic_panel
from scipy import stats as sps
from statsmodels.stats.power import FTestPowerF2

from ssi_analysis.stats.models import adjusted_models
from ssi_analysis.stats.robustness import e_value, e_value_ci, robustness, to_risk_ratio


def test_e_value_formula_and_worked_examples():
    # VanderWeele & Ding (2017), worked example: an observed risk ratio of 3.9 has E = 7.26
    assert e_value(3.9) == pytest.approx(7.26, abs=0.01)
    # the CI's E-value is that of the limit nearer to 1
    assert e_value_ci(2.7, 5.6) == pytest.approx(2.7 + np.sqrt(2.7 * 1.7))
    assert e_value(1 / 3.9) == pytest.approx(e_value(3.9))
    assert e_value_ci(0.8, 1.3) == 1.0
    assert e_value(1.0) == 1.0
    # continuous outcome: RR = exp(0.91 d); odds ratio of a common outcome: sqrt(OR)
    assert to_risk_ratio(0.2, scale="difference", sd=0.4) == pytest.approx(np.exp(0.91 * 0.5))
    assert to_risk_ratio(2.25, scale="odds ratio (common)") == pytest.approx(1.5)


def test_robustness_table_from_a_fit():
    d = synthetic_panel(300, periods=2, beta=0.05, seed=1)
    t, models = adjusted_models(d, return_models=True, min_clusters=10)  # 20 teams
    rob = robustness(t, models, d).set_index("check")
    ols = t.set_index("model").loc["OLS"]
    ev = rob.loc["e_value"].iloc[0]
    rr = np.exp(0.91 * ols.estimate / d.attainment.std())
    assert ev.estimate == pytest.approx(rr + np.sqrt(rr * (rr - 1)))
    fit = models["OLS"]
    mde = rob.loc["minimum detectable effect"]
    df = fit.df_resid_inference          # G - 1 with G team clusters
    assert df == d.team.nunique() - 1
    assert mde.estimate == pytest.approx((sps.t.ppf(0.975, df) + sps.t.ppf(0.8, df))
                                         * fit.bse["ssi_10"])
    r = rob.loc["minimum detectable partial r"]
    # at the minimum detectable r the power is 80% (statsmodels' F-test power, the same n)
    n_eff = float(r.detail.split("effective n ")[1].split(" ")[0])
    f2 = r.estimate ** 2 / (1 - r.estimate ** 2)
    power = FTestPowerF2().power(effect_size=f2, df_num=1, df_denom=n_eff - fit.df_model - 1,
                                 alpha=0.05)
    assert power == pytest.approx(0.8, abs=0.01)


def test_rare_outcome_odds_ratio_is_not_square_rooted():
    d = synthetic_panel(300, periods=1, beta=0.05, seed=3)
    d["hit_quota"] = (d.attainment >= d.attainment.quantile(0.92)).astype(int)  # 8% hit
    t, models = adjusted_models(d, return_models=True)
    ev = robustness(t, models, d).set_index("applies_to").filter(like="logistic", axis=0)
    odds = t.set_index("model").loc["logistic", "estimate"]
    assert ev.estimate.iloc[0] == pytest.approx(e_value(odds))
    assert "odds ratio (rare)" in ev.detail.iloc[0]


def test_small_samples_are_flagged_underpowered():
    d = synthetic_panel(60, periods=1, beta=0.0, seed=2)
    t, models = adjusted_models(d, return_models=True, min_clusters=10)  # 20 teams
    rob = robustness(t, models, d)
    assert rob.warning.str.startswith("underpowered").any()
