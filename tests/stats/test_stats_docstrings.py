"""The examples in the docstrings of t1dtrial.stats run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["proportions", "continuous", "logistic", "mixed", "survival", "interaction",
           "imputation", "weighting", "standardization", "_design", "__init__"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module("t1dtrial.stats" if name == "__init__" else f"t1dtrial.stats.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def test_every_public_name_is_exported_and_documented():
    import t1dtrial.stats as st
    for name in st.__all__:
        obj = getattr(st, name)
        assert obj.__doc__ and "Examples" in obj.__doc__ or name == "Separation", name
