"""From a CRM export and a quota sheet to the ``outcomes`` table the analysis uses.

Analysts rarely hold a tidy ``outcomes`` table; they hold a CRM opportunity export (one row per
opportunity) and finance's quotas. This module holds the rules that turn those into outcomes;
:func:`ssi_analysis.io.load_data` applies them when a data folder has ``opportunities`` and
``quotas`` instead of ``outcomes``, with the usual row accounting.

**Column mapping.** A :class:`~ssi_analysis.mapping.ColumnMapping` (the mechanism every table
in another shape uses, :mod:`ssi_analysis.mapping`) says which export column holds each field
(``owner, opportunity_id, created_date, close_date, stage, amount``, optionally ``currency``)
and which stages are won and lost. Presets ship for Salesforce report exports and HubSpot deal
exports (``ssi_analysis/mappings/*.toml``); users write their own TOML file, read strictly
(unknown keys are errors with a suggestion). Without one, :func:`detect_mapping` picks the
preset whose columns the file has, and says so.

**Stages.** A stage in the mapping's ``won`` list is won, in ``lost`` lost (compared
case-insensitively, spaces collapsed). Any other stage is open, unless it reads as closed (the
words *closed*, *won* or *lost*), which is rejected as unknown rather than guessed; with an
``open`` list in the mapping, every stage outside the three lists is unknown.

**Derivation**, per rep and outcome period (the quota periods, see :func:`derive_outcomes`):

- ``opportunities``: opportunities *created* in the period, whatever their stage (open ones too);
- ``deals_won`` and ``bookings``: won opportunities *closed* in the period, and their amounts;
- ``deals_lost``: lost opportunities closed in the period;
- ``win_rate`` = ``deals_won / (deals_won + deals_lost)``, ``avg_deal_size`` = ``bookings /
  deals_won``, ``sales_cycle_days``: mean days from created to closed of the won deals (NaN
  where the period has no closed, resp. no won, deal: undefined, not zero).

Examples
--------
>>> m = load_mapping("salesforce")
>>> m.name, m.candidates("owner")[0], m.won
('salesforce', 'Opportunity Owner', ('Closed Won', 'Won'))
>>> m.stage_status(pd.Series(["Closed Won", "prospecting", "Closed - Lost", "closed lost"])).tolist()
['won', 'open', None, 'lost']
>>> detect_mapping(["deal_owner", "create_date", "close_date", "deal_stage", "amount"])[0].name
'hubspot'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .config import _suggest
from .errors import SSIConfigError, SSIInputError
from .mapping import (
    _CLOSED_WORDS,
    FIELDS,
    PRESETS,
    REQUIRED_FIELDS,
    ColumnMapping,
    _key,
    detect_mapping,
    load_mapping,
    mapping_from_dict,
    preset,
)
from .rules import PROBLEM_COLUMNS, problem_frame, problems

PERIODS: tuple[str, ...] = ("month", "quarter")
"""Calendar periods quota rows can be summed to (``period=None`` keeps the quota rows' own)."""

OUTCOME_COLUMNS: list[str] = ["rep_id", "period_start", "period_end", "quota", "bookings",
                              "opportunities", "deals_won"]
"""The tidy ``outcomes`` columns, in order; derived outcomes have these first."""

DERIVED_COLUMNS: list[str] = ["deals_lost", "win_rate", "avg_deal_size", "sales_cycle_days"]
"""The extra columns derived outcomes carry after :data:`OUTCOME_COLUMNS`."""


def apply_mapping(frame: pd.DataFrame, mapping: ColumnMapping, *, file: str = "opportunities"
                  ) -> tuple[pd.DataFrame, list[str]]:
    """Rename an export's columns (normalised names) to the fields; other columns are dropped.

    Returns the frame with the field columns only, and notes (the columns not used).

    Raises
    ------
    SSIInputError
        A required field has no column; the message names the columns looked for.
    """
    found, missing = mapping.resolve(list(frame.columns))
    if missing:
        wanted = "; ".join(f"{f}: one of {', '.join(repr(c) for c in mapping.candidates(f))}"
                           for f in missing)
        raise SSIInputError(
            f"the {mapping.name} mapping finds no column for {', '.join(missing)} ({wanted}); "
            f"columns found: {', '.join(map(str, frame.columns[:12]))}", file=file,
            column=missing[0], fix="pass the right --mapping, or a mapping file naming the "
                                   "export's columns (see data/README.md)")
    out = frame[list(found.values())].copy()
    out.columns = list(found.keys())
    unused = [c for c in frame.columns if c not in found.values()]
    notes = []
    if unused:
        shown = ", ".join(unused[:6]) + (f" and {len(unused) - 6} more" if len(unused) > 6 else "")
        notes.append(f"{file}: {len(unused)} column(s) not used: {shown}")
    if "opportunity_id" not in found:
        notes.append(f"{file}: no opportunity id column, so repeated opportunities cannot be "
                     "detected (map opportunity_id to catch them)")
    return out, notes


# ------------------------------------------------------------------ row rules
def _rows_text(rows: Sequence[int]) -> str:
    rows = list(rows)
    return ", ".join(map(str, rows[:6])) + (" ..." if len(rows) > 6 else "")


def opportunity_problems(df: pd.DataFrame, mapping: ColumnMapping, *, row_offset: int = 2,
                         amount_problems: pd.DataFrame | None = None,
                         amount_text: pd.Series | None = None
                         ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Apply the stage, amount, date and duplicate rules to typed opportunity rows.

    Parameters
    ----------
    df : DataFrame
        Typed rows: ``owner, created_date, close_date, stage, amount`` and optionally
        ``opportunity_id``; the index is the 0-based source position.
    mapping : ColumnMapping
        Its stages decide won, lost and open.
    row_offset : int
        Added to the index to give the row number a user sees (2 for a CSV with a header).
    amount_problems : DataFrame, optional
        Why an amount could not be read: ``reason, kind, fix`` (missing where it could be),
        indexed like ``df``, from :func:`ssi_analysis.io.parse_amounts`.
    amount_text : Series, optional
        The amount cells as written, shown in the rejects (default: ``df.amount``).

    Returns
    -------
    rejects, flags : DataFrame
        Problem rows (``idx, column, value, reason, kind, fix``) of rows rejected, and of rows
        kept with a flag.
    status : Series
        ``'won'``, ``'lost'``, ``'open'`` (``None`` for rejected unknown stages).

    Rules
    -----
    - an unknown stage is rejected (with a hint when it reads as closed);
    - a won opportunity whose amount is missing or unreadable is rejected; an open or lost one
      is kept (the amount is not used) and flagged when the amount was unreadable;
    - a won or lost opportunity without a close date is rejected;
    - a closed opportunity whose close date is before its created date is kept (it counts as
      created and, if won, as booked) but left out of ``sales_cycle_days``, and flagged;
    - an opportunity id that repeats: exact copies after the first are rejected as duplicates;
      copies that disagree are all rejected (which one is right cannot be told).
    """
    status = mapping.stage_status(df["stage"])
    rej, flags = [], []
    unknown = status.isna()
    if unknown.any():
        stage = df.loc[unknown, "stage"].astype(str)
        closed_like = _key(stage).str.contains(_CLOSED_WORDS, regex=True).fillna(False)
        hint = np.where(closed_like, " (it reads as closed: add it to [stages] won or lost)",
                        " (not in [stages] open: add it there)" if mapping.open else "")
        rej.append(problems(stage.index, "stage", stage,
                            "unknown stage '" + stage + "'" + pd.Series(hint, index=stage.index),
                            "unknown_stage"))
    won = status.eq("won")
    shown = df["amount"] if amount_text is None else amount_text
    if amount_problems is not None:
        bad = amount_problems["reason"].notna()
        why = amount_problems
        if (bad & won).any():
            i = df.index[bad & won]
            rej.append(problem_frame(i, "amount", shown[i], why.loc[i, "reason"],
                                     why.loc[i, "kind"], why.loc[i, "fix"]))
        if (bad & ~won & ~unknown).any():
            i = df.index[bad & ~won & ~unknown]
            flags.append(problem_frame(
                i, "amount", shown[i],
                why.loc[i, "reason"] + " (kept: not a won opportunity, the amount is not used)",
                why.loc[i, "kind"], why.loc[i, "fix"]))
        no_amount = won & df["amount"].isna() & ~bad
    else:
        no_amount = won & df["amount"].isna()
    if no_amount.any():
        rej.append(problems(df.index[no_amount], "amount", "",
                            "won opportunity without an amount", "without_amount"))
    closed = status.isin(["won", "lost"])
    no_close = closed & df["close_date"].isna()
    if no_close.any():
        rej.append(problems(df.index[no_close], "close_date", "",
                            "closed opportunity without a close_date", "without_close_date"))
    early = closed & (df["close_date"] < df["created_date"]).fillna(False)
    if early.any():
        i = df.index[early]
        flags.append(problems(i, "close_date", df.loc[i, "close_date"].dt.strftime("%Y-%m-%d"),
                              "close_date before created_date: kept, left out of "
                              "sales_cycle_days", "close_before_created"))
    rejected = pd.Index(pd.concat(rej)["idx"]) if rej else pd.Index([])
    if "opportunity_id" in df:
        ok = df[~df.index.isin(rejected) & df["opportunity_id"].notna()]
        rep = ok[ok["opportunity_id"].duplicated(keep=False)]
        if not rep.empty:
            sig = [c for c in ("owner", "created_date", "close_date", "stage", "amount",
                               "currency") if c in rep]
            variants = rep.groupby("opportunity_id")[sig].nunique(dropna=False).max(axis=1)
            conflict_ids = variants.index[variants > 1]
            conf = rep[rep["opportunity_id"].isin(conflict_ids)]
            if not conf.empty:
                rows = (conf.index.to_series() + row_offset).groupby(conf["opportunity_id"])
                listing = conf["opportunity_id"].map(rows.agg(lambda r: _rows_text(r)))
                rej.append(problems(conf.index, "opportunity_id", conf["opportunity_id"],
                                    "opportunity_id '" + conf["opportunity_id"].astype(str)
                                    + "' repeats with different values (rows " + listing + ")",
                                    "conflicting_copies"))
            same = rep[~rep["opportunity_id"].isin(conflict_ids)]
            later = same["opportunity_id"].duplicated(keep="first")
            if later.any():
                first = (same.index.to_series().groupby(same["opportunity_id"]).transform("min")
                         + row_offset)
                i = same.index[later]
                rej.append(problems(i, "opportunity_id", same.loc[i, "opportunity_id"],
                                    "duplicate of row " + first[i].astype(str)
                                    + " (same opportunity_id)", "duplicate"))
    empty = pd.DataFrame(columns=PROBLEM_COLUMNS)
    return (pd.concat(rej, ignore_index=True) if rej else empty,
            pd.concat(flags, ignore_index=True) if flags else empty, status)


def match_owners(owners: pd.Series, reps: pd.DataFrame, *, file: str = "reps") -> pd.Series:
    """The ``rep_id`` of each opportunity owner, ``None`` where no rep matches.

    An owner matches a rep whose ``rep_id`` it equals (after trimming), else a rep whose
    ``crm_owner`` it equals case-insensitively (runs of spaces collapsed).

    Raises
    ------
    SSIInputError
        Two reps share a ``crm_owner``: owners could not be told apart.

    Examples
    --------
    >>> reps = pd.DataFrame({"rep_id": ["R1", "R2"], "crm_owner": ["Ana Lima", "Bo  Chen"]})
    >>> match_owners(pd.Series(["R2", "ana lima", "Bo Chen", "Cy"]), reps).tolist()
    ['R2', 'R1', 'R2', None]
    """
    ids = reps["rep_id"].astype(str)
    text = owners.astype("string").str.strip()
    out = text.where(text.isin(set(ids)))
    if "crm_owner" in reps:
        names = _key(reps["crm_owner"])
        dup = names.notna() & names.duplicated(keep=False)
        if dup.any():
            rows = (np.flatnonzero(dup.to_numpy()) + 2).tolist()
            shared = ids[dup.to_numpy()].tolist()   # named by id: the cell is a person's name
            raise SSIInputError(f"crm_owner must be unique; {len(shared)} reps share a CRM "
                                f"owner name (rep_id {', '.join(shared[:6])})", file=file,
                                column="crm_owner", rows=rows,
                                fix="give each rep its own CRM owner name")
        lookup = pd.Series(ids.to_numpy(), index=names.to_numpy())[names.notna().to_numpy()]
        out = out.fillna(_key(owners).map(lookup))
    return out.astype(object).where(out.notna(), None)


def quota_problems(quotas: pd.DataFrame, *, row_offset: int = 2) -> pd.DataFrame:
    """Rows of a quota table to reject: repeats and overlapping periods of one rep.

    An exact repeat (same rep, period and quota) after the first is a duplicate; rows whose
    periods overlap (share at least a day) are all rejected: which one is right cannot be told.
    Returns problem rows ``idx, column, value, reason, kind, fix`` (index of ``quotas``).

    Examples
    --------
    >>> q = pd.DataFrame({"rep_id": ["A", "A", "A", "B"],
    ...                   "period_start": pd.to_datetime(["2026-01-01", "2026-01-01",
    ...                                                   "2026-01-15", "2026-01-01"]),
    ...                   "period_end": pd.to_datetime(["2026-01-31", "2026-01-31",
    ...                                                 "2026-02-14", "2026-01-31"]),
    ...                   "quota": [10.0, 10.0, 5.0, 8.0]})
    >>> quota_problems(q)[["idx", "reason"]].values.tolist()
    [[1, 'duplicate of row 2 (same rep, period and quota)'], [0, 'quota period overlaps another of the same rep (rows 2, 4)'], [2, 'quota period overlaps another of the same rep (rows 2, 4)']]
    """
    key = ["rep_id", "period_start", "period_end", "quota"]
    out = []
    dup = quotas.duplicated(key, keep="first")
    if dup.any():
        first = quotas.index.to_series().groupby([quotas[k] for k in key]).transform("min")
        out.append(problems(quotas.index[dup], "period_start",
                            quotas.loc[dup, "period_start"].dt.strftime("%Y-%m-%d"),
                            "duplicate of row " + (first[dup] + row_offset).astype(str)
                            + " (same rep, period and quota)", "duplicate"))
    q = quotas[~dup].sort_values(["rep_id", "period_start", "period_end"], kind="stable")
    if len(q):
        prev_end = q.groupby("rep_id")["period_end"].cummax().groupby(q["rep_id"]).shift()
        new_block = ~(q["period_start"] <= prev_end).fillna(False)
        block = new_block.cumsum()
        size = block.map(block.value_counts())
        over = q[size > 1]
        if not over.empty:
            rows = (over.index.to_series() + row_offset).groupby(block[size > 1])
            listing = block[size > 1].map(rows.agg(lambda r: _rows_text(sorted(r))))
            out.append(problems(over.index, "period_start",
                                over["period_start"].dt.strftime("%Y-%m-%d"),
                                "quota period overlaps another of the same rep (rows "
                                + listing + ")", "overlap", what="quota period"))
    if not out:
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    return pd.concat(out, ignore_index=True)


# ------------------------------------------------------------------ derivation
@dataclass
class CRMOutcomes:
    """Outcomes derived from opportunities and quotas, with everything the derivation left out.

    Attributes
    ----------
    outcomes : DataFrame
        :data:`OUTCOME_COLUMNS` then :data:`DERIVED_COLUMNS`, one row per rep and period.
    period : str or None
        ``'month'``, ``'quarter'``, or ``None`` (the quota rows' own periods).
    quota_rejects : DataFrame
        Quota rows not used because of the period rule (problem rows: ``idx, column, value,
        reason, kind, fix``).
    gaps : DataFrame
        ``rep_id, gap_start, gap_end, days``: stretches between a rep's quota periods.
    reps_without_opportunities : DataFrame
        ``rep_id, has_quota``: reps with no opportunity in the export (their outcomes are 0).
    reps_without_quota : DataFrame
        ``rep_id, opportunities``: reps with opportunities but no quota (not in outcomes).
    unmatched_owners : DataFrame
        ``owner, opportunities, deals_won, won_amount``: owners that match no rep.
    accounting : DataFrame
        ``item, count``: where every used opportunity went.
    notes : list of str
    """

    outcomes: pd.DataFrame
    period: str | None = None
    quota_rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=PROBLEM_COLUMNS))
    gaps: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["rep_id", "gap_start", "gap_end", "days"]))
    reps_without_opportunities: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["rep_id", "has_quota"]))
    reps_without_quota: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["rep_id", "opportunities"]))
    unmatched_owners: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["owner", "opportunities", "deals_won", "won_amount"]))
    accounting: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["item", "count"]))
    notes: list[str] = field(default_factory=list)


def _examples(values: Sequence[object], limit: int = 5) -> str:
    values = list(values)
    return ", ".join(map(str, values[:limit])) + (f" and {len(values) - limit} more"
                                                   if len(values) > limit else "")


def quota_periods(quotas: pd.DataFrame, period: str | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Outcome periods from quota rows: as given, or summed to calendar months or quarters.

    With ``period='month'`` or ``'quarter'`` each quota row must lie inside one calendar
    period (a row across two is rejected: it cannot be split without guessing), and a period is
    kept only when the rep's rows cover every day of it (otherwise its rows are rejected, with
    the days covered); the quota of a period is the sum of its rows.

    Returns
    -------
    periods : DataFrame
        ``rep_id, period_start, period_end, quota, quota_rows``, sorted by rep and start.
    rejects : DataFrame
        Problem rows (``idx, column, value, reason, kind, fix``) of quota rows not used.

    Examples
    --------
    >>> q = pd.DataFrame({"rep_id": ["A"] * 4,
    ...                   "period_start": pd.to_datetime(["2026-04-01", "2026-05-01",
    ...                                                   "2026-06-01", "2026-07-01"]),
    ...                   "period_end": pd.to_datetime(["2026-04-30", "2026-05-31",
    ...                                                 "2026-06-30", "2026-07-31"]),
    ...                   "quota": [10.0, 20.0, 30.0, 40.0]})
    >>> p, rej = quota_periods(q, "quarter")
    >>> p[["period_start", "period_end", "quota"]].astype(str).values.tolist()
    [['2026-04-01', '2026-06-30', '60.0']]
    >>> rej.reason.tolist()
    ['2026Q3 only partly covered by quota rows (31 of 92 days)']
    """
    cols = ["rep_id", "period_start", "period_end", "quota"]
    empty = pd.DataFrame(columns=PROBLEM_COLUMNS)
    if period is None:
        out = quotas[cols].assign(quota_rows=1)
        return out.sort_values(["rep_id", "period_start"], kind="stable").reset_index(
            drop=True), empty
    if period not in PERIODS:
        raise SSIConfigError(f"period must be one of {', '.join(PERIODS)} (or none: the quota "
                             f"rows' own periods), got {period!r}", fix=_suggest(period,
                                                                                 set(PERIODS)))
    freq = {"month": "M", "quarter": "Q"}[period]
    start_p = quotas["period_start"].dt.to_period(freq)
    end_p = quotas["period_end"].dt.to_period(freq)
    rejects = []
    spans = start_p != end_p
    if spans.any():
        rejects.append(problems(quotas.index[spans], "period_end",
                                quotas.loc[spans, "period_end"].dt.strftime("%Y-%m-%d"),
                                f"quota period spans more than one {period} ("
                                + start_p[spans].astype(str) + " to "
                                + end_p[spans].astype(str) + "); give one row per "
                                + ("month" if period == "month" else "month or quarter"),
                                "spans_periods", period=period))
    q = quotas[~spans].assign(_p=start_p[~spans],
                              _days=(quotas["period_end"] - quotas["period_start"]).dt.days + 1)
    g = q.groupby(["rep_id", "_p"], sort=True)
    agg = g.agg(quota=("quota", "sum"), _days=("_days", "sum"),
                quota_rows=("quota", "size")).reset_index()
    agg["period_start"] = agg["_p"].dt.start_time.dt.normalize().astype("datetime64[ns]")
    agg["period_end"] = agg["_p"].dt.end_time.dt.normalize().astype("datetime64[ns]")
    agg["_need"] = (agg["period_end"] - agg["period_start"]).dt.days + 1
    partial = agg[agg["_days"] < agg["_need"]]
    if not partial.empty:
        bad = q.reset_index().merge(partial[["rep_id", "_p", "_days", "_need"]],
                                    on=["rep_id", "_p"], suffixes=("_row", ""))
        rejects.append(problems(bad["index"], "period_start",
                                bad["period_start"].dt.strftime("%Y-%m-%d"),
                                bad["_p"].astype(str) + " only partly covered by quota rows ("
                                + bad["_days"].astype(str) + " of " + bad["_need"].astype(str)
                                + " days)", "partly_covered"))
    out = agg[agg["_days"] >= agg["_need"]][[*cols, "quota_rows"]]
    return (out.sort_values(["rep_id", "period_start"], kind="stable").reset_index(drop=True),
            pd.concat(rejects, ignore_index=True) if rejects else empty)


def _assign(rep_id: pd.Series, dates: pd.Series, periods: pd.DataFrame) -> np.ndarray:
    """Index of the period (row of ``periods``) each (rep, date) falls in, -1 for none."""
    out = np.full(len(dates), -1, dtype=np.int64)
    ns = "datetime64[ns]"  # one resolution on both sides (pandas may mix ns and us)
    left = pd.DataFrame({"rep_id": rep_id.to_numpy(dtype=object),
                         "d": pd.to_datetime(dates).to_numpy().astype(ns),
                         "i": np.arange(len(dates))})
    left = left[left["d"].notna() & left["rep_id"].notna()].sort_values("d", kind="stable")
    if left.empty or periods.empty:
        return out
    right = pd.DataFrame({"rep_id": periods["rep_id"].to_numpy(dtype=object),
                          "period_start": periods["period_start"].to_numpy().astype(ns),
                          "period_end": periods["period_end"].to_numpy().astype(ns),
                          "pid": np.arange(len(periods))}).sort_values("period_start",
                                                                       kind="stable")
    m = pd.merge_asof(left, right, left_on="d", right_on="period_start", by="rep_id",
                      direction="backward")
    ok = m["pid"].notna() & (m["d"] <= m["period_end"])
    out[m.loc[ok, "i"].to_numpy(dtype=np.int64)] = m.loc[ok, "pid"].to_numpy(dtype=np.int64)
    return out


def derive_outcomes(opportunities: pd.DataFrame, quotas: pd.DataFrame, *,
                    reps: pd.DataFrame | None = None, period: str | None = None
                    ) -> CRMOutcomes:
    """Per rep and period: opportunities created, deals won and lost, bookings, and the quota.

    Parameters
    ----------
    opportunities : DataFrame
        ``rep_id, created_date, close_date, status, amount`` (``status`` is ``'won'``,
        ``'lost'`` or ``'open'``), as ``load_data`` gives ``bundle.opportunities``.
    quotas : DataFrame
        ``rep_id, period_start, period_end, quota`` without overlaps (see
        :func:`quota_problems`).
    reps : DataFrame, optional
        To list the reps without opportunities.
    period : {None, 'month', 'quarter'}
        The outcome periods: the quota rows' own (default) or calendar months/quarters with
        the quota rows summed (see :func:`quota_periods`).

    Returns
    -------
    CRMOutcomes
        ``.outcomes`` has :data:`OUTCOME_COLUMNS` and :data:`DERIVED_COLUMNS`.

    Examples
    --------
    >>> opps = pd.DataFrame({
    ...     "rep_id": ["A", "A", "A", "B"],
    ...     "created_date": pd.to_datetime(["2026-03-20", "2026-04-02", "2026-04-10",
    ...                                     "2026-04-05"]),
    ...     "close_date": pd.to_datetime(["2026-04-09", "2026-04-30", None, "2026-04-20"]),
    ...     "status": ["won", "lost", "open", "won"], "amount": [100.0, 50.0, 70.0, 30.0]})
    >>> quotas = pd.DataFrame({"rep_id": ["A", "B"],
    ...                        "period_start": pd.to_datetime(["2026-04-01"] * 2),
    ...                        "period_end": pd.to_datetime(["2026-04-30"] * 2),
    ...                        "quota": [200.0, 100.0]})
    >>> out = derive_outcomes(opps, quotas).outcomes
    >>> out[["rep_id", "opportunities", "deals_won", "bookings", "win_rate"]].values.tolist()
    [['A', 2.0, 1.0, 100.0, 0.5], ['B', 1.0, 1.0, 30.0, 1.0]]
    >>> out.sales_cycle_days.tolist()
    [20.0, 15.0]
    """
    periods, quota_rejects = quota_periods(quotas, period)
    opps = opportunities
    rep = opps["rep_id"]
    status = opps["status"].to_numpy(dtype=object)
    won = status == "won"
    lost = status == "lost"
    created_pid = _assign(rep, opps["created_date"], periods)
    close = opps["close_date"].where(pd.Series(won | lost, index=opps.index))
    closed_pid = _assign(rep, close, periods)
    k = len(periods)

    def count(mask: np.ndarray, pid: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        sel = mask & (pid >= 0)
        w = None if weights is None else weights[sel]
        return np.bincount(pid[sel], weights=w, minlength=k).astype(float)[:k]

    amount = opps["amount"].to_numpy(dtype=float)
    cycle = (opps["close_date"] - opps["created_date"]).dt.days.to_numpy(dtype=float)
    cycle_ok = won & np.isfinite(cycle) & (cycle >= 0)
    n_created = count(np.ones(len(opps), bool), created_pid)
    n_won = count(won, closed_pid)
    n_lost = count(lost, closed_pid)
    bookings = count(won, closed_pid, np.nan_to_num(amount))
    cyc_sum = count(cycle_ok, closed_pid, np.nan_to_num(cycle))
    cyc_n = count(cycle_ok, closed_pid)
    with np.errstate(invalid="ignore", divide="ignore"):
        # sums of amounts rounded to 6 decimals: float noise of summing, not a currency rule
        out = periods[["rep_id", "period_start", "period_end", "quota"]].assign(
            bookings=np.round(bookings, 6), opportunities=n_created, deals_won=n_won,
            deals_lost=n_lost,
            win_rate=np.where(n_won + n_lost > 0, n_won / (n_won + n_lost), np.nan),
            avg_deal_size=np.round(np.where(n_won > 0, bookings / n_won, np.nan), 6),
            sales_cycle_days=np.where(cyc_n > 0, cyc_sum / cyc_n, np.nan))
    out["quota"] = out["quota"].astype(float)
    out["rep_id"] = out["rep_id"].astype(object)
    out = out[OUTCOME_COLUMNS + DERIVED_COLUMNS].reset_index(drop=True)
    result = CRMOutcomes(outcomes=out, period=period, quota_rejects=quota_rejects)

    # gaps between a rep's periods
    prev_end = periods.groupby("rep_id")["period_end"].shift()
    gap = periods["period_start"] > prev_end + pd.Timedelta(days=1)
    if gap.any():
        g = pd.DataFrame({"rep_id": periods.loc[gap, "rep_id"].to_numpy(dtype=object),
                          "gap_start": (prev_end[gap] + pd.Timedelta(days=1)).to_numpy(),
                          "gap_end": (periods.loc[gap, "period_start"]
                                      - pd.Timedelta(days=1)).to_numpy()})
        g["days"] = (g["gap_end"] - g["gap_start"]).dt.days + 1
        result.gaps = g
    # reps on one side only
    with_opps = set(rep.dropna())
    with_quota = set(periods["rep_id"])
    no_quota = sorted(with_opps - with_quota)
    if no_quota:
        counts = rep[rep.isin(no_quota)].value_counts()
        result.reps_without_quota = pd.DataFrame({"rep_id": no_quota,
                                                  "opportunities": counts[no_quota].to_numpy()})
    universe = set(reps["rep_id"]) if reps is not None else with_quota
    no_opps = sorted(universe - with_opps)
    if no_opps:
        result.reps_without_opportunities = pd.DataFrame(
            {"rep_id": no_opps, "has_quota": [r in with_quota for r in no_opps]})

    created_out = int((created_pid < 0).sum())
    won_out = int((won & (closed_pid < 0)).sum())
    result.accounting = pd.DataFrame({"item": [
        "opportunities used", "created in a quota period", "created outside every quota period",
        "won", "won and closed in a quota period", "won but closed outside every quota period",
        "lost", "open", "close_date before created_date (left out of sales_cycle_days)",
        "rep-periods derived"], "count": [
        len(opps), int((created_pid >= 0).sum()), created_out, int(won.sum()),
        int((won & (closed_pid >= 0)).sum()), won_out, int(lost.sum()),
        int((status == "open").sum()), int((won & np.isfinite(cycle) & (cycle < 0)).sum()),
        len(out)]})
    how = f"calendar {period}s, quota rows summed" if period else "the quota rows' own"
    notes = [f"outcomes derived from {len(opps)} opportunities and {len(quotas)} quota rows: "
             f"{len(out)} rep-periods for {out['rep_id'].nunique()} reps (periods: {how})"]
    if created_out:
        notes.append(f"{created_out} opportunities were created outside every quota period of "
                     "their rep: not counted in opportunities")
    if won_out:
        notes.append(f"{won_out} won deals closed outside every quota period of their rep: not "
                     "counted in bookings or deals_won")
    if no_quota:
        notes.append(f"{len(no_quota)} rep(s) have opportunities but no quota, so no outcomes: "
                     f"{_examples(no_quota)}")
    if no_opps:
        with_q = [r for r in no_opps if r in with_quota]
        notes.append(f"{len(no_opps)} rep(s) have no opportunity in the export"
                     + (f" ({len(with_q)} with a quota: their outcomes are 0)" if with_q else "")
                     + f": {_examples(no_opps)}")
    if gap.any():
        g = result.gaps
        shown = [f"{r.rep_id} {r.gap_start:%Y-%m-%d} to {r.gap_end:%Y-%m-%d}"
                 for r in g.head(3).itertuples()]
        notes.append(f"quota periods leave {len(g)} gap(s) for {g['rep_id'].nunique()} rep(s), "
                     f"e.g. {'; '.join(shown)}: deals in a gap count in no period")
    result.notes = notes
    return result


def with_status(frame: pd.DataFrame, status: pd.Series) -> pd.DataFrame:
    """``frame`` with the ``status`` column placed after ``stage`` (for ``bundle.opportunities``)."""
    out = frame.copy()
    out.insert(list(out.columns).index("stage") + 1, "status", status.reindex(out.index))
    return out


__all__ = ["DERIVED_COLUMNS", "FIELDS", "OUTCOME_COLUMNS", "PERIODS", "PRESETS",
           "REQUIRED_FIELDS", "CRMOutcomes", "ColumnMapping", "apply_mapping", "derive_outcomes",
           "detect_mapping", "load_mapping", "mapping_from_dict", "match_owners",
           "opportunity_problems", "preset", "quota_periods", "quota_problems", "with_status"]
