"""Figures of agreement between the transparent score and the SSI LinkedIn shows."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ._theme import MARKERS, PALETTE

_NAMES = {"ssi": "SSI", "brand": "Brand", "people": "People", "insights": "Insights",
          "relationships": "Relationships"}


def bland_altman(data, *, measure: str = "ssi", observed: str = "{}_observed",
                 computed: str = "{}_computed", results=None, n_resamples: int = 2000,
                 seed: int = 0, ax=None):
    """Bland-Altman plot: computed - observed against their mean, with bias and limits.

    Each point is one snapshot (a rep on a date). The solid line is the bias (mean
    difference), the dashed lines the 95% limits of agreement; shaded bands are their
    confidence intervals, and a dotted line marks no difference.

    Parameters
    ----------
    data : DataFrame
        Pairs, e.g. from :func:`ssi_analysis.stats.agreement.pair_scores`.
    measure : str
        ``ssi`` or a pillar.
    observed, computed : str
        Column name patterns; ``{}`` is the measure.
    results : DataFrame, optional
        An :func:`~ssi_analysis.stats.agreement.agreement` table holding this measure;
        computed here (with ``n_resamples`` and ``seed``) when not given.
    ax : Axes, optional
        Where to draw; a new figure's Axes otherwise.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> pairs = pd.DataFrame({"rep_id": list("abcdefgh"),
    ...                       "ssi_observed": [30, 42, 35, 50, 28, 61, 44, 39.0],
    ...                       "ssi_computed": [33, 45, 36, 55, 30, 60, 49, 41.0]})
    >>> ax = bland_altman(pairs, n_resamples=200)
    >>> ax.get_ylabel()
    'Computed − LinkedIn SSI (points)'
    >>> plt.close(ax.figure)
    """
    from ..stats.agreement import agreement

    if ax is None:
        _, ax = plt.subplots()
    ocol, ccol = observed.format(measure), computed.format(measure)
    pairs = data[[ocol, ccol]].dropna()
    x = pairs[ocol].to_numpy(dtype=float)
    y = pairs[ccol].to_numpy(dtype=float)
    mean, diff = (x + y) / 2, y - x
    if results is None:
        results = agreement(data, measures=[measure], observed=observed, computed=computed,
                            cluster="rep_id" if "rep_id" in data else None,
                            n_resamples=n_resamples, seed=seed)
    res = results[results["measure"] == measure].set_index("statistic")
    name = _NAMES.get(measure, measure)
    ax.scatter(mean, diff, s=10, marker=MARKERS[0], facecolors="none", edgecolors=PALETTE[0],
               linewidths=0.6, alpha=0.6, label=f"snapshot (n = {len(pairs)})")
    ax.axhline(0, color="#555555", linestyle=":", linewidth=0.8, label="no difference")
    styles = {"bias": ("-", PALETTE[3], "bias"), "loa_low": ("--", PALETTE[1], "95% limits"),
              "loa_high": ("--", PALETTE[1], None)}
    for stat, (ls, colour, label) in styles.items():
        if stat not in res.index or not bool(res.loc[stat, "estimable"]):
            continue
        est, lo, hi = (float(res.loc[stat, c]) for c in ("estimate", "ci_low", "ci_high"))
        ax.axhline(est, color=colour, linestyle=ls, linewidth=1.3, label=label)
        if np.isfinite(lo) and np.isfinite(hi):
            ax.axhspan(lo, hi, color=colour, alpha=0.15, linewidth=0,
                       hatch="//" if stat != "bias" else None)
        ax.annotate(f"{est:+.1f}", xy=(1.0, est), xycoords=("axes fraction", "data"),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=7,
                    color=colour)
    ax.set_xlabel(f"Mean of LinkedIn and computed {name} (points)")
    ax.set_ylabel(f"Computed − LinkedIn {name} (points)")
    n_reps = int(res["n_reps"].iloc[0]) if len(res) and "n_reps" in res else None
    ax.set_title(f"{name} vs LinkedIn" + (f" ({n_reps} reps)" if n_reps else ""))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, frameon=False,
              fontsize=7)
    return ax
