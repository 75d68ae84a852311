"""One loader per table: a file's cells to typed, checked rows (a :class:`~ssi_analysis.io.quality.LoadedTable`)."""

from __future__ import annotations

from ... import crm
from ...schemas import TABLES
from ..checks import check_table
from ..files import RawTable
from ..quality import LoadedTable
from .activity import load_activity_table
from .outcomes import load_opportunities_table, load_outcomes_table, load_quotas_table
from .reps import load_reps_table


def load_table(name: str, raw: RawTable, *, mapping: crm.ColumnMapping | None) -> LoadedTable:
    """Load table ``name`` from its file's cells by the table's own loader.

    ``mapping`` is the column mapping of ``opportunities`` (``None``: the preset its columns
    match). ``ssi_observed``, a file or a folder of them, is read by
    :func:`~ssi_analysis.io.tables.observed.load_observed`.
    """
    if name == "opportunities":
        return load_opportunities_table(raw, mapping)
    loader = {"reps": load_reps_table, "activity": load_activity_table,
              "outcomes": load_outcomes_table, "quotas": load_quotas_table}.get(name)
    return loader(raw) if loader is not None else check_table(raw, TABLES[name])
