"""load_folder: typed tables in canonical units, located problems, flags and the load log."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from t1dtrial.data import MEASUREMENT_COLUMNS, load_folder, table_schema
from t1dtrial.errors import InputError, InputWarning, Problem


def load(folder, protocol="lu2021", **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        return load_folder(folder, protocol, **kw)


def problems_of(folder, **kw) -> list[Problem]:
    with pytest.raises(InputError) as info:
        load(folder, **kw)
    return [p for p in info.value.problems if p.severity == "error"]


def test_tables_have_the_columns_and_dtypes_of_the_internal_contract(valid_folder, protocol):
    trial = load(valid_folder)
    assert tuple(trial.measurements.columns) == MEASUREMENT_COLUMNS
    m = trial.measurements
    assert m["value"].dtype == float and m["date"].dtype == "datetime64[ns]"
    assert m["below_lod"].dtype == bool and m["out_of_window"].dtype == bool
    assert trial.infusions["infusion_number"].dtype == "int64"
    assert trial.subjects["enrolment_date"].dtype == "datetime64[ns]"
    assert trial.insulin_free["end_date"].isna().all()
    for name, frame in trial.tables.items():
        schema, _ = table_schema(name, protocol, final=True)
        schema.validate(frame)
        assert frame["source_row"].dtype == "int64"


def test_values_are_converted_and_raw_text_is_kept(valid_folder, tables):
    trial = load(valid_folder)
    m = trial.measurements
    pcp = m[m.param == "PCP"].iloc[0]
    assert pcp["unit"] == "nmol/L" and pcp["unit_raw"] == "pmol/L"
    assert pcp["value"] == pytest.approx(float(pcp["value_raw"]) / 1000, rel=1e-12)
    assert trial.load_log.conversions == {"PCP: pmol/L -> nmol/L": 36}


def test_rows_read_equal_rows_used_plus_rows_excluded(rewrite, tables):
    m = tables["measurements"]
    m.loc[3, "value"] = ""
    tables["measurements"] = pd.concat([m, m.iloc[[10, 11]]], ignore_index=True)
    trial = load(rewrite(tables))
    for c in trial.load_log.table_counts():
        assert c["rows_in"] == c["rows_used"] + c["excluded"]
    reasons = [e.reason for e in trial.load_log.exclusions]
    assert reasons == ["no value recorded", "the same value is already recorded on row 12",
                       "the same value is already recorded on row 13"]


def test_problems_carry_file_row_column_and_value(rewrite, tables):
    tables["subjects"].loc[0, "sex"] = "X"
    tables["measurements"].loc[4, "value"] = "high"
    probs = problems_of(rewrite(tables))
    assert Problem(file="subjects.csv", row=2, column="sex", value="X", problem="unknown sex",
                   expected="M or F", subject="S01") in probs
    assert any(p.file == "measurements.csv" and p.row == 6 and p.column == "value"
               and p.value == "high" and p.subject == "S01" and p.visit == "BL"
               and p.param == "WEIGHT" for p in probs)


def test_missing_required_values_are_reported_per_row(rewrite, tables):
    tables["subjects"].loc[2, "age_at_onset"] = ""
    probs = problems_of(rewrite(tables))
    assert [(p.row, p.column, p.problem) for p in probs] == [
        (4, "age_at_onset", "a value is required")]


def test_header_names_match_ignoring_case_and_extra_columns_are_kept(rewrite, tables):
    tables["subjects"] = tables["subjects"].rename(columns={"subject_id": "Subject_ID",
                                                            "weight_kg": "Weight KG"})
    tables["subjects"]["cohort"] = "A"
    trial = load(rewrite(tables))
    assert trial.subjects["cohort"].tolist() == ["A"] * 6
    assert list(trial.subjects.columns[-1:]) == ["cohort"]
    assert trial.subjects["weight_kg"].notna().all()


def test_codes_are_matched_leniently(rewrite, tables):
    tables["subjects"].loc[0, "sex"] = "male"
    tables["subjects"].loc[1, "arm"] = "control"
    tables["measurements"].loc[0, "visit"] = "Baseline"
    tables["measurements"].loc[1, "param"] = "pcp"
    tables["adverse_events"].loc[0, "serious"] = "no"
    trial = load(rewrite(tables))
    assert trial.subjects.loc[0, "sex"] == "M" and trial.subjects.loc[1, "arm"] == "CONTROL"
    assert trial.measurements.loc[0, "visit"] == "BL" and trial.measurements.loc[1, "param"] == "PCP"
    assert trial.adverse_events.loc[0, "serious"] == "N"


def test_below_detection_takes_half_the_limit_by_default(rewrite, tables, protocol):
    tables["measurements"].loc[0, "value"] = "<0.01"
    folder = rewrite(tables)
    trial = load(folder)
    row = trial.measurements.loc[0]
    assert row["below_lod"] and row["value"] == pytest.approx(0.005) and row["value_raw"] == "<0.01"
    assert trial.load_log.below_lod == {"FCP": 1}
    limit = protocol.model_copy(update={"analysis": protocol.analysis.model_copy(
        update={"below_detection": "limit"})})
    assert load(folder, limit).measurements.loc[0, "value"] == pytest.approx(0.01)


def test_insulin_per_day_uses_weight_at_the_same_visit_else_baseline(rewrite, tables):
    m = tables["measurements"]
    i = m.index[(m.subject_id == "S01") & (m.visit == "M3") & (m.param == "INSULIN")][0]
    j = m.index[(m.subject_id == "S02") & (m.visit == "M6") & (m.param == "INSULIN")][0]
    m.loc[[i, j], ["value", "unit"]] = ["30", "U/day"]
    w = float(m[(m.subject_id == "S01") & (m.visit == "M3") & (m.param == "WEIGHT")]["value"].iloc[0])
    tables["measurements"] = m[~((m.subject_id == "S02") & (m.visit == "M6")
                                 & (m.param == "WEIGHT"))]
    trial = load(rewrite(tables))
    out = trial.measurements.set_index(["subject_id", "visit", "param"])["value"]
    assert out["S01", "M3", "INSULIN"] == pytest.approx(30 / w)
    base = float(tables["subjects"].loc[1, "weight_kg"])
    assert out["S02", "M6", "INSULIN"] == pytest.approx(30 / base)
    assert trial.load_log.conversions["INSULIN: U/day -> U/kg/day"] == 2


def test_total_cells_give_cells_per_kg_from_baseline_weight(rewrite, tables):
    inf = tables["infusions"]
    inf["total_cells"] = ""
    inf.loc[0, ["cells_per_kg", "total_cells"]] = ["", "6.0e7"]
    trial = load(rewrite(tables))
    weight = trial.subjects.set_index("subject_id").loc[inf.loc[0, "subject_id"], "weight_kg"]
    assert trial.infusions.loc[0, "cells_per_kg"] == pytest.approx(6e7 / weight)
    assert trial.load_log.conversions["infusion dose: cells -> cells/kg"] == 1


def test_out_of_window_rows_are_flagged_and_warned(rewrite, tables):
    m = tables["measurements"]
    i = m.index[(m.subject_id == "S02") & (m.visit == "M3")][0]
    m.loc[i, "date"] = (pd.Timestamp(m.loc[i, "date"]) + pd.Timedelta(days=40)).strftime("%Y-%m-%d")
    with pytest.warns(InputWarning, match="outside the window of visit M3"):
        trial = load_folder(rewrite(tables), "lu2021")
    assert trial.measurements["out_of_window"].sum() == 1
    assert trial.measurements.loc[i, "out_of_window"]
    assert len(trial.measurements) == len(m)


def test_window_uses_the_first_infusion_as_day_zero(rewrite, tables):
    # S01 is MSC: infused 7 days after enrolment; BL measured 3 days before the infusion
    trial = load(rewrite(tables))
    assert not trial.measurements["out_of_window"].any()
    tables["infusions"] = tables["infusions"][tables["infusions"].subject_id != "S01"]
    tables["insulin_free"] = tables["insulin_free"].iloc[:0]
    trial = load(rewrite(tables))
    flagged = trial.measurements[trial.measurements.out_of_window]
    assert set(flagged["subject_id"]) == {"S01"}  # day 0 falls back to enrolment


def test_missing_baseline_flags_the_subject_and_keeps_it(rewrite, tables):
    m = tables["measurements"]
    tables["measurements"] = m[~((m.subject_id == "S03") & (m.visit == "BL") & (m.param == "PCP"))]
    trial = load(rewrite(tables))
    flags = trial.subjects.set_index("subject_id")["missing_baseline"]
    assert flags.to_dict() == {f"S0{i}": i == 3 for i in range(1, 7)}
    assert any("no baseline (BL) value of PCP" in w.problem for w in trial.load_log.warnings)


def test_subject_without_any_measurement_is_kept_and_flagged(rewrite, tables):
    m = tables["measurements"]
    tables["measurements"] = m[m.subject_id != "S06"]
    trial = load(rewrite(tables))
    assert "S06" in set(trial.subjects.subject_id)
    assert trial.subjects.set_index("subject_id").loc["S06", "missing_baseline"]


def test_identifiers_are_dropped_and_logged_on_request(rewrite, tables):
    tables["subjects"]["Initials"] = "AB"
    folder = rewrite(tables)
    assert problems_of(folder)[0].column == "Initials"
    with pytest.warns(InputWarning, match="identifier column dropped"):
        trial = load_folder(folder, "lu2021", drop_identifiers=True)
    assert "Initials" not in trial.subjects.columns
    assert trial.load_log.identifiers_dropped == [
        {"file": "subjects.csv", "column": "Initials", "why": "its name says it holds a person's name",
         "row": 1, "cells": 0}]


def test_many_rows_with_the_same_problem_are_summarised(rewrite, tables):
    tables["measurements"]["unit"] = "mg"
    probs = problems_of(rewrite(tables))
    assert sum(p.count for p in probs) == 180  # every row, one line per participant and parameter
    assert all(p.subject and p.param for p in probs[:-1])
    assert probs[0].rows == (2, 7, 12, 17, 22, 27) and probs[0].visit == "BL, M1, M3, M6, M9, M12"
    assert probs[-1].problem == "... and 80 more row(s) with the same problem"


def test_adverse_event_ending_before_onset(rewrite, tables):
    tables["adverse_events"].loc[0, "end_date"] = "2000-01-01"
    probs = problems_of(rewrite(tables))
    assert [(p.file, p.row, p.column) for p in probs] == [("adverse_events.csv", 2, "end_date")]
    assert probs[0].problem.startswith("ends before it starts (onset_date ")


def test_duplicate_infusion_number(rewrite, tables):
    inf = tables["infusions"]
    inf.loc[1, "infusion_number"] = "1"
    probs = problems_of(rewrite(tables))
    assert [(p.row, p.column, p.value) for p in probs] == [(3, "infusion_number", "1")]


def test_insulin_free_file_is_optional(rewrite, tables):
    del tables["insulin_free"]
    trial = load(rewrite(tables))
    assert list(trial.insulin_free.columns) == ["subject_id", "start_date", "end_date", "source_row"]
    assert trial.insulin_free.empty


def test_adverse_events_file_may_hold_no_event(rewrite, tables):
    tables["adverse_events"] = tables["adverse_events"].iloc[:0]
    assert load(rewrite(tables)).adverse_events.empty


def test_problems_of_several_files_come_together(rewrite, tables):
    tables["subjects"].loc[0, "arm"] = "X"
    tables["infusions"].loc[0, "date"] = "soon"
    tables["adverse_events"].loc[0, "related"] = "who knows"
    files = {p.file for p in problems_of(rewrite(tables))}
    assert files == {"subjects.csv", "infusions.csv", "adverse_events.csv"}


def test_inputs_are_not_modified(rewrite, tables):
    folder = rewrite(tables)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    load(folder)
    assert before == {p.name: p.read_bytes() for p in folder.iterdir()}


def test_study_ids_keep_leading_zeros_and_text(rewrite, tables):
    ids = {"S01": "007", "S02": "0008"}
    for name in ("subjects", "measurements", "infusions", "adverse_events", "insulin_free"):
        tables[name]["subject_id"] = tables[name]["subject_id"].replace(ids)
    trial = load(rewrite(tables))
    assert trial.subjects["subject_id"].tolist()[:2] == ["007", "0008"]
    assert np.isin(["007", "0008"], trial.measurements["subject_id"]).all()


def test_loader_column_names_in_a_file_do_not_clash(tmp_path, valid_folder):
    # e.g. measurements saved straight from trial.measurements with pandas
    trial = load(valid_folder)
    folder = tmp_path / "saved"
    folder.mkdir()
    for name, frame in trial.tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    again = load(folder)
    assert again.measurements["source_file"].eq("measurements.csv").all()
    assert again.measurements["source_row"].tolist() == list(range(2, 182))
    pd.testing.assert_series_equal(again.measurements["value"], trial.measurements["value"])


def test_in_memory_tables_with_loader_columns_load_again(valid_folder):
    from t1dtrial.data import load_tables

    trial = load(valid_folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        again = load_tables(trial.tables, "lu2021")
    pd.testing.assert_series_equal(again.measurements["value"], trial.measurements["value"])
