"""Comparison of a continuous outcome between two groups.

:func:`welch_t` (means), :func:`mann_whitney` (location shift, rank based) and
:func:`ancova` (follow-up value adjusted for baseline and covariates, with
least-squares means). Effects are group 1 (``x``, or the comparator level)
minus group 2 (``y``, or the reference level).

Missing values are dropped (complete cases); the ``n`` column counts the
values used.

Implementation: :func:`welch_t` is ``scipy.stats.ttest_ind(equal_var=False)``
with its ``confidence_interval`` and ``df``; the test of :func:`mann_whitney`
(statistic and p-value) is ``scipy.stats.mannwhitneyu``, told R's choice
between the exact law and the normal approximation (R: exact when both groups
have fewer than 50 values and no ties; scipy's default ``method="auto"``
decides otherwise). Own code remains for the Hodges-Lehmann shift and its
interval, which scipy does not compute: the exact limits need the quantiles
of the Wilcoxon law (scipy exposes only its p-values), the normal-case limits
invert the tie- and continuity-corrected statistic of ``(x - d, y)`` at its
jump points. Both are order statistics of the ``m n`` differences, selected
without forming them (:mod:`t1dtrial.stats._pairwise`): ``O(N log N)`` time
a step and ``O(N)`` memory for ``N = m + n`` values. Constant data are refused here, as R's ``t.test`` does, before
scipy would return NaN or a meaningless t. The scipy tests are called without their
array-handling layer (:func:`~t1dtrial.stats._common.unwrapped`): same code, same numbers.

Examples
--------
>>> r = welch_t([1.2, 2.3, 3.1, 4.8], [0.5, 1.1, 1.9])
>>> list(r.columns[:6])
['estimate', 'ci_low', 'ci_high', 'p_value', 'method', 'n']
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ._common import (check_choice, check_columns_arg, check_conf_level, check_finite, check_frame,
                      check_sample, fail, not_estimable, numerical_trouble, result_frame,
                      two_levels, unwrapped)
from ._design import DesignBuilder, complete_cases, model_arrays
from ._pairwise import PairwiseDifferences, crossing_rank, rank_sum_z, tie_sum

__all__ = ["welch_t", "mann_whitney", "ancova", "welch_t_row", "mann_whitney_row", "ancova_rows",
           "ancova_arrays", "ols"]


# --------------------------------------------------------------------------- Welch
def welch_t(x: Sequence[float], y: Sequence[float], *, conf_level: float = 0.95) -> pd.DataFrame:
    """Welch's two-sample t-test (unequal variances) of ``mean(x) - mean(y)``.

    Parameters
    ----------
    x, y : sequence of float
        Values of groups 1 and 2; missing values are dropped. Each group needs
        at least two values.
    conf_level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row: ``estimate, ci_low, ci_high, p_value, method, n, statistic, df``
        with ``df`` the Welch-Satterthwaite degrees of freedom.

    Notes
    -----
    ``t = (mean_x - mean_y) / sqrt(s_x^2 / n_x + s_y^2 / n_y)``, as R's
    ``t.test(x, y)``, computed by ``scipy.stats.ttest_ind(equal_var=False)``.
    Data whose standard error is below ``10 eps max(|mean_x|, |mean_y|)`` are
    refused as constant, as R.

    Examples
    --------
    >>> r = welch_t([1.2, 2.3, 3.1, 4.8], [0.5, 1.1, 1.9])
    >>> round(float(r.estimate[0]), 4)
    1.6833
    """
    return result_frame([welch_t_row(x, y, conf_level=conf_level)], extra=["statistic", "df"])


def welch_t_row(x: Sequence[float], y: Sequence[float], *,
                conf_level: float = 0.95) -> dict[str, Any]:
    """The one row of :func:`welch_t` as a dict (for a table of many tests).

    Examples
    --------
    >>> welch_t_row([1.2, 2.3, 3.1, 4.8], [0.5, 1.1, 1.9])["n"]
    7
    """
    level = check_conf_level("welch_t", conf_level)
    a = check_sample("welch_t", "x", x, minimum=2)
    b = check_sample("welch_t", "y", y, minimum=2)
    se = float(np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size))
    if se == 0 or se < 10 * np.finfo(float).eps * max(abs(a.mean()), abs(b.mean())):
        # R: "data are essentially constant"; scipy would give NaN or a meaningless t
        raise not_estimable("welch_t", "x, y", "constant values", "both groups have zero variance",
                            "some variation in at least one group")
    with warnings.catch_warnings():
        # one constant group is fine; scipy's "precision loss" warning refers to it alone
        warnings.simplefilter("ignore", RuntimeWarning)
        test = unwrapped(stats.ttest_ind)(a, b, equal_var=False)
        interval = test.confidence_interval(confidence_level=level)
    return {"estimate": float(a.mean() - b.mean()), "ci_low": float(interval.low),
            "ci_high": float(interval.high), "p_value": float(test.pvalue),
            "method": "Welch two-sample t-test", "n": a.size + b.size,
            "statistic": float(test.statistic), "df": float(test.df)}


# --------------------------------------------------------------------------- Mann-Whitney
def _wilcoxon_counts(m: int, n: int) -> np.ndarray:
    """Number of arrangements giving each value 0..m*n of the Mann-Whitney U statistic."""
    coeffs = np.zeros(m * n + 1, dtype=object)
    coeffs[0] = 1
    for i in range(1, m + 1):
        shift = n + i
        if shift <= m * n:
            coeffs[shift:] = coeffs[shift:] - coeffs[:-shift].copy()
        for r in range(i):
            coeffs[r::i] = np.cumsum(coeffs[r::i])
    return coeffs


@functools.lru_cache(maxsize=64)
def _wilcoxon_cdf(m: int, n: int) -> np.ndarray:
    """P(U <= u), u = 0..m*n (read-only; remembered: subgroups share their sizes)."""
    counts = _wilcoxon_counts(m, n)
    total = int(sum(counts))
    cdf = np.array([float(c) for c in np.cumsum(counts)]) / float(total)
    cdf.flags.writeable = False
    return cdf


def _qwilcox(p: float, cdf: np.ndarray) -> int:
    """R's ``qwilcox`` for ``p <= 0.5``: smallest q with P(U <= q) >= p."""
    return int(np.searchsorted(cdf, p - 10 * np.finfo(float).eps, side="left"))


def _normal_shift_limits(a: np.ndarray, b: np.ndarray, diffs: PairwiseDifferences,
                         zq: Sequence[float], correct: bool) -> list[float]:
    """Shifts at which R's asymptotic Wilcoxon statistic ``W(d)`` crosses each ``zq``.

    R's ``wilcox.test`` returns ``min(x) - max(y)`` when ``W`` there is at
    or below ``zq``, ``max(x) - min(y)`` when ``W`` there is at or above it,
    and otherwise ``uniroot(W(d) - zq, tol = 1e-4)``. Between consecutive
    pairwise differences ``W`` is a constant (no tie across the samples, the
    ties within them), non-increasing from one to the next; its root is the
    difference where it first reaches ``zq``, an order statistic of the
    differences (:func:`~t1dtrial.stats._pairwise.crossing_rank`). That
    difference itself is returned, where R stops within ``1e-4`` of it.
    ``W`` is evaluated at the two ends only (``O(N log N)`` each), as R
    checks them; R's root finder brackets a sign change between points it
    evaluates, which lie between differences, so the value of ``W`` at a
    difference itself (lower ``sigma``: ties across the samples) does not
    move the limit.
    """
    m, n = a.size, b.size
    mumin, mumax = float(a.min() - b.max()), float(a.max() - b.min())
    at_min, at_max = rank_sum_z(a, b, mumin, correct), rank_sum_z(a, b, mumax, correct)
    within = tie_sum(a) + tie_sum(b)
    sigma = np.sqrt(m * n / 12 * ((m + n + 1) - within / ((m + n) * (m + n - 1))))
    limits = []
    for z in zq:
        if at_min - z <= 0:
            limits.append(mumin)
        elif at_max - z >= 0:
            limits.append(mumax)
        else:
            limits.append(diffs.kth(crossing_rank(m * n, m * n / 2, sigma, z, correct)))
    return limits


def mann_whitney(x: Sequence[float], y: Sequence[float], *, conf_level: float = 0.95,
                 exact: bool | None = None, correct: bool = True) -> pd.DataFrame:
    """Wilcoxon-Mann-Whitney test with the Hodges-Lehmann shift and its interval.

    Parameters
    ----------
    x, y : sequence of float
        Values of groups 1 and 2; missing values are dropped.
    conf_level : float, default 0.95
        Confidence level of the shift interval.
    exact : bool or None, default None
        Use the exact null distribution. ``None`` (as R's ``wilcox.test``): exact
        when both groups have fewer than 50 values and there are no ties.
        With ties the exact law does not apply and the normal approximation
        is used whatever ``exact`` says.
    correct : bool, default True
        Continuity correction of the normal approximation.

    Returns
    -------
    pandas.DataFrame
        One row: ``estimate`` (Hodges-Lehmann shift: median of all
        differences ``x_i - y_j``), ``ci_low``, ``ci_high``, ``p_value``
        (two-sided), ``method``, ``n``, ``statistic`` (R's W: rank sum of ``x``
        minus ``n_x (n_x + 1) / 2``), ``conf_level`` (the level of the interval:
        ``conf_level`` unless the groups are too small for it, when the exact
        interval is the widest one and its level is lower, as R reports).

    Notes
    -----
    The statistic and p-value are ``scipy.stats.mannwhitneyu`` with the exact
    or asymptotic method chosen as above; R's ``wilcox.test`` gives the same.
    Exact case: the interval is formed by order statistics of the sorted
    differences at the ``(1 - conf_level) / 2`` quantile of the
    Wilcoxon law, as R. Normal case: the limits are where the continuity-
    corrected, tie-corrected standardised statistic of ``(x - d, y)`` crosses
    the normal quantiles; R locates the same crossing with a root finder to
    1e-4, this function returns the exact jump point. The estimate is the
    median of the differences in both cases (R's normal-case estimate is a
    root of the uncorrected statistic, a point between the two middle
    differences). Neither the differences nor the statistic at every jump
    are formed: each limit and the median are order statistics found by
    selection, in ``O((m + n) log(m + n))`` time a step and ``O(m + n)``
    memory.

    Examples
    --------
    >>> r = mann_whitney([1.1, 2.5, 3.2, 4.7, 5.3], [0.2, 0.9, 1.4, 2.0])
    >>> float(r.statistic[0]), round(float(r.estimate[0]), 2)
    (18.0, 2.3)
    """
    row = mann_whitney_row(x, y, conf_level=conf_level, exact=exact, correct=correct)
    return result_frame([row], extra=["statistic", "conf_level"])


def mann_whitney_row(x: Sequence[float], y: Sequence[float], *, conf_level: float = 0.95,
                     exact: bool | None = None, correct: bool = True) -> dict[str, Any]:
    """The one row of :func:`mann_whitney` as a dict (for a table of many tests).

    Examples
    --------
    >>> mann_whitney_row([1.1, 2.5, 3.2, 4.7, 5.3], [0.2, 0.9, 1.4, 2.0])["statistic"]
    18.0
    """
    level = check_conf_level("mann_whitney", conf_level)
    a = check_sample("mann_whitney", "x", x)
    b = check_sample("mann_whitney", "y", y)
    if exact not in (None, True, False):
        check_choice("mann_whitney", "exact", exact, [None, True, False])
    m, n = a.size, b.size
    combined = np.concatenate([a, b])
    if np.unique(combined).size == 1:
        raise not_estimable("mann_whitney", "x, y", float(combined[0]), "every value is the same",
                            "at least two distinct values")
    diffs = PairwiseDifferences(a, b)
    estimate = diffs.median()
    has_ties = np.unique(combined).size < combined.size
    use_exact = (m < 50 and n < 50) if exact is None else bool(exact)
    use_exact = use_exact and not has_ties
    alpha = 1 - level
    achieved = level
    test = unwrapped(stats.mannwhitneyu)(a, b, alternative="two-sided", use_continuity=bool(correct),
                              method="exact" if use_exact else "asymptotic")
    w, p_value = float(test.statistic), float(test.pvalue)
    if use_exact:
        cdf = _wilcoxon_cdf(m, n)
        qu = _qwilcox(alpha / 2, cdf)
        if qu == 0:  # as R: the widest exact interval, at the level it achieves
            achieved = 1 - float(f"{2 * float(cdf[0]):.2g}")
        qu = max(qu, 1)
        ql = m * n - qu
        low, high = diffs.kth(qu), diffs.kth(ql + 1)
        method = "Wilcoxon-Mann-Whitney exact test; Hodges-Lehmann shift with exact CI"
    else:
        q = float(stats.norm.ppf(1 - alpha / 2))
        low, high = _normal_shift_limits(a, b, diffs, [q, -q], correct)
        method = ("Wilcoxon-Mann-Whitney test, normal approximation"
                  + (" with continuity correction" if correct else "")
                  + "; Hodges-Lehmann shift with asymptotic CI")
    return {"estimate": estimate, "ci_low": low, "ci_high": high, "p_value": p_value,
            "method": method, "n": m + n, "statistic": w, "conf_level": achieved}


# --------------------------------------------------------------------------- ANCOVA
def ancova(data: pd.DataFrame, *, outcome: str, group: str, baseline: str | None = None,
           covariates: Sequence[str] = (), reference: Any | None = None,
           conf_level: float = 0.95) -> pd.DataFrame:
    """ANCOVA of a follow-up value between two groups, with least-squares means.

    Fits ``outcome ~ group + baseline + covariates`` by ordinary least squares
    (:func:`ols`: statsmodels' ``OLS`` computation) and returns the
    least-squares (estimated marginal) mean of each group and their difference.

    Parameters
    ----------
    data : pandas.DataFrame
        One row a subject.
    outcome : str
        Column of the follow-up value (transform it first, e.g.
        ``log(x + 1)`` for C-peptide, if the analysis is on that scale).
    group : str
        Column with exactly two groups.
    baseline : str or None
        Column of the baseline value of the outcome.
    covariates : sequence of str
        Further adjustment columns: numeric columns enter linearly; text,
        category or boolean columns are factors (treatment coding).
    reference : optional
        Reference level of ``group``; default the first in sorted order.
        The difference is the other level minus the reference.
    conf_level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Three rows with columns ``term`` (``"lsmean"`` or ``"difference"``),
        ``group`` (a level, or ``"A - B"``), ``estimate, ci_low, ci_high,
        p_value`` (t-test against 0), ``method, n``, ``se``, ``df``
        (residual degrees of freedom).

    Notes
    -----
    1. Rows with a missing value in any used column are dropped.
    2. Least-squares means follow emmeans' reference grid: numeric
       covariates and the baseline at their means over the analysed rows;
       factor covariates averaged over their levels with equal weights.
    3. Standard errors from the OLS covariance ``s^2 (X'X)^-1``.
    4. :func:`ancova_rows` gives the same rows as dicts.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"arm": ["A"] * 4 + ["B"] * 4,
    ...                   "base": [1.0, 2, 3, 4, 1, 2, 3, 4],
    ...                   "y": [1.5, 2.4, 3.6, 4.4, 1.1, 2.0, 3.1, 3.9]})
    >>> r = ancova(d, outcome="y", group="arm", baseline="base", reference="A")
    >>> list(r.group)
    ['B', 'A', 'B - A']
    """
    rows = ancova_rows(data, outcome=outcome, group=group, baseline=baseline,
                       covariates=covariates, reference=reference, conf_level=conf_level)
    return result_frame(rows, extra=["se", "df"])


def ancova_rows(data: pd.DataFrame, *, outcome: str, group: str, baseline: str | None = None,
                covariates: Sequence[str] = (), reference: Any | None = None,
                conf_level: float = 0.95) -> list[dict[str, Any]]:
    """The rows of :func:`ancova` as dicts (for a table of many fits).

    Examples
    --------
    >>> d = pd.DataFrame({"arm": ["A"] * 3 + ["B"] * 3, "y": [1.0, 2, 3, 2, 3, 5]})
    >>> [r["term"] for r in ancova_rows(d, outcome="y", group="arm")]
    ['lsmean', 'lsmean', 'difference']
    """
    fn = "ancova"
    covs = check_columns_arg(fn, "covariates", covariates)
    used = [outcome, group] + ([baseline] if baseline else []) + covs
    frame = check_frame(fn, data, used)
    if not pd.api.types.is_numeric_dtype(frame[outcome]):
        raise fail(fn, "outcome", outcome, "column is not numeric", "a numeric outcome column")
    design = model_arrays(frame, ([baseline] if baseline else []) + covs)
    return ancova_arrays(frame[outcome].to_numpy(dtype=float, na_value=np.nan),
                         frame[group].to_numpy(dtype=object),
                         baseline=design.pop(baseline) if baseline else None,
                         covariates=design, reference=reference, conf_level=conf_level,
                         baseline_name=baseline)


def ancova_arrays(y: np.ndarray, group: np.ndarray, *, baseline: np.ndarray | None = None,
                  covariates: Mapping[str, np.ndarray] | None = None,
                  reference: Any | None = None, conf_level: float = 0.95,
                  baseline_name: str | None = None) -> list[dict[str, Any]]:
    """The rows of :func:`ancova` from arrays of one length (for many fits on one frame).

    Parameters
    ----------
    y : array of float
        Outcome (NaN when missing).
    group : array
        Group of each row (two groups among the complete rows).
    baseline : array of float, optional
        Baseline value of the outcome.
    covariates : mapping of str to array, optional
        Further adjustment columns as :func:`~t1dtrial.stats._design.model_arrays`
        gives them: float arrays enter linearly, object arrays are factors.
    reference, conf_level
        As for :func:`ancova`.
    baseline_name : str, optional
        The baseline's column name, for messages.

    Examples
    --------
    >>> y = np.array([1.0, 2, 3, 2, 3, 5])
    >>> arm = np.array(["A"] * 3 + ["B"] * 3, dtype=object)
    >>> round(ancova_arrays(y, arm, reference="A")[2]["estimate"], 4)
    1.3333
    """
    fn = "ancova"
    level = check_conf_level(fn, conf_level)
    covariates = dict(covariates or {})
    columns = ({baseline_name or "baseline": baseline} if baseline is not None else {}) | covariates
    keep = complete_cases(y, group, *columns.values())
    y, group = y[keep], group[keep]
    comparator, ref = two_levels(fn, "group", pd.Series(group, dtype=object), reference)
    builder = DesignBuilder.from_arrays({k: v[keep] for k, v in columns.items()}, len(y))
    treat = (group == comparator).astype(float)
    X = np.column_stack([np.ones(len(y)), treat, builder.matrix])
    covs = list(covariates)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise not_estimable(fn, "covariates", ", ".join(covs) or baseline_name,
                            "the model matrix is not of full rank "
                            "(a covariate is constant or collinear)",
                            "covariates that vary and are not collinear with the group")
    if len(y) <= X.shape[1]:
        raise not_estimable(fn, "data", f"{len(y)} rows",
                            f"no residual degrees of freedom ({len(y)} subjects for "
                            f"{X.shape[1]} model parameters)",
                            f"more than {X.shape[1]} subjects with every value present")
    with numerical_trouble(fn, "the least-squares fit"):
        params, cov = ols(X, y)
    check_finite(fn, "the least-squares fit", params, cov)
    df = float(len(y) - X.shape[1])  # full rank, checked above
    grid = builder.grid_row()
    q = float(stats.t.ppf(1 - (1 - level) / 2, df))
    rows = []
    method = "ANCOVA (OLS); least-squares means at covariate means, factors equally weighted"
    contrasts = {
        comparator: np.concatenate([[1.0, 1.0], grid]),
        ref: np.concatenate([[1.0, 0.0], grid]),
    }
    for lev, L in contrasts.items():
        rows.append(_contrast_row(L, params, cov, df, q, term="lsmean", group=str(lev),
                                  n=int(np.sum(group == lev)), method=method))
    L = np.zeros(X.shape[1])
    L[1] = 1.0
    rows.append(_contrast_row(L, params, cov, df, q, term="difference",
                              group=f"{comparator} - {ref}", n=len(y), method=method))
    return rows


def ols(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares coefficients of ``y`` on ``X`` (full rank) and their covariance.

    The computation of statsmodels' ``OLS(y, X).fit()`` (its default
    ``method="pinv"``), step for step, without building a model object:
    ``P = pinv(X)`` from the SVD with singular values below ``1e-15`` times
    the largest set to zero; ``beta = P y``; ``s^2 = r'r / (n - p)`` with
    ``r = y - X beta``; ``cov = (P P') s^2``.

    Examples
    --------
    >>> X = np.column_stack([np.ones(4), [0.0, 1, 2, 3]])
    >>> beta, cov = ols(X, np.array([1.0, 3, 5, 7.5]))
    >>> np.round(beta, 3).tolist()
    [0.9, 2.15]
    """
    u, s, vt = np.linalg.svd(X, False)
    cutoff = 1e-15 * np.maximum.reduce(s)
    inverse = np.where(s > cutoff, 1.0 / np.where(s > cutoff, s, 1.0), 0.0)
    pinv = np.dot(np.transpose(vt), np.multiply(inverse[:, np.newaxis], np.transpose(u)))
    normalized = np.dot(pinv, np.transpose(pinv))
    beta = np.dot(pinv, y)
    resid = y - np.dot(X, beta)
    scale = np.dot(resid, resid) / (X.shape[0] - X.shape[1])
    return beta, normalized * scale


def _contrast_row(L: np.ndarray, beta: np.ndarray, cov: np.ndarray, df: float, q: float,
                  **fields: Any) -> dict[str, Any]:
    est = float(L @ beta)
    se = float(np.sqrt(L @ cov @ L))
    t = est / se if se > 0 else np.nan
    return {**fields, "estimate": est, "ci_low": est - q * se, "ci_high": est + q * se,
            "p_value": float(2 * stats.t.sf(abs(t), df)), "se": se, "df": df}
