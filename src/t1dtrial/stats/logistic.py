"""Logistic regression: maximum likelihood or Firth's penalised likelihood.

:func:`logistic_regression` fits ``outcome ~ predictors`` and returns one row a
term with profile-likelihood confidence intervals and likelihood-ratio
p-values. With ``method="auto"`` (the default) it first looks for separation
(:func:`detect_separation`); when the outcome is completely or
quasi-completely separated, maximum-likelihood estimates do not exist and
Firth's penalised likelihood is used instead, with a
:class:`t1dtrial.errors.SeparationWarning` and the ``method`` column saying so.

The fitting and the profile likelihood are written here rather than taken from
a library: statsmodels' ``Logit`` has neither Firth's penalty nor profile
intervals, scipy has optimisers only, and no Python package profiles Firth's
penalised likelihood with the full-model penalty (R's ``logistf`` does). That
profile needs care: ``l(b) + 0.5 log det I(b)`` is not concave, so with one
coefficient held fixed the others can have several local maxima, and a fit
warm-started from the previous profile point can stop at the wrong one (on a
completely separated data set this moved an upper limit from 4.58 to 3.73).
Each profile point is therefore maximised from several starts, and the limits
are checked with all of them (:mod:`._profile`; the likelihood and its
maximisation are in :mod:`._likelihood`).

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"y": [0, 0, 0, 1, 0, 1, 1, 1],
...                   "dose": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]})
>>> r = logistic_regression(d, outcome="y", predictors=["dose"])
>>> list(r.term)
['(Intercept)', 'dose']
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from ..errors import SeparationWarning
from ._common import (check_choice, check_columns_arg, check_conf_level, check_frame, fail,
                      not_estimable, numerical_trouble, result_frame)
from ._design import DesignBuilder
from ._likelihood import free_score, newton, scaled_columns
from ._profile import (Profile, best_fit, diverging_fit, diverging_limit, profile_limit,
                       scattered_starts)

__all__ = ["logistic_regression", "detect_separation", "Separation"]


# --------------------------------------------------------------------------- separation
@dataclass(frozen=True)
class Separation:
    """Result of :func:`detect_separation`.

    Attributes
    ----------
    separated : bool
        True when maximum-likelihood estimates do not exist.
    kind : {"none", "quasi-complete", "complete"}
        Complete: a linear combination of the predictors classifies every
        subject correctly; quasi-complete: correctly with some ties on the
        boundary.
    terms : tuple of str
        Terms whose maximum-likelihood estimate is infinite: those that some
        separating direction moves (found by maximising and minimising each
        coefficient over the cone of separating directions).
    """

    separated: bool
    kind: str
    terms: tuple[str, ...]


def _separation(X: np.ndarray, y: np.ndarray, names: Sequence[str]) -> Separation:
    """Linear-programming check of Konis (2007) on a scaled model matrix."""
    scale = np.abs(X).max(axis=0)
    scale[scale == 0] = 1.0
    Xt = (X / scale) * (2 * y - 1)[:, None]
    p = X.shape[1]
    # maximise sum(Xt b) subject to Xt b >= 0, -1 <= b <= 1
    res = optimize.linprog(-Xt.sum(axis=0), A_ub=-Xt, b_ub=np.zeros(len(y)),
                           bounds=[(-1, 1)] * p, method="highs")
    if res.status != 0 or -res.fun <= 1e-7 * len(y):
        return Separation(False, "none", ())
    # a term is infinite when some separating direction moves it: extremes of each b_j
    infinite = np.abs(res.x) > 1e-7
    for j in np.flatnonzero(~infinite):
        for sign in (1.0, -1.0):
            c = np.zeros(p)
            c[j] = -sign
            rj = optimize.linprog(c, A_ub=-Xt, b_ub=np.zeros(len(y)), bounds=[(-1, 1)] * p,
                                  method="highs")
            if rj.status == 0 and -rj.fun > 1e-7:
                infinite[j] = True
                break
    terms = tuple(n for n, flag in zip(names, infinite) if flag)
    # complete separation: some b with Xt b >= t > 0 for every subject
    c = np.zeros(p + 1)
    c[-1] = -1.0
    A = np.hstack([-Xt, np.ones((len(y), 1))])
    res2 = optimize.linprog(c, A_ub=A, b_ub=np.zeros(len(y)),
                            bounds=[(-1, 1)] * p + [(0, 1)], method="highs")
    complete = res2.status == 0 and -res2.fun > 1e-9
    return Separation(True, "complete" if complete else "quasi-complete", terms)


def detect_separation(data: pd.DataFrame, *, outcome: str, predictors: Sequence[str]) -> Separation:
    """Detect complete or quasi-complete separation of a binary outcome.

    Parameters
    ----------
    data : pandas.DataFrame
        One row a subject; rows with a missing value in a used column are dropped.
    outcome : str
        Binary column (0/1 or False/True).
    predictors : sequence of str
        Predictor columns (numeric, or factors for text/category/boolean).

    Returns
    -------
    Separation

    Notes
    -----
    Solves the linear program of Konis (2007), as R's
    ``glm(..., method = brglm2::detect_separation)``: maximum-likelihood
    estimates exist if and only if no non-zero direction ``b`` satisfies
    ``(2 y_i - 1) x_i' b >= 0`` for every subject.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [0, 0, 1, 1], "x": [1.0, 2.0, 3.0, 4.0]})
    >>> detect_separation(d, outcome="y", predictors=["x"]).kind
    'complete'
    """
    X, y, names, _ = _prepare("detect_separation", data, outcome, predictors)
    return _separation(X, y, names)


# --------------------------------------------------------------------------- fitting
def _wald_se(X: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Standard errors from the inverse information at ``beta``."""
    prob = special.expit(X @ beta)
    info = (X * (prob * (1 - prob))[:, None]).T @ X
    return np.sqrt(np.clip(np.diag(np.linalg.pinv(info)), 0, None))


def _fit_table(X, y, names, conf_level, firth, diverging=False,
               function="logistic_regression", terms=None) -> tuple[list[dict], bool]:
    p = X.shape[1]
    all_free = np.arange(p)
    beta, ll_max, converged = newton(X, y, np.zeros(p), firth, all_free, max_iter=500)
    if not (converged or diverging):
        _check_maximum(function, X, y, beta, firth)
        converged = True
    se = _wald_se(X, beta)
    target = float(stats.chi2.ppf(conf_level, 1))
    rows = []
    for j, name in enumerate(names):
        if terms is not None and j not in terms:  # not asked for: no profile, no test
            rows.append({"term": name, "estimate": float(beta[j]), "ci_low": np.nan,
                         "ci_high": np.nan, "p_value": np.nan, "se": float(se[j]),
                         "statistic": np.nan})
            continue
        if diverging:
            # maximum likelihood under separation: the estimates and any profile diverge
            low, high = diverging_limit(X, y, j, beta, ll_max, target, se[j])
            ll0 = diverging_fit(X, y, j, beta, 0.0)
        else:
            low = profile_limit(X, y, j, beta, ll_max, target, firth, se, -1)
            high = profile_limit(X, y, j, beta, ll_max, target, firth, se, +1)
            prof = Profile(X, y, j, beta, ll_max, firth, se)
            d0 = prof.drop(0.0, scatter=True)
            ll0 = ll_max - d0 / 2
        lr = max(2 * (ll_max - ll0), 0.0) if np.isfinite(ll0) else np.nan
        rows.append({"term": name, "estimate": float(beta[j]), "ci_low": low, "ci_high": high,
                     "p_value": float(stats.chi2.sf(lr, 1)) if np.isfinite(lr) else np.nan,
                     "se": float(se[j]), "statistic": lr})
    # under separation the iterations stop where the likelihood is flat: not a maximum
    return rows, bool(converged) and not diverging


def _check_maximum(function: str, X: np.ndarray, y: np.ndarray, beta: np.ndarray,
                   firth: bool) -> None:
    """Raise an EstimationError unless ``beta`` is a maximum (its (modified) score is ~0).

    The optimiser's own flag is not enough: BFGS reports "precision loss" at
    a maximum it cannot improve on; the score says whether it is one.
    """
    with numerical_trouble(function, "the logistic fit"):
        largest = free_score(X, y, beta, firth, np.arange(X.shape[1]))
    if not (np.all(np.isfinite(beta)) and largest < 1e-6):
        fit = "Firth's penalised likelihood" if firth else "maximum likelihood"
        raise not_estimable(function, "data", f"{len(y)} rows",
                            f"the logistic model did not converge ({fit}; largest score "
                            f"{largest:.2g})", "more subjects or fewer predictors")


def _prepare(fn: str, data: pd.DataFrame, outcome: str, predictors: Sequence[str]):
    preds = check_columns_arg(fn, "predictors", predictors)
    frame = check_frame(fn, data, [outcome] + preds)[[outcome] + preds].dropna()
    yv = frame[outcome]
    if pd.api.types.is_bool_dtype(yv):
        yv = yv.astype(int)
    values = set(pd.unique(yv))
    if not values <= {0, 1} or not pd.api.types.is_numeric_dtype(yv):
        raise fail(fn, "outcome", ", ".join(map(str, sorted(values, key=str))),
                   "not a binary outcome", "a column of 0 and 1 (or False and True)")
    if len(values) < 2:
        problem = (f"only one outcome value among the analysed rows (all {int(min(values))})"
                   if values else "no analysed rows (each misses the outcome or a predictor)")
        raise not_estimable(fn, "outcome", outcome, problem, "both 0 and 1 present")
    builder = DesignBuilder(frame, preds)
    X = np.column_stack([np.ones(len(frame)), builder.matrix])
    names = ["(Intercept)"] + builder.names
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise not_estimable(fn, "predictors", ", ".join(preds),
                            "the model matrix is not of full rank "
                            "(a predictor is constant or collinear)",
                            "predictors that vary and are not collinear")
    return X, yv.to_numpy(dtype=float), names, len(frame)


def logistic_regression(data: pd.DataFrame, *, outcome: str, predictors: Sequence[str],
                        method: str = "auto", conf_level: float = 0.95) -> pd.DataFrame:
    """Logistic regression with profile-likelihood intervals and likelihood-ratio tests.

    Parameters
    ----------
    data : pandas.DataFrame
        One row a subject. Rows with a missing value in a used column are
        dropped (complete cases); ``n`` counts the rows used.
    outcome : str
        Binary outcome column (0/1 or False/True).
    predictors : sequence of str
        Predictor columns; numeric columns enter linearly, text, category or
        boolean columns as factors (treatment coding, first sorted level as
        reference, terms named ``column[level]``).
    method : {"auto", "ml", "firth"}, default "auto"
        ``"ml"``: maximum likelihood. ``"firth"``: Firth's penalised likelihood
        ``l(b) + 0.5 log det I(b)`` (the Jeffreys-prior penalty; mean-bias
        reducing). ``"auto"``: maximum likelihood unless
        :func:`detect_separation` finds separation, then Firth with a
        :class:`~t1dtrial.errors.SeparationWarning`.
    conf_level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row a term (``"(Intercept)"`` first): ``term, estimate`` (log odds
        ratio), ``ci_low, ci_high`` (profile (penalised) likelihood interval),
        ``p_value`` ((penalised) likelihood-ratio test of the term being 0),
        ``method``, ``n``, then ``se`` (Wald, from the information at the
        estimate), ``statistic`` (the LR chi-square), ``odds_ratio``,
        ``or_ci_low``, ``or_ci_high``.

    Notes
    -----
    1. Newton-Raphson with step halving; for Firth the modified score
       ``X'(y - p + h (1/2 - p))`` with ``h`` the hat-matrix diagonal
       (Firth 1993; Heinze & Schemper 2002).
    2. Profile interval of term ``j``: the values ``b`` where
       ``2 (l_max - max_{other terms} l(b_j = b)) = chi2_1(conf_level)``, with
       the other coefficients re-maximised at each ``b`` (Venzon & Moolgavkar
       1988); for Firth the penalty is that of the full model throughout, as
       R's ``logistf``, and the maximum at each ``b`` is the best of fits from
       several starts (the penalised likelihood can have local maxima there).
       The confidence set ``{b : drop(b) <= chi2_1(conf_level)}`` need not be
       an interval when the profile is not monotone; the limits are the
       outermost crossings found by scanning outwards from the estimate (at
       0.5, 1, 1.5, 2, 3, 4, 6, ... standard errors, until the drop is above
       the target at two successive points and rising), so the interval covers
       every part of the set the scan sees. An interval that never reaches the
       target is infinite on that side; a limit or p-value whose constrained
       fit reaches no maximum from any start is missing (NaN) and the
       ``method`` column names the term.
    3. p-value: the same (penalised) likelihood-ratio statistic at ``b = 0``.
    4. With ``method="ml"`` and separation the estimates diverge; a
       SeparationWarning says so and the numbers are those after the last
       iteration.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [0, 0, 0, 0, 1, 1, 1, 1], "dose": [1.0, 2, 3, 4, 5, 6, 7, 8]})
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     r = logistic_regression(d, outcome="y", predictors=["dose"])
    >>> r.method[0].startswith("Firth")
    True
    """
    fn = "logistic_regression"
    level = check_conf_level(fn, conf_level)
    check_choice(fn, "method", method, ["auto", "ml", "firth"])
    X, y, names, n = _prepare(fn, data, outcome, predictors)
    sep = _separation(X, y, names) if method != "firth" else None
    firth = method == "firth"
    note = ""
    if sep is not None and sep.separated:
        where = ", ".join(t for t in sep.terms) or "the model"
        if method == "auto":
            firth = True
            note = f"; switched from maximum likelihood: {sep.kind} separation ({where})"
            warnings.warn(f"{sep.kind} separation of '{outcome}' by {where}: maximum-likelihood "
                          "estimates do not exist; Firth's penalised likelihood was used instead",
                          SeparationWarning, stacklevel=2)
        else:
            warnings.warn(f"{sep.kind} separation of '{outcome}' by {where}: maximum-likelihood "
                          "estimates do not exist and those reported diverge; use method='firth' "
                          "or method='auto'", SeparationWarning, stacklevel=2)
    with numerical_trouble(fn, "the logistic fit"):
        rows, _ = fit_rows(X, y, names, level, firth,
                           diverging=bool(sep is not None and sep.separated and not firth))
    label = ("Firth penalised-likelihood logistic regression; profile penalised-likelihood CI; "
             "penalised LR test" if firth else
             "logistic regression (maximum likelihood); profile-likelihood CI; LR test") + note
    label += profile_note(rows)
    for r in rows:
        r["method"] = label
        r["n"] = n
        r["odds_ratio"] = float(np.exp(r["estimate"]))
        r["or_ci_low"] = float(np.exp(r["ci_low"]))
        r["or_ci_high"] = float(np.exp(r["ci_high"]))
    return result_frame(rows, extra=["se", "statistic", "odds_ratio", "or_ci_low", "or_ci_high"])


def profile_note(rows: Sequence[dict]) -> str:
    """Method-text note naming the terms whose profile limit or p-value is missing
    because a constrained fit reached no maximum from any start ("" when none)."""
    missing = [r["term"] for r in rows
               if any(np.isnan(r[k]) for k in ("ci_low", "ci_high", "p_value"))]
    if not missing:
        return ""
    return ("; profile limit or p-value not estimable for " + ", ".join(missing)
            + " (the constrained fit reached no maximum from any start)")


def fit_rows(X: np.ndarray, y: np.ndarray, names: Sequence[str], conf_level: float,
             firth: bool, *, diverging: bool = False,
             function: str = "logistic_regression",
             terms: Sequence[int] | None = None) -> tuple[list[dict], bool]:
    """Fit on a model matrix (columns rescaled internally): one dict a term, and convergence.

    ``terms`` (column indices) limits the profile intervals and tests to the
    terms a caller reports (each profile costs many constrained fits); the
    other rows carry the estimate and its standard error only.

    Raises an EstimationError (naming ``function``) when the fit does not
    reach a maximum, unless ``diverging`` says the maximum-likelihood
    estimates are known not to exist (separation with ``method="ml"``); the
    second value is False then. A profile limit or p-value whose constrained
    fit reaches no maximum from any start is NaN.
    """
    Xs, scale = scaled_columns(X)
    rows, converged = _fit_table(Xs, y, names, conf_level, firth, diverging, function,
                                 None if terms is None else frozenset(int(t) for t in terms))
    for r, s in zip(rows, scale):
        for key in ("estimate", "ci_low", "ci_high", "se"):
            r[key] = r[key] / s
    return rows, converged


def lr_test(X: np.ndarray, y: np.ndarray, fixed: Sequence[int], firth: bool) -> float:
    """(Penalised) likelihood-ratio statistic for the coefficients ``fixed`` being 0.

    The constrained fit keeps the full model's penalty (as ``logistf``), so
    the statistic is the drop ``2 (l_max - l_0)`` of one objective; under
    Firth it is maximised from several starts (zeros, the estimate with the
    ``fixed`` coefficients at 0, scattered starts around it). NaN when the
    constrained fit reaches no maximum.
    """
    Xs, _ = scaled_columns(X)
    p = X.shape[1]
    beta, ll_max, _ = newton(Xs, y, np.zeros(p), firth, np.arange(p), 500)
    free = np.array([k for k in range(p) if k not in set(fixed)], dtype=int)
    starts = [np.zeros(p), beta]
    if firth:
        starts += scattered_starts(beta, _wald_se(Xs, beta), free)
    _, ll0 = best_fit(Xs, y, np.zeros(p), free, starts, firth)
    return max(2 * (ll_max - ll0), 0.0) if np.isfinite(ll0) else np.nan
