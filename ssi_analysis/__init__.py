"""ssi-analysis: transparent Social Selling Index scores and honest tests of what they predict.

The pipeline reads like the modules: :func:`load_data` (input contract and quality report) ->
:func:`score` (pillars, SSI, ranks: :class:`Scores`) -> :func:`build_panel` (SSI before each
outcome period) -> :func:`analyze` (statistics and summary) -> figures -> report. Each step
takes the value the one before gives, so the activity is scored once::

    bundle = load_data(folder)
    scores = score(bundle.activity, bundle.reps, daily=True)
    result = analyze(build_panel(bundle, scores=scores))
"""

__version__ = "0.1.0"

from .config import (  # noqa: E402
    PILLARS,
    AnalysisConfig,
    MetricSpec,
    ScoringConfig,
    default_config,
    load_analysis_config,
    load_config,
)
from .errors import (  # noqa: E402
    SSIConfigError,
    SSIDataError,
    SSIError,
    SSIInputError,
    SSIInputErrors,
    SSIOutputError,
)
from .io import Bundle, QualityReport, example_data_dir, load_data  # noqa: E402
from .panel import Panel, build_panel  # noqa: E402
from .scoring import Scores, metric_presence, score  # noqa: E402

_LAZY = {"Analysis": ".analysis", "analyze": ".analysis"}
"""Imported when first used: the statistics bring scipy and statsmodels (a second of start-up
that ``ssi-analysis score`` and ``load_data`` do not need)."""


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "PILLARS", "Analysis", "AnalysisConfig", "Bundle", "MetricSpec", "Panel", "QualityReport",
    "SSIConfigError", "SSIDataError", "SSIError", "SSIInputError", "SSIInputErrors",
    "SSIOutputError", "Scores", "ScoringConfig", "analyze", "build_panel", "default_config",
    "example_data_dir", "load_analysis_config", "load_config", "load_data", "metric_presence",
    "score",
]
