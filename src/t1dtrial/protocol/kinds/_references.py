"""Checks shared by kinds built from other endpoints (composite, any_visit).

Examples
--------
>>> reference_problems("x", "endpoints.secondary[0].of[0]", "missing_one", {})[0].problem
"unknown endpoint 'missing_one'"
"""

from __future__ import annotations

from typing import Any

from ...errors import Problem
from ._registry import endpoint_kind, endpoint_kinds

__all__ = ["reference_problems", "context_endpoints"]


def context_endpoints(ctx: Any) -> dict[str, Any]:
    """The protocol's endpoints that could be read, by name."""
    return {e.name: e for _, e in ctx.endpoints() if isinstance(getattr(e, "name", None), str)}


def reference_problems(name: str, path: str, target: Any, by_name: dict[str, Any]) -> list[Problem]:
    """Problems of endpoint ``name`` referring to endpoint ``target`` (exists, responder, no circle)."""
    def finding(problem: str, expected: str) -> Problem:
        return Problem(file="", row=None, column=path, value=target, problem=problem,
                       expected=expected)

    responders = [n for n, e in by_name.items() if n != name and _outcome(e) == "responder"]
    if not isinstance(target, str):
        return []
    if target not in by_name:
        return [finding(f"unknown endpoint {target!r}",
                        "one of " + (", ".join(responders) or "the protocol's responder endpoints"))]
    if _outcome(by_name[target]) != "responder":
        return [finding(f"{target} is not a responder endpoint, so it has no flag to combine",
                        "a responder endpoint: " + (", ".join(responders) or "none listed"))]
    seen, todo = {name}, [target]
    while todo:
        current = todo.pop()
        if current == name:
            return [finding(f"{name} is built from itself (through {target})",
                            "endpoints that do not refer back to it")]
        if current in seen or current not in by_name:
            continue
        seen.add(current)
        ep = by_name[current]
        kind = getattr(ep, "kind", None)
        if kind in endpoint_kinds():
            try:
                todo += list(endpoint_kind(kind).references(ep))
            except (AttributeError, TypeError):
                pass
    return []


def _outcome(ep: Any) -> str | None:
    kind = getattr(ep, "kind", None)
    return endpoint_kind(kind).outcome if kind in endpoint_kinds() else None
