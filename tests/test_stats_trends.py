"""Weekly scores, their changes and the leaderboard: direct checks, known truth, edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from ssi_analysis import SSIConfigError, SSIDataError, SSIInputError, score
from ssi_analysis.simulate import simulate
from ssi_analysis.stats import (
    change_distribution,
    leaderboard,
    ssi_trend,
    weekly_changes,
    weekly_scores,
)


@pytest.fixture(scope="module")
def sim():
    tables, _ = simulate(80, seed=3, days=160)
    daily = score(tables["activity"], tables["reps"], daily=True).table
    return daily, tables["reps"]


def _weekly_from(values: dict[str, list[float]], start="2026-04-06"):
    """A weekly table from {rep: [weekly ssi]}."""
    rows = []
    for rep, vs in values.items():
        for k, v in enumerate(vs):
            ws = pd.Timestamp(start) + pd.Timedelta(weeks=k)
            rows.append({"rep_id": rep, "week": f"{ws.isocalendar().year}-W"
                         f"{ws.isocalendar().week:02d}", "week_start": ws,
                         "week_end": ws + pd.Timedelta(days=6), "ssi": v})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ weekly values
def test_weekly_value_is_the_sunday_score_or_the_week_mean(sim):
    daily, _ = sim
    last = weekly_scores(daily).table
    mean = weekly_scores(daily, value="mean").table
    rep = "R0005"
    d = daily[daily.rep_id == rep].set_index("date")
    for row in last[last.rep_id == rep].itertuples():
        assert row.week_end.day_of_week == 6 and row.week_start.day_of_week == 0
        assert row.ssi == d.loc[row.week_end, "ssi"]
        assert row.brand == d.loc[row.week_end, "brand"]
    for row in mean[mean.rep_id == rep].itertuples():
        assert row.ssi == pytest.approx(d.loc[row.week_start:row.week_end, "ssi"].mean())
    assert (last.n_days == 7).all() and len(last) == len(mean)


def test_only_complete_weeks_with_a_full_window_are_kept(sim):
    daily, _ = sim
    weekly = weekly_scores(daily)
    w = weekly.table
    start, end = daily.date.min(), daily.date.max()           # 2026-01-01 .. 2026-06-09
    assert w.week_start.min() >= start + pd.Timedelta(days=89)
    assert w.week_start.min() - pd.Timedelta(days=7) < start + pd.Timedelta(days=89)
    assert w.week_end.max() <= end and w.week_end.max() + pd.Timedelta(days=7) > end
    assert "window was still filling" in weekly.notes[0]
    assert "fewer than 7 days" in weekly.notes[1]
    # the handling matters: while the window fills, scores climb by construction
    early = weekly_scores(daily, window_days=1).table
    filling = early[early.week_end < start + pd.Timedelta(days=89)]
    rise = weekly_changes(filling)["change"].median()
    steady = weekly_changes(w)["change"].median()
    assert rise > 1.5 and abs(steady) < 0.5


def test_a_series_too_short_for_a_full_window_is_a_clear_error(sim):
    daily, _ = sim
    short = daily[daily.date < "2026-03-20"]
    with pytest.raises(SSIDataError, match="no complete week with a full 90-day window"):
        weekly_scores(short)
    with pytest.raises(SSIInputError, match="several rows for rep"):
        weekly_scores(pd.concat([daily.head(3), daily.head(1)]))
    with pytest.raises(SSIConfigError, match="value must be"):
        weekly_scores(daily, value="max")
    with pytest.raises(SSIInputError, match="no column 'ssi'"):
        weekly_scores(daily.drop(columns="ssi"))


def test_weekly_changes_only_pair_weeks_the_lag_apart():
    w = _weekly_from({"a": [30, 31, 35, 34], "b": [20, 20.5]})
    w = w.drop(index=2)                                        # a's third week is missing
    ch = weekly_changes(w)
    assert ch[["rep_id", "change"]].values.tolist() == [["a", 1.0], ["b", 0.5]]
    two = weekly_changes(w, lag=2)
    assert two[["rep_id", "previous", "change"]].values.tolist() == [["a", 31.0, 3.0]]


# ------------------------------------------------------------------ the distribution of changes
def test_change_distribution_matches_direct_computation(sim):
    daily, _ = sim
    w = weekly_scores(daily).table
    cd = change_distribution(w, n_resamples=200).set_index("statistic")
    ch = weekly_changes(w)["change"].to_numpy()
    assert (cd.n == len(ch)).all() and (cd.n_reps == 80).all()
    assert cd.loc["share rising more than 1", "estimate"] == pytest.approx(np.mean(ch > 1))
    assert cd.loc["share falling more than 3", "estimate"] == pytest.approx(np.mean(ch < -3))
    assert cd.loc["quantile 0.5", "estimate"] == pytest.approx(np.quantile(ch, 0.5))
    boot = cd[cd.ci_method.str.startswith("cluster bootstrap")]
    assert len(boot) >= 5
    assert ((boot.ci_low <= boot.estimate) & (boot.estimate <= boot.ci_high)).all()
    # the claim: rises of more than a few points a week are rare
    assert cd.loc["share rising more than 5", "estimate"] < 0.01
    zero = cd[cd.estimate == 0]
    for name, row in zero.iterrows():
        lo, hi = proportion_confint(0, len(ch), alpha=0.05, method="beta")
        assert (row.ci_low, row.ci_high) == pytest.approx((lo, hi)), name
        assert row.ci_method.startswith("Clopper-Pearson")


def test_cluster_bootstrap_is_wider_when_reps_differ_persistently():
    """Two reps always rising by 4, two always flat: rep-weeks are not independent."""
    rng = np.random.default_rng(0)
    vals = {f"r{i}": list(np.cumsum(np.r_[30, np.full(12, 4.0 if i < 10 else 0.0)]
                                    + rng.normal(0, 0.3, 13))) for i in range(20)}
    cd = change_distribution(_weekly_from(vals), thresholds=(2,), quantiles=(),
                             n_resamples=500).iloc[0]
    naive_lo, naive_hi = proportion_confint(round(cd.estimate * cd.n), cd.n, method="wilson")
    assert cd.estimate == pytest.approx(0.5)
    assert cd.ci_high - cd.ci_low > 1.5 * (naive_hi - naive_lo)


# ------------------------------------------------------------------ group trends
def test_group_trend_matches_a_one_sample_t_test(sim):
    daily, reps = sim
    w = weekly_scores(daily).table
    tr = ssi_trend(w, reps, by="industry", weeks=3)
    last = w.week_start.max()
    a = w[w.week_start == last - pd.Timedelta(weeks=3)].set_index("rep_id").ssi
    z = w[w.week_start == last].set_index("rep_id").ssi
    change = (z - a).rename("change").to_frame().join(reps.set_index("rep_id").industry)
    for row in tr.itertuples():
        x = change.loc[change.industry == row.group, "change"].to_numpy()
        ref = stats.ttest_1samp(x, 0.0)
        ci = ref.confidence_interval(0.95)
        assert row.n == len(x) and row.estimate == pytest.approx(x.mean())
        assert (row.ci_low, row.ci_high) == pytest.approx((ci.low, ci.high))
        assert row.p_val == pytest.approx(ref.pvalue)
        assert row.mean_end - row.mean_start == pytest.approx(row.estimate)
    np.testing.assert_allclose(tr.p_adj, multipletests(tr.p_val, method="holm")[1])


def test_a_team_built_to_rise_is_found_rising_and_a_flat_team_is_not():
    rng = np.random.default_rng(1)
    vals = {}
    for i in range(24):
        slope = 1.5 if i < 12 else 0.0
        vals[f"r{i:02d}"] = list(35 + slope * np.arange(8) + rng.normal(0, 1.0, 8))
    w = _weekly_from(vals)
    reps = pd.DataFrame({"rep_id": list(vals), "team": ["up"] * 12 + ["flat"] * 12})
    tr = ssi_trend(w, reps, by="team", weeks=4).set_index("group")
    assert tr.loc["up", "ci_low"] <= 6.0 <= tr.loc["up", "ci_high"]      # 1.5 x 4 weeks
    assert tr.loc["up", "p_adj"] < 0.001
    assert tr.loc["flat", "ci_low"] <= 0 <= tr.loc["flat", "ci_high"]
    lb = leaderboard(w, reps, by="team").set_index("group")
    assert lb.loc["up", "rank"] == 1
    assert lb.loc["up", "change"] == pytest.approx(
        np.mean([v[-1] - v[-2] for k, v in vals.items() if k < "r12"]))


def test_trend_edge_cases():
    w = _weekly_from({"a": [30, 31, 32], "b": [40, 40, 41], "c": [20, 21, 23]})
    reps = pd.DataFrame({"rep_id": ["a", "b", "c"], "team": ["X", "X", None]})
    tr = ssi_trend(w, reps, by="team", weeks=2, missing="exclude")
    assert tr.group.tolist()[:1] == ["X"] and tr.n.tolist() == [2, 1]
    assert not tr.estimable.iloc[-1] and "excluded as configured" in tr.reason.iloc[-1]
    one = ssi_trend(w, reps, by="rep_id", weeks=2).set_index("group")
    assert one.loc["c", "estimate"] == 3.0 and np.isnan(one.loc["c", "ci_low"])
    assert one.loc["c", "reason"] == "1 rep: no interval"
    with pytest.raises(SSIDataError, match="no week 5 weeks before"):
        ssi_trend(w, reps, weeks=5)
    with pytest.raises(SSIInputError, match="is not in the weekly table"):
        leaderboard(w, reps, week="2025-01-01")


def test_leaderboard_ranks_and_week_over_week_change():
    w = _weekly_from({"a": [30, 32], "b": [40, 39], "c": [50, 50], "d": [35, 34]})
    reps = pd.DataFrame({"rep_id": list("abcd"), "team": ["X", "X", "Y", "Z"]})
    lb = leaderboard(w, reps, by="team")
    assert lb.group.tolist() == ["Y", "X", "Z"] and lb["rank"].tolist() == [1, 2, 3]
    x = lb.set_index("group").loc["X"]
    assert x.estimate == 35.5 and x.previous == 35.0 and x.change == 0.5 and x.n == 2
    ci = stats.ttest_1samp([32, 39], 0).confidence_interval(0.95)
    assert (x.ci_low, x.ci_high) == pytest.approx((ci.low, ci.high))
    first = leaderboard(w, reps, by="team", week="2026-W15").set_index("group")
    assert np.isnan(first.loc["X", "change"]) and "no reps in the week before" in \
        first.loc["X", "reason"]
    tie = leaderboard(_weekly_from({"a": [30], "b": [30], "c": [20]}), by="rep_id")
    assert tie["rank"].tolist() == [1, 1, 3]
