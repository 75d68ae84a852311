"""Is the adjusted SSI test calibrated? Repeated simulated datasets with known truth.

For each setting (no effect; tenure confounding linear in months; tenure confounding concave;
a planted effect; no effect with team-level differences) this draws ``--reps`` datasets from
:func:`ssi_analysis.simulate.simulate`, builds the panel as a user's run does
(:func:`ssi_analysis.panel.build_panel`, SSI scored from the activity), fits the adjusted OLS
(:func:`ssi_analysis.stats.models.adjusted_models`) with each way of entering the controls, and
counts how often the 95% CI of the SSI estimate excludes 0. Under no effect that should be
about 5%; with a planted effect, as often as the power analysis predicts
(:func:`ssi_analysis.stats.robustness.power_at` at the mean estimate, per dataset's SE and df).

A count over 200 datasets is noisy: a calibrated test's rate lands anywhere in about 2%–8%.
So under no effect each dataset also gives its **design-conditional** false-positive rate: its
SSI, covariates and teams held fixed, attainment redrawn ``--draws`` times from the simulated
outcome model (:func:`ssi_analysis.simulate.redraw_null_attainment`) and the same CR2 test
applied to every draw (vectorised). Their mean is the test's expected false-positive rate in
that setting, with a Monte Carlo error a tenth of the count's; the count is one draw of
binomial(datasets, that rate).

    .venv/bin/python benchmarks/calibration.py                   # 200 datasets per setting
    .venv/bin/python benchmarks/calibration.py --reps 50 --quick # a look in a minute
    .venv/bin/python benchmarks/calibration.py --n-reps 800 --settings null,linear,concave
    .venv/bin/python benchmarks/calibration.py --record benchmarks/CALIBRATION.md

The test suite (``tests/test_calibration.py``) runs a small version of the same functions.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats as sps

from ssi_analysis.io import Bundle
from ssi_analysis.panel import build_panel
from ssi_analysis.simulate import redraw_null_attainment, simulate
from ssi_analysis.stats.cr2 import CR2Design
from ssi_analysis.stats.models import _prepare, _usable, adjusted_models, design
from ssi_analysis.stats.robustness import power_at

SETTINGS: dict[str, dict] = {
    "no effect": {"scenario": "null"},
    "tenure confounds, linear in months": {"scenario": "confounded", "confounding": "linear"},
    "tenure confounds, concave (log)": {"scenario": "confounded", "confounding": "concave"},
    "planted effect": {"scenario": "effect"},
    "no effect, 25 teams with team differences": {"scenario": "null", "n_teams": 25,
                                                  "team_sd": 0.3, "team_activity_sd": 0.6},
}
"""Simulated settings: name -> keyword arguments of ``simulate``."""
SHORT = {"null": "no effect", "linear": "tenure confounds, linear in months",
         "concave": "tenure confounds, concave (log)", "effect": "planted effect",
         "teams": "no effect, 25 teams with team differences"}
"""Short names of the settings for ``--settings``."""

METHODS: dict[str, dict] = {
    "spline (default)": {},
    "log(1 + tenure)": {"continuous": "log"},
    "linear tenure": {"continuous": "linear"},
    "spline, 3 df": {"spline_df": 3},
    "spline, 5 df": {"spline_df": 5},
    "spline, errors not clustered": {"cluster": "none"},
}
"""Ways to fit the adjusted model: name -> keyword arguments of ``adjusted_models``."""


def draw(setting: dict, *, seed: int, n_reps: int, periods: int) -> tuple[pd.DataFrame, dict]:
    """One simulated dataset's rep x period panel (SSI computed from its activity) and its
    truth."""
    tables, truth = simulate(n_reps, seed=seed, days=90 + 30 * periods,
                             outcome_months=periods, **setting)
    activity = tables["activity"].assign(date=pd.to_datetime(tables["activity"]["date"]))
    outcomes = tables["outcomes"].assign(
        period_start=pd.to_datetime(tables["outcomes"]["period_start"]),
        period_end=pd.to_datetime(tables["outcomes"]["period_end"]))
    panel = build_panel(Bundle(reps=tables["reps"], activity=activity, outcomes=outcomes))
    return panel.data, truth


def draw_panel(setting: dict, *, seed: int, n_reps: int, periods: int) -> pd.DataFrame:
    """One simulated dataset's rep x period panel (SSI computed from its activity)."""
    return draw(setting, seed=seed, n_reps=n_reps, periods=periods)[0]


def conditional_design(panel: pd.DataFrame, method: dict
                       ) -> tuple[pd.DataFrame, np.ndarray, int, CR2Design]:
    """The rows, design matrix, SSI column and CR2 weights of the adjusted OLS that
    :func:`adjusted_models` fits with ``method``'s keyword arguments (same rows, formula and
    clusters)."""
    d = design(panel, **{k: v for k, v in method.items()
                         if k in ("controls", "cluster", "continuous", "spline_df")})
    f = _usable(_prepare(panel),
                ["ssi_10", "attainment", *d.columns] + ([d.cluster] if d.cluster else []))
    model = smf.ols(f"attainment ~ ssi_10{d.rhs}", f)
    j = model.exog_names.index("ssi_10")
    groups = f[d.cluster].to_numpy() if d.cluster else np.arange(len(f))
    return f, model.exog, j, CR2Design.from_exog(model.exog, groups, [j])


def t_statistics(X: np.ndarray, j: int, cr2: CR2Design, Y: np.ndarray) -> np.ndarray:
    """CR2 t statistics of column ``j`` for every column of outcomes ``Y`` (rows x draws)."""
    B = cr2.pinv @ (X.T @ Y)
    E = Y - X @ B
    sums = np.zeros((cr2.n_clusters, Y.shape[1]))
    np.add.at(sums, cr2.codes, cr2.weights[:, [0]] * E)
    return B[j] / np.sqrt((sums ** 2).sum(axis=0))


def conditional_rate(panel: pd.DataFrame, truth: dict, method: dict, *, draws: int,
                     rng: np.random.Generator, confidence: float = 0.95) -> float:
    """The share of ``draws`` outcomes redrawn under no SSI effect, the panel's design held
    fixed, in which the adjusted OLS's CR2 CI of SSI excludes 0 (every draw at once)."""
    f, X, j, cr2 = conditional_design(panel, method)
    t = t_statistics(X, j, cr2, redraw_null_attainment(f, truth, draws=draws, rng=rng))
    return float(np.mean(np.abs(t) > sps.t.ppf(0.5 + confidence / 2, cr2.df[0])))


DIAGNOSES: dict[str, dict] = {
    "as analysed: CR2, Bell–McCaffrey df": {},
    "t reference on G − 1 df": {"reference": "G-1"},
    "spline, 3 df": {"spline_df": 3},
    "spline, 8 df": {"spline_df": 8},
    "spline knots evenly spaced (default: at quantiles)": {"knots": "even"},
    "no period fixed effects": {"period": False},
    "errors clustered by rep": {"cluster": "rep"},
    "outcome noise Student t (3 df), same SD": {"noise_df": 3.0},
    "tenure effect on attainment doubled": {"tau_factor": 2.0},
}
"""What ``--diagnose`` varies, one thing at a time: the model (design, reference distribution)
or the law of the redrawn outcome."""


def _variant_design(panel: pd.DataFrame, change: dict
                    ) -> tuple[pd.DataFrame, np.ndarray, int, CR2Design, float]:
    """:func:`conditional_design` with one change of :data:`DIAGNOSES`, and the critical t."""
    d = design(panel, spline_df=change.get("spline_df", 4))
    terms = [t for t in d.terms if change.get("period", True) or t != "C(period)"]
    f = _usable(_prepare(panel), ["ssi_10", "attainment", *d.columns, "team"])
    if change.get("knots") == "even":
        lo, hi = float(f["tenure_months"].min()), float(f["tenure_months"].max())
        inner = np.linspace(lo, hi, 5)[1:-1].round(6).tolist()
        terms = [f'cr(tenure_months, knots={inner}, lower_bound={lo}, upper_bound={hi}, '
                 'constraints="center")' if t.startswith("cr(tenure_months") else t
                 for t in terms]
    model = smf.ols("attainment ~ ssi_10" + "".join(f" + {t}" for t in terms), f)
    j = model.exog_names.index("ssi_10")
    cr2 = CR2Design.from_exog(model.exog, f["rep_id" if change.get("cluster") == "rep"
                                            else "team"].to_numpy(), [j])
    df = cr2.n_clusters - 1 if change.get("reference") == "G-1" else cr2.df[0]
    return f, model.exog, j, cr2, float(sps.t.ppf(0.975, df))


def diagnose(setting: str, *, reps: int, n_reps: int, periods: int, seed: int, draws: int
             ) -> pd.DataFrame:
    """Per dataset and :data:`DIAGNOSES` entry: whether the actual outcome's CI excludes 0
    (model changes only) and the design-conditional false-positive rate (the model changes
    on the same redrawn outcomes, so their differences are sharper than their levels)."""
    rows = []
    for r in range(reps):
        panel, truth = draw(SETTINGS[setting], seed=seed + r, n_reps=n_reps, periods=periods)
        outcomes: dict[tuple, np.ndarray] = {}    # the model changes share their draws
        for name, change in DIAGNOSES.items():
            f, X, j, cr2, crit = _variant_design(panel, change)
            law = {k: change[k] for k in ("noise_df",) if k in change}
            if "tau_factor" in change:
                law["tau_tenure"] = change["tau_factor"] * truth["outcome_model"]["tau_tenure"]
            key = tuple(sorted(law.items()))
            if key not in outcomes:
                stream = np.random.default_rng([seed + r, 98, len(outcomes)])
                outcomes[key] = redraw_null_attainment(f, truth, draws=draws, rng=stream, **law)
            Y = outcomes[key]
            observed = (np.nan if law else
                        float(abs(t_statistics(X, j, cr2, f[["attainment"]].to_numpy()))[0]
                              > crit))
            rows.append({"setting": setting, "method": name, "dataset": r,
                         "excludes_0": observed,
                         "expected_fp": float(np.mean(np.abs(t_statistics(X, j, cr2, Y))
                                                      > crit))})
    return pd.DataFrame(rows)


def diagnosis_markdown(results: pd.DataFrame, *, n_reps: int, periods: int, draws: int
                       ) -> str:
    """One row per change: the count over datasets (model changes) and the expected rate."""
    lines = [f"Datasets of {n_reps} reps, {periods} period(s); one change at a time; the "
             f"expected rate from {draws} outcome redraws per dataset ± its Monte Carlo SE.", "",
             "| setting | change | datasets | CI excludes 0 | expected (design-conditional) |",
             "| --- | --- | --- | --- | --- |"]
    for (setting, method), g in results.groupby(["setting", "method"], sort=False):
        seen = g["excludes_0"].dropna()
        count = f"{seen.mean():.1%}" if len(seen) else "(outcome law only)"
        lines.append(f"| {setting} | {method} | {len(g)} | {count} | "
                     f"{g.expected_fp.mean():.1%} ± "
                     f"{g.expected_fp.std() / np.sqrt(len(g)):.1%} |")
    return "\n".join(lines) + "\n"


def run(setting: str, methods: dict[str, dict], *, reps: int, n_reps: int, periods: int,
        seed: int = 0, draws: int = 0) -> pd.DataFrame:
    """One row per dataset and method: estimate, CI, SE, df, whether the CI excludes 0, and
    (with ``draws`` > 0, under no effect) the design-conditional false-positive rate."""
    rows = []
    null = SETTINGS[setting].get("scenario") != "effect"
    for r in range(reps):
        panel, truth = draw(SETTINGS[setting], seed=seed + r, n_reps=n_reps, periods=periods)
        rng = np.random.default_rng([seed + r, 99])
        for method, kwargs in methods.items():
            row = adjusted_models(panel, which=["OLS"], **kwargs).iloc[0]
            rows.append({"setting": setting, "method": method, "dataset": r,
                         "estimate": row.estimate, "ci_low": row.ci_low,
                         "ci_high": row.ci_high, "se": row.se, "df": row.df,
                         "excludes_0": bool(row.ci_low > 0 or row.ci_high < 0),
                         "expected_fp": (conditional_rate(panel, truth, kwargs, draws=draws,
                                                          rng=rng)
                                         if draws and null else np.nan)})
    return pd.DataFrame(rows)


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Per setting and method: datasets, share whose CI excludes 0 (with a 95% Wilson
    interval), and for the planted effect the power predicted at the mean estimate."""
    from statsmodels.stats.proportion import proportion_confint

    out = []
    for (setting, method), g in results.groupby(["setting", "method"], sort=False):
        k, n = int(g.excludes_0.sum()), len(g)
        lo, hi = proportion_confint(k, n, method="wilson")
        predicted = float(np.mean(power_at(g.estimate.mean(), se=g.se, df=g.df)))
        expected = g["expected_fp"].dropna() if "expected_fp" in g else pd.Series(dtype=float)
        out.append({"setting": setting, "method": method, "datasets": n,
                    "ci_excludes_0": k / n, "wilson_low": lo, "wilson_high": hi,
                    "mean_estimate": g.estimate.mean(), "predicted_power": predicted,
                    "expected_fp": expected.mean() if len(expected) else np.nan,
                    "expected_fp_se": (expected.std() / np.sqrt(len(expected))
                                       if len(expected) > 1 else np.nan)})
    return pd.DataFrame(out)


def markdown(summary: pd.DataFrame, *, n_reps: int, periods: int, seconds: float,
             draws: int = 0) -> str:
    lines = [f"Datasets of {n_reps} reps ({max(2, round(n_reps / 20))} teams), {periods} monthly "
             "outcome period(s); SSI scored from the simulated activity; adjusted OLS of "
             "attainment per 10 SSI points, 95% CI"
             + (f"; expected false-positive rate from {draws} outcome redraws per dataset, "
                "± its Monte Carlo SE" if draws else "") + f". Run took {seconds:.0f} s.", "",
             "| setting | controls / errors | datasets | CI excludes 0 | 95% interval | "
             "expected (design-conditional) | predicted power |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in summary.itertuples():
        power = f"{r.predicted_power:.0%}" if r.setting == "planted effect" else ""
        expected = (f"{r.expected_fp:.1%} ± {r.expected_fp_se:.1%}"
                    if np.isfinite(r.expected_fp) else "")
        lines.append(f"| {r.setting} | {r.method} | {r.datasets} | {r.ci_excludes_0:.1%} | "
                     f"{r.wilson_low:.1%}–{r.wilson_high:.1%} | {expected} | {power} |")
    return "\n".join(lines) + "\n"


def record(path: Path, command: str, text: str) -> None:
    """Write the table into ``path`` under a heading naming the command: a section from an
    earlier run of the same command is replaced, any other text is kept."""
    begin, end = f"<!-- {command} -->", f"<!-- end {command} -->"
    block = f"{begin}\n`{command}`\n\n{text}{end}\n"
    old = path.read_text(encoding="utf-8") if path.exists() else \
        "# Calibration of the adjusted SSI test\n\n"
    if begin in old and end in old:
        new = old[:old.index(begin)] + block + old[old.index(end) + len(end) + 1:]
    else:
        new = old.rstrip("\n") + "\n\n" + block
    path.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200, help="datasets per setting")
    ap.add_argument("--n-reps", type=int, default=200, help="reps per dataset")
    ap.add_argument("--periods", type=int, default=2, help="outcome periods per dataset")
    ap.add_argument("--settings", default=",".join(SHORT),
                    help=f"settings to run, comma-separated among {', '.join(SHORT)}")
    ap.add_argument("--seed", type=int, default=0,
                    help="first seed (setting i uses seed + 1000 i onwards)")
    ap.add_argument("--draws", type=int, default=200,
                    help="outcome redraws per dataset for the design-conditional rate (0: none)")
    ap.add_argument("--quick", action="store_true", help="only the default method")
    ap.add_argument("--diagnose", action="store_true",
                    help="vary one thing at a time (DIAGNOSES) in the no-effect settings")
    ap.add_argument("--record", type=Path, help="write the table (markdown) into this file")
    args = ap.parse_args(argv)
    chosen = [s.strip() for s in args.settings.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SHORT))
    if unknown:
        ap.error(f"unknown setting(s) {', '.join(unknown)}; choose among {', '.join(SHORT)}")
    methods = {"spline (default)": {}} if args.quick else METHODS
    start = time.perf_counter()
    parts = []
    for i, setting in enumerate(SETTINGS):
        if not any(SHORT[c] == setting for c in chosen):
            continue
        common = {"reps": args.reps, "n_reps": args.n_reps, "periods": args.periods,
                  "seed": args.seed + 1000 * i, "draws": args.draws}
        if args.diagnose:
            if SETTINGS[setting].get("scenario") == "effect":
                continue
            parts.append(diagnose(setting, **common))
            text = diagnosis_markdown(pd.concat(parts), n_reps=args.n_reps,
                                      periods=args.periods, draws=args.draws)
        else:
            parts.append(run(setting, methods, **common))
            text = markdown(summarise(pd.concat(parts)), n_reps=args.n_reps,
                            periods=args.periods, seconds=time.perf_counter() - start,
                            draws=args.draws)
        print(text, flush=True)        # the table so far, each setting as it ends
    if args.record:
        command = "benchmarks/calibration.py " + " ".join(
            a for a in (argv if argv is not None else sys.argv[1:])
            if a not in ("--record", str(args.record)))
        record(args.record, command.strip(), text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
