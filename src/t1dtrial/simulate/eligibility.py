"""Simulated participants within the protocol's eligibility criteria (whole participants redrawn).

A trial enrols only eligible participants, so the simulator draws whole
participants (demographics, dates, C-peptide, response, measurements,
infusions, adverse events: everything that depends on them) and replaces
each one who does not meet every criterion of the protocol's ``eligibility``
section, evaluated as validation evaluates it
(:func:`t1dtrial.data.eligibility.eligibility_facts`), by a fresh draw for the
same arm and trial. A protocol without criteria is not touched (its draws
stay bit-for-bit the same).

Examples
--------
>>> from t1dtrial.protocol import Criterion, load_protocol
>>> from t1dtrial.simulate import simulate_cohort
>>> p = load_protocol("lu2021").model_copy(update={"eligibility": [
...     Criterion(name="adult", label="aged 18-40", where="age >= 18 and age <= 40")]})
>>> c = simulate_cohort(p, seed=3)
>>> bool(eligible(c).all())
True
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from ..data.eligibility import eligibility_facts, meets_eligibility
from ..errors import InputError, Problem

__all__ = ["eligible", "within_eligibility", "MAX_ROUNDS"]

#: Rounds of redrawing before the criteria are declared (almost) impossible to meet.
MAX_ROUNDS = 40

_EPOCH = np.datetime64("1970-01-01", "D")


def _facts(cohort) -> pd.DataFrame:
    n = cohort.n
    subjects = pd.DataFrame({
        "subject_id": np.arange(n).astype(str),
        "sex": np.where(cohort.male, "M", "F").astype(object),
        "age_at_onset": cohort.age_at_onset.astype(float),
        "diagnosis_date": pd.to_datetime(_EPOCH + cohort.diagnosis_date.astype("timedelta64[D]")),
        "enrolment_date": pd.to_datetime(_EPOCH + cohort.enrolment_date.astype("timedelta64[D]")),
        "weight_kg": cohort.weight_kg.astype(float),
        "height_cm": cohort.height_cm.astype(float),
        "site": np.array([f"S{s + 1:02d}" for s in cohort.site], dtype=object),
    })
    base = cohort.visit_index(cohort.protocol.baseline_visit)
    frames = [pd.DataFrame({"subject_id": subjects["subject_id"], "visit": cohort.visit_codes[base],
                            "param": code, "value": values[:, base]})
              for code, values in cohort.measured.items()]
    measurements = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["subject_id", "visit", "param", "value"])
    return eligibility_facts(subjects, measurements, cohort.protocol)


def eligible(cohort) -> np.ndarray:
    """Whether each participant of a cohort meets every eligibility criterion of its protocol."""
    return meets_eligibility(_facts(cohort), cohort.protocol)


def _take(target: dict, source, slots: np.ndarray, rows: np.ndarray) -> None:
    """Put ``source``'s participants ``rows`` in ``target``'s places ``slots``."""
    for name, value in target.items():
        if isinstance(value, np.ndarray):  # every array field is per participant
            value[slots] = getattr(source, name)[rows]
    for code, values in target["measured"].items():
        values[slots] = source.measured[code][rows]
    ae = target["ae"]
    keep = ~np.isin(ae["subject"], slots)
    moved = np.isin(source.ae["subject"], rows)
    where = np.full(source.trial.shape[0], -1)
    where[rows] = slots
    merged = {k: np.concatenate([ae[k][keep], source.ae[k][moved]]) for k in ae}
    merged["subject"] = np.concatenate([ae["subject"][keep], where[source.ae["subject"][moved]]])
    order = np.argsort(merged["subject"], kind="stable")
    target["ae"] = {k: v[order] for k, v in merged.items()}


def within_eligibility(cohort, ss: np.random.SeedSequence,
                       draw: Callable[[np.ndarray, np.ndarray, np.random.SeedSequence], object]):
    """The cohort with each ineligible participant replaced by an eligible one (same arm, trial).

    Parameters
    ----------
    cohort : Cohort
    ss : SeedSequence
        The cohort's seed sequence; each round of redrawing spawns a new child.
    draw : callable
        ``(arm, trial, seed sequence) -> Cohort``: draws participants.

    Raises
    ------
    InputError
        When after :data:`MAX_ROUNDS` rounds some places are still not filled
        (criteria that almost no simulated participant meets).
    """
    ok = eligible(cohort)
    if ok.all():
        return cohort
    fields = {name: getattr(cohort, name) for name in type(cohort).__dataclass_fields__}
    fields = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in fields.items()}
    fields["measured"] = {k: v.copy() for k, v in cohort.measured.items()}
    fields["ae"] = dict(cohort.ae)
    slots = np.flatnonzero(~ok)
    copies = 4
    for _ in range(MAX_ROUNDS):
        if not slots.size:
            break
        candidates = np.tile(slots, copies)
        fresh = draw(fields["arm"][candidates], fields["trial"][candidates], ss.spawn(1)[0])
        good = eligible(fresh)
        # the first eligible candidate of each slot
        first = {}
        for k in np.flatnonzero(good):
            first.setdefault(int(candidates[k]), k)
        if first:
            filled = np.array(sorted(first), dtype=int)
            _take(fields, fresh, filled, np.array([first[s] for s in filled], dtype=int))
            slots = np.setdiff1d(slots, filled)
        rate = max(good.mean(), 1e-3)
        copies = int(min(max(4, np.ceil(3.0 / rate)), 200))
    if slots.size:
        raise InputError([Problem(
            file="protocol", row=None, column="eligibility", value=len(slots),
            problem=f"the simulator found no eligible participant for {len(slots)} place(s) "
                    f"after {MAX_ROUNDS} rounds: the criteria admit almost none of the "
                    "participants the model draws",
            expected="eligibility criteria that a real cohort of type 1 diabetes meets")])
    return type(cohort)(**fields)
