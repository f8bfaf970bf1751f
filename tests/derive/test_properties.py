"""Properties of the derivations, checked on generated trials (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from t1dtrial.derive import derive_adeff, derive_adlb, derive_adsl, lab_exclusions
from t1dtrial.protocol import load_protocol

from derive_frames import make_infusions, make_insulin_free, make_measurements, make_subjects

LU2021 = load_protocol("lu2021")
SUBJECTS = ["S1", "S2", "S3", "S4"]
VISITS = LU2021.visit_codes
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
START = pd.Timestamp("2020-01-01")


def _subjects():
    return make_subjects(*[{"subject_id": s, "arm": "MSC" if i % 2 == 0 else "CONTROL"}
                           for i, s in enumerate(SUBJECTS)])


def _infusions():
    return make_infusions(("S1", 1, "2020-01-01", 1e6), ("S1", 2, "2020-04-01", 1e6),
                          ("S3", 1, "2020-01-03", 1e6))


values = st.one_of(st.just(0.0), st.floats(0.001, 3.0, allow_nan=False),
                   st.just(float("nan")))
record = st.tuples(
    st.sampled_from(SUBJECTS + ["S9"]),
    st.sampled_from(VISITS + ["W2"]),
    st.sampled_from(["FCP", "PCP", "HBA1C", "INSULIN", "LDL"]),
    values,
    st.one_of(st.none(), st.integers(-40, 420)),
)


def _measurements(records):
    rows = [(s, v, p, x, None if d is None else str((START + pd.Timedelta(days=d)).date()))
            for s, v, p, x, d in records]
    return make_measurements(*rows)


@SETTINGS
@given(st.lists(record, min_size=1, max_size=40))
def test_pchg_is_100_chg_over_base_wherever_defined_and_never_infinite(records):
    adlb = derive_adlb(_measurements(records), _subjects(), _infusions(), LU2021)
    defined = adlb["PCHG"].notna()
    sub = adlb.loc[defined]
    np.testing.assert_allclose(sub["PCHG"], 100 * sub["CHG"] / sub["BASE"], rtol=1e-12)
    assert (sub["BASE"] != 0).all()
    assert np.isfinite(adlb["PCHG"].dropna()).all()
    post = (adlb["AVISIT"] != LU2021.baseline_visit) & adlb["AVAL"].notna()
    assert (adlb.loc[post & ~defined, "PCHGREAS"] != "").all()


@SETTINGS
@given(st.lists(record, min_size=0, max_size=40))
def test_every_measurement_is_in_adlb_or_in_the_exclusions(records):
    m = _measurements(records)
    adlb = derive_adlb(m, _subjects(), _infusions(), LU2021)
    ex = lab_exclusions(m, _subjects(), LU2021)
    kept = adlb.loc[adlb["PARAMTYP"] != "DERIVED", "SRCSEQ"].astype(int).tolist()
    assert len(kept) == len(set(kept))
    assert set(kept).isdisjoint(set(ex["SRCSEQ"]))
    assert sorted(kept + ex["SRCSEQ"].tolist()) == list(range(len(m)))


# --- unit invariance --------------------------------------------------------------------
# A laboratory reports C-peptide in nmol/L, pmol/L or ng/mL and HbA1c in % or mmol/mol;
# the data layer converts to canonical units (x 1/1000, x 0.331; mmol/mol / 10.929 + 2.15).
# The same physical values, given in any unit, must give the same endpoint flags.

@st.composite
def _pair(draw):
    """Baseline and month-12 values in hundredths of nmol/L, often exactly +10 % (a tie)."""
    base = draw(st.integers(1, 30)) * 10
    later = draw(st.one_of(st.just(base + base // 10), st.integers(0, 330)))
    return base / 100, later / 100


@st.composite
def _subject_values(draw):
    (f0, f12), (p0, p12) = draw(_pair()), draw(_pair())
    a1c = draw(st.one_of(st.just(7.0), st.integers(50, 120).map(lambda i: i / 10)))
    insulin = draw(st.one_of(st.just(0.5), st.integers(0, 12).map(lambda i: i / 10)))
    return f0, f12, p0, p12, a1c, insulin      # IDAA1C = 7 + 4 x 0.5 = 9: a tie as well


subject_values = _subject_values()


def _roundtrip(value, unit):
    if unit == "pmol/L":
        return (value * 1000.0) / 1000.0
    if unit == "ng/mL":
        return (value / 0.331) * 0.331
    if unit == "mmol/mol":
        return (10.929 * (value - 2.15)) / 10.929 + 2.15
    return value


def _flags(table, cp_unit, a1c_unit):
    rows = []
    for sid, (f0, f12, p0, p12, a1c, ins) in zip(SUBJECTS, table):
        rows += [(sid, "BL", "FCP", _roundtrip(f0, cp_unit), "2020-01-01"),
                 (sid, "M12", "FCP", _roundtrip(f12, cp_unit), "2020-12-31"),
                 (sid, "BL", "PCP", _roundtrip(p0, cp_unit), "2020-01-01"),
                 (sid, "M12", "PCP", _roundtrip(p12, cp_unit), "2020-12-31"),
                 (sid, "M12", "HBA1C", _roundtrip(a1c, a1c_unit), "2020-12-31"),
                 (sid, "M12", "INSULIN", ins, "2020-12-31")]
    subjects, infusions = _subjects(), make_infusions()
    adlb = derive_adlb(make_measurements(*rows), subjects, infusions, LU2021)
    adsl = derive_adsl(subjects, infusions, adlb, LU2021)
    adeff = derive_adeff(adlb, adsl, make_insulin_free(), LU2021, data_cut=START)
    flags = adeff.loc[adeff["ANL01FL"] == "Y"]
    return flags[["USUBJID", "PARAMCD", "AVALC"]].reset_index(drop=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(subject_values, min_size=len(SUBJECTS), max_size=len(SUBJECTS)),
       st.sampled_from(["pmol/L", "ng/mL"]), st.sampled_from(["%", "mmol/mol"]))
def test_endpoint_flags_do_not_change_when_values_come_in_other_units(table, cp_unit, a1c_unit):
    pd.testing.assert_frame_equal(_flags(table, "nmol/L", "%"), _flags(table, cp_unit, a1c_unit))


def test_unit_roundtrip_really_perturbs_values():
    # the invariance test above would be empty if conversions were exact
    assert any(_roundtrip(i / 100, "ng/mL") != i / 100 for i in range(1, 300))


# --- the fast ADLB pipeline and the public step-by-step functions agree ------------------------

CARLSSON = load_protocol("carlsson2015")
meal_record = st.tuples(
    st.sampled_from(SUBJECTS),
    st.sampled_from(CARLSSON.visit_codes),
    st.sampled_from(["FCP", "HBA1C", "INSULIN", "CP0", "CP15", "CP30", "CP60", "CP90", "CP120"]),
    st.one_of(st.just(0.0), st.floats(0.001, 3.0, allow_nan=False)),
    st.one_of(st.none(), st.integers(-30, 400)),
)


def _stepwise(m, protocol):
    from t1dtrial.derive import (derive_lab_records, derive_param_cpauc, derive_param_idaa1c,
                                 derive_param_insdose, derive_var_ablfl, derive_var_anl01fl,
                                 derive_vars_chg)
    d = derive_lab_records(m, _subjects(), _infusions(), protocol)
    d = derive_var_anl01fl(derive_var_ablfl(d, protocol), protocol)
    d = derive_param_cpauc(derive_param_idaa1c(derive_param_insdose(d), protocol), protocol)
    return derive_vars_chg(d, protocol)


def _keyed(adlb):
    cols = ["USUBJID", "PARAMCD", "AVISIT", "SRCSEQ", "ADT", "ADY", "AVAL", "ABLFL", "ANL01FL",
            "OUTWINFL", "BASE", "CHG", "PCHG", "PCHGREAS"]
    out = adlb[cols].astype({"USUBJID": str, "PARAMCD": str, "AVISIT": str, "ABLFL": str,
                             "ANL01FL": str, "OUTWINFL": str, "PCHGREAS": str})
    return out.sort_values(["USUBJID", "PARAMCD", "AVISIT", "SRCSEQ", "ANL01FL"],
                           na_position="last").reset_index(drop=True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(meal_record, min_size=1, max_size=60), st.sampled_from(["lu2021", "carlsson2015"]))
def test_derive_adlb_equals_the_public_steps_in_sequence(records, name):
    protocol = LU2021 if name == "lu2021" else CARLSSON
    rows = [(s, v, p, x, None if d is None else str((START + pd.Timedelta(days=d)).date()))
            for s, v, p, x, d in records]
    m = make_measurements(*rows)
    fast = derive_adlb(m, _subjects(), _infusions(), protocol)
    pd.testing.assert_frame_equal(_keyed(fast), _keyed(_stepwise(m, protocol)), check_dtype=False)


@SETTINGS
@given(st.lists(record, min_size=0, max_size=40))
def test_exclusions_found_through_adlb_equal_a_full_check(records):
    from t1dtrial.derive import derivation_exclusions

    m = _measurements(records)
    empty = make_insulin_free()
    args = (m, _subjects(), _infusions(), m.iloc[:0].assign(term=None, onset_date=None), empty,
            LU2021, pd.NaT)
    adlb = derive_adlb(m, _subjects(), _infusions(), LU2021)
    pd.testing.assert_frame_equal(derivation_exclusions(*args),
                                  derivation_exclusions(*args, adlb=adlb))
