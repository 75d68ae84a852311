"""The progress bar draws on a terminal only, never in CI or a log."""

from __future__ import annotations

import io

import pytest

from ssi_analysis.progress import Progress, progress_enabled


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("ci, tty, expected", [
    (None, True, True), ("true", True, False), ("1", True, False), (None, False, False),
    ("false", True, True),
])
def test_drawn_only_on_a_terminal_outside_ci(monkeypatch, ci, tty, expected):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    stream = Terminal() if tty else io.StringIO()
    assert progress_enabled(stream) is expected


def test_the_bar_shows_the_step_and_clears_its_line(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    stream = Terminal()
    with Progress(["loading", "scoring"], stream=stream) as bar:
        bar.step("scoring")
        bar.fraction = 0.5
        assert "75%" in bar.line() and "scoring" in bar.line()
    text = stream.getvalue()
    assert "scoring" in text and text.endswith("\r")
    quiet = io.StringIO()
    with Progress(["loading"], stream=quiet) as bar:
        bar.step("loading")
    assert quiet.getvalue() == ""
