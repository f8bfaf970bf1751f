"""The generative model: a cohort of simulated participants as NumPy arrays.

:func:`simulate_cohort` draws every participant of one or many trials at once
(no Python loop over participants): population, visit dates, latent C-peptide
trajectories, MSC response, measured values as a laboratory reports them,
infusions, insulin-free episodes, adverse events, dropout and missed visits.
:mod:`t1dtrial.simulate.tables` turns one trial of a cohort into the tables of
the input contract; :mod:`t1dtrial.simulate.calibration` summarises many.

Algorithm
---------
1. Arms get their numbers of participants; each participant is adult-onset
   with probability ``adult_onset_fraction``; age at onset, sex, time from
   diagnosis, weight and height follow.
2. Day 0 is the first infusion (arms that receive infusions, a few days after
   enrolment) or the enrolment date. Each visit falls inside its window.
3. Baseline fasting C-peptide is log-normal (lower in juvenile onset);
   postprandial = fasting x a log-normal ratio. Both decline exponentially
   at a subject's rate (faster and more variable in juvenile onset). Values
   saturate smoothly below ``cpeptide_saturation`` (``c -> s (1 - exp(-c/s))``)
   so that none is physiologically implausible.
4. In cell-therapy arms a participant responds with probability
   ``expit(a + b_dose (dose - ref) + b_fcp log(BFCP / ref) + b_juv juvenile)``
   (the cumulative dose of unconditional infusions, per the participant's
   arm; of an infusion's first-listed product when it lists several); a
   responder's decline
   rate is reduced by a positive effect. The strongest responders become
   insulin-free for 3-12 months.
5. Measured values = latent x log-normal noise, rounded as a laboratory
   reports them. Insulin dose and HbA1c follow the remaining C-peptide
   (honeymoon); an insulin-free participant's dose is 0 during the episode.
6. Conditional infusions (e.g. ``INSULIN > 0``) are decided on the values
   measured at their visit. Dropout and missed visits remove records.
7. Values exactly at a percent-rise threshold of the protocol are moved by
   one reporting unit so the remission flag does not depend on
   floating-point rounding in whoever derives it.
8. With eligibility criteria in the protocol, each participant who does not
   meet them is replaced by a fresh draw of a whole participant for the same
   arm and trial (:mod:`t1dtrial.simulate.eligibility`); without criteria
   nothing is redrawn.

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> c = simulate_cohort(load_protocol("lu2021"), seed=1)
>>> c.n, c.measured["FCP"].shape
(53, (53, 6))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from ..protocol import Protocol, load_protocol
from ._infusions import given_infusions, planned_doses
from .eligibility import within_eligibility
from .measurements import (REPORTING_DECIMALS, _meal_samples, _measure,
                           _nudge_threshold_ties, _writes_meal_samples)
from .parameters import ModelParameters

__all__ = ["Cohort", "simulate_cohort", "resolve_arm_sizes", "check_seed", "REPORTING_DECIMALS",
           "AE_TERMS", "CLINICAL_PARAMS"]

#: Parameters measured at every visit besides C-peptide samples.
CLINICAL_PARAMS = ("HBA1C", "INSULIN", "WEIGHT", "FPG", "PPG")
#: Adverse event terms: (term, kind) where kind is "infusion" or "background".
AE_TERMS = (("Fever", "infusion"), ("Headache", "infusion"), ("Rash", "infusion"),
            ("Upper respiratory tract infection", "background"),
            ("Hypoglycaemia", "background"), ("Gastroenteritis", "background"))
AE_SEVERITIES = ("mild", "moderate", "severe")
AE_RELATEDNESS = ("related", "possible", "unrelated")
_STREAMS = ("population", "dates", "cpeptide", "response", "noise", "clinical",
            "infusions", "adverse", "conduct", "sites")
_DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Cohort:
    """Simulated participants of one or more trials, as arrays (one row a participant).

    Arrays indexed ``[i]`` are per participant; ``[i, v]`` per participant and
    protocol visit (``visit_codes`` order); ``[i, k]`` per participant and
    planned infusion; ``[i, k, p]`` per participant, planned infusion and
    product of it (``product_*``; one product for an infusion without
    ``products``). ``cells_per_kg`` and ``total_cells`` are those of an
    infusion's first-listed product, the one the response model follows.
    A placebo arm's sham infusion has 0 cells. Days are relative to the
    participant's day 0 unless named ``*_date`` (days since 1970-01-01). Measured values are in the
    canonical unit, rounded as written; ``NaN`` where not observed.
    """

    protocol: Protocol
    params: ModelParameters
    n_trials: int
    arm_codes: tuple[str, ...]
    visit_codes: tuple[str, ...]
    meal_minutes: tuple[int, ...]
    trial: np.ndarray
    arm: np.ndarray
    adult: np.ndarray
    male: np.ndarray
    site: np.ndarray
    age_at_onset: np.ndarray
    diagnosis_date: np.ndarray
    enrolment_date: np.ndarray
    day0_date: np.ndarray
    weight_kg: np.ndarray
    height_cm: np.ndarray
    visit_day: np.ndarray
    observed: np.ndarray
    latent_fcp: np.ndarray
    latent_pcp: np.ndarray
    decline_rate: np.ndarray
    responder_probability: np.ndarray
    responder: np.ndarray
    effect: np.ndarray
    measured: dict[str, np.ndarray]
    infusion_given: np.ndarray
    infusion_day: np.ndarray
    cells_per_kg: np.ndarray
    total_cells: np.ndarray
    insulin_free_start: np.ndarray
    insulin_free_end: np.ndarray
    withdrawal_day: np.ndarray
    lost: np.ndarray
    ae: dict[str, np.ndarray] = field(repr=False)
    product_cells_per_kg: np.ndarray | None = field(default=None, repr=False)
    product_total_cells: np.ndarray | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        """Number of participants (all trials)."""
        return int(self.trial.shape[0])

    @property
    def per_trial(self) -> int:
        """Number of participants in each trial."""
        return self.n // self.n_trials

    @property
    def cumulative_cells_per_kg(self) -> np.ndarray:
        """Cells/kg received over all infusions given."""
        return np.where(self.infusion_given, self.cells_per_kg, 0.0).sum(axis=1)

    @property
    def withdrawn(self) -> np.ndarray:
        """Whether the participant left before the last scheduled visit."""
        return np.isfinite(self.withdrawal_day)

    @property
    def followup_end_day(self) -> np.ndarray:
        """Day of the last observed visit (the participant's data cut)."""
        days = np.where(self.observed, self.visit_day, -10**9)
        return days.max(axis=1)

    def visit_index(self, code: str) -> int:
        """Column of a visit code in the ``[i, v]`` arrays."""
        return self.visit_codes.index(code)


def check_seed(seed: object) -> int | None:
    """Return a valid seed (a whole number >= 0, or None) or raise InputError naming it.

    Examples
    --------
    >>> check_seed(7), check_seed(None)
    (7, None)
    """
    from ..errors import InputError, Problem

    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError([Problem("--seed", None, None, seed, "not a valid seed",
                                  "a whole number >= 0")])
    return int(seed)


def resolve_arm_sizes(protocol: Protocol, n_per_arm: Mapping[str, int] | int | None) -> dict[str, int]:
    """Numbers of participants per arm: explicit, one number for all, or the protocol's plan.

    Arms without ``planned_n`` get 20 when ``n_per_arm`` is None.

    Examples
    --------
    >>> resolve_arm_sizes(load_protocol("lu2021"), None)
    {'MSC': 27, 'CONTROL': 26}
    >>> resolve_arm_sizes(load_protocol("lu2021"), 10)
    {'MSC': 10, 'CONTROL': 10}
    """
    from ..errors import InputError, Problem

    codes = protocol.arm_codes
    if n_per_arm is None:
        sizes = {a.code: (a.planned_n if a.planned_n is not None else 20) for a in protocol.arms}
    elif isinstance(n_per_arm, (int, np.integer)) and not isinstance(n_per_arm, bool):
        sizes = {c: int(n_per_arm) for c in codes}
    elif isinstance(n_per_arm, Mapping):
        unknown = sorted(set(n_per_arm) - set(codes))
        if unknown:
            raise InputError([Problem("n_per_arm", None, None, ", ".join(unknown),
                                      "unknown arm code", f"arms of protocol {protocol.id}: "
                                      f"{', '.join(codes)}")])
        sizes = {c: int(n_per_arm.get(c, protocol.arm(c).planned_n or 20)) for c in codes}
    else:
        raise TypeError(f"The 'n_per_arm' parameter must be an int, a mapping of arm code to int "
                        f"or None. Got {type(n_per_arm).__name__} instead.")
    bad = {c: n for c, n in sizes.items() if n < 0}
    if bad or sum(sizes.values()) == 0:
        raise InputError([Problem("n_per_arm", None, None, str(sizes),
                                  "numbers per arm must be >= 0 and not all 0",
                                  "e.g. MSC=27,CONTROL=26")])
    return sizes


def simulate_cohort(
    protocol: Protocol | str = "lu2021",
    *,
    n_per_arm: Mapping[str, int] | int | None = None,
    n_trials: int = 1,
    params: ModelParameters | None = None,
    seed: int | np.random.SeedSequence | None = None,
) -> Cohort:
    """Simulate the participants of ``n_trials`` trials of a protocol.

    Parameters
    ----------
    protocol : Protocol or str
        A protocol or the name/path of one (any protocol file).
    n_per_arm : int, mapping or None
        Participants per arm (see :func:`resolve_arm_sizes`).
    n_trials : int
        Number of independent trials, stacked in the arrays (``Cohort.trial``).
    params : ModelParameters, optional
        Model parameters (defaults calibrated to the seed study).
    seed : int or SeedSequence, optional
        Seed; the same seed gives the same cohort.

    Returns
    -------
    Cohort

    Examples
    --------
    >>> c = simulate_cohort("lu2021", n_trials=3, seed=7)
    >>> c.n, int(c.trial.max())
    (159, 2)
    """
    protocol = load_protocol(protocol)
    params = params if params is not None else ModelParameters()
    if not isinstance(params, ModelParameters):
        raise TypeError(f"The 'params' parameter must be a ModelParameters. "
                        f"Got {type(params).__name__} instead.")
    if not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
        raise ValueError(f"The 'n_trials' parameter must be an integer >= 1. Got {n_trials!r} instead.")
    sizes = resolve_arm_sizes(protocol, n_per_arm)
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(check_seed(seed))
    arm_codes = tuple(protocol.arm_codes)
    per_trial_arm = np.repeat(np.arange(len(arm_codes)), [sizes[c] for c in arm_codes])
    arm = np.tile(per_trial_arm, int(n_trials))
    trial = np.repeat(np.arange(int(n_trials)), per_trial_arm.size)
    cohort = _draw(protocol, params, arm, trial, int(n_trials), ss)
    if protocol.eligibility:  # whole participants redrawn until eligible
        cohort = within_eligibility(cohort, ss, lambda a, t, child: _draw(
            protocol, params, a, t, int(n_trials), child))
    return cohort


def _draw(protocol: Protocol, p: ModelParameters, arm: np.ndarray, trial: np.ndarray,
          n_trials: int, ss: np.random.SeedSequence) -> Cohort:
    """Draw one participant for each entry of ``arm`` (arm index) and ``trial``."""
    rng = {name: np.random.default_rng(child) for name, child in zip(_STREAMS, ss.spawn(len(_STREAMS)))}
    arm_codes = tuple(protocol.arm_codes)
    n = arm.size
    treated_arm = np.array([protocol.arm(c).kind in ("cell-therapy", "active") for c in arm_codes])
    infused_arm = np.array([protocol.arm(c).receives_infusions for c in arm_codes])

    pop = _population(rng["population"], p, n)
    dates = _dates(rng["dates"], protocol, p, n, infused_arm[arm], pop["duration"])
    site = rng["sites"].integers(0, max(1, int(p.n_sites)), size=n)
    weight, height = pop["weight"], pop["height"]

    # -- latent C-peptide and response ------------------------------------------
    g = rng["cpeptide"]
    adult = pop["adult"]
    log_fcp0 = (np.where(adult, np.log(p.fcp_median_adult), np.log(p.fcp_median_juvenile))
                + p.fcp_sdlog * g.standard_normal(n))
    log_ratio = np.log(p.pcp_fcp_ratio_median) + p.pcp_fcp_ratio_sdlog * g.standard_normal(n)
    rate = np.where(adult, p.decline_rate_adult, p.decline_rate_juvenile) + np.where(
        adult, p.decline_rate_adult_sd, p.decline_rate_juvenile_sd) * g.standard_normal(n)

    planned, product_cells, product_total = planned_doses(rng["infusions"], protocol, arm,
                                                           arm_codes, weight)
    cells, total = product_cells[:, :, 0], product_total[:, :, 0]  # the first-listed product
    unconditional = np.array([inf.condition is None for inf in protocol.infusions], dtype=bool)
    dose_for_response = np.where(planned & unconditional[None, :], cells, 0.0).sum(axis=1)

    r = rng["response"]
    bfcp_latent = np.exp(log_fcp0)
    logit = (p.responder_logit_intercept
             + p.responder_logit_per_dose * (dose_for_response - p.responder_dose_reference) / 1e6
             + p.responder_logit_per_log_bfcp * np.log(bfcp_latent / p.responder_bfcp_reference)
             + p.responder_logit_juvenile * ~adult)
    prob = np.where(treated_arm[arm], 1.0 / (1.0 + np.exp(-logit)), 0.0)
    responder = r.random(n) < prob
    z_effect = r.standard_normal(n)
    effect_mean = p.effect_rate_mean * np.where(adult, 1.0, p.effect_juvenile_multiplier)
    effect = np.where(responder, np.maximum(effect_mean + p.effect_rate_sd * z_effect, 0.0), 0.0)
    free = (responder & (z_effect > p.insulin_free_effect_z)) | (
        ~responder & (r.random(n) < p.natural_insulin_free_probability))
    free_start = np.round(r.uniform(p.insulin_free_start_min, p.insulin_free_start_max, n))
    free_end = free_start + np.round(r.uniform(p.insulin_free_duration_min,
                                               p.insulin_free_duration_max, n))

    visit_day = dates["visit_day"]
    t = np.maximum(visit_day, 0) / _DAYS_PER_YEAR
    log_change = -(rate - effect)[:, None] * t
    cap = p.cpeptide_saturation
    latent_fcp = cap * -np.expm1(-np.exp(log_fcp0[:, None] + log_change) / cap)
    latent_pcp = cap * -np.expm1(-np.exp(log_fcp0[:, None] + log_ratio[:, None] + log_change) / cap)

    # -- conduct: dropout and missed visits --------------------------------------
    c = rng["conduct"]
    drop = (c.exponential(_DAYS_PER_YEAR / p.dropout_per_year, n) if p.dropout_per_year > 0
            else np.full(n, np.inf))
    drop = np.maximum(np.floor(drop), 1.0)
    missed = c.random(visit_day.shape) < p.missed_visit_probability
    base = protocol.visit_codes.index(protocol.baseline_visit)
    missed[:, base] = False
    observed = (visit_day <= drop[:, None]) & ~missed
    observed[:, base] = True
    last_day = visit_day[:, -1]
    withdrawal_day = np.where(drop < last_day, drop, np.nan)
    lost = np.isfinite(withdrawal_day) & (c.random(n) < 0.3)
    followup_end = np.where(observed, visit_day, -10**9).max(axis=1)
    free_start = np.where(free & (free_start <= followup_end), free_start, np.nan)
    free_end = np.where(np.isfinite(free_start) & (free_end <= followup_end), free_end, np.nan)
    in_episode = (np.isfinite(free_start)[:, None] & (visit_day >= free_start[:, None])
                  & ((visit_day <= free_end[:, None]) | np.isnan(free_end)[:, None]))

    # -- measured values -----------------------------------------------------------
    measured = _measure(rng["noise"], rng["clinical"], protocol, p, latent_fcp, latent_pcp,
                        log_ratio, adult, pop, weight, dates, in_episode)
    meal = tuple(protocol.meal_test.minutes) if _writes_meal_samples(protocol) else ()
    if meal:
        measured.update(_meal_samples(rng["noise"], p, meal, latent_fcp, log_ratio, measured))
    _nudge_threshold_ties(protocol, measured, latent_fcp, latent_pcp, base)
    for code in measured:
        measured[code] = np.where(observed, measured[code], np.nan)

    given, inf_day = given_infusions(protocol, planned, observed, visit_day, measured)
    ae = _adverse_events(rng["adverse"], p, given, inf_day, followup_end, treated_arm[arm])

    return Cohort(
        protocol=protocol, params=p, n_trials=n_trials, arm_codes=arm_codes,
        visit_codes=tuple(protocol.visit_codes), meal_minutes=meal, trial=trial, arm=arm,
        adult=adult, male=pop["male"], site=site, age_at_onset=pop["age_at_onset"],
        diagnosis_date=dates["enrolment_date"] - pop["duration"],
        enrolment_date=dates["enrolment_date"], day0_date=dates["day0_date"],
        weight_kg=weight, height_cm=height, visit_day=visit_day, observed=observed,
        latent_fcp=latent_fcp, latent_pcp=latent_pcp, decline_rate=rate,
        responder_probability=prob, responder=responder, effect=effect, measured=measured,
        infusion_given=given, infusion_day=inf_day, cells_per_kg=cells, total_cells=total,
        insulin_free_start=free_start, insulin_free_end=free_end,
        withdrawal_day=withdrawal_day, lost=lost, ae=ae,
        product_cells_per_kg=product_cells, product_total_cells=product_total,
    )


# -- population and dates ---------------------------------------------------------------

def _population(g: np.random.Generator, p: ModelParameters, n: int) -> dict[str, np.ndarray]:
    adult = g.random(n) < p.adult_onset_fraction
    male = g.random(n) < p.male_fraction
    excess = g.gamma(p.adult_onset_age_excess_shape,
                     p.adult_onset_age_excess_mean / p.adult_onset_age_excess_shape, n)
    juvenile_age = g.uniform(p.juvenile_onset_age_min, 18.0, n)
    age = np.where(adult, np.maximum(np.round(18.0 + excess, 1), 18.0),
                   np.minimum(np.round(juvenile_age, 1), 17.9))
    duration = np.exp(np.log(p.diagnosis_to_enrolment_median)
                      + p.diagnosis_to_enrolment_sdlog * g.standard_normal(n))
    duration = np.clip(np.round(duration), 14, p.diagnosis_to_enrolment_max).astype(np.int64)
    age_enrol = age + duration / _DAYS_PER_YEAR
    z_w, z_h = g.standard_normal(n), g.standard_normal(n)
    adult_w = np.where(male, p.weight_adult_male_mean, p.weight_adult_female_mean) + p.weight_adult_sd * z_w
    child_w = (p.weight_child_intercept + p.weight_child_per_year * age_enrol) * np.exp(p.weight_child_cv * z_w)
    weight = np.round(np.clip(np.where(age_enrol >= 18, adult_w, child_w), 15.0, 150.0), 1)
    adult_h = np.where(male, 172.0, 160.0)
    height = np.round(np.minimum(adult_h, 75.0 + 6.0 * age_enrol) + 6.0 * z_h, 1)
    return {"adult": adult, "male": male, "age_at_onset": age, "duration": duration,
            "age_enrol": age_enrol, "weight": weight, "height": height}


def _dates(g: np.random.Generator, protocol: Protocol, p: ModelParameters, n: int,
           infused: np.ndarray, duration: np.ndarray) -> dict[str, np.ndarray]:
    start = (np.datetime64(f"{int(p.recruitment_start_year)}-03-01") - np.datetime64("1970-01-01"))
    enrol = start.astype(np.int64) + g.integers(0, int(p.recruitment_days) + 1, n)
    lag = np.where(infused, g.integers(0, int(p.screening_to_infusion_max) + 1, n), 0)
    day0 = enrol + lag
    days = []
    for v in protocol.visits:  # loop over visits (a handful), not participants
        if v.code == protocol.baseline_visit:
            back = min(7, -v.window[0])
            day = v.day - g.integers(0, back + 1, n) if v.day == 0 else np.full(n, v.day)
            days.append(np.clip(day, v.earliest, min(v.latest, 0)))
        else:
            half = max(-v.window[0], v.window[1])
            jitter = np.round(g.normal(0.0, max(half, 1) / 3.0, n)).astype(np.int64)
            days.append(np.clip(v.day + jitter, v.earliest, v.latest))
    return {"enrolment_date": enrol, "day0_date": day0,
            "visit_day": np.stack(days, axis=1).astype(np.int64)}


# -- measurements ------------------------------------------------------------------------------

# -- adverse events ----------------------------------------------------------------------------

def _adverse_events(g: np.random.Generator, p: ModelParameters, given: np.ndarray,
                    inf_day: np.ndarray, followup_end: np.ndarray,
                    treated: np.ndarray) -> dict[str, np.ndarray]:
    n = given.shape[0]
    subj, term, onset, length, related = [], [], [], [], []
    per_infusion = (p.ae_fever_per_infusion, p.ae_headache_per_infusion, p.ae_rash_per_infusion)
    for t_index, prob in enumerate(per_infusion):
        hit = given & treated[:, None] & (g.random(given.shape) < prob)
        i, j = np.nonzero(hit)
        subj.append(i)
        term.append(np.full(i.size, t_index))
        onset.append(inf_day[i, j] + g.integers(0, 2, i.size))
        length.append(g.integers(1, 4, i.size))
        related.append(np.where(g.random(i.size) < 0.7, 0, 1))
    years = np.maximum(followup_end, 0) / _DAYS_PER_YEAR
    rates = (p.ae_uri_per_year, p.ae_hypoglycaemia_per_year, p.ae_gastroenteritis_per_year)
    spans = ((3, 11), (0, 1), (2, 6))
    for k, (rate, span) in enumerate(zip(rates, spans)):
        counts = g.poisson(rate * years)
        i = np.repeat(np.arange(n), counts)
        subj.append(i)
        term.append(np.full(i.size, 3 + k))
        onset.append(np.floor(g.random(i.size) * np.maximum(followup_end[i], 1)).astype(np.int64))
        length.append(g.integers(span[0], span[1], i.size) if span[1] > span[0] + 1
                      else np.full(i.size, span[0]))
        related.append(np.full(i.size, 2))
    subj_a = np.concatenate(subj)
    u = g.random(subj_a.size)
    severity = np.where(u < p.ae_severe_probability, 2,
                        np.where(u < p.ae_severe_probability + p.ae_moderate_probability, 1, 0))
    return {"subject": subj_a, "term": np.concatenate(term), "onset_day": np.concatenate(onset),
            "duration": np.concatenate(length), "severity": severity,
            "serious": severity == 2, "related": np.concatenate(related)}
