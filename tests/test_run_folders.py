"""An output folder holds the files of one run.

``analyze --out`` and the report's folder record what the run wrote
(``.ssi-analysis-run.json``): a re-run replaces exactly the earlier run's files (a table or
figure the new run does not make is removed), files the toolkit did not write stay, and another
command's outputs or another report in the folder stop the run before anything is written.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from teams import Shape, team_folder

import ssi_analysis.report as report
from ssi_analysis.cli import main
from ssi_analysis.errors import SSIOutputError
from ssi_analysis.outputs import (
    RUN_RECORD,
    check_run_folder,
    read_run_record,
    replace_run,
    write_bytes,
)

NAMES = ["results.json", "panel.csv", "industry.csv", "rejects.csv", "figures/claims.png",
         "figures/leaderboard.svg", "tables/team_gaps.csv"]


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=st.lists(st.tuples(st.sets(st.sampled_from(NAMES), min_size=1),
                               st.sets(st.sampled_from(["notes.txt", "figures/mine.png",
                                                        "panel.csv.bak"])),
                               st.sets(st.sampled_from(NAMES)),
                               st.sampled_from(["intact", "tampered", "garbage", "deleted"])),
                     min_size=1, max_size=5))
def test_each_run_replaces_exactly_the_earlier_run_s_files(runs, tmp_path):
    """Any sequence of runs writing any files, with a person adding files, editing the
    toolkit's, and the record tampered with, deleted or damaged between runs: after each run
    the folder holds that run's files, the person's files and the record; nothing outside the
    folder is touched."""
    base = Path(tempfile.mkdtemp(dir=tmp_path))
    folder, outside = base / "out", base / "outside.txt"
    folder.mkdir()
    outside.write_text("not the toolkit's")
    mine: dict[str, str] = {}                       # a person's files and what they hold
    orphans: set[str] = set()                       # an earlier run's, when its record is lost
    last: set[str] = set()
    for i, (written, added, edited, record) in enumerate(runs):
        for name in added:                          # a person's files, never the toolkit's
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text("mine")
            mine[name] = "mine"
        for name in edited:                         # a toolkit file a person changed
            if (folder / name).is_file() and name not in mine:
                (folder / name).write_text("edited by a person")
                mine[name] = "edited by a person"
        if (folder / RUN_RECORD).exists() and record != "intact":
            if record == "tampered":                # a record naming files it should not
                data = json.loads((folder / RUN_RECORD).read_text())
                data["files"].update({name: "0" * 64 for name in [
                    "../outside.txt", str(outside), RUN_RECORD, *sorted(mine)]})
                (folder / RUN_RECORD).write_text(json.dumps(data))
            elif record == "garbage":
                (folder / RUN_RECORD).write_text('{"files": 3')
            else:
                (folder / RUN_RECORD).unlink()
            if record != "tampered":                # nothing tells its files apart any more
                orphans |= last - set(written) - set(mine)
        orphans -= set(written)
        before = files(folder)
        paths = []
        for name in written:                        # the run writes its files (over any)
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(f"run {i}")
            paths.append(folder / name)
            mine.pop(name, None)
        removed = replace_run(folder, command="analyze", written=paths)
        assert set(written) <= files(folder)
        assert all((folder / m).read_text() == text for m, text in mine.items())
        assert outside.read_text() == "not the toolkit's"
        assert sorted(read_run_record(folder).files) == sorted(written)
        # the earlier run's files that were not written again are gone, and only those
        assert files(folder) == set(written) | set(mine) | orphans | {RUN_RECORD}
        assert {p.relative_to(folder).as_posix() for p in removed} == \
            before - set(written) - set(mine) - orphans - {RUN_RECORD}
        last = set(written)


RECORDS = {
    "another command": ({"command": "analyze", "main": None, "files": {"results.json": "0"}},
                        "earlier 'analyze' run"),
    "another report": ({"command": "report", "main": "q1.pdf", "files": {"q1.pdf": "0"}},
                       "another report (q1.pdf)"),
}


@pytest.mark.parametrize("case", RECORDS)
def test_a_folder_of_another_run_is_refused_while_its_files_are_there(case, tmp_path):
    record, fragment = RECORDS[case]
    (tmp_path / RUN_RECORD).write_text(json.dumps(record))
    first = next(iter(record["files"]))
    (tmp_path / first).write_text("x")
    with pytest.raises(SSIOutputError, match=re.escape(fragment)):
        check_run_folder(tmp_path, command="report", main="q2.pdf")
    check_run_folder(tmp_path, command=record["command"], main=record["main"])  # a re-run
    (tmp_path / first).unlink()                       # its files deleted: the folder is free
    check_run_folder(tmp_path, command="report", main="q2.pdf")


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"command": 1}', '{"files": "a"}',
                                  '{"command": "x", "files": {"/etc/passwd": "0"}}',
                                  '{"command": "x", "files": {"../x": "0", "a": 1}}'])
def test_a_damaged_record_counts_as_none(text, tmp_path):
    (tmp_path / RUN_RECORD).write_text(text)
    record = read_run_record(tmp_path)
    assert record is None or record.files == {}
    check_run_folder(tmp_path, command="analyze")


# ------------------------------------------------------------------ the commands
@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    full = team_folder(base / "full", Shape(reps=12, industries=2, teams=3, periods=2))
    with open(full / "reps.csv", "a", encoding="utf-8") as fh:
        fh.write(",T0,I0,EMEA,3\n")                   # a rejected row: rejects.csv
    plain = team_folder(base / "plain", Shape(reps=12, periods=2, industry_column=False))
    config = base / "c.toml"
    config.write_text("[analysis]\nn_resamples = 200\n")
    return {"full": full, "plain": plain, "config": config}


def test_analyze_again_into_its_folder(folders, tmp_path, capsys):
    out = tmp_path / "a"
    run = ["analyze", "--out", str(out), "--config", str(folders["config"]), "--data"]
    assert main([*run, str(folders["full"])]) == 0
    first = files(out)
    assert {"rejects.csv", "industry.csv", RUN_RECORD} <= first
    (out / "my notes.txt").write_text("mine")
    assert main([*run, str(folders["plain"])]) == 0
    second = files(out)
    assert "rejects.csv" not in second
    assert second == set(read_run_record(out).files) | {RUN_RECORD, "my notes.txt"}
    snapshot = {name: (out / name).read_bytes() for name in second}
    assert main([*run, str(folders["plain"])]) == 0              # the same command again
    assert {name: (out / name).read_bytes() for name in files(out)} == snapshot
    capsys.readouterr()


@pytest.fixture
def quick_render(monkeypatch):
    """The report without its slow last step: the notebook and PDF are not what is tested."""
    def render(work, context, pdf):
        return write_bytes(b"%PDF-1.7 " + context["team"].encode(), pdf)

    monkeypatch.setattr(report, "render", render)


def test_report_again_into_its_folder(folders, tmp_path, capsys, quick_render):
    out = tmp_path / "rep"
    run = ["report", "--out", str(out / "r.pdf"), "--config", str(folders["config"]),
           "--data"]
    assert main([*run, str(folders["full"])]) == 0
    first = files(out)
    assert {"figures/pillars_by_industry.png", "tables/benchmarks.csv",
            "tables/rejects.csv"} <= first
    (out / "figures" / "logo.png").write_bytes(b"mine")
    assert main([*run, str(folders["plain"])]) == 0
    second = files(out)
    assert second == set(read_run_record(out).files) | {RUN_RECORD, "figures/logo.png"}
    for stale in ("figures/pillars_by_industry.png", "figures/industry_heatmap.svg",
                  "tables/benchmarks.csv", "tables/rejects.csv"):
        assert stale in first and stale not in second
    # another report into the same folder would mix with this one: refused, nothing written
    before = {name: (out / name).read_bytes() for name in second}
    assert main(["report", "--out", str(out / "q2.pdf"), "--data", str(folders["plain"])]) == 2
    err = capsys.readouterr().err
    assert "another report (r.pdf)" in err and "another folder" in err
    assert {name: (out / name).read_bytes() for name in files(out)} == before
    # nor analyze's results
    assert main(["analyze", "--out", str(out), "--data", str(folders["plain"])]) == 2
    assert "earlier 'report' run" in capsys.readouterr().err
    assert {name: (out / name).read_bytes() for name in files(out)} == before
    # once the earlier report is deleted, the folder is free and its files are replaced
    (out / "r.pdf").unlink()
    assert main(["report", "--out", str(out / "q2.pdf"), "--config", str(folders["config"]),
                 "--data", str(folders["plain"])]) == 0
    assert read_run_record(out).main == "q2.pdf" and "figures/logo.png" in files(out)
