"""Dose-response trends across scored groups: the Cochran-Armitage test for proportions and
the linear trend of a continuous outcome (least squares on the score).

Examples
--------
>>> r = cochran_armitage([3, 8, 13], [30, 30, 30], [0, 1, 2])
>>> round(float(r.statistic[0]), 4), round(float(r.p_value[0]), 6)
(8.5227, 0.003507)
>>> round(float(r.estimate[0]), 4)
0.1667
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ._common import check_choice, check_conf_level, fail, not_estimable, result_frame

__all__ = ["cochran_armitage", "linear_trend"]


def _counts(function: str, argument: str, values: Sequence[float]) -> np.ndarray:
    """Whole non-negative numbers, one a group."""
    try:
        arr = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise fail(function, argument, values, "not counts",
                   "a sequence of non-negative whole numbers, one a group") from None
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise fail(function, argument, values, "not counts",
                   "a sequence of non-negative whole numbers, one a group")
    return arr


def cochran_armitage(responders: Sequence[int], n: Sequence[int], scores: Sequence[float], *,
                     alternative: str = "two-sided", conf_level: float = 0.95) -> pd.DataFrame:
    """Cochran-Armitage test for a linear trend in proportions across scored groups.

    Parameters
    ----------
    responders, n : sequence of int
        Responders and subjects of each group (one entry a group, in any order).
    scores : sequence of float
        The score of each group (e.g. its planned dose, 0 for a control).
    alternative : {"two-sided", "increasing", "decreasing"}, default "two-sided"
        The alternative of the p-value: any trend, or a proportion that
        rises (falls) with the score.
    conf_level : float, default 0.95
        Confidence level of the interval of the slope.

    Returns
    -------
    pandas.DataFrame
        One row: ``estimate`` the slope of the proportion per unit of score
        (least squares weighted by the group sizes), ``ci_low``, ``ci_high``
        its Wald interval, ``p_value``, ``method``, ``n`` (subjects), then
        ``statistic`` (the chi-square statistic on 1 df, as R's
        ``prop.trend.test``), ``df`` (1) and ``z`` (its signed square root).

    Notes
    -----
    With ``N = sum n``, ``p = sum r / N``, ``xbar = sum n x / N`` and
    ``Sxx = sum n (x - xbar)^2``: ``T = sum r (x - xbar)``, ``z = T /
    sqrt(p (1 - p) Sxx)`` (variance under the null of no trend) and
    ``chi-square = z^2``, as R's ``prop.trend.test(responders, n, scores)``.
    The slope is ``T / Sxx``; its standard error for the interval is not the
    null one but ``sqrt(sum n (x - xbar)^2 p_i (1 - p_i)) / Sxx`` (each
    group's own proportion ``p_i``), so the interval may exclude 0 when the
    test does not, or the reverse, near the threshold.

    Not estimable (an :class:`~t1dtrial.errors.EstimationError`) when no
    subject, or every subject, responded (no variation), or fewer than two
    groups with subjects have distinct scores.

    Examples
    --------
    See the module docstring.
    """
    fn = "cochran_armitage"
    level = check_conf_level(fn, conf_level)
    check_choice(fn, "alternative", alternative, ["two-sided", "increasing", "decreasing"])
    r = _counts(fn, "responders", responders)
    m = _counts(fn, "n", n)
    try:
        x = np.asarray(scores, dtype=float).ravel()
    except (TypeError, ValueError):
        raise fail(fn, "scores", scores, "not numbers", "one finite number a group") from None
    if not (r.size == m.size == x.size):
        raise fail(fn, "scores", f"{r.size}, {m.size}, {x.size}",
                   "responders, n and scores differ in length", "one value of each a group")
    if not np.all(np.isfinite(x)):
        raise fail(fn, "scores", scores, "not finite", "one finite number a group")
    if np.any(r > m):
        raise fail(fn, "responders", responders, "more responders than subjects in a group",
                   "0 <= responders <= n in each group")
    used = m > 0
    if np.unique(x[used]).size < 2:
        raise not_estimable(fn, "scores", scores, "fewer than two groups with subjects and "
                            "distinct scores", "at least two scored groups with subjects")
    N, R = float(m.sum()), float(r.sum())
    if R == 0 or R == N:
        raise not_estimable(fn, "responders", responders,
                            "no responder" if R == 0 else "every subject responded",
                            "responders and non-responders")
    p = R / N
    xbar = float((m * x).sum() / N)
    dx = x - xbar
    sxx = float((m * dx ** 2).sum())
    t = float((r * dx).sum())
    z = t / np.sqrt(p * (1 - p) * sxx)
    slope = t / sxx
    with np.errstate(invalid="ignore", divide="ignore"):
        pi = np.where(used, r / np.where(used, m, 1), 0.0)
    se = float(np.sqrt((m * dx ** 2 * pi * (1 - pi)).sum())) / sxx
    q = float(stats.norm.ppf(1 - (1 - level) / 2))
    if alternative == "two-sided":
        pv = float(stats.chi2.sf(z * z, 1))
    else:
        pv = float(stats.norm.sf(z) if alternative == "increasing" else stats.norm.cdf(z))
    words = {"two-sided": "two-sided", "increasing": "one-sided, increasing",
             "decreasing": "one-sided, decreasing"}[alternative]
    method = (f"Cochran-Armitage test for trend in proportions ({words}; scores "
              f"{', '.join(f'{s:g}' for s in x)}); slope of the proportion per unit of score "
              "(least squares weighted by group size) with Wald CI")
    return result_frame([{"estimate": slope, "ci_low": slope - q * se, "ci_high": slope + q * se,
                          "p_value": pv, "method": method, "n": int(N),
                          "statistic": float(z * z), "df": 1.0, "z": float(z)}],
                        extra=["statistic", "df", "z"])


def linear_trend(y: Sequence[float], scores: Sequence[float], *,
                 baseline: Sequence[float] | None = None,
                 conf_level: float = 0.95) -> pd.DataFrame:
    """Linear trend of a continuous outcome in the score (least squares), optionally on baseline.

    Parameters
    ----------
    y : sequence of float
        The outcome of each subject.
    scores : sequence of float
        Each subject's score (e.g. the planned dose of its arm, 0 for a control).
    baseline : sequence of float, optional
        A baseline value to adjust for (ANCOVA of the outcome on score and baseline).
    conf_level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row: ``estimate`` the slope per unit of score, ``ci_low``,
        ``ci_high`` (t interval), ``p_value`` (t test of slope 0), ``method``,
        ``n``, then ``df`` (residual degrees of freedom) and ``se``. As R's
        ``lm(y ~ score)`` (``lm(y ~ score + baseline)``) with ``confint``.
        Subjects with a missing value are left out. Not estimable with fewer
        than two distinct scores or no residual degree of freedom.

    Examples
    --------
    >>> r = linear_trend([1.0, 1.2, 2.1, 1.9, 3.2, 2.8], [0, 0, 1, 1, 2, 2])
    >>> round(float(r.estimate[0]), 4), int(r.df[0])
    (0.95, 4)
    """
    import statsmodels.api as sm

    fn = "linear_trend"
    level = check_conf_level(fn, conf_level)
    cols = {"y": y, "scores": scores, **({"baseline": baseline} if baseline is not None else {})}
    arrays = {k: np.asarray(pd.to_numeric(pd.Series(list(v)), errors="coerce"), dtype=float)
              for k, v in cols.items()}
    if len({a.size for a in arrays.values()}) > 1:
        raise fail(fn, "scores", ", ".join(str(a.size) for a in arrays.values()),
                   "y, scores and baseline differ in length", "one value of each a subject")
    frame = pd.DataFrame(arrays)
    if not np.isfinite(frame.to_numpy()[~frame.isna().to_numpy()]).all():
        raise fail(fn, "y", "an infinite value", "not finite", "finite numbers")
    frame = frame.dropna()
    if frame["scores"].nunique() < 2:
        raise not_estimable(fn, "scores", scores, "fewer than two distinct scores with an "
                            "outcome", "subjects at two scores or more")
    X = sm.add_constant(frame.drop(columns="y"), has_constant="add")
    if len(frame) <= X.shape[1]:
        raise not_estimable(fn, "y", len(frame), "no residual degree of freedom",
                            f"more than {X.shape[1]} subjects with an outcome")
    fit = sm.OLS(frame["y"], X).fit()
    low, high = fit.conf_int(alpha=1 - level).loc["scores"]
    adjusted = " adjusted for baseline" if baseline is not None else ""
    method = (f"linear regression of the outcome on the dose score{adjusted} (least squares); "
              "slope per unit of score with t interval")
    return result_frame([{"estimate": float(fit.params["scores"]), "ci_low": float(low),
                          "ci_high": float(high), "p_value": float(fit.pvalues["scores"]),
                          "method": method, "n": int(len(frame)), "df": float(fit.df_resid),
                          "se": float(fit.bse["scores"])}], extra=["df", "se"])
