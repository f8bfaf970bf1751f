"""The protocol layer's vocabulary agrees with what the derivations produce and convert.

protocol/ imports nothing of ours, so it keeps its own list of ADSL covariates
(protocol.vocabulary.COVARIATES) and of threshold units (protocol.units.SCALES);
these tests hold both to derive_adsl and canonical_threshold, so neither can drift.
"""

from __future__ import annotations

import pandas as pd
import pytest

from t1dtrial.data.units import UNIT_SPELLINGS, accepted_units, needs_weight
from t1dtrial.derive import canonical_threshold, derive_adlb, derive_adsl
from t1dtrial.errors import ProtocolError
from t1dtrial.protocol import ThresholdEndpoint, load_protocol
from t1dtrial.protocol.units import SCALES, scales_of
from t1dtrial.protocol.vocabulary import COVARIATES, covariate

from derive_frames import make_infusions, make_measurements, make_subjects


def _adsl(protocol):
    subjects = make_subjects({"subject_id": "M1"}, {"subject_id": "C1", "arm": "CONTROL",
                                                    "sex": "M", "age_at_onset": 12.0})
    infusions = make_infusions(("M1", 1, "2020-01-02", 1e6), ("M1", 2, "2020-04-01", 2e6))
    measurements = make_measurements(("M1", "BL", "FCP", 0.3, "2020-01-01"),
                                     ("C1", "BL", "WEIGHT", 70.0, "2020-01-01"))
    adlb = derive_adlb(measurements, subjects, infusions, protocol)
    return derive_adsl(subjects, infusions, adlb, protocol)


@pytest.mark.parametrize("name", ["lu2021", "carlsson2015", "nasli2015"])
def test_derive_adsl_produces_every_covariate_of_the_vocabulary(name):
    protocol = load_protocol(name)
    adsl = _adsl(protocol)
    highest = max((i.number for i in protocol.infusions), default=0)
    names = [c.name for c in COVARIATES] + [f"DOSE{k}" for k in range(1, highest + 1)]
    missing = [n for n in names if n not in adsl.columns]
    assert missing == []
    for n in names:
        cov = covariate(n, infusions=highest)
        numeric = pd.api.types.is_numeric_dtype(adsl[n])
        assert numeric == (cov.kind == "numeric"), n


def test_a_baseline_covariate_of_another_parameter_exists_when_the_data_hold_it(lu2021):
    adsl = _adsl(lu2021)
    assert covariate("BWEIGHT", infusions=2) is not None and "BWEIGHT" in adsl.columns


def test_exposure_covariates_are_zero_without_infusions(lu2021):
    adsl = _adsl(lu2021).set_index("USUBJID")
    exposure = [c.name for c in COVARIATES if c.exposure]
    assert (adsl.loc["C1", exposure] == 0).all()


def _threshold(param, unit, value=1.0):
    return ThresholdEndpoint.model_construct(kind="threshold", name="x", label="x", visit="M12",
                                             param=param, comparison=">=", value=value, unit=unit)


@pytest.mark.parametrize("param", [*SCALES, "CP30"])
def test_every_threshold_unit_the_protocol_accepts_is_converted(param):
    for scale in scales_of(param):
        assert canonical_threshold(_threshold(param, scale.unit)) > 0


@pytest.mark.parametrize("param", [*SCALES, "CP30"])
def test_every_other_unit_is_refused_by_the_derivation_too(param):
    accepted = {s.unit for s in scales_of(param)}
    for unit in sorted((set(UNIT_SPELLINGS.values()) | {"nmol/L x min"}) - accepted):
        with pytest.raises(ProtocolError):
            canonical_threshold(_threshold(param, unit))


@pytest.mark.parametrize("param", [p for p in SCALES if p in ("FCP", "PCP", "HBA1C", "INSULIN",
                                                              "WEIGHT", "FPG", "PPG")])
def test_threshold_units_are_the_input_units_that_need_no_weight(param):
    assert [s.unit for s in scales_of(param)] == [u for u in accepted_units(param)
                                                 if not needs_weight(u)]


def test_derived_units_written_loosely_are_refused_by_both():
    from t1dtrial.protocol.units import threshold_unit_problem

    assert threshold_unit_problem("IDAA1C", "percent") is not None
    with pytest.raises(ProtocolError):
        canonical_threshold(_threshold("IDAA1C", "percent"))
