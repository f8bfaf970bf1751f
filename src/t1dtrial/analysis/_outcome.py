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

__all__ = ["outcome", "OUTCOMES"]

#: The outcome shapes an endpoint can have.
OUTCOMES = ("responder", "continuous", "time_to_event")

_BY_KIND = {"continuous": "continuous", "time_to_event": "time_to_event"}


def outcome(endpoint: Any) -> str:
    """``"responder"``, ``"continuous"`` or ``"time_to_event"`` for an endpoint of the protocol.

    Answered from the endpoint's ``kind``; every other kind (percent rise,
    threshold, insulin independence ...) is a yes/no responder.
    """
    return _BY_KIND.get(getattr(endpoint, "kind", ""), "responder")
