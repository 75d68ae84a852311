"""Run ``ssi-analysis report`` in this process with a clock on each stage (for bench_report.py).

Usage (bench_report.py starts it in a fresh Python)::

    python benchmarks/report_stages.py DATA OUT.pdf STAGES.json

Each stage is a package function wrapped in place (every module's reference to it), so the
report runs unchanged and a stage shows its calls: if the report scores four times, ``score``
has 4 calls. A stage's time is **exclusive**: ``analyze`` does not include the ``score`` and
``build_panel`` calls made inside it. CPU time is this process's (every thread) plus that of
child processes it waited for (the notebook's kernel). ``STAGES.json`` gets
``{"start": {...}, "main": {...}, "stages": {name: {"wall", "cpu", "wall_inclusive",
"cpu_inclusive", "calls"}}}`` (inclusive: with the stages called inside); ``start`` is
interpreter start-up and imports, from the moment the parent started the process
(``BENCH_T0``, seconds since the epoch).
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import resource
import sys
import time

T0 = float(os.environ.get("BENCH_T0", time.time()))

STAGES: tuple[tuple[str, str, str], ...] = (
    ("load", "ssi_analysis", "load_data"),
    ("score", "ssi_analysis", "score"),
    ("panel", "ssi_analysis.panel", "build_panel"),
    ("analyze", "ssi_analysis.analysis", "analyze"),
    ("descriptive tables", "ssi_analysis.report", "_extras"),
    ("figures", "ssi_analysis.report", "_figures"),
    ("notebook", "papermill", "execute_notebook"),
    ("pdf", "ssi_analysis.report", "render"),
)
"""(stage, module, function). ``pdf`` is ``render`` without the notebook's execution:
converting the executed notebook to HTML and the HTML to PDF. A function the package no
longer has is skipped (its time then counts as "other")."""


def cpu_now() -> float:
    """CPU seconds of this process and of its waited-for children."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


class Clock:
    """Exclusive wall and CPU time per stage, with a stack for nested stages."""

    def __init__(self) -> None:
        self.totals: dict[str, dict[str, float]] = {}
        self.stack: list[list[float]] = []     # per open call: [inner wall, inner cpu]

    def wrap(self, stage: str, fn):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            self.stack.append([0.0, 0.0])
            w0, c0 = time.perf_counter(), cpu_now()
            try:
                return fn(*args, **kwargs)
            finally:
                wall, cpu = time.perf_counter() - w0, cpu_now() - c0
                inner_wall, inner_cpu = self.stack.pop()
                t = self.totals.setdefault(stage, dict.fromkeys(
                    ("wall", "cpu", "wall_inclusive", "cpu_inclusive", "calls"), 0))
                t["wall"] += wall - inner_wall
                t["cpu"] += cpu - inner_cpu
                t["wall_inclusive"] += wall
                t["cpu_inclusive"] += cpu
                t["calls"] += 1
                if self.stack:
                    self.stack[-1][0] += wall
                    self.stack[-1][1] += cpu
        return timed


def instrument(clock: Clock) -> list[str]:
    """Wrap each stage's function wherever the package refers to it; the stages found."""
    found = []
    for stage, module, name in STAGES:
        try:
            original = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
        timed = clock.wrap(stage, original)
        for mod_name, mod in list(sys.modules.items()):
            if mod is None or not (mod_name.startswith("ssi_analysis") or mod_name == module):
                continue
            for attr, value in list(vars(mod).items()):
                if value is original:
                    setattr(mod, attr, timed)
        found.append(stage)
    return found


def main(argv: list[str]) -> int:
    data, pdf, out = argv
    import ssi_analysis.analysis  # noqa: F401  (import everything the stages live in first)
    import ssi_analysis.panel  # noqa: F401
    import ssi_analysis.report  # noqa: F401
    from ssi_analysis.cli import main as cli_main

    clock = Clock()
    instrument(clock)
    start = {"wall": time.time() - T0, "cpu": cpu_now()}
    w0, c0 = time.perf_counter(), cpu_now()
    code = cli_main(["report", "--data", data, "--out", pdf])
    run = {"wall": time.perf_counter() - w0, "cpu": cpu_now() - c0}
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"start": start, "main": run, "stages": clock.totals, "exit": code}, f)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
