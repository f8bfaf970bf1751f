"""ADLB: record checks, study day, baseline, analysis records, change and derived parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from t1dtrial.derive import (
    ADLB_COLUMNS,
    compute_auc,
    derive_adlb,
    derive_lab_records,
    derive_var_ablfl,
    derive_vars_chg,
    lab_exclusions,
)
from t1dtrial.errors import InputError
from t1dtrial.protocol import load_protocol

from derive_frames import make_infusions, make_measurements, make_subjects, with_analysis


@pytest.fixture
def scenario():
    subjects = make_subjects({"subject_id": "S1", "arm": "MSC"},
                             {"subject_id": "S2", "arm": "CONTROL"})
    infusions = make_infusions(("S1", 1, "2020-01-05", 1e6), ("S1", 2, "2020-04-05", 1e6))
    measurements = make_measurements(
        ("S1", "BL", "FCP", 0.20, "2019-12-20"),   # 0: day -16
        ("S1", "BL", "FCP", 0.25, "2020-01-05"),   # 1: day 0 -> baseline
        ("S1", "BL", "FCP", 0.30, "2020-01-06"),   # 2: after day 0 -> neither
        ("S1", "M3", "FCP", 0.30, "2020-04-04"),   # 3: day 90, 1 from nominal -> analysis
        ("S1", "M3", "FCP", 0.35, "2020-04-10"),   # 4: day 96
        ("S1", "M12", "FCP", 0.275, "2021-01-10"),  # 5: +10 %
        ("S1", "M6", "FCP", 0.28, "2020-09-30"),   # 6: day 269, outside M6 window
        ("S1", "M6", "FCP", 0.29, None),           # 7: undated -> taken as inside
        ("S9", "BL", "FCP", 0.30, "2020-01-01"),   # 8: unknown subject
        ("S1", "W2", "FCP", 0.30, "2020-01-20"),   # 9: unknown visit
        ("S1", "M1", "LDL", 2.0, "2020-02-04"),    # 10: unknown parameter
        ("S1", "M1", "FCP", np.nan, "2020-02-04"),  # 11: missing value
        ("S2", "BL", "FCP", 0.0, "2020-01-01"),    # 12: zero baseline
        ("S2", "M12", "FCP", 0.1, "2021-01-01"),   # 13
        ("S2", "M12", "PCP", 0.5, "2021-01-01"),   # 14: no PCP baseline
        ("S2", "BL", "HBA1C", 7.0, "2020-01-01"),  # 15
        ("S2", "BL", "INSULIN", 0.5, "2020-01-01"),  # 16
        ("S2", "M12", "HBA1C", 6.0, "2021-01-01"),  # 17
        ("S2", "M12", "INSULIN", 0.25, "2021-01-02"),  # 18
    )
    return subjects, infusions, measurements


def _row(adlb, **keys):
    mask = np.ones(len(adlb), dtype=bool)
    for k, v in keys.items():
        mask &= (adlb[k] == v).to_numpy()
    assert mask.sum() == 1, f"expected one row for {keys}, found {mask.sum()}"
    return adlb.loc[mask].iloc[0]


def test_records_failing_a_check_are_excluded_with_their_reason(scenario, lu2021):
    subjects, _, measurements = scenario
    ex = lab_exclusions(measurements, subjects, lu2021)
    assert dict(zip(ex["SRCSEQ"], ex["reason"])) == {
        8: "subject not in the subjects table", 9: "visit not in the protocol's schedule",
        10: "unknown parameter", 11: "value missing"}
    assert ex["SRCROW"].tolist() == [10, 11, 12, 13]


def test_study_day_counts_from_first_infusion_and_has_no_day_zero(scenario, lu2021):
    subjects, infusions, measurements = scenario
    rec = derive_lab_records(measurements, subjects, infusions, lu2021)
    ady = dict(zip(rec["SRCSEQ"], rec["ADY"]))
    assert (ady[0], ady[1], ady[2], ady[3]) == (-16, 1, 2, 91)
    assert pd.isna(ady[7])
    assert ady[12] == 1  # control: day 0 is enrolment


def test_out_of_window_record_is_flagged_not_dropped(scenario, lu2021):
    subjects, infusions, measurements = scenario
    rec = derive_lab_records(measurements, subjects, infusions, lu2021)
    flags = dict(zip(rec["SRCSEQ"], rec["OUTWINFL"]))
    assert flags[6] == "Y" and flags[7] == "" and flags[3] == ""


def test_baseline_is_last_value_on_or_before_day0(scenario, lu2021):
    adlb = derive_adlb(*_args(scenario), lu2021)
    base = adlb.loc[(adlb.ABLFL == "Y") & (adlb.PARAMCD == "FCP")]
    assert dict(zip(base.USUBJID, base.SRCSEQ)) == {"S1": 1, "S2": 12}


def test_baseline_of_undated_records_is_taken_at_the_baseline_visit(lu2021):
    subjects = make_subjects({"subject_id": "S1", "arm": "CONTROL"})
    m = make_measurements(("S1", "BL", "FCP", 0.3, None), ("S1", "BL", "FCP", 0.4, None),
                          ("S1", "M1", "FCP", 0.5, None))
    adlb = derive_adlb(m, subjects, make_infusions(), lu2021)
    assert adlb.loc[adlb.PARAMCD == "FCP", "ABLFL"].tolist() == ["", "Y", ""]


def test_analysis_record_prefers_window_then_nearest_then_latest(scenario, lu2021):
    adlb = derive_adlb(*_args(scenario), lu2021)
    chosen = adlb.loc[(adlb.ANL01FL == "Y") & (adlb.USUBJID == "S1") & (adlb.PARAMCD == "FCP")]
    assert dict(zip(chosen.AVISIT, chosen.SRCSEQ)) == {"BL": 1, "M3": 3, "M6": 7, "M12": 5}


def test_analysis_record_tie_goes_to_latest_date():
    p = load_protocol("lu2021")
    subjects = make_subjects({"subject_id": "S1", "arm": "CONTROL"})
    m = make_measurements(("S1", "BL", "FCP", 0.3, "2020-01-01"),
                          ("S1", "M1", "FCP", 0.5, "2020-01-30"),   # day 29
                          ("S1", "M1", "FCP", 0.6, "2020-02-01"))   # day 31
    adlb = derive_adlb(m, subjects, make_infusions(), p)
    assert _row(adlb, PARAMCD="FCP", AVISIT="M1", ANL01FL="Y")["SRCSEQ"] == 2


def test_one_analysis_record_per_subject_param_visit(scenario, lu2021):
    adlb = derive_adlb(*_args(scenario), lu2021)
    anl = adlb.loc[adlb.ANL01FL == "Y"]
    assert not anl.duplicated(["USUBJID", "PARAMCD", "AVISIT"]).any()


def test_change_and_percent_change_from_baseline(scenario, lu2021):
    adlb = derive_adlb(*_args(scenario), lu2021)
    m12 = _row(adlb, USUBJID="S1", PARAMCD="FCP", AVISIT="M12")
    assert m12.BASE == 0.25
    assert m12.CHG == pytest.approx(0.025)
    assert m12.PCHG == pytest.approx(10.0)
    base = _row(adlb, USUBJID="S1", PARAMCD="FCP", ABLFL="Y")
    assert np.isnan(base.CHG) and np.isnan(base.PCHG)


def test_zero_or_missing_baseline_makes_pchg_undefined_with_a_reason(scenario, lu2021):
    adlb = derive_adlb(*_args(scenario), lu2021)
    zero = _row(adlb, USUBJID="S2", PARAMCD="FCP", AVISIT="M12")
    assert zero.CHG == pytest.approx(0.1)
    assert np.isnan(zero.PCHG) and zero.PCHGREAS == "baseline is zero"
    none = _row(adlb, USUBJID="S2", PARAMCD="PCP", AVISIT="M12")
    assert np.isnan(none.PCHG) and none.PCHGREAS == "no baseline"
    assert np.isfinite(adlb["PCHG"].dropna()).all()


def test_zero_baseline_reason_names_the_exclude_subject_option(scenario):
    p = with_analysis(load_protocol("lu2021"), zero_baseline_pchg="exclude_subject")
    adlb = derive_adlb(*_args(scenario), p)
    reason = _row(adlb, USUBJID="S2", PARAMCD="FCP", AVISIT="M12").PCHGREAS
    assert reason.startswith("baseline is zero; subject excluded from percent-change analyses")


def test_insdose_and_idaa1c_are_derived_per_visit(scenario, lu2021):
    adlb = derive_adlb(*_args(scenario), lu2021)
    ins = adlb.loc[adlb.PARAMCD == "INSDOSE"]
    assert dict(zip(ins.AVISIT, ins.AVAL)) == {"BL": 0.5, "M12": 0.25}
    bl = _row(adlb, PARAMCD="IDAA1C", AVISIT="BL")
    m12 = _row(adlb, PARAMCD="IDAA1C", AVISIT="M12")
    assert (bl.AVAL, bl.ABLFL) == (9.0, "Y")
    assert m12.AVAL == pytest.approx(7.0)
    assert m12.CHG == pytest.approx(-2.0) and m12.PCHG == pytest.approx(-200 / 9)
    assert str(m12.ADT.date()) == "2021-01-02"  # the later of the two records
    assert set(adlb.loc[adlb.PARAMTYP == "DERIVED", "PARAMCD"]) == {"INSDOSE", "IDAA1C"}
    assert adlb.loc[adlb.PARAMTYP == "DERIVED", "SRCSEQ"].isna().all()


def test_meal_test_auc_by_trapezoid_and_mean_auc():
    p = load_protocol("carlsson2015")  # MMTT minutes 0, 15, 30, 60, 90, 120
    subjects = make_subjects({"subject_id": "S1", "arm": "CONTROL"})
    values = [0.2, 0.4, 0.6, 0.8, 0.6, 0.4]
    rows = [("S1", "M12", f"CP{t}", v, "2021-01-01") for t, v in zip(p.meal_test.minutes, values)]
    rows += [("S1", "M6", f"CP{t}", 0.5, "2020-07-01") for t in (0, 15, 30, 60, 120)]  # no CP90
    adlb = derive_adlb(make_measurements(*rows), subjects, make_infusions(), p)
    auc = _row(adlb, PARAMCD="CPAUC", AVISIT="M12")
    mean = _row(adlb, PARAMCD="CPMAUC", AVISIT="M12")
    assert auc.AVAL == pytest.approx(69.0)
    assert mean.AVAL == pytest.approx(69.0 / 120)
    assert not ((adlb.PARAMCD == "CPAUC") & (adlb.AVISIT == "M6")).any()


def test_compute_auc_of_a_constant_is_value_times_span():
    assert compute_auc([0, 30, 120], np.array([[0.5, 0.5, 0.5]]))[0] == pytest.approx(60.0)


def test_below_detection_values_carry_dtype_per_protocol(lu2021):
    subjects = make_subjects({"subject_id": "S1", "arm": "CONTROL"})
    m = make_measurements(("S1", "BL", "FCP", 0.005, "2020-01-01"))
    m.loc[0, "below_lod"] = True
    assert derive_adlb(m, subjects, make_infusions(), lu2021).DTYPE.tolist() == ["HALFLOD"]
    p = with_analysis(lu2021, below_detection="limit")
    assert derive_adlb(m, subjects, make_infusions(), p).DTYPE.tolist() == ["LOD"]


def test_adlb_keeps_input_order_and_columns_and_does_not_mutate(scenario, lu2021):
    subjects, infusions, measurements = scenario
    copies = [x.copy() for x in scenario]
    adlb = derive_adlb(measurements, subjects, infusions, lu2021)
    for before, after in zip(copies, scenario):
        pd.testing.assert_frame_equal(before, after)
    assert list(adlb.columns) == ADLB_COLUMNS
    measured = adlb.loc[adlb.PARAMTYP != "DERIVED", "SRCSEQ"].tolist()
    assert measured == sorted(measured)
    assert adlb.PARAM[adlb.PARAMCD == "FCP"].iloc[0] == "Fasting C-peptide (nmol/L)"


def test_every_measurement_is_in_adlb_or_excluded(scenario, lu2021):
    subjects, infusions, measurements = scenario
    adlb = derive_adlb(measurements, subjects, infusions, lu2021)
    ex = lab_exclusions(measurements, subjects, lu2021)
    kept = set(adlb.loc[adlb.PARAMTYP != "DERIVED", "SRCSEQ"].astype(int))
    assert kept.isdisjoint(set(ex.SRCSEQ)) and kept | set(ex.SRCSEQ) == set(range(len(measurements)))


def test_missing_column_is_reported_by_argument_name(scenario, lu2021):
    subjects, infusions, measurements = scenario
    with pytest.raises(InputError, match=r"The 'measurements' parameter of .* must have the "
                                         r"column\(s\) \['value'\]"):
        derive_adlb(measurements.drop(columns="value"), subjects, infusions, lu2021)


def test_wrong_types_are_reported_with_what_was_received(scenario, lu2021):
    subjects, infusions, measurements = scenario
    with pytest.raises(TypeError, match=r"'subjects' parameter .* DataFrame. Got list instead"):
        derive_adlb(measurements, [], infusions, lu2021)
    with pytest.raises(TypeError, match=r"'protocol' parameter .* Got str instead"):
        derive_adlb(measurements, subjects, infusions, "lu2021")


def test_unparseable_date_names_the_value(scenario, lu2021):
    subjects, infusions, measurements = scenario
    bad = measurements.assign(date=measurements["date"].dt.strftime("%Y-%m-%d"))
    bad.loc[0, "date"] = "31/12/2019"
    with pytest.raises(InputError, match=r"column 'date'.*Got '31/12/2019' instead"):
        derive_lab_records(bad, subjects, infusions, lu2021)


def test_two_baselines_for_one_subject_param_are_refused(lu2021):
    d = pd.DataFrame({"USUBJID": ["S1", "S1"], "PARAMCD": ["FCP", "FCP"], "AVISIT": ["BL", "BL"],
                      "AVAL": [0.1, 0.2], "ABLFL": ["Y", "Y"]})
    with pytest.raises(InputError, match=r"at most one ABLFL = 'Y'.*Got 2 for 'S1', 'FCP'"):
        derive_vars_chg(d, lu2021)


def test_ablfl_needs_adlb_columns(lu2021):
    with pytest.raises(InputError, match=r"The 'dataset' parameter of derive_var_ablfl"):
        derive_var_ablfl(pd.DataFrame({"USUBJID": ["S1"]}), lu2021)


def _args(scenario):
    subjects, infusions, measurements = scenario
    return measurements, subjects, infusions
