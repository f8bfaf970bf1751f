"""Comparison of two independent proportions.

Every function takes the two samples as counts: ``x1`` events out of ``n1``
subjects in group 1 (the comparator, e.g. the cell-therapy arm) and ``x2`` out
of ``n2`` in group 2 (the reference, e.g. control). Effects are group 1
versus group 2: ``p1 - p2``, ``p1 / p2`` and the odds ratio
``(x1 / (n1 - x1)) / (x2 / (n2 - x2))``.

Each returns a one-row tidy :class:`pandas.DataFrame` with the columns
``estimate, ci_low, ci_high, p_value, method, n`` (``n = n1 + n2``) followed by
function-specific columns; numbers are not rounded.

Implementation: scipy computes where it computes the same statistic as the
R reference; own code remains where it does not.

- :func:`fisher_exact` and ``odds_ratio(method="conditional")``:
  ``scipy.stats.fisher_exact`` (two-sided p) and
  ``scipy.stats.contingency.odds_ratio(kind="conditional")`` with its
  ``confidence_interval`` (conditional MLE, exact conditional limits; root
  found to 1e-13). A single possible table (no event, or only events) is
  answered here, not by scipy: estimate NaN, interval ``[0, inf]``.
- :func:`chi_square`: ``scipy.stats.chi2_contingency(correction=...)``; in a
  2 x 2 table ``|O - E|`` is the same in every cell, so scipy's Yates
  correction ``min(0.5, |O - E|)`` per cell is R's. A zero margin is answered
  here (NaN, as R; scipy raises).
- Own code: Newcombe's hybrid score interval and the Miettinen-Nurminen
  interval and score test (not in scipy; statsmodels'
  ``confint_proportions_2indep(method="score")`` gives other limits than
  Newcombe's Table II and fails on 9/10 vs 3/10 and on zero cells; its
  ``method="newcomb"`` gives Newcombe's limits but is not used, so that this
  module needs scipy only); the Katz risk ratio and Woolf odds ratio
  intervals (scipy's ``relative_risk`` and ``odds_ratio(kind="sample")`` take
  whole counts, so the 0.5-cell correction of a zero cell cannot go through
  them, and give no test); the Wald risk difference (two lines of closed
  form).

Examples
--------
>>> r = risk_difference(11, 27, 3, 26)
>>> round(float(r.estimate[0]), 4)
0.292
>>> list(r.columns[:6])
['estimate', 'ci_low', 'ci_high', 'p_value', 'method', 'n']
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ._common import check_choice, check_conf_level, check_counts, result_frame

__all__ = ["fisher_exact", "chi_square", "risk_difference", "risk_ratio", "odds_ratio"]


# --------------------------------------------------------------------------- Fisher
def _fisher(a: int, m: int, c: int, n: int, conf_level: float) -> dict:
    """Fisher's test, conditional MLE and exact CI of ``[[a, m - a], [c, n - c]]`` (scipy).

    A function of the four counts and the level alone, computed once per
    table: an analysis plan meets the same table again (the primary
    comparison in its sensitivity analyses, the responder tables in the
    odds ratios), and each costs root finding on the noncentral law.
    """
    return dict(zip(("estimate", "ci_low", "ci_high", "p_value"),
                    _fisher_numbers(a, m, c, n, conf_level)))


@functools.lru_cache(maxsize=512)
def _fisher_numbers(a: int, m: int, c: int, n: int,
                    conf_level: float) -> tuple[float, float, float, float]:
    row = _fisher_computed(a, m, c, n, conf_level)
    return row["estimate"], row["ci_low"], row["ci_high"], row["p_value"]


def _fisher_computed(a: int, m: int, c: int, n: int, conf_level: float) -> dict:
    table = np.array([[a, m - a], [c, n - c]])
    p_value = float(stats.fisher_exact(table).pvalue)
    if a + c in (0, m + n):  # a single possible table: no information on the odds ratio
        return {"estimate": np.nan, "ci_low": 0.0, "ci_high": np.inf, "p_value": p_value}
    estimate, low, high = _conditional_odds_ratio(a, m, c, n, conf_level)
    return {"estimate": estimate, "ci_low": low, "ci_high": high, "p_value": p_value}


def _conditional_odds_ratio(a: int, m: int, c: int, n: int,
                            conf_level: float) -> tuple[float, float, float]:
    """``scipy.stats.contingency.odds_ratio(kind="conditional")`` and its interval, vectorised.

    The same equations and root finder as scipy (the mean, lower and upper
    tail of Fisher's noncentral hypergeometric law set to the count and to
    ``(1 - conf_level) / 2``, bracketed by doubling, ``brentq`` to 1e-13), but
    the law's probabilities over the whole support in one numpy pass (the
    central law's log probabilities, tilted by ``x log(odds ratio)``), as R's
    ``fisher.test`` computes them: scipy evaluates them one point at a time
    in Python, which at thousands of subjects is most of an analysis' time.
    """
    x = np.arange(max(0, a + c - n), min(m, a + c) + 1)
    log_central = stats.hypergeom.logpmf(x, m + n, m, a + c)

    def law(odds: float) -> np.ndarray:
        w = log_central + x * np.log(odds)
        w = np.exp(w - w.max())
        return w / w.sum()

    b, d = m - a, n - c
    sample = (a * d / (b * c) if b > 0 and c > 0 else np.nan if a == 0 or d == 0 else np.inf)
    if a == x[0]:
        estimate = 0.0
    elif a == x[-1]:
        estimate = np.inf
    else:
        estimate = _increasing_root(lambda odds: float(law(odds) @ x) - a)
    alpha = (1 - conf_level) / 2
    low = 0.0 if sample == 0 else _increasing_root(
        lambda odds: float(law(odds)[x >= a].sum()) - alpha)
    high = np.inf if sample == np.inf else _increasing_root(
        lambda odds: alpha - float(law(odds)[x <= a].sum()))
    return float(estimate), float(low), float(high)


def _increasing_root(func) -> float:
    """Root of an increasing function of the odds ratio, bracketed from 1 as scipy's ``_solve``."""
    odds = 1.0
    value = func(odds)
    if value == 0:
        return odds
    if value > 0:
        odds /= 2
        while func(odds) > 0:
            odds /= 2
        lo, hi = odds, 2 * odds
    else:
        odds *= 2
        while func(odds) < 0:
            odds *= 2
        lo, hi = odds / 2, odds
    return float(optimize.brentq(func, lo, hi, xtol=1e-13))


def fisher_exact(x1: int, n1: int, x2: int, n2: int, *, conf_level: float = 0.95) -> pd.DataFrame:
    """Fisher's exact test (two-sided) with the conditional maximum-likelihood odds ratio.

    Parameters
    ----------
    x1, n1 : int
        Events and subjects in group 1.
    x2, n2 : int
        Events and subjects in group 2.
    conf_level : float, default 0.95
        Confidence level of the exact conditional interval.

    Returns
    -------
    pandas.DataFrame
        One row: ``estimate`` (conditional MLE of the odds ratio), ``ci_low``,
        ``ci_high`` (exact conditional interval), ``p_value``, ``method``, ``n``.

    Notes
    -----
    Algorithm of R's ``fisher.test`` on ``matrix(c(x1, x2, n1 - x1, n2 - x2), 2)``,
    computed by ``scipy.stats.fisher_exact`` and
    ``scipy.stats.contingency.odds_ratio(kind="conditional")``:

    1. ``x1`` given all margins follows Fisher's noncentral hypergeometric law
       with the odds ratio ``psi`` as parameter.
    2. The two-sided p-value sums the null (``psi = 1``) probabilities of the
       tables no more probable than the observed one. scipy treats
       probabilities within a relative 1e-14 as equal, R within 1e-7; they
       give the same p-value on every reference table and on every table
       with ``n1, n2 <= 12`` (tested).
    3. The estimate solves ``E[x1; psi] = x1``; each confidence limit solves a
       one-sided tail probability equal to ``(1 - conf_level) / 2``. scipy
       stops its root finder at an absolute 1e-13 on the odds-ratio scale,
       so a very small limit is less precise in relative terms: against R's
       algorithm solved to 1e-13, 7e-10 at a limit of 2e-5 (1/8 vs 26/27,
       99 %), 5e-7 at 2e-8 (1/500 vs 499/500, 99 %).

    Zero cells: when ``x1`` is at the lower (upper) end of its support the
    estimate is 0 (infinity) and the lower (upper) limit 0 (infinity). When
    no event, or only events, occurred (a single possible table) the estimate is
    NaN (R reports 0), the interval ``[0, inf]`` and the p-value 1.

    Examples
    --------
    >>> r = fisher_exact(11, 27, 3, 26)
    >>> round(float(r.p_value[0]), 4)
    0.0276
    """
    a, m, c, n = check_counts("fisher_exact", x1, n1, x2, n2)
    level = check_conf_level("fisher_exact", conf_level)
    row = _fisher(a, m, c, n, level)
    row.update(method="Fisher's exact test; conditional MLE odds ratio with exact conditional CI",
               n=m + n)
    return result_frame([row])


# --------------------------------------------------------------------------- chi-square
def chi_square(x1: int, n1: int, x2: int, n2: int, *, correct: bool = True) -> pd.DataFrame:
    """Pearson's chi-square test of a 2 x 2 table, with or without Yates' correction.

    Parameters
    ----------
    x1, n1, x2, n2 : int
        Events and subjects in groups 1 and 2.
    correct : bool, default True
        Apply Yates' continuity correction (as R's ``chisq.test``: the
        absolute deviations are reduced by ``min(0.5, |O - E|)``).

    Returns
    -------
    pandas.DataFrame
        One row: ``p_value, method, n, statistic, df`` (no estimate; the
        estimate columns are NaN).

    Notes
    -----
    Computed by ``scipy.stats.chi2_contingency``. Zero cells are allowed; a
    zero *margin* (no event at all, or only events) makes an expected count
    zero and the statistic undefined: ``statistic`` and ``p_value`` are then
    NaN, as in R.

    Examples
    --------
    >>> r = chi_square(11, 27, 3, 26, correct=False)
    >>> round(float(r.statistic[0]), 4)
    5.811
    """
    a, m, c, n = check_counts("chi_square", x1, n1, x2, n2)
    if not isinstance(correct, (bool, np.bool_)):
        check_choice("chi_square", "correct", correct, [True, False])
    if a + c in (0, m + n):  # a zero margin: an expected count is 0 (scipy would raise)
        stat = p = np.nan
    else:
        test = stats.chi2_contingency(np.array([[a, m - a], [c, n - c]]), correction=bool(correct))
        stat, p = float(test.statistic), float(test.pvalue)
    method = ("Pearson's chi-square test with Yates' continuity correction" if correct
              else "Pearson's chi-square test")
    return result_frame([{"p_value": p, "method": method, "n": m + n,
                          "statistic": stat, "df": 1}], extra=["statistic", "df"])


# --------------------------------------------------------------------------- risk difference
def _wilson(x: int, n: int, z: float) -> tuple[float, float]:
    p = x / n
    centre = 2 * n * p + z * z
    half = z * np.sqrt(z * z + 4 * n * p * (1 - p))
    denom = 2 * (n + z * z)
    return max(0.0, (centre - half) / denom), min(1.0, (centre + half) / denom)


def _restricted_mle(p1: float, n1: int, p2: float, n2: int, delta: float) -> tuple[float, float]:
    """Maximum-likelihood ``(p1, p2)`` under ``p1 - p2 = delta`` (Miettinen & Nurminen 1985)."""
    theta = n2 / n1
    a = 1 + theta
    b = -(1 + theta + p1 + theta * p2 + delta * (theta + 2))
    c = delta * delta + delta * (2 * p1 + theta + 1) + p1 + theta * p2
    d = -p1 * delta * (1 + delta)
    v = b ** 3 / (27 * a ** 3) - b * c / (6 * a * a) + d / (2 * a)
    u2 = b * b / (9 * a * a) - c / (3 * a)
    u = np.sign(v) * np.sqrt(max(u2, 0.0)) if v != 0 else np.sqrt(max(u2, 0.0))
    ratio = 0.0 if u == 0 else np.clip(v / u ** 3, -1.0, 1.0)
    w = (np.pi + np.arccos(ratio)) / 3
    q1 = 2 * u * np.cos(w) - b / (3 * a)
    q1 = min(max(q1, 0.0), 1.0)
    q2 = min(max(q1 - delta, 0.0), 1.0)
    return q1, q2


def _mn_score(a: int, m: int, c: int, n: int, delta: float) -> float:
    """Miettinen-Nurminen score statistic for ``H0: p1 - p2 = delta``."""
    p1, p2 = a / m, c / n
    q1, q2 = _restricted_mle(p1, m, p2, n, delta)
    var = (q1 * (1 - q1) / m + q2 * (1 - q2) / n) * (m + n) / (m + n - 1)
    diff = p1 - p2 - delta
    if var <= 0:
        return 0.0 if diff == 0 else np.sign(diff) * np.inf
    return diff / np.sqrt(var)


def _mn_interval(a: int, m: int, c: int, n: int, z: float) -> tuple[float, float, float]:
    est = a / m - c / n
    eps = 1e-12

    def bound(target: float, lo: float, hi: float, edge: float) -> float:
        f = lambda d: _mn_score(a, m, c, n, d) - target  # noqa: E731
        if f(edge) * f(est) > 0:
            return edge
        return optimize.brentq(f, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps)

    low = -1.0 if est <= -1 + eps else bound(z, -1 + eps, est, -1 + eps)
    high = 1.0 if est >= 1 - eps else bound(-z, est, 1 - eps, 1 - eps)
    low = -1.0 if low <= -1 + 1e-9 else low
    high = 1.0 if high >= 1 - 1e-9 else high
    t0 = _mn_score(a, m, c, n, 0.0)
    p_value = float(2 * stats.norm.sf(abs(t0))) if np.isfinite(t0) else 0.0
    return low, high, p_value


def risk_difference(x1: int, n1: int, x2: int, n2: int, *, method: str = "newcombe",
                    conf_level: float = 0.95) -> pd.DataFrame:
    """Difference of two proportions ``p1 - p2`` with a confidence interval.

    Parameters
    ----------
    x1, n1, x2, n2 : int
        Events and subjects in groups 1 and 2.
    method : {"newcombe", "miettinen-nurminen", "wald"}, default "newcombe"
        ``"newcombe"``: hybrid score interval (method 10 of Newcombe 1998),
        Wilson intervals ``(l_i, u_i)`` of each proportion combined as
        ``d - sqrt((p1 - l1)^2 + (u2 - p2)^2)`` and
        ``d + sqrt((u1 - p1)^2 + (p2 - l2)^2)``; it has no test, so
        ``p_value`` is NaN.
        ``"miettinen-nurminen"``: inversion of the score test with the
        variance at the restricted maximum likelihood and the factor
        ``N / (N - 1)`` (Miettinen & Nurminen 1985); ``p_value`` is that score
        test of no difference.
        ``"wald"``: ``d +- z * sqrt(p1 q1 / n1 + p2 q2 / n2)`` with its z test
        (not advised for small samples; shown for comparison).
    conf_level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row: ``estimate, ci_low, ci_high, p_value, method, n``.

    Notes
    -----
    Zero cells: the score methods need no correction and give sensible
    intervals when a proportion is 0 or 1 (the limits stay within [-1, 1]);
    the Wald interval collapses to zero width when both proportions are 0 or 1,
    and its p-value is then NaN.

    Examples
    --------
    >>> r = risk_difference(56, 70, 48, 80)
    >>> [round(float(v), 4) for v in (r.ci_low[0], r.ci_high[0])]
    [0.0524, 0.3339]
    """
    a, m, c, n = check_counts("risk_difference", x1, n1, x2, n2)
    level = check_conf_level("risk_difference", conf_level)
    check_choice("risk_difference", "method", method, ["newcombe", "miettinen-nurminen", "wald"])
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    p1, p2 = a / m, c / n
    est = p1 - p2
    if method == "newcombe":
        l1, u1 = _wilson(a, m, z)
        l2, u2 = _wilson(c, n, z)
        low = est - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        high = est + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
        p_value = np.nan
        label = "risk difference; Newcombe hybrid score CI (method 10)"
    elif method == "miettinen-nurminen":
        low, high, p_value = _mn_interval(a, m, c, n, z)
        label = "risk difference; Miettinen-Nurminen score CI and score test"
    else:
        se = np.sqrt(p1 * (1 - p1) / m + p2 * (1 - p2) / n)
        low, high = est - z * se, est + z * se
        p_value = float(2 * stats.norm.sf(abs(est) / se)) if se > 0 else np.nan
        label = "risk difference; Wald CI and z test"
    return result_frame([{"estimate": est, "ci_low": float(low), "ci_high": float(high),
                          "p_value": p_value, "method": label, "n": m + n}])


# --------------------------------------------------------------------------- ratios
def risk_ratio(x1: int, n1: int, x2: int, n2: int, *, conf_level: float = 0.95) -> pd.DataFrame:
    """Risk ratio ``p1 / p2`` with the log (Katz) interval and its z test.

    Parameters
    ----------
    x1, n1, x2, n2 : int
        Events and subjects in groups 1 and 2.
    conf_level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row: ``estimate, ci_low, ci_high, p_value, method, n``.

    Notes
    -----
    ``log(RR) +- z * sqrt(1/x1 - 1/n1 + 1/x2 - 1/n2)`` (Katz et al. 1978),
    as R's ``epitools::riskratio(method = "wald")``.
    Zero cells: when ``x1`` or ``x2`` is 0, 0.5 is added to every cell of the
    table (``x + 0.5`` events out of ``n + 1``) for the estimate, the interval
    and the test, and ``method`` says so. When both are 0 the ratio is
    undefined: every number is NaN.

    Examples
    --------
    >>> r = risk_ratio(11, 27, 3, 26)
    >>> round(float(r.estimate[0]), 4)
    3.5309
    """
    a, m, c, n = check_counts("risk_ratio", x1, n1, x2, n2)
    level = check_conf_level("risk_ratio", conf_level)
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    label = "risk ratio; log (Katz) CI and z test"
    if a == 0 and c == 0:
        return result_frame([{"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                              "p_value": np.nan, "method": label + "; no event in either group",
                              "n": m + n}])
    aa, mm, cc, nn = float(a), float(m), float(c), float(n)
    if a == 0 or c == 0:
        aa, mm, cc, nn = aa + 0.5, mm + 1, cc + 0.5, nn + 1
        label += "; 0.5 added to each cell (zero events in a group)"
    log_rr = np.log((aa / mm) / (cc / nn))
    se = np.sqrt(1 / aa - 1 / mm + 1 / cc - 1 / nn)
    p_value = float(2 * stats.norm.sf(abs(log_rr) / se)) if se > 0 else np.nan
    return result_frame([{"estimate": float(np.exp(log_rr)),
                          "ci_low": float(np.exp(log_rr - z * se)),
                          "ci_high": float(np.exp(log_rr + z * se)),
                          "p_value": p_value, "method": label, "n": m + n}])


def odds_ratio(x1: int, n1: int, x2: int, n2: int, *, method: str = "conditional",
               conf_level: float = 0.95) -> pd.DataFrame:
    """Odds ratio of group 1 versus group 2 with a confidence interval.

    Parameters
    ----------
    x1, n1, x2, n2 : int
        Events and subjects in groups 1 and 2.
    method : {"conditional", "woolf"}, default "conditional"
        ``"conditional"``: conditional maximum-likelihood estimate, exact
        conditional interval and Fisher's exact p-value (as
        :func:`fisher_exact`). ``"woolf"``: sample odds ratio with the log
        (Woolf) interval ``log(OR) +- z * sqrt(sum 1/cell)`` and its z test.
    conf_level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row: ``estimate, ci_low, ci_high, p_value, method, n``.

    Notes
    -----
    Zero cells: the conditional method gives 0 or infinity with a half-open
    interval (see :func:`fisher_exact`); Woolf's method adds 0.5 to every cell
    when any cell is 0 (Haldane-Anscombe) and says so in ``method``.

    Examples
    --------
    >>> r = odds_ratio(11, 27, 3, 26, method="woolf")
    >>> round(float(r.estimate[0]), 4)
    5.2708
    """
    a, m, c, n = check_counts("odds_ratio", x1, n1, x2, n2)
    level = check_conf_level("odds_ratio", conf_level)
    check_choice("odds_ratio", "method", method, ["conditional", "woolf"])
    if method == "conditional":
        row = _fisher(a, m, c, n, level)
        row.update(method="odds ratio; conditional MLE, exact conditional CI, Fisher's exact test",
                   n=m + n)
        return result_frame([row])
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    cells = np.array([a, m - a, c, n - c], dtype=float)
    label = "odds ratio; Woolf log CI and z test"
    if (cells == 0).any():
        cells = cells + 0.5
        label += "; 0.5 added to each cell (Haldane-Anscombe)"
    log_or = np.log(cells[0] * cells[3] / (cells[1] * cells[2]))
    se = float(np.sqrt((1 / cells).sum()))
    return result_frame([{"estimate": float(np.exp(log_or)),
                          "ci_low": float(np.exp(log_or - z * se)),
                          "ci_high": float(np.exp(log_or + z * se)),
                          "p_value": float(2 * stats.norm.sf(abs(log_or) / se)),
                          "method": label, "n": m + n}])
