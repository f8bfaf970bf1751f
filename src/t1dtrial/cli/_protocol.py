"""``t1dtrial protocol show|check|list``."""

from __future__ import annotations

import typer

from ._app import protocol_app


@protocol_app.command("list")
def list_() -> None:
    """List the packaged protocols.

    Example: t1dtrial protocol list
    """
    from ..protocol import list_protocols, load_protocol

    for name in list_protocols():
        typer.echo(f"{name:<14} {load_protocol(name).title}")


@protocol_app.command("show")
def show(name: str = typer.Argument(..., help="A packaged protocol name or a YAML file.")) -> None:
    """Print a protocol readably, assumptions included.

    Example: t1dtrial protocol show lu2021
    """
    from ..protocol import load_protocol
    from ..protocol.describe import describe_protocol

    typer.echo(describe_protocol(load_protocol(name)))


@protocol_app.command("check")
def check(path: str = typer.Argument(..., help="A protocol YAML file.")) -> None:
    """Report, in one pass, every problem of a protocol file knowable without data (exit 2 if any).

    Example: t1dtrial protocol check my-trial.yaml
    """
    from ..errors import ProtocolError
    from ..protocol import check_protocol_file, load_protocol

    problems = check_protocol_file(path)
    if problems:
        raise ProtocolError(problems)
    p = load_protocol(path)
    typer.echo(f"{path}: valid protocol {p.id!r} ({len(p.arms)} arms, {len(p.visits)} visits, "
               f"{len(p.all_endpoints)} endpoints, {len(p.assumptions())} assumptions)")
