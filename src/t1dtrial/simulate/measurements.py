"""Measured values of a simulated cohort: assays with noise, clinical parameters, meal tests.

Called by :func:`t1dtrial.simulate.cohort.simulate_cohort`; every function takes
and returns arrays of shape (participants, visits), with no loop per participant.

Examples
--------
>>> REPORTING_DECIMALS["FCP"]
3
"""

from __future__ import annotations

import numpy as np

from ..data.contract import meal_sample_minutes
from ..protocol import Protocol
from ..protocol.kinds import kind_of
from .parameters import ModelParameters

__all__ = ["REPORTING_DECIMALS", "meal_curve"]

#: Decimals each parameter is reported with (C-peptide in nmol/L).
REPORTING_DECIMALS = {"FCP": 3, "PCP": 3, "HBA1C": 1, "INSULIN": 2, "WEIGHT": 1,
                      "FPG": 1, "PPG": 1}
_DAYS_PER_YEAR = 365.25


def _writes_meal_samples(protocol: Protocol) -> bool:
    return bool(meal_sample_minutes(protocol))


def _report_cpeptide(x: np.ndarray, floor: float) -> np.ndarray:
    return np.clip(np.round(x, 3), floor, 9.999)


def _measure(g: np.random.Generator, h: np.random.Generator, protocol: Protocol,
             p: ModelParameters, latent_fcp, latent_pcp, log_ratio, adult, pop, weight,
             dates, in_episode) -> dict[str, np.ndarray]:
    shape = latent_fcp.shape
    n = shape[0]
    fcp = _report_cpeptide(latent_fcp * np.exp(p.fcp_noise_sdlog * g.standard_normal(shape)),
                           p.cpeptide_reporting_floor)
    pcp = _report_cpeptide(latent_pcp * np.exp(p.pcp_noise_sdlog * g.standard_normal(shape)),
                           p.cpeptide_reporting_floor)
    t = dates["visit_day"] / _DAYS_PER_YEAR
    low_cp = np.log(p.pcp_reference / latent_pcp)
    insulin = (p.insulin_reference + p.insulin_per_log_pcp * low_cp
               + p.insulin_juvenile_extra * ~adult[:, None]
               + p.insulin_subject_sd * h.standard_normal(n)[:, None]
               + p.insulin_visit_sd * h.standard_normal(shape))
    insulin = np.where(in_episode, 0.0, np.round(np.clip(insulin, 0.05, 2.5), 2))
    since_dx = pop["duration"][:, None] + (dates["day0_date"] - dates["enrolment_date"])[:, None] \
        + dates["visit_day"]
    hba1c = (p.hba1c_reference + p.hba1c_per_log_pcp * low_cp
             + p.hba1c_at_diagnosis_excess * np.exp(-since_dx / p.hba1c_excess_decay_days)
             + p.hba1c_insulin_free_shift * in_episode
             + p.hba1c_subject_sd * h.standard_normal(n)[:, None]
             + p.hba1c_visit_sd * h.standard_normal(shape))
    hba1c = np.round(np.clip(hba1c, 4.5, 14.0), 1)
    child = (pop["age_enrol"] < 18)[:, None]
    slope = np.where(child, p.growth_child_per_year,
                     p.weight_drift_adult_sd * h.standard_normal(n)[:, None])
    w = weight[:, None] + slope * np.maximum(t, 0) + p.weight_visit_sd * h.standard_normal(shape)
    w = np.where(dates["visit_day"] <= 0, weight[:, None], np.round(np.clip(w, 12.0, 200.0), 1))
    fpg = np.round(np.clip(p.fpg_at_reference + p.fpg_per_hba1c * (hba1c - 7.0)
                           + p.fpg_sd * h.standard_normal(shape), 3.0, 25.0), 1)
    ppg = np.round(np.clip(fpg + p.ppg_excess + p.ppg_sd * h.standard_normal(shape), 3.5, 33.0), 1)
    return {"FCP": fcp, "PCP": pcp, "HBA1C": hba1c, "INSULIN": insulin, "WEIGHT": w,
            "FPG": fpg, "PPG": ppg}


def meal_curve(minutes: np.ndarray) -> np.ndarray:
    """Shape of a stimulated C-peptide curve: 0 at minute 0, 1 at minute 120, peak near 75."""
    h = (minutes / 75.0) * np.exp(1.0 - minutes / 75.0)
    return h / ((120.0 / 75.0) * np.exp(1.0 - 120.0 / 75.0))


def _meal_samples(g, p, minutes, latent_fcp, log_ratio, measured) -> dict[str, np.ndarray]:
    ratio = np.exp(log_ratio)[:, None]
    out = {}
    shape_ = meal_curve(np.asarray(minutes, dtype=float))
    for m, s in zip(minutes, shape_):
        if m == 0:
            out[f"CP{m}"] = measured["FCP"].copy()
        elif m == 120:
            out[f"CP{m}"] = measured["PCP"].copy()
        else:
            lat = latent_fcp * (1.0 + (ratio - 1.0) * s)
            noise = np.exp(p.meal_sample_noise_sdlog * g.standard_normal(lat.shape))
            out[f"CP{m}"] = _report_cpeptide(lat * noise, p.cpeptide_reporting_floor)
    return out


def _nudge_threshold_ties(protocol: Protocol, measured: dict[str, np.ndarray],
                          latent_fcp: np.ndarray, latent_pcp: np.ndarray, base: int) -> None:
    """Move values whose percent change sits exactly on a protocol threshold by one unit."""
    latent = {"FCP": latent_fcp, "PCP": latent_pcp}
    for ep in protocol.all_endpoints:
        if kind_of(ep).name != "percent_rise":
            continue
        for code in ep.params:
            if code not in measured:
                continue
            unit = 10.0 ** -REPORTING_DECIMALS.get(code, 3)
            x = measured[code]
            b = x[:, [base]]
            with np.errstate(divide="ignore", invalid="ignore"):
                pchg = 100.0 * (x - b) / b
            tie = np.abs(pchg - ep.threshold_pct) < 1e-6 * max(1.0, abs(ep.threshold_pct))
            tie[:, base] = False
            if not tie.any():
                continue
            if code in latent:
                lat = latent[code]
                with np.errstate(divide="ignore", invalid="ignore"):
                    up = 100.0 * (lat - lat[:, [base]]) / lat[:, [base]] >= ep.threshold_pct
            else:
                up = np.ones_like(tie)
            shifted = np.round(np.where(up, x + unit, np.maximum(x - unit, unit)),
                               REPORTING_DECIMALS.get(code, 3))
            measured[code] = np.where(tie, shifted, x)
