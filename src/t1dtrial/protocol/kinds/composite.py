"""Composite: responder by all (or any) of other endpoints' flags.

``of`` names responder endpoints of the protocol (e.g. two thresholds: daily
insulin < 0.5 U/kg/day and HbA1c < 7 %); they are combined cell by cell
with three-valued logic, as percent_rise combines its parameters: ``all``
is "N" when one is "N", "Y" when all are "Y", else "missing"; ``any`` is
"Y" when one is "Y", "N" when all are "N", else "missing".

Examples
--------
>>> ep = CompositeEndpoint(kind="composite", name="good_control", label="Good control",
...                        of=["insulin_low", "hba1c_low"], visit="M12")
>>> describe(ep)
'all of insulin_low, hba1c_low'
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from ...errors import Problem
from ._base import EndpointModel, Flags, append_reason, combine_flags, later, yes_no
from ._references import context_endpoints, reference_problems
from ._registry import EndpointKind, ResponderGrid, TruthCohort, register_endpoint_kind
from ..adam_names import paramcd_of

__all__ = ["CompositeEndpoint", "COMPOSITE"]


class CompositeEndpoint(EndpointModel):
    """Responder by ``all`` (or ``any``) of the flags of the endpoints named in ``of``."""

    kind: Literal["composite"]
    of: list[str] = Field(min_length=2, description="Names of responder endpoints of the protocol.")
    combine: Literal["all", "any"] = "all"


def describe(ep: CompositeEndpoint) -> str:
    """The rule in words."""
    return f"{ep.combine} of {', '.join(ep.of)}"


def criterion(ep: CompositeEndpoint) -> str:
    """ADEFF CRIT1."""
    join = " and " if ep.combine == "all" else " or "
    return join.join(f"{paramcd_of(name)} = Y" for name in ep.of)


def derive(ep: CompositeEndpoint, grid: ResponderGrid) -> Flags:
    """The named endpoints' flags at each visit, combined by three-valued logic."""
    parts = [grid.flags(name) for name in ep.of]
    value = combine_flags(np.vstack([p.value for p in parts]), ep.combine)
    adt = parts[0].adt
    reasons = np.full(len(value), "", dtype=object)
    for name, part in zip(ep.of, parts):
        adt = later(adt, part.adt)
        why = np.where(part.reason != "", name + ": " + part.reason.astype(object), "")
        reasons = append_reason(reasons, why.astype(object))
    avalc = yes_no(value)
    return Flags(value, avalc, adt, np.where(avalc == "missing", reasons, "").astype(object))


def truth(ep: CompositeEndpoint, cohort: TruthCohort, visit: str, noisy: bool) -> np.ndarray:
    """The named endpoints' truths at ``visit``, combined."""
    return combine_flags(np.vstack([cohort.truth(name, visit, noisy=noisy) for name in ep.of]),
                         ep.combine)


def problems(ep: CompositeEndpoint, where: str, ctx: Any) -> list[Problem]:
    """Each named endpoint exists, is a responder, and does not lead back to this one."""
    by_name = context_endpoints(ctx)
    out: list[Problem] = []
    for j, name in enumerate(ep.of or []):
        out += reference_problems(ep.name, f"{where}.of[{j}]", name, by_name)
    return out


COMPOSITE = register_endpoint_kind(EndpointKind(
    name="composite", model=CompositeEndpoint, outcome="responder", describe=describe,
    criterion=criterion, derive=derive, truth=truth, problems=problems,
    references=lambda ep: list(ep.of or [])))
