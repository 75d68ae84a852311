"""HTML pieces of the leadership report, built from ``results.json`` (numbers) only.

The report notebook calls these and displays the HTML; nbconvert carries it into the page and
WeasyPrint lays it out with ``report.css``. Every value is escaped; a missing number prints as
"—" with the reason beside it, never as ``nan`` or ``None``.
"""

from __future__ import annotations

import base64
import html
import re
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


def fmt_p(p: Any) -> str:
    """A p-value: four decimals, "< 0.0001" below that, "—" when missing."""
    p = None if p is None or (isinstance(p, float) and p != p) else float(p)
    if p is None:
        return "—"
    return "< 0.0001" if p < 0.0001 else f"{p:.4f}"


def ci(lo: Any, hi: Any, digits: int = 2) -> str:
    """``lo to hi``, or "—"."""
    if lo is None or hi is None:
        return "—"
    return f"{fmt(lo, digits)} to {fmt(hi, digits)}"


def esc(text: Any) -> str:
    """Text for the page, HTML-escaped; a run of 30 or more characters without a space (a name
    of any length from the user or the data) gets a line-break opportunity every 20, so that a
    table cell can wrap it rather than run off the page.

    >>> esc("R&D") , esc("A" * 45)
    ('R&amp;D', 'AAAAAAAAAAAAAAAAAAAA<wbr>AAAAAAAAAAAAAAAAAAAA<wbr>AAAAA')
    """
    parts = re.split(r"(\S{30,})", "" if text is None else str(text))
    return "".join("<wbr>".join(html.escape(part[i:i + 20]) for i in range(0, len(part), 20))
                   if k % 2 else html.escape(part) for k, part in enumerate(parts))


def _num_class(value: Any) -> str:
    """A numeric column's cell: kept on one line (``num``), unless it holds words, such as the
    reason an estimate is missing (``num words``: it wraps, or it would run off the page)."""
    return "num words" if len(str(value).split()) > 3 else "num"


def table(rows: Iterable[Sequence[Any]], header: Sequence[str], *,
          numeric: Sequence[int] = (), caption: str | None = None) -> str:
    """A plain report table; ``numeric`` are the column positions to right-align."""
    head = "".join(f'<th class="num">{esc(h)}</th>' if i in numeric else f"<th>{esc(h)}</th>"
                   for i, h in enumerate(header))
    body = []
    for row in rows:
        cells = "".join(f'<td class="{_num_class(v)}">{esc(v)}</td>' if i in numeric else
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
    """The verdict without the group sizes or the reason the table and summary already show
    (what comes after the colon of a comparison that gave no ratio).

    >>> short_verdict("not applicable: the SSI here is the sum of 2 pillar(s)")
    'not applicable'
    >>> short_verdict("consistent with the claim")
    'consistent with the claim'
    """
    return verdict.partition(": ")[0]


def _thresholds(claims: dict[str, Any]) -> str:
    """``SSI > 70 vs < 30`` from the group labels the analysis used."""
    import re

    groups = next(iter(claims.values()), {}).get("groups", {})
    hi = re.search(r"SSI > ([\d.]+)", groups.get("leaders", ""))
    lo = re.search(r"SSI < ([\d.]+)", groups.get("laggards", ""))
    return f"SSI > {hi.group(1) if hi else '70'} vs < {lo.group(1) if lo else '30'}"


def claims_table(claims: dict[str, Any], *, min_n: int = 10) -> str:
    """LinkedIn's claims: claimed, then observed for extreme groups and quartiles."""
    rows = []
    extreme = _thresholds(claims)
    for key, c in claims.items():
        label = CLAIM_LABELS.get(key, key)
        q = c["quartiles"]
        rows.append([label, fmt(c["claimed"]), extreme,
                     f"{fmt(c['n_leaders'])} vs {fmt(c['n_laggards'])}", fmt(c["ratio"]),
                     ci(c["ci_low"], c["ci_high"]), short_verdict(c["verdict"])])
        rows.append(["", "", "top vs bottom quarter",
                     f"{fmt(q['n_top'])} vs {fmt(q['n_bottom'])}", fmt(q["ratio"]),
                     ci(q["ci_low"], q["ci_high"]), short_verdict(q["verdict"])])
    why = next((str(c["verdict"]).removeprefix("not applicable: ") for c in claims.values()
                if str(c["verdict"]).startswith("not applicable: ")), None)
    return table(rows, ["LinkedIn's claim", "claimed ratio", "comparison", "reps, high vs low",
                        "observed ratio", "95% CI", "verdict"], numeric=(1, 3, 4, 5),
                 caption="Observed ratio: the high-SSI group's mean (opportunities, share "
                         "hitting quota, bookings) over the low-SSI group's, with a 95% CI "
                         "from a Poisson model with errors clustered by rep. A ratio needs at "
                         f"least {min_n} reps in each group."
                         + (f" Not applicable: {why}." if why else ""))


def continuous_note(claims: dict[str, Any]) -> str:
    """The per-10-points fit beside the extreme-group ratio, worded by what the numbers say."""
    q = claims.get("quota", {}).get("continuous", {})
    if not q or q.get("ratio_per_10_ssi") is None:
        return ""
    per10, lo, hi = q["ratio_per_10_ssi"], q["ci_low"], q["ci_high"]
    text = (f"Fitted on SSI itself, the share hitting quota was {fmt(per10)} times as high per "
            f"10 SSI points (95% CI {ci(lo, hi)}).")
    imp = q.get("implied_leaders_vs_laggards")
    if imp is not None and q.get("mean_ssi_leaders") is not None:
        gap = q["mean_ssi_leaders"] - q["mean_ssi_laggards"]
        text += (f" Leaders and laggards are {fmt(gap, 0)} SSI points apart on average, so that "
                 f"fit alone implies a leaders-to-laggards ratio of {fmt(imp)} (95% CI "
                 f"{ci(q.get('implied_leaders_vs_laggards_ci_low'), q.get('implied_leaders_vs_laggards_ci_high'))}).")
        if lo > 1:
            text += (" Groups that far apart give a large ratio from a modest difference per "
                     "point, which is why an extreme-group ratio says little about how much "
                     "a few more points are worth.")
        elif hi < 1:
            text += " The per-point association runs the other way."
        else:
            text += (" The per-point association cannot be told from none, so neither can "
                     "the ratio it implies.")
    return f'<p class="callout">{text}</p>'


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
    controls = adjusted["controls"]
    lead = "Without controls" if controls in (None, "", "none") else f"Adjusted for {controls}"
    tail = "" if lo > 0 or hi < 0 else ": too uncertain to tell from no difference"
    return (f"<p>{esc(lead)}, 10 SSI points more went with <b>{fmt(est, 1)} percentage "
            f"points</b> of attainment (95% CI {fmt(lo, 1)} to {fmt(hi, 1)}; n = "
            f"{fmt(adjusted['n'])} rep-periods, {fmt(adjusted['n_reps'])} reps; errors "
            f"{esc(adjusted['se_type'])}){esc(tail)}.</p>")


ADJUST_LABELS = {"holm": "Holm", "bh": "Benjamini–Hochberg", "fdr_bh": "Benjamini–Hochberg"}
"""How each multiple-comparison adjustment of :class:`AnalysisConfig` is named in the text."""


def adjust_label(adjust: str) -> str:
    """``'holm'`` -> ``'Holm'``, ``'bh'`` -> ``'Benjamini–Hochberg'``."""
    return ADJUST_LABELS.get(str(adjust).lower(), str(adjust))


def _significant(row: dict[str, Any], key: str = "p_adj") -> bool:
    """Adjusted p below 0.05 (a p-value that underflowed to 0 counts)."""
    p = _num(row.get(key))
    return p is not None and p < 0.05


def pillar_signal(pillars: Sequence[dict[str, Any]], *, adjust: str = "holm") -> str:
    """Which pillar carries the signal in the all-pillars model (p adjusted), by sign."""
    how = adjust_label(adjust)
    ok = [p for p in pillars if p.get("estimate") is not None]
    if not ok:
        reason = pillars[0]["reason"] if pillars else "no pillar model"
        return f"<p>The pillars could not be compared: {esc(reason)}.</p>"
    name = lambda p: p["term"].removesuffix("_25")  # noqa: E731
    rows = [[name(p), fmt(100 * p["estimate"], 1),
             ci(100 * p["ci_low"], 100 * p["ci_high"], 1), fmt_p(p["p_adj"]), fmt(p["vif"], 1)]
            for p in ok]
    positive = [p for p in ok if _significant(p) and p["estimate"] > 0]
    negative = [p for p in ok if _significant(p) and p["estimate"] < 0]
    if positive:
        best = max(positive, key=lambda p: p["estimate"])
        lead = (f"Held against each other, higher <b>{esc(name(best))}</b> goes with higher "
                f"attainment after adjusting for the other three pillars ({how}-adjusted p "
                "below 0.05).")
    else:
        lead = ("Once the other three are held fixed, no pillar goes with higher attainment "
                f"clearly enough to stand out ({how}-adjusted).")
    if negative:
        lead += (" Higher " + ", ".join(esc(name(p)) for p in negative) + " goes with lower "
                 "attainment once the others are held fixed.")
    high_vif = [name(p) for p in ok if (_num(p["vif"]) or 0) > 5]
    if high_vif:
        lead += (f" The pillars move together: the estimates of {esc(', '.join(high_vif))} are "
                 "unstable (variance inflation above 5), so read the pillars together.")
    return f"<p>{lead}</p>" + table(rows, ["pillar", "attainment, percentage points per 2.5 "
                                          "pillar points", "95% CI", f"p ({how})", "VIF"],
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
    adjusted = next((m for m in models if m["model"] == "OLS"), None)
    caption = ("Adjusted models control for " + (adjusted["controls"] if adjusted else
                                                  "the covariates available")
               + "; errors " + (adjusted["se_type"] if adjusted else "robust")
               + ", except the mixed model (model-based errors) and the within-rep model (rep "
                 "and period fixed effects, errors clustered by rep).")
    return table(rows, ["model", "estimate of", "n", "estimate", "95% CI"], numeric=(2, 3, 4),
                 caption=caption)


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


def _missing(x: Any) -> bool:
    """A cell of a table read back that holds nothing (``None``, empty, NaN)."""
    return x is None or x == "" or x != x


def _num(x: Any) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if x != x else x


def industry_findings(omnibus, *, adjust: str = "holm") -> str:
    """Which pillars differ across industries (Kruskal–Wallis, p adjusted), with epsilon²."""
    how = adjust_label(adjust)
    rows = [r for r in _rows(omnibus) if r["test"] == "kruskal_wallis"]
    if not rows:
        return "<p>Industries could not be compared (no industry column in the reps table).</p>"
    est = [r for r in rows if r["estimable"] in (True, "True")]
    if not est:
        return f"<p>Industries could not be compared: {esc(rows[0]['reason'])}.</p>"
    differ = [r for r in est if r["pillar"] != "ssi" and _significant(r)]
    same = [r for r in est if r["pillar"] != "ssi" and not _significant(r)]
    n, k = int(est[0]["n"]), int(est[0]["n_groups"])
    parts = [f"{esc(r['pillar'])} (epsilon² {fmt(_num(r['estimate']))}, 95% CI "
             f"{ci(_num(r['ci_low']), _num(r['ci_high']))})"
             for r in sorted(differ, key=lambda r: -(_num(r["estimate"]) or 0))]
    text = f"<p>Across {k} industries ({n:,} reps), "
    text += (f"the pillars differ clearly (Kruskal–Wallis, {how}-adjusted p below 0.05) on "
             + ", ".join(parts) if parts else "no pillar differs clearly between industries")
    if same:
        text += "; no detectable difference on " + ", ".join(esc(r["pillar"]) for r in same)
    text += (". Epsilon² runs from 0 (no difference) to 1 (no overlap); values near 0.01 are "
             "small, 0.08 medium and 0.26 large by common benchmarks.</p>")
    table_rows = [[r["pillar"], r["test"].replace("_", " "), fmt(_num(r["statistic"])),
                   fmt(_num(r["estimate"]), 3), ci(_num(r["ci_low"]), _num(r["ci_high"]), 3),
                   fmt_p(_num(r["p_adj"])), f"{int(r['n_groups'])} / {int(r['n'])}"]
                  for r in _rows(omnibus) if r["estimable"] in (True, "True")]
    return text + table(table_rows, ["pillar", "test", "statistic", "effect size", "95% CI",
                                     f"p ({how})", "groups / reps"], numeric=(2, 3, 4, 5, 6),
                        caption="Effect size: epsilon² for Kruskal–Wallis, omega² for "
                                "Welch's ANOVA.")


def trend_text(changes, trend, *, adjust: str = "holm") -> str:
    """How much SSI moves in a week, and which teams changed over the last weeks."""
    c = {r["statistic"]: r for r in _rows(changes) if r["estimable"] in (True, "True")}
    q1, q3 = c.get("quantile 0.25"), c.get("quantile 0.75")
    r3 = c.get("share rising more than 3")
    if q1 is None or q3 is None or r3 is None:     # short data: the reason, not the numbers
        why = [r["reason"] for r in _rows(changes) if isinstance(r.get("reason"), str)
               and r["reason"]]
        if not why:                                # a table without its rows: no changes
            return "<p>There are too few weekly changes to show how SSI moves.</p>"
        return ("<p>There are too few weeks with a full scoring window to show a trend"
                f" ({esc(why[0])}).</p>")
    text = (f"<p>Weekly SSI moves slowly: half of all weekly changes lie between "
            f"{fmt(_num(q1['estimate']), 1)} and {fmt(_num(q3['estimate']), 1)} points, and "
            f"{fmt(100 * _num(r3['estimate']), 1)}% of rep-weeks rose by more than 3 points "
            f"(95% CI {ci(100 * _num(r3['ci_low']), 100 * _num(r3['ci_high']), 1)}%; "
            f"{int(r3['n']):,} rep-weeks of {int(r3['n_reps']):,} reps). That matches what "
            "LinkedIn users report: a rise of more than a few points a week is rare.")
    t = [r for r in _rows(trend) if r["estimable"] in (True, "True")]
    why = [r["reason"] for r in _rows(trend) if r["estimable"] not in (True, "True")
           and _missing(r.get("group")) and isinstance(r["reason"], str) and r["reason"]]
    if not t and why:                       # short data: the reason in place of the table
        text += f" A change by team over the last weeks is not shown: {esc(why[0])}."
    if t:
        moved = [r for r in t if _significant(r)]
        text += (f" Over the last {int(t[0]['weeks'])} weeks ({esc(t[0]['week_start'])} to "
                 f"{esc(t[0]['week_end'])}), {len(moved)} of {len(t)} teams changed their mean "
                 f"SSI by more than chance ({adjust_label(adjust)}-adjusted)")
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
    signal = [p for p in ok if _significant(p) and p["estimate"] > 0]
    if signal:
        best = max(signal, key=lambda p: p["estimate"])
        items.append(f"Of the four pillars, higher {best['term'].removesuffix('_25')} is the one "
                     "that goes with higher attainment once the others are held fixed; "
                     "coaching aimed at it is what these data point to, as a hypothesis to "
                     "test.")
    elif ok:
        items.append("No pillar clearly goes with higher attainment once the others are held "
                     "fixed, so these data give no reason to favour one pillar in coaching.")
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


# ------------------------------------------------------------------ specification curve
_CURVE_CHOICES = {"tenure": "tenure entered as", "region": "region control",
                  "window_days": "scoring window (days)", "score": "score",
                  "outcome": "outcome", "cluster": "errors clustered by"}
_CURVE_VERDICTS = {"positive": "higher SSI goes with higher attainment",
                   "negative": "higher SSI goes with lower attainment",
                   "unclear": "no clear association"}


def specification_text(curve: dict[str, Any] | None) -> str:
    """The specification curve in words: the share of specifications whose 95% CI excludes
    0, whether the main result depends on a single choice, and the share by option."""
    if not curve or not curve.get("n_specifications"):
        notes = (curve or {}).get("notes") or ["no specification curve was run"]
        return f"<p>{esc(notes[0])}.</p>"
    n, k = curve["n_specifications"], curve["n_estimable"]
    if not k:
        return (f"<p>None of the {n} specifications could be estimated: "
                f"{esc(curve.get('reason'))}.</p>")
    share = curve["share_ci_excludes_0"]
    main = curve.get("main_verdict")
    text = (f"<p>The adjusted association was re-estimated in every combination of the "
            f"choices an analyst could defensibly make: <b>{k} specifications</b>, of which "
            f"<b>{fmt(100 * share, 0)}%</b> have a 95% confidence interval that excludes 0 "
            f"({fmt(100 * curve['share_positive'], 0)}% positive, "
            f"{fmt(100 * curve['share_negative'], 0)}% negative)")
    text += f"; {n - k} could not be estimated" if n > k else ""
    if main:
        text += (f". The main specification finds {esc(_CURVE_VERDICTS[main])}, and that "
                 f"verdict is shared by {fmt(100 * curve['main_verdict_holds'], 0)}% of them")
        changes = curve.get("depends_on") or []
        if changes:
            text += (". <b>It depends on the choices</b>: changing only "
                     + "; ".join(f"the {esc(_CURVE_CHOICES.get(d['choice'], d['choice']))} "
                                 f"to {esc(d['option'])} gives "
                                 f"{esc(_CURVE_VERDICTS.get(d['verdict'], d['verdict']))}"
                                 for d in changes))
        else:
            text += ". No single change of choice alters it"
    text += ".</p>"
    rows = [[_CURVE_CHOICES.get(r["choice"], r["choice"]), r["option"], fmt(r["n"]),
             f"{fmt(100 * r['share_ci_excludes_0'], 0)}%"] for r in curve.get("by_choice", [])]
    notes = curve.get("notes") or []
    return text + table(rows, ["choice", "option", "specifications", "95% CI excludes 0"],
                        numeric=(2, 3),
                        caption="Estimates are differences per 10 SSI points in attainment (of "
                                "quota) or in the chance of hitting quota (linear probability "
                                "model), with CR2 errors. " + " ".join(notes))


def controls_used(controls: Sequence[dict[str, Any]] | None) -> str:
    """The sentence naming the controls of this run's adjusted models and how each entered.

    >>> controls_used([{"control": "tenure", "enters_as": "natural cubic spline, 4 df"},
    ...                {"control": "period", "enters_as": "fixed effects"}])
    "This run's adjusted models control for tenure (natural cubic spline, 4 df) and period (fixed effects)."
    """
    if not controls:
        return "This run's adjusted models have no controls (the data have none to use)."
    parts = [f"{esc(c['control'])} ({esc(c['enters_as'])})" for c in controls]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"This run's adjusted models control for {listed}."


def methods_models(meta: dict[str, Any]) -> str:
    """How the adjusted models handle confounders, clustering, window coverage and thin data,
    with the settings of this run."""
    a = meta.get("analysis", {})
    df = a.get("spline_df", 4)
    cover = a.get("min_window_coverage", 0.9)
    return (
        "<p><b>Flexible controls.</b> A control of the wrong fixed shape leaves confounding "
        "in: in simulations where tenure drives both activity and attainment linearly, a "
        "log-tenure control let a non-existent SSI association through in a quarter to nine "
        "tenths of the datasets (more with more reps), and a linear control let some through "
        "when tenure's pay-off flattens. Continuous controls (tenure) therefore enter as "
        f"natural cubic splines with {esc(df)} degrees of freedom (knots at quantiles), which "
        "kept the false-positive rate near 5% for both shapes in those simulations; industry, "
        "region and period enter as categories. " + controls_used(meta.get("controls"))
        + "</p>"
        "<p><b>Errors with few teams.</b> Reps in one team share a manager and a territory, so "
        "standard errors are clustered by team whenever the data have teams, with the CR2 "
        "small-sample correction and Bell–McCaffrey degrees of freedom (5% false positives "
        "in simulated data with 25 teams, where ignoring the teams gave 34%); by rep only "
        "where every "
        "team has one rep. The logistic and count models use cluster-robust errors with a t "
        "reference on one fewer degree of freedom than there are clusters.</p>"
        "<p><b>Window coverage.</b> Each rep-period's score is kept only when the rep's "
        f"activity covers at least {fmt(100 * cover, 0)}% of the scoring window before the "
        "period (records of weekly exports cover the week ending on their date); windows "
        "covered in part are flagged, and the adjusted model is re-run without them. Reps hired "
        "after a period started, and periods beyond the activity data, are left out with the "
        "reason (see the appendix).</p>"
        "<p><b>Not estimable means no number.</b> A model or claim whose outcome does not vary "
        "(overall, or once the controls are accounted for), whose groups are too small, or "
        "whose fit does not converge is reported as not estimable with the reason, never as a "
        "ratio or a verdict.</p>")


# ------------------------------------------------------------------ whose SSI the report shows
def _observed(meta: dict[str, Any]) -> bool:
    return meta.get("ssi_source") == "observed"


def ssi_timing(meta: dict[str, Any]) -> str:
    """When each rep's SSI is taken, in the words of the SSI the report shows."""
    if _observed(meta):
        return ("<p>Each rep's SSI is <strong>LinkedIn's own number</strong>, as LinkedIn "
                f"reported it: {esc(meta.get('ssi_measured', ''))}, so the score comes before "
                "the result it is compared with. Periods without such a snapshot are left out "
                "(the appendix counts them).</p>")
    return ("<p>Each rep's SSI is measured on the day before each outcome period starts, so "
            "the score comes before the result it is compared with.</p>")


def industry_intro(meta: dict[str, Any]) -> str:
    """The paragraph opening the industry section."""
    if _observed(meta):
        return ("<p>LinkedIn shows each member the industry average. Here are the "
                "distributions of <strong>LinkedIn's reported pillars</strong> (each rep's "
                "latest snapshot), with tests of whether industries really differ.</p>")
    return ("<p>LinkedIn shows each member the industry average. Here are the distributions, "
            "on the absolute scale so that industries can be compared, with tests of whether "
            "they really differ.</p>")


def ssi_source_text(meta: dict[str, Any]) -> str:
    """The methods' paragraph on where the SSI comes from."""
    if _observed(meta):
        return ("<p><strong>Where SSI comes from.</strong> Every SSI and pillar score in this "
                "report is LinkedIn's own number (0–100; four pillars of 0–25), as LinkedIn "
                "reported it to the reps and as they exported it (a tracker, a team export or "
                "LinkedIn's JSON; the data quality appendix lists the files). How LinkedIn "
                "computes it is not public, so this report can say how LinkedIn's score relates "
                "to results, not which activity drives it. The total LinkedIn shows is the "
                "pillar sum rounded.</p>")
    return ("<p><strong>How SSI is computed.</strong> Four pillars of 0–25 points (professional "
            "brand, finding the right people, engaging with insights, building relationships) "
            "are summed to 0–100. Each activity count is summed over a trailing window and "
            "mapped to 0–1 by a saturating curve (half the credit at the \"half\" value); "
            "profile completeness is a level; reply and acceptance rates are shrunk toward a "
            "prior when few messages were sent. A pillar is 25 times the weighted mean of its "
            "metrics over those present in the data. Unlike LinkedIn's score, every target and "
            "weight is written down (below) and can be changed.</p>" + _coverage_text(meta))


def _coverage_text(meta: dict[str, Any]) -> str:
    """What each pillar is scored from, when not every pillar from dated activity (a pillar
    not scored is empty, never 0), and how totals over periods were spread."""
    lines = meta.get("scoring_coverage") or []
    if not lines:
        return ""
    items = "".join(f"<li>{esc(line)}</li>" for line in lines)
    return ("<p><strong>What the data can score.</strong> The activity does not hold a metric "
            f"of every pillar, or holds totals over periods:</p><ul>{items}</ul>")


def scoring_settings(meta: dict[str, Any], metrics: dict[str, dict[str, Any]]) -> str:
    """The settings of the run: the scoring window and config (computed SSI) or the snapshot
    rule (LinkedIn's), the controls, the bootstrap and the adjustment."""
    a = meta["analysis"]
    common = (f"SSI measured {esc(meta['ssi_measured'])}. Controls available: "
              f"{esc(', '.join(meta['covariates']) or 'none')}. Bootstrap: "
              f"{a['n_resamples']} resamples, {esc(a['ci_method'])}, seed {a['seed']}. "
              f"Multiple comparisons: {adjust_label(a['adjust'])}.")
    if _observed(meta):
        return (f"<p>{common} A snapshot counts for a period when it is at most "
                f"{a['observed_max_age_days']} days old on the day before the period starts "
                "([analysis] observed_max_age_days). No scoring settings apply: the SSI is "
                "LinkedIn's.</p>")
    return (f"<p>Scoring window: {meta['scoring']['window_days']} days; mode: "
            f"{meta['scoring']['mode']}. {common}</p>" + config_table(metrics))
