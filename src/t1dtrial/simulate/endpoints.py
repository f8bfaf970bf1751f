"""Endpoint truth computed by the simulator from its own arrays.

The simulator knows each participant's latent (noiseless) C-peptide and the
values it writes (noisy, rounded). :func:`endpoint_truth` computes, from
either, what a derivation of the written data computes for any endpoint of
the protocol (by default the primary one): each endpoint kind's truth
(:mod:`t1dtrial.protocol.kinds`) runs on :class:`CohortValues`, the
cohort's values of any parameter, measured or derived (INSDOSE, IDAA1C,
meal-test AUCs). ``truth.csv`` follows the primary endpoint.

:func:`remission_rule` and :func:`remission_flags` are the percent-rise
remission the model is calibrated on (:mod:`.calibration`).

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
>>> bool(np.array_equal(endpoint_truth(c), flags, equal_nan=True))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..derive import canonical_value, compute_auc
from ..protocol import Endpoint, Protocol
from ..protocol.comparison import meets
from ..protocol.kinds import kind_of
from ..protocol.vocabulary import meal_sample_minute
from .cohort import Cohort
from .measurements import meal_curve

__all__ = ["RemissionRule", "remission_rule", "remission_flags", "percent_change",
           "insulin_free_months", "CohortValues", "endpoint_truth"]

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
    """The remission rule the model is calibrated on: the first percent-rise endpoint.

    Without one, the reference study's rule (>= 10 % rise in FCP or PCP at the
    primary visit) is used. The truth of a trial follows its primary endpoint
    instead (:func:`endpoint_truth`).

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> remission_rule(load_protocol("carlsson2015")).name
    'remission_reference_rule'
    """
    for ep in protocol.all_endpoints:
        if kind_of(ep).name == "percent_rise":
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


class CohortValues:
    """A cohort's values of any parameter, as endpoint kinds' truth functions read them.

    Implements :class:`t1dtrial.protocol.kinds.TruthCohort`: measured
    parameters as written (``noisy``) or, for C-peptide, latent; derived
    parameters (INSDOSE, IDAA1C, CPAUC, CPMAUC and the AUCs meal-test
    endpoints name) computed from them as the derivations compute them.

    Examples
    --------
    >>> from t1dtrial.simulate.cohort import simulate_cohort
    >>> v = CohortValues(simulate_cohort("carlsson2015", seed=1))
    >>> v.values("CPMAUC", noisy=True).shape
    (20, 4)
    """

    def __init__(self, cohort: Cohort):
        self.cohort = cohort
        self.protocol = cohort.protocol
        self.n = cohort.n
        self._by_name = {e.name: e for e in cohort.protocol.all_endpoints}
        self._auc = {d.paramcd: d for e in cohort.protocol.all_endpoints
                     for d in kind_of(e).adlb_params(e)}

    def visit_index(self, code: str) -> int:
        """Position of a visit in the schedule."""
        return self.cohort.visit_index(code)

    def observed_at(self, visit: str) -> np.ndarray:
        """Whether each participant's visit took place."""
        return self.cohort.observed[:, self.visit_index(visit)]

    def visit_days(self) -> np.ndarray:
        """Study day of each participant's visits."""
        return self.cohort.visit_day

    def episodes(self) -> tuple[np.ndarray, np.ndarray]:
        """Insulin-free episode start and end days (NaN: none; end NaN: ongoing)."""
        return self.cohort.insulin_free_start, self.cohort.insulin_free_end

    def canonical(self, param: str, value: float, unit: str) -> float:
        """A threshold in the canonical unit of ``param``."""
        return canonical_value(param, value, unit)

    def truth(self, name: str, visit: str, *, noisy: bool) -> np.ndarray:
        """The truth of the protocol's endpoint ``name`` at ``visit``."""
        if name not in self._by_name:
            raise ValueError(f"no endpoint named {name!r}; expected one of "
                             f"{', '.join(self._by_name)}")
        ep = self._by_name[name]
        kind = kind_of(ep)
        if kind.truth is None:
            raise ValueError(f"the simulator has no truth for endpoints of kind {kind.name!r}")
        return kind.truth(ep, self, visit, noisy)

    def values(self, param: str, *, noisy: bool) -> np.ndarray:
        """``param`` per participant x visit; ValueError when the simulator has none."""
        c = self.cohort
        if param in ("FCP", "PCP") and not noisy:
            return {"FCP": c.latent_fcp, "PCP": c.latent_pcp}[param]
        minute = meal_sample_minute(param)
        if minute is not None and not noisy:
            return self._latent_sample(minute)
        if noisy and param in c.measured:
            return c.measured[param]
        if param == "INSDOSE" and noisy:
            return c.measured["INSULIN"]
        if param == "IDAA1C" and noisy:
            return c.measured["HBA1C"] + 4.0 * c.measured["INSULIN"]
        auc = self._auc_of(param)
        if auc is not None:
            minutes, mean = auc
            if all(noisy and f"CP{m}" in c.measured or not noisy for m in minutes):
                samples = np.stack([self.values(f"CP{m}", noisy=noisy) for m in minutes], axis=2)
                area = compute_auc(minutes, samples.reshape(-1, len(minutes))).reshape(
                    samples.shape[:2])
                return area / float(minutes[-1] - minutes[0]) if mean else area
        what = "written" if noisy else "noiseless"
        raise ValueError(f"the simulator has no {what} values of {param!r}")

    def _latent_sample(self, minute: int) -> np.ndarray:
        c = self.cohort
        return c.latent_fcp + (c.latent_pcp - c.latent_fcp) * meal_curve(np.array([float(minute)]))[0]

    def _auc_of(self, param: str) -> tuple[list[int], bool] | None:
        if param in ("CPAUC", "CPMAUC") and len(self.protocol.meal_test.minutes) >= 2:
            return list(self.protocol.meal_test.minutes), param == "CPMAUC"
        if param in self._auc:
            return list(self._auc[param].minutes), self._auc[param].mean
        return None


def endpoint_truth(cohort: Cohort, endpoint: Endpoint | str | None = None, *,
                   noisy: bool = True, visit: str | None = None) -> np.ndarray:
    """The truth of an endpoint per participant: its kind's flag (or value) at its visit.

    Parameters
    ----------
    cohort : Cohort
    endpoint : Endpoint or str, optional
        An endpoint of the protocol or its name; default the primary endpoint.
    noisy : bool
        True: from the values as written (what a derivation computes);
        False: from the latent, noiseless values.
    visit : str, optional
        Default the endpoint's visit.

    Returns
    -------
    numpy.ndarray of float
        1.0 / 0.0 / NaN for a responder endpoint, the value for a continuous one.

    Raises
    ------
    ValueError
        When the simulator has no such values (e.g. noiseless HbA1c) or the kind no truth.
    """
    protocol = cohort.protocol
    ep = protocol.primary_endpoint if endpoint is None else endpoint
    name = ep if isinstance(ep, str) else ep.name
    view = CohortValues(cohort)
    found = view._by_name.get(name)
    return view.truth(name, visit or (found.visit if found is not None else ""), noisy=noisy)
