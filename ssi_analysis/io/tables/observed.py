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
snapshot missing the SSI or a pillar, or out of range, is rejected whole (each of its rows). A
line that repeats its file's header (exports pasted together) is rejected as such.

This module finds the files, lays each out in the standard columns of its layout and puts the
layouts together (a snapshot in files of two layouts is read from the first);
:mod:`~ssi_analysis.io.tables.observed_layouts` checks the rows of each layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import SSIError, SSIInputError
from ...mapping import ISO_DATE_IN_NAME, ColumnMapping, ObservedFit, detect_observed
from ...rules import kinded
from ..linkedin_json import JSON_PROBLEM, read_linkedin_json
from ..quality import ROW_COLUMNS, LoadedTable, header_rejects, with_header_lines
from ..read import RawTable, read_raw
from .activity import extra_columns_note
from .observed_layouts import (
    OBSERVED_REQUIRED,
    OBSERVED_SPEC,
    RowsWhere,
    load_long_layout,
    load_wide_layout,
)

SUFFIXES = (".csv", ".parquet", ".xlsx", ".json")
"""The file types of ``ssi_observed``."""


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
    std = RawTable(out.reset_index(drop=True), raw.file, raw.row_offset, raw.decimal, [],
                   raw.header_rows, raw.warnings)
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
    headers = []                    # rows repeating their file's header: that is their reason
    for path in paths:
        rel = path.relative_to(folder).as_posix()
        try:
            raw = (read_linkedin_json(path, rel) if path.suffix.lower() == ".json"
                   else read_raw(path, "ssi_observed"))
        except SSIError as exc:
            exc.file = rel
            raise
        raw.notes = _in_folder(raw.notes, path.name, rel)
        raw.warnings = _in_folder(raw.warnings, path.name, rel)
        raw.file = rel
        inner = path.relative_to(folder / rel.split("/")[0]).as_posix() if "/" in rel else rel
        if len(raw.header_rows):
            headers.append(header_rejects(raw, "ssi_observed"))
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
        where = RowsWhere(
            np.concatenate([np.full(len(m.raw.frame), m.raw.file, dtype=object)
                            for m in members]),
            np.concatenate([np.arange(len(m.raw.frame)) + m.raw.row_offset
                            for m in members]))
        label = members[0].raw.file if len(members) == 1 else \
            f"{len(members)} files like {members[0].raw.file}"
        raw = RawTable(frame, label, 0, decimal, [])
        labels = members[0].mapping.observed_labels()
        try:
            ld = (load_long_layout(raw, labels, where, notes) if kind == "long"
                  else load_wide_layout(raw, labels, where))
        except SSIInputError as exc:
            exc.file = exc.file if exc.file != label else members[0].raw.file
            raise
        header = np.flatnonzero(np.concatenate(
            [np.isin(np.arange(len(m.raw.frame)), m.raw.header_rows) for m in members]))
        ld.frame = ld.frame[~ld.frame["_row"].isin(header)]   # never used, whatever was found
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
    if headers:                     # a header line's one reason is that it is one
        rejects = [with_header_lines(pd.concat(rejects, ignore_index=True)[ROW_COLUMNS]
                                     if rejects else pd.DataFrame(columns=ROW_COLUMNS),
                                     pd.concat(headers, ignore_index=True))]
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


def _in_folder(said: list[str], name: str, rel: str) -> list[str]:
    """Notes or warnings about the file ``name``, naming it by its path ``rel`` in the folder."""
    return [rel + n[len(name):] if n.startswith(name + ":") else n for n in said]


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
    order = [c for c in OBSERVED_SPEC.numbers
             if c in wide.columns or c in OBSERVED_REQUIRED]    # the pillars even if empty
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
