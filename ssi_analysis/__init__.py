"""ssi-analysis: transparent Social Selling Index scores and honest tests of what they predict.

The pipeline reads like the modules: :func:`load_data` (input contract and quality report) ->
:func:`score` (pillars, SSI, ranks) -> analysis -> figures -> report.
"""

from .config import PILLARS, MetricSpec, ScoringConfig, default_config, load_config
from .errors import SSIConfigError, SSIDataError, SSIError, SSIInputError, SSIInputErrors
from .io import Bundle, QualityReport, example_data_dir, load_data
from .scoring import metric_presence, score

__all__ = [
    "PILLARS", "Bundle", "MetricSpec", "QualityReport", "SSIConfigError", "SSIDataError",
    "SSIError", "SSIInputError", "SSIInputErrors", "ScoringConfig", "default_config",
    "example_data_dir", "load_config", "load_data", "metric_presence", "score",
]
__version__ = "0.1.0"
