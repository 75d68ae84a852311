"""Degenerate teams: every command on teams of one, two and three reps, one industry, one
period, identical scores, every count zero, identical outcomes, no reported SSI.

Each gives a result whose missing numbers carry a reason, or stops with a clear message: never
a traceback, never a warning (a division by zero, an overflow, an empty axis), never "nan" or
"inf" on the page.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from pdfcheck import layout_problems
from pypdf import PdfReader
from teams import Shape, team_folder

import ssi_analysis.report as report
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
STOPS = [Shape(reps=3, activity="none")]       # no activity row at all: a clear stop
MISSING = r"\b(nan|inf|NaN)\b|\bNone\b(?! of)"
"""A number that is missing or infinite, printed as it is (not "None of the ...")."""


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
    return code, out, err, _shown(caught)


def _shown(caught: list[warnings.WarningMessage]) -> list[str]:
    """The warnings a user would see (deprecations aside), as ``Category: message``."""
    return [f"{w.category.__name__}: {w.message}" for w in caught
            if not issubclass(w.category, DeprecationWarning | PendingDeprecationWarning)]


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


def _prepare_strictly(*args, **kwargs) -> dict:
    """The report's first step with every warning an error (deprecations aside)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        return prepare(*args, **kwargs)


REPORTS = {"one rep": (Shape(reps=1), "computed"),
           "two reps, zero activity, observed": (Shape(reps=2, activity="zero", observed=True,
                                                       outcomes="identical"), "observed")}
"""The whole reports built, by the command line: their first step is also the figures and
tables test of that team and SSI (the same call, not made twice)."""


@dataclass(frozen=True)
class Built:
    """A report run: exit code, output, errors, warnings shown (deprecations aside), the
    context its first step gave, the figures left open after it, and the PDF."""

    code: int
    out: str
    err: str
    shown: list[str]
    context: dict | None
    open_figures: list[int]
    pdf: Path


def _build_report(shape: Shape, ssi: str, base: Path, config: Path) -> Built:
    data = team_folder(base / "data", shape)
    pdf = base / "r.pdf"
    contexts = []

    def preparing(*args, **kwargs):
        contexts.append(_prepare_strictly(*args, **kwargs))
        return contexts[-1]

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mp.setattr(report, "prepare", preparing)
        code = main(["report", "--data", str(data), "--out", str(pdf), "--config", str(config),
                     "--ssi", ssi])
    return Built(code, out.getvalue(), err.getvalue(), _shown(caught),
                 contexts[0] if contexts else None,
                 plt.get_fignums(), pdf)


@pytest.fixture(scope="module")
def reports(tmp_path_factory, config):
    """Each report of :data:`REPORTS`, built once (on first use) for the tests that read it."""
    built: dict[tuple[Shape, str], Built] = {}

    def report_of(shape: Shape, ssi: str) -> Built:
        if (shape, ssi) not in built:
            built[(shape, ssi)] = _build_report(shape, ssi, tmp_path_factory.mktemp("report"),
                                                config)
        return built[(shape, ssi)]
    return report_of


@pytest.mark.parametrize("shape", [s for s in SHAPES if not s.raw], ids=lambda s: s.name)
def test_the_report_s_figures_and_tables_on_a_degenerate_team(shape, tmp_path, config, reports):
    data = team_folder(tmp_path / "data", shape)
    for ssi in ("computed", "observed") if shape.observed else ("computed",):
        if (shape, ssi) in REPORTS.values():        # the first step of a report built whole
            built = reports(shape, ssi)
            assert built.code == 0 and built.context is not None, built.err
            context, open_figures, work = built.context, built.open_figures, built.pdf.parent
        else:
            work = tmp_path / ssi
            context = _prepare_strictly(data, work, config=config,
                                        options=ReportOptions(ssi=ssi))
            open_figures = plt.get_fignums()
        assert open_figures == []                        # every figure closed
        assert {"claims", "ssi_vs_attainment", "attainment_by_band",
                "ssi_distribution"} <= set(context["figures"])
        for name in context["figures"]:
            assert (work / "figures" / f"{name}.png").stat().st_size > 1000
        _reasons_given(work / "tables")


@pytest.mark.parametrize("case", REPORTS)
def test_the_report_of_a_degenerate_team(case, reports):
    built = reports(*REPORTS[case])
    assert (built.code, built.err) == (0, "")
    assert [w for w in built.shown if "notebook wrote to stderr" in w] == []
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(built.pdf).pages))
    assert not re.search(MISSING, text)
    for bad in ("Traceback", "Error"):
        assert not re.search(rf"\b{bad}\b", text), bad
    assert "too few reps" in text
    assert layout_problems(built.pdf) == []
