"""The rule book: every kind of problem a row can have, and the row rules checks are made from.

**Kinds.** A rejected (or flagged) row has a kind of problem, a :class:`Kind`: a short code, the
words ``validate`` groups the rows by (``negative value``, ``rep_id is not in reps``) and what
to do about it. Every problem carries its kind and fix as data from where it is found (the
``kind`` and ``fix`` columns of a problem frame and of ``QualityReport.rejects``); nothing is
read back from the text of a reason.

**Rules.** A :class:`Rule` is one row-level check of a table, written once: its kind, the cell
it is about, a vectorised pandas predicate, a SQL predicate, the reason (a template whose
fields, such as ``{value}``, are filled per row) and which cell the rejects show. A table's
rules (:mod:`ssi_analysis.schemas` and :mod:`ssi_analysis.io.cells`) make its pandera schema,
the vectorised screen of the pandas loader (:mod:`ssi_analysis.io.checks`) and the checks the
SQL engines run (:mod:`ssi_analysis.engines.sqlrun`). The SQL is over a relation whose
columns are the typed cells (``value``), the cells as read (``value_raw``) and whether a cell
given could not be read (``value_unread``). It is rendered for an engine's
:class:`~ssi_analysis.dialects.Dialect` (DuckDB's by default): a rule is written once for
every engine, and what differs between engines (a regular expression, a date as text) comes
from the dialect's methods.

Examples
--------
>>> rule = at_least("value", 0)
>>> rule.label, rule.sql
('negative value', 'value < 0')
>>> cells = Cells(pd.DataFrame({"value": [2.0, -1.0, np.nan]}))
>>> rule.test(cells).tolist()
[False, True, False]
>>> rule.reasons(cells, np.array([1])).tolist()
['negative value (-1.0)']
>>> rule.reason_sql()
"'negative value (' || CAST(value AS VARCHAR) || ')'"
>>> from ssi_analysis.dialects import SPARK
>>> rule.reason_sql(SPARK)
"'negative value (' || CASE WHEN typeof(value) IN ('double', 'float') THEN ..."
>>> KINDS["negative"].fix
'counts cannot be negative: correct the value, or remove the row'
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import reduce

import numpy as np
import pandas as pd

from .dialects import DUCKDB, Dialect

DEFAULT_FIX = "correct the rows in the source, or remove them (see data/README.md)"
"""What to do about a kind of problem that has no fix of its own."""


# ------------------------------------------------------------------ kinds of problems
@dataclass(frozen=True)
class Kind:
    """A kind of problem: ``code``, ``label`` (what ``validate`` groups rows by; its fields in
    braces, such as ``{column}``, are filled where the problem is found) and ``fix``."""

    code: str
    label: str
    fix: str = DEFAULT_FIX


_RANGE_FIX = ("correct the value: it is outside the range the column allows (see "
              "data/README.md)")
_AMOUNT_FIX = "write the amount as a number, optionally with one currency mark ($1,200.50)"
_SNAPSHOT_FIX = "complete the snapshot (ssi and every pillar, within range), or remove it"

KINDS: dict[str, Kind] = {k.code: k for k in (
    # a cell that could not be read
    Kind("not_a_date", "{column} is not a date", "write the date as YYYY-MM-DD (e.g. 2026-03-31)"),
    Kind("excel_serial", "{column} looks like an Excel serial date number",
         "format the column as a date in Excel before exporting (or write YYYY-MM-DD)"),
    Kind("not_a_number", "{column} is not a number",
         "write a plain number (12, 0.5; in a semicolon-delimited file 0,5), or leave the cell "
         "empty if it is not known"),
    Kind("ambiguous", "{column} is ambiguous", "write the number without a thousands separator "
         "(12500), or with one decimal mark throughout the column"),
    Kind("not_an_amount", "amount is not an amount", _AMOUNT_FIX),
    Kind("two_currencies", "amount has two different currencies", _AMOUNT_FIX),
    Kind("amount_not_finite", "amount is not finite"),
    Kind("other_currency", "{column} in {currency} while most marked amounts are in {main}",
         "convert the amounts to one currency, or export one"),
    Kind("currency_clash", "{column} is marked {marked} but the currency column says {given}",
         "make the amount's mark and the currency column agree"),
    # a value outside what the column allows
    Kind("missing", "missing {column}", "fill in the cell, or remove the row if it is not known"),
    Kind("empty", "empty {column}", "fill in the cell, or remove the row"),
    Kind("negative", "negative {column}",
         "counts cannot be negative: correct the value, or remove the row"),
    Kind("not_above_zero", "{column} must be above 0",
         "give the period's quota as an amount above 0, or remove the row"),
    Kind("below", "{column} below {bound}", _RANGE_FIX),
    Kind("above", "{column} above {bound}", _RANGE_FIX),
    Kind("not_finite", "value must be finite", "replace inf with the real value, or remove the row"),
    Kind("ceiling", "{column} above the ceiling of {ceiling} a row",
         "one row cannot hold more than 10,000,000: check the unit and that the column holds "
         "counts, not ids or timestamps"),
    Kind("unknown_metric", "unknown metric", "use a metric name of data/README.md (the reason "
         "suggests the closest); rows of other metrics can be removed"),
    Kind("level_range", "a level must be within 0..1", "write profile_completeness as a share "
         "from 0 to 1 (0.85 for 85%); a whole column written 0-100 is read as percentages"),
    Kind("future", "{column} in the future", "correct the date (often a typo in the year); "
         "things that happened cannot be dated after today"),
    Kind("before_launch", "{column} before LinkedIn existed", "correct the date; a placeholder "
         "such as 1900-01-01 means unknown: remove the row"),
    Kind("period_order", "period_end is before period_start",
         "correct the dates (are they swapped?)"),
    # a row that is not data
    Kind("repeated_header", "a header line inside the table", "remove the repeated header "
         "lines (were two exports appended? then check that no row is there twice)"),
    Kind("rate_range", "{column} outside 0..1 (or 0..100%)",
         "write the rate as a share (0.25) or a percentage (25%); correct the export"),
    Kind("period_level", "a level given as a period total",
         "give profile_completeness as dated rows (rep_id, date, metric, value)"),
    # a row against the other rows, or against another table
    Kind("not_in_reps", "rep_id is not in reps",
         "add the rep to reps, or correct the id so it matches reps exactly"),
    Kind("owner_unmatched", "owner matches no rep", "add a crm_owner column to reps naming each "
         "rep as the CRM does, or add the missing reps"),
    Kind("duplicate", "duplicate of another row", "remove the repeated row"),
    Kind("overlap", "{what} overlaps another of the same rep", "give each rep one period per "
         "day: correct the dates, or remove the wrong row"),
    Kind("unknown_stage", "unknown stage", "add the stage to the mapping's [stages] won, lost "
         "or open lists (see data/README.md)"),
    Kind("without_amount", "won opportunity without an amount", "fill in the deal's amount"),
    Kind("without_close_date", "closed opportunity without a close_date",
         "fill in the close date of the closed opportunity"),
    Kind("conflicting_copies", "opportunity_id repeats with different values",
         "keep the right copy of the opportunity and remove the others"),
    Kind("unknown_field", "unknown field",
         "name the field in a mapping file's [ssi_fields] (see data/README.md)"),
    Kind("different_values", "different values for {field} on the same rep and date",
         "keep the right value of the snapshot and remove the others"),
    Kind("unknown_section", "unknown section",
         "name the section in a mapping file's [ssi_sections] as member, industry, network or "
         "any (see data/README.md)"),
    Kind("field_section", "field does not belong to its section",
         "check the row's section and field: a field naming the industry cannot be in the "
         "network's section (name them in [ssi_sections] and [ssi_fields])"),
    Kind("no_number", "no number (a line of text)",
         "nothing to correct: the row holds text the page shows (a status line, a notice), "
         "not a score; it is left out and the rest of its snapshot is used"),
    Kind("skipped_label", "not a score (skipped)",
         "nothing to correct: the mapping's [ssi_observed] skip list names the label (such as "
         "Remaining points, 100 minus the total); it is left out"),
    Kind("superseded", "an earlier snapshot of the same day",
         "nothing to correct: the latest snapshot of a day (by the time column) is used"),
    Kind("json_shape", "JSON record of the wrong shape",
         "write the record as LinkedIn's SSI object: {\"memberScore\": {\"overall\": N, "
         "\"subScores\": [{\"pillar\": \"PROFESSIONAL_BRAND\", \"score\": N}, ...]}, "
         "\"groupScore\": [...]} (see data/README.md)"),
    Kind("snapshot_incomplete", "snapshot incomplete", _SNAPSHOT_FIX),
    Kind("snapshot_rejected", "snapshot rejected", _SNAPSHOT_FIX),
    Kind("partly_covered", "a period only partly covered by quota rows", "add quota rows for "
         "the rest of the period, or run without --outcome-period"),
    Kind("spans_periods", "quota period spans more than one {period}",
         "give one quota row per month (or quarter)"),
    # kept rows, flagged
    Kind("close_before_created", "close_date before created_date"),
    Kind("total_off", "ssi differs from the pillar sum by more than 0.5"),
)}
"""Every kind of problem a row can have, by code."""


def fix_for(code: str) -> str:
    """What to do about a kind of problem, by its code.

    >>> fix_for("not_in_reps")
    'add the rep to reps, or correct the id so it matches reps exactly'
    """
    kind = KINDS.get(code)
    return kind.fix if kind is not None else DEFAULT_FIX


def fill(template: str, **fields: object) -> object:
    """``template.format(**fields)`` where a field may be a Series (text per row): the result
    is then a Series of the rows' texts, else a str.

    >>> values = pd.Series(["-1.0", "-2.0"])
    >>> fill("negative {column} ({value})", column="value", value=values).tolist()
    ['negative value (-1.0)', 'negative value (-2.0)']
    """
    out: object = ""
    for literal, name, _, _ in string.Formatter().parse(template):
        out = out + literal if literal else out
        if name is not None:
            value = fields[name]
            out = out + (value if isinstance(value, pd.Series) else str(value))
    return out


PROBLEM_COLUMNS = ["idx", "column", "value", "reason", "kind", "fix"]
"""The columns of a problem frame: the row (its position in the table read), the cell's column
and value, the reason, the kind's label and the fix."""


def _cells(v: object) -> object:
    """A scalar as it is, anything else as an object array (aligned by position)."""
    if isinstance(v, str) or v is None or np.isscalar(v):
        return v
    return pd.Series(v).to_numpy(dtype=object)


def problem_frame(idx: object, column: object, value: object, reason: object, kind: object,
                  fix: object) -> pd.DataFrame:
    """A problem frame (:data:`PROBLEM_COLUMNS`) from its columns: scalars, or sequences
    aligned by position with ``idx``."""
    return pd.DataFrame({"idx": np.asarray(idx, dtype=np.int64), "column": _cells(column),
                         "value": _cells(value), "reason": _cells(reason),
                         "kind": _cells(kind), "fix": _cells(fix)}, columns=PROBLEM_COLUMNS)


def problems(idx: object, column: str, value: object, reason: object, kind: str, *,
             label: object = None, **fields: object) -> pd.DataFrame:
    """A problem frame of one kind (by code): its label filled with ``column`` and ``fields``
    (scalars, or sequences aligned by position with ``idx``), unless ``label`` is given.

    >>> problems([3], "value", ["-1.0"], ["negative value (-1.0)"], "negative").values.tolist()
    [[3, 'value', '-1.0', 'negative value (-1.0)', 'negative value', 'counts cannot be negative: correct the value, or remove the row']]
    """
    k = KINDS[kind]
    if label is None:
        label = fill(k.label, column=column, **{
            n: v if isinstance(v, str) else pd.Series(_cells(v)) for n, v in fields.items()})
    return problem_frame(idx, column, value, reason, label, k.fix)


def kinded(reasons: pd.Series, kind: str, *, column: str = "", **fields: object
           ) -> pd.DataFrame:
    """``reasons`` (a Series) with the label and the fix of ``kind``: columns ``reason, kind,
    fix``, indexed like ``reasons`` (``column`` and ``fields`` fill the label, as for
    :func:`problems`)."""
    frame = problems(np.zeros(len(reasons)), column, None, reasons.to_numpy(dtype=object),
                     kind, **fields)
    return frame[["reason", "kind", "fix"]].set_axis(reasons.index)


# ------------------------------------------------------------------ SQL text
SQL = str | Callable[[Dialect], str]
"""A rule's SQL: the same text in every dialect, or a function of the dialect."""


def render(sql: SQL, dialect: Dialect = DUCKDB) -> str:
    """A rule's SQL in ``dialect``."""
    return sql if isinstance(sql, str) else sql(dialect)


def sql_fill(template: str, dialect: Dialect = DUCKDB, **exprs: str) -> str:
    """:func:`fill` in SQL: the template's text as literals, each field the SQL expression
    given for it, concatenated.

    >>> sql_fill("rep_id '{value}' is not in reps", value="rep_id")
    "'rep_id ''' || rep_id || ''' is not in reps'"
    """
    return dialect.fill(template, **exprs)


def sql_names(values: Iterable[str], dialect: Dialect = DUCKDB) -> str:
    """A SQL list of text literals, sorted (for ``IN (...)``)."""
    return dialect.names(values)


# ------------------------------------------------------------------ rules
@dataclass
class Cells:
    """What a table's rules look at: the ``typed`` cells (a frame), the cells as read (``raw``,
    a frame; ``None`` when the rules need none), and per typed column which cells were given
    but could not be read (``unread``)."""

    typed: pd.DataFrame
    raw: pd.DataFrame | None = None
    unread: dict[str, np.ndarray] = field(default_factory=dict)

    def unread_of(self, column: str) -> np.ndarray:
        found = self.unread.get(column)
        return found if found is not None else np.zeros(len(self.typed), dtype=bool)

    def text(self, column: str, rows: np.ndarray) -> pd.Series:
        """The cells of ``column`` at ``rows`` as read, as text (Python's ``str``)."""
        return self.raw[column].iloc[rows].astype(str)


@dataclass(frozen=True)
class Field:
    """A field of a reason, filled per row: its text in pandas (``cells``, the rule's
    column, the rows' positions) and in SQL (the rule's column, the dialect)."""

    pandas: Callable[[Cells, str, np.ndarray], pd.Series]
    sql: Callable[[str, Dialect], str]


FIELDS: dict[str, Field] = {
    "value": Field(lambda c, col, rows: c.typed[col].iloc[rows].astype(object).map(str),
                   lambda col, d: d.to_text(col)),
    "cell": Field(lambda c, col, rows: c.text(col, rows), lambda col, d: f"{col}_raw"),
    "raw": Field(lambda c, col, rows: c.text(col, rows).str.strip(),
                 lambda col, d: d.strip(f"{col}_raw")),
    "date": Field(lambda c, col, rows: c.typed[col].iloc[rows].dt.strftime("%Y-%m-%d"),
                  lambda col, d: d.date_text(col)),
}
"""The fields every rule's reason may use: the typed ``value``, the ``cell`` as read, the
cell as read and trimmed (``raw``), a typed ``date`` as ``YYYY-MM-DD``."""


@dataclass(frozen=True)
class Rule:
    """One row-level check of a table (see the module docstring).

    ``key`` names the rule within its table (pandera's ``error=`` of its check). ``test`` is
    true where a row breaks it; ``sql`` the same in SQL (:meth:`sql_in` renders it). ``message`` is the reason: its fields
    (:data:`FIELDS`, and the rule's own ``fields``) are filled per row. ``shown`` is the field
    the rejects' ``value`` shows (``None``: nothing). A rule of one cell is a column check of
    pandera's; one with ``columns`` looks across the row (a DataFrame check) and is about the
    first of ``columns`` (in the frame's order) whose cell ``about`` holds for.
    """

    key: str
    kind: str
    column: str
    label: str
    test: Callable[[Cells], np.ndarray]
    sql: SQL
    message: str
    shown: str | None = "value"
    columns: tuple[str, ...] = ()
    about: Callable[[object], bool] | None = None
    fields: Mapping[str, Field] = field(default_factory=dict)
    claims: tuple[str, ...] = ()
    """A fallback rule (:func:`otherwise`): the keys of the rules it falls back from; with
    them it holds exactly where ``base_sql`` does."""
    base_sql: SQL | None = None

    @property
    def fix(self) -> str:
        return fix_for(self.kind)

    @property
    def row_check(self) -> bool:
        """Whether the rule looks across the row (a pandera DataFrame check)."""
        return bool(self.columns)

    def _field(self, name: str) -> Field:
        return self.fields.get(name) or FIELDS[name]

    def reasons(self, cells: Cells, rows: np.ndarray, column: str | None = None) -> pd.Series:
        """The reason of each row at positions ``rows`` (index: those positions); ``column``:
        the cell named, for a rule across the row (default: the rule's column)."""
        column = column or self.column
        names = [n for _, n, _, _ in string.Formatter().parse(self.message) if n is not None]
        values = {n: self._field(n).pandas(cells, column, rows).set_axis(rows) for n in names}
        out = fill(self.message, **values)
        return out if isinstance(out, pd.Series) else pd.Series(out, index=rows, dtype=object)

    def shown_values(self, cells: Cells, rows: np.ndarray, column: str | None = None) -> object:
        """What the rejects' ``value`` shows for the rows at positions ``rows``."""
        if self.shown is None:
            return None
        field_ = self._field(self.shown)
        return field_.pandas(cells, column or self.column, rows).to_numpy(dtype=object)

    def problems(self, cells: Cells, rows: np.ndarray, column: str | None = None
                 ) -> pd.DataFrame:
        """The problem frame of the rows at positions ``rows`` (``idx``: their index labels)."""
        return problems(cells.typed.index[rows], column or self.column,
                        self.shown_values(cells, rows, column),
                        self.reasons(cells, rows, column).to_numpy(dtype=object), self.kind,
                        label=self.label)

    def sql_in(self, dialect: Dialect = DUCKDB) -> str:
        """Where a row breaks the rule, in the SQL of ``dialect``."""
        return render(self.sql, dialect)

    def reason_sql(self, dialect: Dialect = DUCKDB) -> str:
        """The reason in SQL (a text expression)."""
        names = [n for _, n, _, _ in string.Formatter().parse(self.message) if n is not None]
        return dialect.fill(self.message, **{n: self._field(n).sql(self.column, dialect)
                                             for n in names})

    def shown_sql(self, dialect: Dialect = DUCKDB) -> str:
        """The rejects' ``value`` in SQL."""
        shown = "NULL" if self.shown is None else self._field(self.shown).sql(self.column,
                                                                               dialect)
        return f"CAST({shown} AS {dialect.text_type})"


def any_of(rules: Iterable[Rule], cells: Cells) -> np.ndarray:
    """The rows that break any of ``rules`` (the vectorised screen)."""
    masks = [np.asarray(r.test(cells), dtype=bool) for r in rules]
    return reduce(np.logical_or, masks) if masks else np.zeros(len(cells.typed), dtype=bool)


def otherwise(key: str, kind: str, column: str, base: Callable[[Cells], np.ndarray],
              base_sql: SQL, others: Iterable[Rule], **rule: object) -> Rule:
    """A rule for the rows ``base`` holds for that none of ``others`` claims (the general
    reason after the specific ones)."""
    others = list(others)

    def test(cells: Cells) -> np.ndarray:
        hit = np.asarray(base(cells), dtype=bool)
        return hit & ~any_of(others, cells) if others and hit.any() else hit

    def sql(d: Dialect) -> str:
        # SQL's NULL (a missing metric, say) is not true: a rule it leaves unsure claims nothing
        return " AND ".join([f"({render(base_sql, d)})",
                             *(f"NOT coalesce({o.sql_in(d)}, false)" for o in others)])

    label = KINDS[kind].label.format(column=column)
    return Rule(key, kind, column, label, test, sql, claims=tuple(o.key for o in others),
                base_sql=base_sql, **rule)  # type: ignore[arg-type]


def screen_sql(rules: Iterable[Rule], dialect: Dialect = DUCKDB) -> str:
    """SQL true where a row breaks any of ``rules`` (the SQL screen): a fallback and the rules
    it falls back from hold, together, exactly where its base does, so the group is screened
    by its (cheap) base, not by each rule's test of the cell's text."""
    rules = list(rules)
    claimed = {k for r in rules for k in r.claims}
    parts = [render(r.base_sql if r.claims else r.sql, dialect) for r in rules
             if r.key not in claimed]
    return "coalesce(" + " OR ".join(f"({p})" for p in parts) + ", false)"


# ------------------------------------------------------------------ the rules of a column
def floats(s: pd.Series) -> np.ndarray:
    """A column of numbers as a float array, missing as NaN (no copy of a float column)."""
    return s.to_numpy(dtype=float) if s.dtype.kind == "f" else \
        s.to_numpy(dtype=float, na_value=np.nan)


def _values(cells: Cells, column: str) -> np.ndarray:
    return floats(cells.typed[column])


def missing(column: str, *, typed: bool = False) -> Rule:
    """A cell that must be given (a cell given but not read, of a ``typed`` column such as a
    date or a number, is not also missing)."""
    def test(cells: Cells) -> np.ndarray:
        out = cells.typed[column].isna().to_numpy()
        unread = cells.unread.get(column)
        return out & ~unread if unread is not None and out.any() else out

    sql = f"{column} IS NULL" + (f" AND NOT {column}_unread" if typed else "")
    return Rule(f"{column}:missing", "missing", column, f"missing {column}", test, sql,
                f"missing {column}", shown=None)


def at_least(column: str, bound: float) -> Rule:
    """``column >= bound`` (missing passes); below 0 is ``negative``."""
    def test(cells: Cells) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return _values(cells, column) < bound

    kind = "negative" if bound == 0 else "below"
    label = KINDS[kind].label.format(column=column, bound=f"{bound:g}")
    return Rule(f"{column}:{kind}", kind, column, label, test, f"{column} < {bound:g}",
                f"{label} ({{value}})")


def at_most(column: str, bound: float) -> Rule:
    """``column <= bound`` (missing passes)."""
    def test(cells: Cells) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return _values(cells, column) > bound

    label = KINDS["above"].label.format(column=column, bound=f"{bound:g}")
    return Rule(f"{column}:above", "above", column, label, test, f"{column} > {bound:g}",
                f"{label} ({{value}})")


def above_zero(column: str) -> Rule:
    """``column > 0`` (missing passes)."""
    def test(cells: Cells) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return _values(cells, column) <= 0

    label = KINDS["not_above_zero"].label.format(column=column)
    return Rule(f"{column}:not_above_zero", "not_above_zero", column, label, test,
                f"{column} <= 0", f"{label} ({{value}})")


def not_empty(column: str) -> Rule:
    """A text cell, if given, is not empty."""
    def test(cells: Cells) -> np.ndarray:
        s = cells.typed[column]
        return (s.notna() & s.astype(str).str.len().lt(1)).to_numpy(dtype=bool)

    return Rule(f"{column}:empty", "empty", column, f"empty {column}", test,
                f"length({column}) < 1", f"empty {column}")


def isin_array(s: pd.Series, values: Iterable[object]) -> np.ndarray:
    """``s.isin(values)`` as an array; for a categorical, one lookup per category."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        hit = np.append(s.cat.categories.isin(list(values)), False)  # code -1: missing
        return hit[s.cat.codes.to_numpy()]
    return s.isin(list(values)).to_numpy()


def one_of(column: str, allowed: Iterable[str], kind: str) -> Rule:
    """A given cell is one of ``allowed`` (missing passes)."""
    allowed = sorted(allowed)

    def test(cells: Cells) -> np.ndarray:
        s = cells.typed[column]
        return ~isin_array(s, allowed) & s.notna().to_numpy()

    label = KINDS[kind].label.format(column=column)
    return Rule(f"{column}:{kind}", kind, column, label, test,
                lambda d: f"{column} NOT IN ({d.names(allowed)})", f"{label} '{{value}}'")


def finite(columns: tuple[str, ...]) -> Rule:
    """No ``inf`` in ``columns`` (a row check: the first infinite cell is named)."""
    def test(cells: Cells) -> np.ndarray:
        present = [c for c in columns if c in cells.typed]
        return reduce(np.logical_or, [np.isinf(_values(cells, c)) for c in present])

    def sql(d: Dialect) -> str:
        return " OR ".join(d.isinf(c) for c in columns)

    return Rule("finite", "not_finite", columns[0], "value must be finite", test, sql,
                "value must be finite", columns=columns,
                about=lambda v: isinstance(v, float | np.floating) and bool(np.isinf(v)))
