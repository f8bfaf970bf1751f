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
    assert "11/27 (40.7%)" in screen and "3/26 (11.5%)" in screen
    assert "Fisher's exact test" in screen
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
    assert "11/27 (40.7%)" in capsys.readouterr().out


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
        assert res["primary_comparison"].empty
    allocation = [n for n in res.notes if n.startswith("Allocation:")]
    assert allocation == ([] if protocol.design.allocation == "randomised"
                          else [allocation[0]]) and "primary_adjusted" not in res.tables
    if protocol.design.allocation == "single-arm":
        assert "single arm" in allocation[0]
    assert len(res["disposition"]) and len(res["adverse_events"])
