"""How far the transparent score agrees with the SSI LinkedIn shows, and a way to calibrate it.

Three steps, each a function:

1. :func:`pair_scores` matches each LinkedIn snapshot (``ssi_observed``) with the score computed
   for the same rep on the same date (``score(..., at=pairs)``), leaving out dates whose
   trailing window the activity data does not cover (a score there would be low only because
   the window is not full).
2. :func:`agreement` compares the two, per measure (SSI and each pillar): Pearson's r, Lin's
   concordance correlation (which also penalises a shift or a different scale), and the
   Bland-Altman bias (mean of computed - observed) with its 95% limits of agreement, each with
   a confidence interval. Snapshots of the same rep are not independent: when reps repeat,
   intervals resample reps (a cluster bootstrap), the bias uses rep-clustered standard errors,
   and the limits use the standard deviation of Bland & Altman (2007) for repeated pairs whose
   true value changes over time. A ``proportional_bias`` row (Bland & Altman 1999, the
   regression of the difference on the mean) says whether the difference grows or shrinks with
   the score, which a single bias cannot show.
3. :func:`calibrate` (optional) fits the scoring config's ``half`` and ``target`` values to the
   observed pillars, by a multiplier per pillar (or per metric) on a log scale, so a team can
   bring the transparent score to the level LinkedIn shows its reps. It changes the scale of
   each metric, not which activities count or their weights; the fitted config is returned
   with the agreement before and after, on held-out reps if asked.

Examples
--------
>>> from ssi_analysis import load_data, example_data_dir
>>> b = load_data(example_data_dir())
>>> pairs = pair_scores(b.activity, b.reps, b.ssi_observed)
>>> list(pairs.table.columns[:4])
['rep_id', 'date', 'ssi_observed', 'ssi_computed']
>>> res = agreement(pairs, n_resamples=100)
>>> res[["measure", "statistic"]].head(5).values.tolist()
[['ssi', 'pearson_r'], ['ssi', 'ccc'], ['ssi', 'bias'], ['ssi', 'loa_low'], ['ssi', 'loa_high']]
>>> bool(res.estimable.all()), bool((res.ci_low <= res.ci_high).all())
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize
from scipy import stats as sps

from .._blas import one_blas_thread
from ..config import PILLARS, ScoringConfig, default_config
from ..errors import SSIConfigError, SSIDataError, SSIInputError
from ..scoring import count_curve, rate_curve, score
from ..tables import NotedTable, table_of
from ._common import CONFIDENCE, bootstrap_ci, not_estimable, p_adjust, results_table

MEASURES: tuple[str, ...] = ("ssi", *PILLARS)
"""What is compared: the SSI and each pillar."""

STATISTICS: tuple[str, ...] = ("pearson_r", "ccc", "bias", "loa_low", "loa_high",
                               "proportional_bias")

MIN_SERIES = 6
"""Fewest snapshots of a single rep to compare over time (three blocks of two)."""
"""The rows :func:`agreement` gives per measure, in order."""

COLUMNS: list[str] = ["measure", "statistic", "n", "estimate", "ci_low", "ci_high", "p_val",
                      "p_adj", "n_reps", "ci_method", "estimable", "reason"]
"""The columns of an :func:`agreement` table."""


# ------------------------------------------------------------------ pairing
@dataclass(frozen=True, eq=False, repr=False)
class ScorePairs(NotedTable):
    """LinkedIn's snapshots beside the computed scores (:func:`pair_scores`): ``.table`` and
    ``.notes`` (which snapshots were left out)."""

    def describe_table(self) -> str:
        n_reps = self.table["rep_id"].nunique() if len(self.table) else 0
        return f"{len(self.table)} snapshots of {n_reps} reps"


def pair_scores(activity: pd.DataFrame, reps: pd.DataFrame | None, observed: pd.DataFrame, *,
                config: ScoringConfig | None = None, full_window: bool = True) -> ScorePairs:
    """LinkedIn's snapshots beside the scores computed for the same reps and dates.

    Parameters
    ----------
    activity, reps : DataFrame
        As for :func:`ssi_analysis.score`.
    observed : DataFrame
        ``ssi_observed``: ``rep_id, date, ssi, brand, people, insights, relationships``.
    config : ScoringConfig, optional
        The scoring config (default: the shipped one).
    full_window : bool
        Leave out snapshots dated before the activity data cover a whole trailing window
        (``first activity date + window_days - 1``). Snapshots after the last activity date are
        always left out: the data cannot tell what happened then.

    Returns
    -------
    ScorePairs
        ``.table``: ``rep_id, date`` then ``<measure>_observed, <measure>_computed`` for each
        measure, one row per snapshot, sorted by rep and date; ``.notes``: what was left out.
    """
    config = config or default_config()
    missing = [c for c in ("rep_id", "date", *MEASURES) if c not in observed]
    if missing:
        raise SSIInputError(f"ssi_observed needs columns {', '.join(missing)}",
                            file="ssi_observed", fix="load it with load_data()")
    if activity is None or activity.empty:
        raise SSIDataError("there is no activity to compute scores from", file="activity",
                           fix="agreement compares the computed score with LinkedIn's: it "
                               "needs the activity the computed one comes from")
    obs = observed[["rep_id", "date", *MEASURES]].copy()
    obs["date"] = pd.to_datetime(obs["date"]).dt.normalize()
    first, last = pd.to_datetime(activity["date"]).min(), pd.to_datetime(activity["date"]).max()
    notes = []
    late = obs["date"] > last
    if late.any():
        notes.append(f"{int(late.sum())} snapshot(s) after the last activity date "
                     f"({last:%Y-%m-%d}) left out")
    keep = ~late
    if full_window:
        full_from = first + pd.Timedelta(days=config.window_days - 1)
        early = obs["date"] < full_from
        if (early & keep).any():
            notes.append(f"{int((early & keep).sum())} snapshot(s) before {full_from:%Y-%m-%d}, "
                         f"when the {config.window_days}-day window is not yet full, left out")
        keep &= ~early
    obs = obs[keep].sort_values(["rep_id", "date"], kind="stable").reset_index(drop=True)
    cols = ["rep_id", "date"] + [f"{m}_{w}" for m in MEASURES for w in ("observed", "computed")]
    if obs.empty:
        return ScorePairs(pd.DataFrame(columns=cols),
                          notes=(*notes, "no snapshot left to compare"))
    computed = score(activity, reps, config=config, at=obs[["rep_id", "date"]]).table
    computed = computed.drop_duplicates(["rep_id", "date"])[["rep_id", "date", *MEASURES]]
    out = obs.merge(computed, on=["rep_id", "date"], suffixes=("_observed", "_computed"))
    return ScorePairs(out[cols], notes=tuple(notes))


# ------------------------------------------------------------------ the statistics
_SUMS = ("ones", "m", "x", "y", "xx", "yy", "xy", "d", "dd", "dm", "m2")


def _cluster_sums(x: np.ndarray, y: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    """Per cluster: 1, m, sums of x, y, x², y², xy, d, d², (sum d)²/m, m² (d = y - x)."""
    d = y - x

    def s(v: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=v, minlength=k)

    m = s(np.ones_like(x))
    sd = s(d)
    return np.column_stack([np.ones(k), m, s(x), s(y), s(x * x), s(y * y), s(x * y), sd,
                            s(d * d), sd ** 2 / m, m ** 2])


def _from_totals(t: np.ndarray, loa_z: float) -> dict[str, np.ndarray]:
    """Every statistic from column totals of :func:`_cluster_sums` (rows: resamples)."""
    t = np.atleast_2d(t)
    c = dict(zip(_SUMS, t.T, strict=True))
    n, k = c["m"], c["ones"]
    mx, my = c["x"] / n, c["y"] / n
    vx, vy = c["xx"] / n - mx ** 2, c["yy"] / n - my ** 2
    cxy = c["xy"] / n - mx * my
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cxy / np.sqrt(vx * vy)
        ccc = 2 * cxy / (vx + vy + (mx - my) ** 2)
        bias = c["d"] / n
        # Bland & Altman (2007): between-rep and within-rep variance of the differences
        ms_w = np.where(n > k, (c["dd"] - c["dm"]) / (n - k), 0.0)
        ms_b = (c["dm"] - c["d"] ** 2 / n) / (k - 1)
        divisor = (n ** 2 - c["m2"]) / ((k - 1) * n)
        var_b = np.maximum((ms_b - ms_w) / divisor, 0.0)
        sd = np.sqrt(var_b + ms_w)
    return {"pearson_r": r, "ccc": ccc, "bias": bias, "loa_low": bias - loa_z * sd,
            "loa_high": bias + loa_z * sd, "sd": sd}


def limit_ci(limit: float | np.ndarray, sd: float | np.ndarray, n: int, *, loa: float = 0.95,
             confidence: float = CONFIDENCE) -> tuple:
    """Bland & Altman's (1999) approximate confidence interval of a limit of agreement.

    ``var(mean ± z·s) ≈ (1/n + z²/(2(n-1))) s²`` with ``z`` the normal quantile of ``loa``;
    the interval is ``limit ± t(n-1)·se``. Works elementwise on arrays.

    >>> [round(float(v), 2) for v in limit_ci(10.0, 4.0, 50)]
    [8.04, 11.96]
    """
    z = float(sps.norm.ppf(0.5 + loa / 2))
    se = np.asarray(sd) * np.sqrt(1 / n + z ** 2 / (2 * (n - 1)))
    tq = float(sps.t.ppf(0.5 + confidence / 2, n - 1))
    return limit - tq * se, limit + tq * se


def _one_measure(x: np.ndarray, y: np.ndarray, groups: np.ndarray, *, measure: str,
                 confidence: float, loa: float, n_resamples: int, seed: int
                 ) -> list[dict[str, Any]]:
    ok = np.isfinite(x) & np.isfinite(y)
    x, y, groups = x[ok], y[ok], groups[ok]
    n = len(x)
    codes, uniques = pd.factorize(groups)
    k = len(uniques)
    repeated = k < n
    base = {"measure": measure, "n": n, "n_reps": k}
    # one rep: its snapshots over time (in time order), which follow each other and are not
    # independent: intervals resample blocks of consecutive snapshots (a block bootstrap), and
    # tests use Newey-West (HAC) standard errors
    series = k == 1 and n >= MIN_SERIES
    if series:
        block = max(2, int(round(n ** (1 / 3))))
        codes = np.arange(n) // block
        k = int(codes.max()) + 1
        lags = max(1, int(np.floor(4 * (n / 100) ** (2 / 9))))
        hac = {"cov_type": "HAC", "cov_kwds": {"maxlags": lags}, "use_t": True}
        how_series = (f"block bootstrap (blocks of {block} consecutive snapshots; one rep: "
                      "snapshots are not independent)")
        how_hac = f"Newey-West HAC t ({lags} lag{'s' if lags > 1 else ''}; one rep over time)"
    elif k == 1:
        return [not_estimable(f"one rep with fewer than {MIN_SERIES} snapshots",
                              statistic=s, **base) for s in STATISTICS]
    if n < 3 or k < 3:
        why = "fewer than 3 pairs" if n < 3 else "fewer than 3 reps"
        return [not_estimable(why, statistic=s, **base) for s in STATISTICS]
    shift = np.concatenate([x, y]).mean()        # centre both: no statistic changes
    x, y = x - shift, y - shift
    loa_z = float(sps.norm.ppf(0.5 + loa / 2))
    sums = _cluster_sums(x, y, codes, k)
    point = {s: float(v[0]) for s, v in _from_totals(sums.sum(axis=0), loa_z).items()}
    d = y - x
    flat_x, flat_y, flat_d = np.ptp(x) == 0, np.ptp(y) == 0, np.ptp(d) == 0

    def boot(stat: str) -> tuple[float, float, str]:
        def fn(idx: np.ndarray, axis: int = -1) -> np.ndarray:
            idx = np.moveaxis(np.asarray(idx), axis, -1).astype(np.int64)
            lead = idx.shape[:-1]
            flat = idx.reshape(-1, idx.shape[-1])
            w = np.zeros((flat.shape[0], k))
            np.add.at(w, (np.arange(flat.shape[0])[:, None], flat), 1.0)
            return _from_totals(w @ sums, loa_z)[stat].reshape(lead)
        lo, hi, how = bootstrap_ci((np.arange(k),), fn, n_resamples=n_resamples,
                                   confidence=confidence, seed=seed)
        if series:
            return lo, hi, f"{how_series}, {how}"
        what = "reps resampled" if repeated else "pairs resampled"
        return lo, hi, f"bootstrap {how} ({what})"

    rows = []
    # correlation
    if flat_x or flat_y:
        why = f"no variation in the {'observed' if flat_x else 'computed'} {measure}"
        rows.append(not_estimable(why, statistic="pearson_r", **base))
        rows.append(not_estimable(why, statistic="ccc", **base))
    else:
        zx, zy = (x - x.mean()) / x.std(), (y - y.mean()) / y.std()
        if series:
            p_r = float(sm.OLS(zy, sm.add_constant(zx)).fit(**hac).pvalues[1])
            lo, hi, how = boot("pearson_r")
        elif repeated:
            fit = sm.OLS(zy, sm.add_constant(zx)).fit(cov_type="cluster",
                                                      cov_kwds={"groups": codes}, use_t=True)
            p_r = float(fit.pvalues[1])
            lo, hi, how = boot("pearson_r")
        else:
            res = sps.pearsonr(x, y)
            ci = res.confidence_interval(confidence_level=confidence)
            p_r, lo, hi, how = float(res.pvalue), float(ci.low), float(ci.high), "Fisher z"
        rows.append({**base, "statistic": "pearson_r", "estimate": point["pearson_r"],
                     "ci_low": lo, "ci_high": hi, "p_val": p_r, "ci_method": how})
        lo, hi, how = boot("ccc")
        rows.append({**base, "statistic": "ccc", "estimate": point["ccc"], "ci_low": lo,
                     "ci_high": hi, "ci_method": how})
    # bias and limits of agreement
    if flat_d:
        why = "the differences do not vary (computed - observed is constant)"
        rows += [not_estimable(why, statistic=s, **base)
                 for s in ("bias", "loa_low", "loa_high", "proportional_bias")]
        return rows
    if series:
        fit = sm.OLS(d, np.ones(n)).fit(**hac)
        how_b = how_hac
    elif repeated:
        fit = sm.OLS(d, np.ones(n)).fit(cov_type="cluster", cov_kwds={"groups": codes},
                                        use_t=True)
        how_b = "cluster-robust t (by rep)"
    else:
        fit = sm.OLS(d, np.ones(n)).fit(use_t=True)
        how_b = "t"
    b_lo, b_hi = (float(v) for v in fit.conf_int(alpha=1 - confidence)[0])
    rows.append({**base, "statistic": "bias", "estimate": point["bias"], "ci_low": b_lo,
                 "ci_high": b_hi, "p_val": float(fit.pvalues[0]), "ci_method": how_b})
    if repeated:
        limits = {s: boot(s) for s in ("loa_low", "loa_high")}
    else:
        limits = {s: (*limit_ci(point[s], point["sd"], n, loa=loa, confidence=confidence),
                      "Bland-Altman 1999") for s in ("loa_low", "loa_high")}
    for s in ("loa_low", "loa_high"):
        lo, hi, how = limits[s]
        rows.append({**base, "statistic": s, "estimate": point[s], "ci_low": lo, "ci_high": hi,
                     "ci_method": how})
    # Bland & Altman (1999): does the difference change with the size of the score?
    mean = (x + y) / 2
    if np.ptp(mean) == 0:
        rows.append(not_estimable("the mean of the two scores does not vary",
                                  statistic="proportional_bias", **base))
        return rows
    design = sm.add_constant(mean)
    trend = (sm.OLS(d, design).fit(**hac) if series else
             sm.OLS(d, design).fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
             if repeated else sm.OLS(d, design).fit(use_t=True))
    t_lo, t_hi = (float(v) for v in trend.conf_int(alpha=1 - confidence)[1])
    rows.append({**base, "statistic": "proportional_bias", "estimate": float(trend.params[1]),
                 "ci_low": t_lo, "ci_high": t_hi, "p_val": float(trend.pvalues[1]),
                 "ci_method": how_b})
    return rows


@one_blas_thread
def agreement(pairs: ScorePairs | pd.DataFrame, *, measures: Sequence[str] = MEASURES,
              observed: str = "{}_observed", computed: str = "{}_computed",
              cluster: str | None = "rep_id", confidence: float = CONFIDENCE,
              loa: float = 0.95, n_resamples: int = 2000, seed: int = 0,
              adjust: str = "holm") -> pd.DataFrame:
    """Agreement between observed (LinkedIn) and computed scores, per measure.

    Parameters
    ----------
    pairs : ScorePairs or DataFrame
        One row per snapshot, e.g. from :func:`pair_scores`.
    measures : sequence of str
        Measures to compare (default: ``ssi`` and the four pillars).
    observed, computed : str
        Column name patterns; ``{}`` is the measure.
    cluster : str or None
        Column identifying the rep. Where a rep contributes several pairs, intervals and
        tests treat the reps, not the pairs, as the independent units. ``None``: every pair
        independent.
    confidence : float
        Confidence level of the intervals.
    loa : float
        Share of differences the limits of agreement should hold (0.95: bias ± 1.96 SD).
    n_resamples, seed : int
        Bootstrap resamples and seed (same seed, same intervals).
    adjust : {'holm', 'bh', 'bonferroni', 'none'}
        Adjustment of the p-values (of every test in the table) for multiple comparisons.

    Returns
    -------
    DataFrame
        :data:`COLUMNS`, one row per measure and statistic (:data:`STATISTICS`):

        - ``pearson_r``: Pearson correlation; p-value for no correlation (with repeated pairs,
          the slope of the standardised scores with rep-clustered errors); CI Fisher z, or a
          rep bootstrap with repeated pairs.
        - ``ccc``: Lin's concordance correlation coefficient (1 = identical); bootstrap CI.
        - ``bias``: mean of computed - observed (positive: our score is higher); t test and CI
          (rep-clustered standard errors with repeated pairs).
        - ``loa_low``, ``loa_high``: bias ∓ z·SD, the range holding ``loa`` of the differences;
          CI Bland & Altman (1999) with independent pairs, rep bootstrap with repeated ones,
          where the SD is Bland & Altman's (2007) for repeated pairs.
        - ``proportional_bias``: slope of the difference on the mean of the two scores (points
          of difference per point of score; 0 = the bias is the same at every level), t test
          and CI as for the bias. Where it is clearly not 0, bias and limits describe an
          average over levels that hold at none of them.

        ``ccc`` and the limits have no test (``p_val`` NaN). Rows that cannot be computed
        (fewer than 3 pairs or reps, no variation) have ``estimable = False`` and a reason.

        **One rep** (a member comparing their own computed score with LinkedIn's): ``n`` is
        the snapshots, which follow each other in time and are not independent. Intervals
        resample blocks of about ``n^(1/3)`` consecutive snapshots (a block bootstrap, time
        order by ``date``), tests and the bias's interval use Newey-West (HAC) standard errors;
        ``ci_method`` says so. It needs at least :data:`MIN_SERIES` snapshots.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> truth = rng.uniform(20, 60, 40)
    >>> pairs = pd.DataFrame({"rep_id": range(40), "ssi_observed": truth,
    ...                       "ssi_computed": truth + 2 + rng.normal(0, 1, 40)})
    >>> res = agreement(pairs, measures=["ssi"], n_resamples=500).set_index("statistic")
    >>> round(float(res.loc["bias", "estimate"]), 2), res.loc["bias", "ci_method"]
    (2.3, 't')
    >>> bool(res.loc["loa_low", "estimate"] < 2 < res.loc["loa_high", "estimate"])
    True
    """
    pairs = table_of(pairs)
    if not 0 < confidence < 1 or not 0 < loa < 1:
        raise SSIConfigError("confidence and loa must be between 0 and 1")
    rows = []
    if "date" in pairs and cluster is not None and pairs[cluster].nunique() == 1:
        pairs = pairs.sort_values("date", kind="stable")    # one rep: in time order
    for i, m in enumerate(measures):
        ocol, ccol = observed.format(m), computed.format(m)
        missing = [c for c in (ocol, ccol) if c not in pairs]
        if missing:
            raise SSIInputError(f"pairs have no column {missing[0]}", column=missing[0],
                                fix="build pairs with pair_scores(), or pass observed= and "
                                    "computed= column patterns")
        groups = (pairs[cluster].astype(str).to_numpy() if cluster is not None
                  else np.arange(len(pairs)).astype(str))
        rows += _one_measure(pairs[ocol].to_numpy(dtype=float),
                             pairs[ccol].to_numpy(dtype=float), groups, measure=m,
                             confidence=confidence, loa=loa, n_resamples=n_resamples,
                             seed=seed + i)
    out = results_table(rows, COLUMNS)
    out["p_adj"] = p_adjust(out["p_val"].to_numpy(dtype=float), adjust)
    return out


# ------------------------------------------------------------------ calibration
@dataclass
class Calibration:
    """A scoring config fitted to LinkedIn's observed pillars, and what it changed.

    Attributes
    ----------
    config : ScoringConfig
        The fitted config (pass it to :func:`ssi_analysis.score`, or save :meth:`to_toml` and
        pass the file with ``--config``).
    parameters : DataFrame
        ``group, metric, pillar, kind, setting, before, after, multiplier``: every ``half`` or
        ``target`` changed (``group`` is the pillar or metric sharing one multiplier).
    before, after : DataFrame
        :func:`agreement` tables on the check pairs with the old and the fitted config.
    fit : dict
        ``n_pairs_fit, n_reps_fit, n_pairs_check, n_reps_check, check`` ('held-out reps' or
        'the fitted pairs'), ``rmse_before, rmse_after`` (pillar points, fitted pairs),
        ``success, message, nfev``.
    """

    config: ScoringConfig
    parameters: pd.DataFrame
    before: pd.DataFrame
    after: pd.DataFrame
    fit: dict[str, Any] = field(default_factory=dict)

    def to_toml(self) -> str:
        """The changed settings as a scoring config file (only the keys that changed)."""
        lines = ["# Scoring targets calibrated to LinkedIn's observed pillar scores by",
                 "# ssi_analysis.stats.agreement.calibrate "
                 f"({self.fit.get('n_pairs_fit', 0)} snapshots of "
                 f"{self.fit.get('n_reps_fit', 0)} reps).", ""]
        for r in self.parameters.itertuples():
            lines += [f"[metrics.{r.metric}]", f"{r.setting} = {r.after!r}", ""]
        return "\n".join(lines)


def _tunable(spec) -> str | None:
    return {"count": "half", "days_active": "half", "rate": "target"}.get(spec.kind)


@one_blas_thread
def calibrate(activity: pd.DataFrame, reps: pd.DataFrame | None, observed: pd.DataFrame, *,
              config: ScoringConfig | None = None, by: str = "pillar", holdout: float = 0.0,
              seed: int = 0, penalty: float = 0.01, full_window: bool = True,
              n_resamples: int = 2000, max_multiplier: float = 20.0) -> Calibration:
    """Fit the scoring config's ``half`` and ``target`` values to LinkedIn's observed pillars.

    Optional: use it when a team wants the transparent score on the scale LinkedIn shows its
    reps. Each count metric's ``half`` and each rate's ``target`` is multiplied by
    ``exp(theta)``, one ``theta`` per pillar (``by='pillar'``, 4 parameters) or per metric
    (``by='metric'``); ``theta`` minimises the squared differences between computed and
    observed pillar scores over the snapshots (:func:`scipy.optimize.least_squares`, from
    ``theta = 0``, so the fit is deterministic), plus ``penalty * sum(theta**2)`` to keep
    poorly identified metrics near their defaults. Levels (profile completeness) and weights
    do not change. The fitted values are rounded to 4 significant digits, so the returned
    config and :meth:`Calibration.to_toml` agree exactly.

    Parameters
    ----------
    activity, reps, observed : DataFrame
        As for :func:`pair_scores`.
    config : ScoringConfig, optional
        The starting config (absolute mode).
    by : {'pillar', 'metric'}
        One multiplier per pillar, or per metric.
    holdout : float
        Share of the reps (drawn with ``seed``) kept out of the fit to judge the fitted config
        on (0: judged on the fitted pairs, which flatters it).
    penalty : float
        Ridge penalty on ``theta`` (per parameter, in pillar points squared per pair).
    full_window, n_resamples
        Passed to :func:`pair_scores` and :func:`agreement`.
    max_multiplier : float
        Bound on each multiplier (and its inverse).

    Returns
    -------
    Calibration

    Examples
    --------
    >>> from ssi_analysis import load_data, example_data_dir
    >>> b = load_data(example_data_dir())
    >>> some = b.ssi_observed[b.ssi_observed.rep_id.isin(b.ssi_observed.rep_id.unique()[:30])]
    >>> cal = calibrate(b.activity, b.reps, some, n_resamples=100)
    >>> sorted(cal.parameters.group.unique())
    ['brand', 'insights', 'people', 'relationships']
    >>> bool(cal.fit["rmse_after"] < cal.fit["rmse_before"])
    True
    """
    config = config or default_config()
    if config.mode != "absolute":
        raise SSIConfigError("calibration needs the absolute mode: percentiles within a "
                             "cohort do not depend on the targets", fix="use mode='absolute'")
    if by not in ("pillar", "metric"):
        raise SSIConfigError(f"by must be 'pillar' or 'metric', got {by!r}")
    if not 0 <= holdout < 1:
        raise SSIConfigError(f"holdout must be at least 0 and below 1, got {holdout}")
    pairs = pair_scores(activity, reps, observed, config=config, full_window=full_window).table
    rep_ids = np.array(sorted(pairs["rep_id"].unique()), dtype=object)
    if len(rep_ids) < 3:
        raise SSIDataError(f"only {len(rep_ids)} rep(s) have snapshots to calibrate on",
                           file="ssi_observed", fix="calibrate on at least 3 reps' snapshots")
    check_reps: set = set()
    if holdout > 0:
        n_check = int(round(holdout * len(rep_ids)))
        if n_check < 3 or len(rep_ids) - n_check < 3:
            raise SSIDataError(f"holdout {holdout} of {len(rep_ids)} reps leaves fewer than 3 "
                               "reps on one side", fix="use a larger share, or holdout=0")
        check_reps = set(np.random.default_rng(seed).choice(rep_ids, n_check, replace=False))
    fit_pairs = pairs[~pairs["rep_id"].isin(check_reps)].reset_index(drop=True)
    check_pairs = pairs[pairs["rep_id"].isin(check_reps)] if check_reps else pairs

    det = score(activity, reps, config=config, at=fit_pairs[["rep_id", "date"]],
                details=True).table
    det = fit_pairs[["rep_id", "date"]].merge(
        det.drop_duplicates(["rep_id", "date"]), on=["rep_id", "date"], how="left")
    used = [m for m in config.metrics if f"{m.name}_value" in det and m.weight > 0]
    tuned = [m for m in used if _tunable(m)]
    groups = (sorted({m.pillar for m in tuned}, key=PILLARS.index) if by == "pillar"
              else [m.name for m in tuned])
    gindex = {g: i for i, g in enumerate(groups)}
    values = {m.name: det[f"{m.name}_value"].to_numpy(dtype=float) for m in used}
    target = fit_pairs[[f"{p}_observed" for p in PILLARS]].to_numpy(dtype=float)
    n = len(fit_pairs)

    def settings(theta: np.ndarray) -> dict[str, float]:
        out = {}
        for m in tuned:
            g = gindex[m.pillar if by == "pillar" else m.name]
            k = float(np.exp(theta[g]))
            out[m.name] = m.half * k if _tunable(m) == "half" else min(m.target * k, 1.0)
        return out

    def pillars(new: dict[str, float]) -> np.ndarray:
        cols = []
        for p in PILLARS:
            num, den = np.zeros(n), 0.0
            for m in (u for u in used if u.pillar == p):
                x = values[m.name]
                if m.kind in ("count", "days_active"):
                    s = count_curve(x, new[m.name])
                elif m.kind == "rate":
                    s = rate_curve(x, new[m.name])
                else:
                    s = x
                num += m.weight * s
                den += m.weight
            cols.append(25.0 * num / den)
        return np.column_stack(cols)

    start = np.zeros(len(groups))
    check = pillars(settings(start))
    if np.nanmax(np.abs(check - det[list(PILLARS)].to_numpy(dtype=float))) > 1e-8:
        raise RuntimeError("calibration model does not reproduce score()")  # a bug

    def residuals(theta: np.ndarray) -> np.ndarray:
        r = (pillars(settings(theta)) - target).ravel() / np.sqrt(n)
        return np.concatenate([r, np.sqrt(penalty) * theta])

    bound = np.log(max_multiplier)
    sol = optimize.least_squares(residuals, start, bounds=(-bound, bound), method="trf")
    fitted = settings(sol.x)
    # round to 4 significant digits: the config and its TOML then agree exactly
    fitted = {k: float(f"{v:.4g}") for k, v in fitted.items()}
    new_metrics = tuple(
        replace(m, **{_tunable(m): fitted[m.name]}) if m.name in fitted else m
        for m in config.metrics)
    new_config = replace(config, metrics=new_metrics).with_options()
    rmse = {}
    for label, st in (("before", settings(start)), ("after", fitted)):
        rmse[label] = float(np.sqrt(np.nanmean((pillars(st) - target) ** 2)))
    rows = []
    for m in tuned:
        key = _tunable(m)
        old = getattr(m, key)
        rows.append({"group": m.pillar if by == "pillar" else m.name, "metric": m.name,
                     "pillar": m.pillar, "kind": m.kind, "setting": key, "before": old,
                     "after": fitted[m.name], "multiplier": fitted[m.name] / old})
    params = pd.DataFrame(rows, columns=["group", "metric", "pillar", "kind", "setting",
                                         "before", "after", "multiplier"])
    check_obs = observed[observed["rep_id"].isin(set(check_pairs["rep_id"]))]
    after_pairs = pair_scores(activity, reps, check_obs, config=new_config,
                              full_window=full_window).table
    after_pairs = after_pairs.merge(check_pairs[["rep_id", "date"]], on=["rep_id", "date"])
    return Calibration(
        config=new_config, parameters=params,
        before=agreement(check_pairs, n_resamples=n_resamples, seed=seed),
        after=agreement(after_pairs, n_resamples=n_resamples, seed=seed),
        fit={"n_pairs_fit": n, "n_reps_fit": int(fit_pairs["rep_id"].nunique()),
             "n_pairs_check": len(check_pairs),
             "n_reps_check": int(check_pairs["rep_id"].nunique()),
             "check": "held-out reps" if check_reps else "the fitted pairs",
             "rmse_before": rmse["before"], "rmse_after": rmse["after"],
             "success": bool(sol.success), "message": str(sol.message), "nfev": int(sol.nfev)})


__all__ = ["COLUMNS", "MEASURES", "STATISTICS", "Calibration", "agreement", "calibrate",
           "limit_ci", "pair_scores"]
