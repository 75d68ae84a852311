"""CRM exports to outcomes: presets in their native columns, hand-computed totals, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import write_folder

from ssi_analysis import load_data
from ssi_analysis.crm import (
    ColumnMapping,
    derive_outcomes,
    detect_mapping,
    load_mapping,
    match_owners,
    quota_periods,
)
from ssi_analysis.errors import SSIConfigError, SSIInputError

REPS = ("rep_id,team,industry,crm_owner\nR1,t1,Software,Ana Lima\nR2,t1,Software,Bo Chen\n"
        "R3,t2,Healthcare,Cy Diaz\n")
ACT = ("rep_id,date,metric,value\nR1,2026-01-05,posts,2\nR1,2026-01-06,likes,3\n"
       "R2,2026-01-05,comments,1\nR3,2026-01-05,connection_requests_accepted,1\n")
QUOTAS = ("rep_id,period_start,period_end,quota\n"
          "R1,2026-04-01,2026-04-30,10000\nR1,2026-05-01,2026-05-31,10000\n"
          "R2,2026-04-01,2026-04-30,4000\nR2,2026-05-01,2026-05-31,4000\n"
          "R3,2026-04-01,2026-04-30,5000\nR3,2026-05-01,2026-05-31,5000\n")

# Salesforce report export: its own column names, US dates, amounts with $ and commas.
SALESFORCE = """\
Opportunity Owner,Account Name,Opportunity Name,Opportunity ID,Stage,Amount,Created Date,Close Date
Ana Lima,Acme,Acme renewal,0061,Closed Won,"$12,000.00",3/20/2026,4/9/2026
Ana Lima,Beta,Beta new,0062,Closed Lost,"$5,000.00",4/2/2026,4/30/2026
Ana Lima,Gamma,Gamma,0063,Prospecting,"$7,000.00",4/10/2026,6/30/2026
Ana Lima,Delta,Delta,0064,Closed Won,"$3,500.50",4/15/2026,5/15/2026
Bo Chen,Eps,Eps,0065,Closed Won,"$2,000.00",4/5/2026,4/20/2026
Bo Chen,Phi,Phi,0066,Negotiation/Review,,5/3/2026,6/1/2026
Bo Chen,Chi,Chi,0067,Closed Won,"$1,000.00",5/20/2026,5/25/2026
"""
# HubSpot deal export of the same deals: its own names, stage labels and date-times.
HUBSPOT = """\
Record ID,Deal Name,Deal Stage,Close Date,Deal owner,Amount,Create Date,Pipeline
0061,Acme renewal,Closed won,2026-04-09 10:00,Ana Lima,12000,2026-03-20 09:12,Sales Pipeline
0062,Beta new,Closed lost,2026-04-30 16:40,Ana Lima,5000,2026-04-02 11:00,Sales Pipeline
0063,Gamma,Appointment scheduled,2026-06-30 00:00,Ana Lima,7000,2026-04-10 08:30,Sales Pipeline
0064,Delta,Closed won,2026-05-15 12:00,Ana Lima,3500.5,2026-04-15 09:00,Sales Pipeline
0065,Eps,Closed won,2026-04-20 15:00,Bo Chen,2000,2026-04-05 10:00,Sales Pipeline
0066,Phi,Contract sent,2026-06-01 00:00,Bo Chen,,2026-05-03 14:00,Sales Pipeline
0067,Chi,closedwon,2026-05-25 17:00,Bo Chen,1000,2026-05-20 09:00,Sales Pipeline
"""
# By hand, per rep and month: created in the month; won/lost closed in the month.
#   R1 Apr: created 0062, 0063, 0064 -> 3; won 0061 (12000; 20 days); lost 0062
#   R1 May: created none; won 0064 (3500.50; 30 days)
#   R2 Apr: created 0065; won 0065 (2000; 15 days)
#   R2 May: created 0066, 0067 -> 2; won 0067 (1000; 5 days)
#   R3: no opportunities -> zeros, no win rate
EXPECTED = pd.DataFrame({
    "rep_id": pd.Series(["R1", "R1", "R2", "R2", "R3", "R3"], dtype=object),
    "period_start": pd.to_datetime(["2026-04-01", "2026-05-01"] * 3).astype("datetime64[ns]"),
    "period_end": pd.to_datetime(["2026-04-30", "2026-05-31"] * 3).astype("datetime64[ns]"),
    "quota": [10000.0, 10000.0, 4000.0, 4000.0, 5000.0, 5000.0],
    "bookings": [12000.0, 3500.5, 2000.0, 1000.0, 0.0, 0.0],
    "opportunities": [3.0, 0.0, 1.0, 2.0, 0.0, 0.0],
    "deals_won": [1.0, 1.0, 1.0, 1.0, 0.0, 0.0],
    "deals_lost": [1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    "win_rate": [0.5, 1.0, 1.0, 1.0, np.nan, np.nan],
    "avg_deal_size": [12000.0, 3500.5, 2000.0, 1000.0, np.nan, np.nan],
    "sales_cycle_days": [20.0, 30.0, 15.0, 5.0, np.nan, np.nan],
})


def folder(tmp_path, opportunities, quotas=QUOTAS, reps=REPS, **more):
    return write_folder(tmp_path, reps=reps, activity=ACT, opportunities=opportunities,
                        quotas=quotas, **more)


@pytest.mark.parametrize("export, preset", [(SALESFORCE, "salesforce"), (HUBSPOT, "hubspot")])
def test_presets_derive_the_hand_computed_outcomes(tmp_path, export, preset):
    b = load_data(folder(tmp_path, export))
    pd.testing.assert_frame_equal(b.outcomes, EXPECTED)
    assert any(f"match the {preset} mapping" in n for n in b.quality.notes)
    q = b.quality.summary().set_index("table")
    assert (q.rows_read == q.rows_used + q.rows_rejected).all()
    assert q.loc["opportunities", "rows_used"] == 7 and q.loc["quotas", "rows_used"] == 6
    assert b.opportunities.status.tolist() == ["won", "lost", "open", "won", "won", "open",
                                               "won"]
    assert b.crm.reps_without_opportunities.rep_id.tolist() == ["R3"]
    assert any("R3" in n and "no opportunity" in n for n in b.quality.notes)
    # the deal created before every quota period counts in no period's opportunities
    acc = b.crm.accounting.set_index("item")["count"]
    assert acc["created outside every quota period"] == 1


def test_explicit_preset_and_a_wrong_one(tmp_path):
    b = load_data(folder(tmp_path, SALESFORCE), mapping="salesforce")
    pd.testing.assert_frame_equal(b.outcomes, EXPECTED)
    with pytest.raises(SSIInputError, match="hubspot mapping finds no column for owner"):
        load_data(folder(tmp_path, SALESFORCE), mapping="hubspot")


def test_a_user_mapping_for_a_german_export(tmp_path):
    """A semicolon-delimited export with decimal commas, day-first dates and its own names."""
    german = ("Datensatz-ID;Deal-Name;Deal-Phase;Abschlussdatum;Deal-Inhaber;Betrag;Erstelldatum\n"
              "0061;Acme;Gewonnen;09.04.2026;Ana Lima;12.000,00 €;20.03.2026\n"
              "0062;Beta;Verloren;30.04.2026;Ana Lima;5.000,00 €;02.04.2026\n"
              "0063;Gamma;Termin vereinbart;30.06.2026;Ana Lima;7.000,00 €;10.04.2026\n"
              "0064;Delta;Gewonnen;15.05.2026;Ana Lima;3.500,50 €;15.04.2026\n"
              "0065;Eps;Gewonnen;20.04.2026;Bo Chen;2.000 €;05.04.2026\n"
              "0066;Phi;Vertrag gesendet;01.06.2026;Bo Chen;;03.05.2026\n"
              "0067;Chi;Gewonnen;25.05.2026;Bo Chen;1.000 €;20.05.2026\n")
    mapping = tmp_path / "hubspot-de.toml"
    mapping.write_text('[mapping]\nbase = "hubspot"\n\n[columns]\nowner = "Deal-Inhaber"\n'
                       'opportunity_id = "Datensatz-ID"\ncreated_date = "Erstelldatum"\n'
                       'close_date = "Abschlussdatum"\nstage = "Deal-Phase"\n'
                       'amount = "Betrag"\n\n[stages]\nwon = ["Gewonnen"]\nlost = ["Verloren"]\n',
                       encoding="utf-8")
    quotas = QUOTAS.replace(",", ";").replace(";10000", ";10.000,00 €").replace(
        ";4000", ";4.000 €").replace(";5000", ";5.000 €")
    b = load_data(folder(tmp_path / "d", german, quotas=quotas), mapping=mapping)
    pd.testing.assert_frame_equal(b.outcomes, EXPECTED)
    assert load_mapping(mapping).name == "hubspot-de (based on hubspot)"


def test_bad_opportunity_rows_have_documented_outcomes(tmp_path):
    bad = SALESFORCE + (
        "Ana Lima,X,X,0070,Closed - Won,100,4/3/2026,4/4/2026\n"       # 9 unknown, reads closed
        "Ana Lima,X,X,0071,Discovery,100,4/3/2026,4/4/2026\n"          # 10 custom open stage
        "Ana Lima,X,X,0072,Closed Won,lots,4/3/2026,4/4/2026\n"        # 11 won, amount unreadable
        "Ana Lima,X,X,0073,Prospecting,TBD,4/3/2026,4/4/2026\n"        # 12 open, amount unreadable
        "Ana Lima,X,X,0074,Closed Won,,4/3/2026,4/4/2026\n"            # 13 won without amount
        "Ana Lima,X,X,0075,Closed Lost,100,4/3/2026,\n"                # 14 closed, no close date
        "Bo Chen,X,X,0076,Closed Won,500,4/28/2026,4/26/2026\n"        # 15 closed before created
        ",X,X,0077,Closed Won,100,4/3/2026,4/4/2026\n"                 # 16 no owner
        "Bo Chen,Eps,Eps,0065,Closed Won,\"$2,000.00\",4/5/2026,4/20/2026\n"  # 17 exact repeat
        "Ana Lima,X,X,0078,Closed Won,100,4/3/2026,4/4/2026\n"         # 18 } same id, different
        "Ana Lima,X,X,0078,Closed Won,900,4/3/2026,4/4/2026\n"         # 19 } values
        "Zed Ghost,X,X,0079,Closed Won,999,4/3/2026,4/4/2026\n")       # 20 owner not a rep
    b = load_data(folder(tmp_path, bad))
    rej = b.quality.rejects
    reasons = rej[rej.table == "opportunities"].set_index("row")["reason"]
    assert sorted(reasons.index) == [9, 11, 13, 14, 16, 17, 18, 19, 20]
    assert "unknown stage 'Closed - Won'" in reasons[9] and "won or lost" in reasons[9]
    assert "'lots' is not an amount" in reasons[11]
    assert reasons[13] == "won opportunity without an amount"
    assert reasons[14] == "closed opportunity without a close_date"
    assert reasons[16] == "missing owner"
    assert reasons[17] == "duplicate of row 6 (same opportunity_id)"
    assert "repeats with different values (rows 18, 19)" in reasons[18] == reasons[19]
    assert "'Zed Ghost' matches no rep" in reasons[20]
    flags = b.quality.flags.set_index("row")["reason"]
    assert sorted(flags.index) == [12, 15]
    assert "'TBD' is not an amount" in flags[12] and "not used" in flags[12]
    assert "close_date before created_date" in flags[15]
    t = b.quality.tables["opportunities"]
    assert (t.rows_read, t.rows_used, t.rows_rejected, t.rows_flagged) == (19, 10, 9, 2)
    assert b.crm.unmatched_owners.to_dict("records") == [
        {"owner": "Zed Ghost", "opportunities": 1, "deals_won": 1, "won_amount": 999.0}]
    # R1 April: + Discovery (open) and 0073 (open) created; R2 April: + 0076 won, no cycle
    out = b.outcomes.set_index(["rep_id", "period_start"])
    r1 = out.loc[("R1", pd.Timestamp("2026-04-01"))]
    r2 = out.loc[("R2", pd.Timestamp("2026-04-01"))]
    assert (r1.opportunities, r1.deals_won, r1.bookings) == (5, 1, 12000)
    assert (r2.opportunities, r2.deals_won, r2.bookings, r2.sales_cycle_days) == (2, 2, 2500, 15)


def test_an_open_list_makes_other_stages_unknown(tmp_path):
    mapping = tmp_path / "strict.toml"
    mapping.write_text('[mapping]\nbase = "salesforce"\n[stages]\n'
                       'open = ["Prospecting", "Negotiation/Review"]\n')
    export = SALESFORCE + "Ana Lima,X,X,0071,Discovery,100,4/3/2026,4/4/2026\n"
    b = load_data(folder(tmp_path / "d", export), mapping=mapping)
    assert "unknown stage 'Discovery' (not in [stages] open" in b.quality.rejects.reason.iloc[0]
    pd.testing.assert_frame_equal(b.outcomes, EXPECTED)


def test_owners_match_by_rep_id_or_crm_owner_and_names_must_be_unique(tmp_path):
    reps = pd.DataFrame({"rep_id": ["R1", "R2"], "crm_owner": [" Ana  LIMA ", None]})
    assert match_owners(pd.Series(["ana lima", "R2", "R3"]), reps).tolist() == ["R1", "R2",
                                                                                  None]
    dup = REPS.replace("Bo Chen", "Ana Lima")
    with pytest.raises(SSIInputError, match="crm_owner must be unique") as exc:
        load_data(folder(tmp_path, SALESFORCE, reps=dup))
    assert "rows 2, 3" in str(exc.value)


def test_quota_rules_overlaps_gaps_and_calendar_periods(tmp_path):
    quotas = QUOTAS + ("R1,2026-04-15,2026-05-14,500\n"     # row 8 overlaps rows 2 and 3
                       "R2,2026-04-01,2026-04-30,4000\n"    # row 9 repeats row 4
                       "R3,2026-07-01,2026-07-31,5000\n")   # row 10: leaves June as a gap
    b = load_data(folder(tmp_path, SALESFORCE, quotas=quotas))
    rej = b.quality.rejects.query("table == 'quotas'").set_index("row")["reason"]
    assert sorted(rej.index) == [2, 3, 8, 9]
    assert rej[2] == rej[8] == "quota period overlaps another of the same rep (rows 2, 3, 8)"
    assert rej[9] == "duplicate of row 4 (same rep, period and quota)"
    assert b.crm.gaps[["rep_id", "days"]].values.tolist() == [["R3", 30]]
    assert "R1" not in set(b.outcomes.rep_id)              # no quota left for R1
    assert any("opportunities but no quota" in n and "R1" in n for n in b.quality.notes)

    # April and May do not make a quarter: every quota row rejected, with the days covered
    q = load_data(folder(tmp_path / "q", SALESFORCE), period="quarter")
    assert q.outcomes.empty
    assert q.quality.rejects.reason.tolist() == [
        "2026Q2 only partly covered by quota rows (61 of 91 days)"] * 6
    month = load_data(folder(tmp_path / "m", SALESFORCE), period="month")
    pd.testing.assert_frame_equal(month.outcomes, EXPECTED)


def test_quota_periods_sum_months_and_refuse_to_split():
    q = pd.DataFrame({"rep_id": ["A"] * 4, "quota": [1.0, 2.0, 3.0, 9.0],
                      "period_start": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01",
                                                      "2026-03-15"]),
                      "period_end": pd.to_datetime(["2026-01-31", "2026-02-28", "2026-03-14",
                                                    "2026-04-14"])})
    periods, rej = quota_periods(q, "quarter")
    # row 3 runs into April (cannot be split); without it, Q1 lacks 15-31 March
    assert periods.empty and rej.idx.tolist() == [3, 0, 1, 2]
    assert rej.reason[0] == ("quota period spans more than one quarter (2026Q1 to 2026Q2); "
                             "give one row per month or quarter")
    assert rej.reason[1] == "2026Q1 only partly covered by quota rows (73 of 90 days)"
    ok, rej = quota_periods(q.iloc[:2], "quarter")
    assert ok.empty and "2026Q1 only partly covered by quota rows (59 of 90 days)" in rej.reason[0]
    full = pd.concat([q.iloc[:3], q.iloc[[2]].assign(period_start=pd.Timestamp("2026-03-15"),
                                                    period_end=pd.Timestamp("2026-03-31"),
                                                    quota=4.0)])
    ok, rej = quota_periods(full, "quarter")
    assert rej.empty and ok.quota.tolist() == [10.0] and ok.quota_rows.tolist() == [4]


def test_derive_outcomes_directly_matches_a_loop_over_reps():
    """The vectorised derivation against a plain per-rep, per-period computation."""
    rng = np.random.default_rng(3)
    n = 400
    created = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 180, n), "D")
    opps = pd.DataFrame({"rep_id": rng.choice(["A", "B", "C", "D"], n),
                         "created_date": created,
                         "close_date": created + pd.to_timedelta(rng.integers(-3, 60, n), "D"),
                         "status": rng.choice(["won", "lost", "open"], n),
                         "amount": rng.integers(1, 100, n).astype(float)})
    starts = pd.date_range("2026-02-01", periods=4, freq="MS")
    quotas = pd.DataFrame([(r, s, s + pd.offsets.MonthEnd(0), 100.0) for r in "ABC"
                           for s in starts],
                          columns=["rep_id", "period_start", "period_end", "quota"])
    out = derive_outcomes(opps, quotas).outcomes.set_index(["rep_id", "period_start"])
    for q in quotas.itertuples():
        o = opps[opps.rep_id == q.rep_id]
        made = o[(o.created_date >= q.period_start) & (o.created_date <= q.period_end)]
        shut = o[(o.status != "open") & (o.close_date >= q.period_start)
                 & (o.close_date <= q.period_end)]
        won = shut[shut.status == "won"]
        cyc = (won.close_date - won.created_date).dt.days
        row = out.loc[(q.rep_id, q.period_start)]
        assert row.opportunities == len(made)
        assert row.deals_won == len(won) and row.deals_lost == (shut.status == "lost").sum()
        assert row.bookings == pytest.approx(won.amount.sum())
        assert row.sales_cycle_days == pytest.approx(cyc[cyc >= 0].mean(), nan_ok=True)
    assert "D" not in out.index.get_level_values(0)


@pytest.mark.parametrize("tables, fragment", [
    ({"outcomes": "rep_id,period_start,period_end,quota,bookings,opportunities\n"},
     "outcomes would come from two places"),
    ({"quotas": None}, "no quotas table"),
])
def test_outcomes_from_one_place(tmp_path, tables, fragment):
    files = {"reps": REPS, "activity": ACT, "opportunities": SALESFORCE, "quotas": QUOTAS}
    files.update(tables)
    with pytest.raises(SSIInputError, match=fragment):
        load_data(write_folder(tmp_path, **{k: v for k, v in files.items() if v is not None}))


def test_amounts_and_quotas_in_different_currencies_are_refused(tmp_path):
    quotas = QUOTAS.replace(",10000", ",€10000").replace(",4000", ",€4000").replace(
        ",5000", ",€5000")
    with pytest.raises(SSIInputError, match="opportunity amounts are in USD but quotas in EUR"):
        load_data(folder(tmp_path, SALESFORCE, quotas=quotas))


def test_mixed_currencies_reject_the_won_deals_not_in_the_main_one(tmp_path):
    export = SALESFORCE + "Bo Chen,X,X,0080,Closed Won,€900,4/3/2026,4/4/2026\n"
    b = load_data(folder(tmp_path, export))
    assert b.quality.rejects.reason.tolist() == [
        "amount in EUR while most marked amounts are in USD: convert it, or export one currency"]


# ------------------------------------------------------------------ the mapping files
def test_mapping_detection_says_what_each_preset_misses():
    assert detect_mapping(["owner", "created_date", "close_date", "stage", "amount"])[0].name \
        == "canonical"
    with pytest.raises(SSIInputError) as exc:
        detect_mapping(["salesperson", "created", "stage"])
    text = str(exc.value)
    assert "salesforce needs 'Opportunity Owner'" in text and "--mapping" in text
    # the toolkit's own names win; two presets fitting at once is a question, not a guess
    assert detect_mapping(["owner", "opportunity_owner", "created_date", "close_date",
                           "stage", "amount"])[0].name == "canonical"
    both = ["opportunity_owner", "deal_owner", "created_date", "create_date", "close_date",
            "stage", "deal_stage", "amount"]
    with pytest.raises(SSIInputError, match=r"several mappings \(salesforce, hubspot\)"):
        detect_mapping(both)


@pytest.mark.parametrize("text, fragment", [
    ("[columns]\nowners = 'X'\n", "did you mean 'owner'?"),
    ("[column]\nowner = 'X'\n", "unknown section [column]"),
    ("[stages]\nwon = ['Done']\nlost = ['done']\n", "both as won and as lost"),
    ("[columns]\namount = []\n", "needs at least one name"),
    ("[columns]\nowner = 3\n", "must be a column name"),
    ("[ssi_fields]\n'Brand Score' = 'brnad'\n", "did you mean 'brand'?"),
    ("[mapping]\nbase = 'salesfroce'\n", "did you mean 'salesforce'?"),
    ("[columns\n", "not valid TOML"),
])
def test_mapping_files_are_read_strictly(tmp_path, text, fragment):
    path = tmp_path / "m.toml"
    path.write_text(text)
    with pytest.raises(SSIConfigError, match=fragment.replace("[", r"\[").replace("?", r"\?")):
        load_mapping(path)


def test_unknown_preset_name_is_a_config_error():
    with pytest.raises(SSIConfigError, match="neither a mapping preset nor a file"):
        load_mapping("dynamics")
    assert isinstance(load_mapping(ColumnMapping()), ColumnMapping)


def test_stage_rules():
    m = load_mapping("hubspot")
    stages = pd.Series(["Closed won", "CLOSED  WON", "closedlost", "Contract sent",
                        "Lost to competitor", None])
    assert m.stage_status(stages).tolist() == ["won", "won", "lost", "open", None, None]
