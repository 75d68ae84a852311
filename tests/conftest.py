"""Shared fixtures: the Agg backend, the day of the run (pinned), the bundled example, the
example report (built once per run), and a tiny activity builder."""

from __future__ import annotations

import os

# One BLAS thread per test process (set before numpy loads): on a shared 2-core machine
# OpenBLAS's threads contend, and the many small least-squares fits of the statistics tests
# run ten times slower with them than without.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

from ssi_analysis import example_data_dir, load_data  # noqa: E402

# The day of the run is pinned (for this process and everything it starts: command-line runs in
# subprocesses, notebook kernels). Dates after the day of the run are rejected as "in the
# future" (ssi_analysis.io.run_day); the suite's data and expectations are written for one
# day, so a machine whose clock is set differently, or a run years from now, gets the same
# results. A test that needs another day sets the variable itself (monkeypatch.setenv).
RUN_DAY = "2026-12-01"
os.environ["SSI_ANALYSIS_TODAY"] = RUN_DAY

# HYPOTHESIS_PROFILE=long: property tests and the fuzzers (tests/test_fuzz.py) with many more
# examples, for a local run; CI uses each test's own bounded settings.
settings.register_profile("long", max_examples=1000, deadline=None)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


@pytest.fixture(scope="session")
def example_bundle():
    return load_data(example_data_dir())


def make_activity(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    """Long activity from ``(rep_id, date, metric, value)`` tuples."""
    df = pd.DataFrame(rows, columns=["rep_id", "date", "metric", "value"])
    df["date"] = pd.to_datetime(df["date"])
    df["value"] = df["value"].astype(float)
    return df


def write_folder(path, **tables: str) -> str:
    """Write CSV text tables into ``path`` and return it as a string."""
    path.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (path / f"{name}.csv").write_text(text, encoding="utf-8")
    return str(path)


REPORT_EPOCH = "1767225600"  # 2026-01-01T00:00:00Z: SOURCE_DATE_EPOCH of the example report
REPORT_ARGS = ["report", "--data", "example", "--out", "reports/ssi-report.pdf",
               "--team", "Example Co", "--period", "Q2 2026"]


@dataclass(frozen=True)
class ExampleReport:
    """The example report built once for the whole run, and what was seen while it was built."""

    pdf: Path
    scorings: list[tuple[int, str, bool]]
    """Every scoring of the activity while the report was built: (window, mode, daily)."""
    figure_texts: dict[str, list[str]]
    """Every text drawn on each figure (by figure name), as the figures were saved."""
    context: dict
    """The context the report notebook was rendered with."""


@pytest.fixture(scope="session")
def example_report(tmp_path_factory) -> ExampleReport:
    """The leadership PDF of the example, as the README builds it (a relative ``--out`` from
    the working folder), with ``SOURCE_DATE_EPOCH`` set: built once and shared by every test
    that reads it (tests/test_report.py, test_privacy.py)."""
    import matplotlib.text

    import ssi_analysis.report as report
    import ssi_analysis.scoring as scoring
    from ssi_analysis.cli import main
    from ssi_analysis.config import default_config

    texts: dict[str, list[str]] = {}
    scorings, rendered = [], {}
    save_figure, prepare, render = report.save_figure, scoring.prepare, report.render

    def saving(fig, path, **kwargs):
        texts[Path(path).name] = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
        return save_figure(fig, path, **kwargs)

    def preparing(*args, **kwargs):          # every scoring, on either engine, starts here
        cfg = (kwargs.get("config") or default_config()).with_options(
            window_days=kwargs.get("window"), mode=kwargs.get("mode"))
        scorings.append((cfg.window_days, cfg.mode, bool(kwargs.get("daily"))))
        return prepare(*args, **kwargs)

    def rendering(work, context, pdf):
        rendered.update(context)
        return render(work, context, pdf)

    base = tmp_path_factory.mktemp("report")
    old_cwd = os.getcwd()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", REPORT_EPOCH)
        mp.setattr(report, "save_figure", saving)
        mp.setattr(scoring, "prepare", preparing)
        mp.setattr(report, "render", rendering)
        os.chdir(base)
        try:
            assert main(REPORT_ARGS) == 0
        finally:
            os.chdir(old_cwd)
    return ExampleReport(base / "reports" / "ssi-report.pdf", scorings, texts, rendered)


@pytest.fixture(scope="session")
def example_panel(example_bundle):
    from ssi_analysis.panel import build_panel

    return build_panel(example_bundle)


def synthetic_panel(n_reps: int = 200, periods: int = 2, *, beta: float = 0.0, seed: int = 0,
                    n_teams: int = 20) -> pd.DataFrame:
    """A panel with known truth: attainment = 0.9 + beta * ssi/10 + team + rep + noise."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rep = np.repeat(np.arange(n_reps), periods)
    team = rng.integers(0, n_teams, n_reps)[rep]
    ssi = np.clip(rng.normal(38, 12, n_reps)[rep] + rng.normal(0, 4, len(rep)), 1, 99)
    att = (0.9 + beta * ssi / 10 + rng.normal(0, 0.1, n_teams)[team]
           + rng.normal(0, 0.15, n_reps)[rep] + rng.normal(0, 0.3, len(rep)))
    quota = 50_000.0
    df = pd.DataFrame({
        "rep_id": [f"R{r:04d}" for r in rep], "team": [f"T{t:02d}" for t in team],
        "period": np.tile(np.arange(1, periods + 1), n_reps),
        "ssi": ssi, "ssi_10": ssi / 10, "attainment": att, "quota": quota,
        "bookings": att * quota, "hit_quota": (att >= 1).astype(int),
        "opportunities": rng.poisson(np.exp(1.5 + 0.1 * beta * ssi / 10)),
        "tenure_months": rng.gamma(2, 18, n_reps)[rep].round() + 2,
        "industry": np.array(["A", "B", "C"])[rng.integers(0, 3, n_reps)][rep],
    })
    for p, share in (("brand", 0.3), ("people", 0.2), ("insights", 0.15), ("relationships", 0.35)):
        df[p] = np.clip(df["ssi"] * share + rng.normal(0, 1.5, len(df)), 0, 25)
    df["period_start"] = pd.Timestamp("2026-01-01") + pd.to_timedelta((df.period - 1) * 30, "D")
    df["ssi_end"] = df["ssi"] + rng.normal(0, 2, len(df))
    df["ssi_after"] = df["ssi_end"] + rng.normal(0, 2, len(df))
    return df
