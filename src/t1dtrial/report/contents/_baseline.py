"""Report section: baseline."""

from __future__ import annotations

from ..document import Section
from ..source import ReportSource

__all__ = ["baseline_section"]


def baseline_section(source: ReportSource) -> Section | None:
    """The baseline section (not written yet)."""
    return None
