"""``t1dtrial validate`` (module t1dtrial.data)."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import AllowColumnOption, DropIdentifiersOption, FormatOption, ProtocolOption, app


@app.command("validate")
def validate(
    data: Path = typer.Argument(..., help="Data folder (CSV files, an Excel workbook, SDTM "
                                          "domains or a REDCap export), or an .xlsx workbook."),
    protocol: ProtocolOption = "lu2021",
    format: FormatOption = "auto",
    drop_identifiers: DropIdentifiersOption = False,
    allow_column: AllowColumnOption = None,
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
        trial = load_folder(data, protocol, format=format, drop_identifiers=drop_identifiers,
                            allow_columns=allow_column or ())
    log = trial.load_log
    typer.echo(f"{data}: valid {log.format} data for protocol {trial.protocol.id} "
               f"({len(trial.subjects)} participants, {len(trial.measurements)} measurements)")
    typer.echo(log.describe())
