"""What every ``t1dtrial power`` command writes: the CSV, the power curve and the design report.

Each output is a new file (refused before any work when it exists), written
whole or not at all (:func:`t1dtrial.outputs.write_new_file`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import typer

from ..errors import option_error as refuse

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..protocol import Protocol

#: Exit code after Ctrl-C (128 + SIGINT), the finished cells written.
INTERRUPTED = 130

#: Suffixes of --figure.
FIGURE_SUFFIXES = (".svg", ".png")

# Options every power command shares (typer reads them as defaults).
FIGURE = typer.Option(None, "--figure",
                      help="Draw the curve (power, or assurance, against the number of "
                           "participants, one line a scenario) to this new .svg or .png file.")
REPORT = typer.Option(None, "--report",
                      help="Write the design report (assumptions in words, the curve, the "
                           "participants needed for --target, each design) to this new .html "
                           "file.")
TARGET = typer.Option(0.8, "--target",
                      help="Target power (assurance) of the curve and the sample sizes.")
SCHEDULER = typer.Option(None, "--scheduler",
                         help="Simulate on a Dask cluster: its scheduler tcp://HOST:PORT (pip "
                              "install 't1dtrial[dask]'); default: local processes. Same numbers "
                              "either way.")
WORKERS = typer.Option(None, "--workers", help="Local processes (default: one per CPU).")


def check_curve(figure: Path | None, sizes: Sequence[int]) -> None:
    """A curve needs more than one number of participants (refused before any work)."""
    if figure is not None and len(set(sizes)) < 2:
        raise refuse("--figure", figure, "a power curve needs more than one number of "
                     "participants", "a grid such as --n1 20:100:10")


def check_run_options(*, target: float, workers: int | None = None) -> None:
    """Refuse a target that is no probability, or a number of processes below one."""
    if not 0 < target < 1:
        raise refuse("--target", target, "is not a probability", "a number between 0 and 1")
    if workers is not None and workers < 1:
        raise refuse("--workers", workers, "is not a number of processes", "a whole number >= 1")


def check_power_outputs(out: Path | None, figure: Path | None, report: Path | None) -> None:
    """Refuse, before any work, an output file that exists or has the wrong suffix."""
    from ..outputs import check_new_file

    if out is not None:
        check_new_file(out, option="--out", suffixes=(".csv",))
    if figure is not None:
        check_new_file(figure, option="--figure", suffixes=FIGURE_SUFFIXES)
    if report is not None:
        check_new_file(report, option="--report", suffixes=(".html",))
    given = [p.expanduser().absolute() for p in (out, figure, report) if p is not None]
    if len(set(given)) < len(given):
        raise refuse("--out/--figure/--report", ", ".join(map(str, given)),
                     "name the same file twice", "a different file for each output")


def write_power_outputs(table: "pd.DataFrame", *, out: Path | None, figure: Path | None,
                        report: Path | None, x: str, title: str, subtitle: str = "",
                        target: float | None = 0.8,
                        assumptions: Sequence[tuple[str, str]] = (),
                        notes: Sequence[str] = (), protocol: "Protocol | None" = None,
                        measure: str = "power") -> list[Path]:
    """Write the power table (CSV), its power curve (SVG or PNG) and its design report (HTML).

    ``measure`` is the column the curve and the target are of (``power`` or
    ``assurance``); the CSV is written first, so an error drawing the curve
    never costs the numbers. A table of one number of participants (a run
    interrupted after its first size: :func:`check_curve` refuses it before any
    work otherwise) has no curve: ``figure`` is then not written.

    Returns
    -------
    list of Path
        The files written.
    """
    from ..outputs import write_new_file

    written = []
    if out is not None:
        written.append(write_new_file(out, table.to_csv(index=False).encode("utf-8"),
                                      option="--out"))
    curve = None  # drawn and exported once, for the figure and the report
    if figure is not None or report is not None:
        from ..report.design import power_figure
        from ..report.plotting import export

        drawn = power_figure(table, x=x, target=target, measure=measure)
        curve = export(drawn) if drawn is not None else None
    if figure is not None and curve is not None:
        svg, png = curve
        data = svg.encode("utf-8") if figure.suffix.lower() == ".svg" else png
        written.append(write_new_file(figure, data, option="--figure"))
    if report is not None:
        from ..report.design import render_power_report

        page = render_power_report(table, title=title, subtitle=subtitle, x=x, target=target,
                                   assumptions=assumptions, notes=notes, protocol=protocol,
                                   measure=measure, curve=curve)
        written.append(write_new_file(report, page.encode("utf-8"), option="--report"))
    return written
