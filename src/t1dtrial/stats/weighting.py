"""Inverse probability of treatment weighting (IPTW) for non-randomised comparisons.

:func:`propensity_weights` fits a logistic propensity score and returns
(stabilised) weights; :func:`standardized_differences` gives the covariate
balance before and after weighting; :func:`iptw_difference` estimates the
weighted difference in outcome (a risk difference for a binary outcome) with
a robust (sandwich) standard error.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> d = pd.DataFrame({"arm": ["MSC"] * 20 + ["CONTROL"] * 20, "x": rng.normal(size=40)})
>>> w = propensity_weights(d, group="arm", covariates=["x"])
>>> list(w.columns)
['propensity', 'weight']
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from ..errors import SeparationWarning
from ._common import (check_columns_arg, check_conf_level, check_finite, check_frame, fail,
                      is_factor, not_estimable, numerical_trouble, result_frame, two_levels)
from ._design import DesignBuilder
from ._likelihood import newton, scaled_columns
from .logistic import Separation, _separation

__all__ = ["propensity_weights", "standardized_differences", "iptw_difference"]


def _complete(fn: str, data: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    frame = check_frame(fn, data, columns)[columns]
    if frame.isna().any().any():
        bad = [c for c in columns if frame[c].isna().any()]
        raise fail(fn, "data", ", ".join(bad), "missing values in the group or a covariate",
                   "hold complete columns (impute or drop the rows first)")
    return frame


def propensity_weights(data: pd.DataFrame, *, group: str, covariates: Sequence[str],
                       reference: Any | None = None, stabilized: bool = True) -> pd.DataFrame:
    """Logistic propensity score and inverse-probability-of-treatment weights.

    Parameters
    ----------
    data : pandas.DataFrame
        One row a subject; group and covariates must be complete.
    group : str
        Two-level treatment column; the propensity is the probability of the
        comparator (non-reference) level.
    covariates : sequence of str
        Columns of the propensity model (numeric linearly, factors as dummies).
    reference : optional
        Reference level of ``group`` (default: first in sorted order).
    stabilized : bool, default True
        Multiply by the marginal probability of the subject's own group
        (weights then average about 1 in each group).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``data``: ``propensity`` (``e = P(comparator | x)``) and
        ``weight`` (``1/e`` or ``1/(1 - e)``, times ``P(group)`` when stabilised).

    Notes
    -----
    Maximum likelihood; under separation of the groups by the covariates
    (no overlap) the estimates diverge and the weights are meaningless: a
    :class:`~t1dtrial.errors.SeparationWarning` says so.

    Examples
    --------
    See the module docstring.
    """
    weights, sep = _propensity("propensity_weights", data, group, covariates, reference,
                               stabilized)
    if sep.separated:
        warnings.warn(f"{_overlap(sep)}; propensity weights are unreliable",
                      SeparationWarning, stacklevel=2)
    return weights


def _overlap(sep: Separation) -> str:
    terms = [t for t in sep.terms if t != "(Intercept)"] or list(sep.terms)
    return f"the covariates {sep.kind}ly separate the groups (no overlap: {', '.join(terms)})"


def _propensity(fn: str, data: pd.DataFrame, group: str, covariates: Sequence[str],
                reference: Any | None, stabilized: bool) -> tuple[pd.DataFrame, Separation]:
    """Propensity scores and weights (as :func:`propensity_weights`) and the separation check."""
    covs = check_columns_arg(fn, "covariates", covariates)
    frame = _complete(fn, data, [group] + covs)
    comparator, _ = two_levels(fn, "group", frame[group], reference)
    t = (frame[group] == comparator).to_numpy(dtype=float)
    builder = DesignBuilder(frame, covs)
    X = np.column_stack([np.ones(len(frame)), builder.matrix])
    sep = _separation(X, t, ["(Intercept)"] + builder.names)
    Xs, _ = scaled_columns(X)
    beta, _, _ = newton(Xs, t, np.zeros(X.shape[1]), False, np.arange(X.shape[1]), 500)
    e = special.expit(Xs @ beta)
    with np.errstate(divide="ignore"):
        w = np.where(t == 1, 1 / e, 1 / (1 - e))
    if stabilized:
        w = w * np.where(t == 1, t.mean(), 1 - t.mean())
    return pd.DataFrame({"propensity": e, "weight": w}, index=frame.index), sep


def _weighted_moments(x: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * x) / np.sum(w))


def standardized_differences(data: pd.DataFrame, *, group: str, covariates: Sequence[str],
                             weights: Sequence[float] | None = None,
                             reference: Any | None = None) -> pd.DataFrame:
    """Standardised mean differences of covariates between groups, before and after weighting.

    Parameters
    ----------
    data : pandas.DataFrame
        One row a subject.
    group : str
        Two-level group column.
    covariates : sequence of str
        Numeric columns (one row each) and factor columns (one row a level).
    weights : sequence of float, optional
        Subject weights (e.g. ``propensity_weights(...).weight``), aligned
        with ``data``; without them only the unweighted difference is given.
    reference : optional
        Reference level of ``group``.

    Returns
    -------
    pandas.DataFrame
        One row a covariate (``term``; ``column[level]`` for factor levels):
        ``mean_comparator, mean_reference`` (unweighted), ``smd`` (unweighted),
        ``mean_comparator_weighted, mean_reference_weighted, smd_weighted``.

    Notes
    -----
    ``SMD = (mean_1 - mean_0) / sqrt((s_1^2 + s_0^2) / 2)`` with the
    *unweighted* group variances in the denominator both before and after
    weighting (as R's cobalt by default), so that a change in SMD reflects
    the change in means only; for a binary indicator ``s^2 = p (1 - p)``.
    An SMD below 0.1 in absolute value is commonly taken as balance.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"arm": ["A", "A", "B", "B"], "x": [1.0, 2.0, 2.0, 3.0]})
    >>> float(standardized_differences(d, group="arm", covariates=["x"]).smd[0])
    1.414213562373095
    """
    fn = "standardized_differences"
    covs = check_columns_arg(fn, "covariates", covariates)
    frame = _complete(fn, data, [group] + covs)
    comparator, ref = two_levels(fn, "group", frame[group], reference)
    t = (frame[group] == comparator).to_numpy()
    if weights is None:
        w = np.ones(len(frame))
    else:
        w = np.asarray(pd.Series(np.asarray(weights, dtype=float), index=data.index)
                       .loc[frame.index], dtype=float)
        if np.isnan(w).any() or (w < 0).any():
            raise fail(fn, "weights", "NaN or negative", "invalid weights", "non-negative weights")
    rows = []
    for col in covs:
        series = frame[col]
        if is_factor(series):
            levels = sorted(pd.unique(series), key=str)
            items = [(f"{col}[{lev}]", (series == lev).to_numpy(dtype=float), True) for lev in levels]
        else:
            items = [(col, series.to_numpy(dtype=float), False)]
        for term, x, binary in items:
            a, b = x[t], x[~t]
            if binary:
                va, vb = a.mean() * (1 - a.mean()), b.mean() * (1 - b.mean())
            else:
                va, vb = a.var(ddof=1), b.var(ddof=1)
            sd = np.sqrt((va + vb) / 2)
            wa = _weighted_moments(a, w[t])
            wb = _weighted_moments(b, w[~t])
            rows.append({"term": term, "mean_comparator": float(a.mean()),
                         "mean_reference": float(b.mean()),
                         "smd": float((a.mean() - b.mean()) / sd) if sd > 0 else np.nan,
                         "mean_comparator_weighted": wa, "mean_reference_weighted": wb,
                         "smd_weighted": float((wa - wb) / sd) if sd > 0 else np.nan})
    out = pd.DataFrame(rows)
    if weights is None:
        out[["mean_comparator_weighted", "mean_reference_weighted", "smd_weighted"]] = np.nan
    return out


def iptw_difference(data: pd.DataFrame, *, outcome: str, group: str, covariates: Sequence[str],
                    reference: Any | None = None, stabilized: bool = True,
                    conf_level: float = 0.95) -> pd.DataFrame:
    """IPTW estimate of the difference in outcome between groups, with a robust SE.

    Parameters
    ----------
    data : pandas.DataFrame
        One row a subject; rows with a missing outcome are dropped before the
        propensity model is fitted.
    outcome : str
        Binary (0/1: the estimate is a risk difference) or numeric outcome.
    group, covariates, reference, stabilized
        As :func:`propensity_weights`.
    conf_level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row: ``estimate`` (weighted mean of the comparator minus that of
        the reference), ``ci_low, ci_high, p_value`` (normal), ``method, n``,
        ``se``, ``max_weight``, ``ess_comparator``, ``ess_reference``
        (Kish's effective sample sizes).

    Raises
    ------
    EstimationError
        When the covariates separate the groups (no overlap): the propensity
        model has no maximum-likelihood estimate and no weighting can balance
        the groups, so there is no remedy.

    Notes
    -----
    Weighted least squares of the outcome on the group indicator; the
    sandwich variance ``(X'WX)^-1 (sum w_i^2 e_i^2 x_i x_i') (X'WX)^-1``
    times ``n / (n - 1)``, as R's ``survey::svyglm`` with
    ``svydesign(ids = ~1, weights = ~w)``. The propensity score is treated
    as known (the usual, slightly conservative, practice for the average
    treatment effect).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame({"arm": ["MSC"] * 25 + ["CONTROL"] * 25, "x": rng.normal(size=50)})
    >>> d["y"] = (rng.uniform(size=50) < 0.4).astype(int)
    >>> r = iptw_difference(d, outcome="y", group="arm", covariates=["x"])
    >>> list(r.columns[:6])
    ['estimate', 'ci_low', 'ci_high', 'p_value', 'method', 'n']
    """
    fn = "iptw_difference"
    level = check_conf_level(fn, conf_level)
    covs = check_columns_arg(fn, "covariates", covariates)
    frame = check_frame(fn, data, [outcome, group] + covs)
    frame = frame[frame[outcome].notna()]
    pw, sep = _propensity(fn, frame, group, covs, reference, stabilized)
    if sep.separated:
        raise not_estimable(fn, "covariates", ", ".join(covs),
                            f"{_overlap(sep)}: no weighting can balance them",
                            "covariates whose ranges overlap between the groups")
    comparator, ref = two_levels(fn, "group", frame[group], reference)
    t = (frame[group] == comparator).to_numpy(dtype=float)
    y = frame[outcome].to_numpy(dtype=float)
    if np.unique(y).size < 2:
        raise not_estimable(fn, "outcome", outcome, f"every subject has the same outcome "
                            f"({y[0]:g}): the robust variance is zero",
                            "outcomes that vary between subjects")
    w = pw["weight"].to_numpy()
    check_finite(fn, "the propensity weights", w)
    X = np.column_stack([np.ones(len(y)), t])
    n = len(y)
    with numerical_trouble(fn, "the weighted regression"):
        bread = np.linalg.inv((X * w[:, None]).T @ X)
        beta = bread @ (X * w[:, None]).T @ y
        e = y - X @ beta
        meat = (X * (w * e)[:, None]).T @ (X * (w * e)[:, None])
        V = bread @ meat @ bread * n / (n - 1)
    check_finite(fn, "the weighted regression", beta, V)
    est, se = float(beta[1]), float(np.sqrt(V[1, 1]))
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    binary = set(np.unique(y)) <= {0.0, 1.0}
    kind = "risk difference" if binary else "difference in means"
    ess = [float(w[m].sum() ** 2 / (w[m] ** 2).sum()) for m in (t == 1, t == 0)]
    return result_frame([{
        "estimate": est, "ci_low": est - z * se, "ci_high": est + z * se,
        "p_value": float(2 * stats.norm.sf(abs(est) / se)) if se > 0 else np.nan,
        "method": (f"{kind}; inverse probability of treatment weighting "
                   f"({'stabilised ' if stabilized else ''}weights, logistic propensity score on "
                   f"{', '.join(covs)}); robust sandwich SE"),
        "n": n, "se": se, "max_weight": float(w.max()),
        "ess_comparator": ess[0], "ess_reference": ess[1]}],
        extra=["se", "max_weight", "ess_comparator", "ess_reference"])
