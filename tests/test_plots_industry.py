"""Industry figures: what is on the Axes (labels, groups, artists), not how it looks."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.patches import PathPatch

from ssi_analysis import SSIInputError, score
from ssi_analysis.plots import (
    MARKERS,
    leaderboard_chart,
    pillar_distributions,
    pillar_heatmap,
    pillar_profile,
    theme,
    weekly_trend,
)
from ssi_analysis.simulate import simulate
from ssi_analysis.stats import attach_groups, benchmarks, leaderboard, weekly_scores


@pytest.fixture(scope="module")
def data():
    tables, _ = simulate(120, seed=4, days=130)
    reps = tables["reps"]
    scores = score(tables["activity"], reps)
    weekly = weekly_scores(score(tables["activity"], reps, daily=True))
    return {"scores": attach_groups(scores, reps), "bench": benchmarks(scores, reps),
            "weekly": attach_groups(weekly, reps, by="team"),
            "board": leaderboard(weekly, reps, by="team"), "reps": reps}


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_distributions_draw_one_box_and_one_point_cloud_per_group(data):
    s = data["scores"]
    with theme():
        fig, ax = plt.subplots()
        out = pillar_distributions(s, x="industry", y="brand", ax=ax)
    assert out is ax and plt.get_fignums() == [fig.number]
    groups = sorted(s.industry.unique())
    boxes = [p for p in ax.patches if isinstance(p, PathPatch)]
    assert [b.get_label() for b in boxes] == groups
    assert len({b.get_hatch() for b in boxes}) == len(groups)          # grey-scale: hatches
    clouds = ax.collections
    assert len(clouds) == len(groups) and sum(len(c.get_offsets()) for c in clouds) == len(s)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    counts = s.industry.value_counts()
    for g, label in zip(groups, labels, strict=True):
        assert label.replace("\n", " ").startswith(g) and f"(n={counts[g]})" in label
    assert ax.get_ylabel() == "Brand (points, 0–25)" and ax.get_xlabel() == "Industry"
    assert ax.get_title() == f"Brand by industry ({len(s)} reps)"
    assert ax.get_ylim() == (0, 25)


def test_violins_and_missing_groups(data):
    s = data["scores"].copy()
    s.loc[s.index[:7], "industry"] = None
    ax = pillar_distributions(s, x="industry", y="ssi", kind="violin", points=False,
                              order=["Software", "Healthcare"])
    bodies = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bodies) == 2
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == ["Software",
                                                                           "Healthcare"]
    assert ax.get_ylabel() == "SSI (points, 0–100)"
    with pytest.raises(SSIInputError, match="no column 'segment'"):
        pillar_distributions(s, x="segment")


def test_heatmap_writes_one_value_per_group_and_pillar(data):
    bm = data["bench"]
    ax = pillar_heatmap(bm)
    groups = sorted(bm.group.unique())
    assert [t.get_text() for t in ax.get_yticklabels()] == groups
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Brand", "People", "Insights",
                                                            "Relationships"]
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == len(groups) * 4
    soft = bm[(bm.group == "Software") & (bm.pillar == "insights")].estimate.item()
    assert f"{soft:.1f}" in texts
    assert ax.get_xlabel() == "Pillar" and ax.get_ylabel() == "Industry"
    assert "Median" in ax.figure.axes[-1].get_ylabel()                  # the colour bar
    blank = bm.copy()
    blank.loc[blank.group == "Software", "estimate"] = np.nan            # not estimable
    assert len(pillar_heatmap(blank).texts) == (len(groups) - 1) * 4


def test_profiles_parallel_and_radar(data):
    bm = data["bench"]
    ax = pillar_profile(bm)
    groups = sorted(bm.group.unique())
    lines = ax.get_lines()
    assert len(lines) == len(groups)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == groups
    assert {ln.get_marker() for ln in lines} == set(MARKERS[:len(groups)])
    assert len({str(ln.get_linestyle()) for ln in lines}) >= 4
    sw = bm[(bm.group == "Software")].set_index("pillar").estimate
    np.testing.assert_allclose(lines[groups.index("Software")].get_ydata(),
                               sw[["brand", "people", "insights", "relationships"]])
    assert ax.get_ylabel() == "Median (points, 0–25)"
    radar = pillar_profile(bm, kind="radar")
    assert radar.name == "polar" and len(radar.get_lines()) == len(groups)
    assert len(radar.get_lines()[0].get_xdata()) == 5                    # closed polygon
    with pytest.raises(ValueError, match="polar Axes"):
        pillar_profile(bm, kind="radar", ax=plt.subplots()[1])


def test_weekly_trend_one_line_per_team(data):
    w = data["weekly"]
    ax = weekly_trend(w, hue="team", order=["T02", "T01"])
    lines = ax.get_lines()
    assert len(lines) == 2
    t01 = w[w.team == "T01"].groupby("week_end").ssi.mean()
    np.testing.assert_allclose(lines[1].get_ydata(), t01.to_numpy())
    n01 = w[w.team == "T01"].rep_id.nunique()
    assert [t.get_text() for t in ax.get_legend().get_texts()][1] == f"T01 (n={n01})"
    assert ax.get_xlabel() == "Week ending"
    assert ax.get_ylabel() == "SSI, team mean (points, 0–100)"
    assert lines[0].get_marker() != lines[1].get_marker()
    med = weekly_trend(w, hue="team", estimator="median")
    assert len(med.get_lines()) == w.team.nunique()


def test_leaderboard_chart_bars_ranked_with_changes(data):
    lb = data["board"]
    ax = leaderboard_chart(lb, top=4)
    assert len(ax.patches) == 4
    by_height = sorted(ax.get_yticklabels(), key=lambda t: -t.get_position()[1])
    assert [t.get_text() for t in by_height] == lb.group.head(4).tolist()   # best on top
    widths = sorted(p.get_width() for p in ax.patches)
    np.testing.assert_allclose(widths, sorted(lb.estimate.head(4)))
    top_row = lb.iloc[0]
    top_y = max(range(4), key=lambda i: ax.patches[i].get_y())
    assert ax.patches[top_y].get_width() == pytest.approx(top_row.estimate)
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 4 and texts[0].startswith(f"{top_row.estimate:.1f}")
    assert any(("▲" in t or "▼" in t or "■" in t) for t in texts)
    assert ax.get_xlabel() == "SSI, team mean (points, 0–100)" and ax.get_ylabel() == "Team"
    assert top_row.week in ax.get_title()
    plain = leaderboard_chart(lb, change=None, ci=False)
    assert len(plain.patches) == len(lb) and all("▲" not in t.get_text() for t in plain.texts)


def test_horizontal_distributions_put_groups_down_the_y_axis(data):
    s = data["scores"]
    ax = pillar_distributions(s, x="industry", y="insights", orient="h")
    groups = sorted(s.industry.unique())
    by_height = sorted(ax.get_yticklabels(), key=lambda t: -t.get_position()[1])
    assert [t.get_text().split(" (n=")[0] for t in by_height] == groups     # first on top
    assert ax.get_xlabel() == "Insights (points, 0–25)" and ax.get_ylabel() == "Industry"
    assert ax.get_xlim() == (0, 25)
    offsets = np.concatenate([c.get_offsets() for c in ax.collections])
    np.testing.assert_allclose(np.sort(offsets[:, 0]), np.sort(s.insights))  # scores on x
