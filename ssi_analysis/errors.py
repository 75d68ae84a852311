"""The toolkit's own error types.

Every problem a user can cause (a bad file, a bad column, a bad config) is raised as an
:class:`SSIError` subclass that carries *where* the problem is (file, column, rows) and *how to fix
it*. The command line turns these into a message and a non-zero exit code, never a traceback.
Any other exception is a bug in the toolkit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


def _format_rows(rows: Sequence[int], limit: int = 8) -> str:
    rows = list(rows)
    shown = ", ".join(str(r) for r in rows[:limit])
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return f"{shown}{more}"


@dataclass
class SSIError(Exception):
    """Base class: a problem the user can fix.

    Parameters
    ----------
    problem : str
        What is wrong, in plain words.
    file : str, optional
        The file (or table) the problem is in.
    column : str, optional
        The column concerned.
    rows : sequence of int, optional
        Row numbers as a spreadsheet shows them (header = row 1, first data row = row 2).
    fix : str, optional
        What the user should do about it.
    """

    problem: str
    file: str | None = None
    column: str | None = None
    rows: Sequence[int] = field(default_factory=tuple)
    fix: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.column:
            where.append(f"column '{self.column}'")
        if len(self.rows):
            where.append(f"row{'s' if len(self.rows) > 1 else ''} {_format_rows(self.rows)}")
        text = f"{': '.join([', '.join(where)]) + ': ' if where else ''}{self.problem}"
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


class SSIInputError(SSIError):
    """A data file cannot be used as it is (missing column, unreadable file, duplicate ids...)."""


class SSIConfigError(SSIError):
    """A configuration file or option is invalid (unknown key, wrong type, out of range)."""


class SSIDataError(SSIError):
    """The data are valid but cannot answer the question asked (e.g. no outcomes to analyse)."""


class SSIOutputError(SSIError):
    """An output cannot be written (a folder in the way, no permission, a full disk)."""


class SSIInputErrors(SSIInputError):
    """Several input problems found at once (lazy validation); ``errors`` holds each one."""

    def __init__(self, errors: Sequence[SSIError]):
        self.errors = list(errors)
        super().__init__(problem=f"{len(self.errors)} problems found")

    def __str__(self) -> str:
        lines = [f"{len(self.errors)} problem{'s' if len(self.errors) != 1 else ''} found:"]
        for i, err in enumerate(self.errors, 1):
            body = str(err).replace("\n", "\n     ")
            lines.append(f"  {i}. {body}")
        return "\n".join(lines)
