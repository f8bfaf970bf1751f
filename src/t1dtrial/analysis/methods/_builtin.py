"""Registration of the built-in methods (the analyses the package has always run)."""

from __future__ import annotations

from .. import continuous, insulin, longitudinal, predictors, responders, safety, sensitivity
from . import register_method
from ._continuous import COMPARISON_COLUMNS, comparison_method, continuous_summary, mmrm
from ._events import adverse_events, insulin_independence, kaplan_meier
from ._responder import (interaction, logistic_predictors, primary_sensitivity, responder_test,
                         standardisation)
from ._trend import TREND_COLUMNS, cochran_armitage_trend, linear_dose_trend

_RESPONDER = ("responder",)
_CONTINUOUS = ("continuous",)

for _name in ("fisher", "chisq", "chisq_cc"):
    register_method(_name, responder_test, outcomes=_RESPONDER,
                    columns=responders.COUNT_COLUMNS + responders.COMPARISON_COLUMNS,
                    description="responders by arm; risk difference, odds ratio and the test")
for _name in ("welch", "mann-whitney", "ancova", "within-arm-t"):
    register_method(_name, comparison_method, outcomes=_CONTINUOUS, columns=COMPARISON_COLUMNS,
                    description="one between-arm comparison of a continuous endpoint")
register_method("continuous-summary", continuous_summary, outcomes=_CONTINUOUS,
                columns=continuous.SECONDARY_COLUMNS,
                description="descriptives and comparisons of a continuous endpoint by visit")
register_method("mmrm", mmrm, outcomes=_CONTINUOUS, columns=longitudinal.MMRM_COLUMNS,
                description="mixed model for repeated measures")
register_method("subgroup-interaction", interaction, outcomes=_RESPONDER,
                columns=responders.INTERACTION_COLUMNS,
                description="subgroup x treatment interaction (logistic)")
register_method("standardisation", standardisation, outcomes=_RESPONDER,
                columns=responders.ADJUSTED_COLUMNS,
                description="covariate-adjusted risks by standardisation")
register_method("primary-sensitivity", primary_sensitivity, outcomes=_RESPONDER,
                columns=sensitivity.SENSITIVITY_COLUMNS,
                description="per-protocol, multiple imputation and weighting")
register_method("logistic-predictors", logistic_predictors, outcomes=("responder", ""),
                columns=predictors.LOGISTIC_COLUMNS,
                description="multivariable logistic model of a responder endpoint")
register_method("insulin-independence", insulin_independence, outcomes=("responder", ""),
                columns=insulin.INSULIN_COLUMNS, description="insulin-free episodes")
register_method("kaplan-meier", kaplan_meier, outcomes=("responder", "", "time_to_event"),
                columns=insulin.KM_COLUMNS, description="Kaplan-Meier of insulin independence, "
                "or of a time-to-event endpoint with the log-rank test of each pair of arms")
register_method("adverse-events", adverse_events, outcomes=("",),
                columns=safety.AE_TABLE_COLUMNS, description="adverse events by arm")
register_method("cochran-armitage", cochran_armitage_trend, outcomes=_RESPONDER,
                columns=TREND_COLUMNS, trend=True,
                description="Cochran-Armitage test for a trend in responders across the arms "
                "ordered by planned dose")
register_method("linear-trend", linear_dose_trend, outcomes=_CONTINUOUS,
                columns=TREND_COLUMNS, trend=True,
                description="linear regression of a continuous endpoint on the arms' planned "
                "dose")
