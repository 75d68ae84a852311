"""One loader per table: a file's cells to typed, checked rows (a :class:`~ssi_analysis.io.quality.LoadedTable`)."""

from __future__ import annotations

from ... import crm
from ...schemas import TABLES
from ..checks import check_table
from ..quality import LoadedTable, reject_header_rows
from ..read import RawTable
from .activity import load_activity_table
from .outcomes import load_opportunities_table, load_outcomes_table, load_quotas_table
from .reps import load_reps_table


def load_table(name: str, raw: RawTable, *, mapping: crm.ColumnMapping | None = None
               ) -> LoadedTable:
    """Load table ``name`` from its file's cells by the table's own loader.

    ``mapping`` is the column mapping of ``opportunities`` (``None``: the preset its columns
    match). ``ssi_observed``, a file or a folder of them, is read by
    :func:`~ssi_analysis.io.tables.observed.load_observed`. Rows that repeat the header are
    rejected as such, and the repairs made while reading the file are said.
    """
    if name == "opportunities":
        ld = load_opportunities_table(raw, mapping)
    else:
        loader = {"reps": load_reps_table, "activity": load_activity_table,
                  "outcomes": load_outcomes_table, "quotas": load_quotas_table}.get(name)
        ld = loader(raw) if loader is not None else check_table(raw, TABLES[name])
    reject_header_rows(ld, raw, name)           # what the file holds that is not data
    ld.warnings[:0] = raw.warnings
    return ld
