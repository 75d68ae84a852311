"""Benchmark: the whole leadership report at team scale, end to end and stage by stage.

Run from the repository root (``make bench`` runs the default sizes)::

    .venv/bin/python benchmarks/bench_report.py                       # 500 and 5,000 reps
    .venv/bin/python benchmarks/bench_report.py --reps 40 --days 120  # smoke (CI)
    .venv/bin/python benchmarks/bench_report.py --record benchmarks/RESULTS.md

For each size it simulates a data folder with ``ssi-analysis simulate`` (seeded: the same data
every run), then runs ``ssi-analysis report`` on it in a fresh Python process
(``report_stages.py``: the command's own ``main``, with a clock on each stage) and measures,
from outside, the process's wall time, CPU time (user + sys, the notebook's kernel included)
and peak resident memory (the main process's ``VmHWM``; the kernel is a separate process).

The stages (each exclusive of the others it calls): start-up and imports, ``load`` (reading
and checking the data folder), ``score``, ``panel``, ``analyze`` (the statistics), the
``descriptive tables`` (benchmarks, gaps, weekly trends), ``figures``, ``notebook`` (executing
the report notebook) and ``pdf`` (HTML and PDF), and "other" (the rest: writing the tables,
moving files). A stage also shows how many times it ran.

The machine is shared: the wall time depends on what else runs, the CPU time much less, so
both are printed, with the load average before and after each run (the 1-minute figure after
a run includes the run itself, about 1 on an otherwise idle machine). The goals of issue 16 are printed
beside the numbers (report on 5,000 reps under 60 s and at most 2.5x the report on 500 reps;
``analyze``, with the scoring and panel it does inside, under 20 s on 5,000 reps). It is a
benchmark, not a test: it exits non-zero only if a report fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_score import machine, publish, run_timed  # noqa: E402

STAGES_SCRIPT = Path(__file__).resolve().parent / "report_stages.py"
STAGE_ORDER = ("start-up and imports", "load", "score", "panel", "analyze",
               "descriptive tables", "figures", "notebook", "pdf", "other")
RUN_STAGES = ("import runpy, sys\n"
              "runpy.run_path(sys.argv.pop(1), run_name='__main__')\n")
GOAL_WALL, GOAL_RATIO, GOAL_ANALYZE = 60.0, 2.5, 20.0


def simulate(folder: Path, *, reps: int, days: int, seed: int) -> None:
    """A seeded data folder from ``ssi-analysis simulate`` (activity Parquet, the rest CSV)."""
    subprocess.run([sys.executable, "-m", "ssi_analysis.cli", "simulate", "--out", str(folder),
                    "--reps", str(reps), "--days", str(days), "--seed", str(seed)],
                   check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)


def time_report(data: Path, work: Path) -> dict:
    """One report in a fresh process: totals from outside, stages from inside."""
    stages_json = work / "stages.json"
    result = run_timed(["code", RUN_STAGES, str(STAGES_SCRIPT), str(data),
                        str(work / "report" / "report.pdf"), str(stages_json)],
                       work / "report.log")
    result["stages"] = {}
    if result["code"] == 0 and stages_json.exists():
        inside = json.loads(stages_json.read_text())
        stages = {"start-up and imports": {**inside["start"], "calls": 1}}
        stages.update(inside["stages"])
        known_wall = sum(s["wall"] for s in stages.values())
        known_cpu = sum(s["cpu"] for s in stages.values())
        # what is left of the process's time: tables written, files moved, interpreter exit
        stages["other"] = {"wall": max(result["wall"] - known_wall, 0.0),
                           "cpu": max(result["cpu"] - known_cpu, 0.0), "calls": 1}
        result["stages"] = stages
    return result


def analyze_inclusive(result: dict) -> tuple[float, float] | None:
    """Wall and CPU seconds of ``analyze`` with the stages it calls (scoring, the panel)."""
    s = result["stages"].get("analyze")
    return (s.get("wall_inclusive", s["wall"]), s.get("cpu_inclusive", s["cpu"])) if s else None


def report_markdown(args: argparse.Namespace, info: dict, runs: list[tuple[int, dict, tuple]]
                    ) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    sizes = " and ".join(f"{n:,}" for n, _, _ in runs)
    lines = [
        f"### {when}: whole report, {sizes} reps x {args.days} days (simulate seed {args.seed})",
        "",
        f"Machine: {info['nproc']} cores (`nproc`), {info['cpu']}, {info['ram_gb']:.0f} GB RAM."
        + (f" {args.note}" if args.note else ""),
        "",
        "| reps | wall s | CPU s (user+sys) | peak MB | load average before / after (1, 5, "
        "15 min) |",
        "| ---: | ---: | ---: | ---: | --- |",
    ]
    for n, r, load in runs:
        status = "" if r["code"] == 0 else f" (failed, exit {r['code']})"
        before, after = (" ".join(f"{v:.2f}" for v in x) for x in load)
        lines.append(f"| {n:,}{status} | {r['wall']:.1f} | {r['cpu']:.1f} | "
                     f"{r['peak_mb']:,.0f} | {before} / {after} |")
    head = " | ".join(f"{n:,}: wall s | CPU s | calls" for n, _, _ in runs)
    lines += ["", f"| stage | {head} |",
              "| --- |" + " ---: | ---: | ---: |" * len(runs)]
    for stage in STAGE_ORDER:
        cells = []
        for _, r, _ in runs:
            s = r["stages"].get(stage)
            cells.append(f"{s['wall']:.1f} | {s['cpu']:.1f} | {s['calls']}" if s else "- | - | -")
        lines.append(f"| {stage} | {' | '.join(cells)} |")
    ok = [(n, r) for n, r, _ in runs if r["code"] == 0]
    if ok:
        n_big, big = ok[-1]
        notes = [f"{n:,} reps: `analyze` with the scoring and panel inside it "
                 f"{analyze_inclusive(r)[0]:.1f} s wall ({analyze_inclusive(r)[1]:.1f} s CPU)"
                 for n, r in ok if analyze_inclusive(r) is not None]
        lines += ["", "Goals (issue 16): " + "; ".join(notes)
                  + f" (goal < {GOAL_ANALYZE:g} s on 5,000); report on {n_big:,} reps "
                    f"{big['wall']:.1f} s wall, {big['cpu']:.1f} s CPU (goal < {GOAL_WALL:g} s "
                    "on 5,000)"]
        if len(ok) > 1:
            n_small, small = ok[0]
            lines[-1] += (f"; {n_big:,} / {n_small:,} reps: wall x{big['wall'] / small['wall']:.2f},"
                          f" CPU x{big['cpu'] / small['cpu']:.2f} (goal <= {GOAL_RATIO:g}).")
        else:
            lines[-1] += "."
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, nargs="+", default=[500, 5000],
                   help="report sizes in reps (default 500 5000)")
    p.add_argument("--days", type=int, default=181, help="days of activity (default 181, as "
                                                         "`ssi-analysis simulate`)")
    p.add_argument("--seed", type=int, default=1, help="simulation seed (default 1)")
    p.add_argument("--workdir", help="where to write data and reports (default: a temp folder, "
                                     "removed afterwards)")
    p.add_argument("--record", help="append the results as a Markdown section to this file")
    p.add_argument("--note", default="", help="a remark to record with the results")
    args = p.parse_args(argv)

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="ssi-bench-"))
    info = machine()
    runs: list[tuple[int, dict, tuple]] = []
    try:
        for n in sorted(args.reps):
            here = work / f"reps{n}-days{args.days}-seed{args.seed}"
            data = here / "data"
            if not (data / "reps.csv").exists():
                print(f"simulating {n:,} reps x {args.days} days ...", flush=True)
                simulate(data, reps=n, days=args.days, seed=args.seed)
            print(f"timing: ssi-analysis report on {n:,} reps ...", flush=True)
            before = os.getloadavg()
            result = time_report(data, here)
            runs.append((n, result, (before, os.getloadavg())))
            if result["code"] != 0:
                print(result["log"], file=sys.stderr)
        publish(report_markdown(args, info, runs), args.record)
        failed = [n for n, r, _ in runs if r["code"] != 0]
        if failed:
            print(f"failed: the report on {', '.join(map(str, failed))} reps", file=sys.stderr)
            return 1
        return 0
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
