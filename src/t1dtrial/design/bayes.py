"""Bayesian assurance and the exact operating characteristics of a Bayesian decision rule.

A trial of ``n1`` treated and ``n2`` control participants *succeeds* on a set
of outcomes ``(x1, x2)``, its *success region*:

``fisher``, ``chisq``, ``chisq_cc``
    the frequentist test rejects at level ``alpha``
    (:func:`t1dtrial.design.exact.rejection_region`) **and** the treated
    proportion observed is the higher one (``x1 / n1 > x2 / n2``): a two-sided
    test that rejects in favour of control is not a success.
``bayes``
    the posterior probability ``P(p_t > p_c | x1, x2)`` exceeds ``threshold``
    (strictly), with independent beta priors for the analysis of each arm, as
    RBesT's ``decision2S``.

For a success region ``S`` (a boolean array ``[x1, x2]``) everything is exact
enumeration, O(n1 n2), with no simulation error:

* probability of success at true proportions ``(p1, p2)``: ``b1' S b2`` with
  binomial pmfs (its power; its type I error when ``p1 == p2``);
* assurance under independent beta priors for ``(p1, p2)``: ``bb1' S bb2``
  with beta-binomial pmfs, because averaging a binomial over a beta prior
  gives the beta-binomial exactly. As ``n`` grows it tends to
  ``P(p1 > p2)`` under the prior, not to 1.

The design prior defaults to the posterior from a pilot's counts with a
Beta(1, 1) initial prior in each arm: 11/27 treated vs 3/26 control gives
Beta(12, 17) and Beta(4, 24).

``P(p_t > p_c)`` over the whole grid of outcomes is computed exactly from
recurrences between beta inequalities (Cook 2005, "Exact calculation of beta
inequalities"): with ``h = B(a1 + a2, b1 + b2) / (B(a1, b1) B(a2, b2))``, one
more treated responder adds ``h(a1, b1 - 1, a2, b2) (a1 + b1 - 1) / (a1 (b1 - 1))``
and one more control responder subtracts
``h(a1, b1, a2, b2 - 1) (a2 + b2 - 1) / (a2 (b2 - 1))``. The single starting
value (no responder in either arm) is a finite sum when the treated prior's
``a`` is a whole number (``P = B(a2, b1 + b2) / B(a2, b2) + sum_{j=1}^{a1-1}
h(j, b1, a2, b2) / j``), and an adaptive quadrature (``scipy.integrate.quad``,
absolute tolerance 1e-14) otherwise.

Examples
--------
>>> treated, control = pilot_prior((11, 27), (3, 26))
>>> treated, control
(BetaPrior(a=12.0, b=17.0), BetaPrior(a=4.0, b=24.0))
>>> region = success_region(27, 26, test="fisher")
>>> round(assurance(region, treated, control), 4)
0.5265
>>> rule = decision_region(27, 26, threshold=0.975)
>>> round(float(probability_of_success(rule, 0.40, 0.08)), 4)
0.8155
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import integrate, optimize, special, stats

from .exact import TESTS as FREQUENTIST_TESTS
from .exact import first_and_stable, rejection_region
from .grid import design_pairs

__all__ = ["ASSURANCE_COLUMNS", "SUCCESS_RULES", "TYPE_ONE_GRID", "BetaPrior",
           "assurance", "assurance_grid", "assurance_row", "decision_region",
           "pilot_prior", "posterior_prob_greater", "power_quantiles",
           "prob_difference_exceeds", "probability_of_success",
           "sample_size_for_assurance", "success_region", "type_one_error"]

#: Rules of success: the frequentist tests of :mod:`t1dtrial.design.exact` and the Bayesian rule.
SUCCESS_RULES = (*FREQUENTIST_TESTS, "bayes")

#: Common proportions over which the type I error is maximised: 0, 0.001, ..., 1 (then refined).
TYPE_ONE_GRID = np.linspace(0.0, 1.0, 1001)

#: Columns of an assurance table, in order.
ASSURANCE_COLUMNS = (
    "n1", "n2", "test", "rule", "alpha", "alternative", "threshold",
    "prior_treated_a", "prior_treated_b", "prior_control_a", "prior_control_b",
    "assurance", "power_q10", "power_median", "power_q90", "power_at_prior_mean",
    "prob_treated_better", "margin", "prob_difference_exceeds_margin",
    "type_one_error", "p_at_type_one_error")


@dataclass(frozen=True)
class BetaPrior:
    """A Beta(a, b) distribution for one arm's proportion of responders.

    Examples
    --------
    >>> BetaPrior(1, 1).update(11, 27)
    BetaPrior(a=12.0, b=17.0)
    """

    a: float
    b: float

    def __post_init__(self) -> None:
        for name in ("a", "b"):
            value = float(getattr(self, name))
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"a beta prior's {name} must be a positive number, "
                                 f"not {getattr(self, name)!r}")
            object.__setattr__(self, name, value)

    def update(self, responders: int, n: int) -> BetaPrior:
        """The posterior after ``responders`` of ``n`` participants."""
        if int(n) != n or int(responders) != responders or not 0 <= responders <= n:
            raise ValueError(f"responders must be a whole number between 0 and n, "
                             f"not {responders!r} of {n!r}")
        return BetaPrior(self.a + responders, self.b + n - responders)

    @property
    def mean(self) -> float:
        """The prior mean ``a / (a + b)``."""
        return self.a / (self.a + self.b)

    def __str__(self) -> str:
        return f"Beta({self.a:g}, {self.b:g})"


def pilot_prior(treated: tuple[int, int], control: tuple[int, int], *,
                initial: BetaPrior = BetaPrior(1.0, 1.0)) -> tuple[BetaPrior, BetaPrior]:
    """Design priors from a pilot: each arm's posterior from ``initial`` after its counts.

    Parameters
    ----------
    treated, control : (responders, participants)
    initial : BetaPrior
        The prior before the pilot in each arm (default Beta(1, 1), uniform).

    Returns
    -------
    (BetaPrior, BetaPrior)
        Treated and control.

    Examples
    --------
    >>> pilot_prior((11, 27), (3, 26), initial=BetaPrior(0.5, 0.5))[1]
    BetaPrior(a=3.5, b=23.5)
    """
    return initial.update(*treated), initial.update(*control)


def prob_difference_exceeds(treated: BetaPrior, control: BetaPrior, margin: float = 0.0) -> float:
    """``P(p_t - p_c > margin)`` for independent beta distributions, by adaptive quadrature.

    ``integral of f_c(u) P(p_t > u + margin) du`` (``scipy.integrate.quad``,
    absolute tolerance 1e-14, break points at the control quantiles).

    Examples
    --------
    >>> t, c = pilot_prior((11, 27), (3, 26))
    >>> round(prob_difference_exceeds(t, c), 4), round(prob_difference_exceeds(t, c, 0.2), 4)
    (0.9913, 0.741)
    """
    if not -1.0 < float(margin) < 1.0:
        raise ValueError(f"margin must be a difference of proportions in (-1, 1), not {margin!r}")
    lo, mid, hi = stats.beta.ppf([1e-12, 0.5, 1 - 1e-12], control.a, control.b)
    log_norm = special.betaln(control.a, control.b)

    def integrand(u: float) -> float:  # density of p_c at u times P(p_t > u + margin)
        if u <= 0.0 or u >= 1.0:
            return 0.0
        x = u + margin
        above = 1.0 if x <= 0.0 else 0.0 if x >= 1.0 else special.betaincc(treated.a, treated.b, x)
        return math.exp((control.a - 1) * math.log(u) + (control.b - 1) * math.log1p(-u)
                        - log_norm) * above

    value, _ = integrate.quad(integrand, 0.0, 1.0,
                              points=sorted({float(lo), float(mid), float(hi)} - {0.0, 1.0}),
                              epsabs=1e-14, epsrel=1e-12, limit=400)
    return float(min(max(value, 0.0), 1.0))


def posterior_prob_greater(n1: int, n2: int, prior_treated: BetaPrior = BetaPrior(1, 1),
                           prior_control: BetaPrior = BetaPrior(1, 1)) -> np.ndarray:
    """``P(p_t > p_c | x1, x2)`` for every outcome: an array ``[x1, x2]`` of shape ``(n1 + 1, n2 + 1)``.

    Exact recurrences over the grid from one starting value (see the module
    notes); O(n1 n2) log-beta functions.

    Examples
    --------
    >>> prob = posterior_prob_greater(27, 26)
    >>> round(float(prob[11, 3]), 4), bool(np.all(np.diff(prob, axis=0) > 0))
    (0.9913, True)
    """
    _check_sizes(n1, n2)
    n1, n2 = int(n1), int(n2)
    a1, b1, a2, b2 = prior_treated.a, prior_treated.b, prior_control.a, prior_control.b
    start = _prob_greater_start(a1, b1 + n1, a2, b2 + n2)
    # down the first column: one more control responder, x2 -> x2 + 1, no treated responder
    al2 = a2 + np.arange(n2, dtype=float)          # control posterior a before the step
    be2 = b2 + n2 - np.arange(n2, dtype=float)     # and b (> 1 before the step)
    down = np.exp(_log_h(a1, b1 + n1, al2, be2 - 1) + np.log((al2 + be2 - 1) / (al2 * (be2 - 1))))
    first = start - np.concatenate(([0.0], np.cumsum(down)))
    # along each row: one more treated responder, x1 -> x1 + 1
    al1 = (a1 + np.arange(n1, dtype=float))[:, None]
    be1 = (b1 + n1 - np.arange(n1, dtype=float))[:, None]
    al2 = (a2 + np.arange(n2 + 1, dtype=float))[None, :]
    be2 = (b2 + n2 - np.arange(n2 + 1, dtype=float))[None, :]
    up = np.exp(_log_h(al1, be1 - 1, al2, be2) + np.log((al1 + be1 - 1) / (al1 * (be1 - 1))))
    prob = first[None, :] + np.concatenate((np.zeros((1, n2 + 1)), np.cumsum(up, axis=0)))
    return np.clip(prob, 0.0, 1.0)


def decision_region(n1: int, n2: int, threshold: float = 0.975, *,
                    prior_treated: BetaPrior = BetaPrior(1, 1),
                    prior_control: BetaPrior = BetaPrior(1, 1)) -> np.ndarray:
    """The outcomes where the Bayesian rule succeeds: ``P(p_t > p_c | x1, x2) > threshold``.

    Parameters
    ----------
    n1, n2 : int
    threshold : float
        In (0, 1), e.g. 0.975.
    prior_treated, prior_control : BetaPrior
        Priors of the analysis (default Beta(1, 1) each).

    Returns
    -------
    numpy.ndarray of bool, shape ``(n1 + 1, n2 + 1)``

    Examples
    --------
    >>> decision_region(5, 5, 0.95).nonzero()
    (array([3, 4, 4, 5, 5, 5]), array([0, 0, 1, 0, 1, 2]))
    """
    if not 0.0 < float(threshold) < 1.0:
        raise ValueError(f"threshold must be a probability in (0, 1), not {threshold!r}")
    return posterior_prob_greater(n1, n2, prior_treated, prior_control) > float(threshold)


def success_region(n1: int, n2: int, *, test: str = "fisher", alpha: float = 0.05,
                   alternative: str = "two-sided", threshold: float = 0.975,
                   prior_treated: BetaPrior = BetaPrior(1, 1),
                   prior_control: BetaPrior = BetaPrior(1, 1)) -> np.ndarray:
    """The outcomes counted as a success for ``test`` (see the module notes).

    ``alpha`` and ``alternative`` apply to the frequentist tests,
    ``threshold`` and the priors (of the analysis) to ``"bayes"``.

    Examples
    --------
    >>> success_region(5, 5, test="fisher", alpha=0.1).nonzero()
    (array([4, 5, 5]), array([0, 0, 1]))
    """
    if test == "bayes":
        return decision_region(n1, n2, threshold, prior_treated=prior_treated,
                               prior_control=prior_control)
    if test not in FREQUENTIST_TESTS:
        raise ValueError(f"test must be one of {', '.join(SUCCESS_RULES)}, not {test!r}")
    region = rejection_region(n1, n2, alpha, test=test, alternative=alternative)  # type: ignore[arg-type]
    treated_better = (np.arange(int(n1) + 1)[:, None] * int(n2)
                      > np.arange(int(n2) + 1)[None, :] * int(n1))
    return region & treated_better


def probability_of_success(region: np.ndarray, p1, p2) -> np.ndarray | float:
    """Probability that the outcome falls in ``region`` at true proportions ``p1``, ``p2``.

    ``p1`` and ``p2`` broadcast against each other; each pair costs one
    ``b1' S b2``.

    Examples
    --------
    >>> region = success_region(27, 26, test="fisher", alternative="greater")
    >>> probability_of_success(region, 0.4, [0.08, 0.4]).round(4)
    array([0.8206, 0.0258])
    """
    p1, p2 = np.broadcast_arrays(np.asarray(p1, dtype=float), np.asarray(p2, dtype=float))
    if np.any((p1 < 0) | (p1 > 1) | (p2 < 0) | (p2 > 1)) or not np.all(np.isfinite(p1 + p2)):
        raise ValueError("p1 and p2 must be proportions in [0, 1]")
    n1, n2 = region.shape[0] - 1, region.shape[1] - 1
    b1 = stats.binom.pmf(np.arange(n1 + 1), n1, p1.reshape(-1, 1))
    b2 = stats.binom.pmf(np.arange(n2 + 1), n2, p2.reshape(-1, 1))
    prob = np.einsum("ij,ij->i", b1 @ region.astype(float), b2).reshape(p1.shape)
    return float(prob) if prob.ndim == 0 else prob


def type_one_error(region: np.ndarray, grid: np.ndarray = TYPE_ONE_GRID) -> dict[str, float]:
    """Largest probability of success when both arms share one proportion ``p``.

    Evaluated at every ``p`` of ``grid`` (default 0, 0.001, ..., 1), then
    refined by a bounded scalar search between the grid neighbours of the
    largest value.

    Returns
    -------
    dict
        ``type_one_error`` (the maximum) and ``p_at_max``.

    Examples
    --------
    >>> out = type_one_error(decision_region(27, 26, 0.975))
    >>> round(out["type_one_error"], 4), round(out["p_at_max"], 3)
    (0.027, 0.535)
    """
    grid = np.asarray(grid, dtype=float)
    values = probability_of_success(region, grid, grid)
    k = int(np.argmax(values))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    best_p, best = float(grid[k]), float(values[k])
    if hi > lo:
        found = optimize.minimize_scalar(lambda p: -probability_of_success(region, p, p),
                                         bounds=(lo, hi), method="bounded",
                                         options={"xatol": 1e-10})
        if -found.fun > best:
            best_p, best = float(found.x), float(-found.fun)
    return {"type_one_error": best, "p_at_max": best_p}


def assurance(region: np.ndarray, prior_treated: BetaPrior, prior_control: BetaPrior) -> float:
    """Probability of success averaged over independent beta priors for ``(p1, p2)``, exactly.

    ``bb1' S bb2`` with the beta-binomial marginals of ``x1`` and ``x2``.

    Examples
    --------
    >>> region = success_region(27, 26, test="chisq")
    >>> round(assurance(region, BetaPrior(12, 17), BetaPrior(4, 24)), 4)
    0.6079
    """
    n1, n2 = region.shape[0] - 1, region.shape[1] - 1
    bb1 = stats.betabinom.pmf(np.arange(n1 + 1), n1, prior_treated.a, prior_treated.b)
    bb2 = stats.betabinom.pmf(np.arange(n2 + 1), n2, prior_control.a, prior_control.b)
    return float(bb1 @ region.astype(float) @ bb2)


def power_quantiles(region: np.ndarray, prior_treated: BetaPrior, prior_control: BetaPrior,
                    q=(0.1, 0.5, 0.9), *, points: int = 200) -> np.ndarray:
    """Quantiles of the probability of success as ``(p1, p2)`` varies over the prior.

    The priors are discretised at their quantiles ``(i - 1/2) / points``,
    ``i = 1..points`` in each arm; the ``points**2`` equally weighted
    probabilities of success (one matrix product) give the quantiles.

    Examples
    --------
    >>> region = success_region(27, 26, test="fisher")
    >>> power_quantiles(region, BetaPrior(12, 17), BetaPrior(4, 24)).round(2)
    array([0.13, 0.54, 0.91])
    """
    u = (np.arange(points) + 0.5) / points
    p1 = stats.beta.ppf(u, prior_treated.a, prior_treated.b)
    p2 = stats.beta.ppf(u, prior_control.a, prior_control.b)
    n1, n2 = region.shape[0] - 1, region.shape[1] - 1
    b1 = stats.binom.pmf(np.arange(n1 + 1), n1, p1[:, None])
    b2 = stats.binom.pmf(np.arange(n2 + 1), n2, p2[:, None])
    return np.quantile(b1 @ region.astype(float) @ b2.T, q)


def sample_size_for_assurance(target: float, prior_treated: BetaPrior, prior_control: BetaPrior,
                              *, test: str = "fisher", alpha: float = 0.05,
                              alternative: str = "two-sided", threshold: float = 0.975,
                              analysis_treated: BetaPrior = BetaPrior(1, 1),
                              analysis_control: BetaPrior = BetaPrior(1, 1),
                              ratio: float = 1.0, n_max: int = 300) -> dict[str, float]:
    """Smallest trial reaching a target assurance, for ``n1 = 1..n_max`` and ``n2 = ceil(ratio n1)``.

    Assurance tends to ``P(p1 > p2)`` under the design prior as ``n`` grows
    (the prior's doubt about the effect itself cannot be removed by a
    larger trial), so a target at or above that plateau is refused. As for
    power, two answers: the smallest ``n1`` reaching the target
    (``n1_first``) and the smallest from which every larger one up to
    ``n_max`` does (``n1_stable``).

    Returns
    -------
    dict
        ``n1_first, n2_first, assurance_first, n1_stable, n2_stable,
        assurance_stable, plateau``.

    Raises
    ------
    ValueError
        When the target is not below the plateau, or no ``n1`` up to ``n_max`` reaches it.

    Examples
    --------
    >>> out = sample_size_for_assurance(0.6, BetaPrior(12, 17), BetaPrior(4, 24), n_max=60)
    >>> out["n1_first"], out["n1_stable"], round(out["plateau"], 4)
    (34, 34, 0.9913)
    """
    plateau = prob_difference_exceeds(prior_treated, prior_control, 0.0)
    if not 0.0 < target < plateau:
        raise ValueError(f"target assurance {target!r} cannot be reached: assurance tends to "
                         f"P(p1 > p2) = {plateau:.4f} under the prior; expected a target below it")
    if ratio <= 0:
        raise ValueError(f"ratio must be positive, not {ratio!r}")
    sizes = [(n, max(1, math.ceil(ratio * n - 1e-9))) for n in range(1, int(n_max) + 1)]
    values = np.array([assurance(success_region(a, b, test=test, alpha=alpha,
                                                alternative=alternative, threshold=threshold,
                                                prior_treated=analysis_treated,
                                                prior_control=analysis_control),
                                 prior_treated, prior_control) for a, b in sizes])
    first, stable = first_and_stable(values >= target)
    if first is None or stable is None:
        raise ValueError(f"assurance {target} is not reached and kept up to n1 = {n_max} "
                         f"(largest {values.max():.3f}); expected a larger n_max")
    return {"n1_first": sizes[first][0], "n2_first": sizes[first][1],
            "assurance_first": float(values[first]), "n1_stable": sizes[stable][0],
            "n2_stable": sizes[stable][1], "assurance_stable": float(values[stable]),
            "plateau": plateau}


def assurance_row(n1: int, n2: int, prior_treated: BetaPrior, prior_control: BetaPrior, *,
                  test: str = "fisher", alpha: float = 0.05, alternative: str = "two-sided",
                  threshold: float = 0.975, analysis_treated: BetaPrior = BetaPrior(1, 1),
                  analysis_control: BetaPrior = BetaPrior(1, 1), margin: float = 0.0) -> dict:
    """One design's assurance and operating characteristics, as a row of :data:`ASSURANCE_COLUMNS`.

    ``power_*`` are quantiles of the probability of success over the design
    prior (:func:`power_quantiles`), ``power_at_prior_mean`` is the power at
    the prior means, ``prob_treated_better`` is the plateau ``P(p1 > p2)``,
    ``prob_difference_exceeds_margin`` is ``P(p1 - p2 > margin)`` under the
    prior and ``type_one_error`` the largest probability of success with
    ``p1 == p2`` (:func:`type_one_error`). ``alpha`` and ``alternative`` are
    empty for the Bayesian rule, ``threshold`` for a frequentist test.

    Examples
    --------
    >>> row = assurance_row(27, 26, *pilot_prior((11, 27), (3, 26)), test="bayes")
    >>> round(row["assurance"], 4), row["rule"]
    (0.5895, 'P(p_t > p_c | data) > 0.975, analysis priors Beta(1, 1) and Beta(1, 1)')
    """
    region = success_region(n1, n2, test=test, alpha=alpha, alternative=alternative,
                            threshold=threshold, prior_treated=analysis_treated,
                            prior_control=analysis_control)
    bayes = test == "bayes"
    rule = (f"P(p_t > p_c | data) > {threshold:g}, analysis priors {analysis_treated} and "
            f"{analysis_control}" if bayes else
            f"{test} {alternative} at alpha {alpha:g}, rejecting in favour of treatment")
    q10, q50, q90 = power_quantiles(region, prior_treated, prior_control, (0.1, 0.5, 0.9))
    worst = type_one_error(region)
    return dict(zip(ASSURANCE_COLUMNS, (
        int(n1), int(n2), test, rule, None if bayes else float(alpha),
        None if bayes else alternative, float(threshold) if bayes else None,
        prior_treated.a, prior_treated.b, prior_control.a, prior_control.b,
        assurance(region, prior_treated, prior_control), float(q10), float(q50), float(q90),
        float(probability_of_success(region, prior_treated.mean, prior_control.mean)),
        prob_difference_exceeds(prior_treated, prior_control, 0.0), float(margin),
        prob_difference_exceeds(prior_treated, prior_control, margin),
        worst["type_one_error"], worst["p_at_max"])))


def assurance_grid(n1: Sequence[int], n2: Sequence[int] | None, prior_treated: BetaPrior,
                   prior_control: BetaPrior, *, tests: Iterable[str] = ("fisher",),
                   progress: Callable[[int, int], None] | None = None,
                   **options) -> pd.DataFrame:
    """:func:`assurance_row` for every design ``n1 x n2`` (``n2`` None: ``n2 = n1``) and test.

    ``options`` are those of :func:`assurance_row` (alpha, alternative,
    threshold, analysis priors, margin); ``progress`` is called with (cells
    done, cells in all) after each cell. After Ctrl-C the finished cells are
    returned, and ``attrs["interrupted"]``, ``attrs["cells"]`` and
    ``attrs["missing"]`` say so.

    Examples
    --------
    >>> table = assurance_grid([20, 40], None, BetaPrior(12, 17), BetaPrior(4, 24))
    >>> table[["n1", "n2", "assurance"]].round(3).to_string(index=False)
    ' n1  n2  assurance\\n 20  20      0.416\\n 40  40      0.663'
    """
    cells = list(itertools.product(design_pairs(n1, n2), tests))
    rows = []
    interrupted = False
    try:
        for i, ((a, b), test) in enumerate(cells):
            rows.append(assurance_row(a, b, prior_treated, prior_control, test=test, **options))
            if progress is not None:
                progress(i + 1, len(cells))
    except KeyboardInterrupt:  # Ctrl-C: the finished cells are kept
        interrupted = True
    table = pd.DataFrame(rows, columns=list(ASSURANCE_COLUMNS))
    table.attrs.update(cells=len(cells), missing=len(cells) - len(rows), interrupted=interrupted)
    return table


def _check_sizes(n1: int, n2: int) -> None:
    if int(n1) != n1 or int(n2) != n2 or n1 < 1 or n2 < 1:
        raise ValueError(f"n1 and n2 must be whole numbers of at least 1, not {n1!r}, {n2!r}")


def _log_h(a1, b1, a2, b2):
    """log of B(a1 + a2, b1 + b2) / (B(a1, b1) B(a2, b2)), elementwise."""
    return special.betaln(a1 + a2, b1 + b2) - special.betaln(a1, b1) - special.betaln(a2, b2)


def _prob_greater_start(a1: float, b1: float, a2: float, b2: float) -> float:
    """P(X > Y) for X ~ Beta(a1, b1), Y ~ Beta(a2, b2): a finite sum for whole a1, else quadrature."""
    if a1 == int(a1) and a1 <= 10_000:
        j = np.arange(1, int(a1), dtype=float)
        terms = np.exp(_log_h(j, b1, a2, b2) - np.log(j))
        return float(np.exp(special.betaln(a2, b1 + b2) - special.betaln(a2, b2)) + terms.sum())
    return prob_difference_exceeds(BetaPrior(a1, b1), BetaPrior(a2, b2), 0.0)
