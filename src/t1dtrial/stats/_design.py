"""Model matrices for covariates: numeric columns as they are, factors as dummies.

A :class:`DesignBuilder` also gives the emmeans-style reference-grid row used
for least-squares means: numeric columns at their means, each factor's dummy
columns at ``1 / k`` (its ``k`` levels weighted equally). It reads a frame's
columns, or the same columns already taken out as arrays by
:func:`model_arrays` (a caller fitting many models on one frame takes them
out once).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ._common import is_factor


def model_arrays(frame: pd.DataFrame, columns: Sequence[str]) -> dict[str, np.ndarray]:
    """Each column as a model reads it: numbers as float (NaN when missing), factors as objects.

    A factor is a text, category or boolean column (:func:`is_factor`).

    Examples
    --------
    >>> d = pd.DataFrame({"age": [10, 20], "sex": ["F", "M"]})
    >>> {k: v.dtype.kind for k, v in model_arrays(d, ["age", "sex"]).items()}
    {'age': 'f', 'sex': 'O'}
    """
    out = {}
    for col in columns:
        series = frame[col]
        out[col] = (series.to_numpy(dtype=object) if is_factor(series)
                    else series.to_numpy(dtype=float, na_value=np.nan))
    return out


def complete_cases(*arrays: np.ndarray) -> np.ndarray:
    """Rows where no array has a missing value (NaN, None or NA), as a boolean mask.

    Examples
    --------
    >>> complete_cases(np.array([1.0, np.nan, 3.0]), np.array(["a", "b", None], dtype=object))
    array([ True, False, False])
    """
    keep = np.ones(len(arrays[0]), dtype=bool)
    for values in arrays:
        keep &= ~(np.isnan(values) if values.dtype.kind == "f" else pd.isna(values))
    return keep


class DesignBuilder:
    """Columns of a model matrix for ``columns`` of ``frame`` (treatment coding).

    Examples
    --------
    >>> d = pd.DataFrame({"age": [10.0, 20.0, 30.0], "sex": ["F", "M", "M"]})
    >>> b = DesignBuilder(d, ["age", "sex"])
    >>> b.names
    ['age', 'sex[M]']
    >>> b.grid_row().tolist()
    [20.0, 0.5]
    >>> DesignBuilder.from_arrays(model_arrays(d, ["age", "sex"]), 3).names
    ['age', 'sex[M]']
    """

    def __init__(self, frame: pd.DataFrame, columns: Sequence[str]):
        self._build(model_arrays(frame, columns), len(frame))

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], n: int) -> "DesignBuilder":
        """The builder of columns given as :func:`model_arrays` gives them (``n`` rows)."""
        builder = cls.__new__(cls)
        builder._build(arrays, n)
        return builder

    def _build(self, arrays: Mapping[str, np.ndarray], n: int) -> None:
        blocks: list[np.ndarray] = []
        self.names: list[str] = []
        self._grid: list[float] = []
        for col, values in arrays.items():
            if values.dtype.kind != "f":  # a factor (model_arrays)
                levels = sorted(pd.unique(values[~pd.isna(values)]), key=str)
                for lev in levels[1:]:
                    blocks.append((values == lev).astype(float))
                    self.names.append(f"{col}[{lev}]")
                    self._grid.append(1.0 / len(levels))
            else:
                blocks.append(values)
                self.names.append(col)
                self._grid.append(float(values.mean()) if values.size else np.nan)
        self.matrix = (np.column_stack(blocks) if blocks
                       else np.empty((n, 0), dtype=float))

    def grid_row(self) -> np.ndarray:
        """Reference-grid values of the columns (means; ``1/k`` for factor dummies)."""
        return np.asarray(self._grid, dtype=float)
