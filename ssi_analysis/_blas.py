"""One BLAS thread for the package's linear algebra.

The models here are tall and thin: thousands of rep-periods, a few dozen columns. On such
matrices a second BLAS thread buys nothing, and OpenBLAS's threads wait for work by spinning:
on a machine whose cores are busy (a laptop in a video call, a shared server, the report's
own notebook kernel) each small product then waits for a core. Measured on 2 cores under a
load of 4-5, ``analyze`` on 5,000 reps took 55 s with the default threads and 25 s with one
(``benchmarks/RESULTS.md``); the specification curve's least squares went from 17.9 s to
2.3 s. Results do not change: the same LAPACK routines run, on one thread.

:func:`one_blas_thread` limits the BLAS libraries loaded (numpy's and scipy's OpenBLAS, MKL,
BLIS: :mod:`threadpoolctl` finds them) for the duration of a call, and restores them after,
so an analyst's own code keeps its settings. Nested calls limit once. The public functions
that fit models or solve least squares carry it (``analyze``, ``build_report`` and the
model-fitting functions of :mod:`ssi_analysis.stats`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

F = TypeVar("F", bound=Callable)

_limited: ContextVar[bool] = ContextVar("ssi_analysis_one_blas_thread", default=False)


def one_blas_thread(func: F) -> F:
    """Decorate ``func`` to run with one BLAS thread (restored when it returns or raises).

    >>> @one_blas_thread
    ... def threads():
    ...     from threadpoolctl import threadpool_info
    ...     return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}
    >>> threads() <= {1}
    True
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if _limited.get():
            return func(*args, **kwargs)
        token = _limited.set(True)
        try:
            with _controller().limit(limits=1, user_api="blas"):
                return func(*args, **kwargs)
        finally:
            _limited.reset(token)

    return wrapper  # type: ignore[return-value]


@functools.cache
def _controller():
    """The BLAS libraries of numpy and scipy, found once (a search of the loaded libraries
    costs about a millisecond; limiting the ones found, microseconds)."""
    import scipy.linalg  # noqa: F401  (scipy's own OpenBLAS is found only once loaded)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()
