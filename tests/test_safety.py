"""Safe outputs: atomic writes, no output over an input, formulas defused, no code from users.

Every writer is made to fail half-way through: the file it was replacing must be intact and no
temporary file left behind. Every command is pointed at its own inputs. CSV cells that a
spreadsheet would run as formulas are quoted in every CSV the toolkit writes (both scoring
engines, the rejects files, simulated folders). No user-supplied text is unpickled or
evaluated, and every config table is read strictly.
"""

from __future__ import annotations

import ast
import csv
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import write_folder

import ssi_analysis
from ssi_analysis.cli import main
from ssi_analysis.config import load_analysis_config, load_config, load_section
from ssi_analysis.crm import load_mapping
from ssi_analysis.errors import SSIConfigError, SSIError
from ssi_analysis.outputs import (
    atomic_path,
    defuse,
    refuse_overwriting_inputs,
    write_bytes,
    write_table,
    write_text,
)
from ssi_analysis.plots import save_figure
from ssi_analysis.simulate import simulate, write_data_folder

REPS = "rep_id,team,industry\nR001,T1,Software\nR002,T1,Software\n"
ACT = ("rep_id,date,metric,value\nR001,2026-01-05,posts,2\nR001,2026-01-05,people_searches,3\n"
       "R002,2026-01-06,comments,1\nR002,2026-01-06,colleague_connections,1\n")
OPPS = ("owner,opportunity_id,created_date,close_date,stage,amount\n"
        "R001,O1,2026-04-02,2026-04-20,Closed Won,1000\n")
QUOTAS = "rep_id,period_start,period_end,quota\nR001,2026-04-01,2026-04-30,2000\n"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


class Boom(RuntimeError):
    pass


# ------------------------------------------------------------------ atomic writes
@pytest.mark.parametrize("target, patch", [
    ("t.csv", ("pyarrow.csv", "write_csv")),                 # the fast CSV writer
    ("t.csv", ("pandas.DataFrame", "to_csv")),               # text that needs quoting
    ("t.parquet", ("pandas.DataFrame", "to_parquet")),
])
def test_write_table_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch, target, patch):
    path = tmp_path / target
    path.write_text("the old file")
    module, name = patch
    owner = pd.DataFrame if module == "pandas.DataFrame" else __import__(module, fromlist=[name])

    def half(*args, **kwargs):
        dest = args[1] if module == "pyarrow.csv" else (args[1] if len(args) > 1 else
                                                          kwargs.get("path_or_buf"))
        Path(dest).write_text("half a fi")
        raise Boom

    monkeypatch.setattr(owner, name, half)
    df = pd.DataFrame({"rep_id": ["a,b" if "to_csv" in name else "a"], "ssi": [1.0]})
    with pytest.raises(Boom):
        write_table(df, path)
    assert path.read_text() == "the old file" and leftovers(tmp_path) == []


def test_text_bytes_and_any_block_are_atomic(tmp_path):
    path = tmp_path / "r.json"
    path.write_text("old")
    with pytest.raises(TypeError):
        write_text(12345, path)            # fails inside the write
    with pytest.raises(TypeError):
        write_bytes("not bytes", path)
    with pytest.raises(Boom), atomic_path(path) as tmp:
        Path(tmp).write_text("new but unfinished")
        raise Boom
    assert path.read_text() == "old" and leftovers(tmp_path) == []
    write_text("new", path)
    assert path.read_text() == "new" and leftovers(tmp_path) == []


def test_save_figure_is_atomic(tmp_path, monkeypatch):
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    save_figure(fig, tmp_path / "f")
    before = (tmp_path / "f.png").read_bytes()

    def half(self, fname, **kwargs):
        Path(fname).write_bytes(b"\x89PNG half")
        raise Boom

    monkeypatch.setattr(plt.Figure, "savefig", half)
    with pytest.raises(Boom):
        save_figure(fig, tmp_path / "f")
    plt.close(fig)
    assert (tmp_path / "f.png").read_bytes() == before and leftovers(tmp_path) == []


def test_simulate_writes_atomically_and_replaces_only_its_own_folder(tmp_path, monkeypatch):
    tables, truth = simulate(n_reps=12, seed=1, days=100)
    out = tmp_path / "sim"
    write_data_folder(tables, truth, out)
    before = (out / "activity.parquet").read_bytes()

    def half(self, path, *args, **kwargs):
        Path(path).write_bytes(b"PAR1 half")
        raise Boom

    monkeypatch.setattr(pd.DataFrame, "to_parquet", half)
    with pytest.raises(Boom):
        write_data_folder(tables, truth, out)
    assert (out / "activity.parquet").read_bytes() == before and leftovers(out) == []
    monkeypatch.undo()
    raw, raw_truth = simulate(n_reps=12, seed=1, days=100, shape="raw")
    write_data_folder(raw, raw_truth, out, fmt="csv")    # an earlier simulation: replaced
    assert {p.name for p in out.iterdir()} == {"reps.csv", "activity.csv", "opportunities.csv",
                                               "quotas.csv", "ssi_observed.csv",
                                               "truth_outcomes.csv", "truth.json"}


def test_the_duckdb_writer_is_atomic(tmp_path):
    from ssi_analysis.engines.duckdb import _copy, connect

    path = tmp_path / "s.csv"
    path.write_text("old")
    con = connect()
    try:
        with pytest.raises(Exception, match="(?i)catalog|not exist|parser"):
            _copy(con, "SELECT * FROM no_such_table", path, "FORMAT csv", None)
    finally:
        con.close()
    assert path.read_text() == "old" and leftovers(tmp_path) == []


def test_a_failing_report_leaves_nothing_behind(tmp_path, monkeypatch):
    import ssi_analysis.report as report

    def boom(*args, **kwargs):
        raise Boom

    monkeypatch.setattr(report, "prepare", boom)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.pdf").write_bytes(b"%PDF old")
    with pytest.raises(Boom):
        report.build_report("example", tmp_path / "out" / "old.pdf")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["old.pdf"]
    assert (tmp_path / "out" / "old.pdf").read_bytes() == b"%PDF old"


# ------------------------------------------------------------------ never over an input
def _raw_folder(path: Path) -> str:
    return write_folder(path, reps=REPS, activity=ACT, opportunities=OPPS, quotas=QUOTAS)


@pytest.mark.parametrize("command, out, fragment", [
    (["score"], "activity.csv", "overwrite an input"),
    (["score"], "reps.csv", "overwrite an input"),
    (["score"], "outcomes.parquet", "read as the outcomes table"),
    (["score"], "activity.parquet", "read as the activity table"),     # a second format
    (["score", "--engine", "duckdb"], "activity.parquet", "overwrite an input"),
    (["score", "--engine", "duckdb"], "activity/part-9.parquet", "read as the activity table"),
    (["score", "--engine", "duckdb"], "quotas.csv", "overwrite an input"),
    (["outcomes"], "quotas.csv", "overwrite an input"),
    (["outcomes"], "outcomes.csv", "outcomes from two places"),
    (["outcomes"], "ssi_observed.csv", "read as the ssi_observed table"),
])
def test_no_command_writes_over_its_inputs(tmp_path, capsys, command, out, fragment):
    folder = Path(_raw_folder(tmp_path / "d"))
    if "duckdb" in command:
        pd.read_csv(folder / "activity.csv").to_parquet(folder / "activity.parquet")
        (folder / "activity.csv").unlink()
        (folder / "activity").mkdir()
        (folder / "activity.parquet").rename(folder / "activity" / "part-0.parquet")
        if out == "activity.parquet":
            (folder / "activity" / "part-0.parquet").rename(folder / "activity.parquet")
            (folder / "activity").rmdir()
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert main([command[0], "--data", str(folder), "--out", str(folder / out),
                 *command[1:]]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


def test_analyze_and_report_refuse_to_overwrite_their_config(tmp_path, capsys):
    from teams import Shape, team_folder

    data = team_folder(tmp_path / "data", Shape(reps=12, industries=2, teams=3, periods=2))
    out = tmp_path / "analysis"
    out.mkdir()
    cfg = out / "results.json"                         # a config file where a result goes
    cfg.write_text("[analysis]\nn_resamples = 200\n")
    assert main(["analyze", "--data", str(data), "--out", str(out), "--config", str(cfg)]) == 2
    assert "overwrite an input" in capsys.readouterr().err
    assert cfg.read_text() == "[analysis]\nn_resamples = 200\n"
    (tmp_path / "rep" / "tables").mkdir(parents=True)
    cfg2 = tmp_path / "rep" / "tables" / "c.toml"
    cfg2.write_text("[analysis]\nn_resamples = 200\n")
    assert main(["report", "--data", "example", "--out", str(tmp_path / "rep" / "r.pdf"),
                 "--config", str(cfg2)]) == 2
    assert "holds an input (c.toml)" in capsys.readouterr().err


def test_simulate_refuses_a_folder_of_real_data(tmp_path, capsys):
    folder = Path(write_folder(tmp_path / "real", reps=REPS, activity=ACT,
                               outcomes="rep_id,period_start,period_end,quota,bookings,"
                                        "opportunities\nR001,2026-04-01,2026-04-30,10,5,1\n"))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert main(["simulate", "--out", str(folder), "--reps", "10", "--shape", "raw"]) == 2
    assert "simulate did not write" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    (tmp_path / "empty").mkdir()
    assert main(["simulate", "--out", str(tmp_path / "empty"), "--reps", "10", "--days", "100"]) \
        == 0


def test_the_refusal_rule_itself(tmp_path):
    (tmp_path / "reps.csv").write_text(REPS)
    refuse_overwriting_inputs(tmp_path / "scores.csv", [tmp_path / "reps.csv"], folder=tmp_path)
    for name in ("reps.csv", "outcomes.xlsx", "ssi_observed.json", "activity/x.parquet"):
        with pytest.raises(SSIError):
            refuse_overwriting_inputs(tmp_path / name, [tmp_path / "reps.csv"], folder=tmp_path)


# ------------------------------------------------------------------ formula injection
RISKY = ["=HYPERLINK(\"http://x\",\"click\")", "+1+2", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]
SAFE = ["-5", "+3.2", "-1,5", "1e3", "R0001", "", "a=b", "x@y.z"]


def test_defuse_quotes_formulas_but_not_numbers():
    out = defuse(pd.Series(RISKY + SAFE, dtype=object)).tolist()
    assert out[:len(RISKY)] == ["'" + c for c in RISKY]
    assert out[len(RISKY):] == SAFE
    numbers = pd.Series([-5.0, 2.5])
    assert defuse(numbers) is numbers                       # a numeric column is untouched


@pytest.mark.parametrize("quoting", [False, True])
def test_csv_outputs_defuse_formulas_on_both_paths(tmp_path, quoting):
    ids = [c for c in RISKY if quoting or c[0] not in "\t\r"] + ["R1"]
    if quoting:
        ids.append("=1,2")                                    # needs quotes: the pandas path
    df = pd.DataFrame({"rep_id": ids, "ssi": -np.arange(len(ids), dtype=float),
                       "date": pd.Timestamp("2026-01-01")})
    write_table(df, tmp_path / "s.csv")
    with open(tmp_path / "s.csv", newline="") as fh:
        back = list(csv.reader(fh))[1:]
    assert [r[0] for r in back] == ["'" + c if c != "R1" else c for c in ids]
    assert [r[1] for r in back] == [repr(v) for v in df.ssi]  # numbers as they are: -1.0


def test_every_csv_of_a_run_is_defused(tmp_path):
    reps = "rep_id,team,industry\n=cmd|' /C calc'!A0,T1,Software\nR002,T1,Software\n"
    act = ("rep_id,date,metric,value\n\"=cmd|' /C calc'!A0\",2026-01-05,posts,2\n"
           "R002,2026-01-05,people_searches,3\nR002,2026-01-06,comments,1\n"
           "R002,2026-01-06,colleague_connections,1\n@evil,2026-01-06,likes,1\n"
           "R002,2026-01-06,=2+2,1\n")
    folder = Path(write_folder(tmp_path / "d", reps=reps, activity=act))
    pd.read_csv(folder / "activity.csv", dtype=str).to_parquet(folder / "activity.parquet")
    (folder / "activity.csv").unlink()
    for engine in ("pandas", "duckdb"):
        out = tmp_path / engine / "s.csv"
        assert main(["score", "--data", str(folder), "--out", str(out), "--engine", engine]) == 0
        for path in (out, out.with_name("s.rejects.csv")):
            for cell in pd.read_csv(path, dtype=str, keep_default_na=False).to_numpy().ravel():
                assert not re.match(r"[=+@\t\r]|-(?![\d.])", cell), (engine, path.name, cell)
    assert (tmp_path / "pandas" / "s.rejects.csv").read_bytes() == \
        (tmp_path / "duckdb" / "s.rejects.csv").read_bytes()


# ------------------------------------------------------------------ no code from users
def test_no_pickle_eval_or_unsafe_loader_in_the_package():
    pattern = re.compile(r"\bpickle\b|\beval\(|\bexec\(|yaml\.load\(|read_pickle|allow_pickle"
                         r"|\bmarshal\b|\bshelve\b|__import__\(|\.query\(|(?<![.\w])compile\(")
    root = Path(ssi_analysis.__file__).parent
    found = [f"{p.relative_to(root)}:{i}" for p in sorted(root.rglob("*.py"))
             for i, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert found == []


def test_report_parameters_are_data_in_the_notebook_not_code():
    from papermill.translators import PythonTranslator

    hostile = {"title": 'x"); import os; os.system("echo pwned") #', "team": "a\nb\\\"c",
               "period": "'''; raise SystemExit; '''", "n": [1, None, 2.5]}
    code = PythonTranslator.codify({"context": hostile, "results_dir": "/tmp/x"})
    tree = ast.parse(code)
    assert all(isinstance(node, ast.Assign) for node in tree.body)
    assert ast.literal_eval(tree.body[0].value) == hostile


# ------------------------------------------------------------------ configs read strictly
@pytest.mark.parametrize("text, fragment", [
    ("[scoring]\nwindw_days = 30\n", "did you mean 'window_days'?"),
    ("[scorng]\nwindow_days = 30\n", "did you mean 'scoring'?"),
    ("[metrics.posts]\nhlaf = 3\n", "did you mean 'half'?"),
    ("[metrics.postz]\nhalf = 3\n", "did you mean 'posts'?"),
    ("[analysis]\nn_resample = 500\n", "did you mean 'n_resamples'?"),
    ("[industry]\nmin_nn = 3\n", "did you mean 'min_n'?"),
    ("metrics = 3\n", "[metrics] must be a table"),
    ("[scoring]\nmode = \"relativ\"\n", "did you mean 'relative'?"),
])
def test_config_typos_are_errors_with_a_suggestion(tmp_path, text, fragment):
    from ssi_analysis.analysis import industry_settings

    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(SSIConfigError) as exc:
        load_config(path)
        settings = load_analysis_config(path)
        industry_settings(settings, load_section(path, "industry"), source=str(path))
    assert fragment in str(exc.value) and str(path) in str(exc.value)


@pytest.mark.parametrize("text, fragment", [
    ("[colums]\nowner = \"O\"\n", "did you mean 'columns'?"),
    ("[columns]\nstge = \"S\"\n", "did you mean 'stage'?"),
    ("[stages]\nwin = [\"W\"]\n", "did you mean 'won'?"),
    ("[mapping]\nbse = \"hubspot\"\n", "did you mean 'base'?"),
    ("[ssi_fields]\n\"Score\" = \"sssi\"\n", "did you mean 'ssi'?"),
    ("ssi_fields = \"x\"\n", "[ssi_fields] must be a table"),
])
def test_mapping_typos_are_errors_with_a_suggestion(tmp_path, text, fragment):
    path = tmp_path / "m.toml"
    path.write_text(text)
    with pytest.raises(SSIConfigError) as exc:
        load_mapping(path)
    assert fragment in str(exc.value)
