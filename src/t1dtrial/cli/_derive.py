"""``t1dtrial derive`` (module t1dtrial.derive)."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import AllowColumnOption, DropIdentifiersOption, OverwriteOption, ProtocolOption, app


@app.command("derive")
def derive(
    data: Path = typer.Argument(..., help="Data folder in the input contract (CSV files or an "
                                          "Excel workbook)."),
    protocol: ProtocolOption = "lu2021",
    out: Path = typer.Option(..., "--out", "-o",
                             help="Output folder: a new path or an empty folder (see --overwrite)."),
    data_cut: str = typer.Option(None, "--data-cut",
                                 help="Data cut date YYYY-MM-DD (ongoing insulin-free episodes are "
                                      "censored there). Default: the latest date in the data."),
    overwrite: OverwriteOption = False,
    drop_identifiers: DropIdentifiersOption = False,
    allow_column: AllowColumnOption = None,
    xpt: bool = typer.Option(False, "--xpt", help="Also write the submission set in "
                             "OUT/submission/: each dataset as SAS transport v5 (labels) and "
                             "CSV, and the define metadata (define.json + CSV)."),
) -> None:
    """Derive the ADaM datasets ADSL, ADLB, ADEFF, ADAE and ADTTE of a data folder.

    Writes adsl, adlb, adeff, adae and adtte as CSV and Parquet, derivation_log.csv
    (records read, selected, excluded and flagged, per rule, with reasons) and
    derivation_exclusions.csv (each input record left out, with its reason).
    The folder is written whole or not at all, with the marker .t1dtrial-output.json.

    Example: t1dtrial derive exports/ --protocol lu2021 --out derived/
    """
    import warnings

    from rich.console import Console
    from rich.table import Table

    from ..derive import derive_folder
    from ..errors import T1DTrialWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", T1DTrialWarning)
        derived = derive_folder(data, protocol, out, data_cut=data_cut, overwrite=overwrite,
                                drop_identifiers=drop_identifiers,
                                allow_columns=allow_column or (), xpt=xpt)
    console = Console(width=100)
    console.print(f"Derived datasets of {data} (protocol {derived.protocol_id}) written to {out}")
    table = Table()
    table.add_column("item")
    table.add_column("n", justify="right")
    for row in derived.summary().itertuples(index=False):
        table.add_row(str(row.item), str(row.n))
    console.print(table)
    cut = derived.data_cut
    typer.echo(f"data cut: {cut.date() if cut == cut else 'none'}; "
               f"log: {Path(out) / 'derivation_log.csv'}")
    for w in caught:
        if issubclass(w.category, T1DTrialWarning):
            typer.echo(f"warning: {w.message}", err=True)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
