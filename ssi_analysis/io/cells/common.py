"""What the cell parsers share: missing cells, and parsing each distinct value once."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.arrays import ArrowStringArray

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "--", "#n/a", "?"})
"""Cell texts read as missing (compared case-insensitively after trimming spaces)."""


def arrow_text(s: pd.Series) -> pa.Array | None:
    """The Arrow array of a column of Arrow-backed text (``str``, ``string``), else ``None``.

    Text cells are typed with Arrow's own kernels on it: what pandas' ``.str`` methods call on
    such a column, without a Series made for each step (most of their cost on a small table).
    """
    if not isinstance(s.array, ArrowStringArray):
        return None
    return pa.array(s.array)


def holding(s: pd.Series, test: Callable[[object], bool]) -> np.ndarray:
    """Which cells hold a value of the Python type ``test`` accepts (a number, a timestamp, a
    ``str``), cell by cell; a column of Arrow text is answered without a look at its cells:
    every cell given there is a ``str``.

    >>> holding(pd.Series(["7", None], dtype="str"), lambda v: isinstance(v, str)).tolist()
    [True, False]
    >>> holding(pd.Series(["7", 7.0], dtype=object), lambda v: isinstance(v, float)).tolist()
    [False, True]
    """
    if arrow_text(s) is not None:
        return s.notna().to_numpy(dtype=bool) & bool(test(""))
    return s.map(test).fillna(False).to_numpy(dtype=bool)


def is_missing(s: pd.Series) -> pd.Series:
    """Which cells are missing: NA, or a text of :data:`MISSING_TOKENS` (any case, spaces
    around it allowed).

    >>> is_missing(pd.Series([" N/A", "x", None, "-"], dtype="str")).tolist()
    [True, False, True, True]
    """
    arr = arrow_text(s)
    if arr is None:
        text = s.astype("string").str.strip().str.lower()
        return s.isna() | text.isin(MISSING_TOKENS).fillna(True)
    token = pc.is_in(pc.utf8_lower(pc.utf8_trim_whitespace(arr)), value_set=_token_array())
    found = pc.or_(pc.is_null(arr), pc.fill_null(token, True))
    return pd.Series(found.to_numpy(zero_copy_only=False), index=s.index, dtype=bool)


@functools.cache
def _token_array() -> pa.Array:
    return pa.array(sorted(MISSING_TOKENS))


def distinct_values(s: pd.Series) -> tuple[np.ndarray, pd.Series] | None:
    """``(codes, values)`` with ``s == values[codes]``: a column's distinct values, missing last.

    Large columns repeat few values (ids, metric names, dates), so parsing each distinct value
    once and taking the results by code gives the cell-by-cell result in a fraction of the time.
    ``None`` (parse cell by cell) for object columns of mixed Python types, where ``True == 1``
    would make two cells that parse differently one value, and where few values repeat.
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes, values = s.cat.codes.to_numpy(), pd.Series(s.cat.categories)
    else:
        if s.dtype == object:
            if pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty"):
                return None
        elif not (pd.api.types.is_string_dtype(s) or pd.api.types.is_numeric_dtype(s)
                  or pd.api.types.is_datetime64_any_dtype(s)):
            return None
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        if 2 * len(uniques) > len(s):
            return None
        values = pd.Series(uniques, dtype=s.dtype)
    missing = codes < 0
    if not missing.any():
        return codes, values
    if values.dtype.kind in "biu":            # these types hold no missing value
        values = values.astype(object)
    codes = np.where(missing, len(values), codes)  # missing cells: an NA appended last
    na = pd.Series([None], dtype=values.dtype)
    return codes, pd.concat([values, na], ignore_index=True)


def take_by_code(parsed: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(parsed.to_numpy()[codes], index=index, dtype=parsed.dtype, copy=False)


def recode_categories(s: pd.Series, parsed: pd.Series) -> pd.Series:
    """A categorical ``s`` whose categories parse to ``parsed`` (text or ``None``, one per
    category), as a categorical of the parsed text; missing stays missing."""
    parsed = parsed.astype(object)
    if parsed.notna().all() and parsed.is_unique:  # a renaming: the codes stay as they are
        return s.cat.rename_categories(pd.Index(parsed.to_numpy(), dtype=object))
    new_codes, cats = pd.factorize(parsed, use_na_sentinel=True)
    lut = np.append(new_codes, -1)                       # code -1 (missing) stays -1
    cat = pd.Categorical.from_codes(lut[s.cat.codes.to_numpy()], pd.Index(cats, dtype=object))
    return pd.Series(cat, index=s.index)


def nones(s: pd.Series) -> pd.Series:
    """Text cells as Python objects with ``None`` for missing (not NaN)."""
    return s.astype(object).where(s.notna(), None)


def plain_text(s: pd.Series) -> pd.Series:
    """A categorical text column as Python strings and ``None`` (as the schemas expect)."""
    if not isinstance(s.dtype, pd.CategoricalDtype):
        return s
    cats = np.append(s.cat.categories.to_numpy(dtype=object), None)  # code -1 -> None
    return pd.Series(cats[s.cat.codes.to_numpy()], index=s.index, dtype=object, copy=False)


def values_present(s: pd.Series) -> set:
    """The distinct values a column holds (missing left out); for a categorical, the categories
    its cells use, without a pass over the values.

    >>> sorted(values_present(pd.Series(["b", "a", None, "b"], dtype="category")))
    ['a', 'b']
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy()
        used = np.bincount(codes[codes >= 0], minlength=len(s.cat.categories)) > 0
        return set(s.cat.categories[used])
    return set(pd.unique(s.dropna()))
