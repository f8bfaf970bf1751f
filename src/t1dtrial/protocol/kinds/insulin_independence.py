"""Insulin independence: no exogenous insulin at the visit (and the insulin-free episodes).

Examples
--------
>>> ep = InsulinIndependenceEndpoint(kind="insulin_independence", name="insulin_independence",
...                                  label="Insulin independence", visit="M12")
>>> describe(ep)
'no exogenous insulin'
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ..comparison import meets
from ._base import EndpointModel, Flags, yes_no
from ._registry import EndpointKind, ResponderGrid, TruthCohort, register_endpoint_kind

__all__ = ["InsulinIndependenceEndpoint", "INSULIN_INDEPENDENCE"]


class InsulinIndependenceEndpoint(EndpointModel):
    """Insulin independence (no exogenous insulin) at the visit, and its episodes."""

    kind: Literal["insulin_independence"]


def describe(ep: InsulinIndependenceEndpoint) -> str:
    """The rule in words."""
    return "no exogenous insulin"


def criterion(ep: InsulinIndependenceEndpoint) -> str:
    """ADEFF CRIT1."""
    return "INSDOSE = 0 U/kg/day (no exogenous insulin)"


def derive(ep: InsulinIndependenceEndpoint, grid: ResponderGrid) -> Flags:
    """"Y" when INSDOSE is 0; without INSDOSE, "Y" inside an insulin-free episode, else missing."""
    got = grid.take("INSDOSE")
    value = meets(got["AVAL"], "<=", 0.0)
    reasons = np.where(np.isnan(value), grid.per_visit("no INSDOSE at {visit}"), "").astype(object)
    missing = np.isnan(value)
    if missing.any():
        covered = grid.insulin_free_at_nominal(missing)
        value[covered] = 1.0
        reasons[covered] = reasons[covered] + "; inside an insulin-free episode"
    avalc = yes_no(value)
    reasons = np.where((avalc == "missing") | (reasons != "") & (value == 1), reasons, "")
    return Flags(value, avalc, got["ADT"], reasons)


def truth(ep: InsulinIndependenceEndpoint, cohort: TruthCohort, visit: str,
          noisy: bool) -> np.ndarray:
    """Inside an insulin-free episode at the visit's day."""
    start, end = cohort.episodes()
    day = cohort.visit_days()[:, cohort.visit_index(visit)]
    with np.errstate(invalid="ignore"):
        inside = (start <= day) & (np.isnan(end) | (day <= end))
    return np.where(cohort.observed_at(visit), inside.astype(float), np.nan)


INSULIN_INDEPENDENCE = register_endpoint_kind(EndpointKind(
    name="insulin_independence", model=InsulinIndependenceEndpoint, outcome="responder",
    describe=describe, criterion=criterion, derive=derive, truth=truth, adsl_columns=("RFSTDT",)))
