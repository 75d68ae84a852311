"""Statistics on scores and outcomes: tidy DataFrame in, tidy results table out.

Every function returns a table with the columns ``n, estimate, ci_low, ci_high, p_val, p_adj``
(see :mod:`ssi_analysis.stats._common`) plus what its rows need, and marks rows it cannot
compute ``estimable = False`` with a reason. Where a caller needs the fitted statsmodels
objects, the ``*_fits`` functions of :mod:`.models` return them beside the table. Functions
that take scores accept :class:`~ssi_analysis.scoring.Scores` (and a weekly series
:class:`WeeklyScores`) or a plain DataFrame; results that leave rows out say so in their
``.notes``.

Every public function is here: ``from ssi_analysis.stats import correlations, claim_check``.
The modules hold them by topic: :mod:`~ssi_analysis.stats.association` (correlations),
:mod:`~ssi_analysis.stats.claims` (LinkedIn's claims), :mod:`~ssi_analysis.stats.models`
(adjusted and time-order models), :mod:`~ssi_analysis.stats.cr2` (small-sample clustered
tests), :mod:`~ssi_analysis.stats.robustness` (E-values, power, window sensitivity),
:mod:`~ssi_analysis.stats.specification` (the specification curve),
:mod:`~ssi_analysis.stats.industry` (groups and benchmarks), :mod:`~ssi_analysis.stats.trends`
(weekly series) and :mod:`~ssi_analysis.stats.agreement` (computed vs LinkedIn's SSI).
"""

from ._common import ADJUST_METHODS, CONFIDENCE, CORE_COLUMNS, bootstrap_ci, p_adjust
from .agreement import Calibration, ScorePairs, agreement, calibrate, limit_ci, pair_scores
from .association import correlate, correlations
from .claims import claim_check, verdict
from .cr2 import CR2Design, cr2_test
from .industry import (
    ComparisonSettings,
    attach_groups,
    benchmarks,
    cliffs_delta,
    compare_groups,
    epsilon_squared,
    gaps_to_benchmark,
    group_gaps,
    group_sizes,
    industry_results,
    omega_squared_from_f,
    pairwise_groups,
)
from .member import latest_snapshots, member_history, member_trend, snapshot_weeks
from .models import (
    Design,
    Fitted,
    adjusted_fits,
    adjusted_models,
    design,
    pillar_fits,
    pillar_model,
    time_order,
    time_order_fits,
)
from .robustness import (
    e_value,
    e_value_ci,
    power_at,
    robustness,
    to_risk_ratio,
    window_sensitivity,
)
from .specification import curve_summary, specification_curve
from .trends import (
    WeeklyScores,
    change_distribution,
    leaderboard,
    ssi_trend,
    weekly_changes,
    weekly_scores,
)

__all__ = ["ADJUST_METHODS", "CONFIDENCE", "CORE_COLUMNS", "bootstrap_ci", "p_adjust"]
__all__ += ["correlate", "correlations", "claim_check", "verdict", "CR2Design", "cr2_test",
            "Design", "Fitted", "adjusted_fits", "adjusted_models", "design", "pillar_fits",
            "pillar_model", "time_order", "time_order_fits", "e_value", "e_value_ci",
            "power_at", "robustness", "to_risk_ratio", "window_sensitivity", "curve_summary",
            "specification_curve"]
__all__ += ["ComparisonSettings", "attach_groups", "benchmarks", "cliffs_delta",
            "compare_groups", "epsilon_squared", "gaps_to_benchmark", "group_gaps",
            "group_sizes", "industry_results", "omega_squared_from_f", "pairwise_groups"]
__all__ += ["WeeklyScores", "change_distribution", "leaderboard", "ssi_trend", "weekly_changes",
            "weekly_scores"]
__all__ += ["Calibration", "ScorePairs", "agreement", "calibrate", "limit_ci", "pair_scores"]
__all__ += ["latest_snapshots", "member_history", "member_trend", "snapshot_weeks"]
