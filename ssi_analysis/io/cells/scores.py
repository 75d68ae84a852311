"""Scores as the SSI page shows them: ``52 de 100``, ``Top 9%``, ``Primeiros 10%``, ``20,998``.

A person reads ``52 de 100`` as 52 and ``Primeiros 10%`` as 10; so does :func:`shown_numbers`,
before the number is read by the column's decimal mark (:func:`~.numbers.parse_numbers`). The
words around a number are a mapping's (``rank_words``, ``out_of``; LinkedIn's in every language
shipped, :mod:`ssi_analysis.mapping`). A cell with no digit at all is a line of text the page
shows (``Sem alterações na última semana``, a notice), not a score.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from .common import arrow_text, distinct_values, holding, is_missing, take_by_code

_NUMBER = r"(?P<num>[-+−]?\s*\d(?:[\d.,'’\u00a0\u202f ]*\d)?)"


def shown_pattern(rank_words: Sequence[str] = (), out_of: Sequence[str] = ()) -> re.Pattern:
    """The pattern of a score as shown: optional words before it (``Top``), the number, an
    optional ``%``, and an optional ``<word> 100`` after it (``de 100``, ``out of 100``, ``/100``).
    """
    def alternatives(words: Sequence[str]) -> str:
        parts = sorted({re.escape(w.strip()) for w in words if w.strip()}, key=len,
                       reverse=True)
        return "|".join(p.replace(r"\ ", r"\s+") for p in parts)

    before = alternatives(rank_words)
    after = "|".join(filter(None, [alternatives(out_of), "/"]))
    return re.compile(rf"^\s*(?:(?:{before})\s*)?{_NUMBER}\s*%?\s*(?:(?:{after})\s*100)?\s*$"
                      if before else
                      rf"^\s*{_NUMBER}\s*%?\s*(?:(?:{after})\s*100)?\s*$", re.IGNORECASE)


def shown_numbers(s: pd.Series, *, rank_words: Sequence[str] = (),
                  out_of: Sequence[str] = ()) -> tuple[pd.Series, pd.Series]:
    """The number part of each cell as a person reads it, and which cells hold no digit.

    Returns ``(text, no_number)``: ``text`` is the number as written (``'20,998'``) where the
    cell reads as a shown score, the cell itself otherwise (numbers of numeric columns are kept
    as they are); ``no_number`` is true for a given text cell without any digit.

    >>> s = pd.Series(["52 de 100", "Primeiros 10%", "Top 9 %", "20,998", "Sem alterações",
    ...                "lots 5", None, 7.5])
    >>> text, none = shown_numbers(s, rank_words=["Top", "Primeiros"], out_of=["de", "out of"])
    >>> text.tolist()
    ['52', '10', '9', '20,998', 'Sem alterações', 'lots 5', None, 7.5]
    >>> none.tolist()
    [False, False, False, False, True, False, False, False]
    """
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s, pd.Series(False, index=s.index)
    found = distinct_values(s)
    if found is None:
        return _shown_cells(s, shown_pattern(rank_words, out_of))
    codes, distinct = found
    text, none = _shown_cells(distinct, shown_pattern(rank_words, out_of))
    return take_by_code(text, codes, s.index), take_by_code(none, codes, s.index)


_PLAIN_NUMBER = r"^[0-9]+(?:\.[0-9]+)?$"
"""A number as most exports write a score: digits, perhaps a point and decimals."""


def _shown_cells(s: pd.Series, pattern: re.Pattern) -> tuple[pd.Series, pd.Series]:
    missing = is_missing(s).to_numpy(dtype=bool)
    arr = arrow_text(s)
    if arr is not None and (pc.fill_null(pc.match_substring_regex(arr, _PLAIN_NUMBER), False)
                            .to_numpy(zero_copy_only=False) | missing).all():
        # every cell given is a plain number: its number part is the cell itself
        return s.astype(object).copy(), pd.Series(np.zeros(len(s), dtype=bool), index=s.index)
    is_text = holding(s, lambda v: isinstance(v, str)) & ~missing
    out = s.astype(object).copy()
    none = np.zeros(len(s), dtype=bool)
    if is_text.any():
        text = s[is_text].astype(str)
        parts = text.str.extract(pattern)["num"]
        hit = parts.notna().to_numpy()
        cleaned = parts[hit].str.replace(r"\s+", "", regex=True).str.replace("−", "-")
        positions = np.flatnonzero(is_text)
        out.iloc[positions[hit]] = cleaned.to_numpy(dtype=object)
        none[positions] = ~text.str.contains(r"\d", regex=True).to_numpy(dtype=bool)
    return out, pd.Series(none, index=s.index)


def clip_text(value: object, width: int = 60) -> str:
    """A cell for a message: as text, shortened with an ellipsis past ``width`` characters."""
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[:width - 1] + "…"
