"""Transparent SSI-style scores from activity: trailing windows, 0..1 curves, pillars, ranks.

How a score is built, for a rep on an as-of date ``d`` (all settings in
:class:`~ssi_analysis.config.ScoringConfig`, defaults in ``scoring.toml``):

1. **Window.** Every count metric is summed over the trailing window of ``window_days`` days
   ending on ``d`` (``d - window_days + 1`` to ``d``, both included). A level metric
   (``profile_completeness``) takes its last value at or before ``d`` (0 before the first one).
   ``days_active`` counts the days in the window with any count above 0.
2. **Metric score in 0..1.** ``absolute`` mode (default): a count ``x`` scores
   ``1 - 0.5 ** (x / half)``; a level scores its value; a rate scores
   ``min(r / target, 1)`` with ``r = (num + prior * prior_n) / (den + prior_n)``, the window's
   rate shrunk toward ``prior`` when the denominator is small (a rate earns nothing when
   nothing was sent in the window: no outreach, no credit). ``relative`` mode: each metric's
   percentile within the rep's cohort (industry or team) on that date, ``(number of reps with a
   lower value) / (cohort size - 1)`` (0.5 for a cohort of one).
3. **Pillar** = ``25 x`` the weighted mean of its metrics' scores, over the metrics present in
   the data: a metric that never appears in the activity is left out and the weights of its
   pillar renormalised (absent is not zero). **SSI** = the sum of the four pillars (0..100).
4. **Ranks.** ``industry_rank_pct`` and ``team_rank_pct`` are LinkedIn's "Top N%": ``100 x``
   (number of reps in the group scoring at least as high) / (group size), so 1 is best and
   100 is last. Reps without an industry (team) have no rank there (NaN, with a note).

In absolute mode more activity never lowers a score, except the denominators of the rates
(``messages_sent``, ``connection_requests_sent``, ``inmails_sent``): unanswered outreach lowers
the reply or acceptance rate, as LinkedIn says unanswered messages count against a member.

The package reads like the steps: :mod:`~ssi_analysis.scoring.spec` says what is computed
(the window quantities, every formula as an expression, the ranks), once, for every engine;
:mod:`~ssi_analysis.scoring.inputs` checks and codes DataFrames; the engines compute the spec:
:mod:`~ssi_analysis.scoring.frame` with numpy (the default) and the SQL of
:mod:`~ssi_analysis.scoring.sql` in DuckDB (:mod:`ssi_analysis.engines.duckdb`) or Spark
(:mod:`ssi_analysis.engines.spark`). :func:`score`
returns :class:`Scores`: the table and its notes.

Examples
--------
>>> from ssi_analysis import load_data, example_data_dir
>>> b = load_data(example_data_dir())
>>> s = score(b.activity, b.reps)
>>> s
Scores: 300 reps as of 2026-06-30; absolute mode, 90-day window...
>>> list(s.table.columns)
['rep_id', 'date', 'brand', 'people', 'insights', 'relationships', 'ssi', 'industry_rank_pct', 'team_rank_pct']
>>> t = s.table
>>> bool(((t.ssi >= 0) & (t.ssi <= 100)).all()), t.rep_id.is_unique
(True, True)
"""

from __future__ import annotations

import pandas as pd

from ..config import ScoringConfig, default_config
from ..errors import SSIConfigError
from .frame import cohort_percentile, count_curve, rate_curve, score_frame, shrunk_rate, top_pct
from .inputs import is_dated, prepare
from .scores import Scores
from .spec import OUTPUT_COLUMNS, RANKS, check_pillars, pillar_notes, presence

__all__ = ["ENGINES", "OUTPUT_COLUMNS", "RANKS", "Scores", "check_scorable", "cohort_percentile",
           "count_curve", "metric_presence", "pillar_notes", "scoring_coverage", "rate_curve", "score", "shrunk_rate", "top_pct"]

ENGINES = ("pandas", "duckdb", "spark")
"""Where :func:`score` computes: ``pandas`` in memory (default), ``duckdb`` or ``spark`` in SQL."""


def metric_presence(activity: pd.DataFrame, config: ScoringConfig | None = None, *,
                    dated: bool | None = None) -> pd.DataFrame:
    """Which scored metrics the data can support, and the effective weight of each.

    Returns one row per scored metric: ``metric, pillar, kind, weight, present, share``, where
    ``share`` is the metric's weight as a fraction of its pillar after renormalising over the
    metrics present (0 when absent).

    Examples
    --------
    >>> act = pd.DataFrame({"rep_id": ["a"], "date": pd.to_datetime(["2026-01-01"]),
    ...                     "metric": ["posts"], "value": [3.0]})
    >>> p = metric_presence(act)
    >>> p.loc[p.metric == "posts", "share"].item()
    1.0
    """
    config = config or default_config()
    return presence(set(pd.unique(activity["metric"])), len(activity) > 0, config,
                    dated=is_dated(activity, dated))


def check_scorable(activity: pd.DataFrame, config: ScoringConfig | None = None) -> None:
    """Raise :class:`SSIInputError` if no pillar has a metric in ``activity`` to score it (a
    pillar without one is not scored: :func:`pillar_notes` says so)."""
    config = config or default_config()
    check_pillars(metric_presence(activity, config), config)


def scoring_coverage(activity: pd.DataFrame, config: ScoringConfig | None = None, *,
                     dated: bool | None = None) -> list[str]:
    """What each pillar is scored from, when that is not every pillar from dated activity:
    the metrics present with their renormalised shares, the pillars not scored, and how period
    totals were spread (``[]`` for dated activity scoring every pillar).

    Examples
    --------
    >>> act = pd.DataFrame({"rep_id": ["a"], "date": pd.to_datetime(["2026-01-01"]),
    ...                     "metric": ["posts"], "value": [3.0]})
    >>> scoring_coverage(act)[0]
    'brand scored from posts 1.00 (shares of the pillar; weights renormalised over the metrics present)'
    """
    config = config or default_config()
    table = metric_presence(activity, config, dated=dated)
    lines = pillar_notes(table, config)
    if is_dated(activity, dated):
        return lines if not table.groupby("pillar")["present"].any().all() else []
    from ..io.periods import SPREAD_RULE

    return [*lines, f"activity from period totals: {SPREAD_RULE}"]


def score(activity: pd.DataFrame, reps: pd.DataFrame | None = None, *,
          config: ScoringConfig | None = None, asof: object = None, daily: bool = False,
          at: pd.DataFrame | None = None, window: int | None = None, mode: str | None = None,
          details: bool = False, engine: str = "pandas", dated: bool | None = None) -> Scores:
    """Score SSI pillars for every rep.

    Parameters
    ----------
    activity : DataFrame
        Long form ``rep_id, date, metric, value`` (as :func:`~ssi_analysis.io.load_data` gives).
    reps : DataFrame, optional
        ``rep_id`` plus ``industry`` and ``team`` for ranks and relative cohorts. Every rep here
        is scored, including reps with no activity at all; without it, the reps in ``activity``.
    config : ScoringConfig, optional
        Defaults to :func:`~ssi_analysis.config.default_config`.
    asof : date-like, optional
        Score every rep as of this date. Default: the last activity date.
    daily : bool
        One row per rep per day from the first to the last activity date. One daily scoring
        serves a whole analysis: the panel looks up the days it needs
        (:func:`~ssi_analysis.panel.build_panel`), and :meth:`Scores.on` gives the last day.
    at : DataFrame, optional
        Score exactly these ``rep_id, date`` pairs (e.g. each outcome period's start).
    window, mode : optional
        Override ``config.window_days`` / ``config.mode``.
    details : bool
        Also return, per scored metric, its window value (``<metric>_value``) and 0..1 score
        (``<metric>_score``), so every pillar can be recomputed by hand.
    dated : bool, optional
        Whether the activity's days are its own (``True``) or spread from totals over periods
        (``False``: :mod:`ssi_analysis.io.periods`; days active are then only those a
        ``days_active`` metric reports). Default: as :func:`~ssi_analysis.load_data` marked the
        activity (``activity.attrs["spread"]``), dated when unmarked.
    engine : {'pandas', 'duckdb', 'spark'}
        ``pandas`` computes in memory with numpy; ``duckdb`` and ``spark`` run SQL generated
        from the same spec (they need the ``duckdb`` or ``spark`` extra; ``spark`` runs on the
        active SparkSession, else a local one) and give the same scores. For activity larger
        than memory, score the Parquet files directly with
        :func:`ssi_analysis.engines.duckdb.score_parquet` or
        :func:`ssi_analysis.engines.spark.score_spark`.

    Returns
    -------
    Scores
        ``.table``: ``rep_id, date, brand, people, insights, relationships, ssi,
        industry_rank_pct, team_rank_pct`` sorted by rep and date; ``.notes``: what was left
        out; ``.config``: the settings used (with ``window`` and ``mode`` applied).
    """
    if engine not in ENGINES:
        raise SSIConfigError(f"engine '{engine}' is not one of {', '.join(ENGINES)}",
                             fix="use engine='pandas', 'duckdb' or 'spark'")
    prepared = prepare(activity, reps, config=config, asof=asof, daily=daily, at=at,
                       window=window, mode=mode, dated=dated)
    if engine == "duckdb":
        from ..engines.duckdb import score_prepared

        table = score_prepared(prepared, details=details)
    elif engine == "spark":
        from ..engines.spark import score_prepared as score_in_spark

        table = score_in_spark(prepared, details=details)
    else:
        table = score_frame(prepared, details=details)
    return Scores(table, notes=prepared.notes, config=prepared.spec.config)
