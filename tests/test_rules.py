"""The rule book: each rule's SQL says what its pandas predicate says, and every kind has a fix.

A rule is written once and rendered three ways (pandas, pandera, SQL); these tests run the
pandas and the SQL renderings of every activity rule on the same cells and compare them cell by
cell: which rows break it, the reason and the value the rejects show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssi_analysis.io.checks import activity_rules
from ssi_analysis.rules import DEFAULT_FIX, KINDS, Cells, fill, sql_fill
from ssi_analysis.schemas import TABLE_RULES, TABLES

duckdb = pytest.importorskip("duckdb")

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

rows = st.lists(st.tuples(
    st.sampled_from(["R1", "r1", None]),
    st.sampled_from(["2026-01-05", "2099-01-01", "1900-01-01", None]),
    st.sampled_from(["posts", "profile_completeness", "post", None]),
    st.sampled_from([0.0, 0.5, 1.5, 3.0, -1.0, 2e7, np.inf, -np.inf, np.nan]),
    st.sampled_from([None, "46027", "someday", "85%", " 85 % ", "lots"]),   # a cell not read
), min_size=1, max_size=25)


def _cells(data) -> Cells:
    typed = pd.DataFrame(data, columns=["rep_id", "date", "metric", "value", "unread"])
    unread = typed.pop("unread")
    typed["date"] = pd.to_datetime(typed["date"])
    # a cell not read has no value: the text goes to the cell as read of the date and the value
    gone = unread.notna().to_numpy()
    typed.loc[gone, "date"] = pd.NaT
    typed.loc[gone, "value"] = np.nan
    raw = pd.DataFrame({"date": typed["date"].dt.strftime("%Y-%m-%d").where(~gone, unread),
                        "value": typed["value"].astype(str).where(~gone, unread)})
    return Cells(typed, raw, {"date": gone, "value": gone})


def _sql_frame(cells: Cells) -> pd.DataFrame:
    t = cells.typed
    return pd.DataFrame({
        "rep_id": t["rep_id"].astype(object), "metric": t["metric"].astype(object),
        "value": t["value"].astype(float), "date": t["date"].dt.date.astype(object),
        "date_raw": cells.raw["date"].astype(object), "value_raw": cells.raw["value"].astype(object),
        "date_unread": cells.unread["date"], "value_unread": cells.unread["value"]})


@SETTINGS
@given(rows)
def test_each_rules_sql_finds_the_rows_and_says_the_reasons_pandas_does(data):
    cells = _cells(data)
    con = duckdb.connect()
    con.register("cells", _sql_frame(cells))
    for rule in activity_rules():
        hit = np.flatnonzero(rule.test(cells))
        found = con.execute(f"SELECT row_number() OVER () - 1 AS i, coalesce({rule.sql_in()}, false) "
                            f"AS bad, {rule.reason_sql()} AS reason, {rule.shown_sql()} AS shown "
                            "FROM cells").df()
        assert found.index[found.bad].tolist() == hit.tolist(), rule.key
        if len(hit):
            assert found.reason[hit].tolist() == rule.reasons(cells, hit).tolist(), rule.key
            shown = rule.shown_values(cells, hit)
            expected = [None] * len(hit) if shown is None else list(shown)
            got = [None if pd.isna(v) else v for v in found.shown[hit]]
            assert got == expected, rule.key
    con.close()


def test_every_rule_has_a_kind_with_a_fix_and_a_key_of_its_own():
    for table in TABLE_RULES.values():
        keys = [r.key for r in table.rules]
        assert len(keys) == len(set(keys)), table.name
        for rule in table.rules:
            assert rule.kind in KINDS and rule.fix != DEFAULT_FIX, rule.key
    assert len({r.key for r in activity_rules()}) == len(activity_rules())


def test_the_pandera_schema_has_a_check_per_rule_of_the_table():
    for name, spec in TABLES.items():
        schema = spec.schema
        checks = [c.error for c in schema.checks] + [
            c.error for col in schema.columns.values() for c in col.checks]
        rules = [r.key for r in spec.rules.rules if r.kind != "missing"]
        assert sorted(checks) == sorted(rules), name
        not_null = {c for c, col in schema.columns.items() if not col.nullable}
        assert not_null == {r.column for r in spec.rules.rules if r.kind == "missing"}, name


def test_a_template_fills_the_same_text_in_pandas_and_sql():
    template = "rep_id '{value}' is not in reps ({what})"
    values = pd.Series(["R'1", "x"])
    con = duckdb.connect()
    con.register("t", pd.DataFrame({"v": values, "w": ["a", "b"]}))
    got = con.execute(f"SELECT {sql_fill(template, value='v', what='w')} FROM t").fetchall()
    assert [g for (g,) in got] == fill(template, value=values, what=pd.Series(["a", "b"])).tolist()
