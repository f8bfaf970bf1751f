"""``t1dtrial validate`` (module t1dtrial.data)."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import app


@app.command("validate")
def validate(
    data: Path = typer.Argument(..., help="Data folder (CSV files, an Excel workbook, SDTM "
                                          "domains or a REDCap export), or an .xlsx workbook."),
    protocol: str = typer.Option("lu2021", "--protocol", "-p",
                                 help="Packaged protocol name or YAML file."),
    format: str = typer.Option("auto", "--format", help="auto, csv, xlsx, sdtm or redcap."),
    drop_identifiers: bool = typer.Option(
        False, "--drop-identifiers",
        help="Remove direct identifier columns (name, date_of_birth, phone...) instead of "
             "refusing the data."),
) -> None:
    """Check a data folder against the input contract and a protocol, without importing it.

    Prints the rows read and used per table, unit conversions, warnings and
    excluded rows, and exits with 0; or lists every problem as
    file:row:column: value — problem; expected ... and exits with 2.

    Example: t1dtrial validate exports/2021-06-30 --protocol lu2021
    """
    import warnings

    from ..data import load_folder
    from ..errors import InputWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)  # listed from the load log below
        trial = load_folder(data, protocol, format=format, drop_identifiers=drop_identifiers)
    log = trial.load_log
    typer.echo(f"{data}: valid {log.format} data for protocol {trial.protocol.id} "
               f"({len(trial.subjects)} participants, {len(trial.measurements)} measurements)")
    typer.echo(log.describe())
