"""Endpoint kinds: one module a kind, and the registry that dispatches on them.

Each module holds a kind's protocol schema, its description and criterion
text, its protocol checks, its derivation (on a grid of subjects x visits
handed over by :mod:`t1dtrial.derive`), its simulator truth (on a cohort
handed over by :mod:`t1dtrial.simulate`) and its outcome shape, and
registers them with :func:`register_endpoint_kind`. Nothing outside these
modules asks which kind an endpoint is: callers use :func:`kind_of` and
:func:`outcome`.

Layering: the package sits in ``protocol``, which imports nothing of ours
above it, so a kind never reads a dataset or a simulated cohort itself.
``derive`` hands a derivation a grid of subjects x visits
(:class:`ResponderGrid`: ``take(param)`` gives the ADLB analysis values as
arrays) and ``simulate`` hands a truth function the cohort's values
(:class:`TruthCohort`: ``values(param, noisy=...)``); both are duck-typed,
so the kinds are plain array code.

Built in: ``percent_rise``, ``threshold``, ``continuous``,
``insulin_independence``, ``meal_auc``, ``composite``, ``any_visit`` and
``time_to_event``. Adding a kind is a module with its model and functions
and one :func:`register_endpoint_kind` call; ``kind: <name>`` in a protocol
file loaded afterwards parses through it.

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> [outcome(e) for e in load_protocol("lu2021").all_endpoints][:2]
['responder', 'continuous']
"""

from ._base import EndpointModel, Flags, ProtocolModel, combine_flags, yes_no
from ._registry import (
    DerivedParam,
    EndpointKind,
    Outcome,
    ResponderGrid,
    TruthCohort,
    endpoint_kind,
    endpoint_kinds,
    kind_of,
    outcome,
    parse_endpoint,
    register_endpoint_kind,
    unregister_endpoint_kind,
)
from .percent_rise import PERCENT_RISE_RANGE, PercentRiseEndpoint
from .threshold import ThresholdEndpoint
from .continuous import ContinuousEndpoint
from .insulin_independence import InsulinIndependenceEndpoint
from .meal_auc import MealAucEndpoint
from .composite import CompositeEndpoint
from .any_visit import AnyVisitEndpoint
from .time_to_event import EventTimes, TimeToEventEndpoint, event_times
from ._registry import _seal_built_in

_seal_built_in()

__all__ = [
    "EndpointModel", "Flags", "ProtocolModel", "combine_flags", "yes_no", "DerivedParam",
    "EndpointKind", "Outcome", "ResponderGrid", "TruthCohort", "endpoint_kind", "endpoint_kinds",
    "kind_of", "outcome", "parse_endpoint", "register_endpoint_kind", "unregister_endpoint_kind",
    "PERCENT_RISE_RANGE", "PercentRiseEndpoint", "ThresholdEndpoint", "ContinuousEndpoint",
    "InsulinIndependenceEndpoint", "MealAucEndpoint", "CompositeEndpoint", "AnyVisitEndpoint",
    "TimeToEventEndpoint", "EventTimes", "event_times",
]
