"""The same inputs and seed give byte-identical outputs, whatever the run.

Each command is run twice, in two Python processes with different hash seeds (so set and dict
orders that depend on string hashing would show): ``simulate``, ``validate`` (its printed
text), ``score`` on both engines (CSV and Parquet, daily and as of a date, with rejects and
pseudonyms), ``outcomes`` and ``analyze``; every file written and everything printed must be the
same bytes. The report's PDF (byte-identical with ``SOURCE_DATE_EPOCH``), and its tables and
figures, are checked in tests/test_report.py, which builds it once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DRIVER = textwrap.dedent("""
    import contextlib, io, sys
    from pathlib import Path
    import pandas as pd
    from ssi_analysis.cli import main

    out = Path(sys.argv[1])
    log = io.StringIO()

    def run(*args):
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            code = main([str(a) for a in args])
        log.write(f"exit {code}\\n")

    run("simulate", "--out", out / "tidy", "--reps", "40", "--seed", "7", "--days", "120")
    run("simulate", "--out", out / "raw", "--reps", "40", "--seed", "7", "--days", "120",
        "--shape", "raw", "--format", "csv")
    messy = out / "tidy"
    with open(messy / "reps.csv", "a") as fh:
        fh.write(",No Id,T01,Software,EMEA,1,M01\\n")
    act = pd.read_parquet(messy / "activity.parquet")
    bad = act.head(6).copy()
    bad["rep_id"] = ["GHOST", "r0001", "R0002", "R0003", "R0004", "R0005"]
    bad["metric"] = ["posts", "posts", "post", "likes", "likes", "profile_completeness"]
    bad["value"] = [1.0, 2.0, 1.0, -1.0, 1e12, 1.5]
    pd.concat([act, bad], ignore_index=True).to_parquet(messy / "activity.parquet")
    run("validate", "--data", messy)
    run("validate", "--data", out / "raw")
    for engine in ("pandas", "duckdb"):
        run("score", "--data", messy, "--out", out / engine / "s.csv", "--engine", engine)
        run("score", "--data", messy, "--out", out / engine / "d.parquet", "--daily",
            "--engine", engine)
        run("score", "--data", messy, "--out", out / engine / "a.csv", "--asof", "2026-03-01",
            "--engine", engine, "--anonymize", "--salt", "s", "--mode", "relative")
    run("outcomes", "--data", out / "raw", "--out", out / "o.csv")
    run("outcomes", "--data", out / "raw", "--out", out / "oq.parquet", "--outcome-period",
        "quarter", "--anonymize")
    (out / "c.toml").write_text("[analysis]\\nn_resamples = 200\\n")
    run("analyze", "--data", messy, "--out", out / "analysis", "--config", out / "c.toml",
        "--anonymize")
    (out / "printed.txt").write_text(log.getvalue().replace(str(out), "<out>"))
""")


def run_in_a_fresh_process(out: Path, hash_seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "CI": "true"}
    done = subprocess.run([sys.executable, "-c", DRIVER, str(out)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    first, second = tmp_path_factory.mktemp("run1"), tmp_path_factory.mktemp("run2")
    run_in_a_fresh_process(first, "1")
    run_in_a_fresh_process(second, "4242")
    return first, second


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_every_command_writes_the_same_bytes_twice(two_runs):
    first, second = files(two_runs[0]), files(two_runs[1])
    assert sorted(first) == sorted(second)
    expected = {"tidy/reps.csv", "tidy/activity.parquet", "raw/opportunities.csv",
                "validate", "pandas/s.csv", "pandas/s.rejects.csv", "pandas/d.parquet",
                "pandas/a.csv", "duckdb/s.csv", "duckdb/s.rejects.csv", "duckdb/d.parquet",
                "duckdb/a.csv", "o.csv", "oq.parquet", "analysis/results.json",
                "analysis/rejects.csv", "analysis/models.csv", "printed.txt"}
    missing = {e for e in expected if e != "validate" and e not in first}
    assert not missing, missing
    differ = [name for name in first if first[name] != second[name]]
    assert differ == []


def test_what_was_printed_is_the_same_and_complete(two_runs):
    text = (two_runs[0] / "printed.txt").read_text()
    assert text == (two_runs[1] / "printed.txt").read_text()
    assert text.count("exit 0") == 12 and text.count("exit 1") == 1   # validate: the messy one
    assert "Traceback" not in text
