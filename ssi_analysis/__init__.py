"""ssi-analysis: transparent Social Selling Index scores and honest tests of what they predict.

The pipeline reads like the modules: :func:`load_data` (input contract and quality report) ->
:func:`score` (pillars, SSI, ranks) -> :func:`build_panel` (SSI before each outcome period)
-> :func:`analyze` (statistics and summary) -> figures -> report.
"""

__version__ = "0.1.0"

from .analysis import Analysis, analyze  # noqa: E402
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
)
from .io import Bundle, QualityReport, example_data_dir, load_data  # noqa: E402
from .panel import Panel, build_panel  # noqa: E402
from .scoring import metric_presence, score  # noqa: E402

__all__ = [
    "PILLARS", "Analysis", "AnalysisConfig", "Bundle", "MetricSpec", "Panel", "QualityReport",
    "SSIConfigError", "SSIDataError", "SSIError", "SSIInputError", "SSIInputErrors",
    "ScoringConfig", "analyze", "build_panel", "default_config", "example_data_dir",
    "load_analysis_config", "load_config", "load_data", "metric_presence", "score",
]
