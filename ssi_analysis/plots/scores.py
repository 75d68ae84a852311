"""Figures of the scores themselves: distributions of SSI and its pillars."""

from __future__ import annotations

import matplotlib.pyplot as plt

from ._theme import PALETTE

SSI_BANDS: tuple[tuple[float, float, str], ...] = (
    (0, 30, "below average"), (30, 50, "ordinary"), (50, 70, "above average"), (70, 100, "strong"))
"""Rules of thumb users quote for SSI (shared domain notes, seed 001)."""


def ssi_distribution(data, *, x: str = "ssi", bins: int = 25, bands: bool = True, ax=None):
    """Histogram of a score column with the usual SSI bands shaded.

    Parameters
    ----------
    data : DataFrame
        Scores, e.g. from :func:`ssi_analysis.score`.
    x : str
        Column to plot (``ssi`` or a pillar).
    bins : int
        Number of bins.
    bands : bool
        Shade LinkedIn's rule-of-thumb bands (only for ``ssi``).
    ax : Axes, optional
        Where to draw; a new figure's Axes otherwise.

    Returns
    -------
    Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    values = data[x].dropna()
    top = 100 if x == "ssi" else 25
    ax.hist(values, bins=bins, range=(0, top), color=PALETTE[0], edgecolor="white")
    if bands and x == "ssi":
        greys = ("#f2f2f2", "#ffffff", "#f2f2f2", "#ffffff")
        for (lo, hi, label), grey in zip(SSI_BANDS, greys, strict=True):
            ax.axvspan(lo, hi, color=grey, zorder=0)
            ax.text((lo + hi) / 2, 0.98, label, transform=ax.get_xaxis_transform(),
                    ha="center", va="top", fontsize=7, color="#555555")
    ax.set_xlim(0, top)
    ax.set_xlabel(f"{'SSI' if x == 'ssi' else x.capitalize()} (points, 0–{top})")
    ax.set_ylabel("Reps")
    ax.set_title(f"{'SSI' if x == 'ssi' else x.capitalize()} across {len(values)} reps")
    return ax
