"""The pandas engine: the scoring spec computed in memory with numpy.

One grouped aggregation into a dense metric x rep x day array, cumulative sums along days for
the trailing windows, the spec's formulas evaluated on whole columns (:func:`evaluate`), and
ranks from one sort per grouping: no Python loop over reps or days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import PILLARS
from . import spec as sp
from .inputs import Prepared
from .spec import RANKS, Expr, ScoringSpec

_DAY = np.timedelta64(1, "D")

_BINARY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "pow": np.power,
           "greatest": np.maximum, "least": np.minimum, ">": np.greater, "or": np.logical_or}


def evaluate(expr: Expr, env: dict[str, np.ndarray]) -> np.ndarray | float:
    """The value of a spec formula, with numpy, on the arrays ``env`` names.

    >>> evaluate(sp.count_curve(sp.var("x"), 6.0), {"x": np.array([0.0, 6.0])}).tolist()
    [0.0, 0.5]
    """
    op, args = expr.op, expr.args
    if op == "var":
        return env[args[0]]
    if op == "num":
        return args[0]
    if op == "null":
        return np.nan
    if op == "where":
        cond, then, otherwise = (evaluate(a, env) for a in args)
        return np.where(cond, then, otherwise)
    with np.errstate(divide="ignore", invalid="ignore"):   # where() keeps the defined side
        return _BINARY[op](evaluate(args[0], env), evaluate(args[1], env))


# ------------------------------------------------------------------ the curves, with numpy
def count_curve(x: np.ndarray, half: float) -> np.ndarray:
    """``1 - 0.5 ** (x / half)``: 0 at 0, 0.5 at ``half``, approaching 1; never decreasing.

    >>> count_curve(np.array([0.0, 6.0, 12.0]), half=6).round(3).tolist()
    [0.0, 0.5, 0.75]
    """
    return evaluate(sp.count_curve(sp.var("x"), half), {"x": np.asarray(x, dtype=float)})


def shrunk_rate(num: np.ndarray, den: np.ndarray, prior: float, prior_n: float) -> np.ndarray:
    """``(num + prior * prior_n) / (den + prior_n)``: the rate pulled toward ``prior`` when
    ``den`` is small (``prior`` itself when nothing was sent).

    >>> shrunk_rate(np.array([0.0, 5.0, 50.0]), np.array([0.0, 10.0, 100.0]), 0.4, 20).round(3).tolist()
    [0.4, 0.433, 0.483]
    """
    env = {"num": np.asarray(num, dtype=float), "den": np.asarray(den, dtype=float)}
    out = evaluate(sp.shrunk_rate(sp.var("num"), sp.var("den"), prior, prior_n), env)
    return np.broadcast_to(out, np.broadcast(env["num"], env["den"]).shape).astype(float)


def rate_curve(rate: np.ndarray, target: float) -> np.ndarray:
    """``min(rate / target, 1)`` (and at least 0)."""
    return evaluate(sp.rate_curve(sp.var("x"), target), {"x": np.asarray(rate, dtype=float)})


# ------------------------------------------------------------------ ranks
def cohort_percentile(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Share of the other members of each row's group with a strictly lower value.

    ``(rank_min - 1) / (n - 1)``; 0.5 when the group has one member.

    >>> cohort_percentile(np.array([1.0, 2.0, 2.0, 5.0]), np.array([0, 0, 0, 0])).round(3).tolist()
    [0.0, 0.333, 0.333, 1.0]
    """
    codes = pd.factorize(pd.Series(groups))[0]
    rank, n, _ = _group_ranks(values, codes)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(n > 1, (rank - 1) / (n - 1), 0.5)
    return pct


def top_pct(values: np.ndarray, groups: pd.Series) -> np.ndarray:
    """LinkedIn-style "Top N%" within each group (1 = best, 100 = last); NaN where group is NA.

    >>> top_pct(np.array([10.0, 40.0, 40.0, 20.0]), pd.Series(["x"] * 4)).tolist()
    [100.0, 50.0, 50.0, 75.0]
    """
    return _top_pct_codes(values, pd.factorize(groups)[0])


def _top_pct_codes(values: np.ndarray, codes: np.ndarray,
                   by_value: np.ndarray | None = None) -> np.ndarray:
    """:func:`top_pct` for integer group codes (-1: no group)."""
    rank_min, n, n_valid = _group_ranks(values, codes, by_value)
    # rank among the group in descending order, ties taking the worst place ("max"):
    # the number of values at least as high = n_valid - (number strictly lower)
    rank = n_valid - (rank_min - 1)
    return 100.0 * rank / n


def _group_ranks(values: np.ndarray, codes: np.ndarray, by_value: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each value's rank within its group, ties taking the lowest rank (pandas ``method="min"``).

    One sort by (group, value), no loop over groups; ``by_value``, the stable argsort of
    ``values``, may be given when several groupings rank the same values. Returns
    ``(rank, n, n_valid)``: the rank (NaN for a NaN value or a row without a group,
    ``codes < 0``), the group's number of rows and its number of non-NaN values (NaN without
    a group).
    """
    values = np.asarray(values, dtype=float)
    codes = np.asarray(codes, dtype=np.int64)
    grouped = codes >= 0
    valid = grouped & ~np.isnan(values)
    if by_value is None:
        by_value = np.argsort(values, kind="stable")
    order = by_value[valid[by_value]]                       # valid rows, by value
    key = codes[order]
    if len(key) and key.max() < 2**16:
        key = key.astype(np.uint16)                         # a radix sort: linear time
    order = order[np.argsort(key, kind="stable")]           # then by group
    c, v = codes[order], values[order]
    pos = np.arange(len(order))
    first_of_group = np.ones(len(order), dtype=bool)
    first_of_group[1:] = c[1:] != c[:-1]
    first_of_tie = first_of_group.copy()
    first_of_tie[1:] |= v[1:] != v[:-1]
    group_start = np.maximum.accumulate(np.where(first_of_group, pos, 0))
    tie_start = np.maximum.accumulate(np.where(first_of_tie, pos, 0))
    rank = np.full(len(values), np.nan)
    rank[order] = tie_start - group_start + 1
    size = np.bincount(codes[grouped]).astype(float) if grouped.any() else np.zeros(0)
    size_valid = np.bincount(codes[valid], minlength=len(size)).astype(float)
    n = np.full(len(values), np.nan)
    n_valid = np.full(len(values), np.nan)
    n[grouped] = size[codes[grouped]]
    n_valid[grouped] = size_valid[codes[grouped]]
    return rank, n, n_valid


# ------------------------------------------------------------------ the window quantities
class _Cube:
    """Window sums and levels for target (rep, day) rows from one dense metric x rep x day array.

    Inputs are integer codes: ``rep_codes`` (0..n_reps-1), ``days`` (days after ``day0``; rows
    outside 0..n_days-1 are ignored for counts) and ``metric_codes`` into ``metric_names``
    (-1 for a missing metric). The count array holds a leading zero day, so a trailing window is
    one subtraction of cumulative sums: ``cum[k, r, d + 1] - cum[k, r, lo]``.
    """

    def __init__(self, rep_codes: np.ndarray, days: np.ndarray, metric_codes: np.ndarray,
                 values: np.ndarray, metric_names: list, n_reps: int, n_days: int,
                 spec: ScoringSpec):
        self.n_reps, self.n_days = n_reps, n_days
        nd = n_days + 1

        # levels: last value at or before each day (earlier observations clipped to day 0)
        self.levels: dict[str, np.ndarray] = {}
        for lm in spec.levels:
            code = metric_names.index(lm)
            mask = (metric_codes == code) & (days < n_days)
            obs = pd.DataFrame({"r": rep_codes[mask], "d": np.maximum(days[mask], 0),
                                "raw_d": days[mask], "v": values[mask]})
            obs = obs.sort_values(["r", "raw_d", "v"], kind="stable").drop_duplicates(
                ["r", "d"], keep="last")
            grid = np.full((n_reps, n_days), np.nan)
            grid[obs["r"].to_numpy(), obs["d"].to_numpy()] = obs["v"].to_numpy()
            idx = np.where(np.isnan(grid), 0, np.arange(n_days)[None, :])
            np.maximum.accumulate(idx, axis=1, out=idx)
            filled = np.take_along_axis(grid, idx, axis=1)
            self.levels[lm] = np.nan_to_num(filled, nan=0.0)

        # counts: one bincount into (metric, rep, day + 1), then cumulative sums along days.
        # Arrays as long as the activity are dropped as soon as they are used (the caller
        # passes rep_codes and days without keeping them): the peak memory stays low.
        m_index = {m: i for i, m in enumerate(spec.counts)}
        lut = np.array([m_index.get(name, -1) for name in metric_names] + [-1], dtype=np.int32)
        mcode = lut[metric_codes]                     # a missing metric (-1) maps to -1
        in_span = (days >= 0) & (days < n_days)
        sel = (mcode >= 0) & in_span
        nm = max(len(spec.counts), 1)
        size = nm * n_reps * nd
        rd = rep_codes.astype(np.int64)               # position of (rep, day + 1)
        del rep_codes
        rd *= nd
        rd += days
        rd += 1
        del days

        # days active: some metric of spec.active_from above zero that day
        if spec.needs_active:
            active = set(spec.active_from)
            is_active = np.array([name in active for name in metric_names] + [False])
            self.cum_active = np.zeros((n_reps, nd))
            self.cum_active.reshape(-1)[rd[is_active[metric_codes] & in_span & (values > 0)]] = 1
            np.cumsum(self.cum_active, axis=1, out=self.cum_active)
        del in_span

        flat = mcode.astype(np.int64)
        del mcode
        flat *= n_reps * nd
        flat += rd
        del rd
        if not sel.all():
            flat[~sel] = size                         # rows not counted: into a bin dropped below
        del sel
        self.cum = np.bincount(flat, weights=values, minlength=size + 1)[:size]
        del flat
        self.cum = self.cum.reshape(nm, n_reps, nd)
        np.cumsum(self.cum, axis=2, out=self.cum)
        self.count_index = m_index

    def quantities(self, spec: ScoringSpec, r: np.ndarray, d: np.ndarray
                   ) -> dict[str, np.ndarray]:
        """Every window quantity the spec names, at the targets ``(r, d)``."""
        nd = self.n_days + 1
        hi = r * nd + d + 1                     # cum position of the window's last day
        lo = r * nd + np.maximum(d + 1 - spec.window, 0)   # just before its first day
        out = {}
        for (kind, metric), name in spec.inputs.items():
            if kind == "sum":
                cum = self.cum[self.count_index[metric]].reshape(-1)
                out[name] = cum.take(hi) - cum.take(lo)
            elif kind == "active":
                cum = self.cum_active.reshape(-1)
                out[name] = cum.take(hi) - cum.take(lo)
            else:
                out[name] = self.levels[metric].reshape(-1).take(r * self.n_days + d)
        return out


@dataclass(frozen=True)
class _Grid:
    day0: np.datetime64        # the first day of the arrays
    n_days: int


def _grid(t_day: np.ndarray, window: int) -> _Grid:
    """Days from the first target's window start to the last target."""
    if not len(t_day):
        return _Grid(np.datetime64("2000-01-01"), 1)
    day0 = t_day.min() - np.timedelta64(window - 1, "D")
    return _Grid(day0, int((t_day.max() - day0) // _DAY) + 1)


# ------------------------------------------------------------------ scoring
def score_frame(p: Prepared, *, details: bool = False) -> pd.DataFrame:
    """The scores table of ``p`` (``score(..., engine="pandas")``)."""
    spec, universe, t_rep, t_day = p.spec, p.universe, p.t_rep, p.t_day
    grid = _grid(t_day, spec.window)
    # the row arrays go to the cube without a name here, so that it can free each when done
    cube = _Cube(universe.get_indexer(p.rep_text).astype(np.int32)[p.rep_raw],
                 _days_after(p.act["date"], grid.day0), p.metric_codes,
                 p.act["value"].to_numpy(dtype=float), p.metric_names, len(universe),
                 grid.n_days, spec)
    t_d = ((t_day - grid.day0) // _DAY).astype(np.int64)
    env = cube.quantities(spec, t_rep, t_d)
    del cube

    out = pd.DataFrame({"rep_id": universe.to_numpy(dtype=object)[t_rep],
                        "date": t_day.astype("datetime64[ns]")})
    cohort = None
    if spec.mode == "relative":
        label_code = pd.factorize(p.labels.cohort)[0]
        cohort = pd.factorize(label_code[t_rep] * grid.n_days + t_d)[0]

    extra = {}
    for k, m in enumerate(spec.metrics):
        x = np.broadcast_to(evaluate(spec.value(m), env), t_rep.shape)
        s = (evaluate(spec.curve(m, sp.var(f"x{k}")), {f"x{k}": x}) if cohort is None
             else cohort_percentile(x, cohort))
        env[f"s{k}"] = s
        if details:
            extra[f"{m.name}_value"] = x
            extra[f"{m.name}_score"] = s
    scores = [sp.var(f"s{k}") for k in range(len(spec.metrics))]
    for pillar in PILLARS:
        env[pillar] = evaluate(spec.pillar(pillar, scores), env)
        out[pillar] = env[pillar]
    out["ssi"] = evaluate(spec.ssi({name: sp.var(name) for name in PILLARS}), env)

    # ranks within industry and team on each date
    by_ssi = np.argsort(out["ssi"].to_numpy(), kind="stable")
    for (_, name), label in zip(RANKS, p.labels.ranks, strict=True):
        if label is None:
            out[name] = np.nan
            continue
        code = np.full(len(universe), -1, dtype=np.int64)
        known = label.notna().to_numpy()
        code[known] = pd.factorize(label[known])[0]
        group = np.where(code[t_rep] >= 0, code[t_rep] * grid.n_days + t_d, -1)
        out[name] = _top_pct_codes(out["ssi"].to_numpy(), group, by_ssi)
    if details:
        out = pd.concat([out, pd.DataFrame(extra)], axis=1)
    order = np.lexsort((t_day, t_rep))        # by rep_id (the universe is sorted), then date
    if (order != np.arange(len(order))).any():
        out = out.iloc[order]
    return out.reset_index(drop=True)


def _days_after(dates: pd.Series, day0: np.datetime64) -> np.ndarray:
    """Whole days from ``day0`` to each date (int64)."""
    values = dates.to_numpy()
    if values.dtype == np.dtype("datetime64[ns]"):   # in integer arithmetic, one pass
        days = values.view(np.int64) - day0.astype("datetime64[ns]").view(np.int64)
        days //= 86_400_000_000_000
        return days
    return ((values.astype("datetime64[D]") - day0) // _DAY).astype(np.int64)
