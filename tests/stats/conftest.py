"""Shared helpers of the statistics tests: the committed R reference fixtures."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import pytest

REFERENCE = Path(__file__).resolve().parents[1] / "reference"


def _number(value: Any) -> Any:
    if value is None:
        return math.nan
    if isinstance(value, str):
        table = {"NaN": math.nan, "NA": math.nan, "Inf": math.inf, "-Inf": -math.inf}
        return table.get(value, value)
    if isinstance(value, list):
        return [_number(v) for v in value]
    if isinstance(value, dict):
        return {k: _number(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="session")
def reference() -> Callable[[str], list[dict[str, Any]]]:
    """Return a loader: ``reference("proportions")`` -> the fixture's records."""
    cache: dict[str, list[dict[str, Any]]] = {}

    def load(name: str) -> list[dict[str, Any]]:
        if name not in cache:
            with open(REFERENCE / "fixtures" / f"{name}.json", encoding="utf-8") as fh:
                cache[name] = [_number(r) for r in json.load(fh)["records"]]
        return cache[name]

    return load


@pytest.fixture(scope="session")
def dataset() -> Callable[[str], pd.DataFrame]:
    """Return a loader of the reference datasets under tests/reference/data."""
    def load(name: str) -> pd.DataFrame:
        return pd.read_csv(REFERENCE / "data" / f"{name}.csv")

    return load


def _close(actual: float, expected: float, rel: float, abs_: float = 0.0) -> bool:
    """Relative comparison that treats equal infinities and two NaNs as equal."""
    if math.isnan(expected):
        return math.isnan(actual)
    if math.isinf(expected):
        return actual == expected
    return abs(actual - expected) <= max(rel * abs(expected), abs_)


@pytest.fixture(scope="session")
def close() -> Callable[..., bool]:
    """``close(actual, expected, rel, abs_=0)``: relative comparison, NaN == NaN, inf == inf."""
    return _close
