"""The PDF report, printed from the HTML by WeasyPrint and read back with pypdf.

A4 pages numbered "Page x of y", the data cut-off and the SYNTHETIC mark on
every page, the long listing over several landscape pages with its header
repeated, the primary table's numbers as text (not a picture).
"""

from __future__ import annotations

import io
import re
import sys

import pytest
from pypdf import PdfReader

from t1dtrial.errors import InputError
from t1dtrial.report.html import render_html
from t1dtrial.report.pdf import render_pdf


@pytest.fixture(scope="module")
def pdf(synthetic_document):
    return render_pdf(render_html(synthetic_document))


@pytest.fixture(scope="module")
def pages(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    return [(page.mediabox, " ".join(page.extract_text().split())) for page in reader.pages]


def test_pdf_has_several_pages_numbered_page_x_of_y(pdf, pages):
    assert pdf.startswith(b"%PDF-")
    n = len(pages)
    assert n > 1
    for i, (_, text) in enumerate(pages, 1):
        assert f"Page {i} of {n}" in text


def test_every_page_carries_the_cutoff_and_the_synthetic_mark(pages):
    for _, text in pages:
        assert "Data cut-off: 1 March 2024" in text
        assert "SYNTHETIC DATA" in text


def test_primary_table_is_text_in_the_pdf(pages, documents):
    text = " ".join(t for _, t in pages)
    assert "Table 14.2.1. Clinical remission at month 12" in text
    assert "MSC (N = 27) Control (N = 26)" in text
    for row in documents.PRIMARY_ROWS + documents.PRIMARY_SUBGROUP_ROWS:
        assert " ".join(row) in text


def test_listing_header_repeats_on_each_of_its_landscape_pages(pages, documents):
    header = " ".join(documents.LISTING_HEADERS)
    with_header = [(box, text) for box, text in pages if header in text]
    assert len(with_header) >= 2
    assert all(box.width > box.height for box, _ in with_header)
    portrait = [box for box, _ in pages if box.width < box.height]
    assert portrait and all(round(float(box.width)) == 595 for box in portrait)  # A4 portrait
    last = f"P{documents.LISTING_ROWS // 2:03d}"
    assert re.search(rf"{last} Control", with_header[-1][1])


def test_missing_weasyprint_is_an_input_error_saying_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails as without Pango
    with pytest.raises(InputError) as caught:
        render_pdf("<p>x</p>")
    problem = caught.value.problems[0]
    assert "cannot write the PDF" in problem.problem
    assert "libpango-1.0-0" in problem.expected and "--pdf" in problem.expected
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
