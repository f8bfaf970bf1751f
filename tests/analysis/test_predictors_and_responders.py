"""Predictor model (Firth under separation) and responder tables on small hand-made data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from t1dtrial.analysis.predictors import predictor_model
from t1dtrial.analysis.responders import responder_comparison, responder_counts
from t1dtrial.errors import InputError, SeparationWarning
from t1dtrial.protocol import load_protocol

LU = load_protocol("lu2021")


def _frames(bfcp, response, arm="MSC"):
    n = len(bfcp)
    ids = [f"S{i:02d}" for i in range(n)]
    adsl = pd.DataFrame({"USUBJID": ids, "TRT01P": arm, "FASFL": "Y", "BFCP": bfcp,
                         "CUMDOSE": np.linspace(1e6, 3e6, n), "SG_ADULT_ONSET": "Y",
                         "SG_JUVENILE_ONSET": "N"})
    adeff = pd.DataFrame({"USUBJID": ids, "PARAMCD": "REMISSION", "ANL01FL": "Y",
                          "AVALC": response})
    return adsl, adeff


def test_firth_is_used_and_labelled_when_baseline_c_peptide_separates_remission():
    bfcp = [0.05, 0.08, 0.10, 0.12, 0.15, 0.30, 0.35, 0.40, 0.45, 0.50]
    response = ["Y"] * 5 + ["N"] * 5  # every low-FCP subject remits: complete separation
    adsl, adeff = _frames(bfcp, response)
    with pytest.warns(SeparationWarning):
        table, notes = predictor_model(adsl, adeff, protocol=LU)
    assert table["method"].str.contains("Firth").all()
    assert any("Firth" in note or "separation" in note for note in notes)
    row = table.set_index("term").loc["BFCP (per 0.1 nmol/L)"]
    assert np.isfinite(row["odds_ratio"]) and row["odds_ratio"] < 1
    assert 0 < row["ci_low"] < row["ci_high"] < np.inf


def test_maximum_likelihood_is_kept_without_separation():
    bfcp = [0.05, 0.08, 0.10, 0.12, 0.15, 0.30, 0.35, 0.40, 0.45, 0.50]
    response = ["Y", "N", "Y", "Y", "N", "N", "Y", "N", "N", "Y"]
    adsl, adeff = _frames(bfcp, response)
    table, notes = predictor_model(adsl, adeff, protocol=LU)
    assert table["method"].str.contains("maximum likelihood").all()
    assert notes == []
    assert (table["n"] == 10).all() and (table["events"] == 5).all()


def test_unknown_predictor_covariate_is_an_input_error_naming_it():
    adsl, adeff = _frames([0.1, 0.2], ["Y", "N"])
    proto = LU.model_copy(update={"analysis": LU.analysis.model_copy(
        update={"predictor_covariates": ["BFCP", "BMI"]})})
    with pytest.raises(InputError, match=r"analysis.predictor_covariates: 'BMI' — not a column of ADSL"):
        predictor_model(adsl, adeff, protocol=proto)


def _two_arm(missing_rule: str):
    adsl = pd.DataFrame({"USUBJID": list("ABCDEF"), "TRT01P": ["MSC"] * 3 + ["CONTROL"] * 3,
                         "FASFL": "Y", "SG_ADULT_ONSET": list("YNYNYN"),
                         "SG_JUVENILE_ONSET": list("NYNYNY")})
    adeff = pd.DataFrame({"USUBJID": list("ABCDE"), "PARAMCD": "REMISSION", "ANL01FL": "Y",
                          "AVALC": ["Y", "Y", "missing", "N", "Y"]})  # F has no record at all
    proto = LU.model_copy(update={"analysis": LU.analysis.model_copy(
        update={"missing_primary": missing_rule})})
    return adsl, adeff, proto


def test_missing_endpoint_counts_as_non_responder_by_default():
    adsl, adeff, proto = _two_arm("non_responder")
    t = responder_counts(adsl, adeff, "remission", protocol=proto).set_index(["subgroup", "arm"])
    assert t.loc[("all", "MSC"), ["n", "responders", "missing"]].tolist() == [3, 2, 1]
    assert t.loc[("all", "CONTROL"), ["n", "responders", "missing"]].tolist() == [3, 1, 1]
    assert t.loc[("adult_onset", "MSC"), ["n", "responders"]].tolist() == [2, 1]


def test_missing_endpoint_is_left_out_when_the_protocol_says_exclude():
    adsl, adeff, proto = _two_arm("exclude")
    t = responder_counts(adsl, adeff, "remission", protocol=proto).set_index(["subgroup", "arm"])
    assert t.loc[("all", "MSC"), ["n", "responders", "missing"]].tolist() == [2, 2, 1]
    assert t.loc[("all", "MSC"), "percent"] == 100.0
    comp = responder_comparison(t.reset_index(), protocol=proto)
    assert comp.loc[comp.subgroup == "all", "risk_difference"].item() == pytest.approx(1 - 1 / 2)


def test_single_arm_protocol_has_counts_but_no_comparison():
    proto = load_protocol("nasli2015")
    adsl = pd.DataFrame({"USUBJID": ["A", "B"], "TRT01P": "MSC", "FASFL": "Y",
                         "SG_PAEDIATRIC": ["Y", "N"]})
    adeff = pd.DataFrame({"USUBJID": ["A", "B"], "PARAMCD": "INSULIN_INDEPENDENCE",
                          "ANL01FL": "Y", "AVALC": ["Y", "N"]})
    counts = responder_counts(adsl, adeff, "insulin_independence", protocol=proto)
    assert counts["subgroup"].tolist() == ["all", "paediatric"]
    assert responder_comparison(counts, protocol=proto).empty
