"""``t1dtrial simulate`` and ``t1dtrial calibrate`` (module t1dtrial.simulate)."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import OverwriteOption, ProtocolOption, app


@app.command("simulate")
def simulate(
    out: Path = typer.Option(..., "--out", "-o",
                             help="Output folder: a new path or an empty folder (see --overwrite)."),
    protocol: ProtocolOption = "lu2021",
    seed: int = typer.Option(None, "--seed", help="Seed; the same seed gives byte-identical files."),
    n_per_arm: str = typer.Option(None, "--n-per-arm",
                                  help="Participants per arm: one number (30) or MSC=27,CONTROL=26. "
                                       "Default: the protocol's planned numbers."),
    adult_fraction: float = typer.Option(None, "--adult-fraction",
                                         help="Probability of adult onset (>= 18 y). Default 33/53."),
    dropout: float = typer.Option(None, "--dropout", help="Dropout rate per year (default 0)."),
    missed_visit: float = typer.Option(None, "--missed-visit",
                                       help="Probability a follow-up visit is missed (default 0)."),
    messy: bool = typer.Option(False, "--messy",
                               help="Inject realistic export faults and list them in faults.csv."),
    match_published: bool = typer.Option(False, "--match-published",
                                         help="Use the first seed from --seed upward that reproduces "
                                              "the published counts (the packaged twin)."),
    overwrite: OverwriteOption = False,
) -> None:
    """Simulate a trial of a protocol and write a data folder (SYNTHETIC data).

    Writes subjects.csv, measurements.csv, infusions.csv, adverse_events.csv,
    insulin_free.csv (the input contract), truth.csv (what the simulator knows
    of each participant), simulation.json (seed and parameters) and, with
    --messy, faults.csv; the folder is written whole or not at all, with the
    marker .t1dtrial-output.json.

    Example: t1dtrial simulate --protocol lu2021 --seed 7 --out trial7
    """
    import pandas as pd

    from ..protocol.kinds import outcome
    from ..simulate import simulate_to_folder

    sim = simulate_to_folder(out, protocol, seed=seed, n_per_arm=n_per_arm,
                             adult_fraction=adult_fraction, dropout_per_year=dropout,
                             missed_visit_probability=missed_visit, messy=messy,
                             match_published=match_published, overwrite=overwrite)
    truth = sim.truth
    typer.echo(f"SYNTHETIC trial of protocol {sim.protocol.id} (seed {sim.seed}) written to {out}")
    primary = sim.protocol.primary_endpoint
    shape = outcome(primary)
    for arm, grp in truth.groupby("arm", sort=False):
        values = pd.to_numeric(grp["remission_noisy"], errors="coerce")
        if shape == "responder":
            said = f"{primary.name} {int((values == 1).sum())}/{len(grp)}"
        elif shape == "continuous":
            said = f"{primary.name} mean {values.mean():.3g}"
        else:  # time to event: the event day, blank when censored
            said = f"{primary.name} events {int(values.notna().sum())}/{len(grp)}"
        typer.echo(f"  {arm:<10} n={len(grp):<4} {said}  "
                   f"insulin-free {int(grp['insulin_free'].sum())}  "
                   f"adult onset {(grp['onset_group'] == 'adult').sum()}")
    if sim.faults is not None:
        counts = sim.faults["fault"].value_counts(sort=False)
        typer.echo("  faults injected (faults.csv): "
                   + ", ".join(f"{k} {v}" for k, v in counts.items()))


@app.command("calibrate")
def calibrate(
    protocol: ProtocolOption = "lu2021",
    n_trials: int = typer.Option(2000, "--n-trials", help="Number of simulated trials."),
    seed: int = typer.Option(None, "--seed", help="Seed; the same seed gives the same table."),
    parameters: bool = typer.Option(True, "--parameters/--no-parameters",
                                    help="Also print every model parameter with unit and source."),
) -> None:
    """Simulate many trials and print each published target beside its value under the model.

    Example: t1dtrial calibrate --n-trials 2000 --seed 1
    """
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from ..simulate import calibrate as run

    import sys

    console = Console() if sys.stdout.isatty() else Console(width=150)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("simulating trials", total=n_trials)
        res = run(protocol, n_trials=n_trials, seed=seed,
                  progress=lambda done, total: bar.update(task, completed=done))
    if parameters:
        table = Table(title="Model parameters (SYNTHETIC-data generator)")
        for col in ("name", "value", "unit", "source"):
            table.add_column(col, overflow="fold")
        for row in res.params.table().itertuples(index=False):
            table.add_row(row.name, f"{row.value:g}", row.unit, row.source)
        console.print(table)
    table = Table(title=f"Calibration targets: {res.n_trials} simulated trials, seed {res.seed}")
    for col in ("target", "published", "expected", "sd", "5%-95%", "criterion", "ok",
                "P(as published)"):
        table.add_column(col, overflow="fold")
    for r in res.summary.itertuples(index=False):
        table.add_row(r.target, r.published, f"{r.expected:.3f}", f"{r.sd:.3f}",
                      f"{r.q05:.3g} - {r.q95:.3g}", r.criterion, "yes" if r.within else "NO",
                      "" if r.probability != r.probability else f"{r.probability:.2f}")
    console.print(table)
    console.print("statistics: " + "; ".join(f"{r.target}: {r.statistic}"
                                              for r in res.summary.itertuples(index=False)))
