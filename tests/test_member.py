"""One member over time: history, trend, agreement over one rep's snapshots, and the figures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from ssi_analysis import load_data
from ssi_analysis.config import default_config
from ssi_analysis.errors import SSIInputError
from ssi_analysis.io import example_data_dir
from ssi_analysis.plots import member_ranks, member_vs_groups, weekly_trend
from ssi_analysis.plots.analysis import claims_forest
from ssi_analysis.scoring.spec import scoring_inputs
from ssi_analysis.stats import agreement, member_history, member_trend, pair_scores
from ssi_analysis.stats.member import latest_snapshots, snapshot_weeks


@pytest.fixture(scope="module")
def tracker():
    return load_data(example_data_dir("example-tracker"), rep="Ana").ssi_observed


def test_history_puts_each_measure_beside_the_averages_and_the_change_a_week_back(tracker):
    h = member_history(tracker)
    assert set(h.measure) == {"ssi", "brand", "people", "insights", "relationships",
                              "industry_rank", "network_rank"}
    ssi = h[h.measure == "ssi"].set_index("date")
    obs = tracker.set_index("date")
    assert (ssi["value"] == obs["ssi"]).all() and (ssi["industry"] == obs["industry_ssi"]).all()
    assert np.allclose(ssi["vs_network"], obs["ssi"] - obs["network_ssi"])
    # the change: from the latest snapshot at least 7 days before, computed here directly
    for day in ssi.index[10:15]:
        before = obs.index[obs.index <= day - pd.Timedelta(days=7)].max()
        assert ssi.loc[day, "change"] == obs.loc[day, "ssi"] - obs.loc[before, "ssi"]
        assert ssi.loc[day, "change_days"] == (day - before).days
    assert ssi["change"].iloc[:7].isna().all()          # nothing a week before the first days
    ranks = h[h.measure == "industry_rank"]
    assert ranks["industry"].isna().all()               # a rank has no group average


def test_trend_is_statsmodels_sarimax_with_ar1_errors(tracker):
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    rng = np.random.default_rng(7)
    e = np.zeros(60)
    for i in range(1, 60):
        e[i] = 0.5 * e[i - 1] + rng.normal(0, 0.4)
    obs = pd.DataFrame({"rep_id": "a", "date": pd.date_range("2026-01-01", periods=60),
                        "ssi": 40.0, "brand": 12 + 0.2 * np.arange(60) / 7 + e,
                        "people": 10.0, "insights": 10.0, "relationships": 10.0})
    h = member_history(obs)
    t = member_trend(h).set_index("measure")
    g = h[h.measure == "brand"].sort_values("date")
    weeks = (g["date"] - g["date"].min()).dt.days.to_numpy() / 7
    fit = SARIMAX(g["value"].to_numpy(), exog=sm.add_constant(weeks), order=(1, 0, 0)).fit(
        disp=False)
    lo, hi = np.asarray(fit.conf_int())[1]
    # the same model fitted on the raw scale directly: the same slope and interval
    assert t.loc["brand", "estimate"] == pytest.approx(fit.params[1], rel=1e-3, abs=1e-4)
    assert (t.loc["brand", "ci_low"], t.loc["brand", "ci_high"]) == pytest.approx(
        (lo, hi), rel=1e-2, abs=1e-3)
    assert t.loc["brand", "ar1"] == pytest.approx(fit.params[2], abs=1e-3)
    assert t.loc["brand", "n"] == len(g) and "not independent" in t.loc["brand", "ci_method"]
    # the tracker's pillars move like a random walk: estimated, and said to be near one
    near = member_trend(member_history(tracker)).set_index("measure").loc["brand"]
    assert near.estimable and near.ar1 > 0.95 and "random walk" in near.ci_method


def test_trend_recovers_a_planted_slope_and_covers_it():
    rng = np.random.default_rng(3)
    covered, n_sims = 0, 150
    for _ in range(n_sims):
        e = np.zeros(80)
        e[0] = rng.normal(0, 0.5 / np.sqrt(1 - 0.36))
        for i in range(1, 80):
            e[i] = 0.6 * e[i - 1] + rng.normal(0, 0.5)
        obs = pd.DataFrame({"rep_id": "a", "date": pd.date_range("2026-01-01", periods=80),
                            "ssi": 40 + 0.3 * np.arange(80) / 7 + e, "brand": 10.0,
                            "people": 10.0, "insights": 10.0, "relationships": 10.0})
        row = member_trend(member_history(obs)).set_index("measure").loc["ssi"]
        covered += row.ci_low <= 0.3 <= row.ci_high
    # snapshots correlated 0.6 day to day: near nominal (least squares would cover far less;
    # Newey-West errors about 80% at this size)
    assert 0.88 <= covered / n_sims <= 0.99


def test_agreement_over_one_reps_snapshots_is_estimable_and_says_how():
    b = load_data(example_data_dir())
    one = b.ssi_observed[b.ssi_observed.rep_id == b.ssi_observed.rep_id.iloc[0]]
    pairs = pair_scores(b.activity, b.reps, one)
    res = agreement(pairs, n_resamples=300).set_index(["measure", "statistic"])
    n = len(pairs.table if hasattr(pairs, "table") else pairs)
    assert n >= 6
    ssi = res.loc["ssi"]
    assert ssi["estimable"].all() and (ssi["n"] == n).all() and (ssi["n_reps"] == 1).all()
    assert "block bootstrap" in ssi.loc["ccc", "ci_method"]
    assert "Newey-West" in ssi.loc["bias", "ci_method"]
    # the bias and its interval: statsmodels' HAC fit of the differences, directly
    table = pairs.table if hasattr(pairs, "table") else pairs
    table = table.sort_values("date")
    d = (table["ssi_computed"] - table["ssi_observed"]).to_numpy()
    fit = sm.OLS(d, np.ones(len(d))).fit(
        cov_type="HAC", cov_kwds={"maxlags": max(1, int(np.floor(4 * (len(d) / 100) ** (2 / 9))))},
        use_t=True)
    assert ssi.loc["bias", "estimate"] == pytest.approx(d.mean())
    assert (ssi.loc["bias", "ci_low"], ssi.loc["bias", "ci_high"]) == pytest.approx(
        tuple(fit.conf_int()[0]))


def test_agreement_of_one_rep_with_few_snapshots_says_why_not():
    pairs = pd.DataFrame({"rep_id": "a", "date": pd.date_range("2026-01-01", periods=4),
                          "ssi_observed": [1.0, 2, 3, 4], "ssi_computed": [1.5, 2, 3.5, 4]})
    res = agreement(pairs, measures=["ssi"], n_resamples=100)
    assert not res.estimable.any()
    assert (res.reason == "one rep with fewer than 6 snapshots").all()


def test_team_snapshots_per_week_and_latest():
    team = load_data(example_data_dir("example-team"))
    obs = team.ssi_observed
    weekly = snapshot_weeks(obs)
    assert len(weekly.table) == len(obs)                # one export a week
    assert weekly.notes and (weekly.table["n_days"] == 1).all()
    latest = latest_snapshots(obs)
    assert latest["rep_id"].is_unique and (latest["date"] == obs["date"].max()).all()


def test_member_figures(tracker):
    h = member_history(tracker)
    ax = member_vs_groups(h, measure="people")
    assert [line.get_label() for line in ax.get_lines()] == ["Ana", "industry average",
                                                             "network average"]
    assert ax.get_ylim() == (0, 25)
    ax = member_ranks(h)
    assert len(ax.get_lines()) == 2 and ax.get_ylim()[0] > ax.get_ylim()[1]
    with pytest.raises(SSIInputError, match="no 'mood'"):
        member_vs_groups(h, measure="mood")
    plt.close("all")


def test_weekly_trend_of_all_reps_is_titled_as_such():
    w = pd.DataFrame({"rep_id": ["a", "b"] * 3, "week_end": pd.to_datetime(
        ["2026-01-04"] * 2 + ["2026-01-11"] * 2 + ["2026-01-18"] * 2), "ssi": np.arange(6.0)})
    ax = weekly_trend(w, hue=None)
    assert ax.get_title() == "Weekly SSI, all reps"
    assert "by all" not in ax.get_title() and ax.get_legend().get_texts()[0].get_text() == \
        "all reps (n=2)"
    plt.close("all")


@pytest.mark.parametrize("low, high", [(0.31, 6.5), (0.6, 2.2), (0.2, 9.0), (0.9, 1.6),
                                       (0.45, 4.1)])
def test_forest_tick_labels_do_not_overlap(low, high):
    rows = pd.DataFrame({"claim": ["quota", "quota"], "comparison": ["a", "b"],
                         "estimate": [1.2, 1.3], "ci_low": [low, 1.0], "ci_high": [high, 1.7],
                         "estimable": [True, True], "claimed": [1.51, 1.51]})
    fig, ax = plt.subplots(figsize=(6.3, 3.3))
    claims_forest(rows, ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = sorted((lab.get_window_extent(renderer) for lab in ax.get_xticklabels()
                    if lab.get_text()), key=lambda b: b.x0)
    assert len(boxes) >= 2 and "1" in [lab.get_text() for lab in ax.get_xticklabels()]
    assert all(a.x1 < b.x0 for a, b in zip(boxes[:-1], boxes[1:], strict=True))
    plt.close(fig)


def test_the_pillar_hint_names_only_what_scores():
    config = default_config()
    for pillar in ("brand", "people", "insights", "relationships"):
        hint = scoring_inputs(pillar, config)
        for denominator in ("messages_sent", "inmails_sent", "connection_requests_sent"):
            assert f", {denominator}," not in f", {hint},"         # never alone
    assert "inmail_replies" in scoring_inputs("relationships", config)
