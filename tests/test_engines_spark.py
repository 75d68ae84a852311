"""The Spark engine gives the pandas and DuckDB engines' scores, rejects and quality report.

Runs on one local SparkSession for the whole session, set for small data (one core, one
shuffle partition, no adaptive re-planning, expressions interpreted rather than compiled: Spark's
cost here is its fixed cost per statement, and the check statement is large), and scores as few
times as the behaviours need: each score_spark run costs seconds even on a few rows. Skipped, saying why, only
when pyspark or Java is missing (``pip install 'ssi-analysis[spark]'`` and a Java 17+).
"""

from __future__ import annotations

import math
import os
import random
import re
import struct

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_bad_inputs import ACTIVITY_CASES, build
from test_bad_inputs import _parquet_folder as _case_as_parquet
from test_engines import MESSY, REPS_CSV, assert_same_scores

from ssi_analysis import example_data_dir, load_data, score
from ssi_analysis.cli import main
from ssi_analysis.dialects import SPARK
from ssi_analysis.engines.spark import java_found

pytest.importorskip("pyspark", reason="the spark engine's tests need pyspark: "
                                      "pip install 'ssi-analysis[spark]'")
if not java_found():
    pytest.skip("the spark engine's tests need Java 17 or later (JAVA_HOME or java on the PATH)",
                allow_module_level=True)
duckdb = pytest.importorskip("duckdb")

from ssi_analysis.engines.duckdb import score_parquet  # noqa: E402
from ssi_analysis.engines.spark import score_spark, spark_session  # noqa: E402

TOL = 1e-9   # the bound; the engines agree to about 1e-14
COLS = ["table", "file", "row", "rep_id", "column", "value", "reason"]


SMALL_DATA = {
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",          # no Java compiled per statement ...
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",    # ... nor per expression: interpreted
}
"""Settings for tests' small data: a run's planning and code generation, not its rows, cost."""
SHORT_JVM = {
    # A JVM that lives two minutes on one core: the one-thread collector (G1's concurrent
    # threads cost more than they save here) ...
    "JDK_JAVA_OPTIONS": "-XX:+UseSerialGC",
    # ... and no web UI: its listeners and server threads do work no test reads. (The JVM's
    # own CPU for this file, measured per process: 127 s -> 106 s. Java's quick compiler only,
    # -XX:TieredStopAtLevel=1, saved 5 s more but made the file 40 s slower.)
    "PYSPARK_SUBMIT_ARGS": "--conf spark.ui.enabled=false pyspark-shell",
}
"""The JVM the tests' session starts with (read when it starts; the toolkit's own sessions
keep Java's and Spark's defaults)."""


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        for name, value in SHORT_JVM.items():
            mp.setenv(name, value)
        session = spark_session("local[1]", log=tmp_path_factory.mktemp("spark") / "spark.log")
    for key, value in SMALL_DATA.items():
        session.conf.set(key, value)
    yield session
    session.stop()


def _rejects(df: pd.DataFrame) -> pd.DataFrame:
    return df[COLS].astype(object).where(df[COLS].notna(), None).reset_index(drop=True)


def assert_same_run(run, other) -> None:
    """Same counts, lines, notes, rejects (reasons, rows, files) and scores."""
    assert run.quality.lines() == other.quality.lines()
    assert run.quality.tables["activity"].rejected_kinds == \
        other.quality.tables["activity"].rejected_kinds
    assert run.notes == other.notes
    pd.testing.assert_frame_equal(_rejects(run.quality.rejects), _rejects(other.quality.rejects),
                                  check_dtype=False)
    a, b = run.scores.table, other.scores.table
    assert list(a.columns) == list(b.columns) and a.rep_id.tolist() == b.rep_id.tolist()
    assert (a.date.to_numpy() == b.date.to_numpy()).all()
    np.testing.assert_allclose(a[a.columns[2:]].to_numpy(), b[b.columns[2:]].to_numpy(),
                               rtol=TOL, atol=TOL)


def _parquet_folder(tmp_path, activity: pd.DataFrame, reps: str = REPS_CSV, name="d"):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "reps.csv").write_text(reps)
    activity.to_parquet(folder / "activity.parquet")
    return folder


# ------------------------------------------------------------------ the three engines agree
def test_the_three_engines_agree_on_the_example(spark, tmp_path):
    """Every eighth rep of the bundled example (all its teams and industries) and their
    activity, as the example's files hold them."""
    example = example_data_dir()
    reps = pd.read_csv(example / "reps.csv", dtype=str, keep_default_na=False).iloc[::8]
    activity = pd.read_parquet(example / "activity.parquet")
    activity = activity[activity["rep_id"].astype(str).isin(reps["rep_id"])]
    assert reps["team"].nunique() > 2 and len(activity) > 10_000
    reps.to_csv(tmp_path / "reps.csv", index=False)
    activity.to_parquet(tmp_path / "activity.parquet", index=False)
    b = load_data(tmp_path)
    run = score_spark(spark, tmp_path, daily=True, mode="relative")
    assert_same_run(run, score_parquet(tmp_path, daily=True, mode="relative"))
    assert_same_scores(run.scores, score(b.activity, b.reps, daily=True, mode="relative"))


def test_in_memory_frames(spark, example_bundle):
    b = example_bundle
    options = {"asof": "2026-03-01", "details": True, "window": 30}
    got = score(b.activity, b.reps, engine="spark", **options)
    want = score(b.activity, b.reps, **options)
    assert got.notes == want.notes
    assert list(got.table.columns) == list(want.table.columns)
    assert got.table.rep_id.tolist() == want.table.rep_id.tolist()
    np.testing.assert_allclose(got.table.iloc[:, 2:].to_numpy(),
                               want.table.iloc[:, 2:].to_numpy(), rtol=TOL, atol=TOL)


def _covering_cases(tmp_path) -> list:
    """The activity cases of the bad-input catalogue, one for each distinct outcome: every
    reason a row is rejected for, every warning and every kind of case appears in one of them
    (all 36 cases when ``SSI_SPARK_ALL_CASES`` is set: a Spark run costs seconds even on a few
    rows, its fixed cost per statement)."""
    if os.environ.get("SSI_SPARK_ALL_CASES"):
        return list(ACTIVITY_CASES)
    outcomes = {}
    for case in ACTIVITY_CASES:
        build(case, tmp_path / "cover" / case.id)
        q = load_data(tmp_path / "cover" / case.id).quality
        outcomes[case.id] = ({f"kind: {k}" for k in q.tables["activity"].rejected_kinds}
                             | {"warning: " + re.sub(r"'[^']*'|[\d,.]+", "", w)
                                for w in q.warnings} | {f"case: {case.kind}"})
    left, chosen = set().union(*outcomes.values()), []
    while left:
        best = max(outcomes, key=lambda k: len(outcomes[k] & left))
        chosen.append(best)
        left -= outcomes[best]
    assert len(chosen) >= 10       # the catalogue's reasons are many; a few cases are not all
    return [c for c in ACTIVITY_CASES if c.id in chosen]


def _batched(cases, tmp_path) -> tuple[list, list]:
    """The cases' Parquet folders: one folder whose activity holds the rows of every case with
    the commonest reps file whose rows DuckDB reads there exactly as alone (the same rejects,
    row by row, and no warning: a column-wide reading, such as day-first dates, is the case's
    own), one case after another, and the folders of the other cases, each scored alone."""
    folders = {c.id: _case_as_parquet(c, tmp_path / c.id) for c in cases}
    others = {i: sorted((p.name, p.read_bytes()) for p in f.iterdir()
                        if p.name != "activity.parquet") for i, f in folders.items()}
    common = max(others.values(), key=lambda v: sum(o == v for o in others.values()))
    fits = [i for i in folders if others[i] == common]
    alone = [i for i in folders if i not in fits]
    while fits:
        batch = tmp_path / f"batch{len(alone)}"
        batch.mkdir()
        for name, data in common:
            (batch / name).write_bytes(data)
        parts = {i: pd.read_parquet(folders[i] / "activity.parquet") for i in fits}
        pd.concat(parts.values(), ignore_index=True).to_parquet(batch / "activity.parquet")
        together, start, misfit = score_parquet(batch).quality.rejects, 0, None
        for i, part in parts.items():
            run = score_parquet(folders[i])
            mine = together[(together["row"] > start) & (together["row"] <= start + len(part))]
            start += len(part)
            if run.quality.warnings or not _rejects(run.quality.rejects).drop(columns="file") \
                    .equals(_rejects(mine.assign(row=mine["row"] - (start - len(part))))
                            .drop(columns="file")):
                misfit = i
                break
        if misfit is None:
            return [batch], [folders[i] for i in alone]
        fits.remove(misfit)
        alone.append(misfit)
    return [], [folders[i] for i in alone]


def test_the_bad_input_catalogue_as_load_data_and_duckdb(spark, tmp_path):
    """The activity cases of the bad-input catalogue (tests/test_bad_inputs.py), the cells as
    text in Parquet: the same rejects, reasons, counts, warnings and scores as both engines
    (DuckDB's as load_data's, case by case: tests/test_bad_inputs.py). Cases that read alike
    beside others are scored together in one run (a Spark run costs seconds on a few rows)."""
    cases = _covering_cases(tmp_path / "cover")
    batch, alone = _batched(cases, tmp_path)
    assert len(batch) == 1 and len(alone) < len(cases) - 2    # fewer runs than cases
    for folder in batch + alone:
        bundle = load_data(folder)
        run = score_spark(spark, folder, daily=True)
        assert_same_run(run, score_parquet(folder, daily=True))
        pd.testing.assert_frame_equal(_rejects(run.quality.rejects),
                                      _rejects(bundle.quality.rejects), check_dtype=False)
        assert run.quality.lines() == bundle.quality.lines(), folder
        expected = score(bundle.activity, bundle.reps, daily=True).table
        np.testing.assert_allclose(run.scores.table["ssi"], expected["ssi"], rtol=TOL, atol=TOL)


METRIC_CELLS = ["posts", "Likes", "comments", "people_searches", "colleague_connections",
                "profile_completeness", "mystery", "", "N/A"]
VALUE_CELLS = ["1", "2.5", "0", "-1", "x", "", "inf", "85", "0.4", "1e8", " 3 "]
DATE_CELLS = ["2026-01-01", "2026-01-02", "2026-01-05", "2026-02-01", "someday", "",
              "2030-01-01", "1900-01-01", "2026-01-03T23:30:00+05:00"]


@settings(max_examples=2, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["A", "B", "c", " A", "Z", ""]),
                          st.sampled_from(DATE_CELLS), st.sampled_from(METRIC_CELLS),
                          st.sampled_from(VALUE_CELLS)), min_size=1, max_size=30))
def test_random_activity(spark, tmp_path_factory, rows):
    """Random cells (good, bad, repaired, unknown): all three engines read, reject and score
    them alike."""
    base = [("A", "2026-01-01", m, "1") for m in ("posts", "people_searches", "comments",
                                                   "colleague_connections")]
    act = pd.DataFrame(base + rows, columns=["rep_id", "date", "metric", "value"])
    folder = _parquet_folder(tmp_path_factory.mktemp("random"), act)
    bundle = load_data(folder)
    run = score_spark(spark, folder, daily=True)
    assert_same_run(run, score_parquet(folder, daily=True))
    assert run.quality.lines() == bundle.quality.lines()
    pd.testing.assert_frame_equal(_rejects(run.quality.rejects),
                                  _rejects(bundle.quality.rejects), check_dtype=False)
    assert_same_scores(run.scores, score(bundle.activity, bundle.reps, daily=True))


# ------------------------------------------------------------------ ways of giving the data
@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support:FutureWarning")
def test_files_folders_dataframes_and_reps_given_apart(spark, tmp_path):
    folder = _parquet_folder(tmp_path, MESSY)    # scored by Spark in test_cli_engine_spark
    expected = score_parquet(folder, daily=True)
    # a folder of files: rows named by their file within the folder
    many = tmp_path / "many"
    (many / "activity" / "part=1").mkdir(parents=True)
    (many / "reps.csv").write_text(REPS_CSV)
    MESSY.iloc[:7].to_parquet(many / "activity" / "part=1" / "a.parquet")
    MESSY.iloc[7:].to_parquet(many / "activity" / "b.parquet")
    assert_same_run(score_spark(spark, many, daily=True), score_parquet(many, daily=True))
    # paths and an output as URIs (as a cluster's s3a://, hdfs://, dbfs:/), written by Spark
    uri = (tmp_path / "by_uri").as_uri()
    run = score_spark(spark, activity=(folder / "activity.parquet").as_uri(),
                      reps=folder / "reps.csv", daily=True, out=uri)
    assert run.out == uri and run.rows_rejected == expected.rows_rejected
    written = pd.read_parquet(tmp_path / "by_uri")
    assert len(written) == len(expected.scores.table) and \
        sorted(p.name for p in (tmp_path / "by_uri").glob("date=*"))[0] == "date=2026-01-01"
    np.testing.assert_allclose(np.sort(written["ssi"]), np.sort(expected.scores.table["ssi"]),
                               rtol=TOL, atol=TOL)
    # a Spark DataFrame read from files, the reps as a file
    df = spark.read.parquet(str(folder / "activity.parquet"))
    run = score_spark(spark, activity=df, reps=folder / "reps.csv", daily=True)
    assert_same_scores(run.scores, expected.scores)
    assert run.quality.rejects["row"].tolist() == expected.quality.rejects["row"].tolist()
    # a DataFrame not read from files: rows numbered in its order, the file named "activity"
    built = spark.createDataFrame(MESSY.astype(object).where(MESSY.notna(), None))
    run = score_spark(spark, activity=built, reps=pd.read_csv(folder / "reps.csv"), daily=True)
    assert_same_scores(run.scores, expected.scores)
    assert set(run.quality.rejects.file) == {"activity"}
    assert sorted(run.quality.rejects["row"]) == sorted(expected.quality.rejects["row"])


def test_typed_columns_and_nanosecond_timestamps(spark, tmp_path):
    """Typed Parquet as pandas writes it (float values, nanosecond dates, a zone's timestamps)."""
    act = pd.DataFrame({"rep_id": ["A", "B", "A", "B", "A"],
                        "date": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03",
                                                "2026-01-04", "2031-01-01"]).as_unit("ns"),
                        "metric": ["posts", "people_searches", "comments",
                                   "colleague_connections", "posts"],
                        "value": [1.0, 2.0, 3.0, 5.0, 1.2e7]})
    folder = _parquet_folder(tmp_path, act)
    assert_same_run(score_spark(spark, folder, daily=True), score_parquet(folder, daily=True))
    zoned = act.assign(date=pd.Series(pd.to_datetime(
        ["2026-01-01 23:30", "2026-01-02 08:00"] * 2 + ["2026-01-05 01:00"])
        .as_unit("ns")).dt.tz_localize("Asia/Tokyo"))
    folder = _parquet_folder(tmp_path, zoned, name="zoned")
    run = score_spark(spark, folder, daily=True)
    assert_same_run(run, score_parquet(folder, daily=True))
    bundle = load_data(folder)      # the dates of the zone's days (Jan 1 and Jan 2), not UTC's
    assert run.last_date == bundle.activity["date"].max() == pd.Timestamp("2026-01-02")
    assert_same_scores(run.scores, score(bundle.activity, bundle.reps, daily=True))


# ------------------------------------------------------------------ the command line
def test_cli_engine_spark(spark, tmp_path, capsys):
    folder = _parquet_folder(tmp_path, MESSY)
    out = tmp_path / "out" / "s.parquet"
    assert main(["score", "--data", str(folder), "--out", str(out), "--daily",
                 "--engine", "spark"]) == 0
    text = capsys.readouterr()
    assert "rejected 11 of 18 rows" in text.out and "wrote 30 scores for 3 reps" in text.out
    assert text.err == ""                       # no Spark or Java chatter on the terminal
    days = sorted(p.name for p in out.iterdir())
    assert days[0] == "date=2026-01-01" and len(days) == 10      # partitioned by date
    written = pd.read_parquet(out)
    assert len(written) == 30 and set(written.columns) >= {"rep_id", "date", "ssi"}
    assert main(["score", "--data", str(folder), "--out", str(tmp_path / "p.csv"),
                 "--daily"]) == 0
    assert main(["score", "--data", str(folder), "--out", str(tmp_path / "s.csv"),
                 "--daily", "--engine", "spark"]) == 0
    assert (tmp_path / "s.rejects.csv").read_bytes() == (tmp_path / "p.rejects.csv").read_bytes()
    assert (tmp_path / "out" / "s.rejects.csv").read_bytes() == \
        (tmp_path / "p.rejects.csv").read_bytes()
    a, b = pd.read_csv(tmp_path / "s.csv"), pd.read_csv(tmp_path / "p.csv")
    np.testing.assert_allclose(a.ssi, b.ssi, rtol=TOL, atol=TOL)
    one = tmp_path / "one.parquet"
    assert main(["score", "--data", str(folder), "--out", str(one), "--engine", "spark"]) == 0
    assert one.is_file() and len(pd.read_parquet(one)) == 3
    # daily scores to a folder named without .parquet (Spark's form: a folder of days)
    assert main(["score", "--data", str(folder), "--out", str(tmp_path / "days"), "--daily",
                 "--engine", "spark"]) == 0
    assert sorted(p.name for p in (tmp_path / "days").iterdir()) == days
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "days"), written)
    assert (tmp_path / "days.rejects.csv").read_bytes() == \
        (tmp_path / "p.rejects.csv").read_bytes()
    capsys.readouterr()
    # a folder of other files is not replaced; a file needs its suffix
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    assert main(["score", "--data", str(folder), "--out", str(mine), "--daily",
                 "--engine", "spark"]) == 2
    assert "other files than earlier daily scores" in capsys.readouterr().err
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert main(["score", "--data", str(folder), "--out", str(tmp_path / "x"),
                 "--engine", "spark"]) == 2
    assert "must be a .csv or .parquet file" in capsys.readouterr().err
    assert main(["score", "--data", str(folder), "--out", str(one), "--spark-master",
                 "local[1]"]) == 2
    assert "--engine spark" in capsys.readouterr().err


def test_spark_writes_python_texts_of_numbers(spark):
    """A value in a reason is written as Python writes it (12000000.0, 1e+20, -0.5)."""
    values = [0.0, -1.0, 12000000.0, 1e16, 1e20, 0.0001, 1e-5, 123.456, -2.5e-7, 1e300,
              float("inf"), float("-inf")]
    rng = random.Random(7)
    values += [v for v in (struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0]
                           for _ in range(300)) if not math.isnan(v)]
    df = spark.createDataFrame([(v,) for v in values], "v double")
    df.createOrReplaceTempView("ssi_test_floats")
    got = [r[0] for r in spark.sql(f"SELECT {SPARK.to_text('v')} FROM ssi_test_floats")
           .collect()]
    wrong = [(v, g) for v, g in zip(values, got, strict=True) if g != repr(v)]
    # Java before 19 writes a few doubles of 17 digits one digit longer (JDK-4511638)
    assert len(wrong) <= 0.05 * len(values), wrong
    assert all(len(g.replace("-", "")) == len(repr(v).replace("-", "")) + 1 for v, g in wrong)
    assert got[:12] == [repr(v) for v in values[:12]]


# ------------------------------------------------------------------ totals over periods
def test_period_totals_in_memory_and_refused_from_files(spark, tmp_path):
    """Totals over periods (issue 19), spread when loaded, scored in Spark as pandas scores
    them: days active as reported, the pillar without a metric NaN (not 0); from files, refused
    with the way to score them."""
    from conftest import write_folder
    from test_periods import PERIODS, REPS

    from ssi_analysis.errors import SSIInputError

    b = load_data(write_folder(tmp_path / "d", reps=REPS, activity=PERIODS))
    got = score(b.activity, b.reps, daily=True, details=True, window=30, engine="spark")
    want = score(b.activity, b.reps, daily=True, details=True, window=30)
    assert got.table["brand"].isna().all() and got.notes == want.notes
    pd.testing.assert_frame_equal(got.table, want.table, check_exact=False, rtol=TOL, atol=TOL)
    folder = tmp_path / "pq"
    folder.mkdir()
    (folder / "reps.csv").write_text(REPS)
    pd.read_csv(tmp_path / "d" / "activity.csv").to_parquet(folder / "activity.parquet")
    with pytest.raises(SSIInputError, match="date missing") as e:
        score_spark(spark, folder)
    assert "engine='spark'" in e.value.fix
