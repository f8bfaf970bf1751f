"""Excel, SDTM and REDCap inputs give the same trial as the contract CSV files."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from t1dtrial.data import detect_format, load_folder
from t1dtrial.data.sdtm import SERUM_INSULIN_REASON, lb_param
from t1dtrial.errors import InputError, InputWarning

CORE = {
    "subjects": ["subject_id", "arm", "sex", "age_at_onset", "diagnosis_date", "enrolment_date",
                 "weight_kg"],
    "measurements": ["subject_id", "visit", "date", "param", "value", "unit", "out_of_window"],
    "infusions": ["subject_id", "infusion_number", "date", "cells_per_kg", "lot_id", "route"],
    "adverse_events": ["subject_id", "term", "onset_date", "end_date", "severity", "serious",
                       "related"],
}


def load(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        return load_folder(path, "lu2021", **kw)


def same_core(a, b, *, tables=CORE):
    for name, cols in tables.items():
        x = a.tables[name][cols].sort_values(cols[:4]).reset_index(drop=True)
        y = b.tables[name][cols].sort_values(cols[:4]).reset_index(drop=True)
        assert_frame_equal(x, y, check_exact=False, rtol=1e-12, obj=name)


@pytest.fixture
def reference(valid_folder):
    return load(valid_folder)


# -- Excel ---------------------------------------------------------------------------------

def test_excel_workbook_gives_the_same_trial(tmp_path, tables, example, reference):
    book = example.write_xlsx(tables, tmp_path / "x" / "trial.xlsx")
    assert detect_format(book) == "xlsx" and detect_format(book.parent) == "xlsx"
    trial = load(book.parent)
    same_core(trial, reference)
    assert_frame_equal(trial.insulin_free, reference.insulin_free)
    assert trial.measurements["source_file"].iloc[0] == "trial.xlsx[measurements]"
    assert trial.load_log.format == "xlsx"


def test_excel_problems_name_workbook_sheet_row_and_column(tmp_path, tables, example):
    tables["subjects"].loc[2, "sex"] = "U"
    book = example.write_xlsx(tables, tmp_path / "trial.xlsx")
    with pytest.raises(InputError, match=r"trial\.xlsx\[subjects\]:4:sex \(participant S03\): 'U' — unknown sex"):
        load(book)


def test_excel_workbook_without_a_sheet(tmp_path, tables, example):
    del tables["infusions"]
    book = example.write_xlsx(tables, tmp_path / "trial.xlsx")
    with pytest.raises(InputError, match=r"trial\.xlsx: the sheet 'infusions' is missing"):
        load(book)


def test_damaged_workbook_is_an_input_error(tmp_path):
    (tmp_path / "trial.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match=r"trial\.xlsx: not a readable Excel workbook"):
        load(tmp_path / "trial.xlsx")


# -- SDTM ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["xpt", "csv"])
def test_sdtm_domains_give_the_same_trial(tmp_path, tables, example, reference, fmt):
    folder = example.write_sdtm(tables, tmp_path / "sdtm", fmt)
    assert detect_format(folder) == "sdtm"
    trial = load(folder)
    same_core(trial, reference)
    assert_frame_equal(trial.insulin_free.drop(columns="source_row"),
                       reference.insulin_free.drop(columns="source_row"))
    assert trial.load_log.format == "sdtm"
    reasons = [(e.file, e.reason) for e in trial.load_log.exclusions]
    assert reasons.count((f"lb.{fmt}", SERUM_INSULIN_REASON)) == 6
    assert reasons[-2:] == [(f"lb.{fmt}", "LBTESTCD ALT is not a parameter t1dtrial uses"),
                            (f"cm.{fmt}", "CMTRT PARACETAMOL is not an insulin: not used")]
    counts = {c["table"]: c for c in trial.load_log.table_counts()}
    assert counts["measurements"] == {"table": "measurements", "rows_in": 188, "rows_used": 180,
                                      "excluded": 8}
    assert set(trial.measurements["source_file"]) == {f"lb.{fmt}", f"vs.{fmt}", f"cm.{fmt}"}
    assert set(trial.measurements.loc[trial.measurements["param"] == "INSULIN", "source_file"]) \
        == {f"cm.{fmt}"}


def test_sdtm_problems_use_sdtm_variable_names(tmp_path, tables, example):
    tables["measurements"].loc[0, "unit"] = "mmol/X"
    folder = example.write_sdtm(tables, tmp_path / "sdtm", "csv")
    with pytest.raises(InputError, match=r"lb\.csv:2:LBORRESU \(participant S01, visit BASELINE, FCP\): 'mmol/X' — unknown unit"):
        load(folder)


def test_sdtm_missing_domain_and_variable(tmp_path, tables, example):
    folder = example.write_sdtm(tables, tmp_path / "sdtm", "csv")
    (folder / "ae.csv").unlink()
    dm = pd.read_csv(folder / "dm.csv", dtype=str).drop(columns=["SEX"])
    dm.to_csv(folder / "dm.csv", index=False)
    with pytest.raises(InputError) as info:
        load(folder)
    text = str(info.value)
    assert "ae.xpt: the SDTM domain AE is missing; expected ae.xpt or ae.csv" in text
    assert "dm.csv:1:SEX: required SDTM variable missing" in text


def test_sdtm_birth_date_is_a_direct_identifier(tmp_path, tables, example):
    folder = example.write_sdtm(tables, tmp_path / "sdtm", "csv")
    dm = pd.read_csv(folder / "dm.csv", dtype=str).assign(BRTHDTC="2001-02-03")
    dm.to_csv(folder / "dm.csv", index=False)
    with pytest.raises(InputError, match=r"dm\.csv:1:BRTHDTC: direct identifier column"):
        load(folder)
    trial = load(folder, drop_identifiers=True)
    assert "BRTHDTC" not in trial.subjects.columns


def test_sdtm_c_peptide_without_fasting_status_is_refused(tmp_path, tables, example):
    folder = example.write_sdtm(tables, tmp_path / "sdtm", "csv")
    lb = pd.read_csv(folder / "lb.csv", dtype=str, keep_default_na=False)
    lb.loc[0, ["LBFAST", "LBTPT", "LBELTM"]] = ""
    lb.to_csv(folder / "lb.csv", index=False)
    with pytest.raises(InputError, match=r"lb\.csv:2:LBFAST \(participant S01, visit BASELINE\): C-peptide record: cannot tell fasting"):
        load(folder)


def test_sdtm_dose_unit_must_be_cells(tmp_path, tables, example):
    folder = example.write_sdtm(tables, tmp_path / "sdtm", "csv")
    ex = pd.read_csv(folder / "ex.csv", dtype=str)
    ex.loc[1, "EXDOSU"] = "mL"
    ex.to_csv(folder / "ex.csv", index=False)
    with pytest.raises(InputError, match=r"ex\.csv:3:EXDOSU \(participant S01\): 'mL' — unknown dose unit"):
        load(folder)


@pytest.mark.parametrize("args, param", [
    (("CPEPTIDE", "Y"), "FCP"), (("CPEPTIDE", "N"), "PCP"), (("cpeptide", "", "PT2H"), "CP120"),
    (("CPEPTIDE", "", "", "90 MIN"), "CP90"), (("GLUC", "Y"), "FPG"), (("GLUC", "N"), "PPG"),
    (("HBA1C",), "HBA1C"), (("INSDOSE",), "INSULIN"), (("CP30",), "CP30"), (("ALT",), None),
])
def test_lb_test_codes_map_to_parameters(args, param):
    assert lb_param(*args) == param


# -- REDCap --------------------------------------------------------------------------------

def test_redcap_export_gives_the_same_trial(tmp_path, tables, example, reference):
    folder = example.write_redcap(tables, tmp_path / "rc")
    assert detect_format(folder) == "redcap"
    trial = load(folder)
    same_core(trial, reference)
    assert_frame_equal(trial.insulin_free.drop(columns="source_row"),
                       reference.insulin_free.drop(columns="source_row"))
    assert trial.load_log.conversions == {"PCP: pmol/L -> nmol/L": 36}


def test_redcap_unmapped_event_is_a_visit_not_in_the_protocol(tmp_path, tables, example):
    folder = example.write_redcap(tables, tmp_path / "rc")
    text = (folder / "records.csv").read_text().replace("m9_arm_1", "month_9_arm_1", 1)
    (folder / "records.csv").write_text(text)
    with pytest.raises(InputError, match=r"records\.csv:\d+:redcap_event_name \(participant S01, "
                                         r"FCP, PCP, HBA1C, INSULIN, WEIGHT\): 'month_9_arm_1' — "
                                         r"5 values: visit not in the protocol"):
        load(folder)


def test_redcap_problem_names_the_field(tmp_path, tables, example):
    tables["measurements"].loc[2, "value"] = "n/a"  # S01 BL HBA1C
    folder = example.write_redcap(tables, tmp_path / "rc")
    with pytest.raises(InputError, match=r"records\.csv:2:hba1c \(participant S01, visit BL, HBA1C\): 'n/a' — not a number"):
        load(folder)


def test_redcap_mapping_naming_a_missing_field(tmp_path, tables, example):
    folder = example.write_redcap(tables, tmp_path / "rc")
    mapping = (folder / "redcap_mapping.yaml").read_text().replace("field: fcp", "field: fcp_x")
    (folder / "redcap_mapping.yaml").write_text(mapping)
    with pytest.raises(InputError, match=r"records\.csv:1:fcp_x: field named in "
                                         r"redcap_mapping\.yaml is not in the export"):
        load(folder)


def test_redcap_mapping_with_an_unknown_column(tmp_path, tables, example):
    folder = example.write_redcap(tables, tmp_path / "rc")
    mapping = (folder / "redcap_mapping.yaml").read_text().replace("  age_at_onset:", "  age:")
    (folder / "redcap_mapping.yaml").write_text(mapping)
    with pytest.raises(InputError, match=r"redcap_mapping\.yaml: subjects: unknown column\(s\) "
                                         r"\['age'\]"):
        load(folder)


def test_folder_without_data_is_described(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match=r"no data found in the folder \(it holds notes\.txt\)"):
        load(tmp_path)
