"""One BLAS thread inside the package's model fitting, the caller's setting restored after."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from ssi_analysis._blas import one_blas_thread
from ssi_analysis.stats import adjusted_fits, cr2_test


def _blas_threads() -> set[int]:
    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


@pytest.fixture
def two_threads():
    """The caller's setting: two BLAS threads (skips where BLAS has one thread only)."""
    with threadpool_limits(limits=2, user_api="blas"):
        if _blas_threads() != {2}:
            pytest.skip("this BLAS cannot run two threads here")
        yield


def test_calls_run_on_one_thread_and_restore_the_callers_setting(two_threads):
    seen = []

    @one_blas_thread
    def inner():
        seen.append(_blas_threads())

    @one_blas_thread
    def outer():
        inner()
        seen.append(_blas_threads())
        raise ValueError("raised inside")

    with pytest.raises(ValueError, match="raised inside"):
        outer()
    assert seen == [{1}, {1}]
    assert _blas_threads() == {2}                  # restored, also after an exception


def test_the_public_fitting_functions_carry_it_and_keep_their_docs():
    for f in (adjusted_fits, cr2_test):
        assert f.__wrapped__.__doc__ == f.__doc__ and f.__module__.startswith("ssi_analysis.")


def test_one_thread_gives_the_same_estimates(two_threads):
    """The CR2 test of a planted slope: the same numbers on one thread as on two (to 1e-12)."""
    rng = np.random.default_rng(3)
    n = 600
    x = np.column_stack([np.ones(n), rng.normal(size=(n, 8))])
    y = x @ np.linspace(0.5, -0.5, 9) + rng.normal(size=n)
    groups = np.repeat(np.arange(200), 3)
    one = cr2_test(x, y, groups, terms=[1])
    two = cr2_test.__wrapped__(x, y, groups, terms=[1])   # under the caller's two threads
    np.testing.assert_allclose([one.estimate[0], one.se[0], one.df[0]],
                               [two.estimate[0], two.se[0], two.df[0]], rtol=1e-12)
    assert abs(one.estimate[0] - 0.5 * 3 / 4) < 4 * one.se[0]    # the planted slope 0.375
