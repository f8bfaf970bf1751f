"""``t1dtrial power`` (module t1dtrial.design)."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import app
from ._power_output import (FIGURE, INTERRUPTED, REPORT, SCHEDULER, TARGET, WORKERS,
                            check_curve, check_run_options, refuse)

power_app = typer.Typer(help="Power and sample size for the next trial.", no_args_is_help=True)
app.add_typer(power_app, name="power")

#: Rows printed in the terminal; the whole grid is in --out.
_SHOWN = 30
#: Default simulated trials a cell and seed of ``--method mc``.
_SIMS = 10_000
_SEED = 20261127


@power_app.command("binary")
def binary(
    n1: str = typer.Option(..., "--n1", help="Participants on treatment: 27, 20,30,40 or 20:100:10."),
    n2: str = typer.Option(None, "--n2", help="Participants on control (default: as --n1, cell by cell)."),
    p1: str = typer.Option(..., "--p1", help="True proportion of responders on treatment (grid as --n1)."),
    p2: str = typer.Option(..., "--p2", help="True proportion of responders on control (grid as --n1)."),
    alpha: float = typer.Option(0.05, "--alpha", help="Level of the test."),
    test: str = typer.Option("fisher", "--test",
                             help="fisher, chisq, chisq_cc (Yates) or boschloo (Boschloo's "
                                  "exact unconditional test), or a comma list of them."),
    method: str = typer.Option("exact", "--method",
                               help="exact: enumeration over both binomial outcomes (no "
                                    "simulation error); mc: Monte Carlo, --sims simulated "
                                    "trials a cell, with its standard error (mc_se)."),
    sims: int = typer.Option(_SIMS, "--sims", help="Simulated trials a cell (--method mc)."),
    seed: int = typer.Option(_SEED, "--seed",
                             help="Seed of the simulation (--method mc); fixed by default, so a "
                                  "run repeats exactly."),
    alternative: str = typer.Option("two-sided", "--alternative",
                                    help="two-sided, or greater (treatment's proportion higher)."),
    scheduler: str = SCHEDULER,
    workers: int = WORKERS,
    out: Path = typer.Option(None, "--out", "-o",
                             help="Write the grid as CSV to this new file (n1, n2, p1, p2, test, "
                                  "method, sims, power, mc_se, alpha, alternative)."),
    figure: Path = FIGURE,
    report: Path = REPORT,
    target: float = TARGET,
) -> None:
    """Power of a comparison of two proportions (remission), exactly or by simulation, over a
    grid of designs.

    Example: t1dtrial power binary --n1 27 --n2 26 --p1 0.40 --p2 0.08 --test fisher,chisq_cc
    """
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from ..design.exact import TESTS
    from ..design.grid import binary_power_grid, parse_values
    from ._power_output import check_power_outputs

    tests = [t.strip() for t in test.split(",") if t.strip()]
    if not tests or any(t not in TESTS for t in tests):
        raise refuse("--test", test, "names a test without exact power here",
                     f"one or more of {', '.join(TESTS)}")
    if method not in ("exact", "mc"):
        raise refuse("--method", method, "is not a method", "exact or mc")
    if method == "mc" and not 1 <= sims <= 100_000_000:
        raise refuse("--sims", sims, "is not a number of simulated trials",
                     "a whole number from 1 to 100000000")
    if alternative not in ("two-sided", "greater"):
        raise refuse("--alternative", alternative, "is not an alternative", "two-sided or greater")
    if not 0 < alpha < 1:
        raise refuse("--alpha", alpha, "is not a level", "a number between 0 and 1")
    check_run_options(target=target, workers=workers)
    check_power_outputs(out, figure, report)
    grid = dict(n1=parse_values(n1, "--n1", integer=True, low=1, high=5000),
                n2=None if n2 is None else parse_values(n2, "--n2", integer=True, low=1, high=5000),
                p1=parse_values(p1, "--p1", low=0, high=1),
                p2=parse_values(p2, "--p2", low=0, high=1))
    check_curve(figure, grid["n1"])
    console = Console()
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("exact power" if method == "exact" else "simulated power", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if method == "exact":
            table = binary_power_grid(**grid, alpha=alpha, tests=tests, alternative=alternative,
                                      progress=progress)
        else:
            from ..design.montecarlo import mc_binary_power_grid

            table = mc_binary_power_grid(**grid, alpha=alpha, tests=tests,
                                         alternative=alternative, sims=sims, seed=seed,
                                         scheduler=scheduler, workers=workers,
                                         progress=progress)
    title = (f"Exact power, {alternative}, alpha {alpha:g}" if method == "exact" else
             f"Monte Carlo power ({sims} simulated trials a cell, seed {seed}), {alternative}, "
             f"alpha {alpha:g}")
    shown = Table(title=title, title_justify="left")
    columns = ("n1", "n2", "p1", "p2", "test", "power") + (("mc_se",) if method == "mc" else ())
    for name in columns:
        shown.add_column(name, justify="left" if name == "test" else "right")
    for row in table.head(_SHOWN).itertuples():
        shown.add_row(str(row.n1), str(row.n2), f"{row.p1:g}", f"{row.p2:g}", row.test,
                      f"{row.power:.4f}", *((f"{row.mc_se:.4f}",) if method == "mc" else ()))
    console.print(shown)
    _write(table, console, out=out, figure=figure, report=report, target=target,
           title="Power of a comparison of two proportions")


def _write(table, console, *, out: Path | None, figure: Path | None, report: Path | None,
           target: float, title: str) -> None:
    """Say how many rows were not printed; write the CSV, the power curve and the design
    report, each whole or not at all."""
    from ._power_output import write_power_outputs

    if len(table) > _SHOWN:
        console.print(f"... and {len(table) - _SHOWN} more rows" + (" in --out" if out else
                                                                    " (see --out)"))
    interrupted = bool(table.attrs.get("interrupted"))
    if not table.empty:
        for path in write_power_outputs(table, out=out, figure=figure, report=report, x="n1",
                                        title=title, target=target):
            console.print(f"[green]written[/green] {path}")
    if interrupted:
        console.print(f"[yellow]interrupted[/yellow]: {table.attrs['missing']} of "
                      f"{table.attrs['cells']} cells missing; the finished ones are shown "
                      + ("and written" if out or report else "above"))
        raise typer.Exit(INTERRUPTED)


@power_app.command("continuous")
def continuous(
    n1: str = typer.Option(..., "--n1", help="Participants on treatment: 27, 20,30,40 or 20:100:10."),
    n2: str = typer.Option(None, "--n2", help="Participants on control (default: as --n1, cell by cell)."),
    delta: str = typer.Option(..., "--delta",
                              help="True difference of means, treatment minus control (grid as "
                                   "--n1), in the outcome's units."),
    sd: str = typer.Option("1", "--sd", help="Standard deviation of the outcome in each arm."),
    test: str = typer.Option("welch", "--test",
                             help="welch, mann-whitney or ancova, or a comma list of them."),
    correlation: str = typer.Option("0", "--correlation",
                                    help="ancova: correlation of baseline and outcome within "
                                         "an arm (grid as --n1)."),
    alpha: float = typer.Option(0.05, "--alpha", help="Level of the test."),
    alternative: str = typer.Option("two-sided", "--alternative",
                                    help="two-sided, or greater (treatment's mean higher)."),
    sims: int = typer.Option(_SIMS, "--sims", help="Simulated trials a cell."),
    seed: int = typer.Option(_SEED, "--seed",
                             help="Seed of the simulation; fixed by default, so a run repeats "
                                  "exactly."),
    scheduler: str = SCHEDULER,
    workers: int = WORKERS,
    out: Path = typer.Option(None, "--out", "-o",
                             help="Write the grid as CSV to this new file (n1, n2, delta, sd, "
                                  "correlation, distribution, test, method, sims, power, mc_se, "
                                  "alpha, alternative)."),
    figure: Path = FIGURE,
    report: Path = REPORT,
    target: float = TARGET,
) -> None:
    """Power of a comparison of a normally distributed endpoint (e.g. C-peptide AUC), by
    simulation, over a grid of designs.

    Example: t1dtrial power continuous --n1 27 --n2 26 --delta 0.3 --sd 0.5 --test welch,ancova --correlation 0.6
    """
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from ..design._mc_simulate import CONTINUOUS_TESTS
    from ..design.grid import parse_values
    from ..design.montecarlo import mc_continuous_power_grid
    from ._power_output import check_power_outputs

    tests = [t.strip() for t in test.split(",") if t.strip()]
    if not tests or any(t not in CONTINUOUS_TESTS for t in tests):
        raise refuse("--test", test, "names an unknown test", f"one or more of "
                     f"{', '.join(CONTINUOUS_TESTS)}")
    if alternative not in ("two-sided", "greater"):
        raise refuse("--alternative", alternative, "is not an alternative", "two-sided or greater")
    if not 0 < alpha < 1:
        raise refuse("--alpha", alpha, "is not a level", "a number between 0 and 1")
    if not 1 <= sims <= 100_000_000:
        raise refuse("--sims", sims, "is not a number of simulated trials",
                     "a whole number from 1 to 100000000")
    check_run_options(target=target, workers=workers)
    check_power_outputs(out, figure, report)
    grid = dict(n1=parse_values(n1, "--n1", integer=True, low=2, high=5000),
                n2=None if n2 is None else parse_values(n2, "--n2", integer=True, low=2, high=5000),
                delta=parse_values(delta, "--delta"),
                sd=parse_values(sd, "--sd"),
                correlation=parse_values(correlation, "--correlation", low=-0.999, high=0.999))
    check_curve(figure, grid["n1"])
    if any(v <= 0 for v in grid["sd"]):
        raise refuse("--sd", sd, "holds a standard deviation that is not positive",
                     "positive numbers as 0.5, 0.4,0.5 or start:stop:step")
    console = Console()
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("simulated power", total=None)
        table = mc_continuous_power_grid(
            **grid, alpha=alpha, tests=tests, alternative=alternative, sims=sims, seed=seed,
            scheduler=scheduler, workers=workers,
            progress=lambda done, total: bar.update(task, completed=done, total=total))
    shown = Table(title=f"Monte Carlo power ({sims} simulated trials a cell, seed {seed}), "
                        f"normal outcome, {alternative}, alpha {alpha:g}", title_justify="left")
    for name in ("n1", "n2", "delta", "sd", "correlation", "test", "power", "mc_se"):
        shown.add_column(name, justify="left" if name == "test" else "right")
    for row in table.head(_SHOWN).itertuples():
        shown.add_row(str(row.n1), str(row.n2), f"{row.delta:g}", f"{row.sd:g}",
                      f"{row.correlation:g}" if row.test == "ancova" else "",
                      row.test, f"{row.power:.4f}", f"{row.mc_se:.4f}")
    console.print(shown)
    _write(table, console, out=out, figure=figure, report=report, target=target,
           title="Power of a comparison of a continuous endpoint")
