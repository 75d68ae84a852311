"""The whole analysis on simulated data with known truth, the summary, and results.json."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from ssi_analysis import score
from ssi_analysis.analysis import CAUSAL_WORDS, analyze
from ssi_analysis.config import AnalysisConfig
from ssi_analysis.errors import SSIConfigError
from ssi_analysis.io import Bundle
from ssi_analysis.panel import build_panel
from ssi_analysis.simulate import simulate
from ssi_analysis.stats.models import adjusted_models

FAST = AnalysisConfig(n_resamples=300)


def bundle_of(tables: dict[str, pd.DataFrame]) -> Bundle:
    """A Bundle straight from simulate()'s tables (typed as load_data types them)."""
    t = {k: v.copy() for k, v in tables.items()}
    t["activity"]["date"] = pd.to_datetime(t["activity"]["date"])
    t["ssi_observed"]["date"] = pd.to_datetime(t["ssi_observed"]["date"])
    for col in ("period_start", "period_end"):
        t["outcomes"][col] = pd.to_datetime(t["outcomes"][col])
    return Bundle(reps=t["reps"], activity=t["activity"], outcomes=t["outcomes"],
                  ssi_observed=t["ssi_observed"])


@pytest.fixture(scope="module")
def example_analysis(example_bundle):
    return analyze(example_bundle, analysis=FAST)


def test_effect_is_found_and_null_is_not():
    eff = analyze(bundle_of(simulate(300, seed=1, scenario="effect")[0]), analysis=FAST)
    ols = eff.tables["models"].set_index("model").loc["OLS"]
    assert ols.ci_low > 0
    null = analyze(bundle_of(simulate(300, seed=1, scenario="null")[0]), analysis=FAST)
    ols = null.tables["models"].set_index("model").loc["OLS"]
    assert ols.ci_low < 0 < ols.ci_high


def test_false_positive_rate_over_seeds_is_near_nominal():
    rejections = 0
    for seed in range(40):
        tables, _ = simulate(200, seed=500 + seed, scenario="null", days=120, outcome_months=1)
        panel = build_panel(bundle_of(tables)).data
        t = adjusted_models(panel, which=["OLS"]).set_index("model")
        rejections += t.loc["OLS", "p_val"] < 0.05
    # binomial(40, 0.05): P(7 or more) is about 1%
    assert rejections <= 6


def test_confounding_by_tenure_is_removed_by_adjustment():
    res = analyze(bundle_of(simulate(400, seed=2, scenario="confounded")[0]), analysis=FAST)
    corr = res.tables["correlations"]
    naive = corr[(corr.group == "all") & (corr.x == "ssi") & (corr.method == "pearson")].iloc[0]
    assert naive.p_adj < 0.05 and naive.ci_low > 0
    models = res.tables["models"].set_index("model")
    assert models.loc["OLS (unadjusted)", "ci_low"] > 0
    adj = models.loc["OLS"]
    assert "tenure" in adj.controls and adj.ci_low < 0 < adj.ci_high


def test_results_json_holds_the_documented_keys(example_analysis):
    d = example_analysis.to_dict()
    json.dumps(d, allow_nan=False)  # strictly JSON: no NaN
    for method in ("pearson", "spearman"):
        assert {"estimate", "ci_low", "ci_high", "p_val", "n"} <= set(d["correlation"][method])
    assert {"outcome", "term", "estimate", "ci_low", "ci_high", "p_val", "n", "controls",
            "se_type"} <= set(d["adjusted"])
    for claim in ("opportunities", "quota", "productivity"):
        c = d["claims"][claim]
        assert {"claimed", "ratio", "ci_low", "ci_high", "n_leaders", "n_laggards",
                "verdict", "quartiles"} <= set(c)
        assert {"ratio", "ci_low", "ci_high", "n_top", "n_bottom", "verdict"} <= \
            set(c["quartiles"])
    assert d["claims"]["quota"]["claimed"] == 1.51
    assert isinstance(d["summary"], list) and len(d["summary"]) >= 4
    q = d["data_quality"]["panel"]
    assert q["rows_read"] == q["rows_used"] + q["rows_excluded"]
    # the JSON numbers are the tables' numbers
    ols = example_analysis.tables["models"].set_index("model").loc["OLS"]
    assert d["adjusted"]["estimate"] == ols.estimate


def test_summary_numbers_come_with_ci_and_n_and_no_causal_words(example_analysis):
    text = " ".join(example_analysis.summary).lower()
    for word in CAUSAL_WORDS:
        assert word not in text
    for sentence in example_analysis.summary[:-1]:
        if re.search(r"\d\.\d", sentence):
            assert "CI" in sentence and re.search(r"\d+ reps", sentence), sentence
    ols = example_analysis.tables["models"].set_index("model").loc["OLS"]
    assert f"{100 * ols.estimate:.1f} percentage points" in example_analysis.summary[1]


def test_same_data_same_numbers(example_bundle, example_analysis):
    """A second run gives the same results.json, also when it is composed on one daily
    scoring (score -> build_panel -> analyze(panel)) instead of scoring where needed."""
    daily = score(example_bundle.activity, example_bundle.reps, daily=True)
    again = analyze(build_panel(example_bundle, scores=daily), analysis=FAST)
    assert json.dumps(again.to_dict()) == json.dumps(example_analysis.to_dict())
    assert again.panel.scores is daily
    with pytest.raises(SSIConfigError, match="holds the computed SSI"):
        analyze(again.panel, ssi="observed")


def test_observed_ssi_can_be_analysed(example_bundle):
    res = analyze(example_bundle, analysis=FAST, ssi="observed")
    assert res.settings["ssi_source"] == "observed"
    assert res.panel.rows_read == len(res.panel.data) + len(res.panel.excluded)
    assert res.to_dict()["correlation"]["pearson"]["n"] == len(res.panel.data)


def test_constant_ssi_single_period_gives_reasons_not_tracebacks():
    tables, _ = simulate(60, seed=3, days=120, outcome_months=1)
    act = tables["activity"]
    # every rep gets the same activity as the first rep: SSI is constant
    first = act[act.rep_id == "R0001"]
    tables["activity"] = pd.concat([first.assign(rep_id=r) for r in tables["reps"].rep_id],
                                   ignore_index=True)
    res = analyze(bundle_of(tables), analysis=FAST)
    for name in ("correlations", "models", "time_order", "pillars"):
        t = res.tables[name]
        assert (~t.estimable).all() and t.reason.str.len().gt(0).all(), name
    assert "could not be estimated" in res.summary[0]
    json.dumps(res.to_dict(), allow_nan=False)
    claims = res.tables["claims"]
    assert claims.verdict.str.len().gt(0).all()


def test_results_json_industry_list(example_analysis):
    from ssi_analysis.stats.industry import JSON_FIELDS

    d = example_analysis.to_dict()
    assert len(d["industry"]) == 10           # four pillars and SSI, two tests each
    assert all(list(e) == list(JSON_FIELDS) for e in d["industry"])
    omnibus = example_analysis.extra_tables["industry"]
    first = omnibus.iloc[0]
    assert d["industry"][0]["statistic"] == pytest.approx(first.statistic)
    assert {e["pillar"] for e in d["industry"]} == {"brand", "people", "insights",
                                                    "relationships", "ssi"}
    assert len(example_analysis.extra_tables["industry_pairwise"]) == 5 * 10  # 10 pairs


def test_summary_gives_no_direction_when_the_ci_includes_zero():
    from ssi_analysis.analysis import summarize

    res = analyze(bundle_of(simulate(120, seed=4, scenario="null", days=150,
                                     outcome_months=2)[0]), analysis=FAST)
    tables = {k: v.copy() for k, v in res.tables.items()}
    within = tables["time_order"].index[0]
    tables["time_order"].loc[within, ["estimate", "ci_low", "ci_high"]] = [-0.04, -0.2, 0.12]
    text = summarize(tables)[3]
    assert "−4.0 percentage points of attainment (95% CI −20.0 to 12.0" in text
    assert "too uncertain to tell from no difference" in text and " less" not in text
    tables["time_order"].loc[within, ["estimate", "ci_low", "ci_high"]] = [-0.04, -0.06, -0.01]
    assert "4.0 percentage points less attainment (95% CI 1.0 to 6.0" in summarize(tables)[3]


def test_summary_uses_the_configured_thresholds_and_reasons(example_bundle):
    res = analyze(example_bundle, analysis=AnalysisConfig(n_resamples=300, leaders_above=50,
                                                          laggards_below=25))
    # the claim stays LinkedIn's (70 / 30); the groups checked are the configured ones
    assert ("LinkedIn's claim that leaders (SSI > 70) are 51% more likely to hit quota than "
            "laggards (SSI < 30), checked here as leaders (SSI > 50) vs laggards (SSI < 25)"
            ) in res.summary[2]


def test_the_configured_adjustment_applies_to_every_family(example_bundle):
    res = analyze(example_bundle, analysis=AnalysisConfig(n_resamples=300, adjust="bh"))
    from ssi_analysis.stats._common import p_adjust
    for name in ("models", "pillars", "time_order"):
        t = res.tables[name]
        family = ~t.model.str.contains("marginal effect") & t.p_val.notna()
        assert t.p_adj[family].tolist() == pytest.approx(
            p_adjust(t.p_val[family], "bh").tolist()), name
    claims = res.tables["claims"]
    for _, group in claims[claims.p_val.notna()].groupby("comparison"):
        assert group.p_adj.tolist() == pytest.approx(p_adjust(group.p_val, "bh").tolist())


def test_counts_are_whole_numbers_and_the_e_value_sentence_has_its_n(example_analysis):
    for name, t in example_analysis.tables.items():
        for col in [c for c in t.columns if c == "n" or c.startswith("n_")]:
            assert str(t[col].dtype) == "Int64", (name, col)
    assert not re.search(r"\d\.0 reps", " ".join(example_analysis.summary))
    assert "n = 900 rep-periods)." in example_analysis.summary[-1]


def test_outcomes_of_a_single_rep_give_reasons_not_tracebacks(example_bundle):
    # one rep, three periods: cluster-robust errors are impossible with one cluster
    one = example_bundle.outcomes[example_bundle.outcomes.rep_id == "R0001"]
    assert one.period_start.nunique() > 1
    res = analyze(Bundle(reps=example_bundle.reps, activity=example_bundle.activity,
                         outcomes=one), analysis=FAST)
    for name in ("correlations", "models", "claims"):
        t = res.tables[name]
        assert (~t.estimable).all() and t.reason.str.len().gt(0).all(), name
    assert "too few reps" in res.summary[0]
    json.dumps(res.to_dict(), allow_nan=False)


def test_a_constant_outcome_is_not_estimable_everywhere_it_appears():
    """Every rep books exactly its quota and has the same opportunities: no model, claim,
    specification or sentence may give a number or a verdict for those outcomes."""
    from ssi_analysis.report import sections as s

    tables, _ = simulate(80, seed=5, days=120, outcome_months=1)
    out = tables["outcomes"]
    tables["outcomes"] = out.assign(quota=50_000.0, bookings=50_000.0, opportunities=4,
                                    deals_won=1)
    res = analyze(bundle_of(tables), analysis=FAST)
    models = res.tables["models"]
    assert (~models.estimable).all() and models.estimate.isna().all()
    assert models.reason.str.contains("is the same for every rep-period").all()
    claims = res.tables["claims"]
    assert (~claims.estimable).all() and claims.estimate.isna().all()
    assert claims.verdict.str.startswith(("not estimable", "too few reps")).all()
    quartiles = claims[claims.comparison == "top vs bottom quartile"]
    assert quartiles.reason.str.contains("for every rep-period in both groups").all()
    curve = res.tables["specification_curve"]
    assert (~curve.estimable).all() and curve.estimate.isna().all()
    d = res.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["adjusted"]["estimate"] is None and "the same" in d["adjusted"]["reason"]
    assert all(c["ratio"] is None and c["quartiles"]["ratio"] is None
               and c["quartiles"]["verdict"].startswith("not estimable")
               for c in d["claims"].values())
    assert d["specification_curve"]["share_ci_excludes_0"] is None
    text = " ".join(res.summary)
    assert "The adjusted model could not be estimated: attainment is the same" in text
    assert "None of the" in text and "could be estimated" in text
    # the report's pieces say so too
    assert "could not be estimated: attainment is the same" in s.adjusted_sentence(
        d["adjusted"])
    assert s.models_table(d["models"]).count("not estimable") == len(d["models"])
    assert s.claims_table(d["claims"]).count("not estimable") >= 3
    assert "None of the" in s.specification_text(d["specification_curve"])


def test_the_specification_curve_is_in_the_results(example_analysis):
    d = example_analysis.to_dict()["specification_curve"]
    curve = example_analysis.tables["specification_curve"]
    assert d["n_specifications"] == len(curve) == 144       # 3 x 2 x 3 x 2 x 2 x 2
    assert d["share_ci_excludes_0"] == pytest.approx(
        (curve[curve.estimable].verdict != "unclear").mean())
    assert d["main_verdict"] in ("positive", "negative", "unclear")
    assert isinstance(d["depends_on"], list) and len(d["specifications"]) == 144
    main = curve[curve.main].iloc[0]
    ols = example_analysis.tables["models"].set_index("model").loc["OLS"]
    assert main.estimate == pytest.approx(ols.estimate) and main.ci_low == pytest.approx(
        ols.ci_low)
    assert any(sentence.startswith("Across 144 specifications")
               for sentence in example_analysis.summary)
