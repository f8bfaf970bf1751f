"""Exact power of tests comparing two proportions, by enumeration over both binomial outcomes.

For ``n1`` participants on treatment and ``n2`` on control, every outcome
``(x1, x2)`` of the trial is a 2 x 2 table. A test rejects a fixed set of
them at level ``alpha`` (its *rejection region*, computed once per
``(n1, n2, alpha)`` with p-values vectorised over all tables), and its power
at true proportions ``(p1, p2)`` is the probability of that set,

    power = sum_{(x1, x2) rejected} Bin(x1; n1, p1) Bin(x2; n2, p2),

exactly, with no simulation error: O(n1 n2) for each power value once the
region is known.

Tests (``test``):

``fisher``
    Fisher's exact test. Two-sided: the tables of the same margin ``x1 + x2``
    no more probable than the one observed (relative tolerance ``1e-7``, as
    R's ``fisher.test``); one-sided: ``P(X1 >= x1 | margin)``.
``chisq``, ``chisq_cc``
    Pearson's chi-square test without and with Yates' continuity correction,
    as R's ``prop.test`` (one-sided: the signed root of the statistic against
    the normal). A table with no events or no non-events in both arms has no
    statistic and is never rejected.

``alternative`` is ``"two-sided"`` or ``"greater"`` (treatment's proportion
higher).

Examples
--------
>>> round(exact_power(27, 26, 0.40, 0.08, test="fisher"), 4)
0.731
>>> region = rejection_region(27, 26, test="fisher")
>>> region.shape, bool(region[11, 3])
((28, 27), True)
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import numpy as np
from scipy import stats

__all__ = ["TESTS", "rejection_region", "exact_power", "sample_size"]

#: Tests whose exact power is computed here.
TESTS = ("fisher", "chisq", "chisq_cc")

Test = Literal["fisher", "chisq", "chisq_cc"]
Alternative = Literal["two-sided", "greater"]

#: Relative tolerance of "no more probable than the observed table" (R's fisher.test).
_RELERR = 1 + 1e-7


def rejection_region(n1: int, n2: int, alpha: float = 0.05, *, test: Test = "fisher",
                     alternative: Alternative = "two-sided") -> np.ndarray:
    """The tables a test rejects: a boolean array ``[x1, x2]`` of shape ``(n1 + 1, n2 + 1)``.

    Parameters
    ----------
    n1, n2 : int
        Participants on treatment and on control (each at least 1).
    alpha : float
        Level of the test (a table is rejected when its p-value <= alpha).
    test : {"fisher", "chisq", "chisq_cc"}
    alternative : {"two-sided", "greater"}

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> rejection_region(3, 3, 0.1, test="fisher", alternative="greater").nonzero()
    (array([3]), array([0]))
    """
    _check(n1, n2, alpha, test, alternative)
    return _region(int(n1), int(n2), float(alpha), test, alternative).copy()


def exact_power(n1: int, n2: int, p1: float, p2: float, alpha: float = 0.05, *,
                test: Test = "fisher", alternative: Alternative = "two-sided") -> float:
    """Exact power of ``test`` for ``n1`` vs ``n2`` participants with true proportions ``p1``, ``p2``.

    Parameters
    ----------
    n1, n2 : int
    p1, p2 : float
        True proportions of responders on treatment and on control.
    alpha : float
    test : {"fisher", "chisq", "chisq_cc"}
    alternative : {"two-sided", "greater"}

    Returns
    -------
    float
        The probability that the test rejects (its size when ``p1 == p2``).

    Examples
    --------
    >>> exact_power(20, 20, 0.3, 0.3, test="fisher") <= 0.05
    True
    """
    for name, p in (("p1", p1), ("p2", p2)):
        if not 0.0 <= float(p) <= 1.0:
            raise ValueError(f"{name} must be a proportion in [0, 1], not {p!r}")
    _check(n1, n2, alpha, test, alternative)
    region = _region(int(n1), int(n2), float(alpha), test, alternative)
    b1 = stats.binom.pmf(np.arange(int(n1) + 1), int(n1), float(p1))
    b2 = stats.binom.pmf(np.arange(int(n2) + 1), int(n2), float(p2))
    return float(b1 @ np.where(region, 1.0, 0.0) @ b2)


def sample_size(p1: float, p2: float, power: float = 0.8, alpha: float = 0.05, *,
                test: Test = "fisher", alternative: Alternative = "two-sided",
                ratio: float = 1.0, dropout: float = 0.0, n_max: int = 500) -> dict[str, int | float]:
    """Participants needed for a target power, for a test whose power is saw-toothed in n.

    For ``n1 = 1, 2, ..., n_max`` on treatment and ``n2 = ceil(ratio * n1)`` on
    control, the exact power is computed. Two answers are given: the smallest
    ``n1`` reaching ``power`` (``n1_first``), and the smallest from which every
    larger ``n1`` up to ``n_max`` reaches it (``n1_stable``); the second is the
    safe one for a discrete test. With ``dropout``, the numbers to enrol are
    those divided by ``1 - dropout``, rounded up.

    Parameters
    ----------
    p1, p2 : float
    power : float
        Target power.
    alpha : float
    test, alternative
        As for :func:`exact_power`.
    ratio : float
        Control participants per treated participant.
    dropout : float
        Expected proportion of participants without the primary endpoint.
    n_max : int
        Largest ``n1`` tried.

    Returns
    -------
    dict
        ``n1_first, n2_first, power_first, n1_stable, n2_stable, power_stable``
        and ``enrol1``, ``enrol2`` (the stable numbers inflated for dropout).

    Raises
    ------
    ValueError
        When no ``n1`` up to ``n_max`` reaches the power.

    Examples
    --------
    >>> out = sample_size(0.40, 0.08, power=0.8, test="fisher", n_max=60)
    >>> out["n1_first"] <= out["n1_stable"], out["power_stable"] >= 0.8
    (True, True)
    """
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), not {dropout!r}")
    if ratio <= 0:
        raise ValueError(f"ratio must be positive, not {ratio!r}")
    sizes = [(n, max(1, int(np.ceil(ratio * n - 1e-9)))) for n in range(1, int(n_max) + 1)]
    powers = np.array([exact_power(a, b, p1, p2, alpha, test=test, alternative=alternative)
                       for a, b in sizes])
    reached = powers >= power
    if not reached.any():
        raise ValueError(f"no n1 up to {n_max} reaches power {power} (largest "
                         f"{powers.max():.3f}); expected a larger n_max or effect")
    first = int(np.argmax(reached))
    below = np.nonzero(~reached)[0]
    stable = int(below[-1] + 1) if len(below) else 0
    if stable >= len(sizes):
        raise ValueError(f"power {power} is not kept up to n1 = {n_max}; expected a larger n_max")
    enrol = [int(np.ceil(n / (1.0 - dropout) - 1e-9)) for n in sizes[stable]]
    return {"n1_first": sizes[first][0], "n2_first": sizes[first][1],
            "power_first": float(powers[first]),
            "n1_stable": sizes[stable][0], "n2_stable": sizes[stable][1],
            "power_stable": float(powers[stable]), "enrol1": enrol[0], "enrol2": enrol[1]}


def _check(n1: int, n2: int, alpha: float, test: str, alternative: str) -> None:
    if int(n1) != n1 or int(n2) != n2 or n1 < 1 or n2 < 1:
        raise ValueError(f"n1 and n2 must be whole numbers of at least 1, not {n1!r}, {n2!r}")
    if not 0.0 < float(alpha) < 1.0:
        raise ValueError(f"alpha must be in (0, 1), not {alpha!r}")
    if test not in TESTS:
        raise ValueError(f"test must be one of {', '.join(TESTS)}, not {test!r}")
    if alternative not in ("two-sided", "greater"):
        raise ValueError(f"alternative must be 'two-sided' or 'greater', not {alternative!r}")


@lru_cache(maxsize=64)
def _region(n1: int, n2: int, alpha: float, test: str, alternative: str) -> np.ndarray:
    p = _fisher_p(n1, n2, alternative) if test == "fisher" \
        else _chisq_p(n1, n2, alternative, correct=test == "chisq_cc")
    region = p <= alpha
    region.flags.writeable = False
    return region


def _fisher_p(n1: int, n2: int, alternative: str) -> np.ndarray:
    """Fisher p-values of every table: hypergeometric probabilities of the whole grid at once
    (log binomial coefficients), then one margin ``m = x1 + x2`` at a time for the sums."""
    from scipy.special import gammaln

    def log_choose(n: int) -> np.ndarray:
        k = np.arange(n + 1)
        return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)

    margin = np.arange(n1 + 1)[:, None] + np.arange(n2 + 1)[None, :]
    prob = np.exp(log_choose(n1)[:, None] + log_choose(n2)[None, :]
                  - log_choose(n1 + n2)[margin])  # P(x1 | m), x1 treated responders among m
    out = np.ones((n1 + 1, n2 + 1))
    for m in range(n1 + n2 + 1):
        x1 = np.arange(max(0, m - n2), min(n1, m) + 1)
        pm = prob[x1, m - x1]
        if alternative == "greater":
            p = np.cumsum(pm[::-1])[::-1]  # P(X1 >= x1 | m)
        else:  # the tables of this margin no more probable than the observed one
            order = np.sort(pm)
            p = np.cumsum(order)[np.searchsorted(order, pm * _RELERR, side="right") - 1]
        out[x1, m - x1] = np.minimum(p, 1.0)
    return out


def _chisq_p(n1: int, n2: int, alternative: str, *, correct: bool) -> np.ndarray:
    """Pearson's chi-square p-values of every table, as R's ``prop.test`` computes them."""
    x1 = np.arange(n1 + 1)[:, None].astype(float)
    x2 = np.arange(n2 + 1)[None, :].astype(float)
    delta = x1 / n1 - x2 / n2
    inv = 1.0 / n1 + 1.0 / n2
    pooled = (x1 + x2) / (n1 + n2)
    yates = np.minimum(0.5, np.abs(delta) / inv) if correct else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = (np.abs(delta) - yates * inv) ** 2 / (pooled * (1 - pooled) * inv)
    if alternative == "greater":
        p = stats.norm.sf(np.sign(delta) * np.sqrt(statistic))
    else:
        p = stats.chi2.sf(statistic, 1)
    return np.where(np.isfinite(p), p, 1.0)
