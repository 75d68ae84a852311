"""Writing outputs when the system refuses: every writer, every kind of refusal.

Each command that writes is pointed at an output the system will not take — a folder where the
file goes, a file where a folder must be, no permission, a read-only place, a full disk, a quota,
an I/O error — and must end with exit 2 and a message naming the output and what to do: never a
traceback, never a temporary file or staging folder left, never the earlier file damaged. As
root, permissions cannot be taken away, so those refusals are the system's own errors raised
where the file is moved into place (``os.replace``) or created (``tempfile.mkstemp``).
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from teams import Shape, team_folder

from ssi_analysis.cli import main
from ssi_analysis.errors import SSIOutputError
from ssi_analysis.outputs import atomic_path, output_error, write_bytes, write_table, write_text
from ssi_analysis.plots import save_figure

REFUSALS = {errno.EACCES: "no permission", errno.EPERM: "no permission",
            errno.EROFS: "read-only", errno.ENOSPC: "the disk is full",
            errno.EDQUOT: "quota", errno.EIO: "input/output error",
            errno.ENAMETOOLONG: "too long"}
"""The system's refusals and the words the message must use."""


def leftovers(root: Path) -> list[str]:
    """Temporary files and staging folders anywhere under ``root``."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.name.endswith(".tmp") or p.name.startswith(".ssi-report-"))


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    base = tmp_path_factory.mktemp("data")
    tidy = team_folder(base / "tidy", Shape(reps=12, industries=2, teams=3, periods=2))
    with open(tidy / "reps.csv", "a", encoding="utf-8") as fh:
        fh.write(",T0,I0,EMEA,3\n")                   # a rep without an id: a rejected row
    raw = team_folder(base / "raw", Shape(reps=6, raw=True))
    config = base / "c.toml"
    config.write_text("[analysis]\nn_resamples = 200\n", encoding="utf-8")
    return {"tidy": tidy, "raw": raw, "config": config}


# command line -> the file of it the system refuses (relative to the output folder)
WRITERS = {
    "score csv": (["score", "--data", "{tidy}", "--out", "{out}/s.csv"], "s.csv"),
    "score parquet": (["score", "--data", "{tidy}", "--out", "{out}/s.parquet"], "s.parquet"),
    "score rejects": (["score", "--data", "{tidy}", "--out", "{out}/s.csv"], "s.rejects.csv"),
    "score duckdb": (["score", "--engine", "duckdb", "--data", "{tidy}", "--out",
                      "{out}/d.csv"], "d.csv"),
    "score duckdb rejects": (["score", "--engine", "duckdb", "--data", "{tidy}", "--out",
                              "{out}/d.csv"], "d.rejects.csv"),
    "outcomes": (["outcomes", "--data", "{raw}", "--out", "{out}/o.csv"], "o.csv"),
    "analyze": (["analyze", "--data", "{tidy}", "--out", "{out}/a", "--config", "{config}"],
                "a/results.json"),
    "analyze table": (["analyze", "--data", "{tidy}", "--out", "{out}/a", "--config",
                       "{config}"], "a/panel.csv"),
    "simulate": (["simulate", "--out", "{out}/sim", "--reps", "3", "--days", "91"],
                 "sim/truth.json"),
}


def _args(writer: str, data: dict, out: Path) -> list[str]:
    if writer == "score duckdb" or writer == "score duckdb rejects":
        pytest.importorskip("duckdb")
    args, _ = WRITERS[writer]
    return [a.format(out=out, **data) for a in args]


def _run(args: list[str], capsys) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().err


def _assert_refused(code: int, err: str, named: Path, fragment: str, root: Path) -> None:
    assert code == 2, err
    assert "Traceback" not in err and err.startswith("error: "), err
    assert str(named) in err and fragment in err and "fix: " in err, err
    assert leftovers(root) == []


@pytest.mark.parametrize("writer", WRITERS)
def test_a_folder_in_the_way(writer, data, tmp_path, capsys):
    out = tmp_path / "out"
    target = out / WRITERS[writer][1]
    target.mkdir(parents=True)
    code, err = _run(_args(writer, data, out), capsys)
    _assert_refused(code, err, target, "folder", tmp_path)
    assert target.is_dir() and not any(target.iterdir())


@pytest.mark.parametrize("writer", WRITERS)
def test_a_file_where_a_folder_must_be(writer, data, tmp_path, capsys):
    blocker = tmp_path / "out"
    blocker.write_text("a file, not a folder")
    code, err = _run(_args(writer, data, blocker), capsys)
    _assert_refused(code, err, blocker, "is a file, not a folder", tmp_path)
    assert blocker.read_text() == "a file, not a folder"


@pytest.mark.parametrize("writer, code", [
    *((w, c) for w in WRITERS for c in (errno.EROFS, errno.ENOSPC)),
    *(("score csv", c) for c in sorted(REFUSALS) if c not in (errno.EROFS, errno.ENOSPC)),
])
def test_the_system_refuses_the_file(writer, code, data, tmp_path, capsys, monkeypatch):
    """The refusal when the finished file is moved into place: the earlier file stays whole."""
    out = tmp_path / "out"
    target = out / WRITERS[writer][1]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"the earlier run's file")
    real = os.replace

    def refuse(src, dst, *args, **kwargs):
        if Path(dst).resolve() == target.resolve():
            raise OSError(code, os.strerror(code), str(src))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", refuse)
    exit_code, err = _run(_args(writer, data, out), capsys)
    _assert_refused(exit_code, err, target, REFUSALS[code], tmp_path)
    assert target.read_bytes() == b"the earlier run's file"


@pytest.mark.parametrize("writer", ["score csv", "analyze", "simulate", "score duckdb"])
def test_the_system_refuses_a_new_file(writer, data, tmp_path, capsys, monkeypatch):
    """The refusal when the temporary file is created (a read-only folder)."""
    real = tempfile.mkstemp

    def read_only(*args, **kwargs):
        if str(tmp_path / "out") in str(kwargs.get("dir", "")):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), kwargs["dir"])
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    out = tmp_path / "out"
    code, err = _run(_args(writer, data, out), capsys)
    _assert_refused(code, err, out, "read-only", tmp_path)


def test_duckdb_reports_a_full_disk_as_the_system_says_it(data, tmp_path, capsys, monkeypatch):
    """DuckDB's own I/O error on the output (its words: "No space left on device", as DuckDB
    writes it when COPY fills a disk) names the output, as the system's error does."""
    duckdb = pytest.importorskip("duckdb")
    from ssi_analysis.engines import duckdb as engine

    real = engine._run

    def full(con, sql, *args, **kwargs):
        if sql.startswith("COPY"):
            tmp = sql.split(" TO ")[-1].split("'")[1]
            raise duckdb.IOException(f'IO Error: Could not write file "{tmp}": No space left '
                                     'on device')
        return real(con, sql, *args, **kwargs)

    monkeypatch.setattr(engine, "_run", full)
    out = tmp_path / "out"
    code, err = _run(_args("score duckdb", data, out), capsys)
    _assert_refused(code, err, out / "d.csv", "the disk is full", tmp_path)


def test_duckdb_spill_folder_on_a_full_disk(data, tmp_path, capsys, monkeypatch):
    duckdb = pytest.importorskip("duckdb")
    import ssi_analysis.engines.duckdb as engine

    def full(*args, **kwargs):
        raise duckdb.IOException('IO Error: Could not write file "spill/duckdb_temp_block": '
                                 "No space left on device")

    monkeypatch.setattr(engine, "score_parquet", full)
    code, err = _run(_args("score duckdb", data, tmp_path / "out") + ["--temp-dir",
                                                                      str(tmp_path / "spill")],
                     capsys)
    assert code == 2 and "Traceback" not in err
    assert "spill files" in err and str(tmp_path / "spill") in err and "--temp-dir" in err


# ------------------------------------------------------------------ the mechanism itself
WRITES = {
    "write_table csv": lambda path: write_table(pd.DataFrame({"a": ["x"], "b": [1.0]}),
                                                path.with_suffix(".csv")),
    "write_table parquet": lambda path: write_table(pd.DataFrame({"a": ["x"]}),
                                                    path.with_suffix(".parquet")),
    "write_text": lambda path: write_text("text", path),
    "write_bytes": lambda path: write_bytes(b"bytes", path),
    "save_figure": lambda path: save_figure(plt.figure(), path, formats=("png",)),
}


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(write=st.sampled_from(sorted(WRITES)),
       code=st.sampled_from([*REFUSALS, errno.ENOENT, errno.EBUSY, errno.EXDEV]),
       step=st.sampled_from(["create", "write", "move"]))
def test_any_refusal_at_any_step_is_named_and_leaves_the_old_file(write, code, step,
                                                                  tmp_path):
    """Whatever the system refuses (a known reason or not) and wherever (creating the
    temporary file, writing it, moving it into place): an SSIOutputError naming the output,
    the earlier file intact, no temporary file."""
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    path = folder / "out"
    target = {"write_table csv": path.with_suffix(".csv"),
              "write_table parquet": path.with_suffix(".parquet"),
              "save_figure": path.with_suffix(".png")}.get(write, path)
    target.write_bytes(b"old")
    error = OSError(code, os.strerror(code))
    patches = {"create": (tempfile, "mkstemp"), "move": (os, "replace"),
               "write": {"write_table csv": ("pyarrow.csv", "write_csv"),
                         "write_table parquet": (pd.DataFrame, "to_parquet"),
                         "write_text": ("builtins", "open"),
                         "write_bytes": ("builtins", "open"),
                         "save_figure": (plt.Figure, "savefig")}[write]}
    owner, name = patches[step]
    if isinstance(owner, str):
        owner = __import__(owner, fromlist=[name])
    real = getattr(owner, name)

    def refuse(*args, **kwargs):
        if step == "write" and name == "open" and ".tmp" not in str(args[0]):
            return real(*args, **kwargs)
        raise error

    setattr(owner, name, refuse)
    try:
        with pytest.raises(SSIOutputError) as info:
            WRITES[write](path)
    finally:
        setattr(owner, name, real)
        plt.close("all")
    assert str(target) == info.value.file
    assert info.value.fix and (REFUSALS.get(code, "the system refused it") in str(info.value))
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in folder.iterdir()) == [target.name]


@pytest.mark.parametrize("message, words", [
    ("No space left on device", "the disk is full"),
    ("Permission denied", "no permission"),
    ("Read-only file system", "read-only"),
    ("Disk quota exceeded", "quota"),
])
def test_an_engine_error_on_the_temporary_file_is_named(tmp_path, message, words):
    """An engine that reports the system's reason in its own exception (DuckDB) is read by the
    reason's words, when the error is about the temporary file; another error is left as it
    is."""
    target = tmp_path / "s.csv"
    with pytest.raises(SSIOutputError, match=words), atomic_path(target) as tmp:
        raise RuntimeError(f'Could not write file "{tmp}": {message}')
    with pytest.raises(RuntimeError, match="a bug"), atomic_path(target):
        raise RuntimeError(f"a bug: {message}")
    assert list(tmp_path.iterdir()) == []


def test_the_message_names_what_is_in_the_way(tmp_path):
    (tmp_path / "f").write_text("x")
    msg = str(output_error(OSError(errno.ENOTDIR, "Not a directory"), tmp_path / "f" / "a" / "b"))
    assert f"{tmp_path / 'f'} is a file, not a folder" in msg
    (tmp_path / "d.csv").mkdir()
    msg = str(output_error(OSError(errno.EISDIR, "Is a directory"), tmp_path / "d.csv"))
    assert "a folder of that name is in the way" in msg


# ------------------------------------------------------------------ the report
def test_report_refused_at_the_end_leaves_the_earlier_report(data, tmp_path, capsys,
                                                              monkeypatch):
    """The PDF refused when it is moved into place (the disk filled while the report was
    made): exit 2 naming the PDF, the earlier report intact, no staging folder."""
    out = tmp_path / "rep"
    out.mkdir()
    pdf = out / "r.pdf"
    pdf.write_bytes(b"%PDF the earlier report")
    real = os.replace

    def full(src, dst, *args, **kwargs):
        if Path(dst) == pdf:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full)
    code, err = _run(["report", "--data", str(data["tidy"]), "--out", str(pdf), "--config",
                      str(data["config"])], capsys)
    _assert_refused(code, err, pdf, "the disk is full", tmp_path)
    assert pdf.read_bytes() == b"%PDF the earlier report"


def test_report_where_a_file_blocks_the_folder(data, tmp_path, capsys):
    (tmp_path / "rep").write_text("x")
    code, err = _run(["report", "--data", str(data["tidy"]), "--out",
                      str(tmp_path / "rep" / "deep" / "r.pdf")], capsys)
    _assert_refused(code, err, tmp_path / "rep", "is a file, not a folder", tmp_path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("stage, wait", [("the staging folder", 0), ("the notebook", 0),
                                         ("the notebook", 2.5)])
def test_sigterm_mid_report_removes_everything_it_made(data, tmp_path, stage, wait):
    """A report terminated (SIGTERM, as a scheduler or ``kill`` sends it) while it works: exit
    143, "terminated" and no traceback, the earlier report untouched, no staging folder, no
    kernel left running."""
    out = tmp_path / "rep"
    out.mkdir()
    (out / "r.pdf").write_bytes(b"%PDF the earlier report")
    marker = ".ssi-report-*" + ("/report.executed.ipynb" if stage == "the notebook" else "")
    run = subprocess.Popen([sys.executable, "-m", "ssi_analysis.cli", "report", "--data",
                            str(data["tidy"]), "--out", str(out / "r.pdf"), "--config",
                            str(data["config"])],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while not list(out.glob(marker)) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(wait)
    assert run.poll() is None, run.communicate()
    staging = next(out.glob(".ssi-report-*"))
    children = [int(p) for p in subprocess.run(["ps", "-o", "pid=", "--ppid", str(run.pid)],
                                               capture_output=True, text=True).stdout.split()]
    run.send_signal(signal.SIGTERM)
    stdout, stderr = run.communicate(timeout=120)
    assert run.returncode == 143, stderr
    assert stderr.strip() == "terminated"
    assert sorted(p.name for p in out.iterdir()) == ["r.pdf"]
    assert (out / "r.pdf").read_bytes() == b"%PDF the earlier report"
    assert not staging.exists()
    deadline = time.monotonic() + 15          # the kernel ends with its parent
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in children)


def test_a_killed_report_s_staging_folder_is_removed_by_the_next_run(tmp_path):
    """SIGKILL leaves the staging folder (nothing can run): the next report in the folder
    removes it when its process is gone, and leaves a live run's alone."""
    from ssi_analysis.report import _remove_dead_staging, _staging_prefix

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    mine = _staging_prefix()
    stale = tmp_path / mine.replace(f"-{os.getpid()}-", f"-{dead.pid}-") / "x"
    stale.mkdir(parents=True)
    live = tmp_path / f"{mine}abc"
    live.mkdir()
    other_host = tmp_path / f".ssi-report-00000000-{dead.pid}-abc"
    other_host.mkdir()
    _remove_dead_staging(tmp_path)
    assert not stale.parent.exists() and live.exists() and other_host.exists()
