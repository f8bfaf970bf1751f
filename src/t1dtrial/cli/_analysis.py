"""``t1dtrial analyze`` and ``t1dtrial demo`` (module t1dtrial.analysis)."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import AllowColumnOption, DropIdentifiersOption, FormatOption, OverwriteOption, app


def _run(trial, out: Path, seed: int | None, title: str, *, overwrite: bool, inputs: list,
         cutoff: str | None = None) -> None:
    from rich.console import Console

    from ..analysis import analyze
    from ..report.figures import render_figures
    from ..report.terminal import summary_renderables
    from ._app import invocation

    console = Console()
    with console.status("analysing ...") as status:
        results = analyze(trial, seed=seed, cutoff=cutoff,
                          progress=lambda s: status.update(f"analysing: {s} ..."))
        results.provenance["command_line"] = invocation()
        status.update("drawing figures ...")
        results.files.update(render_figures(results))
        status.update("writing tables ...")
        written = results.write(out, overwrite=overwrite, inputs=inputs)
    for item in summary_renderables(results, title=title, out=str(written)):
        console.print(item)


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
    from ..data import load_folder
    from ..data.cutoff import parse_cutoff
    from ..errors import InputError, Problem
    from ..outputs import check_output_folder
    from ..protocol import load_protocol

    inputs = [p for p in (data, store) if p is not None]
    check_output_folder(out, "analysis", overwrite=overwrite, inputs=inputs)  # before any work
    if cutoff is not None:
        parse_cutoff(cutoff)
    if store is not None:
        from ..store import read_trial

        _refuse_folder_options(data=data, format=format, drop_identifiers=drop_identifiers,
                               allow_column=allow_column)
        trial = read_trial(store, as_of=as_of, protocol=protocol)
    elif data is None:
        raise InputError([Problem(file="", row=None, column="DATA", value=None,
                                  problem="no data given",
                                  expected="a data folder, or --store study.duckdb")])
    else:
        trial = load_folder(data, load_protocol(protocol or "lu2021"), format=format,
                            drop_identifiers=drop_identifiers, allow_columns=allow_column or ())
    _run(trial, out, seed, f"t1dtrial — {trial.protocol.id}", overwrite=overwrite, inputs=inputs,
         cutoff=cutoff)


def _refuse_folder_options(**given) -> None:
    """With --store, options that only apply to reading a folder are an error, not ignored."""
    from ..errors import InputError, Problem

    words = {"data": "DATA", "format": "--format", "drop_identifiers": "--drop-identifiers",
             "allow_column": "--allow-column"}
    used = [words[k] for k, v in given.items() if v not in (None, False, "auto", [], ())]
    if used:
        raise InputError([Problem(
            file="--store", row=None, column=None, value=", ".join(used),
            problem="applies to reading a data folder; a store holds data already validated and "
                    "screened for identifiers at import",
            expected="either DATA (with these options) or --store, not both")])


@app.command("demo")
def demo(
    out: Path = typer.Option(Path("t1dtrial-demo"), "--out", "-o",
                             help="Output folder: a new path or an empty folder (see --overwrite)."),
    overwrite: OverwriteOption = False,
) -> None:
    """Analyse the packaged SYNTHETIC twin of the reference trial and summarise it.

    Example: t1dtrial demo --out t1dtrial-demo
    """
    from ..datasets import load_lu2021, lu2021_path
    from ..outputs import check_output_folder

    inputs = [lu2021_path()]
    check_output_folder(out, "analysis", overwrite=overwrite, inputs=inputs)  # before any work
    _run(load_lu2021(), out, None, "t1dtrial demo — lu2021 SYNTHETIC twin (not the study's data)",
         overwrite=overwrite, inputs=inputs)
