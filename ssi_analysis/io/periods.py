"""Activity given as totals over periods (``period_start, period_end``), spread over their days.

A usage report (Sales Navigator's admin export, :mod:`ssi_analysis.io.tables.usage`) holds
one total per user and metric over a date range, not one row per day. The scores need days
(a trailing window ends on any day), so each period's total is spread over its days by one
rule, :data:`SPREAD_RULE`, here and nowhere else: every engine scores the spread rows.

**The spread rule.** A total ``v`` over a period of ``L`` days (``period_start`` to
``period_end``, both included) becomes ``v / L`` on each of its days. A trailing window that
covers ``k`` of the period's days therefore takes the share ``k / L`` of the total. This holds
for ``days_active`` as well: a period with 12 active days of 30 gives a window holding 10 of
its days ``4`` active days. Days no period covers (between two exports) are **gaps**: they hold
no rows, count as nothing in a window, and the panel's window coverage counts them as not
covered (:func:`period_coverage`), so a window over a gap is flagged or left out rather than
read as a quiet month.

Examples
--------
>>> p = pd.DataFrame({"rep_id": ["a", "a"], "metric": ["profile_views", "profile_views"],
...                   "period_start": pd.to_datetime(["2026-01-01", "2026-01-04"]),
...                   "period_end": pd.to_datetime(["2026-01-03", "2026-01-05"]),
...                   "value": [3.0, 10.0]})
>>> spread_periods(p)[["date", "value"]].assign(date=lambda d: d.date.dt.day).values.tolist()
[[1.0, 1.0], [2.0, 1.0], [3.0, 1.0], [4.0, 5.0], [5.0, 5.0]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SPREAD_RULE = ("a period's total is spread uniformly over its days (total / days on each day, "
               "both ends included); a window covering part of a period takes that share of "
               "its total; days no period covers are gaps, not zeros")
"""The rule, as the report's methods and the notes state it."""

_DAY = np.timedelta64(1, "D")


def period_days(start: pd.Series, end: pd.Series) -> np.ndarray:
    """Days in each period, both ends included (int64).

    >>> period_days(pd.Series(pd.to_datetime(["2026-01-01"])),
    ...             pd.Series(pd.to_datetime(["2026-01-31"]))).tolist()
    [31]
    """
    s = start.to_numpy().astype("datetime64[D]")
    e = end.to_numpy().astype("datetime64[D]")
    return ((e - s) // _DAY).astype(np.int64) + 1


def spread_periods(periods: pd.DataFrame) -> pd.DataFrame:
    """Period totals as daily rows by :data:`SPREAD_RULE` (vectorised: rows repeated by their
    length, no loop over reps or days).

    Parameters
    ----------
    periods : DataFrame
        ``rep_id, period_start, period_end, metric, value`` (checked: start <= end, values
        finite); other columns (such as ``_row``) are carried to every day of the period.

    Returns
    -------
    DataFrame
        ``rep_id, date, metric, value`` and the carried columns, one row per period day; the
        values of a period's days add up to its total.
    """
    length = period_days(periods["period_start"], periods["period_end"])
    idx = np.repeat(np.arange(len(periods)), length)
    # each repeated row's offset from its period's first day: 0, 1, ..., L - 1
    starts = np.cumsum(length) - length
    offset = np.arange(len(idx), dtype=np.int64) - np.repeat(starts, length)
    first = periods["period_start"].to_numpy().astype("datetime64[D]")
    out = periods.iloc[idx].drop(columns=["period_start", "period_end"]).reset_index(drop=True)
    out.insert(1, "date", (first[idx] + offset.astype("timedelta64[D]")).astype("datetime64[ns]"))
    out["value"] = periods["value"].to_numpy(dtype=float)[idx] / length[idx]
    cols = ["rep_id", "date", "metric", "value"]
    return out[cols + [c for c in out.columns if c not in cols]]


def overlapping(periods: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose period shares a day with another row of the same ``keys``.

    Returns ``(mask, block)``: which rows overlap (aligned with ``periods``), and for each an
    integer naming its block of overlapping rows (rows of one block overlap one another,
    directly or through a third). One sort, no loop over groups.

    >>> p = pd.DataFrame({"rep_id": ["a", "a", "a", "b"],
    ...                   "period_start": pd.to_datetime(["2026-01-01", "2026-02-01",
    ...                                                   "2026-01-20", "2026-01-01"]),
    ...                   "period_end": pd.to_datetime(["2026-01-31", "2026-02-28",
    ...                                                 "2026-02-05", "2026-01-31"])})
    >>> overlapping(p, ["rep_id"])[0].tolist()
    [True, True, True, False]
    """
    if periods.empty:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
    q = periods.reset_index(drop=True)
    order = q.sort_values([*keys, "period_start", "period_end"], kind="stable").index
    q = q.loc[order]
    group = q.groupby(keys, sort=False, observed=True)
    prev_end = group["period_end"].cummax().groupby([q[k] for k in keys], sort=False,
                                                    observed=True).shift()
    block = (~(q["period_start"] <= prev_end).fillna(False)).cumsum().to_numpy()
    size = np.bincount(block)[block]
    mask = np.zeros(len(q), dtype=bool)
    mask[order.to_numpy()] = size > 1
    out_block = np.zeros(len(q), dtype=np.int64)
    out_block[order.to_numpy()] = block
    return mask, out_block


def period_coverage(periods: pd.DataFrame, rep_ids: pd.Series, window_start: pd.Series,
                    window_end: pd.Series) -> np.ndarray:
    """Days of each window ``[window_start, window_end]`` that some period of its rep covers.

    ``periods`` holds ``rep_id, period_start, period_end`` (a rep's periods may repeat across
    metrics; they are merged first). Gaps between a rep's periods are not covered.

    >>> p = pd.DataFrame({"rep_id": ["a", "a"],
    ...                   "period_start": pd.to_datetime(["2026-01-01", "2026-03-01"]),
    ...                   "period_end": pd.to_datetime(["2026-01-31", "2026-03-31"])})
    >>> period_coverage(p, pd.Series(["a", "b"]), pd.Series(pd.to_datetime(["2026-01-17"] * 2)),
    ...                 pd.Series(pd.to_datetime(["2026-03-05"] * 2))).tolist()
    [20, 0]
    """
    spans = _merged(periods)
    rows = pd.DataFrame({"rep_id": rep_ids.astype(str).to_numpy(), "_i": np.arange(len(rep_ids)),
                         "ws": window_start.to_numpy().astype("datetime64[D]"),
                         "we": window_end.to_numpy().astype("datetime64[D]")})
    both = rows.merge(spans, on="rep_id", how="inner")
    lo = np.maximum(both["ws"].to_numpy(), both["s"].to_numpy())
    hi = np.minimum(both["we"].to_numpy(), both["e"].to_numpy())
    days = np.clip(((hi - lo) // _DAY).astype(np.int64) + 1, 0, None)
    return np.bincount(both["_i"].to_numpy(), weights=days, minlength=len(rows)).astype(np.int64)


def _merged(periods: pd.DataFrame) -> pd.DataFrame:
    """Each rep's periods merged into disjoint spans ``rep_id, s, e`` (datetime64[D])."""
    p = pd.DataFrame({"rep_id": periods["rep_id"].astype(str).to_numpy(),
                      "s": periods["period_start"].to_numpy().astype("datetime64[D]"),
                      "e": periods["period_end"].to_numpy().astype("datetime64[D]")})
    p = p.drop_duplicates().sort_values(["rep_id", "s", "e"], kind="stable")
    prev_end = p.groupby("rep_id")["e"].cummax().groupby(p["rep_id"]).shift()
    # a span starts where the rep changes or the period starts after all earlier ones ended
    new = ~(p["s"] <= prev_end).to_numpy()
    block = np.cumsum(new)
    return p.groupby(block).agg(rep_id=("rep_id", "first"), s=("s", "min"),
                                e=("e", "max")).reset_index(drop=True)


__all__ = ["SPREAD_RULE", "overlapping", "period_coverage", "period_days", "spread_periods"]
