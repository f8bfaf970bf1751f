"""Safe boolean expressions over subject columns (subgroups, conditions).

A protocol writes a subgroup as ``age_at_onset >= 18`` or
``sex == "F" and age_at_onset < 18``. The expression is parsed with
:mod:`ast` and only comparisons, ``and``/``or``/``not``, ``in`` with a
literal list, names and literals are allowed: nothing is executed.

Missing values compare as false (a subject whose age at onset is missing is
in neither ``age_at_onset >= 18`` nor ``age_at_onset < 18``); callers count
such subjects.

Examples
--------
>>> import pandas as pd
>>> expr = Expression.parse("age_at_onset >= 18 and sex in ['M', 'F']")
>>> sorted(expr.names)
['age_at_onset', 'sex']
>>> df = pd.DataFrame({"age_at_onset": [12, 25, None], "sex": ["M", "F", "F"]})
>>> expr.evaluate(df).tolist()
[False, True, False]
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from pydantic import AfterValidator

__all__ = ["Expression", "ExpressionSyntaxError", "ExpressionText", "checked_expression"]


class ExpressionSyntaxError(ValueError):
    """The text is not an allowed expression."""


_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


@dataclass(frozen=True)
class Expression:
    """A parsed boolean expression.

    Use :meth:`parse` to build one; :attr:`names` lists the columns it uses.
    """

    text: str
    tree: ast.Expression

    @classmethod
    def parse(cls, text: str) -> "Expression":
        """Parse and check ``text``.

        Raises
        ------
        ExpressionSyntaxError
            If the text is not valid or uses anything but comparisons,
            ``and``/``or``/``not``, ``in``/``not in`` a literal list, names and
            literals.
        """
        if not isinstance(text, str) or not text.strip():
            raise ExpressionSyntaxError("an expression must be non-empty text")
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise ExpressionSyntaxError(f"cannot parse {text!r}: {exc.msg}") from None
        _check(tree.body, text)
        return cls(text=text.strip(), tree=tree)

    @property
    def names(self) -> frozenset[str]:
        """Column names the expression refers to."""
        return frozenset(n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name))

    def evaluate(self, data: Any) -> Any:
        """Evaluate on a DataFrame (returns a boolean Series) or a mapping of scalars.

        Missing values make their comparison false.
        """
        result = _eval(self.tree.body, data)
        if hasattr(result, "fillna"):
            return result.fillna(False).astype(bool)
        return bool(result) if result is not None else False

    def __str__(self) -> str:
        return self.text


def _check(node: ast.AST, text: str) -> None:
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value, text)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check(node.operand, text)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        if not isinstance(node.operand, ast.Constant):
            raise ExpressionSyntaxError(f"in {text!r}: '-' is allowed only before a number")
    elif isinstance(node, ast.Compare):
        for part in [node.left, *node.comparators]:
            _check_operand(part, text)
        for op, right in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)):
                if not isinstance(right, (ast.List, ast.Tuple, ast.Set)):
                    raise ExpressionSyntaxError(
                        f"in {text!r}: 'in' must be followed by a list such as ['M', 'F']")
            elif type(op) not in _COMPARE:
                raise ExpressionSyntaxError(f"in {text!r}: operator not allowed")
    elif isinstance(node, ast.Name):
        return  # a boolean column
    else:
        raise ExpressionSyntaxError(
            f"in {text!r}: only comparisons (==, !=, <, <=, >, >=, in), 'and', 'or', "
            "'not', column names and literals are allowed")


def _check_operand(node: ast.AST, text: str) -> None:
    if isinstance(node, (ast.Name, ast.Constant)):
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(
            node.operand, ast.Constant):
        return
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for elt in node.elts:
            if not isinstance(elt, ast.Constant):
                raise ExpressionSyntaxError(f"in {text!r}: lists may hold only literals")
        return
    raise ExpressionSyntaxError(
        f"in {text!r}: a comparison compares a column with a literal, e.g. age_at_onset >= 18")


def _eval(node: ast.AST, data: Any) -> Any:
    if isinstance(node, ast.BoolOp):
        values = [_as_bool(_eval(v, data)) for v in node.values]
        out = values[0]
        for v in values[1:]:
            out = (out & v) if isinstance(node.op, ast.And) else (out | v)
        return out
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ~_as_bool(_eval(node.operand, data)) if hasattr(data, "columns") else (
            not _eval(node.operand, data))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -node.operand.value  # type: ignore[attr-defined]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [elt.value for elt in node.elts]  # type: ignore[attr-defined]
    if isinstance(node, ast.Name):
        return data[node.id]
    if isinstance(node, ast.Compare):
        left = _eval(node.left, data)
        result = None
        for op, comp in zip(node.ops, node.comparators):
            right = _eval(comp, data)
            part = _compare(op, left, right)
            result = part if result is None else (result & part)
            left = right
        return result
    raise ExpressionSyntaxError("unexpected node")  # pragma: no cover - _check forbids it


def _compare(op: ast.cmpop, left: Any, right: Any) -> Any:
    if isinstance(op, (ast.In, ast.NotIn)):
        if hasattr(left, "isin"):
            out = left.isin(right) & left.notna()
            return ~out & left.notna() if isinstance(op, ast.NotIn) else out
        inside = left in right
        return not inside if isinstance(op, ast.NotIn) else inside
    fn = _COMPARE[type(op)]
    if hasattr(left, "notna") or hasattr(right, "notna"):
        mask = np.ones(len(left if hasattr(left, "notna") else right), dtype=bool)
        for side in (left, right):
            if hasattr(side, "notna"):
                mask &= side.notna().to_numpy()
        with np.errstate(invalid="ignore"):
            out = fn(left, right)
        return out & mask
    if left is None or right is None:
        return False
    return fn(left, right)


def _as_bool(value: Any) -> Any:
    if hasattr(value, "fillna"):
        return value.fillna(False).astype(bool)
    return bool(value)


def checked_expression(text: str) -> str:
    """``text`` when it parses as an :class:`Expression`; else ``ValueError`` with the reason.

    The one validator of every expression field of a protocol (subgroups'
    and populations' ``where``, eligibility criteria, infusion conditions).

    Examples
    --------
    >>> checked_expression("age >= 18")
    'age >= 18'
    """
    try:
        Expression.parse(text)
    except ExpressionSyntaxError as exc:
        raise ValueError(str(exc)) from None
    return text


#: A protocol field holding an expression, checked when the protocol is read.
ExpressionText = Annotated[str, AfterValidator(checked_expression)]
