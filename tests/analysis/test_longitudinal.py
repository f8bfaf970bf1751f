"""The mixed model of the plan follows the protocol's covariance structure and fallback sequence."""

from __future__ import annotations

import warnings

import pytest

from t1dtrial.analysis.longitudinal import COVARIANCE_COLUMNS, MMRM_COLUMNS, mmrm_analysis
from t1dtrial.datasets import load_lu2021
from t1dtrial.derive import derive_all
from t1dtrial.errors import T1DTrialWarning


@pytest.fixture(scope="module")
def twin():
    trial = load_lu2021()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", T1DTrialWarning)
        derived = derive_all(trial)
    return trial.protocol, derived.adsl, derived.adlb


def _with(protocol, **options):
    return protocol.model_copy(update={"analysis": protocol.analysis.model_copy(update=options)})


def _fcp(table):
    return table.loc[(table["param"] == "FCP") & (table["scale"] == "none")]


def test_the_protocol_default_is_unstructured_with_the_heterogeneous_sequence(twin):
    protocol, adsl, adlb = twin
    assert protocol.analysis.mmrm_covariance == "unstructured"
    assert protocol.analysis.mmrm_fallback == ["heterogeneous-toeplitz", "heterogeneous-ar1",
                                               "heterogeneous-compound-symmetry",
                                               "compound-symmetry"]
    proto = _with(protocol, mmrm_covariance="heterogeneous-ar1", mmrm_fallback=[])
    table, tried, notes = mmrm_analysis(adsl, adlb, protocol=proto)
    assert list(table.columns) == MMRM_COLUMNS and list(tried.columns) == COVARIANCE_COLUMNS
    assert _fcp(table)["method"].str.startswith(
        "MMRM (REML), heterogeneous AR(1) covariance;").all()
    assert list(_fcp(tried)["structure"]) == ["heterogeneous AR(1)"]
    assert not [n for n in notes if "fallback" in n]


def test_the_fallback_sequence_of_the_protocol_is_followed_and_noted(twin):
    # twelve subjects: too few for the 15 parameters of an unstructured 5 x 5 covariance
    protocol, adsl, adlb = twin
    keep = adsl.groupby("TRT01P").head(6)
    proto = _with(protocol, mmrm_fallback=["heterogeneous-ar1", "compound-symmetry"])
    table, tried, notes = mmrm_analysis(keep, adlb, protocol=proto)
    fcp = _fcp(tried)
    assert list(fcp["structure"])[:2] == ["unstructured", "heterogeneous AR(1)"]
    assert fcp["reason"].iat[0] == "too few subjects, 12, for its 15 covariance parameters"
    used = fcp.loc[fcp["used"], "structure"].iat[0]
    assert _fcp(table)["method"].str.startswith(
        f"MMRM (REML), {used} covariance (unstructured not used: too few subjects, 12").all()
    assert any(n.startswith(f"The mixed model of FCP used a {used} covariance, as the protocol's "
                            "fallback sequence allows (unstructured: too few subjects, 12")
               for n in notes)
    assert fcp["reml_loglik"].iloc[1:].notna().all() and fcp["aic"].iloc[1:].notna().all()


def test_the_protocol_refuses_an_unknown_or_repeated_covariance_structure():
    from pydantic import ValidationError

    from t1dtrial.protocol.models import AnalysisOptions

    with pytest.raises(ValidationError, match="Input should be 'unstructured', "):
        AnalysisOptions(mmrm_fallback=["toeplitz"])
    with pytest.raises(ValidationError, match="compound-symmetry listed more than once"):
        AnalysisOptions(mmrm_fallback=["compound-symmetry", "compound-symmetry"])
    with pytest.raises(ValidationError, match="mmrm_covariance"):
        AnalysisOptions(mmrm_covariance="ar1")
    assert AnalysisOptions(mmrm_fallback=[]).mmrm_fallback == []
