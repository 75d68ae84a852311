"""``ssi_observed``: LinkedIn's own scores, from the files a member or a team holds.

The table is one file (``ssi_observed.csv``, ``.parquet``, ``.xlsx`` or LinkedIn's ``.json``)
or a folder ``ssi_observed/`` of such files at any depth (a tracker's daily files, weekly team
exports), read as one table. Each file is read by its layout (:mod:`ssi_analysis.mapping`):
``--mapping`` when it sets one, else the toolkit's own names or the preset its columns fit (a
note says which):

- **long**: one row per label of the SSI page (``field``, ``value``; optionally the page's
  ``section``, which says whose number the row holds: the member's, the industry's or the
  network's average; and the ``time`` of day);
- **wide**: one row per snapshot, a column per field (its name a field or a label);
- **JSON**: LinkedIn's SSI object (:mod:`ssi_analysis.io.linkedin_json`).

A file without a rep column takes its rep from ``--rep``, the mapping's ``rep_from_path`` or its
``rep``; without a date column, from the mapping's ``date_from_path`` or an ISO date in its name.
Values are read as a person reads the page (``52 de 100`` is 52, ``Primeiros 10%`` 10; the
decimal mark by the file and the column, :mod:`ssi_analysis.io.cells.scores`). Files of the same
layout are checked together (vectorised), and every reject names its own file and row: **rows
read = rows used + rows rejected**, for every file. A row that holds no score (a text line of the
page, a label the mapping skips) is left out with its reason and never costs the snapshot; a
snapshot missing the SSI or a pillar, or out of range, is rejected whole (each of its rows).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import SSIError, SSIInputError
from ...mapping import (
    ISO_DATE_IN_NAME,
    ColumnMapping,
    ObservedFit,
    ObservedLabels,
    detect_observed,
    label_key,
)
from ...rules import KINDS, Cells, kinded, problem_frame
from ...rules import problems as problems_of
from ...schemas import TABLES, TableSpec
from ..cells.common import distinct_values, is_missing, take_by_code
from ..cells.numbers import number_rules, parse_numbers
from ..cells.scores import clip_text, shown_numbers
from ..checks import cell_problems, check_cells, require_columns, schema_problems
from ..linkedin_json import JSON_PROBLEM, read_linkedin_json
from ..quality import ROW_COLUMNS, LoadedTable, split_rejects
from ..read import RawTable, read_raw
from .activity import extra_columns_note

SUFFIXES = (".csv", ".parquet", ".xlsx", ".json")
"""The file types of ``ssi_observed``."""

_PILLARS = ("brand", "people", "insights", "relationships")
_OBSERVED_REQUIRED = ("ssi", *_PILLARS)
_GROUPED = ("ssi", *_PILLARS)     # fields a section's group prefixes (industry_brand ...)
_SPEC = TABLES["ssi_observed"]
_KEYS_SPEC = TableSpec("ssi_observed", _SPEC.schema, (), ("rep_id",), ("date",), ())


# ------------------------------------------------------------------ finding the files
def observed_files(folder: Path) -> tuple[list[Path], list[str]]:
    """The files of ``ssi_observed`` in a data folder, and notes (files in the folder that
    are not tables). One file, or the folder ``ssi_observed/`` (any depth, hidden files and
    Excel's lock files left out); ``[]`` when there is none.

    Raises
    ------
    SSIInputError
        The table is there twice (a file and the folder, or two files), or the folder holds no
        file of a table type.
    """
    if not folder.is_dir():
        return [], []
    wanted = {f"ssi_observed{s}" for s in SUFFIXES}
    single = sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower() in wanted)
    subs = sorted(p for p in folder.iterdir() if p.is_dir() and p.name.lower() == "ssi_observed")
    if single and subs:
        raise SSIInputError(f"the ssi_observed table is there twice: {single[0].name} and "
                            f"{subs[0].name}/", file=str(folder), fix="keep one of them")
    if len(single) > 1:
        raise SSIInputError(f"the ssi_observed table is there in {len(single)} files: "
                            f"{', '.join(p.name for p in single)}", file=str(folder),
                            fix="keep one file per table, or put the files in a folder "
                                "ssi_observed/")
    if not subs:
        return single, []
    root = subs[0]
    files, other = [], []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if not p.is_file() or any(part.startswith((".", "~$")) for part in rel.parts):
            continue
        (files if p.suffix.lower() in SUFFIXES else other).append(p)
    notes = []
    if other:
        shown = ", ".join(str(p.relative_to(folder)) for p in other[:4])
        notes.append(f"{root.name}/: {len(other)} file(s) not read, not a table type "
                     f"({', '.join(SUFFIXES)}): {shown}" + (" ..." if len(other) > 4 else ""))
    if not files:
        raise SSIInputError(f"{root.name}/ holds no file of a table type ({', '.join(SUFFIXES)})",
                            file=str(root), fix="put the snapshot files (CSV, Excel, Parquet or "
                                                "LinkedIn's JSON) in it")
    return files, notes


# ------------------------------------------------------------------ one file to a standard shape
@dataclass
class _File:
    """One file read and laid out in the standard columns of its kind (long or wide)."""

    raw: RawTable
    kind: str                       # "long", "wide" or "json" (wide, with shape problems)
    mapping: ColumnMapping
    notes: list[str] = field(default_factory=list)


def _path_value(pattern: str | None, rel: str, group: str) -> str | None:
    if not pattern:
        return None
    found = re.search(pattern, rel)
    return found.group(group) if found and found.group(group) else None


def _standard_file(raw: RawTable, rel: str, *, mapping: ColumnMapping | None,
                   rep: str | None) -> _File:
    """``raw`` in the standard columns: long ``rep_id, date[, time][, section], field, value``
    or wide ``rep_id, date[, time]`` and a column per field; the rep and the date from the
    file's path or the options where the file has none."""
    notes = list(raw.notes)
    frame = raw.frame
    if JSON_PROBLEM in frame:
        kind, fit = "json", None
        chosen = mapping if mapping is not None else ColumnMapping()
        out = frame
    else:
        try:
            fit, note = _detected(tuple(frame.columns), mapping)
        except SSIInputError as exc:
            exc.file = raw.file
            raise
        notes.append(note.replace(_FILE, raw.file))
        chosen = fit.mapping
        out, kind = _laid_out(frame, fit, raw.file, notes)
    lay = chosen.layout
    has_rep = "rep_id" in out and out["rep_id"].notna().any()
    if not has_rep:
        named = rep or _path_value(lay.rep_from_path, rel, "rep") or lay.rep
        if named is None:
            raise SSIInputError(
                "the file names no rep (no rep column)", file=raw.file, column="rep_id",
                fix="pass --rep ID for the files of one member, or set rep = \"ID\" (or "
                    "rep_from_path = \"(?P<rep>...)\") in the mapping's [ssi_observed], or "
                    "name the rep column in [ssi_observed.columns] rep_id")
        out = out.assign(rep_id=out["rep_id"].where(out["rep_id"].notna(), named)
                         if "rep_id" in out else named)
    elif rep is not None:
        notes.append(f"{raw.file}: --rep {rep} not used: the file has a rep column")
    has_date = "date" in out and out["date"].notna().any()
    if not has_date:
        day = _path_value(lay.date_from_path or ISO_DATE_IN_NAME, rel, "date")
        if day is None:
            raise SSIInputError(
                "the file has no date column and its name holds no date", file=raw.file,
                column="date", fix="name the date column in the mapping's "
                                   "[ssi_observed.columns] date, or name the file by its day "
                                   "(ssi-2026-05-19.csv), or set date_from_path = "
                                   "\"(?P<date>...)\" in [ssi_observed]")
        notes.append(f"{raw.file}: dated {day}, from the file's name")
        out = out.assign(date=out["date"].where(out["date"].notna(), day)
                         if "date" in out else day)
    std = RawTable(out.reset_index(drop=True), raw.file, raw.row_offset, raw.decimal, [])
    return _File(std, kind, chosen, notes)


_FILE = "\x00file\x00"   # stands for the file's name in a note made once for many files


@lru_cache(maxsize=32)
def _detected(columns: tuple[str, ...], mapping: ColumnMapping | None
              ) -> tuple[ObservedFit, str]:
    """The layout of a file with ``columns``: detected once for every file alike (a stop
    names the file: the caller's)."""
    return detect_observed(list(columns), file=_FILE, mapping=mapping)


def _laid_out(frame: pd.DataFrame, fit: ObservedFit, file: str,
              notes: list[str]) -> tuple[pd.DataFrame, str]:
    """The columns a fit names, under the standard names; the columns not used noted."""
    found = dict(fit.found)
    if fit.long:
        out = pd.DataFrame({k: frame[c] for k, c in found.items()}, index=frame.index)
        used = set(found.values())
        kind = "long"
    else:
        keys = {k: c for k, c in found.items() if k in ("rep_id", "date", "time")}
        out = pd.DataFrame({**{k: frame[c] for k, c in keys.items()},
                            **{t: frame[c] for c, t in fit.wide.items()}}, index=frame.index)
        used = {*keys.values(), *fit.wide}
        renamed = [f"{c} as {t}" for c, t in fit.wide.items() if c != t]
        if renamed:
            notes.append(f"{file}: column(s) read as fields of ssi_observed: "
                         + ", ".join(renamed[:8]) + (" ..." if len(renamed) > 8 else ""))
        kind = "wide"
    extra = [c for c in frame.columns if c not in used]
    if extra:
        notes.append(extra_columns_note(file, extra))
    return out, kind


# ------------------------------------------------------------------ where a row is
@dataclass(frozen=True)
class _Where:
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


def _rows_listed(where: _Where, groups: pd.Series, idx: pd.Index) -> pd.Series:
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


def _load_long(raw: RawTable, labels: ObservedLabels, where: _Where,
               notes: list[str]) -> LoadedTable:
    """Long rows to ``rep_id, date, field, value``: sections and labels resolved, values read as
    shown; rows holding no score left out with their reason; snapshots checked whole."""
    require_columns(raw, _SPEC, ("rep_id", "date", "field", "value"))
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


def _superseded(kept: pd.DataFrame, where: _Where) -> list[pd.DataFrame]:
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


def _repeated_fields(kept: pd.DataFrame, where: _Where) -> list[pd.DataFrame]:
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
    for c in _OBSERVED_REQUIRED:
        if c not in wide:
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
                                            *[c for c in _SPEC.numbers if c in wide]]]
    checked = schema_problems(to_check, _SPEC) if not to_check.empty else []
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
def _load_wide(raw: RawTable, labels: ObservedLabels, where: _Where) -> LoadedTable:
    """Wide rows (one per snapshot) checked by the table's rules, then as long rows."""
    frame = raw.frame
    shape = frame[JSON_PROBLEM] if JSON_PROBLEM in frame else None
    frame = frame.drop(columns=[JSON_PROBLEM]) if shape is not None else frame
    numbers = [c for c in _SPEC.numbers if c in frame]
    shown = {c: shown_numbers(frame[c], rank_words=labels.rank_words,
                              out_of=labels.out_of)[0] for c in numbers}
    typed_raw = RawTable(frame.assign(**shown), raw.file, raw.row_offset, raw.decimal, [])
    require_columns(typed_raw, _SPEC, _SPEC.required)
    known = [c for c in (*_SPEC.ids, *_SPEC.dates, *_SPEC.numbers) if c in frame]
    df, problems = check_cells(typed_raw, _SPEC, known)
    problems += schema_problems(df[[c for c in df.columns if c in known]], _SPEC)
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
    fields = [c for c in _SPEC.numbers if c in kept2]
    long = kept2[["rep_id", "date", *fields]].assign(_row=kept2.index).melt(
        id_vars=["rep_id", "date", "_row"], value_vars=fields, var_name="field",
        value_name="value").dropna(subset=["value"])
    long = long.sort_values(["_row", "field"], kind="stable")
    return LoadedTable(long[["rep_id", "date", "field", "value", "_row"]].reset_index(drop=True),
                       rejects, len(frame), [])


# ------------------------------------------------------------------ the table
def load_observed(folder: Path, paths: list[Path], *, mapping: ColumnMapping | None = None,
                  rep: str | None = None) -> LoadedTable:
    """Load ``ssi_observed`` from its files (:func:`observed_files`) as long rows.

    Returns a :class:`~ssi_analysis.io.quality.LoadedTable` whose ``frame`` holds the rows used
    (``rep_id, date, field, value, _row``; ``_row`` numbers the source rows across files),
    ``sources`` the file and row of each ``_row``, and ``file_rows`` the rows read per file.

    Raises
    ------
    SSIInputError
        A file that cannot be read or whose layout fits no mapping, names no rep or no date
        (the fix names the option or the mapping key to set).
    """
    files: list[_File] = []
    for path in paths:
        rel = path.relative_to(folder).as_posix()
        try:
            raw = (read_linkedin_json(path, rel) if path.suffix.lower() == ".json"
                   else read_raw(path, "ssi_observed"))
        except SSIError as exc:
            exc.file = rel
            raise
        raw.notes = [rel + n[len(path.name):] if n.startswith(path.name + ":") else n
                     for n in raw.notes]
        raw.file = rel
        inner = path.relative_to(folder / rel.split("/")[0]).as_posix() if "/" in rel else rel
        files.append(_standard_file(raw, inner, mapping=mapping, rep=rep))
    groups: dict[tuple, list[_File]] = {}
    for f in files:
        key = (f.kind, tuple(f.raw.frame.columns), f.raw.decimal, f.mapping.name)
        groups.setdefault(key, []).append(f)
    notes = _merged_notes([n for f in files for n in f.notes])
    parts, rejects, sources = [], [], []
    base = 0
    for (kind, _, decimal, _), members in groups.items():
        frame = pd.concat([m.raw.frame for m in members], ignore_index=True)
        where = _Where(
            np.concatenate([np.full(len(m.raw.frame), m.raw.file, dtype=object)
                            for m in members]),
            np.concatenate([np.arange(len(m.raw.frame)) + m.raw.row_offset
                            for m in members]))
        label = members[0].raw.file if len(members) == 1 else \
            f"{len(members)} files like {members[0].raw.file}"
        raw = RawTable(frame, label, 0, decimal, [])
        labels = members[0].mapping.observed_labels()
        try:
            ld = (_load_long(raw, labels, where, notes) if kind == "long"
                  else _load_wide(raw, labels, where))
        except SSIInputError as exc:
            exc.file = exc.file if exc.file != label else members[0].raw.file
            raise
        if not ld.rejects.empty:
            r = ld.rejects
            pos = r["row"].to_numpy(dtype=np.int64)
            rejects.append(r.assign(file=where.file[pos], row=where.row[pos]))
        parts.append(ld.frame.assign(_row=ld.frame["_row"] + base, _group=len(parts)))
        sources.append(pd.DataFrame({"file": where.file, "row": where.row}))
        base += len(frame)
    src = pd.concat(sources, ignore_index=True)
    frame = pd.concat(parts, ignore_index=True)
    rejects = [r for r in rejects if not r.empty]
    across = _across_groups(frame, src)
    if across is not None:
        frame, extra = across
        rejects.append(extra)
    file_rows = src["file"].value_counts(sort=False).to_dict()
    out = LoadedTable(frame.drop(columns="_group"),
                      pd.concat(rejects, ignore_index=True)[ROW_COLUMNS] if rejects
                      else pd.DataFrame(columns=ROW_COLUMNS), len(src), notes)
    out.sources = src
    out.file_rows = {str(k): int(v) for k, v in file_rows.items()}
    out.warnings[:0] = [w for f in files for w in f.raw.warnings]   # repairs made reading
    return out


def _merged_notes(notes: list[str]) -> list[str]:
    """Notes of many files: one line per kind of note, the first file named."""
    out: dict[str, tuple[str, int]] = {}
    for n in notes:
        file, _, rest = n.partition(": ")
        key = re.sub(r"\d{4}-\d{2}-\d{2}", "<date>", rest) if rest else n
        first, count = out.get(key, (n, 0))
        out[key] = (first, count + 1)
    return [first if count == 1 else f"{first} (and {count - 1} more file(s) alike)"
            for first, count in out.values()]


def _across_groups(frame: pd.DataFrame, src: pd.DataFrame
                   ) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """A snapshot in files of two layouts: the first layout's is used, the other's rows
    rejected."""
    if frame.empty or frame["_group"].nunique() < 2:
        return None
    snaps = frame.drop_duplicates(["rep_id", "date", "_group"])
    first = snaps.groupby(["rep_id", "date"])["_group"].transform("min")
    later = snaps[snaps["_group"] > first]
    if later.empty:
        return None
    keys = later[["rep_id", "date", "_group"]]
    hit = frame.merge(keys, on=["rep_id", "date", "_group"], how="left", indicator=True)
    mask = (hit["_merge"] == "both").to_numpy()
    gone = frame[mask].drop_duplicates("_row")
    used = frame[~mask].groupby(["rep_id", "date"])["_row"].min()
    at = used.reindex(pd.MultiIndex.from_frame(gone[["rep_id", "date"]])).to_numpy()
    at_text = src["file"].to_numpy()[at.astype(np.int64)] + " row " + \
        src["row"].to_numpy()[at.astype(np.int64)].astype(str)
    why = kinded(pd.Series("the same rep and date is in " + at_text
                           + " (another layout): that one is used", index=gone.index),
                 "duplicate")
    rej = pd.DataFrame({"table": "ssi_observed",
                        "file": src["file"].to_numpy()[gone["_row"].to_numpy()],
                        "row": src["row"].to_numpy()[gone["_row"].to_numpy()],
                        "rep_id": gone["rep_id"].to_numpy(dtype=object), "column": "date",
                        "value": gone["date"].dt.strftime("%Y-%m-%d").to_numpy(),
                        **{c: why[c].to_numpy(dtype=object) for c in ("reason", "kind", "fix")}})
    return frame[~frame["_row"].isin(gone["_row"])], rej


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
    order = [c for c in _SPEC.numbers
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
    pos = bad["_row"].to_numpy(dtype=np.int64)
    if ld.sources is not None:
        files = ld.sources["file"].to_numpy()[pos]
        rows = ld.sources["row"].to_numpy()[pos]
    else:
        files = np.full(len(bad), file, dtype=object)
        rows = pos + (1 if file.endswith((".parquet", ".json")) else 2)
    why = kinded("ssi differs from the pillar sum by more than 0.5 (kept; the pillars sum "
                 "to " + total[off].round(3).astype(str) + ")", "total_off")
    flags = pd.DataFrame({
        "table": "ssi_observed", "file": files, "row": rows,
        "rep_id": bad["rep_id"].to_numpy(dtype=object), "column": "ssi",
        "value": bad["ssi"].astype(str).to_numpy(),
        **{c: why[c].to_numpy(dtype=object) for c in ("reason", "kind", "fix")},
        "_row": bad["_row"].to_numpy()})
    ld.flags = flags if ld.flags is None or ld.flags.empty else pd.concat([ld.flags, flags],
                                                                          ignore_index=True)
