"""WordprocessingML pieces python-docx has no API for, used by :mod:`t1dtrial.report.docx`.

Fields (``PAGE``, ``NUMPAGES``, ``TOC``), table rows written directly as XML
(repeated header row ``w:tblHeader``, rows kept whole ``w:cantSplit``, cell
shading, spanning group rows), table and paragraph borders, the
``w:updateFields`` setting, and a zip writer with fixed time stamps so the
same document gives the same bytes.

Examples
--------
>>> import docx
>>> d = docx.Document()
>>> p = d.add_paragraph("Page ")
>>> add_field(p, "PAGE", "1")
>>> [e.get(qn("w:fldCharType")) for e in p._p.iter(qn("w:fldChar"))]
['begin', 'separate', 'end']
>>> p._p.xpath("string(.//w:instrText)")
' PAGE '
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape

from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.text.paragraph import Paragraph as DocxParagraph

__all__ = ["CellSpec", "RowSpec", "add_field", "begin_field", "end_field", "make_rows", "set_borders",
           "paragraph_box", "set_cell_margins", "request_field_update", "fixed_zip", "qn", "xml_text"]

#: Time stamp of every member of the written zip (the zip format starts in 1980).
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _el(tag: str, parent=None, **attrs: str):
    """A new ``w:`` element with ``w:`` attributes, appended to ``parent`` if given."""
    el = OxmlElement(tag)
    for k, v in attrs.items():
        el.set(qn(f"w:{k}"), v)
    if parent is not None:
        parent.append(el)
    return el


def _fld_char(run, kind: str) -> None:
    _el("w:fldChar", run, fldCharType=kind)


def begin_field(paragraph: DocxParagraph, instr: str) -> None:
    """Open a complex field in ``paragraph``: begin, instruction, separate (the result follows)."""
    _fld_char(paragraph.add_run()._r, "begin")
    instr_el = _el("w:instrText", paragraph.add_run()._r)
    instr_el.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr_el.text = f" {instr} "
    _fld_char(paragraph.add_run()._r, "separate")


def end_field(paragraph: DocxParagraph) -> None:
    """Close the field opened by :func:`begin_field` (possibly in an earlier paragraph)."""
    _fld_char(paragraph.add_run()._r, "end")


def add_field(paragraph: DocxParagraph, instr: str, result: str) -> None:
    """Append a field (``PAGE``, ``NUMPAGES`` ...) with ``result`` shown until Word updates it."""
    begin_field(paragraph, instr)
    paragraph.add_run(result)
    end_field(paragraph)


@dataclass(frozen=True)
class CellSpec:
    """One cell of a row written by :func:`make_row`."""

    text: str
    align: str = "left"
    bold: bool = False
    indent_twips: int = 0
    shade: str = ""
    span: int = 1


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    r"""``text`` without the control characters XML 1.0 cannot hold (a tab and a newline stay).

    Examples
    --------
    >>> xml_text("a\x0bb\tc")
    'ab\tc'
    """
    return _NOT_XML.sub("", text)


def _runs_xml(text: str, bold: bool) -> str:
    r_pr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return "".join(f'<w:r>{r_pr}{"<w:br/>" if i else ""}<w:t xml:space="preserve">{escape(line)}</w:t></w:r>'
                   for i, line in enumerate(xml_text(text).split("\n")))


@dataclass(frozen=True)
class RowSpec:
    """One row written by :func:`make_rows`: its cells, whether it repeats as the header, and
    whether it stays on the page of the next row (a group heading)."""

    cells: list[CellSpec]
    header: bool = False
    keep_with_next: bool = False


def _row_xml(row: RowSpec, widths: list[int], style_id: str) -> str:
    tr_pr = "<w:cantSplit/>" + ("<w:tblHeader/>" if row.header else "")
    parts = [f"<w:tr><w:trPr>{tr_pr}</w:trPr>"]
    col = 0
    for cell in row.cells:
        width = sum(widths[col:col + cell.span])
        col += cell.span
        tc_pr = (f'<w:tcW w:w="{width}" w:type="dxa"/>'
                 + (f'<w:gridSpan w:val="{cell.span}"/>' if cell.span > 1 else "")
                 + (f'<w:shd w:val="clear" w:color="auto" w:fill="{cell.shade}"/>' if cell.shade else "")
                 + ('<w:vAlign w:val="bottom"/>' if row.header else ""))
        p_pr = (f'<w:pStyle w:val="{style_id}"/>'
                + ("<w:keepNext/>" if row.keep_with_next else "")
                + (f'<w:ind w:left="{cell.indent_twips}"/>' if cell.indent_twips else "")
                + (f'<w:jc w:val="{cell.align}"/>' if cell.align in ("right", "center") else ""))
        runs = _runs_xml(cell.text, cell.bold) if cell.text else ""
        parts.append(f"<w:tc><w:tcPr>{tc_pr}</w:tcPr><w:p><w:pPr>{p_pr}</w:pPr>{runs}</w:p></w:tc>")
    parts.append("</w:tr>")
    return "".join(parts)


def make_rows(rows: list[RowSpec], widths: list[int], style_id: str) -> list:
    """``w:tr`` elements of ``rows`` (widths in twips, one per grid column), never split across pages.

    A header row is marked to repeat at the top of every page (``w:tblHeader``).
    The rows are written as text and parsed once: a long listing stays fast.
    """
    body = "".join(_row_xml(r, widths, style_id) for r in rows)
    return list(parse_xml(f"<w:tbl {nsdecls('w')}>{body}</w:tbl>"))


_BORDER_SIDES = ("top", "left", "bottom", "right", "insideH", "insideV")


def set_borders(table, colour: str, size: int = 4) -> None:
    """Give ``table`` single borders of ``colour`` (hex) and ``size`` eighths of a point."""
    tbl_pr = table._tbl.tblPr
    for old in tbl_pr.findall(qn("w:tblBorders")):
        tbl_pr.remove(old)
    borders = _el("w:tblBorders")
    for side in _BORDER_SIDES:
        _el(f"w:{side}", borders, val="single", sz=str(size), space="0", color=colour)
    # tblBorders comes after tblW / jc / tblInd in CT_TblPr's sequence, before tblLayout.
    anchor = tbl_pr.find(qn("w:tblLayout"))
    if anchor is None:
        anchor = tbl_pr.find(qn("w:tblLook"))
    if anchor is not None:
        anchor.addprevious(borders)
    else:
        tbl_pr.append(borders)


def set_cell_margins(table, twips: int) -> None:
    """Left and right cell margins of ``table`` (top and bottom stay 0)."""
    tbl_pr = table._tbl.tblPr
    for old in tbl_pr.findall(qn("w:tblCellMar")):
        tbl_pr.remove(old)
    margins = _el("w:tblCellMar")
    for side in ("left", "right"):
        _el(f"w:{side}", margins, w=str(twips), type="dxa")
    anchor = tbl_pr.find(qn("w:tblLook"))
    if anchor is not None:
        anchor.addprevious(margins)
    else:
        tbl_pr.append(margins)


def paragraph_box(p_pr, colour: str, fill: str) -> None:
    """Draw a box of ``colour`` around the paragraph(s) of ``p_pr`` and fill it with ``fill``."""
    borders = _el("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        _el(f"w:{side}", borders, val="single", sz="8", space="4", color=colour)
    shd = _el("w:shd", val="clear", color="auto", fill=fill)
    # CT_PPr sequence: ... keepNext, keepLines, pageBreakBefore, framePr, widowControl,
    # numPr, suppressLineNumbers, pBdr, shd, tabs, ..., spacing, ind, ..., jc, ...
    later = ("w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
             "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
             "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
             "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
             "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
             "w:sectPr", "w:pPrChange")
    anchor = next((c for c in p_pr if c.tag in {qn(t) for t in later}), None)
    if anchor is not None:
        anchor.addprevious(borders)
        anchor.addprevious(shd)
    else:
        p_pr.append(borders)
        p_pr.append(shd)


def request_field_update(settings) -> None:
    """Ask Word to update the fields (table of contents, page counts) when it opens the file."""
    root = settings.element
    if root.find(qn("w:updateFields")) is not None:
        return
    el = _el("w:updateFields", val="true")
    follow = ("w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat", "w:docVars",
              "w:rsids")
    anchor = next((c for c in root if c.tag in {qn(t) for t in follow}), None)
    if anchor is not None:
        anchor.addprevious(el)
    else:
        root.append(el)


def fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed member time stamps and order, so equal contents give equal bytes.

    Examples
    --------
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as z:
    ...     z.writestr("a.txt", "x")
    >>> fixed_zip(buf.getvalue()) == fixed_zip(fixed_zip(buf.getvalue()))
    True
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()
