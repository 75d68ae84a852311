"""Every command that reads data says, per table, how many rows it read, used and rejected, and
the numbers reconcile: read = used + rejected, and they are the loader's own counts.

The report's appendix is checked in tests/test_report.py (on the PDF it builds once).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_folder

from ssi_analysis import load_data
from ssi_analysis.cli import main
from ssi_analysis.simulate import simulate, write_data_folder

LINE = re.compile(r"^(?P<file>[^\s:]+): read (?P<read>\d+) rows, used (?P<used>\d+)"
                  r"(?:, rejected (?P<rejected>\d+) of (?P<of>\d+))?", re.M)

REPS = "rep_id,team,industry\nR001,T1,Software\nR002,T1,Software\nR003,T2,Retail\n"
ACT = ("rep_id,date,metric,value\nR001,2026-01-05,posts,2\nR001,2026-01-05,people_searches,3\n"
       "R002,2026-01-06,comments,1\nR002,2026-01-06,colleague_connections,1\n"
       "R001,2026-01-07,posts,-1\nGHOST,2026-01-07,posts,1\nR002,2099-01-01,likes,1\n"
       "R003,2026-01-08,post,1\nr003,2026-01-08,likes,2\n")
OPPS = ("owner,opportunity_id,created_date,close_date,stage,amount\n"
        "R001,O1,2026-04-02,2026-04-20,Closed Won,1000\nR002,O2,2026-04-03,2026-04-21,Lost,50\n"
        "Nobody,O3,2026-04-04,2026-04-22,Closed Won,10\nR001,O1,2026-04-02,2026-04-20,"
        "Closed Won,1000\n")
QUOTAS = ("rep_id,period_start,period_end,quota\nR001,2026-04-01,2026-04-30,2000\n"
          "R002,2026-04-01,2026-04-30,0\nR003,2026-04-01,2026-04-30,1500\n")


def counts(text: str) -> dict[str, tuple[int, int, int]]:
    """Per file as printed: (read, used, rejected), checking each line reconciles."""
    out = {}
    for m in LINE.finditer(text):
        read, used = int(m["read"]), int(m["used"])
        rejected = int(m["rejected"] or 0)
        assert read == used + rejected and (m["of"] is None or int(m["of"]) == read), m[0]
        out[m["file"]] = (read, used, rejected)
    return out


def expected(folder, **options) -> dict[str, tuple[int, int, int]]:
    q = load_data(folder, **options).quality
    return {t.file: (t.rows_read, t.rows_used, t.rows_rejected) for t in q.tables.values()}


@pytest.fixture
def raw(tmp_path) -> Path:
    return Path(write_folder(tmp_path / "raw", reps=REPS, activity=ACT, opportunities=OPPS,
                             quotas=QUOTAS))


def test_validate(raw, capsys):
    assert main(["validate", "--data", str(raw)]) == 1
    text = capsys.readouterr().out
    got = counts(text)
    assert got == expected(raw) and set(got) == {"reps.csv", "activity.csv",
                                                 "opportunities.csv", "quotas.csv"}
    rejected = sum(r for _, _, r in got.values())
    assert f"{rejected} rejected row(s), by problem" in text
    groups = re.findall(r"^- .*?: (\d+) rows? \(", text, re.M)
    assert sum(map(int, groups)) == rejected            # every rejected row in one group


def test_score_pandas_engine(raw, tmp_path, capsys):
    out = tmp_path / "s.csv"
    assert main(["score", "--data", str(raw), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    got = counts(text)
    # score reads what it scores from; the other tables are named as not read
    assert got == expected(raw, tables=("reps", "activity"))
    assert set(got) == {"reps.csv", "activity.csv"}
    assert "not read: opportunities.csv, quotas.csv" in text
    total_read = sum(r for r, _, _ in got.values())
    total_rejected = sum(r for _, _, r in got.values())
    assert f"rejected {total_rejected} of {total_read} rows" in text
    assert len(pd.read_csv(out.with_name("s.rejects.csv"))) == total_rejected


def test_score_duckdb_engine(tmp_path, capsys):
    folder = Path(write_folder(tmp_path / "pq", reps=REPS + ",T3,Retail\n", activity=ACT))
    pd.read_csv(folder / "activity.csv", dtype=str).to_parquet(folder / "activity.parquet")
    (folder / "activity.csv").unlink()
    out = tmp_path / "d.csv"
    assert main(["score", "--data", str(folder), "--out", str(out), "--engine", "duckdb"]) == 0
    text = capsys.readouterr().out
    got = counts(text)
    assert got == expected(folder) == {"reps.csv": (4, 3, 1), "activity.parquet": (9, 5, 4)}
    assert "rejected 5 of 13 rows" in text
    assert len(pd.read_csv(out.with_name("d.rejects.csv"))) == 5   # reps' and activity's


def test_outcomes(raw, tmp_path, capsys):
    out = tmp_path / "o.csv"
    assert main(["outcomes", "--data", str(raw), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    got = counts(text)
    assert got == expected(raw)
    opp_read, opp_used, _ = got["opportunities.csv"]
    used = int(re.search(r"opportunities used: (\d+)", text)[1])
    assert used == opp_used                              # where the opportunities went
    assert len(pd.read_csv(out.with_name("o.rejects.csv"))) == sum(r for _, _, r in got.values())


def test_analyze(tmp_path, capsys):
    tables, truth = simulate(n_reps=60, seed=5, days=181)
    data = tmp_path / "data"
    write_data_folder(tables, truth, data)
    with open(data / "outcomes.csv", "a") as fh:
        fh.write("GHOST,2026-04-01,2026-04-30,1000,500,3\nR0001,2026-06-30,2026-06-01,1,1,1\n")
    with open(data / "ssi_observed.csv", "a") as fh:
        fh.write("R0002,2026-03-02,130,30,30,30,30,\n")
    (tmp_path / "c.toml").write_text("[analysis]\nn_resamples = 200\n")
    assert main(["analyze", "--data", str(data), "--out", str(tmp_path / "a"), "--config",
                 str(tmp_path / "c.toml")]) == 0
    text = capsys.readouterr().out
    got = counts(text)
    assert got == expected(data) and got["outcomes.csv"][2] == 2 and \
        got["ssi_observed.csv"][2] == 1
    panel = re.search(r"panel: (\d+) rep-periods read, (\d+) used", text)
    assert int(panel[1]) == got["outcomes.csv"][1]       # the panel starts from the rows used
    rejects = pd.read_csv(tmp_path / "a" / "rejects.csv")
    assert len(rejects) == sum(r for _, _, r in got.values())


def test_a_partly_unreadable_folder_still_accounts_for_the_readable_tables(raw, capsys):
    (raw / "quotas.csv").write_text("rep_id,period_start\nR001,2026-04-01\n")
    shutil.copy(raw / "reps.csv", raw / "ssi_observed.csv")        # no ssi columns
    assert main(["validate", "--data", str(raw)]) == 1
    text = capsys.readouterr().out
    got = counts(text)
    assert set(got) == {"reps.csv", "activity.csv", "opportunities.csv"}
    assert "2 problems that stop a run" in text and "quotas.csv" in text \
        and "ssi_observed.csv" in text
    assert got["activity.csv"] == (9, 5, 4)            # the unknown rep counted too
