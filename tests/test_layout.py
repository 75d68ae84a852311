"""User text on the page: a title, team or period of any length, and industry or team names
from the data, wrap or are shortened with an ellipsis; no character lies outside the page's
margins or over the footer (checked on every character's box, ``pdfcheck``).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pdfcheck import layout_problems, page_text
from teams import Shape, team_folder

from ssi_analysis.cli import main
from ssi_analysis.report import layout, package_file
from ssi_analysis.report.sections import esc

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Co", "Cn")),
               max_size=300)


@settings(max_examples=200, deadline=None)
@given(text=TEXT, limit=st.integers(2, 200), end=st.integers(0, 50))
def test_shorten_keeps_within_the_limit_on_one_line(text, limit, end):
    short = layout.shorten(text, limit, end=end)
    flat = re.sub(r"\s+", " ", text).strip()
    assert len(short) <= limit and "\n" not in short
    if len(flat) <= limit:
        assert short == flat
    else:
        head, _, tail = short.partition(layout.ELLIPSIS)
        assert flat.startswith(head) and flat.endswith(tail)


@settings(max_examples=100, deadline=None)
@given(text=TEXT, width=st.floats(20, 500), size=st.floats(5, 30))
def test_fit_width_fits(text, width, size):
    fitted = layout.fit_width(text, width, size)
    assert layout.text_width(fitted, size) <= width or fitted == layout.ELLIPSIS


@settings(max_examples=200, deadline=None)
@given(text=TEXT)
def test_esc_gives_every_long_run_a_break_and_keeps_the_text(text):
    out = esc(text)
    assert html.unescape(out.replace("<wbr>", "")) == text
    assert "<" not in out.replace("<wbr>", "")            # no markup from the text
    for run in re.split(r"\s|<wbr>", out):             # no run of 30 without a break
        assert len(html.unescape(run)) < 30


def _weasy(tmp_path: Path, name: str, body: str, css: str = "") -> Path:
    import weasyprint

    pdf = tmp_path / f"{name}.pdf"
    weasyprint.HTML(string=f"<html><head><style>{css}</style></head><body>{body}</body></html>"
                    ).write_pdf(pdf)
    return pdf


def test_the_check_sees_text_that_runs_off_the_page(tmp_path):
    """The check itself: an unbreakable name runs off the page with a plain stylesheet (and a
    numeric cell holding a reason, unwrapped, runs off in a table); with the report's
    stylesheet and escaping both stay on the page."""
    name = "Team" + "X" * 300
    reason = "too few reps (1; at least 10 needed) to say anything about this at all " * 2
    body = ("<h1>{title}</h1><p>{name}</p><table class='report'><tr><td>a</td>"
            "<td class='num'>{reason}</td></tr></table>")
    page = "@page { size: A4; margin: 2.2cm 2.1cm; }"
    plain = _weasy(tmp_path, "plain", body.format(title=name, name=name, reason=reason),
                   page + "td.num { white-space: nowrap; }")
    assert any("outside the margins" in p for p in layout_problems(plain))
    from ssi_analysis.report.sections import table

    css = package_file("report.css").read_text(encoding="utf-8")
    ours = _weasy(tmp_path, "ours", f"<h1>{esc(name)}</h1><p>{esc(name)}</p>"
                  + table([["a", reason]], ["what", "95% CI"], numeric=(1,)), css)
    assert layout_problems(ours) == []


LONG = {
    "unbreakable": {"title": "Y" * 300, "team": "X" * 400, "period": "Q" * 250,
                    "industry": "I" * 300, "teams": ["T" * 260, "Sales " * 60]},
    "many scripts": {"title": ("Rapport annuel — 年度报告 — تقرير سنوي — Годовой отчёт 📈 <b>&amp; "
                               * 8),
                     "team": "Équipe « Ventes » & <Partenaires> " * 12,
                     "period": "1 janvier 2026 – 31 décembre 2026 " * 8,
                     "industry": "Services financiers et assurances, 金融服务 " * 10,
                     "teams": ["Équipe Île-de-France " * 15, "فريق المبيعات " * 20]},
}


@pytest.mark.parametrize("case", LONG)
def test_long_user_text_stays_on_the_page(case, tmp_path, capsys):
    texts = LONG[case]
    data = team_folder(tmp_path / "data", Shape(reps=12, industries=2, teams=3, periods=2))
    reps = pd.read_csv(data / "reps.csv")
    reps.loc[reps["industry"] == "I0", "industry"] = texts["industry"]
    for old, new in zip(["T0", "T1"], texts["teams"], strict=True):
        reps.loc[reps["team"] == old, "team"] = new
    reps.to_csv(data / "reps.csv", index=False)
    config = tmp_path / "c.toml"
    config.write_text("[analysis]\nn_resamples = 200\n")
    pdf = tmp_path / "r.pdf"
    assert main(["report", "--data", str(data), "--out", str(pdf), "--config", str(config),
                 "--title", texts["title"], "--team", texts["team"],
                 "--period", texts["period"]]) == 0, capsys.readouterr().err
    assert layout_problems(pdf) == []
    # the title shortened on the title page, and to one line in the footer (compared by their
    # first words: text extraction gives right-to-left words in the order they are drawn)
    first, footer = (re.sub(r"\s+", " ", page_text(pdf, n)) for n in (1, 2))
    shown = layout.shorten(texts["title"], layout.TITLE_MAX)
    running = layout.fit_width(texts["title"], layout.FOOTER_TITLE_PT, 7.5)
    assert len(running) < len(shown) < len(texts["title"])
    assert shown[:12] in first and running[:12] in footer
    assert first.count(layout.ELLIPSIS) >= 3 and layout.ELLIPSIS in footer
