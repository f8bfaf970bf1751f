"""Predictor model (Firth under separation) and responder tables on small hand-made data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from t1dtrial.analysis.predictors import predictor_model
from t1dtrial.analysis.responders import adjusted_comparison, responder_comparison, responder_counts
from t1dtrial.errors import InputError, SeparationWarning
from t1dtrial.protocol import load_protocol
from t1dtrial.protocol.vocabulary import covariate_label

LU = load_protocol("lu2021")


def _frames(bfcp, response, arm="MSC"):
    n = len(bfcp)
    ids = [f"S{i:02d}" for i in range(n)]
    adsl = pd.DataFrame({"USUBJID": ids, "TRT01P": arm, "FASFL": "Y", "BFCP": bfcp,
                         "CUMDOSE": np.linspace(1e6, 3e6, n), "SGADONFL": "Y",
                         "SGJUONFL": "N"})
    adeff = pd.DataFrame({"USUBJID": ids, "PARAMCD": "REMISS", "ANL01FL": "Y",
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


def test_maximum_likelihood_is_kept_with_ten_events_per_variable_and_no_separation():
    rng = np.random.default_rng(7)
    bfcp = rng.uniform(0.05, 0.5, 44)
    response = ["Y", "N", "N", "Y"] * 11  # 22 responders, 22 not: 11 per coefficient
    adsl, adeff = _frames(bfcp, response)
    table, notes = predictor_model(adsl, adeff, protocol=LU)
    assert table["method"].str.startswith("logistic regression (maximum likelihood)").all()
    assert table["method"].str.endswith("; events per variable 11.0").all()
    assert notes == []
    assert (table["n"] == 44).all() and (table["events"] == 22).all()
    assert (table["events_per_variable"] == 11.0).all()


def test_firth_is_used_below_ten_events_per_variable_without_separation():
    bfcp = [0.05, 0.08, 0.10, 0.12, 0.15, 0.30, 0.35, 0.40, 0.45, 0.50]
    response = ["Y", "N", "Y", "Y", "N", "N", "Y", "N", "N", "Y"]
    adsl, adeff = _frames(bfcp, response)
    table, notes = predictor_model(adsl, adeff, protocol=LU)
    assert table["method"].str.startswith("Firth penalised-likelihood logistic regression").all()
    assert table["method"].str.endswith("; Firth chosen: events per variable 2.5 < 10").all()
    assert notes == []
    assert (table["events_per_variable"] == 2.5).all()


def test_unknown_predictor_covariate_is_an_input_error_naming_it():
    adsl, adeff = _frames([0.1, 0.2], ["Y", "N"])
    proto = LU.model_copy(update={"analysis": LU.analysis.model_copy(
        update={"predictor_covariates": ["BFCP", "BMI"]})})
    with pytest.raises(InputError, match=r"analysis.predictor_covariates: 'BMI' — not a column of ADSL"):
        predictor_model(adsl, adeff, protocol=proto)


def _two_arm(missing_rule: str):
    adsl = pd.DataFrame({"USUBJID": list("ABCDEF"), "TRT01P": ["MSC"] * 3 + ["CONTROL"] * 3,
                         "FASFL": "Y", "SGADONFL": list("YNYNYN"),
                         "SGJUONFL": list("NYNYNY")})
    adeff = pd.DataFrame({"USUBJID": list("ABCDE"), "PARAMCD": "REMISS", "ANL01FL": "Y",
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
                         "SGPAEDFL": ["Y", "N"]})
    adeff = pd.DataFrame({"USUBJID": ["A", "B"], "PARAMCD": "INSUINDE",
                          "ANL01FL": "Y", "AVALC": ["Y", "N"]})
    counts = responder_counts(adsl, adeff, "insulin_independence", protocol=proto)
    assert counts["subgroup"].tolist() == ["all", "paediatric"]
    assert responder_comparison(counts, protocol=proto).empty


@pytest.fixture(scope="module")
def twin():
    from t1dtrial.datasets import load_lu2021
    from t1dtrial.derive import derive_all
    derived = derive_all(load_lu2021())
    return derived.adsl, derived.adeff


def _with(protocol, *, allocation=None, **analysis):
    update = {"analysis": protocol.analysis.model_copy(update=analysis)}
    if allocation:
        update["design"] = protocol.design.model_copy(update={"allocation": allocation})
    return protocol.model_copy(update=update)


def test_nonrandomised_primary_gets_a_standardised_estimate_beside_the_baseline_balance(twin):
    adsl, adeff = twin
    table, balance, notes = adjusted_comparison(adsl, adeff, "remission", protocol=LU)
    assert table["estimand"].tolist() == ["risk difference", "risk ratio", "odds ratio"]
    assert (table["analysis"] == "covariate-adjusted (standardisation)").all()
    assert (table["covariates"] == "BFCP, AGEONSET, SEX, DURDIAG").all()  # the propensity ones
    rd = table.iloc[0]
    assert rd["ci_low"] < rd["estimate"] < rd["ci_high"]
    assert rd["estimate"] == pytest.approx(rd["risk_treated"] - rd["risk_control"])
    assert "logistic model of remission on arm + BFCP + AGEONSET + SEX + DURDIAG" in rd["method"]
    # balance: largest absolute SMD first, adjusted covariates marked
    assert balance["smd"].abs().is_monotonic_decreasing
    marked = dict(zip(balance["term"], balance["adjusted"]))
    assert marked["BFCP"] == "yes" and marked["WEIGHTBL"] == "no"
    top = balance.iloc[0]
    [note] = notes
    assert f"the largest imbalance is {covariate_label(top['term'])} (SMD {top['smd']:.2f})" in note
    assert ("the adjustment includes it" in note) == (top["adjusted"] == "yes")


def test_adjustment_covariates_override_and_name_the_largest_imbalance_as_included(twin):
    adsl, adeff = twin
    proto = _with(LU, adjustment_covariates=["DURDIAG", "BFCP"])
    table, balance, notes = adjusted_comparison(adsl, adeff, "remission", protocol=proto)
    assert (table["covariates"] == "DURDIAG, BFCP").all()
    assert balance.iloc[0]["term"] == "DURDIAG"
    assert "the largest imbalance is time from diagnosis to enrolment" in notes[0]
    assert "the adjustment includes it" in notes[0]


def test_randomised_protocol_gets_no_adjusted_table(twin):
    adsl, adeff = twin
    table, balance, notes = adjusted_comparison(adsl, adeff, "remission",
                                                protocol=_with(LU, allocation="randomised"))
    assert table.empty and balance.empty and notes == []


def test_separation_by_arm_falls_back_to_firth_and_says_so(twin):
    adsl, adeff = twin
    control = set(adsl.loc[adsl["TRT01P"] == "CONTROL", "USUBJID"])
    adeff = adeff.copy()
    mask = adeff["USUBJID"].isin(control) & (adeff["PARAMCD"] == "REMISS")
    adeff.loc[mask & adeff["AVALC"].eq("Y"), "AVALC"] = "N"
    table, _, notes = adjusted_comparison(adsl, adeff, "remission", protocol=LU)
    assert table["method"].str.contains("Firth penalised likelihood (quasi-complete separation",
                                        regex=False).all()
    assert np.isfinite(table["estimate"]).all()
    assert any("Firth" in n for n in notes)
