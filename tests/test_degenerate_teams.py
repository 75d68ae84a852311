"""Degenerate teams: every command on teams of one, two and three reps, one industry, one
period, identical scores, every count zero, identical outcomes, no reported SSI.

Each gives a result whose missing numbers carry a reason, or stops with a clear message: never
a traceback, never a warning (a division by zero, an overflow, an empty axis), never "nan" or
"inf" on the page.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from pdfcheck import layout_problems
from pypdf import PdfReader
from teams import Shape, team_folder

from ssi_analysis.cli import main
from ssi_analysis.report import ReportOptions, prepare

SHAPES = [
    Shape(reps=1),
    Shape(reps=1, periods=3, activity="zero"),
    Shape(reps=1, activity="identical", observed=True),
    Shape(reps=2, observed=True),
    Shape(reps=2, periods=3, activity="identical"),
    Shape(reps=2, activity="zero", observed=True, outcomes="identical"),
    Shape(reps=3, activity="identical", teams=3),
    Shape(reps=3, periods=3, observed=True, industries=3, teams=3),
    Shape(reps=3, outcomes="identical", industry_column=False),
    Shape(reps=12, teams=2),                      # SSI separates who hit quota
    Shape(reps=12, periods=2, industry_column=False),  # attainment constant within reps
    Shape(reps=1, raw=True, activity="zero"),
    Shape(reps=3, raw=True, periods=3),
]
STOPS = [Shape(reps=3, activity="none")]
MISSING = r"\b(nan|inf|NaN)\b|\bNone\b(?! of)"
"""A number that is missing or infinite, printed as it is (not "None of the ...")."""          # no activity row at all: a clear stop


def commands(shape: Shape, data: Path, out: Path, config: Path) -> list[list[str]]:
    runs = [["validate", "--data", str(data)],
            ["score", "--data", str(data), "--out", str(out / "s.csv")],
            ["score", "--data", str(data), "--out", str(out / "d.csv"), "--engine", "duckdb"],
            ["analyze", "--data", str(data), "--out", str(out / "a"), "--config", str(config)]]
    if shape.observed:
        runs.append(["analyze", "--data", str(data), "--out", str(out / "o"), "--config",
                     str(config), "--ssi", "observed"])
    if shape.raw:
        runs.append(["outcomes", "--data", str(data), "--out", str(out / "oc.csv")])
    return runs


def run_quietly(args: list[str], capsys) -> tuple[int, str, str, list[str]]:
    """Exit code, output, errors and the warnings raised (other than deprecations)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main(args)
    out, err = capsys.readouterr()
    shown = [f"{w.category.__name__}: {w.message}" for w in caught
             if not issubclass(w.category, DeprecationWarning | PendingDeprecationWarning)]
    return code, out, err, shown


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    path = tmp_path_factory.mktemp("cfg") / "c.toml"
    path.write_text("[analysis]\nn_resamples = 200\n")
    return path


def _reasons_given(folder: Path) -> None:
    """Every estimate a table could not give says why."""
    for table in folder.glob("*.csv"):
        if table.stat().st_size <= 1:              # a table with no column (nothing to say)
            continue
        df = pd.read_csv(table)
        if "estimable" in df and "reason" in df:
            missing = df[~df["estimable"].astype(bool)]
            assert missing["reason"].fillna("").astype(str).str.strip().ne("").all(), table.name


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.name)
def test_every_command_on_a_degenerate_team(shape, tmp_path, capsys, config):
    if shape.raw:
        pytest.importorskip("duckdb")
    data = team_folder(tmp_path / "data", shape)
    for args in commands(shape, data, tmp_path / "out", config):
        if "duckdb" in args:
            pytest.importorskip("duckdb")
        code, out, err, shown = run_quietly(args, capsys)
        assert (code, err, shown) == (0, "", []), args
        assert not re.search(MISSING, out), (args, out)
    if shape.raw:
        return                                     # analysed from the derived outcomes
    for results in (tmp_path / "out").glob("[ao]"):
        _reasons_given(results)
        summary = json.loads((results / "results.json").read_text())["summary"]
        assert summary and all(isinstance(s, str) and s for s in summary)


@pytest.mark.parametrize("shape", STOPS, ids=lambda s: s.name)
def test_a_team_without_data_stops_with_a_message(shape, tmp_path, capsys, config):
    data = team_folder(tmp_path / "data", shape)
    for args in commands(shape, data, tmp_path / "out", config):
        if "duckdb" in args:
            pytest.importorskip("duckdb")
        code, out, err, shown = run_quietly(args, capsys)
        assert code == (1 if args[0] == "validate" else 2), args
        text = out + err
        assert "Traceback" not in text and shown == []
        assert "fix:" in text and ("activity" in text)


@pytest.mark.parametrize("shape", [s for s in SHAPES if not s.raw], ids=lambda s: s.name)
def test_the_report_s_figures_and_tables_on_a_degenerate_team(shape, tmp_path, config):
    data = team_folder(tmp_path / "data", shape)
    for ssi in ("computed", "observed") if shape.observed else ("computed",):
        work = tmp_path / ssi
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            context = prepare(data, work, config=config, options=ReportOptions(ssi=ssi))
        assert plt.get_fignums() == []                   # every figure closed
        assert {"claims", "ssi_vs_attainment", "attainment_by_band",
                "ssi_distribution"} <= set(context["figures"])
        for name in context["figures"]:
            assert (work / "figures" / f"{name}.png").stat().st_size > 1000
        _reasons_given(work / "tables")


@pytest.mark.parametrize("shape, ssi", [(Shape(reps=1), "computed"),
                                        (Shape(reps=2, activity="zero", observed=True,
                                               outcomes="identical"), "observed")],
                         ids=["one rep", "two reps, zero activity, observed"])
def test_the_report_of_a_degenerate_team(shape, ssi, tmp_path, capsys, config):
    data = team_folder(tmp_path / "data", shape)
    pdf = tmp_path / "r.pdf"
    code, out, err, shown = run_quietly(["report", "--data", str(data), "--out", str(pdf),
                                         "--config", str(config), "--ssi", ssi], capsys)
    assert (code, err) == (0, "")
    assert [w for w in shown if "notebook wrote to stderr" in w] == []
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(pdf).pages))
    assert not re.search(MISSING, text)
    for bad in ("Traceback", "Error"):
        assert not re.search(rf"\b{bad}\b", text), bad
    assert "too few reps" in text
    assert layout_problems(pdf) == []
