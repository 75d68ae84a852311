"""Read a data folder into a validated :class:`Bundle`, rejecting bad rows with reasons.

A data folder holds tables by file stem (``reps``, ``activity``, ``outcomes``, ``ssi_observed``,
or ``opportunities`` and ``quotas`` in place of ``outcomes``), each as ``.csv``, ``.parquet`` or
``.xlsx`` (``ssi_observed`` also as LinkedIn's ``.json``). Loading follows one rule: **rows read
= rows used + rows rejected**, per table, always. A row that cannot be used is never dropped
silently: it goes to ``bundle.quality.rejects`` with the file, the row number (as a spreadsheet
shows it: the header is row 1), the column, a reason, its kind and what to do about it.
Problems that make a whole file unusable raise :class:`~ssi_analysis.errors.SSIInputError`.

The modules are the steps of loading:

- :mod:`~ssi_analysis.io.files`: find a table's file (any format, any letter case; one table
  in two places is an error);
- :mod:`~ssi_analysis.io.read`: read it without interpreting a cell, one module per format
  (CSV encodings, delimiters and footers, Excel sheets and merged cells, Parquet) and one for the
  header (names distinct, rows that repeat it); :mod:`~ssi_analysis.io.linkedin_json` reads
  LinkedIn's JSON;
- :mod:`~ssi_analysis.io.cells`: type cells, one module each for ids (and labels), numbers,
  amounts and dates;
- :mod:`~ssi_analysis.io.checks`: a table's typed cells checked by its rules (the rule table of
  :mod:`ssi_analysis.schemas`);
- :mod:`~ssi_analysis.io.tables`: one loader per table;
- :mod:`~ssi_analysis.io.relations`: the rules across tables (a rep not in ``reps``, repeated
  outcome periods, CRM owners matched to reps);
- :mod:`~ssi_analysis.io.quality`: the row accounting, the rejects and the quality report;
- :mod:`~ssi_analysis.io.load`: :func:`load_data`, which runs them in order.

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

from ..rules import fix_for
from .cells.amounts import CURRENCY_SYMBOLS, one_currency, parse_amounts
from .cells.common import MISSING_TOKENS
from .cells.dates import (
    EVENT_DATES,
    EXCEL_EPOCH,
    EXCEL_SERIAL_TEXT,
    EXCEL_SERIALS,
    LINKEDIN_LAUNCH,
    TODAY_ENV,
    date_limits,
    date_reasons,
    parse_dates,
    run_day,
)
from .cells.ids import LABEL_COLUMNS, clean_labels, id_key, id_repairs, parse_ids
from .cells.numbers import (
    PERCENT_SIGN_HINT,
    PERCENT_SIGN_TEXT,
    parse_numbers,
    percent_scale,
    percent_scale_of,
    percent_warning,
)
from .files import (
    FORMATS,
    check_data_folder,
    example_data_dir,
    find_table_file,
    resolve_data_dir,
)
from .load import Bundle, load_data, load_reps
from .quality import (
    REJECT_COLUMNS,
    REQUIRED_ROWS,
    ROW_COLUMNS,
    QualityReport,
    TableQuality,
    all_rejected_error,
    all_rejected_errors,
)
from .read import RawTable, read_raw
from .relations import SHARED_KEY_HINT, repair_warning
from .tables.observed import observed_wide
from .tables.outcomes import MONEY_COLUMNS

__all__ = [
    "CURRENCY_SYMBOLS", "EVENT_DATES", "EXCEL_EPOCH", "EXCEL_SERIALS", "EXCEL_SERIAL_TEXT",
    "FORMATS", "LABEL_COLUMNS", "LINKEDIN_LAUNCH", "MISSING_TOKENS", "MONEY_COLUMNS",
    "PERCENT_SIGN_HINT", "PERCENT_SIGN_TEXT", "REJECT_COLUMNS", "REQUIRED_ROWS", "ROW_COLUMNS",
    "SHARED_KEY_HINT", "TODAY_ENV",
    "Bundle", "QualityReport", "RawTable", "TableQuality", "all_rejected_error",
    "all_rejected_errors", "check_data_folder", "clean_labels", "date_limits", "date_reasons",
    "example_data_dir", "find_table_file", "fix_for", "id_key", "id_repairs", "load_data",
    "load_reps", "observed_wide", "one_currency", "parse_amounts", "parse_dates", "parse_ids",
    "parse_numbers", "percent_scale", "percent_scale_of", "percent_warning", "read_raw",
    "repair_warning", "resolve_data_dir", "run_day",
]
