"""Render the report of an analysis to its files, and add them to a results folder.

:func:`render_report` turns a :class:`~t1dtrial.report.source.ReportSource`
into file contents: ``report.html`` (self-contained), ``report.docx`` and, on
request, ``report.pdf`` from the same HTML; a blinded (open) report is
``open-report.*``. The closed report's figures are also written as
``figures/<name>.svg`` and ``.png``.

:func:`report_to_folder` is ``t1dtrial report RESULTS_DIR``: it re-renders
from a results folder without re-analysing and puts the files in the
folder whole or not at all (the folder is rebuilt beside itself and swapped
in one step, :func:`t1dtrial.outputs.update_output`), never over a file
t1dtrial did not write.

Examples
--------
>>> report_files(blind=False, pdf=True)
('report.html', 'report.docx', 'report.pdf')
>>> report_files(blind=True, pdf=False)
('open-report.html', 'open-report.docx')
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .source import ReportSource

__all__ = ["render_report", "report_to_folder", "report_files"]


def report_files(*, blind: bool, pdf: bool) -> tuple[str, ...]:
    """Names of the report files written: ``report.*`` or, blinded, ``open-report.*``."""
    stem = "open-report" if blind else "report"
    return (f"{stem}.html", f"{stem}.docx") + ((f"{stem}.pdf",) if pdf else ())


def render_report(source: ReportSource, *, pdf: bool = False,
                  progress: Callable[[str], None] | None = None) -> dict[str, bytes]:
    """The report's files, by path relative to the results folder.

    Parameters
    ----------
    source : ReportSource
        Results and protocol (``blind`` for an open report with coded arms).
    pdf : bool
        Also render a PDF (WeasyPrint) from the HTML.
    progress : callable, optional
        Called with each step as it starts.

    Returns
    -------
    dict of str to bytes
        ``report.html``, ``report.docx`` (and ``report.pdf``), and for a
        closed report every figure as ``figures/<name>.svg`` and ``.png``.
    """
    from .contents import build_document
    from .docx import render_docx
    from .html import render_html

    step = progress or (lambda text: None)
    step("building the report")
    doc = build_document(source)
    html_name, docx_name, *pdf_name = report_files(blind=source.blind, pdf=pdf)
    step("writing the HTML report")
    html = render_html(doc)
    files = {html_name: html.encode("utf-8")}
    step("writing the Word report")
    files[docx_name] = render_docx(doc)
    if pdf_name:
        from .pdf import render_pdf

        step("writing the PDF report")
        files[pdf_name[0]] = render_pdf(html)
    if not source.blind:
        for figure in doc.figures():
            files[f"figures/{figure.key}.svg"] = figure.svg.encode("utf-8")
            files[f"figures/{figure.key}.png"] = figure.png
    return files


def report_to_folder(results_dir: str | Path, *, pdf: bool = False, blind: bool = False,
                     progress: Callable[[str], None] | None = None) -> list[Path]:
    """Re-render the report of a results folder into it, without re-analysing.

    Parameters
    ----------
    results_dir : path
        The ``--out`` folder of ``t1dtrial analyze`` or ``demo``.
    pdf : bool
        Also write the PDF.
    blind : bool
        Write the open report (``open-report.*``): arms coded, no arm-level
        efficacy p-values. The closed report is left as it is.
    progress : callable, optional
        Called with each step as it starts.

    Returns
    -------
    list of Path
        The report files written (absolute).

    Raises
    ------
    InputError
        When the folder is no t1dtrial analysis output, holds files t1dtrial
        did not write, or is the working folder.
    """
    from ..outputs import check_output_folder, update_output

    source = ReportSource.from_folder(results_dir, blind=blind)  # an analysis output, or why not
    # refused before any work: the working folder, or a file t1dtrial did not write in it
    check_output_folder(results_dir, "analysis", overwrite=True, option="RESULTS_DIR")
    files = render_report(source, pdf=pdf, progress=progress)
    folder = update_output(results_dir, "analysis", files, option="RESULTS_DIR")
    return [folder / name for name in report_files(blind=blind, pdf=pdf)]
