"""Regression models of outcomes on SSI: adjusted, within-rep, reverse direction, pillars.

Every model is fitted with the statsmodels formula API on the rep x period panel
(:func:`ssi_analysis.panel.build_panel`). SSI enters as ``ssi_10`` (SSI / 10), so every
coefficient is an effect **per 10 SSI points**; pillars enter per 2.5 points (the same tenth of
their 0-25 scale).

**Controls** (by default every covariate present among tenure, industry and region; any other
panel column can be named) enter flexibly, because a control of the wrong fixed shape leaves
confounding in: in simulations where tenure drives both activity and attainment linearly in
months, a ``log(1 + tenure)`` control let a null SSI effect through in 25% of datasets of 200
reps and 93% of 800 reps, and a linear control let it through in 12.5% at 800 reps when
tenure's pay-off flattens (concave). A **continuous** control (more than ``spline_df + 1``
distinct values) enters as a natural cubic regression spline, patsy's ``cr(x, df=SPLINE_DF,
constraints="center")`` (knots at quantiles); ``SPLINE_DF`` = 4 absorbed both a linear and a
concave confounder in the simulations that chose it (expected false-positive rates 4.7% with
200 reps in 10 teams, 4.9–5.0% with 800 reps in 40 teams; 3 and 5 df did as well, more df only
cost precision): see ``benchmarks/calibration.py`` and ``benchmarks/CALIBRATION.md``. Any
numeric control enters so, tenure or a reps column named in ``controls`` (``territory_size``).
A numeric control with few values enters as categories, a **categorical** one as
``C(column)``; a control with one level, or one the others determine, is left out with a note. ``continuous='linear'`` or ``'log'`` fixes the
shape instead (the specification curve, :mod:`ssi_analysis.stats.specification`, compares them).
With two or more outcome periods the pooled models also have period fixed effects
(``C(period)``, listed as the control ``period``), so a quarter that was good for everyone is
not read as an SSI association. A term the others determine (SSI constant within periods,
pillars that move in lockstep) is reported as not estimable, never as a number.

**Estimable on both sides.** A model whose outcome does not vary (overall, or once the
controls are accounted for), whose 0/1 outcome has fewer than ``min_n`` rep-periods on one
side or is perfectly predicted by the controls, or that has fewer than ``min_n`` reps, is a
row with ``estimable = False`` and the reason, never a number. The negative binomial model
falls back to Poisson with robust errors when it does not converge, and says so in the model
name and the note; a mixed model that does not converge gives no estimate.

**Standard errors** are clustered by team whenever the panel has teams (at least
``min_clusters`` of them, default 2, and more than one rep in some team), else by rep when reps
have several periods, else per row; ``se_type`` names the choice on every row and a note says
why. OLS models use CR2 errors with Bell–McCaffrey / Satterthwaite degrees of freedom
(:mod:`ssi_analysis.stats.cr2`), which keep the false-positive rate near nominal with a handful
of teams (the usual cluster-robust errors, used before, rejected a null effect twice as often
with 25 teams); ``se`` and ``df`` are on every row. The logistic and count models use
statsmodels' cluster-robust errors with a t reference on ``G - 1`` degrees of freedom.

These are observational associations: the models adjust for the measured covariates only, and
say nothing about what would happen if SSI were raised.

Examples
--------
>>> from ssi_analysis import load_data, example_data_dir
>>> from ssi_analysis.panel import build_panel
>>> panel = build_panel(load_data(example_data_dir())).data
>>> t = adjusted_models(panel)
>>> t[["model", "outcome", "effect_type"]].iloc[1].tolist()
['OLS', 'attainment', 'difference in attainment (share of quota)']
>>> t.se_type.iloc[1]
'CR2 cluster-robust by team (Bell–McCaffrey df)'
"""

from __future__ import annotations

import keyword
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import patsy
import statsmodels.api as sm
import statsmodels.formula.api as smf
from statsmodels.stats.outliers_influence import variance_inflation_factor
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

from .._blas import one_blas_thread
from ..config import PILLARS
from ._common import CONFIDENCE, not_estimable, p_adjust, results_table
from .cr2 import CR2Design

COLUMNS = ["analysis", "model", "outcome", "term", "effect_type", "scale", "n", "n_reps",
           "n_clusters", "estimate", "ci_low", "ci_high", "p_val", "p_adj", "se", "df",
           "se_type", "controls", "vif", "note", "estimable", "reason"]

SPLINE_DF = 4
"""Degrees of freedom of the natural cubic spline of a continuous control (see the module
docstring: chosen by simulation so that a linear and a concave confounder are both absorbed)."""

CONTINUOUS = ("spline", "linear", "log")
"""Shapes a continuous control can enter in: ``spline`` (the default), ``linear``, ``log``
(``log(1 + x)``, for non-negative controls)."""

_COLUMN_OF = {"tenure": "tenure_months"}


class Fitted(NamedTuple):
    """A results table with the fitted statsmodels objects beside it, by model name."""

    table: pd.DataFrame
    models: dict[str, Any]


@dataclass(frozen=True)
class Design:
    """What a model adjusts for and how its errors are clustered (shared by every model)."""

    controls: tuple[str, ...]
    terms: tuple[str, ...]
    cluster: str | None
    se_type: str
    notes: tuple[str, ...] = ()
    columns: tuple[str, ...] = field(default=())

    @property
    def rhs(self) -> str:
        return "".join(f" + {t}" for t in self.terms)

    def described(self) -> list[dict[str, str]]:
        """Each control, the panel column it comes from, and how it enters (for the methods
        text and ``results.json``)."""
        return [{"control": c, "column": col, "enters_as": form_of(t)}
                for c, col, t in zip(self.controls, self.columns, self.terms, strict=True)]

    @property
    def glm_se_type(self) -> str:
        """How the logistic and count models' errors are computed under this design."""
        if self.cluster is None:
            return "heteroskedasticity-robust (HC1)"
        return f"cluster-robust by {self.cluster.removesuffix('_id')} (t with G − 1 df)"


def _is_continuous(values: pd.Series, spline_df: int) -> bool:
    return (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
            and values.nunique(dropna=True) > spline_df + 1)


def _ref(col: str) -> str:
    """A column as a formula refers to it: quoted (patsy's ``Q``) unless a plain name."""
    return col if col.isidentifier() and not keyword.iskeyword(col) else f"Q({col!r})"


def _term(data: pd.DataFrame, col: str, continuous: str, spline_df: int) -> str:
    """The formula term of a control column (see the module docstring)."""
    values = data[col]
    ref = _ref(col)
    if _is_continuous(values, spline_df):
        if continuous == "linear":
            return ref
        if continuous == "log":
            return f"np.log1p({ref})"
        return f'cr({ref}, df={spline_df}, constraints="center")'
    if pd.api.types.is_numeric_dtype(values) and values.nunique(dropna=True) == 2:
        return ref
    return f"C({ref})"


def form_of(term: str) -> str:
    """How a formula term of :func:`design` enters the model, in words.

    >>> form_of('cr(tenure_months, df=4, constraints="center")'), form_of("C(region)")
    ('natural cubic spline, 4 df', 'fixed effects (categories)')
    """
    if term.startswith("cr("):
        return f"natural cubic spline, {term.split('df=')[1].split(',')[0]} df"
    if term.startswith("np.log1p("):
        return "log(1 + x)"
    if term.startswith("C("):
        return "fixed effects (categories)"
    return "linear"


def _independent(data: pd.DataFrame, terms: Sequence[str], columns: Sequence[str]
                 ) -> list[bool]:
    """For each term in order: does it add columns the terms before it do not determine?

    Each term's columns (patsy, coded as beside an intercept) on the rows where every column
    is defined; ranks of the growing blocks.
    """
    rows = data.dropna(subset=list(columns))
    blocks = [np.asarray(patsy.dmatrix(f"1 + {t}", rows, NA_action="raise"), dtype=float)[:, 1:]
              for t in terms]
    X = np.ones((len(rows), 1))
    rank = 1 if len(rows) else 0
    out = []
    for block in blocks:
        trial = np.hstack([X, block])
        new_rank = np.linalg.matrix_rank(trial) if len(rows) else 0
        ok = new_rank == rank + block.shape[1]
        if ok:
            X, rank = trial, new_rank
        out.append(ok)
    return out


def design(data: pd.DataFrame, *, controls: Sequence[str] | str = "auto",
           cluster: str = "auto", min_clusters: int = 2, continuous: str = "spline",
           spline_df: int = SPLINE_DF) -> Design:
    """Resolve the controls and the clustering for ``data`` (see the module docstring).

    Parameters
    ----------
    data : DataFrame
        The panel.
    controls : 'auto' or sequence of str
        ``auto`` takes every one of ``tenure``, ``industry`` and ``region`` present; otherwise
        those names or any other panel column.
    cluster : {'auto', 'team', 'rep', 'none'}
    min_clusters : int
        Fewest teams for clustering by team under ``auto``.
    continuous : {'spline', 'linear', 'log'}
        The shape of continuous controls.
    spline_df : int
        Degrees of freedom of a continuous control's spline.

    With two or more periods, ``period`` (fixed effects) is added to the controls.

    Examples
    --------
    >>> from ssi_analysis import load_data, example_data_dir
    >>> from ssi_analysis.panel import build_panel
    >>> d = design(build_panel(load_data(example_data_dir())).data)
    >>> d.controls, d.terms[0]
    (('tenure', 'industry', 'region', 'period'), 'cr(tenure_months, df=4, constraints="center")')
    """
    if continuous not in CONTINUOUS:
        raise ValueError(f"continuous must be one of {CONTINUOUS}, got {continuous!r}")
    if cluster not in ("auto", "team", "rep", "none"):
        raise ValueError(f"cluster must be one of auto, team, rep, none; got {cluster!r}")
    wanted = ("tenure", "industry", "region") if controls == "auto" else tuple(controls)
    notes: list[str] = []
    candidates: list[tuple[str, str, str]] = []       # (control, column, term)
    for c in wanted:
        col = _COLUMN_OF.get(c, c)
        if col not in data:
            if controls != "auto":
                notes.append(f"control '{c}' asked for but the panel has no {col}: left out")
            continue
        if data[col].nunique(dropna=True) < 2:
            notes.append(f"control '{c}' has one value only: left out")
            continue
        term = _term(data, col, continuous, spline_df)
        if continuous == "log" and term.startswith("np.log1p") and (data[col] < 0).any():
            term = col
            notes.append(f"control '{c}' has negative values: entered linearly, not as a log")
        candidates.append((c, col, term))
    chosen: list[str] = []
    terms: list[str] = []
    columns: list[str] = []
    for (c, col, term), ok in zip(candidates, _independent(data, [t for *_, t in candidates],
                                                             [col for _, col, _ in candidates]),
                                  strict=True):
        if not ok:
            notes.append(f"control '{c}' is (partly) determined by the other controls "
                         f"({', '.join(chosen)}): left out")
            continue
        chosen.append(c)
        terms.append(term)
        columns.append(col)
    if "period" in data and data["period"].nunique() > 1:
        chosen.append("period")           # period fixed effects: not a rep covariate
        terms.append("C(period)")
        columns.append("period")
    repeated = bool(data["rep_id"].duplicated().any())
    has_team = "team" in data
    n_teams = int(data["team"].nunique()) if has_team else 0
    shared = has_team and bool((data.groupby("team")["rep_id"].nunique() > 1).any())
    if cluster == "auto":
        if has_team and n_teams >= min_clusters and shared:
            cluster = "team"
        else:
            cluster = "rep" if repeated else "none"
            if has_team and not shared:
                notes.append("every team has one rep: errors are clustered by rep")
            elif has_team:
                notes.append(f"only {n_teams} team(s): errors are clustered by "
                             f"{'rep' if repeated else 'row'} (at least {min_clusters} teams "
                             "needed to cluster by team)")
    if cluster == "team" and not has_team:
        notes.append("no team column: errors clustered by rep instead")
        cluster = "rep" if repeated else "none"
    col = {"team": "team", "rep": "rep_id", "none": None}[cluster]
    se_type = (f"CR2 cluster-robust by {cluster} (Bell–McCaffrey df)" if col
               else "HC2 heteroskedasticity-robust (Bell–McCaffrey df)")
    return Design(tuple(chosen), tuple(terms), col, se_type, tuple(notes), tuple(columns))


def _prepare(data: pd.DataFrame) -> pd.DataFrame:
    out = data.copy()
    out["attainment_10"] = out["attainment"] * 10.0
    for p in PILLARS:
        if p in out:
            out[f"{p}_25"] = out[p] / 2.5
    return out


def _caught(fit_call, /, **kwargs) -> tuple[Any, list[str], bool]:
    """Run a fit, returning it with its convergence warnings and whether it saw separation."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = fit_call(**kwargs)
    bad = [str(w.message).split("\n")[0] for w in caught
           if issubclass(w.category, ConvergenceWarning | PerfectSeparationWarning)]
    separated = any(issubclass(w.category, PerfectSeparationWarning) for w in caught)
    return fit, bad, separated


def _fit(model, d: Design, frame: pd.DataFrame, **kwargs):
    """Fit a logistic or count model with the design's robust errors: ``(fit, warnings,
    separated)``, convergence warnings returned, not shown."""
    if d.cluster:
        groups = pd.factorize(frame.loc[model.data.row_labels, d.cluster])[0]
        cov = {"cov_type": "cluster", "cov_kwds": {"groups": groups}, "use_t": True}
    else:
        cov = {"cov_type": "HC1"}
    return _caught(model.fit, **cov, **kwargs)


def _ols(model, frame: pd.DataFrame, d: Design, terms: Sequence[str], /, *,
         confidence: float, **fields) -> tuple[list[dict], Any]:
    """Fit an OLS model (statsmodels) with CR2 errors and Bell–McCaffrey df for ``terms``:
    one row each.

    The returned fit carries statsmodels' own cluster-robust (CR1) errors, or HC2 without
    clusters, for its summary; the rows carry CR2.
    """
    used = frame.loc[model.data.row_labels]
    groups = used[d.cluster].to_numpy() if d.cluster else np.arange(len(used))
    if d.cluster:
        fit = model.fit(cov_type="cluster", use_t=True,
                        cov_kwds={"groups": pd.factorize(pd.Series(groups))[0]})
    else:
        fit = model.fit(cov_type="HC2", use_t=True)
    idx = [model.exog_names.index(t) for t in terms]
    res = CR2Design.from_exog(model.exog, groups, idx).test(
        fit.params.to_numpy(), fit.resid.to_numpy(), confidence=confidence)
    rows = []
    for k, term in enumerate(terms):
        rows.append({"term": term, "n": int(fit.nobs), "n_reps": int(used["rep_id"].nunique()),
                     "n_clusters": res.n_clusters, "estimate": float(res.estimate[k]),
                     "ci_low": float(res.ci_low[k]), "ci_high": float(res.ci_high[k]),
                     "p_val": float(res.p_val[k]), "se": float(res.se[k]),
                     "df": float(res.df[k]), "estimable": True, "reason": "", **fields})
    return rows, fit


def _row(fit, term: str, *, transform=None, frame: pd.DataFrame, cluster: str | None,
         confidence: float, **fields) -> dict:
    lo, hi = fit.conf_int(alpha=1 - confidence).loc[term]
    est = fit.params[term]
    if transform is not None:
        est, lo, hi = transform(est), transform(lo), transform(hi)
    used = frame.loc[fit.model.data.row_labels]
    df = getattr(fit, "df_resid_inference", None) if getattr(fit, "use_t", False) else None
    return {"term": term, "n": int(fit.nobs), "n_reps": int(used["rep_id"].nunique()),
            "n_clusters": int(used[cluster].nunique()) if cluster else np.nan,
            "estimate": float(est), "ci_low": float(lo), "ci_high": float(hi),
            "p_val": float(fit.pvalues[term]), "se": float(fit.bse[term]),
            "df": float(df) if df is not None else np.nan, "estimable": True, "reason": "",
            **fields}


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


_OUTCOME_WORDS = {"attainment": "attainment", "hit_quota": "hitting quota",
                  "opportunities": "the opportunities count", "attainment_10": "attainment",
                  "ssi_change_after": "the SSI change after the period"}


def _outcome_problem(frame: pd.DataFrame, outcome: str, exog: np.ndarray | None = None,
                     names: Sequence[str] = (), *, x: str = "ssi_10", min_n: int = 10
                     ) -> str | None:
    """Why the outcome cannot be modelled, or None: no variance overall, too few rep-periods
    on one side of a 0/1 outcome, or nothing left once the other terms are accounted for."""
    what = _OUTCOME_WORDS.get(outcome, outcome)
    y = frame[outcome]
    if y.nunique(dropna=True) < 2:
        value = y.dropna().iloc[0] if y.notna().any() else None
        shown = "missing" if value is None else f"{float(value):g}" \
            if isinstance(value, int | float | np.number) else str(value)
        return f"{what} is the same for every rep-period ({shown}), so nothing can go with SSI"
    if set(y.dropna().unique()) <= {0, 1}:
        ones, zeros = int((y == 1).sum()), int((y == 0).sum())
        if min(ones, zeros) < min_n:
            return (f"only {min(ones, zeros)} rep-period(s) "
                    f"{'hit' if ones < zeros else 'missed'} quota; at least {min_n} on each side "
                    "are needed")
    if exog is not None and len(names):
        others = [i for i, n in enumerate(names) if n != x]
        stacked = np.column_stack([y.to_numpy(dtype=float), exog[:, others]])
        if _determined(stacked, ["y", *range(len(others))], "y"):
            return (f"{what} is fully determined by the controls (it does not vary once they "
                    "are accounted for), so nothing is left to go with SSI")
    return None


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


@one_blas_thread
def adjusted_models(data: pd.DataFrame, *, controls: Sequence[str] | str = "auto",
                    cluster: str = "auto", min_clusters: int = 2, min_n: int = 10,
                    confidence: float = CONFIDENCE, which: Sequence[str] = MODELS,
                    adjust: str = "holm", continuous: str = "spline",
                    spline_df: int = SPLINE_DF) -> pd.DataFrame:
    """The SSI effect per 10 points on each outcome, adjusted for the controls.

    Rows: unadjusted OLS of attainment (for comparison), adjusted OLS of attainment, logistic
    model of hitting quota (odds ratio, and the average marginal effect in probability),
    negative binomial model of opportunities (rate ratio; Poisson with robust errors if the
    negative binomial does not converge), and a linear mixed model of attainment with a random
    intercept per team and, when reps have several periods, one per rep within its team
    (model-based errors) as a robustness check. The unadjusted OLS uses the adjusted models'
    rows (reps without tenure are left out of both), so the two differ only by the controls.
    ``p_adj`` is adjusted (``adjust``: Holm or ``'bh'``) across the five models' SSI terms
    (the marginal effect shares the logistic model's p-value). The fitted models are returned
    beside the table by :func:`adjusted_fits`.

    Parameters
    ----------
    data : DataFrame
        The panel.
    controls, cluster, min_clusters, continuous, spline_df
        See :func:`design`.
    min_n : int
        Fewest reps for a model to be fitted (and fewest rep-periods on each side of quota
        for the logistic model).
    confidence : float
    which : sequence of str
        The models to fit, among :data:`MODELS` (default all).

    Returns
    -------
    DataFrame
    """
    return adjusted_fits(data, controls=controls, cluster=cluster, min_clusters=min_clusters,
                         min_n=min_n, confidence=confidence, which=which, adjust=adjust,
                         continuous=continuous, spline_df=spline_df).table


@one_blas_thread
def adjusted_fits(data: pd.DataFrame, *, controls: Sequence[str] | str = "auto",
                  cluster: str = "auto", min_clusters: int = 2, min_n: int = 10,
                  confidence: float = CONFIDENCE, which: Sequence[str] = MODELS,
                  adjust: str = "holm", continuous: str = "spline",
                  spline_df: int = SPLINE_DF) -> Fitted:
    """:func:`adjusted_models` with the fitted statsmodels results beside the table.

    Returns
    -------
    Fitted
        ``(table, models)``: the table, and the fitted results by model name (only models
        that gave an estimate).
    """
    d = design(data, controls=controls, cluster=cluster, min_clusters=min_clusters,
               continuous=continuous, spline_df=spline_df)
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
                  "controls": controls_txt if rhs else "none",
                  "se_type": d.se_type if name.startswith("OLS") else d.glm_se_type,
                  "note": note}
        needed = ["ssi_10", outcome, *d.columns] + ([d.cluster] if d.cluster else [])
        f = _usable(frame, needed)  # the unadjusted OLS uses the same rows as the adjusted
        problem = _check(f, "ssi_10", min_n) if outcome in f else f"the panel has no {outcome}"
        if problem is None:
            problem = _outcome_problem(f, outcome, min_n=min_n)
        if problem is None and name.startswith("mixed") and "team" not in f:
            problem = "no team column for the random intercept"
        if problem is None and name.startswith("mixed") and f["team"].nunique() < 3:
            problem = f"only {f['team'].nunique()} team(s): a random intercept needs several"
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
            problem = _outcome_problem(f, outcome, probe.exog, probe.exog_names, min_n=min_n)
            if problem:
                rows.append(not_estimable(problem, **common, term="ssi_10"))
                continue
            bad: list[str] = []
            if name.startswith("OLS"):
                new, fit = _ols(probe, f, d, ["ssi_10"], confidence=confidence, **common)
                rows.extend(new)
            elif name == "logistic":
                fit, bad, separated = _fit(smf.logit(formula, f), d, f, disp=0, maxiter=200)
                converged = fit.mle_retvals.get("converged", True) and not bad
                if separated or not converged or not np.isfinite(fit.bse["ssi_10"]):
                    why = (bad[0] if bad else "the optimiser did not converge") + ")"
                    rows.append(not_estimable(
                        f"the logistic model did not converge ({why}: hitting quota is "
                        "(almost) perfectly predicted by part of the model, e.g. every rep of "
                        "one group hit quota, so the odds ratio is not identified",
                        **common, term="ssi_10"))
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
                             "ci_high": float(me.iloc[5]), "p_val": float(me["Pr(>|z|)"]),
                             "se": float(me["Std. Err."]), "df": np.nan})
            elif name == "negative binomial":
                fit, bad, _ = _fit(smf.negativebinomial(formula, f), d, f, disp=0,
                                   maxiter=300)
                if bad or not fit.mle_retvals.get("converged", True):
                    why = bad[0] if bad else "the optimiser did not converge"
                    fit, bad, _ = _fit(smf.glm(formula, f, family=sm.families.Poisson()), d, f)
                    common = {**common, "model": "Poisson (robust errors)",
                              "note": "; ".join(filter(None, [
                                  note, f"the negative binomial model did not converge ({why}): "
                                        "this row is a Poisson model with robust errors "
                                        "instead, which needs no dispersion parameter"]))}
                rows.append(_row(fit, "ssi_10", transform=np.exp, frame=f, cluster=d.cluster,
                                 confidence=confidence, **common))
            else:
                nested = bool(f["rep_id"].duplicated().any())
                vc = {"vc_formula": {"rep": "0 + C(rep_id)"}} if nested else {}
                fit, caught, _ = _caught(smf.mixedlm(formula, f, groups=f["team"],
                                                     re_formula="1", **vc).fit, reml=True,
                                         method=["lbfgs", "bfgs", "cg"])
                # statsmodels warns when its first optimiser fails, even when the next one
                # it tries converges: only a fit that did not converge in the end is refused
                if not fit.converged or not np.isfinite(fit.bse.get("ssi_10", np.nan)):
                    why = f" ({caught[0]})" if caught else ""
                    rows.append(not_estimable(f"the mixed model did not converge{why}, so it "
                                              "gives no estimate", **common, term="ssi_10"))
                    continue
                rows.append(_row(fit, "ssi_10", frame=f, cluster="team", confidence=confidence,
                                 **{**common, "se_type": "model-based (mixed model)",
                                    "note": "; ".join(filter(None, [note, "" if nested else
                                                      "one period per rep: no rep "
                                                      "intercept"]))}))
        except (np.linalg.LinAlgError, ValueError, patsy.PatsyError) as exc:
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
    return Fitted(table, models)


def _within(frame: pd.DataFrame, y: str, xs: Sequence[str]) -> pd.DataFrame:
    """Demean y and xs within rep (Frisch-Waugh-Lovell: equals fitting rep fixed effects)."""
    cols = [y, *xs]
    return frame[cols] - frame.groupby("rep_id")[cols].transform("mean")


@one_blas_thread
def time_order(data: pd.DataFrame, *, controls: Sequence[str] | str = "auto",
               cluster: str = "auto", min_clusters: int = 2, min_n: int = 10,
               confidence: float = CONFIDENCE, adjust: str = "holm",
               continuous: str = "spline", spline_df: int = SPLINE_DF) -> pd.DataFrame:
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
    reason when there is a single period, too few reps, or an outcome that does not vary.
    :func:`time_order_fits` also returns the fitted models.
    """
    return time_order_fits(data, controls=controls, cluster=cluster,
                           min_clusters=min_clusters, min_n=min_n, confidence=confidence,
                           adjust=adjust, continuous=continuous, spline_df=spline_df).table


@one_blas_thread
def time_order_fits(data: pd.DataFrame, *, controls: Sequence[str] | str = "auto",
                    cluster: str = "auto", min_clusters: int = 2, min_n: int = 10,
                    confidence: float = CONFIDENCE, adjust: str = "holm",
                    continuous: str = "spline", spline_df: int = SPLINE_DF) -> Fitted:
    """:func:`time_order` with the fitted statsmodels results beside the table."""
    d = design(data, controls=controls, cluster=cluster, min_clusters=min_clusters,
               continuous=continuous, spline_df=spline_df)
    frame = _prepare(data)
    rows: list[dict] = []
    models: dict = {}
    # --- within rep
    common = {"analysis": "time order", "model": "within rep (rep and period fixed effects)",
              "outcome": "attainment", "effect_type": "difference in attainment (share of "
              "quota)", "scale": "per 10 SSI points", "controls": "rep and period fixed "
              "effects", "se_type": "cluster-robust by rep (t with G − 1 df)", "note": ""}
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
        elif _determined(w[xs].to_numpy(dtype=float), xs, "ssi_10"):
            rows.append(not_estimable("SSI changes within reps only as the period does (every "
                                      "rep's SSI moves alike), so its effect cannot be told "
                                      "apart from the period's", **common, term="ssi_10"))
        elif _determined(np.column_stack([w["attainment"], w[xs[1:]]]),
                         ["y", *xs[1:]], "y"):
            rows.append(not_estimable("attainment does not change within any rep beyond what "
                                      "the period explains, so nothing can go with SSI",
                                      **common, term="ssi_10"))
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
    needed = ["ssi_change_after", "attainment_10", "ssi_end", *d.columns] + \
        ([d.cluster] if d.cluster else [])
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
            new, fit = _ols(model, f, d, ["attainment_10"], confidence=confidence, **common)
            rows.extend(new)
            models["reverse direction"] = fit
    table = results_table(rows, COLUMNS)
    table["p_adj"] = p_adjust(table["p_val"], adjust)
    return Fitted(table, models)


@one_blas_thread
def pillar_model(data: pd.DataFrame, *, controls: Sequence[str] | str = "auto",
                 cluster: str = "auto", min_clusters: int = 2, min_n: int = 10,
                 confidence: float = CONFIDENCE, adjust: str = "holm",
                 continuous: str = "spline", spline_df: int = SPLINE_DF) -> pd.DataFrame:
    """All four pillars in one adjusted OLS of attainment, per 2.5 pillar points, with VIFs.

    Which pillar carries the signal once the others are held fixed? The pillars are
    correlated (active reps are active everywhere), so each row has its variance inflation
    factor (``vif``, from statsmodels on the model's design matrix): above about 5 the pillar's
    own estimate is unstable. ``p_adj`` is adjusted across the four pillars (``adjust``: Holm
    or ``'bh'``). :func:`pillar_fits` also returns the fitted model.
    """
    return pillar_fits(data, controls=controls, cluster=cluster, min_clusters=min_clusters,
                       min_n=min_n, confidence=confidence, adjust=adjust,
                       continuous=continuous, spline_df=spline_df).table


@one_blas_thread
def pillar_fits(data: pd.DataFrame, *, controls: Sequence[str] | str = "auto",
                cluster: str = "auto", min_clusters: int = 2, min_n: int = 10,
                confidence: float = CONFIDENCE, adjust: str = "holm",
                continuous: str = "spline", spline_df: int = SPLINE_DF) -> Fitted:
    """:func:`pillar_model` with the fitted statsmodels result beside the table."""
    d = design(data, controls=controls, cluster=cluster, min_clusters=min_clusters,
               continuous=continuous, spline_df=spline_df)
    frame = _prepare(data)
    terms = [f"{p}_25" for p in PILLARS]
    needed = ["attainment", *terms, *d.columns] + ([d.cluster] if d.cluster else [])
    f = _usable(frame, needed)
    common = {"analysis": "pillars", "model": "OLS (all four pillars)", "outcome": "attainment",
              "effect_type": "difference in attainment (share of quota)",
              "scale": "per 2.5 pillar points", "controls": ", ".join(d.controls) or "none",
              "se_type": d.se_type, "note": "; ".join(d.notes)}

    def none_estimable(reason: str) -> Fitted:
        return Fitted(results_table([not_estimable(reason, **common, term=t) for t in terms],
                                    COLUMNS), {})

    flat = [t for t in terms if f[t].nunique() < 2]
    if f["rep_id"].nunique() < min_n:
        return none_estimable(f"too few reps ({f['rep_id'].nunique()}; at least {min_n} "
                              "needed)")
    if flat:
        return none_estimable(f"{', '.join(t.removesuffix('_25') for t in flat)} has no "
                              "variance")
    if (problem := _outcome_problem(f, "attainment", min_n=min_n)) is not None:
        return none_estimable(problem)
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
        return Fitted(table, {})
    others = [n for n in model.exog_names if n not in terms]
    if (problem := _outcome_problem(f, "attainment", model.exog[:, [
            model.exog_names.index(n) for n in others]], others, x="", min_n=min_n)):
        return none_estimable(problem)
    rows, fit = _ols(model, f, d, terms, confidence=confidence, **common)
    exog = pd.DataFrame(fit.model.exog, columns=fit.model.exog_names)
    for row, t in zip(rows, terms, strict=True):
        row["vif"] = float(variance_inflation_factor(exog.to_numpy(),
                                                     exog.columns.get_loc(t)))
    table = results_table(rows, COLUMNS)
    table["p_adj"] = p_adjust(table["p_val"], adjust)
    return Fitted(table, {"pillars": fit})
