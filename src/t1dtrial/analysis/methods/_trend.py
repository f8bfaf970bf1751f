"""Dose-response methods: a trend across the arms ordered by planned dose.

``comparisons: dose-response`` in a planned analysis scores each arm by its
planned cumulative dose (:func:`t1dtrial.protocol.plan.dose_scores`: 0 for a
control or placebo arm) and estimates one trend across every arm instead of
a comparison of each pair. For a responder endpoint that is the
Cochran-Armitage test (:func:`t1dtrial.stats.cochran_armitage`), one row per
subgroup: the slope of the proportion of responders per unit of score (e.g.
per 10^6 cells/kg), its Wald interval and the trend test's p-value.

Examples
--------
>>> from t1dtrial.datasets import load_lu2021
>>> from t1dtrial.derive import derive_all
>>> from t1dtrial.protocol.plan import PlannedAnalysis
>>> from ._spec import AnalysisData, resolve
>>> trial = load_lu2021()
>>> planned = PlannedAnalysis(name="trend", endpoint="remission", comparisons="dose-response",
...                           method="cochran-armitage")
>>> res = cochran_armitage_trend(resolve(planned, trial.protocol),
...                              AnalysisData(derive_all(trial), trial.protocol, 1))
>>> row = res.table.iloc[0]
>>> row.subgroup, row.comparison, int(row.n)
('all', 'dose-response across CONTROL, MSC', 53)
>>> res.method.split("; ")[-1]
'scores: planned cumulative dose, 10^6 cells/kg: CONTROL 0, MSC 2'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import EstimationError
from ...protocol.plan import dose_scores
from ...stats import cochran_armitage, linear_trend
from .. import responders
from .._arms import population, subgroup_masks
from .._estimable import method_text
from ..result import Result
from ._common import adeff_at, param_units, result
from ._spec import AnalysisData, AnalysisSpec, analysis_protocol, population_sizes

__all__ = ["TREND_COLUMNS", "cochran_armitage_trend", "linear_dose_trend"]

#: Columns of a dose-response table, one row a subgroup.
TREND_COLUMNS = ("subgroup", "comparison", "estimate", "ci_low", "ci_high", "p_value", "method",
                 "conf_level", "n", "statistic", "endpoint")


def cochran_armitage_trend(spec: AnalysisSpec, data: AnalysisData) -> Result:
    """Cochran-Armitage test for a trend in responders across the arms ordered by planned dose.

    One row a subgroup (``all`` and the protocol's subgroups) of
    :data:`TREND_COLUMNS`: ``estimate`` the slope of the proportion per unit
    of score with its Wald interval, ``p_value`` the two-sided trend test
    (as R's ``prop.trend.test``), ``n`` the subjects counted, ``statistic``
    the chi-square on 1 df. The per-arm counts (with each arm's score) are
    ``by_arm`` and the companion table ``<table>_by_arm``. Subjects without
    an assessable endpoint are handled by the analysis' missing-data rule.

    Raises
    ------
    EstimationError
        The arms cannot be scored (an active arm without a planned dose ...).
    """
    scores = _scores(data)
    p = analysis_protocol(spec, data.protocol)
    counts = responders.responder_counts(data.adsl, adeff_at(spec, data), spec.endpoint_name,
                                         protocol=p, population_code=spec.population)
    score_of = dict(zip(scores.arms, scores.scores))
    counts = counts.loc[counts["arm"].isin(score_of)].copy()
    counts.insert(2, "score", counts["arm"].map(score_of).astype(float))
    by_subgroup = {s: i for i, s in enumerate(dict.fromkeys(counts["subgroup"]))}
    by_dose = {arm: i for i, arm in enumerate(scores.arms)}
    counts = (counts.assign(_s=counts["subgroup"].map(by_subgroup), _d=counts["arm"].map(by_dose))
              .sort_values(["_s", "_d"], kind="stable").drop(columns=["_s", "_d"])
              .reset_index(drop=True))
    label = f"dose-response across {', '.join(scores.arms)}"
    words = f"scores: {scores.text()}"
    rows = [_trend_row(sg, block, label, words, spec) for sg, block in
            counts.groupby("subgroup", sort=False)]
    table = pd.DataFrame(rows, columns=list(TREND_COLUMNS))
    estimated = table.loc[~table["method"].str.startswith("not estimable"), "method"]
    method = estimated.iloc[0] if len(estimated) else f"Cochran-Armitage test for trend; {words}"
    res = result(spec, data, "dose-response", table,
                 title=f"Dose-response: {spec.endpoint_name} at {', '.join(spec.visits)}",
                 method=method, units=f"proportion per {scores.unit}", by_arm=counts,
                 comparison=table, companions={f"{spec.output_table}_by_arm": counts})
    res.n_by_arm = population_sizes(data.adsl, spec, scores.arms)
    return res


def _trend_row(subgroup: str, block: pd.DataFrame, label: str, words: str,
               spec: AnalysisSpec) -> dict:
    """The trend of one subgroup; NaN and the reason when it is not estimable."""
    base = {"subgroup": subgroup, "comparison": label, "conf_level": spec.conf_level,
            "n": int(block["n"].sum()), "endpoint": spec.endpoint_name}
    try:
        r = cochran_armitage(block["responders"].to_numpy(), block["n"].to_numpy(),
                             block["score"].to_numpy(), conf_level=spec.conf_level).iloc[0]
    except EstimationError as exc:
        return {**base, "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                "p_value": np.nan, "statistic": np.nan, "method": method_text(exc.reason)}
    text = ("Cochran-Armitage test for trend in proportions (two-sided); slope of the "
            f"proportion per unit of score (least squares weighted by group size) with Wald CI; "
            f"{words}")
    return {**base, "estimate": float(r.estimate), "ci_low": float(r.ci_low),
            "ci_high": float(r.ci_high), "p_value": float(r.p_value),
            "statistic": float(r.statistic), "method": text}


def _scores(data: AnalysisData):
    scores = dose_scores(data.protocol)
    if scores.problem:
        raise EstimationError("dose_scores", "comparisons", "dose-response",
                              f"no dose scores: {scores.problem}")
    return scores


_COLUMN = {"value": "AVAL", "change": "CHG", "percent_change": "PCHG"}


def linear_dose_trend(spec: AnalysisSpec, data: AnalysisData) -> Result:
    """Linear trend of a continuous endpoint in the arms' dose scores, one row a subgroup.

    The outcome (value, change or percent change of the endpoint's parameter
    at the last planned visit, ADLB ANL01FL records) is regressed on the
    arm's score by least squares, adjusted for the baseline value when it is
    a change or percent change; ``estimate`` is the slope per unit of score
    with its t interval and p-value. Subjects without the outcome are left
    out (observed cases). ``by_arm`` has n, mean and SD by subgroup and arm.
    """
    scores = _scores(data)
    ep = spec.endpoint
    if getattr(ep, "summary", None) not in _COLUMN or not getattr(ep, "param", None):
        raise EstimationError("linear_dose_trend", "endpoint", spec.endpoint_name,
                              "the endpoint is not a value, change or percent change of one "
                              "parameter", "a continuous endpoint of one parameter")
    column, visit = _COLUMN[ep.summary], spec.visits[-1]
    adlb = data.adlb
    recs = adlb.loc[(adlb["PARAMCD"] == ep.param) & adlb["ANL01FL"].eq("Y")
                    & adlb["AVISIT"].eq(visit), ["USUBJID", "BASE", column]]
    subjects = population(data.adsl, spec.population)
    subjects = subjects.loc[subjects["TRT01P"].isin(scores.arms)]
    at = subjects[["USUBJID", "TRT01P"]].merge(recs.drop_duplicates("USUBJID"), on="USUBJID",
                                               how="left")
    score_of = dict(zip(scores.arms, scores.scores))
    at["score"] = at["TRT01P"].map(score_of).astype(float)
    adjust = ep.summary != "value"
    label = f"dose-response across {', '.join(scores.arms)}"
    rows, by_arm = [], []
    for sg, mask in subgroup_masks(subjects, data.protocol).items():
        block = at.loc[mask.to_numpy()]
        for arm in scores.arms:
            vals = block.loc[block["TRT01P"].eq(arm), column].dropna().to_numpy(dtype=float)
            by_arm.append({"subgroup": sg, "arm": arm, "score": score_of[arm], "n": len(vals),
                           "mean": float(vals.mean()) if len(vals) else np.nan,
                           "sd": float(vals.std(ddof=1)) if len(vals) > 1 else np.nan,
                           "endpoint": spec.endpoint_name, "visit": visit})
        base = {"subgroup": sg, "comparison": label, "conf_level": spec.conf_level,
                "endpoint": spec.endpoint_name, "statistic": np.nan}
        try:
            r = linear_trend(block[column].to_numpy(dtype=float),
                             block["score"].to_numpy(dtype=float),
                             baseline=block["BASE"].to_numpy(dtype=float) if adjust else None,
                             conf_level=spec.conf_level).iloc[0]
        except EstimationError as exc:
            rows.append({**base, "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                         "p_value": np.nan, "n": int(block[column].notna().sum()),
                         "method": method_text(exc.reason)})
            continue
        rows.append({**base, "estimate": float(r.estimate), "ci_low": float(r.ci_low),
                     "ci_high": float(r.ci_high), "p_value": float(r.p_value), "n": int(r.n),
                     "method": f"{r.method}; scores: {scores.text()}"})
    table = pd.DataFrame(rows, columns=list(TREND_COLUMNS))
    counts = pd.DataFrame(by_arm)
    estimated = table.loc[~table["method"].str.startswith("not estimable"), "method"]
    units = param_units(adlb, ep.param, ep.summary)
    res = result(spec, data, "dose-response", table,
                 title=f"Dose-response: {spec.endpoint_name} at {visit}",
                 method=estimated.iloc[0] if len(estimated) else
                 f"linear regression on the dose score; scores: {scores.text()}",
                 units=f"{units or 'outcome'} per {scores.unit}", by_arm=counts,
                 comparison=table, companions={f"{spec.output_table}_by_arm": counts})
    res.n_by_arm = population_sizes(data.adsl, spec, scores.arms)
    return res
