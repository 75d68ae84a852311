"""Does SSI predict sales outcomes? The whole analysis, from a loaded data folder to results.

:func:`analyze` runs, on the rep x period panel (:mod:`ssi_analysis.panel`: SSI measured the
day before each period starts; give it the :class:`~ssi_analysis.scoring.Scores` of one daily
scoring, and the panel, the industry comparison and the report all read those):

1. **association** — Pearson and Spearman correlations of SSI and each pillar with attainment,
   overall and by industry, cluster-bootstrap CIs, Holm/BH-adjusted
   (:mod:`ssi_analysis.stats.association`);
2. **claims** — LinkedIn's three claims in its own terms (SSI > 70 vs < 30) and by quartile,
   beside the continuous estimate (:mod:`ssi_analysis.stats.claims`);
3. **adjusted models** — OLS, logistic, negative binomial and mixed models per 10 SSI points
   with controls and clustered errors (:mod:`ssi_analysis.stats.models`);
4. **time order** — within-rep change and the reverse direction;
5. **pillars** — all four in one model, with VIFs;
6. **robustness** — E-values, power, and the adjusted model without rep-periods whose scoring
   window is covered only in part (:mod:`ssi_analysis.stats.robustness`);
7. the **specification curve** — the adjusted association over every defensible choice
   (tenure's shape, region, window 60 / 90 / 120 days, absolute / relative score, attainment /
   hitting quota, clustering), each window and mode scored once
   (:mod:`ssi_analysis.stats.specification`);
8. a **plain-language summary**: sentences built from those tables, every number with its CI
   and n, in associational words only (the data are observational).

The result holds every table (tidy DataFrames), the fitted statsmodels objects and the summary;
:meth:`Analysis.to_dict` is the content of ``results.json``.

Examples
--------
>>> from ssi_analysis import load_data, example_data_dir, score
>>> from ssi_analysis.config import AnalysisConfig
>>> bundle = load_data(example_data_dir())
>>> daily = score(bundle.activity, bundle.reps, daily=True)     # scored once, used throughout
>>> res = analyze(bundle, scores=daily, analysis=AnalysisConfig(n_resamples=500))
>>> sorted(res.tables)
['claims', 'correlations', 'models', 'pillars', 'robustness', 'specification_curve', 'time_order']
>>> len(res.summary) >= 4
True
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from ._blas import one_blas_thread
from .config import AnalysisConfig, ScoringConfig, default_config
from .errors import SSIConfigError, SSIDataError
from .io import REJECT_COLUMNS, Bundle, QualityReport
from .outputs import refuse_overwriting_inputs, write_table, write_text, writing
from .panel import Panel, build_panel, extra_controls
from .privacy import Pseudonyms
from .scoring import Scores, score, scoring_coverage
from .stats._common import json_safe
from .stats.association import correlations
from .stats.claims import claim_check
from .stats.industry import ComparisonSettings, compare_groups, json_entries, pairwise_groups
from .stats.member import latest_snapshots
from .stats.models import adjusted_fits, design, pillar_fits, time_order_fits
from .stats.robustness import robustness, window_sensitivity
from .stats.specification import COLUMNS as CURVE_COLUMNS
from .stats.specification import curve_summary, specification_curve

CAUSAL_WORDS = ("cause", "causes", "caused", "effect of", "impact", "drives", "driven by",
                "leads to", "increase sales", "boost", "because of")
"""Words the summary never uses: the data are observational."""


@dataclass
class Analysis:
    """Everything :func:`analyze` found: tables, fitted models, summary, and how."""

    panel: Panel
    tables: dict[str, pd.DataFrame]
    models: dict[str, Any]
    summary: list[str]
    settings: dict[str, Any]
    quality: QualityReport | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    extra_tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The content of ``results.json`` (JSON-safe: NaN is ``null``)."""
        t = self.tables
        corr = t["correlations"]
        overall = corr[(corr.group == "all") & (corr.x == "ssi")].set_index("method")
        models = t["models"].set_index("model")
        primary = models.loc["OLS"] if "OLS" in models.index else None
        claims: dict[str, Any] = {}
        for claim, grp in t["claims"].groupby("claim", sort=False):
            ext = grp[grp.comparison == "leaders vs laggards"].iloc[0]
            qrt = grp[grp.comparison == "top vs bottom quartile"].iloc[0]
            claims[claim] = {
                "claimed": ext.claimed, "ratio": ext.estimate, "ci_low": ext.ci_low,
                "ci_high": ext.ci_high, "n_leaders": ext.n_high_reps, "n_laggards":
                ext.n_low_reps, "n_leader_periods": ext.n_high, "n_laggard_periods": ext.n_low,
                "verdict": ext.verdict, "outcome": ext.outcome, "reason": ext.reason,
                "quartiles": {"ratio": qrt.estimate, "ci_low": qrt.ci_low,
                              "ci_high": qrt.ci_high, "n_top": qrt.n_high_reps,
                              "n_bottom": qrt.n_low_reps, "verdict": qrt.verdict},
                "groups": {"leaders": ext.group_high, "laggards": ext.group_low,
                           "top": qrt.group_high, "bottom": qrt.group_low},
                "continuous": {"ratio_per_10_ssi": qrt.continuous_per_10,
                               "ci_low": qrt.continuous_ci_low,
                               "ci_high": qrt.continuous_ci_high,
                               "implied_leaders_vs_laggards": ext.implied_ratio,
                               "implied_leaders_vs_laggards_ci_low": ext.implied_ci_low,
                               "implied_leaders_vs_laggards_ci_high": ext.implied_ci_high,
                               "mean_ssi_leaders": ext.mean_ssi_high,
                               "mean_ssi_laggards": ext.mean_ssi_low,
                               "implied_quartiles": qrt.implied_ratio,
                               "implied_quartiles_ci_low": qrt.implied_ci_low,
                               "implied_quartiles_ci_high": qrt.implied_ci_high},
            }
        out = {
            "meta": self.settings,
            "data_quality": self.quality_dict(),
            "correlation": {m: _pick(overall.loc[m], ["estimate", "ci_low", "ci_high", "p_val",
                                                      "p_adj", "n", "n_reps", "ci_method",
                                                      "p_method", "reason"])
                            for m in overall.index},
            "adjusted": (None if primary is None else {
                "outcome": primary.outcome, "term": "ssi (per 10 points)",
                **_pick(primary, ["estimate", "ci_low", "ci_high", "p_val", "n", "n_reps",
                                  "n_clusters", "controls", "se_type", "effect_type",
                                  "reason"])}),
            "models": _records(t["models"]),
            "claims": claims,
            "time_order": _records(t["time_order"]),
            "pillars": _records(t["pillars"]),
            "robustness": _records(t["robustness"]),
            "correlations": _records(corr),
            "summary": self.summary,
        }
        out.update(self.extra)
        return json_safe(out)

    def quality_dict(self) -> dict[str, Any]:
        """Rows read, used and rejected per table and in the panel, with the reasons."""
        p = self.panel
        reasons = p.excluded["reason"].value_counts()
        q = self.quality
        return {
            "tables": [] if q is None else _records(q.summary()),
            "rejected": [] if q is None else _records(q.reasons()),
            "flagged": [] if q is None else _records(q.flag_reasons()),
            "warnings": [] if q is None else list(q.warnings),
            # repairs first, so that the report's appendix (which lists the notes) shows them
            "notes": [] if q is None else [*(f"warning: {w}" for w in q.warnings), *q.notes],
            "panel": {"rows_read": p.rows_read, "rows_used": len(p.data),
                      "rows_excluded": len(p.excluded),
                      "excluded_reasons": [{"reason": r, "rows": int(n)}
                                           for r, n in reasons.items()],
                      "notes": list(p.notes)},
        }


    def write(self, out: Path, *, inputs: Sequence[Path] = (), salt: str | None = None,
              pseudonyms: Pseudonyms | None = None) -> list[Path]:
        """Write ``results.json`` and one CSV per table into the folder ``out``.

        With ``salt`` (or ``pseudonyms``, which also know the reps' names), rep and manager ids
        in every table, the rejects file and the notes of ``results.json`` are replaced by
        pseudonyms (:mod:`ssi_analysis.privacy`), name columns are dropped and rejected cells
        that may hold a name are hidden. No path may be one of ``inputs``; every file is
        written atomically.
        """
        if pseudonyms is None and salt is not None:
            ids = [*self.panel.data.get("rep_id", pd.Series(dtype=object)).astype(str)]
            if self.quality is not None and not self.quality.rejects.empty:
                ids += list(self.quality.rejects["rep_id"].dropna().astype(str))
            pseudonyms = Pseudonyms(salt, ids=ids)
        files = {f"{name}.csv": table
                 for name, table in {**self.tables, **self.extra_tables}.items()}
        files["panel.csv"] = self.panel.data
        files["panel_excluded.csv"] = self.panel.excluded
        rejects = (self.quality.rejects[REJECT_COLUMNS] if self.quality is not None
                   else pd.DataFrame())
        if not rejects.empty:
            files["rejects.csv"] = rejects
        for name in [*files, "results.json"]:
            refuse_overwriting_inputs(out / name, inputs)
        written = []
        for name, table in files.items():
            if pseudonyms is not None:
                table = (pseudonyms.rejects(table) if name == "rejects.csv"
                         else pseudonyms.table(table))
            written.append(write_table(table, out / name))
        stale = out / "rejects.csv"
        if "rejects.csv" not in files and stale.exists():
            with writing(stale):
                stale.unlink()  # a rejects file from an earlier run would mislead
        content = self.to_dict()
        if pseudonyms is not None:
            content = _scrub(content, pseudonyms)
        text = json.dumps(content, indent=2, allow_nan=False, ensure_ascii=False)
        written.append(write_text(text + "\n", out / "results.json"))
        return written


def _scrub(obj: Any, pseudonyms: Pseudonyms) -> Any:
    """Every text in a JSON-like structure with person ids and names pseudonymised."""
    if isinstance(obj, dict):
        return {k: _scrub(v, pseudonyms) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_scrub(v, pseudonyms) for v in obj]
    return pseudonyms.text(obj) if isinstance(obj, str) else obj


def _pick(row: pd.Series, keys: list[str]) -> dict[str, Any]:
    return {k: row[k] for k in keys if k in row.index}


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [dict(zip(df.columns, row, strict=True)) for row in df.itertuples(index=False)]


# ------------------------------------------------------------------ the summary
def _f(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}".replace("-", "−")


def _pp(x: float) -> str:
    """A share of quota as percentage points."""
    return _f(100 * x, 1)


def _strength(r: float) -> str:
    a = abs(r)
    return "barely" if a < 0.1 else "weakly" if a < 0.3 else "moderately" if a < 0.5 \
        else "strongly"


def _controls_words(controls: str) -> str:
    parts = [c.strip() for c in str(controls).split(",")
             if c.strip() and c.strip() != "none"]
    if not parts:
        return "Without controls"
    return "Adjusted for " + (" and ".join(parts) if len(parts) <= 2
                              else ", ".join(parts[:-1]) + " and " + parts[-1])


def _clear(row) -> bool:
    """The CI excludes 0."""
    return bool(row.ci_low > 0 or row.ci_high < 0)


def _difference(row, fmt, unit: str, ci: str, *, more: str = "more", less: str = "less"
                ) -> tuple[str, str]:
    """``("X unit more", "95% CI a to b")`` when the CI excludes 0 (magnitudes, so the
    interval reads in the direction of the words), else the signed estimate and CI."""
    if _clear(row):
        lo, hi = (row.ci_low, row.ci_high) if row.estimate > 0 else (-row.ci_high, -row.ci_low)
        return (f"{fmt(abs(row.estimate))} {unit} {more if row.estimate > 0 else less}",
                f"{ci} {fmt(lo)} to {fmt(hi)}")
    return f"{fmt(row.estimate)} {unit}", f"{ci} {fmt(row.ci_low)} to {fmt(row.ci_high)}"


def summarize(tables: dict[str, pd.DataFrame], *, confidence: float = 0.95,
              ssi: str = "computed") -> list[str]:
    """Plain-language sentences from the analysis tables, every number with its CI and n.

    Associational wording only (:data:`CAUSAL_WORDS` never appear): the panel is observational.
    A difference is given a direction ("more", "less") only when its CI excludes 0. With
    ``ssi='observed'`` the sentences say the SSI is LinkedIn's reported number.
    """
    ci = f"{confidence:.0%} CI"
    unclear = "; too uncertain to tell from no difference"
    out: list[str] = []
    corr = tables["correlations"]
    overall = corr[(corr.group == "all") & (corr.x == "ssi")].set_index("method")
    r = overall.loc["pearson"]
    if r.estimable:
        how = (f"{_strength(r.estimate)} {'positively' if r.estimate > 0 else 'negatively'} "
               "correlated" if _clear(r) else "not clearly correlated")
        measured = ("LinkedIn's reported SSI (its latest snapshot before each period)"
                    if ssi == "observed" else "SSI measured before each period")
        sentence = (f"Across {r.n} rep-periods ({r.n_reps} reps), {measured} "
                    f"and quota attainment were {how}: Pearson r = {_f(r.estimate)} "
                    f"({ci} {_f(r.ci_low)} to {_f(r.ci_high)})")
        if "spearman" in overall.index and overall.loc["spearman"].estimable:
            rho = overall.loc["spearman"]
            sentence += (f"; the rank correlation, which a few extreme values cannot drive, is "
                         f"{_f(rho.estimate)} ({ci} {_f(rho.ci_low)} to {_f(rho.ci_high)})")
        out.append(sentence + ".")
    else:
        out.append(f"The correlation of SSI with attainment could not be estimated: {r.reason}.")

    models = tables["models"].set_index("model")
    if "OLS" in models.index:
        m = models.loc["OLS"]
        if m.estimable:
            words, interval = _difference(m, _pp, "percentage points", ci)
            n = f"{interval}; n = {m.n} rep-periods, {m.n_reps} reps"
            if _clear(m):
                out.append(f"{_controls_words(m.controls)}, reps with 10 more SSI points "
                           f"attained {words} of quota on average ({n}).")
            else:
                out.append(f"{_controls_words(m.controls)}, 10 more SSI points went with "
                           f"{words} of attainment ({n}){unclear}.")
        else:
            out.append(f"The adjusted model could not be estimated: {m.reason}.")

    claims = tables["claims"]
    ext = claims[(claims.claim == "quota") & (claims.comparison == "leaders vs laggards")].iloc[0]
    qrt = claims[(claims.claim == "quota") &
                 (claims.comparison == "top vs bottom quartile")].iloc[0]
    claim = (f"LinkedIn's claim that {ext.group_high} are 51% more likely to hit quota than "
             f"{ext.group_low}")
    if not ext.group_high.startswith("leaders (SSI > 70)") or \
            not ext.group_low.startswith("laggards (SSI < 30)"):
        # thresholds changed in the config: the claim is LinkedIn's, the groups are ours
        claim = ("LinkedIn's claim that leaders (SSI > 70) are 51% more likely to hit quota "
                 f"than laggards (SSI < 30), checked here as {ext.group_high} vs "
                 f"{ext.group_low}")
    if ext.estimable:
        out.append(f"{claim}: observed risk ratio {_f(ext.estimate)} ({ci} {_f(ext.ci_low)} "
                   f"to {_f(ext.ci_high)}; {ext.n_high_reps} vs {ext.n_low_reps} reps), "
                   f"{ext.verdict}.")
    else:
        q = (f" The top SSI quartile hit quota {_f(qrt.estimate)} times as often as the bottom "
             f"quartile ({ci} {_f(qrt.ci_low)} to {_f(qrt.ci_high)}; {qrt.n_high_reps} vs "
             f"{qrt.n_low_reps} reps)." if qrt.estimable else "")
        reason = str(ext.reason).removeprefix("not estimable: ").removeprefix(
            "too few reps to say: ").removeprefix("not applicable: ")
        out.append(f"{claim} cannot be checked here: {reason}.{q}")

    to = tables["time_order"].set_index("model")
    within = to.iloc[0]
    reverse = to.iloc[1] if len(to) > 1 else None
    if within.estimable:
        words, interval = _difference(within, _pp, "percentage points", ci)
        sentence = (f"Within the same reps over time, periods with 10 more SSI points went with "
                    f"{words}{'' if _clear(within) else ' of'} attainment ({interval}; "
                    f"{within.n} rep-periods, "
                    f"{within.n_reps} reps){'' if _clear(within) else unclear}")
        if reverse is not None and reverse.estimable:
            words, interval = _difference(reverse, _f, "points", ci, more="up", less="down")
            sentence += (f"; in the other direction, 10 percentage points more attainment "
                         f"went with an SSI change in the following period of {words} "
                         f"({interval}; {reverse.n} rep-periods, {reverse.n_reps} reps)"
                         f"{'' if _clear(reverse) else unclear}")
        out.append(sentence + ".")
    else:
        out.append(f"Whether SSI changes come before attainment changes cannot be told from "
                   f"these data: {within.reason}.")

    curve = tables.get("specification_curve")
    if curve is not None and len(curve):
        out.append(curve_sentence(curve))

    caveat = ("These are associations in observational data: they do not show that raising "
              "SSI would raise sales.")
    if ssi == "observed":
        caveat += (" The SSI here is LinkedIn's own number, as reported; how LinkedIn computes "
                   "it is not public.")
    rob = tables["robustness"]
    ev = rob[(rob.check == "e_value") & rob.applies_to.str.startswith("OLS")]
    if len(ev) and ev.iloc[0].estimable and ev.iloc[0].bound > 1:
        e = ev.iloc[0]
        caveat += (f" An unmeasured factor associated with both SSI and attainment by a risk "
                   f"ratio of about {_f(e.estimate, 1)} each could account for the "
                   f"adjusted association per 10 SSI points (E-value; {_f(e.bound, 1)} would "
                   f"move the CI to include no association; n = {e.n} rep-periods).")
    warn = rob.loc[rob.warning.astype(bool), "warning"]
    if len(warn):
        caveat += f" Note: {warn.iloc[0]}."
    sens = rob[rob.check.str.startswith("sensitivity: without partly")]
    if len(sens) and sens.iloc[0].estimable and "left out" in str(sens.iloc[0].detail):
        r = sens.iloc[0]
        words, interval = _difference(r, _pp, "percentage points", ci)
        caveat += (f" Without the {str(r.detail).split(' ')[0]} rep-period(s) whose scoring "
                   f"window the activity data cover only in part, 10 more SSI points went "
                   f"with {words}{'' if _clear(r) else ' of'} attainment ({interval}; n = "
                   f"{r.n} rep-periods).")
    nb = tables["models"]
    if (nb.model == "Poisson (robust errors)").any():
        caveat += (" The negative binomial model of opportunities did not converge; a Poisson "
                   "model with robust errors stands in its place.")
    out.append(caveat)
    return out


_VERDICT_WORDS = {"positive": "higher SSI going with higher attainment",
                  "negative": "higher SSI going with lower attainment",
                  "unclear": "no clear association"}
_CHOICE_WORDS = {"tenure": "tenure entered {}", "region": "{} the region control",
                 "window_days": "a {}-day scoring window", "score": "the {} score",
                 "outcome": "{} as the outcome", "cluster": "errors clustered by {}"}


def curve_sentence(curve: pd.DataFrame) -> str:
    """The specification curve in one sentence: how many specifications, the share whose
    95% CI excludes 0, and whether the main verdict depends on a single choice."""
    s = curve_summary(curve)
    n = s["n_specifications"]
    if not s["n_estimable"]:
        return f"None of the {n} specifications of the adjusted analysis could be estimated: " \
            f"{s['reason']}."
    ok = curve[curve.estimable]
    k = int((ok.verdict != "unclear").sum())
    signs = sorted(set(ok.loc[ok.verdict != "unclear", "verdict"]))
    sign = f", all {signs[0]}" if len(signs) == 1 else ""
    def listed(choice: str) -> str:
        values = list(ok[choice].unique())
        if all(pd.api.types.is_number(v) for v in values):
            values = sorted(values)
        return " / ".join(str(v) for v in values)

    options = "; ".join(f"{choice.replace('_days', ' days')} {listed(choice)}"
                        for choice in ("tenure", "region", "window_days", "score", "outcome",
                                       "cluster") if ok[choice].nunique() > 1)
    text = (f"Across {s['n_estimable']} specifications of the adjusted analysis ({options}; "
            f"up to {int(ok.n.max())} rep-periods of {int(ok.n_reps.max())} reps), {k} "
            f"({k / s['n_estimable']:.0%}) had a 95% CI excluding 0{sign}")
    if s["main_verdict"] is None:
        return text + "."
    verdict = _VERDICT_WORDS[s["main_verdict"]]
    if not s["depends_on"]:
        return text + (f"; the main result ({verdict}) holds whichever single choice is "
                       "changed.")
    changes = "; ".join(f"{_CHOICE_WORDS[d['choice']].format(d['option'])} gives "
                        f"{_VERDICT_WORDS[d['verdict']]}" for d in s["depends_on"])
    return text + f"; the main result ({verdict}) depends on the choices: {changes}."


# ------------------------------------------------------------------ the pipeline
def _crm_summary(bundle: Bundle) -> dict[str, Any] | None:
    """Where the opportunities went, when outcomes were derived from a CRM export."""
    crm = bundle.crm
    if crm is None:
        return None
    return {"period": crm.period, "accounting": _records(crm.accounting),
            "unmatched_owners": len(crm.unmatched_owners),
            "reps_without_opportunities": len(crm.reps_without_opportunities),
            "reps_without_quota": len(crm.reps_without_quota),
            "quota_gaps": len(crm.gaps), "notes": list(crm.notes)}


def industry_settings(analysis: AnalysisConfig, section: dict[str, Any] | None = None, *,
                      source: str = "config") -> ComparisonSettings:
    """Industry-comparison settings: the analysis' seed, confidence and adjustment, overlaid
    with the keys of a config file's ``[industry]`` table (``by``, ``min_n``, ``missing`` ...)."""
    base = {"seed": analysis.seed, "confidence": analysis.confidence,
            "adjust": analysis.adjust}
    return ComparisonSettings.from_dict({**base, **(section or {})}, source=source)


def choose_ssi(bundle: Bundle, ssi: str | None) -> tuple[str, str | None]:
    """Which SSI to analyse when none is asked for: the computed one, or LinkedIn's when the
    folder has no activity to compute it from (a note says so)."""
    if ssi is not None:
        return ssi, None
    if bundle.activity is None and bundle.ssi_observed is not None:
        return "observed", ("no activity table: the SSI analysed is LinkedIn's reported one "
                            "(as with --ssi observed)")
    return "computed", None


def current_scores(bundle: Bundle, *, scores: Scores | None = None,
                   config: ScoringConfig | None = None, ssi: str = "computed") -> pd.DataFrame:
    """Each rep's SSI and pillars as of the data's last day: computed from the activity
    (``scores`` when given, scored on that day), or LinkedIn's latest reported snapshot of each
    rep (``ssi='observed'``, and without activity)."""
    if bundle.activity is not None and ssi != "observed":
        last_day = bundle.activity["date"].max() if len(bundle.activity) else None
        if scores is not None:
            return scores.on(last_day)
        return score(bundle.activity, bundle.reps, config=config or default_config()).table
    if bundle.ssi_observed is None:
        raise SSIDataError("there is neither activity nor LinkedIn's SSI (ssi_observed) to "
                           "score reps from", file=str(bundle.folder or "data folder"),
                           fix="add an activity table or ssi_observed")
    return latest_snapshots(bundle.ssi_observed)


def data_as_of(bundle: Bundle) -> str | None:
    """The data's last day: of the activity, else of LinkedIn's snapshots."""
    table = bundle.activity if bundle.activity is not None else bundle.ssi_observed
    if table is None or not len(table):
        return None
    return pd.Timestamp(table["date"].max()).strftime("%Y-%m-%d")


SPEC_WINDOWS = (60, 90, 120)
"""Scoring windows (days) the specification curve compares."""
SPEC_MODES = ("absolute", "relative")
"""Scoring modes the specification curve compares."""


def specification_panels(bundle: Bundle, main: Panel, *, config: ScoringConfig,
                         analysis: AnalysisConfig, ssi: str = "computed"
                         ) -> tuple[dict[tuple[Any, str], pd.DataFrame], list[str]]:
    """The panels of the specification curve: one per scoring window and mode, each scored
    once (with the public :func:`~ssi_analysis.panel.build_panel`), the main one reused.

    With LinkedIn's own SSI (``ssi='observed'``) there is nothing to re-score: one panel.
    Returns the panels, main first, and notes on any window that gave no usable panel.
    """
    if ssi == "observed":
        return {("as reported", "LinkedIn"): main.data}, []
    panels = {(config.window_days, config.mode): main.data}
    notes = []
    for window in sorted({*SPEC_WINDOWS, config.window_days}):
        for mode in SPEC_MODES:
            if (window, mode) in panels:
                continue
            try:
                panels[(window, mode)] = build_panel(
                    bundle, config=config.with_options(window_days=window, mode=mode),
                    analysis=analysis).data
            except SSIDataError as exc:
                notes.append(f"{window}-day window, {mode} score: no specification ({exc})")
    return panels, notes


def _curve(bundle: Bundle, panel: Panel, *, config: ScoringConfig, analysis: AnalysisConfig,
           ssi: str) -> tuple[pd.DataFrame, list[str]]:
    if not analysis.specification_curve:
        return pd.DataFrame(columns=CURVE_COLUMNS), ["the specification curve was not run "
                                                     "([analysis] specification_curve = "
                                                     "false)"]
    panels, notes = specification_panels(bundle, panel, config=config, analysis=analysis,
                                         ssi=ssi)
    curve = specification_curve(panels, controls=extra_controls(analysis.controls),
                                min_n=analysis.min_n, spline_df=analysis.spline_df,
                                confidence=analysis.confidence)
    return curve, notes


@one_blas_thread
def analyze(data: Bundle | Panel, *, scores: Scores | pd.DataFrame | None = None,
            config: ScoringConfig | None = None, analysis: AnalysisConfig | None = None,
            ssi: str | None = None, industry: ComparisonSettings | None = None) -> Analysis:
    """Run the whole analysis on a loaded data folder, or on a panel built from one.

    Parameters
    ----------
    data : Bundle or Panel
        From :func:`~ssi_analysis.io.load_data` (must hold outcomes), or the
        :func:`~ssi_analysis.panel.build_panel` of one.
    scores : Scores or DataFrame, optional
        The computed SSI, scored once for everything: ``score(..., daily=True)`` gives the panel
        its days and the industry comparison the last activity date (or an analyst's own
        table with ``rep_id, date, ssi`` and the pillars). Default: the panel's scores, else
        the activity is scored where needed. (The specification curve scores the activity
        once for each other window and mode it compares.)
    config : ScoringConfig, optional
        Scoring settings for the computed SSI (with ``scores``: their own).
    analysis : AnalysisConfig, optional
        Thresholds, bootstrap, controls, clustering, seed.
    ssi : {'computed', 'observed'}, optional
        Which SSI to analyse (default: computed; for a panel, the panel's).
    industry : ComparisonSettings, optional
        Settings of the industry comparison (:mod:`ssi_analysis.stats.industry`), made on the
        computed scores as of the last activity date (so industries are comparable), or with
        ``ssi='observed'`` (and without activity) on LinkedIn's latest snapshot of each rep.
        Default: by industry, with the analysis' seed, confidence level and adjustment.

    Returns
    -------
    Analysis
    """
    a = analysis or AnalysisConfig()
    if isinstance(data, Panel):
        panel, bundle = data, data.bundle
        if bundle is None:
            raise SSIDataError("the panel does not hold the data it was built from",
                               fix="build it with build_panel(bundle), or pass the bundle")
        if ssi is not None and ssi != panel.ssi_source:
            raise SSIConfigError(f"the panel holds the {panel.ssi_source} SSI, not {ssi!r}",
                                 fix="build the panel with that SSI, or leave ssi out")
        ssi = panel.ssi_source
        lacking = [c for c in extra_controls(a.controls) if c not in panel.covariates]
        if lacking:
            raise SSIConfigError(f"[analysis] controls names {', '.join(lacking)}, which the "
                                 "panel was built without", column=lacking[0],
                                 fix="build the panel with the same analysis settings: "
                                     "build_panel(bundle, analysis=...)")
        scores = panel.scores if scores is None else Scores.from_frame(scores, config=config)
        panel = replace(panel, notes=list(panel.notes))     # notes are added: not the caller's
    else:
        bundle, ssi = data, ssi or "computed"
        if scores is not None:
            scores = Scores.from_frame(scores, config=config)
        panel = build_panel(bundle, scores=scores, ssi=ssi, config=config, analysis=a)
    config = (scores.config if scores is not None else None) or config or default_config()
    data = panel.data
    common = {"controls": a.controls, "cluster": a.cluster, "min_clusters": a.min_clusters,
              "min_n": a.min_n, "confidence": a.confidence, "adjust": a.adjust,
              "spline_df": a.spline_df}
    corr = correlations(data, by="industry" if "industry" in data else None,
                        n_resamples=a.n_resamples, ci_method=a.ci_method,
                        confidence=a.confidence, seed=a.seed, adjust=a.adjust, min_n=a.min_n)
    claims = claim_check(data, leaders_above=a.leaders_above, laggards_below=a.laggards_below,
                         min_n=a.min_n, confidence=a.confidence, adjust=a.adjust)
    adjusted, models = adjusted_fits(data, **common)
    order, order_models = time_order_fits(data, **common)
    pillars, pillar_models = pillar_fits(data, **common)
    rob = pd.concat([robustness(adjusted, models, data, alpha=a.alpha, power=a.power),
                     window_sensitivity(data, **{k: v for k, v in common.items()
                                                 if k != "adjust"})], ignore_index=True)
    curve, curve_notes = _curve(bundle, panel, config=config, analysis=a, ssi=ssi)
    industry = industry or industry_settings(a)
    current = current_scores(bundle, scores=scores, config=config, ssi=ssi)
    if ssi == "observed" or bundle.activity is None:
        panel.notes.append("industries are compared on LinkedIn's reported SSI (each rep's "
                           "latest snapshot)")
    if industry.by in bundle.reps:
        omnibus = compare_groups(current, bundle.reps, **industry.to_dict())
        pairwise = pairwise_groups(current, bundle.reps, **industry.to_dict())
        entries = json_entries(omnibus)
    else:
        omnibus = pairwise = pd.DataFrame()
        entries = []
        settings_note = f"no industry comparison: the reps table has no '{industry.by}' column"
        panel.notes.append(settings_note)
    tables = {"correlations": corr, "claims": claims, "models": adjusted,
              "time_order": order, "pillars": pillars, "robustness": rob,
              "specification_curve": curve}
    periods = sorted(data["period_start"].unique())
    settings = {
        "toolkit": f"ssi-analysis {__version__}",
        "data_folder": bundle.folder.name if bundle.folder is not None else None,
        "ssi_source": ssi,
        "ssi_measured": ("as of the day before each period starts (trailing "
                         f"{config.window_days}-day window)" if ssi == "computed" else
                         "LinkedIn's latest snapshot at most "
                         f"{a.observed_max_age_days} days before each period starts"),
        "n_rep_periods": len(data), "n_reps": panel.n_reps, "n_periods": panel.n_periods,
        "periods": [pd.Timestamp(p).strftime("%Y-%m-%d") for p in periods],
        "as_of": data_as_of(bundle),
        "covariates": list(panel.covariates),
        "controls": design(data, **{k: common[k] for k in ("controls", "cluster",
                                                          "min_clusters", "spline_df")}
                           ).described(),
        "scoring": config.to_dict()["scoring"],
        "analysis": a.to_dict(),
    }
    coverage = (scoring_coverage(bundle.activity, config)
                if ssi == "computed" and bundle.activity is not None else [])
    if coverage:      # pillars not scored, period totals spread: the methods say so
        settings["scoring_coverage"] = coverage
    return Analysis(panel=panel, tables=tables,
                    models={**models, **order_models, **pillar_models},
                    summary=summarize(tables, confidence=a.confidence, ssi=ssi),
                    settings=settings,
                    quality=bundle.quality,
                    extra={"specification_curve": {**curve_summary(curve),
                                                    "notes": curve_notes,
                                                    "specifications": _records(curve)},
                           "industry": entries, "industry_settings": industry.to_dict(),
                           "scoring_config": config.to_dict(), "crm": _crm_summary(bundle)},
                    extra_tables={"industry": omnibus, "industry_pairwise": pairwise})
