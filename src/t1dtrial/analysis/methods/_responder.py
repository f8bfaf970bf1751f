"""Methods of responder endpoints: counts and test, subgroup interaction, adjusted estimate,
sensitivity analyses and the predictor model (wrapping :mod:`t1dtrial.analysis.responders`,
:mod:`~t1dtrial.analysis.sensitivity` and :mod:`~t1dtrial.analysis.predictors`)."""

from __future__ import annotations

import pandas as pd

from .. import predictors, responders, sensitivity
from ..result import Result
from ._common import adeff_at, only_planned_pairs, result
from ._spec import AnalysisData, AnalysisSpec, analysis_protocol
from ...protocol.adam_names import paramcd_of

__all__ = ["responder_test", "interaction", "standardisation", "primary_sensitivity",
           "logistic_predictors"]

_TESTS = {"fisher": "Fisher's exact test", "chisq": "Pearson's chi-square test",
          "chisq_cc": "chi-square test with continuity correction"}


def responder_test(spec: AnalysisSpec, data: AnalysisData) -> Result:
    """Responders by arm and subgroup; risk difference, odds ratio and the test ``spec.method``."""
    p = analysis_protocol(spec, data.protocol)
    adeff = adeff_at(spec, data)
    title = f"{spec.endpoint_name} at {', '.join(spec.visits)}"
    if not adeff["PARAMCD"].eq(paramcd_of(spec.endpoint_name, p)).any():
        empty = pd.DataFrame(columns=responders.COUNT_COLUMNS)
        return result(spec, data, "responder-comparison", empty, title=title,
                      by_arm=empty, comparison=pd.DataFrame(
                          columns=responders.COMPARISON_COLUMNS),
                      notes=[f"{spec.name}: no ADEFF record of {spec.endpoint_name}; "
                             "nothing to analyse."])
    counts = responders.responder_counts(data.adsl, adeff, spec.endpoint_name, protocol=p,
                                         population_code=spec.population)
    comp = responders.responder_comparison(counts, protocol=p, conf_level=spec.conf_level)
    comp = only_planned_pairs(comp, spec)
    table = responders.counts_with_comparisons(counts, comp)
    method = comp["test"].iloc[0] if len(comp) else _TESTS[spec.method]
    return result(spec, data, "responder-comparison", table, title=title, method=method,
                  by_arm=counts, comparison=comp)


def interaction(spec: AnalysisSpec, data: AnalysisData) -> Result:
    """Subgroup x treatment interaction of a responder endpoint (logistic model)."""
    p = analysis_protocol(spec, data.protocol)
    table = responders.subgroup_interaction(data.adsl, adeff_at(spec, data), spec.endpoint_name,
                                            protocol=p, population_code=spec.population,
                                            conf_level=spec.conf_level)
    return result(spec, data, "interaction", table,
                  title=f"Subgroup interaction: {spec.endpoint_name}",
                  method="logistic model with treatment, subgroup and their product")


def standardisation(spec: AnalysisSpec, data: AnalysisData) -> Result:
    """Covariate-adjusted risk difference, risk ratio and odds ratio, and baseline balance."""
    p = analysis_protocol(spec, data.protocol, covariates="adjustment_covariates")
    table, balance, notes = responders.adjusted_comparison(
        data.adsl, adeff_at(spec, data), spec.endpoint_name, protocol=p,
        population_code=spec.population, conf_level=spec.conf_level)
    return result(spec, data, "adjusted-comparison", only_planned_pairs(table, spec),
                  title=f"Covariate-adjusted {spec.endpoint_name}",
                  method=responders.ADJUSTED_LABEL,
                  companions={f"{spec.output_table}_balance": balance}, notes=notes)


def primary_sensitivity(spec: AnalysisSpec, data: AnalysisData) -> Result:
    """Per-protocol, multiple imputation and inverse probability weighting of the comparison."""
    p = analysis_protocol(spec, data.protocol, covariates="propensity_covariates")
    table, balance, notes = sensitivity.sensitivity_analyses(
        data.adsl, adeff_at(spec, data), protocol=p, seed=data.seed, conf_level=spec.conf_level)
    return result(spec, data, "sensitivity", table,
                  title=f"Sensitivity analyses: {spec.endpoint_name}",
                  method="the primary comparison with one population or assumption changed",
                  companions={"balance": balance}, notes=notes)


def logistic_predictors(spec: AnalysisSpec, data: AnalysisData) -> Result:
    """Multivariable logistic model of a responder endpoint on the planned covariates."""
    p = analysis_protocol(spec, data.protocol, covariates="predictor_covariates")
    table, notes = predictors.predictor_model(
        data.adsl, adeff_at(spec, data), protocol=p, endpoint=spec.endpoint_name or None,
        population_code=spec.population, conf_level=spec.conf_level)
    method = str(table["method"].iloc[0]) if len(table) else ""
    return result(spec, data, "model-terms", table,
                  title="Predictors of the primary endpoint"
                  if spec.endpoint_name in ("", data.protocol.primary_endpoint.name)
                  else f"Predictors of {spec.endpoint_name}",
                  method=method, notes=notes)
