"""The money tables: ``outcomes``, and its raw shape, ``opportunities`` (a CRM export) and ``quotas``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import crm
from ...errors import SSIInputError
from ...rules import kinded, problem_frame
from ...schemas import TABLES
from ..cells.amounts import CURRENCY_SYMBOLS, one_currency, parse_amounts
from ..checks import check_cells, require_columns, schema_problems
from ..quality import LoadedTable, flags_frame, split_rejects
from ..read import RawTable, file_decimal


def amount_problems(raw: RawTable, column: str, currency: pd.Series | None = None
                    ) -> tuple[pd.Series, pd.DataFrame, str | None]:
    """Amounts of ``column`` read by :func:`parse_amounts`; per row why not (``reason, kind,
    fix``, missing where it was read), and the column's currency (``None`` when no amount is
    marked).

    ``currency`` (a mapped currency column) gives each row's currency where present, else the
    amount's own mark; a row whose two disagree, or whose currency is not the main one of the
    column, has a problem.
    """
    parsed = parse_amounts(raw.frame[column], decimal=file_decimal(raw))
    # its reasons say "amount" whatever the column
    why = [kinded(parsed["problem"][parsed["kind"].eq(k)], k, column="amount")
           for k in parsed["kind"].dropna().unique()]
    cur = parsed["currency"]
    problem = parsed["problem"]
    if currency is not None:
        given = currency.map(lambda c: CURRENCY_SYMBOLS.get(c, str(c).strip().upper())
                             if isinstance(c, str) else None)
        clash = given.notna() & cur.notna() & given.ne(cur) & problem.isna()
        if clash.any():
            reasons = (f"{column} is marked " + cur[clash].astype(str)
                       + " but the currency column says " + given[clash].astype(str))
            why.append(kinded(reasons, "currency_clash", column=column,
                              marked=cur[clash].astype(str), given=given[clash].astype(str)))
            problem = problem.where(~clash, reasons.reindex(problem.index))
        cur = given.where(given.notna(), cur)
    main, other = one_currency(cur.where(problem.isna()), what=column)
    odd = other.notna() & problem.isna()
    if odd.any():
        why.append(kinded(other[odd], "other_currency", column=column,
                          currency=cur[odd].astype(str), main=main))
    found = (pd.concat(why) if why else pd.DataFrame(columns=["reason", "kind", "fix"]))
    return parsed["amount"], found.reindex(raw.frame.index), main


def _amount_rows(raw: RawTable, column: str, why: pd.DataFrame) -> list[pd.DataFrame]:
    """The problem rows of the amounts of ``column`` that could not be used."""
    bad = why["reason"].notna()
    if not bad.any():
        return []
    w = why[bad]
    return [problem_frame(raw.frame.index[bad.to_numpy()], column,
                          raw.frame.loc[bad, column].astype(str), w["reason"], w["kind"],
                          w["fix"])]


def load_opportunities_table(raw: RawTable, mapping: crm.ColumnMapping | None) -> LoadedTable:
    """Map a CRM export's columns, type the cells, and apply the stage/amount/date/id rules."""
    spec = TABLES["opportunities"]
    notes = list(raw.notes)
    if mapping is None or "opportunities" not in mapping.defines:   # a mapping of other tables
        mapping, note = crm.detect_mapping(list(raw.frame.columns), file=raw.file)
    else:
        note = f"{raw.file}: columns read with the {mapping.name} mapping ({mapping.description})"
    notes.append(note)
    frame, more = crm.apply_mapping(raw.frame, mapping, file=raw.file)
    notes += more
    mraw = RawTable(frame, raw.file, raw.row_offset, raw.decimal)
    df, problems = check_cells(mraw, spec, [c for c in (*spec.ids, *spec.dates) if c in frame])
    amount, amount_problem, main = amount_problems(
        mraw, "amount", df["currency"] if "currency" in df else None)
    df["amount"] = amount
    schema_cols = [c for c in ("owner", "opportunity_id", "created_date", "close_date", "stage",
                               "amount") if c in df]
    problems += schema_problems(df[schema_cols], spec)
    kept, rej = split_rejects(mraw, "opportunities", df, problems)
    rules, flag_rows, status = crm.opportunity_problems(
        kept, mapping, row_offset=raw.row_offset,
        amount_problems=amount_problem.reindex(kept.index),
        amount_text=frame["amount"].reindex(kept.index))
    kept2, rej2 = split_rejects(mraw, "opportunities", kept, [rules] if not rules.empty else [])
    rejects = pd.concat([r for r in (rej, rej2) if not r.empty], ignore_index=True) \
        if not (rej.empty and rej2.empty) else rej
    # the owner of each rejected row, to name its rep once owners are matched to reps
    rejects["_owner"] = df["owner"].reindex(rejects["row"].to_numpy(dtype=int)
                                            - raw.row_offset).to_numpy(dtype=object)
    out = crm.with_status(kept2, status)
    out.insert(0, "rep_id", None)
    out.loc[out["amount"].notna() & amount_problem["reason"].reindex(out.index).notna(),
            "amount"] = np.nan
    flags = flags_frame(mraw, "opportunities", flag_rows)
    if main:
        notes.append(f"{raw.file}: amounts are in {main}")
    return LoadedTable(out.assign(_row=out.index), rejects, len(raw.frame), notes, flags, main)


def load_quotas_table(raw: RawTable) -> LoadedTable:
    """Quota rows: ids and dates as usual, the quota read as an amount (currency marks allowed)."""
    spec = TABLES["quotas"]
    require_columns(raw, spec, spec.required)
    df, problems = check_cells(raw, spec, ["rep_id", "period_start", "period_end"])
    quota, why, main = amount_problems(raw, "quota")
    df["quota"] = quota.where(why["reason"].isna())
    problems += _amount_rows(raw, "quota", why)
    problems += schema_problems(df[["rep_id", "period_start", "period_end", "quota"]], spec)
    kept, rej = split_rejects(raw, "quotas", df, problems)
    return LoadedTable(kept.assign(_row=kept.index), rej, len(raw.frame), list(raw.notes),
                       currency=main)


MONEY_COLUMNS = ("quota", "bookings")
"""The money columns of ``outcomes``, read by the amount rule (:func:`parse_amounts`) as the
quotas' are: ``$20,343.97`` is 20343.97."""


def load_outcomes_table(raw: RawTable) -> LoadedTable:
    """``outcomes``: ids, dates and counts as usual, ``quota`` and ``bookings`` read as amounts
    (currency marks and thousands separators allowed, one currency)."""
    spec = TABLES["outcomes"]
    require_columns(raw, spec, spec.required)
    known = [c for c in (*spec.ids, *spec.dates, *spec.numbers) if c in raw.frame]
    df, problems = check_cells(raw, spec, [c for c in known if c not in MONEY_COLUMNS])
    currencies = {}
    for col in MONEY_COLUMNS:
        amount, why, currencies[col] = amount_problems(raw, col)
        df[col] = amount.where(why["reason"].isna())
        problems += _amount_rows(raw, col, why)
    if currencies["quota"] and currencies["bookings"] and \
            currencies["quota"] != currencies["bookings"]:
        raise SSIInputError(f"bookings are in {currencies['bookings']} but quotas in "
                            f"{currencies['quota']}: attainment would compare different "
                            "currencies", file=raw.file, column="bookings",
                            fix="convert one of them so both are in the same currency")
    problems += schema_problems(df[[c for c in df.columns if c in known or c in spec.required]],
                                spec)
    kept, rej = split_rejects(raw, spec.name, df, problems)
    return LoadedTable(kept.assign(_row=kept.index), rej, len(raw.frame), list(raw.notes),
                       currency=currencies["quota"] or currencies["bookings"])
