"""Logistic regression: maximum likelihood or Firth's penalised likelihood.

:func:`logistic_regression` fits ``outcome ~ predictors`` and returns one row a
term with profile-likelihood confidence intervals and likelihood-ratio
p-values. With ``method="auto"`` (the default) it first looks for separation
(:func:`detect_separation`); when the outcome is completely or
quasi-completely separated, maximum-likelihood estimates do not exist and
Firth's penalised likelihood is used instead, with a
:class:`t1dtrial.errors.SeparationWarning` and the ``method`` column saying so.

The fitting and the profile likelihood are written here rather than taken from
a library: statsmodels' ``Logit`` has neither Firth's penalty nor profile
intervals, scipy has optimisers only, and no Python package profiles Firth's
penalised likelihood with the full-model penalty (R's ``logistf`` does). That
profile needs care: ``l(b) + 0.5 log det I(b)`` is not concave, so with one
coefficient held fixed the others can have several local maxima, and a fit
warm-started from the previous profile point can stop at the wrong one (on a
completely separated data set this moved an upper limit from 4.58 to 3.73).
Each profile point is therefore maximised from several starts (see
:class:`_Profile`), and the limits are checked with all of them.

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"y": [0, 0, 0, 1, 0, 1, 1, 1],
...                   "dose": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]})
>>> r = logistic_regression(d, outcome="y", predictors=["dose"])
>>> list(r.term)
['(Intercept)', 'dose']
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from ..errors import SeparationWarning
from ._common import (check_choice, check_columns_arg, check_conf_level, check_frame, fail,
                      not_estimable, numerical_trouble, result_frame)
from ._design import DesignBuilder

__all__ = ["logistic_regression", "detect_separation", "Separation"]

_TOL = 1e-10


# --------------------------------------------------------------------------- separation
@dataclass(frozen=True)
class Separation:
    """Result of :func:`detect_separation`.

    Attributes
    ----------
    separated : bool
        True when maximum-likelihood estimates do not exist.
    kind : {"none", "quasi-complete", "complete"}
        Complete: a linear combination of the predictors classifies every
        subject correctly; quasi-complete: correctly with some ties on the
        boundary.
    terms : tuple of str
        Terms whose maximum-likelihood estimate is infinite: those that some
        separating direction moves (found by maximising and minimising each
        coefficient over the cone of separating directions).
    """

    separated: bool
    kind: str
    terms: tuple[str, ...]


def _separation(X: np.ndarray, y: np.ndarray, names: Sequence[str]) -> Separation:
    """Linear-programming check of Konis (2007) on a scaled model matrix."""
    scale = np.abs(X).max(axis=0)
    scale[scale == 0] = 1.0
    Xt = (X / scale) * (2 * y - 1)[:, None]
    p = X.shape[1]
    # maximise sum(Xt b) subject to Xt b >= 0, -1 <= b <= 1
    res = optimize.linprog(-Xt.sum(axis=0), A_ub=-Xt, b_ub=np.zeros(len(y)),
                           bounds=[(-1, 1)] * p, method="highs")
    if res.status != 0 or -res.fun <= 1e-7 * len(y):
        return Separation(False, "none", ())
    # a term is infinite when some separating direction moves it: extremes of each b_j
    infinite = np.abs(res.x) > 1e-7
    for j in np.flatnonzero(~infinite):
        for sign in (1.0, -1.0):
            c = np.zeros(p)
            c[j] = -sign
            rj = optimize.linprog(c, A_ub=-Xt, b_ub=np.zeros(len(y)), bounds=[(-1, 1)] * p,
                                  method="highs")
            if rj.status == 0 and -rj.fun > 1e-7:
                infinite[j] = True
                break
    terms = tuple(n for n, flag in zip(names, infinite) if flag)
    # complete separation: some b with Xt b >= t > 0 for every subject
    c = np.zeros(p + 1)
    c[-1] = -1.0
    A = np.hstack([-Xt, np.ones((len(y), 1))])
    res2 = optimize.linprog(c, A_ub=A, b_ub=np.zeros(len(y)),
                            bounds=[(-1, 1)] * p + [(0, 1)], method="highs")
    complete = res2.status == 0 and -res2.fun > 1e-9
    return Separation(True, "complete" if complete else "quasi-complete", terms)


def detect_separation(data: pd.DataFrame, *, outcome: str, predictors: Sequence[str]) -> Separation:
    """Detect complete or quasi-complete separation of a binary outcome.

    Parameters
    ----------
    data : pandas.DataFrame
        One row a subject; rows with a missing value in a used column are dropped.
    outcome : str
        Binary column (0/1 or False/True).
    predictors : sequence of str
        Predictor columns (numeric, or factors for text/category/boolean).

    Returns
    -------
    Separation

    Notes
    -----
    Solves the linear program of Konis (2007), as R's
    ``glm(..., method = brglm2::detect_separation)``: maximum-likelihood
    estimates exist if and only if no non-zero direction ``b`` satisfies
    ``(2 y_i - 1) x_i' b >= 0`` for every subject.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [0, 0, 1, 1], "x": [1.0, 2.0, 3.0, 4.0]})
    >>> detect_separation(d, outcome="y", predictors=["x"]).kind
    'complete'
    """
    X, y, names, _ = _prepare("detect_separation", data, outcome, predictors)
    return _separation(X, y, names)


# --------------------------------------------------------------------------- fitting
def _loglik(X: np.ndarray, y: np.ndarray, beta: np.ndarray, firth: bool) -> float:
    eta = X @ beta
    ll = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
    if firth:
        p = special.expit(eta)
        w = p * (1 - p)
        with np.errstate(divide="ignore"):  # a singular information: -inf, refused below
            sign, logdet = np.linalg.slogdet((X * w[:, None]).T @ X)
        ll += 0.5 * logdet if sign > 0 else -np.inf
    return ll


def _newton(X: np.ndarray, y: np.ndarray, beta: np.ndarray, firth: bool,
            free: np.ndarray, max_iter: int = 200) -> tuple[np.ndarray, float, bool]:
    """Maximise the (penalised) log-likelihood over the ``free`` coefficients."""
    beta = beta.copy()
    current = _loglik(X, y, beta, firth)
    scoring_steps = min(max_iter, 30) if firth else max_iter
    for _ in range(scoring_steps):
        p = special.expit(X @ beta)
        w = p * (1 - p)
        info = (X * w[:, None]).T @ X
        resid = y - p
        if firth:
            try:
                inv = np.linalg.inv(info)
            except np.linalg.LinAlgError:
                inv = np.linalg.pinv(info)
            h = w * np.einsum("ij,jk,ik->i", X, inv, X)
            resid = resid + h * (0.5 - p)
        score = X.T @ resid
        sub = info[np.ix_(free, free)]
        try:
            step_free = np.linalg.solve(sub, score[free])
        except np.linalg.LinAlgError:
            step_free = np.linalg.lstsq(sub, score[free], rcond=None)[0]
        if np.max(np.abs(score[free]), initial=0.0) < 1e-9:
            return beta, current, True
        step = np.zeros_like(beta)
        step[free] = step_free
        factor = 1.0
        accepted = False
        for _ in range(50):
            cand = beta + factor * step
            value = _loglik(X, y, cand, firth)
            if value >= current - 1e-13 * max(1.0, abs(current)):
                accepted = True
                break
            factor /= 2
        if not accepted:
            return beta, current, False
        moved = np.max(np.abs(factor * step_free), initial=0.0)
        beta, current = cand, value
        if moved < _TOL:
            return beta, current, True
    if not firth:
        return beta, current, False
    # Fisher scoring ignores the curvature of the penalty and can crawl far
    # from the maximum: finish with BFGS on the exact gradient (the modified score)
    return _bfgs(X, y, beta, free)


def _score(X: np.ndarray, y: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Firth's modified score ``X'(y - p + h (1/2 - p))``: the gradient of the penalised log-likelihood."""
    p = special.expit(X @ beta)
    w = p * (1 - p)
    inv = np.linalg.pinv((X * w[:, None]).T @ X)
    h = w * np.einsum("ij,jk,ik->i", X, inv, X)
    return X.T @ (y - p + h * (0.5 - p))


def _bfgs(X: np.ndarray, y: np.ndarray, beta: np.ndarray, free: np.ndarray):
    base = beta.copy()

    def full(b):
        out = base.copy()
        out[free] = b
        return out

    def objective(b):
        value = _loglik(X, y, full(b), True)
        if not np.isfinite(value):
            return 1e300, np.zeros_like(b)
        return -value, -_score(X, y, full(b))[free]

    res = optimize.minimize(objective, beta[free], jac=True, method="BFGS",
                            options={"gtol": 1e-9, "maxiter": 1000})
    final = full(res.x)
    return final, _loglik(X, y, final, True), bool(res.success)


def _free_score(X: np.ndarray, y: np.ndarray, beta: np.ndarray, firth: bool,
                free: np.ndarray) -> float:
    """Largest absolute (modified) score over the ``free`` coefficients."""
    score = _score(X, y, beta) if firth else X.T @ (y - special.expit(X @ beta))
    return float(np.max(np.abs(score[free]), initial=0.0))


def _scatter(centre: np.ndarray, se: np.ndarray, free: np.ndarray) -> list[np.ndarray]:
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


def _best_fit(X: np.ndarray, y: np.ndarray, fixed: np.ndarray, free: np.ndarray,
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
        if not np.isfinite(_loglik(X, y, st, firth)):
            continue
        beta, ll, _ = _newton(X, y, st, firth, free)
        if (ll > best_ll and np.all(np.isfinite(beta))
                and _free_score(X, y, beta, firth, free) < 1e-6):
            best, best_ll = beta, ll
    return best, best_ll


class _Profile:
    """Profile of coefficient ``j``: at each value ``b`` the (penalised)
    log-likelihood maximised over the other coefficients.

    The log-likelihood is concave, so one warm-started fit finds the constrained
    maximum. Firth's penalised likelihood with the full-model penalty is not: a
    fit can stop at a local maximum. Each value is then maximised from several
    starts (the last solution, the estimate with ``b`` substituted, zeros, the
    solutions at the two nearest profile points already computed on either side,
    and on request :func:`_scatter`'s starts around the estimate), keeping the
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

        Starts: the last solution, and for Firth the nearest solutions on either
        side; with ``scatter`` (Firth only) also the estimate, zeros, the second
        nearest solutions and :func:`_scatter`'s starts around the estimate. The
        drop is an upper bound of the global one: a value at or below the target
        is certain, one above it is worth ``scatter``.
        """
        starts = [self.warm] + (self._neighbours(b, 1) if self.firth else [])
        if self.firth and scatter:
            starts += ([self.beta_hat, np.zeros_like(self.beta_hat)] + self._neighbours(b, 2)
                       + _scatter(self.beta_hat, self.se, self.free))
        fixed = np.zeros_like(self.beta_hat)
        fixed[self.j] = b
        best, ll = _best_fit(self.X, self.y, fixed, self.free, starts, self.firth)
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


def _profile_limit(X, y, j, beta_hat, ll_max, target, firth, se, direction) -> float:
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
    prof = _Profile(X, y, j, beta_hat, ll_max, firth, se)
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
            root = _bracketed_root(f, inner, outer)
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


def _bracketed_root(f, inner: float, outer: float) -> float:
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


def _fit_table(X, y, names, conf_level, firth, diverging=False,
               function="logistic_regression") -> tuple[list[dict], bool]:
    p = X.shape[1]
    all_free = np.arange(p)
    beta, ll_max, converged = _newton(X, y, np.zeros(p), firth, all_free, max_iter=500)
    if not (converged or diverging):
        _check_maximum(function, X, y, beta, firth)
        converged = True
    prob = special.expit(X @ beta)
    info = (X * (prob * (1 - prob))[:, None]).T @ X
    cov = np.linalg.pinv(info)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    target = float(stats.chi2.ppf(conf_level, 1))
    rows = []
    for j, name in enumerate(names):
        if diverging:
            # maximum likelihood under separation: the estimates and any profile diverge
            low, high = _diverging_limit(X, y, j, beta, ll_max, target, se[j])
            ll0 = _diverging_fit(X, y, j, beta, 0.0)
        else:
            low = _profile_limit(X, y, j, beta, ll_max, target, firth, se, -1)
            high = _profile_limit(X, y, j, beta, ll_max, target, firth, se, +1)
            prof = _Profile(X, y, j, beta, ll_max, firth, se)
            d0 = prof.drop(0.0, scatter=True)
            ll0 = ll_max - d0 / 2
        lr = max(2 * (ll_max - ll0), 0.0) if np.isfinite(ll0) else np.nan
        rows.append({"term": name, "estimate": float(beta[j]), "ci_low": low, "ci_high": high,
                     "p_value": float(stats.chi2.sf(lr, 1)) if np.isfinite(lr) else np.nan,
                     "se": float(se[j]), "statistic": lr})
    # under separation the iterations stop where the likelihood is flat: not a maximum
    return rows, bool(converged) and not diverging


def _diverging_fit(X, y, j, beta, b) -> float:
    """Constrained log-likelihood after the iterations (maximum likelihood, separated data)."""
    free = np.array([k for k in range(X.shape[1]) if k != j], dtype=int)
    start = beta.copy()
    start[j] = b
    return _newton(X, y, start, False, free)[1]


def _diverging_limit(X, y, j, beta, ll_max, target, se) -> tuple[float, float]:
    """Profile limits of a maximum-likelihood fit whose estimates diverge (as reported
    with the SeparationWarning): warm-started scan and root without a convergence check."""
    step = max(se, 1e-3) if np.isfinite(se) else 1.0
    out = []
    for direction in (-1, 1):
        def f(v):
            return 2 * (ll_max - _diverging_fit(X, y, j, beta, v)) - target
        inner, limit = beta[j], float(direction * np.inf)
        for g in _SCAN:
            outer = beta[j] + direction * g * step
            if f(outer) > 0:
                limit = _bracketed_root(f, inner, outer)
                break
            inner = outer
        out.append(limit)
    return out[0], out[1]


def _check_maximum(function: str, X: np.ndarray, y: np.ndarray, beta: np.ndarray,
                   firth: bool) -> None:
    """Raise an EstimationError unless ``beta`` is a maximum (its (modified) score is ~0).

    The optimiser's own flag is not enough: BFGS reports "precision loss" at
    a maximum it cannot improve on; the score says whether it is one.
    """
    with numerical_trouble(function, "the logistic fit"):
        score = _score(X, y, beta) if firth else X.T @ (y - special.expit(X @ beta))
    if not (np.all(np.isfinite(beta)) and np.max(np.abs(score)) < 1e-6):
        fit = "Firth's penalised likelihood" if firth else "maximum likelihood"
        raise not_estimable(function, "data", f"{len(y)} rows",
                            f"the logistic model did not converge ({fit}; largest score "
                            f"{np.max(np.abs(score)):.2g})", "more subjects or fewer predictors")


def _prepare(fn: str, data: pd.DataFrame, outcome: str, predictors: Sequence[str]):
    preds = check_columns_arg(fn, "predictors", predictors)
    frame = check_frame(fn, data, [outcome] + preds)[[outcome] + preds].dropna()
    yv = frame[outcome]
    if pd.api.types.is_bool_dtype(yv):
        yv = yv.astype(int)
    values = set(pd.unique(yv))
    if not values <= {0, 1} or not pd.api.types.is_numeric_dtype(yv):
        raise fail(fn, "outcome", ", ".join(map(str, sorted(values, key=str))),
                   "not a binary outcome", "values 0 and 1 (or False and True)")
    if len(values) < 2:
        problem = (f"only one outcome value among the analysed rows (all {int(min(values))})"
                   if values else "no analysed rows (each misses the outcome or a predictor)")
        raise not_estimable(fn, "outcome", outcome, problem, "both 0 and 1 present")
    builder = DesignBuilder(frame, preds)
    X = np.column_stack([np.ones(len(frame)), builder.matrix])
    names = ["(Intercept)"] + builder.names
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise not_estimable(fn, "predictors", ", ".join(preds),
                            "the model matrix is not of full rank "
                            "(a predictor is constant or collinear)",
                            "predictors that vary and are not collinear")
    return X, yv.to_numpy(dtype=float), names, len(frame)


def logistic_regression(data: pd.DataFrame, *, outcome: str, predictors: Sequence[str],
                        method: str = "auto", conf_level: float = 0.95) -> pd.DataFrame:
    """Logistic regression with profile-likelihood intervals and likelihood-ratio tests.

    Parameters
    ----------
    data : pandas.DataFrame
        One row a subject. Rows with a missing value in a used column are
        dropped (complete cases); ``n`` counts the rows used.
    outcome : str
        Binary outcome column (0/1 or False/True).
    predictors : sequence of str
        Predictor columns; numeric columns enter linearly, text, category or
        boolean columns as factors (treatment coding, first sorted level as
        reference, terms named ``column[level]``).
    method : {"auto", "ml", "firth"}, default "auto"
        ``"ml"``: maximum likelihood. ``"firth"``: Firth's penalised likelihood
        ``l(b) + 0.5 log det I(b)`` (the Jeffreys-prior penalty; mean-bias
        reducing). ``"auto"``: maximum likelihood unless
        :func:`detect_separation` finds separation, then Firth with a
        :class:`~t1dtrial.errors.SeparationWarning`.
    conf_level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row a term (``"(Intercept)"`` first): ``term, estimate`` (log odds
        ratio), ``ci_low, ci_high`` (profile (penalised) likelihood interval),
        ``p_value`` ((penalised) likelihood-ratio test of the term being 0),
        ``method``, ``n``, then ``se`` (Wald, from the information at the
        estimate), ``statistic`` (the LR chi-square), ``odds_ratio``,
        ``or_ci_low``, ``or_ci_high``.

    Notes
    -----
    1. Newton-Raphson with step halving; for Firth the modified score
       ``X'(y - p + h (1/2 - p))`` with ``h`` the hat-matrix diagonal
       (Firth 1993; Heinze & Schemper 2002).
    2. Profile interval of term ``j``: the values ``b`` where
       ``2 (l_max - max_{other terms} l(b_j = b)) = chi2_1(conf_level)``, with
       the other coefficients re-maximised at each ``b`` (Venzon & Moolgavkar
       1988); for Firth the penalty is that of the full model throughout, as
       R's ``logistf``, and the maximum at each ``b`` is the best of fits from
       several starts (the penalised likelihood can have local maxima there).
       The confidence set ``{b : drop(b) <= chi2_1(conf_level)}`` need not be
       an interval when the profile is not monotone; the limits are the
       outermost crossings found by scanning outwards from the estimate (at
       0.5, 1, 1.5, 2, 3, 4, 6, ... standard errors, until the drop is above
       the target at two successive points and rising), so the interval covers
       every part of the set the scan sees. An interval that never reaches the
       target is infinite on that side; a limit or p-value whose constrained
       fit reaches no maximum from any start is missing (NaN) and the
       ``method`` column names the term.
    3. p-value: the same (penalised) likelihood-ratio statistic at ``b = 0``.
    4. With ``method="ml"`` and separation the estimates diverge; a
       SeparationWarning says so and the numbers are those after the last
       iteration.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [0, 0, 0, 0, 1, 1, 1, 1], "dose": [1.0, 2, 3, 4, 5, 6, 7, 8]})
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     r = logistic_regression(d, outcome="y", predictors=["dose"])
    >>> r.method[0].startswith("Firth")
    True
    """
    fn = "logistic_regression"
    level = check_conf_level(fn, conf_level)
    check_choice(fn, "method", method, ["auto", "ml", "firth"])
    X, y, names, n = _prepare(fn, data, outcome, predictors)
    sep = _separation(X, y, names) if method != "firth" else None
    firth = method == "firth"
    note = ""
    if sep is not None and sep.separated:
        where = ", ".join(t for t in sep.terms) or "the model"
        if method == "auto":
            firth = True
            note = f"; switched from maximum likelihood: {sep.kind} separation ({where})"
            warnings.warn(f"{sep.kind} separation of '{outcome}' by {where}: maximum-likelihood "
                          "estimates do not exist; Firth's penalised likelihood was used instead",
                          SeparationWarning, stacklevel=2)
        else:
            warnings.warn(f"{sep.kind} separation of '{outcome}' by {where}: maximum-likelihood "
                          "estimates do not exist and those reported diverge; use method='firth' "
                          "or method='auto'", SeparationWarning, stacklevel=2)
    with numerical_trouble(fn, "the logistic fit"):
        rows, _ = fit_rows(X, y, names, level, firth,
                           diverging=bool(sep is not None and sep.separated and not firth))
    label = ("Firth penalised-likelihood logistic regression; profile penalised-likelihood CI; "
             "penalised LR test" if firth else
             "logistic regression (maximum likelihood); profile-likelihood CI; LR test") + note
    label += profile_note(rows)
    for r in rows:
        r["method"] = label
        r["n"] = n
        r["odds_ratio"] = float(np.exp(r["estimate"]))
        r["or_ci_low"] = float(np.exp(r["ci_low"]))
        r["or_ci_high"] = float(np.exp(r["ci_high"]))
    return result_frame(rows, extra=["se", "statistic", "odds_ratio", "or_ci_low", "or_ci_high"])


def profile_note(rows: Sequence[dict]) -> str:
    """Method-text note naming the terms whose profile limit or p-value is missing
    because a constrained fit reached no maximum from any start ("" when none)."""
    missing = [r["term"] for r in rows
               if any(np.isnan(r[k]) for k in ("ci_low", "ci_high", "p_value"))]
    if not missing:
        return ""
    return ("; profile limit or p-value not estimable for " + ", ".join(missing)
            + " (the constrained fit reached no maximum from any start)")


def fit_rows(X: np.ndarray, y: np.ndarray, names: Sequence[str], conf_level: float,
             firth: bool, *, diverging: bool = False,
             function: str = "logistic_regression") -> tuple[list[dict], bool]:
    """Fit on a model matrix (columns rescaled internally): one dict a term, and convergence.

    Raises an EstimationError (naming ``function``) when the fit does not
    reach a maximum, unless ``diverging`` says the maximum-likelihood
    estimates are known not to exist (separation with ``method="ml"``); the
    second value is False then. A profile limit or p-value whose constrained
    fit reaches no maximum from any start is NaN.
    """
    scale = np.sqrt(np.mean(X ** 2, axis=0))
    scale[scale == 0] = 1.0
    rows, converged = _fit_table(X / scale, y, names, conf_level, firth, diverging, function)
    for r, s in zip(rows, scale):
        for key in ("estimate", "ci_low", "ci_high", "se"):
            r[key] = r[key] / s
    return rows, converged


def lr_test(X: np.ndarray, y: np.ndarray, fixed: Sequence[int], firth: bool) -> float:
    """(Penalised) likelihood-ratio statistic for the coefficients ``fixed`` being 0.

    The constrained fit keeps the full model's penalty (as ``logistf``), so
    the statistic is the drop ``2 (l_max - l_0)`` of one objective; under
    Firth it is maximised from several starts (zeros, the estimate with the
    ``fixed`` coefficients at 0, scattered starts around it). NaN when the
    constrained fit reaches no maximum.
    """
    scale = np.sqrt(np.mean(X ** 2, axis=0))
    scale[scale == 0] = 1.0
    Xs = X / scale
    p = X.shape[1]
    beta, ll_max, _ = _newton(Xs, y, np.zeros(p), firth, np.arange(p), 500)
    free = np.array([k for k in range(p) if k not in set(fixed)], dtype=int)
    starts = [np.zeros(p), beta]
    if firth:
        prob = special.expit(Xs @ beta)
        se = np.sqrt(np.clip(np.diag(np.linalg.pinv((Xs * (prob * (1 - prob))[:, None]).T @ Xs)),
                             0, None))
        starts += _scatter(beta, se, free)
    _, ll0 = _best_fit(Xs, y, np.zeros(p), free, starts, firth)
    return max(2 * (ll_max - ll0), 0.0) if np.isfinite(ll0) else np.nan
