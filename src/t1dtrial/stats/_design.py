"""Model matrices for covariates: numeric columns as they are, factors as dummies.

A :class:`DesignBuilder` also gives the emmeans-style reference-grid row used
for least-squares means: numeric columns at their means, each factor's dummy
columns at ``1 / k`` (its ``k`` levels weighted equally).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._common import is_factor


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
    """

    def __init__(self, frame: pd.DataFrame, columns: Sequence[str]):
        blocks: list[np.ndarray] = []
        self.names: list[str] = []
        self._grid: list[float] = []
        for col in columns:
            series = frame[col]
            if is_factor(series):
                levels = sorted(pd.unique(series.dropna()), key=str)
                for lev in levels[1:]:
                    blocks.append((series == lev).to_numpy(dtype=float))
                    self.names.append(f"{col}[{lev}]")
                    self._grid.append(1.0 / len(levels))
            else:
                values = series.to_numpy(dtype=float)
                blocks.append(values)
                self.names.append(col)
                self._grid.append(float(values.mean()) if values.size else np.nan)
        self.matrix = (np.column_stack(blocks) if blocks
                       else np.empty((len(frame), 0), dtype=float))

    def grid_row(self) -> np.ndarray:
        """Reference-grid values of the columns (means; ``1/k`` for factor dummies)."""
        return np.asarray(self._grid, dtype=float)
