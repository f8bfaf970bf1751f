"""The meal test's postprandial minute: which timed C-peptide sample is PCP."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from t1dtrial.protocol import check_protocol_file, load_protocol, protocol_source
from t1dtrial.protocol.models import MealTest


def test_lu2021_names_minute_120_as_postprandial_and_marks_it_assumed():
    meal = load_protocol("lu2021").meal_test
    assert meal.postprandial_minute == 120 and meal.minutes == [0, 120]
    assert "minute 120" in meal.assumption


def test_mmtt_protocol_without_a_postprandial_minute_keeps_it_unset():
    assert load_protocol("carlsson2015").meal_test.postprandial_minute is None


@pytest.mark.parametrize("minute", [90, 0, -10])
def test_postprandial_minute_must_be_a_sampling_minute_after_zero(minute):
    with pytest.raises(ValidationError, match=r"postprandial_minute must be one of the sampling "
                                              r"minutes after 0 \(minutes: \[0, 120\]\)"):
        MealTest(kind="standard-meal", minutes=[0, 120], postprandial_minute=minute)


def test_postprandial_minute_outside_the_minutes_is_located_in_the_protocol_file(tmp_path):
    text = protocol_source("lu2021")[1].replace("postprandial_minute: 120", "postprandial_minute: 90")
    path = tmp_path / "trial.yaml"
    path.write_text(text, encoding="utf-8")
    problems = check_protocol_file(path)
    assert len(problems) == 1
    assert problems[0].column == "meal_test"
    assert "postprandial_minute must be one of the sampling minutes after 0" in problems[0].problem
    assert "got 90" in problems[0].problem


def test_protocol_show_says_which_sample_is_the_postprandial_c_peptide():
    from t1dtrial.protocol import load_protocol
    from t1dtrial.protocol.describe import describe_protocol

    text = describe_protocol(load_protocol("lu2021"))
    assert "postprandial C-peptide (PCP) = the minute-120 sample" in text
    assert "postprandial C-peptide (PCP)" not in describe_protocol(load_protocol("carlsson2015"))
