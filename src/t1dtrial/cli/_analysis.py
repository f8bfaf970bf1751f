"""``t1dtrial analyze`` and ``t1dtrial demo`` (module t1dtrial.report.run)."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import AllowColumnOption, DropIdentifiersOption, FormatOption, OverwriteOption, app


def _print_summary(run, title: str) -> None:
    from rich.console import Console

    from ..report.terminal import summary_renderables

    console = Console()
    for item in summary_renderables(run.results, title=title, out=str(run.folder)):
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
) -> None:
    """Run the protocol's analysis plan and write tables, figures, ADaM datasets and provenance.

    Example: t1dtrial analyze exports/ --protocol lu2021 --cutoff 2021-06-30 --out results/
    """
    from ..report.run import analyze_to_folder
    from ._app import invocation

    with _status() as status:
        run = analyze_to_folder(out, data=data, store=store, protocol=protocol, as_of=as_of,
                                cutoff=cutoff, seed=seed, format=format,
                                drop_identifiers=drop_identifiers,
                                allow_columns=allow_column or (), overwrite=overwrite,
                                command_line=invocation(),
                                progress=lambda step: status.update(f"{step} ..."))
    _print_summary(run, f"t1dtrial — {run.protocol_id}")


@app.command("demo")
def demo(
    out: Path = typer.Option(Path("t1dtrial-demo"), "--out", "-o",
                             help="Output folder: a new path or an empty folder (see --overwrite)."),
    overwrite: OverwriteOption = False,
) -> None:
    """Analyse the packaged SYNTHETIC twin of the reference trial and summarise it.

    Example: t1dtrial demo --out t1dtrial-demo
    """
    from ..report.run import demo_to_folder
    from ._app import invocation

    with _status() as status:
        run = demo_to_folder(out, overwrite=overwrite, command_line=invocation(),
                             progress=lambda step: status.update(f"{step} ..."))
    _print_summary(run, "t1dtrial demo — lu2021 SYNTHETIC twin (not the study's data)")
