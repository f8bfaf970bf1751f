"""Exact power of two-proportion tests against an independent enumeration in R, and its properties.

The R fixture (``tests/reference/design_exact.R``) enumerates every table with
``dbinom`` and one ``fisher.test`` / ``prop.test`` call per table; the power
here comes from rejection regions computed with vectorised p-values.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from t1dtrial.design.exact import TESTS, exact_power, rejection_region, sample_size

FIXTURE = Path(__file__).parents[1] / "reference" / "fixtures" / "design_exact.json"
RECORDS = json.loads(FIXTURE.read_text())["records"]


@pytest.mark.parametrize("rec", RECORDS, ids=lambda r: r["r_call"])
def test_exact_power_equals_the_enumeration_in_r(rec):
    power = exact_power(rec["n1"], rec["n2"], rec["p1"], rec["p2"], rec["alpha"],
                        test=rec["test"], alternative=rec["alternative"])
    assert power == pytest.approx(rec["power"], abs=1e-9)


def test_every_test_and_alternative_is_in_the_fixture():
    # Boschloo's test is checked against scipy.stats.boschloo_exact in test_boschloo.py
    assert {(r["test"], r["alternative"]) for r in RECORDS} == {
        (t, a) for t in TESTS if t != "boschloo" for a in ("two-sided", "greater")}


@settings(max_examples=25, deadline=None)
@given(n1=st.integers(1, 12), n2=st.integers(1, 12), x=st.data())
def test_fisher_region_is_the_tables_scipy_rejects(n1, n2, x):
    x1 = x.draw(st.integers(0, n1))
    x2 = x.draw(st.integers(0, n2))
    region = rejection_region(n1, n2, 0.05, test="fisher")
    p = stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]]).pvalue
    if abs(p - 0.05) > 1e-9:
        assert bool(region[x1, x2]) == (p <= 0.05)


@pytest.mark.parametrize("test", TESTS)
def test_size_under_the_null_and_monotone_in_the_effect(test):
    sizes = [exact_power(30, 30, p, p, 0.05, test=test) for p in (0.1, 0.3, 0.5)]
    if test != "chisq":  # Pearson's test without correction may exceed its level
        assert max(sizes) <= 0.05 + 1e-12
    powers = [exact_power(30, 30, p1, 0.1, 0.05, test=test) for p1 in (0.2, 0.4, 0.6)]
    assert powers == sorted(powers) and powers[-1] > 0.8


def test_powers_are_probabilities_and_the_region_is_read_only():
    region = rejection_region(27, 26)
    region[0, 0] = True  # a copy: the cached region is not changed
    assert not rejection_region(27, 26)[0, 0]
    assert 0 <= exact_power(27, 26, 0.4, 0.08) <= 1


def test_sample_size_gives_the_first_and_the_stable_n_and_inflates_for_dropout():
    out = sample_size(0.40, 0.08, power=0.8, test="fisher", dropout=0.1, n_max=80)
    assert out["n1_first"] <= out["n1_stable"]
    for n in range(out["n1_stable"], out["n1_stable"] + 10):
        assert exact_power(n, n, 0.40, 0.08) >= 0.8
    assert exact_power(out["n1_stable"] - 1, out["n1_stable"] - 1, 0.40, 0.08) < 0.8
    assert out["enrol1"] == int(np.ceil(out["n1_stable"] / 0.9))
    ratio = sample_size(0.40, 0.08, ratio=0.5, n_max=120)
    assert ratio["n2_stable"] == int(np.ceil(ratio["n1_stable"] / 2))


@pytest.mark.parametrize("bad, message", [
    (dict(n1=0), "n1 and n2"), (dict(alpha=1.5), "alpha"), (dict(test="t"), "test must"),
    (dict(p1=1.2), "p1 must"), (dict(alternative="less"), "alternative"),
])
def test_wrong_arguments_are_named(bad, message):
    args = dict(n1=10, n2=10, p1=0.5, p2=0.2, alpha=0.05, test="fisher",
                alternative="two-sided") | bad
    with pytest.raises(ValueError, match=message):
        exact_power(**args)
