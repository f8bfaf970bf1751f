"""Fixtures of the derivation tests; the builders live in derive_frames.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the tests import derive_frames (import-mode=importlib)

from t1dtrial.protocol import load_protocol  # noqa: E402


@pytest.fixture
def lu2021():
    return load_protocol("lu2021")
