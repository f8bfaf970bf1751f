"""``t1dtrial analyze`` and ``t1dtrial demo`` (module t1dtrial.analysis)."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import AllowColumnOption, DropIdentifiersOption, FormatOption, app


def _run(trial, out: Path, seed: int | None, title: str) -> None:
    from rich.console import Console

    from ..analysis import analyze
    from ..report.figures import render_figures
    from ..report.terminal import summary_renderables

    console = Console()
    with console.status("analysing ...") as status:
        results = analyze(trial, seed=seed, progress=lambda s: status.update(f"analysing: {s} ..."))
        status.update("drawing figures ...")
        results.files.update(render_figures(results))
        status.update("writing tables ...")
        written = results.write(out)
    for item in summary_renderables(results, title=title, out=str(written)):
        console.print(item)


@app.command("analyze")
def analyze_(
    data: Path = typer.Argument(None, help="Data folder (CSV, Excel, SDTM or REDCap export)."),
    protocol: str = typer.Option(None, "--protocol", "-p",
                                 help="Packaged protocol name or YAML file (default lu2021; "
                                      "with --store, the protocol recorded at import)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (replaced whole)."),
    seed: int = typer.Option(None, "--seed", help="Seed of stochastic steps (default: the protocol's)."),
    store: Path = typer.Option(None, "--store", help="Read a data cut from this study store instead of DATA."),
    as_of: str = typer.Option(None, "--as-of", help="With --store: the latest import on or before this date."),
    format: FormatOption = "auto",
    drop_identifiers: DropIdentifiersOption = False,
    allow_column: AllowColumnOption = None,
) -> None:
    """Run the protocol's analysis plan and write tables, figures, ADaM datasets and provenance.

    Example: t1dtrial analyze exports/ --protocol lu2021 --out results/
    """
    from ..data import load_folder
    from ..errors import InputError, Problem
    from ..protocol import load_protocol

    if store is not None:
        from ..store import read_trial

        trial = read_trial(store, as_of=as_of, protocol=protocol)
    elif data is None:
        raise InputError([Problem(file="", row=None, column="DATA", value=None,
                                  problem="no data given",
                                  expected="a data folder, or --store study.duckdb")])
    else:
        trial = load_folder(data, load_protocol(protocol or "lu2021"), format=format,
                            drop_identifiers=drop_identifiers, allow_columns=allow_column or ())
    _run(trial, out, seed, f"t1dtrial — {trial.protocol.id}")


@app.command("demo")
def demo(
    out: Path = typer.Option(Path("t1dtrial-demo"), "--out", "-o", help="Output folder."),
) -> None:
    """Analyse the packaged SYNTHETIC twin of the reference trial and summarise it.

    Example: t1dtrial demo --out t1dtrial-demo
    """
    from ..datasets import load_lu2021

    _run(load_lu2021(), out, None,
         "t1dtrial demo — lu2021 SYNTHETIC twin (not the study's data)")
