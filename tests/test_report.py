"""The leadership PDF: built from the example, its text checked against results.json."""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest
from conftest import REPORT_EPOCH, write_folder
from pdfcheck import layout_problems
from pypdf import PdfReader

from ssi_analysis.cli import main
from ssi_analysis.errors import SSIDataError
from ssi_analysis.report import ReportOptions, prepare, render

EPOCH = REPORT_EPOCH


@pytest.fixture
def built(example_report):
    """The report as the README builds it, built once per run (conftest.example_report)."""
    return example_report.pdf


def pdf_text(path) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    return re.sub(r"\s+", " ", text)


def test_pdf_pages_and_numbers_match_results_json(built):
    reader = PdfReader(built)
    assert 6 <= len(reader.pages) <= 14
    text = pdf_text(built)
    res = json.loads((built.parent / "tables" / "results.json").read_text())
    r = res["correlation"]["pearson"]
    assert f"Pearson r = {r['estimate']:.2f} (95% CI {r['ci_low']:.2f} to {r['ci_high']:.2f})" \
        in text
    a = res["adjusted"]
    pp = f"{100 * a['estimate']:.1f} percentage points"
    assert pp in text
    assert f"95% CI {100 * a['ci_low']:.1f} to {100 * a['ci_high']:.1f}" in text
    for claim in res["claims"].values():
        for part in (claim, claim["quartiles"]):
            if part["ratio"] is None:
                assert "too few reps to say" in text
            else:
                assert f"{part['ratio']:.2f}" in text
                assert f"{part['ci_low']:.2f} to {part['ci_high']:.2f}" in text
    for bad in ("nan", "None", "Traceback", "NaN", "Error"):
        assert not re.search(rf"\b{bad}\b", text), bad
    # the industry comparison and the weekly changes are the tables' numbers too
    ind = pd.read_csv(built.parent / "tables" / "industry.csv")
    kw = ind[(ind.test == "kruskal_wallis") & (ind.pillar == "insights")].iloc[0]
    assert f"epsilon² {kw.estimate:.2f}, 95% CI {kw.ci_low:.2f} to {kw.ci_high:.2f}" in text
    assert "No team lags its industry" in text or "clearly lag their industry" in text


def test_title_page_and_sections(built):
    first = PdfReader(built).pages[0].extract_text()
    assert "Example Co" in first and "Q2 2026" in first and "2026-06-30" in first
    assert "300 (900 rep-periods)" in first
    text = pdf_text(built)
    for heading in ("Executive summary", "LinkedIn's claims", "SSI and attainment",
                    "Which pillar matters?", "Pillars by industry", "SSI over time",
                    "What to do", "Methods and caveats", "Appendix: data quality"):
        assert heading in text
    assert "R0001" not in text and "Morgan" not in text      # no raw rows, no names


def test_every_character_of_the_example_report_is_on_the_page(built):
    """No text of any page outside the margins or over the footer (every character's box)."""
    assert layout_problems(built) == []


def test_figures_and_tables_beside_the_pdf(built):
    figs = built.parent / "figures"
    for name in ("claims", "ssi_vs_attainment", "attainment_by_band", "coefficients",
                 "pillars_by_industry", "industry_heatmap", "weekly_trend", "leaderboard"):
        assert (figs / f"{name}.png").stat().st_size > 1000
        assert (figs / f"{name}.svg").read_text().startswith("<?xml")
    for name in ("models", "industry", "industry_pairwise", "benchmarks", "team_gaps",
                 "ssi_trend", "leaderboard"):
        assert (built.parent / "tables" / f"{name}.csv").exists(), name
    assert not list(built.parent.glob(".ssi-report-*"))        # no working folder left


def test_the_report_scores_the_activity_once(example_report):
    """One daily scoring serves the panel, the analysis, the benchmarks and the trends; the
    specification curve scores each other window and mode it compares once."""
    runs = example_report.scorings
    assert [r for r in runs if r[:2] == (90, "absolute")] == [(90, "absolute", True)]
    assert len(runs) == len(set(runs)) == 6          # 60 / 90 / 120 days x absolute / relative


def test_same_data_same_pdf_and_creation_date(example_report, built, tmp_path, monkeypatch):
    """The run's report rendered again from its numbers and figures gives the same bytes. (That
    the numbers and figures are the same for the same data is checked on two runs in
    test_anonymized_tables_show_pseudonyms_only.)"""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    for sub in ("tables", "figures"):
        shutil.copytree(built.parent / sub, tmp_path / sub)
    again = render(tmp_path, example_report.context, tmp_path / "again.pdf")
    assert again.read_bytes() == built.read_bytes()
    assert PdfReader(built).metadata["/CreationDate"].startswith("D:20260101000000")


def test_fatal_input_writes_nothing(tmp_path, capsys):
    folder = write_folder(tmp_path / "d", reps="rep_id\nA1\n",
                          activity="rep_id,date,metric,value\nA1,2026-01-01,posts,1\n")
    out = tmp_path / "out" / "r.pdf"
    assert main(["report", "--data", folder, "--out", str(out)]) == 2
    assert "no outcomes table" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "out" / "figures").exists()
    assert main(["report", "--data", "example", "--out", str(tmp_path / "r.html")]) == 2
    with pytest.raises(SSIDataError):
        prepare(folder, tmp_path / "work")
    assert not (tmp_path / "work").exists()


def test_anonymized_tables_show_pseudonyms_only(tmp_path):
    """Two runs of the anonymized report's first step (with fewer resamples than the default:
    nothing checked here depends on them)."""
    fast = tmp_path / "fast.toml"
    fast.write_text("[analysis]\nn_resamples = 200\n\n[industry]\nn_resamples = 200\n")
    options = ReportOptions(anonymize=True, salt="s")
    first, again = tmp_path / "first", tmp_path / "again"
    prepare("example", first, config=fast, options=options)
    panel = pd.read_csv(first / "tables" / "panel.csv")
    assert panel.rep_id.str.match(r"^Rep-[0-9a-f]{6}$").all()
    assert panel.rep_id.nunique() == 300
    prepare("example", again, config=fast, options=options)
    assert (again / "tables" / "panel.csv").read_bytes() == \
        (first / "tables" / "panel.csv").read_bytes()                 # stable pseudonyms
    # the same inputs give the same bytes: every table, results.json and every figure
    for sub in ("tables", "figures"):
        names = sorted(p.name for p in (first / sub).iterdir())
        assert names == sorted(p.name for p in (again / sub).iterdir()) and names
        for name in names:
            assert (again / sub / name).read_bytes() == (first / sub / name).read_bytes(), name


def test_the_data_quality_appendix_accounts_for_every_row(built):
    from ssi_analysis.report.sections import fmt

    res = json.loads((built.parent / "tables" / "results.json").read_text())
    tables = res["data_quality"]["tables"]
    assert {t["table"] for t in tables} == {"reps", "activity", "outcomes", "ssi_observed"}
    text = pdf_text(built)
    for t in tables:
        assert t["rows_read"] == t["rows_used"] + t["rows_rejected"]
        assert (f"{t['file']} {fmt(t['rows_read'])} {fmt(t['rows_used'])} "
                f"{fmt(t['rows_rejected'])}") in text
    panel = res["data_quality"]["panel"]
    assert panel["rows_read"] == panel["rows_used"] + panel["rows_excluded"]


def test_sections_read_p_values_of_zero_and_the_sign_of_pillars():
    from ssi_analysis.report import sections as s

    omnibus = pd.DataFrame([{"pillar": "brand", "test": "kruskal_wallis", "estimable": True,
                             "p_adj": 0.0, "estimate": 0.2, "ci_low": 0.1, "ci_high": 0.3,
                             "statistic": 99.0, "n": 300, "n_groups": 5}])
    text = s.industry_findings(omnibus)
    assert "differ clearly" in text and "brand (epsilon² 0.20" in text and "&lt; 0.0001" in text
    pillars = [{"term": "brand_25", "estimate": -0.06, "ci_low": -0.09, "ci_high": -0.03,
                "p_adj": 0.001, "vif": 2.0, "reason": ""},
               {"term": "people_25", "estimate": 0.01, "ci_low": -0.02, "ci_high": 0.04,
                "p_adj": 0.8, "vif": 2.0, "reason": ""}]
    signal = s.pillar_signal(pillars)
    assert "no pillar goes with higher attainment" in signal
    assert "Higher brand goes with lower attainment" in signal
    todo = s.what_to_do(None, pillars, omnibus)
    assert "No pillar clearly goes with higher attainment" in todo and "brand is" not in todo


def test_the_reports_panel_is_analyzes_when_the_activity_ends_before_the_periods(tmp_path):
    """The report's one daily scoring ends on the last activity date (here 30 March, the first
    period starting 1 April): the days the panel looks up past it are scored as build_panel
    scores them itself, so no rep-period is lost and the panel is analyze's."""
    from teams import Shape, team_folder

    from ssi_analysis import build_panel, load_data, score
    from ssi_analysis.panel import lookup_days
    from ssi_analysis.report import with_lookup_days

    bundle = load_data(team_folder(tmp_path, Shape(reps=6, teams=2, periods=1)))
    assert bundle.activity["date"].max() == pd.Timestamp("2026-03-30")
    daily = score(bundle.activity, bundle.reps, daily=True)
    own = build_panel(bundle)
    assert len(own.data) == 6 and own.excluded.empty
    given = with_lookup_days(bundle, daily)
    wanted = lookup_days(bundle.outcomes, which=("start",))
    assert wanted.merge(given.table, on=["rep_id", "date"]).shape[0] == len(wanted) == 6
    assert len(given.table) == len(daily.table) + 6            # 31 March, for each rep
    pd.testing.assert_frame_equal(build_panel(bundle, scores=given).data, own.data)
    assert given.on("2026-03-30").equals(daily.on())           # the daily range is untouched
    # without them, the lookups past the activity are missing, and said so
    with pytest.raises(SSIDataError) as exc:
        build_panel(bundle, scores=daily)
    assert "6 x the scores given have no SSI the day before the period starts (they run " \
        "from 2025-10-01 to 2026-03-30)" in str(exc.value)
    assert "score(..., at=lookup_days(bundle.outcomes, which=('start',)))" in str(exc.value)
