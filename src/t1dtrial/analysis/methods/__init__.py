"""The method registry: every analysis of the plan is a method called one way.

A method is a function ``method(spec, data) -> Result``: ``spec`` the planned
analysis with its defaults resolved (:class:`AnalysisSpec`: endpoint,
population and its flag, visits, pairs of arms, covariates, missing data,
confidence level), ``data`` the derived datasets and the protocol
(:class:`AnalysisData`); the :class:`~t1dtrial.analysis.result.Result` carries
the tidy table, its metadata and its shape. Adding a method is one function
and one call of :func:`register_method`; a protocol's ``analysis_plan`` then
names it.

Examples
--------
>>> import pandas as pd
>>> from t1dtrial.analysis.result import Result
>>> def difference_in_n(spec, data):
...     n = data.adsl["TRT01P"].value_counts()
...     rows = [{"comparison": f"{t} vs {c}", "estimate": n[t] - n[c]} for t, c in spec.pairs]
...     return Result(name=spec.name, shape="comparison", table=pd.DataFrame(rows))
>>> register_method("difference-in-n", difference_in_n, outcomes=("responder", ""),
...                 replace=True)
>>> "difference-in-n" in method_names()
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from ...errors import Problem, ProtocolError
from ...protocol.plan import declare_method, forget_method
from ..result import Result
from ._spec import AnalysisData, AnalysisSpec, analysis_protocol, population_sizes, resolve

__all__ = ["Method", "register_method", "unregister_method", "get_method", "method_names", "methods_for",
           "AnalysisSpec", "AnalysisData", "resolve", "analysis_protocol", "population_sizes",
           "Result"]

MethodFunction = Callable[[AnalysisSpec, AnalysisData], Result]


@dataclass(frozen=True)
class Method:
    """A registered method: its function, the outcomes it fits and the columns of its table."""

    name: str
    fn: MethodFunction
    outcomes: tuple[str, ...]
    columns: tuple[str, ...]
    description: str
    trend: bool = False


_REGISTRY: dict[str, Method] = {}

_DEFAULT_COLUMNS = ("estimate", "ci_low", "ci_high", "p_value", "method", "n")


def register_method(name: str, fn: MethodFunction, *, outcomes: Sequence[str] = ("responder",),
                    columns: Sequence[str] = _DEFAULT_COLUMNS, description: str = "",
                    trend: bool = False, replace: bool = False) -> None:
    """Register ``fn`` under ``name`` so that an ``analysis_plan`` entry can name it.

    Parameters
    ----------
    name : str
        The name a plan uses (``method: <name>``).
    fn : callable
        ``fn(spec, data) -> Result``.
    outcomes : sequence of str
        Endpoint outcomes the method fits: ``responder``, ``continuous``,
        ``time_to_event``, and ``""`` for an analysis without an endpoint.
    columns : sequence of str
        Columns of its table, for the row that says why it was not estimable.
    description : str
        One line for the reader.
    trend : bool
        The method estimates a dose-response trend across the arms ordered by
        planned dose (``comparisons: dose-response``), and nothing else.
    replace : bool
        Replace a method of the same name (else that is an error).

    Raises
    ------
    ProtocolError
        ``name`` is taken (without ``replace``) or ``fn`` is not callable.
    """
    if not callable(fn):
        raise ProtocolError([Problem(file="", row=None, column="fn", value=repr(fn),
                                     problem="the method is not callable",
                                     expected="a function (spec, data) -> Result")])
    if name in _REGISTRY and not replace:
        raise ProtocolError([Problem(file="", row=None, column="name", value=name,
                                     problem=f"a method named {name!r} is registered already",
                                     expected="a new name, or replace=True")])
    _REGISTRY[name] = Method(name, fn, tuple(outcomes), tuple(columns), description, trend)
    declare_method(name, tuple(outcomes), trend=trend)


def unregister_method(name: str) -> None:
    """Remove a method registered with :func:`register_method` (e.g. at the end of a test).

    Raises
    ------
    ProtocolError
        No method has that name.
    """
    get_method(name)
    del _REGISTRY[name]
    forget_method(name)


def get_method(name: str) -> Method:
    """The method registered as ``name``.

    Raises
    ------
    ProtocolError
        No method has that name (the message lists those that do).
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ProtocolError([Problem(file="", row=None, column="method", value=name,
                                     problem=f"unknown method {name!r}",
                                     expected="one of " + ", ".join(method_names()))]) from None


def method_names() -> list[str]:
    """Names of every registered method, sorted."""
    return sorted(_REGISTRY)


def methods_for(outcome: str) -> list[str]:
    """Names of the methods that fit an endpoint outcome (``responder``, ``continuous`` ...)."""
    return sorted(n for n, m in _REGISTRY.items() if outcome in m.outcomes)


from . import _builtin  # noqa: E402,F401  (registers the built-in methods)
