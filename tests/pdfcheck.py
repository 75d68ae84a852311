"""Where the text of a PDF lies on its pages: the check that user text stays on the page.

Every character's box (pypdfium2) must lie between the page's left and right margins, none may
sit in the top margin, and the bottom margin may hold only the footer: one line, whose parts
(the running title and "Page i of n") do not overlap.
"""

from __future__ import annotations

from pathlib import Path

CM = 72 / 2.54
MARGINS = {"top": 2.2 * CM, "right": 2.1 * CM, "bottom": 2.2 * CM, "left": 2.1 * CM}
"""The @page margins of ssi_analysis/report/report.css, in points."""

SLACK = 1.5
"""Points of tolerance (glyph boxes overhang their advance a little)."""


def layout_problems(pdf: str | Path, margins: dict[str, float] = MARGINS) -> list[str]:
    """Every character outside where it belongs, as ``page N: ...`` lines (empty: all fine)."""
    import pypdfium2 as pdfium

    problems = []
    doc = pdfium.PdfDocument(str(pdf))
    try:
        for number, page in enumerate(doc, 1):
            width, height = page.get_size()
            text = page.get_textpage()
            footer = []
            for i in range(text.count_chars()):
                left, bottom, right, top = text.get_charbox(i)
                if right <= left:        # spaces and line ends have no box
                    continue
                char = text.get_text_range(i, 1)
                if left < margins["left"] - SLACK or right > width - margins["right"] + SLACK:
                    problems.append(f"page {number}: {char!r} at x {left:.0f}-{right:.0f} is "
                                    f"outside the margins (page width {width:.0f})")
                elif top > height - margins["top"] + SLACK or bottom < -SLACK:
                    problems.append(f"page {number}: {char!r} at y {bottom:.0f}-{top:.0f} is "
                                    "in the top margin or off the page")
                elif bottom < margins["bottom"] - SLACK:
                    footer.append((left, bottom, right, top, char))
            problems += [f"page {number}: {p}" for p in _footer_problems(footer)]
            text.close()
            page.close()
    finally:
        doc.close()
    return problems


def _footer_problems(chars: list[tuple[float, float, float, float, str]]) -> list[str]:
    """The footer is one line and no two of its letters overlap by more than half (marks and
    the joined letters of a script such as Arabic touch; text written over text covers)."""
    import unicodedata

    chars = [c for c in chars if c[4].strip() and not unicodedata.combining(c[4])]
    if not chars:
        return []
    out = []
    bottoms = [c[1] for c in chars]
    if max(bottoms) - min(bottoms) > 4:
        out.append(f"the footer (or text below the body) spans several lines: "
                   f"{''.join(c[4] for c in chars)[:80]!r}")
    ordered = sorted(chars)
    for a, b in zip(ordered, ordered[1:], strict=False):
        narrower = min(a[2] - a[0], b[2] - b[0])
        if a[2] - b[0] > max(SLACK, 0.5 * narrower):
            out.append(f"footer characters overlap: {a[4]!r} and {b[4]!r}")
            break
    return out


def page_text(pdf: str | Path, number: int) -> str:
    """The text of page ``number`` (from 1), as pdfium reads it (any script)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        page = doc[number - 1]
        text = page.get_textpage()
        out = text.get_text_range()
        text.close()
        page.close()
        return out
    finally:
        doc.close()
