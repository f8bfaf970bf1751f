"""The analysis_plan section: parsing, defaults, the YAML `protocol show` prints, and its checks."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
import pytest
from pydantic import ValidationError

from t1dtrial.analysis.methods import resolve
from t1dtrial.protocol import check_protocol_file, list_protocols, load_protocol, protocol_source
from t1dtrial.protocol.describe import describe_protocol
from t1dtrial.protocol.plan import (PlannedAnalysis, default_plan, plan_yaml, primary_analysis)

PACKAGED = list_protocols()


def _without_plan(name: str) -> str:
    text = protocol_source(name)[1]
    return text[:text.index("\n# The statistical analysis plan")] + "\n"


def _write(tmp_path, text: str):
    path = tmp_path / "trial.yaml"
    path.write_text(text, encoding="utf-8")
    return path


#: Packaged protocols whose plan adds analyses to the default one, and the analyses added.
ADDED = {"dosefinding": ["remission_dose_response", "fcp_dose_response"]}


@pytest.mark.parametrize("name", PACKAGED)
def test_packaged_protocols_spell_out_the_default_plan(name, tmp_path):
    written = load_protocol(name)
    implied = load_protocol(_write(tmp_path, _without_plan(name)))
    assert not written.plan_is_default and implied.plan_is_default
    added = ADDED.get(name, [])
    assert [a for a in written.plan if a.name not in added] == implied.plan == default_plan(written)
    assert [a.comparisons for a in written.plan if a.name in added] == ["dose-response"] * len(added)


@pytest.mark.parametrize("name", PACKAGED)
def test_the_plan_protocol_show_prints_parses_back_to_the_same_plan(name):
    protocol = load_protocol(name)
    text = describe_protocol(protocol)
    block = text[text.index("analysis_plan:"):text.index("\nASSUMPTIONS")]
    parsed = [PlannedAnalysis.model_validate(a)
              for a in yaml.safe_load(block)["analysis_plan"]]
    assert parsed == protocol.plan


def test_a_protocol_file_without_a_plan_still_loads_and_gets_todays_analyses(tmp_path):
    protocol = load_protocol(_write(tmp_path, _without_plan("lu2021")))
    plan = {a.name: a for a in protocol.plan}
    assert primary_analysis(protocol.plan).name == "primary"
    assert plan["primary"].method == "fisher"
    # left out: the responder's missing-data rule and the covariates follow `analysis`
    assert plan["primary"].missing_data is None and plan["sensitivity"].covariates is None
    assert resolve(plan["primary"], protocol).missing_data == "non-responder"
    assert plan["adverse_events"].population == "SAF"
    assert {a.output_table for a in protocol.plan} >= {
        "secondary_endpoints", "secondary_responders", "mmrm", "logistic_regression",
        "adverse_events", "insulin_independence", "sensitivity"}
    assert [a.endpoint for a in protocol.plan if a.method == "continuous-summary"] == [
        "fcp_change", "pcp_change", "fcp_pchg", "pcp_pchg", "hba1c_change", "insulin_change"]


def test_the_default_primary_follows_the_endpoint_and_the_arms():
    assert primary_analysis(load_protocol("carlsson2015").plan).method == "ancova"
    assert primary_analysis(load_protocol("nasli2015").plan).method == "within-arm-t"
    chisq = load_protocol("lu2021").model_copy(deep=True)
    options = chisq.analysis.model_copy(update={"primary_test": "chisq"})
    assert default_plan(chisq.model_copy(update={"analysis": options}))[0].method == "chisq"


_CODE = st.from_regex(r"[A-Z][A-Z0-9]{0,5}", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(visits=st.one_of(_CODE, st.lists(_CODE, min_size=1, max_size=4)),
       pairs=st.one_of(st.sampled_from(["all-vs-control", "dose-response"]),
                       st.lists(st.tuples(_CODE, _CODE), min_size=1, max_size=3)),
       level=st.one_of(st.none(), st.floats(0.5, 0.999)),
       role=st.sampled_from(["primary", "key-secondary", "secondary", "sensitivity",
                             "exploratory", "safety"]))
def test_an_analysis_reads_back_from_its_yaml(visits, pairs, level, role):
    a = PlannedAnalysis(name="a_b", role=role, endpoint="remission", visits=visits,
                        comparisons=pairs, method="fisher", conf_level=level)
    assert a.visits == ([visits] if isinstance(visits, str) else visits)
    again = yaml.safe_load(plan_yaml([a]))["analysis_plan"]
    assert [PlannedAnalysis.model_validate(x) for x in again] == [a]


@pytest.mark.parametrize("entry, message", [
    ({"name": "x", "method": "fisher", "strategy": "composite"}, "Extra inputs"),
    ({"name": "x", "method": "fisher", "conf_level": 95}, "at least 0.5 and below 1"),
    ({"name": "X", "method": "fisher"}, "pattern"),
    ({"name": "x", "method": "fisher", "missing_data": "LOCF"}, "non-responder"),
    ({"name": "x", "method": "fisher", "comparisons": "pairwise"}, "all-vs-control"),
])
def test_a_malformed_analysis_is_refused_with_what_is_expected(entry, message):
    with pytest.raises(ValidationError, match=message):
        PlannedAnalysis.model_validate(entry)


def test_protocol_check_names_unknown_names_with_the_known_ones(tmp_path):
    text = _without_plan("lu2021") + """
analysis_plan:
  - name: primary
    role: primary
    endpoint: remision
    population: ITT
    visits: [M13]
    comparisons: [[MSC, PLACEBO]]
    method: fishr
  - name: primary
    role: primary
    endpoint: remission
    method: fisher
"""
    found = {p.column: (p.problem, p.expected) for p in check_protocol_file(_write(tmp_path, text))}
    assert found["analysis_plan[0].endpoint"][0] == "unknown endpoint 'remision'"
    assert "remission" in found["analysis_plan[0].endpoint"][1]
    assert found["analysis_plan[0].method"][0] == "unknown method 'fishr'"
    assert "fisher" in found["analysis_plan[0].method"][1]
    assert "FAS" in found["analysis_plan[0].population"][1]
    assert "M12" in found["analysis_plan[0].visits[0]"][1]
    assert found["analysis_plan[0].comparisons[0][1]"] == ("unknown arm 'PLACEBO'",
                                                          "one of MSC, CONTROL")
    assert found["analysis_plan[1].name"][0] == "analysis name 'primary' used twice"
    assert found["analysis_plan[1].role"][0] == "a second primary analysis"
