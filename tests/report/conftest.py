"""Fixtures of the report tests: sample documents and a headless Chromium.

Documents (``_documents.py``, built by hand):

- ``documents``: the module itself (``documents.sample_document(synthetic=..., blinded=...)``,
  ``documents.PRIMARY_ROWS``, ``documents.LISTING_HEADERS`` ...);
- ``sample_document``, ``synthetic_document``, ``blinded_document``: one of each
  per test session (do not change them; build a fresh one to change).

Browser:

- ``chromium``: Debian's ``/usr/bin/chromium`` driven by Playwright (sync API),
  headless and offline-minded, launched once per session;
- ``browser_page``: a function ``open(path, width=1200) -> BrowserView`` that opens
  a local file (``file://``) in a fresh page and records, from before the page
  loads, every request the page makes (``view.requests``, URLs) and every
  console error and uncaught page error (``view.console_errors``). Pages are
  closed when the test ends. Example::

      def test_report_opens(browser_page, tmp_path):
          view = browser_page(tmp_path / "report.html")
          assert view.requests == [view.url] and view.console_errors == []
          view.page.screenshot(path=tmp_path / "report.png", full_page=True)
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _load_documents():
    """The sample-document module, loaded by path (test folders are not packages)."""
    name = "t1dtrial_tests_report_documents"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("_documents.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def documents():
    return _load_documents()


@pytest.fixture(scope="session")
def sample_document(documents):
    return documents.sample_document()


@pytest.fixture(scope="session")
def synthetic_document(documents):
    return documents.sample_document(synthetic=True)


@pytest.fixture(scope="session")
def blinded_document(documents):
    return documents.sample_document(blinded=True)


@dataclass
class BrowserView:
    """A page opened by ``browser_page``, with what it requested and logged."""

    page: Any
    url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, headless, driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def browser_page(chromium):
    """``open(path, width=1200) -> BrowserView``: a local HTML file in a fresh page (see module doc)."""
    contexts = []

    def open_file(path: str | Path, width: int = 1200) -> BrowserView:
        context = chromium.new_context(viewport={"width": width, "height": 900},
                                       service_workers="block")
        contexts.append(context)
        page = context.new_page()
        view = BrowserView(page=page, url=Path(path).resolve().as_uri())
        page.on("request", lambda request: view.requests.append(request.url))
        page.on("console", lambda msg: view.console_errors.append(msg.text)
                if msg.type == "error" else None)
        page.on("pageerror", lambda error: view.console_errors.append(str(error)))
        page.goto(view.url, wait_until="load")
        return view

    yield open_file
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def demo_results(tmp_path_factory):
    """The folder ``t1dtrial demo --out <tmp>/results`` wrote (once per session).

    What the command printed is beside it, in ``demo-stdout.txt``.

    Tests may add files through t1dtrial commands (``t1dtrial report``) but must
    leave the closed report and every file of the analysis as they found them.
    """
    import contextlib
    import io

    from t1dtrial.cli import main

    out = tmp_path_factory.mktemp("demo") / "results"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["demo", "--out", str(out)]) == 0
    (out.parent / "demo-stdout.txt").write_text(printed.getvalue(), encoding="utf-8")
    return out
