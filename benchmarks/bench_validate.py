"""Benchmark: ``ssi-analysis validate`` on a large activity CSV with bad rows, and on files that
are not tables.

Run from the repository root (``make bench`` runs the target size)::

    .venv/bin/python benchmarks/bench_validate.py                  # 2,000,000 rows, 5% bad
    .venv/bin/python benchmarks/bench_validate.py --rows 20000     # smoke
    .venv/bin/python benchmarks/bench_validate.py --record benchmarks/RESULTS.md

Two parts, each command timed in a fresh Python process (wall and CPU seconds, peak resident
memory; :func:`bench_score.run_timed`):

1. **validate at scale** (issue 17): a data folder of ``reps.csv`` and a long-form
   ``activity.csv`` of ``--rows`` rows (seeded), ``--bad`` of them broken in the ways exports
   break rows: a date that is not a date, an Excel serial date, a date in the future, a value
   that is not a number, a negative count, an unknown metric, a rep not in reps, a missing
   value, a repeated header line. ``validate`` must read and check every row, group the
   rejects by kind and exit 1. The goal: under 10 s on 2 cores.
2. **files that are not tables**: a CSV whose header has no line end (``--header-sizes``
   bytes of distinct column names) and a CSV that is one line of data cells without any line
   end (``--line-sizes``). Each must be refused (exit 1, the reason said) in time that grows no faster than
   the file (a quadratic check took 171 s on a 100 KB header; a 200 MB line ran 10 min at
   5.5 GB): the table shows seconds per MB at each size.

The machine is shared (2 cores, several engineers): the load average before and after each
run is recorded with it, and CPU time beside wall time (CPU time depends much less on what
else runs). It is a benchmark, not a test: nothing here asserts a time; it exits non-zero only
if a command does not end as expected.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_score import machine, publish, run_timed  # noqa: E402

from ssi_analysis.schemas import COUNT_METRICS  # noqa: E402

GOAL_WALL = 10.0
BAD_KINDS = ("not a date", "excel serial", "future", "not a number", "negative",
             "unknown metric", "not in reps", "missing value", "repeated header")


def make_folder(folder: Path, *, rows: int, bad: float, reps: int = 2000, seed: int = 0
                ) -> dict[str, int]:
    """Write ``reps.csv`` and a long ``activity.csv`` of ``rows`` rows, a share ``bad`` of them
    broken (each kind of :data:`BAD_KINDS` equally often). Returns the rows broken by kind."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ids = np.array([f"R{i:05d}" for i in range(reps)], dtype=object)
    pd.DataFrame({"rep_id": ids, "team": [f"T{i % 40}" for i in range(reps)],
                  "industry": np.array(["Software", "Retail", "Banking"])[np.arange(reps) % 3]}
                 ).to_csv(folder / "reps.csv", index=False)
    metrics = np.array(sorted(COUNT_METRICS), dtype=object)
    days = pd.date_range("2025-01-01", periods=365).strftime("%Y-%m-%d").to_numpy(dtype=object)
    frame = pd.DataFrame({
        "rep_id": ids[rng.integers(0, reps, rows)],
        "date": days[rng.integers(0, len(days), rows)],
        "metric": metrics[rng.integers(0, len(metrics), rows)],
        "value": rng.integers(1, 6, rows).astype(str).astype(object)})
    broken = rng.choice(rows, size=int(rows * bad), replace=False)
    kinds = np.array_split(broken, len(BAD_KINDS))
    edits = {
        "not a date": ("date", "someday"), "excel serial": ("date", "45678"),
        "future": ("date", "2099-01-05"), "not a number": ("value", "lots"),
        "negative": ("value", "-3"), "unknown metric": ("metric", "post"),
        "not in reps": ("rep_id", "X99999"), "missing value": ("value", ""),
    }
    for kind, at in zip(BAD_KINDS, kinds, strict=True):
        if kind == "repeated header":
            frame.loc[at, :] = np.array(["rep_id", "date", "metric", "value"], dtype=object)
        else:
            column, cell = edits[kind]
            frame.loc[at, column] = cell
    frame.to_csv(folder / "activity.csv", index=False)
    return {k: len(a) for k, a in zip(BAD_KINDS, kinds, strict=True)}


def not_a_table(folder: Path, *, header_bytes: int = 0, line_bytes: int = 0) -> None:
    """A folder whose ``activity.csv`` is a header of ``header_bytes`` of distinct names without
    a line end, or one line of ``line_bytes`` of data cells and no line end at all (as a file
    whose line ends were lost gives)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "reps.csv").write_text("rep_id\nR1\n")
    with open(folder / "activity.csv", "w") as fh:
        if header_bytes:
            names = (f"col_{i}" for i in range(10**9))
            written = 0
            while written < header_bytes:
                chunk = ",".join(next(names) for _ in range(1000)) + ","
                fh.write(chunk)
                written += len(chunk)
        else:
            cells = ",".join(["R1", "2025-01-01", "posts", "1"] * 1000) + ","
            for _ in range(max(1, line_bytes // len(cells))):
                fh.write(cells)


def validate(data: Path, log: Path) -> dict:
    load = os.getloadavg()
    r = run_timed(["module", "ssi_analysis.cli", "validate", "--data", str(data)], log)
    r["load"] = (load, os.getloadavg())
    return r


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=2_000_000, help="activity rows (default 2M)")
    p.add_argument("--bad", type=float, default=0.05, help="share of bad rows (default 0.05)")
    p.add_argument("--header-sizes", type=int, nargs="*", default=[10**5, 10**6, 10**7],
                   help="bytes of a header without a line end (default 100 KB, 1 MB, 10 MB)")
    p.add_argument("--line-sizes", type=int, nargs="*", default=[10**6, 10**7, 10**8],
                   help="bytes of one line of cells (default 1 MB, 10 MB, 100 MB)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workdir", help="where to write the data (default: a temp folder)")
    p.add_argument("--record", help="append the results as a Markdown section to this file")
    p.add_argument("--note", default="", help="a remark to record with the results")
    args = p.parse_args(argv)

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="ssi-bench-v-"))
    info = machine()
    failed = False
    print(f"making {args.rows:,} activity rows, {args.bad:.0%} of them bad ...", flush=True)
    kinds = make_folder(work / "big", rows=args.rows, bad=args.bad, seed=args.seed)
    size_mb = (work / "big" / "activity.csv").stat().st_size / 2**20
    big = validate(work / "big", work / "big.log")
    rejected = sum(kinds.values())
    said = f"rejected {rejected} of {args.rows}" in big["log"]
    if big["code"] != 1 or not said:
        failed = True
        print(big["log"][-3000:])
    print(f"  validate: {big['wall']:.1f} s wall, {big['cpu']:.1f} s CPU, "
          f"{big['peak_mb']:,.0f} MB (exit {big['code']}; every bad row counted: {said})")
    odd = []
    for what, sizes in (("header without a line end", args.header_sizes),
                        ("one line of cells", args.line_sizes)):
        for size in sizes:
            folder = work / f"odd-{len(odd)}"
            not_a_table(folder, **({"header_bytes": size} if what.startswith("header")
                                   else {"line_bytes": size}))
            r = validate(folder, folder / "log")
            actual = (folder / "activity.csv").stat().st_size
            odd.append((what, actual, r))
            ok = r["code"] == 1 and "Traceback" not in r["log"]
            failed |= not ok
            print(f"  {what}, {actual / 2**20:.1f} MB: {r['wall']:.2f} s wall, "
                  f"{r['cpu']:.2f} s CPU, {r['peak_mb']:,.0f} MB (exit {r['code']})")
            if not ok:
                print(r["log"][-2000:])
    publish(_markdown(args, info, size_mb, kinds, big, odd), args.record)
    if not args.workdir:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


def _load(pair) -> str:
    return " / ".join(" ".join(f"{v:.2f}" for v in x) for x in pair)


def _markdown(args, info, size_mb, kinds, big, odd) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"### {when}: validate, {args.rows:,} activity rows ({size_mb:.0f} MB CSV), "
        f"{args.bad:.0%} bad",
        "",
        f"Machine: {info['nproc']} cores (`nproc`), {info['cpu']}, {info['ram_gb']:.0f} GB RAM."
        + (f" {args.note}" if args.note else ""),
        "",
        "| run | file MB | wall s | CPU s (user+sys) | peak MB | exit | load average before / "
        "after (1, 5, 15 min) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        f"| validate, {args.rows:,} rows ({', '.join(f'{n:,} {k}' for k, n in kinds.items())})"
        f" | {size_mb:.0f} | {big['wall']:.1f} | {big['cpu']:.1f} | {big['peak_mb']:,.0f} | "
        f"{big['code']} | {_load(big['load'])} |",
    ]
    for what, size, r in odd:
        lines.append(f"| {what} | {size / 2**20:.1f} | {r['wall']:.2f} | {r['cpu']:.2f} | "
                     f"{r['peak_mb']:,.0f} | {r['code']} | {_load(r['load'])} |")
    lines += ["", f"Goal (issue 17): validate on 2,000,000 rows under {GOAL_WALL:g} s on 2 cores;"
              f" this run {big['wall']:.1f} s wall ({big['cpu']:.1f} s CPU)."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
