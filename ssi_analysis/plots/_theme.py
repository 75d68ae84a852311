"""The house theme (an explicit context manager), the palette, and the one way to save a figure."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt

from ..outputs import atomic_path, writing

PALETTE: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
                            "#F0E442", "#000000")
"""Okabe-Ito colours, ordered so neighbours differ in lightness too (grey-scale print)."""

MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*")
HATCHES: tuple[str, ...] = ("", "//", "..", "xx", "\\\\", "++", "--", "oo")

A4_WIDTH_IN = 6.3
"""Text width of an A4 page with 2.5 cm margins, in inches: the width report figures use."""

_RC = {
    "figure.figsize": (A4_WIDTH_IN, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "axes.prop_cycle": mpl.cycler(color=list(PALETTE)),
    "svg.hashsalt": "ssi-analysis",
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
    "font.family": "DejaVu Sans",
}


@contextlib.contextmanager
def theme() -> Iterator[None]:
    """Apply the house theme inside a ``with`` block (and only there).

    Only the theme's own settings are set and afterwards restored. (``matplotlib.rc_context``
    would restore *every* setting, including the interactive mode a notebook's inline backend
    switches on when pyplot is first used inside the block, and later figures would then not
    show.)

    >>> with theme():
    ...     fig, ax = plt.subplots()
    >>> plt.close(fig)
    """
    before = {key: mpl.rcParams[key] for key in _RC}
    mpl.rcParams.update(_RC)
    try:
        yield
    finally:
        mpl.rcParams.update(before)


def save_figure(fig: plt.Figure, path: str | Path, *,
                formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Save ``fig`` as ``path`` with each suffix in ``formats``, byte-reproducibly.

    Metadata that would change between runs (creation date, software version) is left out.
    Each file is written to a temporary name and renamed, so a crash never leaves half a file.
    """
    path = Path(path)
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for fmt in formats:
        target = path.with_suffix(f".{fmt}")
        meta = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None},
                "pdf": {"CreationDate": None, "ModDate": None, "Producer": None,
                        "Creator": None}}.get(fmt, {})
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt, metadata=meta, bbox_inches="tight")
        out.append(target)
    return out
