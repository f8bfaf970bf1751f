"""Report section: provenance."""

from __future__ import annotations

from ..document import Section
from ..source import ReportSource

__all__ = ["provenance_section"]


def provenance_section(source: ReportSource) -> Section | None:
    """The provenance section (not written yet)."""
    return None
