"""Standardised (g-computation) risks against R: glm / brglm2 fits, numDeriv gradients."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from t1dtrial.errors import EstimationError, InputError, SeparationWarning
from t1dtrial.stats import risk_difference, standardized_risks

ITER = 1e-5  # iterative fits and Richardson-extrapolated numerical gradients in R


def _data(dataset, name):
    if name.startswith("packaged_twin"):
        return dataset("packaged_twin")
    if name.startswith("twin"):
        d = dataset("twin")
        if name == "twin_separated":
            d.loc[d.TRT01P == "CONTROL", "REMISS"] = 0
        return d
    return dataset("small")


def test_estimates_and_delta_method_match_r(reference, dataset):
    recs = reference("standardization")
    assert len(recs) == 10
    for r in recs:
        d = _data(dataset, r["dataset"])
        got = standardized_risks(d, outcome=r["outcome"], group="TRT01P",
                                 covariates=r["covariates"], reference="CONTROL",
                                 method="firth" if r["fit"] == "firth" else "ml",
                                 variance=r["variance"])
        where = (r["dataset"], r["variance"])
        assert got.term.tolist() == r["terms"]
        assert got.risk_comparator[0] == pytest.approx(r["risk_comparator"], rel=ITER), where
        assert got.risk_reference[0] == pytest.approx(r["risk_reference"], rel=ITER), where
        for col in ("estimate", "se", "ci_low", "ci_high", "p_value"):
            np.testing.assert_allclose(got[col], r[col], rtol=ITER, err_msg=f"{where} {col}")


def test_separated_outcome_falls_back_to_firth_with_a_warning(dataset):
    d = _data(dataset, "twin_separated")
    covs = ["BFCP", "AGEONSET", "SEX", "DURDIAG"]
    with pytest.warns(SeparationWarning, match="Firth"):
        got = standardized_risks(d, outcome="REMISS", group="TRT01P", covariates=covs,
                                 reference="CONTROL")
    assert got.fit[0].startswith("Firth penalised likelihood (quasi-complete separation")
    assert "Firth" in got.method[0]
    with pytest.raises(EstimationError, match="separated"):
        standardized_risks(d, outcome="REMISS", group="TRT01P", covariates=covs,
                           reference="CONTROL", method="ml")


def test_without_covariates_the_estimate_is_the_crude_risk_difference_with_the_wald_se(dataset):
    d = dataset("packaged_twin")
    got = standardized_risks(d, outcome="REMISS", group="TRT01P", covariates=[],
                             reference="CONTROL")
    a, m = int(d.REMISS[d.TRT01P == "MSC"].sum()), int((d.TRT01P == "MSC").sum())
    c, n = int(d.REMISS[d.TRT01P == "CONTROL"].sum()), int((d.TRT01P == "CONTROL").sum())
    wald = risk_difference(a, m, c, n, method="wald").iloc[0]
    assert got.estimate[0] == pytest.approx(wald.estimate, rel=1e-9)
    assert got.ci_low[0] == pytest.approx(wald.ci_low, rel=1e-6)
    assert got.ci_high[0] == pytest.approx(wald.ci_high, rel=1e-6)
    assert got.estimate[1] == pytest.approx((a / m) / (c / n), rel=1e-9)


def test_unconditional_variance_is_at_least_the_conditional_one(dataset):
    d = dataset("twin")
    kw = dict(outcome="REMISS", group="TRT01P", covariates=["BFCP", "AGEONSET"],
              reference="CONTROL")
    u = standardized_risks(d, variance="unconditional", **kw)
    c = standardized_risks(d, variance="conditional", **kw)
    assert (u.se >= c.se).all() and (u.se > c.se).any()
    assert u.method[0] != c.method[0]


def test_level_widens_the_interval(dataset):
    d = dataset("twin")
    kw = dict(outcome="REMISS", group="TRT01P", covariates=["BFCP"], reference="CONTROL")
    narrow = standardized_risks(d, conf_level=0.8, **kw).iloc[0]
    wide = standardized_risks(d, conf_level=0.99, **kw).iloc[0]
    assert wide.ci_low < narrow.ci_low < narrow.estimate < narrow.ci_high < wide.ci_high


def test_one_outcome_value_is_not_estimable_and_bad_arguments_are_refused():
    d = pd.DataFrame({"arm": ["T", "T", "C", "C"], "x": [1.0, 2.0, 3.0, 4.0], "y": [0, 0, 0, 0]})
    with pytest.raises(EstimationError, match="every subject has the same outcome"):
        standardized_risks(d, outcome="y", group="arm", covariates=["x"])
    with pytest.raises(InputError, match=r"The 'variance' parameter of standardized_risks must be one of 'unconditional', 'conditional'\. Got 'robust' instead"):
        standardized_risks(d.assign(y=[0, 1, 0, 1]), outcome="y", group="arm",
                           covariates=["x"], variance="robust")
    with pytest.raises(InputError, match="not binary"):
        standardized_risks(d.assign(y=[0, 2, 0, 1]), outcome="y", group="arm", covariates=["x"])
    with pytest.raises(InputError, match="contains the outcome or the group"):
        standardized_risks(d.assign(y=[0, 1, 0, 1]), outcome="y", group="arm", covariates=["y"])


def test_an_optimiser_flag_is_checked_against_the_score(dataset, monkeypatch):
    from t1dtrial.stats import standardization

    real = standardization.newton
    d = dataset("twin")
    kw = dict(outcome="REMISS", group="TRT01P", covariates=["BFCP"], reference="CONTROL")
    expected = standardized_risks(d, **kw)

    def at_the_maximum_but_unsure(*args, **kwargs):
        beta, ll, _ = real(*args, **kwargs)
        return beta, ll, False

    monkeypatch.setattr(standardization, "newton", at_the_maximum_but_unsure)
    pd.testing.assert_frame_equal(standardized_risks(d, **kw), expected)
    monkeypatch.setattr(standardization, "newton",
                        lambda X, y, beta, *a, **k: (beta, 0.0, False))
    with pytest.raises(EstimationError, match="did not converge"):
        standardized_risks(d, **kw)
