"""Golden outputs: every command's output recorded, to show that a refactor changed none of it.

A developer script, not a test (pytest does not collect it: no ``test_`` prefix, and importing
it does nothing). Two commands::

    python tests/golden.py capture DIR       # run everything, write DIR/manifest.json
    python tests/golden.py compare DIR_A DIR_B   # print every difference; exit 1 on any

``capture`` runs the command line in this process (``ssi_analysis.cli.main``) on:

- the bundled example: ``validate``; ``score`` as of the last day and ``--daily``, on both
  engines, to CSV and Parquet, absolute and relative, anonymised; ``analyze``; ``report``
  (the PDF, its figures and tables, with ``SOURCE_DATE_EPOCH`` set);
- ``simulate --shape raw`` (a CRM export and quotas) and a small all-CSV simulation:
  ``validate``, ``score``, ``outcomes``, ``analyze``; ``--shape tracker`` (``validate``,
  ``observed``) and ``--shape team-export`` (``validate``, ``analyze``, without activity);
- every case of the bad-input catalogue (``tests/test_bad_inputs.py``, its files written as
  that test writes them): ``validate`` and ``score`` on the pandas engine, ``outcomes`` where
  the case has opportunities, and where the catalogue runs the DuckDB engine (long-form
  activity), ``score --daily`` on both engines from the same cells in Parquet.

For each run it records the exit code, standard output and error, the warnings raised
(category and message, not the line of code that raised them) and every file the run wrote:
its SHA-256, and the text itself when it is a small text file (so that ``compare`` can show
the lines that differ). The runs happen in a fixed folder (``$GOLDEN_WORK``, default
``/tmp/ssi-golden-run``, emptied first), with relative paths, the day of the run pinned
(``SSI_ANALYSIS_TODAY``) and ``SOURCE_DATE_EPOCH`` set, so that messages and files do not
depend on where or when the capture ran; the work folder and the package's example folder are
written ``<work>`` and ``<example>`` in the manifest all the same.

``--only PREFIX`` captures the runs whose id starts with it (``ex/``, ``sim/``, ``cat/``...); ``--no-report``
leaves out the PDF (a minute of the capture). ``compare`` compares the runs both manifests hold
and lists the ones only one of them holds.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sys
import traceback
import warnings
from pathlib import Path

TESTS = Path(__file__).resolve().parent
TEXT_LIMIT = 200_000
"""Files up to this many bytes that decode as UTF-8 are stored as text in the manifest."""
TODAY = "2026-12-01"
EPOCH = "1780000000"
ENV = {"SSI_ANALYSIS_TODAY": TODAY, "SOURCE_DATE_EPOCH": EPOCH, "CI": "true", "TZ": "UTC",
       "SSI_ANALYSIS_SALT": "golden-salt"}


def _work() -> Path:
    return Path(os.environ.get("GOLDEN_WORK", "/tmp/ssi-golden-run"))


# ------------------------------------------------------------------ running one command
def _normalise(text: str, work: Path) -> str:
    from ssi_analysis import example_data_dir

    for path, name in ((work.resolve(), "<work>"), (work, "<work>"),
                       (example_data_dir().resolve(), "<example>")):
        text = text.replace(str(path), name)
    return text


def _files(folder: Path, work: Path) -> dict[str, dict]:
    out = {}
    if not folder.exists():
        return out
    paths = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.is_file())
    for path in paths:
        data = path.read_bytes()
        entry = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        if len(data) <= TEXT_LIMIT and b"\x00" not in data:
            try:
                entry["text"] = _normalise(data.decode("utf-8"), work)
            except UnicodeDecodeError:
                pass
        out[str(path.relative_to(work))] = entry
    return out


def run(runs: dict, run_id: str, args: list[str], outputs: list[str], work: Path) -> None:
    """Run ``ssi-analysis ARGS`` in ``work`` and record what it said and wrote."""
    from ssi_analysis.cli import main

    for name in outputs:                       # a stale output would be recorded as new
        path = work / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(record=True) as caught, \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        warnings.simplefilter("always")
        try:
            code = main(args)
        except SystemExit as exc:              # argparse
            code = exc.code
        except Exception:                      # a bug: recorded, not raised
            code = "exception"
            err.write(re.sub(r"0x[0-9a-f]+", "0x...", traceback.format_exc().splitlines()[-1]))
    files = {}
    for name in outputs:
        files.update(_files(work / name, work))
    runs[run_id] = {
        "args": [_normalise(a, work) for a in args],
        "exit": code,
        "stdout": _normalise(out.getvalue(), work),
        "stderr": _normalise(err.getvalue(), work),
        "warnings": sorted({f"{w.category.__name__}: {_normalise(str(w.message), work)}"
                            for w in caught}),
        "files": files,
    }
    print(f"{run_id}: exit {code}", file=sys.__stderr__)


# ------------------------------------------------------------------ what is run
def _example(runs: dict, work: Path, report: bool) -> None:
    ex = "example"
    score = ["score", "--data", ex, "--out"]
    duck = ["--engine", "duckdb"]
    jobs = [
        ("ex/validate", ["validate", "--data", ex], []),
        ("ex/score", [*score, "ex/scores.csv"], ["ex/scores.csv", "ex/scores.rejects.csv"]),
        ("ex/score-asof", [*score, "ex/asof.csv", "--asof", "2026-03-31"], ["ex/asof.csv"]),
        ("ex/score-daily-csv", [*score, "ex/daily.csv", "--daily"], ["ex/daily.csv"]),
        ("ex/score-daily-parquet", [*score, "ex/daily.parquet", "--daily"],
         ["ex/daily.parquet"]),
        ("ex/score-relative", [*score, "ex/relative.csv", "--mode", "relative"],
         ["ex/relative.csv"]),
        ("ex/score-anonymized", [*score, "ex/anon.csv", "--anonymize"], ["ex/anon.csv"]),
        ("ex/duckdb", [*score, "ex/duck.csv", *duck], ["ex/duck.csv"]),
        ("ex/duckdb-daily-parquet", [*score, "ex/duck_daily.parquet", "--daily", *duck],
         ["ex/duck_daily.parquet"]),
        ("ex/duckdb-daily-csv", [*score, "ex/duck_daily.csv", "--daily", *duck],
         ["ex/duck_daily.csv"]),
        ("ex/duckdb-relative-anonymized", [*score, "ex/duck_anon.csv", "--mode", "relative",
                                           "--anonymize", *duck], ["ex/duck_anon.csv"]),
        ("ex/analyze", ["analyze", "--data", ex, "--out", "ex/analysis"], ["ex/analysis"]),
        ("ex/analyze-observed", ["analyze", "--data", ex, "--out", "ex/analysis-observed",
                                 "--ssi", "observed"], ["ex/analysis-observed"]),
    ]
    if report:
        jobs.append(("ex/report", ["report", "--data", ex, "--out", "ex/report/ssi.pdf",
                                   "--team", "Golden"], ["ex/report"]))
    for run_id, args, outputs in jobs:
        run(runs, run_id, args, outputs, work)


def _simulated(runs: dict, work: Path) -> None:
    run(runs, "sim/raw/simulate", ["simulate", "--out", "raw", "--shape", "raw", "--seed", "3"],
        ["raw"], work)
    run(runs, "sim/raw/validate", ["validate", "--data", "raw"], [], work)
    run(runs, "sim/raw/score", ["score", "--data", "raw", "--out", "rawout/scores.csv"],
        ["rawout/scores.csv", "rawout/scores.rejects.csv"], work)
    run(runs, "sim/raw/score-daily-duckdb", ["score", "--data", "raw", "--out", "rawout/duck.csv",
                                         "--daily", "--engine", "duckdb"],
        ["rawout/duck.csv", "rawout/duck.rejects.csv"], work)
    run(runs, "sim/raw/outcomes", ["outcomes", "--data", "raw", "--out", "rawout/outcomes.csv"],
        ["rawout/outcomes.csv", "rawout/outcomes.rejects.csv"], work)
    run(runs, "sim/raw/outcomes-quarter", ["outcomes", "--data", "raw", "--out", "rawout/q.csv",
                                       "--outcome-period", "quarter", "--anonymize"],
        ["rawout/q.csv", "rawout/q.rejects.csv"], work)
    run(runs, "sim/raw/analyze", ["analyze", "--data", "raw", "--out", "rawout/analysis"],
        ["rawout/analysis"], work)
    run(runs, "sim/csv/simulate", ["simulate", "--out", "csv", "--reps", "40", "--days", "120",
                                   "--format", "csv", "--seed", "5", "--scenario", "null"],
        ["csv"], work)
    run(runs, "sim/csv/validate", ["validate", "--data", "csv"], [], work)
    run(runs, "sim/csv/score", ["score", "--data", "csv", "--out", "csvout/daily.csv",
                                "--daily"], ["csvout/daily.csv", "csvout/daily.rejects.csv"],
        work)
    # LinkedIn's SSI as exported, no activity: a tracker's files and weekly team exports
    run(runs, "sim/tracker/simulate", ["simulate", "--out", "trk", "--shape", "tracker",
                                       "--days", "40", "--seed", "2", "--start", "2026-03-01"],
        ["trk"], work)
    run(runs, "sim/tracker/validate", ["validate", "--data", "trk", "--rep", "Ana"], [], work)
    run(runs, "sim/tracker/observed", ["observed", "--data", "trk", "--rep", "Ana", "--out",
                                       "trkout/snapshots.csv"],
        ["trkout/snapshots.csv", "trkout/snapshots.rejects.csv"], work)
    run(runs, "sim/team/simulate", ["simulate", "--out", "team", "--shape", "team-export",
                                    "--reps", "40", "--seed", "4", "--days", "120"],
        ["team"], work)
    run(runs, "sim/team/validate", ["validate", "--data", "team"], [], work)
    run(runs, "sim/team/analyze", ["analyze", "--data", "team", "--out", "teamout/analysis"],
        ["teamout/analysis"], work)


def _catalogue(runs: dict, work: Path) -> None:
    sys.path.insert(0, str(TESTS))
    import test_bad_inputs as bad  # the catalogue and how its files are written

    extra = bad.Case("excel-serial-dates-everywhere", {"reps": bad.REPS, "activity": (
        bad.ACT_HEAD + "R001,46027,posts,2\nR001,46027,people_searches,3\n"
        "R002,46028,comments,1\n")}, "error", ())
    duck_ids = {c.id for c in bad.ACTIVITY_CASES} | {extra.id}
    for case in [*bad.CATALOGUE, extra]:
        base = Path("cat") / case.id
        options = bad.build(case, work / base / "data")
        opts = [x for key in ("config", "mapping") if key in options
                for x in (f"--{key}", str(Path(options[key]).relative_to(work)))]
        data = str(base / "data")
        out = base / "out"
        run(runs, f"cat/{case.id}/validate", ["validate", "--data", data, *opts], [], work)
        run(runs, f"cat/{case.id}/score", ["score", "--data", data, "--out",
                                           str(out / "scores.csv"), *opts],
            [str(out / "scores.csv"), str(out / "scores.rejects.csv")], work)
        if "opportunities" in case.files:
            run(runs, f"cat/{case.id}/outcomes", ["outcomes", "--data", data, "--out",
                                                  str(out / "outcomes.csv"), *opts],
                [str(out / "outcomes.csv"), str(out / "outcomes.rejects.csv")], work)
        if case.id in duck_ids:
            pq = bad._parquet_folder(case, work / base)
            pq = str(pq.relative_to(work))
            for engine in ("pandas", "duckdb"):
                name = str(out / f"{engine}-daily.csv")
                run(runs, f"cat/{case.id}/parquet-{engine}",
                    ["score", "--data", pq, "--out", name, "--daily", "--engine", engine],
                    [name, name.replace(".csv", ".rejects.csv")], work)


def capture(dest: Path, *, only: str | None, report: bool) -> None:
    work = _work()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    os.environ.update(ENV)
    os.chdir(work)
    import matplotlib

    matplotlib.use("Agg")
    runs: dict = {}
    for prefix, job in (("ex/", lambda: _example(runs, work, report)),
                        ("sim/", lambda: _simulated(runs, work)),
                        ("cat/", lambda: _catalogue(runs, work))):
        if only is None or prefix.startswith(only) or only.startswith(prefix):
            job()
    if only is not None:
        runs = {k: v for k, v in runs.items() if k.startswith(only)
                or only.startswith(k.split("/")[0] + "/") and k.startswith(only)}
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "manifest.json").write_text(json.dumps(runs, indent=1, sort_keys=True) + "\n")
    print(f"captured {len(runs)} runs into {dest / 'manifest.json'}", file=sys.__stderr__)


# ------------------------------------------------------------------ comparing two captures
def _text_diff(a: str, b: str, label: str) -> list[str]:
    import difflib

    return list(difflib.unified_diff(a.splitlines(), b.splitlines(), f"a/{label}", f"b/{label}",
                                     lineterm="", n=1))


def compare(a_dir: Path, b_dir: Path) -> int:
    a = json.loads((a_dir / "manifest.json").read_text())
    b = json.loads((b_dir / "manifest.json").read_text())
    out: list[str] = []
    for run_id in sorted(set(a) - set(b)):
        out.append(f"{run_id}: only in {a_dir}")
    for run_id in sorted(set(b) - set(a)):
        out.append(f"{run_id}: only in {b_dir}")
    for run_id in sorted(set(a) & set(b)):
        ra, rb = a[run_id], b[run_id]
        for key in ("args", "exit", "warnings"):
            if ra[key] != rb[key]:
                out.append(f"{run_id}: {key} {ra[key]!r} != {rb[key]!r}")
        for key in ("stdout", "stderr"):
            if ra[key] != rb[key]:
                out.extend(_text_diff(ra[key], rb[key], f"{run_id}/{key}"))
        fa, fb = ra["files"], rb["files"]
        for name in sorted(set(fa) | set(fb)):
            if name not in fb or name not in fa:
                out.append(f"{run_id}: {name} written only in "
                           f"{a_dir if name in fa else b_dir}")
            elif fa[name]["sha256"] != fb[name]["sha256"]:
                if "text" in fa[name] and "text" in fb[name]:
                    out.extend(_text_diff(fa[name]["text"], fb[name]["text"], name))
                else:
                    out.append(f"{run_id}: {name} differs ({fa[name]['bytes']} vs "
                               f"{fb[name]['bytes']} bytes)")
    for line in out:
        print(line)
    n_files = sum(len(r["files"]) for r in a.values())
    print(f"{len(set(a) & set(b))} runs and {n_files} files compared: "
          + ("identical" if not out else f"{len(out)} difference line(s)"))
    return 1 if out else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("capture", help="run every command and record what it says and writes")
    c.add_argument("dest", type=Path)
    c.add_argument("--only", help="only the runs whose id starts with this (e.g. cat/)")
    c.add_argument("--no-report", action="store_true", help="leave out the PDF report")
    d = sub.add_parser("compare", help="print every difference between two captures")
    d.add_argument("a", type=Path)
    d.add_argument("b", type=Path)
    args = parser.parse_args(argv)
    if args.command == "capture":
        capture(args.dest.resolve(), only=args.only, report=not args.no_report)
        return 0
    return compare(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
