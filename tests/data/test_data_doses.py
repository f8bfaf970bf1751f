"""Infusion doses against the protocol's plan (data/_dose_checks.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.data._dose_checks import check_doses
from t1dtrial.data._raw import Collector, RawTable
from t1dtrial.datasets import load_lu2021
from t1dtrial.protocol import load_protocol

PROTOCOL = load_protocol("lu2021")


def _check(dose: float, column: str = "cells_per_kg") -> tuple[bool, list]:
    inf = pd.DataFrame({"subject_id": ["S1"], "infusion_number": [1.0],
                        "cells_per_kg": [dose if column == "cells_per_kg" else np.nan],
                        "total_cells": [dose if column == "total_cells" else np.nan]})
    subj = pd.DataFrame({"subject_id": ["S1"], "arm": ["MSC"], "weight_kg": [50.0]})
    raw = RawTable("infusions", inf.astype(object).assign(source_file="infusions.csv",
                                                          source_row=2))
    col = Collector()
    failed = check_doses(inf, subj, PROTOCOL, raw, col)
    return bool(failed[0]), col.result()


@settings(max_examples=60, deadline=None)
@given(st.floats(0.5, 2.0))
def test_a_dose_within_the_planned_range_raises_nothing(factor):
    failed, problems = _check(1e6 * factor)
    assert not failed and problems == []


@settings(max_examples=60, deadline=None)
@given(st.floats(0.5, 2.0), st.sampled_from([3, 6]))
def test_a_dose_written_in_thousands_or_millions_is_an_error_naming_the_power(factor, power):
    failed, problems = _check(1e6 * factor / 10 ** power)
    assert failed
    assert f"it looks like a dose in 10^{power} cells/kg" in problems[0].problem


@settings(max_examples=60, deadline=None)
@given(st.floats(2.05, 90.0))
def test_a_dose_above_the_range_but_not_a_unit_slip_is_a_warning(factor):
    failed, problems = _check(1e6 * factor)
    assert not failed
    assert [p.severity for p in problems] == ["warning"]
    assert "outside the protocol's range for infusion 1 of arm MSC" in problems[0].problem


def test_total_cells_are_compared_per_kg_of_baseline_weight():
    assert _check(5e7, "total_cells") == (False, [])  # 1e6 cells/kg at 50 kg
    failed, problems = _check(50.0, "total_cells")
    assert failed and "in units of 10^6 (50 × 10^6 = 50,000,000 cells)" in problems[0].problem


def test_the_packaged_twin_doses_are_all_within_the_plan():
    trial = load_lu2021()
    assert not [w for w in trial.load_log.warnings if "dose" in w.problem]


def test_an_infusion_the_plan_does_not_foresee_is_held_to_plausible_cell_doses():
    inf = pd.DataFrame({"subject_id": ["S1", "S1"], "infusion_number": [3.0, 3.0],
                        "cells_per_kg": [1.48, 1.2e6], "total_cells": [np.nan, np.nan]})
    subj = pd.DataFrame({"subject_id": ["S1"], "arm": ["MSC"], "weight_kg": [50.0]})
    raw = RawTable("infusions", inf.astype(object).assign(source_file="infusions.csv",
                                                          source_row=[2, 3]))
    col = Collector()
    failed = check_doses(inf, subj, PROTOCOL, raw, col)
    assert failed.tolist() == [True, False]
    assert [p.problem for p in col.result()] == [
        "1.48 looks like a dose in 10^6 cells/kg (1.48 x 10^6 = 1.48e+06 cells/kg)"]


# -- a dose per arm, products, sham infusions ----------------------------------------------------

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from t1dtrial.data import load_folder  # noqa: E402
from t1dtrial.errors import InputError, InputWarning  # noqa: E402
from t1dtrial.simulate import simulate_trial  # noqa: E402

TRIALS = Path(__file__).parents[1] / "protocol" / "trials"
DOSEFINDING = load_protocol(str(TRIALS / "dosefinding.yaml"))
CAI = load_protocol(str(TRIALS / "cai2016.yaml"))
PROTRANS = load_protocol(str(TRIALS / "protrans.yaml"))


def _rows(protocol, arm, number, cells, total=None, product=None, weight=50.0):
    n = len(cells)
    inf = pd.DataFrame({"subject_id": ["S1"] * n, "infusion_number": [float(number)] * n,
                        "cells_per_kg": cells, "total_cells": total or [np.nan] * n,
                        "product": product or [None] * n})
    subj = pd.DataFrame({"subject_id": ["S1"], "arm": [arm], "weight_kg": [weight]})
    raw = RawTable("infusions", inf.astype(object).assign(source_file="infusions.csv",
                                                          source_row=list(range(2, n + 2))))
    col = Collector()
    failed = check_doses(inf, subj, protocol, raw, col)
    return failed.tolist(), col.result()


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["LOW", "HIGH"]), st.sampled_from([1, 2]), st.floats(0.5, 2.0))
def test_each_arm_is_held_to_its_own_planned_dose(arm, number, factor):
    planned = {"LOW": 1e6, "HIGH": 3e6}[arm]
    assert _rows(DOSEFINDING, arm, number, [planned * factor]) == ([False], [])


def test_a_dose_of_the_other_arm_is_reported_naming_the_arm_s_planned_dose():
    failed, [problem] = _rows(DOSEFINDING, "LOW", 2, [3e6 * 1.5])
    assert failed == [False] and problem.severity == "warning"
    assert (problem.file, problem.row, problem.subject, problem.column, problem.value) == (
        "infusions.csv", 2, "S1", "cells_per_kg", 4.5e6)
    assert problem.expected.startswith("the planned dose for arm LOW, infusion 2: 1 × 10^6 "
                                       "cells/kg, from 5 × 10^5 to 2 × 10^6 cells/kg")


def test_each_product_is_held_to_its_own_dose():
    assert _rows(CAI, "STEM", 1, [1.1e6, 106.8e6], product=["MSC", "MNC"]) == ([False, False], [])
    failed, problems = _rows(CAI, "STEM", 1, [106.8e6, 1.1e6], product=["MSC", "MNC"])
    assert failed == [False, False] and [p.row for p in problems] == [2, 3]
    assert "infusion 1 (MSC) of arm STEM" in problems[0].problem
    assert problems[0].expected.startswith("the planned dose for arm STEM, infusion 1 (MSC): "
                                           "1.1 × 10^6 cells/kg")
    assert problems[1].expected.startswith("the planned dose for arm STEM, infusion 1 (MNC): "
                                           "1.07 × 10^8 cells/kg")


@pytest.mark.parametrize("product, words", [(None, "this row names none"),
                                            ("BM", "'BM' is not one of them")])
def test_a_row_of_an_infusion_of_several_products_must_name_one(product, words):
    failed, [problem] = _rows(CAI, "STEM", 1, [1.1e6], product=[product])
    assert failed == [True] and problem.column == "product"
    assert problem.problem == f"infusion 1 is of several products (MSC, MNC), and {words}"
    assert problem.expected == "one of MSC, MNC (one row a product of the infusion)"


@pytest.mark.parametrize("product", [None, "placebo"])
def test_a_sham_infusion_with_0_cells_is_accepted(product):
    assert _rows(PROTRANS, "PLACEBO", 1, [np.nan], total=[0.0], product=[product]) == ([False], [])


def test_cells_in_a_sham_infusion_are_an_error():
    failed, [problem] = _rows(PROTRANS, "PLACEBO", 1, [np.nan], total=[1e8])
    assert failed == [True] and problem.column == "total_cells" and problem.value == 1e8
    assert problem.problem == "a placebo participant's infusion is a sham and carries no cells"
    assert problem.expected.startswith("0 in total_cells (a sham infusion)")


def test_a_fixed_total_dose_is_compared_per_kg_of_the_participant_s_weight():
    assert _rows(PROTRANS, "MSC", 1, [np.nan], total=[1e8], weight=70.0) == ([False], [])
    failed, [problem] = _rows(PROTRANS, "MSC", 1, [np.nan], total=[100.0], weight=70.0)
    assert failed == [True] and "in units of 10^6" in problem.problem


def test_a_wrong_dose_in_a_folder_is_reported_with_file_row_participant_and_planned_dose(tmp_path):
    sim = simulate_trial(str(TRIALS / "dosefinding.yaml"), seed=5, n_per_arm=4)
    inf = sim.tables["infusions"]
    arm = sim.tables["subjects"].set_index("subject_id")["arm"]
    row = int(np.flatnonzero(arm[inf["subject_id"]].to_numpy() == "HIGH")[0])
    inf.loc[row, "cells_per_kg"] = "700000"
    sim.write(tmp_path / "d")
    with pytest.warns(InputWarning, match="outside the protocol's range"):
        trial = load_folder(tmp_path / "d", str(TRIALS / "dosefinding.yaml"))
    [warning] = [w for w in trial.load_log.warnings if w.kind == "dose outside range"]
    assert (warning.file, warning.row, warning.subject, warning.column, warning.value) == (
        "infusions.csv", row + 2, inf.at[row, "subject_id"], "cells_per_kg", "700000")
    assert warning.expected.startswith(f"the planned dose for arm HIGH, infusion "
                                       f"{inf.at[row, 'infusion_number']}: 3 × 10^6 cells/kg")


def test_a_placebo_participant_given_cells_stops_the_load(tmp_path):
    sim = simulate_trial(str(TRIALS / "protrans.yaml"), seed=5)
    inf = sim.tables["infusions"]
    row = int(np.flatnonzero(inf["total_cells"].to_numpy() == "0")[0])
    inf.loc[row, "total_cells"] = "100000000"
    sim.write(tmp_path / "d")
    with pytest.raises(InputError) as caught:
        load_folder(tmp_path / "d", str(TRIALS / "protrans.yaml"))
    [problem] = [p for p in caught.value.problems if p.kind == "cells in a sham infusion"]
    assert (problem.row, problem.subject) == (row + 2, inf.at[row, "subject_id"])


def test_a_unit_slip_in_one_product_names_the_product():
    failed, [problem] = _rows(CAI, "STEM", 1, [1.1, 106.8e6], product=["MSC", "MNC"])
    assert failed == [True, False]
    assert problem.problem.startswith("1.1 cells/kg is far below the planned dose "
                                      "(1.1 × 10^6 cells/kg, infusion 1 (MSC) of arm STEM)")
