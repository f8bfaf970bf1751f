"""IPTW against R: glm propensity score, survey::svyglm sandwich SE, SMDs by formula."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from t1dtrial.errors import InputError, SeparationWarning
from t1dtrial.stats import iptw_difference, propensity_weights, standardized_differences

CLOSED = 1e-6
ITER = 1e-6  # the propensity fit converges to machine precision in both


def _frame(dataset, name, outcome):
    d = dataset("packaged_twin" if name == "packaged_twin" else
                "twin" if name.startswith("twin") else "small")
    return d[d[outcome].notna()]


def test_weights_effect_and_robust_se_match_svyglm(reference, dataset):
    recs = [r for r in reference("weighting") if r["fun"] == "iptw"]
    assert len(recs) == 5
    for r in recs:
        d = _frame(dataset, r["dataset"], r["outcome"])
        pw = propensity_weights(d, group="TRT01P", covariates=r["covariates"], reference="CONTROL",
                                stabilized=r["stabilized"])
        np.testing.assert_allclose(pw.propensity, r["propensity"], rtol=ITER)
        np.testing.assert_allclose(pw.weight, r["weight"], rtol=ITER)
        got = iptw_difference(d, outcome=r["outcome"], group="TRT01P", covariates=r["covariates"],
                              reference="CONTROL", stabilized=r["stabilized"]).iloc[0]
        for col in ("estimate", "se", "ci_low", "ci_high", "p_value"):
            assert got[col] == pytest.approx(r[col], rel=ITER), (r["dataset"], col)


def test_standardized_differences_match_the_formula_in_r(reference, dataset):
    for r in (x for x in reference("weighting") if x["fun"] == "iptw"):
        d = _frame(dataset, r["dataset"], r["outcome"])
        w = propensity_weights(d, group="TRT01P", covariates=r["covariates"], reference="CONTROL",
                               stabilized=r["stabilized"]).weight
        got = standardized_differences(d, group="TRT01P", covariates=r["covariates"], weights=w,
                                       reference="CONTROL")
        assert list(got.term) == r["smd_terms"]
        for col in ("mean_comparator", "mean_reference", "smd", "mean_comparator_weighted",
                    "mean_reference_weighted", "smd_weighted"):
            np.testing.assert_allclose(got[col], r[col], rtol=ITER, atol=1e-12, err_msg=col)


def test_weighting_improves_balance_on_the_twin(dataset):
    d = dataset("twin")
    covs = ["BFCP", "AGEONSET", "SEX", "DURDIAG"]
    w = propensity_weights(d, group="TRT01P", covariates=covs).weight
    bal = standardized_differences(d, group="TRT01P", covariates=covs, weights=w)
    assert bal.smd_weighted.abs().max() < bal.smd.abs().max()
    assert bal.smd_weighted.abs().max() < 0.1


def test_stabilised_weights_average_about_one_in_each_group(dataset):
    d = dataset("twin")
    pw = propensity_weights(d, group="TRT01P", covariates=["BFCP", "AGEONSET"])
    means = pw.weight.groupby(d.TRT01P).mean()
    assert means.between(0.8, 1.25).all()


def test_groups_separated_by_a_covariate_warn_that_weights_are_unreliable(dataset):
    with pytest.warns(SeparationWarning, match="separate the groups \\(no overlap: .*DOSE"):
        propensity_weights(dataset("small"), group="TRT01P", covariates=["DOSE"])


def test_missing_covariate_values_are_refused():
    d = pd.DataFrame({"arm": ["A", "B", "A", "B"], "x": [1.0, np.nan, 2.0, 3.0]})
    with pytest.raises(InputError, match=r"The 'data' parameter of propensity_weights must hold complete columns \(impute or drop the rows first\)\. Got 'x' instead \(missing values in the group or a covariate\)"):
        propensity_weights(d, group="arm", covariates=["x"])
