"""Methods of insulin independence and safety: episodes, Kaplan-Meier of their duration and
adverse events (wrapping :mod:`t1dtrial.analysis.insulin` and :mod:`~t1dtrial.analysis.safety`)."""

from __future__ import annotations

from .. import insulin, safety
from ..result import Result
from ._common import result
from ._spec import AnalysisData, AnalysisSpec, analysis_protocol
from ._time_to_event import time_to_event

__all__ = ["insulin_independence", "kaplan_meier", "adverse_events"]


def insulin_independence(spec: AnalysisSpec, data: AnalysisData) -> Result:
    """Participants ever insulin-free, their episodes and durations, by arm."""
    p = analysis_protocol(spec, data.protocol)
    table = insulin.insulin_independence_table(data.derived, p, conf_level=spec.conf_level)
    return result(spec, data, "episodes", table, title="Insulin independence",
                  method="insulin-free episodes from ADTTE (INSFREE)", units="days")


def kaplan_meier(spec: AnalysisSpec, data: AnalysisData) -> Result:
    """Kaplan-Meier of the duration of the first insulin-free episode, by arm; of a
    time-to-event endpoint (ADTTE) with the log-rank test of each pair of arms."""
    if spec.outcome == "time_to_event":
        return time_to_event(spec, data)
    p = analysis_protocol(spec, data.protocol)
    table = insulin.insulin_free_km(data.derived, p, conf_level=spec.conf_level)
    return result(spec, data, "survival", table, title="Duration of insulin independence",
                  method="Kaplan-Meier (Greenwood variance, log-log interval)", units="days")


def adverse_events(spec: AnalysisSpec, data: AnalysisData) -> Result:
    """Treatment-emergent adverse events by arm with Fisher's exact test."""
    p = analysis_protocol(spec, data.protocol)
    table = safety.adverse_events_table(data.derived, p, conf_level=spec.conf_level)
    return result(spec, data, "adverse-events", table, title="Treatment-emergent adverse events",
                  method="subjects with at least one event; Fisher's exact test between arms")
