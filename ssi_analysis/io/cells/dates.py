"""Dates from cells (ISO, day-first or month-first as the column settles it), and plausible event dates."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ...dialects import Dialect
from ...errors import SSIConfigError, SSIInputError
from ...rules import KINDS, Cells, Field, Rule, otherwise
from .common import arrow_text, distinct_values, holding, is_missing, take_by_code

ISO_DATE_TEXT = r"\d{4}-\d{1,2}-\d{1,2}"
"""How an ISO date starts (a time or an offset may follow: the date written is kept)."""
ISO_DATE = re.compile(f"^{ISO_DATE_TEXT}")
DAY_FIRST = ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
"""The day-first formats read (Python's ``strptime`` codes; the SQL engines' own,
:meth:`ssi_analysis.dialects.Dialect.parse_date`)."""
MONTH_FIRST = ("%m/%d/%Y",)
"""The month-first formats read."""


def parse_dates(s: pd.Series, *, file: str = "", column: str = "") -> tuple[pd.Series, pd.Series]:
    """Calendar dates from cells; returns ``(dates, unparseable)``.

    ISO dates (``2026-03-31``, with or without a time or offset) keep the calendar date written,
    i.e. a timestamp's local date. Other formats (``31/03/2026``, ``03/31/2026``, ``31.03.2026``)
    are accepted when the column is unambiguous; a column whose every value reads both
    day-first and month-first raises :class:`SSIInputError` rather than guessing.

    >>> d, bad = parse_dates(pd.Series(["2026-03-31T23:30:00+02:00", "31/03/2026", "soon"]))
    >>> d.dt.strftime("%Y-%m-%d").tolist()[:2], bad.tolist()
    (['2026-03-31', '2026-03-31'], [False, False, True])
    """
    if pd.api.types.is_datetime64_any_dtype(s):
        values = s.dt.tz_localize(None) if s.dt.tz is not None else s
        if not all_midnight(values.to_numpy()):
            values = values.dt.normalize()
        out = as_ns(values)
        return out, pd.Series(out.isna().to_numpy() & values.notna().to_numpy(), index=s.index)
    found = distinct_values(s)
    if found is None:
        return parse_date_cells(s, np.ones(len(s), dtype=np.int64), file=file, column=column)
    codes, distinct = found
    # each distinct value weighs as many cells as hold it: the day-first / month-first
    # choice counts cells, as cell-by-cell parsing does
    weights = np.bincount(codes, minlength=len(distinct))
    dates, bad = parse_date_cells(distinct, weights, file=file, column=column)
    return take_by_code(dates, codes, s.index), take_by_code(bad, codes, s.index)


def as_ns(values: pd.Series) -> pd.Series:
    """Dates as ``datetime64[ns]``; a date beyond what that holds (before 1677-09-22 or after
    2262-04-11, such as the placeholder 9999-12-31) is not a date (NaT)."""
    arr = values.to_numpy()
    if arr.dtype == np.dtype("datetime64[ns]"):
        return pd.Series(arr, index=values.index, copy=False)
    if arr.dtype.kind != "M":
        arr = np.asarray(arr, dtype="datetime64[us]")
    lo = np.datetime64("1677-09-22").astype(arr.dtype)
    hi = np.datetime64("2262-04-11").astype(arr.dtype)
    ticks = arr.view(np.int64)
    if len(ticks) and lo.view(np.int64) <= ticks.min() and ticks.max() <= hi.view(np.int64):
        return pd.Series(arr.astype("datetime64[ns]"), index=values.index)  # all within (no NaT)
    ok = (arr >= lo) & (arr <= hi)
    out = np.where(ok, arr, np.datetime64("NaT")).astype("datetime64[ns]")
    return pd.Series(out, index=values.index)


def all_midnight(times: np.ndarray) -> bool:
    """Whether every non-missing ``datetime64`` value is at midnight (dates read from Parquet are:
    then there is nothing to normalise)."""
    unit, step = np.datetime_data(times.dtype)
    per_day = {"D": 1, "h": 24, "m": 1440, "s": 86_400, "ms": 86_400_000,
               "us": 86_400_000_000, "ns": 86_400_000_000_000}.get(unit)
    if per_day is None or per_day % step:
        return False
    ticks, per = times.view(np.int64), per_day // step
    for start in range(0, len(ticks), 1 << 20):        # in blocks: no array as large as the input
        block = ticks[start:start + (1 << 20)]
        rest = block % per
        if rest.any() and rest[block != np.iinfo(np.int64).min].any():  # NaT: the smallest int
            return False
    return True


_PLAIN_ISO = r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$"
"""An ISO date and nothing else (no time, no offset): what most exports write."""


def _plain_iso_cells(s: pd.Series, missing: pd.Series, weights: np.ndarray
                     ) -> tuple[pd.Series, pd.Series] | None:
    """:func:`parse_date_cells` of Arrow text whose every cell given is a plain ISO date (spaces
    around it allowed), read as the general path reads one; ``None`` for any other column."""
    arr = arrow_text(s)
    if arr is None:
        return None
    text = pc.utf8_trim_whitespace(arr)
    plain = pc.fill_null(pc.match_substring_regex(text, _PLAIN_ISO), False).to_numpy(
        zero_copy_only=False)
    given = ~missing.to_numpy()
    if not (plain | ~given).all():
        return None
    cells = pd.Series(text.to_numpy(zero_copy_only=False), index=s.index).where(given)
    out = as_ns(pd.to_datetime(cells, format="%Y-%m-%d", errors="coerce"))
    return out, out.isna() & given & (weights > 0)


def parse_date_cells(s: pd.Series, weights: np.ndarray, *, file: str,
                      column: str) -> tuple[pd.Series, pd.Series]:
    missing = is_missing(s)
    plain = _plain_iso_cells(s, missing, weights)
    if plain is not None:
        return plain
    as_obj = s.where(~missing)
    is_ts = pd.Series(holding(as_obj, lambda v: isinstance(v, pd.Timestamp | np.datetime64)
                              or hasattr(v, "year")), index=s.index)
    text = as_obj.astype("string").str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if is_ts.any():
        out[is_ts] = as_ns(pd.to_datetime(as_obj[is_ts].map(
            lambda v: pd.Timestamp(v).tz_localize(None) if pd.Timestamp(v).tzinfo
            else pd.Timestamp(v))).dt.normalize())
    iso = text.str.match(ISO_DATE).fillna(False).astype(bool) & ~is_ts
    if iso.any():
        out[iso] = as_ns(pd.to_datetime(text[iso].str.extract(f"^({ISO_DATE_TEXT})")[0],
                                        format="%Y-%m-%d", errors="coerce"))
    rest = ~iso & ~is_ts & ~missing & (weights > 0)
    if rest.any():
        vals = text[rest]
        w = weights[rest.to_numpy()]

        def attempt(fmts: tuple[str, ...]) -> pd.Series:
            res = pd.Series(pd.NaT, index=vals.index, dtype="datetime64[ns]")
            for fmt in fmts:
                res = res.fillna(as_ns(pd.to_datetime(vals, format=fmt, errors="coerce")))
            return res

        day_first, month_first = attempt(DAY_FIRST), attempt(MONTH_FIRST)
        ambiguous = (day_first.notna() & month_first.notna() & (day_first != month_first))
        first = reads_day_first(
            int(w[day_first.notna()].sum()), int(w[month_first.notna()].sum()),
            all_slashes=bool(vals.str.contains("/", regex=False).all()),
            example=vals[ambiguous].iloc[0] if ambiguous.any() else None,
            file=file, column=column)
        out[rest] = day_first if first else month_first
    bad = out.isna() & ~missing & (weights > 0)
    return out, bad


EXCEL_EPOCH = pd.Timestamp("1899-12-30")
"""Day 0 of Excel's serial date numbers (``46113`` is 2026-04-01)."""


EXCEL_SERIALS = (32874, 73050)
"""The serial numbers said to look like Excel dates: 1990-01-01 to 2099-12-31."""


EXCEL_SERIAL_TEXT = r"\d{5}(\.\d+)?"
"""How a serial date number is written (a time of day is a fraction)."""


def reads_day_first(n_day: int, n_month: int, *, all_slashes: bool, example: str | None,
                    file: str, column: str) -> bool:
    """Whether a column's dates that are not ISO read day-first (else month-first), from how
    many cells read each way (a tie: day-first); ``example`` is a cell that reads both ways
    differently (``None``: there is none). A column whose cells read both ways equally often,
    all written with slashes, raises :class:`SSIInputError` rather than guessing. Both engines
    decide with it.

    >>> reads_day_first(3, 1, all_slashes=True, example="05/01/2026", file="a.csv", column="date")
    True
    """
    if example is not None and n_day == n_month and all_slashes:
        raise SSIInputError(
            f"dates such as '{example}' read both as day/month and month/day, and no value "
            "in the column settles which", file=file, column=column,
            fix="write dates as YYYY-MM-DD (ISO 8601)")
    return n_day >= n_month


def _serials(text: pd.Series) -> pd.Series:
    """The serial day number each text stands for, where it reads as an Excel serial date
    (``<NA>`` elsewhere)."""
    shaped = text.str.fullmatch(EXCEL_SERIAL_TEXT).fillna(False).astype(bool)
    serial = pd.Series(pd.NA, index=text.index, dtype="Int64")
    if shaped.any():
        n = np.floor(text[shaped].astype(float))
        lo, hi = EXCEL_SERIALS
        ok = n.between(lo, hi)
        serial[ok[ok].index] = n[ok].astype(np.int64)
    return serial


def _serial_sql(column: str, d: Dialect) -> str:
    return f"floor({d.try_double(d.strip(f'{column}_raw'))})"


_SERIAL_FIELDS = {
    "serial": Field(lambda c, col, rows: _serials(c.text(col, rows).str.strip()).astype(str),
                    lambda col, d: d.to_text(f"CAST({_serial_sql(col, d)} AS BIGINT)")),
    "serial_day": Field(
        lambda c, col, rows: (EXCEL_EPOCH + pd.to_timedelta(
            _serials(c.text(col, rows).str.strip()).astype(np.int64), unit="D")
                              ).dt.strftime("%Y-%m-%d"),
        lambda col, d: d.date_text(f"DATE {d.text(f'{EXCEL_EPOCH:%Y-%m-%d}')} + "
                                   f"CAST({_serial_sql(col, d)} AS INTEGER)")),
}


def date_rules(column: str, *, event: bool = False) -> list[Rule]:
    """Why a cell of a date column is rejected: a number that reads as an Excel serial date (a
    date column exported as General, not Date) is said to be one, with the date it stands for;
    any other cell given but not read is not a date; an ``event`` date (of a thing that
    happened, :data:`EVENT_DATES`) after the day of the run or before LinkedIn existed is not
    plausible (:func:`date_limits`)."""
    def serial(cells: Cells) -> np.ndarray:
        out = cells.unread_of(column).copy()
        rows = np.flatnonzero(out)
        if len(rows):
            out[rows] = _serials(cells.text(column, rows).str.strip()).notna().to_numpy()
        return out

    lo, hi = EXCEL_SERIALS
    excel = Rule(
        f"{column}:excel_serial", "excel_serial", column,
        KINDS["excel_serial"].label.format(column=column), serial,
        lambda d: f"{column}_unread AND {d.full_match(d.strip(f'{column}_raw'), EXCEL_SERIAL_TEXT)}"
                  f" AND {_serial_sql(column, d)} BETWEEN {lo} AND {hi}",
        f"{column} '{{raw}}' looks like an Excel serial date number ({{serial}} = "
        "{serial_day})", shown="cell", fields=_SERIAL_FIELDS)
    not_a_date = otherwise(f"{column}:not_a_date", "not_a_date", column,
                           lambda cells: cells.unread_of(column), f"{column}_unread", [excel],
                           message=f"{column} is not a date", shown="cell")
    return [excel, not_a_date, *(_event_date_rules(column) if event else [])]


def _event_date_rules(column: str) -> list[Rule]:
    (latest, late, late_tail), (earliest, early, early_tail) = date_limits()

    def after(bound: pd.Timestamp, sign: int):
        def test(cells: Cells) -> np.ndarray:
            values = cells.typed[column].to_numpy()
            with np.errstate(invalid="ignore"):
                return (values > bound.to_datetime64()) if sign > 0 else \
                    (values < bound.to_datetime64())
        return test

    return [Rule(f"{column}:{kind}", kind, column, f"{column} {words}", after(bound, sign),
                 f"{column} {'>' if sign > 0 else '<'} DATE '{bound:%Y-%m-%d}'",
                 f"{column} {words} ({{date}}{tail}", shown="date")
            for kind, words, tail, bound, sign in (("future", late, late_tail, latest, 1),
                                                    ("before_launch", early, early_tail,
                                                     earliest, -1))]


def date_reasons(cells: pd.Series, col: str) -> pd.Series:
    """Why each cell of ``col`` is not a date (by :func:`date_rules`): an Excel serial date
    number is said to be one, with the date it stands for; any other cell is not a date.

    >>> date_reasons(pd.Series(["46113", "someday"]), "date").tolist()
    ["date '46113' looks like an Excel serial date number (46113 = 2026-04-01)", 'date is not a date']
    """
    cells = Cells(pd.DataFrame(index=cells.index), pd.DataFrame({col: cells}),
                  {col: np.ones(len(cells), dtype=bool)})
    reasons = pd.Series(None, index=cells.raw.index, dtype=object)
    for rule in date_rules(col):
        rows = np.flatnonzero(rule.test(cells))
        reasons.iloc[rows] = rule.reasons(cells, rows).to_numpy(dtype=object)
    return reasons


EVENT_DATES: dict[str, tuple[str, ...]] = {"activity": ("date",), "ssi_observed": ("date",),
                                          "opportunities": ("created_date",)}
"""Dates of things that happened (not plans such as quota periods or expected close dates):
they cannot lie in the future, nor before LinkedIn existed."""


LINKEDIN_LAUNCH = pd.Timestamp("2003-05-05")
"""LinkedIn's launch: activity (and a CRM record in an SSI analysis) before it is a typo or a
placeholder (``1900-01-01``, ``1970-01-01``)."""


LAST_DAY = pd.Timestamp("2262-04-11")
"""The last day a date of the data can be (what ``datetime64[ns]`` holds); beyond it a date
cell is not a date."""


def asof_problem(day: object) -> str | None:
    """What is wrong with an as-of date (the day scores are computed for), or ``None``: it must
    lie between LinkedIn's launch (before it there is no SSI: every score would be 0) and
    :data:`LAST_DAY` (a later day cannot be held, nor scored, by the pandas engine). Both
    engines and the command line check ``--asof`` with it.

    >>> asof_problem("2026-03-31") is None, asof_problem("2300-01-01")
    (True, 'is after 2262-04-11, the last day a date can be')
    """
    stamp = pd.Timestamp(day)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    if stamp.normalize() < LINKEDIN_LAUNCH:
        return (f"is before LinkedIn existed ({LINKEDIN_LAUNCH:%Y-%m-%d}): there is no SSI "
                "to score")
    if stamp.normalize() > LAST_DAY:
        return f"is after {LAST_DAY:%Y-%m-%d}, the last day a date can be"
    return None


ASOF_FIX = (f"give a day from {LINKEDIN_LAUNCH:%Y-%m-%d} to {LAST_DAY:%Y-%m-%d} (scores are "
            "computed for the window ending on it)")


TODAY_ENV = "SSI_ANALYSIS_TODAY"


def run_day() -> pd.Timestamp:
    """The day of the run: today (the machine's local date), or ``$SSI_ANALYSIS_TODAY``
    (``YYYY-MM-DD``) to pin it, e.g. to re-run an old analysis exactly as it ran. Event dates
    after the next day (a day's grace for time zones) are in the future.

    (Not ``SOURCE_DATE_EPOCH``: a reproducible build pins its own time, often before the data's
    dates, and that must not turn the data's dates into future ones.)

    >>> run_day() == run_day().normalize()
    True
    """
    import datetime as _dt
    import os

    pinned = os.environ.get(TODAY_ENV)
    if pinned:
        try:
            return pd.Timestamp(_dt.date.fromisoformat(pinned.strip()))
        except ValueError:
            raise SSIConfigError(f"{TODAY_ENV} must be a date YYYY-MM-DD, got {pinned!r}",
                                 fix=f"unset {TODAY_ENV} (today is used), or set it to e.g. "
                                     "2026-06-30") from None
    return pd.Timestamp(_dt.date.today())


def date_limits() -> tuple[tuple[pd.Timestamp, str, str], tuple[pd.Timestamp, str, str]]:
    """The bounds of an event date, with the words of the reason of a date beyond each:
    ``((latest, kind, tail), (earliest, kind, tail))``; a reason reads
    ``"<column> <kind> (<date><tail>"``."""
    today = run_day()
    return ((today + pd.Timedelta(days=1), "in the future",
             f", after the day of the run, {today:%Y-%m-%d}: a typo?)"),
            (LINKEDIN_LAUNCH, "before LinkedIn existed",
             f", before LinkedIn's launch on {LINKEDIN_LAUNCH:%Y-%m-%d}: a typo?)"))
