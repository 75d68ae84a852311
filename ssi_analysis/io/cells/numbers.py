"""Numbers from cells, by the file's decimal mark and the column's, and levels written as percentages."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...dialects import Dialect
from ...rules import KINDS, SQL, Cells, Field, Rule, otherwise, render
from .common import arrow_text, distinct_values, is_missing, take_by_code


def parse_numbers(s: pd.Series, decimal: str | None = ".") -> tuple[pd.Series, pd.Series]:
    """Numbers from cells; returns ``(values, unparseable)`` with missing cells as NaN (not bad).

    ``decimal='.'`` (a comma-delimited CSV): plain numbers (``1.5``, ``-2``, ``1e3``).
    ``decimal=','`` (a semicolon-delimited CSV, as European exports write): numbers with
    separators are read by the rule of :func:`parse_amounts` (``1.234,5`` and ``12,5``;
    ``1.5`` is 1.5), and a single separator before exactly three digits (``20.998``) takes the
    decimal mark the column's other values show, else the file's comma (``20.998`` = 20998);
    in a column showing both marks it is ambiguous and not a number.
    ``decimal=None`` (cells whose file tells no decimal mark, e.g. a column typed later): the
    separator rule with the column's own evidence only, so ``1,234`` in a column showing no
    other mark is ambiguous and not a number.

    >>> v, bad = parse_numbers(pd.Series(["1.5", " 2 ", "", "lots"]))
    >>> v.tolist()[:3], bad.tolist()
    ([1.5, 2.0, nan], [False, False, False, True])
    >>> parse_numbers(pd.Series(["20.998", "6.4", "10.25"]), ",")[0].tolist()
    [20.998, 6.4, 10.25]
    >>> parse_numbers(pd.Series(["20.998", "6.4", "1.234,5"]), ",")[0].tolist()  # both marks
    [nan, 6.4, 1234.5]
    >>> parse_numbers(pd.Series(["20,998", "6,4", "1.234,5", "1.250"]), ",")[0].tolist()
    [20.998, 6.4, 1234.5, 1250.0]
    >>> parse_numbers(pd.Series(["1,234", "2,500"]), None)[1].tolist()  # 1.234 or 1234?
    [True, True]
    >>> parse_numbers(pd.Series(["1,234", "2,5"]), None)[0].tolist()
    [1.234, 2.5]
    """
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        values = s.astype(float)
        return values, pd.Series(False, index=s.index)
    found = distinct_values(s)
    if found is None:
        return parse_number_cells(s, decimal)
    codes, distinct = found
    # the separator rule weighs which marks the column shows, not how often: the distinct
    # values show what every cell shows
    values, bad = parse_number_cells(distinct, decimal)
    return take_by_code(values, codes, s.index), take_by_code(bad, codes, s.index)


_SIGNED_NUMBER = re.compile(r"^(?P<sign>[-−+])?\s*(?P<num>\d(?:[\d.,' ’]*\d)?)$")


def parse_number_cells(s: pd.Series, decimal: str) -> tuple[pd.Series, pd.Series]:
    missing = is_missing(s)
    arr = arrow_text(s)
    if decimal == "." and arr is not None:  # the general path's steps in Arrow's kernels
        given = ~missing.to_numpy()
        text = pc.if_else(pa.array(given), pc.utf8_trim_whitespace(arr), None)
        values = pd.to_numeric(pd.Series(pd.arrays.ArrowStringArray(text), index=s.index),
                               errors="coerce").astype(float)
        return values, pd.Series(np.isnan(values.to_numpy()) & given, index=s.index)
    text = s.astype("string").str.strip()
    if decimal != ".":
        clean = text.where(~missing).str.replace(r"[\u00a0\u202f\u2009]", " ", regex=True)
        parts = clean.str.extract(_SIGNED_NUMBER)
        shaped = parts["num"].notna()
        values = pd.Series(np.nan, index=s.index, dtype=float)
        if shaped.any():
            read, _, _ = separated_numbers(parts["num"][shaped], decimal)
            negative = parts["sign"][shaped].isin(["-", "−"]).to_numpy()
            values[shaped] = np.where(negative, -read.to_numpy(), read.to_numpy())
        other = ~shaped & ~missing          # 1e3, inf ...: read as written, comma as the mark
        if other.any():
            values[other] = pd.to_numeric(text[other].str.replace(",", ".", regex=False),
                                          errors="coerce").astype(float)
    else:
        values = pd.to_numeric(text.where(~missing), errors="coerce").astype(float)
    bad = values.isna() & ~missing
    return values, bad


NUMBER_FORMS = {  # number part -> how to read it
    "int": r"\d+",
    "spaced": r"\d{1,3}(?:[ '’]\d{3})+(?:[.,]\d+)?",   # 1 234,50  1'234.50
    "single_ambiguous": r"[1-9]\d{0,2}[.,]\d{3}",       # 1,234 or 1.234: grouping or decimal?
    "single": r"\d+[.,]\d+",                            # 12,5  1234.50  0.125
    "comma_groups": r"\d{1,3}(?:,\d{3})+(?:\.\d+)?",    # 1,234,567  1,234.50
    "dot_groups": r"\d{1,3}(?:\.\d{3})+(?:,\d+)?",      # 1.234.567  1.234,50
}


def separated_numbers(num: pd.Series, decimal: str | None, *, money: bool = False
                       ) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Read number texts (digits and separators, no sign or currency) by the separator rule.

    The rule of :func:`parse_amounts` (and of :func:`parse_numbers` in decimal-comma files):
    the last of two different separators is the decimal mark, a repeated one or a space or
    apostrophe groups thousands, a single one not followed by exactly three digits is the
    decimal mark, and a single one followed by exactly three digits (``1,234``, ``20.998``) is
    read with the decimal mark the column's other values show, else with the file's
    ``decimal``. When the column shows both marks, or neither and the file tells none, it is
    ambiguous. With ``money=True`` the mark settles only the grouping reading (``1,500``
    where the decimal mark is a point is 1500): money is not written to three decimals, so
    ``43.000`` where the decimal mark is a point stays ambiguous (43 or 43000?).
    Returns ``(value, form, sep)``: ``value`` NaN where not read, ``form`` the shape
    (``None``: not a number, ``'single_ambiguous'``: ambiguous) and ``sep`` the first separator.
    """
    form = pd.Series(None, index=num.index, dtype=object)
    for name, pattern in NUMBER_FORMS.items():
        hit = form.isna() & num.str.fullmatch(pattern).fillna(False).astype(bool)
        form[hit] = name
    sep = num.str.extract(r"([.,])", expand=False)
    # which decimal mark each value shows (the evidence for the ambiguous ones)
    shows = pd.Series(None, index=num.index, dtype=object)
    shows[form.eq("single") | (form.eq("spaced") & sep.notna())] = sep
    shows[form.eq("comma_groups")] = "."
    shows[form.eq("dot_groups")] = ","
    seen = set(shows.dropna())
    mark = seen.pop() if len(seen) == 1 else (decimal if not seen else None)
    ambiguous = form.eq("single_ambiguous")
    if mark is not None and ambiguous.any():
        if not money:
            form[ambiguous & sep.eq(mark)] = "single"
        form[ambiguous & sep.ne(mark)] = "grouped"
    body = num.copy()
    as_decimal = form.isin(["single", "spaced"])
    body[as_decimal] = num[as_decimal].str.replace(r"[ '’]", "", regex=True).str.replace(
        ",", ".", regex=False)
    body[form.eq("grouped")] = num[form.eq("grouped")].str.replace(r"[.,]", "", regex=True)
    body[form.eq("comma_groups")] = num[form.eq("comma_groups")].str.replace(",", "",
                                                                             regex=False)
    body[form.eq("dot_groups")] = num[form.eq("dot_groups")].str.replace(
        ".", "", regex=False).str.replace(",", ".", regex=False)
    value = pd.to_numeric(body.where(form.notna() & form.ne("single_ambiguous")),
                          errors="coerce").astype(float)
    return value, form, sep


PERCENT_SIGN_TEXT = r"\d+(\.\d+)?\s*%"
"""A level written with a percent sign (``85%``): not read (which scale the column is on is
told by its values, not guessed from one cell), said precisely."""


PERCENT_SIGN_HINT = (" (written with a percent sign: write a level as a share from 0 to 1, "
                     "0.85 for 85%)")


AMBIGUOUS_TEXT = r"[-+]?[1-9]\d{0,2}[.,]\d{3}"
"""A number with one separator before exactly three digits (``1.250``): in a decimal-comma
file whose column writes both marks, a thousands separator or a decimal mark cannot be told."""


def _shaped(column: str, pattern: str, rows: Callable[[Cells], np.ndarray] | None = None):
    """A test: the cells of ``column`` given but not read (and of ``rows``) whose text, trimmed,
    is written as ``pattern`` (the text is looked at for those cells only)."""
    def test(cells: Cells) -> np.ndarray:
        out = cells.unread_of(column).copy()
        if rows is not None and out.any():
            out &= rows(cells)
        hit = np.flatnonzero(out)
        if len(hit):
            out[hit] = cells.text(column, hit).str.strip().str.fullmatch(pattern).fillna(
                False).to_numpy(dtype=bool)
        return out
    return test


def _unsigned_sql(column: str, d: Dialect) -> str:
    return d.replace_all(d.strip(f"{column}_raw"), "^[+-]+", "")


_AMBIGUOUS_FIELDS = {
    "grouped": Field(lambda c, col, rows: c.text(col, rows).str.strip().str.lstrip("+-")
                     .str.replace(r"[.,]", "", regex=True),
                     lambda col, d: d.replace_all(_unsigned_sql(col, d), "[.,]", "")),
    "pointed": Field(lambda c, col, rows: c.text(col, rows).str.strip().str.lstrip("+-")
                     .str.replace(",", ".", regex=False),
                     lambda col, d: f"replace({_unsigned_sql(col, d)}, ',', '.')"),
}


def number_rules(column: str, *, decimal: str = ".",
                 levels: tuple[Callable[[Cells], np.ndarray], SQL] | None = None) -> list[Rule]:
    """Why a cell of a number column is rejected: in a decimal-comma file (``decimal=','``),
    ``1.250`` in a column that writes both marks is ambiguous (said so, with the two readings);
    a level (``levels``: the rows that hold one, and the same in SQL) written with a percent
    sign is said to be one; any other cell given but not read is not a number."""
    specific = []
    if decimal == ",":
        specific.append(Rule(
            f"{column}:ambiguous", "ambiguous", column,
            KINDS["ambiguous"].label.format(column=column), _shaped(column, AMBIGUOUS_TEXT),
            lambda d: f"{column}_unread AND "
                      f"{d.full_match(d.strip(f'{column}_raw'), AMBIGUOUS_TEXT)}",
            f"{column} '{{raw}}' is ambiguous: the column writes both decimal marks, so is it "
            "{grouped} or {pointed}?", shown="cell", fields=_AMBIGUOUS_FIELDS))
    if levels is not None:
        rows, rows_sql = levels
        specific.append(Rule(
            f"{column}:percent_sign", "not_a_number", column,
            KINDS["not_a_number"].label.format(column=column),
            _shaped(column, PERCENT_SIGN_TEXT, rows),
            lambda d: f"{column}_unread AND {render(rows_sql, d)} AND "
                      f"{d.full_match(d.strip(f'{column}_raw'), PERCENT_SIGN_TEXT)}",
            f"{column} is not a number{PERCENT_SIGN_HINT}", shown="cell"))
    return [*specific, otherwise(f"{column}:not_a_number", "not_a_number", column,
                                 lambda cells: cells.unread_of(column), f"{column}_unread",
                                 specific, message=f"{column} is not a number", shown="cell")]


def percent_scale(values: np.ndarray) -> bool:
    """Whether a level metric's values are percentages (0-100) rather than shares (0..1).

    They are when every value (finite, not negative: the others are rejected anyway) is within
    0..100, the largest is at least 10, and none lies strictly between 0 and 1. A share like
    0.6 says the column is on the 0..1 scale, and a column whose largest value is below 10
    cannot be percentages of profiles (every one under 10% complete): then a 1.4 is an error,
    rejected, not a percentage.

    >>> percent_scale(np.array([0.0, 60.0, 85.0, 100.0]))
    True
    >>> percent_scale(np.array([0.5, 0.9, 1.4])), percent_scale(np.array([1.4]))
    (False, False)
    """
    v = values[np.isfinite(values) & (values >= 0)]
    return percent_scale_of(v.max() if v.size else None, int(((v > 0) & (v < 1)).sum()))


def percent_scale_of(top: float | None, shares: int) -> bool:
    """:func:`percent_scale` from the largest valid value and the number strictly in (0, 1)."""
    return bool(top is not None and 10 <= top <= 100 and shares == 0)


def percent_warning(file: str, metric: str, top: float, rows: int) -> str:
    """The warning of a level read as percentages (:func:`percent_scale`)."""
    return (f"{file}: {metric} is on a 0-100 scale (values up to {top:g}), not 0..1: read as "
            f"percentages and divided by 100 ({rows} rows; write shares such as 0.85 to "
            "silence this)")
