"""The report as one self-contained HTML file (screen and print).

:func:`render_html` lays a :class:`~t1dtrial.report.document.Document` out
with a Jinja2 template (``templates/report.html.j2``): a title block, a
table of contents linking every section, table, listing and figure, numbered
sections, tables with their caption, column headers (N per arm), row groups
and footnotes, and figures as inline SVG with their caption. The style sheet
(``templates/report.css.j2``) is inline and holds the print rules read by
WeasyPrint (:mod:`t1dtrial.report.pdf`) and by a browser's print: A4 pages,
"Page x of y" and the data cut-off date in the page margins, table headers
repeated on every page, landscape pages for wide tables.

The file asks for nothing over a network: no fonts, scripts, style sheets or
images from elsewhere, and no JavaScript. Every text of the document is
escaped (cells are text, never markup); only the figures' SVG, made by
:mod:`t1dtrial.report.plotting`, is embedded as markup (a figure with no SVG
is embedded as its PNG, in a ``data:`` URL).

Examples
--------
>>> from t1dtrial.report.document import Column, Document, RowGroup, Section, Table
>>> t = Table(key="primary", family="14.2", title="Remission at month 12",
...           population="Full analysis set",
...           columns=[Column("Statistic"), Column("MSC", n=27, align="right")],
...           groups=[RowGroup("", [["Responders, n (%)", "11 (40.7)"]])])
>>> page = render_html(Document(title="Trial <1>", sections=[Section("eff", "Efficacy", [t])]))
>>> page.startswith("<!DOCTYPE html>"), "Trial &lt;1&gt;" in page
(True, True)
>>> "<caption>Table 14.2.1. Remission at month 12 (Full analysis set)</caption>" in page
True
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from markupsafe import Markup

from .document import Document, Figure, Paragraph, Section, Table

__all__ = ["render_html", "embeddable_svg", "css_string"]

# The deepest heading level a section gets (h2 for a top section, h3 below ...).
_DEEPEST_HEADING = 6


@dataclass
class _Row:
    cells: list[tuple[str, str]]  # (text, alignment)
    indent: int


@dataclass
class _Group:
    label: str
    rows: list[_Row]


@dataclass
class _Block:
    kind: Literal["table", "figure", "paragraph"]
    block: Table | Figure | Paragraph
    anchor: str = ""
    groups: list[_Group] = field(default_factory=list)
    svg: str = ""
    png: str = ""  # a data URL, for a figure drawn only as PNG


@dataclass
class _Section:
    number: str
    title: str
    anchor: str
    heading: int
    blocks: list[_Block]
    subsections: list["_Section"]

    @property
    def opens_wide(self) -> bool:
        """The section starts with a wide table: its heading goes on the table's landscape page."""
        if self.blocks:
            first = self.blocks[0].block
            return isinstance(first, Table) and first.wide
        return bool(self.subsections) and self.subsections[0].opens_wide

    @property
    def numbered_blocks(self) -> list[_Block]:
        """The tables, listings and figures of this section (for the contents)."""
        return [b for b in self.blocks if b.kind != "paragraph"]


class _Anchors:
    """Unique, readable fragment identifiers from the keys (``sec-efficacy``, ``tbl-primary``)."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def __call__(self, prefix: str, key: str) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-") or "x"
        anchor, k = f"{prefix}-{slug}", 2
        while anchor in self._used:
            anchor, k = f"{prefix}-{slug}-{k}", k + 1
        self._used.add(anchor)
        return anchor


def render_html(doc: Document) -> str:
    """The document as one self-contained HTML5 page.

    Parameters
    ----------
    doc : Document
        The report; its tables and figures are numbered here
        (:meth:`Document.numbered`) if they are not yet.

    Returns
    -------
    str
        The page: inline style sheet and SVG figures, no script, no external
        reference.

    Examples
    --------
    >>> from t1dtrial.report.document import Document, Paragraph, Section
    >>> page = render_html(Document(title="T", synthetic=True, cutoff="1 March 2024",
    ...                             sections=[Section("s", "Status", [Paragraph("<b>")])]))
    >>> "SYNTHETIC" in page, "&lt;b&gt;" in page, "1 March 2024" in page
    (True, True, True)
    """
    if any(not b.number for b in doc.blocks() if isinstance(b, (Table, Figure))):
        doc.numbered()
    anchors = _Anchors()
    sections = [_section_view(s, str(i), 2, anchors) for i, s in enumerate(doc.sections, 1)]
    return _template().render(doc=doc, sections=sections)


def embeddable_svg(svg: str, prefix: str) -> str:
    """SVG text made fit to sit inside an HTML page.

    Drops the XML declaration, the document type and the metadata block, and
    prefixes every ``id`` (and the references to it) with ``prefix`` so that
    several figures on one page do not share identifiers.

    Examples
    --------
    >>> svg = ('<?xml version="1.0"?>\\n<!DOCTYPE svg>\\n<svg><metadata>x</metadata>'
    ...        '<path id="m1"/><use xlink:href="#m1"/><g clip-path="url(#m1)"/></svg>')
    >>> embeddable_svg(svg, "f1")
    '<svg><path id="f1-m1"/><use xlink:href="#f1-m1"/><g clip-path="url(#f1-m1)"/></svg>'
    """
    text = re.sub(r"<\?xml[^>]*\?>", "", svg)
    text = re.sub(r"<!DOCTYPE[^>]*>", "", text, flags=re.IGNORECASE)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.DOTALL)
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = re.sub(r'\bhref="#([^"]+)"', rf'href="#{prefix}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", text)
    return text.strip()


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string, safe inside a ``<style>`` element.

    Every character but letters, digits and spaces is written as a CSS
    escape, so no text can end the string or the style element.

    Examples
    --------
    >>> print(css_string('Cut-off: 1 "March" </style>'))
    "Cut\\00002doff\\00003a 1 \\000022March\\000022 \\00003c\\00002fstyle\\00003e"
    """
    escaped = "".join(c if c.isascii() and (c.isalnum() or c == " ") else f"\\{ord(c):06x}"
                      for c in str(text))
    return Markup(f'"{escaped}"')


def _section_view(section: Section, number: str, heading: int, anchors: _Anchors) -> _Section:
    blocks = [_block_view(b, anchors) for b in section.blocks]
    subsections = [_section_view(sub, f"{number}.{i}", min(heading + 1, _DEEPEST_HEADING), anchors)
                   for i, sub in enumerate(section.subsections, 1)]
    return _Section(number, section.title, anchors("sec", section.key), heading, blocks, subsections)


def _block_view(block: Table | Figure | Paragraph, anchors: _Anchors) -> _Block:
    if isinstance(block, Table):
        return _Block("table", block, anchors("tbl", block.key), groups=_groups(block))
    if isinstance(block, Figure):
        anchor = anchors("fig", block.key)
        if block.svg:
            return _Block("figure", block, anchor, svg=embeddable_svg(block.svg, anchor))
        return _Block("figure", block, anchor, png="data:image/png;base64,"
                      + base64.b64encode(block.png).decode("ascii"))
    return _Block("paragraph", block)


def _groups(table: Table) -> list[_Group]:
    """Row groups with each cell's alignment (a row shorter than the header is padded)."""
    aligns = [c.align for c in table.columns]
    groups = []
    for group in table.groups:
        rows = []
        for i, cells in enumerate(group.rows):
            padded = list(cells) + [""] * (len(aligns) - len(cells))
            row_aligns = aligns + ["left"] * (len(padded) - len(aligns))
            level = group.indent_of(i) + (1 if group.label else 0)
            rows.append(_Row(list(zip(padded, row_aligns)), min(level, 4)))
        groups.append(_Group(group.label, rows))
    return groups


@lru_cache(maxsize=1)
def _template():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("t1dtrial.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = css_string
    return env.get_template("report.html.j2")
