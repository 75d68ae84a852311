"""Typing cells: text as read (or a file format's native cells) to ids, numbers, amounts and dates.

One module each: :mod:`.ids` (ids, metric and column names, category labels), :mod:`.numbers`,
:mod:`.amounts` (money with currency marks and thousands separators) and :mod:`.dates`;
:mod:`.common` holds what they share (missing cells, parsing each distinct value once). A parser
returns the typed values and which cells could not be read; why not is said by the rules of
:mod:`ssi_analysis.io.checks`. Both engines read cells by these rules: the DuckDB engine's SQL
takes its formats, its day-first decision and its messages from here.
"""
