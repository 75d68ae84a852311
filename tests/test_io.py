"""Loading a data folder: formats, forms, rejects with reasons, and file-level errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import write_folder

from ssi_analysis import load_data
from ssi_analysis.errors import SSIInputError, SSIInputErrors

REPS = "rep_id,team,industry\nA1,t1,Software\nA2,t1,Software\n007,t2,Healthcare\n"
ACT = ("rep_id,date,metric,value\n"
       "A1,2026-01-05,posts,2\nA1,2026-01-06,likes,3\nA2,2026-01-05,comments,1\n"
       "007,2026-01-05,connection_requests_accepted,1\n")


def test_example_folder_loads_and_reconciles(example_bundle):
    q = example_bundle.quality.summary()
    assert (q.rows_read == q.rows_used + q.rows_rejected).all()
    assert len(example_bundle.activity) == q.set_index("table").loc["activity", "rows_used"]
    assert example_bundle.activity.columns.tolist() == ["rep_id", "date", "metric", "value"]


def test_ids_are_text_and_trimmed(tmp_path):
    folder = write_folder(tmp_path, reps=REPS, activity=ACT.replace("007,", " 007 ,"))
    b = load_data(folder)
    assert "007" in set(b.reps.rep_id) and "007" in set(b.activity.rep_id)


def test_wide_form_equals_long_form(tmp_path):
    wide = ("rep_id,date,posts,likes,comments,connection_requests_accepted,mystery\n"
            "A1,2026-01-05,2,,,,9\nA1,2026-01-06,,3,,,\nA2,2026-01-05,,,1,,\n"
            "007,2026-01-05,,,,1,\n")
    lw = load_data(write_folder(tmp_path / "long", reps=REPS, activity=ACT)).activity
    bw = load_data(write_folder(tmp_path / "wide", reps=REPS, activity=wide))
    key = ["rep_id", "date", "metric"]
    pd.testing.assert_frame_equal(lw.sort_values(key).reset_index(drop=True),
                                  bw.activity.sort_values(key).reset_index(drop=True))
    assert any("'mystery'" in n for n in bw.quality.notes)


def test_row_problems_are_rejected_with_reasons(tmp_path):
    act = ACT + ("A1,2026-01-07,posts,-1\n"           # negative count      -> row 6
                 "A1,someday,posts,1\n"               # bad date            -> row 7
                 "GHOST,2026-01-05,posts,1\n"         # unknown rep         -> row 8
                 "A2,2026-01-05,profile_completeness,1.4\n"  # level > 1    -> row 9
                 "A2,2026-01-05,post,1\n"             # unknown metric      -> row 10
                 "A2,2026-01-05,likes,lots\n")        # not a number        -> row 11
    b = load_data(write_folder(tmp_path, reps=REPS, activity=act))
    rej = b.quality.rejects.set_index("row")
    assert sorted(rej.index) == [6, 7, 8, 9, 10, 11]
    assert "negative value" in rej.loc[6, "reason"]
    assert "not a date" in rej.loc[7, "reason"]
    assert "not in reps" in rej.loc[8, "reason"]
    assert "0..1" in rej.loc[9, "reason"]
    assert "unknown metric 'post'" in rej.loc[10, "reason"]
    assert "not a number" in rej.loc[11, "reason"] and "finite" not in rej.loc[11, "reason"]
    t = b.quality.tables["activity"]
    assert (t.rows_read, t.rows_used, t.rows_rejected) == (10, 4, 6)
    assert any("did you mean 'posts'" in n for n in b.quality.notes)
    assert any("rejected 6 of 10" in line for line in b.quality.lines())


def test_strict_turns_rejects_into_errors(tmp_path):
    folder = write_folder(tmp_path, reps=REPS, activity=ACT + "A1,2026-01-07,posts,-1\n")
    with pytest.raises(SSIInputErrors) as exc:
        load_data(folder, strict=True)
    assert "row 6" in str(exc.value) and "negative" in str(exc.value)


def test_outcomes_rules(tmp_path):
    outcomes = ("rep_id,period_start,period_end,quota,bookings,opportunities\n"
                "A1,2026-04-01,2026-04-30,1000,500,3\n"
                "A1,2026-04-01,2026-04-30,1000,500,3\n"     # duplicate period -> rejected
                "A2,2026-04-30,2026-04-01,1000,500,3\n"     # end before start -> rejected
                "007,2026-04-01,2026-04-30,0,500,3\n"       # quota 0          -> rejected
                "A2,2026-05-01,2026-05-31,1000,-50,3\n")    # refund: allowed
    b = load_data(write_folder(tmp_path, reps=REPS, activity=ACT, outcomes=outcomes))
    assert len(b.outcomes) == 2 and (b.outcomes.bookings < 0).any()
    reasons = b.quality.rejects.set_index("row")["reason"]
    assert "duplicate of row 2" in reasons[3]
    assert "before period_start" in reasons[4]
    assert "quota must be above 0" in reasons[5]


@pytest.mark.parametrize("tables, fragment", [
    ({"reps": REPS}, "no activity table"),
    ({"activity": ACT}, "no reps table"),
    ({"reps": "team\nt1\n", "activity": ACT}, "rep_id missing"),
    ({"reps": REPS + "A1,t3,Software\n", "activity": ACT}, "rep_id must be unique"),
    ({"reps": REPS, "activity": ""}, "empty"),
    ({"reps": REPS, "activity": "rep_id,date,metric,value\n"}, "no rows"),
    ({"reps": REPS, "activity": "rep_id,day,metric,value\nA1,2026-01-01,posts,1\n"},
     "date missing"),
])
def test_file_level_problems_stop_with_a_clear_message(tmp_path, tables, fragment):
    folder = write_folder(tmp_path, **tables)
    with pytest.raises(SSIInputError) as exc:
        load_data(folder)
    assert fragment in str(exc.value)


def test_duplicate_rep_message_names_rows_and_fix(tmp_path):
    folder = write_folder(tmp_path, reps=REPS + "A1,t3,Software\n", activity=ACT)
    with pytest.raises(SSIInputError) as exc:
        load_data(folder)
    text = str(exc.value)
    assert "reps.csv" in text and "rows 2, 5" in text and "fix:" in text


def test_lazy_collects_problems_of_every_table(tmp_path):
    folder = write_folder(tmp_path, reps=REPS + "A1,t3,Software\n",
                          activity="rep_id,date\n", outcomes="rep_id\nA1\n")
    with pytest.raises(SSIInputErrors) as exc:
        load_data(folder, lazy=True)
    assert len(exc.value.errors) == 3


def test_parquet_xlsx_and_semicolon_csv(tmp_path):
    long = load_data(write_folder(tmp_path / "csv", reps=REPS, activity=ACT)).activity
    (tmp_path / "pq").mkdir()
    pd.read_csv(tmp_path / "csv" / "reps.csv", dtype=str).to_excel(tmp_path / "pq" / "reps.xlsx",
                                                                    index=False)
    long.to_parquet(tmp_path / "pq" / "activity.parquet")
    b = load_data(tmp_path / "pq")
    pd.testing.assert_frame_equal(b.activity, long)
    semi = ACT.replace(",", ";").replace(";2\n", ";2,5\n")
    b2 = load_data(write_folder(tmp_path / "semi", reps=REPS, activity=semi))
    assert b2.activity.loc[b2.activity.metric == "posts", "value"].item() == 2.5


def test_linkedin_json_shape(tmp_path):
    folder = write_folder(tmp_path, reps=REPS, activity=ACT)
    rec = {"rep_id": "A1", "date": "2026-05-19",
           "memberScore": {"overall": 53, "subScores": [
               {"pillar": "PROFESSIONAL_BRAND", "score": 20.998},
               {"pillar": "FIND_RIGHT_PEOPLE", "score": 6.4},
               {"pillar": "INSIGHT_ENGAGEMENT", "score": 10.25},
               {"pillar": "STRONG_RELATIONSHIP", "score": 15}]},
           "groupScore": [{"groupType": "INDUSTRY", "rank": 9, "score": {"overall": 34}},
                          {"groupType": "NETWORK", "rank": 11, "score": {"overall": 36}}]}
    (tmp_path / "ssi_observed.json").write_text(json.dumps([rec]))
    obs = load_data(folder).ssi_observed.iloc[0]
    assert (obs.ssi, obs.brand, obs.people, obs.insights, obs.relationships) == \
        (53, 20.998, 6.4, 10.25, 15)
    assert (obs.industry_rank, obs.network_rank) == (9, 11)


def test_table_in_two_formats_is_refused(tmp_path):
    folder = write_folder(tmp_path, reps=REPS, activity=ACT)
    pd.read_csv(tmp_path / "reps.csv").to_parquet(tmp_path / "reps.parquet")
    with pytest.raises(SSIInputError, match="there in 2 files: reps.csv, reps.parquet"):
        load_data(folder)


def test_corrupt_file_is_a_clear_error(tmp_path):
    folder = write_folder(tmp_path, reps=REPS)
    (tmp_path / "activity.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(SSIInputError) as exc:
        load_data(folder)
    assert "activity.parquet" in str(exc.value) and "cannot read" in str(exc.value)
