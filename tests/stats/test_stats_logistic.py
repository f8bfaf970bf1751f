"""Logistic regression against R: glm + profile (MASS and exact), brglm2 + penalised profile."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
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
    for r, got in _fit(reference, dataset, "logistic_ml"):
        np.testing.assert_allclose(got["ci_low"], r["mass_confint_low"], rtol=2e-3, atol=2e-4)
        np.testing.assert_allclose(got["ci_high"], r["mass_confint_high"], rtol=2e-3, atol=2e-4)


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
    with pytest.raises(InputError, match="outcome: '0, 1, 2' — not a binary outcome; expected values 0 and 1"):
        logistic_regression(d, outcome="y", predictors=["x"])


def test_a_constant_predictor_is_not_estimable_as_not_full_rank():
    d = pd.DataFrame({"y": [0, 1, 0, 1], "x": [1.0, 1.0, 1.0, 1.0]})
    with pytest.raises(EstimationError, match="not of full rank"):
        logistic_regression(d, outcome="y", predictors=["x"])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.floats(-3, 3, allow_nan=False),
                          st.sampled_from(["F", "M"])), min_size=6, max_size=30))
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
