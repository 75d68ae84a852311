"""E-values (against the published formula and worked values) and power (against statsmodels)."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from conftest import synthetic_panel
from scipy import stats as sps

from ssi_analysis.stats.models import adjusted_fits
from ssi_analysis.stats.robustness import (
    e_value,
    e_value_ci,
    power_at,
    robustness,
    to_risk_ratio,
)


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
    t, models = adjusted_fits(d)  # 20 teams: CR2 by team
    rob = robustness(t, models, d).set_index("check")
    ols = t.set_index("model").loc["OLS"]
    ev = rob.loc["e_value"].iloc[0]
    rr = np.exp(0.91 * ols.estimate / d.attainment.std())
    assert ev.estimate == pytest.approx(rr + np.sqrt(rr * (rr - 1)))
    fit = models["OLS"]
    mde = rob.loc["minimum detectable effect"]
    # the model's own SE and Bell-McCaffrey df (few teams: few df)
    assert ols.df < d.team.nunique()
    assert mde.estimate == pytest.approx((sps.t.ppf(0.975, ols.df) + sps.t.ppf(0.8, ols.df))
                                         * ols.se)
    # at the minimum detectable effect the t test has 80% power
    assert power_at(mde.estimate, se=ols.se, df=ols.df) == pytest.approx(0.8, abs=0.005)
    r = rob.loc["minimum detectable partial r"]
    # the same effect as a partial correlation: SSI net of the controls (statsmodels OLS of
    # ssi_10 on the other regressors) against the model's residual SD
    names = fit.model.exog_names
    others = np.delete(fit.model.exog, names.index("ssi_10"), axis=1)
    left = sm.OLS(fit.model.exog[:, names.index("ssi_10")], others).fit()
    s_x = np.sqrt(left.ssr / left.df_resid)
    b = mde.estimate * s_x
    assert r.estimate == pytest.approx(b / np.sqrt(b ** 2 + fit.scale))


def test_rare_outcome_odds_ratio_is_not_square_rooted():
    d = synthetic_panel(300, periods=1, beta=0.05, seed=3)
    d["hit_quota"] = (d.attainment >= d.attainment.quantile(0.92)).astype(int)  # 8% hit
    t, models = adjusted_fits(d)
    ev = robustness(t, models, d).set_index("applies_to").filter(like="logistic", axis=0)
    odds = t.set_index("model").loc["logistic", "estimate"]
    assert ev.estimate.iloc[0] == pytest.approx(e_value(odds))
    assert "odds ratio (rare)" in ev.detail.iloc[0]


def test_small_samples_are_flagged_underpowered():
    d = synthetic_panel(60, periods=1, beta=0.0, seed=2)
    t, models = adjusted_fits(d)
    rob = robustness(t, models, d)
    assert t.set_index("model").loc["OLS", "ci_low"] < 0  # nothing clear was found
    assert rob.warning.str.startswith("underpowered").any()


def test_a_clear_association_gets_no_power_warning():
    """The warning used to fire beside associations found in every simulated dataset."""
    d = synthetic_panel(60, periods=1, beta=0.4, seed=2)
    t, models = adjusted_fits(d)
    assert t.set_index("model").loc["OLS", "ci_low"] > 0
    rob = robustness(t, models, d)
    assert not rob.warning.astype(bool).any()
    assert rob.set_index("check").loc["minimum detectable partial r", "estimate"] > 0.1
