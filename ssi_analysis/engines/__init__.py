"""Scoring engines: the same scores, computed where the data fit.

Every engine computes the one scoring spec (:mod:`ssi_analysis.scoring.spec`). ``pandas``
(the default, :func:`ssi_analysis.score`; :mod:`ssi_analysis.scoring.frame`) scores in memory
with numpy: a year of daily activity for a few thousand reps in seconds. ``duckdb``
(:mod:`ssi_analysis.engines.duckdb`) runs the SQL the spec renders
(:mod:`ssi_analysis.scoring.sql`): in memory through ``score(..., engine="duckdb")``, or
straight from Parquet files larger than memory through
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
