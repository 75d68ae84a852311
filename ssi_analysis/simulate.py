"""Example data with known truth: a realistic data folder plus ``truth.json``.

Activity is shaped by each rep's industry and personal intensity (which drifts month to month);
outcomes depend on activity as the scenario sets:

``effect``
    Attainment and opportunities rise with the rep's activity intensity over the 90 days
    before each period (``beta_activity`` > 0); tenure also helps, independently of activity.
``null``
    Outcomes do not depend on activity at all (``beta_activity`` = 0).
``confounded``
    Tenure drives both activity and attainment; activity itself has no effect. A naive
    correlation of SSI with attainment is positive, the tenure-adjusted effect is zero.

Tenure enters every scenario through ``z(tenure)``; ``confounding`` sets its shape:
``'concave'`` (the default) standardises ``log(tenure_months)``, a pay-off that flattens with
time, ``'linear'`` standardises the months themselves. A control of the wrong fixed shape
leaves part of the confounding in; a flexible one absorbs both (:mod:`ssi_analysis.stats.models`).
Teams differ in attainment (territory, manager: ``team_sd``) and, with ``team_activity_sd``,
in activity too (a team culture), which is what makes clustering by team matter.

``territory_confounding`` (> 0) adds a reps column ``territory_size`` (accounts in the rep's
territory, log-normal) that drives both activity and attainment through ``z(log territory)``
with that strength (as tenure does in the ``confounded`` scenario): a confounder only a control
the user names (``[analysis] controls``) can absorb.

Industries differ in the brand, people and insights pillars by design; the relationships
pillar is built equal across industries (``truth["pillar_multipliers"]``).

``shape='raw'`` writes what analysts are handed instead of a tidy ``outcomes`` table: a
Salesforce opportunity report export and finance's monthly quotas, plus LinkedIn snapshots in
long form (see :func:`raw_shape`). Two shapes hold LinkedIn's reported SSI as exported, and no
activity: ``shape='tracker'``, one member's daily files of a page tracker (see
:func:`tracker_shape`), and ``shape='team-export'``, a team's weekly Sales Navigator-style exports
with the outcomes (see :func:`team_export_shape`).

Examples
--------
>>> tables, truth = simulate(n_reps=20, seed=1, days=120)
>>> sorted(tables)
['activity', 'outcomes', 'reps', 'ssi_observed']
>>> truth["scenario"], len(tables["reps"])
('effect', 20)
>>> raw, _ = simulate(n_reps=20, seed=1, days=120, shape="raw")
>>> sorted(raw)
['activity', 'opportunities', 'quotas', 'reps', 'ssi_observed', 'truth_outcomes']
>>> list(raw["opportunities"].columns[:4])
['Opportunity ID', 'Opportunity Name', 'Account Name', 'Opportunity Owner']
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .schemas import METRICS, REPORTED_ACTIVE

SCENARIOS = ("effect", "null", "confounded")
SHAPES = ("tidy", "raw", "tracker", "team-export", "usage-report")
CONFOUNDING = ("concave", "linear")

INDUSTRIES = ("Software", "Financial Services", "Manufacturing", "Healthcare",
              "Professional Services")
REGIONS = ("EMEA", "North America", "APAC")

# Daily events of an average rep on a working day (intensity 1, industry multiplier 1).
BASE_RATES = {
    "posts": 0.07, "articles": 0.008, "post_views": 6.0, "followers_gained": 0.3,
    "endorsements_received": 0.06, "recommendations_received": 0.008,
    "people_searches": 0.55, "profile_views": 0.8, "leads_saved": 0.25, "accounts_saved": 0.09,
    "shares": 0.05, "likes": 0.45, "comments": 0.12, "reshares": 0.03,
    "messages_sent": 0.6, "group_posts": 0.02,
    "connection_requests_sent": 0.7, "inmails_sent": 0.2,
    "decision_maker_connections": 0.09, "colleague_connections": 0.05,
}
REPLY_RATES = {  # numerator metric: (denominator, mean rate)
    "message_replies": ("messages_sent", 0.22),
    "connection_requests_accepted": ("connection_requests_sent", 0.45),
    "inmail_replies": ("inmails_sent", 0.12),
}

# Industry multipliers per pillar; relationships is equal by design.
PILLAR_MULTIPLIERS = {
    "Software":              {"brand": 1.35, "people": 1.25, "insights": 1.40, "relationships": 1.0},
    "Financial Services":    {"brand": 0.95, "people": 1.10, "insights": 0.80, "relationships": 1.0},
    "Manufacturing":         {"brand": 0.65, "people": 0.85, "insights": 0.60, "relationships": 1.0},
    "Healthcare":            {"brand": 0.85, "people": 0.90, "insights": 0.90, "relationships": 1.0},
    "Professional Services": {"brand": 1.20, "people": 0.95, "insights": 1.15, "relationships": 1.0},
}

_FIRST = ("Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery",
          "Quinn", "Maria", "Chen", "Priya", "Lukas", "Sofia", "Omar", "Emma", "Noah", "Aisha",
          "Mateo", "Yuki", "Elena", "Kwame", "Lena")
_LAST = ("Smith", "Garcia", "Müller", "Kowalski", "Nguyen", "Okafor", "Rossi", "Silva", "Tanaka",
         "Johansson", "Dubois", "Patel", "Kim", "Novak", "Haddad", "Brown", "Larsen", "Costa")

TEAM_SD = 0.12
"""SD of the team (territory, manager) effect on log attainment, in every scenario."""
ATTAINMENT_MEDIAN = 0.9
"""Attainment of an average rep with no team effect and no noise (the log-scale intercept)."""
ATTAINMENT_NOISE_SD = 0.35
"""SD of each rep-period's own noise on log attainment."""

SCENARIO_PARAMS = {
    # beta_*: effect of 1 SD of log activity intensity; tau_*: of 1 SD of tenure;
    # gamma: how strongly tenure drives activity intensity (confounding)
    "effect": {"beta_activity": 0.12, "beta_opportunities": 0.15, "tau_tenure": 0.08,
               "gamma_tenure_activity": 0.0},
    "null": {"beta_activity": 0.0, "beta_opportunities": 0.0, "tau_tenure": 0.08,
             "gamma_tenure_activity": 0.0},
    "confounded": {"beta_activity": 0.0, "beta_opportunities": 0.0, "tau_tenure": 0.20,
                   "gamma_tenure_activity": 0.8},
}


REPS_RANGE = (2, 50_000)
"""How many reps a simulation may have."""
DAYS_RANGE = (91, 3_660)
"""How many days of activity a simulation may have: a full 90-day window and a day, up to
ten years."""


def simulate(n_reps: int = 300, *, seed: int = 0, scenario: str = "effect",
             start: str = "2026-01-01", days: int = 181, outcome_months: int = 3,
             observed_share: float = 0.4, shape: str = "tidy", confounding: str = "concave",
             team_sd: float = TEAM_SD, team_activity_sd: float = 0.0, n_teams: int | None = None,
             territory_confounding: float = 0.0) -> tuple[dict[str, pd.DataFrame], dict]:
    """Simulate a team's data folder.

    Parameters
    ----------
    n_reps : int
        Number of reps (at least 2).
    seed : int
        Seed of the random generator; the same seed gives the same tables.
    scenario : {'effect', 'null', 'confounded'}
        How outcomes depend on activity (see the module docstring).
    start : str
        First activity date.
    days : int
        Days of activity (at least 91, so the first outcome period has a full window).
    outcome_months : int
        Monthly outcome periods at the end of the activity span.
    observed_share : float
        Share of reps with weekly LinkedIn SSI snapshots in ``ssi_observed``.
    shape : {'tidy', 'raw', 'tracker', 'team-export'}
        ``'tidy'``: the tables of the input contract. ``'raw'``: opportunities and quotas in
        place of outcomes, snapshots in long form (:func:`raw_shape`); the other tables and
        the random draws behind them are the same. ``'tracker'``: one member's daily SSI page
        tracker files (:func:`tracker_shape`). ``'team-export'``: every rep's weekly snapshots
        as wide team exports, with reps and outcomes and no activity
        (:func:`team_export_shape`; ``observed_share`` is 1).
    confounding : {'concave', 'linear'}
        The shape in which tenure drives activity and attainment: through ``log(tenure)``
        (concave) or the months themselves (linear).
    team_sd : float
        SD of the team effect on log attainment.
    team_activity_sd : float
        SD of a team effect on log activity intensity (0: none; drawn from its own random
        stream, so the other tables do not change with it).
    n_teams : int, optional
        Number of teams (default: one per 20 reps, at least 2).
    territory_confounding : float
        Strength of a confounder in an extra reps column, ``territory_size`` (0: no such
        column): ``z(log territory_size)`` adds ``0.55 * territory_confounding`` SDs to log
        activity intensity and ``0.25 * territory_confounding`` to log attainment. Drawn from
        its own random stream.

    Returns
    -------
    tables : dict of DataFrame
        ``reps``, ``activity`` (long form, zero counts omitted), ``outcomes``, ``ssi_observed``;
        for ``shape='raw'`` see :func:`raw_shape`.
    truth : dict
        The generating process (JSON-serialisable).
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {SCENARIOS}, got {scenario!r}")
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}")
    if not REPS_RANGE[0] <= n_reps <= REPS_RANGE[1]:
        raise ValueError(f"n_reps must be from {REPS_RANGE[0]} to {REPS_RANGE[1]}, got {n_reps}")
    tracked_days = days
    if shape == "tracker":        # one member's files: any span (the team behind it: 91 days)
        if not 1 <= days <= DAYS_RANGE[1]:
            raise ValueError(f"days must be from 1 to {DAYS_RANGE[1]}, got {days}")
        # the team behind the member: at least 91 days, and to the first month that starts a
        # full window after the start (an outcome period to analyse)
        first = (pd.Timestamp(start) + pd.Timedelta(days=89) - pd.Timedelta(days=1)) \
            + pd.offsets.MonthBegin(1)
        days = max(days, DAYS_RANGE[0], (first - pd.Timestamp(start)).days + 1)
    elif not DAYS_RANGE[0] <= days <= DAYS_RANGE[1]:
        raise ValueError(f"days must be from {DAYS_RANGE[0]} to {DAYS_RANGE[1]}, got {days}")
    if confounding not in CONFOUNDING:
        raise ValueError(f"confounding must be one of {CONFOUNDING}, got {confounding!r}")
    params = SCENARIO_PARAMS[scenario]
    rng = np.random.default_rng(seed)
    start_ts = pd.Timestamp(start)
    dates = pd.date_range(start_ts, periods=days, freq="D")

    # ---- reps
    n_teams = max(2, int(round(n_reps / 20))) if n_teams is None else int(n_teams)
    team_ind = [INDUSTRIES[i % len(INDUSTRIES)] for i in range(n_teams)]
    team_reg = [REGIONS[(i // len(INDUSTRIES)) % len(REGIONS)] for i in range(n_teams)]  # every
    # industry in every region, so region and industry are not collinear
    team = rng.integers(0, n_teams, n_reps)
    team[:n_teams] = np.arange(min(n_teams, n_reps))  # every team has a rep
    tenure = np.round(rng.gamma(2.0, 18.0, n_reps) + 2).clip(2, 240)
    tenure_z = standardised_tenure(tenure, confounding)
    reps = pd.DataFrame({
        "rep_id": [f"R{i + 1:04d}" for i in range(n_reps)],
        "rep_name": [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(n_reps)],
        "team": [f"T{t + 1:02d}" for t in team],
        "industry": [team_ind[t] for t in team],
        "region": [team_reg[t] for t in team],
        "tenure_months": tenure.astype(int),
        "manager_id": [f"M{t + 1:02d}" for t in team],
    })

    # ---- activity intensity: person level x monthly drift, optionally driven by tenure
    n_months = int(np.ceil(days / 30.4)) + 1
    person = rng.normal(-0.3, 0.55, n_reps) + params["gamma_tenure_activity"] * 0.55 * tenure_z
    territory_z = np.zeros(n_reps)
    if territory_confounding:
        territory = np.round(np.random.default_rng([seed, 3]).lognormal(np.log(120), 0.6,
                                                                         n_reps))
        territory_z = (np.log(territory) - np.log(territory).mean()) / np.log(territory).std()
        reps["territory_size"] = territory.astype(int)
        person = person + territory_confounding * 0.55 * territory_z
    if team_activity_sd:
        person = person + np.random.default_rng([seed, 2]).normal(0, team_activity_sd,
                                                                  n_teams)[team]
    drift = np.cumsum(rng.normal(0, 0.18, (n_reps, n_months)), axis=1)
    month_idx = np.minimum(((dates - start_ts).days / 30.4).astype(int), n_months - 1)
    log_int = person[:, None] + drift[:, month_idx]                         # reps x days
    weekday = np.where(dates.day_of_week >= 5, 0.15, 1.0)[None, :]
    ind_mult = {p: np.array([PILLAR_MULTIPLIERS[i][p] for i in reps["industry"]])
                for p in ("brand", "people", "insights", "relationships")}

    counts: dict[str, np.ndarray] = {}
    for metric, rate in BASE_RATES.items():
        lam = rate * np.exp(log_int) * weekday * ind_mult[METRICS[metric]][:, None]
        counts[metric] = rng.poisson(lam)
    for num, (den, p) in REPLY_RATES.items():
        rep_rate = np.clip(rng.beta(p * 20, (1 - p) * 20, n_reps), 0, 1)
        counts[num] = rng.binomial(counts[den], rep_rate[:, None])

    rep_idx, day_idx = np.meshgrid(np.arange(n_reps), np.arange(days), indexing="ij")
    parts = []
    for metric in METRICS:
        if metric in ("profile_completeness", REPORTED_ACTIVE):   # days active: the dates'
            continue
        c = counts[metric]
        nz = c > 0
        parts.append(pd.DataFrame({"r": rep_idx[nz], "d": day_idx[nz], "metric": metric,
                                   "value": c[nz].astype(float)}))
    # profile completeness: a level recorded at the start and after a mid-period update
    base_pc = np.clip(rng.beta(6, 2.5, n_reps) + 0.05 * person, 0.2, 1.0).round(2)
    later = np.clip(base_pc + rng.choice([0.0, 0.05, 0.1], n_reps), 0, 1).round(2)
    parts.append(pd.DataFrame({"r": np.arange(n_reps), "d": 0, "metric": "profile_completeness",
                               "value": base_pc}))
    parts.append(pd.DataFrame({"r": np.arange(n_reps), "d": days // 2,
                               "metric": "profile_completeness", "value": later}))
    act = pd.concat(parts, ignore_index=True).sort_values(["r", "d", "metric"], kind="stable")
    activity = pd.DataFrame({"rep_id": reps["rep_id"].to_numpy()[act["r"].to_numpy()],
                             "date": dates[act["d"].to_numpy()],
                             "metric": act["metric"].to_numpy(),
                             "value": act["value"].to_numpy()}).reset_index(drop=True)

    # ---- outcomes: monthly periods at the end; activity measured over the 90 days before
    last = dates[-1]
    month_starts = pd.date_range(end=last.to_period("M").to_timestamp(), periods=outcome_months,
                                 freq="MS")
    month_starts = month_starts[month_starts - pd.Timedelta(days=90) >= start_ts - pd.Timedelta(days=1)]
    # territory and manager: a team effect on attainment, unrelated to activity (its own
    # random stream, so the rest of the data do not depend on it)
    team_effect = np.random.default_rng([seed, 1]).normal(0, team_sd, n_teams)
    quota_base = np.round(50_000 * np.exp(0.25 * rng.normal(size=n_reps) + 0.1 * tenure_z), -3)
    rows = []
    intensity = np.exp(log_int)
    for ps in month_starts:
        pe = ps + pd.offsets.MonthEnd(0)
        d_end = (ps - start_ts).days                      # window: the 90 days before the period
        act_level = np.log(intensity[:, max(0, d_end - 90):d_end].mean(axis=1))
        a_z = (act_level - act_level.mean()) / act_level.std()
        log_att = (np.log(ATTAINMENT_MEDIAN) + params["beta_activity"] * a_z
                   + params["tau_tenure"] * tenure_z + 0.25 * territory_confounding * territory_z
                   + team_effect[team] + rng.normal(0, ATTAINMENT_NOISE_SD, n_reps))
        attainment = np.exp(log_att)
        mu_opp = 6.0 * np.exp(params["beta_opportunities"] * a_z + 0.5 * params["tau_tenure"]
                              * tenure_z)
        opps = rng.negative_binomial(8, 8 / (8 + mu_opp))
        won = rng.binomial(opps, 0.28)
        quota = quota_base
        rows.append(pd.DataFrame({
            "rep_id": reps["rep_id"], "period_start": ps.date(), "period_end": pe.date(),
            "quota": quota, "bookings": np.round(quota * attainment, 2),
            "opportunities": opps, "deals_won": won}))
    outcomes = pd.concat(rows, ignore_index=True)

    # ---- LinkedIn's own SSI, weekly (Mondays), for a share of reps: a black box related to
    # the same activity, with its own scale; the total is the rounded pillar sum as on LinkedIn
    if shape in ("team-export", "usage-report"):
        observed_share = 1.0
    n_obs = max(1, int(round(observed_share * n_reps)))
    obs_reps = np.sort(rng.choice(n_reps, n_obs, replace=False))
    mondays = np.flatnonzero((dates.day_of_week == 0) & ((dates - start_ts).days >= 28))
    obs_rows = []
    for p, k in (("brand", 0.55), ("people", 0.35), ("insights", 0.25), ("relationships", 0.6)):
        lvl = np.exp(log_int[np.ix_(obs_reps, mondays)]) * ind_mult[p][obs_reps, None]
        obs_rows.append(np.clip(25 * (1 - np.exp(-k * lvl)) + rng.normal(0, 0.8, lvl.shape),
                                0, 25).round(3))
    brand, people, insights, rel = obs_rows
    r_i, d_i = np.meshgrid(obs_reps, mondays, indexing="ij")
    ssi_observed = pd.DataFrame({
        "rep_id": reps["rep_id"].to_numpy()[r_i.ravel()], "date": dates[d_i.ravel()],
        "ssi": np.round(brand + people + insights + rel).ravel(),
        "brand": brand.ravel(), "people": people.ravel(), "insights": insights.ravel(),
        "relationships": rel.ravel()})
    ssi_observed["industry_rank"] = (
        ssi_observed.groupby("date")["ssi"].rank(pct=True, ascending=False) * 100).round()
    ssi_observed["date"] = ssi_observed["date"].dt.date
    activity["date"] = activity["date"].dt.date

    z_name = "z(log tenure)" if confounding == "concave" else "z(tenure months)"
    truth = {
        "scenario": scenario, "seed": seed, "n_reps": n_reps, "start": str(start_ts.date()),
        "days": days, "periods": [str(p.date()) for p in month_starts],
        "outcome_model": {
            "log_attainment": "log(0.9) + beta_activity * z(log mean activity intensity over the "
                              f"90 days before the period) + tau_tenure * {z_name} + "
                              "team effect N(0, team_sd) + N(0, 0.35)",
            "team_sd": team_sd,
            "opportunities": "NegBin(size 8, mean 6 * exp(beta_opportunities * z_activity + "
                             "0.5 * tau_tenure * z_tenure))",
            **params,
        },
        "activity_model": "daily Poisson counts: base rate x exp(person + monthly drift) x "
                          "industry pillar multiplier x weekday factor (weekends 0.15); person "
                          f"~ N(-0.3, 0.55) + gamma_tenure_activity * 0.55 * {z_name}"
                          + (" + team effect N(0, team_activity_sd)" if team_activity_sd else ""),
        "pillar_multipliers": PILLAR_MULTIPLIERS,
        "equal_pillars": ["relationships"],
        "different_pillars": ["brand", "people", "insights"],
    }
    # settings away from their defaults (the bundled example's truth.json stays as it was)
    truth.update({k: v for k, v in (("confounding", confounding),
                                    ("team_activity_sd", team_activity_sd),
                                    ("territory_confounding", territory_confounding))
                  if v != {"confounding": "concave", "team_activity_sd": 0.0,
                           "territory_confounding": 0.0}[k]})
    tables = {"reps": reps, "activity": activity, "outcomes": outcomes,
              "ssi_observed": ssi_observed}
    if shape == "raw":
        tables = raw_shape(tables, seed=seed)
        truth = {**truth, "shape": "raw",
                 "raw_shape": "opportunities (Salesforce report columns) and monthly quotas in "
                              "place of outcomes; ssi_observed in long form; truth_outcomes is "
                              "what deriving outcomes from them must give"}
    elif shape == "tracker":
        who = int(np.argsort(log_int.mean(axis=1))[n_reps // 2])   # a typical rep is the member
        daily = np.exp(log_int[who, :tracked_days])
        mult = {p: float(ind_mult[p][who]) for p in ind_mult}
        tables = tracker_shape(dates[:tracked_days], daily, mult, seed=seed)
        truth = {"scenario": "tracker", "seed": seed, "start": str(start_ts.date()),
                 "days": tracked_days, "shape": "tracker",
                 "tracker_shape": "one member's daily SSI page tracker files (pt-BR labels, "
                                  "semicolon-delimited, decimal comma): the older layout "
                                  "before layout_change, the newer after; text-only rows, "
                                  "skipped days and a day tracked twice; truth_observed holds "
                                  "the snapshots they must load to",
                 "layout_change": tables.pop("_layout_change"),
                 "member_industry": reps["industry"].iloc[who]}
    elif shape == "team-export":
        tables = team_export_shape(tables)
        truth = {**truth, "shape": "team-export",
                 "team_export_shape": "reps (ids are email addresses), outcomes and weekly "
                                      "Sales Navigator-style team exports of every rep's SSI "
                                      "(ssi_observed/team-ssi-<date>.csv, dated by the file's "
                                      "name); no activity; truth_observed holds the snapshots "
                                      "they must load to"}
    elif shape == "usage-report":
        tables = usage_report_shape(tables, seed=seed)
        truth = {**truth, "shape": "usage-report",
                 "usage_report_shape": "reps (ids are email addresses), outcomes and monthly "
                                       "Sales Navigator usage reports (usage_reports/"
                                       "usage-<YYYY-MM>.csv: one row per user, totals over the "
                                       "month, LinkedIn's labels in another order each month, "
                                       "the SSI as of the month's last snapshot); two users "
                                       "without numbers in the first month (not onboarded: a "
                                       "gap); truth_activity holds the period totals and "
                                       "truth_observed the SSI rows they must load to"}
    return tables, truth


USAGE_REPORT_COLUMNS = {"days_active": "Days active", "people_searches": "Searches performed",
                        "profile_views": "Profile views", "leads_saved": "Leads saved",
                        "accounts_saved": "Accounts saved", "inmails_sent": "InMails sent"}
"""The activity columns of the simulated usage report (help page a124415's names); besides
them ``Lists created`` (carried, not scored), ``InMail acceptance rate`` (a percentage) and the
SSI with its pillars (the team-export preset's labels)."""

_USAGE_SSI = {"ssi": "SSI", "brand": "Professional brand", "people": "Find people",
              "insights": "Engage with insights", "relationships": "Build relationships"}


def usage_report_shape(tables: dict[str, pd.DataFrame], *, seed: int = 0
                       ) -> dict[str, pd.DataFrame]:
    """The simulated team's activity as monthly Sales Navigator usage reports.

    - ``reps`` and ``outcomes`` as :func:`team_export_shape` writes them (email ids);
    - ``usage_reports/usage-<YYYY-MM>.csv``: per whole calendar month of the activity, one row
      per user: ``Name, Email``, the month's totals (:data:`USAGE_REPORT_COLUMNS`; days active
      are the days with any activity), ``Lists created``, ``InMail acceptance rate`` (replies /
      sent as a percentage, empty when nothing was sent) and the SSI of the user's last
      snapshot in the month; the columns in another order each month, the range in the file's
      name only. The first two users have no numbers in the first month (never onboarded);
    - ``truth_activity``: the period totals the loader must give (``rep_id, period_start,
      period_end, metric, value``); ``truth_observed``: the SSI rows.
    """
    rng = np.random.default_rng(seed + 19)
    base = team_export_shape({k: tables[k] for k in ("reps", "outcomes", "ssi_observed")})
    reps, outcomes = base["reps"], base["outcomes"]
    email = dict(zip(tables["reps"]["rep_id"], reps["rep_id"], strict=True))
    act = tables["activity"]
    act = pd.DataFrame({"rep_id": act["rep_id"].astype(str).map(email),
                        "date": pd.to_datetime(act["date"]),
                        "metric": act["metric"].astype(str), "value": act["value"]})
    month = act["date"].dt.to_period("M")
    first, last = act["date"].min(), act["date"].max()
    whole = month[(month.dt.start_time >= first) & (month.dt.end_time.dt.normalize() <= last)]
    months = sorted(whole.unique())
    act = act[month.isin(months)]
    act = act.assign(month=month[month.isin(months)])
    totals = act.groupby(["rep_id", "month", "metric"], observed=True)["value"].sum().unstack(
        "metric", fill_value=0.0)
    active = act[act["value"] > 0].groupby(["rep_id", "month"])["date"].nunique()
    totals["days_active"] = active.reindex(totals.index, fill_value=0).astype(float)
    grid = pd.MultiIndex.from_product([reps["rep_id"], months], names=["rep_id", "month"])
    totals = totals.reindex(grid, fill_value=0.0)
    obs = base["truth_observed"].assign(month=pd.to_datetime(
        base["truth_observed"]["date"]).dt.to_period("M"))
    last_obs = obs.sort_values("date").groupby(["rep_id", "month"]).tail(1).set_index(
        ["rep_id", "month"])
    names = reps.set_index("rep_id")["rep_name"]
    silent = set(reps["rep_id"].iloc[:2])           # never onboarded in the first month
    out: dict[str, pd.DataFrame] = {"reps": reps, "outcomes": outcomes}
    truth, truth_obs = [], []
    labels = [*USAGE_REPORT_COLUMNS.items(), ("lists_created", "Lists created"),
              ("inmail_acceptance_rate", "InMail acceptance rate"), *_USAGE_SSI.items()]
    for k, m in enumerate(months):
        t = totals.xs(m, level="month").reindex(reps["rep_id"])
        frame = pd.DataFrame({"Name": reps["rep_id"].map(names).to_numpy(),
                              "Email": reps["rep_id"].to_numpy()})
        sent, replies = t["inmails_sent"].to_numpy(), t["inmail_replies"].to_numpy()
        cols: dict[str, object] = {label: t[f].to_numpy().round().astype(int)
                                   for f, label in USAGE_REPORT_COLUMNS.items()}
        cols["Lists created"] = rng.poisson(t["leads_saved"].to_numpy() / 10.0 + 0.1)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(sent > 0, replies / sent * 100.0, np.nan)
        cols["InMail acceptance rate"] = [f"{r:.6f}%" if np.isfinite(r) else "" for r in rate]
        snap = last_obs.reindex(pd.MultiIndex.from_arrays(
            [reps["rep_id"], [m] * len(reps)]))
        for f, label in _USAGE_SSI.items():
            cols[label] = snap[f].to_numpy()
        order = np.roll(np.arange(len(labels)), k)       # another column order each month
        for j in order:
            frame[labels[j][1]] = cols[labels[j][1]]
        if k == 0:
            blank = frame["Email"].isin(silent).to_numpy()
            frame.loc[blank, [label for _, label in labels]] = None
        start, end = m.start_time.normalize(), m.end_time.normalize()
        out[f"usage_reports/usage-{m.strftime('%Y-%m')}.csv"] = frame
        keep = ~frame["Email"].isin(silent).to_numpy() if k == 0 else np.ones(len(frame), bool)
        for f in (*USAGE_REPORT_COLUMNS, "inmail_replies"):
            v = t[f].to_numpy()[keep]
            if f == "inmail_replies":
                v = np.where(sent[keep] > 0, v, np.nan)
            truth.append(pd.DataFrame({"rep_id": reps["rep_id"].to_numpy()[keep],
                                       "period_start": f"{start:%Y-%m-%d}",
                                       "period_end": f"{end:%Y-%m-%d}", "metric": f,
                                       "value": v}))
        has = keep & snap["ssi"].notna().to_numpy()
        truth_obs.append(pd.DataFrame({"rep_id": reps["rep_id"].to_numpy()[has],
                                       "date": f"{end:%Y-%m-%d}",
                                       **{f: snap[f].to_numpy()[has] for f in _USAGE_SSI}}))
    ta = pd.concat(truth, ignore_index=True)
    out["truth_activity"] = ta[ta["value"].notna()].sort_values(
        ["rep_id", "period_start", "metric"], kind="stable").reset_index(drop=True)
    out["truth_observed"] = pd.concat(truth_obs, ignore_index=True)
    return out


TRACKER_COLUMNS = ["data_referencia", "hora_referencia", "secao", "campo", "valor_original",
                   "unidade", "valor_numerico", "escala", "observacao", "fonte"]
"""The columns of a daily SSI page tracker's files (the public pt-BR tracker's layout)."""

_PILLAR_LABELS_PT = {"brand": "Estabelecer sua marca profissional",
                     "people": "Localizar as pessoas certas",
                     "insights": "Interagir oferecendo insights",
                     "relationships": "Criar relacionamentos"}


def _comma(x: float, digits: int) -> str:
    """A number as the pt-BR page writes it: decimal comma, no trailing zeros."""
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def tracker_shape(dates: pd.DatetimeIndex, intensity: np.ndarray, multipliers: dict, *,
                  seed: int = 0) -> dict[str, pd.DataFrame]:
    """One member's SSI page, tracked daily, as a tracker's files: ``ssi_observed/ssi_<day>.csv``.

    The member's pillars follow their activity (a 28-day mean of the simulated intensity,
    through the same saturating link as the weekly snapshots, with little day-to-day noise);
    the industry's and network's averages drift slowly; the ranks ("Primeiros N%") follow the
    member's distance from each average. The files mimic the public tracker's two layouts: the
    **older** one (before ``_layout_change``) names the blocks "Resumo SSI", "Componentes da
    pontuação", "Benchmark do setor"... and adds text-only rows (the industry's name, "Sem
    alterações na última semana", the Sales Navigator footer) and the ranks repeated in the
    benchmark blocks; the **newer** one uses the page's own headings ("Os quatro componentes
    da sua pontuação", "Pessoas no seu setor", "Pessoas na sua rede") with the averages' pillars,
    and writes the SSI as "53 de 100". About one day in twenty is not tracked, and one day is
    tracked twice (the later run is the day's snapshot). ``valor_original`` writes decimal
    commas and ``valor_numerico`` decimal points, as the tracker does.

    Returns the files by path, ``truth_observed`` (the snapshots, one per tracked day, as the
    loader must give them) and ``_layout_change`` (the first day of the newer layout).
    """
    rng = np.random.default_rng([seed, 11])
    n = len(dates)
    smooth = pd.Series(intensity).rolling(28, min_periods=1).mean().to_numpy()
    k = {"brand": 0.55, "people": 0.35, "insights": 0.25, "relationships": 0.6}
    member = {p: np.clip(25 * (1 - np.exp(-k[p] * smooth * multipliers[p]))
                         + np.cumsum(rng.normal(0, 0.02, n)), 0, 25).round(3) for p in k}
    ind = {"brand": 11.8, "people": 5.4, "insights": 2.2, "relationships": 15.2}
    net = {"brand": 13.2, "people": 4.4, "insights": 2.4, "relationships": 16.3}
    drift = np.cumsum(rng.normal(0, 0.01, (2, n)), axis=1)
    industry = {p: (v + drift[0]).round(2) for p, v in ind.items()}
    network = {p: (v + drift[1]).round(2) for p, v in net.items()}
    total = sum(member[p] for p in k)
    ind_total, net_total = sum(industry.values()), sum(network.values())
    from scipy.stats import norm

    ind_rank = np.clip(np.round(100 * norm.sf((total - ind_total) / 12)), 1, 100)
    net_rank = np.clip(np.round(100 * norm.sf((total - net_total) / 12)), 1, 100)
    tracked = rng.random(n) > 0.05
    tracked[[0, -1]] = True
    change = int(n * 0.6)
    twice = change + int(rng.integers(1, max(2, n - change - 1)))
    files: dict[str, pd.DataFrame] = {}
    truth = []
    for d in np.flatnonzero(tracked):
        day = dates[d].strftime("%Y-%m-%d")
        newer = d >= change
        runs = ([("18:05", 0.0), ("09:27", 0.05)] if d == twice else
                [("09:27", 0.0)] if newer else [("13:06", 0.0)])
        rows = []
        for clock, off in sorted(runs, key=lambda r: r[0]):
            m = {p: round(float(member[p][d]) - off, 3) for p in k}
            ssi = int(round(sum(m.values())))
            rows += (_newer_rows if newer else _older_rows)(
                day, clock, m, ssi, {p: float(industry[p][d]) for p in k},
                {p: float(network[p][d]) for p in k}, int(ind_rank[d]), int(net_rank[d]))
        frame = pd.DataFrame(rows, columns=TRACKER_COLUMNS)
        frame.attrs["csv"] = {"sep": ";", "encoding": "utf-8-sig"}
        files[f"ssi_observed/ssi_{day}.csv"] = frame
        snap = {"date": day, "ssi": float(int(round(sum(member[p][d] for p in k)))),
                **{p: float(member[p][d]) for p in k},
                "industry_rank": float(ind_rank[d]), "network_rank": float(net_rank[d]),
                "industry_ssi": float(round(ind_total[d])),
                "network_ssi": float(round(net_total[d]))}
        if newer:
            snap.update({f"industry_{p}": float(industry[p][d]) for p in k})
            snap.update({f"network_{p}": float(network[p][d]) for p in k})
        truth.append(snap)
    files["truth_observed"] = pd.DataFrame(truth)
    files["_layout_change"] = dates[change].strftime("%Y-%m-%d")      # type: ignore[assignment]
    return files


def _row(day, clock, section, field, shown, unit, number, scale, note, source):
    return [day, clock, section, field, shown, unit, number, scale, note, source]


def _older_rows(day, clock, m, ssi, ind, net, ind_rank, net_rank) -> list[list]:
    src = "Imagem LinkedIn SSI"
    ind_ssi, net_ssi = int(round(sum(ind.values()))), int(round(sum(net.values())))
    rows = [_row(day, clock, "Resumo SSI", "Social Selling Index atual", str(ssi), "pontos",
                 str(ssi), "0-100", f"Pontuação principal exibida como {ssi} de 100.", src),
            _row(day, clock, "Classificação", "Classificação SSI do setor",
                 f"Primeiros {ind_rank}%", "%", str(ind_rank), "percentual/ranking", "", src),
            _row(day, clock, "Classificação", "Classificação SSI da rede",
                 f"Primeiros {net_rank}%", "%", str(net_rank), "percentual/ranking", "", src)]
    rows += [_row(day, clock, "Componentes da pontuação", _PILLAR_LABELS_PT[p],
                  _comma(v, 3), "pontos", f"{v:g}", "0-25", "", src) for p, v in m.items()]
    rows += [
        _row(day, clock, "Benchmark do setor", "Setor de referência",
             "Atividades de consultoria em gestão empresarial", "", "", "", "", src),
        _row(day, clock, "Benchmark do setor", "SSI médio do setor", str(ind_ssi), "pontos",
             str(ind_ssi), "0-100", "", src),
        _row(day, clock, "Benchmark do setor", "Posição no setor", f"Primeiros {ind_rank}%",
             "%", str(ind_rank), "percentual/ranking", "", src),
        _row(day, clock, "Benchmark do setor", "Variação semanal no setor",
             "Sem alterações na última semana", "", "", "", "", src),
        _row(day, clock, "Benchmark da rede", "SSI médio da rede", str(net_ssi), "pontos",
             str(net_ssi), "0-100", "", src),
        _row(day, clock, "Benchmark da rede", "Posição na rede", f"Primeiros {net_rank}%",
             "%", str(net_rank), "percentual/ranking", "", src),
        _row(day, clock, "Mensagem complementar", "Chamada Sales Navigator",
             "Encontre os decisores certos com o LinkedIn Sales Navigator.", "", "", "",
             "Texto promocional exibido no rodapé da tela.", src)]
    return rows


def _newer_rows(day, clock, m, ssi, ind, net, ind_rank, net_rank) -> list[list]:
    src = "LinkedIn SSI / tracker"
    ind_ssi, net_ssi = int(round(sum(ind.values()))), int(round(sum(net.values())))
    member = "Os quatro componentes da sua pontuação"
    rows = [_row(day, clock, "Social Selling Index atual", "Social Selling Index atual",
                 f"{ssi} de 100", "pontos", str(ssi), "0-100", "", src)]
    rows += [_row(day, clock, member, _PILLAR_LABELS_PT[p], _comma(v, 3), "pontos", f"{v:g}",
                  "0-25", "", src) for p, v in m.items()]
    rows += [_row(day, clock, "Sua classificação", "Classificação SSI do setor",
                  f"Primeiros {ind_rank}%", "percentual", str(ind_rank), "percentual",
                  "Ranking percentual no setor", src),
             _row(day, clock, "Sua classificação", "Classificação SSI da rede",
                  f"Primeiros {net_rank}%", "percentual", str(net_rank), "percentual",
                  "Ranking percentual na rede", src),
             _row(day, clock, "Benchmark", "SSI médio do setor", f"{ind_ssi} de 100", "pontos",
                  str(ind_ssi), "0-100", "", src),
             _row(day, clock, "Benchmark", "SSI médio da rede", f"{net_ssi} de 100", "pontos",
                  str(net_ssi), "0-100", "", src)]
    for section, values in (("Pessoas no seu setor", ind), ("Pessoas na sua rede", net)):
        rows += [_row(day, clock, section, _PILLAR_LABELS_PT[p], _comma(v, 2), "pontos",
                      f"{v:g}", "0-25", "", src) for p, v in values.items()]
    return rows


TEAM_EXPORT_COLUMNS = {"ssi": "Social Selling Index", "brand": "Establish your professional brand",
                       "people": "Find the right people", "insights": "Engage with insights",
                       "relationships": "Build relationships", "industry_rank": "Industry SSI rank"}
"""The score columns of the simulated team export (the SSI page's English labels)."""


def team_export_shape(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """A team's weekly snapshots as Sales Navigator-style exports, without activity.

    - ``reps``: ``rep_id`` an email address (``rep0001@example.com``), as the export names
      members, with ``rep_name`` and the other columns;
    - ``outcomes``: as simulated (ids as in ``reps``);
    - ``ssi_observed/team-ssi-<date>.csv``: per snapshot day, one row per rep: ``Name, Email``
      and :data:`TEAM_EXPORT_COLUMNS` (ranks written ``Top N%``); the day is in the file's name
      only;
    - ``truth_observed``: the snapshots as the loader must give them.
    """
    reps = tables["reps"].copy()
    email = {r: f"rep{i + 1:04d}@example.com" for i, r in enumerate(reps["rep_id"])}
    reps["rep_id"] = reps["rep_id"].map(email)
    outcomes = tables["outcomes"].assign(rep_id=tables["outcomes"]["rep_id"].map(email))
    obs = tables["ssi_observed"].copy()
    obs["rep_id"] = obs["rep_id"].map(email)
    names = reps.set_index("rep_id")["rep_name"]
    out: dict[str, pd.DataFrame] = {"reps": reps, "outcomes": outcomes}
    for day, grp in obs.groupby("date", sort=True):
        frame = pd.DataFrame({"Name": grp["rep_id"].map(names).to_numpy(),
                              "Email": grp["rep_id"].to_numpy()})
        for field, label in TEAM_EXPORT_COLUMNS.items():
            values = grp[field].to_numpy()
            frame[label] = ([f"Top {v:g}%" for v in values] if field.endswith("_rank")
                            else values.astype(int) if field == "ssi" else values)
        out[f"ssi_observed/team-ssi-{pd.Timestamp(day):%Y-%m-%d}.csv"] = frame
    out["truth_observed"] = obs.assign(date=pd.to_datetime(obs["date"]).dt.strftime("%Y-%m-%d"))
    return out


def standardised_tenure(tenure: np.ndarray, confounding: str) -> np.ndarray:
    """``z(log tenure)`` (``'concave'``) or ``z(tenure months)`` (``'linear'``): the shape in
    which tenure enters activity and attainment (population SD).

    >>> standardised_tenure(np.array([1.0, 2.0, 3.0]), "linear").round(3).tolist()
    [-1.225, 0.0, 1.225]
    """
    shaped = np.log(tenure) if confounding == "concave" else np.asarray(tenure, dtype=float)
    return (shaped - shaped.mean()) / shaped.std()


def redraw_null_attainment(panel: pd.DataFrame, truth: dict, *, draws: int,
                           rng: np.random.Generator, noise_df: float | None = None,
                           tau_tenure: float | None = None) -> np.ndarray:
    """Attainment redrawn ``draws`` times for the rows of a panel, from the outcome model of
    ``truth`` with SSI (activity) playing no part.

    ``log attainment = log(0.9) + tau_tenure * z(tenure) + team effect N(0, team_sd) +
    N(0, 0.35)``, each rep's tenure and team as in ``panel`` (columns ``rep_id``,
    ``tenure_months``, ``team``), fresh team effects and noise in each draw. Holding the
    panel's SSI and covariates fixed and redrawing only the outcome gives the false-positive
    rate of a test *given the design*, with far less simulation noise than counting
    rejections over whole datasets (``benchmarks/calibration.py``).

    ``noise_df`` draws the rep-period noise from a Student t with that many degrees of
    freedom (scaled to the same SD; heavier tails than the simulation's), ``tau_tenure``
    replaces the truth's tenure effect (a larger one makes attainment more skewed and more
    variable among long-tenured reps).

    Returns
    -------
    ndarray, rows x draws
    """
    if truth.get("territory_confounding"):
        raise ValueError("redraw_null_attainment does not model the territory confounder")
    model = truth["outcome_model"]
    per_rep = panel.drop_duplicates("rep_id").set_index("rep_id")["tenure_months"]
    z = pd.Series(standardised_tenure(per_rep.to_numpy(dtype=float),
                                      truth.get("confounding", "concave")),
                  index=per_rep.index).reindex(panel["rep_id"]).to_numpy()
    team, teams = pd.factorize(panel["team"])
    tau = model["tau_tenure"] if tau_tenure is None else tau_tenure
    noise = (rng.normal(0, ATTAINMENT_NOISE_SD, (len(panel), draws)) if noise_df is None else
             ATTAINMENT_NOISE_SD * np.sqrt((noise_df - 2) / noise_df)
             * rng.standard_t(noise_df, (len(panel), draws)))
    log_att = (np.log(ATTAINMENT_MEDIAN) + tau * z[:, None]
               + rng.normal(0, model["team_sd"], (len(teams), draws))[team] + noise)
    return np.exp(log_att)


OPEN_STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote",
               "Negotiation/Review")
"""Open stages of Salesforce's default sales process, used for simulated open opportunities."""

OBSERVED_FIELD_NAMES = {"ssi": "SSI", "brand": "PROFESSIONAL_BRAND",
                        "people": "FIND_RIGHT_PEOPLE", "insights": "INSIGHT_ENGAGEMENT",
                        "relationships": "STRONG_RELATIONSHIP", "industry_rank": "INDUSTRY_RANK"}
"""Field names of the simulated long-form snapshots (LinkedIn's internal names)."""


def raw_shape(tables: dict[str, pd.DataFrame], *, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Tidy simulated tables in the shape analysts get them: a CRM export and a quota sheet.

    - ``opportunities``: one row per opportunity, in a Salesforce report export's columns
      (``Opportunity ID, Opportunity Name, Account Name, Opportunity Owner, Stage, Amount,
      Created Date, Close Date``). For every outcome row, as many opportunities are created in
      the period as ``opportunities`` says, and ``deals_won`` deals close won in it with
      amounts summing to ``bookings`` to the cent; some of the won deals were created in the
      same period, the others before the first quota period (so they count in no period's
      ``opportunities``); the other opportunities created are lost or still open.
    - ``quotas``: ``rep_id, period_start, period_end, quota``, the outcome periods' quotas.
    - ``reps`` gains ``crm_owner``, the owner name the CRM shows (made unique).
    - ``ssi_observed`` in long form ``rep_id, date, field, value`` with LinkedIn's field names.
    - ``truth_outcomes``: the tidy outcomes that deriving outcomes from these tables gives.
      They are ``outcomes`` except that a period with bookings but no won deal (the tidy
      simulation draws them independently) gets one won deal.

    The extra draws use their own random stream (``seed``), so the tidy tables are unchanged.
    """
    rng = np.random.default_rng([seed, 7])
    reps = tables["reps"].copy()
    names = reps["rep_name"].astype(str)
    nth = names.groupby(names).cumcount()
    reps["crm_owner"] = names.where(nth == 0, names + " (" + (nth + 1).astype(str) + ")")
    outcomes = tables["outcomes"].copy()
    needs_win = (outcomes["bookings"] > 0) & (outcomes["deals_won"] == 0)
    outcomes.loc[needs_win, "deals_won"] = 1
    ps = pd.to_datetime(outcomes["period_start"]).to_numpy()
    pe = pd.to_datetime(outcomes["period_end"]).to_numpy()
    span = ((pe - ps) // np.timedelta64(1, "D")).astype(np.int64) + 1
    first_start = pd.to_datetime(outcomes["period_start"]).min().to_datetime64()
    data_end = pd.to_datetime(tables["activity"]["date"]).max().to_datetime64()
    o = outcomes["opportunities"].to_numpy(dtype=np.int64)
    w = outcomes["deals_won"].to_numpy(dtype=np.int64)
    k = rng.binomial(np.minimum(o, w), 0.5)               # won deals created in the period
    day = np.timedelta64(1, "D")

    # opportunities created in each period: the first k of them are won in that period
    row = np.repeat(np.arange(len(outcomes)), o)
    pos = np.arange(len(row)) - np.repeat(np.cumsum(o) - o, o)
    created = ps[row] + (rng.random(len(row)) * span[row]).astype(np.int64) * day
    won_here = pos < k[row]
    left = ((pe[row] - created) // day).astype(np.int64)
    close = np.where(won_here, created + (rng.random(len(row)) * (left + 1)).astype(np.int64)
                     * day, created)
    lost = ~won_here & (rng.random(len(row)) < 0.45)
    lost_close = np.minimum(created + rng.integers(7, 76, len(row)) * day,
                            np.maximum(data_end, created))     # not after the data's end
    close = np.where(lost, lost_close, close)
    is_open = ~won_here & ~lost
    close = np.where(is_open, created + rng.integers(20, 121, len(row)) * day, close)
    stage = np.where(won_here, "Closed Won", np.where(lost, "Closed Lost", rng.choice(
        OPEN_STAGES, len(row))))
    # won deals created before the first quota period
    extra = w - k
    row2 = np.repeat(np.arange(len(outcomes)), extra)
    close2 = ps[row2] + (rng.random(len(row2)) * span[row2]).astype(np.int64) * day
    created2 = first_start - rng.integers(1, 121, len(row2)) * day
    all_row = np.concatenate([row, row2])
    won = np.concatenate([won_here, np.ones(len(row2), bool)])
    # amounts: each period's bookings split over its won deals, exact in cents
    cents = np.zeros(len(all_row), dtype=np.int64)
    share = rng.gamma(2.0, 1.0, len(all_row)) * won
    total = np.bincount(all_row, weights=share, minlength=len(outcomes))
    book = np.round(outcomes["bookings"].to_numpy() * 100).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        part = np.where(won, np.floor(book[all_row] * share / total[all_row]), 0)
    cents[:] = part.astype(np.int64)
    remainder = book - np.bincount(all_row, weights=cents, minlength=len(outcomes)).astype(
        np.int64)
    first_won = pd.Series(np.flatnonzero(won)).groupby(all_row[won]).first()
    cents[first_won.to_numpy()] += remainder[first_won.index.to_numpy()]
    typical = np.maximum(outcomes["bookings"].to_numpy() / np.maximum(w, 1), 1000.0)
    other = np.round(typical[all_row] * rng.lognormal(0, 0.5, len(all_row)), -2)
    amount = np.where(won, cents / 100, other)

    opp = pd.DataFrame({
        "_rep": outcomes["rep_id"].to_numpy()[all_row],
        "created": np.concatenate([created, created2]),
        "close": np.concatenate([close, close2]),
        "Stage": np.concatenate([stage, np.full(len(row2), "Closed Won")]),
        "Amount": amount})
    opp = opp.sort_values(["created", "_rep"], kind="stable").reset_index(drop=True)
    owner = reps.set_index("rep_id")["crm_owner"]
    n = len(opp)
    opportunities = pd.DataFrame({
        "Opportunity ID": [f"006{i:012d}" for i in range(1, n + 1)],
        "Opportunity Name": [f"Deal {i}" for i in range(1, n + 1)],
        "Account Name": [f"Account {a:04d}" for a in rng.integers(1, max(2, n // 3), n)],
        "Opportunity Owner": opp["_rep"].map(owner).to_numpy(),
        "Stage": opp["Stage"].to_numpy(),
        "Amount": opp["Amount"].to_numpy(),
        "Created Date": pd.to_datetime(opp["created"]).dt.strftime("%Y-%m-%d").to_numpy(),
        "Close Date": pd.to_datetime(opp["close"]).dt.strftime("%Y-%m-%d").to_numpy(),
    })
    quotas = outcomes[["rep_id", "period_start", "period_end", "quota"]].copy()
    obs = tables["ssi_observed"]
    fields = [c for c in OBSERVED_FIELD_NAMES if c in obs]
    long = obs.melt(id_vars=["rep_id", "date"], value_vars=fields, var_name="field",
                    value_name="value").dropna(subset=["value"])
    long["_f"] = long["field"].map({f: i for i, f in enumerate(fields)})
    long = long.sort_values(["rep_id", "date", "_f"], kind="stable").drop(columns="_f")
    long["field"] = long["field"].map(OBSERVED_FIELD_NAMES)
    return {"reps": reps, "activity": tables["activity"], "opportunities": opportunities,
            "quotas": quotas, "ssi_observed": long.reset_index(drop=True),
            "truth_outcomes": outcomes}


_XLSX_TIME = "2026-01-01T00:00:00Z"
"""The creation and modification time written into a simulated workbook (not the clock's:
the same simulation gives the same bytes)."""


def xlsx_bytes(df: pd.DataFrame, *, sheet: str) -> bytes:
    """``df`` as the bytes of an ``.xlsx`` workbook of one sheet, the same bytes for the same
    frame: the workbook's own times and its zip entries' dates are fixed, not the clock's.

    (Written to memory and then to the file, so the writer never sees the temporary file's
    name, whose suffix is not ``.xlsx``.)
    """
    import io
    import re
    import zipfile

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        df.to_excel(writer, index=False, sheet_name=sheet)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                              rb"\g<1>" + _XLSX_TIME.encode(), data)
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, data)
    return out.getvalue()


def write_data_folder(tables: dict[str, pd.DataFrame], truth: dict, out: str | Path, *,
                      fmt: str = "mixed") -> list[Path]:
    """Write simulated tables to ``out``.

    ``fmt='mixed'`` writes activity as Parquet (it is large) and the other tables as CSV;
    ``'csv'``, ``'parquet'`` or ``'xlsx'`` write every table in that format. Every file is
    written atomically, and text cells a spreadsheet would run as formulas are defused
    (:func:`ssi_analysis.outputs.defuse`; simulated data have none).

    ``out`` must be new, empty, or an earlier simulation (it has ``truth.json``), whose tables
    are replaced (a table of the other shape or format is removed): a folder holding data files
    simulate did not write is refused, so real data are never overwritten or mixed with
    simulated tables. A table named as a path (``ssi_observed/ssi_2026-05-19.csv``) is one file
    of a folder table, written as CSV with the options in its ``attrs["csv"]``.

    Raises
    ------
    SSIError
        ``out`` holds data files and no ``truth.json``, or is a file.
    """
    from .errors import SSIError
    from .outputs import atomic_path, defuse_frame, table_of, writing

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise SSIError("the output is a file, not a folder", file=str(out),
                       fix="give simulate --out a new folder")
    if out.is_dir() and not (out / "truth.json").is_file():
        data = sorted(p.name for p in out.iterdir()
                      if table_of(p, out) is not None
                      or (p.is_dir() and p.name.lower() in ("activity", "ssi_observed",
                                                            "usage_reports")))
        if data:
            raise SSIError(f"the folder already holds data files ({', '.join(data[:6])}) that "
                           "simulate did not write: simulated tables would overwrite them or "
                           "mix with them", file=str(out),
                           fix="give simulate --out a new or empty folder")
    with writing(out):
        out.mkdir(parents=True, exist_ok=True)
    written = []
    for stale in ("reps", "activity", "outcomes", "opportunities", "quotas", "ssi_observed",
                  "truth_outcomes", "truth_observed", "truth_activity"):   # the other shape's
        if stale not in tables:
            for suffix in (".csv", ".parquet", ".xlsx"):
                with writing(out / f"{stale}{suffix}"):
                    (out / f"{stale}{suffix}").unlink(missing_ok=True)
    for folder_table in ("ssi_observed", "usage_reports"):   # an earlier simulation's files
        if (out / folder_table).is_dir():
            import shutil

            with writing(out / folder_table):
                shutil.rmtree(out / folder_table)
    for name, df in tables.items():
        if "/" in name:                     # one file of a folder table
            path = out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            opts = {"sep": ",", "encoding": "utf-8", **df.attrs.get("csv", {})}
            with atomic_path(path) as tmp:
                defuse_frame(df).to_csv(tmp, index=False, lineterminator="\n", **opts)
            written.append(path)
            continue
        kind = fmt if fmt != "mixed" else ("parquet" if name == "activity" else "csv")
        path = out / f"{name}.{kind}"
        for other in (".csv", ".parquet", ".xlsx"):  # one file per table
            if (out / f"{name}{other}") != path and (out / f"{name}{other}").exists():
                with writing(out / f"{name}{other}"):
                    (out / f"{name}{other}").unlink()
        with atomic_path(path) as tmp:
            if kind == "csv":
                defuse_frame(df).to_csv(tmp, index=False, lineterminator="\n")
            elif kind == "parquet":
                df.to_parquet(tmp, index=False)
            else:
                Path(tmp).write_bytes(xlsx_bytes(defuse_frame(df), sheet=name))
        written.append(path)
    truth_path = out / "truth.json"
    with atomic_path(truth_path) as tmp:
        Path(tmp).write_text(json.dumps(truth, indent=2, sort_keys=True) + "\n",
                             encoding="utf-8")
    written.append(truth_path)
    return written
