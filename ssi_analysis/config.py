"""Scoring settings: frozen dataclasses, read from TOML strictly, with shipped defaults.

The defaults live in ``ssi_analysis/scoring.toml`` beside this module, each target and weight with
its rationale. A user file only needs the keys it changes::

    [scoring]
    window_days = 60

    [metrics.posts]
    half = 10

Unknown keys are errors (with a suggestion), never silently ignored.

Examples
--------
>>> cfg = default_config()
>>> cfg.window_days, cfg.mode
(90, 'absolute')
>>> cfg.metric("posts").half
6.0
>>> sorted({m.pillar for m in cfg.metrics})
['brand', 'insights', 'people', 'relationships']
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import SSIConfigError

PILLARS: tuple[str, ...] = ("brand", "people", "insights", "relationships")
"""The four SSI pillars, each scored 0-25, in LinkedIn's order."""

MODES = ("absolute", "relative")
COHORTS = ("industry", "team")
KINDS = ("count", "level", "rate", "days_active")

_SCORING_KEYS = {"window_days", "mode", "cohort"}
_METRIC_KEYS = {
    "pillar", "kind", "weight", "half", "target", "numerator", "denominator",
    "prior", "prior_n", "rationale",
}
_TOP_KEYS = {"scoring", "metrics"}


@dataclass(frozen=True)
class MetricSpec:
    """How one metric turns into a 0..1 score within its pillar.

    ``kind`` is one of ``count`` (trailing-window sum through a saturating curve with ``half``),
    ``level`` (last value at or before the date, on 0..1), ``days_active`` (days with any activity
    in the window, scored like a count) or ``rate`` (``numerator / denominator`` over the window,
    shrunk toward ``prior`` with ``prior_n`` pseudo-observations, full credit at ``target``).
    """

    name: str
    pillar: str
    kind: str
    weight: float
    half: float | None = None
    target: float | None = None
    numerator: str | None = None
    denominator: str | None = None
    prior: float | None = None
    prior_n: float | None = None
    rationale: str = ""

    @property
    def inputs(self) -> tuple[str, ...]:
        """Raw activity metrics this scored metric needs (empty for ``days_active``)."""
        if self.kind == "rate":
            return (self.numerator, self.denominator)  # type: ignore[return-value]
        if self.kind == "days_active":
            return ()
        return (self.name,)


@dataclass(frozen=True)
class ScoringConfig:
    """All scoring settings. Build with :func:`default_config` or :func:`load_config`."""

    window_days: int = 90
    mode: str = "absolute"
    cohort: str = "industry"
    metrics: tuple[MetricSpec, ...] = field(default_factory=tuple)

    def metric(self, name: str) -> MetricSpec:
        """The spec of the scored metric ``name``."""
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(name)

    def with_options(self, **changes: Any) -> ScoringConfig:
        """A copy with ``window_days``, ``mode`` or ``cohort`` changed (``None`` keeps the value)."""
        changes = {k: v for k, v in changes.items() if v is not None}
        new = replace(self, **changes)
        _check_scoring(new, source="options")
        return new

    def to_dict(self) -> dict[str, Any]:
        """The config as plain data, in the TOML file's shape (for reports and ``results.json``)."""
        return {
            "scoring": {"window_days": self.window_days, "mode": self.mode, "cohort": self.cohort},
            "metrics": {
                m.name: {k: v for k, v in asdict(m).items() if k != "name" and v is not None}
                for m in self.metrics
            },
        }


def _suggest(key: str, allowed: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(allowed), n=1)
    return f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(sorted(allowed))}"


def _check_keys(table: dict[str, Any], allowed: set[str], where: str, source: str) -> None:
    for key in table:
        if key not in allowed:
            raise SSIConfigError(
                f"unknown key '{key}' in [{where}]" if where else f"unknown section [{key}]",
                file=source,
                fix=_suggest(key, allowed) + " Remove or rename the key.",
            )


def _number(value: Any, key: str, where: str, source: str, *, positive: bool = False,
            unit: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SSIConfigError(f"[{where}] {key} must be a number, got {value!r}", file=source,
                             fix=f"write {key} = <number>")
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise SSIConfigError(f"[{where}] {key} must be finite", file=source)
    if positive and value <= 0:
        raise SSIConfigError(f"[{where}] {key} must be > 0, got {value}", file=source)
    if not positive and value < 0:
        raise SSIConfigError(f"[{where}] {key} must be >= 0, got {value}", file=source)
    if unit and value > 1:
        raise SSIConfigError(f"[{where}] {key} is a rate and must be within 0..1, got {value}",
                             file=source, fix="write rates as fractions, e.g. 0.3 for 30%")
    return value


def _metric_from_table(name: str, table: dict[str, Any], source: str) -> MetricSpec:
    where = f"metrics.{name}"
    _check_keys(table, _METRIC_KEYS, where, source)
    for required in ("pillar", "kind", "weight"):
        if required not in table:
            raise SSIConfigError(f"[{where}] needs '{required}'", file=source)
    pillar, kind = table["pillar"], table["kind"]
    if pillar not in PILLARS:
        raise SSIConfigError(f"[{where}] pillar '{pillar}' is not one of {', '.join(PILLARS)}",
                             file=source, fix=_suggest(str(pillar), set(PILLARS)))
    if kind not in KINDS:
        raise SSIConfigError(f"[{where}] kind '{kind}' is not one of {', '.join(KINDS)}",
                             file=source, fix=_suggest(str(kind), set(KINDS)))
    spec: dict[str, Any] = {"name": name, "pillar": pillar, "kind": kind,
                            "weight": _number(table["weight"], "weight", where, source),
                            "rationale": str(table.get("rationale", ""))}
    if kind in ("count", "days_active"):
        if "half" not in table:
            raise SSIConfigError(f"[{where}] a {kind} metric needs 'half'", file=source,
                                 fix="half = the window total that earns half the credit")
        spec["half"] = _number(table["half"], "half", where, source, positive=True)
    if kind == "rate":
        for key in ("numerator", "denominator", "target", "prior", "prior_n"):
            if key not in table:
                raise SSIConfigError(f"[{where}] a rate metric needs '{key}'", file=source)
        spec["numerator"] = str(table["numerator"])
        spec["denominator"] = str(table["denominator"])
        spec["target"] = _number(table["target"], "target", where, source, positive=True, unit=True)
        spec["prior"] = _number(table["prior"], "prior", where, source, unit=True)
        spec["prior_n"] = _number(table["prior_n"], "prior_n", where, source)
    return MetricSpec(**spec)


def _check_scoring(cfg: ScoringConfig, source: str) -> None:
    if isinstance(cfg.window_days, bool) or not isinstance(cfg.window_days, int) \
            or not 1 <= cfg.window_days <= 3660:
        raise SSIConfigError(f"window_days must be a whole number of days from 1 to 3660, "
                             f"got {cfg.window_days!r}", file=source)
    if cfg.mode not in MODES:
        raise SSIConfigError(f"mode '{cfg.mode}' is not one of {', '.join(MODES)}", file=source,
                             fix=_suggest(str(cfg.mode), set(MODES)))
    if cfg.cohort not in COHORTS:
        raise SSIConfigError(f"cohort '{cfg.cohort}' is not one of {', '.join(COHORTS)}",
                             file=source, fix=_suggest(str(cfg.cohort), set(COHORTS)))
    for pillar in PILLARS:
        if not any(m.pillar == pillar and m.weight > 0 for m in cfg.metrics):
            raise SSIConfigError(f"pillar '{pillar}' has no metric with a weight above 0",
                                 file=source, fix="give at least one of its metrics weight > 0")


def config_from_dict(data: dict[str, Any], *, base: ScoringConfig | None = None,
                     source: str = "config") -> ScoringConfig:
    """Build a config from parsed TOML, overlaying ``base`` (the defaults) key by key."""
    _check_keys(data, _TOP_KEYS, "", source)
    scoring = data.get("scoring", {})
    _check_keys(scoring, _SCORING_KEYS, "scoring", source)
    metrics_in = data.get("metrics", {})
    merged: dict[str, dict[str, Any]] = {}
    if base is not None:
        merged = {m.name: {k: v for k, v in asdict(m).items() if k != "name" and v is not None}
                  for m in base.metrics}
    for name, table in metrics_in.items():
        if not isinstance(table, dict):
            raise SSIConfigError(f"[metrics] {name} must be a table ([metrics.{name}])", file=source)
        if name not in merged and base is not None and "pillar" not in table:
            raise SSIConfigError(
                f"[metrics.{name}] is not a known metric", file=source,
                fix=_suggest(name, set(merged)) + " A new metric needs pillar, kind and weight.")
        merged.setdefault(name, {}).update(table)
    metrics = tuple(_metric_from_table(n, t, source) for n, t in merged.items())
    defaults = base or ScoringConfig()
    cfg = ScoringConfig(
        window_days=scoring.get("window_days", defaults.window_days),
        mode=scoring.get("mode", defaults.mode),
        cohort=scoring.get("cohort", defaults.cohort),
        metrics=metrics,
    )
    _check_scoring(cfg, source)
    return cfg


def default_config() -> ScoringConfig:
    """The shipped defaults (``ssi_analysis/scoring.toml``)."""
    text = resources.files("ssi_analysis").joinpath("scoring.toml").read_text(encoding="utf-8")
    return config_from_dict(tomllib.loads(text), source="scoring.toml (defaults)")


def load_config(path: str | Path | None = None) -> ScoringConfig:
    """Read a user TOML file over the defaults; ``None`` gives the defaults.

    Raises
    ------
    SSIConfigError
        The file is missing, not valid TOML, or has an unknown key or a bad value.
    """
    base = default_config()
    if path is None:
        return base
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SSIConfigError(f"cannot read the config file ({exc.strerror})", file=str(path),
                             fix="check the path given to --config") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SSIConfigError(f"not valid TOML: {exc}", file=str(path)) from None
    return config_from_dict(data, base=base, source=str(path))
