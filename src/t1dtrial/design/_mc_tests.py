"""Two-sample tests vectorised across simulated trials: one row of each array is one trial.

Each function takes the treated arm's values ``x`` (shape ``(trials, n1)``)
and the control arm's ``y`` (``(trials, n2)``) and returns one p-value a
trial, as the scipy or statsmodels call named in its docstring would for
that row (checked per trial in ``tests/design/test_montecarlo_tests.py``).
``alternative`` is ``"two-sided"`` or ``"greater"`` (treatment higher).
A trial whose statistic is undefined (no variation at all) gets p-value 1:
it is never a rejection.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import special, stats

__all__ = ["welch_p", "welch_t", "t_rejects", "mann_whitney_p", "ancova_p", "ancova_t"]


def _sided(stat: np.ndarray, df: np.ndarray | float | None, alternative: str) -> np.ndarray:
    """p-value of a t (``df`` given) or z statistic (``df`` None)."""
    tail = -np.abs(stat) if alternative == "two-sided" else -stat
    with np.errstate(invalid="ignore"):
        p = special.ndtr(tail) if df is None else special.stdtr(df, tail)
    if alternative == "two-sided":
        p = np.minimum(2.0 * p, 1.0)
    return np.where(np.isnan(p), 1.0, p)


def welch_p(x: np.ndarray, y: np.ndarray, alternative: str = "two-sided") -> np.ndarray:
    """Welch's t-test of each row, as ``scipy.stats.ttest_ind(x, y, equal_var=False)``.

    Examples
    --------
    >>> welch_p(np.array([[1.0, 2.0, 3.0]]), np.array([[1.5, 3.5, 5.0, 6.0]])).round(4)
    array([0.1437])
    """
    n1, n2 = x.shape[1], y.shape[1]
    m1, m2 = x.mean(axis=1), y.mean(axis=1)
    d1, d2 = x - m1[:, None], y - m2[:, None]
    t, df = welch_t(m1 - m2, np.einsum("ij,ij->i", d1, d1), np.einsum("ij,ij->i", d2, d2),
                    n1, n2)
    return _sided(t, df, alternative)


def welch_t(diff: np.ndarray, ss1: np.ndarray, ss2: np.ndarray, n1: int,
            n2: int) -> tuple[np.ndarray, np.ndarray]:
    """Welch's t statistic and Satterthwaite's degrees of freedom from the difference of
    means and each arm's sum of squared deviations."""
    v1 = ss1 / ((n1 - 1) * n1)  # squared standard errors of the means
    v2 = ss2 / ((n2 - 1) * n2)
    se2 = v1 + v2
    with np.errstate(divide="ignore", invalid="ignore"):
        return diff / np.sqrt(se2), se2 * se2 / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))


def t_rejects(t: np.ndarray, df: np.ndarray | float, df_range: tuple[float, float],
              alpha: float, alternative: str) -> np.ndarray:
    """Whether each t test rejects (p-value <= alpha), computing the p-value only where the
    answer is in doubt: the critical value decreases with the degrees of freedom, so a
    statistic beyond the critical value at the fewest degrees of freedom in ``df_range``
    rejects, and one below it at the most does not, whatever its own (margin 1e-9).

    Examples
    --------
    >>> t_rejects(np.array([1.0, 2.05, 3.0]), np.array([20.0, 30.0, 40.0]), (20, 40), 0.05,
    ...           "two-sided").tolist()
    [False, True, True]
    """
    level = 1.0 - (alpha / 2.0 if alternative == "two-sided" else alpha)
    stat = np.abs(t) if alternative == "two-sided" else t
    surely = stat > special.stdtrit(df_range[0], level) * (1.0 + 1e-9)
    doubt = np.nonzero(~surely & (stat >= special.stdtrit(df_range[1], level) * (1.0 - 1e-9)))[0]
    if len(doubt):
        df_doubt = df[doubt] if np.ndim(df) else df
        surely[doubt] = _sided(t[doubt], df_doubt, alternative) <= alpha
    return surely


def mann_whitney_p(x: np.ndarray, y: np.ndarray, alternative: str = "two-sided", *,
                   method: str = "asymptotic") -> np.ndarray:
    """Mann-Whitney U test of each row, as ``scipy.stats.mannwhitneyu(x, y, method=method)``.

    ``"asymptotic"``: the normal approximation with tie correction and
    continuity correction, at every sample size. ``"auto"`` (scipy's
    default): the exact distribution of U for a row without ties when an arm
    has 8 or fewer participants, the normal approximation otherwise.

    Ranks come from one sort of each row; rows with tied values get average
    ranks and the tie term ``sum(t**3 - t)`` from their runs of equal values.

    Examples
    --------
    >>> x, y = np.array([[1.0, 2.0, 2.0]]), np.array([[2.0, 3.0, 4.0, 5.0]])
    >>> mann_whitney_p(x, y).round(4)
    array([0.0987])
    >>> mann_whitney_p(np.array([[1.0, 2.5, 2.7]]), y, method="auto").round(4)  # exact
    array([0.2286])
    """
    n1, n2 = x.shape[1], y.shape[1]
    n = n1 + n2
    z = np.concatenate([x, y], axis=1)
    order = np.argsort(z, axis=1)
    ordered = np.take_along_axis(z, order, axis=1)
    treated = order < n1  # which sorted positions hold a treated value
    rank_sum = np.einsum("tn,n->t", treated, np.arange(1.0, n + 1.0))
    tie_term = np.zeros(len(z))
    tied = ordered[:, 1:] == ordered[:, :-1]
    has_ties = tied.any(axis=1)
    rows = np.nonzero(has_ties)[0]
    if len(rows):
        rank_sum[rows], tie_term[rows] = _tied_ranks(tied[rows], treated[rows])
    u1 = rank_sum - n1 * (n1 + 1) / 2.0
    u = np.maximum(u1, n1 * n2 - u1) if alternative == "two-sided" else u1
    s = np.sqrt(n1 * n2 / 12.0 * ((n + 1) - tie_term / (n * (n - 1))))
    with np.errstate(divide="ignore", invalid="ignore"):
        zstat = (u - n1 * n2 / 2.0 - 0.5) / s
    p = special.ndtr(-zstat)
    if alternative == "two-sided":
        p = np.minimum(2.0 * p, 1.0)
    if method == "auto" and min(n1, n2) <= 8:
        exact = np.nonzero(~has_ties)[0]
        p[exact] = _exact_mwu_p(n1, n2, alternative)[np.rint(u1[exact]).astype(int)]
    return np.where(np.isnan(p), 1.0, p)


@lru_cache(maxsize=32)
def _exact_mwu_p(n1: int, n2: int, alternative: str) -> np.ndarray:
    """scipy's exact Mann-Whitney p-value for every value of U1 (0 .. n1 n2) without ties, from
    one vectorised ``mannwhitneyu(method="exact")`` call on samples built to have each U1."""
    u = np.arange(n1 * n2 + 1)
    below, extra = np.divmod(u, n1)  # control values below each treated value
    counts = below[:, None] + (np.arange(n1)[None, :] >= n1 - extra[:, None])
    x = counts - 0.5 + np.arange(n1) / (4.0 * n1)  # distinct, each above `count` of 0 .. n2-1
    y = np.broadcast_to(np.arange(n2, dtype=float), (len(u), n2))
    p = np.concatenate([stats.mannwhitneyu(x[i:i + 1000], y[i:i + 1000], alternative=alternative,
                                           method="exact", axis=1).pvalue
                        for i in range(0, len(u), 1000)])
    p.flags.writeable = False
    return p


def _tied_ranks(tied: np.ndarray, treated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Treated rank sums with average ranks, and the tie terms, of rows with ties
    (``tied[:, i]``: sorted values i and i + 1 are equal)."""
    rows, n = treated.shape
    pos = np.broadcast_to(np.arange(n), (rows, n))
    edge = np.ones((rows, 1), dtype=bool)
    starts = np.concatenate([edge, ~tied], axis=1)  # a run of equal values starts here
    ends = np.concatenate([~tied, edge], axis=1)  # ... ends here
    first = np.maximum.accumulate(np.where(starts, pos, 0), axis=1)
    last = np.minimum.accumulate(np.where(ends, pos, n - 1)[:, ::-1], axis=1)[:, ::-1]
    rank_sum = np.where(treated, (first + last) / 2.0 + 1.0, 0.0).sum(axis=1)
    size = (last - first + 1).astype(float)  # each value's run length t
    return rank_sum, (size * size - 1.0).sum(axis=1)  # sum over runs of t (t^2 - 1)


def ancova_p(x: np.ndarray, y: np.ndarray, x_base: np.ndarray, y_base: np.ndarray,
             alternative: str = "two-sided") -> tuple[np.ndarray, np.ndarray]:
    """ANCOVA of each row: outcome ~ arm + baseline by least squares, the t-test of the arm
    coefficient, as statsmodels ``OLS(outcome, [1, arm, baseline])``.

    The least squares solution is written out (within-arm sums of squares and
    products), so every trial is solved at once.

    Parameters
    ----------
    x, y : ndarray
        Outcomes on treatment ``(trials, n1)`` and control ``(trials, n2)``.
    x_base, y_base : ndarray
        Their baseline values, same shapes.
    alternative : {"two-sided", "greater"}

    Returns
    -------
    (effect, p) : the arm coefficient (treated minus control, adjusted) and its p-value.

    Examples
    --------
    >>> eff, p = ancova_p(np.array([[3.0, 5.0, 6.0]]), np.array([[1.0, 2.0, 2.5]]),
    ...                   np.array([[1.0, 2.0, 3.0]]), np.array([[0.5, 1.5, 2.0]]))
    >>> eff.round(4), p.round(4)
    (array([1.9561]), array([0.0078]))
    """
    effect, t, df = ancova_t(x, y, x_base, y_base)
    return effect, _sided(t, df, alternative)


def ancova_t(x: np.ndarray, y: np.ndarray, x_base: np.ndarray,
             y_base: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The arm coefficient of ANCOVA, its t statistic and degrees of freedom (see
    :func:`ancova_p`)."""
    n = x.shape[1] + y.shape[1]
    mx, my = x.mean(axis=1), y.mean(axis=1)
    bx, by = x_base.mean(axis=1), y_base.mean(axis=1)
    dx, dy = x - mx[:, None], y - my[:, None]
    ex, ey = x_base - bx[:, None], y_base - by[:, None]
    s_bb = np.einsum("ij,ij->i", ex, ex) + np.einsum("ij,ij->i", ey, ey)
    s_by = np.einsum("ij,ij->i", ex, dx) + np.einsum("ij,ij->i", ey, dy)
    s_yy = np.einsum("ij,ij->i", dx, dx) + np.einsum("ij,ij->i", dy, dy)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = s_by / s_bb
        effect = (mx - my) - slope * (bx - by)
        sigma2 = np.maximum(s_yy - slope * s_by, 0.0) / (n - 3)
        se = np.sqrt(sigma2 * (1.0 / x.shape[1] + 1.0 / y.shape[1] + (bx - by) ** 2 / s_bb))
        t = effect / se
    return effect, t, float(n - 3)
