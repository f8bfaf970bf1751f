"""ADAE: coding, treatment emergence, days from infusion, severity and relatedness."""

from __future__ import annotations

import pandas as pd
import pytest

from t1dtrial.derive import ADAE_COLUMNS, AE_DICTIONARY, code_ae_terms, derive_adae
from t1dtrial.errors import InputError

from derive_frames import make_adverse_events, make_infusions


@pytest.fixture
def adsl():
    return pd.DataFrame({
        "STUDYID": "lu2021", "USUBJID": ["M", "C"], "TRT01P": ["MSC", "CONTROL"],
        "TRT01A": ["MSC", "CONTROL"], "SAFFL": ["Y", "Y"],
        "RFSTDT": pd.to_datetime(["2020-01-10", "2020-01-01"])})


@pytest.fixture
def infusions():
    return make_infusions(("M", 1, "2020-01-10", 1e6), ("M", 2, "2020-04-10", 1e6))


def test_terms_are_coded_and_verbatim_kept(adsl, infusions):
    ae = make_adverse_events(("M", "Fever", "2020-01-10", "mild", "N", "related"),
                             ("M", "  febrile reaction ", "2020-04-11", "1", "N", "possible"),
                             ("C", "Sore toe", "2020-02-01", "moderate", "N", "unrelated"))
    out = derive_adae(ae, adsl, infusions)
    assert out.AEDECOD.tolist() == ["Pyrexia", "Pyrexia", "Sore toe"]
    assert out.AETERM.tolist() == ["Fever", "  febrile reaction ", "Sore toe"]
    assert out.AECODED.tolist() == ["Y", "Y", "N"]
    assert out.AEBODSYS.iloc[0] == "General disorders and administration site conditions"


def test_treatment_emergent_from_day0_and_days_from_nearest_prior_infusion(adsl, infusions):
    ae = make_adverse_events(("M", "rash", "2020-01-09", "mild", "N", "unrelated"),
                             ("M", "headache", "2020-01-10", "mild", "N", "related"),
                             ("M", "headache", "2020-04-15", "mild", "N", "related"),
                             ("C", "cold", "2020-01-01", "mild", "N", "unrelated"),
                             ("M", "cough", None, "mild", "N", "unrelated"))
    out = derive_adae(ae, adsl, infusions)
    assert out.TRTEMFL.tolist() == ["", "Y", "Y", "Y", "Y"]
    assert out.INFNUM.tolist()[:4] == [pd.NA, 1, 2, pd.NA]
    assert out.INFDAYS.tolist()[:4] == [pd.NA, 0, 5, pd.NA]
    assert out.ASTDY.tolist()[:3] == [-1, 1, 97]
    assert out.AESEQ.tolist() == [1, 2, 3, 1, 4]


def test_grades_map_to_severity_and_relatedness_is_flagged(adsl, infusions):
    ae = make_adverse_events(*[("M", "nausea", "2020-02-01", sev, ser, rel)
                               for sev, ser, rel in (("1", "N", "related"), ("2", "N", "possible"),
                                                     ("3", "Y", "unrelated"),
                                                     ("severe", "y", "unrelated"))])
    out = derive_adae(ae, adsl, infusions)
    assert out.AESEV.tolist() == ["MILD", "MODERATE", "SEVERE", "SEVERE"]
    assert out.AETOXGR.tolist() == [1, 2, 3, pd.NA]
    assert out.AESER.tolist() == ["N", "N", "Y", "Y"]
    assert out.AEREL.tolist() == ["RELATED", "POSSIBLY RELATED", "NOT RELATED", "NOT RELATED"]
    assert out.AERELFL.tolist() == ["Y", "Y", "", ""]


def test_events_of_unknown_subjects_are_left_out(adsl, infusions):
    ae = make_adverse_events(("X", "rash", "2020-02-01", "mild", "N", "unrelated"),
                             ("M", "rash", "2020-02-01", "mild", "N", "unrelated"))
    out = derive_adae(ae, adsl, infusions)
    assert out.USUBJID.tolist() == ["M"] and out.SRCROW.tolist() == [3]
    assert list(out.columns) == ADAE_COLUMNS


def test_every_dictionary_synonym_codes_to_its_preferred_term():
    for pt, (_, synonyms) in AE_DICTIONARY.items():
        coded = code_ae_terms(pd.Series([s.upper() for s in synonyms]))
        assert set(coded.AEDECOD) == {pt}, pt


def test_adae_needs_the_adsl_columns(infusions):
    ae = make_adverse_events(("M", "rash", "2020-02-01", "mild", "N", "unrelated"))
    with pytest.raises(InputError, match=r"The 'adsl' parameter of derive_adae must have the "
                                         r"column\(s\) \['TRT01A', 'SAFFL', 'RFSTDT'\]"):
        derive_adae(ae, pd.DataFrame({"USUBJID": ["M"], "TRT01P": ["MSC"]}), infusions)
