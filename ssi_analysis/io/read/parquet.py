"""A Parquet file as its native cells: checked to be one, then read (the activity's text as
categoricals).

Both engines check a Parquet file with :func:`check_parquet` before reading it, so they say the
same of a file that is not one.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...errors import SSIInputError
from ...textfiles import looks_like_text

_CATEGORICAL_TABLES = frozenset({"activity"})
"""Tables read from Parquet with text columns as categoricals: millions of rows, few values."""


def read_parquet_table(path: Path, table: str) -> pd.DataFrame:
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


PARQUET_MAGIC = b"PAR1"


def check_parquet(path: Path, name: str | None = None) -> None:
    """Raise :class:`SSIInputError` when ``path`` is empty or not a Parquet file (it neither
    starts nor ends with Parquet's mark), saying what it looks like instead. Both engines check
    a Parquet file with it before reading it, so they say the same."""
    name = name or path.name
    size = path.stat().st_size
    if size == 0:
        raise SSIInputError("the file is empty", file=name,
                            fix="export the table again, with its data")
    with open(path, "rb") as fh:
        head = fh.read(4096)
        fh.seek(max(size - 4, 0))
        tail = fh.read(4)
    if head[:4] == PARQUET_MAGIC and (size < 12 or tail != PARQUET_MAGIC):
        raise SSIInputError("cannot read the file: it starts as a Parquet file but is cut "
                            "short or damaged", file=name,
                            fix="export the table again (check that it was copied whole)")
    if head[:4] != PARQUET_MAGIC:
        looks = (" (it looks like text: CSV renamed?)"
                 if b"\x00" not in head and looks_like_text(head) else "")
        raise SSIInputError(f"the file is not a Parquet file{looks}", file=name,
                            fix="export the table again as Parquet, or as .csv or .xlsx")
