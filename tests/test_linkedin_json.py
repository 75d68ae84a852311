"""LinkedIn's SSI JSON: its structure checked, never a TypeError (issue 17, class 3).

Generated shapes: any JSON at the top level, and valid records with one node replaced by a value
of another type. Each malformed record is rejected with a reason naming the place in the JSON;
a file that is not LinkedIn's shape at all stops with a message; every record is accounted for.
"""

from __future__ import annotations

import copy
import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssi_analysis import load_data
from ssi_analysis.errors import SSIError, SSIInputError
from ssi_analysis.io.linkedin_json import JSON_PROBLEM, read_linkedin_json

RECORD = {  # the shape of a live response (see ssi_analysis.io.linkedin_json)
    "activeSeat": False,
    "memberScore": {"overall": 19.705751, "subScores": [
        {"score": 13.118002, "pillar": "PROFESSIONAL_BRAND"},
        {"score": 3.68, "pillar": "FIND_RIGHT_PEOPLE"},
        {"score": 0.29999998, "pillar": "INSIGHT_ENGAGEMENT"},
        {"score": 2.6077502, "pillar": "STRONG_RELATIONSHIP"}]},
    "groupScore": [
        {"groupType": "INDUSTRY", "rank": 75, "score": {"overall": 30.99, "subScores": []}},
        {"groupType": "NETWORK", "rank": 81, "score": {"overall": 32.72, "subScores": [
            {"score": 8.1, "pillar": "PROFESSIONAL_BRAND"}]}},
        {"groupType": "TEAM", "rank": 1, "score": {"overall": 54.6}}]}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=3),
    max_leaves=8)

QUICK = settings(max_examples=60, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


def _folder(tmp_path, content, name="2026-05-19.json"):
    folder = tmp_path / "data"
    (folder / "ssi_observed").mkdir(parents=True, exist_ok=True)
    for old in (folder / "ssi_observed").iterdir():
        old.unlink()
    (folder / "ssi_observed" / name).write_text(json.dumps(content), encoding="utf-8")
    return folder


def test_a_live_response_is_read_with_its_benchmarks(tmp_path):
    b = load_data(_folder(tmp_path, RECORD), rep="me")
    s = b.ssi_observed.iloc[0]
    assert (s.rep_id, str(s.date.date()), s.ssi, s.brand, s.insights) == \
        ("me", "2026-05-19", 19.705751, 13.118002, 0.29999998)
    assert (s.industry_rank, s.industry_ssi, s.network_rank, s.network_ssi,
            s.network_brand) == (75, 30.99, 81, 32.72, 8.1)
    assert "industry_brand" not in b.ssi_observed          # an empty subScores: no averages
    notes = "\n".join(b.quality.notes)
    assert "TEAM benchmark(s)" in notes and "dated 2026-05-19, from the file's name" in notes


def test_wrappers_and_lists_of_records(tmp_path):
    one = {**RECORD, "rep_id": "A", "date": "2026-05-18"}
    two = {**RECORD, "rep_id": "A", "date": "2026-05-19"}
    for content in ([one, two], {"records": [one, two]}, {"object": "x", "data": [one, two]}):
        b = load_data(_folder(tmp_path, content), rep="ignored")
        assert b.ssi_observed.date.dt.day.tolist() == [18, 19]


@pytest.mark.parametrize("content, fragment", [
    (3, "holds a number where LinkedIn's SSI object"), ("x", "holds text where"),
    (None, "holds null where"), ({"records": 5}, "$.records must be a list"), ([], "no SSI records")])
def test_a_file_that_is_not_linkedins_shape_stops(tmp_path, content, fragment):
    with pytest.raises(SSIInputError) as exc:
        load_data(_folder(tmp_path, content), rep="me")
    assert fragment in str(exc.value) and "ssi_observed/2026-05-19.json" in str(exc.value)


@pytest.mark.parametrize("path, value, reason", [
    (["memberScore"], [], "$[0].memberScore: an object expected, got a list"),
    (["memberScore", "subScores"], 7, "$[0].memberScore.subScores: a list expected, got a "
                                      "number"),
    (["memberScore", "subScores", 1], "x", "$[0].memberScore.subScores[1]: an object "
                                           "expected, got text"),
    (["memberScore", "subScores", 2, "score"], {"v": 1}, "$[0].memberScore.subScores[2].score: "
                                                          "a number expected, got an object"),
    (["memberScore", "subScores", 0, "pillar"], "FOO", "unknown pillar 'FOO'"),
    (["groupScore", 0, "score"], 30, "$[0].groupScore[0].score: an object expected"),
    (["groupScore", 1, "groupType"], "PLANET", "unknown groupType 'PLANET'"),
    (["groupScore", 0, "rank"], True, "$[0].groupScore[0].rank: a number expected, got "
                                      "true/false")])
def test_a_record_of_the_wrong_shape_is_rejected_naming_the_place(tmp_path, path, value,
                                                                 reason):
    bad = copy.deepcopy(RECORD)
    node = bad
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    good = {**copy.deepcopy(RECORD), "date": "2026-05-20"}
    b = load_data(_folder(tmp_path, [bad, good]), rep="me")
    rej = b.quality.rejects
    assert rej.row.tolist() == [1] and reason in rej.reason.iloc[0]
    assert rej.kind.iloc[0] == "JSON record of the wrong shape" and rej.column.iloc[0] == "json"
    assert b.ssi_observed.date.dt.day.tolist() == [20]


@QUICK
@given(content=json_values)
def test_any_json_loads_or_stops_with_a_message(tmp_path, content):
    """Whatever the JSON holds: a table, rows rejected with reasons, or a clear stop."""
    folder = _folder(tmp_path, content)
    try:
        b = load_data(folder, rep="me")
    except SSIError as exc:
        assert exc.file                          # the message names the file
        return
    t = b.quality.tables["ssi_observed"]
    assert t.rows_read == t.rows_used + t.rows_rejected


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


PATHS = [p for p in _paths(RECORD) if p]


def _expects(path: tuple, value) -> str | None:
    """The reason fragment a replaced node must give, where the shape is broken for sure (a
    TEAM benchmark is not kept, so what it holds is not read)."""
    if path[:2] == ("groupScore", 2) and len(path) >= 3 and path[2] != "groupType":
        return None
    node = RECORD
    for key in path:
        node = node[key]
    where = "$[0]" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path)
    if isinstance(node, dict) and not isinstance(value, dict) and \
            not (path[-1] == "score" and value is None):
        return f"{where}: an object expected"
    if isinstance(node, list) and not isinstance(value, list) and value is not None:
        return f"{where}: a list expected"
    if path[-1] in ("overall", "score", "rank") and not isinstance(node, dict) and \
            isinstance(value, list | dict | bool):
        return f"{where}: a number expected"
    return None


@QUICK
@given(index=st.integers(0, len(PATHS) - 1), value=json_values)
def test_a_node_replaced_by_any_value_is_rejected_there_or_read(tmp_path, index, value):
    path = PATHS[index]
    bad = copy.deepcopy(RECORD)
    node = bad
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    folder = _folder(tmp_path, [{**bad, "date": "2026-05-19"},
                                {**copy.deepcopy(RECORD), "date": "2026-05-20"}])
    try:
        b = load_data(folder, rep="me")
    except SSIError as exc:                   # e.g. every snapshot's rep id is text "me"
        pytest.fail(f"a record of the wrong shape stopped the run: {exc}")
    t = b.quality.tables["ssi_observed"]
    assert t.rows_read == 2 == t.rows_used + t.rows_rejected
    assert "2026-05-20" in b.ssi_observed.date.dt.strftime("%Y-%m-%d").tolist()
    expected = _expects(path, value)
    if expected is not None:
        reasons = b.quality.rejects.set_index("row")["reason"]
        assert 1 in reasons.index and expected in reasons[1]


def test_the_reader_marks_shape_problems_per_record(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps([RECORD, 5, {"memberScore": None}]), encoding="utf-8")
    raw = read_linkedin_json(path)
    problems = raw.frame[JSON_PROBLEM].tolist()
    assert pd.isna(problems[0])
    assert problems[1] == "$[1]: an object expected, got a number"
    assert problems[2] == "$[2].memberScore: an object expected, got null"
