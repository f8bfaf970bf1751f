"""``t1dtrial protocol show|check|list``."""

from __future__ import annotations

import typer

from ._app import protocol_app


@protocol_app.command("list")
def list_() -> None:
    """List the packaged protocols.

    Example: t1dtrial protocol list
    """
    from ..protocol.files import packaged_protocols

    for name, title in packaged_protocols().items():
        typer.echo(f"{name:<14} {title}")


@protocol_app.command("show")
def show(name: str = typer.Argument(..., help="A packaged protocol name or a YAML file.")) -> None:
    """Print a protocol readably, assumptions included.

    Example: t1dtrial protocol show lu2021
    """
    from ..protocol.files import describe_protocol_file

    typer.echo(describe_protocol_file(name))


@protocol_app.command("check")
def check(path: str = typer.Argument(..., help="A protocol YAML file.")) -> None:
    """Report, in one pass, every problem of a protocol file knowable without data (exit 2 if any).

    Example: t1dtrial protocol check my-trial.yaml
    """
    from ..protocol.files import validate_protocol_file

    p = validate_protocol_file(path)
    typer.echo(f"{path}: valid protocol {p.id!r} ({len(p.arms)} arms, {len(p.visits)} visits, "
               f"{len(p.all_endpoints)} endpoints, {len(p.assumptions())} assumptions)")
