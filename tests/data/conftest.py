"""Fixtures of the data tests: a small valid lu2021 trial (see data_example.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest


def load_example():
    """The example generator module, loaded by path (test folders are not packages)."""
    name = "t1dtrial_tests_data_example"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("data_example.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


example = load_example()


@pytest.fixture(scope="session")
def protocol():
    return example.PROTOCOL


@pytest.fixture
def tables():
    return example.make_tables()


@pytest.fixture
def valid_folder(tmp_path, tables):
    return example.write_tables(tables, tmp_path / "trial")


@pytest.fixture(name="example", scope="session")
def example_fixture():
    """The example generator module (make_tables, write_tables, write_xlsx, write_sdtm...)."""
    return example


@pytest.fixture
def rewrite(tmp_path):
    """Write tables as a CSV folder ``tmp_path/data`` and return the folder."""
    return lambda tables: example.write_tables(tables, tmp_path / "data")
