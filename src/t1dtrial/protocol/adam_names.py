"""ADaM names of protocol items: PARAMCD of an endpoint, flag variable of a subgroup.

SAS transport v5 (and the ADaM IG) limit variable names and PARAMCD to 8
characters. An endpoint may say its code (``paramcd: REMISS``); otherwise
:func:`abbreviate` makes one from its name, deterministically:

- the name in capitals without underscores when that fits (``hba1c_low`` ->
  ``HBA1CLOW``);
- one word longer than 8: its first 6 characters (``remission`` -> ``REMISS``);
- several words: the first ``8 // words`` characters of each (at least one),
  cut to 8 (``dcct_responder`` -> ``DCCTRESP``,
  ``idaa1c_partial_remission`` -> ``IDPARE``).

A subgroup's flag is ``SG`` + the name abbreviated to 4 characters + ``FL``
(``adult_onset`` -> ``SGADONFL``, ``paediatric`` -> ``SGPAEDFL``), unless it says its own (``flag: SGADLTFL``).
``protocol check`` refuses a code longer than 8 characters, a duplicate, and
the reserved ``INSFREE`` (the insulin-free episodes), naming the endpoint.

Examples
--------
>>> abbreviate("remission"), abbreviate("dcct_responder"), abbreviate("insulin_independence")
('REMISS', 'DCCTRESP', 'INSUINDE')
>>> abbreviate("adult_onset", 4)
'ADON'
"""

from __future__ import annotations

from typing import Any, Iterable

__all__ = ["abbreviate", "paramcd_of", "subgroup_flag", "adam_name_problems", "RESERVED_PARAMCDS",
           "EPISODE_PARAMCD"]

#: PARAMCD of the insulin-free episodes (ADTTE), which no endpoint may take.
EPISODE_PARAMCD = "INSFREE"
#: PARAMCDs the derivations use themselves.
RESERVED_PARAMCDS: tuple[str, ...] = (EPISODE_PARAMCD,)


def abbreviate(name: str, width: int = 8) -> str:
    """A deterministic code of at most ``width`` capitals for a snake_case ``name``.

    Examples
    --------
    >>> abbreviate("idaa1c_partial_remission"), abbreviate("ttloss")
    ('IDPARE', 'TTLOSS')
    """
    words = [w for w in name.upper().split("_") if w]
    joined = "".join(words)
    if len(joined) <= width:
        return joined
    if len(words) == 1:
        return joined[:width - 2] if width > 6 else joined[:width]
    keep = max(1, width // len(words))
    return "".join(w[:keep] for w in words)[:width]


def subgroup_flag(name: str) -> str:
    """The default ADSL flag of a subgroup: ``SG`` + 4 characters + ``FL``.

    Examples
    --------
    >>> subgroup_flag("juvenile_onset")
    'SGJUONFL'
    """
    return f"SG{abbreviate(name, 4)}FL"


def adam_name_problems(endpoints: Iterable[tuple[str, Any]],
                       subgroups: Iterable[tuple[str, Any]]) -> list[tuple[str, str, str, str]]:
    """``(path, problem, expected, value)`` for too-long, duplicate or reserved ADaM names.

    Parameters
    ----------
    endpoints, subgroups : iterable of (path, item)
        Items with a ``paramcd`` (endpoints) or ``flag`` (subgroups) and a ``name``.

    Examples
    --------
    >>> from types import SimpleNamespace as N
    >>> eps = [("e[0]", N(name="a", paramcd="X")), ("e[1]", N(name="b", paramcd="X"))]
    >>> adam_name_problems(eps, [])[0][1]
    'endpoint b has the PARAMCD X of endpoint a'
    """
    out: list[tuple[str, str, str, str]] = []
    for attr, what, items in (("paramcd", "PARAMCD", endpoints), ("flag", "flag", subgroups)):
        seen: dict[str, str] = {}
        for path, item in items:
            code, name = getattr(item, attr, None), getattr(item, "name", None)
            if not isinstance(code, str) or not isinstance(name, str):
                continue
            kind = "endpoint" if attr == "paramcd" else "subgroup"
            if len(code) > 8:
                out.append((f"{path}.{attr}", f"the {what} of {kind} {name} has {len(code)} "
                            "characters (SAS transport v5 allows 8)",
                            "at most 8 capitals, digits or underscores", code))
            elif attr == "paramcd" and code in RESERVED_PARAMCDS:
                out.append((f"{path}.{attr}", f"{code} is the PARAMCD of the insulin-free "
                            f"episodes; endpoint {name} needs another", "another code", code))
            elif code in seen:
                out.append((f"{path}.{attr}", f"{kind} {name} has the {what} {code} of "
                            f"{kind} {seen[code]}", f"a {what} of its own", code))
            seen.setdefault(code, name)
    return out


def paramcd_of(endpoint: str, protocol: Any = None) -> str:
    """The PARAMCD of an endpoint named ``endpoint``: the protocol's, else the default rule.

    A name that is already a code (capitals, at most 8) is returned as is.

    Examples
    --------
    >>> paramcd_of("remission"), paramcd_of("REMISS")
    ('REMISS', 'REMISS')
    """
    for ep in getattr(protocol, "all_endpoints", None) or []:
        if ep.name == endpoint:
            return ep.paramcd
    if endpoint.isupper() and len(endpoint) <= 8 and "_" not in endpoint:
        return endpoint
    return abbreviate(endpoint)


def without_default_names(dumped: Any) -> Any:
    """A protocol's dump without the ``paramcd``/``flag`` its default rule gives.

    So that a protocol's hash (:func:`t1dtrial.protocol.protocol_hash`) is the
    same whether the file states the default codes or not, and as before they
    existed.

    Examples
    --------
    >>> without_default_names({"name": "remission", "paramcd": "REMISS", "label": "x"})
    {'name': 'remission', 'label': 'x'}
    """
    if isinstance(dumped, list):
        return [without_default_names(v) for v in dumped]
    if not isinstance(dumped, dict):
        return dumped
    name = dumped.get("name")
    drop = set()
    if isinstance(name, str):
        if dumped.get("paramcd") in (None, abbreviate(name)) and "paramcd" in dumped:
            drop.add("paramcd")
        if "where" in dumped and dumped.get("flag") in (None, subgroup_flag(name)) \
                and "flag" in dumped:
            drop.add("flag")
    return {k: without_default_names(v) for k, v in dumped.items() if k not in drop}
