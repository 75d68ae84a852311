"""Shared fixtures: the Agg backend, the bundled example, and a tiny activity builder."""

from __future__ import annotations

import os

# One BLAS thread per test process (set before numpy loads): on a shared 2-core machine
# OpenBLAS's threads contend, and the many small least-squares fits of the statistics tests
# run ten times slower with them than without.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

from ssi_analysis import example_data_dir, load_data  # noqa: E402

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
