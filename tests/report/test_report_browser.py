"""The HTML report in a real browser: Debian's Chromium, headless, driven by Playwright.

The page is opened from a file (``file://``) with the ``browser_page`` fixture
of ``conftest.py``, which records every request and console error. The
report must draw every figure, show the primary table's numbers, ask for
nothing but itself, log no error, and keep wide tables inside their own
scrolling box. A full-page screenshot is saved under the test's folder.
"""

from __future__ import annotations

import pytest

from t1dtrial.report.html import render_html

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def report_file(tmp_path, synthetic_document):
    path = tmp_path / "report.html"
    path.write_text(render_html(synthetic_document), encoding="utf-8")
    return path


def test_report_renders_offline_with_figures_and_primary_numbers(browser_page, report_file, tmp_path,
                                                                  documents):
    view = browser_page(report_file)
    page = view.page

    boxes = [svg.bounding_box() for svg in page.locator("figure svg").all()]
    assert len(boxes) == 2
    assert all(box and box["width"] > 100 and box["height"] > 50 for box in boxes)

    rows = page.locator("#tbl-primary tbody tr:not(.group)").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells, c => c.innerText.trim()))")
    assert rows == documents.PRIMARY_ROWS + documents.PRIMARY_SUBGROUP_ROWS
    headers = page.locator("#tbl-primary thead th").all_inner_texts()
    assert headers[1:3] == ["MSC (N = 27)", "Control (N = 26)"]
    assert page.locator(".synthetic-banner").is_visible()

    assert view.requests == [view.url]
    assert view.console_errors == []

    screenshot = tmp_path / "report.png"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.stat().st_size > 10_000
    assert screenshot.read_bytes().startswith(PNG_MAGIC)


def test_contents_links_lead_to_their_targets(browser_page, report_file):
    page = browser_page(report_file).page
    missing = page.evaluate("""() => Array.from(document.querySelectorAll('nav.toc a'))
        .map(a => a.getAttribute('href'))
        .filter(href => !document.getElementById(href.slice(1)))""")
    assert missing == []
    page.locator("nav.toc a", has_text="Listing 16.2.1.").click()
    assert page.evaluate("location.hash") == "#tbl-ae-listing"
    assert page.locator("#tbl-ae-listing caption").is_visible()


def test_wide_listing_scrolls_in_its_box_on_a_narrow_screen(browser_page, report_file):
    page = browser_page(report_file, width=640).page
    page_width, viewport = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert page_width <= viewport
    box_width, table_width = page.locator("#tbl-ae-listing .table-scroll").evaluate(
        "box => [box.clientWidth, box.scrollWidth]")
    assert table_width > box_width


def test_the_demo_report_renders_offline_with_every_figure_and_the_primary_numbers(
        browser_page, demo_results, tmp_path):
    """The report ``t1dtrial demo`` writes, of the packaged synthetic twin."""
    view = browser_page(demo_results / "report.html")
    page = view.page
    figures = page.locator("figure svg").all()
    assert len(figures) >= 8
    for svg in figures:
        box = svg.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 50
    cells = page.locator("#tbl-primary tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells, c => c.innerText.trim()))")
    responders = next(row for row in cells if row[0].startswith("Responders"))
    assert responders[1:3] == ["11 (40.7)", "3 (11.5)"]
    assert any(row[0] == "p-value" and row[1] == "0.028" for row in cells)
    headers = page.locator("#tbl-primary thead th").all_inner_texts()
    assert "MSC (N = 27)" in headers and "CONTROL (N = 26)" in headers
    assert page.locator(".synthetic-banner").is_visible()
    assert view.requests == [view.url]
    assert view.console_errors == []
    screenshot = tmp_path / "demo-report.png"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.read_bytes().startswith(PNG_MAGIC)
