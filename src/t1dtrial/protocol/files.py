"""Protocol files as a whole: the packaged catalogue, checking a file, describing one.

Each function is what one ``t1dtrial protocol`` command prints, as one call
(the command line only parses arguments and prints).

Examples
--------
>>> packaged_protocols()["lu2021"][:36]
'One repeated transplantation of allo'
>>> validate_protocol_file("lu2021").primary_visit
'M12'
>>> describe_protocol_file("lu2021").splitlines()[0][:9]
'lu2021 — '
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ProtocolError
from .describe import describe_protocol
from .loading import check_protocol_file, list_protocols, load_protocol
from .models import Protocol

__all__ = ["packaged_protocols", "validate_protocol_file", "describe_protocol_file"]


def packaged_protocols() -> dict[str, str]:
    """The protocols packaged with t1dtrial: name -> title, by name.

    Returns
    -------
    dict of str to str
    """
    return {name: load_protocol(name).title for name in list_protocols()}


def validate_protocol_file(name_or_path: str | Path) -> Protocol:
    """Check a protocol file in one pass and return it loaded.

    Parameters
    ----------
    name_or_path : str or Path
        A YAML file, or a packaged protocol name.

    Returns
    -------
    Protocol

    Raises
    ------
    ProtocolError
        Carrying every problem knowable without data
        (:func:`~t1dtrial.protocol.check_protocol_file`), each located by file,
        line and field.
    """
    problems = check_protocol_file(name_or_path)
    if problems:
        raise ProtocolError(problems)
    return load_protocol(name_or_path)


def describe_protocol_file(name_or_path: str | Path | Protocol) -> str:
    """A protocol, read from a packaged name or a YAML file, described in plain text.

    See :func:`t1dtrial.protocol.describe.describe_protocol`.
    """
    return describe_protocol(load_protocol(name_or_path))
