"""Report section: safety."""

from __future__ import annotations

from ..document import Section
from ..source import ReportSource

__all__ = ["safety_section"]


def safety_section(source: ReportSource) -> Section | None:
    """The safety section (not written yet)."""
    return None
