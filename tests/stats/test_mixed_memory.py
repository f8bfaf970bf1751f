"""The MMRM works subject block by subject block: no array of subjects x subjects is built."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from t1dtrial.stats import _mmrm_covariance as cv
from t1dtrial.stats import mmrm

SUBJECTS, VISITS = 3000, 3


def _long(n: int, rng: np.random.Generator) -> pd.DataFrame:
    ids = np.repeat(np.arange(n), VISITS)
    arm = np.where(ids % 2 == 0, "A", "B")
    base = np.repeat(rng.normal(size=n), VISITS)
    d = pd.DataFrame({"id": ids, "visit": np.tile([f"M{3 * (v + 1)}" for v in range(VISITS)], n),
                      "arm": arm, "base": base,
                      "y": 0.5 * base + 0.3 * (arm == "B") + np.repeat(rng.normal(size=n), VISITS)
                      + rng.normal(size=n * VISITS)})
    return d[rng.random(len(d)) > 0.1]  # missing visits: several visit patterns


def test_mmrm_on_thousands_of_subjects_allocates_far_less_than_one_subjects_by_subjects_array():
    d = _long(SUBJECTS, np.random.default_rng(4))
    one_square = SUBJECTS * SUBJECTS * 8  # bytes of one float array of subjects x subjects
    tracemalloc.start()
    try:
        t0 = time.perf_counter()
        got = mmrm(d, subject="id", visit="visit", outcome="y", group="arm", baseline="base",
                   visit_order=["M3", "M6", "M9"], covariance="compound-symmetry")
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "compound symmetry covariance" in got["method"].iloc[0]
    assert got["n"].max() > 0.85 * SUBJECTS
    # the data themselves are about 0.2 MB a column; one N x N array would be 72 MB
    assert peak < one_square / 8, (peak, one_square)
    assert seconds < 60  # not a timing test: a guard against an accidental quadratic pass


def test_visit_pattern_cross_products_give_the_subject_by_subject_gls_sums():
    rng = np.random.default_rng(5)
    n, T = 40, 3
    subj, visit = np.repeat(np.arange(n), T), np.tile(np.arange(T), n)
    keep = rng.random(n * T) > 0.25
    keep[::T] = True
    subj, visit = subj[keep], visit[keep]
    X = np.column_stack([np.eye(T)[visit], rng.normal(size=visit.size)])
    y = X @ np.array([1.0, 1.5, 2.0, 0.3]) + rng.normal(size=visit.size)
    sigma = np.array([[1.0, 0.5, 0.2], [0.5, 1.2, 0.4], [0.2, 0.4, 0.9]])
    beta, A, m2ll, M = cv.gls(cv.Patterns(subj, visit, y, X, T), sigma, gradient=True)
    # one subject at a time, as the textbook writes it
    A_ref, c_ref, logdet = np.zeros((4, 4)), np.zeros(4), 0.0
    blocks = []
    for s in range(n):
        rows = subj == s
        idx = visit[rows]
        Wi = np.linalg.inv(sigma[np.ix_(idx, idx)])
        A_ref += X[rows].T @ Wi @ X[rows]
        c_ref += X[rows].T @ Wi @ y[rows]
        logdet += np.linalg.slogdet(sigma[np.ix_(idx, idx)])[1]
        blocks.append((rows, idx, Wi))
    beta_ref = np.linalg.solve(A_ref, c_ref)
    Ainv = np.linalg.inv(A_ref)
    quad, M_ref = 0.0, np.zeros((T, T))
    for rows, idx, Wi in blocks:
        r = y[rows] - X[rows] @ beta_ref
        quad += r @ Wi @ r
        WX = Wi @ X[rows]
        M_ref[np.ix_(idx, idx)] += Wi - np.outer(Wi @ r, Wi @ r) - WX @ Ainv @ WX.T
    np.testing.assert_allclose(A, A_ref, rtol=1e-12)
    np.testing.assert_allclose(beta, beta_ref, rtol=1e-10)
    assert m2ll == pytest.approx(logdet + np.linalg.slogdet(A_ref)[1] + quad, rel=1e-12)
    np.testing.assert_allclose(M, M_ref, rtol=1e-10, atol=1e-12)
