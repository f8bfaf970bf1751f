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

from ._common import (check_choice, check_columns_arg, check_conf_level, check_finite, check_frame,
                      fail, not_estimable, numerical_trouble, result_frame, two_levels)
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
    """GLS fit for a given covariance: beta, A = sum X'S^-1 X, -2 REML log-likelihood (+ dSigma).

    Raises ``LinAlgError`` for a covariance that is no covariance here: not
    finite, not positive definite, or so near singular that ``A`` overflows.
    The optimisers treat that as an infinite objective, never as a NaN.
    """
    if not np.all(np.isfinite(sigma)):
        raise np.linalg.LinAlgError("the covariance matrix is not finite")
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
    if not np.all(np.isfinite(A)):
        raise np.linalg.LinAlgError("the GLS information matrix is not finite")
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
        with np.errstate(over="ignore", invalid="ignore"):  # a non-finite result is refused by _gls
            vals = np.where(self.diag, np.exp(theta), theta)
            L[self.rows, self.cols] = vals
            return L @ L.T, L

    def edge(self, theta: np.ndarray) -> str:
        """Why a fit ending at ``theta`` is at the edge of the model ("" when it is not)."""
        S = self.sigma(theta)[0]
        if not np.all(np.isfinite(S)):
            return "the covariance is not finite"
        w = np.linalg.eigvalsh(S)
        if w[0] <= 1e-10 * w[-1]:
            return "the within-subject covariance is singular"
        return ""

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
            except np.linalg.LinAlgError:
                return np.inf, np.zeros_like(theta)
            G = (M @ L)[self.rows, self.cols]  # d(-2 REML)/dL = 2 M L, halved for -REML
            G = np.where(self.diag, G * np.exp(theta), G)
            if not (np.isfinite(m2ll) and np.all(np.isfinite(G))):
                return np.inf, np.zeros_like(theta)
            return 0.5 * m2ll, G
        return f


class _CompoundSymmetry:
    name = "compound symmetry"

    def __init__(self, T: int):
        self.T = T
        self.lo = -1.0 / (T - 1) if T > 1 else -1.0  # the smallest valid correlation

    def parts(self, theta: np.ndarray) -> tuple[float, float]:
        """Variance and within-subject correlation."""
        with np.errstate(over="ignore"):
            return np.exp(theta[0]), self.lo + (1 - self.lo) / (1 + np.exp(-theta[1]))

    def sigma(self, theta: np.ndarray):
        var, rho = self.parts(theta)
        with np.errstate(over="ignore", invalid="ignore"):  # a non-finite result is refused by _gls
            S = var * ((1 - rho) * np.eye(self.T) + rho * np.ones((self.T, self.T)))
        return S, None

    def edge(self, theta: np.ndarray) -> str:
        """Why a fit ending at ``theta`` is at the edge of the model ("" when it is not)."""
        if not np.all(np.isfinite(theta)):
            return "the covariance is not finite"
        _, rho = self.parts(theta)
        if rho > 1 - 1e-6:
            return ("the within-subject correlation runs to 1: each subject differs from the "
                    "mean model by the same amount at every visit")
        if rho < self.lo + 1e-6:
            return f"the within-subject correlation runs to its lower limit, {self.lo:g}"
        return ""

    def start(self, S: np.ndarray) -> np.ndarray:
        var = float(np.mean(np.diag(S)))
        off = S[~np.eye(self.T, dtype=bool)]
        rho = float(np.clip(off.mean() / var if off.size else 0.3, 0.01, 0.95))
        lo = self.lo
        u = (rho - lo) / (1 - lo)
        return np.array([np.log(var), np.log(u / (1 - u))])

    def objective(self, pat: _Patterns):
        def value(theta):
            try:
                v = 0.5 * _gls(pat, self.sigma(theta)[0])[2]
            except np.linalg.LinAlgError:
                return np.inf
            return v if np.isfinite(v) else np.inf

        def f(theta):
            v = value(theta)
            if not np.isfinite(v):
                return np.inf, np.zeros_like(theta)
            return v, np.array([_difference(value, theta, v, e) for e in np.eye(theta.size)])
        return f


def _difference(value, theta: np.ndarray, v: float, e: np.ndarray, h: float = 1e-6) -> float:
    """Central difference of ``value`` along ``e``; one-sided where a side is outside the model.

    Near the edge of the parameter space (a correlation near 1, a variance
    near 0) one side can be infinite; a central difference would then be
    infinite or NaN and carry the optimiser out of the parameter space.
    """
    up, down = value(theta + h * e), value(theta - h * e)
    if np.isfinite(up) and np.isfinite(down):
        return (up - down) / (2 * h)
    if np.isfinite(up):
        return (up - v) / h
    if np.isfinite(down):
        return (v - down) / h
    return 0.0


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
    ok = (bool(np.isfinite(res.fun)) and bool(np.all(np.isfinite(theta)))
          and (res.success or np.max(np.abs(res.jac)) < 1e-4))
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
    treat = (frame[group] == comparator).to_numpy(dtype=float)
    builder = DesignBuilder(frame, covs)
    X = _design(frame["_v"].to_numpy(), treat, frame[baseline] if baseline else None,
                builder.matrix, T)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise not_estimable(fn, "data", f"{T} visits",
                            _rank_problem(frame, visits, group, baseline, covs),
                            "both groups observed at every visit, more subjects at each visit "
                            "than its own terms, and covariates that vary and are not collinear")
    y = frame[outcome].to_numpy(dtype=float)
    pat = _Patterns(frame["_s"].to_numpy(), frame["_v"].to_numpy(), y, X, T)
    structure, theta, fallback = _fit_covariance(fn, pat, frame, X, y, T, covariance)
    sigma = structure.sigma(theta)[0]
    with numerical_trouble(fn, "the final GLS fit"):
        beta, A, _, _ = _gls(pat, sigma)
        cov = np.linalg.inv(A)
    check_finite(fn, "the final GLS fit", beta, cov)

    Ls, meta = _contrasts(frame, visits, subject, group, comparator, ref, baseline, builder)
    with numerical_trouble(fn, "the Satterthwaite degrees of freedom"):
        dfs = _satterthwaite(pat, structure, theta, Ls)
    if np.isnan(dfs).any():
        raise not_estimable(fn, "data", outcome, "the Satterthwaite degrees of freedom are "
                            "undefined (the restricted likelihood is flat or not finite near "
                            "its maximum)", "more subjects or visits with data")
    method = (f"MMRM (REML), {structure.name} covariance{fallback}; "
              "least-squares means; Satterthwaite df")
    return result_frame(_rows(Ls, meta, dfs, beta, cov, level, method), extra=["se", "df"])


def _rows(Ls: np.ndarray, meta: list, dfs: np.ndarray, beta: np.ndarray, cov: np.ndarray,
          level: float, method: str) -> list[dict]:
    """One result row per contrast: estimate, t interval on Satterthwaite df, p-value."""
    rows = []
    for L, (term, grp, v, n), df in zip(Ls, meta, dfs):
        est = float(L @ beta)
        se = float(np.sqrt(L @ cov @ L))
        q = float(stats.t.ppf(1 - (1 - level) / 2, df))
        rows.append({"term": term, "group": grp, "visit": v, "estimate": est,
                     "ci_low": est - q * se, "ci_high": est + q * se,
                     "p_value": float(2 * stats.t.sf(abs(est / se), df)),
                     "method": method, "n": n, "se": se, "df": float(df)})
    return rows


def _design(vcode: np.ndarray, treat: np.ndarray, baseline: pd.Series | None,
            covariates: np.ndarray, T: int) -> np.ndarray:
    """Model matrix: visit intercepts, treatment by visit, baseline by visit, covariates."""
    onehot = np.eye(T)[vcode]
    blocks = [onehot, onehot * treat[:, None]]
    if baseline is not None:
        blocks.append(onehot * baseline.to_numpy(dtype=float)[:, None])
    return np.column_stack(blocks + [covariates])


def _rank_problem(frame: pd.DataFrame, visits: Sequence[Any], group: str,
                  baseline: str | None, covs: list[str]) -> str:
    """Say precisely why the model matrix is not of full rank."""
    own = 3 if baseline else 2  # intercept, treatment effect (and baseline slope) of each visit
    for t, v in enumerate(visits):
        at = frame.loc[frame["_v"] == t]
        missing = sorted(set(pd.unique(frame[group])) - set(pd.unique(at[group])), key=str)
        if missing:
            return (f"visit {v} has no subject of group {', '.join(map(str, missing))}, so its "
                    "treatment effect cannot be estimated")
        if len(at) < own:
            return (f"visit {v} has {len(at)} subject(s), too few for its own intercept, "
                    "treatment effect" + (" and baseline slope" if baseline else ""))
        if baseline and at[baseline].nunique() < 2:
            return f"every subject observed at visit {v} has the same baseline"
    if covs:
        return f"a covariate is constant or collinear with the other terms ({', '.join(covs)})"
    return "the baseline is collinear with the visit and treatment terms"


def _start(resid: np.ndarray, scode: np.ndarray, vcode: np.ndarray, T: int) -> np.ndarray:
    """Starting covariance: pairwise covariance of OLS residuals by visit, made positive definite."""
    wide = pd.DataFrame({"s": scode, "v": vcode, "r": resid}).pivot(index="s", columns="v",
                                                                     values="r")
    S0 = wide.reindex(columns=range(T)).cov(min_periods=2).to_numpy()
    S0 = np.where(np.isnan(S0), 0.0, S0)
    S0 = S0 + np.eye(T) * max(1e-6, 1e-3 * float(np.nanmean(np.diag(S0)) or 1.0))
    w, V = np.linalg.eigh(S0)
    return (V * np.maximum(w, 1e-3 * w.max())) @ V.T


def _fit_covariance(fn: str, pat: _Patterns, frame: pd.DataFrame, X: np.ndarray, y: np.ndarray,
                    T: int, covariance: str):
    """Fit the covariance the data allow: ``(structure, theta, fallback words)``."""
    scode, vcode = frame["_s"].to_numpy(), frame["_v"].to_numpy()
    with numerical_trouble(fn, "the starting covariance"):
        resid = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
        S0 = _start(resid, scode, vcode, T)
    if np.all(np.abs(resid) <= 1e-10 * max(1.0, float(np.abs(y).max()))):
        raise not_estimable(fn, "data", f"{len(y)} values",
                            "the mean model fits every value exactly (no residual variation), "
                            "so no covariance can be estimated",
                            "more values than mean-model terms, varying around the model")
    n_subjects = int(scode.max()) + 1
    fallback = ""
    if covariance in ("auto", "unstructured"):
        if n_subjects > T * (T + 1) / 2 or covariance == "unstructured":
            cand = _Unstructured(T)
            theta, ok = _fit(pat, cand, S0)
            if ok and not cand.edge(theta):
                return cand, theta, ""
            if covariance == "unstructured":
                raise not_estimable(fn, "covariance", covariance,
                                    "the unstructured covariance did not converge",
                                    "covariance='compound-symmetry' or 'auto'")
            fallback = " (unstructured did not converge)"
        else:
            fallback = f" (too few subjects, {n_subjects}, for an unstructured {T} x {T} covariance)"
    structure = _CompoundSymmetry(T)
    theta, ok = _fit(pat, structure, S0)
    if not ok or structure.edge(theta):  # an optimum on the edge is no covariance either
        why = "; ".join(w for w in (structure.edge(theta), fallback.strip(" ()")) if w)
        raise not_estimable(fn, "data", f"{len(y)} values",
                            "the mixed model did not converge with a compound-symmetry covariance"
                            + (f" ({why})" if why else ""), "more subjects or visits with data")
    return structure, theta, fallback


def _contrasts(frame: pd.DataFrame, visits: Sequence[Any], subject: str, group: str,
               comparator: Any, ref: Any, baseline: str | None, builder: DesignBuilder):
    """Rows of least-squares means and differences by visit, with ``(term, group, visit, n)``."""
    T = len(visits)
    grid_base = float(frame[baseline].mean()) if baseline else 0.0
    grid_cov = builder.grid_row()
    Ls, meta = [], []
    counts = frame.groupby(["_v", group])[subject].nunique()
    for t, v in enumerate(visits):
        def row(tr: float) -> np.ndarray:
            e = np.zeros(T)
            e[t] = 1.0
            parts = [e, e * tr] + ([e * grid_base] if baseline else []) + [grid_cov]
            return np.concatenate(parts)
        for lev, tr in ((comparator, 1.0), (ref, 0.0)):
            Ls.append(row(tr))
            meta.append(("lsmean", str(lev), v, int(counts.get((t, lev), 0))))
        Ls.append(row(1.0) - row(0.0))
        meta.append(("difference", f"{comparator} - {ref}", v,
                     int(counts.get((t, comparator), 0) + counts.get((t, ref), 0))))
    return np.asarray(Ls), meta
