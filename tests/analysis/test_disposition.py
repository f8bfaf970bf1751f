"""Disposition (CONSORT) counts and the accounting of excluded input records."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.analysis.disposition import DISPOSITION_COLUMNS, disposition
from t1dtrial.data.log import Exclusion, LoadLog
from t1dtrial.derive import derive_all
from t1dtrial.errors import InputError
from t1dtrial.protocol import load_protocol


PROTOCOL = load_protocol("lu2021")


@pytest.fixture(scope="module")
def lu2021():
    return PROTOCOL


def _n(table, stage, arm, reason=""):
    hit = table.loc[(table.stage == stage) & (table.arm == arm) & (table.reason == reason)]
    assert len(hit) == 1, (stage, arm, reason, len(hit))
    return int(hit["n"].iloc[0])


def _tiny_trial(protocol):
    """Four subjects (MSC: A1 two infusions, A2 one; CONTROL: C1 completes, C2 withdrawn
    without baseline) and one measurement of a subject not in subjects.csv."""
    dates = pd.to_datetime
    subjects = pd.DataFrame({
        "subject_id": ["A1", "A2", "C1", "C2"], "arm": ["MSC", "MSC", "CONTROL", "CONTROL"],
        "sex": ["F", "M", "F", "M"], "age_at_onset": [20.0, 12.0, 25.0, 30.0],
        "diagnosis_date": dates(["2019-12-01"] * 4), "enrolment_date": dates(["2020-01-01"] * 4),
        "weight_kg": [60.0] * 4, "status": [None, None, None, "withdrawn"],
        "withdrawal_date": dates([None, None, None, "2020-05-01"]),
        "withdrawal_reason": [None, None, None, "moved away"], "source_row": [2, 3, 4, 5]})
    rows = [("A1", "BL", "FCP", 0.3, "2020-01-01"), ("A1", "M12", "FCP", 0.4, "2021-01-01"),
            ("A1", "BL", "PCP", 0.6, "2020-01-01"), ("A1", "M12", "PCP", 0.5, "2021-01-01"),
            ("A2", "BL", "FCP", 0.2, "2020-01-01"),
            ("C1", "BL", "FCP", 0.25, "2020-01-01"), ("C1", "M12", "FCP", 0.2, "2021-01-01"),
            ("C1", "BL", "PCP", 0.5, "2020-01-01"), ("C1", "M12", "PCP", 0.4, "2021-01-01"),
            ("X9", "BL", "FCP", 0.2, "2020-01-01")]
    m = pd.DataFrame(rows, columns=["subject_id", "visit", "param", "value", "date"])
    m = m.assign(date=dates(m["date"]), unit="nmol/L", below_lod=False,
                 source_file="measurements.csv", source_row=np.arange(len(m)) + 2)
    inf = pd.DataFrame({"subject_id": ["A1", "A1", "A2"], "infusion_number": [1, 2, 1],
                        "date": dates(["2020-01-02", "2020-04-01", "2020-01-02"]),
                        "cells_per_kg": [1e6] * 3, "total_cells": np.nan, "source_row": [2, 3, 4]})
    ae = pd.DataFrame(columns=["subject_id", "term", "onset_date", "end_date", "severity",
                               "serious", "related", "source_row"])
    free = pd.DataFrame({"subject_id": pd.Series(dtype=object),
                         "start_date": pd.Series(dtype="datetime64[ns]"),
                         "end_date": pd.Series(dtype="datetime64[ns]")})
    return SimpleNamespace(protocol=protocol, subjects=subjects, measurements=m, infusions=inf,
                           adverse_events=ae, insulin_free=free)


@pytest.fixture(scope="module")
def tiny(lu2021):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return derive_all(_tiny_trial(lu2021))


def test_enrolled_counts_by_arm_and_overall(tiny, lu2021):
    t = disposition(tiny, lu2021)
    assert [_n(t, "enrolled", a) for a in ("MSC", "CONTROL", "all")] == [2, 2, 4]
    assert list(t.columns) == DISPOSITION_COLUMNS


def test_infusions_are_counted_only_in_arms_given_them(tiny, lu2021):
    t = disposition(tiny, lu2021)
    assert _n(t, "infused", "MSC") == 2
    assert _n(t, "infusion 1 received", "MSC") == 2
    assert _n(t, "infusion 2 received", "MSC") == 1
    assert not ((t.stage == "infused") & (t.arm == "CONTROL")).any()


def test_discontinued_subjects_are_counted_with_their_reason_and_zero_rows_kept(tiny, lu2021):
    t = disposition(tiny, lu2021)
    assert _n(t, "discontinued", "CONTROL") == 1
    assert _n(t, "discontinued", "CONTROL", "moved away") == 1
    assert _n(t, "discontinued", "MSC", "moved away") == 0
    assert _n(t, "completed", "all") == 2
    assert _n(t, "ongoing", "MSC") == 1  # A2: no status and no record at M12


def test_subjects_seen_at_the_primary_visit_are_counted_from_adlb(tiny, lu2021):
    t = disposition(tiny, lu2021)
    assert [_n(t, "attended M12", a) for a in ("MSC", "CONTROL", "all")] == [1, 1, 2]
    assert _n(t, "no record at M12", "all") == 2


def test_subjects_out_of_a_population_are_counted_with_the_adsl_reason(tiny, lu2021):
    t = disposition(tiny, lu2021)
    assert _n(t, "in FAS", "all") == 3
    assert _n(t, "not in FAS", "CONTROL", "no baseline C-peptide") == 1
    assert _n(t, "in PP", "MSC") == 1
    assert _n(t, "in SAF", "all") == 4


def test_primary_endpoint_missing_is_counted_with_the_adeff_reason(tiny, lu2021):
    t = disposition(tiny, lu2021)
    assert _n(t, "primary endpoint assessed", "MSC") == 1
    assert _n(t, "primary endpoint assessed", "CONTROL") == 1
    assert _n(t, "primary endpoint missing", "MSC") == 1
    assert _n(t, "primary endpoint missing", "MSC", "no FCP at M12; no PCP at M12") == 1


def test_excluded_input_records_are_listed_with_table_and_reason(tiny, lu2021):
    t = disposition(tiny, lu2021)
    rows = t.loc[t.stage == "input records excluded"]
    assert rows[["arm", "n", "reason", "counted"]].values.tolist() == [
        ["unknown", 1, "measurements: subject not in the subjects table", "records"],
        ["all", 1, "measurements: subject not in the subjects table", "records"]]


def test_load_log_exclusions_are_added_by_table_and_reason(tiny, lu2021):
    duplicates = [Exclusion(file="measurements.csv", row=r, reason="exact duplicate row",
                            table="measurements") for r in (7, 9)]
    blank = Exclusion(file="subjects.csv", row=3, reason="blank row", table="subjects")
    log = LoadLog(exclusions=[*duplicates, blank])
    for given_log in (log, log.to_dict()):
        t = disposition(tiny, lu2021, load_log=given_log)
        rows = t.loc[t.stage == "input rows excluded at loading"]
        assert rows[["arm", "n", "reason"]].values.tolist() == [
            ["unknown", 2, "measurements: exact duplicate row"], ["unknown", 1, "subjects: blank row"],
            ["all", 2, "measurements: exact duplicate row"], ["all", 1, "subjects: blank row"]]


def test_load_log_exclusions_are_counted_by_the_arm_of_their_participant(tiny, lu2021):
    adsl = tiny.adsl
    sid, arm = str(adsl["USUBJID"].iloc[0]), str(adsl["TRT01P"].iloc[0])
    log = LoadLog(exclusions=[
        Exclusion(file="measurements.csv", row=r, table="measurements", subject=sid,
                  reason=f"the same value is already recorded on row {r - 1}") for r in (8, 12)])
    t = disposition(tiny, lu2021, load_log=log)
    rows = t.loc[t.stage == "input rows excluded at loading"]
    assert rows[["arm", "n", "reason"]].values.tolist() == [
        [arm, 2, "measurements: the same value is already recorded"],
        ["all", 2, "measurements: the same value is already recorded"]]


def test_a_load_log_of_the_wrong_type_is_an_input_error(tiny, lu2021):
    with pytest.raises(InputError, match=r"load_log: 'list' — not a load log; expected a "
                                         r"t1dtrial.data.LoadLog"):
        disposition(tiny, lu2021, load_log=[1, 2])


def test_a_subject_of_an_arm_outside_the_protocol_is_reported_not_enrolled(lu2021):
    adsl = pd.DataFrame({"USUBJID": ["A", "Z"], "TRT01P": ["MSC", "PLACEBO"],
                         "ENRLFL": ["Y", "N"], "FASFL": ["Y", "N"], "PPROTFL": ["Y", "N"],
                         "SAFFL": ["Y", "N"], "NINF": [1, 0],
                         "FASREAS": ["", "arm not in the protocol"]})
    t = disposition(SimpleNamespace(adsl=adsl), lu2021)
    assert _n(t, "not enrolled", "PLACEBO", "arm not in the protocol") == 1
    assert _n(t, "enrolled", "all") == 1


def test_required_adsl_columns_are_named_when_missing(lu2021):
    adsl = pd.DataFrame({"USUBJID": ["A"], "TRT01P": ["MSC"]})
    with pytest.raises(InputError, match=r"The 'derived' parameter of disposition must have the "
                                         r"column\(s\) \['ENRLFL', 'FASFL', 'PPROTFL', 'SAFFL', "
                                         r"'NINF'\] in its adsl"):
        disposition(SimpleNamespace(adsl=adsl), lu2021)


def test_packaged_twin_enrols_27_msc_and_26_control_and_loses_nobody():
    from t1dtrial.datasets import load_lu2021

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trial = load_lu2021()
        derived = derive_all(trial)
    t = disposition(derived, trial.protocol, load_log=trial.load_log)
    assert (_n(t, "enrolled", "MSC"), _n(t, "enrolled", "CONTROL")) == (27, 26)
    assert _n(t, "infusion 2 received", "MSC") == 27
    assert _n(t, "attended M12", "all") == 53
    assert _n(t, "primary endpoint assessed", "all") == 53
    assert not t.stage.str.startswith("input").any()


# -- conservation (hypothesis) ---------------------------------------------------------------

_subject = st.fixed_dictionaries({
    "TRT01P": st.sampled_from(["MSC", "CONTROL"]),
    "FASFL": st.sampled_from(["Y", "N"]), "PPROTFL": st.sampled_from(["Y", "N"]),
    "SAFFL": st.sampled_from(["Y", "N"]), "NINF": st.integers(0, 2),
    "EOSSTT": st.sampled_from(["COMPLETED", "DISCONTINUED", "ONGOING"]),
    "DCSREAS": st.sampled_from(["", "moved away", "LOST TO FOLLOW-UP"]),
    "FASREAS": st.sampled_from(["", "no baseline C-peptide"]),
    "AVALC": st.sampled_from(["Y", "N", "missing", "excluded", None]),
})


@settings(max_examples=60, deadline=None)
@given(subjects=st.lists(_subject, min_size=1, max_size=25))
def test_every_enrolled_subject_is_in_exactly_one_row_of_each_partition(subjects):
    adsl = pd.DataFrame(subjects).assign(USUBJID=lambda d: [f"S{i}" for i in range(len(d))],
                                         ENRLFL="Y")
    adeff = adsl.loc[adsl["AVALC"].notna(), ["USUBJID", "AVALC"]].assign(
        PARAMCD="REMISS", ANL01FL="Y", REASON="")
    t = disposition(SimpleNamespace(adsl=adsl.drop(columns="AVALC"), adeff=adeff), PROTOCOL)
    assert not t.duplicated(["stage", "arm", "reason"]).any()
    n = {(r.stage, r.arm, r.reason): r.n for r in t.itertuples()}
    for arm in ("MSC", "CONTROL", "all"):
        enrolled = n["enrolled", arm, ""]
        assert ("attended M12", arm, "") not in n  # no ADLB given
        assert (n["completed", arm, ""] + n["discontinued", arm, ""]
                + n["ongoing", arm, ""]) == enrolled
        for pop in ("FAS", "PP", "SAF"):
            assert n[f"in {pop}", arm, ""] + n[f"not in {pop}", arm, ""] == enrolled
        parts = [v for (stage, a, reason), v in n.items()
                 if stage == "discontinued" and a == arm and reason]
        assert sum(parts) == n["discontinued", arm, ""]
        assert (n["primary endpoint assessed", arm, ""] + n["primary endpoint missing", arm, ""]
                + n["primary endpoint excluded", arm, ""]) == n["in FAS", arm, ""]
