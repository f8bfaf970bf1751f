"""The registry of endpoint kinds: the one place that answers "which kind is this?".

An endpoint kind is registered once, with everything the package does with
it: its protocol schema (a pydantic model), its description and criterion
text, its protocol checks, its derivation, its simulator truth and its
*outcome shape* (``responder``, ``continuous`` or ``time_to_event``), by
which the analysis chooses its methods. ``kind: <name>`` in a protocol file
parses through the registry, so a kind registered from outside the package
is a kind of every protocol loaded afterwards.

The derivation and the truth work on objects handed to them by the layers
above (``protocol`` imports nothing of ours above it):

- a *grid* (:class:`ResponderGrid`) of subjects x evaluated visits, built by
  :mod:`t1dtrial.derive` from ADSL and ADLB;
- a *cohort* (:class:`TruthCohort`), built by :mod:`t1dtrial.simulate` from
  the simulated participants' latent and written values.

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> p = load_protocol("lu2021")
>>> kind_of(p.primary_endpoint).name, outcome(p.primary_endpoint)
('percent_rise', 'responder')
>>> "threshold" in endpoint_kinds()
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Protocol

import numpy as np

from ...errors import Problem
from ._base import EndpointModel, Flags

__all__ = ["EndpointKind", "DerivedParam", "ResponderGrid", "TruthCohort", "Outcome",
           "register_endpoint_kind", "unregister_endpoint_kind", "endpoint_kind", "endpoint_kinds", "kind_of", "outcome",
           "parse_endpoint"]

#: The outcome shapes by which the analysis chooses its methods.
Outcome = Literal["responder", "continuous", "time_to_event"]
OUTCOMES: tuple[str, ...] = ("responder", "continuous", "time_to_event")


class ResponderGrid(Protocol):
    """Subjects x evaluated visits, flat and subject-major, as :mod:`t1dtrial.derive` builds it."""

    n: int
    k: int
    visits: list[str]
    protocol: Any

    def take(self, param: str) -> dict[str, np.ndarray]:
        """ADLB analysis values of ``param`` per cell: present, AVAL, ADT, PCHG, PCHGREAS."""

    def per_visit(self, template: str) -> np.ndarray:
        """``template`` formatted with each cell's visit code."""

    def zero_baseline(self, param: str) -> np.ndarray:
        """Per cell: whether the subject's baseline of ``param`` is 0."""

    def insulin_free_at_nominal(self, where: np.ndarray) -> np.ndarray:
        """Per cell: whether an insulin-free episode covers the visit's nominal date.

        Only the cells where ``where`` is True are looked at (others are False).
        """

    def canonical(self, param: str, value: float, unit: str) -> float:
        """A threshold written in ``unit`` converted to the canonical unit of ``param``."""

    def flags(self, name: str) -> Flags:
        """Flags of the protocol's endpoint ``name`` on this grid."""

    def sub(self, visits: list[str]) -> "ResponderGrid":
        """The same subjects over other visits."""


class TruthCohort(Protocol):
    """Simulated participants as :mod:`t1dtrial.simulate` hands them to a truth function."""

    protocol: Any
    n: int

    def values(self, param: str, *, noisy: bool) -> np.ndarray:
        """Values of ``param`` per participant x visit (written if ``noisy``, else latent).

        Raises ValueError when the simulator has no such values.
        """

    def visit_index(self, code: str) -> int:
        """Position of a visit in the protocol's schedule."""

    def observed_at(self, visit: str) -> np.ndarray:
        """Per participant: whether the visit took place."""

    def truth(self, name: str, visit: str, *, noisy: bool) -> np.ndarray:
        """The truth of the protocol's endpoint ``name`` at ``visit``."""

    def canonical(self, param: str, value: float, unit: str) -> float:
        """A threshold written in ``unit`` converted to the canonical unit of ``param``."""

    def visit_days(self) -> np.ndarray:
        """Study day of each participant's visits (participant x visit)."""

    def episodes(self) -> tuple[np.ndarray, np.ndarray]:
        """Insulin-free episode start and end days per participant (NaN: none; end NaN: ongoing)."""


@dataclass(frozen=True)
class DerivedParam:
    """An ADLB parameter an endpoint needs: the meal-test C-peptide AUC over some minutes."""

    paramcd: str
    label: str
    minutes: tuple[int, ...]
    mean: bool


def _nothing(ep: Any) -> list:
    return []


@dataclass(frozen=True)
class EndpointKind:
    """One endpoint kind and everything the package does with it.

    Parameters
    ----------
    name : str
        The value of ``kind:`` in a protocol file, e.g. ``percent_rise``.
    model : type
        Its protocol schema, a subclass of :class:`EndpointModel` whose ``kind``
        field is ``Literal[name]``.
    outcome : {"responder", "continuous", "time_to_event"}
    describe : callable
        ``describe(ep) -> str``: the rule in words (``protocol show``).
    criterion : callable, optional
        ``criterion(ep) -> str``: ADEFF CRIT1 (responder kinds).
    derive : callable, optional
        ``derive(ep, grid) -> Flags``: responder flags on a :class:`ResponderGrid`.
    truth : callable, optional
        ``truth(ep, cohort, visit, noisy) -> array``: the simulator's flag (or
        value) per participant at ``visit`` from a :class:`TruthCohort`.
    problems : callable, optional
        ``problems(ep, path, context) -> list[Problem]``: kind-specific checks
        (``context`` is that of :func:`t1dtrial.protocol.checks.protocol_problems`).
    params : callable
        ``params(ep) -> [(path suffix, PARAMCD)]``: the ADLB parameters named,
        checked against the vocabulary by the generic checks.
    adlb_params : callable
        ``adlb_params(ep) -> [DerivedParam]``: ADLB parameters to derive for it.
    references : callable
        ``references(ep) -> [endpoint name]``: other endpoints it is built from.
    adsl_columns : tuple of str
        ADSL columns its derivation reads (e.g. RFSTDT), checked before deriving.
    event_times : callable, optional
        ``event_times(ep, grid) -> EventTimes``: per subject the event or
        censoring date, CNSR and visit (time-to-event kinds; ADTTE).
    baseline_too : bool
        Whether its flags are evaluated at the baseline visit as well.
    """

    name: str
    model: type[EndpointModel]
    outcome: Outcome
    describe: Callable[[Any], str]
    criterion: Callable[[Any], str] | None = None
    derive: Callable[[Any, ResponderGrid], Flags] | None = None
    truth: Callable[[Any, TruthCohort, str, bool], np.ndarray] | None = None
    problems: Callable[[Any, str, Any], list[Problem]] | None = None
    params: Callable[[Any], list[tuple[str, str]]] = field(default=_nothing)
    adlb_params: Callable[[Any], list[DerivedParam]] = field(default=_nothing)
    references: Callable[[Any], list[str]] = field(default=_nothing)
    event_times: Callable[[Any, ResponderGrid], Any] | None = None
    adsl_columns: tuple[str, ...] = ()
    baseline_too: bool = False


_KINDS: dict[str, EndpointKind] = {}
_BUILT_IN: set[str] = set()


def register_endpoint_kind(kind: EndpointKind, *, replace: bool = False) -> EndpointKind:
    """Register an endpoint kind, so that ``kind: <name>`` parses and derives through it.

    Raises
    ------
    ValueError
        When the name is taken (and ``replace`` is False), or the kind is not well formed.

    Examples
    --------
    >>> endpoint_kind("threshold").outcome
    'responder'
    """
    if not isinstance(kind, EndpointKind):
        raise TypeError(f"The 'kind' parameter of register_endpoint_kind must be an "
                        f"EndpointKind. Got {type(kind).__name__} instead.")
    if kind.outcome not in OUTCOMES:
        raise ValueError(f"The 'outcome' of endpoint kind {kind.name!r} must be one of "
                         f"{list(OUTCOMES)}. Got {kind.outcome!r} instead.")
    if not (isinstance(kind.model, type) and issubclass(kind.model, EndpointModel)):
        raise ValueError(f"The 'model' of endpoint kind {kind.name!r} must be a subclass of "
                         f"EndpointModel. Got {kind.model!r} instead.")
    if kind.outcome == "responder" and kind.derive is None:
        raise ValueError(f"The responder endpoint kind {kind.name!r} needs a 'derive' function.")
    if kind.outcome == "time_to_event" and kind.event_times is None:
        raise ValueError(f"The time-to-event endpoint kind {kind.name!r} needs an 'event_times' "
                         "function.")
    if kind.name in _KINDS and not replace and _KINDS[kind.name] is not kind:
        raise ValueError(f"an endpoint kind {kind.name!r} is registered already; pass "
                         "replace=True to replace it")
    _KINDS[kind.name] = kind
    return kind


def unregister_endpoint_kind(name: str) -> None:
    """Remove a registered kind (e.g. one a test registered); built-in kinds stay.

    Raises
    ------
    ValueError
        For a built-in kind.
    """
    if name in _BUILT_IN:
        raise ValueError(f"{name!r} is a built-in endpoint kind and cannot be removed")
    _KINDS.pop(name, None)


def _seal_built_in() -> None:
    """Mark the kinds registered so far as built in (called once the package has loaded them)."""
    _BUILT_IN.update(_KINDS)


def endpoint_kind(name: str) -> EndpointKind:
    """The registered kind called ``name``.

    Raises
    ------
    KeyError
        When no kind of that name is registered.
    """
    try:
        return _KINDS[name]
    except KeyError:
        raise KeyError(f"unknown endpoint kind {name!r}; expected one of "
                       f"{', '.join(_KINDS)}") from None


def endpoint_kinds() -> list[str]:
    """Names of the registered endpoint kinds, in order of registration."""
    return list(_KINDS)


def kind_of(endpoint: Any) -> EndpointKind:
    """The kind of an endpoint (a model instance or a mapping with ``kind``).

    Examples
    --------
    >>> kind_of({"kind": "continuous"}).outcome
    'continuous'
    """
    name = endpoint.get("kind") if isinstance(endpoint, dict) else getattr(endpoint, "kind", None)
    return endpoint_kind(name if isinstance(name, str) else repr(name))


def outcome(endpoint: Any) -> Outcome:
    """The outcome shape of an endpoint: ``responder``, ``continuous`` or ``time_to_event``.

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> outcome(load_protocol("carlsson2015").primary_endpoint)
    'continuous'
    """
    return kind_of(endpoint).outcome


def parse_endpoint(value: Any) -> Any:
    """Validate an endpoint mapping with the model of its ``kind`` (a pydantic before-validator).

    An endpoint model instance is returned as it is.

    Raises
    ------
    ValueError
        When ``kind`` is missing or not registered.
    pydantic.ValidationError
        When the mapping does not fit the kind's model.
    """
    if isinstance(value, EndpointModel):
        return value
    if not isinstance(value, dict):
        raise ValueError("an endpoint must be a mapping with a kind, a name, a label and a visit; "
                         "expected e.g. kind: threshold")
    kind = value.get("kind")
    if not isinstance(kind, str) or kind not in _KINDS:
        what = "no kind" if kind is None else f"unknown endpoint kind {kind!r}"
        raise ValueError(f"{what}; expected one of {', '.join(_KINDS)}")
    return _KINDS[kind].model.model_validate(value)
