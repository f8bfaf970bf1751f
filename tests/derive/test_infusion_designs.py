"""Three infusion designs written in their natural form simulate, load and derive with the
doses right in ADSL: a dose per arm (dose finding), two products in one infusion (Cai
2016-like) and a placebo arm given sham infusions (ProTrans-like)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.data import load_folder
from t1dtrial.derive import derive_all, derive_vars_exposure, infusion_received
from t1dtrial.protocol import load_protocol
from t1dtrial.simulate import simulate_trial

TRIALS = Path(__file__).parents[1] / "protocol" / "trials"


def _derived(tmp_path_factory, name: str, seed: int = 11):
    path = str(TRIALS / f"{name}.yaml")
    folder = tmp_path_factory.mktemp(name) / "data"
    sim = simulate_trial(path, seed=seed)
    sim.write(folder)
    trial = load_folder(folder, path)
    return sim, trial, derive_all(trial).adsl.set_index("USUBJID")


@pytest.fixture(scope="module")
def dosefinding(tmp_path_factory):
    return _derived(tmp_path_factory, "dosefinding")


@pytest.fixture(scope="module")
def cai(tmp_path_factory):
    return _derived(tmp_path_factory, "cai2016")


@pytest.fixture(scope="module")
def protrans(tmp_path_factory):
    return _derived(tmp_path_factory, "protrans")


def test_dose_finding_exports_number_each_subject_s_infusions_1_2(dosefinding):
    sim, trial, _ = dosefinding
    numbers = trial.infusions.groupby("subject_id")["infusion_number"].apply(sorted)
    assert set(map(tuple, numbers)) == {(1, 2)}
    assert trial.load_log.warnings == []


def test_dose_finding_adsl_doses_follow_the_arm(dosefinding):
    adsl = dosefinding[2]
    for arm, per_kg in (("LOW", 1e6), ("HIGH", 3e6)):
        rows = adsl[adsl["TRT01P"] == arm]
        assert len(rows) == 30
        assert (rows[["DOSE1", "DOSE2"]] == per_kg).all().all()
        assert (rows["CUMDOSE"] == 2 * per_kg).all() and (rows["NINF"] == 2).all()
    control = adsl[adsl["TRT01P"] == "CONTROL"]
    assert control[["DOSE1", "DOSE2"]].isna().all().all() and (control["CUMDOSE"] == 0).all()


def test_every_treated_subject_given_every_infusion_is_in_the_per_protocol_set(dosefinding):
    adsl = dosefinding[2]
    treated = adsl[adsl["TRT01P"].isin(["LOW", "HIGH"])]
    assert ((treated["INF1FL"] == "Y") & (treated["INF2FL"] == "Y")).all()
    assert (treated["PPROTFL"] == "Y").all() and (treated["PPREAS"] == "").all()
    assert (adsl["SAFFL"] == "Y").all()


def test_two_products_are_reported_separately_and_not_summed(cai):
    sim, trial, adsl = cai
    assert sorted(trial.infusions["product"].unique()) == ["MNC", "MSC"]
    assert trial.load_log.warnings == []
    stem = adsl[adsl["TRT01P"] == "STEM"]
    assert len(stem) == 21
    assert (stem["DOSE1MSC"] == 1.1e6).all() and (stem["DOSE1MNC"] == 106.8e6).all()
    assert (stem["CUMDMSC"] == 1.1e6).all() and (stem["CUMDMNC"] == 106.8e6).all()
    assert "DOSE1" not in adsl.columns and stem["CUMDOSE"].isna().all()
    assert (stem["INF1FL"] == "Y").all() and (stem["PPROTFL"] == "Y").all()
    control = adsl[adsl["TRT01P"] == "CONTROL"]
    assert (control[["CUMDMSC", "CUMDMNC"]] == 0).all().all()


def test_products_are_summed_where_the_protocol_says_so(cai):
    _, trial, _ = cai
    p = load_protocol(str(TRIALS / "cai2016.yaml"))
    inf = p.infusions[0].model_copy(update={"sum_products": True})
    summed = p.model_copy(update={"infusions": [inf]})
    adsl = pd.DataFrame({"USUBJID": trial.subjects["subject_id"], "TRT01P": trial.subjects["arm"],
                         "WEIGHTBL": trial.subjects["weight_kg"],
                         "ENRLDT": trial.subjects["enrolment_date"]})
    out = derive_vars_exposure(adsl, trial.infusions, summed).set_index("USUBJID")
    stem = out[out["TRT01P"] == "STEM"]
    assert np.allclose(stem["DOSE1"], 107.9e6) and np.allclose(stem["CUMDOSE"], 107.9e6)
    assert (stem["DOSE1MSC"] == 1.1e6).all()


def test_placebo_participants_get_a_sham_infusion_and_are_in_the_safety_set(protrans):
    sim, trial, adsl = protrans
    assert trial.load_log.warnings == []
    placebo = adsl[adsl["TRT01P"] == "PLACEBO"]
    assert len(placebo) == 5
    assert (placebo["NINF"] == 1).all() and (placebo["DOSE1"] == 0).all()
    assert (placebo["SAFFL"] == "Y").all() and (placebo["TRT01A"] == "PLACEBO").all()
    assert (placebo["FASFL"] == "Y").all() and (placebo["PPROTFL"] == "Y").all()


def test_a_fixed_total_dose_is_per_kg_of_each_participant_s_weight(protrans):
    _, trial, adsl = protrans
    msc = adsl[adsl["TRT01P"] == "MSC"]
    assert len(msc) == 10
    assert np.allclose(msc["DOSE1"], 1e8 / msc["WEIGHTBL"]) and (msc["PPROTFL"] == "Y").all()


def test_a_treated_subject_who_missed_an_infusion_leaves_the_per_protocol_set(dosefinding):
    _, trial, _ = dosefinding
    subject = trial.subjects.loc[trial.subjects["arm"] == "HIGH", "subject_id"].iloc[0]
    inf = trial.infusions[~((trial.infusions["subject_id"] == subject)
                            & (trial.infusions["infusion_number"] == 2))]
    from t1dtrial.derive import derive_adlb, derive_adsl
    adlb = derive_adlb(trial.measurements, trial.subjects, inf, trial.protocol)
    adsl = derive_adsl(trial.subjects, inf, adlb, trial.protocol).set_index("USUBJID")
    assert adsl.at[subject, "PPROTFL"] == "N"
    assert adsl.at[subject, "PPREAS"] == "planned infusion 2 not received"
    assert adsl.at[subject, "INF2FL"] == "N" and adsl.at[subject, "SAFFL"] == "Y"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 3)), max_size=12))
def test_infusion_received_is_a_row_of_that_number(rows):
    ids = [f"S{i}" for i in range(4)]
    adsl = pd.DataFrame({"USUBJID": ids, "TRT01P": "MSC", "WEIGHTBL": 60.0,
                         "ENRLDT": pd.Timestamp("2020-01-01")})
    inf = pd.DataFrame({"subject_id": [f"S{i}" for i, _ in rows],
                        "infusion_number": [k for _, k in rows],
                        "date": pd.Timestamp("2020-01-02"), "cells_per_kg": 1e6,
                        "total_cells": np.nan}).drop_duplicates(["subject_id", "infusion_number"])
    out = derive_vars_exposure(adsl, inf, load_protocol("lu2021"))
    for k in (1, 2, 3):
        got = {f"S{i}" for i, n in rows if n == k}
        assert set(out.loc[infusion_received(out, k), "USUBJID"]) == got
    assert set(out.loc[infusion_received(out), "USUBJID"]) == {f"S{i}" for i, _ in rows}
    assert out["NINF"].tolist() == [len({n for i, n in rows if i == j}) for j in range(4)]


@pytest.mark.parametrize("design, arm, n", [("dosefinding", "LOW", 30), ("dosefinding", "HIGH", 30),
                                            ("cai2016", "STEM", 21), ("protrans", "PLACEBO", 5)])
def test_the_analysis_counts_every_infusion_of_every_arm_given_it(request, design, arm, n):
    from t1dtrial.analysis import analyze

    fixture = {"cai2016": "cai"}.get(design, design)
    _, trial, _ = request.getfixturevalue(fixture)
    table = analyze(trial)["disposition"]
    hit = table.loc[(table["stage"] == "infusion 1 received") & (table["arm"] == arm), "n"]
    assert hit.astype(int).tolist() == [n]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(1e5, 1e7), st.floats(1e7, 2e8), st.booleans()),
                min_size=1, max_size=5), st.booleans())
def test_product_doses_are_reported_separately_and_summed_only_when_said(doses, summed):
    p = load_protocol(str(TRIALS / "cai2016.yaml"))
    p = p.model_copy(update={"infusions": [p.infusions[0].model_copy(
        update={"sum_products": summed})]})
    ids = [f"S{i}" for i in range(len(doses))]
    adsl = pd.DataFrame({"USUBJID": ids, "TRT01P": "STEM", "WEIGHTBL": 60.0,
                         "ENRLDT": pd.Timestamp("2020-01-01")})
    rows = [(sid, code, dose) for sid, (msc, mnc, given) in zip(ids, doses) if given
            for code, dose in (("MSC", msc), ("MNC", mnc))]
    inf = pd.DataFrame({"subject_id": [r[0] for r in rows], "infusion_number": 1,
                        "date": pd.Timestamp("2020-01-02"), "cells_per_kg": [r[2] for r in rows],
                        "total_cells": np.nan, "product": [r[1] for r in rows]})
    out = derive_vars_exposure(adsl, inf, p)
    given_ = np.array([g for _, _, g in doses])
    msc = np.array([d for d, _, _ in doses])
    mnc = np.array([d for _, d, _ in doses])
    assert np.allclose(out["DOSE1MSC"][given_], msc[given_]) and out["DOSE1MSC"][~given_].isna().all()
    assert np.allclose(out["CUMDMNC"], np.where(given_, mnc, 0.0))
    assert (out["INF1FL"] == np.where(given_, "Y", "N")).all()
    if summed:
        assert np.allclose(out["CUMDOSE"], np.where(given_, msc + mnc, 0.0))
    else:
        assert "DOSE1" not in out.columns
        assert out["CUMDOSE"][given_].isna().all() and (out["CUMDOSE"][~given_] == 0).all()
