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
t_{power}) * SE`` with the model's cluster-robust SE and the t distribution it uses for
inference (``G - 1`` degrees of freedom with ``G`` clusters), and the minimum
detectable partial correlation for the *effective* sample size ``n / deff`` from statsmodels'
``FTestPowerF2``, where the design effect ``deff`` is the ratio of the cluster-robust to the
naive variance of the SSI coefficient. When even a small effect (partial r = 0.1, Cohen's
benchmark) would go undetected, the row carries a warning.

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
from statsmodels.stats.power import FTestPowerF2

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


def robustness(adjusted: pd.DataFrame, models: dict, data: pd.DataFrame, *,
               alpha: float = 0.05, power: float = 0.8) -> pd.DataFrame:
    """E-values and power for the adjusted models (from :func:`~.models.adjusted_models`).

    Parameters
    ----------
    adjusted : DataFrame
        The table of :func:`~ssi_analysis.stats.models.adjusted_models`.
    models : dict
        Its fitted models (``return_models=True``).
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
    # power of the adjusted OLS
    base = {"applies_to": "OLS: attainment per 10 SSI points"}
    fit = models.get("OLS")
    if fit is None:
        rows.append(not_estimable("the OLS model was not estimable",
                                  check="minimum detectable effect", **base))
    else:
        se = float(fit.bse["ssi_10"])
        naive_se = float(np.sqrt(fit.normalized_cov_params.loc["ssi_10", "ssi_10"]
                                 * fit.scale))
        deff = max((se / naive_se) ** 2, 1.0)
        n = int(fit.nobs)
        n_eff = n / deff
        k = int(fit.df_model)
        df_t = float(getattr(fit, "df_resid_inference", None) or fit.df_resid)
        mde = (sps.t.ppf(1 - alpha / 2, df_t) + sps.t.ppf(power, df_t)) * se
        rows.append({"check": "minimum detectable effect", **base, "n": n, "estimate": mde,
                     "unit": "attainment (share of quota) per 10 SSI points",
                     "detail": f"{power:.0%} power at alpha {alpha:g}, SE {se:.4f} "
                               f"({fit.cov_type}, t with {df_t:g} df); observed estimate "
                               f"{fit.params['ssi_10']:.4f}"})
        df_denom = n_eff - k - 1
        if df_denom < 2:
            rows.append(not_estimable("the effective sample size is too small",
                                      check="minimum detectable partial r", **base, n=n))
        else:
            f2 = float(np.asarray(FTestPowerF2().solve_power(
                effect_size=None, df_num=1, df_denom=df_denom, alpha=alpha, power=power)).item())
            r_mde = float(np.sqrt(f2 / (1 + f2)))
            warning = (f"underpowered: with an effective n of {n_eff:.0f}, a small effect "
                       f"(partial r = {SMALL_EFFECT_R}) would likely be missed"
                       if r_mde > SMALL_EFFECT_R else "")
            rows.append({"check": "minimum detectable partial r", **base, "n": n,
                         "estimate": r_mde, "unit": "partial correlation",
                         "detail": f"effective n {n_eff:.0f} (design effect {deff:.2f} from "
                                   f"clustering), {power:.0%} power at alpha {alpha:g}",
                         "warning": warning})
    table = results_table(rows, COLUMNS)
    table["warning"] = table["warning"].astype(object).where(table["warning"].notna(), "")
    return table
