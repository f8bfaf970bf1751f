"""ADEFF: responder endpoints per visit, missing handling, insulin independence and episodes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from t1dtrial.derive import (
    ADEFF_COLUMNS,
    adeff_endpoints,
    canonical_threshold,
    derive_adeff,
    derive_adlb,
    derive_adsl,
    derive_adtte,
    derive_insulin_free_episodes,
    derive_param_response,
    latest_date,
)
from t1dtrial.errors import ProtocolError
from t1dtrial.protocol import Protocol, ThresholdEndpoint, load_protocol

from derive_frames import (
    make_infusions,
    make_insulin_free,
    make_measurements,
    make_subjects,
    with_analysis,
    with_primary,
)

CUT = pd.Timestamp("2021-03-01")


def _derive(measurements, protocol, *, subjects=None, insulin_free=None, cut=CUT):
    ids = sorted(set(measurements["subject_id"]))
    subjects = subjects if subjects is not None else make_subjects(
        *[{"subject_id": s, "arm": "CONTROL"} for s in ids])
    inf = make_infusions()
    adlb = derive_adlb(measurements, subjects, inf, protocol)
    adsl = derive_adsl(subjects, inf, adlb, protocol)
    free = insulin_free if insulin_free is not None else make_insulin_free()
    return derive_adeff(adlb, adsl, free, protocol, data_cut=cut), adlb, adsl


def _cp(sid, fcp0, fcp12, pcp0, pcp12):
    rows = []
    for param, b, f in (("FCP", fcp0, fcp12), ("PCP", pcp0, pcp12)):
        if b is not None:
            rows.append((sid, "BL", param, b, "2020-01-01"))
        if f is not None:
            rows.append((sid, "M12", param, f, "2020-12-31"))
    return rows


def _at(adeff, paramcd, visit="M12"):
    """Each subject's result: AVALC "Y"/"N", else "excluded" (AEXCLFL) or "missing" (blank)."""
    rows = adeff.loc[(adeff.PARAMCD == paramcd) & (adeff.AVISIT == visit)]
    assert set(rows.AVALC) <= {"Y", "N", ""}
    status = np.where(rows.AVALC != "", rows.AVALC,
                      np.where(rows.AEXCLFL == "Y", "excluded", "missing"))
    return dict(zip(rows.USUBJID, status))


@pytest.fixture
def remission_data():
    return make_measurements(
        *_cp("TIE", 0.10, 0.11, 1.0, 0.5),       # FCP exactly +10 % (rounded values)
        *_cp("PCPUP", 0.30, 0.20, 0.50, 0.60),   # PCP +20 %
        *_cp("NONE", 0.30, 0.30, 0.50, 0.50),    # no rise
        *_cp("FMISS", 0.30, None, 0.50, 0.40),   # FCP missing, PCP falls
        *_cp("FMISSUP", 0.30, None, 0.50, 0.60),  # FCP missing, PCP rises
        *_cp("ZERO", 0.0, 0.10, 0.50, 0.40),     # zero FCP baseline
        *_cp("NOM12", 0.30, None, 0.50, None))   # no M12 at all


def test_remission_uses_any_of_fasting_or_postprandial(remission_data, lu2021):
    adeff, _, _ = _derive(remission_data, lu2021)
    assert _at(adeff, "REMISS") == {"TIE": "Y", "PCPUP": "Y", "NONE": "N", "FMISS": "missing",
                                       "FMISSUP": "Y", "ZERO": "missing", "NOM12": "missing"}


def test_exactly_threshold_rise_is_not_remission_with_strict_comparison(remission_data, lu2021):
    adeff, _, _ = _derive(remission_data, with_primary(lu2021, comparison=">"))
    assert _at(adeff, "REMISS")["TIE"] == "N"


def test_all_combination_needs_every_parameter(remission_data, lu2021):
    adeff, _, _ = _derive(remission_data, with_primary(lu2021, combine="all"))
    got = _at(adeff, "REMISS")
    assert (got["TIE"], got["PCPUP"], got["FMISS"], got["FMISSUP"]) == ("N", "N", "N", "missing")


def test_missing_primary_is_flagged_with_a_reason_never_a_non_responder(remission_data, lu2021):
    adeff, _, _ = _derive(remission_data, lu2021)
    row = adeff.loc[(adeff.PARAMCD == "REMISS") & (adeff.ANL01FL == "Y")].set_index("USUBJID")
    assert np.isnan(row.loc["NOM12", "AVAL"])
    assert row.loc["NOM12", "REASON"] == "no FCP at M12; no PCP at M12"
    assert row.loc["ZERO", "REASON"] == "FCP: baseline is zero"
    assert row.loc["FMISS", "REASON"] == "no FCP at M12"
    assert row.loc["NONE", "AVAL"] == 0.0 and row.loc["NONE", "REASON"] == ""


def test_zero_baseline_excludes_the_subject_when_the_protocol_says_so(remission_data, lu2021):
    p = with_analysis(lu2021, zero_baseline_pchg="exclude_subject")
    adeff, _, _ = _derive(remission_data, p)
    assert _at(adeff, "REMISS")["ZERO"] == "excluded"
    assert _at(adeff, "REMISS")["PCPUP"] == "Y"


def test_every_subject_has_a_row_at_every_post_baseline_visit(remission_data, lu2021):
    adeff, _, adsl = _derive(remission_data, lu2021)
    rem = adeff.loc[adeff.PARAMCD == "REMISS"]
    assert len(rem) == len(adsl) * 5
    assert set(rem.AVISIT) == {"M1", "M3", "M6", "M9", "M12"}
    assert set(rem.loc[rem.ANL01FL == "Y", "AVISIT"]) == {"M12"}
    assert list(adeff.columns) == ADEFF_COLUMNS


def test_threshold_endpoints_dcct_and_idaa1c(lu2021):
    m = make_measurements(("A", "BL", "PCP", 0.5, "2020-01-01"), ("A", "M12", "PCP", 0.2, "2021-01-01"),
                          ("B", "M12", "PCP", 0.1999, "2021-01-01"),
                          ("A", "M12", "HBA1C", 7.0, "2021-01-01"),
                          ("A", "M12", "INSULIN", 0.5, "2021-01-01"),
                          ("B", "M12", "HBA1C", 7.0, "2021-01-01"),
                          ("B", "M12", "INSULIN", 0.51, "2021-01-01"))
    adeff, _, _ = _derive(m, lu2021)
    assert _at(adeff, "DCCTRESP") == {"A": "Y", "B": "N"}
    assert _at(adeff, "DCCTRESP", "BL") == {"A": "Y", "B": "missing"}
    assert _at(adeff, "IDPARE") == {"A": "Y", "B": "N"}


def test_threshold_in_another_unit_is_converted_to_canonical():
    e = ThresholdEndpoint(kind="threshold", name="x", label="x", visit="M12", param="HBA1C",
                          comparison="<=", value=53, unit="mmol/mol")
    assert canonical_threshold(e) == pytest.approx(53 / 10.929 + 2.15)
    bad = e.model_copy(update={"unit": "furlongs"})
    with pytest.raises(ProtocolError, match=r"'furlongs' — cannot convert to the canonical unit "
                                            r"of HBA1C; expected %"):
        canonical_threshold(bad)


def test_insulin_independence_from_dose_or_a_covering_episode(lu2021):
    m = make_measurements(("ZERO", "M12", "INSULIN", 0.0, "2021-01-01"),
                          ("DOSE", "M12", "INSULIN", 0.2, "2021-01-01"),
                          ("EPI", "BL", "INSULIN", 0.4, "2020-01-01"),
                          ("NONE", "BL", "INSULIN", 0.4, "2020-01-01"))
    free = make_insulin_free(("EPI", "2020-11-01", None))
    adeff, _, _ = _derive(m, lu2021, insulin_free=free)
    assert _at(adeff, "INSUINDE") == {"ZERO": "Y", "DOSE": "N", "EPI": "Y",
                                                  "NONE": "missing"}
    row = adeff.loc[(adeff.PARAMCD == "INSUINDE") & (adeff.AVISIT == "M12")
                    & (adeff.USUBJID == "EPI")].iloc[0]
    assert row.REASON == "no INSDOSE at M12; inside an insulin-free episode"


def test_episodes_from_table_are_censored_at_the_data_cut():
    adsl = pd.DataFrame({"USUBJID": ["A", "B"], "RFSTDT": pd.to_datetime(["2020-01-01"] * 2)})
    free = make_insulin_free(("A", "2020-03-01", "2020-06-01"), ("A", "2020-09-01", None),
                             ("B", "2020-12-01", "2021-06-01"), ("B", "2021-04-01", None),
                             ("GHOST", "2020-03-01", None), ("B", "2020-06-01", "2020-05-01"))
    lb = pd.DataFrame(columns=["USUBJID", "PARAMCD", "AVISIT", "AVISITN", "ADT", "AVAL", "ANL01FL"])
    e = derive_insulin_free_episodes(free, lb, adsl, data_cut=CUT)
    got = {(r.USUBJID, r.EPISODE): (str(r.ASTDT.date()), str(r.AENDT.date()), r.AVAL, r.CNSR)
           for r in e.itertuples()}
    assert got == {("A", 1): ("2020-03-01", "2020-06-01", 92.0, 0),
                   ("A", 2): ("2020-09-01", "2021-03-01", 181.0, 1),
                   ("B", 1): ("2020-12-01", "2021-03-01", 90.0, 1)}
    assert e.SRCROW.tolist() == [2, 3, 4]


def test_episodes_from_consecutive_zero_dose_visits(lu2021):
    dose = {"M1": 0.3, "M3": 0.0, "M6": 0.0, "M9": 0.2, "M12": 0.0}
    days = {"M1": "2020-01-31", "M3": "2020-04-01", "M6": "2020-07-01", "M9": "2020-10-01",
            "M12": "2020-12-31"}
    m = make_measurements(("A", "BL", "INSULIN", 0.5, "2020-01-01"),
                          *[("A", v, "INSULIN", d, days[v]) for v, d in dose.items()],
                          ("B", "M6", "INSULIN", 0.0, None))
    adeff, adlb, adsl = _derive(m, lu2021)
    assert "INSFREE" not in set(adeff.PARAMCD)  # episodes are ADTTE records
    episodes = derive_insulin_free_episodes(make_insulin_free(), adlb, adsl, data_cut=CUT,
                                            protocol=lu2021)
    ep = derive_adtte(adlb, adsl, lu2021, episodes=episodes)
    assert ep.PARAMCD.eq("INSFREE").all()
    got = [(r.USUBJID, r.EPISODE, str(r.STARTDT.date()), str(r.ADT.date()), r.AVAL, r.CNSR,
            r.SRCDOM) for r in ep.itertuples()]
    assert got == [("A", 1, "2020-04-01", "2020-07-01", 91.0, 0, "ADLB"),
                   ("A", 2, "2020-12-31", "2020-12-31", 0.0, 1, "ADLB"),
                   ("B", 1, "2020-07-01", "2020-07-01", 0.0, 1, "ADLB")]  # nominal M6 date


def test_adeff_derives_exactly_the_responder_endpoints_the_protocol_lists(lu2021):
    names = [e.name for e in adeff_endpoints(load_protocol("nasli2015"))]
    assert names == ["insulin_independence", "dcct_responder", "idaa1c_partial_remission"]
    data = {**lu2021.model_dump(), "endpoints": {"primary": lu2021.primary_endpoint.model_dump()}}
    bare = Protocol.model_validate(data)
    assert [e.name for e in adeff_endpoints(bare)] == ["remission"]


def test_response_rows_do_not_mutate_inputs(remission_data, lu2021):
    _, adlb, adsl = _derive(remission_data, lu2021)
    before = adlb.copy()
    derive_param_response(adlb, adsl, lu2021.primary_endpoint, lu2021)
    pd.testing.assert_frame_equal(adlb, before)


def test_default_data_cut_is_the_latest_date(remission_data, lu2021):
    ids = sorted(set(remission_data["subject_id"]))
    subjects = make_subjects(*[{"subject_id": s, "arm": "CONTROL"} for s in ids])
    adlb = derive_adlb(remission_data, subjects, make_infusions(), lu2021)
    adsl = derive_adsl(subjects, make_infusions(), adlb, lu2021)
    free = make_insulin_free(("NONE", "2020-06-01", None))
    cut = latest_date(adlb, adsl, free)
    assert str(cut.date()) == "2020-12-31"
    ep = derive_insulin_free_episodes(free, adlb, adsl, data_cut=cut).iloc[0]
    assert str(ep.AENDT.date()) == "2020-12-31" and ep.CNSR == 1
    pd.testing.assert_frame_equal(derive_adeff(adlb, adsl, free, lu2021),
                                  derive_adeff(adlb, adsl, free, lu2021, data_cut=cut))
    earlier = derive_adeff(adlb, adsl, free, lu2021, data_cut=pd.Timestamp("2020-06-02"))
    assert not earlier.equals(derive_adeff(adlb, adsl, free, lu2021))  # the cut matters
