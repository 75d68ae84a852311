""":func:`load_data`: read, type, check and link the tables of a data folder into a :class:`Bundle`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import crm
from ..errors import SSIConfigError, SSIError, SSIInputError, SSIInputErrors
from ..schemas import TABLES
from .cells.common import plain_text, values_present
from .files import (
    check_data_folder,
    find_table_file,
    missing_table_error,
    resolve_data_dir,
    table_files,
)
from .quality import (
    LoadedTable,
    QualityReport,
    all_rejected_errors,
    counts_on_stop,
    quality_report,
    strict_error,
)
from .read import ActivityPrefetch, read_raw
from .relations import check_outcome_sources, check_rep_links, check_unique_reps, derive_outcomes
from .tables import load_table
from .tables.activity import (
    absent_metrics,
    absent_metrics_note,
    level_conflict_warning,
    level_conflicts,
)
from .tables.observed import flag_observed_totals, load_observed, observed_files, observed_wide
from .tables.usage import FOLDER as USAGE_FOLDER
from .tables.usage import UsageReports, load_usage_reports, usage_files


@dataclass
class Bundle:
    """The validated tables of a data folder, plus the quality report.

    ``activity`` is always in long form: ``rep_id, date, metric, value`` (dates are midnight
    timestamps; ids and metric names are text, as categoricals: a few bytes a row), and
    ``None`` when the folder has none (the SSI is then LinkedIn's reported one only).
    ``outcomes`` and ``ssi_observed`` are ``None`` when absent. ``reps`` is the folder's reps
    table, or, for the data of one member without one, that member alone. When the folder holds
    ``opportunities`` and ``quotas`` instead of ``outcomes``, ``outcomes`` is derived from them (:func:`ssi_analysis.crm.derive_outcomes`); ``opportunities`` and
    ``quotas`` are the validated tables it came from and ``crm`` what the derivation left out.
    """

    reps: pd.DataFrame
    activity: pd.DataFrame | None
    outcomes: pd.DataFrame | None = None
    ssi_observed: pd.DataFrame | None = None
    quality: QualityReport = field(default_factory=QualityReport)
    folder: Path | None = None
    files: dict[str, Path] = field(default_factory=dict)
    opportunities: pd.DataFrame | None = None
    quotas: pd.DataFrame | None = None
    crm: crm.CRMOutcomes | None = None
    activity_periods: pd.DataFrame | None = None
    """Activity given as totals over periods: the period rows used (``rep_id, period_start,
    period_end, metric, value``); ``activity`` holds them spread over their days
    (:mod:`ssi_analysis.io.periods`). ``None`` for dated activity."""

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, by name."""
        return {n: t for n in ("reps", "activity", "outcomes", "ssi_observed", "opportunities",
                               "quotas") if (t := getattr(self, n)) is not None}


def load_data(folder: str | Path, *, strict: bool = False, lazy: bool = False,
              mapping: str | Path | crm.ColumnMapping | None = None,
              period: str | None = None, tables: tuple[str, ...] | None = None,
              rep: str | None = None, usage_range: str | None = None) -> Bundle:
    """Load and validate a data folder.

    Parameters
    ----------
    folder : path
        Folder with ``reps``, ``activity``, ``outcomes`` (or, in its place, ``opportunities``
        and ``quotas``) and ``ssi_observed`` (a file, or a folder ``ssi_observed/`` of files),
        each ``.csv``, ``.parquet`` or ``.xlsx``. Each is optional as long as the tables
        present can be used: ``reps`` may be left out when the data name one member only, and
        ``activity`` when the SSI is LinkedIn's (``ssi_observed``). ``'example'`` is the
        bundled example.
    strict : bool
        Raise instead of rejecting rows: any rejected row becomes an error.
    lazy : bool
        Collect every file-level problem of every table before raising
        (:class:`SSIInputErrors`), as ``ssi-analysis validate`` does; the exception's
        ``quality`` then holds the :class:`QualityReport` of the tables that could be read
        (their rejected rows too).
    mapping : str, path or ColumnMapping, optional
        The column mapping (:mod:`ssi_analysis.mapping`) of ``opportunities`` and
        ``ssi_observed``: a preset (``'salesforce'``, ``'hubspot'``, ``'tracker'``,
        ``'team-export'``), a TOML file, or a :class:`~ssi_analysis.mapping.ColumnMapping`.
        Default: per table (for ``ssi_observed``, per file) the preset the columns fit (a note
        says which); a mapping that sets one table's layout leaves the other's to detection,
        and its ``[ssi_fields]`` and ``[ssi_sections]`` name labels of ``ssi_observed``.
    period : {None, 'month', 'quarter'}
        Outcome periods derived from ``quotas``: the quota rows' own (default) or calendar
        months/quarters with the quota rows summed (:func:`ssi_analysis.crm.quota_periods`).
    tables : tuple of str, optional
        Read only these tables (and ``reps``); each must be there (``reps`` too, unless the
        data name one member): ``('reps', 'activity')`` is what scoring needs, and the other
        tables are then neither read nor checked (a note names them). Default: every table of
        the folder.
    rep : str, optional
        The rep of ``ssi_observed`` files that name none (a member's own tracker files);
        default: the mapping's ``rep``, or its ``rep_from_path``.
    usage_range : str, optional
        ``'START:END'`` (``'2026-01-01:2026-01-31'``): the date range of the usage reports
        (``usage_reports/``) that show none in a column or their file's name.

    Returns
    -------
    Bundle
        Validated tables and their :class:`QualityReport`.

    Raises
    ------
    SSIInputError
        A file-level problem; a table every row of which was rejected; also a folder holding
        both ``outcomes`` and ``opportunities`` or ``quotas`` (which to use would be a guess),
        or only one of ``opportunities`` and ``quotas``. The exception's ``quality`` holds the
        :class:`QualityReport` of the tables read before it (the counts a command prints).
    """
    folder = resolve_data_dir(folder)
    check_data_folder(folder)
    chosen = crm.load_mapping(mapping) if mapping is not None else None
    if period is not None and period not in crm.PERIODS:
        raise SSIConfigError(f"period must be month or quarter (or left out: the quota rows' "
                             f"own periods), got {period!r}")
    wanted = [n for n in TABLES if tables is None or n in tables or n == "reps"]
    run = _Run(folder, lazy, required=tuple(n for n in tables or () if n != "reps"), rep=rep,
               usage_range=usage_range)
    if tables is None:
        try:
            check_outcome_sources(folder)
        except SSIInputError as exc:
            run.stop(exc)
    prefetch = ActivityPrefetch(folder / "activity.parquet")  # read meanwhile the small tables load
    for name in wanted:
        run.read(name, prefetch, mapping=chosen)
    run.link()
    derived = None
    if "opportunities" in run.loaded:
        try:
            derived = derive_outcomes(run.loaded, run.files, period, reps=run.one_member)
        except SSIError as exc:
            raise stopped([exc], run.quality()) from None
    observed = None
    if "ssi_observed" in run.loaded:
        ld = run.loaded["ssi_observed"]
        ld.frame = observed_wide(ld.frame)
        flag_observed_totals(ld, run.files["ssi_observed"].name)
        observed = ld.frame
    quality = run.quality()
    _add_notes(quality, run, derived, wanted, tables is not None)
    if strict and not quality.rejects.empty:
        raise strict_error(quality)
    loaded = run.loaded
    bundle = Bundle(
        reps=bundle_table(loaded["reps"].frame) if "reps" in loaded else run.one_member,
        activity=bundle_activity(loaded["activity"].frame) if "activity" in loaded else None,
        outcomes=bundle_table(loaded["outcomes"].frame) if "outcomes" in loaded else None,
        ssi_observed=bundle_table(observed) if observed is not None else None,
        quality=quality, folder=folder, files=run.files,
    )
    if "activity" in loaded and loaded["activity"].periods is not None:
        bundle.activity_periods, bundle.activity = kept_periods(loaded["activity"],
                                                                bundle.activity)
    if derived is not None:
        bundle.outcomes = derived.outcomes
        bundle.opportunities = bundle_table(loaded["opportunities"].frame)
        bundle.quotas = bundle_table(loaded["quotas"].frame)
        bundle.crm = derived
    return bundle


def stopped(errors: list[SSIError], quality: QualityReport) -> SSIError:
    """The error that stops a run: the one problem found, or all of them together; ``quality``
    holds the counts of the tables read before it (which a command prints)."""
    exc = errors[0] if len(errors) == 1 else SSIInputErrors(errors)
    exc.quality = quality
    return exc


@dataclass
class _Run:
    """One :func:`load_data` call: the tables loaded so far, their files, the problems found."""

    folder: Path
    lazy: bool
    required: tuple[str, ...] = ()
    rep: str | None = None
    loaded: dict[str, LoadedTable] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    errors: list[SSIError] = field(default_factory=list)
    one_member: pd.DataFrame | None = None   # reps of a folder without one: its one member
    usage: UsageReports | None = None        # activity read from usage reports
    usage_range: str | None = None           # the range of reports that show none

    def quality(self) -> QualityReport:
        return quality_report(self.loaded, self.files)

    def stop(self, exc: SSIError) -> None:
        """Raise ``exc`` now (with the counts of the tables read so far), or collect it (lazy)."""
        if not self.lazy:
            raise stopped([exc], self.quality())
        self.errors.append(exc)

    def read(self, name: str, prefetch: ActivityPrefetch, *,
             mapping: crm.ColumnMapping | None) -> None:
        """Find, read and load table ``name``; a required table without a file stops the run."""
        try:
            if name == "activity" and usage_files(self.folder):
                self._read_usage(mapping)
                return
            if name == "ssi_observed":
                self._read_observed(mapping)
                if name in self.required and name not in self.files:
                    raise SSIInputError("no ssi_observed table: expected ssi_observed.csv, "
                                        ".parquet, .xlsx, .json or a folder ssi_observed/",
                                        file=str(self.folder),
                                        fix="add LinkedIn's scores as ssi_observed (a file, or "
                                            "a folder of files; see data/README.md)")
                return
            path = find_table_file(self.folder, name)
            if path is None:
                if name in self.required:
                    raise missing_table_error(self.folder, name)
                return
            self.files[name] = path
            raw = prefetch.take(path) or read_raw(path, name)
            self.loaded[name] = load_table(name, raw, mapping=mapping)
            if name == "reps":                     # which row is right cannot be told: stop
                check_unique_reps(self.loaded[name], path.name)
        except SSIError as exc:
            if exc.file is None and name in self.files:
                exc.file = self.files[name].name
            self.stop(exc)

    def _read_usage(self, mapping: crm.ColumnMapping | None) -> None:
        """``activity`` (and LinkedIn's SSI) from a folder ``usage_reports/`` of exports."""
        if find_table_file(self.folder, "activity") is not None:
            raise SSIInputError("the activity table is there twice: an activity file and "
                                f"{USAGE_FOLDER}/", file=str(self.folder),
                                fix="keep one of them")
        self.files["activity"] = self.folder / USAGE_FOLDER
        reports = load_usage_reports(self.folder, usage_files(self.folder),
                                     mapping=mapping if mapping is not None
                                     and "activity" in mapping.defines else None,
                                     usage_range=self.usage_range)
        reports.activity.notes[:0] = reports.notes
        self.loaded["activity"] = reports.activity
        self.usage = reports

    def _read_observed(self, mapping: crm.ColumnMapping | None) -> None:
        """``ssi_observed``: a file, or a folder ``ssi_observed/`` of files read as one (else
        the SSI columns of the usage reports, when they have them)."""
        paths, notes = observed_files(self.folder)
        usage = self.usage.observed if self.usage is not None else None
        if paths and usage is not None:
            self.loaded["activity"].notes.append(
                f"{USAGE_FOLDER}/: the SSI columns of the usage reports were not used: the "
                "folder's ssi_observed table holds LinkedIn's scores")
        if not paths and usage is not None:
            self.files["ssi_observed"] = self.folder / USAGE_FOLDER
            self.loaded["ssi_observed"] = usage
            return
        if not paths:
            return
        many = len(paths) > 1 or paths[0].parent != self.folder
        self.files["ssi_observed"] = (self.folder / paths[0].relative_to(self.folder).parts[0]
                                      if many else paths[0])
        ld = load_observed(self.folder, paths, mapping=mapping, rep=self.rep)
        ld.notes[:0] = notes
        if not many:       # one file: its rows counted as those of any table
            ld.file_rows = None
        self.loaded["ssi_observed"] = ld

    def anything(self) -> None:
        """A folder needs a table to use besides reps: activity, LinkedIn's scores or
        outcomes."""
        if not any(n in self.files for n in ("activity", "ssi_observed", "outcomes",
                                              "opportunities", "quotas")):
            exc = missing_table_error(self.folder, "activity")
            exc.fix = ("add an activity file, or LinkedIn's scores as ssi_observed (a file or "
                       "a folder of them), with outcomes to relate them to (see data/README.md)")
            self.stop(exc)

    def members(self) -> None:
        """Without a reps table, the data must name one member, who is the team; without
        activity, there must be LinkedIn's scores or outcomes to use."""
        if "reps" in self.loaded or any(e.file == str(self.folder) for e in self.errors):
            return
        seen: set = set()
        for name in ("activity", "outcomes", "ssi_observed", "quotas"):
            if name in self.loaded:
                seen |= values_present(self.loaded[name].frame["rep_id"])
        if self.files.get("activity") == self.folder / USAGE_FOLDER and self.usage is None:
            return      # the usage reports, whose users are the team, could not be read
        if self.usage is not None and self.usage.users:
            # the users the usage reports list (with numbers or not) are the team
            self.one_member = pd.DataFrame({"rep_id": self.usage.users}, dtype=object)
            return
        if len(seen) == 1:
            member = next(iter(seen))
            self.one_member = pd.DataFrame({"rep_id": [member]}, dtype=object)
            return
        exc = missing_table_error(self.folder, "reps")
        if seen:
            shown = ", ".join(sorted(map(str, seen))[:5])
            exc.fix = (f"add a reps file (see data/README.md): the data name {len(seen)} reps "
                       f"({shown}{' ...' if len(seen) > 5 else ''}), and only the data of one "
                       "member can go without one")
        self.stop(exc)

    def link(self) -> None:
        """The rules across tables, then the tables every row of which was rejected. With the
        problems of a lazy run, what the tables that could be read showed is added to them."""
        self.anything()
        self.members()
        loaded, files = self.loaded, self.files
        if self.errors:
            if "reps" in loaded and not any(e.file == files["reps"].name for e in self.errors):
                check_rep_links(loaded, files)
            failed = {e.file for e in self.errors}
            more = [e for e in all_rejected_errors(loaded, files) if e.file not in failed]
            raise stopped([*self.errors, *more], self.quality())
        if "reps" in loaded:
            check_rep_links(loaded, files)
        for exc in all_rejected_errors(loaded, files):
            self.stop(exc)
        if self.errors:
            raise stopped(self.errors, self.quality())


def _add_notes(quality: QualityReport, run: _Run, derived: crm.CRMOutcomes | None,
               wanted: list[str], some: bool) -> None:
    """The notes of a whole run: the derivation's, the tables not read, the metrics absent; the
    warning of levels that differ within a day."""
    if derived is not None:
        quality.notes.extend(derived.notes)
    if some:
        unread = sorted({p.name for n in TABLES if n not in wanted
                         for p in table_files(run.folder, n)}
                        | ({"ssi_observed/"} if "ssi_observed" not in wanted
                           and (run.folder / "ssi_observed").is_dir() else set()))
        if unread:
            quality.notes.append(f"not read: {', '.join(unread)} (this command uses "
                                 f"{' and '.join(wanted)} only; validate checks every table)")
    if run.one_member is not None and run.usage is not None:
        quality.notes.append(f"no reps table: the {len(run.one_member)} users the usage "
                             "reports list are the team (add a reps table for teams, "
                             "industries and hire dates)")
    elif run.one_member is not None:
        quality.notes.append(f"no reps table: the data name one member, "
                             f"{run.one_member['rep_id'].iloc[0]}, the team of this analysis "
                             "(a reps table is needed for more)")
    if "activity" not in run.loaded:
        if "activity" in wanted:
            quality.notes.append("no activity table: the SSI is LinkedIn's reported one "
                                 "(ssi_observed) only; scores cannot be computed")
        return
    act = run.loaded["activity"].frame
    for metric, found in level_conflicts(act).items():
        quality.warnings.append(level_conflict_warning(run.files["activity"].name, metric,
                                                       *found))
    absent = absent_metrics(values_present(act["metric"]))
    if absent:
        quality.notes.append(absent_metrics_note(run.files["activity"].name, absent))


def kept_periods(ld: LoadedTable, activity: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The period rows still used after the checks across tables (a rep not in reps), and the
    spread activity marked as such (``activity.attrs["spread"]``: scoring then derives no days
    active from the days a spread total covers, :mod:`ssi_analysis.scoring.spec`)."""
    periods = ld.periods
    periods = periods[periods["_row"].isin(ld.frame["_row"])]
    periods = bundle_table(periods[["rep_id", "period_start", "period_end", "metric", "value",
                                    "_row"]])
    activity.attrs["spread"] = True
    return periods, activity


def bundle_table(df: pd.DataFrame) -> pd.DataFrame:
    """Drop bookkeeping columns; text columns as plain Python strings (one dtype everywhere)."""
    df = df.drop(columns=[c for c in ("_row",) if c in df]).reset_index(drop=True)
    for col in df.columns:
        if isinstance(df[col].dtype, pd.CategoricalDtype) and pd.api.types.is_string_dtype(df[col]):
            df[col] = plain_text(df[col])
        elif pd.api.types.is_string_dtype(df[col]) and not pd.api.types.is_object_dtype(df[col]):
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


def bundle_activity(df: pd.DataFrame) -> pd.DataFrame:
    """The long activity table, ``rep_id`` and ``metric`` as categoricals of text.

    Millions of rows repeat a few thousand ids and two dozen metric names: as categoricals (with
    sorted categories, the same whichever file format the table came from) they take a few
    bytes a row, and scoring works on their integer codes.
    """
    out = df[["rep_id", "date", "metric", "value"]].reset_index(drop=True)
    for col in ("rep_id", "metric"):
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):   # recode the few categories, not the rows
            codes = s.cat.codes.to_numpy()
            cats = s.cat.categories.to_numpy(dtype=object)
        else:
            codes, uniques = pd.factorize(s)
            cats = np.asarray(uniques, dtype=object)
        used = np.sort(pd.unique(codes))
        used = used[used >= 0]
        order = used[np.argsort(cats[used], kind="stable")]
        if len(order) == len(cats) and (order == np.arange(len(cats))).all():
            new_codes = codes                              # all used, already sorted
        else:
            lut = np.full(len(cats) + 1, -1, dtype=np.int64)  # last: missing stays missing
            lut[order] = np.arange(len(order))
            new_codes = lut.astype(np.min_scalar_type(-len(cats) - 1))[codes]
        out[col] = pd.Categorical.from_codes(new_codes, pd.Index(cats[order]), validate=False)
    return out


def load_reps(folder: str | Path) -> tuple[pd.DataFrame, QualityReport]:
    """Load and validate only the ``reps`` table of a data folder, as :func:`load_data` does.

    For engines that read the activity themselves (``ssi_analysis.engines.duckdb``).

    Examples
    --------
    >>> from ssi_analysis.io import example_data_dir
    >>> reps, quality = load_reps(example_data_dir())
    >>> len(reps), quality.summary().rows_rejected.item()
    (300, 0)
    """
    folder = resolve_data_dir(folder)
    check_data_folder(folder)
    path = find_table_file(folder, "reps")
    if path is None:
        raise missing_table_error(folder, "reps")
    try:
        ld = load_table("reps", read_raw(path, "reps"))
    except SSIError as exc:
        exc.file = exc.file or path.name
        raise
    quality = quality_report({"reps": ld}, {"reps": path})
    with counts_on_stop(quality):                # as load_data stops: the reps read said
        check_unique_reps(ld, path.name)
    every_row = all_rejected_errors({"reps": ld}, {"reps": path})
    if every_row:
        raise stopped(every_row[:1], quality)
    return bundle_table(ld.frame), quality
