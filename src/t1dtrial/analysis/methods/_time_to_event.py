"""Time-to-event endpoints: Kaplan-Meier by arm and the log-rank test of each pair of arms.

An endpoint of outcome ``time_to_event`` (e.g. time to stimulated C-peptide
< 0.2 nmol/L) has one ADTTE row a subject (:func:`t1dtrial.derive.derive_adtte`:
AVAL days from the start of treatment, CNSR 0 event, 1 censored). The method
``kaplan-meier`` on such an endpoint gives, for each arm of the population,
the median time to the event and the probability of being event-free at
each planned visit up to the endpoint's visit, with their intervals
(:func:`t1dtrial.stats.kaplan_meier`, Greenwood variance, log-log
interval), and for each planned pair of arms the log-rank test
(:func:`t1dtrial.stats.log_rank`).

Examples
--------
>>> import pandas as pd
>>> km_rows("LOW", pd.DataFrame({"AVAL": [91.0, 182, 365, 365], "CNSR": [0, 0, 1, 1]}),
...         {"M3": 91.0, "M12": 365.0}, 0.95)[0]["estimate"]
273.5
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...errors import EstimationError
from ...stats import kaplan_meier, log_rank
from .._estimable import attempt, method_text
from ..result import Result
from ._common import result
from ._spec import AnalysisData, AnalysisSpec, population_sizes
from ...protocol.adam_names import paramcd_of

__all__ = ["TTE_COLUMNS", "time_to_event", "km_rows"]

#: Columns of a time-to-event table: Kaplan-Meier rows of each arm (``statistic`` median or
#: survival), then one log-rank row of each pair of arms (``statistic`` log-rank).
TTE_COLUMNS = ("endpoint", "arm", "comparison", "statistic", "visit", "time", "estimate",
               "ci_low", "ci_high", "p_value", "chisq", "n", "events", "n_risk", "method",
               "conf_level")

_KM = "Kaplan-Meier; Greenwood variance; log-log CI"


def time_to_event(spec: AnalysisSpec, data: AnalysisData) -> Result:
    """Kaplan-Meier by arm and the log-rank test of each planned pair of arms (ADTTE).

    Raises
    ------
    EstimationError
        ADTTE has no row of the endpoint.
    """
    code = paramcd_of(spec.endpoint_name, data.protocol)
    adtte = data.derived.datasets.get("adtte")
    if adtte is None or not adtte["PARAMCD"].eq(code).any():
        raise EstimationError("time_to_event", "endpoint", spec.endpoint_name,
                              f"no ADTTE record of {spec.endpoint_name}",
                              "a time-to-event endpoint derived into ADTTE")
    adsl = data.adsl
    members = adsl.loc[adsl[spec.population_flag].eq("Y"), "USUBJID"]
    rows = adtte.loc[adtte["PARAMCD"].eq(code) & adtte["USUBJID"].isin(members)]
    arms = [a for a in data.protocol.arm_codes if a in spec.arms] or list(data.protocol.arm_codes)
    times = _visit_days(spec, data)
    by_arm = [r for arm in arms for r in km_rows(arm, rows.loc[rows["TRT01P"].eq(arm)], times,
                                                 spec.conf_level)]
    tests = [_log_rank_row(t, c, rows) for t, c in spec.pairs]
    frame = pd.DataFrame([{**r, "endpoint": spec.endpoint_name} for r in by_arm + tests],
                         columns=list(TTE_COLUMNS))
    frame = _typed(frame)
    km = frame.loc[frame["statistic"].ne("log-rank")].reset_index(drop=True)
    comp = frame.loc[frame["statistic"].eq("log-rank")].reset_index(drop=True)
    label = getattr(spec.endpoint, "label", spec.endpoint_name)
    res = result(spec, data, "time-to-event", frame, title=label,
                 method=f"{_KM}; log-rank test of each pair of arms; time from the start of "
                        "treatment, censored at the last assessment", units="days",
                 by_arm=km, comparison=comp)
    res.n_by_arm = population_sizes(adsl, spec, arms)
    if times:
        res.footnotes.append("Event-free probability at each planned visit (day "
                             + ", ".join(f"{v} {d:g}" for v, d in times.items()) + ").")
    return res


def _visit_days(spec: AnalysisSpec, data: AnalysisData) -> dict[str, float]:
    """Planned day of each post-baseline visit up to the endpoint's visit."""
    p = data.protocol
    codes = list(p.visit_codes)
    last = codes.index(spec.visits[-1]) if spec.visits and spec.visits[-1] in codes \
        else len(codes) - 1
    first = codes.index(p.baseline_visit) + 1 if p.baseline_visit in codes else 0
    return {v.code: float(v.day) for v in p.visits[first:last + 1]}


def km_rows(arm: str, rows: pd.DataFrame, times: dict[str, float],
            conf_level: float) -> list[dict[str, Any]]:
    """Median and event-free probability at each visit of one arm (NaN and why when none)."""
    grid = [("median", "", np.nan), *[("survival", v, d) for v, d in times.items()]]
    km, why = None, "no subject of the arm in the population"
    if len(rows):
        km, why = attempt(kaplan_meier, rows["AVAL"].to_numpy(dtype=float),
                          1 - rows["CNSR"].to_numpy(dtype=float), times=list(times.values()),
                          conf_level=conf_level)
    n, events = len(rows), int((rows["CNSR"] == 0).sum()) if len(rows) else 0
    if why is not None:
        return [{"arm": arm, "statistic": s, "visit": v, "time": t, "estimate": np.nan,
                 "ci_low": np.nan, "ci_high": np.nan, "n": n, "events": events,
                 "n_risk": np.nan, "method": method_text(why), "conf_level": np.nan}
                for s, v, t in grid]
    out = []
    for (statistic, visit, _), rec in zip(grid, km.to_dict("records")):
        has_ci = pd.notna(rec["ci_low"]) or pd.notna(rec["ci_high"])
        out.append({"arm": arm, "statistic": statistic, "visit": visit, "time": rec["time"],
                    "estimate": rec["estimate"], "ci_low": rec["ci_low"],
                    "ci_high": rec["ci_high"], "n": rec["n"], "events": rec["n_events"],
                    "n_risk": rec["n_risk"], "method": _KM,
                    "conf_level": conf_level if has_ci else np.nan})
    return out


def _log_rank_row(treated: str, control: str, rows: pd.DataFrame) -> dict[str, Any]:
    pair = rows.loc[rows["TRT01P"].isin([treated, control])]
    base = {"comparison": f"{treated} vs {control}", "statistic": "log-rank", "visit": "",
            "n": len(pair), "events": int((pair["CNSR"] == 0).sum())}
    r, why = attempt(log_rank, pair["AVAL"].to_numpy(dtype=float),
                     1 - pair["CNSR"].to_numpy(dtype=float), pair["TRT01P"].to_numpy())
    if why is not None:
        return {**base, "p_value": np.nan, "chisq": np.nan, "method": method_text(why)}
    return {**base, "p_value": float(r["p_value"].iloc[0]), "chisq": float(r["statistic"].iloc[0]),
            "method": "log-rank test (chi-square, 1 df)"}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("time", "estimate", "ci_low", "ci_high", "p_value", "chisq", "n_risk",
                   "conf_level"):
        frame[column] = frame[column].astype(float)
    for column in ("n", "events"):
        frame[column] = frame[column].astype("int64")
    return frame
