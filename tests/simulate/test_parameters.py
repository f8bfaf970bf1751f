"""Every model parameter is documented with a unit and a source."""

from __future__ import annotations

import dataclasses

import pytest

from t1dtrial.simulate import ModelParameters


def test_every_parameter_has_unit_source_and_description():
    table = ModelParameters().table()
    assert len(table) == len(dataclasses.fields(ModelParameters))
    for col in ("unit", "source", "description"):
        assert (table[col].str.len() > 0).all(), table.loc[table[col].str.len() == 0, "name"]


def test_sources_are_a_publication_or_an_assumption():
    table = ModelParameters().table()
    cited = table["source"].str.contains("seed study|Greenbaum|Hao|Dufort|Mortensen|assumption")
    assert cited.all(), table.loc[~cited, ["name", "source"]]


def test_assumptions_lists_parameters_no_publication_gives():
    names = ModelParameters().assumptions()
    assert "male_fraction" in names and "fcp_median_adult" in names
    assert "adult_onset_fraction" not in names  # 33/53 is published


def test_parameters_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ModelParameters().dropout_per_year = 0.2  # type: ignore[misc]


def test_replace_changes_one_value_and_keeps_the_rest():
    p = ModelParameters()
    q = p.replace(dropout_per_year=0.25)
    assert q.dropout_per_year == 0.25 and p.dropout_per_year == 0.0
    assert q.fcp_median_adult == p.fcp_median_adult


def test_replace_unknown_name_names_it():
    with pytest.raises(TypeError, match=r"unknown parameter\(s\) \['dropout'\]"):
        ModelParameters().replace(dropout=0.1)


def test_describe_unknown_name_raises_key_error():
    with pytest.raises(KeyError, match="unknown parameter 'nope'"):
        ModelParameters().describe("nope")
