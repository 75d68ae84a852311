"""Finding a table's file in a data folder and reading it without interpreting a cell.

CSV is decoded (UTF-8 with or without a byte-order mark, UTF-16 by its mark, else Latin-1, said in
a note), its delimiter sniffed from the header (a semicolon means a decimal comma) and a report
export's footer left out; an ``.xlsx`` workbook is checked to be one, and the sheet named after the
table (else the first with its columns) is read; Parquet keeps its native cells (the activity's
text as categoricals, read in a thread while the small tables load). Column names are normalised
(:func:`ssi_analysis.schemas.normalise_name`); a repeated name, an empty file or a header without
rows stops the run.
"""

from __future__ import annotations

import io as _io
import json
import threading
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from ..errors import SSIError, SSIInputError
from ..schemas import LINKEDIN_PILLARS, TABLES, normalise_name
from ..textfiles import decode_text

FORMATS = (".csv", ".parquet", ".xlsx")


def example_data_dir() -> Path:
    """The bundled example data folder (simulated, with known truth in ``truth.json``)."""
    return Path(str(resources.files("ssi_analysis").joinpath("data", "example")))


def resolve_data_dir(data: str | Path) -> Path:
    """``'example'`` means the bundled example; anything else is a folder path."""
    if str(data) == "example" and not Path("example").exists():
        return example_data_dir()
    return Path(data)


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
            frame, decimal = _read_csv(path, table, notes)
            offset = 2
        elif suffix == ".parquet":
            frame = _read_parquet(path, table)
            offset = 1
        elif suffix == ".xlsx":
            frame = _read_xlsx(path, table, notes)
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
    frame.columns = [normalise_name(c) for c in frame.columns]
    check_distinct_columns(list(frame.columns), name)
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


def check_distinct_columns(names: list[str], file: str) -> None:
    """Raise :class:`SSIInputError` when normalised column names repeat."""
    dupes = sorted({c for c in names if names.count(c) > 1})
    if dupes:
        raise SSIInputError(f"column names repeat: {', '.join(dupes)}", file=file,
                            fix="give every column a distinct name")


def _read_csv(path: Path, table: str, notes: list[str]) -> tuple[pd.DataFrame, str]:
    """A CSV file as text cells (its footer left out), and the decimal mark its delimiter tells."""
    name = path.name
    decimal = "."
    text = decode_text(path.read_bytes(), name, notes)
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
    return frame, decimal


def _read_xlsx(path: Path, table: str, notes: list[str]) -> pd.DataFrame:
    """The sheet of a workbook that holds ``table``: the one named after it, else the first with
    the table's required columns, else the first with data (a note says which)."""
    name = path.name
    _check_workbook(path)
    sheets = pd.read_excel(path, sheet_name=None, dtype=object)
    nonempty = {k: v for k, v in sheets.items() if not v.dropna(how="all").empty}
    chosen = next((k for k in sheets if normalise_name(k) == table), None)
    if chosen is None:
        if not nonempty:
            raise SSIInputError("the workbook has no data", file=name)
        need = set(TABLES[table].required) if table in TABLES else set()
        fits = [k for k, v in nonempty.items()
                if need <= {normalise_name(c) for c in v.columns}]
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
    return frame


_CATEGORICAL_TABLES = frozenset({"activity"})
"""Tables read from Parquet with text columns as categoricals: millions of rows, few values."""


class ActivityPrefetch:
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

    Parsing then works on each distinct id, metric name and date once (:func:`distinct_values`), and
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


def file_decimal(raw: RawTable) -> str | None:
    """The decimal mark a file's format tells: CSV by its delimiter; Excel/Parquet cells: none."""
    return raw.decimal if raw.file.lower().endswith(".csv") else None


def read_observed_json(path: Path) -> RawTable:
    """Flatten LinkedIn's SSI page JSON (one record or a list) into ``ssi_observed`` columns;
    its text is decoded as a CSV table's is (:func:`~ssi_analysis.textfiles.decode_text`)."""
    notes: list[str] = []
    try:
        data = json.loads(decode_text(path.read_bytes(), path.name, notes, save_as="UTF-8"))
    except (OSError, json.JSONDecodeError) as exc:
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
    return RawTable(frame.astype(object), path.name, 1, notes=notes)


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


def table_files(folder: Path, table: str) -> list[Path]:
    """Every file of ``folder`` that holds ``table`` (any format, names in any letter case)."""
    suffixes = FORMATS + ((".json",) if table == "ssi_observed" else ())
    wanted = {f"{table}{s}" for s in suffixes}
    # names as exports write them: Reps.CSV is the reps table
    return (sorted(p for p in folder.iterdir() if p.name.lower() in wanted and p.is_file())
            if folder.is_dir() else [])


def missing_table_error(folder: Path, table: str) -> SSIInputError:
    """The error of a required table without a file."""
    return SSIInputError(f"no {table} table: expected {table}.csv, {table}.parquet or "
                         f"{table}.xlsx", file=str(folder),
                         fix=f"add a {table} file (see data/README.md)")


def find_table_file(folder: Path, table: str) -> Path | None:
    """The file holding ``table`` in ``folder``, or ``None``; two formats of one table is an error."""
    found = table_files(folder, table)
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
