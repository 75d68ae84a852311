"""The row accounting: rejected and flagged rows, their counts by kind, and the quality report.

Every loader returns a :class:`LoadedTable`: the rows kept, one reject line per source row that
could not be used (with the reason, its kind and its fix), the rows read. From them
:func:`quality_report` builds the :class:`QualityReport` a :class:`~ssi_analysis.io.Bundle`
carries, in which **rows read = rows used + rows rejected** for every table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SSIInputError
from .files import RawTable

REJECT_COLUMNS = ["table", "file", "row", "rep_id", "column", "value", "reason"]


@dataclass
class TableQuality:
    """Row accounting for one table: ``rows_read == rows_used + rows_rejected``.

    ``rows_flagged`` counts used rows kept under a documented rule that the analyst should
    know about (e.g. an observed SSI total off its pillar sum); they are in ``rows_used``.
    """

    table: str
    file: str
    rows_read: int
    rows_used: int
    rows_rejected: int
    rows_flagged: int = 0

    def __post_init__(self) -> None:
        if self.rows_read != self.rows_used + self.rows_rejected:  # a bug, not a user error
            raise RuntimeError(f"row accounting broken for {self.file}: {self}")


@dataclass
class QualityReport:
    """What loading found: per-table counts, every rejected row with its reason, and notes."""

    tables: dict[str, TableQuality] = field(default_factory=dict)
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    notes: list[str] = field(default_factory=list)
    flags: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    """Rows kept but flagged, one line per flag, in the shape of ``rejects``."""
    warnings: list[str] = field(default_factory=list)
    """Documented repairs made while loading (a percent scale read as 0..1, an id matched in
    another letter case): the data were changed, and the analyst should check the source."""
    id_repairs: dict[str, str] = field(default_factory=dict)
    """Ids read as another rep's (``'r001'`` -> ``'R001'``), for pseudonyms to cover both."""

    def summary(self) -> pd.DataFrame:
        """One row per table: ``table, file, rows_read, rows_used, rows_rejected, rows_flagged``."""
        cols = ["table", "file", "rows_read", "rows_used", "rows_rejected", "rows_flagged"]
        return pd.DataFrame([vars(t) for t in self.tables.values()], columns=cols)

    def reasons(self) -> pd.DataFrame:
        """Rejected rows counted by table and reason (most frequent first)."""
        return count_reasons(self.rejects)

    def flag_reasons(self) -> pd.DataFrame:
        """Flagged rows counted by table and flag (most frequent first)."""
        return count_reasons(self.flags)

    def lines(self) -> list[str]:
        """Plain-language summary lines, as the command line prints them."""
        out = []
        for t in self.tables.values():
            line = f"{t.file}: read {t.rows_read} rows, used {t.rows_used}"
            if t.rows_rejected:
                line += f", rejected {t.rows_rejected} of {t.rows_read}"
                reasons = self.reasons()
                reasons = reasons[reasons.table == t.table]
                parts = [f"{r.rows} {r.reason}" for r in reasons.head(4).itertuples()]
                line += f" ({'; '.join(parts)}{'; ...' if len(reasons) > 4 else ''})"
            if t.rows_flagged:
                flags = self.flag_reasons()
                flags = flags[flags.table == t.table]
                parts = [f"{r.rows} {r.reason}" for r in flags.head(4).itertuples()]
                line += (f", flagged {t.rows_flagged} kept row(s) ({'; '.join(parts)}"
                         f"{'; ...' if len(flags) > 4 else ''})")
            out.append(line)
        out.extend(f"warning: {w}" for w in self.warnings)
        out.extend(f"note: {n}" for n in self.notes)
        return out


_KIND_RULES = (
    (r"\s*\([^()]*\)", ""),                               # (-1.0), (rows 2, 4), (a hint)
    (r": .*$", ""),                                        # amount ... is ambiguous: ...
    (r" '.*'", ""),                                        # the value itself: 'r001', 'post'
    (r"\brows? \d+(?:, \d+)*(?: \.\.\.)?", "another row"),  # duplicate of row 7
    (r"^\d{4}(?:Q\d|-\d\d)\b", "a period"),                 # 2026Q3 only partly covered
)


def reason_kind(reasons: pd.Series) -> pd.Series:
    """The kind of each reason: its words without the values in it, to group rows by.

    Values (quoted cells, numbers in parentheses, row numbers) are left out, so that every
    row with an unknown rep, say, is one group however many ids there are; no cell of the
    data is in a kind. A row with several problems counts under its first.

    >>> reason_kind(pd.Series(["rep_id 'r001' is not in reps", "negative value (-1.0)",
    ...                        "duplicate of row 7 (same rep and period)",
    ...                        "amount '1,250' is ambiguous: a thousands separator?"])).tolist()
    ['rep_id is not in reps', 'negative value', 'duplicate of another row', 'amount is ambiguous']
    """
    kind = reasons.astype(str)
    for i, (pattern, repl) in enumerate(_KIND_RULES):
        kind = kind.str.replace(pattern, repl, regex=True)
        if i == 0:                                           # a row's first problem
            kind = kind.str.split("; ", n=1).str[0]
    return kind.str.strip()


_FIXES: tuple[tuple[str, str], ...] = (
    (r"is not a date$", "write the date as YYYY-MM-DD (e.g. 2026-03-31)"),
    (r"looks like an Excel serial date number$", "format the column as a date in Excel before "
                                                 "exporting (or write YYYY-MM-DD)"),
    (r"is not a number$", "write a plain number (12, 0.5; in a semicolon-delimited file 0,5), "
                          "or leave the cell empty if it is not known"),
    (r"^missing ", "fill in the cell, or remove the row if it is not known"),
    (r"^negative ", "counts cannot be negative: correct the value, or remove the row"),
    (r"must be above 0$", "give the period's quota as an amount above 0, or remove the row"),
    (r" (?:below|above) -?[\d.]+$", "correct the value: it is outside the range the column "
                                    "allows (see data/README.md)"),
    (r"^empty ", "fill in the cell, or remove the row"),
    (r"^unknown metric$", "use a metric name of data/README.md (the reason suggests the closest); "
                          "rows of other metrics can be removed"),
    (r"^a level must be within 0\.\.1$", "write profile_completeness as a share from 0 to 1 "
                                         "(0.85 for 85%); a whole column written 0-100 is read "
                                         "as percentages"),
    (r"must be finite$", "replace inf with the real value, or remove the row"),
    (r"^value above the ceiling", "one row cannot hold more than 10,000,000: check the unit "
                                  "and that the column holds counts, not ids or timestamps"),
    (r"in the future$", "correct the date (often a typo in the year); things that happened "
                        "cannot be dated after today"),
    (r"before LinkedIn existed$", "correct the date; a placeholder such as 1900-01-01 means "
                                  "unknown: remove the row"),
    (r"^rep_id is not in reps$", "add the rep to reps, or correct the id so it matches reps "
                                 "exactly"),
    (r"^owner matches no rep$", "add a crm_owner column to reps naming each rep as the CRM "
                                "does, or add the missing reps"),
    (r"^duplicate of another row$", "remove the repeated row"),
    (r"overlaps another of the same rep$", "give each rep one period per day: correct the "
                                           "dates, or remove the wrong row"),
    (r"^period_end is before period_start$", "correct the dates (are they swapped?)"),
    (r"^unknown stage$", "add the stage to the mapping's [stages] won, lost or open lists "
                         "(see data/README.md)"),
    (r"^(?:amount|\w+) is ambiguous$", "write the number without a thousands separator "
                                       "(12500), or with one decimal mark throughout the column"),
    (r"^amount (?:is not an amount|has two different currencies)$",
     "write the amount as a number, optionally with one currency mark ($1,200.50)"),
    (r"^amount in [A-Z]{3} while", "convert the amounts to one currency, or export one"),
    (r"without an amount$", "fill in the deal's amount"),
    (r"without a close_date$", "fill in the close date of the closed opportunity"),
    (r"repeats with different values$", "keep the right copy of the opportunity and remove "
                                        "the others"),
    (r"^unknown field$", "name the field in a mapping file's [ssi_fields] (see data/README.md)"),
    (r"^different values for ", "keep the right value of the snapshot and remove the others"),
    (r"^snapshot ", "complete the snapshot (ssi and every pillar, within range), or remove it"),
    (r"only partly covered by quota rows$", "add quota rows for the rest of the period, or "
                                            "run without --outcome-period"),
    (r"spans more than one ", "give one quota row per month (or quarter)"),
    (r" is marked [A-Z]{3} but the currency column says ", "make the amount's mark and the "
                                                            "currency column agree"),
)
"""What to do about each kind of rejected row (first match wins), as ``validate`` prints it."""


def fix_for(kind: str) -> str:
    """What to do about a kind of rejected row (a :func:`reason_kind`).

    >>> fix_for("rep_id is not in reps")
    'add the rep to reps, or correct the id so it matches reps exactly'
    """
    for pattern, fix in _FIXES:
        if re.search(pattern, kind):
            return fix
    return "correct the rows in the source, or remove them (see data/README.md)"


def count_reasons(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of a rejects/flags frame counted by table and kind of reason."""
    if rows.empty:
        return pd.DataFrame(columns=["table", "reason", "rows"])
    kind = reason_kind(rows["reason"])
    out = (rows.assign(reason=kind).groupby(["table", "reason"], sort=True)
           .size().rename("rows").reset_index())
    return out.sort_values(["table", "rows"], ascending=[True, False], kind="stable")


@dataclass
class LoadedTable:
    frame: pd.DataFrame           # typed, validated rows; column "_row" = 0-based source position
    rejects: pd.DataFrame
    rows_read: int
    notes: list[str]
    flags: pd.DataFrame | None = None   # kept rows with a flag: REJECT_COLUMNS + "_row"
    currency: str | None = None         # the one currency of the amounts, when marked
    warnings: list[str] = field(default_factory=list)   # documented repairs made
    id_repairs: dict[str, str] = field(default_factory=dict)  # ids read as another rep's


def rejects_frame(raw: RawTable, table: str, idx: pd.Index, reasons: pd.Series,
                   rep_ids: pd.Series, column: pd.Series | str | None = None,
                   value: pd.Series | None = None) -> pd.DataFrame:
    return pd.DataFrame({
        "table": table, "file": raw.file,
        "row": (np.asarray(idx, dtype=int) + raw.row_offset),
        "rep_id": rep_ids.reindex(idx).to_numpy(dtype=object),
        "column": column if not isinstance(column, pd.Series) else column.to_numpy(),
        "value": (value.astype(str).to_numpy() if value is not None else None),
        "reason": reasons.to_numpy(dtype=object),
    })


def split_rejects(raw: RawTable, table: str, df: pd.DataFrame,
             problems: list[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``df`` into kept rows and a rejects frame (one line per rejected source row)."""
    if problems:
        p = pd.concat(problems, ignore_index=True)
        # a missing value reported by pandera after a failed parse is the same problem
        parse_fail = set(zip(p.loc[~p.reason.str.startswith("missing"), "idx"],
                             p.loc[~p.reason.str.startswith("missing"), "column"], strict=True))
        keep = [not (r.startswith("missing") and (i, c) in parse_fail)
                for i, c, r in zip(p.idx, p.column, p.reason, strict=True)]
        p = p[keep].drop_duplicates(["idx", "reason"])
        p = p.sort_values(["idx"], kind="stable")
        first = p.groupby("idx", sort=True).agg(
            column=("column", "first"), value=("value", "first"),
            reason=("reason", lambda r: "; ".join(dict.fromkeys(r))))
        rep_ids = df["rep_id"] if "rep_id" in df else pd.Series(index=df.index, dtype=object)
        rej = rejects_frame(raw, table, first.index, first["reason"], rep_ids,
                             first["column"], first["value"])
        kept = df.drop(index=first.index)
    else:
        rej = pd.DataFrame(columns=REJECT_COLUMNS)
        kept = df
    return kept, rej


def flags_frame(raw: RawTable, table: str, problems: pd.DataFrame,
                 rep_ids: pd.Series | None = None) -> pd.DataFrame:
    """Flag lines (``REJECT_COLUMNS`` + ``_row``) from ``idx, column, value, reason`` rows."""
    if problems.empty:
        return pd.DataFrame(columns=[*REJECT_COLUMNS, "_row"])
    idx = pd.Index(problems["idx"].astype(int))
    reps = rep_ids if rep_ids is not None else pd.Series(None, index=idx, dtype=object)
    out = rejects_frame(raw, table, idx, problems["reason"], reps, problems["column"],
                         problems["value"])
    return out.assign(_row=idx.to_numpy())


def all_rejected_error(file: str, rows_read: int, rejects: pd.DataFrame,
                       counts: pd.Series | None = None) -> SSIInputError:
    """The error of a table every row of which was rejected: how many, the most common reason
    (with an example row) and what to do about it.

    ``counts`` (rows by :func:`reason_kind`) when ``rejects`` holds only some of the rejected
    rows (the DuckDB engine keeps the first ones); else they are counted from ``rejects``.
    """
    kinds = reason_kind(rejects["reason"]) if not rejects.empty else pd.Series(dtype=object)
    if counts is None:
        counts = kinds.value_counts()
    order = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    top, n = order[0] if order else ("unknown", rows_read)
    shown = rejects[kinds == top] if not rejects.empty else rejects
    shown = (shown if not shown.empty else rejects).sort_values("row", kind="stable")
    example = ""
    column = None
    if not shown.empty:
        first = shown.iloc[0]
        example = f", e.g. row {int(first['row'])}: {first['reason']}"
        column = first["column"] if isinstance(first["column"], str) else None
    others = (f"; {len(order) - 1} other reason(s): validate lists them" if len(order) > 1
              else "")
    return SSIInputError(f"every row ({rows_read}) was rejected, so the table cannot be used; "
                         f"most common reason: {top} ({n} row{'s' if n != 1 else ''}){example}",
                         file=file, column=column, fix=fix_for(top) + others)


REQUIRED_ROWS = ("reps", "activity", "outcomes")
"""Tables that stop the run when every row of theirs is rejected."""


def all_rejected_errors(loaded: dict[str, LoadedTable], files: dict[str, Path]) -> list[SSIInputError]:
    """An error for each required table every row of which was rejected: ``reps`` and
    ``activity`` (nothing can be scored) and a tidy ``outcomes`` (nothing can be analysed).
    It is said first, not what follows from it (metrics absent, a pillar without a metric, no
    rep to score); when every rep was rejected, the other tables' rows naming a rep not in
    reps are that consequence, not said again. (``ssi_observed`` is optional: with every row
    rejected it is left out as its rows are, and they are listed.)"""
    out = []
    reps_gone = False
    for name, ld in loaded.items():
        if name not in REQUIRED_ROWS or ld.rows_read == 0 or len(ld.rejects) < ld.rows_read:
            continue
        kinds = reason_kind(ld.rejects["reason"]).value_counts()
        top = sorted(kinds.items(), key=lambda kv: (-kv[1], str(kv[0])))[0][0]
        if reps_gone and top == "rep_id is not in reps":
            continue
        reps_gone = reps_gone or name == "reps"
        out.append(all_rejected_error(files[name].name, ld.rows_read, ld.rejects))
    return out


def quality_report(loaded: dict[str, LoadedTable], files: dict[str, Path]) -> QualityReport:
    """The quality report of the loaded tables: counts, rejects, flags, notes, warnings."""
    quality = QualityReport()
    rejects, flags = [], []
    for name, ld in loaded.items():
        kept_flags = (ld.flags[ld.flags["_row"].isin(ld.frame["_row"])].drop(columns="_row")
                      if ld.flags is not None and not ld.flags.empty else None)
        quality.tables[name] = TableQuality(
            name, files[name].name, ld.rows_read, ld.rows_read - len(ld.rejects),
            len(ld.rejects), 0 if kept_flags is None else int(kept_flags["row"].nunique()))
        rejects.append(ld.rejects)
        if kept_flags is not None:
            flags.append(kept_flags)
        quality.notes.extend(ld.notes)
        quality.warnings.extend(ld.warnings)
        quality.id_repairs.update(ld.id_repairs)
    quality.rejects = (pd.concat([r for r in rejects if not r.empty], ignore_index=True)
                       if any(not r.empty for r in rejects)
                       else pd.DataFrame(columns=REJECT_COLUMNS))
    if flags:
        quality.flags = pd.concat(flags, ignore_index=True)
    return quality


def reject_rows(ld: LoadedTable, mask: pd.Series, table: str, file: str, reasons: pd.Series,
               column: str) -> None:
    """Move rows of ``ld.frame`` (by mask) into ``ld.rejects`` with the given reasons."""
    if not mask.any():
        return
    bad = ld.frame[mask]
    # activity rows are long; reject each source row once
    first = bad.drop_duplicates("_row")
    offset = 1 if file.endswith((".parquet", ".json")) else 2
    rej = pd.DataFrame({"table": table, "file": file, "row": first["_row"].to_numpy() + offset,
                        "rep_id": first["rep_id"].to_numpy(dtype=object), "column": column,
                        "value": first[column].astype(str).to_numpy(),
                        "reason": reasons.reindex(first.index).to_numpy(dtype=object)})
    ld.rejects = pd.concat([r for r in (ld.rejects, rej) if not r.empty], ignore_index=True)
    ld.frame = ld.frame[~ld.frame["_row"].isin(first["_row"])]
