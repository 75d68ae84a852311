"""The DuckDB engine gives the pandas engine's scores, rejects and quality report (the Spark
engine's tests, which need Java, are in test_engines_spark.py)."""

from __future__ import annotations

import builtins
import datetime as dt
import os

import numpy as np
import pandas as pd
import pytest
from conftest import make_activity
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssi_analysis import default_config, load_data, score
from ssi_analysis.cli import main
from ssi_analysis.config import config_from_dict
from ssi_analysis.errors import SSIConfigError, SSIDataError, SSIInputError, SSIInputErrors
from ssi_analysis.schemas import METRICS
from ssi_analysis.scoring import Scores
from ssi_analysis.scoring.spec import ScoringSpec
from ssi_analysis.scoring.sql import scoring_sql
from ssi_analysis.simulate import simulate
from ssi_analysis.tables import table_of

duckdb = pytest.importorskip("duckdb")
from ssi_analysis.engines.duckdb import score_parquet  # noqa: E402

TOL = 1e-12   # the engines add and multiply in the same order; pow may differ in the last bit


def assert_same_scores(a: Scores | pd.DataFrame, b: Scores | pd.DataFrame, *,
                       notes: bool = True) -> None:
    """Same rows, columns, types, notes; numbers equal to 1e-12 and NaN in the same cells."""
    if notes:
        assert a.notes == b.notes
    a, b = table_of(a), table_of(b)
    assert list(a.columns) == list(b.columns)
    assert a.dtypes.tolist() == b.dtypes.tolist()
    assert (a["rep_id"].to_numpy() == b["rep_id"].to_numpy()).all()
    assert (a["date"].to_numpy() == b["date"].to_numpy()).all()
    num = a.columns[2:]
    np.testing.assert_allclose(a[num].to_numpy(), b[num].to_numpy(), rtol=TOL, atol=TOL)


@pytest.mark.parametrize("options", [
    {},
    {"daily": True},
    {"mode": "relative"},
    {"daily": True, "mode": "relative", "window": 30},
    {"asof": "2026-03-01", "details": True},
])
def test_engines_agree_on_the_example(example_bundle, options):
    b = example_bundle
    assert_same_scores(score(b.activity, b.reps, engine="duckdb", **options),
                       score(b.activity, b.reps, **options))


def test_engines_agree_on_at_pairs_and_a_changed_config(example_bundle):
    b = example_bundle
    at = pd.DataFrame({"rep_id": ["R0002", "R0001", "R0002"],
                       "date": pd.to_datetime(["2026-04-30", "2026-03-31", "2026-04-30"])})
    assert_same_scores(score(b.activity, b.reps, at=at, engine="duckdb"),
                       score(b.activity, b.reps, at=at))
    # the SQL follows the config: other halves, weights, targets and priors
    cfg = config_from_dict({"metrics": {
        "posts": {"half": 2, "weight": 5}, "message_reply_rate": {"target": 0.9, "prior": 0.5,
                                                                  "prior_n": 0},
        "days_active": {"half": 5}}}, base=default_config())
    assert_same_scores(score(b.activity, b.reps, config=cfg, engine="duckdb"),
                       score(b.activity, b.reps, config=cfg))
    spec = ScoringSpec.build(cfg, present=set(METRICS), any_rows=True)
    sql = scoring_sql(spec, daily="d", universe="u", targets="t", grid_reps="u",
                      day0=np.datetime64("2026-01-01"), last=np.datetime64("2026-02-01"))
    assert "CAST('2.0' AS DOUBLE)" in sql and "CAST('0.9' AS DOUBLE)" in sql


COUNT_NAMES = sorted(m for m in METRICS if m != "profile_completeness")
rows = st.lists(st.tuples(st.sampled_from(["r1", "r2", "r3", "r4"]), st.integers(0, 40),
                          st.sampled_from(COUNT_NAMES + ["profile_completeness", "mystery",
                                                         None]),
                          st.integers(0, 30)), max_size=40)


def _frame(rows, dropped):
    base = [("r1", 0, m, 0) for m in METRICS if m not in dropped]
    df = pd.DataFrame(base + [r for r in rows if r[2] not in dropped],
                      columns=["rep_id", "day", "metric", "value"])
    df["date"] = pd.Timestamp("2026-01-01") + pd.to_timedelta(df.pop("day"), unit="D")
    df["value"] = df["value"].astype(float)
    level = df.metric == "profile_completeness"
    df.loc[level, "value"] = df.loc[level, "value"] / 30
    return df[["rep_id", "date", "metric", "value"]]


REPS4 = pd.DataFrame({"rep_id": ["r1", "r2", "r3", "r4"], "industry": ["X", "X", "Y", None],
                      "team": ["t", "t", "u", "u"]})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows, st.sampled_from(["absolute", "relative"]), st.integers(1, 45),
       st.sets(st.sampled_from(["posts", "messages_sent", "inmail_replies",
                                "profile_completeness", "likes"]), max_size=3))
def test_engines_agree_on_any_activity(rows, mode, window, dropped):
    """Levels, rates with shrinkage, days active (an unknown metric counts as activity, a
    missing one does not), ties, ranks with a rep lacking an industry, metrics left out and
    renormalised: the same, whatever the activity."""
    df = _frame(rows, dropped)
    assert_same_scores(score(df, REPS4, daily=True, window=window, mode=mode, engine="duckdb"),
                       score(df, REPS4, daily=True, window=window, mode=mode))


def test_reps_without_team_and_activity_without_reps():
    act = make_activity([("a", "2026-01-01", "posts", 3), ("b", "2026-01-02", "likes", 2),
                         ("a", "2026-01-03", "colleague_connections", 1),
                         ("b", "2026-01-03", "people_searches", 4)])
    assert_same_scores(score(act, engine="duckdb", daily=True), score(act, daily=True))
    reps = pd.DataFrame({"rep_id": ["a", "b", "c"], "industry": ["X", None, "X"]})
    assert_same_scores(score(act, reps, engine="duckdb", mode="relative"),
                       score(act, reps, mode="relative"))


def test_unknown_engine_is_a_config_error(example_bundle):
    with pytest.raises(SSIConfigError, match="engine 'polars'") as exc:
        score(example_bundle.activity, example_bundle.reps, engine="polars")
    assert "'spark'" in exc.value.fix


# ------------------------------------------------------------------ Parquet files
MESSY = pd.DataFrame({  # 15 rows: 4 used, 11 rejected for every reason there is
    "rep_id": ["A", None, "A", "n/a", "A", "A", "Z", "A", " B ", "A", "A", None, "B", "B", "A"],
    "date": ["2026-01-01", "never", "2026-01-02", "2026-01-03", None, "2026-01-04",
             "2026-01-01", "2026-01-05", "2026-01-05", "2026-01-06", "2026-01-07",
             "2026-01-08", "2026-01-09T23:30:00+05:00", "2026-01-10", "2026-01-11"],
    "Metric": ["posts", "Posts", "post", None, "likes", "profile_completeness", "posts",
               "LIKES", "comments", "likes", "likes", "foo", "Connection Requests Accepted",
               "people-searches", "likes"],
    "value": ["1", "x", "-2", "3", "", "1.5", "1", "inf", "2", "-inf", "nan", "-1", " 1 ",
              " 4 ", "1_000"],
})
REPS_CSV = "rep_id,team,industry\nA,t1,Software\nB,t1,Software\nC,t2,\n"


def _folder(tmp_path, activity: pd.DataFrame, name="d"):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "reps.csv").write_text(REPS_CSV)
    activity.to_parquet(folder / "activity.parquet")
    return folder


def _same_rejects(a: pd.DataFrame, b: pd.DataFrame) -> None:
    cols = ["table", "file", "row", "rep_id", "column", "value", "reason"]

    def norm(df):
        return df[cols].astype(object).where(df[cols].notna(), None).reset_index(drop=True)

    pd.testing.assert_frame_equal(norm(a), norm(b), check_dtype=False)


def test_parquet_rows_are_checked_as_load_data_checks_them(tmp_path):
    folder = _folder(tmp_path, MESSY)
    bundle = load_data(folder)
    run = score_parquet(folder, daily=True)
    a, p = run.quality.tables["activity"], bundle.quality.tables["activity"]
    assert (a.rows_read, a.rows_used, a.rows_rejected) == (p.rows_read, p.rows_used,
                                                           p.rows_rejected) == (15, 4, 11)
    _same_rejects(run.quality.rejects, bundle.quality.rejects)
    assert run.quality.lines() == bundle.quality.lines()
    assert_same_scores(run.scores, score(bundle.activity, bundle.reps, daily=True))


def test_typed_parquet_and_a_folder_of_files(tmp_path):
    tables, _ = simulate(n_reps=25, seed=4, days=120)
    act = tables["activity"].assign(date=pd.to_datetime(tables["activity"]["date"]))
    act.loc[[3, 40], "value"] = [-1.0, np.nan]
    act.loc[[7], "rep_id"] = "GHOST"
    reps = tables["reps"]
    one = tmp_path / "one"
    one.mkdir()
    reps.to_csv(one / "reps.csv", index=False)
    act.to_parquet(one / "activity.parquet")
    many = tmp_path / "many"
    (many / "activity" / "year=2026").mkdir(parents=True)
    reps.to_csv(many / "reps.csv", index=False)
    half = len(act) // 2
    act.iloc[:half].to_parquet(many / "activity" / "year=2026" / "part-0.parquet")
    act.iloc[half:].to_parquet(many / "activity" / "year=2026" / "part-1.parquet")

    bundle = load_data(one)
    expected = score(bundle.activity, bundle.reps, asof="2026-04-15")
    single = score_parquet(one, asof="2026-04-15")
    split = score_parquet(many, asof="2026-04-15")
    _same_rejects(single.quality.rejects, bundle.quality.rejects)
    assert_same_scores(single.scores, expected)
    assert_same_scores(split.scores, expected)
    assert split.quality.tables["activity"].rows_rejected == 3
    assert set(split.quality.rejects.file) == {"activity/year=2026/part-0.parquet"}
    # a glob names the files directly
    glob = score_parquet(many, activity=str(many / "activity" / "**" / "*.parquet"),
                         asof="2026-04-15")
    assert_same_scores(glob.scores, expected)


def test_a_memory_limit_holds_and_gives_the_same_scores(tmp_path, example_bundle):
    out = tmp_path / "s.parquet"
    score_parquet("example", out, daily=True, memory_limit="64MB",
                  temp_directory=tmp_path / "spill", threads=1)
    b = example_bundle
    assert_same_scores(pd.read_parquet(out), score(b.activity, b.reps, daily=True), notes=False)
    with pytest.raises(SSIDataError, match="ran out of memory") as exc:   # far too little
        score_parquet("example", out, daily=True, memory_limit="8MB", threads=1)
    assert "--memory-limit" in exc.value.fix


def test_files_written_and_rejects_file(tmp_path):
    folder = _folder(tmp_path, MESSY)
    out = tmp_path / "out" / "scores.csv"
    run = score_parquet(folder, out, daily=True)
    written = pd.read_csv(out)
    assert len(written) == run.n_scores == 3 * 10 and run.n_reps == 3
    assert list(written.columns[:3]) == ["rep_id", "date", "brand"]
    rejects = pd.read_csv(run.rejects_path)
    assert len(rejects) == 11 and rejects.columns.tolist()[-1] == "reason"
    pq_out = tmp_path / "out" / "scores.parquet"
    score_parquet(folder, pq_out, daily=True)
    back = pd.read_parquet(pq_out)
    assert str(back["date"].dtype) == "datetime64[ns]" and len(back) == 30


def _pillars(dates) -> pd.DataFrame:
    """Four rows, one metric of each pillar, on the given dates."""
    return pd.DataFrame({"rep_id": ["A", "B", "A", "B"], "date": dates,
                         "metric": ["posts", "people_searches", "comments",
                                    "colleague_connections"], "value": [1.0, 2.0, 3.0, 1.0]})


def test_strict_and_ambiguous_dates_stop_with_messages(tmp_path):
    folder = _folder(tmp_path, MESSY)
    with pytest.raises(SSIInputErrors) as exc:
        score_parquet(folder, strict=True)
    assert "row 3" in str(exc.value)
    ambiguous = _pillars(["05/01/2026", "06/02/2026", "05/01/2026", "06/02/2026"])
    with pytest.raises(SSIInputError, match="day/month and month/day"):
        score_parquet(_folder(tmp_path, ambiguous, "amb"))
    settled = _pillars(["05/01/2026", "25/02/2026", "05/01/2026", "06/02/2026"])  # 25: d/m
    folder = _folder(tmp_path, settled, "settled")
    b = load_data(folder)
    assert b.activity.date.tolist() == [pd.Timestamp(d) for d in ("2026-01-05", "2026-02-25",
                                                                  "2026-01-05", "2026-02-06")]
    run = score_parquet(folder, daily=True)
    _same_rejects(run.quality.rejects, b.quality.rejects)
    assert_same_scores(run.scores, score(b.activity, b.reps, daily=True))


def test_timestamps_with_a_time_zone_keep_their_local_date(tmp_path):
    when = pd.Series(pd.to_datetime(["2026-01-01 23:30", "2026-01-02 08:00"] * 2)
                     ).dt.tz_localize("Asia/Tokyo")
    folder = _folder(tmp_path, _pillars(when))
    b = load_data(folder)
    assert b.activity.date.dt.date.tolist() == [dt.date(2026, 1, 1), dt.date(2026, 1, 2)] * 2
    run = score_parquet(folder, daily=True)
    assert_same_scores(run.scores, score(b.activity, b.reps, daily=True))


def test_cli_engine_duckdb(tmp_path, capsys):
    folder = _folder(tmp_path, MESSY)
    out = tmp_path / "s.parquet"
    assert main(["score", "--data", str(folder), "--out", str(out), "--daily",
                 "--engine", "duckdb", "--memory-limit", "1GB",
                 "--temp-dir", str(tmp_path / "spill")]) == 0
    text = capsys.readouterr().out
    assert "rejected 11 of 18 rows" in text and "wrote 30 scores for 3 reps" in text
    assert main(["score", "--data", str(folder), "--out", str(tmp_path / "p.parquet"),
                 "--daily"]) == 0
    assert (tmp_path / "s.rejects.csv").read_bytes() == (tmp_path / "p.rejects.csv").read_bytes()
    csv_folder = tmp_path / "csv"
    csv_folder.mkdir()
    (csv_folder / "reps.csv").write_text(REPS_CSV)
    MESSY.to_csv(csv_folder / "activity.csv", index=False)
    assert main(["score", "--data", str(csv_folder), "--out", str(out),
                 "--engine", "duckdb"]) == 2
    assert "reads activity from Parquet" in capsys.readouterr().err
    assert main(["score", "--data", "example", "--out", str(out), "--memory-limit", "1GB"]) == 2
    assert "--engine duckdb" in capsys.readouterr().err


def test_cli_duckdb_output_matches_pandas(tmp_path):
    pandas_out, duck_out = tmp_path / "p.parquet", tmp_path / "d.parquet"
    assert main(["score", "--data", "example", "--out", str(pandas_out), "--daily"]) == 0
    assert main(["score", "--data", "example", "--out", str(duck_out), "--daily",
                 "--engine", "duckdb"]) == 0
    assert_same_scores(pd.read_parquet(duck_out), pd.read_parquet(pandas_out), notes=False)


@pytest.mark.parametrize("engine, package, extra", [("duckdb", "duckdb", "duckdb"),
                                                    ("spark", "pyspark", "spark")])
def test_a_clear_message_without_the_engines_package(monkeypatch, capsys, tmp_path, engine,
                                                     package, extra):
    real_import = builtins.__import__

    def missing(name, *args, **kwargs):
        if name == package or name.startswith(package + "."):
            raise ImportError(f"No module named '{package}'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", missing)
    code = main(["score", "--data", "example", "--out", str(tmp_path / "s.csv"),
                 "--engine", engine])
    err = capsys.readouterr().err
    assert code == 2 and f"needs the {package} package" in err and f"[{extra}]" in err
    assert "Traceback" not in err


# ------------------------------------------------------------------ Spark's failures, said
def _raised(name: str, text: str) -> Exception:
    """An exception of the class pyspark or py4j raises under ``name``, with Java's text."""
    return type(name, (Exception,), {})(text)


# Spark's text when its Java heap was full (tests/test_engines_spark.py once met it, in CI)
BROADCAST_OOM = (
    "An error occurred while calling o2446.collectToPython.\n"
    ": java.util.concurrent.ExecutionException: org.apache.spark.util.SparkFatalException: "
    "org.apache.spark.SparkException: Not enough memory to build and broadcast the table to "
    "all worker nodes.\n\tat java.base/java.util.concurrent.FutureTask.report(FutureTask.java:"
    "122)\n\t... 12 more\nCaused by: org.apache.spark.util.SparkFatalException: org.apache."
    "spark.SparkException: Not enough memory to build and broadcast the table to all worker "
    "nodes.\n\tat org.apache.spark.sql.execution.exchange.BroadcastExchangeExec.x(B.scala:1)")
DISK_FULL = (
    "An error occurred while calling o12.collectToPython.\n"
    ": org.apache.spark.SparkException: Job aborted due to stage failure: Task 0 in stage 3.0 "
    "failed 1 times, most recent failure: Lost task 0.0\n\tat org.apache.spark.a.b(C.scala:1)"
    "\nCaused by: java.io.IOException: No space left on device\n\tat java.io.F.w(F.java:2)")


def test_spark_failures_are_said_with_their_cause_and_no_stack():
    from ssi_analysis.engines.spark import _errors, spark_said

    with pytest.raises(SSIDataError, match="Spark ran out of memory") as exc, _errors():
        raise _raised("Py4JJavaError", BROADCAST_OOM)
    assert "Not enough memory to build and broadcast" in exc.value.problem
    assert "--driver-memory" in exc.value.fix and "\tat " not in str(exc.value)
    with pytest.raises(SSIDataError, match="Spark stopped: org.apache.spark.SparkException: "
                       "Job aborted") as exc, _errors():
        raise _raised("Py4JJavaError", DISK_FULL)
    assert exc.value.problem.endswith("(caused by java.io.IOException: No space left on device)")
    assert spark_said(_raised("AnalysisException", "[UNRESOLVED_COLUMN] x")) == \
        "[UNRESOLVED_COLUMN] x"
    # Spark's Java process gone: said, with what to do
    with pytest.raises(SSIConfigError, match="Java process stopped answering") as exc, \
            _errors():
        raise _raised("Py4JNetworkError", "Answer from Java side is empty")
    assert "--engine duckdb" in exc.value.fix
    # anything else is a bug, raised as it is
    with pytest.raises(KeyError), _errors():
        raise KeyError("x")


def test_spark_that_cannot_start_is_said(monkeypatch, tmp_path, capsys):
    """No Java, or a Java that does not run: a message, exit 2, no traceback."""
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    from pyspark.sql import SparkSession

    if SparkSession.getActiveSession() is not None:
        pytest.skip("a Spark session is running in this process: it would be used")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    args = ["score", "--data", "example", "--out", str(tmp_path / "s.parquet"),
            "--engine", "spark"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "needs Java, which was not found" in err and "Traceback" not in err
    java = tmp_path / "jdk" / "bin" / "java"          # a Java that stops at once
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\necho 'Error: could not create the Java Virtual Machine' >&2\n"
                    "exit 1\n")
    java.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(java.parent.parent))
    monkeypatch.setenv("PATH", os.pathsep.join(["/usr/bin", "/bin"]))
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Spark did not start on local[*]" in err and "Traceback" not in err
    assert "Java 17" in err
