"""Is the adjusted SSI test calibrated? Repeated simulated datasets with known truth.

For each setting (no effect; tenure confounding linear in months; tenure confounding concave;
a planted effect; no effect with team-level differences) this draws ``--reps`` datasets from
:func:`ssi_analysis.simulate.simulate`, builds the panel as a user's run does
(:func:`ssi_analysis.panel.build_panel`, SSI scored from the activity), fits the adjusted OLS
(:func:`ssi_analysis.stats.models.adjusted_models`) with each way of entering the controls, and
counts how often the 95% CI of the SSI estimate excludes 0. Under no effect that should be
about 5%; with a planted effect, as often as the power analysis predicts
(:func:`ssi_analysis.stats.robustness.power_at` at the mean estimate, per dataset's SE and df).

    .venv/bin/python benchmarks/calibration.py                   # 200 datasets per setting
    .venv/bin/python benchmarks/calibration.py --reps 50 --quick # a look in a minute
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

from ssi_analysis.io import Bundle
from ssi_analysis.panel import build_panel
from ssi_analysis.simulate import simulate
from ssi_analysis.stats.models import adjusted_models
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

METHODS: dict[str, dict] = {
    "spline (default)": {},
    "log(1 + tenure)": {"continuous": "log"},
    "linear tenure": {"continuous": "linear"},
    "spline, 3 df": {"spline_df": 3},
    "spline, 5 df": {"spline_df": 5},
    "spline, errors not clustered": {"cluster": "none"},
}
"""Ways to fit the adjusted model: name -> keyword arguments of ``adjusted_models``."""


def draw_panel(setting: dict, *, seed: int, n_reps: int, periods: int) -> pd.DataFrame:
    """One simulated dataset's rep x period panel (SSI computed from its activity)."""
    tables, _ = simulate(n_reps, seed=seed, days=90 + 30 * periods, outcome_months=periods,
                         **setting)
    activity = tables["activity"].assign(date=pd.to_datetime(tables["activity"]["date"]))
    outcomes = tables["outcomes"].assign(
        period_start=pd.to_datetime(tables["outcomes"]["period_start"]),
        period_end=pd.to_datetime(tables["outcomes"]["period_end"]))
    return build_panel(Bundle(reps=tables["reps"], activity=activity, outcomes=outcomes)).data


def run(setting: str, methods: dict[str, dict], *, reps: int, n_reps: int, periods: int,
        seed: int = 0) -> pd.DataFrame:
    """One row per dataset and method: estimate, CI, SE, df, and whether the CI excludes 0."""
    rows = []
    for r in range(reps):
        panel = draw_panel(SETTINGS[setting], seed=seed + r, n_reps=n_reps, periods=periods)
        for method, kwargs in methods.items():
            row = adjusted_models(panel, which=["OLS"], **kwargs).iloc[0]
            rows.append({"setting": setting, "method": method, "dataset": r,
                         "estimate": row.estimate, "ci_low": row.ci_low,
                         "ci_high": row.ci_high, "se": row.se, "df": row.df,
                         "excludes_0": bool(row.ci_low > 0 or row.ci_high < 0)})
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
        out.append({"setting": setting, "method": method, "datasets": n,
                    "ci_excludes_0": k / n, "wilson_low": lo, "wilson_high": hi,
                    "mean_estimate": g.estimate.mean(), "predicted_power": predicted})
    return pd.DataFrame(out)


def markdown(summary: pd.DataFrame, *, n_reps: int, periods: int, seconds: float) -> str:
    lines = [f"Datasets of {n_reps} reps, {periods} monthly outcome period(s); SSI scored from "
             f"the simulated activity; adjusted OLS of attainment per 10 SSI points, 95% CI. "
             f"Run took {seconds:.0f} s.", "",
             "| setting | controls / errors | datasets | CI excludes 0 | 95% interval | "
             "predicted power |", "| --- | --- | --- | --- | --- | --- |"]
    for r in summary.itertuples():
        power = f"{r.predicted_power:.0%}" if r.setting == "planted effect" else ""
        lines.append(f"| {r.setting} | {r.method} | {r.datasets} | {r.ci_excludes_0:.1%} | "
                     f"{r.wilson_low:.1%}–{r.wilson_high:.1%} | {power} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200, help="datasets per setting")
    ap.add_argument("--n-reps", type=int, default=200, help="reps per dataset")
    ap.add_argument("--periods", type=int, default=2, help="outcome periods per dataset")
    ap.add_argument("--quick", action="store_true", help="only the default method")
    ap.add_argument("--record", type=Path, help="write the table (markdown) to this file")
    args = ap.parse_args(argv)
    methods = {"spline (default)": {}} if args.quick else METHODS
    start = time.perf_counter()
    parts = []
    for i, setting in enumerate(SETTINGS):
        parts.append(run(setting, methods, reps=args.reps, n_reps=args.n_reps,
                         periods=args.periods, seed=1000 * i))
        print(markdown(summarise(parts[-1]), n_reps=args.n_reps, periods=args.periods,
                       seconds=time.perf_counter() - start), flush=True)
    results = pd.concat(parts, ignore_index=True)
    text = markdown(summarise(results), n_reps=args.n_reps, periods=args.periods,
                    seconds=time.perf_counter() - start)
    print(text)
    if args.record:
        args.record.write_text("# Calibration of the adjusted SSI test\n\n"
                               "`benchmarks/calibration.py` " + " ".join(argv or sys.argv[1:])
                               + "\n\n" + text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
