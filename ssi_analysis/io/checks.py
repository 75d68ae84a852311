"""A table's cells typed and checked by its rules (:mod:`ssi_analysis.rules`), as problem rows.

:func:`type_columns` types the known columns (:mod:`ssi_analysis.io.cells`);
:func:`cell_problems` says why a cell could not be read, or an event date is not plausible, by
the typing rules of each column (:func:`typing_rules`); :func:`schema_problems` validates the
typed rows with the table's pandera schema (made from its rules,
:data:`ssi_analysis.schemas.TABLE_RULES`) and turns each failure into the reason of the rule
whose key it carries; :func:`activity_schema_problems` does so on millions of rows by
validating only the rows the same rules' vectorised screen finds; :func:`check_table` runs it
all for a table without rules of its own.
"""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from ..errors import SSIInputError
from ..rules import Cells, Rule, any_of, isin_array
from ..schemas import LEVEL_METRICS, METRICS, TABLES, TableSpec, pa, pandas_on_spark_declined
from .cells.common import plain_text
from .cells.dates import EVENT_DATES, date_rules, parse_dates
from .cells.ids import parse_ids
from .cells.numbers import number_rules, parse_numbers
from .quality import LoadedTable, split_rejects
from .read import RawTable

LONG_LEVELS = (lambda cells: isin_array(cells.typed["metric"], LEVEL_METRICS),
               lambda d: f"metric IN ({d.names(LEVEL_METRICS)})")
"""The rows of long-form activity that hold a level (and the same in SQL)."""
ACTIVITY_COLUMNS = ("rep_id", "date", "metric", "value")
"""The columns of long-form activity."""
WIDE_LEVELS = (lambda cells: np.ones(len(cells.typed), dtype=bool), "true")
"""Every row of a wide activity's level column holds a level."""


def type_columns(raw: RawTable, spec: TableSpec, columns: list[str]) -> Cells:
    """Type ``columns`` of ``raw`` (ids, dates and numbers as ``spec`` says): the typed frame,
    the cells as read, and for each date and number column the cells given but not read."""
    df = raw.frame.copy(deep=False)  # columns are replaced, never written into
    unread: dict[str, np.ndarray] = {}
    for col in columns:
        if col not in df:
            continue
        cell = raw.frame[col]
        if col in spec.ids:
            df[col] = parse_ids(cell)
        elif col in spec.dates:
            df[col], bad = parse_dates(cell, file=raw.file, column=col)
            unread[col] = bad.to_numpy(dtype=bool)
        elif col in spec.numbers:
            df[col], bad = parse_numbers(cell, raw.decimal)
            unread[col] = bad.to_numpy(dtype=bool)
    return Cells(df, raw.frame, unread)


def typing_rules(spec: TableSpec, columns: list[str], *, decimal: str = ".",
                 levels: dict[str, tuple] | None = None) -> list[Rule]:
    """The typing rules of ``columns``, column by column: a date not read (or, for an event
    date, not plausible), a number not read (``levels``: the number columns whose rows may hold
    a level written with a percent sign, with those rows)."""
    out: list[Rule] = []
    for col in columns:
        if col in spec.ids:
            continue
        if col in spec.dates:
            out += date_rules(col, event=col in EVENT_DATES.get(spec.name, ()))
        elif col in spec.numbers:
            out += number_rules(col, decimal=decimal, levels=(levels or {}).get(col))
    return out


def activity_rules(decimal: str = ".") -> list[Rule]:
    """Every rule of long-form activity in the order a row's reasons are given: each column's
    typing rules, then the table's own (:data:`ssi_analysis.schemas.TABLE_RULES`). The pandas
    loader checks them in two steps (typing, then pandera); the SQL engines in one query."""
    spec = TABLES["activity"]
    return [*typing_rules(spec, list(ACTIVITY_COLUMNS), decimal=decimal,
                          levels={"value": LONG_LEVELS}), *spec.rules.rules]


def cell_problems(cells: Cells, rules: list[Rule]) -> list[pd.DataFrame]:
    """The problem rows of each rule, in the rules' order."""
    out = []
    for rule in rules:
        rows = np.flatnonzero(rule.test(cells))
        if len(rows):
            out.append(rule.problems(cells, rows))
    return out


def check_cells(raw: RawTable, spec: TableSpec, columns: list[str], *,
                levels: dict[str, tuple] | None = None) -> tuple[pd.DataFrame, list]:
    """:func:`type_columns` and the problems of its typing rules: ``(typed frame, problems)``."""
    cells = type_columns(raw, spec, columns)
    present = [c for c in columns if c in raw.frame]
    return cells.typed, cell_problems(cells, typing_rules(spec, present, decimal=raw.decimal,
                                                          levels=levels))


def schema_problems(df: pd.DataFrame, spec: TableSpec) -> list[pd.DataFrame]:
    """``df`` validated by the table's pandera schema: the problem rows of the rules it breaks,
    in pandera's order. A problem of the table's columns themselves (a type) stops the run."""
    try:
        with pandas_on_spark_declined():     # pandera's first validation would import it
            spec.schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        fc = fc[fc["index"].notna()]
        if fc.empty:
            # table-level problems only (types); surface the first clearly
            first = exc.failure_cases.iloc[0]
            raise SSIInputError(f"{first['check']}: {first['failure_case']}",
                                column=first["column"]) from None
        return [_failures(df, fc.reset_index(drop=True), {r.key: r for r in spec.rules.rules})]
    return []


def _failures(df: pd.DataFrame, fc: pd.DataFrame, rules: dict[str, Rule]) -> pd.DataFrame:
    """Pandera's failure cases as problem rows. A check's ``error`` is its rule's key (pandera's
    own ``not_nullable`` is the column's ``missing`` rule); a check across the row, reported
    once per column, is about the first cell (in the frame's order) the rule names."""
    check = fc["check"].astype(str)
    key = check.where(check.ne("not_nullable"), fc["column"].astype(str) + ":missing")
    rule = key.map(rules)
    across = fc["schema_context"].eq("DataFrameSchema").to_numpy()
    about = np.array([not a or (c in r.columns and (r.about is None or r.about(v)))
                      for a, r, c, v in zip(across, rule, fc["column"], fc["failure_case"],
                                            strict=True)])
    fc = fc.assign(_key=key, _pos=np.arange(len(fc)))
    cells, rows = fc[~across], fc[across]
    if not rows.empty:
        first = rows[about[across]].drop_duplicates(["index", "_key"])
        seen = pd.MultiIndex.from_frame(first[["index", "_key"]])
        lost = rows.drop_duplicates(["index", "_key"])
        lost = lost[~pd.MultiIndex.from_frame(lost[["index", "_key"]]).isin(seen)]
        rows = pd.concat([first, lost.assign(column=lost["_key"].map(
            lambda k: rules[k].column))])
    fc = pd.concat([rows, cells]).sort_values("_pos", kind="stable")
    found = Cells(df)
    parts = []
    for (k, column), grp in fc.groupby(["_key", "column"], sort=False):
        positions = df.index.get_indexer(grp["index"].astype(df.index.dtype))
        parts.append(rules[k].problems(found, positions, column).assign(_pos=grp["_pos"].to_numpy()))
    return pd.concat(parts).sort_values("_pos", kind="stable").drop(columns="_pos") \
        .reset_index(drop=True)


def activity_schema_problems(df: pd.DataFrame) -> list[pd.DataFrame]:
    """:func:`schema_problems` of long activity, fast on millions of rows: the vectorised screen
    (every rule of the table, :func:`ssi_analysis.rules.any_of`) finds the rows that break one,
    and pandera validates those (for the reasons) and a first row (for the column types)."""
    spec = TABLES["activity"]
    rows = any_of(spec.rules.rules, Cells(df))
    rows[:1] = True
    sub = df[rows]
    return schema_problems(sub.assign(**{c: plain_text(sub[c]) for c in sub.columns}), spec)


def missing_columns(missing: list[str], found: list[str]) -> str:
    """The problem of required columns missing, with the (first dozen) columns found."""
    return (f"required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing "
            f"(columns found: {', '.join(map(str, found[:12]))})")


def require_columns(raw: RawTable, spec: TableSpec, required: tuple[str, ...]) -> None:
    """Raise :class:`SSIInputError` naming the required columns missing, with a column of the
    file to rename where one is close."""
    error = missing_columns_error(list(raw.frame.columns), spec, required, raw.file)
    if error is not None:
        raise error


def missing_columns_error(columns: list[str], spec: TableSpec, required: tuple[str, ...],
                          file: str, *, also: str = "") -> SSIInputError | None:
    """The error of the ``required`` columns missing from ``columns`` (``None``: none is), with
    a column to rename where one is close, else the columns to add (``also``: another way out,
    added to the fix)."""
    missing = [c for c in required if c not in columns]
    if not missing:
        return None
    known = {*spec.required, *spec.ids, *spec.dates, *spec.numbers, *required}
    spare = [c for c in columns if c not in known]  # not already used as such
    hints, rest = [], []
    for m in missing:
        close = difflib.get_close_matches(m, spare, n=1, cutoff=0.5)
        if close:
            hints.append(f"rename '{close[0]}' to '{m}'")
            spare.remove(close[0])
        else:
            rest.append(m)
    if rest:
        hints.append(f"add the column{'s' if len(rest) > 1 else ''} {', '.join(rest)} "
                     f"(see data/README.md for the {spec.name} table)")
    return SSIInputError(missing_columns(missing, columns), file=file, column=missing[0],
                         fix="; ".join(hints) + also)


def activity_form(columns: list[str], file: str) -> str:
    """``'long'`` (``rep_id, date, metric, value``) or ``'wide'`` (``rep_id, date`` and a
    column per metric): the form of an activity table with these (normalised) columns. Raise
    :class:`SSIInputError` naming the columns missing when it is neither; both engines decide
    with it (the DuckDB engine reads the long form only).

    >>> activity_form(["rep_id", "date", "metric", "value"], "a.csv"), activity_form(
    ...     ["rep_id", "date", "posts"], "a.csv")
    ('long', 'wide')
    """
    spec = TABLES["activity"]
    long_form = "metric" in columns or "value" in columns or \
        not any(c in METRICS for c in columns)
    required = ACTIVITY_COLUMNS if long_form else ("rep_id", "date")
    error = missing_columns_error(columns, spec, required, file, also="" if not long_form else
                                  "; or, in wide form, give one column per metric")
    if error is not None:
        raise error
    return "long" if long_form else "wide"


def check_table(raw: RawTable, spec: TableSpec) -> LoadedTable:
    """A table typed and checked by its rules, its rows split into kept and rejected."""
    require_columns(raw, spec, spec.required)
    known = [c for c in (*spec.ids, *spec.dates, *spec.numbers) if c in raw.frame]
    df, problems = check_cells(raw, spec, known)
    problems += schema_problems(df[[c for c in df.columns if c in known or c in spec.required]],
                                spec)
    kept, rej = split_rejects(raw, spec.name, df, problems)
    return LoadedTable(kept.assign(_row=kept.index), rej, len(raw.frame), list(raw.notes))
