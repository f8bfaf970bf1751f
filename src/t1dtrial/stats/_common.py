"""Argument checks, estimability checks and result builders shared by the statistics modules.

Two kinds of failure, two exceptions:

- an argument is wrong (a type, a missing column, a bad ``conf_level``):
  :class:`t1dtrial.errors.ArgumentError` (an ``InputError``), built by
  :func:`fail` with the package's one message template
  (:mod:`t1dtrial._validation`: "The 'x' parameter of f must be ... Got ...
  instead.");
- the data do not allow the estimate (one outcome value, an empty group, too
  few values, no variation, a rank-deficient design, no convergence, a NaN or
  infinity inside a model): :class:`t1dtrial.errors.EstimationError`, built
  by :func:`not_estimable`, or translated from numpy's and scipy's numerical
  exceptions by :func:`numerical_trouble` where a model can meet them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from .. import _validation
from ..errors import EstimationError, InputError

RESULT_COLUMNS = ["estimate", "ci_low", "ci_high", "p_value", "method", "n"]


def fail(function: str, argument: str, value: Any, problem: str, expected: str) -> InputError:
    """Build the error of one wrong argument of a statistics function.

    Examples
    --------
    >>> print(fail("welch_t", "x", "a", "not numeric", "a sequence of numbers"))
    The 'x' parameter of welch_t must be a sequence of numbers. Got 'a' instead (not numeric).
    """
    return _validation.invalid_parameter(function, argument, expected, value, problem=problem)


def not_estimable(function: str, argument: str | None, value: Any, problem: str,
                  expected: str = "") -> EstimationError:
    """Build an EstimationError: the data given as ``argument`` cannot support the estimate."""
    return EstimationError(function, argument, value, problem, expected)


#: Text of the ValueError numpy and scipy raise on a NaN or infinity (``check_finite``).
_NONFINITE_MESSAGE = "must not contain infs or nans"


@contextmanager
def numerical_trouble(function: str, what: str = "the model") -> Iterator[None]:
    """Turn numerical failures met while fitting ``what`` into an :class:`EstimationError`.

    Translated: numpy's (and scipy's) ``LinAlgError`` (a singular or not
    positive definite matrix), ``FloatingPointError`` and the ``ValueError``
    "array must not contain infs or NaNs" of scipy's ``check_finite``. Any
    other exception passes unchanged (it is a fault, not the data's).

    Examples
    --------
    >>> try:
    ...     with numerical_trouble("demo", "the covariance"):
    ...         np.linalg.cholesky(np.zeros((2, 2)))
    ... except EstimationError as exc:
    ...     print(exc.problem)
    the covariance: a matrix is singular or not positive definite (Matrix is not positive definite)
    """
    try:
        yield
    except np.linalg.LinAlgError as exc:
        raise not_estimable(function, None, None,
                            f"{what}: a matrix is singular or not positive definite ({exc})",
                            "more subjects or values, or covariates that are not collinear"
                            ) from exc
    except FloatingPointError as exc:
        raise not_estimable(function, None, None,
                            f"{what}: a floating-point overflow or invalid operation ({exc})",
                            "less extreme values or more subjects") from exc
    except ValueError as exc:
        if isinstance(exc, InputError) or _NONFINITE_MESSAGE not in str(exc).lower():
            raise
        raise not_estimable(function, None, None,
                            f"{what}: a NaN or infinite value arose inside the computation",
                            "more subjects or values") from exc


def unwrapped(test: Callable[..., Any]) -> Callable[..., Any]:
    """A ``scipy.stats`` test without the layer that broadcasts its samples and handles NaN.

    Our samples are 1-D float arrays already freed of missing values
    (:func:`check_sample`), for which that layer (``_axis_nan_policy``) only
    costs time: a few hundred microseconds a call, many times the test
    itself on a trial's sample sizes. The function underneath
    (``__wrapped__``) is the same code and gives the same numbers; the test
    itself when scipy has no such layer.

    Examples
    --------
    >>> from scipy import stats
    >>> x = np.array([0.12, -0.05, 0.30, 0.08, 0.21])
    >>> float(unwrapped(stats.ttest_1samp)(x, 0.0).pvalue) == float(stats.ttest_1samp(x, 0.0).pvalue)
    True
    """
    return getattr(test, "__wrapped__", test)


def check_finite(function: str, what: str, *arrays: Any) -> None:
    """Raise an :class:`EstimationError` when a fitted quantity is NaN or infinite."""
    for values in arrays:
        if not np.all(np.isfinite(np.asarray(values, dtype=float))):
            raise not_estimable(function, None, None,
                                f"{what}: a NaN or infinite value arose inside the model",
                                "more subjects or values")


def check_conf_level(function: str, conf_level: float) -> float:
    """Return ``conf_level`` as a float strictly between 0 and 1 (:mod:`t1dtrial._validation`)."""
    return _validation.check_conf_level(function, conf_level)


def check_choice(function: str, argument: str, value: Any, choices: Sequence[Any]) -> Any:
    """Return ``value`` if it is one of ``choices`` (:mod:`t1dtrial._validation`)."""
    return _validation.check_one_of(function, argument, value, choices)


def check_counts(function: str, x1: Any, n1: Any, x2: Any, n2: Any) -> tuple[int, int, int, int]:
    """Check two binomial samples given as counts (events ``x`` out of ``n``)."""
    out = []
    for name, value in (("x1", x1), ("n1", n1), ("x2", x2), ("n2", n2)):
        try:
            as_float = float(value)
        except (TypeError, ValueError):
            raise fail(function, name, value, "not a count",
                       "a non-negative whole number") from None
        if not np.isfinite(as_float) or as_float < 0 or as_float != int(as_float):
            raise fail(function, name, value, "not a count", "a non-negative whole number")
        out.append(int(as_float))
    a, m, c, n = out
    if m == 0:
        raise not_estimable(function, "n1", n1, "empty group", "at least one subject in group 1")
    if n == 0:
        raise not_estimable(function, "n2", n2, "empty group", "at least one subject in group 2")
    if a > m:
        raise fail(function, "x1", x1, f"more events than subjects (n1 = {m})",
                   "0 <= x1 <= n1")
    if c > n:
        raise fail(function, "x2", x2, f"more events than subjects (n2 = {n})",
                   "0 <= x2 <= n2")
    return a, m, c, n


def check_sample(function: str, argument: str, values: Any, *, minimum: int = 1) -> np.ndarray:
    """Return a 1-D float array with missing values removed.

    Missing values (NaN, None) are dropped; the caller reports the number used
    in the ``n`` column. Infinite values are refused (an argument error); fewer
    than ``minimum`` values cannot support the estimate (an EstimationError).
    """
    try:
        if isinstance(values, np.ndarray) and values.dtype.kind == "f":  # already numbers
            arr = values.astype(float).ravel()
        else:
            arr = np.asarray(pd.to_numeric(pd.Series(np.asarray(values, dtype=object).ravel()),
                                           errors="raise"), dtype=float)
    except (TypeError, ValueError):
        raise fail(function, argument, _preview(values), "not numeric",
                   "a sequence of numbers (missing values allowed)") from None
    arr = arr[~np.isnan(arr)]
    if np.isinf(arr).any():
        raise fail(function, argument, _preview(values), "contains an infinite value",
                   "finite numbers")
    if arr.size < minimum:
        raise not_estimable(function, argument, _preview(values),
                            f"only {arr.size} non-missing value(s)" if arr.size
                            else "no non-missing value",
                            f"at least {minimum} non-missing values")
    return arr


def check_frame(function: str, data: Any, columns: Iterable[str]) -> pd.DataFrame:
    """Check that ``data`` is a DataFrame holding every column of ``columns``."""
    return _validation.check_frame(function, "data", data, columns)


def check_columns_arg(function: str, argument: str, value: Any) -> list[str]:
    """Return a list of column names from a string or a sequence of strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        names = list(value)
    except TypeError:
        raise fail(function, argument, value, "not a column list",
                   "a column name or a sequence of column names") from None
    if not all(isinstance(v, str) for v in names):
        raise fail(function, argument, value, "not a column list",
                   "column names as strings")
    return names


def two_levels(function: str, argument: str, values: pd.Series,
               reference: Any | None) -> tuple[Any, Any]:
    """Return ``(comparator, reference)`` levels of a two-level group column.

    The reference is ``reference`` when given, else the first level in sorted
    order; estimates are comparator minus (or over) reference. More than two
    levels is an argument error; fewer (a group without analysed rows) cannot
    support a comparison (an EstimationError).
    """
    levels = sorted(pd.unique(values.dropna()), key=str)
    if len(levels) < 2:
        raise not_estimable(function, argument, ", ".join(map(str, levels)),
                            f"only one group ({levels[0]}) among the analysed rows" if levels
                            else "no analysed rows (none has every value the analysis needs)",
                            "exactly two groups")
    if len(levels) > 2:
        raise fail(function, argument, ", ".join(map(str, levels)),
                   f"{len(levels)} distinct value(s)", "exactly two groups")
    if reference is None:
        return levels[1], levels[0]
    if reference not in levels:
        raise fail(function, "reference", reference, "not a level of the group column",
                   "one of " + ", ".join(map(repr, levels)))
    other = levels[1] if levels[0] == reference else levels[0]
    return other, reference


def group_levels(function: str, argument: str, values: pd.Series,
                 reference: Any | None) -> tuple[list[Any], Any]:
    """Return ``(comparators, reference)`` levels of a group column of two or more levels.

    As :func:`two_levels` but any number of groups: the comparators are the
    other levels in sorted order (each compared with the reference). Fewer
    than two levels cannot support a comparison (an EstimationError).

    Examples
    --------
    >>> group_levels("f", "group", pd.Series(["C", "LOW", "HIGH", "C"]), "C")
    (['HIGH', 'LOW'], 'C')
    """
    levels = sorted(pd.unique(values.dropna()), key=str)
    if len(levels) == 2:
        comparator, ref = two_levels(function, argument, values, reference)
        return [comparator], ref
    if len(levels) < 2:
        two_levels(function, argument, values, reference)  # raises, with the reason
    if reference is None:
        return levels[1:], levels[0]
    if reference not in levels:
        raise fail(function, "reference", reference, "not a level of the group column",
                   "one of " + ", ".join(map(repr, levels)))
    return [lev for lev in levels if lev != reference], reference


def is_factor(series: pd.Series) -> bool:
    """True for columns treated as categorical (text, category or boolean)."""
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def result_frame(rows: list[dict[str, Any]], extra: Sequence[str] = ()) -> pd.DataFrame:
    """Build a tidy result with the standard columns first, then ``extra``."""
    leading = [c for c in ("term", "group", "visit", "time", "subgroup", "test")
               if any(c in r for r in rows)]
    columns = leading + RESULT_COLUMNS + [c for c in extra if c not in leading]
    frame = pd.DataFrame(rows, columns=columns)  # a column no row has is NaN
    if "n" in frame.columns:
        frame["n"] = frame["n"].astype("Int64")
    return frame


def _preview(values: Any) -> str:
    text = repr(values)
    return text if len(text) <= 60 else text[:57] + "..."
