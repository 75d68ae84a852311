"""Benchmark: daily SSI for thousands of reps from Parquet, timed against a DuckDB yardstick.

Run from the repository root (``make bench`` runs the target size)::

    .venv/bin/python benchmarks/bench_score.py                   # 2,000 reps x 365 days, ~7M rows
    .venv/bin/python benchmarks/bench_score.py --reps 40 --days 120 --events-per-day 3   # smoke
    .venv/bin/python benchmarks/bench_score.py --record benchmarks/RESULTS.md            # keep it

It makes its own data (seeded): ``reps.parquet`` and ``activity.parquet`` in long form, one row
per event (``rep_id, date, metric, value``), about ``reps x days x events-per-day`` rows. Then it
times each job in a fresh Python process: wall time, CPU time (the kernel's ``rusage``) and peak
resident memory (the process's own ``VmHWM``, read as it exits; ``rusage``'s ``ru_maxrss``
would count the memory of the benchmark process that started it):

1. ``ssi-analysis score --daily`` end to end, Parquet in, Parquet out (the pandas engine);
2. the Python API in memory: ``load_data`` then ``score(..., daily=True)`` on the Bundle;
3. ``ssi-analysis score --daily --engine duckdb`` (if duckdb is installed), once as it is and
   once with ``--memory-limit`` well below the data's size in memory, so that DuckDB spills
   to disk: the path for histories larger than memory;
4. ``ssi-analysis score --daily --engine spark`` on ``--spark-master`` (default ``local[*]``) if
   pyspark and Java are there (``--no-spark`` leaves it out); the JVM is waited for, so its CPU
   is in the job's, and its peak memory is added to Python's;
5. the yardstick: a well-written DuckDB query that does only the trailing-window sums of every
   count metric for every rep and day, Parquet to Parquet (:func:`yardstick_sql`).

The ratio is each job's wall time over the yardstick's, measured in the same run (so it holds on a
busy machine better than the seconds do). At the end it checks that the engines wrote the
same scores, and exits non-zero if they do not or a job failed: CI runs it small as a smoke test.
It is a benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ssi_analysis.config import default_config
from ssi_analysis.schemas import COUNT_METRICS, LEVEL_METRICS

INDUSTRIES = ("Software", "Financial Services", "Manufacturing", "Healthcare",
              "Professional Services")


# ------------------------------------------------------------------ data
def make_data(folder: Path, *, reps: int, days: int, events_per_day: float,
              seed: int = 0) -> int:
    """Write ``reps.parquet`` and ``activity.parquet`` (one row per event) to ``folder``.

    Each rep has a personal intensity (log-normal, mean 1) and works less at weekends; each
    event is one metric, drawn with fixed shares; ``post_views`` rows carry a count of views,
    the rest 1. Profile completeness is a level recorded on the first day and mid-way. Returns
    the number of activity rows.
    """
    rng = np.random.default_rng(seed)
    metrics = sorted(COUNT_METRICS)
    share = rng.gamma(2.0, 1.0, len(metrics))
    share /= share.sum()
    start = np.datetime64("2025-01-01")
    weekday = np.where(((np.arange(days) + 3) % 7) < 5, 1.0, 0.3)  # 2025-01-01 was a Wednesday
    weekday /= weekday.mean()
    intensity = rng.lognormal(-0.18, 0.6, reps)
    intensity /= intensity.mean()
    n = rng.poisson(events_per_day * intensity[:, None] * weekday[None, :])
    day = np.repeat(np.tile(np.arange(days), reps), n.ravel())
    rep = np.repeat(np.repeat(np.arange(reps), days), n.ravel())
    metric = rng.choice(len(metrics), size=len(rep), p=share)
    value = np.ones(len(rep))
    views = metric == metrics.index("post_views")
    value[views] = rng.poisson(20, int(views.sum())) + 1
    order = np.lexsort((rep, day))          # as an export lists them: by date, then rep
    ids = np.array([f"R{i:05d}" for i in range(reps)], dtype=object)
    level = next(iter(LEVEL_METRICS))
    first = rng.uniform(0.3, 1.0, reps).round(2)
    later = np.minimum(first + rng.choice([0.0, 0.05, 0.1], reps), 1.0).round(2)
    table = pa.table({
        "rep_id": np.concatenate([ids, ids[rep[order]], ids]),
        "date": np.concatenate([np.full(reps, start), start + day[order].astype("timedelta64[D]"),
                                np.full(reps, start + np.timedelta64(days // 2, "D"))]),
        "metric": np.concatenate([np.full(reps, level, dtype=object),
                                  np.asarray(metrics, dtype=object)[metric[order]],
                                  np.full(reps, level, dtype=object)]),
        "value": np.concatenate([first, value[order], later]),
    })
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / "activity.parquet")
    team = np.arange(reps) % max(1, reps // 20)
    pq.write_table(pa.table({
        "rep_id": ids, "team": [f"T{t:03d}" for t in team],
        "industry": [INDUSTRIES[t % len(INDUSTRIES)] for t in team],
    }), folder / "reps.parquet")
    return table.num_rows


# ------------------------------------------------------------------ the yardstick
def yardstick_sql(activity: str, reps: str, out: str, *, window: int) -> str:
    """DuckDB: every count metric's trailing-``window``-day sum for every rep and day.

    Written to be fast: one pass pivots the events to one row per rep and day, a dense grid of
    reps x days takes cumulative sums, and a trailing sum is ``cum - lag(cum, window)``.
    (A framed ``SUM() OVER (ROWS BETWEEN window - 1 PRECEDING ...)`` took twice as long.)
    """
    metrics = sorted(COUNT_METRICS)
    pivot = ", ".join(f"coalesce(sum(value) FILTER (WHERE metric = '{m}'), 0) AS {m}"
                      for m in metrics)
    dense = ", ".join(f"coalesce(d.{m}, 0) AS {m}" for m in metrics)
    cum = ", ".join(f"sum({m}) OVER w AS {m}" for m in metrics)
    trail = ", ".join(f"{m} - coalesce(lag({m}, {window}) OVER w2, 0) AS {m}" for m in metrics)
    return f"""
COPY (
  WITH a AS (SELECT rep_id, CAST(date AS DATE) AS date, metric, value
             FROM read_parquet('{activity}')),
  span AS (SELECT min(date) AS lo, max(date) AS hi FROM a),
  daily AS (SELECT rep_id, date, {pivot} FROM a GROUP BY rep_id, date),
  grid AS (SELECT r.rep_id, CAST(g.d AS DATE) AS date
           FROM read_parquet('{reps}') r, span, generate_series(span.lo, span.hi, INTERVAL 1 DAY) g(d)),
  dense AS (SELECT g.rep_id, g.date, {dense} FROM grid g LEFT JOIN daily d USING (rep_id, date)),
  c AS (SELECT rep_id, date, {cum} FROM dense
        WINDOW w AS (PARTITION BY rep_id ORDER BY date ROWS UNBOUNDED PRECEDING))
  SELECT rep_id, date, {trail} FROM c WINDOW w2 AS (PARTITION BY rep_id ORDER BY date)
) TO '{out}' (FORMAT parquet)
"""


# ------------------------------------------------------------------ timing a process
PEAK = """
import atexit, os, runpy, sys

def _peak():  # the high-water mark of this process's resident memory, in kB
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                with open(os.environ["BENCH_PEAK"], "w") as out:
                    out.write(line.split()[1])

if os.path.exists("/proc/self/status"):
    atexit.register(_peak)
kind, target, *sys.argv[1:] = sys.argv[1:]
if kind == "module":
    sys.argv[0] = target
    runpy.run_module(target, run_name="__main__", alter_sys=True)
else:
    sys.argv[0] = "-c"
    exec(compile(target, "<job>", "exec"), {"__name__": "__main__"})
"""


def run_timed(argv: list[str], log: Path) -> dict:
    """Run a job (``["module", name, *args]`` or ``["code", text, *args]``) in a fresh Python:
    its wall and CPU seconds, peak memory (MB) and exit code. The job finds the time it was
    started (seconds since the epoch) in ``$BENCH_T0``."""
    peak = log.with_suffix(".peak")
    with open(log, "w") as out:
        env = {**os.environ, "BENCH_PEAK": str(peak), "BENCH_T0": repr(time.time())}
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", PEAK, *argv], stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak_mb = (int(peak.read_text()) / 1024 if peak.exists()
               else usage.ru_maxrss / 1024)  # without /proc: an upper bound
    jvm = Path(f"{peak}.jvm")
    if jvm.exists():   # a Spark job: Python's and the JVM's peaks (an upper bound of both)
        peak_mb += int(jvm.read_text()) / 1024
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": peak_mb,
            "code": proc.returncode, "log": log.read_text(errors="replace")}


API_CODE = """
import json, sys, time
t0 = time.perf_counter()
from ssi_analysis import load_data, score
t1 = time.perf_counter()
bundle = load_data(sys.argv[1])
t2 = time.perf_counter()
scores = score(bundle.activity, bundle.reps, daily=True)
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "score": t3 - t2, "rows": len(scores)}))
"""

SPARK_CODE = """
import os, sys
from ssi_analysis.cli import main
from ssi_analysis.engines.spark import spark_session
spark = spark_session(sys.argv[1])
code = main(["score", *sys.argv[2:], "--engine", "spark"])
proc = spark.sparkContext._gateway.proc            # the JVM: its memory and CPU count too
with open(f"/proc/{proc.pid}/status") as f:
    jvm_kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
spark.stop()
proc.stdin.close()
proc.wait()                                        # waited for: its CPU is in this job's rusage
with open(os.environ["BENCH_PEAK"] + ".jvm", "w") as out:
    out.write(str(jvm_kb))
sys.exit(code)
"""

YARDSTICK_CODE = """
import sys, time
t0 = time.perf_counter()
import duckdb
con = duckdb.connect()
con.execute(open(sys.argv[1]).read())
print(f"query {time.perf_counter() - t0:.3f}")
"""


def have_spark() -> bool:
    try:
        from ssi_analysis.engines.spark import java_found, require_spark

        require_spark()
    except Exception:
        return False
    return java_found()


def have_duckdb() -> bool:
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return False
    return True


# ------------------------------------------------------------------ the run
def machine() -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for name in ("pandas", "numpy", "pyarrow", "pandera", "duckdb", "pyspark"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:
            versions[name] = "not installed"
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = float("nan")
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gb": mem,
            "python": platform.python_version(), "versions": versions,
            "load": os.getloadavg()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=2000, help="reps (default 2000)")
    p.add_argument("--days", type=int, default=365, help="days of activity (default 365)")
    p.add_argument("--events-per-day", type=float, default=9.6,
                   help="mean activity rows per rep per day (default 9.6: ~7M rows a year for "
                        "2,000 reps)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workdir", help="where to write data and scores (default: a temp folder, "
                                     "removed afterwards)")
    p.add_argument("--duckdb-memory-limit", default="256MB",
                   help="memory limit of the spilling duckdb run (default 256MB)")
    p.add_argument("--spark-master", default="local[*]",
                   help="where the spark engine runs (default local[*], every core)")
    p.add_argument("--no-spark", action="store_true", help="leave out the spark engine")
    p.add_argument("--record", help="append the results as a Markdown section to this file")
    p.add_argument("--note", default="", help="a remark to record with the results")
    args = p.parse_args(argv)

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="ssi-bench-"))
    data = work / "data"
    info = machine()
    try:
        print(f"making data: {args.reps} reps x {args.days} days x {args.events_per_day} "
              f"events a day ...", flush=True)
        rows = make_data(data, reps=args.reps, days=args.days,
                         events_per_day=args.events_per_day, seed=args.seed)
        print(f"  {rows:,} activity rows in {data / 'activity.parquet'}")
        window = default_config().window_days
        jobs: list[tuple[str, dict]] = []

        def job(name: str, argv: list[str]) -> dict:
            print(f"timing: {name} ...", flush=True)
            result = run_timed(argv, work / f"{len(jobs)}.log")
            jobs.append((name, result))
            if result["code"] != 0:
                print(result["log"], file=sys.stderr)
            return result

        cli = ["module", "ssi_analysis.cli", "score", "--data", str(data), "--daily"]
        job("`ssi-analysis score --daily` (pandas engine)",
            [*cli, "--out", str(work / "scores_pandas.parquet")])
        api = job("Python API: `load_data` + `score(daily=True)`",
                  ["code", API_CODE, str(data)])
        api_steps = (json.loads(api["log"].strip().splitlines()[-1]) if api["code"] == 0
                     else None)
        duck = have_duckdb()
        if duck:
            job("`ssi-analysis score --daily --engine duckdb`",
                [*cli, "--engine", "duckdb", "--out", str(work / "scores_duckdb.parquet")])
            limit = args.duckdb_memory_limit
            job(f"`... --engine duckdb --memory-limit {limit}`",
                [*cli, "--engine", "duckdb", "--memory-limit", limit, "--temp-dir",
                 str(work / "spill"), "--out", str(work / "scores_spilled.parquet")])
            sql = work / "yardstick.sql"
            sql.write_text(yardstick_sql(str(data / "activity.parquet"),
                                         str(data / "reps.parquet"),
                                         str(work / "yardstick.parquet"), window=window))
            job(f"DuckDB yardstick: {window}-day sums only", ["code", YARDSTICK_CODE, str(sql)])
        else:
            print("duckdb is not installed: no yardstick, no duckdb engine "
                  "(pip install '.[duckdb]')")

        spark = not args.no_spark and have_spark()
        if spark:
            job(f"`ssi-analysis score --daily --engine spark` ({args.spark_master})",
                ["code", SPARK_CODE, args.spark_master, "--data", str(data), "--daily",
                 "--out", str(work / "scores_spark.parquet")])
        elif not args.no_spark:
            print("pyspark or Java is missing: no spark engine (pip install '.[spark]')")

        agree = None
        if duck and all(r["code"] == 0 for _, r in jobs):
            a = pd.read_parquet(work / "scores_pandas.parquet")
            others = ["scores_duckdb.parquet", "scores_spilled.parquet"]
            if spark:   # a folder partitioned by date: read back in the pandas engine's order
                sp = pd.read_parquet(work / "scores_spark.parquet")
                sp["date"] = pd.to_datetime(sp["date"].astype(str)).astype(a["date"].dtype)
                sp = sp.set_index(["rep_id", "date"]).reindex(
                    pd.MultiIndex.from_frame(a[["rep_id", "date"]])).reset_index()[a.columns]
                sp.to_parquet(work / "scores_spark_sorted.parquet")
                others.append("scores_spark_sorted.parquet")
            agree = max(_difference(a, pd.read_parquet(work / name)) for name in others)
        publish(_report(args, rows, info, jobs, api_steps, agree), args.record)
        failed = [n for n, r in jobs if r["code"] != 0]
        if failed:
            print(f"failed: {', '.join(failed)}", file=sys.stderr)
            return 1
        if agree is not None and not agree <= 1e-9:
            print(f"the engines disagree: max |difference| {agree}", file=sys.stderr)
            return 1
        return 0
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


def publish(text: str, record: str | None) -> None:
    """Print a run's Markdown section, and append it to ``record`` (a file) if given."""
    print()
    print(text)
    if record:
        with open(record, "a", encoding="utf-8") as f:
            f.write("\n" + text)
        print(f"recorded in {record}")


def _difference(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """The largest difference between two score tables (inf if rows or missing cells differ)."""
    if len(a) != len(b) or not ((a.rep_id.to_numpy() == b.rep_id.to_numpy()).all()
                                and (a.date.to_numpy() == b.date.to_numpy()).all()):
        return float("inf")
    num = a.columns[2:]
    if not (a[num].isna().to_numpy() == b[num].isna().to_numpy()).all():
        return float("inf")
    return float(np.nanmax(np.abs(a[num].to_numpy() - b[num].to_numpy())))


def _report(args: argparse.Namespace, rows: int, info: dict, jobs: list[tuple[str, dict]],
            api_steps: dict | None, agree: float | None) -> str:
    yard = next((r["wall"] for n, r in jobs if n.startswith("DuckDB yardstick")), None)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    v = info["versions"]
    lines = [
        f"### {when}: {args.reps:,} reps x {args.days} days, {rows:,} activity rows",
        "",
        f"Machine: {info['nproc']} cores (`nproc`), {info['cpu']} (/proc/cpuinfo), "
        f"{info['ram_gb']:.0f} GB RAM; load average at the start "
        f"{info['load'][0]:.2f} / {info['load'][1]:.2f} / {info['load'][2]:.2f} (1/5/15 min)."
        + (f" {args.note}" if args.note else ""),
        f"Software: Python {info['python']}, pandas {v['pandas']}, numpy {v['numpy']}, "
        f"pyarrow {v['pyarrow']}, pandera {v['pandera']}, duckdb {v['duckdb']}, "
        f"pyspark {v['pyspark']}.",
        "",
        "| job | wall s | CPU s | rows/s | peak MB | wall / yardstick |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in jobs:
        ratio = f"{r['wall'] / yard:.2f}" if yard else "-"
        status = "" if r["code"] == 0 else f" (failed, exit {r['code']})"
        lines.append(f"| {name}{status} | {r['wall']:.2f} | {r['cpu']:.2f} | "
                     f"{rows / r['wall']:,.0f} | {r['peak_mb']:,.0f} | {ratio} |")
    if api_steps:
        lines += ["", f"Python API steps (in that process): import {api_steps['import']:.2f} s, "
                      f"load_data {api_steps['load']:.2f} s, score {api_steps['score']:.2f} s "
                      f"({api_steps['rows']:,} scores; score alone: "
                      f"{rows / api_steps['score']:,.0f} rows/s)."]
    if agree is not None:
        lines += ["", f"Engines agree: max |pandas - duckdb/spark| over every score and rank = "
                      f"{agree:.1e}."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
