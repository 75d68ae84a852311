"""The leadership PDF: one command from a data folder to a report that can be sent.

:func:`build_report` runs the whole pipeline — validate -> score -> analyse -> figures -> PDF:

1. :func:`prepare` loads and validates the data folder (a fatal input problem stops here,
   before any file is written), scores the activity once (every rep, every day: the panel,
   the analysis, the benchmarks and the trends all read these scores), analyses, and writes
   ``results.json``, the analysis tables (CSV) and the figures (PNG and SVG) into a working
   folder;
2. :func:`render` executes the parameterised report notebook (``04-report.ipynb``, shipped in
   this package and linked from ``notebooks/``) with papermill, exports it without code cells
   through nbconvert's HTML exporter, and lays the HTML out as A4 pages with WeasyPrint and the
   package's print stylesheet (``report.css``);
3. the PDF, the figures (``figures/`` beside the PDF) and the tables (``tables/``) are moved
   into place only when everything has succeeded: there is never a half-written PDF.

Deterministic: the same data and seed give the same numbers, the figures are byte-identical,
and the PDF's creation date is ``SOURCE_DATE_EPOCH`` when that is set (otherwise the time of
the run). With ``anonymize=True`` every rep and manager id the report or its tables show is a
stable salted pseudonym (:mod:`ssi_analysis.privacy`); the report embeds no raw data, only
aggregates and figures.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._blas import one_blas_thread
from ..config import PILLARS, load_analysis_config, load_config, load_section
from ..errors import SSIDataError, SSIError
from ..io import example_data_dir, load_data, resolve_data_dir
from ..io.quality import counts_on_stop
from ..outputs import (
    check_run_folder,
    publish,
    refuse_overwriting_inputs,
    replace_run,
    uninterrupted,
    write_bytes,
    writing,
)
from ..panel import check_panel_inputs, lookup_days
from ..privacy import Pseudonyms, default_salt
from ..scoring import Scores, score
from . import layout

if TYPE_CHECKING:
    from .. import stats
    from ..analysis import Analysis

# The statistics and the figure functions are imported where they are used, not here: the
# report notebook's kernel imports this package for its HTML sections (and for ``prepare``,
# which it calls only when run on its own), and statsmodels and seaborn would add more than a
# second to the start of every report's kernel.

NOTEBOOK = "04-report.ipynb"
STYLESHEET = "report.css"
FIGURES = "figures"
TABLES = "tables"


@dataclass(frozen=True)
class ReportOptions:
    """What the title page says and how the report is made.

    ``team`` and ``period`` are labels for the title page (default: the data folder's name and
    the span of the outcome periods); the analysis always covers the whole data folder.
    """

    title: str = "Does SSI predict sales? The evidence in our own data"
    team: str | None = None
    period: str | None = None
    ssi: str | None = None
    """``'computed'`` (the default with activity) or ``'observed'`` (LinkedIn's reported SSI,
    the default without activity): the whole report then shows LinkedIn's numbers."""
    anonymize: bool = False
    salt: str | None = None
    seed: int | None = None
    mapping: str | None = None
    outcome_period: str | None = None
    rep: str | None = None
    usage_range: str | None = None


def package_file(name: str) -> Path:
    """A file shipped in this package (the report notebook, the stylesheet)."""
    return Path(str(resources.files("ssi_analysis.report").joinpath(name)))


def save_figure(fig, path: str | Path, **kwargs: Any) -> list[Path]:
    """:func:`ssi_analysis.plots.save_figure`: every report figure is saved through this name."""
    from ..plots import save_figure as save

    return save(fig, path, **kwargs)


def report_date() -> _dt.datetime:
    """``SOURCE_DATE_EPOCH`` as a UTC time if set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return _dt.datetime.fromtimestamp(int(epoch), tz=_dt.UTC)
        except ValueError:
            raise SSIError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, got "
                           f"{epoch!r}", fix="unset it, or set it to e.g. 1767225600") from None
    return _dt.datetime.now(tz=_dt.UTC).replace(microsecond=0)


# ------------------------------------------------------------------ step 1: numbers and figures
def with_lookup_days(bundle, daily: Scores) -> Scores:
    """The daily scores plus the days before a period the panel looks up outside their range
    (a period that starts after the activity ends), scored as :func:`build_panel` scores them
    itself, so the report's panel is ``analyze``'s. (The SSI at a period's end and after it is
    used only up to the last activity date: inside the daily range.)"""
    if bundle.outcomes is None or not len(bundle.outcomes) or not len(daily.table):
        return daily
    wanted = lookup_days(bundle.outcomes, which=("start",))
    beyond = wanted[~wanted["date"].isin(daily.dates)]
    if beyond.empty:
        return daily
    # every pair of a day outside the range, so the ranks of that day have their cohort
    more = score(bundle.activity, bundle.reps, config=daily.config, at=beyond)
    table = pd.concat([daily.table, more.table], ignore_index=True)
    table["rep_id"] = table["rep_id"].astype(str)
    return Scores(table.sort_values(["rep_id", "date"], kind="stable").reset_index(drop=True),
                  notes=daily.notes, config=daily.config)


def _weekly(make: Callable[[], stats.WeeklyScores]) -> stats.WeeklyScores | str:
    """The weekly scores ``make`` gives, or why there are none (data too short for a week)."""
    try:
        return make()
    except SSIDataError as exc:
        return exc.problem


def _extras(bundle, current: pd.DataFrame, weekly: stats.WeeklyScores | str
            ) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """The descriptive tables the report shows beyond the analysis: benchmarks and gaps (of
    ``current``, each rep's scores as of the data's last day) and trends (of ``weekly``): of the
    computed SSI, or of LinkedIn's snapshots; ``weekly`` is a reason when there are none."""
    from .. import stats

    reps = bundle.reps
    tables: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    if "industry" in reps:
        tables["benchmarks"] = stats.benchmarks(current, reps, by="industry")
        if "team" in reps:
            tables["team_gaps"] = stats.group_gaps(current, reps, by="team",
                                                   benchmark="industry")
    else:
        notes.append("the reps table has no industry column: no industry benchmarks")
    if isinstance(weekly, str):      # short data: a reason in place of the weekly tables
        notes.append(f"no weekly trend: {weekly}")
        return tables, notes
    notes.extend(weekly.notes)
    if weekly.table.empty:
        notes.append("too few weeks with a full scoring window for a trend")
    else:
        weekly = weekly.table
        tables["weekly"] = weekly
        tables["weekly_changes"] = stats.change_distribution(weekly)
        if "team" in reps:
            try:
                tables["ssi_trend"] = _team_trend(weekly, reps)
            except SSIDataError as exc:     # snapshots with a gap where the week back is
                notes.append(f"no {TREND_WEEKS}-week SSI trend by team: {exc.problem}")
        if "team" in reps:
            tables["leaderboard"] = stats.leaderboard(weekly, reps, by="team")
    return tables, notes


TREND_WEEKS = 4
"""The report's team trend compares the last week with the week this many weeks before it."""


def _team_trend(weekly: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    """Each team's change over the last :data:`TREND_WEEKS` weeks, or over as many as the data
    hold (the table says how many); with one week only, a row saying why there is none."""
    from .. import stats

    span = weekly["week_start"].nunique() - 1
    if span >= 1:
        return stats.ssi_trend(weekly, reps, by="team", weeks=min(TREND_WEEKS, span))
    from ..stats._common import not_estimable, results_table
    from ..stats.trends import TREND_COLUMNS

    return results_table([not_estimable(
        "one week with a full scoring window: a change needs two", by="team", value="ssi",
        weeks=TREND_WEEKS)], TREND_COLUMNS)


@contextlib.contextmanager
def _closing_new_figures():
    """Close the figures the block opens, also when it fails (none is left open). Quiet about
    what names from the data do to a figure: a script the figures' font lacks (Chinese, say)
    is drawn as boxes, and a layout that long names defeat is made again once they are
    shortened (:func:`.layout.shorten_labels`)."""
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font",
                                    category=UserWarning)
            warnings.filterwarnings("ignore", message="Tight layout not applied",
                                    category=UserWarning)
            yield
    finally:
        for number in set(plt.get_fignums()) - before:
            plt.close(number)


def _marked(verdicts) -> str:
    """What the claims figure's caption says of the comparisons it marks instead of a point.

    >>> _marked(["too few reps to say: 6 leaders", "consistent with the claim"])
    'Groups with too few reps are marked instead of estimated.'
    >>> _marked(["not applicable: the SSI here is the sum of 2 pillar(s)"])
    'Comparisons without a ratio are marked with why (the table says more).'
    """
    if any(str(v).startswith("not applicable") for v in verdicts):
        return "Comparisons without a ratio are marked with why (the table says more)."
    return "Groups with too few reps are marked instead of estimated."


def _figures(result: Analysis, scores: pd.DataFrame, extras: dict[str, pd.DataFrame],
             reps: pd.DataFrame, out: Path) -> dict[str, str]:
    """Draw and save every report figure; returns name -> caption."""
    import matplotlib.pyplot as plt

    from .. import plots, stats
    from ..plots import A4_WIDTH_IN, theme

    panel = result.panel.data
    t = result.tables
    made: dict[str, str] = {}
    linkedin = result.settings.get("ssi_source") == "observed"
    as_of = ("LinkedIn's reported scores, each rep's latest snapshot" if linkedin else
             "scores as of the data's last day, absolute scale 0–25")

    def save(name: str, fig, caption: str) -> None:
        layout.shorten_labels(fig)          # names from the data, of any length
        save_figure(fig, out / name)
        plt.close(fig)
        made[name] = caption

    with theme(), _closing_new_figures():
        fig, ax = plt.subplots(figsize=(A4_WIDTH_IN, 3.3))
        plots.claims_forest(t["claims"], ax=ax)
        save("claims", fig, "LinkedIn's claimed ratios (diamonds) and what these data show "
                            f"(points with 95% CIs; log scale). {_marked(t['claims'].verdict)}")
        fig, ax = plt.subplots(figsize=(A4_WIDTH_IN, 3.2))
        plots.ssi_vs_attainment(panel, ax=ax)
        save("ssi_vs_attainment", fig, "Each point is a rep in a period; the line is the "
             "least-squares fit with its 95% band (errors clustered by rep). The dotted line is "
             "quota.")
        fig, ax = plt.subplots(figsize=(A4_WIDTH_IN, 2.9))
        plots.attainment_by_band(panel, ax=ax)
        save("attainment_by_band", fig, "Mean attainment per SSI band (the rules of thumb "
             "users quote), with 95% CIs clustered by rep and the number of rep-periods.")
        models = pd.concat([t["models"], t["time_order"]], ignore_index=True)
        fig, ax = plt.subplots(figsize=(A4_WIDTH_IN, 2.6))
        plots.coefficients(models, ax=ax)
        save("coefficients", fig, "Difference in attainment per 10 SSI points, by model, with "
                                  "95% CIs: unadjusted, adjusted for the controls, with "
                                  "random team and rep intercepts, and within reps over time.")
        curve = t.get("specification_curve")
        if curve is not None and curve["estimable"].any():
            top, _ = plots.specification_curve(curve)
            save("specification_curve", top.figure, "Every specification of the adjusted "
                 "association, sorted by its estimate (per 10 SSI points, with its 95% CI; "
                 "filled: the CI excludes 0; ringed: the main analysis), and beneath it the "
                 "choices that made it.")
        if "benchmarks" in extras:
            data = stats.attach_groups(scores, reps, by="industry")
            fig, axes = plt.subplots(2, 2, figsize=(A4_WIDTH_IN, 5.0), sharey=True)
            for ax, pillar in zip(axes.flat, PILLARS, strict=True):
                plots.pillar_distributions(data, x="industry", y=pillar, orient="h", ax=ax)
                ax.set_ylabel("")
                ax.set_title(pillar.capitalize())
            fig.tight_layout()
            save("pillars_by_industry", fig, "Each pillar's distribution by industry: boxes "
                 f"show the quartiles and median, each point is a rep ({as_of}).")
            fig, ax = plt.subplots(figsize=(A4_WIDTH_IN, 2.9))
            plots.pillar_heatmap(extras["benchmarks"], vmin=0, vmax=25, ax=ax)
            save("industry_heatmap", fig, "Median pillar score by industry (points, 0–25"
                 + ("; LinkedIn's reported pillars)." if linkedin else ")."))
        if "weekly" in extras:
            weekly = extras["weekly"]
            hue = "industry" if "industry" in reps else None
            fig, ax = plt.subplots(figsize=(A4_WIDTH_IN, 3.0))
            if hue:
                plots.weekly_trend(stats.attach_groups(weekly, reps, by=hue), hue=hue, ax=ax)
            else:
                plots.weekly_trend(weekly, hue=None, ax=ax)
            who = "per industry" if hue else "of all reps"
            what = ("LinkedIn's reported SSI (each rep's last snapshot of the week)" if linkedin
                    else "SSI (each rep's score on the last day of the week)")
            when = ("over the weeks with snapshots" if linkedin else
                    "over the weeks with a full scoring window")
            save("weekly_trend", fig, f"Mean weekly {what} {who}, {when}.")
        if "leaderboard" in extras:
            board = extras["leaderboard"]
            fig, ax = plt.subplots(figsize=(A4_WIDTH_IN, 0.8 + 0.22 * len(board)))
            plots.leaderboard_chart(board, ax=ax)
            save("leaderboard", fig, "Teams by mean SSI in the last full week, with 95% CIs "
                 "and the change from the week before.")
        fig, ax = plt.subplots(figsize=(A4_WIDTH_IN, 2.6))
        plots.ssi_distribution(scores, ax=ax)
        save("ssi_distribution", fig, ("LinkedIn's reported SSI of every rep (the latest "
                                       "snapshot)" if linkedin else
                                       "SSI of every rep on the data's last day")
             + ", with the rule-of-thumb bands users quote.")
    return made


def _team_label(folder: Path | None) -> str:
    """The title page's team when ``--team`` is not given: the data folder's name."""
    if folder is None:
        return "all reps"
    if folder.resolve() == example_data_dir().resolve():
        return "Example team (simulated data)"
    return folder.name


@dataclass
class Inputs:
    """A report's inputs, read and validated: the config's sections and the data folder."""

    scoring: Any
    settings: Any
    industry: Any
    bundle: Any


def load_inputs(data: str | Path, *, config: str | Path | None = None,
                options: ReportOptions = ReportOptions()) -> Inputs:
    """Read and validate the config and the data folder (raises :class:`SSIError`; writes
    nothing)."""
    from ..analysis import choose_ssi, industry_settings

    folder = resolve_data_dir(data)
    scoring = load_config(config)
    settings = load_analysis_config(config)
    if options.seed is not None:
        from dataclasses import replace

        settings = replace(settings, seed=options.seed)
    industry = industry_settings(settings, load_section(config, "industry"), source=str(config))
    bundle = load_data(folder, mapping=options.mapping, period=options.outcome_period,
                       rep=options.rep, usage_range=options.usage_range)
    check_panel_inputs(bundle, ssi=choose_ssi(bundle, options.ssi)[0])  # before any scoring
    return Inputs(scoring, settings, industry, bundle)


def prepare(data: str | Path, work: Path, *, config: str | Path | None = None,
            options: ReportOptions = ReportOptions(),
            inputs: Inputs | None = None) -> dict[str, Any]:
    """Validate, score, analyse and draw into the folder ``work``; return the report context.

    ``inputs``: what :func:`load_inputs` gave, when the inputs were read already.

    Raises
    ------
    SSIError
        Any problem with the input or the config, before anything is written.
    """
    from .. import stats
    from ..analysis import analyze, choose_ssi, current_scores

    if inputs is None:
        inputs = load_inputs(data, config=config, options=options)
    scoring, settings, industry, bundle = (inputs.scoring, inputs.settings, inputs.industry,
                                           inputs.bundle)
    with counts_on_stop(bundle.quality):     # a run that stops says what it read
        ssi, chosen = choose_ssi(bundle, options.ssi)
        if ssi == "observed":          # LinkedIn's numbers throughout: nothing is scored
            result = analyze(bundle, config=scoring, analysis=settings, ssi=ssi,
                             industry=industry)
            scores = current_scores(bundle, ssi=ssi)
            weekly = _weekly(lambda: stats.snapshot_weeks(bundle.ssi_observed))
        else:
            daily = score(bundle.activity, bundle.reps, config=scoring, daily=True)  # once
            result = analyze(bundle, scores=with_lookup_days(bundle, daily),
                             analysis=settings, ssi=ssi, industry=industry)
            scores = daily.on()        # every rep as of the last activity date
            weekly = _weekly(lambda: stats.weekly_scores(daily))
    salt = (options.salt or default_salt(bundle.files.get("reps"))) if options.anonymize \
        else None
    pseudonyms = Pseudonyms.for_bundle(bundle, salt) if salt is not None else None
    extras, notes = _extras(bundle, scores, weekly)
    if chosen:
        notes.insert(0, chosen)
    result.extra_tables.update(extras)
    result.write(work / TABLES, pseudonyms=pseudonyms)
    captions = _figures(result, scores, extras, bundle.reps, work / FIGURES)
    meta = result.settings
    periods = meta["periods"]
    last_end = result.panel.data["period_end"].max().strftime("%Y-%m-%d")
    context = {              # user text shortened where it cannot wrap (see .layout)
        "title": layout.shorten(options.title, layout.TITLE_MAX),
        "team": layout.shorten(options.team or _team_label(bundle.folder), layout.LABEL_MAX),
        "period": layout.shorten(options.period or (f"{periods[0]} to {last_end}" if periods
                                                    else "—"), layout.LABEL_MAX),
        "generated": report_date().strftime("%Y-%m-%d"),
        "anonymized": options.anonymize,
        "figures": captions,
        "inputs": [str(p) for p in bundle.files.values()],
        "quality_lines": bundle.quality.lines() + result.panel.lines(),
        "notes": notes,
    }
    if pseudonyms is not None:   # what the PDF shows besides results.json
        context["quality_lines"] = pseudonyms.lines(context["quality_lines"])
        context["notes"] = pseudonyms.lines(context["notes"])
    return context


# ------------------------------------------------------------------ step 2: notebook -> PDF
def _kernel_manager_class(sockets: Path):
    """A kernel manager talking over local IPC sockets in ``sockets``, not over TCP. The
    kernel process writes its own output (not the notebook's) to ``sockets/kernel.log``, not
    to the terminal: a kernel stopped with the run (SIGTERM, Ctrl-C) prints no traceback."""
    import subprocess

    from jupyter_client.manager import KernelManager

    class LocalKernelManager(KernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.transport = "ipc"
            self.ip = str(sockets / "kernel")

        def start_kernel(self, **kw: Any) -> None:
            with open(sockets / "kernel.log", "ab") as log:
                kw.setdefault("stdout", subprocess.DEVNULL)
                kw.setdefault("stderr", log)
                return super().start_kernel(**kw)

    return LocalKernelManager


def _html_document(body: str, *, title: str, created: _dt.datetime) -> str:
    """The page around the notebook's HTML: the stylesheet, the metadata and the running
    title of the footer (the title shortened to one line of the footer)."""
    from html import escape

    css = package_file(STYLESHEET).read_text(encoding="utf-8")
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    running = layout.fit_width(title, layout.FOOTER_TITLE_PT, 7.5)
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title>"
            f"<meta name=\"dcterms.created\" content=\"{stamp}\">"
            f"<meta name=\"dcterms.modified\" content=\"{stamp}\">"
            "<meta name=\"generator\" content=\"ssi-analysis\">"
            f"<style>{css}</style></head><body>"
            f"<div class=\"running-title\">{escape(running)}</div>{body}</body></html>")


def render(work: Path, context: dict[str, Any], pdf: Path) -> Path:
    """Execute the report notebook on ``work`` and write the PDF to ``pdf`` (atomically)."""
    import nbformat
    import papermill
    import weasyprint
    from nbconvert import HTMLExporter

    executed = work / "report.executed.ipynb"
    params = {"results_dir": str(work), "context": context}
    logging.getLogger("papermill").setLevel(logging.WARNING)
    sockets = Path(tempfile.mkdtemp(prefix="ssi-kernel-"))  # short path: socket names are
    try:                                                   # limited to about 100 characters
        papermill.execute_notebook(str(package_file(NOTEBOOK)), str(executed),
                                   parameters=params, kernel_name="python3",
                                   progress_bar=False, cwd=str(work), log_output=False,
                                   kernel_manager_class=_kernel_manager_class(sockets))
    except papermill.PapermillExecutionError as exc:
        raise RuntimeError(f"the report notebook failed in cell {exc.cell_index}: "
                           f"{exc.ename}: {exc.evalue}") from None
    except Exception as exc:          # the kernel did not start or died: say what it wrote
        log = sockets / "kernel.log"
        said = log.read_text(encoding="utf-8", errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"the report kernel failed ({exc})"
                           + (f"; it wrote:\n{said}" if said.strip() else "")) from exc
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    nb = nbformat.read(executed, as_version=4)
    noise = []
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"  # papermill gives its injected cell a random id
        if cell.cell_type == "code":
            kept = []
            for o in cell.get("outputs", []):
                if o.get("output_type") == "stream" and o.get("name") == "stderr":
                    noise.append(o.get("text", "").strip())
                else:
                    kept.append(o)
            cell["outputs"] = kept
    for text in noise:
        warnings.warn(f"the report notebook wrote to stderr: {text[:300]}", stacklevel=2)
    exporter = HTMLExporter(template_name="basic", exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    created = report_date()
    html = _html_document(body, title=context["title"], created=created)
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    pdf_bytes = weasyprint.HTML(string=html, base_url=str(work)).write_pdf(
        pdf_identifier=identifier)
    return write_bytes(pdf_bytes, pdf)


def _refuse_early(pdf: Path, dest: Path, data: str | Path, config: str | Path | None) -> None:
    """Before the long run: the PDF may not be an input, ``figures/`` and ``tables/`` beside
    it may not hold one (their files are replaced), and the folder may not hold another run's
    outputs (:func:`~ssi_analysis.outputs.check_run_folder`)."""
    folder = resolve_data_dir(data)
    inputs = [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
    inputs += [Path(config)] if config is not None and Path(config).is_file() else []
    refuse_overwriting_inputs(pdf, inputs)
    for sub in (FIGURES, TABLES):
        held = [p for p in inputs if p.resolve().parent == (dest / sub).resolve()]
        if held:
            raise SSIError(f"the report writes {sub}/ beside the PDF, which holds an input "
                           f"({held[0].name})", file=str(dest / sub),
                           fix="write the report to another folder")
    check_run_folder(dest, command="report", main=pdf.name)


STAGING = ".ssi-report-"
"""Prefix of the hidden folder a report is made in, beside the PDF."""


def _staging_prefix() -> str:
    """The prefix of this process's staging folders: ``.ssi-report-<host>-<pid>-`` (the host
    as a short hash, so that a folder shared between machines is safe)."""
    import socket

    host = hashlib.sha256(socket.gethostname().encode("utf-8")).hexdigest()[:8]
    return f"{STAGING}{host}-{os.getpid()}-"


def _remove_dead_staging(dest: Path) -> None:
    """Remove the staging folders in ``dest`` of this machine's report runs whose process no
    longer exists (a run killed with SIGKILL, or a power cut, cannot remove its own)."""
    host = _staging_prefix().split("-")[2]      # '.ssi-report-<host>-<pid>-'
    for folder in dest.glob(f"{STAGING}{host}-*-*"):
        pid = folder.name.split("-")[3]
        if not (pid.isdigit() and folder.is_dir()) or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:      # another user's process: alive
            continue


def _missing_folders(dest: Path) -> list[Path]:
    """The folders of ``dest`` that do not exist yet, deepest first (what a run creates)."""
    out = []
    path = dest.absolute()
    while not path.exists() and path != path.parent:
        out.append(path)
        path = path.parent
    return out


@one_blas_thread
def build_report(data: str | Path, pdf: str | Path, *, config: str | Path | None = None,
                 options: ReportOptions = ReportOptions()) -> dict[str, Any]:
    """Build the PDF report from a data folder; figures and tables go beside it.

    Parameters
    ----------
    data : path
        The data folder (``'example'`` for the bundled one).
    pdf : path
        The PDF to write. ``figures/`` (PNG and SVG) and ``tables/`` (``results.json`` and
        CSVs) are written into the same folder.
    config : path, optional
        A config TOML (``[scoring]``, ``[metrics]``, ``[analysis]``).
    options : ReportOptions
        Title-page labels, which SSI, anonymisation, seed.

    Returns
    -------
    dict
        The report context (what the title page shows, the figures and their captions).

    Notes
    -----
    The folder holds one report: a re-run with the same PDF name replaces the earlier run's
    PDF, figures and tables, and removes those of its files it does not write again (listed in
    the folder's ``.ssi-analysis-run.json``); a report of another name, or another command's
    outputs, in the folder stop the run before anything is written. The report is made in a
    hidden staging folder that is removed however the run ends (an error, Ctrl-C, SIGTERM).
    """
    pdf = Path(pdf)
    if pdf.suffix.lower() != ".pdf":
        raise SSIError("the report must be a .pdf file", file=str(pdf),
                       fix="e.g. --out reports/ssi-report.pdf")
    dest = pdf.parent if str(pdf.parent) else Path(".")
    _refuse_early(pdf, dest, data, config)
    loaded = load_inputs(data, config=config, options=options)   # before anything is created
    made = _missing_folders(dest)
    with writing(pdf):
        dest.mkdir(parents=True, exist_ok=True)
        _remove_dead_staging(dest)
        work = Path(tempfile.mkdtemp(prefix=_staging_prefix(), dir=dest)).resolve()
    done = False
    try:
        context = prepare(data, work, config=config, options=options, inputs=loaded)
        inputs = [Path(p) for p in context["inputs"]]
        refuse_overwriting_inputs(pdf, inputs)
        render(work, context, work / pdf.name)
        staged = [f for sub in (FIGURES, TABLES) for f in sorted((work / sub).iterdir())]
        for f in staged:
            refuse_overwriting_inputs(dest / f.parent.name / f.name, inputs)
        with uninterrupted():     # the run's files are moved into place together
            for f in staged:
                target = dest / f.parent.name / f.name
                with writing(target):
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(f, target)
            publish(work / pdf.name, pdf)
            replace_run(dest, command="report", main=pdf.name, keep=inputs,
                        written=[pdf, *(dest / f.parent.name / f.name for f in staged)])
        done = True
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not done:             # a failed run leaves no folder it created
            for folder in made:
                try:
                    folder.rmdir()
                except OSError:  # not empty: keep it
                    break
    context["pdf"] = str(pdf)
    context["options"] = asdict(options)
    return context
