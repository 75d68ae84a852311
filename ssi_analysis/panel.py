"""Join SSI to outcome periods without look-ahead: the rep x period panel the analysis uses.

The unit of analysis is a **rep x outcome period**. For each one the panel holds:

``ssi`` and the four pillars, **as of the day before the period starts**
    With computed scores (the default) that is the trailing window ending on the last day
    before the period, so no activity from inside the period counts: the score is measured
    before the outcome. With LinkedIn's own scores (``ssi="observed"``) it is the latest
    snapshot on or before that day, if it is at most ``observed_max_age_days`` old.
``attainment = bookings / quota`` and ``hit_quota = attainment >= 1``
    plus ``opportunities`` (and ``deals_won`` when present).
covariates
    ``tenure_months`` (``tenure_months`` as the reps table gives it, the same in every
    period, or the months from ``hire_date`` to each period's start), ``industry``,
    ``region``, ``team`` (missing labels read as ``"unknown"``); and every other reps column
    ``[analysis] controls`` names (``territory_size``, ``segment``), as numbers or as labels,
    checked by :func:`named_controls` (a column that cannot be a control stops the run with
    the reason and the fix). A rep-period whose rep has no value of such a control is left
    out with the reason.
time order
    ``period`` (1, 2, ... in calendar order across the data), ``ssi_end`` (SSI as of the last
    day of the period) and ``ssi_after`` (as of one period length after that, when the
    activity data reach that far), so the change in SSI *after* an outcome can be related to it.

**Window coverage, rep by rep.** A computed SSI is only as good as the activity its window
holds. For every rep-period the panel measures ``window_coverage``: the share of the
``window_days`` before the period that the rep's records cover, from the rep's coverage start
to the period start (and no further than the data's last day). A rep's coverage starts at their
first activity record *less the data's reporting interval* (the most common gap between the
data's distinct activity dates: 1 day for daily data, 7 for weekly exports, whose record dated
Sunday counts the seven days ending that Sunday), or at their ``hire_date`` when that is
later; a rep with no activity rows at all is covered from the data's first record. Activity
given as totals over periods (a usage report per month) covers exactly the days of the rep's
periods: a gap between two exports is not covered (:func:`ssi_analysis.io.periods.period_coverage`).
The rule:

* coverage of at least ``min_window_coverage`` (``[analysis]``, default 0.9) and below 1: kept
  and **flagged** (``window_partial = True``), not prorated (the score is what the activity
  in the window gives); the analysis reports a sensitivity run without the flagged rows;
* coverage below the threshold: left out with the reason (the rep's history starts inside the
  window: a new hire, or history missing from the export; or the period starts after the
  activity data end);
* a rep hired after the period started, and a rep-period with no score, are left out with
  the reason.

So a window that starts a few days before the first *weekly* record is fully covered, and one
rep's late start no longer costs every rep the period.

Rep-periods that cannot be used are never dropped silently: they are listed in
``Panel.excluded`` with a reason, and ``rows_read == len(data) + len(excluded)``.

Examples
--------
>>> from ssi_analysis import load_data, example_data_dir
>>> p = build_panel(load_data(example_data_dir()))
>>> p.rows_read == len(p.data) + len(p.excluded)
True
>>> sorted(p.data.period.unique().tolist())
[1, 2, 3]
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .config import PILLARS, AnalysisConfig, ScoringConfig, default_config
from .errors import SSIConfigError, SSIDataError
from .io import Bundle, parse_ids, parse_numbers
from .io.cells.numbers import AMBIGUOUS_TEXT
from .io.periods import period_coverage
from .scoring import Scores, score

SSI_COLUMNS = ("ssi", *PILLARS)
EXTREME_ATTAINMENT = 5.0
"""Attainment beyond 500% of quota is noted (a quota typo is the usual cause); kept."""
_EXCLUDED_COLUMNS = ["rep_id", "period_start", "period_end", "reason", "window_coverage",
                     "covered_from"]
MIN_REPS_PER_LABEL = 4
"""A control of text labels needs at least this many reps per label on average; fewer, and it
looks like an id, a name or a free-text note rather than categories (and would cost about one
model coefficient per rep)."""
BUILT_IN_CONTROLS = {"tenure": ("tenure_months", "hire_date"), "industry": ("industry",),
                     "region": ("region",), "team": ("team",)}
"""Controls the panel derives itself, and the reps columns each can come from."""
DERIVED_COLUMNS = frozenset({"attainment", "hit_quota", "period", "ssi_end", "ssi_after",
                             "ssi_10", "window_coverage", "window_covered", "window_partial",
                             *SSI_COLUMNS})
"""Panel columns a reps column named as a control must not shadow."""



@dataclass
class Panel:
    """The rep x period panel, what was left out of it, and how SSI was measured."""

    data: pd.DataFrame
    excluded: pd.DataFrame
    ssi_source: str
    rows_read: int
    covariates: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    bundle: Bundle | None = field(default=None, repr=False)
    """The loaded data the panel was built from (:func:`~ssi_analysis.analysis.analyze` reads
    its quality report, reps and activity)."""
    scores: Scores | None = field(default=None, repr=False)
    """The scores given to :func:`build_panel` (``None`` when it scored the activity itself)."""

    @property
    def n_reps(self) -> int:
        """Reps with at least one usable period."""
        return int(self.data["rep_id"].nunique())

    @property
    def n_periods(self) -> int:
        """Distinct outcome periods (by start date) in the panel."""
        return int(self.data["period_start"].nunique())

    def lines(self) -> list[str]:
        """Plain-language accounting, as the command line prints it."""
        line = (f"panel: {self.rows_read} rep-periods read, {len(self.data)} used "
                f"({self.n_reps} reps, {self.n_periods} periods), {len(self.excluded)} left out")
        if len(self.excluded):
            counts = self.excluded["reason"].value_counts()
            line += " (" + "; ".join(f"{n} {r}" for r, n in counts.items()) + ")"
        return [line, *(f"note: {n}" for n in self.notes)]


def _observed_asof(observed: pd.DataFrame, pairs: pd.DataFrame, max_age: int) -> pd.DataFrame:
    """The latest observed snapshot at or before each (rep_id, date) pair, if fresh enough.

    Returns one row per pair, in the pairs' order (whatever their index).
    """
    ns = "datetime64[ns]"      # one resolution on both sides (pandas may mix s, us and ns)
    obs = observed[["rep_id", "date", *SSI_COLUMNS]].rename(columns={"date": "obs_date"})
    obs = obs.assign(rep_id=obs["rep_id"].astype(str),
                     obs_date=pd.to_datetime(obs["obs_date"]).astype(ns)).sort_values(
        "obs_date", kind="stable")
    left = pd.DataFrame({"rep_id": pairs["rep_id"].astype(str).to_numpy(),
                         "date": pd.to_datetime(pairs["date"]).to_numpy().astype(ns),
                         "_pos": np.arange(len(pairs))})
    merged = pd.merge_asof(left.sort_values("date", kind="stable"), obs, left_on="date",
                           right_on="obs_date", by="rep_id", direction="backward")
    stale = (merged["date"] - merged["obs_date"]).dt.days > max_age
    merged.loc[stale, list(SSI_COLUMNS)] = np.nan
    return merged.sort_values("_pos").reset_index(drop=True)[list(SSI_COLUMNS)]


def _one_period_after(start: pd.Series, end: pd.Series) -> pd.Series:
    """The last day of the period as long as ``start..end`` that follows it: whole calendar
    months map to whole months (April -> May 31, a quarter -> the next quarter's end), any
    other period to the same number of days.

    >>> s = pd.Series(pd.to_datetime(["2026-04-01", "2026-05-01", "2026-04-01", "2026-04-06"]))
    >>> e = pd.Series(pd.to_datetime(["2026-04-30", "2026-05-31", "2026-06-30", "2026-04-12"]))
    >>> _one_period_after(s, e).dt.strftime("%Y-%m-%d").tolist()
    ['2026-05-31', '2026-06-30', '2026-09-30', '2026-04-19']
    """
    days = end + (end - start + pd.Timedelta(days=1))
    calendar = (start.dt.is_month_start & end.dt.is_month_end).fillna(False).to_numpy(bool)
    if not calendar.any():
        return days
    months = (end.dt.year - start.dt.year) * 12 + end.dt.month - start.dt.month + 1
    total = end.dt.year * 12 + end.dt.month - 1 + months
    ym = pd.DataFrame({"year": (total // 12).where(calendar, 2000),
                       "month": (total % 12 + 1).where(calendar, 1), "day": 1})
    first = pd.to_datetime(ym, errors="coerce")
    return days.where(~calendar, first + pd.offsets.MonthEnd(0))


def _lookup_frame(outcomes: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "start": outcomes["period_start"] - pd.Timedelta(days=1),
        "end": outcomes["period_end"],
        "after": _one_period_after(outcomes["period_start"], outcomes["period_end"]),
    })


_LOOKUPS = ("start", "end", "after")


def _lookup_pairs(rep_id: pd.Series, asof: pd.DataFrame,
                  which: tuple[str, ...] = _LOOKUPS) -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"rep_id": rep_id, "date": asof[k]}) for k in which],
                     ignore_index=True)


def lookup_days(outcomes: pd.DataFrame, *, which: tuple[str, ...] = _LOOKUPS) -> pd.DataFrame:
    """The ``rep_id, date`` pairs a panel looks the computed SSI up on (one row each, sorted):
    the day before each period starts (``'start'``), its last day (``'end'``), and the last
    day of the period after it (``'after'``).

    Scores given to :func:`build_panel` must have the ``'start'`` days; the other two are used
    only up to the last activity date (the SSI at a period's end and after it, for the time
    order checks). A daily scoring runs to the last activity date, so a period that starts
    after the activity ends needs its start day scored too
    (``score(..., at=lookup_days(outcomes, which=("start",)))``, as the report does).

    >>> o = pd.DataFrame({"rep_id": ["a"], "period_start": pd.to_datetime(["2026-04-01"]),
    ...                   "period_end": pd.to_datetime(["2026-04-30"])})
    >>> lookup_days(o)["date"].dt.strftime("%Y-%m-%d").tolist()
    ['2026-03-31', '2026-04-30', '2026-05-31']
    """
    unknown = set(which) - set(_LOOKUPS)
    if unknown or not which:
        raise ValueError(f"which must name some of {_LOOKUPS}, got {which!r}")
    pairs = _lookup_pairs(outcomes["rep_id"].reset_index(drop=True),
                          _lookup_frame(outcomes.reset_index(drop=True)), which)
    return pairs.drop_duplicates().sort_values(["rep_id", "date"], kind="stable") \
        .reset_index(drop=True)


def reporting_interval(dates: pd.Series) -> int:
    """The data's reporting interval in days: the most common gap between its distinct dates
    (1 for daily activity, 7 for weekly exports; at most 31).

    >>> reporting_interval(pd.Series(pd.date_range("2026-01-04", periods=5, freq="7D")))
    7
    >>> reporting_interval(pd.Series(pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-05"])))
    1
    """
    days = np.unique(pd.to_datetime(dates.dropna().unique()).to_numpy().astype("datetime64[D]"))
    gaps = np.diff(days).astype(int)
    if not len(gaps):
        return 1
    values, counts = np.unique(gaps, return_counts=True)
    return int(min(values[np.argmax(counts)], 31))


@dataclass(frozen=True)
class _Coverage:
    share: np.ndarray          # covered share of each rep-period's window
    cover_from: pd.Series      # the day each rep-period's coverage starts (NaT: never)
    interval: int              # the data's reporting interval, days
    own_first: pd.Series       # each rep-period's rep's first activity date (NaT: none)
    hired: pd.Series           # hire date (NaT: unknown)


def _coverage(out: pd.DataFrame, bundle: Bundle, window_start: pd.Series,
              window_end: pd.Series, window_days: int) -> _Coverage:
    """Per rep-period: the covered share of the window, and where coverage starts."""
    act = bundle.activity
    interval = reporting_interval(act["date"]) if len(act) else 1
    back = pd.Timedelta(days=interval - 1)
    last_day = act["date"].max() if len(act) else pd.NaT
    data_from = act["date"].min() - back if len(act) else pd.NaT
    own_first = out["rep_id"].map(act.groupby("rep_id", observed=True)["date"].min())
    cover_from = (own_first - back).fillna(data_from)
    hired = (pd.to_datetime(out["rep_id"].map(bundle.reps.set_index("rep_id")["hire_date"]),
                            errors="coerce") if "hire_date" in bundle.reps
             else pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]"))
    cover_from = cover_from.where(~(hired > cover_from), hired)
    start = np.maximum(window_start.to_numpy(), cover_from.to_numpy())
    end = np.minimum(window_end.to_numpy(), np.datetime64(last_day, "ns") if pd.notna(last_day)
                     else window_end.to_numpy())
    with np.errstate(invalid="ignore"):
        days = (end - start).astype("timedelta64[D]").astype(float) + 1
    days = np.where(np.isnan(days) | pd.isna(cover_from).to_numpy(), 0.0, days)
    if bundle.activity_periods is not None:
        # period totals: only the days some period of the rep covers (gaps between exports
        # are not covered), from the hire date on
        periods = bundle.activity_periods
        from_day = window_start.where(~(hired > window_start), hired)
        days = period_coverage(periods, out["rep_id"], from_day, window_end).astype(float)
        own_first = out["rep_id"].map(periods.groupby("rep_id")["period_start"].min())
        cover_from = own_first.copy()
    share = np.clip(days, 0, window_days) / window_days
    return _Coverage(share, cover_from.reset_index(drop=True), interval,
                     own_first.reset_index(drop=True), hired.reset_index(drop=True))


def extra_controls(controls: tuple[str, ...] | str) -> tuple[str, ...]:
    """The controls named beyond the built-in ones (reps columns the panel carries as named).

    >>> extra_controls(("tenure", "region", "territory_size")), extra_controls("auto")
    (('territory_size',), ())
    """
    return () if isinstance(controls, str) else tuple(
        c for c in controls if c not in BUILT_IN_CONTROLS)


def _reps_file(bundle: Bundle) -> str:
    path = bundle.files.get("reps") if bundle.files else None
    return path.name if path is not None else "reps"


def _control_error(problem: str, bundle: Bundle, name: str, fix: str) -> SSIConfigError:
    return SSIConfigError(f"[analysis] controls names '{name}', but {problem}",
                          file=_reps_file(bundle), column=name, fix=fix)


def named_controls(bundle: Bundle, controls: tuple[str, ...] | str
                   ) -> dict[str, tuple[pd.Series, str, str]]:
    """The reps columns ``[analysis] controls`` names beyond the built-in ones, checked.

    Returns ``{column: (values by rep_id, kind, note)}`` with ``kind`` ``'numbers'`` (float,
    NaN where missing) or ``'labels'`` (text, None where missing), for the reps that have
    outcomes, and a note on how the values were read (or ``''``).
    A built-in control (tenure, industry, region, team) named explicitly must be in the reps
    table too. Numbers written with a decimal comma are read as such when the column shows the
    mark (``12,5``); a lone ``1,234`` (1.234 or 1234?) is refused, not guessed.

    Raises
    ------
    SSIConfigError
        A named column the reps table lacks, or one that cannot be a control: no values, one
        value, numbers mixed with text, or text with fewer than :data:`MIN_REPS_PER_LABEL`
        reps per label on average.
    """
    if isinstance(controls, str):
        return {}
    reps = bundle.reps
    file = _reps_file(bundle)
    fix_drop = "or remove it from controls in the [analysis] section of the config file"
    out: dict[str, tuple[pd.Series, str, str]] = {}
    outcomes = bundle.outcomes if bundle.outcomes is not None else pd.DataFrame()
    with_outcomes = pd.Index(outcomes["rep_id"].unique()) if "rep_id" in outcomes \
        else pd.Index([])
    for name in controls:
        if name in BUILT_IN_CONTROLS:
            sources = BUILT_IN_CONTROLS[name]
            if not any(c in reps and reps[c].notna().any() for c in sources):
                raise _control_error(f"the reps table has no {' or '.join(sources)} values",
                                     bundle, name,
                                     f"add a {sources[0]} column to {file}, {fix_drop}")
            continue
        if name not in reps:
            close = difflib.get_close_matches(name, [str(c) for c in reps.columns], n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise _control_error(
                f"the reps table has no such column{hint}; its columns are "
                f"{', '.join(map(str, reps.columns))}", bundle, name,
                f"add a {name} column to {file} (one value per rep), {fix_drop}")
        if name in ("tenure_months", "hire_date"):
            raise _control_error("tenure is a built-in control (from tenure_months or "
                                 "hire_date)", bundle, name,
                                 f"name it 'tenure' in controls instead of '{name}'")
        if name in outcomes.columns or name in DERIVED_COLUMNS:
            raise _control_error("the panel has a column of that name already (from the "
                                 "outcomes table or derived)", bundle, name,
                                 f"rename the column in {file} and in controls")
        cells = reps.set_index("rep_id")[name]
        cells = cells[cells.index.isin(with_outcomes)] if len(with_outcomes) else cells
        labels = parse_ids(cells.astype(object))
        present = labels.notna()
        if not present.any():
            raise _control_error("the column has no values for the reps with outcomes",
                                 bundle, name, f"fill in {name} in {file}, {fix_drop}")
        note = ""
        if pd.api.types.is_bool_dtype(cells):
            values, bad = labels, present
        else:
            values, bad = parse_numbers(cells)
            if bad.any():
                # the reps file's decimal mark is not known here: the column's own values
                # must show it, else '1,234' (1.234 or 1234?) is refused rather than guessed
                comma, bad_comma = parse_numbers(cells, None)
                ambiguous = bad_comma & cells.astype("string").str.strip().str.fullmatch(
                    AMBIGUOUS_TEXT).fillna(False).astype(bool)
                if ambiguous.any() and not (bad_comma & ~ambiguous).any():
                    examples = ", ".join(f"'{cells[r]}' (rep {r})"
                                         for r in cells.index[ambiguous][:3])
                    raise _control_error(
                        f"{int(ambiguous.sum())} of its values have one separator before "
                        f"three digits, which could be a thousands separator or a decimal "
                        f"mark, e.g. {examples}", bundle, name,
                        f"write {name} without thousands separators (1234, or 1.234 for a "
                        f"decimal) in {file}")
                if not bad_comma.any():
                    values, bad = comma, bad_comma
                    note = (f"control '{name}' is read with a decimal comma (e.g. "
                            f"'{cells[present].iloc[0]}' as {comma[present].iloc[0]:g})")
        kind = "numbers"
        if int(bad.sum()) == int(present.sum()):
            values, kind = labels, "labels"
        elif bad.any():
            examples = ", ".join(f"'{cells[r]}' (rep {r})" for r in cells.index[bad][:3])
            raise _control_error(
                f"the column mixes numbers and text ({int(bad.sum())} of {int(present.sum())} "
                f"values are not numbers, e.g. {examples})", bundle, name,
                f"write {name} as numbers only (a missing value left empty) or as labels "
                f"only, in {file}")
        distinct = values.dropna().unique()
        if len(distinct) < 2:
            raise _control_error(f"it has one value only ({distinct[0]}) for the reps with "
                                 "outcomes, so there is nothing to adjust for", bundle, name,
                                 "remove it from controls in the [analysis] section of the "
                                 "config file")
        if kind == "labels" and int(present.sum()) < MIN_REPS_PER_LABEL * len(distinct):
            raise _control_error(
                f"it is text with {len(distinct)} different labels for {int(present.sum())} "
                f"reps (fewer than {MIN_REPS_PER_LABEL} reps per label): that looks like an id, "
                "a name or a free-text note, not categories to adjust for", bundle, name,
                f"give {name} a few labels shared by several reps each (or numbers), {fix_drop}")
        out[name] = (values, kind, note)
    return out


def check_panel_inputs(bundle: Bundle, *, ssi: str = "computed") -> None:
    """Raise :class:`SSIDataError` when ``bundle`` cannot give a panel: no outcomes table, or
    no ``ssi_observed`` table for ``ssi="observed"`` (checked before anything is scored)."""
    if bundle.outcomes is None:
        raise SSIDataError("there is no outcomes table, so there is nothing to relate SSI to",
                           file=str(bundle.folder or "data folder"),
                           fix="add outcomes.csv (rep_id, period_start, period_end, quota, "
                               "bookings, opportunities); see data/README.md")
    if ssi not in ("computed", "observed"):
        raise SSIDataError(f"ssi must be 'computed' or 'observed', got {ssi!r}")
    if ssi == "observed" and bundle.ssi_observed is None:
        raise SSIDataError("--ssi observed needs an ssi_observed table, and there is none",
                           file=str(bundle.folder or "data folder"),
                           fix="add ssi_observed.csv, or use the computed SSI (--ssi computed)")
    if ssi == "computed" and bundle.activity is None:
        raise SSIDataError("there is no activity table to compute SSI from",
                           file=str(bundle.folder or "data folder"),
                           fix="use the SSI LinkedIn reported (--ssi observed, from "
                               "ssi_observed), or add an activity table")


def build_panel(bundle: Bundle, *, scores: Scores | pd.DataFrame | None = None,
                ssi: str = "computed", config: ScoringConfig | None = None,
                analysis: AnalysisConfig | None = None) -> Panel:
    """Build the rep x period panel from a loaded data folder.

    Parameters
    ----------
    bundle : Bundle
        From :func:`~ssi_analysis.io.load_data`; needs ``outcomes``.
    scores : Scores or DataFrame, optional
        The computed SSI to use: :func:`~ssi_analysis.scoring.score` with ``daily=True``
        (one scoring serves the panel, the analysis and the report), or an analyst's own table
        with ``rep_id, date, ssi`` and the pillars. The panel looks up each period's days in
        it; a period whose start the scores do not cover is left out with that reason. Without
        it the activity is scored at exactly the days the panel needs.
    ssi : {'computed', 'observed'}
        Score SSI from activity with ``config`` (transparent), or use the values LinkedIn
        reported in ``ssi_observed``.
    config : ScoringConfig, optional
        Scoring settings (defaults: the shipped ``scoring.toml``; with ``scores``, their own).
    analysis : AnalysisConfig, optional
        For ``observed_max_age_days`` and ``min_window_coverage``.

    Returns
    -------
    Panel

    Examples
    --------
    >>> from ssi_analysis import load_data, example_data_dir, score
    >>> b = load_data(example_data_dir())
    >>> daily = score(b.activity, b.reps, daily=True)
    >>> build_panel(b, scores=daily).data.equals(build_panel(b).data)
    True
    """
    if scores is not None:
        scores = Scores.from_frame(scores, config=config)
        if config is not None and scores.config is not None and config != scores.config:
            raise SSIConfigError("the scores were made with another scoring config than the "
                                 "one given", fix="pass the scores' config, or leave config out")
        config = scores.config or config
    config = config or default_config()
    analysis = analysis or AnalysisConfig()
    check_panel_inputs(bundle, ssi=ssi)
    extra = named_controls(bundle, analysis.controls)    # a bad control: stop before scoring
    out = bundle.outcomes.reset_index(drop=True).copy()  # positions align every step below
    rows_read = len(out)
    if rows_read == 0:
        raise SSIDataError("the outcomes table has no usable rows", file="outcomes",
                           fix="see the rejected rows listed by ssi-analysis validate")
    out["attainment"] = out["bookings"] / out["quota"]
    out["hit_quota"] = (out["attainment"] >= 1).astype(int)
    asof = _lookup_frame(out)
    notes: list[str] = []
    excluded = []

    if ssi == "computed":
        pairs = _lookup_pairs(out["rep_id"], asof)
        scored = (scores if scores is not None else
                  score(bundle.activity, bundle.reps, config=config, at=pairs.drop_duplicates()))
        # scores are sorted by rep and date: realign with the pairs
        key = pairs.merge(scored.table, on=["rep_id", "date"], how="left",
                          validate="many_to_one")
        n = len(out)
        at_start = key.iloc[:n].reset_index(drop=True)
        at_end = key["ssi"].iloc[n:2 * n].to_numpy()
        at_after = key["ssi"].iloc[2 * n:].to_numpy()
        last_day = bundle.activity["date"].max() if len(bundle.activity) else pd.NaT
        window_days = config.window_days
        window_start = asof["start"] - pd.Timedelta(days=window_days - 1)
        cov = _coverage(out, bundle, window_start, asof["start"], window_days)
        share, cover_from, hired = cov.share, cov.cover_from, cov.hired
        threshold = analysis.min_window_coverage
        out["window_coverage"] = share
        out["window_covered"] = share >= 1.0
        out["window_partial"] = (share < 1.0) & (share >= threshold)
        late_hire = (hired > out["period_start"]).to_numpy()
        beyond = (asof["start"] > last_day).to_numpy() & (share < threshold) \
            if pd.notna(last_day) else share < threshold
        starts_after = (cover_from > asof["start"]).to_numpy() & (share < threshold)
        thin = share < threshold
        no_score = at_start["ssi"].isna().to_numpy()
        end_day = last_day.strftime("%Y-%m-%d") if pd.notna(last_day) else "never"
        if scores is None:
            unscored = "no SSI could be scored for the rep at the period start"
        else:                                   # only scores given can miss a day
            dates = scores.dates
            unscored = ("the scores given have no SSI the day before the period starts ("
                        + (f"they run from {dates[0]:%Y-%m-%d} to {dates[-1]:%Y-%m-%d})"
                           if len(dates) else "they are empty)"))
        # one reason per kind (the counts read well); the share and the day in columns
        why = np.select(
            [late_hire, beyond, starts_after, thin, no_score],
            ["the rep was hired after the period started: no SSI before it",
             f"the period starts after the activity data end ({end_day}): less than "
             f"{threshold:.0%} of its {window_days}-day window is in the data",
             "the rep's activity starts after the period started (hired mid-period, or "
             "history missing from the export)",
             f"the rep's activity covers less than {threshold:.0%} of the {window_days}-day "
             "window before the period (a new hire, or history missing from the export)",
             unscored],
            default="")
        bad = why != ""
        if bad.any():
            excluded.append(out.loc[bad, ["rep_id", "period_start", "period_end"]].assign(
                reason=why[bad], window_coverage=share[bad],
                covered_from=cover_from[bad].to_numpy()))
        flagged = out["window_partial"].to_numpy() & ~bad
        if flagged.any():
            notes.append(f"{int(flagged.sum())} rep-period(s) of "
                         f"{out.loc[flagged, 'rep_id'].nunique()} rep(s) have a "
                         f"{window_days}-day window covered only in part (at least "
                         f"{threshold:.0%}, less than all): kept and flagged window_partial; "
                         "the analysis reports a sensitivity run without them")
        if cov.interval > 1:
            notes.append(f"activity is reported every {cov.interval} days: each record counts "
                         f"the {cov.interval} days ending on its date, so a window is covered "
                         f"from {cov.interval - 1} days before a rep's first record")
        no_activity = cov.own_first.isna().to_numpy() & ~bad
        if no_activity.any():
            notes.append(f"{out.loc[no_activity, 'rep_id'].nunique()} rep(s) have no activity "
                         "rows at all: scored 0 on every activity metric")
        # the data must reach the as-of date for the end / after scores to mean anything
        at_end = np.where(asof["end"].to_numpy() <= last_day, at_end, np.nan)
        at_after = np.where(asof["after"].to_numpy() <= last_day, at_after, np.nan)
        for col in SSI_COLUMNS:
            out[col] = at_start[col].to_numpy()
        keep = ~bad
    else:
        max_age = analysis.observed_max_age_days
        pairs = pd.DataFrame({"rep_id": out["rep_id"], "date": asof["start"]})
        start_scores = _observed_asof(bundle.ssi_observed, pairs, max_age)
        for col in SSI_COLUMNS:
            out[col] = start_scores[col].to_numpy()
        at_end = _observed_asof(bundle.ssi_observed, pairs.assign(date=asof["end"]),
                                max_age)["ssi"].to_numpy()
        at_after = _observed_asof(bundle.ssi_observed, pairs.assign(date=asof["after"]),
                                  max_age)["ssi"].to_numpy()
        missing = out["ssi"].isna().to_numpy()
        if missing.any():
            excluded.append(out.loc[missing, ["rep_id", "period_start", "period_end"]].assign(
                reason=f"no LinkedIn SSI snapshot in the {max_age} days before the period"))
            notes.append(f"{int(missing.sum())} of {len(out)} rep-periods had no LinkedIn "
                         f"snapshot at or before the day before they started, within "
                         f"{max_age} days ([analysis] observed_max_age_days): left out")
        keep = ~missing
    out["ssi_end"] = at_end
    out["ssi_after"] = at_after
    out["ssi_10"] = out["ssi"] / 10.0

    # covariates
    reps = bundle.reps.set_index("rep_id")
    covariates: list[str] = []
    if "tenure_months" in reps and reps["tenure_months"].notna().any():
        out["tenure_months"] = out["rep_id"].map(reps["tenure_months"]).astype(float)
        covariates.append("tenure")
    elif "hire_date" in reps and reps["hire_date"].notna().any():
        hired = out["rep_id"].map(reps["hire_date"])
        out["tenure_months"] = ((out["period_start"] - hired).dt.days / 30.4375).clip(lower=0)
        covariates.append("tenure")
        notes.append("tenure is the months from hire_date to each period's start")
    for col in ("industry", "region", "team"):
        if col in reps:
            labels = out["rep_id"].map(reps[col])
            n_missing = int(labels.isna().sum())
            if n_missing:
                notes.append(f"{n_missing} rep-period(s) have no {col}: grouped as 'unknown'")
            out[col] = labels.astype(object).where(labels.notna(), "unknown").astype(str)
            if col != "team":
                covariates.append(col)
    for name, (values, kind, note) in extra.items():
        out[name] = out["rep_id"].map(values).astype(float if kind == "numbers" else object)
        covariates.append(name)
        notes.extend([note] if note else [])
        lacking = out[name].isna().to_numpy() & keep
        if lacking.any():
            excluded.append(out.loc[lacking, ["rep_id", "period_start", "period_end"]].assign(
                reason=f"the rep has no {name} in reps (a control named in [analysis] "
                       "controls)", **({"window_coverage": out.loc[lacking, "window_coverage"]}
                                       if "window_coverage" in out else {})))
            keep = keep & ~lacking

    if "tenure_months" in out:
        no_tenure = out["tenure_months"].isna().to_numpy() & keep
        if no_tenure.any():
            notes.append(f"{int(no_tenure.sum())} rep-period(s) have no tenure: models "
                         "controlling for tenure leave them out")

    extreme = (out["attainment"].abs() > EXTREME_ATTAINMENT).to_numpy() & keep
    if extreme.any():
        notes.append(f"{int(extreme.sum())} rep-period(s) have attainment beyond "
                     f"{EXTREME_ATTAINMENT:.0%} of quota (largest "
                     f"{out.loc[extreme, 'attainment'].abs().max():.0%}): check their quotas; "
                     "such values move means and Pearson's r, the rank correlation much less")
    starts = np.sort(out.loc[keep, "period_start"].unique())
    out["period"] = np.searchsorted(starts, out["period_start"].to_numpy()) + 1
    data = out[keep].sort_values(["rep_id", "period_start"], kind="stable").reset_index(drop=True)
    excl = (pd.concat(excluded, ignore_index=True) if excluded
            else pd.DataFrame(columns=_EXCLUDED_COLUMNS))
    if data.empty:
        reasons = excl["reason"].value_counts()
        given = excl["reason"].str.startswith("the scores given have no SSI").all()
        raise SSIDataError("no rep-period has an SSI measured before it: "
                           + "; ".join(f"{n} x {r}" for r, n in reasons.head(3).items()),
                           file="outcomes",
                           fix=("score the days the panel looks up too (score(..., at="
                                "lookup_days(bundle.outcomes, which=('start',)))), or let "
                                "build_panel(bundle) score them" if given else
                                "outcome periods must start at least one scoring window after "
                                "the first activity date (or have LinkedIn snapshots before "
                                "them)"))
    return Panel(data=data, excluded=excl, ssi_source=ssi, rows_read=rows_read,
                 covariates=tuple(covariates), notes=notes, bundle=bundle, scores=scores)
