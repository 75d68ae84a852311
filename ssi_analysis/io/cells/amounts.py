"""Money amounts: currency marks, thousands separators, accounting negatives, one currency per column."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .common import holding, is_missing, nones
from .numbers import separated_numbers

CURRENCY_SYMBOLS: dict[str, str] = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP",
                                    "¥": "JPY", "₹": "INR"}
"""Currency symbols read in amounts, and the code each is taken for (for the one-currency check;
amounts are never converted)."""


_CUR = r"US\$|[$€£¥₹]|[A-Z]{3}"


_AMOUNT_TEXT = re.compile(
    rf"^(?P<po>\()?\s*(?P<s1>[-−+])?\s*(?P<c1>{_CUR})?\s*(?P<s2>[-−+])?\s*"
    rf"(?P<num>\d(?:[\d.,' ’]*\d)?)\s*(?P<c2>{_CUR})?\s*(?P<s3>-)?\s*(?P<pc>\))?$")


_PLAIN_AMOUNT = r"[0-9]{1,15}(?:\.[0-9]{1,2})?"
"""An amount without sign, currency or thousands separator, with at most two decimals after
a point: what most exports write, read without the separator rule's work."""


def parse_amounts(s: pd.Series, *, decimal: str | None = None) -> pd.DataFrame:
    """Money amounts from cells, with currency marks and thousands separators.

    The rule, for a text cell (numeric cells are taken as they are):

    1. One currency mark may stand before or after the number: a symbol (``$ € £ ¥ ₹``,
       ``US$``) or a three-letter code in capitals (``USD``, ``EUR``...). A sign
       (``-1200``), a trailing minus (``1.200,00-``) or accounting parentheses
       (``(1,200.00)``) make it negative.
    2. The number is read by its separators: ``1,234.50`` and ``1.234,50`` (the last separator
       is the decimal mark, the other groups thousands), ``1 234,50`` and ``1'234.50``
       (spaces or apostrophes group thousands), ``1,234,567`` (a repeated separator groups
       thousands), ``12,5`` / ``1234.50`` (a single separator not followed by exactly three
       digits is the decimal mark).
    3. A single separator followed by exactly three digits (``1,234``, ``12.500``) could be
       either. The decimal mark is the one the column's other values show consistently, else
       the file's (``decimal``: ``','`` for a semicolon-delimited CSV, ``'.'`` for another
       CSV). When the separator is not that mark it groups thousands (``1,500`` with a
       decimal point is 1500, ``1.500`` with a decimal comma is 1500). When it is the mark,
       the amount would have three decimals, which money does not: ``43.000 €`` beside
       ``70000.0`` could be 43 or 43000, so it is **ambiguous** and not read, as it is when
       the column shows both marks, or none and the file tells none (Excel text cells).

    Parameters
    ----------
    s : Series
        The cells.
    decimal : {'.', ',', None}
        The file's decimal mark, if the file format tells it.

    Returns
    -------
    DataFrame
        ``amount`` (float; NaN when missing or not read), ``currency`` (code or ``None``),
        ``problem`` (why a cell was not read, ``None`` otherwise) and its ``kind`` (a code of
        :data:`ssi_analysis.rules.KINDS`), indexed like ``s``.

    Examples
    --------
    >>> cells = pd.Series(["$1,234.50", "USD 1 234", "(250.00)", "1.200,00-", "€ 99", ""])
    >>> out = parse_amounts(cells)
    >>> out.amount.tolist()
    [1234.5, 1234.0, -250.0, -1200.0, 99.0, nan]
    >>> out.currency.tolist()
    ['USD', 'USD', None, None, 'EUR', None]

    ``12,500`` is read with the decimal mark the column's other values show; where they show
    none, with the file's; else (both marks, or no mark and no file's) it is ambiguous:

    >>> parse_amounts(pd.Series(["$1,234.50", "12,500"])).amount.tolist()
    [1234.5, 12500.0]
    >>> parse_amounts(pd.Series(["12,500", "7,000 €"]), decimal=".").amount.tolist()
    [12500.0, 7000.0]
    >>> parse_amounts(pd.Series(["12,500", "7,000 €"]), decimal=",").problem[0]
    "amount '12,500' is ambiguous: a thousands separator or a decimal comma? (write 12500 or 12.5)"
    """
    index = s.index
    amount = pd.Series(np.nan, index=index, dtype=float)
    currency = pd.Series(None, index=index, dtype=object)
    problem = pd.Series(None, index=index, dtype=object)
    kind = pd.Series(None, index=index, dtype=object)
    missing = is_missing(s)
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        is_num = pd.Series(True, index=index)
    else:
        is_num = pd.Series(holding(s, lambda v: isinstance(v, int | float | np.number)
                                   and not isinstance(v, bool)), index=index)
    num_cells = is_num & ~missing
    if num_cells.any():
        amount[num_cells] = pd.to_numeric(s[num_cells], errors="coerce").astype(float)
    text = s[~is_num & ~missing].astype("string")
    if not text.empty and text.str.fullmatch(_PLAIN_AMOUNT).all():
        # every cell a plain amount (1234, 1234.5, 1234.50): read as the general rule reads it
        amount[text.index] = pd.to_numeric(text, errors="coerce").astype(float)
    elif not text.empty:
        clean = text.str.replace(r"[\u00a0\u202f\u2009]", " ", regex=True).str.strip()
        parts = clean.str.extract(_AMOUNT_TEXT)
        num = parts["num"]
        signs = parts[["s1", "s2", "s3"]].notna().sum(axis=1)
        parens = parts["po"].notna() | parts["pc"].notna()
        both_cur = parts["c1"].notna() & parts["c2"].notna()
        value, form, sep = separated_numbers(num, decimal, money=True)
        negative = parts["s1"].isin(["-", "−"]) | parts["s2"].isin(["-", "−"]) \
            | parts["s3"].eq("-") | (parts["po"].notna() & parts["pc"].notna())
        value = value.where(~negative.fillna(False).astype(bool), -value)
        cur = parts["c1"].fillna(parts["c2"]).astype(object)
        cur = cur.map(lambda c: CURRENCY_SYMBOLS.get(c, str(c).upper()) if isinstance(c, str)
                      else None)
        bad_shape = (num.isna() | form.isna() | (signs > 1) | (parens & signs.gt(0))
                     | (parts["po"].notna() != parts["pc"].notna())).fillna(True).astype(bool)
        clash = both_cur & (parts["c1"].map(lambda c: CURRENCY_SYMBOLS.get(c, str(c).upper()))
                            != parts["c2"].map(lambda c: CURRENCY_SYMBOLS.get(c, str(c).upper())))
        raw_text = text.astype(str)
        reason = pd.Series(None, index=text.index, dtype=object)
        why = pd.Series(None, index=text.index, dtype=object)
        reason[bad_shape] = "amount '" + raw_text[bad_shape] + "' is not an amount"
        why[bad_shape] = "not_an_amount"
        amb = ~bad_shape & form.eq("single_ambiguous")
        if amb.any():
            sep_word = sep[amb].map({",": "comma", ".": "point"})
            reason[amb] = ("amount '" + raw_text[amb] + "' is ambiguous: a thousands separator "
                           "or a decimal " + sep_word + "? (write "
                           + num[amb].str.replace(r"[.,]", "", regex=True) + " or "
                           + num[amb].str.replace(",", ".", regex=False).str.replace(
                               r"\.0+$|(\.\d*?)0+$", r"\1", regex=True) + ")")
            why[amb] = "ambiguous"
        two = ~bad_shape & clash.fillna(False).astype(bool)
        reason[two] = "amount '" + raw_text + "' has two different currencies"
        why[two] = "two_currencies"
        ok = reason.isna()
        amount[text.index[ok]] = value[ok]
        currency[text.index[ok]] = cur[ok]
        problem[text.index[~ok]] = reason[~ok]
        kind[text.index[~ok]] = why[~ok]
    inf = np.isinf(amount)
    if inf.any():
        problem[inf] = "amount is not finite"
        kind[inf] = "amount_not_finite"
        amount[inf] = np.nan
    return pd.DataFrame({"amount": amount, "currency": nones(currency),
                         "problem": nones(problem), "kind": nones(kind)})


def one_currency(currency: pd.Series, *, what: str = "amount") -> tuple[str | None, pd.Series]:
    """The currency most amounts are in, and why each amount in another one cannot be summed.

    Amounts without a currency are taken to be in the main one (ties between currencies are
    broken alphabetically). Returns ``(main, problems)``; ``problems`` is ``None`` where fine.

    >>> one_currency(pd.Series(["USD", None, "EUR", "USD"]))[1].tolist()
    [None, None, 'amount in EUR while most marked amounts are in USD: convert it, or export one currency', None]
    """
    labels = currency.dropna()
    problems = pd.Series(None, index=currency.index, dtype=object)
    if labels.empty:
        return None, problems
    counts = labels.value_counts()
    main = sorted(counts.index[counts == counts.max()])[0]
    other = currency.notna() & currency.ne(main)
    problems[other] = (f"{what} in " + currency[other].astype(str)
                       + f" while most marked amounts are in {main}: convert it, or export one currency")
    return main, nones(problems)
