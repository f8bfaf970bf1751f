"""A three-arm dose-finding trial with a dose-response analysis of its remission primary and a
time-to-event secondary endpoint: simulated, loaded, analysed, checked against R
(``tests/reference/dose_tte.R``) and rendered in the terminal summary."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from t1dtrial.analysis import analyze
from t1dtrial.analysis._runner import run_analysis
from t1dtrial.analysis.methods import AnalysisData, resolve
from t1dtrial.data import load_folder
from t1dtrial.protocol import check_protocol_file, load_protocol
from t1dtrial.protocol.plan import PlannedAnalysis, dose_scores
from t1dtrial.report.terminal import summary_renderables
from t1dtrial.simulate import simulate_trial

HERE = Path(__file__).parent
PROTOCOL = HERE / "protocols" / "dose_response_tte.yaml"
REFERENCE = HERE.parent / "reference"
ARMS = "dose-response across CONTROL, LOW, HIGH"
SCORES = "scores: planned cumulative dose, 10^6 cells/kg: CONTROL 0, LOW 2, HIGH 6"


def _records(fun: str) -> list[dict]:
    data = json.loads((REFERENCE / "fixtures" / "dose_tte.json").read_text(encoding="utf-8"))
    return [r for r in data["records"] if r["fun"] == fun]


def _num(v) -> float:
    return np.nan if v is None or v == "NaN" else float(v)


@pytest.fixture(scope="module")
def protocol():
    return load_protocol(PROTOCOL)


@pytest.fixture(scope="module")
def results(protocol, tmp_path_factory):
    folder = tmp_path_factory.mktemp("dose_tte") / "data"
    simulate_trial(protocol, seed=3).write(folder)
    return analyze(load_folder(folder, protocol))


def test_the_reference_data_are_this_derivation(results):
    adsl, adtte = results.adam["adsl"], results.adam["adtte"]
    fas = adsl.loc[adsl["FASFL"].eq("Y"), "USUBJID"]
    tte = adtte.loc[adtte["USUBJID"].isin(fas) & adtte["PARAMCD"].ne("INSFREE"),
                    ["TRT01P", "AVAL", "CNSR"]]  # the endpoint, not the insulin-free episodes
    committed = pd.read_csv(REFERENCE / "data" / "dose_tte_adtte.csv")
    # if this fails, run tests/reference/data/make_dose_tte.py and tests/reference/dose_tte.R
    pd.testing.assert_frame_equal(tte.reset_index(drop=True).astype({"CNSR": int}), committed,
                                  check_dtype=False)


def test_arms_are_scored_by_their_planned_cumulative_dose(protocol):
    scores = dose_scores(protocol)
    assert scores.problem is None
    assert (scores.arms, scores.scores, scores.unit) == (["CONTROL", "LOW", "HIGH"],
                                                         [0.0, 2.0, 6.0], "10^6 cells/kg")
    assert scores.text() == SCORES[len("scores: "):]


def test_the_dose_response_table_has_one_trend_row_a_subgroup(results):
    table = results["remission_dose_response"]
    assert table["subgroup"].tolist() == ["all", "adult_onset", "juvenile_onset"]
    assert (table["comparison"] == ARMS).all()
    assert table["method"].str.contains("Cochran-Armitage", regex=False).all()
    assert table["method"].str.endswith(SCORES).all()
    assert (table["conf_level"] == 0.95).all() and table.loc[0, "n"] == 90
    assert (table["ci_low"] < table["estimate"]).all()
    assert (table["estimate"] < table["ci_high"]).all()
    by_arm = results["remission_dose_response_by_arm"]
    assert by_arm.loc[by_arm.subgroup.eq("all"), "arm"].tolist() == ["CONTROL", "LOW", "HIGH"]


def test_the_trend_matches_prop_trend_test(results):
    table = results["remission_dose_response"].set_index("subgroup")
    for r in _records("cochran_armitage"):
        row = table.loc[r["subgroup"]]
        assert row["statistic"] == pytest.approx(r["statistic"], rel=1e-9), r["r_call"]
        assert row["p_value"] == pytest.approx(r["p_value"], rel=1e-9), r["r_call"]
        assert row["estimate"] == pytest.approx(r["slope"], rel=1e-9), r["slope_call"]


def test_kaplan_meier_by_arm_matches_survfit(results):
    table = results["cpeptide_loss"]
    for r in _records("kaplan_meier"):
        rows = table.loc[table["arm"].eq(r["arm"])]
        med = rows.loc[rows["statistic"] == "median"].iloc[0]
        for ours, theirs in [(med.estimate, r["median"]), (med.ci_low, r["median_ci_low"]),
                             (med.ci_high, r["median_ci_high"])]:
            assert ours == pytest.approx(_num(theirs), nan_ok=True), r["r_call"]
        surv = rows.loc[rows["statistic"] == "survival"]
        assert surv["time"].tolist() == r["times"]
        assert surv["visit"].tolist() == ["M1", "M3", "M6", "M9", "M12"]
        np.testing.assert_allclose(surv["estimate"], r["surv"], rtol=1e-9)
        np.testing.assert_allclose(surv["ci_low"], [_num(v) for v in r["surv_ci_low"]], rtol=1e-9)
        np.testing.assert_allclose(surv["ci_high"], [_num(v) for v in r["surv_ci_high"]],
                                   rtol=1e-9)
        np.testing.assert_allclose(surv["n_risk"], r["n_risk"])


def test_log_rank_of_each_active_arm_against_control_matches_survdiff(results):
    tests = results["cpeptide_loss"].loc[lambda t: t["statistic"] == "log-rank"]
    assert tests["comparison"].tolist() == ["LOW vs CONTROL", "HIGH vs CONTROL"]
    for r in _records("log_rank"):
        row = tests.loc[tests["comparison"] == r["comparison"]].iloc[0]
        assert row["chisq"] == pytest.approx(r["chisq"], rel=1e-9), r["r_call"]
        assert row["p_value"] == pytest.approx(r["p_value"], rel=1e-9), r["r_call"]
        assert row["n"] == 60


def test_the_terminal_summary_renders_both_tables(results):
    console = Console(record=True, width=160)
    for item in summary_renderables(results, title="dose-response trial"):
        console.print(item)
    text = console.export_text()
    assert re.search(r"CONTROL \(0\).*LOW \(2\).*HIGH \(6\)", text)
    assert text.count("slope per 10^6 cells/kg (95% CI)") == 2  # remission, change in HbA1c
    assert "Time to stimulated C-peptide < 0.2 nmol/L" in text
    assert "event-free at M12 (95% CI)" in text
    assert "log-rank LOW vs CONTROL: p = " in text and "log-rank HIGH vs CONTROL: p = " in text


def test_a_protocol_without_a_plan_analyses_its_time_to_event_endpoint(protocol, tmp_path):
    text = PROTOCOL.read_text(encoding="utf-8")
    path = tmp_path / "no_plan.yaml"
    path.write_text(text[:text.index("analysis_plan:")], encoding="utf-8")
    assert check_protocol_file(path) == []
    plan = load_protocol(path).plan
    tte = [a for a in plan if a.endpoint == "cpeptide_loss"]
    assert [(a.method, a.output_table, a.role) for a in tte] == [
        ("kaplan-meier", "time_to_event", "secondary")]
    # the insulin-free Kaplan-Meier stays as it was
    assert any(a.name == "insulin_free_km" and a.method == "kaplan-meier" for a in plan)


@pytest.mark.parametrize("method, comparisons, problem", [
    ("fisher", "dose-response", "method fisher does not estimate a dose-response trend"),
    ("cochran-armitage", "all-vs-control", "method cochran-armitage estimates a dose-response "
                                           "trend across the arms ordered by planned dose"),
])
def test_protocol_check_pairs_trend_methods_with_dose_response(tmp_path, method, comparisons,
                                                                problem):
    text = PROTOCOL.read_text(encoding="utf-8").replace(
        "    comparisons: dose-response\n    method: cochran-armitage",
        f"    comparisons: {comparisons}\n    method: {method}")
    path = tmp_path / "wrong.yaml"
    path.write_text(text, encoding="utf-8")
    found = check_protocol_file(path)
    assert [p.problem for p in found] == [problem]
    if method == "fisher":
        assert "cochran-armitage" in found[0].expected


def test_a_plan_built_in_code_with_a_pair_method_for_a_trend_is_a_row_saying_why(results,
                                                                                   protocol):
    planned = PlannedAnalysis(name="wrong", endpoint="remission", comparisons="dose-response",
                              method="fisher")
    derived = SimpleNamespace(adsl=results.adam["adsl"], adeff=results.adam["adeff"],
                              datasets=results.adam)
    res = run_analysis(resolve(planned, protocol), AnalysisData(derived, protocol, 1))
    assert res.shape == "not-estimable"
    assert "does not estimate a dose-response trend" in res.method
    assert res.table["comparison"].tolist() == [ARMS]


def test_results_read_back_from_their_tables_render_both_shapes(results):
    from dataclasses import replace

    from t1dtrial.analysis.result import Result

    # as Results.from_folder rebuilds them: metadata and the rows of the written tables only
    back = replace(results, results=[Result.from_metadata(r.metadata(), results.tables)
                                     for r in results.results])
    assert next(r for r in back.results if r.name == "remission_dose_response").by_arm is None
    console = Console(record=True, width=160)
    for item in summary_renderables(back, title="read back"):
        console.print(item)
    text = console.export_text()
    assert re.search(r"CONTROL \(0\).*LOW \(2\).*HIGH \(6\)", text)
    assert "log-rank HIGH vs CONTROL: p = " in text and "event-free at M12" in text


def test_the_linear_trend_of_a_continuous_endpoint_matches_lm(results):
    table = results["hba1c_dose_response"].set_index("subgroup")
    assert table.index.tolist() == ["all", "adult_onset", "juvenile_onset"]
    assert table["method"].str.contains("adjusted for baseline", regex=False).all()
    assert table["method"].str.endswith(SCORES).all()
    for r in _records("linear_trend"):
        row = table.loc[r["subgroup"]]
        for column in ("estimate", "ci_low", "ci_high", "p_value"):
            assert row[column] == pytest.approx(r[column], rel=1e-9), r["r_call"]
        assert row["n"] == r["n"]
    by_arm = results["hba1c_dose_response_by_arm"]
    assert by_arm.loc[by_arm.subgroup.eq("all"), "arm"].tolist() == ["CONTROL", "LOW", "HIGH"]


def test_the_reference_hba1c_data_are_this_derivation(results):
    adsl, adlb = results.adam["adsl"], results.adam["adlb"]
    committed = pd.read_csv(REFERENCE / "data" / "dose_tte_hba1c.csv")
    fas = adsl.loc[adsl["FASFL"].eq("Y"), ["USUBJID", "TRT01P"]]
    rec = adlb.loc[adlb["PARAMCD"].eq("HBA1C") & adlb["ANL01FL"].eq("Y")
                   & adlb["AVISIT"].eq("M12"), ["USUBJID", "CHG"]]
    got = fas.merge(rec, on="USUBJID", how="left")
    np.testing.assert_allclose(got["CHG"], committed["CHG"], rtol=1e-12)
    assert got["TRT01P"].tolist() == committed["TRT01P"].tolist()


def test_a_time_to_event_primary_fills_the_contract_tables(tmp_path):
    text = PROTOCOL.read_text(encoding="utf-8")
    text = text[:text.index("analysis_plan:")]
    start, end = text.index("  primary:\n"), text.index("  secondary:\n")
    tte = text[text.index("    - kind: time_to_event"):text.index("    - kind: continuous")]
    primary = "  primary:\n" + tte.replace("    - kind", "    kind").replace("\n      ", "\n    ")
    text = (text[:start] + primary + text[end:]).replace(tte, "")
    path = tmp_path / "tte_primary.yaml"
    path.write_text(text, encoding="utf-8")
    assert check_protocol_file(path) == []
    protocol = load_protocol(path)
    assert (protocol.plan[0].name, protocol.plan[0].method) == ("primary", "kaplan-meier")
    simulate_trial(protocol, seed=3).write(tmp_path / "data")
    results = analyze(load_folder(tmp_path / "data", protocol))
    by_arm, comparison = results["primary_endpoint"], results["primary_comparison"]
    assert set(by_arm["statistic"]) == {"median", "survival"}
    assert comparison["comparison"].tolist() == ["LOW vs CONTROL", "HIGH vs CONTROL"]
    assert comparison["p_value"].between(0, 1).all()
