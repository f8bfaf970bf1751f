"""Logistic regression fitted to many simulated trials at once (batched Newton-Raphson / IRLS).

Every trial has its own design matrix ``X[t]`` (``n x k``) and binary outcome
``y[t]``. Newton steps are taken for all trials still iterating, each solving
its own ``k x k`` system; a trial stops when its largest step is below
``tol``. The coefficients, their standard errors (inverse observed
information at the estimate) and Wald p-values agree with statsmodels
``Logit(y, X).fit()`` to 1e-6 (checked per trial in the tests).

A trial is *not estimable*, and reported as such rather than given numbers,
when maximum likelihood has no finite answer or was not found:

- separation: a linear predictor beyond +-30 (a fitted probability within
  1e-13 of 0 or 1) at an iterate; this is complete or quasi-complete
  separation, e.g. no responder at all in one arm;
- a singular information matrix (the same, numerically, or a covariate
  without variation);
- no convergence within ``max_iter`` steps.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["fit_logistic"]

#: Largest |linear predictor| before a trial is declared separated.
ETA_LIMIT = 30.0


def fit_logistic(X: np.ndarray, y: np.ndarray, *, tol: float = 1e-10,
                 max_iter: int = 30) -> dict[str, np.ndarray]:
    """Maximum likelihood logistic regression of every trial.

    Parameters
    ----------
    X : ndarray, shape (trials, n, k)
        Design matrices (with the intercept column).
    y : ndarray, shape (trials, n)
        Outcomes, 0 or 1.
    tol : float
        A trial has converged when its largest Newton step is below this.
    max_iter : int

    Returns
    -------
    dict
        ``params`` and ``bse`` (trials, k), Wald ``pvalues`` (two-sided, from
        the normal), ``estimable`` (bool, trials) and ``iterations``. Rows
        not estimable hold NaN.

    Examples
    --------
    >>> X = np.array([[[1, 0], [1, 0], [1, 0], [1, 1], [1, 1], [1, 1]]], dtype=float)
    >>> fit = fit_logistic(X, np.array([[0, 0, 1, 1, 1, 0]], dtype=float))
    >>> fit["params"].round(4), bool(fit["estimable"][0])
    (array([[-0.6931,  1.3863]]), True)
    """
    trials, _, k = X.shape
    y = np.asarray(y, dtype=float)
    beta = np.zeros((trials, k))
    converged = np.zeros(trials, dtype=bool)
    failed = np.zeros(trials, dtype=bool)
    iterations = np.zeros(trials, dtype=int)
    active = np.arange(trials)
    for it in range(max_iter):
        if not len(active):
            break
        Xa = X[active]
        info, score, eta = _information(Xa, y[active], beta[active])
        bad = (np.abs(eta) > ETA_LIMIT).any(axis=1) | ~_invertible(info)
        good = ~bad
        step = np.linalg.solve(info[good], score[good][..., None])[..., 0]
        rows = active[good]
        beta[rows] += step
        iterations[active] = it + 1
        done = np.abs(step).max(axis=1) < tol
        converged[rows[done]] = True
        failed[active[bad]] = True
        active = rows[~done]
    ok = converged & ~failed
    idx = np.nonzero(ok)[0]
    params = np.full((trials, k), np.nan)
    bse = np.full((trials, k), np.nan)
    if len(idx):
        info, _, eta = _information(X[idx], y[idx], beta[idx])
        sane = (np.abs(eta) <= ETA_LIMIT).all(axis=1) & _invertible(info)
        ok[idx[~sane]] = False
        idx, info = idx[sane], info[sane]
        params[idx] = beta[idx]
        bse[idx] = np.sqrt(np.diagonal(np.linalg.inv(info), axis1=1, axis2=2))
    with np.errstate(invalid="ignore"):
        pvalues = 2.0 * special.ndtr(-np.abs(params / bse))
    return {"params": params, "bse": bse, "pvalues": pvalues, "estimable": ok,
            "iterations": iterations}


def _information(X: np.ndarray, y: np.ndarray, beta: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    eta = np.einsum("tnk,tk->tn", X, beta)
    mu = special.expit(eta)
    w = mu * (1.0 - mu)
    info = np.matmul(X.transpose(0, 2, 1), X * w[..., None])
    score = np.einsum("tnk,tn->tk", X, y - mu)
    return info, score, eta


def _invertible(info: np.ndarray) -> np.ndarray:
    """Information matrices safely invertible: relative determinant above 1e-12."""
    scale = np.prod(np.diagonal(info, axis1=1, axis2=2), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.linalg.det(info) / scale
    return np.isfinite(rel) & (rel > 1e-12)
