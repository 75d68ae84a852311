"""The loader's fast paths give what cell-by-cell parsing and full pandera validation give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import write_folder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssi_analysis import load_data
from ssi_analysis.io import parse_dates, parse_ids, parse_numbers
from ssi_analysis.io.cells.amounts import parse_amounts
from ssi_analysis.io.cells.common import distinct_values, is_missing
from ssi_analysis.io.cells.dates import all_midnight, parse_date_cells
from ssi_analysis.io.cells.ids import parse_id_cells
from ssi_analysis.io.cells.numbers import parse_number_cells
from ssi_analysis.io.cells.scores import _shown_cells, shown_pattern
from ssi_analysis.io.checks import activity_schema_problems, schema_problems
from ssi_analysis.schemas import TABLES, ActivitySchema

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TEXT_CELLS = [" 007 ", "007", "A1", "a1 ", "n/a", "NA", "", "-", "12", "12.0", " 3.5", "1e3",
              "lots", "1,5", "\u00a0x\u2003", "None", "nan", "2026-03-31", "31/03/2026",
              "03/31/2026", "05/01/2026", "2026-1-5", "2026-03-31T23:30:00+02:00", "31.03.2026",
              None]


def repeated(pool):
    """Columns that repeat a few values (so the per-distinct-value path is taken)."""
    return st.lists(st.sampled_from(pool), min_size=1, max_size=8, unique=True).flatmap(
        lambda vals: st.lists(st.sampled_from(vals), min_size=2 * len(vals) + 1, max_size=40))


def as_list(s: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in s.astype(object)]


@SETTINGS
@given(repeated(TEXT_CELLS))
def test_ids_and_numbers_per_distinct_value_equal_cell_by_cell(cells):
    s = pd.Series(cells, dtype="str")
    assert distinct_values(s) is not None
    assert as_list(parse_ids(s)) == as_list(parse_id_cells(s))
    assert as_list(parse_ids(s.astype("category"))) == as_list(parse_id_cells(s))
    values, bad = parse_numbers(s)
    ref_values, ref_bad = parse_number_cells(s, ".")
    assert as_list(values) == as_list(ref_values) and bad.tolist() == ref_bad.tolist()


COMMA_CELLS = ["1,5", "2.5", "20.998", "20,998", "1.234,5", "1,234.5", "1.250", "-3", "7", " 4 ",
               "1e3", "inf", "n/a", "", "1 234,5", "12.500", "lots", "0,125", None]


@SETTINGS
@given(repeated(COMMA_CELLS))
def test_decimal_comma_numbers_per_distinct_value_equal_cell_by_cell(cells):
    # the separator rule looks at which marks the column shows: the distinct values show the
    # same as all the cells, so the fast path gives the cell-by-cell result
    s = pd.Series(cells, dtype="str")
    values, bad = parse_numbers(s, ",")
    ref_values, ref_bad = parse_number_cells(s, ",")
    assert as_list(values) == as_list(ref_values) and bad.tolist() == ref_bad.tolist()
    clean = [c for c in cells if c not in ("1.250", "20.998", "12.500", "lots")]
    if clean and "2.5" not in clean and "1,234.5" not in clean:   # one mark: comma groups none
        v, b = parse_numbers(pd.Series(clean, dtype="str"), ",")
        assert not b.any()


@SETTINGS
@given(repeated([1.0, 12.0, 2.5, np.nan, 7.0, -3.0]))
def test_float_ids_per_distinct_value(cells):
    s = pd.Series(cells, dtype=float)
    assert as_list(parse_ids(s)) == as_list(parse_id_cells(s))


@pytest.mark.parametrize("cells", [[1, 2, 1, 2, 1, 7], [True, False, True, True, True],
                                   [20260101, 20260101, 20260102, 20260101, 20260101]])
def test_integer_and_boolean_cells(cells):
    s = pd.Series(cells)
    assert as_list(parse_ids(s)) == as_list(parse_id_cells(s))
    ref = parse_number_cells(s, ".") if s.dtype == bool else (s.astype(float), None)
    assert as_list(parse_numbers(s)[0]) == as_list(ref[0])
    d, bad = parse_dates(s)
    ref_d, ref_bad = parse_date_cells(s, np.ones(len(s), dtype=np.int64), file="", column="")
    assert as_list(d) == as_list(ref_d) and bad.tolist() == ref_bad.tolist()


@SETTINGS
@given(repeated(TEXT_CELLS))
def test_dates_per_distinct_value_equal_cell_by_cell(cells):
    s = pd.Series(cells, dtype="str")
    try:
        ref = parse_date_cells(s, np.ones(len(s), dtype=np.int64), file="f", column="date")
    except Exception as exc:          # an ambiguous column stops both ways
        try:
            parse_dates(s, file="f", column="date")
        except type(exc):
            return
        raise AssertionError("only the cell-by-cell parse raised") from exc
    dates, bad = parse_dates(s, file="f", column="date")
    assert as_list(dates) == as_list(ref[0]) and bad.tolist() == ref[1].tolist()


def test_dates_already_at_midnight_are_not_normalised_again():
    days = np.array(["2026-01-01", "NaT", "1969-12-31"], dtype="datetime64[ms]")
    assert all_midnight(days) and all_midnight(days.astype("datetime64[ns]"))
    assert not all_midnight(days + np.timedelta64(1, "ms"))
    assert not all_midnight(days.astype("datetime64[ns]") + np.timedelta64(1, "ns"))
    d, bad = parse_dates(pd.Series(days + np.timedelta64(90, "m")))
    assert d.dt.strftime("%Y-%m-%d").tolist()[::2] == ["2026-01-01", "1969-12-31"]
    assert not bad.any()


metric_cells = st.sampled_from(["posts", "likes", "profile_completeness", "post", None])
value_cells = st.sampled_from([0.0, 1.0, 0.5, 1.5, 3.0, -1.0, np.inf, -np.inf, np.nan])
activity_rows = st.lists(st.tuples(st.sampled_from(["a", "b", None]),
                                   st.sampled_from(["2026-01-01", "2026-02-03", None]),
                                   metric_cells, value_cells), min_size=1, max_size=30)


def _problems(found):
    if not found:
        return []
    p = pd.concat(found, ignore_index=True)
    return sorted(zip(p.idx, p.column.astype(str), p.value.astype(str), p.reason, strict=True))


@SETTINGS
@given(activity_rows)
def test_screened_validation_finds_what_pandera_finds_on_every_row(rows):
    df = pd.DataFrame(rows, columns=["rep_id", "date", "metric", "value"])
    df["date"] = pd.to_datetime(df["date"])
    for col in ("rep_id", "metric"):
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    # the screen runs every check of the schema: both are made from the same rules
    checks = {c.error for c in ActivitySchema.checks} | {
        c.error for col in ActivitySchema.columns.values() for c in col.checks}
    assert checks <= {r.key for r in TABLES["activity"].rules.rules}
    expected = _problems(schema_problems(df, TABLES["activity"]))     # pandera on every row
    assert _problems(activity_schema_problems(df)) == expected
    as_categories = df.assign(rep_id=df.rep_id.astype("category"),
                              metric=df.metric.astype("category"))
    assert _problems(activity_schema_problems(as_categories)) == expected


def test_parquet_activity_is_read_as_categoricals_and_reconciles(tmp_path):
    reps = "rep_id,team,industry\nA1,t1,Software\nA2,t1,Software\n"
    act = pd.DataFrame({"rep_id": ["A1", " A2", "A1", "ZZ", "A1"],
                        "date": pd.to_datetime(["2026-01-05", "2026-01-05", "2026-01-06",
                                                "2026-01-06", "2026-01-07"]),
                        "metric": ["Posts", "likes", "comments", "posts", "post"],
                        "value": [1.0, 2.0, -1.0, 1.0, 1.0]})
    folder = write_folder(tmp_path, reps=reps)
    act.to_parquet(tmp_path / "activity.parquet")
    b = load_data(folder)
    assert isinstance(b.activity.rep_id.dtype, pd.CategoricalDtype)
    assert list(b.activity.rep_id.cat.categories) == ["A1", "A2"]   # sorted, only those used
    assert b.activity.metric.tolist() == ["posts", "likes"]
    rej = b.quality.rejects.set_index("row")["reason"]
    assert rej.to_dict() == {3: "negative value (-1.0)", 5: "unknown metric 'post'",  # row 1: header
                             4: "rep_id 'ZZ' is not in reps"}
    q = b.quality.tables["activity"]
    assert (q.rows_read, q.rows_used, q.rows_rejected) == (5, 2, 3)


ISO_CELLS = ["2026-03-31", " 2026-1-5 ", "2026-02-30", "2026-13-01", "0001-01-01", "", "n/a",
             None]
SCORE_CELLS = ["52", "52.5", "007", " 9 ", "52 de 100", "Top 9%", "20,998", "", "-", None]


@SETTINGS
@given(st.lists(st.sampled_from(TEXT_CELLS + ISO_CELLS + SCORE_CELLS), min_size=1,
                max_size=12),
       st.sampled_from([TEXT_CELLS, ISO_CELLS, SCORE_CELLS]))
def test_arrow_text_reads_as_the_same_cells_in_python_objects(mixed, pool):
    """Cells of Arrow text (as CSV and Excel columns arrive) take Arrow's kernels and shortcuts
    for plain ISO dates and plain numbers; the same cells as Python objects take the general
    path. Both read alike: missing, ids, numbers, amounts, dates, shown scores."""
    for cells in (mixed, [c for c in mixed if c in pool] or [pool[0]]):
        arrow, objects = pd.Series(cells, dtype="str"), pd.Series(cells, dtype=object)
        assert is_missing(arrow).tolist() == is_missing(objects).tolist()
        assert as_list(parse_id_cells(arrow)) == as_list(parse_id_cells(objects))
        for decimal in (".", ","):
            (a, a_bad), (o, o_bad) = (parse_number_cells(s, decimal) for s in (arrow, objects))
            assert as_list(a) == as_list(o) and a_bad.tolist() == o_bad.tolist()
        pattern = shown_pattern(["Top"], ["de"])
        (a, a_none), (o, o_none) = (_shown_cells(s, pattern) for s in (arrow, objects))
        assert as_list(a) == as_list(o) and a_none.tolist() == o_none.tolist()
        pd.testing.assert_frame_equal(parse_amounts(arrow), parse_amounts(objects))
        weights = np.ones(len(cells), dtype=np.int64)
        read = []
        for s in (arrow, objects):
            try:
                read.append(parse_date_cells(s, weights, file="f", column="date"))
            except Exception as exc:  # an ambiguous column stops both ways
                read.append(type(exc))
        if isinstance(read[0], type):
            assert read[0] is read[1]
        else:
            assert as_list(read[0][0]) == as_list(read[1][0])
            assert read[0][1].tolist() == read[1][1].tolist()
