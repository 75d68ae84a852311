"""Reading exports as they come: amounts in text, other locales, LinkedIn snapshots in long form."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import write_folder

from ssi_analysis import example_data_dir, load_data
from ssi_analysis.io import observed_wide, parse_amounts

REPS = "rep_id,team,industry\nA1,t1,Software\nA2,t1,Software\n007,t2,Healthcare\n"
ACT = ("rep_id,date,metric,value\nA1,2026-01-05,posts,2\nA1,2026-01-06,likes,3\n"
       "A2,2026-01-05,comments,1\n007,2026-01-05,connection_requests_accepted,1\n")


# ------------------------------------------------------------------ amounts
@pytest.mark.parametrize("cell, amount, currency", [
    ("1234", 1234.0, None),
    ("1234.5", 1234.5, None),
    ("12,5", 12.5, None),
    ("0,125", 0.125, None),                  # a leading 0 cannot start a thousands group
    ("1234.567", 1234.567, None),            # four digits before: not a group
    ("1,234.50", 1234.5, None),
    ("1.234,50", 1234.5, None),
    ("1 234,50", 1234.5, None),
    ("1\u00a0234,50", 1234.5, None),         # no-break space, as French Excel writes
    ("1'234.50", 1234.5, None),              # Swiss
    ("12,345,678", 12345678.0, None),
    ("12.345.678,9", 12345678.9, None),
    ("$1,200.00", 1200.0, "USD"),
    ("US$ 50", 50.0, "USD"),
    ("1.234,50 €", 1234.5, "EUR"),
    ("€1.234,50", 1234.5, "EUR"),
    ("£99", 99.0, "GBP"),
    ("CHF 1'000", 1000.0, "CHF"),
    ("-1,200.00", -1200.0, None),
    ("−1.200,00", -1200.0, None),            # unicode minus
    ("(1,200.00)", -1200.0, None),           # accounting negative
    ("1.200,00-", -1200.0, None),            # trailing minus (SAP)
    ("$5 USD", 5.0, "USD"),
])
def test_amounts_read_by_the_documented_rule(cell, amount, currency):
    out = parse_amounts(pd.Series([cell])).iloc[0]
    assert out.amount == amount and out.currency == currency and out.problem is None


@pytest.mark.parametrize("cell, fragment", [
    ("lots", "is not an amount"), ("1.2.3", "is not an amount"), ("12,50,0", "is not an amount"),
    ("1 23", "is not an amount"), ("--5", "is not an amount"), ("(-5)", "is not an amount"),
    ("5)", "is not an amount"), ("usd 5", "is not an amount"), ("1e5", "is not an amount"),
    ("EUR 5 USD", "two different currencies"),
    ("12,500", "ambiguous: a thousands separator or a decimal comma? (write 12500 or 12.5)"),
    ("1.250", "ambiguous: a thousands separator or a decimal point? (write 1250 or 1.25)"),
])
def test_unreadable_and_ambiguous_amounts_say_why(cell, fragment):
    out = parse_amounts(pd.Series([cell])).iloc[0]
    assert np.isnan(out.amount) and fragment in out.problem


def test_the_ambiguous_form_is_settled_by_the_column_then_the_file():
    col = pd.Series(["12,500", "1,234.50"])           # the column shows a decimal point
    assert parse_amounts(col).amount.tolist() == [12500.0, 1234.5]
    col = pd.Series(["12.500", "99,5"])               # ... a decimal comma
    assert parse_amounts(col).amount.tolist() == [12500.0, 99.5]
    col = pd.Series(["12.500", "7.000"])              # nothing in the column: the file says
    assert parse_amounts(col, decimal=",").amount.tolist() == [12500.0, 7000.0]
    # ... but only that the separator groups: money is not written to three decimals
    out = parse_amounts(col, decimal=".")
    assert out.amount.isna().all() and out.problem.str.contains("ambiguous").all()
    out = parse_amounts(pd.Series(["43.000 €", "70000.0"]), decimal=".")
    assert out.amount[1] == 70000.0 and out.problem[0] == (
        "amount '43.000 €' is ambiguous: a thousands separator or a decimal point? "
        "(write 43000 or 43)")
    mixed = pd.Series(["12.500", "1,234.50", "1.234,50"])  # the column disagrees with itself
    out = parse_amounts(mixed)
    assert out.amount.tolist()[1:] == [1234.5, 1234.5] and "ambiguous" in out.problem[0]


def test_numeric_cells_are_taken_as_they_are():
    out = parse_amounts(pd.Series([1.5, 2, None, float("inf"), "3,5"], dtype=object),
                        decimal=",")
    assert out.amount[0] == 1.5 and out.amount[1] == 2.0 and np.isnan(out.amount[2])
    assert out.problem[3] == "amount is not finite" and out.amount[4] == 3.5


def test_locale_of_the_file_settles_quota_amounts(tmp_path):
    us = "rep_id,period_start,period_end,quota\nA1,2026-04-01,2026-04-30,\"1,500\"\n"
    de = "rep_id;period_start;period_end;quota\nA1;01.04.2026;30.04.2026;1.500\n"
    opp = "owner,created_date,close_date,stage,amount\nA1,2026-04-02,2026-04-09,Won,10\n"
    for sub, quotas in (("us", us), ("de", de)):
        b = load_data(write_folder(tmp_path / sub, reps=REPS, activity=ACT, quotas=quotas,
                                   opportunities=opp))
        assert b.outcomes.quota.tolist() == [1500.0]
        assert b.outcomes.period_start.tolist() == [pd.Timestamp("2026-04-01")]


def test_an_excel_quota_sheet_with_an_ambiguous_text_amount_is_rejected(tmp_path):
    write_folder(tmp_path, reps=REPS, activity=ACT,
                 opportunities="owner,created_date,close_date,stage,amount\n"
                               "A1,2026-04-02,2026-04-09,Won,10\n")
    pd.DataFrame({"rep_id": ["A1", "A2"], "period_start": ["2026-04-01"] * 2,
                  "period_end": ["2026-04-30"] * 2, "quota": ["12,500", 900]}
                 ).to_excel(tmp_path / "quotas.xlsx", index=False)
    b = load_data(tmp_path)
    rej = b.quality.rejects
    assert rej.row.tolist() == [2] and "'12,500' is ambiguous" in rej.reason[0]
    assert b.outcomes.rep_id.tolist() == ["A2"] and b.outcomes.quota.tolist() == [900.0]


# ------------------------------------------------------------------ LinkedIn snapshots
LONG_DE = """\
rep_id;date;field;value
A1;19.05.2026;SSI;53
A1;19.05.2026;PROFESSIONAL_BRAND;20,998
A1;19.05.2026;FIND_RIGHT_PEOPLE;6,4
A1;19.05.2026;INSIGHT_ENGAGEMENT;10,25
A1;19.05.2026;STRONG_RELATIONSHIP;15
A1;19.05.2026;Industry rank;Top 9%
A1;19.05.2026;Network rank;Top 11 %
A1;19.05.2026;Industry SSI;34
A1;19.05.2026;Network average brand;13,2
A2;19.05.2026;Social Selling Index;60
A2;19.05.2026;Establish your professional brand;20
A2;19.05.2026;Find the right people;6
A2;19.05.2026;Engage with insights;10
A2;19.05.2026;Build relationships;15
"""


def test_long_form_snapshots_from_another_locale(tmp_path):
    b = load_data(write_folder(tmp_path, reps=REPS, activity=ACT, ssi_observed=LONG_DE))
    obs = b.ssi_observed.set_index("rep_id")
    assert obs.loc["A1", ["ssi", "brand", "people", "insights", "relationships"]].tolist() == \
        [53, 20.998, 6.4, 10.25, 15]
    assert obs.loc["A1", ["industry_rank", "network_rank", "industry_ssi", "network_brand"]] \
        .tolist() == [9, 11, 34, 13.2]
    assert obs.date.tolist() == [pd.Timestamp("2026-05-19")] * 2
    # 60 shown for pillars summing to 51: more than the 0.5 rounding allows -> kept, flagged
    t = b.quality.tables["ssi_observed"]
    assert (t.rows_read, t.rows_used, t.rows_rejected, t.rows_flagged) == (14, 14, 0, 1)
    flag = b.quality.flags.iloc[0]
    assert (flag.rep_id, flag.row) == ("A2", 11) and "more than 0.5" in flag.reason
    assert "A1" in set(obs.index)        # 52.648 shown as 53: within the rounding


def test_long_form_rejects_whole_snapshots_and_accounts_for_every_row(tmp_path):
    long = ("rep_id,date,field,value\n"
            "A1,2026-05-19,ssi,40\nA1,2026-05-19,brand,10\nA1,2026-05-19,people,10\n"
            "A1,2026-05-19,insights,10\nA1,2026-05-19,relationships,10\n"
            "A1,2026-05-19,brand,10\n"                       # 7: exact repeat
            "A1,2026-05-19,mood,3\n"                         # 8: unknown field
            "A2,2026-05-19,ssi,40\nA2,2026-05-19,brand,10\n"  # 9-10: no other pillar
            "007,2026-05-19,ssi,40\n007,2026-05-19,brand,30\n007,2026-05-19,people,3\n"
            "007,2026-05-19,insights,3\n007,2026-05-19,relationships,4\n"  # 11-15: brand > 25
            "GHOST,2026-05-19,ssi,40\nGHOST,2026-05-19,brand,10\nGHOST,2026-05-19,people,10\n"
            "GHOST,2026-05-19,insights,10\nGHOST,2026-05-19,relationships,10\n"  # 16-20
            "A2,2026-05-26,ssi,x\n")                         # 21: not a number
    b = load_data(write_folder(tmp_path, reps=REPS, activity=ACT, ssi_observed=long))
    rej = b.quality.rejects.set_index("row")["reason"]
    assert rej[7] == "duplicate of row 3 (same rep, date and field)"
    assert rej[8] == "unknown field 'mood'"
    assert rej[9] == rej[10] == "snapshot incomplete: no people, insights, relationships"
    assert all(rej[r] == "snapshot rejected: brand above 25 (30.0)" for r in range(11, 16))
    assert all("'GHOST' is not in reps" in rej[r] for r in range(16, 21))
    assert rej[21] == "value is not a number"
    t = b.quality.tables["ssi_observed"]
    assert (t.rows_read, t.rows_used, t.rows_rejected) == (20, 5, 15)
    assert b.ssi_observed.rep_id.tolist() == ["A1"]


def test_a_mapping_names_a_trackers_own_fields(tmp_path):
    long = ("rep_id,date,field,value\nA1,2026-05-19,Score,40\nA1,2026-05-19,Brand pts,10\n"
            "A1,2026-05-19,people,10\nA1,2026-05-19,insights,10\n"
            "A1,2026-05-19,relationships,10\n")
    folder = write_folder(tmp_path, reps=REPS, activity=ACT, ssi_observed=long)
    assert load_data(folder).quality.tables["ssi_observed"].rows_rejected == 5
    mapping = tmp_path / "tracker.toml"
    mapping.write_text('[ssi_fields]\n"Score" = "ssi"\n"Brand pts" = "brand"\n')
    b = load_data(folder, mapping=mapping)
    assert b.ssi_observed[["ssi", "brand"]].values.tolist() == [[40.0, 10.0]]


def test_long_and_wide_snapshots_load_to_the_same_table(tmp_path):
    wide = pd.read_csv(example_data_dir() / "ssi_observed.csv")
    long = wide.melt(id_vars=["rep_id", "date"], var_name="field", value_name="value")
    long = long.sample(frac=1.0, random_state=1)                 # any row order
    reps = pd.read_csv(example_data_dir() / "reps.csv")
    activity = pd.DataFrame({"rep_id": reps.rep_id, "date": "2026-01-05", "metric": "posts",
                             "value": 1})
    (tmp_path / "w").mkdir()
    (tmp_path / "l").mkdir()
    for sub in ("w", "l"):
        reps.to_csv(tmp_path / sub / "reps.csv", index=False)
        activity.to_csv(tmp_path / sub / "activity.csv", index=False)
    wide.to_csv(tmp_path / "w" / "ssi_observed.csv", index=False)
    long.to_csv(tmp_path / "l" / "ssi_observed.csv", index=False, sep=";", decimal=",")
    a, b = load_data(tmp_path / "w").ssi_observed, load_data(tmp_path / "l").ssi_observed
    pd.testing.assert_frame_equal(a, b)


def test_wide_snapshots_with_linkedin_names_and_a_repeated_date(tmp_path):
    wide = ("rep_id,date,SSI,PROFESSIONAL_BRAND,FIND_RIGHT_PEOPLE,INSIGHT_ENGAGEMENT,"
            "STRONG_RELATIONSHIP,industry_rank\n"
            "A1,2026-05-19,53,20.998,6.4,10.25,15,Top 9%\n"
            "A1,2026-05-19,53,20.998,6.4,10.25,15,Top 9%\n")
    b = load_data(write_folder(tmp_path, reps=REPS, activity=ACT, ssi_observed=wide))
    assert b.ssi_observed[["brand", "industry_rank"]].values.tolist() == [[20.998, 9.0]]
    assert b.quality.rejects.reason.tolist() == ["duplicate of row 2 (same rep and date)"]


def test_observed_wide_orders_columns_and_keeps_benchmarks():
    long = pd.DataFrame({"rep_id": ["B"] * 6 + ["A"] * 5,
                         "date": pd.to_datetime(["2026-05-19"] * 11),
                         "field": ["network_ssi", "relationships", "insights", "people", "brand",
                                   "ssi"] + ["ssi", "brand", "people", "insights",
                                             "relationships"],
                         "value": [36.0, 15, 10, 6, 20, 51] + [40.0, 10, 10, 10, 10],
                         "_row": range(11)})
    out = observed_wide(long)
    assert out.columns.tolist() == ["rep_id", "date", "ssi", "brand", "people", "insights",
                                    "relationships", "network_ssi", "_row"]
    assert out.rep_id.tolist() == ["A", "B"] and out._row.tolist() == [6, 0]
