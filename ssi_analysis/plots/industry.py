"""Figures of pillars by industry (or team, region), benchmarks, weekly trends and the leaderboard.

Each function takes the tidy table the matching :mod:`ssi_analysis.stats` function returns (or
scores with a group column from :func:`ssi_analysis.stats.attach_groups`), draws on ``ax`` (a
new figure's Axes otherwise) and returns it. Groups are told apart by marker, hatch and line
style as well as by colour, so the figures read in grey-scale print; colours are Okabe-Ito.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ..config import PILLARS
from ..errors import SSIInputError
from ..tables import NotedTable, table_of
from ._theme import HATCHES, MARKERS, PALETTE

LINESTYLES: tuple = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)),
                     (0, (8, 2)), (0, (3, 1, 1, 1)))
"""Line styles cycled with the palette and markers (grey-scale print)."""


def _need(data: pd.DataFrame, *columns: str) -> None:
    missing = [c for c in columns if c not in data]
    if missing:
        raise SSIInputError(f"the data to plot have no column {', '.join(map(repr, missing))} "
                            f"(they have: {', '.join(map(str, data.columns))})",
                            column=missing[0])


def _top(column: str) -> float:
    return 100.0 if column == "ssi" else 25.0


def _name(column: str) -> str:
    return "SSI" if column == "ssi" else column.replace("_", " ").capitalize()


def _score_label(column: str, extra: str = "") -> str:
    if column == "ssi" or column in PILLARS:
        return f"{_name(column)}{extra} (points, 0–{_top(column):.0f})"
    return f"{_name(column)}{extra}"


def _groups(data: pd.DataFrame, column: str, order: Sequence[str] | None) -> list:
    present = [g for g in pd.unique(data[column].dropna())]
    if order is None:
        return sorted(present, key=str)
    return [g for g in order if g in set(present)]


def _wrap(label: object, width: int = 12) -> str:
    return textwrap.fill(str(label), width=width, break_long_words=False)


def _style(i: int) -> dict:
    return {"color": PALETTE[i % len(PALETTE)], "marker": MARKERS[i % len(MARKERS)],
            "linestyle": LINESTYLES[i % len(LINESTYLES)]}


# ------------------------------------------------------------------ distributions
def pillar_distributions(data: pd.DataFrame, *, x: str = "industry", y: str = "brand",
                         order: Sequence[str] | None = None, kind: str = "box",
                         points: bool = True, orient: str = "v", seed: int = 0, ax=None):
    """One pillar's distribution per group: box (or violin) plots with every rep as a point.

    Parameters
    ----------
    data : DataFrame
        One row per rep with columns ``x`` and ``y`` (scores with their groups, e.g.
        ``attach_groups(scores, reps)``). Rows with ``x`` or ``y`` missing are left out and
        the title's n says how many reps are shown.
    x, y : str
        The group column and the score column (a pillar or ``ssi``).
    order : sequence, optional
        Group order; sorted by name by default.
    kind : {'box', 'violin'}
        Box plots (median, quartiles, whiskers to 1.5 IQR) or violins with the median marked.
    points : bool
        Overlay each rep as a jittered point (seeded by ``seed``).
    orient : {'v', 'h'}
        Groups along the x-axis (``v``) or down the y-axis (``h``: long group names never
        overlap, the first group on top).
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from ssi_analysis.stats import attach_groups
    >>> from ssi_analysis import score
    >>> from ssi_analysis.simulate import simulate
    >>> t, _ = simulate(60, seed=2, days=150)
    >>> data = attach_groups(score(t["activity"], t["reps"]), t["reps"])
    >>> ax = pillar_distributions(data, x="industry", y="insights")
    >>> ax.get_ylabel(), len(ax.get_xticklabels())
    ('Insights (points, 0–25)', 3)
    >>> plt.close("all")
    """
    _need(data, x, y)
    if kind not in ("box", "violin"):
        raise ValueError(f"kind must be 'box' or 'violin', got {kind!r}")
    if orient not in ("v", "h"):
        raise ValueError(f"orient must be 'v' or 'h', got {orient!r}")
    if ax is None:
        _, ax = plt.subplots()
    d = data.loc[data[x].notna() & data[y].notna()]
    groups = _groups(d, x, order)
    values = [d.loc[d[x] == g, y].to_numpy(dtype=float) for g in groups]
    pos = np.arange(1, len(groups) + 1)
    if orient == "h":
        pos = pos[::-1]                                      # first group on top
    orientation = "vertical" if orient == "v" else "horizontal"
    if kind == "box" and groups:
        bp = ax.boxplot(values, positions=pos, widths=0.6, patch_artist=True,
                        showfliers=not points, orientation=orientation,
                        medianprops={"color": "black", "linewidth": 1.6},
                        whiskerprops={"color": "#333333"}, capprops={"color": "#333333"})
        for i, box in enumerate(bp["boxes"]):
            box.set_facecolor(PALETTE[i % len(PALETTE)] + "55")
            box.set_edgecolor("#333333")
            box.set_hatch(HATCHES[i % len(HATCHES)])
            box.set_label(str(groups[i]))
    elif groups:
        vp = ax.violinplot(values, positions=pos, widths=0.8, showmedians=True,
                           showextrema=False, orientation=orientation)
        for i, body in enumerate(vp["bodies"]):
            body.set_facecolor(PALETTE[i % len(PALETTE)])
            body.set_alpha(0.35)
            body.set_edgecolor("#333333")
            body.set_hatch(HATCHES[i % len(HATCHES)])
            body.set_label(str(groups[i]))
        vp["cmedians"].set_color("black")
    if points:
        rng = np.random.default_rng(seed)
        for i, v in enumerate(values):
            jitter = pos[i] + rng.uniform(-0.18, 0.18, len(v))
            xy = (jitter, v) if orient == "v" else (v, jitter)
            ax.scatter(*xy, s=9, marker=MARKERS[i % len(MARKERS)],
                       color=PALETTE[i % len(PALETTE)], edgecolor="#222222", linewidth=0.3,
                       alpha=0.7, zorder=3)
    labels = [f"{_wrap(g)}\n(n={len(v)})" if orient == "v" else f"{g} (n={len(v)})"
              for g, v in zip(groups, values, strict=True)]
    top = _top(y) if y == "ssi" or y in PILLARS else None
    if orient == "v":
        ax.set_xticks(pos, labels)
        ax.set_xlim(0.4, len(groups) + 0.6)
        ax.set_ylim(0, top)
        ax.set_xlabel(_name(x))
        ax.set_ylabel(_score_label(y))
        ax.grid(axis="x", visible=False)
    else:
        ax.set_yticks(pos, labels)
        ax.set_ylim(0.4, len(groups) + 0.6)
        ax.set_xlim(0, top)
        ax.set_ylabel(_name(x))
        ax.set_xlabel(_score_label(y))
        ax.grid(axis="y", visible=False)
    ax.set_title(f"{_name(y)} by {_name(x).lower()} ({sum(len(v) for v in values)} reps)")
    return ax


# ------------------------------------------------------------------ benchmarks
def pillar_heatmap(data: pd.DataFrame, *, index: str = "group", columns: str = "pillar",
                   values: str = "estimate", pillars: Sequence[str] = PILLARS,
                   order: Sequence[str] | None = None, annot: bool = True, fmt: str = ".1f",
                   cmap: str = "cividis", vmin: float | None = None, vmax: float | None = None,
                   ax=None):
    """Group × pillar heatmap of a benchmark (the median by default), values written in.

    Parameters
    ----------
    data : DataFrame
        Long table, e.g. :func:`ssi_analysis.stats.benchmarks` (``group, pillar, estimate``).
    index, columns, values : str
        Row, column and value columns.
    pillars : sequence of str
        The columns shown, in order (the four pillars by default: one 0–25 colour scale).
    order : sequence, optional
        Row order; sorted by name by default.
    annot, fmt, cmap
        Write values in the cells (format ``fmt``); the colour map (cividis: colour-blind safe,
        lightness rising steadily, so it reads in grey-scale). Empty cells are not estimable.
    vmin, vmax : float, optional
        Ends of the colour scale; the data's range by default (so differences show), e.g.
        ``vmin=0, vmax=25`` for the full pillar scale.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from ssi_analysis.stats import benchmarks
    >>> from ssi_analysis import score
    >>> from ssi_analysis.simulate import simulate
    >>> t, _ = simulate(60, seed=2, days=150)
    >>> ax = pillar_heatmap(benchmarks(score(t["activity"], t["reps"]), t["reps"]))
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['Brand', 'People', 'Insights', 'Relationships']
    >>> plt.close("all")
    """
    _need(data, index, columns, values)
    if ax is None:
        _, ax = plt.subplots()
    d = data.loc[data[columns].isin(list(pillars))]
    rows = _groups(d, index, order)
    grid = d.pivot_table(index=index, columns=columns, values=values, aggfunc="first",
                         dropna=False).reindex(index=rows, columns=list(pillars))
    top = max(_top(p) for p in pillars)
    sns.heatmap(grid.astype(float), ax=ax, annot=annot, fmt=fmt, cmap=cmap, vmin=vmin, vmax=vmax,
                linewidths=0.8, linecolor="white", annot_kws={"fontsize": 8},
                cbar_kws={"label": f"{'Median' if values == 'estimate' else _name(values)} "
                                   f"(points, of 0–{top:.0f})"})
    ax.set_xticklabels([_name(p) for p in pillars], rotation=0)
    ax.set_yticklabels([str(r) for r in rows], rotation=0)
    ax.set_xlabel("Pillar")
    by = data["by"].iloc[0] if "by" in data and len(data) else index
    ax.set_ylabel(_name(str(by)))
    ax.set_title(f"Median pillar score by {_name(str(by)).lower()}" if values == "estimate"
                 else f"{_name(values)} by {_name(str(by)).lower()} and pillar")
    ax.grid(False)
    return ax


def pillar_profile(data: pd.DataFrame, *, group: str = "group", pillar: str = "pillar",
                   values: str = "estimate", pillars: Sequence[str] = PILLARS,
                   order: Sequence[str] | None = None, kind: str = "parallel", ax=None):
    """Each group's pillar profile: parallel coordinates (default) or a radar chart.

    Parameters
    ----------
    data : DataFrame
        Long table, e.g. :func:`ssi_analysis.stats.benchmarks`.
    group, pillar, values : str
        Group, pillar and value columns.
    pillars, order
        The pillars (axes) in order; the group order (sorted by name by default).
    kind : {'parallel', 'radar'}
        ``radar`` needs a polar Axes (``plt.subplots(subplot_kw={"projection": "polar"})``);
        one is made when ``ax`` is None. Parallel coordinates are easier to read exactly.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from ssi_analysis.stats import benchmarks
    >>> from ssi_analysis import score
    >>> from ssi_analysis.simulate import simulate
    >>> t, _ = simulate(60, seed=2, days=150)
    >>> ax = pillar_profile(benchmarks(score(t["activity"], t["reps"]), t["reps"]))
    >>> len(ax.get_lines()), [x.get_text() for x in ax.get_legend().get_texts()]
    (3, ['Financial Services', 'Manufacturing', 'Software'])
    >>> plt.close("all")
    """
    _need(data, group, pillar, values)
    if kind not in ("parallel", "radar"):
        raise ValueError(f"kind must be 'parallel' or 'radar', got {kind!r}")
    if ax is None:
        _, ax = plt.subplots(subplot_kw={"projection": "polar"} if kind == "radar" else {})
    elif kind == "radar" and ax.name != "polar":
        raise ValueError("a radar profile needs a polar Axes: "
                         "plt.subplots(subplot_kw={'projection': 'polar'})")
    d = data.loc[data[pillar].isin(list(pillars))]
    groups = _groups(d, group, order)
    grid = d.pivot_table(index=group, columns=pillar, values=values, aggfunc="first",
                         dropna=False).reindex(index=groups, columns=list(pillars))
    top = max(_top(p) for p in pillars)
    names = [_name(p) for p in pillars]
    if kind == "parallel":
        xs = np.arange(len(pillars))
        for i, g in enumerate(groups):
            ax.plot(xs, grid.loc[g].to_numpy(dtype=float), label=str(g), linewidth=1.4,
                    markersize=6, markeredgecolor="white", **_style(i))
        ax.set_xticks(xs, names)
        ax.set_xlim(-0.3, len(pillars) - 0.7)
        ax.set_ylim(0, None)
        ax.set_xlabel("Pillar")
        ax.set_ylabel(f"{'Median' if values == 'estimate' else _name(values)} "
                      f"(points, 0–{top:.0f})")
        ax.grid(axis="x", visible=False)
    else:
        angles = np.linspace(0, 2 * np.pi, len(pillars), endpoint=False)
        closed = np.append(angles, angles[0])
        for i, g in enumerate(groups):
            v = grid.loc[g].to_numpy(dtype=float)
            ax.plot(closed, np.append(v, v[0]), label=str(g), linewidth=1.3, markersize=5,
                    **_style(i))
        ax.set_theta_offset(np.pi / 2)           # first pillar at the top, then clockwise
        ax.set_theta_direction(-1)
        ax.set_xticks(angles, names)
        peak = float(np.nanmax(grid.to_numpy(dtype=float))) if grid.size else top
        ax.set_ylim(0, min(top, 5 * np.ceil(peak * 1.1 / 5)) if np.isfinite(peak) else top)
        ax.set_rlabel_position(180 / len(pillars))  # radial labels between two axes
    by = data["by"].iloc[0] if "by" in data and len(data) else group
    ax.set_title(f"Pillar profile by {_name(str(by)).lower()}")
    ax.legend(title=_name(str(by)), loc="upper left", bbox_to_anchor=(1.02, 1.0),
              frameon=False)
    return ax


# ------------------------------------------------------------------ trends
def weekly_trend(data: NotedTable | pd.DataFrame, *, x: str = "week_end", y: str = "ssi",
                 hue: str | None = "team", order: Sequence[str] | None = None,
                 estimator: str = "mean", ax=None):
    """Weekly score per group: one line per ``hue`` group, the mean (or median) of its reps
    (``hue=None``: one line, of all reps).

    Parameters
    ----------
    data : WeeklyScores or DataFrame
        :func:`ssi_analysis.stats.weekly_scores` with the ``hue`` column (e.g.
        ``attach_groups(weekly, reps, by="team")``; with ``hue=None``, as it is).
    x, y, hue : str
        Week column (dates), score column, group column (``None``: all reps together).
    order : sequence, optional
        Groups to draw and their order; all, sorted by name, by default. More than eight
        groups repeat colours, so pass a selection (e.g. one industry's teams).
    estimator : {'mean', 'median'}
        How reps are summarised each week (the stats functions use the mean).
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from ssi_analysis.stats import attach_groups, weekly_scores
    >>> from ssi_analysis import score
    >>> from ssi_analysis.simulate import simulate
    >>> t, _ = simulate(60, seed=2, days=150)
    >>> w = weekly_scores(score(t["activity"], t["reps"], daily=True))
    >>> ax = weekly_trend(attach_groups(w, t["reps"], by="team"), order=["T01", "T03"])
    >>> len(ax.get_lines()), ax.get_xlabel()
    (2, 'Week ending')
    >>> weekly_trend(w, hue=None, ax=plt.figure().gca()).get_title()
    'Weekly SSI, all reps'
    >>> plt.close("all")
    """
    data = table_of(data)
    everyone = hue is None
    if everyone:
        hue = "_all"
        data = data.assign(_all="all reps")
    _need(data, x, y, hue)
    if estimator not in ("mean", "median"):
        raise ValueError(f"estimator must be 'mean' or 'median', got {estimator!r}")
    if ax is None:
        _, ax = plt.subplots()
    d = data.loc[data[hue].notna() & data[y].notna()]
    groups = _groups(d, hue, order)
    agg = d.loc[d[hue].isin(groups)].groupby([hue, x], sort=True)[y].agg([estimator, "size"])
    for i, g in enumerate(groups):
        s = agg.loc[g]
        n = int(s["size"].max())
        ax.plot(pd.to_datetime(s.index), s[estimator], label=f"{g} (n={n})", linewidth=1.4,
                markersize=4.5, **_style(i))
    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("Week ending")
    what = _name(y) if y == "ssi" else _name(y).lower()
    if everyone:
        ax.set_ylabel(_score_label(y, f", {estimator} of all reps"))
        ax.set_title(f"Weekly {what}, all reps")
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
        return ax
    ax.set_ylabel(_score_label(y, f", {hue.replace('_', ' ')} {estimator}"))
    ax.set_title(f"Weekly {what} by {hue.replace('_', ' ')}")
    ax.legend(title=_name(hue), loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    return ax


def leaderboard_chart(data: pd.DataFrame, *, y: str = "group", x: str = "estimate",
                      change: str | None = "change", top: int | None = None,
                      ci: bool = True, ax=None):
    """Horizontal bars ranked by score, best on top, with the week-over-week change written in.

    Parameters
    ----------
    data : DataFrame
        :func:`ssi_analysis.stats.leaderboard` (``group, estimate, ci_low, ci_high, change``).
        Rows that are not estimable (no score) are left out.
    y, x, change : str
        Label, score and change columns (``change=None`` writes no change).
    top : int, optional
        Show only the best ``top`` rows.
    ci : bool
        Draw the confidence interval of each bar (``ci_low``/``ci_high``) where there is one.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from ssi_analysis.stats import leaderboard, weekly_scores
    >>> from ssi_analysis import score
    >>> from ssi_analysis.simulate import simulate
    >>> t, _ = simulate(60, seed=2, days=150)
    >>> w = weekly_scores(score(t["activity"], t["reps"], daily=True))
    >>> ax = leaderboard_chart(leaderboard(w, t["reps"], by="team"))
    >>> len(ax.patches), ax.get_yticklabels()[0].get_text()
    (3, 'T01')
    >>> plt.close("all")
    """
    _need(data, y, x, *([change] if change else []))
    if ax is None:
        _, ax = plt.subplots()
    d = data.loc[data[x].notna()].sort_values(x, ascending=False, kind="stable")
    if top is not None:
        d = d.head(top)
    ypos = np.arange(len(d))[::-1]
    value = str(d["value"].iloc[0]) if "value" in d and len(d) else "ssi"
    ax.barh(ypos, d[x].to_numpy(dtype=float), height=0.65, color=PALETTE[0],
            edgecolor="#222222", linewidth=0.5)
    if ci and {"ci_low", "ci_high"} <= set(d.columns):
        lo = (d[x] - d["ci_low"]).to_numpy(dtype=float)
        hi = (d["ci_high"] - d[x]).to_numpy(dtype=float)
        ok = np.isfinite(lo) & np.isfinite(hi)
        if ok.any():
            ax.errorbar(d[x].to_numpy(dtype=float)[ok], ypos[ok], xerr=[lo[ok], hi[ok]],
                        fmt="none", ecolor="#222222", elinewidth=0.9, capsize=2.5)
    right = np.nanmax(np.r_[d[x].to_numpy(dtype=float),
                            d["ci_high"].to_numpy(dtype=float) if ci and "ci_high" in d
                            else np.array([])]) if len(d) else 1.0
    if not (np.isfinite(right) and right > 0):   # every score 0: an axis of some width
        right = 1.0
    for yp, (_, r) in zip(ypos, d.iterrows(), strict=True):
        text = f"{r[x]:.1f}"
        if change and pd.notna(r[change]):
            c = float(r[change])
            if abs(c) < 0.05:
                text += "  ■ 0.0"
            else:
                text += f"  {'▲' if c > 0 else '▼'} {c:+.1f}"
        ax.text(right * 1.02, yp, text, va="center", ha="left", fontsize=7.5)
    ax.set_yticks(ypos, [str(v) for v in d[y]])
    ax.set_xlim(0, right * 1.3)
    ax.set_ylim(-0.6, len(d) - 0.4)
    by = str(d["by"].iloc[0]) if "by" in d and len(d) else y
    ax.set_xlabel(_score_label(value, f", {'rep' if by == 'rep_id' else by} mean"))
    ax.set_ylabel("Rep" if by == "rep_id" else _name(by))
    week = f", week {d['week'].iloc[0]}" if "week" in d and len(d) else ""
    note = " (change on the week before)" if change else ""
    ax.set_title(f"Leaderboard{week}{note}")
    ax.grid(axis="y", visible=False)
    return ax
