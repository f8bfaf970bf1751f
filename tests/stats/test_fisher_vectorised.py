"""The conditional odds ratio and its exact interval, vectorised, are scipy's numbers."""

from __future__ import annotations

import numpy as np
from scipy import stats

from t1dtrial.stats.proportions import _conditional_odds_ratio


def _scipy(a: int, m: int, c: int, n: int, level: float) -> tuple[float, float, float]:
    r = stats.contingency.odds_ratio([[a, m - a], [c, n - c]], kind="conditional")
    ci = r.confidence_interval(confidence_level=level)
    return float(r.statistic), float(ci.low), float(ci.high)


def test_conditional_odds_ratio_and_interval_are_scipys_on_small_and_zero_cell_tables():
    rng = np.random.default_rng(3)
    tables = [(a, m, c, n) for m in (2, 7) for n in (3, 9) for a in range(m + 1)
              for c in range(n + 1)]
    tables += [(int(rng.integers(0, 60)), 60, int(rng.integers(0, 80)), 80) for _ in range(15)]
    tables += [(1, 8, 26, 27), (1, 500, 499, 500), (11, 27, 3, 26)]
    checked = 0
    for a, m, c, n in tables:
        if a + c in (0, m + n):  # a single possible table: handled before, never solved
            continue
        level = 0.99 if checked % 2 else 0.95
        for want, got in zip(_scipy(a, m, c, n, level), _conditional_odds_ratio(a, m, c, n, level)):
            if np.isfinite(want) and want != 0:
                assert got == np.float64(want) or abs(got - want) <= 1e-11 * abs(want), (a, m, c, n)
            else:
                assert got == want, (a, m, c, n, want, got)
        checked += 1
    assert checked > 100


def test_conditional_odds_ratio_of_thousands_agrees_with_scipy_to_its_accuracy():
    # scipy's noncentral law is accurate to about 1e-12 (BiasedUrn); one 5,000 vs 5,000 table
    want = _scipy(2000, 5000, 1500, 5000, 0.95)
    got = _conditional_odds_ratio(2000, 5000, 1500, 5000, 0.95)
    np.testing.assert_allclose(got, want, rtol=1e-10)
