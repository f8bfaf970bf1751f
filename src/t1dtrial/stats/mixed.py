"""Mixed model for repeated measures (MMRM) fitted by REML.

Mean model: one intercept, one treatment effect and one baseline slope per
visit (``visit + group:visit + baseline:visit``) plus covariate main effects.
Within-subject covariance: unstructured (a free covariance matrix over the
visits, as SAS ``TYPE=UN`` or R's ``nlme::gls(correlation = corSymm,
weights = varIdent)``) or compound symmetry (equal variances and correlations,
the marginal model of a subject random intercept, as ``nlme::lme(random = ~ 1 | id)``).
The restricted likelihood is maximised with scipy (BFGS on the Cholesky
factor, analytic gradient); subjects with missing visits contribute the visits
they have (missing at random).

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(1)
>>> ids = np.repeat(np.arange(20), 3)
>>> d = pd.DataFrame({"id": ids, "visit": np.tile(["M3", "M6", "M12"], 20),
...                   "arm": np.where(ids < 10, "A", "B"),
...                   "base": np.repeat(rng.normal(size=20), 3)})
>>> d["y"] = d.base + (d.arm == "B") * 0.5 + rng.normal(size=60)
>>> r = mmrm(d, subject="id", visit="visit", outcome="y", group="arm", baseline="base",
...          visit_order=["M3", "M6", "M12"])
>>> sorted(set(r.term))
['difference', 'lsmean']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats

from ._common import (check_choice, check_columns_arg, check_conf_level, check_frame, fail,
                      result_frame, two_levels)
from ._design import DesignBuilder

__all__ = ["mmrm"]


class _Patterns:
    """Subjects grouped by their pattern of observed visits, as dense arrays."""

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
        self.groups = []
        for g in range(inverse.max() + 1):
            rows = np.flatnonzero(inverse.ravel() == g)
            idx = np.flatnonzero(observed[rows[0]])
            self.groups.append((idx, Y[np.ix_(rows, idx)], XX[rows][:, idx, :]))
        self.p = p
        self.n_obs = int(observed.sum())


def _gls(pat: _Patterns, sigma: np.ndarray, gradient: bool = False):
    """GLS fit for a given covariance: beta, A = sum X'S^-1 X, -2 REML log-likelihood (+ dSigma)."""
    A = np.zeros((pat.p, pat.p))
    c = np.zeros(pat.p)
    logdet = 0.0
    facs = []
    for idx, Yk, Xk in pat.groups:
        S = sigma[np.ix_(idx, idx)]
        cf = linalg.cho_factor(S, lower=True)
        W = linalg.cho_solve(cf, np.eye(idx.size))
        logdet += Yk.shape[0] * 2 * np.log(np.diag(cf[0])).sum()
        WX = np.einsum("st,itp->isp", W, Xk)
        A += np.einsum("isp,isq->pq", Xk, WX)
        c += np.einsum("isp,is->p", WX, Yk)
        facs.append(W)
    cA = linalg.cho_factor(A, lower=True)
    beta = linalg.cho_solve(cA, c)
    quad = 0.0
    M = np.zeros_like(sigma) if gradient else None
    Ainv = linalg.cho_solve(cA, np.eye(pat.p)) if gradient else None
    for (idx, Yk, Xk), W in zip(pat.groups, facs):
        R = Yk - Xk @ beta
        WR = R @ W
        quad += float(np.einsum("is,is->", R, WR))
        if gradient:
            WX = np.einsum("st,itp->isp", W, Xk)
            inner = np.einsum("is,it->st", WR, WR) + np.einsum("isp,pq,itq->st", WX, Ainv, WX)
            M[np.ix_(idx, idx)] += Yk.shape[0] * W - inner
    m2ll = logdet + 2 * np.log(np.diag(cA[0])).sum() + quad
    return beta, A, m2ll, M


class _Unstructured:
    name = "unstructured"

    def __init__(self, T: int):
        self.T = T
        self.rows, self.cols = np.tril_indices(T)
        self.diag = self.rows == self.cols

    def sigma(self, theta: np.ndarray) -> np.ndarray:
        L = np.zeros((self.T, self.T))
        vals = np.where(self.diag, np.exp(theta), theta)
        L[self.rows, self.cols] = vals
        return L @ L.T, L

    def start(self, S: np.ndarray) -> np.ndarray:
        L = np.linalg.cholesky(S)
        vals = L[self.rows, self.cols].copy()
        vals[self.diag] = np.log(vals[self.diag])
        return vals

    def objective(self, pat: _Patterns):
        def f(theta):
            S, L = self.sigma(theta)
            try:
                _, _, m2ll, M = _gls(pat, S, gradient=True)
            except (np.linalg.LinAlgError, linalg.LinAlgError):
                return np.inf, np.zeros_like(theta)
            G = (M @ L)[self.rows, self.cols]  # d(-2 REML)/dL = 2 M L, halved for -REML
            G = np.where(self.diag, G * np.exp(theta), G)
            return 0.5 * m2ll, G
        return f


class _CompoundSymmetry:
    name = "compound symmetry"

    def __init__(self, T: int):
        self.T = T

    def sigma(self, theta: np.ndarray):
        var = np.exp(theta[0])
        lo = -1.0 / (self.T - 1) if self.T > 1 else -1.0
        rho = lo + (1 - lo) / (1 + np.exp(-theta[1]))
        S = var * ((1 - rho) * np.eye(self.T) + rho * np.ones((self.T, self.T)))
        return S, None

    def start(self, S: np.ndarray) -> np.ndarray:
        var = float(np.mean(np.diag(S)))
        off = S[~np.eye(self.T, dtype=bool)]
        rho = float(np.clip(off.mean() / var if off.size else 0.3, 0.01, 0.95))
        lo = -1.0 / (self.T - 1) if self.T > 1 else -1.0
        u = (rho - lo) / (1 - lo)
        return np.array([np.log(var), np.log(u / (1 - u))])

    def objective(self, pat: _Patterns):
        def value(theta):
            try:
                return 0.5 * _gls(pat, self.sigma(theta)[0])[2]
            except (np.linalg.LinAlgError, linalg.LinAlgError):
                return np.inf

        def f(theta):
            v = value(theta)
            h = 1e-6
            g = np.array([(value(theta + h * e) - value(theta - h * e)) / (2 * h)
                          for e in np.eye(theta.size)])
            return v, g
        return f


def _fit(pat: _Patterns, structure, S0: np.ndarray):
    f = structure.objective(pat)
    theta0 = structure.start(S0)
    res = optimize.minimize(f, theta0, jac=True, method="BFGS",
                            options={"gtol": 1e-9, "maxiter": 2000})
    # BFGS often stops at the optimum with "precision loss" and a gradient just above
    # a fixed threshold, depending on the order of floating-point sums (row order);
    # restarting from its end point resets the Hessian approximation.
    for _ in range(3):
        if res.success or not np.isfinite(res.fun) or np.max(np.abs(res.jac)) < 1e-7:
            break
        again = optimize.minimize(f, res.x, jac=True, method="BFGS",
                                  options={"gtol": 1e-9, "maxiter": 2000})
        if not again.fun <= res.fun:
            break
        res = again
    theta = res.x
    ok = bool(np.isfinite(res.fun)) and (res.success or np.max(np.abs(res.jac)) < 1e-4)
    return theta, ok


def _satterthwaite(pat, structure, theta, Ls: np.ndarray) -> np.ndarray:
    """Satterthwaite degrees of freedom of each contrast row of ``Ls``."""
    def vcov(th):
        return np.linalg.inv(_gls(pat, structure.sigma(th)[0])[1])

    k = theta.size
    h = 1e-4 * np.maximum(1.0, np.abs(theta))
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


def mmrm(data: pd.DataFrame, *, subject: str, visit: str, outcome: str, group: str,
         baseline: str | None = None, covariates: Sequence[str] = (),
         reference: Any | None = None, visit_order: Sequence[Any] | None = None,
         covariance: str = "auto", conf_level: float = 0.95) -> pd.DataFrame:
    """Mixed model for repeated measures with least-squares means by visit.

    Parameters
    ----------
    data : pandas.DataFrame
        Long data: one row a subject and post-baseline visit. Rows with a
        missing value in a used column are dropped (the subject keeps its
        other visits).
    subject, visit, outcome, group : str
        Columns of the subject identifier, the visit, the value and the two
        treatment groups.
    baseline : str or None
        Column of the baseline value (constant within subject); enters as
        ``baseline:visit``.
    covariates : sequence of str
        Further columns entering as main effects (numeric linearly, text,
        category or boolean as factors).
    reference : optional
        Reference level of ``group`` (default: first in sorted order).
    visit_order : sequence, optional
        Order of the visits (default: sorted).
    covariance : {"auto", "unstructured", "compound-symmetry"}, default "auto"
        ``"auto"`` fits the unstructured covariance and falls back to compound
        symmetry (a subject random intercept) when it cannot be estimated
        (too few subjects for its ``T (T + 1) / 2`` parameters, or no
        convergence); ``method`` says which was used.
    conf_level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        For each visit: two ``term == "lsmean"`` rows (one a group) and one
        ``term == "difference"`` row (comparator minus reference), with
        columns ``term, group, visit, estimate, ci_low, ci_high, p_value,
        method, n`` (subjects observed at the visit), ``se``, ``df``.

    Notes
    -----
    1. REML; covariance of the fixed effects ``(sum X_i' S_i^-1 X_i)^-1``
       (model based).
    2. Least-squares means as emmeans: the baseline and numeric covariates
       at their means over the analysed observations, factor covariates
       averaged over their levels with equal weights.
    3. Degrees of freedom by Satterthwaite's approximation, with the
       covariance of the variance parameters from the numerical Hessian of the
       restricted likelihood (as emmeans' ``mode = "satterthwaite"`` for gls).

    Examples
    --------
    See the module docstring.
    """
    fn = "mmrm"
    level = check_conf_level(fn, conf_level)
    check_choice(fn, "covariance", covariance, ["auto", "unstructured", "compound-symmetry"])
    covs = check_columns_arg(fn, "covariates", covariates)
    used = [subject, visit, outcome, group] + ([baseline] if baseline else []) + covs
    frame = check_frame(fn, data, used)[used].dropna().reset_index(drop=True)
    if frame.duplicated([subject, visit]).any():
        dup = frame[frame.duplicated([subject, visit])].iloc[0]
        raise fail(fn, "data", f"{dup[subject]}, {dup[visit]}", "two rows for one subject and visit",
                   "one row a subject and visit")
    comparator, ref = two_levels(fn, "group", frame[group], reference)
    visits = list(visit_order) if visit_order is not None else sorted(pd.unique(frame[visit]))
    unknown = set(pd.unique(frame[visit])) - set(visits)
    if unknown:
        raise fail(fn, "visit_order", ", ".join(map(str, sorted(unknown, key=str))),
                   "visits in the data but not in visit_order", "every visit listed")
    T = len(visits)
    # a canonical row order (subject, then visit) so that the fit does not depend on
    # the order of the input rows (floating-point sums are order dependent)
    frame = frame.assign(_v=frame[visit].map({v: i for i, v in enumerate(visits)}),
                         _s=pd.factorize(frame[subject], sort=True)[0])
    frame = frame.sort_values(["_s", "_v"], kind="mergesort").reset_index(drop=True)
    vcode = frame["_v"].to_numpy()
    scode = frame["_s"].to_numpy()
    treat = (frame[group] == comparator).to_numpy(dtype=float)
    onehot = np.eye(T)[vcode]
    blocks = [onehot, onehot * treat[:, None]]
    if baseline:
        blocks.append(onehot * frame[baseline].to_numpy(dtype=float)[:, None])
    builder = DesignBuilder(frame, covs)
    X = np.column_stack(blocks + [builder.matrix])
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise fail(fn, "data", f"{T} visits", "the model cannot be estimated: a visit lacks "
                   "one of the groups, or a covariate is constant or collinear",
                   "both groups observed at every visit and varying covariates")
    y = frame[outcome].to_numpy(dtype=float)
    pat = _Patterns(scode, vcode, y, X, T)
    # starting covariance: pairwise covariance of OLS residuals by visit
    resid = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    wide = pd.DataFrame({"s": scode, "v": vcode, "r": resid}).pivot(index="s", columns="v", values="r")
    S0 = wide.reindex(columns=range(T)).cov(min_periods=2).to_numpy()
    S0 = np.where(np.isnan(S0), 0.0, S0)
    S0 = S0 + np.eye(T) * max(1e-6, 1e-3 * float(np.nanmean(np.diag(S0)) or 1.0))
    w, V = np.linalg.eigh(S0)
    S0 = (V * np.maximum(w, 1e-3 * w.max())) @ V.T

    n_subjects = int(scode.max()) + 1
    structure, theta, fallback = None, None, ""
    if covariance in ("auto", "unstructured"):
        if n_subjects > T * (T + 1) / 2 or covariance == "unstructured":
            cand = _Unstructured(T)
            theta, ok = _fit(pat, cand, S0)
            if ok:
                structure = cand
            elif covariance == "unstructured":
                raise fail(fn, "covariance", covariance, "the unstructured covariance did not converge",
                           "covariance='compound-symmetry' or 'auto'")
            else:
                fallback = " (unstructured did not converge)"
        else:
            fallback = f" (too few subjects, {n_subjects}, for an unstructured {T} x {T} covariance)"
    if structure is None:
        structure = _CompoundSymmetry(T)
        theta, ok = _fit(pat, structure, S0)
        if not ok:
            raise fail(fn, "data", outcome, "the mixed model did not converge",
                       "more subjects or visits with data")
    sigma = structure.sigma(theta)[0]
    beta, A, _, _ = _gls(pat, sigma)
    cov = np.linalg.inv(A)

    grid_base = float(frame[baseline].mean()) if baseline else 0.0
    grid_cov = builder.grid_row()
    Ls, meta = [], []
    counts = frame.groupby([visit, group])[subject].nunique()
    for t, v in enumerate(visits):
        def row(tr: float) -> np.ndarray:
            e = np.zeros(T)
            e[t] = 1.0
            parts = [e, e * tr] + ([e * grid_base] if baseline else []) + [grid_cov]
            return np.concatenate(parts)
        for lev, tr in ((comparator, 1.0), (ref, 0.0)):
            Ls.append(row(tr))
            meta.append(("lsmean", str(lev), v, int(counts.get((v, lev), 0))))
        Ls.append(row(1.0) - row(0.0))
        meta.append(("difference", f"{comparator} - {ref}", v,
                     int(counts.get((v, comparator), 0) + counts.get((v, ref), 0))))
    Ls = np.asarray(Ls)
    dfs = _satterthwaite(pat, structure, theta, Ls)
    method = (f"MMRM (REML), {structure.name} covariance{fallback}; "
              "least-squares means; Satterthwaite df")
    rows = []
    for L, (term, grp, v, n), df in zip(Ls, meta, dfs):
        est = float(L @ beta)
        se = float(np.sqrt(L @ cov @ L))
        q = float(stats.t.ppf(1 - (1 - level) / 2, df))
        rows.append({"term": term, "group": grp, "visit": v, "estimate": est,
                     "ci_low": est - q * se, "ci_high": est + q * se,
                     "p_value": float(2 * stats.t.sf(abs(est / se), df)),
                     "method": method, "n": n, "se": se, "df": float(df)})
    return result_frame(rows, extra=["se", "df"])
