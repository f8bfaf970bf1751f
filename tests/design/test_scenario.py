"""Scenario power: the arrays path gives the pipeline's p-values trial by trial, the table holds
power with its Monte Carlo SE, Ctrl-C keeps the finished cells, bad options are named."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from t1dtrial.cli import main
from t1dtrial.design import scenario as scenario_module
from t1dtrial.design._scenario_pvalues import (arrays_supported, pvalues_arrays,
                                               pvalues_pipeline, pvalues_pipeline_many)
from t1dtrial.design.scenario import (SCENARIO_COLUMNS, primary_spec, scenario_power,
                                      with_dose_factor)
from t1dtrial.errors import InputError
from t1dtrial.protocol import load_protocol
from t1dtrial.simulate import ModelParameters, simulate_cohort


def _cohort(name: str, trials: int, seed: int, **changes: float):
    params = ModelParameters().replace(**changes) if changes else None
    return simulate_cohort(name, n_per_arm=8, n_trials=trials, seed=seed, params=params)


@pytest.mark.parametrize("name, changes, variants", [
    # Fisher (non-responder rule), chi-square with Yates' correction leaving missing out,
    # Fisher read at an earlier follow-up visit
    ("lu2021", {"dropout_per_year": 0.8, "missed_visit_probability": 0.2},
     [{}, {"method": "chisq_cc", "missing_data": "exclude"}, {"visits": ["M6"]}]),
    # ANCOVA with AGEONSET and SEX (at M12 and M6), Welch, Mann-Whitney
    ("carlsson2015", {"dropout_per_year": 0.3},
     [{}, {"visits": ["M6"]}, {"method": "welch"}, {"method": "mann-whitney"}]),
    ("nasli2015", {}, [{}]),  # within-arm t, one arm
])
def test_arrays_give_the_pipelines_p_values(name, changes, variants):
    protocol = load_protocol(name)
    specs = [dataclasses.replace(primary_spec(protocol), **v) for v in variants]
    assert all(arrays_supported(spec, protocol) is None for spec in specs)
    cohort = _cohort(name, 2, seed=11, **changes)
    slows = ([pvalues_pipeline(cohort, specs[0])] if len(specs) == 1
             else pvalues_pipeline_many(cohort, specs))
    for spec, slow in zip(specs, slows):
        fast = pvalues_arrays(cohort, spec)
        assert fast.shape == slow.shape == (2, 1)
        assert np.isfinite(slow).all()
        np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-12)


def test_a_dose_factor_scales_every_cell_dose_and_both_paths_agree():
    protocol = with_dose_factor(load_protocol("lu2021"), 2.0)
    assert all(inf.dose.per_kg == 2.0e6 and inf.dose.range_per_kg == (1.0e6, 4.0e6)
               for inf in protocol.infusions)
    cohort = simulate_cohort(protocol, n_per_arm=8, n_trials=2, seed=4)
    assert (cohort.cumulative_cells_per_kg[cohort.arm == 0] > 2.0e6).all()
    spec = primary_spec(protocol)
    np.testing.assert_allclose(pvalues_arrays(cohort, spec), pvalues_pipeline(cohort, spec),
                               rtol=1e-9, atol=1e-12)


def test_methods_without_an_arrays_path_say_so():
    protocol = load_protocol("carlsson2015")
    spec = dataclasses.replace(primary_spec(protocol), method="mmrm")
    assert "pipeline only" in arrays_supported(spec, protocol)


@pytest.fixture(scope="module")
def small_grid():
    return scenario_power("lu2021", [10, 14], sims=60, seed=5, chunk_size=20, workers=1)


def test_the_table_holds_power_and_its_monte_carlo_se(small_grid):
    table = small_grid.table
    assert tuple(table.columns) == SCENARIO_COLUMNS and len(table) == 2
    assert table["n_by_arm"].tolist() == ["MSC=10, CONTROL=10", "MSC=14, CONTROL=14"]
    assert (table["power"] == table["rejections"] / 60).all()
    se = np.sqrt(table["power"] * (1 - table["power"]) / 60)
    assert np.allclose(table["mc_se"], se, rtol=0, atol=1e-15)
    assert set(table["method"]) == {"fisher (arrays)"} and (table["seed"] == 5).all()
    assert (table["alpha"] == 0.05).all() and (table["visit"] == "M12").all()


def test_follow_up_visits_are_a_grid_of_their_own():
    run = scenario_power("carlsson2015", [8], visits=["M6", "M12"], sims=10, seed=2,
                         chunk_size=10, workers=1)
    assert run.table["visit"].tolist() == ["M6", "M12"]
    assert (run.table["method"] == "ancova (arrays)").all()


def test_processes_and_task_grouping_give_the_same_table(small_grid):
    again = scenario_power("lu2021", [10, 14], sims=60, seed=5, chunk_size=20, workers=2,
                           chunks_per_task=3)
    pd.testing.assert_frame_equal(again.table, small_grid.table)


def test_ctrl_c_keeps_the_finished_cells(small_grid):
    def stop_after_one(done, total):
        if done == 1:
            raise KeyboardInterrupt

    run = scenario_power("lu2021", [10, 14], sims=60, seed=5, chunk_size=20, workers=1,
                         progress=stop_after_one)
    assert run.interrupted and run.missing == 1 and run.cells == 2
    pd.testing.assert_frame_equal(run.table, small_grid.table.iloc[:1])


@pytest.mark.parametrize("kwargs, said", [
    ({"allocation": {"MSC": 2, "PLACEBO": 1}}, "--allocation: 'PLACEBO'"),
    ({"alpha": 0.7}, "--alpha: '0.7' — is out of range"),
    ({"path": "fast"}, "--path: 'fast'"),
    ({"dropout_per_year": [-1.0]}, "--dropout"),
    ({"visits": ["M7"]}, "--visit: 'M7' — is not a follow-up visit of the protocol"),
    ({"visits": ["BL"]}, "--visit: 'BL'"),
])
def test_bad_options_are_input_errors(kwargs, said):
    with pytest.raises(InputError, match=said):
        scenario_power("lu2021", [10], sims=5, seed=1, **kwargs)


def test_the_command_writes_a_new_csv(tmp_path, capsys):
    out = tmp_path / "scenario.csv"
    assert main(["power", "scenario", "--protocol", "lu2021", "--n-per-arm", "10,14",
                 "--sims", "60", "--seed", "5", "--chunk-size", "20", "--workers", "1",
                 "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert tuple(table.columns) == SCENARIO_COLUMNS
    assert table["rejections"].tolist() == scenario_power(
        "lu2021", [10, 14], sims=60, seed=5, chunk_size=20, workers=1).table["rejections"].tolist()
    assert "written" in capsys.readouterr().out
    assert main(["power", "scenario", "--protocol", "lu2021", "--n-per-arm", "10",
                 "--out", str(out)]) == 2
    assert "exists; t1dtrial does not write over a file" in capsys.readouterr().err


def test_ctrl_c_in_the_command_writes_the_finished_cells(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(scenario_module, "scenario_chunk",
                        _stops_wrapper(scenario_module.scenario_chunk))
    out = tmp_path / "part.csv"
    assert main(["power", "scenario", "--protocol", "lu2021", "--n-per-arm", "10,14",
                 "--sims", "20", "--seed", "5", "--workers", "1", "--out", str(out)]) == 130
    assert pd.read_csv(out)["n_per_arm"].tolist() == [10]
    said = capsys.readouterr().out
    assert "1 of 2 cells" in said and "interrupted: 1 of 2 cells missing" in said


def _stops_wrapper(real):
    def chunk(cell, rng, trials):
        if cell["n_per_arm"] == 14:
            raise KeyboardInterrupt
        return real(cell, rng, trials)
    return chunk
