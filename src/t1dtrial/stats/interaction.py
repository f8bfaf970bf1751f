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
                      fail, group_levels, not_estimable, numerical_trouble, result_frame)
from ._design import DesignBuilder
from .logistic import _separation, fit_rows, lr_test, profile_note

__all__ = ["interaction_test"]


def _matrices(frame: pd.DataFrame, group: str, subgroup: str, covs: list[str],
              comparators: list[Any]) -> tuple[np.ndarray, np.ndarray, list[str], list[Any],
                                               list[list[int]]]:
    """Standard (``group * subgroup``) and subgroup-specific parameterisations.

    The last value lists, for each comparator group, the columns of the
    standard matrix holding its interaction with the subgroup.
    """
    levels = sorted(pd.unique(frame[subgroup]), key=str)
    treat = np.column_stack([(frame[group] == c).to_numpy(dtype=float) for c in comparators])
    dummies = np.column_stack([(frame[subgroup] == lev).to_numpy(dtype=float) for lev in levels])
    cov = DesignBuilder(frame, covs)
    k, g = len(levels), len(comparators)
    std = np.column_stack([np.ones(len(frame)), treat, dummies[:, 1:]]
                          + [dummies[:, 1:] * treat[:, [j]] for j in range(g)] + [cov.matrix])
    grp = ["group"] if g == 1 else [f"group[{c}]" for c in comparators]
    names = (["(Intercept)", *grp] + [f"subgroup[{lev}]" for lev in levels[1:]]
             + [f"{gn}:subgroup[{lev}]" for gn in grp for lev in levels[1:]] + cov.names)
    first = 1 + g + (k - 1)
    inter_idx = [list(range(first + j * (k - 1), first + (j + 1) * (k - 1))) for j in range(g)]
    sub = np.column_stack([dummies] + [dummies * treat[:, [j]] for j in range(g)] + [cov.matrix])
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
        Treatment column: two groups, or more (one model with a group factor:
        each comparator group is compared with the reference).
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
        Rows ``term == "treatment effect"`` (one a comparator group and
        subgroup level, in the ``subgroup`` column): ``estimate`` the log odds
        ratio (binomial) or mean difference (gaussian) of comparator versus
        reference, with profile-likelihood (binomial) or t (gaussian) interval
        and p-value (LR or t test); then, for each comparator, two
        ``term == "interaction"`` rows, ``test`` ``"Wald"`` and ``"LR"``, of
        its interaction terms: ``estimate`` the interaction coefficient
        (difference of the effects, second subgroup level minus first) when
        there are two levels (NaN otherwise), its Wald or profile interval,
        ``statistic``, ``df`` and ``p_value``; with more than one comparator,
        two more rows test every interaction term jointly. ``comparison``
        says ``"B vs A"`` (comparator vs reference), or
        ``"B, C vs A (joint)"`` for the joint test; ``n`` counts the rows of
        the groups compared. For binomial fits the ``odds_ratio, or_ci_low,
        or_ci_high`` columns exponentiate.

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
    comparators, ref = group_levels(fn, "group", frame[group], reference)
    if frame[subgroup].nunique() < 2:
        raise not_estimable(fn, "subgroup", subgroup,
                            "fewer than two subgroup levels among the analysed rows",
                            "at least two levels")
    cells = frame.groupby([subgroup, group]).size()
    if len(cells) < (len(comparators) + 1) * frame[subgroup].nunique():
        raise not_estimable(fn, "subgroup", subgroup, "a subgroup lacks one of the groups",
                            "every group present in every subgroup")
    std, sub, names, levels, inter_idx = _matrices(frame, group, subgroup, covs, comparators)
    if np.linalg.matrix_rank(std) < std.shape[1]:
        raise not_estimable(fn, "covariates", ", ".join(covs) or subgroup,
                            "the model matrix is not of full rank",
                            "covariates that vary and are not collinear")
    if len(frame) <= std.shape[1]:
        raise not_estimable(fn, "data", f"{len(frame)} rows",
                            f"no residual degrees of freedom ({len(frame)} subjects for "
                            f"{std.shape[1]} model terms)", f"more than {std.shape[1]} subjects")
    y = frame[outcome].to_numpy(dtype=float)
    k, g = len(levels), len(comparators)
    tested = inter_idx + ([[i for idx in inter_idx for i in idx]] if g > 1 else [])
    if family == "binomial":
        if not set(np.unique(y)) <= {0.0, 1.0}:
            raise fail(fn, "outcome", outcome, "not a binary outcome", "a column of 0 and 1")
        if np.unique(y).size < 2:
            raise not_estimable(fn, "outcome", outcome, "only one outcome value among the "
                                f"analysed rows (all {int(y[0])})", "both 0 and 1 present")
        with numerical_trouble(fn, "the logistic interaction model"):
            rows, label = _binomial(
                std, sub, y, names, tested, k, level, method, outcome,
                [f"{c}, {lev}" if g > 1 else lev for c in comparators for lev in levels],
                ["the interaction"] if g == 1 else
                [f"the interaction of {c}" for c in comparators] + ["the joint test"])
    else:
        with numerical_trouble(fn, "the linear interaction model"):
            rows, label = _gaussian(std, sub, y, tested, k, k * g, level)
    check_finite(fn, "the interaction model",
                 [r["statistic"] for r in rows], [r["estimate"] for r in rows[:k * g]])
    out = []
    for j, c in enumerate(comparators):
        pair = frame.loc[frame[group].isin([c, ref]), subgroup].value_counts()
        for lev, r in zip(levels, rows[j * k:(j + 1) * k]):
            out.append({"method": label, **r, "term": "treatment effect", "subgroup": str(lev),
                        "n": int(pair[lev]), "comparison": f"{c} vs {ref}"})
    for j, pair_rows in enumerate(zip(rows[k * g::2], rows[k * g + 1::2])):
        joint = j == g
        what = (f"{', '.join(map(str, comparators))} vs {ref} (joint)" if joint
                else f"{comparators[j]} vs {ref}")
        n = len(frame) if joint else int(frame[group].isin([comparators[j], ref]).sum())
        for r in pair_rows:
            out.append({"method": label, **r, "term": "interaction", "subgroup": f"{subgroup}",
                        "n": n, "comparison": what})
    extra = ["statistic", "df", "comparison"]
    if family == "binomial":
        for r in out:
            r["odds_ratio"] = float(np.exp(r["estimate"]))
            r["or_ci_low"] = float(np.exp(r["ci_low"]))
            r["or_ci_high"] = float(np.exp(r["ci_high"]))
        extra += ["odds_ratio", "or_ci_low", "or_ci_high"]
    frame_out = result_frame(out, extra=extra)
    return frame_out[["term", "subgroup", "test"] + [c for c in frame_out.columns
                                                    if c not in ("term", "subgroup", "test")]]


def _binomial(std, sub, y, names, tested, k, level, method, outcome, effect_names, test_names):
    """Effects of each comparator in each subgroup level, then Wald and LR rows of each set
    of interaction columns in ``tested``."""
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
    sub_rows, _ = fit_rows(sub, y, [f"s{i}" for i in range(sub.shape[1])], level, firth,
                           terms=range(k, k + len(effect_names)), **fit)
    effects = [{"estimate": r["estimate"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                "p_value": r["p_value"], "statistic": r["statistic"], "df": 1.0}
               for r in sub_rows[k:k + len(effect_names)]]
    std_rows, _ = fit_rows(std, y, names, level, firth,
                           terms=[idx[0] for idx in tested if len(idx) == 1], **fit)
    beta = np.array([r["estimate"] for r in std_rows])
    p = special.expit(std @ beta)
    V = np.linalg.inv((std * (p * (1 - p))[:, None]).T @ std)
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    model = ("Firth penalised-likelihood logistic regression" if firth else
             "logistic regression (maximum likelihood)")
    label = ("treatment x subgroup interaction; " + model
             + ("; profile penalised-likelihood CI; penalised LR test" if firth else
                "; profile-likelihood CI; LR test") + note)
    wald_label = ("treatment x subgroup interaction; " + model
                  + "; Wald CI (inverse information at the estimate); Wald chi-square test"
                  + note)
    tests = []
    for idx in tested:
        b = beta[idx]
        Vi = V[np.ix_(idx, idx)]
        wald = float(b @ np.linalg.solve(Vi, b))
        lr = lr_test(std, y, idx, firth)
        df = float(len(idx))
        one = len(idx) == 1
        est = float(b[0]) if one else np.nan
        se = float(np.sqrt(Vi[0, 0])) if one else np.nan
        prof = std_rows[idx[0]] if one else {"ci_low": np.nan, "ci_high": np.nan}
        tests += [
            {"test": "Wald", "estimate": est, "ci_low": est - z * se, "ci_high": est + z * se,
             "p_value": float(stats.chi2.sf(wald, df)), "statistic": wald, "df": df,
             "method": wald_label},
            {"test": "LR", "estimate": est, "ci_low": prof["ci_low"], "ci_high": prof["ci_high"],
             "p_value": float(stats.chi2.sf(lr, df)), "statistic": lr, "df": df},
        ]
    label += profile_note(
        [{**r, "term": f"the effect in subgroup {lev}"} for lev, r in zip(effect_names, effects)]
        + [{**t, "term": what} for t, idx, what in zip(tests[1::2], tested, test_names)
           if len(idx) == 1])
    return effects + tests, label


def _gaussian(std, sub, y, tested, k, n_effects, level):
    """As :func:`_binomial` for a linear model: t intervals, partial F and LR tests."""
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
    for j in range(k, k + n_effects):
        est, se = float(beta_s[j]), float(np.sqrt(cov_s[j, j]))
        t = est / se
        effects.append({"estimate": est, "ci_low": est - q * se, "ci_high": est + q * se,
                        "p_value": float(2 * stats.t.sf(abs(t), df_res)), "statistic": t,
                        "df": float(df_res)})
    beta, _ = ols(std)
    cov = s2 * np.linalg.inv(std.T @ std)
    model = "treatment x subgroup interaction; linear model (OLS); t CI; "
    tests = []
    for idx in tested:
        keep = [c for c in range(std.shape[1]) if c not in idx]
        _, rss0 = ols(std[:, keep])
        m = len(idx)
        F = ((rss0 - rss1) / m) / s2
        lr = n * np.log(rss0 / rss1)
        one = m == 1
        est = float(beta[idx[0]]) if one else np.nan
        se = float(np.sqrt(cov[idx[0], idx[0]])) if one else np.nan
        tests += [
            {"test": "Wald", "estimate": est, "ci_low": est - q * se, "ci_high": est + q * se,
             "p_value": float(stats.f.sf(F, m, df_res)), "statistic": float(F),
             "df": float(m), "method": model + "partial F test"},
            {"test": "LR", "estimate": est, "ci_low": est - q * se, "ci_high": est + q * se,
             "p_value": float(stats.chi2.sf(lr, m)), "statistic": float(lr), "df": float(m),
             "method": model + "LR chi-square test, n log(RSS0 / RSS1)"},
        ]
    return effects + tests, model + "t test"
