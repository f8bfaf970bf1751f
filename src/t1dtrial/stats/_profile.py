"""Profile (penalised) likelihood of one logistic coefficient: limits at the global maximum.

At each value ``b`` of coefficient ``j`` the other coefficients are
re-maximised (Venzon & Moolgavkar 1988). The log-likelihood is concave, so
one warm-started fit finds the constrained maximum. Firth's penalised
likelihood is not: with one coefficient held fixed the others can have several
local maxima, and a fit warm-started from the previous profile point can stop
at the wrong one (on a completely separated data set this moved an upper
limit from 4.58 to 3.73). Each profile point is therefore maximised from
several starts (:class:`Profile`), and each limit is checked with all of them.
No Python package profiles Firth's penalised likelihood; R's ``logistf`` does.

Examples
--------
>>> import numpy as np
>>> from ._likelihood import newton
>>> X = np.column_stack([np.ones(8), np.arange(8.0) - 3.5])
>>> y = np.array([0, 0, 1, 0, 1, 0, 1, 1.0])
>>> beta, ll, _ = newton(X, y, np.zeros(2), False, np.arange(2))
>>> se = np.array([0.8, 0.35])
>>> low = profile_limit(X, y, 1, beta, ll, 3.841458820694124, False, se, -1)
>>> bool(low < beta[1])
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import optimize

from ._likelihood import free_score, loglik, newton

__all__ = ["Profile", "profile_limit", "bracketed_root", "diverging_fit", "diverging_limit",
           "scattered_starts", "best_fit"]


def scattered_starts(centre: np.ndarray, se: np.ndarray, free: np.ndarray) -> list[np.ndarray]:
    """Deterministic scattered starts: each free coefficient of ``centre`` moved alone
    by +-r, and the corners of the box +-r of the first three free coefficients, with
    r three standard errors clipped to [1, 20] (on the scaled model matrix)."""
    radius = np.clip(3 * np.where(np.isfinite(se), se, 1.0), 1.0, 20.0)
    out = []
    for k in free:
        for sign in (1.0, -1.0):
            s = centre.copy()
            s[k] += sign * radius[k]
            out.append(s)
    corner = free[:3]
    for i in range(2 ** len(corner)):
        s = centre.copy()
        s[corner] += np.array([1.0 if (i >> b) & 1 else -1.0 for b in range(len(corner))]) \
            * radius[corner]
        out.append(s)
    return out


def best_fit(X: np.ndarray, y: np.ndarray, fixed: np.ndarray, free: np.ndarray,
              starts: Sequence[np.ndarray], firth: bool) -> tuple[np.ndarray | None, float]:
    """Maximise over ``free`` from each start (its other coefficients set to ``fixed``'s).

    Returns the best fit whose score over ``free`` is below 1e-6 (a maximum), or
    ``(None, -inf)`` when no start reaches one.
    """
    held = np.setdiff1d(np.arange(X.shape[1]), free)
    best, best_ll, tried = None, -np.inf, []
    for s in starts:
        st = np.array(s, dtype=float)
        st[held] = fixed[held]
        if any(np.max(np.abs(st - t)) < 1e-8 for t in tried):
            continue
        tried.append(st)
        if not np.isfinite(loglik(X, y, st, firth)):
            continue
        beta, ll, _ = newton(X, y, st, firth, free)
        if (ll > best_ll and np.all(np.isfinite(beta))
                and free_score(X, y, beta, firth, free) < 1e-6):
            best, best_ll = beta, ll
    return best, best_ll


class Profile:
    """Profile of coefficient ``j``: at each value ``b`` the (penalised)
    log-likelihood maximised over the other coefficients.

    The log-likelihood is concave, so one warm-started fit finds the constrained
    maximum. Firth's penalised likelihood with the full-model penalty is not: a
    fit can stop at a local maximum. Each value is then maximised from several
    starts (the last solution, the estimate with ``b`` substituted, zeros, the
    solutions at the two nearest profile points already computed on either side,
    and on request :func:`scattered_starts`'s starts around the estimate), keeping the
    best fit that reached a maximum.
    """

    def __init__(self, X, y, j, beta_hat, ll_max, firth, se):
        self.X, self.y, self.j, self.firth = X, y, j, firth
        self.beta_hat, self.ll_max, self.se = beta_hat, ll_max, se
        self.free = np.array([k for k in range(X.shape[1]) if k != j], dtype=int)
        self.solutions: dict[float, np.ndarray] = {float(beta_hat[j]): beta_hat.copy()}
        self.warm = beta_hat.copy()

    def _neighbours(self, b: float, each: int) -> list[np.ndarray]:
        keys = sorted(self.solutions)
        near = [k for k in keys if k < b][-each:] + [k for k in keys if k > b][:each]
        return [self.solutions[k] for k in near]

    def drop(self, b: float, scatter: bool = False) -> float:
        """Twice the drop from the maximum at ``b`` (NaN when no fit reaches a maximum).

        Starts: the last solution (maximum likelihood: then zeros if it reaches no
        maximum), and for Firth the nearest solutions on either side; with ``scatter`` (Firth only) also the estimate, zeros, the second
        nearest solutions and :func:`scattered_starts`'s starts around the estimate. The
        drop is an upper bound of the global one: a value at or below the target
        is certain, one above it is worth ``scatter``.
        """
        starts = [self.warm] + (self._neighbours(b, 1) if self.firth else [])
        if self.firth and scatter:
            starts += ([self.beta_hat, np.zeros_like(self.beta_hat)] + self._neighbours(b, 2)
                       + scattered_starts(self.beta_hat, self.se, self.free))
        fixed = np.zeros_like(self.beta_hat)
        fixed[self.j] = b
        best, ll = best_fit(self.X, self.y, fixed, self.free, starts, self.firth)
        if best is None and not self.firth:
            # the likelihood is concave: a start far from the warm one (whose other
            # coefficients may run off with a nearly separated fit) finds the same maximum
            best, ll = best_fit(self.X, self.y, fixed, self.free,
                                [np.zeros_like(self.beta_hat)], self.firth)
        if best is None:
            return np.nan
        self.warm = best
        self.solutions[float(b)] = best
        return 2 * (self.ll_max - ll)

    def global_drop(self, b: float, target: float) -> float:
        """:meth:`drop`, retried with all starts when it is not certainly within ``target``."""
        d = self.drop(b)
        if self.firth and not d <= target:
            d = self.drop(b, scatter=True)
        return d


class _NoMaximum(Exception):
    """A constrained fit reached no maximum from any start."""


# multiples of the standard error at which the profile is scanned outwards
_SCAN = np.array([0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384,
                  512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 10000])


def profile_limit(X, y, j, beta_hat, ll_max, target, firth, se, direction) -> float:
    """Where twice the (penalised) log-likelihood drop reaches ``target`` on one side.

    The profile is scanned outwards at :data:`_SCAN` standard errors (Firth: all
    starts at each point not certainly inside the confidence set). Maximum
    likelihood stops at the first point above ``target`` (the profile is
    concave); Firth continues until two successive
    points are above ``target`` and the drop increases, and the limit is the
    root in the outermost bracket where the drop crosses ``target`` from below,
    so that the interval covers every value the scan found inside the
    confidence set. The root is then checked with all starts; a better maximum
    moves the bracket. Infinite when the scan never rises above ``target``;
    NaN when a constrained fit reaches no maximum from any start.
    """
    prof = Profile(X, y, j, beta_hat, ll_max, firth, se)
    step = max(se[j], 1e-3) if np.isfinite(se[j]) else 1.0
    centre = float(beta_hat[j])
    prev_b, prev_d, bracket, above = centre, 0.0, None, 0
    for g in _SCAN:
        b = centre + direction * g * step
        d = prof.global_drop(b, target)
        if np.isnan(d):
            return np.nan
        if d > target and prev_d <= target:
            bracket = (prev_b, b)
        above = above + 1 if d > target else 0
        if above and (not firth or (above >= 2 and d > prev_d)):
            break
        prev_b, prev_d = b, d
    else:
        if d <= target:  # the scan ends inside the confidence set
            return float(direction * np.inf)
    if bracket is None:
        return float(direction * np.inf)

    def f(v: float) -> float:
        d = prof.drop(v)
        if np.isnan(d):
            raise _NoMaximum
        return d - target

    inner, outer = bracket
    try:
        for _ in range(10):
            root = bracketed_root(f, inner, outer)
            if not firth:
                return root
            check = prof.drop(root, scatter=True)  # the root with all starts
            if np.isnan(check):
                return np.nan
            if check >= target - 1e-7:
                return root
            inner = root  # a better maximum below the target: the limit is further out
    except _NoMaximum:
        return np.nan
    return np.nan


def bracketed_root(f, inner: float, outer: float) -> float:
    """Root of ``f`` between ``inner`` (<= 0) and ``outer`` (> 0): Brent, else bisection."""
    lo, hi = min(inner, outer), max(inner, outer)
    try:
        return float(optimize.brentq(f, lo, hi, xtol=1e-12, rtol=1e-12, maxiter=200))
    except (ValueError, RuntimeError):
        a, b = inner, outer  # f(a) <= 0 < f(b)
        for _ in range(200):
            mid = (a + b) / 2
            if f(mid) > 0:
                b = mid
            else:
                a = mid
            if abs(b - a) < 1e-12 * max(1.0, abs(a)):
                break
        return float((a + b) / 2)



def diverging_fit(X, y, j, beta, b) -> float:
    """Constrained log-likelihood after the iterations (maximum likelihood, separated data)."""
    free = np.array([k for k in range(X.shape[1]) if k != j], dtype=int)
    start = beta.copy()
    start[j] = b
    return newton(X, y, start, False, free)[1]


def diverging_limit(X, y, j, beta, ll_max, target, se) -> tuple[float, float]:
    """Profile limits of a maximum-likelihood fit whose estimates diverge (as reported
    with the SeparationWarning): warm-started scan and root without a convergence check."""
    step = max(se, 1e-3) if np.isfinite(se) else 1.0
    out = []
    for direction in (-1, 1):
        def f(v):
            return 2 * (ll_max - diverging_fit(X, y, j, beta, v)) - target
        inner, limit = beta[j], float(direction * np.inf)
        for g in _SCAN:
            outer = beta[j] + direction * g * step
            if f(outer) > 0:
                limit = bracketed_root(f, inner, outer)
                break
            inner = outer
        out.append(limit)
    return out[0], out[1]

