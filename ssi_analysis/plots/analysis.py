"""Figures of the SSI-vs-outcome analysis: scatter with fit, bands, claims forest, coefficients.

Each function takes tidy data first (the panel, or a results table from
:mod:`ssi_analysis.stats`), column names keyword-only, draws on ``ax`` (or a new Axes) and
returns it. Intervals drawn are the ones the statistics computed (or, for the fit band and the
band means, computed here with statsmodels and clustered by rep), never smoothed by eye.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import statsmodels.api as sm

from ._theme import MARKERS, PALETTE
from .scores import SSI_BANDS

_LABELS = {"ssi": "SSI at period start (points, 0–100)",
           "attainment": "Quota attainment (bookings ÷ quota)",
           "hit_quota": "Share of rep-periods at or above quota"}


def _cluster_fit(y: np.ndarray, X: np.ndarray, groups: np.ndarray):
    """OLS with errors clustered by ``groups``, or ``None`` where such errors do not exist:
    fewer than two groups, or no more rows than coefficients (one rep, or one rep-period per
    band)."""
    codes = pd.factorize(groups)[0]
    if len(np.unique(codes)) < 2 or len(y) <= np.linalg.matrix_rank(X):
        return None
    return sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)


_NO_CI = "no 95% CI: errors clustered by rep need 2 or more reps and more rep-periods than bands"
_NO_FIT = "no fit line: it needs 2 or more reps, 3 or more rep-periods and differing SSI"


def _note(ax, text: str) -> None:
    """A short note at the top of the axes (what could not be drawn, and why)."""
    ax.text(0.5, 0.97, text, transform=ax.transAxes, ha="center", va="top", fontsize=7,
            color="#444444")


def ssi_vs_attainment(data: pd.DataFrame, *, x: str = "ssi", y: str = "attainment",
                      cluster: str = "rep_id", hexbin_above: int = 3000, ax=None):
    """Scatter (hexbin for large n) of SSI and attainment with the OLS line and its 95% band.

    The band is the confidence interval of the fitted mean, with errors clustered by rep.

    Parameters
    ----------
    data : DataFrame
        The panel.
    x, y : str
        Columns (default ``ssi`` and ``attainment``).
    cluster : str
        Column the fit's errors are clustered by.
    hexbin_above : int
        Draw a hexbin instead of points when there are more rows than this.
    ax : Axes, optional
    """
    if ax is None:
        _, ax = plt.subplots()
    d = data[[x, y, cluster]].dropna()
    if len(d) > hexbin_above:
        hb = ax.hexbin(d[x], d[y], gridsize=40, cmap="Greys", mincnt=1, linewidths=0)
        ax.figure.colorbar(hb, ax=ax, label="Rep-periods")
    else:
        ax.scatter(d[x], d[y], s=9, alpha=0.45, color=PALETTE[0], edgecolor="none",
                   label="rep-period")
    fit = None
    if len(d) >= 3 and d[x].nunique() > 1:
        fit = _cluster_fit(d[y].to_numpy(), sm.add_constant(d[x].to_numpy()),
                           d[cluster].to_numpy())
    if fit is not None:
        grid = np.linspace(d[x].min(), d[x].max(), 100)
        pred = fit.get_prediction(sm.add_constant(grid)).summary_frame(alpha=0.05)
        ax.fill_between(grid, pred["mean_ci_lower"], pred["mean_ci_upper"], color=PALETTE[1],
                        alpha=0.3, linewidth=0, label="95% CI of the fit")
        ax.plot(grid, pred["mean"], color=PALETTE[3], linewidth=2,
                label=f"OLS fit: {fit.params[1] * 10:+.3f} per 10 points")
        ax.legend(loc="upper left", frameon=False)
    elif len(d):
        _note(ax, _NO_FIT)
    if y == "attainment":
        ax.axhline(1.0, color="#555555", linestyle=":", linewidth=1)
    ax.set_xlabel(_LABELS.get(x, x))
    ax.set_ylabel(_LABELS.get(y, y))
    ax.set_title(f"SSI and attainment ({len(d)} rep-periods, {d[cluster].nunique()} reps)")
    return ax


def attainment_by_band(data: pd.DataFrame, *, x: str = "ssi", y: str = "attainment",
                       cluster: str = "rep_id", bands=SSI_BANDS, ax=None):
    """Mean outcome per SSI band (LinkedIn's rules of thumb) with 95% CIs clustered by rep.

    Bands with no rep-periods are shown as empty with ``n = 0``; the mean and CI of each band
    come from one OLS of the outcome on band indicators with errors clustered by rep.
    """
    if ax is None:
        _, ax = plt.subplots()
    d = data[[x, y, cluster]].dropna()
    edges = [b[0] for b in bands] + [bands[-1][1]]
    band = pd.cut(d[x], bins=edges, labels=False, include_lowest=True, right=False)
    band = band.where(d[x] < edges[-1], len(bands) - 1)  # 100 belongs to the top band
    counts = band.value_counts().reindex(range(len(bands)), fill_value=0)
    present = [i for i in range(len(bands)) if counts[i] > 0]
    X = pd.get_dummies(pd.Categorical(band, categories=present), dtype=float).to_numpy()
    means = lows = highs = np.array([])
    fit = _cluster_fit(d[y].to_numpy(), X, d[cluster].to_numpy()) if len(present) else None
    if fit is not None:
        means = fit.params
        ci = fit.conf_int(alpha=0.05)
        lows, highs = ci[:, 0], ci[:, 1]
    elif len(present):   # the band means without intervals
        means = d[y].groupby(band.to_numpy()).mean().reindex(present).to_numpy()
        lows = highs = means
    pos = np.arange(len(bands))
    ax.bar([pos[i] for i in present], means, color=PALETTE[0], alpha=0.8, width=0.6,
           hatch="//", edgecolor="white")
    ax.errorbar([pos[i] for i in present], means, yerr=[means - lows, highs - means], fmt="none",
                ecolor="black", capsize=4, linewidth=1.2)
    labels = [f"{lo:g}–{hi:g}\n{textwrap.fill(name, 9)}\nn = {counts[i]}"
              for i, (lo, hi, name) in enumerate(bands)]
    if y == "attainment":
        ax.axhline(1.0, color="#555555", linestyle=":", linewidth=1)
    ax.set_xticks(pos, labels)
    ax.margins(y=0.08)
    ax.set_xlabel("SSI band at period start (points)")
    ax.set_ylabel({"attainment": "Mean attainment (bookings ÷ quota)",
                   "hit_quota": "Share hitting quota"}.get(y, f"Mean {y}"))
    ax.set_title("Outcome by SSI band, with 95% CIs")
    if fit is None and len(present):
        _note(ax, _NO_CI)
    ax.grid(axis="x", visible=False)
    return ax


RATIO_TICKS = (0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4, 6, 8)
"""Ticks a ratio axis may show (log scale)."""


def log_ticks(lo: float, hi: float, *, candidates: Sequence[float] = RATIO_TICKS,
              min_gap: float = 0.09) -> list[float]:
    """Ticks of a log axis from ``lo`` to ``hi`` whose labels cannot overlap: each at least
    ``min_gap`` of the axis' width (in log units) from the one before, 1 always kept.

    On a wide axis 1.25 and 1.5 sit too close for their labels; then 1.25 goes.

    >>> log_ticks(0.8, 1.8)
    [1, 1.25, 1.5]
    >>> log_ticks(0.3, 5.0)
    [0.5, 0.75, 1, 1.5, 2, 3, 4]
    """
    inside = [t for t in candidates if lo <= t <= hi]
    span = np.log(hi) - np.log(lo)
    if not inside or span <= 0:
        return inside
    chosen = [1] if 1 in inside else []
    for t in sorted(inside, key=lambda t: (t != 1, abs(np.log(t)))):   # out from 1
        if all(abs(np.log(t) - np.log(c)) >= min_gap * span for c in chosen):
            chosen.append(t)
    return sorted(set(chosen))


def separate_tick_labels(ax, *, keep: float = 1.0, pad: float = 4.0) -> None:
    """Drop x tick labels that would touch another (at the figure's size), keeping ``keep``
    and then those nearest it: ``1.25`` and ``1.5`` of a wide log axis do not overlap."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ticks = list(ax.get_xticks())
    labels = ax.get_xticklabels()
    boxes = [lab.get_window_extent(renderer) for lab in labels]
    order = sorted(range(len(ticks)),
                   key=lambda i: (ticks[i] != keep, abs(np.log(ticks[i])) if ticks[i] > 0
                                  else np.inf))
    chosen: list[int] = []
    for i in order:
        if all(boxes[i].x1 + pad < boxes[j].x0 or boxes[j].x1 + pad < boxes[i].x0
               for j in chosen):
            chosen.append(i)
    if len(chosen) < len(ticks):
        kept = sorted(chosen)
        ax.set_xticks([ticks[i] for i in kept], [labels[i].get_text() for i in kept])


def claims_forest(data: pd.DataFrame, *, ax=None):
    """Forest plot of LinkedIn's claims: observed ratio with CI beside the claimed ratio.

    ``data`` is the table of :func:`ssi_analysis.stats.claims.claim_check`. Rows that could not
    be estimated are listed with why ("too few reps to say", "not estimable", "not
    applicable") instead of a point.
    The x axis is logarithmic (ratios), with a line at 1 (no difference).
    """
    if ax is None:
        _, ax = plt.subplots()
    rows = data.reset_index(drop=True)
    ypos = np.arange(len(rows))[::-1]
    names = {"opportunities": "Opportunities", "quota": "Hitting quota",
             "productivity": "Bookings"}
    labels = [f"{names.get(r.claim, r.claim)}: {r.comparison}" for r in rows.itertuples()]
    est = rows[rows.estimable]
    ye = ypos[rows.estimable.to_numpy()]
    ax.errorbar(est.estimate, ye, xerr=[est.estimate - est.ci_low, est.ci_high - est.estimate],
                fmt=MARKERS[0], color=PALETTE[0], ecolor=PALETTE[0], capsize=3,
                label="observed ratio (95% CI)")
    ax.scatter(rows.claimed, ypos, marker="D", facecolor="white", edgecolor=PALETTE[3],
               zorder=3, s=30, label="LinkedIn's claim")
    ax.axvline(1.0, color="#555555", linewidth=1, linestyle=":")
    ax.set_xscale("log")
    lo = np.nanmin(np.r_[est.ci_low.to_numpy(dtype=float), 0.8])
    hi = np.nanmax(np.r_[est.ci_high.to_numpy(dtype=float), rows.claimed.max() * 1.15])
    ax.set_xlim(lo * 0.9, hi * 1.1)
    ticks = log_ticks(lo * 0.9, hi * 1.1)
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    separate_tick_labels(ax)
    ax.minorticks_off()
    for y, r in zip(ypos, rows.itertuples(), strict=True):
        if not r.estimable:         # why, as its verdict starts: too few reps, not applicable
            ax.text(lo * 0.92, y, str(r.verdict).partition(": ")[0], va="center", ha="left",
                    fontsize=7, color="#444444")
    ax.set_yticks(ypos, labels)
    ax.set_xlabel("Ratio, high-SSI group ÷ low-SSI group (log scale)")
    ax.set_title("LinkedIn's claims: claimed vs observed", pad=22)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False,
              borderaxespad=0.2)
    ax.grid(axis="y", visible=False)
    return ax


def coefficients(data: pd.DataFrame, *, scale: str = "difference", ax=None):
    """Coefficient plot of the SSI term of each model, per 10 SSI points, with 95% CIs.

    ``data`` is a models table (:func:`~ssi_analysis.stats.models.adjusted_models`, optionally
    with :func:`~ssi_analysis.stats.models.time_order` rows). ``scale='difference'`` plots the
    rows in attainment (share of quota); ``'ratio'`` the odds and rate ratios (log axis). Rows
    on other scales (the marginal effect in probability) are left to the table.
    """
    if ax is None:
        _, ax = plt.subplots()
    if scale not in ("difference", "ratio"):
        raise ValueError(f"scale must be 'difference' or 'ratio', got {scale!r}")
    kind = data["effect_type"].str.contains("ratio") if scale == "ratio" else \
        data["effect_type"].str.startswith("difference in attainment")
    rows = data[kind & data["scale"].eq("per 10 SSI points") & data["estimable"]]
    rows = rows.reset_index(drop=True)
    ypos = np.arange(len(rows))[::-1]
    ax.errorbar(rows.estimate, ypos, xerr=[rows.estimate - rows.ci_low,
                                           rows.ci_high - rows.estimate],
                fmt=MARKERS[1], color=PALETTE[0], capsize=3)
    null = 1.0 if scale == "ratio" else 0.0
    ax.axvline(null, color="#555555", linewidth=1, linestyle=":")
    if scale == "ratio":
        ax.set_xscale("log")
        ax.minorticks_off()
        ticks = np.round(np.linspace(rows.ci_low.min(), rows.ci_high.max(), 4), 2) \
            if len(rows) else []
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_yticks(ypos, [f"{r.model}\n({r.outcome}, n = {r.n})" for r in rows.itertuples()])
    ax.set_xlabel("Ratio per 10 SSI points (log scale)" if scale == "ratio" else
                  "Difference in attainment per 10 SSI points (share of quota)")
    ax.set_title("SSI term by model, with 95% CIs")
    ax.grid(axis="y", visible=False)
    return ax


_CHOICE_LABELS = {"tenure": "Tenure", "region": "Region", "window_days": "Window (days)",
                  "score": "Score", "outcome": "Outcome", "cluster": "Clustered by"}


def specification_curve(data: pd.DataFrame, *, choices=tuple(_CHOICE_LABELS), axes=None):
    """The specification curve (Simonsohn, Simmons & Nelson 2020): every specification's
    estimate with its 95% CI, sorted, and beneath it which choices made it.

    ``data`` is the table of :func:`ssi_analysis.stats.specification.specification_curve`.
    Estimates are drawn in percentage points per 10 SSI points (of quota for attainment, of
    the chance of hitting quota for the linear probability model); filled points have a CI
    that excludes 0, the main specification is ringed. Specifications that could not be
    estimated are counted in the title.

    Parameters
    ----------
    data : DataFrame
    choices : sequence of str
        The choice columns shown beneath, top to bottom (those with one option are left out).
    axes : (Axes, Axes), optional
        The curve's and the choices' Axes (sharing x); default a new figure with both.

    Returns
    -------
    (Axes, Axes)
    """
    if axes is None:
        shown = [c for c in choices if c in data and data[c].nunique() > 1]
        n_rows = sum(data[c].nunique() for c in shown)
        fig, axes = plt.subplots(2, 1, sharex=True, figsize=(6.3, 2.6 + 0.16 * n_rows),
                                 gridspec_kw={"height_ratios": [2.4, 0.3 + 0.16 * n_rows]})
    top, bottom = axes
    ok = data[data["estimable"]].sort_values("estimate", kind="stable").reset_index(drop=True)
    x = np.arange(len(ok))
    clear = (ok["ci_low"] > 0) | (ok["ci_high"] < 0)
    est, lo, hi = (100 * ok[c].to_numpy(dtype=float) for c in ("estimate", "ci_low",
                                                               "ci_high"))
    top.vlines(x, lo, hi, color=np.where(clear, PALETTE[0], "#9a9a9a"), linewidth=1.2)
    top.scatter(x[clear], est[clear], s=12, color=PALETTE[0], zorder=3,
                label="95% CI excludes 0")
    top.scatter(x[~clear], est[~clear], s=12, facecolor="white", edgecolor="#777777",
                zorder=3, label="95% CI includes 0")
    main = ok["main"].astype(bool).to_numpy() if "main" in ok else np.zeros(len(ok), bool)
    if main.any():
        top.scatter(x[main], est[main], s=70, facecolor="none", edgecolor=PALETTE[3],
                    linewidth=1.4, zorder=4, label="main specification")
    top.axhline(0, color="#555555", linewidth=1, linestyle=":")
    top.set_ylabel("Percentage points\nper 10 SSI points")
    n_out = len(data) - len(ok)
    top.set_title(f"Specification curve: {len(ok)} specifications, {int(clear.sum())} with a "
                  f"95% CI excluding 0" + (f" ({n_out} not estimable)" if n_out else ""))
    top.legend(loc="upper left", frameon=False, ncol=1)
    top.grid(axis="x", visible=False)
    labels, ypos, y = [], [], 0
    for choice in [c for c in choices if c in ok and ok[c].nunique() > 1]:
        options = [o for o in data[choice].unique() if (ok[choice] == o).any()]
        if all(pd.api.types.is_number(o) for o in options):
            options = sorted(options)
        for option in options:
            on = (ok[choice] == option).to_numpy()
            bottom.scatter(x[on], np.full(on.sum(), y), s=6, marker="|",
                           color=np.where(clear[on], PALETTE[0], "#9a9a9a"))
            labels.append(f"{_CHOICE_LABELS.get(choice, choice)}: {option}")
            ypos.append(y)
            y -= 1
    bottom.set_yticks(ypos, labels, fontsize=6.5)
    bottom.set_ylim(y + 0.5, 0.5)
    bottom.set_xlabel("Specifications, sorted by estimate")
    bottom.grid(visible=False)
    bottom.tick_params(axis="x", bottom=False, labelbottom=False)
    return top, bottom
