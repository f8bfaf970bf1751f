"""The report as PDF, printed from its HTML by WeasyPrint.

The page layout (A4, "Page x of y" and the data cut-off date in the margins,
table headers repeated on every page, landscape pages for wide tables) comes
from the print style sheet of :mod:`t1dtrial.report.html`, so the PDF and a
browser's print of the HTML agree. WeasyPrint is imported only when a PDF is
asked for; it needs the Pango library of the operating system, and when that
cannot be loaded :func:`render_pdf` raises an :class:`~t1dtrial.errors.InputError`
saying what to install. Nothing is fetched while printing.

Examples
--------
>>> pdf = render_pdf("<!DOCTYPE html><html><body><p>Report</p></body></html>")
>>> pdf[:5]
b'%PDF-'
"""

from __future__ import annotations

import logging
from typing import Any

from ..errors import InputError, Problem

__all__ = ["render_pdf", "PDF_REQUIREMENTS"]

#: What a PDF needs besides the Python packages (Debian / Ubuntu package names).
PDF_REQUIREMENTS = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"


def render_pdf(html: str) -> bytes:
    """The HTML page printed to PDF bytes.

    Parameters
    ----------
    html : str
        A page from :func:`t1dtrial.report.html.render_html` (self-contained).

    Returns
    -------
    bytes
        The PDF document.

    Raises
    ------
    InputError
        WeasyPrint or the Pango library it needs cannot be loaded; the
        problem says what to install.

    Examples
    --------
    >>> render_pdf("<p>Page</p>").startswith(b"%PDF")
    True
    """
    weasyprint = _weasyprint()
    # The figures' SVG style attributes read as unknown CSS properties: WeasyPrint
    # warns of each (its SVG renderer draws them right); keep its errors only.
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        document = weasyprint.HTML(string=html, url_fetcher=_offline_fetcher(weasyprint))
        return document.write_pdf()
    finally:
        logger.setLevel(level)


def _weasyprint() -> Any:
    """The weasyprint module, or an InputError saying what to install."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: a shared library (Pango) is missing
        raise InputError([Problem(
            file="", row=None, column=None, value=None,
            problem=f"cannot write the PDF: WeasyPrint or the Pango library it needs "
                    f"could not be loaded ({_first_line(exc)})",
            expected=f"on Debian or Ubuntu `apt-get install {PDF_REQUIREMENTS}` and "
                     f"`pip install weasyprint` (see WeasyPrint's installation notes "
                     f"for other systems); or leave out --pdf",
            kind="missing dependency",
        )]) from None
    return weasyprint


def _offline_fetcher(weasyprint: Any) -> Any:
    """A URL fetcher that fetches nothing but ``data:`` URLs (the page is self-contained)."""
    fetcher = getattr(getattr(weasyprint, "urls", None), "URLFetcher", None)
    if fetcher is not None:
        return fetcher(allowed_protocols=("data",))

    def refuse(url: str, *args: Any, **kwargs: Any) -> Any:  # WeasyPrint < 66
        if url.startswith("data:"):
            return weasyprint.default_url_fetcher(url, *args, **kwargs)
        raise ValueError(f"the report fetches nothing from outside: {url}")

    return refuse


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
