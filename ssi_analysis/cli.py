"""The ``ssi-analysis`` command line: thin wrappers over the package's functions.

Exit codes: 0 success; 1 the input has problems (``validate``, or ``--strict`` with rejected
rows); 2 a user error (bad file, column, option or config, or an output that cannot be
written) — always a message, never a traceback; 130 interrupted (Ctrl-C) and 143 terminated
(SIGTERM), after removing every temporary file. Any other exception is a bug and is shown as
one.

Every numeric option is checked when the command line is read (:func:`whole_number`,
:func:`memory_size`), so a bad value is named with its option before anything runs.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from .config import load_config
from .errors import SSIConfigError, SSIError
from .io import REJECT_COLUMNS, find_table_file, load_data, resolve_data_dir
from .io.cells.common import values_present
from .io.cells.dates import ASOF_FIX, asof_problem
from .io.quality import counts_on_stop
from .outputs import (
    Terminated,
    check_run_folder,
    output_error,
    refuse_overwriting_inputs,
    replace_run,
    terminate_cleanly,
    uninterrupted,
    write_table,
    writing,
)
from .simulate import DAYS_RANGE, REPS_RANGE

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143


# ------------------------------------------------------------------ option values
def whole_number(option: str, low: int, high: int):
    """An ``argparse`` type: a whole number from ``low`` to ``high``, else an error that names
    the option and the range.

    >>> whole_number("--seed", 0, 10)("7")
    7
    >>> whole_number("--seed", 0, 10)("-1")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: must be a whole number from 0 to 10, got '-1'
    """
    def parse(text: str) -> int:
        written = str(text).strip()
        value = int(written) if re.fullmatch(r"[+-]?\d{1,30}", written) else None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"must be a whole number from {low} to {high}, got {text!r}")
        return value

    parse.__name__ = f"{option} value"
    parse.low, parse.high = low, high        # what the option takes, for its help and tests
    return parse


SEED_MAX = 2**32 - 1
"""The largest seed an option takes (the seeds numpy and R take)."""
MIN_DAYS, MAX_DAYS = DAYS_RANGE
"""What ``simulate --days`` takes (a team needs a full scoring window before its first outcome
period; one member's tracker files, ``--shape tracker``, any span from a day)."""


def memory_size(text: str) -> str:
    """An ``argparse`` type for ``--memory-limit``: an amount with a unit (``4GB``, ``512MiB``)
    or a share of the memory (``50%``), as DuckDB reads it.

    >>> memory_size("4GB"), memory_size(" 512 mib"), memory_size("50%")
    ('4GB', '512mib', '50%')
    """
    written = re.sub(r"\s+", "", str(text))
    amount = re.fullmatch(r"(\d+(?:\.\d+)?)(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)", written.upper())
    share = re.fullmatch(r"(\d+(?:\.\d+)?)%", written)
    if (amount and float(amount.group(1)) > 0) or (share and 0 < float(share.group(1)) <= 100):
        return written
    raise argparse.ArgumentTypeError(f"must be an amount of memory with its unit, e.g. 4GB or "
                                     f"512MiB, or a share of it, e.g. 50%; got {text!r}")


def _print(*lines: str, file=None) -> None:
    for line in lines:
        print(line, file=file or sys.stdout)


def _rejects_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.rejects.csv")


# ------------------------------------------------------------------ commands
SHAPE_WORDS = {"raw": ", raw shape: opportunities and quotas in place of outcomes",
               "tracker": ", tracker shape: one member's daily SSI page files in ssi_observed/ "
                          "(read them with --rep NAME)",
               "team-export": ", team-export shape: weekly team exports of LinkedIn's SSI in "
                              "ssi_observed/, no activity",
               "usage-report": ", usage-report shape: monthly Sales Navigator usage reports in "
                               "usage_reports/ (totals over each month, and the SSI)"}


def simulation_start(start: str | None, days: int) -> tuple[pd.Timestamp, str | None]:
    """The first day of a simulation, and a note when it was moved: data never lie after the
    day of the run (the loader would reject them as in the future). Without ``--start`` the data
    start 2026-01-01, or end on the day of the run when that is earlier; a ``--start`` whose
    span passes the day of the run is an error naming both options.

    >>> simulation_start("2025-03-01", 100)[0]
    Timestamp('2025-03-01 00:00:00')
    """
    from .io import run_day

    today = run_day()
    if isinstance(days, bool) or days < 1:
        raise SSIConfigError(f"--days must be a whole number of days >= 1, got {days}")
    if start is None:
        first = pd.Timestamp("2026-01-01")
        if first + pd.Timedelta(days=days - 1) <= today:
            return first, None
        moved = today - pd.Timedelta(days=days - 1)
        return moved, (f"the {days} days from 2026-01-01 would run past today "
                       f"({today:%Y-%m-%d}): the data start {moved:%Y-%m-%d} and end today "
                       "(pass --start to choose)")
    first = parse_asof(start, option="--start")
    last = first + pd.Timedelta(days=days - 1)
    if last > today:
        latest = today - pd.Timedelta(days=days - 1)
        raise SSIConfigError(
            f"--start {first:%Y-%m-%d} with --days {days} ends {last:%Y-%m-%d}, after today "
            f"({today:%Y-%m-%d}): the toolkit rejects data from the future",
            fix=f"start on {latest:%Y-%m-%d} or earlier, or simulate fewer days")
    return first, None


def cmd_simulate(args: argparse.Namespace) -> int:
    from .simulate import simulate, write_data_folder

    if args.days < MIN_DAYS and args.shape != "tracker":   # as argparse says it, exit 2
        args.usage_error(f"argument --days: must be a whole number from {MIN_DAYS} to "
                         f"{MAX_DAYS} (from 1 with --shape tracker), got '{args.days}'")
    start, moved = simulation_start(args.start, args.days)
    try:
        tables, truth = simulate(n_reps=args.reps, seed=args.seed, scenario=args.scenario,
                                 days=args.days, shape=args.shape,
                                 start=start.strftime("%Y-%m-%d"))
    except ValueError as exc:            # a setting out of range (--days 50, --reps 1)
        raise SSIConfigError(str(exc), fix="see ssi-analysis simulate --help") from None
    paths = write_data_folder(tables, truth, args.out, fmt=args.format)
    if moved:
        _print(f"note: {moved}")
    who = ("one member" if args.shape == "tracker" else
           f"{args.reps} reps, scenario '{args.scenario}'")
    _print(f"wrote {len(paths)} files to {args.out} ({who}, seed {args.seed}"
           + SHAPE_WORDS.get(args.shape, "") + ")")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    """Every problem of the data at once: of every file and of every row, grouped with counts,
    example rows and what to do; exit 1 when there is any. A bad option or config file (how
    validate is called, not the data) stops with exit 2, as for every command."""
    from .errors import SSIInputError, SSIInputErrors
    from .scoring import check_scorable, scoring_coverage

    config = load_config(args.config)
    stopping: list[SSIError] = []           # problems that stop a run: files, columns
    bundle, quality = None, None
    try:
        bundle = load_data(args.data, lazy=True, mapping=args.mapping,
                           period=args.outcome_period, rep=args.rep,
                           usage_range=args.usage_range)
        quality = bundle.quality
    except SSIInputError as exc:
        stopping.extend(exc.errors if isinstance(exc, SSIInputErrors) else [exc])
        quality = getattr(exc, "quality", None)   # what the readable tables showed
    if bundle is not None and bundle.activity is not None:
        try:
            check_scorable(bundle.activity, config)
        except SSIError as exc:
            exc.file = exc.file or bundle.files["activity"].name
            stopping.append(exc)
    if quality is not None:
        _print(*quality.lines())
    if bundle is not None and bundle.activity is not None and not stopping:
        _print(*(f"scoring: {line}" for line in scoring_coverage(bundle.activity, config)))
    if stopping:
        _print("", f"{len(stopping)} problem{'s that stop' if len(stopping) > 1 else ' that stops'}"
                   " a run (fix these first):")
        for i, exc in enumerate(stopping, 1):
            _print(f"{i}. " + str(exc).replace("\n", "\n   "))
    rejected = 0
    if quality is not None and not quality.rejects.empty:
        rej = quality.rejects
        rejected = len(rej)
        _print("", f"{len(rej)} rejected row(s), by problem (they are left out; the rest is "
                   "used):")
        _print_groups(rej, examples=3)
    if quality is not None:
        _print_flags(quality.flags)
    if not stopping and not rejected:
        flagged = 0 if quality is None else len(quality.flags)
        _print("no problems found" if not flagged else
               "no problems found: no row rejected, some kept with a flag (above)")
        return EXIT_OK
    return EXIT_PROBLEMS


def _print_groups(rows: pd.DataFrame, *, examples: int, fixes: bool = True) -> None:
    """Rejected (or flagged) rows grouped by table and kind of problem: where (file, column,
    rows), a few example rows with their rep and reason, and what to do."""
    for (_table, kind), grp in _group_reasons(rows):
        files = pd.unique(grp["file"])
        many = len(files) > 1          # a table read from a folder of files
        shown = ", ".join(str(r) for r in grp["row"].head(5))
        more = f" and {len(grp) - 5} more" if len(grp) > 5 else ""
        cols = grp["column"].dropna()
        column = f", column '{cols.mode().iloc[0]}'" if len(cols) else ""
        noun = "row" if len(grp) == 1 else "rows"
        if many:
            _print(f"- {len(files)} files ({files[0]} ...){column}: {kind}: {len(grp)} {noun}")
        else:
            _print(f"- {files[0]}{column}: {kind}: {len(grp)} {noun} ({noun} {shown}{more})")
        for r in grp.head(examples).itertuples():
            who = f"rep_id {r.rep_id}: " if isinstance(r.rep_id, str) else ""
            at = f"{r.file} row {r.row}" if many else f"row {r.row}"
            _print(f"    {at}: {who}{r.reason}")
        if fixes:
            _print(f"    fix: {grp['fix'].iloc[0]}")


def _print_flags(flags: pd.DataFrame) -> None:
    """Rows kept under a documented rule, grouped like the rejects (they are not problems)."""
    if flags.empty:
        return
    _print("", f"{len(flags)} flag(s) on {flags[['file', 'row']].drop_duplicates().shape[0]} "
               "row(s) kept with a flag (not problems; see data/README.md):")
    _print_groups(flags, examples=3, fixes=False)


def _group_reasons(rej: pd.DataFrame):
    """Rows grouped by table and kind of problem (each row carries its kind and fix)."""
    return rej.groupby(["table", "kind"], sort=True)


def cmd_score(args: argparse.Namespace) -> int:
    from .progress import Progress
    from .scoring import score

    out = Path(args.out)
    days_folder = args.engine == "spark" and args.daily and not out.suffix  # Spark's own form
    if out.suffix.lower() not in (".csv", ".parquet") and not days_folder:
        raise SSIError("the output must be a .csv or .parquet file", file=str(out),
                       fix="e.g. --out scores.csv (with --engine spark --daily, also a folder "
                           "of days, e.g. --out scores)")
    config = load_config(args.config)
    if args.asof and args.daily:
        raise SSIError("--asof and --daily cannot be used together",
                       fix="use --asof for one date or --daily for the whole series")
    if args.asof is not None:
        args.asof = parse_asof(args.asof)
    config.with_options(window_days=args.window)    # a bad --window stops before loading
    in_memory = args.engine == "duckdb" and _period_totals(args.data)
    if (args.memory_limit or args.temp_dir) and (args.engine != "duckdb" or in_memory):
        raise SSIError("--memory-limit and --temp-dir set the duckdb engine",
                       fix="add --engine duckdb, or leave them out")
    if args.spark_master and args.engine != "spark":
        raise SSIError("--spark-master sets the spark engine",
                       fix="add --engine spark, or leave it out")
    if args.engine in ("duckdb", "spark") and not in_memory:
        return _score_sql(args, config, out)
    with Progress(["loading", "scoring", "writing"]) as bar:
        bar.step("loading")
        bundle = load_data(args.data, strict=args.strict, mapping=args.mapping,
                           period=args.outcome_period, tables=SCORE_TABLES,
                           usage_range=args.usage_range)
        _refuse(out, bundle, args)
        bar.step("scoring")
        with counts_on_stop(bundle.quality, bundle.files["activity"].name):
            scores = score(bundle.activity, bundle.reps, config=config, asof=args.asof,
                           daily=args.daily, window=args.window, mode=args.mode,
                           engine=args.engine)
        bar.step("writing")
        names = _pseudonyms(args, bundle)
        n_reps = scores.table["rep_id"].nunique()
        write_table(names.table(scores.table) if names else scores.table, out)
    _print(*_shown(names, bundle.quality.lines()))
    _print(*_shown(names, [f"note: {note}" for note in scores.notes]))
    dates = bundle.activity["date"]
    _print(*(f"warning: {w}" for w in asof_warnings(
        args.asof, dates.min() if len(dates) else None, dates.max() if len(dates) else None,
        config.with_options(window_days=args.window).window_days,
        _levels(config, values_present(bundle.activity["metric"])))))
    _write_rejects(bundle.quality, out, names)
    _print(f"wrote {len(scores)} scores for {n_reps} reps to {out}"
           + (" (rep ids pseudonymised)" if names else ""))
    return EXIT_OK


def _period_totals(data: str) -> bool:
    """Whether a data folder's activity is period totals (usage reports, or an activity
    Parquet file with ``period_start``): the duckdb engine then scores them once loaded and
    spread in memory (:func:`ssi_analysis.score` with ``engine='duckdb'``), not from the files."""
    from .io import resolve_data_dir
    from .io.tables.usage import usage_files

    try:
        folder = resolve_data_dir(data)
    except SSIError:
        return False
    if usage_files(folder):
        return True
    path = folder / "activity.parquet"
    if path.is_file():
        import pyarrow.parquet as pq

        try:
            names = pq.read_schema(path).names
        except (OSError, ValueError):
            return False
        return "period_start" in names and "date" not in names
    return False


SCORE_TABLES = ("reps", "activity")
"""The tables ``score`` reads: the others are not needed to score, so a problem in one of them
does not stop it (``validate`` checks them)."""


def parse_asof(text: str, *, option: str = "--asof") -> pd.Timestamp:
    """``--asof`` (or ``option``) as a day: written ``YYYY-MM-DD``, a real calendar day, else an
    error naming the option (``05/01/2026`` could be 5 January or 1 May, and is not guessed).

    >>> parse_asof("2026-05-01")
    Timestamp('2026-05-01 00:00:00')
    """
    import datetime as _dt
    import re

    written = str(text).strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", written):
        parts = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", written)
        example = "e.g. 2026-05-01"
        if parts:
            a, b, y = parts.groups()
            readings = sorted({f"{y}-{int(m):02d}-{int(d):02d}" for d, m in ((a, b), (b, a))
                               if 1 <= int(m) <= 12 and 1 <= int(d) <= 31})
            if readings:
                example = f"e.g. {' or '.join(readings)}: which one is meant cannot be told"
        raise SSIConfigError(f"{option} '{text}' is not a date written YYYY-MM-DD",
                             fix=f"write the day as YYYY-MM-DD ({example})")
    try:
        day = _dt.date.fromisoformat(written)
    except ValueError as exc:
        raise SSIConfigError(f"{option} '{text}' is not a date ({exc})",
                             fix="give a day of the calendar as YYYY-MM-DD, e.g. 2026-02-28"
                             ) from None
    problem = asof_problem(day)
    if problem is not None:
        raise SSIConfigError(f"--asof '{text}' {problem}", fix=ASOF_FIX)
    return pd.Timestamp(day)


def _levels(config, present) -> list[str]:
    """The level metrics that score (a weight above 0) and are in the data."""
    return sorted(m.name for m in config.metrics
                  if m.kind == "level" and m.weight > 0 and m.name in present)


def asof_warnings(asof, first, last, window: int, levels: Sequence[str] = ()) -> list[str]:
    """What to know about scores as of ``asof`` given the activity's first and last dates: a
    day before every activity scores every rep 0, and a window reaching past the last date
    counts the days after it as days without activity (every count 0: the scores then come
    from the ``levels`` present alone, which keep their last value).

    >>> said = asof_warnings("2026-06-01", "2026-01-05", "2026-01-06", 90,
    ...                      ["profile_completeness"])
    >>> said[0].split(": ", 1)[1]
    'every count is 0, so the scores come from profile_completeness alone, which keeps its last value (the activity runs from 2026-01-05 to 2026-01-06)'
    """
    if asof is None or first is None or pd.isna(first):
        return []
    day, first, last = (pd.Timestamp(x).normalize() for x in (asof, first, last))
    span = f"the activity runs from {first:%Y-%m-%d} to {last:%Y-%m-%d}"
    if day < first:
        return [f"the as-of date {day:%Y-%m-%d} is before the first activity date "
                f"{first:%Y-%m-%d}: every count is 0, so every score is 0 ({span})"]
    if day > last:
        start = day - pd.Timedelta(days=window - 1)
        if start > last:
            keep = "keeps its" if len(levels) == 1 else "keep their"
            what = (f"the scores come from {', '.join(levels)} alone, which {keep} last value"
                    if levels else "every score is 0")
            return [f"the {window}-day window to the as-of date {day:%Y-%m-%d} starts after "
                    f"the last activity date {last:%Y-%m-%d}: every count is 0, so {what} "
                    f"({span})"]
        return [f"the as-of date {day:%Y-%m-%d} is after the last activity date "
                f"{last:%Y-%m-%d}: the {window}-day window extends {(day - last).days} day(s) "
                f"past the data, counted as days without activity ({span})"]
    return []


def _pseudonyms(args: argparse.Namespace, bundle):
    """The run's :class:`~ssi_analysis.privacy.Pseudonyms` with ``--anonymize``, else ``None``."""
    from .privacy import Pseudonyms, default_salt

    if not getattr(args, "anonymize", False):
        return None
    return Pseudonyms.for_bundle(bundle, args.salt or default_salt(bundle.files.get("reps")))


def _shown(names, lines: list[str]) -> list[str]:
    """Lines as printed: with ``--anonymize``, person ids and names pseudonymised."""
    return names.lines(lines) if names is not None else list(lines)


def _inputs(bundle, args: argparse.Namespace) -> list[Path]:
    """Every file a command read: the data folder's tables, the config and mapping files."""
    extra = [Path(p) for p in (getattr(args, "config", None), getattr(args, "mapping", None))
             if p and Path(p).is_file()]
    return [*bundle.files.values(), *extra]


def _refuse(out: Path, bundle, args: argparse.Namespace) -> None:
    """An output (or its rejects file) may not overwrite an input, nor become a table of the
    data folder."""
    for path in (out, _rejects_path(out)):
        refuse_overwriting_inputs(path, _inputs(bundle, args), folder=bundle.folder)


def _write_rejects(quality, out: Path, names) -> None:
    """The rejected rows beside ``out`` (anonymised with ``--anonymize``), and the count."""
    rejects = _rejects_path(out)
    if not quality.rejects.empty:
        rows = quality.rejects[REJECT_COLUMNS]
        write_table(names.rejects(rows) if names else rows, rejects)
        total = sum(t.rows_read for t in quality.tables.values())
        _print(f"rejected {len(quality.rejects)} of {total} rows; reasons in {rejects}")
    elif rejects.exists():
        with writing(rejects):
            rejects.unlink()  # a stale file from an earlier run would mislead


def _score_duckdb(args: argparse.Namespace, folder: Path, out: Path, options: dict):
    """``score --engine duckdb``: :func:`~ssi_analysis.engines.duckdb.score_parquet`, a spill
    folder it cannot write to said as such."""
    from .engines.duckdb import score_parquet

    try:                     # without duckdb, score_parquet says how to install it
        from duckdb import IOException as spill_error
    except ImportError:
        spill_error = ()     # nothing to catch
    try:
        return score_parquet(folder, out, memory_limit=args.memory_limit,
                             temp_directory=args.temp_dir, **options)
    except spill_error as exc:    # its spill files (the output's are named already)
        spill = Path(args.temp_dir or ".tmp")
        problem = output_error(exc, spill / "spill")
        raise SSIError(f"DuckDB cannot write its spill files to {spill}: "
                       f"{problem.problem.removeprefix('cannot write the file: ')}",
                       file=str(spill), fix=f"{problem.fix}; or give --temp-dir a folder on "
                                            "a disk with space") from exc


def _score_sql(args: argparse.Namespace, config, out: Path) -> int:
    """``score --engine duckdb|spark``: the activity Parquet scored in SQL, file to file."""
    folder = resolve_data_dir(args.data)
    extra = [Path(p) for p in (args.config,) if p and Path(p).is_file()]
    options = dict(config=config, asof=args.asof, daily=args.daily, window=args.window,
                   mode=args.mode, strict=args.strict, anonymize=args.anonymize,
                   salt=args.salt, inputs=extra)
    if args.engine == "spark":
        from .engines.spark import score_spark

        run = score_spark(None, folder, out, master=args.spark_master, **options)
    else:
        run = _score_duckdb(args, folder, out, options)
    names = None
    if args.anonymize:   # only ids written another way appear in the lines (as examples)
        from .privacy import Pseudonyms, default_salt

        salt = args.salt or default_salt(find_table_file(folder, "reps"))
        names = Pseudonyms(salt, ids=run.quality.id_repairs.values(),
                           aliases=run.quality.id_repairs)
    _print(*_shown(names, run.quality.lines()))
    _print(*_shown(names, [f"note: {note}" for note in run.notes]))
    _print(*(f"warning: {w}" for w in asof_warnings(
        args.asof, run.first_date, run.last_date,
        config.with_options(window_days=args.window).window_days,
        _levels(config, run.metrics))))
    if run.rows_rejected:
        _print(f"rejected {run.rows_rejected} of {run.rows_read} rows; reasons in "
               f"{run.rejects_path}")
    _print(f"wrote {run.n_scores} scores for {run.n_reps} reps to {out}"
           + (" (rep ids pseudonymised)" if args.anonymize else ""))
    return EXIT_OK


def cmd_outcomes(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".parquet"):
        raise SSIError("the output must be a .csv or .parquet file", file=str(out),
                       fix="e.g. --out outcomes.csv")
    data = Path(args.data)
    if out.stem == "outcomes" and out.resolve().parent == data.resolve():
        raise SSIError("writing outcomes into the data folder would give it outcomes from two "
                       "places (outcomes and opportunities)", file=str(out),
                       fix="write them elsewhere, e.g. --out out/outcomes.csv")
    bundle = load_data(args.data, strict=args.strict, mapping=args.mapping,
                       period=args.outcome_period, rep=args.rep,
                       usage_range=args.usage_range)
    if bundle.crm is None:
        given = " (its outcomes table is used as it is)" if bundle.outcomes is not None else ""
        with counts_on_stop(bundle.quality):
            raise SSIError(f"there is nothing to derive: the folder has no opportunities{given}",
                           file=str(args.data),
                           fix="add opportunities and quotas tables (see data/README.md)")
    _refuse(out, bundle, args)
    names = _pseudonyms(args, bundle)
    _print(*_shown(names, bundle.quality.lines()))
    derived = bundle.crm
    _print("", "where the opportunities went:",
           *(f"  {r.item}: {r.count}" for r in derived.accounting.itertuples()))
    if not derived.unmatched_owners.empty:
        u = derived.unmatched_owners
        _print("", f"{len(u)} owner(s) matching no rep (their opportunities are rejected):",
               *_shown(names, [f"  {r.owner}: {r.opportunities} opportunities, "
                               f"{int(r.deals_won)} won" for r in u.head(10).itertuples()]),
               *([f"  ... and {len(u) - 10} more"] if len(u) > 10 else []))
    write_table(names.table(derived.outcomes) if names else derived.outcomes, out)
    _write_rejects(bundle.quality, out, names)
    _print(f"wrote {len(derived.outcomes)} outcome rows (rep x period) for "
           f"{derived.outcomes.rep_id.nunique()} reps to {out}"
           + (" (rep ids pseudonymised)" if names else ""))
    return EXIT_OK


OBSERVED_TABLES = ("reps", "ssi_observed")
"""The tables ``observed`` reads (``reps`` only to check the reps' ids, when there)."""


def cmd_observed(args: argparse.Namespace) -> int:
    """LinkedIn's scores as exported (a tracker's files, a team export, LinkedIn's JSON) to the
    normalised snapshot table: one row per rep and date, with the counts and a rejects file."""
    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".parquet"):
        raise SSIError("the output must be a .csv or .parquet file", file=str(out),
                       fix="e.g. --out snapshots.csv")
    bundle = load_data(args.data, strict=args.strict, mapping=args.mapping, rep=args.rep,
                       tables=OBSERVED_TABLES)
    _refuse(out, bundle, args)
    names = _pseudonyms(args, bundle)
    _print(*_shown(names, bundle.quality.lines()))
    snaps = bundle.ssi_observed
    write_table(names.table(snaps) if names else snaps, out)
    _write_rejects(bundle.quality, out, names)
    span = (f", {snaps['date'].min():%Y-%m-%d} to {snaps['date'].max():%Y-%m-%d}"
            if len(snaps) else "")
    _print(f"wrote {len(snaps)} snapshots (rep x date) of {snaps['rep_id'].nunique()} rep(s)"
           f"{span} to {out}" + (" (rep ids pseudonymised)" if names else ""))
    return EXIT_OK


def _add_crm_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mapping", help="column mapping of the opportunities export or of "
                        "LinkedIn's scores: salesforce, hubspot, tracker, team-export or a TOML "
                        "file (default: detected from the columns)")
    parser.add_argument("--outcome-period", choices=["month", "quarter"],
                        help="outcomes from opportunities: sum the quota rows to calendar months "
                             "or quarters (default: the quota rows' own periods)")
    parser.add_argument("--usage-range", metavar="START:END",
                        help="the date range of usage reports that show none (no range column, "
                             "no dates in the file's name), e.g. 2026-01-01:2026-01-31")
    _add_rep_option(parser)


def _add_rep_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rep", help="the rep of ssi_observed files that name none (a "
                                      "member's own tracker files); default: the mapping's")


def _add_privacy_options(parser: argparse.ArgumentParser, where: str) -> None:
    parser.add_argument("--anonymize", action="store_true",
                        help=f"replace rep and manager ids with stable pseudonyms {where}")
    parser.add_argument("--salt", help="salt of the pseudonyms (default: $SSI_ANALYSIS_SALT, "
                                       "else derived from the reps file)")


def cmd_analyze(args: argparse.Namespace) -> int:
    from .analysis import analyze, choose_ssi, industry_settings
    from .config import load_analysis_config, load_section

    out = Path(args.out)
    if out.suffix:
        raise SSIError("--out is a folder for results.json and the tables", file=str(out),
                       fix="e.g. --out out/analysis")
    check_run_folder(out, command="analyze")
    config = load_config(args.config)
    settings = load_analysis_config(args.config)
    if args.seed is not None:
        settings = replace(settings, seed=args.seed)
    industry = industry_settings(settings, load_section(args.config, "industry"),
                                 source=str(args.config or "--seed"))
    bundle = load_data(args.data, strict=args.strict, mapping=args.mapping,
                       period=args.outcome_period, rep=args.rep,
                       usage_range=args.usage_range)
    with counts_on_stop(bundle.quality):
        ssi, chosen = choose_ssi(bundle, args.ssi)
        result = analyze(bundle, config=config, analysis=settings, ssi=ssi, industry=industry)
    names = _pseudonyms(args, bundle)
    _print(*_shown(names, [*bundle.quality.lines(), *result.panel.lines()]),
           *([f"note: {chosen}"] if chosen else []))
    with uninterrupted():     # the run's files replace the earlier run's together
        written = result.write(out, inputs=_inputs(bundle, args), pseudonyms=names)
        replace_run(out, command="analyze", written=written, keep=_inputs(bundle, args))
    _print("", "Summary:", *(f"- {s}" for s in result.summary), "",
           f"wrote results.json and {len(written) - 1} tables to {out}"
           + (" (rep ids pseudonymised)" if names else ""))
    return EXIT_OK


def _without_iri_grammar() -> None:
    """Import :mod:`jsonschema` (papermill and nbformat validate notebooks with it) without the
    IRI grammar of ``rfc3987-syntax``, which that package builds when imported (about a second
    of CPU; python-jsonschema/jsonschema#1428) for two string formats no notebook uses.

    Done by ``report`` only, and only in a process that has not imported jsonschema yet (the
    console command's own, as a rule). In that process jsonschema's ``FormatChecker`` then has
    no ``iri`` and ``iri-reference`` checks (nothing here asks for them); ``rfc3987_syntax``
    itself imports as usual afterwards."""
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    sys.modules["rfc3987_syntax"] = None  # importing it raises ImportError, which jsonschema skips
    try:
        import jsonschema  # noqa: F401
    finally:
        del sys.modules["rfc3987_syntax"]


def cmd_report(args: argparse.Namespace) -> int:
    from .report import ReportOptions, build_report

    _without_iri_grammar()

    options = ReportOptions(**{k: v for k, v in {
        "title": args.title, "team": args.team, "period": args.period, "ssi": args.ssi,
        "anonymize": args.anonymize, "salt": args.salt, "seed": args.seed,
        "mapping": args.mapping, "outcome_period": args.outcome_period,
        "rep": args.rep, "usage_range": args.usage_range}.items()
        if v is not None})
    context = build_report(args.data, args.out, config=args.config, options=options)
    _print(*context["quality_lines"])
    pdf = Path(context["pdf"])
    _print("", f"wrote the report to {pdf}",
           f"figures (PNG and SVG) in {pdf.parent / 'figures'}, tables and results.json in "
           f"{pdf.parent / 'tables'}")
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
    s.add_argument("--reps", type=whole_number("--reps", *REPS_RANGE), default=300,
                   help=f"number of reps, {REPS_RANGE[0]} to {REPS_RANGE[1]:,} (default 300)")
    s.add_argument("--seed", type=whole_number("--seed", 0, SEED_MAX), default=0,
                   help="random seed (default 0)")
    s.add_argument("--days", type=whole_number("--days", 1, MAX_DAYS), default=181,
                   help=f"days of activity, {MIN_DAYS} to {MAX_DAYS} (default 181; --shape "
                        "tracker: from 1)")
    s.add_argument("--start", help="first day, YYYY-MM-DD (default 2026-01-01, or so that the "
                                   "data end today: never in the future)")
    s.add_argument("--scenario", choices=["effect", "null", "confounded"], default="effect",
                   help="how outcomes depend on activity (default effect)")
    s.add_argument("--format", choices=["mixed", "csv", "parquet", "xlsx"], default="mixed",
                   help="file format: mixed = activity Parquet, the rest CSV (default)")
    s.add_argument("--shape", choices=["tidy", "raw", "tracker", "team-export", "usage-report"],
                   default="tidy",
                   help="tidy: the input contract (default); raw: a Salesforce opportunity "
                        "export and quotas in place of outcomes, LinkedIn snapshots in long "
                        "form; tracker: one member's daily SSI page tracker files; team-export: "
                        "weekly team exports of LinkedIn's SSI with reps and outcomes, no "
                        "activity; usage-report: monthly Sales Navigator usage reports "
                        "(activity totals and the SSI) with reps and outcomes")
    s.set_defaults(func=cmd_simulate, usage_error=s.error)

    v = sub.add_parser("validate", help="check a data folder and list every problem found")
    v.add_argument("--data", required=True, help="data folder ('example' for the bundled one)")
    v.add_argument("--config", help="scoring config TOML, checked too")
    _add_crm_options(v)
    v.set_defaults(func=cmd_validate)

    c = sub.add_parser("score", help="score SSI pillars for every rep")
    c.add_argument("--data", required=True, help="data folder ('example' for the bundled one)")
    c.add_argument("--out", required=True, help="output file, .csv or .parquet (with --engine "
                                                "spark --daily, a folder of days, e.g. scores)")
    c.add_argument("--asof", help="score as of this date (YYYY-MM-DD); default: last activity")
    c.add_argument("--daily", action="store_true", help="one row per rep per day")
    c.add_argument("--window", type=whole_number("--window", 1, 3660),
                   help="trailing window in days, 1 to 3660 (default from config: 90)")
    c.add_argument("--mode", choices=["absolute", "relative"], help="scoring mode")
    c.add_argument("--config", help="scoring config TOML (keys override the defaults)")
    c.add_argument("--strict", action="store_true", help="fail on any rejected row")
    c.add_argument("--engine", choices=["pandas", "duckdb", "spark"], default="pandas",
                   help="pandas: in memory (default); duckdb: Parquet activity larger than "
                        "memory, scored in SQL (needs the duckdb extra; reads reps and activity); "
                        "spark: the same in Spark SQL, locally or on a cluster (needs the spark "
                        "extra and Java)")
    c.add_argument("--memory-limit", type=memory_size,
                   help="duckdb engine: memory to stay within, e.g. 4GB or 50%% (default 80%% "
                        "of RAM); the rest spills to disk")
    c.add_argument("--temp-dir", help="duckdb engine: where to spill (default .tmp here)")
    c.add_argument("--spark-master", help="spark engine: where Spark runs, e.g. local[4] or "
                                          "spark://host:7077 (default local[*], every core)")
    _add_privacy_options(c, "in the scores and the rejects file")
    _add_crm_options(c)
    c.set_defaults(func=cmd_score)

    o = sub.add_parser("outcomes", help="derive outcomes from opportunities and quotas, and "
                                        "write them for inspection")
    o.add_argument("--data", required=True, help="data folder with opportunities and quotas")
    o.add_argument("--out", required=True, help="output file, .csv or .parquet")
    o.add_argument("--strict", action="store_true", help="fail on any rejected row")
    _add_privacy_options(o, "in the outcomes, the rejects file and the owners listed")
    _add_crm_options(o)
    o.set_defaults(func=cmd_outcomes)

    ob = sub.add_parser("observed", help="read LinkedIn's scores as exported (a tracker's "
                                         "files, a team export, LinkedIn's JSON) and write the "
                                         "normalised snapshots")
    ob.add_argument("--data", required=True, help="data folder with ssi_observed (a file, or a "
                                                  "folder ssi_observed/ of files)")
    ob.add_argument("--out", required=True, help="output file, .csv or .parquet")
    ob.add_argument("--mapping", help="layout of the files: tracker, team-export or a TOML file "
                                      "(default: detected from each file's columns)")
    _add_rep_option(ob)
    ob.add_argument("--strict", action="store_true", help="fail on any rejected row")
    _add_privacy_options(ob, "in the snapshots and the rejects file")
    ob.set_defaults(func=cmd_observed)

    a = sub.add_parser("analyze", help="test whether SSI predicts quota attainment; writes "
                                       "results.json and one CSV per table")
    a.add_argument("--data", required=True, help="data folder with outcomes ('example' for "
                                                 "the bundled one)")
    a.add_argument("--out", required=True, help="output folder")
    a.add_argument("--config", help="config TOML: [scoring], [metrics] and [analysis] keys "
                                    "override the defaults")
    a.add_argument("--ssi", choices=["computed", "observed"],
                   help="analyse the transparent computed SSI (default) or the values "
                        "LinkedIn reported (ssi_observed; the default without activity)")
    a.add_argument("--seed", type=whole_number("--seed", 0, SEED_MAX),
                   help="seed of the bootstrap (default from config)")
    a.add_argument("--strict", action="store_true", help="fail on any rejected row")
    _add_privacy_options(a, "in every table")
    _add_crm_options(a)
    a.set_defaults(func=cmd_analyze)

    r = sub.add_parser("report", help="build the leadership PDF report (validate, score, "
                                      "analyse, figures, PDF)")
    r.add_argument("--data", required=True, help="data folder with outcomes ('example' for "
                                                 "the bundled one)")
    r.add_argument("--out", required=True, help="the PDF to write; figures/ and tables/ go "
                                                "beside it")
    r.add_argument("--title", help="report title")
    r.add_argument("--team", help="team name for the title page (default: the data folder)")
    r.add_argument("--period", help="period label for the title page (default: the outcome "
                                    "periods' span)")
    r.add_argument("--config", help="config TOML ([scoring], [metrics], [analysis])")
    r.add_argument("--ssi", choices=["computed", "observed"],
                   help="which SSI to analyse (default computed; LinkedIn's reported one "
                        "without activity)")
    r.add_argument("--seed", type=whole_number("--seed", 0, SEED_MAX),
                   help="seed of the bootstrap (default from config)")
    _add_privacy_options(r, "in the report, its tables and figures")
    _add_crm_options(r)
    r.set_defaults(func=cmd_report)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ssi-analysis`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "data", None) is not None:
        args.data = resolve_data_dir(args.data)
    try:
        with terminate_cleanly():
            _print(*(f"note: {n}" for n in _text_notes(args)))
            return args.func(args)
    except SSIError as exc:
        quality = getattr(exc, "quality", None)
        if quality is not None and quality.tables and args.command != "validate":
            # the tables read before the run stopped (counts only: no cell of the data)
            _print(*quality.lines()[:len(quality.tables)])
        _print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS if getattr(exc, "errors", None) and args.command == "validate" \
            else EXIT_USAGE
    except OSError as exc:     # a file the system refused (the writers name theirs already)
        _print(f"error: {_os_error_text(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except Terminated:
        _print("terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        _print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _text_notes(args: argparse.Namespace) -> list[str]:
    """How the config and mapping files were decoded, when not as UTF-8 (as for tables)."""
    from .crm import PRESETS
    from .textfiles import encoding_notes

    mapping = getattr(args, "mapping", None)
    if mapping is not None and str(mapping).strip().lower() in (*PRESETS, "canonical"):
        mapping = None
    return encoding_notes(getattr(args, "config", None), mapping)


def _os_error_text(exc: OSError) -> str:
    """An operating-system error the commands did not name, as a message: the file it is
    about, the system's reason and what to check."""
    where = exc.filename if exc.filename is not None else "a file"
    reason = exc.strerror or str(exc)
    return (f"{where}: the system refused to read or write it ({reason})\n  fix: check that "
            "the path exists, is the kind expected (file or folder) and can be read or written")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
