"""Composite and any-visit endpoints on the packaged twin: derive, protocol checks, simulator truth."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from t1dtrial.data import load_folder
from t1dtrial.datasets import lu2021_path
from t1dtrial.derive import derive_all
from t1dtrial.protocol import Protocol, load_protocol
from t1dtrial.protocol.checks import protocol_problems
from t1dtrial.simulate import simulate_trial

INSULIN_LOW = {"kind": "threshold", "name": "insulin_low", "label": "Insulin < 0.5 U/kg/day",
               "param": "INSDOSE", "comparison": "<", "value": 0.5, "unit": "U/kg/day",
               "visit": "M12"}
HBA1C_LOW = {"kind": "threshold", "name": "hba1c_low", "label": "HbA1c < 7 %", "param": "HBA1C",
             "comparison": "<", "value": 7, "unit": "%", "visit": "M12"}
GOOD_CONTROL = {"kind": "composite", "name": "good_control", "label": "Insulin < 0.5 and HbA1c < 7",
                "of": ["insulin_low", "hba1c_low"], "visit": "M12"}
EVER = {"kind": "any_visit", "name": "remission_ever", "label": "Remission at M6, M9 or M12",
        "endpoint": "remission", "visits": ["M6", "M9", "M12"]}


def _protocol(*extra: dict, primary: dict | None = None) -> Protocol:
    data = load_protocol("lu2021").model_dump()
    data["endpoints"]["secondary"] += list(extra)
    if primary is not None:
        data["endpoints"]["secondary"].append(data["endpoints"]["primary"])
        data["endpoints"]["primary"] = primary
    return Protocol.model_validate(data)


@pytest.fixture(scope="module")
def derived():
    protocol = _protocol(INSULIN_LOW, HBA1C_LOW, GOOD_CONTROL, EVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return derive_all(load_folder(lu2021_path(), protocol))


def _value(adeff: pd.DataFrame, paramcd: str, visit: str) -> pd.Series:
    rows = adeff.loc[(adeff.PARAMCD == paramcd) & (adeff.AVISIT == visit)]
    return rows.set_index("USUBJID")["AVAL"]


def _kleene(values: list[float], how: str) -> float:
    decided = 1.0 if how == "any" else 0.0
    if any(v == decided for v in values):
        return decided
    return 1.0 - decided if all(v == 1.0 - decided for v in values) else math.nan


def test_the_composite_is_both_thresholds_at_each_visit(derived):
    e = derived.adeff
    for visit in ("M3", "M12"):
        a, b = _value(e, "INSULOW", visit), _value(e, "HBA1CLOW", visit)
        got = _value(e, "GOODCONT", visit)
        want = [_kleene([a[s], b[s]], "all") for s in got.index]
        np.testing.assert_array_equal(got.to_numpy(), np.array(want))
    at = e.loc[(e.PARAMCD == "GOODCONT") & (e.ANL01FL == "Y")]
    assert set(at["AVISIT"]) == {"M12"} and (at["AVALC"] == "Y").any() and (at["AVALC"] == "N").any()
    assert at["CRIT1"].iloc[0] == "INSULOW = Y and HBA1CLOW = Y"


def test_remission_at_any_listed_visit_takes_in_the_visits_so_far(derived):
    e = derived.adeff
    rem = {v: _value(e, "REMISS", v) for v in ("M6", "M9", "M12")}
    ever = _value(e, "REMIEVER", "M12")
    want = [_kleene([rem[v][s] for v in rem], "any") for s in ever.index]
    np.testing.assert_array_equal(ever.to_numpy(), np.array(want))
    m9 = _value(e, "REMIEVER", "M9")
    np.testing.assert_array_equal(m9.to_numpy(), np.array(
        [_kleene([rem["M6"][s], rem["M9"][s]], "any") for s in m9.index]))
    early = e.loc[(e.PARAMCD == "REMIEVER") & (e.AVISIT == "M3")]
    assert early["AVALC"].eq("").all() and early["AEXCLFL"].eq("").all()
    assert early["REASON"].str.startswith("before M6").all()
    assert (ever.sum() >= rem["M12"].sum())


@pytest.mark.parametrize("primary, code", [(GOOD_CONTROL, "GOODCONT"), (EVER, "REMIEVER")])
def test_the_simulator_truth_of_a_composite_primary_is_what_derive_finds(tmp_path, primary, code):
    protocol = _protocol(INSULIN_LOW, HBA1C_LOW, primary=primary) if code == "GOODCONT" \
        else _protocol(primary=primary)
    trial = simulate_trial(protocol, seed=11, n_per_arm=15)
    folder = trial.write(tmp_path / "trial")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = derive_all(load_folder(folder, protocol))
    truth = trial.truth.set_index("subject_id")
    rows = d.adeff.loc[(d.adeff.PARAMCD == code) & (d.adeff.ANL01FL == "Y")].set_index("USUBJID")
    mine = rows["AVALC"].map({"Y": "1", "N": "0", "missing": ""}).reindex(truth.index)
    pd.testing.assert_series_equal(mine, truth["remission_noisy"].astype(str), check_names=False)
    assert (mine != "").sum() > 10


def _problems(*extra: dict) -> list:
    data = load_protocol("lu2021").model_dump()
    data["endpoints"]["secondary"] += list(extra)
    return protocol_problems(Protocol.model_validate(data))


def test_a_composite_of_an_unknown_or_continuous_endpoint_is_a_protocol_problem():
    found = _problems(HBA1C_LOW, {**GOOD_CONTROL, "of": ["nothing", "fcp_change", "hba1c_low"]})
    text = {p.column: p.problem for p in found}
    assert text["endpoints.secondary[10].of[0]"] == "unknown endpoint 'nothing'"
    assert "not a responder endpoint" in text["endpoints.secondary[10].of[1]"]
    assert "endpoints.secondary[10].of[2]" not in text


def test_endpoints_built_from_each_other_in_a_circle_are_a_protocol_problem():
    a = {**GOOD_CONTROL, "name": "a", "of": ["remission", "b"]}
    b = {**EVER, "name": "b", "endpoint": "a"}
    found = [p for p in _problems(a, b) if "built from itself" in p.problem]
    assert {p.column for p in found} == {"endpoints.secondary[9].of[1]",
                                         "endpoints.secondary[10].endpoint"}
