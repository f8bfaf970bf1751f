"""The HTML report: tables as a committee reads them (golden text), self-contained, escaped, printable.

The golden file ``golden/html_tables.txt`` holds every table of the sample
document (``_documents.py``) as normalised text read back from the HTML with
the standard library's ``html.parser``: caption, header cells, group rows,
body cells (with their indent) and footnotes. After a deliberate change of
the sample document or of the table markup, regenerate it with

    T1DTRIAL_UPDATE_GOLDEN=1 python -m pytest tests/report/test_html.py

and review the diff before committing it.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from t1dtrial.report.document import Column, Document, Figure, RowGroup, Section, Table
from t1dtrial.report.html import render_html

GOLDEN = Path(__file__).with_name("golden") / "html_tables.txt"
UPDATE = os.environ.get("T1DTRIAL_UPDATE_GOLDEN") == "1"


class _Page(HTMLParser):
    """Reads back the tables, ids, links and headings of a rendered page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.ids: list[str] = []
        self.links: list[str] = []
        self.toc_links: list[str] = []
        self.headings: list[str] = []
        self._stack: list[tuple[str, dict]] = []
        self._text: list[str] | None = None
        self._row: list[str] | None = None
        self._row_kind = ""
        self._in_toc = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
            if self._in_toc:
                self.toc_links.append(attrs["href"])
        if tag == "nav":
            self._in_toc = True
        self._stack.append((tag, attrs))
        if tag == "table":
            self.lines.append("")
        elif tag == "tr":
            self._row = []
            section = next((t for t, _ in reversed(self._stack) if t in ("thead", "tbody", "tfoot")), "")
            indent = re.search(r"indent-(\d)", attrs.get("class", ""))
            self._row_kind = {"thead": "header", "tfoot": "notes"}.get(section, "row")
            if "group" in attrs.get("class", ""):
                self._row_kind = "group"
            elif indent:
                self._row_kind += f"[{indent.group(1)}]"
        elif tag in ("caption", "th", "td") or re.fullmatch(r"h[1-6]", tag):
            self._text = []

    def handle_endtag(self, tag):
        while self._stack and self._stack[-1][0] != tag:
            self._stack.pop()
        if self._stack:
            self._stack.pop()
        if tag == "nav":
            self._in_toc = False
        text = " ".join("".join(self._text or []).split())
        if tag == "caption":
            self.lines.append(f"caption: {text}")
            self._text = None
        elif tag in ("th", "td") and self._row is not None:
            if self._row_kind != "notes":
                self._row.append(text or "(empty)")
            self._text = None
        elif tag == "p" and self._row is not None and self._row_kind == "notes":
            self.lines.append(f"note: {text}")
            self._text = []
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(text)
            self._text = None
        elif tag == "tr" and self._row is not None:
            if self._row_kind != "notes":
                self.lines.append(f"{self._row_kind}: " + " | ".join(self._row))
            self._row = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def read_page(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def page(sample_document):
    return render_html(sample_document)


@pytest.fixture(scope="module")
def synthetic_page(synthetic_document):
    return render_html(synthetic_document)


def test_tables_read_back_as_the_golden_text(page):
    text = "\n".join(read_page(page).lines).strip() + "\n"
    if UPDATE:
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_primary_table_has_n_per_arm_groups_and_footnotes(page, documents):
    lines = read_page(page).lines
    start = lines.index("caption: Table 14.2.1. Clinical remission at month 12 by arm and onset "
                        "subgroup (Full analysis set)")
    table = lines[start:lines.index("", start)]
    assert table[1] == ("header: Statistic | MSC (N = 27) | Control (N = 26) | "
                        "Difference, % (95% CI) | p-value")
    assert "group: All participants" in table and "group: Age at onset" in table
    assert f"row[1]: {' | '.join(documents.PRIMARY_ROWS[0])}" in table
    assert sum(line.startswith("note: ") for line in table) == 3


def test_group_rows_span_the_table_and_numbers_align_right(page):
    assert '<tr class="group"><th scope="colgroup" colspan="5">All participants</th></tr>' in page
    assert '<td class="align-right">11 (40.7)</td>' in page
    assert '<td class="align-left">Responders, n (%)</td>' in page


def test_page_makes_no_external_request(synthetic_page):
    reference = r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?|url\(\s*["']?|@import\s+["']?)"""
    references = re.findall(reference + r"""([^"')\s>]*)""", synthetic_page, flags=re.IGNORECASE)
    assert references, "the page links its own sections"
    outside = [r for r in references if re.match(r"(?:[a-z][a-z0-9+.-]*:|//)", r, re.IGNORECASE)]
    assert outside == []
    assert not re.search(r"<(?:script|link|iframe|object|embed|img)\b", synthetic_page, re.IGNORECASE)


def test_cells_and_titles_are_escaped():
    hostile = Table(key="t", family="14.1", title="A & B", population="<i>all</i>",
                    columns=[Column("<b>x</b>")],
                    groups=[RowGroup("<em>g</em>", [["<script>alert(1)</script>"]])],
                    footnotes=['"quoted" <note>'])
    page = render_html(Document(title="<script>", sections=[Section("s", "S & T", [hostile])]))
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    cells = read_page(page).lines
    assert "row[1]: <script>alert(1)</script>" in cells
    assert "header: <b>x</b>" in cells and "group: <em>g</em>" in cells
    assert 'note: "quoted" <note>' in cells


def test_contents_link_every_section_table_and_figure(page, sample_document):
    parsed = read_page(page)
    assert len(parsed.ids) == len(set(parsed.ids)), "ids are unique (figures' SVG ids included)"
    assert all(link.startswith("#") and link[1:] in parsed.ids for link in parsed.links)
    labels = [b.label for b in sample_document.blocks() if hasattr(b, "label")]
    assert len(labels) == 5
    toc = page[page.index('<nav class="toc"'):page.index("</nav>")]
    assert all(f">{label}. " in toc for label in labels)
    sections = [a for a in parsed.toc_links if a.startswith("#sec-")]
    assert sections == ["#sec-status", "#sec-baseline", "#sec-efficacy", "#sec-primary",
                        "#sec-cpeptide", "#sec-listings"]


def test_sections_are_numbered(page):
    headings = read_page(page).headings
    assert "1 Study status" in headings and "3.1 Primary endpoint" in headings
    assert "4 Listings" in headings


def test_figures_are_inline_svg_with_caption(page):
    figures = re.findall(r"<figure id=\"fig-[^\"]+\">\s*(.*?)</figure>", page, flags=re.DOTALL)
    assert len(figures) == 2
    for figure in figures:
        assert figure.startswith("<svg") and "<?xml" not in figure and "<!DOCTYPE" not in figure
        assert "<figcaption>" in figure
    assert ("<figcaption><span class=\"label\">Figure 14.2.1.</span> <span class=\"title\">Clinical "
            "remission at month 12.</span> <span class=\"caption\">Full analysis set, n = 53.</span>") in page


def test_figure_without_svg_is_embedded_as_png_data(documents):
    png = documents.figures()[0].png
    figure = Figure(key="f", family="14.2", title="Trajectory", caption="", svg="", png=png)
    page = render_html(Document(title="T", sections=[Section("s", "S", [figure])]))
    assert '<img src="data:image/png;base64,iVBORw0KGgo' in page


def test_synthetic_banner_cutoff_and_open_report_note(page, synthetic_page, blinded_document):
    assert "SYNTHETIC" not in page
    assert synthetic_page.count("SYNTHETIC DATA") >= 3  # title, banner, every printed page
    assert '<dd class="cutoff">1 March 2024</dd>' in page
    assert '@bottom-left { content: "Data cut-off: " "1 March 2024";' in page
    blinded = render_html(blinded_document)
    assert "OPEN REPORT — arms coded" in blinded and "OPEN REPORT" not in page
    assert "Treatment A (N = 27)" in blinded and "MSC (N = 27)" not in blinded


def test_print_rules_repeat_headers_number_pages_and_turn_wide_tables(page):
    assert 'content: "Page " counter(page) " of " counter(pages)' in page
    assert "thead { display: table-header-group; }" in page
    assert "@page wide { size: A4 landscape; }" in page
    assert '<div class="table-block wide listing" id="tbl-ae-listing">' in page
    assert '<h2 class="wide-page"><span class="num">4</span> Listings</h2>' in page


def test_rendering_is_deterministic(sample_document):
    assert render_html(sample_document) == render_html(sample_document)
