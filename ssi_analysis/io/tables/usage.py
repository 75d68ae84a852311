"""Sales Navigator usage reports: a folder ``usage_reports/`` of exports, each one row per user
with totals over a date range, read as ``activity`` (period totals, spread over their days) and,
from the same rows, ``ssi_observed`` (the user's SSI and pillars, dated at the range's end).

The columns are found by their labels (:data:`ssi_analysis.mapping` preset ``usage-report``, or
the user's mapping with ``base = "usage-report"``), in any order and letter case. The date
range comes from the file's columns, else its name (two dates, or a month). A rate (InMail
acceptance) becomes a count (accepted = rate x InMails sent); a rate outside 0..1 (or 0..100 %)
rejects the row. Users listed with no number (never onboarded) are kept as reps and counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import SSIConfigError, SSIInputError
from ...mapping import CARRIED, RATES, ColumnMapping, label_key, load_mapping
from ...rules import problems
from ..cells.common import plain_text
from ..cells.ids import parse_ids
from ..cells.numbers import parse_numbers
from ..files import FORMATS
from ..quality import ROW_COLUMNS, LoadedTable, header_rejects, rejects_frame, with_header_lines
from ..read import RawTable, read_raw
from .period_activity import load_period_activity

FOLDER = "usage_reports"
"""The folder of a data folder holding usage-report exports."""

_SSI = ("ssi", "brand", "people", "insights", "relationships")
_RANGE = re.compile(r"^\s*(?P<start>.+?)\s+(?:-|–|to|—)\s+(?P<end>.+?)\s*$")


def usage_files(folder: Path) -> list[Path]:
    """The export files of ``folder/usage_reports/`` (hidden and lock files left out)."""
    root = folder / FOLDER
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in FORMATS
                  and not any(part.startswith((".", "~$")) for part in p.relative_to(root).parts))


@dataclass
class UsageReports:
    """What the exports hold: activity (period totals spread over their days), LinkedIn's
    SSI of the same rows (``None`` without SSI columns), every user listed, and notes."""

    activity: LoadedTable
    observed: LoadedTable | None
    users: list[str]
    notes: list[str] = field(default_factory=list)


@dataclass
class _File:
    frame: pd.DataFrame          # canonical wide period rows, cells as text
    ssi: pd.DataFrame | None     # rep_id, date, ssi and pillars (rows with some SSI cell)
    file: np.ndarray             # each row's file
    row: np.ndarray              # each row's number as a user sees it
    decimal: str
    rejects: pd.DataFrame        # rows rejected here (a header line, a rate out of range)
    carried: list[str]           # columns read, not scored
    unknown: list[str]           # columns of no known label
    empty: int                   # user rows without a number


def load_usage_reports(folder: Path, paths: list[Path], *,
                       mapping: str | Path | ColumnMapping | None = None,
                       usage_range: str | None = None) -> UsageReports:
    """Read the usage-report exports ``paths`` of a data folder; ``usage_range``
    (``'START:END'``) is the range of the files that show none.

    Raises
    ------
    SSIInputError
        A file whose user column or date range cannot be found (the message lists its columns
        and the mapping keys that would take them), or with no metric column.
    """
    m = load_mapping(mapping) if mapping is not None else load_mapping("usage-report")
    if "activity" not in m.defines or m.activity is None:
        m = _with_activity(m)
    given = _given_range(usage_range)
    files = [_translate(read_raw(p, "activity"), p.relative_to(folder).as_posix(), m, given)
             for p in paths]
    cols = sorted({c for f in files for c in f.frame.columns})
    frame = pd.concat([f.frame.reindex(columns=cols) for f in files], ignore_index=True)
    where = (np.concatenate([f.file for f in files]), np.concatenate([f.row for f in files]))
    raw = RawTable(frame, f"{FOLDER}/", 0, files[0].decimal, [])
    ld = load_period_activity(raw, where=where)
    if not ld.rejects.empty:
        pos = ld.rejects["row"].to_numpy(dtype=np.int64)
        ld.rejects = ld.rejects.assign(file=where[0][pos], row=where[1][pos])
    own = [f.rejects for f in files if not f.rejects.empty]
    ld.rejects = pd.concat([*own, ld.rejects], ignore_index=True)[ROW_COLUMNS] \
        if own else ld.rejects
    sources = pd.DataFrame({"file": where[0], "row": where[1]})
    ld.sources = sources
    read = pd.Series({str(f.file[0]): len(f.file) for f in files if len(f.file)}, dtype=int)
    for f in files:
        if not f.rejects.empty:          # rows rejected before the concatenation
            read[str(f.rejects["file"].iloc[0])] = read.get(str(f.rejects["file"].iloc[0]), 0) \
                + len(f.rejects)
    ld.file_rows = {k: int(v) for k, v in read.items()}
    ld.rows_read = int(read.sum())
    ld.notes = [n.replace(f"{FOLDER}/: ", f"{FOLDER}/: ", 1) for n in ld.notes]
    users = sorted(set(plain_text(parse_ids(frame["rep_id"])).dropna())
                   | {r for f in files for r in f.rejects["rep_id"].dropna()})
    empty = sum(f.empty for f in files)
    carried = sorted({c for f in files for c in f.carried})
    unknown = sorted({c for f in files for c in f.unknown})
    notes = [f"{FOLDER}/: {len(files)} usage report(s), {len(frame) + sum(len(f.rejects) for f in files)} "
             f"user row(s) read with the {m.name} mapping"]
    if carried:
        notes.append(f"{FOLDER}/: column(s) {', '.join(carried)} read but not scored (no "
                     "scoring rule uses them)")
    if unknown:
        notes.append(f"{FOLDER}/: column(s) {', '.join(unknown[:12])} are no label the "
                     f"{m.name} mapping knows, and were not used (to use one, map it in a "
                     "mapping file with base = \"usage-report\": [activity_metrics] \"Label\" = "
                     "\"metric\", or [ssi_fields] for an SSI column; see data/README.md)")
    if empty:
        notes.append(f"{FOLDER}/: {empty} user row(s) have no number (users who never finished "
                     "onboarding): kept as reps with no activity, counted as used")
    ssi = [f.ssi for f in files if f.ssi is not None and len(f.ssi)]
    observed = _observed(ssi, m) if ssi else None
    return UsageReports(ld, observed, users, notes)


def _with_activity(m: ColumnMapping) -> ColumnMapping:
    """A mapping that sets no activity layout, with the usage-report preset's."""
    from dataclasses import replace

    base = load_mapping("usage-report")
    return replace(m, activity=base.activity,
                   activity_metrics=(*base.activity_metrics, *m.activity_metrics),
                   ssi_fields=(*base.ssi_fields, *m.ssi_fields))


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    keys = {label_key(c): c for c in columns}
    for n in names:
        if label_key(n) in keys:
            return keys[label_key(n)]
    return None


def _given_range(text: str | None) -> tuple[str, str] | None:
    """``--usage-range START:END`` checked: two dates, the end not before the start."""
    if text is None:
        return None
    parts = str(text).split(":")
    try:
        start, end = (pd.Timestamp(p.strip()) for p in parts) if len(parts) == 2 else (None,)
    except (ValueError, TypeError):
        start = end = None
    if start is None or end is None or pd.isna(start) or pd.isna(end) or end < start:
        raise SSIConfigError(f"--usage-range '{text}' is not a range START:END",
                             fix="write it as 2026-01-01:2026-01-31 (both days included)")
    return f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}"


def _translate(raw: RawTable, rel: str, m: ColumnMapping,
               given: tuple[str, str] | None = None) -> _File:
    """One export's columns found by their labels, as canonical wide period rows."""
    lay = m.activity
    cols = list(raw.frame.columns)
    rows = np.arange(len(raw.frame)) + raw.row_offset
    files = np.full(len(raw.frame), rel, dtype=object)
    rep_col = _find(cols, lay.candidates("rep_id"))
    if rep_col is None:
        raise SSIInputError(
            f"no user column found (columns: {', '.join(cols[:15])})", file=rel,
            fix="name the column holding the user's email or name in [activity.columns] rep_id "
                f"of a mapping file (base = \"usage-report\"); looked for: "
                f"{', '.join(lay.candidates('rep_id'))}")
    labels = {label_key(k): v for k, v in m.activity_metrics}
    ssi_labels = m.observed_labels()
    metric_cols: dict[str, str] = {}
    rate_cols: dict[str, str] = {}
    ssi_cols: dict[str, str] = {}
    carried: list[str] = []
    used = {rep_col}
    for key in ("period_start", "period_end", "date_range"):
        c = _find(cols, lay.candidates(key))
        if c is not None:
            used.add(c)
    for c in cols:
        if c in used:
            continue
        target = labels.get(label_key(c))
        if target == CARRIED:
            carried.append(c)
        elif target in RATES:
            rate_cols[target] = c
        elif target is not None:
            metric_cols[target] = c
        elif (f := ssi_labels.field(c)) in _SSI and f not in ssi_cols:
            ssi_cols[f] = c
    names = {label_key(n) for n in lay.candidates("rep_id")}
    unknown = [c for c in cols if c not in used and c not in carried
               and label_key(c) not in names
               and c not in metric_cols.values() and c not in rate_cols.values()
               and c not in ssi_cols.values()]
    if not metric_cols and not ssi_cols:
        raise SSIInputError(
            f"no usage-report metric column found (columns: {', '.join(cols[:15])})", file=rel,
            fix="map each metric's column in [activity_metrics] of a mapping file "
                "(base = \"usage-report\"), e.g. \"Profile views\" = \"profile_views\"; the metric "
                "names are in data/README.md")
    start, end = _range(raw, rel, cols, lay, given)
    out = pd.DataFrame({"rep_id": raw.frame[rep_col], "period_start": start, "period_end": end})
    for metric, c in metric_cols.items():
        out[metric] = raw.frame[c]
    rejects = pd.DataFrame(columns=ROW_COLUMNS)
    for rate, c in rate_cols.items():
        count, den = RATES[rate]
        out, rejects = _rate(out, raw, c, count, den, metric_cols, rel)
    if len(raw.header_rows):         # rows repeating the header: that is their one reason
        rejects = with_header_lines(rejects, header_rejects(replace(raw, file=rel), "activity"))
    notes_carried = carried
    ssi = None
    if len(ssi_cols) == len(_SSI):
        keep = raw.frame[list(ssi_cols.values())].notna() & \
            raw.frame[list(ssi_cols.values())].astype(str).apply(lambda s: s.str.strip() != "")
        has = keep.any(axis=1).to_numpy()
        ssi = pd.DataFrame({"rep_id": raw.frame[rep_col], "date": end,
                            **{f: raw.frame[c] for f, c in ssi_cols.items()}})[has]
        ssi = ssi.assign(_file=files[has], _line=rows[has])
        if len(rejects):
            ssi = ssi[~np.isin(ssi["_line"].to_numpy(), rejects["row"].to_numpy())]
    keep_rows = ~np.isin(rows, rejects["row"].to_numpy()) if len(rejects) else \
        np.ones(len(rows), dtype=bool)
    numbers = [*metric_cols.values(), *rate_cols.values(), *ssi_cols.values(), *carried]
    blank = raw.frame[numbers].astype("string").apply(lambda c: c.str.strip().fillna("") == "")
    empty = int(blank.all(axis=1).sum())
    del notes_carried
    return _File(out[keep_rows].reset_index(drop=True), ssi, files[keep_rows], rows[keep_rows],
                 raw.decimal, rejects, carried, unknown, empty)


def _range(raw: RawTable, rel: str, cols: list[str], lay,
           given: tuple[str, str] | None) -> tuple[pd.Series, pd.Series]:
    """The date range of each row: columns, one range column, the file's name, else the range
    given (``--usage-range``)."""
    s, e = _find(cols, lay.candidates("period_start")), _find(cols, lay.candidates("period_end"))
    if s is not None and e is not None:
        return raw.frame[s], raw.frame[e]
    r = _find(cols, lay.candidates("date_range"))
    if r is not None:
        parts = raw.frame[r].astype("string").str.extract(_RANGE)
        return parts["start"], parts["end"]
    name = Path(rel).name
    if lay.period_from_path and (hit := re.search(lay.period_from_path, name)):
        n = len(raw.frame)
        return pd.Series([hit["start"]] * n, dtype=object), pd.Series([hit["end"]] * n,
                                                                       dtype=object)
    if lay.month_from_path and (hit := re.search(lay.month_from_path, name)):
        first = pd.Period(hit["month"], freq="M")
        n = len(raw.frame)
        return (pd.Series([first.start_time.strftime("%Y-%m-%d")] * n, dtype=object),
                pd.Series([first.end_time.strftime("%Y-%m-%d")] * n, dtype=object))
    if given is not None:
        n = len(raw.frame)
        return pd.Series([given[0]] * n, dtype=object), pd.Series([given[1]] * n, dtype=object)
    raise SSIInputError(
        f"the date range of the totals cannot be found: no start and end columns, no range "
        f"column and no dates in the file's name (columns: {', '.join(cols[:15])})", file=rel,
        fix="name the file with its range (usage-2026-01-01_2026-01-31.csv, or usage-2026-01.csv "
            "for a whole month), or add period_start and period_end columns, or name the range's "
            "columns in [activity.columns] period_start/period_end/date_range of a mapping file, "
            "or give it with --usage-range 2026-01-01:2026-01-31")


def _rate(out: pd.DataFrame, raw: RawTable, col: str, count: str, den: str,
          metric_cols: dict[str, str], rel: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A rate column as the count it implies (rate x denominator); a rate that is not a number
    or lies outside 0..1 (0..100 with a percent sign or values above 1) rejects the row."""
    text = raw.frame[col].astype("string").str.strip()
    pct = text.str.endswith("%").fillna(False).to_numpy()
    value, bad = parse_numbers(text.str.rstrip("%").str.strip(), raw.decimal)
    v = value.to_numpy(dtype=float)
    plain = v[~pct & np.isfinite(v)]
    scale = pct | (plain.max(initial=0) > 1)      # no % sign: percentages when one is above 1
    share = np.where(scale, v / 100.0, v)
    out_of = np.isfinite(v) & ((share < 0) | (share > 1))
    reject = bad.to_numpy(dtype=bool) | out_of
    sent = parse_numbers(raw.frame[metric_cols[den]], raw.decimal)[0].to_numpy(dtype=float) \
        if den in metric_cols else np.full(len(v), np.nan)
    if count not in metric_cols:
        implied = share * sent
        out[count] = np.where(np.isfinite(implied) & ~reject, implied, np.nan)
    idx = np.flatnonzero(reject)
    if not len(idx):
        return out, pd.DataFrame(columns=ROW_COLUMNS)
    reasons = np.where(bad.to_numpy(dtype=bool)[idx], f"{col} is not a number",
                       f"{col} outside 0..1 (or 0..100%)")
    kinds = pd.Series(np.where(bad.to_numpy(dtype=bool)[idx], "not_a_number", "rate_range"))
    parts = [problems(idx[kinds == k], col, text.to_numpy(dtype=object)[idx[kinds == k]],
                      reasons[(kinds == k).to_numpy()], k)
             for k in kinds.unique()]
    p = pd.concat(parts, ignore_index=True)
    rep_ids = pd.Series(plain_text(parse_ids(raw.frame.iloc[:, 0] if "rep_id" not in out
                                             else out["rep_id"])).to_numpy(dtype=object))
    rej = rejects_frame(RawTable(raw.frame, rel, raw.row_offset), "activity", p, rep_ids)
    return out, rej


def _observed(parts: list[pd.DataFrame], m: ColumnMapping) -> LoadedTable:
    """The SSI columns of the exports as ``ssi_observed`` (wide rows checked by its rules)."""
    from .observed_layouts import RowsWhere, load_wide_layout

    frame = pd.concat(parts, ignore_index=True)
    where = RowsWhere(frame.pop("_file").to_numpy(dtype=object),
                      frame.pop("_line").to_numpy(dtype=np.int64))
    frame["date"] = pd.to_datetime(frame["date"].astype("string"), errors="coerce") \
        .dt.strftime("%Y-%m-%d")
    raw = RawTable(frame.astype(object), f"{FOLDER}/", 0, ".", [])
    ld = load_wide_layout(raw, m.observed_labels(), where)
    if not ld.rejects.empty:
        pos = ld.rejects["row"].to_numpy(dtype=np.int64)
        ld.rejects = ld.rejects.assign(file=where.file[pos], row=where.row[pos])
    ld.sources = pd.DataFrame({"file": where.file, "row": where.row})
    ld.file_rows = {str(k): int(v) for k, v in
                    pd.Series(where.file).value_counts(sort=False).items()}
    ld.notes.append(f"{FOLDER}/: LinkedIn's SSI of the usage reports' users read into "
                    "ssi_observed, dated at each report's last day")
    return ld


__all__ = ["FOLDER", "UsageReports", "load_usage_reports", "usage_files"]
