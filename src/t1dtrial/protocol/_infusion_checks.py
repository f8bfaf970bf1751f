"""Cross-field checks of the infusions: visits, arms given cells or a sham, numbering, placebo.

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> infusion_problems(CheckContext(load_protocol("dosefinding"), {}))
[]
"""

from __future__ import annotations

from typing import Any

from ..errors import Problem
from ._check_context import CheckContext, arm_paths, expression_names, finding, given_cells
from .vocabulary import is_endpoint_param

__all__ = ["infusion_problems"]


def infusion_problems(ctx: CheckContext) -> list[Problem]:
    out = []
    numbers = [inf.number for _, inf in ctx.items("infusions") if inf.number is not None]
    if numbers != sorted(set(numbers)):
        out.append(finding("infusions", f"infusion numbers {numbers} are not unique and "
                           "increasing", "one entry per scheduled infusion, numbered 1, 2, ... "
                           "in schedule order, with a dose per arm (doses: {ARM: {per_kg: ...}}) "
                           "where arms differ"))
    arm_problems: list[Problem] = []
    for i, inf in ctx.items("infusions"):
        where = f"infusions[{i}]"
        out += ctx.unknown_visit(f"{where}.visit", inf.visit)
        arm_problems += _infusion_arms(ctx, where, inf)
        for name in expression_names(inf.condition):
            if not is_endpoint_param(name):
                out.append(finding(f"{where}.condition", f"unknown parameter {name!r} in "
                                   f"{inf.condition!r}", "parameters measured at the visit, "
                                   "e.g. INSULIN > 0"))
    # numbering per arm is judged once every arm named is right (else it repeats their problem)
    return (out + arm_problems + (_per_subject_numbers(ctx) if not arm_problems else [])
            + _placebo_left_out(ctx))


def _infusion_arms(ctx: CheckContext, where: str, inf: Any) -> list[Problem]:
    out = []
    if inf.arms is not None and not inf.arms and not inf.sham_arms:
        out.append(finding(f"{where}.arms", "the infusion is given to no arm",
                           "the arms that receive it, e.g. [MSC]"))
    for path, arm in arm_paths(where, inf):
        out += ctx.unknown_arm(path, arm)
        kind = ctx.kind_of.get(arm)
        if kind == "standard-care":
            out.append(finding(path, f"arm {arm!r} is standard care and cannot receive "
                               "infusions", "arms of kind cell-therapy or active, or placebo "
                               "arms in sham_arms"))
        elif kind == "placebo":
            out.append(finding(path, f"arm {arm!r} is a placebo arm, which is given no cells",
                               f"sham_arms: [{arm}] (a sham infusion with no cells), and the "
                               "arm left out of arms and doses", arm))
    for j, arm in enumerate(inf.sham_arms or []):
        path = f"{where}.sham_arms[{j}]"
        out += ctx.unknown_arm(path, arm)
        kind = ctx.kind_of.get(arm)
        if kind is not None and kind != "placebo":
            out.append(finding(path, f"arm {arm!r} is of kind {kind}, but a sham infusion "
                               "(no cells) is given only to placebo arms",
                               "placebo arms only; an arm given cells goes in arms or doses",
                               arm))
        if arm in given_cells(inf):
            out.append(finding(path, f"arm {arm!r} is given cells and a sham infusion at the "
                               "same infusion", "each arm once: in sham_arms or given cells",
                               arm))
    return out


def _per_subject_numbers(ctx: CheckContext) -> list[Problem]:
    """Each arm's infusions are numbered 1, 2, ... (the numbers an export gives a participant)."""
    by_arm: dict[str, list[int]] = {}
    for _, inf in ctx.items("infusions"):
        if not isinstance(inf.number, int):
            continue
        for arm in dict.fromkeys(given_cells(inf) + list(inf.sham_arms or [])):
            by_arm.setdefault(arm, []).append(inf.number)
    out = []
    for arm, got in by_arm.items():
        expected = list(range(1, len(got) + 1))
        if sorted(got) != expected:
            out.append(finding("infusions", f"arm {arm}'s infusions are numbered "
                               f"{', '.join(map(str, sorted(got)))}, but a participant's "
                               "infusions are numbered 1, 2, ... in infusions.csv",
                               "one entry per scheduled infusion, numbered 1, 2, ..., with a "
                               "dose per arm where arms differ: doses: {LOW: {per_kg: 1.0e+6}, "
                               "HIGH: {per_kg: 3.0e+6}}", arm))
    return out


def _placebo_left_out(ctx: CheckContext) -> list[Problem]:
    """A placebo arm is given its sham infusions (else it is never infused nor in the safety set)."""
    if not ctx.items("infusions"):
        return []
    named = {a for _, inf in ctx.items("infusions")
             for a in given_cells(inf) + list(inf.sham_arms or [])}
    return [finding("infusions", f"the placebo arm {arm} is given no infusion, so its "
                    "participants are never infused and not in the safety set",
                    f"sham_arms: [{arm}] on each infusion its participants receive (a sham "
                    "infusion with no cells)", arm)
            for arm in ctx.arms if ctx.kind_of.get(arm) == "placebo" and arm not in named]
