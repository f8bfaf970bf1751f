"""Simulated trials of one design cell, many at once, and the count of their rejections.

One function per kind of endpoint; each draws ``trials`` trials from the
generator it is given, in fixed blocks of :data:`BLOCK` trials
(:data:`LOGISTIC_BLOCK` for logistic regression; so the numbers depend on the
generator's state and ``trials`` only), analyses every trial with the test
named in the cell, and returns the counts ``{"rejections", "trials",
"not_estimable"}``.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from scipy import special

from ._mc_logistic import fit_logistic_columns
from ._mc_tests import ancova_t, mann_whitney_p, t_rejects, welch_t

#: Trials analysed together inside a chunk: small enough for the arrays of a block
#: (trials x participants) to stay in the processor's cache, which is several times faster.
BLOCK = 4_000
LOGISTIC_BLOCK = 1_000

CONTINUOUS_TESTS = ("welch", "mann-whitney", "ancova")
MODEL_TESTS = ("logistic",)


def binary_counts(cell: Mapping[str, Any], rng: np.random.Generator, trials: int) -> dict[str, int]:
    """Rejections among ``trials`` trials of a binary endpoint (two binomials, or the logistic model)."""
    if cell["test"] in MODEL_TESTS:
        return _blocks(_logistic_block, cell, rng, trials, LOGISTIC_BLOCK)
    from .exact import rejection_region

    n1, n2 = int(cell["n1"]), int(cell["n2"])
    region = rejection_region(n1, n2, cell["alpha"], test=cell["test"],
                              alternative=cell["alternative"]).ravel()
    x1 = rng.binomial(n1, cell["p1"], trials)
    x2 = rng.binomial(n2, cell["p2"], trials)
    x1 *= n2 + 1
    x1 += x2  # the flat index of each trial's table (x1, x2)
    return {"rejections": int(np.count_nonzero(region[x1])), "trials": int(trials),
            "not_estimable": 0}


def continuous_counts(cell: Mapping[str, Any], rng: np.random.Generator,
                      trials: int) -> dict[str, int]:
    """Rejections among ``trials`` trials of a normally distributed endpoint."""
    return _blocks(_continuous_block, cell, rng, trials, BLOCK)


def _blocks(block, cell: Mapping[str, Any], rng: np.random.Generator,
            trials: int, block_trials: int) -> dict[str, int]:
    total = {"rejections": 0, "trials": 0, "not_estimable": 0}
    for start in range(0, int(trials), block_trials):
        size = min(block_trials, int(trials) - start)
        rejected, not_estimable = block(cell, rng, size)
        total["rejections"] += rejected
        total["not_estimable"] += not_estimable
        total["trials"] += size
    return total


def _continuous_block(cell: Mapping[str, Any], rng: np.random.Generator,
                      size: int) -> tuple[int, int]:
    """Trials drawn in SD units (every test here is unchanged by a common change of scale):
    the treated arm's outcomes are shifted by ``delta / sd``."""
    n1, n2 = int(cell["n1"]), int(cell["n2"])
    shift = float(cell["delta"]) / float(cell["sd"])
    test, alternative, alpha = cell["test"], cell["alternative"], float(cell["alpha"])
    if test == "ancova":
        rho = float(cell["correlation"])
        x_base = rng.standard_normal((size, n1))
        y_base = rng.standard_normal((size, n2))
        noise = np.sqrt(1.0 - rho * rho)
        x = shift + rho * x_base + noise * rng.standard_normal((size, n1))
        y = rho * y_base + noise * rng.standard_normal((size, n2))
        _, t, df = ancova_t(x, y, x_base, y_base)
        rejected = t_rejects(t, df, (df, df), alpha, alternative)
    elif test == "welch":
        x = rng.standard_normal((size, n1))
        y = rng.standard_normal((size, n2))
        m1, m2 = x.mean(axis=1), y.mean(axis=1)
        # one-pass sums of squares: exact enough for standard normal draws (mean near 0)
        ss1 = np.einsum("ij,ij->i", x, x) - n1 * m1 * m1
        ss2 = np.einsum("ij,ij->i", y, y) - n2 * m2 * m2
        t, df = welch_t(shift + m1 - m2, ss1, ss2, n1, n2)
        rejected = t_rejects(t, df, (min(n1, n2) - 1, n1 + n2 - 2), alpha, alternative)
    else:
        x = rng.standard_normal((size, n1))
        x += shift
        y = rng.standard_normal((size, n2))
        rejected = mann_whitney_p(x, y, alternative, method="auto") <= alpha
    return int(np.count_nonzero(rejected)), 0


def logistic_design(cell: Mapping[str, Any], rng: np.random.Generator,
                    size: int) -> tuple[np.ndarray, np.ndarray]:
    """Design matrices ``[1, arm, covariates]`` (shape ``(size, n, k)``) and outcomes of
    ``size`` simulated trials (see :func:`logistic_columns`)."""
    shared, covariates, y = logistic_columns(cell, rng, size)
    X = np.concatenate([np.broadcast_to(shared.T, (size, *shared.T.shape)),
                        np.moveaxis(covariates, 0, 2)], axis=2)
    return X, y


def logistic_columns(cell: Mapping[str, Any], rng: np.random.Generator,
                     size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The columns shared by every trial (intercept, arm: ``(2, n)``), each trial's
    covariates (``(m, size, n)``) and outcomes (``(size, n)``) of ``size`` simulated trials.

    Covariates are independent standard normals (baseline values in SD
    units); ``logit P(response) = logit(p2) + arm (logit(p1) - logit(p2)) +
    covariates . log(covariate_or)``, so ``p1`` and ``p2`` are the response
    probabilities of a participant at the covariates' mean.
    """
    n1, n2 = int(cell["n1"]), int(cell["n2"])
    n = n1 + n2
    log_or = np.log(np.asarray(cell["covariate_or"], dtype=float)).reshape(-1)
    arm = np.r_[np.ones(n1), np.zeros(n2)]
    covariates = rng.standard_normal((len(log_or), size, n))
    eta = np.einsum("m,mtn->tn", log_or, covariates)
    eta += special.logit(cell["p2"]) + arm * (special.logit(cell["p1"]) - special.logit(cell["p2"]))
    y = (rng.random((size, n)) * (1.0 + np.exp(-eta)) < 1.0).astype(float)  # u < expit(eta)
    return np.stack([np.ones(n), arm]), covariates, y


def _logistic_block(cell: Mapping[str, Any], rng: np.random.Generator,
                    size: int) -> tuple[int, int]:
    """Trials with no responder or only responders in an arm have no maximum likelihood
    estimate (quasi-complete separation by arm): not estimable without fitting. The others
    are fitted from the 2 x 2 table's log-odds (with 0.5 added), covariates' effects 0."""
    n1 = int(cell["n1"])
    shared, covariates, y = logistic_columns(cell, rng, size)
    events1, events2 = y[:, :n1].sum(axis=1), y[:, n1:].sum(axis=1)
    n2 = y.shape[1] - n1
    fitted = np.nonzero((events1 > 0) & (events1 < n1) & (events2 > 0) & (events2 < n2))[0]
    start = np.zeros((len(fitted), 2 + len(covariates)))
    e1, e2 = events1[fitted], events2[fitted]
    start[:, 0] = np.log((e2 + 0.5) / (n2 - e2 + 0.5))
    start[:, 1] = np.log((e1 + 0.5) / (n1 - e1 + 0.5)) - start[:, 0]
    fit = fit_logistic_columns(shared, covariates[:, fitted], y[fitted], start=start)
    z = fit["params"][:, 1] / fit["bse"][:, 1]
    with np.errstate(invalid="ignore"):
        p = fit["pvalues"][:, 1] if cell["alternative"] == "two-sided" else special.ndtr(-z)
    rejected = fit["estimable"] & (p <= cell["alpha"])  # not estimable: not a rejection
    return int(np.count_nonzero(rejected)), size - int(np.count_nonzero(fit["estimable"]))
