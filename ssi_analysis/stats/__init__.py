"""Statistics on scores and outcomes: tidy DataFrame in, tidy results table out.

Every function returns a table with the columns ``n, estimate, ci_low, ci_high, p_val, p_adj``
(see :mod:`ssi_analysis.stats._common`) plus what its rows need, and marks rows it cannot
compute ``estimable = False`` with a reason. Where a caller needs the fitted statsmodels
objects, the ``*_fits`` functions of :mod:`.models` return them beside the table.
"""

from ._common import ADJUST_METHODS, CONFIDENCE, CORE_COLUMNS, bootstrap_ci, p_adjust
from .agreement import Calibration, agreement, calibrate, pair_scores
from .cr2 import CR2Design, cr2_test
from .industry import (
    ComparisonSettings,
    attach_groups,
    benchmarks,
    compare_groups,
    gaps_to_benchmark,
    group_gaps,
    group_sizes,
    industry_results,
    pairwise_groups,
)
from .member import latest_snapshots, member_history, member_trend, snapshot_weeks
from .specification import curve_summary, specification_curve
from .trends import change_distribution, leaderboard, ssi_trend, weekly_changes, weekly_scores

__all__ = ["ADJUST_METHODS", "CONFIDENCE", "CORE_COLUMNS", "bootstrap_ci", "p_adjust"]
__all__ += ["ComparisonSettings", "attach_groups", "benchmarks", "change_distribution",
            "compare_groups", "gaps_to_benchmark", "group_gaps", "group_sizes",
            "industry_results", "leaderboard", "pairwise_groups", "ssi_trend", "weekly_changes",
            "weekly_scores"]
__all__ += ["Calibration", "agreement", "calibrate", "pair_scores"]
__all__ += ["CR2Design", "cr2_test", "curve_summary", "specification_curve"]
__all__ += ["latest_snapshots", "member_history", "member_trend", "snapshot_weeks"]
