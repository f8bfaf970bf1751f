"""The Word rendering of the report, read back with python-docx.

The tables' cells are compared with ``tests/report/golden/docx_tables.txt``
(each table's caption, then its rows, cells joined by `` | ``, a line break
in a cell written ``\\n``). After an intended change of the layout,
regenerate the file with::

    T1DTRIAL_UPDATE_GOLDEN=1 python -m pytest tests/report/test_docx.py

and review its diff before committing it.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph

from t1dtrial.report.docx import render_docx
from t1dtrial.report.document import (Column, Document, Figure, Paragraph, RowGroup, Section,
                                      Table)
from t1dtrial.report.plotting import arm_style, drawing, export, new_figure

GOLDEN = Path(__file__).parent / "golden" / "docx_tables.txt"
CUTOFF = "2024-05-01"


def _figure() -> Figure:
    with drawing():
        fig = new_figure(5, 3)
        ax = fig.add_subplot()
        for i, (label, ys) in enumerate((("MSC", [0.4, 0.38, 0.35]), ("Control", [0.4, 0.3, 0.22]))):
            ax.plot([0, 6, 12], ys, label=label, **arm_style(i).line())
        ax.set_xlabel("Month")
        ax.set_ylabel("Fasting C-peptide (nmol/L)")
        ax.legend()
    svg, png = export(fig)
    return Figure("cpeptide", "14.2", "Fasting C-peptide over time", "Mean with 95 % CI by arm.",
                  svg, png, width_inches=9.0)


def _document(*, synthetic: bool, blinded: bool) -> Document:
    arms = [Column("Statistic"), Column("MSC", n=27, align="right"),
            Column("Control", n=26, align="right")]
    baseline = Table(
        "baseline", "14.1", "Baseline characteristics", "Full analysis set", arms,
        [RowGroup("Age, years", [["Mean (SD)", "24.3 (5.12)", "25.1 (4.87)"],
                                 ["Median [IQR]", "23.0 [20.0, 28.0]", "24.5 [21.0, 29.0]"]],
                  indent=[1, 1]),
         RowGroup("Sex", [["Female, n (%)", "12 (44.4)", "11 (42.3)"],
                          ["Male, n (%)", "15 (55.6)", "15 (57.7)"]], indent=[1, 1])],
        footnotes=["SD: standard deviation; IQR: interquartile range."])
    primary = Table(
        "primary", "14.2", "Clinical remission at month 12", "Full analysis set",
        arms + [Column("p-value", align="right")],
        [RowGroup("All participants", [["Responders, n (%)", "11 (40.7)", "3 (11.5)", "0.028"],
                                       ["Risk difference & 95 % CI", "0.29 (0.05, 0.49)", "", "<0.001"]]),
         RowGroup("By onset", [["Recent onset", "", "", ""],
                               ["Responders, n (%)", "8 (53.3)", "2 (14.3)", "0.050"],
                               ["Late onset", "", "", ""],
                               ["Responders, n (%)", "3 (25.0)", "1 (8.3)", "0.590"]],
                  indent=[1, 2, 1, 2])],
        footnotes=["Fisher's exact test, two-sided.", "Missing month-12 values count as non-responders."])
    wide_cols = [Column("Analysis")] + [Column(f"Month {m}", align="right") for m in (3, 6, 9, 12, 18, 24)]
    wide = Table("sensitivity", "14.2", "Sensitivity analyses by visit", "Per-protocol set", wide_cols,
                 [RowGroup("", [["Complete cases\x0b", "0.31", "0.29", "0.27", "0.25", "0.22", "0.20"],
                                ["Multiple imputation", "0.30", "0.28", "0.27", "0.24", "–", "–"]])],
                 footnotes=["Risk difference, MSC minus control."], wide=True)
    listing = Table(
        "ae_listing", "16.2", "Adverse events", "Safety set",
        [Column("Participant"), Column("Arm"), Column("Term"), Column("Day", align="right")],
        [RowGroup("", [[f"P{i:03d}", "MSC" if i % 2 else "Control", f"Event term {i % 7}", str(i * 3)]
                       for i in range(1, 81)])])
    sections = [
        Section("baseline", "Participants", [baseline]),
        Section("efficacy", "Efficacy", [Paragraph("The primary endpoint is remission at month 12."),
                                         primary, _figure(),
                                         Paragraph("Responders need a month-12 sample.", "note")],
                subsections=[Section("sensitivity", "Sensitivity analyses",
                                     [wide, Paragraph("All analyses agree.", "warning")])]),
        Section("listings", "Listings", [listing]),
    ]
    return Document("Beta-cell preservation trial", sections, subtitle="Analysis report",
                    synthetic=synthetic, blinded=blinded, cutoff=CUTOFF,
                    footer="Protocol LU2021 v1.0").numbered()


@pytest.fixture(scope="module")
def plain() -> Document:
    return _document(synthetic=False, blinded=False)


@pytest.fixture(scope="module")
def plain_bytes(plain) -> bytes:
    return render_docx(plain)


@pytest.fixture(scope="module")
def plain_docx(plain_bytes):
    return docx.Document(io.BytesIO(plain_bytes))


@pytest.fixture(scope="module")
def marked_bytes() -> bytes:
    return render_docx(_document(synthetic=True, blinded=True))


def _cells_text(body) -> str:
    """Each table's caption, then its rows (a merged cell once), cells joined by ' | '
    (a line break in a cell as a literal backslash-n)."""
    lines, caption = [], ""
    for block in body.iter_inner_content():
        if isinstance(block, DocxParagraph) and block.style.name == "Caption":
            caption = block.text
        elif isinstance(block, DocxTable):
            lines.append(f"## {caption}")
            for row in block.rows:
                seen, cells = set(), []
                for cell in row.cells:
                    if id(cell._tc) not in seen:
                        seen.add(id(cell._tc))
                        cells.append(cell.text.replace("\n", "\\n"))
                lines.append(" | ".join(cells))
            lines.append("")
    return "\n".join(lines)


def _all_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


def test_table_cells_match_golden(plain_docx):
    text = _cells_text(plain_docx)
    if os.environ.get("T1DTRIAL_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_tables_are_word_tables_with_repeated_header_rows_kept_whole(plain, plain_docx):
    tables = plain_docx.tables
    assert len(tables) == len(plain.tables()) == 4
    for table in tables:
        rows = table._tbl.tr_lst
        assert rows[0].trPr.find(qn("w:tblHeader")) is not None
        assert all(r.trPr.find(qn("w:tblHeader")) is None for r in rows[1:])
        assert all(r.trPr.find(qn("w:cantSplit")) is not None for r in rows)
    assert len(tables[3].rows) == 81


def test_table_layout_header_bold_shaded_groups_spanning_indent_and_alignment(plain_docx):
    primary = plain_docx.tables[1]
    header = primary.rows[0].cells
    assert [c.text for c in header] == ["Statistic", "MSC\n(N = 27)", "Control\n(N = 26)", "p-value"]
    for cell in header:
        assert all(r.bold for r in cell.paragraphs[0].runs)
        assert cell._tc.tcPr.find(qn("w:shd")).get(qn("w:fill")) == "E7E6E6"
    group = primary.rows[1]
    assert group.cells[0]._tc.tcPr.find(qn("w:gridSpan")).get(qn("w:val")) == "4"
    assert group.cells[0].paragraphs[0].runs[0].bold
    recent, responders = primary.rows[5].cells, primary.rows[6].cells
    assert recent[0].paragraphs[0].paragraph_format.left_indent < \
        responders[0].paragraphs[0].paragraph_format.left_indent
    assert responders[1].paragraphs[0].alignment == 2  # right
    assert responders[0].paragraphs[0].alignment is None
    assert responders[1].paragraphs[0].style.font.size.pt == 9


def _keeps_with_next(row) -> bool:
    return row.cells[0].paragraphs[0].paragraph_format.keep_with_next is True


def test_short_tables_kept_whole_long_listing_free_to_break(plain_docx):
    baseline, listing = plain_docx.tables[0], plain_docx.tables[3]
    assert all(_keeps_with_next(r) for r in baseline.rows)  # the last one keeps with the footnotes
    assert not any(_keeps_with_next(r) for r in listing.rows[1:])


def test_chapters_start_a_page(plain_docx):
    breaks = {p.text: p.paragraph_format.page_break_before for p in plain_docx.paragraphs
              if p.style.name.startswith("Heading")}
    # "3 Listings" opens a new (portrait) section after the landscape one: no extra break.
    assert breaks == {"1 Participants": True, "2 Efficacy": True,
                      "2.1 Sensitivity analyses": None, "3 Listings": None}


def test_footnotes_follow_their_table(plain_docx):
    blocks = list(plain_docx.iter_inner_content())
    first = next(i for i, b in enumerate(blocks) if isinstance(b, DocxTable))
    assert blocks[first + 1].text == "SD: standard deviation; IQR: interquartile range."
    assert blocks[first + 1].style.name == "Table Footnote"


def test_wide_table_is_on_a_landscape_page_between_portrait_ones(plain_docx):
    section_of_table, section = {}, 0
    for child in plain_docx.element.body.iterchildren():
        if child.tag == qn("w:tbl"):
            section_of_table[len(section_of_table)] = section
        elif child.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None:
            section += 1
    sections = plain_docx.sections
    wide = sections[section_of_table[2]]
    assert wide.orientation == WD_ORIENT.LANDSCAPE and wide.page_width > wide.page_height
    for i in (0, 1, 3):
        s = sections[section_of_table[i]]
        assert s.orientation == WD_ORIENT.PORTRAIT and s.page_width < s.page_height
    assert round(sections[0].page_width.mm) == 210 and round(sections[0].page_height.mm) == 297


def test_every_section_footer_says_page_x_of_y_and_cutoff(plain_docx):
    assert len(plain_docx.sections) >= 3
    for section in plain_docx.sections:
        footer = section.footer
        assert not footer.is_linked_to_previous
        instr = [e.text.strip() for e in footer._element.iter(qn("w:instrText"))]
        assert instr == ["PAGE", "NUMPAGES"]
        text = footer.paragraphs[0].text
        assert "Page 1 of 1" in text and f"Data cut-off: {CUTOFF}" in text
        assert "Protocol LU2021 v1.0" in text


def test_figure_is_an_inline_png_within_the_text_width_with_caption_below(plain, plain_docx):
    shapes = plain_docx.inline_shapes
    assert len(shapes) == 1
    section = plain_docx.sections[0]
    assert shapes[0].width <= section.page_width - section.left_margin - section.right_margin
    blip = shapes[0]._inline.graphic.graphicData.pic.blipFill.blip
    image = plain_docx.part.related_parts[blip.embed]
    assert image.content_type == "image/png" and image.blob == plain.figures()[0].png
    blocks = list(plain_docx.iter_inner_content())
    at = next(i for i, b in enumerate(blocks)
              if isinstance(b, DocxParagraph) and b._p.xpath(".//pic:pic"))
    assert blocks[at + 1].style.name == "Caption"
    assert blocks[at + 1].text == ("Figure 14.2.1. Fasting C-peptide over time — "
                                   "Mean with 95 % CI by arm.")


def test_captions_in_reading_order_with_numbers(plain_docx):
    captions = [p.text.split(". ")[0] for p in plain_docx.paragraphs if p.style.name == "Caption"]
    assert captions == ["Table 14.1.1", "Table 14.2.1", "Figure 14.2.1", "Table 14.2.2",
                        "Listing 16.2.1"]


def test_headings_numbered_and_contents_listed(plain_docx):
    headings = [(p.style.name, p.text) for p in plain_docx.paragraphs
                if p.style.name.startswith("Heading")]
    assert headings == [("Heading 1", "1 Participants"), ("Heading 1", "2 Efficacy"),
                        ("Heading 2", "2.1 Sensitivity analyses"), ("Heading 1", "3 Listings")]
    body_xml = plain_docx.element.body.xml
    assert 'TOC \\o "1-3"' in body_xml
    contents = [p.text for p in plain_docx.paragraphs if p.style.name == "Contents Entry"]
    assert contents[:4] == [h[1] for h in headings]
    assert "2.1 Sensitivity analyses" in contents
    assert "Table 14.2.2. Sensitivity analyses by visit (Per-protocol set)" in contents
    assert "Figure 14.2.1. Fasting C-peptide over time" in contents


def test_paragraph_styles(plain_docx):
    styles = {p.text: p.style.name for p in plain_docx.paragraphs}
    assert styles["The primary endpoint is remission at month 12."] == "Normal"
    assert styles["Responders need a month-12 sample."] == "Note"
    assert styles["All analyses agree."] == "Warning"
    assert plain_docx.styles["Normal"].font.name == "Calibri"
    # Word prefers a theme font to a named one: none is left to override Calibri.
    assert "Theme=" not in plain_docx.styles.element.xml
    assert plain_docx.styles["Heading 1"].font.name == "Calibri"


def test_synthetic_and_open_report_marked_only_when_so(plain_bytes, marked_bytes):
    plain_xml, marked_xml = _all_xml(plain_bytes), _all_xml(marked_bytes)
    assert "SYNTHETIC" not in plain_xml and "Open report" not in plain_xml
    assert "SYNTHETIC" in marked_xml and "Open report" in marked_xml
    marked = docx.Document(io.BytesIO(marked_bytes))
    title_page = [p.text for p in marked.paragraphs[:6]]
    assert any(t.startswith("SYNTHETIC DATA") for t in title_page)
    assert "Open report — arms coded" in title_page
    banner = next(p for p in marked.paragraphs if p.text.startswith("SYNTHETIC"))
    assert banner.style.element.pPr.find(qn("w:pBdr")) is not None
    for section in marked.sections:
        header = section.header.paragraphs[0].text
        assert "SYNTHETIC DATA" in header and "Open report" in header


def test_unnumbered_document_is_refused():
    doc = _document(synthetic=False, blinded=False)
    doc.tables()[0].number = ""
    with pytest.raises(ValueError, match=r"must be numbered \(Document.numbered\(\)\); 1 table\(s\) "
                                         r"or figure\(s\) have no number, e.g. 'Baseline characteristics'"):
        render_docx(doc)
    with pytest.raises(TypeError, match="must be a report Document; got dict instead"):
        render_docx({})


def test_same_document_gives_same_bytes(plain_bytes):
    again = render_docx(_document(synthetic=False, blinded=False))
    assert again == plain_bytes
    with zipfile.ZipFile(io.BytesIO(plain_bytes)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    props = docx.Document(io.BytesIO(plain_bytes)).core_properties
    assert props.created.date().isoformat() == CUTOFF and props.revision == 1
