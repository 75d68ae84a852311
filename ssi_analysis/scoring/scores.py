""":class:`Scores`: what :func:`~ssi_analysis.scoring.score` returns, and what the panel, the
analysis and the report take."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..config import PILLARS, ScoringConfig
from ..errors import SSIDataError, SSIInputError
from ..tables import NotedTable


@dataclass(frozen=True, eq=False, repr=False)
class Scores(NotedTable):
    """Scores of reps on dates: ``.table`` (a DataFrame), ``.notes`` (what was left out) and
    ``.config`` (the settings they were scored with; ``None`` for scores made elsewhere).

    ``.table`` has the columns ``rep_id, date, brand, people, insights, relationships, ssi,
    industry_rank_pct, team_rank_pct`` (and, with ``details=True``, ``<metric>_value`` and
    ``<metric>_score`` per metric), one row per rep and date, sorted by rep and date. Scores
    made elsewhere (another tool, a warehouse) are :meth:`from_frame`.
    """

    config: ScoringConfig | None = None

    @classmethod
    def from_frame(cls, data: Scores | pd.DataFrame, *, config: ScoringConfig | None = None,
                   notes: tuple[str, ...] = ()) -> Scores:
        """Scores from a DataFrame with ``rep_id, date, ssi`` and the four pillars (a
        :class:`Scores` is returned as it is); an error names what is missing.

        >>> t = pd.DataFrame({"rep_id": ["a"], "date": ["2026-03-31"], "ssi": [40.0],
        ...                   "brand": [10.0], "people": [10.0], "insights": [10.0],
        ...                   "relationships": [10.0]})
        >>> Scores.from_frame(t).on()["ssi"].tolist()
        [40.0]
        """
        if isinstance(data, Scores):
            return data
        if not isinstance(data, pd.DataFrame):
            raise SSIInputError(f"scores must be a DataFrame or Scores, got "
                                f"{type(data).__name__}", fix="pass ssi_analysis.score(...)")
        missing = [c for c in ("rep_id", "date", "ssi", *PILLARS) if c not in data]
        if missing:
            raise SSIInputError(f"the scores have no column {', '.join(map(repr, missing))}",
                                column=missing[0],
                                fix="pass ssi_analysis.score(...), or a table with rep_id, "
                                    "date, ssi and the four pillars")
        table = data.assign(rep_id=data["rep_id"].astype(str),
                            date=pd.to_datetime(data["date"]).dt.normalize())
        check_one_row_per_rep_and_date(table, what="the scores",
                                       fix="keep one row per rep and date")
        return cls(table.reset_index(drop=True), notes=notes, config=config)

    @property
    def dates(self) -> pd.DatetimeIndex:
        """The dates scored, sorted."""
        return pd.DatetimeIndex(pd.unique(self.table["date"])).sort_values()

    def on(self, date: object = None) -> pd.DataFrame:
        """The rows of one date (default: the last date scored): one row per rep.

        Raises :class:`SSIDataError` when no rep was scored on that date.
        """
        dates = self.dates
        if not len(dates):
            raise SSIDataError("the scores are empty")
        day = dates[-1] if date is None else pd.Timestamp(date).normalize()
        rows = self.table[self.table["date"] == day]
        if rows.empty:
            raise SSIDataError(f"the scores have no rows on {day:%Y-%m-%d} (they run from "
                               f"{dates[0]:%Y-%m-%d} to {dates[-1]:%Y-%m-%d})",
                               fix="score as of that date (score(..., asof=DATE)) or every "
                                   "day (score(..., daily=True))")
        return rows.reset_index(drop=True)

    def describe_table(self) -> str:
        t, dates = self.table, self.dates
        n_reps = t["rep_id"].nunique() if len(t) else 0
        if len(dates) == 1:
            what = f"{n_reps} reps as of {dates[0]:%Y-%m-%d}"
        elif len(dates):
            what = (f"{n_reps} reps on {len(dates)} dates, {dates[0]:%Y-%m-%d} to "
                    f"{dates[-1]:%Y-%m-%d} ({len(t)} rows)")
        else:
            what = "no rows"
        if self.config is not None:
            what += f"; {self.config.mode} mode, {self.config.window_days}-day window"
        return what


def check_one_row_per_rep_and_date(table: pd.DataFrame, *, what: str, fix: str) -> None:
    """Raise :class:`SSIInputError` naming the first rep and date ``table`` (with text
    ``rep_id`` and normalised ``date``) has several rows for."""
    dup = table.duplicated(["rep_id", "date"])
    if dup.any():
        r = table.loc[dup].iloc[0]
        raise SSIInputError(f"{what} have several rows for rep '{r['rep_id']}' on "
                            f"{r['date']:%Y-%m-%d}", column="date", fix=fix)
