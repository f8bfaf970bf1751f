"""Loading protocol files: packaged names or YAML paths, with located errors.

Examples
--------
>>> list_protocols()[:4]
['cai2016', 'carlsson2015', 'dosefinding', 'hu2013']
>>> p = load_protocol("lu2021")
>>> len(protocol_hash(p))
64
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import Problem, ProtocolError
from ._partial import partial_model
from .checks import protocol_problems
from .models import Protocol

__all__ = ["load_protocol", "list_protocols", "protocol_hash", "protocol_source", "check_protocol_file"]

_PACKAGE = "t1dtrial.protocol.protocols"


def list_protocols() -> list[str]:
    """Names of the protocols packaged with t1dtrial."""
    root = resources.files(_PACKAGE)
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml"))


def protocol_source(name_or_path: str | Path) -> tuple[str, str]:
    """Return ``(display name, YAML text)`` of a packaged name or a file path.

    Raises
    ------
    ProtocolError
        If it is neither a packaged protocol nor a readable file.
    """
    text_name = str(name_or_path)
    if text_name in list_protocols():
        res = resources.files(_PACKAGE) / f"{text_name}.yaml"
        return f"{text_name}.yaml", res.read_text(encoding="utf-8")
    path = Path(name_or_path)
    if not path.is_file():
        raise ProtocolError([Problem(
            file=text_name, row=None, column=None, value=None,
            problem="no such protocol file or packaged protocol",
            expected=f"a YAML file path or one of {', '.join(list_protocols())}")])
    try:
        return path.name, path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ProtocolError([Problem(file=path.name, row=None, column=None, value=None,
                                     problem="the file is not UTF-8 text",
                                     expected="a YAML file saved as UTF-8")]) from None


def load_protocol(name_or_path: str | Path | Protocol) -> Protocol:
    """Load and validate a protocol.

    Parameters
    ----------
    name_or_path : str, Path or Protocol
        A packaged name such as ``"lu2021"``, a YAML file path, or a Protocol
        (returned as it is).

    Returns
    -------
    Protocol

    Raises
    ------
    ProtocolError
        Listing every problem as ``file:line:field: value — problem``.
    """
    if isinstance(name_or_path, Protocol):
        return name_or_path
    file_name, text = protocol_source(name_or_path)
    protocol, problems = _parse(file_name, text)
    if problems:
        raise ProtocolError(problems)
    assert protocol is not None
    return protocol


def check_protocol_file(name_or_path: str | Path) -> list[Problem]:
    """Every problem of a protocol file (empty list when it is valid).

    Examples
    --------
    >>> check_protocol_file("lu2021")
    []
    """
    try:
        file_name, text = protocol_source(name_or_path)
    except ProtocolError as exc:
        return exc.problems
    return _parse(file_name, text)[1]


def protocol_hash(protocol: Protocol) -> str:
    """SHA-256 of the protocol's canonical JSON form (stable across YAML formatting).

    ADaM codes given by their default rule (``paramcd``, subgroup ``flag``) are
    left out, so that stating them does not change the hash.
    """
    from .adam_names import without_default_names

    canonical = json.dumps(without_default_names(protocol.model_dump(mode="json")),
                           sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


#: libyaml's loader when PyYAML was built with it (the same documents, several times faster).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(file_name: str, text: str) -> tuple[Protocol | None, list[Problem]]:
    try:
        data = yaml.load(text, Loader=_LOADER)
        cyclic = _holds_itself(data)
        lines = {} if cyclic else _line_index(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, [Problem(file=file_name, row=mark.line + 1 if mark else None, column=None,
                              value=None, problem=f"not valid YAML: {getattr(exc, 'problem', exc)}",
                              expected="a YAML mapping (key: value lines)")]
    if not isinstance(data, dict):
        return None, [Problem(file=file_name, row=None, column=None, value=None,
                              problem="the file does not hold a YAML mapping",
                              expected="keys such as id, title, arms, visits, endpoints")]
    if cyclic:
        return None, [Problem(file=file_name, row=None, column=None, value=None,
                              problem="a YAML alias (*name) refers to a value that contains it",
                              expected="anchors (&name) used only outside themselves")]
    try:
        protocol: Protocol | None = Protocol.model_validate(data)
        field_problems: list[Problem] = []
    except ValidationError as exc:
        field_problems = [_problem(file_name, err, lines) for err in exc.errors()]
        protocol = None
    # Cross-references are checked on what validated, so every problem comes in one pass.
    checked = protocol if protocol is not None else partial_model(Protocol, data)
    cross = [dataclasses.replace(p, file=file_name,
                                 row=_line_of(lines, _path_tuple(p.column or "")))
             for p in protocol_problems(checked, data)]  # type: ignore[arg-type]
    problems = sorted(field_problems + cross, key=lambda p: (p.row is None, p.row or 0))
    return (None if problems else protocol), problems


def _holds_itself(node: Any) -> bool:
    """Whether YAML anchors made ``node`` contain itself (a structure without end)."""
    done: set[int] = set()
    path: set[int] = set()

    def visit(value: Any) -> bool:
        if not isinstance(value, (dict, list)) or id(value) in done:
            return False
        if id(value) in path:
            return True
        path.add(id(value))
        found = any(visit(v) for v in (value.values() if isinstance(value, dict) else value))
        path.discard(id(value))
        done.add(id(value))
        return found

    return visit(node)


def _problem(file_name: str, err: dict[str, Any], lines: dict[tuple, int]) -> Problem:
    loc = tuple(err["loc"])
    path = _path_text(loc)
    msg = err["msg"].removeprefix("Value error, ")
    value = err.get("input") if err["type"] != "missing" else None
    if isinstance(value, (dict, list)):
        value = None
    expected = ""
    if err["type"] == "missing":
        msg = "required field is missing"
    elif err["type"] == "extra_forbidden":
        msg = "unknown field"
        expected = "a field of the protocol model (see `t1dtrial protocol show lu2021`)"
    elif err["type"] in ("literal_error", "union_tag_invalid"):
        expected = msg.removeprefix("Input should be ")
        msg = "value not allowed"
    if "; expected " in msg and not expected:
        msg, expected = msg.split("; expected ", 1)
    return Problem(file=file_name, row=_line_of(lines, loc), column=path or None,
                   value=value, problem=" ".join(msg.split()), expected=expected)


def _path_text(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _path_tuple(text: str) -> tuple:
    out: list[Any] = []
    for chunk in text.replace("]", "").split("."):
        name, *idx = chunk.split("[")
        if name:
            out.append(name)
        out.extend(int(i) for i in idx if i.isdigit())
    return tuple(out)


def _line_of(lines: dict[tuple, int], loc: tuple) -> int | None:
    for cut in range(len(loc), 0, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return None


def _line_index(text: str) -> dict[tuple, int]:
    """Map each YAML path to its 1-based line number."""
    index: dict[tuple, int] = {}
    root = yaml.compose(text, Loader=_LOADER)

    def walk(node: yaml.Node, path: tuple) -> None:
        index[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = path + (key.value,)
                index[sub] = key.start_mark.line + 1
                walk(value, sub)
                index[sub] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, path + (i,))

    if root is not None:
        walk(root, ())
    return index
