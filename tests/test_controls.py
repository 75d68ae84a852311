"""Controls a user names: any reps column, numeric as a spline, labels as categories.

A confounder planted in an extra reps column (``territory_size``, from
:func:`ssi_analysis.simulate.simulate`) biases the estimate adjusted for the built-in controls
only, and is absorbed when ``[analysis] controls`` names it; the adjusted estimate is the one a
direct statsmodels fit of the same formula gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from conftest import write_folder

from ssi_analysis import load_data
from ssi_analysis.cli import main
from ssi_analysis.config import AnalysisConfig, load_analysis_config
from ssi_analysis.errors import SSIConfigError
from ssi_analysis.io import Bundle
from ssi_analysis.panel import build_panel
from ssi_analysis.simulate import simulate
from ssi_analysis.stats.models import adjusted_models, design
from ssi_analysis.stats.specification import specification_curve

NAMED = ("tenure", "industry", "region", "territory_size")


def _bundle(tables: dict[str, pd.DataFrame]) -> Bundle:
    act = tables["activity"].assign(date=pd.to_datetime(tables["activity"]["date"]))
    out = tables["outcomes"].assign(
        period_start=pd.to_datetime(tables["outcomes"]["period_start"]),
        period_end=pd.to_datetime(tables["outcomes"]["period_end"]))
    return Bundle(reps=tables["reps"], activity=act, outcomes=out)


def _confounded(seed: int, n_reps: int = 200) -> Bundle:
    tables, truth = simulate(n_reps, seed=seed, scenario="null", days=150, outcome_months=2,
                             territory_confounding=1.0)
    assert truth["outcome_model"]["beta_activity"] == 0.0 and truth["territory_confounding"] == 1.0
    return _bundle(tables)


def _excludes_0(row) -> bool:
    return bool(row.ci_low > 0 or row.ci_high < 0)


@pytest.fixture(scope="module")
def confounded_panel():
    return build_panel(_confounded(1), analysis=AnalysisConfig(controls=NAMED))


def test_a_named_numeric_reps_column_is_in_the_panel_and_enters_as_a_spline(confounded_panel):
    p = confounded_panel
    assert "territory_size" in p.covariates
    assert p.data["territory_size"].dtype == float
    d = design(p.data, controls=NAMED)
    assert d.controls == (*NAMED, "period")
    assert 'cr(territory_size, df=4, constraints="center")' in d.terms
    assert {"control": "territory_size", "column": "territory_size",
            "enters_as": "natural cubic spline, 4 df"} in d.described()


def test_the_planted_confounder_is_absorbed_when_named_and_matches_statsmodels(
        confounded_panel):
    data = confounded_panel.data
    builtin = adjusted_models(data, which=["OLS"]).iloc[0]
    named = adjusted_models(data, which=["OLS"], controls=NAMED).iloc[0]
    # truth: no SSI effect. The built-in controls leave the territory's confounding in
    assert builtin.estimate > 0.05 and builtin.ci_low > 0
    # named, it is absorbed (how often the CI still excludes 0: the repeated-datasets test)
    assert abs(named.estimate) < builtin.estimate / 4
    assert "territory_size" in named.controls
    # the same formula fitted directly with statsmodels (OLS estimate and n)
    direct = smf.ols("attainment ~ I(ssi / 10) + cr(tenure_months, df=4, constraints='center')"
                     " + C(industry) + C(region) + cr(territory_size, df=4, "
                     "constraints='center') + C(period)", data).fit()
    assert named.estimate == pytest.approx(direct.params["I(ssi / 10)"], rel=1e-9)
    assert named.n == direct.nobs == len(data)


def test_over_repeated_datasets_the_named_control_keeps_the_false_positive_rate_low():
    """12 null datasets with the planted confounder: adjusted for the built-in controls, the
    CI excludes 0 in nearly all; with territory_size named, in few (binomial(12, 0.05):
    P(3 or more) = 2%)."""
    builtin = named = 0
    for seed in range(100, 112):
        data = build_panel(_confounded(seed, n_reps=150),
                           analysis=AnalysisConfig(controls=NAMED)).data
        builtin += _excludes_0(adjusted_models(data, which=["OLS"]).iloc[0])
        named += _excludes_0(adjusted_models(data, which=["OLS"], controls=NAMED).iloc[0])
    assert builtin >= 10
    assert named <= 2


def test_the_specification_curve_adjusts_every_specification_for_named_controls(
        confounded_panel):
    data = confounded_panel.data
    with_it = specification_curve({(90, "absolute"): data}, controls=["territory_size"])
    without = specification_curve({(90, "absolute"): data})
    main_with = with_it[with_it["main"]].iloc[0]
    main_without = without[without["main"]].iloc[0]
    named = adjusted_models(data, which=["OLS"], controls=NAMED).iloc[0]
    assert main_with.estimate == pytest.approx(named.estimate, rel=1e-8)
    assert main_without.estimate > main_with.estimate + 0.05


# ------------------------------------------------------------------ data folders
def _reps(territory=lambda i: str(100 + 7 * (i % 9)),
          segment=lambda i: "SMB" if i % 2 else "Enterprise") -> str:
    """24 reps in 4 teams; ``note`` is free text, ``code`` numbers with one text cell."""
    return ("rep_id,team,industry,tenure_months,territory_size,segment,note,code\n"
            + "".join(f"R{i:02d},T{i % 4},Software,{6 + 3 * i},{territory(i)},{segment(i)},"
                      f"note {i},{i if i != 3 else 'x'}\n" for i in range(24)))


REPS = _reps()
ACT = "rep_id,date,metric,value\n" + "".join(
    f"R{i:02d},2026-01-{d:02d},{m},{1 + (i * d) % 3}\n" for i in range(24)
    for d in range(1, 31, 3)
    for m in ("posts", "people_searches", "likes", "connection_requests_accepted"))
OUT = "rep_id,period_start,period_end,quota,bookings,opportunities\n" + "".join(
    f"R{i:02d},2026-02-01,2026-02-28,100,{80 + (i * 7) % 50},{i % 5}\n" for i in range(24))


def _panel(tmp_path, controls, reps=REPS):
    folder = write_folder(tmp_path / "d", reps=reps, activity=ACT, outcomes=OUT)
    from ssi_analysis.config import default_config

    return build_panel(load_data(folder), config=default_config().with_options(window_days=30),
                       analysis=AnalysisConfig(controls=tuple(controls)))


def test_numbers_and_labels_from_a_csv_are_typed(tmp_path):
    p = _panel(tmp_path, ["tenure", "territory_size", "segment"])
    assert p.data["territory_size"].dtype == float
    assert p.data["territory_size"].iloc[1] == 107.0
    assert set(p.data["segment"]) == {"SMB", "Enterprise"}
    d = design(p.data, controls=["tenure", "territory_size", "segment"])
    forms = {c["control"]: c["enters_as"] for c in d.described()}
    assert forms == {"tenure": "natural cubic spline, 4 df",
                     "territory_size": "natural cubic spline, 4 df",
                     "segment": "fixed effects (categories)"}


@pytest.mark.parametrize("controls, reps, fragment, fix", [
    (["territory"], REPS, "no such column (did you mean 'territory_size'?)",
     "add a territory column"),
    (["note"], REPS, "24 different labels for 24 reps", "a few labels shared by several reps"),
    (["code"], REPS, "mixes numbers and text (1 of 24 values are not numbers, e.g. 'x' (rep R03))",
     "numbers only"),
    (["segment"], _reps(segment=lambda i: "Enterprise"), "one value only (Enterprise)",
     "remove it from controls"),
    (["territory_size"], _reps(territory=lambda i: ""),
     "the column has no values for the reps with outcomes", "fill in territory_size"),
    (["region"], REPS, "the reps table has no region values", "add a region column"),
    (["tenure_months"], REPS, "tenure is a built-in control", "name it 'tenure'"),
])
def test_a_control_that_cannot_be_used_is_a_config_error(tmp_path, controls, reps, fragment,
                                                         fix):
    with pytest.raises(SSIConfigError) as exc:
        _panel(tmp_path, controls, reps)
    text = str(exc.value)
    assert text.startswith("reps.csv, column '" + controls[0] + "'")
    assert f"[analysis] controls names '{controls[0]}'" in text
    assert fragment in text and fix in text


def test_rep_periods_without_a_control_value_are_left_out_with_the_reason(tmp_path):
    reps = _reps(territory=lambda i: "" if i in (1, 4) else str(100 + 7 * (i % 9)))
    p = _panel(tmp_path, ["tenure", "territory_size"], reps)
    gone = p.excluded[p.excluded["reason"].str.contains("territory_size")]
    assert sorted(gone["rep_id"]) == ["R01", "R04"]
    assert gone["reason"].iloc[0] == ("the rep has no territory_size in reps (a control named "
                                      "in [analysis] controls)")
    assert p.rows_read == len(p.data) + len(p.excluded) == 24
    assert not p.data["rep_id"].isin(["R01", "R04"]).any()
    assert "2 the rep has no territory_size" in p.lines()[0]


def test_numbers_with_a_decimal_comma_are_read_and_said(tmp_path):
    reps = REPS.replace(",100,", ',"100,5",', 1)
    p = _panel(tmp_path, ["territory_size"], reps)
    assert p.data["territory_size"].iloc[0] == 100.5
    assert any("decimal comma" in n for n in p.notes)


@pytest.mark.parametrize("cells, expected", [
    (["1,234", "2,500", "3,750"], None),               # grouping or decimal: refused
    (["1,234", "2,5", "3,75"], [1.234, 2.5, 3.75]),    # the column shows the comma mark
    (["1.234,5", "2,500", "3,0"], [1234.5, 2.5, 3.0]),
    (["1,234.5", "2,500", "3.0"], [1234.5, 2500.0, 3.0]),  # grouping shown by 1,234.5
])
def test_separators_in_a_numeric_control_are_read_by_the_columns_own_marks(
        tmp_path, cells, expected):
    rows = REPS.splitlines()
    for i, c in enumerate(cells):     # reps R00..R02 (their territory sizes: 100, 107, 114)
        rows[1 + i] = rows[1 + i].replace(f",{100 + 7 * i},", f',"{c}",', 1)
    reps = "\n".join(rows) + "\n"
    if expected is None:
        with pytest.raises(SSIConfigError) as exc:
            _panel(tmp_path, ["territory_size"], reps)
        assert "3 of its values have one separator before three digits" in str(exc.value)
        assert "'1,234' (rep R00)" in str(exc.value)
        assert "without thousands separators" in str(exc.value)
        return
    p = _panel(tmp_path, ["territory_size"], reps)
    got = p.data.drop_duplicates("rep_id").set_index("rep_id")["territory_size"]
    assert got[["R00", "R01", "R02"]].tolist() == pytest.approx(expected)


@pytest.mark.parametrize("value, fragment", [
    ('"tenure"', 'must be "auto" or a list of column names'),
    ('["tenure", "tenure"]', "names 'tenure' more than once"),
    ('["tenure", "period"]', "period fixed effects are added by themselves"),
    ('["bookings"]', "it is an outcome"),
    ('["brand"]', "the pillars are parts of SSI"),
    ('[""]', 'must be "auto" or a list of column names'),
])
def test_bad_controls_in_the_config_file(tmp_path, value, fragment):
    f = tmp_path / "bad.toml"
    f.write_text(f"[analysis]\ncontrols = {value}\n")
    with pytest.raises(SSIConfigError) as exc:
        load_analysis_config(f)
    assert fragment in str(exc.value) and "bad.toml" in str(exc.value)
    assert "fix:" in str(exc.value)


def test_any_reps_column_name_is_accepted_by_the_config_file(tmp_path):
    f = tmp_path / "ok.toml"
    f.write_text('[analysis]\ncontrols = ["tenure", "territory_size"]\n')
    assert load_analysis_config(f).controls == ("tenure", "territory_size")


def test_the_command_line_names_the_column_and_exits_2(tmp_path, capsys):
    folder = write_folder(tmp_path / "d", reps=REPS, activity=ACT, outcomes=OUT)
    cfg = tmp_path / "c.toml"
    cfg.write_text('[analysis]\ncontrols = ["tenure", "teritory_size"]\n')
    assert main(["analyze", "--data", folder, "--out", str(tmp_path / "o"),
                 "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "column 'teritory_size'" in err and "did you mean 'territory_size'" in err
    assert "Traceback" not in err


def test_results_and_methods_name_the_controls_used(tmp_path):
    from ssi_analysis.analysis import analyze
    from ssi_analysis.report.sections import methods_models

    tables, _ = simulate(60, seed=3, scenario="null", days=150, outcome_months=2,
                         territory_confounding=1.0)
    res = analyze(_bundle(tables), analysis=AnalysisConfig(
        controls=("tenure", "territory_size"), n_resamples=200, specification_curve=False))
    used = res.settings["controls"]
    assert [c["control"] for c in used] == ["tenure", "territory_size", "period"]
    text = methods_models(res.settings)
    assert ("control for tenure (natural cubic spline, 4 df), territory_size (natural cubic "
            "spline, 4 df) and period (fixed effects (categories))") in text
    ols = res.tables["models"].set_index("model").loc["OLS"]
    assert ols.controls == "tenure, territory_size, period"
    assert any("Adjusted for tenure, territory_size and period" in s for s in res.summary)
    assert np.isfinite(ols.estimate)


def test_a_panel_built_without_a_named_control_is_refused_by_analyze():
    from ssi_analysis.analysis import analyze

    tables, _ = simulate(60, seed=3, scenario="null", days=150, outcome_months=2,
                         territory_confounding=1.0)
    panel = build_panel(_bundle(tables))                 # controls "auto": no territory_size
    with pytest.raises(SSIConfigError, match="territory_size, which the panel was built "
                                             "without") as exc:
        analyze(panel, analysis=AnalysisConfig(controls=("tenure", "territory_size")))
    assert "build_panel(bundle, analysis=...)" in str(exc.value)
