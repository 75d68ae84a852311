"""HTML pieces of the leadership report, built from ``results.json`` (numbers) only.

The report notebook calls these and displays the HTML; nbconvert carries it into the page and
WeasyPrint lays it out with ``report.css``. Every value is escaped; a missing number prints as
"—" with the reason beside it, never as ``nan`` or ``None``.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

CLAIM_LABELS = {"opportunities": "45% more opportunities", "quota":
                "51% more likely to hit quota", "productivity": "78% more productive (bookings)"}


def fmt(x: Any, digits: int = 2) -> str:
    """A number for the page: fixed decimals, a true minus sign, "—" when missing."""
    if x is None or (isinstance(x, float) and x != x):
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}"
    return f"{x:,.{digits}f}".replace("-", "−")


def ci(lo: Any, hi: Any, digits: int = 2) -> str:
    """``lo to hi``, or "—"."""
    if lo is None or hi is None:
        return "—"
    return f"{fmt(lo, digits)} to {fmt(hi, digits)}"


def esc(text: Any) -> str:
    return html.escape("" if text is None else str(text))


def table(rows: Iterable[Sequence[Any]], header: Sequence[str], *,
          numeric: Sequence[int] = (), caption: str | None = None) -> str:
    """A plain report table; ``numeric`` are the column positions to right-align."""
    head = "".join(f'<th class="num">{esc(h)}</th>' if i in numeric else f"<th>{esc(h)}</th>"
                   for i, h in enumerate(header))
    body = []
    for row in rows:
        cells = "".join(f'<td class="num">{esc(v)}</td>' if i in numeric else
                        f"<td>{esc(v)}</td>" for i, v in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (f'<table class="report"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody>{cap}</table>")


def title_page(*, title: str, team: str, period: str, as_of: str | None, n_reps: int,
               n_rep_periods: int, ssi_source: str, generated: str,
               anonymized: bool) -> str:
    facts = [("Team", team), ("Outcome periods", period), ("Data as of", as_of or "—"),
             ("Reps analysed", f"{n_reps:,} ({n_rep_periods:,} rep-periods)"),
             ("SSI", "computed transparently from activity" if ssi_source == "computed"
              else "as reported by LinkedIn"),
             ("Report date", generated)]
    if anonymized:
        facts.append(("Privacy", "rep ids replaced by pseudonyms"))
    rows = "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in facts)
    return (f'<section class="title-page"><div class="kicker">Social Selling Index review</div>'
            f"<h1>{esc(title)}</h1>"
            f'<table class="facts">{rows}</table>'
            '<p class="note">Every number in this report comes with its sample size and a 95% '
            "confidence interval. The data are observational: associations here do not show "
            "that raising SSI would raise sales.</p></section>")


def summary(sentences: Sequence[str]) -> str:
    items = "".join(f"<li>{esc(s)}</li>" for s in sentences)
    return f'<ul class="summary">{items}</ul>'


def short_verdict(verdict: str) -> str:
    """The verdict without the group sizes the table already shows."""
    return "too few reps to say" if verdict.startswith("too few reps") else \
        "not estimable" if verdict.startswith("not estimable") else verdict


def claims_table(claims: dict[str, Any]) -> str:
    """LinkedIn's claims: claimed, then observed for extreme groups and quartiles."""
    rows = []
    for key, c in claims.items():
        label = CLAIM_LABELS.get(key, key)
        q = c["quartiles"]
        rows.append([label, fmt(c["claimed"]), "SSI > 70 vs < 30",
                     f"{fmt(c['n_leaders'])} vs {fmt(c['n_laggards'])}", fmt(c["ratio"]),
                     ci(c["ci_low"], c["ci_high"]), short_verdict(c["verdict"])])
        rows.append(["", "", "top vs bottom quarter",
                     f"{fmt(q['n_top'])} vs {fmt(q['n_bottom'])}", fmt(q["ratio"]),
                     ci(q["ci_low"], q["ci_high"]), short_verdict(q["verdict"])])
    return table(rows, ["LinkedIn's claim", "claimed ratio", "comparison", "reps, high vs low",
                        "observed ratio", "95% CI", "verdict"], numeric=(1, 3, 4, 5),
                 caption="Observed ratio: the high-SSI group's mean (opportunities, share "
                         "hitting quota, bookings) over the low-SSI group's, with a 95% CI "
                         "from a Poisson model with errors clustered by rep. A ratio needs at "
                         "least 10 reps in each group.")


def continuous_note(claims: dict[str, Any]) -> str:
    q = claims.get("quota", {}).get("continuous", {})
    if not q or q.get("ratio_per_10_ssi") is None:
        return ""
    return (f'<p class="callout">Per 10 SSI points, the share hitting quota was '
            f"{fmt(q['ratio_per_10_ssi'])} times as high ({ci(q['ci_low'], q['ci_high'])}). "
            f"Applied to the gap between the average SSI of leaders and laggards, that "
            f"per-point association alone implies a ratio of "
            f"{fmt(q['implied_leaders_vs_laggards'])}: extreme groups are far apart, so "
            "they produce large ratios from modest per-point differences.</p>")


def figure(path: str | Path, caption: str) -> str:
    """A PNG figure embedded as a data URI (the HTML needs no file access), with a caption."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}"/>'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def adjusted_sentence(adjusted: dict[str, Any] | None) -> str:
    if not adjusted or adjusted.get("estimate") is None:
        reason = (adjusted or {}).get("reason") or "no model could be fitted"
        return f"<p>The adjusted model could not be estimated: {esc(reason)}.</p>"
    est, lo, hi = (100 * adjusted[k] for k in ("estimate", "ci_low", "ci_high"))
    return (f"<p>Adjusted for {esc(adjusted['controls'])}, 10 SSI points more went with "
            f"<b>{fmt(est, 1)} percentage points</b> of attainment (95% CI {fmt(lo, 1)} to "
            f"{fmt(hi, 1)}; n = {fmt(adjusted['n'])} rep-periods, {fmt(adjusted['n_reps'])} "
            f"reps; errors {esc(adjusted['se_type'])}).</p>")


def pillar_signal(pillars: Sequence[dict[str, Any]]) -> str:
    """Which pillar carries the signal in the all-pillars model (Holm-adjusted)."""
    ok = [p for p in pillars if p.get("estimate") is not None]
    if not ok:
        reason = pillars[0]["reason"] if pillars else "no pillar model"
        return f"<p>The pillars could not be compared: {esc(reason)}.</p>"
    clear = [p for p in ok if p["p_adj"] is not None and p["p_adj"] < 0.05]
    rows = [[p["term"].removesuffix("_25"), fmt(100 * p["estimate"], 1),
             ci(100 * p["ci_low"], 100 * p["ci_high"], 1), fmt(p["p_adj"], 3), fmt(p["vif"], 1)]
            for p in ok]
    if clear:
        best = max(clear, key=lambda p: p["estimate"])
        lead = (f"Held against each other, <b>{esc(best['term'].removesuffix('_25'))}</b> is the "
                "pillar whose differences go with attainment after adjusting for the other "
                "three (Holm-adjusted p below 0.05).")
    else:
        lead = ("No single pillar stands out once the other three are held fixed: the pillars "
                "move together, and the data cannot separate them.")
    high_vif = [p["term"].removesuffix("_25") for p in ok if (p["vif"] or 0) > 5]
    if high_vif:
        lead += (f" The estimates of {esc(', '.join(high_vif))} are unstable (variance "
                 "inflation above 5).")
    return f"<p>{lead}</p>" + table(rows, ["pillar", "attainment, percentage points per 2.5 "
                                          "pillar points", "95% CI", "p (Holm)", "VIF"],
                                   numeric=(1, 2, 3, 4))


def models_table(models: Sequence[dict[str, Any]]) -> str:
    """One row per model: what it estimates, n, estimate and CI (or why not estimable)."""
    rows = []
    for m in models:
        what = f"{m['effect_type']}, {m['scale']}"
        est = fmt(m["estimate"], 3) if m["estimate"] is not None else "not estimable"
        interval = ci(m["ci_low"], m["ci_high"], 3) if m["estimate"] is not None \
            else m["reason"]
        rows.append([m["model"], what, fmt(m["n"]), est, interval])
    return table(rows, ["model", "estimate of", "n", "estimate", "95% CI"], numeric=(2, 3, 4),
                 caption="Adjusted models control for " + (models[1]["controls"] if len(models)
                                                           > 1 else "the covariates")
                 + "; errors " + (models[1]["se_type"] if len(models) > 1 else "robust")
                 + ". Within-rep: rep and period fixed effects, errors clustered by rep.")


def quality_tables(quality: dict[str, Any]) -> str:
    t = quality.get("tables", [])
    rows = [[r["file"], fmt(r["rows_read"]), fmt(r["rows_used"]), fmt(r["rows_rejected"])]
            for r in t]
    out = table(rows, ["file", "rows read", "rows used", "rows rejected"], numeric=(1, 2, 3))
    p = quality["panel"]
    out += table([["rep × period rows (outcomes)", fmt(p["rows_read"]), fmt(p["rows_used"]),
                   fmt(p["rows_excluded"])]],
                 ["analysis panel", "rows read", "rows used", "rows left out"],
                 numeric=(1, 2, 3))
    return out


def reasons_table(reasons: Sequence[dict[str, Any]], *, what: str = "rejected rows") -> str:
    if not reasons:
        return f"<p>No {esc(what)}.</p>"
    return table([[r["table"], r["reason"], fmt(r["rows"])] for r in reasons],
                 ["table", "reason", "rows"], numeric=(2,))


def bullet_list(items: Iterable[str]) -> str:
    items = list(items)
    if not items:
        return ""
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def config_table(metrics: dict[str, dict[str, Any]]) -> str:
    rows = []
    for name, m in metrics.items():
        shape = (f"half credit at {fmt(m['half'], 0)}" if m["kind"] in ("count", "days_active")
                 else f"full credit at {fmt(m['target'])} (prior {fmt(m['prior'])}, "
                      f"{fmt(m['prior_n'], 0)} pseudo-sends)" if m["kind"] == "rate"
                 else "value on 0–1")
        rows.append([m["pillar"], name, m["kind"], fmt(m["weight"], 1), shape])
    return table(rows, ["pillar", "metric", "kind", "weight", "curve"], numeric=(3,))
