"""Location of one sample: within-arm change from baseline.

:func:`one_sample_t` (mean, t-test) and :func:`wilcoxon_signed_rank`
(Hodges-Lehmann pseudo-median, signed-rank test). Applied to the changes
from baseline of one arm they give the within-group change every trial
report shows, and the paired comparison of follow-up with baseline (a
paired t-test is the one-sample t-test of the changes).

Missing values are dropped; the ``n`` column counts the values used.

Implementation: :func:`one_sample_t` is ``scipy.stats.ttest_1samp`` with its
``confidence_interval``; the test of :func:`wilcoxon_signed_rank` (p-value)
is ``scipy.stats.wilcoxon(zero_method="wilcox")``, told R's choice between
the exact law and the normal approximation. Own code remains for the
Hodges-Lehmann pseudo-median, its interval and the level R achieves, which
scipy does not compute: the exact limits need the quantiles of the
signed-rank law (scipy exposes only its p-values), the normal-case limits
invert the corrected statistic at its jump points, and R's lowering of an
unachievable level is R's own rule. The pseudo-median and the limits are
order statistics of the ``n (n + 1) / 2`` Walsh averages, selected without
forming them (:mod:`t1dtrial.stats._pairwise`): ``O(n log n)`` time a step
and ``O(n)`` memory. ``V`` is R's (the rank sum of the values
above ``mu``); scipy's two-sided statistic is the smaller of the two rank
sums. Constant data are refused here, as R's ``t.test`` does, before scipy
would return NaN. The scipy tests are called without their array-handling
layer (:func:`~t1dtrial.stats._common.unwrapped`): same code, same numbers.

Examples
--------
>>> r = one_sample_t([0.12, -0.05, 0.30, 0.08, 0.21])
>>> list(r.columns[:6])
['estimate', 'ci_low', 'ci_high', 'p_value', 'method', 'n']
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import PrecisionWarning
from ._common import (check_choice, check_conf_level, check_sample, fail, not_estimable,
                      result_frame, unwrapped)
from ._pairwise import WalshAverages, crossing_rank, tie_sum

__all__ = ["one_sample_t", "wilcoxon_signed_rank", "one_sample_t_row", "wilcoxon_signed_rank_row"]

#: Columns after ``estimate ... n`` of each test's one-row result.
_T_EXTRA = ["statistic", "df"]
_SIGNED_RANK_EXTRA = ["statistic", "n_zero", "conf_level"]


def _check_mu(function: str, mu: float) -> float:
    try:
        value = float(mu)
    except (TypeError, ValueError):
        raise fail(function, "mu", mu, "not a number", "a finite number, e.g. 0") from None
    if not np.isfinite(value):
        raise fail(function, "mu", mu, "not finite", "a finite number, e.g. 0")
    return value


# --------------------------------------------------------------------------- t-test
def one_sample_t(x: Sequence[float], *, mu: float = 0.0,
                 conf_level: float = 0.95) -> pd.DataFrame:
    """One-sample t-test of the mean of ``x`` against ``mu``, with its interval.

    Parameters
    ----------
    x : sequence of float
        Values (e.g. the changes from baseline of one arm); missing values
        are dropped. At least two values are needed.
    mu : float, default 0.0
        Mean under the null hypothesis.
    conf_level : float, default 0.95
        Confidence level of the interval for the mean.

    Returns
    -------
    pandas.DataFrame
        One row: ``estimate`` (the mean of ``x``, not minus ``mu``),
        ``ci_low, ci_high`` (interval for the mean), ``p_value`` (two-sided),
        ``method, n``, ``statistic`` (t) and ``df`` (``n - 1``).

    Notes
    -----
    ``t = (mean(x) - mu) / (s / sqrt(n))`` on ``n - 1`` degrees of freedom;
    the interval is ``mean(x) +- t_(1 - alpha / 2, n - 1) s / sqrt(n)``.
    The same as R's ``t.test(x, mu = mu)``, computed by
    ``scipy.stats.ttest_1samp``; as R, data whose standard error is below
    ``10 eps |mean(x)|`` are refused as constant. A paired t-test of
    follow-up against baseline is this function on the changes.

    Examples
    --------
    >>> r = one_sample_t([0.12, -0.05, 0.30, 0.08, 0.21])
    >>> round(float(r.estimate[0]), 3), int(r.df[0])
    (0.132, 4)
    """
    return result_frame([one_sample_t_row(x, mu=mu, conf_level=conf_level)], extra=_T_EXTRA)


def one_sample_t_row(x: Sequence[float], *, mu: float = 0.0,
                     conf_level: float = 0.95) -> dict[str, Any]:
    """The one row of :func:`one_sample_t` as a dict (for a table of many tests).

    Examples
    --------
    >>> r = one_sample_t_row([0.12, -0.05, 0.30, 0.08, 0.21])
    >>> r["method"], r["n"]
    ('One-sample t-test', 5)
    """
    fn = "one_sample_t"
    level = check_conf_level(fn, conf_level)
    centre = _check_mu(fn, mu)
    a = check_sample(fn, "x", x, minimum=2)
    mean = float(a.mean())
    se = float(a.std(ddof=1) / np.sqrt(a.size))
    if se < 10 * np.finfo(float).eps * abs(mean) or se == 0:  # R: "data are essentially constant"
        raise not_estimable(fn, "x", float(a[0]), "every value is the same (zero variance)",
                            "some variation between the values")
    with warnings.catch_warnings():
        # the guard above refuses constant data; scipy's "precision loss" warning adds nothing
        warnings.simplefilter("ignore", RuntimeWarning)
        test = unwrapped(stats.ttest_1samp)(a, centre)
        interval = test.confidence_interval(confidence_level=level)
    return {"estimate": mean, "ci_low": float(interval.low), "ci_high": float(interval.high),
            "p_value": float(test.pvalue), "method": "One-sample t-test", "n": a.size,
            "statistic": float(test.statistic), "df": float(test.df)}


# --------------------------------------------------------------------------- signed rank
def _signrank_cdf(n: int) -> np.ndarray:
    """P(V <= v), v = 0..n(n+1)/2, of the signed-rank statistic of ``n`` values."""
    p = np.ones(1)
    for k in range(1, n + 1):
        grown = np.zeros(p.size + k)
        grown[:p.size] += p
        grown[k:] += p
        p = grown / 2
    return np.cumsum(p)


def _signed_rank_z(xd: np.ndarray, correct: bool) -> float:
    """R's asymptotic signed-rank statistic of ``xd`` (zeros dropped), as its ``W(d)``."""
    xd = xd[xd != 0]
    n = xd.size
    ranks = stats.rankdata(np.abs(xd))
    z = float(ranks[xd > 0].sum()) - n * (n + 1) / 4
    sigma = np.sqrt(n * (n + 1) * (2 * n + 1) / 24 - tie_sum(np.abs(xd)) / 48)
    if sigma == 0:
        return np.nan
    corr = np.sign(z) * 0.5 if correct else 0.0
    return float((z - corr) / sigma)


def _signed_rank_test(d: np.ndarray, exact: bool, correct: bool) -> tuple[float, float]:
    """R's ``V`` (rank sum of the positive ``d``) and scipy's two-sided signed-rank p-value.

    ``d`` holds no zero. scipy's ``wilcoxon`` with ``zero_method="wilcox"``
    computes the same exact law and the same tie- and continuity-corrected
    normal approximation as R's ``wilcox.test``.
    """
    v = float(stats.rankdata(np.abs(d))[d > 0].sum())
    test = unwrapped(stats.wilcoxon)(d, zero_method="wilcox", correction=bool(correct),
                                     method="exact" if exact else "approx",
                                     alternative="two-sided")
    return v, float(test.pvalue)


def _normal_limits(a: np.ndarray, walsh: WalshAverages, zq: Sequence[float],
                   correct: bool) -> list[float]:
    """Points where the asymptotic statistic of ``a - d`` first reaches each ``zq``: Walsh averages.

    Between two consecutive Walsh averages the statistic is constant: no value
    of ``a - d`` is zero, the only ties of ``|a - d|`` are ties of ``a``, and
    the signed-rank sum is the number of Walsh averages above ``d``. The
    limit is the Walsh average after which the statistic is at or below
    ``zq``, an order statistic (:func:`~t1dtrial.stats._pairwise.crossing_rank`).
    """
    n = a.size
    sigma = np.sqrt(n * (n + 1) * (2 * n + 1) / 24 - tie_sum(a) / 48)
    return [walsh.kth(crossing_rank(walsh.count, n * (n + 1) / 4, sigma, q, correct)) for q in zq]


def wilcoxon_signed_rank(x: Sequence[float], *, mu: float = 0.0, conf_level: float = 0.95,
                         exact: bool | None = None, correct: bool = True) -> pd.DataFrame:
    """Wilcoxon signed-rank test of ``x`` against ``mu``, with the Hodges-Lehmann pseudo-median.

    Parameters
    ----------
    x : sequence of float
        Values (e.g. the changes from baseline of one arm); missing values
        are dropped.
    mu : float, default 0.0
        Location under the null hypothesis. Values equal to ``mu`` (zeros of
        ``x - mu``) are dropped from the test, the estimate and the interval,
        as R does.
    conf_level : float, default 0.95
        Confidence level of the interval for the pseudo-median.
    exact : bool or None, default None
        Use the exact null distribution. ``None`` (as R's ``wilcox.test``):
        exact when fewer than 50 values remain. With ties of ``|x - mu|`` or
        values equal to ``mu`` the exact law does not apply and the normal
        approximation is used whatever ``exact`` says.
    correct : bool, default True
        Continuity correction of the normal approximation.

    Returns
    -------
    pandas.DataFrame
        One row: ``estimate`` (Hodges-Lehmann pseudo-median: median of the
        Walsh averages ``(x_i + x_j) / 2``, ``i <= j``), ``ci_low, ci_high``,
        ``p_value`` (two-sided), ``method``, ``n`` (non-missing values,
        including those equal to ``mu``), ``statistic`` (R's V: sum of the
        ranks of ``|x - mu|`` over the values above ``mu``), ``n_zero``
        (values equal to ``mu``, dropped) and ``conf_level`` (the level the
        interval achieves; below the requested one for very small samples).

    Warns
    -----
    PrecisionWarning
        When the requested confidence level cannot be achieved (e.g. fewer
        than six values): the interval and ``conf_level`` are those R reports.

    Notes
    -----
    1. ``d = x - mu``; zeros are dropped; ``n'`` values remain.
    2. ``V`` is the sum of the ranks of ``|d|`` (mid-ranks for ties) over
       ``d > 0``.
    3. Exact case (``n' < 50`` by default, no ties, no zeros): p from the
       exact law of ``V`` (``scipy.stats.wilcoxon(method="exact")``); the
       interval is formed by order statistics of the sorted Walsh averages at
       the ``(1 - conf_level) / 2`` quantile of that law, as R.
    4. Normal case: ``z = (V - n'(n'+1)/4 - 0.5 sign) / sigma`` with the tie
       correction ``sum(t^3 - t) / 48`` in the variance
       (``scipy.stats.wilcoxon(method="approx")``). The limits are where
       the statistic of ``x - d`` crosses the normal quantiles. R locates the
       same crossing of this step function with ``uniroot(tol = 1e-4)``;
       this function returns the exact jump point, a Walsh average (an
       order statistic, selected without forming the averages). When
       the sample is too small for the level, the level is lowered by
       doubling ``1 - conf_level``, as R.
    5. The estimate is the median of the Walsh averages of the values used,
       in both cases. R reports the same in the exact case; in the normal
       case R reports a root of the uncorrected statistic instead, which
       can differ (e.g. by 0.05 on a percent change from baseline).

    Examples
    --------
    >>> r = wilcoxon_signed_rank([0.12, -0.05, 0.30, 0.08, 0.21, 0.15, -0.02])
    >>> float(r.statistic[0]), round(float(r.estimate[0]), 3)
    (25.0, 0.117)
    """
    row = _signed_rank(x, mu=mu, conf_level=conf_level, exact=exact, correct=correct)
    return result_frame([row], extra=_SIGNED_RANK_EXTRA)


def wilcoxon_signed_rank_row(x: Sequence[float], *, mu: float = 0.0, conf_level: float = 0.95,
                             exact: bool | None = None, correct: bool = True) -> dict[str, Any]:
    """The one row of :func:`wilcoxon_signed_rank` as a dict (for a table of many tests).

    Examples
    --------
    >>> r = wilcoxon_signed_rank_row([0.12, -0.05, 0.30, 0.08, 0.21, 0.15, -0.02])
    >>> r["statistic"], r["n"]
    (25.0, 7)
    """
    return _signed_rank(x, mu=mu, conf_level=conf_level, exact=exact, correct=correct)


def _signed_rank(x: Sequence[float], *, mu: float, conf_level: float, exact: bool | None,
                 correct: bool) -> dict[str, Any]:
    """The row of :func:`wilcoxon_signed_rank` (its warning points at the caller's caller)."""
    fn = "wilcoxon_signed_rank"
    level = check_conf_level(fn, conf_level)
    centre = _check_mu(fn, mu)
    values = check_sample(fn, "x", x)
    if exact not in (None, True, False):
        check_choice(fn, "exact", exact, [None, True, False])
    if correct not in (True, False):
        check_choice(fn, "correct", correct, [True, False])
    d = values - centre
    nonzero = d != 0
    n_zero = int((~nonzero).sum())
    d = d[nonzero]
    if d.size == 0:
        raise not_estimable(fn, "x", float(values[0]), f"every value equals mu = {centre:g}",
                            "at least one value different from mu")
    n = d.size
    a = d + centre  # the values used, on the original scale (as R)
    ties = np.unique(np.abs(d)).size < n
    use_exact = (n < 50) if exact is None else bool(exact)
    use_exact = use_exact and not ties and n_zero == 0
    v, p_value = _signed_rank_test(d, use_exact, correct)
    walsh = WalshAverages(a)
    estimate = walsh.median()
    alpha = 1 - level
    achieved = level
    if use_exact:
        cdf = _signrank_cdf(n)
        qu = int(np.searchsorted(cdf, alpha / 2 - 10 * np.finfo(float).eps, side="left"))
        qu = max(qu, 1)
        ql = n * (n + 1) // 2 - qu
        low, high = walsh.kth(qu), walsh.kth(ql + 1)
        achieved_alpha = 2 * float(cdf[qu - 1])
        if achieved_alpha - alpha > alpha / 2:
            achieved = 1 - float(f"{achieved_alpha:.2g}")
        method = "Wilcoxon signed-rank exact test; Hodges-Lehmann pseudo-median with exact CI"
    else:
        w_min = _signed_rank_z(a - a.min(), correct)
        w_max = _signed_rank_z(a - a.max(), correct) if np.isfinite(w_min) else np.nan
        if not np.isfinite(w_max):
            low = high = np.nan
            achieved = 0.0
            estimate = float((a.min() + a.max()) / 2)
        else:
            while (w_min - stats.norm.isf(alpha / 2) < 0
                   or w_max - stats.norm.ppf(alpha / 2) > 0):
                alpha *= 2
            if alpha >= 1 or 1 - level < alpha * 0.75:
                achieved = 1 - min(1.0, alpha)
            if alpha < 1:
                q = float(stats.norm.isf(alpha / 2))
                low, high = _normal_limits(a, walsh, [q, -q], correct)
            else:
                low = high = float(np.median(a))
        method = ("Wilcoxon signed-rank test, normal approximation"
                  + (" with continuity correction" if correct else "")
                  + "; Hodges-Lehmann pseudo-median with asymptotic CI")
    if achieved < level:
        warnings.warn(f"wilcoxon_signed_rank: the requested conf_level {level:g} cannot be "
                      f"achieved with {n} value(s) different from mu; the interval is at "
                      f"level {achieved:g} (column conf_level)", PrecisionWarning, stacklevel=3)
    return {"estimate": estimate, "ci_low": low, "ci_high": high, "p_value": p_value,
            "method": method, "n": values.size, "statistic": v, "n_zero": n_zero,
            "conf_level": achieved}
