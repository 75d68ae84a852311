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
import warnings
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
_TOP_KEYS = {"scoring", "metrics", "analysis", "industry"}


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
    if not isinstance(table, dict):
        raise SSIConfigError(f"[{where}] must be a table (a [{where}] header with keys under "
                             f"it), got {table!r}", file=source,
                             fix=f"write it as [{where}] on a line of its own, then key = value "
                                 "lines")
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
    if kind in ("count", "level"):
        _input_metric(name, "name", where, source, level=kind == "level")
    if kind in ("count", "days_active"):
        if "half" not in table:
            raise SSIConfigError(f"[{where}] a {kind} metric needs 'half'", file=source,
                                 fix="half = the window total that earns half the credit")
        spec["half"] = _number(table["half"], "half", where, source, positive=True)
    if kind == "rate":
        for key in ("numerator", "denominator", "target", "prior", "prior_n"):
            if key not in table:
                raise SSIConfigError(f"[{where}] a rate metric needs '{key}'", file=source)
        spec["numerator"] = _input_metric(table["numerator"], "numerator", where, source)
        spec["denominator"] = _input_metric(table["denominator"], "denominator", where, source)
        spec["target"] = _number(table["target"], "target", where, source, positive=True, unit=True)
        spec["prior"] = _number(table["prior"], "prior", where, source, unit=True)
        spec["prior_n"] = _number(table["prior_n"], "prior_n", where, source)
    return MetricSpec(**spec)


def _input_metric(value: Any, key: str, where: str, source: str, *, level: bool = False) -> str:
    """A metric of the activity data that a scored metric reads (a rate's numerator or
    denominator, a count's or a level's own name): one of the catalogue's counts (or levels),
    else a config error (a name the data cannot hold would only ever be absent from it)."""
    from .schemas import COUNT_METRICS, LEVEL_METRICS

    allowed = LEVEL_METRICS if level else COUNT_METRICS
    if isinstance(value, str) and value in allowed:
        return value
    kind = "level" if level else "count"
    what = (f"[{where}] is a {kind} metric, but '{where.split('.', 1)[1]}'" if key == "name"
            else f"[{where}] {key} '{value}'")
    raise SSIConfigError(
        f"{what} is not a {kind} metric of the activity data", file=source,
        fix=_suggest(str(value), set(allowed)).replace("allowed keys", "the " + kind + " metrics")
        + " (see data/README.md for the metric names)")


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
    _check_keys(metrics_in, set(metrics_in) if isinstance(metrics_in, dict) else set(),
                "metrics", source)
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


def _read_toml(path: str | Path) -> dict[str, Any]:
    """A config file as TOML, decoded as tables are (:mod:`ssi_analysis.textfiles`)."""
    from .textfiles import read_text, toml_error

    path = Path(path)
    notes: list[str] = []
    text = read_text(path, what="config file", option="--config", notes=notes)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_error(exc, path, notes) from None


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
    return config_from_dict(_read_toml(path), base=base, source=str(path))


# ------------------------------------------------------------------ analysis settings
@dataclass(frozen=True)
class AnalysisConfig:
    """Settings of ``ssi-analysis analyze``: the ``[analysis]`` section of a config file.

    Every field has a documented default; a file only lists what it changes::

        [analysis]
        leaders_above = 60
        controls = ["tenure", "region"]

    Attributes
    ----------
    leaders_above, laggards_below : float
        LinkedIn's extreme groups: "SSI leaders" score above 70, "laggards" below 30.
    min_n : int
        Fewest reps a comparison group needs before a ratio is reported ("too few reps to say"),
        and a correlation (overall or within an industry) before it is estimated. Formerly
        ``min_group`` (still read, with a note).
    n_resamples : int
        Bootstrap resamples for confidence intervals. Formerly ``n_boot`` (still read, with a
        note).
    ci_method : {'BCa', 'percentile'}
        Bootstrap interval method (BCa falls back to percentile where undefined, and says so).
    confidence : float
        Confidence level of every interval.
    seed : int
        Seed of every random step (bootstrap), so the same data give the same numbers.
    adjust : {'holm', 'bh'}
        Multiple-comparison adjustment within each family of tests.
    controls : tuple of str or 'auto'
        Covariates of the adjusted models. ``auto`` uses every one of ``tenure``, ``industry``
        and ``region`` the reps table has. A list names them, and may name any other column
        of the reps table (``territory_size``, ``segment``): a numeric one enters as a natural
        cubic spline with ``spline_df`` degrees of freedom, one of labels as categories. A
        named column the reps table lacks, or one that cannot be a control (no values, one
        value, text with about one label per rep), stops the analysis with the reason; a
        rep-period whose rep has no value is left out of the panel with the reason
        (:func:`ssi_analysis.panel.build_panel`).
    cluster : {'auto', 'team', 'rep', 'none'}
        Cluster of the robust standard errors. ``auto``: by team whenever there are at least
        ``min_clusters`` teams and some team has more than one rep, else by rep when reps have
        several periods, else per row. OLS errors are CR2 with Bell–McCaffrey degrees of
        freedom, valid with few clusters (:mod:`ssi_analysis.stats.cr2`).
    min_clusters : int
        Fewest teams to cluster by team under ``auto`` (2: CR2 with Bell–McCaffrey degrees of
        freedom stays near its nominal level with a handful of teams, and ignoring the teams
        does not).
    observed_max_age_days : int
        With ``--ssi observed``: the latest LinkedIn snapshot at most this many days before
        the as-of date is used; older or none, and the rep-period has no SSI.
    min_window_coverage : float
        With computed SSI: the share of a rep-period's scoring window the rep's activity must
        cover for it to be analysed (0.9); a window covered less than fully but at least this
        much is kept and flagged (:mod:`ssi_analysis.panel`).
    spline_df : int
        Degrees of freedom of the natural cubic spline of a continuous control (4; see
        :mod:`ssi_analysis.stats.models`).
    specification_curve : bool
        Run the specification curve (:mod:`ssi_analysis.stats.specification`): the adjusted
        association over every defensible analysis choice, re-scoring the activity once per
        scoring window and mode.
    alpha, power : float
        Significance level and target power of the power analysis.
    """

    leaders_above: float = 70.0
    laggards_below: float = 30.0
    min_n: int = 10
    n_resamples: int = 2000
    ci_method: str = "BCa"
    confidence: float = 0.95
    seed: int = 20140101
    adjust: str = "holm"
    controls: tuple[str, ...] | str = "auto"
    cluster: str = "auto"
    min_clusters: int = 2
    observed_max_age_days: int = 14
    min_window_coverage: float = 0.9
    spline_df: int = 4
    specification_curve: bool = True
    alpha: float = 0.05
    power: float = 0.8

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain data (for ``results.json`` and the report's methods section)."""
        out = asdict(self)
        out["controls"] = list(self.controls) if not isinstance(self.controls, str) \
            else self.controls
        return out


CONTROLS = ("tenure", "industry", "region")
"""The controls ``controls = "auto"`` takes (those the reps table has). A list may also name
any other column of the reps table (:func:`ssi_analysis.panel.build_panel` checks it there)."""
NOT_CONTROLS = {
    "period": "period fixed effects are added by themselves whenever there are two or more "
              "periods",
    "rep_id": "a control with one value per rep cannot be told apart from the rep",
    "ssi": "SSI is what the models relate to the outcome, not a control",
    **{p: "the pillars are parts of SSI, not controls (the pillar model holds them against "
          "each other)" for p in PILLARS},
    **{o: "it is an outcome (or part of one), not a control"
       for o in ("attainment", "hit_quota", "opportunities", "bookings", "quota",
                 "deals_won")},
}
"""Names ``[analysis] controls`` refuses, with why."""


def _controls(value: Any, source: str) -> tuple[str, ...] | str:
    """``[analysis] controls``: ``"auto"`` or a list of distinct column names."""
    example = 'e.g. controls = ["tenure", "region", "territory_size"]'
    if value == "auto":
        return value
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SSIConfigError(f'[analysis] controls must be "auto" or a list of column names '
                             f"of the reps table, got {value!r}", file=source, fix=example)
    names = [v.strip() for v in value]
    repeated = sorted({v for v in names if names.count(v) > 1})
    if repeated:
        raise SSIConfigError(f"[analysis] controls names {', '.join(map(repr, repeated))} more "
                             "than once", file=source, fix="list each control once")
    for name in names:
        if name.lower() in NOT_CONTROLS:
            raise SSIConfigError(f"[analysis] controls names '{name}': "
                                 f"{NOT_CONTROLS[name.lower()]}", file=source,
                                 fix=f"remove '{name}' from controls")
    return tuple(names)


_ANALYSIS_CHOICES = {"ci_method": ("BCa", "percentile"), "adjust": ("holm", "bh"),
                     "cluster": ("auto", "team", "rep", "none")}
RENAMED_ANALYSIS_KEYS = {"n_boot": "n_resamples", "min_group": "min_n"}
"""Old ``[analysis]`` keys and their names now (the names the statistics functions use). A
file with an old name still works: it is read as the new one, with a FutureWarning."""


def _renamed_keys(table: dict[str, Any], source: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        return table
    table = dict(table)
    for old, new in RENAMED_ANALYSIS_KEYS.items():
        if old not in table:
            continue
        if new in table:
            raise SSIConfigError(f"[analysis] has both {old} and {new}: the same setting "
                                 f"({old} is its old name)", file=source,
                                 fix=f"keep only {new}")
        table[new] = table.pop(old)
        warnings.warn(f"{source}: [analysis] {old} is now called {new}; the old name is read "
                      f"as {new} for now, rename it", FutureWarning, stacklevel=3)
    return table


def analysis_config_from_dict(table: dict[str, Any], *, source: str = "config"
                              ) -> AnalysisConfig:
    """Build :class:`AnalysisConfig` from an ``[analysis]`` table, strictly (old key names:
    :data:`RENAMED_ANALYSIS_KEYS`)."""
    table = _renamed_keys(table, source)
    fields = {f for f in AnalysisConfig.__dataclass_fields__}
    _check_keys(table, fields, "analysis", source)
    values: dict[str, Any] = {}
    defaults = AnalysisConfig()
    for key, value in table.items():
        default = getattr(defaults, key)
        where = "analysis"
        if key in _ANALYSIS_CHOICES:
            if value not in _ANALYSIS_CHOICES[key]:
                raise SSIConfigError(f"[analysis] {key} = {value!r} is not one of "
                                     f"{', '.join(_ANALYSIS_CHOICES[key])}", file=source,
                                     fix=_suggest(str(value), set(_ANALYSIS_CHOICES[key])))
        elif key == "controls":
            value = _controls(value, source)
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise SSIConfigError(f"[analysis] {key} must be true or false, got {value!r}",
                                     file=source)
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise SSIConfigError(f"[analysis] {key} must be a whole number >= 0, got "
                                     f"{value!r}", file=source)
        else:
            value = _number(value, key, where, source, unit=key in (
                "confidence", "alpha", "power", "min_window_coverage"))
        values[key] = value
    cfg = replace(defaults, **values)
    if not cfg.laggards_below < cfg.leaders_above:
        raise SSIConfigError("[analysis] laggards_below must be below leaders_above",
                             file=source)
    if not 0 < cfg.confidence < 1 or not 0 < cfg.alpha < 1 or not 0 < cfg.power < 1:
        raise SSIConfigError("[analysis] confidence, alpha and power must be between 0 and 1",
                             file=source)
    if cfg.spline_df < 3:
        raise SSIConfigError(f"[analysis] spline_df = {cfg.spline_df} is too few for a "
                             "natural cubic spline", file=source, fix="use 3 or more (4 is "
                             "the default)")
    if cfg.n_resamples < 100:
        raise SSIConfigError(f"[analysis] n_resamples = {cfg.n_resamples} is too few for a "
                             "bootstrap "
                             "interval", file=source, fix="use at least 1000")
    return cfg


def load_section(path: str | Path | None, name: str) -> dict[str, Any]:
    """The ``[name]`` table of a config file (empty without a file or without the table)."""
    if path is None:
        return {}
    data = _read_toml(path)
    _check_keys(data, _TOP_KEYS, "", str(path))
    section = data.get(name, {})
    if not isinstance(section, dict):
        raise SSIConfigError(f"[{name}] must be a table", file=str(path))
    return section


def load_analysis_config(path: str | Path | None = None) -> AnalysisConfig:
    """The ``[analysis]`` section of a config file over the defaults (``None``: the defaults).

    The same file may hold ``[scoring]`` and ``[metrics]``: :func:`load_config` reads those.

    Examples
    --------
    >>> load_analysis_config().leaders_above
    70.0
    """
    if path is None:
        return AnalysisConfig()
    data = _read_toml(path)
    _check_keys(data, _TOP_KEYS, "", str(path))
    return analysis_config_from_dict(data.get("analysis", {}), source=str(path))
