"""Meal-test AUC: the C-peptide AUC (trapezoid) or mean AUC over chosen sampling minutes.

A continuous endpoint over a derived ADLB parameter: ``CPAUC`` / ``CPMAUC``
over the protocol's meal-test minutes, or, when the endpoint lists its own
``minutes`` (e.g. an OGTT sampled to 180 min analysed over 0-120), a
parameter of its own, ``CPAUC<last>`` / ``CPMAUC<last>`` (``CPAUC<first>T<last>``
when the first minute is not 0). The mean AUC is the AUC divided by the
sampling span (last minute - first minute).

Examples
--------
>>> ep = MealAucEndpoint(kind="meal_auc", name="auc", label="OGTT AUC", measure="auc",
...                      minutes=[0, 30, 60, 90, 120, 150, 180], visit="M12")
>>> ep.param, describe(ep)
('CPAUC180', 'change from baseline in CPAUC180 (C-peptide AUC, minutes 0-180)')
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from .continuous import ContinuousEndpoint, summary_words
from .continuous import truth as continuous_truth
from ._registry import DerivedParam, EndpointKind, register_endpoint_kind

__all__ = ["MealAucEndpoint", "MEAL_AUC", "auc_param"]


def auc_param(minutes: list[int] | None, mean: bool) -> str:
    """PARAMCD of the (mean) AUC over ``minutes`` (None: the meal test's own minutes).

    Examples
    --------
    >>> auc_param(None, True), auc_param([0, 60, 120], False), auc_param([30, 90], True)
    ('CPMAUC', 'CPAUC120', 'CPMAUC30T90')
    """
    stem = "CPMAUC" if mean else "CPAUC"
    if not minutes:
        return stem
    return stem + (f"{minutes[-1]}" if minutes[0] == 0 else f"{minutes[0]}T{minutes[-1]}")


class MealAucEndpoint(ContinuousEndpoint):
    """C-peptide AUC (``measure: auc``) or mean AUC (``mean_auc``) over meal-test minutes.

    ``minutes`` default to the protocol's ``meal_test.minutes``; listed, they
    must be sampled minutes of the meal test. ``param`` is set from them.
    """

    kind: Literal["meal_auc"]  # type: ignore[assignment]
    measure: Literal["auc", "mean_auc"] = "mean_auc"
    minutes: list[int] | None = Field(
        default=None, description="Sampling minutes of the AUC, e.g. [0, 30, 60, 90, 120, 150, 180]; "
                                  "default the meal test's minutes.")
    param: str = ""

    @model_validator(mode="before")
    @classmethod
    def _param_from_minutes(cls, data: Any) -> Any:
        if isinstance(data, dict):
            minutes = data.get("minutes")
            ok = minutes is None or (isinstance(minutes, list)
                                     and all(isinstance(m, int) for m in minutes) and minutes)
            wanted = auc_param(minutes if ok else None, data.get("measure", "mean_auc") == "mean_auc")
            if data.get("param") not in (None, "", wanted):
                raise ValueError(f"param is set from measure and minutes ({wanted}); expected no "
                                 f"param, or {wanted}")
            data = {**data, "param": wanted}
        return data

    @field_validator("minutes")
    @classmethod
    def _increasing(cls, v: list[int] | None) -> list[int] | None:
        if v is None:
            return v
        if len(v) < 2:
            raise ValueError(f"an AUC needs at least two sampling minutes; got {v}; expected e.g. "
                             "[0, 30, 60, 90, 120]")
        if any(b <= a for a, b in zip(v, v[1:])) or v[0] < 0:
            raise ValueError(f"sampling minutes must be strictly increasing from 0 or later; "
                             f"got {v}")
        return v


def _span(ep: MealAucEndpoint) -> str:
    what = "C-peptide mean AUC" if ep.measure == "mean_auc" else "C-peptide AUC"
    return (f"{what}, minutes {ep.minutes[0]}-{ep.minutes[-1]}" if ep.minutes
            else f"{what} of the meal test")


def describe(ep: MealAucEndpoint) -> str:
    """The outcome in words."""
    return f"{summary_words(ep.summary, ep.param, ep.transform)} ({_span(ep)})"


def adlb_params(ep: MealAucEndpoint) -> list[DerivedParam]:
    """The ADLB parameter the endpoint needs when it has minutes of its own."""
    if not ep.minutes:
        return []
    unit = "nmol/L" if ep.measure == "mean_auc" else "nmol/L x min"
    label = (f"{_span(ep)}" + (", AUC / sampling span" if ep.measure == "mean_auc" else "")
             + f" ({unit})")
    return [DerivedParam(ep.param, label, tuple(ep.minutes), ep.measure == "mean_auc")]


def params(ep: MealAucEndpoint) -> list[tuple[str, str]]:
    """The samples the AUC needs (checked against the meal test's minutes)."""
    if ep.minutes:
        return [(f"minutes[{j}]", f"CP{m}") for j, m in enumerate(ep.minutes)]
    return [("measure", "CPMAUC" if ep.measure == "mean_auc" else "CPAUC")]


MEAL_AUC = register_endpoint_kind(EndpointKind(
    name="meal_auc", model=MealAucEndpoint, outcome="continuous", describe=describe,
    truth=continuous_truth, params=params, adlb_params=adlb_params))  # the summary of its AUC
