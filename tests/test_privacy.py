"""Privacy: ``--anonymize`` covers every output, and rep names never reach logs or messages.

The reps tables here hold distinctive names (Zebulon Quaxwell, as ``rep_name`` and as the CRM
owner name). Every command is run on folders that make each kind of output happen — rows
rejected and flagged, repairs, notes, file-level errors, strict mode, validate — and the names
must never be printed. With ``--anonymize`` no output file (scores, outcomes, analysis tables,
rejects, results.json) holds a rep id or a name, and the figures never show a rep id.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_folder

from ssi_analysis import example_data_dir, load_data
from ssi_analysis.cli import main
from ssi_analysis.privacy import HIDDEN, Pseudonyms, pseudonym

NAMES = ("Zebulon", "Quaxwell", "Ysolde", "Wrenfield")
REPS = ("rep_id,rep_name,crm_owner,team,industry,tenure_months\n"
        "R001,Zebulon Quaxwell,Zebulon Quaxwell,T1,Software,12\n"
        "R002,Ysolde Wrenfield,Ysolde Wrenfield,T1,Software,Ysolde Wrenfield\n"  # a name, shifted
        "R003,Cy Dunn,Cy Dunn,T2,Retail,30\n"
        ",Zebulon Quaxwell Jr,,T2,Retail,1\n")                                     # no id
ACT = ("rep_id,date,metric,value\nR001,2026-01-05,posts,2\nR001,2026-01-05,people_searches,3\n"
       "R002,2026-01-06,comments,1\nR002,2026-01-06,colleague_connections,1\n"
       "r003,2026-01-06,likes,1\nGHOST,2026-01-07,posts,1\nR001,2099-01-01,posts,1\n"
       "R001,2026-01-07,profile_completeness,85\nR002,2026-01-07,profile_completeness,70\n"
       "R001,2026-01-08,post,1\n")
OPPS = ("Opportunity Owner,Opportunity ID,Created Date,Close Date,Stage,Amount\n"
        "Zebulon Quaxwell,O1,2026-04-02,2026-04-20,Closed Won,1000\n"
        "ysolde  wrenfield,O2,2026-04-03,2026-04-21,Closed Lost,50\n"
        "Zebulon Quaxwell,O3,2026-04-04,,Closed Won,TBD\n"
        "Xanthe Vollmar,O4,2026-04-05,2026-04-22,Closed Won,10\n")
QUOTAS = ("rep_id,period_start,period_end,quota\nR001,2026-04-01,2026-04-30,2000\n"
          "R002,2026-04-01,2026-04-30,0\nR003,2026-04-01,2026-04-30,2000\n")
OBS = ("rep_id,date,field,value\n" + "".join(f"R001,2026-02-02,{f},{v}\n" for f, v in (
    ("ssi", 30), ("brand", 7), ("people", 6), ("insights", 5), ("relationships", 12),
    ("mood", 3))))
OUTSIDER = ("Xanthe", "Vollmar")   # an owner of the CRM export who is no rep


def folder_with_everything(path: Path) -> Path:
    return Path(write_folder(path, reps=REPS, activity=ACT, opportunities=OPPS, quotas=QUOTAS,
                             ssi_observed=OBS))


def no_names(text: str, names=NAMES) -> None:
    for name in names:
        assert name not in text, name


# ------------------------------------------------------------------ logs and messages
def runs(tmp_path: Path) -> list[list[str]]:
    """Commands that print every kind of line: summaries, rejects, flags, warnings, notes,
    file-level errors, strict errors, the CRM's owners and accounting."""
    full = folder_with_everything(tmp_path / "full")
    pq = tmp_path / "pq"
    shutil.copytree(full, pq)
    pd.read_csv(pq / "activity.csv", dtype=str).to_parquet(pq / "activity.parquet")
    (pq / "activity.csv").unlink()
    dup_owner = write_folder(tmp_path / "dup", reps=REPS.replace("Cy Dunn,Cy Dunn",
                                                                 "Cy Dunn,Zebulon Quaxwell"),
                             activity=ACT, opportunities=OPPS, quotas=QUOTAS)
    dup_rep = write_folder(tmp_path / "duprep", reps=REPS.replace("R003,", "R001,"),
                           activity=ACT)
    broken = write_folder(tmp_path / "broken", reps=REPS, activity="rep_id,day\nR001,x\n",
                          ssi_observed="rep_id\n", quotas=QUOTAS, opportunities=OPPS)
    out = tmp_path / "out"
    return [
        ["validate", "--data", str(full), "--mapping", "salesforce"],
        ["validate", "--data", str(dup_owner)],
        ["validate", "--data", dup_rep],
        ["validate", "--data", broken],
        ["score", "--data", str(full), "--out", str(out / "s.csv")],
        ["score", "--data", str(full), "--out", str(out / "s2.csv"), "--strict"],
        ["score", "--data", str(pq), "--out", str(out / "d.csv"), "--engine", "duckdb"],
        ["score", "--data", str(pq), "--out", str(out / "d2.csv"), "--engine", "duckdb",
         "--strict"],
        ["outcomes", "--data", str(full), "--out", str(out / "o.csv")],
        ["outcomes", "--data", str(dup_owner), "--out", str(out / "o2.csv")],
        ["analyze", "--data", str(full), "--out", str(out / "a")],
    ]


def test_rep_names_never_appear_in_output_or_errors(tmp_path, capsys):
    codes = []
    for args in runs(tmp_path):
        codes.append(main(args))
        captured = capsys.readouterr()
        text = captured.out + captured.err
        assert "Traceback" not in text
        no_names(text)
    assert set(codes) == {0, 1, 2}          # successes, problems and errors were all printed


def test_anonymized_runs_show_neither_ids_nor_names(tmp_path, capsys):
    full = folder_with_everything(tmp_path / "full")
    out = tmp_path / "out"
    assert main(["score", "--data", str(full), "--out", str(out / "s.csv"),
                 "--anonymize", "--salt", "pepper"]) == 0
    assert main(["outcomes", "--data", str(full), "--out", str(out / "o.csv"),
                 "--anonymize", "--salt", "pepper"]) == 0
    text = capsys.readouterr().out
    ids = ("R001", "R002", "R003", "r003", "GHOST")
    no_names(text, (*NAMES, *OUTSIDER, *ids))
    assert pseudonym("Xanthe Vollmar", salt="pepper") in text     # the unmatched owner, listed
    for name in ("s.csv", "s.rejects.csv", "o.csv", "o.rejects.csv"):
        content = (out / name).read_text()
        no_names(content, (*NAMES, *OUTSIDER, *ids))
    scores = pd.read_csv(out / "s.csv")
    assert set(scores.rep_id) == {pseudonym(r, salt="pepper") for r in ("R001", "R002", "R003")}
    rejects = pd.read_csv(out / "s.rejects.csv", keep_default_na=False)
    reps_rows = rejects[rejects.table == "reps"]
    assert (reps_rows.value.isin([HIDDEN, ""])).all() and len(reps_rows) == 1
    ghost = rejects[rejects.reason.str.contains("is not in reps")].iloc[0]
    assert ghost.rep_id == pseudonym("GHOST", salt="pepper")
    assert ghost.reason == f"rep_id '{ghost.rep_id}' is not in reps"
    outcomes = pd.read_csv(out / "o.csv")
    assert set(outcomes.rep_id) <= {pseudonym(r, salt="pepper") for r in ("R001", "R003")}


def test_the_duckdb_engine_anonymizes_as_the_pandas_engine(tmp_path):
    full = Path(write_folder(tmp_path / "full", reps=REPS, activity=ACT))   # what both read
    pd.read_csv(full / "activity.csv", dtype=str).to_parquet(full / "activity.parquet")
    (full / "activity.csv").unlink()
    for engine in ("pandas", "duckdb"):
        assert main(["score", "--data", str(full), "--out", str(tmp_path / engine / "s.csv"),
                     "--engine", engine, "--anonymize", "--salt", "pepper", "--daily"]) == 0
    a = pd.read_csv(tmp_path / "pandas" / "s.csv")
    b = pd.read_csv(tmp_path / "duckdb" / "s.csv")
    assert a.rep_id.tolist() == b.rep_id.tolist() and a.rep_id.str.match(r"Rep-[0-9a-f]{6}$").all()
    assert (tmp_path / "pandas" / "s.rejects.csv").read_bytes() == \
        (tmp_path / "duckdb" / "s.rejects.csv").read_bytes()


def test_pseudonyms_of_rejects_hide_cells_that_may_be_names():
    rejects = pd.DataFrame({
        "table": ["reps", "activity", "opportunities", "activity"],
        "file": ["reps.csv", "activity.csv", "opportunities.csv", "activity.csv"],
        "row": [3, 7, 4, 8], "rep_id": ["R002", "GHOST", None, "R001"],
        "column": ["tenure_months", "rep_id", "owner", "value"],
        "value": ["Ysolde Wrenfield", "GHOST", "Xanthe Vollmar", "-1.0"],
        "reason": ["tenure_months is not a number", "rep_id 'GHOST' is not in reps",
                   "owner 'Xanthe Vollmar' matches no rep (by rep_id or the crm_owner column)",
                   "negative value (-1.0)"]})
    p = Pseudonyms("s", ids=["R001", "R002"])
    out = p.rejects(rejects)
    assert out.value.tolist() == [HIDDEN, pseudonym("GHOST", salt="s"),
                                  pseudonym("Xanthe Vollmar", salt="s"), "-1.0"]
    assert out.rep_id.tolist()[:2] == [pseudonym("R002", salt="s"), pseudonym("GHOST", salt="s")]
    no_names(" ".join(map(str, out.to_numpy().ravel())), (*NAMES, *OUTSIDER, "GHOST", "R00"))
    assert out.reason.tolist()[3] == "negative value (-1.0)"        # data, not people: kept


def test_a_name_inside_another_rejected_cell_is_pseudonymised():
    rejects = pd.DataFrame({
        "table": ["opportunities"], "file": ["opportunities.csv"], "row": [5],
        "rep_id": [None], "column": ["stage"], "value": ["Closed Won by Xanthe Vollmar"],
        "reason": ["unknown stage 'Closed Won by Xanthe Vollmar'"]})
    out = Pseudonyms("s", names=["Xanthe Vollmar"]).rejects(rejects)
    masked = f"Closed Won by {pseudonym('Xanthe Vollmar', salt='s')}"
    assert out.value[0] == masked and out.reason[0] == f"unknown stage '{masked}'"


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """The example with a reps row whose cell holds a name, a rep without id and bad activity,
    analysed with --anonymize."""
    base = tmp_path_factory.mktemp("anon")
    data = base / "data"
    shutil.copytree(example_data_dir(), data)
    reps = (data / "reps.csv").read_text()
    reps = reps.replace("R0002,Aisha Dubois,T02,Financial Services,EMEA,84,M02",
                        "R0002,Aisha Dubois,T02,Financial Services,EMEA,Aisha Dubois,M02")
    (data / "reps.csv").write_text(reps + ",Nameless Person,T01,Software,EMEA,3,M01\n")
    (base / "c.toml").write_text("[analysis]\nn_resamples = 200\n")
    out = base / "out"
    assert main(["analyze", "--data", str(data), "--out", str(out), "--config",
                 str(base / "c.toml"), "--anonymize", "--salt", "pepper"]) == 0
    return data, out


def test_analyze_with_anonymize_leaks_no_id_and_no_name(analysed):
    data, out = analysed
    reps = pd.read_csv(data / "reps.csv", dtype=str)
    names = [n for n in reps.rep_name.dropna() for n in n.split()]
    ids = set(reps.rep_id.dropna()) | set(reps.manager_id.dropna())
    for path in sorted(out.iterdir()):
        text = path.read_text()
        found = set(re.findall(r"\b[RM]\d{2,4}\b", text)) & ids
        assert not found, (path.name, sorted(found)[:3])
        for name in ("Aisha", "Dubois", "Nameless", "Person", *names[:40]):
            assert not re.search(rf"\b{re.escape(name)}\b", text), (path.name, name)
    rejects = pd.read_csv(out / "rejects.csv", keep_default_na=False)
    assert set(rejects.loc[rejects.table == "reps", "value"]) <= {HIDDEN, ""}
    results = json.loads((out / "results.json").read_text())
    assert results["data_quality"]["flagged"]            # the shifted name: a flagged cell


def test_no_figure_shows_a_rep_id_or_name(example_report):
    """Every text on every figure of the example report (conftest.example_report)."""
    texts = example_report.figure_texts
    made = {p.stem for p in (example_report.pdf.parent / "figures").glob("*.png")}
    bundle = load_data(example_data_dir())
    assert set(made) == set(texts) and len(texts) >= 8
    ids = set(bundle.reps.rep_id)
    names = {w for n in bundle.reps.rep_name for w in n.split()}
    for fig, words in texts.items():
        shown = " ".join(words)
        assert not (set(re.findall(r"\w+", shown)) & (ids | names)), fig
