"""Firth's penalised logistic regression for many small data sets at once.

The predictor model of an analysis plan (``logistic-predictors``) fits, in a
trial of some 27 treated participants, Firth's penalised likelihood
``l(b) + 0.5 log det I(b)`` and tests each coefficient by the penalised
likelihood-ratio statistic with the full model's penalty (as R's
``logistf`` and :func:`t1dtrial.stats.logistic_regression` do). Calibration
needs that fit on thousands of simulated trials, so it is vectorised here
across trials: ``X`` is (trials, n, k) with an intercept column, ``y`` is
(trials, n). Newton-Raphson on the modified score ``X'(y - p + h (1/2 - p))``
with step halving; a constrained fit holds one coefficient at 0 and moves
the others. The statistics layer is not imported here (``simulate`` sits
below it); a test checks these numbers against it.

Examples
--------
>>> import numpy as np
>>> x = np.arange(8.0)
>>> X = np.stack([np.ones(8), x - x.mean()], axis=1)[None]
>>> y = np.array([[0, 0, 1, 0, 1, 0, 1, 1.0]])
>>> beta, p = firth_fit_and_p(X, y)
>>> bool(beta[0, 1] > 0), bool(0 < p[0, 1] < 1)
(True, True)
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

__all__ = ["firth_fit_and_p"]


def _penalised_loglik(X: np.ndarray, y: np.ndarray, beta: np.ndarray) -> np.ndarray:
    eta = np.einsum("tnk,tk->tn", X, beta)
    ll = np.sum(y * eta - np.logaddexp(0.0, eta), axis=1)
    p = special.expit(eta)
    w = p * (1 - p)
    sign, logdet = np.linalg.slogdet(np.einsum("tnk,tn,tnj->tkj", X, w, X))
    return np.where(sign > 0, ll + 0.5 * logdet, -np.inf)


def _maximise(X: np.ndarray, y: np.ndarray, beta: np.ndarray, free: np.ndarray,
              iterations: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Maximise the penalised log-likelihood over the ``free`` coefficients (a bool mask)."""
    beta = beta.copy()
    current = _penalised_loglik(X, y, beta)
    k = X.shape[2]
    fixed = ~free
    eye = np.eye(k)
    for _ in range(iterations):
        eta = np.einsum("tnk,tk->tn", X, beta)
        p = special.expit(eta)
        w = p * (1 - p)
        info = np.einsum("tnk,tn,tnj->tkj", X, w, X)
        inv = np.linalg.inv(info + eye * 1e-12)
        h = w * np.einsum("tnj,tjk,tnk->tn", X, inv, X)
        score = np.einsum("tnk,tn->tk", X, y - p + h * (0.5 - p))
        score[:, fixed] = 0.0
        # Newton step on the free block: the fixed rows and columns are replaced by the identity
        sub = info.copy()
        sub[:, fixed, :] = 0.0
        sub[:, :, fixed] = 0.0
        sub[:, fixed, fixed] = 1.0
        step = np.linalg.solve(sub, score[..., None])[..., 0]
        size = np.ones(beta.shape[0])
        moved = np.zeros(beta.shape[0], dtype=bool)
        for _halving in range(25):  # step halving until the penalised likelihood does not fall
            trial = beta + step * size[:, None]
            value = _penalised_loglik(X, y, trial)
            ok = ~moved & (value >= current - 1e-12)
            beta[ok], current[ok] = trial[ok], value[ok]
            moved |= ok
            if moved.all():
                break
            size = np.where(moved, size, size / 2)
        if np.max(np.abs(score)) < 1e-9:
            break
    return beta, current


def firth_fit_and_p(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Firth estimates and penalised likelihood-ratio p-values of every coefficient.

    Parameters
    ----------
    X : ndarray (trials, n, k)
        Model matrices, the first column the intercept.
    y : ndarray (trials, n)
        0/1 outcomes.

    Returns
    -------
    (ndarray (trials, k), ndarray (trials, k))
        Coefficients, and the p-value of each coefficient being 0 (chi-square
        with 1 degree of freedom on twice the drop of the penalised
        log-likelihood, the full model's penalty kept).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.stack([np.ones(6), [-2.5, -1.5, -.5, .5, 1.5, 2.5]], axis=1)[None]
    >>> beta, p = firth_fit_and_p(X, np.array([[0, 0, 0, 1, 1, 1.0]]))
    >>> bool(np.isfinite(beta).all())  # finite under complete separation
    True
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    k = X.shape[2]
    beta, full = _maximise(X, y, np.zeros(X.shape[0:1] + (k,)), np.ones(k, dtype=bool))
    p = np.full_like(beta, np.nan)
    for j in range(k):
        free = np.ones(k, dtype=bool)
        free[j] = False
        start = beta.copy()
        start[:, j] = 0.0
        _, constrained = _maximise(X, y, start, free)
        statistic = np.maximum(2.0 * (full - constrained), 0.0)
        p[:, j] = stats.chi2.sf(statistic, 1)
    return beta, p
