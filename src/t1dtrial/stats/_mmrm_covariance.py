"""Within-subject covariance structures of the MMRM and their REML fit.

Each structure maps an unconstrained parameter vector ``theta`` to a positive
definite ``T x T`` covariance over the visits, as nlme parametrises it:

* unstructured — ``corSymm`` + ``varIdent`` (a free covariance; Cholesky factor);
* heterogeneous Toeplitz — ``corARMA(p = T - 1)`` + ``varIdent`` (one standard
  deviation a visit, one correlation a lag; the partial autocorrelations of an
  AR(T - 1) process span every positive definite Toeplitz correlation);
* heterogeneous AR(1) — ``corAR1`` + ``varIdent`` (correlation ``rho^|lag|``);
* heterogeneous compound symmetry — ``corCompSymm`` + ``varIdent``;
* compound symmetry — ``corCompSymm`` (one variance, one correlation, which
  may be negative down to ``-1 / (T - 1)``).

Lags are counted in visit positions (1, 2, ...), as ``form = ~ visit_index | id``.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize
from scipy.linalg import lapack

#: Protocol names of the structures, most general first (the default fallback order).
STRUCTURES = ("unstructured", "heterogeneous-toeplitz", "heterogeneous-ar1",
              "heterogeneous-compound-symmetry", "compound-symmetry")
#: The default sequence tried, in order, when the unstructured covariance cannot be fitted.
DEFAULT_FALLBACK = STRUCTURES[1:]

#: Relative agreement of the -REML objective between restarts that counts as converged.
OBJECTIVE_TOL = 1e-8
#: Relative agreement of the fitted covariance between restarts that counts as converged.
COVARIANCE_TOL = 1e-4
#: Smallest eigenvalue of the correlation matrix at or below which a fit is singular.
SINGULAR = 1e-10
#: Relative step of the numerical Hessian behind the Satterthwaite degrees of freedom.
HESSIAN_STEP = 1e-4
#: Largest |correlation| at or above which a fit is reported as near the boundary.
NEAR_ONE = 1 - 1e-4
#: GLS fits a :class:`Patterns` remembers (the optimisers ask again for covariances they met).
MEMO_SIZE = 512


class Patterns:
    """Subjects grouped by their pattern of observed visits, with each pattern's cross-products.

    Subjects with the same observed visits share one block of the covariance,
    so a pattern's contribution to ``X'S^-1 X`` and ``X'S^-1 y`` is the block's
    inverse contracted with the pattern's cross-products ``sum_i X_i (x) X_i``
    and ``sum_i X_i (x) y_i``, computed once: a GLS fit then costs
    O(patterns x (visits x terms)^2) plus one pass over the residuals, and no
    array is larger than the data or (visits x terms)^2 a pattern.
    """

    def __init__(self, subj_codes: np.ndarray, visit_codes: np.ndarray, y: np.ndarray,
                 X: np.ndarray, n_visits: int):
        n_subj = int(subj_codes.max()) + 1
        p = X.shape[1]
        Y = np.full((n_subj, n_visits), np.nan)
        XX = np.zeros((n_subj, n_visits, p))
        Y[subj_codes, visit_codes] = y
        XX[subj_codes, visit_codes] = X
        observed = ~np.isnan(Y)
        keys = np.packbits(observed, axis=1, bitorder="little")
        _, inverse = np.unique(keys, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        order = np.argsort(inverse, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(inverse[order]) != 0])
        self.groups = []
        #: each pattern's ``sum_i X_i (x) X_i`` as a ``(visit x visit, term x term)`` matrix
        #: and ``sum_i X_i (x) y_i`` as a ``(visit x visit, term)`` matrix
        self.cross = []
        for rows in np.split(order, starts[1:]):
            idx = np.flatnonzero(observed[rows[0]])
            Yk, Xk = Y[np.ix_(rows, idx)], XX[rows][:, idx, :]
            self.groups.append((idx, Yk, Xk))
            flat = Xk.reshape(len(rows), -1)
            t = idx.size
            xx = (flat.T @ flat).reshape(t, p, t, p).transpose(0, 2, 1, 3)
            xy = (flat.T @ Yk).reshape(t, p, t).transpose(0, 2, 1)
            self.cross.append((np.ascontiguousarray(xx).reshape(t * t, p * p),
                               np.ascontiguousarray(xy).reshape(t * t, p)))
        #: index of each pattern's block of the covariance, as ``np.ix_(idx, idx)``
        self.grids = [np.ix_(idx, idx) for idx, _, _ in self.groups]
        self.p = p
        self.n_obs = int(observed.sum())
        self.n_subjects = n_subj
        #: :func:`gls` results by covariance (its bytes): a repeated fit is looked up
        self.memo: dict[bytes, tuple] = {}


def gls(pat: Patterns, sigma: np.ndarray, gradient: bool = False):
    """GLS fit for a given covariance: beta, A = sum X'S^-1 X, -2 REML log-likelihood (+ dSigma).

    ``M`` (with ``gradient``) is the derivative of -2 REML log-likelihood with
    respect to ``sigma``. Raises ``LinAlgError`` for a covariance that is no
    covariance here: not finite, not positive definite, or so near singular
    that ``A`` overflows. The optimisers treat that as an infinite objective.

    The result is a function of ``sigma`` alone, computed once: a covariance
    met again (BFGS's line searches and restarts come back to points they
    evaluated) is looked up in ``pat.memo``, read-only, the same numbers.
    """
    key = np.ascontiguousarray(sigma, dtype=float).tobytes()
    known = pat.memo.get(key)
    if known is not None and (known[3] is not None or not gradient):
        beta, A, m2ll, M = known
        return beta, A, m2ll, (M if gradient else None)
    out = _gls(pat, sigma, gradient)
    for array in out:
        if isinstance(array, np.ndarray):
            array.flags.writeable = False
    if len(pat.memo) >= MEMO_SIZE:
        pat.memo.pop(next(iter(pat.memo)))  # the oldest
    pat.memo[key] = out
    return out


def _gls(pat: Patterns, sigma: np.ndarray, gradient: bool):
    """:func:`gls`, computed pattern by pattern from the cross-products (no subject loop)."""
    if not np.all(np.isfinite(sigma)):
        raise np.linalg.LinAlgError("the covariance matrix is not finite")
    A = np.zeros((pat.p, pat.p))
    c = np.zeros(pat.p)
    logdet = 0.0
    inverses = []
    for (idx, Yk, _), grid, (XtX, XtY) in zip(pat.groups, pat.grids, pat.cross):
        # small blocks (one row and column a visit): numpy's LAPACK calls without
        # scipy's argument checks; cholesky raises LinAlgError unless positive definite
        L = np.linalg.cholesky(sigma[grid])
        Li = np.linalg.inv(L)
        W = Li.T @ Li
        logdet += Yk.shape[0] * 2 * np.log(np.diagonal(L)).sum()
        A += (W.ravel() @ XtX).reshape(pat.p, pat.p)
        c += W.ravel() @ XtY
        inverses.append(W)
    if not np.all(np.isfinite(A)):
        raise np.linalg.LinAlgError("the GLS information matrix is not finite")
    cA = _cho_factor(A)
    beta = _cho_solve(cA, c)
    quad = 0.0
    M = np.zeros_like(sigma) if gradient else None
    Ainv = _cho_solve(cA, np.eye(pat.p)) if gradient else None
    for (idx, Yk, Xk), grid, (XtX, _), W in zip(pat.groups, pat.grids, pat.cross, inverses):
        R = Yk - Xk @ beta
        RR = R.T @ R
        quad += float(np.sum(W * RR))
        if gradient:
            # sum_i W r_i r_i' W + W X_i A^-1 X_i' W, from the cross-products
            inner = W @ (RR + (XtX @ Ainv.ravel()).reshape(W.shape)) @ W
            M[grid] += Yk.shape[0] * W - inner
    m2ll = logdet + 2 * np.log(np.diag(cA)).sum() + quad
    return beta, A, m2ll, M


def _cho_factor(A: np.ndarray) -> np.ndarray:
    """``scipy.linalg.cho_factor(A, lower=True)[0]``: its LAPACK routine (``dpotrf``) called
    with its arguments, without its checks and dispatch (``A`` is a finite float matrix here)."""
    c, info = lapack.dpotrf(A, lower=1, clean=0, overwrite_a=0)
    if info > 0:
        raise np.linalg.LinAlgError(f"{info}-th leading minor of the array is not positive "
                                    "definite")
    if not np.all(np.isfinite(c)):  # as cho_solve's check would refuse it
        raise ValueError("array must not contain infs or NaNs")
    return c


def _cho_solve(c: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``scipy.linalg.cho_solve((c, True), b)``: its LAPACK routine (``dpotrs``) called directly."""
    x, _ = lapack.dpotrs(c, b, lower=1, overwrite_b=0)
    return x


def _logistic(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


class Structure:
    """A covariance structure: ``sigma(theta)``, a start, the -REML objective and its gradient."""

    key = ""
    name = ""

    def __init__(self, T: int):
        self.T = T

    @property
    def n_params(self) -> int:
        raise NotImplementedError

    def sigma(self, theta: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def start(self, S: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def dsigma(self, theta: np.ndarray) -> list[np.ndarray]:
        """Derivatives of ``sigma`` along each parameter (central differences; sigma is cheap)."""
        out = []
        for i in range(theta.size):
            h = 1e-6 * max(1.0, abs(float(theta[i])))
            e = np.zeros_like(theta)
            e[i] = h
            with np.errstate(over="ignore", invalid="ignore"):
                out.append((self.sigma(theta + e) - self.sigma(theta - e)) / (2 * h))
        return out

    def objective(self, pat: Patterns):
        """``theta -> (-REML log-likelihood, gradient)``; infinite outside the model."""
        def f(theta):
            # overflow or inf * 0 near the edge of the model: refused below as non-finite
            with np.errstate(over="ignore", invalid="ignore"):
                try:
                    S = self.sigma(theta)
                    _, _, m2ll, M = gls(pat, S, gradient=True)
                except np.linalg.LinAlgError:
                    return np.inf, np.zeros_like(theta)
                G = self.gradient(theta, M)
            if not (np.isfinite(m2ll) and np.all(np.isfinite(G))):
                return np.inf, np.zeros_like(theta)
            return 0.5 * m2ll, G
        return f

    def gradient(self, theta: np.ndarray, M: np.ndarray) -> np.ndarray:
        return np.array([0.5 * float(np.sum(M * dS)) for dS in self.dsigma(theta)])

    def edge(self, theta: np.ndarray, visits: list[str]) -> tuple[str, str]:
        """``(singular, near)``: why the fit is on the boundary (not usable), or near it."""
        S = self.sigma(theta)
        if not np.all(np.isfinite(S)):
            return "the covariance is not finite", ""
        var = np.diag(S)
        if var.min() <= SINGULAR * var.max():
            v = visits[int(np.argmin(var))]
            return f"the variance at {v} runs to 0 (the covariance is singular)", ""
        sd = np.sqrt(var)
        R = S / np.outer(sd, sd)
        w = np.linalg.eigvalsh(R)
        off = np.abs(R[~np.eye(self.T, dtype=bool)])
        top = float(off.max()) if off.size else 0.0
        if w[0] <= SINGULAR:
            one = "1" if off.size and R[~np.eye(self.T, dtype=bool)].max() >= top else "-1"
            return (f"the within-subject correlation runs to {one} (the covariance is "
                    "singular)"), ""
        if top >= NEAR_ONE:
            return "", f"near the boundary: largest |correlation| {top:.6f}, nearly singular"
        return "", ""


class Unstructured(Structure):
    key = "unstructured"
    name = "unstructured"

    def __init__(self, T: int):
        super().__init__(T)
        self.rows, self.cols = np.tril_indices(T)
        self.diag = self.rows == self.cols

    @property
    def n_params(self) -> int:
        return self.T * (self.T + 1) // 2

    def factor(self, theta: np.ndarray) -> np.ndarray:
        L = np.zeros((self.T, self.T))
        with np.errstate(over="ignore", invalid="ignore"):  # a non-finite result is refused by gls
            L[self.rows, self.cols] = np.where(self.diag, np.exp(theta), theta)
        return L

    def sigma(self, theta: np.ndarray) -> np.ndarray:
        L = self.factor(theta)
        with np.errstate(over="ignore", invalid="ignore"):
            return L @ L.T

    def gradient(self, theta: np.ndarray, M: np.ndarray) -> np.ndarray:
        G = (M @ self.factor(theta))[self.rows, self.cols]  # d(-2 REML)/dL = 2 M L, halved
        return np.where(self.diag, G * np.exp(theta), G)

    def start(self, S: np.ndarray) -> np.ndarray:
        L = np.linalg.cholesky(S)
        vals = L[self.rows, self.cols].copy()
        vals[self.diag] = np.log(vals[self.diag])
        return vals


class _Heterogeneous(Structure):
    """One standard deviation a visit (log scale) times a correlation matrix."""

    n_corr = 1

    @property
    def n_params(self) -> int:
        return self.T + self.n_corr

    def corr(self, c: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def corr_start(self, R: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def sigma(self, theta: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            sd = np.exp(theta[:self.T])
            return self.corr(theta[self.T:]) * np.outer(sd, sd)

    def start(self, S: np.ndarray) -> np.ndarray:
        sd = np.sqrt(np.diag(S))
        return np.concatenate([np.log(sd), self.corr_start(S / np.outer(sd, sd))])


def _lag_means(R: np.ndarray) -> np.ndarray:
    """Mean correlation at each lag 1 .. T - 1."""
    return np.array([np.diag(R, k).mean() for k in range(1, R.shape[0])])


class HeterogeneousToeplitz(_Heterogeneous):
    key = "heterogeneous-toeplitz"
    name = "heterogeneous Toeplitz"

    @property
    def n_corr(self) -> int:
        return self.T - 1

    def corr(self, c: np.ndarray) -> np.ndarray:
        rho = _autocorrelations(np.tanh(c))
        lag = np.abs(np.subtract.outer(np.arange(self.T), np.arange(self.T)))
        return rho[lag]

    def corr_start(self, R: np.ndarray) -> np.ndarray:
        pacf = _partial_autocorrelations(np.r_[1.0, _lag_means(R)])
        if pacf is None:  # not a valid Toeplitz correlation: start from AR(1)
            pacf = np.r_[_lag_means(R)[:1], np.zeros(self.T - 2)]
        return np.arctanh(np.clip(pacf, -0.95, 0.95))


class HeterogeneousAR1(_Heterogeneous):
    key = "heterogeneous-ar1"
    name = "heterogeneous AR(1)"

    def corr(self, c: np.ndarray) -> np.ndarray:
        lag = np.abs(np.subtract.outer(np.arange(self.T), np.arange(self.T)))
        return np.tanh(c[0]) ** lag

    def corr_start(self, R: np.ndarray) -> np.ndarray:
        r1 = _lag_means(R)[0] if self.T > 1 else 0.3
        return np.array([np.arctanh(np.clip(r1, -0.95, 0.95))])


class HeterogeneousCompoundSymmetry(_Heterogeneous):
    key = "heterogeneous-compound-symmetry"
    name = "heterogeneous compound symmetry"

    def corr(self, c: np.ndarray) -> np.ndarray:
        lo = -1.0 / (self.T - 1) if self.T > 1 else -1.0
        rho = lo + (1 - lo) * _logistic(c[0])
        return (1 - rho) * np.eye(self.T) + rho

    def corr_start(self, R: np.ndarray) -> np.ndarray:
        return _cs_start(R, self.T)


class CompoundSymmetry(Structure):
    key = "compound-symmetry"
    name = "compound symmetry"

    @property
    def n_params(self) -> int:
        return 2

    def sigma(self, theta: np.ndarray) -> np.ndarray:
        lo = -1.0 / (self.T - 1) if self.T > 1 else -1.0
        rho = lo + (1 - lo) * _logistic(theta[1])
        with np.errstate(over="ignore", invalid="ignore"):
            return np.exp(theta[0]) * ((1 - rho) * np.eye(self.T) + rho)

    def start(self, S: np.ndarray) -> np.ndarray:
        var = float(np.mean(np.diag(S)))
        return np.r_[np.log(var), _cs_start(S / var, self.T)]


def _cs_start(R: np.ndarray, T: int) -> np.ndarray:
    lo = -1.0 / (T - 1) if T > 1 else -1.0
    off = R[~np.eye(T, dtype=bool)]
    rho = float(np.clip(off.mean() if off.size else 0.3, 0.01, 0.95))
    u = (rho - lo) / (1 - lo)
    return np.array([np.log(u / (1 - u))])


def _autocorrelations(pacf: np.ndarray) -> np.ndarray:
    """Autocorrelations ``rho_0 .. rho_p`` of the AR(p) with these partial autocorrelations."""
    rho = [1.0]
    a = np.zeros(0)
    for k, phi in enumerate(pacf, start=1):
        v = 1.0 - float(a @ np.array(rho[1:k]))
        rho.append(float(a @ np.array(rho[k - 1:0:-1])) + phi * v)
        a = np.r_[a - phi * a[::-1], phi]
    return np.array(rho)


def _partial_autocorrelations(rho: np.ndarray) -> np.ndarray | None:
    """Durbin-Levinson: partial autocorrelations of ``rho_0 .. rho_p`` (None if not valid)."""
    out = []
    a = np.zeros(0)
    for k in range(1, rho.size):
        v = 1.0 - float(a @ rho[1:k])
        if v <= 0:
            return None
        phi = (rho[k] - float(a @ rho[k - 1:0:-1])) / v
        if not abs(phi) < 1:
            return None
        out.append(phi)
        a = np.r_[a - phi * a[::-1], phi]
    return np.array(out)


BY_KEY = {c.key: c for c in (Unstructured, HeterogeneousToeplitz, HeterogeneousAR1,
                             HeterogeneousCompoundSymmetry, CompoundSymmetry)}


def _minimise(f, theta0: np.ndarray):
    """BFGS, restarted from its end point while it stops early with a large gradient."""
    res = optimize.minimize(f, theta0, jac=True, method="BFGS",
                            options={"gtol": 1e-6, "maxiter": 2000})
    # BFGS often stops at the optimum with "precision loss"; restarting from its end
    # point resets the Hessian approximation.
    for _ in range(3):
        if res.success or not np.isfinite(res.fun):
            break
        again = optimize.minimize(f, res.x, jac=True, method="BFGS",
                                  options={"gtol": 1e-6, "maxiter": 2000})
        if not again.fun < res.fun:  # no progress: another restart would not make any either
            break
        res = again
    return res


def fit(pat: Patterns, structure: Structure, S0: np.ndarray) -> tuple[np.ndarray, float, str]:
    """Maximise the restricted likelihood: ``(theta, -REML objective, why not converged or "")``.

    Converged is judged free of the scale of the data and of the
    parametrisation: a restart from the end point and a fit from a second,
    independent start (the starting covariance with its correlations halved)
    must reach the same -REML objective (to ``OBJECTIVE_TOL`` relative) and
    the same covariance (to ``COVARIANCE_TOL`` relative to its largest
    variance). The best of the three is returned.
    """
    f = structure.objective(pat)
    S1 = 0.5 * S0 + 0.5 * np.diag(np.diag(S0))
    runs = []
    for start in (structure.start(S0), structure.start(S1)):
        res = _minimise(f, start)
        runs.append(res)
        if np.isfinite(res.fun):
            runs.append(_minimise(f, res.x))  # restart from the end point
    finite = [r for r in runs if np.isfinite(r.fun) and np.all(np.isfinite(r.x))]
    if not finite:
        return runs[0].x, np.inf, "the covariance is not finite where the optimiser ends"
    best = min(finite, key=lambda r: r.fun)
    if len(finite) < len(runs):
        return best.x, float(best.fun), ("a start led outside the model (the likelihood is not "
                                         "finite)")
    scale = max(1.0, abs(float(best.fun)))
    worst = max(r.fun for r in finite) - best.fun
    if worst > OBJECTIVE_TOL * scale:
        return best.x, float(best.fun), (f"the restricted log-likelihood differs by {worst:.3g} "
                                         "between restarts")
    Sb = structure.sigma(best.x)
    top = float(np.max(np.diag(Sb)))
    diff = max(float(np.max(np.abs(structure.sigma(r.x) - Sb))) for r in finite) / top
    if not diff <= COVARIANCE_TOL:
        return best.x, float(best.fun), (f"the covariance differs by {diff:.3g} (relative) "
                                         "between restarts")
    return best.x, float(best.fun), ""


def satterthwaite(pat: Patterns, structure: Structure, theta: np.ndarray,
                  Ls: np.ndarray) -> np.ndarray:
    """Satterthwaite degrees of freedom of each contrast row of ``Ls``."""
    def vcov(th):
        return np.linalg.inv(gls(pat, structure.sigma(th))[1])

    k = theta.size
    h = HESSIAN_STEP * np.maximum(1.0, np.abs(theta))
    f = structure.objective(pat)
    H = np.zeros((k, k))
    grads = []
    for i in range(k):
        e = np.zeros(k)
        e[i] = h[i]
        H[:, i] = (f(theta + e)[1] - f(theta - e)[1]) / (2 * h[i])
        grads.append((vcov(theta + e) - vcov(theta - e)) / (2 * h[i]))
    H = (H + H.T) / 2
    cov_theta = np.linalg.pinv(H)  # objective is -REML log-likelihood
    V = vcov(theta)
    out = []
    for L in Ls:
        v = float(L @ V @ L)
        g = np.array([L @ G @ L for G in grads])
        denom = float(g @ cov_theta @ g)
        out.append(2 * v * v / denom if denom > 0 else np.inf)
    return np.asarray(out)
