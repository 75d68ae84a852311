"""The benchmark's yardstick computes the trailing sums the scorer computes, on the same files."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ssi_analysis import default_config, load_data, score

duckdb = pytest.importorskip("duckdb")

_spec = importlib.util.spec_from_file_location(
    "bench_score", Path(__file__).parents[1] / "benchmarks" / "bench_score.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def test_yardstick_sums_are_the_scorers_window_values(tmp_path):
    data = tmp_path / "data"
    rows = bench.make_data(data, reps=12, days=100, events_per_day=2.0, seed=3)
    assert rows == pq_rows(data / "activity.parquet")
    out = tmp_path / "y.parquet"
    duckdb.connect().execute(bench.yardstick_sql(str(data / "activity.parquet"),
                                                 str(data / "reps.parquet"), str(out),
                                                 window=default_config().window_days))
    yard = pd.read_parquet(out).sort_values(["rep_id", "date"]).reset_index(drop=True)
    b = load_data(data)
    mine = score(b.activity, b.reps, daily=True, details=True).table
    assert len(yard) == len(mine) == 12 * 100
    counts = [m.name for m in default_config().metrics if m.kind == "count"]
    for m in counts:
        np.testing.assert_array_equal(yard[m].to_numpy(), mine[f"{m}_value"].to_numpy())


def pq_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def test_report_stage_clock_counts_calls_and_times_each_stage_without_its_inner_stages():
    import time

    spec = importlib.util.spec_from_file_location(
        "report_stages", Path(__file__).parents[1] / "benchmarks" / "report_stages.py")
    stages = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stages)
    clock = stages.Clock()
    inner = clock.wrap("inner", lambda: time.sleep(0.02) or 1)

    def work():
        time.sleep(0.01)
        return inner() + inner()

    assert clock.wrap("outer", work)() == 2
    outer, inn = clock.totals["outer"], clock.totals["inner"]
    assert (outer["calls"], inn["calls"]) == (1, 2)
    assert inn["wall"] >= 0.04 and outer["wall"] >= 0.01
    # exclusive: the outer stage's own time plus its inner stages' is its whole time
    assert outer["wall"] + inn["wall"] == pytest.approx(outer["wall_inclusive"])
    assert outer["wall"] < outer["wall_inclusive"] - 0.039
