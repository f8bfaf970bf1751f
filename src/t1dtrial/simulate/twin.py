"""The synthetic twin: a realisation whose headline counts equal the published ones.

The packaged dataset (:mod:`t1dtrial.datasets`) is the trial simulated with
the first seed, counting up from a start, whose headline counts equal the
seed study's exactly and whose comparisons go the published way:

- 27 MSC / 26 control; 33 adult-onset / 20 juvenile-onset;
- 11 of 27 MSC participants in remission at M12; 3 of 26 controls (assumed);
- 3 MSC participants insulin-free, each for 3 to 12 months; none in control;
- no severe adverse event;
- MSC remission significantly more frequent than control (Fisher, p < 0.05);
  adult onset: PCP % change higher with MSC (Welch p < 0.05); juvenile
  onset: no significant difference in FCP or PCP % change; in the MSC arm,
  lower baseline FCP and higher cumulative dose go with remission, each
  significantly (p < 0.05), in the plan's predictor model (Firth logistic
  regression of remission on BFCP and CUMDOSE, penalised likelihood-ratio
  tests; the ``logistic_regression`` table of ``t1dtrial analyze``).

Examples
--------
>>> checks = published_checks(simulate_twin_cohort(0))
>>> sorted(checks)[:2]
['adult_onset_33', 'adult_pcp_pchg_higher']
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..protocol import Protocol, load_protocol
from .calibration import trial_statistics
from .cohort import Cohort, simulate_cohort
from .parameters import ModelParameters

__all__ = ["PUBLISHED_COUNTS", "published_checks", "matches_published", "find_published_seed",
           "simulate_twin_cohort"]

#: Headline counts of the seed study (control remission: assumed).
PUBLISHED_COUNTS = {"msc_n": 27, "control_n": 26, "n_adult_onset": 33, "msc_remission": 11,
                    "control_remission": 3, "msc_insulin_free": 3, "control_insulin_free": 0,
                    "severe_adverse_events": 0}


def simulate_twin_cohort(seed: int, protocol: Protocol | str = "lu2021",
                         params: ModelParameters | None = None) -> Cohort:
    """The cohort :func:`t1dtrial.simulate.simulate_trial` draws for ``seed`` (default options)."""
    cohort_seed = np.random.SeedSequence(seed).spawn(2)[0]
    return simulate_cohort(load_protocol(protocol), params=params, seed=cohort_seed)


def published_checks(cohort: Cohort) -> dict[str, bool]:
    """Each published fact and whether this (one-trial) cohort reproduces it.

    Examples
    --------
    >>> c = simulate_twin_cohort(1)
    >>> isinstance(published_checks(c)["msc_remission_11"], bool)
    True
    """
    if cohort.n_trials != 1:
        raise ValueError(f"The 'cohort' parameter must hold one trial. Got {cohort.n_trials} instead.")
    s = trial_statistics(cohort).iloc[0]
    checks = {f"{k.replace('n_adult_onset', 'adult_onset')}_{v}": bool(s[k] == v)
              for k, v in PUBLISHED_COUNTS.items()}
    checks["insulin_free_3_to_12_months"] = bool(s["insulin_free_3_to_12_months"] == 1.0)
    for name in ("remission_significant", "adult_pcp_pchg_higher", "juvenile_no_difference",
                 "predictor_bfcp_significant", "predictor_dose_significant"):
        checks[name] = bool(s[name] == 1.0)
    return checks


def matches_published(cohort: Cohort) -> bool:
    """Whether a one-trial cohort reproduces every published fact (see module doc)."""
    return all(published_checks(cohort).values())


def find_published_seed(
    protocol: Protocol | str = "lu2021",
    *,
    start: int = 0,
    max_tries: int = 200_000,
    params: ModelParameters | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """The first seed from ``start`` upward whose trial matches the published facts.

    Parameters
    ----------
    protocol : Protocol or str
        The protocol (the published facts are those of ``lu2021``).
    start : int
        First seed tried.
    max_tries : int
        Give up after this many seeds.
    params : ModelParameters, optional
    progress : callable, optional
        Called with the number of seeds tried, every 100 seeds.

    Raises
    ------
    RuntimeError
        If no seed in ``[start, start + max_tries)`` matches.
    """
    protocol = load_protocol(protocol)
    for k, seed in enumerate(range(start, start + max_tries)):
        if progress is not None and k and k % 100 == 0:
            progress(k)
        if matches_published(simulate_twin_cohort(seed, protocol, params)):
            return seed
    raise RuntimeError(f"no seed in [{start}, {start + max_tries}) reproduces the published counts; "
                       "widen max_tries or check the model parameters")
