"""Protocol models, loading with located errors, and the packaged protocols."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from t1dtrial.errors import ProtocolError
from t1dtrial.protocol import (
    check_protocol_file,
    list_protocols,
    load_protocol,
    protocol_hash,
    protocol_source,
)
from t1dtrial.protocol.models import InsulinIndependenceEndpoint, PercentRiseEndpoint


def _lu2021_dict() -> dict:
    return yaml.safe_load(protocol_source("lu2021")[1])


def _write(tmp_path: Path, data: dict | str, name: str = "trial.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False),
                    encoding="utf-8")
    return path


def test_packaged_protocols_are_listed_and_valid():
    assert list_protocols() == ["cai2016", "carlsson2015", "dosefinding", "hu2013", "lu2021",
                                "nasli2015", "protrans2023"]
    for name in list_protocols():
        assert check_protocol_file(name) == []


def test_lu2021_encodes_the_reference_study():
    p = load_protocol("lu2021")
    assert p.arm_codes == ["MSC", "CONTROL"]
    assert [a.planned_n for a in p.arms] == [27, 26]
    assert p.visit_codes == ["BL", "M1", "M3", "M6", "M9", "M12"]
    assert [(i.number, i.visit, i.arms) for i in p.infusions] == [(1, "BL", ["MSC"]), (2, "M3", ["MSC"])]
    ep = p.primary_endpoint
    assert isinstance(ep, PercentRiseEndpoint)
    assert (ep.params, ep.combine, ep.threshold_pct, ep.comparison, ep.visit) == (
        ["FCP", "PCP"], "any", 10, ">=", "M12")
    assert [(s.name, s.where) for s in p.subgroups] == [
        ("adult_onset", "age_at_onset >= 18"), ("juvenile_onset", "age_at_onset < 18")]


def test_lu2021_labels_what_the_abstract_does_not_state_as_assumptions():
    paths = [path for path, _ in load_protocol("lu2021").assumptions()]
    # intermediate visits, the dose, the meal test, the >= reading and the tests are assumed
    assert "visits[1]" in paths and "visits[3]" in paths and "visits[4]" in paths
    assert "infusions[0].dose" in paths
    assert "meal_test" in paths
    assert "endpoints.primary" in paths
    assert "analysis" in paths


def test_mmtt_protocol_expresses_auc_endpoint_and_sampling_minutes():
    p = load_protocol("carlsson2015")
    assert p.meal_test.kind == "MMTT"
    assert p.meal_test.minutes == [0, 15, 30, 60, 90, 120]
    assert p.primary_endpoint.param == "CPMAUC"
    assert p.primary_endpoint.transform == "log1p"
    assert p.design.allocation == "randomised"


def test_conditional_redosing_protocol_expresses_the_condition():
    p = load_protocol("nasli2015")
    assert p.design.allocation == "single-arm"
    assert p.infusions[1].condition == "INSULIN > 0"
    assert any(isinstance(e, InsulinIndependenceEndpoint) for e in p.all_endpoints)


def test_protocol_hash_ignores_yaml_formatting(tmp_path):
    reformatted = _write(tmp_path, _lu2021_dict())
    assert protocol_hash(load_protocol(reformatted)) == protocol_hash(load_protocol("lu2021"))
    changed = _lu2021_dict()
    changed["analysis"]["alpha"] = 0.1
    assert protocol_hash(load_protocol(_write(tmp_path, changed, "b.yaml"))) != protocol_hash(
        load_protocol("lu2021"))


def test_unknown_visit_in_endpoint_is_reported_with_line(tmp_path):
    text = protocol_source("lu2021")[1].replace("    visit: M12\n    assumption: >-",
                                                "    visit: M18\n    assumption: >-", 1)
    path = _write(tmp_path, text)
    problems = check_protocol_file(path)
    assert len(problems) == 1
    p = problems[0]
    assert p.column == "endpoints.primary.visit"
    assert "unknown visit 'M18'" in p.problem
    assert text.splitlines()[p.row - 1].strip() == "visit: M18"


def test_overlapping_windows_are_reported(tmp_path):
    data = _lu2021_dict()
    data["visits"][4]["window"] = [-80, 21]
    problems = check_protocol_file(_write(tmp_path, data))
    assert [p.column for p in problems] == ["visits[4].window"]
    assert "overlaps window of M6" in problems[0].problem


def test_subgroup_naming_unknown_column_is_reported(tmp_path):
    data = _lu2021_dict()
    data["subgroups"][0]["where"] = "onset_age >= 18"
    problems = check_protocol_file(_write(tmp_path, data))
    assert [p.column for p in problems] == ["subgroups[0].where"]
    assert "unknown column(s) ['onset_age']" in problems[0].problem


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    data = _lu2021_dict()
    data["infusions"][1]["visit"] = "M4"
    data["infusions"][0]["arms"] = ["CONTROL"]
    data["endpoints"]["primary"]["params"] = ["FCP", "LDL"]
    data["analysis"]["predictor_arms"] = ["CELLS"]
    problems = check_protocol_file(_write(tmp_path, data))
    text = "\n".join(str(p) for p in problems)
    assert "unknown visit 'M4'" in text
    assert "'CONTROL' is standard care and cannot receive infusions" in text
    assert "unknown parameter 'LDL'" in text
    assert "unknown arm 'CELLS'" in text
    assert len(problems) == 4


def test_field_type_errors_name_file_line_and_field(tmp_path):
    data = _lu2021_dict()
    data["arms"][1]["kind"] = "usual-care"
    data["visits"][2]["day"] = "ninety"
    del data["title"]
    data["colour"] = "blue"
    path = _write(tmp_path, data)
    with pytest.raises(ProtocolError) as info:
        load_protocol(path)
    by_field = {p.column: p for p in info.value.problems}
    assert by_field["arms[1].kind"].value == "usual-care"
    assert "'standard-care'" in by_field["arms[1].kind"].expected
    assert by_field["visits[2].day"].value == "ninety"
    assert by_field["title"].problem == "required field is missing"
    assert by_field["colour"].problem == "unknown field"
    lines = path.read_text().splitlines()
    assert "kind: usual-care" in lines[by_field["arms[1].kind"].row - 1]


def test_dose_needs_exactly_one_rule(tmp_path):
    data = _lu2021_dict()
    data["infusions"][0]["dose"] = {"per_kg": 1e6, "total": 1e8}
    problems = check_protocol_file(_write(tmp_path, data))
    assert any("exactly one of per_kg" in p.problem for p in problems)


def test_invalid_yaml_and_missing_file_are_protocol_errors(tmp_path):
    bad = _write(tmp_path, "id: x\narms: [\n")
    with pytest.raises(ProtocolError, match=r"trial.yaml:\d+: not valid YAML"):
        load_protocol(bad)
    with pytest.raises(ProtocolError, match="no such protocol file or packaged protocol"):
        load_protocol(tmp_path / "nope.yaml")
