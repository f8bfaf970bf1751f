"""Responder at any (or all) of a set of visits: an inner responder rule over visits.

``endpoint`` names a responder endpoint of the protocol (its rule, not its
visit, is used); ``visits`` are the visits it is read at; ``at: any`` is "Y"
when it is "Y" at one of them, "N" when "N" at all, else "missing"; ``at:
all`` is "N" when "N" at one, "Y" when "Y" at all, else "missing". At each
evaluated visit the flag takes in the listed visits up to that one, so at
the last listed visit (the default ``visit``) it takes in all of them.

Examples
--------
>>> ep = AnyVisitEndpoint(kind="any_visit", name="remission_ever", label="Remission ever",
...                       endpoint="remission", visits=["M6", "M9", "M12"])
>>> ep.visit, describe(ep)
('M12', 'remission at any of M6, M9, M12')
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from ...errors import Problem
from ._base import EndpointModel, Flags, append_reason, combine_flags, later, yes_no
from ._references import context_endpoints, reference_problems
from ._registry import EndpointKind, ResponderGrid, TruthCohort, register_endpoint_kind
from ..adam_names import paramcd_of

__all__ = ["AnyVisitEndpoint", "ANY_VISIT"]


class AnyVisitEndpoint(EndpointModel):
    """The responder endpoint ``endpoint`` at ``any`` (or ``all``) of ``visits``."""

    kind: Literal["any_visit"]
    endpoint: str = Field(description="Name of a responder endpoint of the protocol.")
    visits: list[str] = Field(min_length=1, description="Visits at which it is read, e.g. [M6, M9, M12].")
    at: Literal["any", "all"] = "any"

    @model_validator(mode="before")
    @classmethod
    def _visit_is_the_last_listed(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("visit") is None:
            visits = data.get("visits")
            if isinstance(visits, list) and visits and isinstance(visits[-1], str):
                data = {**data, "visit": visits[-1]}
        return data


def describe(ep: AnyVisitEndpoint) -> str:
    """The rule in words."""
    return f"{ep.endpoint} at {ep.at} of {', '.join(ep.visits)}"


def criterion(ep: AnyVisitEndpoint) -> str:
    """ADEFF CRIT1."""
    return f"{paramcd_of(ep.endpoint)} = Y at {ep.at} of {', '.join(ep.visits)} (up to the visit)"


def _upto(ep: AnyVisitEndpoint, schedule: list[str], visit: str) -> list[int]:
    """Positions in ``ep.visits`` of the listed visits at or before ``visit``."""
    if visit not in schedule:
        return []
    last = schedule.index(visit)
    return [j for j, v in enumerate(ep.visits) if v in schedule and schedule.index(v) <= last]


def derive(ep: AnyVisitEndpoint, grid: ResponderGrid) -> Flags:
    """The inner flags at the listed visits up to each visit, combined by ``at``."""
    schedule = list(grid.protocol.visit_codes)
    inner = grid.sub(list(ep.visits)).flags(ep.endpoint)
    m = len(ep.visits)
    values = inner.value.reshape(grid.n, m)
    dates = inner.adt.reshape(grid.n, m)
    why = inner.reason.reshape(grid.n, m)
    size = grid.n * grid.k
    value = np.full(size, np.nan)
    adt = np.full(size, np.datetime64("NaT"), dtype="datetime64[ns]")
    reasons = np.full(size, "", dtype=object)
    for j, visit in enumerate(grid.visits):
        cols = _upto(ep, schedule, visit)
        cells = np.arange(grid.n) * grid.k + j
        if not cols:
            reasons[cells] = f"before {ep.visits[0]}, the first visit of {ep.name}"
            continue
        value[cells] = combine_flags(values[:, cols].T, ep.at)
        got = np.full(grid.n, np.datetime64("NaT"), dtype="datetime64[ns]")
        text = np.full(grid.n, "", dtype=object)
        for c in cols:
            got = later(got, dates[:, c])
            text = append_reason(text, why[:, c].astype(object))
        adt[cells] = got
        reasons[cells] = text
    avalc = yes_no(value)
    return Flags(value, avalc, adt, np.where(avalc == "missing", reasons, "").astype(object))


def truth(ep: AnyVisitEndpoint, cohort: TruthCohort, visit: str, noisy: bool) -> np.ndarray:
    """The inner truth at the listed visits up to ``visit``, combined by ``at``."""
    cols = _upto(ep, list(cohort.protocol.visit_codes), visit)
    if not cols:
        return np.full(cohort.n, np.nan)
    return combine_flags(np.vstack([cohort.truth(ep.endpoint, ep.visits[c], noisy=noisy)
                                    for c in cols]), ep.at)


def problems(ep: AnyVisitEndpoint, where: str, ctx: Any) -> list[Problem]:
    """The inner endpoint exists, is a responder and does not lead back to this one."""
    return reference_problems(ep.name, f"{where}.endpoint", ep.endpoint, context_endpoints(ctx))


ANY_VISIT = register_endpoint_kind(EndpointKind(
    name="any_visit", model=AnyVisitEndpoint, outcome="responder", describe=describe,
    criterion=criterion, derive=derive, truth=truth, problems=problems,
    references=lambda ep: [ep.endpoint] if isinstance(ep.endpoint, str) else []))
