"""The log-rank test and the linear dose trend against R (survdiff, lm; dose_tte.R)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from t1dtrial.errors import EstimationError, InputError
from t1dtrial.stats import log_rank

DATA = Path(__file__).parent.parent / "reference" / "data" / "dose_tte_adtte.csv"


def test_log_rank_matches_survdiff(reference):
    tte = pd.read_csv(DATA)
    recs = [r for r in reference("dose_tte") if r["fun"] == "log_rank"]
    assert len(recs) == 2
    for r in recs:
        arm = r["comparison"].split(" vs ")[0]
        d = tte.loc[tte["TRT01P"].isin([arm, "CONTROL"])]
        got = log_rank(d["AVAL"], 1 - d["CNSR"], d["TRT01P"]).iloc[0]
        assert got.statistic == pytest.approx(r["chisq"], rel=1e-9), r["r_call"]
        assert got.p_value == pytest.approx(r["p_value"], rel=1e-9), r["r_call"]
        assert (got.df, got.n) == (1.0, len(d))


def test_log_rank_of_one_group_or_no_event_is_not_estimable():
    with pytest.raises(EstimationError, match="fewer than two groups"):
        log_rank([1, 2, 3], [1, 0, 1], ["A", "A", "A"])
    with pytest.raises(EstimationError, match="no event"):
        log_rank([1, 2, 3, 4], [0, 0, 0, 0], ["A", "A", "B", "B"])


def test_log_rank_refuses_lengths_that_differ_and_negative_times():
    with pytest.raises(InputError, match="differ in length"):
        log_rank([1, 2], [1, 0, 1], ["A", "B"])
    with pytest.raises(InputError, match="negative duration"):
        log_rank([-1, 2], [1, 0], ["A", "B"])


def test_linear_trend_matches_lm(reference):
    from t1dtrial.stats import linear_trend

    d = pd.read_csv(DATA.parent / "dose_tte_hba1c.csv")
    masks = {"all": d["SCORE"].notna(), "adult_onset": d["SGADONFL"].eq("Y"),
             "juvenile_onset": d["SGADONFL"].ne("Y")}
    for r in [r for r in reference("dose_tte") if r["fun"] == "linear_trend"]:
        part = d.loc[masks[r["subgroup"]]]
        got = linear_trend(part["CHG"], part["SCORE"], baseline=part["BASE"]).iloc[0]
        for column in ("estimate", "ci_low", "ci_high", "p_value", "se"):
            assert got[column] == pytest.approx(r[column], rel=1e-9), r["r_call"]
        assert got.n == r["n"]


def test_linear_trend_with_one_score_is_not_estimable():
    from t1dtrial.stats import linear_trend

    with pytest.raises(EstimationError, match="fewer than two distinct scores"):
        linear_trend([1.0, 2.0, 3.0], [1, 1, 1])
