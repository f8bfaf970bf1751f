"""Multiplicity: nominal p-values are labelled; Holm and the fixed sequence over key endpoints."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml

from t1dtrial.analysis import analyze
from t1dtrial.analysis.multiplicity import NOMINAL, PRIMARY, adjust
from t1dtrial.datasets import load_lu2021
from t1dtrial.errors import T1DTrialWarning
from t1dtrial.protocol import check_protocol_file, protocol_source

REF = Path(__file__).parents[1] / "reference" / "fixtures" / "multiplicity.json"
KEY = ["fcp_pchg", "pcp_change", "dcct_responder", "remission"]


def _analyze_with(procedure: str, endpoints: list[str]):
    trial = load_lu2021()
    rule = trial.protocol.analysis.multiplicity.model_copy(
        update={"procedure": procedure, "endpoints": endpoints})
    analysis = trial.protocol.analysis.model_copy(update={"multiplicity": rule})
    protocol = trial.protocol.model_copy(update={"analysis": analysis})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", T1DTrialWarning)
        return analyze(dataclasses.replace(trial, protocol=protocol))


@pytest.fixture(scope="module")
def default():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", T1DTrialWarning)
        return analyze(load_lu2021())


@pytest.fixture(scope="module")
def holm():
    return _analyze_with("holm", KEY)


@pytest.fixture(scope="module")
def sequence():
    return _analyze_with("fixed-sequence", KEY)


# --------------------------------------------------------------------------- the procedures
@pytest.mark.parametrize("record", json.loads(REF.read_text())["records"],
                         ids=lambda r: r["dataset"])
def test_holm_adjusted_p_values_are_those_of_r(record):
    adjusted, decisions = adjust(record["p"], "holm", 0.05)
    assert adjusted == pytest.approx(record["adjusted"], rel=1e-12), record["r_call"]
    assert decisions == ["reject" if p <= 0.05 else "not rejected" for p in record["adjusted"]]


@pytest.mark.parametrize(("p", "adjusted", "decisions"), [
    ([0.01, 0.02, 0.04], [0.01, 0.02, 0.04], ["reject"] * 3),
    ([0.04, 0.01, 0.2, 0.001], [0.04, 0.04, 0.2, 0.2],
     ["reject", "reject", "not rejected", "not tested (sequence stopped)"]),
    ([0.2, 0.001], [0.2, 0.2], ["not rejected", "not tested (sequence stopped)"]),
    ([0.05, 0.05], [0.05, 0.05], ["reject", "reject"]),  # at alpha is a rejection
    ([0.01, math.nan, 0.001], [0.01, math.nan, 1.0],
     ["reject", "not tested (not estimable)", "not tested (sequence stopped)"]),
])
def test_the_fixed_sequence_stops_at_the_first_hypothesis_not_rejected(p, adjusted, decisions):
    got, said = adjust(p, "fixed-sequence", 0.05)
    assert got == pytest.approx(adjusted, nan_ok=True)
    assert said == decisions


def test_holm_counts_a_p_value_not_estimable_as_one_in_the_family():
    got, said = adjust([0.02, math.nan], "holm", 0.05)
    assert got[0] == pytest.approx(0.04) and math.isnan(got[1])
    assert said == ["reject", "not tested (not estimable)"]


def test_the_order_matters_in_a_fixed_sequence_not_in_holm():
    assert adjust([0.01, 0.3], "fixed-sequence", 0.05)[1] == ["reject", "not rejected"]
    assert adjust([0.3, 0.01], "fixed-sequence", 0.05)[1] == [
        "not rejected", "not tested (sequence stopped)"]
    assert adjust([0.3, 0.01], "holm", 0.05)[0] == pytest.approx([0.3, 0.02])


# --------------------------------------------------------------------------- in the plan
def test_without_a_procedure_every_secondary_p_value_is_nominal(default):
    assert "multiplicity" not in default.tables
    for name in ("secondary_endpoints", "secondary_responders", "mmrm", "logistic_regression",
                 "adverse_events", "sensitivity", "primary_interaction"):
        t = default[name]
        with_p = t["p_value"].notna()
        assert with_p.any(), name
        assert (t.loc[with_p, "multiplicity"] == NOMINAL).all(), name
        assert t.loc[~with_p, "multiplicity"].isna().all(), name


def test_the_primary_comparison_in_all_subjects_is_the_one_primary_hypothesis(default):
    t = default["primary_comparison"].set_index("subgroup")
    assert t.at["all", "multiplicity"] == PRIMARY
    assert (t.drop(index="all")["multiplicity"] == NOMINAL).all()
    assert t["p_adjusted"].isna().all() and t["decision"].isna().all()


def test_holm_over_key_endpoints_tests_the_documented_p_values(holm, default):
    m = holm["multiplicity"].set_index("endpoint")
    assert list(m.index) == KEY
    s = default["secondary_endpoints"]
    at = (s["visit"] == "M12") & (s["subgroup"] == "all") & (s["group"] == "MSC - CONTROL")
    pchg = s.loc[at & (s["endpoint"] == "fcp_pchg") & (s["analysis"] == "mann_whitney")]
    change = s.loc[at & (s["endpoint"] == "pcp_change") & (s["analysis"] == "ancova")]
    assert m.at["fcp_pchg", "p_value"] == pchg["p_value"].item()
    assert m.at["pcp_change", "p_value"] == change["p_value"].item()
    comp = default["primary_comparison"].set_index("subgroup")
    assert m.at["remission", "p_value"] == comp.at["all", "p_value"]
    adjusted, decisions = adjust(m["p_value"].tolist(), "holm", 0.05)
    assert m["p_adjusted"].tolist() == pytest.approx(adjusted)
    assert m["decision"].tolist() == decisions == ["not rejected"] * 4


def test_the_tested_rows_carry_their_adjusted_p_value_and_decision(holm):
    m = holm["multiplicity"].set_index("endpoint")
    s = holm["secondary_endpoints"]
    tested = s.loc[s["p_adjusted"].notna()]
    assert sorted(tested["endpoint"]) == ["fcp_pchg", "pcp_change"]
    for rec in tested.itertuples():
        assert rec.p_adjusted == m.at[rec.endpoint, "p_adjusted"]
        assert rec.decision == m.at[rec.endpoint, "decision"]
        assert "Holm step-down over 4 hypotheses at alpha 0.05" in rec.multiplicity
    r = holm["secondary_responders"]
    assert set(r.loc[r["p_adjusted"].notna(), "endpoint"]) == {"dcct_responder"}
    assert (s.loc[s["p_adjusted"].isna() & s["p_value"].notna(), "multiplicity"] == NOMINAL).all()


def test_a_fixed_sequence_stops_at_its_first_non_rejection_in_the_plan(sequence):
    m = sequence["multiplicity"]
    assert m["decision"].tolist() == ["reject", "not rejected", "not tested (sequence stopped)",
                                      "not tested (sequence stopped)"]
    assert m["p_adjusted"].tolist() == pytest.approx(m["p_value"].cummax().tolist())
    comp = sequence["primary_comparison"].set_index("subgroup")
    assert comp.at["all", "decision"] == "not tested (sequence stopped)"


def test_alpha_of_the_protocol_decides():
    trial = load_lu2021()
    rule = trial.protocol.analysis.multiplicity.model_copy(
        update={"procedure": "fixed-sequence", "endpoints": ["fcp_pchg", "pcp_change"]})
    analysis = trial.protocol.analysis.model_copy(update={"multiplicity": rule, "alpha": 0.1})
    protocol = trial.protocol.model_copy(update={"analysis": analysis})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", T1DTrialWarning)
        res = analyze(dataclasses.replace(trial, protocol=protocol))
    assert res["multiplicity"]["decision"].tolist() == ["reject", "reject"]
    assert (res["multiplicity"]["alpha"] == 0.1).all()


# --------------------------------------------------------------------------- protocol checks
def _check(tmp_path, multiplicity):
    data = copy.deepcopy(yaml.safe_load(protocol_source("lu2021")[1]))
    data["analysis"]["multiplicity"] = multiplicity
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return [(p.column, p.problem) for p in check_protocol_file(path)]


def test_a_declared_procedure_over_known_endpoints_is_accepted(tmp_path):
    assert _check(tmp_path, {"procedure": "fixed-sequence", "endpoints": KEY}) == []


@pytest.mark.parametrize(("rule", "column", "words"), [
    ({"procedure": "holm", "endpoints": ["fcp_change", "c_peptide"]},
     "analysis.multiplicity.endpoints[1]", "unknown endpoint 'c_peptide'"),
    ({"procedure": "none", "endpoints": ["fcp_change"]},
     "analysis.multiplicity.procedure", "the procedure is none"),
    ({"procedure": "fixed-sequence"}, "analysis.multiplicity.endpoints", "has no endpoint"),
    ({"procedure": "holm", "endpoints": ["fcp_change", "fcp_change"]},
     "analysis.multiplicity.endpoints", "listed more than once"),
    ({"procedure": "bonferroni", "endpoints": ["fcp_change"]},
     "analysis.multiplicity.procedure", ""),
])
def test_a_wrong_multiplicity_rule_is_a_located_problem(tmp_path, rule, column, words):
    found = _check(tmp_path, rule)
    assert any(c == column and words in p for c, p in found), found


def test_the_terminal_summary_says_how_to_read_the_p_values(default, holm):
    from rich.console import Console

    from t1dtrial.report.terminal import summary_renderables

    def text(results):
        console = Console(width=160, record=True)
        for item in summary_renderables(results, title="summary"):
            console.print(item)
        return console.export_text()

    assert "p-values: nominal (not adjusted for multiplicity)" in text(default)
    shown = text(holm)
    assert "Holm step-down at alpha 0.05 over the protocol's key hypotheses" in shown
    assert "fcp_pchg (MSC vs CONTROL): not rejected, adjusted p = 0.110" in shown


def test_an_endpoint_without_a_row_is_not_tested_and_the_rest_still_are(default):
    from t1dtrial.analysis.multiplicity import label_tables

    protocol = load_lu2021().protocol
    rule = protocol.analysis.multiplicity.model_copy(
        update={"procedure": "holm", "endpoints": ["fcp_change", "no_such_endpoint"]})
    protocol = protocol.model_copy(update={"analysis": protocol.analysis.model_copy(
        update={"multiplicity": rule})})
    m = label_tables(default.tables, protocol)["multiplicity"]
    assert m["decision"].tolist() == ["not rejected", "not tested (not estimable)"]
    assert m["method"].tolist()[1] == "no such row"
    assert m["p_adjusted"][0] == pytest.approx(min(1.0, 2 * m["p_value"][0]))


def test_a_continuous_primary_endpoint_has_its_one_test_labelled_primary():
    from t1dtrial.analysis.multiplicity import label_tables
    from t1dtrial.protocol import load_protocol

    proto = load_protocol("carlsson2015")  # primary: cpauc_change, continuous
    primary = proto.primary_endpoint
    rows = pd.DataFrame({
        "endpoint": [primary.name] * 3 + ["cpeak_change"],
        "visit": [primary.visit] * 4,
        "subgroup": ["all", "all", "all", "all"],
        "analysis": ["ancova", "welch_t", "ancova_lsmean", "ancova"],
        "group": ["MSC - CONTROL", "MSC - CONTROL", "MSC", "MSC - CONTROL"],
        "p_value": [0.05, 0.2, 0.1, 0.06]})
    labels = label_tables({"secondary_endpoints": rows}, proto)["secondary_endpoints"]
    assert labels["multiplicity"].tolist() == [PRIMARY, NOMINAL, NOMINAL, NOMINAL]
