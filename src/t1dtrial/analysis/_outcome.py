"""The one place analysis asks an endpoint's outcome shape: responder, continuous or time to event.

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> p = load_protocol("lu2021")
>>> outcome(p.primary_endpoint), outcome(p.endpoints.secondary[0])
('responder', 'continuous')
"""

from __future__ import annotations

from typing import Any

from ..protocol.kinds import outcome as _kind_outcome

__all__ = ["outcome", "OUTCOMES"]

#: The outcome shapes an endpoint can have.
OUTCOMES = ("responder", "continuous", "time_to_event")


def outcome(endpoint: Any) -> str:
    """``"responder"``, ``"continuous"`` or ``"time_to_event"`` for an endpoint of the protocol.

    Answered by the endpoint's kind in the registry (:mod:`t1dtrial.protocol.kinds`).
    """
    return _kind_outcome(endpoint)
