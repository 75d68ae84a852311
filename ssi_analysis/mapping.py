"""Column mappings: which columns of someone else's export hold each field, and the presets.

One mechanism for every table that arrives in another shape than the input contract. A
:class:`ColumnMapping` is read from a preset (``ssi_analysis/mappings/*.toml``) or the user's TOML
file, strictly (unknown sections and keys are errors with a suggestion), and says per table:

``opportunities`` (a CRM export, :mod:`ssi_analysis.crm`)
    ``[columns]``: the export column(s) holding ``owner, opportunity_id, created_date,
    close_date, stage, amount, currency``; ``[stages]``: which stages are won, lost, open.
``ssi_observed`` (LinkedIn's scores as a tracker, LinkedIn's JSON or a team export hold them,
:mod:`ssi_analysis.io.tables.observed`)
    ``[ssi_observed]``: the rep of files that carry none (``rep``), the rep or the date taken
    from the file's path (``rep_from_path``, ``date_from_path``: a regular expression with a
    named group), labels whose rows are no score (``skip``) and the words around a number
    as the page writes it (``rank_words``: ``Top 9%``; ``out_of``: ``52 de 100``);
    ``[ssi_observed.columns]``: the column(s) holding ``rep_id, date, time, section, field,
    value`` (a file with ``field`` and ``value`` is long: one row per field; else it is wide:
    one column per field); ``[ssi_fields]``: labels -> fields (``"Criar relacionamentos" =
    "relationships"``); ``[ssi_sections]``: section labels -> whose number the section holds
    (``member``, ``industry``, ``network``, or ``any``: the field says).

Every field list is looked for in order (first match wins), names compared as every column name
is (:func:`ssi_analysis.schemas.normalise_name`). A file lists only what differs from the
toolkit's own names, or from a preset named in ``[mapping] base``. LinkedIn's SSI page labels,
one file per language (``mappings/labels/*.toml``, each label with its source), are known to
every mapping. Without ``--mapping``, :func:`detect_mapping` (opportunities) and
:func:`detect_observed` (each ``ssi_observed`` file) pick the preset the columns fit, and say so.

Examples
--------
>>> m = load_mapping("salesforce")
>>> m.name, m.candidates("owner")[0], m.won
('salesforce', 'Opportunity Owner', ('Closed Won', 'Won'))
>>> detect_mapping(["deal_owner", "create_date", "close_date", "deal_stage", "amount"])[0].name
'hubspot'
>>> t = load_mapping("tracker")
>>> t.observed.candidates("section"), sorted(t.defines)
(('secao', 'seção'), ['ssi_observed'])
>>> labels = t.observed_labels()
>>> labels.field("Localizar as pessoas certas"), labels.section("Pessoas na sua rede")
('people', 'network')
>>> detect_observed(["data_referencia", "hora_referencia", "secao", "campo", "valor_original",
...                  "valor_numerico"], file="ssi_2026-05-19.csv")[0].mapping.name
'tracker'
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .config import _check_keys, _suggest
from .errors import SSIConfigError, SSIInputError
from .schemas import METRICS, OBSERVED_FIELD_ALIASES, TABLES, normalise_name

# ------------------------------------------------------------------ fields of each table
FIELDS: tuple[str, ...] = ("owner", "opportunity_id", "created_date", "close_date", "stage",
                           "amount", "currency")
"""The fields of an opportunity, after the column mapping."""

REQUIRED_FIELDS: tuple[str, ...] = ("owner", "created_date", "close_date", "stage", "amount")

OBSERVED_COLUMNS: tuple[str, ...] = ("rep_id", "date", "time", "section", "field", "value")
"""What ``[ssi_observed.columns]`` may name: the rep and the day of a snapshot (both may come
from elsewhere: ``--rep``, ``rep``, the file's path), the time of day (the latest snapshot of a
day is used), and, in long form, the section, the field (label) and the value."""

GROUPS: tuple[str, ...] = ("member", "industry", "network", "any")
"""Whose number a section of the SSI page holds: the member's own, the industry's or the
network's average, or ``any`` (the field label says, e.g. ``Industry SSI rank``)."""

OPPORTUNITY_PRESETS: tuple[str, ...] = ("salesforce", "hubspot")
OBSERVED_PRESETS: tuple[str, ...] = ("tracker", "team-export")
ACTIVITY_PRESETS: tuple[str, ...] = ("usage-report",)
PRESETS: tuple[str, ...] = (*OPPORTUNITY_PRESETS, *OBSERVED_PRESETS, *ACTIVITY_PRESETS)
"""The mapping presets shipped in ``ssi_analysis/mappings``."""

_CANONICAL_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("owner", ("owner", "rep_id")),
    ("opportunity_id", ("opportunity_id",)),
    ("created_date", ("created_date",)),
    ("close_date", ("close_date",)),
    ("stage", ("stage",)),
    ("amount", ("amount",)),
    ("currency", ("currency",)),
)
_CANONICAL_OBSERVED: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (c, (c,)) for c in OBSERVED_COLUMNS)
_TOP_KEYS = {"mapping", "columns", "stages", "ssi_fields", "ssi_sections", "ssi_observed",
             "activity", "activity_metrics"}
ACTIVITY_COLUMNS: tuple[str, ...] = ("rep_id", "period_start", "period_end", "date_range")
"""What ``[activity.columns]`` may name: the user, and the date range of the totals (two
columns, or one ``date_range`` column such as ``2026-01-01 - 2026-01-31``)."""
CARRIED = "carried"
"""The target of an ``[activity_metrics]`` label read but not scored (no scoring rule uses it:
``Lists created``)."""
RATES: dict[str, tuple[str, str]] = {"inmail_acceptance_rate": ("inmail_replies",
                                                                "inmails_sent")}
"""Rates a usage report may give instead of a count: ``rate -> (count, denominator)``; the
count is ``rate x denominator`` (a rate on 0..1, or 0..100 %)."""
_ACTIVITY_KEYS = {"columns", "period_from_path", "month_from_path"}
_MAPPING_KEYS = {"name", "description", "base"}
_STAGE_KEYS = {"won", "lost", "open"}
_OBSERVED_KEYS = {"columns", "rep", "rep_from_path", "date_from_path", "skip", "rank_words",
                  "out_of"}
_OBSERVED_FIELDS = frozenset(TABLES["ssi_observed"].numbers)
_ACTIVITY_TARGETS = (*METRICS, *RATES)
_CLOSED_WORDS = re.compile(r"\b(?:closed?|won|lost)\b|closed(?:won|lost)")

ISO_DATE_IN_NAME = r"(?P<date>\d{4}-\d{2}-\d{2})"
"""How the day of a snapshot file without a date column is found in its name by default."""


def _key(s: pd.Series | Sequence[str]) -> pd.Series:
    """Stages and owner names are compared case-insensitively, runs of spaces collapsed."""
    text = pd.Series(s).astype("string").str.replace(r"\s+", " ", regex=True).str.strip()
    return text.str.casefold()


def label_key(label: object) -> str:
    """How a label of the SSI page (a section or field name) is compared: as a column name
    (:func:`~ssi_analysis.schemas.normalise_name`), accents removed, so that a tracker that
    writes ``Classificacao`` finds ``Classificação``.

    >>> label_key("Classificação SSI do setor"), label_key("  Top  Industry-Rank ")
    ('classificacao_ssi_do_setor', 'top_industry_rank')
    """
    text = unicodedata.normalize("NFKD", str(label))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return normalise_name(text.casefold())


# ------------------------------------------------------------------ labels of the SSI page
@dataclass(frozen=True)
class ObservedLabels:
    """The labels a long-form ``ssi_observed`` is read by: fields, sections, labels to skip, and
    the words around a number (all keyed by :func:`label_key`)."""

    fields: dict[str, str]
    sections: dict[str, str]
    skip: frozenset[str] = frozenset()
    rank_words: tuple[str, ...] = ()
    out_of: tuple[str, ...] = ()

    def field(self, label: object) -> str | None:
        """The field a label names (``None``: not known)."""
        return self.fields.get(label_key(label))

    def section(self, label: object) -> str | None:
        """Whose number a section label holds (``None``: not known)."""
        return self.sections.get(label_key(label))

    def known_fields(self) -> list[str]:
        return sorted(self.fields)


@dataclass(frozen=True)
class _LabelFile:
    fields: tuple[tuple[str, str], ...]
    sections: tuple[tuple[str, str], ...]
    skip: tuple[str, ...]
    rank_words: tuple[str, ...]
    out_of: tuple[str, ...]


@cache
def linkedin_labels() -> _LabelFile:
    """LinkedIn's SSI page labels in every language shipped (``mappings/labels/*.toml``).

    Read once, on first use. A label given twice for different fields is a bug of the files
    (checked by the tests).
    """
    fields, sections, skip, rank_words, out_of = [], [], [], [], []
    folder = resources.files("ssi_analysis").joinpath("mappings", "labels")
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".toml"):
            continue
        source = f"labels/{entry.name} (shipped)"
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        m = mapping_from_dict(data, source=source, base=ColumnMapping(), labels=False)
        fields += m.ssi_fields
        sections += m.ssi_sections
        if m.observed is not None:
            skip += m.observed.skip
            rank_words += m.observed.rank_words
            out_of += m.observed.out_of
    return _LabelFile(tuple(fields), tuple(sections), tuple(dict.fromkeys(skip)),
                      tuple(dict.fromkeys(rank_words)), tuple(dict.fromkeys(out_of)))


# ------------------------------------------------------------------ ssi_observed layouts
@dataclass(frozen=True)
class ObservedLayout:
    """How an ``ssi_observed`` file is laid out (``[ssi_observed]`` of a mapping)."""

    columns: tuple[tuple[str, tuple[str, ...]], ...] = _CANONICAL_OBSERVED
    rep: str | None = None
    rep_from_path: str | None = None
    date_from_path: str | None = None
    skip: tuple[str, ...] = ()
    rank_words: tuple[str, ...] = ()
    out_of: tuple[str, ...] = ()

    def candidates(self, name: str) -> tuple[str, ...]:
        """The column names looked for to fill ``name`` (one of :data:`OBSERVED_COLUMNS`)."""
        return dict(self.columns).get(name, ())

    def resolve(self, columns: Sequence[str]) -> dict[str, str]:
        """Which of ``columns`` (normalised names) fills each of :data:`OBSERVED_COLUMNS`."""
        present = set(columns)
        found: dict[str, str] = {}
        for name in OBSERVED_COLUMNS:
            for cand in self.candidates(name):
                if normalise_name(cand) in present and normalise_name(cand) not in \
                        found.values():
                    found[name] = normalise_name(cand)
                    break
        return found


# ------------------------------------------------------------------ activity layouts
@dataclass(frozen=True)
class ActivityLayout:
    """How a usage report's activity is laid out (``[activity]`` of a mapping): the columns of
    the user and the date range, and where a file's range is in its path."""

    columns: tuple[tuple[str, tuple[str, ...]], ...] = ()
    period_from_path: str | None = None
    month_from_path: str | None = None

    def candidates(self, name: str) -> tuple[str, ...]:
        """The column names looked for to fill ``name`` (one of :data:`ACTIVITY_COLUMNS`)."""
        return dict(self.columns).get(name, ())


# ------------------------------------------------------------------ the column mapping
@dataclass(frozen=True)
class ColumnMapping:
    """How an export's columns map to the toolkit's fields (see the module docstring).

    Build one with :func:`load_mapping` (a preset name or a TOML file). ``columns`` lists, per
    opportunity field, the export column names to look for (first match wins; names compared
    after normalising, as every column name is). ``won``/``lost`` are the closing stages;
    ``open``, when not empty, lists the only stages accepted as open. ``observed`` is the layout
    of ``ssi_observed`` files (``None``: the toolkit's own, or detected per file); ``ssi_fields``
    and ``ssi_sections`` name its labels (added to LinkedIn's). ``defines`` names the tables
    whose layout the mapping sets: a mapping that does not define a table leaves its layout to
    detection.
    """

    name: str = "canonical"
    description: str = "the toolkit's own column names"
    columns: tuple[tuple[str, tuple[str, ...]], ...] = _CANONICAL_COLUMNS
    won: tuple[str, ...] = ("Closed Won", "Won")
    lost: tuple[str, ...] = ("Closed Lost", "Lost")
    open: tuple[str, ...] = ()
    ssi_fields: tuple[tuple[str, str], ...] = ()
    ssi_sections: tuple[tuple[str, str], ...] = ()
    observed: ObservedLayout | None = None
    defines: frozenset[str] = frozenset({"opportunities", "ssi_observed"})
    source: str = "built-in"
    activity: ActivityLayout | None = None
    activity_metrics: tuple[tuple[str, str], ...] = ()

    def candidates(self, name: str) -> tuple[str, ...]:
        """The export column names looked for to fill opportunity field ``name``."""
        return dict(self.columns).get(name, ())

    def resolve(self, columns: Sequence[str]) -> tuple[dict[str, str], list[str]]:
        """Which of ``columns`` (normalised names) fills each opportunity field, and the
        required fields no column fills.
        """
        present = set(columns)
        found: dict[str, str] = {}
        for name in FIELDS:
            for cand in self.candidates(name):
                if normalise_name(cand) in present:
                    found[name] = normalise_name(cand)
                    break
        missing = [f for f in REQUIRED_FIELDS if f not in found]
        return found, missing

    def stage_status(self, stage: pd.Series) -> pd.Series:
        """``'won'``, ``'lost'``, ``'open'`` per stage, or ``None`` for an unknown stage."""
        key = _key(stage)
        won = key.isin(_key(list(self.won)))
        lost = key.isin(_key(list(self.lost)))
        if self.open:
            is_open = key.isin(_key(list(self.open)))
        else:
            is_open = ~key.str.contains(_CLOSED_WORDS, regex=True).fillna(True).astype(bool)
        is_open = is_open & key.notna()
        status = np.select([won.fillna(False).to_numpy(bool), lost.fillna(False).to_numpy(bool),
                            is_open.fillna(False).to_numpy(bool)], ["won", "lost", "open"],
                           default="")
        return pd.Series(status, index=stage.index, dtype=object).replace("", None)

    @property
    def layout(self) -> ObservedLayout:
        """The ``ssi_observed`` layout (the toolkit's own column names when none is set)."""
        return self.observed if self.observed is not None else ObservedLayout()

    def observed_aliases(self) -> dict[str, str]:
        """Field names of ``ssi_observed`` (normalised) -> ours: the built-in names, LinkedIn's
        page labels and the mapping's ``[ssi_fields]``."""
        labels = self.observed_labels()
        return {**OBSERVED_FIELD_ALIASES, **labels.fields,
                **{normalise_name(k): v for k, v in self.ssi_fields}}

    def observed_labels(self) -> ObservedLabels:
        """The labels ``ssi_observed`` is read by: the built-in field names, LinkedIn's page
        labels (every language shipped), then the mapping's own (which win)."""
        return _observed_labels(self)

    def _build_labels(self) -> ObservedLabels:
        shipped = linkedin_labels()
        fields = {label_key(k): v for k, v in OBSERVED_FIELD_ALIASES.items()}
        fields.update({label_key(k): v for k, v in shipped.fields})
        fields.update({label_key(k): v for k, v in self.ssi_fields})
        sections = {label_key(k): v for k, v in (*shipped.sections, *self.ssi_sections)}
        lay = self.observed or ObservedLayout()
        return ObservedLabels(
            fields=fields, sections=sections,
            skip=frozenset(label_key(s) for s in (*shipped.skip, *lay.skip)),
            rank_words=tuple(dict.fromkeys((*lay.rank_words, *shipped.rank_words))),
            out_of=tuple(dict.fromkeys((*lay.out_of, *shipped.out_of))))

    def to_dict(self) -> dict[str, Any]:
        """The mapping in its TOML file's shape."""
        out: dict[str, Any] = {
            "mapping": {"name": self.name, "description": self.description},
            "columns": {k: list(v) for k, v in self.columns},
            "stages": {"won": list(self.won), "lost": list(self.lost),
                       **({"open": list(self.open)} if self.open else {})}}
        if self.observed is not None:
            lay = self.observed
            obs: dict[str, Any] = {"columns": {k: list(v) for k, v in lay.columns}}
            for key in ("rep", "rep_from_path", "date_from_path"):
                if getattr(lay, key) is not None:
                    obs[key] = getattr(lay, key)
            for key in ("skip", "rank_words", "out_of"):
                if getattr(lay, key):
                    obs[key] = list(getattr(lay, key))
            out["ssi_observed"] = obs
        if self.activity is not None:
            act: dict[str, Any] = {"columns": {k: list(v) for k, v in self.activity.columns}}
            for key in ("period_from_path", "month_from_path"):
                if getattr(self.activity, key) is not None:
                    act[key] = getattr(self.activity, key)
            out["activity"] = act
        if self.activity_metrics:
            out["activity_metrics"] = dict(self.activity_metrics)
        if self.ssi_fields:
            out["ssi_fields"] = dict(self.ssi_fields)
        if self.ssi_sections:
            out["ssi_sections"] = dict(self.ssi_sections)
        return out


@lru_cache(maxsize=64)
def _observed_labels(mapping: ColumnMapping) -> ObservedLabels:
    """A mapping's labels, built once (every file of a folder is read by one of a few)."""
    return mapping._build_labels()


def _text_list(value: Any, key: str, where: str, source: str, *, allow_empty: bool) -> tuple:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
        raise SSIConfigError(f"[{where}] {key} must be a column name or a list of names, "
                             f"got {value!r}", file=source,
                             fix=f'write {key} = "Column" or {key} = ["Column", "Other name"]')
    if not items and not allow_empty:
        raise SSIConfigError(f"[{where}] {key} needs at least one name", file=source)
    return tuple(v.strip() for v in items)


def _pattern(value: Any, key: str, group: str, source: str, section: str = "ssi_observed"
             ) -> str:
    """A regular expression of ``[ssi_observed]`` (or ``section``) with the named group
    ``group``."""
    if not isinstance(value, str) or not value.strip():
        raise SSIConfigError(f"[{section}] {key} must be a regular expression, got "
                             f"{value!r}", file=source,
                             fix=f'e.g. {key} = "(?P<{group}>[^/]+)/" (the named group '
                                 f"'{group}' is taken from the file's path)")
    try:
        compiled = re.compile(value)
    except re.error as exc:
        raise SSIConfigError(f"[{section}] {key} is not a valid regular expression ({exc})",
                             file=source, fix=f'e.g. {key} = "(?P<{group}>[^/]+)/"') from None
    if group not in compiled.groupindex:
        raise SSIConfigError(f"[{section}] {key} has no group named '{group}'",
                             file=source, fix=f"name the part to take (?P<{group}>...), e.g. "
                                              f'{key} = "(?P<{group}>[^/]+)/"')
    return value


def _layout_columns(table: Any, base: tuple[tuple[str, tuple[str, ...]], ...],
                    fields: tuple[str, ...], section: str, source: str
                    ) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``[section.columns]`` (each field's labels) over the ``base`` layout's, in field order."""
    columns = dict(base)
    cols = table.get("columns", {})
    _check_keys(cols, set(fields), f"{section}.columns", source)
    for key, value in cols.items():
        columns[key] = _text_list(value, key, f"{section}.columns", source, allow_empty=True)
    return tuple((k, columns[k]) for k in fields if k in columns)


def _observed_layout(table: Any, base: ObservedLayout | None, source: str) -> ObservedLayout:
    """``[ssi_observed]`` (and ``[ssi_observed.columns]``) over ``base``."""
    _check_keys(table, _OBSERVED_KEYS, "ssi_observed", source)
    lay = base or ObservedLayout()
    changes: dict[str, Any] = {"columns": _layout_columns(table, lay.columns, OBSERVED_COLUMNS,
                                                          "ssi_observed", source)}
    if "rep" in table:
        rep = table["rep"]
        if not isinstance(rep, str) or not rep.strip():
            raise SSIConfigError(f"[ssi_observed] rep must be a rep id, got {rep!r}",
                                 file=source, fix='write rep = "R001" (the id of the member '
                                                  "whose snapshots the files hold)")
        changes["rep"] = rep.strip()
    for key, group in (("rep_from_path", "rep"), ("date_from_path", "date")):
        if key in table:
            changes[key] = _pattern(table[key], key, group, source)
    for key in ("skip", "rank_words", "out_of"):
        if key in table:
            changes[key] = _text_list(table[key], key, "ssi_observed", source, allow_empty=True)
    return replace(lay, **changes)


def _activity_layout(table: Any, base: ActivityLayout | None, source: str) -> ActivityLayout:
    """``[activity]`` (and ``[activity.columns]``) over ``base``."""
    _check_keys(table, _ACTIVITY_KEYS, "activity", source)
    lay = base or ActivityLayout()
    changes: dict[str, Any] = {"columns": _layout_columns(table, lay.columns, ACTIVITY_COLUMNS,
                                                          "activity", source)}
    if "period_from_path" in table:
        pattern = _pattern(table["period_from_path"], "period_from_path", "start", source,
                           "activity")
        changes["period_from_path"] = _pattern(pattern, "period_from_path", "end", source,
                                               "activity")
    if "month_from_path" in table:
        changes["month_from_path"] = _pattern(table["month_from_path"], "month_from_path",
                                              "month", source, "activity")
    return replace(lay, **changes)


def _labels(data: dict[str, Any], name: str, allowed: frozenset[str] | tuple[str, ...],
            base: tuple[tuple[str, str], ...], source: str, what: str) -> tuple:
    """``[ssi_fields]`` or ``[ssi_sections]``: labels -> one of ``allowed``, over ``base``."""
    table = data.get(name, {})
    _check_keys(table, set(table) if isinstance(table, dict) else set(), name, source)
    out = dict(base)
    for key, value in table.items():
        if not isinstance(value, str) or value not in allowed:
            raise SSIConfigError(f"[{name}] '{key}' maps to {value!r}, which is not {what}",
                                 file=source, fix=_suggest(str(value), set(allowed)))
        out[key] = value
    return tuple(out.items())


def mapping_from_dict(data: dict[str, Any], *, source: str = "mapping",
                      base: ColumnMapping | None = None, labels: bool = True) -> ColumnMapping:
    """Build a mapping from parsed TOML, over ``base`` (or over ``[mapping] base = "preset"``).

    ``labels=False`` reads a file of LinkedIn's page labels (which may not name a base).

    Raises
    ------
    SSIConfigError
        An unknown section or key (with a suggestion), a value of the wrong type, a stage
        listed both as won and lost, an ``ssi_fields`` target that is not a field, an
        ``ssi_sections`` target that is not a group, or a path pattern without its group.
    """
    _check_keys(data, _TOP_KEYS, "", source)
    head = data.get("mapping", {})
    _check_keys(head, _MAPPING_KEYS, "mapping", source)
    based = "base" in head
    if based:
        if not labels:
            raise SSIConfigError("a label file cannot have a base", file=source)
        base = load_mapping(str(head["base"]))
    base = base or ColumnMapping()
    columns = dict(base.columns)
    col_table = data.get("columns", {})
    _check_keys(col_table, set(FIELDS), "columns", source)
    for key, value in col_table.items():
        columns[key] = _text_list(value, key, "columns", source,
                                  allow_empty=key not in REQUIRED_FIELDS)
    stages = data.get("stages", {})
    _check_keys(stages, _STAGE_KEYS, "stages", source)
    lists = {k: _text_list(stages[k], k, "stages", source, allow_empty=k == "open")
             if k in stages else getattr(base, k) for k in ("won", "lost", "open")}
    won_keys = {s.casefold() for s in lists["won"]}
    both = [s for s in lists["lost"] if s.casefold() in won_keys]
    if both:
        raise SSIConfigError(f"stage '{both[0]}' is listed both as won and as lost",
                             file=source, fix="keep it in one list")
    fields = _labels(data, "ssi_fields", _OBSERVED_FIELDS, base.ssi_fields, source,
                     "a field of ssi_observed")
    sections = _labels(data, "ssi_sections", GROUPS, base.ssi_sections, source,
                       "member, industry, network or any")
    observed = base.observed
    if "ssi_observed" in data:
        observed = _observed_layout(data["ssi_observed"], base.observed, source)
    activity = base.activity
    if "activity" in data:
        activity = _activity_layout(data["activity"], base.activity, source)
    metric_labels = _labels(data, "activity_metrics", (*_ACTIVITY_TARGETS, CARRIED),
                            base.activity_metrics, source, "a metric of data/README.md, a rate "
                            f"({', '.join(RATES)}) or '{CARRIED}'")
    # the tables whose layout this mapping sets: its own sections, or its base's
    defines = set(base.defines) if based else set()
    if col_table or stages:
        defines.add("opportunities")
    if "ssi_observed" in data:
        defines.add("ssi_observed")
    if "activity" in data or "activity_metrics" in data:
        defines.add("activity")
    default_name = Path(source).stem + (f" (based on {base.name})" if based else "")
    return ColumnMapping(
        name=str(head.get("name", default_name)),
        description=str(head.get("description", base.description)),
        columns=tuple((k, columns[k]) for k in FIELDS if k in columns),
        won=lists["won"], lost=lists["lost"], open=lists["open"],
        ssi_fields=fields, ssi_sections=sections, observed=observed,
        defines=frozenset(defines), source=source, activity=activity,
        activity_metrics=metric_labels)


def preset(name: str) -> ColumnMapping:
    """A shipped mapping preset (:data:`PRESETS`) or ``'canonical'``."""
    key = name.strip().lower()
    if key == "canonical":
        return ColumnMapping()
    if key not in PRESETS:
        raise SSIConfigError(f"no mapping preset '{name}'", fix=_suggest(key, set(PRESETS))
                             + f" Presets: {', '.join(PRESETS)}; or pass a TOML file.")
    return _preset(key)


@cache
def _preset(key: str) -> ColumnMapping:
    text = resources.files("ssi_analysis").joinpath("mappings", f"{key}.toml").read_text(
        encoding="utf-8")
    data = tomllib.loads(text)
    m = mapping_from_dict(data, source=f"{key}.toml (preset)", base=ColumnMapping())
    # a preset defines exactly the tables it has sections for
    defines = {t for t, keys in (("opportunities", ("columns", "stages")),
                                 ("ssi_observed", ("ssi_observed",)),
                                 ("activity", ("activity", "activity_metrics")))
               if any(k in data for k in keys)}
    return replace(m, defines=frozenset(defines))


def load_mapping(spec: str | Path | ColumnMapping) -> ColumnMapping:
    """A mapping from a preset name, a TOML file, or a :class:`ColumnMapping` (returned as is).

    A file lists only what differs from the canonical names, or from a preset named in
    ``[mapping] base``::

        [mapping]
        base = "hubspot"

        [columns]
        owner = "Deal-Inhaber"

    Raises
    ------
    SSIConfigError
        Neither a preset nor a readable, valid mapping file.
    """
    if isinstance(spec, ColumnMapping):
        return spec
    text = str(spec)
    if text.strip().lower() in (*PRESETS, "canonical"):
        return preset(text)
    path = Path(text)
    if not path.is_file():
        close = difflib.get_close_matches(text.strip().lower(), PRESETS, n=1)
        raise SSIConfigError(f"'{text}' is neither a mapping preset nor a file",
                             fix=(f"did you mean '{close[0]}'? " if close else "")
                             + f"Use one of {', '.join(PRESETS)} or the path of a TOML file "
                               "(see data/README.md)")
    from .textfiles import read_text, toml_error

    notes: list[str] = []
    text = read_text(path, what="mapping file", option="--mapping", notes=notes)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_error(exc, path, notes) from None
    return mapping_from_dict(data, source=str(path))


def detect_mapping(columns: Sequence[str], *, file: str = "opportunities"
                   ) -> tuple[ColumnMapping, str]:
    """The mapping whose required opportunity columns ``columns`` (normalised names) has,
    and a note.

    The toolkit's own names are used when they fit; otherwise exactly one preset must.

    Raises
    ------
    SSIInputError
        No mapping fits (the message lists what each one misses), or several do.
    """
    tried = [ColumnMapping(), *(preset(p) for p in OPPORTUNITY_PRESETS)]
    fits, misses = [], []
    for m in tried:
        found, missing = m.resolve(columns)
        (fits if not missing else misses).append((m, found, missing))
    if fits and fits[0][0].name == "canonical":
        fits = fits[:1]
    if len(fits) == 1:
        m = fits[0][0]
        return m, (f"{file}: columns match the {m.name} mapping ({m.description}); used it "
                   "(choose another with --mapping)")
    if len(fits) > 1:
        names = ", ".join(m.name for m, _, _ in fits)
        raise SSIInputError(f"the columns fit several mappings ({names})", file=file,
                            fix="choose one with --mapping")
    parts = [f"{m.name} needs {', '.join(repr(m.candidates(f)[0]) for f in missing)}"
             for m, _, missing in misses]
    raise SSIInputError(
        f"the columns fit no mapping preset ({'; '.join(parts)}); columns found: "
        f"{', '.join(list(columns)[:12])}", file=file,
        fix="pass --mapping salesforce|hubspot|FILE, or rename the columns to owner, "
            "created_date, close_date, stage, amount (see data/README.md)")


# ------------------------------------------------------------------ ssi_observed layouts
_MEASURES = ("ssi", "brand", "people", "insights", "relationships")


@dataclass(frozen=True)
class ObservedFit:
    """How a mapping reads an ``ssi_observed`` file's columns: long (``field`` and ``value``
    columns) or wide (a column per field), the columns found, and what it misses."""

    mapping: ColumnMapping
    long: bool
    found: dict[str, str] = field(default_factory=dict)
    wide: dict[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    @property
    def fits(self) -> bool:
        return not self.missing

    @property
    def keys(self) -> int:
        """How many of the rep, date, time and section columns it finds (the better fit)."""
        return sum(c in self.found for c in ("rep_id", "date", "time", "section"))


def observed_fit(mapping: ColumnMapping, columns: Sequence[str]) -> ObservedFit:
    """How ``mapping`` reads a file with ``columns`` (normalised names).

    Long form when the layout's ``field`` and ``value`` columns are there; else wide, whose
    columns are fields by their labels (the SSI and the four pillars must be found).
    """
    lay = mapping.layout
    found = lay.resolve(columns)
    if "field" in found and "value" in found:
        return ObservedFit(mapping, True, found)
    labels = mapping.observed_labels()
    used = set(found.values())
    wide: dict[str, str] = {}
    for col in columns:
        if col in used or col in wide:
            continue
        target = col if col in _OBSERVED_FIELDS else labels.field(col)
        if target is not None and target not in wide.values():
            wide[col] = target
    missing = tuple(m for m in _MEASURES if m not in wide.values())
    if missing and ("field" in found or "value" in found):
        need = [c for c in ("field", "value") if c not in found]
        missing = tuple(f"a {c} column" for c in need)
    return ObservedFit(mapping, False, found, wide, missing)


def detect_observed(columns: Sequence[str], *, file: str = "ssi_observed",
                    mapping: ColumnMapping | None = None) -> tuple[ObservedFit, str]:
    """The layout that reads an ``ssi_observed`` file's columns, and a note saying which.

    ``mapping`` (from ``--mapping``): used as it is when it defines the ``ssi_observed``
    layout; otherwise its labels are added to the layout the columns fit. Of the toolkit's own
    names and the presets (:data:`OBSERVED_PRESETS`), the one finding the most of the rep, date,
    time and section columns wins (the toolkit's own names on a tie); two presets tied is
    ambiguous.

    Raises
    ------
    SSIInputError
        The columns fit no layout (the message lists what each one misses and the mapping key
        to set), or fit two presets equally.
    """
    if mapping is not None and "ssi_observed" in mapping.defines and \
            mapping.observed is not None:
        fit = observed_fit(mapping, columns)
        if not fit.fits:
            raise _no_fit(columns, file, [fit], chosen=mapping)
        return fit, f"{file}: read with the {mapping.name} mapping ({mapping.description})"
    extra = mapping if mapping is not None else ColumnMapping()
    tried = [_with_labels(ColumnMapping(), extra),
             *(_with_labels(preset(p), extra) for p in OBSERVED_PRESETS)]
    fits = [observed_fit(m, columns) for m in tried]
    good = [f for f in fits if f.fits]
    if not good:
        raise _no_fit(columns, file, fits)
    best = max(f.keys for f in good)
    top = [f for f in good if f.keys == best]
    if len(top) > 1 and top[0].mapping.name != "canonical":
        names = ", ".join(f.mapping.name for f in top)
        raise SSIInputError(f"the columns fit several ssi_observed layouts ({names})",
                            file=file, fix="choose one with --mapping")
    chosen = top[0]
    m = chosen.mapping
    shape = "long: one row per field" if chosen.long else "wide: one column per field"
    if m.name == "canonical":
        return chosen, f"{file}: ssi_observed in the toolkit's own column names ({shape})"
    return chosen, (f"{file}: columns match the {m.name} mapping ({m.description}; {shape}); "
                    "used it (choose another with --mapping)")


def _with_labels(m: ColumnMapping, extra: ColumnMapping) -> ColumnMapping:
    """``m`` with the labels of ``extra`` (a user's mapping that does not set a layout)."""
    if not extra.ssi_fields and not extra.ssi_sections:
        return m
    return replace(m, ssi_fields=(*m.ssi_fields, *extra.ssi_fields),
                   ssi_sections=(*m.ssi_sections, *extra.ssi_sections))


def _no_fit(columns: Sequence[str], file: str, fits: list[ObservedFit], *,
            chosen: ColumnMapping | None = None) -> SSIInputError:
    parts = []
    for f in fits:
        parts.append(f"{f.mapping.name} needs {', '.join(f.missing)}")
    shown = ", ".join(list(columns)[:12])
    where = f"the {chosen.name} mapping does not fit" if chosen else \
        "the columns fit no ssi_observed layout"
    return SSIInputError(
        f"{where} ({'; '.join(parts)}); columns found: {shown}", file=file,
        fix="pass --mapping tracker|team-export|FILE; in a mapping file, name the columns in "
            "[ssi_observed.columns] (field = \"Label column\", value = \"Value column\" for one "
            "row per field; or name each field's column in [ssi_fields]), see data/README.md")


__all__ = ["ACTIVITY_COLUMNS", "ACTIVITY_PRESETS", "CARRIED", "RATES", "ActivityLayout", "FIELDS", "GROUPS", "OBSERVED_COLUMNS", "OBSERVED_PRESETS", "OPPORTUNITY_PRESETS",
           "PRESETS", "REQUIRED_FIELDS", "ColumnMapping", "ObservedFit", "ObservedLabels",
           "ObservedLayout", "detect_mapping", "detect_observed", "label_key", "linkedin_labels",
           "load_mapping", "mapping_from_dict", "observed_fit", "preset"]
