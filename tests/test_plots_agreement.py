"""The Bland-Altman figure: what is drawn, checked on the Axes (not on images)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ssi_analysis import plots
from ssi_analysis.stats.agreement import agreement


def _pairs(n=30, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(5, 20, n)
    return pd.DataFrame({"rep_id": (np.arange(n) // 3).astype(str),
                         "brand_observed": x, "brand_computed": x + 1 + rng.normal(0, 1, n)})


def test_bland_altman_draws_points_bias_limits_and_bands():
    pairs = _pairs()
    res = agreement(pairs, measures=["brand"], n_resamples=200)
    fig, ax = plt.subplots()
    out = plots.bland_altman(pairs, measure="brand", results=res, ax=ax)
    assert out is ax
    offsets = ax.collections[0].get_offsets()
    np.testing.assert_allclose(offsets[:, 0], (pairs.brand_observed + pairs.brand_computed) / 2)
    np.testing.assert_allclose(offsets[:, 1], pairs.brand_computed - pairs.brand_observed)
    est = res.set_index("statistic").estimate
    levels = sorted(line.get_ydata()[0] for line in ax.get_lines())
    np.testing.assert_allclose(levels, sorted([0.0, est["bias"], est["loa_low"],
                                               est["loa_high"]]))
    styles = {line.get_linestyle() for line in ax.get_lines()}
    assert styles == {"-", "--", ":"}                    # apart in grey-scale print
    assert len(ax.patches) == 3                          # a CI band per line
    assert ax.get_xlabel() == "Mean of LinkedIn and computed Brand (points)"
    assert ax.get_ylabel() == "Computed − LinkedIn Brand (points)"
    assert "10 reps" in ax.get_title()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["snapshot (n = 30)", "no difference", "bias", "95% limits"]
    plt.close(fig)


def test_bland_altman_computes_its_own_results_and_makes_an_axes():
    pairs = _pairs()
    ax = plots.bland_altman(pairs, measure="brand", n_resamples=200)
    res = agreement(pairs, measures=["brand"], n_resamples=200).set_index("statistic")
    assert any(np.isclose(line.get_ydata()[0], res.estimate["bias"]) for line in ax.get_lines())
    plt.close(ax.figure)


def test_bland_altman_with_too_few_pairs_draws_only_the_points():
    pairs = _pairs(n=2)
    ax = plots.bland_altman(pairs, measure="brand", n_resamples=50)
    assert len(ax.collections[0].get_offsets()) == 2
    assert [line.get_ydata()[0] for line in ax.get_lines()] == [0.0]
    plt.close(ax.figure)
