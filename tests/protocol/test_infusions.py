"""Infusions: a dose per arm, several products, sham infusions of placebo arms (models, checks, show)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from t1dtrial.errors import ProtocolError
from t1dtrial.protocol import Infusion, check_protocol_file, load_protocol
from t1dtrial.protocol.describe import describe_infusion, describe_protocol

TRIALS = Path(__file__).parent / "trials"


def _yaml(name: str) -> dict:
    return yaml.safe_load((TRIALS / f"{name}.yaml").read_text(encoding="utf-8"))


def _problems(tmp_path: Path, data: dict) -> list:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return check_protocol_file(path)


# -- models ------------------------------------------------------------------------------------

def test_a_dose_per_arm_in_one_scheduled_infusion():
    p = load_protocol(str(TRIALS / "dosefinding.yaml"))
    assert [(i.number, i.visit, i.treated_arms) for i in p.infusions] == [
        (1, "BL", ["LOW", "HIGH"]), (2, "M3", ["LOW", "HIGH"])]
    assert [(d.arm, d.dose.per_kg) for d in p.infusions[1].planned_doses()] == [
        ("LOW", 1e6), ("HIGH", 3e6)]
    assert p.infusions[0].dose_for("CONTROL") is None


def test_arms_and_dose_keep_working_for_every_packaged_protocol():
    for name in ("lu2021", "carlsson2015", "nasli2015"):
        for inf in load_protocol(name).infusions:
            assert inf.treated_arms == inf.arms and inf.dose_for(inf.arms[0]) == inf.dose


def test_products_each_have_their_dose_and_are_not_summed_unless_said():
    inf = load_protocol(str(TRIALS / "cai2016.yaml")).infusions[0]
    assert inf.product_names == ["MSC", "MNC"] and not inf.summed
    assert [(d.arm, d.product, d.dose.per_kg) for d in inf.planned_doses()] == [
        ("STEM", "MSC", 1.1e6), ("STEM", "MNC", 106.8e6)]
    assert Infusion(**{**inf.model_dump(), "sum_products": True}).summed


def test_a_product_may_have_a_dose_per_arm():
    inf = Infusion(number=1, visit="BL", products=[
        {"name": "MSC", "label": "MSC", "doses": {"LOW": {"per_kg": 1e6}, "HIGH": {"per_kg": 3e6}}},
        {"name": "MNC", "label": "MNC", "doses": {"LOW": {"per_kg": 5e7}, "HIGH": {"per_kg": 5e7}}}])
    assert inf.treated_arms == ["LOW", "HIGH"]
    assert inf.dose_for("HIGH", "MSC").per_kg == 3e6 and inf.dose_for("HIGH", "MNC").per_kg == 5e7


def test_a_sham_arm_gets_no_dose():
    inf = load_protocol(str(TRIALS / "protrans.yaml")).infusions[0]
    assert inf.given_arms == ["MSC", "PLACEBO"]
    sham = [d for d in inf.planned_doses() if d.arm == "PLACEBO"]
    assert len(sham) == 1 and sham[0].sham and inf.dose_for("PLACEBO") is None


@pytest.mark.parametrize("fields, words", [
    ({"arms": ["A"]}, "arms without a dose"),
    ({"dose": {"per_kg": 1e6}}, "a dose without arms"),
    ({"arms": ["A"], "dose": {"per_kg": 1e6}, "doses": {"A": {"per_kg": 1e6}}},
     r"either arms \+ dose or doses"),
    ({"doses": {}}, "doses names no arm"),
    ({}, "says who gets it in none of its forms"),
    ({"products": []}, "products lists no product"),
    ({"products": [{"name": "MSC", "label": "x", "dose": {"per_kg": 1e6}}]},
     "the infusion lists no arms"),
    ({"arms": ["A"], "dose": {"per_kg": 1e6},
      "products": [{"name": "MSC", "label": "x", "dose": {"per_kg": 1e6}}]},
     "gives each product its dose"),
    ({"arms": ["A"], "products": [{"name": "MSC", "label": "x", "dose": {"per_kg": 1e6}},
                                  {"name": "MSC", "label": "y", "dose": {"per_kg": 1e6}}]},
     "repeat"),
    ({"products": [{"name": "MSC", "label": "x", "doses": {"A": {"per_kg": 1e6}}},
                   {"name": "MNC", "label": "y", "doses": {"B": {"per_kg": 1e6}}}]},
     "name different arms"),
])
def test_an_infusion_gives_exactly_one_form(fields, words):
    with pytest.raises(ValidationError, match=words):
        Infusion(number=1, visit="BL", **fields)


@given(st.text(min_size=1, max_size=6))
def test_a_product_code_is_one_to_four_capitals_or_digits(name):
    ok = name[0].isascii() and name[0].isupper() and len(name) <= 4 and all(
        c.isascii() and (c.isupper() or c.isdigit()) for c in name)
    try:
        Infusion(number=1, visit="BL", arms=["A"],
                 products=[{"name": name, "label": "x", "dose": {"per_kg": 1e6}}])
    except ValidationError:
        assert not ok
    else:
        assert ok


@given(low=st.floats(1e3, 1e9), high=st.floats(1e5, 1e11))
def test_any_plausible_doses_per_arm_are_kept_as_written(low, high):
    inf = Infusion(number=1, visit="BL", doses={"LOW": {"per_kg": low}, "HIGH": {"total": high}})
    assert inf.dose_for("LOW").per_kg == low and inf.dose_for("HIGH").total == high


# -- protocol check ------------------------------------------------------------------------------

def test_infusions_numbered_per_arm_with_gaps_are_a_problem_naming_the_natural_form(tmp_path):
    data = _yaml("dosefinding")
    data["infusions"] = [
        {"number": 1, "visit": "BL", "arms": ["LOW"], "dose": {"per_kg": 1e6}},
        {"number": 2, "visit": "BL", "arms": ["HIGH"], "dose": {"per_kg": 3e6}},
        {"number": 3, "visit": "M3", "arms": ["LOW"], "dose": {"per_kg": 1e6}},
        {"number": 4, "visit": "M3", "arms": ["HIGH"], "dose": {"per_kg": 3e6}}]
    problems = _problems(tmp_path, data)
    text = {p.value: p for p in problems}
    assert set(text) == {"LOW", "HIGH"}
    assert text["LOW"].problem == ("arm LOW's infusions are numbered 1, 3, but a participant's "
                                   "infusions are numbered 1, 2, ... in infusions.csv")
    assert "doses: {LOW: {per_kg: 1.0e+06}" in text["LOW"].expected.replace("1.0e+6", "1.0e+06")


def test_two_entries_with_one_number_are_a_problem(tmp_path):
    data = _yaml("dosefinding")
    data["infusions"] = [
        {"number": 1, "visit": "BL", "arms": ["LOW"], "dose": {"per_kg": 1e6}},
        {"number": 1, "visit": "BL", "arms": ["HIGH"], "dose": {"per_kg": 3e6}}]
    [problem] = _problems(tmp_path, data)
    assert problem.problem == "infusion numbers [1, 1] are not unique and increasing"
    assert "a dose per arm (doses: {ARM: {per_kg: ...}})" in problem.expected


def test_a_placebo_arm_left_out_of_every_infusion_is_a_problem_naming_the_fix(tmp_path):
    data = _yaml("protrans")
    del data["infusions"][0]["sham_arms"]
    [problem] = _problems(tmp_path, data)
    assert problem.column == "infusions" and problem.value == "PLACEBO"
    assert "never infused and not in the safety set" in problem.problem
    assert problem.expected.startswith("sham_arms: [PLACEBO]")


def test_a_placebo_arm_given_a_dose_is_a_problem_naming_sham_arms(tmp_path):
    data = _yaml("protrans")
    inf = data["infusions"][0]
    del inf["sham_arms"]
    inf["arms"] = ["MSC", "PLACEBO"]
    [problem] = _problems(tmp_path, data)
    assert problem.column == "infusions[0].arms"
    assert problem.problem == "arm 'PLACEBO' is a placebo arm, which is given no cells"
    assert problem.expected.startswith("sham_arms: [PLACEBO]")


def test_a_sham_infusion_of_an_arm_that_is_not_placebo_is_a_problem(tmp_path):
    data = _yaml("dosefinding")
    data["infusions"][0]["sham_arms"] = ["CONTROL"]
    problems = _problems(tmp_path, data)
    assert [p.column for p in problems] == ["infusions[0].sham_arms[0]"]
    assert "only to placebo arms" in problems[0].problem


@pytest.mark.parametrize("path, where", [
    (("doses",), "infusions[0].doses.MIDDLE"),
    (("products", 0, "doses"), "infusions[0].products[0].doses.MIDDLE"),
])
def test_an_unknown_arm_in_doses_is_located(tmp_path, path, where):
    data = _yaml("dosefinding") if path[0] == "doses" else _yaml("cai2016")
    inf = data["infusions"][0]
    if path[0] == "doses":
        inf["doses"]["MIDDLE"] = {"per_kg": 2e6}
    else:
        del inf["arms"]
        for product in inf["products"]:
            product["doses"] = {"MIDDLE": product.pop("dose")}
    problems = [p for p in _problems(tmp_path, data) if p.column == where]
    assert problems and problems[0].problem == "unknown arm 'MIDDLE'"


_SECTIONS = [_yaml(n)["infusions"] for n in ("dosefinding", "cai2016", "protrans")]


def _leaves(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _leaves(value, path + (i,))
    yield path


_JUNK = st.sampled_from([None, "x", "PLACEBO", "CONTROL", -1, 0, 1.48, 1.0e13, True, [], {},
                         ["LOW"], {"LOW": 1}, {"per_kg": 1e6}, {"LOW": {"per_kg": 1e6}}])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(range(3)), st.data())
def test_any_wrong_infusion_gives_located_problems_never_an_exception(tmp_path, which, data):
    name = ("dosefinding", "cai2016", "protrans")[which]
    doc = _yaml(name)
    paths = [p for p in _leaves(doc["infusions"]) if p]
    for path in data.draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3)):
        node = doc["infusions"]
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = data.draw(_JUNK)
        except (KeyError, IndexError, TypeError):
            continue
    problems = _problems(tmp_path, copy.deepcopy(doc))
    assert all(p.file == "p.yaml" and p.problem for p in problems)
    assert all("\n" not in str(p) for p in problems)


def test_the_three_trial_protocols_are_valid():
    for name in ("dosefinding", "cai2016", "protrans"):
        assert check_protocol_file(TRIALS / f"{name}.yaml") == []


# -- protocol show ---------------------------------------------------------------------------------

def test_show_prints_a_dose_per_arm():
    text = describe_protocol(load_protocol(str(TRIALS / "dosefinding.yaml")))
    assert ("  #1 at BL, intravenous:\n    LOW: 1e+06 cells/kg\n    HIGH: 3e+06 cells/kg"
            in text)
    assert "CONTROL: " not in text.split("Infusions")[1]


def test_show_prints_each_product_and_says_whether_they_are_summed():
    inf = load_protocol(str(TRIALS / "cai2016.yaml")).infusions[0]
    [line] = describe_infusion(inf)
    assert line == ("STEM: Umbilical-cord mesenchymal stromal cells (MSC) 1.1e+06 cells/kg + "
                    "Autologous bone-marrow mononuclear cells (MNC) 1.07e+08 cells/kg; "
                    "reported separately")
    summed = Infusion(**{**inf.model_dump(), "sum_products": True})
    assert describe_infusion(summed)[0].endswith("; summed into one dose")


def test_show_never_says_placebo_gets_cells():
    text = describe_protocol(load_protocol(str(TRIALS / "protrans.yaml")))
    lines = [x for x in text.splitlines() if "PLACEBO" in x and "cells" in x]
    assert lines == ["    PLACEBO: sham infusion, no cells (placebo)"]
    assert "    MSC: 1e+08 cells in total" in text


def test_a_protocol_with_a_problem_is_refused_on_load(tmp_path):
    data = _yaml("protrans")
    del data["infusions"][0]["sham_arms"]
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ProtocolError, match="sham_arms"):
        load_protocol(str(path))


def _cai_with_predictors(covariates: list[str], sum_products: bool = False) -> dict:
    data = _yaml("cai2016")
    data["endpoints"]["primary"] = {"kind": "threshold", "name": "auc_responder",
                                    "label": "C-peptide AUC >= 60 nmol/L x min", "param": "CPAUC",
                                    "comparison": ">=", "value": 60, "unit": "nmol/L x min",
                                    "visit": "M12"}
    data["analysis"] = {"predictor_arms": ["STEM"], "predictor_covariates": covariates}
    data["infusions"][0]["sum_products"] = sum_products
    return data


def test_product_doses_are_covariates_of_adsl(tmp_path):
    assert _problems(tmp_path, _cai_with_predictors(["BFCP", "CUMDMSC", "DOSE1MNC"])) == []


@pytest.mark.parametrize("name, columns", [("CUMDOSE", "CUMDMSC, CUMDMNC"),
                                           ("DOSE1", "DOSE1MSC, DOSE1MNC")])
def test_a_dose_of_products_reported_separately_is_not_a_covariate(tmp_path, name, columns):
    [problem] = _problems(tmp_path, _cai_with_predictors(["BFCP", name]))
    assert problem.column == "analysis.predictor_covariates[1]"
    assert problem.problem == (f"{name} is not derived: infusion 1 gives several products "
                               "whose doses are reported separately")
    assert problem.expected == (f"a product's dose ({columns}), or sum_products: true on the "
                                "infusion")
    assert _problems(tmp_path, _cai_with_predictors(["BFCP", name], sum_products=True)) == []


@pytest.mark.parametrize("name", ["dosefinding", "cai2016", "protrans"])
def test_each_form_survives_the_json_round_trip_of_the_study_database(name):
    from t1dtrial.protocol import Protocol

    p = load_protocol(str(TRIALS / f"{name}.yaml"))
    assert Protocol.model_validate_json(p.model_dump_json()) == p


def test_both_forms_in_one_infusion_are_located_on_its_line(tmp_path):
    data = _yaml("dosefinding")
    data["infusions"][1]["arms"] = ["LOW"]
    data["infusions"][1]["dose"] = {"per_kg": 1e6}
    [problem] = _problems(tmp_path, data)
    assert problem.column.startswith("infusions[1]") and problem.row is not None
    assert "either arms + dose or doses (a dose per arm), not both" in problem.problem
