"""``t1dtrial power scenario`` (module t1dtrial.design.scenario)."""

from __future__ import annotations

from pathlib import Path

import typer

from ._design import power_app
from ._power_output import (FIGURE, INTERRUPTED, REPORT, SCHEDULER, TARGET, WORKERS,
                            check_curve, check_run_options, refuse)

#: Rows printed in the terminal; the whole grid is in --out.
_SHOWN = 30


@power_app.command("scenario")
def scenario(
    protocol: str = typer.Option(..., "--protocol", "-p",
                                 help="Packaged protocol name (lu2021) or protocol YAML file."),
    n_per_arm: str = typer.Option(..., "--n-per-arm",
                                  help="Participants per arm: 30, 20,40,60 or 20:100:20."),
    sims: int = typer.Option(1000, "--sims", help="Simulated trials per cell."),
    seed: int = typer.Option(None, "--seed", help="Seed (default: fresh, written in the table)."),
    alpha: float = typer.Option(None, "--alpha", help="Level (default: the protocol's alpha)."),
    allocation: str = typer.Option(None, "--allocation",
                                   help="Allocation ratio as arm weights, e.g. MSC=2,CONTROL=1 "
                                        "(an arm gets n-per-arm x its weight)."),
    dose_factor: str = typer.Option("1", "--dose-factor",
                                    help="Multiplier of the protocol's cell doses: 1, 2 or "
                                         "0.5,1,2 (the model's dose-response acts on it)."),
    visit: str = typer.Option(None, "--visit",
                              help="Follow-up: visit(s) at which the primary analysis is read, "
                                   "e.g. M6,M12 (default its planned visit)."),
    dropout: str = typer.Option("0", "--dropout",
                                help="Withdrawals per participant-year: 0, 0.1 or 0,0.1,0.2."),
    missed_visit: str = typer.Option("0", "--missed-visit",
                                     help="Probability that a follow-up visit is missed (grid)."),
    path: str = typer.Option("auto", "--path",
                             help="auto, arrays (derived variables from the simulator, then the "
                                  "method's statistics) or pipeline (each trial through "
                                  "validation, derivations and the registered method)."),
    chunk_size: int = typer.Option(None, "--chunk-size",
                                   help="Trials per task (default 200 on arrays, 5 on the "
                                        "pipeline)."),
    scheduler: str = SCHEDULER,
    workers: int = WORKERS,
    out: Path = typer.Option(None, "--out", "-o",
                             help="Write the table as CSV to this new file."),
    figure: Path = FIGURE,
    report: Path = REPORT,
    target: float = TARGET,
) -> None:
    """Power of the protocol's primary analysis in trials simulated from the calibrated model.

    Every cell of the grid simulates --sims whole trials and applies the
    plan's primary analysis with its own method; power is the share of trials
    with p <= alpha, with its Monte Carlo standard error. Ctrl-C stops the
    run, writes the finished cells and says how many are missing (exit 130).

    Example: t1dtrial power scenario --protocol lu2021 --n-per-arm 20:100:20 --sims 1000 --out power.csv
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from ..design.grid import parse_values
    from ..design.scenario import scenario_power
    from ..protocol import load_protocol
    from ..simulate import parse_arm_sizes
    from ._power_output import check_power_outputs, write_power_outputs

    if sims < 1:
        raise refuse("--sims", sims, "is not a number of trials", "a whole number >= 1")
    if chunk_size is not None and chunk_size < 1:
        raise refuse("--chunk-size", chunk_size, "is not a number of trials", "a whole number >= 1")
    check_run_options(target=target, workers=workers)
    check_power_outputs(out, figure, report)
    sizes = parse_values(n_per_arm, "--n-per-arm", integer=True, low=1, high=100_000)
    check_curve(figure, sizes)
    study = load_protocol(protocol)
    weights = parse_arm_sizes(allocation) if allocation else None
    if isinstance(weights, int):
        raise refuse("--allocation", allocation, "gives no arm", "ARM=WEIGHT pairs, e.g. "
                     "MSC=2,CONTROL=1")
    console = Console()
    columns = (TextColumn("simulated trials"), BarColumn(), MofNCompleteColumn(),
               TextColumn("cells"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("cells", total=None)
        run = scenario_power(
            study, sizes,
            sims=sims, seed=seed, alpha=alpha, allocation=weights,
            dose_factor=parse_values(dose_factor, "--dose-factor", low=1e-9, high=1000),
            visits=[v.strip() for v in visit.split(",") if v.strip()] if visit else None,
            dropout_per_year=parse_values(dropout, "--dropout", low=0, high=100),
            missed_visit_probability=parse_values(missed_visit, "--missed-visit", low=0, high=1),
            path=path, chunk_size=chunk_size, scheduler=scheduler, workers=workers,
            progress=lambda done, total: bar.update(task, completed=done, total=total))
    table = run.table
    first = table.iloc[0] if len(table) else None
    title = (f"Power of the primary analysis ({first['endpoint']}"
             f"{' at ' + first['visit'] if table['visit'].nunique() == 1 else ''}, "
             f"{first['method'].split(' ')[0]} on the {first['path']} path, alpha "
             f"{first['alpha']:g}, {first['sims']} simulated trials a cell, seed {run.seed})"
             if first is not None
             else "Power of the primary analysis")
    shown = Table(title=title, title_justify="left")
    varied = [name for name in ("dropout_per_year", "missed_visit_probability")
              if table[name].nunique() > 1 or (len(table) and table[name].iloc[0] != 0)]
    if table["dose_factor"].nunique() > 1 or (len(table) and table["dose_factor"].iloc[0] != 1):
        varied.insert(0, "dose_factor")
    if table["visit"].nunique() > 1:
        varied.insert(0, "visit")
    names = ["n_per_arm" if weights is None else "n_by_arm", *varied, "comparison", "power",
             "mc_se"]
    for name in names:
        shown.add_column(name.replace("_", " ").replace("mc se", "Monte Carlo SE"),
                         justify="left" if name in ("n_by_arm", "comparison") else "right")
    for row in table.head(_SHOWN).to_dict("records"):
        shown.add_row(*(f"{row[n]:.4f}" if n in ("power", "mc_se") else
                        f"{row[n]:g}" if n in varied and n != "visit" else str(row[n])
                        for n in names))
    console.print(shown)
    if len(table) > _SHOWN:
        console.print(f"... and {len(table) - _SHOWN} more rows" + (" in --out" if out else
                                                                    " (see --out)"))
    if len(table):
        what = (f"{run.cells - run.missing} of {run.cells} cells" if run.interrupted
                else f"{run.cells} cell" + ("s" if run.cells != 1 else ""))
        for written in write_power_outputs(
                table, out=out, figure=None, report=None, x="n_per_arm", title="") + \
                write_power_outputs(_for_reader(table), out=None, figure=figure, report=report,
                                    x="n_per_arm", target=target, protocol=study,
                                    title=f"Power of the next trial: {study.title}",
                                    subtitle="Trials simulated from the calibrated model, "
                                             "each analysed with the plan's primary method",
                                    assumptions=_assumptions(study, table, run.seed),
                                    notes=_NOTES):
            console.print(f"[green]written[/green] {written} ({what})")
    if run.interrupted:
        console.print(f"[yellow]interrupted[/yellow]: {run.missing} of {run.cells} cells missing"
                      + ("" if out is not None else "; the finished ones are shown above"))
        raise typer.Exit(INTERRUPTED)


_NOTES = (
    "Each simulated trial is a whole trial of the protocol drawn from t1dtrial's generative "
    "model (calibrated to the reference study's published results); its primary analysis is "
    "the plan's own method, and power is the share of trials with p at or below the level, "
    "with its Monte Carlo standard error. Trials whose primary analysis cannot be estimated "
    "count as not rejected.",
)


def _for_reader(table):
    """The columns of a scenario table a reader needs (the rest is in the CSV)."""
    keep = ["n_per_arm", "n_by_arm", "dose_factor", "dropout_per_year",
            "missed_visit_probability", "visit", "comparison", "alpha", "sims", "power", "mc_se"]
    return table[[c for c in keep if c in table]]


def _assumptions(study, table, seed: int) -> list[tuple[str, str]]:
    """The scenario's assumptions in words: protocol, endpoint, method and seed."""
    first = table.iloc[0]
    endpoint = next((e.label for e in study.all_endpoints if e.name == first["endpoint"]),
                    str(first["endpoint"]))
    return [("Protocol", f"{study.id}: {study.title}"),
            ("Primary endpoint", endpoint),
            ("Primary analysis", str(first["method"])),
            ("Model", "t1dtrial's calibrated generative model (t1dtrial calibrate)"),
            ("Seed", str(seed))]
