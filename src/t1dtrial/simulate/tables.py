"""One simulated trial as the tables of the input contract, plus its truth.

:func:`contract_tables` turns trial ``k`` of a :class:`~t1dtrial.simulate.cohort.Cohort`
into the raw-export-shaped tables of docs/design.md (text cells, as a data
capture system exports them: ISO dates, values with the laboratory's
decimals, raw units). :func:`truth_table` gives, per participant, what the
simulator knows and a derivation must recover.

Examples
--------
>>> from t1dtrial.simulate.cohort import simulate_cohort
>>> tables = contract_tables(simulate_cohort("lu2021", seed=4))
>>> sorted(tables)
['adverse_events', 'infusions', 'insulin_free', 'measurements', 'subjects']
>>> tables["subjects"].columns[:3].tolist()
['subject_id', 'arm', 'sex']
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from ..data.contract import PARAMS, TABLES
from .cohort import AE_RELATEDNESS, AE_SEVERITIES, AE_TERMS, CLINICAL_PARAMS, REPORTING_DECIMALS, Cohort
from .endpoints import remission_flags, remission_rule

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["contract_tables", "truth_table", "subject_ids", "TRUTH_COLUMNS"]

#: Columns of ``truth.csv``.
TRUTH_COLUMNS = (
    "subject_id", "arm", "onset_group", "responder", "responder_probability",
    "decline_rate_per_year", "effect_per_year", "cumulative_cells_per_kg",
    "fcp_baseline_latent", "pcp_baseline_latent", "fcp_primary_latent", "pcp_primary_latent",
    "remission_rule", "remission_noiseless", "remission_noisy",
    "insulin_free", "insulin_free_start", "insulin_free_end",
)


def _iso(days: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 -> ISO date text ('' for NaN).

    Each distinct day is formatted once (a trial has few distinct dates).
    """
    days = np.asarray(days, dtype=float)
    ok = np.isfinite(days)
    out = np.full(days.shape, "", dtype=object)
    uniq, inverse = np.unique(days[ok].astype(np.int64), return_inverse=True)
    text = np.datetime_as_string(uniq.astype("datetime64[D]")).astype(object)
    out[ok] = text[inverse.ravel()]
    return out


def _fmt(values: np.ndarray, decimals: int) -> np.ndarray:
    """Numbers -> text with fixed decimals; each distinct value is formatted once."""
    values = np.asarray(values, dtype=float)
    uniq, inverse = np.unique(values, return_inverse=True)
    text = np.char.mod(f"%.{decimals}f", uniq).astype(object)
    return text[inverse.reshape(values.shape)]


def _prefix(cohort: Cohort) -> str:
    return re.sub(r"[^A-Z0-9]", "", cohort.protocol.id.upper()) or "SUBJ"


def _order(cohort: Cohort, trial: int) -> np.ndarray:
    """Participants of one trial in enrolment order (stable)."""
    idx = np.flatnonzero(cohort.trial == trial)
    return idx[np.argsort(cohort.enrolment_date[idx], kind="stable")]


def subject_ids(cohort: Cohort, trial: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of a trial's participants in enrolment order, and their subject_id.

    Examples
    --------
    >>> from t1dtrial.simulate.cohort import simulate_cohort
    >>> subject_ids(simulate_cohort("lu2021", seed=1))[1][:2].tolist()
    ['LU2021-001', 'LU2021-002']
    """
    idx = _order(cohort, trial)
    import pandas as pd

    width = max(3, len(str(idx.size)))
    numbers = pd.Series(np.arange(1, idx.size + 1)).astype(str).str.zfill(width)
    return idx, (_prefix(cohort) + "-" + numbers).to_numpy(dtype=object)


def _params_written(cohort: Cohort) -> list[str]:
    meal = [f"CP{m}" for m in cohort.meal_minutes]
    return ["FCP", "PCP", *meal, *CLINICAL_PARAMS]


def contract_tables(cohort: Cohort, trial: int = 0) -> dict[str, "pd.DataFrame"]:
    """The input-contract tables of one trial of a cohort.

    Parameters
    ----------
    cohort : Cohort
    trial : int
        Which trial of the cohort (``0 <= trial < cohort.n_trials``).

    Returns
    -------
    dict of str to DataFrame
        ``subjects``, ``measurements``, ``infusions``, ``adverse_events``,
        ``insulin_free``; every cell is text, blank for missing.
    """
    import pandas as pd

    if not 0 <= trial < cohort.n_trials:
        raise ValueError(f"The 'trial' parameter must be in [0, {cohort.n_trials}). Got {trial!r} instead.")
    idx, ids = subject_ids(cohort, trial)
    p = cohort.params
    status = np.where(np.isfinite(cohort.withdrawal_day[idx]),
                      np.where(cohort.lost[idx], "lost", "withdrawn"), "completed")
    reason = np.where(status == "lost", "lost to follow-up",
                      np.where(status == "withdrawn", "withdrew consent", ""))
    n_sites = max(1, int(p.n_sites))
    subjects = pd.DataFrame({
        "subject_id": ids,
        "arm": np.array(cohort.arm_codes, dtype=object)[cohort.arm[idx]],
        "sex": np.where(cohort.male[idx], "M", "F").astype(object),
        "age_at_onset": _fmt(cohort.age_at_onset[idx], 1),
        "diagnosis_date": _iso(cohort.diagnosis_date[idx]),
        "enrolment_date": _iso(cohort.enrolment_date[idx]),
        "weight_kg": _fmt(cohort.weight_kg[idx], 1),
        "height_cm": _fmt(cohort.height_cm[idx], 1),
        "site": np.array([f"S{s + 1:02d}" for s in range(n_sites)], dtype=object)[
            np.minimum(cohort.site[idx], n_sites - 1)],
        "status": status.astype(object),
        "withdrawal_date": _iso(cohort.day0_date[idx] + cohort.withdrawal_day[idx]),
        "withdrawal_reason": reason.astype(object),
    }, columns=list(TABLES["subjects"].columns))

    # measurements: one row a (subject, visit, param), observed visits only
    codes = _params_written(cohort)
    values = np.stack([cohort.measured[c][idx] for c in codes], axis=2)  # (n, V, P)
    keep = cohort.observed[idx][:, :, None] & np.isfinite(values)
    i, v, k = np.nonzero(keep)
    decimals = np.array([REPORTING_DECIMALS.get(c, 3) for c in codes])
    text = np.empty(i.size, dtype=object)
    for d in np.unique(decimals):  # a handful of formats, not a loop over rows
        sel = decimals[k] == d
        text[sel] = _fmt(values[i[sel], v[sel], k[sel]], int(d))
    visit_date = cohort.day0_date[idx][:, None] + cohort.visit_day[idx]
    units = np.array([PARAMS[c].canonical_unit if c in PARAMS else "nmol/L" for c in codes], dtype=object)
    measurements = pd.DataFrame({
        "subject_id": ids[i], "visit": np.array(cohort.visit_codes, dtype=object)[v],
        "date": _iso(visit_date[i, v]), "param": np.array(codes, dtype=object)[k],
        "value": text, "unit": units[k],
    }, columns=["subject_id", "visit", "date", "param", "value", "unit"])

    # infusions
    given = cohort.infusion_given[idx]
    si, sj = np.nonzero(given)
    inf_date = cohort.day0_date[idx][si] + cohort.infusion_day[idx][si, sj]
    per_kg = np.array([inf.dose.per_kg is not None for inf in cohort.protocol.infusions])
    routes = np.array([inf.route for inf in cohort.protocol.infusions], dtype=object)
    numbers = np.array([inf.number for inf in cohort.protocol.infusions])
    dates = _iso(inf_date)
    d = pd.Series(dates, dtype=object).astype(str)
    half = np.where(pd.to_numeric(d.str[8:10], errors="coerce").fillna(1).to_numpy() <= 15, "A", "B")
    lot = ("LOT-" + d.str[2:4] + d.str[5:7] + "-" + half).to_numpy(dtype=object)
    cells = cohort.cells_per_kg[idx][si, sj]
    total = cohort.total_cells[idx][si, sj]
    infusions = pd.DataFrame({
        "subject_id": ids[si], "infusion_number": numbers[sj].astype(str).astype(object),
        "date": dates,
        "cells_per_kg": np.where(per_kg[sj], _fmt(cells, 0), ""),
        "total_cells": np.where(per_kg[sj], "", _fmt(np.nan_to_num(total), 0)),
        "lot_id": lot, "route": routes[sj],
    }, columns=list(TABLES["infusions"].columns))
    if per_kg.all():
        infusions = infusions.drop(columns="total_cells")
    elif not per_kg.any():
        infusions = infusions.drop(columns="cells_per_kg")

    # adverse events of this trial's participants
    pos = np.full(cohort.n, -1)
    pos[idx] = np.arange(idx.size)
    ae = cohort.ae
    mine = pos[ae["subject"]] >= 0
    a_i = pos[ae["subject"][mine]]
    onset = cohort.day0_date[idx][a_i] + ae["onset_day"][mine]
    terms = np.array([t for t, _ in AE_TERMS], dtype=object)
    adverse = pd.DataFrame({
        "subject_id": ids[a_i], "term": terms[ae["term"][mine]],
        "onset_date": _iso(onset), "end_date": _iso(onset + ae["duration"][mine]),
        "severity": np.array(AE_SEVERITIES, dtype=object)[ae["severity"][mine]],
        "serious": np.where(ae["serious"][mine], "Y", "N").astype(object),
        "related": np.array(AE_RELATEDNESS, dtype=object)[ae["related"][mine]],
    })
    order = np.lexsort((adverse["term"].to_numpy(dtype=str), adverse["onset_date"].to_numpy(dtype=str),
                        a_i))
    adverse = adverse.iloc[order].reset_index(drop=True)

    # insulin-free episodes
    start = cohort.insulin_free_start[idx]
    has = np.isfinite(start)
    day0 = cohort.day0_date[idx]
    insulin_free = pd.DataFrame({
        "subject_id": ids[has], "start_date": _iso(day0[has] + start[has]),
        "end_date": _iso(day0[has] + cohort.insulin_free_end[idx][has]),
    }, columns=["subject_id", "start_date", "end_date"])

    return {"subjects": subjects, "measurements": measurements, "infusions": infusions,
            "adverse_events": adverse, "insulin_free": insulin_free}


def truth_table(cohort: Cohort, trial: int = 0) -> "pd.DataFrame":
    """What the simulator knows of each participant of one trial (``truth.csv``).

    Columns (:data:`TRUTH_COLUMNS`): latent responder status and its
    probability, decline rate and effect (1/year, log scale), cumulative
    cells/kg given, latent C-peptide at baseline and at the remission rule's
    visit, the rule's name, remission from the noiseless latent values and
    from the noisy written values (1/0; blank when the visit is missing),
    and the insulin-free episode (start, end; end blank while ongoing).

    Examples
    --------
    >>> from t1dtrial.simulate.cohort import simulate_cohort
    >>> t = truth_table(simulate_cohort("lu2021", seed=1))
    >>> t["remission_rule"].iloc[0]
    'remission'
    """
    import pandas as pd

    idx, ids = subject_ids(cohort, trial)
    rule = remission_rule(cohort.protocol)
    b, v = cohort.visit_index(cohort.protocol.baseline_visit), cohort.visit_index(rule.visit)
    try:
        noiseless = remission_flags(cohort, noisy=False, rule=rule)[idx]
    except ValueError:
        noiseless = np.full(idx.size, np.nan)
    noisy = remission_flags(cohort, noisy=True, rule=rule)[idx]

    def flag(x: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(x), "", np.where(x == 1.0, "1", "0")).astype(object)

    day0 = cohort.day0_date[idx]
    start = cohort.insulin_free_start[idx]
    return pd.DataFrame({
        "subject_id": ids,
        "arm": np.array(cohort.arm_codes, dtype=object)[cohort.arm[idx]],
        "onset_group": np.where(cohort.adult[idx], "adult", "juvenile").astype(object),
        "responder": cohort.responder[idx].astype(int),
        "responder_probability": np.round(cohort.responder_probability[idx], 6),
        "decline_rate_per_year": np.round(cohort.decline_rate[idx], 6),
        "effect_per_year": np.round(cohort.effect[idx], 6),
        "cumulative_cells_per_kg": np.round(cohort.cumulative_cells_per_kg[idx], 0),
        "fcp_baseline_latent": np.round(cohort.latent_fcp[idx, b], 6),
        "pcp_baseline_latent": np.round(cohort.latent_pcp[idx, b], 6),
        "fcp_primary_latent": np.round(cohort.latent_fcp[idx, v], 6),
        "pcp_primary_latent": np.round(cohort.latent_pcp[idx, v], 6),
        "remission_rule": rule.name,
        "remission_noiseless": flag(noiseless),
        "remission_noisy": flag(noisy),
        "insulin_free": np.isfinite(start).astype(int),
        "insulin_free_start": _iso(day0 + start),
        "insulin_free_end": _iso(day0 + cohort.insulin_free_end[idx]),
    }, columns=list(TRUTH_COLUMNS))
