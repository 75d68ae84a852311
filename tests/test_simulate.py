"""Simulated data: realistic shape, reproducible, and the truth it claims."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ssi_analysis import load_data, score
from ssi_analysis.simulate import simulate, write_data_folder


def test_same_seed_same_tables_different_seed_different():
    a, _ = simulate(40, seed=5, days=100)
    b, _ = simulate(40, seed=5, days=100)
    c, _ = simulate(40, seed=6, days=100)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not a["activity"].equals(c["activity"])


def test_written_folder_is_byte_identical(tmp_path):
    tables, truth = simulate(30, seed=1, days=100)
    write_data_folder(tables, truth, tmp_path / "x")
    write_data_folder(tables, truth, tmp_path / "y")
    for f in (tmp_path / "x").iterdir():
        assert f.read_bytes() == (tmp_path / "y" / f.name).read_bytes()
    assert json.loads((tmp_path / "x" / "truth.json").read_text())["seed"] == 1


def test_scores_look_like_linkedin(example_bundle):
    """Typical rep near 35, top decile above 50 (shared domain notes), low insights pillar."""
    s = score(example_bundle.activity, example_bundle.reps).table
    assert 28 <= s.ssi.median() <= 42
    assert s.ssi.quantile(0.9) > 50
    assert s.insights.median() < s.brand.median()


@pytest.mark.parametrize("scenario", ["effect", "confounded"])
def test_truth_shows_in_the_data(scenario):
    tables, truth = simulate(400, seed=11, scenario=scenario, days=120, outcome_months=1)
    act = tables["activity"].assign(date=lambda d: pd.to_datetime(d.date))
    reps = tables["reps"]
    out = tables["outcomes"]
    start = pd.Timestamp(truth["periods"][0]) - pd.Timedelta(days=1)
    s = score(act, reps, asof=start).table.set_index("rep_id")
    att = (out.bookings / out.quota).to_numpy()
    r_ssi = stats.pearsonr(s.loc[out.rep_id, "ssi"], np.log(att)).statistic
    r_ten = stats.pearsonr(np.log(reps.set_index("rep_id").loc[out.rep_id, "tenure_months"]),
                           s.loc[out.rep_id, "ssi"]).statistic
    assert r_ssi > 0.1                      # SSI and attainment go together in both
    if scenario == "confounded":
        assert r_ten > 0.3                  # ... because tenure drives activity
    else:
        assert abs(r_ten) < 0.15


def test_industries_differ_where_built_to(example_bundle):
    s = score(example_bundle.activity, example_bundle.reps).table.merge(example_bundle.reps, on="rep_id")
    groups = [g.insights.to_numpy() for _, g in s.groupby("industry")]
    assert stats.kruskal(*groups).pvalue < 0.001


def test_raw_shape_derives_back_to_the_tidy_outcomes(tmp_path):
    """End to end: a Salesforce export and quotas, read and derived, give the outcomes back."""
    raw, truth = simulate(60, seed=4, days=150, shape="raw")
    tidy, _ = simulate(60, seed=4, days=150)
    write_data_folder(raw, truth, tmp_path)
    bundle = load_data(tmp_path)
    expected = raw["truth_outcomes"].assign(
        period_start=lambda d: pd.to_datetime(d.period_start).astype("datetime64[ns]"),
        period_end=lambda d: pd.to_datetime(d.period_end).astype("datetime64[ns]"),
        rep_id=lambda d: d.rep_id.astype(object)).astype(
        {"opportunities": float, "deals_won": float}).sort_values(
        ["rep_id", "period_start"], ignore_index=True)       # outcomes come by rep, then period
    cols = ["rep_id", "period_start", "period_end", "quota", "bookings", "opportunities",
            "deals_won"]
    pd.testing.assert_frame_equal(bundle.outcomes[cols], expected[cols])
    assert bundle.quality.rejects.empty
    assert any("salesforce mapping" in n for n in bundle.quality.notes)
    # the raw shape changes no tidy draw, only gives a won deal to periods booked without one
    differs = tidy["outcomes"].deals_won != raw["truth_outcomes"].deals_won
    assert ((tidy["outcomes"].deals_won[differs] == 0)
            & (tidy["outcomes"].bookings[differs] > 0)).all()
    for col in ("quota", "bookings", "opportunities"):
        assert (tidy["outcomes"][col] == raw["truth_outcomes"][col]).all()
    pd.testing.assert_frame_equal(tidy["activity"], raw["activity"])
    # snapshots in long form read back to the tidy table
    (tmp_path / "tidy").mkdir()
    write_data_folder(tidy, truth, tmp_path / "tidy")
    pd.testing.assert_frame_equal(bundle.ssi_observed, load_data(tmp_path / "tidy").ssi_observed)


def test_raw_shape_looks_like_a_salesforce_export():
    raw, _ = simulate(30, seed=2, days=120, shape="raw")
    opp = raw["opportunities"]
    assert opp["Opportunity ID"].is_unique
    assert set(opp.Stage) >= {"Closed Won", "Closed Lost", "Prospecting"}
    assert set(opp["Opportunity Owner"]) <= set(raw["reps"].crm_owner)
    assert raw["reps"].crm_owner.is_unique
    closed = opp.Stage.str.startswith("Closed")
    assert (opp["Close Date"][closed] >= opp["Created Date"][closed]).all()
    assert raw["ssi_observed"].columns.tolist() == ["rep_id", "date", "field", "value"]
    assert "PROFESSIONAL_BRAND" in set(raw["ssi_observed"].field)


def test_writing_one_shape_over_the_other_leaves_no_stale_tables(tmp_path):
    tidy, truth = simulate(20, seed=1, days=100)
    raw, _ = simulate(20, seed=1, days=100, shape="raw")
    write_data_folder(tidy, truth, tmp_path)
    write_data_folder(raw, truth, tmp_path)
    assert not (tmp_path / "outcomes.csv").exists()
    load_data(tmp_path)                                  # no "two places" conflict
    write_data_folder(tidy, truth, tmp_path)
    assert not (tmp_path / "opportunities.csv").exists()
    assert not (tmp_path / "quotas.csv").exists()


def test_redrawn_null_attainment_follows_the_simulated_outcome_model():
    """Redraws (design fixed) have the law of the simulated attainment: log attainment =
    log 0.9 + tau z(tenure) + team + noise, recovered by OLS on the rep's z(tenure)."""
    from ssi_analysis.simulate import (
        ATTAINMENT_NOISE_SD,
        TEAM_SD,
        redraw_null_attainment,
        standardised_tenure,
    )

    tables, truth = simulate(400, seed=4, scenario="confounded", confounding="linear",
                             days=120, outcome_months=1)
    panel = tables["outcomes"].merge(tables["reps"], on="rep_id")
    panel["attainment"] = panel["bookings"] / panel["quota"]
    z = standardised_tenure(panel["tenure_months"].to_numpy(dtype=float), "linear")
    X = np.column_stack([np.ones(len(z)), z])
    tau = truth["outcome_model"]["tau_tenure"]
    sd = np.sqrt(ATTAINMENT_NOISE_SD ** 2 + TEAM_SD ** 2)
    actual = np.log(panel["attainment"].to_numpy())
    coef = np.linalg.lstsq(X, actual, rcond=None)[0]
    assert coef[1] == pytest.approx(tau, abs=0.05)
    Y = np.log(redraw_null_attainment(panel, truth, draws=300, rng=np.random.default_rng(0)))
    B = np.linalg.lstsq(X, Y, rcond=None)[0]
    assert B[1].mean() == pytest.approx(tau, abs=0.01)
    assert B[0].mean() == pytest.approx(np.log(0.9), abs=0.02)
    resid = Y - X @ B
    assert resid.std() == pytest.approx(sd, rel=0.03)
    # one redraw and the simulated outcome: the same residual distribution
    assert stats.ks_2samp(actual - X @ coef, resid[:, 0]).pvalue > 0.01
    heavy = np.log(redraw_null_attainment(panel, truth, draws=300, noise_df=3.0,
                                          rng=np.random.default_rng(0)))
    heavy_resid = heavy - X @ np.linalg.lstsq(X, heavy, rcond=None)[0]
    assert heavy_resid.std() == pytest.approx(sd, rel=0.1)
    assert stats.kurtosis(heavy_resid.ravel()) > 2 > abs(stats.kurtosis(resid.ravel()))
    with pytest.raises(ValueError, match="territory"):
        redraw_null_attainment(panel, {**truth, "territory_confounding": 1.0}, draws=2,
                               rng=np.random.default_rng(0))


def test_a_territory_confounder_is_a_reps_column_driving_activity_and_attainment():
    base, _ = simulate(300, seed=2, scenario="null", days=120, outcome_months=1)
    tables, truth = simulate(300, seed=2, scenario="null", days=120, outcome_months=1,
                             territory_confounding=1.0)
    assert "territory_size" not in base["reps"] and truth["territory_confounding"] == 1.0
    size = tables["reps"].set_index("rep_id")["territory_size"]
    assert size.min() > 0 and size.nunique() > 100
    out = tables["outcomes"].set_index("rep_id")
    att = np.log(out["bookings"] / out["quota"])
    posts = tables["activity"].query("metric == 'posts'").groupby("rep_id")["value"].sum()
    log_size = np.log(size)
    assert stats.spearmanr(log_size, posts.reindex(size.index, fill_value=0)).statistic > 0.3
    assert stats.spearmanr(log_size, att.reindex(size.index)).statistic > 0.2
