"""Regression models of outcomes on SSI: adjusted, within-rep, reverse direction, pillars.

Every model is fitted with the statsmodels formula API on the rep x period panel
(:func:`ssi_analysis.panel.build_panel`). SSI enters as ``ssi_10`` (SSI / 10), so every
coefficient is an effect **per 10 SSI points**; pillars enter per 2.5 points (the same tenth of
their 0-25 scale). Controls (by default every covariate present among tenure, industry and
region) are ``log_tenure = log(1 + tenure_months)`` (tenure's pay-off flattens with time) and
categorical ``C(industry)``, ``C(region)``; a control with one level is left out with a note.
With two or more outcome periods the pooled models also have period fixed effects
(``C(period)``, listed as the control ``period``), so a quarter that was good for everyone is
not read as an SSI association. A term the others determine (SSI constant within periods,
pillars that move in lockstep) is reported as not estimable, never as a number.

Standard errors are cluster-robust: by team when there are enough teams (``min_clusters``,
default 30: with fewer, cluster-robust errors are too small), else by rep when reps have
several periods, else heteroskedasticity-robust (HC3). ``se_type``
names the choice on every row. These are observational associations: the models adjust for the
measured covariates only, and say nothing about what would happen if SSI were raised.

Examples
--------
>>> from ssi_analysis import load_data, example_data_dir
>>> from ssi_analysis.panel import build_panel
>>> panel = build_panel(load_data(example_data_dir())).data
>>> t = adjusted_models(panel)
>>> t[["model", "outcome", "effect_type"]].iloc[1].tolist()
['OLS', 'attainment', 'difference in attainment (share of quota)']
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from statsmodels.stats.outliers_influence import variance_inflation_factor
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

from ..config import PILLARS
from ._common import CONFIDENCE, not_estimable, p_adjust, results_table

COLUMNS = ["analysis", "model", "outcome", "term", "effect_type", "scale", "n", "n_reps",
           "n_clusters", "estimate", "ci_low", "ci_high", "p_val", "p_adj", "se_type",
           "controls", "vif", "note", "estimable", "reason"]

_CONTROL_TERMS = {"tenure": "log_tenure", "industry": "C(industry)", "region": "C(region)",
                  "period": "C(period)"}


@dataclass(frozen=True)
class Design:
    """What a model adjusts for and how its errors are clustered (shared by every model)."""

    controls: tuple[str, ...]
    terms: tuple[str, ...]
    cluster: str | None
    se_type: str
    notes: tuple[str, ...] = ()

    @property
    def rhs(self) -> str:
        return "".join(f" + {t}" for t in self.terms)


def _dummies(data: pd.DataFrame, controls: Sequence[str]) -> np.ndarray:
    parts = [np.ones((len(data), 1))]
    for c in controls:
        if c == "tenure":
            parts.append(np.log1p(data[["tenure_months"]].fillna(0).to_numpy(dtype=float)))
        else:
            parts.append(pd.get_dummies(data[c], drop_first=True, dtype=float).to_numpy())
    return np.hstack(parts)


def _redundant(data: pd.DataFrame, chosen: Sequence[str], new: str) -> bool:
    """Would the dummies of ``new`` be collinear with the controls already chosen?"""
    before = _dummies(data, chosen)
    after = _dummies(data, [*chosen, new])
    return np.linalg.matrix_rank(after) < np.linalg.matrix_rank(before) + \
        (after.shape[1] - before.shape[1])


def design(data: pd.DataFrame, *, controls: Sequence[str] | str = "auto",
           cluster: str = "auto", min_clusters: int = 30) -> Design:
    """Resolve the controls and the clustering for ``data`` (see the module docstring).

    Parameters
    ----------
    data : DataFrame
        The panel.
    controls : 'auto' or sequence of {'tenure', 'industry', 'region'}
        ``auto`` takes every one present.
    cluster : {'auto', 'team', 'rep', 'none'}
    min_clusters : int
        Fewest teams for clustering by team under ``auto``.

    With two or more periods, ``period`` (fixed effects) is added to the controls.
    """
    wanted = ("tenure", "industry", "region") if controls == "auto" else tuple(controls)
    notes: list[str] = []
    chosen = []
    for c in wanted:
        col = "tenure_months" if c == "tenure" else c
        if col not in data:
            if controls != "auto":
                notes.append(f"control '{c}' asked for but the reps table has no {col}: left out")
            continue
        if data[col].nunique(dropna=True) < 2:
            notes.append(f"control '{c}' has one value only: left out")
            continue
        if c != "tenure" and _redundant(data, chosen, col):
            notes.append(f"control '{c}' is (partly) determined by the other controls "
                         f"({', '.join(chosen)}): left out")
            continue
        chosen.append(c)
    if "period" in data and data["period"].nunique() > 1:
        chosen.append("period")           # period fixed effects: not a rep covariate
    repeated = data["rep_id"].duplicated().any()
    n_teams = data["team"].nunique() if "team" in data else 0
    if cluster == "auto":
        cluster = "team" if n_teams >= min_clusters else ("rep" if repeated else "none")
        if cluster != "team" and "team" in data:
            notes.append(f"only {n_teams} teams: errors are not clustered by team "
                         f"(at least {min_clusters} needed)")
    if cluster == "team" and "team" not in data:
        notes.append("no team column: errors clustered by rep instead")
        cluster = "rep" if repeated else "none"
    col = {"team": "team", "rep": "rep_id", "none": None}[cluster]
    se_type = f"cluster-robust by {cluster}" if col else "HC3 (heteroskedasticity-robust)"
    return Design(tuple(chosen), tuple(_CONTROL_TERMS[c] for c in chosen), col, se_type,
                  tuple(notes))


def _prepare(data: pd.DataFrame) -> pd.DataFrame:
    out = data.copy()
    if "tenure_months" in out:
        out["log_tenure"] = np.log1p(out["tenure_months"])
    out["attainment_10"] = out["attainment"] * 10.0
    for p in PILLARS:
        if p in out:
            out[f"{p}_25"] = out[p] / 2.5
    return out


def _fit(model, d: Design, frame: pd.DataFrame, **kwargs):
    """Fit with the design's robust errors; warnings about convergence are returned, not shown."""
    if d.cluster:
        groups = pd.factorize(frame.loc[model.data.row_labels, d.cluster])[0]
        cov = {"cov_type": "cluster", "cov_kwds": {"groups": groups}}
        if isinstance(model, sm.OLS):
            cov["use_t"] = True  # t with G - 1 df: better with few clusters
    else:
        cov = {"cov_type": "HC3"} if isinstance(model, sm.OLS) else {"cov_type": "HC1"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.fit(**cov, **kwargs)
    bad = [str(w.message).split("\n")[0] for w in caught
           if issubclass(w.category, ConvergenceWarning | PerfectSeparationWarning)]
    return fit, bad


def _row(fit, term: str, *, transform=None, frame: pd.DataFrame, cluster: str | None,
         confidence: float, **fields) -> dict:
    lo, hi = fit.conf_int(alpha=1 - confidence).loc[term]
    est = fit.params[term]
    if transform is not None:
        est, lo, hi = transform(est), transform(lo), transform(hi)
    used = frame.loc[fit.model.data.row_labels]
    return {"term": term, "n": int(fit.nobs), "n_reps": int(used["rep_id"].nunique()),
            "n_clusters": int(used[cluster].nunique()) if cluster else np.nan,
            "estimate": float(est), "ci_low": float(lo), "ci_high": float(hi),
            "p_val": float(fit.pvalues[term]), "estimable": True, "reason": "", **fields}


def _determined(exog: np.ndarray, names: Sequence[str], term: str, tol: float = 1e-8
                ) -> bool:
    """Is column ``term`` of the design (numerically) a combination of the other columns?

    Then its coefficient is not identified: least squares would still return a number (from
    the pseudo-inverse), and that number would mean nothing.
    """
    j = list(names).index(term)
    x = exog[:, j]
    others = np.delete(exog, j, axis=1)
    spread = float(np.sum((x - x.mean()) ** 2))
    if spread == 0.0:
        return True
    if others.shape[1] == 0:
        return False
    resid = x - others @ np.linalg.lstsq(others, x, rcond=None)[0]
    return float(resid @ resid) <= tol * spread


def _collinear_reason(term: str, controls: str) -> str:
    what = term.removesuffix("_10").removesuffix("_25")
    return (f"{what} is determined by the other terms of the model ({controls}): "
            "e.g. every rep has the same score within a period, so its effect cannot be told "
            "apart from theirs")


def _usable(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    return frame.dropna(subset=[c for c in columns if c in frame])


def _check(frame: pd.DataFrame, x: str, min_n: int) -> str | None:
    if frame["rep_id"].nunique() < min_n:
        return f"too few reps ({frame['rep_id'].nunique()}; at least {min_n} needed)"
    if frame[x].nunique() < 2:
        return f"{x.removesuffix('_10')} has no variance (every value is the same)"
    return None


MODELS = ("OLS (unadjusted)", "OLS", "logistic", "negative binomial",
          "mixed (random team and rep intercepts)")
"""The models :func:`adjusted_models` fits, in order."""


def adjusted_models(data: pd.DataFrame, *, controls: Sequence[str] | str = "auto",
                    cluster: str = "auto", min_clusters: int = 30, min_n: int = 10,
                    confidence: float = CONFIDENCE, which: Sequence[str] = MODELS,
                    adjust: str = "holm", return_models: bool = False):
    """The SSI effect per 10 points on each outcome, adjusted for the controls.

    Rows: unadjusted OLS of attainment (for comparison), adjusted OLS of attainment, logistic
    model of hitting quota (odds ratio, and the average marginal effect in probability),
    negative binomial model of opportunities (rate ratio; Poisson with robust errors if the
    negative binomial does not converge), and a linear mixed model of attainment with a random
    intercept per team and, when reps have several periods, one per rep within its team
    (model-based errors) as a robustness check. The unadjusted OLS uses the adjusted models'
    rows (reps without tenure are left out of both), so the two differ only by the controls.
    ``p_adj`` is adjusted (``adjust``: Holm or ``'bh'``) across the five models' SSI terms
    (the marginal effect shares the logistic model's p-value).

    Parameters
    ----------
    data : DataFrame
        The panel.
    controls, cluster, min_clusters
        See :func:`design`.
    min_n : int
        Fewest reps for a model to be fitted.
    confidence : float
    which : sequence of str
        The models to fit, among :data:`MODELS` (default all).
    return_models : bool
        Also return the fitted statsmodels results, by model name.

    Returns
    -------
    DataFrame, or (DataFrame, dict) with ``return_models``
    """
    d = design(data, controls=controls, cluster=cluster, min_clusters=min_clusters)
    frame = _prepare(data)
    controls_txt = ", ".join(d.controls) or "none"
    note = "; ".join(d.notes)
    rows: list[dict] = []
    models: dict = {}
    spec = [
        ("OLS (unadjusted)", "attainment", "", "difference in attainment (share of quota)"),
        ("OLS", "attainment", d.rhs, "difference in attainment (share of quota)"),
        ("logistic", "hit_quota", d.rhs, "odds ratio of hitting quota"),
        ("negative binomial", "opportunities", d.rhs, "rate ratio of opportunities"),
        ("mixed (random team and rep intercepts)", "attainment", d.rhs,
         "difference in attainment (share of quota)"),
    ]
    unknown = set(which) - set(MODELS)
    if unknown:
        raise ValueError(f"unknown model(s) {sorted(unknown)}; choose among {MODELS}")
    for name, outcome, rhs, effect in spec:
        if name not in which:
            continue
        common = {"analysis": "adjusted", "model": name, "outcome": outcome,
                  "effect_type": effect, "scale": "per 10 SSI points",
                  "controls": controls_txt if rhs else "none", "se_type": d.se_type,
                  "note": note}
        sample_rhs = d.rhs if name == "OLS (unadjusted)" else rhs  # same rows as adjusted
        needed = ["ssi_10", outcome] + (["log_tenure"] if "log_tenure" in sample_rhs else []) + \
            ([d.cluster] if d.cluster else [])
        f = _usable(frame, needed)
        problem = _check(f, "ssi_10", min_n)
        if problem is None and name.startswith("mixed") and "team" not in f:
            problem = "no team column for the random intercept"
        if problem is None and name.startswith("mixed") and f["team"].nunique() < 3:
            problem = f"only {f['team'].nunique()} team(s): a random intercept needs several"
        if problem is None and outcome == "hit_quota" and f[outcome].nunique() < 2:
            problem = "every rep-period is on the same side of quota"
        if problem:
            rows.append(not_estimable(problem, **common, term="ssi_10"))
            continue
        formula = f"{outcome} ~ ssi_10{rhs}"
        try:
            probe = smf.ols(formula, f)
            if _determined(probe.exog, probe.exog_names, "ssi_10"):
                rows.append(not_estimable(_collinear_reason("ssi_10", common["controls"]),
                                          **common, term="ssi_10"))
                continue
            if name.startswith("OLS"):
                fit, bad = _fit(smf.ols(formula, f), d, f)
                rows.append(_row(fit, "ssi_10", frame=f, cluster=d.cluster,
                                 confidence=confidence, **common))
            elif name == "logistic":
                fit, bad = _fit(smf.logit(formula, f), d, f, disp=0, maxiter=200)
                with np.errstate(over="ignore"):
                    finite = np.isfinite(np.exp(fit.conf_int().loc["ssi_10"])).all()
                if not finite or any("separation" in b.lower() for b in bad):
                    reason = ("SSI separates the rep-periods that hit quota from those that "
                              "did not (perfect separation): the odds ratio has no finite "
                              "estimate")
                    rows.append(not_estimable(reason, **common, term="ssi_10"))
                    rows.append(not_estimable(reason, **{
                        **common, "model": "logistic (average marginal effect)",
                        "effect_type": "difference in probability of hitting quota"},
                        term="ssi_10"))
                    continue
                rows.append(_row(fit, "ssi_10", transform=np.exp, frame=f, cluster=d.cluster,
                                 confidence=confidence, **common))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # other terms' variances
                    me = fit.get_margeff(at="overall").summary_frame(alpha=1 - confidence)
                me = me.loc["ssi_10"]
                rows.append({**rows[-1], "model": "logistic (average marginal effect)",
                             "effect_type": "difference in probability of hitting quota",
                             "estimate": float(me["dy/dx"]), "ci_low": float(me.iloc[4]),
                             "ci_high": float(me.iloc[5]), "p_val": float(me["Pr(>|z|)"])})
            elif name == "negative binomial":
                fit, bad = _fit(smf.negativebinomial(formula, f), d, f, disp=0, maxiter=300)
                if bad or not fit.mle_retvals.get("converged", True):
                    fit, bad = _fit(smf.glm(formula, f, family=sm.families.Poisson()), d, f)
                    common = {**common, "model": "Poisson (robust errors)",
                              "note": "; ".join(filter(None, [note, "the negative binomial "
                                                              "did not converge"]))}
                rows.append(_row(fit, "ssi_10", transform=np.exp, frame=f, cluster=d.cluster,
                                 confidence=confidence, **common))
            else:
                nested = bool(f["rep_id"].duplicated().any())
                vc = {"vc_formula": {"rep": "0 + C(rep_id)"}} if nested else {}
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    fit = smf.mixedlm(formula, f, groups=f["team"], re_formula="1",
                                      **vc).fit(reml=True)
                # statsmodels warns when its first optimiser fails, even when the next one
                # it tries converges: only a fit that did not converge in the end is flagged
                bad = [str(w.message).split("\n")[0] for w in caught
                       if issubclass(w.category, ConvergenceWarning)] if not fit.converged \
                    else []
                rows.append(_row(fit, "ssi_10", frame=f, cluster="team", confidence=confidence,
                                 **{**common, "se_type": "model-based (mixed model)",
                                    "note": "; ".join(filter(None, [note, "" if nested else
                                                      "one period per rep: no rep "
                                                      "intercept"]))}))
        except (np.linalg.LinAlgError, ValueError) as exc:
            rows.append(not_estimable(f"the model could not be fitted ({exc})", **common,
                                      term="ssi_10"))
            continue
        if bad:
            rows[-1]["note"] = "; ".join(filter(None, [rows[-1]["note"],
                                                       "convergence warning: " + bad[0]]))
        models[name] = fit
    table = results_table(rows, COLUMNS)
    family = ~table["model"].str.contains("marginal effect")
    table.loc[family, "p_adj"] = p_adjust(table.loc[family, "p_val"], adjust)
    if (~family).any():
        logit_p = table.loc[table["model"] == "logistic", "p_adj"]
        table.loc[~family, "p_adj"] = logit_p.iloc[0] if len(logit_p) else np.nan
    return (table, models) if return_models else table


def _within(frame: pd.DataFrame, y: str, xs: Sequence[str]) -> pd.DataFrame:
    """Demean y and xs within rep (Frisch-Waugh-Lovell: equals fitting rep fixed effects)."""
    cols = [y, *xs]
    return frame[cols] - frame.groupby("rep_id")[cols].transform("mean")


def time_order(data: pd.DataFrame, *, controls: Sequence[str] | str = "auto",
               cluster: str = "auto", min_clusters: int = 30, min_n: int = 10,
               confidence: float = CONFIDENCE, adjust: str = "holm",
               return_models: bool = False):
    """Which comes first? Within-rep change, and the reverse direction.

    ``within rep``
        Attainment on SSI with rep and period fixed effects: does a rep's attainment move
        with changes in *their own* SSI? Fitted as OLS on within-rep demeaned data (exactly
        the rep-dummy coefficient), errors clustered by rep. Uses reps with two or more
        periods; stable rep traits (skill, territory, tenure) cannot confound it, but things
        that change over time within a rep still can.
    ``reverse direction``
        The change in SSI in the period *after* an outcome period (SSI one period length after
        the period's last day minus SSI on that day) on the period's attainment (per 10
        percentage points), controlling for SSI at the period's end, period, and the controls.
        If success drives activity, this is positive.

    Returns one row each (``term`` says what the coefficient is of), not estimable with a
    reason when there is a single period or too few reps.
    """
    d = design(data, controls=controls, cluster=cluster, min_clusters=min_clusters)
    frame = _prepare(data)
    rows: list[dict] = []
    models: dict = {}
    # --- within rep
    common = {"analysis": "time order", "model": "within rep (rep and period fixed effects)",
              "outcome": "attainment", "effect_type": "difference in attainment (share of "
              "quota)", "scale": "per 10 SSI points", "controls": "rep and period fixed "
              "effects", "se_type": "cluster-robust by rep", "note": ""}
    f = _usable(frame, ["ssi_10", "attainment"])
    multi = f[f.groupby("rep_id")["rep_id"].transform("size") >= 2]
    if f["period"].nunique() < 2:
        rows.append(not_estimable("needs two or more outcome periods per rep; the data have "
                                  "one", **common, term="ssi_10"))
    elif multi["rep_id"].nunique() < min_n:
        rows.append(not_estimable(f"too few reps with two or more periods "
                                  f"({multi['rep_id'].nunique()}; at least {min_n} needed)",
                                  **common, term="ssi_10"))
    else:
        periods = pd.get_dummies(multi["period"], prefix="period", drop_first=True, dtype=float)
        xs = ["ssi_10", *periods.columns]
        w = _within(pd.concat([multi, periods], axis=1), "attainment", xs)
        if w["ssi_10"].abs().max() < 1e-12:
            rows.append(not_estimable("SSI does not change within any rep", **common,
                                      term="ssi_10"))
        elif w["attainment"].abs().max() < 1e-12:
            rows.append(not_estimable("attainment does not change within any rep, so nothing "
                                      "can go with a rep's SSI changes", **common,
                                      term="ssi_10"))
        elif _determined(w[xs].to_numpy(dtype=float), xs, "ssi_10"):
            rows.append(not_estimable("SSI changes within reps only as the period does (every "
                                      "rep's SSI moves alike), so its effect cannot be told "
                                      "apart from the period's", **common, term="ssi_10"))
        else:
            fit = sm.OLS(w["attainment"], w[xs]).fit(
                cov_type="cluster", cov_kwds={"groups": pd.factorize(multi["rep_id"])[0]},
                use_t=True)
            rows.append(_row(fit, "ssi_10", frame=multi, cluster="rep_id",
                             confidence=confidence, **common))
            rows[-1]["note"] = (f"{multi['rep_id'].nunique()} reps with two or more periods; "
                                f"{f['rep_id'].nunique() - multi['rep_id'].nunique()} reps "
                                "with one period do not contribute")
            models["within rep"] = fit
    # --- reverse direction
    common = {"analysis": "time order", "model": "reverse direction (SSI change after the "
              "period)", "outcome": "ssi change after the period", "effect_type":
              "difference in SSI change (points)", "scale": "per 10 percentage points of "
              "attainment", "controls": ", ".join(["SSI at period end", "period",
                                                    *[c for c in d.controls
                                                      if c != "period"]]),
              "se_type": d.se_type,
              "note": "; ".join(d.notes)}
    frame["ssi_change_after"] = frame["ssi_after"] - frame["ssi_end"]
    needed = ["ssi_change_after", "attainment_10", "ssi_end"] + \
        (["log_tenure"] if "log_tenure" in d.rhs else []) + ([d.cluster] if d.cluster else [])
    f = _usable(frame, needed)
    if f.empty:
        rows.append(not_estimable("no period has SSI measured a full period after it ends "
                                  "(the activity data stop too early)", **common,
                                  term="attainment_10"))
    elif (problem := _check(f, "attainment_10", min_n)) is not None:
        rows.append(not_estimable(problem, **common, term="attainment_10"))
    elif np.ptp(f["ssi_change_after"]) <= 1e-9 * max(1.0, f["ssi_end"].abs().max()):
        rows.append(not_estimable("the SSI change after the period is the same for every "
                                  "rep-period, so nothing can go with attainment", **common,
                                  term="attainment_10"))
    else:
        period = " + C(period)" if f["period"].nunique() > 1 else ""
        rhs = "".join(f" + {t}" for t in d.terms if t != "C(period)")
        formula = f"ssi_change_after ~ attainment_10 + ssi_end{period}{rhs}"
        model = smf.ols(formula, f)
        # the change fully explained by the other terms (the same within each period, say)
        others = [i for i, n in enumerate(model.exog_names) if n != "attainment_10"]
        outcome = np.column_stack([model.endog, model.exog[:, others]])
        if _determined(outcome, ["change", *others], "change"):
            rows.append(not_estimable("the SSI change after the period is the same for every "
                                      "rep in a period (the other terms explain all of it), so "
                                      "nothing is left to go with attainment", **common,
                                      term="attainment_10"))
        elif _determined(model.exog, model.exog_names, "attainment_10"):
            rows.append(not_estimable(_collinear_reason("attainment", common["controls"]),
                                      **common, term="attainment_10"))
        else:
            fit, bad = _fit(model, d, f)
            rows.append(_row(fit, "attainment_10", frame=f, cluster=d.cluster,
                             confidence=confidence, **common))
            models["reverse direction"] = fit
    table = results_table(rows, COLUMNS)
    table["p_adj"] = p_adjust(table["p_val"], adjust)
    return (table, models) if return_models else table


def pillar_model(data: pd.DataFrame, *, controls: Sequence[str] | str = "auto",
                 cluster: str = "auto", min_clusters: int = 30, min_n: int = 10,
                 confidence: float = CONFIDENCE, adjust: str = "holm",
                 return_models: bool = False):
    """All four pillars in one adjusted OLS of attainment, per 2.5 pillar points, with VIFs.

    Which pillar carries the signal once the others are held fixed? The pillars are
    correlated (active reps are active everywhere), so each row has its variance inflation
    factor (``vif``, from statsmodels on the model's design matrix): above about 5 the pillar's
    own estimate is unstable. ``p_adj`` is adjusted across the four pillars (``adjust``: Holm
    or ``'bh'``).
    """
    d = design(data, controls=controls, cluster=cluster, min_clusters=min_clusters)
    frame = _prepare(data)
    terms = [f"{p}_25" for p in PILLARS]
    needed = ["attainment", *terms] + (["log_tenure"] if "log_tenure" in d.rhs else []) + \
        ([d.cluster] if d.cluster else [])
    f = _usable(frame, needed)
    common = {"analysis": "pillars", "model": "OLS (all four pillars)", "outcome": "attainment",
              "effect_type": "difference in attainment (share of quota)",
              "scale": "per 2.5 pillar points", "controls": ", ".join(d.controls) or "none",
              "se_type": d.se_type, "note": "; ".join(d.notes)}
    flat = [t for t in terms if f[t].nunique() < 2]
    if f["rep_id"].nunique() < min_n or flat:
        reason = (f"too few reps ({f['rep_id'].nunique()})" if not flat else
                  f"{', '.join(t.removesuffix('_25') for t in flat)} has no variance")
        table = results_table([not_estimable(reason, **common, term=t) for t in terms], COLUMNS)
        return (table, {}) if return_models else table
    model = smf.ols("attainment ~ " + " + ".join(terms) + d.rhs, f)
    stuck = [t for t in terms if _determined(model.exog, model.exog_names, t)]
    if stuck:
        table = results_table([not_estimable(_collinear_reason(t, common["controls"] +
                                                               ", the other pillars"),
                                             **common, term=t) for t in terms], COLUMNS)
        for row, t in enumerate(terms):
            if t not in stuck:
                table.loc[row, "reason"] = ("not estimable: "
                                            f"{', '.join(x.removesuffix('_25') for x in stuck)} "
                                            "cannot be told apart from the other terms, so no "
                                            "pillar's estimate holds the others fixed")
        return (table, {}) if return_models else table
    fit, bad = _fit(model, d, f)
    exog = pd.DataFrame(fit.model.exog, columns=fit.model.exog_names)
    rows = []
    for t in terms:
        row = _row(fit, t, frame=f, cluster=d.cluster, confidence=confidence, **common)
        row["vif"] = float(variance_inflation_factor(exog.to_numpy(),
                                                     exog.columns.get_loc(t)))
        rows.append(row)
    table = results_table(rows, COLUMNS)
    table["p_adj"] = p_adjust(table["p_val"], adjust)
    return (table, {"pillars": fit}) if return_models else table
