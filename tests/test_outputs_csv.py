"""The fast CSV writer writes what pandas writes, byte for byte."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssi_analysis.outputs import _write_csv_fast, float_text, write_table

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def pandas_csv(df: pd.DataFrame, path) -> bytes:
    """What write_table wrote before it had a fast path."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False, lineterminator="\n")
    return path.read_bytes()


@SETTINGS
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), max_size=50))
def test_float_text_is_pythons_repr(values):
    text = float_text(np.array(values, dtype=float))
    assert list(text) == [None if math.isnan(v) else repr(v) for v in values]


frames = st.integers(1, 30).flatmap(lambda n: st.fixed_dictionaries({
    "rep_id": st.lists(st.sampled_from(["R1", "R 2", "r3", "007", None, ""]), min_size=n,
                       max_size=n),
    "date": st.lists(st.datetimes(min_value=pd.Timestamp("1990-01-01").to_pydatetime(),
                                  max_value=pd.Timestamp("2040-01-01").to_pydatetime()),
                     min_size=n, max_size=n),
    "score": st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=n,
                      max_size=n),
    "rank": st.lists(st.sampled_from([100.0, 50.0, 100 / 3, np.nan, 1e-5, 12345678901.5]),
                     min_size=n, max_size=n),
    "row": st.lists(st.integers(-10**12, 10**12), min_size=n, max_size=n),
}))


@SETTINGS
@given(frames)
def test_fast_csv_equals_pandas_csv(tmp_path_factory, data):
    df = pd.DataFrame(data)
    df["date"] = pd.to_datetime(df["date"])
    tmp = tmp_path_factory.mktemp("csv")
    fast = tmp / "fast.csv"
    assert _write_csv_fast(df, str(fast))
    assert fast.read_bytes() == pandas_csv(df, tmp / "pandas.csv")


def test_text_that_needs_quotes_goes_the_pandas_way(tmp_path):
    df = pd.DataFrame({"rep_id": ["a,b", 'say "hi"'], "ssi": [1.0, 2.5]})
    assert not _write_csv_fast(df, str(tmp_path / "x.csv"))
    write_table(df, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == pandas_csv(df, tmp_path / "p.csv")


formula_frames = st.integers(1, 20).flatmap(lambda n: st.fixed_dictionaries({
    "rep_id": st.lists(st.sampled_from(["R1", "=1+1", "-5", "+x", "@SUM(A1)", "-", "007", None,
                                        "a=b", "-1,5"]), min_size=n, max_size=n),
    "ssi": st.lists(st.floats(allow_nan=True, width=64), min_size=n, max_size=n),
}))


@SETTINGS
@given(formula_frames)
def test_defused_fast_csv_equals_defused_pandas_csv(tmp_path_factory, data):
    from ssi_analysis.outputs import defuse_frame

    df = pd.DataFrame(data)
    tmp = tmp_path_factory.mktemp("csv")
    write_table(df, tmp / "fast.csv")
    assert (tmp / "fast.csv").read_bytes() == pandas_csv(defuse_frame(df), tmp / "pandas.csv")
    text = (tmp / "fast.csv").read_text().splitlines()[1:]
    assert not any(line.startswith(("=", "+", "@")) for line in text)
