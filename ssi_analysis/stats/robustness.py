"""How much to trust an estimate: E-values for unmeasured confounding, and power.

**E-value** (VanderWeele & Ding 2017, *Annals of Internal Medicine* 167:268): the minimum
strength of association, on the risk-ratio scale, that an unmeasured confounder would need with
both SSI and the outcome to explain the observed association away. For a risk ratio ``RR >= 1``,
``E = RR + sqrt(RR * (RR - 1))`` (for ``RR < 1`` use ``1 / RR``); the E-value of the confidence
limit nearer to 1 says how strong a confounder would need to be to move the interval to include
no effect (1 when it already does). Other scales are first converted to an approximate risk
ratio, as the paper recommends:

* a difference in a continuous outcome: standardise it, ``d = estimate / sd(outcome)``, then
  ``RR = exp(0.91 * d)``;
* an odds ratio: ``RR = sqrt(OR)`` when the outcome is common (more than 15% have it, as
  hitting quota usually does), the odds ratio itself when it is rare.

The conversion is for the contrast the estimate is for (10 SSI points here).

**Power**: the minimum detectable effect at the design's actual precision, ``(t_{1-alpha/2} +
t_{power}) * SE``, with the adjusted OLS model's own standard error and degrees of freedom
(CR2 with Bell–McCaffrey df when errors are clustered: few teams mean few degrees of freedom
and a larger detectable effect), and the same effect as a partial correlation, ``b * s_x /
sqrt(b^2 s_x^2 + s_e^2)`` with ``s_x`` the SD of SSI / 10 left once the controls are accounted
for and ``s_e`` the model's residual SD. :func:`power_at` gives the power for any true effect;
the calibration tests check it against how often simulated effects are found.

The **warning** speaks only where it applies: when the adjusted association is *not* clear
(its CI includes 0) and even a small effect (partial r = 0.1, Cohen's benchmark) would
likely have been missed, the row says so, because then "no clear association" is weak
evidence of none. An association that was found needs no power warning.

Examples
--------
>>> round(e_value(1.51), 3)
2.388
>>> round(e_value(0.5), 3)
3.414
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from .._blas import one_blas_thread
from ._common import not_estimable, results_table

COLUMNS = ["check", "applies_to", "n", "estimate", "ci_low", "ci_high", "p_val", "p_adj",
           "bound", "unit", "detail", "warning", "estimable", "reason"]

SMALL_EFFECT_R = 0.1
"""Cohen's "small" correlation: a study that cannot detect it is called underpowered here."""


def e_value(rr: float) -> float:
    """The E-value of a risk ratio (VanderWeele & Ding 2017)."""
    rr = float(rr)
    if not np.isfinite(rr) or rr <= 0:
        return float("nan")
    rr = 1.0 / rr if rr < 1 else rr
    return float(rr + np.sqrt(rr * (rr - 1.0)))


def e_value_ci(lo: float, hi: float) -> float:
    """The E-value of the confidence limit nearer to 1 (1 when the interval contains 1)."""
    if lo <= 1 <= hi:
        return 1.0
    return e_value(lo if lo > 1 else hi)


def to_risk_ratio(estimate: float, *, scale: str, sd: float | None = None) -> float:
    """Convert an estimate to an approximate risk ratio (see the module docstring).

    ``scale`` is ``'difference'`` (needs ``sd``, the outcome's SD), ``'odds ratio (common)'``
    (square root), ``'odds ratio (rare)'`` or ``'ratio'`` (a risk or rate ratio; unchanged).
    """
    if scale == "difference":
        return float(np.exp(0.91 * estimate / sd))
    if scale == "odds ratio (common)":
        return float(np.sqrt(estimate))
    if scale in ("ratio", "odds ratio (rare)"):
        return float(estimate)
    raise ValueError(f"unknown scale {scale!r}")


def power_at(effect: float | np.ndarray, *, se: float | np.ndarray, df: float | np.ndarray,
             alpha: float = 0.05) -> np.ndarray:
    """Power of the two-sided t test (``df`` degrees of freedom, standard error ``se``) to find
    a true effect ``effect``: the chance that ``|estimate / se|`` exceeds the critical value.

    >>> float(np.round(power_at(2.8, se=1.0, df=1e6), 2))
    0.8
    """
    crit = sps.t.ppf(1 - alpha / 2, df)
    shift = np.asarray(effect, dtype=float) / np.asarray(se, dtype=float)
    return np.asarray(sps.t.sf(crit - shift, df) + sps.t.cdf(-crit - shift, df))


@one_blas_thread
def robustness(adjusted: pd.DataFrame, models: dict, data: pd.DataFrame, *,
               alpha: float = 0.05, power: float = 0.8) -> pd.DataFrame:
    """E-values and power for the adjusted models (from :func:`~.models.adjusted_fits`).

    Parameters
    ----------
    adjusted : DataFrame
        The table of :func:`~ssi_analysis.stats.models.adjusted_models`.
    models : dict
        Its fitted models (:func:`~ssi_analysis.stats.models.adjusted_fits`).
    data : DataFrame
        The panel (for the outcome's SD).
    alpha, power : float
        Significance level and target power.

    Returns
    -------
    DataFrame
        Rows ``e_value`` (adjusted OLS and logistic), ``minimum detectable effect`` and
        ``minimum detectable partial r`` (adjusted OLS), with ``estimate`` the value and
        ``bound`` the E-value of the CI limit.
    """
    rows = []
    by_model = adjusted.set_index("model")
    share = float(data["hit_quota"].mean()) if "hit_quota" in data else 0.5
    odds = "odds ratio (common)" if 0.15 < share < 0.85 else "odds ratio (rare)"
    for model, scale, label in (("OLS", "difference", "attainment per 10 SSI points"),
                                ("logistic", odds, "odds of hitting quota per 10 SSI points")):
        base = {"check": "e_value", "applies_to": f"{model}: {label}", "unit": "risk ratio"}
        if model not in by_model.index or not by_model.loc[model, "estimable"]:
            rows.append(not_estimable(f"the {model} model was not estimable", **base))
            continue
        r = by_model.loc[model]
        sd = float(data["attainment"].std()) if scale == "difference" else None
        rr = to_risk_ratio(r["estimate"], scale=scale, sd=sd)
        lo = to_risk_ratio(r["ci_low"], scale=scale, sd=sd)
        hi = to_risk_ratio(r["ci_high"], scale=scale, sd=sd)
        rows.append({**base, "n": r["n"], "estimate": e_value(rr), "bound": e_value_ci(lo, hi),
                     "detail": f"approximate risk ratio {rr:.2f} (CI {lo:.2f} to {hi:.2f}); "
                               f"converted from the {scale}"})
    # power of the adjusted OLS, at its own standard error and degrees of freedom
    base = {"applies_to": "OLS: attainment per 10 SSI points"}
    fit = models.get("OLS")
    row = by_model.loc["OLS"] if "OLS" in by_model.index else None
    if fit is None or row is None or not row["estimable"]:
        for check in ("minimum detectable effect", "minimum detectable partial r"):
            rows.append(not_estimable("the OLS model was not estimable", check=check, **base))
    else:
        se, df_t = float(row["se"]), float(row["df"])
        n = int(fit.nobs)
        mde = (sps.t.ppf(1 - alpha / 2, df_t) + sps.t.ppf(power, df_t)) * se
        rows.append({"check": "minimum detectable effect", **base, "n": n, "estimate": mde,
                     "unit": "attainment (share of quota) per 10 SSI points",
                     "detail": f"{power:.0%} power at alpha {alpha:g}, SE {se:.4f} "
                               f"({row['se_type']}, t with {df_t:.1f} df); observed estimate "
                               f"{row['estimate']:.4f}"})
        exog = fit.model.exog
        j = fit.model.exog_names.index("ssi_10")
        others = np.delete(exog, j, axis=1)
        x = exog[:, j]
        x_left = x - others @ np.linalg.lstsq(others, x, rcond=None)[0]
        s_x = float(np.sqrt(x_left @ x_left / max(n - others.shape[1], 1)))
        s_e = float(np.sqrt(fit.scale))
        r_mde = float(mde * s_x / np.sqrt((mde * s_x) ** 2 + s_e ** 2))
        clear = bool(row["ci_low"] > 0 or row["ci_high"] < 0)
        warning = (f"underpowered: no clear association was found, but an association "
                   f"smaller than partial r = {r_mde:.2f} ({mde:.3f} of quota per 10 SSI "
                   f"points) would likely have been missed, including a small one (partial r "
                   f"= {SMALL_EFFECT_R}); the absence of a clear association is weak evidence "
                   "that there is none"
                   if r_mde > SMALL_EFFECT_R and not clear else "")
        rows.append({"check": "minimum detectable partial r", **base, "n": n,
                     "estimate": r_mde, "unit": "partial correlation",
                     "detail": f"the minimum detectable effect as a partial correlation (SD of "
                               f"SSI / 10 net of the controls {s_x:.3f}, residual SD "
                               f"{s_e:.3f}), {power:.0%} power at alpha {alpha:g}",
                     "warning": warning})
    table = results_table(rows, COLUMNS)
    table["warning"] = table["warning"].astype(object).where(table["warning"].notna(), "")
    return table


@one_blas_thread
def window_sensitivity(data: pd.DataFrame, *, flag: str = "window_partial",
                       **model_kwargs) -> pd.DataFrame:
    """The adjusted OLS again without the rep-periods whose scoring window is covered only in
    part (``window_partial``, :mod:`ssi_analysis.panel`): does the estimate hang on them?

    ``model_kwargs`` go to :func:`~ssi_analysis.stats.models.adjusted_models` (controls,
    clustering, ``min_n`` ...). Returns one row with this module's columns.
    """
    from .models import adjusted_models

    base = {"check": "sensitivity: without partly covered windows",
            "applies_to": "OLS: attainment per 10 SSI points",
            "unit": "attainment (share of quota) per 10 SSI points"}
    flagged = (data[flag].astype("boolean").fillna(False).to_numpy(dtype=bool)
               if flag in data else np.zeros(len(data), bool))
    fit = adjusted_models(data[~flagged], which=["OLS"], **model_kwargs).iloc[0]
    if not fit["estimable"]:
        row = not_estimable(str(fit["reason"]), **base)
    else:
        detail = (f"{int(flagged.sum())} rep-period(s) with a partly covered window left out"
                  if flagged.any() else
                  "no rep-period has a partly covered window: the same rows as the main model")
        row = {**base, **{k: fit[k] for k in ("n", "estimate", "ci_low", "ci_high", "p_val")},
               "detail": detail}
    table = results_table([row], COLUMNS)
    table["warning"] = ""
    return table
