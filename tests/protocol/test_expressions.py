"""Subgroup and condition expressions: parsed safely, evaluated on frames."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from t1dtrial.protocol import Expression, ExpressionSyntaxError


def test_comparison_and_boolean_operators_evaluate_on_a_frame():
    df = pd.DataFrame({"age_at_onset": [10, 18, 30, None], "sex": ["F", "M", "F", "F"]})
    assert Expression.parse("age_at_onset >= 18").evaluate(df).tolist() == [False, True, True, False]
    assert Expression.parse("age_at_onset < 18 or sex == 'M'").evaluate(df).tolist() == [
        True, True, False, False]
    assert Expression.parse("not sex in ['M']").evaluate(df).tolist() == [True, False, True, True]
    assert Expression.parse("10 < age_at_onset <= 30").evaluate(df).tolist() == [
        False, True, True, False]


def test_missing_values_are_in_neither_complementary_subgroup():
    df = pd.DataFrame({"age_at_onset": [None, 20.0]})
    adult = Expression.parse("age_at_onset >= 18").evaluate(df)
    juvenile = Expression.parse("age_at_onset < 18").evaluate(df)
    assert (adult | juvenile).tolist() == [False, True]


def test_evaluates_on_a_mapping_of_scalars():
    assert Expression.parse("INSULIN > 0").evaluate({"INSULIN": 0.4}) is True
    assert Expression.parse("INSULIN > 0").evaluate({"INSULIN": 0.0}) is False


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')", "age_at_onset + 1 > 2", "lambda: 1",
    "age_at_onset >= 18 if True else False", "x in y", "", "age_at_onset >=",
])
def test_anything_but_comparisons_is_refused(text):
    with pytest.raises(ExpressionSyntaxError):
        Expression.parse(text)


@given(st.text(max_size=40))
def test_parse_raises_only_expression_syntax_error(text):
    try:
        expr = Expression.parse(text)
    except ExpressionSyntaxError:
        return
    assert isinstance(expr.names, frozenset)


@given(st.lists(st.one_of(st.none(), st.floats(0, 80)), min_size=1, max_size=30),
       st.floats(0, 80))
def test_subgroup_and_complement_partition_non_missing_values(ages, cut):
    df = pd.DataFrame({"a": pd.Series(ages, dtype="float64")})
    hi = Expression.parse(f"a >= {cut!r}").evaluate(df)
    lo = Expression.parse(f"a < {cut!r}").evaluate(df)
    assert not (hi & lo).any()
    assert (hi | lo).tolist() == df["a"].notna().tolist()
