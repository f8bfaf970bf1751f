"""Eligibility criteria: the protocol's ``eligibility`` section and the names it may use.

A criterion is a ``name``, a ``label`` in words and a ``where`` expression
(:mod:`.expressions`) over the participant's facts at enrolment: the columns
of ``subjects.csv`` that exist before treatment, a few facts computed from
them, and the baseline value of each measured parameter.

========================== ======= ==========================================================
name                       kind    meaning
========================== ======= ==========================================================
``age``                    number  age at enrolment, years (age at onset + diabetes duration)
``age_at_onset``           number  age at diagnosis of diabetes, years
``diabetes_duration_years`` number years from diagnosis to enrolment (days / 365.25)
``diabetes_duration_days`` number  days from diagnosis to enrolment
``sex``                    text    ``"M"`` or ``"F"``
``weight_kg``              number  body weight at baseline, kg
``height_cm``              number  height, cm
``site``                   text    study site
``diagnosis_date``         date    ISO date, e.g. ``diagnosis_date >= '2020-01-01'``
``enrolment_date``         date    ISO date
``baseline_<PARAM>``       number  the value of a measured parameter at the baseline visit,
                                   in its canonical unit: ``baseline_FCP``, ``baseline_PCP``
                                   (nmol/L), ``baseline_HBA1C`` (%), ``baseline_INSULIN``
                                   (U/kg/day), ``baseline_WEIGHT`` (kg), ``baseline_FPG``,
                                   ``baseline_PPG`` (mmol/L), and ``baseline_CP<minute>``
                                   for each sampling minute of the meal test
========================== ======= ==========================================================

A participant whose criterion uses a value that is missing is *not
assessable* for it (neither met nor failed).

Examples
--------
>>> c = Criterion(name="age", label="aged 18-40 years", where="age >= 18 and age <= 40")
>>> sorted(c.expression.names)
['age']
>>> [p.problem for p in eligibility_problems(
...     [(0, Criterion(name="x", label="x", where="bmi < 30"))])]
["unknown name(s) ['bmi'] in 'bmi < 30'"]
"""

from __future__ import annotations

import ast
import datetime as dt
from typing import Any, Literal

from pydantic import Field

from ..errors import Problem
from ._base import _Model
from .expressions import Expression, ExpressionSyntaxError, ExpressionText
from .partitions import representative_points
from .units import scales_of
from .vocabulary import MEASURED_PARAMS

__all__ = ["Criterion", "eligibility_names", "eligibility_unit", "eligibility_problems",
           "BASELINE_PREFIX"]

#: Prefix of the baseline value of a measured parameter in an eligibility expression.
BASELINE_PREFIX = "baseline_"

Kind = Literal["numeric", "date", "text"]

#: Subject facts an eligibility expression may use (besides ``baseline_<PARAM>``).
_SUBJECT_NAMES: dict[str, tuple[Kind, str]] = {
    "age": ("numeric", "years"),
    "age_at_onset": ("numeric", "years"),
    "diabetes_duration_years": ("numeric", "years"),
    "diabetes_duration_days": ("numeric", "days"),
    "sex": ("text", ""),
    "weight_kg": ("numeric", "kg"),
    "height_cm": ("numeric", "cm"),
    "site": ("text", ""),
    "diagnosis_date": ("date", ""),
    "enrolment_date": ("date", ""),
}


class Criterion(_Model):
    """One eligibility criterion: ``name``, ``label`` in words and a ``where`` expression.

    The names the expression may use are those of :func:`eligibility_names`
    (see the module's table): ``age``, ``age_at_onset``,
    ``diabetes_duration_years``, ``diabetes_duration_days``, ``sex``,
    ``weight_kg``, ``height_cm``, ``site``, ``diagnosis_date``,
    ``enrolment_date`` and ``baseline_<PARAM>`` (e.g. ``baseline_FCP`` in
    nmol/L). A participant meets the criterion when the expression holds;
    when a value it uses is missing, the criterion is not assessable.

    Examples
    --------
    >>> Criterion(name="fcp", label="fasting C-peptide > 0.12 nmol/L",
    ...           where="baseline_FCP > 0.12").where
    'baseline_FCP > 0.12'
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1, description="The criterion in words, e.g. 'aged 18-40 years'.")
    where: ExpressionText = Field(description="Expression the participant must meet, e.g. 'age >= 18'.")

    @property
    def expression(self) -> Expression:
        """The parsed ``where`` expression."""
        return Expression.parse(self.where)


def eligibility_names(meal_minutes: tuple[int, ...] | list[int] = ()) -> dict[str, Kind]:
    """Every name an eligibility expression may use, with its kind.

    Parameters
    ----------
    meal_minutes : sequence of int
        The meal test's sampling minutes (``baseline_CP<minute>`` for each).

    Examples
    --------
    >>> names = eligibility_names((0, 120))
    >>> names["age"], names["baseline_FCP"], "baseline_CP120" in names
    ('numeric', 'numeric', True)
    """
    names: dict[str, Kind] = {k: kind for k, (kind, _) in _SUBJECT_NAMES.items()}
    for param in [*MEASURED_PARAMS, *(f"CP{m}" for m in meal_minutes)]:
        names[BASELINE_PREFIX + param] = "numeric"
    return names


def eligibility_unit(name: str) -> str:
    """The unit of an eligibility name ("" for text, dates and unknown names).

    Examples
    --------
    >>> eligibility_unit("age"), eligibility_unit("baseline_FCP"), eligibility_unit("sex")
    ('years', 'nmol/L', '')
    """
    if name in _SUBJECT_NAMES:
        return _SUBJECT_NAMES[name][1]
    if name.startswith(BASELINE_PREFIX):
        scales = scales_of(name[len(BASELINE_PREFIX):])
        return scales[0].unit if scales else ""
    return ""


def _constant_problem(name: str, kind: Kind, value: Any) -> tuple[str, str] | None:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "numeric" and not number:
        return (f"compares the number {name} with {value!r}",
                f"a number without quotes, e.g. {name} >= 18")
    if kind == "date":
        try:
            ok = isinstance(value, str) and dt.date.fromisoformat(value) is not None
        except ValueError:
            ok = False
        if not ok:
            return (f"compares the date {name} with {value!r}",
                    f"an ISO date in quotes, e.g. {name} >= '2020-01-01'")
    if kind == "text" and not isinstance(value, str):
        return (f"compares the text {name} with {value!r}, which no text equals",
                f"text in quotes, e.g. {name} == 'F'")
    return None


def _constants(expr: Expression) -> list[tuple[str, Any]]:
    """``(name, constant)`` for each comparison of a name with literals."""
    def literals(node: ast.AST) -> list[Any]:
        if isinstance(node, ast.Constant):
            return [node.value]
        if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
            return [-node.operand.value]
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return [v for elt in node.elts for v in literals(elt)]
        return []

    out = []
    for node in ast.walk(expr.tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for left, right in zip(operands, operands[1:]):
                names = [x.id for x in (left, right) if isinstance(x, ast.Name)]
                if len(names) == 1:
                    out += [(names[0], v) for x in (left, right) for v in literals(x)]
    return out


def _finding(path: str, problem: str, expected: str, value: Any = None) -> Problem:
    return Problem(file="", row=None, column=path, value=value, problem=problem, expected=expected)


def eligibility_problems(criteria: list[tuple[int, Any]],
                         meal_minutes: tuple[int, ...] = ()) -> list[Problem]:
    """Problems of the protocol's eligibility criteria, given as ``(index, Criterion)``.

    A name used twice, an unknown name in an expression (the message lists the
    known ones), a constant of the wrong kind (a number compared with text ...),
    a criterion that no value meets (``age >= 40 and age < 18``; decided on
    representative points, :func:`.partitions.representative_points`).

    Examples
    --------
    >>> c = Criterion(name="sex", label="women", where="sex == 1")
    >>> eligibility_problems([(0, c)])[0].problem
    'compares the text sex with 1, which no text equals'
    """
    known = eligibility_names(meal_minutes)
    out: list[Problem] = []
    names = [c.name for _, c in criteria if c.name]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        out.append(_finding("eligibility", f"criterion name {dup!r} used more than once",
                            "each criterion name once"))
    for i, criterion in criteria:
        try:
            expr = Expression.parse(criterion.where)
        except (ExpressionSyntaxError, TypeError):
            continue
        path = f"eligibility[{i}].where"
        unknown = sorted(expr.names - set(known))
        if unknown:
            out.append(_finding(path, f"unknown name(s) {unknown} in {criterion.where!r}",
                                f"names of the participant at enrolment: {', '.join(known)}",
                                criterion.where))
            continue
        found = [f for name, value in _constants(expr)
                 if (f := _constant_problem(name, known[name], value))]
        out += [_finding(path, f[0], f[1], criterion.where) for f in found]
        if not found and _never_met(expr, known):
            out.append(_finding(path, f"no participant can meet {criterion.name}: "
                                f"{criterion.where!r} holds for no value",
                                "a criterion some participants meet", criterion.where))
    return out


def _never_met(expr: Expression, kinds: dict[str, Kind]) -> bool:
    """Whether the expression holds for no value (decided on representative points)."""
    if any(len([n for n in (c.left, *c.comparators) if isinstance(n, ast.Name)]) > 1
           for c in _compares(expr)):
        return False  # two names compared with each other: points are not exact
    points = representative_points([expr], dict(kinds))
    return points is not None and not any(expr.evaluate(pt) for pt in points)


def _compares(expr: Expression) -> list[Any]:
    return [n for n in ast.walk(expr.tree) if isinstance(n, ast.Compare)]
