"""``activity``: long or wide form to long rows ``rep_id, date, metric, value``, checked fast."""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from ...rules import isin_array
from ...schemas import LEVEL_METRICS, METRICS, REPORTED_ACTIVE, TABLES, TableSpec
from ..cells.common import plain_text, values_present
from ..cells.ids import normalise_names, parse_ids
from ..cells.numbers import percent_scale, percent_warning
from ..checks import (
    ACTIVITY_COLUMNS,
    LONG_LEVELS,
    WIDE_LEVELS,
    activity_form,
    activity_schema_problems,
    cell_problems,
    check_cells,
    type_columns,
    typing_rules,
)
from ..quality import LoadedTable, split_rejects
from ..read import RawTable
from .period_activity import is_period_form, load_period_activity


def load_activity_table(raw: RawTable) -> LoadedTable:
    """``activity`` as long rows: a wide file (one column per metric) is melted; each row is
    typed and checked, and a level written 0-100 is read as percentages (a warning says so).
    A source row with a problem in any of its cells is rejected whole."""
    spec = TABLES["activity"]
    if is_period_form(list(raw.frame.columns)):
        return load_period_activity(raw)
    notes = list(raw.notes)
    cols = list(raw.frame.columns)
    long_form = activity_form(cols, raw.file) == "long"
    if long_form:
        extra = [c for c in cols if c not in ("rep_id", "date", "metric", "value")]
        if extra:
            notes.append(extra_columns_note(raw.file, extra))
        columns = list(ACTIVITY_COLUMNS)
        cells = type_columns(raw, spec, columns)
        cells.typed["metric"] = normalise_names(cells.typed["metric"])
        problems = cell_problems(cells, typing_rules(spec, columns, decimal=raw.decimal,
                                                     levels={"value": LONG_LEVELS}))
        df = cells.typed
        data = np.ones(len(df), dtype=bool)
        data[raw.header_rows] = False              # a repeated header is no metric's row
        unknown = sorted(values_present(df["metric"][data]) - set(METRICS))
        if unknown:
            notes.append(unknown_metrics_note(raw.file, unknown))
        df = df[["rep_id", "date", "metric", "value"]]
        df["_row"] = df.index
    else:
        metric_cols = [c for c in cols if c in METRICS]
        unknown = [c for c in cols if c not in METRICS and c not in ("rep_id", "date")]
        if unknown:
            notes.append(f"{raw.file}: column(s) {describe_unknown(unknown)} are not known "
                         "metrics and were not used (see data/README.md for the metric names)")
        df, problems = check_cells(
            raw, TableSpec("activity", spec.schema, (), ("rep_id",), ("date",),
                           tuple(metric_cols)), ["rep_id", "date", *metric_cols],
            levels={m: WIDE_LEVELS for m in LEVEL_METRICS & set(metric_cols)})
        wide = df[["rep_id", "date", *metric_cols]].assign(_row=df.index)
        df = wide.melt(id_vars=["rep_id", "date", "_row"], var_name="metric", value_name="value")
        df = df[df["value"].notna()].sort_values(["_row", "metric"], kind="stable")
        df = df[["rep_id", "date", "metric", "value", "_row"]].reset_index(drop=True)
    warnings = _percent_levels(df, raw.file)
    # validate the long rows, then map failures back to source rows
    vdf = df.drop(columns="_row")
    long_problems = activity_schema_problems(vdf)
    for p in long_problems:
        p["idx"] = df["_row"].to_numpy()[p["idx"].to_numpy()]
        problems.append(p)
    # the source rows with a problem (and their ids, for the rejects list); the rest are kept
    bad = (np.unique(np.concatenate([p["idx"].to_numpy(dtype=np.int64) for p in problems]))
           if problems else np.array([], dtype=np.int64))
    src = pd.DataFrame({"rep_id": plain_text(parse_ids(raw.frame["rep_id"].iloc[bad]))})
    _, rej = split_rejects(raw, "activity", src, problems)
    if len(rej):
        rejected = np.zeros(len(raw.frame), dtype=bool)
        rejected[rej["row"].to_numpy(dtype=np.int64) - raw.row_offset] = True
        df = df[~rejected[df["_row"].to_numpy()]]
    return LoadedTable(df.reset_index(drop=True), rej, len(raw.frame), notes, warnings=warnings)


def _percent_levels(df: pd.DataFrame, file: str) -> list[str]:
    """Levels written as percentages are divided by 100 in place (a documented repair); returns
    the warnings."""
    out = []
    for metric in sorted(LEVEL_METRICS):
        rows = isin_array(df["metric"], [metric])
        if not rows.any():
            continue
        v = df["value"].to_numpy(dtype=float)[rows]
        if percent_scale(v):
            scaled = np.where(np.isfinite(v) & (v >= 0), v / 100.0, v)
            df.loc[rows, "value"] = scaled
            out.append(percent_warning(file, metric, v[np.isfinite(v) & (v >= 0)].max(),
                                       int(rows.sum())))
    return out


def level_conflicts(df: pd.DataFrame) -> dict[str, tuple[int, str, object, float, float]]:
    """Level metrics given different values for one rep on one day (after the rows rejected
    are left out): ``{metric: (rep-days, rep_id, date, lowest, highest)}`` of the first such
    rep-day (by rep_id, then date). A level is one value a day, so which one is meant cannot be
    told; the scorers use the largest (both engines), and :func:`level_conflict_warning` says
    so."""
    out = {}
    levels = isin_array(df["metric"], LEVEL_METRICS)
    if not levels.any() or not pd.DataFrame({   # the keys grouped by below, all levels at once
            "metric": df["metric"][levels].to_numpy(),
            "rep_id": plain_text(df["rep_id"][levels]).astype(str).to_numpy(),
            "date": df["date"][levels].to_numpy()}).duplicated().any():
        return out                             # one value at most per metric, rep and day
    for metric in sorted(LEVEL_METRICS):
        rows = isin_array(df["metric"], [metric])
        if not rows.any():
            continue
        lv = pd.DataFrame({"rep_id": plain_text(df["rep_id"][rows]).astype(str).to_numpy(),
                           "date": df["date"][rows].to_numpy(),
                           "value": df["value"][rows].to_numpy(dtype=float)})
        span = lv.groupby(["rep_id", "date"], sort=True)["value"].agg(["min", "max"])
        odd = span[span["min"] < span["max"]]
        if len(odd):
            (rep, day), first = odd.index[0], odd.iloc[0]
            out[metric] = (len(odd), rep, day, float(first["min"]), float(first["max"]))
    return out


def level_conflict_warning(file: str, metric: str, n: int, rep: str, day: object,
                           low: float, high: float) -> str:
    """The warning of :func:`level_conflicts` (both engines say it so)."""
    return (f"{file}: {metric} has different values on one day for {n} rep-day(s) (e.g. "
            f"rep_id {rep} on {pd.Timestamp(day):%Y-%m-%d}: from {low:g} to {high:g}); the "
            "largest of the day is used (a level is one value a day: keep one row per rep and "
            "day in the source to silence this)")


def extra_columns_note(file: str, extra: list[str]) -> str:
    """The note of columns a long table does not use."""
    return f"{file}: extra column(s) {', '.join(extra)} not used"


def unknown_metrics_note(file: str, names: list[str]) -> str:
    """The note of metric names not in the catalogue (their rows are rejected)."""
    return (f"{file}: unknown metric name(s) {describe_unknown(names)}; their rows are "
            "rejected (see data/README.md for the metric names)")


def absent_metrics(present: set) -> list[str]:
    """The catalogue metrics with no row in the data (days active, derived from the dates when
    not reported, are never absent)."""
    return sorted(set(METRICS) - set(present) - {REPORTED_ACTIVE})


def absent_metrics_note(file: str, absent: list[str]) -> str:
    """The note of catalogue metrics with no row in the data."""
    return (f"{file}: metric(s) absent from the data: {', '.join(absent)}; left out of "
            "scoring and their pillar's weights renormalised over the metrics present")


def describe_unknown(names: list[str]) -> str:
    """Unknown metric names as a note shows them: the first ten, each with the closest metric."""
    parts = []
    for n in names[:10]:
        close = difflib.get_close_matches(n, list(METRICS), n=1, cutoff=0.75)
        parts.append(f"'{n}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    return ", ".join(parts) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
