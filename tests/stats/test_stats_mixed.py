"""MMRM against R: nlme::gls (every covariance structure) with emmeans, lme and lmerTest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from t1dtrial.errors import EstimationError, InputError
from t1dtrial.stats import _mmrm_covariance, mmrm, mmrm_fit

ITER = 1e-4
SIX = ["S01", "S02", "S03", "S06", "S07", "S08"]


def _data(dataset, name):
    if name in ("twin_long", "packaged_twin_long"):
        return dataset(name), ["SEX"]
    if name == "near_linear_long":
        return dataset(name), []
    d = dataset("small_long")
    return (d[d.USUBJID.isin(SIX)] if name == "edge_six_subjects" else d), []


def _fit(dataset, r, covariance="auto", whole=False):
    d, covs = _data(dataset, r["dataset"])
    visits = (["M1", "M3", "M6", "M9", "M12"] if r["dataset"].endswith("twin_long")
              else ["M3", "M6", "M12"])
    fit = mmrm_fit(d, subject="USUBJID", visit="AVISIT", outcome="AVAL", group="TRT01P",
                   baseline="BASE", covariates=covs, visit_order=visits, covariance=covariance,
                   reference="CONTROL")
    return fit if whole else fit.table


def _cases(reference, fun):
    return [r for r in reference("mixed") if r["fun"] == fun]


def _covariance(r):
    return r["structure"]


STRUCTURES = ["unstructured", "heterogeneous-toeplitz", "heterogeneous-ar1",
              "heterogeneous-compound-symmetry", "compound-symmetry"]


def test_every_structure_is_checked_on_the_packaged_twin_and_the_near_linear_data(reference):
    done = {(r["dataset"], r["structure"]) for r in _cases(reference, "mmrm")}
    for name in ("packaged_twin_long", "near_linear_long"):
        assert {s for d, s in done if d == name} == set(STRUCTURES), name


def test_lsmeans_and_differences_match_gls_with_emmeans(reference, dataset):
    cases = _cases(reference, "mmrm")
    assert len(cases) == 15
    for r in cases:
        got = _fit(dataset, r, _covariance(r))
        lsm = got[got.term == "lsmean"].set_index(["visit", "group"])
        for v, g, est, se in zip(r["lsmean_visit"], r["lsmean_group"], r["lsmean"], r["lsmean_se"]):
            assert lsm.loc[(v, g), "estimate"] == pytest.approx(est, rel=ITER), (r["dataset"], v, g)
            assert lsm.loc[(v, g), "se"] == pytest.approx(se, rel=ITER), (r["dataset"], v, g)
        dif = got[got.term == "difference"].set_index("visit").loc[r["diff_visit"]]
        np.testing.assert_allclose(dif.estimate, r["diff"], rtol=ITER, atol=1e-9)
        np.testing.assert_allclose(dif.se, r["diff_se"], rtol=ITER)


def test_reml_loglik_and_aic_of_every_structure_match_gls(reference, dataset):
    for r in _cases(reference, "mmrm"):
        fits = _fit(dataset, r, _covariance(r), whole=True).covariance_fits
        assert len(fits) == 1 and bool(fits.used[0]) and bool(fits.converged[0])
        assert fits.reml_loglik[0] == pytest.approx(r["reml_loglik"], rel=1e-7, abs=1e-6), r
        assert fits.aic[0] == pytest.approx(r["aic"], rel=1e-7, abs=2e-6), r


def test_satterthwaite_df_match_lmertest(reference, dataset):
    for r in _cases(reference, "mmrm_lmer"):
        got = _fit(dataset, r, _covariance(r))
        dif = got[got.term == "difference"].set_index("visit").loc[r["diff_visit"]]
        # near-linear trajectories: lmer stops 1.7e-5 short of gls's REML optimum, which moves
        # its Satterthwaite df by about 0.2 %; ours are stable to 2e-5 across step sizes
        # of the numerical Hessian (1e-4 and 1e-5), see the test below
        rtol = 2e-3 if r["dataset"].startswith("near_linear") else 1e-3
        np.testing.assert_allclose(dif.df, r["diff_df"], rtol=rtol, err_msg=r["dataset"])
        q = stats.t.ppf(0.975, np.asarray(r["diff_df"]))
        np.testing.assert_allclose(dif.ci_high, np.asarray(r["diff"]) + q * np.asarray(r["diff_se"]),
                                   rtol=1e-3, atol=1e-6)


def test_satterthwaite_df_agree_with_emmeans_gls_within_its_numerical_hessian(reference, dataset):
    # emmeans takes nlme's finite-difference apVar: its df move by up to about 6 %
    for r in _cases(reference, "mmrm"):
        got = _fit(dataset, r, _covariance(r))
        dif = got[got.term == "difference"].set_index("visit").loc[r["diff_visit"]]
        np.testing.assert_allclose(dif.df, r["diff_df"], rtol=0.1)


def test_compound_symmetry_equals_a_subject_random_intercept_in_lme(reference, dataset):
    for r in _cases(reference, "mmrm_lme"):
        got = _fit(dataset, r, "compound-symmetry")
        lsm = got[got.term == "lsmean"].set_index(["visit", "group"])
        for v, g, est, se in zip(r["lsmean_visit"], r["lsmean_group"], r["lsmean"], r["lsmean_se"]):
            assert lsm.loc[(v, g), "estimate"] == pytest.approx(est, rel=ITER)
            assert lsm.loc[(v, g), "se"] == pytest.approx(se, rel=ITER)


def _six(dataset, **kw):
    d = dataset("small_long")
    return mmrm_fit(d[d.USUBJID.isin(SIX)], subject="USUBJID", visit="AVISIT", outcome="AVAL",
                    group="TRT01P", baseline="BASE", visit_order=["M3", "M6", "M12"],
                    reference="CONTROL", **kw)


def test_too_few_subjects_for_unstructured_follows_the_fallback_sequence_and_says_so(reference,
                                                                                   dataset):
    # six subjects: too few for the 6 parameters of an unstructured 3 x 3 covariance; the
    # heterogeneous Toeplitz fit runs to the edge (R's gls stops: its AR coefficients are not
    # invertible); heterogeneous AR(1) is the first structure of the sequence that R fits too
    fail = [r for r in reference("mixed") if r["fun"] == "mmrm_fail"]
    assert [(r["dataset"], r["structure"]) for r in fail] == [("edge_six_subjects",
                                                              "heterogeneous-toeplitz")]
    got, fits = _six(dataset)
    assert got.method[0].startswith(
        "MMRM (REML), heterogeneous AR(1) covariance (unstructured not used: too few subjects, 6, "
        "for its 6 covariance parameters; heterogeneous Toeplitz not used: ")
    assert list(fits.structure) == ["unstructured", "heterogeneous Toeplitz", "heterogeneous AR(1)"]
    assert list(fits.used) == [False, False, True]
    assert np.isnan(fits.reml_loglik[0])
    r = next(r for r in _cases(reference, "mmrm")
             if (r["dataset"], r["structure"]) == ("edge_six_subjects", "heterogeneous-ar1"))
    dif = got[got.term == "difference"]
    np.testing.assert_allclose(dif.estimate, r["diff"], rtol=ITER)
    np.testing.assert_allclose(dif.se, r["diff_se"], rtol=ITER)


def test_a_fallback_sequence_given_is_followed_in_its_order(dataset):
    got, fits = _six(dataset, fallback=["compound-symmetry", "heterogeneous-ar1"])
    assert got.method[0].startswith("MMRM (REML), compound symmetry covariance (unstructured not "
                                    "used: too few subjects, 6, for its 6 covariance parameters)")
    assert list(fits.structure) == ["unstructured", "compound symmetry"]


def test_without_a_fallback_an_unfittable_structure_is_not_estimable(dataset):
    with pytest.raises(EstimationError, match="unstructured not used: too few subjects, 6"):
        _six(dataset, covariance="unstructured")


def test_a_fallback_naming_an_unknown_or_repeated_structure_is_refused(dataset):
    with pytest.raises(InputError, match=r"The 'fallback' parameter of mmrm must be one of 'unstructured', .*\. Got 'toeplitz' instead"):
        _six(dataset, fallback=["toeplitz"])
    with pytest.raises(InputError, match=r"The 'fallback' parameter of mmrm must be a list naming each structure once\. Got 'compound-symmetry' instead \(listed more than once\)"):
        _six(dataset, fallback=["compound-symmetry", "compound-symmetry"])


def test_near_linear_trajectories_are_fitted_unstructured_as_r_does(reference, dataset):
    # SDs about 1 : 2 : 4 and correlations above 0.9999: the unstructured covariance is
    # nearly of rank one, but R's gls reaches an interior optimum; compound symmetry would
    # assume equal variances and give SEs off by a factor of up to 2.6
    d = dataset("near_linear_long")
    got, fits = mmrm_fit(d, subject="USUBJID", visit="AVISIT", outcome="AVAL", group="TRT01P",
                         baseline="BASE", visit_order=["M3", "M6", "M12"], reference="CONTROL")
    assert got.method[0].startswith("MMRM (REML), unstructured covariance (near the boundary: "
                                    "largest |correlation| 0.99999")
    assert list(fits.structure) == ["unstructured"] and bool(fits.converged[0])
    r = next(r for r in _cases(reference, "mmrm")
             if (r["dataset"], r["structure"]) == ("near_linear_long", "unstructured"))
    cs = next(r for r in _cases(reference, "mmrm")
              if (r["dataset"], r["structure"]) == ("near_linear_long", "compound-symmetry"))
    assert r["reml_loglik"] - cs["reml_loglik"] > 400
    dif = got[got.term == "difference"].set_index("visit").loc[r["diff_visit"]]
    np.testing.assert_allclose(dif.estimate, r["diff"], rtol=ITER)
    np.testing.assert_allclose(dif.se, r["diff_se"], rtol=ITER)
    np.testing.assert_allclose(dif.p_value, r["diff_p"], rtol=2e-3)
    assert fits.reml_loglik[0] == pytest.approx(r["reml_loglik"], rel=1e-8)


def test_unstructured_is_used_on_the_twin(dataset):
    got = mmrm(dataset("twin_long"), subject="USUBJID", visit="AVISIT", outcome="AVAL",
               group="TRT01P", baseline="BASE", visit_order=["M1", "M3", "M6", "M9", "M12"])
    assert got.method[0].startswith("MMRM (REML), unstructured covariance;")
    assert list(got.columns[:9]) == ["term", "group", "visit", "estimate", "ci_low", "ci_high",
                                     "p_value", "method", "n"]
    assert len(got) == 15


def test_mmrm_fits_unstructured_on_53_subjects_and_six_visits_with_missing_visits():
    rng = np.random.default_rng(3)
    n, visits = 53, ["M1", "M2", "M3", "M6", "M9", "M12"]
    ids = np.repeat(np.arange(n), len(visits))
    u = np.repeat(rng.normal(0, 0.5, n), len(visits))
    d = pd.DataFrame({"id": ids, "visit": np.tile(visits, n), "arm": np.where(ids < 27, "MSC", "CONTROL"),
                      "base": np.repeat(rng.normal(size=n), len(visits))})
    d["y"] = d.base + u + rng.normal(size=len(d))
    d = d.drop(index=rng.choice(len(d), 15, replace=False))
    got = mmrm(d, subject="id", visit="visit", outcome="y", group="arm", baseline="base",
               visit_order=visits)
    assert "unstructured" in got.method[0]


def test_a_subject_with_two_rows_at_one_visit_is_refused():
    d = pd.DataFrame({"id": [1, 1, 2, 2], "visit": ["M3", "M3", "M3", "M6"],
                      "arm": ["A", "A", "B", "B"], "y": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(InputError, match=r"The 'data' parameter of mmrm must hold one row a subject and visit\. Got '1, M3' instead \(two rows for one subject and visit\)"):
        mmrm(d, subject="id", visit="visit", outcome="y", group="arm")


def test_a_visit_missing_from_visit_order_is_refused():
    d = pd.DataFrame({"id": [1, 2], "visit": ["M3", "M9"], "arm": ["A", "B"], "y": [1.0, 2.0]})
    with pytest.raises(InputError, match=r"The 'visit_order' parameter of mmrm must be a list of every visit in the data\. Got 'M9' instead \(visits in the data but not in visit_order\)"):
        mmrm(d, subject="id", visit="visit", outcome="y", group="arm", visit_order=["M3"])


def test_the_fit_does_not_depend_on_the_order_of_the_rows(dataset):
    d = dataset("packaged_twin_long")
    visits = ["M1", "M3", "M6", "M9", "M12"]
    kw = dict(subject="USUBJID", visit="AVISIT", outcome="AVAL", group="TRT01P", baseline="BASE",
              covariates=["SEX"], visit_order=visits)
    a = mmrm(d, **kw)
    b = mmrm(d.sample(frac=1.0, random_state=4), **kw)
    pd.testing.assert_frame_equal(a, b)
    assert "unstructured" in a.method[0]


def test_satterthwaite_df_do_not_depend_on_the_step_of_the_numerical_hessian(monkeypatch):
    """On a nearly singular covariance the df rest on a numerical Hessian: they must be
    a property of the fit, not of the finite-difference step."""
    d = pd.read_csv(Path(__file__).parents[1] / "reference" / "data" / "near_linear_long.csv")

    def fit():
        r = mmrm(d, subject="USUBJID", visit="AVISIT", outcome="AVAL", group="TRT01P",
                 baseline="BASE", visit_order=["M3", "M6", "M12"], reference="CONTROL")
        return r.loc[r.term == "difference", "df"].to_numpy()

    at_default = fit()
    monkeypatch.setattr(_mmrm_covariance, "HESSIAN_STEP", _mmrm_covariance.HESSIAN_STEP / 10)
    smaller_step = fit()
    np.testing.assert_allclose(smaller_step, at_default, rtol=1e-4)

