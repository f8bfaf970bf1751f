"""A protocol that states its own PARAMCD gets the same analyses as one using the default code."""

from __future__ import annotations

import dataclasses
import warnings

import pandas as pd
import pytest

from t1dtrial.analysis.sensitivity import sensitivity_analyses
from t1dtrial.datasets import load_lu2021
from t1dtrial.derive import derive_all
from t1dtrial.protocol import load_protocol, protocol_source


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    text = protocol_source("lu2021")[1]
    assert "    name: remission\n" in text
    path = tmp_path_factory.mktemp("stated") / "protocol.yaml"
    path.write_text(text.replace("    name: remission\n",
                                 "    name: remission\n    paramcd: CREMIS\n", 1))
    trial = load_lu2021()
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, protocol in (("default", trial.protocol), ("stated", load_protocol(path))):
            out[name] = (protocol, derive_all(dataclasses.replace(trial, protocol=protocol)))
    return out


def test_the_sensitivity_analyses_read_the_stated_code(both):
    tables = {}
    for name, (protocol, derived) in both.items():
        assert protocol.primary_endpoint.paramcd == ("REMISS" if name == "default" else "CREMIS")
        table, _, _ = sensitivity_analyses(derived.adsl, derived.adeff, protocol=protocol,
                                           seed=1)
        tables[name] = table
    assert (tables["stated"]["n"] > 0).all()
    pd.testing.assert_frame_equal(tables["stated"], tables["default"])
