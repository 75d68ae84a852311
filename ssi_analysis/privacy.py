"""Stable, salted pseudonyms for reps (and managers) in everything an output shows.

``--anonymize`` replaces every rep id with ``Rep-XXXXXX``, six hex digits of
``HMAC-SHA256(salt, id)``: the same id and salt always give the same pseudonym (so reports from
one quarter to the next line up), and without the salt the mapping cannot be recomputed from
guessed ids. The salt is the user's (``--salt`` or the ``SSI_ANALYSIS_SALT`` environment
variable); by default it is derived from the bytes of the ``reps`` file, so it is stable for the
same data and unknown to anyone who does not hold that file. Rep names (``rep_name`` or any
column named like a person's name) are dropped from anonymised tables, never shown.

Examples
--------
>>> pseudonym("R0001", salt="s")
'Rep-c45f25'
>>> pseudonym("R0001", salt="s") == pseudonym("R0001", salt="s") != pseudonym("R0002", salt="s")
True
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import pandas as pd

ID_COLUMNS = ("rep_id", "manager_id", "crm_owner", "owner")
"""Columns holding a person's id: pseudonymised."""

NAME_COLUMNS = ("rep_name", "name", "full_name", "first_name", "last_name", "email",
                "owner_name", "manager_name")
"""Columns holding a person's name or contact: dropped."""

SALT_ENV = "SSI_ANALYSIS_SALT"


def pseudonym(value: object, *, salt: str, prefix: str = "Rep") -> str:
    """The pseudonym of one id."""
    digest = hmac.new(salt.encode("utf-8"), str(value).encode("utf-8"), hashlib.sha256)
    return f"{prefix}-{digest.hexdigest()[:6]}"


def default_salt(reps_file: Path | None) -> str:
    """The salt: ``SSI_ANALYSIS_SALT`` if set, else a hash of the reps file's bytes."""
    env = os.environ.get(SALT_ENV)
    if env:
        return env
    if reps_file is not None and Path(reps_file).is_file():
        return hashlib.sha256(Path(reps_file).read_bytes()).hexdigest()
    return "ssi-analysis"


def anonymize(df: pd.DataFrame, *, salt: str) -> pd.DataFrame:
    """A copy of ``df`` with person ids pseudonymised and name columns dropped.

    ``manager_id`` values get the prefix ``Mgr``; everything else ``Rep``. Missing ids stay
    missing.
    """
    out = df.drop(columns=[c for c in df.columns if str(c).lower() in NAME_COLUMNS])
    for col in ID_COLUMNS:
        if col in out:
            prefix = "Mgr" if col == "manager_id" else "Rep"
            values = out[col]
            out[col] = values.map(lambda v, p=prefix: pseudonym(v, salt=salt, prefix=p)
                                  if pd.notna(v) else v)
    return out
