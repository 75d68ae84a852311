"""Cluster-robust errors that hold with few clusters: CR2 with Bell–McCaffrey degrees of freedom.

The usual cluster-robust variance (CR1, statsmodels' ``cov_type="cluster"``) is too small when
there are few clusters, and a t test with ``G - 1`` degrees of freedom does not make up for it
when clusters differ in size or the regressor varies mostly between them: with 25 teams, a
null SSI effect was "found" at about twice the nominal rate. The bias-reduced linearisation
estimator (CR2; Bell & McCaffrey 2002) adjusts each cluster's residuals by
``(I - H_gg)^(-1/2)`` (``H_gg`` the cluster's block of the hat matrix), which makes the variance
unbiased when the errors are independent and homoskedastic, and the Satterthwaite degrees of
freedom of Bell & McCaffrey (as extended by Pustejovsky & Tipton 2018, *JBES* 36:672) give the
t reference distribution. This is what R's ``clubSandwich::coef_test(fit, vcov = "CR2",
test = "Satterthwaite")`` reports for an ``lm`` fit (working model: the identity).

statsmodels has no CR2 and no Satterthwaite degrees of freedom for cluster-robust errors, and
the maintained Python wild cluster bootstrap (``wildboottest``) gives p-values only, no
confidence intervals; hence this module. With one observation per cluster CR2 is HC2, and for a
two-group comparison of cluster means it is Welch's variance with the equal-variance
Welch–Satterthwaite degrees of freedom: the tests check both.

Cost: one thin SVD per cluster (batched over clusters of the same size), ``O(n p^2)``, and the
degrees of freedom in ``O(G p^2)`` without forming the ``G x G`` matrix they come from.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> groups = np.repeat(np.arange(8), 5)
>>> X = np.column_stack([np.ones(40), rng.normal(size=40)])
>>> y = X @ [1.0, 0.5] + rng.normal(size=8)[groups] + rng.normal(size=40)
>>> res = cr2_test(X, y, groups, terms=[1])
>>> bool(res.ci_low[0] < 0.5 < res.ci_high[0]), bool(res.df[0] < 7)
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from .._blas import one_blas_thread

_TOL = 1e-10


@dataclass(frozen=True)
class CR2Design:
    """What CR2 needs from a design and its clusters, computed once for any outcome.

    The adjusted weights ``w`` (one column per tested coefficient) make the CR2 variance of
    coefficient ``j`` the sum over clusters of ``(sum_i w_ij e_i)^2``; the degrees of freedom
    depend on the design only. Build with :meth:`from_exog`; apply with :meth:`test`.
    """

    weights: np.ndarray        # n x k
    codes: np.ndarray          # n: cluster code 0..G-1
    n_clusters: int
    df: np.ndarray             # k: Bell-McCaffrey / Satterthwaite degrees of freedom
    pinv: np.ndarray           # (X'X)^+, p x p
    terms: tuple[int, ...]

    @classmethod
    def from_exog(cls, exog: np.ndarray, groups: Sequence | np.ndarray,
                  terms: Sequence[int]) -> CR2Design:
        """Prepare CR2 for the columns ``terms`` of the design matrix ``exog``.

        Parameters
        ----------
        exog : array, n x p
            The regressors (with the intercept column).
        groups : array-like, length n
            Cluster labels; one label per row makes CR2 the HC2 estimator.
        terms : sequence of int
            Column positions of the coefficients to test.
        """
        X = np.asarray(exog, dtype=float)
        n, p = X.shape
        codes, uniques = pd.factorize(pd.Series(np.asarray(groups)), sort=False)
        if (codes < 0).any():
            raise ValueError("cluster labels must not be missing")
        G = len(uniques)
        M = np.linalg.pinv(X.T @ X)
        # M = L L' (symmetric square root), so H_gg = F_g F_g' with F_g = X_g L
        vals, vecs = np.linalg.eigh(M)
        L = vecs * np.sqrt(np.clip(vals, 0, None))
        F = X @ L
        C = np.zeros((p, len(terms)))
        C[list(terms), np.arange(len(terms))] = 1.0
        base = X @ (M @ C)                              # n x k: X_g M c for every row
        W = base.copy()
        sizes = np.bincount(codes, minlength=G)
        order = np.lexsort((np.arange(n), codes))       # rows grouped by cluster, stable
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        for size in np.unique(sizes):
            which = np.flatnonzero(sizes == size)       # clusters of this size
            idx = order[starts[which][:, None] + np.arange(size)[None, :]]   # m_s x size
            Q, s, _ = np.linalg.svd(F[idx], full_matrices=False)  # H_gg = Q diag(s^2) Q'
            rest = 1.0 - s ** 2
            # (I - H_gg)^(-1/2) = I + Q diag(rest^(-1/2) - 1) Q'; a direction with leverage 1
            # (a cluster the design fits exactly) gets weight 0, as a generalised inverse does
            scale = np.where(rest > _TOL, 1.0 / np.sqrt(np.where(rest > _TOL, rest, 1.0)),
                             0.0) - 1.0
            a = base[idx]                                          # m_s x size x k
            proj = np.einsum("gsr,gsk->grk", Q, a)
            W[idx] = a + np.einsum("gsr,grk->gsk", Q, scale[:, :, None] * proj)
        # degrees of freedom: nu = tr(B)^2 / tr(B^2), B = diag(|w_g|^2) - U' M U with
        # u_g = X_g' w_g (Pustejovsky & Tipton 2018, working model: the identity)
        df = np.empty(len(terms))
        for k in range(len(terms)):
            w = W[:, k]
            d = np.bincount(codes, weights=w * w, minlength=G)            # G
            U = np.zeros((G, p))
            np.add.at(U, codes, X * w[:, None])                           # G x p
            Z = U @ L                                                     # rows: L' u_g
            z2 = np.einsum("gp,gp->g", Z, Z)
            trace = d.sum() - z2.sum()
            ZtZ = Z.T @ Z
            trace_sq = (d ** 2).sum() - 2.0 * (d * z2).sum() + float(np.sum(ZtZ * ZtZ))
            df[k] = trace ** 2 / trace_sq if trace_sq > 0 else np.nan
        return cls(weights=W, codes=codes, n_clusters=G, df=df, pinv=M, terms=tuple(terms))

    def variance(self, resid: np.ndarray) -> np.ndarray:
        """CR2 variances of the tested coefficients, given the OLS residuals."""
        e = np.asarray(resid, dtype=float)
        sums = np.zeros((self.n_clusters, self.weights.shape[1]))
        np.add.at(sums, self.codes, self.weights * e[:, None])
        return (sums ** 2).sum(axis=0)

    def test(self, params: np.ndarray, resid: np.ndarray, *, confidence: float = 0.95
             ) -> CR2Result:
        """t tests and confidence intervals of the tested coefficients."""
        est = np.asarray(params, dtype=float)[list(self.terms)]
        se = np.sqrt(self.variance(resid))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = est / se
            p = 2.0 * sps.t.sf(np.abs(t), self.df)
            q = sps.t.ppf(0.5 + confidence / 2.0, self.df)
        return CR2Result(estimate=est, se=se, df=self.df.copy(), t=t, p_val=p,
                         ci_low=est - q * se, ci_high=est + q * se,
                         n_clusters=self.n_clusters)


@dataclass(frozen=True)
class CR2Result:
    """Per tested coefficient: estimate, CR2 standard error, Satterthwaite df, t, p, CI."""

    estimate: np.ndarray
    se: np.ndarray
    df: np.ndarray
    t: np.ndarray
    p_val: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n_clusters: int


@one_blas_thread
def cr2_test(exog: np.ndarray, endog: np.ndarray, groups: Sequence | np.ndarray, *,
             terms: Sequence[int], confidence: float = 0.95) -> CR2Result:
    """OLS of ``endog`` on ``exog`` (least squares by numpy), CR2 t tests of ``terms``.

    Parameters
    ----------
    exog : array, n x p
    endog : array, n
    groups : array-like, n
        Cluster labels.
    terms : sequence of int
        Columns of ``exog`` to test.
    confidence : float

    Returns
    -------
    CR2Result
    """
    X = np.asarray(exog, dtype=float)
    y = np.asarray(endog, dtype=float)
    design = CR2Design.from_exog(X, groups, terms)
    params = design.pinv @ (X.T @ y)
    return design.test(params, y - X @ params, confidence=confidence)
