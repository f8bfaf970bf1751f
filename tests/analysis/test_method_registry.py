"""A method registered from outside the package runs from a protocol's analysis_plan to the summary."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from rich.console import Console

from t1dtrial.analysis import analyze
from t1dtrial.protocol.adam_names import paramcd_of
from t1dtrial.analysis.methods import (AnalysisData, AnalysisSpec, get_method, method_names,
                                       methods_for, register_method)
from t1dtrial.analysis.result import Result
from t1dtrial.analysis.results import Results
from t1dtrial.data import load_folder
from t1dtrial.datasets import lu2021_path
from t1dtrial.errors import EstimationError, ProtocolError
from t1dtrial.protocol import load_protocol, protocol_source
from t1dtrial.report.terminal import summary_renderables
from t1dtrial.stats import risk_ratio


def risk_ratio_method(spec: AnalysisSpec, data: AnalysisData) -> Result:
    """Risk ratio of responders, each planned pair of arms, with stats.risk_ratio."""
    adsl = data.adsl.loc[data.adsl[spec.population_flag].eq("Y"), ["USUBJID", "TRT01P"]]
    eff = data.adeff.loc[(data.adeff["PARAMCD"] == paramcd_of(spec.endpoint_name, data.protocol))
                         & data.adeff["ANL01FL"].eq("Y"), ["USUBJID", "AVALC"]]
    status = adsl.merge(eff, on="USUBJID", how="left")
    yes = status.groupby("TRT01P")["AVALC"].apply(lambda v: int(v.eq("Y").sum()))
    n = status.groupby("TRT01P").size()
    rows = []
    for treated, control in spec.pairs:
        r = risk_ratio(yes[treated], n[treated], yes[control], n[control],
                       conf_level=spec.conf_level).iloc[0]
        rows.append({"comparison": f"{treated} vs {control}", "estimate": r.estimate,
                     "ci_low": r.ci_low, "ci_high": r.ci_high, "p_value": r.p_value,
                     "method": r.method, "n": int(n[treated] + n[control])})
    return Result(name=spec.name, shape="comparison", table=pd.DataFrame(rows),
                  title=f"Risk ratio of {spec.endpoint_name}", role=spec.role,
                  endpoint=spec.endpoint_name, method_name=spec.method,
                  population=spec.population, n_by_arm={k: int(v) for k, v in n.items()},
                  conf_level=spec.conf_level, method=rows[0]["method"],
                  footnotes=[f"{e.event}: {e.strategy} strategy"
                             for e in spec.intercurrent_events])


def failing_method(spec: AnalysisSpec, data: AnalysisData) -> Result:
    raise EstimationError("failing_method", "endpoint", spec.endpoint_name,
                          "too few events for this example")


register_method("test-risk-ratio", risk_ratio_method, outcomes=("responder",), replace=True,
                description="risk ratio (a test module's method)")
register_method("test-failing", failing_method, outcomes=("responder",), replace=True,
                columns=("comparison", "estimate", "method"))

PLAN_ADDITIONS = """
- name: remission_risk_ratio
  role: key-secondary
  endpoint: remission
  comparisons: [[MSC, CONTROL]]
  method: test-risk-ratio
  intercurrent_events:
    - event: withdrawal before month 12
      strategy: composite
- name: remission_failing
  role: exploratory
  endpoint: remission
  method: test-failing
- name: fcp_by_fisher
  role: exploratory
  endpoint: fcp_change
  method: fisher
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    path = tmp_path_factory.mktemp("protocol") / "lu2021-more.yaml"
    path.write_text(protocol_source("lu2021")[1] + PLAN_ADDITIONS, encoding="utf-8")
    protocol = load_protocol(path)
    return analyze(load_folder(lu2021_path(), protocol))


def test_the_registry_knows_built_in_and_added_methods():
    assert {"fisher", "ancova", "mmrm", "kaplan-meier", "test-risk-ratio"} <= set(method_names())
    assert "test-risk-ratio" in methods_for("responder")
    assert "test-risk-ratio" not in methods_for("continuous")
    with pytest.raises(ProtocolError, match="registered already"):
        register_method("fisher", risk_ratio_method)
    with pytest.raises(ProtocolError, match="unknown method 'nope'"):
        get_method("nope")


def test_the_added_method_writes_its_table_named_after_the_analysis(results):
    table = results["remission_risk_ratio"]
    assert table["comparison"].tolist() == ["MSC vs CONTROL"]
    expected = risk_ratio(11, 27, 3, 26).iloc[0]
    assert table.loc[0, "estimate"] == pytest.approx(expected.estimate)
    assert table.loc[0, "conf_level"] == 0.95
    res = next(r for r in results.results if r.name == "remission_risk_ratio")
    assert res.shape == "comparison" and res.n_by_arm == {"CONTROL": 26, "MSC": 27}
    assert res.role == "key-secondary"


def test_reference_tables_keep_their_numbers_beside_the_added_analyses(results):
    t = results["primary_endpoint"]
    assert t.loc[t.subgroup.eq("all"), "responders"].tolist() == [11, 3]
    assert results["primary_comparison"].loc[0, "p_value"] == pytest.approx(0.0277, abs=1e-3)


def test_an_analysis_that_raises_is_a_row_with_its_reason_and_the_rest_runs(results):
    failed = results["remission_failing"]
    assert failed["method"].tolist() == ["not estimable: too few events for this example"]
    assert any("remission_failing" in n and "too few events" in n for n in results.notes)
    wrong = results["fcp_by_fisher"]
    assert wrong["test"].str.contains("fits responder endpoints; fcp_change is a continuous "
                                        "endpoint").all()
    assert len(results["adverse_events"]) and len(results["mmrm"])


def test_the_terminal_summary_renders_the_added_result_by_its_shape(results):
    console = Console(width=80, record=True)
    for item in summary_renderables(results, title="summary"):
        console.print(item)
    text = console.export_text()
    assert "Risk ratio of remission" in text and "MSC vs CONTROL" in text
    assert "3.531 (1.110 to 11.235)" in text  # 11/27 over 3/26, log (Katz) interval
    assert "composite strategy" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_results_json_carries_the_metadata_and_reads_back(results, tmp_path):
    out = results.write(tmp_path / "out")
    meta = {m["name"]: m for m in json.loads((out / "results.json").read_text())}
    rr = meta["remission_risk_ratio"]
    assert rr["shape"] == "comparison" and rr["population"] == "FAS"
    assert rr["conf_level"] == 0.95 and rr["written"]["table"] == ["remission_risk_ratio", 0, 1]
    assert meta["primary"]["written"]["by_arm"] == ["primary_endpoint", 0, 6]
    back = Results.from_folder(out)
    again = next(r for r in back.results if r.name == "remission_risk_ratio")
    assert again.table["estimate"].tolist() == pytest.approx(
        results["remission_risk_ratio"]["estimate"].tolist())
    primary = next(r for r in back.results if r.role == "primary")
    assert primary.by_arm["responders"].tolist()[:2] == [11, 3]


def test_the_primary_analysis_may_use_any_method_fitting_its_outcome(tmp_path):
    text = protocol_source("lu2021")[1]
    text = text.replace("- name: primary\n  role: primary\n  endpoint: remission\n"
                        "  population: FAS\n  visits: [M12]\n  method: fisher\n",
                        "- name: primary\n  role: primary\n  endpoint: remission\n"
                        "  population: FAS\n  visits: [M12]\n  method: test-risk-ratio\n", 1)
    assert "method: test-risk-ratio" in text
    path = tmp_path / "rr-primary.yaml"
    path.write_text(text, encoding="utf-8")
    protocol = load_protocol(path)
    res = analyze(load_folder(lu2021_path(), protocol))
    comp = res["primary_comparison"]
    assert comp["comparison"].tolist() == ["MSC vs CONTROL"]
    assert comp.loc[0, "estimate"] == pytest.approx(risk_ratio(11, 27, 3, 26).estimate[0])
    assert comp.loc[0, "multiplicity"].startswith("primary hypothesis")
