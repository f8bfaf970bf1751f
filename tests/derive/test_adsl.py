"""ADSL: demographics, subgroups, exposure, baselines, disposition and population flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from t1dtrial.derive import derive_adlb, derive_adsl, derive_vars_demog, derive_vars_exposure
from t1dtrial.errors import InputError
from t1dtrial.protocol import load_protocol

from derive_frames import make_infusions, make_measurements, make_subjects


def _adsl(subjects, infusions, measurements, protocol):
    adlb = derive_adlb(measurements, subjects, infusions, protocol)
    return derive_adsl(subjects, infusions, adlb, protocol).set_index("USUBJID")


def test_age_is_onset_age_plus_duration_and_subgroups_are_flagged(lu2021):
    s = make_subjects(
        {"subject_id": "A", "age_at_onset": 18.0, "diagnosis_date": "2019-01-01",
         "enrolment_date": "2020-01-01"},
        {"subject_id": "J", "age_at_onset": 17.9, "diagnosis_date": "2019-07-01",
         "enrolment_date": "2019-07-31"},
        {"subject_id": "U", "age_at_onset": np.nan})
    a = derive_vars_demog(s, lu2021).set_index("USUBJID")
    assert a.loc["A", "DURDIAG"] == 365 and a.loc["J", "DURDIAG"] == 30
    assert a.loc["A", "AGEDEC"] == pytest.approx(18 + 365 / 365.25)
    assert a.loc[["A", "J"], "AGE"].tolist() == [18, 17] and a.loc["A", "AGEU"] == "YEARS"
    assert pd.isna(a.loc["U", "AGE"]) and str(a["AGE"].dtype) == "Int64"
    assert a.loc[["A", "J", "U"], "ONSETGR"].tolist() == ["adult", "juvenile", ""]
    assert a.loc[["A", "J", "U"], "SGADONFL"].tolist() == ["Y", "N", ""]
    assert a.loc[["A", "J", "U"], "SGJUONFL"].tolist() == ["N", "Y", ""]
    assert a.loc["A", "TRT01P"] == "MSC" and a.loc["A", "SITEID"] == "S01"


def test_doses_per_kg_cumulative_dose_and_treatment_dates(lu2021):
    a = derive_vars_demog(make_subjects(
        {"subject_id": "M1", "weight_kg": 50.0}, {"subject_id": "M2", "weight_kg": 80.0},
        {"subject_id": "M3"}, {"subject_id": "C1", "arm": "CONTROL"}), lu2021)
    inf = make_infusions(("M1", 1, "2020-01-02", 1.0e6), ("M1", 2, "2020-04-02", 1.5e6),
                         ("M2", 1, "2020-01-03", np.nan), ("M2", 2, "2020-04-03", np.nan))
    inf.loc[2, "total_cells"] = 8.0e7    # 1e6 per kg at 80 kg
    r = derive_vars_exposure(a, inf, lu2021).set_index("USUBJID")
    assert r.loc["M1", ["DOSE1", "DOSE2", "CUMDOSE", "NINF"]].tolist() == [1e6, 1.5e6, 2.5e6, 2]
    assert r.loc["M2", "DOSE1"] == pytest.approx(1e6)
    assert np.isnan(r.loc["M2", "CUMDOSE"])          # the second dose is unknown
    assert r.loc["C1", ["CUMDOSE", "NINF"]].tolist() == [0.0, 0]
    assert str(r.loc["M1", "TRTSDT"].date()) == "2020-01-02"
    assert str(r.loc["M1", "TRTEDT"].date()) == "2020-04-02"
    assert r.loc["M1", "RFSTDT"] == r.loc["M1", "TRTSDT"]
    assert r.loc["C1", "RFSTDT"] == pd.Timestamp("2020-01-01")
    assert r.loc[["M1", "M3", "C1"], "TRT01A"].tolist() == ["MSC", "", "CONTROL"]


@pytest.fixture
def population_trial():
    s = make_subjects({"subject_id": "OK"}, {"subject_id": "NOBASE"}, {"subject_id": "MISS2"},
                      {"subject_id": "NOM12"}, {"subject_id": "NOINF"},
                      {"subject_id": "CTL", "arm": "CONTROL"})
    inf = make_infusions(*[(sid, n, d, 1e6) for sid in ("OK", "NOBASE", "NOM12")
                           for n, d in ((1, "2020-01-01"), (2, "2020-04-01"))],
                         ("MISS2", 1, "2020-01-01", 1e6))
    rows = []
    for sid in ("OK", "MISS2", "NOM12", "NOINF", "CTL"):
        rows.append((sid, "BL", "PCP", 0.5, "2020-01-01"))
    for sid in ("OK", "NOBASE", "MISS2", "NOINF", "CTL"):
        rows.append((sid, "M12", "PCP", 0.5, "2020-12-31"))
    rows.append(("NOBASE", "BL", "HBA1C", 7.0, "2020-01-01"))
    return s, inf, make_measurements(*rows)


def test_population_flags_follow_the_protocol_rules(population_trial, lu2021):
    a = _adsl(*population_trial, lu2021)
    assert a["FASFL"].to_dict() == {"OK": "Y", "NOBASE": "N", "MISS2": "Y", "NOM12": "Y",
                                    "NOINF": "Y", "CTL": "Y"}
    assert a["PPROTFL"].to_dict() == {"OK": "Y", "NOBASE": "N", "MISS2": "N", "NOM12": "N",
                                      "NOINF": "N", "CTL": "Y"}
    assert a["SAFFL"].to_dict() == {"OK": "Y", "NOBASE": "Y", "MISS2": "Y", "NOM12": "Y",
                                    "NOINF": "N", "CTL": "Y"}
    assert (a["ENRLFL"] == "Y").all()


def test_population_exclusions_give_reasons(population_trial, lu2021):
    a = _adsl(*population_trial, lu2021)
    assert a.loc["NOBASE", "FASREAS"] == "no baseline C-peptide"
    assert a.loc["MISS2", "PPREAS"] == "planned infusion 2 not received"
    assert a.loc["NOM12", "PPREAS"] == "no analysis record at the primary visit M12"
    assert a.loc["NOINF", "PPREAS"] == "planned infusion 1, 2 not received"
    assert a.loc["NOINF", "SAFREAS"] == "no infusion received"
    assert a.loc["OK", ["FASREAS", "PPREAS", "SAFREAS"]].tolist() == ["", "", ""]


def test_conditional_infusion_counts_as_planned_only_when_its_condition_held():
    p = load_protocol("nasli2015")  # infusion 2 at M3 only if INSULIN > 0; primary visit M9
    s = make_subjects({"subject_id": "FREE"}, {"subject_id": "ONINS"}, {"subject_id": "UNKNOWN"},
                      {"subject_id": "GIVEN"})
    inf = make_infusions(*[(sid, 1, "2020-01-01", 2e6) for sid in ("FREE", "ONINS", "UNKNOWN",
                                                                  "GIVEN")],
                         ("GIVEN", 2, "2020-04-01", 2e6))
    rows = [(sid, v, "FCP", 0.3, d) for sid in ("FREE", "ONINS", "UNKNOWN", "GIVEN")
            for v, d in (("BL", "2020-01-01"), ("M9", "2020-10-01"))]
    rows += [("FREE", "M3", "INSULIN", 0.0, "2020-04-01"), ("ONINS", "M3", "INSULIN", 0.3, "2020-04-01"),
             ("GIVEN", "M3", "INSULIN", 0.3, "2020-04-01")]
    a = _adsl(s, inf, make_measurements(*rows), p)
    assert a["PPROTFL"].to_dict() == {"FREE": "Y", "ONINS": "N", "UNKNOWN": "Y", "GIVEN": "Y"}


def test_baselines_come_from_adlb_baseline_records(population_trial, lu2021):
    s, inf, m = population_trial
    m = pd.concat([m, make_measurements(("OK", "BL", "INSULIN", 0.4, "2020-01-01"))],
                  ignore_index=True)
    a = _adsl(s, inf, m, lu2021)
    assert a.loc["OK", ["BPCP", "BINSDOSE"]].tolist() == [0.5, 0.4]
    assert np.isnan(a.loc["OK", "BFCP"]) and a.loc["NOBASE", "BHBA1C"] == 7.0


def test_disposition_status_and_reasons(lu2021):
    s = make_subjects(
        {"subject_id": "C", "status": "completed"},
        {"subject_id": "W", "status": "withdrawn", "withdrawal_date": "2020-05-01",
         "withdrawal_reason": "moved away"},
        {"subject_id": "L", "status": "lost"},
        {"subject_id": "N1"}, {"subject_id": "N2"})
    m = make_measurements(("N1", "M12", "FCP", 0.3, "2020-12-31"))
    a = _adsl(s, make_infusions(), m, lu2021)
    assert a["EOSSTT"].to_dict() == {"C": "COMPLETED", "W": "DISCONTINUED", "L": "DISCONTINUED",
                                     "N1": "COMPLETED", "N2": "ONGOING"}
    assert a["DCSREAS"].to_dict() == {"C": "", "W": "moved away", "L": "LOST TO FOLLOW-UP",
                                      "N1": "", "N2": ""}
    assert str(a.loc["W", "EOSDT"].date()) == "2020-05-01" and pd.isna(a.loc["C", "EOSDT"])


def test_adsl_is_one_row_a_subject_in_input_order_without_mutation(population_trial, lu2021):
    s, inf, m = population_trial
    before = s.copy()
    adlb = derive_adlb(m, s, inf, lu2021)
    adsl = derive_adsl(s, inf, adlb, lu2021)
    pd.testing.assert_frame_equal(s, before)
    assert adsl["USUBJID"].tolist() == s["subject_id"].tolist()
    for name in ("USUBJID", "SITEID", "TRT01P", "TRT01A", "SEX", "AGE", "AGEONSET", "ONSETGR",
                 "WEIGHTBL", "DURDIAG", "BFCP", "BPCP", "BHBA1C", "BINSDOSE", "DOSE1", "DOSE2",
                 "CUMDOSE", "TRTSDT", "TRTEDT", "NINF", "ENRLFL", "SAFFL", "FASFL", "PPROTFL",
                 "EOSSTT", "DCSREAS"):
        assert name in adsl.columns, name


def test_demog_needs_subject_columns(lu2021):
    with pytest.raises(InputError, match=r"The 'subjects' parameter of derive_vars_demog must "
                                         r"have the column\(s\) \['age_at_onset'\]"):
        derive_vars_demog(make_subjects({"subject_id": "A"}).drop(columns="age_at_onset"), lu2021)
