"""What every cross-field check of a protocol reads: the protocol, its codes and look-ups.

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> ctx = CheckContext(load_protocol("lu2021"), {})
>>> ctx.arms, ctx.unknown_arm("arms[0]", "NOPE")[0].expected
(['MSC', 'CONTROL'], 'one of MSC, CONTROL')
"""

from __future__ import annotations

from typing import Any

from ..errors import Problem
from .expressions import Expression, ExpressionSyntaxError
from .models import Protocol
from .vocabulary import Covariate, covariate

__all__ = ["CheckContext", "finding", "given_cells", "arm_paths", "expression_names"]


def finding(path: str, problem: str, expected: str = "", value: Any = None) -> Problem:
    return Problem(file="", row=None, column=path, value=value, problem=problem,
                   expected=expected)


class CheckContext:
    """The protocol, its codes (from the file where an item failed) and look-ups."""

    def __init__(self, p: Protocol, raw: dict):
        self.p = p
        self.arms = self._codes(raw, "arms", "code")
        self.visits = self._codes(raw, "visits", "code")
        self.kind_of = {a.code: a.kind for _, a in self.items("arms") if a.kind}
        self.given = {arm for _, inf in self.items("infusions") for arm in given_cells(inf)}
        numbers = [inf.number for _, inf in self.items("infusions") if isinstance(inf.number, int)]
        self.highest_infusion = max(numbers, default=0)
        self.products = tuple((inf.number, p.name) for _, inf in self.items("infusions")
                              if isinstance(inf.number, int)
                              for p in inf.products or [] if p is not None
                              and isinstance(p.name, str))
        self.unsummed = [inf.number for _, inf in self.items("infusions")
                         if isinstance(inf.number, int) and len(inf.products or []) > 1
                         and not inf.sum_products]
        meal = p.meal_test
        minutes = (meal.minutes or []) if meal is not None else []
        self.minutes = tuple(m for m in minutes if isinstance(m, int))

    def _codes(self, raw: dict, section: str, key: str) -> list[str]:
        items = raw.get(section) if section in raw else [
            {key: getattr(x, key, None)} for _, x in self.items(section)]
        if not isinstance(items, list):
            return []
        return [x[key] for x in items if isinstance(x, dict) and isinstance(x.get(key), str)]

    def covariate(self, name: Any) -> Covariate | None:
        """The vocabulary's covariate ``name`` (None when unknown or not text)."""
        if not isinstance(name, str):
            return None
        return covariate(name, infusions=self.highest_infusion, meal_minutes=self.minutes,
                         products=self.products)

    def items(self, section: str) -> list[tuple[int, Any]]:
        """``(index, item)`` of a list section, items that could not be read left out."""
        values = getattr(self.p, section, None)
        return [(i, x) for i, x in enumerate(values or []) if x is not None]

    def endpoints(self) -> list[tuple[str, Any]]:
        """``(path, endpoint)`` of the primary and secondary endpoints that could be read."""
        eps = self.p.endpoints
        if eps is None:
            return []
        out = [("endpoints.primary", eps.primary)] if eps.primary is not None else []
        out += [(f"endpoints.secondary[{i}]", e) for i, e in enumerate(eps.secondary or [])
                if e is not None]
        return out

    def after_baseline(self) -> list[str]:
        base = self.p.baseline_visit
        return self.visits[self.visits.index(base) + 1:] if base in self.visits else []

    def unknown_visit(self, path: str, code: Any) -> list[Problem]:
        if not isinstance(code, str) or code in self.visits or not self.visits:
            return []
        return [finding(path, f"unknown visit {code!r}", f"one of {', '.join(self.visits)}")]

    def unknown_arm(self, path: str, code: Any) -> list[Problem]:
        if not isinstance(code, str) or code in self.arms or not self.arms:
            return []
        return [finding(path, f"unknown arm {code!r}", f"one of {', '.join(self.arms)}")]


def arm_paths(where: str, inf: Any) -> list[tuple[str, Any]]:
    """``(path, arm code)`` of every arm an infusion names as given cells."""
    out = [(f"{where}.arms", a) for a in inf.arms or []]
    out += [(f"{where}.doses.{a}", a) for a in inf.doses or {}]
    for j, product in enumerate(inf.products or []):
        if product is not None:
            out += [(f"{where}.products[{j}].doses.{a}", a) for a in product.doses or {}]
    return out


def given_cells(inf: Any) -> list[str]:
    return [a for _, a in arm_paths("", inf) if isinstance(a, str)]


def expression_names(text: Any) -> frozenset[str]:
    """The names an expression uses (none when it is not text or does not parse)."""
    try:
        return Expression.parse(text).names if isinstance(text, str) else frozenset()
    except ExpressionSyntaxError:
        return frozenset()
