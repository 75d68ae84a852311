"""Text from users and data, made to fit the A4 page: shortened with an ellipsis where it
cannot wrap.

The report's stylesheet wraps long text anywhere (``overflow-wrap: anywhere``); what cannot
wrap is shortened here: the title, team and period of the title page (:func:`shorten`), the
title in the footer, which is one line beside "Page i of n" (:func:`fit_width`), and the
labels of figures (:func:`shorten_labels`: an industry or team name of any length).

Examples
--------
>>> shorten("Q2   2026\\nforecast", 40)
'Q2 2026 forecast'
>>> shorten("x" * 50, 10)
'xxxxxxxxx…'
"""

from __future__ import annotations

import functools
import re

ELLIPSIS = "…"
TITLE_MAX = 200
"""Most characters of the report's title on the title page."""
LABEL_MAX = 120
"""Most characters of the team and period labels on the title page."""
FIGURE_LABEL_MAX = 40
"""Most characters of a label in a figure (a tick label, a legend entry)."""
FOOTER_TITLE_PT = 11 * 72 / 2.54
"""Widest the footer's title may be, in points (11 cm of the page's 16.8 cm between the
margins; "Page i of n" takes the rest)."""


def shorten(text: object, limit: int, *, end: int = 0) -> str:
    """``text`` on one line (runs of white space as one space), at most ``limit`` characters:
    cut with an ellipsis when longer, keeping its last ``end`` characters.

    >>> shorten("Professional and Technical Services (n=78)", 24, end=8)
    'Professional an…s (n=78)'
    """
    flat = re.sub(r"\s+", " ", "" if text is None else str(text)).strip()
    if len(flat) <= limit:
        return flat
    end = min(end, limit - 2)
    return flat[:limit - 1 - end].rstrip() + ELLIPSIS + (flat[len(flat) - end:] if end else "")


@functools.lru_cache(maxsize=1)
def _font():
    from matplotlib import font_manager, ft2font

    return ft2font.FT2Font(font_manager.findfont(
        font_manager.FontProperties(family="DejaVu Sans"), fallback_to_default=True))


def text_width(text: str, size: float) -> float:
    """Width in points of ``text`` in DejaVu Sans (the report's font) at ``size`` points; a
    character the font lacks counts 1 em (another font draws it, at most about that wide).

    >>> round(text_width("Page", 10), 1)
    24.7
    """
    font = _font()
    font.set_size(size, 72)
    width = 0.0
    for char in text:
        if font.get_char_index(ord(char)) == 0:
            width += size
        else:
            width += font.load_char(ord(char)).linearHoriAdvance / 65536
    return width


def fit_width(text: object, width: float, size: float) -> str:
    """``text`` on one line, shortened with an ellipsis so that it is at most ``width`` points
    wide at ``size`` points.

    >>> fit_width("W" * 200, 100, 7.5)
    'WWWWWWWWWWWW…'
    """
    flat = shorten(text, 10_000)
    if text_width(flat, size) <= width:
        return flat
    low, high = 0, len(flat)          # the longest prefix that fits with the ellipsis
    while low < high:
        mid = (low + high + 1) // 2
        if text_width(flat[:mid].rstrip() + ELLIPSIS, size) <= width:
            low = mid
        else:
            high = mid - 1
    return flat[:low].rstrip() + ELLIPSIS


def shorten_labels(fig, limit: int = FIGURE_LABEL_MAX) -> None:
    """Shorten, with an ellipsis, every tick label, legend entry and note of ``fig`` longer
    than ``limit`` characters per line (names from the data: industries, teams), keeping the
    end of each (a count such as ``(n=19)``); the layout is then made again for the new labels.

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.barh([0, 1], [3, 4], tick_label=["Software", "Z" * 90])
    >>> shorten_labels(fig)
    >>> [(t.get_text()[:4], len(t.get_text())) for t in ax.get_yticklabels()]
    [('Soft', 8), ('ZZZZ', 40)]
    >>> "…" in ax.get_yticklabels()[1].get_text()
    True
    >>> plt.close(fig)
    """
    import warnings

    def short(text: str) -> str:
        return "\n".join(shorten(line, limit, end=limit // 4) if len(line) > limit else line
                         for line in text.split("\n"))

    changed = False
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t.get_text() for t in axis.get_ticklabels()]
            if any(short(t) != t for t in labels):
                axis.set_ticks(axis.get_ticklocs(), [short(t) for t in labels])
                changed = True
        legend = ax.get_legend()
        for text in [*ax.texts, *(legend.get_texts() if legend is not None else [])]:
            if short(text.get_text()) != text.get_text():
                text.set_text(short(text.get_text()))
                changed = True
    if changed and fig.get_layout_engine() is None:
        with warnings.catch_warnings():       # a figure tight_layout cannot arrange stays
            warnings.simplefilter("ignore", UserWarning)
            fig.tight_layout()
