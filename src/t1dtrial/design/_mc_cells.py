"""Design cells of the Monte Carlo engine: checked parameters, defaults filled in.

A cell is a plain dict (picklable, for worker processes) holding everything
a simulation of that design needs: the sample sizes, the data-generating
assumptions, the test, its level and alternative.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ._mc_simulate import CONTINUOUS_TESTS, MODEL_TESTS

__all__ = ["binary_cell", "continuous_cell"]

_ALTERNATIVES = ("two-sided", "greater")


def binary_cell(n1: int, n2: int, p1: float, p2: float, *, alpha: float = 0.05,
                test: str = "fisher", alternative: str = "two-sided",
                covariate_or: float | Sequence[float] = 1.0) -> dict[str, Any]:
    """A binary endpoint's cell (arguments as :func:`t1dtrial.design.montecarlo.mc_power_binary`).

    Examples
    --------
    >>> binary_cell(27, 26, 0.4, 0.08)["test"]
    'fisher'
    """
    from .exact import TESTS

    _check_common(n1, n2, alpha, alternative)
    for name, p in (("p1", p1), ("p2", p2)):
        if not 0.0 <= float(p) <= 1.0:
            raise ValueError(f"{name} must be a proportion in [0, 1], not {p!r}")
    cell: dict[str, Any] = {"n1": int(n1), "n2": int(n2), "p1": float(p1), "p2": float(p2),
                            "alpha": float(alpha), "test": test, "alternative": alternative}
    if test in MODEL_TESTS:
        ors = [float(v) for v in np.atleast_1d(covariate_or)]
        if not 0.0 < float(p1) < 1.0 or not 0.0 < float(p2) < 1.0 or min(ors) <= 0:
            raise ValueError("logistic needs p1, p2 strictly between 0 and 1 and positive "
                             f"covariate odds ratios, not {p1!r}, {p2!r}, {covariate_or!r}")
        cell["covariate_or"] = ors if len(ors) > 1 else ors[0]
    elif test not in TESTS:
        raise ValueError(f"test must be one of {', '.join(tuple(TESTS) + MODEL_TESTS)}, "
                         f"not {test!r}")
    return cell


def continuous_cell(n1: int, n2: int, *, delta: float, sd: float = 1.0, test: str = "welch",
                    correlation: float = 0.0, alpha: float = 0.05,
                    alternative: str = "two-sided") -> dict[str, Any]:
    """A normally distributed endpoint's cell (arguments as
    :func:`t1dtrial.design.montecarlo.mc_power_continuous`).

    Examples
    --------
    >>> continuous_cell(27, 26, delta=0.3, sd=0.5, test="ancova", correlation=0.6)["distribution"]
    'normal'
    """
    _check_common(n1, n2, alpha, alternative)
    if test not in CONTINUOUS_TESTS:
        raise ValueError(f"test must be one of {', '.join(CONTINUOUS_TESTS)}, not {test!r}")
    if not float(sd) > 0:
        raise ValueError(f"sd must be positive, not {sd!r}")
    if not -1.0 < float(correlation) < 1.0:
        raise ValueError(f"correlation must be in (-1, 1), not {correlation!r}")
    if test != "ancova" and float(correlation) != 0.0:
        raise ValueError("correlation is a baseline's, used by ancova only")
    if min(int(n1), int(n2)) < 2:
        raise ValueError(f"{test} needs at least 2 participants per arm, not {n1!r}, {n2!r}")
    return {"n1": int(n1), "n2": int(n2), "delta": float(delta), "sd": float(sd),
            "correlation": float(correlation), "distribution": "normal", "alpha": float(alpha),
            "test": test, "alternative": alternative}


def _check_common(n1: int, n2: int, alpha: float, alternative: str) -> None:
    if int(n1) != n1 or int(n2) != n2 or n1 < 1 or n2 < 1:
        raise ValueError(f"n1 and n2 must be whole numbers of at least 1, not {n1!r}, {n2!r}")
    if not 0.0 < float(alpha) < 1.0:
        raise ValueError(f"alpha must be in (0, 1), not {alpha!r}")
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative must be 'two-sided' or 'greater', not {alternative!r}")
