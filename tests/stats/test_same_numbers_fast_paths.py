"""The faster ways to the same numbers give exactly the numbers of the slower ones.

Rows as dicts against the one-row DataFrames, ANCOVA on arrays against the
frame, our OLS against statsmodels', scipy's tests without their
array-handling layer against the tests themselves, and the MMRM's remembered
GLS fits against fresh ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from t1dtrial.stats import ancova, mann_whitney, one_sample_t, welch_t, wilcoxon_signed_rank
from t1dtrial.stats import _mmrm_covariance as cv
from t1dtrial.stats._common import unwrapped
from t1dtrial.stats._design import DesignBuilder, model_arrays
from t1dtrial.stats.continuous import (ancova_arrays, ancova_rows, mann_whitney_row, ols,
                                       welch_t_row)
from t1dtrial.stats.one_sample import one_sample_t_row, wilcoxon_signed_rank_row

RNG = np.random.default_rng(20211)


def _samples(count: int = 40):
    for i in range(count):
        m, n = RNG.integers(8, 60, size=2)
        x, y = RNG.normal(0.3, 1.0, m), RNG.normal(0.0, 2.0, n)
        if i % 3 == 0:  # ties: the normal approximations
            x, y = np.round(x, 1), np.round(y, 1)
        yield x, y


def _same(row: dict, frame: pd.DataFrame) -> None:
    assert list(row) == list(frame.columns)
    for key, value in row.items():
        other = frame[key].iloc[0]
        assert (value == other) or (pd.isna(value) and pd.isna(other)), key


def test_row_functions_give_the_one_row_of_the_table_functions():
    for x, y in _samples():
        x = x[x != 0]
        _same(one_sample_t_row(x, conf_level=0.9), one_sample_t(x, conf_level=0.9))
        _same(wilcoxon_signed_rank_row(x), wilcoxon_signed_rank(x))
        _same(welch_t_row(x, y), welch_t(x, y))
        _same(mann_whitney_row(x, y), mann_whitney(x, y))


def test_scipy_tests_without_their_array_layer_give_the_same_numbers():
    for x, y in _samples():
        pairs = [(stats.ttest_1samp, (x, 0.2), {}), (stats.ttest_ind, (x, y), {"equal_var": False}),
                 (stats.mannwhitneyu, (x, y), {"method": "asymptotic"}),
                 (stats.wilcoxon, (x[x != 0],), {"method": "approx"})]
        if len(x) < 50 and len(y) < 50:
            pairs.append((stats.mannwhitneyu, (x, y), {"method": "exact"}))
        for test, args, kwargs in pairs:
            slow, fast = test(*args, **kwargs), unwrapped(test)(*args, **kwargs)
            assert (slow.statistic, slow.pvalue) == (fast.statistic, fast.pvalue), test.__name__


def test_ols_is_statsmodels_ols_number_for_number():
    import statsmodels.api as sm

    for _ in range(20):
        n = int(RNG.integers(6, 60))
        X = np.column_stack([np.ones(n), RNG.integers(0, 2, n), RNG.normal(size=(n, 3))])
        y = X @ RNG.normal(size=5) + RNG.normal(size=n)
        beta, cov = ols(X, y)
        fit = sm.OLS(y, X).fit()
        assert np.array_equal(beta, fit.params)
        assert np.array_equal(cov, np.asarray(fit.cov_params()))


def test_ancova_on_arrays_is_ancova_on_the_frame():
    n = 40
    d = pd.DataFrame({"arm": RNG.choice(["MSC", "CONTROL"], n), "base": RNG.normal(1, 0.3, n),
                      "age": RNG.normal(12, 4, n), "sex": RNG.choice(["F", "M"], n)})
    d["y"] = d["base"] + 0.2 * (d["arm"] == "MSC") + RNG.normal(0, 0.2, n)
    d.loc[3, "y"], d.loc[7, "sex"] = np.nan, None
    rows = ancova_rows(d, outcome="y", group="arm", baseline="base", covariates=["age", "sex"],
                       reference="CONTROL")
    design = model_arrays(d, ["base", "age", "sex"])
    arrays = ancova_arrays(d["y"].to_numpy(), d["arm"].to_numpy(dtype=object),
                           baseline=design.pop("base"), covariates=design, reference="CONTROL")
    assert rows == arrays
    table = ancova(d, outcome="y", group="arm", baseline="base", covariates=["age", "sex"],
                   reference="CONTROL")
    assert table["estimate"].tolist() == [r["estimate"] for r in rows]
    assert table["n"].tolist() == [r["n"] for r in rows]


def test_design_from_arrays_is_the_design_of_the_frame():
    d = pd.DataFrame({"age": [10.0, 20.0, 35.0, 41.0], "sex": ["F", "M", "M", "F"],
                      "smoker": [True, False, True, True], "dose": [1, 2, 2, 3]})
    cols = ["age", "sex", "smoker", "dose"]
    a, b = DesignBuilder(d, cols), DesignBuilder.from_arrays(model_arrays(d, cols), len(d))
    assert a.names == b.names == ["age", "sex[M]", "smoker[True]", "dose"]
    assert np.array_equal(a.matrix, b.matrix) and np.array_equal(a.grid_row(), b.grid_row())


def test_a_remembered_gls_fit_is_the_fresh_fit_and_cannot_be_changed():
    T, n = 3, 30
    subj, visit = np.repeat(np.arange(n), T), np.tile(np.arange(T), n)
    X = np.column_stack([np.eye(T)[visit], RNG.normal(size=n * T)])
    y = X @ np.array([1.0, 1.5, 2.0, 0.3]) + RNG.normal(size=n * T)
    sigma = np.array([[1.0, 0.5, 0.2], [0.5, 1.2, 0.4], [0.2, 0.4, 0.9]])
    pat = cv.Patterns(subj, visit, y, X, T)
    first = cv.gls(pat, sigma, gradient=True)
    again = cv.gls(pat, sigma.copy(), gradient=False)
    fresh = cv.gls(cv.Patterns(subj, visit, y, X, T), sigma, gradient=True)
    assert again[0] is first[0] and again[3] is None
    for mine, theirs in zip(first, fresh):
        assert np.array_equal(mine, theirs)
    with pytest.raises(ValueError):
        first[0][0] = 0.0


def test_product_limit_table_is_lifelines_survival_number_for_number():
    from lifelines import KaplanMeierFitter

    from t1dtrial.stats.survival import _table

    for i in range(30):
        n = int(RNG.integers(2, 60))
        dur = RNG.integers(0 if i % 3 == 0 else 1, 365, n).astype(float)
        ev = (RNG.random(n) < 0.6).astype(float)
        km = KaplanMeierFitter().fit(dur, event_observed=ev)
        et = km.event_table.loc[km.event_table["removed"] > 0]
        ours = _table(dur, ev)
        assert np.array_equal(ours["time"], et.index.to_numpy(dtype=float))
        assert np.array_equal(ours["n_risk"], et["at_risk"].to_numpy(dtype=float))
        assert np.array_equal(ours["surv"], km.survival_function_.loc[et.index].iloc[:, 0])


def test_a_remembered_fisher_table_gives_the_computed_numbers_in_a_fresh_row():
    from t1dtrial.stats import fisher_exact, odds_ratio
    from t1dtrial.stats.proportions import _fisher, _fisher_computed

    first = _fisher(11, 27, 3, 26, 0.95)
    first["estimate"] = -1.0  # a caller's changes stay its own
    assert _fisher(11, 27, 3, 26, 0.95) == _fisher_computed(11, 27, 3, 26, 0.95)
    pd.testing.assert_frame_equal(fisher_exact(11, 27, 3, 26), fisher_exact(11, 27, 3, 26))
    assert odds_ratio(11, 27, 3, 26)["estimate"][0] == _fisher_computed(11, 27, 3, 26, 0.95)["estimate"]


def test_cholesky_by_lapack_is_scipys_cho_factor_and_cho_solve():
    from scipy import linalg

    for p in (1, 4, 17):
        B = RNG.normal(size=(p, p))
        A = B @ B.T + p * np.eye(p)
        b = RNG.normal(size=p)
        c = cv._cho_factor(A)
        assert np.array_equal(c, linalg.cho_factor(A, lower=True)[0])
        assert np.array_equal(cv._cho_solve(c, b), linalg.cho_solve((c, True), b))
        assert np.array_equal(cv._cho_solve(c, np.eye(p)), linalg.cho_solve((c, True), np.eye(p)))
    with pytest.raises(np.linalg.LinAlgError):
        cv._cho_factor(-np.eye(3))
