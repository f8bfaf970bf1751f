"""The typer application object every command module registers on."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

#: Options several commands share, so that their spelling and help agree.
ProtocolOption = Annotated[str, typer.Option("--protocol", "-p",
                                             help="Packaged protocol name or YAML file.")]
FormatOption = Annotated[str, typer.Option("--format", help="auto, csv, xlsx, sdtm or redcap.")]
DropIdentifiersOption = Annotated[bool, typer.Option(
    "--drop-identifiers",
    help="Remove direct identifier columns (a name, birth date, phone number or e-mail "
         "address in the column name or its cells) instead of refusing the data.")]
AllowColumnOption = Annotated[Optional[list[str]], typer.Option(
    "--allow-column", metavar="NAME",
    help="Keep a column flagged as an identifier that identifies no one (repeatable; "
         "recorded in the load log and provenance).")]
OverwriteOption = Annotated[bool, typer.Option(
    "--overwrite",
    help="Replace a previous t1dtrial output folder of the same kind; a folder t1dtrial did not "
         "write is never replaced.")]

_INVOCATION: list[str] = []


def set_invocation(argv: list[str]) -> None:
    """Remember the command line being run (for provenance)."""
    _INVOCATION[:] = ["t1dtrial", *argv]


def invocation() -> list[str]:
    """The command line being run, as a list of words (``["t1dtrial", "analyze", ...]``)."""
    return list(_INVOCATION)


app = typer.Typer(
    name="t1dtrial",
    help=(
        "Run, analyse and simulate beta-cell preservation trials in type 1 diabetes.\n\n"
        "Example: t1dtrial demo"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

protocol_app = typer.Typer(help="Show and check protocol files.", no_args_is_help=True)
app.add_typer(protocol_app, name="protocol")


def _print_version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"t1dtrial {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit.",
                                 callback=_print_version, is_eager=True),
) -> None:
    """Run, analyse and simulate beta-cell preservation trials in type 1 diabetes."""
