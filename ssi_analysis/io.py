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

from .errors import SSIError, SSIInputError, SSIInputErrors
from .schemas import LEVEL_METRICS, LINKEDIN_PILLARS, METRICS, TABLES, TableSpec

FORMATS = (".csv", ".parquet", ".xlsx")
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "--", "#n/a", "?"})
"""Cell texts read as missing (compared case-insensitively after trimming spaces)."""

_REJECT_COLUMNS = ["table", "file", "row", "rep_id", "column", "value", "reason"]


# ------------------------------------------------------------------ quality accounting
@dataclass
class TableQuality:
    """Row accounting for one table: ``rows_read == rows_used + rows_rejected``."""

    table: str
    file: str
    rows_read: int
    rows_used: int
    rows_rejected: int

    def __post_init__(self) -> None:
        if self.rows_read != self.rows_used + self.rows_rejected:  # a bug, not a user error
            raise RuntimeError(f"row accounting broken for {self.file}: {self}")


@dataclass
class QualityReport:
    """What loading found: per-table counts, every rejected row with its reason, and notes."""

    tables: dict[str, TableQuality] = field(default_factory=dict)
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_REJECT_COLUMNS))
    notes: list[str] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """One row per table: ``table, file, rows_read, rows_used, rows_rejected``."""
        cols = ["table", "file", "rows_read", "rows_used", "rows_rejected"]
        return pd.DataFrame([vars(t) for t in self.tables.values()], columns=cols)

    def reasons(self) -> pd.DataFrame:
        """Rejected rows counted by table and reason (most frequent first)."""
        if self.rejects.empty:
            return pd.DataFrame(columns=["table", "reason", "rows"])
        kind = self.rejects["reason"].str.replace(r" \(.*\)$|: .*$| '.*'$", "", regex=True)
        out = (self.rejects.assign(reason=kind).groupby(["table", "reason"], sort=True)
               .size().rename("rows").reset_index())
        return out.sort_values(["table", "rows"], ascending=[True, False], kind="stable")

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
            out.append(line)
        out.extend(f"note: {n}" for n in self.notes)
        return out


@dataclass
class Bundle:
    """The validated tables of a data folder, plus the quality report.

    ``activity`` is always in long form: ``rep_id, date, metric, value`` (dates are midnight
    timestamps; ids and metric names are text, as categoricals: a few bytes a row).
    ``outcomes`` and ``ssi_observed`` are ``None`` when absent.
    """

    reps: pd.DataFrame
    activity: pd.DataFrame
    outcomes: pd.DataFrame | None = None
    ssi_observed: pd.DataFrame | None = None
    quality: QualityReport = field(default_factory=QualityReport)
    folder: Path | None = None
    files: dict[str, Path] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, by name."""
        return {n: t for n in ("reps", "activity", "outcomes", "ssi_observed")
                if (t := getattr(self, n)) is not None}


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


def read_raw(path: Path, table: str) -> RawTable:
    """Read one file without interpreting any cell. Raises SSIInputError if unreadable/empty."""
    name = path.name
    notes: list[str] = []
    decimal = "."
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            data = path.read_bytes()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
                notes.append(f"{name}: not UTF-8; read as Latin-1 (Windows-1252-like) text")
            if not text.strip():
                raise SSIInputError("the file is empty", file=name,
                                    fix=f"export the {table} table again, with a header row")
            sep = _sniff_delimiter(text)
            if sep == ";":
                decimal = ","
                notes.append(f"{name}: semicolon-delimited; numbers read with decimal comma")
            frame = pd.read_csv(_io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                                na_filter=False, skip_blank_lines=True)
            offset = 2
        elif suffix == ".parquet":
            frame = _read_parquet(path, table)
            offset = 1
        elif suffix == ".xlsx":
            sheets = pd.read_excel(path, sheet_name=None, dtype=object)
            nonempty = {k: v for k, v in sheets.items() if not v.dropna(how="all").empty}
            chosen = next((k for k in sheets if _normalise_name(k) == table), None)
            if chosen is None:
                if not nonempty:
                    raise SSIInputError("the workbook has no data", file=name)
                chosen = next(iter(nonempty))
                if len(sheets) > 1:
                    notes.append(f"{name}: {len(sheets)} sheets and none named '{table}'; "
                                 f"read sheet '{chosen}'")
            frame = sheets[chosen]
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
        raise SSIInputError("the file has a header but no rows", file=name,
                            fix=f"export the {table} table again with its data")
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
    return data.to_pandas(date_as_object=False)


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

    >>> v, bad = parse_numbers(pd.Series(["1.5", " 2 ", "", "lots"]))
    >>> v.tolist()[:3], bad.tolist()
    ([1.5, 2.0, nan], [False, False, False, True])
    """
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        values = s.astype(float)
        return values, pd.Series(False, index=s.index)
    found = _distinct(s)
    if found is None:
        return _parse_number_cells(s, decimal)
    codes, distinct = found
    values, bad = _parse_number_cells(distinct, decimal)
    return _take(values, codes, s.index), _take(bad, codes, s.index)


def _parse_number_cells(s: pd.Series, decimal: str) -> tuple[pd.Series, pd.Series]:
    missing = _is_missing(s)
    text = s.astype("string").str.strip()
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
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
        return values.astype("datetime64[ns]"), pd.Series(False, index=s.index)
    found = _distinct(s)
    if found is None:
        return _parse_date_cells(s, np.ones(len(s), dtype=np.int64), file=file, column=column)
    codes, distinct = found
    # each distinct value weighs as many cells as hold it: the day-first / month-first
    # choice counts cells, as cell-by-cell parsing does
    weights = np.bincount(codes, minlength=len(distinct))
    dates, bad = _parse_date_cells(distinct, weights, file=file, column=column)
    return _take(dates, codes, s.index), _take(bad, codes, s.index)


def _all_midnight(times: np.ndarray) -> bool:
    """Whether every non-missing ``datetime64`` value is at midnight (dates read from Parquet are:
    then there is nothing to normalise)."""
    unit, step = np.datetime_data(times.dtype)
    per_day = {"D": 1, "h": 24, "m": 1440, "s": 86_400, "ms": 86_400_000,
               "us": 86_400_000_000, "ns": 86_400_000_000_000}.get(unit)
    if per_day is None or per_day % step:
        return False
    ticks = times.view(np.int64)
    rest = ticks % (per_day // step)
    if not rest.any():
        return True
    return not rest[ticks != np.iinfo(np.int64).min].any()  # NaT is the smallest int64


def _parse_date_cells(s: pd.Series, weights: np.ndarray, *, file: str,
                      column: str) -> tuple[pd.Series, pd.Series]:
    missing = _is_missing(s)
    as_obj = s.where(~missing)
    is_ts = as_obj.map(lambda v: isinstance(v, pd.Timestamp | np.datetime64) or
                       hasattr(v, "year")).fillna(False).astype(bool)
    text = as_obj.astype("string").str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if is_ts.any():
        out[is_ts] = pd.to_datetime(as_obj[is_ts].map(lambda v: pd.Timestamp(v).tz_localize(None)
                                    if pd.Timestamp(v).tzinfo else pd.Timestamp(v))).dt.normalize()
    iso = text.str.match(_ISO).fillna(False).astype(bool) & ~is_ts
    if iso.any():
        out[iso] = pd.to_datetime(text[iso].str.extract(r"^(\d{4}-\d{1,2}-\d{1,2})")[0],
                                  format="%Y-%m-%d", errors="coerce")
    rest = ~iso & ~is_ts & ~missing & (weights > 0)
    if rest.any():
        vals = text[rest]
        w = weights[rest.to_numpy()]

        def attempt(fmts: tuple[str, ...]) -> pd.Series:
            res = pd.Series(pd.NaT, index=vals.index, dtype="datetime64[ns]")
            for fmt in fmts:
                res = res.fillna(pd.to_datetime(vals, format=fmt, errors="coerce"))
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
    return check


@dataclass
class _Loaded:
    frame: pd.DataFrame           # typed, validated rows; column "_row" = 0-based source position
    rejects: pd.DataFrame
    rows_read: int
    notes: list[str]


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
                                              "reason": f"{col} is not a date"}))
        elif col in spec.numbers:
            df[col], bad = parse_numbers(cell, raw.decimal)
            if bad.any():
                problems.append(pd.DataFrame({"idx": df.index[bad], "column": col,
                                              "value": cell[bad].astype(str),
                                              "reason": f"{col} is not a number"}))
    return df, problems


def _validate(df: pd.DataFrame, schema: type[pa.DataFrameModel]) -> list[pd.DataFrame]:
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        fc = fc[fc["index"].notna()]
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

    It does for the schema as written (not-null columns, metric in the catalogue, value >= 0,
    levels within 0..1, finite values). If the schema gains a check, this turns false and every
    row is validated by pandera again, until the screen learns the new check.
    """
    s = TABLES["activity"].schema.to_schema()
    shape = {name: (col.nullable, col.unique, [(c.name, c.statistics) for c in col.checks])
             for name, col in s.columns.items()}
    expected = {
        "rep_id": (False, False, []), "date": (False, False, []),
        "metric": (False, False, [("isin", {"allowed_values": sorted(METRICS)})]),
        "value": (False, False, [("greater_than_or_equal_to", {"min_value": 0})]),
    }
    return (shape == expected and [c.name for c in s.checks] == ["levels_within_unit", "finite"]
            and not s.unique)


def _activity_suspects(df: pd.DataFrame) -> np.ndarray:
    """Rows that may fail ``ActivitySchema``; every row the schema rejects is among them."""
    v = df["value"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        sure = (df["rep_id"].notna().to_numpy() & df["date"].notna().to_numpy()
                & _isin(df["metric"], METRICS) & np.isfinite(v) & (v >= 0)
                & ~(_isin(df["metric"], LEVEL_METRICS) & (v > 1)))
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
        hints = []
        for m in missing:
            close = difflib.get_close_matches(m, list(raw.frame.columns), n=1, cutoff=0.6)
            if close:
                hints.append(f"rename '{close[0]}' to '{m}'")
        raise SSIInputError(
            f"required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"missing (columns found: {present})", file=raw.file, column=missing[0],
            fix="; ".join(hints) if hints else f"add the column; see data/README.md for the "
            f"{spec.name} table")


def _load_generic(raw: RawTable, spec: TableSpec) -> _Loaded:
    _require_columns(raw, spec, spec.required)
    known = [c for c in (*spec.ids, *spec.dates, *spec.numbers) if c in raw.frame]
    df, problems = _coerce(raw, spec, known)
    problems += _validate(df[[c for c in df.columns if c in known or c in spec.required]],
                          spec.schema)
    kept, rej = _collect(raw, spec.name, df, problems)
    return _Loaded(kept.assign(_row=kept.index), rej, len(raw.frame), list(raw.notes))


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
        wide = df[["rep_id", "date", *metric_cols]].assign(_row=df.index)
        df = wide.melt(id_vars=["rep_id", "date", "_row"], var_name="metric", value_name="value")
        df = df[df["value"].notna()].sort_values(["_row", "metric"], kind="stable")
        df = df[["rep_id", "date", "metric", "value", "_row"]].reset_index(drop=True)
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
    return _Loaded(df.reset_index(drop=True), rej, len(raw.frame), notes)


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


# ------------------------------------------------------------------ the folder
def find_table_file(folder: Path, table: str) -> Path | None:
    """The file holding ``table`` in ``folder``, or ``None``; two formats of one table is an error."""
    suffixes = FORMATS + ((".json",) if table == "ssi_observed" else ())
    found = [folder / f"{table}{s}" for s in suffixes if (folder / f"{table}{s}").is_file()]
    if len(found) > 1:
        raise SSIInputError(f"the {table} table is there in {len(found)} formats: "
                            f"{', '.join(p.name for p in found)}", file=str(folder),
                            fix="keep one file per table")
    return found[0] if found else None


def load_data(folder: str | Path, *, strict: bool = False, lazy: bool = False) -> Bundle:
    """Load and validate a data folder.

    Parameters
    ----------
    folder : path
        Folder with ``reps`` and ``activity`` (required) and optionally ``outcomes`` and
        ``ssi_observed``, each ``.csv``, ``.parquet`` or ``.xlsx``. ``'example'`` is the
        bundled example.
    strict : bool
        Raise instead of rejecting rows: any rejected row becomes an error.
    lazy : bool
        Collect every file-level problem of every table before raising
        (:class:`SSIInputErrors`), as ``ssi-analysis validate`` does.

    Returns
    -------
    Bundle
        Validated tables and their :class:`QualityReport`.
    """
    folder = resolve_data_dir(folder)
    if not folder.is_dir():
        raise SSIInputError("the data folder does not exist", file=str(folder),
                            fix="pass a folder holding reps and activity files to --data")
    errors: list[SSIError] = []
    loaded: dict[str, _Loaded] = {}
    files: dict[str, Path] = {}
    prefetch = _Prefetch(folder / "activity.parquet")   # read meanwhile the small tables load
    for name, spec in TABLES.items():
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
            loaded[name] = _load_activity(raw) if name == "activity" else _load_generic(raw, spec)
        except SSIError as exc:
            if exc.file is None and name in files:
                exc.file = files[name].name
            if not lazy:
                raise
            errors.append(exc)
    if "reps" in loaded:
        try:
            _check_unique_reps(loaded["reps"], files["reps"].name)
        except SSIInputError as exc:
            if not lazy:
                raise
            errors.append(exc)
    if errors:
        raise errors[0] if len(errors) == 1 else SSIInputErrors(errors)

    reps_ids = set(loaded["reps"].frame["rep_id"])
    for name in ("activity", "outcomes", "ssi_observed"):
        if name in loaded:
            _reject_unknown_reps(loaded[name], reps_ids, files[name].name, name)
    if "outcomes" in loaded:
        _reject_duplicate_periods(loaded["outcomes"], files["outcomes"].name)

    quality = QualityReport()
    rejects = []
    for name, ld in loaded.items():
        quality.tables[name] = TableQuality(name, files[name].name, ld.rows_read,
                                            ld.rows_read - len(ld.rejects), len(ld.rejects))
        rejects.append(ld.rejects)
        quality.notes.extend(ld.notes)
    quality.rejects = (pd.concat([r for r in rejects if not r.empty], ignore_index=True)
                       if any(not r.empty for r in rejects)
                       else pd.DataFrame(columns=_REJECT_COLUMNS))
    act = loaded["activity"].frame
    absent = sorted(set(METRICS) - set(pd.unique(act["metric"])))
    if absent:
        quality.notes.append(f"{files['activity'].name}: metric(s) absent from the data: "
                             f"{', '.join(absent)}; left out of scoring and their pillar's "
                             "weights renormalised over the metrics present")
    if strict and not quality.rejects.empty:
        raise SSIInputErrors([
            SSIInputError(r.reason, file=r.file, column=r.column if isinstance(r.column, str)
                          else None, rows=[int(r.row)],
                          fix="correct the row, or run without --strict to reject it")
            for r in quality.rejects.itertuples()])
    bundle = Bundle(
        reps=_finish(loaded["reps"].frame),
        activity=_finish_activity(act),
        outcomes=_finish(loaded["outcomes"].frame) if "outcomes" in loaded else None,
        ssi_observed=_finish(loaded["ssi_observed"].frame) if "ssi_observed" in loaded else None,
        quality=quality, folder=folder, files=files,
    )
    return bundle


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
        used = np.flatnonzero(np.bincount(codes.astype(np.intp) + 1,
                                          minlength=len(cats) + 1)[1:])
        order = used[np.argsort(cats[used], kind="stable")]
        if len(order) == len(cats) and (order == np.arange(len(cats))).all():
            new_codes = codes                              # all used, already sorted
        else:
            lut = np.full(len(cats) + 1, -1, dtype=np.int64)  # last: missing stays missing
            lut[order] = np.arange(len(order))
            new_codes = lut[codes]
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


def _reject_unknown_reps(ld: _Loaded, reps_ids: set[str], file: str, table: str) -> None:
    mask = pd.Series(~_isin(ld.frame["rep_id"], reps_ids), index=ld.frame.index)
    reasons = "rep_id '" + ld.frame.loc[mask, "rep_id"].astype(str) + "' is not in reps"
    _drop_rows(ld, mask, table, file, reasons, "rep_id")


def _reject_duplicate_periods(ld: _Loaded, file: str) -> None:
    key = ["rep_id", "period_start", "period_end"]
    dup = ld.frame.duplicated(key, keep="first")
    if dup.any():
        first_row = ld.frame.groupby(key)["_row"].transform("min") + 2
        reasons = "duplicate of row " + first_row.astype(str) + " (same rep and period)"
        _drop_rows(ld, dup, "outcomes", file, reasons, "period_start")



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
    spec = TABLES["reps"]
    path = find_table_file(folder, "reps")
    if path is None:
        raise SSIInputError("no reps table: expected reps.csv, reps.parquet or reps.xlsx",
                            file=str(folder), fix="add a reps file (see data/README.md)")
    try:
        ld = _load_generic(read_raw(path, "reps"), spec)
        _check_unique_reps(ld, path.name)
    except SSIError as exc:
        exc.file = exc.file or path.name
        raise
    quality = QualityReport(notes=list(ld.notes))
    quality.tables["reps"] = TableQuality("reps", path.name, ld.rows_read,
                                          ld.rows_read - len(ld.rejects), len(ld.rejects))
    if not ld.rejects.empty:
        quality.rejects = ld.rejects
    return _finish(ld.frame), quality
