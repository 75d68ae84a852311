"""The rules across tables: each table's rows against ``reps``, and rows against each other.

A row naming a rep not in ``reps`` is rejected (an id in another letter case or without its
leading zeros is read as the one rep it fits, with a warning); ``rep_id`` is unique in ``reps``;
outcome periods of one rep neither repeat nor overlap; outcomes come from one place, and from
opportunities and quotas they are derived with every opportunity accounted for.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import crm
from ..errors import SSIInputError
from ..rules import fill, isin_array, kinded
from .cells.common import recode_categories
from .cells.ids import id_difference, id_key, id_repairs, shown_id
from .files import table_files
from .quality import LoadedTable, reject_rows


def check_rep_links(loaded: dict[str, LoadedTable], files: dict[str, Path]) -> None:
    """Rows of reps not in ``reps`` rejected (ids repaired where unambiguous); repeated and
    overlapping outcome periods rejected."""
    reps_ids = set(loaded["reps"].frame["rep_id"])
    repairs = id_repairs(reps_ids)
    for name in ("activity", "outcomes", "ssi_observed", "quotas"):
        if name in loaded:
            _reject_unknown_reps(loaded[name], reps_ids, files[name].name, name, repairs)
    if "outcomes" in loaded:
        _reject_duplicate_periods(loaded["outcomes"], files["outcomes"].name)


def check_outcome_sources(folder: Path) -> None:
    """Outcomes come from one place: ``outcomes``, or ``opportunities`` with ``quotas``."""
    # a table in two files is reported where the table is read, not here as well
    has = {n: next(iter(table_files(folder, n)), None)
           for n in ("outcomes", "opportunities", "quotas")}
    if has["outcomes"] and (has["opportunities"] or has["quotas"]):
        other = [has[n].name for n in ("opportunities", "quotas") if has[n]]
        raise SSIInputError(
            f"the folder holds {has['outcomes'].name} and {', '.join(other)}: outcomes would "
            "come from two places", file=str(folder),
            fix=f"keep {has['outcomes'].name} to use the outcomes as they are, or move it away "
                "to derive them from opportunities and quotas")
    if bool(has["opportunities"]) != bool(has["quotas"]):
        present, absent = (("opportunities", "quotas") if has["opportunities"]
                           else ("quotas", "opportunities"))
        raise SSIInputError(
            f"{has[present].name} is there but no {absent} table: outcomes are derived from "
            "both", file=str(folder),
            fix=f"add {absent}.csv (see data/README.md), or remove {has[present].name}")


def _first_problem(found: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """Problem rows (``idx`` into ``index``) as ``reason, kind, fix`` indexed like ``index``:
    the first problem of each row."""
    by_row = found.set_index("idx")[["reason", "kind", "fix"]]
    return by_row.groupby(level=0).first().reindex(index)


def derive_outcomes(loaded: dict[str, LoadedTable], files: dict[str, Path],
                     period: str | None, *, reps: pd.DataFrame | None = None
                     ) -> crm.CRMOutcomes:
    """Match owners to reps, reject overlapping quota rows, derive outcomes (all accounted).
    ``reps``: the reps of a folder without a reps table (its one member)."""
    opps, quotas = loaded["opportunities"], loaded["quotas"]
    reps = loaded["reps"].frame if "reps" in loaded else reps
    opp_file, quota_file = files["opportunities"].name, files["quotas"].name
    if opps.currency and quotas.currency and opps.currency != quotas.currency:
        raise SSIInputError(f"opportunity amounts are in {opps.currency} but quotas in "
                            f"{quotas.currency}: attainment would compare different currencies",
                            file=quota_file, column="quota",
                            fix="convert one of them so both are in the same currency")
    opps.frame["rep_id"] = crm.match_owners(
        opps.frame["owner"], reps, file=files["reps"].name if "reps" in files else "reps"
    ).to_numpy(dtype=object)
    if "_owner" in opps.rejects:  # rows rejected while loading: name their rep where known
        owners = opps.rejects.pop("_owner")
        opps.rejects["rep_id"] = crm.match_owners(owners.fillna(""), reps).to_numpy(dtype=object)
    unmatched = opps.frame["rep_id"].isna()
    lost_owners = opps.frame[unmatched]
    reasons = ("owner '" + opps.frame["owner"].astype(str)
               + "' matches no rep (by rep_id or the crm_owner column of reps)")
    reject_rows(opps, unmatched, "opportunities", opp_file,
                kinded(reasons, "owner_unmatched"), "owner")
    offset = 1 if quota_file.endswith(".parquet") else 2
    over = crm.quota_problems(quotas.frame, row_offset=offset)
    if not over.empty:
        mask = quotas.frame.index.isin(over["idx"])
        reject_rows(quotas, pd.Series(mask, index=quotas.frame.index), "quotas", quota_file,
                    _first_problem(over, quotas.frame.index), "period_start")
    result = crm.derive_outcomes(opps.frame, quotas.frame, reps=reps, period=period)
    if not result.quota_rejects.empty:
        qr = result.quota_rejects
        mask = quotas.frame.index.isin(qr["idx"])
        reject_rows(quotas, pd.Series(mask, index=quotas.frame.index), "quotas", quota_file,
                    _first_problem(qr, quotas.frame.index), "period_start")
    if not lost_owners.empty:
        won = lost_owners["status"].eq("won")
        table = (lost_owners.assign(won=won, won_amount=lost_owners["amount"].where(won, 0.0))
                 .groupby("owner", sort=True)
                 .agg(opportunities=("owner", "size"), deals_won=("won", "sum"),
                      won_amount=("won_amount", "sum"))
                 .reset_index().sort_values("opportunities", ascending=False, kind="stable"))
        result.unmatched_owners = table.reset_index(drop=True)
        shown = ", ".join(f"'{o}' ({n})" for o, n in zip(table["owner"].head(5),
                                                         table["opportunities"].head(5),
                                                         strict=True))
        result.notes.insert(0,
            f"{opp_file}: {len(table)} owner(s) match no rep, their {len(lost_owners)} "
            f"opportunities rejected: {shown}{' ...' if len(table) > 5 else ''} (add them to "
            "reps, or a crm_owner column naming each rep as the CRM does)")
    return result


def check_unique_reps(ld: LoadedTable, file: str) -> None:
    ids = ld.frame["rep_id"]
    dup = ids.duplicated(keep=False)
    if dup.any():
        rows = (ld.frame.loc[dup, "_row"] + 2).tolist()
        example = ids[dup].iloc[0]
        raise SSIInputError(f"rep_id must be unique; {ids[dup].nunique()} id(s) repeat, "
                            f"e.g. '{example}'", file=file, column="rep_id", rows=rows,
                            fix="keep one row per rep (merge or remove the duplicates)")


def _reject_unknown_reps(ld: LoadedTable, reps_ids: set[str], file: str, table: str,
                         repairs: dict[str, str | None] | None = None) -> None:
    """Rows whose rep is not in reps are rejected; an id differing from exactly one rep's only
    in letter case or leading zeros is read as that rep (a documented repair, with a warning)."""
    ids = ld.frame["rep_id"]
    unknown = ~isin_array(ids, reps_ids)
    if repairs and unknown.any():
        odd = pd.unique(ids[unknown].dropna().astype(str))
        fixed = {u: repairs[id_key(u)] for u in odd if repairs.get(id_key(u))}
        if fixed:
            hit = unknown & isin_array(ids, fixed)
            if isinstance(ids.dtype, pd.CategoricalDtype):
                cats = pd.Series(ids.cat.categories).astype(object)
                ld.frame["rep_id"] = recode_categories(ids, cats.map(lambda c: fixed.get(c, c)))
            else:
                ld.frame["rep_id"] = ids.where(~hit, ids[hit].map(fixed))
            first = sorted(fixed)[0]
            ld.warnings.append(repair_warning(file, int(hit.sum()), first, fixed[first]))
            ld.id_repairs.update(fixed)
            unknown = unknown & ~hit
    if not unknown.any():                 # every row's rep is known: nothing to reject
        return
    mask = pd.Series(unknown, index=ld.frame.index)
    text = ld.frame.loc[mask, "rep_id"].astype(str)
    shared = (text.map(lambda u: id_key(u) in repairs and repairs[id_key(u)] is None)
              if repairs else pd.Series(False, index=text.index))
    reasons = (fill(NOT_IN_REPS, value=text)
               + np.where(shared.to_numpy(dtype=bool), SHARED_KEY_HINT, ""))
    reject_rows(ld, mask, table, file, kinded(reasons, "not_in_reps"), "rep_id")


NOT_IN_REPS = "rep_id '{value}' is not in reps"
"""The reason of a row whose rep is not in ``reps`` (filled with the id as written; both
engines give it, with :data:`SHARED_KEY_HINT` when several reps fit)."""

SHARED_KEY_HINT = (" (several reps differ from it only in letter case, leading zeros or "
                   "invisible characters: which one is meant cannot be told)")


def repair_warning(file: str, rows: int, example: str, rep: str) -> str:
    """The warning of ids matched to reps by :func:`id_key`: how many rows, and an example
    with how it differs (what cannot be seen is named and written out)."""
    return (f"{file}: {rows} row(s) name a rep_id written otherwise than in reps (e.g. "
            f"'{shown_id(example)}' for '{shown_id(rep)}': {id_difference(example, rep)}); read "
            "as that rep (correct the ids in the source to silence this)")


def _reject_duplicate_periods(ld: LoadedTable, file: str) -> None:
    """Outcome rows of one rep: an exact repeat of a period is a duplicate of the first; periods
    that overlap otherwise (share a day) are all rejected, since which one is right cannot be
    told."""
    key = ["rep_id", "period_start", "period_end"]
    offset = 1 if file.endswith((".parquet", ".json")) else 2
    dup = ld.frame.duplicated(key, keep="first")
    if dup.any():
        first_row = ld.frame.groupby(key)["_row"].transform("min") + offset
        reasons = "duplicate of row " + first_row.astype(str) + " (same rep and period)"
        reject_rows(ld, dup, "outcomes", file, kinded(reasons, "duplicate"), "period_start")
    q = ld.frame.sort_values(["rep_id", "period_start", "period_end"], kind="stable")
    if q.empty:
        return
    prev_end = q.groupby("rep_id")["period_end"].cummax().groupby(q["rep_id"]).shift()
    block = (~(q["period_start"] <= prev_end).fillna(False)).cumsum()
    size = block.map(block.value_counts())
    over = size > 1
    if over.any():
        rows = (q.loc[over, "_row"] + offset).groupby(block[over]).agg(
            lambda r: ", ".join(map(str, sorted(r))))
        reasons = ("period overlaps another of the same rep (rows "
                   + block[over].map(rows) + ")").reindex(ld.frame.index)
        mask = pd.Series(ld.frame.index.isin(q.index[over]), index=ld.frame.index)
        reject_rows(ld, mask, "outcomes", file, kinded(reasons, "overlap", what="period"),
                    "period_start")
