"""Report section: listings."""

from __future__ import annotations

from ..document import Section
from ..source import ReportSource

__all__ = ["listings_section"]


def listings_section(source: ReportSource) -> Section | None:
    """The listings section (not written yet)."""
    return None
