"""Time to event: days from the start of treatment to the first visit at which a rule holds.

The event is a threshold on an analysis parameter (e.g. stimulated
C-peptide ``PCP < 0.2 nmol/L``), read at each post-baseline visit in
schedule order; the event date is that of the first visit at which it
holds. A participant without the event is censored at the last visit at
which the rule could be assessed (CNSR = 1), or at the start when it never
could. The derivation writes ADTTE (:func:`t1dtrial.derive.derive_adtte`);
its outcome shape is ``time_to_event`` (Kaplan-Meier, log-rank).

Examples
--------
>>> ep = TimeToEventEndpoint(kind="time_to_event", name="cpeptide_loss",
...     label="Time to stimulated C-peptide < 0.2 nmol/L", param="PCP", comparison="<",
...     value=0.2, unit="nmol/L", visit="M12")
>>> describe(ep)
'time to PCP < 0.2 nmol/L (censored at the last assessment)'
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np

from ..comparison import meets
from ._registry import EndpointKind, ResponderGrid, TruthCohort, register_endpoint_kind
from .threshold import ThresholdRule

__all__ = ["TimeToEventEndpoint", "EventTimes", "TIME_TO_EVENT", "event_times"]


class TimeToEventEndpoint(ThresholdRule):
    """Time to the first post-baseline visit at which ``param comparison value unit`` holds.

    ``visit`` is the last visit of follow-up the analysis reads (e.g. the
    primary visit); visits after it are not read.
    """

    kind: Literal["time_to_event"]


class EventTimes(NamedTuple):
    """Per subject: the event or censoring date, CNSR (0 event, 1 censored) and the visit."""

    adt: np.ndarray
    cnsr: np.ndarray
    visit: np.ndarray


def describe(ep: TimeToEventEndpoint) -> str:
    """The outcome in words."""
    return f"time to {event_text(ep)} (censored at the last assessment)"


def event_text(ep: TimeToEventEndpoint) -> str:
    """The event in words (ADTTE EVNTDESC)."""
    return f"{ep.param} {ep.comparison} {ep.value:g} {ep.unit}"


def _read_visits(ep: TimeToEventEndpoint, schedule: list[str], visits: list[str]) -> list[int]:
    last = schedule.index(ep.visit) if ep.visit in schedule else len(schedule) - 1
    return [j for j, v in enumerate(visits) if v in schedule and schedule.index(v) <= last]


def event_times(ep: TimeToEventEndpoint, grid: ResponderGrid) -> EventTimes:
    """First visit at which the rule holds (CNSR 0), else the last assessed one (CNSR 1).

    A subject never assessed gets a NaT date, CNSR 1 and an empty visit
    (the derivation censors at the start of treatment).
    """
    got = grid.take(ep.param)
    hit = meets(got["AVAL"], ep.comparison, grid.canonical(ep.param, ep.value, ep.unit))
    cols = _read_visits(ep, list(grid.protocol.visit_codes), list(grid.visits))
    if not cols:
        return EventTimes(np.full(grid.n, np.datetime64("NaT"), dtype="datetime64[ns]"),
                          np.ones(grid.n, dtype=np.int64), np.full(grid.n, "", dtype=object))
    hit = hit.reshape(grid.n, grid.k)[:, cols]
    adt = got["ADT"].reshape(grid.n, grid.k)[:, cols]
    visits = np.array(grid.visits, dtype=object)[cols]
    event = hit == 1.0
    assessed = ~np.isnan(hit)
    any_event = event.any(axis=1)
    first = np.argmax(event, axis=1)
    last = assessed.shape[1] - 1 - np.argmax(assessed[:, ::-1], axis=1)
    at = np.where(any_event, first, last)
    rows = np.arange(grid.n)
    known = any_event | assessed.any(axis=1)
    date = np.where(known, adt[rows, at], np.datetime64("NaT")).astype("datetime64[ns]")
    visit = np.where(known, visits[at], "").astype(object)
    return EventTimes(date, np.where(any_event, 0, 1).astype(np.int64), visit)


def truth(ep: TimeToEventEndpoint, cohort: TruthCohort, visit: str, noisy: bool) -> np.ndarray:
    """Study day of the first visit (up to ``visit``) at which the rule holds; NaN: censored."""
    x = cohort.values(ep.param, noisy=noisy)
    schedule = list(cohort.protocol.visit_codes)
    base = schedule.index(cohort.protocol.baseline_visit)
    last = schedule.index(visit)
    cols = [j for j in range(len(schedule)) if base < j <= last]
    hit = meets(x[:, cols], ep.comparison, cohort.canonical(ep.param, ep.value, ep.unit)) == 1.0
    hit &= np.column_stack([cohort.observed_at(schedule[j]) for j in cols])
    days = cohort.visit_days()[:, cols]
    first = np.argmax(hit, axis=1)
    return np.where(hit.any(axis=1), days[np.arange(len(first)), first], np.nan)


TIME_TO_EVENT = register_endpoint_kind(EndpointKind(
    name="time_to_event", model=TimeToEventEndpoint, outcome="time_to_event", describe=describe,
    criterion=event_text, truth=truth, params=lambda ep: [("param", ep.param)],
    event_times=event_times))
