"""Read a data folder into a validated :class:`Bundle`, rejecting bad rows with reasons.

A data folder holds tables by file stem (``reps``, ``activity``, ``outcomes``, ``ssi_observed``),
each as ``.csv``, ``.parquet`` or ``.xlsx`` (``ssi_observed`` also as LinkedIn's ``.json``).
Loading follows one rule: **rows read = rows used + rows rejected**, per table, always. A row
that cannot be used is never dropped silently: it goes to ``bundle.quality.rejects`` with the
file, the row number (as a spreadsheet shows it: the header is row 1), the column and a reason.
Problems that make a whole file unusable raise :class:`~ssi_analysis.errors.SSIInputError`.

Examples
--------
>>> bundle = load_data(example_data_dir())
>>> sorted(bundle.tables())
['activity', 'outcomes', 'reps', 'ssi_observed']
>>> q = bundle.quality.summary()
>>> bool((q.rows_read == q.rows_used + q.rows_rejected).all())
True
"""

from __future__ import annotations

import difflib
import io as _io
import json
import re
import threading
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from . import crm
from .errors import SSIConfigError, SSIError, SSIInputError, SSIInputErrors
from .schemas import (
    CEILING_ERROR,
    LEVEL_METRICS,
    LINKEDIN_PILLARS,
    METRICS,
    TABLES,
    VALUE_CEILING,
    TableSpec,
)

FORMATS = (".csv", ".parquet", ".xlsx")
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "--", "#n/a", "?"})
"""Cell texts read as missing (compared case-insensitively after trimming spaces)."""

_REJECT_COLUMNS = ["table", "file", "row", "rep_id", "column", "value", "reason"]


# ------------------------------------------------------------------ quality accounting
@dataclass
class TableQuality:
    """Row accounting for one table: ``rows_read == rows_used + rows_rejected``.

    ``rows_flagged`` counts used rows kept under a documented rule that the analyst should
    know about (e.g. an observed SSI total off its pillar sum); they are in ``rows_used``.
    """

    table: str
    file: str
    rows_read: int
    rows_used: int
    rows_rejected: int
    rows_flagged: int = 0

    def __post_init__(self) -> None:
        if self.rows_read != self.rows_used + self.rows_rejected:  # a bug, not a user error
            raise RuntimeError(f"row accounting broken for {self.file}: {self}")


@dataclass
class QualityReport:
    """What loading found: per-table counts, every rejected row with its reason, and notes."""

    tables: dict[str, TableQuality] = field(default_factory=dict)
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_REJECT_COLUMNS))
    notes: list[str] = field(default_factory=list)
    flags: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_REJECT_COLUMNS))
    """Rows kept but flagged, one line per flag, in the shape of ``rejects``."""
    warnings: list[str] = field(default_factory=list)
    """Documented repairs made while loading (a percent scale read as 0..1, an id matched in
    another letter case): the data were changed, and the analyst should check the source."""
    id_repairs: dict[str, str] = field(default_factory=dict)
    """Ids read as another rep's (``'r001'`` -> ``'R001'``), for pseudonyms to cover both."""

    def summary(self) -> pd.DataFrame:
        """One row per table: ``table, file, rows_read, rows_used, rows_rejected, rows_flagged``."""
        cols = ["table", "file", "rows_read", "rows_used", "rows_rejected", "rows_flagged"]
        return pd.DataFrame([vars(t) for t in self.tables.values()], columns=cols)

    def reasons(self) -> pd.DataFrame:
        """Rejected rows counted by table and reason (most frequent first)."""
        return _count_reasons(self.rejects)

    def flag_reasons(self) -> pd.DataFrame:
        """Flagged rows counted by table and flag (most frequent first)."""
        return _count_reasons(self.flags)

    def lines(self) -> list[str]:
        """Plain-language summary lines, as the command line prints them."""
        out = []
        for t in self.tables.values():
            line = f"{t.file}: read {t.rows_read} rows, used {t.rows_used}"
            if t.rows_rejected:
                line += f", rejected {t.rows_rejected} of {t.rows_read}"
                reasons = self.reasons()
                reasons = reasons[reasons.table == t.table]
                parts = [f"{r.rows} {r.reason}" for r in reasons.head(4).itertuples()]
                line += f" ({'; '.join(parts)}{'; ...' if len(reasons) > 4 else ''})"
            if t.rows_flagged:
                flags = self.flag_reasons()
                flags = flags[flags.table == t.table]
                parts = [f"{r.rows} {r.reason}" for r in flags.head(4).itertuples()]
                line += (f", flagged {t.rows_flagged} kept row(s) ({'; '.join(parts)}"
                         f"{'; ...' if len(flags) > 4 else ''})")
            out.append(line)
        out.extend(f"warning: {w}" for w in self.warnings)
        out.extend(f"note: {n}" for n in self.notes)
        return out


_KIND_RULES = (
    (r"\s*\([^()]*\)", ""),                               # (-1.0), (rows 2, 4), (a hint)
    (r": .*$", ""),                                        # amount ... is ambiguous: ...
    (r" '.*'", ""),                                        # the value itself: 'r001', 'post'
    (r"\brows? \d+(?:, \d+)*(?: \.\.\.)?", "another row"),  # duplicate of row 7
    (r"^\d{4}(?:Q\d|-\d\d)\b", "a period"),                 # 2026Q3 only partly covered
)


def reason_kind(reasons: pd.Series) -> pd.Series:
    """The kind of each reason: its words without the values in it, to group rows by.

    Values (quoted cells, numbers in parentheses, row numbers) are left out, so that every
    row with an unknown rep, say, is one group however many ids there are; no cell of the
    data is in a kind. A row with several problems counts under its first.

    >>> reason_kind(pd.Series(["rep_id 'r001' is not in reps", "negative value (-1.0)",
    ...                        "duplicate of row 7 (same rep and period)",
    ...                        "amount '1,250' is ambiguous: a thousands separator?"])).tolist()
    ['rep_id is not in reps', 'negative value', 'duplicate of another row', 'amount is ambiguous']
    """
    kind = reasons.astype(str)
    for i, (pattern, repl) in enumerate(_KIND_RULES):
        kind = kind.str.replace(pattern, repl, regex=True)
        if i == 0:                                           # a row's first problem
            kind = kind.str.split("; ", n=1).str[0]
    return kind.str.strip()


_FIXES: tuple[tuple[str, str], ...] = (
    (r"is not a date$", "write the date as YYYY-MM-DD (e.g. 2026-03-31)"),
    (r"looks like an Excel serial date number$", "format the column as a date in Excel before "
                                                 "exporting (or write YYYY-MM-DD)"),
    (r"is not a number$", "write a plain number (12, 0.5; in a semicolon-delimited file 0,5), "
                          "or leave the cell empty if it is not known"),
    (r"^missing ", "fill in the cell, or remove the row if it is not known"),
    (r"^negative ", "counts cannot be negative: correct the value, or remove the row"),
    (r"must be above 0$", "give the period's quota as an amount above 0, or remove the row"),
    (r" (?:below|above) -?[\d.]+$", "correct the value: it is outside the range the column "
                                    "allows (see data/README.md)"),
    (r"^empty ", "fill in the cell, or remove the row"),
    (r"^unknown metric$", "use a metric name of data/README.md (the reason suggests the closest); "
                          "rows of other metrics can be removed"),
    (r"^a level must be within 0\.\.1$", "write profile_completeness as a share from 0 to 1 "
                                         "(0.85 for 85%); a whole column written 0-100 is read "
                                         "as percentages"),
    (r"must be finite$", "replace inf with the real value, or remove the row"),
    (r"^value above the ceiling", "one row cannot hold more than 10,000,000: check the unit "
                                  "and that the column holds counts, not ids or timestamps"),
    (r"in the future$", "correct the date (often a typo in the year); things that happened "
                        "cannot be dated after today"),
    (r"before LinkedIn existed$", "correct the date; a placeholder such as 1900-01-01 means "
                                  "unknown: remove the row"),
    (r"^rep_id is not in reps$", "add the rep to reps, or correct the id so it matches reps "
                                 "exactly"),
    (r"^owner matches no rep$", "add a crm_owner column to reps naming each rep as the CRM "
                                "does, or add the missing reps"),
    (r"^duplicate of another row$", "remove the repeated row"),
    (r"overlaps another of the same rep$", "give each rep one period per day: correct the "
                                           "dates, or remove the wrong row"),
    (r"^period_end is before period_start$", "correct the dates (are they swapped?)"),
    (r"^unknown stage$", "add the stage to the mapping's [stages] won, lost or open lists "
                         "(see data/README.md)"),
    (r"^(?:amount|\w+) is ambiguous$", "write the number without a thousands separator "
                                       "(12500), or with one decimal mark throughout the column"),
    (r"^amount (?:is not an amount|has two different currencies)$",
     "write the amount as a number, optionally with one currency mark ($1,200.50)"),
    (r"^amount in [A-Z]{3} while", "convert the amounts to one currency, or export one"),
    (r"without an amount$", "fill in the deal's amount"),
    (r"without a close_date$", "fill in the close date of the closed opportunity"),
    (r"repeats with different values$", "keep the right copy of the opportunity and remove "
                                        "the others"),
    (r"^unknown field$", "name the field in a mapping file's [ssi_fields] (see data/README.md)"),
    (r"^different values for ", "keep the right value of the snapshot and remove the others"),
    (r"^snapshot ", "complete the snapshot (ssi and every pillar, within range), or remove it"),
    (r"only partly covered by quota rows$", "add quota rows for the rest of the period, or "
                                            "run without --outcome-period"),
    (r"spans more than one ", "give one quota row per month (or quarter)"),
    (r" is marked [A-Z]{3} but the currency column says ", "make the amount's mark and the "
                                                            "currency column agree"),
)
"""What to do about each kind of rejected row (first match wins), as ``validate`` prints it."""


def fix_for(kind: str) -> str:
    """What to do about a kind of rejected row (a :func:`reason_kind`).

    >>> fix_for("rep_id is not in reps")
    'add the rep to reps, or correct the id so it matches reps exactly'
    """
    for pattern, fix in _FIXES:
        if re.search(pattern, kind):
            return fix
    return "correct the rows in the source, or remove them (see data/README.md)"


def _count_reasons(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of a rejects/flags frame counted by table and kind of reason."""
    if rows.empty:
        return pd.DataFrame(columns=["table", "reason", "rows"])
    kind = reason_kind(rows["reason"])
    out = (rows.assign(reason=kind).groupby(["table", "reason"], sort=True)
           .size().rename("rows").reset_index())
    return out.sort_values(["table", "rows"], ascending=[True, False], kind="stable")


@dataclass
class Bundle:
    """The validated tables of a data folder, plus the quality report.

    ``activity`` is always in long form: ``rep_id, date, metric, value`` (dates are midnight
    timestamps; ids and metric names are text, as categoricals: a few bytes a row).
    ``outcomes`` and ``ssi_observed`` are ``None`` when absent. When the folder holds
    ``opportunities`` and ``quotas`` instead of ``outcomes``, ``outcomes`` is derived from them (:func:`ssi_analysis.crm.derive_outcomes`); ``opportunities`` and
    ``quotas`` are the validated tables it came from and ``crm`` what the derivation left out.
    """

    reps: pd.DataFrame
    activity: pd.DataFrame
    outcomes: pd.DataFrame | None = None
    ssi_observed: pd.DataFrame | None = None
    quality: QualityReport = field(default_factory=QualityReport)
    folder: Path | None = None
    files: dict[str, Path] = field(default_factory=dict)
    opportunities: pd.DataFrame | None = None
    quotas: pd.DataFrame | None = None
    crm: crm.CRMOutcomes | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, by name."""
        return {n: t for n in ("reps", "activity", "outcomes", "ssi_observed", "opportunities",
                               "quotas") if (t := getattr(self, n)) is not None}


def example_data_dir() -> Path:
    """The bundled example data folder (simulated, with known truth in ``truth.json``)."""
    return Path(str(resources.files("ssi_analysis").joinpath("data", "example")))


def resolve_data_dir(data: str | Path) -> Path:
    """``'example'`` means the bundled example; anything else is a folder path."""
    if str(data) == "example" and not Path("example").exists():
        return example_data_dir()
    return Path(data)


# ------------------------------------------------------------------ reading raw files
def _normalise_name(name: object) -> str:
    text = str(name).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-/.]+", "_", text).strip("_")


def _sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@dataclass
class RawTable:
    """A file read as text cells (csv) or native cells (parquet, xlsx), columns normalised."""

    frame: pd.DataFrame
    file: str
    row_offset: int  # add to the 0-based position to get the row number users see
    decimal: str = "."
    notes: list[str] = field(default_factory=list)


def _decode_csv(data: bytes, name: str, notes: list[str]) -> str:
    """CSV bytes as text: UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode Text", by its
    BOM), else Latin-1, said in a note."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise SSIInputError("the file starts as UTF-16 text but cannot be read as it",
                                file=name, fix="save it again as CSV UTF-8") from None
        notes.append(f"{name}: UTF-16 text (Excel's 'Unicode Text'); read as such")
        return text
    if data.count(b"\x00") > len(data) // 4:
        raise SSIInputError("the file looks like UTF-16 text without a byte-order mark, or "
                            "binary data", file=name, fix="save it again as CSV UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    notes.append(f"{name}: not UTF-8; read as Latin-1 (Windows-1252-like) text")
    return data.decode("latin-1")


def _header_as_written(first_row: pd.Series, columns: pd.Index) -> list:
    """The header cells as the file writes them, where pandas renamed a repeated one."""
    written = ["" if pd.isna(v) else str(v) for v in first_row.tolist()]
    if len(written) != len(columns):
        return list(columns)
    return [w if w.strip() else c for w, c in zip(written, columns, strict=True)]


def _check_workbook(path: Path) -> None:
    """Raise :class:`SSIInputError` when an ``.xlsx`` file is not an Excel workbook, saying what
    it looks like instead (CSV text renamed, an old ``.xls``, another zip archive)."""
    import zipfile

    name = path.name
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head[:4] != b"PK\x03\x04":
        if head[:4] == b"\xd0\xcf\x11\xe0":
            raise SSIInputError("the file is not an .xlsx workbook (it looks like an old Excel "
                                "97-2003 .xls file)", file=name,
                                fix="open it in Excel and save it as .xlsx, or export CSV")
        if head and b"\x00" not in head and _looks_like_text(head):
            raise SSIInputError("the file is not an Excel workbook (it looks like CSV text)",
                                file=name, fix=f"rename it to {path.stem}.csv")
        raise SSIInputError("the file is not an Excel workbook", file=name,
                            fix="export the table again as .xlsx or .csv")
    try:
        with zipfile.ZipFile(path) as zf:
            names = {n.lower() for n in zf.namelist()}
    except (zipfile.BadZipFile, OSError):
        raise SSIInputError("the file is not a valid Excel workbook (a damaged zip archive)",
                            file=name, fix="export the table again as .xlsx or .csv") from None
    if "xl/workbook.xml" not in names:
        raise SSIInputError("the file is not a valid Excel workbook (a zip archive without a "
                            "workbook in it)", file=name,
                            fix="export the table again as .xlsx or .csv")


def _looks_like_text(data: bytes) -> bool:
    """Whether bytes read as text (UTF-8, else Latin-1 without control characters)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\r\n")
    return controls == 0 and sum(c.isprintable() or c in "\t\r\n" for c in text) >= 0.95 * len(text)


_FOOTER_MAX = 20
"""The most lines a report's footer is looked for in."""


def _footer_rows(frame: pd.DataFrame, text: str) -> int:
    """How many rows at the end of a CSV are a report's footer, not data.

    Report exports (Salesforce's) end with lines after the data such as ``"Grand Totals (1198
    records)"``, ``Confidential Information - Do Not Distribute`` and a copyright notice: after
    a blank line, rows whose only non-empty cell is the first. Such rows are a footer when a
    blank line separates them from the data (a data row with only its first cell filled is not
    preceded by one), and the table has more than one column.
    """
    if frame.shape[1] < 2 or len(frame) < 2:
        return 0
    tail = frame.iloc[-min(len(frame) - 1, _FOOTER_MAX):].astype(str)   # a footer is short
    single = (tail.iloc[:, 0].str.strip().ne("")
              & tail.iloc[:, 1:].apply(lambda c: c.str.strip().eq("")).all(axis=1)).to_numpy()
    k = 0                                    # trailing rows with only the first cell filled
    while k < len(single) and single[len(single) - 1 - k]:
        k += 1
    if not k:
        return 0
    below_blank, seen = 0, 0                 # candidate rows below the topmost blank line
    for line in reversed(text[-(1 << 16):].splitlines()):   # the end of the file is enough
        if not line.strip():
            below_blank = seen
            continue
        if seen == k:
            break
        seen += 1
    return below_blank


def read_raw(path: Path, table: str) -> RawTable:
    """Read one file without interpreting any cell. Raises SSIInputError if unreadable/empty."""
    name = path.name
    notes: list[str] = []
    decimal = "."
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            data = path.read_bytes()
            text = _decode_csv(data, name, notes)
            if not text.strip():
                raise SSIInputError("the file is empty", file=name,
                                    fix=f"export the {table} table again, with a header row")
            sep = _sniff_delimiter(text)
            if sep == ";":
                decimal = ","
                notes.append(f"{name}: semicolon-delimited; numbers read with decimal comma")
            frame = pd.read_csv(_io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                                na_filter=False, skip_blank_lines=True)
            # pandas renames a repeated header ('team', 'team.1'): keep the names as written
            frame.columns = _header_as_written(
                pd.read_csv(_io.StringIO(text), sep=sep, header=None, nrows=1, dtype=str,
                            keep_default_na=False, na_filter=False).iloc[0], frame.columns)
            footer = _footer_rows(frame, text)
            if footer:
                frame = frame.iloc[:-footer]
                notes.append(f"{name}: {footer} footer line(s) after the data skipped (a report "
                             "export's totals and notices, not data rows)")
            offset = 2
        elif suffix == ".parquet":
            frame = _read_parquet(path, table)
            offset = 1
        elif suffix == ".xlsx":
            _check_workbook(path)
            sheets = pd.read_excel(path, sheet_name=None, dtype=object)
            nonempty = {k: v for k, v in sheets.items() if not v.dropna(how="all").empty}
            chosen = next((k for k in sheets if _normalise_name(k) == table), None)
            if chosen is None:
                if not nonempty:
                    raise SSIInputError("the workbook has no data", file=name)
                # the first sheet with the table's required columns, else the first with data
                need = set(TABLES[table].required) if table in TABLES else set()
                fits = [k for k, v in nonempty.items()
                        if need <= {_normalise_name(c) for c in v.columns}]
                chosen = (fits or list(nonempty))[0]
                if len(sheets) > 1:
                    why = f" (it has the {table} columns)" if fits and need else ""
                    notes.append(f"{name}: {len(sheets)} sheets and none named '{table}'; "
                                 f"read sheet '{chosen}'{why}")
            frame = sheets[chosen]
            if not frame.columns.empty:
                frame.columns = _header_as_written(
                    pd.read_excel(path, sheet_name=chosen, header=None, nrows=1,
                                  dtype=object).iloc[0], frame.columns)
            offset = 2
        else:  # pragma: no cover - callers only pass known suffixes
            raise SSIInputError(f"unsupported file type '{suffix}'", file=name)
    except SSIError:
        raise
    except (ValueError, OSError, ImportError, pd.errors.ParserError, KeyError) as exc:
        raise SSIInputError(f"cannot read the file ({type(exc).__name__}: {exc})".strip(),
                            file=name, fix="check that it is a valid, uncorrupted "
                            f"{suffix.lstrip('.').upper()} file") from None
    except Exception as exc:  # pyarrow/openpyxl raise their own types for corrupt files
        raise SSIInputError(f"cannot read the file ({type(exc).__name__})", file=name,
                            fix="check that it is a valid, uncorrupted file") from None
    frame = frame.copy() if suffix != ".parquet" else frame  # a Parquet frame is already ours
    frame.columns = [_normalise_name(c) for c in frame.columns]
    dupes = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if dupes:
        raise SSIInputError(f"column names repeat: {', '.join(dupes)}", file=name,
                            fix="give every column a distinct name")
    frame = frame.dropna(how="all") if suffix == ".xlsx" else frame
    if frame.empty:
        spec = TABLES.get(table)
        odd = suffix == ".csv" and spec is not None and not set(spec.required) & set(frame.columns)
        raise SSIInputError("the file has a header but no rows"
                            + (" (and its one line names none of the table's columns: the file "
                               "may not be CSV text)" if odd else ""), file=name,
                            fix=f"export the {table} table again with its data"
                            + (" as CSV" if odd else ""))
    frame = frame.reset_index(drop=True)
    return RawTable(frame, name, offset, decimal, notes)


_CATEGORICAL_TABLES = frozenset({"activity"})
"""Tables read from Parquet with text columns as categoricals: millions of rows, few values."""


class _Prefetch:
    """Reads a large Parquet activity file in a thread (pyarrow works without the GIL), so the
    read overlaps loading the small tables; :meth:`take` hands it over (or ``None``)."""

    def __init__(self, path: Path):
        self.path, self._result, self._thread = path, None, None
        if path.is_file():
            self._thread = threading.Thread(target=self._read, daemon=True)
            self._thread.start()

    def _read(self) -> None:
        try:
            self._result = read_raw(self.path, "activity")
        except BaseException as exc:  # raised again in the caller's thread by take()
            self._result = exc

    def take(self, path: Path) -> RawTable | None:
        if self._thread is None or path != self.path:
            return None
        self._thread.join()
        self._thread = None
        result, self._result = self._result, None
        if isinstance(result, BaseException):
            raise result
        return result


def _read_parquet(path: Path, table: str) -> pd.DataFrame:
    """A Parquet file as a frame; for the large tables text as categoricals, dates as datetime64.

    Parsing then works on each distinct id, metric name and date once (:func:`_distinct`), and
    no Python object is made per cell. The values are those ``pd.read_parquet`` gives.
    """
    if table not in _CATEGORICAL_TABLES:
        return pd.read_parquet(path)
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    # one dictionary per column (not per row group), so the conversion is a cheap copy
    data = pq.read_table(path, read_dictionary=text).unify_dictionaries().combine_chunks()
    frame = data.to_pandas(date_as_object=False)
    del data
    pa.default_memory_pool().release_unused()  # give the file's buffers back, not keep them
    return frame


# ------------------------------------------------------------------ typing cells
def _is_missing(s: pd.Series) -> pd.Series:
    text = s.astype("string").str.strip().str.lower()
    return s.isna() | text.isin(MISSING_TOKENS).fillna(True)


def _distinct(s: pd.Series) -> tuple[np.ndarray, pd.Series] | None:
    """``(codes, values)`` with ``s == values[codes]``: a column's distinct values, missing last.

    Large columns repeat few values (ids, metric names, dates), so parsing each distinct value
    once and taking the results by code gives the cell-by-cell result in a fraction of the time.
    ``None`` (parse cell by cell) for object columns of mixed Python types, where ``True == 1``
    would make two cells that parse differently one value, and where few values repeat.
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes, values = s.cat.codes.to_numpy(), pd.Series(s.cat.categories)
    else:
        if s.dtype == object:
            if pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty"):
                return None
        elif not (pd.api.types.is_string_dtype(s) or pd.api.types.is_numeric_dtype(s)
                  or pd.api.types.is_datetime64_any_dtype(s)):
            return None
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        if 2 * len(uniques) > len(s):
            return None
        values = pd.Series(uniques, dtype=s.dtype)
    missing = codes < 0
    if not missing.any():
        return codes, values
    if values.dtype.kind in "biu":            # these types hold no missing value
        values = values.astype(object)
    codes = np.where(missing, len(values), codes)  # missing cells: an NA appended last
    na = pd.Series([None], dtype=values.dtype)
    return codes, pd.concat([values, na], ignore_index=True)


def _take(parsed: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(parsed.to_numpy()[codes], index=index, dtype=parsed.dtype, copy=False)


def _recode(s: pd.Series, parsed: pd.Series) -> pd.Series:
    """A categorical ``s`` whose categories parse to ``parsed`` (text or ``None``, one per
    category), as a categorical of the parsed text; missing stays missing."""
    parsed = parsed.astype(object)
    if parsed.notna().all() and parsed.is_unique:  # a renaming: the codes stay as they are
        return s.cat.rename_categories(pd.Index(parsed.to_numpy(), dtype=object))
    new_codes, cats = pd.factorize(parsed, use_na_sentinel=True)
    lut = np.append(new_codes, -1)                       # code -1 (missing) stays -1
    cat = pd.Categorical.from_codes(lut[s.cat.codes.to_numpy()], pd.Index(cats, dtype=object))
    return pd.Series(cat, index=s.index)


def parse_ids(s: pd.Series) -> pd.Series:
    """Ids as trimmed text; numbers stored as floats (``12.0``) become ``'12'``; missing -> NA.

    A categorical column stays categorical (its categories parsed); any other gives Python
    strings and ``None``.

    >>> parse_ids(pd.Series([" 007 ", 12.0, "n/a", None])).tolist()
    ['007', '12', None, None]
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        return _recode(s, _parse_id_cells(pd.Series(s.cat.categories)))
    found = _distinct(s)
    if found is None:
        return _parse_id_cells(s)
    codes, values = found
    return _take(_parse_id_cells(values), codes, s.index)


def _parse_id_cells(s: pd.Series) -> pd.Series:
    def one(v: object) -> object:
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return v
    out = s.map(one).astype("string").str.strip()
    return out.mask(_is_missing(s)).astype(object).where(lambda x: x.notna(), None)


def parse_numbers(s: pd.Series, decimal: str = ".") -> tuple[pd.Series, pd.Series]:
    """Numbers from cells; returns ``(values, unparseable)`` with missing cells as NaN (not bad).

    ``decimal='.'`` (a comma-delimited CSV): plain numbers (``1.5``, ``-2``, ``1e3``).
    ``decimal=','`` (a semicolon-delimited CSV, as European exports write): numbers with
    separators are read by the rule of :func:`parse_amounts` (``1.234,5`` and ``12,5``;
    ``1.5`` is 1.5), and a single separator before exactly three digits (``20.998``) takes the
    decimal mark the column's other values show, else the file's comma (``20.998`` = 20998);
    in a column showing both marks it is ambiguous and not a number.

    >>> v, bad = parse_numbers(pd.Series(["1.5", " 2 ", "", "lots"]))
    >>> v.tolist()[:3], bad.tolist()
    ([1.5, 2.0, nan], [False, False, False, True])
    >>> parse_numbers(pd.Series(["20.998", "6.4", "10.25"]), ",")[0].tolist()
    [20.998, 6.4, 10.25]
    >>> parse_numbers(pd.Series(["20.998", "6.4", "1.234,5"]), ",")[0].tolist()  # both marks
    [nan, 6.4, 1234.5]
    >>> parse_numbers(pd.Series(["20,998", "6,4", "1.234,5", "1.250"]), ",")[0].tolist()
    [20.998, 6.4, 1234.5, 1250.0]
    """
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        values = s.astype(float)
        return values, pd.Series(False, index=s.index)
    found = _distinct(s)
    if found is None:
        return _parse_number_cells(s, decimal)
    codes, distinct = found
    # the separator rule weighs which marks the column shows, not how often: the distinct
    # values show what every cell shows
    values, bad = _parse_number_cells(distinct, decimal)
    return _take(values, codes, s.index), _take(bad, codes, s.index)


_SIGNED_NUMBER = re.compile(r"^(?P<sign>[-−+])?\s*(?P<num>\d(?:[\d.,' ’]*\d)?)$")


def _parse_number_cells(s: pd.Series, decimal: str) -> tuple[pd.Series, pd.Series]:
    missing = _is_missing(s)
    text = s.astype("string").str.strip()
    if decimal == ",":
        clean = text.where(~missing).str.replace(r"[\u00a0\u202f\u2009]", " ", regex=True)
        parts = clean.str.extract(_SIGNED_NUMBER)
        shaped = parts["num"].notna()
        values = pd.Series(np.nan, index=s.index, dtype=float)
        if shaped.any():
            read, _, _ = _separated_numbers(parts["num"][shaped], decimal)
            negative = parts["sign"][shaped].isin(["-", "−"]).to_numpy()
            values[shaped] = np.where(negative, -read.to_numpy(), read.to_numpy())
        other = ~shaped & ~missing          # 1e3, inf ...: read as written, comma as the mark
        if other.any():
            values[other] = pd.to_numeric(text[other].str.replace(",", ".", regex=False),
                                          errors="coerce").astype(float)
    else:
        values = pd.to_numeric(text.where(~missing), errors="coerce").astype(float)
    bad = values.isna() & ~missing
    return values, bad


_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}")
_DAY_FIRST = ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
_MONTH_FIRST = ("%m/%d/%Y",)


def parse_dates(s: pd.Series, *, file: str = "", column: str = "") -> tuple[pd.Series, pd.Series]:
    """Calendar dates from cells; returns ``(dates, unparseable)``.

    ISO dates (``2026-03-31``, with or without a time or offset) keep the calendar date written,
    i.e. a timestamp's local date. Other formats (``31/03/2026``, ``03/31/2026``, ``31.03.2026``)
    are accepted when the column is unambiguous; a column whose every value reads both
    day-first and month-first raises :class:`SSIInputError` rather than guessing.

    >>> d, bad = parse_dates(pd.Series(["2026-03-31T23:30:00+02:00", "31/03/2026", "soon"]))
    >>> d.dt.strftime("%Y-%m-%d").tolist()[:2], bad.tolist()
    (['2026-03-31', '2026-03-31'], [False, False, True])
    """
    if pd.api.types.is_datetime64_any_dtype(s):
        values = s.dt.tz_localize(None) if s.dt.tz is not None else s
        if not _all_midnight(values.to_numpy()):
            values = values.dt.normalize()
        out = _ns(values)
        return out, pd.Series(out.isna().to_numpy() & values.notna().to_numpy(), index=s.index)
    found = _distinct(s)
    if found is None:
        return _parse_date_cells(s, np.ones(len(s), dtype=np.int64), file=file, column=column)
    codes, distinct = found
    # each distinct value weighs as many cells as hold it: the day-first / month-first
    # choice counts cells, as cell-by-cell parsing does
    weights = np.bincount(codes, minlength=len(distinct))
    dates, bad = _parse_date_cells(distinct, weights, file=file, column=column)
    return _take(dates, codes, s.index), _take(bad, codes, s.index)


def _ns(values: pd.Series) -> pd.Series:
    """Dates as ``datetime64[ns]``; a date beyond what that holds (before 1677-09-22 or after
    2262-04-11, such as the placeholder 9999-12-31) is not a date (NaT)."""
    arr = values.to_numpy()
    if arr.dtype == np.dtype("datetime64[ns]"):
        return pd.Series(arr, index=values.index, copy=False)
    if arr.dtype.kind != "M":
        arr = np.asarray(arr, dtype="datetime64[us]")
    lo = np.datetime64("1677-09-22").astype(arr.dtype)
    hi = np.datetime64("2262-04-11").astype(arr.dtype)
    ticks = arr.view(np.int64)
    if len(ticks) and lo.view(np.int64) <= ticks.min() and ticks.max() <= hi.view(np.int64):
        return pd.Series(arr.astype("datetime64[ns]"), index=values.index)  # all within (no NaT)
    ok = (arr >= lo) & (arr <= hi)
    out = np.where(ok, arr, np.datetime64("NaT")).astype("datetime64[ns]")
    return pd.Series(out, index=values.index)


def _all_midnight(times: np.ndarray) -> bool:
    """Whether every non-missing ``datetime64`` value is at midnight (dates read from Parquet are:
    then there is nothing to normalise)."""
    unit, step = np.datetime_data(times.dtype)
    per_day = {"D": 1, "h": 24, "m": 1440, "s": 86_400, "ms": 86_400_000,
               "us": 86_400_000_000, "ns": 86_400_000_000_000}.get(unit)
    if per_day is None or per_day % step:
        return False
    ticks, per = times.view(np.int64), per_day // step
    for start in range(0, len(ticks), 1 << 20):        # in blocks: no array as large as the input
        block = ticks[start:start + (1 << 20)]
        rest = block % per
        if rest.any() and rest[block != np.iinfo(np.int64).min].any():  # NaT: the smallest int
            return False
    return True


def _parse_date_cells(s: pd.Series, weights: np.ndarray, *, file: str,
                      column: str) -> tuple[pd.Series, pd.Series]:
    missing = _is_missing(s)
    as_obj = s.where(~missing)
    is_ts = as_obj.map(lambda v: isinstance(v, pd.Timestamp | np.datetime64) or
                       hasattr(v, "year")).fillna(False).astype(bool)
    text = as_obj.astype("string").str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if is_ts.any():
        out[is_ts] = _ns(pd.to_datetime(as_obj[is_ts].map(
            lambda v: pd.Timestamp(v).tz_localize(None) if pd.Timestamp(v).tzinfo
            else pd.Timestamp(v))).dt.normalize())
    iso = text.str.match(_ISO).fillna(False).astype(bool) & ~is_ts
    if iso.any():
        out[iso] = _ns(pd.to_datetime(text[iso].str.extract(r"^(\d{4}-\d{1,2}-\d{1,2})")[0],
                                      format="%Y-%m-%d", errors="coerce"))
    rest = ~iso & ~is_ts & ~missing & (weights > 0)
    if rest.any():
        vals = text[rest]
        w = weights[rest.to_numpy()]

        def attempt(fmts: tuple[str, ...]) -> pd.Series:
            res = pd.Series(pd.NaT, index=vals.index, dtype="datetime64[ns]")
            for fmt in fmts:
                res = res.fillna(_ns(pd.to_datetime(vals, format=fmt, errors="coerce")))
            return res

        day_first, month_first = attempt(_DAY_FIRST), attempt(_MONTH_FIRST)
        n_day, n_month = w[day_first.notna()].sum(), w[month_first.notna()].sum()
        slash = vals.str.contains("/", regex=False)
        ambiguous = (day_first.notna() & month_first.notna() & (day_first != month_first))
        if ambiguous.any() and n_day == n_month and slash.all():
            raise SSIInputError(
                f"dates such as '{vals[ambiguous].iloc[0]}' read both as day/month and "
                "month/day, and no value in the column settles which", file=file, column=column,
                fix="write dates as YYYY-MM-DD (ISO 8601)")
        out[rest] = day_first if n_day >= n_month else month_first
    bad = out.isna() & ~missing & (weights > 0)
    return out, bad


EXCEL_EPOCH = pd.Timestamp("1899-12-30")
"""Day 0 of Excel's serial date numbers (``46113`` is 2026-04-01)."""
EXCEL_SERIALS = (32874, 73050)
"""The serial numbers said to look like Excel dates: 1990-01-01 to 2099-12-31."""
EXCEL_SERIAL_TEXT = r"\d{5}(\.\d+)?"
"""How a serial date number is written (a time of day is a fraction)."""


def date_reasons(cells: pd.Series, col: str) -> pd.Series:
    """Why each cell of ``col`` is not a date: a number that reads as an Excel serial date (a
    date column exported as General, not Date) is said to be one, with the date it stands for;
    any other cell is not a date.

    >>> date_reasons(pd.Series(["46113", "someday"]), "date").tolist()
    ["date '46113' looks like an Excel serial date number (46113 = 2026-04-01)", 'date is not a date']
    """
    reasons = pd.Series(f"{col} is not a date", index=cells.index, dtype=object)
    text = cells.astype(str).str.strip()
    shaped = text.str.fullmatch(EXCEL_SERIAL_TEXT).fillna(False).astype(bool)
    if shaped.any():
        serial = np.floor(text[shaped].astype(float))
        lo, hi = EXCEL_SERIALS
        ok = serial.between(lo, hi)
        if ok.any():
            n = serial[ok].astype(np.int64)
            day = (EXCEL_EPOCH + pd.to_timedelta(n, unit="D")).dt.strftime("%Y-%m-%d")
            reasons[n.index] = (f"{col} '" + text[n.index] + "' looks like an Excel serial date "
                                "number (" + n.astype(str) + " = " + day + ")")
    return reasons


CURRENCY_SYMBOLS: dict[str, str] = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP",
                                    "¥": "JPY", "₹": "INR"}
"""Currency symbols read in amounts, and the code each is taken for (for the one-currency check;
amounts are never converted)."""

_CUR = r"US\$|[$€£¥₹]|[A-Z]{3}"
_AMOUNT_TEXT = re.compile(
    rf"^(?P<po>\()?\s*(?P<s1>[-−+])?\s*(?P<c1>{_CUR})?\s*(?P<s2>[-−+])?\s*"
    rf"(?P<num>\d(?:[\d.,' ’]*\d)?)\s*(?P<c2>{_CUR})?\s*(?P<s3>-)?\s*(?P<pc>\))?$")
_AMOUNT_FORMS = {  # number part -> how to read it
    "int": r"\d+",
    "spaced": r"\d{1,3}(?:[ '’]\d{3})+(?:[.,]\d+)?",   # 1 234,50  1'234.50
    "single_ambiguous": r"[1-9]\d{0,2}[.,]\d{3}",       # 1,234 or 1.234: grouping or decimal?
    "single": r"\d+[.,]\d+",                            # 12,5  1234.50  0.125
    "comma_groups": r"\d{1,3}(?:,\d{3})+(?:\.\d+)?",    # 1,234,567  1,234.50
    "dot_groups": r"\d{1,3}(?:\.\d{3})+(?:,\d+)?",      # 1.234.567  1.234,50
}


def _separated_numbers(num: pd.Series, decimal: str | None, *, money: bool = False
                       ) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Read number texts (digits and separators, no sign or currency) by the separator rule.

    The rule of :func:`parse_amounts` (and of :func:`parse_numbers` in decimal-comma files):
    the last of two different separators is the decimal mark, a repeated one or a space or
    apostrophe groups thousands, a single one not followed by exactly three digits is the
    decimal mark, and a single one followed by exactly three digits (``1,234``, ``20.998``) is
    read with the decimal mark the column's other values show, else with the file's
    ``decimal``. When the column shows both marks, or neither and the file tells none, it is
    ambiguous. With ``money=True`` the mark settles only the grouping reading (``1,500``
    where the decimal mark is a point is 1500): money is not written to three decimals, so
    ``43.000`` where the decimal mark is a point stays ambiguous (43 or 43000?).
    Returns ``(value, form, sep)``: ``value`` NaN where not read, ``form`` the shape
    (``None``: not a number, ``'single_ambiguous'``: ambiguous) and ``sep`` the first separator.
    """
    form = pd.Series(None, index=num.index, dtype=object)
    for name, pattern in _AMOUNT_FORMS.items():
        hit = form.isna() & num.str.fullmatch(pattern).fillna(False).astype(bool)
        form[hit] = name
    sep = num.str.extract(r"([.,])", expand=False)
    # which decimal mark each value shows (the evidence for the ambiguous ones)
    shows = pd.Series(None, index=num.index, dtype=object)
    shows[form.eq("single") | (form.eq("spaced") & sep.notna())] = sep
    shows[form.eq("comma_groups")] = "."
    shows[form.eq("dot_groups")] = ","
    seen = set(shows.dropna())
    mark = seen.pop() if len(seen) == 1 else (decimal if not seen else None)
    ambiguous = form.eq("single_ambiguous")
    if mark is not None and ambiguous.any():
        if not money:
            form[ambiguous & sep.eq(mark)] = "single"
        form[ambiguous & sep.ne(mark)] = "grouped"
    body = num.copy()
    as_decimal = form.isin(["single", "spaced"])
    body[as_decimal] = num[as_decimal].str.replace(r"[ '’]", "", regex=True).str.replace(
        ",", ".", regex=False)
    body[form.eq("grouped")] = num[form.eq("grouped")].str.replace(r"[.,]", "", regex=True)
    body[form.eq("comma_groups")] = num[form.eq("comma_groups")].str.replace(",", "",
                                                                             regex=False)
    body[form.eq("dot_groups")] = num[form.eq("dot_groups")].str.replace(
        ".", "", regex=False).str.replace(",", ".", regex=False)
    value = pd.to_numeric(body.where(form.notna() & form.ne("single_ambiguous")),
                          errors="coerce").astype(float)
    return value, form, sep


def _file_decimal(raw: RawTable) -> str | None:
    """The decimal mark a file's format tells: CSV by its delimiter; Excel/Parquet cells: none."""
    return raw.decimal if raw.file.lower().endswith(".csv") else None


def parse_amounts(s: pd.Series, *, decimal: str | None = None) -> pd.DataFrame:
    """Money amounts from cells, with currency marks and thousands separators.

    The rule, for a text cell (numeric cells are taken as they are):

    1. One currency mark may stand before or after the number: a symbol (``$ € £ ¥ ₹``,
       ``US$``) or a three-letter code in capitals (``USD``, ``EUR``...). A sign
       (``-1200``), a trailing minus (``1.200,00-``) or accounting parentheses
       (``(1,200.00)``) make it negative.
    2. The number is read by its separators: ``1,234.50`` and ``1.234,50`` (the last separator
       is the decimal mark, the other groups thousands), ``1 234,50`` and ``1'234.50``
       (spaces or apostrophes group thousands), ``1,234,567`` (a repeated separator groups
       thousands), ``12,5`` / ``1234.50`` (a single separator not followed by exactly three
       digits is the decimal mark).
    3. A single separator followed by exactly three digits (``1,234``, ``12.500``) could be
       either. The decimal mark is the one the column's other values show consistently, else
       the file's (``decimal``: ``','`` for a semicolon-delimited CSV, ``'.'`` for another
       CSV). When the separator is not that mark it groups thousands (``1,500`` with a
       decimal point is 1500, ``1.500`` with a decimal comma is 1500). When it is the mark,
       the amount would have three decimals, which money does not: ``43.000 €`` beside
       ``70000.0`` could be 43 or 43000, so it is **ambiguous** and not read, as it is when
       the column shows both marks, or none and the file tells none (Excel text cells).

    Parameters
    ----------
    s : Series
        The cells.
    decimal : {'.', ',', None}
        The file's decimal mark, if the file format tells it.

    Returns
    -------
    DataFrame
        ``amount`` (float; NaN when missing or not read), ``currency`` (code or ``None``) and
        ``problem`` (why a cell was not read, ``None`` otherwise), indexed like ``s``.

    Examples
    --------
    >>> cells = pd.Series(["$1,234.50", "USD 1 234", "(250.00)", "1.200,00-", "€ 99", ""])
    >>> out = parse_amounts(cells)
    >>> out.amount.tolist()
    [1234.5, 1234.0, -250.0, -1200.0, 99.0, nan]
    >>> out.currency.tolist()
    ['USD', 'USD', None, None, 'EUR', None]

    ``12,500`` is read with the decimal mark the column's other values show; where they show
    none, with the file's; else (both marks, or no mark and no file's) it is ambiguous:

    >>> parse_amounts(pd.Series(["$1,234.50", "12,500"])).amount.tolist()
    [1234.5, 12500.0]
    >>> parse_amounts(pd.Series(["12,500", "7,000 €"]), decimal=".").amount.tolist()
    [12500.0, 7000.0]
    >>> parse_amounts(pd.Series(["12,500", "7,000 €"]), decimal=",").problem[0]
    "amount '12,500' is ambiguous: a thousands separator or a decimal comma? (write 12500 or 12.5)"
    """
    index = s.index
    amount = pd.Series(np.nan, index=index, dtype=float)
    currency = pd.Series(None, index=index, dtype=object)
    problem = pd.Series(None, index=index, dtype=object)
    missing = _is_missing(s)
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        is_num = pd.Series(True, index=index)
    else:
        is_num = s.map(lambda v: isinstance(v, int | float | np.number)
                       and not isinstance(v, bool)).astype(bool)
    num_cells = is_num & ~missing
    if num_cells.any():
        amount[num_cells] = pd.to_numeric(s[num_cells], errors="coerce").astype(float)
    text = s[~is_num & ~missing].astype("string")
    if not text.empty:
        clean = text.str.replace(r"[\u00a0\u202f\u2009]", " ", regex=True).str.strip()
        parts = clean.str.extract(_AMOUNT_TEXT)
        num = parts["num"]
        signs = parts[["s1", "s2", "s3"]].notna().sum(axis=1)
        parens = parts["po"].notna() | parts["pc"].notna()
        both_cur = parts["c1"].notna() & parts["c2"].notna()
        value, form, sep = _separated_numbers(num, decimal, money=True)
        negative = parts["s1"].isin(["-", "−"]) | parts["s2"].isin(["-", "−"]) \
            | parts["s3"].eq("-") | (parts["po"].notna() & parts["pc"].notna())
        value = value.where(~negative.fillna(False).astype(bool), -value)
        cur = parts["c1"].fillna(parts["c2"]).astype(object)
        cur = cur.map(lambda c: CURRENCY_SYMBOLS.get(c, str(c).upper()) if isinstance(c, str)
                      else None)
        bad_shape = (num.isna() | form.isna() | (signs > 1) | (parens & signs.gt(0))
                     | (parts["po"].notna() != parts["pc"].notna())).fillna(True).astype(bool)
        clash = both_cur & (parts["c1"].map(lambda c: CURRENCY_SYMBOLS.get(c, str(c).upper()))
                            != parts["c2"].map(lambda c: CURRENCY_SYMBOLS.get(c, str(c).upper())))
        raw_text = text.astype(str)
        reason = pd.Series(None, index=text.index, dtype=object)
        reason[bad_shape] = "amount '" + raw_text[bad_shape] + "' is not an amount"
        amb = ~bad_shape & form.eq("single_ambiguous")
        if amb.any():
            sep_word = sep[amb].map({",": "comma", ".": "point"})
            reason[amb] = ("amount '" + raw_text[amb] + "' is ambiguous: a thousands separator "
                           "or a decimal " + sep_word + "? (write "
                           + num[amb].str.replace(r"[.,]", "", regex=True) + " or "
                           + num[amb].str.replace(",", ".", regex=False).str.replace(
                               r"\.0+$|(\.\d*?)0+$", r"\1", regex=True) + ")")
        reason[~bad_shape & clash.fillna(False).astype(bool)] = (
            "amount '" + raw_text + "' has two different currencies")
        ok = reason.isna()
        amount[text.index[ok]] = value[ok]
        currency[text.index[ok]] = cur[ok]
        problem[text.index[~ok]] = reason[~ok]
    inf = np.isinf(amount)
    if inf.any():
        problem[inf] = "amount is not finite"
        amount[inf] = np.nan
    return pd.DataFrame({"amount": amount, "currency": _nones(currency),
                         "problem": _nones(problem)})


def _nones(s: pd.Series) -> pd.Series:
    """Text cells as Python objects with ``None`` for missing (not NaN)."""
    return s.astype(object).where(s.notna(), None)


def one_currency(currency: pd.Series, *, what: str = "amount") -> tuple[str | None, pd.Series]:
    """The currency most amounts are in, and why each amount in another one cannot be summed.

    Amounts without a currency are taken to be in the main one (ties between currencies are
    broken alphabetically). Returns ``(main, problems)``; ``problems`` is ``None`` where fine.

    >>> one_currency(pd.Series(["USD", None, "EUR", "USD"]))[1].tolist()
    [None, None, 'amount in EUR while most marked amounts are in USD: convert it, or export one currency', None]
    """
    labels = currency.dropna()
    problems = pd.Series(None, index=currency.index, dtype=object)
    if labels.empty:
        return None, problems
    counts = labels.value_counts()
    main = sorted(counts.index[counts == counts.max()])[0]
    other = currency.notna() & currency.ne(main)
    problems[other] = (f"{what} in " + currency[other].astype(str)
                       + f" while most marked amounts are in {main}: convert it, or export one currency")
    return main, _nones(problems)


# ------------------------------------------------------------------ one table
def _reason_from_check(check: str, column: str | None, value: object) -> str:
    col = column or "row"
    if check == "not_nullable":
        return f"missing {col}"
    if check.startswith("greater_than_or_equal_to(0"):
        return f"negative {col} ({value})"
    if check.startswith("greater_than(0"):
        return f"{col} must be above 0 ({value})"
    if check.startswith("greater_than_or_equal_to"):
        return f"{col} below {check.split('(')[1].rstrip(')')} ({value})"
    if check.startswith("less_than_or_equal_to"):
        return f"{col} above {check.split('(')[1].rstrip(')')} ({value})"
    if check.startswith("isin"):
        return f"unknown {col} '{value}'"
    if check.startswith("str_length"):
        return f"empty {col}"
    if check == CEILING_ERROR:
        return f"{check} ({value})"
    return check


@dataclass
class _Loaded:
    frame: pd.DataFrame           # typed, validated rows; column "_row" = 0-based source position
    rejects: pd.DataFrame
    rows_read: int
    notes: list[str]
    flags: pd.DataFrame | None = None   # kept rows with a flag: _REJECT_COLUMNS + "_row"
    currency: str | None = None         # the one currency of the amounts, when marked
    warnings: list[str] = field(default_factory=list)   # documented repairs made
    id_repairs: dict[str, str] = field(default_factory=dict)  # ids read as another rep's


def _rejects_frame(raw: RawTable, table: str, idx: pd.Index, reasons: pd.Series,
                   rep_ids: pd.Series, column: pd.Series | str | None = None,
                   value: pd.Series | None = None) -> pd.DataFrame:
    return pd.DataFrame({
        "table": table, "file": raw.file,
        "row": (np.asarray(idx, dtype=int) + raw.row_offset),
        "rep_id": rep_ids.reindex(idx).to_numpy(dtype=object),
        "column": column if not isinstance(column, pd.Series) else column.to_numpy(),
        "value": (value.astype(str).to_numpy() if value is not None else None),
        "reason": reasons.to_numpy(dtype=object),
    })


EVENT_DATES: dict[str, tuple[str, ...]] = {"activity": ("date",), "ssi_observed": ("date",),
                                          "opportunities": ("created_date",)}
"""Dates of things that happened (not plans such as quota periods or expected close dates):
they cannot lie in the future, nor before LinkedIn existed."""

LINKEDIN_LAUNCH = pd.Timestamp("2003-05-05")
"""LinkedIn's launch: activity (and a CRM record in an SSI analysis) before it is a typo or a
placeholder (``1900-01-01``, ``1970-01-01``)."""


TODAY_ENV = "SSI_ANALYSIS_TODAY"


def run_day() -> pd.Timestamp:
    """The day of the run: today (the machine's local date), or ``$SSI_ANALYSIS_TODAY``
    (``YYYY-MM-DD``) to pin it, e.g. to re-run an old analysis exactly as it ran. Event dates
    after the next day (a day's grace for time zones) are in the future.

    (Not ``SOURCE_DATE_EPOCH``: a reproducible build pins its own time, often before the data's
    dates, and that must not turn the data's dates into future ones.)

    >>> run_day() == run_day().normalize()
    True
    """
    import datetime as _dt
    import os

    pinned = os.environ.get(TODAY_ENV)
    if pinned:
        try:
            return pd.Timestamp(_dt.date.fromisoformat(pinned.strip()))
        except ValueError:
            raise SSIConfigError(f"{TODAY_ENV} must be a date YYYY-MM-DD, got {pinned!r}",
                                 fix=f"unset {TODAY_ENV} (today is used), or set it to e.g. "
                                     "2026-06-30") from None
    return pd.Timestamp(_dt.date.today())


def date_limits() -> tuple[tuple[pd.Timestamp, str, str], tuple[pd.Timestamp, str, str]]:
    """The bounds of an event date, with the words of the reason of a date beyond each:
    ``((latest, kind, tail), (earliest, kind, tail))``; a reason reads
    ``"<column> <kind> (<date><tail>"``."""
    today = run_day()
    return ((today + pd.Timedelta(days=1), "in the future",
             f", after the day of the run, {today:%Y-%m-%d}: a typo?)"),
            (LINKEDIN_LAUNCH, "before LinkedIn existed",
             f", before LinkedIn's launch on {LINKEDIN_LAUNCH:%Y-%m-%d}: a typo?)"))


def _implausible_dates(dates: pd.Series, col: str) -> list[pd.DataFrame]:
    """Problems for event dates in the future or before LinkedIn existed."""
    (latest, late_kind, late_tail), (earliest, early_kind, early_tail) = date_limits()
    values = dates.to_numpy()
    ticks = values.view(np.int64)       # NaT is the smallest: a min above the earliest has none
    if len(ticks) and earliest.to_datetime64().astype(values.dtype).view(np.int64) <= \
            ticks.min() and ticks.max() <= latest.to_datetime64().astype(values.dtype).view(
            np.int64):
        return []
    with np.errstate(invalid="ignore"):
        late = values > latest.to_datetime64()
        early = values < earliest.to_datetime64()
    out = []
    for mask, kind, tail in ((late, late_kind, late_tail), (early, early_kind, early_tail)):
        if mask.any():
            shown = dates[mask].dt.strftime("%Y-%m-%d")
            out.append(pd.DataFrame({"idx": dates.index[mask], "column": col, "value": shown,
                                     "reason": f"{col} {kind} (" + shown + tail}))
    return out


def _coerce(raw: RawTable, spec: TableSpec, columns: list[str]) -> tuple[pd.DataFrame, list]:
    """Type the known columns; return the typed frame and (index, column, value, reason) rows."""
    df = raw.frame.copy(deep=False)  # columns are replaced, never written into
    problems: list[pd.DataFrame] = []
    for col in columns:
        if col not in df:
            continue
        cell = raw.frame[col]
        if col in spec.ids:
            df[col] = parse_ids(cell)
        elif col in spec.dates:
            df[col], bad = parse_dates(cell, file=raw.file, column=col)
            if bad.any():
                problems.append(pd.DataFrame({"idx": df.index[bad], "column": col,
                                              "value": cell[bad].astype(str),
                                              "reason": date_reasons(cell[bad], col)}))
            if col in EVENT_DATES.get(spec.name, ()):
                problems.extend(_implausible_dates(df[col], col))
        elif col in spec.numbers:
            df[col], bad = parse_numbers(cell, raw.decimal)
            if bad.any():
                problems.append(pd.DataFrame({"idx": df.index[bad], "column": col,
                                              "value": cell[bad].astype(str),
                                              "reason": _number_reasons(cell[bad], col,
                                                                        raw.decimal)}))
    return df, problems


def _number_reasons(cells: pd.Series, col: str, decimal: str) -> pd.Series:
    """Why each cell is not a number: in a decimal-comma file, ``1.250`` in a column that
    writes both marks is ambiguous (said so, with the two readings); else not a number."""
    reasons = pd.Series(f"{col} is not a number", index=cells.index, dtype=object)
    if decimal == ",":
        text = cells.astype(str).str.strip()
        amb = text.str.fullmatch(r"[-+]?[1-9]\d{0,2}[.,]\d{3}").fillna(False).astype(bool)
        if amb.any():
            num = text[amb].str.lstrip("+-")
            reasons[amb] = (f"{col} '" + text[amb] + "' is ambiguous: the column writes both "
                            "decimal marks, so is it " + num.str.replace(r"[.,]", "", regex=True)
                            + " or " + num.str.replace(",", ".", regex=False) + "?")
    return reasons


_ROW_CHECK_COLUMNS = {"a level must be within 0..1": "value",
                      "period_end is before period_start": "period_end",
                      "value must be finite": None}
"""The cell a row-wise check of a schema is about (``None``: the cells that are not finite)."""


def _attribute_row_checks(fc: pd.DataFrame) -> pd.DataFrame:
    """Pandera reports a failed row-wise (DataFrame) check once per column of the row: keep the
    cell the check is about, so a rejected row names that column and its value."""
    table_level = fc["schema_context"].eq("DataFrameSchema")
    if not table_level.any():
        return fc
    check = fc["check"].astype(str)
    preferred = check.map(_ROW_CHECK_COLUMNS)
    not_finite = fc["failure_case"].map(
        lambda v: isinstance(v, float | np.floating) and bool(np.isinf(v))).astype(bool)
    hit = table_level & (preferred.eq(fc["column"]).fillna(False).astype(bool)
                         | (check.isin([k for k, v in _ROW_CHECK_COLUMNS.items() if v is None])
                            & not_finite))
    found = hit.groupby([fc["index"], check]).transform("any")
    return fc[~table_level | hit | ~found]


def _validate(df: pd.DataFrame, schema: type[pa.DataFrameModel]) -> list[pd.DataFrame]:
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        fc = _attribute_row_checks(fc[fc["index"].notna()])
        if fc.empty:
            # table-level problems only (types); surface the first clearly
            first = exc.failure_cases.iloc[0]
            raise SSIInputError(f"{first['check']}: {first['failure_case']}",
                                column=first["column"]) from None
        reasons = [_reason_from_check(str(c), col if isinstance(col, str) else None, v)
                   for c, col, v in zip(fc["check"], fc["column"], fc["failure_case"],
                                        strict=True)]
        return [pd.DataFrame({"idx": fc["index"].astype(int).to_numpy(),
                              "column": fc["column"].to_numpy(),
                              "value": fc["failure_case"].astype(str).to_numpy(),
                              "reason": reasons})]
    return []


def _plain_text(s: pd.Series) -> pd.Series:
    """A categorical text column as Python strings and ``None`` (as the schemas expect)."""
    if not isinstance(s.dtype, pd.CategoricalDtype):
        return s
    cats = np.append(s.cat.categories.to_numpy(dtype=object), None)  # code -1 -> None
    return pd.Series(cats[s.cat.codes.to_numpy()], index=s.index, dtype=object, copy=False)


def _activity_screen_applies() -> bool:
    """Whether :func:`_activity_suspects` screens for every check of ``ActivitySchema``.

    It does for the schema as written (not-null columns, metric in the catalogue, value >= 0
    and within the ceiling, levels within 0..1, finite values). If the schema gains a check, this turns false and every
    row is validated by pandera again, until the screen learns the new check.
    """
    s = TABLES["activity"].schema.to_schema()
    shape = {name: (col.nullable, col.unique, [(c.name, c.statistics) for c in col.checks])
             for name, col in s.columns.items()}
    expected = {
        "rep_id": (False, False, []), "date": (False, False, []),
        "metric": (False, False, [("isin", {"allowed_values": sorted(METRICS)})]),
        "value": (False, False, [("greater_than_or_equal_to", {"min_value": 0}),
                                 ("within_ceiling", {})]),
    }
    return (shape == expected and [c.name for c in s.checks] == ["levels_within_unit", "finite"]
            and not s.unique)


def _activity_suspects(df: pd.DataFrame) -> np.ndarray:
    """Rows that may fail ``ActivitySchema``; every row the schema rejects is among them."""
    v = df["value"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        sure = (df["rep_id"].notna().to_numpy() & df["date"].notna().to_numpy()
                & _isin(df["metric"], METRICS) & np.isfinite(v) & (v >= 0)
                & (v <= VALUE_CEILING) & ~(_isin(df["metric"], LEVEL_METRICS) & (v > 1)))
    return ~sure


def _isin(s: pd.Series, values: object) -> np.ndarray:
    """``s.isin(values)`` as an array; for a categorical, one lookup per category."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        hit = np.append(s.cat.categories.isin(list(values)), False)  # code -1: missing
        return hit[s.cat.codes.to_numpy()]
    return s.isin(list(values)).to_numpy()


def _validate_activity(df: pd.DataFrame) -> list[pd.DataFrame]:
    """``_validate`` against ``ActivitySchema``, fast on millions of rows.

    A vectorised screen finds the rows that can fail; pandera validates those (for the reasons)
    and the column types, instead of every row. Same problems as validating every row.
    """
    schema = TABLES["activity"].schema
    if _activity_screen_applies():
        rows = _activity_suspects(df)
        rows[:1] = True  # and a first row, so that the column types are checked on values
        df = df[rows]
    return _validate(df.assign(**{c: _plain_text(df[c]) for c in df.columns}), schema)


def _collect(raw: RawTable, table: str, df: pd.DataFrame,
             problems: list[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``df`` into kept rows and a rejects frame (one line per rejected source row)."""
    if problems:
        p = pd.concat(problems, ignore_index=True)
        # a missing value reported by pandera after a failed parse is the same problem
        parse_fail = set(zip(p.loc[~p.reason.str.startswith("missing"), "idx"],
                             p.loc[~p.reason.str.startswith("missing"), "column"], strict=True))
        keep = [not (r.startswith("missing") and (i, c) in parse_fail)
                for i, c, r in zip(p.idx, p.column, p.reason, strict=True)]
        p = p[keep].drop_duplicates(["idx", "reason"])
        p = p.sort_values(["idx"], kind="stable")
        first = p.groupby("idx", sort=True).agg(
            column=("column", "first"), value=("value", "first"),
            reason=("reason", lambda r: "; ".join(dict.fromkeys(r))))
        rep_ids = df["rep_id"] if "rep_id" in df else pd.Series(index=df.index, dtype=object)
        rej = _rejects_frame(raw, table, first.index, first["reason"], rep_ids,
                             first["column"], first["value"])
        kept = df.drop(index=first.index)
    else:
        rej = pd.DataFrame(columns=_REJECT_COLUMNS)
        kept = df
    return kept, rej


def _require_columns(raw: RawTable, spec: TableSpec, required: tuple[str, ...]) -> None:
    missing = [c for c in required if c not in raw.frame.columns]
    if missing:
        present = ", ".join(map(str, raw.frame.columns[:12]))
        known = {*spec.required, *spec.ids, *spec.dates, *spec.numbers, *required}
        spare = [c for c in raw.frame.columns if c not in known]  # not already used as such
        hints, rest = [], []
        for m in missing:
            close = difflib.get_close_matches(m, spare, n=1, cutoff=0.5)
            if close:
                hints.append(f"rename '{close[0]}' to '{m}'")
                spare.remove(close[0])
            else:
                rest.append(m)
        if rest:
            hints.append(f"add the column{'s' if len(rest) > 1 else ''} {', '.join(rest)} "
                         f"(see data/README.md for the {spec.name} table)")
        raise SSIInputError(
            f"required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"missing (columns found: {present})", file=raw.file, column=missing[0],
            fix="; ".join(hints))


def _load_generic(raw: RawTable, spec: TableSpec) -> _Loaded:
    _require_columns(raw, spec, spec.required)
    known = [c for c in (*spec.ids, *spec.dates, *spec.numbers) if c in raw.frame]
    df, problems = _coerce(raw, spec, known)
    problems += _validate(df[[c for c in df.columns if c in known or c in spec.required]],
                          spec.schema)
    kept, rej = _collect(raw, spec.name, df, problems)
    return _Loaded(kept.assign(_row=kept.index), rej, len(raw.frame), list(raw.notes))


LABEL_COLUMNS = ("team", "industry", "region")
"""The reps' category labels, by which reps are grouped (ranks, comparisons, controls)."""

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
"""Zero-width characters (and the soft hyphen): invisible, so never meant in a label."""


def _shown_label(label: str) -> str:
    """A label as a message shows it: invisible characters written out (``<U+200B>``)."""
    return _INVISIBLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", label)


def clean_labels(labels: pd.Series, *, file: str, column: str) -> tuple[pd.Series, str | None]:
    """Category labels as one spelling each: spaces around them and zero-width characters
    removed, and labels differing only in letter case read as the most frequent spelling (the
    first in the file on a tie). Returns the labels and the warning of a repair (``None`` when
    nothing changed but spaces around a label, which are trimmed as everywhere).

    >>> out, warning = clean_labels(pd.Series(["Software", "software", "Software\\u200b", None,
    ...                                        "Retail"]), file="reps.csv", column="industry")
    >>> out.tolist()
    ['Software', 'Software', 'Software', None, 'Retail']
    >>> warning
    "reps.csv: 2 industry label(s) written another way were merged: 'software' and 'Software<U+200B>' read as 'Software' (they differ only in letter case or invisible characters; the most frequent spelling is kept: write one spelling in the source to silence this)"
    """
    given = labels.notna()
    if not given.any():
        return labels, None
    text = labels[given].astype(str)
    clean = text.str.replace(_INVISIBLE, "", regex=True).str.strip()
    key = clean.str.casefold()
    counts = (pd.DataFrame({"clean": clean, "key": key, "pos": np.arange(len(clean))})
              .groupby(["key", "clean"], sort=False).agg(n=("pos", "size"), first=("pos", "min"))
              .reset_index().sort_values(["key", "n", "first"], ascending=[True, False, True],
                                         kind="stable"))
    spelling = counts.drop_duplicates("key").set_index("key")["clean"]
    final = key.map(spelling)
    cells = np.full(len(labels), None, dtype=object)
    cells[given.to_numpy()] = final.to_numpy(dtype=object)
    out = pd.Series(cells, index=labels.index, dtype=object, name=labels.name)
    changed = pd.DataFrame({"raw": text.str.strip(), "final": final})
    changed = changed[changed["raw"] != changed["final"]].drop_duplicates("raw")
    if changed.empty:
        return out, None
    parts = []
    for target, grp in changed.groupby("final", sort=True):
        shown = [f"'{_shown_label(r)}'" for r in grp["raw"]]
        names = " and ".join([", ".join(shown[:-1]), shown[-1]]) if len(shown) > 1 else shown[0]
        parts.append(f"{names} read as '{_shown_label(target)}'")
    more = f"; and {len(parts) - 5} more" if len(parts) > 5 else ""
    return out, (f"{file}: {len(changed)} {column} label(s) written another way were merged: "
                 f"{'; '.join(parts[:5])}{more} (they differ only in letter case or invisible "
                 "characters; the most frequent spelling is kept: write one spelling in the "
                 "source to silence this)")


def _load_reps(raw: RawTable) -> _Loaded:
    """``reps``: a row without a usable ``rep_id`` is rejected; a bad cell in another column
    (``tenure_months`` that is not a number, a ``hire_date`` that is not a date) is left empty
    and flagged, and the rep is kept: every rep is scored, and losing a rep with all of its
    activity for an optional cell would lose far more than the cell."""
    spec = TABLES["reps"]
    _require_columns(raw, spec, spec.required)
    known = [c for c in (*spec.ids, *spec.dates, *spec.numbers) if c in raw.frame]
    df, problems = _coerce(raw, spec, known)
    problems += _validate(df[[c for c in df.columns if c in known or c in spec.required]],
                          spec.schema)
    flags = None
    if problems:
        p = pd.concat(problems, ignore_index=True)
        cells = p[p["column"].ne("rep_id") & p["column"].notna()]
        if not cells.empty:
            df = df.copy()
            for col, grp in cells.groupby("column", sort=True):
                df.loc[df.index.isin(grp["idx"]), col] = (pd.NaT if col in spec.dates
                                                          else np.nan if col in spec.numbers
                                                          else None)
            cells = cells.drop_duplicates(["idx", "column"]).assign(
                reason=cells.drop_duplicates(["idx", "column"])["reason"]
                + " (left empty; the rep is kept)")
            flags = _flags_frame(raw, "reps", cells, df["rep_id"])
        problems = [p[~p.index.isin(cells.index)]] if len(cells) < len(p) else []
    kept, rej = _collect(raw, spec.name, df, problems)
    warnings = []
    for col in LABEL_COLUMNS:
        if col in kept:
            labels, warning = clean_labels(kept[col], file=raw.file, column=col)
            kept = kept.assign(**{col: labels})
            if warning:
                warnings.append(warning)
    return _Loaded(kept.assign(_row=kept.index), rej, len(raw.frame), list(raw.notes), flags,
                   warnings=warnings)


PERCENT_SIGN_TEXT = r"\d+(\.\d+)?\s*%"
"""A level written with a percent sign (``85%``): not read (which scale the column is on is
told by its values, not guessed from one cell), said precisely."""
PERCENT_SIGN_HINT = (" (written with a percent sign: write a level as a share from 0 to 1, "
                     "0.85 for 85%)")


def _percent_sign_hints(problems: list[pd.DataFrame], level_rows: pd.Series,
                        cells: pd.Series, *, column: str) -> None:
    """``<column> is not a number`` of a level cell written with a percent sign says so."""
    text = cells.astype(str).str.strip()
    sign = level_rows.to_numpy(dtype=bool) & text.str.fullmatch(PERCENT_SIGN_TEXT).fillna(
        False).to_numpy(dtype=bool)
    if not sign.any():
        return
    rows = set(np.flatnonzero(sign))
    for p in problems:
        hit = (p["column"].eq(column) & p["reason"].eq(f"{column} is not a number")
               & p["idx"].isin(rows))
        if hit.any():
            p.loc[hit, "reason"] = p.loc[hit, "reason"] + PERCENT_SIGN_HINT


def _load_activity(raw: RawTable) -> _Loaded:
    spec = TABLES["activity"]
    _require_columns(raw, spec, spec.required)
    notes = list(raw.notes)
    cols = list(raw.frame.columns)
    long_form = "metric" in cols and "value" in cols
    if long_form:
        _require_columns(raw, spec, ("rep_id", "date", "metric", "value"))
        extra = [c for c in cols if c not in ("rep_id", "date", "metric", "value")]
        if extra:
            notes.append(f"{raw.file}: extra column(s) {', '.join(extra)} not used")
        df, problems = _coerce(raw, spec, ["rep_id", "date", "metric", "value"])
        df["metric"] = _normalise_names(df["metric"])
        _percent_sign_hints(problems, pd.Series(_isin(df["metric"], LEVEL_METRICS)),
                            raw.frame["value"], column="value")
        unknown = sorted(set(pd.unique(df["metric"].dropna())) - set(METRICS))
        if unknown:
            notes.append(f"{raw.file}: unknown metric name(s) {_describe_unknown(unknown)}; "
                         "their rows are rejected (see data/README.md for the metric names)")
        df = df[["rep_id", "date", "metric", "value"]]
        df["_row"] = df.index
    else:
        metric_cols = [c for c in cols if c in METRICS]
        unknown = [c for c in cols if c not in METRICS and c not in ("rep_id", "date")]
        if unknown:
            notes.append(f"{raw.file}: column(s) {_describe_unknown(unknown)} are not known "
                         "metrics and were not used (see data/README.md for the metric names)")
        if not metric_cols:
            raise SSIInputError(
                "no metric columns found: expected long form (rep_id, date, metric, value) or "
                "wide form (rep_id, date, one column per metric)", file=raw.file,
                fix="name the columns after the metrics in data/README.md")
        df, problems = _coerce(raw, TableSpec("activity", spec.schema, (), ("rep_id",),
                                              ("date",), tuple(metric_cols)),
                               ["rep_id", "date", *metric_cols])
        for metric in sorted(LEVEL_METRICS & set(metric_cols)):
            _percent_sign_hints(problems, pd.Series(True, index=raw.frame.index),
                                raw.frame[metric], column=metric)
        wide = df[["rep_id", "date", *metric_cols]].assign(_row=df.index)
        df = wide.melt(id_vars=["rep_id", "date", "_row"], var_name="metric", value_name="value")
        df = df[df["value"].notna()].sort_values(["_row", "metric"], kind="stable")
        df = df[["rep_id", "date", "metric", "value", "_row"]].reset_index(drop=True)
    warnings = _percent_levels(df, raw.file)
    # validate the long rows, then map failures back to source rows
    vdf = df.drop(columns="_row")
    long_problems = _validate_activity(vdf)
    for p in long_problems:
        p["idx"] = df["_row"].to_numpy()[p["idx"].to_numpy()]
        problems.append(p)
    # the source rows with a problem (and their ids, for the rejects list); the rest are kept
    bad = (np.unique(np.concatenate([p["idx"].to_numpy(dtype=np.int64) for p in problems]))
           if problems else np.array([], dtype=np.int64))
    src = pd.DataFrame({"rep_id": _plain_text(parse_ids(raw.frame["rep_id"].iloc[bad]))})
    _, rej = _collect(raw, "activity", src, problems)
    if len(rej):
        rejected = np.zeros(len(raw.frame), dtype=bool)
        rejected[rej["row"].to_numpy(dtype=np.int64) - raw.row_offset] = True
        df = df[~rejected[df["_row"].to_numpy()]]
    return _Loaded(df.reset_index(drop=True), rej, len(raw.frame), notes, warnings=warnings)


def percent_scale(values: np.ndarray) -> bool:
    """Whether a level metric's values are percentages (0-100) rather than shares (0..1).

    They are when every value (finite, not negative: the others are rejected anyway) is within
    0..100, the largest is at least 10, and none lies strictly between 0 and 1. A share like
    0.6 says the column is on the 0..1 scale, and a column whose largest value is below 10
    cannot be percentages of profiles (every one under 10% complete): then a 1.4 is an error,
    rejected, not a percentage.

    >>> percent_scale(np.array([0.0, 60.0, 85.0, 100.0]))
    True
    >>> percent_scale(np.array([0.5, 0.9, 1.4])), percent_scale(np.array([1.4]))
    (False, False)
    """
    v = values[np.isfinite(values) & (values >= 0)]
    return percent_scale_of(v.max() if v.size else None, int(((v > 0) & (v < 1)).sum()))


def percent_scale_of(top: float | None, shares: int) -> bool:
    """:func:`percent_scale` from the largest valid value and the number strictly in (0, 1)."""
    return bool(top is not None and 10 <= top <= 100 and shares == 0)


def _percent_levels(df: pd.DataFrame, file: str) -> list[str]:
    """Levels written as percentages are divided by 100 in place (a documented repair); returns
    the warnings."""
    out = []
    for metric in sorted(LEVEL_METRICS):
        rows = _isin(df["metric"], [metric])
        if not rows.any():
            continue
        v = df["value"].to_numpy(dtype=float)[rows]
        if percent_scale(v):
            scaled = np.where(np.isfinite(v) & (v >= 0), v / 100.0, v)
            df.loc[rows, "value"] = scaled
            out.append(percent_warning(file, metric, v[np.isfinite(v) & (v >= 0)].max(),
                                       int(rows.sum())))
    return out


def percent_warning(file: str, metric: str, top: float, rows: int) -> str:
    """The warning of a level read as percentages (:func:`percent_scale`)."""
    return (f"{file}: {metric} is on a 0-100 scale (values up to {top:g}), not 0..1: read as "
            f"percentages and divided by 100 ({rows} rows; write shares such as 0.85 to "
            "silence this)")


def _normalise_names(s: pd.Series) -> pd.Series:
    """:func:`_normalise_name` of each text cell (missing stays missing), once per distinct value."""
    def one(m: object) -> object:
        return _normalise_name(m) if isinstance(m, str) else None

    if isinstance(s.dtype, pd.CategoricalDtype):
        return _recode(s, pd.Series(s.cat.categories).astype(object).map(one))
    found = _distinct(s)
    if found is None:
        return s.map(one).astype(object)
    codes, values = found
    return _take(values.astype(object).map(one).astype(object), codes, s.index)


def _describe_unknown(names: list[str]) -> str:
    parts = []
    for n in names[:10]:
        close = difflib.get_close_matches(n, list(METRICS), n=1, cutoff=0.75)
        parts.append(f"'{n}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    return ", ".join(parts) + (f" and {len(names) - 10} more" if len(names) > 10 else "")


def _load_observed_json(path: Path) -> RawTable:
    """Flatten LinkedIn's SSI page JSON (one record or a list) into ``ssi_observed`` columns."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SSIInputError(f"cannot read the JSON ({exc})", file=path.name) from None
    records = data if isinstance(data, list) else data.get("records", [data])
    rows = []
    for rec in records:
        if not isinstance(rec, dict):
            rows.append({})
            continue
        member = rec.get("memberScore") or {}
        row = {"rep_id": rec.get("rep_id"), "date": rec.get("date"),
               "ssi": member.get("overall")}
        for sub in member.get("subScores") or []:
            pillar = LINKEDIN_PILLARS.get(str(sub.get("pillar", "")).upper())
            if pillar:
                row[pillar] = sub.get("score")
        for group in rec.get("groupScore") or []:
            kind = str(group.get("groupType", "")).lower()
            if kind in ("industry", "network"):
                row[f"{kind}_rank"] = group.get("rank")
                row[f"{kind}_ssi"] = (group.get("score") or {}).get("overall")
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        raise SSIInputError("the JSON holds no SSI records", file=path.name)
    for col in ("rep_id", "date", "ssi", "brand", "people", "insights", "relationships"):
        if col not in frame:
            frame[col] = None
    return RawTable(frame.astype(object), path.name, 1)


# ------------------------------------------------------------------ the raw shape of outcomes
def _flags_frame(raw: RawTable, table: str, problems: pd.DataFrame,
                 rep_ids: pd.Series | None = None) -> pd.DataFrame:
    """Flag lines (``_REJECT_COLUMNS`` + ``_row``) from ``idx, column, value, reason`` rows."""
    if problems.empty:
        return pd.DataFrame(columns=[*_REJECT_COLUMNS, "_row"])
    idx = pd.Index(problems["idx"].astype(int))
    reps = rep_ids if rep_ids is not None else pd.Series(None, index=idx, dtype=object)
    out = _rejects_frame(raw, table, idx, problems["reason"], reps, problems["column"],
                         problems["value"])
    return out.assign(_row=idx.to_numpy())


def _amount_problems(raw: RawTable, column: str, currency: pd.Series | None = None
                     ) -> tuple[pd.Series, pd.Series, str | None]:
    """Amounts of ``column`` read by :func:`parse_amounts`, per row why not (or ``None``), and
    the column's currency (``None`` when no amount is marked).

    ``currency`` (a mapped currency column) gives each row's currency where present, else the
    amount's own mark; a row whose two disagree, or whose currency is not the main one of the
    column, has a problem.
    """
    parsed = parse_amounts(raw.frame[column], decimal=_file_decimal(raw))
    problem = parsed["problem"]
    cur = parsed["currency"]
    if currency is not None:
        given = currency.map(lambda c: CURRENCY_SYMBOLS.get(c, str(c).strip().upper())
                             if isinstance(c, str) else None)
        clash = given.notna() & cur.notna() & given.ne(cur)
        problem = problem.where(~clash | problem.notna(),
                                f"{column} is marked " + cur.astype(str)
                                + " but the currency column says " + given.astype(str))
        cur = given.where(given.notna(), cur)
    main, other = one_currency(cur.where(problem.isna()), what=column)
    problem = problem.where(problem.notna(), other)
    return parsed["amount"], _nones(problem), main


def _load_opportunities(raw: RawTable, mapping: crm.ColumnMapping | None
                        ) -> tuple[_Loaded, crm.ColumnMapping]:
    """Map a CRM export's columns, type the cells, and apply the stage/amount/date/id rules."""
    spec = TABLES["opportunities"]
    notes = list(raw.notes)
    if mapping is None:
        mapping, note = crm.detect_mapping(list(raw.frame.columns), file=raw.file)
    else:
        note = f"{raw.file}: columns read with the {mapping.name} mapping ({mapping.description})"
    notes.append(note)
    frame, more = crm.apply_mapping(raw.frame, mapping, file=raw.file)
    notes += more
    mraw = RawTable(frame, raw.file, raw.row_offset, raw.decimal)
    df, problems = _coerce(mraw, spec, [c for c in (*spec.ids, *spec.dates) if c in frame])
    amount, amount_problem, main = _amount_problems(
        mraw, "amount", df["currency"] if "currency" in df else None)
    df["amount"] = amount
    schema_cols = [c for c in ("owner", "opportunity_id", "created_date", "close_date", "stage",
                               "amount") if c in df]
    problems += _validate(df[schema_cols], spec.schema)
    kept, rej = _collect(mraw, "opportunities", df, problems)
    rules, flag_rows, status = crm.opportunity_problems(
        kept, mapping, row_offset=raw.row_offset,
        amount_problems=amount_problem.reindex(kept.index),
        amount_text=frame["amount"].reindex(kept.index))
    kept2, rej2 = _collect(mraw, "opportunities", kept, [rules] if not rules.empty else [])
    rejects = pd.concat([r for r in (rej, rej2) if not r.empty], ignore_index=True) \
        if not (rej.empty and rej2.empty) else rej
    # the owner of each rejected row, to name its rep once owners are matched to reps
    rejects["_owner"] = df["owner"].reindex(rejects["row"].to_numpy(dtype=int)
                                            - raw.row_offset).to_numpy(dtype=object)
    out = crm.with_status(kept2, status)
    out.insert(0, "rep_id", None)
    out.loc[out["amount"].notna() & amount_problem.reindex(out.index).notna(), "amount"] = np.nan
    flags = _flags_frame(mraw, "opportunities", flag_rows)
    if main:
        notes.append(f"{raw.file}: amounts are in {main}")
    return (_Loaded(out.assign(_row=out.index), rejects, len(raw.frame), notes, flags, main),
            mapping)


def _load_quotas(raw: RawTable) -> _Loaded:
    """Quota rows: ids and dates as usual, the quota read as an amount (currency marks allowed)."""
    spec = TABLES["quotas"]
    _require_columns(raw, spec, spec.required)
    df, problems = _coerce(raw, spec, ["rep_id", "period_start", "period_end"])
    quota, problem, main = _amount_problems(raw, "quota")
    df["quota"] = quota.where(problem.isna())
    bad = problem.notna()
    if bad.any():
        problems.append(pd.DataFrame({"idx": df.index[bad], "column": "quota",
                                      "value": raw.frame.loc[bad, "quota"].astype(str),
                                      "reason": problem[bad].to_numpy(dtype=object)}))
    problems += _validate(df[["rep_id", "period_start", "period_end", "quota"]], spec.schema)
    kept, rej = _collect(raw, "quotas", df, problems)
    return _Loaded(kept.assign(_row=kept.index), rej, len(raw.frame), list(raw.notes),
                   currency=main)


MONEY_COLUMNS = ("quota", "bookings")
"""The money columns of ``outcomes``, read by the amount rule (:func:`parse_amounts`) as the
quotas' are: ``$20,343.97`` is 20343.97."""


def _load_outcomes(raw: RawTable) -> _Loaded:
    """``outcomes``: ids, dates and counts as usual, ``quota`` and ``bookings`` read as amounts
    (currency marks and thousands separators allowed, one currency)."""
    spec = TABLES["outcomes"]
    _require_columns(raw, spec, spec.required)
    known = [c for c in (*spec.ids, *spec.dates, *spec.numbers) if c in raw.frame]
    df, problems = _coerce(raw, spec, [c for c in known if c not in MONEY_COLUMNS])
    currencies = {}
    for col in MONEY_COLUMNS:
        amount, problem, currencies[col] = _amount_problems(raw, col)
        df[col] = amount.where(problem.isna())
        bad = problem.notna()
        if bad.any():
            problems.append(pd.DataFrame({"idx": df.index[bad], "column": col,
                                          "value": raw.frame.loc[bad, col].astype(str),
                                          "reason": problem[bad].to_numpy(dtype=object)}))
    if currencies["quota"] and currencies["bookings"] and \
            currencies["quota"] != currencies["bookings"]:
        raise SSIInputError(f"bookings are in {currencies['bookings']} but quotas in "
                            f"{currencies['quota']}: attainment would compare different "
                            "currencies", file=raw.file, column="bookings",
                            fix="convert one of them so both are in the same currency")
    problems += _validate(df[[c for c in df.columns if c in known or c in spec.required]],
                          spec.schema)
    kept, rej = _collect(raw, spec.name, df, problems)
    return _Loaded(kept.assign(_row=kept.index), rej, len(raw.frame), list(raw.notes),
                   currency=currencies["quota"] or currencies["bookings"])


_RANK_FIELDS = ("industry_rank", "network_rank")
_OBSERVED_REQUIRED = ("ssi", "brand", "people", "insights", "relationships")


def _rank_text(s: pd.Series) -> pd.Series:
    """``'Top 9%'`` -> ``'9'``: ranks as LinkedIn shows them."""
    if pd.api.types.is_numeric_dtype(s):
        return s
    text = s.astype("string").str.replace(r"(?i)^\s*top\s*|\s*%\s*$", "", regex=True)
    return text.astype(object).where(s.notna(), None)


def _load_observed(raw: RawTable, aliases: dict[str, str]) -> _Loaded:
    """``ssi_observed`` in wide form (one row per snapshot) or long form (one row per field)."""
    if {"field", "value"} <= set(raw.frame.columns):
        return _load_observed_long(raw, aliases)
    frame = raw.frame
    rename = {c: aliases[c] for c in frame.columns
              if c not in TABLES["ssi_observed"].numbers and c in aliases}
    targets = [*rename.values(), *(c for c in frame.columns if c not in rename)]
    clash = sorted({c for c in targets if targets.count(c) > 1})
    if clash:
        held = [k for k, v in rename.items() if v == clash[0]] + \
            ([clash[0]] if clash[0] in frame.columns else [])
        raise SSIInputError(f"columns {', '.join(held)} all hold {clash[0]}", file=raw.file,
                            fix="keep one column per field")
    notes = list(raw.notes)
    if rename:
        notes.append(f"{raw.file}: column(s) read as fields of ssi_observed: "
                     + ", ".join(f"{k} as {v}" for k, v in rename.items()))
    frame = frame.rename(columns=rename)
    for col in _RANK_FIELDS:
        if col in frame:
            frame = frame.assign(**{col: _rank_text(frame[col])})
    ld = _load_generic(RawTable(frame, raw.file, raw.row_offset, raw.decimal, notes),
                       TABLES["ssi_observed"])
    _reject_duplicate_snapshots(ld, raw)
    return ld


def _load_observed_long(raw: RawTable, aliases: dict[str, str]) -> _Loaded:
    """Long form ``rep_id, date, field, value``: fields named by ``aliases``, one snapshot per
    rep and date; a snapshot missing a pillar, or with a value out of range, is rejected whole
    (every one of its rows), so rows read = used + rejected still holds row by row."""
    spec = TABLES["ssi_observed"]
    _require_columns(raw, spec, ("rep_id", "date", "field", "value"))
    notes = list(raw.notes)
    cols = list(raw.frame.columns)
    extra = [c for c in cols if c not in ("rep_id", "date", "field", "value")]
    if extra:
        notes.append(f"{raw.file}: extra column(s) {', '.join(extra)} not used")
    known = set(spec.numbers)
    df, problems = _coerce(raw, TableSpec("ssi_observed", spec.schema, (), ("rep_id",),
                                          ("date",), ()), ["rep_id", "date"])
    names = raw.frame["field"].map(lambda f: _normalise_name(f) if isinstance(f, str) else None)
    df["field"] = names.map(lambda f: f if f in known else aliases.get(f))
    unknown = names.notna() & df["field"].isna()
    if unknown.any():
        problems.append(pd.DataFrame({"idx": df.index[unknown], "column": "field",
                                      "value": raw.frame.loc[unknown, "field"].astype(str),
                                      "reason": "unknown field '"
                                      + raw.frame.loc[unknown, "field"].astype(str) + "'"}))
        odd = sorted(set(names[unknown]))
        shown = []
        for n in odd[:10]:
            close = difflib.get_close_matches(n, sorted(known | set(aliases)), n=1, cutoff=0.75)
            shown.append(f"'{n}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        notes.append(f"{raw.file}: unknown field name(s) {', '.join(shown)}; their rows are "
                     "rejected (name them in a mapping file's [ssi_fields])")
    value_cells = raw.frame["value"].where(~df["field"].isin(_RANK_FIELDS),
                                           _rank_text(raw.frame["value"]))
    df["value"], bad = parse_numbers(value_cells, raw.decimal)
    if bad.any():
        problems.append(pd.DataFrame({"idx": df.index[bad], "column": "value",
                                      "value": raw.frame.loc[bad, "value"].astype(str),
                                      "reason": _number_reasons(raw.frame.loc[bad, "value"],
                                                                "value", raw.decimal)}))
    for col in ("rep_id", "date", "field", "value"):  # a failed parse is reported once
        gone = df[col].isna()
        if gone.any():
            problems.append(pd.DataFrame({"idx": df.index[gone], "column": col, "value": "",
                                          "reason": f"missing {col}"}))
    long = df[["rep_id", "date", "field", "value"]]
    kept, rej = _collect(raw, "ssi_observed", long, problems)
    more = []
    # a field given twice for one snapshot: exact repeats are duplicates, different values clash
    key = ["rep_id", "date", "field"]
    rep = kept[kept.duplicated(key, keep=False)]
    if not rep.empty:
        variants = rep.groupby(key)["value"].transform("nunique")
        first = rep.index.to_series().groupby([rep[k] for k in key]).transform("min")
        rows = (rep.index.to_series() + raw.row_offset).groupby([rep[k] for k in key]) \
            .transform(lambda r: ", ".join(map(str, r)))
        clash = variants > 1
        later = ~clash & rep.index.to_series().ne(first)
        if clash.any():
            more.append(pd.DataFrame({"idx": rep.index[clash], "column": "value",
                                      "value": rep.loc[clash, "value"].astype(str),
                                      "reason": "different values for " + rep.loc[clash, "field"]
                                      + " on the same rep and date (rows " + rows[clash] + ")"}))
        if later.any():
            more.append(pd.DataFrame({"idx": rep.index[later], "column": "field",
                                      "value": rep.loc[later, "field"],
                                      "reason": "duplicate of row " + (first[later]
                                                                       + raw.row_offset)
                                      .astype(str) + " (same rep, date and field)"}))
    gone = set(pd.concat(more)["idx"]) if more else set()
    ok = kept[~kept.index.isin(gone)]
    snap = ok.groupby(["rep_id", "date"], sort=False).ngroup()
    wide = ok.assign(_snap=snap).pivot_table(index="_snap", columns="field", values="value",
                                             aggfunc="first")
    keys = ok.assign(_snap=snap).groupby("_snap")[["rep_id", "date"]].first()
    keys["rep_id"] = keys["rep_id"].astype(object)      # ids are text objects everywhere
    wide = keys.join(wide)
    lacking = [c for c in _OBSERVED_REQUIRED if c not in wide]
    for c in lacking:
        wide[c] = np.nan
    incomplete = wide[list(_OBSERVED_REQUIRED)].isna()
    snap_reason = pd.Series(None, index=wide.index, dtype=object)
    if incomplete.any(axis=None):
        miss = incomplete.apply(lambda r: ", ".join(c for c, v in r.items() if v), axis=1)
        has = miss.ne("")
        snap_reason[has] = "snapshot incomplete: no " + miss[has]
    to_check = wide[~snap_reason.notna()][["rep_id", "date",
                                            *[c for c in spec.numbers if c in wide]]]
    checked = _validate(to_check, spec.schema) if not to_check.empty else []
    for prob in checked:
        first_reason = prob.groupby("idx")["reason"].first()
        snap_reason[first_reason.index] = "snapshot rejected: " + first_reason
    bad_snaps = snap_reason.dropna()
    if not bad_snaps.empty:
        hit = snap.isin(bad_snaps.index)
        more.append(pd.DataFrame({"idx": ok.index[hit], "column": "field",
                                  "value": ok.loc[hit, "field"].astype(str),
                                  "reason": snap[hit].map(bad_snaps).to_numpy(dtype=object)}))
    kept2, rej2 = _collect(raw, "ssi_observed", kept, more)
    rejects = pd.concat([r for r in (rej, rej2) if not r.empty], ignore_index=True) \
        if not (rej.empty and rej2.empty) else rej
    return _Loaded(kept2.assign(_row=kept2.index), rejects, len(raw.frame), notes)


def _reject_duplicate_snapshots(ld: _Loaded, raw: RawTable) -> None:
    """Wide ``ssi_observed``: a second row for the same rep and date is rejected."""
    key = ["rep_id", "date"]
    dup = ld.frame.duplicated(key, keep="first")
    if dup.any():
        first_row = ld.frame.groupby(key)["_row"].transform("min") + raw.row_offset
        reasons = "duplicate of row " + first_row.astype(str) + " (same rep and date)"
        _drop_rows(ld, dup, "ssi_observed", raw.file, reasons, "date")


def observed_wide(long: pd.DataFrame) -> pd.DataFrame:
    """Long ``rep_id, date, field, value`` snapshots as one row per rep and date.

    Columns: ``rep_id, date, ssi, brand, people, insights, relationships``, then the ranks and
    benchmark averages present; ``_row`` is the source row of each snapshot's first field.

    >>> long = pd.DataFrame({"rep_id": ["A"] * 5, "date": pd.to_datetime(["2026-05-19"] * 5),
    ...                      "field": ["ssi", "brand", "people", "insights", "relationships"],
    ...                      "value": [53.0, 20.998, 6.4, 10.25, 15.0], "_row": range(5)})
    >>> observed_wide(long).drop(columns="_row").values.tolist()
    [['A', Timestamp('2026-05-19 00:00:00'), 53.0, 20.998, 6.4, 10.25, 15.0]]
    """
    rows = long.groupby(["rep_id", "date"], sort=True)["_row"].min()
    wide = long.pivot_table(index=["rep_id", "date"], columns="field", values="value",
                            aggfunc="first", sort=True)
    order = [c for c in TABLES["ssi_observed"].numbers
             if c in wide.columns or c in _OBSERVED_REQUIRED]    # the pillars even if empty
    out = wide.reindex(columns=order).join(rows).reset_index()
    out.columns.name = None
    return out


def _flag_observed_totals(ld: _Loaded, file: str) -> None:
    """The SSI LinkedIn shows is the pillar sum rounded: flag totals off by more than 0.5."""
    df = ld.frame
    total = df[["brand", "people", "insights", "relationships"]].sum(axis=1)
    off = (df["ssi"] - total).abs() > 0.5 + 1e-9
    if not off.any():
        return
    bad = df[off]
    offset = 1 if file.endswith((".parquet", ".json")) else 2
    flags = pd.DataFrame({
        "table": "ssi_observed", "file": file, "row": bad["_row"].to_numpy() + offset,
        "rep_id": bad["rep_id"].to_numpy(dtype=object), "column": "ssi",
        "value": bad["ssi"].astype(str).to_numpy(),
        "reason": ("ssi differs from the pillar sum by more than 0.5 (kept; the pillars sum "
                   "to " + total[off].round(3).astype(str) + ")").to_numpy(dtype=object),
        "_row": bad["_row"].to_numpy()})
    ld.flags = flags if ld.flags is None or ld.flags.empty else pd.concat([ld.flags, flags],
                                                                          ignore_index=True)


# ------------------------------------------------------------------ the folder
def check_data_folder(folder: Path) -> None:
    """Raise :class:`SSIInputError` unless ``folder`` is a folder (said so when it is a file)."""
    if folder.is_dir():
        return
    if folder.exists():
        raise SSIInputError("this is a file, not a folder", file=str(folder),
                            fix="pass the folder holding the reps and activity files to --data "
                                f"(e.g. --data {folder.parent})")
    raise SSIInputError("the data folder does not exist", file=str(folder),
                        fix="pass a folder holding reps and activity files to --data")


def _table_files(folder: Path, table: str) -> list[Path]:
    """Every file of ``folder`` that holds ``table`` (any format, names in any letter case)."""
    suffixes = FORMATS + ((".json",) if table == "ssi_observed" else ())
    wanted = {f"{table}{s}" for s in suffixes}
    # names as exports write them: Reps.CSV is the reps table
    return (sorted(p for p in folder.iterdir() if p.name.lower() in wanted and p.is_file())
            if folder.is_dir() else [])


def find_table_file(folder: Path, table: str) -> Path | None:
    """The file holding ``table`` in ``folder``, or ``None``; two formats of one table is an error."""
    found = _table_files(folder, table)
    if table == "activity" and found and (folder / "activity").is_dir():
        raise SSIInputError(f"the activity table is there twice: {found[0].name} and "
                            "activity/", file=str(folder), fix="keep one of them")
    if len(found) > 1:
        raise SSIInputError(f"the {table} table is there in {len(found)} files: "
                            f"{', '.join(p.name for p in found)}", file=str(folder),
                            fix="keep one file per table")
    if not found and table == "activity" and (folder / "activity").is_dir():
        raise SSIInputError("activity/ is a folder of files: only the duckdb engine reads "
                            "that", file=str(folder), fix="score it with --engine duckdb, or "
                            "put the activity in one file (activity.parquet)")
    return found[0] if found else None


def load_data(folder: str | Path, *, strict: bool = False, lazy: bool = False,
              mapping: str | Path | crm.ColumnMapping | None = None,
              period: str | None = None, tables: tuple[str, ...] | None = None) -> Bundle:
    """Load and validate a data folder.

    Parameters
    ----------
    folder : path
        Folder with ``reps`` and ``activity`` (required) and optionally ``outcomes`` (or, in
        its place, ``opportunities`` and ``quotas``) and ``ssi_observed``, each ``.csv``,
        ``.parquet`` or ``.xlsx``. ``'example'`` is the bundled example.
    strict : bool
        Raise instead of rejecting rows: any rejected row becomes an error.
    lazy : bool
        Collect every file-level problem of every table before raising
        (:class:`SSIInputErrors`), as ``ssi-analysis validate`` does; the exception's
        ``quality`` then holds the :class:`QualityReport` of the tables that could be read
        (their rejected rows too).
    mapping : str, path or ColumnMapping, optional
        The column mapping of ``opportunities``: a preset (``'salesforce'``, ``'hubspot'``),
        a TOML file, or a :class:`~ssi_analysis.crm.ColumnMapping`. Default: the preset the
        columns match (a note says which). Its ``[ssi_fields]`` also name the fields of a
        long-form ``ssi_observed``.
    period : {None, 'month', 'quarter'}
        Outcome periods derived from ``quotas``: the quota rows' own (default) or calendar
        months/quarters with the quota rows summed (:func:`ssi_analysis.crm.quota_periods`).
    tables : tuple of str, optional
        Read only these tables (``reps`` and ``activity`` always): ``('reps', 'activity')``
        is what scoring needs, and the other tables are then neither read nor checked (a note
        names them). Default: every table of the folder.

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
    wanted = [n for n in TABLES if tables is None or n in tables or not TABLES[n].optional]
    aliases = (chosen or crm.ColumnMapping()).observed_aliases()
    errors: list[SSIError] = []
    loaded: dict[str, _Loaded] = {}
    files: dict[str, Path] = {}

    def stop(exc: SSIError) -> None:
        """Raise ``exc`` now (with the counts of the tables read so far), or collect it."""
        if not lazy:
            exc.quality = _quality_of(loaded, files)
            raise exc
        errors.append(exc)

    if tables is None:
        try:
            _check_outcome_sources(folder)
        except SSIInputError as exc:
            stop(exc)
    prefetch = _Prefetch(folder / "activity.parquet")   # read meanwhile the small tables load
    for name in wanted:
        spec = TABLES[name]
        try:
            path = find_table_file(folder, name)
            if path is None:
                if not spec.optional:
                    raise SSIInputError(
                        f"no {name} table: expected {name}.csv, {name}.parquet or {name}.xlsx",
                        file=str(folder), fix=f"add a {name} file (see data/README.md)")
                continue
            files[name] = path
            if path.suffix == ".json":
                raw = _load_observed_json(path)
            else:
                raw = prefetch.take(path) or read_raw(path, name)
            if name == "opportunities":
                loaded[name], chosen = _load_opportunities(raw, chosen)
            elif name in _LOADERS:
                loaded[name] = _LOADERS[name](raw, aliases) if name == "ssi_observed" \
                    else _LOADERS[name](raw)
            else:
                loaded[name] = _load_generic(raw, spec)
        except SSIError as exc:
            if exc.file is None and name in files:
                exc.file = files[name].name
            stop(exc)
    if "reps" in loaded:
        try:
            _check_unique_reps(loaded["reps"], files["reps"].name)
        except SSIInputError as exc:
            stop(exc)
    if errors:
        exc = errors[0] if len(errors) == 1 else SSIInputErrors(errors)
        # what the tables that could be read showed, row by row (for validate)
        if "reps" in loaded and not any(e.file == files["reps"].name for e in errors):
            _check_reps(loaded, files)
        failed = {e.file for e in errors}
        more = [e for e in all_rejected_errors(loaded, files) if e.file not in failed]
        if more:
            exc = SSIInputErrors([*errors, *more])
        exc.quality = _quality_of(loaded, files)
        raise exc

    _check_reps(loaded, files)
    for exc in all_rejected_errors(loaded, files):
        stop(exc)
    if errors:
        exc = errors[0] if len(errors) == 1 else SSIInputErrors(errors)
        exc.quality = _quality_of(loaded, files)
        raise exc
    derived = None
    if "opportunities" in loaded:
        try:
            derived = _derive_outcomes(loaded, files, period)
        except SSIError as exc:
            exc.quality = _quality_of(loaded, files)
            raise
    observed = None
    if "ssi_observed" in loaded:
        ld = loaded["ssi_observed"]
        if "field" in ld.frame:
            ld.frame = observed_wide(ld.frame)
        _flag_observed_totals(ld, files["ssi_observed"].name)
        observed = ld.frame

    quality = _quality_of(loaded, files)
    if derived is not None:
        quality.notes.extend(derived.notes)
    if tables is not None:
        unread = sorted({p.name for n in TABLES if n not in wanted
                         for p in _table_files(folder, n)})
        if unread:
            quality.notes.append(f"not read: {', '.join(unread)} (this command uses "
                                 f"{' and '.join(wanted)} only; validate checks every table)")
    act = loaded["activity"].frame
    absent = sorted(set(METRICS) - set(pd.unique(act["metric"])))
    if absent:
        quality.notes.append(f"{files['activity'].name}: metric(s) absent from the data: "
                             f"{', '.join(absent)}; left out of scoring and their pillar's "
                             "weights renormalised over the metrics present")
    if strict and not quality.rejects.empty:
        exc = SSIInputErrors([
            SSIInputError(r.reason, file=r.file, column=r.column if isinstance(r.column, str)
                          else None, rows=[int(r.row)],
                          fix="correct the row, or run without --strict to reject it")
            for r in quality.rejects.itertuples()])
        exc.quality = quality
        raise exc
    bundle = Bundle(
        reps=_finish(loaded["reps"].frame),
        activity=_finish_activity(act),
        outcomes=_finish(loaded["outcomes"].frame) if "outcomes" in loaded else None,
        ssi_observed=_finish(observed) if observed is not None else None,
        quality=quality, folder=folder, files=files,
    )
    if derived is not None:
        bundle.outcomes = derived.outcomes
        bundle.opportunities = _finish(loaded["opportunities"].frame)
        bundle.quotas = _finish(loaded["quotas"].frame)
        bundle.crm = derived
    return bundle


def all_rejected_error(file: str, rows_read: int, rejects: pd.DataFrame,
                       counts: pd.Series | None = None) -> SSIInputError:
    """The error of a table every row of which was rejected: how many, the most common reason
    (with an example row) and what to do about it.

    ``counts`` (rows by :func:`reason_kind`) when ``rejects`` holds only some of the rejected
    rows (the DuckDB engine keeps the first ones); else they are counted from ``rejects``.
    """
    kinds = reason_kind(rejects["reason"]) if not rejects.empty else pd.Series(dtype=object)
    if counts is None:
        counts = kinds.value_counts()
    order = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    top, n = order[0] if order else ("unknown", rows_read)
    shown = rejects[kinds == top] if not rejects.empty else rejects
    shown = (shown if not shown.empty else rejects).sort_values("row", kind="stable")
    example = ""
    column = None
    if not shown.empty:
        first = shown.iloc[0]
        example = f", e.g. row {int(first['row'])}: {first['reason']}"
        column = first["column"] if isinstance(first["column"], str) else None
    others = (f"; {len(order) - 1} other reason(s): validate lists them" if len(order) > 1
              else "")
    return SSIInputError(f"every row ({rows_read}) was rejected, so the table cannot be used; "
                         f"most common reason: {top} ({n} row{'s' if n != 1 else ''}){example}",
                         file=file, column=column, fix=fix_for(top) + others)


REQUIRED_ROWS = ("reps", "activity", "outcomes")
"""Tables that stop the run when every row of theirs is rejected."""


def all_rejected_errors(loaded: dict[str, _Loaded], files: dict[str, Path]) -> list[SSIInputError]:
    """An error for each required table every row of which was rejected: ``reps`` and
    ``activity`` (nothing can be scored) and a tidy ``outcomes`` (nothing can be analysed).
    It is said first, not what follows from it (metrics absent, a pillar without a metric, no
    rep to score); when every rep was rejected, the other tables' rows naming a rep not in
    reps are that consequence, not said again. (``ssi_observed`` is optional: with every row
    rejected it is left out as its rows are, and they are listed.)"""
    out = []
    reps_gone = False
    for name, ld in loaded.items():
        if name not in REQUIRED_ROWS or ld.rows_read == 0 or len(ld.rejects) < ld.rows_read:
            continue
        kinds = reason_kind(ld.rejects["reason"]).value_counts()
        top = sorted(kinds.items(), key=lambda kv: (-kv[1], str(kv[0])))[0][0]
        if reps_gone and top == "rep_id is not in reps":
            continue
        reps_gone = reps_gone or name == "reps"
        out.append(all_rejected_error(files[name].name, ld.rows_read, ld.rejects))
    return out


def _check_reps(loaded: dict[str, _Loaded], files: dict[str, Path]) -> None:
    """Rows of reps not in ``reps`` rejected (ids repaired where unambiguous); repeated and
    overlapping outcome periods rejected."""
    reps_ids = set(loaded["reps"].frame["rep_id"])
    repairs = id_repairs(reps_ids)
    for name in ("activity", "outcomes", "ssi_observed", "quotas"):
        if name in loaded:
            _reject_unknown_reps(loaded[name], reps_ids, files[name].name, name, repairs)
    if "outcomes" in loaded:
        _reject_duplicate_periods(loaded["outcomes"], files["outcomes"].name)


def _quality_of(loaded: dict[str, _Loaded], files: dict[str, Path]) -> QualityReport:
    """The quality report of the loaded tables: counts, rejects, flags, notes, warnings."""
    quality = QualityReport()
    rejects, flags = [], []
    for name, ld in loaded.items():
        kept_flags = (ld.flags[ld.flags["_row"].isin(ld.frame["_row"])].drop(columns="_row")
                      if ld.flags is not None and not ld.flags.empty else None)
        quality.tables[name] = TableQuality(
            name, files[name].name, ld.rows_read, ld.rows_read - len(ld.rejects),
            len(ld.rejects), 0 if kept_flags is None else int(kept_flags["row"].nunique()))
        rejects.append(ld.rejects)
        if kept_flags is not None:
            flags.append(kept_flags)
        quality.notes.extend(ld.notes)
        quality.warnings.extend(ld.warnings)
        quality.id_repairs.update(ld.id_repairs)
    quality.rejects = (pd.concat([r for r in rejects if not r.empty], ignore_index=True)
                       if any(not r.empty for r in rejects)
                       else pd.DataFrame(columns=_REJECT_COLUMNS))
    if flags:
        quality.flags = pd.concat(flags, ignore_index=True)
    return quality


_LOADERS = {"reps": _load_reps, "activity": _load_activity, "outcomes": _load_outcomes,
            "quotas": _load_quotas, "ssi_observed": _load_observed}


def _check_outcome_sources(folder: Path) -> None:
    """Outcomes come from one place: ``outcomes``, or ``opportunities`` with ``quotas``."""
    # a table in two files is reported where the table is read, not here as well
    has = {n: next(iter(_table_files(folder, n)), None)
           for n in ("outcomes", "opportunities", "quotas")}
    if has["outcomes"] and (has["opportunities"] or has["quotas"]):
        other = [has[n].name for n in ("opportunities", "quotas") if has[n]]
        raise SSIInputError(
            f"the folder holds {has['outcomes'].name} and {', '.join(other)}: outcomes would "
            "come from two places", file=str(folder),
            fix=f"keep {has['outcomes'].name} to use the outcomes as they are, or move it away "
                "to derive them from opportunities and quotas")
    if bool(has["opportunities"]) != bool(has["quotas"]):
        present, absent = (("opportunities", "quotas") if has["opportunities"]
                           else ("quotas", "opportunities"))
        raise SSIInputError(
            f"{has[present].name} is there but no {absent} table: outcomes are derived from "
            "both", file=str(folder),
            fix=f"add {absent}.csv (see data/README.md), or remove {has[present].name}")


def _derive_outcomes(loaded: dict[str, _Loaded], files: dict[str, Path],
                     period: str | None) -> crm.CRMOutcomes:
    """Match owners to reps, reject overlapping quota rows, derive outcomes (all accounted)."""
    opps, quotas, reps = loaded["opportunities"], loaded["quotas"], loaded["reps"].frame
    opp_file, quota_file = files["opportunities"].name, files["quotas"].name
    if opps.currency and quotas.currency and opps.currency != quotas.currency:
        raise SSIInputError(f"opportunity amounts are in {opps.currency} but quotas in "
                            f"{quotas.currency}: attainment would compare different currencies",
                            file=quota_file, column="quota",
                            fix="convert one of them so both are in the same currency")
    opps.frame["rep_id"] = crm.match_owners(opps.frame["owner"], reps,
                                            file=files["reps"].name).to_numpy(dtype=object)
    if "_owner" in opps.rejects:  # rows rejected while loading: name their rep where known
        owners = opps.rejects.pop("_owner")
        opps.rejects["rep_id"] = crm.match_owners(owners.fillna(""), reps).to_numpy(dtype=object)
    unmatched = opps.frame["rep_id"].isna()
    lost_owners = opps.frame[unmatched]
    reasons = ("owner '" + opps.frame["owner"].astype(str)
               + "' matches no rep (by rep_id or the crm_owner column of reps)")
    _drop_rows(opps, unmatched, "opportunities", opp_file, reasons, "owner")
    offset = 1 if quota_file.endswith(".parquet") else 2
    over = crm.quota_problems(quotas.frame, row_offset=offset)
    if not over.empty:
        mask = quotas.frame.index.isin(over["idx"])
        why = pd.Series(over["reason"].to_numpy(), index=over["idx"].to_numpy())
        _drop_rows(quotas, pd.Series(mask, index=quotas.frame.index), "quotas", quota_file,
                   why.groupby(level=0).first().reindex(quotas.frame.index), "period_start")
    result = crm.derive_outcomes(opps.frame, quotas.frame, reps=reps, period=period)
    if not result.quota_rejects.empty:
        qr = result.quota_rejects
        mask = quotas.frame.index.isin(qr["idx"])
        why = pd.Series(qr["reason"].to_numpy(), index=qr["idx"].to_numpy())
        _drop_rows(quotas, pd.Series(mask, index=quotas.frame.index), "quotas", quota_file,
                   why.groupby(level=0).first().reindex(quotas.frame.index), "period_start")
    if not lost_owners.empty:
        won = lost_owners["status"].eq("won")
        table = (lost_owners.assign(won=won, won_amount=lost_owners["amount"].where(won, 0.0))
                 .groupby("owner", sort=True)
                 .agg(opportunities=("owner", "size"), deals_won=("won", "sum"),
                      won_amount=("won_amount", "sum"))
                 .reset_index().sort_values("opportunities", ascending=False, kind="stable"))
        result.unmatched_owners = table.reset_index(drop=True)
        shown = ", ".join(f"'{o}' ({n})" for o, n in zip(table["owner"].head(5),
                                                         table["opportunities"].head(5),
                                                         strict=True))
        result.notes.insert(0,
            f"{opp_file}: {len(table)} owner(s) match no rep, their {len(lost_owners)} "
            f"opportunities rejected: {shown}{' ...' if len(table) > 5 else ''} (add them to "
            "reps, or a crm_owner column naming each rep as the CRM does)")
    return result


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    """Drop bookkeeping columns; text columns as plain Python strings (one dtype everywhere)."""
    df = df.drop(columns=[c for c in ("_row",) if c in df]).reset_index(drop=True)
    for col in df.columns:
        if isinstance(df[col].dtype, pd.CategoricalDtype) and pd.api.types.is_string_dtype(df[col]):
            df[col] = _plain_text(df[col])
        elif pd.api.types.is_string_dtype(df[col]) and not pd.api.types.is_object_dtype(df[col]):
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


def _finish_activity(df: pd.DataFrame) -> pd.DataFrame:
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


def _check_unique_reps(ld: _Loaded, file: str) -> None:
    ids = ld.frame["rep_id"]
    dup = ids.duplicated(keep=False)
    if dup.any():
        rows = (ld.frame.loc[dup, "_row"] + 2).tolist()
        example = ids[dup].iloc[0]
        raise SSIInputError(f"rep_id must be unique; {ids[dup].nunique()} id(s) repeat, "
                            f"e.g. '{example}'", file=file, column="rep_id", rows=rows,
                            fix="keep one row per rep (merge or remove the duplicates)")


def _drop_rows(ld: _Loaded, mask: pd.Series, table: str, file: str, reasons: pd.Series,
               column: str) -> None:
    """Move rows of ``ld.frame`` (by mask) into ``ld.rejects`` with the given reasons."""
    if not mask.any():
        return
    bad = ld.frame[mask]
    # activity rows are long; reject each source row once
    first = bad.drop_duplicates("_row")
    offset = 1 if file.endswith((".parquet", ".json")) else 2
    rej = pd.DataFrame({"table": table, "file": file, "row": first["_row"].to_numpy() + offset,
                        "rep_id": first["rep_id"].to_numpy(dtype=object), "column": column,
                        "value": first[column].astype(str).to_numpy(),
                        "reason": reasons.reindex(first.index).to_numpy(dtype=object)})
    ld.rejects = pd.concat([r for r in (ld.rejects, rej) if not r.empty], ignore_index=True)
    ld.frame = ld.frame[~ld.frame["_row"].isin(first["_row"])]


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def id_key(rep_id: str) -> str:
    """How an id that matches no rep exactly is matched: letters A-Z in lower case, and an id
    of digits only without its leading zeros (spreadsheets drop them: ``007`` becomes ``7``).

    >>> id_key("R001"), id_key("r001"), id_key("007"), id_key("7"), id_key("000")
    ('r001', 'r001', '7', '7', '0')
    """
    key = rep_id.translate(_ASCII_LOWER)
    if re.fullmatch(r"[0-9]+", key):
        key = key.lstrip("0") or "0"
    return key


def id_repairs(rep_ids) -> dict[str, str | None]:
    """Each :func:`id_key` of the reps' ids -> the one rep with that key (``None`` when several
    reps share it: then no id is matched by the key, since which rep is meant is unclear)."""
    out: dict[str, str | None] = {}
    for rid in sorted(rep_ids):
        key = id_key(rid)
        out[key] = None if key in out else rid
    return out


def _reject_unknown_reps(ld: _Loaded, reps_ids: set[str], file: str, table: str,
                         repairs: dict[str, str | None] | None = None) -> None:
    """Rows whose rep is not in reps are rejected; an id differing from exactly one rep's only
    in letter case or leading zeros is read as that rep (a documented repair, with a warning)."""
    ids = ld.frame["rep_id"]
    unknown = ~_isin(ids, reps_ids)
    if repairs and unknown.any():
        odd = pd.unique(ids[unknown].dropna().astype(str))
        fixed = {u: repairs[id_key(u)] for u in odd if repairs.get(id_key(u))}
        if fixed:
            hit = unknown & _isin(ids, fixed)
            if isinstance(ids.dtype, pd.CategoricalDtype):
                cats = pd.Series(ids.cat.categories).astype(object)
                ld.frame["rep_id"] = _recode(ids, cats.map(lambda c: fixed.get(c, c)))
            else:
                ld.frame["rep_id"] = ids.where(~hit, ids[hit].map(fixed))
            first = sorted(fixed)[0]
            ld.warnings.append(repair_warning(file, int(hit.sum()), first, fixed[first]))
            ld.id_repairs.update(fixed)
            unknown = unknown & ~hit
    mask = pd.Series(unknown, index=ld.frame.index)
    text = ld.frame.loc[mask, "rep_id"].astype(str)
    shared = (text.map(lambda u: id_key(u) in repairs and repairs[id_key(u)] is None)
              if repairs else pd.Series(False, index=text.index))
    reasons = ("rep_id '" + text + "' is not in reps"
               + np.where(shared.to_numpy(dtype=bool), SHARED_KEY_HINT, ""))
    _drop_rows(ld, mask, table, file, reasons, "rep_id")


SHARED_KEY_HINT = (" (several reps differ from it only in letter case or leading zeros: which "
                   "one is meant cannot be told)")


def repair_warning(file: str, rows: int, example: str, rep: str) -> str:
    """The warning of ids matched to reps by :func:`id_key`."""
    return (f"{file}: {rows} row(s) name a rep_id in another letter case or without its "
            f"leading zeros (e.g. '{example}' for '{rep}'); read as that rep (correct the ids "
            "in the source to silence this)")


def _reject_duplicate_periods(ld: _Loaded, file: str) -> None:
    """Outcome rows of one rep: an exact repeat of a period is a duplicate of the first; periods
    that overlap otherwise (share a day) are all rejected, since which one is right cannot be
    told."""
    key = ["rep_id", "period_start", "period_end"]
    offset = 1 if file.endswith((".parquet", ".json")) else 2
    dup = ld.frame.duplicated(key, keep="first")
    if dup.any():
        first_row = ld.frame.groupby(key)["_row"].transform("min") + offset
        reasons = "duplicate of row " + first_row.astype(str) + " (same rep and period)"
        _drop_rows(ld, dup, "outcomes", file, reasons, "period_start")
    q = ld.frame.sort_values(["rep_id", "period_start", "period_end"], kind="stable")
    if q.empty:
        return
    prev_end = q.groupby("rep_id")["period_end"].cummax().groupby(q["rep_id"]).shift()
    block = (~(q["period_start"] <= prev_end).fillna(False)).cumsum()
    size = block.map(block.value_counts())
    over = size > 1
    if over.any():
        rows = (q.loc[over, "_row"] + offset).groupby(block[over]).agg(
            lambda r: ", ".join(map(str, sorted(r))))
        reasons = ("period overlaps another of the same rep (rows "
                   + block[over].map(rows) + ")").reindex(ld.frame.index)
        mask = pd.Series(ld.frame.index.isin(q.index[over]), index=ld.frame.index)
        _drop_rows(ld, mask, "outcomes", file, reasons, "period_start")


def load_reps(folder: str | Path) -> tuple[pd.DataFrame, QualityReport]:
    """Load and validate only the ``reps`` table of a data folder, as :func:`load_data` does.

    For engines that read the activity themselves (``ssi_analysis.engines.duckdb``).

    Examples
    --------
    >>> reps, quality = load_reps(example_data_dir())
    >>> len(reps), quality.summary().rows_rejected.item()
    (300, 0)
    """
    folder = resolve_data_dir(folder)
    check_data_folder(folder)
    path = find_table_file(folder, "reps")
    if path is None:
        raise SSIInputError("no reps table: expected reps.csv, reps.parquet or reps.xlsx",
                            file=str(folder), fix="add a reps file (see data/README.md)")
    try:
        ld = _load_reps(read_raw(path, "reps"))
        _check_unique_reps(ld, path.name)
    except SSIError as exc:
        exc.file = exc.file or path.name
        raise
    quality = _quality_of({"reps": ld}, {"reps": path})
    for exc in all_rejected_errors({"reps": ld}, {"reps": path}):
        exc.quality = quality
        raise exc
    return _finish(ld.frame), quality
