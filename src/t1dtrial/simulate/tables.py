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

from ..data._dose_checks import SHAM_PRODUCT
from ..data.contract import PARAMS, TABLES
from .cohort import AE_RELATEDNESS, AE_SEVERITIES, AE_TERMS, CLINICAL_PARAMS, REPORTING_DECIMALS, Cohort
from ..protocol.kinds import outcome
from .endpoints import endpoint_truth

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..protocol import Infusion

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

    # infusions: one row a given infusion (a product of it, when it lists several)
    infusions = _infusion_rows(cohort, idx, ids)

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


def _infusion_rows(cohort: Cohort, idx: np.ndarray, ids: np.ndarray) -> "pd.DataFrame":
    """``infusions.csv`` of one trial: a row per given infusion and product.

    A dose is written in cells/kg when the protocol plans it per kg, else as
    total cells; a sham (placebo) infusion is written with 0 cells (and
    product ``placebo`` when the table has a product column, which it has
    only when an infusion lists products).
    """
    import pandas as pd

    protocol = cohort.protocol
    infs = protocol.infusions
    given = cohort.infusion_given[idx]
    arm = cohort.arm[idx]
    names = [inf.product_names or [""] for inf in infs]
    rows_i, rows_j, rows_p = [], [], []
    si, sj = np.nonzero(given)
    for p in range(max(len(n) for n in names) if infs else 1):
        treated = np.array([a in infs[j].treated_arms for a, j in
                            zip(np.array(cohort.arm_codes, dtype=object)[arm[si]], sj)], dtype=bool)
        keep = np.array([p < len(names[j]) for j in sj], dtype=bool) & (treated | (p == 0))
        rows_i.append(si[keep])
        rows_j.append(sj[keep])
        rows_p.append(np.full(int(keep.sum()), p))
    si, sj, sp = (np.concatenate(x).astype(np.int64) for x in (rows_i, rows_j, rows_p))
    order = np.lexsort((sp, sj, si))
    si, sj, sp = si[order], sj[order], sp[order]
    codes = np.array(cohort.arm_codes, dtype=object)[arm[si]]
    sham = np.array([c not in infs[j].treated_arms for c, j in zip(codes, sj)], dtype=bool)
    per_kg = np.array([_per_kg(infs[j], c, names[j][p]) for c, j, p in zip(codes, sj, sp)],
                      dtype=bool)
    routes = np.array([inf.route for inf in infs], dtype=object)
    numbers = np.array([inf.number for inf in infs])
    inf_date = cohort.day0_date[idx][si] + cohort.infusion_day[idx][si, sj]
    dates = _iso(inf_date)
    d = pd.Series(dates, dtype=object).astype(str)
    half = np.where(pd.to_numeric(d.str[8:10], errors="coerce").fillna(1).to_numpy() <= 15, "A", "B")
    lot = ("LOT-" + d.str[2:4] + d.str[5:7] + "-" + half).to_numpy(dtype=object)
    cells = cohort.product_cells_per_kg[idx][si, sj, sp]
    total = cohort.product_total_cells[idx][si, sj, sp]
    product = np.array([names[j][p] for j, p in zip(sj, sp)], dtype=object)
    table = pd.DataFrame({
        "subject_id": ids[si], "infusion_number": numbers[sj].astype(str).astype(object),
        "date": dates,
        "cells_per_kg": np.where(per_kg, _fmt(cells, 0), ""),
        "total_cells": np.where(per_kg, "", _fmt(np.nan_to_num(total), 0)),
        "lot_id": lot, "route": routes[sj],
        "product": np.where(sham, SHAM_PRODUCT, product).astype(object),
    }, columns=list(TABLES["infusions"].columns))
    if not any(inf.products for inf in infs):
        table = table.drop(columns="product")
    plans = [_per_kg(inf, a, n) for inf in infs for a in inf.treated_arms or [None]
             for n in inf.product_names or [""]]
    if all(plans):
        table = table.drop(columns="total_cells")
    elif not any(plans):
        table = table.drop(columns="cells_per_kg")
    return table


def _per_kg(inf: "Infusion", arm: str | None, product: str) -> bool:
    """Whether ``arm``'s dose of ``product`` is planned per kg (a sham: as the first arm's)."""
    arm = arm if arm in inf.treated_arms else (inf.treated_arms or [None])[0]
    dose = inf.dose_for(arm, product or None) if arm is not None else None
    return dose is None or dose.per_kg is not None


def truth_table(cohort: Cohort, trial: int = 0) -> "pd.DataFrame":
    """What the simulator knows of each participant of one trial (``truth.csv``).

    Columns (:data:`TRUTH_COLUMNS`): latent responder status and its
    probability, decline rate and effect (1/year, log scale), cumulative
    cells/kg given, latent C-peptide at baseline and at the primary
    endpoint's visit, the primary endpoint's name (``remission_rule``), its
    truth from the noiseless latent values and from the noisy written
    values (:func:`~t1dtrial.simulate.endpoints.endpoint_truth`: 1/0 for a
    responder endpoint, the value for a continuous one; blank when the visit
    is missing or the simulator has no such values), and the insulin-free
    episode (start, end; end blank while ongoing).

    Examples
    --------
    >>> from t1dtrial.simulate.cohort import simulate_cohort
    >>> t = truth_table(simulate_cohort("lu2021", seed=1))
    >>> t["remission_rule"].iloc[0]
    'remission'
    """
    import pandas as pd

    idx, ids = subject_ids(cohort, trial)
    primary = cohort.protocol.primary_endpoint
    b, v = cohort.visit_index(cohort.protocol.baseline_visit), cohort.visit_index(primary.visit)
    try:
        noiseless = endpoint_truth(cohort, primary, noisy=False)[idx]
    except ValueError:
        noiseless = np.full(idx.size, np.nan)
    try:
        noisy = endpoint_truth(cohort, primary, noisy=True)[idx]
    except ValueError:
        noisy = np.full(idx.size, np.nan)
    responder = outcome(primary) == "responder"

    def flag(x: np.ndarray) -> np.ndarray:
        if not responder:
            return np.where(np.isnan(x), "", np.char.mod("%.6g", np.nan_to_num(x))).astype(object)
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
        "remission_rule": primary.name,
        "remission_noiseless": flag(noiseless),
        "remission_noisy": flag(noisy),
        "insulin_free": np.isfinite(start).astype(int),
        "insulin_free_start": _iso(day0 + start),
        "insulin_free_end": _iso(day0 + cohort.insulin_free_end[idx]),
    }, columns=list(TRUTH_COLUMNS))
