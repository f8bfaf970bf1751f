"""Predictive mean matching finds the nearest donors without a missing x observed matrix."""

from __future__ import annotations

import numpy as np

from t1dtrial.stats import imputation


def test_each_imputed_value_comes_from_one_of_the_five_nearest_donors_by_predicted_mean():
    rng = np.random.default_rng(11)
    n_obs, n_mis = 400, 150
    X_obs = np.column_stack([np.ones(n_obs), rng.normal(size=n_obs)])
    y_obs = X_obs @ np.array([1.0, 2.0]) + rng.normal(size=n_obs)
    y_obs = y_obs + np.arange(n_obs) * 1e-9  # distinct values: a value names its donor
    X_mis = np.column_stack([np.ones(n_mis), 3 * rng.normal(size=n_mis)])  # some beyond the range
    got = imputation._pmm(X_obs, y_obs, X_mis, np.random.default_rng(3))
    # the same draws of the regression coefficients, then the full distance matrix
    beta_hat, beta_star = imputation._draw_linear(X_obs, y_obs, np.random.default_rng(3))
    dist = np.abs((X_mis @ beta_star)[:, None] - (X_obs @ beta_hat)[None, :])
    five = np.argsort(dist, axis=1)[:, :5]
    donor = np.searchsorted(y_obs, got, sorter=np.argsort(y_obs))
    donor = np.argsort(y_obs)[donor]
    assert np.array_equal(y_obs[donor], got)
    assert all(d in row for d, row in zip(donor, five))
    assert len(set(donor)) > 50  # spread over many donors, not one
