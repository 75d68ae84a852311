"""The rep x period panel: SSI measured before the outcome, accounting, covariates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import write_folder

from ssi_analysis import load_data, score
from ssi_analysis.config import PILLARS, AnalysisConfig
from ssi_analysis.errors import SSIConfigError, SSIDataError, SSIInputError
from ssi_analysis.panel import build_panel

REPS = "rep_id,team,industry,tenure_months\nA1,t1,Software,12\nA2,t1,Software,30\n"
ACT = "rep_id,date,metric,value\n" + "".join(f"A{r},2026-01-{d:02d},posts,{r}\nA{r},2026-01-{d:02d},likes,{d}\n"
              f"A{r},2026-01-{d:02d},comments,1\nA{r},2026-01-{d:02d},people_searches,2\n"
              f"A{r},2026-01-{d:02d},connection_requests_accepted,1\n"
              for r in (1, 2) for d in range(1, 29))
OUT = ("rep_id,period_start,period_end,quota,bookings,opportunities\n"
       "A1,2026-01-11,2026-01-20,100,120,3\nA2,2026-01-11,2026-01-20,100,80,2\n"
       "A1,2026-01-03,2026-01-10,100,50,1\n")


def test_ssi_is_scored_the_day_before_the_period(example_bundle, example_panel):
    row = example_panel.data.iloc[4]
    asof = row.period_start - pd.Timedelta(days=1)
    direct = score(example_bundle.activity, example_bundle.reps, asof=asof).table.set_index("rep_id")
    assert row.ssi == pytest.approx(direct.loc[row.rep_id, "ssi"])
    assert row.brand == pytest.approx(direct.loc[row.rep_id, "brand"])
    assert row.attainment == pytest.approx(row.bookings / row.quota)
    assert row.hit_quota == int(row.attainment >= 1)
    p = example_panel
    assert p.rows_read == len(p.data) + len(p.excluded) == len(example_bundle.outcomes)


def test_no_look_ahead(tmp_path):
    base = load_data(write_folder(tmp_path / "a", reps=REPS, activity=ACT, outcomes=OUT))
    extra = ACT + "A1,2026-01-11,posts,500\nA1,2026-01-15,posts,500\n"  # inside the period
    more = load_data(write_folder(tmp_path / "b", reps=REPS, activity=extra, outcomes=OUT))
    cfg = AnalysisConfig()
    from ssi_analysis.config import default_config

    short = default_config().with_options(window_days=7)
    p1 = build_panel(base, config=short, analysis=cfg)
    p2 = build_panel(more, config=short, analysis=cfg)
    pd.testing.assert_series_equal(p1.data["ssi"], p2.data["ssi"])
    assert not np.allclose(p1.data["ssi_end"], p2.data["ssi_end"], equal_nan=True)


def test_periods_before_a_full_window_are_excluded_with_a_reason(tmp_path):
    b = load_data(write_folder(tmp_path, reps=REPS, activity=ACT, outcomes=OUT))
    from ssi_analysis.config import default_config

    p = build_panel(b, config=default_config().with_options(window_days=7))
    # the A1 period starting 01-03 has a window from 12-27: before the first activity date
    assert len(p.data) == 2 and len(p.excluded) == 1
    assert "window" in p.excluded.reason.iloc[0]
    assert p.rows_read == len(p.data) + len(p.excluded)
    assert "1 left out" in p.lines()[0]


def test_observed_mode_takes_the_latest_fresh_snapshot(tmp_path):
    obs = ("rep_id,date,ssi,brand,people,insights,relationships\n"
           "A1,2026-01-01,40,10,10,10,10\nA1,2026-01-08,44,11,11,11,11\n"
           "A1,2026-01-12,60,15,15,15,15\n"        # inside the period: must not be used
           "A2,2025-12-01,30,7.5,7.5,7.5,7.5\n")  # 40 days old: stale
    b = load_data(write_folder(tmp_path, reps=REPS, activity=ACT, outcomes=OUT,
                               ssi_observed=obs))
    p = build_panel(b, ssi="observed")
    got = p.data.set_index(["rep_id", "period_start"])["ssi"]
    assert got.loc[("A1", pd.Timestamp("2026-01-11"))] == 44
    assert got.loc[("A1", pd.Timestamp("2026-01-03"))] == 40
    assert ("A2" not in set(p.data.rep_id)) and len(p.excluded) == 1
    assert "no LinkedIn SSI snapshot in the 14 days" in p.excluded.reason.iloc[0]


def test_tenure_from_hire_date_and_unknown_industry(tmp_path):
    reps = "rep_id,team,industry,hire_date\nA1,t1,,2025-01-11\nA2,t1,Software,2024-01-11\n"
    b = load_data(write_folder(tmp_path, reps=reps, activity=ACT, outcomes=OUT))
    from ssi_analysis.config import default_config

    p = build_panel(b, config=default_config().with_options(window_days=7))
    t = p.data.set_index("rep_id")["tenure_months"]
    assert t["A1"] == pytest.approx(365 / 30.4375)
    assert t["A2"] == pytest.approx(731 / 30.4375)
    assert set(p.data.industry) == {"unknown", "Software"}
    assert any("no industry" in n for n in p.notes) and any("hire_date" in n for n in p.notes)


def test_no_outcomes_and_no_observed_are_clear(tmp_path):
    b = load_data(write_folder(tmp_path, reps=REPS, activity=ACT))
    with pytest.raises(SSIDataError, match="no outcomes table"):
        build_panel(b)
    b = load_data(write_folder(tmp_path / "o", reps=REPS, activity=ACT, outcomes=OUT))
    with pytest.raises(SSIDataError, match="needs an ssi_observed table"):
        build_panel(b, ssi="observed")


def test_outcome_row_order_does_not_move_ssi_between_rows(example_bundle):
    import copy

    for ssi in ("computed", "observed"):
        base = build_panel(example_bundle, ssi=ssi).data
        shuffled = copy.copy(example_bundle)
        shuffled.outcomes = example_bundle.outcomes.sample(frac=1, random_state=3)
        got = build_panel(shuffled, ssi=ssi).data
        key = ["rep_id", "period_start"]
        pd.testing.assert_series_equal(base.set_index(key).ssi.sort_index(),
                                       got.set_index(key).ssi.sort_index())


def test_a_rep_whose_history_starts_late_is_left_out_per_period_with_the_reason(
        example_bundle):
    """Coverage is per rep: R0001's records start on 03-15, so its windows before April, May
    and June are 18.9%, 52.2% and 86.7% covered (below 90%): those three rep-periods are left
    out with the share and the day, and no other rep loses a period (before: kept and only
    marked window_covered = False, which no model used)."""
    import copy

    late = copy.copy(example_bundle)
    act = example_bundle.activity
    late.activity = act[~((act.rep_id == "R0001") & (act.date < "2026-03-15"))]
    p = build_panel(late)
    assert "R0001" not in set(p.data.rep_id) and p.data.window_covered.all()
    out = p.excluded.set_index("period_start").sort_index()
    assert list(out.rep_id) == ["R0001"] * 3
    assert (out.reason == "the rep's activity covers less than 90% of the 90-day window "
                          "before the period (a new hire, or history missing from the "
                          "export)").all()
    assert out.window_coverage.round(3).tolist() == [0.189, 0.522, 0.867]
    assert (out.covered_from == pd.Timestamp("2026-03-15")).all()
    assert "3 the rep's activity covers less than 90%" in p.lines()[0]
    assert p.rows_read == len(p.data) + len(p.excluded) == len(example_bundle.outcomes)


def test_a_window_covered_in_part_is_kept_and_flagged(example_bundle):
    import copy

    late = copy.copy(example_bundle)
    act = example_bundle.activity
    # R0002 starts on 01-06: the window before April (01-01 to 03-31) is 85 / 90 covered
    late.activity = act[~((act.rep_id == "R0002") & (act.date < "2026-01-06"))]
    p = build_panel(late)
    row = p.data.set_index(["rep_id", "period"]).loc[("R0002", 1)]
    assert row.window_partial and not row.window_covered
    assert row.window_coverage == pytest.approx(85 / 90)
    assert p.data.window_partial.sum() == 1 and len(p.excluded) == 0
    assert any("1 rep-period(s) of 1 rep(s) have a 90-day window covered only in part" in n
               for n in p.notes)


def test_hired_mid_period_and_periods_beyond_the_data_are_left_out(tmp_path):
    reps = "rep_id,team,industry,hire_date\nA1,t1,Software,2025-01-11\nA2,t1,Software,2026-01-15\n"
    out = OUT + ("A1,2026-03-01,2026-03-31,100,90,2\n")        # activity ends 01-28
    b = load_data(write_folder(tmp_path, reps=reps, activity=ACT, outcomes=out))
    from ssi_analysis.config import default_config

    p = build_panel(b, config=default_config().with_options(window_days=7))
    reasons = p.excluded.set_index(["rep_id", "period_start"]).reason
    assert reasons[("A2", pd.Timestamp("2026-01-11"))] == \
        "the rep was hired after the period started: no SSI before it"
    assert reasons[("A1", pd.Timestamp("2026-03-01"))] == (
        "the period starts after the activity data end (2026-01-28): less than 90% of its "
        "7-day window is in the data")
    assert p.excluded.set_index("rep_id").loc["A2", "window_coverage"] == 0
    assert p.rows_read == len(p.data) + len(p.excluded)


def test_weekly_activity_covers_a_window_starting_days_before_its_first_record():
    """Two monthly periods; activity in weekly totals dated Sundays, the first on 01-04. The
    window before April starts on 01-01, 3 days before it: the first record covers 12-29 to
    01-04, so both periods are analysed (before: the whole first period was dropped for every
    rep because its window starts before the data's first date)."""
    from ssi_analysis.io import Bundle
    from ssi_analysis.simulate import simulate

    tables, _ = simulate(60, seed=4, days=150, outcome_months=2)
    act = tables["activity"].assign(date=pd.to_datetime(tables["activity"]["date"]))
    week_end = act["date"] + pd.to_timedelta((6 - act["date"].dt.day_of_week) % 7, unit="D")
    weekly = (act.assign(date=week_end).groupby(["rep_id", "date", "metric"], as_index=False)
              ["value"].sum())
    level = act.metric == "profile_completeness"                   # a level, not a count
    weekly = pd.concat([weekly[weekly.metric != "profile_completeness"],
                        act[level].assign(date=week_end[level])], ignore_index=True)
    assert weekly.date.min() == pd.Timestamp("2026-01-04")
    outcomes = tables["outcomes"].assign(
        period_start=lambda d: pd.to_datetime(d.period_start),
        period_end=lambda d: pd.to_datetime(d.period_end))
    p = build_panel(Bundle(reps=tables["reps"], activity=weekly, outcomes=outcomes))
    assert p.n_periods == 2 and len(p.excluded) == 0 and len(p.data) == 120
    assert p.data.window_covered.all()
    assert any("reported every 7 days" in n for n in p.notes)


def test_extreme_attainment_is_noted_not_dropped(example_bundle):
    import copy

    b = copy.copy(example_bundle)
    b.outcomes = example_bundle.outcomes.copy()
    b.outcomes.loc[:2, "quota"] = 10.0          # a quota typo: attainment in the thousands
    p = build_panel(b)
    assert len(p.data) == len(b.outcomes)
    assert any("3 rep-period(s) have attainment beyond 500% of quota" in n for n in p.notes)


# ------------------------------------------------------------------ composing on scores
def test_a_panel_on_daily_scores_is_the_panel_scored_at_its_days(example_bundle, example_panel):
    daily = score(example_bundle.activity, example_bundle.reps, daily=True)
    p = build_panel(example_bundle, scores=daily)
    pd.testing.assert_frame_equal(p.data, example_panel.data)
    pd.testing.assert_frame_equal(p.excluded, example_panel.excluded)
    assert p.scores is daily and p.bundle is example_bundle and example_panel.scores is None


def test_scores_from_elsewhere_that_miss_a_period_start_leave_it_out(example_bundle):
    table = score(example_bundle.activity, example_bundle.reps, daily=True).table
    early = table[table.date <= "2026-05-15"][["rep_id", "date", "ssi", *PILLARS]]
    p = build_panel(example_bundle, scores=early)         # an analyst's own DataFrame
    assert sorted(p.data.period_start.dt.strftime("%Y-%m-%d").unique()) == ["2026-04-01",
                                                                             "2026-05-01"]
    assert p.rows_read == len(p.data) + len(p.excluded) == 900 and len(p.excluded) == 300
    assert set(p.excluded.period_start.dt.strftime("%Y-%m-%d")) == {"2026-06-01"}
    assert set(p.excluded.reason) == {"the scores given have no SSI the day before the period "
                                      "starts (they run from 2026-01-01 to 2026-05-15)"}
    april = p.data.period == 1
    assert p.data.ssi_end[april].notna().all()            # April 30: in the scores given
    assert p.data.ssi_after[april].isna().all() and p.data.ssi_end[~april].isna().all()


def test_scores_given_are_checked(example_bundle):
    daily = score(example_bundle.activity, example_bundle.reps, daily=True)
    with pytest.raises(SSIInputError, match="no column 'people'"):
        build_panel(example_bundle, scores=daily.table.drop(columns="people"))
    with pytest.raises(SSIInputError, match="several rows for rep 'R0001' on 2026-01-01"):
        build_panel(example_bundle, scores=pd.concat([daily.table.head(1), daily.table]))
    other = daily.config.with_options(window_days=30)
    with pytest.raises(SSIConfigError, match="another scoring config"):
        build_panel(example_bundle, scores=daily, config=other)
