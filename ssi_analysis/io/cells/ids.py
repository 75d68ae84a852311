"""Ids, names and labels: trimmed text, names normalised, ids matched by their key, labels merged."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ...schemas import normalise_name
from .common import arrow_text, distinct_values, is_missing, recode_categories, take_by_code


def parse_ids(s: pd.Series) -> pd.Series:
    """Ids as trimmed text; numbers stored as floats (``12.0``) become ``'12'``; missing -> NA.

    A categorical column stays categorical (its categories parsed); any other gives Python
    strings and ``None``.

    >>> parse_ids(pd.Series([" 007 ", 12.0, "n/a", None])).tolist()
    ['007', '12', None, None]
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        return recode_categories(s, parse_id_cells(pd.Series(s.cat.categories)))
    found = distinct_values(s)
    if found is None:
        return parse_id_cells(s)
    codes, values = found
    return take_by_code(parse_id_cells(values), codes, s.index)


def parse_id_cells(s: pd.Series) -> pd.Series:
    arr = arrow_text(s)
    if arr is not None:                  # text only: trimmed, and missing as None
        trimmed = np.array(pc.utf8_trim_whitespace(arr).to_pylist(), dtype=object)
        trimmed[is_missing(s).to_numpy()] = None
        return pd.Series(trimmed, index=s.index, dtype=object, name=s.name)

    def one(v: object) -> object:
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return v
    out = s.map(one).astype("string").str.strip()
    return out.mask(is_missing(s)).astype(object).where(lambda x: x.notna(), None)


LABEL_COLUMNS = ("team", "industry", "region")
"""The reps' category labels, by which reps are grouped (ranks, comparisons, controls)."""


_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
"""Zero-width characters (and the soft hyphen): invisible, so never meant in a label."""


def _shown_label(label: str) -> str:
    """A label as a message shows it: invisible characters written out (``<U+200B>``)."""
    return _INVISIBLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", label)


def _spelled_once(distinct) -> bool:
    """Whether each of these distinct labels is already its one spelling: printable ASCII
    without spaces around it, and no two the same but for letter case (the usual case, decided
    without the frame operations the merging needs)."""
    keys = set()
    for label in distinct:
        if not (label.isascii() and label.isprintable() and label == label.strip()):
            return False
        keys.add(label.lower())
    return len(keys) == len(distinct)


def clean_labels(labels: pd.Series, *, file: str, column: str) -> tuple[pd.Series, str | None]:
    """Category labels as one spelling each: spaces around them and zero-width characters
    removed, and labels differing only in letter case read as the most frequent spelling (the
    first in the file on a tie). Returns the labels and the warning of a repair (``None`` when
    nothing changed but spaces around a label, which are trimmed as everywhere).

    >>> out, warning = clean_labels(pd.Series(["Software", "software", "Software\\u200b", None,
    ...                                        "Retail"]), file="reps.csv", column="industry")
    >>> out.tolist()
    ['Software', 'Software', 'Software', None, 'Retail']
    >>> warning
    "reps.csv: 2 industry label(s) written another way were merged: 'software' and 'Software<U+200B>' read as 'Software' (they differ only in letter case or invisible characters; the most frequent spelling is kept: write one spelling in the source to silence this)"
    """
    given = labels.notna()
    if not given.any():
        return labels, None
    text = labels[given].astype(str)
    if _spelled_once(text.unique()):          # nothing to trim or merge: the labels as given
        cells = np.full(len(labels), None, dtype=object)
        cells[given.to_numpy()] = text.to_numpy(dtype=object)
        return pd.Series(cells, index=labels.index, dtype=object, name=labels.name), None
    clean = text.str.replace(_INVISIBLE, "", regex=True).str.strip()
    key = clean.str.casefold()
    counts = (pd.DataFrame({"clean": clean, "key": key, "pos": np.arange(len(clean))})
              .groupby(["key", "clean"], sort=False).agg(n=("pos", "size"), first=("pos", "min"))
              .reset_index().sort_values(["key", "n", "first"], ascending=[True, False, True],
                                         kind="stable"))
    spelling = counts.drop_duplicates("key").set_index("key")["clean"]
    final = key.map(spelling)
    cells = np.full(len(labels), None, dtype=object)
    cells[given.to_numpy()] = final.to_numpy(dtype=object)
    out = pd.Series(cells, index=labels.index, dtype=object, name=labels.name)
    changed = pd.DataFrame({"raw": text.str.strip(), "final": final})
    changed = changed[changed["raw"] != changed["final"]].drop_duplicates("raw")
    if changed.empty:
        return out, None
    parts = []
    for target, grp in changed.groupby("final", sort=True):
        shown = [f"'{_shown_label(r)}'" for r in grp["raw"]]
        names = " and ".join([", ".join(shown[:-1]), shown[-1]]) if len(shown) > 1 else shown[0]
        parts.append(f"{names} read as '{_shown_label(target)}'")
    more = f"; and {len(parts) - 5} more" if len(parts) > 5 else ""
    return out, (f"{file}: {len(changed)} {column} label(s) written another way were merged: "
                 f"{'; '.join(parts[:5])}{more} (they differ only in letter case or invisible "
                 "characters; the most frequent spelling is kept: write one spelling in the "
                 "source to silence this)")


def normalise_names(s: pd.Series) -> pd.Series:
    """:func:`normalise_name` of each text cell (missing stays missing), once per distinct value."""
    def one(m: object) -> object:
        return normalise_name(m) if isinstance(m, str) else None

    if isinstance(s.dtype, pd.CategoricalDtype):
        return recode_categories(s, pd.Series(s.cat.categories).astype(object).map(one))
    found = distinct_values(s)
    if found is None:
        return s.map(one).astype(object)
    codes, values = found
    return take_by_code(values.astype(object).map(one).astype(object), codes, s.index)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def id_key(rep_id: str) -> str:
    """How an id that matches no rep exactly is matched: letters A-Z in lower case, an id of
    digits only without its leading zeros (spreadsheets drop them: ``007`` becomes ``7``), and
    what cannot be seen left out: invisible characters (a zero-width space, a byte-order mark
    inside a file) and how Unicode writes a letter (``é`` as one character or as ``e`` and a
    combining accent: the same text, NFC).

    >>> id_key("R001"), id_key("r001"), id_key("007"), id_key("7"), id_key("000")
    ('r001', 'r001', '7', '7', '0')
    >>> id_key("\ufeffR001") == id_key("R001"), id_key("Jose\u0301") == id_key("Jos\u00e9")
    (True, True)
    """
    key = _INVISIBLE.sub("", unicodedata.normalize("NFC", rep_id)).translate(_ASCII_LOWER)
    if re.fullmatch(r"[0-9]+", key):
        key = key.lstrip("0") or "0"
    return key


def shown_id(text: str) -> str:
    """An id as a message shows it: what cannot be seen written out (``<U+200B>``), invisible
    characters and combining marks alike.

    >>> shown_id("R001\u200b"), shown_id("Jose\u0301")
    ('R001<U+200B>', 'Jose<U+0301>')
    """
    return "".join(f"<U+{ord(c):04X}>" if _INVISIBLE.fullmatch(c) or unicodedata.combining(c)
                   else c for c in text)


def id_difference(written: str, rep: str) -> str:
    """How an id differs from the rep's it is read as (:func:`id_key`), in words.

    >>> id_difference("r001", "R001"), id_difference("7", "007")
    ('in another letter case', 'without its leading zeros')
    >>> id_difference("R001\ufeff", "R001"), id_difference("Jose\u0301", "Jos\u00e9")
    ('with an invisible character (<U+FEFF>)', 'with its letters in another Unicode form (an accent as a mark of its own: NFD, not NFC)')
    """
    ways = []
    hidden = sorted({c for c in written + rep if _INVISIBLE.fullmatch(c)})
    if hidden:
        ways.append("with an invisible character (" + ", ".join(
            f"<U+{ord(c):04X}>" for c in hidden) + ")")
    plain_w, plain_r = (_INVISIBLE.sub("", t) for t in (written, rep))
    if plain_w != plain_r and (unicodedata.normalize("NFC", plain_w) != plain_w
                               or unicodedata.normalize("NFC", plain_r) != plain_r):
        ways.append("with its letters in another Unicode form (an accent as a mark of its "
                    "own: NFD, not NFC)")
    nfc_w, nfc_r = (unicodedata.normalize("NFC", t) for t in (plain_w, plain_r))
    if nfc_w != nfc_r and nfc_w.translate(_ASCII_LOWER) == nfc_r.translate(_ASCII_LOWER):
        ways.append("in another letter case")
    elif nfc_w != nfc_r:
        ways.append("without its leading zeros" if len(nfc_w) < len(nfc_r) else
                    "with other leading zeros")
    return " and ".join(ways) or "written another way"


def id_repairs(rep_ids) -> dict[str, str | None]:
    """Each :func:`id_key` of the reps' ids -> the one rep with that key (``None`` when several
    reps share it: then no id is matched by the key, since which rep is meant is unclear)."""
    out: dict[str, str | None] = {}
    for rid in sorted(rep_ids):
        key = id_key(rid)
        out[key] = None if key in out else rid
    return out
