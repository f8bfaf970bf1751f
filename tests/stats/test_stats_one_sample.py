"""One-sample location (within-arm change) against R (t.test, wilcox.test)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.errors import EstimationError, InputError, PrecisionWarning
from t1dtrial.stats import one_sample_t, wilcoxon_signed_rank

CLOSED = 1e-6
ROOT_TOL = 2e-4  # R's uniroot(tol = 1e-4) on the normal-approximation interval


def _records(reference, fun):
    recs = [r for r in reference("one_sample") if r["fun"] == fun]
    assert len(recs) >= 19
    return recs


def _x(record):
    # stored as 17-digit text so that the doubles (and their ties) are R's
    return [float(v) for v in record["x"]]


def _signed_rank(record):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PrecisionWarning)
        return wilcoxon_signed_rank(_x(record), mu=record["mu"],
                                    conf_level=record["conf_level"]).iloc[0]


def test_reference_covers_the_packaged_twin_ties_zeros_and_two_values(reference):
    names = {r["dataset"] for r in _records(reference, "wilcoxon_signed_rank")}
    assert {"packaged_twin_FCP_CHG_MSC", "packaged_twin_HBA1C_PCHG_CONTROL",
            "edge_ties_zeros", "edge_n2"} <= names


def test_one_sample_t_matches_t_test(reference, close):
    for r in _records(reference, "one_sample_t"):
        got = one_sample_t(_x(r), mu=r["mu"], conf_level=r["conf_level"]).iloc[0]
        for col in ("estimate", "ci_low", "ci_high", "p_value", "statistic", "df"):
            assert close(got[col], r[col], CLOSED), (r["dataset"], col)
        assert got["n"] == len(r["x"])


def test_signed_rank_matches_wilcox_test_statistic_p_value_and_method(reference, close):
    for r in _records(reference, "wilcoxon_signed_rank"):
        got = _signed_rank(r)
        assert got["statistic"] == r["statistic"], r["dataset"]
        assert close(got["p_value"], r["p_value"], CLOSED), r["dataset"]
        assert ("exact" in got["method"]) == r["exact"], r["dataset"]
        assert close(got["estimate"], r["hodges_lehmann"], CLOSED), r["dataset"]


def test_signed_rank_exact_interval_and_estimate_match_wilcox_test(reference, close):
    recs = [r for r in _records(reference, "wilcoxon_signed_rank") if r["exact"]]
    assert len(recs) >= 8
    for r in recs:
        got = _signed_rank(r)
        for col in ("ci_low", "ci_high"):
            assert close(got[col], r[col], CLOSED), (r["dataset"], col)
        assert close(got["estimate"], r["r_estimate"], CLOSED), r["dataset"]
        assert close(got["conf_level"], r["achieved_conf_level"], CLOSED), r["dataset"]


def test_signed_rank_normal_interval_matches_wilcox_test_within_its_root_tolerance(reference, close):
    # R locates the jump of a step function with uniroot(tol = 1e-4); we return the jump itself
    recs = [r for r in _records(reference, "wilcoxon_signed_rank") if not r["exact"]]
    assert len(recs) >= 8
    for r in recs:
        got = _signed_rank(r)
        assert got["ci_low"] == pytest.approx(r["ci_low"], abs=ROOT_TOL), r["dataset"]
        assert got["ci_high"] == pytest.approx(r["ci_high"], abs=ROOT_TOL), r["dataset"]
        assert close(got["conf_level"], r["achieved_conf_level"], CLOSED), r["dataset"]


def test_signed_rank_normal_case_reports_the_walsh_median_not_r_root_of_the_statistic(reference):
    # R's normal-case estimate is a root of the uncorrected statistic; ours stays the
    # Hodges-Lehmann median of the Walsh averages (checked against R's median above)
    r = next(r for r in _records(reference, "wilcoxon_signed_rank")
             if r["dataset"] == "packaged_twin_HBA1C_PCHG_MSC")
    got = _signed_rank(r)
    assert got["estimate"] == pytest.approx(r["hodges_lehmann"], rel=CLOSED)
    assert abs(got["estimate"] - r["r_estimate"]) > 1e-3  # far beyond CLOSED
    assert got["ci_low"] <= r["r_estimate"] <= got["ci_high"]


def test_signed_rank_warns_exactly_when_r_finds_the_level_not_achievable(reference):
    for r in _records(reference, "wilcoxon_signed_rank"):
        r_warned = "requested conf.level not achievable" in np.atleast_1d(r["warnings"])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            wilcoxon_signed_rank(_x(r), mu=r["mu"], conf_level=r["conf_level"])
        ours = [w for w in caught if issubclass(w.category, PrecisionWarning)]
        assert bool(ours) == r_warned, r["dataset"]


def test_signed_rank_two_values_give_the_range_at_level_one_half():
    with pytest.warns(PrecisionWarning, match="conf_level 0.95 cannot be achieved with 2 value"):
        got = wilcoxon_signed_rank([0.3, 1.1]).iloc[0]
    assert (got["ci_low"], got["ci_high"], got["conf_level"]) == (0.3, 1.1, 0.5)


def test_signed_rank_drops_values_equal_to_mu_and_counts_them():
    got = wilcoxon_signed_rank([1.0, 1.0, 2.0, -3.0, 0.0, 2.5, 4.0, 4.0, 5.0, 0.0]).iloc[0]
    assert (got["n"], got["n_zero"]) == (10, 2)
    assert "normal approximation with continuity correction" in got["method"]


def test_signed_rank_with_zeros_uses_the_normal_approximation_even_if_exact_is_asked():
    with pytest.warns(PrecisionWarning, match="at level 0.8"):
        got = wilcoxon_signed_rank([0.0, 0.4, 1.2, -0.3, 2.2, 0.8], exact=True)
    assert "normal approximation" in got.method[0]


def test_signed_rank_exact_false_uses_the_normal_approximation_without_ties():
    got = wilcoxon_signed_rank([0.12, -0.05, 0.30, 0.08, 0.21, 0.15, -0.02], exact=False,
                               correct=False)
    assert got.method[0].startswith("Wilcoxon signed-rank test, normal approximation;")


def test_signed_rank_of_a_sample_equal_to_mu_everywhere_is_not_estimable():
    with pytest.raises(EstimationError, match="x: 2.0 — every value equals mu = 2; expected at least one"):
        wilcoxon_signed_rank([2.0, 2.0, np.nan], mu=2)


def test_signed_rank_all_values_tied_gives_no_interval_and_the_midrange():
    with pytest.warns(PrecisionWarning, match="at level 0"):
        got = wilcoxon_signed_rank([1.5, 1.5, 1.5]).iloc[0]
    assert np.isnan(got["ci_low"]) and np.isnan(got["ci_high"]) and got["estimate"] == 1.5


def test_one_sample_t_of_constant_values_or_a_single_value_is_not_estimable():
    with pytest.raises(EstimationError, match="x: 0.2 — every value is the same"):
        one_sample_t([0.2, 0.2, 0.2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # refused by us, not a scipy RuntimeWarning
        with pytest.raises(EstimationError, match="x: 0.1 — every value is the same"):
            one_sample_t([0.1, 0.1, 0.1])
    with pytest.raises(EstimationError, match="x: .* — only 1 non-missing value\\(s\\); expected at least 2"):
        one_sample_t([0.2, np.nan])


def test_mu_and_exact_are_checked_naming_the_argument():
    with pytest.raises(InputError, match=r"The 'mu' parameter of one_sample_t must be a finite number, e\.g\. 0\. Got 'zero' instead \(not a number\)"):
        one_sample_t([1.0, 2.0], mu="zero")
    with pytest.raises(InputError, match=r"The 'exact' parameter of \w+ must be one of .*\. Got 'yes' instead"):
        wilcoxon_signed_rank([1.0, 2.0], exact="yes")
    with pytest.raises(InputError, match=r"The 'conf_level' parameter of \w+ must be a number strictly between 0 and 1.* Got 95 instead \(out of range\)"):
        wilcoxon_signed_rank([1.0, 2.0], conf_level=95)


def test_one_sample_t_of_changes_is_the_paired_t_test():
    from scipy import stats
    base = np.array([0.31, 0.22, 0.45, 0.18, 0.27, 0.39])
    follow = np.array([0.28, 0.25, 0.33, 0.11, 0.30, 0.29])
    got = one_sample_t(follow - base).iloc[0]
    ref = stats.ttest_rel(follow, base)
    assert got["statistic"] == pytest.approx(ref.statistic, rel=1e-12)
    assert got["p_value"] == pytest.approx(ref.pvalue, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-8, 8), min_size=1, max_size=15), st.integers(-3, 3),
       st.booleans())
def test_signed_rank_pseudo_median_lies_within_its_interval(values, mu, exact):
    x = [v / 4 for v in values]
    if all(v == mu for v in x):
        with pytest.raises(EstimationError, match="every value equals mu"):
            wilcoxon_signed_rank(x, mu=mu)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PrecisionWarning)
        got = wilcoxon_signed_rank(x, mu=mu, exact=exact).iloc[0]
    assert 0 <= got["p_value"] <= 1
    if got["conf_level"] > 0:  # at level 0 R's interval is the sample median, a point
        assert got["ci_low"] <= got["estimate"] <= got["ci_high"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-5, 5, allow_nan=False), min_size=2, max_size=20),
       st.floats(-2, 2, allow_nan=False))
def test_one_sample_t_is_shift_equivariant(values, shift):
    x = np.array(values)
    if x.std() < 1e-3:
        return
    a = one_sample_t(x).iloc[0]
    b = one_sample_t(x + shift, mu=shift).iloc[0]
    assert b["estimate"] == pytest.approx(a["estimate"] + shift, abs=1e-9)
    assert b["statistic"] == pytest.approx(a["statistic"], rel=1e-6, abs=1e-9)


def test_docstring_examples_of_the_module_run():
    import doctest

    import t1dtrial.stats.one_sample as module
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 5 and result.failed == 0
