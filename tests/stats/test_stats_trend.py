"""The Cochran-Armitage trend test against R's prop.trend.test and the formula by hand
(tests/reference/multiarm.R)."""

from __future__ import annotations

import pytest

from t1dtrial.errors import EstimationError, InputError
from t1dtrial.stats import cochran_armitage

CLOSED = 1e-6


def test_cochran_armitage_matches_prop_trend_test(reference, close):
    recs = [r for r in reference("multiarm") if r["fun"] == "cochran_armitage"]
    assert len(recs) == 4
    for r in recs:
        got = cochran_armitage(r["responders"], r["n"], r["scores"]).iloc[0]
        assert close(got["statistic"], r["statistic"], CLOSED), r["dataset"]
        assert close(got["p_value"], r["p_value"], CLOSED), r["dataset"]
        assert close(got["z"], r["z"], CLOSED), r["dataset"]
        for col in ("estimate", "ci_low", "ci_high"):
            assert close(got[col], r[col], CLOSED), (r["dataset"], col)
        assert close(got["estimate"], r["slope_lm"], CLOSED), r["dataset"]
        assert got["n"] == sum(r["n"]) and got["df"] == 1


def test_one_sided_alternatives_match_the_normal_tail(reference, close):
    for r in [r for r in reference("multiarm") if r["fun"] == "cochran_armitage"]:
        up = cochran_armitage(r["responders"], r["n"], r["scores"], alternative="increasing")
        down = cochran_armitage(r["responders"], r["n"], r["scores"], alternative="decreasing")
        assert close(up["p_value"][0], r["p_increasing"], CLOSED), r["dataset"]
        assert close(down["p_value"][0], r["p_decreasing"], CLOSED), r["dataset"]
        assert "one-sided, increasing" in up["method"][0]


def test_scores_shifted_or_rescaled_give_the_same_test():
    a = cochran_armitage([3, 8, 13], [30, 30, 30], [0, 1, 2]).iloc[0]
    b = cochran_armitage([3, 8, 13], [30, 30, 30], [0, 1e6, 2e6]).iloc[0]
    assert b["p_value"] == pytest.approx(a["p_value"], rel=1e-12)
    assert b["estimate"] == pytest.approx(a["estimate"] / 1e6, rel=1e-12)


def test_no_responder_is_not_estimable():
    with pytest.raises(EstimationError, match="no responder"):
        cochran_armitage([0, 0, 0], [10, 10, 10], [0, 1, 2])


def test_one_distinct_score_is_not_estimable():
    with pytest.raises(EstimationError, match="fewer than two groups"):
        cochran_armitage([1, 3], [10, 10], [1, 1])


def test_lengths_that_differ_are_refused_with_the_argument_named():
    with pytest.raises(InputError, match="responders, n and scores differ in length"):
        cochran_armitage([1, 3, 4], [10, 10], [0, 1])


def test_more_responders_than_subjects_is_refused():
    with pytest.raises(InputError, match="more responders than subjects"):
        cochran_armitage([11, 3], [10, 10], [0, 1])
