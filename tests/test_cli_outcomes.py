"""The command line with CRM exports: ``outcomes``, ``simulate --shape raw``, ``--mapping``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import write_folder

from ssi_analysis.cli import main

REPS = "rep_id,team,industry,crm_owner\nR1,t1,Software,Ana Lima\nR2,t1,Software,Bo Chen\n"
ACT = ("rep_id,date,metric,value\nR1,2026-01-05,posts,2\nR1,2026-01-06,likes,3\n"
       "R2,2026-01-05,comments,1\nR2,2026-01-05,connection_requests_accepted,1\n")
OPPS = ("Opportunity Owner,Opportunity ID,Stage,Amount,Created Date,Close Date\n"
        "Ana Lima,1,Closed Won,\"$1,000.00\",2026-04-02,2026-04-20\n"
        "Bo Chen,2,Closed Lost,500,2026-04-03,2026-04-21\n"
        "Ghost,3,Closed Won,700,2026-04-03,2026-04-21\n"
        "Bo Chen,4,Prospecting,TBD,2026-04-05,2026-06-30\n")
QUOTAS = ("rep_id,period_start,period_end,quota\nR1,2026-04-01,2026-04-30,2000\n"
          "R2,2026-04-01,2026-04-30,2000\n")


def test_simulate_raw_then_outcomes_gives_the_truth_back(tmp_path, capsys):
    data = tmp_path / "raw"
    assert main(["simulate", "--out", str(data), "--reps", "30", "--seed", "5", "--days",
                 "120", "--shape", "raw"]) == 0
    assert "raw shape" in capsys.readouterr().out
    assert main(["validate", "--data", str(data)]) == 0
    out = tmp_path / "o" / "outcomes.csv"
    assert main(["outcomes", "--data", str(data), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "where the opportunities went:" in text and "salesforce mapping" in text
    got = pd.read_csv(out)
    want = pd.read_csv(data / "truth_outcomes.csv").sort_values(["rep_id", "period_start"],
                                                                ignore_index=True)
    assert got.columns.tolist()[:7] == want.columns.tolist()
    assert got.columns.tolist()[7:] == ["deals_lost", "win_rate", "avg_deal_size",
                                        "sales_cycle_days"]
    pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)
    first = out.read_bytes()
    assert main(["outcomes", "--data", str(data), "--out", str(out)]) == 0
    assert out.read_bytes() == first
    assert main(["score", "--data", str(data), "--out", str(tmp_path / "s.csv")]) == 0


def test_outcomes_reports_rejects_unmatched_owners_and_flags(tmp_path, capsys):
    folder = write_folder(tmp_path / "d", reps=REPS, activity=ACT, opportunities=OPPS,
                          quotas=QUOTAS)
    out = tmp_path / "outcomes.csv"
    assert main(["outcomes", "--data", folder, "--out", str(out), "--mapping",
                 "salesforce"]) == 0
    text = capsys.readouterr().out
    assert "1 owner(s) matching no rep" in text and "Ghost: 1 opportunities, 1 won" in text
    assert "flagged 1 kept row(s)" in text
    rej = pd.read_csv(tmp_path / "outcomes.rejects.csv")
    assert rej.row.tolist() == [4] and "'Ghost' matches no rep" in rej.reason[0]
    got = pd.read_csv(out).set_index("rep_id")
    assert got.loc["R1", ["bookings", "deals_won", "opportunities"]].tolist() == [1000, 1, 1]
    assert got.loc["R2", ["bookings", "deals_lost", "opportunities"]].tolist() == [0, 1, 2]
    assert np.isnan(got.loc["R2", "avg_deal_size"])
    assert main(["validate", "--data", folder]) == 1
    text = capsys.readouterr().out
    assert "kept with a flag" in text and "'TBD' is not an amount" in text


def test_outcomes_user_errors_exit_2(tmp_path, capsys):
    folder = write_folder(tmp_path / "d", reps=REPS, activity=ACT, opportunities=OPPS,
                          quotas=QUOTAS)
    tidy = write_folder(tmp_path / "tidy", reps=REPS, activity=ACT,
                        outcomes="rep_id,period_start,period_end,quota,bookings,opportunities\n"
                                 "R1,2026-04-01,2026-04-30,10,5,1\n")
    cases = [
        (["outcomes", "--data", tidy, "--out", str(tmp_path / "x.csv")],
         "nothing to derive: the folder has no opportunities (its outcomes table is used"),
        (["outcomes", "--data", folder, "--out", str(tmp_path / "d" / "outcomes.csv")],
         "outcomes from two places"),
        (["outcomes", "--data", folder, "--out", str(tmp_path / "x.csv"), "--mapping",
          "hubspot"], "hubspot mapping finds no column for owner"),
        (["outcomes", "--data", folder, "--out", str(tmp_path / "x.csv"), "--mapping",
          "hubsopt"], "did you mean 'hubspot'?"),
        (["validate", "--data", folder, "--mapping", str(tmp_path / "none.toml")],
         "neither a mapping preset nor a file"),
    ]
    for args, fragment in cases:
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert fragment in err and "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()


def test_period_quarter_sums_monthly_quotas(tmp_path):
    quotas = "".join(f"R1,2026-0{m}-01,2026-0{m}-{d},1000\n" for m, d in
                     ((4, 30), (5, 31), (6, 30)))
    folder = write_folder(tmp_path / "d", reps=REPS, activity=ACT, opportunities=OPPS,
                          quotas="rep_id,period_start,period_end,quota\n" + quotas)
    out = tmp_path / "q.csv"
    assert main(["outcomes", "--data", folder, "--out", str(out), "--outcome-period", "quarter"]) == 0
    got = pd.read_csv(out)
    assert got[["rep_id", "period_start", "period_end", "quota"]].values.tolist() == [
        ["R1", "2026-04-01", "2026-06-30", 3000.0]]
