"""The subgroup checker proves partitions without data, on representative points."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.protocol import Expression, Subgroup
from t1dtrial.protocol.partitions import representative_points, subgroup_problems

thresholds = st.one_of(st.integers(-5, 120), st.floats(0, 100, allow_nan=False).map(
    lambda x: round(x, 3)))


def _problems(*wheres: str, partition: str | None = "p") -> list[str]:
    groups = [(i, Subgroup(name=f"g{i}", label="g", where=w, partition=partition))
              for i, w in enumerate(wheres)]
    return [p.problem for p in subgroup_problems(groups)]


def _number(a: float) -> str:
    return f"{float(a):g}"


@given(thresholds)
def test_at_least_and_below_the_same_threshold_is_a_partition(a):
    assert _problems(f"age_at_onset >= {a!r}", f"age_at_onset < {a!r}") == []


@given(thresholds)
def test_at_least_and_at_most_the_same_threshold_overlap_at_it(a):
    assert _problems(f"age_at_onset >= {a!r}", f"age_at_onset <= {a!r}") == [
        f"age_at_onset = {_number(a)} is in both g0 and g1 (partition p)"]


@given(thresholds)
def test_above_and_below_the_same_threshold_leave_it_out(a):
    assert _problems(f"age_at_onset > {a!r}", f"age_at_onset < {a!r}") == [
        f"age_at_onset = {_number(a)} is in none of g0, g1 (partition p)"]


@given(thresholds, thresholds)
def test_two_cuts_give_three_subgroups_that_partition(a, b):
    low, high = sorted((a, b))
    wheres = [f"age_at_onset < {low!r}", f"{low!r} <= age_at_onset < {high!r}",
              f"age_at_onset >= {high!r}"]
    if low == high:  # the middle subgroup is empty
        assert _problems(*wheres) == [f"no participant can be in g1: {wheres[1]!r} holds for no "
                                      "value"]
    else:
        assert _problems(*wheres) == []


_OPS = ["<", "<=", ">", ">="]
_atoms = st.one_of(
    st.tuples(st.sampled_from(_OPS), st.integers(0, 6)).map(lambda t: f"age_at_onset {t[0]} {t[1]}"),
    st.sampled_from(["sex == 'F'", "sex != 'F'", "sex in ['F', 'M']", "sex == 'M'"]))
_expressions = st.recursive(_atoms, lambda inner: st.tuples(inner, st.sampled_from(
    [" and ", " or "]), inner).map(lambda t: f"({t[0]}{t[1]}{t[2]})"), max_leaves=4)

# every value a participant could have, on a grid fine enough for integer constants
_GRID = [{"age_at_onset": x / 2, "sex": s} for x in range(-2, 16) for s in ("F", "M", "X")]


@settings(max_examples=150, deadline=None)
@given(_expressions, _expressions)
def test_overlaps_and_gaps_found_on_points_are_those_of_every_value(first, second):
    e1, e2 = Expression.parse(first), Expression.parse(second)
    truth = [(e1.evaluate(v), e2.evaluate(v)) for v in _GRID]
    empty = [not any(t[k] for t in truth) for k in (0, 1)]
    same = all(x == y for x, y in truth)
    problems = _problems(first, second)
    for k in (0, 1):
        assert any(p.startswith(f"no participant can be in g{k}:") for p in problems) == empty[k]
    assert any("same definition" in p for p in problems) == (same and not any(empty))
    assert any(" is in both " in p for p in problems) == (not same and any(x and y
                                                                          for x, y in truth))
    assert any(" is in none of " in p for p in problems) == any(not (x or y) for x, y in truth)


def test_points_of_a_text_column_hold_each_literal_and_another_value():
    points = representative_points([Expression.parse("sex in ['F', 'M']")])
    assert [p["sex"] for p in points][1:] == ["F", "M"] and len(points) == 3


def test_points_of_two_columns_are_their_product():
    points = representative_points([Expression.parse("age_at_onset < 18"),
                                    Expression.parse("sex == 'F'")])
    assert len(points) == 3 * 2
    assert set(itertools.chain.from_iterable(p.keys() for p in points)) == {"age_at_onset",
                                                                            "sex"}


def test_dates_are_compared_as_dates_and_shown_as_dates():
    assert _problems("enrolment_date < '2020-01-01'", "enrolment_date > '2020-01-01'") == [
        "enrolment_date = 2020-01-01 is in none of g0, g1 (partition p)"]


def test_a_partition_with_an_unreadable_member_is_not_judged():
    assert _problems("age_at_onset >= 18", "onset < 18") == [
        "unknown column(s) ['onset'] in 'onset < 18'"]


def test_subgroups_comparing_two_columns_are_left_to_the_data():
    assert _problems("age_at_onset >= weight_kg", "age_at_onset < 18") == []
