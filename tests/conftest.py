"""Shared fixtures: the Agg backend, the bundled example, and a tiny activity builder."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ssi_analysis import example_data_dir, load_data  # noqa: E402


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
