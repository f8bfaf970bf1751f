"""Report section: title."""

from __future__ import annotations

from ..document import Section
from ..source import ReportSource

__all__ = ["title_section"]


def title_section(source: ReportSource) -> Section | None:
    """The title section (not written yet)."""
    return None
