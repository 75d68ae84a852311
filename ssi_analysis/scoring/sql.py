"""The scoring spec as SQL: one generator, rendered for a dialect.

:func:`scoring_sql` writes the statement that scores target rows from a table of daily totals
(:func:`pivot_sql`); nothing in it is typed by hand. The metrics, their kinds,
half-saturation points, targets, priors and weights, the window and the mode all come from the
:class:`~ssi_analysis.scoring.spec.ScoringSpec`, and every formula is the spec's expression
rendered term for term (:func:`render`), in the order the pandas engine evaluates it (so the
floating-point results agree):

1. totals per rep and day pivot to one column per metric the spec uses;
2. a dense grid (every rep, every day of the span) carries cumulative sums, and a trailing
   window is ``cum(d) - cum(d - window)`` (a ``lag`` over the grid); levels carry their last
   value forward;
3. each metric's 0..1 score, each pillar ``25 x`` the weighted mean, SSI their sum;
   relative mode ranks each metric in its cohort and date (``rank() OVER``);
4. "Top N%" ranks are a window count of the reps scoring at least as high.

The statement uses standard window functions, ``FILTER`` aggregates and a few constructs
that differ between engines; those come from a :class:`~ssi_analysis.dialects.Dialect`
(:mod:`ssi_analysis.dialects`, where every difference between the SQL engines is written).
:data:`DUCKDB` is the one DuckDB runs (:mod:`ssi_analysis.engines.duckdb`); :data:`SPARK`, a
subclass, the one Spark runs (:mod:`ssi_analysis.engines.spark`): the day series,
``IGNORE NULLS``, ``arg_max``, bit operations, timestamps and quoting are its methods.

Examples
--------
>>> from ssi_analysis.config import default_config
>>> from ssi_analysis.scoring.spec import ScoringSpec
>>> spec = ScoringSpec.build(default_config(), present={"posts", "people_searches", "likes",
...                          "connection_requests_accepted"}, any_rows=True)
>>> render(spec.curve(spec.metric("posts"), spec.value(spec.metric("posts"))), DUCKDB,
...        lambda name: f"win.{name}")
"(CAST('1.0' AS DOUBLE) - pow(CAST('0.5' AS DOUBLE), (greatest(win.n3, CAST('0.0' AS DOUBLE)) / CAST('6.0' AS DOUBLE))))"
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from ..config import PILLARS
from ..dialects import DUCKDB, SPARK, Dialect, SparkDialect
from .spec import RANKS, Expr, ScoringSpec, var

__all__ = ["DUCKDB", "SPARK", "Dialect", "SparkDialect", "count_column", "level_column",
           "pivot_sql", "render", "scoring_sql"]


def render(expr: Expr, dialect: Dialect, column: Callable[[str], str]) -> str:
    """A spec formula as SQL; ``column`` names the SQL of each variable."""
    op, args = expr.op, expr.args
    if op == "var":
        return column(args[0])
    if op == "num":
        return dialect.num(args[0])
    if op == "null":
        return "CAST(NULL AS DOUBLE)"
    parts = [render(a, dialect, column) for a in args]
    if op in ("+", "-", "*", "/", ">"):
        return f"({parts[0]} {op} {parts[1]})"
    if op == "or":
        return f"({parts[0]} OR {parts[1]})"
    if op == "where":
        return f"CASE WHEN {parts[0]} THEN {parts[1]} ELSE {parts[2]} END"
    return f"{op}({', '.join(parts)})"          # pow, greatest, least


# ------------------------------------------------------------------ daily totals
def count_column(metric: str, dialect: Dialect = DUCKDB) -> str:
    """The wide ``daily`` table's column of a count metric's daily total."""
    return dialect.ident(f"n:{metric}")


def level_column(metric: str, dialect: Dialect = DUCKDB) -> str:
    """The wide ``daily`` table's column of a level metric's largest value that day."""
    return dialect.ident(f"l:{metric}")


def pivot_sql(source: str, codes: dict[str, int], *, counts: Iterable[str],
              levels: Iterable[str], active_codes: list[int] | None, where: str = "true",
              extra: Iterable[str] = (), dialect: Dialect = DUCKDB) -> str:
    """The wide ``daily`` table from long rows ``source(rep, date, mi, value)``.

    One row per rep and day: each count metric's total, each level's largest value,
    ``active`` (any metric in ``active_codes`` above 0; omitted for ``None``), ``present``
    (a bit per metric code seen) and ``n`` (rows), then any ``extra`` aggregates. ``mi`` is the
    metric's integer code in ``codes``: comparing integers, not text, keeps the one pass over
    the rows fast.
    """
    parts = [f"sum(value) FILTER (WHERE mi = {codes[m]}) AS {count_column(m, dialect)}"
             for m in counts if m in codes]
    parts += [f"max(value) FILTER (WHERE mi = {codes[m]}) AS {level_column(m, dialect)}"
              for m in levels if m in codes]
    if active_codes is not None:
        parts.append(f"coalesce(bool_or(value > 0) FILTER (WHERE mi IN "
                     f"({', '.join(map(str, active_codes)) or '-1'})), false) AS active")
    parts.append(f"bit_or({dialect.metric_bit('mi')}) AS present")
    parts.append("count(*) AS n")
    parts += list(extra)                     # more aggregates of the same pass
    return (f"SELECT rep, date, {', '.join(parts)} FROM {source} WHERE {where} "
            "GROUP BY rep, date")


# ------------------------------------------------------------------ the scores
def scoring_sql(spec: ScoringSpec, *, daily: str, universe: str, targets: str, grid_reps: str,
                day0: np.datetime64, last: np.datetime64, ranks: tuple[bool, bool] = (True, True),
                details: bool = False, timestamps: bool = False, shown_id: str = "rep_id",
                dialect: Dialect = DUCKDB) -> str:
    """The SELECT that scores ``targets``, generated from ``spec``.

    Parameters
    ----------
    spec : ScoringSpec
        Window, mode, the metrics present in the data and every formula.
    daily, universe, targets, grid_reps : str
        Relations: ``daily`` (:func:`pivot_sql`) holds per rep (integer position) and day each
        metric's total or level and ``active``; ``universe(rep, rep_id, industry, team,
        cohort)`` every rep; ``targets(rep, date, ord)`` the rows to score; ``grid_reps(rep)``
        the reps to carry sums for.
    day0, last : datetime64
        The span of the grid: the first target day minus the window, and the last target day.
    ranks : (bool, bool)
        Whether the reps have an industry and a team column (else the rank is NULL).
    details : bool
        Also each metric's ``<metric>_value`` and ``<metric>_score``.
    timestamps : bool
        ``date`` as a timestamp (as pandas writes dates to Parquet), not a ``DATE``.
    shown_id : str
        The column of ``universe`` written as ``rep_id`` (e.g. a pseudonym).
    dialect : Dialect
        The SQL engine's dialect (DuckDB's by default).

    Returns
    -------
    str
        ``SELECT rep_id, date, brand, ..., team_rank_pct`` ordered by rep and date.
    """
    d_ = dialect
    w = spec.window
    counts = {m: spec.inputs[("sum", m)] for m in spec.counts}
    levels = {m: spec.inputs[("level", m)] for m in spec.levels}
    zero = d_.num(0.0)

    picked = [f"{count_column(m, d_)} AS {c}" for m, c in counts.items()]
    picked += [f"{level_column(m, d_)} AS {c}" for m, c in levels.items()]
    if spec.needs_active:
        picked.append("active")
    span = f"date BETWEEN {d_.day(day0)} AND {d_.day(last)}"
    if levels:  # a level holds from its last observation, however early
        seen = " OR ".join(f"{level_column(m, d_)} IS NOT NULL" for m in levels)
        span = f"({span}) OR (date < {d_.day(day0)} AND ({seen}))"
    ctes = [f"d AS (SELECT rep, date{''.join(', ' + c for c in picked)} FROM {daily} "
            f"WHERE {span})"]
    if levels:
        carry = ", ".join(f"{d_.arg_max(c, 'date')} FILTER (WHERE {c} IS NOT NULL) AS {c}"
                          for c in levels.values())
        ctes.append(f"carry AS (SELECT rep, {carry} FROM d WHERE date < {d_.day(day0)} "
                    "GROUP BY rep)")
    ctes.append(f"grid AS (SELECT r.rep, g.d AS date FROM {grid_reps} r CROSS JOIN "
                f"{d_.days(d_.day(day0), d_.day(last))} g)")
    running = [f"sum(coalesce(d.{c}, {zero})) OVER w AS {c}" for c in counts.values()]
    if spec.needs_active:
        running.append(f"sum(CASE WHEN d.active THEN {d_.num(1.0)} ELSE {zero} END) OVER w "
                       f"AS {spec.inputs[('active', '')]}")
    running += [f"{d_.last_ignore_nulls(f'CASE WHEN g.date = {d_.day(day0)} THEN coalesce(d.{c}, carry.{c}) ELSE d.{c} END')} "
                f"OVER w AS {c}" for c in levels.values()]
    joins = "LEFT JOIN d ON d.rep = g.rep AND d.date = g.date"
    if levels:
        joins += " LEFT JOIN carry ON carry.rep = g.rep"
    ctes.append(f"cum AS (SELECT g.rep, g.date{''.join(', ' + r for r in running)} "
                f"FROM grid g {joins} WINDOW w AS (PARTITION BY g.rep ORDER BY g.date "
                "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))")
    summed = [*counts.values(), *([spec.inputs[("active", "")]] if spec.needs_active else [])]
    trailing = [f"{c} - lag({c}, {w}, {zero}) OVER w2 AS {c}" for c in summed]
    trailing += [f"coalesce({c}, {zero}) AS {c}" for c in levels.values()]
    ctes.append(f"win AS (SELECT rep, date{''.join(', ' + t for t in trailing)} FROM cum "
                "WINDOW w2 AS (PARTITION BY rep ORDER BY date))")

    def win(name: str) -> str:
        return f"win.{name}"

    values = [f"{render(spec.value(m), d_, win)} AS x{k}" for k, m in enumerate(spec.metrics)]
    ctes.append(f"x AS (SELECT t.rep, t.date, t.ord{''.join(', ' + v for v in values)} "
                f"FROM {targets} t JOIN win ON win.rep = t.rep AND win.date = t.date)")
    if spec.mode == "relative":
        cohort = "PARTITION BY u.cohort, x.date"
        scores = [f"CASE WHEN count(*) OVER ({cohort}) > 1 THEN "
                  f"CAST(rank() OVER ({cohort} ORDER BY x.x{k}) - 1 AS DOUBLE) / "
                  f"CAST(count(*) OVER ({cohort}) - 1 AS DOUBLE) ELSE {d_.num(0.5)} END AS s{k}"
                  for k in range(len(spec.metrics))]
    else:
        scores = [f"{render(spec.curve(m, var(f'x{k}')), d_, lambda n: f'x.{n}')} AS s{k}"
                  for k, m in enumerate(spec.metrics)]
    ctes.append(f"s AS (SELECT x.*{''.join(', ' + s for s in scores)} FROM x "
                f"JOIN {universe} u ON u.rep = x.rep)")

    terms = [var(f"s{k}") for k in range(len(spec.metrics))]
    pillars = [f"{render(spec.pillar(p, terms), d_, str)} AS {p}" for p in PILLARS]
    extra = [f"x{k} AS {d_.ident(m.name + '_value')}, s{k} AS {d_.ident(m.name + '_score')}"
             for k, m in enumerate(spec.metrics)] if details else []
    ctes.append(f"p AS (SELECT rep, date, ord, {', '.join(pillars)}"
                f"{''.join(', ' + e for e in extra)} FROM s)")
    ssi = render(spec.ssi({p: var(p) for p in PILLARS}), d_, str)
    ctes.append(f"q AS (SELECT p.*, {ssi} AS ssi FROM p)")

    rank_cols = []
    for (col, name), has in zip(RANKS, ranks, strict=True):
        if has:
            group = f"PARTITION BY u.{col}, q.date"
            rank_cols.append(
                f"CASE WHEN u.{col} IS NULL THEN NULL ELSE {d_.num(100.0)} * "
                f"CAST(count(*) OVER ({group} ORDER BY q.ssi DESC RANGE BETWEEN UNBOUNDED "
                f"PRECEDING AND CURRENT ROW) AS DOUBLE) / CAST(count(*) OVER ({group}) AS DOUBLE)"
                f" END AS {name}")
        else:
            rank_cols.append(f"CAST(NULL AS DOUBLE) AS {name}")
    detail_names = "".join(f", q.{d_.ident(m.name + s)}" for m in spec.metrics if details
                           for s in ("_value", "_score"))
    date = f"{d_.timestamp('q.date')} AS date" if timestamps else "q.date"
    select = (f"SELECT u.{d_.ident(shown_id)} AS rep_id, {date}, "
              f"{', '.join('q.' + p for p in PILLARS)}, q.ssi, {', '.join(rank_cols)}"
              f"{detail_names} FROM q JOIN {universe} u ON u.rep = q.rep "
              "ORDER BY q.rep, q.date, q.ord")
    return "WITH " + ",\n".join(ctes) + "\n" + select
