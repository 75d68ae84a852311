"""``ssi_observed``: LinkedIn's own scores, wide (one row a snapshot) or long (one row a field)."""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from ...errors import SSIInputError
from ...rules import Cells, kinded
from ...rules import problems as problems_of
from ...schemas import TABLES, TableSpec, normalise_name
from ..cells.numbers import number_rules, parse_numbers
from ..checks import cell_problems, check_cells, check_table, require_columns, schema_problems
from ..files import RawTable
from ..quality import LoadedTable, reject_rows, split_rejects
from .activity import extra_columns_note

_RANK_FIELDS = ("industry_rank", "network_rank")


_OBSERVED_REQUIRED = ("ssi", "brand", "people", "insights", "relationships")


def _rank_text(s: pd.Series) -> pd.Series:
    """``'Top 9%'`` -> ``'9'``: ranks as LinkedIn shows them."""
    if pd.api.types.is_numeric_dtype(s):
        return s
    text = s.astype("string").str.replace(r"(?i)^\s*top\s*|\s*%\s*$", "", regex=True)
    return text.astype(object).where(s.notna(), None)


def load_observed_table(raw: RawTable, aliases: dict[str, str]) -> LoadedTable:
    """``ssi_observed`` in wide form (one row per snapshot) or long form (one row per field)."""
    if {"field", "value"} <= set(raw.frame.columns):
        return _load_observed_long(raw, aliases)
    frame = raw.frame
    rename = {c: aliases[c] for c in frame.columns
              if c not in TABLES["ssi_observed"].numbers and c in aliases}
    targets = [*rename.values(), *(c for c in frame.columns if c not in rename)]
    clash = sorted({c for c in targets if targets.count(c) > 1})
    if clash:
        held = [k for k, v in rename.items() if v == clash[0]] + \
            ([clash[0]] if clash[0] in frame.columns else [])
        raise SSIInputError(f"columns {', '.join(held)} all hold {clash[0]}", file=raw.file,
                            fix="keep one column per field")
    notes = list(raw.notes)
    if rename:
        notes.append(f"{raw.file}: column(s) read as fields of ssi_observed: "
                     + ", ".join(f"{k} as {v}" for k, v in rename.items()))
    frame = frame.rename(columns=rename)
    for col in _RANK_FIELDS:
        if col in frame:
            frame = frame.assign(**{col: _rank_text(frame[col])})
    ld = check_table(RawTable(frame, raw.file, raw.row_offset, raw.decimal, notes),
                       TABLES["ssi_observed"])
    _reject_duplicate_snapshots(ld, raw)
    return ld


def _load_observed_long(raw: RawTable, aliases: dict[str, str]) -> LoadedTable:
    """Long form ``rep_id, date, field, value``: fields named by ``aliases``, one snapshot per
    rep and date; a snapshot missing a pillar, or with a value out of range, is rejected whole
    (every one of its rows), so rows read = used + rejected still holds row by row."""
    spec = TABLES["ssi_observed"]
    require_columns(raw, spec, ("rep_id", "date", "field", "value"))
    notes = list(raw.notes)
    cols = list(raw.frame.columns)
    extra = [c for c in cols if c not in ("rep_id", "date", "field", "value")]
    if extra:
        notes.append(extra_columns_note(raw.file, extra))
    df, problems = _typed_fields(raw, aliases, notes)
    long = df[["rep_id", "date", "field", "value"]]
    kept, rej = split_rejects(raw, "ssi_observed", long, problems)
    more = _repeated_fields(kept, raw.row_offset)
    gone = set(pd.concat(more)["idx"]) if more else set()
    more += _rejected_snapshots(kept[~kept.index.isin(gone)])
    kept2, rej2 = split_rejects(raw, "ssi_observed", kept, more)
    rejects = pd.concat([r for r in (rej, rej2) if not r.empty], ignore_index=True) \
        if not (rej.empty and rej2.empty) else rej
    return LoadedTable(kept2.assign(_row=kept2.index), rejects, len(raw.frame), notes)


def _typed_fields(raw: RawTable, aliases: dict[str, str],
                  notes: list[str]) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """The long rows typed (fields named by ``aliases``, ranks as LinkedIn shows them read as
    numbers), and the problems of each row: an unknown field, a cell not read or missing."""
    spec = TABLES["ssi_observed"]
    known = set(spec.numbers)
    df, problems = check_cells(raw, TableSpec("ssi_observed", spec.schema, (), ("rep_id",),
                                              ("date",), ()), ["rep_id", "date"])
    names = raw.frame["field"].map(lambda f: normalise_name(f) if isinstance(f, str) else None)
    df["field"] = names.map(lambda f: f if f in known else aliases.get(f))
    unknown = names.notna() & df["field"].isna()
    if unknown.any():
        written = raw.frame.loc[unknown, "field"].astype(str)
        problems.append(problems_of(df.index[unknown], "field", written,
                                    "unknown field '" + written + "'", "unknown_field"))
        odd = sorted(set(names[unknown]))
        shown = []
        for n in odd[:10]:
            close = difflib.get_close_matches(n, sorted(known | set(aliases)), n=1, cutoff=0.75)
            shown.append(f"'{n}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        notes.append(f"{raw.file}: unknown field name(s) {', '.join(shown)}; their rows are "
                     "rejected (name them in a mapping file's [ssi_fields])")
    value_cells = raw.frame["value"].where(~df["field"].isin(_RANK_FIELDS),
                                           _rank_text(raw.frame["value"]))
    df["value"], bad = parse_numbers(value_cells, raw.decimal)
    cells = Cells(df, raw.frame, {"value": bad.to_numpy(dtype=bool)})
    problems += cell_problems(cells, number_rules("value", decimal=raw.decimal))
    for col in ("rep_id", "date", "field", "value"):  # a failed parse is reported once
        gone = df[col].isna()
        if gone.any():
            problems.append(problems_of(df.index[gone], col, "", f"missing {col}", "missing"))
    return df, problems


def _repeated_fields(kept: pd.DataFrame, row_offset: int) -> list[pd.DataFrame]:
    """A field given twice for one snapshot: exact repeats are duplicates of the first, and
    different values all clash (which one is right cannot be told)."""
    more = []
    key = ["rep_id", "date", "field"]
    rep = kept[kept.duplicated(key, keep=False)]
    if not rep.empty:
        variants = rep.groupby(key)["value"].transform("nunique")
        first = rep.index.to_series().groupby([rep[k] for k in key]).transform("min")
        rows = (rep.index.to_series() + row_offset).groupby([rep[k] for k in key]) \
            .transform(lambda r: ", ".join(map(str, r)))
        clash = variants > 1
        later = ~clash & rep.index.to_series().ne(first)
        if clash.any():
            field = rep.loc[clash, "field"]
            more.append(problems_of(rep.index[clash], "value",
                                    rep.loc[clash, "value"].astype(str),
                                    "different values for " + field
                                    + " on the same rep and date (rows " + rows[clash] + ")",
                                    "different_values", field=field))
        if later.any():
            more.append(problems_of(rep.index[later], "field", rep.loc[later, "field"],
                                    "duplicate of row " + (first[later] + row_offset)
                                    .astype(str) + " (same rep, date and field)", "duplicate"))
    return more


def _rejected_snapshots(ok: pd.DataFrame) -> list[pd.DataFrame]:
    """Every row of a snapshot that lacks a pillar or the SSI, or whose values the schema
    rejects (the first reason of the snapshot is each row's)."""
    spec = TABLES["ssi_observed"]
    snap = ok.groupby(["rep_id", "date"], sort=False).ngroup()
    wide = ok.assign(_snap=snap).pivot_table(index="_snap", columns="field", values="value",
                                             aggfunc="first")
    keys = ok.assign(_snap=snap).groupby("_snap")[["rep_id", "date"]].first()
    keys["rep_id"] = keys["rep_id"].astype(object)      # ids are text objects everywhere
    wide = keys.join(wide)
    lacking = [c for c in _OBSERVED_REQUIRED if c not in wide]
    for c in lacking:
        wide[c] = np.nan
    incomplete = wide[list(_OBSERVED_REQUIRED)].isna()
    snap_reason = pd.Series(None, index=wide.index, dtype=object)
    snap_kind = pd.Series(None, index=wide.index, dtype=object)
    if incomplete.any(axis=None):
        miss = incomplete.apply(lambda r: ", ".join(c for c, v in r.items() if v), axis=1)
        has = miss.ne("")
        snap_reason[has] = "snapshot incomplete: no " + miss[has]
        snap_kind[has] = "snapshot_incomplete"
    to_check = wide[~snap_reason.notna()][["rep_id", "date",
                                            *[c for c in spec.numbers if c in wide]]]
    checked = schema_problems(to_check, spec) if not to_check.empty else []
    for prob in checked:
        first_reason = prob.groupby("idx")["reason"].first()
        snap_reason[first_reason.index] = "snapshot rejected: " + first_reason
        snap_kind[first_reason.index] = "snapshot_rejected"
    bad_snaps = snap_reason.dropna()
    if bad_snaps.empty:
        return []
    hit = snap.isin(bad_snaps.index).to_numpy()
    out = []
    for kind in ("snapshot_incomplete", "snapshot_rejected"):
        rows = hit & snap.map(snap_kind).eq(kind).to_numpy()
        if rows.any():
            out.append(problems_of(ok.index[rows], "field", ok.loc[rows, "field"].astype(str),
                                   snap[rows].map(bad_snaps).to_numpy(dtype=object), kind))
    return [pd.concat(out).sort_values("idx", kind="stable")]


def _reject_duplicate_snapshots(ld: LoadedTable, raw: RawTable) -> None:
    """Wide ``ssi_observed``: a second row for the same rep and date is rejected."""
    key = ["rep_id", "date"]
    dup = ld.frame.duplicated(key, keep="first")
    if dup.any():
        first_row = ld.frame.groupby(key)["_row"].transform("min") + raw.row_offset
        reasons = "duplicate of row " + first_row.astype(str) + " (same rep and date)"
        reject_rows(ld, dup, "ssi_observed", raw.file, kinded(reasons, "duplicate"), "date")


def observed_wide(long: pd.DataFrame) -> pd.DataFrame:
    """Long ``rep_id, date, field, value`` snapshots as one row per rep and date.

    Columns: ``rep_id, date, ssi, brand, people, insights, relationships``, then the ranks and
    benchmark averages present; ``_row`` is the source row of each snapshot's first field.

    >>> long = pd.DataFrame({"rep_id": ["A"] * 5, "date": pd.to_datetime(["2026-05-19"] * 5),
    ...                      "field": ["ssi", "brand", "people", "insights", "relationships"],
    ...                      "value": [53.0, 20.998, 6.4, 10.25, 15.0], "_row": range(5)})
    >>> observed_wide(long).drop(columns="_row").values.tolist()
    [['A', Timestamp('2026-05-19 00:00:00'), 53.0, 20.998, 6.4, 10.25, 15.0]]
    """
    rows = long.groupby(["rep_id", "date"], sort=True)["_row"].min()
    wide = long.pivot_table(index=["rep_id", "date"], columns="field", values="value",
                            aggfunc="first", sort=True)
    order = [c for c in TABLES["ssi_observed"].numbers
             if c in wide.columns or c in _OBSERVED_REQUIRED]    # the pillars even if empty
    out = wide.reindex(columns=order).join(rows).reset_index()
    out.columns.name = None
    return out


def flag_observed_totals(ld: LoadedTable, file: str) -> None:
    """The SSI LinkedIn shows is the pillar sum rounded: flag totals off by more than 0.5."""
    df = ld.frame
    total = df[["brand", "people", "insights", "relationships"]].sum(axis=1)
    off = (df["ssi"] - total).abs() > 0.5 + 1e-9
    if not off.any():
        return
    bad = df[off]
    offset = 1 if file.endswith((".parquet", ".json")) else 2
    why = kinded("ssi differs from the pillar sum by more than 0.5 (kept; the pillars sum "
                 "to " + total[off].round(3).astype(str) + ")", "total_off")
    flags = pd.DataFrame({
        "table": "ssi_observed", "file": file, "row": bad["_row"].to_numpy() + offset,
        "rep_id": bad["rep_id"].to_numpy(dtype=object), "column": "ssi",
        "value": bad["ssi"].astype(str).to_numpy(),
        **{c: why[c].to_numpy(dtype=object) for c in ("reason", "kind", "fix")},
        "_row": bad["_row"].to_numpy()})
    ld.flags = flags if ld.flags is None or ld.flags.empty else pd.concat([ld.flags, flags],
                                                                          ignore_index=True)
