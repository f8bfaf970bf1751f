"""Kaplan-Meier estimate of a duration with censoring, and the log-rank test between groups.

The product-limit estimate is computed as lifelines computes it; Greenwood's variance, the
confidence intervals and the median follow R's ``survival::survfit`` so that
numbers can be checked against it. The log-rank test is statsmodels'
``survdiff`` (R's ``survival::survdiff``).

Examples
--------
>>> r = kaplan_meier([90, 120, 200, 365, 365], [1, 1, 0, 1, 0], times=[180])
>>> list(r.term)
['median', 'survival']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ._common import (check_choice, check_conf_level, check_sample, fail, not_estimable,
                      result_frame)

__all__ = ["kaplan_meier", "log_rank"]

_TOL = np.sqrt(np.finfo(float).eps)


def _table(durations: np.ndarray, events: np.ndarray) -> pd.DataFrame:
    """The product-limit table: each recorded time, at risk, events, survival, se of H(t).

    Survival is computed as lifelines' ``KaplanMeierFitter`` computes it,
    ``S(t) = exp(sum_{t_i <= t} (log(n_i - d_i) - log(n_i)))``, step for step
    (the same numbers, without importing lifelines and building its tables).
    """
    times, where = np.unique(durations, return_inverse=True)
    removed = np.bincount(where, minlength=times.size)
    d = np.bincount(where, weights=events, minlength=times.size)
    n = durations.size - np.concatenate([[0], np.cumsum(removed)[:-1]])  # at risk
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.exp(np.cumsum(np.log(n - d) - np.log(n)))
    n = n.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        inc = np.where(d > 0, d / (n * (n - d)), 0.0)
    se_h = np.sqrt(np.cumsum(inc))  # standard error of the cumulative hazard (R's std.err)
    return pd.DataFrame({"time": times, "n_risk": n, "n_event": d, "surv": surv, "se": se_h})


def _limits(surv: np.ndarray, se: np.ndarray, z: float, conf_type: str):
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "log-log":
            ok = (surv > 0) & (surv < 1)
            ll = np.log(-np.log(np.where(ok, surv, 0.5)))
            width = z * se / np.log(np.where(ok, surv, 0.5))
            low = np.where(ok, np.exp(-np.exp(ll - width)), np.nan)
            high = np.where(ok, np.exp(-np.exp(ll + width)), np.nan)
        elif conf_type == "log":
            low = np.where(surv > 0, surv * np.exp(-z * se), np.nan)
            high = np.where(surv > 0, np.minimum(surv * np.exp(z * se), 1.0), np.nan)
        else:
            low = np.maximum(surv - z * se * surv, 0.0)
            high = np.minimum(surv + z * se * surv, 1.0)
    low = np.where(surv == 1, 1.0, low) if conf_type == "plain" else low
    return low, high


def _findq(x: np.ndarray, y: np.ndarray, p: float, xmax: float) -> float:
    """R's ``survival:::findq``: time where ``1 - S`` first reaches ``p``."""
    keep = ~np.isnan(y)
    x, y = x[keep], y[keep]
    if y.size == 0 or y.max() < p:
        return np.nan
    first = ~pd.Series(y).duplicated().to_numpy()
    x, y = x[first], y[first]
    i1 = np.flatnonzero(y + _TOL >= p)
    i2 = np.flatnonzero(y - _TOL >= p)
    if i1.size == 0:
        return np.nan
    a = x[i1[0]]
    if abs(p - y[-1]) < _TOL:
        return (a + xmax) / 2
    if i2.size == 0:
        return np.nan
    return (a + x[i2[0]]) / 2


def kaplan_meier(durations: Sequence[float], events: Sequence[int], *,
                 times: Sequence[float] = (), conf_level: float = 0.95,
                 conf_type: str = "log-log") -> pd.DataFrame:
    """Kaplan-Meier median and survival at given times, with confidence intervals.

    Parameters
    ----------
    durations : sequence of float
        Time from the start of the episode to its end or to censoring
        (e.g. days of insulin independence).
    events : sequence of int
        1 if the episode ended (event), 0 if censored (still ongoing at last
        contact). Pairs with a missing value are dropped.
    times : sequence of float
        Times at which to report the survival probability.
    conf_level : float, default 0.95
        Confidence level.
    conf_type : {"log-log", "log", "plain"}, default "log-log"
        Transformation of the pointwise interval. ``"log-log"`` (the default
        here and in lifelines; R's ``conf.type = "log-log"``) stays in (0, 1);
        R's own default is ``"log"``.

    Returns
    -------
    pandas.DataFrame
        A ``term == "median"`` row (``estimate`` the median duration with its
        interval, NaN when the curve does not reach one half) followed by one
        ``term == "survival"`` row for each of ``times`` (``time``, survival
        probability and interval); columns ``term, time, estimate, ci_low,
        ci_high, p_value`` (NaN), ``method, n``, ``n_events``, ``n_risk``
        (number at risk at ``time``), ``se`` (Greenwood standard error of the
        cumulative hazard).

    Notes
    -----
    1. Greenwood: ``se(H(t))^2 = sum_{t_i <= t} d_i / (n_i (n_i - d_i))``.
    2. Log-log interval: ``S^exp(+-z se / log S)``; log interval:
       ``S exp(+-z se)`` (upper limit capped at 1); plain: ``S (1 +- z se)``.
       Before the first recorded time the interval is (1, 1); at a recorded
       time where ``S`` is still 1 (only censoring so far) the log-log limits
       are NaN, as in R.
    3. Median and its limits as R's ``quantile.survfit``: the first time the
       curve (or the interval's curve) is at or below one half; when it sits
       exactly at one half, the midpoint to the next time.
    4. Survival at a time beyond the last observation is 0 when the curve
       has reached 0 (every subject had the event; its interval is NaN, as R's
       ``summary(fit, times, extend = TRUE)``), NaN otherwise (unknown).

    Examples
    --------
    >>> r = kaplan_meier([90, 120, 200, 365, 365], [1, 1, 0, 1, 0], times=[180])
    >>> round(float(r.estimate[1]), 3)
    0.6
    """
    fn = "kaplan_meier"
    level = check_conf_level(fn, conf_level)
    check_choice(fn, "conf_type", conf_type, ["log-log", "log", "plain"])
    dur = np.asarray(pd.to_numeric(pd.Series(list(durations)), errors="coerce"), dtype=float)
    ev = np.asarray(pd.to_numeric(pd.Series(list(events)), errors="coerce"), dtype=float)
    if dur.size != ev.size:
        raise fail(fn, "events", f"{ev.size} values", f"not as many as durations ({dur.size})",
                   "as many event flags as durations")
    keep = ~(np.isnan(dur) | np.isnan(ev))
    dur, ev = dur[keep], ev[keep]
    check_sample(fn, "durations", dur)
    if (dur < 0).any():
        raise fail(fn, "durations", float(dur[dur < 0][0]), "negative duration",
                   "durations >= 0")
    if not set(np.unique(ev)) <= {0.0, 1.0}:
        raise fail(fn, "events", ", ".join(map(str, np.unique(ev))), "not event flags",
                   "flags 1 (event) or 0 (censored)")
    check_sample(fn, "times", list(times), minimum=0)
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    tab = _table(dur, ev)
    low, high = _limits(tab.surv.to_numpy(), tab.se.to_numpy(), z, conf_type)
    x = np.concatenate([[0.0], tab.time.to_numpy()])
    xmax = float(x[-1])
    med = _findq(x, np.concatenate([[0.0], 1 - tab.surv.to_numpy()]), 0.5, xmax)
    med_low = _findq(x, np.concatenate([[0.0], 1 - low]), 0.5, xmax)
    med_high = _findq(x, np.concatenate([[0.0], 1 - high]), 0.5, xmax)
    method = f"Kaplan-Meier; Greenwood variance; {conf_type} CI"
    n = int(dur.size)
    n_events = int(ev.sum())
    rows = [{"term": "median", "time": np.nan, "estimate": med, "ci_low": med_low,
             "ci_high": med_high, "p_value": np.nan, "method": method, "n": n,
             "n_events": n_events, "n_risk": np.nan, "se": np.nan}]
    for t in times:
        t = float(t)
        idx = np.searchsorted(tab.time.to_numpy(), t, side="right") - 1
        at_risk = float((dur >= t).sum())
        if t > dur.max():
            ended = bool(tab.surv.iat[-1] == 0.0)
            s, se, lo, hi = (0.0 if ended else np.nan), np.nan, np.nan, np.nan
        elif idx < 0:
            s, se, lo, hi = 1.0, 0.0, 1.0, 1.0
        else:
            s, se, lo, hi = tab.surv.iat[idx], tab.se.iat[idx], low[idx], high[idx]
        rows.append({"term": "survival", "time": t, "estimate": float(s), "ci_low": float(lo),
                     "ci_high": float(hi), "p_value": np.nan, "method": method, "n": n,
                     "n_events": int(ev[dur <= t].sum()), "n_risk": at_risk, "se": float(se)})
    return result_frame(rows, extra=["n_events", "n_risk", "se"])


def log_rank(durations: Sequence[float], events: Sequence[int],
             groups: Sequence[object]) -> pd.DataFrame:
    """Log-rank test of equal survival in two or more groups (statsmodels ``survdiff``).

    Parameters
    ----------
    durations : sequence of float
        Time to the event or to censoring.
    events : sequence of int
        1 event, 0 censored. Triplets with a missing value are dropped.
    groups : sequence
        The group of each duration (at least two groups).

    Returns
    -------
    pandas.DataFrame
        One row: ``estimate``, ``ci_low``, ``ci_high`` NaN (the test has no
        estimate), ``p_value``, ``method``, ``n``, then ``statistic`` (the
        chi-square) and ``df`` (groups - 1) and ``n_events``.

    Notes
    -----
    Not estimable (an :class:`~t1dtrial.errors.EstimationError`) with fewer
    than two groups or no event at all. Equal to R's
    ``survdiff(Surv(durations, events) ~ groups)``.

    Examples
    --------
    >>> r = log_rank([6, 6, 6, 7, 10, 13, 16, 22, 23, 1, 1, 2, 2, 3, 4, 4, 5, 5, 8],
    ...              [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [0] * 9 + [1] * 10)
    >>> round(float(r.statistic[0]), 3), int(r.df[0])
    (13.85, 1)
    """
    from statsmodels.duration.survfunc import survdiff

    fn = "log_rank"
    dur = np.asarray(pd.to_numeric(pd.Series(list(durations)), errors="coerce"), dtype=float)
    ev = np.asarray(pd.to_numeric(pd.Series(list(events)), errors="coerce"), dtype=float)
    grp = pd.Series(list(groups), dtype=object)
    if not dur.size == ev.size == grp.size:
        raise fail(fn, "groups", f"{dur.size}, {ev.size}, {grp.size}",
                   "durations, events and groups differ in length", "one of each a subject")
    keep = ~(np.isnan(dur) | np.isnan(ev) | grp.isna().to_numpy())
    dur, ev, grp = dur[keep], ev[keep], grp[keep].to_numpy()
    if (dur < 0).any():
        raise fail(fn, "durations", float(dur[dur < 0][0]), "negative duration", "durations >= 0")
    if not set(np.unique(ev)) <= {0.0, 1.0}:
        raise fail(fn, "events", ", ".join(map(str, np.unique(ev))), "not event flags",
                   "flags 1 (event) or 0 (censored)")
    levels = list(dict.fromkeys(grp))
    if len(levels) < 2:
        raise not_estimable(fn, "groups", levels, "fewer than two groups with subjects",
                            "subjects in at least two groups")
    if ev.sum() == 0:
        raise not_estimable(fn, "events", 0, "no event in any group", "at least one event")
    codes = np.array([levels.index(g) for g in grp])
    chisq, p = survdiff(dur, ev.astype(int), codes)
    return result_frame([{"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                          "p_value": float(p), "method": "log-rank test", "n": int(dur.size),
                          "statistic": float(chisq), "df": float(len(levels) - 1),
                          "n_events": int(ev.sum())}], extra=["statistic", "df", "n_events"])
