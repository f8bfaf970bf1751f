"""The (penalised) log-likelihood of logistic regression and its maximisation.

Maximum likelihood and Firth's penalised likelihood ``l(b) + 0.5 log det I(b)``
(the full-model penalty, as R's ``logistf``), maximised over any subset of the
coefficients with the others held fixed: Newton-Raphson (Fisher scoring) with
step halving, finished for Firth by BFGS on the exact gradient (the modified
score). Written here because statsmodels' ``Logit`` has no Firth penalty and
no constrained fits; the profile likelihood (:mod:`._profile`) builds on it.

Examples
--------
>>> import numpy as np
>>> X = np.column_stack([np.ones(8), np.arange(8.0)])
>>> y = np.array([0, 0, 1, 0, 1, 0, 1, 1.0])
>>> beta, ll, converged = newton(X, y, np.zeros(2), False, np.arange(2))
>>> converged, bool(free_score(X, y, beta, False, np.arange(2)) < 1e-6)
(True, True)
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special

__all__ = ["loglik", "newton", "modified_score", "free_score", "scaled_columns"]

_TOL = 1e-10


def scaled_columns(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``X`` with each column divided by its root mean square, and those scales.

    The fits run on the scaled matrix (coefficients of comparable size); a
    coefficient of ``X`` is the scaled one divided by its scale.
    """
    scale = np.sqrt(np.mean(X ** 2, axis=0))
    scale[scale == 0] = 1.0
    return X / scale, scale


def loglik(X: np.ndarray, y: np.ndarray, beta: np.ndarray, firth: bool) -> float:
    """Log-likelihood at ``beta``; with ``firth`` plus ``0.5 log det I(beta)`` (-inf if singular)."""
    eta = X @ beta
    ll = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
    if firth:
        p = special.expit(eta)
        w = p * (1 - p)
        with np.errstate(divide="ignore"):  # a singular information: -inf, refused below
            sign, logdet = np.linalg.slogdet((X * w[:, None]).T @ X)
        ll += 0.5 * logdet if sign > 0 else -np.inf
    return ll


def newton(X: np.ndarray, y: np.ndarray, beta: np.ndarray, firth: bool,
            free: np.ndarray, max_iter: int = 200) -> tuple[np.ndarray, float, bool]:
    """Maximise the (penalised) log-likelihood over the ``free`` coefficients."""
    beta = beta.copy()
    current = loglik(X, y, beta, firth)
    scoring_steps = min(max_iter, 30) if firth else max_iter
    block = np.ix_(free, free)  # the information of the free coefficients
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
        sub = info[block]
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
            value = loglik(X, y, cand, firth)
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


def modified_score(X: np.ndarray, y: np.ndarray, beta: np.ndarray) -> np.ndarray:
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
        value = loglik(X, y, full(b), True)
        if not np.isfinite(value):
            return 1e300, np.zeros_like(b)
        return -value, -modified_score(X, y, full(b))[free]

    res = optimize.minimize(objective, beta[free], jac=True, method="BFGS",
                            options={"gtol": 1e-9, "maxiter": 1000})
    final = full(res.x)
    return final, loglik(X, y, final, True), bool(res.success)


def free_score(X: np.ndarray, y: np.ndarray, beta: np.ndarray, firth: bool,
                free: np.ndarray) -> float:
    """Largest absolute (modified) score over the ``free`` coefficients."""
    score = modified_score(X, y, beta) if firth else X.T @ (y - special.expit(X @ beta))
    return float(np.max(np.abs(score[free]), initial=0.0))

