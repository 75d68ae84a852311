"""Reading a table's file without interpreting a cell: the file as a :class:`RawTable`.

One module per format: :mod:`.csv` (decoded, UTF-8 with or without a byte-order mark, UTF-16 by
its mark, else Latin-1, said in a note; its delimiter sniffed from the header, a semicolon
meaning a decimal comma; a report export's footer left out), :mod:`.xlsx` (checked to be a
workbook; the sheet named after the table, else the first with its columns) and :mod:`.parquet`
(native cells; the activity's text as categoricals, read in a thread while the small tables
load); :mod:`.headers` holds the header's rules for all of them. Column names are normalised
(:func:`ssi_analysis.schemas.normalise_name`); a repeated name, an empty file or a header
without rows stops the run. LinkedIn's JSON is read by :mod:`ssi_analysis.io.linkedin_json`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import SSIError, SSIInputError
from ...schemas import TABLES, normalise_name
from .csv import read_csv_table
from .headers import check_distinct_columns, header_rows, no_rows_error
from .parquet import check_parquet, read_parquet_table
from .xlsx import read_xlsx_table


@dataclass
class RawTable:
    """A file read as text cells (csv) or native cells (parquet, xlsx), columns normalised."""

    frame: pd.DataFrame
    file: str
    row_offset: int  # add to the 0-based position to get the row number users see
    decimal: str = "."
    notes: list[str] = field(default_factory=list)
    header_rows: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    """Positions of rows that repeat the header (:func:`header_rows`): not data."""
    warnings: list[str] = field(default_factory=list)
    """Documented repairs made while reading (merged cells of a sheet filled)."""


def read_raw(path: Path, table: str) -> RawTable:
    """Read one file without interpreting any cell. Raises SSIInputError if unreadable/empty."""
    name = path.name
    notes: list[str] = []
    warnings: list[str] = []
    decimal = "."
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame, decimal = read_csv_table(path, table, notes)
            offset = 2
        elif suffix == ".parquet":
            check_parquet(path)
            frame = read_parquet_table(path, table)
            offset = 1
        elif suffix == ".xlsx":
            frame = read_xlsx_table(path, table, notes, warnings)
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
        raise no_rows_error(name, table, odd=odd)
    frame = frame.reset_index(drop=True)
    return RawTable(frame, name, offset, decimal, notes, header_rows(frame), warnings)


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


def file_decimal(raw: RawTable) -> str | None:
    """The decimal mark a file's format tells: CSV by its delimiter; Excel/Parquet cells: none."""
    return raw.decimal if raw.file.lower().endswith(".csv") else None
