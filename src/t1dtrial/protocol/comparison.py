"""How an endpoint rule compares a value with its threshold.

A value within a relative 1e-9 of the threshold counts as equal to it, so a
rounded laboratory value that rises by exactly 10 % meets ">= 10 %" although
floating point makes ``(0.11 - 0.10) / 0.10`` 9.999999999999995. The
derivations and the simulator's truth use this one rule.

Examples
--------
>>> meets([9.999999999999995, 9.9, float("nan")], ">=", 10.0).tolist()
[1.0, 0.0, nan]
"""

from __future__ import annotations

import numpy as np

__all__ = ["RELATIVE_TOLERANCE", "meets"]

#: Values this close to a threshold (relative to max(1, |threshold|)) count as equal to it.
RELATIVE_TOLERANCE = 1e-9


def meets(values, comparison: str, threshold: float) -> np.ndarray:
    """Compare with a threshold, treating values within a relative 1e-9 as equal to it.

    Returns a float array: 1.0 met, 0.0 not met, NaN when the value is missing.
    """
    v = np.asarray(values, dtype="float64")
    tol = RELATIVE_TOLERANCE * max(1.0, abs(threshold))
    with np.errstate(invalid="ignore"):
        if comparison == ">=":
            out = v >= threshold - tol
        elif comparison == ">":
            out = v > threshold + tol
        elif comparison == "<=":
            out = v <= threshold + tol
        elif comparison == "<":
            out = v < threshold - tol
        else:
            raise ValueError(f"unknown comparison {comparison!r}; expected >=, >, <= or <")
    result = out.astype("float64")
    result[np.isnan(v)] = np.nan
    return result
