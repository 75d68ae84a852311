"""Pillar scores compared across industries (or teams, regions: any rep column), and benchmarks.

What LinkedIn's dashboard shows as "industry average" and "Top N%", done as a statistician would:
distributions rather than averages, a test that says whether groups differ, and an effect size
that says how much — all on the **absolute** score scale, so that industries are comparable.

Tests (one row per pillar and test in :func:`compare_groups`)
    **Kruskal–Wallis** (:func:`scipy.stats.kruskal`, tie-corrected) with the rank effect size
    epsilon² = H (n + 1) / (n² − 1) = H / (n − 1) (Tomczak & Tomczak 2014): the share of the
    variance of the ranks that lies between groups, from 0 (no difference) towards 1. Its
    interval is a seeded BCa bootstrap resampling reps within each group (group sizes fixed).
    A resample's ranks come from cumulative counts over the scores sorted once, and BCa's
    acceleration from closed-form leave-one-out values: scipy's interval, in O(n) per
    resample (:mod:`ssi_analysis.stats._bootstrap`).

    **Welch's ANOVA** (:func:`statsmodels.stats.oneway.anova_oneway` with ``use_var="unequal"``)
    as the parametric companion, which does not assume equal variances. Its effect size is
    omega² computed from Welch's F as ω² = df₁ (F − 1) / (df₁ (F − 1) + n), df₁ = k − 1: the
    textbook one-way ω² = (SS_between − df₁ MS_within) / (SS_total + MS_within) written in terms
    of F (exact for the classic F; with Welch's F an approximation that stays sensible under
    unequal variances), set to 0 when F < 1. Its interval inverts the noncentral F distribution
    at Welch's degrees of freedom (:func:`statsmodels.stats.oneway.confint_noncentrality`,
    Steiger 2004) and maps the noncentrality λ to λ / (λ + n), the same map that turns the point
    estimate λ̂ = df₁ (F − 1) into ω²; approximate, as Welch's F is only approximately F.

Pairwise (one row per pillar and pair of groups in :func:`pairwise_groups`)
    **Mann–Whitney U** (:func:`scipy.stats.mannwhitneyu`, two-sided; exact for small samples
    without ties, otherwise the normal approximation with tie and continuity corrections) with
    **Cliff's delta** = 2 U / (n_a n_b) − 1 = P(a > b) − P(a < b), from −1 (every rep of
    ``group_a`` scores below every rep of ``group_b``) through 0 to 1. Its interval is a seeded
    BCa bootstrap within groups, computed the same way.

Multiple comparisons
    ``p_adj`` of the omnibus table is adjusted across the family of outcomes of one test (the four
    pillars and SSI: five p-values for Kruskal–Wallis, five for Welch). ``p_adj`` of the pairwise
    table is adjusted within each outcome's family of pairs (all pairs of groups for one pillar).
    Holm by default, Benjamini–Hochberg with ``adjust="bh"``.

Thin data are rows, not exceptions: a group with fewer than ``min_n`` reps is reported (in
:func:`group_sizes`, in ``groups_excluded`` and as a not-estimable pair) and left out of the
tests; reps without a group (missing industry) form their own ``"unknown"`` group or are
excluded and counted (``missing="exclude"``); a single group, a pillar without variance or a
group without variance (Welch) gives a row with ``estimable = False`` and the reason.

Column order of every table: what the row is about (``by, pillar, test`` / ``group_a,
group_b``), then the core columns ``n, estimate, ci_low, ci_high, p_val, p_adj`` of
:mod:`ssi_analysis.stats._common`, then the rest, ending with ``estimable, reason``. Descriptive
tables (:func:`benchmarks`, :func:`group_gaps`) test nothing and have no p-value columns.

Examples
--------
>>> import ssi_analysis as ssi
>>> b = ssi.load_data(ssi.example_data_dir())
>>> s = ssi.score(b.activity, b.reps)
>>> res = compare_groups(s, b.reps, by="industry", n_resamples=200)
>>> res[["pillar", "test", "n", "n_groups"]].head(2)
  pillar            test    n  n_groups
0  brand  kruskal_wallis  300         5
1  brand     welch_anova  300         5
>>> bool(res.set_index(["pillar", "test"]).loc[("relationships", "kruskal_wallis"), "p_adj"] > 0.05)
True
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.oneway import anova_oneway, confint_noncentrality

from ..config import PILLARS
from ..errors import SSIConfigError, SSIInputError
from ..scoring import top_pct
from ..tables import table_of
from ._bootstrap import (
    SortedOnce,
    bootstrap_intervals,
    column_products,
    jackknife_acceleration,
    resample_counts,
)
from ._common import (
    ADJUST_METHODS,
    CONFIDENCE,
    CORE_COLUMNS,
    json_safe,
    not_estimable,
    p_adjust,
    results_table,
)

OUTCOMES: tuple[str, ...] = (*PILLARS, "ssi")
"""What is compared by default: the four pillars and the total."""

MISSING_MODES = ("unknown", "exclude")
UNKNOWN = "unknown"
"""The group label of reps whose ``by`` column is empty, with ``missing="unknown"``."""

OMNIBUS_COLUMNS: tuple[str, ...] = (
    "by", "pillar", "test", *CORE_COLUMNS, "statistic", "df", "df_denom", "effect_size",
    "effect_type", "ci_method", "adjust_method", "n_groups", "groups_excluded", "n_missing",
    "estimable", "reason")
PAIRWISE_COLUMNS: tuple[str, ...] = (
    "by", "pillar", "group_a", "group_b", *CORE_COLUMNS, "n_a", "n_b", "median_a", "median_b",
    "test", "statistic", "effect_size", "effect_type", "ci_method", "adjust_method",
    "estimable", "reason")
BENCHMARK_COLUMNS: tuple[str, ...] = (
    "by", "group", "pillar", "n", "estimate", "ci_low", "ci_high", "mean", "sd", "q1", "median",
    "q3", "ci_method", "estimable", "reason")
GAP_COLUMNS: tuple[str, ...] = (
    "rep_id", "by", "group", "pillar", "score", "benchmark", "gap", "top_pct", "group_n",
    "lag_rank", "estimable", "reason")
GROUP_GAP_COLUMNS: tuple[str, ...] = (
    "by", "group", "benchmark_by", "pillar", "n", "estimate", "ci_low", "ci_high", "mean_gap",
    "benchmark_groups", "lag_rank", "ci_method", "estimable", "reason")
JSON_FIELDS: tuple[str, ...] = ("pillar", "test", "statistic", "p_val", "p_adj", "effect_size",
                                "effect_type", "n_groups", "n", "estimable", "reason")
"""The fields of each entry of ``results.json``'s ``industry`` list, in this order."""


# ------------------------------------------------------------------ settings
@dataclass(frozen=True)
class ComparisonSettings:
    """Settings of the group comparisons (the defaults of every function in this module).

    Parameters
    ----------
    by : str
        The rep column whose groups are compared (``industry``, ``team``, ``region`` ...).
    min_n : int
        Groups with fewer reps (with a score) are reported and left out of the tests; at least 2.
    missing : {'unknown', 'exclude'}
        Reps with an empty ``by`` column form their own ``"unknown"`` group, or are excluded
        (and counted in :func:`group_sizes` and ``groups_excluded``).
    adjust : {'holm', 'bh', 'bonferroni', 'none'}
        Multiple-comparison adjustment of ``p_adj``.
    confidence : float
        Level of every interval.
    n_resamples : int
        Bootstrap resamples for the epsilon² and Cliff's delta intervals; 0 skips them
        (``ci_method`` then says so).
    seed : int
        Seed of every bootstrap (same seed, same intervals).

    Examples
    --------
    >>> ComparisonSettings(by="team", min_n=3).min_n
    3
    >>> ComparisonSettings.from_dict({"min_n": 1})
    Traceback (most recent call last):
    ...
    ssi_analysis.errors.SSIConfigError: settings: min_n must be a whole number of at least 2, got 1
      fix: a group needs at least 2 reps to be compared
    """

    by: str = "industry"
    min_n: int = 5
    missing: str = "unknown"
    adjust: str = "holm"
    confidence: float = CONFIDENCE
    n_resamples: int = 2000
    seed: int = 0

    def __post_init__(self) -> None:
        src = "settings"
        if not isinstance(self.by, str) or not self.by:
            raise SSIConfigError(f"by must be a column name, got {self.by!r}", file=src)
        if isinstance(self.min_n, bool) or not isinstance(self.min_n, int) or self.min_n < 2:
            raise SSIConfigError(f"min_n must be a whole number of at least 2, got {self.min_n!r}",
                                 file=src, fix="a group needs at least 2 reps to be compared")
        if self.missing not in MISSING_MODES:
            raise SSIConfigError(f"missing must be 'unknown' or 'exclude', got {self.missing!r}",
                                 file=src)
        if self.adjust not in ADJUST_METHODS:
            raise SSIConfigError(f"adjust must be one of {', '.join(ADJUST_METHODS)}, got "
                                 f"{self.adjust!r}", file=src)
        if isinstance(self.confidence, bool) or not isinstance(self.confidence, int | float) \
                or not 0 < self.confidence < 1:
            raise SSIConfigError(f"confidence must be between 0 and 1, got {self.confidence!r}",
                                 file=src, fix="e.g. 0.95")
        for name in ("n_resamples", "seed"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise SSIConfigError(f"{name} must be a whole number >= 0, got {v!r}", file=src)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "settings"
                  ) -> ComparisonSettings:
        """Build from plain data (e.g. a TOML table); unknown keys are errors."""
        allowed = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - allowed)
        if unknown:
            from ..config import _suggest

            raise SSIConfigError(f"unknown key(s) {', '.join(unknown)} in [industry]",
                                 file=source, fix=_suggest(unknown[0], allowed)
                                 + " Remove or rename the key.")
        try:
            return cls(**dict(data))
        except SSIConfigError as exc:
            raise SSIConfigError(exc.problem, file=source, fix=exc.fix) from None

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain data (for ``results.json``)."""
        return asdict(self)


def _p_adjust(p_values: Any, method: str) -> np.ndarray:
    """:func:`~ssi_analysis.stats.p_adjust` with the heap frozen during the call.

    statsmodels' Holm branch of ``multipletests`` calls ``gc.collect()`` every time, which
    takes 0.1–0.3 s in a process that has imported the scientific stack (a whole pairwise table
    makes one call per pillar). Freezing the heap makes that collection scan only objects
    created since; results are unchanged, and garbage is collected as usual afterwards.
    """
    gc.freeze()
    try:
        return p_adjust(p_values, method)
    finally:
        gc.unfreeze()


def _settings(**kw: Any) -> ComparisonSettings:
    return ComparisonSettings(**{k: v for k, v in kw.items() if v is not None})


# ------------------------------------------------------------------ joining groups
def attach_groups(data: pd.DataFrame, reps: pd.DataFrame | None = None, *, by: str = "industry",
                  missing: str = "unknown") -> pd.DataFrame:
    """A copy of ``data`` with the rep column ``by`` and a ``group`` label joined on ``rep_id``.

    Parameters
    ----------
    data : DataFrame, Scores or WeeklyScores
        Anything with ``rep_id`` (scores, a daily or weekly series; a result's ``.table``).
    reps : DataFrame, optional
        The reps table; not needed when ``data`` already has the ``by`` column.
    by : str
        The rep column to group by.
    missing : {'unknown', 'exclude'}
        ``group`` of reps with an empty ``by``: ``"unknown"``, or missing (NA) so that callers
        leave them out — and count them, as every function here does.

    Returns
    -------
    DataFrame
        ``data`` plus ``by`` (if it was not there) and ``group`` (text). Rows are never dropped.

    Examples
    --------
    >>> s = pd.DataFrame({"rep_id": ["a", "b", "c"], "ssi": [30.0, 40.0, 50.0]})
    >>> r = pd.DataFrame({"rep_id": ["a", "b", "c"], "industry": ["X", None, "X"]})
    >>> attach_groups(s, r)["group"].tolist()
    ['X', 'unknown', 'X']
    """
    data = table_of(data)
    if missing not in MISSING_MODES:
        raise SSIConfigError(f"missing must be 'unknown' or 'exclude', got {missing!r}")
    if "rep_id" not in data:
        raise SSIInputError("the scores need a rep_id column", column="rep_id",
                            fix="pass the output of ssi_analysis.score()")
    out = data.copy()
    if by not in out:
        if reps is None:
            raise SSIInputError(f"the scores have no '{by}' column and no reps table was given",
                                column=by, fix="pass reps=bundle.reps")
        if "rep_id" not in reps or by not in reps:
            cols = ", ".join(c for c in reps.columns if c != "rep_id")
            raise SSIInputError(f"the reps table has no '{by}' column (it has: {cols})",
                                file="reps", column=by, fix="choose by= one of the reps columns")
        info = reps.assign(rep_id=reps["rep_id"].astype(str)).drop_duplicates("rep_id")
        info = info.set_index("rep_id")[by]
        ids = out["rep_id"].astype(str)
        unknown_ids = pd.Index(ids.unique()).difference(info.index)
        if len(unknown_ids):
            raise SSIInputError(f"{len(unknown_ids)} rep_id(s) in the scores are not in reps, "
                                f"e.g. '{unknown_ids[0]}'", file="reps", column="rep_id",
                                fix="score with the same reps table (score(activity, reps))")
        out[by] = ids.map(info).to_numpy()
    label = out[by].astype(object)
    empty = label.isna() | (label.astype(str).str.strip() == "")
    label = label.where(empty, label.astype(str))
    out["group"] = label.where(~empty, UNKNOWN if missing == "unknown" else None)
    return out


def _check_scores(scores: pd.DataFrame, pillars: Sequence[str]) -> None:
    if "rep_id" not in scores:
        raise SSIInputError("the scores need a rep_id column", column="rep_id",
                            fix="pass the output of ssi_analysis.score()")
    missing = [p for p in pillars if p not in scores]
    if missing:
        raise SSIInputError(f"the scores have no column {', '.join(map(repr, missing))}",
                            column=missing[0], fix=f"compare some of: {', '.join(OUTCOMES)}")
    for p in pillars:
        if not pd.api.types.is_numeric_dtype(scores[p]):
            raise SSIInputError(f"column '{p}' is not numeric", column=p)
    dup = scores["rep_id"].astype(str).duplicated()
    if dup.any():
        first = scores["rep_id"].astype(str)[dup].iloc[0]
        raise SSIInputError(f"the scores have several rows for some reps (e.g. '{first}'): a "
                            "comparison needs one row per rep", column="rep_id",
                            fix="score as of one date (score(..., asof=DATE), not daily=True), "
                                "or filter the daily series to one date")


def _prepare(scores: pd.DataFrame, reps: pd.DataFrame | None, pillars: Sequence[str] | None,
             cfg: ComparisonSettings) -> tuple[pd.DataFrame, list[str], int]:
    scores = table_of(scores)
    pillars = list(OUTCOMES if pillars is None else pillars)
    _check_scores(scores, pillars)
    frame = attach_groups(scores, reps, by=cfg.by, missing=cfg.missing)
    n_no_group = int(frame["group"].isna().sum())
    return frame, pillars, n_no_group


def _sizes(frame: pd.DataFrame, pillar: str) -> pd.Series:
    valid = frame.loc[frame["group"].notna() & frame[pillar].notna()]
    return valid.groupby("group", sort=True).size()


def _excluded_text(sizes: pd.Series, min_n: int, n_no_group: int, by: str) -> str:
    parts = [f"{g} (n={k})" for g, k in sizes.items() if k < min_n]
    if n_no_group:
        parts.append(f"no {by} (n={n_no_group})")
    return ", ".join(parts)


# ------------------------------------------------------------------ group sizes
def group_sizes(scores: pd.DataFrame, reps: pd.DataFrame | None = None, *,
                by: str = "industry", pillar: str = "ssi", min_n: int | None = None,
                missing: str | None = None) -> pd.DataFrame:
    """How many reps each group has, and whether it takes part in the tests.

    Returns
    -------
    DataFrame
        ``by, group, n, included, reason``: one row per group (sorted), plus a row for reps
        without a ``by`` value when ``missing="exclude"`` (``group`` NA), plus a row for reps
        whose ``pillar`` score is missing. Its ``n`` adds up to the number of reps.

    Examples
    --------
    >>> s = pd.DataFrame({"rep_id": list("abcdefg"), "ssi": [1.0, 2, 3, 4, 5, 6, 7]})
    >>> r = pd.DataFrame({"rep_id": list("abcdefg"), "industry": list("XXXXXY") + [None]})
    >>> group_sizes(s, r, missing="exclude")[["group", "n", "included"]]
      group  n  included
    0     X  5      True
    1     Y  1     False
    2   NaN  1     False
    """
    cfg = _settings(by=by, min_n=min_n, missing=missing)
    frame, _, n_no_group = _prepare(scores, reps, [pillar], cfg)
    sizes = _sizes(frame, pillar)
    rows = [{"by": cfg.by, "group": g, "n": int(k), "included": bool(k >= cfg.min_n),
             "reason": "" if k >= cfg.min_n else
             f"fewer than min_n = {cfg.min_n} reps: reported, left out of the tests"}
            for g, k in sizes.items()]
    if n_no_group:
        rows.append({"by": cfg.by, "group": pd.NA, "n": n_no_group, "included": False,
                     "reason": f"no {cfg.by}: excluded as configured (missing='exclude')"})
    n_nan = int((frame["group"].notna() & frame[pillar].isna()).sum())
    if n_nan:
        rows.append({"by": cfg.by, "group": pd.NA, "n": n_nan, "included": False,
                     "reason": f"no {pillar} score: left out"})
    out = pd.DataFrame(rows, columns=["by", "group", "n", "included", "reason"])
    out["group"] = out["group"].astype(object)
    out["n"] = out["n"].astype(int)
    return out


# ------------------------------------------------------------------ omnibus tests
def epsilon_squared(h: float, n: int) -> float:
    """Rank epsilon² of Kruskal–Wallis: ``H (n + 1) / (n² − 1)`` (Tomczak & Tomczak 2014).

    >>> round(epsilon_squared(12.0, 61), 4)
    0.2
    """
    return float(h * (n + 1) / (n * n - 1))


def omega_squared_from_f(f: float, df1: float, n: int) -> float:
    """One-way omega² from an F statistic: ``df1 (F − 1) / (df1 (F − 1) + n)``, 0 if F < 1.

    For the classic F this equals ``(SS_between − df1 MS_within) / (SS_total + MS_within)``.

    >>> round(omega_squared_from_f(5.0, 4, 100), 4)
    0.1379
    """
    lam = df1 * (f - 1.0)
    return float(max(lam, 0.0) / (max(lam, 0.0) + n))


def _ci_text(how: str, cfg: ComparisonSettings) -> str:
    if how == "not estimable":
        return "bootstrap: not estimable (degenerate resamples)"
    return f"bootstrap {how} within groups ({cfg.n_resamples} resamples, seed {cfg.seed})"


def _kruskal_resampler(samples: list[np.ndarray]):
    """epsilon² of Kruskal–Wallis for resamples within groups, and its exact jackknife.

    The pooled values are sorted once; a resample's mid-ranks come from cumulative counts
    (:class:`~ssi_analysis.stats._bootstrap.SortedOnce`), its H from the groups' rank sums
    and the tie sizes with scipy's formula (so the numbers are scipy's), O(n) per resample.
    Leaving one rep out lowers the rank of every rep above it by 1 (by 1/2 if tied), so each
    group's rank sum without rep r is its sum minus how many of its reps lie above r: the
    leave-one-out values scipy's jackknife computes, from one search per group (O(k n log n)
    instead of n re-rankings).
    """
    values = np.concatenate(samples)
    sizes = [len(x) for x in samples]
    k, n = len(samples), len(values)
    group = np.repeat(np.arange(k), sizes)
    srt = SortedOnce(values)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), group[srt.order]] = 1.0

    def epsilon(rank_sums: np.ndarray, tie_sum: np.ndarray, n_g: Sequence[int], total: int
                ) -> np.ndarray:
        ties = 1 - tie_sum / (total ** 3 - total)
        ssbn = sum(rank_sums[..., g] ** 2 / n_g[g] for g in range(k))
        h = 12.0 / (total * (total + 1)) * ssbn - 3 * (total + 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return h / ties / (total - 1)

    def statistic(*idx: np.ndarray, axis: int = -1) -> np.ndarray:
        ws = resample_counts(np.concatenate(idx, axis=-1), n, positions=srt.inverse)
        c = ws.astype(float)
        r2, tie_sum = srt.twice_ranks(ws, (c * c * c - c).sum(axis=1))
        r2 *= ws
        return epsilon(column_products(r2, onehot) / 2, tie_sum, sizes, n)

    ranks = sps.rankdata(values)
    rank_sums = np.array([ranks[group == g].sum() for g in range(k)])
    tie_size = np.bincount(np.unique(values, return_inverse=True)[1])
    t_all = float(np.sum(tie_size.astype(float) ** 3 - tie_size))
    estimate = float(epsilon(rank_sums, np.float64(t_all), sizes, n))
    # leave row r out: A[r, g] = Σ_{q in g} φ(x_q − x_r) (φ = 1 above, 1/2 tied; r itself 1/2)
    above = np.empty((n, k))
    for g, x in enumerate(samples):
        sx = np.sort(x)
        right, left = np.searchsorted(sx, values, "right"), np.searchsorted(sx, values, "left")
        above[:, g] = (len(x) - right) + (right - left) / 2
    own = group[:, None] == np.arange(k)[None, :]
    sums = rank_sums[None, :] - above + own * (0.5 - ranks[:, None])
    t = tie_size[np.unique(values, return_inverse=True)[1]].astype(float)
    tie_loo = t_all - (t ** 3 - t) + ((t - 1) ** 3 - (t - 1))
    loo = np.empty(n)
    for g in range(k):              # rows of group g, sizes with one of g's reps left out
        rows = group == g
        n_g = [m - (j == g) for j, m in enumerate(sizes)]
        loo[rows] = epsilon(sums[rows], tie_loo[rows], n_g, n - 1)
    accel = jackknife_acceleration(*(loo[group == g] for g in range(k)))
    return statistic, estimate, float(accel)


def _kruskal_row(samples: list[np.ndarray], base: dict[str, Any],
                 cfg: ComparisonSettings) -> dict[str, Any]:
    n = int(sum(len(s) for s in samples))
    res = sps.kruskal(*samples)
    eps = epsilon_squared(res.statistic, n)
    if cfg.n_resamples:
        statistic, theta, accel = _kruskal_resampler(samples)
        offsets = np.cumsum([0, *(len(s) for s in samples)])
        data = [np.arange(offsets[g], offsets[g + 1], dtype=float) for g in range(len(samples))]
        (lo, hi, how), = bootstrap_intervals(
            data, statistic, estimate=theta, acceleration=accel, paired=False,
            n_resamples=cfg.n_resamples, confidence=cfg.confidence, seed=cfg.seed,
            cells=n)
        ci_method = _ci_text(how, cfg)
    else:
        lo = hi = float("nan")
        ci_method = "not computed (n_resamples = 0)"
    return {**base, "n": n, "estimate": eps, "ci_low": lo, "ci_high": hi,
            "p_val": float(res.pvalue), "statistic": float(res.statistic),
            "df": float(len(samples) - 1), "df_denom": float("nan"), "effect_size": eps,
            "ci_method": ci_method}


def _welch_row(samples: list[np.ndarray], names: list[str], base: dict[str, Any],
               cfg: ComparisonSettings) -> dict[str, Any]:
    n = int(sum(len(s) for s in samples))
    flat = [g for g, s in zip(names, samples, strict=True) if np.ptp(s) == 0]
    if flat:
        return not_estimable(
            f"no variance within {', '.join(flat)} (every rep scores the same): Welch's test "
            "weights each group by 1 / its variance", **base, n=n)
    res = anova_oneway(samples, use_var="unequal")
    f, df1, df2 = float(res.statistic), float(res.df_num), float(res.df_denom)
    omega2 = omega_squared_from_f(f, df1, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            nc = np.asarray(confint_noncentrality(f, (df1, df2), alpha=1 - cfg.confidence),
                            dtype=float)
            lo, hi = (float(v) for v in nc / (nc + n))
            ci_method = "noncentral F inversion at Welch's df (Steiger 2004), approximate"
        except (ValueError, RuntimeError, FloatingPointError):
            lo = hi = float("nan")
            ci_method = "noncentral F inversion failed"
    if not (np.isfinite(lo) and np.isfinite(hi)):
        lo = hi = float("nan")
        ci_method = "noncentral F inversion: not estimable"
    return {**base, "n": n, "estimate": omega2, "ci_low": lo, "ci_high": hi,
            "p_val": float(res.pvalue), "statistic": f, "df": df1, "df_denom": df2,
            "effect_size": omega2, "ci_method": ci_method}


def compare_groups(scores: pd.DataFrame, reps: pd.DataFrame | None = None, *,
                   by: str = "industry", pillars: Sequence[str] | None = None,
                   min_n: int | None = None, missing: str | None = None,
                   adjust: str | None = None, confidence: float | None = None,
                   n_resamples: int | None = None, seed: int | None = None) -> pd.DataFrame:
    """Do the groups differ on each pillar? Kruskal–Wallis and Welch's ANOVA with effect sizes.

    Parameters
    ----------
    scores : DataFrame
        One row per rep (``ssi_analysis.score(...)`` as of one date) with the pillar columns.
    reps : DataFrame, optional
        The reps table, joined on ``rep_id`` for the ``by`` column.
    by : str
        Any rep column: ``industry`` (default), ``team``, ``region`` ...
    pillars : sequence of str, optional
        Outcomes to compare; the four pillars and ``ssi`` by default. They form the family of
        the ``p_adj`` adjustment (per test).
    min_n, missing, adjust, confidence, n_resamples, seed
        See :class:`ComparisonSettings` (its values are the defaults).

    Returns
    -------
    DataFrame
        One row per (pillar, test) with :data:`OMNIBUS_COLUMNS`: ``estimate`` = ``effect_size``
        (epsilon² for ``kruskal_wallis``, omega² for ``welch_anova``) with its interval,
        ``statistic`` (H or Welch's F), ``df`` (k − 1), ``df_denom`` (Welch's denominator df;
        NA for Kruskal–Wallis, which has none), ``n`` (reps tested), ``n_groups`` (groups
        tested), ``groups_excluded`` (groups left out, with their n), ``n_missing`` (reps left
        out because their score is missing).

    See Also
    --------
    pairwise_groups : which pairs of groups differ, and by how much.
    group_sizes : the groups and their sizes.

    Examples
    --------
    >>> from ssi_analysis import score
    >>> from ssi_analysis.simulate import simulate
    >>> t, _ = simulate(100, seed=1, days=120)
    >>> s = score(t["activity"], t["reps"])
    >>> res = compare_groups(s, t["reps"], pillars=["brand"], n_resamples=0)
    >>> res[["test", "n", "statistic", "df", "df_denom", "estimate", "p_val"]].round(3)
                 test    n  statistic   df  df_denom  estimate  p_val
    0  kruskal_wallis  100      7.933  4.0       NaN     0.080  0.094
    1     welch_anova  100      2.251  4.0    44.093     0.048  0.079
    """
    cfg = _settings(by=by, min_n=min_n, missing=missing, adjust=adjust, confidence=confidence,
                    n_resamples=n_resamples, seed=seed)
    frame, pillars, n_no_group = _prepare(scores, reps, pillars, cfg)
    rows: list[dict[str, Any]] = []
    for pillar in pillars:
        sizes = _sizes(frame, pillar)
        included = [g for g, k in sizes.items() if k >= cfg.min_n]
        excluded = _excluded_text(sizes, cfg.min_n, n_no_group, cfg.by)
        n_missing = int((frame["group"].notna() & frame[pillar].isna()).sum())
        valid = frame.loc[frame["group"].isin(included) & frame[pillar].notna()]
        samples = [valid.loc[valid["group"] == g, pillar].to_numpy(dtype=float)
                   for g in included]
        n = int(sum(len(s) for s in samples))
        for test, etype in (("kruskal_wallis", "epsilon_squared"),
                            ("welch_anova", "omega_squared")):
            base = {"by": cfg.by, "pillar": pillar, "test": test, "effect_type": etype,
                    "adjust_method": cfg.adjust, "n_groups": len(included),
                    "groups_excluded": excluded, "n_missing": n_missing}
            if len(included) < 2:
                found = ", ".join(f"{g} (n={k})" for g, k in sizes.items()) or "none"
                rows.append(not_estimable(
                    f"needs at least 2 groups with at least min_n = {cfg.min_n} reps; "
                    f"{cfg.by} groups found: {found}", **base, n=n))
            elif np.ptp(np.concatenate(samples)) == 0:
                rows.append(not_estimable(
                    f"no variance: all {n} reps score {np.concatenate(samples)[0]:g} on {pillar}",
                    **base, n=n))
            elif test == "kruskal_wallis":
                rows.append(_kruskal_row(samples, base, cfg))
            else:
                rows.append(_welch_row(samples, included, base, cfg))
    out = results_table(rows, OMNIBUS_COLUMNS)
    for test in ("kruskal_wallis", "welch_anova"):
        sel = out["test"] == test
        out.loc[sel, "p_adj"] = _p_adjust(out.loc[sel, "p_val"], cfg.adjust)
    out["n_groups"] = out["n_groups"].astype(int)
    out["n_missing"] = out["n_missing"].astype(int)
    return out


# ------------------------------------------------------------------ pairwise
def cliffs_delta(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    """Cliff's delta ``2 U / (n_a n_b) − 1`` from Mann–Whitney's U of ``a`` (vectorised).

    >>> float(cliffs_delta(np.array([3.0, 4.0]), np.array([1.0, 2.0])))
    1.0
    """
    u = sps.mannwhitneyu(a, b, axis=axis, method="asymptotic").statistic
    return 2.0 * u / (a.shape[axis] * b.shape[axis]) - 1.0


def _cliffs_resampler(a: np.ndarray, b: np.ndarray):
    """Cliff's delta for resamples within both groups, and its exact jackknife.

    ``2 U`` of ``a`` is twice the resample's rank sum of ``a`` minus ``n_a (n_a + 1)``, with
    mid-ranks from cumulative counts over the pooled values sorted once (O(n) per resample;
    the same U as :func:`scipy.stats.mannwhitneyu`). Leaving ``a_i`` out removes the pairs it
    wins (``b`` below it, half the ties) from U; leaving ``b_j`` out, the pairs it loses: the
    values scipy's jackknife computes, from one search each.
    """
    na, nb = len(a), len(b)
    srt = SortedOnce(np.concatenate([a, b]))
    in_a = (srt.order < na).astype(np.int32)

    def statistic(ia: np.ndarray, ib: np.ndarray, axis: int = -1) -> np.ndarray:
        ws = resample_counts(np.concatenate([ia, ib], axis=-1), na + nb, positions=srt.inverse)
        r2, _ = srt.twice_ranks(ws)
        r2 *= ws
        two_u = np.einsum("ij,j->i", r2, in_a, dtype=np.int64) - na * (na + 1)
        return two_u / (na * nb) - 1.0

    sb, sa = np.sort(b), np.sort(a)
    wins_a = 2 * np.searchsorted(sb, a, "left") + (np.searchsorted(sb, a, "right")
                                                   - np.searchsorted(sb, a, "left"))
    loses_b = 2 * (na - np.searchsorted(sa, b, "right")) + (np.searchsorted(sa, b, "right")
                                                            - np.searchsorted(sa, b, "left"))
    two_u = float(wins_a.sum())
    estimate = two_u / (na * nb) - 1.0
    accel = jackknife_acceleration((two_u - wins_a) / ((na - 1) * nb) - 1.0,
                                   (two_u - loses_b) / (na * (nb - 1)) - 1.0)
    return statistic, estimate, float(accel)


def pairwise_groups(scores: pd.DataFrame, reps: pd.DataFrame | None = None, *,
                    by: str = "industry", pillars: Sequence[str] | None = None,
                    min_n: int | None = None, missing: str | None = None,
                    adjust: str | None = None, confidence: float | None = None,
                    n_resamples: int | None = None, seed: int | None = None) -> pd.DataFrame:
    """Which pairs of groups differ on each pillar: Mann–Whitney U with Cliff's delta.

    Every pair of groups appears (in alphabetical order, ``group_a < group_b``); pairs with a
    group of fewer than ``min_n`` reps are rows marked not estimable. ``p_adj`` is adjusted
    within each pillar's family of estimable pairs.

    Parameters
    ----------
    scores, reps, by, pillars, min_n, missing, adjust, confidence, n_resamples, seed
        As for :func:`compare_groups`.

    Returns
    -------
    DataFrame
        One row per (pillar, group_a, group_b) with :data:`PAIRWISE_COLUMNS`: ``estimate`` =
        Cliff's delta (positive: ``group_a`` tends to score higher) with its bootstrap
        interval, ``statistic`` = U of ``group_a``, ``n = n_a + n_b`` and both medians. A pillar
        with fewer than two groups gives one not-estimable row (``group_a`` and ``group_b``
        NA) saying so.

    Examples
    --------
    >>> from ssi_analysis import score
    >>> from ssi_analysis.simulate import simulate
    >>> t, _ = simulate(100, seed=1, days=120)
    >>> s = score(t["activity"], t["reps"])
    >>> pw = pairwise_groups(s, t["reps"], pillars=["insights"], n_resamples=0)
    >>> pw[["group_a", "group_b", "n", "estimate", "p_adj"]].head(3).round(3)
                  group_a                group_b   n  estimate  p_adj
    0  Financial Services             Healthcare  37     0.006  1.000
    1  Financial Services          Manufacturing  45     0.452  0.087
    2  Financial Services  Professional Services  41     0.019  1.000
    """
    cfg = _settings(by=by, min_n=min_n, missing=missing, adjust=adjust, confidence=confidence,
                    n_resamples=n_resamples, seed=seed)
    frame, pillars, _ = _prepare(scores, reps, pillars, cfg)
    out_parts = []
    for pillar in pillars:
        sizes = _sizes(frame, pillar)
        valid = frame.loc[frame["group"].notna() & frame[pillar].notna()]
        by_group = {g: valid.loc[valid["group"] == g, pillar].to_numpy(dtype=float)
                    for g in sizes.index}
        rows: list[dict[str, Any]] = []
        if len(sizes) < 2:
            found = ", ".join(f"{g} (n={k})" for g, k in sizes.items()) or "none"
            rows.append(not_estimable(f"fewer than 2 {cfg.by} groups ({found}): no pairs",
                                      by=cfg.by, pillar=pillar, group_a=pd.NA, group_b=pd.NA,
                                      test="mann_whitney", effect_type="cliffs_delta",
                                      adjust_method=cfg.adjust))
        for ga, gb in combinations(sizes.index, 2):
            a, b = by_group[ga], by_group[gb]
            base = {"by": cfg.by, "pillar": pillar, "group_a": ga, "group_b": gb,
                    "n": len(a) + len(b), "n_a": len(a), "n_b": len(b),
                    "median_a": float(np.median(a)), "median_b": float(np.median(b)),
                    "test": "mann_whitney", "effect_type": "cliffs_delta",
                    "adjust_method": cfg.adjust}
            small = [f"{g} has {len(x)} rep{'s' if len(x) != 1 else ''}"
                     for g, x in ((ga, a), (gb, b)) if len(x) < cfg.min_n]
            if small:
                rows.append(not_estimable(f"{' and '.join(small)} (fewer than min_n = "
                                          f"{cfg.min_n}): left out", **base))
                continue
            both = np.concatenate([a, b])
            if np.ptp(both) == 0:
                rows.append(not_estimable(f"no variance: all {len(both)} reps score "
                                          f"{both[0]:g} on {pillar}", **base))
                continue
            res = sps.mannwhitneyu(a, b, alternative="two-sided")
            delta = 2.0 * float(res.statistic) / (len(a) * len(b)) - 1.0
            if cfg.n_resamples:
                statistic, theta, accel = _cliffs_resampler(a, b)
                (lo, hi, how), = bootstrap_intervals(
                    (np.arange(len(a), dtype=float),
                     np.arange(len(a), len(a) + len(b), dtype=float)), statistic,
                    estimate=theta, acceleration=accel, paired=False,
                    n_resamples=cfg.n_resamples, confidence=cfg.confidence, seed=cfg.seed,
                    cells=len(a) + len(b))
                ci_method = _ci_text(how, cfg)
            else:
                lo = hi = float("nan")
                ci_method = "not computed (n_resamples = 0)"
            rows.append({**base, "estimate": delta, "ci_low": lo, "ci_high": hi,
                         "p_val": float(res.pvalue), "statistic": float(res.statistic),
                         "effect_size": delta, "ci_method": ci_method})
        part = results_table(rows, PAIRWISE_COLUMNS)
        part["p_adj"] = _p_adjust(part["p_val"], cfg.adjust)
        out_parts.append(part)
    out = pd.concat(out_parts, ignore_index=True) if out_parts else results_table(
        [], PAIRWISE_COLUMNS)
    for col in ("n_a", "n_b"):
        out[col] = pd.array(out[col], dtype="Int64")
    for col in ("group_a", "group_b"):
        out[col] = out[col].astype(object)
    return out


# ------------------------------------------------------------------ benchmarks and gaps
def _median_ci(x: np.ndarray, confidence: float) -> tuple[float, float]:
    """Distribution-free interval of the median from order statistics (scipy's quantile_test)."""
    ci = sps.quantile_test(x, q=float(np.median(x)), p=0.5).confidence_interval(confidence)
    lo, hi = float(ci.low), float(ci.high)
    return (lo, hi) if np.isfinite(lo) and np.isfinite(hi) else (float("nan"), float("nan"))


def benchmarks(scores: pd.DataFrame, reps: pd.DataFrame | None = None, *,
               by: str = "industry", pillars: Sequence[str] | None = None,
               min_n: int | None = None, missing: str | None = None,
               confidence: float | None = None) -> pd.DataFrame:
    """Per group and pillar: the median (with its interval), mean, SD and quartiles.

    The benchmarks LinkedIn shows as "industry average", as distributions. Groups with fewer
    than ``min_n`` reps are rows marked not estimable (a benchmark of two reps would mislead).

    Returns
    -------
    DataFrame
        One row per (group, pillar) with :data:`BENCHMARK_COLUMNS`: ``estimate`` = the median,
        ``ci_low, ci_high`` its distribution-free interval from order statistics
        (:func:`scipy.stats.quantile_test`; none below about 6 reps at 95%, with the reason),
        ``q1, q3`` the quartiles (linear interpolation, pandas' default). Reps without a group
        (``missing="exclude"``) are counted in not-estimable rows with ``group`` NA.
        Descriptive: no test, no p-value.

    Examples
    --------
    >>> from ssi_analysis import score
    >>> from ssi_analysis.simulate import simulate
    >>> t, _ = simulate(100, seed=1, days=120)
    >>> s = score(t["activity"], t["reps"])
    >>> bm = benchmarks(s, t["reps"], pillars=["ssi"])
    >>> bm[["group", "n", "estimate", "ci_low", "ci_high"]].round(1)
                       group   n  estimate  ci_low  ci_high
    0     Financial Services  20      37.0    29.3     43.8
    1             Healthcare  17      33.3    28.4     39.2
    2          Manufacturing  25      33.5    30.7     39.1
    3  Professional Services  21      39.0    26.8     42.7
    4               Software  17      38.7    31.3     52.7
    """
    cfg = _settings(by=by, min_n=min_n, missing=missing, confidence=confidence)
    frame, pillars, _ = _prepare(scores, reps, pillars, cfg)
    long = frame.loc[frame["group"].notna()].melt(id_vars=["group"], value_vars=pillars,
                                                  var_name="pillar", value_name="value")
    long = long.dropna(subset=["value"])
    g = long.groupby(["group", "pillar"], sort=False)["value"]
    stats = pd.DataFrame({"n": g.size(), "mean": g.mean(), "sd": g.std(), "median": g.median(),
                          "q1": g.quantile(0.25), "q3": g.quantile(0.75)})
    values = {key: grp.to_numpy(dtype=float) for key, grp in g}
    rows = []
    for (group, pillar), r in stats.iterrows():
        base = {"by": cfg.by, "group": group, "pillar": pillar, "n": int(r["n"])}
        if r["n"] < cfg.min_n:
            rows.append(not_estimable(f"only {int(r['n'])} rep(s) (fewer than min_n = "
                                      f"{cfg.min_n}): too few for a benchmark", **base,
                                      ci_method=""))
            continue
        lo, hi = _median_ci(values[(group, pillar)], cfg.confidence)
        ok = np.isfinite(lo)
        rows.append({**base, "estimate": r["median"], "ci_low": lo, "ci_high": hi,
                     "mean": r["mean"], "sd": r["sd"], "q1": r["q1"], "median": r["median"],
                     "q3": r["q3"],
                     "ci_method": "order statistics (distribution-free)" if ok else "none",
                     "reason": "" if ok else f"{int(r['n'])} reps are too few for a "
                     f"distribution-free {cfg.confidence:.0%} interval of the median"})
    n_no_group = int(frame["group"].isna().sum())
    if n_no_group:
        rows += [not_estimable(f"no {cfg.by}: excluded as configured (missing='exclude')",
                               by=cfg.by, group=pd.NA, pillar=p, n=n_no_group, ci_method="")
                 for p in pillars]
    out = results_table(rows, BENCHMARK_COLUMNS)
    order = {p: i for i, p in enumerate(pillars)}
    out = out.assign(_p=out["pillar"].map(order)).sort_values(["group", "_p"], kind="stable",
                                                              na_position="last")
    return out.drop(columns="_p").reset_index(drop=True)


def gaps_to_benchmark(scores: pd.DataFrame, reps: pd.DataFrame | None = None, *,
                      by: str = "industry", pillars: Sequence[str] | None = None,
                      min_n: int | None = None, missing: str | None = None) -> pd.DataFrame:
    """Each rep's gap to their group's median, per pillar: the "where do I lag" view.

    Returns
    -------
    DataFrame
        One row per (rep, pillar) with :data:`GAP_COLUMNS`: ``gap = score − benchmark`` in
        points (negative: below the group's median), ``top_pct`` the rep's LinkedIn-style
        "Top N%" in the group on that pillar (1 = best), ``group_n``, and ``lag_rank`` (1 =
        the pillar where the rep is furthest below, or least above, the benchmark; ranked over
        the four pillars, not SSI). Reps in a group too small for a benchmark, or without a
        group (``missing="exclude"``), are rows marked not estimable: every rep appears.

    Examples
    --------
    >>> from ssi_analysis import score
    >>> from ssi_analysis.simulate import simulate
    >>> t, _ = simulate(100, seed=1, days=120)
    >>> s = score(t["activity"], t["reps"])
    >>> g = gaps_to_benchmark(s, t["reps"])
    >>> len(g) == 5 * len(s)
    True
    >>> g.loc[g.rep_id == "R0001", ["pillar", "score", "benchmark", "gap", "lag_rank"]].round(1)
              pillar  score  benchmark   gap  lag_rank
    0          brand    8.5       11.7  -3.2         3
    1         people    6.7       11.7  -5.0         1
    2       insights    5.7        8.9  -3.2         4
    3  relationships    6.5       10.3  -3.8         2
    4            ssi   27.4       38.7 -11.3      <NA>
    """
    cfg = _settings(by=by, min_n=min_n, missing=missing)
    frame, pillars, _ = _prepare(scores, reps, pillars, cfg)
    bm = benchmarks(frame.drop(columns="group"), None, by=cfg.by, pillars=pillars,
                    min_n=cfg.min_n, missing=cfg.missing)
    long = frame.melt(id_vars=["rep_id", "group"], value_vars=pillars, var_name="pillar",
                      value_name="score")
    bm = bm.loc[bm["group"].notna()]
    long = long.merge(bm[["group", "pillar", "n", "estimate", "estimable", "reason"]]
                      .rename(columns={"n": "group_n", "estimate": "benchmark"}),
                      on=["group", "pillar"], how="left")
    long["by"] = cfg.by
    long["gap"] = long["score"] - long["benchmark"]
    ok = long["benchmark"].notna() & long["score"].notna()
    key = long["group"].astype(object).where(ok, None).astype(str) + "|" + long["pillar"]
    long["top_pct"] = np.where(ok, top_pct(long["score"].to_numpy(float), key.where(ok)), np.nan)
    reason = long["reason"].astype(object)
    reason = reason.where(long["group"].notna(), f"no {cfg.by}: excluded as configured")
    reason = reason.where(long["score"].notna() | long["group"].isna(), "no score")
    long["reason"] = reason.where(~ok, "").fillna("")
    long["estimable"] = ok
    in_rank = ok & long["pillar"].isin(PILLARS)
    rank = long["gap"].where(in_rank).groupby(long["rep_id"]).rank(method="first")
    long["lag_rank"] = pd.array(rank, dtype="Int64")
    long["group_n"] = pd.array(long["group_n"], dtype="Int64")
    order = {p: i for i, p in enumerate(pillars)}
    long = long.assign(_p=long["pillar"].map(order)).sort_values(["rep_id", "_p"],
                                                                 kind="stable")
    return long.reindex(columns=list(GAP_COLUMNS)).reset_index(drop=True)


def group_gaps(scores: pd.DataFrame, reps: pd.DataFrame, *, by: str = "team",
               benchmark: str = "industry", pillars: Sequence[str] | None = None,
               min_n: int | None = None, missing: str | None = None,
               confidence: float | None = None) -> pd.DataFrame:
    """What should a team work on? Its reps' median gap to their benchmark group, per pillar.

    Each rep is compared with the median of their own ``benchmark`` group (their industry, by
    default; :func:`gaps_to_benchmark`), then the gaps are summarised per ``by`` group (team),
    so a team spanning industries is judged fairly.

    Returns
    -------
    DataFrame
        One row per (group, pillar) with :data:`GROUP_GAP_COLUMNS`: ``estimate`` = the median
        gap in points with a distribution-free interval (order statistics), ``mean_gap``,
        ``benchmark_groups`` (the benchmark groups of its reps) and ``lag_rank`` (1 = the
        pillar that lags most, over the four pillars). Reps without a ``by`` group
        (``missing="exclude"``) are counted in not-estimable rows with ``group`` NA.
        Descriptive: no p-value (a team's reps are part of the median they are compared with).

    Examples
    --------
    >>> s = pd.DataFrame({"rep_id": list("abcdef"), "brand": [10.0, 12, 14, 8, 9, 13],
    ...                   "people": [5.0, 6, 7, 9, 8, 7]})
    >>> r = pd.DataFrame({"rep_id": list("abcdef"), "industry": ["X"] * 6,
    ...                   "team": ["A", "A", "A", "B", "B", "B"]})
    >>> tg = group_gaps(s, r, pillars=["brand", "people"], min_n=2)
    >>> tg[["group", "pillar", "n", "estimate", "lag_rank"]]
      group  pillar  n  estimate  lag_rank
    0     A   brand  3       1.0         2
    1     A  people  3      -1.0         1
    2     B   brand  3      -2.0         1
    3     B  people  3       1.0         2
    """
    cfg = _settings(by=by, min_n=min_n, missing=missing, confidence=confidence)
    gaps = gaps_to_benchmark(scores, reps, by=benchmark, pillars=pillars, min_n=cfg.min_n,
                             missing=cfg.missing)
    pillars = list(OUTCOMES if pillars is None else pillars)
    unit = attach_groups(gaps.drop(columns=["by", "group"]).rename(
        columns={"reason": "gap_reason"}), reps, by=cfg.by, missing=cfg.missing)
    bench_groups = gaps["group"]
    unit["benchmark_group"] = bench_groups.to_numpy()
    rows = []
    for (group, pillar), grp in unit.loc[unit["group"].notna()].groupby(["group", "pillar"],
                                                                        sort=True):
        x = grp.loc[grp["estimable"], "gap"].to_numpy(dtype=float)
        bgs = ", ".join(sorted(grp.loc[grp["estimable"], "benchmark_group"].astype(str).unique()))
        base = {"by": cfg.by, "group": group, "benchmark_by": benchmark, "pillar": pillar,
                "n": len(x), "benchmark_groups": bgs}
        if len(x) == 0:
            rows.append(not_estimable(f"none of its {len(grp)} reps has a {benchmark} benchmark",
                                      **base, ci_method=""))
            continue
        lo, hi = _median_ci(x, cfg.confidence)
        ok = np.isfinite(lo)
        dropped = len(grp) - len(x)
        notes = [] if ok else [f"{len(x)} reps are too few for a distribution-free interval"]
        if dropped:
            notes.append(f"{dropped} rep(s) without a {benchmark} benchmark left out")
        rows.append({**base, "estimate": float(np.median(x)), "ci_low": lo, "ci_high": hi,
                     "mean_gap": float(np.mean(x)),
                     "ci_method": "order statistics (distribution-free)" if ok else "none",
                     "reason": "; ".join(notes)})
    no_unit = unit.loc[unit["group"].isna()]
    if len(no_unit):
        n_out = int(no_unit["rep_id"].nunique())
        rows += [not_estimable(f"{n_out} rep(s) without {cfg.by}: excluded as configured",
                               by=cfg.by, group=pd.NA, benchmark_by=benchmark, pillar=p,
                               n=n_out, ci_method="") for p in pillars]
    out = results_table(rows, GROUP_GAP_COLUMNS)
    in_rank = out["estimable"] & out["pillar"].isin(PILLARS)
    rank = out["estimate"].where(in_rank).groupby(out["group"]).rank(method="first")
    out["lag_rank"] = pd.array(rank, dtype="Int64")
    order = {p: i for i, p in enumerate(pillars)}
    out = out.assign(_p=out["pillar"].map(order)).sort_values(["group", "_p"], kind="stable",
                                                              na_position="last")
    return out.drop(columns="_p").reset_index(drop=True)


# ------------------------------------------------------------------ results.json
def industry_results(scores: pd.DataFrame, reps: pd.DataFrame | None = None, *,
                     settings: ComparisonSettings | None = None
                     ) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """The ``industry`` list of ``results.json`` and the pairwise table for its CSV.

    Parameters
    ----------
    scores : DataFrame
        One row per rep, as of one date.
    reps : DataFrame, optional
        The reps table.
    settings : ComparisonSettings, optional
        ``by`` (industry by default), ``min_n``, ``missing``, ``adjust``... .

    Returns
    -------
    entries : list of dict
        One per (outcome, test), the four pillars and ``ssi`` with both tests, each with
        exactly :data:`JSON_FIELDS`; JSON-safe (plain Python numbers, NaN as None).
    pairwise : DataFrame
        :func:`pairwise_groups`'s table, ready for ``write_table(pairwise, path)``.

    Examples
    --------
    >>> import json
    >>> from ssi_analysis import score
    >>> from ssi_analysis.simulate import simulate
    >>> t, _ = simulate(100, seed=1, days=120)
    >>> s = score(t["activity"], t["reps"])
    >>> entries, pw = industry_results(s, t["reps"], settings=ComparisonSettings(n_resamples=0))
    >>> len(entries), list(entries[0])
    (10, ['pillar', 'test', 'statistic', 'p_val', 'p_adj', 'effect_size', 'effect_type', 'n_groups', 'n', 'estimable', 'reason'])
    >>> _ = json.dumps(entries, allow_nan=False)
    """
    cfg = settings or ComparisonSettings()
    kw = cfg.to_dict()
    omnibus = compare_groups(scores, reps, **kw)
    pairwise = pairwise_groups(scores, reps, **kw)
    return json_entries(omnibus), pairwise


def json_entries(omnibus: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of :func:`compare_groups`'s table as ``results.json`` entries (JSON-safe)."""
    return [{k: json_safe(row[k]) for k in JSON_FIELDS}
            for row in omnibus.to_dict(orient="records")]
