"""Logistic regression against R: glm + profile (MASS and exact), brglm2 + penalised profile."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from t1dtrial.errors import EstimationError, InputError, SeparationWarning
from t1dtrial.stats import detect_separation, logistic_regression

ITER = 1e-4


def _data(dataset, name):
    if name == "packaged_twin_msc":
        d = dataset("packaged_twin")
        return d[d.TRT01P == "MSC"]
    if name.startswith("twin"):
        d = dataset("twin")
        d["DOSE"] = d["CUMDOSE"] / 1e6
        return d[d.TRT01P == "MSC"] if name == "twin_msc" else d
    return dataset({"separation": "separation", "quasi_separation": "quasi", "small": "small"}[name])


def _fit(reference, dataset, fun):
    for r in reference("logistic"):
        if r["fun"] != fun:
            continue
        lhs, rhs = (s.strip() for s in r["formula"].split("~"))
        preds = [t.strip() for t in rhs.split("+")]
        method = "ml" if fun == "logistic_ml" else "firth"
        got = logistic_regression(_data(dataset, r["dataset"]), outcome=lhs, predictors=preds,
                                  method=method)
        yield r, got


def _compare(r, got, columns):
    assert len(got) == len(r["terms"])
    for col in columns:
        np.testing.assert_allclose(got[col].to_numpy(float), np.asarray(r[col], float),
                                   rtol=ITER, atol=1e-7, err_msg=f"{r['dataset']} {col}")


def test_maximum_likelihood_matches_glm_with_exact_profile_intervals(reference, dataset):
    seen = 0
    for r, got in _fit(reference, dataset, "logistic_ml"):
        _compare(r, got, ["estimate", "se", "ci_low", "ci_high", "p_value"])
        seen += 1
    assert seen == 4


def test_profile_intervals_agree_with_mass_confint_within_its_spline_error(reference, dataset):
    # MASS interpolates the profile by a spline through a few points: on the packaged twin's
    # fit one limit is 1.1 % from the exact root (which the test above matches to 1e-4)
    for r, got in _fit(reference, dataset, "logistic_ml"):
        np.testing.assert_allclose(got["ci_low"], r["mass_confint_low"], rtol=1.5e-2, atol=2e-4)
        np.testing.assert_allclose(got["ci_high"], r["mass_confint_high"], rtol=1.5e-2, atol=2e-4)


def test_firth_matches_brglm2_estimates_and_penalised_profile(reference, dataset):
    seen = 0
    for r, got in _fit(reference, dataset, "logistic_firth"):
        _compare(r, got, ["estimate", "se", "ci_low", "ci_high", "p_value"])
        np.testing.assert_allclose(got["se"], r["brglm2_se"], rtol=ITER)
        seen += 1
    assert seen == 6


def test_separation_detector_agrees_with_diverging_glm_coefficients(reference, dataset):
    for r in reference("logistic"):
        if r["fun"] != "detect_separation":
            continue
        lhs, rhs = (s.strip() for s in r["formula"].split("~"))
        sep = detect_separation(_data(dataset, r["dataset"]), outcome=lhs,
                                predictors=[t.strip() for t in rhs.split("+")])
        assert sep.separated == r["separated"], r["dataset"]
        expected = r["infinite_terms"] if isinstance(r["infinite_terms"], list) else [r["infinite_terms"]]
        assert set(sep.terms) == set(expected), r["dataset"]


def test_firth_is_used_and_labelled_when_a_covariate_separates_the_outcome(dataset):
    d = dataset("separation")
    with pytest.warns(SeparationWarning, match="complete separation of 'RESP'.*Firth's penalised likelihood was used"):
        got = logistic_regression(d, outcome="RESP", predictors=["DOSE", "BFCP"])
    assert got.method.str.startswith("Firth penalised-likelihood").all()
    assert got.method.str.contains("switched from maximum likelihood: complete separation").all()
    dose = got.set_index("term").loc["DOSE"]
    assert np.isfinite(dose["estimate"]) and dose["ci_low"] > 0


def test_quasi_complete_separation_is_named_as_such(dataset):
    sep = detect_separation(dataset("quasi"), outcome="RESP", predictors=["DOSE", "BFCP"])
    assert sep.kind == "quasi-complete"


def test_no_separation_keeps_maximum_likelihood_without_warning(dataset):
    d = dataset("twin")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SeparationWarning)
        got = logistic_regression(d, outcome="REMISS", predictors=["TRT01P", "BFCP", "SEX"])
    assert got.method.str.startswith("logistic regression (maximum likelihood)").all()
    assert list(got.term) == ["(Intercept)", "TRT01P[MSC]", "BFCP", "SEX[M]"]


def test_forcing_maximum_likelihood_under_separation_warns_that_estimates_diverge(dataset):
    with pytest.warns(SeparationWarning, match="estimates do not exist and those reported diverge"):
        logistic_regression(dataset("separation"), outcome="RESP", predictors=["DOSE"], method="ml")


def test_odds_ratio_columns_are_exponentiated_coefficients(dataset):
    got = logistic_regression(dataset("small"), outcome="RESP", predictors=["BASE"])
    np.testing.assert_allclose(got.odds_ratio, np.exp(got.estimate))
    np.testing.assert_allclose(got.or_ci_high, np.exp(got.ci_high))


def test_a_non_binary_outcome_is_refused():
    d = pd.DataFrame({"y": [0, 1, 2, 1], "x": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(InputError, match=r"The 'outcome' parameter of logistic_regression must be a column of 0 and 1 \(or False and True\)\. Got '0, 1, 2' instead \(not a binary outcome\)"):
        logistic_regression(d, outcome="y", predictors=["x"])


def test_a_constant_predictor_is_not_estimable_as_not_full_rank():
    d = pd.DataFrame({"y": [0, 1, 0, 1], "x": [1.0, 1.0, 1.0, 1.0]})
    with pytest.raises(EstimationError, match="not of full rank"):
        logistic_regression(d, outcome="y", predictors=["x"])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.floats(-3, 3, allow_nan=False),
                          st.sampled_from(["F", "M"])), min_size=6, max_size=30))
@example(rows=[(0, 0.0, "F"), (0, 0.0, "F"), (0, 1.75, "M"), (0, 0.03125, "F"), (1, 0.0, "F"),
               (1, 2.0, "M")])  # nearly separated: the fit with x = 0 needs a start at zero
def test_any_small_dataset_gives_a_fit_or_one_of_our_errors(rows):
    d = pd.DataFrame(rows, columns=["y", "x", "sex"])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SeparationWarning)
            got = logistic_regression(d, outcome="y", predictors=["x", "sex"])
    except EstimationError:
        return
    assert got.method.str.startswith(("Firth", "logistic regression")).all()
    ok = got[["ci_low", "ci_high"]].notna().all(axis=1)
    assert (got.ci_low[ok] <= got.estimate[ok] + 1e-8).all() and (got.estimate[ok] <= got.ci_high[ok] + 1e-8).all()
    assert got.p_value.between(0, 1).all()


# ----------------------------------------------------------------- Firth: global profile
def _penalised_loglik(X, y, beta):
    """l(b) + 0.5 log det X'WX, written here independently of the module."""
    eta = X @ beta
    ll = np.sum(y * eta - np.logaddexp(0, eta))
    w = 1 / (1 + np.exp(-eta)) * (1 / (1 + np.exp(eta)))
    sign, logdet = np.linalg.slogdet(X.T @ (X * w[:, None]))
    return ll + 0.5 * logdet if sign > 0 else -np.inf


def _global_drop(X, y, j, b, ll_max, starts):
    """Twice the drop of the penalised likelihood maximised over the other coefficients
    with coefficient j at b, best of Nelder-Mead fits from every start."""
    from scipy.optimize import minimize
    free = [k for k in range(X.shape[1]) if k != j]

    def negative(v):
        beta = np.empty(X.shape[1])
        beta[j], beta[free] = b, v
        value = _penalised_loglik(X, y, beta)
        return -value if np.isfinite(value) else 1e300

    best = max(-minimize(negative, s, method="Nelder-Mead",
                         options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 5000}).fun
               for s in starts)
    return 2 * (ll_max - best)


def _separation_problem(dataset):
    d = dataset("separation")
    X = np.column_stack([np.ones(len(d)), d.DOSE, d.BFCP])
    y = d.RESP.to_numpy(float)
    with pytest.warns(SeparationWarning):
        got = logistic_regression(d, outcome="RESP", predictors=["DOSE", "BFCP"])
    beta = got.estimate.to_numpy()
    rng = np.random.default_rng(7)
    # intercept and BFCP coefficient: a box that holds both local maxima of the profile
    starts = [np.array([a, c]) for a in (-60.0, -35.0, -15.0, 0.0)
              for c in (-40.0, 0.0, 40.0, 80.0)]
    starts += [rng.uniform([-70, -60], [10, 120]) for _ in range(8)]
    return X, y, got.set_index("term"), _penalised_loglik(X, y, beta), starts


def test_firth_upper_limit_lies_where_the_global_profile_reaches_the_chi_square_quantile(dataset):
    X, y, got, ll_max, starts = _separation_problem(dataset)
    target = 3.841458820694124
    high = got.loc["DOSE", "ci_high"]
    assert _global_drop(X, y, 1, high, ll_max, starts) == pytest.approx(target, abs=1e-4)
    # a limit from a warm-started chain stopped at a local maximum: 3.727, inside the set
    assert abs(high - 3.727) > 0.5
    assert _global_drop(X, y, 1, 3.7272, ll_max, starts) < target - 0.5


def test_firth_interval_holds_the_dense_grid_of_the_global_profile(dataset):
    X, y, got, ll_max, starts = _separation_problem(dataset)
    target = 3.841458820694124
    low, est, high = got.loc["DOSE", ["ci_low", "estimate", "ci_high"]]
    inside = np.linspace(low + 1e-3, high - 1e-3, 14)
    drops = [_global_drop(X, y, 1, b, ll_max, starts) for b in inside]
    assert max(drops) < target
    assert _global_drop(X, y, 1, high + 0.05, ll_max, starts) > target
    assert _global_drop(X, y, 1, low - 0.02, ll_max, starts) > target


def test_fit_rows_reports_convergence_and_a_limit_without_a_maximum_is_missing_and_named(
        dataset, monkeypatch):
    from t1dtrial.stats import logistic as lg
    d = dataset("small")
    X = np.column_stack([np.ones(len(d)), d.BASE])
    rows, converged = lg.fit_rows(X, d.RESP.to_numpy(float), ["(Intercept)", "BASE"], 0.95, False)
    assert converged and np.isfinite(rows[1]["ci_high"])
    sep = dataset("separation")
    Xs = np.column_stack([np.ones(len(sep)), sep.DOSE])
    _, converged = lg.fit_rows(Xs, sep.RESP.to_numpy(float), ["(Intercept)", "DOSE"], 0.95,
                               False, diverging=True)
    assert not converged
    # no constrained fit reaches a maximum: the limits and p-values are missing, and said so
    from t1dtrial.stats import _profile
    monkeypatch.setattr(_profile, "free_score", lambda *a: 1.0)
    got = logistic_regression(d, outcome="RESP", predictors=["BASE"], method="firth")
    assert got[["ci_low", "ci_high", "p_value"]].isna().all().all()
    assert got.method.str.contains("profile limit or p-value not estimable for (Intercept), BASE "
                                   "(the constrained fit reached no maximum from any start)",
                                   regex=False).all()
