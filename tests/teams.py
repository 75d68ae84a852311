"""Small data folders of a given shape: how many reps, industries, teams, outcome periods, what
activity, and whether LinkedIn's reported SSI or a CRM export is there.

Used by the tests of degenerate teams (one rep, one industry, one period, identical scores, no
activity at all) and of outputs (a small folder every command can run on in a second).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

METRICS = ("posts", "people_searches", "comments", "connection_requests_sent",
           "connection_requests_accepted", "profile_completeness")


@dataclass(frozen=True)
class Shape:
    """A team's shape. ``activity``: ``varied`` (counts differ by rep), ``identical`` (every
    rep the same: identical scores), ``zero`` (every count 0: every score 0), ``none`` (a header
    and no row). ``outcomes``: ``varied`` (bookings differ by rep and period) or ``identical``
    (every rep-period the same attainment)."""

    reps: int
    industries: int = 1
    teams: int = 1
    periods: int = 1
    activity: str = "varied"
    observed: bool = False
    raw: bool = False               # opportunities and quotas in place of outcomes
    industry_column: bool = True
    outcomes: str = "varied"

    @property
    def name(self) -> str:
        return (f"r{self.reps}-i{self.industries if self.industry_column else 'x'}"
                f"-t{self.teams}-p{self.periods}-{self.activity}"
                + ("-obs" if self.observed else "") + ("-raw" if self.raw else "")
                + ("-same-outcomes" if self.outcomes == "identical" else ""))


def team_folder(path: Path, shape: Shape) -> Path:
    """Write a data folder of ``shape`` to ``path`` (activity as Parquet, the rest CSV): 183
    days of activity (rows every third day, the last a few days before the first outcome
    period: the report scores the days past the activity too), then monthly outcome periods."""
    path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(shape.reps * 7 + shape.periods)
    ids = [f"R{i + 1}" for i in range(shape.reps)]
    reps = pd.DataFrame({"rep_id": ids, "team": [f"T{i % shape.teams}" for i in range(shape.reps)],
                         "region": "EMEA",
                         "tenure_months": [12 + 3 * i for i in range(shape.reps)]})
    if shape.industry_column:
        reps.insert(2, "industry", [f"I{i % shape.industries}" for i in range(shape.reps)])
    reps.to_csv(path / "reps.csv", index=False)
    days = pd.date_range("2025-10-01", "2026-03-31")[::3]       # every third day to 30 March
    rows = []
    if shape.activity != "none":
        for i, rep in enumerate(ids):
            for day in days:
                for metric in METRICS:
                    level = metric == "profile_completeness"
                    value = {"zero": 0.0,
                             "identical": 0.8 if level else 2.0,
                             "varied": min(1.0, 0.5 + 0.1 * i) if level
                             else float(rng.poisson(1 + i))}[shape.activity]
                    rows.append((rep, day, metric, value))
    activity = pd.DataFrame(rows, columns=["rep_id", "date", "metric", "value"])
    activity["date"] = pd.to_datetime(activity["date"])
    activity.to_parquet(path / "activity.parquet", index=False)
    starts = pd.date_range("2026-04-01", periods=shape.periods, freq="MS")
    ends = [(s + pd.offsets.MonthEnd(0)).date() for s in starts]
    if shape.raw:
        pd.DataFrame([(rep, f"O{rep}-{k}", "2026-04-02", "2026-04-20", "Closed Won", 1000 + k)
                      for rep in ids for k in range(2)],
                     columns=["owner", "opportunity_id", "created_date", "close_date", "stage",
                              "amount"]).to_csv(path / "opportunities.csv", index=False)
        pd.DataFrame([(rep, s.date(), e, 2000) for rep in ids for s, e in zip(starts, ends, strict=True)],
                     columns=["rep_id", "period_start", "period_end", "quota"]
                     ).to_csv(path / "quotas.csv", index=False)
    else:
        same = shape.outcomes == "identical"
        pd.DataFrame([(rep, s.date(), e, 10000.0,
                       8000.0 if same else 5000.0 + 1000 * i + 700 * k, 3 if same else 3 + i, 1)
                      for i, rep in enumerate(ids)
                      for k, (s, e) in enumerate(zip(starts, ends, strict=True))],
                     columns=["rep_id", "period_start", "period_end", "quota", "bookings",
                              "opportunities", "deals_won"]).to_csv(path / "outcomes.csv",
                                                                    index=False)
    if shape.observed:
        pd.DataFrame([(rep, day.date(), 30.0 + i, 8.0, 7.0, 6.0, 9.0 + i)
                      for i, rep in enumerate(ids) for day in days[::5]],
                     columns=["rep_id", "date", "ssi", "brand", "people", "insights",
                              "relationships"]).to_csv(path / "ssi_observed.csv", index=False)
    return path
