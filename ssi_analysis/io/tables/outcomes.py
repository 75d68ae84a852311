"""The money tables: ``outcomes``, and its raw shape, ``opportunities`` (a CRM export) and ``quotas``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import crm
from ...errors import SSIInputError
from ...schemas import TABLES
from ..cells.amounts import CURRENCY_SYMBOLS, one_currency, parse_amounts
from ..cells.common import nones
from ..checks import require_columns, schema_problems, type_columns
from ..files import RawTable, file_decimal
from ..quality import LoadedTable, flags_frame, split_rejects


def amount_problems(raw: RawTable, column: str, currency: pd.Series | None = None
                     ) -> tuple[pd.Series, pd.Series, str | None]:
    """Amounts of ``column`` read by :func:`parse_amounts`, per row why not (or ``None``), and
    the column's currency (``None`` when no amount is marked).

    ``currency`` (a mapped currency column) gives each row's currency where present, else the
    amount's own mark; a row whose two disagree, or whose currency is not the main one of the
    column, has a problem.
    """
    parsed = parse_amounts(raw.frame[column], decimal=file_decimal(raw))
    problem = parsed["problem"]
    cur = parsed["currency"]
    if currency is not None:
        given = currency.map(lambda c: CURRENCY_SYMBOLS.get(c, str(c).strip().upper())
                             if isinstance(c, str) else None)
        clash = given.notna() & cur.notna() & given.ne(cur)
        problem = problem.where(~clash | problem.notna(),
                                f"{column} is marked " + cur.astype(str)
                                + " but the currency column says " + given.astype(str))
        cur = given.where(given.notna(), cur)
    main, other = one_currency(cur.where(problem.isna()), what=column)
    problem = problem.where(problem.notna(), other)
    return parsed["amount"], nones(problem), main


def load_opportunities_table(raw: RawTable, mapping: crm.ColumnMapping | None) -> LoadedTable:
    """Map a CRM export's columns, type the cells, and apply the stage/amount/date/id rules."""
    spec = TABLES["opportunities"]
    notes = list(raw.notes)
    if mapping is None:
        mapping, note = crm.detect_mapping(list(raw.frame.columns), file=raw.file)
    else:
        note = f"{raw.file}: columns read with the {mapping.name} mapping ({mapping.description})"
    notes.append(note)
    frame, more = crm.apply_mapping(raw.frame, mapping, file=raw.file)
    notes += more
    mraw = RawTable(frame, raw.file, raw.row_offset, raw.decimal)
    df, problems = type_columns(mraw, spec, [c for c in (*spec.ids, *spec.dates) if c in frame])
    amount, amount_problem, main = amount_problems(
        mraw, "amount", df["currency"] if "currency" in df else None)
    df["amount"] = amount
    schema_cols = [c for c in ("owner", "opportunity_id", "created_date", "close_date", "stage",
                               "amount") if c in df]
    problems += schema_problems(df[schema_cols], spec.schema)
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
    out.loc[out["amount"].notna() & amount_problem.reindex(out.index).notna(), "amount"] = np.nan
    flags = flags_frame(mraw, "opportunities", flag_rows)
    if main:
        notes.append(f"{raw.file}: amounts are in {main}")
    return LoadedTable(out.assign(_row=out.index), rejects, len(raw.frame), notes, flags, main)


def load_quotas_table(raw: RawTable) -> LoadedTable:
    """Quota rows: ids and dates as usual, the quota read as an amount (currency marks allowed)."""
    spec = TABLES["quotas"]
    require_columns(raw, spec, spec.required)
    df, problems = type_columns(raw, spec, ["rep_id", "period_start", "period_end"])
    quota, problem, main = amount_problems(raw, "quota")
    df["quota"] = quota.where(problem.isna())
    bad = problem.notna()
    if bad.any():
        problems.append(pd.DataFrame({"idx": df.index[bad], "column": "quota",
                                      "value": raw.frame.loc[bad, "quota"].astype(str),
                                      "reason": problem[bad].to_numpy(dtype=object)}))
    problems += schema_problems(df[["rep_id", "period_start", "period_end", "quota"]], spec.schema)
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
    df, problems = type_columns(raw, spec, [c for c in known if c not in MONEY_COLUMNS])
    currencies = {}
    for col in MONEY_COLUMNS:
        amount, problem, currencies[col] = amount_problems(raw, col)
        df[col] = amount.where(problem.isna())
        bad = problem.notna()
        if bad.any():
            problems.append(pd.DataFrame({"idx": df.index[bad], "column": col,
                                          "value": raw.frame.loc[bad, col].astype(str),
                                          "reason": problem[bad].to_numpy(dtype=object)}))
    if currencies["quota"] and currencies["bookings"] and \
            currencies["quota"] != currencies["bookings"]:
        raise SSIInputError(f"bookings are in {currencies['bookings']} but quotas in "
                            f"{currencies['quota']}: attainment would compare different "
                            "currencies", file=raw.file, column="bookings",
                            fix="convert one of them so both are in the same currency")
    problems += schema_problems(df[[c for c in df.columns if c in known or c in spec.required]],
                          spec.schema)
    kept, rej = split_rejects(raw, spec.name, df, problems)
    return LoadedTable(kept.assign(_row=kept.index), rej, len(raw.frame), list(raw.notes),
                   currency=currencies["quota"] or currencies["bookings"])
