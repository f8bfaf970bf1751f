"""Exports as they come: R's NA, SAS's '.', European semicolon files, Excel date cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.data import load_folder
from t1dtrial.data._raw import MISSING_MARKERS, strip_cells
from t1dtrial.data._text import parse_csv_text
from t1dtrial.errors import InputError


def _same_trial(a, b) -> None:
    for name in ("subjects", "measurements", "infusions", "adverse_events", "insulin_free"):
        left = getattr(a, name).drop(columns=["source_file"], errors="ignore")
        right = getattr(b, name).drop(columns=["source_file"], errors="ignore")
        cols = [c for c in left.columns if c not in ("value_raw", "unit_raw")]
        pd.testing.assert_frame_equal(left[cols], right[cols], check_exact=True)


def test_r_export_with_na_cells_reads_like_blank_cells(tmp_path, tables, example, protocol):
    blank = load_folder(example.write_tables(tables, tmp_path / "blank"), protocol)
    r_style = {name: frame.replace("", "NA").fillna("NA") for name, frame in tables.items()}
    trial = load_folder(example.write_tables(r_style, tmp_path / "r"), protocol)
    _same_trial(blank, trial)
    marked = {f.name: f.read_as_missing for f in trial.load_log.files}
    assert marked["adverse_events.csv"] == 1 and marked["insulin_free.csv"] == 1
    assert "cells read as missing (NA, NaN or .): adverse_events.csv 1" in trial.load_log.describe()


def test_na_in_a_required_column_is_a_missing_value_not_a_bad_date(tmp_path, tables, example,
                                                                  protocol):
    tables["subjects"].loc[0, "diagnosis_date"] = "NA"
    with pytest.raises(InputError, match=r"subjects\.csv:2:diagnosis_date \(participant S01\): "
                                         r"a value is required"):
        load_folder(example.write_tables(tables, tmp_path / "d"), protocol)


def test_sas_dot_in_a_measurement_value_is_a_value_not_recorded(tmp_path, tables, example,
                                                                protocol):
    tables["measurements"].loc[3, "value"] = "."
    trial = load_folder(example.write_tables(tables, tmp_path / "d"), protocol)
    assert [(e.row, e.reason) for e in trial.load_log.exclusions] == [(5, "no value recorded")]


def test_semicolon_file_with_decimal_commas_reads_the_same_values(tmp_path, tables, example,
                                                                  protocol):
    plain = load_folder(example.write_tables(tables, tmp_path / "plain"), protocol)
    folder = example.write_tables(tables, tmp_path / "eu")
    for name in ("subjects", "measurements", "infusions"):
        frame = tables[name].astype(str).replace(r"^([-<]?\d+)\.(\d+)$", r"\1,\2", regex=True)
        frame.to_csv(folder / f"{name}.csv", sep=";", index=False, lineterminator="\n")
    trial = load_folder(folder, protocol)
    _same_trial(plain, trial)
    commas = {f.name: f.decimal_commas for f in trial.load_log.files}
    assert commas["measurements.csv"] == 180
    assert any("semicolon-separated with decimal commas" in w.problem
               and w.file == "measurements.csv" for w in trial.load_log.warnings)


def test_comma_file_is_not_rewritten_even_when_a_text_holds_a_comma_number():
    table = parse_csv_text('term,value\n"Fever, 1,5 days",0.5\n', "x.csv")
    assert table.frame["term"].tolist() == ["Fever, 1,5 days"]
    assert table.decimal_commas == 0


def test_excel_date_cells_in_every_date_column_read_as_dates(tmp_path, tables, example, protocol):
    plain = load_folder(example.write_tables(tables, tmp_path / "plain"), protocol)
    dated = {}
    for name, frame in tables.items():
        frame = frame.copy()
        for c in ("date", "diagnosis_date", "enrolment_date", "onset_date", "start_date"):
            if c in frame:
                frame[c] = pd.to_datetime(frame[c])
        dated[name] = frame
    book = tmp_path / "x" / "trial.xlsx"
    book.parent.mkdir()
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        for name, frame in dated.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    trial = load_folder(book, protocol)
    for name in ("subjects", "measurements", "infusions"):
        for c in getattr(plain, name).select_dtypes("datetime").columns:
            assert getattr(trial, name)[c].equals(getattr(plain, name)[c]), (name, c)


def test_excel_serial_number_in_a_date_column_is_named(tmp_path, tables, example, protocol):
    tables["subjects"].loc[1, "enrolment_date"] = "44301"
    with pytest.raises(InputError, match=r"subjects\.csv:3:enrolment_date \(participant S02\): "
                                         r"'44301' — not a date in ISO form \(an Excel date serial "
                                         r"number\? 44301 is 2021-04-15"):
        load_folder(example.write_tables(tables, tmp_path / "d"), protocol)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(MISSING_MARKERS + ("", " ", " NA ")),
                          st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=6)),
                max_size=20))
def test_strip_cells_turns_exactly_the_markers_and_blanks_into_missing(cells):
    counts: dict[str, int] = {}
    out = strip_cells(pd.Series(cells, dtype=object, name="c"), counts)
    for cell, got in zip(cells, out):
        text = cell.strip()
        if text == "" or text in MISSING_MARKERS:
            assert got is np.nan or pd.isna(got)
        else:
            assert got == text
    assert counts.get("c", 0) == sum(c.strip() in MISSING_MARKERS for c in cells)
