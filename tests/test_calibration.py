"""Calibration: is the adjusted SSI test right as often as it says? (a small version of
``benchmarks/calibration.py``; the full run, 200 datasets per setting, is in
``benchmarks/CALIBRATION.md``).

Repeated datasets from :func:`ssi_analysis.simulate.simulate`, each scored and paneled as a
user's run does, then the adjusted OLS of :func:`ssi_analysis.stats.models.adjusted_models`
called directly. The seeds are fixed, so the counts are reproducible; the bounds are the 99.5%
points of the binomial counts a calibrated test would give. A count over 40 datasets cannot tell
5% from 10%, so each null dataset also gives its design-conditional false-positive rate (its
design held fixed, the outcome redrawn 200 times from the simulated truth): their mean is the
test's expected rate with a Monte Carlo SE of about 0.25 points, and is held to 2.5%–6.5%.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from conftest import synthetic_panel
from scipy import stats as sps

from ssi_analysis.stats.models import adjusted_fits
from ssi_analysis.stats.robustness import power_at, robustness

_spec = importlib.util.spec_from_file_location(
    "calibration", Path(__file__).parents[1] / "benchmarks" / "calibration.py")
calibration = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(calibration)

DEFAULT = {"spline (default)": {}}


@pytest.fixture(scope="module")
def null_runs():
    """40 datasets of 100 reps (5 teams, one period) per setting with no SSI effect."""
    settings = ("no effect", "tenure confounds, linear in months",
                "tenure confounds, concave (log)")
    return {s: calibration.run(s, {**DEFAULT, "unadjusted": {"controls": []}}, reps=40,
                               n_reps=100, periods=1, seed=9000 + 100 * i, draws=200)
            for i, s in enumerate(settings)}


def test_the_adjusted_test_keeps_its_false_positive_rate_near_5_percent(null_runs):
    pooled = 0
    for setting, runs in null_runs.items():
        adjusted = runs[runs.method == "spline (default)"]
        k = int(adjusted.excludes_0.sum())
        # binomial(40, 0.05): P(8 or more) = 0.4%
        assert k <= 7, (setting, k)
        pooled += k
    # binomial(120, 0.05): P(13 or more) = 0.5%
    assert pooled <= 12


def test_the_expected_false_positive_rate_given_the_design_is_near_5_percent(null_runs):
    """CR2 with Bell–McCaffrey df is slightly conservative with 5 teams (about 4%), never
    liberal; the unadjusted model keeps the confounding in whatever the draws."""
    for setting, runs in null_runs.items():
        adjusted = runs[runs.method == "spline (default)"].expected_fp
        assert adjusted.notna().all() and 0.025 <= adjusted.mean() <= 0.065, setting
        assert adjusted.std() / np.sqrt(len(adjusted)) < 0.005
        if setting != "no effect":
            assert runs[runs.method == "unadjusted"].expected_fp.mean() >= 0.3, setting


def test_the_design_conditional_t_statistics_are_the_models_own(null_runs):
    """The redraw machinery fits what adjusted_models fits: the same rows, design and CR2
    weights give the model's t statistic for the actual outcome."""
    panel, truth = calibration.draw(calibration.SETTINGS["tenure confounds, linear in months"],
                                    seed=9100, n_reps=100, periods=1)
    f, X, j, cr2 = calibration.conditional_design(panel, {})
    t = calibration.t_statistics(X, j, cr2, f[["attainment"]].to_numpy())[0]
    row = null_runs["tenure confounds, linear in months"].iloc[0]
    assert row.dataset == 0 and row.method == "spline (default)"
    assert t == pytest.approx(row.estimate / row.se, rel=1e-9)
    assert cr2.df[0] == pytest.approx(row.df, rel=1e-9)


def test_the_confounding_is_there_for_the_adjustment_to_remove(null_runs):
    """Without controls, the same confounded datasets show an SSI association far more often
    than 5%: the calibration above is not passing because there is nothing to remove."""
    for setting in ("tenure confounds, linear in months", "tenure confounds, concave (log)"):
        runs = null_runs[setting]
        assert runs[runs.method == "unadjusted"].excludes_0.mean() >= 0.3, setting


def test_a_planted_effect_is_found_as_often_as_the_power_analysis_says():
    runs = calibration.run("planted effect", DEFAULT, reps=20, n_reps=200, periods=1,
                           seed=9500)
    found = runs.excludes_0.mean()
    assert found >= 0.7
    predicted = float(np.mean(power_at(runs.estimate.mean(), se=runs.se, df=runs.df)))
    assert abs(found - predicted) <= 0.2


def test_the_minimum_detectable_effect_is_found_80_percent_of_the_time():
    """Panels with a known effect near the minimum detectable effect the robustness table
    reports (150 reps in 20 teams): about 80% of them find it, as the table's power says."""
    beta, found, mdes, predicted = 0.067, 0, [], []
    reps = 200
    for seed in range(reps):
        d = synthetic_panel(150, periods=1, beta=beta, seed=seed, n_teams=20)
        table, models = adjusted_fits(d, which=["OLS"])
        ols = table.iloc[0]
        found += bool(ols.ci_low > 0 or ols.ci_high < 0)
        if seed < 20:
            rob = robustness(table, models, d).set_index("check")
            mdes.append(rob.loc["minimum detectable effect", "estimate"])
        predicted.append(power_at(beta, se=ols.se, df=ols.df))
    assert np.median(mdes) == pytest.approx(beta, rel=0.15)
    expected = float(np.mean(predicted))
    assert expected == pytest.approx(0.8, abs=0.05)
    # binomial(200, 0.8) has SD 0.028: the share found is within 2.8 SDs of the prediction
    assert abs(found / reps - expected) <= 0.08
    assert sps.binomtest(found, reps, expected).pvalue > 0.005


def test_with_800_reps_in_40_teams_the_expected_rate_stays_near_5_percent():
    """The larger size where a count over 200 datasets once read 9% (CALIBRATION.md): given
    each design, outcomes redrawn under no effect with tenure confounding linear in months
    are flagged at about the nominal rate (6 designs x 400 draws: SE about 0.4 points)."""
    runs = calibration.run("tenure confounds, linear in months", DEFAULT, reps=6, n_reps=800,
                           periods=2, seed=9600, draws=400)
    assert runs.df.between(25, 39).all()                 # Bell–McCaffrey df below G - 1
    assert 0.03 <= runs.expected_fp.mean() <= 0.065
