"""Finding a table's file in a data folder.

A table is a file named after it (``reps.csv``, ``activity.parquet``, ``outcomes.xlsx``; the
name and the suffix in any letter case), or, for the activity, a folder ``activity/`` of Parquet
parts (the DuckDB engine reads it). One table in two places stops the run: which one is meant
cannot be told. Both engines find their tables here; :mod:`ssi_analysis.io.read` reads what is
found.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..errors import SSIInputError

FORMATS = (".csv", ".parquet", ".xlsx")


EXAMPLES = ("example", "example-tracker", "example-team")
"""The bundled example folders, each made by ``ssi-analysis simulate`` (with known truth in its
``truth.json``): a team's activity, outcomes and LinkedIn snapshots (``example``); one member's
daily SSI page tracker files (``example-tracker``, ``--shape tracker``); a team's weekly SSI
exports and outcomes, without activity (``example-team``, ``--shape team-export``)."""


def example_data_dir(name: str = "example") -> Path:
    """A bundled example data folder (:data:`EXAMPLES`; simulated, with known truth in
    ``truth.json``)."""
    if name not in EXAMPLES:
        raise SSIInputError(f"no bundled example '{name}'", fix=f"use one of {', '.join(EXAMPLES)}")
    return Path(str(resources.files("ssi_analysis").joinpath("data", name)))


def resolve_data_dir(data: str | Path) -> Path:
    """``'example'`` (and the other :data:`EXAMPLES`) means the bundled example; anything else
    is a folder path."""
    if str(data) in EXAMPLES and not Path(str(data)).exists():
        return example_data_dir(str(data))
    return Path(data)


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
    wanted = _file_names(table)
    # names as exports write them: Reps.CSV is the reps table
    return (sorted(p for p in folder.iterdir() if p.name.lower() in wanted and p.is_file())
            if folder.is_dir() else [])


def _file_names(table: str) -> set[str]:
    """The names (in lower case) of a file that holds ``table``."""
    suffixes = FORMATS + ((".json",) if table == "ssi_observed" else ())
    return {f"{table}{s}" for s in suffixes}


def _table_folder(folder: Path, table: str) -> Path | None:
    """A folder of Parquet parts holding ``table`` (``activity/``, any letter case), or None."""
    if table != "activity" or not folder.is_dir():
        return None
    return next((p for p in sorted(folder.iterdir()) if p.name.lower() == table and p.is_dir()),
                None)


def missing_table_error(folder: Path, table: str) -> SSIInputError:
    """The error of a required table without a file (both engines say it so)."""
    also = " or a folder activity/ of Parquet files" if table == "activity" else ""
    article = "an" if table[0] in "aeiou" else "a"
    wanted = _file_names(table)
    folders = (sorted(p.name for p in folder.iterdir() if p.name.lower() in wanted
                      and p.is_dir()) if folder.is_dir() else [])
    found = f" ({folders[0]} is a folder, not a file)" if folders else ""
    return SSIInputError(f"no {table} table: expected {table}.csv, {table}.parquet, "
                         f"{table}.xlsx{also}{found}", file=str(folder),
                         fix=f"add {article} {table} file (see data/README.md)")


def find_table_source(folder: Path, table: str) -> Path | None:
    """Where ``table`` is in ``folder``: its file (any format, any letter case), the folder
    ``activity/`` of Parquet parts (activity only), or ``None``. One table in two places (two
    formats, or a file and the folder) is an error: which one is meant cannot be told. Both
    engines find their tables with it."""
    found = table_files(folder, table)
    parts = _table_folder(folder, table)
    if found and parts is not None:
        raise SSIInputError(f"the {table} table is there twice: {found[0].name} and "
                            f"{parts.name}/", file=str(folder), fix="keep one of them")
    if len(found) > 1:
        raise SSIInputError(f"the {table} table is there in {len(found)} files: "
                            f"{', '.join(p.name for p in found)}", file=str(folder),
                            fix="keep one file per table")
    return found[0] if found else parts


def find_table_file(folder: Path, table: str) -> Path | None:
    """The file holding ``table`` in ``folder``, or ``None``; two formats of one table is an
    error, and so is a folder of Parquet parts (only the DuckDB engine reads one)."""
    found = find_table_source(folder, table)
    if found is not None and found.is_dir():
        raise SSIInputError(f"{found.name}/ is a folder of files: only the duckdb engine reads "
                            "that", file=str(folder), fix="score it with --engine duckdb, or "
                            "put the activity in one file (activity.parquet)")
    return found


def parquet_parts(folder: Path) -> list[Path]:
    """The Parquet files in a folder of parts (any depth, the suffix in any letter case)."""
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".parquet" and p.is_file())
