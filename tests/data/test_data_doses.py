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
