"""Numeric options are checked when the command line is read: a bad value names its option and
what it takes, exit 2, before anything runs; every numeric option of every command is."""

from __future__ import annotations

import argparse
import contextlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssi_analysis.cli import build_parser, main, memory_size

REQUIRED = {"simulate": ["--out", "x"], "validate": ["--data", "x"],
            "score": ["--data", "x", "--out", "x.csv"], "outcomes": ["--data", "x", "--out",
                                                                     "x.csv"],
            "observed": ["--data", "x", "--out", "x.csv"],
            "analyze": ["--data", "x", "--out", "x"], "report": ["--data", "x", "--out",
                                                                 "x.pdf"]}


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def numeric_options() -> list[tuple[str, str, argparse.Action]]:
    """Every option of every command whose value is a number (or an amount of memory)."""
    return [(command, action.option_strings[-1], action)
            for command, sub in _subparsers().items() for action in sub._actions
            if action.type is not None and action.type is not str
            and action.option_strings]


def test_every_command_is_covered_and_no_number_is_read_unchecked():
    assert set(_subparsers()) == set(REQUIRED)
    found = numeric_options()
    assert {(c, o) for c, o, _ in found} >= {("simulate", "--reps"), ("simulate", "--seed"),
                                            ("simulate", "--days"), ("score", "--window"),
                                            ("score", "--memory-limit"), ("analyze", "--seed"),
                                            ("report", "--seed")}
    for command, option, action in found:       # a bare int() or float() names no range
        assert action.type not in (int, float), (command, option)


def parse(command: str, option: str, value: str):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            args = build_parser().parse_args([command, *REQUIRED[command], f"{option}={value}"])
        except SystemExit as exc:
            return None, exc.code, err.getvalue()
    return getattr(args, option.lstrip("-").replace("-", "_")), 0, ""


@settings(max_examples=300, deadline=None)
@given(case=st.sampled_from(numeric_options()),
       value=st.one_of(st.integers(-10**12, 10**12).map(str), st.text(max_size=12),
                       st.floats(allow_nan=True).map(str),
                       st.sampled_from(["", " ", "1e3", "0x10", "٣", "4GB", "50%", "-1GB",
                                        "101%", "0", "2", "91", "3660", "3661", "4294967296"])))
def test_any_value_is_taken_or_named(case, value):
    """Any text for any numeric option: a value in its range, or exit 2 with a message that
    names the option and what it takes."""
    command, option, action = case
    got, code, err = parse(command, option, value)
    if code:
        assert code == 2 and f"argument {option}: must be" in err and repr(value) in err
        assert "Traceback" not in err
    elif action.type is memory_size:
        assert isinstance(got, str) and got
    else:
        assert isinstance(got, int) and action.type.low <= got <= action.type.high
        assert got == int(value.strip())


@pytest.mark.parametrize("args, fragment", [
    (["simulate", "--out", "x", "--reps", "0"], "--reps: must be a whole number from 2"),
    (["simulate", "--out", "x", "--reps", "100000000"], "--reps: must be a whole number"),
    (["simulate", "--out", "x", "--days", "30"], "--days: must be a whole number from 91"),
    (["simulate", "--out", "x", "--seed", "-1"], "--seed: must be a whole number from 0"),
    (["score", "--data", "x", "--out", "x.csv", "--window", "0"], "--window: must be a whole"),
    (["score", "--data", "x", "--out", "x.csv", "--memory-limit", "abc"],
     "--memory-limit: must be an amount of memory"),
    (["analyze", "--data", "x", "--out", "x", "--seed", "1.5"], "--seed: must be a whole"),
    (["report", "--data", "x", "--out", "x.pdf", "--seed", "seven"], "--seed: must be"),
])
def test_bad_numbers_stop_before_anything_runs(args, fragment, capsys, tmp_path,
                                               monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
