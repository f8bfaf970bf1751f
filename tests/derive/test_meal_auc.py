"""Meal-test AUC endpoints: the AUC and mean AUC over any sampling minutes, by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from t1dtrial.derive import derive_adlb
from t1dtrial.protocol import Protocol, load_protocol
from t1dtrial.protocol.describe import describe_endpoint
from t1dtrial.protocol.checks import protocol_problems
from t1dtrial.protocol.kinds import MealAucEndpoint, outcome

OGTT = [0, 30, 60, 90, 120, 150, 180]
VALUES = [0.2, 0.5, 0.8, 0.9, 0.7, 0.5, 0.4]


def _ogtt_protocol(*endpoints: dict) -> Protocol:
    data = load_protocol("carlsson2015").model_dump()
    data["meal_test"] = {"kind": "OGTT", "minutes": OGTT}
    data["endpoints"]["secondary"] += list(endpoints)
    return Protocol.model_validate(data)


AUC_180 = {"kind": "meal_auc", "name": "auc180", "label": "OGTT C-peptide AUC 0-180 min",
           "measure": "auc", "minutes": OGTT, "summary": "value", "visit": "M12"}
MEAN_120 = {"kind": "meal_auc", "name": "mauc120", "label": "OGTT C-peptide mean AUC 0-120 min",
            "measure": "mean_auc", "minutes": OGTT[:5], "visit": "M12"}


def _adlb(protocol: Protocol) -> pd.DataFrame:
    subjects = pd.DataFrame({"subject_id": ["S1"], "enrolment_date": pd.to_datetime(["2020-01-01"])})
    infusions = pd.DataFrame(columns=["subject_id", "infusion_number", "date"])
    m = pd.DataFrame({"subject_id": "S1", "visit": "BL", "param": [f"CP{t}" for t in OGTT],
                      "value": VALUES, "date": pd.to_datetime("2020-01-01")})
    return derive_adlb(m, subjects, infusions, protocol)


def test_auc_over_ogtt_0_180_minutes_is_the_trapezoid_by_hand():
    adlb = _adlb(_ogtt_protocol(AUC_180, MEAN_120)).set_index("PARAMCD")
    # 30 x ((.2+.5)/2 + (.5+.8)/2 + (.8+.9)/2 + (.9+.7)/2 + (.7+.5)/2 + (.5+.4)/2) = 30 x 3.7
    assert adlb.loc["CPAUC180", "AVAL"] == pytest.approx(111.0)
    assert adlb.loc["CPAUC", "AVAL"] == pytest.approx(111.0)  # the meal test's own minutes
    assert adlb.loc["CPMAUC", "AVAL"] == pytest.approx(111.0 / 180)
    # 0-120 only: 30 x (0.35 + 0.65 + 0.85 + 0.8) = 79.5, over 120 minutes
    assert adlb.loc["CPMAUC120", "AVAL"] == pytest.approx(79.5 / 120)
    assert "minutes 0-120" in adlb.loc["CPMAUC120", "PARAM"]


def test_a_meal_auc_endpoint_is_continuous_and_names_its_parameter():
    ep = MealAucEndpoint.model_validate(MEAN_120)
    assert (ep.param, outcome(ep)) == ("CPMAUC120", "continuous")
    assert describe_endpoint(ep) == ("mauc120: change from baseline in CPMAUC120 (C-peptide mean "
                                     "AUC, minutes 0-120) at M12")


def test_auc_minutes_the_meal_test_does_not_sample_are_a_protocol_problem():
    protocol = _ogtt_protocol({**AUC_180, "minutes": [0, 45, 180]})
    found = [p for p in protocol_problems(protocol) if "minute 45" in p.problem]
    assert len(found) == 1 and found[0].column == "endpoints.secondary[4].minutes[1]"


def test_a_param_that_contradicts_the_minutes_is_refused():
    with pytest.raises(ValueError, match="param is set from measure and minutes"):
        MealAucEndpoint.model_validate({**AUC_180, "param": "CPMAUC"})
    with pytest.raises(ValueError, match="at least two sampling minutes"):
        _ogtt_protocol({**AUC_180, "minutes": [120]})
