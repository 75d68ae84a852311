"""What differs between SQL engines: a :class:`Dialect` per engine, every other word shared.

The SQL the engines run is written once: the scoring statement
(:mod:`ssi_analysis.scoring.sql`), the row rules (:mod:`ssi_analysis.rules`, whose SQL
predicates and reasons are rendered per dialect) and the typing and checking of every row
(:mod:`ssi_analysis.engines.sqlrun`). Where two engines spell a construct differently (a
string literal, a regular expression, a date format, an aggregate's name) the text comes from
a method of the engine's :class:`Dialect`. :data:`DUCKDB` is DuckDB's (the base class);
:data:`SPARK` is Spark SQL's, a subclass overriding the methods whose SQL differs there.

Each method says what it means in Python's terms (``str.strip``, ``str(float)``,
``strptime``) so that both engines give the pandas loader's texts, reasons and values.

Examples
--------
>>> DUCKDB.text("it's"), SPARK.text("it's")
("'it''s'", "'it\\\\'s'")
>>> DUCKDB.full_match("c", r"\\d+"), SPARK.full_match("c", r"\\d+")
("regexp_full_match(c, '\\\\d+')", "(c RLIKE '^(?:\\\\\\\\d+)$')")
>>> SPARK.parse_date("t", "%d/%m/%Y")
"CAST(try_to_timestamp(t, 'd/M/yyyy') AS DATE)"
"""

from __future__ import annotations

import string
from collections.abc import Iterable

import numpy as np

WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
"""What Python's ``str.strip()`` removes: cells are trimmed alike in SQL."""

_SPACE_CLASS = "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE)


class Dialect:
    """How SQL is written for one engine: DuckDB's (this class) unless a subclass says otherwise.

    Override a method where the engine's SQL differs; the statements' structure stays the
    generators'.
    """

    name = "duckdb"
    text_type = "VARCHAR"
    """The SQL type of text."""

    # ------------------------------------------------------------------ literals and names
    def ident(self, name: str) -> str:
        """A quoted identifier."""
        return '"' + name.replace('"', '""') + '"'

    def text(self, value: object) -> str:
        """A string literal of ``str(value)``."""
        return "'" + str(value).replace("'", "''") + "'"

    def names(self, values: Iterable[str]) -> str:
        """A SQL list of text literals, sorted (for ``IN (...)``)."""
        return ", ".join(self.text(v) for v in sorted(values))

    def num(self, value: float) -> str:
        """A DOUBLE literal that reads back exactly the Python float."""
        return f"CAST('{float(value)!r}' AS DOUBLE)"

    def day(self, value: np.datetime64) -> str:
        """A DATE literal."""
        return f"DATE '{np.datetime_as_string(np.datetime64(value, 'D'))}'"

    def fill(self, template: str, **exprs: str) -> str:
        """``template.format(...)`` in SQL: the template's text as literals, each field the SQL
        expression given for it, concatenated (:func:`ssi_analysis.rules.fill` in SQL)."""
        parts = []
        for literal, name, _, _ in string.Formatter().parse(template):
            if literal:
                parts.append(self.text(literal))
            if name is not None:
                parts.append(exprs[name])
        return " || ".join(parts) or "''"

    # ------------------------------------------------------------------ text
    def to_text(self, expr: str) -> str:
        """A value as text, as Python's ``str`` writes it (``-1.0``, ``1e+20``, ``inf``)."""
        return f"CAST({expr} AS {self.text_type})"

    def float_text(self, expr: str) -> str:
        """:meth:`to_text` of a value known to be a DOUBLE (or FLOAT)."""
        return self.to_text(expr)

    def cast_text(self, expr: str) -> str:
        """:meth:`to_text` of a value known not to be a DOUBLE or FLOAT (text, a whole number,
        a date): its cast to text, in every dialect. In Spark's, :meth:`to_text` writes the
        rewriting of a DOUBLE's text wherever it is used, whatever the value's type:

        >>> SPARK.cast_text("c"), len(SPARK.cast_text("c")) < len(SPARK.to_text("c")) // 20
        ('CAST(c AS STRING)', True)
        """
        return f"CAST({expr} AS {self.text_type})"

    def int_text(self, expr: str) -> str:
        """A whole number held as a DOUBLE (below 1e18), as integer text (``12``)."""
        return f"CAST(CAST({expr} AS HUGEINT) AS VARCHAR)"

    def strip(self, expr: str) -> str:
        """Python's ``str.strip()`` of a text (a regular expression is faster than ``trim``
        with a set of characters)."""
        return self.replace_all(expr, f"^[{_SPACE_CLASS}]+|[{_SPACE_CLASS}]+$", "")

    def replace_all(self, expr: str, pattern: str, replacement: str) -> str:
        """Every match of the regular expression ``pattern`` replaced."""
        return (f"regexp_replace({expr}, {self.text(pattern)}, {self.text(replacement)}, "
                "'g')")

    def matches(self, expr: str, pattern: str) -> str:
        """Whether the regular expression ``pattern`` matches somewhere in the text."""
        return f"regexp_matches({expr}, {self.text(pattern)})"

    def full_match(self, expr: str, pattern: str) -> str:
        """Whether the whole text matches ``pattern`` (Python's ``re.fullmatch``)."""
        return f"regexp_full_match({expr}, {self.text(pattern)})"

    # ------------------------------------------------------------------ numbers
    def try_double(self, text: str) -> str:
        """A trimmed text read as a DOUBLE (``12``, ``-1.5e3``, ``inf``, ``nan``), NULL when it
        is not a number."""
        return f"TRY_CAST({text} AS DOUBLE)"

    def isinf(self, expr: str) -> str:
        """Whether a DOUBLE is infinite."""
        return f"isinf({expr})"

    def isfinite(self, expr: str) -> str:
        """Whether a DOUBLE is neither infinite nor NaN."""
        return f"isfinite({expr})"

    # ------------------------------------------------------------------ dates
    def date_text(self, expr: str) -> str:
        """A date as ``YYYY-MM-DD``."""
        return f"strftime({expr}, '%Y-%m-%d')"

    def parse_date(self, text: str, fmt: str) -> str:
        """A text read as a date by ``fmt`` (Python's ``strptime`` codes ``%d %m %Y``), NULL
        when it does not read."""
        return f"CAST(try_strptime({text}, {self.text(fmt)}) AS DATE)"

    def local_date(self, expr: str, tz: str) -> str:
        """The calendar date of a timestamp with a time zone, in the zone ``tz``."""
        return f"CAST(timezone({self.text(tz)}, {expr}) AS DATE)"

    def days(self, first: str, last: str) -> str:
        """A relation of one DATE column ``d``: every day from ``first`` to ``last``."""
        return (f"(SELECT CAST(g.d AS DATE) AS d FROM generate_series({first}, {last}, "
                "INTERVAL 1 DAY) AS g(d))")

    def timestamp(self, expr: str) -> str:
        """A date as the timestamp pandas writes to Parquet."""
        return f"CAST({expr} AS TIMESTAMP_NS)"

    # ------------------------------------------------------------------ aggregates, windows
    def last_ignore_nulls(self, expr: str) -> str:
        """The window function giving the last non-NULL ``expr`` of the frame."""
        return f"last_value({expr} IGNORE NULLS)"

    def arg_max(self, value: str, key: str) -> str:
        """The aggregate giving ``value`` at the largest ``key``."""
        return f"arg_max({value}, {key})"

    def arg_min(self, value: str, key: str) -> str:
        """The aggregate giving ``value`` at the smallest ``key``."""
        return f"arg_min({value}, {key})"

    def distinct_list(self, expr: str) -> str:
        """The aggregate giving the distinct non-NULL values as a list (in any order)."""
        return f"list(DISTINCT {expr}) FILTER (WHERE {expr} IS NOT NULL)"

    def metric_bit(self, code: str) -> str:
        """A 64-bit integer with bit ``code`` set (NULL outside 0..63), for ``bit_or``."""
        return (f"CASE WHEN {code} BETWEEN 0 AND 63 THEN CAST(1 AS UBIGINT) << "
                f"CAST(greatest({code}, 0) AS UBIGINT) END")


DUCKDB = Dialect()
"""DuckDB's SQL."""


_JAVA_FORMAT = {"%d": "d", "%m": "M", "%Y": "yyyy"}
"""Python's ``strptime`` codes as Java's (Spark's) date patterns; when parsing, Java reads one
or two digits for ``d`` and ``M`` as Python does for ``%d`` and ``%m``."""


class SparkDialect(Dialect):
    """Spark SQL (4.x): backquoted names, backslash escapes in literals, Java's
    regular expressions and date patterns, ``max_by``, ``collect_set``, ``sequence``.

    The engine runs it with ANSI mode off and the session's time zone UTC
    (:mod:`ssi_analysis.engines.spark`).
    """

    name = "spark"
    text_type = "STRING"

    def ident(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def text(self, value: object) -> str:
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    def to_text(self, expr: str) -> str:
        # Java writes 1.2E7 and 1.0E-5 where Python writes 12000000.0 and 1e-05: a DOUBLE's
        # text is rewritten from Java's digits and exponent (other types are cast)
        return (f"CASE WHEN typeof({expr}) IN ('double', 'float') THEN "
                f"{self.float_text(expr)} ELSE CAST({expr} AS STRING) END")

    def float_text(self, expr: str) -> str:
        return _python_float(f"CAST({expr} AS STRING)")

    def int_text(self, expr: str) -> str:
        return f"CAST(CAST({expr} AS DECIMAL(38, 0)) AS STRING)"

    def replace_all(self, expr: str, pattern: str, replacement: str) -> str:
        return f"regexp_replace({expr}, {self.text(pattern)}, {self.text(replacement)})"

    def matches(self, expr: str, pattern: str) -> str:
        return f"({expr} RLIKE {self.text(pattern)})"

    def full_match(self, expr: str, pattern: str) -> str:
        # Java's $ also matches before a final line break; the texts matched are stripped
        return f"({expr} RLIKE {self.text(f'^(?:{pattern})$')})"

    def try_double(self, text: str) -> str:
        # Java also reads 1.5d, 0x1p3 and 1.5f: only what DuckDB and Python read is cast
        number = r"(?i)[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?|[+-]?(inf|infinity|nan)"
        return f"CASE WHEN {self.full_match(text, number)} THEN TRY_CAST({text} AS DOUBLE) END"

    def isinf(self, expr: str) -> str:
        return f"(abs({expr}) = CAST('Infinity' AS DOUBLE))"

    def isfinite(self, expr: str) -> str:
        return f"(abs({expr}) < CAST('Infinity' AS DOUBLE))"     # NaN is above infinity

    def date_text(self, expr: str) -> str:
        return f"date_format({expr}, 'yyyy-MM-dd')"

    def parse_date(self, text: str, fmt: str) -> str:
        pattern = fmt
        for code, java in _JAVA_FORMAT.items():
            pattern = pattern.replace(code, java)
        return f"CAST(try_to_timestamp({text}, {self.text(pattern)}) AS DATE)"

    def local_date(self, expr: str, tz: str) -> str:
        return f"CAST(from_utc_timestamp({expr}, {self.text(tz)}) AS DATE)"

    def days(self, first: str, last: str) -> str:
        return f"(SELECT explode(sequence({first}, {last}, INTERVAL 1 DAY)) AS d)"

    def timestamp(self, expr: str) -> str:
        return f"CAST({expr} AS TIMESTAMP_NTZ)"

    def last_ignore_nulls(self, expr: str) -> str:
        return f"last_value({expr}, true)"

    def arg_max(self, value: str, key: str) -> str:
        return f"max_by({value}, {key})"

    def arg_min(self, value: str, key: str) -> str:
        return f"min_by({value}, {key})"

    def distinct_list(self, expr: str) -> str:
        return f"collect_set({expr})"

    def metric_bit(self, code: str) -> str:
        return (f"CASE WHEN {code} BETWEEN 0 AND 63 THEN shiftleft(CAST(1 AS BIGINT), "
                f"CAST({code} AS INT)) END")


def _python_float(java: str) -> str:
    """Spark SQL rewriting ``java``, a DOUBLE as Java's ``Double.toString`` writes it
    (``1.2E7``, ``-0.001``, ``NaN``, ``Infinity``), as Python's ``repr`` does (``12000000.0``,
    ``-0.001``, ``nan``, ``inf``): the significant digits and the decimal exponent are read,
    then written fixed when the exponent is within -4..15, else as ``d.ddde+XX``. Lambdas
    bind each step's value once (Spark SQL has no ``LET``)."""
    def let(value: str, name: str, body: str) -> str:
        return f"element_at(transform(array({value}), {name} -> {body}), 1)"

    # j: the text; s: its sign; m: its mantissa's digits; p: where the point stands in m
    parts = ("named_struct('s', CASE WHEN substr(j, 1, 1) = '-' THEN '-' ELSE '' END, "
             "'m', replace(regexp_extract(j, '([0-9.]+)', 1), '.', ''), "
             "'p', length(regexp_extract(j, '([0-9]+)[.]', 1)) + "
             "coalesce(CAST(nullif(regexp_extract(j, 'E(-?[0-9]+)', 1), '') AS INT), 0))")
    # d: the significant digits (no leading or trailing zeros); e: the first one's exponent
    digits = ("named_struct('s', a.s, 'd', regexp_replace(regexp_replace(a.m, '^0+', ''), "
              "'0+$', ''), 'e', a.p - 1 - (length(a.m) - length(regexp_replace(a.m, '^0+', ''))))")
    fixed = ("CASE WHEN b.e >= 0 THEN rpad(substr(b.d, 1, b.e + 1), b.e + 1, '0') || '.' || "
             "CASE WHEN length(b.d) > b.e + 1 THEN substr(b.d, b.e + 2) ELSE '0' END "
             "ELSE '0.' || repeat('0', -b.e - 1) || b.d END")
    science = ("substr(b.d, 1, 1) || CASE WHEN length(b.d) > 1 THEN '.' || substr(b.d, 2) "
               "ELSE '' END || 'e' || CASE WHEN b.e < 0 THEN '-' ELSE '+' END || "
               "CASE WHEN abs(b.e) < 10 THEN '0' ELSE '' END || CAST(abs(b.e) AS STRING)")
    written = (f"b.s || CASE WHEN b.d = '' THEN '0.0' WHEN b.e BETWEEN -4 AND 15 THEN {fixed} "
               f"ELSE {science} END")
    body = let(let(parts, "a", digits), "b", written)
    return (f"CASE WHEN {java} = 'NaN' THEN 'nan' WHEN {java} = 'Infinity' THEN 'inf' "
            f"WHEN {java} = '-Infinity' THEN '-inf' ELSE {let(java, 'j', body)} END")


SPARK = SparkDialect()
"""Spark SQL."""
