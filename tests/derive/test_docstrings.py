"""Every example in the docstrings of t1dtrial.derive runs and prints what it says."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import warnings

import pytest

import t1dtrial.derive as package
from t1dtrial.errors import DerivationWarning

MODULES = sorted(m.name for m in pkgutil.iter_modules(package.__path__))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(f"t1dtrial.derive.{name}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DerivationWarning)
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"


@pytest.mark.parametrize("name", MODULES)
def test_every_module_has_examples(name):
    module = importlib.import_module(f"t1dtrial.derive.{name}")
    examples = sum(len(t.examples) for t in doctest.DocTestFinder().find(module))
    assert examples > 0, f"t1dtrial.derive.{name} has no docstring example"
