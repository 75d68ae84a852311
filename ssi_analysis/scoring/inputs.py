"""In-memory inputs, checked and coded once for whichever engine scores them.

:func:`prepare` turns the activity and reps DataFrames and the scoring options into
:class:`Prepared`: integer codes for reps and metrics (every per-row step works on them), the
reps to score and their labels, the target (rep, day) rows, and the :class:`ScoringSpec` for
the metrics the data have. An engine scores a :class:`Prepared`; none of this is engine code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import ScoringConfig, default_config
from ..errors import SSIDataError, SSIInputError
from .spec import RepLabels, ScoringSpec, rep_labels, target_days


@dataclass(frozen=True)
class Prepared:
    """What every engine needs to score data held in memory."""

    spec: ScoringSpec
    act: pd.DataFrame                     # rep_id, date, metric, value (checked)
    universe: pd.Index                    # every rep to score, as sorted text
    labels: RepLabels                     # cohorts and rank groups, in universe order
    rep_raw: np.ndarray                   # activity rows -> rep_text
    rep_text: pd.Index                    # distinct activity rep_ids as text
    metric_codes: np.ndarray              # activity rows -> metric_names (-1: missing)
    metric_names: list
    t_rep: np.ndarray                     # target rows: position in universe
    t_day: np.ndarray                     # target rows: datetime64[D]

    @property
    def notes(self) -> tuple[str, ...]:
        """What was left out: metrics absent from the data, then missing labels."""
        return self.spec.notes + self.labels.notes

    def activity_reps(self) -> np.ndarray:
        """Each activity row's rep as its position in ``universe``."""
        return self.universe.get_indexer(self.rep_text).astype(np.int64)[self.rep_raw]


def check_activity(activity: pd.DataFrame) -> pd.DataFrame:
    """The ``rep_id, date, metric, value`` columns, or an error saying what is wrong."""
    missing = [c for c in ("rep_id", "date", "metric", "value") if c not in activity]
    if missing:
        raise SSIInputError(f"activity needs columns rep_id, date, metric, value; missing "
                            f"{', '.join(missing)}", file="activity",
                            fix="load files with load_data(), or melt a wide table to long form")
    act = activity[["rep_id", "date", "metric", "value"]]
    if act["value"].isna().any() or act["date"].isna().any():
        raise SSIInputError("activity has missing dates or values", file="activity",
                            fix="load files with load_data(), which rejects such rows")
    if not pd.api.types.is_datetime64_any_dtype(act["date"]):
        act = act.assign(date=pd.to_datetime(act["date"]))
    return act


def is_dated(activity: pd.DataFrame, dated: bool | None = None) -> bool:
    """Whether the activity's days are its own, not spread from period totals: ``dated`` when
    given, else what :func:`ssi_analysis.load_data` marked (``attrs["spread"]`` on the spread
    activity; a frame rebuilt from it loses the mark: pass ``dated=False`` then)."""
    if dated is not None:
        return bool(dated)
    return not activity.attrs.get("spread", False)


def prepare(activity: pd.DataFrame, reps: pd.DataFrame | None, *,
            config: ScoringConfig | None = None, asof: object = None, daily: bool = False,
            at: pd.DataFrame | None = None, window: int | None = None,
            mode: str | None = None, dated: bool | None = None) -> Prepared:
    """Check and code the inputs of :func:`ssi_analysis.scoring.score` (same parameters)."""
    config = (config or default_config()).with_options(window_days=window, mode=mode)
    act = check_activity(activity)

    rep_raw, rep_values = _codes(act["rep_id"], na_value=True)
    rep_text = pd.Index(rep_values).astype(str)
    seen = pd.Index(pd.unique(rep_text[pd.unique(rep_raw)]))
    if reps is not None:
        if "rep_id" not in reps:
            raise SSIInputError("reps needs a rep_id column", file="reps", column="rep_id")
        universe = pd.Index(pd.unique(reps["rep_id"].astype(str))).sort_values()
        unknown = seen.difference(universe)
        if len(unknown):
            raise SSIInputError(f"{len(unknown)} rep_id(s) in activity are not in reps, e.g. "
                                f"'{unknown[0]}'", file="activity", column="rep_id",
                                fix="add them to reps, or load with load_data(), which "
                                "rejects such rows with a reason")
        rep_info = reps.assign(rep_id=reps["rep_id"].astype(str)).set_index("rep_id")
    else:
        universe = seen.sort_values()
        rep_info = pd.DataFrame(index=universe)
    if len(universe) == 0:
        raise SSIDataError("there are no reps to score", file="reps")
    metric_codes, metric_values = _codes(act["metric"], na_value=False)
    metric_names = list(metric_values)
    present = {metric_names[c] for c in pd.unique(metric_codes) if c >= 0}
    spec = ScoringSpec.build(config, present=present, any_rows=len(act) > 0,
                             dated=is_dated(activity, dated))

    if at is not None:
        if not {"rep_id", "date"} <= set(at.columns):
            raise SSIInputError("'at' needs rep_id and date columns")
        targets = pd.DataFrame({"rep_id": at["rep_id"].astype(str),
                                "date": pd.to_datetime(at["date"]).dt.normalize()})
        bad = ~targets["rep_id"].isin(universe)
        if bad.any():
            raise SSIInputError(f"{int(bad.sum())} rep_id(s) to score are not known, e.g. "
                                f"'{targets.rep_id[bad].iloc[0]}'", column="rep_id")
        t_rep = universe.get_indexer(targets["rep_id"])
        t_day = targets["date"].to_numpy().astype("datetime64[D]")
    else:
        days = target_days(act["date"], asof=asof, daily=daily)
        t_rep = np.repeat(np.arange(len(universe)), len(days))
        t_day = np.tile(days, len(universe))
    return Prepared(spec, act, universe, rep_labels(universe, rep_info, config), rep_raw,
                    rep_text, metric_codes, metric_names, t_rep, t_day)


def _codes(s: pd.Series, *, na_value: bool) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and the values they stand for, as ``pd.factorize`` gives (``na_value``:
    missing is a value of its own, else code -1); a categorical's own small codes, not a copy.
    Values may include categories no row uses."""
    if not isinstance(s.dtype, pd.CategoricalDtype):
        return pd.factorize(s, use_na_sentinel=not na_value)
    codes, values = s.cat.codes.to_numpy(), pd.Index(s.cat.categories)
    if na_value and (codes < 0).any():
        codes = np.where(codes < 0, len(values), codes)
        values = values.astype(object).append(pd.Index([np.nan], dtype=object))
    return codes, values
