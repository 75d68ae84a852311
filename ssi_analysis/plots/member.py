"""Figures of one member's SSI over time: against the industry and network, and the ranks."""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd

from ..errors import SSIInputError
from ._theme import MARKERS, PALETTE

_NAMES = {"ssi": "SSI", "brand": "Brand", "people": "People", "insights": "Insights",
          "relationships": "Relationships", "industry_rank": "Industry rank",
          "network_rank": "Network rank"}


def _dates(ax) -> None:
    locator = mdates.AutoDateLocator(maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _of(history: pd.DataFrame, measure: str) -> pd.DataFrame:
    missing = [c for c in ("date", "measure", "value", "industry", "network") if c not in history]
    if missing:
        raise SSIInputError(f"the history has no column {', '.join(missing)}",
                            fix="pass ssi_analysis.stats.member_history(...)")
    rows = history[history["measure"] == measure].sort_values("date")
    if rows.empty:
        raise SSIInputError(f"the history holds no '{measure}'",
                            fix=f"choose one of {', '.join(pd.unique(history['measure']))}")
    return rows


def member_vs_groups(history: pd.DataFrame, *, measure: str = "ssi", ax=None):
    """A member's ``measure`` over time beside the industry's and the network's averages.

    ``history`` is :func:`ssi_analysis.stats.member_history`. Lines: the member (solid, with
    markers), the industry's average (dashed) and the network's (dotted), where LinkedIn showed
    them. Every value is LinkedIn's.

    >>> import numpy as np
    >>> from ssi_analysis.stats import member_history
    >>> obs = pd.DataFrame({"rep_id": "ana", "date": pd.date_range("2026-03-02", periods=6),
    ...                     "ssi": np.arange(40.0, 46), "brand": 10.0, "people": 10.0,
    ...                     "insights": 10.0, "relationships": 10.0, "industry_ssi": 35.0,
    ...                     "network_ssi": 38.0})
    >>> ax = member_vs_groups(member_history(obs))
    >>> [line.get_label() for line in ax.get_lines()]
    ['ana', 'industry average', 'network average']
    >>> plt.close("all")
    """
    rows = _of(history, measure)
    if ax is None:
        _, ax = plt.subplots()
    who = str(rows["rep_id"].iloc[0]) if "rep_id" in rows else "member"
    ax.plot(rows["date"], rows["value"], color=PALETTE[0], marker=MARKERS[0], markersize=3,
            linewidth=1.5, label=who)
    for col, style, colour in (("industry", "--", PALETTE[1]), ("network", ":", PALETTE[2])):
        if rows[col].notna().any():
            ax.plot(rows["date"], rows[col], linestyle=style, color=colour, linewidth=1.3,
                    label=f"{col} average")
    _dates(ax)
    top = 100 if measure == "ssi" else 25
    ax.set_ylim(0, top)
    ax.set_ylabel(f"{_NAMES.get(measure, measure)} (points, 0–{top})")
    ax.set_title(f"{_NAMES.get(measure, measure)}: {who} and the averages LinkedIn shows")
    ax.legend(loc="lower left", frameon=False, fontsize=7)
    return ax


def member_ranks(history: pd.DataFrame, *, ax=None):
    """A member's industry and network ranks over time ("Top N%": lower is better, so the
    axis runs from 100% at the bottom to the top 1% at the top).

    >>> from ssi_analysis.stats import member_history
    >>> obs = pd.DataFrame({"rep_id": "ana", "date": pd.date_range("2026-03-02", periods=3),
    ...                     "ssi": 40.0, "brand": 10.0, "people": 10.0, "insights": 10.0,
    ...                     "relationships": 10.0, "industry_rank": [20.0, 15, 12]})
    >>> [float(v) for v in member_ranks(member_history(obs)).get_ylim()]
    [100.0, 0.0]
    >>> plt.close("all")
    """
    ranks = history[history["measure"].isin(["industry_rank", "network_rank"])]
    if ranks.empty:
        raise SSIInputError("the history holds no ranks (industry_rank, network_rank)",
                            fix="load snapshots with LinkedIn's ranks (Top N%)")
    if ax is None:
        _, ax = plt.subplots()
    for i, (measure, grp) in enumerate(ranks.groupby("measure", sort=True)):
        grp = grp.sort_values("date")
        ax.plot(grp["date"], grp["value"], color=PALETTE[i], marker=MARKERS[i], markersize=3,
                linewidth=1.4, label=_NAMES[measure])
    _dates(ax)
    ax.set_ylim(100, 0)
    ax.set_ylabel("Rank (Top N%)")
    ax.set_title("Ranks LinkedIn shows (higher on the chart: better)")
    ax.legend(loc="lower left", frameon=False, fontsize=7)
    return ax


__all__ = ["member_ranks", "member_vs_groups"]
