"""Report section: disposition."""

from __future__ import annotations

from ..document import Section
from ..source import ReportSource

__all__ = ["disposition_section"]


def disposition_section(source: ReportSource) -> Section | None:
    """The disposition section (not written yet)."""
    return None
