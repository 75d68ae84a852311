"""``activity`` given as totals over periods: ``rep_id, period_start, period_end`` and, long,
``metric, value`` or, wide, one column per metric. Rows are typed and checked as dated activity
is, periods that overlap are rejected, and the kept totals are spread over their days
(:func:`ssi_analysis.io.periods.spread_periods`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import SSIInputError
from ...rules import Cells, problems
from ...schemas import LEVEL_METRICS, METRICS, TABLES, TableSpec
from ..cells.common import plain_text
from ..cells.ids import normalise_names, parse_ids
from ..checks import (
    activity_schema_problems,
    cell_problems,
    require_columns,
    type_columns,
    typing_rules,
)
from ..periods import SPREAD_RULE, overlapping, spread_periods
from ..quality import LoadedTable, split_rejects
from ..read import RawTable

PERIOD_COLUMNS = ("period_start", "period_end")
"""The columns that replace ``date`` in activity given as totals over periods."""

PERIODS_NOTE = "activity given as totals over periods: " + SPREAD_RULE
"""The note every load of period totals carries."""


def is_period_form(columns: list[str]) -> bool:
    """Whether activity columns hold periods (``period_start, period_end``, no ``date``)."""
    return "date" not in columns and any(c in columns for c in PERIOD_COLUMNS)


def load_period_activity(raw: RawTable, *, where: tuple[np.ndarray, np.ndarray] | None = None
                         ) -> LoadedTable:
    """Period totals typed, checked and spread over their days.

    ``where`` (files and row numbers of each row of ``raw``, for rows concatenated from several
    files) lets the reasons of overlapping periods name the other rows' files.

    Returns a :class:`LoadedTable` whose ``frame`` holds daily rows ``rep_id, date, metric,
    value, _row`` and ``periods`` the kept period rows (``rep_id, period_start, period_end,
    metric, value, _row``). A source row with a problem in any of its cells, or whose period
    overlaps another of the same rep and metric, is rejected whole.
    """
    spec = TABLES["activity"]
    cols = list(raw.frame.columns)
    long_form = "metric" in cols and "value" in cols
    require_columns(raw, TableSpec("activity", spec.schema, ("rep_id", *PERIOD_COLUMNS)),
                    ("rep_id", *PERIOD_COLUMNS))
    notes = list(raw.notes)
    if long_form:
        metric_cols: list[str] = []
        numbers: tuple[str, ...] = ("value",)
    else:
        metric_cols = [c for c in cols if c in METRICS]
        numbers = tuple(metric_cols)
        unknown = [c for c in cols if c not in METRICS and c not in ("rep_id", *PERIOD_COLUMNS)]
        if unknown:
            notes.append(f"{raw.file}: column(s) {', '.join(map(repr, unknown[:10]))} are not "
                         "known metrics and were not used (see data/README.md)")
        if not metric_cols:
            raise SSIInputError(
                "no metric columns found beside the periods: expected long form (rep_id, "
                "period_start, period_end, metric, value) or wide form (rep_id, period_start, "
                "period_end, one column per metric)", file=raw.file,
                fix="name the columns after the metrics in data/README.md")
    pspec = TableSpec("activity", spec.schema, ("rep_id", *PERIOD_COLUMNS), ("rep_id", "metric"),
                      PERIOD_COLUMNS, numbers)
    columns = ["rep_id", *PERIOD_COLUMNS, *(("metric", "value") if long_form else metric_cols)]
    cells = type_columns(raw, pspec, columns)
    if long_form:
        cells.typed["metric"] = normalise_names(cells.typed["metric"])
    found = cell_problems(cells, typing_rules(pspec, columns[1:], decimal=raw.decimal))
    found += _period_problems(cells)
    df = cells.typed
    if long_form:
        long = df[["rep_id", *PERIOD_COLUMNS, "metric", "value"]].assign(_row=df.index)
    else:
        wide = df[["rep_id", *PERIOD_COLUMNS, *metric_cols]].assign(_row=df.index)
        long = wide.melt(id_vars=["rep_id", *PERIOD_COLUMNS, "_row"], var_name="metric",
                         value_name="value")
        long = long[long["value"].notna()].sort_values(["_row", "metric"], kind="stable")
        long = long[["rep_id", *PERIOD_COLUMNS, "metric", "value", "_row"]]
    long = long.reset_index(drop=True)
    # the rules of dated activity (metric known, value a finite count, not negative), on the
    # long rows with the period's start as their date; levels cannot be period totals
    vdf = long.drop(columns=["period_end", "_row"]).rename(columns={"period_start": "date"})
    vdf["date"] = vdf["date"].fillna(pd.Timestamp("2020-01-01"))
    for p in activity_schema_problems(vdf):
        p["idx"] = long["_row"].to_numpy()[p["idx"].to_numpy()]
        found.append(p)
    level = np.flatnonzero(long["metric"].isin(LEVEL_METRICS).to_numpy())
    if len(level):
        found.append(problems(long["_row"].to_numpy()[level], "metric",
                              long["metric"].to_numpy(dtype=object)[level],
                              "a level (profile_completeness) cannot be a total over a period",
                              "period_level"))
    bad = _bad_rows(found)
    kept = long[~np.isin(long["_row"].to_numpy(), bad)]
    found += _overlap_problems(kept, raw, where)
    src = pd.DataFrame({"rep_id": plain_text(parse_ids(raw.frame["rep_id"]))})
    _, rej = split_rejects(raw, "activity", src, found)
    rejected = rej["row"].to_numpy(dtype=np.int64) - raw.row_offset if len(rej) else []
    kept = kept[~np.isin(kept["_row"].to_numpy(), rejected)].reset_index(drop=True)
    kept["value"] = kept["value"].astype(float)
    notes.append(f"{raw.file}: {PERIODS_NOTE}")
    out = LoadedTable(spread_periods(kept), rej, len(raw.frame), notes)
    out.periods = kept
    return out


def _bad_rows(found: list[pd.DataFrame]) -> np.ndarray:
    if not found:
        return np.array([], dtype=np.int64)
    return np.unique(np.concatenate([p["idx"].to_numpy(dtype=np.int64) for p in found]))


def _period_problems(cells: Cells) -> list[pd.DataFrame]:
    """A period date missing (the date range cannot be found), or the end before the start."""
    out = []
    t = cells.typed
    for col in PERIOD_COLUMNS:
        miss = t[col].isna().to_numpy() & ~cells.unread_of(col)
        if miss.any():
            out.append(problems(np.flatnonzero(miss), col, "", f"missing {col}", "missing"))
    order = (t["period_end"] < t["period_start"]).to_numpy(dtype=bool)
    if order.any():
        rows = np.flatnonzero(order)
        out.append(problems(rows, "period_end", t["period_end"].dt.strftime("%Y-%m-%d")
                            .to_numpy(dtype=object)[rows],
                            "period_end is before period_start", "period_order"))
    return out


def _overlap_problems(long: pd.DataFrame, raw: RawTable,
                      where: tuple[np.ndarray, np.ndarray] | None) -> list[pd.DataFrame]:
    """Rows of one rep and metric whose periods share a day: an exact repeat (same period and
    total) after the first is a duplicate; otherwise every row of the overlap is rejected, since
    which total is right cannot be told (two exports with overlapping ranges, or a user listed
    twice with different numbers)."""
    if long.empty:
        return []
    row_no = (where[1] if where is not None else
              np.arange(len(raw.frame)) + raw.row_offset)
    files = where[0] if where is not None else None

    def name(r: np.ndarray) -> np.ndarray:
        text = row_no[r].astype(str)
        return (files[r].astype(str) + " row " + text) if files is not None else "row " + text

    out, repeats = [], []      # an overlap is said before a repeat of the same row
    key = ["rep_id", "metric", *PERIOD_COLUMNS, "value"]
    dup = long.duplicated(key, keep="first").to_numpy()
    if dup.any():
        first = long.groupby(key, observed=True, sort=False)["_row"].transform("min").to_numpy()
        repeats.append(problems(long["_row"].to_numpy()[dup], "period_start",
                            long["period_start"].dt.strftime("%Y-%m-%d").to_numpy()[dup],
                            "duplicate of " + name(first[dup]).astype(object)
                            + " (same rep, metric, period and total)", "duplicate"))
    rest = long[~dup]
    mask, block = overlapping(rest, ["rep_id", "metric"])
    if mask.any():
        over = rest[mask]
        rows = over["_row"].to_numpy()
        listing = pd.Series(name(rows)).groupby(block[mask]).agg(
            lambda r: ", ".join(sorted(set(r))))
        reasons = ("period of " + over["metric"].astype(str).to_numpy() + " overlaps another of "
                   "the same rep (" + pd.Series(block[mask]).map(listing).to_numpy() + ")")
        out.append(problems(rows, "period_start",
                            over["period_start"].dt.strftime("%Y-%m-%d").to_numpy(),
                            reasons, "overlap", what="period"))
    return out + repeats


__all__ = ["PERIOD_COLUMNS", "PERIODS_NOTE", "is_period_form", "load_period_activity"]
