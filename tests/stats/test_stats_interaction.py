"""Subgroup-by-treatment interaction against R (glm, brglm2 + penalised profile, lm + anova)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from t1dtrial.errors import EstimationError, SeparationWarning
from t1dtrial.stats import interaction_test

ITER = 1e-4
CLOSED = 1e-6


def _twin(dataset, zero=False, packaged=False):
    if packaged:
        return dataset("packaged_twin").assign(SUBGRP=lambda x: x.ONSETGR)
    d = dataset("twin")
    if zero:
        d.loc[(d.SUBGRP == "juvenile_onset") & (d.TRT01P == "CONTROL"), "REMISS"] = 0
    return d


def _recs(reference, fun):
    return [r for r in reference("interaction") if r["fun"] == fun]


def test_binomial_interaction_matches_glm_and_brglm2(reference, dataset):
    recs = _recs(reference, "interaction_binomial")
    assert len(recs) == 4
    for r in recs:
        d = _twin(dataset, zero=r["dataset"] == "twin_zero_cell", packaged=r["dataset"] == "packaged_twin")
        method = "ml" if r["method"] == "ml" else "firth"
        got = interaction_test(d, outcome="REMISS", group="TRT01P", subgroup="SUBGRP",
                               reference="CONTROL", method=method)
        eff = got[got.term == "treatment effect"]
        assert list(eff.subgroup) == r["levels"]
        for col, key in (("estimate", "effect"), ("ci_low", "effect_ci_low"),
                         ("ci_high", "effect_ci_high"), ("p_value", "effect_p")):
            np.testing.assert_allclose(eff[col], r[key], rtol=ITER, err_msg=f"{r['dataset']} {col}")
        wald = got[(got.term == "interaction") & (got.test == "Wald")].iloc[0]
        lr = got[(got.term == "interaction") & (got.test == "LR")].iloc[0]
        assert wald["estimate"] == pytest.approx(r["interaction"], rel=ITER)
        assert wald["statistic"] == pytest.approx(r["wald"], rel=ITER)
        assert wald["ci_low"] == pytest.approx(r["wald_ci_low"], rel=ITER)
        assert lr["statistic"] == pytest.approx(r["lr"], rel=ITER)
        assert lr["p_value"] == pytest.approx(r["lr_p"], rel=ITER)
        assert lr["ci_low"] == pytest.approx(r["lr_ci_low"], rel=ITER)
        assert lr["ci_high"] == pytest.approx(r["lr_ci_high"], rel=ITER)


def test_gaussian_interaction_matches_lm_and_anova(reference, dataset):
    frames = {"small_sex": dataset("small"), "small_site_three_levels": dataset("small"),
              "twin_fcp12": dataset("twin"),
              "packaged_twin_lfcp12": dataset("packaged_twin").assign(SUBGRP=lambda x: x.ONSETGR)}
    spec = {"small_sex": ("AVAL", "SEX", ["BASE"]), "small_site_three_levels": ("AVAL", "SITE", []),
            "twin_fcp12": ("FCP12", "SUBGRP", ["BFCP"]),
            "packaged_twin_lfcp12": ("LFCP12", "SUBGRP", ["LBFCP"])}
    recs = _recs(reference, "interaction_gaussian")
    assert len(recs) == 4
    for r in recs:
        y, sub, covs = spec[r["dataset"]]
        got = interaction_test(frames[r["dataset"]], outcome=y, group="TRT01P", subgroup=sub,
                               covariates=covs, family="gaussian", reference="CONTROL")
        eff = got[got.term == "treatment effect"]
        for col, key in (("estimate", "effect"), ("ci_low", "effect_ci_low"),
                         ("ci_high", "effect_ci_high"), ("p_value", "effect_p")):
            np.testing.assert_allclose(eff[col], r[key], rtol=CLOSED, err_msg=f"{r['dataset']} {col}")
        f = got[got.test == "Wald"].iloc[0]
        lr = got[got.test == "LR"].iloc[0]
        assert f["statistic"] == pytest.approx(r["f"], rel=CLOSED)
        assert f["df"] == r["f_df"]
        assert f["p_value"] == pytest.approx(r["f_p"], rel=CLOSED)
        assert lr["statistic"] == pytest.approx(r["lr"], rel=CLOSED)
        assert lr["p_value"] == pytest.approx(r["lr_p"], rel=CLOSED)
        if len(r["levels"]) == 2:
            assert f["estimate"] == pytest.approx(r["interaction"], rel=CLOSED)
        else:
            assert np.isnan(f["estimate"])


def test_an_empty_subgroup_cell_switches_to_firth_and_says_so(dataset):
    with pytest.warns(SeparationWarning, match="Firth's penalised likelihood was used instead"):
        got = interaction_test(_twin(dataset, zero=True), outcome="REMISS", group="TRT01P",
                               subgroup="SUBGRP", reference="CONTROL")
    assert got.method.str.contains("Firth penalised-likelihood").all()
    juvenile = got[(got.term == "treatment effect") & (got.subgroup == "juvenile_onset")].iloc[0]
    assert np.isfinite(juvenile["estimate"]) and np.isfinite(juvenile["ci_high"])


def test_a_subgroup_without_one_arm_is_not_estimable():
    d = pd.DataFrame({"y": [0, 1, 0, 1, 1, 0], "arm": ["A", "B", "A", "B", "A", "A"],
                      "sub": ["x", "x", "x", "x", "z", "z"]})
    with pytest.raises(EstimationError, match="subgroup: 'sub' — a subgroup lacks one of the groups"):
        interaction_test(d, outcome="y", group="arm", subgroup="sub")


def test_each_interaction_row_names_its_own_interval_and_test():
    d = pd.DataFrame({"y": [1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 1],
                      "arm": ["T", "C"] * 8, "sub": ["a"] * 8 + ["b"] * 8})
    logistic = interaction_test(d, outcome="y", group="arm", subgroup="sub").set_index("test")
    assert logistic.at["Wald", "method"].endswith("Wald CI (inverse information at the "
                                                  "estimate); Wald chi-square test")
    assert logistic.at["LR", "method"].endswith("profile-likelihood CI; LR test")
    linear = interaction_test(d.assign(y=d["y"] + np.arange(16) / 10), outcome="y", group="arm",
                              subgroup="sub", family="gaussian")
    methods = dict(zip(linear["test"].fillna(linear["term"]), linear["method"]))
    assert methods["treatment effect"].endswith("t CI; t test")
    assert methods["Wald"].endswith("t CI; partial F test")
    assert methods["LR"].endswith("LR chi-square test, n log(RSS0 / RSS1)")
