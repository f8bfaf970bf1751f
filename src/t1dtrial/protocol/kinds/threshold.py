"""Threshold: responder if a parameter's value compares to a fixed threshold.

Examples
--------
>>> ep = ThresholdEndpoint(kind="threshold", name="dcct", label="DCCT", param="PCP",
...                        comparison=">=", value=0.2, unit="nmol/L", visit="M12")
>>> describe(ep)
'PCP >= 0.2 nmol/L'
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import ValidationInfo, field_validator

from ..comparison import meets
from ..units import threshold_unit_problem, threshold_value_problem
from ._base import EndpointModel, Flags, yes_no
from ._registry import EndpointKind, ResponderGrid, TruthCohort, register_endpoint_kind

__all__ = ["ThresholdRule", "ThresholdEndpoint", "THRESHOLD"]

Comparison = Literal[">=", ">", "<=", "<"]


class ThresholdRule(EndpointModel):
    """A parameter compared with a fixed value in a unit: ``param comparison value unit``.

    The schema and checks shared by the kinds built on such a rule (threshold,
    time to event): the unit must be one of the parameter's and the value possible.
    """

    param: str
    comparison: Comparison
    unit: str
    value: float

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, v: str, info: ValidationInfo) -> str:
        found = threshold_unit_problem(info.data["param"], v) if "param" in info.data else None
        if found:
            raise ValueError(f"{found[0]}; expected {found[1]}")
        return v

    @field_validator("value")
    @classmethod
    def _possible(cls, v: float, info: ValidationInfo) -> float:
        if {"param", "comparison", "unit"} <= set(info.data):
            found = threshold_value_problem(info.data["param"], info.data["comparison"], v,
                                            info.data["unit"])
            if found:
                raise ValueError(f"{found[0]}; expected {found[1]}")
        return v


class ThresholdEndpoint(ThresholdRule):
    """Responder if a parameter's value compares to a fixed threshold (e.g. C-peptide >= 0.2 nmol/L)."""

    kind: Literal["threshold"]


def describe(ep: ThresholdEndpoint) -> str:
    """The rule in words (also ADEFF CRIT1)."""
    return f"{ep.param} {ep.comparison} {ep.value:g} {ep.unit}"


def derive(ep: ThresholdEndpoint, grid: ResponderGrid) -> Flags:
    """The analysis value at each visit against the threshold in the canonical unit."""
    got = grid.take(ep.param)
    value = meets(got["AVAL"], ep.comparison, grid.canonical(ep.param, ep.value, ep.unit))
    reasons = np.where(np.isnan(value), grid.per_visit(f"no {ep.param} at {{visit}}"), "")
    return Flags(value, yes_no(value), got["ADT"], reasons.astype(object))


def truth(ep: ThresholdEndpoint, cohort: TruthCohort, visit: str, noisy: bool) -> np.ndarray:
    """The flag at ``visit`` from the written (or latent) values."""
    x = cohort.values(ep.param, noisy=noisy)[:, cohort.visit_index(visit)]
    out = meets(x, ep.comparison, cohort.canonical(ep.param, ep.value, ep.unit))
    return np.where(cohort.observed_at(visit), out, np.nan)


THRESHOLD = register_endpoint_kind(EndpointKind(
    name="threshold", model=ThresholdEndpoint, outcome="responder", describe=describe,
    criterion=describe, derive=derive, truth=truth, params=lambda ep: [("param", ep.param)],
    baseline_too=True))
