"""The analysis plan end to end on the packaged twin, and its command-line use."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from t1dtrial.analysis import CONTRACT_TABLES, Results, analyze
from t1dtrial.cli import main
from t1dtrial.datasets import load_lu2021, lu2021_path


@pytest.fixture(scope="module")
def results():
    return analyze(load_lu2021())


def test_every_contract_table_is_produced(results):
    for name in CONTRACT_TABLES:
        assert name in results.tables and len(results.tables[name]) > 0, name


def test_primary_table_reproduces_the_published_msc_count(results):
    t = results["primary_endpoint"].set_index(["subgroup", "arm"])
    assert list(t.columns[:3]) == ["n", "responders", "percent"]
    assert (t.at[("all", "MSC"), "n"], t.at[("all", "MSC"), "responders"]) == (27, 11)
    assert t.at[("all", "MSC"), "percent"] == pytest.approx(100 * 11 / 27)
    assert (t.at[("all", "CONTROL"), "n"], t.at[("all", "CONTROL"), "responders"]) == (26, 3)
    # the subgroups partition the whole population
    for arm in ("MSC", "CONTROL"):
        assert (t.at[("adult_onset", arm), "n"] + t.at[("juvenile_onset", arm), "n"]
                == t.at[("all", arm), "n"])


def test_primary_comparison_has_contract_columns_and_names_its_methods(results):
    c = results["primary_comparison"]
    assert list(c.columns[:9]) == ["subgroup", "risk_difference", "rd_ci_low", "rd_ci_high",
                                   "odds_ratio", "or_ci_low", "or_ci_high", "p_value", "test"]
    assert c["subgroup"].tolist() == ["all", "adult_onset", "juvenile_onset"]
    row = c.iloc[0]
    assert row.risk_difference == pytest.approx(11 / 27 - 3 / 26)
    assert row.rd_ci_low < row.risk_difference < row.rd_ci_high
    assert "Fisher" in row.test and "Newcombe" in row.rd_method


def test_logistic_table_has_contract_columns(results):
    lr = results["logistic_regression"]
    assert list(lr.columns[:6]) == ["term", "odds_ratio", "ci_low", "ci_high", "p_value", "method"]
    assert lr["term"].tolist() == ["BFCP (per 0.1 nmol/L)", "CUMDOSE (per 10^6 cells/kg)"]
    assert (lr["n"] == 27).all()


def _ancova_at_m12(sec: pd.DataFrame, endpoint: str, kind: str) -> pd.DataFrame:
    rows = sec.loc[(sec["endpoint"] == endpoint) & (sec["visit"] == "M12")
                   & (sec["subgroup"] == "all") & sec["analysis"].str.startswith(kind)]
    return rows.set_index(["analysis", "group"])


def test_ancova_least_squares_means_of_a_change_are_adjusted_changes(results):
    t = _ancova_at_m12(results["secondary_endpoints"], "hba1c_change", "ancova")
    msc, control = t.loc[("ancova_lsmean", "MSC")], t.loc[("ancova_lsmean", "CONTROL")]
    assert msc["estimate"] == pytest.approx(-0.352414, abs=1e-6)
    assert control["estimate"] == pytest.approx(-0.109589, abs=1e-6)
    # the difference of the adjusted changes is the difference row, as before
    diff = t.loc[("ancova", "MSC - CONTROL")]
    assert msc["estimate"] - control["estimate"] == pytest.approx(diff["estimate"], rel=1e-9)
    assert diff["estimate"] == pytest.approx(-0.242825, abs=1e-6)
    assert msc["p_value"] < 0.01 < 0.1 < control["p_value"]  # the change within each arm vs 0
    assert msc["method"].startswith("ANCOVA of the change from baseline adjusted for baseline, "
                                    "age at diabetes onset, sex (OLS); least-squares means")
    assert msc["method"].endswith("; p: adjusted change within the arm vs 0")
    assert diff["method"].endswith("; p: difference between arms vs 0")
    # the adjusted levels at M12 stay available under their own name, without a p-value
    value = t.loc["ancova_lsmean_value"]
    assert value.loc["MSC", "estimate"] == pytest.approx(7.013624, abs=1e-6)
    assert value.loc["CONTROL", "estimate"] == pytest.approx(7.256449, abs=1e-6)
    assert value["p_value"].isna().all()
    assert value["method"].str.startswith("ANCOVA of the value adjusted for baseline").all()
    assert value["method"].str.endswith("no p-value (least-squares mean of a level)").all()


def test_log_scale_least_squares_means_of_a_change_are_changes_in_log_value(results):
    sec = results["secondary_endpoints"]
    t = _ancova_at_m12(sec, "fcp_change", "ancova_log1p")
    change = t.loc["ancova_log1p_lsmean", "estimate"]
    value = t.loc["ancova_log1p_lsmean_value", "estimate"]
    # both models are adjusted for log(b + 1) at its mean m: change = value - m in each arm
    shift = value - change
    assert shift["MSC"] == pytest.approx(shift["CONTROL"], rel=1e-9)
    adsl = results.adam["adsl"]
    adlb = results.adam["adlb"]
    used = adlb.loc[(adlb["PARAMCD"] == "FCP") & (adlb["AVISIT"] == "M12")
                    & (adlb["ANL01FL"] == "Y") & adlb["AVAL"].notna() & adlb["BASE"].notna()
                    & adlb["USUBJID"].isin(adsl.loc[adsl["FASFL"] == "Y", "USUBJID"])]
    assert shift["MSC"] == pytest.approx(np.log1p(used["BASE"]).mean(), rel=1e-9)
    assert t.loc[("ancova_log1p_lsmean", "MSC"), "method"].startswith(
        "ANCOVA of the change in log(value + 1) from baseline adjusted for log(baseline + 1)")
    assert t.loc["ancova_log1p_lsmean", "p_value"].notna().all()


def test_a_value_summary_keeps_least_squares_means_of_the_level_without_p(results):
    from t1dtrial.analysis.continuous import secondary_continuous
    from t1dtrial.protocol import ContinuousEndpoint, load_protocol

    protocol = load_protocol("lu2021")
    secondary = [e.model_copy(update={"summary": "value"})
                 if isinstance(e, ContinuousEndpoint) and e.name == "hba1c_change" else e
                 for e in protocol.endpoints.secondary]
    protocol = protocol.model_copy(update={"endpoints": protocol.endpoints.model_copy(
        update={"secondary": secondary})})
    sec = secondary_continuous(results.adam["adsl"], results.adam["adlb"], protocol=protocol)
    t = _ancova_at_m12(sec, "hba1c_change", "ancova")
    assert set(t.index.get_level_values("analysis")) == {"ancova", "ancova_lsmean"}
    lsm = t.loc["ancova_lsmean"]
    assert lsm.loc["MSC", "estimate"] == pytest.approx(7.013624, abs=1e-6)
    assert lsm["p_value"].isna().all()
    assert t.loc[("ancova", "MSC - CONTROL"), "estimate"] == pytest.approx(-0.242825, abs=1e-6)


def test_each_sensitivity_row_says_what_it_changes_and_keeps_the_primary_method(results):
    sens = results["sensitivity"].set_index("analysis")
    assert list(sens.columns[:2]) == ["changes", "estimand"]
    assert sens["changes"].to_dict() == {
        "primary": "nothing (the primary analysis)",
        "per_protocol": "population: per-protocol set",
        "complete_case": "missing data: complete cases",
        "multiple_imputation": "missing data: multiple imputation (nothing to impute)",
        "iptw": "weighting: inverse probability of treatment",
        "iptw_primary_method": "nothing (the primary method, unweighted, on the subjects of "
                               "the weighting)"}
    assert (sens["estimand"] == "risk difference").all()
    primary = results["primary_comparison"].set_index("subgroup").loc["all"]
    same = sens.drop(index="iptw")
    assert (same["method"].str.endswith("risk difference; Newcombe hybrid score CI (method 10); "
                                        "p: Fisher's exact test")).all()
    # nothing is missing in the twin: every row but the weighted one is the primary analysis
    assert (same["p_value"] == primary["p_value"]).all()
    assert primary["p_value"] == pytest.approx(0.027608, abs=1e-6)
    assert (same["estimate"] == primary["risk_difference"]).all()
    assert (same["ci_low"] == primary["rd_ci_low"]).all()
    iptw = sens.loc["iptw"]
    assert ("Newcombe's interval and Fisher's exact test have no weighted form: normal interval "
            "and Wald p from the robust SE") in iptw["method"]
    assert iptw["estimate"] != primary["risk_difference"]


def test_multiple_imputation_with_nothing_to_impute_says_so_in_its_row_and_note(results):
    row = results["sensitivity"].set_index("analysis").loc["multiple_imputation"]
    assert row["n_missing"] == 0
    assert row["method"].startswith("nothing to impute: no subject of the full analysis set "
                                    "misses the primary endpoint, so no imputation was made; "
                                    "the primary method on the same data: risk difference")
    assert "Rubin" not in row["method"]
    note = [n for n in results.notes if n.startswith("Multiple imputation")]
    assert note == ["Multiple imputation: no subject of the full analysis set misses the primary "
                    "endpoint, so there is nothing to impute; its row is the primary method on "
                    "the same data (equal to the complete-case row)."]


def test_same_input_and_seed_give_identical_tables(results):
    again = analyze(load_lu2021())
    for name, table in results.tables.items():
        pd.testing.assert_frame_equal(table, again.tables[name], obj=name)


def test_provenance_records_hashes_counts_and_seed(results):
    prov = results.provenance
    assert prov["protocol"]["id"] == "lu2021" and len(prov["protocol"]["sha256"]) == 64
    fields = [a["field"] for a in prov["protocol"]["assumptions"]]
    assert len(fields) == 16 and "endpoints.primary" in fields and "infusions[0].dose" in fields
    files = {f["name"]: f["sha256"] for f in prov["input"]["files"]}
    assert set(files) >= {"subjects.csv", "measurements.csv", "infusions.csv"}
    assert prov["counts"]["participants_in"] == 53
    assert prov["counts"]["participants_by_arm"] == {"MSC": 27, "CONTROL": 26}
    assert prov["seed"] == 20210415
    assert prov["protocol"]["allocation"] == "nonrandomised"


def test_nonrandomised_primary_has_the_adjusted_estimate_balance_and_the_allocation_note(results):
    adjusted = results.tables["primary_adjusted"]
    assert adjusted["estimand"].tolist() == ["risk difference", "risk ratio", "odds ratio"]
    assert len(results.tables["primary_adjusted_balance"])
    assert sum(n.startswith("Allocation: the arms were not randomised") for n in results.notes) == 1
    assert any(n.startswith("Baseline balance (MSC vs CONTROL") for n in results.notes)


def test_written_folder_reads_back_identically(results, tmp_path):
    out = results.write(tmp_path / "out")
    back = Results.from_folder(out)
    assert set(back.tables) == set(results.tables)
    pd.testing.assert_frame_equal(back.tables["primary_endpoint"],
                                  results.tables["primary_endpoint"], check_dtype=False)
    assert {p.name for p in (out / "adam").iterdir()} >= {"adsl.csv", "adlb.csv", "adeff.csv",
                                                          "adae.csv"}
    assert json.loads((out / "provenance.json").read_text())["seed"] == 20210415


def test_a_failed_write_leaves_the_previous_output_untouched(results, tmp_path, monkeypatch):
    out = results.write(tmp_path / "out")
    before = sorted(p.name for p in (out / "tables").iterdir())

    def broken(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        results.write(out, overwrite=True)
    monkeypatch.undo()
    assert sorted(p.name for p in (out / "tables").iterdir()) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_demo_prints_the_primary_result_and_writes_the_folder(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    screen = capsys.readouterr().out
    assert "SYNTHETIC" in screen
    assert "11/27 (40.7)" in screen and "3/26 (11.5)" in screen
    assert "Fisher's exact test" in " ".join(screen.split())
    for name in CONTRACT_TABLES:
        assert (out / "tables" / f"{name}.csv").is_file()
    assert (out / "provenance.json").is_file()


def test_analyze_command_on_a_data_folder(tmp_path, capsys):
    assert main(["analyze", str(lu2021_path()), "--protocol", "lu2021",
                 "--out", str(tmp_path / "res")]) == 0
    table = pd.read_csv(tmp_path / "res" / "tables" / "primary_endpoint.csv")
    assert table.loc[(table.subgroup == "all") & (table.arm == "MSC"), "responders"].item() == 11


def test_analyze_command_reads_a_data_cut_from_a_store(tmp_path, capsys):
    db = tmp_path / "study.duckdb"
    assert main(["import", str(lu2021_path()), "--store", str(db)]) == 0
    assert main(["analyze", "--store", str(db), "--out", str(tmp_path / "res")]) == 0
    assert "11/27 (40.7)" in capsys.readouterr().out


def test_analyze_command_with_bad_input_exits_two_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in lu2021_path().glob("*.csv"):
        (bad / f.name).write_bytes(f.read_bytes())
    text = (bad / "measurements.csv").read_text().replace(",M12,", ",M13,", 1)
    (bad / "measurements.csv").write_text(text)
    assert main(["analyze", str(bad), "--out", str(tmp_path / "res")]) == 2
    err = capsys.readouterr().err
    assert "measurements.csv:" in err and "'M13'" in err
    assert not (tmp_path / "res").exists()


def test_missing_primary_visit_is_counted_and_handled_by_the_protocol_rule():
    trial = load_lu2021()
    m = trial.measurements
    drop = m["subject_id"].eq("LU2021-002") & m["visit"].eq("M12")
    from t1dtrial.data import Trial

    tables = {name: getattr(trial, name) for name in
              ("subjects", "measurements", "infusions", "adverse_events", "insulin_free")}
    tables["measurements"] = m.loc[~drop]
    res = analyze(Trial.from_tables(tables, trial.protocol, trial.load_log))
    arm = trial.subjects.set_index("subject_id").at["LU2021-002", "arm"]
    row = res["primary_endpoint"].set_index(["subgroup", "arm"]).loc[("all", arm)]
    assert row["missing"] == 1 and row["n"] == (27 if arm == "MSC" else 26)
    sens = res["sensitivity"].set_index("analysis")
    assert sens.at["complete_case", "n"] == 52
    assert sens.at["multiple_imputation", "n_missing"] == 1
    assert np.isfinite(sens.at["multiple_imputation", "estimate"])
    # imputed: pooled by Rubin's rules, which the primary method cannot be; the primary
    # method on the complete cases stands beside it
    assert list(sens.index) == ["primary", "per_protocol", "complete_case", "multiple_imputation",
                                "multiple_imputation_primary_method", "iptw",
                                "iptw_primary_method"]
    mi = sens.loc["multiple_imputation"]
    assert mi["changes"] == "missing data: multiple imputation"
    assert "Rubin's rules" in mi["method"]
    assert ("Newcombe's interval and Fisher's exact test cannot be pooled across imputations: "
            "t interval and p of the pooled risk difference") in mi["method"]
    cols = ["estimate", "ci_low", "ci_high", "p_value", "method", "n"]
    beside = sens.loc["multiple_imputation_primary_method"]
    assert beside[cols].tolist() == sens.loc["complete_case", cols].tolist()
    assert beside["n"] == 52
    assert not any("nothing to impute" in n for n in res.notes)
    # missing = non-responder: the subjects of the weighting are the primary's
    assert (sens.loc["iptw_primary_method", cols].tolist()
            == sens.loc["primary", cols].tolist())


@pytest.mark.parametrize("name", ["carlsson2015", "nasli2015"])
def test_plan_runs_on_other_protocols_without_code_changes(name, tmp_path):
    from t1dtrial.data import load_folder
    from t1dtrial.protocol import load_protocol
    from t1dtrial.simulate import simulate_to_folder

    protocol = load_protocol(name)
    simulate_to_folder(tmp_path / name, protocol, seed=3)
    res = analyze(load_folder(tmp_path / name, protocol))
    primary = protocol.primary_endpoint
    sec = res["secondary_endpoints"]
    at_primary = sec.loc[(sec["endpoint"] == primary.name) & (sec["visit"] == primary.visit)
                         & (sec["subgroup"] == "all")]
    assert set(at_primary["analysis"]) >= {"descriptive"}
    if len(protocol.arms) == 2:  # carlsson2015: MMTT AUC on the log(x + 1) scale, ANCOVA
        assert "ancova_log1p" in set(at_primary["analysis"])
        assert (res["mmrm"]["param"] == "CPMAUC").any()
    else:  # nasli2015: single arm: change within the arm, no between-arm comparison
        assert set(at_primary["analysis"]) == {"descriptive", "within_arm_t",
                                               "within_arm_wilcoxon"}
        # the primary analysis of one arm is its change against 0, not a comparison of arms
        assert not res["primary_comparison"]["comparison"].str.contains(" vs ").any()
    allocation = [n for n in res.notes if n.startswith("Allocation:")]
    assert allocation == ([] if protocol.design.allocation == "randomised"
                          else [allocation[0]]) and "primary_adjusted" not in res.tables
    if protocol.design.allocation == "single-arm":
        assert "single arm" in allocation[0]
    assert len(res["disposition"]) and len(res["adverse_events"])
