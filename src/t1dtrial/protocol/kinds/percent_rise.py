"""Percent rise: responder if the percent change from baseline reaches a threshold.

Examples
--------
>>> ep = PercentRiseEndpoint(kind="percent_rise", name="remission", label="Remission",
...                          params=["FCP", "PCP"], threshold_pct=10, visit="M12")
>>> criterion(ep)
'FCP or PCP change from baseline >= 10 %'
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator

from ...errors import Problem
from ..comparison import meets
from ..vocabulary import RISE_IS_WORSE
from ._base import EndpointModel, Flags, append_reason, combine_flags, later, yes_no
from ._registry import EndpointKind, ResponderGrid, TruthCohort, register_endpoint_kind

__all__ = ["PercentRiseEndpoint", "PERCENT_RISE_RANGE", "PERCENT_RISE"]

#: Thresholds a percent-rise endpoint may use. Below 1 % a rise is within any assay's
#: imprecision (and 0.1 is usually a proportion meant as 10 %); above 1000 % (tenfold)
#: percent changes arise only from baselines near the detection limit, so such a rule
#: would sort participants by assay noise.
PERCENT_RISE_RANGE: tuple[float, float] = (1.0, 1000.0)


class PercentRiseEndpoint(EndpointModel):
    """Responder if the percent change from baseline reaches a threshold.

    ``combine: any`` (the reference study's "and/or") or ``all`` over ``params``.
    """

    kind: Literal["percent_rise"]
    params: list[str] = Field(min_length=1)
    combine: Literal["any", "all"] = "any"
    threshold_pct: float = Field(description="The rise in percent of baseline, e.g. 10 for 10 %; "
                                 f"from {PERCENT_RISE_RANGE[0]:g} to {PERCENT_RISE_RANGE[1]:g}.")
    comparison: Literal[">=", ">"] = ">="

    @field_validator("threshold_pct")
    @classmethod
    def _sensible_rise(cls, v: float) -> float:
        low, high = PERCENT_RISE_RANGE
        expected = f"; expected a rise in percent from {low:g} to {high:g}, e.g. 10 for a 10 % rise"
        if v < 0:
            raise ValueError(f"a negative threshold counts a participant whose value fell by up "
                             f"to {-v:g} % as a responder{expected}")
        if v == 0:
            raise ValueError(f"a threshold of 0 counts a participant whose value did not rise "
                             f"at all as a responder{expected}")
        if v < low:
            raise ValueError(f"{v:g} looks like a proportion ({v:g} = {100 * v:g} %){expected}")
        if v > high:
            raise ValueError(f"a rise of more than {high:g} % (tenfold) comes only from "
                             f"baselines near the assay's detection limit{expected}")
        return v


def describe(ep: PercentRiseEndpoint) -> str:
    """The rule in words."""
    return (f"{ep.comparison} {ep.threshold_pct:g}% rise from baseline in "
            f"{ep.combine} of {', '.join(ep.params)}")


def criterion(ep: PercentRiseEndpoint) -> str:
    """ADEFF CRIT1."""
    join = " or " if ep.combine == "any" else " and "
    return f"{join.join(ep.params)} change from baseline {ep.comparison} {ep.threshold_pct:g} %"


def derive(ep: PercentRiseEndpoint, grid: ResponderGrid) -> Flags:
    """Each parameter's PCHG against the threshold, combined by three-valued logic."""
    size = grid.n * grid.k
    results = []
    adt = np.full(size, np.datetime64("NaT"), dtype="datetime64[ns]")
    reasons = np.full(size, "", dtype=object)
    excluded = np.zeros(size, dtype=bool)
    exclude_zero = grid.protocol.analysis.zero_baseline_pchg == "exclude_subject"
    for p in ep.params:
        got = grid.take(p)
        r = meets(got["PCHG"], ep.comparison, ep.threshold_pct)
        results.append(r)
        adt = later(adt, got["ADT"])
        why = np.full(size, "", dtype=object)
        absent = ~got["present"]
        why[absent] = grid.per_visit(f"no {p} at {{visit}}")[absent]
        undefined = got["present"] & np.isnan(r)
        why[undefined] = p + ": " + got["PCHGREAS"][undefined]
        reasons = append_reason(reasons, why)
        if exclude_zero:
            excluded |= grid.zero_baseline(p)
    value = combine_flags(np.vstack(results), ep.combine)
    value[excluded] = np.nan
    avalc = yes_no(value)
    avalc[excluded] = "excluded"
    reasons = np.where(avalc == "missing", reasons, "")
    reasons[excluded] = "baseline is zero; subject excluded (analysis.zero_baseline_pchg)"
    return Flags(value, avalc, adt, reasons)


def percent_change(cohort: TruthCohort, param: str, visit: str, *, noisy: bool) -> np.ndarray:
    """Percent change from the baseline visit (NaN when a value is missing or the baseline 0)."""
    x = cohort.values(param, noisy=noisy)
    b, v = cohort.visit_index(cohort.protocol.baseline_visit), cohort.visit_index(visit)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 100.0 * (x[:, v] - x[:, b]) / x[:, b]
    return np.where(np.isfinite(out), out, np.nan)


def truth(ep: PercentRiseEndpoint, cohort: TruthCohort, visit: str, noisy: bool) -> np.ndarray:
    """The flag at ``visit``; NaN when a value is missing (either combination)."""
    stack = np.vstack([meets(percent_change(cohort, p, visit, noisy=noisy), ep.comparison,
                             ep.threshold_pct) for p in ep.params])
    decided = 1.0 if ep.combine == "any" else 0.0
    out = np.where((stack == decided).any(axis=0), decided,
                   np.where(np.isnan(stack).any(axis=0), np.nan, 1.0 - decided))
    return np.where(cohort.observed_at(visit), out, np.nan)


def problems(ep: PercentRiseEndpoint, where: str, ctx: Any) -> list[Problem]:
    """A rise in a parameter where a rise is a worsening is no response."""
    out = []
    for j, code in enumerate(ep.params or []):
        if isinstance(code, str) and code in RISE_IS_WORSE:
            out.append(Problem(
                file="", row=None, column=f"{where}.params[{j}]", value=code,
                problem=f"a rise in {code} is a worsening, so this endpoint would count "
                        "worsening participants as responders",
                expected="C-peptide parameters (FCP, PCP, CPxx, CPAUC, CPMAUC), or a threshold "
                         f"endpoint such as {code} <= ..."))
    return out


PERCENT_RISE = register_endpoint_kind(EndpointKind(
    name="percent_rise", model=PercentRiseEndpoint, outcome="responder", describe=describe,
    criterion=criterion, derive=derive, truth=truth, problems=problems,
    params=lambda ep: [(f"params[{j}]", c) for j, c in enumerate(ep.params or [])]))
