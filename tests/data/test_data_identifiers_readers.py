"""Every reader flags identifiers by name and by content; refusing, dropping and releasing them."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from t1dtrial.data import load_folder, load_tables
from t1dtrial.errors import InputError, InputWarning

EMAIL = "ann.smith@example.org"
PHONE = "+44 20 7946 0958"


def load(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        return load_folder(path, "lu2021", **kw)


def refused(path, **kw) -> str:
    with pytest.raises(InputError) as info:
        load(path, **kw)
    return str(info.value)


def with_identifiers(tables):
    """A 'Patient Name' column on subjects and a phone number inside an adverse-event term."""
    tables["subjects"]["Patient Name"] = "Ann Smith"
    tables["adverse_events"].loc[1, "term"] = f"Hypoglycaemia, called {PHONE}"
    return tables


# -- each reader flags a name and a content identifier ------------------------------------------

def _assert_both(text: str, subjects: str, name: str, ae: str, term: str, row: int):
    assert f"{subjects}:1:{name}: direct identifier column (its name says it holds a person's name)" in text
    assert (f"{ae}:{row}:{term}: direct identifier column (1 cell holds telephone numbers, the "
            f"first on row {row})" in text), text
    assert PHONE not in text and "Ann Smith" not in text


def test_csv_reader_flags_a_name_and_a_content_identifier(rewrite, tables):
    text = refused(rewrite(with_identifiers(tables)))
    _assert_both(text, "subjects.csv", "Patient Name", "adverse_events.csv", "term", 3)


def test_excel_reader_flags_a_name_and_a_content_identifier(tmp_path, tables, example):
    book = example.write_xlsx(with_identifiers(tables), tmp_path / "x" / "trial.xlsx")
    text = refused(book)
    _assert_both(text, "trial.xlsx[subjects]", "Patient Name", "trial.xlsx[adverse_events]",
                 "term", 3)


@pytest.mark.parametrize("fmt", ["csv", "xpt"])
def test_sdtm_reader_flags_a_name_and_a_content_identifier(tmp_path, tables, example, fmt):
    folder = example.write_sdtm(tables, tmp_path / "sdtm", fmt)
    dm, ae = example.sdtm_domains(tables)["dm"], example.sdtm_domains(tables)["ae"]
    dm["PTNAME"] = "Ann Smith"
    ae.loc[1, "AETERM"] = f"Hypoglycaemia, called {PHONE}"
    example.write_domains({"dm": dm, "ae": ae}, folder, fmt)
    text = refused(folder)
    _assert_both(text, f"dm.{fmt}", "PTNAME", f"ae.{fmt}", "AETERM", 3)


def test_redcap_reader_flags_a_name_and_a_content_identifier(tmp_path, tables, example):
    folder = example.write_redcap(tables, tmp_path / "rc")
    records = pd.read_csv(folder / "records.csv", dtype=str, keep_default_na=False)
    records["patient_email"] = ""
    records["notes"] = ""
    records.loc[3, "notes"] = f"write to {EMAIL}"
    records["contact_details_complete"] = "2"
    records.to_csv(folder / "records.csv", index=False)
    text = refused(folder)
    assert ("records.csv:1:patient_email: direct identifier column (its name says it holds an "
            "e-mail address)") in text
    assert ("records.csv:5:notes: direct identifier column (1 cell holds e-mail addresses, the "
            "first on row 5)") in text
    assert "contact_details_complete" not in text and EMAIL not in text


def test_tables_in_memory_are_screened_like_files(tables):
    tables["subjects"]["DOB"] = "2001-02-03"
    tables["subjects"]["contact"] = EMAIL
    with pytest.raises(InputError) as info:
        load_tables(tables, "lu2021")
    text = str(info.value)
    assert "subjects.csv:1:DOB: direct identifier column (its name says it holds a date or " \
           "place of birth)" in text
    assert ("subjects.csv:2:contact: direct identifier column (6 cells hold e-mail addresses, the "
            "first on row 2)") in text


# -- values of refused columns are never printed ------------------------------------------------

def test_a_refused_column_s_values_are_hidden_in_every_other_message(rewrite, tables):
    tables["subjects"].loc[0, "arm"] = EMAIL
    text = refused(rewrite(tables))
    assert ("subjects.csv:2:arm: direct identifier column (1 cell holds e-mail addresses, the first "
            "on row 2)") in text
    assert "subjects.csv:2:arm (participant S01): arm not in the protocol" in text
    assert EMAIL not in text


# -- dropping ------------------------------------------------------------------------------------

def test_drop_removes_columns_flagged_by_name_or_content_and_logs_why(rewrite, tables):
    tables["subjects"]["Patient Name"] = "Ann Smith"
    tables["subjects"]["contact"] = EMAIL
    trial = load(rewrite(tables), drop_identifiers=True)
    assert {"Patient Name", "contact"}.isdisjoint(trial.subjects.columns)
    assert trial.load_log.identifiers_dropped == [
        {"file": "subjects.csv", "column": "Patient Name",
         "why": "its name says it holds a person's name", "row": 1, "cells": 0},
        {"file": "subjects.csv", "column": "contact",
         "why": "6 cells hold e-mail addresses, the first on row 2", "row": 2, "cells": 6}]
    assert "identifier columns dropped: subjects.csv:Patient Name, subjects.csv:contact" in \
        trial.load_log.describe()


def test_drop_cannot_remove_a_column_t1dtrial_reads(rewrite, tables):
    tables["adverse_events"].loc[0, "term"] = f"Fever, mother's e-mail {EMAIL}"
    text = refused(rewrite(tables), drop_identifiers=True)
    assert ("adverse_events.csv:2:term: direct identifier column (1 cell holds e-mail addresses, the "
            "first on row 2); "
            "--drop-identifiers cannot drop it because t1dtrial needs it (it is read as term); "
            "expected the cells cleared of identifiers in the file, or --allow-column term if it "
            "identifies no one") in text


def test_drop_of_an_sdtm_variable_mapped_to_a_contract_column_is_refused(tmp_path, tables,
                                                                        example):
    folder = example.write_sdtm(tables, tmp_path / "sdtm", "csv")
    ae = example.sdtm_domains(tables)["ae"]
    ae.loc[0, "AETERM"] = f"Fever ({EMAIL})"
    ae.to_csv(folder / "ae.csv", index=False)
    text = refused(folder, drop_identifiers=True)
    assert "t1dtrial needs it (it is read as term)" in text


def test_drop_of_an_unmapped_redcap_field_keeps_the_rest(tmp_path, tables, example):
    folder = example.write_redcap(tables, tmp_path / "rc")
    records = pd.read_csv(folder / "records.csv", dtype=str, keep_default_na=False)
    records["mobile"] = "07700 900123"
    records.to_csv(folder / "records.csv", index=False)
    trial = load(folder, drop_identifiers=True)
    assert [d["column"] for d in trial.load_log.identifiers_dropped] == ["mobile"]
    assert len(trial.subjects) == len(tables["subjects"])


# -- releasing -----------------------------------------------------------------------------------

def test_allow_column_keeps_a_false_positive_and_records_it(rewrite, tables):
    tables["infusions"]["Cell"] = "UC-MSC"  # the cell product, not a cell phone
    folder = rewrite(tables)
    assert "infusions.csv:1:Cell: direct identifier column" in refused(folder)
    with pytest.warns(InputWarning, match="released by --allow-column"):
        trial = load_folder(folder, "lu2021", allow_columns=["cell"])
    assert trial.infusions["Cell"].eq("UC-MSC").all()
    assert trial.load_log.identifiers_allowed == [
        {"file": "infusions.csv", "column": "Cell",
         "why": "its name says it holds a telephone number", "row": 1, "cells": 0}]
    assert trial.load_log.to_dict()["identifiers_allowed"][0]["column"] == "Cell"


def test_allow_column_and_drop_together_keep_the_released_and_drop_the_rest(rewrite, tables):
    tables["subjects"]["Name"] = "Ann"
    tables["subjects"]["lot_note"] = "ring 555-123-4567"
    trial = load(rewrite(tables), drop_identifiers=True, allow_columns=["lot_note"])
    assert "Name" not in trial.subjects.columns and "lot_note" in trial.subjects.columns
    assert [d["column"] for d in trial.load_log.identifiers_allowed] == ["lot_note"]


def test_allow_column_naming_a_column_not_flagged_is_an_error(rewrite, tables):
    tables["subjects"]["Name"] = "Ann"
    text = refused(rewrite(tables), allow_columns=["Nmae"])
    assert ("--allow-column: 'Nmae' — no column of that name was flagged as an identifier; "
            "expected the name of a flagged column as written in the file (flagged: Name)") in text


def test_drop_of_a_redcap_field_the_mapping_reads_is_refused(tmp_path, tables, example):
    folder = example.write_redcap(tables, tmp_path / "rc")
    records = pd.read_csv(folder / "records.csv", dtype=str, keep_default_na=False)
    records["hospital_number"] = records["record_id"].map(lambda r: f"H{r}")
    records.to_csv(folder / "records.csv", index=False)
    mapping = (folder / "redcap_mapping.yaml").read_text()
    (folder / "redcap_mapping.yaml").write_text(
        mapping.replace("  weight_kg: weight_bl\n", "  weight_kg: weight_bl\n  site: hospital_number\n"))
    text = refused(folder, drop_identifiers=True)
    assert ("records.csv:1:hospital_number: direct identifier column (its name says it holds an "
            "identity number); --drop-identifiers cannot drop it because t1dtrial needs it (it is "
            "read as site); expected another column or field that holds no identifier, or "
            "--allow-column hospital_number if it identifies no one") in text
    trial = load(folder, allow_columns=["hospital_number"])
    assert trial.subjects["site"].str.startswith("H").all()
