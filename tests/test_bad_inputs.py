"""The bad-input catalogue: every kind of messy file an export gives, and what the toolkit does.

Each case is a row of ``CATALOGUE``: the input files (as text, or a writer for Excel and
Parquet), the kind of handling, fragments the message, reason, warning or note must contain,
and the row accounting (rows read, used, rejected per table). The kinds:

``error``
    the run stops with a message naming the file (and column or rows) and the fix;
``rejected``
    the rows are rejected with a reason (listed in the rejects, counted), the rest is used;
``repair``
    a documented repair is made and said in a ``warning:`` line;
``flagged``
    the row is kept under a documented rule (a bad optional cell left empty) and flagged;
``accepted``
    read as documented (a note says so where there is something to know), nothing lost.

Every case is also run through ``ssi-analysis validate``, whose output must say what is wrong,
where (file, column, rows) and what to do, without ever printing a rep's name (``reps.csv``
names the first rep Zebulon Quaxwell); the cases of long-form activity are also run through the
DuckDB engine, which must reject, repair and count exactly as ``load_data`` does. The rules are
documented in data/README.md ("What happens to bad data").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
from conftest import write_folder

from ssi_analysis import load_data, score
from ssi_analysis.cli import main
from ssi_analysis.config import load_config
from ssi_analysis.errors import SSIConfigError, SSIError

NAME = ("Zebulon", "Quaxwell")
REPS = ("rep_id,rep_name,team,industry\nR001,Zebulon Quaxwell,T1,Software\n"
        "R002,Ada Brook,T1,Software\nR003,Cy Dunn,T2,Retail\n")
ACT_HEAD = "rep_id,date,metric,value\n"
ACT_ROWS = ("R001,2026-01-05,posts,2\nR001,2026-01-05,people_searches,3\n"
            "R002,2026-01-06,comments,1\nR002,2026-01-06,colleague_connections,1\n")
ACT = ACT_HEAD + ACT_ROWS           # one metric of each pillar; R003 has no activity
OUT_HEAD = "rep_id,period_start,period_end,quota,bookings,opportunities\n"
OUT = OUT_HEAD + "R001,2026-04-01,2026-04-30,1000,500,3\nR002,2026-04-01,2026-04-30,1000,1200,4\n"
OPPS = ("owner,opportunity_id,created_date,close_date,stage,amount\n"
        "R001,O1,2026-04-02,2026-04-20,Closed Won,1000\nR002,O2,2026-04-03,2026-04-21,Closed Lost,50\n")
QUOTAS = ("rep_id,period_start,period_end,quota\nR001,2026-04-01,2026-04-30,2000\n"
          "R002,2026-04-01,2026-04-30,2000\n")
OBS_HEAD = "rep_id,date,ssi,brand,people,insights,relationships\n"


def rows(read: int, used: int, rejected: int) -> tuple[int, int, int]:
    return read, used, rejected


@dataclass(frozen=True)
class Case:
    """One bad input and its expected handling (see the module docstring)."""

    id: str
    files: dict[str, str | bytes | Callable]
    kind: str
    fragments: tuple[str, ...]
    accounting: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    check: Callable | None = None
    config: str | None = None
    mapping: str | None = None


def _xlsx_sheets(folder):
    with pd.ExcelWriter(folder / "reps.xlsx") as xl:
        pd.DataFrame({"note": ["exported 2026-01-31"]}).to_excel(xl, sheet_name="About",
                                                                 index=False)
        pd.read_csv(pd.io.common.StringIO(REPS)).to_excel(xl, sheet_name="Team list",
                                                          index=False)


def _xlsx_named(folder):
    with pd.ExcelWriter(folder / "reps.xlsx") as xl:
        pd.DataFrame({"x": [1]}).to_excel(xl, sheet_name="Pivot", index=False)
        pd.read_csv(pd.io.common.StringIO(REPS)).to_excel(xl, sheet_name="Reps", index=False)


def _zip_not_a_workbook(folder):
    import zipfile

    with zipfile.ZipFile(folder / "reps.xlsx", "w") as zf:
        zf.writestr("a.txt", "hi")


SF_FOOTER = ('\n\n"Grand Totals (2 records)"\n\n"Confidential Information - Do Not Distribute"\n'
             '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."\n')
"""The lines a Salesforce report export ends with, after the data."""


def _activity_value(b, rep, metric):
    a = b.activity
    return a.loc[(a.rep_id == rep) & (a.metric == metric), "value"].sum()


CATALOGUE = [
    # ------------------------------------------------------------ encodings and formats
    Case("utf8-bom", {"reps": "\ufeff" + REPS, "activity": "\ufeff" + ACT}, "accepted", (),
         {"reps": rows(3, 3, 0), "activity": rows(4, 4, 0)},
         check=lambda b: b.reps.rep_id.tolist() == ["R001", "R002", "R003"]),
    Case("latin-1", {"reps": REPS.replace("Ada Brook", "Ada Müller").encode("latin-1"),
                     "activity": ACT}, "accepted", ("not UTF-8; read as Latin-1",),
         {"reps": rows(3, 3, 0)}, check=lambda b: "Ada Müller" in set(b.reps.rep_name)),
    Case("semicolon-decimal-comma",
         {"reps": REPS, "activity": (ACT_HEAD + ACT_ROWS).replace(",", ";").replace(";2\n", ";2,5\n")},
         "accepted", ("semicolon-delimited; numbers read with decimal comma",),
         {"activity": rows(4, 4, 0)}, check=lambda b: _activity_value(b, "R001", "posts") == 2.5),
    Case("semicolon-dot-is-a-decimal-point-when-the-column-says-so",   # the 20.998 bug
         {"reps": REPS, "activity": ACT,
          "ssi_observed": "rep_id;date;field;value\n" + "".join(
              f"R001;19.05.2026;{f};{v}\n" for f, v in (("SSI", "53"), ("brand", "20.998"),
                                                        ("people", "6.4"), ("insights", "10.25"),
                                                        ("relationships", "15")))},
         "accepted", ("semicolon-delimited",), {"ssi_observed": rows(5, 5, 0)},
         check=lambda b: b.ssi_observed[["brand", "people"]].values.tolist() == [[20.998, 6.4]]),
    Case("semicolon-dot-groups-thousands-when-the-column-says-so",
         {"reps": REPS, "activity": ACT,
          "outcomes": (OUT_HEAD.replace(",", ";") + "R001;01.04.2026;30.04.2026;12.000;1.234,50;3\n"
                       "R002;01.04.2026;30.04.2026;10.000;500,25;2\n")},
         "accepted", (), {"outcomes": rows(2, 2, 0)},
         check=lambda b: b.outcomes.quota.tolist() == [12000.0, 10000.0]
         and b.outcomes.bookings.tolist() == [1234.5, 500.25]),
    Case("semicolon-both-marks-is-ambiguous",
         {"reps": REPS, "activity": ACT_HEAD.replace(",", ";") + (
             "R001;2026-01-05;posts;1,5\nR001;2026-01-05;people_searches;2.5\n"
             "R002;2026-01-06;comments;1.250\nR002;2026-01-06;colleague_connections;1\n")},
         "rejected", ("value '1.250' is ambiguous", "1250 or 1.250"),
         {"activity": rows(4, 3, 1)}),
    Case("excel-several-sheets", {"reps": _xlsx_sheets, "activity": ACT}, "accepted",
         ("2 sheets and none named 'reps'", "read sheet 'Team list'"), {"reps": rows(3, 3, 0)}),
    Case("excel-sheet-named-after-the-table", {"reps": _xlsx_named, "activity": ACT},
         "accepted", (), {"reps": rows(3, 3, 0)}),
    Case("table-in-two-formats", {"reps": REPS, "activity": ACT,
                                  "reps.parquet": lambda f: pd.read_csv(f / "reps.csv")
                                  .to_parquet(f / "reps.parquet")},
         "error", ("the reps table is there in 2 files", "keep one file per table")),
    Case("empty-file", {"reps": REPS, "activity": ""}, "error",
         ("activity.csv", "the file is empty", "export the activity table again")),
    Case("header-only", {"reps": REPS, "activity": ACT_HEAD}, "error",
         ("activity.csv", "has a header but no rows")),
    Case("missing-required-column", {"reps": REPS, "activity": ACT.replace("date,", "day,", 1)},
         "error", ("activity.csv", "column 'date'", "required column date missing",
                   "rename 'day' to 'date'")),
    # ------------------------------------------------------------ dates
    Case("mixed-date-formats", {"reps": REPS, "activity": ACT_HEAD + (
        "R001,2026-01-05,posts,2\nR001,06/01/2026,people_searches,3\n"
        "R002,25/01/2026,comments,1\nR002,2026-01-06,colleague_connections,1\n")},
         "accepted", (), {"activity": rows(4, 4, 0)},
         check=lambda b: sorted(b.activity.date.dt.strftime("%Y-%m-%d")) ==
         ["2026-01-05", "2026-01-06", "2026-01-06", "2026-01-25"]),
    Case("ambiguous-dates", {"reps": REPS, "activity": ACT_HEAD + (
        "R001,05/01/2026,posts,2\nR001,06/02/2026,people_searches,3\n"
        "R002,05/01/2026,comments,1\nR002,06/02/2026,colleague_connections,1\n")},
         "error", ("activity.csv", "column 'date'", "read both as day/month and month/day",
                   "write dates as YYYY-MM-DD")),
    Case("day-first-and-month-first-in-one-column", {"reps": REPS, "activity": ACT_HEAD + (
        "R001,25/01/2026,posts,2\nR001,01/25/2026,people_searches,3\n"
        "R002,2026-01-06,comments,1\nR002,2026-01-06,colleague_connections,1\n")},
         "rejected", ("date is not a date",), {"activity": rows(4, 3, 1)}),
    Case("timezone-aware-timestamps", {"reps": REPS, "activity": ACT_HEAD + (
        "R001,2026-01-05T23:30:00+02:00,posts,2\nR001,2026-01-05T01:00:00-08:00,people_searches,3\n"
        "R002,2026-01-06 09:00:00Z,comments,1\nR002,2026-01-06,colleague_connections,1\n")},
         "accepted", (), {"activity": rows(4, 4, 0)},   # the local date as written is kept
         check=lambda b: sorted(b.activity.date.dt.strftime("%Y-%m-%d")) ==
         ["2026-01-05", "2026-01-05", "2026-01-06", "2026-01-06"]),
    Case("future-date", {"reps": REPS, "activity": ACT + "R001,2099-01-05,posts,1\n"},
         "rejected", ("date in the future (2099-01-05", "a typo?"), {"activity": rows(5, 4, 1)}),
    Case("placeholder-date-before-linkedin", {"reps": REPS,
                                              "activity": ACT + "R001,1900-01-01,posts,1\n"},
         "rejected", ("date before LinkedIn existed (1900-01-01",), {"activity": rows(5, 4, 1)}),
    Case("unreadable-date", {"reps": REPS, "activity": ACT + "R001,someday,posts,1\n"},
         "rejected", ("date is not a date",), {"activity": rows(5, 4, 1)}),
    # ------------------------------------------------------------ ids
    Case("spaces-around-ids", {"reps": REPS.replace("R002,", " R002 ,"),
                               "activity": ACT.replace("R001,", "  R001,")},
         "accepted", (), {"reps": rows(3, 3, 0), "activity": rows(4, 4, 0)},
         check=lambda b: set(b.activity.rep_id) == {"R001", "R002"}),
    Case("id-in-another-letter-case", {"reps": REPS, "activity": ACT.replace("R002,", "r002,")},
         "repair", ("2 row(s) name a rep_id written otherwise than in reps",
                    "'r002' for 'R002': in another letter case"),
         {"activity": rows(4, 4, 0)}, check=lambda b: set(b.activity.rep_id) == {"R001", "R002"}),
    Case("case-that-matches-two-reps", {"reps": REPS + "r002,Eve Fox,T2,Retail\n",
                                        "activity": ACT + "R002,2026-01-07,posts,1\n"
                                                          "r002,2026-01-07,posts,1\n"
                                                          "r002,2026-01-07,likes,1\n"},
         "accepted", (), {"activity": rows(7, 7, 0)},        # exact ids: two distinct reps
         check=lambda b: _activity_value(b, "r002", "posts") == 1),
    Case("case-repaired-only-where-one-rep-fits", {"reps": REPS + "r002,Eve Fox,T2,Retail\n",
                                                   "activity": ACT + "R002 ,2026-01-07,posts,1\n"
                                                                     "r002,2026-01-07,likes,1\n"
                                                                     "r003,2026-01-07,posts,1\n"},
         "repair", ("1 row(s)", "'r003' for 'R003'"), {"activity": rows(7, 7, 0)},
         check=lambda b: _activity_value(b, "r002", "likes") == 1),
    Case("case-differences-only-between-two-reps-ids", {
        "reps": REPS + "Ab,Eve Fox,T2,Retail\nAB,Gil Hu,T2,Retail\n",
        "activity": ACT + "ab,2026-01-07,posts,1\n"},
         "rejected", ("rep_id 'ab' is not in reps",
                      "several reps differ from it only in letter case"),
         {"activity": rows(5, 4, 1)}),
    Case("numeric-ids-with-leading-zeros", {"reps": REPS.replace("R003", "007"),
                                            "activity": ACT + "007,2026-01-07,posts,1\n"},
         "accepted", (), {"activity": rows(5, 5, 0)},
         check=lambda b: "007" in set(b.reps.rep_id) and "007" in set(b.activity.rep_id)),
    Case("leading-zeros-dropped-by-a-spreadsheet", {"reps": REPS.replace("R003", "007"),
                                                    "activity": ACT + "7,2026-01-07,posts,1\n"},
         "repair", ("'7' for '007'",), {"activity": rows(5, 5, 0)},
         check=lambda b: "7" not in set(b.activity.rep_id)),
    Case("unknown-rep", {"reps": REPS, "activity": ACT + "GHOST,2026-01-07,posts,1\n"},
         "rejected", ("rep_id 'GHOST' is not in reps",), {"activity": rows(5, 4, 1)}),
    Case("duplicate-reps", {"reps": REPS + "R002,Ada Brook,T1,Software\n", "activity": ACT},
         "error", ("reps.csv", "column 'rep_id'", "rows 3, 5", "rep_id must be unique",
                   "keep one row per rep")),
    Case("missing-rep-id-in-reps", {"reps": REPS + ",Nobody,T1,Software\n", "activity": ACT},
         "rejected", ("missing rep_id",), {"reps": rows(4, 3, 1)}),
    # ------------------------------------------------------------ values
    Case("missing-tokens", {"reps": REPS.replace("T2,Retail", "-,N/A"), "activity": ACT + (
        "R001,2026-01-07,posts,N/A\nR001,2026-01-07,likes,-\nR001,2026-01-07,comments,\n")},
         "rejected", ("missing value",), {"reps": rows(3, 3, 0), "activity": rows(7, 4, 3)},
         check=lambda b: b.reps.set_index("rep_id").loc["R003", ["team", "industry"]]
         .isna().all()),
    Case("not-a-number", {"reps": REPS, "activity": ACT + "R001,2026-01-07,posts,lots\n"},
         "rejected", ("value is not a number",), {"activity": rows(5, 4, 1)}),
    Case("infinity", {"reps": REPS, "activity": ACT + "R001,2026-01-07,posts,inf\n"},
         "rejected", ("value must be finite",), {"activity": rows(5, 4, 1)}),
    Case("huge-count", {"reps": REPS, "activity": ACT + "R001,2026-01-07,post_views,1e12\n"
                                                        "R001,2026-01-08,post_views,9000000\n"},
         "rejected", ("value above the ceiling of 10,000,000 a row",),
         {"activity": rows(6, 5, 1)}),
    Case("negative-count", {"reps": REPS, "activity": ACT + "R001,2026-01-07,posts,-1\n"},
         "rejected", ("negative value (-1.0)",), {"activity": rows(5, 4, 1)}),
    Case("unknown-metric", {"reps": REPS, "activity": ACT + "R001,2026-01-07,post,1\n"},
         "rejected", ("unknown metric 'post'", "did you mean 'posts'?"),
         {"activity": rows(5, 4, 1)}),
    Case("exact-duplicate-activity-rows-are-summed", {"reps": REPS, "activity": ACT + (
        "R001,2026-01-05,posts,2\n")}, "accepted", (), {"activity": rows(5, 5, 0)},
         check=lambda b: _activity_value(b, "R001", "posts") == 4),   # events: both count
    Case("percent-where-a-share-is-expected", {"reps": REPS, "activity": ACT + (
        "R001,2026-01-05,profile_completeness,85\nR002,2026-01-05,profile_completeness,60\n"
        "R003,2026-01-05,profile_completeness,100\n")},
         "repair", ("profile_completeness is on a 0-100 scale", "divided by 100"),
         {"activity": rows(7, 7, 0)},
         check=lambda b: _activity_value(b, "R001", "profile_completeness") == 0.85),
    Case("a-single-share-above-1", {"reps": REPS, "activity": ACT + (
        "R001,2026-01-05,profile_completeness,0.8\nR002,2026-01-05,profile_completeness,1.4\n")},
         "rejected", ("a level must be within 0..1",), {"activity": rows(6, 5, 1)}),
    Case("wide-activity-with-an-unknown-column", {"reps": REPS, "activity": (
        "rep_id,date,posts,people_searches,comments,colleague_connections,mood\n"
        "R001,2026-01-05,2,3,,,happy\nR002,2026-01-06,,,1,1,\n")},
         "accepted", ("'mood' are not known metrics and were not used",),
         {"activity": rows(2, 2, 0)}),
    Case("wide-activity-with-a-bad-cell", {"reps": REPS, "activity": (
        "rep_id,date,posts,people_searches,comments,colleague_connections\n"
        "R001,2026-01-05,2,3,,\nR002,2026-01-06,,,1,x\n")},
         "rejected", ("colleague_connections is not a number",), {"activity": rows(2, 1, 1)}),
    Case("reps-with-no-activity-are-scored", {"reps": REPS, "activity": ACT}, "accepted", (),
         {"reps": rows(3, 3, 0)},
         check=lambda b: (s := score(b.activity, b.reps).table).rep_id.tolist()
         == ["R001", "R002", "R003"]
         and s.set_index("rep_id").loc["R003", "ssi"] == 0.0),
    Case("bad-optional-cell-of-a-rep", {"reps": "rep_id,rep_name,tenure_months,hire_date\n"
                                                "R001,Zebulon Quaxwell,twelve,2020-01-01\n"
                                                "R002,Ada Brook,-3,sometime\n", "activity": ACT},
         "flagged", ("tenure_months is not a number (left empty; the rep is kept)",
                     "negative tenure_months", "hire_date is not a date"),
         {"reps": rows(2, 2, 0), "activity": rows(4, 4, 0)},
         check=lambda b: b.reps.tenure_months.isna().all() and b.reps.hire_date.isna().tolist()
         == [False, True]),
    # ------------------------------------------------------------ outcomes, CRM, snapshots
    Case("period-end-before-start", {"reps": REPS, "activity": ACT, "outcomes": OUT + (
        "R003,2026-04-30,2026-04-01,1000,500,3\n")}, "rejected",
         ("period_end is before period_start",), {"outcomes": rows(3, 2, 1)}),
    Case("overlapping-periods", {"reps": REPS, "activity": ACT, "outcomes": OUT + (
        "R001,2026-04-15,2026-05-14,1000,500,3\n")}, "rejected",
         ("period overlaps another of the same rep (rows 2, 4)",), {"outcomes": rows(3, 1, 2)}),
    Case("repeated-period", {"reps": REPS, "activity": ACT, "outcomes": OUT + (
        "R001,2026-04-01,2026-04-30,1000,500,3\n")}, "rejected",
         ("duplicate of row 2 (same rep and period)",), {"outcomes": rows(3, 2, 1)}),
    Case("quota-not-above-zero", {"reps": REPS, "activity": ACT, "outcomes": OUT + (
        "R003,2026-04-01,2026-04-30,0,500,3\nR003,2026-05-01,2026-05-31,-5,500,3\n")},
         "rejected", ("quota must be above 0",), {"outcomes": rows(4, 2, 2)}),
    Case("negative-bookings-are-refunds", {"reps": REPS, "activity": ACT, "outcomes": OUT + (
        "R003,2026-04-01,2026-04-30,1000,-250,1\n")}, "accepted", (),
         {"outcomes": rows(3, 3, 0)}, check=lambda b: b.outcomes.bookings.min() == -250),
    Case("quota-sheet-overlaps", {"reps": REPS, "activity": ACT, "opportunities": OPPS,
                                  "quotas": QUOTAS + "R001,2026-04-15,2026-05-14,2000\n"},
         "rejected", ("quota period overlaps another of the same rep",),
         {"quotas": rows(3, 1, 2)}),
    Case("quota-sheet-zero-and-text-amounts", {"reps": REPS, "activity": ACT,
                                               "opportunities": OPPS, "quotas": (
        "rep_id,period_start,period_end,quota\nR001,2026-04-01,2026-04-30,\"$2,000\"\n"
        "R002,2026-04-01,2026-04-30,0\n")}, "rejected", ("quota must be above 0",),
         {"quotas": rows(2, 1, 1)}, check=lambda b: b.outcomes.quota.tolist() == [2000.0]),
    Case("opportunity-owner-matches-no-rep", {"reps": REPS, "activity": ACT, "quotas": QUOTAS,
                                              "opportunities": OPPS + (
        "Someone Else,O3,2026-04-04,2026-04-22,Closed Won,10\n")}, "rejected",
         ("owner 'Someone Else' matches no rep",), {"opportunities": rows(3, 2, 1)}),
    Case("observed-out-of-range", {"reps": REPS, "activity": ACT, "ssi_observed": OBS_HEAD + (
        "R001,2026-02-02,30,7,6,5,12\nR002,2026-02-02,120,30,30,30,30\n")}, "rejected",
         ("ssi above 100",), {"ssi_observed": rows(2, 1, 1)}),
    Case("observed-unknown-field", {"reps": REPS, "activity": ACT, "ssi_observed": (
        "rep_id,date,field,value\n" + "".join(f"R001,2026-02-02,{f},{v}\n" for f, v in (
            ("ssi", 30), ("brand", 7), ("people", 6), ("insights", 5), ("relationships", 12),
            ("mood", 3))))}, "rejected", ("unknown field 'mood'",),
         {"ssi_observed": rows(6, 5, 1)}),
    Case("repeated-column-name", {"reps": REPS.replace("rep_id,rep_name,team,industry",
                                                       "rep_id,rep_name,team,team"),
                                  "activity": ACT},
         "error", ("column names repeat: team", "give every column a distinct name")),
    Case("utf-16-unicode-text", {"reps": REPS.replace(",", "\t").encode("utf-16"),
                                 "activity": ACT},
         "accepted", ("UTF-16 text",), {"reps": rows(3, 3, 0)},
         check=lambda b: b.reps.rep_id.tolist() == ["R001", "R002", "R003"]),
    Case("file-name-in-capitals", {"reps": lambda f: (f / "Reps.CSV").write_text(REPS),
                                   "activity": ACT}, "accepted", (), {"reps": rows(3, 3, 0)}),
    Case("money-with-three-decimals-is-ambiguous",
         {"reps": REPS, "activity": ACT, "opportunities": OPPS,
          "quotas": QUOTAS.replace(",2000\nR002", ",\"43.000 €\"\nR002")
          .replace("R002,2026-04-01,2026-04-30,2000", "R002,2026-04-01,2026-04-30,2000.50")},
         "rejected", ("amount '43.000 €' is ambiguous", "write 43000 or 43"),
         {"quotas": rows(2, 1, 1)}),
    # ------------------------------------------------------------ every row of a table rejected
    Case("every-activity-row-rejected", {"reps": REPS, "activity": ACT.replace("2026-01-0", "2099-01-0")},
         "error", ("activity.csv", "column 'date'", "every row (4) was rejected",
                   "most common reason: date in the future (4 rows)", "e.g. row 2: date in the "
                   "future (2099-01-05", "correct the date")),
    Case("every-rep-rejected", {"reps": "rep_id,team\n,T1\n-,T2\n", "activity": ACT},
         "error", ("reps.csv", "column 'rep_id'", "every row (2) was rejected",
                   "most common reason: missing rep_id (2 rows)", "fill in the cell")),
    Case("every-outcome-row-rejected", {"reps": REPS, "activity": ACT,
                                        "outcomes": OUT.replace("2026-04-01", "someday")},
         "error", ("outcomes.csv", "every row (2) was rejected",
                   "most common reason: period_start is not a date (2 rows)")),
    # ------------------------------------------------------------ one true reason a row
    Case("unreadable-period-start-is-its-only-reason", {"reps": REPS, "activity": ACT,
                                                        "outcomes": OUT + (
        "R003,someday,2026-04-30,1000,500,3\nR003,2026-05-01,never,1000,500,3\n")},
         "rejected", ("period_start is not a date", "period_end is not a date"),
         {"outcomes": rows(4, 2, 2)},
         check=lambda b: sorted(b.quality.rejects.reason) == ["period_end is not a date",
                                                              "period_start is not a date"]),
    Case("level-with-a-percent-sign", {"reps": REPS, "activity": ACT + (
        "R001,2026-01-05,profile_completeness,85%\nR002,2026-01-05,profile_completeness,0.6\n")},
         "rejected", ("value is not a number (written with a percent sign", "0.85 for 85%"),
         {"activity": rows(6, 5, 1)},
         check=lambda b: ";" not in b.quality.rejects.reason[0]),      # one reason, no level one
    # ------------------------------------------------------------ Excel serial dates
    Case("excel-serial-date-in-a-csv", {"reps": REPS, "activity": ACT + "R001,46027,posts,1\n"},
         "rejected", ("date '46027' looks like an Excel serial date number (46027 = 2026-01-05)",),
         {"activity": rows(5, 4, 1)}),
    Case("excel-serial-date-in-a-general-cell", {
        "reps": lambda f: pd.DataFrame({"rep_id": ["R001", "R002", "R003"],
                                        "hire_date": [46113, "2020-01-01", None]})
        .to_excel(f / "reps.xlsx", index=False), "activity": ACT},
         "flagged", ("hire_date '46113' looks like an Excel serial date number "
                     "(46113 = 2026-04-01)",), {"reps": rows(3, 3, 0)}),
    # ------------------------------------------------------------ category labels
    Case("category-labels-in-another-case-or-with-invisible-characters", {
        "reps": REPS + "R004,Eve Fox,t1,software\nR005,Gil Hu,T2,Software\u200b\n"
                       "R006,Ida Jo, T2 ,\u200bRetail\n", "activity": ACT},
         "repair", ("industry label(s) written another way were merged",
                    "'software' and 'Software<U+200B>' read as 'Software'",
                    "team label(s) written another way were merged"),
         {"reps": rows(6, 6, 0)},
         check=lambda b: b.reps.industry.value_counts().to_dict() == {"Software": 4, "Retail": 2}
         and sorted(set(b.reps.team)) == ["T1", "T2"]),
    # ------------------------------------------------------------ files that are not what they say
    Case("table-in-csv-and-xlsx", {"reps": REPS, "activity": ACT, "outcomes": OUT,
                                   "outcomes.xlsx": lambda f: pd.read_csv(f / "outcomes.csv")
                                   .to_excel(f / "outcomes.xlsx", index=False)},
         "error", ("the outcomes table is there in 2 files: outcomes.csv, outcomes.xlsx",
                   "keep one file per table")),
    Case("xlsx-that-is-csv-text", {"reps": lambda f: (f / "reps.xlsx").write_text(REPS),
                                   "activity": ACT},
         "error", ("reps.xlsx", "not an Excel workbook (it looks like CSV text)",
                   "rename it to reps.csv")),
    Case("xlsx-that-is-another-zip", {"reps": _zip_not_a_workbook, "activity": ACT},
         "error", ("reps.xlsx", "not a valid Excel workbook (a zip archive without a workbook",)),
    Case("binary-bytes-without-a-line-break", {"reps": bytes(range(160, 256)) * 3,
                                               "activity": ACT},
         "error", ("reps.csv", "has a header but no rows", "may not be CSV text")),
    Case("salesforce-report-footer", {"reps": REPS, "activity": ACT, "quotas": QUOTAS,
                                      "opportunities": OPPS + SF_FOOTER},
         "accepted", ("opportunities.csv: 3 footer line(s) after the data skipped",),
         {"opportunities": rows(2, 2, 0)}),
    Case("last-row-with-only-its-first-cell-is-data", {"reps": REPS + "R004,,,\n",
                                                       "activity": ACT},
         "accepted", (), {"reps": rows(4, 4, 0)}),        # no blank line before it: a rep
    Case("outcome-amounts-with-currency-marks", {"reps": REPS, "activity": ACT, "outcomes": (
        OUT_HEAD + "R001,2026-04-01,2026-04-30,\"$1,000\",\"$20,343.97\",3\n"
                   "R002,2026-04-01,2026-04-30,1000,\"($1,200.00)\",4\n")},
         "accepted", (), {"outcomes": rows(2, 2, 0)},
         check=lambda b: b.outcomes.bookings.tolist() == [20343.97, -1200.0]
         and b.outcomes.quota.tolist() == [1000.0, 1000.0]),
    Case("outcome-bookings-and-quotas-in-two-currencies", {"reps": REPS, "activity": ACT,
                                                           "outcomes": (
        OUT_HEAD + "R001,2026-04-01,2026-04-30,$1000,€500,3\n"
                   "R002,2026-04-01,2026-04-30,$1000,€1200,4\n")},
         "error", ("outcomes.csv", "bookings are in EUR but quotas in USD",)),
    # ------------------------------------------------------------ config and mapping files
    Case("config-typo", {"reps": REPS, "activity": ACT}, "error",
         ("unknown key 'window_dayz' in [scoring]", "did you mean 'window_days'?"),
         config="[scoring]\nwindow_dayz = 30\n"),
    Case("config-metric-typo", {"reps": REPS, "activity": ACT}, "error",
         ("unknown key 'halff' in [metrics.posts]", "did you mean 'half'?"),
         config="[metrics.posts]\nhalff = 3\n"),
    Case("config-section-typo", {"reps": REPS, "activity": ACT}, "error",
         ("unknown section [analyis]", "did you mean 'analysis'?"),
         config="[analyis]\nn_resamples = 500\n"),
    Case("config-section-not-a-table", {"reps": REPS, "activity": ACT}, "error",
         ("[scoring] must be a table",), config="scoring = 90\n"),
    Case("mapping-typo", {"reps": REPS, "activity": ACT, "opportunities": OPPS,
                          "quotas": QUOTAS}, "error",
         ("unknown key 'ownr' in [columns]", "did you mean 'owner'?"),
         mapping="[columns]\nownr = \"Owner\"\n"),
]

BY_ID = {c.id: c for c in CATALOGUE}


def test_the_catalogue_is_large_and_covers_every_table():
    assert len(CATALOGUE) >= 30 and len(BY_ID) == len(CATALOGUE)
    tables = {t.split(".")[0] for c in CATALOGUE for t in c.files} | \
        {"config" for c in CATALOGUE if c.config} | {"mapping" for c in CATALOGUE if c.mapping}
    assert {"reps", "activity", "outcomes", "opportunities", "quotas", "ssi_observed", "config",
            "mapping"} <= tables
    assert {c.kind for c in CATALOGUE} == {"error", "rejected", "repair", "flagged", "accepted"}


def build(case: Case, folder) -> dict:
    """Write the case's files into ``folder``; the options to load them with."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in case.files.items():
        if callable(content):
            content(folder)
        elif isinstance(content, bytes):
            (folder / f"{name}.csv").write_bytes(content)
        else:
            write_folder(folder, **{name: content})
    options = {}
    if case.mapping:
        (folder.parent / "mapping.toml").write_text(case.mapping)
        options["mapping"] = str(folder.parent / "mapping.toml")
    if case.config:
        (folder.parent / "config.toml").write_text(case.config)
        options["config"] = str(folder.parent / "config.toml")
    return options


def _load(folder, options):
    if "config" in options:
        load_config(options["config"])
    return load_data(folder, mapping=options.get("mapping"))


@pytest.mark.parametrize("case", CATALOGUE, ids=lambda c: c.id)
def test_catalogue_case(case, tmp_path):
    options = build(case, tmp_path / "data")
    if case.kind == "error":
        with pytest.raises(SSIError) as exc:
            _load(tmp_path / "data", options)
        text = str(exc.value)
        for fragment in case.fragments:
            assert fragment in text, (fragment, text)
        assert exc.value.file and exc.value.fix, text          # where, and what to do
        return
    bundle = _load(tmp_path / "data", options)
    q = bundle.quality
    for table, expected in case.accounting.items():
        t = q.tables[table]
        assert (t.rows_read, t.rows_used, t.rows_rejected) == expected, table
    for t in q.tables.values():
        assert t.rows_read == t.rows_used + t.rows_rejected
    if case.kind == "rejected":
        said = " | ".join([*q.rejects.reason, *q.notes])     # the reason, or a note about them
        for fragment in case.fragments:
            assert fragment in said, (fragment, said)
        assert not q.warnings and not q.rejects.empty
    elif case.kind == "flagged":
        said = " | ".join(q.flags.reason)
        for fragment in case.fragments:
            assert fragment in said, (fragment, said)
        assert q.rejects.empty and sum(t.rows_flagged for t in q.tables.values())
    elif case.kind == "repair":
        assert q.warnings, "a repair is said in a warning"
        warnings = " | ".join(q.warnings)
        for fragment in case.fragments:
            assert fragment in warnings, (fragment, warnings)
    else:
        said = " | ".join(q.notes)
        for fragment in case.fragments:
            assert fragment in said, (fragment, said)
        assert q.rejects.empty and not q.warnings
    if case.check is not None:
        assert case.check(bundle)


@pytest.mark.parametrize("case", CATALOGUE, ids=lambda c: c.id)
def test_validate_says_what_where_and_what_to_do(case, tmp_path, capsys):
    options = build(case, tmp_path / "data")
    args = ["validate", "--data", str(tmp_path / "data")]
    for key in ("config", "mapping"):
        if key in options:
            args += [f"--{key}", options[key]]
    code = main(args)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    for word in NAME:                                       # a rep's name is never printed
        assert word not in text
    if case.kind == "accepted":
        assert code == 0 and "no problems found" in text, text
        return
    for fragment in case.fragments:
        assert fragment in text, (fragment, text)
    if case.kind == "repair":
        assert code == 0 and "warning:" in text
        return
    if case.kind == "flagged":
        assert code == 0 and "kept with a flag" in text and "row 2: rep_id R001" in text
        return
    if case.config or case.mapping:                         # how validate was called: exit 2
        assert code == 2 and "fix:" in text and "did you mean" in text or "must be a table" \
            in text
        return
    assert code == 1 and "fix:" in text
    if case.kind == "rejected":
        table = next(t for t, (_, _, rej) in case.accounting.items() if rej)
        assert f"{table}.csv, column '" in text              # where: file and column
        assert "row " in text and "rejected row(s), by problem" in text   # ... and rows


ACTIVITY_CASES = [c for c in CATALOGUE
                  if set(c.files) == {"reps", "activity"} and isinstance(c.files["activity"], str)
                  and c.files["activity"].startswith("rep_id,date,metric,value")
                  and c.kind != "error" and not c.config]


@pytest.mark.parametrize("case", ACTIVITY_CASES, ids=lambda c: c.id)
def test_the_duckdb_engine_handles_each_case_as_load_data(case, tmp_path):
    from ssi_analysis.engines.duckdb import score_parquet

    build(case, tmp_path / "csv")
    cells = pd.read_csv(tmp_path / "csv" / "activity.csv", dtype=str, keep_default_na=False)
    folder = tmp_path / "pq"
    folder.mkdir()
    for f in (tmp_path / "csv").iterdir():
        if f.stem != "activity":
            (folder / f.name).write_bytes(f.read_bytes())
    cells.to_parquet(folder / "activity.parquet")        # the same cells, as text in Parquet
    bundle = load_data(folder)
    run = score_parquet(folder, daily=True)
    cols = ["table", "file", "row", "rep_id", "column", "value", "reason"]
    pd.testing.assert_frame_equal(
        run.quality.rejects[cols].astype(str).reset_index(drop=True),
        bundle.quality.rejects[cols].astype(str).reset_index(drop=True))
    assert run.quality.lines() == bundle.quality.lines()
    expected = score(bundle.activity, bundle.reps, daily=True).table
    assert np.allclose(run.scores.table["ssi"], expected["ssi"], rtol=1e-12, atol=1e-12)
    assert run.scores.table.rep_id.tolist() == expected.rep_id.tolist()


def test_a_config_error_is_not_a_data_error():
    with pytest.raises(SSIConfigError):
        load_config(BY_ID["config-typo"].config and _write_tmp(BY_ID["config-typo"].config))


def _write_tmp(text: str):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "c.toml"
    path.write_text(text)
    return path


def test_the_day_of_the_run_can_be_pinned(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    build(Case("pinned", {"reps": REPS, "activity": ACT}, "accepted", ()), folder)
    monkeypatch.setenv("SSI_ANALYSIS_TODAY", "2026-01-04")    # the day before the data
    q = load_data(folder).quality
    assert q.tables["activity"].rows_rejected == 2          # 2026-01-06 is two days later
    assert set(q.rejects.reason.str.extract(r"^(date in the future)")[0]) == {"date in the future"}
    monkeypatch.setenv("SSI_ANALYSIS_TODAY", "soon")
    with pytest.raises(SSIConfigError, match="SSI_ANALYSIS_TODAY must be a date"):
        load_data(folder)


# ------------------------------------------------------------------ how the commands handle them
def _run(capsys, *args) -> tuple[int, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    return code, text


def _parquet_folder(case: Case, tmp_path):
    """The case's files with the activity as text cells in Parquet (for the DuckDB engine)."""
    build(case, tmp_path / "csv")
    folder = tmp_path / "pq"
    folder.mkdir()
    for f in (tmp_path / "csv").iterdir():
        if f.stem != "activity":
            (folder / f.name).write_bytes(f.read_bytes())
    pd.read_csv(tmp_path / "csv" / "activity.csv", dtype=str, keep_default_na=False) \
        .to_parquet(folder / "activity.parquet")
    return folder


@pytest.mark.parametrize("other", [
    {"outcomes": OUT_HEAD},                                          # header only
    {"ssi_observed": OBS_HEAD},
    {"opportunities": OPPS + "R001,O9,someday,2026-04-21,Closed Won,5\n", "quotas": QUOTAS},
], ids=["outcomes-header-only", "ssi-observed-header-only", "bad-opportunity-rows"])
@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_score_reads_only_the_tables_it_scores_from(other, engine, tmp_path, capsys):
    case = Case("score", {"reps": REPS, "activity": ACT, **other}, "accepted", ())
    folder = _parquet_folder(case, tmp_path) if engine == "duckdb" else tmp_path / "data"
    if engine == "pandas":
        build(case, folder)
    code, text = _run(capsys, "score", "--data", folder, "--out", tmp_path / "s.csv",
                      "--strict", "--engine", engine)
    assert code == 0 and "wrote 3 scores for 3 reps" in text, text
    if engine == "pandas":
        assert "not read: " in text and "validate checks every table" in text
    assert _run(capsys, "validate", "--data", folder)[0] == 1      # validate checks them all


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
@pytest.mark.parametrize("asof, fragments", [
    ("05/01/2026", ("--asof '05/01/2026' is not a date written YYYY-MM-DD",
                    "2026-01-05 or 2026-05-01")),
    ("2026-02-30", ("--asof '2026-02-30' is not a date", "YYYY-MM-DD")),
])
def test_asof_must_be_an_iso_calendar_day(asof, fragments, engine, tmp_path, capsys):
    case = Case("asof", {"reps": REPS, "activity": ACT}, "accepted", ())
    folder = _parquet_folder(case, tmp_path)
    code, text = _run(capsys, "score", "--data", folder, "--out", tmp_path / "s.csv",
                      "--asof", asof, "--engine", engine)
    assert code == 2
    for fragment in fragments:
        assert fragment in text, text
    assert "activity" not in text and not (tmp_path / "s.csv").exists()   # not a data error


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
@pytest.mark.parametrize("asof, fragment", [
    ("2025-12-01", "the as-of date 2025-12-01 is before the first activity date 2026-01-05: "
                   "every count is 0"),
    ("2026-01-20", "the as-of date 2026-01-20 is after the last activity date 2026-01-06: "
                   "the 90-day window extends 14 day(s) past the data"),
    ("2026-06-01", "starts after the last activity date 2026-01-06: every count is 0"),
    ("2026-01-06", None),
])
def test_asof_outside_the_data_is_warned_of(asof, fragment, engine, tmp_path, capsys):
    case = Case("asof", {"reps": REPS, "activity": ACT}, "accepted", ())
    folder = _parquet_folder(case, tmp_path)
    code, text = _run(capsys, "score", "--data", folder, "--out", tmp_path / "s.csv",
                      "--asof", asof, "--engine", engine)
    assert code == 0
    if fragment is None:
        assert "warning:" not in text
    else:
        line = next(t for t in text.splitlines() if fragment in t)
        assert line.startswith("warning: the "), text
    if "every count is 0" in text:
        assert (pd.read_csv(tmp_path / "s.csv")["ssi"] == 0).all()


@pytest.mark.parametrize("case_id", ["every-activity-row-rejected", "every-rep-rejected",
                                     "excel-serial-dates-everywhere"])
@pytest.mark.parametrize("command", ["validate", "score", "duckdb"])
def test_every_row_rejected_is_said_first(case_id, command, tmp_path, capsys):
    case = BY_ID.get(case_id) or Case(case_id, {"reps": REPS, "activity": ACT_HEAD + (
        "R001,46027,posts,2\nR001,46027,people_searches,3\nR002,46028,comments,1\n")},
                                     "error", ())
    folder = _parquet_folder(case, tmp_path)
    args = (["validate", "--data", folder] if command == "validate" else
            ["score", "--data", folder, "--out", tmp_path / "s.csv",
             "--engine", "duckdb" if command == "duckdb" else "pandas"])
    code, text = _run(capsys, *args)
    assert code == (1 if command == "validate" else 2)
    assert "every row (" in text and "was rejected" in text and "most common reason: " in text
    assert "e.g. row " in text and "fix: " in text
    for consequence in ("absent from the data", "no metric of the", "no reps to score"):
        assert consequence not in text, text
    if case_id == "excel-serial-dates-everywhere":
        assert "looks like an Excel serial date number (46027 = 2026-01-05)" in text
        assert "format the column as a date in Excel" in text
    if command != "validate":                     # the counts read before the run stopped
        assert re.search(r"^reps\.csv: read \d+ rows", text, re.M), text


def test_a_table_in_two_files_is_listed_once(tmp_path, capsys):
    build(BY_ID["table-in-csv-and-xlsx"], tmp_path / "data")
    code, text = _run(capsys, "validate", "--data", tmp_path / "data")
    assert code == 1 and text.count("the outcomes table is there in 2 files") == 1, text


def test_data_that_is_a_file(tmp_path, capsys):
    build(Case("f", {"reps": REPS, "activity": ACT}, "accepted", ()), tmp_path / "data")
    for command in (["validate"], ["score", "--out", tmp_path / "s.csv"],
                    ["score", "--out", tmp_path / "s.csv", "--engine", "duckdb"]):
        code, text = _run(capsys, *command, "--data", tmp_path / "data" / "reps.csv")
        assert code in (1, 2) and "this is a file, not a folder" in text, text
        assert "does not exist" not in text


def test_a_stock_salesforce_export_passes_strict(tmp_path, capsys):
    build(BY_ID["salesforce-report-footer"], tmp_path / "data")
    code, text = _run(capsys, "outcomes", "--data", tmp_path / "data", "--out",
                      tmp_path / "o.csv", "--strict")
    assert code == 0 and "3 footer line(s) after the data skipped" in text, text
    assert "opportunities.csv: read 2 rows, used 2" in text


@pytest.mark.parametrize("problem", ["config", "no-data", "bad-data"])
def test_report_creates_nothing_after_a_fatal_error(problem, tmp_path, capsys):
    build(BY_ID["every-activity-row-rejected"], tmp_path / "bad")
    (tmp_path / "c.toml").write_text("[scoring]\nwindow_dayz = 30\n")
    data = {"config": "example", "no-data": tmp_path / "nowhere", "bad-data": tmp_path / "bad"}
    args = ["report", "--data", data[problem], "--out", tmp_path / "out" / "deep" / "r.pdf"]
    if problem == "config":
        args += ["--config", tmp_path / "c.toml"]
    code, _ = _run(capsys, *args)
    assert code == 2 and not (tmp_path / "out").exists()
