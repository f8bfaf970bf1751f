"""`t1dtrial validate`: exit 0 with a summary, or exit 2 naming file, row, column and value."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from t1dtrial.cli import main


def _example():
    name = "t1dtrial_tests_data_example"
    if name not in sys.modules:
        path = Path(__file__).parents[1] / "data" / "data_example.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


example = _example()


@pytest.fixture
def tables():
    return example.make_tables()


def run(capsys, folder: Path, *args: str) -> tuple[int, str, str]:
    rc = main(["validate", str(folder), *args])
    out, err = capsys.readouterr()
    return rc, out, err


def write(tmp_path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    return example.write_tables(tables, tmp_path / "data")


def meas_row(tables, subject: str, visit: str, param: str) -> int:
    """Index (0-based) of a measurement row; its line in the file is index + 2."""
    m = tables["measurements"]
    return int(m.index[(m.subject_id == subject) & (m.visit == visit) & (m.param == param)][0])


def set_meas(tables, subject, visit, param, /, **values) -> int:
    """Change cells of one measurement row; returns its line number in the file."""
    i = meas_row(tables, subject, visit, param)
    for column, value in values.items():
        tables["measurements"].loc[i, column] = value
    return i + 2


def assert_problem(capsys, folder, pattern: str, *args: str) -> str:
    rc, out, err = run(capsys, folder, *args)
    assert rc == 2, out + err
    assert re.search(pattern, err), err
    return err


# -- valid data ----------------------------------------------------------------------------

def test_valid_folder_exits_0_with_rows_read_used_and_conversions(tmp_path, tables, capsys):
    rc, out, err = run(capsys, write(tmp_path, tables), "--protocol", "lu2021")
    assert rc == 0, err
    assert "valid csv data for protocol lu2021 (6 participants, 180 measurements)" in out
    assert re.search(r"measurements\s+180\s+180\s+0", out)
    assert "PCP: pmol/L -> nmol/L: 36" in out


def test_help_ends_with_an_example(capsys):
    assert main(["validate", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Example: t1dtrial validate" in out


def test_missing_folder_exits_2(tmp_path, capsys):
    assert_problem(capsys, tmp_path / "nowhere", r"nowhere: '.*nowhere' — no such file or folder")


def test_unknown_format_exits_2(tmp_path, tables, capsys):
    assert_problem(capsys, write(tmp_path, tables),
                   r"--format: 'sas' — unknown input format; expected one of auto, csv", "--format",
                   "sas")


# -- files and columns ---------------------------------------------------------------------

def test_missing_file_is_named(tmp_path, tables, capsys):
    folder = write(tmp_path, tables)
    (folder / "infusions.csv").unlink()
    assert_problem(capsys, folder, r"infusions\.csv: the file is missing; expected infusions\.csv "
                                   r"in data with columns subject_id, infusion_number, date")


def test_missing_required_column_is_named_on_the_header_row(tmp_path, tables, capsys):
    tables["subjects"] = tables["subjects"].drop(columns=["sex"])
    assert_problem(capsys, write(tmp_path, tables),
                   r"subjects\.csv:1:sex: required column missing; expected a column named sex")


def test_empty_file_is_refused(tmp_path, tables, capsys):
    folder = write(tmp_path, tables)
    (folder / "adverse_events.csv").write_bytes(b"")
    assert_problem(capsys, folder, r"adverse_events\.csv: the file is empty; expected a header line")


def test_subjects_file_with_only_a_header_is_refused(tmp_path, tables, capsys):
    tables["subjects"] = tables["subjects"].iloc[:0]
    assert_problem(capsys, write(tmp_path, tables),
                   r"subjects\.csv: the file has a header but no data rows")


def test_binary_file_is_not_utf8(tmp_path, tables, capsys):
    folder = write(tmp_path, tables)
    (folder / "measurements.csv").write_bytes(b"subject_id,visit\n\x81\x02\x03\xfe\n")
    assert_problem(capsys, folder, r"measurements\.csv:2: the file is not UTF-8 text")


def test_utf16_file_is_refused(tmp_path, tables, capsys):
    folder = write(tmp_path, tables)
    text = (folder / "subjects.csv").read_text(encoding="utf-8")
    (folder / "subjects.csv").write_bytes(text.encode("utf-16"))
    assert_problem(capsys, folder, r"subjects\.csv: the file is saved as UTF-16 text")


def test_latin1_file_is_read_with_a_warning(tmp_path, tables, capsys):
    tables["adverse_events"].loc[0, "term"] = "Fièvre"
    folder = write(tmp_path, tables)
    text = (folder / "adverse_events.csv").read_text(encoding="utf-8")
    (folder / "adverse_events.csv").write_bytes(text.encode("latin-1"))
    rc, out, err = run(capsys, folder)
    assert rc == 0, err
    assert "adverse_events.csv:2: the file is not UTF-8; it was read as latin-1" in out


def test_identifier_column_is_refused(tmp_path, tables, capsys):
    tables["subjects"]["Date of Birth"] = "2001-01-01"
    assert_problem(capsys, write(tmp_path, tables),
                   r"subjects\.csv:1:Date of Birth: direct identifier column .*--drop-identifiers")


def test_identifier_column_is_dropped_on_request(tmp_path, tables, capsys):
    tables["subjects"]["email"] = "a@b.org"
    rc, out, err = run(capsys, write(tmp_path, tables), "--drop-identifiers")
    assert rc == 0, err
    assert "identifier columns dropped: subjects.csv:email" in out


# -- subjects ------------------------------------------------------------------------------

def test_duplicate_subject_id_names_both_rows(tmp_path, tables, capsys):
    tables["subjects"].loc[2, "subject_id"] = "S01"
    assert_problem(capsys, write(tmp_path, tables),
                   r"subjects\.csv:4:subject_id: 'S01' — duplicate subject_id: the participant is "
                   r"already on row 2")


def test_arm_not_in_protocol(tmp_path, tables, capsys):
    tables["subjects"].loc[1, "arm"] = "PLACEBO"
    assert_problem(capsys, write(tmp_path, tables),
                   r"subjects\.csv:3:arm \(participant S02\): 'PLACEBO' — arm not in the protocol; expected an arm of "
                   r"the protocol: MSC, CONTROL")


def test_unparseable_date(tmp_path, tables, capsys):
    tables["subjects"].loc[0, "diagnosis_date"] = "15/04/2019"
    assert_problem(capsys, write(tmp_path, tables),
                   r"subjects\.csv:2:diagnosis_date \(participant S01\): '15/04/2019' — not a date in ISO form; "
                   r"expected an ISO date YYYY-MM-DD")


def test_enrolment_before_diagnosis(tmp_path, tables, capsys):
    tables["subjects"].loc[3, "enrolment_date"] = "2018-01-01"
    diag = tables["subjects"].loc[3, "diagnosis_date"]
    assert_problem(capsys, write(tmp_path, tables),
                   rf"subjects\.csv:5:enrolment_date \(participant S04\): '2018-01-01' — enrolment before diagnosis "
                   rf"\(diagnosis_date {diag}\)")


def test_implausible_baseline_weight(tmp_path, tables, capsys):
    tables["subjects"].loc[0, "weight_kg"] = "300"
    assert_problem(capsys, write(tmp_path, tables),
                   r"subjects\.csv:2:weight_kg \(participant S01\): '300' — implausible body weight; expected kg "
                   r"between 10 and 250")


# -- measurements --------------------------------------------------------------------------

def test_subject_missing_from_subjects(tmp_path, tables, capsys):
    line = set_meas(tables, "S02", "M3", "FCP", subject_id="S99")
    assert_problem(capsys, write(tmp_path, tables),
                   rf"measurements\.csv:{line}:subject_id \(visit M3, FCP\): 'S99' — participant not listed in "
                   r"subjects\.csv")


def test_visit_not_in_protocol(tmp_path, tables, capsys):
    line = set_meas(tables, "S01", "M12", "HBA1C", visit="M24")
    assert_problem(capsys, write(tmp_path, tables),
                   rf"measurements\.csv:{line}:visit \(participant S01, HBA1C\): 'M24' — visit not in the protocol; expected "
                   r"a visit of the protocol: BL, M1, M3, M6, M9, M12")


def test_unknown_parameter(tmp_path, tables, capsys):
    line = set_meas(tables, "S01", "BL", "HBA1C", param="LDL")
    assert_problem(capsys, write(tmp_path, tables),
                   rf"measurements\.csv:{line}:param \(participant S01, visit BL\): 'LDL' — unknown parameter; expected FCP, PCP")


def test_unknown_unit(tmp_path, tables, capsys):
    line = set_meas(tables, "S03", "M6", "FCP", unit="nmol/X")
    assert_problem(capsys, write(tmp_path, tables),
                   rf"measurements\.csv:{line}:unit \(participant S03, visit M6, FCP\): 'nmol/X' — unknown unit; expected a unit of "
                   r"FCP: nmol/L, pmol/L, ng/mL")


def test_missing_unit(tmp_path, tables, capsys):
    line = set_meas(tables, "S03", "M6", "HBA1C", unit="")
    assert_problem(capsys, write(tmp_path, tables),
                   rf"measurements\.csv:{line}:unit \(participant S03, visit M6, HBA1C\): no unit; expected a unit of HBA1C: %, mmol/mol")


def test_unit_of_another_parameter(tmp_path, tables, capsys):
    line = set_meas(tables, "S03", "M6", "HBA1C", unit="pmol/L")
    assert_problem(capsys, write(tmp_path, tables),
                   rf"measurements\.csv:{line}:unit \(participant S03, visit M6, HBA1C\): 'pmol/L' — unit not accepted for HBA1C")


def test_non_numeric_value(tmp_path, tables, capsys):
    line = set_meas(tables, "S04", "M9", "FCP", value="0,5")
    assert_problem(capsys, write(tmp_path, tables),
                   rf"measurements\.csv:{line}:value \(participant S04, visit M9, FCP\): '0,5' — not a number; expected a number with "
                   r"a decimal point")


@pytest.mark.parametrize("param, value, unit, shown", [
    ("FCP", "12", "nmol/L", "12 nmol/L"),
    ("PCP", "12000", "pmol/L", "12 nmol/L"),
    ("FCP", "-0.1", "nmol/L", "-0.1 nmol/L"),
    ("HBA1C", "25", "%", "25 %"),
    ("HBA1C", "200", "mmol/mol", "20.45 %"),
    ("INSULIN", "4", "U/kg/day", "4 U/kg/day"),
    ("WEIGHT", "300", "kg", "300 kg"),
])
def test_implausible_value_in_canonical_units(tmp_path, tables, capsys, param, value, unit, shown):
    line = set_meas(tables, "S05", "M3", param, value=value, unit=unit)
    err = assert_problem(capsys, write(tmp_path, tables),
                         rf"measurements\.csv:{line}:value \(participant S05, visit M3, {param}\): '{re.escape(value)}' — implausible "
                         rf"value: {re.escape(shown)} \({param}\)")
    assert "after conversion to canonical units" in err


def test_same_subject_visit_param_with_different_values(tmp_path, tables, capsys):
    m = tables["measurements"]
    i = meas_row(tables, "S02", "M6", "FCP")
    extra = m.loc[[i]].assign(value="0.999")
    tables["measurements"] = pd.concat([m, extra], ignore_index=True)
    first = m.loc[i, "value"]
    assert_problem(capsys, write(tmp_path, tables),
                   rf"measurements\.csv:{len(m) + 2}:value \(participant S02, visit M6, FCP\): '0.999' — a different value for the same "
                   rf"participant, visit and parameter is on row {i + 2} \({first}\)")


def test_insulin_per_day_without_any_weight(tmp_path, tables, capsys):
    line = set_meas(tables, "S02", "M1", "INSULIN", value="30", unit="U/day")
    m = tables["measurements"]
    tables["measurements"] = m[~((m.subject_id == "S02") & (m.visit == "M1")
                                 & (m.param == "WEIGHT"))].reset_index(drop=True)
    tables["subjects"].loc[1, "weight_kg"] = ""
    err = assert_problem(capsys, write(tmp_path, tables),
                         r"subjects\.csv:3:weight_kg \(participant S02\): a value is required")
    assert (f"measurements.csv:{line}:unit (participant S02, visit M1, INSULIN): 'U/day' — an insulin dose in U/day cannot be "
            "converted to U/kg/day: no body weight for this participant") in err


# -- infusions, adverse events -------------------------------------------------------------

def test_infusion_for_a_control_subject(tmp_path, tables, capsys):
    extra = tables["infusions"].iloc[[0]].assign(subject_id="S02")
    tables["infusions"] = pd.concat([tables["infusions"], extra], ignore_index=True)
    line = len(tables["infusions"]) + 1
    assert_problem(capsys, write(tmp_path, tables),
                   rf"infusions\.csv:{line}:subject_id: 'S02' — infusion recorded for a participant "
                   r"of the standard-care arm CONTROL; expected infusions only for participants of MSC")


def test_unknown_adverse_event_severity(tmp_path, tables, capsys):
    tables["adverse_events"].loc[1, "severity"] = "grade 7"
    assert_problem(capsys, write(tmp_path, tables),
                   r"adverse_events\.csv:3:severity \(participant S02\): 'grade 7' — unknown severity; expected mild, "
                   r"moderate, severe or a CTCAE grade 1 to 5")


def test_every_problem_is_reported_not_just_the_first(tmp_path, tables, capsys):
    tables["subjects"].loc[1, "arm"] = "PLACEBO"
    set_meas(tables, "S01", "BL", "FCP", value="abc")
    set_meas(tables, "S03", "M6", "FCP", unit="mg")
    err = assert_problem(capsys, write(tmp_path, tables), r"3 problem\(s\) must be fixed")
    assert "PLACEBO" in err and "'abc'" in err and "'mg'" in err


# -- warnings, not errors -------------------------------------------------------------------

def test_value_outside_its_window_is_kept_and_flagged(tmp_path, tables, capsys):
    line = set_meas(tables, "S02", "M6", "FCP")
    tables["measurements"].loc[line - 2, "date"] = "2021-12-31"
    rc, out, err = run(capsys, write(tmp_path, tables))
    assert rc == 0, err
    assert re.search(rf"measurements\.csv:{line}:date \(participant S02, visit M6, FCP\): '2021-12-31' — measured on study day \d+, "
                     r"outside the window of visit M6 \(study days 162 to 204\); kept and flagged "
                     "out_of_window", out)


def test_missing_baseline_is_a_warning(tmp_path, tables, capsys):
    m = tables["measurements"]
    tables["measurements"] = m[~((m.subject_id == "S04") & (m.visit == "BL"))]
    rc, out, err = run(capsys, write(tmp_path, tables))
    assert rc == 0, err
    assert ("subjects.csv:5:subject_id: 'S04' — no baseline (BL) value of FCP, PCP, HBA1C, "
            "INSULIN, WEIGHT; the participant is kept and flagged missing_baseline") in out


def test_below_detection_limit_is_counted_not_refused(tmp_path, tables, capsys):
    set_meas(tables, "S01", "M12", "FCP", value="<0.003")
    rc, out, err = run(capsys, write(tmp_path, tables))
    assert rc == 0, err
    assert "below the detection limit: FCP 1" in out


def test_exact_duplicate_row_is_dropped_with_a_warning(tmp_path, tables, capsys):
    m = tables["measurements"]
    tables["measurements"] = pd.concat([m, m.iloc[[5]]], ignore_index=True)
    rc, out, err = run(capsys, write(tmp_path, tables))
    assert rc == 0, err
    assert re.search(r"measurements\s+181\s+180\s+1", out)
    assert re.search(rf"measurements\.csv:{len(m) + 2}:value \(participant S01, visit M1, FCP\): "
                     r"'[\d.]+' — the same value is already recorded on row 7; the repeat is not used",
                     out)
    assert (f"measurements.csv:{len(m) + 2} (participant S01): the same value is already recorded "
            "on row 7") in out


# -- other input formats --------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["xlsx", "sdtm", "redcap"])
def test_every_input_format_validates(tmp_path, tables, capsys, fmt):
    if fmt == "xlsx":
        folder = example.write_xlsx(tables, tmp_path / "x" / "trial.xlsx").parent
    elif fmt == "sdtm":
        folder = example.write_sdtm(tables, tmp_path / "sdtm")
    else:
        folder = example.write_redcap(tables, tmp_path / "rc")
    rc, out, err = run(capsys, folder, "--format", fmt)
    assert rc == 0, err
    assert f"valid {fmt} data for protocol lu2021 (6 participants, 180 measurements)" in out


def test_sdtm_problem_names_domain_record_and_variable(tmp_path, tables, capsys):
    tables["subjects"].loc[1, "arm"] = "SOC"
    folder = example.write_sdtm(tables, tmp_path / "sdtm")
    assert_problem(capsys, folder, r"dm\.xpt:3:ARMCD \(participant S02\): 'SOC' — arm not in the protocol")


# -- exports as they come -------------------------------------------------------------------

def test_r_export_with_na_for_missing_validates_and_counts_them(tmp_path, tables, capsys):
    r_style = {name: frame.replace("", "NA") for name, frame in tables.items()}
    rc, out, err = run(capsys, write(tmp_path, r_style))
    assert rc == 0, err
    assert "cells read as missing (NA, NaN or .): adverse_events.csv 1, insulin_free.csv 1" in out


def test_na_where_a_value_is_required_is_named_as_missing(tmp_path, tables, capsys):
    tables["subjects"].loc[2, "sex"] = "NA"
    assert_problem(capsys, write(tmp_path, tables),
                   r"subjects\.csv:4:sex \(participant S03\): a value is required")


def test_semicolon_file_with_decimal_commas_is_read_with_one_line_saying_so(tmp_path, tables,
                                                                           capsys):
    folder = write(tmp_path, tables)
    eu = tables["measurements"].replace(r"^(\d+)\.(\d+)$", r"\1,\2", regex=True)
    eu.to_csv(folder / "measurements.csv", sep=";", index=False, lineterminator="\n")
    rc, out, err = run(capsys, folder)
    assert rc == 0, err
    lines = [line for line in out.splitlines() if "decimal commas" in line]
    assert lines == ["  measurements.csv: semicolon-separated with decimal commas (a European "
                     "spreadsheet export): 180 number(s) such as 0,25 were read as 0.25; expected "
                     "nothing to do if that is right; otherwise a comma-separated file with "
                     "decimal points"]


def test_excel_serial_number_as_a_date_is_named_with_the_date_it_means(tmp_path, tables, capsys):
    tables["subjects"].loc[0, "diagnosis_date"] = "43466"
    assert_problem(capsys, write(tmp_path, tables),
                   r"subjects\.csv:2:diagnosis_date \(participant S01\): '43466' — not a date in "
                   r"ISO form \(an Excel date serial number\? 43466 is 2019-01-01; format the "
                   r"column as dates before exporting\)")


# -- doses against the protocol --------------------------------------------------------------

def test_dose_written_in_millions_of_cells_per_kg_is_refused_with_a_unit_hint(tmp_path, tables,
                                                                              capsys):
    tables["infusions"].loc[0, "cells_per_kg"] = "1.48"
    assert_problem(capsys, write(tmp_path, tables),
                   r"infusions\.csv:2:cells_per_kg \(participant S01\): '1.48' — 1.48 cells/kg is "
                   r"far below the planned dose \(1 × 10\^6 cells/kg, infusion 1 of arm MSC\): it "
                   r"looks like a dose in 10\^6 cells/kg \(1.48 × 10\^6 = 1,480,000 cells/kg\); "
                   r"expected cells/kg")


def test_total_cells_written_in_millions_is_refused_with_a_unit_hint(tmp_path, tables, capsys):
    inf = tables["infusions"]
    inf["total_cells"] = ""
    inf.loc[1, ["cells_per_kg", "total_cells"]] = ["", "60"]
    assert_problem(capsys, write(tmp_path, tables),
                   r"infusions\.csv:3:total_cells \(participant S01\): '60' — .* far below the "
                   r"planned dose .*: it looks like a number of cells in units of 10\^6 "
                   r"\(60 × 10\^6 = 60,000,000 cells\)")


def test_dose_outside_the_planned_range_is_kept_with_a_warning(tmp_path, tables, capsys):
    tables["infusions"].loc[2, "cells_per_kg"] = "3.1e6"
    rc, out, err = run(capsys, write(tmp_path, tables))
    assert rc == 0, err
    assert ("infusions.csv:4:cells_per_kg (participant S03): '3.1e6' — a dose of 3.1 × 10^6 "
            "cells/kg is outside the protocol's range for infusion 1 of arm MSC (5 × 10^5 to "
            "2 × 10^6 cells/kg); kept (a protocol deviation)") in out


# -- dates ------------------------------------------------------------------------------------

def test_measurement_dated_in_the_future_is_an_error_naming_the_participant(tmp_path, tables,
                                                                            capsys):
    line = set_meas(tables, "S03", "M12", "PCP", date="2031-03-02")
    assert_problem(capsys, write(tmp_path, tables),
                   rf"measurements\.csv:{line}:date \(participant S03, visit M12, PCP\): "
                   r"'2031-03-02' — a date in the future \(the data are read on \d{4}-\d\d-\d\d\); "
                   r"expected a date on or before")


def test_adverse_event_ending_in_the_future_is_an_error(tmp_path, tables, capsys):
    tables["adverse_events"].loc[0, "end_date"] = "2099-01-01"
    assert_problem(capsys, write(tmp_path, tables),
                   r"adverse_events\.csv:2:end_date \(participant S01\): '2099-01-01' — a date in "
                   r"the future")


def test_measurement_after_the_participants_withdrawal_is_an_error(tmp_path, tables, capsys):
    s = tables["subjects"]
    s["status"], s["withdrawal_date"] = "completed", ""
    m = tables["measurements"]
    m9 = m.loc[(m.subject_id == "S04") & (m.visit == "M9"), "date"].iloc[0]
    s.loc[3, ["status", "withdrawal_date"]] = ["withdrawn", m9]
    line = meas_row(tables, "S04", "M12", "FCP") + 2
    err = assert_problem(capsys, write(tmp_path, tables),
                         rf"measurements\.csv:{line}-{line + 4}:date \(participant S04, visit M12, "
                         rf"FCP, PCP, HBA1C, INSULIN, WEIGHT\): '[\d-]+' — 5 rows: measured after "
                         rf"the participant withdrew from the study \(withdrawal_date {m9}\); "
                         r"expected a date on or before the withdrawal date, or the withdrawal date "
                         r"corrected")
    assert "error: 1 problem(s) (in 5 rows) must be fixed:" in err  # one line for the visit
