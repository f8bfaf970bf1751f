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
``boschloo``
    Boschloo's exact unconditional test, as ``scipy.stats.boschloo_exact``
    defines it: the statistic of a table is Fisher's one-sided p-value
    ``T = P(X1 >= x1 | x1 + x2)``, and its p-value is the supremum over the
    common proportion ``pi`` of ``P_pi(T <= T_observed (1 + 1e-13))``.
    Two-sided: twice the smaller of the two one-sided p-values (scipy's
    convention, not the one of Fisher's two-sided test above). Uniformly more
    powerful than Fisher's test of the same convention: one-sided, or
    two-sided by doubling (and so also than ``fisher`` when ``n1 == n2``).

``alternative`` is ``"two-sided"`` or ``"greater"`` (treatment's proportion
higher).

Boschloo's region, without a p-value per table
----------------------------------------------
Only the region is needed, and it is a run of tables: a larger statistic
means a larger set ``{T <= t}``, so the p-value is non-decreasing in ``T``
and the one-sided region is the first ``K`` tables in the order of ``T``.
``K`` is found by bisection over that order, each step asking whether one
table's p-value is <= the level: O(log(n1 n2)) suprema instead of n1 n2.
Fisher's one-sided region is inside it (``P_pi(T <= t) <= t`` for every
``pi``), so the bisection starts after it.

One supremum. A set's probability is ``P_pi(set) = sum_m h[m] Bin(m; N, pi)``
with ``N = n1 + n2`` and ``h[m]`` the set's conditional (hypergeometric)
probability among the tables with ``m`` responders: O(n1 n2) to sum ``h``,
then O(N) per ``pi``. The nuisance grid is ``G = 32 ceil(sqrt(N)) + 1``
points ``pi = sin^2(theta)``, ``theta`` evenly spaced on ``[0, pi/2]`` (both
ends included): ``arcsin sqrt`` makes a binomial's spread the same,
``1 / (2 sqrt(N))``, everywhere, and the points are a tenth of it apart, so no
peak of the polynomial falls between two of them unseen. A grid maximum above
the level settles the question (the grid can only under-estimate the
supremum); otherwise every local maximum of the grid within 1 % of its
maximum is refined by a bounded Brent search (``scipy.optimize.minimize_scalar``)
between its neighbours, which gives the supremum to about 1e-12, the accuracy
of scipy's p-values or better. At this spacing the grid misses a peak's height
by about 0.1 % at most (0.07 % over the regions of 3 to 250 per arm tried), so
a lower local maximum cannot be the supremum; usually one to three are refined.

Two-sided, the lower region is the upper one of the mirrored tables
``(n1 - x1, n2 - x2)`` (responders and non-responders swapped, ``pi -> 1 - pi``).
The statistic is computed to about 1e-15 (hypergeometric probabilities from
exact integer ratios outwards from each margin's mode), so the tables scipy
takes as tied (relative tolerance 1e-13) are tied here too. Cost: a sort,
O(n1 n2 log(n1 n2)), and O(log(n1 n2) (n1 n2 + G N)) for the bisection; about
2 ms for 27 vs 26 and 0.2 s for 500 vs 500 (``benchmarks/bench_design_exact.py``).

Examples
--------
>>> round(exact_power(27, 26, 0.40, 0.08, test="fisher"), 4)
0.731
>>> region = rejection_region(27, 26, test="fisher")
>>> region.shape, bool(region[11, 3])
((28, 27), True)
>>> round(exact_power(27, 26, 0.40, 0.08, test="boschloo"), 4)
0.7755
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import numpy as np
from scipy import stats

__all__ = ["TESTS", "rejection_region", "exact_power", "first_and_stable", "sample_size"]

#: Tests whose exact power is computed here.
TESTS = ("fisher", "chisq", "chisq_cc", "boschloo")

Test = Literal["fisher", "chisq", "chisq_cc", "boschloo"]
Alternative = Literal["two-sided", "greater"]

#: Relative tolerance of "no more probable than the observed table" (R's fisher.test).
_RELERR = 1 + 1e-7
#: Relative tolerance of "statistic no larger than the observed one" (scipy's boschloo_exact).
_TIE = 1 + 1e-13


def rejection_region(n1: int, n2: int, alpha: float = 0.05, *, test: Test = "fisher",
                     alternative: Alternative = "two-sided") -> np.ndarray:
    """The tables a test rejects: a boolean array ``[x1, x2]`` of shape ``(n1 + 1, n2 + 1)``.

    Parameters
    ----------
    n1, n2 : int
        Participants on treatment and on control (each at least 1).
    alpha : float
        Level of the test (a table is rejected when its p-value <= alpha).
    test : {"fisher", "chisq", "chisq_cc", "boschloo"}
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
    test : {"fisher", "chisq", "chisq_cc", "boschloo"}
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


def first_and_stable(reached: np.ndarray) -> tuple[int | None, int | None]:
    """Along increasing sizes: the first that reaches a target, and the first from which all do.

    ``None`` where there is none (a saw-toothed power can reach the target and
    fall below it again).

    Examples
    --------
    >>> import numpy as np
    >>> first_and_stable(np.array([False, True, False, True, True]))
    (1, 3)
    >>> first_and_stable(np.array([False, True, False]))
    (1, None)
    """
    reached = np.asarray(reached, dtype=bool)
    if not reached.any():
        return None, None
    below = np.nonzero(~reached)[0]
    stable = int(below[-1] + 1) if len(below) else 0
    return int(np.argmax(reached)), stable if stable < len(reached) else None


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
    first, stable = first_and_stable(powers >= power)
    if first is None:
        raise ValueError(f"no n1 up to {n_max} reaches power {power} (largest "
                         f"{powers.max():.3f}); expected a larger n_max or effect")
    if stable is None:
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
    if test == "boschloo":
        region = _boschloo_region(n1, n2, alpha, alternative)
    else:
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


def _boschloo_region(n1: int, n2: int, alpha: float, alternative: str) -> np.ndarray:
    """Boschloo's region: one-sided at ``alpha``; two-sided, both one-sided regions at
    ``alpha / 2`` (scipy's ``2 min(p_less, p_greater) <= alpha``), the lower one being the
    upper one of the tables with responders and non-responders swapped (``pi -> 1 - pi``)."""
    if alternative == "greater":
        return _boschloo_upper(n1, n2, alpha)
    upper = _boschloo_upper(n1, n2, alpha / 2)
    return upper | upper[::-1, ::-1]


def _boschloo_upper(n1: int, n2: int, level: float) -> np.ndarray:
    """The tables whose one-sided ("greater") Boschloo p-value is at most ``level``: the
    longest run, in the order of Fisher's one-sided p-value, whose supremum stays <= level."""
    prob, stat = _conditional_tails(n1, n2)
    order = np.argsort(stat, axis=None, kind="stable")
    ranked = stat.ravel()[order]
    ends = np.searchsorted(ranked, ranked * _TIE, side="right")  # scipy's ties (1e-13)
    margin = (np.arange(n1 + 1)[:, None] + np.arange(n2 + 1)[None, :]).ravel()[order]
    weight = prob.ravel()[order]
    nuisance = _nuisance_grid(n1 + n2)

    def within(i: int) -> bool:  # p-value of the i-th table in that order <= level
        end = int(ends[i])
        h = np.bincount(margin[:end], weights=weight[:end], minlength=n1 + n2 + 1)
        return nuisance.supremum(h, level) <= level

    # tables before low are in (Fisher's one-sided region first), from high on are out
    low, high = int(np.searchsorted(ranked * _TIE, level, side="right")), len(ranked)
    while low < high:
        mid = (low + high) // 2
        if within(mid):
            low = mid + 1
        else:
            high = mid
    region = np.zeros((n1 + 1) * (n2 + 1), dtype=bool)
    region[order[:low]] = True
    return region.reshape(n1 + 1, n2 + 1)


def _conditional_tails(n1: int, n2: int) -> tuple[np.ndarray, np.ndarray]:
    """``P(x1 | m)`` and Fisher's one-sided p-value ``P(X1 >= x1 | m)`` of every table
    (``m = x1 + x2``), to a few units in the 15th digit: within each margin the hypergeometric
    probabilities relative to the mode are products of exact integer ratios, then normalised,
    so that tables with equal p-values (e.g. mirror images when ``n1 == n2``) tie as in scipy.
    All margins at once, as rows ``m`` of an array over ``k = x1 - min(x1)``."""
    m = np.arange(n1 + n2 + 1)[:, None]
    lowest = np.maximum(0, m - n2)
    count = np.minimum(n1, m) - lowest + 1  # tables in the margin
    k = np.arange(min(n1, n2) + 1)[None, :]
    x = (lowest + k).astype(float)  # x1
    step = k < count - 1
    up = (m - x) * (n1 - x)  # P(x + 1 | m) / P(x | m) = up / down, exact integers
    down = (x + 1) * (n2 - m + x + 1)
    mode = np.count_nonzero(step & (up > down), axis=1, keepdims=True)  # ratios decrease
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = np.where(step & (k >= mode), up / down, 1.0)  # from k to k + 1, past the mode
        fall = np.where(k < mode, down / up, 1.0)  # from k + 1 to k, before the mode
    rel = np.ones(rise.shape)
    rel[:, 1:] = np.cumprod(rise[:, :-1], axis=1)
    rel *= np.cumprod(fall[:, ::-1], axis=1)[:, ::-1]
    valid = k < count
    rel = np.where(valid, rel, 0.0)
    cond = rel / rel.sum(axis=1, keepdims=True)
    upper = np.cumsum(cond[:, ::-1], axis=1)[:, ::-1]
    upper[:, 0] = 1.0
    x1 = np.broadcast_to(lowest + k, valid.shape)[valid]
    x2 = np.broadcast_to(m, valid.shape)[valid] - x1
    prob = np.zeros((n1 + 1, n2 + 1))
    tail = np.zeros((n1 + 1, n2 + 1))
    prob[x1, x2] = cond[valid]
    tail[x1, x2] = np.minimum(upper[valid], 1.0)
    return prob, tail


class _NuisanceGrid:
    """Supremum over the nuisance proportion ``pi`` of the probability of a set of tables.

    A set's probability at ``pi`` depends on it only through ``h[m]``, the conditional
    probability of the set among the tables with ``m`` responders:
    ``P_pi(set) = sum_m h[m] Bin(m; N, pi)``, a Bernstein polynomial of degree ``N = n1 + n2``.
    It is evaluated on ``G = 32 ceil(sqrt(N)) + 1`` points ``pi = sin^2(theta)``, ``theta``
    evenly spaced on ``[0, pi/2]`` (a tenth of a binomial's standard deviation apart at every
    ``pi``, since ``arcsin sqrt`` stabilises its variance to ``1 / (4 N)``); the grid's local
    maxima within 1 % of its maximum are refined by a bounded scalar search between their
    neighbours (see the module's notes).
    """

    def __init__(self, n: int) -> None:
        from scipy.special import gammaln

        self.n = n
        theta = np.linspace(0.0, np.pi / 2, 32 * int(np.ceil(np.sqrt(n))) + 1)
        self.pi = np.sin(theta) ** 2
        self.pi[-1] = 1.0
        m = np.arange(n + 1)
        log_choose = gammaln(n + 1) - gammaln(m + 1) - gammaln(n - m + 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_pmf = (log_choose[None, :] + m[None, :] * np.log(self.pi)[:, None]
                       + (n - m)[None, :] * np.log1p(-self.pi)[:, None])
        log_pmf[0] = np.where(m == 0, 0.0, -np.inf)
        log_pmf[-1] = np.where(m == n, 0.0, -np.inf)
        self.pmf = np.exp(log_pmf)  # [grid point, m]

    def supremum(self, h: np.ndarray, level: float = 1.0) -> float:
        """``sup_pi P_pi(set)``; exact to ~1e-12 whenever that is at most about ``level``
        (a grid maximum clearly above ``level`` is returned without refinement)."""
        from scipy.optimize import minimize_scalar

        values = np.einsum("gm,m->g", self.pmf, h)  # not BLAS: its threads stall when busy
        best = float(values.max())
        if best > level * (1 + 1e-9):
            return best
        padded = np.concatenate(([-1.0], values, [-1.0]))
        peaks = np.nonzero((values >= padded[:-2]) & (values >= padded[2:])
                           & (values >= 0.99 * best))[0]
        m = np.arange(self.n + 1)
        for j in peaks:
            a, b = self.pi[max(j - 1, 0)], self.pi[min(j + 1, len(self.pi) - 1)]
            found = minimize_scalar(lambda pi: -float(stats.binom.pmf(m, self.n, pi) @ h),
                                    bounds=(a, b), method="bounded",
                                    options={"xatol": 1e-12})
            best = max(best, -float(found.fun))
        return best


@lru_cache(maxsize=8)
def _nuisance_grid(n: int) -> _NuisanceGrid:
    return _NuisanceGrid(n)
