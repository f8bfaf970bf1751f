"""Multiple imputation: Rubin's rules against mice::pool on fixed completed datasets,
and the imputation pipeline checked statistically."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from t1dtrial.errors import InputError
from t1dtrial.stats import impute_chained, mi_group_difference, pool_rubin

CLOSED = 1e-6


def _recs(reference, fun):
    return [r for r in reference("imputation") if r["fun"] == fun]


def _qu(r):
    p = len(r["terms"])
    q = np.asarray(r["q"], float).reshape(p, -1)  # R matrix m x p, written column-major
    u = np.asarray(r["u"], float).reshape(p, -1)
    return q, u


@pytest.mark.parametrize("fun", ["pool_lm", "pool_glm"])
def test_pooling_of_regression_coefficients_matches_mice_pool(reference, fun):
    (r,) = _recs(reference, fun)
    q, u = _qu(r)
    for j in range(len(r["terms"])):
        got = pool_rubin(q[j], u[j], df_complete=r["dfcom"][j]).iloc[0]
        for col, key in (("estimate", "estimate"), ("se", "se"), ("df", "df"), ("p_value", "p_value"),
                         ("ci_low", "ci_low"), ("ci_high", "ci_high"), ("fmi", "fmi")):
            assert got[col] == pytest.approx(r[key][j], rel=CLOSED), (fun, r["terms"][j], col)


def test_per_imputation_estimates_of_the_completed_datasets_match_r(reference, dataset):
    (r,) = _recs(reference, "pool_lm")
    q, u = _qu(r)
    mi = dataset("mi_completed")
    for i, (_, d) in enumerate(mi.groupby("IMP")):
        X = sm.add_constant(np.column_stack([d.TRT, d.BFCP]))
        fit = sm.OLS(d.FCP12_MI.to_numpy(), X).fit()
        np.testing.assert_allclose(fit.params, q[:, i], rtol=CLOSED)
        np.testing.assert_allclose(np.diag(fit.cov_params()), u[:, i], rtol=CLOSED)


def test_pooling_of_scalar_differences_matches_mice_pool_scalar(reference):
    recs = _recs(reference, "pool_scalar")
    assert len(recs) == 4
    for r in recs:
        dfc = None if r["dfcom"] == "Inf" else r["dfcom"]
        got = pool_rubin(r["q"], r["u"], df_complete=dfc).iloc[0]
        for col, key in (("estimate", "estimate"), ("total", "t"), ("df", "df"), ("fmi", "fmi"),
                         ("riv", "riv")):
            assert got[col] == pytest.approx(r[key], rel=CLOSED, abs=1e-12), (r["dataset"], col)
        if "ci_low" in r:
            assert got["ci_low"] == pytest.approx(r["ci_low"], rel=CLOSED)
            assert got["p_value"] == pytest.approx(r["p_value"], rel=CLOSED)


def test_mi_group_difference_pools_the_completed_datasets_as_r(reference, dataset):
    (r,) = [x for x in _recs(reference, "pool_scalar") if x.get("variable") == "REMISS_MI"]
    mi = dataset("mi_completed")
    q = [d.REMISS_MI[d.TRT == 1].mean() - d.REMISS_MI[d.TRT == 0].mean() for _, d in mi.groupby("IMP")]
    np.testing.assert_allclose(q, r["q"], rtol=CLOSED)


def test_imputation_is_reproducible_with_a_seed_and_fills_every_missing_value(dataset):
    d = dataset("twin")[["TRT01P", "BFCP", "AGEONSET", "SEX", "REMISS_MI", "FCP12_MI"]]
    a = impute_chained(d, columns=["BFCP", "AGEONSET", "SEX", "REMISS_MI", "FCP12_MI"], m=3, seed=5)
    b = impute_chained(d, columns=["BFCP", "AGEONSET", "SEX", "REMISS_MI", "FCP12_MI"], m=3, seed=5)
    for x, y in zip(a, b):
        pd.testing.assert_frame_equal(x, y)
        assert x[["REMISS_MI", "FCP12_MI"]].notna().all().all()
        assert set(x.REMISS_MI.unique()) <= {0.0, 1.0}
        observed = d.FCP12_MI.dropna()
        assert x.FCP12_MI.isin(observed).all()  # predictive mean matching donates observed values
    pd.testing.assert_frame_equal(d, dataset("twin")[d.columns.tolist()])  # input untouched


def test_multiple_imputation_removes_the_bias_of_complete_cases_under_missing_at_random():
    rng = np.random.default_rng(2024)
    n = 400
    arm = np.repeat([1.0, 0.0], n // 2)
    x = rng.normal(size=n)
    y = 0.5 * arm + 1.0 * x + rng.normal(0, 0.5, n)
    # missing at random: high x more often missing in the treated arm only
    pmiss = np.where(arm == 1, 1 / (1 + np.exp(-(2.0 * x - 0.5))), 0.1)
    y_mis = np.where(rng.uniform(size=n) < pmiss, np.nan, y)
    d = pd.DataFrame({"arm": np.where(arm == 1, "T", "C"), "x": x, "y": y_mis})
    full = y[arm == 1].mean() - y[arm == 0].mean()
    cc = np.nanmean(y_mis[arm == 1]) - np.nanmean(y_mis[arm == 0])
    got = mi_group_difference(d, outcome="y", group="arm", covariates=["x"], reference="C",
                              m=20, seed=9).iloc[0]
    assert abs(cc - full) > 0.3                      # complete cases are biased here
    assert abs(got["estimate"] - full) < 2 * got["se"]  # MI recovers the full-data difference
    assert got["ci_low"] < full < got["ci_high"]
    assert 0 < got["fmi"] < 1 and got["n_missing"] == int(np.isnan(y_mis).sum())


def test_mi_interval_covers_the_truth_in_most_replicates():
    rng = np.random.default_rng(7)
    covered = 0
    reps = 25
    for _ in range(reps):
        n = 53
        arm = (np.arange(n) < 27).astype(float)
        x = rng.normal(size=n)
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(-0.8 + 1.0 * arm + 0.8 * x)))).astype(float)
        truth_p1 = np.mean(1 / (1 + np.exp(-(-0.8 + 1.0 + 0.8 * rng.normal(size=20000)))))
        truth_p0 = np.mean(1 / (1 + np.exp(-(-0.8 + 0.8 * rng.normal(size=20000)))))
        y[rng.uniform(size=n) < 0.15] = np.nan
        d = pd.DataFrame({"arm": np.where(arm == 1, "MSC", "CONTROL"), "x": x, "y": y})
        r = mi_group_difference(d, outcome="y", group="arm", covariates=["x"], m=10, seed=1).iloc[0]
        covered += r["ci_low"] <= truth_p1 - truth_p0 <= r["ci_high"]
    assert covered >= 20  # nominal 95 %: 20 of 25 has probability > 0.99 if coverage is right


def test_pool_rubin_needs_as_many_variances_as_estimates():
    with pytest.raises(InputError, match=r"The 'variances' parameter of pool_rubin must be as many variances as estimates\. Got '2 values' instead \(not as many as estimates \(3\)\)"):
        pool_rubin([1.0, 2.0, 3.0], [0.1, 0.2])


def test_a_factor_with_missing_values_is_refused():
    d = pd.DataFrame({"sex": ["M", None, "F"], "y": [1.0, np.nan, 2.0]})
    with pytest.raises(InputError, match=r"The 'columns' parameter of impute_chained .* Got 'sex' instead \(a text or category column has missing values\)"):
        impute_chained(d, m=1)
