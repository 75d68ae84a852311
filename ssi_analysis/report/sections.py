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


# ------------------------------------------------------------------ industry, trend, actions
def _rows(df) -> list[dict[str, Any]]:
    return [] if df is None else df.to_dict(orient="records")


def _num(x: Any) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if x != x else x


def industry_findings(omnibus) -> str:
    """Which pillars differ across industries (Kruskal–Wallis, Holm), with epsilon² and CI."""
    rows = [r for r in _rows(omnibus) if r["test"] == "kruskal_wallis"]
    if not rows:
        return "<p>Industries could not be compared (no industry column in the reps table).</p>"
    est = [r for r in rows if r["estimable"] in (True, "True")]
    if not est:
        return f"<p>Industries could not be compared: {esc(rows[0]['reason'])}.</p>"
    differ = [r for r in est if r["pillar"] != "ssi" and (_num(r["p_adj"]) or 1) < 0.05]
    same = [r for r in est if r["pillar"] != "ssi" and (_num(r["p_adj"]) or 1) >= 0.05]
    n, k = int(est[0]["n"]), int(est[0]["n_groups"])
    parts = [f"{esc(r['pillar'])} (epsilon² {fmt(_num(r['estimate']))}, 95% CI "
             f"{ci(_num(r['ci_low']), _num(r['ci_high']))})"
             for r in sorted(differ, key=lambda r: -(_num(r["estimate"]) or 0))]
    text = f"<p>Across {k} industries ({n:,} reps), "
    text += ("the pillars differ clearly (Kruskal–Wallis, Holm-adjusted p below 0.05) on "
             + ", ".join(parts) if parts else "no pillar differs clearly between industries")
    if same:
        text += "; no detectable difference on " + ", ".join(esc(r["pillar"]) for r in same)
    text += (". Epsilon² runs from 0 (no difference) to 1 (no overlap); values near 0.01 are "
             "small, 0.08 medium and 0.26 large by common benchmarks.</p>")
    table_rows = [[r["pillar"], r["test"].replace("_", " "), fmt(_num(r["statistic"])),
                   fmt(_num(r["estimate"]), 3), ci(_num(r["ci_low"]), _num(r["ci_high"]), 3),
                   fmt(_num(r["p_adj"]), 4), f"{int(r['n_groups'])} / {int(r['n'])}"]
                  for r in _rows(omnibus) if r["estimable"] in (True, "True")]
    return text + table(table_rows, ["pillar", "test", "statistic", "effect size", "95% CI",
                                     "p (Holm)", "groups / reps"], numeric=(2, 3, 4, 5, 6),
                        caption="Effect size: epsilon² for Kruskal–Wallis, omega² for "
                                "Welch's ANOVA.")


def trend_text(changes, trend) -> str:
    """How much SSI moves in a week, and which teams changed over the last weeks."""
    c = {r["statistic"]: r for r in _rows(changes)}
    if not c:
        return "<p>There are too few weeks with a full scoring window to show a trend.</p>"
    q1, q3 = c.get("quantile 0.25"), c.get("quantile 0.75")
    r3 = c.get("share rising more than 3")
    text = (f"<p>Weekly SSI moves slowly: half of all weekly changes lie between "
            f"{fmt(_num(q1['estimate']), 1)} and {fmt(_num(q3['estimate']), 1)} points, and "
            f"{fmt(100 * _num(r3['estimate']), 1)}% of rep-weeks rose by more than 3 points "
            f"(95% CI {ci(100 * _num(r3['ci_low']), 100 * _num(r3['ci_high']), 1)}%; "
            f"{int(r3['n']):,} rep-weeks of {int(r3['n_reps']):,} reps). That matches what "
            "LinkedIn users report: a rise of more than a few points a week is rare.")
    t = [r for r in _rows(trend) if r["estimable"] in (True, "True")]
    if t:
        moved = [r for r in t if (_num(r["p_adj"]) or 1) < 0.05]
        text += (f" Over the last {int(t[0]['weeks'])} weeks ({esc(t[0]['week_start'])} to "
                 f"{esc(t[0]['week_end'])}), {len(moved)} of {len(t)} teams changed their mean "
                 "SSI by more than chance (Holm-adjusted)")
        if moved:
            text += ": " + ", ".join(f"{esc(r['group'])} ({fmt(_num(r['estimate']), 1)} points)"
                                     for r in moved)
        text += "."
    return text + "</p>"


def what_to_do(team_gaps, pillars: Sequence[dict[str, Any]], omnibus) -> str:
    """Which pillar to work on, team by team, and what the data cannot tell."""
    items = []
    gaps = [r for r in _rows(team_gaps) if r["estimable"] in (True, "True")
            and r["pillar"] != "ssi" and _num(r["lag_rank"]) == 1]
    clear = [r for r in gaps if (_num(r["ci_high"]) or 0) < 0]
    if gaps:
        if clear:
            items.append("Teams that clearly lag their industry on a pillar (median gap with a "
                         "95% CI entirely below 0): " + "; ".join(
                             f"{r['group']} on {r['pillar']} ({fmt(_num(r['estimate']), 1)} "
                             f"points, CI {ci(_num(r['ci_low']), _num(r['ci_high']), 1)}; "
                             f"{int(r['n'])} reps)" for r in clear) + ".")
        else:
            worst = min(gaps, key=lambda r: _num(r["estimate"]) or 0)
            items.append(f"No team lags its industry on any pillar by more than chance: the "
                         f"largest gap, {worst['group']} on {worst['pillar']} "
                         f"({fmt(_num(worst['estimate']), 1)} points, 95% CI "
                         f"{ci(_num(worst['ci_low']), _num(worst['ci_high']), 1)}; "
                         f"{int(worst['n'])} reps), is within what chance produces.")
    ok = [p for p in pillars if p.get("estimate") is not None]
    signal = [p for p in ok if (p["p_adj"] if p["p_adj"] is not None else 1) < 0.05]
    if signal:
        best = max(signal, key=lambda p: p["estimate"])
        items.append(f"Of the four pillars, {best['term'].removesuffix('_25')} is the one whose "
                     "differences go with attainment once the others are held fixed; coaching "
                     "aimed at it is the one these data point to, as a hypothesis to test.")
    elif ok:
        items.append("No single pillar goes with attainment more than the others once they are "
                     "held fixed, so these data give no reason to favour one pillar in "
                     "coaching.")
    items.append("What these data cannot tell: whether raising SSI would raise sales. To find "
                 "out, coach a randomly chosen half of the teams on social selling for a "
                 "quarter and compare their attainment with the other half.")
    items.append("Treat SSI as a description of LinkedIn activity, not as a target: the score "
                 "rewards time on the platform, and a target invites activity for its own sake.")
    return bullet_list(items)


def crm_accounting(crm: dict[str, Any] | None) -> str:
    """Where the opportunities of a CRM export went (only when outcomes were derived)."""
    if not crm:
        return ""
    rows = [[r["item"], fmt(r["count"])] for r in crm["accounting"]]
    extra = [f"{crm['unmatched_owners']} opportunity owner(s) matched no rep",
             f"{crm['reps_without_opportunities']} rep(s) had no opportunity (counted as 0)",
             f"{crm['reps_without_quota']} rep(s) had opportunities but no quota (not analysed)",
             f"{crm['quota_gaps']} gap(s) between quota periods"]
    return ("<h3>Outcomes derived from the CRM export</h3>"
            + table(rows, ["opportunities", "count"], numeric=(1,))
            + bullet_list(extra + list(crm.get("notes", []))))
