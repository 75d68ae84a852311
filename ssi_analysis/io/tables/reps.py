"""``reps``: one row per rep; a bad optional cell is left empty and flagged, the rep kept."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...schemas import TABLES
from ..cells.ids import LABEL_COLUMNS, clean_labels
from ..checks import check_cells, require_columns, schema_problems
from ..quality import LoadedTable, flags_frame, split_rejects
from ..read import RawTable


def load_reps_table(raw: RawTable) -> LoadedTable:
    """``reps``: a row without a usable ``rep_id`` is rejected; a bad cell in another column
    (``tenure_months`` that is not a number, a ``hire_date`` that is not a date) is left empty
    and flagged, and the rep is kept: every rep is scored, and losing a rep with all of its
    activity for an optional cell would lose far more than the cell."""
    spec = TABLES["reps"]
    require_columns(raw, spec, spec.required)
    known = [c for c in (*spec.ids, *spec.dates, *spec.numbers) if c in raw.frame]
    df, problems = check_cells(raw, spec, known)
    problems += schema_problems(df[[c for c in df.columns if c in known or c in spec.required]],
                                spec)
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
            flags = flags_frame(raw, "reps", cells, df["rep_id"])
        problems = [p[~p.index.isin(cells.index)]] if len(cells) < len(p) else []
    kept, rej = split_rejects(raw, spec.name, df, problems)
    warnings = []
    for col in LABEL_COLUMNS:
        if col in kept:
            labels, warning = clean_labels(kept[col], file=raw.file, column=col)
            kept = kept.assign(**{col: labels})
            if warning:
                warnings.append(warning)
    return LoadedTable(kept.assign(_row=kept.index), rej, len(raw.frame), list(raw.notes),
                       flags, warnings=warnings)
