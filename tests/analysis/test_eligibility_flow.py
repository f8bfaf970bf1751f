"""A ProTrans-like trial simulated within its eligibility criteria; deviations listed, counted."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from t1dtrial.analysis import disposition as disp
from t1dtrial.analysis._arms import population
from t1dtrial.analysis.plan import analyze
from t1dtrial.data import load_folder
from t1dtrial.derive import derive_all
from t1dtrial.errors import InputError
from t1dtrial.protocol import Criterion, load_protocol
from t1dtrial.simulate import simulate_cohort, simulate_trial
from t1dtrial.simulate.eligibility import eligible

PROTRANS = Path(__file__).parents[1] / "protocols" / "protrans.yaml"
TOO_OLD, LOW_FCP = "PROTRANS-001", "PROTRANS-004"


@pytest.fixture(scope="module")
def protocol():
    return load_protocol(PROTRANS)


@pytest.fixture(scope="module")
def folder(protocol, tmp_path_factory):
    """A simulated ProTrans-like folder with two ineligible participants."""
    path = tmp_path_factory.mktemp("protrans") / "data"
    simulate_trial(protocol, seed=11).write(path)
    subjects = pd.read_csv(path / "subjects.csv", dtype=str, keep_default_na=False)
    subjects.loc[subjects.subject_id == TOO_OLD, "age_at_onset"] = "45.0"
    subjects.to_csv(path / "subjects.csv", index=False)
    m = pd.read_csv(path / "measurements.csv", dtype=str, keep_default_na=False)
    at = (m.subject_id == LOW_FCP) & (m.visit == "BL") & (m.param == "FCP")
    assert at.sum() == 1
    m.loc[at, ["value", "unit"]] = ["0.05", "nmol/L"]
    m.to_csv(path / "measurements.csv", index=False)
    return path


@pytest.fixture(scope="module")
def trial(folder, protocol):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_folder(folder, protocol)


@pytest.mark.parametrize("seed", [1, 2, 3, 11])
def test_the_simulator_draws_only_eligible_participants(protocol, seed, tmp_path):
    simulate_trial(protocol, seed=seed).write(tmp_path / "d")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = load_folder(tmp_path / "d", protocol)
    assert [w for w in t.load_log.warnings if w.kind == "protocol deviation"] == []
    adsl = derive_all(t).adsl
    assert len(adsl) == 15 and adsl["ELIGFL"].eq("Y").all()
    assert adsl["TRT01P"].value_counts().to_dict() == {"WJMSC": 10, "CONTROL": 5}


def test_without_criteria_half_of_these_draws_would_be_ineligible(protocol):
    open_protocol = protocol.model_copy(update={"eligibility": []})
    c = simulate_cohort(open_protocol, seed=1, n_trials=20)
    judged = c.__class__(**{**{k: getattr(c, k) for k in c.__dataclass_fields__},
                            "protocol": protocol})
    assert 0.2 < eligible(judged).mean() < 0.8
    redrawn = simulate_cohort(protocol, seed=1, n_trials=20)
    assert eligible(redrawn).all()
    assert np.array_equal(redrawn.arm, c.arm) and np.array_equal(redrawn.trial, c.trial)
    # adverse events follow their participant: every event belongs to a participant
    assert redrawn.ae["subject"].max() < redrawn.n
    assert np.all(np.diff(redrawn.ae["subject"]) >= 0)


def test_criteria_no_simulated_participant_meets_are_an_input_error(protocol):
    impossible = protocol.model_copy(update={"eligibility": [
        Criterion(name="old", label="aged over 150", where="age > 150")]})
    with pytest.raises(InputError, match="found no eligible participant"):
        simulate_cohort(impossible, seed=1, n_per_arm=2)


def test_validation_lists_both_ineligible_participants_and_keeps_them(trial):
    deviations = [w for w in trial.load_log.warnings if w.kind == "protocol deviation"]
    assert sorted((w.subject, w.column) for w in deviations) == [
        (TOO_OLD, "eligibility.age"), (LOW_FCP, "eligibility.fasting_cpeptide")]
    old = next(w for w in deviations if w.subject == TOO_OLD)
    assert "does not meet the eligibility criterion 'aged 18-40 years at enrolment'" in old.problem
    assert old.expected == "age >= 18 and age <= 40" and old.severity == "warning"
    assert {TOO_OLD, LOW_FCP} <= set(trial.subjects["subject_id"])
    assert len(trial.subjects) == 15


def test_adsl_flags_them_and_keeps_them_in_the_analysis_sets(trial):
    adsl = derive_all(trial).adsl.set_index("USUBJID")
    assert adsl.loc[TOO_OLD, "ELIGFL"] == "N"
    assert adsl.loc[TOO_OLD, "ELIGREAS"] == "aged 18-40 years at enrolment"
    assert adsl.loc[LOW_FCP, "ELIGREAS"] == "fasting C-peptide above 0.12 nmol/L at baseline"
    assert (adsl["ELIGFL"] == "N").sum() == 2
    assert adsl.loc[[TOO_OLD, LOW_FCP], "FASFL"].tolist() == ["Y", "Y"]
    assert adsl["MITTFL"].eq("Y").sum() == 15
    assert len(population(adsl.reset_index(), "mITT", load_protocol(PROTRANS))) == 15


def test_disposition_counts_eligible_and_not_eligible_with_reasons(trial, protocol):
    table = disp.disposition(derive_all(trial), protocol)
    rows = table.loc[table.arm == "all"].set_index(["stage", "reason"])["n"]
    assert rows[("enrolled", "")] == 15
    assert rows[("eligible", "")] == 13
    assert rows[("not eligible", "")] == 2
    assert rows[("not eligible", "aged 18-40 years at enrolment")] == 1
    assert rows[("not eligible", "fasting C-peptide above 0.12 nmol/L at baseline")] == 1
    assert rows[("not eligible", "diagnosed less than 2 years before enrolment")] == 0
    assert rows[("eligibility not assessable", "")] == 0
    assert rows[("in mITT", "")] == 15


def test_the_analysis_output_lists_the_deviations(trial):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = analyze(trial).tables["protocol_deviations"]
    assert table.columns.tolist() == ["subject_id", "arm", "criterion", "label", "status",
                                      "value", "required"]
    got = table.set_index("subject_id")
    assert got.loc[TOO_OLD, "status"] == "not met" and got.loc[TOO_OLD, "arm"] == "CONTROL"
    assert got.loc[TOO_OLD, "value"].startswith("age = 45.")
    assert got.loc[LOW_FCP, "value"] == "baseline_FCP = 0.05 nmol/L"
    assert got.loc[LOW_FCP, "required"] == "baseline_FCP > 0.12"


def test_a_missing_baseline_value_is_not_assessable_not_failed(trial, protocol):
    m = trial.measurements
    drop = (m.subject_id == "PROTRANS-002") & (m.visit == "BL") & (m.param == "FCP")
    t = trial.__class__(**{**trial.tables, "protocol": protocol,
                           "measurements": m.loc[~drop].reset_index(drop=True)})
    adsl = derive_all(t).adsl.set_index("USUBJID")
    assert adsl.loc["PROTRANS-002", "ELIGFL"] == ""
    assert adsl.loc["PROTRANS-002", "ELIGREAS"] == (
        "not assessable: fasting C-peptide above 0.12 nmol/L at baseline")
    table = disp.disposition(derive_all(t), protocol)
    rows = table.loc[table.arm == "all"].set_index(["stage", "reason"])["n"]
    assert rows[("eligibility not assessable", "")] == 1
    assert rows[("not eligible", "")] == 2


def test_the_derivation_log_counts_deviations_and_every_population(trial):
    log = derive_all(trial).log
    adsl = log.loc[log.dataset == "ADSL"].set_index(["rule", "outcome", "reason"])["n"]
    assert adsl[("ELIGFL", "selected", "every eligibility criterion met")] == 13
    assert adsl[("ELIGFL", "protocol deviation (kept)", "aged 18-40 years at enrolment")] == 1
    assert adsl[("MITTFL", "selected", "treated, with a baseline C-peptide value")] == 15


def test_protocol_show_prints_the_criteria_and_each_population_rule(protocol):
    from t1dtrial.protocol.describe import describe_protocol

    text = describe_protocol(protocol)
    assert "  fasting_cpeptide baseline_FCP > 0.12" in text
    assert ("        PPROTFL: FAS and completed_primary_visit and "
            "received_all_planned_infusions") in text
    assert "        MITTFL: treated and has_baseline_cpeptide" in text
