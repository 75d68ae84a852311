"""Tables that carry their notes: a result is a DataFrame plus what was left out of it.

Notes travel in the result object, not in ``DataFrame.attrs`` (which pandas drops on many
operations). :class:`NotedTable` is the shape every such result shares — ``.table`` (the
DataFrame) and ``.notes`` (plain sentences) — and shows both in a notebook. Functions that take
such a table accept the object or a plain DataFrame (:func:`table_of`).

Examples
--------
>>> import pandas as pd
>>> t = NotedTable(pd.DataFrame({"a": [1, 2]}), notes=("one row left out",))
>>> len(t), t.notes
(2, ('one row left out',))
>>> table_of(t) is t.table
True
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True, eq=False, repr=False)
class NotedTable:
    """A table and the notes on what it leaves out."""

    table: pd.DataFrame
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.table, pd.DataFrame):
            raise TypeError(f"table must be a DataFrame, got {type(self.table).__name__}")
        object.__setattr__(self, "notes", tuple(self.notes))

    def __len__(self) -> int:
        return len(self.table)

    def describe_table(self) -> str:
        """One line saying what the table holds (the first line of the repr)."""
        return f"{len(self.table)} rows"

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}: {self.describe_table()}"]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines) + "\n" + repr(self.table)

    def _repr_html_(self) -> str:
        head = f"<p><b>{type(self).__name__}</b>: {html.escape(self.describe_table())}</p>"
        notes = ("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in self.notes) + "</ul>"
                 if self.notes else "")
        body = self.table._repr_html_() or f"<pre>{html.escape(repr(self.table))}</pre>"
        return head + notes + body


def table_of(data: NotedTable | pd.DataFrame) -> pd.DataFrame:
    """The DataFrame of a :class:`NotedTable`, or ``data`` itself."""
    return data.table if isinstance(data, NotedTable) else data
