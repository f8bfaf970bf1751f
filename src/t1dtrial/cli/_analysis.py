"""``t1dtrial analyze``, ``demo`` and ``report`` (modules t1dtrial.report.run and .write)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import AllowColumnOption, DropIdentifiersOption, FormatOption, OverwriteOption, app

PdfOption = Annotated[bool, typer.Option(
    "--pdf", help="Also write the report as PDF (from the HTML, with WeasyPrint).")]
DetailsOption = Annotated[bool, typer.Option(
    "--details", help="Print every planned analysis' result in the terminal, not only the "
                      "one-screen summary.")]


def _print_summary(run, title: str, details: bool = False) -> None:
    from rich.console import Console

    from ..report.source import ReportSource
    from ..report.summary import one_screen_summary

    console = Console(width=min(Console().width, 80))
    if details:
        from ..report.terminal import summary_renderables

        for item in summary_renderables(run.results, title=title, out=str(run.folder)):
            console.print(item)
    source = ReportSource(run.results, run.protocol)
    for item in one_screen_summary(source, title=title, report=run.folder / "report.html"):
        console.print(item)


def _status():
    """A spinner that shows the step being run (``analysing: <step> ...``)."""
    from rich.console import Console

    return Console().status("analysing ...")


@app.command("analyze")
def analyze_(
    data: Path = typer.Argument(None, help="Data folder (CSV, Excel, SDTM or REDCap export)."),
    protocol: str = typer.Option(None, "--protocol", "-p",
                                 help="Packaged protocol name or YAML file (default lu2021; "
                                      "with --store, the protocol recorded at import)."),
    out: Path = typer.Option(..., "--out", "-o",
                             help="Output folder: a new path or an empty folder (see --overwrite)."),
    seed: int = typer.Option(None, "--seed", help="Seed of stochastic steps (default: the protocol's)."),
    store: Path = typer.Option(None, "--store", help="Read a data cut from this study store instead of DATA."),
    as_of: str = typer.Option(None, "--as-of", help="With --store: the latest import on or before this "
                                                    "date (a cut by import time)."),
    cutoff: str = typer.Option(None, "--cutoff", help="Clinical data cut-off YYYY-MM-DD: records dated "
                                                      "after it are left out and counted in disposition."),
    format: FormatOption = "auto",
    drop_identifiers: DropIdentifiersOption = False,
    allow_column: AllowColumnOption = None,
    overwrite: OverwriteOption = False,
    pdf: PdfOption = False,
    details: DetailsOption = False,
    xpt: bool = typer.Option(False, "--xpt", help="Also write the submission set in "
                             "OUT/submission/: the ADaM datasets as SAS transport v5 (labels) "
                             "and CSV, and the define metadata (define.json + CSV)."),
) -> None:
    """Run the protocol's analysis plan; write the report (HTML, Word), tables, figures,
    ADaM datasets and provenance.

    Example: t1dtrial analyze exports/ --protocol lu2021 --cutoff 2021-06-30 --out results/
    """
    from ..report.run import analyze_to_folder
    from ._app import invocation

    with _status() as status:
        run = analyze_to_folder(out, data=data, store=store, protocol=protocol, as_of=as_of,
                                cutoff=cutoff, seed=seed, format=format,
                                drop_identifiers=drop_identifiers,
                                allow_columns=allow_column or (), overwrite=overwrite,
                                pdf=pdf, command_line=invocation(), xpt=xpt,
                                progress=lambda step: status.update(f"{step} ..."))
    _print_summary(run, f"t1dtrial — {run.protocol_id}", details)


@app.command("demo")
def demo(
    out: Path = typer.Option(Path("t1dtrial-demo"), "--out", "-o",
                             help="Output folder: a new path or an empty folder (see --overwrite)."),
    overwrite: OverwriteOption = False,
    pdf: PdfOption = False,
    details: DetailsOption = False,
) -> None:
    """Analyse the packaged SYNTHETIC twin of the reference trial, write its report and
    summarise it.

    Example: t1dtrial demo --out t1dtrial-demo
    """
    from ..report.run import demo_to_folder
    from ._app import invocation

    with _status() as status:
        run = demo_to_folder(out, overwrite=overwrite, pdf=pdf, command_line=invocation(),
                             progress=lambda step: status.update(f"{step} ..."))
    _print_summary(run, "t1dtrial demo — lu2021 SYNTHETIC twin (not the study's data)", details)


@app.command("report")
def report(
    results_dir: Path = typer.Argument(..., metavar="RESULTS_DIR",
                                       help="Output folder of t1dtrial analyze or demo."),
    pdf: PdfOption = False,
    blind: bool = typer.Option(
        False, "--blind", help="Write the open report for a data monitoring committee "
                               "(open-report.*): arms coded Treatment A, B, ...; no arm-level "
                               "efficacy p-values."),
) -> None:
    """Re-render the report of a results folder (HTML, Word, optionally PDF) without
    re-analysing.

    Example: t1dtrial report results/ --blind --pdf
    """
    from rich.console import Console

    from ..report.write import report_to_folder

    with _status() as status:
        written = report_to_folder(results_dir, pdf=pdf, blind=blind,
                                   progress=lambda step: status.update(f"{step} ..."))
    console = Console()
    for path in written:
        console.print(f"[green]written[/green] {path}")
