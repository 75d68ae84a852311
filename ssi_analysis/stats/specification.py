"""A specification curve: does the verdict depend on choices an analyst could defensibly make?

Simonsohn, Simmons & Nelson (2020, *Nature Human Behaviour* 4:1208) ask for every reasonable
specification to be run and shown, so that a reader sees whether a result hangs on one of
them. :func:`specification_curve` runs the adjusted association of SSI with the outcome over
the grid of

========  ==============================================================================
choice    options
========  ==============================================================================
tenure    natural cubic spline (the default), linear, ``log(1 + months)``
region    with and without the region control
window    the scoring window: 60, 90 and 120 days (one panel each, scored by the caller)
score     absolute and relative (percentile within the cohort) scoring
outcome   attainment, and hitting quota (a linear probability model, so both estimates are
          differences per 10 SSI points: of quota, and of the chance of hitting it)
cluster   errors clustered by team and by rep (CR2 with Bell–McCaffrey df, as the main model)
========  ==============================================================================

Industry and period fixed effects stay in every specification (they are not in dispute), and
so does every other control the analysis names (``controls``: a numeric one as a natural cubic
spline, one of labels as categories, as in :func:`~ssi_analysis.stats.models.design`). Each
specification is a least-squares fit (scipy) with CR2 errors (:mod:`ssi_analysis.stats.cr2`),
the same numbers the main model's statsmodels fit gives; each control's columns are built once
per panel, and the CR2 weights and degrees of freedom, which depend on the design only, once
per design and clustering, shared by both outcomes. The grid's cost is a few hundred small
least-squares fits: a few seconds on thousands of rep-periods. :func:`curve_summary` gives the share of
specifications whose CI excludes 0 and the choices that, changed one at a time from the main
specification, change its verdict.

Examples
--------
>>> from ssi_analysis import load_data, example_data_dir
>>> from ssi_analysis.panel import build_panel
>>> panel = build_panel(load_data(example_data_dir())).data
>>> curve = specification_curve({(90, "absolute"): panel})
>>> len(curve), int(curve.main.sum())
(24, 1)
>>> curve_summary(curve)["main_verdict"]
'positive'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import product
from typing import Any

import numpy as np
import pandas as pd
import patsy
from scipy import linalg

from .._blas import one_blas_thread
from ._common import CONFIDENCE, not_estimable, results_table
from .cr2 import CR2Design
from .models import SPLINE_DF, _prepare, _term, _usable, design

CHOICES = ("tenure", "region", "window_days", "score", "outcome", "cluster")
"""The choice columns of a specification curve, in the order the figure lists them."""

COLUMNS = [*CHOICES, "n", "n_reps", "n_clusters", "estimate", "ci_low", "ci_high", "p_val",
           "se", "df", "se_type", "effect_type", "verdict", "main", "estimable", "reason"]

OUTCOMES = {"attainment": ("attainment", "difference in attainment (share of quota)"),
            "hit quota": ("hit_quota", "difference in probability of hitting quota (linear "
                                       "probability model)")}


def _verdict(lo: float, hi: float) -> str:
    return "positive" if lo > 0 else "negative" if hi < 0 else "unclear"


@one_blas_thread
def specification_curve(panels: Mapping[tuple[Any, str], pd.DataFrame], *,
                        main: tuple[Any, str] | None = None,
                        tenure: Sequence[str] = ("spline", "linear", "log"),
                        region: Sequence[bool] = (True, False),
                        outcomes: Sequence[str] = ("attainment", "hit quota"),
                        clusters: Sequence[str] = ("team", "rep"),
                        controls: Sequence[str] = (), min_n: int = 10,
                        spline_df: int = SPLINE_DF, confidence: float = CONFIDENCE
                        ) -> pd.DataFrame:
    """Every specification of the grid, one row each (see the module docstring).

    Parameters
    ----------
    panels : mapping
        ``(window_days, score mode) -> panel`` (:func:`ssi_analysis.panel.build_panel`'s data
        with SSI scored with that window and mode); scoring is the caller's, done once per
        window and mode.
    main : (window_days, mode), optional
        The panel of the main analysis (default: the first).
    tenure, region, outcomes, clusters : sequences
        The options of each choice; an option the data cannot have (no region column, no
        team, no tenure) is left out of the grid.
    controls : sequence of str
        Further panel columns adjusted for in every specification (the analysis' own controls
        beyond tenure, industry and region); one with a single value is left out.
    min_n : int
        Fewest reps for a specification to be estimated.
    spline_df : int
        Degrees of freedom of the tenure spline.
    confidence : float

    Returns
    -------
    DataFrame
        The choices (``tenure, region, window_days, score, outcome, cluster``), then ``n,
        n_reps, n_clusters, estimate, ci_low, ci_high, p_val, se, df, se_type, effect_type``,
        ``verdict`` (positive, negative or unclear: whether the CI excludes 0), ``main`` (the
        main analysis' specification) and ``estimable, reason``. Estimates are per 10 SSI
        points.
    """
    if not panels:
        raise ValueError("specification_curve needs at least one panel")
    main = main if main is not None else next(iter(panels))
    rows: list[dict] = []
    for (window, mode), panel in panels.items():
        rows.extend(_one_panel(panel, window, mode, tenure=tenure, region=region,
                               outcomes=outcomes, clusters=clusters, controls=controls,
                               min_n=min_n,
                               spline_df=spline_df, confidence=confidence))
    table = results_table(rows, COLUMNS)
    main_cluster = {"team": "team", "rep_id": "rep"}.get(
        design(panels[main], controls=[], spline_df=spline_df).cluster, "rep")
    table["main"] = ((table["window_days"] == main[0]) & (table["score"] == main[1])
                     & table["tenure"].isin(["spline", "none"])
                     & ((table["region"] == "with") | ~table["region"].eq("with").any())
                     & (table["outcome"] == "attainment") & (table["cluster"] == main_cluster))
    return table


def _block(frame: pd.DataFrame, term: str) -> np.ndarray:
    """A term's columns, coded as beside an intercept (patsy)."""
    return np.asarray(patsy.dmatrix(f"1 + {term}", frame, NA_action="raise"),
                      dtype=float)[:, 1:]


def _one_panel(panel: pd.DataFrame, window: Any, mode: str, *, tenure: Sequence[str],
               region: Sequence[bool], outcomes: Sequence[str], clusters: Sequence[str],
               controls: Sequence[str], min_n: int, spline_df: int, confidence: float
               ) -> list[dict]:
    """The grid on one panel: each term's columns built once, designs stacked from them."""
    frame = _prepare(panel)
    has_tenure = "tenure_months" in frame and frame["tenure_months"].nunique() > 1
    has_region = "region" in frame and frame["region"].nunique() > 1
    has_team = "team" in frame and bool((frame.groupby("team")["rep_id"].nunique() > 1).any())
    needed = ["ssi_10", "attainment", "hit_quota"] + (["tenure_months"] if has_tenure else []) \
        + [c for c in ("industry", "region", "team", *controls) if c in frame]
    f = _usable(frame, needed)
    extra = [c for c in controls if c in f and f[c].nunique() > 1]
    shapes = list(tenure) if has_tenure else ["none"]
    regions = list(region) if has_region else [False]
    cluster_options = [c for c in clusters if c != "team" or has_team] or ["rep"]
    repeated = bool(f["rep_id"].duplicated().any())
    problem = None
    if f["rep_id"].nunique() < min_n:
        problem = f"too few reps ({f['rep_id'].nunique()}; at least {min_n} needed)"
    elif f["ssi_10"].nunique() < 2:
        problem = "SSI has no variance (every value is the same)"
    blocks: dict[str, np.ndarray] = {}
    if problem is None:
        if has_tenure:
            blocks["spline"] = _block(f, f'cr(tenure_months, df={spline_df}, '
                                         'constraints="center")')
            blocks["linear"] = f[["tenure_months"]].to_numpy(dtype=float)
            blocks["log"] = np.log1p(f[["tenure_months"]].to_numpy(dtype=float))
        for col in ("industry", "region", "period"):
            if col in f and f[col].nunique() > 1:
                blocks[col] = _block(f, f"C({col})")
        for col in extra:
            blocks[f"control {col}"] = _block(f, _term(f, col, "spline", spline_df))
        Y = np.column_stack([f[OUTCOMES[o][0]].to_numpy(dtype=float) for o in outcomes])
    rows: list[dict] = []
    for shape, with_region, cluster in product(shapes, regions, cluster_options):
        choice = {"tenure": shape, "region": "with" if with_region else "without",
                  "window_days": window, "score": mode, "cluster": cluster}
        col = "team" if cluster == "team" else "rep_id" if repeated else None
        choice_rows = [{**choice, "outcome": o, "effect_type": OUTCOMES[o][1],
                        "se_type": (f"CR2 cluster-robust by {cluster} (Bell–McCaffrey df)"
                                    if col else "HC2 heteroskedasticity-robust "
                                                "(Bell–McCaffrey df)")} for o in outcomes]
        if problem:
            rows.extend(not_estimable(problem, **r) for r in choice_rows)
            continue
        X = _stack(f, blocks, [shape, "industry", "region" if with_region else "", "period",
                               *(f"control {c}" for c in extra)])
        groups = f[col].to_numpy() if col else np.arange(len(f))
        rows.extend(_fit(f, X, Y, groups, choice_rows, confidence))
    return rows


def _rank(X: np.ndarray) -> int:
    """Rank of X from its (small) Gram matrix: the columns scaled to unit length first."""
    norms = np.sqrt((X ** 2).sum(axis=0))
    Z = X / np.where(norms > 0, norms, 1.0)
    return int(np.linalg.matrix_rank(Z.T @ Z, tol=1e-10, hermitian=True))


def _stack(f: pd.DataFrame, blocks: dict[str, np.ndarray], names: Sequence[str]) -> np.ndarray:
    """Intercept, SSI / 10, then each named block that adds to the rank (a block the others
    determine is left out, as :func:`~ssi_analysis.stats.models.design` leaves it out)."""
    X = np.column_stack([np.ones(len(f)), f["ssi_10"].to_numpy(dtype=float)])
    rank = _rank(X)
    for name in names:
        if name not in blocks:
            continue
        trial = np.hstack([X, blocks[name]])
        new = _rank(trial)
        if new == rank + blocks[name].shape[1]:
            X, rank = trial, new
    return X


def _fit(f: pd.DataFrame, X: np.ndarray, Y: np.ndarray, groups: np.ndarray,
         choice_rows: list[dict], confidence: float) -> list[dict]:
    """Least squares (scipy) of every outcome on one design; CR2 prepared once for all."""
    others = np.delete(X, 1, axis=1)
    coef_others = linalg.lstsq(others, np.column_stack([X[:, 1], Y]), lapack_driver="gelsy")[0]
    left = np.column_stack([X[:, 1], Y]) - others @ coef_others
    spread = ((np.column_stack([X[:, 1], Y]) - np.column_stack([X[:, 1], Y]).mean(axis=0)) ** 2
              ).sum(axis=0)
    if left[:, 0] @ left[:, 0] <= 1e-8 * spread[0]:
        return [not_estimable("SSI is determined by the other terms of the model", **r)
                for r in choice_rows]
    cr2 = CR2Design.from_exog(X, groups, [1])
    params = linalg.lstsq(X, Y, lapack_driver="gelsy")[0]
    resid = Y - X @ params
    rows = []
    for k, fields in enumerate(choice_rows):
        y_left = left[:, k + 1]
        if np.ptp(Y[:, k]) == 0 or y_left @ y_left <= 1e-10 * spread[k + 1]:
            rows.append(not_estimable(f"{fields['outcome']} does not vary (once the controls "
                                      "are accounted for), so nothing can go with SSI",
                                      **fields))
            continue
        res = cr2.test(params[:, k], resid[:, k], confidence=confidence)
        lo, hi = float(res.ci_low[0]), float(res.ci_high[0])
        rows.append({**fields, "n": len(f), "n_reps": int(f["rep_id"].nunique()),
                     "n_clusters": res.n_clusters, "estimate": float(res.estimate[0]),
                     "ci_low": lo, "ci_high": hi, "p_val": float(res.p_val[0]),
                     "se": float(res.se[0]), "df": float(res.df[0]),
                     "verdict": _verdict(lo, hi), "estimable": True, "reason": ""})
    return rows


def curve_summary(curve: pd.DataFrame) -> dict[str, Any]:
    """What the curve says: how many specifications, the share whose CI excludes 0, and
    whether the main verdict depends on a choice.

    ``depends_on`` lists each single change from the main specification (one choice at a
    time, the others as in the main one) that gives a different verdict; ``by_choice`` gives,
    for every option of every choice, the share of its specifications whose CI excludes 0.
    """
    ok = curve[curve["estimable"]]
    out: dict[str, Any] = {"n_specifications": int(len(curve)), "n_estimable": int(len(ok))}
    if ok.empty:
        reason = curve["reason"].iloc[0] if len(curve) else "no specification"
        return {**out, "share_ci_excludes_0": None, "share_positive": None,
                "share_negative": None, "main_verdict": None, "main_verdict_holds": None,
                "depends_on": [], "by_choice": [], "reason": reason}
    clear = ok["verdict"] != "unclear"
    main = ok[ok["main"]]
    main_row = main.iloc[0] if len(main) else None
    verdict = main_row["verdict"] if main_row is not None else None
    depends: list[dict[str, Any]] = []
    if main_row is not None:
        for choice in CHOICES:
            others = [c for c in CHOICES if c != choice]
            same = (ok[others] == main_row[others]).all(axis=1) & (ok[choice] != main_row[choice])
            for _, r in ok[same].iterrows():
                if r["verdict"] != verdict:
                    depends.append({"choice": choice, "option": r[choice],
                                    "verdict": r["verdict"], "estimate": r["estimate"],
                                    "ci_low": r["ci_low"], "ci_high": r["ci_high"]})
    by_choice = []
    for choice in CHOICES:
        numeric = all(pd.api.types.is_number(v) for v in ok[choice].unique())
        for option, g in ok.groupby(choice, sort=numeric):
            by_choice.append({"choice": choice, "option": option, "n": int(len(g)),
                              "share_ci_excludes_0": float((g["verdict"] != "unclear").mean())})
    return {**out, "share_ci_excludes_0": float(clear.mean()),
            "share_positive": float((ok["verdict"] == "positive").mean()),
            "share_negative": float((ok["verdict"] == "negative").mean()),
            "main_verdict": verdict,
            "main_verdict_holds": float((ok["verdict"] == verdict).mean())
            if verdict is not None else None,
            "depends_on": depends, "by_choice": by_choice, "reason": ""}
