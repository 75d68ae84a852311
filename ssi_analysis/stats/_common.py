"""Conventions every statistics function follows, and the helpers that keep them.

Tidy in, tidy out: a function takes a DataFrame plus column names (keyword-only) and returns a
results table with fixed snake_case columns, one row per estimate. The core columns, always
present and in this order where they apply:

``n, estimate, ci_low, ci_high, p_val, p_adj``

then what the row needs to be read on its own (``effect_size, effect_type, ci_method,
adjust_method, se_type`` ...), and ``estimable, reason``: a result that cannot be computed (too
few reps, no variance, an empty group) is a row with ``estimable = False`` and the reason in
words, never a silent NaN and never an exception for data that are merely thin.

Multiple comparisons: :func:`p_adjust` wraps statsmodels' ``multipletests`` (Holm by default,
Benjamini-Hochberg on request), skipping rows that have no p-value. Bootstrap intervals come
from :func:`scipy.stats.bootstrap`, seeded: :func:`bootstrap_ci` for any vectorised statistic
(its BCa re-evaluates the statistic once per unit left out, a cost that grows with n²), and
:func:`~ssi_analysis.stats._bootstrap.bootstrap_intervals` for the package's own statistics,
which it evaluates from resample counts with a closed-form BCa acceleration (the same
intervals, at team scale).

Examples
--------
>>> p_adjust([0.01, 0.04, np.nan, 0.03]).round(3).tolist()
[0.03, 0.06, nan, 0.06]
"""

from __future__ import annotations

import gc
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

CORE_COLUMNS: tuple[str, ...] = ("n", "estimate", "ci_low", "ci_high", "p_val", "p_adj")
"""The columns every results table has, in this order."""

ADJUST_METHODS: dict[str, str] = {"holm": "holm", "bh": "fdr_bh", "fdr_bh": "fdr_bh",
                                  "bonferroni": "bonferroni", "none": "none"}
"""Names accepted for ``adjust=``, mapped to statsmodels' ``multipletests`` methods."""

CONFIDENCE = 0.95
"""Confidence level of every interval unless a function is told otherwise."""


def p_adjust(p_values: Sequence[float] | np.ndarray | pd.Series, method: str = "holm"
             ) -> np.ndarray:
    """Adjust p-values for multiple comparisons, ignoring missing ones.

    Parameters
    ----------
    p_values : array-like
        Raw p-values; NaN entries (not estimable) stay NaN and do not count in the family.
    method : {'holm', 'bh', 'bonferroni', 'none'}
        Holm's step-down (controls the family-wise error rate, the default) or
        Benjamini-Hochberg (controls the false discovery rate).

    Returns
    -------
    ndarray
        Adjusted p-values, same length and order.
    """
    if method not in ADJUST_METHODS:
        raise ValueError(f"adjust must be one of {', '.join(ADJUST_METHODS)}, got {method!r}")
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if not ok.any():
        return out
    if ADJUST_METHODS[method] == "none":
        out[ok] = p[ok]
    else:
        # multipletests calls gc.collect(), slow in a process holding the scientific stack;
        # freezing the existing objects first keeps that collection cheap (same result)
        gc.freeze()
        try:
            out[ok] = multipletests(p[ok], method=ADJUST_METHODS[method])[1]
        finally:
            gc.unfreeze()
    return out


def bootstrap_ci(data: Sequence[np.ndarray], statistic: Callable[..., Any], *,
                 paired: bool = True, n_resamples: int = 2000, confidence: float = CONFIDENCE,
                 method: str = "BCa", seed: int = 0, batch: int | None = None
                 ) -> tuple[float, float, str]:
    """A seeded bootstrap confidence interval from :func:`scipy.stats.bootstrap`.

    Parameters
    ----------
    data : sequence of arrays
        The samples (one array per argument of ``statistic``).
    statistic : callable
        ``statistic(*samples, axis=-1)``, vectorised over ``axis``.
    paired : bool
        Resample rows jointly (e.g. the x and y of a correlation).
    n_resamples, confidence, seed
        Resamples, confidence level, and the seed of the generator (same seed, same interval).
    method : {'BCa', 'percentile', 'basic'}
        BCa by default; where BCa is undefined (a degenerate resample distribution) the
        percentile interval is returned and the third element says so.
    batch : int, optional
        Resamples per vectorised call of ``statistic`` (bounds memory on large data; the
        resamples drawn are the same).

    Returns
    -------
    (ci_low, ci_high, method_used)

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=200)
    >>> lo, hi, how = bootstrap_ci((x,), np.mean, seed=3)
    >>> bool(lo < x.mean() < hi), how
    (True, 'BCa')
    """
    arrays = tuple(np.asarray(d, dtype=float) for d in data)
    for attempt in dict.fromkeys((method, "percentile")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sps.bootstrap(arrays, statistic, paired=paired, n_resamples=n_resamples,
                                confidence_level=confidence, method=attempt, vectorized=True,
                                batch=batch, rng=np.random.default_rng(seed))
        lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
        if np.isfinite(lo) and np.isfinite(hi):
            return lo, hi, attempt
    return float("nan"), float("nan"), "not estimable"


def not_estimable(reason: str, **fields: Any) -> dict[str, Any]:
    """A results row that could not be computed: NaN numbers, ``estimable=False``, the reason."""
    row: dict[str, Any] = dict.fromkeys(CORE_COLUMNS, np.nan)
    row.update(fields)
    row["estimable"] = False
    row["reason"] = reason
    return row


def results_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """Rows as a DataFrame with exactly ``columns`` in that order (missing ones NaN).

    ``estimable`` defaults to True and ``reason`` to an empty string, so a reader can filter on
    them without handling missing values.
    """
    df = pd.DataFrame(list(rows), columns=list(columns))
    if "estimable" in df:
        df["estimable"] = df["estimable"].astype(object).where(df["estimable"].notna(), True)
        df["estimable"] = df["estimable"].astype(bool)
    if "reason" in df:
        df["reason"] = df["reason"].astype(object).where(df["reason"].notna(), "")
    # counts stay whole numbers (a missing count must not turn '300' into '300.0')
    for col in df.columns:
        if (col == "n" or str(col).startswith("n_")) and (
                pd.api.types.is_numeric_dtype(df[col]) or df[col].isna().all()):
            values = pd.to_numeric(df[col], errors="coerce")
            whole = values.dropna()
            if (whole == np.round(whole)).all():
                df[col] = pd.array(values.round(), dtype="Int64")
    return df


def json_safe(obj: Any) -> Any:
    """Plain JSON data from results: NaN, NA and NaT as None, numpy scalars as Python numbers,
    dates as ``YYYY-MM-DD``, dict keys as text (for ``results.json``).

    >>> json_safe({"r": np.float64("nan"), "n": np.int64(3)})
    {'r': None, 'n': 3}
    """
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if obj is None or obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return None if not math.isfinite(float(obj)) else float(obj)
    if isinstance(obj, pd.Timestamp):
        return obj.strftime("%Y-%m-%d")
    return obj if isinstance(obj, str) else str(obj)
