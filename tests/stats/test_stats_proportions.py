"""Two proportions against R (fisher.test, chisq.test, epitools) and Newcombe (1998)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.errors import InputError
from t1dtrial.stats import chi_square, fisher_exact, odds_ratio, risk_difference, risk_ratio

CLOSED = 1e-6   # closed forms
ITER = 1e-6     # root-finding against the tightened R algorithm


def _args(r):
    a = r["args"]
    return int(a["x1"]), int(a["n1"]), int(a["x2"]), int(a["n2"])


def _records(reference, fun):
    recs = [r for r in reference("proportions") if r["fun"] == fun]
    assert recs, fun
    return recs


def test_fisher_matches_r_algorithm_with_tight_root_finding(reference, close):
    for r in _records(reference, "fisher_exact_tight"):
        got = fisher_exact(*_args(r)).iloc[0]
        for col in ("ci_low", "ci_high", "p_value"):
            assert close(got[col], r[col], ITER), (r["r_call"], col, got[col], r[col])
        if r["args"]["x1"] + r["args"]["x2"] > 0:
            assert close(got["estimate"], r["estimate"], ITER), r["r_call"]


def test_fisher_agrees_with_fisher_test_within_its_root_tolerance(reference, close):
    # fisher.test stops uniroot at tol ~1.2e-4, moving limits by up to about 1 %
    for r in _records(reference, "fisher_exact"):
        got = fisher_exact(*_args(r)).iloc[0]
        assert close(got["p_value"], r["p_value"], CLOSED), r["r_call"]
        for col in ("ci_low", "ci_high"):
            assert close(got[col], r[col], 1.5e-2), (r["r_call"], col)


def test_fisher_with_no_event_has_undefined_estimate_and_whole_interval():
    r = fisher_exact(0, 10, 0, 20).iloc[0]
    assert math.isnan(r["estimate"]) and r["ci_low"] == 0 and r["ci_high"] == math.inf
    assert r["p_value"] == 1


def test_fisher_with_a_zero_cell_gives_infinite_estimate_and_half_open_interval():
    r = fisher_exact(10, 10, 0, 20).iloc[0]
    assert r["estimate"] == math.inf and r["ci_high"] == math.inf and r["ci_low"] > 1


def test_fisher_p_value_counts_tables_as_r_does_on_every_small_table():
    # R's fisher.test sums the tables with null probability <= (1 + 1e-7) x the observed
    # one's; scipy's fisher_exact, which fisher_exact calls, uses 1 + 1e-14.
    from scipy import stats
    for n1 in range(1, 13):
        for n2 in range(n1, 13):
            for events in range(1, n1 + n2):
                support = np.arange(max(0, events - n2), min(events, n1) + 1)
                d = stats.hypergeom.pmf(support, n1 + n2, events, n1)
                for x1, dx in zip(support, d):
                    r_p = min(1.0, d[d <= dx * (1 + 1e-7)].sum())
                    got = stats.fisher_exact([[x1, n1 - x1], [events - x1, n2 - events + x1]]).pvalue
                    assert got == pytest.approx(r_p, rel=1e-9), (x1, n1, events - x1, n2)


def test_fisher_and_chi_square_leak_no_warning_on_zero_cells_and_margins():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for t in [(0, 10, 0, 20), (10, 10, 0, 20), (5, 56, 0, 29), (10, 10, 20, 20), (0, 1, 1, 1)]:
            fisher_exact(*t)
            odds_ratio(*t)
            chi_square(*t)


def test_chi_square_with_a_zero_margin_is_nan_as_chisq_test():
    r = chi_square(0, 10, 0, 20).iloc[0]
    assert math.isnan(r["statistic"]) and math.isnan(r["p_value"]) and r["df"] == 1


@pytest.mark.parametrize("correct", [True, False])
def test_chi_square_matches_chisq_test(reference, correct, close):
    for r in _records(reference, "chi_square"):
        if r["args"]["correct"] != correct:
            continue
        got = chi_square(*_args(r), correct=correct).iloc[0]
        assert close(got["statistic"], r["statistic"], CLOSED), r["r_call"]
        assert close(got["p_value"], r["p_value"], CLOSED), r["r_call"]
        assert got["df"] == 1


def test_risk_ratio_matches_epitools_wald_and_the_half_cell_formula(reference, close):
    for r in _records(reference, "risk_ratio"):
        got = risk_ratio(*_args(r)).iloc[0]
        for col in ("estimate", "ci_low", "ci_high"):
            assert close(got[col], r[col], CLOSED), (r["r_call"], col)
        if "p_value" in r:
            assert close(got["p_value"], r["p_value"], CLOSED)


def test_risk_ratio_labels_the_zero_cell_correction():
    assert "0.5 added" in risk_ratio(5, 56, 0, 29).method[0]


def test_odds_ratio_woolf_matches_epitools_wald(reference, close):
    for r in _records(reference, "odds_ratio_woolf"):
        got = odds_ratio(*_args(r), method="woolf").iloc[0]
        for col in ("estimate", "ci_low", "ci_high"):
            assert close(got[col], r[col], CLOSED), (r["r_call"], col)


def test_conditional_odds_ratio_is_the_fisher_result():
    a = odds_ratio(11, 27, 3, 26).iloc[0]
    b = fisher_exact(11, 27, 3, 26).iloc[0]
    assert a["estimate"] == b["estimate"] and a["p_value"] == b["p_value"]


def test_wald_risk_difference_matches_formula_in_r(reference, close):
    for r in _records(reference, "risk_difference_wald"):
        got = risk_difference(*_args(r), method="wald").iloc[0]
        for col in ("estimate", "ci_low", "ci_high"):
            assert close(got[col], r[col], CLOSED, 1e-12), (r["r_call"], col)


def test_newcombe_and_miettinen_nurminen_match_newcombe_1998_table_ii(reference):
    for r in reference("newcombe1998_table2"):
        got = risk_difference(r["x1"], r["n1"], r["x2"], r["n2"], method=r["method"]).iloc[0]
        assert got["ci_low"] == pytest.approx(r["ci_low"], abs=5e-5), r
        assert got["ci_high"] == pytest.approx(r["ci_high"], abs=5e-5), r


def test_miettinen_nurminen_limits_sit_where_the_score_statistic_equals_z():
    from t1dtrial.stats.proportions import _mn_score
    r = risk_difference(11, 27, 3, 26, method="miettinen-nurminen").iloc[0]
    assert _mn_score(11, 27, 3, 26, r["ci_low"]) == pytest.approx(1.959963985, abs=1e-8)
    assert _mn_score(11, 27, 3, 26, r["ci_high"]) == pytest.approx(-1.959963985, abs=1e-8)


def test_miettinen_nurminen_p_value_is_pearson_chi_square_scaled_by_n_minus_1_over_n():
    chi = chi_square(11, 27, 3, 26, correct=False).statistic[0] * 52 / 53
    from scipy import stats
    p = risk_difference(11, 27, 3, 26, method="miettinen-nurminen").p_value[0]
    assert p == pytest.approx(stats.chi2.sf(chi, 1), rel=1e-9)


def test_result_columns_follow_the_package_order():
    r = risk_difference(11, 27, 3, 26)
    assert list(r.columns[:6]) == ["estimate", "ci_low", "ci_high", "p_value", "method", "n"]
    assert r.n[0] == 53


def test_more_events_than_subjects_is_refused_with_the_argument_named():
    with pytest.raises(InputError, match=r"The 'x1' parameter of fisher_exact must be 0 <= x1 <= n1\. Got 30 instead \(more events than subjects \(n1 = 27\)\)"):
        fisher_exact(30, 27, 3, 26)


def test_conf_level_outside_zero_one_is_refused():
    with pytest.raises(InputError, match=r"The 'conf_level' parameter of risk_difference must be a number strictly between 0 and 1, e\.g\. 0\.95\. Got 95 instead \(out of range\)"):
        risk_difference(1, 5, 2, 5, conf_level=95)


def test_unknown_method_is_refused_naming_the_choices():
    with pytest.raises(InputError, match=r"The 'method' parameter of risk_difference must be one of 'newcombe', 'miettinen-nurminen', 'wald'\. Got 'score' instead\."):
        risk_difference(1, 5, 2, 5, method="score")


counts = st.integers(1, 40).flatmap(
    lambda n1: st.integers(1, 40).flatmap(
        lambda n2: st.tuples(st.integers(0, n1), st.just(n1), st.integers(0, n2), st.just(n2))))


@settings(max_examples=60, deadline=None)
@given(counts)
def test_score_intervals_contain_the_estimate_and_stay_within_minus_one_one(t):
    for method in ("newcombe", "miettinen-nurminen"):
        r = risk_difference(*t, method=method).iloc[0]
        assert -1 <= r["ci_low"] <= r["estimate"] + 1e-12
        assert r["estimate"] - 1e-12 <= r["ci_high"] <= 1


@settings(max_examples=60, deadline=None)
@given(counts)
def test_fisher_p_value_is_a_probability_and_the_interval_is_ordered(t):
    r = fisher_exact(*t).iloc[0]
    assert 0 <= r["p_value"] <= 1
    assert r["ci_low"] <= r["ci_high"]
    if not np.isnan(r["estimate"]):
        assert r["ci_low"] <= r["estimate"] <= r["ci_high"]
