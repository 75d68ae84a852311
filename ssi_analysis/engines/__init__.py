"""Scoring engines: the same scores, computed where the data fit.

``pandas`` (the default, :func:`ssi_analysis.score`) scores in memory with numpy: a year of
daily activity for a few thousand reps in seconds. ``duckdb``
(:mod:`ssi_analysis.engines.duckdb`) runs SQL generated from the same
:class:`~ssi_analysis.config.ScoringConfig`: in memory through
``score(..., engine="duckdb")``, or straight from Parquet files larger than memory through
:func:`~ssi_analysis.engines.duckdb.score_parquet`, spilling to disk. The engines give the
same scores (the test suite checks it).
"""

from __future__ import annotations

from ..errors import SSIConfigError


def require_duckdb():
    """The ``duckdb`` module, or a clear error saying how to install it."""
    try:
        import duckdb
    except ImportError:
        raise SSIConfigError(
            "the duckdb engine needs the duckdb package, which is not installed",
            fix="pip install 'ssi-analysis[duckdb]' (make install does), "
                "or use --engine pandas") from None
    return duckdb
