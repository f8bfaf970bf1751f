"""The Trial container: constructors, writing a folder, study day 0, the load log."""

from __future__ import annotations

import dataclasses
import warnings

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from t1dtrial.data import (LoadLog, Trial, load_folder, load_tables, study_day0, write_folder)
from t1dtrial.data.log import Exclusion, FileRecord
from t1dtrial.errors import InputError, InputWarning, Problem


@pytest.fixture
def trial(valid_folder):
    return load_folder(valid_folder, "lu2021")


def assert_same_tables(a: Trial, b: Trial) -> None:
    for name in Trial.TABLE_NAMES:
        assert_frame_equal(a.tables[name], b.tables[name], check_exact=True, obj=name)


def test_from_folder_is_load_folder(valid_folder, trial):
    again = Trial.from_folder(valid_folder, "lu2021", format="csv")
    assert_same_tables(trial, again)
    assert repr(again) == ("Trial(protocol='lu2021'; subjects 6, measurements 180, infusions 6, "
                           "adverse_events 2, insulin_free 1)")


def test_trial_is_frozen(trial):
    with pytest.raises(dataclasses.FrozenInstanceError):
        trial.subjects = None  # type: ignore[misc]


def test_from_tables_rebuilds_the_same_trial(trial):
    rebuilt = Trial.from_tables(trial.tables, trial.protocol, trial.load_log)
    assert_same_tables(trial, rebuilt)
    assert rebuilt.load_log is trial.load_log


def test_from_tables_fills_loader_columns_with_defaults(trial):
    core = {name: df[[c for c in df.columns if c not in ("source_row", "value_raw", "unit_raw",
                                                           "below_lod", "out_of_window",
                                                           "source_file", "missing_baseline")]]
            for name, df in trial.tables.items()}
    del core["insulin_free"]
    rebuilt = Trial.from_tables(core, "lu2021")
    m = rebuilt.measurements
    assert not m["below_lod"].any() and not m["out_of_window"].any()
    assert m["source_row"].tolist()[:2] == [2, 3]
    assert rebuilt.insulin_free.empty and rebuilt.load_log.format == "tables"
    assert_frame_equal(m[["subject_id", "visit", "param", "value", "unit"]],
                       trial.measurements[["subject_id", "visit", "param", "value", "unit"]])


def test_from_tables_refuses_missing_tables_and_columns(trial):
    tables = dict(trial.tables)
    del tables["adverse_events"]
    tables["subjects"] = tables["subjects"].drop(columns=["arm"])
    with pytest.raises(InputError) as info:
        Trial.from_tables(tables, "lu2021")
    assert [(p.file, p.column, p.problem) for p in info.value.problems] == [
        ("subjects", "arm", "required column missing"), ("adverse_events", None, "table missing")]


def test_from_tables_checks_codes_against_the_protocol(trial):
    tables = dict(trial.tables)
    tables["measurements"] = tables["measurements"].assign(visit="W52")
    with pytest.raises(InputError, match=r"measurements table:2-31:visit \(participant S01, FCP, "
                                         r"PCP, HBA1C, INSULIN, WEIGHT\): 'W52' — 30 rows: visit "
                                         r"not in the protocol"):
        Trial.from_tables(tables, "lu2021")


def test_write_folder_then_load_gives_the_same_trial(trial, tmp_path):
    written = write_folder(trial, tmp_path / "copy")
    assert sorted(p.name for p in written.values()) == sorted(
        ["subjects.csv", "measurements.csv", "infusions.csv", "adverse_events.csv",
         "insulin_free.csv"])
    assert_same_tables(trial, load_folder(tmp_path / "copy", "lu2021"))


def test_write_folder_writes_values_as_they_were_read(tmp_path, tables, rewrite):
    tables["measurements"].loc[0, "value"] = "<0.01"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        trial = load_folder(rewrite(tables), "lu2021")
    write_folder(trial, tmp_path / "copy")
    text = (tmp_path / "copy" / "measurements.csv").read_text().splitlines()
    assert text[0] == "subject_id,visit,date,param,value,unit"
    assert text[1].endswith(",FCP,<0.01,nmol/L")
    assert ",PCP," in text[2] and text[2].endswith(",pmol/L")
    subjects = (tmp_path / "copy" / "subjects.csv").read_text().splitlines()
    assert "missing_baseline" not in subjects[0] and "source_row" not in subjects[0]


def test_write_folder_refuses_unknown_table_names(tmp_path):
    with pytest.raises(ValueError, match=r"must hold tables named .* Got \['visits'\]"):
        write_folder({"visits": pd.DataFrame()}, tmp_path)


def test_load_tables_validates_in_memory_tables_like_files(tables, valid_folder):
    typed = dict(tables)
    typed["subjects"] = typed["subjects"].assign(
        age_at_onset=lambda d: d["age_at_onset"].astype(int),
        weight_kg=lambda d: d["weight_kg"].astype(float),
        enrolment_date=lambda d: pd.to_datetime(d["enrolment_date"]))
    in_memory = load_tables(typed, "lu2021")
    from_files = load_folder(valid_folder, "lu2021")
    for name in Trial.TABLE_NAMES:
        cols = [c for c in from_files.tables[name].columns if c != "source_file"]
        assert_frame_equal(in_memory.tables[name][cols], from_files.tables[name][cols], obj=name)


def test_load_tables_locates_problems_as_in_the_written_files(tables):
    tables["measurements"].loc[9, "param"] = "LDL"
    with pytest.raises(InputError, match=r"measurements\.csv:11:param \(participant S01, visit M1\): 'LDL' — unknown parameter"):
        load_tables(tables, "lu2021")


def test_study_day0_is_first_infusion_else_enrolment(trial):
    day0 = study_day0(trial.subjects, trial.infusions)
    first = trial.infusions.groupby("subject_id")["date"].min()
    enrol = trial.subjects.set_index("subject_id")["enrolment_date"]
    assert list(day0.index) == list(trial.subjects["subject_id"])
    for sid in day0.index:
        assert day0[sid] == (first[sid] if sid in first.index else enrol[sid])


def test_study_day0_names_a_missing_column():
    with pytest.raises(ValueError, match=r"The 'infusions' parameter of study_day0 must have the "
                                         r"column\(s\) \['subject_id', 'date'\]\. Got columns \[\] "
                                         r"instead\."):
        study_day0(pd.DataFrame({"subject_id": [], "enrolment_date": []}), pd.DataFrame())


def test_load_log_round_trips_through_a_dict(trial):
    log = trial.load_log
    log2 = LoadLog.from_dict(log.to_dict())
    assert log2 == log
    full = LoadLog(source="x", format="csv",
                   files=[FileRecord("a.csv", "subjects", "0" * 64, 3)],
                   rows_in={"subjects": 3}, rows_used={"subjects": 2},
                   exclusions=[Exclusion("a.csv", 4, "no value recorded", "subjects")],
                   conversions={"FCP: pmol/L -> nmol/L": 2}, below_lod={"FCP": 1},
                   warnings=[Problem("a.csv", 2, "date", "2020-01-01", "late", "", "warning")],
                   identifiers_dropped=[{"file": "a.csv", "column": "name"}])
    assert LoadLog.from_dict(full.to_dict()) == full
    assert "a.csv:4: no value recorded" in full.describe()
