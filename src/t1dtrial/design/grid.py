"""Grids of design scenarios: parse ``20:100:10``-style values, compute power over every cell.

:func:`binary_power_grid` is ``t1dtrial power binary``: the exact power of
each test for every combination of ``n1, n2, p1, p2`` given, as one tidy table
with the columns of the design contract (``n1, n2, p1, p2, test, method,
sims, power, mc_se``, plus ``alpha`` and ``alternative``). Exact power has no
simulation error: ``sims`` is 0 and ``mc_se`` is 0.

Examples
--------
>>> parse_values("20:40:10", "--n1", integer=True)
[20, 30, 40]
>>> table = binary_power_grid([27], [26], [0.40], [0.08], tests=["fisher", "chisq_cc"])
>>> table[["n1", "n2", "test", "method", "power"]].round(4).to_string(index=False)
' n1  n2     test method  power\\n 27  26   fisher  exact 0.7310\\n 27  26 chisq_cc  exact 0.7263'
"""

from __future__ import annotations

import itertools
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from .exact import TESTS, exact_power

__all__ = ["parse_values", "design_pairs", "binary_power_grid", "GRID_COLUMNS"]

#: Columns of a power table, in order.
GRID_COLUMNS = ("n1", "n2", "p1", "p2", "test", "method", "sims", "power", "mc_se", "alpha",
                "alternative")


def parse_values(text: str, option: str, *, integer: bool = False,
                 low: float | None = None, high: float | None = None) -> list:
    """Values of a grid option: ``27``, a comma list ``20,30,40`` or a range ``start:stop:step``
    (``stop`` included when the steps reach it).

    Parameters
    ----------
    text : str
    option : str
        The option's name, for messages.
    integer : bool
        Whole numbers only (participants).
    low, high : float, optional
        Bounds every value must lie within (inclusive).

    Returns
    -------
    list of int or float

    Raises
    ------
    InputError
        Naming the option, the value and what would be right.

    Examples
    --------
    >>> parse_values("0.3,0.4", "--p1", low=0, high=1)
    [0.3, 0.4]
    """
    from ..errors import InputError, option_error

    def refuse(problem: str) -> InputError:
        what = "whole numbers" if integer else "numbers"
        return option_error(option, text, problem,
                            f"{what} as 27, 20,30,40 or start:stop:step"
                            + (f" within [{low:g}, {high:g}]"
                               if low is not None and high is not None else ""))

    values: list[float] = []
    try:
        for part in str(text).split(","):
            part = part.strip()
            if ":" in part:
                start, stop, *step = (float(v) for v in part.split(":"))
                if len(step) > 1 or (step and step[0] <= 0):
                    raise refuse("is not a range start:stop:step with a positive step")
                inc = step[0] if step else 1.0
                count = int(np.floor((stop - start) / inc + 1e-9)) + 1
                values += [round(start + i * inc, 12) for i in range(max(count, 0))]
            else:
                values.append(float(part))
    except ValueError:
        raise refuse("is not a number, a comma list or a range") from None
    if not values:
        raise refuse("holds no value")
    if integer and any(v != int(v) for v in values):
        raise refuse("holds a value that is not a whole number")
    if any((low is not None and v < low) or (high is not None and v > high) for v in values):
        raise refuse("holds a value out of range")
    return [int(v) for v in values] if integer else values


def design_pairs(n1: Sequence[int], n2: Sequence[int] | None) -> list[tuple[int, int]]:
    """The designs of a grid: ``(a, a)`` for each ``n1`` when ``n2`` is None, else every pair.

    Examples
    --------
    >>> design_pairs([20, 30], None), design_pairs([20], [10, 15])
    ([(20, 20), (30, 30)], [(20, 10), (20, 15)])
    """
    return [(a, a) for a in n1] if n2 is None else list(itertools.product(n1, n2))


def binary_power_grid(n1: Sequence[int], n2: Sequence[int] | None, p1: Sequence[float],
                      p2: Sequence[float], *, alpha: float = 0.05,
                      tests: Iterable[str] = ("fisher",), alternative: str = "two-sided",
                      progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Exact power of each test in every cell of the grid ``n1 x n2 x p1 x p2``.

    Parameters
    ----------
    n1, n2 : sequences of int
        Participants on treatment and control; ``n2`` None means ``n2 = n1``.
    p1, p2 : sequences of float
        True proportions of responders.
    alpha : float
    tests : iterable of str
        Among :data:`t1dtrial.design.exact.TESTS`.
    alternative : {"two-sided", "greater"}
    progress : callable, optional
        Called with (cells done, cells in all) after each cell.

    Returns
    -------
    DataFrame
        One row a cell and test, columns :data:`GRID_COLUMNS`. After Ctrl-C
        the finished cells, and ``attrs["interrupted"]`` and ``attrs["missing"]``
        say so.
    """
    tests = list(tests)
    unknown = [t for t in tests if t not in TESTS]
    if unknown:
        raise ValueError(f"unknown test(s) {', '.join(unknown)}; expected {', '.join(TESTS)}")
    pairs = design_pairs(n1, n2)
    cells = list(itertools.product(pairs, p1, p2, tests))
    rows = []
    interrupted = False
    try:
        for i, ((a, b), q1, q2, test) in enumerate(cells):
            rows.append((a, b, q1, q2, test, "exact", 0,
                         exact_power(a, b, q1, q2, alpha, test=test, alternative=alternative),  # type: ignore[arg-type]
                         0.0, alpha, alternative))
            if progress is not None:
                progress(i + 1, len(cells))
    except KeyboardInterrupt:  # Ctrl-C: the finished cells are kept
        interrupted = True
    table = pd.DataFrame(rows, columns=list(GRID_COLUMNS))
    table.attrs.update(cells=len(cells), missing=len(cells) - len(rows), interrupted=interrupted,
                       backend="this process")
    return table
