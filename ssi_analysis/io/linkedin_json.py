"""LinkedIn's SSI JSON, checked for its shape and flattened to ``ssi_observed`` rows.

LinkedIn's SSI page is filled from ``/sales-api/salesApiSsi`` (the same object is embedded in the
page), and browser extensions save it as it is::

    {"memberScore": {"overall": 19.705751,
                     "subScores": [{"pillar": "PROFESSIONAL_BRAND", "score": 13.118002}, ...]},
     "groupScore": [{"groupType": "INDUSTRY", "rank": 75,
                     "score": {"overall": 30.99, "subScores": []}}, ...]}

(a live response of June 2026, quoted by a public test of a parser of it; ``overall`` is not
rounded, a group's ``subScores`` may be empty, and ``groupType`` may also be ``TEAM``, the
member's Sales Navigator team, which is not kept). A file holds one such object, a list of them,
``{"records": [...]}`` or a vendor's wrapper ``{"data": {...}}``; a record may carry the toolkit's
``rep_id`` and ``date`` (else they come from ``--rep``, the mapping or the file's name).

The structure is checked before anything is read: a record of the wrong shape (a number or a
list where an object belongs, a score that is text of no number, an unknown pillar) is rejected
with a reason naming the place in the JSON (``$[2].memberScore.subScores[1].score``), never a
``TypeError``; a file whose top level is not such an object or list stops the run.
Its text is decoded as a CSV table's is (:func:`~ssi_analysis.textfiles.decode_text`: UTF-8
with or without a byte-order mark, UTF-16, else Latin-1, said in a note).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import SSIInputError
from ..schemas import LINKEDIN_PILLARS
from ..textfiles import decode_text
from .read import RawTable

JSON_PROBLEM = "_json_problem"
"""The column of a flattened JSON table holding a record's shape problem (``None``: none)."""

GROUP_TYPES = {"INDUSTRY": "industry", "NETWORK": "network"}
IGNORED_GROUPS = frozenset({"TEAM"})

_FIX = ("a record is LinkedIn's SSI object: {\"memberScore\": {\"overall\": N, \"subScores\": "
        "[{\"pillar\": \"PROFESSIONAL_BRAND\", \"score\": N}, ...]}, \"groupScore\": "
        "[{\"groupType\": \"INDUSTRY\", \"rank\": N, \"score\": {\"overall\": N}}, ...]} "
        "(see data/README.md)")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class _Shape(Exception):
    """A record's shape problem: where in the JSON, and what."""

    def __init__(self, path: str, what: str):
        super().__init__(f"{path}: {what}")


def _obj(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise _Shape(path, f"an object expected, got {_kind(value)}")
    return value


def _list(value: Any, path: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Shape(path, f"a list expected, got {_kind(value)}")
    return value


def _score(value: Any, path: str) -> object:
    """A score as given: a number, or text a cell reader will read (``"20,998"``); ``None``."""
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    if isinstance(value, str):
        return value
    raise _Shape(path, f"a number expected, got {_kind(value)}")


def _text(value: Any, path: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    raise _Shape(path, f"text expected, got {_kind(value)}")


def _pillars(subs: Any, path: str, prefix: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for j, sub in enumerate(_list(subs, path)):
        where = f"{path}[{j}]"
        sub = _obj(sub, where)
        name = _text(sub.get("pillar"), f"{where}.pillar")
        pillar = LINKEDIN_PILLARS.get(str(name or "").strip().upper())
        if pillar is None:
            raise _Shape(f"{where}.pillar", f"unknown pillar {name!r} (LinkedIn's are "
                                            f"{', '.join(LINKEDIN_PILLARS)})")
        key = f"{prefix}{pillar}"
        if key in out:
            raise _Shape(f"{where}.pillar", f"{name} given twice")
        out[key] = _score(sub.get("score"), f"{where}.score")
    return out


def flatten_record(rec: Any, path: str) -> tuple[dict[str, object], list[str]]:
    """One record as ``ssi_observed`` fields, and notes (a TEAM benchmark not kept).

    Raises ``_Shape`` naming where the record is not LinkedIn's shape.
    """
    rec = _obj(rec, path)
    row: dict[str, object] = {"rep_id": _text(rec.get("rep_id"), f"{path}.rep_id"),
                              "date": _text(rec.get("date"), f"{path}.date")}
    if "memberScore" not in rec:
        raise _Shape(path, "no memberScore (the member's own scores)")
    member = _obj(rec["memberScore"], f"{path}.memberScore")
    row["ssi"] = _score(member.get("overall"), f"{path}.memberScore.overall")
    row.update(_pillars(member.get("subScores"), f"{path}.memberScore.subScores", ""))
    notes = []
    for i, group in enumerate(_list(rec.get("groupScore"), f"{path}.groupScore")):
        where = f"{path}.groupScore[{i}]"
        group = _obj(group, where)
        kind = str(_text(group.get("groupType"), f"{where}.groupType") or "").strip().upper()
        if kind in IGNORED_GROUPS:
            notes.append(kind)
            continue
        name = GROUP_TYPES.get(kind)
        if name is None:
            raise _Shape(f"{where}.groupType", f"unknown groupType {kind or None!r} (known: "
                                               "INDUSTRY, NETWORK, TEAM)")
        if f"{name}_rank" in row:
            raise _Shape(f"{where}.groupType", f"{kind} given twice")
        row[f"{name}_rank"] = _score(group.get("rank"), f"{where}.rank")
        score = group.get("score")
        if score is not None:
            score = _obj(score, f"{where}.score")
            row[f"{name}_ssi"] = _score(score.get("overall"), f"{where}.score.overall")
            row.update(_pillars(score.get("subScores"), f"{where}.score.subScores",
                                f"{name}_"))
    return row, notes


def _records(data: Any, name: str) -> tuple[list, str]:
    """The records of a file and the JSON path of the list (``$`` or ``$.records``)."""
    if isinstance(data, list):
        return data, "$"
    if isinstance(data, dict):
        if "records" in data:
            if not isinstance(data["records"], list):
                raise SSIInputError(f"$.records must be a list of LinkedIn's SSI objects, got "
                                    f"{_kind(data['records'])}", file=name, fix=_FIX)
            return data["records"], "$.records"
        if "memberScore" not in data and isinstance(data.get("data"), dict | list):
            inner, where = _records(data["data"], name)   # a vendor's wrapper
            return inner, where.replace("$", "$.data", 1)
        return [data], ""
    raise SSIInputError(f"the JSON holds {_kind(data)} where LinkedIn's SSI object (or a list "
                        "of them) belongs", file=name, fix=_FIX)


def read_linkedin_json(path: Path, name: str | None = None) -> RawTable:
    """Read LinkedIn's SSI JSON into ``ssi_observed`` columns (wide), one row per record.

    ``name`` is how messages name the file (default: its name). A record of the wrong shape is
    a row whose :data:`JSON_PROBLEM` says where and what (the loader rejects it); the others
    are rows of ``rep_id, date, ssi, brand, people, insights, relationships`` and the ranks and
    benchmarks present.

    Raises
    ------
    SSIInputError
        The file is not JSON, its top level is neither a record nor a list of them, or it holds
        no record.
    """
    name = name or path.name
    notes: list[str] = []
    try:
        data = json.loads(decode_text(path.read_bytes(), name, notes, save_as="UTF-8"))
    except (OSError, json.JSONDecodeError, RecursionError) as exc:
        raise SSIInputError(f"cannot read the JSON ({exc})", file=name,
                            fix="save LinkedIn's SSI response again as UTF-8 JSON") from None
    records, where = _records(data, name)
    rows, teams = [], 0
    for i, rec in enumerate(records):
        at = f"{where}[{i}]" if where else "$"
        try:
            row, ignored = flatten_record(rec, at)
            teams += len(ignored)
            row[JSON_PROBLEM] = None
        except _Shape as exc:
            row = {JSON_PROBLEM: str(exc)}
        rows.append(row)
    if not rows:
        raise SSIInputError("the JSON holds no SSI records", file=name, fix=_FIX)
    frame = pd.DataFrame(rows)
    for col in ("rep_id", "date", "ssi", "brand", "people", "insights", "relationships"):
        if col not in frame:
            frame[col] = None
    if teams:
        notes.append(f"{name}: {teams} TEAM benchmark(s) (the member's Sales Navigator team) "
                     "not kept: ssi_observed holds the industry's and the network's")
    return RawTable(frame.astype(object), name, 1, ".", notes)
