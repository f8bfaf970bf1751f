"""Each analysis of the plan runs on its own: what the data cannot support is a row, not a stop.

A statistics function raises :class:`~t1dtrial.errors.EstimationError` when
the data do not allow its estimate (one outcome value, too few subjects, no
convergence ...). Every analysis calls the statistics through :func:`attempt`
or :func:`estimate`, and the plan runs each of its steps through
:func:`guard`; a failure then becomes rows of the analysis' own table with
the same columns as estimated rows, every number NaN and ``method``
``"not estimable: <reason>"``. :func:`notes` reads those rows back from the
finished tables and says, for the reader's ``notes.txt``, which analyses were
not estimable and why. An argument error (:class:`~t1dtrial.errors.InputError`)
is never caught here: it is ours or the protocol's to fix.

Examples
--------
>>> from t1dtrial.stats import welch_t
>>> r = estimate(welch_t, [1.0, 2.0], [3.0])
>>> r.loc[0, "method"]
'not estimable: only 1 non-missing value(s); expected at least 2 non-missing values'
>>> notes({"secondary_endpoints": r.assign(visit="M12")})
['Not estimable in secondary_endpoints (visit M12): only 1 non-missing value(s);
  expected at least 2 non-missing values.']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import EstimationError

__all__ = ["PREFIX", "METHOD_COLUMNS", "method_text", "empty_arms", "is_not_estimable",
           "not_estimable_rows", "attempt", "estimate", "estimate_rows", "guard", "notes"]

#: How every "not estimable" method cell begins.
PREFIX = "not estimable: "

#: Columns of our tables that say how a row was computed.
METHOD_COLUMNS = ("method", "rd_method", "or_method", "test")

#: Columns that identify which analysis a row belongs to, in the order a note names them.
KEY_COLUMNS = ("endpoint", "param", "scale", "summary", "subgroup_variable", "subgroup", "arm",
               "category", "analysis", "comparison", "visit", "term", "statistic", "group")

_RESULT_COLUMNS = ["estimate", "ci_low", "ci_high", "p_value", "method", "n"]


def method_text(reason: str) -> str:
    """The ``method`` cell of a row that could not be estimated, for ``reason`` in words.

    Examples
    --------
    >>> method_text("an arm has no subject")
    'not estimable: an arm has no subject'
    """
    return PREFIX + reason


def empty_arms(sizes: Mapping[str, int], where: str) -> str | None:
    """The reason a comparison of arms cannot be made when an arm has no subject, else None.

    Examples
    --------
    >>> empty_arms({"MSC": 0, "CONTROL": 26}, "the per-protocol set")
    'no subject of arm MSC in the per-protocol set'
    >>> empty_arms({"MSC": 27, "CONTROL": 26}, "the safety set") is None
    True
    """
    empty = [arm for arm, size in sizes.items() if size == 0]
    return f"no subject of arm {', '.join(empty)} in {where}" if empty else None


def is_not_estimable(values: pd.Series) -> pd.Series:
    """Which cells of a method column mark a row that could not be estimated."""
    marked = values.astype(object).map(lambda v: isinstance(v, str) and v.startswith(PREFIX))
    return marked.astype(bool)


def not_estimable_rows(columns: Sequence[str], reason: str,
                       keys: Sequence[Mapping[str, Any]] = ({},)) -> pd.DataFrame:
    """Rows of a table that could not be estimated: one per ``keys`` entry.

    Every column is NaN except the identifying ``keys`` and the method
    columns (:data:`METHOD_COLUMNS`), which say ``"not estimable: <reason>"``.

    Examples
    --------
    >>> t = not_estimable_rows(["term", "estimate", "method"], "too few subjects",
    ...                        keys=[{"term": "BFCP"}, {"term": "CUMDOSE"}])
    >>> t["term"].tolist(), t["method"].unique().tolist()
    (['BFCP', 'CUMDOSE'], ['not estimable: too few subjects'])
    >>> bool(t["estimate"].isna().all())
    True
    """
    text = method_text(reason)
    rows = [{**{c: np.nan for c in columns}, **{c: text for c in METHOD_COLUMNS if c in columns},
             **dict(key)} for key in keys]
    names = list(dict.fromkeys([*columns, *(k for key in keys for k in key)]))
    return pd.DataFrame(rows, columns=names)


def attempt(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, str | None]:
    """Call ``fn``: ``(result, None)``, or ``(None, reason)`` when the data do not allow it."""
    try:
        return fn(*args, **kwargs), None
    except EstimationError as exc:
        return None, exc.reason


def estimate(fn: Callable[..., pd.DataFrame], *args: Any,
             keys: Sequence[Mapping[str, Any]] = ({},), **kwargs: Any) -> pd.DataFrame:
    """A statistics result, or its "not estimable" rows (``estimate ... n`` and ``keys``)."""
    result, reason = attempt(fn, *args, **kwargs)
    if reason is None:
        return result
    return not_estimable_rows(_RESULT_COLUMNS, reason, keys)


def estimate_rows(fn: Callable[..., dict[str, Any] | list[dict[str, Any]]], *args: Any,
                  **kwargs: Any) -> list[dict[str, Any]]:
    """As :func:`estimate` for a statistics function giving rows as dicts (``welch_t_row`` ...).

    Returns its rows (one dict made a list), or the one "not estimable" row:
    ``estimate ... n`` NaN and ``method`` saying why.

    Examples
    --------
    >>> from t1dtrial.stats.continuous import welch_t_row
    >>> estimate_rows(welch_t_row, [1.0, 2.0], [3.0])[0]["method"][:32]
    'not estimable: only 1 non-missin'
    """
    result, reason = attempt(fn, *args, **kwargs)
    if reason is None:
        return result if isinstance(result, list) else [result]
    return [{**{c: np.nan for c in _RESULT_COLUMNS}, "method": method_text(reason)}]


def guard(columns: Sequence[str], fn: Callable[..., Any], *args: Any, also: tuple = (),
          **kwargs: Any) -> Any:
    """Run one analysis of the plan; if an estimate escapes it, one row of its table says why.

    The analyses catch their own failures row by row; this is the last line,
    so that one analysis never stops the plan. For an analysis that returns
    more than its table (``(table, notes)``), ``also`` gives what stands for
    the rest when it fails (``also=([],)``).

    Examples
    --------
    >>> from t1dtrial.stats import one_sample_t
    >>> guard(["estimate", "method"], one_sample_t, [0.2, 0.2, 0.2]).method[0][:44]
    'not estimable: every value is the same (zero'
    """
    result, reason = attempt(fn, *args, **kwargs)
    if reason is None:
        return result
    rows = not_estimable_rows(columns, reason)
    return (rows, *also) if also else rows


def notes(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """One note per table and reason: which analyses were not estimable and why."""
    out = []
    for name, table in tables.items():
        methods = [c for c in METHOD_COLUMNS if c in table.columns]
        if table.empty or not methods:
            continue
        for reason, rows in _by_reason(table, methods).items():
            where = _describe(table.loc[rows])
            count = f"{len(rows)} rows" if len(rows) > 1 else ""
            label = ", ".join(p for p in (count, where) if p)
            out.append(f"Not estimable in {name}" + (f" ({label})" if label else "")
                       + f": {reason}.")
    return out


def _by_reason(table: pd.DataFrame, methods: list[str]) -> dict[str, list[Any]]:
    """Labels of the rows marked not estimable, by reason (of the first marked column)."""
    groups: dict[str, list[Any]] = {}
    for label, row in table[methods].iterrows():
        text = next((v for v in row if isinstance(v, str) and v.startswith(PREFIX)), None)
        if text is not None:
            groups.setdefault(text[len(PREFIX):], []).append(label)
    return groups


def _word(value: Any) -> str:
    """A key value as a reader writes it: numbers with ``:g`` (never a numpy repr)."""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def _describe(rows: pd.DataFrame, most: int = 5) -> str:
    """The identifying values of ``rows``: ``"endpoint remission; subgroup all, adult_onset"``."""
    parts = []
    for column in KEY_COLUMNS:
        if column not in rows.columns:
            continue
        values = [_word(v) for v in pd.unique(rows[column].dropna()) if str(v) != ""]
        if values:
            shown = ", ".join(values[:most]) + (f" and {len(values) - most} more"
                                                if len(values) > most else "")
            parts.append(f"{column} {shown}")
    return "; ".join(parts)
