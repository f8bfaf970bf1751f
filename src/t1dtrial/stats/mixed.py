"""Mixed model for repeated measures (MMRM) fitted by REML.

Mean model: one intercept, one treatment effect (a group factor of two or
more levels: one effect per group but the reference) and one baseline slope
per visit (``visit + group:visit + baseline:visit``) plus covariate main
effects.
Within-subject covariance: unstructured (a free covariance matrix over the
visits, as SAS ``TYPE=UN`` or R's ``nlme::gls(correlation = corSymm,
weights = varIdent)``), or, when that cannot be fitted, the first structure of
a fallback sequence that can: heterogeneous Toeplitz (``corARMA(p = T - 1)`` +
``varIdent``), heterogeneous AR(1) (``corAR1`` + ``varIdent``), heterogeneous
compound symmetry (``corCompSymm`` + ``varIdent``) or compound symmetry
(``corCompSymm``: equal variances and one correlation, which may be negative,
so not only the marginal model of a subject random intercept). A fit has
converged when restarts from its end point and from a second start reach the
same restricted likelihood and covariance (a judgement free of the scale of
the data); a covariance on the boundary (a correlation of +/-1, a variance of 0)
is not used. The restricted likelihood is maximised with scipy (BFGS, analytic
gradient in the covariance); subjects with missing visits contribute the visits
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
>>> mmrm_fit(d, subject="id", visit="visit", outcome="y", group="arm", baseline="base",
...          visit_order=["M3", "M6", "M12"]).covariance_fits.structure.tolist()
['unstructured']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from . import _mmrm_covariance as cv
from ._common import (check_choice, check_columns_arg, check_conf_level, check_finite, check_frame,
                      fail, group_levels, not_estimable, numerical_trouble, result_frame)
from ._design import DesignBuilder

__all__ = ["mmrm", "mmrm_fit", "MMRMFit", "COVARIANCE_FIT_COLUMNS"]

#: Columns of ``mmrm_fit(...).covariance_fits``: one row a covariance structure tried.
COVARIANCE_FIT_COLUMNS = ["structure", "used", "converged", "reason", "n_parameters",
                          "reml_loglik", "aic"]


class MMRMFit(NamedTuple):
    """What :func:`mmrm_fit` returns: the result table and the covariance structures tried."""

    #: The table :func:`mmrm` returns.
    table: pd.DataFrame
    #: One row a covariance structure tried, in order (:data:`COVARIANCE_FIT_COLUMNS`).
    covariance_fits: pd.DataFrame


def mmrm_fit(data: pd.DataFrame, *, subject: str, visit: str, outcome: str, group: str,
             baseline: str | None = None, covariates: Sequence[str] = (),
             reference: Any | None = None, visit_order: Sequence[Any] | None = None,
             covariance: str = "auto", fallback: Sequence[str] | None = None,
             conf_level: float = 0.95) -> MMRMFit:
    """:func:`mmrm` with the covariance structures it tried.

    Parameters and the table are those of :func:`mmrm`; ``covariance_fits``
    has one row a structure tried (:data:`COVARIANCE_FIT_COLUMNS`):
    ``structure`` (in words), ``used``, ``converged``, ``reason`` (why it was
    not used, or that the fit is near the boundary), ``n_parameters``
    (covariance parameters), ``reml_loglik`` and ``aic`` (as nlme: -2 REML
    log-likelihood + 2 x (fixed effects + covariance parameters)).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> ids = np.repeat(np.arange(8), 3)
    >>> d = pd.DataFrame({"id": ids, "visit": np.tile(["M3", "M6", "M12"], 8),
    ...                   "arm": np.where(ids < 4, "A", "B"), "y": rng.normal(size=24)})
    >>> fit = mmrm_fit(d, subject="id", visit="visit", outcome="y", group="arm",
    ...                visit_order=["M3", "M6", "M12"], fallback=["compound-symmetry"],
    ...                covariance="heterogeneous-ar1")
    >>> fit.covariance_fits[["structure", "used"]].to_dict("records")
    [{'structure': 'heterogeneous AR(1)', 'used': True}]
    """
    return _mmrm(data, subject=subject, visit=visit, outcome=outcome, group=group,
                 baseline=baseline, covariates=covariates, reference=reference,
                 visit_order=visit_order, covariance=covariance, fallback=fallback,
                 conf_level=conf_level)


def mmrm(data: pd.DataFrame, *, subject: str, visit: str, outcome: str, group: str,
         baseline: str | None = None, covariates: Sequence[str] = (),
         reference: Any | None = None, visit_order: Sequence[Any] | None = None,
         covariance: str = "auto", fallback: Sequence[str] | None = None,
         conf_level: float = 0.95) -> pd.DataFrame:
    """Mixed model for repeated measures with least-squares means by visit.

    Parameters
    ----------
    data : pandas.DataFrame
        Long data: one row a subject and post-baseline visit. Rows with a
        missing value in a used column are dropped (the subject keeps its
        other visits).
    subject, visit, outcome, group : str
        Columns of the subject identifier, the visit, the value and the
        treatment group (two or more groups, fitted in one model: a treatment
        factor with one effect per visit for each group but the reference).
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
    covariance : str, default "auto"
        The covariance structure to fit first: ``"unstructured"``,
        ``"heterogeneous-toeplitz"``, ``"heterogeneous-ar1"``,
        ``"heterogeneous-compound-symmetry"`` or ``"compound-symmetry"``.
        ``"auto"`` is ``"unstructured"`` with the default fallback sequence.
    fallback : sequence of str, optional
        Structures tried in order when the first cannot be fitted (more
        covariance parameters than subjects, no convergence, or a singular
        covariance). Default: none for a named structure; for ``"auto"``
        heterogeneous Toeplitz, heterogeneous AR(1), heterogeneous compound
        symmetry, compound symmetry. ``method`` says which structure was used
        and why the ones before it were not.
    conf_level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        For each visit: one ``term == "lsmean"`` row a group (the comparators
        in sorted order, then the reference) and one ``term == "difference"``
        row a comparator (comparator minus reference, ``group`` ``"B - A"``), with
        columns ``term, group, visit, estimate, ci_low, ci_high, p_value,
        method, n`` (subjects observed at the visit), ``se``, ``df``.
        :func:`mmrm_fit` gives also the covariance structures tried.

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
       Near the boundary (a correlation within 1e-4 of 1) the method says so:
       the covariance is nearly singular and the df rest on a steep Hessian.

    Examples
    --------
    See the module docstring.
    """
    return _mmrm(data, subject=subject, visit=visit, outcome=outcome, group=group,
                 baseline=baseline, covariates=covariates, reference=reference,
                 visit_order=visit_order, covariance=covariance, fallback=fallback,
                 conf_level=conf_level).table


def _mmrm(data: pd.DataFrame, *, subject: str, visit: str, outcome: str, group: str,
          baseline: str | None, covariates: Sequence[str], reference: Any | None,
          visit_order: Sequence[Any] | None, covariance: str, fallback: Sequence[str] | None,
          conf_level: float) -> MMRMFit:
    fn = "mmrm"
    level = check_conf_level(fn, conf_level)
    check_choice(fn, "covariance", covariance, ["auto", *cv.STRUCTURES])
    covs = check_columns_arg(fn, "covariates", covariates)
    used = [subject, visit, outcome, group] + ([baseline] if baseline else []) + covs
    frame = check_frame(fn, data, used)[used].dropna().reset_index(drop=True)
    if frame.duplicated([subject, visit]).any():
        dup = frame[frame.duplicated([subject, visit])].iloc[0]
        raise fail(fn, "data", f"{dup[subject]}, {dup[visit]}", "two rows for one subject and visit",
                   "hold one row a subject and visit")
    comparators, ref = group_levels(fn, "group", frame[group], reference)
    visits = list(visit_order) if visit_order is not None else sorted(pd.unique(frame[visit]))
    unknown = set(pd.unique(frame[visit])) - set(visits)
    if unknown:
        raise fail(fn, "visit_order", ", ".join(map(str, sorted(unknown, key=str))),
                   "visits in the data but not in visit_order",
                   "a list of every visit in the data")
    T = len(visits)
    # a canonical row order (subject, then visit) so that the fit does not depend on
    # the order of the input rows (floating-point sums are order dependent)
    frame = frame.assign(_v=frame[visit].map({v: i for i, v in enumerate(visits)}),
                         _s=pd.factorize(frame[subject], sort=True)[0])
    frame = frame.sort_values(["_s", "_v"], kind="mergesort").reset_index(drop=True)
    treat = np.column_stack([(frame[group] == c).to_numpy(dtype=float) for c in comparators])
    builder = DesignBuilder(frame, covs)
    X = _design(frame["_v"].to_numpy(), treat, frame[baseline] if baseline else None,
                builder.matrix, T)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise not_estimable(fn, "data", f"{T} visits",
                            _rank_problem(frame, visits, group, baseline, covs),
                            "both groups observed at every visit, more subjects at each visit "
                            "than its own terms, and covariates that vary and are not collinear")
    y = frame[outcome].to_numpy(dtype=float)
    pat = cv.Patterns(frame["_s"].to_numpy(), frame["_v"].to_numpy(), y, X, T)
    sequence = _sequence(fn, covariance, fallback)
    structure, theta, why, fits = _fit_covariance(fn, pat, frame, X, y, visits, sequence)
    with numerical_trouble(fn, "the final GLS fit"):
        beta, A, _, _ = cv.gls(pat, structure.sigma(theta))
        cov = np.linalg.inv(A)
    check_finite(fn, "the final GLS fit", beta, cov)

    Ls, meta = _contrasts(frame, visits, subject, group, comparators, ref, baseline, builder)
    with numerical_trouble(fn, "the Satterthwaite degrees of freedom"):
        dfs = cv.satterthwaite(pat, structure, theta, Ls)
    if np.isnan(dfs).any():
        raise not_estimable(fn, "data", outcome, "the Satterthwaite degrees of freedom are "
                            "undefined (the restricted likelihood is flat or not finite near "
                            "its maximum)", "more subjects or visits with data")
    method = (f"MMRM (REML), {structure.name} covariance{why}; "
              "least-squares means; Satterthwaite df")
    return MMRMFit(result_frame(_rows(Ls, meta, dfs, beta, cov, level, method),
                                extra=["se", "df"]), fits)


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
    """Model matrix: visit intercepts, each comparator's effect by visit, baseline by visit,
    covariates (``treat`` has one indicator column a comparator group)."""
    onehot = np.eye(T)[vcode]
    blocks = [onehot] + [onehot * treat[:, [j]] for j in range(treat.shape[1])]
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


def _sequence(fn: str, covariance: str, fallback: Sequence[str] | None) -> list[str]:
    """The covariance structures to try, in order: the first, then the fallback sequence."""
    if fallback is None:
        fallback = cv.DEFAULT_FALLBACK if covariance == "auto" else ()
    if isinstance(fallback, str):
        raise fail(fn, "fallback", fallback, "a single name, not a sequence of names",
                   "a list of covariance structures, e.g. ['heterogeneous-toeplitz']")
    fallback = list(fallback)
    for name in fallback:
        check_choice(fn, "fallback", name, cv.STRUCTURES)
    repeated = sorted({f for f in fallback if fallback.count(f) > 1})
    if repeated:
        raise fail(fn, "fallback", ", ".join(repeated), "listed more than once",
                   "a list naming each structure once")
    first = "unstructured" if covariance == "auto" else covariance
    return [first] + [f for f in fallback if f != first]


def _fit_covariance(fn: str, pat: cv.Patterns, frame: pd.DataFrame, X: np.ndarray, y: np.ndarray,
                    visits: list, sequence: list[str]):
    """Fit the first structure of ``sequence`` the data allow.

    Returns ``(structure, theta, words for the method, covariance fits)``;
    the fits are one row per structure tried (:data:`COVARIANCE_FIT_COLUMNS`).
    """
    T = len(visits)
    scode, vcode = frame["_s"].to_numpy(), frame["_v"].to_numpy()
    with numerical_trouble(fn, "the starting covariance"):
        resid = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
        S0 = _start(resid, scode, vcode, T)
    if np.all(np.abs(resid) <= 1e-10 * max(1.0, float(np.abs(y).max()))):
        raise not_estimable(fn, "data", f"{len(y)} values",
                            "the mean model fits every value exactly (no residual variation), "
                            "so no covariance can be estimated",
                            "more values than mean-model terms, varying around the model")
    # nlme's REML log-likelihood: -(N - p) / 2 log(2 pi) - (the -REML objective)
    const = -0.5 * (len(y) - X.shape[1]) * np.log(2 * np.pi)
    rows, failed = [], []
    for key in sequence:
        structure = cv.BY_KEY[key](T)
        k = structure.n_params
        row = {"structure": structure.name, "used": False, "converged": False, "reason": "",
               "n_parameters": k, "reml_loglik": np.nan, "aic": np.nan}
        rows.append(row)
        if pat.n_subjects <= k:
            row["reason"] = f"too few subjects, {pat.n_subjects}, for its {k} covariance parameters"
        else:
            theta, objective, why = cv.fit(pat, structure, S0)
            if np.isfinite(objective):
                row["reml_loglik"] = float(const - objective)
                row["aic"] = float(-2 * row["reml_loglik"] + 2 * (X.shape[1] + k))
            singular, near = structure.edge(theta, visits)  # on the boundary: why it stopped
            row["converged"] = not why
            row["reason"] = singular or "; ".join(w for w in (why, near) if w)
            if not (why or singular):
                row["used"] = True
                words = "; ".join(failed + ([near] if near else []))
                fits = pd.DataFrame(rows, columns=COVARIANCE_FIT_COLUMNS)
                return structure, theta, f" ({words})" if words else "", fits
        failed.append(f"{structure.name} not used: {row['reason']}")
    raise not_estimable(fn, "covariance", ", ".join(sequence),
                        "the mixed model did not converge to a usable covariance with any "
                        "structure tried (" + "; ".join(failed) + ")",
                        "more subjects, or a simpler structure in the fallback sequence")

def _contrasts(frame: pd.DataFrame, visits: Sequence[Any], subject: str, group: str,
               comparators: list[Any], ref: Any, baseline: str | None, builder: DesignBuilder):
    """Rows of least-squares means and differences by visit, with ``(term, group, visit, n)``.

    At each visit: the least-squares mean of each comparator, then of the
    reference, then each comparator minus the reference (all from one fit).
    """
    T = len(visits)
    grid_base = float(frame[baseline].mean()) if baseline else 0.0
    grid_cov = builder.grid_row()
    Ls, meta = [], []
    counts = frame.groupby(["_v", group])[subject].nunique()
    for t, v in enumerate(visits):
        def row(arm: int | None) -> np.ndarray:
            e = np.zeros(T)
            e[t] = 1.0
            parts = ([e] + [e * float(arm == j) for j in range(len(comparators))]
                     + ([e * grid_base] if baseline else []) + [grid_cov])
            return np.concatenate(parts)
        for j, lev in [*enumerate(comparators), (None, ref)]:
            Ls.append(row(j))
            meta.append(("lsmean", str(lev), v, int(counts.get((t, lev), 0))))
        for j, lev in enumerate(comparators):
            Ls.append(row(j) - row(None))
            meta.append(("difference", f"{lev} - {ref}", v,
                         int(counts.get((t, lev), 0) + counts.get((t, ref), 0))))
    return np.asarray(Ls), meta
