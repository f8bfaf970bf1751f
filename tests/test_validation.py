"""The argument checks: one helper module, one message template, one exception."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from t1dtrial._validation import (check_conf_level, check_frame, check_instance, check_one_of,
                                  invalid_parameter, parameter_message)
from t1dtrial.errors import ArgumentError, InputError
from t1dtrial.protocol import load_protocol


def test_the_message_names_parameter_function_expectation_and_what_was_got():
    assert parameter_message("f", "x", "one of 'a', 'b'", "'c'") == (
        "The 'x' parameter of f must be one of 'a', 'b'. Got 'c' instead.")
    assert parameter_message("f", "x", "hold dates", "1", problem="not a date") == (
        "The 'x' parameter of f must hold dates. Got 1 instead (not a date).")


def test_an_argument_error_is_an_input_error_and_a_type_error():
    err = invalid_parameter("f", "x", "a number", "a")
    assert isinstance(err, InputError) and isinstance(err, TypeError)
    assert isinstance(err, ValueError)
    assert str(err) == "The 'x' parameter of f must be a number. Got 'a' instead."
    assert str(err.problems[0]) == str(err)  # as the command line prints it, no location prefix


def test_one_of_refuses_an_unhashable_value_by_name():
    with pytest.raises(ArgumentError, match=r"The 'kind' parameter of f must be one of 'a'\. "
                                            r"Got \['a'\] instead\."):
        check_one_of("f", "kind", ["a"], frozenset({"a"}))
    assert check_one_of("f", "kind", "a", ("a", "b")) == "a"


@pytest.mark.parametrize("value, problem", [("high", "not a number"), (1.0, "out of range"),
                                            (0, "out of range"), (None, "not a number")])
def test_conf_level_must_lie_strictly_between_zero_and_one(value, problem):
    with pytest.raises(ArgumentError, match=rf"Got {value!r} instead \({problem}\)"):
        check_conf_level("f", value)
    assert check_conf_level("f", "0.9") == 0.9


def test_instance_and_frame_checks_show_the_type_and_the_columns_got():
    with pytest.raises(ArgumentError, match=r"must be a t1dtrial Protocol\. Got str instead"):
        check_instance("f", "protocol", "lu2021", type(load_protocol("lu2021")),
                       "a t1dtrial Protocol")
    with pytest.raises(ArgumentError, match=r"The 'data' parameter of f must be a pandas "
                                            r"DataFrame\. Got dict instead\."):
        check_frame("f", "data", {"AGE": [1]}, ["AGE"])
    frame = pd.DataFrame({"AGE": [1]})
    assert check_frame("f", "data", frame, ["AGE"]) is frame
    with pytest.raises(ArgumentError, match=r"must have the column\(s\) \['SEX'\]\. "
                                            r"Got columns \['AGE'\] instead\."):
        check_frame("f", "data", frame, ["AGE", "SEX"])


def test_the_statistics_derivations_and_analysis_speak_the_same_template():
    from t1dtrial.analysis.multiplicity import adjust
    from t1dtrial.derive import compute_auc
    from t1dtrial.stats import risk_difference

    messages = []
    for call in (lambda: risk_difference(1, 2, 1, 2, conf_level=2),
                 lambda: compute_auc([0, 30], [[1.0, 2.0, 3.0]]),
                 lambda: adjust([0.01], "bonferroni", 0.05)):
        with pytest.raises(ArgumentError) as info:
            call()
        messages.append(str(info.value))
    template = re.compile(r"The '\w+' parameter of \w+ must .+\. Got .+ instead( \(.+\))?\.")
    assert [bool(template.fullmatch(m)) for m in messages] == [True, True, True], messages
