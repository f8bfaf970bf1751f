"""``t1dtrial import`` and ``t1dtrial history`` (module t1dtrial.store)."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import AllowColumnOption, DropIdentifiersOption, FormatOption, ProtocolOption, app


@app.command("import")
def import_(
    data: Path = typer.Argument(..., help="Data folder (CSV files, an Excel workbook, SDTM or REDCap export)."),
    store: Path = typer.Option(..., "--store", help="DuckDB study database (created if absent)."),
    protocol: ProtocolOption = "lu2021",
    label: str = typer.Option(None, "--label", help="Text recorded in the import ledger."),
    format: FormatOption = "auto",
    drop_identifiers: DropIdentifiersOption = False,
    allow_column: AllowColumnOption = None,
) -> None:
    """Validate a data folder and append it to the study store as one import.

    A failed validation or an interrupted import leaves the store unchanged.

    Example: t1dtrial import exports/2021-06-30 --store study.duckdb --label "DSMB cut 1"
    """
    from ..store import import_folder

    rec = import_folder(data, store, protocol=protocol, label=label, format=format,
                        drop_identifiers=drop_identifiers, allow_columns=allow_column or ())
    loaded = ", ".join(f"{name} {n}" for name, n in rec.rows_loaded.items())
    typer.echo(f"import {rec.import_id} into {store}: {loaded} rows"
               + (f" ({rec.label})" if rec.label else ""))


@app.command("history")
def history_(
    store: Path = typer.Option(..., "--store", help="DuckDB study database."),
) -> None:
    """Print the import ledger of a study store.

    Example: t1dtrial history --store study.duckdb
    """
    from rich.console import Console
    from rich.table import Table

    from ..store import history

    ledger = history(store)
    table = Table(title=f"Imports in {store}")
    for col in ledger.columns:
        table.add_column(col.replace("_", " "), overflow="fold")
    for row in ledger.itertuples(index=False):
        table.add_row(*["" if v is None else str(v) for v in row])
    Console().print(table)
