"""Continuous outcomes against R (t.test, wilcox.test, lm + emmeans)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.errors import EstimationError, InputError
from t1dtrial.stats import ancova, mann_whitney, welch_t

CLOSED = 1e-6


def _records(reference, fun):
    recs = [r for r in reference("continuous") if r["fun"] == fun]
    assert recs
    return recs


def test_welch_t_matches_t_test(reference, close):
    for r in _records(reference, "welch_t"):
        got = welch_t(r["x"], r["y"]).iloc[0]
        for col in ("estimate", "ci_low", "ci_high", "p_value", "statistic", "df"):
            assert close(got[col], r[col], CLOSED), (r["dataset"], col)


def test_mann_whitney_matches_wilcox_test_statistic_and_p_value(reference, close):
    for r in _records(reference, "mann_whitney"):
        got = mann_whitney(r["x"], r["y"]).iloc[0]
        assert got["statistic"] == r["statistic"], r["dataset"]
        assert close(got["p_value"], r["p_value"], CLOSED), r["dataset"]
        assert got["estimate"] == pytest.approx(r["hodges_lehmann"], rel=CLOSED)
        assert ("exact" in got["method"]) == r["exact"], r["dataset"]


def test_mann_whitney_exact_interval_matches_wilcox_test(reference, close):
    for r in _records(reference, "mann_whitney"):
        if not r["exact"]:
            continue
        got = mann_whitney(r["x"], r["y"]).iloc[0]
        assert close(got["ci_low"], r["ci_low"], CLOSED) and close(got["ci_high"], r["ci_high"], CLOSED)
        assert close(got["estimate"], r["r_estimate"], CLOSED)


def test_mann_whitney_normal_interval_matches_wilcox_test_within_its_root_tolerance(reference):
    # R locates the jump of a step function with uniroot(tol = 1e-4); we return the jump itself
    for r in _records(reference, "mann_whitney"):
        if r["exact"]:
            continue
        got = mann_whitney(r["x"], r["y"]).iloc[0]
        assert got["ci_low"] == pytest.approx(r["ci_low"], abs=2e-4), r["dataset"]
        assert got["ci_high"] == pytest.approx(r["ci_high"], abs=2e-4), r["dataset"]


def test_mann_whitney_with_ties_uses_the_normal_approximation_even_if_exact_is_asked():
    r = mann_whitney([1, 1, 2, 3], [1, 2, 2, 5], exact=True)
    assert "normal approximation" in r.method[0]


def test_ancova_matches_lm_and_emmeans(reference, dataset, close):
    frames = {"twin": dataset("twin"), "small": dataset("small"), "packaged": dataset("packaged_twin")}
    frames["twin"]["LFCP12"] = np.log(frames["twin"]["FCP12"] + 1)
    recs = _records(reference, "ancova")
    assert any(r["dataset"] == "packaged_twin" for r in recs)
    for r in recs:
        key = r["dataset"].split("_")[0]
        d = frames["packaged" if key == "packaged" else key]
        lhs, rhs = (s.strip() for s in r["formula"].split("~"))
        terms = [t.strip() for t in rhs.split("+")]
        covs = terms[1:]
        base = covs[0] if covs and covs[0] in ("BFCP", "BASE", "LBFCP") else None
        got = ancova(d, outcome=lhs, group="TRT01P", baseline=base,
                     covariates=[c for c in covs if c != base], reference="CONTROL")
        lsm = got[got.term == "lsmean"].set_index("group")
        for i, lev in enumerate(r["levels"]):
            row = lsm.loc[lev]
            for col, key in (("estimate", "lsmean"), ("se", "lsmean_se"), ("ci_low", "lsmean_ci_low"),
                             ("ci_high", "lsmean_ci_high"), ("p_value", "lsmean_p")):
                assert close(row[col], r[key][i], CLOSED), (r["dataset"], lev, col)
        diff = got[got.term == "difference"].iloc[0]
        assert diff["group"] == "MSC - CONTROL"
        for col, key in (("estimate", "diff"), ("se", "diff_se"), ("ci_low", "diff_ci_low"),
                         ("ci_high", "diff_ci_high"), ("p_value", "diff_p"), ("df", "df")):
            assert close(diff[col], r[key], CLOSED), (r["dataset"], col)


def test_ancova_drops_incomplete_rows_and_reports_n():
    d = pd.DataFrame({"g": list("AABBBA"), "y": [1.0, 2.0, 3.0, np.nan, 4.5, 1.4],
                      "b": [0.5, 1.0, 1.1, 2.0, 2.0, 0.7]})
    got = ancova(d, outcome="y", group="g", baseline="b")
    assert got.set_index("group").loc["B - A", "n"] == 5


def test_ancova_refuses_a_missing_column_naming_it():
    d = pd.DataFrame({"g": list("AB"), "y": [1.0, 2.0]})
    with pytest.raises(InputError, match=r"The 'data' parameter of ancova must have the column\(s\) \['BFCP'\]"):
        ancova(d, outcome="y", group="g", baseline="BFCP")


def test_ancova_refuses_a_group_with_three_levels():
    d = pd.DataFrame({"g": list("ABCABC"), "y": [1.0, 2, 3, 4, 5, 6]})
    with pytest.raises(InputError, match=r"The 'group' parameter of ancova must be exactly two groups\. Got 'A, B, C' instead \(3 distinct value\(s\)\)"):
        ancova(d, outcome="y", group="g")


def test_welch_t_needs_two_values_per_group():
    with pytest.raises(EstimationError, match="y: .* — only 1 non-missing value\\(s\\); expected at least 2"):
        welch_t([1.0, 2.0, 3.0], [1.0, np.nan])


def test_mann_whitney_with_every_difference_equal_leaks_no_numpy_warning():
    # at the only jump, x - d ties with every y: the variance of the statistic is 0 there
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = mann_whitney([0.0, 0.0, 0.0], [0.1, 0.1, 0.1]).iloc[0]
    assert r["estimate"] == r["ci_low"] == r["ci_high"] == pytest.approx(-0.1)


def test_welch_t_refuses_two_constant_groups_as_t_test_does():
    # the float variances are ~1e-34, not 0: R calls such data "essentially constant"
    with pytest.raises(EstimationError, match="x, y: 'constant values' — both groups have zero variance"):
        welch_t([0.1, 0.1, 0.1], [0.2, 0.2, 0.2, 0.2])


def test_welch_t_with_one_constant_group_uses_the_other_variance_without_warning():
    y = np.array([0.5, 1.1, 1.9])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = welch_t([0.1, 0.1, 0.1], y).iloc[0]
    se = y.std(ddof=1) / np.sqrt(3)
    assert got["statistic"] == pytest.approx((0.1 - y.mean()) / se, rel=1e-9)
    assert got["df"] == pytest.approx(2.0, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-20, 20), min_size=2, max_size=12),
       st.lists(st.integers(-20, 20), min_size=2, max_size=12))
def test_hodges_lehmann_shift_lies_within_its_interval(x, y):
    if len(set(x + y)) == 1:
        with pytest.raises(EstimationError, match="every value is the same"):
            mann_whitney(x, y)
        return
    r = mann_whitney(x, y).iloc[0]
    assert r["ci_low"] <= r["estimate"] <= r["ci_high"]
    assert 0 <= r["p_value"] <= 1


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-5, 5, allow_nan=False), min_size=3, max_size=15, unique=True),
       st.floats(-3, 3, allow_nan=False))
def test_shifting_x_shifts_the_hodges_lehmann_estimate(x, shift):
    y = [v * 0.5 + 0.1 for v in x]
    a = mann_whitney(x, y).estimate[0]
    b = mann_whitney([v + shift for v in x], y).estimate[0]
    assert b == pytest.approx(a + shift, abs=1e-9)


def test_mann_whitney_gives_the_level_its_exact_interval_achieves():
    # R: wilcox.test(c(1.1, 2.5, 3.7), c(0.2, 0.9, 1.4), conf.int = TRUE)
    #    -> "requested conf.level not achievable"; conf.int -0.3 3.5, attr conf.level 0.9
    small = mann_whitney([1.1, 2.5, 3.7], [0.2, 0.9, 1.4])
    limits = small[["ci_low", "ci_high", "conf_level"]].iloc[0].tolist()
    assert limits == pytest.approx([-0.3, 3.5, 0.9])
    assert mann_whitney([1.1, 2.5, 3.7, 5.0, 6.0], [0.2, 0.9, 1.4, 2.2])["conf_level"][0] == 0.95
