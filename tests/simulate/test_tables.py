"""One simulated trial as the input contract, its truth, and reproducible files."""

from __future__ import annotations

import filecmp
import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.data import TABLES, load_folder
from t1dtrial.data.contract import PARAMS
from t1dtrial.errors import InputError
from t1dtrial.outputs import MARKER
from t1dtrial.protocol import load_protocol
from t1dtrial.simulate import TRUTH_COLUMNS, simulate_trial


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim") / "trial"
    simulate_trial("lu2021", seed=21).write(out)
    return out


def _read(folder, name):
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def test_folder_holds_the_contract_files_truth_and_metadata(folder):
    names = sorted(p.name for p in folder.iterdir())
    assert names == [MARKER, "adverse_events.csv", "infusions.csv", "insulin_free.csv", "measurements.csv",
                     "simulation.json", "subjects.csv", "truth.csv"]
    meta = json.loads((folder / "simulation.json").read_text())
    assert meta["synthetic"] is True and meta["seed"] == 21 and meta["protocol"] == "lu2021"
    assert "SYNTHETIC" in meta["note"]


def test_tables_use_contract_columns_in_contract_order(folder):
    for name, spec in TABLES.items():
        cols = list(_read(folder, name).columns)
        assert set(spec.required) <= set(cols), name
        assert set(cols) <= set(spec.columns), name
    assert list(_read(folder, "truth").columns) == list(TRUTH_COLUMNS)


def test_measurements_cover_every_visit_and_parameter_in_canonical_units(folder):
    m = _read(folder, "measurements")
    assert len(m) == 53 * 6 * 7
    units = m.groupby("param")["unit"].unique()
    for code, spec in PARAMS.items():
        assert units[code].tolist() == [spec.canonical_unit]
    assert set(m["visit"]) == set(load_protocol("lu2021").visit_codes)


def test_the_folder_validates_cleanly_without_warnings(folder, recwarn):
    trial = load_folder(folder, "lu2021")
    assert trial.load_log.warnings == []
    assert len(trial.subjects) == 53 and len(trial.measurements) == 53 * 6 * 7


def test_the_control_arm_has_no_infusions_and_msc_two_each(folder):
    inf = _read(folder, "infusions")
    arms = _read(folder, "subjects").set_index("subject_id")["arm"]
    assert set(arms[inf["subject_id"]]) == {"MSC"}
    assert inf.groupby("subject_id").size().eq(2).all() and len(inf) == 2 * 27
    assert set(inf["route"]) == {"intravenous"} and inf["lot_id"].str.match(r"LOT-\d{4}-[AB]").all()


def _remission_from_loaded(trial, visit="M12"):
    m = trial.measurements
    wide = m[m["param"].isin(["FCP", "PCP"])].pivot_table(
        index="subject_id", columns=["param", "visit"], values="value")
    out = {}
    for code in ("FCP", "PCP"):
        base, follow = wide[(code, "BL")], wide[(code, visit)]
        out[code] = 100 * (follow - base) / base >= 10
        out[code + "_ratio"] = follow / base - 1 >= 0.1  # another way of writing the rule
    return (out["FCP"] | out["PCP"]), (out["FCP_ratio"] | out["PCP_ratio"])


def test_truth_noisy_remission_equals_the_rule_applied_to_the_loaded_data(folder):
    trial = load_folder(folder, "lu2021")
    truth = _read(folder, "truth").set_index("subject_id")
    by_pchg, by_ratio = _remission_from_loaded(trial)
    expected = truth["remission_noisy"].eq("1")
    assert by_pchg.reindex(expected.index).tolist() == expected.tolist()
    assert by_ratio.reindex(expected.index).tolist() == expected.tolist()


def test_truth_noiseless_remission_mostly_agrees_with_noisy_and_is_commoner_in_responders(folder):
    truth = _read(folder, "truth")
    agree = (truth["remission_noiseless"] == truth["remission_noisy"]).mean()
    assert agree > 0.75
    rate = truth.groupby("responder")["remission_noiseless"].apply(lambda s: (s == "1").mean())
    assert rate["1"] > rate["0"] + 0.3


def test_truth_insulin_free_episodes_equal_insulin_free_csv(folder):
    truth = _read(folder, "truth")
    free = _read(folder, "insulin_free")
    t = truth[truth["insulin_free"] == "1"][["subject_id", "insulin_free_start", "insulin_free_end"]]
    assert t.to_numpy().tolist() == free.to_numpy().tolist()


def test_insulin_free_participants_record_zero_insulin_inside_their_episode(folder):
    m = _read(folder, "measurements")
    free = _read(folder, "insulin_free")
    ins = m[m["param"] == "INSULIN"].merge(free, on="subject_id")
    inside = (ins["date"] >= ins["start_date"]) & ((ins["end_date"] == "") | (ins["date"] <= ins["end_date"]))
    assert (ins.loc[inside, "value"].astype(float) == 0).all()
    assert (ins.loc[~inside, "value"].astype(float) > 0).all()


def test_same_seed_gives_byte_identical_files(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    simulate_trial("lu2021", seed=77, messy=True).write(a)
    simulate_trial("lu2021", seed=77, messy=True).write(b)
    names = sorted(p.name for p in a.iterdir() if p.name != MARKER)  # the marker has a time
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert mismatch == [] and errors == [] and len(match) == 8  # 5 contract files, truth, faults, json


def test_different_seed_gives_different_measurements(tmp_path):
    simulate_trial("lu2021", seed=1).write(tmp_path / "a")
    simulate_trial("lu2021", seed=2).write(tmp_path / "b")
    assert (tmp_path / "a" / "measurements.csv").read_bytes() != (tmp_path / "b" / "measurements.csv").read_bytes()


def test_without_a_seed_the_drawn_seed_reproduces_the_trial():
    first = simulate_trial("lu2021")
    again = simulate_trial("lu2021", seed=first.seed)
    assert first.tables["measurements"].equals(again.tables["measurements"])


def test_a_previous_simulated_trial_is_replaced_only_with_overwrite(tmp_path):
    sim = simulate_trial("lu2021", seed=1)
    sim.write(tmp_path / "t")
    with pytest.raises(InputError, match="holds a previous t1dtrial output .a simulated trial, "):
        simulate_trial("lu2021", seed=2).write(tmp_path / "t")
    assert json.loads((tmp_path / "t" / "simulation.json").read_text())["seed"] == 1
    simulate_trial("lu2021", seed=2).write(tmp_path / "t", overwrite=True)
    assert json.loads((tmp_path / "t" / "simulation.json").read_text())["seed"] == 2


def test_a_folder_the_simulator_did_not_write_is_never_written_into(tmp_path):
    (tmp_path / "keep.txt").write_text("x")
    sim = simulate_trial("lu2021", seed=1)
    with pytest.raises(InputError, match="t1dtrial did not write it"):
        sim.write(tmp_path, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_options_for_arm_sizes_onset_mix_and_dropout_are_applied(tmp_path):
    sim = simulate_trial("lu2021", seed=3, n_per_arm={"MSC": 40, "CONTROL": 20}, adult_fraction=1.0,
                         dropout_per_year=0.5)
    s = sim.tables["subjects"]
    assert s["arm"].value_counts().to_dict() == {"MSC": 40, "CONTROL": 20}
    assert (s["age_at_onset"].astype(float) >= 18).all()
    assert s["status"].isin(["withdrawn", "lost"]).any()
    gone = s[s["status"] != "completed"]
    assert (gone["withdrawal_date"] != "").all()
    sim.write(tmp_path / "t")
    trial = load_folder(tmp_path / "t", "lu2021")
    assert len(trial.subjects) == 60


@pytest.mark.parametrize("kwargs, message", [
    ({"adult_fraction": 1.5}, "adult_fraction: 1.5 — out of range; expected a number from 0 to 1"),
    ({"missed_visit_probability": -0.1}, "missed_visit_probability: -0.1 — out of range"),
])
def test_out_of_range_options_name_the_option(kwargs, message):
    with pytest.raises(InputError, match=message):
        simulate_trial("lu2021", seed=1, **kwargs)


@pytest.mark.parametrize("name", ["carlsson2015", "nasli2015"])
def test_other_packaged_protocols_simulate_into_folders_that_validate(tmp_path, name):
    simulate_trial(name, seed=5).write(tmp_path / name)
    trial = load_folder(tmp_path / name, name)
    assert trial.load_log.warnings == []
    if name == "carlsson2015":
        assert {"CP0", "CP15", "CP30", "CP60", "CP90", "CP120"} <= set(trial.measurements["param"])


def test_a_fixed_total_dose_protocol_writes_total_cells(tmp_path):
    import yaml

    from t1dtrial.protocol import protocol_source

    data = yaml.safe_load(protocol_source("carlsson2015")[1])
    data["infusions"][0]["dose"] = {"total": 1.0e8}
    path = tmp_path / "fixed.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    sim = simulate_trial(str(path), seed=1)
    inf = sim.tables["infusions"]
    assert "total_cells" in inf.columns and "cells_per_kg" not in inf.columns
    assert set(inf["total_cells"]) == {"100000000"}
    sim.write(tmp_path / "out")
    load_folder(tmp_path / "out", str(path))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(3, 30), dropout=st.sampled_from([0.0, 0.6]))
def test_truth_noisy_remission_matches_the_written_text_for_any_seed(seed, n, dropout):
    sim = simulate_trial("lu2021", seed=seed, n_per_arm=n, dropout_per_year=dropout)
    m = sim.tables["measurements"]
    cp = m[m["param"].isin(["FCP", "PCP"])].assign(value=lambda d: d["value"].astype(float))
    wide = cp.pivot_table(index="subject_id", columns=["param", "visit"], values="value")
    hit = pd.Series(False, index=wide.index)
    for code in ("FCP", "PCP"):
        if (code, "M12") in wide.columns:
            hit |= (100 * (wide[(code, "M12")] - wide[(code, "BL")]) / wide[(code, "BL")] >= 10)
    truth = sim.truth.set_index("subject_id")
    assessed = truth["remission_noisy"] != ""
    assert hit.reindex(truth.index[assessed]).tolist() == truth.loc[assessed, "remission_noisy"].eq("1").tolist()
    if (~assessed).any():  # no M12 visit: not assessable
        assert not m[(m["visit"] == "M12") & m["subject_id"].isin(truth.index[~assessed])].shape[0]


def test_a_placebo_arm_is_infused_with_no_cells_and_never_responds(tmp_path):
    import yaml

    from t1dtrial.protocol import protocol_source

    data = yaml.safe_load(protocol_source("carlsson2015")[1])
    data["arms"][1].update(code="PLACEBO", kind="placebo")
    data["infusions"][0]["sham_arms"] = ["PLACEBO"]
    path = tmp_path / "placebo.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    sim = simulate_trial(str(path), seed=2)
    arm = sim.tables["subjects"].set_index("subject_id")["arm"]
    inf = sim.tables["infusions"]
    assert set(arm[inf["subject_id"]]) == {"MSC", "PLACEBO"}
    assert (inf.loc[arm[inf["subject_id"]].to_numpy() == "PLACEBO", "cells_per_kg"] == "0").all()
    assert sim.truth.loc[sim.truth["arm"] == "PLACEBO", "responder"].eq(0).all()
    sim.write(tmp_path / "out")
    assert load_folder(tmp_path / "out", str(path)).load_log.warnings == []


def test_simulated_trials_are_complete_before_today():
    import datetime as dt

    sim = simulate_trial("lu2021", seed=5, n_per_arm=400)
    dates = [pd.to_datetime(sim.tables[name][c], errors="coerce").max()
             for name, cols in (("measurements", ["date"]), ("infusions", ["date"]),
                                ("adverse_events", ["onset_date", "end_date"]),
                                ("insulin_free", ["start_date", "end_date"]))
             for c in cols]
    assert max(d for d in dates if pd.notna(d)) < pd.Timestamp(dt.date.today())


def test_products_with_a_dose_per_arm_and_sham_infusions_are_written_one_row_a_product(tmp_path):
    import yaml

    from pathlib import Path

    data = yaml.safe_load((Path(__file__).parents[1] / "protocol" / "trials"
                           / "dosefinding.yaml").read_text(encoding="utf-8"))
    data["arms"][2].update(code="PLACEBO", kind="placebo")
    for inf in data["infusions"]:
        del inf["doses"]
        inf["products"] = [
            {"name": "MSC", "label": "UC-MSC", "doses": {"LOW": {"per_kg": 1e6},
                                                         "HIGH": {"per_kg": 3e6}}},
            {"name": "MNC", "label": "BM-MNC", "doses": {"LOW": {"per_kg": 5e7},
                                                         "HIGH": {"per_kg": 5e7}}}]
        inf["sham_arms"] = ["PLACEBO"]
    data["analysis"]["predictor_covariates"] = ["BFCP", "CUMDMSC"]
    path = tmp_path / "products.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    sim = simulate_trial(str(path), seed=4, n_per_arm=3)
    inf = sim.tables["infusions"]
    arm = sim.tables["subjects"].set_index("subject_id")["arm"].reindex(inf["subject_id"]).to_numpy()
    got = inf.assign(arm=arm).groupby(["arm", "product"])["cells_per_kg"].agg(set).to_dict()
    assert got == {("HIGH", "MSC"): {"3000000"}, ("HIGH", "MNC"): {"50000000"},
                   ("LOW", "MSC"): {"1000000"}, ("LOW", "MNC"): {"50000000"},
                   ("PLACEBO", "placebo"): {"0"}}
    assert (inf.groupby("subject_id")["infusion_number"].agg(set) == {"1", "2"}).all()
    sim.write(tmp_path / "out")
    assert load_folder(tmp_path / "out", str(path)).load_log.warnings == []
