"""Argument checks of public functions: one helper module, one message template.

Every check says what is wrong in the same words:

    The 'x' parameter of f must be <what it must be>. Got <what it got> instead.

and raises :class:`~t1dtrial.errors.ArgumentError` (an ``InputError`` and a
``TypeError``). The statistics, the derivations, the analysis and the data
layer all check their arguments with these functions, so that a message
names the parameter, the function, what was expected and what was received.

This module is shared by every layer: it imports nothing of ours but
:mod:`t1dtrial.errors`, and pandas only inside :func:`check_frame`.

Examples
--------
>>> try:
...     check_one_of("risk_difference", "method", "score", ("newcombe", "wald"))
... except ArgumentError as exc:
...     print(exc)
The 'method' parameter of risk_difference must be one of 'newcombe', 'wald'. Got 'score' instead.
>>> check_conf_level("f", 0.9)
0.9
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .errors import ArgumentError, Problem

__all__ = ["parameter_message", "invalid_parameter", "check_one_of", "check_conf_level",
           "check_instance", "check_frame"]


def parameter_message(function: str, parameter: str, expected: str, got: str,
                      problem: str | None = None) -> str:
    """The one message template of an argument check.

    Parameters
    ----------
    function : str
        The public function, e.g. ``"derive_adsl"``.
    parameter : str
        Its parameter, e.g. ``"subjects"``.
    expected : str
        What the argument must be, read after "must be" (or after "must" when it
        starts with "have", "hold" or "be").
    got : str
        What was received, as the reader should see it (a ``repr`` of a value,
        a type name, a list of columns).
    problem : str, optional
        What is wrong, when "got" alone does not say it (``"out of range"``).

    Examples
    --------
    >>> parameter_message("f", "x", "a number", "'a'")
    "The 'x' parameter of f must be a number. Got 'a' instead."
    >>> parameter_message("f", "data", "have the column(s) ['AGE']", "columns ['SEX']")
    "The 'data' parameter of f must have the column(s) ['AGE']. Got columns ['SEX'] instead."
    >>> parameter_message("f", "n1", "0 <= x1 <= n1", "30", problem="more events than subjects")
    "The 'n1' parameter of f must be 0 <= x1 <= n1. Got 30 instead (more events than subjects)."
    """
    verb = "" if expected.split(" ", 1)[0] in ("have", "hold", "be", "contain") else "be "
    why = f" ({problem})" if problem else ""
    return (f"The {parameter!r} parameter of {function} must {verb}{expected}. "
            f"Got {got} instead{why}.")


def invalid_parameter(function: str, parameter: str, expected: str, value: Any, *,
                      got: str | None = None, problem: str | None = None) -> ArgumentError:
    """Build the :class:`ArgumentError` of one wrong argument (the caller raises it).

    Parameters
    ----------
    function, parameter, expected, problem
        As for :func:`parameter_message`.
    value : Any
        The argument received.
    got : str, optional
        How to show it; default ``repr(value)``.

    Examples
    --------
    >>> err = invalid_parameter("f", "seed", "a whole number", 1.5)
    >>> str(err), err.problems[0].column, err.problems[0].value
    ("The 'seed' parameter of f must be a whole number. Got 1.5 instead.", None, None)
    """
    text = parameter_message(function, parameter, expected, repr(value) if got is None else got,
                             problem)
    return ArgumentError([Problem(file="", row=None, column=None, value=None, problem=text,
                                  kind="argument")])


def check_one_of(function: str, parameter: str, value: Any, choices: Sequence[Any]) -> Any:
    """Return ``value`` if it is one of ``choices``.

    Examples
    --------
    >>> check_one_of("adjust", "procedure", "holm", ("holm", "fixed-sequence"))
    'holm'
    """
    try:
        ok = value in choices
    except TypeError:  # an unhashable value asked of a set
        ok = False
    if not ok:
        raise invalid_parameter(function, parameter,
                                "one of " + ", ".join(repr(c) for c in choices), value)
    return value


def check_conf_level(function: str, conf_level: Any, parameter: str = "conf_level") -> float:
    """Return ``conf_level`` as a float strictly between 0 and 1.

    Examples
    --------
    >>> try:
    ...     check_conf_level("f", 95)
    ... except ArgumentError as exc:
    ...     print(exc)
    The 'conf_level' parameter of f must be a number strictly between 0 and 1, e.g. 0.95. Got 95 instead (out of range).
    """
    expected = "a number strictly between 0 and 1, e.g. 0.95"
    try:
        level = float(conf_level)
    except (TypeError, ValueError):
        raise invalid_parameter(function, parameter, expected, conf_level,
                                problem="not a number") from None
    if not 0.0 < level < 1.0:
        raise invalid_parameter(function, parameter, expected, conf_level, problem="out of range")
    return level


def check_instance(function: str, parameter: str, value: Any, types: type | tuple[type, ...],
                   expected: str) -> Any:
    """Return ``value`` if it is an instance of ``types``; else say which type it is.

    Examples
    --------
    >>> try:
    ...     check_instance("derive_adsl", "protocol", None, dict, "a t1dtrial Protocol")
    ... except ArgumentError as exc:
    ...     print(exc)
    The 'protocol' parameter of derive_adsl must be a t1dtrial Protocol. Got NoneType instead.
    """
    if not isinstance(value, types):
        raise invalid_parameter(function, parameter, expected, value,
                                got=type(value).__name__)
    return value


def check_frame(function: str, parameter: str, frame: Any, required: Iterable[str] = ()) -> Any:
    """Return ``frame`` if it is a pandas DataFrame holding every column of ``required``.

    Examples
    --------
    >>> import pandas as pd
    >>> try:
    ...     check_frame("f", "data", pd.DataFrame({"SEX": []}), ["AGE"])
    ... except ArgumentError as exc:
    ...     print(exc)
    The 'data' parameter of f must have the column(s) ['AGE']. Got columns ['SEX'] instead.
    """
    import pandas as pd

    check_instance(function, parameter, frame, pd.DataFrame, "a pandas DataFrame")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise invalid_parameter(function, parameter, f"have the column(s) {missing}", frame,
                                got=f"columns {list(map(str, frame.columns))}")
    return frame
