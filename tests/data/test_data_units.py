"""Unit conversion: factors, lenient spellings, invertibility."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.data.contract import PARAMS, param_spec
from t1dtrial.data.units import (accepted_units, canonical_unit, conversion_label, from_canonical,
                                 normalise_unit, to_canonical)


@pytest.mark.parametrize("value, unit, param, expected", [
    (1.0, "ng/mL", "FCP", 0.331),
    (331.0, "pmol/L", "PCP", 0.331),
    (0.5, "nmol/L", "CP30", 0.5),
    (48.0, "mmol/mol", "HBA1C", 48.0 / 10.929 + 2.15),
    (7.0, "%", "HBA1C", 7.0),
    (180.16, "mg/dL", "FPG", 10.0),
    (7.5, "mmol/L", "PPG", 7.5),
    (0.6, "U/kg/day", "INSULIN", 0.6),
    (61.5, "kg", "WEIGHT", 61.5),
])
def test_to_canonical_uses_the_published_factors(value, unit, param, expected):
    assert to_canonical(value, unit, param)[0] == pytest.approx(expected, rel=1e-12)


def test_insulin_per_day_is_divided_by_each_rows_weight():
    out = to_canonical([30.0, 30.0], "U/day", "INSULIN", weight_kg=[60.0, 50.0])
    np.testing.assert_allclose(out, [0.5, 0.6])


def test_insulin_per_day_without_weight_names_the_argument():
    with pytest.raises(ValueError, match=r"The 'weight_kg' parameter of to_canonical must be each "
                                         r"participant's weight .* Got None instead\."):
        to_canonical([30.0], "U/day", "INSULIN")


def test_a_unit_of_another_parameter_is_refused_with_the_accepted_list():
    with pytest.raises(ValueError, match=r"must be a unit of HBA1C, one of \['%', 'mmol/mol'\]. "
                                         r"Got 'pmol/L'"):
        to_canonical([1.0], "pmol/L", "HBA1C")


def test_an_unknown_parameter_is_refused():
    with pytest.raises(ValueError, match=r"The 'param' parameter of from_canonical must be a "
                                         r"parameter of the input contract \(FCP, PCP, HBA1C, "
                                         r"INSULIN, WEIGHT, FPG, PPG, CPxx\)\. Got 'LDL' instead\."):
        from_canonical([1.0], "nmol/L", "LDL")


@pytest.mark.parametrize("text, canonical", [
    ("nmol/L", "nmol/L"), ("nmol/l", "nmol/L"), ("NMOL/L", "nmol/L"), (" nmol / L ", "nmol/L"),
    ("nmol/litre", "nmol/L"), ("pmol/L", "pmol/L"), ("pmol/l", "pmol/L"), ("ng/ml", "ng/mL"),
    ("ng/mL", "ng/mL"), ("%", "%"), ("percent", "%"), ("mmol/mol", "mmol/mol"),
    ("U/kg/day", "U/kg/day"), ("U/kg/d", "U/kg/day"), ("IU/kg/24h", "U/kg/day"),
    ("units/kg/day", "U/kg/day"), ("U/d", "U/day"), ("IU/day", "U/day"), ("u/24h", "U/day"),
    ("kg", "kg"), ("KG", "kg"), ("mmol/l", "mmol/L"), ("mg/dl", "mg/dL"), ("MG/DL", "mg/dL"),
])
def test_unit_spellings_are_matched_leniently(text, canonical):
    assert normalise_unit(text) == canonical


@pytest.mark.parametrize("text", ["", "mg", "U", "nmol", "mmol/kg", None, 3.0, "pmol/dL"])
def test_unknown_units_are_not_guessed(text):
    assert normalise_unit(text) is None


def test_conversion_label_names_parameter_and_units():
    assert conversion_label("FCP", "pmol/L") == "FCP: pmol/L -> nmol/L"


def test_every_contract_unit_is_known_to_the_converter():
    for code, spec in PARAMS.items():
        assert canonical_unit(code) == spec.canonical_unit
        for unit in spec.units:
            assert normalise_unit(unit) == unit
            assert np.isfinite(to_canonical(1.0, unit, code, weight_kg=70.0)).all()


_PAIRS = [(p, u) for p in [*PARAMS, "CP90"] for u in accepted_units(p)]


@settings(max_examples=200, deadline=None)
@given(pair=st.sampled_from(_PAIRS),
       values=st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1,
                       max_size=20),
       weight=st.floats(min_value=10, max_value=250))
def test_conversion_is_invertible_within_float_tolerance(pair, values, weight):
    param, unit = pair
    x = np.asarray(values)
    canon = to_canonical(x, unit, param, weight_kg=weight)
    back = from_canonical(canon, unit, param, weight_kg=weight)
    np.testing.assert_allclose(back, x, rtol=1e-12, atol=1e-9)
    again = to_canonical(from_canonical(canon, unit, param, weight_kg=weight), unit, param,
                         weight_kg=weight)
    np.testing.assert_allclose(again, canon, rtol=1e-12, atol=1e-12)


def test_meal_test_samples_share_the_c_peptide_units():
    assert param_spec("CP120").units == PARAMS["FCP"].units
