"""Scoring against hand-computed values, and its properties (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import make_activity
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssi_analysis import default_config, score
from ssi_analysis.config import PILLARS
from ssi_analysis.errors import SSIDataError, SSIInputError
from ssi_analysis.schemas import METRICS
from ssi_analysis.scoring import metric_presence

# one metric per pillar, plus a rate and a level, for hand computation
TINY = make_activity([
    ("a", "2026-01-01", "posts", 6),
    ("a", "2026-01-05", "posts", 6),
    ("a", "2026-01-02", "people_searches", 60),
    ("a", "2026-01-03", "comments", 20),
    ("a", "2026-01-04", "decision_maker_connections", 15),
    ("b", "2026-01-05", "comments", 0),
])
REPS = pd.DataFrame({"rep_id": ["a", "b"], "industry": ["X", "X"], "team": ["t1", "t2"]})


def days_score(days, half=30):
    return 1 - 0.5 ** (days / half)


def test_hand_computed_pillars():
    s = score(TINY, REPS, asof="2026-01-05").table.set_index("rep_id")
    a = s.loc["a"]
    # brand: only posts present -> 25 * (1 - 0.5 ** (12 / 6))
    assert a.brand == pytest.approx(25 * 0.75)
    # people: searches (w 2, 60 of half 60) and days active (w 2, 5 active days of half 30)
    assert a.people == pytest.approx(25 * (2 * 0.5 + 2 * days_score(5)) / 4)
    assert a.insights == pytest.approx(25 * 0.5)
    assert a.relationships == pytest.approx(25 * 0.5)
    assert a.ssi == pytest.approx(a.brand + a.people + a.insights + a.relationships)
    b = s.loc["b"]  # a zero count is not activity
    assert b.ssi == 0
    # ranks: a is top of 2 in industry X (Top 50%), b last (Top 100%); each alone in its team
    assert (a.industry_rank_pct, b.industry_rank_pct) == (50.0, 100.0)
    assert (a.team_rank_pct, b.team_rank_pct) == (100.0, 100.0)


def test_window_edges_and_levels():
    act = make_activity([
        ("a", "2026-01-01", "posts", 6),          # falls out of a 10-day window ending 01-11
        ("a", "2026-01-02", "posts", 6),          # first day inside it
        ("a", "2026-01-01", "profile_completeness", 0.8),
        ("a", "2026-01-10", "profile_completeness", 0.6),
        ("a", "2026-01-02", "people_searches", 1),
        ("a", "2026-01-02", "comments", 1),
        ("a", "2026-01-02", "connection_requests_sent", 10),
        ("a", "2026-01-03", "connection_requests_accepted", 5),
    ])
    cfg = default_config()
    pc, posts = cfg.metric("profile_completeness"), cfg.metric("posts")
    s = score(act, config=cfg, window=10, asof="2026-01-11", details=True).table.iloc[0]
    assert s.posts_value == 6
    assert s.profile_completeness_value == 0.6           # the last level at or before the date
    brand = (pc.weight * 0.6 + posts.weight * 0.5) / (pc.weight + posts.weight) * 25
    assert s.brand == pytest.approx(brand)
    # acceptance rate (5 + 0.4 * 20) / (10 + 20), full credit at 0.6
    rate = cfg.metric("connection_acceptance_rate")
    assert s.connection_acceptance_rate_value == pytest.approx(13 / 30)
    accepted = 1 - 0.5 ** (5 / 40)
    rel = (rate.weight * (13 / 30) / 0.6 + 2.0 * accepted) / (rate.weight + 2.0) * 25
    assert s.relationships == pytest.approx(rel)
    # as of a date inside the first window the earlier level still holds; before it, nothing
    early = score(act, window=10, asof="2026-01-05", details=True).table.iloc[0]
    assert early.profile_completeness_value == 0.8
    before = score(act, window=10, asof="2025-12-31", details=True).table.iloc[0]
    assert before.profile_completeness_value == 0 and before.ssi == 0


def test_details_recompute_every_pillar(example_bundle):
    s = score(example_bundle.activity, example_bundle.reps, details=True).table
    cfg = default_config()
    for pillar in PILLARS:
        ms = [m for m in cfg.metrics if m.pillar == pillar]
        num = sum(m.weight * s[f"{m.name}_score"] for m in ms)
        den = sum(m.weight for m in ms)
        np.testing.assert_allclose(s[pillar], 25 * num / den, rtol=1e-12)


def test_daily_series_matches_asof(example_bundle):
    b = example_bundle
    daily = score(b.activity, b.reps, daily=True).table
    first, last = b.activity.date.min(), b.activity.date.max()
    assert daily.date.min() == first and daily.date.max() == last
    assert len(daily) == b.reps.rep_id.nunique() * ((last - first).days + 1)
    for day in ("2026-03-31", "2026-06-30"):
        one = score(b.activity, b.reps, asof=day).table.set_index("rep_id")
        same = daily[daily.date == day].set_index("rep_id")
        np.testing.assert_allclose(same[list(PILLARS) + ["ssi"]], one[list(PILLARS) + ["ssi"]])
        np.testing.assert_allclose(same.industry_rank_pct, one.industry_rank_pct)


def test_at_pairs_match_asof(example_bundle):
    b = example_bundle
    at = pd.DataFrame({"rep_id": ["R0001", "R0002", "R0001"],
                       "date": pd.to_datetime(["2026-03-31", "2026-04-30", "2026-05-31"])})
    s = score(b.activity, b.reps, at=at).table
    ref = score(b.activity, b.reps, asof="2026-04-30").table.set_index("rep_id")
    row = s[(s.rep_id == "R0002")].iloc[0]
    assert row.ssi == pytest.approx(ref.loc["R0002", "ssi"])
    assert len(s) == 3


def test_absent_metric_is_renormalised_not_zero():
    both = make_activity([("a", "2026-01-01", "posts", 6), ("a", "2026-01-01", "articles", 0),
                          ("a", "2026-01-01", "people_searches", 1),
                          ("a", "2026-01-01", "comments", 1),
                          ("a", "2026-01-01", "colleague_connections", 1)])
    only = both[both.metric != "articles"]
    with_zero = score(both).table.iloc[0]
    without = score(only).table.iloc[0]
    assert without.brand == pytest.approx(25 * 0.5)            # posts alone
    assert with_zero.brand == pytest.approx(25 * (2 * 0.5 + 0) / 3)  # articles present, zero
    p = metric_presence(only)
    assert not p.set_index("metric").loc["articles", "present"]
    assert any("articles" in n for n in score(only).notes)


def test_scores_carry_their_notes_and_settings(example_bundle):
    act, reps = example_bundle.activity, example_bundle.reps
    act = act[act.metric != "articles"]
    s = score(act, reps, daily=True, window=30)
    assert s.config.window_days == 30 and any("articles" in n for n in s.notes)
    assert repr(s).startswith("Scores: 300 reps on 181 dates, 2026-01-01 to 2026-06-30 "
                              "(54300 rows); absolute mode, 30-day window\nnote: metrics left "
                              "out (absent from the data; pillar weights renormalised): articles")
    assert "<li>metrics left out" in s._repr_html_() and len(s) == len(s.table) == 54300
    # the last day of a daily series is the scores as of the last date
    pd.testing.assert_frame_equal(s.on(), score(act, reps, window=30).table)
    pd.testing.assert_frame_equal(s.on("2026-03-31"),
                                  score(act, reps, window=30, asof="2026-03-31").table)
    with pytest.raises(SSIDataError, match="no rows on 2027-01-01"):
        s.on("2027-01-01")


def test_pillar_without_any_metric_is_not_scored_never_zero():
    # issue 19 changed this: a pillar without a metric was a stop; now it is not scored (NaN),
    # the notes say so, and the SSI sums the pillars scored (here brand and people: days active
    # derive from the dated row)
    act = make_activity([("a", "2026-01-01", "posts", 1)])
    s = score(act, details=True, engine="pandas")
    row = s.table.iloc[0]
    assert np.isnan(row["insights"]) and np.isnan(row["relationships"])
    assert row["ssi"] == pytest.approx(row["brand"] + row["people"])
    assert row["brand"] == pytest.approx(25 * (1 - 0.5 ** (1 / 6)))       # posts half = 6
    assert row["people"] == pytest.approx(25 * (1 - 0.5 ** (1 / 30)))     # one active day
    assert any(n.startswith("insights not scored") for n in s.notes)
    assert any("sum of the 2 pillar(s) scored (brand, people): 0..50" in n for n in s.notes)


def test_no_pillar_with_a_metric_is_an_error():
    act = make_activity([("a", "2026-01-01", "inmails_sent", 1)])
    act.attrs["spread"] = True       # no dates of its own: no days active either
    with pytest.raises(SSIInputError, match="no metric of any pillar"):
        score(act)


def test_reps_without_activity_are_scored_and_kept():
    act = make_activity([("a", "2026-01-01", "posts", 1), ("a", "2026-01-01", "likes", 1),
                         ("a", "2026-01-01", "colleague_connections", 1)])
    reps = pd.DataFrame({"rep_id": ["a", "quiet"], "industry": ["X", "X"]})
    s = score(act, reps).table.set_index("rep_id")
    assert s.loc["quiet", "ssi"] == 0 and s.loc["quiet", "industry_rank_pct"] == 100


def test_activity_for_unknown_rep_is_an_error():
    act = make_activity([("ghost", "2026-01-01", "posts", 1)])
    with pytest.raises(SSIInputError, match="not in reps"):
        score(act, pd.DataFrame({"rep_id": ["a"]}))


def test_relative_mode_is_a_percentile_within_industry():
    rows = []
    for rep, n in (("a", 1), ("b", 2), ("c", 3), ("d", 50)):
        for metric in ("posts", "people_searches", "comments", "colleague_connections"):
            rows.append((rep, "2026-01-01", metric, n))
    act = make_activity(rows)
    reps = pd.DataFrame({"rep_id": list("abcd"), "industry": ["X", "X", "X", "Y"]})
    s = score(act, reps, mode="relative").table.set_index("rep_id")
    assert s.loc["a", "brand"] == 0 and s.loc["c", "brand"] == 25
    assert s.loc["b", "brand"] == pytest.approx(12.5)
    assert s.loc["d", "brand"] == pytest.approx(12.5)   # alone in its industry: the middle


def test_same_inputs_give_identical_output(example_bundle):
    b = example_bundle
    one = score(b.activity, b.reps).table
    two = score(b.activity.sample(frac=1, random_state=3), b.reps).table
    pd.testing.assert_frame_equal(one, two, check_exact=False, rtol=1e-12)


# ------------------------------------------------------------------ properties
COUNT_NAMES = sorted(m for m in METRICS if m != "profile_completeness")
DENOMINATORS = {"messages_sent", "connection_requests_sent", "inmails_sent"}

row_strategy = st.tuples(
    st.sampled_from(["r1", "r2", "r3"]),
    st.integers(0, 40),
    st.sampled_from(COUNT_NAMES + ["profile_completeness"]),
    st.integers(0, 50),
)


def _frame(rows):
    base = [("r1", 0, m, 0) for m in METRICS]  # every metric present: a fixed metric set
    df = pd.DataFrame(base + list(rows), columns=["rep_id", "day", "metric", "value"])
    df["date"] = pd.Timestamp("2026-01-01") + pd.to_timedelta(df.pop("day"), unit="D")
    lvl = df.metric == "profile_completeness"
    df["value"] = df["value"].astype(float)
    df.loc[lvl, "value"] = df.loc[lvl, "value"] / 50
    return df[["rep_id", "date", "metric", "value"]]


REPS3 = pd.DataFrame({"rep_id": ["r1", "r2", "r3"], "industry": ["X", "X", "Y"],
                      "team": ["t", "t", "t"]})
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.lists(row_strategy, max_size=40), st.sampled_from(["absolute", "relative"]))
def test_bounds_and_sum(rows, mode):
    s = score(_frame(rows), REPS3, asof="2026-02-15", window=30, mode=mode).table
    for p in PILLARS:
        assert ((s[p] >= 0) & (s[p] <= 25 + 1e-9)).all()
    assert ((s.ssi >= 0) & (s.ssi <= 100 + 1e-9)).all()
    np.testing.assert_allclose(s.ssi, s[list(PILLARS)].sum(axis=1))
    assert ((s.industry_rank_pct > 0) & (s.industry_rank_pct <= 100)).all()


@SETTINGS
@given(st.lists(row_strategy, max_size=40), st.sampled_from(sorted(set(COUNT_NAMES) - DENOMINATORS)),
       st.integers(1, 100), st.integers(0, 40))
def test_more_activity_never_lowers_a_score(rows, metric, extra, day):
    df = _frame(rows)
    more = pd.concat([df, _frame([("r1", day, metric, extra)]).tail(1)], ignore_index=True)
    before = score(df, REPS3, asof="2026-02-15", window=30).table.set_index("rep_id")
    after = score(more, REPS3, asof="2026-02-15", window=30).table.set_index("rep_id")
    for p in [*PILLARS, "ssi"]:
        assert after.loc["r1", p] >= before.loc["r1", p] - 1e-12


@SETTINGS
@given(st.lists(row_strategy, min_size=1, max_size=40), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(rows, rnd):
    df = _frame(rows)
    order = list(range(len(df)))
    rnd.shuffle(order)
    a = score(df, REPS3, daily=True, window=20).table
    b = score(df.iloc[order], REPS3, daily=True, window=20).table
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(st.lists(row_strategy, max_size=40), st.sampled_from(["posts", "articles", "post_views",
                                                             "likes", "shares", "leads_saved"]))
def test_missing_metric_renormalises(rows, dropped):
    df = _frame(rows)
    df = df[df.metric != dropped]
    s = score(df, REPS3, asof="2026-02-15", window=30, details=True).table
    cfg = default_config()
    present = metric_presence(df, cfg).set_index("metric")["present"]
    for p in PILLARS:
        ms = [m for m in cfg.metrics if m.pillar == p and present[m.name]]
        assert dropped not in [m.name for m in ms]
        expected = 25 * sum(m.weight * s[f"{m.name}_score"] for m in ms) / sum(m.weight for m in ms)
        np.testing.assert_allclose(s[p], expected, rtol=1e-12)


def test_count_curve_matches_its_formula():
    from ssi_analysis.scoring import count_curve

    x = np.array([0, 1, 6, 60])
    np.testing.assert_allclose(count_curve(x, 6), [1 - math.pow(0.5, v / 6) for v in x])


# ------------------------------------------------------------------ vectorised ranks
rank_data = st.lists(st.tuples(st.sampled_from([0.0, 1.0, 2.5, 2.5, -0.0, 7.0, np.nan]),
                               st.sampled_from(["g1", "g2", "g3", None])), min_size=1,
                     max_size=60)


@SETTINGS
@given(rank_data)
def test_ranks_equal_pandas_groupby_rank(pairs):
    from ssi_analysis.scoring import cohort_percentile, top_pct

    values = np.array([v for v, _ in pairs])
    groups = pd.Series([g for _, g in pairs], dtype=object)
    # reference: pandas' own ranks, as the scorer computed them before it was vectorised
    s = pd.Series(values)
    rank = s.groupby(groups, dropna=True).rank(method="max", ascending=False)
    n = groups.map(groups.value_counts(dropna=True))
    np.testing.assert_array_equal(top_pct(values, groups), (100.0 * rank / n).to_numpy(float))
    known = groups.notna().to_numpy()
    g = groups[known].reset_index(drop=True)
    v = pd.Series(values[known])
    lo = v.groupby(g).rank(method="min").to_numpy()
    size = g.map(g.value_counts()).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(size > 1, (lo - 1) / (size - 1), 0.5)
    np.testing.assert_array_equal(cohort_percentile(values[known], g.to_numpy()), expected)


def test_categorical_activity_scores_as_text_does(example_bundle):
    """Bundle activity holds categoricals; unused categories are not reps, nor metrics present."""
    act = example_bundle.activity
    assert isinstance(act.rep_id.dtype, pd.CategoricalDtype)
    part = act[(act.rep_id != "R0001") & (act.metric != "articles")]   # categories stay
    as_text = part.astype({"rep_id": object, "metric": object})
    for options in ({}, {"daily": True, "mode": "relative"}):
        a, b = score(part, **options), score(as_text, **options)
        pd.testing.assert_frame_equal(a.table, b.table)
        assert a.notes == b.notes and "R0001" not in set(a.table.rep_id)
        assert any("articles" in n for n in a.notes)


# ------------------------------------------------------------------ the SQL of the spec
def test_the_sql_differs_between_engines_only_through_the_dialect():
    """A third SQL engine is a Dialect: every engine-specific spelling comes from its methods."""
    from ssi_analysis.scoring.spec import ScoringSpec
    from ssi_analysis.scoring.sql import Dialect, pivot_sql, scoring_sql

    class Marked(Dialect):
        def ident(self, name):
            return f"`{name}`"

        def days(self, first, last):
            return f"DAYS({first}, {last})"

        def last_ignore_nulls(self, expr):
            return f"LAST_NN({expr})"

        def arg_max(self, value, key):
            return f"ARGMAX({value}, {key})"

        def metric_bit(self, code):
            return f"BIT({code})"

        def timestamp(self, expr):
            return f"TS({expr})"

    for mode in ("absolute", "relative"):
        spec = ScoringSpec.build(default_config().with_options(mode=mode), present=set(METRICS),
                                 any_rows=True)
        sql = scoring_sql(spec, daily="d", universe="u", targets="t", grid_reps="u",
                          day0=np.datetime64("2026-01-01"), last=np.datetime64("2026-02-01"),
                          details=True, timestamps=True, dialect=Marked())
        sql += pivot_sql("rows", {m: i for i, m in enumerate(sorted(METRICS))},
                         counts=spec.counts, levels=spec.levels, active_codes=[0, 1],
                         dialect=Marked())
        for duckdb_only in ("generate_series", "IGNORE NULLS", "arg_max", "UBIGINT",
                            "TIMESTAMP_NS", '"'):
            assert duckdb_only not in sql, duckdb_only
        for hook in ("DAYS(", "LAST_NN(", "ARGMAX(", "BIT(mi)", "TS(q.date)", "`n:posts`"):
            assert hook in sql, hook
