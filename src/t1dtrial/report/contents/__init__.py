"""The contents of the report, in the order of a clinical study report, built from a :class:`ReportSource`.

Each section builder takes the :class:`~t1dtrial.report.source.ReportSource`
and returns a :class:`~t1dtrial.report.document.Section` (or ``None`` when the
analysis has nothing for it). Builders read the results by their declared
shape and metadata (:mod:`t1dtrial.analysis.result`), never by literal row
values, so any protocol's plan renders without code of its own.

Order (ICH E3): title block with the protocol and its assumptions; subject
disposition (CONSORT flow); baseline characteristics; efficacy (primary
endpoint with its subgroups, comparisons, interaction and sensitivity
analyses, then the secondary endpoints, trajectories, predictors and
insulin independence, then any other planned analysis by its shape);
safety; listings (adverse events, protocol deviations); provenance.

Examples
--------
>>> from t1dtrial.analysis import Results
>>> from t1dtrial.protocol import load_protocol
>>> from t1dtrial.report.source import ReportSource
>>> doc = build_document(ReportSource(Results(tables={}), load_protocol("lu2021")))
>>> doc.title[:30]
'One repeated transplantation o'
"""

from __future__ import annotations

from typing import Callable

from ..document import Document, Section
from ..source import ReportSource
from ._baseline import baseline_section
from ._disposition import disposition_section
from ._efficacy import efficacy_section
from ._listings import listings_section
from ._provenance import provenance_section
from ._safety import safety_section
from ._title import title_section

__all__ = ["build_document", "SECTIONS"]

#: Section builders in reading order.
SECTIONS: list[Callable[[ReportSource], Section | None]] = [
    title_section, disposition_section, baseline_section, efficacy_section, safety_section,
    listings_section, provenance_section,
]


def build_document(source: ReportSource) -> Document:
    """The whole report of an analysis as a numbered :class:`Document`.

    Parameters
    ----------
    source : ReportSource
        Results, protocol and whether the report is blinded.

    Returns
    -------
    Document
    """
    sections = [s for s in (build(source) for build in SECTIONS) if s is not None]
    subtitle = ("Open report for a data monitoring committee (arms coded)" if source.blind
                else "Statistical report")
    protocol = source.protocol
    return Document(
        title=protocol.title, subtitle=subtitle, sections=sections,
        synthetic=source.synthetic, blinded=source.blind, cutoff=source.cutoff,
        footer=f"Protocol {protocol.id} · t1dtrial {source.provenance.get('package_version', '')}",
    ).numbered()
