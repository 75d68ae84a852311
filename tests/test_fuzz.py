"""Fuzzing: messy files and frames never crash the loader or the scorer.

Hypothesis writes random CSV text (column names in any case and order, unknown and missing
columns, numbers in several locales, dates in several formats, missing tokens, unicode, very
long cells, any delimiter and encoding, broken quoting) and random frames (Parquet and Excel,
cells of mixed types) into a data folder, and loads and scores it. The only exceptions allowed
are the toolkit's own documented ones (:mod:`ssi_analysis.errors`); when loading succeeds every
table reconciles (rows read = used + rejected) and the scores are within their ranges.

The run is bounded for CI (a few dozen examples each, derandomised so CI runs are repeatable);
``HYPOTHESIS_PROFILE=long`` (registered in conftest.py) fuzzes with a thousand random examples
each::

    HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import csv
import io
import os
import string
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssi_analysis import load_data, score
from ssi_analysis.config import config_from_dict, default_config
from ssi_analysis.crm import mapping_from_dict
from ssi_analysis.errors import SSIConfigError, SSIError
from ssi_analysis.schemas import METRICS

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
FUZZ = settings(max_examples=1000 if LONG else 30, deadline=None, derandomize=not LONG,
                suppress_health_check=list(HealthCheck), database=None)

IDS = ["R001", "r001", " R002 ", "007", "7", "", "N/A", "Zoë", "R-3"]
METRIC_NAMES = [*sorted(METRICS)[:6], "Posts", "people searches", "POST", "likes ", "foo", ""]
NUMBERS = ["1", "0", "-1", "2.5", "2,5", "1.234,5", "1,234.5", "20.998", "1e3", "1e12", "inf",
           "-inf", "nan", "1 234", "(5)", "$5", "½", "0x1F", "१२"]
DATES = ["2026-01-05", "05/01/2026", "01/25/2026", "25.01.2026", "2026-01-05T23:30:00+02:00",
         "2026-1-5", "Jan 5 2026", "2099-01-01", "1900-01-01", "20260105", "45678",
         "2026-02-30", "9999-12-31", "0001-01-01"]
MISSING = ["", "N/A", "-", "null", "None", "NaN", "?", "#N/A"]


def variants(name: str) -> st.SearchStrategy[str]:
    """A column name as exports write it (case, spaces, hyphens, a BOM), or a typo."""
    return st.sampled_from([name, name.upper(), name.replace("_", " ").title(),
                            name.replace("_", "-"), f" {name} ", "\ufeff" + name, name[:-1],
                            name + "s"])


cells = st.one_of(st.sampled_from(IDS), st.sampled_from(METRIC_NAMES), st.sampled_from(NUMBERS),
                  st.sampled_from(DATES), st.sampled_from(MISSING),
                  st.text(max_size=12), st.text(min_size=300, max_size=600),
                  st.floats(allow_nan=True, allow_infinity=True).map(repr),
                  st.integers(-10**15, 10**15).map(str),
                  st.text(alphabet=",;\t|\"'\n\r", max_size=4))


@st.composite
def table_text(draw, columns: list[str], *, min_rows: int = 0) -> tuple[str, str]:
    """CSV text for a table: a random subset and order of ``columns`` (as exports name them)
    and junk columns, random cells; a random delimiter, quoting and line ends."""
    chosen = draw(st.lists(st.sampled_from(columns), unique=True, min_size=0,
                           max_size=len(columns)))
    if draw(st.booleans()):
        chosen = [c for c in columns if c not in chosen] + chosen   # usually all of them
    names = [draw(variants(c)) for c in chosen] + draw(st.lists(st.text(max_size=8),
                                                                max_size=2))
    n = draw(st.integers(min_rows, 12))
    body = [[draw(cells) for _ in names] for _ in range(n)]
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    out = io.StringIO()
    if draw(st.booleans()):
        csv.writer(out, delimiter=sep, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))
                   ).writerows([names, *body])
    else:                                                    # no quoting: rows may break
        out.write("\n".join(sep.join(row) for row in [names, *body]) + "\n")
    return out.getvalue(), draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "cp1252"]))


REPS_COLUMNS = ["rep_id", "team", "industry", "region", "tenure_months", "hire_date",
                "manager_id", "rep_name"]
LONG_COLUMNS = ["rep_id", "date", "metric", "value"]
WIDE_COLUMNS = ["rep_id", "date", "posts", "people_searches", "comments",
                "colleague_connections", "profile_completeness"]
OUTCOME_COLUMNS = ["rep_id", "period_start", "period_end", "quota", "bookings",
                   "opportunities", "deals_won"]
OBSERVED_COLUMNS = ["rep_id", "date", "ssi", "brand", "people", "insights", "relationships"]


def write(folder: Path, name: str, text: str, encoding: str) -> None:
    (folder / f"{name}.csv").write_bytes(text.encode(encoding, errors="replace"))


def check_bundle(bundle) -> None:
    """What must hold whenever loading succeeds, and scoring when it does too."""
    for t in bundle.quality.tables.values():
        assert t.rows_read == t.rows_used + t.rows_rejected
        assert 0 <= t.rows_flagged <= t.rows_used
    assert len(bundle.quality.rejects) == sum(t.rows_rejected for t in
                                              bundle.quality.tables.values())
    act = bundle.activity
    assert act["value"].notna().all() and np.isfinite(act["value"]).all()
    assert act["rep_id"].isin(set(bundle.reps["rep_id"])).all()
    try:
        scores = score(bundle.activity, bundle.reps).table
    except SSIError:
        return
    assert len(scores) == bundle.reps["rep_id"].nunique()
    assert scores["ssi"].between(0, 100).all()


def run(folder: Path) -> None:
    try:
        bundle = load_data(folder)
    except SSIError:
        return
    check_bundle(bundle)


@FUZZ
@given(table_text(REPS_COLUMNS), table_text(LONG_COLUMNS), st.booleans())
def test_messy_long_activity_and_reps(reps, activity, valid_reps):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if valid_reps:   # a sound reps table, so the activity's own problems are reached
            (folder / "reps.csv").write_text("rep_id,team\nR001,T1\nR002,T1\n007,T2\n")
        else:
            write(folder, "reps", *reps)
        write(folder, "activity", *activity)
        run(folder)


@FUZZ
@given(table_text(WIDE_COLUMNS), table_text(OUTCOME_COLUMNS), table_text(OBSERVED_COLUMNS))
def test_messy_wide_activity_outcomes_and_snapshots(activity, outcomes, observed):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "reps.csv").write_text("rep_id,team\nR001,T1\nR002,T1\n007,T2\n")
        write(folder, "activity", *activity)
        write(folder, "outcomes", *outcomes)
        write(folder, "ssi_observed", *observed)
        run(folder)


mixed = st.one_of(st.none(), st.integers(-10**6, 10**6), st.floats(allow_nan=True,
                                                                    allow_infinity=True),
                  st.text(max_size=10), st.sampled_from(DATES + IDS + METRIC_NAMES),
                  st.booleans(), st.datetimes().map(pd.Timestamp))


@FUZZ
@given(st.lists(st.tuples(mixed, mixed, mixed, mixed), min_size=1, max_size=15),
       st.sampled_from(["parquet", "xlsx"]), st.booleans())
def test_messy_frames_in_parquet_and_excel(rows, fmt, as_text):
    frame = pd.DataFrame(rows, columns=["rep_id", "date", "metric", "value"])
    if as_text:
        frame = frame.astype(str)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "reps.csv").write_text("rep_id,team\nR001,T1\nR002,T1\n007,T2\n")
        try:
            if fmt == "parquet":
                frame.to_parquet(folder / "activity.parquet")
            else:
                frame.to_excel(folder / "activity.xlsx", index=False)
        except Exception:            # a frame the writer itself cannot store: not our input
            frame.astype(str).to_parquet(folder / "activity.parquet")
        run(folder)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["R001", "R002", "X"]),
                          st.datetimes(min_value=pd.Timestamp("2020-01-01").to_pydatetime(),
                                       max_value=pd.Timestamp("2027-01-01").to_pydatetime()),
                          st.sampled_from(sorted(METRICS)),
                          st.floats(min_value=0, max_value=1e7)), min_size=1, max_size=30),
       st.sampled_from([None, "2026-01-01", "1999-01-01", "soon"]), st.booleans(),
       st.sampled_from(["absolute", "relative"]))
def test_score_on_any_activity_frame(rows, asof, daily, mode):
    act = pd.DataFrame(rows, columns=["rep_id", "date", "metric", "value"])
    reps = pd.DataFrame({"rep_id": ["R001", "R002", "X", "Y"],
                         "industry": ["a", "a", None, "b"], "team": ["t", "u", "t", None]})
    act.loc[act.metric == "profile_completeness", "value"] = act["value"].clip(0, 1)
    try:
        s = score(act, reps, asof=None if daily else asof, daily=daily and len(act) < 20,
                  mode=mode).table
    except SSIError:
        return
    assert s["ssi"].between(0, 100).all() and set(s.rep_id) == {"R001", "R002", "X", "Y"}


toml_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6),
                                     st.floats(allow_nan=True), st.text(max_size=8)),
                           lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(st.text(max_size=6), inner,
                                                                   max_size=3)), max_leaves=6)
config_keys = st.sampled_from(["scoring", "metrics", "analysis", "industry", "scorng",
                               "window_days", "posts", "mode", "half", "weight", "pillar",
                               "kind", "columns", "stages", "mapping", "ssi_fields", "owner",
                               "won", "base", *string.ascii_lowercase[:3]])


@FUZZ
@given(st.dictionaries(config_keys, st.one_of(toml_values, st.dictionaries(
    config_keys, toml_values, max_size=4)), max_size=4))
def test_configs_and_mappings_fail_only_with_a_config_error(data):
    data = {k: v for k, v in data.items() if v is not None}
    try:
        config_from_dict(data, base=default_config(), source="fuzz.toml")
    except SSIConfigError:
        pass
    try:
        mapping_from_dict(data, source="fuzz.toml")
    except SSIConfigError:
        pass
