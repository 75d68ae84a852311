"""The command line as a user runs it: exit codes, messages, files written."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import write_folder

from ssi_analysis.cli import main

REPS = "rep_id,team,industry\nA1,t1,Software\nA2,t1,Software\n"
ACT = ("rep_id,date,metric,value\nA1,2026-01-05,posts,2\nA1,2026-01-06,likes,3\n"
       "A2,2026-01-05,comments,1\nA2,2026-01-05,connection_requests_accepted,1\n")


def test_simulate_validate_score_round_trip(tmp_path, capsys):
    data = tmp_path / "data"
    assert main(["simulate", "--out", str(data), "--reps", "30", "--seed", "3", "--days", "120"]) == 0
    assert main(["validate", "--data", str(data)]) == 0
    assert "no problems found" in capsys.readouterr().out
    out = tmp_path / "scores.csv"
    assert main(["score", "--data", str(data), "--out", str(out)]) == 0
    s = pd.read_csv(out)
    assert len(s) == 30 and s.columns[:7].tolist() == ["rep_id", "date", "brand", "people",
                                                        "insights", "relationships", "ssi"]
    first = out.read_bytes()
    assert main(["score", "--data", str(data), "--out", str(out)]) == 0
    assert out.read_bytes() == first                       # byte-identical re-run
    daily = tmp_path / "daily.parquet"
    assert main(["score", "--data", str(data), "--out", str(daily), "--daily"]) == 0
    assert len(pd.read_parquet(daily)) == 30 * 120


def test_example_alias_and_options(tmp_path):
    out = tmp_path / "s.csv"
    assert main(["score", "--data", "example", "--out", str(out), "--asof", "2026-04-30",
                 "--window", "30", "--mode", "relative"]) == 0
    s = pd.read_csv(out)
    assert (s.date == "2026-04-30").all() and s.ssi.between(0, 100).all()


def test_rejected_rows_go_to_a_rejects_file(tmp_path, capsys):
    folder = write_folder(tmp_path / "d", reps=REPS, activity=ACT + "A1,2026-01-07,posts,-1\n")
    out = tmp_path / "o" / "scores.csv"
    assert main(["score", "--data", folder, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "rejected 1 of" in text
    rej = pd.read_csv(tmp_path / "o" / "scores.rejects.csv")
    assert rej.loc[0, "row"] == 6 and "negative" in rej.loc[0, "reason"]
    assert main(["score", "--data", folder, "--out", str(out), "--strict"]) == 2
    assert "row 6" in capsys.readouterr().err


@pytest.mark.parametrize("tables, args, fragment", [
    ({"reps": "team\nt1\n", "activity": ACT}, [], "required column rep_id missing"),
    # a pillar without a metric is no longer a stop (issue 19: it is not scored); no pillar
    # with one is: period totals of a denominator alone score nothing
    ({"reps": REPS, "activity": "rep_id,period_start,period_end,inmails_sent\n"
                                "A1,2026-01-01,2026-01-31,4\n"}, [], "no metric of any pillar"),
    ({"reps": REPS, "activity": ACT}, ["--asof", "soon"], "not a date"),
])
def test_user_errors_exit_2_with_a_message_not_a_traceback(tmp_path, capsys, tables, args,
                                                           fragment):
    folder = write_folder(tmp_path / "d", **tables)
    code = main(["score", "--data", folder, "--out", str(tmp_path / "s.csv"), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert fragment in err and "Traceback" not in err
    assert not (tmp_path / "s.csv").exists()


def test_validate_lists_every_problem_and_exits_1(tmp_path, capsys):
    act = ACT + "A1,2026-01-07,posts,-1\nA1,never,posts,1\nZZ,2026-01-07,posts,1\n"
    folder = write_folder(tmp_path, reps=REPS, activity=act)
    assert main(["validate", "--data", folder]) == 1
    out = capsys.readouterr().out
    assert "rejected 3 of 7" in out
    for fragment in ("negative value", "date is not a date", "not in reps", "row 6"):
        assert fragment in out


def test_output_may_not_overwrite_an_input(tmp_path, capsys):
    folder = write_folder(tmp_path, reps=REPS, activity=ACT)
    assert main(["score", "--data", folder, "--out", str(tmp_path / "activity.csv")]) == 2
    assert "overwrite an input" in capsys.readouterr().err


def test_bad_config_exits_2(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[scoring]\nwindow = 30\n")
    assert main(["score", "--data", "example", "--out", str(tmp_path / "s.csv"),
                 "--config", str(cfg)]) == 2
    assert "did you mean 'window_days'" in capsys.readouterr().err


OUTCOMES = ("rep_id,period_start,period_end,quota,bookings,opportunities\n"
            "A1,2026-01-05,2026-01-06,100,120,3\nA2,2026-01-05,2026-01-06,100,80,2\n")


def test_analyze_writes_results_and_tables(tmp_path, capsys):
    out = tmp_path / "analysis"
    cfg = tmp_path / "c.toml"
    cfg.write_text("[analysis]\nn_resamples = 300\n")
    assert main(["analyze", "--data", "example", "--out", str(out), "--config", str(cfg)]) == 0
    text = capsys.readouterr().out
    assert "Summary:" in text and "panel: 900 rep-periods read, 900 used" in text
    res = json.loads((out / "results.json").read_text())
    assert res["meta"]["analysis"]["n_resamples"] == 300
    for name in ("correlations", "claims", "models", "time_order", "pillars", "robustness",
                 "panel", "panel_excluded", "industry", "industry_pairwise"):
        assert (out / f"{name}.csv").exists()
    models = pd.read_csv(out / "models.csv").set_index("model")
    assert models.loc["OLS", "estimate"] == pytest.approx(res["adjusted"]["estimate"])
    first = (out / "results.json").read_bytes()
    assert main(["analyze", "--data", "example", "--out", str(out), "--config", str(cfg)]) == 0
    assert (out / "results.json").read_bytes() == first          # byte-identical re-run


@pytest.mark.parametrize("tables, args, fragment", [
    ({"reps": REPS, "activity": ACT}, [], "there is no outcomes table"),
    ({"reps": REPS, "activity": ACT, "outcomes": OUTCOMES}, ["--ssi", "observed"],
     "needs an ssi_observed table"),
    ({"reps": REPS, "activity": ACT, "outcomes": OUTCOMES}, [],
     "no rep-period has an SSI measured before it"),
])
def test_analyze_user_errors_exit_2(tmp_path, capsys, tables, args, fragment):
    folder = write_folder(tmp_path / "d", **tables)
    out = tmp_path / "out"
    assert main(["analyze", "--data", folder, "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err
    assert not out.exists()


def test_analyze_out_must_be_a_folder_and_config_is_strict(tmp_path, capsys):
    assert main(["analyze", "--data", "example", "--out", str(tmp_path / "r.json")]) == 2
    assert "--out is a folder" in capsys.readouterr().err
    cfg = tmp_path / "c.toml"
    cfg.write_text("[analysis]\nleaders_abve = 60\n")
    assert main(["analyze", "--data", "example", "--out", str(tmp_path / "o"),
                 "--config", str(cfg)]) == 2
    assert "did you mean 'leaders_above'" in capsys.readouterr().err
