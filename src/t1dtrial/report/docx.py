"""The report as a Word file: :func:`render_docx` lays out one :class:`~t1dtrial.report.document.Document`.

What a reader of the Word file gets:

- a title page (title, subtitle, a boxed SYNTHETIC DATA banner when the data
  are simulated, "Open report — arms coded" for a committee's open report,
  the data cut-off date);
- a contents page: a Word ``TOC`` field whose stored entries are the
  numbered headings (Word adds page numbers when it updates the fields, which
  it is asked to do on opening), then plain lists of the tables, listings and
  figures with their numbers;
- numbered headings ("2 Efficacy", "2.1 Primary endpoint");
- real Word tables: caption above (style *Caption*), a bold, lightly shaded
  header row that repeats on every page (an arm's ``(N = 27)`` on a line of
  its own under its label), rows never split
  across pages, row groups as bold spanning rows, indented rows, right-aligned
  numeric columns, light grey borders, 9 pt text, footnotes in small type
  right under the table;
- wide tables on landscape pages (a section of their own), then portrait again;
- figures as PNG at their width (at most the text width), caption below;
- on every page: a header (title; SYNTHETIC DATA; Open report) and a footer
  (footer text, data cut-off, "Page x of y" from ``PAGE`` and ``NUMPAGES``).

A4 pages, 2 cm margins, Calibri 10 pt. The same document gives the same bytes:
core properties are fixed (dates from the cut-off when it is an ISO date) and
the zip is written with fixed time stamps.

Examples
--------
>>> from t1dtrial.report.document import Column, Document, RowGroup, Section, Table
>>> t = Table("primary", "14.2", "Remission at month 12", "Full analysis set",
...           [Column("Statistic"), Column("MSC", n=27, align="right")],
...           [RowGroup("", [["Responders, n (%)", "11 (40.7)"]])])
>>> doc = Document("Trial", [Section("efficacy", "Efficacy", [t])], cutoff="2024-05-01").numbered()
>>> data = render_docx(doc)
>>> data[:2], data == render_docx(doc)
(b'PK', True)
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, replace
from typing import Iterator, Optional

import docx
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.image.image import Image as DocxImage
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.shared import Emu, Length, Mm, Pt, RGBColor

from t1dtrial.report._docx_columns import CELL_MARGIN_TWIPS, column_widths, header_lines
from t1dtrial.report._docx_xml import (CellSpec, RowSpec, add_field, begin_field, end_field,
                                       fixed_zip, make_rows, paragraph_box, qn,
                                       request_field_update, set_borders, set_cell_margins,
                                       xml_text)
from t1dtrial.report.document import Document, Figure, Paragraph, Section, Table

__all__ = ["render_docx", "PAGE_WIDTH", "PAGE_HEIGHT", "MARGIN", "BODY_FONT", "FIXED_TIME",
           "KEEP_WHOLE_ROWS"]

#: A4 portrait.
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
#: Every margin of every page.
MARGIN = Mm(20)
#: Font of the whole document, and its size in body text and in tables.
BODY_FONT, BODY_SIZE, TABLE_SIZE, SMALL_SIZE = "Calibri", Pt(10), Pt(9), Pt(8)
#: Core-property time stamp when the cut-off is not an ISO date.
FIXED_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)

_BANNER = "SYNTHETIC DATA — simulated participants, not results of a real trial"
_OPEN_REPORT = "Open report — arms coded"
_RED, _GREY_LINE, _HEADER_FILL = "C00000", "A6A6A6", "E7E6E6"
_INDENT_TWIPS = 227  # 4 mm a level
_HEADER_TITLE_CHARS = 70
#: A table of at most this many rows (header included) is kept on one page with its caption.
KEEP_WHOLE_ROWS = 25


def render_docx(doc: Document) -> bytes:
    """The report as the bytes of a .docx file.

    Parameters
    ----------
    doc : Document
        The report, numbered (:meth:`Document.numbered`).

    Returns
    -------
    bytes
        A Word file; the same ``doc`` gives the same bytes.

    Examples
    --------
    >>> from t1dtrial.report.document import Document, Paragraph, Section
    >>> doc = Document("Trial", [Section("a", "About", [Paragraph("Text.")])], synthetic=True)
    >>> import docx, io
    >>> body = docx.Document(io.BytesIO(render_docx(doc)))
    >>> [p.text for p in body.paragraphs if p.style.name == "Heading 1"]
    ['1 About']
    """
    if not isinstance(doc, Document):
        raise TypeError("The 'doc' parameter of render_docx must be a report Document; "
                        f"got {type(doc).__name__} instead.")
    unnumbered = [b.title for b in doc.blocks() if isinstance(b, (Table, Figure)) and not b.number]
    if unnumbered:
        raise ValueError("The 'doc' parameter of render_docx must be numbered (Document.numbered()); "
                         f"{len(unnumbered)} table(s) or figure(s) have no number, e.g. {unnumbered[0]!r}.")
    writer = _Writer(doc)
    writer.title_page()
    writer.contents()
    for item in _items(doc.sections):
        writer.item(item)
    return writer.save()


# -- reading order -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Heading:
    number: str
    title: str
    level: int
    orientation: Optional[str]

    @property
    def text(self) -> str:
        return f"{self.number} {self.title}"


def _orientation(block) -> Optional[str]:
    """The page a block needs: wide tables landscape, tables and figures portrait, text either."""
    if isinstance(block, Table):
        return "landscape" if block.wide else "portrait"
    if isinstance(block, Figure):
        return "portrait"
    return None


def _items(sections: list[Section], prefix: tuple[int, ...] = ()) -> Iterator[object]:
    """Headings and blocks in reading order; a heading goes on the page of its first table or figure."""
    for i, section in enumerate(sections, 1):
        number = prefix + (i,)
        first = next((o for o in map(_orientation, section.walk()) if o), None)
        yield _Heading(".".join(map(str, number)), section.title, len(number), first)
        yield from section.blocks
        yield from _items(section.subsections, number)


def _headings(sections: list[Section]) -> list[_Heading]:
    return [i for i in _items(sections) if isinstance(i, _Heading)]


# -- the writer --------------------------------------------------------------------------


def _twips(length: Length) -> int:
    return int(round(length.emu / 635))


class _Writer:
    """Builds one python-docx document, section by section."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.d = docx.Document()
        self.orientation = "portrait"
        _setup_styles(self.d)
        self.style_ids = {s.name: s.style_id for s in self.d.styles}
        section = self.d.sections[0]
        _page(section, "portrait")
        self._header_footer(section)
        _core_properties(self.d, doc)
        request_field_update(self.d.settings)

    def para(self, text: str, style: str):
        """A new paragraph of ``text`` in the style named ``style`` (looked up once)."""
        p = self.d.add_paragraph(xml_text(text))
        if style != "Normal":
            p._p.get_or_add_pPr().style = self.style_ids[style]
        return p

    # geometry
    def text_width(self) -> Length:
        s = self.d.sections[-1]
        return Emu(s.page_width - s.left_margin - s.right_margin)

    def text_height(self) -> Length:
        s = self.d.sections[-1]
        return Emu(s.page_height - s.top_margin - s.bottom_margin)

    def turn(self, orientation: Optional[str]) -> bool:
        """Start a new section when the page orientation changes; say whether it did."""
        if orientation is None or orientation == self.orientation:
            return False
        section = self.d.add_section(WD_SECTION.NEW_PAGE)
        _page(section, orientation)
        self._header_footer(section)
        self.orientation = orientation
        return True

    def _header_footer(self, section) -> None:
        width = Emu(section.page_width - section.left_margin - section.right_margin)
        header, footer = section.header, section.footer
        header.is_linked_to_previous = False
        footer.is_linked_to_previous = False
        p = header.paragraphs[0]
        p.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
        p.add_run(xml_text(_shorten(self.doc.title, _HEADER_TITLE_CHARS)))
        marks = ([("SYNTHETIC DATA", True)] if self.doc.synthetic else []) + \
                ([("Open report", False)] if self.doc.blinded else [])
        if marks:
            p.add_run("\t")
            for i, (text, red) in enumerate(marks):
                if i:
                    p.add_run(" · ")
                run = p.add_run(text)
                run.bold = True
                if red:
                    run.font.color.rgb = RGBColor.from_string(_RED)
        p = footer.paragraphs[0]
        p.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
        left = [t for t in (self.doc.footer,
                            f"Data cut-off: {self.doc.cutoff}" if self.doc.cutoff else "") if t]
        p.add_run(xml_text(" · ".join(left)) + "\tPage ")
        add_field(p, "PAGE", "1")
        p.add_run(" of ")
        add_field(p, "NUMPAGES", "1")

    # title page and contents
    def title_page(self) -> None:
        doc, d = self.doc, self.d
        p = self.para(doc.title, "Title")
        p.paragraph_format.space_before = Pt(96)
        if doc.subtitle:
            self.para(doc.subtitle, "Subtitle")
        if doc.synthetic:
            self.para(_BANNER, "Banner")
        if doc.blinded:
            self.para(_OPEN_REPORT, "Report Status")
        if doc.cutoff:
            self.para(f"Data cut-off: {doc.cutoff}", "Report Status")
        d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def contents(self) -> None:
        self.para("Contents", "TOC Heading")
        headings = _headings(self.doc.sections)
        first = self.para("", "Contents Entry")
        begin_field(first, 'TOC \\o "1-3" \\h \\z \\u')
        last = first
        for i, h in enumerate(headings):
            p = first if i == 0 else self.para("", "Contents Entry")
            p.paragraph_format.left_indent = Mm(5 * (h.level - 1))
            p.add_run(h.text)
            last = p
        end_field(last)
        for heading, entries in (
                ("List of tables", [t.caption for t in self.doc.tables()]),
                ("List of figures", [f"{f.label}. {f.title}" for f in self.doc.figures()])):
            if entries:
                self.para(heading, "TOC Heading")
                for entry in entries:
                    self.para(entry, "Contents Entry")

    # blocks
    def item(self, item) -> None:
        if isinstance(item, _Heading):
            turned = self.turn(item.orientation)
            p = self.para(item.text, f"Heading {min(item.level, 3)}")
            # A chapter starts a page (a new section already does).
            p.paragraph_format.page_break_before = (item.level == 1 and not turned) or None
        elif isinstance(item, Table):
            self.turn(_orientation(item))
            self.table(item)
        elif isinstance(item, Figure):
            self.turn(_orientation(item))
            self.figure(item)
        elif isinstance(item, Paragraph):
            style = {"body": "Normal", "note": "Note", "warning": "Warning"}.get(item.style, "Normal")
            self.para(item.text, style)
        else:
            raise TypeError(f"A report block must be a Table, Figure or Paragraph; got {type(item).__name__}.")

    def table(self, t: Table) -> None:
        d = self.d
        caption = self.para(t.caption, "Caption")
        caption.paragraph_format.keep_with_next = True
        ncol = len(t.columns)
        widths = column_widths(t, _twips(self.text_width()))
        table = d.add_table(rows=0, cols=ncol)
        table._tbl.tblPr.style = self.style_ids["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False
        for grid_col, w in zip(table._tbl.tblGrid.gridCol_lst, widths):
            grid_col.w = Emu(w * 635)
        set_borders(table, _GREY_LINE)
        set_cell_margins(table, CELL_MARGIN_TWIPS)
        rows = [RowSpec([CellSpec("\n".join(filter(None, header_lines(c))), c.align, bold=True,
                                  shade=_HEADER_FILL)
                         for c in t.columns], header=True)]
        for group in t.groups:
            if group.label:
                rows.append(RowSpec([CellSpec(group.label, bold=True, span=ncol)],
                                    keep_with_next=True))
            for i, row in enumerate(group.rows):
                cells = [CellSpec(text, col.align) for text, col in zip(row, t.columns)]
                cells += [CellSpec("")] * (ncol - len(cells))
                level = group.indent_of(i)
                if level:
                    cells[0] = CellSpec(cells[0].text, cells[0].align,
                                        indent_twips=_INDENT_TWIPS * level)
                rows.append(RowSpec(cells))
        if len(rows) <= KEEP_WHOLE_ROWS:
            rows = [replace(r, keep_with_next=True) for r in rows[:-1]] + rows[-1:]
        if t.footnotes:
            rows[-1] = replace(rows[-1], keep_with_next=True)
        table._tbl.extend(make_rows(rows, widths, self.style_ids["Table Text"]))
        for i, note in enumerate(t.footnotes):
            self.para(note, "Table Footnote").paragraph_format.keep_with_next = \
                i < len(t.footnotes) - 1 or None
        self.para("", "Block Spacer")

    def figure(self, f: Figure) -> None:
        image = DocxImage.from_blob(f.png)
        aspect = image.px_height / image.px_width
        width = min(Emu(int(f.width_inches * 914400)), self.text_width())
        max_height = self.text_height() - Mm(25)
        if width * aspect > max_height:
            width = Emu(int(max_height / aspect))
        p = self.para("", "Figure")
        p.add_run().add_picture(io.BytesIO(f.png), width=width)
        caption = f"{f.label}. {f.title}" + (f" — {f.caption}" if f.caption else "")
        self.para(caption, "Caption")

    def save(self) -> bytes:
        out = io.BytesIO()
        self.d.save(out)
        return fixed_zip(out.getvalue())


# -- page, properties, styles ------------------------------------------------------------


def _shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return f"{cut}…"


def _page(section, orientation: str) -> None:
    landscape = orientation == "landscape"
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = ((PAGE_HEIGHT, PAGE_WIDTH) if landscape
                                               else (PAGE_WIDTH, PAGE_HEIGHT))
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)
    section.header_distance = section.footer_distance = Mm(10)


def _core_properties(d, doc: Document) -> None:
    """Fixed core properties: the same document gives the same docProps/core.xml."""
    try:
        day = dt.date.fromisoformat(doc.cutoff.strip())
        stamp = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
    except ValueError:
        stamp = FIXED_TIME
    cp = d.core_properties
    cp.title = doc.title
    cp.subject = doc.subtitle
    cp.author = cp.last_modified_by = "t1dtrial"
    cp.keywords = "synthetic data" if doc.synthetic else ""
    cp.created = cp.modified = cp.last_printed = stamp
    cp.revision = 1
    cp.comments = ""
    # The template's preview picture is a blank page: leave it out rather than show a wrong one.
    rels = d.part.package.rels
    for r_id in [r for r, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
        del rels[r_id]


def _setup_styles(d) -> None:
    """Calibri 10 pt throughout; the report's own paragraph styles."""
    styles = d.styles
    normal = styles["Normal"]
    normal.font.name, normal.font.size = BODY_FONT, BODY_SIZE
    normal.paragraph_format.space_after = Pt(4)
    # Theme fonts win over named ones in Word: name the font wherever the template used the theme's.
    for fonts in styles.element.iter(qn("w:rFonts")):
        themed = [a for a in fonts.attrib if a.endswith(("Theme", "theme"))]
        for attr in themed:
            del fonts.attrib[attr]
        if themed or fonts.getparent().getparent() is normal.element:
            for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                fonts.set(qn(slot), BODY_FONT)
    for name, size in (("Title", Pt(24)), ("Subtitle", Pt(14)), ("Heading 1", Pt(14)),
                       ("Heading 2", Pt(12)), ("Heading 3", Pt(11)), ("TOC Heading", Pt(14))):
        style = styles[name]
        style.font.name, style.font.size = BODY_FONT, size
        style.font.color.rgb = RGBColor.from_string("1F3864")
    caption = styles["Caption"]
    caption.font.name, caption.font.size, caption.font.bold = BODY_FONT, Pt(9), True
    caption.font.color.rgb = RGBColor.from_string("000000")
    caption.paragraph_format.space_before, caption.paragraph_format.space_after = Pt(6), Pt(4)
    for name in ("Header", "Footer"):
        styles[name].font.size = SMALL_SIZE
        styles[name].paragraph_format.tab_stops.clear_all()

    def add(name: str, size=None, *, bold=False, italic=False, after=Pt(4), before=None):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.quick_style = True
        if size is not None:
            style.font.size = size
        style.font.bold, style.font.italic = bold or None, italic or None
        style.paragraph_format.space_after = after
        if before is not None:
            style.paragraph_format.space_before = before
        return style

    add("Table Text", TABLE_SIZE, after=Pt(1), before=Pt(1)).paragraph_format.line_spacing = 1.0
    add("Table Footnote", SMALL_SIZE, after=Pt(0), before=Pt(2))
    add("Block Spacer", Pt(6), after=Pt(6))
    add("Note", SMALL_SIZE)
    add("Contents Entry", after=Pt(2))
    add("Report Status", Pt(12), bold=True, before=Pt(6))
    figure = add("Figure", after=Pt(2), before=Pt(6))
    figure.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    figure.paragraph_format.keep_with_next = True
    warning = add("Warning", bold=True, before=Pt(4), after=Pt(8))
    paragraph_box(warning.element.get_or_add_pPr(), "BF8F00", "FFF2CC")
    banner = add("Banner", Pt(14), bold=True, before=Pt(18), after=Pt(12))
    banner.font.color.rgb = RGBColor.from_string(_RED)
    banner.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph_box(banner.element.get_or_add_pPr(), _RED, "FDE9E9")
    for boxed in (warning, banner):  # keep the box inside the margins
        boxed.paragraph_format.left_indent = boxed.paragraph_format.right_indent = Pt(5)
