"""Simulated data: realistic shape, reproducible, and the truth it claims."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ssi_analysis import score
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
    s = score(example_bundle.activity, example_bundle.reps)
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
    s = score(act, reps, asof=start).set_index("rep_id")
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
    s = score(example_bundle.activity, example_bundle.reps).merge(example_bundle.reps, on="rep_id")
    groups = [g.insights.to_numpy() for _, g in s.groupby("industry")]
    assert stats.kruskal(*groups).pvalue < 0.001
