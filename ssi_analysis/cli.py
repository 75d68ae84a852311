"""The ``ssi-analysis`` command line: thin wrappers over the package's functions.

Exit codes: 0 success; 1 the input has problems (``validate``, or ``--strict`` with rejected
rows); 2 a user error (bad file, column, option or config) — always a message, never a
traceback. Any other exception is a bug and is shown as one.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .config import load_config
from .errors import SSIError
from .io import load_data, resolve_data_dir

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _print(*lines: str, file=None) -> None:
    for line in lines:
        print(line, file=file or sys.stdout)


def write_table(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` to ``path`` (.csv or .parquet) atomically: a temporary file, then rename.

    Dates are written as ``YYYY-MM-DD``; floats keep full precision, so the same inputs give
    byte-identical files.
    """
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise SSIError(f"cannot write '{suffix}' files", file=str(path),
                       fix="name the output .csv or .parquet")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        if suffix == ".csv":
            if not _write_csv_fast(df, tmp):
                out = df.copy()
                for col in out.columns:
                    if pd.api.types.is_datetime64_any_dtype(out[col]):
                        out[col] = out[col].dt.strftime("%Y-%m-%d")
                out.to_csv(tmp, index=False, lineterminator="\n")
        else:
            df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


_NEEDS_QUOTES = r'[,"\r\n]'


def _write_csv_fast(df: pd.DataFrame, path: str) -> bool:
    """Write ``df`` as :func:`write_table` does with pandas, byte for byte, but fast.

    Every column is turned into text at once: dates formatted once per distinct day, floats by
    :func:`float_text`, ids as they are; pyarrow writes the lines. Returns ``False`` (nothing
    written) for what only pandas writes the same way: other column types, or text that needs
    quoting.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    if len(df.columns) < 2 or any(re.search(_NEEDS_QUOTES, str(c)) for c in df.columns):
        return False
    columns = {}
    for name in df.columns:
        s = df[name]
        if pd.api.types.is_datetime64_any_dtype(s) and s.dt.tz is None:
            codes, days = pd.factorize(s)
            text = np.append(days.strftime("%Y-%m-%d").to_numpy(dtype=object), None)
            columns[name] = pa.array(text[codes], type=pa.string())
        elif s.dtype == np.float64:
            columns[name] = pa.array(float_text(s.to_numpy()), type=pa.string())
        elif s.dtype == np.int64:
            columns[name] = pc.cast(pa.array(s.to_numpy()), pa.string())
        elif (pd.api.types.is_string_dtype(s)
              and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")):
            arr = pa.array(s.astype(object).where(s.notna(), None).to_numpy(), type=pa.string())
            if pc.any(pc.match_substring_regex(arr, _NEEDS_QUOTES)).as_py():
                return False
            columns[name] = arr
        else:
            return False
    table = pa.table(columns)
    pcsv.write_csv(table, path, pcsv.WriteOptions(quoting_style="none", quoting_header="none",
                                                  eol="\n"))
    return True


def float_text(values: np.ndarray) -> np.ndarray:
    """Each float as Python's ``repr`` writes it (``None`` for NaN), as pandas writes CSV cells.

    pyarrow formats the values between 1e-4 and 1e9 (the shortest text that reads back the same
    number, as ``repr``; only ``25.0`` needs its ``.0`` back); Python formats the rest.

    >>> float_text(np.array([25.0, 0.1, 1 / 3, 1e-07, np.nan, 2e20])).tolist()
    ['25.0', '0.1', '0.3333333333333333', '1e-07', None, '2e+20']
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    values = np.asarray(values, dtype=np.float64)
    size = np.abs(values)
    fast = ((size >= 1e-4) & (size < 1e9)) | (values == 0)
    text = np.asarray(pc.cast(pa.array(values), pa.string()).to_numpy(zero_copy_only=False),
                      dtype=object)
    integral = fast & (values == np.floor(values))
    text[integral] = np.char.add(text[integral].astype(str), ".0").astype(object)
    slow = ~fast & ~np.isnan(values)
    text[slow] = [repr(v) for v in values[slow].tolist()]
    text[np.isnan(values)] = None
    return text


def _refuse_overwriting_inputs(out: Path, inputs: Sequence[Path]) -> None:
    target = out.resolve()
    for p in inputs:
        if p.resolve() == target:
            raise SSIError("the output would overwrite an input file", file=str(out),
                           fix="choose another output path")


def _rejects_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.rejects.csv")


# ------------------------------------------------------------------ commands
def cmd_simulate(args: argparse.Namespace) -> int:
    from .simulate import simulate, write_data_folder

    tables, truth = simulate(n_reps=args.reps, seed=args.seed, scenario=args.scenario,
                             days=args.days)
    paths = write_data_folder(tables, truth, args.out, fmt=args.format)
    _print(f"wrote {len(paths)} files to {args.out} ({args.reps} reps, scenario "
           f"'{args.scenario}', seed {args.seed})")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from .scoring import check_scorable

    config = load_config(args.config)
    bundle = load_data(args.data, lazy=True)
    _print(*bundle.quality.lines())
    rej = bundle.quality.rejects
    problems = 0
    if not rej.empty:
        problems += len(rej)
        _print("", f"{len(rej)} rejected row(s), by problem:")
        for (_table, reason), grp in _group_reasons(rej):
            rows = ", ".join(str(r) for r in grp["row"].head(5))
            more = f" and {len(grp) - 5} more" if len(grp) > 5 else ""
            _print(f"- {grp['file'].iloc[0]}: {reason}: {len(grp)} row(s), e.g. rows {rows}{more}")
            for r in grp.head(3).itertuples():
                _print(f"    row {r.row}: rep_id {r.rep_id}: {r.reason}")
    try:
        check_scorable(bundle.activity, config)
    except SSIError as exc:
        exc.file = exc.file or bundle.files["activity"].name
        problems += 1
        _print("", f"problem: {exc}")
    if not problems:
        _print("no problems found")
        return EXIT_OK
    return EXIT_PROBLEMS


def _group_reasons(rej: pd.DataFrame):
    kind = rej["reason"].str.replace(r" \(.*\)$|: .*$| '.*'$", "", regex=True)
    return rej.assign(kind=kind).groupby(["table", "kind"], sort=True)


def cmd_score(args: argparse.Namespace) -> int:
    from .progress import Progress
    from .scoring import score

    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".parquet"):
        raise SSIError("the output must be a .csv or .parquet file", file=str(out),
                       fix="e.g. --out scores.csv")
    config = load_config(args.config)
    if args.asof and args.daily:
        raise SSIError("--asof and --daily cannot be used together",
                       fix="use --asof for one date or --daily for the whole series")
    if args.engine == "duckdb":
        return _score_duckdb(args, config, out)
    if args.memory_limit or args.temp_dir:
        raise SSIError("--memory-limit and --temp-dir set the duckdb engine",
                       fix="add --engine duckdb, or leave them out")
    with Progress(["loading", "scoring", "writing"]) as bar:
        bar.step("loading")
        bundle = load_data(args.data, strict=args.strict)
        _refuse_overwriting_inputs(out, list(bundle.files.values()))
        bar.step("scoring")
        try:
            scores = score(bundle.activity, bundle.reps, config=config, asof=args.asof,
                           daily=args.daily, window=args.window, mode=args.mode)
        except SSIError as exc:
            exc.file = exc.file or bundle.files["activity"].name
            raise
        bar.step("writing")
        write_table(scores, out)
    _print(*bundle.quality.lines())
    for note in scores.attrs.get("notes", []):
        _print(f"note: {note}")
    rejects = _rejects_path(out)
    if not bundle.quality.rejects.empty:
        write_table(bundle.quality.rejects, rejects)
        total = sum(t.rows_read for t in bundle.quality.tables.values())
        _print(f"rejected {len(bundle.quality.rejects)} of {total} rows; reasons in {rejects}")
    elif rejects.exists():
        rejects.unlink()  # a stale file from an earlier run would mislead
    _print(f"wrote {len(scores)} scores for {scores.rep_id.nunique()} reps to {out}")
    return EXIT_OK


def _score_duckdb(args: argparse.Namespace, config, out: Path) -> int:
    """``score --engine duckdb``: the activity Parquet scored in DuckDB, file to file."""
    from .engines.duckdb import score_parquet

    folder = resolve_data_dir(args.data)
    inputs = [p for p in folder.glob("*") if p.is_file()] if folder.is_dir() else []
    _refuse_overwriting_inputs(out, inputs)
    run = score_parquet(folder, out, config=config, asof=args.asof, daily=args.daily,
                        window=args.window, mode=args.mode,
                        strict=args.strict, memory_limit=args.memory_limit,
                        temp_directory=args.temp_dir)
    _print(*run.quality.lines())
    for note in run.notes:
        _print(f"note: {note}")
    if run.rows_rejected:
        _print(f"rejected {run.rows_rejected} of {run.rows_read} rows; reasons in "
               f"{run.rejects_path}")
    _print(f"wrote {run.n_scores} scores for {run.n_reps} reps to {out}")
    return EXIT_OK


# ------------------------------------------------------------------ parser
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ssi-analysis",
        description="Transparent SSI scores from team activity, and honest tests of what "
                    "they predict. '--data example' uses the bundled example data.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("simulate", help="write an example data folder with known truth")
    s.add_argument("--out", required=True, help="folder to write")
    s.add_argument("--reps", type=int, default=300, help="number of reps (default 300)")
    s.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    s.add_argument("--days", type=int, default=181, help="days of activity (default 181)")
    s.add_argument("--scenario", choices=["effect", "null", "confounded"], default="effect",
                   help="how outcomes depend on activity (default effect)")
    s.add_argument("--format", choices=["mixed", "csv", "parquet", "xlsx"], default="mixed",
                   help="file format: mixed = activity Parquet, the rest CSV (default)")
    s.set_defaults(func=cmd_simulate)

    v = sub.add_parser("validate", help="check a data folder and list every problem found")
    v.add_argument("--data", required=True, help="data folder ('example' for the bundled one)")
    v.add_argument("--config", help="scoring config TOML, checked too")
    v.set_defaults(func=cmd_validate)

    c = sub.add_parser("score", help="score SSI pillars for every rep")
    c.add_argument("--data", required=True, help="data folder ('example' for the bundled one)")
    c.add_argument("--out", required=True, help="output file, .csv or .parquet")
    c.add_argument("--asof", help="score as of this date (YYYY-MM-DD); default: last activity")
    c.add_argument("--daily", action="store_true", help="one row per rep per day")
    c.add_argument("--window", type=int, help="trailing window in days (default from config: 90)")
    c.add_argument("--mode", choices=["absolute", "relative"], help="scoring mode")
    c.add_argument("--config", help="scoring config TOML (keys override the defaults)")
    c.add_argument("--strict", action="store_true", help="fail on any rejected row")
    c.add_argument("--engine", choices=["pandas", "duckdb"], default="pandas",
                   help="pandas: in memory (default); duckdb: Parquet activity larger than "
                        "memory, scored in SQL (needs the duckdb extra)")
    c.add_argument("--memory-limit", help="duckdb engine: memory to stay within, e.g. 4GB "
                                          "(default 80%% of RAM); the rest spills to disk")
    c.add_argument("--temp-dir", help="duckdb engine: where to spill (default .tmp here)")
    c.set_defaults(func=cmd_score)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ssi-analysis`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "data", None) is not None:
        args.data = resolve_data_dir(args.data)
    try:
        return args.func(args)
    except SSIError as exc:
        _print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS if getattr(exc, "errors", None) and args.command == "validate" \
            else EXIT_USAGE
    except KeyboardInterrupt:
        _print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
