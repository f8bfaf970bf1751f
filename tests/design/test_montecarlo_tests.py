"""The vectorised tests of the Monte Carlo engine give, trial by trial, what scipy and
statsmodels give for the same simulated data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from t1dtrial.design._mc_logistic import fit_logistic
from t1dtrial.design._mc_simulate import logistic_design
from t1dtrial.design._mc_tests import ancova_p, mann_whitney_p, welch_p

TRIALS = 40


@pytest.fixture(scope="module")
def arms():
    rng = np.random.default_rng(20261127)
    return (0.7 + 1.3 * rng.standard_normal((TRIALS, 12)),
            0.9 * rng.standard_normal((TRIALS, 9)))


@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_welch_agrees_with_scipy_trial_by_trial(arms, alternative):
    x, y = arms
    expected = [stats.ttest_ind(a, b, equal_var=False, alternative=alternative).pvalue
                for a, b in zip(x, y)]
    np.testing.assert_allclose(welch_p(x, y, alternative), expected, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("rounding", [None, 0])  # rounding to whole numbers makes ties
@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_mann_whitney_agrees_with_scipy_asymptotic_trial_by_trial(arms, rounding, alternative):
    x, y = (np.round(2 * a, rounding) if rounding is not None else a for a in arms)
    if rounding is not None:
        assert (np.diff(np.sort(np.c_[x, y], axis=1), axis=1) == 0).any(axis=1).all()
    expected = [stats.mannwhitneyu(a, b, alternative=alternative, method="asymptotic").pvalue
                for a, b in zip(x, y)]
    np.testing.assert_allclose(mann_whitney_p(x, y, alternative), expected, rtol=1e-10,
                               atol=1e-14)


@pytest.mark.parametrize("n1, n2", [(3, 4), (8, 12), (2, 30)])
@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_small_samples_use_the_exact_mann_whitney_test_as_scipy_does(n1, n2, alternative):
    rng = np.random.default_rng(n1 * 100 + n2)
    x, y = 0.8 + rng.standard_normal((60, n1)), rng.standard_normal((60, n2))
    x[:20] = np.round(x[:20])  # a third of the trials with ties: the normal approximation
    y[:20] = np.round(y[:20])
    expected = [stats.mannwhitneyu(a, b, alternative=alternative).pvalue for a, b in zip(x, y)]
    np.testing.assert_allclose(mann_whitney_p(x, y, alternative, method="auto"), expected,
                               rtol=1e-10, atol=1e-14)


def test_ancova_agrees_with_statsmodels_ols_trial_by_trial(arms):
    x, y = arms
    rng = np.random.default_rng(7)
    xb, yb = rng.standard_normal(x.shape), rng.standard_normal(y.shape)
    x, y = x + 0.6 * xb, y + 0.6 * yb
    effect, p = ancova_p(x, y, xb, yb)
    arm = np.r_[np.ones(x.shape[1]), np.zeros(y.shape[1])]
    for t in range(TRIALS):
        fit = sm.OLS(np.r_[x[t], y[t]], np.c_[np.ones(len(arm)), arm, np.r_[xb[t], yb[t]]]).fit()
        assert effect[t] == pytest.approx(fit.params[1], rel=1e-10)
        assert p[t] == pytest.approx(fit.pvalues[1], rel=1e-9)


@pytest.fixture(scope="module")
def logistic_trials():
    cell = {"n1": 27, "n2": 26, "p1": 0.45, "p2": 0.15, "covariate_or": [0.55, 1.3]}
    X, y = logistic_design(cell, np.random.default_rng(11), 60)
    return X, y, fit_logistic(X, y)


def test_batched_logistic_agrees_with_statsmodels_logit_to_1e_6(logistic_trials):
    X, y, fit = logistic_trials
    checked = 0
    for t in np.nonzero(fit["estimable"])[0]:
        ref = sm.Logit(y[t], X[t]).fit(disp=0)
        np.testing.assert_allclose(fit["params"][t], ref.params, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(fit["bse"][t], ref.bse, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(fit["pvalues"][t], ref.pvalues, rtol=1e-6, atol=1e-6)
        checked += 1
    assert checked >= 50


def test_separated_trials_are_not_estimable_where_statsmodels_has_no_finite_fit(
        logistic_trials):
    X, y, _ = logistic_trials
    X, y = X[:3].copy(), y[:3].copy()
    y[0, 27:] = 0  # no responder on control: quasi-complete separation by arm
    y[1] = (X[1, :, 2] > 0).astype(float)  # the first covariate predicts response perfectly
    fit = fit_logistic(X, y)
    assert list(fit["estimable"]) == [False, False, True]
    assert np.isnan(fit["pvalues"][:2]).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.Logit(y[0], X[0]).fit(disp=0, maxiter=100)
    assert abs(ref.params[1]) > 10 or not ref.mle_retvals["converged"]


def test_the_simulation_s_column_layout_fits_the_same_models(logistic_trials):
    from t1dtrial.design._mc_logistic import fit_logistic_columns

    X, y, fit = logistic_trials
    by_columns = fit_logistic_columns(X[0, :, :2].T.copy(), np.moveaxis(X[:, :, 2:], 2, 0).copy(),
                                      y)
    assert (by_columns["estimable"] == fit["estimable"]).all()
    np.testing.assert_allclose(by_columns["params"], fit["params"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(by_columns["pvalues"], fit["pvalues"], rtol=1e-9, atol=1e-12)


def test_t_rejects_decides_as_the_p_value_does_near_the_critical_value():
    from scipy import special

    from t1dtrial.design._mc_tests import t_rejects

    rng = np.random.default_rng(5)
    df = rng.uniform(8, 30, 20_000)
    t = special.stdtrit(df, 0.975) * rng.uniform(0.97, 1.03, len(df)) * rng.choice([-1, 1],
                                                                                   len(df))
    for alternative in ("two-sided", "greater"):
        p = stats.t.sf(np.abs(t), df) * 2 if alternative == "two-sided" else stats.t.sf(t, df)
        np.testing.assert_array_equal(t_rejects(t, df, (8, 30), 0.05, alternative), p <= 0.05)


@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
@pytest.mark.parametrize("test", ["welch", "mann-whitney", "ancova"])
def test_the_simulation_decides_as_the_checked_p_values_on_the_same_draws(test, alternative):
    from t1dtrial.design.montecarlo import simulate_counts
    from t1dtrial.design.runner import chunk_rng

    n1, n2, delta, sd, rho, size = 9, 7, 0.9, 2.0, 0.6, 4000  # one block
    cell = {"n1": n1, "n2": n2, "delta": delta, "sd": sd, "correlation": rho,
            "alpha": 0.05, "test": test, "alternative": alternative}
    counts = simulate_counts("continuous", cell, chunk_rng(8, 0, 0), size)
    rng = chunk_rng(8, 0, 0)  # the same draws, in the same order, in the outcome's units
    if test == "ancova":
        xb, yb = rng.standard_normal((size, n1)), rng.standard_normal((size, n2))
        noise = np.sqrt(1 - rho ** 2)
        x = sd * (delta / sd + rho * xb + noise * rng.standard_normal((size, n1)))
        y = sd * (rho * yb + noise * rng.standard_normal((size, n2)))
        p = ancova_p(x, y, sd * xb, sd * yb, alternative)[1]
    else:
        x = delta + sd * rng.standard_normal((size, n1))
        y = sd * rng.standard_normal((size, n2))
        p = welch_p(x, y, alternative) if test == "welch" else \
            mann_whitney_p(x, y, alternative, method="auto")  # 9 vs 7: exact
    assert counts["rejections"] == np.count_nonzero(p <= 0.05)
