"""Every docstring example of the package runs and prints what it says.

``t1dtrial.data`` and ``t1dtrial.derive`` have their own runners (with their
warning filters) under tests/data and tests/derive.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import warnings

import pytest

import t1dtrial
from t1dtrial.errors import T1DTrialWarning

OWN_RUNNERS = ("t1dtrial.data", "t1dtrial.derive")
MODULES = sorted(m.name for m in pkgutil.walk_packages(t1dtrial.__path__, "t1dtrial.")
                 if not m.name.startswith(OWN_RUNNERS) and not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", T1DTrialWarning)
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"
