"""Eligibility criteria and population rules in the protocol: names, kinds, evaluation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.data.eligibility import assess_eligibility, meets_eligibility
from t1dtrial.protocol import Criterion, check_protocol_file, load_protocol
from t1dtrial.protocol.checks import protocol_problems
from t1dtrial.protocol.eligibility import eligibility_names
from t1dtrial.protocol.populations import Population, population_flag, protocol_populations

PROTRANS = Path(__file__).parents[1] / "protocols" / "protrans.yaml"


def _with(update: dict, name: str = "lu2021"):
    return load_protocol(name).model_copy(update=update)


def _problems_of(tmp_path, change) -> list[str]:
    data = yaml.safe_load(PROTRANS.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return [f"{p.column}: {p.problem} | {p.expected}" for p in check_protocol_file(path)]


def test_the_protrans_criteria_are_expressed_and_checked_clean():
    p = load_protocol(PROTRANS)
    assert [c.name for c in p.eligibility] == ["age", "recent_diagnosis", "fasting_cpeptide"]
    assert protocol_problems(p) == []


def test_an_unknown_name_is_refused_with_the_known_names(tmp_path):
    def change(d):
        d["eligibility"][0]["where"] = "bmi < 30"
    [problem] = _problems_of(tmp_path, change)
    assert problem.startswith("eligibility[0].where: unknown name(s) ['bmi'] in 'bmi < 30'")
    assert "age, age_at_onset, diabetes_duration_years" in problem
    assert "baseline_FCP" in problem and "baseline_CP120" in problem


def test_a_meal_sample_the_test_does_not_take_is_unknown(tmp_path):
    def change(d):
        d["eligibility"][2]["where"] = "baseline_CP45 > 0.1"
    [problem] = _problems_of(tmp_path, change)
    assert "unknown name(s) ['baseline_CP45']" in problem


@pytest.mark.parametrize("where, words", [
    ("age >= '18'", "compares the number age with '18'"),
    ("sex == 1", "compares the text sex with 1, which no text equals"),
    ("enrolment_date >= '2020-13-01'", "compares the date enrolment_date with '2020-13-01'"),
])
def test_a_constant_of_the_wrong_kind_is_refused(tmp_path, where, words):
    def change(d):
        d["eligibility"][0]["where"] = where
    [problem] = _problems_of(tmp_path, change)
    assert words in problem


def test_a_criterion_name_used_twice_is_refused(tmp_path):
    def change(d):
        d["eligibility"][1]["name"] = "age"
    assert any("criterion name 'age' used more than once" in p
               for p in _problems_of(tmp_path, change))


ages = st.one_of(st.none(), st.floats(0, 90, allow_nan=False))
bounds = st.integers(1, 80)


@settings(max_examples=60, deadline=None)
@given(st.lists(ages, min_size=1, max_size=8), bounds, bounds)
def test_each_participant_meets_fails_or_cannot_be_assessed_as_the_rule_says(values, low, high):
    p = _with({"eligibility": [Criterion(name="age", label="aged",
                                         where=f"age >= {low} and age <= {high}")]})
    facts = pd.DataFrame({"subject_id": [f"S{i}" for i in range(len(values))],
                          "age": pd.Series(values, dtype=float)})
    got = assess_eligibility(facts, p)["status"].tolist()
    want = ["not assessable" if v is None else ("met" if low <= v <= high else "not met")
            for v in values]
    assert got == want
    assert meets_eligibility(facts, p).tolist() == [w == "met" for w in want]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.floats(0, 2, allow_nan=False)),
                          st.sampled_from(["M", "F"])), min_size=1, max_size=8),
       st.floats(0.01, 1.5, allow_nan=False))
def test_criteria_are_all_met_only_when_each_is(rows, threshold):
    p = _with({"eligibility": [
        Criterion(name="fcp", label="fcp", where=f"baseline_FCP > {threshold!r}"),
        Criterion(name="women", label="women", where="sex == 'F'")]})
    facts = pd.DataFrame({"subject_id": [str(i) for i in range(len(rows))],
                          "baseline_FCP": pd.Series([r[0] for r in rows], dtype=float),
                          "sex": [r[1] for r in rows]})
    want = [v is not None and v > threshold and s == "F" for v, s in rows]
    assert meets_eligibility(facts, p).tolist() == want


def test_names_include_every_measured_baseline_and_the_meal_samples():
    names = eligibility_names((0, 30))
    assert {"age", "diabetes_duration_days", "baseline_HBA1C", "baseline_CP30"} <= set(names)
    assert names["enrolment_date"] == "date" and names["sex"] == "text"


# -- populations --------------------------------------------------------------------------

def test_a_protocol_without_rules_gets_the_standard_populations_and_flags():
    pops = protocol_populations(load_protocol("lu2021"))
    assert [(p.code, p.flag, p.reason_column) for p in pops] == [
        ("ENRL", "ENRLFL", ""), ("FAS", "FASFL", "FASREAS"), ("PP", "PPROTFL", "PPREAS"),
        ("SAF", "SAFFL", "SAFREAS")]
    assert pops[2].rule_expression == (
        "FAS and completed_primary_visit and received_all_planned_infusions")


def test_a_custom_population_has_its_own_flag():
    p = load_protocol(PROTRANS)
    assert [q.code for q in protocol_populations(p)] == ["ENRL", "FAS", "PP", "SAF", "mITT"]
    assert population_flag(p, "mITT") == "MITTFL"
    with pytest.raises(KeyError, match="expected one of ENRL, FAS, PP, SAF, mITT"):
        population_flag(p, "ITT")


@pytest.mark.parametrize("population, words", [
    ({"code": "ITT", "label": "ITT", "rule": "all"}, "population ITT has no rule"),
    ({"code": "ITT", "label": "ITT", "rule": "r", "where": "enrolled and bmi > 2"},
     "unknown name(s) ['bmi']"),
    ({"code": "ITT", "label": "ITT", "rule": "r", "where": "ITT and enrolled"},
     "ITT names itself"),
])
def test_a_population_rule_that_cannot_be_evaluated_is_refused(tmp_path, population, words):
    def change(d):
        d["populations"].append(population)
    assert any(words in p for p in _problems_of(tmp_path, change))


def test_populations_that_name_each_other_in_a_circle_are_refused(tmp_path):
    def change(d):
        d["populations"] += [{"code": "A", "label": "A", "rule": "a", "where": "B and enrolled"},
                             {"code": "B", "label": "B", "rule": "b", "where": "A"}]
    assert any("populations A, B name each other in a circle" in p
               for p in _problems_of(tmp_path, change))


def test_a_population_rule_may_use_adsl_covariates(tmp_path):
    def change(d):
        d["populations"].append({"code": "ADLT", "label": "Adults", "rule": "adult FAS",
                                 "where": "FAS and AGE >= 18 and SEX in ['M', 'F']"})
    assert _problems_of(tmp_path, change) == []


def test_population_codes_longer_than_four_characters_are_refused():
    with pytest.raises(ValueError, match="should match pattern"):
        Population(code="MODITT", label="x", rule="x", where="enrolled")


def test_eligibility_values_are_compared_as_numbers_not_text():
    p = _with({"eligibility": [Criterion(name="age", label="a", where="age < 9")]})
    facts = pd.DataFrame({"subject_id": ["a", "b"], "age": [10.0, 8.5]})
    assert meets_eligibility(facts, p).tolist() == [False, True]
    assert np.asarray(assess_eligibility(facts, p)["value"]).tolist() == [
        "age = 10 years", "age = 8.5 years"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.dates(pd.Timestamp("2015-01-01").date(),
                                   pd.Timestamp("2025-12-31").date()),
                          st.sampled_from(["F", "M", None])), min_size=1, max_size=6),
       st.dates(pd.Timestamp("2016-01-01").date(), pd.Timestamp("2024-12-31").date()))
def test_dates_and_text_are_compared_as_written_and_missing_is_not_assessable(rows, cut):
    from t1dtrial.data.eligibility import eligibility_facts

    p = _with({"eligibility": [Criterion(
        name="d", label="d", where=f"enrolment_date >= '{cut.isoformat()}' and sex in ['F']")]})
    subjects = pd.DataFrame({
        "subject_id": [str(i) for i in range(len(rows))], "sex": [r[1] for r in rows],
        "age_at_onset": 20.0, "diagnosis_date": pd.Timestamp("2014-01-01"),
        "enrolment_date": pd.to_datetime([r[0] for r in rows])})
    m = pd.DataFrame(columns=["subject_id", "visit", "param", "value"])
    got = assess_eligibility(eligibility_facts(subjects, m, p), p)["status"].tolist()
    want = ["not assessable" if s is None else ("met" if d >= cut and s == "F" else "not met")
            for d, s in rows]
    assert got == want


@pytest.mark.parametrize("where", ["age >= 40 and age < 18",
                                   "baseline_FCP < 0 and baseline_FCP > 1",
                                   "sex == 'F' and sex == 'M'"])
def test_a_criterion_no_participant_can_meet_is_refused(tmp_path, where):
    def change(d):
        d["eligibility"][0]["where"] = where
    [problem] = _problems_of(tmp_path, change)
    assert f"no participant can meet age: {where!r} holds for no value" in problem


def test_a_criterion_some_participants_meet_is_not_refused(tmp_path):
    def change(d):
        d["eligibility"][0]["where"] = "age >= 18 and age <= 18"
    assert _problems_of(tmp_path, change) == []


def test_a_population_code_that_is_a_covariate_is_refused(tmp_path):
    def change(d):
        d["populations"].append({"code": "AGE", "label": "x", "rule": "x", "where": "enrolled"})
    assert any("AGE is the name of an ADSL covariate" in p for p in _problems_of(tmp_path, change))
