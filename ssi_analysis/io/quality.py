"""The row accounting: rejected and flagged rows, their counts by kind, and the quality report.

Every loader returns a :class:`LoadedTable`: the rows kept, one reject line per source row that
could not be used (with the reason, its kind and its fix: :mod:`ssi_analysis.rules`), the rows
read. From them :func:`quality_report` builds the :class:`QualityReport` a
:class:`~ssi_analysis.io.Bundle` carries, in which **rows read = rows used + rows rejected** for
every table.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SSIError, SSIInputError, SSIInputErrors
from ..rules import DEFAULT_FIX, KINDS
from .read import RawTable

REJECT_COLUMNS = ["table", "file", "row", "rep_id", "column", "value", "reason"]
"""The columns of a rejects file."""
ROW_COLUMNS = [*REJECT_COLUMNS, "kind", "fix"]
"""The columns of ``QualityReport.rejects`` and ``.flags``: a rejects file's, and each row's
kind of problem (as ``validate`` groups rows) and what to do about it."""


FILE_COUNT_COLUMNS = ["table", "file", "rows_read", "rows_used", "rows_rejected"]
"""The columns of :attr:`QualityReport.file_counts`."""


def file_counts(table: str, rows_read: dict[str, int], rejects: pd.DataFrame) -> pd.DataFrame:
    """Rows read, used and rejected per file of a table read from several files."""
    read = pd.Series(rows_read, dtype=np.int64)
    rejected = (rejects["file"].value_counts() if not rejects.empty
                else pd.Series(dtype=np.int64)).reindex(read.index, fill_value=0)
    out = pd.DataFrame({"table": table, "file": read.index, "rows_read": read.to_numpy(),
                        "rows_used": (read - rejected).to_numpy(),
                        "rows_rejected": rejected.to_numpy()}, columns=FILE_COUNT_COLUMNS)
    if (out["rows_used"] < 0).any():      # a bug, not a user error
        raise RuntimeError(f"row accounting broken for a file of {table}")
    return out.sort_values("file", kind="stable").reset_index(drop=True)


@dataclass
class TableQuality:
    """Row accounting for one table: ``rows_read == rows_used + rows_rejected``.

    ``rows_flagged`` counts used rows kept under a documented rule that the analyst should
    know about (e.g. an observed SSI total off its pillar sum); they are in ``rows_used``.
    ``rejected_kinds`` counts the rejected rows by kind (a row with several problems counts
    under its first).
    """

    table: str
    file: str
    rows_read: int
    rows_used: int
    rows_rejected: int
    rows_flagged: int = 0
    rejected_kinds: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.rows_read != self.rows_used + self.rows_rejected:  # a bug, not a user error
            raise RuntimeError(f"row accounting broken for {self.file}: {self}")
        if self.rejected_kinds and sum(self.rejected_kinds.values()) != self.rows_rejected:
            raise RuntimeError(f"rejected rows counted by kind do not add up for {self.file}")


@dataclass
class QualityReport:
    """What loading found: per-table counts, every rejected row with its reason, and notes."""

    tables: dict[str, TableQuality] = field(default_factory=dict)
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ROW_COLUMNS))
    """The rejected rows (:data:`ROW_COLUMNS`); an engine that keeps only the first ones says
    so in a note, and counts every one in ``tables``."""
    notes: list[str] = field(default_factory=list)
    flags: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ROW_COLUMNS))
    """Rows kept but flagged, one line per flag, in the shape of ``rejects``."""
    warnings: list[str] = field(default_factory=list)
    """Documented repairs made while loading (a percent scale read as 0..1, an id matched in
    another letter case): the data were changed, and the analyst should check the source."""
    id_repairs: dict[str, str] = field(default_factory=dict)
    """Ids read as another rep's (``'r001'`` -> ``'R001'``), for pseudonyms to cover both."""
    file_counts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=FILE_COUNT_COLUMNS))
    """The rows of each file of a table read from a folder of files (``ssi_observed/``):
    :data:`FILE_COUNT_COLUMNS`, rows read = used + rejected in each."""

    def summary(self) -> pd.DataFrame:
        """One row per table: ``table, file, rows_read, rows_used, rows_rejected, rows_flagged``."""
        cols = ["table", "file", "rows_read", "rows_used", "rows_rejected", "rows_flagged"]
        return pd.DataFrame([vars(t) for t in self.tables.values()], columns=cols)

    def reasons(self) -> pd.DataFrame:
        """Rejected rows counted by table and kind of problem (most frequent first)."""
        counts = [(t.table, kind, n) for t in self.tables.values()
                  for kind, n in t.rejected_kinds.items()]
        return _sorted_counts(pd.DataFrame(counts, columns=["table", "reason", "rows"]))

    def flag_reasons(self) -> pd.DataFrame:
        """Flagged rows counted by table and kind of flag (most frequent first)."""
        if self.flags.empty:
            return pd.DataFrame(columns=["table", "reason", "rows"])
        return _sorted_counts(self.flags.groupby(["table", "kind"], sort=True).size()
                              .rename("rows").reset_index().rename(columns={"kind": "reason"}))

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
            out.extend(self._file_lines(t.table))
        out.extend(f"warning: {w}" for w in self.warnings)
        out.extend(f"note: {n}" for n in self.notes)
        return out


    def _file_lines(self, table: str) -> list[str]:
        """Per file of a table read from a folder: each file's rows (a few files), or how many
        files, and those with rejected rows (many)."""
        fc = self.file_counts[self.file_counts["table"] == table]
        if fc.empty:
            return []
        def one(r) -> str:
            return (f"  {r.file}: read {r.rows_read}, used {r.rows_used}"
                    + (f", rejected {r.rows_rejected}" if r.rows_rejected else ""))
        if len(fc) <= 5:
            return [one(r) for r in fc.itertuples()]
        some = fc[fc["rows_rejected"] > 0].sort_values("rows_rejected", ascending=False,
                                                       kind="stable")
        head = (f"  {len(fc)} files, in each rows read = used + rejected; "
                f"{len(some)} with rejected rows" + (":" if len(some) else ""))
        return [head, *(one(r) for r in some.head(5).itertuples()),
                *([f"  ... and {len(some) - 5} more"] if len(some) > 5 else [])]


def _sorted_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """``table, reason, rows`` summed by table and kind: by table, the most frequent first
    (ties by kind)."""
    if counts.empty:
        return pd.DataFrame(columns=["table", "reason", "rows"])
    out = counts.groupby(["table", "reason"], sort=True)["rows"].sum().reset_index()
    return out.sort_values(["table", "rows"], ascending=[True, False], kind="stable")


def kind_counts(rows: pd.DataFrame) -> dict[str, int]:
    """Rows of a rejects frame counted by kind."""
    return {k: int(n) for k, n in rows["kind"].value_counts(sort=False).items()} \
        if not rows.empty else {}


@dataclass
class LoadedTable:
    """One table as its loader left it."""

    frame: pd.DataFrame           # typed, validated rows; column "_row" = 0-based source position
    rejects: pd.DataFrame         # one line per rejected source row: ROW_COLUMNS
    rows_read: int
    notes: list[str]
    flags: pd.DataFrame | None = None   # kept rows with a flag: ROW_COLUMNS + "_row"
    currency: str | None = None         # the one currency of the amounts, when marked
    warnings: list[str] = field(default_factory=list)   # documented repairs made
    id_repairs: dict[str, str] = field(default_factory=dict)  # ids read as another rep's
    # a table read from several files (ssi_observed/): the file and row as a user sees them of
    # each "_row", and the rows read per file
    sources: pd.DataFrame | None = None
    file_rows: dict[str, int] | None = None
    # activity given as totals over periods: the period rows kept (``frame`` holds their days)
    periods: pd.DataFrame | None = None


def rejects_frame(raw: RawTable, table: str, problems: pd.DataFrame,
                  rep_ids: pd.Series) -> pd.DataFrame:
    """Reject (or flag) lines (:data:`ROW_COLUMNS`) of ``table`` from problem rows (``idx,
    column, value, reason, kind, fix``, one per source row); ``rep_ids`` by row position."""
    idx = pd.Index(problems["idx"].astype(np.int64))
    return pd.DataFrame({
        "table": table, "file": raw.file,
        "row": idx.to_numpy(dtype=int) + raw.row_offset,
        "rep_id": rep_ids.reindex(idx).to_numpy(dtype=object),
        "column": problems["column"].to_numpy(),
        "value": problems["value"].astype(str).to_numpy(),
        "reason": problems["reason"].to_numpy(dtype=object),
        "kind": problems["kind"].to_numpy(dtype=object),
        "fix": problems["fix"].to_numpy(dtype=object),
    })


def split_rejects(raw: RawTable, table: str, df: pd.DataFrame,
                  problems: list[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``df`` into kept rows and a rejects frame (one line per rejected source row: its
    reasons joined, the column, value, kind and fix of its first)."""
    if not problems:
        return df, pd.DataFrame(columns=ROW_COLUMNS)
    p = pd.concat(problems, ignore_index=True)
    # a cell reported missing after it was given but could not be read is the same problem
    missing = p["kind"].eq("missing " + p["column"].astype(str)).to_numpy()
    cell = pd.MultiIndex.from_arrays([p["idx"], p["column"].astype(object)])
    repeated = missing & cell.isin(cell[~missing])
    p = p[~repeated].drop_duplicates(["idx", "reason"])
    p = p.sort_values(["idx"], kind="stable")
    by_row = p.groupby("idx", sort=True)
    first = by_row[["column", "value", "kind", "fix"]].first()
    reasons = by_row["reason"].first()
    several = p[p["idx"].duplicated(keep=False).to_numpy()]    # rows with several reasons
    if not several.empty:           # joined in order (few rows: the loop is over them only)
        joined = several.groupby("idx", sort=True)["reason"].agg("; ".join)
        reasons.loc[joined.index] = joined
    first.insert(2, "reason", reasons)
    first = first.reset_index()
    rep_ids = df["rep_id"] if "rep_id" in df else pd.Series(index=df.index, dtype=object)
    return df.drop(index=first["idx"]), rejects_frame(raw, table, first, rep_ids)


def flags_frame(raw: RawTable, table: str, problems: pd.DataFrame,
                rep_ids: pd.Series | None = None) -> pd.DataFrame:
    """Flag lines (:data:`ROW_COLUMNS` + ``_row``) from problem rows."""
    if problems.empty:
        return pd.DataFrame(columns=[*ROW_COLUMNS, "_row"])
    idx = pd.Index(problems["idx"].astype(int))
    reps = rep_ids if rep_ids is not None else pd.Series(None, index=idx, dtype=object)
    return rejects_frame(raw, table, problems, reps).assign(_row=idx.to_numpy())


def all_rejected_error(file: str, rows_read: int, rejects: pd.DataFrame,
                       counts: pd.Series | dict[str, int] | None = None) -> SSIInputError:
    """The error of a table every row of which was rejected: how many, the most common kind of
    problem (with an example row) and what to do about it.

    ``counts`` (rows by kind) when ``rejects`` holds only some of the rejected rows (the DuckDB
    engine keeps the first ones); else they are counted from ``rejects``.
    """
    kinds = rejects["kind"] if not rejects.empty else pd.Series(dtype=object)
    counts = kinds.value_counts() if counts is None else pd.Series(counts)
    order = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    top, n = order[0] if order else ("unknown", rows_read)
    shown = rejects[kinds == top] if not rejects.empty else rejects
    shown = (shown if not shown.empty else rejects).sort_values("row", kind="stable")
    example, column, fix = "", None, None
    if not shown.empty:
        first = shown.iloc[0]
        example = f", e.g. row {int(first['row'])}: {first['reason']}"
        column = first["column"] if isinstance(first["column"], str) else None
        fix = first["fix"]
    others = (f"; {len(order) - 1} other reason(s): validate lists them" if len(order) > 1
              else "")
    return SSIInputError(f"every row ({rows_read}) was rejected, so the table cannot be used; "
                         f"most common reason: {top} ({n} row{'s' if n != 1 else ''}){example}",
                         file=file, column=column, fix=(fix or DEFAULT_FIX) + others)


@contextlib.contextmanager
def counts_on_stop(quality: QualityReport, file: str | None = None) -> Iterator[None]:
    """An :class:`~ssi_analysis.errors.SSIError` raised inside carries ``quality`` (the counts
    of the tables read, which a command prints when the run stops) unless it has its own, and
    ``file`` where it names none: wrap what runs after loading (scoring, the analysis).

    >>> q = QualityReport()
    >>> try:
    ...     with counts_on_stop(q, "activity.csv"):
    ...         raise SSIError("no metric")
    ... except SSIError as exc:
    ...     exc.quality is q, exc.file
    (True, 'activity.csv')
    """
    try:
        yield
    except SSIError as exc:
        if getattr(exc, "quality", None) is None:
            exc.quality = quality
        if file is not None and not exc.file:
            exc.file = file
        raise


STRICT_SHOWN = 100
"""The rejected rows a ``--strict`` error lists one by one (``validate`` lists them all)."""


def strict_error(quality: QualityReport) -> SSIInputErrors:
    """The error of ``--strict`` with rejected rows: the first :data:`STRICT_SHOWN` rows, each
    with its reason, and how many more there are; ``quality`` goes with it (the counts a
    command prints). Both engines stop so."""
    rejected = sum(t.rows_rejected for t in quality.tables.values())
    rows = quality.rejects.head(STRICT_SHOWN)
    errors: list[SSIInputError] = [
        SSIInputError(r.reason, file=r.file, column=r.column if isinstance(r.column, str)
                      else None, rows=[int(r.row)],
                      fix="correct the row, or run without --strict to reject it")
        for r in rows.itertuples()]
    if rejected > len(rows):
        errors.append(SSIInputError(f"and {rejected - len(rows)} more rejected rows",
                                    fix="validate lists every one"))
    exc = SSIInputErrors(errors)
    exc.quality = quality
    return exc


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
        kinds = ld.rejects["kind"].value_counts()
        top = sorted(kinds.items(), key=lambda kv: (-kv[1], str(kv[0])))[0][0]
        if reps_gone and top == KINDS["not_in_reps"].label:
            continue
        reps_gone = reps_gone or name == "reps"
        out.append(all_rejected_error(files[name].name, ld.rows_read, ld.rejects))
    return out


def quality_report(loaded: dict[str, LoadedTable], files: dict[str, Path]) -> QualityReport:
    """The quality report of the loaded tables: counts, rejects, flags, notes, warnings."""
    quality = QualityReport()
    rejects, flags, per_file = [], [], []
    for name, ld in loaded.items():
        kept_flags = (ld.flags[ld.flags["_row"].isin(ld.frame["_row"])].drop(columns="_row")
                      if ld.flags is not None and not ld.flags.empty else None)
        label = files[name].name + ("/" if ld.file_rows is not None else "")
        quality.tables[name] = TableQuality(
            name, label, ld.rows_read, ld.rows_read - len(ld.rejects),
            len(ld.rejects), 0 if kept_flags is None else
            len(kept_flags[["file", "row"]].drop_duplicates()), kind_counts(ld.rejects))
        if ld.file_rows is not None:
            per_file.append(file_counts(name, ld.file_rows, ld.rejects))
        rejects.append(ld.rejects)
        if kept_flags is not None:
            flags.append(kept_flags)
        quality.notes.extend(ld.notes)
        quality.warnings.extend(ld.warnings)
        quality.id_repairs.update(ld.id_repairs)
    quality.rejects = (pd.concat([r for r in rejects if not r.empty], ignore_index=True)
                       if any(not r.empty for r in rejects)
                       else pd.DataFrame(columns=ROW_COLUMNS))
    if flags:
        quality.flags = pd.concat(flags, ignore_index=True)
    if per_file:
        quality.file_counts = pd.concat(per_file, ignore_index=True)
    return quality


HEADER_ROW = "the column names again: a header line inside the table, not data"
"""The reason of a row that repeats the header
(:func:`ssi_analysis.io.read.headers.header_rows`)."""


def header_rejects(raw: RawTable, table: str) -> pd.DataFrame:
    """The reject lines of the rows of ``raw`` that repeat its header (:data:`HEADER_ROW`),
    named by the file's first column and its cell; no line when no row does.

    >>> raw = RawTable(pd.DataFrame({"rep_id": ["R1", "Rep ID"]}), "reps.csv", 2,
    ...                header_rows=np.array([1]))
    >>> header_rejects(raw, "reps")[["file", "row", "column", "value"]].values.tolist()
    [['reps.csv', 3, 'rep_id', 'Rep ID']]
    """
    rows = raw.header_rows
    first = raw.frame.columns[0]
    kind = KINDS["repeated_header"]
    return pd.DataFrame({
        "table": table, "file": raw.file, "row": rows + raw.row_offset, "rep_id": None,
        "column": first, "value": raw.frame[first].iloc[rows].astype(str).to_numpy(),
        "reason": HEADER_ROW, "kind": kind.label, "fix": kind.fix}, columns=ROW_COLUMNS)


def reject_header_rows(ld: LoadedTable, raw: RawTable, table: str) -> None:
    """The rows of ``raw`` that repeat its header, rejected as such: that is their one reason
    (their cells are no data, so none of them is wrong), whatever the loader found."""
    rows = raw.header_rows
    if not len(rows):
        return
    ld.rejects = with_header_lines(ld.rejects, header_rejects(raw, table))
    ld.frame = ld.frame[~ld.frame["_row"].isin(rows)]


def with_header_lines(rejects: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """``rejects`` with the header ``lines`` (:func:`header_rejects`) in place of any other
    reject of their rows (a header line's one reason is that it is one), in file and row order.

    >>> raw = RawTable(pd.DataFrame({"rep_id": ["R1", "rep_id"]}), "reps.csv", 2,
    ...                header_rows=np.array([1]))
    >>> other = header_rejects(raw, "reps").assign(reason="not a known rep")
    >>> with_header_lines(other, header_rejects(raw, "reps"))[["row", "reason"]].values.tolist()
    [[3, 'the column names again: a header line inside the table, not data']]
    """
    if lines.empty:
        return rejects
    if not rejects.empty:
        at = pd.MultiIndex.from_frame(lines[["file", "row"]])
        rejects = rejects[~pd.MultiIndex.from_frame(rejects[["file", "row"]]).isin(at)]
    return pd.concat([r for r in (rejects, lines) if not r.empty], ignore_index=True) \
        .sort_values(["file", "row"], kind="stable").reset_index(drop=True)


def reject_rows(ld: LoadedTable, mask: pd.Series, table: str, file: str, why: pd.DataFrame,
                column: str) -> None:
    """Move rows of ``ld.frame`` (by mask) into ``ld.rejects``; ``why`` holds each row's
    ``reason, kind, fix`` (:func:`ssi_analysis.rules.kinded`), indexed like ``ld.frame``."""
    if not mask.any():
        return
    bad = ld.frame[mask]
    # activity rows are long; reject each source row once
    first = bad.drop_duplicates("_row")
    offset = 1 if file.endswith((".parquet", ".json")) else 2
    files: object = file
    rows = first["_row"].to_numpy() + offset
    if ld.sources is not None:            # rows of several files: each its own file and row
        pos = first["_row"].to_numpy(dtype=np.int64)
        files, rows = ld.sources["file"].to_numpy()[pos], ld.sources["row"].to_numpy()[pos]
    rej = pd.DataFrame({"table": table, "file": files, "row": rows,
                        "rep_id": first["rep_id"].to_numpy(dtype=object), "column": column,
                        "value": first[column].astype(str).to_numpy(),
                        **{c: why[c].reindex(first.index).to_numpy(dtype=object)
                           for c in ("reason", "kind", "fix")}})
    ld.rejects = pd.concat([r for r in (ld.rejects, rej) if not r.empty], ignore_index=True)
    ld.frame = ld.frame[~ld.frame["_row"].isin(first["_row"])]
