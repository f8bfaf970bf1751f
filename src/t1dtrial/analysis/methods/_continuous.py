"""Methods of continuous endpoints: the summary at every visit, one between-arm comparison
(Welch, Mann-Whitney/Hodges-Lehmann, ANCOVA) and the mixed model for repeated measures
(wrapping :mod:`t1dtrial.analysis.continuous` and :mod:`~t1dtrial.analysis.longitudinal`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import continuous, longitudinal
from .._estimable import not_estimable_rows
from .._arms import population, subgroup_masks
from ..result import Result
from ._common import param_units, result
from ._spec import AnalysisData, AnalysisSpec, analysis_protocol

__all__ = ["continuous_summary", "comparison_method", "mmrm", "BY_ARM_COLUMNS",
           "COMPARISON_COLUMNS"]

#: Per-arm summary of a continuous comparison (``primary_endpoint.csv`` of a continuous primary).
BY_ARM_COLUMNS = ["subgroup", "arm", "n", "mean", "sd", "median", "baseline_n", "baseline_mean",
                  "baseline_sd", "endpoint", "visit", "summary", "population"]
#: Comparisons of a continuous endpoint (``primary_comparison.csv`` of a continuous primary).
COMPARISON_COLUMNS = ["subgroup", "comparison", "estimate", "ci_low", "ci_high", "p_value",
                      "method", "conf_level", "endpoint", "visit", "n"]

#: Registry name -> rows of :func:`~t1dtrial.analysis.continuous.secondary_continuous`.
_ANALYSIS = {"welch": "welch_t", "mann-whitney": "mann_whitney", "ancova": "ancova",
             "within-arm-t": "within_arm_t"}
_WORDS = {"welch": "Welch's t-test", "mann-whitney": "Wilcoxon-Mann-Whitney test with the "
          "Hodges-Lehmann shift", "ancova": "ANCOVA adjusted for baseline",
          "within-arm-t": "one-sample t-test of the change within each arm"}


def _summary_rows(spec: AnalysisSpec, data: AnalysisData) -> pd.DataFrame:
    p = analysis_protocol(spec, data.protocol, covariates="ancova_covariates")
    return continuous.secondary_continuous(data.adsl, data.adlb, protocol=p,
                                           population_code=spec.population,
                                           conf_level=spec.conf_level)


def continuous_summary(spec: AnalysisSpec, data: AnalysisData) -> Result:
    """Descriptives, within-arm tests, Welch, Mann-Whitney and ANCOVA at every planned visit."""
    table = _summary_rows(spec, data)
    ep = spec.endpoint
    return result(spec, data, "continuous-summary", table,
                  title=f"{spec.endpoint_name} by visit",
                  method="descriptives; Welch, Wilcoxon-Mann-Whitney (Hodges-Lehmann) and "
                         "ANCOVA between arms",
                  units=param_units(data.adlb, ep.param, ep.summary))


def comparison_method(spec: AnalysisSpec, data: AnalysisData) -> Result:
    """One between-arm comparison of a continuous endpoint at the planned visit(s), by arm."""
    ep = spec.endpoint
    rows = _summary_rows(spec, data)
    kind = _ANALYSIS[spec.method]
    chosen = rows.loc[rows["analysis"] == kind]
    if kind == "within_arm_t" and len(chosen):  # each arm's change against 0
        comp = chosen.assign(comparison=chosen["group"] + ": change against 0")
        comp = comp.reindex(columns=COMPARISON_COLUMNS).reset_index(drop=True)
    elif not spec.pairs:  # a single arm: nothing to compare (its change is in the summary)
        comp = pd.DataFrame(columns=COMPARISON_COLUMNS)
    elif chosen.empty:
        reason = (f"{_WORDS[spec.method]} is not run on a {ep.summary.replace('_', ' ')} "
                  "(ANCOVA models a change or a value; use mann-whitney or welch)")
        comp = not_estimable_rows(COMPARISON_COLUMNS, reason,
                                  [{"subgroup": "all", "endpoint": spec.endpoint_name,
                                    "comparison": label} for label in spec.labels])
    else:
        comp = chosen.assign(comparison=chosen["group"].str.replace(" - ", " vs ", regex=False))
        comp = comp.reindex(columns=COMPARISON_COLUMNS)
        if isinstance(spec.planned.comparisons, list):
            comp = comp.loc[comp["comparison"].isin(spec.labels)]
        comp = comp.reset_index(drop=True)
    by_arm = _by_arm(spec, data)
    method = str(comp["method"].iloc[0]) if len(comp) else _WORDS[spec.method]
    return result(spec, data, "continuous-comparison", comp,
                  title=f"{spec.endpoint_name} at {', '.join(spec.visits)}", method=method,
                  units=param_units(data.adlb, ep.param, ep.summary), by_arm=by_arm,
                  comparison=comp)


_COLUMN = {"value": "AVAL", "change": "CHG", "percent_change": "PCHG"}


def _by_arm(spec: AnalysisSpec, data: AnalysisData) -> pd.DataFrame:
    """n, mean, SD and median of the summary variable by subgroup and arm, with the baseline."""
    ep = spec.endpoint
    subjects = population(data.adsl, spec.population)
    adlb = data.adlb
    recs = adlb.loc[(adlb["PARAMCD"] == ep.param) & (adlb["ANL01FL"] == "Y"),
                    ["USUBJID", "AVISIT", "BASE", _COLUMN[ep.summary]]]
    arms = spec.arms or list(data.protocol.arm_codes)
    rows = []
    for visit in spec.visits:
        at = subjects[["USUBJID", "TRT01P"]].merge(recs.loc[recs["AVISIT"] == visit],
                                                   on="USUBJID", how="left")
        for sg, mask in subgroup_masks(subjects, data.protocol).items():
            block = at.loc[mask.to_numpy()]
            for arm in arms:
                mine = block.loc[block["TRT01P"] == arm]
                vals = mine[_COLUMN[ep.summary]].dropna().to_numpy(dtype=float)
                base = mine.loc[mine[_COLUMN[ep.summary]].notna(), "BASE"].dropna() \
                    .to_numpy(dtype=float)
                rows.append({"subgroup": sg, "arm": arm, "n": len(vals),
                             "mean": _mean(vals), "sd": _sd(vals),
                             "median": float(np.median(vals)) if len(vals) else np.nan,
                             "baseline_n": len(base), "baseline_mean": _mean(base),
                             "baseline_sd": _sd(base), "endpoint": spec.endpoint_name,
                             "visit": visit, "summary": ep.summary,
                             "population": spec.population})
    return pd.DataFrame(rows, columns=BY_ARM_COLUMNS)


def _mean(x: np.ndarray) -> float:
    return float(np.mean(x)) if len(x) else np.nan


def _sd(x: np.ndarray) -> float:
    return float(np.std(x, ddof=1)) if len(x) > 1 else np.nan


def mmrm(spec: AnalysisSpec, data: AnalysisData) -> Result:
    """Mixed model for repeated measures of the endpoint's parameter over the planned visits."""
    p = analysis_protocol(spec, data.protocol, covariates="ancova_covariates")
    adlb = data.adlb
    codes = data.protocol.visit_codes
    post = codes[codes.index(data.protocol.baseline_visit) + 1:]
    if spec.visits and set(spec.visits) != set(post):
        adlb = adlb.loc[adlb["AVISIT"].isin([data.protocol.baseline_visit, *spec.visits])]
    table, tried, notes = longitudinal.mmrm_analysis(data.adsl, adlb, protocol=p,
                                                     population_code=spec.population,
                                                     conf_level=spec.conf_level)
    method = str(table["method"].dropna().iloc[0]) if table["method"].notna().any() else ""
    return result(spec, data, "longitudinal", table,
                  title=f"Mixed model for repeated measures: {spec.endpoint.param}",
                  method=method, units=param_units(data.adlb, spec.endpoint.param, "change"),
                  companions={"mmrm_covariance": tried}, notes=notes)
