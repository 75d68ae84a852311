"""Figures, seaborn-style: ``data`` first, keyword-only columns, draw on the given Axes, return it.

Nothing here shows or saves a figure, and importing the package changes no global style: apply
the house theme explicitly with :func:`theme` (a context manager) and save with
:func:`save_figure`. The palette is Okabe-Ito (colour-blind safe); hatches and markers keep
groups apart in grey-scale print.

One module per subject: :mod:`.scores` (score distributions) and the analysis, industry and
agreement figures beside it; everything public is importable from here.
"""

from ._theme import A4_WIDTH_IN, HATCHES, MARKERS, PALETTE, save_figure, theme
from .agreement import bland_altman
from .analysis import (
    attainment_by_band,
    claims_forest,
    coefficients,
    specification_curve,
    ssi_vs_attainment,
)
from .industry import (
    leaderboard_chart,
    pillar_distributions,
    pillar_heatmap,
    pillar_profile,
    weekly_trend,
)
from .member import member_ranks, member_vs_groups
from .scores import SSI_BANDS, ssi_distribution

__all__ = ["A4_WIDTH_IN", "HATCHES", "MARKERS", "PALETTE", "SSI_BANDS", "attainment_by_band",
           "claims_forest", "coefficients", "leaderboard_chart", "pillar_distributions",
           "pillar_heatmap", "pillar_profile", "save_figure", "ssi_distribution",
           "ssi_vs_attainment", "theme", "weekly_trend"]
__all__ += ["bland_altman", "specification_curve"]
__all__ += ["member_ranks", "member_vs_groups"]
