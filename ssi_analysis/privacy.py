"""Stable, salted pseudonyms for reps (and managers) in everything an output shows.

``--anonymize`` replaces every rep id with ``Rep-XXXXXX``, six hex digits of
``HMAC-SHA256(salt, id)``: the same id and salt always give the same pseudonym (so reports from
one quarter to the next line up), and without the salt the mapping cannot be recomputed from
guessed ids. The salt is the user's (``--salt`` or the ``SSI_ANALYSIS_SALT`` environment
variable); by default it is derived from the bytes of the ``reps`` file, so it is stable for the
same data and unknown to anyone who does not hold that file. Rep names (``rep_name`` or any
column named like a person's name) are dropped from anonymised tables, never shown.

:class:`Pseudonyms` applies this to everything a command writes: tables (:meth:`~Pseudonyms.table`),
the rejects file (:meth:`~Pseudonyms.rejects`: the rejected cell of the ``reps`` table, which may
hold a name, is hidden) and free text such as notes (:meth:`~Pseudonyms.text`).

Examples
--------
>>> pseudonym("R0001", salt="s")
'Rep-c45f25'
>>> pseudonym("R0001", salt="s") == pseudonym("R0001", salt="s") != pseudonym("R0002", salt="s")
True
>>> p = Pseudonyms("s", ids=["R0001"], names=["Ana Lima"])
>>> p.text("2 rep(s) have no quota: R0001; owner 'Ana Lima' matches no rep")
"2 rep(s) have no quota: Rep-c45f25; owner 'Rep-a96e60' matches no rep"
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

ID_COLUMNS = ("rep_id", "manager_id", "crm_owner", "owner")
"""Columns holding a person's id: pseudonymised."""

NAME_COLUMNS = ("rep_name", "name", "full_name", "first_name", "last_name", "email",
                "owner_name", "manager_name")
"""Columns holding a person's name or contact: dropped."""

HIDDEN = "(hidden)"
"""What an anonymised rejects file shows for a cell that may hold a name."""

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
            codes, uniques = pd.factorize(out[col])          # each id once: ids repeat
            names = [pseudonym(v, salt=salt, prefix=prefix) for v in uniques]
            mapped = pd.Series(names + [None], dtype=object).to_numpy()[codes]
            out[col] = pd.Series(mapped, index=out.index, dtype=object)
    return out


class Pseudonyms:
    """Pseudonyms for one run: tables, rejects and free text, all with the same ``salt``.

    Parameters
    ----------
    salt : str
        The salt of :func:`pseudonym`.
    ids : iterable of str
        Person ids that free text may mention (rep ids, owner names of a CRM export): each
        becomes its pseudonym in :meth:`text`.
    managers : iterable of str
        Manager ids (pseudonyms ``Mgr-...``).
    names : iterable of str
        Other words that identify a person (rep names, CRM owner names): pseudonymised in
        :meth:`text` like ids.
    aliases : dict, optional
        Ids written another way -> the rep's id (``{'r001': 'R001'}``, as loading repaired
        them): shown as that rep's pseudonym.
    """

    def __init__(self, salt: str, *, ids: Iterable[str] = (), managers: Iterable[str] = (),
                 names: Iterable[str] = (), aliases: dict[str, str] | None = None):
        self.salt = salt
        known = {str(v): pseudonym(v, salt=salt) for v in [*ids, *names] if _usable(v)}
        known.update({str(k): pseudonym(v, salt=salt) for k, v in (aliases or {}).items()
                      if _usable(k)})
        known.update({str(v): pseudonym(v, salt=salt, prefix="Mgr") for v in managers
                      if _usable(v)})
        self._known = known
        words = sorted(known, key=len, reverse=True)
        self._pattern = (re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, words))
                                    + r")(?![\w-])") if words else None)

    @classmethod
    def for_bundle(cls, bundle, salt: str) -> Pseudonyms:
        """Pseudonyms of a loaded data folder: its reps' ids, managers and names, and the owners
        of its CRM export."""
        reps = bundle.reps
        names = [v for c in reps.columns if str(c).lower() in (*NAME_COLUMNS, "crm_owner")
                 for v in reps[c].dropna().astype(str)]
        ids = list(reps["rep_id"].dropna().astype(str))
        rejected = bundle.quality.rejects
        if not rejected.empty:
            ids += [v for v in rejected["rep_id"].dropna().astype(str)]
            owner = rejected["column"].isin(ID_COLUMNS)
            ids += [v for v in rejected.loc[owner, "value"].dropna().astype(str)]
        if bundle.opportunities is not None and "owner" in bundle.opportunities:
            names += list(bundle.opportunities["owner"].dropna().astype(str))
        if bundle.crm is not None and not bundle.crm.unmatched_owners.empty:
            names += list(bundle.crm.unmatched_owners["owner"].astype(str))
        managers = (list(reps["manager_id"].dropna().astype(str)) if "manager_id" in reps
                    else [])
        return cls(salt, ids=ids, managers=managers, names=names,
                   aliases=bundle.quality.id_repairs)

    def table(self, df: pd.DataFrame) -> pd.DataFrame:
        """:func:`anonymize` with this salt."""
        return anonymize(df, salt=self.salt)

    def rejects(self, df: pd.DataFrame) -> pd.DataFrame:
        """A rejects (or flags) file anonymised: ``rep_id`` pseudonymised; the rejected cell
        pseudonymised when it is an id (``owner``...), hidden when it is a cell of the ``reps``
        table or of a name column (it may hold a name); every person id or name in the reason
        and in any other rejected cell pseudonymised."""
        if df.empty:
            return df
        out = df.copy()
        column = out["column"].astype(str)
        value = out["value"].astype(object)
        is_id = column.isin(ID_COLUMNS) & value.notna()
        hide = (out["table"].eq("reps") | column.isin(NAME_COLUMNS)) & ~is_id & value.notna()
        shown = value.where(~is_id, value[is_id].map(
            lambda v, c=None: pseudonym(v, salt=self.salt)))
        shown = shown.where(~hide, HIDDEN)
        # any other cell is free text that may name a person ('Closed Won by Casey Smith')
        rest = ~is_id & ~hide & value.notna()
        shown[rest] = shown[rest].map(lambda v: self.text(v) if isinstance(v, str) else v)
        reason = out["reason"].astype(str)
        odd = value.astype(str)
        # a quoted id or hidden cell in the reason: the same as the cell shows
        fix = (is_id | hide) & reason.str.contains("'", regex=False)
        if fix.any():
            reason[fix] = [r.replace(f"'{v}'", f"'{s}'") for r, v, s in
                           zip(reason[fix], odd[fix], shown[fix].astype(str), strict=True)]
        out["value"] = shown
        out["reason"] = reason.map(self.text)
        out["rep_id"] = out["rep_id"].map(lambda v: pseudonym(v, salt=self.salt)
                                          if isinstance(v, str) else v)
        return out

    def text(self, text: str) -> str:
        """``text`` with every known person id or name replaced by its pseudonym."""
        if self._pattern is None or not isinstance(text, str):
            return text
        return self._pattern.sub(lambda m: self._known[m.group(1)], text)

    def lines(self, lines: Iterable[str]) -> list[str]:
        """:meth:`text` of each line."""
        return [self.text(line) for line in lines]


def _usable(value: object) -> bool:
    """An id worth replacing in text: not empty, not a bare number of one or two digits."""
    text = str(value).strip()
    return bool(text) and not re.fullmatch(r"\d{1,2}", text)
