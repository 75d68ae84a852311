"""Sales Navigator usage reports (issue 19): monthly exports as simulate writes them and as an
analyst hand-makes them (LinkedIn's labels in another order and case), their bad inputs, and
the commands on them with both engines."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from ssi_analysis import load_data, score
from ssi_analysis.cli import main
from ssi_analysis.errors import SSIInputError
from ssi_analysis.io.quality import HEADER_ROW
from ssi_analysis.simulate import simulate, write_data_folder


@pytest.fixture(scope="module")
def usage_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("usage") / "data"
    tables, truth = simulate(40, seed=5, shape="usage-report", days=120)
    write_data_folder(tables, truth, out)
    return out


def _accounted(bundle):
    q = bundle.quality.summary()
    assert (q.rows_read == q.rows_used + q.rows_rejected).all()
    fc = bundle.quality.file_counts
    assert (fc.rows_read == fc.rows_used + fc.rows_rejected).all()
    return q.set_index("table")


def test_simulated_reports_load_to_their_known_totals_and_snapshots(usage_folder):
    b = load_data(usage_folder)
    q = _accounted(b)
    assert q.loc["activity", "rows_read"] == 4 * 40 and q.loc["activity", "rows_rejected"] == 0
    truth = pd.read_csv(usage_folder / "truth_activity.csv",
                        parse_dates=["period_start", "period_end"])
    got = b.activity_periods.drop(columns=[c for c in b.activity_periods if c == "_row"])
    both = truth.merge(got, on=["rep_id", "period_start", "period_end", "metric"], how="outer",
                       indicator=True, validate="one_to_one")
    assert (both["_merge"] == "both").all()
    # InMails accepted come from a rate written with six decimals: rate x sent
    np.testing.assert_allclose(both["value_y"], both["value_x"], rtol=1e-6, atol=1e-6)
    obs = pd.read_csv(usage_folder / "truth_observed.csv", parse_dates=["date"])
    mine = b.ssi_observed[obs.columns].sort_values(["rep_id", "date"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, obs.sort_values(["rep_id", "date"])
                                  .reset_index(drop=True), check_dtype=False)
    # the two users without numbers in January are reps, with a gap for January
    silent = b.reps["rep_id"].iloc[:2]
    first = b.activity_periods.groupby("rep_id")["period_start"].min()
    assert (first[silent] == pd.Timestamp("2026-02-01")).all()
    assert any("2 user row(s) have no number" in n for n in b.quality.notes)
    assert any("lists_created read but not scored" in n for n in b.quality.notes)


def test_a_window_over_exactly_one_report_holds_its_daily_counts(usage_folder):
    # the same seed's daily activity: a 31-day window ending Jan 31 over the spread January
    # report holds January's daily counts summed, metric by metric
    tidy, _ = simulate(40, seed=5, days=120)
    b = load_data(usage_folder)
    act = tidy["activity"]
    jan = act[pd.to_datetime(act["date"]).dt.month == 1]
    email = {r: f"rep{i + 1:04d}@example.com" for i, r in enumerate(tidy["reps"]["rep_id"])}
    daily = jan.assign(rep_id=jan["rep_id"].astype(str).map(email)).groupby(
        ["rep_id", "metric"], observed=True)["value"].sum().unstack(fill_value=0.0)
    reps = b.reps["rep_id"].iloc[2:]          # the two silent users have no January report
    at = pd.DataFrame({"rep_id": reps, "date": pd.Timestamp("2026-01-31")})
    s = score(b.activity, b.reps, at=at, window=31, details=True).table.set_index("rep_id")
    for metric in ("people_searches", "profile_views", "leads_saved", "accounts_saved"):
        np.testing.assert_allclose(s.loc[reps, f"{metric}_value"],
                                   daily.loc[reps, metric].to_numpy(), rtol=1e-12)


def test_commands_on_usage_reports_and_both_engines_agree(usage_folder, tmp_path, capsys):
    assert main(["validate", "--data", str(usage_folder)]) == 0
    out = capsys.readouterr().out
    assert "scoring: brand not scored" in out and "0..50, not 0..100" in out
    assert "no problems found" in out
    p, d = tmp_path / "p.csv", tmp_path / "d.csv"
    assert main(["score", "--data", str(usage_folder), "--daily", "--out", str(p)]) == 0
    assert main(["score", "--data", str(usage_folder), "--daily", "--out", str(d),
                 "--engine", "duckdb"]) == 0
    a, b = pd.read_csv(p), pd.read_csv(d)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)
    assert a["brand"].isna().all() and a["insights"].isna().all() and a["people"].notna().all()


REPORT_JAN = (
    "Name,Email,DAYS ACTIVE,searches performed,Profile Views,Leads Saved,Accounts Saved,"
    "Lists Created,InMails Sent,InMail Acceptance Rate,SSI,Professional brand,Find people,"
    "Engage with insights,Build relationships\n"
    "Ann A,ann@x.com,12,40,80,10,3,1,10,20%,52,20.9,6.5,9.6,15\n"
    "Bob B,bob@x.com,5,10,20,2,1,0,4,0.5,30,10,5,5,10\n"
    "Cy C,cy@x.com,,,,,,,,,,,,,\n")
REPORT_FEB = (
    "Email,Profile views,Days active,Searches performed,InMails sent,InMail acceptance rate,"
    "Social Selling Index (SSI),Professional brand,Find people,Insights,Relationships\n"
    "ann@x.com,56,14,30,8,25%,53,21,6.4,10.25,15\n"
    "bob@x.com,28,3,5,2,130%,31,10,5,6,10\n"         # a rate above 100%
    "cy@x.com,-4,3,5,2,,31,10,5,6,10\n"              # a negative total
    "dee@x.com,many,3,5,2,,31,10,5,6,10\n")          # not a number


def _folder(tmp_path, files: dict[str, str]):
    root = tmp_path / "d"
    (root / "usage_reports").mkdir(parents=True)
    for name, text in files.items():
        (root / "usage_reports" / name).write_text(text, encoding="utf-8")
    return root


def test_hand_made_reports_with_labels_in_another_order_and_case(tmp_path):
    b = load_data(_folder(tmp_path, {"usage-2026-01.csv": REPORT_JAN,
                                     "usage-2026-02.csv": REPORT_FEB}))
    q = _accounted(b)
    assert tuple(q.loc["activity", ["rows_read", "rows_used", "rows_rejected"]]) == (7, 4, 3)
    rej = b.quality.rejects.set_index("rep_id")
    assert rej.loc["bob@x.com", "reason"] == "inmail_acceptance_rate outside 0..1 (or 0..100%)"
    assert "negative" in rej.loc["cy@x.com", "reason"]
    assert rej.loc["dee@x.com", "reason"] == "profile_views is not a number"
    assert (rej["file"] == "usage_reports/usage-2026-02.csv").all()
    p = b.activity_periods.set_index(["rep_id", "metric", "period_start"])["value"]
    jan = pd.Timestamp("2026-01-01")
    assert p[("ann@x.com", "inmail_replies", jan)] == pytest.approx(2.0)        # 20% of 10
    assert p[("bob@x.com", "inmail_replies", jan)] == pytest.approx(2.0)        # 0.5 of 4
    assert p[("ann@x.com", "days_active", pd.Timestamp("2026-02-01"))] == 14
    # every user listed is a rep (no reps table), Cy too, who has no January number
    assert sorted(b.reps["rep_id"]) == ["ann@x.com", "bob@x.com", "cy@x.com", "dee@x.com"]
    assert set(b.ssi_observed["date"].dt.strftime("%Y-%m-%d")) == {"2026-01-31", "2026-02-28"}


def test_a_user_twice_with_different_numbers_and_overlapping_exports(tmp_path):
    jan = ("Email,Profile views,Searches performed\nann@x.com,31,10\nann@x.com,40,10\n"
           "bob@x.com,5,5\nbob@x.com,5,5\n")
    later = "Email,Profile views,Searches performed\nbob@x.com,30,30\ncy@x.com,3,3\n"
    b = load_data(_folder(tmp_path, {"usage-2026-01-01_2026-01-31.csv": jan,
                                     "usage-2026-01-15_2026-02-14.csv": later}))
    q = _accounted(b)
    assert tuple(q.loc["activity", ["rows_read", "rows_used", "rows_rejected"]]) == (6, 1, 5)
    rej = b.quality.rejects.sort_values(["file", "row"]).reset_index(drop=True)
    a = rej[rej.rep_id == "ann@x.com"]
    assert len(a) == 2 and a["kind"].eq("period overlaps another of the same rep").all()
    bob = rej[rej.rep_id == "bob@x.com"]
    # row 5 repeats row 4 exactly (a duplicate); row 4 overlaps the later export's row 2
    assert bob["reason"].tolist()[1] == ("duplicate of usage_reports/usage-2026-01-01_2026-01-31"
                                         ".csv row 4 (same rep, metric, period and total)")
    assert "usage-2026-01-15_2026-02-14.csv row 2)" in bob["reason"].tolist()[0]
    assert b.activity_periods["rep_id"].unique().tolist() == ["cy@x.com"]


def test_a_report_whose_date_range_cannot_be_found_stops_with_the_fix(tmp_path):
    with pytest.raises(SSIInputError, match="date range") as e:
        load_data(_folder(tmp_path, {"usage.csv": "Email,Profile views\nann@x.com,3\n"}))
    assert e.value.file == "usage_reports/usage.csv"
    assert "usage-2026-01.csv" in e.value.fix and "[activity.columns]" in e.value.fix


def test_a_range_column_and_unknown_labels(tmp_path):
    text = ("User,Date range,Profile views,Mystery metric\n"
            "ann@x.com,2026-01-01 - 2026-01-31,31,4\n")
    b = load_data(_folder(tmp_path, {"export.csv": text}))
    assert b.activity_periods["period_end"].iloc[0] == pd.Timestamp("2026-01-31")
    note = next(n for n in b.quality.notes if "mystery_metric" in n)
    assert "[activity_metrics]" in note and "not used" in note


def test_no_user_column_stops_naming_the_mapping_key(tmp_path):
    with pytest.raises(SSIInputError, match="no user column") as e:
        load_data(_folder(tmp_path, {"usage-2026-01.csv": "Who,Profile views\nann,3\n"}))
    assert "[activity.columns] rep_id" in e.value.fix


def test_a_mapping_file_renames_a_label(tmp_path):
    root = _folder(tmp_path, {"usage-2026-01.csv": "Email,Profilaufrufe\nann@x.com,31\n"})
    mapping = tmp_path / "m.toml"
    mapping.write_text('[mapping]\nbase = "usage-report"\n\n[activity_metrics]\n'
                       '"Profilaufrufe" = "profile_views"\n', encoding="utf-8")
    b = load_data(root, mapping=str(mapping))
    assert b.activity_periods["value"].tolist() == [31.0]


def test_the_analysis_and_the_report_methods_say_what_is_scored(usage_folder):
    from ssi_analysis import analyze
    from ssi_analysis.report.sections import claims_table, ssi_source_text

    result = analyze(load_data(usage_folder))
    lines = result.settings["scoring_coverage"]
    assert lines[0].startswith("brand not scored") and "0..50" in " ".join(lines)
    text = ssi_source_text(result.settings)
    assert "What the data can score" in text and "spread uniformly" in text
    assert result.panel.data["ssi"].between(0, 50).all()
    # LinkedIn's 70/30 thresholds do not apply on 0..50: said in the table, the summary and
    # the report's claims table; the quartiles are compared
    claims = result.tables["claims"]
    ext = claims[claims.comparison == "leaders vs laggards"]
    assert (~ext.estimable).all() and ext.reason.str.contains("0..50").all()
    assert claims[claims.comparison == "top vs bottom quartile"].estimable.all()
    said = [s for s in result.summary if "cannot be checked here" in s]
    assert len(said) == 1 and "sum of 2 pillar(s)" in said[0] and "top SSI quartile" in said[0]
    html = claims_table(result.to_dict()["claims"])
    assert html.count(">not applicable<") == 3 and "Not applicable: the SSI here" in html


def test_the_preset_round_trips_through_its_toml_shape():
    from ssi_analysis.mapping import load_mapping, mapping_from_dict

    m = load_mapping("usage-report")
    again = mapping_from_dict(m.to_dict(), source="copy.toml")
    assert again.activity == m.activity and dict(again.activity_metrics) == dict(
        m.activity_metrics)
    assert dict(m.activity_metrics)["Searches performed"] == "people_searches"


def test_commands_stop_on_a_report_without_a_range_naming_the_fix(tmp_path, capsys):
    root = _folder(tmp_path, {"export.csv": "Email,Profile views\nann@x.com,3\n"})
    assert main(["validate", "--data", str(root)]) == 1
    out = capsys.readouterr().out
    assert "1 problem that stops a run" in out and "usage-2026-01.csv" in out
    assert "no reps table" not in out                # the consequence is not said as well
    assert main(["score", "--data", str(root), "--out", str(tmp_path / "s.csv")]) == 2
    err = capsys.readouterr().err
    assert "date range" in err and "Traceback" not in err


def test_scores_of_usage_reports_are_byte_identical_on_a_rerun(usage_folder, tmp_path):
    out = tmp_path / "s.csv"
    assert main(["score", "--data", str(usage_folder), "--daily", "--out", str(out)]) == 0
    first = out.read_bytes()
    assert main(["score", "--data", str(usage_folder), "--daily", "--out", str(out)]) == 0
    assert out.read_bytes() == first


def test_usage_range_gives_the_range_of_a_report_that_shows_none(tmp_path, capsys):
    root = _folder(tmp_path, {"export.csv": "Email,Profile views\nann@x.com,31\n"})
    b = load_data(root, usage_range="2026-03-01:2026-03-31")
    assert b.activity_periods[["period_start", "period_end"]].iloc[0].tolist() == [
        pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-31")]
    from ssi_analysis.cli import build_parser

    for command in ("validate", "score", "outcomes", "analyze", "report"):
        out = [] if command == "validate" else ["--out", "o.csv"]
        args = build_parser().parse_args([command, "--data", "d", *out,
                                          "--usage-range", "2026-03-01:2026-03-31"])
        assert args.usage_range == "2026-03-01:2026-03-31"
    out = tmp_path / "s.csv"
    assert main(["score", "--data", str(root), "--out", str(out),
                 "--usage-range", "2026-03-01:2026-03-31"]) == 0
    assert pd.read_csv(out)["date"].tolist() == ["2026-03-31"]
    assert main(["score", "--data", str(root), "--out", str(out),
                 "--usage-range", "2026-03-31:2026-03-01"]) == 2
    assert "not a range START:END" in capsys.readouterr().err


def test_a_header_line_inside_a_report_is_rejected_as_such(usage_folder, tmp_path):
    """Two exports pasted into one file: the header line inside it is rejected with that one
    reason (not as a user named 'Email' whose InMail acceptance rate is no number), and the
    activity and the SSI read as without it."""
    pasted = tmp_path / "pasted"
    shutil.copytree(usage_folder, pasted)
    export = sorted((pasted / "usage_reports").glob("*.csv"))[1]
    lines = export.read_text(encoding="utf-8-sig").splitlines()
    export.write_text("\n".join([*lines[:4], lines[0], *lines[4:], lines[0]]) + "\n",
                      encoding="utf-8")
    clean, b = load_data(usage_folder), load_data(pasted)
    pd.testing.assert_frame_equal(b.activity_periods, clean.activity_periods)
    pd.testing.assert_frame_equal(b.ssi_observed, clean.ssi_observed)
    rej = b.quality.rejects
    assert rej[["file", "row", "value", "reason"]].values.tolist() == [
        [f"usage_reports/{export.name}", row, lines[0].split(",")[0], HEADER_ROW]
        for row in (5, len(lines) + 2)]
    q = _accounted(b).loc["activity"]
    assert (q.rows_read, q.rows_rejected) == (_accounted(clean).loc["activity", "rows_read"] + 2, 2)
