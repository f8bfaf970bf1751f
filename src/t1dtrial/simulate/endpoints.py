"""Endpoint flags computed by the simulator from its own arrays.

The simulator knows each participant's latent (noiseless) C-peptide and the
values it writes (noisy, rounded). These functions compute, from either, the
flags a derivation of the written data computes with the protocol's rules, so
``truth.csv`` can be compared with the derived datasets.

Examples
--------
>>> from t1dtrial.simulate.cohort import simulate_cohort
>>> c = simulate_cohort("lu2021", seed=3)
>>> rule = remission_rule(c.protocol)
>>> rule.params, rule.threshold_pct, rule.visit
(('FCP', 'PCP'), 10.0, 'M12')
>>> flags = remission_flags(c, noisy=True)
>>> flags.shape
(53,)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..protocol import Protocol
from ..protocol.comparison import meets
from .cohort import Cohort

__all__ = ["RemissionRule", "remission_rule", "remission_flags", "percent_change",
           "insulin_free_months"]

_DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class RemissionRule:
    """A percent-rise rule: responder if the change from baseline reaches a threshold."""

    name: str
    params: tuple[str, ...]
    combine: str
    threshold_pct: float
    comparison: str
    visit: str


def remission_rule(protocol: Protocol) -> RemissionRule:
    """The protocol's remission rule: its first percent-rise endpoint (primary first).

    Without one, the reference study's rule (>= 10 % rise in FCP or PCP at the
    primary visit) is used.

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> remission_rule(load_protocol("carlsson2015")).name
    'remission_reference_rule'
    """
    for ep in protocol.all_endpoints:
        if getattr(ep, "kind", None) == "percent_rise":
            return RemissionRule(ep.name, tuple(ep.params), ep.combine, float(ep.threshold_pct),
                                 ep.comparison, ep.visit)
    return RemissionRule("remission_reference_rule", ("FCP", "PCP"), "any", 10.0, ">=",
                         protocol.primary_visit)


def percent_change(cohort: Cohort, param: str, visit: str, *, noisy: bool = True) -> np.ndarray:
    """Percent change from the baseline visit of a C-peptide (or any measured) parameter.

    ``NaN`` when the baseline or the visit value is missing, or the baseline is 0.

    Examples
    --------
    >>> from t1dtrial.simulate.cohort import simulate_cohort
    >>> c = simulate_cohort("lu2021", seed=3)
    >>> bool(np.isnan(percent_change(c, "PCP", "BL")).any())
    False
    """
    b, v = cohort.visit_index(cohort.protocol.baseline_visit), cohort.visit_index(visit)
    if noisy:
        x = cohort.measured[param]
    else:
        x = {"FCP": cohort.latent_fcp, "PCP": cohort.latent_pcp}[param]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 100.0 * (x[:, v] - x[:, b]) / x[:, b]
    return np.where(np.isfinite(out), out, np.nan)


def remission_flags(cohort: Cohort, *, noisy: bool = True, rule: RemissionRule | None = None) -> np.ndarray:
    """Remission at the rule's visit: 1.0, 0.0, or NaN when it cannot be assessed.

    Parameters
    ----------
    cohort : Cohort
    noisy : bool
        True: from the values as written (what a derivation computes);
        False: from the latent, noiseless C-peptide at the same visit days.
    rule : RemissionRule, optional
        Defaults to :func:`remission_rule` of the cohort's protocol.

    Returns
    -------
    numpy.ndarray of float
    """
    rule = rule or remission_rule(cohort.protocol)
    flags = []
    for code in rule.params:
        if not noisy and code not in ("FCP", "PCP"):
            raise ValueError(f"noiseless values exist only for FCP and PCP; the rule names {code!r}")
        if code not in cohort.measured:
            raise ValueError(f"the simulator does not write {code!r}, named by rule {rule.name!r}")
        pchg = percent_change(cohort, code, rule.visit, noisy=noisy)
        flags.append(meets(pchg, rule.comparison, rule.threshold_pct))
    stack = np.vstack(flags)
    if rule.combine == "any":
        out = np.where((stack == 1.0).any(axis=0), 1.0,
                       np.where(np.isnan(stack).any(axis=0), np.nan, 0.0))
    else:
        out = np.where((stack == 0.0).any(axis=0), 0.0,
                       np.where(np.isnan(stack).any(axis=0), np.nan, 1.0))
    v = cohort.visit_index(rule.visit)
    return np.where(cohort.observed[:, v], out, np.nan)


def insulin_free_months(cohort: Cohort) -> np.ndarray:
    """Observed length of each participant's insulin-free episode in months (NaN: none).

    An episode still ongoing at the participant's last visit counts up to that visit.
    """
    end = np.where(np.isnan(cohort.insulin_free_end), cohort.followup_end_day,
                   cohort.insulin_free_end)
    return (end - cohort.insulin_free_start) / _DAYS_PER_MONTH
