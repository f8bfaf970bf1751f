"""Every injected export fault is caught by validation or handled by the stated option."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from t1dtrial.data import load_folder
from t1dtrial.errors import InputError
from t1dtrial.simulate import simulate_trial
from t1dtrial.simulate.messy import FAULT_COLUMNS, inject_faults


@pytest.fixture(scope="module", params=[1, 2])
def messy(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"messy{request.param}") / "trial"
    sim = simulate_trial("lu2021", seed=request.param, messy=True)
    sim.write(out)
    faults = pd.read_csv(out / "faults.csv", dtype=str, keep_default_na=False)
    return out, faults, sim


def _read(folder, name):
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def _repaired(folder, faults, dest):
    """The messy folder with every error fault put right, rows kept at their lines."""
    dest.mkdir()
    for p in folder.iterdir():
        dest.joinpath(p.name).write_bytes(p.read_bytes())
    m = _read(folder, "measurements")
    for f in faults[faults["handling"] == "error"].itertuples():
        i = int(f.row) - 2
        if f.fault == "unknown_subject":
            m = m.drop(index=i)  # appended at the end: no later row moves
        else:
            m.loc[i, f.column] = f.correct_value
    m.to_csv(dest / "measurements.csv", index=False, lineterminator="\n")
    return dest


def test_faults_table_has_the_documented_columns_and_every_fault_kind(messy):
    _, faults, _ = messy
    assert tuple(faults.columns) == FAULT_COLUMNS
    assert set(faults["fault"]) == {
        "cpeptide_pmol_per_l", "hba1c_mmol_per_mol", "missing_baseline", "missing_visit",
        "out_of_window", "withdrawn", "duplicate_row", "conflicting_duplicate", "mistyped_visit",
        "below_detection", "unknown_subject"}


def test_faults_point_at_the_rows_and_values_written(messy):
    folder, faults, _ = messy
    tables = {name: _read(folder, name.removesuffix(".csv")) for name in set(faults["file"])}
    for f in faults[faults["row"] != ""].itertuples():
        assert tables[f.file].loc[int(f.row) - 2, f.column] == f.value, f


def test_every_error_fault_is_reported_at_its_row_with_the_expected_message(messy):
    folder, faults, _ = messy
    with pytest.raises(InputError) as info:
        load_folder(folder, "lu2021")
    errors = [p for p in info.value.problems if p.severity == "error"]
    expected = faults[faults["handling"] == "error"]
    for f in expected.itertuples():
        hits = [p for p in errors
                if p.file == f.file and int(f.row) in p.all_rows and p.column == f.column]
        assert hits, f"no error at {f.file}:{f.row}:{f.column} for {f.fault}"
        assert any(f.expected_message_fragment in str(p) for p in hits), (f, [str(p) for p in hits])
    assert sum(p.count for p in errors) == len(expected)  # nothing else is wrong


def test_once_errors_are_put_right_every_warning_fault_is_reported(messy, tmp_path):
    folder, faults, _ = messy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trial = load_folder(_repaired(folder, faults, tmp_path / "fixed"), "lu2021")
    warned = trial.load_log.warnings
    for f in faults[faults["handling"] == "warning"].itertuples():
        hits = [w for w in warned if w.file == f.file and int(f.row) in w.all_rows]
        assert any(f.expected_message_fragment in str(w) for w in hits), f
    # the put-right conflicting duplicate is now an exact repeat, like the duplicate row
    repeats = [w for w in warned if "already recorded" in str(w)]
    assert len(repeats) == 2
    excluded = {(e.file, e.row) for e in trial.load_log.exclusions}
    for f in faults[faults["handling"] == "excluded"].itertuples():
        assert (f.file, int(f.row)) in excluded


def test_units_of_the_second_laboratory_are_converted_and_counted(messy, tmp_path):
    folder, faults, _ = messy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trial = load_folder(_repaired(folder, faults, tmp_path / "fixed"), "lu2021")
    conv = faults[faults["handling"] == "converted"]
    assert trial.load_log.conversions == conv["expected_message_fragment"].value_counts().to_dict()
    m = trial.measurements.set_index("source_row")
    for f in conv.itertuples():
        tol = 1e-12 if f.fault == "cpeptide_pmol_per_l" else 0.05  # mmol/mol are whole numbers
        assert m.loc[int(f.row), "value"] == pytest.approx(float(f.correct_value), abs=tol)


def test_below_detection_value_is_half_the_limit_under_the_protocol_option(messy, tmp_path):
    folder, faults, _ = messy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trial = load_folder(_repaired(folder, faults, tmp_path / "fixed"), "lu2021")
    f = faults[faults["fault"] == "below_detection"].iloc[0]
    rec = trial.measurements.set_index("source_row").loc[int(f["row"])]
    assert bool(rec["below_lod"]) and rec["value"] == pytest.approx(0.005)
    assert f["handling"] == "option"


def test_missing_visit_and_withdrawn_participant_are_kept_without_error(messy, tmp_path):
    folder, faults, _ = messy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trial = load_folder(_repaired(folder, faults, tmp_path / "fixed"), "lu2021")
    sid, visit = faults.loc[faults["fault"] == "missing_visit", "value"].iloc[0].split()
    m = trial.measurements
    assert sid in set(trial.subjects["subject_id"])
    assert m[(m["subject_id"] == sid) & (m["visit"] == visit)].empty
    row = int(faults.loc[faults["fault"] == "withdrawn", "row"].iloc[0])
    s = trial.subjects.set_index("source_row").loc[row]
    assert s["status"] == "withdrawn" and pd.notna(s["withdrawal_date"])
    later = m[(m["subject_id"] == s["subject_id"]) & (m["date"] > s["withdrawal_date"])]
    assert later.empty


def test_messy_trial_is_the_clean_trial_plus_faults(messy):
    _, _, sim = messy
    clean = simulate_trial("lu2021", seed=sim.seed)
    keep = ["subject_id", "arm", "sex", "age_at_onset", "diagnosis_date", "enrolment_date"]
    assert sim.tables["subjects"][keep].equals(clean.tables["subjects"][keep])
    assert sim.truth.equals(clean.truth)


def test_too_small_a_trial_is_refused_with_the_argument_named():
    sim = simulate_trial("lu2021", seed=1, n_per_arm=3)
    with pytest.raises(ValueError, match="The 'tables' parameter must hold at least 8 participants"):
        inject_faults(sim.tables, sim.protocol, seed=1)


def test_below_detection_value_is_the_limit_when_the_protocol_says_so(messy, tmp_path):
    import yaml

    from t1dtrial.protocol import protocol_source

    folder, faults, _ = messy
    data = yaml.safe_load(protocol_source("lu2021")[1])
    data["analysis"]["below_detection"] = "limit"
    path = tmp_path / "limit.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trial = load_folder(_repaired(folder, faults, tmp_path / "fixed"), str(path))
    row = int(faults.loc[faults["fault"] == "below_detection", "row"].iloc[0])
    assert trial.measurements.set_index("source_row").loc[row, "value"] == pytest.approx(0.01)
