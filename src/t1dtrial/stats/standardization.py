"""Covariate-adjusted risk difference, risk ratio and odds ratio by standardisation.

:func:`standardized_risks` fits a logistic model of a binary outcome on the
group and covariates, predicts every subject's risk as if in each group in
turn (g-computation) and averages the predictions over the analysed subjects:
the marginal (population-averaged) risks ``r1`` (comparator) and ``r0``
(reference), and from them the risk difference ``r1 - r0``, the risk ratio
``r1 / r0`` and the marginal odds ratio. These are the same summary measures
as the unadjusted comparison, adjusted for the covariates in the model;
they are not the conditional odds ratio of the logistic model.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(3)
>>> d = pd.DataFrame({"arm": ["MSC"] * 30 + ["CONTROL"] * 30, "x": rng.normal(size=60)})
>>> d["y"] = (rng.uniform(size=60) < np.where(d.arm == "MSC", 0.5, 0.2)).astype(int)
>>> r = standardized_risks(d, outcome="y", group="arm", covariates=["x"], reference="CONTROL")
>>> r.term.tolist()
['risk difference', 'risk ratio', 'odds ratio']
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from ..errors import SeparationWarning
from ._common import (check_choice, check_columns_arg, check_conf_level, check_finite,
                      check_frame, fail, not_estimable, numerical_trouble, result_frame,
                      two_levels)
from ._design import DesignBuilder
from ._likelihood import newton, scaled_columns
from .logistic import _separation

__all__ = ["standardized_risks"]

_VARIANCE = {
    "unconditional": "delta method: model-based covariance of the logistic coefficients "
                     "(inverse information) plus the variation of the predicted risks over "
                     "the subjects (population average)",
    "conditional": "delta method: model-based covariance of the logistic coefficients "
                   "(inverse information), conditional on the subjects' covariates",
}


def _fit(fn: str, X: np.ndarray, y: np.ndarray, names: list[str],
         method: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Coefficients, their model-based covariance and the words naming the fit."""
    sep = _separation(X, y, names)
    if method == "ml" and sep.separated:
        raise not_estimable(fn, "method", method,
                            f"the outcome is {sep.kind}ly separated "
                            f"({', '.join(sep.terms)}): maximum likelihood estimates are infinite",
                            "method='auto' or 'firth'")
    firth = method == "firth" or sep.separated
    if sep.separated and method == "auto":
        warnings.warn(f"the outcome is {sep.kind}ly separated ({', '.join(sep.terms)}); "
                      "the standardised risks use Firth's penalised likelihood",
                      SeparationWarning, stacklevel=3)
    Xs, scale = scaled_columns(X)
    with numerical_trouble(fn, "the logistic model"):
        beta, _, converged = newton(Xs, y, np.zeros(X.shape[1]), firth, np.arange(X.shape[1]),
                                     500)
        p = special.expit(Xs @ beta)
        info = (Xs * (p * (1 - p))[:, None]).T @ Xs
        cov = np.linalg.inv(info)
    if not converged and np.max(np.abs(_gradient(Xs, y, p, info, firth))) > 1e-6:
        # the optimiser's flag alone is not enough: BFGS may stop at a maximum it cannot improve
        raise not_estimable(fn, None, None, "the logistic model did not converge",
                            "more subjects or fewer covariates")
    beta, cov = beta / scale, cov / np.outer(scale, scale)
    check_finite(fn, "the logistic model", beta, cov)
    if firth:
        why = (f"{sep.kind} separation of {', '.join(sep.terms)}" if sep.separated
               else "requested")
        words = f"Firth penalised likelihood ({why})"
    else:
        words = "maximum likelihood"
    return beta, cov, words


def _gradient(X: np.ndarray, y: np.ndarray, p: np.ndarray, info: np.ndarray,
              firth: bool) -> np.ndarray:
    """Score of the log-likelihood, or Firth's modified score ``X'(y - p + h (1/2 - p))``."""
    resid = y - p
    if firth:
        h = p * (1 - p) * np.einsum("ij,jk,ik->i", X, np.linalg.pinv(info), X)
        resid = resid + h * (0.5 - p)
    return X.T @ resid


def standardized_risks(data: pd.DataFrame, *, outcome: str, group: str,
                       covariates: Sequence[str], reference: Any | None = None,
                       method: str = "auto", variance: str = "unconditional",
                       conf_level: float = 0.95) -> pd.DataFrame:
    """Covariate-adjusted (standardised) risk difference, risk ratio and odds ratio.

    Parameters
    ----------
    data : pandas.DataFrame
        One row a subject; rows with a missing outcome, group or covariate
        are dropped (``n`` counts the rows used).
    outcome : str
        Binary column (0/1 or False/True).
    group : str
        Two-level group column; estimates are comparator minus (over) reference.
    covariates : sequence of str
        Adjustment covariates (numeric linearly, factors as dummies); may be
        empty (the estimates then equal the crude ones).
    reference : optional
        Reference level of ``group`` (default: first in sorted order).
    method : {"auto", "ml", "firth"}, default "auto"
        Fit of the logistic model ``outcome ~ group + covariates``. ``"auto"``:
        maximum likelihood, or Firth's penalised likelihood when the outcome
        is separated (with a :class:`~t1dtrial.errors.SeparationWarning`).
    variance : {"unconditional", "conditional"}, default "unconditional"
        ``"unconditional"`` treats the subjects as a sample of the population
        the average refers to and adds the variance of the subject-level
        predicted differences to the coefficient part; ``"conditional"``
        treats their covariates as fixed (as Stata's ``margins`` by default).
    conf_level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Rows ``term`` = ``risk difference``, ``risk ratio``, ``odds ratio``:
        ``estimate, ci_low, ci_high, p_value, method, n``, then ``se`` (of
        the difference, of the logarithm for the ratios), ``risk_comparator``,
        ``risk_reference`` (the standardised risks) and ``fit`` (how the
        logistic model was fitted).

    Raises
    ------
    EstimationError
        When every subject has the same outcome, a group has no subject, a
        standardised risk is 0 or 1 (a ratio is then not estimable), or the
        model does not converge; with ``method="ml"`` under separation.

    Notes
    -----
    With ``p_ig`` the predicted risk of subject ``i`` in group ``g``, the
    standardised risks are ``r_g = mean_i p_ig``. Their gradients with
    respect to the coefficients are analytic, ``mean_i p_ig (1 - p_ig) x_ig``,
    and the variance of a contrast ``h(r1, r0)`` is ``d' V d`` with ``V`` the
    inverse Fisher information at the estimate (model-based; for Firth's fit
    at the penalised estimate, as R's brglm2 reports) and ``d`` the chain-rule
    gradient; ``variance="unconditional"`` adds
    ``sum_i (c_i - mean c)^2 / n^2`` where ``c_i`` is subject ``i``'s
    linearised contribution to ``h`` (for the risk difference
    ``p_i1 - p_i0``). Intervals are normal (Wald) on the difference scale
    and on the log scale for the ratios; ``p_value`` tests no difference
    (all three test the same hypothesis ``r1 = r0`` on their own scale).
    Without randomisation the estimates remain associations: they remove
    confounding by the modelled covariates only.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"arm": ["T"] * 6 + ["C"] * 6, "x": [0, 1, 0, 1, 0, 1] * 2,
    ...                   "y": [1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 1]})
    >>> r = standardized_risks(d, outcome="y", group="arm", covariates=["x"], reference="C")
    >>> round(float(r.estimate[0]), 4), r.fit[0]
    (0.3333, 'maximum likelihood')
    """
    fn = "standardized_risks"
    level = check_conf_level(fn, conf_level)
    check_choice(fn, "method", method, ("auto", "ml", "firth"))
    check_choice(fn, "variance", variance, ("unconditional", "conditional"))
    covs = check_columns_arg(fn, "covariates", covariates)
    if outcome in covs or group in covs:
        raise fail(fn, "covariates", ", ".join(covs), "contains the outcome or the group",
                   "baseline covariates other than the outcome and the group")
    frame = check_frame(fn, data, [outcome, group] + covs)[[outcome, group] + covs].dropna()
    y = _binary(fn, outcome, frame[outcome])
    comparator, ref = two_levels(fn, "group", frame[group], reference)
    if np.unique(y).size < 2:
        raise not_estimable(fn, "outcome", outcome,
                            f"every subject has the same outcome ({y[0]:g})",
                            "responders and non-responders among the analysed subjects")
    t = (frame[group] == comparator).to_numpy(dtype=float)
    builder = DesignBuilder(frame, covs)
    names = ["(Intercept)", group] + builder.names
    X = np.column_stack([np.ones(len(y)), t, builder.matrix])
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise not_estimable(fn, "covariates", ", ".join(covs),
                            "the model matrix is rank deficient (a covariate is constant or "
                            "a combination of the others or of the group)",
                            "covariates that vary independently")
    beta, cov, fit_words = _fit(fn, X, y, names, method)
    X1, X0 = X.copy(), X.copy()
    X1[:, 1], X0[:, 1] = 1.0, 0.0
    p1, p0 = special.expit(X1 @ beta), special.expit(X0 @ beta)
    r1, r0 = float(p1.mean()), float(p0.mean())
    if not (0 < r0 < 1 and 0 < r1 < 1):
        raise not_estimable(fn, None, None, "a standardised risk is 0 or 1",
                            "outcomes that vary in each group")
    g1 = (X1 * (p1 * (1 - p1))[:, None]).mean(axis=0)
    g0 = (X0 * (p0 * (1 - p0))[:, None]).mean(axis=0)
    # contrast value and its derivatives with respect to (r1, r0)
    contrasts = {
        "risk difference": (r1 - r0, (1.0, -1.0), False),
        "risk ratio": (np.log(r1 / r0), (1 / r1, -1 / r0), True),
        "odds ratio": (np.log(r1 / (1 - r1)) - np.log(r0 / (1 - r0)),
                       (1 / (r1 * (1 - r1)), -1 / (r0 * (1 - r0))), True),
    }
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    n = len(y)
    text = (f"standardisation (g-computation) over the {n} analysed subjects: logistic model of "
            f"{outcome} on {group}" + (f" + {' + '.join(covs)}" if covs else "")
            + f" ({fit_words}); {_VARIANCE[variance]}; normal interval")
    rows = []
    for term, (value, (a1, a0), log) in contrasts.items():
        grad = a1 * g1 + a0 * g0
        var = float(grad @ cov @ grad)
        if variance == "unconditional":
            c = a1 * p1 + a0 * p0
            var += float(np.sum((c - c.mean()) ** 2)) / n ** 2
        se = float(np.sqrt(var))
        lo, hi = value - z * se, value + z * se
        p = float(2 * stats.norm.sf(abs(value) / se)) if se > 0 else np.nan
        est = (np.exp(value), np.exp(lo), np.exp(hi)) if log else (value, lo, hi)
        rows.append({"term": term, "estimate": float(est[0]), "ci_low": float(est[1]),
                     "ci_high": float(est[2]), "p_value": p,
                     "method": text + (" on the log scale" if log else ""), "n": n, "se": se,
                     "risk_comparator": r1, "risk_reference": r0, "fit": fit_words})
    return result_frame(rows, extra=["se", "risk_comparator", "risk_reference", "fit"])


def _binary(fn: str, name: str, values: pd.Series) -> np.ndarray:
    y = values.to_numpy(dtype=float) if values.dtype != object else values.astype(float).to_numpy()
    if not set(np.unique(y)) <= {0.0, 1.0}:
        raise fail(fn, "outcome", name, "not binary", "a column of 0 and 1 (or False and True)")
    return y
