"""Figures: Axes content (labels, groups, artists), not images; the theme is explicit."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import synthetic_panel

from ssi_analysis import plots
from ssi_analysis.stats.claims import claim_check
from ssi_analysis.stats.models import adjusted_models, time_order


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_importing_changes_no_style_and_theme_is_scoped():
    before = mpl.rcParams["axes.spines.top"]
    with plots.theme():
        assert mpl.rcParams["axes.spines.top"] is False
    assert mpl.rcParams["axes.spines.top"] == before


def test_ssi_distribution_counts_every_rep(example_bundle):
    from ssi_analysis import score

    s = score(example_bundle.activity, example_bundle.reps).table
    ax = plots.ssi_distribution(s)
    heights = sum(p.get_height() for p in ax.patches if p.get_width() < 10)
    assert heights == len(s) and "300 reps" in ax.get_title()
    assert ax.get_xlim() == (0, 100)


def test_scatter_fit_line_is_the_ols_slope():
    d = synthetic_panel(150, periods=2, beta=0.05, seed=1)
    ax = plots.ssi_vs_attainment(d)
    line = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 100][0]
    x, y = line.get_xdata(), line.get_ydata()
    slope = np.polyfit(d.ssi, d.attainment, 1)[0]
    assert (y[-1] - y[0]) / (x[-1] - x[0]) == pytest.approx(slope)
    assert ax.get_xlabel().startswith("SSI") and "quota" in ax.get_ylabel()
    assert len(ax.collections) == 2  # points and the CI band
    big = pd.concat([d] * 12, ignore_index=True)
    ax2 = plots.ssi_vs_attainment(big, hexbin_above=1000)
    assert type(ax2.collections[0]).__name__ == "PolyCollection"


def test_band_means_and_counts():
    d = synthetic_panel(200, periods=1, seed=2)
    ax = plots.attainment_by_band(d)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert len(labels) == 4 and labels[0].startswith("0–30\nbelow\naverage")
    counts = [int(t.split("n = ")[1]) for t in labels]
    assert sum(counts) == len(d)
    band0 = d[d.ssi < 30].attainment.mean()
    bars = [p for p in ax.patches]
    assert bars[0].get_height() == pytest.approx(band0)


def test_claims_forest_lists_every_row_and_the_claims():
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"rep_id": [f"R{i}" for i in range(300)],
                      "ssi": rng.uniform(10, 65, 300), "hit_quota": rng.integers(0, 2, 300),
                      "opportunities": rng.poisson(5, 300), "bookings": rng.gamma(3, 1e4, 300)})
    t = claim_check(d)
    ax = plots.claims_forest(t)
    assert len(ax.get_yticklabels()) == 6
    assert sum("too few reps" in x.get_text() for x in ax.texts) == 3  # no leaders above 70
    assert ax.get_xscale() == "log"
    diamonds = ax.collections[-1].get_offsets()
    assert sorted(set(np.round(diamonds[:, 0], 2))) == [1.45, 1.51, 1.78]
    # an SSI of two pillars: the extreme groups are marked as not applicable, not as too few
    two = d.assign(ssi=d.ssi / 2, brand=np.nan, people=d.ssi / 4, insights=np.nan,
                   relationships=d.ssi / 4)
    marked = [x.get_text() for x in plots.claims_forest(claim_check(two)).texts]
    assert marked.count("not applicable") == 3 and not any("too few" in x for x in marked)
    plt.close("all")


def test_coefficient_plot_rows_by_scale():
    d = synthetic_panel(200, periods=2, beta=0.05, seed=3)
    t = pd.concat([adjusted_models(d), time_order(d)])
    ax = plots.coefficients(t)
    labels = [x.get_text() for x in ax.get_yticklabels()]
    assert len(labels) == 4 and any("within rep" in x for x in labels)  # unadjusted, OLS, mixed
    ax = plots.coefficients(t, scale="ratio")
    assert len(ax.get_yticklabels()) == 2 and ax.get_xscale() == "log"
    with pytest.raises(ValueError):
        plots.coefficients(t, scale="odds")


def test_save_figure_is_byte_reproducible(tmp_path):
    d = synthetic_panel(50, periods=1, seed=4)
    paths = []
    for name in ("a", "b"):
        with plots.theme():
            ax = plots.attainment_by_band(d)
            paths.append(plots.save_figure(ax.figure, tmp_path / name))
        plt.close(ax.figure)
    for pa, pb in zip(*paths, strict=True):
        assert pa.read_bytes() == pb.read_bytes()


def test_specification_curve_plot_draws_every_estimable_specification_sorted():
    from ssi_analysis.stats.specification import specification_curve

    d = synthetic_panel(200, periods=2, beta=0.03, seed=5)
    curve = specification_curve({(90, "absolute"): d, (60, "absolute"): d})
    curve.loc[3, ["estimable", "estimate"]] = [False, np.nan]          # one not estimable
    top, bottom = plots.specification_curve(curve)
    points = np.concatenate([c.get_offsets()[:, 1] for c in top.collections[1:3]])
    ok = curve[curve.estimable]
    assert len(points) == len(ok)
    assert sorted(points) == pytest.approx(sorted(100 * ok.estimate))
    filled = top.collections[1].get_offsets()
    assert len(filled) == int(((ok.ci_low > 0) | (ok.ci_high < 0)).sum())
    assert "1 not estimable" in top.get_title()
    labels = [t.get_text() for t in bottom.get_yticklabels()]
    assert "Window (days): 60" in labels and "Outcome: hit quota" in labels
    plt.close(top.figure)
