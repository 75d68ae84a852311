"""Activity as totals over periods: the spread rule against hand-computed windows, the checks
(overlaps, duplicates, missing ranges, bad totals) with rows read = used + rejected, the
engines agreeing, pillars not scored, and window coverage counting gaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import write_folder
from hypothesis import given, settings
from hypothesis import strategies as st

from ssi_analysis import load_data, score
from ssi_analysis.io.periods import overlapping, period_coverage, spread_periods

REPS = "rep_id,team,industry\na,t1,X\nb,t1,X\n"
# rep a: January 31 profile views (1 a day), February 56 (2 a day), no March (a gap), April 30
# (1 a day); days active 12 of January's 31 days. rep b: January only.
PERIODS = ("rep_id,period_start,period_end,profile_views,days_active,inmails_sent,inmail_replies\n"
           "a,2026-01-01,2026-01-31,31,12,10,2\n"
           "a,2026-02-01,2026-02-28,56,,,\n"
           "a,2026-04-01,2026-04-30,30,,,\n"
           "b,2026-01-01,2026-01-31,62,31,,\n")


def _bundle(tmp_path, activity=PERIODS, reps=REPS):
    return load_data(write_folder(tmp_path / "d", reps=reps, activity=activity))


def _value(bundle, rep, day, metric, window, engine="pandas"):
    at = pd.DataFrame({"rep_id": [rep], "date": [pd.Timestamp(day)]})
    t = score(bundle.activity, bundle.reps, at=at, window=window, details=True,
              engine=engine).table
    return t[f"{metric}_value"].item()


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
@pytest.mark.parametrize("rep, day, window, metric, expected", [
    # Jan 12..Feb 10: 20 January days at 1 + 10 February days at 2
    ("a", "2026-02-10", 30, "profile_views", 20 * 1 + 10 * 2),
    # Mar 7..Apr 5: March is a gap (nothing), April 1..5 at 1
    ("a", "2026-04-05", 30, "profile_views", 5),
    # one day inside January: 1/31 of the total
    ("a", "2026-01-20", 1, "profile_views", 1.0),
    # days active, a count of days, spread too: 10 of January's 31 days take 10/31 of 12
    ("a", "2026-01-31", 10, "days_active", 12 * 10 / 31),
    # the whole of January and more: the whole total
    ("b", "2026-02-15", 90, "profile_views", 62),
    ("b", "2026-01-31", 90, "days_active", 31),
])
def test_a_window_takes_the_share_of_each_period_it_covers(tmp_path, engine, rep, day, window,
                                                           metric, expected):
    b = _bundle(tmp_path)
    assert _value(b, rep, day, metric, window, engine) == pytest.approx(expected, rel=1e-12)


def test_the_rate_of_a_partly_covered_period_uses_the_same_shares(tmp_path):
    b = _bundle(tmp_path)
    at = pd.DataFrame({"rep_id": ["a"], "date": [pd.Timestamp("2026-01-10")]})
    t = score(b.activity, b.reps, at=at, window=10, details=True).table
    # replies 2 * 10/31 over sent 10 * 10/31, shrunk to the prior 0.10 with 10 pseudo-sends
    num, den = 2 * 10 / 31, 10 * 10 / 31
    rate = (num + 0.10 * 10) / (den + 10)
    assert t["inmail_reply_rate_value"].item() == pytest.approx(rate, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 40),
                          st.floats(0, 1e4, allow_nan=False)), min_size=1, max_size=8))
def test_spread_keeps_every_total_and_covers_exactly_its_days(rows):
    start = pd.Timestamp("2026-01-01")
    p = pd.DataFrame({"rep_id": [f"r{i % 3}" for i in range(len(rows))],
                      "metric": "profile_views",
                      "period_start": [start + pd.Timedelta(days=s) for s, _, _ in rows],
                      "period_end": [start + pd.Timedelta(days=s + n) for s, n, _ in rows],
                      "value": [v for _, _, v in rows], "_row": np.arange(len(rows))})
    out = spread_periods(p)
    assert len(out) == sum(n + 1 for _, n, _ in rows)
    sums = out.groupby("_row")["value"].sum().reindex(range(len(rows)))
    np.testing.assert_allclose(sums.to_numpy(), p["value"].to_numpy(), rtol=1e-12, atol=1e-9)
    days = out.groupby("_row")["date"].agg(["min", "max"])
    assert (days["min"].to_numpy() == p["period_start"].to_numpy()).all()
    assert (days["max"].to_numpy() == p["period_end"].to_numpy()).all()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ab"), st.integers(0, 40), st.integers(0, 20)),
                min_size=1, max_size=6), st.integers(0, 50), st.integers(0, 40))
def test_overlaps_and_coverage_agree_with_a_day_by_day_count(rows, w0, wlen):
    start = pd.Timestamp("2026-01-01")
    p = pd.DataFrame({"rep_id": [r for r, _, _ in rows],
                      "period_start": [start + pd.Timedelta(days=s) for _, s, _ in rows],
                      "period_end": [start + pd.Timedelta(days=s + n) for _, s, n in rows]})
    day_sets = [set(range(s, s + n + 1)) for _, s, n in rows]
    expected = [any(i != j and rows[i][0] == rows[j][0] and day_sets[i] & day_sets[j]
                    for j in range(len(rows))) for i in range(len(rows))]
    assert overlapping(p, ["rep_id"])[0].tolist() == expected
    window = set(range(w0, w0 + wlen + 1))
    for rep in "ab":
        covered = set().union(*[d for (r, _, _), d in zip(rows, day_sets, strict=True)
                                if r == rep])
        got = period_coverage(p, pd.Series([rep]), pd.Series([start + pd.Timedelta(days=w0)]),
                              pd.Series([start + pd.Timedelta(days=w0 + wlen)]))
        assert got.tolist() == [len(covered & window)]


def test_both_engines_give_the_same_daily_scores(tmp_path):
    b = _bundle(tmp_path)
    p = score(b.activity, b.reps, daily=True, details=True, window=30)
    d = score(b.activity, b.reps, daily=True, details=True, window=30, engine="duckdb")
    pd.testing.assert_frame_equal(p.table, d.table, check_exact=False, rtol=1e-12, atol=1e-12)
    assert p.notes == d.notes


def test_pillars_without_a_metric_are_not_scored_and_the_notes_say_which(tmp_path):
    b = _bundle(tmp_path)
    s = score(b.activity, b.reps, asof="2026-02-28")
    t = s.table
    assert t["brand"].isna().all() and t["insights"].isna().all()
    assert t["people"].notna().all() and t["relationships"].notna().all()
    np.testing.assert_allclose(t["ssi"], t["people"] + t["relationships"], rtol=1e-12)
    notes = " | ".join(s.notes)
    assert "brand not scored" in notes and "insights not scored" in notes
    assert "people scored from profile_views 0.50, days_active 0.50" in notes
    assert "0..50, not 0..100" in notes


def test_without_reported_days_active_period_data_derive_none(tmp_path):
    act = "rep_id,period_start,period_end,profile_views\na,2026-01-01,2026-01-31,31\n"
    b = _bundle(tmp_path, act)
    s = score(b.activity, b.reps, asof="2026-01-31", details=True)
    assert "days_active_value" not in s.table          # not derived from spread days
    assert any("days_active" in n and "left out" in n for n in s.notes)
    assert s.table.set_index("rep_id").loc["a", "people"] == pytest.approx(
        25 * (1 - 0.5 ** (31 / 80)))                    # profile_views alone, half = 80


def test_bad_period_rows_are_rejected_with_reasons_and_counted(tmp_path):
    act = ("rep_id,period_start,period_end,metric,value\n"
           "a,2026-01-01,2026-01-31,profile_views,10\n"      # 2 kept
           "a,2026-01-01,2026-01-31,profile_views,10\n"      # 3 duplicate of row 2
           "b,2026-01-01,2026-01-31,profile_views,5\n"       # 4 overlaps 5 (different number)
           "b,2026-01-01,2026-01-31,profile_views,7\n"       # 5
           "a,,2026-02-28,profile_views,3\n"                  # 6 no start: no date range
           "a,2026-03-01,2026-03-31,profile_views,-2\n"      # 7 negative
           "a,2026-03-01,2026-03-31,leads_saved,many\n"      # 8 not a number
           "a,2026-04-30,2026-04-01,profile_views,1\n"       # 9 end before start
           "a,2026-05-01,2026-05-31,profile_completeness,0.5\n"  # 10 a level as a total
           "b,2026-02-01,2026-02-28,profile_views,4\n"       # 11 kept (b's January both out)
           "b,2026-02-10,2026-03-10,leads_saved,4\n")        # 12 kept (another metric)
    b = _bundle(tmp_path, act)
    q = b.quality.summary().set_index("table").loc["activity"]
    assert (q.rows_read, q.rows_used, q.rows_rejected) == (11, 3, 8)
    rej = b.quality.rejects.set_index("row")
    assert "duplicate of row 2" in rej.loc[3, "reason"]
    assert "overlaps another of the same rep (row 4, row 5)" in rej.loc[4, "reason"]
    assert rej.loc[5, "kind"] == "period overlaps another of the same rep"
    assert rej.loc[6, "reason"] == "missing period_start"
    assert "negative" in rej.loc[7, "reason"]
    assert rej.loc[8, "reason"] == "value is not a number"
    assert rej.loc[9, "kind"] == "period_end is before period_start"
    assert rej.loc[10, "kind"] == "a level given as a period total"
    assert sorted(b.activity_periods["value"]) == [4.0, 4.0, 10.0]


def test_a_file_without_a_date_range_stops_with_the_fix(tmp_path):
    from ssi_analysis.errors import SSIInputError
    act = "rep_id,period_start,profile_views\na,2026-01-01,3\n"
    with pytest.raises(SSIInputError, match="period_end") as e:
        _bundle(tmp_path, act)
    assert "add the column" in e.value.fix or "rename" in e.value.fix


def test_window_coverage_counts_gaps_between_exports(tmp_path):
    from ssi_analysis import build_panel, default_config
    outcomes = ("rep_id,period_start,period_end,quota,bookings,opportunities\n"
                "a,2026-03-01,2026-03-31,100,50,3\n"      # as of Feb 28: Jan 30 .. Feb 28
                "a,2026-04-11,2026-04-30,100,80,4\n"      # as of Apr 10: Mar 12 .. Apr 10
                "a,2026-05-01,2026-05-31,100,80,4\n"      # as of Apr 30: Apr 1 .. 30
                "b,2026-02-05,2026-02-28,100,60,2\n")     # as of Feb 4: Jan 6 .. Feb 4
    folder = write_folder(tmp_path / "d", reps=REPS, activity=PERIODS, outcomes=outcomes)
    p = build_panel(load_data(folder), config=default_config().with_options(window_days=30))
    both = pd.concat([p.data, p.excluded], ignore_index=True)
    cov = both.set_index(["rep_id", "period_start"])["window_coverage"]
    day = pd.Timestamp
    assert cov.loc[("a", day("2026-03-01"))] == pytest.approx(1.0)
    assert cov.loc[("a", day("2026-04-11"))] == pytest.approx(10 / 30)   # March is a gap
    assert cov.loc[("a", day("2026-05-01"))] == pytest.approx(1.0)
    assert cov.loc[("b", day("2026-02-05"))] == pytest.approx(26 / 30)   # Jan 6 .. 31 only
    gap = p.excluded.set_index(["rep_id", "period_start"]).loc[("a", day("2026-04-11"))]
    assert "covers less than 90%" in gap["reason"]
    assert len(p.data) == 2 and p.rows_read == len(p.data) + len(p.excluded)


def test_a_rebuilt_frame_says_it_is_spread_explicitly(tmp_path):
    act = "rep_id,period_start,period_end,profile_views\na,2026-01-01,2026-01-31,31\n"
    b = _bundle(tmp_path, act)
    rebuilt = pd.DataFrame({c: b.activity[c].to_numpy() for c in b.activity.columns})
    assert rebuilt.attrs == {}
    marked = score(b.activity, b.reps, asof="2026-01-31").table
    told = score(rebuilt, b.reps, asof="2026-01-31", dated=False).table
    pd.testing.assert_frame_equal(marked, told)
    # unmarked and not told: the spread days would read as 31 active days
    wrong = score(rebuilt, b.reps, asof="2026-01-31", details=True).table
    assert wrong["days_active_value"].iloc[0] == 31


def test_score_parquet_on_period_totals_says_how_to_score_them(tmp_path):
    from ssi_analysis.engines.duckdb import score_parquet
    from ssi_analysis.errors import SSIInputError

    folder = tmp_path / "d"
    folder.mkdir()
    pd.DataFrame({"rep_id": ["a"], "period_start": pd.to_datetime(["2026-01-01"]),
                  "period_end": pd.to_datetime(["2026-01-31"]), "metric": ["profile_views"],
                  "value": [3.0]}).to_parquet(folder / "activity.parquet")
    (folder / "reps.csv").write_text("rep_id\na\n", encoding="utf-8")
    with pytest.raises(SSIInputError, match="date missing") as e:
        score_parquet(folder)
    assert "engine='duckdb'" in e.value.fix
