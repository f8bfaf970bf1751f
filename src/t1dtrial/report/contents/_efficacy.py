"""Report section: efficacy."""

from __future__ import annotations

from ..document import Section
from ..source import ReportSource

__all__ = ["efficacy_section"]


def efficacy_section(source: ReportSource) -> Section | None:
    """The efficacy section (not written yet)."""
    return None
