"""``ssi_observed`` rows of one layout, checked: the long and the wide form to long rows
``rep_id, date, field, value``.

The files of one layout are checked together (:func:`ssi_analysis.io.tables.observed.
load_observed` groups them), and :class:`RowsWhere` names each row's own file and row. Long rows
have their sections and labels resolved and their values read as the page shows them; a row
that holds no score is left out with its reason. Wide rows are checked by the table's rules,
then laid out long. The snapshot rules follow: of a rep's day the latest snapshot (by the time
column) is used, a field given twice is a duplicate (the same value) or a clash (another), and a
snapshot missing the SSI or a pillar, or out of range, is rejected whole.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...mapping import ObservedLabels, label_key
from ...rules import KINDS, Cells, problem_frame
from ...rules import problems as problems_of
from ...schemas import TABLES, TableSpec
from ..cells.common import distinct_values, is_missing, take_by_code
from ..cells.numbers import number_rules, parse_numbers
from ..cells.scores import clip_text, shown_numbers
from ..checks import cell_problems, check_cells, require_columns, schema_problems
from ..linkedin_json import JSON_PROBLEM
from ..quality import LoadedTable, split_rejects
from ..read import RawTable

_PILLARS = ("brand", "people", "insights", "relationships")
OBSERVED_REQUIRED = ("ssi", *_PILLARS)
_GROUPED = ("ssi", *_PILLARS)     # fields a section's group prefixes (industry_brand ...)
OBSERVED_SPEC = TABLES["ssi_observed"]
_KEYS_SPEC = TableSpec("ssi_observed", OBSERVED_SPEC.schema, (), ("rep_id",), ("date",), ())


# ------------------------------------------------------------------ where a row is
@dataclass(frozen=True)
class RowsWhere:
    """The file and row (as a user sees it) of each row of a group of files."""

    file: np.ndarray
    row: np.ndarray

    def rows(self, idx: pd.Series | pd.Index | np.ndarray,
             of: pd.Series | pd.Index | np.ndarray | None = None) -> pd.Series:
        """``'row 3'``, or ``'ssi_2026-05-19.csv row 3'`` when the row is in another file
        than the row ``of`` it is named for (``of=None``: whenever the group spans files)."""
        idx = np.asarray(idx, dtype=np.int64)
        text = "row " + pd.Series(self.row[idx]).astype(str)
        files = pd.Series(self.file[idx]).astype(str)
        other = (files.ne(pd.Series(self.file[np.asarray(of, dtype=np.int64)]).astype(str))
                 if of is not None else pd.Series(len(set(self.file.tolist())) > 1,
                                                  index=files.index))
        return text.where(~other.to_numpy(dtype=bool), files + " " + text)


def _rows_listed(where: RowsWhere, groups: pd.Series, idx: pd.Index) -> pd.Series:
    """Per row, the rows of its group listed (``'rows 3, 7'``; with the files when the rows
    come from several)."""
    pos = np.asarray(idx, dtype=np.int64)
    multi = len(set(where.file.tolist())) > 1
    shown = pd.Series(where.rows(pos).to_numpy() if multi else where.row[pos].astype(str),
                      index=idx)
    listed = shown.groupby(groups.to_numpy()).agg(", ".join)
    return pd.Series(("" if multi else "rows ") + groups.map(listed).to_numpy(dtype=object),
                     index=idx)


# ------------------------------------------------------------------ long form
def _mapped(s: pd.Series, fn: Callable[[object], object]) -> pd.Series:
    """``fn`` of each distinct text cell (missing stays ``None``)."""
    def one(v: object) -> object:
        return None if v is None or (isinstance(v, float) and v != v) else fn(v)
    found = distinct_values(s)
    if found is None:
        return s.map(one).astype(object)
    codes, values = found
    return take_by_code(values.astype(object).map(one).astype(object), codes, s.index)


def load_long_layout(raw: RawTable, labels: ObservedLabels, where: RowsWhere,
               notes: list[str]) -> LoadedTable:
    """Long rows to ``rep_id, date, field, value``: sections and labels resolved, values read as
    shown; rows holding no score left out with their reason; snapshots checked whole."""
    require_columns(raw, OBSERVED_SPEC, ("rep_id", "date", "field", "value"))
    df, problems = check_cells(raw, _KEYS_SPEC, ["rep_id", "date"])
    f = raw.frame
    # fields, and whose number each row holds
    label = f["field"]
    given = ~is_missing(label)
    base = _mapped(label, labels.field).where(given, None)
    skipped = given & _mapped(label, lambda v: label_key(v) in labels.skip).fillna(False) \
        .astype(bool)
    if "section" in f:
        section_given = ~is_missing(f["section"])
        group = _mapped(f["section"], labels.section).where(section_given, "any")
        unknown_section = section_given & group.isna()
    else:
        group = pd.Series("any", index=f.index, dtype=object)
        unknown_section = pd.Series(False, index=f.index)
    df["field"], clash = _grouped_fields(base, group)
    # values as shown
    text, no_number = shown_numbers(f["value"], rank_words=labels.rank_words,
                                    out_of=labels.out_of)
    df["value"], bad = parse_numbers(text, raw.decimal)
    # a label that is no field, whose value holds no digit, is a line of text of the page (a
    # status line, a notice); a field's value without one is a score that is not a number
    text_row = (no_number & given & base.isna()).to_numpy(dtype=bool)
    left_out = text_row | skipped.to_numpy(dtype=bool)
    cells = Cells(df, f, {"value": bad.to_numpy(dtype=bool) & ~left_out})
    problems += cell_problems(cells, number_rules("value", decimal=raw.decimal))
    unknown = given & base.isna() & ~skipped
    if unknown.any():
        written = f.loc[unknown, "field"].astype(str)
        problems.append(problems_of(df.index[unknown], "field", written,
                                    "unknown field '" + written + "'", "unknown_field"))
        _unknown_note(notes, raw.file, "field", written[~text_row[unknown.to_numpy()]],
                      labels.known_fields(), "[ssi_fields]")
    if unknown_section.any():
        written = f.loc[unknown_section, "section"].astype(str)
        problems.append(problems_of(df.index[unknown_section], "section", written,
                                    "unknown section '" + written + "'", "unknown_section"))
        _unknown_note(notes, raw.file, "section",
                      written[~text_row[unknown_section.to_numpy()]], sorted(labels.sections),
                      "[ssi_sections]")
    if clash.any():
        written = f.loc[clash, "field"].astype(str)
        problems.append(problems_of(
            df.index[clash], "field", written,
            "field '" + written + "' (" + base[clash].astype(str) + ") in section '"
            + f.loc[clash, "section"].astype(str) + "' (" + group[clash].astype(str) + ")",
            "field_section"))
    for col, gone in (("rep_id", df["rep_id"].isna()), ("date", df["date"].isna()),
                      ("field", ~given), ("value", df["value"].isna() & ~left_out)):
        if gone.any():
            problems.append(problems_of(df.index[gone], col, "", f"missing {col}", "missing"))
    # a row that holds no score is left out for that alone
    if left_out.any():
        problems = [p[~p["idx"].isin(df.index[left_out])] for p in problems]
        if text_row.any():
            shown = f["value"][text_row].map(clip_text)
            problems.insert(0, problems_of(df.index[text_row], "value", shown,
                                           "no number in '" + shown + "': text the page shows, "
                                           "not a score", "no_number"))
        rest = skipped.to_numpy(dtype=bool) & ~text_row
        if rest.any():
            written = f.loc[rest, "field"].astype(str)
            problems.insert(0, problems_of(df.index[rest], "field", written,
                                           "'" + written + "' is not a score (the mapping's "
                                           "skip list)", "skipped_label"))
    if "time" in f:
        df["_time"] = _seconds(f["time"])
    keep = ["rep_id", "date", "field", "value", *(["_time"] if "time" in f else [])]
    kept, rej = split_rejects(raw, "ssi_observed", df[keep], [p for p in problems if len(p)])
    more = _superseded(kept, where)
    gone = set(pd.concat(more)["idx"]) if more else set()
    more += _repeated_fields(kept[~kept.index.isin(gone)], where)
    gone = set(pd.concat(more)["idx"]) if more else set()
    more += _rejected_snapshots(kept[~kept.index.isin(gone)])
    kept2, rej2 = split_rejects(raw, "ssi_observed", kept, more)
    rejects = pd.concat([r for r in (rej, rej2) if not r.empty], ignore_index=True) \
        if not (rej.empty and rej2.empty) else rej
    out = kept2[["rep_id", "date", "field", "value"]]
    return LoadedTable(out.assign(_row=out.index), rejects, len(f), [])


def _grouped_fields(base: pd.Series, group: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The field of each row from its label's field and its section's group: a pillar or the
    SSI in the industry's block is ``industry_<pillar>`` / ``industry_ssi``; a field naming a
    group keeps it (a rank in the member's block); one naming the other group than its
    section's clashes (returned as a mask, its field ``None``)."""
    b = base.astype(object)
    g = group.astype(object)
    benchmark = g.isin(["industry", "network"]) & b.isin(_GROUPED)
    out = b.where(~benchmark, g + "_" + b)
    named = b.astype(str).str.extract(r"^(industry|network)_", expand=False)
    clash = g.isin(["industry", "network"]) & named.notna() & named.ne(g) & b.notna()
    return out.where(~clash, None), clash


def _unknown_note(notes: list[str], file: str, what: str, written: pd.Series,
                  known: list[str], key: str) -> None:
    odd = sorted(set(written))
    if not odd:
        return
    shown = []
    for n in odd[:8]:
        close = difflib.get_close_matches(label_key(n), known, n=1, cutoff=0.75)
        shown.append(f"'{n}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    notes.append(f"{file}: unknown {what} name(s) {', '.join(shown)}"
                 + (f" and {len(odd) - 8} more" if len(odd) > 8 else "")
                 + f"; their rows are rejected (name them in a mapping file's {key})")


def _seconds(s: pd.Series) -> pd.Series:
    """A time of day (``09:27``, ``9:27:05``, a timestamp) as seconds since midnight; NaN when
    not read."""
    if pd.api.types.is_datetime64_any_dtype(s):
        t = s.dt
        return (t.hour * 3600 + t.minute * 60 + t.second).astype(float)
    parts = s.astype("string").str.extract(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
    h, m, sec = (pd.to_numeric(parts[i], errors="coerce") for i in range(3))
    return (h * 3600 + m * 60 + sec.fillna(0)).astype(float)


def _superseded(kept: pd.DataFrame, where: RowsWhere) -> list[pd.DataFrame]:
    """Rows of an earlier snapshot of the same rep and day (by the time column): the latest of
    the day is used."""
    if "_time" not in kept or kept.empty:
        return []
    latest = kept.groupby(["rep_id", "date"])["_time"].transform("max")
    old = (kept["_time"] < latest).to_numpy(dtype=bool)
    if not old.any():
        return []
    late = kept["_time"].eq(latest)
    first_late = kept.index.to_series()[late].groupby(
        [kept.loc[late, "rep_id"], kept.loc[late, "date"]]).min()
    keys = pd.MultiIndex.from_frame(kept.loc[old, ["rep_id", "date"]])
    at = where.rows(first_late.reindex(keys).to_numpy(dtype=np.int64), of=kept.index[old])
    clock = pd.to_datetime(latest[old], unit="s").dt.strftime("%H:%M")
    reasons = ("an earlier snapshot of the same day: the one at " + clock.to_numpy(dtype=object)
               + " (" + at.to_numpy(dtype=object) + ") is used")
    return [problems_of(kept.index[old], "time",
                        pd.to_datetime(kept.loc[old, "_time"], unit="s").dt.strftime("%H:%M"),
                        pd.Series(reasons, index=kept.index[old]), "superseded")]


def _repeated_fields(kept: pd.DataFrame, where: RowsWhere) -> list[pd.DataFrame]:
    """A field given twice for one snapshot: exact repeats are duplicates of the first, and
    different values all clash (which one is right cannot be told)."""
    more = []
    key = ["rep_id", "date", "field"]
    rep = kept[kept.duplicated(key, keep=False)]
    if not rep.empty:
        groups = rep.groupby(key, sort=False).ngroup()
        variants = rep.groupby(key)["value"].transform("nunique")
        first = rep.index.to_series().groupby(groups.to_numpy()).transform("min")
        clash = variants > 1
        later = ~clash & rep.index.to_series().ne(first)
        if clash.any():
            fld = rep.loc[clash, "field"]
            listed = _rows_listed(where, groups[clash], rep.index[clash])
            more.append(problems_of(rep.index[clash], "value",
                                    rep.loc[clash, "value"].astype(str),
                                    "different values for " + fld
                                    + " on the same rep and date (" + listed + ")",
                                    "different_values", field=fld))
        if later.any():
            shown = where.rows(first[later].to_numpy(), of=rep.index[later]) \
                .set_axis(rep.index[later])
            more.append(problems_of(rep.index[later], "field", rep.loc[later, "field"],
                                    "duplicate of " + shown
                                    + " (same rep, date and field)", "duplicate"))
    return more


def _rejected_snapshots(ok: pd.DataFrame) -> list[pd.DataFrame]:
    """Every row of a snapshot that lacks a pillar or the SSI, or whose values the schema
    rejects (the first reason of the snapshot is each row's)."""
    if ok.empty:
        return []
    snap = ok.groupby(["rep_id", "date"], sort=False).ngroup()
    wide = ok.assign(_snap=snap).pivot_table(index="_snap", columns="field", values="value",
                                             aggfunc="first")
    keys = ok.assign(_snap=snap).groupby("_snap")[["rep_id", "date"]].first()
    keys["rep_id"] = keys["rep_id"].astype(object)      # ids are text objects everywhere
    wide = keys.join(wide)
    for c in OBSERVED_REQUIRED:
        if c not in wide:
            wide[c] = np.nan
    incomplete = wide[list(OBSERVED_REQUIRED)].isna()
    snap_reason = pd.Series(None, index=wide.index, dtype=object)
    snap_kind = pd.Series(None, index=wide.index, dtype=object)
    if incomplete.any(axis=None):
        miss = incomplete.apply(lambda r: ", ".join(c for c, v in r.items() if v), axis=1)
        has = miss.ne("")
        snap_reason[has] = "snapshot incomplete: no " + miss[has]
        snap_kind[has] = "snapshot_incomplete"
    to_check = wide[~snap_reason.notna()][["rep_id", "date",
                                            *[c for c in OBSERVED_SPEC.numbers if c in wide]]]
    checked = schema_problems(to_check, OBSERVED_SPEC) if not to_check.empty else []
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


# ------------------------------------------------------------------ wide form
def load_wide_layout(raw: RawTable, labels: ObservedLabels, where: RowsWhere) -> LoadedTable:
    """Wide rows (one per snapshot) checked by the table's rules, then as long rows."""
    frame = raw.frame
    shape = frame[JSON_PROBLEM] if JSON_PROBLEM in frame else None
    frame = frame.drop(columns=[JSON_PROBLEM]) if shape is not None else frame
    numbers = [c for c in OBSERVED_SPEC.numbers if c in frame]
    shown = {c: shown_numbers(frame[c], rank_words=labels.rank_words,
                              out_of=labels.out_of)[0] for c in numbers}
    typed_raw = RawTable(frame.assign(**shown), raw.file, raw.row_offset, raw.decimal, [])
    require_columns(typed_raw, OBSERVED_SPEC, OBSERVED_SPEC.required)
    known = [c for c in (*OBSERVED_SPEC.ids, *OBSERVED_SPEC.dates, *OBSERVED_SPEC.numbers) if c in frame]
    df, problems = check_cells(typed_raw, OBSERVED_SPEC, known)
    problems += schema_problems(df[[c for c in df.columns if c in known]], OBSERVED_SPEC)
    if shape is not None and shape.notna().any():
        bad = shape.notna().to_numpy()
        problems = [p[~p["idx"].isin(df.index[bad])] for p in problems]
        problems.insert(0, problem_frame(df.index[bad], "json", None,
                                         shape[bad].to_numpy(dtype=object),
                                         KINDS["json_shape"].label, KINDS["json_shape"].fix))
    if "time" in frame:
        df["_time"] = _seconds(frame["time"])
    kept, rej = split_rejects(typed_raw, "ssi_observed", df, [p for p in problems if len(p)])
    more = _superseded(kept, where)
    gone = set(pd.concat(more)["idx"]) if more else set()
    later = kept[~kept.index.isin(gone)]
    dup = later.duplicated(["rep_id", "date"], keep="first")
    if dup.any():
        first = later.index.to_series().groupby([later["rep_id"], later["date"]]) \
            .transform("min")
        at = where.rows(first[dup].to_numpy(), of=later.index[dup]).set_axis(later.index[dup])
        more.append(problems_of(later.index[dup], "date",
                                later.loc[dup, "date"].dt.strftime("%Y-%m-%d"),
                                "duplicate of " + at + " (same rep and date)", "duplicate"))
    kept2, rej2 = split_rejects(typed_raw, "ssi_observed", kept, more)
    rejects = pd.concat([r for r in (rej, rej2) if not r.empty], ignore_index=True) \
        if not (rej.empty and rej2.empty) else rej
    fields = [c for c in OBSERVED_SPEC.numbers if c in kept2]
    long = kept2[["rep_id", "date", *fields]].assign(_row=kept2.index).melt(
        id_vars=["rep_id", "date", "_row"], value_vars=fields, var_name="field",
        value_name="value").dropna(subset=["value"])
    long = long.sort_values(["_row", "field"], kind="stable")
    return LoadedTable(long[["rep_id", "date", "field", "value", "_row"]].reset_index(drop=True),
                       rejects, len(frame), [])
