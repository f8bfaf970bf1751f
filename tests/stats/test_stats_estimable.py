"""Data that cannot support an estimate raise EstimationError with the reason; arguments stay InputError.

One test per failure class: one outcome value, too few subjects, separation
without a remedy, non-convergence, a NaN or infinity inside a model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from t1dtrial.errors import EstimationError, InputError, T1DTrialError
from t1dtrial.stats import (iptw_difference, logistic_regression, mmrm, risk_difference,
                            welch_t)
from t1dtrial.stats import _mmrm_covariance
from t1dtrial.stats._common import numerical_trouble

VISITS = ["M3", "M6", "M12"]


def _long(n: int = 12, seed: int = 1, offset_only: bool = False) -> pd.DataFrame:
    """``n`` subjects (two arms) at three visits; ``offset_only``: each subject's values
    differ from baseline by the same amount at every visit (a correlation of 1)."""
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(n), len(VISITS))
    d = pd.DataFrame({"id": ids, "visit": np.tile(VISITS, n), "arm": np.where(ids % 2, "A", "B"),
                      "base": np.repeat(rng.normal(size=n), len(VISITS))})
    shift = np.repeat(rng.normal(size=n), len(VISITS))
    d["y"] = d["base"] + shift + (0 if offset_only else rng.normal(size=len(d)))
    return d


def _mmrm(d: pd.DataFrame) -> pd.DataFrame:
    return mmrm(d, subject="id", visit="visit", outcome="y", group="arm", baseline="base",
                visit_order=VISITS)


def test_an_estimation_error_is_ours_but_not_a_user_input_error():
    err = EstimationError("f", "x", 1, "too few values", "at least 2")
    assert isinstance(err, T1DTrialError) and not isinstance(err, (ValueError, InputError))
    assert str(err) == "f():x: 1 — too few values; expected at least 2"
    assert err.reason == "too few values; expected at least 2"


def test_argument_errors_stay_input_errors():
    with pytest.raises(InputError, match=r"The 'conf_level' parameter of welch_t must be a number strictly between 0 and 1, e\.g\. 0\.95\. Got 95 instead \(out of range\)"):
        welch_t([1.0, 2.0], [3.0, 4.0], conf_level=95)
    with pytest.raises(InputError, match="not a binary outcome"):
        logistic_regression(pd.DataFrame({"y": [0, 2], "x": [1.0, 2.0]}), outcome="y",
                            predictors=["x"])


# --------------------------------------------------------------------------- one outcome value
def test_a_logistic_model_of_one_outcome_value_is_not_estimable():
    d = pd.DataFrame({"y": [0] * 6, "x": [1.0, 2, 3, 4, 5, 6]})
    with pytest.raises(EstimationError, match=r"outcome: 'y' — only one outcome value among "
                                              r"the analysed rows \(all 0\); expected both 0 and 1"):
        logistic_regression(d, outcome="y", predictors=["x"])


# --------------------------------------------------------------------------- too few subjects
def test_an_empty_group_is_not_estimable():
    with pytest.raises(EstimationError, match="n1: 0 — empty group; expected at least one subject"):
        risk_difference(0, 0, 3, 26)


def test_a_visit_with_two_subjects_is_too_few_for_its_own_terms():
    d = _long()
    d = d.loc[(d["visit"] != "M12") | (d["id"] < 2)]
    with pytest.raises(EstimationError, match="visit M12 has 2 subject\\(s\\), too few for its own "
                                              "intercept, treatment effect and baseline slope"):
        _mmrm(d)


def test_a_visit_without_one_arm_says_which():
    d = _long()
    d = d.loc[(d["visit"] != "M6") | (d["arm"] == "A")]
    with pytest.raises(EstimationError, match="visit M6 has no subject of group B"):
        _mmrm(d)


def test_values_that_the_mean_model_fits_exactly_leave_no_covariance_to_estimate():
    with pytest.raises(EstimationError, match="fits every value exactly \\(no residual variation\\)"):
        _mmrm(_long().assign(y=0.25))


# --------------------------------------------------------------------------- separation
def test_covariates_that_separate_the_arms_leave_no_weighting_to_balance_them(dataset):
    # DOSE is 0 in every control subject: no overlap, and no remedy for a propensity score
    with pytest.raises(EstimationError, match=r"completely separate the groups \(no overlap: .*DOSE"
                                              r".*no weighting can balance them"):
        iptw_difference(dataset("small"), outcome="RESP", group="TRT01P", covariates=["DOSE"])


# --------------------------------------------------------------------------- non-convergence
def test_a_within_subject_correlation_running_to_one_is_not_estimable():
    with pytest.raises(EstimationError, match="did not converge to a usable covariance with any "
                                              "structure tried .*compound symmetry not used: the "
                                              "within-subject correlation runs to 1"):
        _mmrm(_long(n=8, offset_only=True))


def test_a_logistic_fit_that_stops_short_of_its_maximum_is_not_estimable(monkeypatch):
    from t1dtrial.stats import logistic
    from t1dtrial.stats._likelihood import loglik

    def stuck(X, y, beta, firth, free, max_iter=200):
        return beta, loglik(X, y, beta, firth), False

    monkeypatch.setattr(logistic, "newton", stuck)
    d = pd.DataFrame({"y": [0, 0, 1, 0, 1, 1, 0, 1], "x": [1.0, 2, 3, 4, 5, 6, 7, 8]})
    with pytest.raises(EstimationError, match="the logistic model did not converge "
                                              "\\(maximum likelihood; largest score"):
        logistic_regression(d, outcome="y", predictors=["x"], method="ml")


# --------------------------------------------------------------------------- NaN or inf inside
def test_a_line_search_step_to_a_non_finite_covariance_is_an_infinite_objective(monkeypatch):
    """Root cause of "array must not contain infs or NaNs": a line search may try a
    parameter whose covariance overflows or is NaN; the objective must call that
    infinite (so the search steps back), never raise."""
    expected = _mmrm(_long(n=20))
    real = optimize.minimize
    tried = []

    def minimize(f, x0, **kwargs):
        for bad in (np.full_like(x0, np.nan), np.full_like(x0, 800.0), np.full_like(x0, -800.0)):
            value, grad = f(bad)
            tried.append(value)
            assert np.all(np.isfinite(grad))
        return real(f, x0, **kwargs)

    monkeypatch.setattr(_mmrm_covariance.optimize, "minimize", minimize)
    got = _mmrm(_long(n=20))
    assert tried and all(v == np.inf for v in tried)
    pd.testing.assert_frame_equal(got, expected)


def test_an_optimiser_ending_on_nan_is_not_estimable(monkeypatch):
    def minimize(f, x0, **kwargs):
        return optimize.OptimizeResult(x=np.full_like(x0, np.nan), fun=1.0, success=True,
                                       jac=np.zeros_like(x0))

    monkeypatch.setattr(_mmrm_covariance.optimize, "minimize", minimize)
    with pytest.raises(EstimationError, match="any structure tried .*compound symmetry not used: "
                                              "the covariance is not finite"):
        _mmrm(_long(n=20))


def test_numerical_failures_inside_a_model_become_estimation_errors():
    with pytest.raises(EstimationError, match="the fit: a matrix is singular or not positive "
                                              "definite"):
        with numerical_trouble("demo", "the fit"):
            np.linalg.inv(np.zeros((2, 2)))
    with pytest.raises(EstimationError, match="a NaN or infinite value arose"):
        with numerical_trouble("demo", "the fit"):
            raise ValueError("array must not contain infs or NaNs")
    with pytest.raises(ValueError, match="something else"):  # not ours to translate
        with numerical_trouble("demo", "the fit"):
            raise ValueError("something else")
