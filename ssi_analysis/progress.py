"""A progress bar for long jobs: on the terminal only, quiet in CI and in logs.

A job is a few named steps (load, score, write); the bar shows which step runs, how far the
job is and the time so far, redrawn on one line of standard error a few times a second. It
draws only when standard error is a terminal and the environment variable ``CI`` is not set
(``CI=true`` is what CI services set), so logs, notebooks and pipes stay clean.

Examples
--------
>>> with Progress(["load", "score"], enabled=False) as bar:
...     bar.step("load")
...     bar.step("score")
...     bar.fraction = 0.5
>>> bar.done
True
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Sequence
from typing import TextIO

_WIDTH = 24


def progress_enabled(stream: TextIO | None = None) -> bool:
    """Whether to draw: ``stream`` (default standard error) is a terminal and ``CI`` is unset."""
    stream = stream if stream is not None else sys.stderr
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """A one-line progress bar over named steps.

    Parameters
    ----------
    steps : sequence of str
        The job's steps, in order; :meth:`step` starts each.
    enabled : bool, optional
        Draw or not; default :func:`progress_enabled`.
    stream : file, optional
        Where to draw; default standard error.

    Set :attr:`fraction` (0..1) within a step when the step can tell how far it is (a DuckDB
    query reports its progress); the bar counts finished steps plus that fraction.
    """

    def __init__(self, steps: Sequence[str], *, enabled: bool | None = None,
                 stream: TextIO | None = None):
        self.steps = list(steps)
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = progress_enabled(self.stream) if enabled is None else enabled
        self.current = -1
        self.fraction = 0.0
        self.done = False
        self._start = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Progress:
        if self.enabled:
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def step(self, name: str) -> None:
        """Start the step ``name`` (one of :attr:`steps`)."""
        self.current = self.steps.index(name)
        self.fraction = 0.0
        self._draw()

    def close(self) -> None:
        """Stop drawing and clear the line."""
        self.done = True
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self.enabled:
            self.stream.write("\r" + " " * (_WIDTH + 60) + "\r")
            self.stream.flush()

    def line(self) -> str:
        """The text drawn: bar, share done, step and elapsed time."""
        n = max(len(self.steps), 1)
        share = (max(self.current, 0) + min(max(self.fraction, 0.0), 1.0)) / n
        filled = int(round(share * _WIDTH))
        name = self.steps[self.current] if 0 <= self.current < len(self.steps) else ""
        elapsed = time.monotonic() - self._start
        return (f"[{'#' * filled}{'-' * (_WIDTH - filled)}] {share:4.0%} "
                f"{name} ({elapsed:.0f} s)")

    def _draw(self) -> None:
        if self.enabled and not self.done:
            self.stream.write("\r" + self.line().ljust(_WIDTH + 40))
            self.stream.flush()

    def _tick(self) -> None:
        while not self._stop.wait(0.25):
            self._draw()
