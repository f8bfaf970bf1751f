"""Subgroups checked without data: columns, constants, and partitions proved on points.

A subgroup's ``where`` compares subject columns with constants. Between two
consecutive constants of a column every value behaves alike, so evaluating
the expressions on a few *representative points* decides them for every
possible participant: for a number column each constant, the midpoints
between constants and one value beyond each end; for a date column each
date and the day after it, and the day before the first; for a text column
each literal, the value just after it (for ``<``/``>``) and one other value.
The product over the columns an expression uses is then exact for any
expression built from comparisons of columns with constants (which is all
the expression grammar allows, save comparing two columns with each other:
such subgroups are not checked here).

On those points: a subgroup no participant can be in, two subgroups with the
same definition, and for subgroups sharing a ``partition`` name, overlaps
(with a witness: ``age_at_onset = 18 is in both ...``) and gaps (``... is in
none of ...``). Participants with a missing value are in no subgroup (the
analysis counts them apart), so they are not a gap.

Examples
--------
>>> from t1dtrial.protocol import Subgroup
>>> a = Subgroup(name="adult", label="a", where="age_at_onset >= 18", partition="onset")
>>> b = Subgroup(name="young", label="b", where="age_at_onset <= 18", partition="onset")
>>> [p.problem for p in subgroup_problems([(0, a), (1, b)])]
['age_at_onset = 18 is in both adult and young (partition onset)']
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from ..errors import Problem
from .expressions import Expression, ExpressionSyntaxError
from .vocabulary import SUBJECT_COLUMN_KINDS, SUBJECT_COLUMNS

__all__ = ["subgroup_problems", "representative_points", "MAX_POINTS"]

#: Largest number of representative points evaluated for one check (beyond it, not checked).
MAX_POINTS = 50_000

_OTHER = "\x00"  # a text value equal to no literal (and below every literal)
_AFTER = "\x00"  # appended to a literal: the next text value after it
_ORDER = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


@dataclass
class _Use:
    """The constants an expression compares each column with."""

    constants: dict[str, list[Any]] = field(default_factory=dict)
    ordered: set[str] = field(default_factory=set)  # columns compared with < <= > >=
    two_columns: bool = False  # compares a column with a column: points are not exact


def _uses(expr: Expression) -> _Use:
    use = _Use({name: [] for name in expr.names})
    for node in ast.walk(expr.tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for op, left, right in zip(node.ops, operands, operands[1:]):
            names = [x.id for x in (left, right) if isinstance(x, ast.Name)]
            values = [v for x in (left, right) for v in _literals(x)]
            if len(names) == 2:
                use.two_columns = True
            elif len(names) == 1:
                use.constants[names[0]].extend(values)
                if isinstance(op, _ORDER):
                    use.ordered.add(names[0])
    return use


def _literals(node: ast.AST) -> list[Any]:
    if isinstance(node, ast.Constant):
        return [node.value]
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return [-node.operand.value]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [v for elt in node.elts for v in _literals(elt)]
    return []


def _iso(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def _type_problem(column: str, value: Any) -> tuple[str, str] | None:
    """Why comparing ``column`` with the constant ``value`` cannot work (None when it can)."""
    kind = SUBJECT_COLUMN_KINDS.get(column, "text")
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "numeric" and not number:
        return (f"compares the number column {column} with {value!r}",
                f"a number without quotes, e.g. {column} >= 18")
    if kind == "date" and _iso(value) is None:
        return (f"compares the date column {column} with {value!r}",
                f"an ISO date in quotes, e.g. {column} >= '2020-01-01'")
    if kind == "text" and not isinstance(value, str):
        return (f"compares the text column {column} with {value!r}, which no text equals",
                f"text in quotes, e.g. {column} == 'F'")
    return None


def _candidates(column: str, constants: list[Any], ordered: bool,
                kinds: dict[str, str] | None = None) -> list[Any]:
    kind = (kinds or SUBJECT_COLUMN_KINDS).get(column, "text")
    if kind == "numeric":
        cuts = sorted({float(c) for c in constants} | ({0.0} if not constants else set()))
        mids = [(a + b) / 2 for a, b in zip(cuts, cuts[1:])]
        return sorted({cuts[0] - 1, cuts[-1] + 1, *cuts, *mids})
    if kind == "date":
        days = sorted({_iso(c) for c in constants} - {None}) or [dt.date(2000, 1, 1)]
        one = dt.timedelta(days=1)
        points = {days[0] - one, *days, *(d + one for d in days)}
        return [d.isoformat() for d in sorted(points)]
    texts = sorted({str(c) for c in constants})
    after = [t + _AFTER for t in texts] if ordered else []
    return [_OTHER, *sorted(set(texts) | set(after))]


def representative_points(expressions: list[Expression], kinds: dict[str, str] | None = None
                          ) -> list[dict[str, Any]] | None:
    """Points deciding the expressions for every participant (None when there are too many).

    ``kinds`` says which names hold numbers, dates or text (default: the
    columns of ``subjects.csv``).

    Examples
    --------
    >>> pts = representative_points([Expression.parse("age_at_onset >= 18")])
    >>> [p["age_at_onset"] for p in pts]
    [17.0, 18.0, 19.0]
    """
    uses = [_uses(e) for e in expressions]
    columns = sorted({c for u in uses for c in u.constants})
    axes = []
    for column in columns:
        constants = [v for u in uses for v in u.constants.get(column, [])]
        axes.append(_candidates(column, constants, any(column in u.ordered for u in uses),
                                kinds))
    size = 1
    for axis in axes:
        size *= len(axis)
    if size > MAX_POINTS:
        return None
    return [dict(zip(columns, values)) for values in itertools.product(*axes)]


def _show(point: dict[str, Any]) -> str:
    parts = []
    for column, value in point.items():
        if isinstance(value, float):
            parts.append(f"{column} = {value:g}")
        elif value == _OTHER:
            parts.append(f"{column} = another value")
        elif isinstance(value, str) and value.endswith(_AFTER):
            parts.append(f"{column} just after {value[:-1]!r}")
        else:
            parts.append(f"{column} = {value!r}" if SUBJECT_COLUMN_KINDS.get(column) != "date"
                         else f"{column} = {value}")
    return ", ".join(parts)


def _finding(path: str, problem: str, expected: str, value: Any = None) -> Problem:
    return Problem(file="", row=None, column=path, value=value, problem=problem, expected=expected)


def _column_problems(i: int, where: str, expr: Expression) -> list[Problem]:
    unknown = sorted(expr.names - set(SUBJECT_COLUMNS))
    if unknown:
        return [_finding(f"subgroups[{i}].where", f"unknown column(s) {unknown} in {where!r}",
                         f"columns of subjects.csv: {', '.join(SUBJECT_COLUMNS)}")]
    out = []
    for column, values in _uses(expr).constants.items():
        for value in values:
            found = _type_problem(column, value)
            if found:
                out.append(_finding(f"subgroups[{i}].where", found[0], found[1], where))
    return out


def subgroup_problems(subgroups: list[tuple[int, Any]]) -> list[Problem]:
    """Problems of the protocol's subgroups, given as ``(index, Subgroup)``.

    Unknown columns and constants of the wrong type first; then, for the
    subgroups that pass, what the representative points prove: a subgroup
    no participant can be in, two subgroups with the same definition,
    overlaps and gaps within a partition.
    """
    out: list[Problem] = []
    checked: list[tuple[int, Any, Expression]] = []
    unchecked: set[str] = set()  # partitions with a member that cannot be checked
    for i, sg in subgroups:
        try:
            expr = Expression.parse(sg.where) if isinstance(sg.where, str) else None
        except ExpressionSyntaxError:
            expr = None
        found = _column_problems(i, sg.where, expr) if expr is not None else []
        out += found
        if expr is not None and not found and not _uses(expr).two_columns and sg.name:
            checked.append((i, sg, expr))
        elif sg.partition:
            unchecked.add(sg.partition)
    out += _definition_problems(checked)
    out += _partition_problems([c for c in checked if c[1].partition not in unchecked])
    return out


def _truth(expr: Expression, points: list[dict[str, Any]]) -> list[bool]:
    return [expr.evaluate(point) for point in points]


def _definition_problems(checked: list[tuple[int, Any, Expression]]) -> list[Problem]:
    out, empty = [], set()
    for i, sg, expr in checked:
        points = representative_points([expr])
        if points is not None and not any(_truth(expr, points)):
            empty.add(sg.name)
            out.append(_finding(f"subgroups[{i}].where", f"no participant can be in {sg.name}: "
                                f"{sg.where!r} holds for no value", "a condition some "
                                "participants meet", sg.where))
    for (_, a, ea), (j, b, eb) in itertools.combinations(checked, 2):
        points = representative_points([ea, eb])
        if points is None or a.name in empty or b.name in empty:
            continue
        if _truth(ea, points) == _truth(eb, points):
            out.append(_finding(f"subgroups[{j}].where", f"{b.name} has the same definition as "
                                f"{a.name} ({a.where!r})", "each subgroup defined once",
                                b.where))
    return out


def _partition_problems(checked: list[tuple[int, Any, Expression]]) -> list[Problem]:
    out = []
    parts = sorted({sg.partition for _, sg, _ in checked if sg.partition})
    for name in parts:
        members = [(i, sg, e) for i, sg, e in checked if sg.partition == name]
        points = representative_points([e for _, _, e in members])
        if points is None:
            continue
        truth = {i: _truth(e, points) for i, _, e in members}
        for (i, a, _), (j, b, _) in itertools.combinations(members, 2):
            if truth[i] == truth[j]:
                continue  # reported as the same definition
            both = next((pt for pt, x, y in zip(points, truth[i], truth[j]) if x and y), None)
            if both is not None:
                out.append(_finding(f"subgroups[{j}].where", f"{_show(both)} is in both "
                                    f"{a.name} and {b.name} (partition {name})",
                                    "subgroups of one partition that do not overlap", b.where))
        none = next((pt for k, pt in enumerate(points)
                     if not any(t[k] for t in truth.values())), None)
        if none is not None:
            first = members[0][0]
            names = ", ".join(sg.name for _, sg, _ in members)
            out.append(_finding(f"subgroups[{first}].partition", f"{_show(none)} is in none of "
                                f"{names} (partition {name})", "subgroups of one partition "
                                "that together take in every participant", name))
    return out
