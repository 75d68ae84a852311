"""An Excel workbook's sheet as its native cells, without interpreting a cell.

The file is checked to be an ``.xlsx`` workbook (else what it looks like instead is said: CSV
text renamed, an old ``.xls``, another zip archive); the sheet named after the table is read,
else the first with the table's required columns (a note says which), and merged cells are read
as Excel shows them (a warning says so).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...errors import SSIInputError
from ...schemas import TABLES, normalise_name
from ...textfiles import looks_like_text
from .headers import header_as_written


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
        if head and b"\x00" not in head and looks_like_text(head):
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


def read_xlsx_table(path: Path, table: str, notes: list[str],
               warnings: list[str] | None = None) -> pd.DataFrame:
    """The sheet of a workbook that holds ``table``: the one named after it, else the first with
    the table's required columns, else the first with data (a note says which). Merged cells
    are read as Excel shows them (:func:`_unmerged`; a warning says so)."""
    name = path.name
    _check_workbook(path)
    source: object = path
    filled: dict[str, list[tuple[str, int, int]]] = {}
    errors: dict[str, SSIInputError] = {}
    if _has_merged_cells(path):
        source, filled, errors = _unmerged(path)
    sheets = pd.read_excel(source, sheet_name=None, dtype=object, engine="openpyxl")
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
    if chosen in errors:
        raise errors[chosen]
    if chosen in filled and warnings is not None:
        warnings.append(merged_warning(name, filled[chosen]))
    frame = sheets[chosen]
    if not frame.columns.empty:
        frame.columns = header_as_written(
            pd.read_excel(source, sheet_name=chosen, header=None, nrows=1,
                          dtype=object, engine="openpyxl").iloc[0], frame.columns)
    return frame


def _has_merged_cells(path: Path) -> bool:
    """Whether any sheet of a workbook has merged cells: its XML read in blocks for the mark
    (no workbook is built)."""
    import zipfile

    mark, tail = b"<mergeCell ", b""
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not (info.filename.lower().startswith("xl/worksheets/")
                    and info.filename.lower().endswith(".xml")):
                continue
            with zf.open(info) as fh:
                while block := fh.read(1 << 20):
                    if mark in tail + block:
                        return True
                    tail = block[-len(mark):]
    return False


def _unmerged(path: Path) -> tuple[object, dict[str, list[tuple[str, int, int]]],
                                   dict[str, SSIInputError]]:
    """The workbook with each sheet's merged cells as Excel shows them: a range merged down one
    column below the header is that value in every row it covers (a team written once for the
    reps of the team); ranges within the header are left as they are. Returns the workbook,
    the ranges filled by sheet (``(column, first row, last row)``) and, by sheet, the error of
    a range merged across columns below the header (which column the value is of cannot be
    told), raised if that sheet is read."""
    import openpyxl

    book = openpyxl.load_workbook(path, data_only=True)
    filled: dict[str, list[tuple[str, int, int]]] = {}
    errors: dict[str, SSIInputError] = {}
    for ws in book.worksheets:
        ranges = sorted(ws.merged_cells.ranges, key=lambda r: (r.min_col, r.min_row))
        if not ranges:
            continue
        header = next((r[0].row for r in ws.iter_rows()
                       if any(c.value not in (None, "") for c in r)), 1)
        for rng in ranges:
            if rng.max_row <= header:
                continue
            if rng.min_col != rng.max_col:
                errors[ws.title] = SSIInputError(
                    f"cells {rng.coord} are merged across columns: which column their value is "
                    "of cannot be told", file=path.name,
                    fix="unmerge the cells (Home > Merge & Center) and write the value in its "
                        "column, in every row it belongs to")
                break              # the sheet stops the run if read: its other ranges can wait
            value = ws.cell(rng.min_row, rng.min_col).value
            column = normalise_name(ws.cell(header, rng.min_col).value or rng.min_col)
            ws.unmerge_cells(rng.coord)
            for row in range(max(rng.min_row, header + 1), rng.max_row + 1):
                ws.cell(row, rng.min_col).value = value
            filled.setdefault(ws.title, []).append((column, max(rng.min_row, header + 1),
                                                    rng.max_row))
    return book, filled, errors


def merged_warning(file: str, filled: list[tuple[str, int, int]]) -> str:
    """The warning of merged cells read in every row they cover: ``(column, first row, last
    row)`` of each range (rows as the sheet numbers them)."""
    by_column: dict[str, list[str]] = {}
    for column, first, last in filled:
        by_column.setdefault(column, []).append(f"{first}-{last}")
    shown = []
    for column, spans in by_column.items():
        more = f" and {len(spans) - 5} more" if len(spans) > 5 else ""
        shown.append(f"{column} in rows {', '.join(spans[:5])}{more}")
    return (f"{file}: {len(filled)} merged cell range(s) read as their value in every row they "
            f"cover: {'; '.join(shown)} (Excel shows one value for the merged rows; unmerge "
            "the cells and fill the value into each row in the source to silence this)")
