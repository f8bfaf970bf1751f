"""Continuous: a change, percent change or follow-up value compared between arms.

Examples
--------
>>> ep = ContinuousEndpoint(kind="continuous", name="fcp_change", label="FCP",
...                         param="FCP", visit="M12")
>>> describe(ep)
'change from baseline in FCP'
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from ._base import EndpointModel
from ._registry import EndpointKind, TruthCohort, register_endpoint_kind

__all__ = ["ContinuousEndpoint", "CONTINUOUS", "summary_truth", "summary_words"]

Summary = Literal["value", "change", "percent_change"]


class ContinuousEndpoint(EndpointModel):
    """A continuous outcome (change, percent change or follow-up value) compared between arms."""

    kind: Literal["continuous"]
    param: str
    summary: Summary = "change"
    transform: Literal["none", "log1p", "log"] = "none"
    visits: list[str] | None = Field(default=None, description="All visits to analyse (MMRM); default every post-baseline visit.")


def summary_words(summary: str, param: str, transform: str) -> str:
    """``change from baseline in FCP on the log1p scale`` and the like."""
    words = {"value": "value", "change": "change from baseline",
             "percent_change": "percent change from baseline"}[summary]
    return f"{words} in {param}" + (f" on the {transform} scale" if transform != "none" else "")


def describe(ep: ContinuousEndpoint) -> str:
    """The outcome in words."""
    return summary_words(ep.summary, ep.param, ep.transform)


def summary_truth(x: np.ndarray, base: np.ndarray, summary: str) -> np.ndarray:
    """The value, change or percent change of ``x`` from ``base`` (NaN where undefined)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = {"value": x, "change": x - base, "percent_change": 100.0 * (x - base) / base}[summary]
    return np.where(np.isfinite(out), out, np.nan)


def truth(ep: ContinuousEndpoint, cohort: TruthCohort, visit: str, noisy: bool) -> np.ndarray:
    """The summary at ``visit`` (untransformed)."""
    x = cohort.values(ep.param, noisy=noisy)
    b = cohort.visit_index(cohort.protocol.baseline_visit)
    out = summary_truth(x[:, cohort.visit_index(visit)], x[:, b], ep.summary)
    return np.where(cohort.observed_at(visit), out, np.nan)


CONTINUOUS = register_endpoint_kind(EndpointKind(
    name="continuous", model=ContinuousEndpoint, outcome="continuous", describe=describe,
    truth=truth, params=lambda ep: [("param", ep.param)]))
