"""LinkedIn's SSI read as exported, and the whole analysis without activity (issue 14).

The shapes are made by ``simulate`` (a tracker's daily files, weekly team exports), each with the
snapshots they must load to (``truth_observed``), so every test compares with known truth.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ssi_analysis import load_data
from ssi_analysis.analysis import analyze, choose_ssi
from ssi_analysis.cli import main
from ssi_analysis.config import AnalysisConfig
from ssi_analysis.errors import SSIDataError, SSIInputError
from ssi_analysis.io import Bundle
from ssi_analysis.io.cells.scores import shown_numbers
from ssi_analysis.mapping import label_key, linkedin_labels, load_mapping
from ssi_analysis.panel import build_panel
from ssi_analysis.simulate import simulate, write_data_folder
from ssi_analysis.stats.models import adjusted_models

FAST = AnalysisConfig(n_resamples=200, specification_curve=False)
MEASURES = ["ssi", "brand", "people", "insights", "relationships"]


def tracker_folder(path, *, days: int = 60, seed: int = 3):
    tables, truth = simulate(20, seed=seed, days=days, shape="tracker")
    write_data_folder(tables, truth, path)
    return path, truth


def team_folder(path, *, reps: int = 60, seed: int = 1, scenario: str = "effect",
                days: int = 181):
    tables, truth = simulate(reps, seed=seed, days=days, shape="team-export",
                             scenario=scenario)
    write_data_folder(tables, truth, path)
    return path


def truth_of(folder) -> pd.DataFrame:
    return pd.read_csv(folder / "truth_observed.csv", parse_dates=["date"])


# ------------------------------------------------------------------ the Done-when scenario
def test_a_trackers_daily_files_give_one_snapshot_per_day_and_lose_no_row(tmp_path, capsys):
    folder, truth = tracker_folder(tmp_path / "data", days=70)
    assert sorted(p.name for p in folder.iterdir()) == ["ssi_observed", "truth.json",
                                                        "truth_observed.csv"]
    out = tmp_path / "out" / "snapshots.csv"
    assert main(["observed", "--data", str(folder), "--out", str(out), "--rep", "Bruno"]) == 0
    printed = capsys.readouterr().out
    assert "columns match the tracker mapping" in printed
    snaps = pd.read_csv(out, parse_dates=["date"])
    expected = truth_of(folder)
    # one snapshot per tracked day, the member's own pillars, ranks and both benchmarks
    assert snaps["rep_id"].unique().tolist() == ["Bruno"]
    assert snaps["date"].is_unique and len(snaps) == len(expected)
    pd.testing.assert_frame_equal(snaps.drop(columns="rep_id"), expected[snaps.columns[1:]],
                                  check_dtype=False)
    assert snaps[["industry_rank", "network_rank", "industry_ssi", "network_ssi"]].notna().all(
        axis=None)
    # the older layout has no pillar averages of the groups, the newer has both
    newer = snaps["date"] >= pd.Timestamp(truth["layout_change"])
    assert newer.any() and (~newer).any()
    assert snaps.loc[newer, ["industry_brand", "network_relationships"]].notna().all(axis=None)
    assert snaps.loc[~newer, "industry_brand"].isna().all()
    # no row lost: every line of every file is used or rejected with a reason
    lines = sum(len(pd.read_csv(p, sep=";")) for p in (folder / "ssi_observed").glob("*.csv"))
    b = load_data(folder, rep="Bruno")
    t = b.quality.tables["ssi_observed"]
    assert t.rows_read == lines == t.rows_used + t.rows_rejected
    fc = b.quality.file_counts
    assert len(fc) == len(list((folder / "ssi_observed").glob("*.csv")))
    assert (fc.rows_read == fc.rows_used + fc.rows_rejected).all()
    rejects = pd.read_csv(out.with_name("snapshots.rejects.csv"))
    assert len(rejects) == t.rows_rejected
    # what was left out, and why: text lines, the rank repeated, the day's earlier run
    kinds = b.quality.rejects["kind"].value_counts()
    assert set(kinds.index) == {"no number (a line of text)", "duplicate of another row",
                                "an earlier snapshot of the same day"}
    text = b.quality.rejects[b.quality.rejects.kind == "no number (a line of text)"]
    assert text.reason.str.contains("Sem alterações na última semana").any()
    assert text.reason.str.contains("text the page shows, not a score").all()


def test_without_rep_the_tracker_files_stop_naming_the_option_and_the_mapping_key(tmp_path,
                                                                                   capsys):
    folder, _ = tracker_folder(tmp_path / "data", days=5)
    assert main(["observed", "--data", str(folder), "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "the file names no rep" in err and "ssi_observed/ssi_" in err
    assert "--rep ID" in err and "rep = \"ID\"" in err and "[ssi_observed]" in err


def test_a_mapping_default_names_the_rep(tmp_path):
    folder, _ = tracker_folder(tmp_path / "data", days=5)
    mapping = tmp_path / "mine.toml"
    mapping.write_text('[mapping]\nbase = "tracker"\n\n[ssi_observed]\nrep = "R042"\n',
                       encoding="utf-8")
    b = load_data(folder, mapping=mapping)
    assert b.ssi_observed["rep_id"].unique().tolist() == ["R042"]
    assert b.reps["rep_id"].tolist() == ["R042"]          # one member, no reps table


def test_several_members_take_the_rep_from_the_path(tmp_path):
    data = tmp_path / "data"
    for who, seed in (("ana", 1), ("bo", 2)):
        src, _ = tracker_folder(tmp_path / who, days=5, seed=seed)
        for f in (src / "ssi_observed").glob("*.csv"):
            target = data / "ssi_observed" / who / "2026" / f.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(f.read_bytes())
    (data / "reps.csv").write_text("rep_id\nana\nbo\n", encoding="utf-8")
    mapping = tmp_path / "team.toml"
    mapping.write_text('[mapping]\nbase = "tracker"\n\n[ssi_observed]\n'
                       'rep_from_path = "^(?P<rep>[^/]+)/"\n', encoding="utf-8")
    b = load_data(data, mapping=mapping)
    assert b.ssi_observed.groupby("rep_id").size().to_dict() == {"ana": 5, "bo": 5}
    assert b.quality.rejects["file"].str.startswith(("ssi_observed/ana/2026/",
                                                     "ssi_observed/bo/2026/")).all()
    # without the mapping the files name no rep; --rep would make them one member's: refused
    with pytest.raises(SSIInputError, match="names no rep"):
        load_data(data)


# ------------------------------------------------------------------ values as a person reads them
@pytest.mark.parametrize("shown, number", [
    ("52 de 100", "52"), ("52 out of 100", "52"), ("32 из 100", "32"), ("52/100", "52"),
    ("Top 10%", "10"), ("Primeiros 10%", "10"), ("top 9 %", "9"), ("51 %", "51"),
    ("20,998", "20,998"), (" 6.4 ", "6.4"), ("Você está entre os primeiros 7%", "7")])
def test_scores_are_read_as_shown(shown, number):
    labels = load_mapping("canonical").observed_labels()
    text, none = shown_numbers(pd.Series([shown]), rank_words=labels.rank_words,
                               out_of=labels.out_of)
    assert text.tolist() == [number] and not none.iloc[0]


def test_decimal_comma_in_one_column_and_point_in_another_read_alike(tmp_path):
    folder, _ = tracker_folder(tmp_path / "data", days=8)
    point = tmp_path / "point.toml"
    point.write_text('[mapping]\nbase = "tracker"\n\n[ssi_observed.columns]\n'
                     'value = ["valor_numerico"]\n', encoding="utf-8")
    comma = load_data(folder, rep="R1").ssi_observed
    points = load_data(folder, rep="R1", mapping=point).ssi_observed
    pd.testing.assert_frame_equal(comma, points)


def test_linkedins_labels_name_one_field_each_in_every_language():
    shipped = linkedin_labels()
    seen: dict[str, str] = {}
    for label, target in shipped.fields:
        assert seen.setdefault(label_key(label), target) == target, label
    sections: dict[str, str] = {}
    for label, group in shipped.sections:
        assert sections.setdefault(label_key(label), group) == group, label
    labels = load_mapping("canonical").observed_labels()
    for label, field in (("Estabelecer sua marca profissional", "brand"),
                         ("Find the right people", "people"),
                         ("Interactúa ofreciendo información", "insights"),
                         ("Развивайте отношения", "relationships"),
                         ("Classificacao SSI do setor", "industry_rank")):   # accents left out
        assert labels.field(label) == field
    assert labels.section("People in your network") == "network"
    assert "remaining_points" in labels.skip


def test_long_form_with_sections_in_english_and_the_rows_that_are_no_score(tmp_path):
    rows = [("Your Social Selling Index", "Industry SSI rank", "Top 37%"),
            ("Current Social Selling Index", "Current Social Selling Index", "40 out of 100"),
            *[("Current Social Selling Index", p, "10") for p in (
                "Establish your professional brand", "Find the right people",
                "Engage with insights", "Build relationships")],
            ("Current Social Selling Index", "Remaining points", "60"),
            ("People in your industry", "Find the right people", "5,5"),
            ("People in your industry", "Industry SSI", "30"),
            ("People in your network", "Establish your professional brand", "12,25"),
            ("People in your network", "Industry SSI rank", "Top 5%"),        # 12: wrong block
            ("People in your network", "Note", "No change since last week"),  # 13: text
            ("Footer", "Promotion", "See more in Sales Navigator"),           # 14: text
            ("Somewhere", "Build relationships", "3"),                        # 15: unknown section
            ("Current Social Selling Index", "Mood", "7")]                    # 16: unknown field
    text = "date;section;field;value\n" + "".join(
        f"2026-05-19;{s};{f};{v}\n" for s, f, v in rows)
    (tmp_path / "ssi_observed.csv").write_text(text, encoding="utf-8")
    b = load_data(tmp_path, rep="me")
    snap = b.ssi_observed.iloc[0]
    assert (snap.ssi, snap.brand, snap.industry_rank, snap.industry_people, snap.industry_ssi,
            snap.network_brand) == (40, 10, 37, 5.5, 30, 12.25)
    rej = b.quality.rejects.set_index("row")
    assert rej.loc[8, "reason"] == "'Remaining points' is not a score (the mapping's skip list)"
    assert rej.loc[12, "kind"] == "field does not belong to its section"
    assert "no number in 'No change since last week'" in rej.loc[13, "reason"]
    assert rej.loc[14, "kind"] == "no number (a line of text)"
    assert rej.loc[15, "reason"] == "unknown section 'Somewhere'"
    assert rej.loc[16, "reason"] == "unknown field 'Mood'"
    t = b.quality.tables["ssi_observed"]
    assert (t.rows_read, t.rows_used, t.rows_rejected) == (15, 9, 6)
    notes = "\n".join(b.quality.notes)
    assert "[ssi_sections]" in notes and "[ssi_fields]" in notes


def test_two_values_for_a_field_of_a_snapshot_are_both_rejected_naming_the_rows(tmp_path):
    text = ("rep_id,date,section,field,value\n"
            + "".join(f"A,2026-05-19,,{f},{v}\n" for f, v in (
                ("ssi", 40), ("brand", 10), ("people", 10), ("insights", 10),
                ("relationships", 10)))
            + "A,2026-05-19,People in your industry,Find the right people,5\n"
            + "A,2026-05-19,People in your industry,Find the right people,6\n")
    (tmp_path / "ssi_observed.csv").write_text(text, encoding="utf-8")
    b = load_data(tmp_path)
    rej = b.quality.rejects
    assert rej.row.tolist() == [7, 8]
    assert (rej.reason == "different values for industry_people on the same rep and date "
                          "(rows 7, 8)").all()
    assert "industry_people" not in b.ssi_observed      # the snapshot itself is kept
    assert b.ssi_observed.ssi.tolist() == [40.0]


def test_a_fields_value_that_is_no_number_is_rejected_and_costs_only_what_it_must(tmp_path):
    def snapshot(day, brand, rank):
        return "".join(f"A,{day},,{f},{v}\n" for f, v in (
            ("Current Social Selling Index", "40 out of 100"), ("brand", brand),
            ("people", 10), ("insights", 10), ("relationships", 10),
            ("Industry SSI rank", rank)))
    text = ("rep_id,date,section,field,value\n" + snapshot("2026-05-18", 10, "Top %")
            + snapshot("2026-05-19", "abc", "Top 5%"))
    (tmp_path / "ssi_observed.csv").write_text(text, encoding="utf-8")
    b = load_data(tmp_path)
    rej = b.quality.rejects.set_index("row")
    # the rank without its number: that row only; the 18th is used without a rank
    assert rej.loc[7, "reason"] == "value is not a number" and rej.loc[7, "value"] == "Top %"
    assert b.ssi_observed.date.dt.day.tolist() == [18]
    assert "industry_rank" not in b.ssi_observed and b.ssi_observed.brand.tolist() == [10]
    # a pillar that is no number: its row, then every other row of the snapshot (incomplete)
    assert rej.loc[9, "reason"] == "value is not a number" and rej.loc[9, "value"] == "abc"
    assert (rej.loc[[8, 10, 11, 12, 13], "reason"] == "snapshot incomplete: no brand").all()
    t = b.quality.tables["ssi_observed"]
    assert (t.rows_read, t.rows_used, t.rows_rejected) == (12, 5, 7)


def test_a_file_that_fits_no_layout_stops_naming_the_mapping_keys(tmp_path):
    (tmp_path / "ssi_observed").mkdir()
    (tmp_path / "ssi_observed" / "x.csv").write_text("when,what,how much\n1,2,3\n",
                                                     encoding="utf-8")
    with pytest.raises(SSIInputError) as exc:
        load_data(tmp_path, rep="me")
    text = str(exc.value)
    assert "ssi_observed/x.csv" in text and "fit no ssi_observed layout" in text
    assert "[ssi_observed.columns]" in text and "columns found: when, what, how_much" in text


def test_ssi_observed_there_twice_or_as_an_empty_folder_stops(tmp_path):
    folder, _ = tracker_folder(tmp_path / "data", days=3)
    (folder / "ssi_observed.csv").write_text("rep_id,date,ssi\n", encoding="utf-8")
    with pytest.raises(SSIInputError, match="there twice"):
        load_data(folder, rep="me")
    empty = tmp_path / "empty"
    (empty / "ssi_observed").mkdir(parents=True)
    (empty / "ssi_observed" / "notes.md").write_text("hi", encoding="utf-8")
    with pytest.raises(SSIInputError, match="holds no file of a table type"):
        load_data(empty)


def test_a_day_tracked_twice_uses_the_later_run_and_rejects_the_earlier(tmp_path):
    head = "data_referencia;hora_referencia;secao;campo;valor_original\n"
    rows = "".join(f"2026-05-19;{t};Os quatro componentes da sua pontuação;{f};{v}\n"
                   for t, (f, v) in [(t, fv) for t in ("18:05", "09:27") for fv in (
                       ("Estabelecer sua marca profissional", "20,5"),
                       ("Localizar as pessoas certas", "6,5"),
                       ("Interagir oferecendo insights", "10"),
                       ("Criar relacionamentos", "15"))])
    rows += "2026-05-19;09:27;Social Selling Index atual;Social Selling Index atual;52 de 100\n"
    rows += "2026-05-19;18:05;Social Selling Index atual;Social Selling Index atual;53 de 100\n"
    (tmp_path / "ssi_observed").mkdir()
    (tmp_path / "ssi_observed" / "ssi_2026-05-19.csv").write_text(head + rows,
                                                                 encoding="utf-8")
    b = load_data(tmp_path, rep="me")
    assert b.ssi_observed[["ssi", "brand"]].values.tolist() == [[53.0, 20.5]]
    rej = b.quality.rejects
    assert rej.row.tolist() == [6, 7, 8, 9, 10]
    assert rej.reason.str.startswith("an earlier snapshot of the same day: the one at 18:05 "
                                     "(row 2) is used").all()


# ------------------------------------------------------------------ the analysis without activity
def test_outcomes_runs_without_activity(tmp_path, capsys):
    tables, truth = simulate(12, seed=1, days=100, shape="raw")
    tables.pop("activity")
    write_data_folder(tables, truth, tmp_path / "data")
    out = tmp_path / "out" / "outcomes.csv"
    assert main(["outcomes", "--data", str(tmp_path / "data"), "--out", str(out)]) == 0
    derived = pd.read_csv(out)
    expected = tables["truth_outcomes"]
    assert len(derived) == len(expected)
    assert np.allclose(derived.sort_values(["rep_id", "period_start"]).bookings,
                       expected.sort_values(["rep_id", "period_start"]).bookings)
    assert main(["validate", "--data", str(tmp_path / "data")]) == 0
    assert "no activity table" in capsys.readouterr().out


def test_analyze_on_reported_ssi_without_activity_finds_a_planted_effect(tmp_path, capsys):
    folder = team_folder(tmp_path / "effect", reps=150, seed=3)
    out = tmp_path / "out"
    assert main(["analyze", "--data", str(folder), "--out", str(out), "--seed", "1"]) == 0
    printed = capsys.readouterr().out
    assert "the SSI analysed is LinkedIn's reported one" in printed
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert res["meta"]["ssi_source"] == "observed" and res["meta"]["as_of"] is not None
    adj = res["adjusted"]
    assert adj["ci_low"] > 0 and adj["n_reps"] == 150
    assert res["summary"][0].startswith("Across 450 rep-periods (150 reps), LinkedIn's "
                                        "reported SSI")
    assert "LinkedIn's own number" in res["summary"][-1]


def _observed_bundle(tables) -> Bundle:
    obs = tables["truth_observed"].assign(date=lambda d: pd.to_datetime(d["date"]))
    out = tables["outcomes"].copy()
    for col in ("period_start", "period_end"):
        out[col] = pd.to_datetime(out[col])
    return Bundle(reps=tables["reps"], activity=None, outcomes=out, ssi_observed=obs)


def test_reported_ssi_analysis_finds_no_effect_under_the_null():
    tables, _ = simulate(150, seed=3, scenario="null", shape="team-export")
    res = analyze(_observed_bundle(tables), ssi="observed", analysis=FAST)
    ols = res.tables["models"].set_index("model").loc["OLS"]
    assert ols.ci_low < 0 < ols.ci_high
    rejections = 0
    for seed in range(40):
        tables, _ = simulate(200, seed=700 + seed, scenario="null", days=120, outcome_months=1,
                             shape="team-export")
        panel = build_panel(_observed_bundle(tables), ssi="observed").data
        t = adjusted_models(panel, which=["OLS"]).set_index("model")
        rejections += t.loc["OLS", "p_val"] < 0.05
    # binomial(40, 0.05): P(7 or more) is about 1%
    assert rejections <= 6


def test_the_panel_counts_periods_without_a_snapshot(tmp_path):
    tables, _ = simulate(30, seed=2, days=150, outcome_months=2, shape="team-export")
    b = _observed_bundle(tables)
    late = b.ssi_observed["rep_id"].isin(b.reps["rep_id"][:10])
    b.ssi_observed = b.ssi_observed[~late | (b.ssi_observed["date"] < "2026-03-15")]
    panel = build_panel(b, ssi="observed")
    missing = len(panel.excluded)
    assert missing > 0
    assert any(f"{missing} of {panel.rows_read} rep-periods had no LinkedIn snapshot" in n
               for n in panel.notes)
    with pytest.raises(SSIDataError, match="no activity table to compute SSI from"):
        build_panel(b, ssi="computed")
    assert choose_ssi(b, None)[0] == "observed"


# ------------------------------------------------------------------ simulate, examples, report
def test_simulate_never_writes_data_from_the_future(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SSI_ANALYSIS_TODAY", "2026-12-01")
    assert main(["simulate", "--out", str(tmp_path / "a"), "--reps", "6", "--days", "400"]) == 0
    assert "data start 2025-10-28 and end today" in capsys.readouterr().out
    truth = json.loads((tmp_path / "a" / "truth.json").read_text())
    assert truth["start"] == "2025-10-28"
    b = load_data(tmp_path / "a")                       # nothing rejected as in the future
    assert b.quality.rejects.empty and b.activity["date"].max() == pd.Timestamp("2026-12-01")
    assert main(["simulate", "--out", str(tmp_path / "b"), "--reps", "6", "--days", "120",
                 "--start", "2025-03-02"]) == 0
    assert json.loads((tmp_path / "b" / "truth.json").read_text())["start"] == "2025-03-02"
    capsys.readouterr()
    assert main(["simulate", "--out", str(tmp_path / "c"), "--days", "400",
                 "--start", "2026-03-01"]) == 2
    err = capsys.readouterr().err
    assert "--start 2026-03-01 with --days 400 ends 2027-04-04" in err
    assert "start on 2025-10-28 or earlier" in err and not (tmp_path / "c").exists()
    with pytest.raises(SystemExit) as exc:    # as the parser refuses a number (exit 2)
        main(["simulate", "--out", str(tmp_path / "d"), "--days", "40"])
    assert exc.value.code == 2 and not (tmp_path / "d").exists()
    assert ("argument --days: must be a whole number from 91 to 3660 (from 1 with --shape "
            "tracker), got '40'") in capsys.readouterr().err
    assert main(["simulate", "--out", str(tmp_path / "e"), "--days", "40", "--shape",
                 "tracker", "--start", "2026-03-01"]) == 0


@pytest.mark.parametrize("name, args", [
    ("example-tracker", ["--shape", "tracker", "--days", "120", "--seed", "7",
                         "--start", "2026-01-05"]),
    ("example-team", ["--shape", "team-export", "--reps", "120", "--seed", "7",
                      "--start", "2026-01-01"])])
def test_bundled_examples_are_what_simulate_writes(tmp_path, name, args):
    from ssi_analysis.io import example_data_dir

    assert main(["simulate", "--out", str(tmp_path / name), *args]) == 0
    bundled = example_data_dir(name)
    files = sorted(p.relative_to(bundled) for p in bundled.rglob("*") if p.is_file())
    made = sorted(p.relative_to(tmp_path / name) for p in (tmp_path / name).rglob("*")
                  if p.is_file())
    assert files == made
    assert all((bundled / f).read_bytes() == (tmp_path / name / f).read_bytes() for f in files)


def test_the_report_on_linkedins_ssi_says_so_throughout(tmp_path):
    from ssi_analysis.io import example_data_dir
    from ssi_analysis.report import ReportOptions, prepare, sections

    config = tmp_path / "fast.toml"
    config.write_text("[analysis]\nn_resamples = 200\nspecification_curve = false\n",
                      encoding="utf-8")
    context = prepare(example_data_dir("example-team"), tmp_path / "work", config=config,
                      options=ReportOptions())
    res = json.loads((tmp_path / "work" / "tables" / "results.json").read_text())
    meta = res["meta"]
    assert meta["ssi_source"] == "observed"
    assert "the SSI analysed is LinkedIn's reported one" in context["notes"][0]
    captions = context["figures"]
    assert "LinkedIn's reported SSI" in captions["weekly_trend"]
    assert "LinkedIn's reported" in captions["ssi_distribution"]
    assert "LinkedIn's reported scores" in captions["pillars_by_industry"]
    for text in (sections.ssi_timing(meta), sections.industry_intro(meta),
                 sections.ssi_source_text(meta),
                 sections.scoring_settings(meta, res["scoring_config"]["metrics"])):
        assert "LinkedIn" in text
    assert "Scoring window" not in sections.scoring_settings(meta, {})
    assert any("LinkedIn's own number" in s for s in res["summary"])


def test_mapping_files_of_ssi_observed_are_read_strictly(tmp_path):
    from ssi_analysis.errors import SSIConfigError

    cases = [('[ssi_observed]\nrep_form_path = "x"\n', "did you mean 'rep_from_path'?"),
             ('[ssi_observed]\nrep_from_path = "([^/]+)/"\n', "no group named 'rep'"),
             ('[ssi_observed]\ndate_from_path = "(?P<date>["\n', "not a valid regular"),
             ('[ssi_observed.columns]\nfeild = "x"\n', "did you mean 'field'?"),
             ('[ssi_sections]\n"A" = "industri"\n', "did you mean 'industry'?"),
             ('[ssi_observed]\nrep = 7\n', "rep must be a rep id")]
    for text, fragment in cases:
        path = tmp_path / "m.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(SSIConfigError) as exc:
            load_mapping(path)
        assert fragment in str(exc.value), text


def test_observed_command_pseudonymises_and_reads_only_what_it_needs(tmp_path, capsys):
    folder = team_folder(tmp_path / "data", reps=8, days=120)
    (folder / "activity.csv").write_text("rep_id,date,metric,value\nnobody,x,y,z\n",
                                         encoding="utf-8")
    out = tmp_path / "o" / "snaps.csv"
    assert main(["observed", "--data", str(folder), "--out", str(out), "--anonymize",
                 "--salt", "s"]) == 0
    printed = capsys.readouterr().out
    assert "not read: activity.csv" in printed
    snaps = pd.read_csv(out)
    assert not snaps.rep_id.str.contains("@").any() and len(snaps) == len(truth_of(folder))
