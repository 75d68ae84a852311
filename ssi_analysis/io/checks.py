"""A table's cells typed and checked by its rules, as ``idx, column, value, reason`` problems.

:func:`type_columns` types the known columns (:mod:`ssi_analysis.io.cells`) and says why a cell
could not be read; :func:`schema_problems` validates the typed rows with the table's pandera
schema and turns each failure into a reason; :func:`check_table` does both for a table without
rules of its own.
"""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..errors import SSIInputError
from ..schemas import CEILING_ERROR, LEVEL_METRICS, METRICS, TABLES, VALUE_CEILING, TableSpec
from .cells.common import isin_array, plain_text
from .cells.dates import EVENT_DATES, date_reasons, implausible_dates, parse_dates
from .cells.ids import parse_ids
from .cells.numbers import number_reasons, parse_numbers
from .files import RawTable
from .quality import LoadedTable, split_rejects


def _reason_from_check(check: str, column: str | None, value: object) -> str:
    col = column or "row"
    if check == "not_nullable":
        return f"missing {col}"
    if check.startswith("greater_than_or_equal_to(0"):
        return f"negative {col} ({value})"
    if check.startswith("greater_than(0"):
        return f"{col} must be above 0 ({value})"
    if check.startswith("greater_than_or_equal_to"):
        return f"{col} below {check.split('(')[1].rstrip(')')} ({value})"
    if check.startswith("less_than_or_equal_to"):
        return f"{col} above {check.split('(')[1].rstrip(')')} ({value})"
    if check.startswith("isin"):
        return f"unknown {col} '{value}'"
    if check.startswith("str_length"):
        return f"empty {col}"
    if check == CEILING_ERROR:
        return f"{check} ({value})"
    return check


def type_columns(raw: RawTable, spec: TableSpec, columns: list[str]) -> tuple[pd.DataFrame, list]:
    """Type the known columns; return the typed frame and (index, column, value, reason) rows."""
    df = raw.frame.copy(deep=False)  # columns are replaced, never written into
    problems: list[pd.DataFrame] = []
    for col in columns:
        if col not in df:
            continue
        cell = raw.frame[col]
        if col in spec.ids:
            df[col] = parse_ids(cell)
        elif col in spec.dates:
            df[col], bad = parse_dates(cell, file=raw.file, column=col)
            if bad.any():
                problems.append(pd.DataFrame({"idx": df.index[bad], "column": col,
                                              "value": cell[bad].astype(str),
                                              "reason": date_reasons(cell[bad], col)}))
            if col in EVENT_DATES.get(spec.name, ()):
                problems.extend(implausible_dates(df[col], col))
        elif col in spec.numbers:
            df[col], bad = parse_numbers(cell, raw.decimal)
            if bad.any():
                problems.append(pd.DataFrame({"idx": df.index[bad], "column": col,
                                              "value": cell[bad].astype(str),
                                              "reason": number_reasons(cell[bad], col,
                                                                        raw.decimal)}))
    return df, problems


_ROW_CHECK_COLUMNS = {"a level must be within 0..1": "value",
                      "period_end is before period_start": "period_end",
                      "value must be finite": None}
"""The cell a row-wise check of a schema is about (``None``: the cells that are not finite)."""


def _attribute_row_checks(fc: pd.DataFrame) -> pd.DataFrame:
    """Pandera reports a failed row-wise (DataFrame) check once per column of the row: keep the
    cell the check is about, so a rejected row names that column and its value."""
    table_level = fc["schema_context"].eq("DataFrameSchema")
    if not table_level.any():
        return fc
    check = fc["check"].astype(str)
    preferred = check.map(_ROW_CHECK_COLUMNS)
    not_finite = fc["failure_case"].map(
        lambda v: isinstance(v, float | np.floating) and bool(np.isinf(v))).astype(bool)
    hit = table_level & (preferred.eq(fc["column"]).fillna(False).astype(bool)
                         | (check.isin([k for k, v in _ROW_CHECK_COLUMNS.items() if v is None])
                            & not_finite))
    found = hit.groupby([fc["index"], check]).transform("any")
    return fc[~table_level | hit | ~found]


def schema_problems(df: pd.DataFrame, schema: type[pa.DataFrameModel]) -> list[pd.DataFrame]:
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        fc = _attribute_row_checks(fc[fc["index"].notna()])
        if fc.empty:
            # table-level problems only (types); surface the first clearly
            first = exc.failure_cases.iloc[0]
            raise SSIInputError(f"{first['check']}: {first['failure_case']}",
                                column=first["column"]) from None
        reasons = [_reason_from_check(str(c), col if isinstance(col, str) else None, v)
                   for c, col, v in zip(fc["check"], fc["column"], fc["failure_case"],
                                        strict=True)]
        return [pd.DataFrame({"idx": fc["index"].astype(int).to_numpy(),
                              "column": fc["column"].to_numpy(),
                              "value": fc["failure_case"].astype(str).to_numpy(),
                              "reason": reasons})]
    return []


def activity_screen_applies() -> bool:
    """Whether :func:`activity_suspects` screens for every check of ``ActivitySchema``.

    It does for the schema as written (not-null columns, metric in the catalogue, value >= 0
    and within the ceiling, levels within 0..1, finite values). If the schema gains a check, this turns false and every
    row is validated by pandera again, until the screen learns the new check.
    """
    s = TABLES["activity"].schema.to_schema()
    shape = {name: (col.nullable, col.unique, [(c.name, c.statistics) for c in col.checks])
             for name, col in s.columns.items()}
    expected = {
        "rep_id": (False, False, []), "date": (False, False, []),
        "metric": (False, False, [("isin", {"allowed_values": sorted(METRICS)})]),
        "value": (False, False, [("greater_than_or_equal_to", {"min_value": 0}),
                                 ("within_ceiling", {})]),
    }
    return (shape == expected and [c.name for c in s.checks] == ["levels_within_unit", "finite"]
            and not s.unique)


def activity_suspects(df: pd.DataFrame) -> np.ndarray:
    """Rows that may fail ``ActivitySchema``; every row the schema rejects is among them."""
    v = df["value"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        sure = (df["rep_id"].notna().to_numpy() & df["date"].notna().to_numpy()
                & isin_array(df["metric"], METRICS) & np.isfinite(v) & (v >= 0)
                & (v <= VALUE_CEILING) & ~(isin_array(df["metric"], LEVEL_METRICS) & (v > 1)))
    return ~sure


def activity_schema_problems(df: pd.DataFrame) -> list[pd.DataFrame]:
    """``schema_problems`` against ``ActivitySchema``, fast on millions of rows.

    A vectorised screen finds the rows that can fail; pandera validates those (for the reasons)
    and the column types, instead of every row. Same problems as validating every row.
    """
    schema = TABLES["activity"].schema
    if activity_screen_applies():
        rows = activity_suspects(df)
        rows[:1] = True  # and a first row, so that the column types are checked on values
        df = df[rows]
    return schema_problems(df.assign(**{c: plain_text(df[c]) for c in df.columns}), schema)


def require_columns(raw: RawTable, spec: TableSpec, required: tuple[str, ...]) -> None:
    missing = [c for c in required if c not in raw.frame.columns]
    if missing:
        present = ", ".join(map(str, raw.frame.columns[:12]))
        known = {*spec.required, *spec.ids, *spec.dates, *spec.numbers, *required}
        spare = [c for c in raw.frame.columns if c not in known]  # not already used as such
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
        raise SSIInputError(
            f"required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"missing (columns found: {present})", file=raw.file, column=missing[0],
            fix="; ".join(hints))


def check_table(raw: RawTable, spec: TableSpec) -> LoadedTable:
    require_columns(raw, spec, spec.required)
    known = [c for c in (*spec.ids, *spec.dates, *spec.numbers) if c in raw.frame]
    df, problems = type_columns(raw, spec, known)
    problems += schema_problems(df[[c for c in df.columns if c in known or c in spec.required]],
                          spec.schema)
    kept, rej = split_rejects(raw, spec.name, df, problems)
    return LoadedTable(kept.assign(_row=kept.index), rej, len(raw.frame), list(raw.notes))
