"""Identifier screening: the vocabulary of column names and the shapes of cells (unit level)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.data.contract import TABLES
from t1dtrial.data.identifiers import (IDENTIFIER_VOCABULARY, PERSON_WORDS, cell_kind,
                                       identifier_name, name_words, screen_frame)
from t1dtrial.data.redcap import SYSTEM_FIELD
from t1dtrial.data.validate import DERIVED_COLUMNS, MEASUREMENT_COLUMNS
from t1dtrial.protocol.vocabulary import SUBJECT_COLUMNS

# -- names: the issue's eight, and the spellings the vocabulary promises ----------------------

@pytest.mark.parametrize("name, what", [
    ("patient_name", "a person's name"), ("Patient Name", "a person's name"),
    ("birthdate", "a date or place of birth"), ("Phone Number", "a telephone number"),
    ("patient_initials", "a person's name"), ("hospital_number", "an identity number"),
    ("e-mail", "an e-mail address"), ("Email Address", "an e-mail address"),
])
def test_the_eight_names_of_the_issue_are_identifiers(name, what):
    assert identifier_name(name) == what


@pytest.mark.parametrize("name", [
    "PatientName", "patient-name", "Birth Date", "NationalID", "DOB", "e_mail", "EmailAddress",
    "Name", "NAME", "full_name", "Subject Name", "name_of_patient", "PATIENTNAME", "dateofbirth",
    "DATE_OF_BIRTH", "telno", "Mobile2", "Cell", "patient mail", "MRN", "Medical Record No.",
    "SSN", "passport_no", "IDCard", "NHS #", "insurance_id", "post-code", "ZIP", "Street 1",
    "home_address", "BRTHDTC", "Initial", "maidenName", "birthplace", "CHI number",
])
def test_spellings_of_identifier_names_are_flagged(name):
    assert identifier_name(name) is not None


def _phrases():
    return [(p, what) for what, phrases in IDENTIFIER_VOCABULARY.items() for p in phrases]


_PREFIXES = ["", "patient", "subject", "participant", "pt", "home", "contact", "emergency"]


def _spell(words: list[str], style: str, sep: str) -> str:
    if style == "camel":
        return words[0].lower() + "".join(w.capitalize() for w in words[1:])
    if style == "pascal":
        return "".join(w.capitalize() for w in words)
    if style == "joined":
        return "".join(words)
    if style == "upper":
        return sep.join(w.upper() for w in words)
    if style == "title":
        return sep.join(w.capitalize() for w in words)
    return sep.join(words)


@settings(max_examples=400, deadline=None)
@given(entry=st.sampled_from(_phrases()), prefix=st.sampled_from(_PREFIXES),
       style=st.sampled_from(["camel", "pascal", "joined", "upper", "title", "lower"]),
       sep=st.sampled_from(["_", " ", "-", ".", "__", " - ", "/"]),
       suffix=st.sampled_from(["", "1", "_2", " (1)", "#", ":"]))
def test_every_vocabulary_word_is_flagged_in_any_spelling(entry, prefix, style, sep, suffix):
    phrase, what = entry
    words = ([prefix] if prefix else []) + phrase.split()
    name = _spell(words, style, sep) + suffix
    assert identifier_name(name) == what, (name, name_words(name))


# -- names that are not identifiers ------------------------------------------------------------

CONTRACT_COLUMNS = sorted({c for spec in TABLES.values() for c in spec.columns}
                          | {c for cols in DERIVED_COLUMNS.values() for c in cols}
                          | set(MEASUREMENT_COLUMNS) | set(SUBJECT_COLUMNS)
                          | {"source_file", "source_row"})

#: SDTMIG 3.3 variables of the domains the SDTM reader reads (DM, SUPPDM, LB, VS, EX, AE),
#: BRTHDTC (birth date) apart.
SDTM_VARIABLES = """
STUDYID DOMAIN USUBJID SUBJID RFSTDTC RFENDTC RFXSTDTC RFXENDTC RFICDTC RFPENDTC DTHDTC DTHFL
SITEID INVID INVNAM AGE AGEU SEX RACE ETHNIC ARMCD ARM ACTARMCD ACTARM ARMNRS ACTARMUD COUNTRY
DMDTC DMDY AGEONSET DIAGDTC WEIGHTBL HEIGHTBL
RDOMAIN IDVAR IDVARVAL QNAM QLABEL QVAL QORIG QEVAL
LBSEQ LBGRPID LBREFID LBSPID LBTESTCD LBTEST LBCAT LBSCAT LBORRES LBORRESU LBORNRLO LBORNRHI
LBSTRESC LBSTRESN LBSTRESU LBSTNRLO LBSTNRHI LBNRIND LBSTAT LBREASND LBNAM LBLOINC LBSPEC
LBSPCCND LBMETHOD LBLOBXFL LBBLFL LBFAST LBDRVFL LBTOX LBTOXGR VISITNUM VISIT VISITDY EPOCH
LBDTC LBENDTC LBDY LBTPT LBTPTNUM LBELTM LBTPTREF LBRFTDTC
VSSEQ VSTESTCD VSTEST VSPOS VSORRES VSORRESU VSSTRESC VSSTRESN VSSTRESU VSSTAT VSLOC VSLAT
VSBLFL VSDTC VSDY VSTPT
EXSEQ EXTRT EXCAT EXDOSE EXDOSTXT EXDOSU EXDOSFRM EXDOSFRQ EXROUTE EXLOT EXLOC EXFAST EXADJ
EXSTDTC EXENDTC EXSTDY EXENDY EXDUR
AESEQ AESPID AETERM AEMODIFY AEDECOD AELLT AELLTCD AEPTCD AEHLT AEHLGT AECAT AEBODSYS AESOC
AELOC AESEV AESER AEACN AEACNOTH AEREL AERELNST AEPATT AEOUT AESCAN AESCONG AESDISAB AESDTH
AESHOSP AESLIFE AESOD AESMIE AECONTRT AETOXGR AESTDTC AEENDTC AESTDY AEENDY AEDUR AEENRF
""".split()

#: REDCap system fields and the example export's fields (tests/data/data_example.py).
REDCAP_FIELDS = [
    "record_id", "redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance",
    "redcap_data_access_group", "redcap_survey_identifier", "redcap_arm",
    "demographics_complete", "demographics_timestamp", "group", "sex", "age_onset", "diag_date",
    "enrol_date", "weight_bl", "visit_date", "fcp", "pcp", "pcp_unit", "hba1c", "insulin",
    "weight", "inf_date", "inf_dose", "inf_lot", "inf_route", "ae_term", "ae_start", "ae_end",
    "ae_sev", "ae_ser", "ae_rel", "if_start", "if_end",
    # the data dictionary's own headers
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note", "Identifier?",
]

OTHER_COLUMNS = [
    "site_name", "product_name", "drug name", "lot name", "term", "event_name", "Lot Name",
    "study_name", "arm_name", "visit_name", "test_name", "ParamName", "hospital_name",
    "investigator_name", "investigator_initials", "user_name", "file_name", "form name",
    "cells_per_kg", "total_cells", "Cells", "cell_type", "cell_count", "initial_dose",
    "first_visit_date", "last_dose", "birth_weight", "birth_order", "year_of_birth",
    "birth_control", "childbirth", "telemetry", "hotel", "mailing_date_of_kit",
    "national_guideline", "age", "nationality", "note", "comments", "lot_id", "sample_id",
]


@pytest.mark.parametrize("name", CONTRACT_COLUMNS)
def test_no_contract_column_is_an_identifier(name):
    assert identifier_name(name) is None


@pytest.mark.parametrize("name", SDTM_VARIABLES)
def test_no_sdtm_variable_the_readers_use_is_an_identifier(name):
    assert identifier_name(name) is None


def test_the_sdtm_birth_date_is_an_identifier():
    assert identifier_name("BRTHDTC") == "a date or place of birth"


@pytest.mark.parametrize("name", REDCAP_FIELDS)
def test_no_redcap_system_or_example_field_is_an_identifier(name):
    assert identifier_name(name) is None


@pytest.mark.parametrize("name", ["patient_address_complete", "contact_phone_timestamp",
                                  "redcap_event_name"])
def test_redcap_system_fields_named_after_a_form_are_left_out_of_name_screening(name):
    assert SYSTEM_FIELD.match(name)


@pytest.mark.parametrize("name", OTHER_COLUMNS)
def test_things_named_and_facts_about_birth_are_not_identifiers(name):
    assert identifier_name(name) is None


def test_person_words_do_not_block_a_name_but_thing_words_do():
    assert identifier_name("patient_site_name") is None
    assert identifier_name("name_cn") == "a person's name"  # an unknown word does not release it
    assert {"patient", "subject"} <= PERSON_WORDS


# -- cells -------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", [
    "ann.smith@example.org", "A.Smith+trial@mail.hospital.co.uk", "contact: ann@example.org",
    "Fever; mother reachable at j.doe@web.de",
])
def test_email_addresses_are_found_alone_or_in_text(cell):
    assert cell_kind(cell) == "e-mail addresses"


@pytest.mark.parametrize("cell", [
    "+44 20 7946 0958", "+447700900123", "+1 (555) 123-4567", "+86 138 1234 5678",
    "(555) 123-4567", "(020) 7946 0958", "555-123-4567", "555.123.4567", "020 7946 0958",
    "06 12 34 56 78", "12 34 56 78", "138-1234-5678", "07700 900123", "030/12345678",
    "010-12345678", "555-123-4567 ext. 12", "Fever; phoned the patient on 555-123-4567",
    "called +33 6 12 34 56 78 after the visit",
])
def test_phone_numbers_are_found_alone_or_in_text(cell):
    assert cell_kind(cell) == "telephone numbers"


@pytest.mark.parametrize("cell", [
    "2020-01-06", "06.01.2020", "6/1/2020", "2020/01/06", "06-01-2020", "2020 01 06",
    "2020-01-06T09:30:00+01:00", "09:30", "0.075", "-0.5", "1480000", "1.48e+06", "1e-07",
    "14 800 000", "14.800.000", "1,480,000", "1.480.000,5", "1 234 567.5", "LU2021-001",
    "LOT-1603-A", "L20210305-02", "H1-007", "001-0001", "101-1001", "2019-2020", "PT30M",
    "P1DT2H", "10^6 cells/kg", "nmol/L", "U/kg/day", "<0.003", "0 30 60 90 120 min",
    "Hypoglycaemia", "+10%", "120/80", "S01",
])
def test_dates_numbers_ids_durations_and_units_are_not_contact_details(cell):
    assert cell_kind(cell) is None


_DATE = st.dates(min_value=pd.Timestamp("1900-01-01").date(), max_value=pd.Timestamp("2100-12-31").date())


@st.composite
def formatted_dates(draw):
    d = draw(_DATE)
    fmt = draw(st.sampled_from(["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d", "%d-%m-%Y",
                                "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y%m%d", "%d %b %Y",
                                "%Y-%m"]))
    return pd.Timestamp(d).strftime(fmt)


@st.composite
def numbers(draw):
    x = draw(st.floats(-1e12, 1e12, allow_nan=False))
    kind = draw(st.sampled_from(["repr", "fixed", "sci", "int", "grouped", "eu"]))
    if kind == "repr":
        return repr(x)
    if kind == "fixed":
        return f"{x:.{draw(st.integers(0, 6))}f}"
    if kind == "sci":
        return f"{x:.3e}"
    if kind == "int":
        return str(int(x))
    if kind == "grouped":
        return f"{x:,.2f}".replace(",", draw(st.sampled_from([",", " ", "'"])))
    return f"{x:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


@st.composite
def ids(draw):
    prefix = draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=4))
    parts = draw(st.lists(st.integers(0, 99999), min_size=1, max_size=3))
    sep = draw(st.sampled_from(["-", "_", "", "."]))
    text = prefix + sep.join(f"{p:0{draw(st.integers(1, 5))}d}" for p in parts)
    return text + draw(st.sampled_from(["", "-A", "B"]))


@st.composite
def durations_and_units(draw):
    return draw(st.sampled_from([
        f"PT{draw(st.integers(0, 999))}M", f"P{draw(st.integers(0, 99))}D",
        f"PT{draw(st.integers(0, 48))}H{draw(st.integers(0, 59))}M",
        f"{draw(st.integers(0, 999))} MIN", "nmol/L", "pmol/L", "ng/mL", "mmol/mol", "%",
        "U/kg/day", "10^6 cells/kg", "x10E6 cells", "mg/dL", "kg"]))


@settings(max_examples=500, deadline=None)
@given(cell=st.one_of(formatted_dates(), numbers(), ids(), durations_and_units()))
def test_no_date_number_id_duration_or_unit_is_taken_for_contact_details(cell):
    assert cell_kind(cell) is None, cell


# -- a file's flags ----------------------------------------------------------------------------

def test_a_content_flag_gives_the_first_row_and_the_number_of_cells_never_a_value():
    frame = pd.DataFrame({"subject_id": ["S01", "S02", "S03", "S04"],
                          "comment": ["fine", "ok", "call 555-123-4567", "ann@example.org"],
                          "source_row": [2, 3, 5, 6]})
    [flag] = screen_frame(frame, "subjects.csv")
    assert (flag.file, flag.column, flag.row, flag.cells) == ("subjects.csv", "comment", 5, 2)
    assert flag.why == "2 cells hold e-mail addresses and telephone numbers, the first on row 5"
    assert not re.search(r"555|ann@", str(flag.record()))


def test_a_column_flagged_by_name_and_content_is_one_flag():
    frame = pd.DataFrame({"Phone": ["555-123-4567", None], "source_row": [2, 3]})
    [flag] = screen_frame(frame, "x.csv")
    assert flag.why == ("its name says it holds a telephone number, and 1 cell holds telephone "
                        "numbers, the first on row 2")
    assert (flag.row, flag.cells) == (1, 1)


def test_cells_spanning_lines_are_screened_and_counted():
    frame = pd.DataFrame({"note": ["line one\nline two", "write to\nann@example.org", "x"],
                          "source_row": [2, 4, 6]})
    [flag] = screen_frame(frame, "x.csv")
    assert (flag.row, flag.cells) == (4, 1)
