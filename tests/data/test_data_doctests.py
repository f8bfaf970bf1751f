"""The examples in the data module's docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib
import warnings

import pytest

from t1dtrial.errors import InputWarning

MODULES = ["contract", "units", "log", "_raw", "_text", "_parse", "_rules", "readers", "schemas",
           "sdtm", "_sdtm_lb", "_sdtm_cm", "_sdtm_common", "trial", "identifiers", "identifier_policy",
           "eligibility"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(f"t1dtrial.data.{name}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
