"""A table's header: its names distinct, and the rows that repeat it.

Column names are compared normalised (:func:`ssi_analysis.schemas.normalise_name`); a repeated
name or a header without rows stops the run, and a row that repeats the header (two exports
appended, a header printed on every page) is found so that it is rejected as such, not read as
data. The SQL engines find those rows by the same rule (:func:`header_row_sql`).
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pandas as pd

from ...dialects import DUCKDB, Dialect
from ...errors import SSIInputError
from ...schemas import normalise_name, normalise_name_sql

RENAMED_COLUMN = re.compile(r"\.\d+$")
"""How pandas renames a repeated column name (``team.1``)."""


def header_as_written(first_row: pd.Series, columns: pd.Index) -> list:
    """The header cells as the file writes them, where pandas renamed a repeated one.

    >>> header_as_written(pd.Series(["team", "Team", ""]), pd.Index(["team", "team.1", "x"]))
    ['team', 'Team', 'x']
    """
    written = ["" if pd.isna(v) else str(v) for v in first_row.tolist()]
    if len(written) != len(columns):
        return list(columns)
    return [w if w.strip() else c for w, c in zip(written, columns, strict=True)]


def _empty_cells(s: pd.Series) -> np.ndarray:
    text = s.astype(object)
    blank = np.array([isinstance(v, str) and not v.strip() for v in text], dtype=bool)
    return s.isna().to_numpy(dtype=bool) | blank


def _named(s: pd.Series, name: str) -> np.ndarray:
    """Which cells of ``s``, read as a column name (:func:`normalise_name`), are ``name``: each
    distinct text once."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        hit = np.array([isinstance(c, str) and normalise_name(c) == name
                        for c in s.cat.categories], dtype=bool)
        return np.append(hit, False)[s.cat.codes.to_numpy()]
    if not (s.dtype == object or pd.api.types.is_string_dtype(s)):
        return np.zeros(len(s), dtype=bool)       # numbers and dates are no column names
    values = pd.unique(s.dropna())
    names = [v for v in values if isinstance(v, str) and normalise_name(v) == name]
    return s.isin(names).to_numpy(dtype=bool) if names else np.zeros(len(s), dtype=bool)


def header_rows(frame: pd.DataFrame) -> np.ndarray:
    """The positions of the rows of ``frame`` that repeat its header: rows whose every cell,
    read as a column name, is the name of its own column (empty cells allowed; at least two
    cells so, or the one cell of a table of one column). Such a line inside a table (two
    exports appended, or a header printed on every page) holds no data.

    >>> frame = pd.DataFrame({"rep_id": ["R1", "Rep ID", "R2"], "team": ["T", "team", ""]})
    >>> header_rows(frame).tolist()
    [1]
    """
    columns = list(frame.columns)
    if frame.empty or not columns:
        return np.array([], dtype=np.int64)
    first = _named(frame[columns[0]], columns[0])     # the cheap pass: one column's values
    rows = np.flatnonzero(first)
    if not len(rows):
        return rows.astype(np.int64)
    sub = frame.iloc[rows]
    named = np.ones(len(rows), dtype=np.int64)
    fits = np.ones(len(rows), dtype=bool)
    for col in columns[1:]:
        hit = _named(sub[col], col)
        named += hit
        fits &= hit | _empty_cells(sub[col])
    return rows[fits & (named >= min(2, len(columns)))].astype(np.int64)


def header_row_sql(cells: list[tuple[str, str]], dialect: Dialect = DUCKDB) -> str:
    """:func:`header_rows` in SQL (in ``dialect``): true for a row that repeats the header,
    from ``(column name, SQL text of the row's cell)`` for every column of the table."""
    d = dialect
    named = [f"coalesce({normalise_name_sql(text, d)} = {d.text(col)}, false)"
             for col, text in cells]
    empty = [f"({text} IS NULL OR {d.strip(text)} = '')" for _, text in cells]
    each = " AND ".join(f"({n} OR {e})" for n, e in zip(named, empty, strict=True))
    count = " + ".join(f"CAST({n} AS INTEGER)" for n in named)
    return f"({named[0]} AND {each} AND {count} >= {min(2, len(cells))})"


def no_rows_error(name: str, table: str, *, odd: bool = False) -> SSIInputError:
    """The error of a file with a header but no rows (``odd``: a CSV whose one line names none
    of the table's columns); both engines say it so."""
    return SSIInputError("the file has a header but no rows"
                         + (" (and its one line names none of the table's columns: the file "
                            "may not be CSV text)" if odd else ""), file=name,
                         fix=f"export the {table} table again with its data"
                         + (" as CSV" if odd else ""))


def check_distinct_columns(names: list[str], file: str) -> None:
    """Raise :class:`SSIInputError` when normalised column names repeat (one pass over the
    names: a header of many thousand columns is checked as fast as one of four).

    >>> check_distinct_columns(["rep_id", "team", "rep_id"], "reps.csv")
    Traceback (most recent call last):
    ...
    ssi_analysis.errors.SSIInputError: reps.csv: column names repeat: rep_id
      fix: give every column a distinct name
    """
    counts = Counter(names)
    dupes = sorted(c for c, n in counts.items() if n > 1)
    if dupes:
        shown = ", ".join(dupes[:10]) + (f" and {len(dupes) - 10} more" if len(dupes) > 10
                                         else "")
        raise SSIInputError(f"column names repeat: {shown}", file=file,
                            fix="give every column a distinct name")
