"""Subgroup-by-treatment interaction: treatment effect within each subgroup and the test of equality.

Fits ``outcome ~ group * subgroup + covariates`` (logistic for a binary
outcome, linear for a continuous one) and reports the treatment effect in each
subgroup and the interaction test by Wald and likelihood ratio.

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"y": [1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 1],
...                   "arm": ["T", "C"] * 8, "sub": ["a"] * 8 + ["b"] * 8})
>>> r = interaction_test(d, outcome="y", group="arm", subgroup="sub", family="binomial")
>>> list(r.term)
['treatment effect', 'treatment effect', 'interaction', 'interaction']
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from ..errors import SeparationWarning
from ._common import (check_choice, check_columns_arg, check_conf_level, check_finite, check_frame,
                      fail, not_estimable, numerical_trouble, result_frame, two_levels)
from ._design import DesignBuilder
from .logistic import _separation, fit_rows, lr_test, profile_note

__all__ = ["interaction_test"]


def _matrices(frame: pd.DataFrame, group: str, subgroup: str, covs: list[str],
              comparator: Any) -> tuple[np.ndarray, np.ndarray, list[str], list[Any], list[int]]:
    """Standard (``group * subgroup``) and subgroup-specific parameterisations."""
    levels = sorted(pd.unique(frame[subgroup]), key=str)
    treat = (frame[group] == comparator).to_numpy(dtype=float)
    dummies = np.column_stack([(frame[subgroup] == lev).to_numpy(dtype=float) for lev in levels])
    cov = DesignBuilder(frame, covs)
    k = len(levels)
    std = np.column_stack([np.ones(len(frame)), treat, dummies[:, 1:],
                           dummies[:, 1:] * treat[:, None], cov.matrix])
    names = (["(Intercept)", "group"] + [f"subgroup[{lev}]" for lev in levels[1:]]
             + [f"group:subgroup[{lev}]" for lev in levels[1:]] + cov.names)
    inter_idx = list(range(2 + (k - 1), 2 + 2 * (k - 1)))
    sub = np.column_stack([dummies, dummies * treat[:, None], cov.matrix])
    return std, sub, names, levels, inter_idx


def interaction_test(data: pd.DataFrame, *, outcome: str, group: str, subgroup: str,
                     covariates: Sequence[str] = (), family: str = "binomial",
                     reference: Any | None = None, method: str = "auto",
                     conf_level: float = 0.95) -> pd.DataFrame:
    """Treatment effect by subgroup and the subgroup-by-treatment interaction test.

    Parameters
    ----------
    data : pandas.DataFrame
        One row a subject; rows with a missing value in a used column are dropped.
    outcome : str
        Binary (0/1) outcome for ``family="binomial"``, numeric for ``"gaussian"``.
    group : str
        Two-level treatment column.
    subgroup : str
        Subgroup column (two or more levels, e.g. adult vs juvenile onset).
    covariates : sequence of str
        Adjustment columns (main effects).
    family : {"binomial", "gaussian"}, default "binomial"
        Logistic or linear model.
    reference : optional
        Reference level of ``group`` (default: first in sorted order).
    method : {"auto", "ml", "firth"}, default "auto"
        Logistic fits only: as :func:`~t1dtrial.stats.logistic_regression`;
        with ``"auto"`` Firth's penalised likelihood replaces maximum
        likelihood (with a SeparationWarning) when the outcome is separated,
        which happens when a subgroup-by-arm cell has no (or only) responders.
    conf_level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Rows ``term == "treatment effect"`` (one a subgroup level, in the
        ``subgroup`` column): ``estimate`` the log odds ratio (binomial) or
        mean difference (gaussian) of comparator versus reference, with
        profile-likelihood (binomial) or t (gaussian) interval and p-value
        (LR or t test); then two ``term == "interaction"`` rows, ``test``
        ``"Wald"`` and ``"LR"``: ``estimate`` the interaction coefficient
        (difference of the effects, second subgroup level minus first) when
        there are two levels (NaN otherwise), its Wald or profile interval,
        ``statistic``, ``df`` and ``p_value``. For binomial fits the
        ``odds_ratio, or_ci_low, or_ci_high`` columns exponentiate.

    Notes
    -----
    Binomial: Wald ``chi2 = b' V^-1 b`` with ``V`` the inverse information
    at the estimate; LR from the constrained fit with the interaction
    coefficients at 0 (penalised LR, full-model penalty, under Firth).
    Gaussian: the Wald row is the partial F test (``statistic`` = F, ``df`` =
    numerator df); the LR row is ``n log(RSS_0 / RSS_1)`` against chi-square.

    Examples
    --------
    See the module docstring.
    """
    fn = "interaction_test"
    level = check_conf_level(fn, conf_level)
    check_choice(fn, "family", family, ["binomial", "gaussian"])
    check_choice(fn, "method", method, ["auto", "ml", "firth"])
    covs = check_columns_arg(fn, "covariates", covariates)
    used = [outcome, group, subgroup] + covs
    frame = check_frame(fn, data, used)[used].dropna().reset_index(drop=True)
    comparator, ref = two_levels(fn, "group", frame[group], reference)
    if frame[subgroup].nunique() < 2:
        raise not_estimable(fn, "subgroup", subgroup,
                            "fewer than two subgroup levels among the analysed rows",
                            "at least two levels")
    cells = frame.groupby([subgroup, group]).size()
    if len(cells) < 2 * frame[subgroup].nunique():
        raise not_estimable(fn, "subgroup", subgroup, "a subgroup lacks one of the groups",
                            "both groups present in every subgroup")
    std, sub, names, levels, inter_idx = _matrices(frame, group, subgroup, covs, comparator)
    if np.linalg.matrix_rank(std) < std.shape[1]:
        raise not_estimable(fn, "covariates", ", ".join(covs) or subgroup,
                            "the model matrix is not of full rank",
                            "covariates that vary and are not collinear")
    if len(frame) <= std.shape[1]:
        raise not_estimable(fn, "data", f"{len(frame)} rows",
                            f"no residual degrees of freedom ({len(frame)} subjects for "
                            f"{std.shape[1]} model terms)", f"more than {std.shape[1]} subjects")
    y = frame[outcome].to_numpy(dtype=float)
    n_sub = frame[subgroup].value_counts()
    k = len(levels)
    if family == "binomial":
        if not set(np.unique(y)) <= {0.0, 1.0}:
            raise fail(fn, "outcome", outcome, "not a binary outcome", "a column of 0 and 1")
        if np.unique(y).size < 2:
            raise not_estimable(fn, "outcome", outcome, "only one outcome value among the "
                                f"analysed rows (all {int(y[0])})", "both 0 and 1 present")
        with numerical_trouble(fn, "the logistic interaction model"):
            rows, label = _binomial(std, sub, y, names, inter_idx, k, level, method, outcome,
                                   levels)
    else:
        with numerical_trouble(fn, "the linear interaction model"):
            rows, label = _gaussian(std, sub, y, inter_idx, k, level)
    check_finite(fn, "the interaction model",
                 [r["statistic"] for r in rows], [r["estimate"] for r in rows[:k]])
    out = []
    for lev, r in zip(levels, rows[:k]):
        out.append({"method": label, **r, "term": "treatment effect", "subgroup": str(lev),
                    "n": int(n_sub[lev])})
    for r in rows[k:]:
        out.append({"method": label, **r, "term": "interaction", "subgroup": f"{subgroup}",
                    "n": len(frame)})
    extra = ["statistic", "df"]
    if family == "binomial":
        for r in out:
            r["odds_ratio"] = float(np.exp(r["estimate"]))
            r["or_ci_low"] = float(np.exp(r["ci_low"]))
            r["or_ci_high"] = float(np.exp(r["ci_high"]))
        extra += ["odds_ratio", "or_ci_low", "or_ci_high"]
    frame_out = result_frame(out, extra=extra)
    return frame_out[["term", "subgroup", "test"] + [c for c in frame_out.columns
                                                    if c not in ("term", "subgroup", "test")]]


def _binomial(std, sub, y, names, inter_idx, k, level, method, outcome, levels):
    firth = method == "firth"
    note = ""
    diverging = False  # maximum likelihood forced under separation: estimates do not exist
    if method != "firth":
        sep = _separation(std, y, names)
        if sep.separated:
            if method == "auto":
                firth = True
                note = f"; switched from maximum likelihood: {sep.kind} separation"
            warnings.warn(f"{sep.kind} separation of '{outcome}' in the interaction model: "
                          + ("Firth's penalised likelihood was used instead" if firth else
                             "maximum-likelihood estimates do not exist"),
                          SeparationWarning, stacklevel=3)
            diverging = not firth
    fit = {"diverging": diverging, "function": "interaction_test"}
    sub_rows, _ = fit_rows(sub, y, [f"s{i}" for i in range(sub.shape[1])], level, firth, **fit)
    effects = [{"estimate": r["estimate"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                "p_value": r["p_value"], "statistic": r["statistic"], "df": 1.0}
               for r in sub_rows[k:2 * k]]
    std_rows, _ = fit_rows(std, y, names, level, firth, **fit)
    beta = np.array([r["estimate"] for r in std_rows])
    p = special.expit(std @ beta)
    V = np.linalg.inv((std * (p * (1 - p))[:, None]).T @ std)
    b = beta[inter_idx]
    Vi = V[np.ix_(inter_idx, inter_idx)]
    wald = float(b @ np.linalg.solve(Vi, b))
    lr = lr_test(std, y, inter_idx, firth)
    df = float(len(inter_idx))
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    one = len(inter_idx) == 1
    est = float(b[0]) if one else np.nan
    se = float(np.sqrt(Vi[0, 0])) if one else np.nan
    prof = std_rows[inter_idx[0]] if one else {"ci_low": np.nan, "ci_high": np.nan}
    model = ("Firth penalised-likelihood logistic regression" if firth else
             "logistic regression (maximum likelihood)")
    label = ("treatment x subgroup interaction; " + model
             + ("; profile penalised-likelihood CI; penalised LR test" if firth else
                "; profile-likelihood CI; LR test") + note)
    wald_label = ("treatment x subgroup interaction; " + model
                  + "; Wald CI (inverse information at the estimate); Wald chi-square test"
                  + note)
    tests = [
        {"test": "Wald", "estimate": est, "ci_low": est - z * se, "ci_high": est + z * se,
         "p_value": float(stats.chi2.sf(wald, df)), "statistic": wald, "df": df,
         "method": wald_label},
        {"test": "LR", "estimate": est, "ci_low": prof["ci_low"], "ci_high": prof["ci_high"],
         "p_value": float(stats.chi2.sf(lr, df)), "statistic": lr, "df": df},
    ]
    label += profile_note(
        [{**r, "term": f"the effect in subgroup {lev}"} for lev, r in zip(levels, effects)]
        + ([{**tests[1], "term": "the interaction"}] if one else []))
    return effects + tests, label


def _gaussian(std, sub, y, inter_idx, k, level):
    n = len(y)

    def ols(X):
        beta, *_ = np.linalg.lstsq(X, y, rcond=None)
        rss = float(((y - X @ beta) ** 2).sum())
        return beta, rss

    beta_s, rss1 = ols(sub)
    df_res = n - sub.shape[1]
    s2 = rss1 / df_res
    cov_s = s2 * np.linalg.inv(sub.T @ sub)
    q = float(stats.t.ppf(1 - (1 - level) / 2, df_res))
    effects = []
    for j in range(k, 2 * k):
        est, se = float(beta_s[j]), float(np.sqrt(cov_s[j, j]))
        t = est / se
        effects.append({"estimate": est, "ci_low": est - q * se, "ci_high": est + q * se,
                        "p_value": float(2 * stats.t.sf(abs(t), df_res)), "statistic": t,
                        "df": float(df_res)})
    beta, _ = ols(std)
    keep = [c for c in range(std.shape[1]) if c not in inter_idx]
    _, rss0 = ols(std[:, keep])
    m = len(inter_idx)
    F = ((rss0 - rss1) / m) / s2
    lr = n * np.log(rss0 / rss1)
    cov = s2 * np.linalg.inv(std.T @ std)
    one = m == 1
    est = float(beta[inter_idx[0]]) if one else np.nan
    se = float(np.sqrt(cov[inter_idx[0], inter_idx[0]])) if one else np.nan
    model = "treatment x subgroup interaction; linear model (OLS); t CI; "
    tests = [
        {"test": "Wald", "estimate": est, "ci_low": est - q * se, "ci_high": est + q * se,
         "p_value": float(stats.f.sf(F, m, df_res)), "statistic": float(F), "df": float(m),
         "method": model + "partial F test"},
        {"test": "LR", "estimate": est, "ci_low": est - q * se, "ci_high": est + q * se,
         "p_value": float(stats.chi2.sf(lr, m)), "statistic": float(lr), "df": float(m),
         "method": model + "LR chi-square test, n log(RSS0 / RSS1)"},
    ]
    return effects + tests, model + "t test"
