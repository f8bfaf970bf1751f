"""What happens to a column the identifier screening flagged: refused, dropped or released.

:mod:`t1dtrial.data.identifiers` says which columns hold direct identifiers;
this module applies the user's choice during validation (refuse by default,
``--drop-identifiers``, ``--allow-column NAME``), hides the values of refused
columns in every message, and guards the study store against a trial that
never went through a reader.

Examples
--------
>>> flag = IdentifierFlag("s.csv", "Name", "its name says it holds a person's name", row=1)
>>> print(_refusal(flag, None).problem)
direct identifier column (its name says it holds a person's name)
"""

from __future__ import annotations

import shlex
from dataclasses import replace
from typing import TYPE_CHECKING, Iterable, Mapping

import pandas as pd

from ..errors import InputError, Problem
from ._raw import SRC_PREFIX
from .contract import TABLES
from .identifiers import IdentifierFlag, screen_frame

if TYPE_CHECKING:  # pragma: no cover
    from ._raw import Collector, RawData
    from .log import LoadLog

__all__ = ["apply_screening", "mask_values", "refuse_identifiers"]


def _key(name: str) -> str:
    return str(name).strip().casefold()


def apply_screening(raw: "RawData", col: "Collector", log: "LoadLog", *, drop: bool = False,
                    allow: Iterable[str] = ()) -> list[IdentifierFlag]:
    """Refuse, drop or release what the readers flagged; return the flags still refused.

    Parameters
    ----------
    raw : RawData
        Tables and ``identifiers`` as the reader produced them; dropped
        columns are removed from its tables.
    col : Collector
        Receives an error per refused column, a warning per dropped or
        released one, and an error per ``allow`` name that matches no flag.
    log : LoadLog
        Gets ``identifiers_dropped`` and ``identifiers_allowed``.
    drop : bool
        Drop flagged columns instead of refusing them (a column t1dtrial
        needs cannot be dropped: it stays refused).
    allow : iterable of str
        Column names (as in the file, case ignored) released as false positives.

    Returns
    -------
    list of IdentifierFlag
        Flags refused (their cell values must not be shown: :func:`mask_values`).
    """
    allowed = {_key(a): a for a in allow}
    flagged = {_key(f.column) for f in raw.identifiers}
    for key, name in allowed.items():
        if key not in flagged:
            shown = sorted({f.column for f in raw.identifiers})
            col.add(Problem(file="--allow-column", row=None, column=None, value=name,
                            problem="no column of that name was flagged as an identifier",
                            expected="the name of a flagged column as written in the file ("
                                     + (f"flagged: {', '.join(shown)}" if shown else
                                        "none was flagged") + ")"))
    refused = []
    for flag in raw.identifiers:
        if _key(flag.column) in allowed:
            log.identifiers_allowed.append(flag.record())
            col.add(_problem(flag, "released by --allow-column; kept as an ordinary column "
                                   f"(flagged because {flag.why})", "", "warning"))
            continue
        needed = _drop(raw, flag) if drop else None
        if drop and needed is None:
            log.identifiers_dropped.append(flag.record())
            col.add(_problem(flag, f"identifier column dropped on request ({flag.why}); it is "
                                   "not kept", "", "warning"))
            continue
        refused.append(flag)
        col.add(_refusal(flag, needed))
    return refused


def _problem(flag: IdentifierFlag, problem: str, expected: str, severity: str) -> Problem:
    return Problem(file=flag.file, row=flag.row, column=flag.column, value=None, problem=problem,
                   expected=expected, severity=severity)  # type: ignore[arg-type]


def _refusal(flag: IdentifierFlag, needed: str | None) -> Problem:
    allow = f"--allow-column {shlex.quote(flag.column)}"
    if needed is not None:
        fix = ("the cells cleared of identifiers in the file" if flag.cells else
               "another column or field that holds no identifier")
        return _problem(flag, f"direct identifier column ({flag.why}); --drop-identifiers cannot "
                              f"drop it because t1dtrial needs it (it is read as {needed})",
                        f"{fix}, or {allow} if it identifies no one", "error")
    return _problem(flag, f"direct identifier column ({flag.why})",
                    f"the column removed from the file, --drop-identifiers (drop_identifiers=True) "
                    f"to drop it on reading, or {allow} if it identifies no one", "error")


def _drop(raw: "RawData", flag: IdentifierFlag) -> str | None:
    """Remove a flagged column from the tables it reached; the column t1dtrial reads it as when
    it cannot be removed."""
    for t in raw.tables.values():
        frame = t.frame
        from_file = flag.file in t.column_names or (
            "source_file" in frame.columns and frame["source_file"].eq(flag.file).any())
        if not from_file:
            continue
        used = [c for c, src in t.column_names.get(flag.file, {}).items() if src == flag.column]
        used += [c.removeprefix(SRC_PREFIX) for c in frame.columns
                 if str(c).startswith(SRC_PREFIX) and frame[c].eq(flag.column).any()]
        if flag.column in TABLES[t.name].columns:
            used.append(flag.column)
        if used:
            return used[0]
        if flag.column in frame.columns:
            t.frame = frame.drop(columns=[flag.column])
    return None


def mask_values(problems: Iterable[Problem], refused: Iterable[IdentifierFlag]) -> list[Problem]:
    """Problems with the values of refused columns hidden (an identifier is never printed).

    Examples
    --------
    >>> p = Problem("s.csv", 4, "arm", "a@b.org", "arm not in the protocol")
    >>> flag = IdentifierFlag("s.csv", "arm", "1 cell holds e-mail addresses, the first on row 4")
    >>> str(mask_values([p], [flag])[0])
    's.csv:4:arm: arm not in the protocol'
    """
    hidden = {(f.file, f.column) for f in refused}
    return [replace(p, value=None) if (p.file, p.column) in hidden and p.value is not None else p
            for p in problems]


def refuse_identifiers(tables: Mapping[str, pd.DataFrame], *, allowed: Iterable[str] = ()) -> None:
    """Raise :class:`InputError` when a table holds a flagged column that was not released.

    The study store's last guard: a trial built in memory
    (:meth:`t1dtrial.data.Trial.from_tables`) was never screened by a reader.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Tables of a trial (``source_row`` gives the rows named).
    allowed : iterable of str
        Column names released when the data were loaded (``identifiers_allowed``).

    Examples
    --------
    >>> refuse_identifiers({"subjects": pd.DataFrame({"subject_id": ["S01"], "note": ["ok"]})})
    >>> try:
    ...     refuse_identifiers({"subjects": pd.DataFrame({"subject_id": ["S01"], "Name": ["A"]})})
    ... except InputError as exc:
    ...     print(exc.problems[0].file, exc.problems[0].column, exc.problems[0].problem)
    subjects table Name direct identifier column (its name says it holds a person's name)
    """
    released = {_key(a) for a in allowed}
    flags = [f for name, frame in tables.items() for f in screen_frame(frame, f"{name} table")
             if _key(f.column) not in released]
    if flags:
        raise InputError([_problem(
            f, f"direct identifier column ({f.why})",
            "the column removed before the trial is stored, or the data loaded with "
            f"drop_identifiers=True or allow_columns=[{f.column!r}] if it identifies no one",
            "error") for f in flags])
