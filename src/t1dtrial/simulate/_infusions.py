"""The simulator's infusions: who is planned which, at what dose of each product, and given.

A dose per arm, several products, a placebo arm's sham infusions (0 cells)
and conditional re-dosing follow the protocol's infusions
(:mod:`t1dtrial.protocol.infusions`).

Examples
--------
>>> import numpy as np
>>> from t1dtrial.protocol import load_protocol
>>> p = load_protocol("dosefinding")
>>> arm = np.array([0, 1, 2])  # LOW, HIGH, CONTROL
>>> planned, cells, total = planned_doses(np.random.default_rng(1), p, arm,
...                                       tuple(p.arm_codes), np.full(3, 70.0))
>>> planned.tolist(), (cells[:, 0, 0] / 1e6).tolist()
([[True, True], [True, True], [False, False]], [1.0, 3.0, 0.0])
"""

from __future__ import annotations

import numpy as np

from ..protocol import Protocol
from ..protocol.expressions import Expression

__all__ = ["planned_doses", "given_infusions"]


def planned_doses(g: np.random.Generator, protocol: Protocol, arm: np.ndarray,
                   arm_codes: tuple[str, ...], weight: np.ndarray):
    """Who is planned each infusion, and the cells/kg and total cells of each product.

    Returns ``planned`` [i, k] and cells/kg and total cells [i, k, p] per
    product p of infusion k (one "product" without ``products``), 0 cells
    for a placebo arm's sham infusion (total 0) and for arms not given it
    (total NaN). A dose with a range is drawn at one level per participant.
    """
    n, k = arm.size, len(protocol.infusions)
    width = max([len(inf.products or []) for inf in protocol.infusions] + [1])
    planned = np.zeros((n, k), dtype=bool)
    cells = np.zeros((n, k, width))
    total = np.full((n, k, width), np.nan)
    level = g.random(n)  # a participant's dose level within each range
    for j, inf in enumerate(protocol.infusions):
        planned[:, j] = np.isin(arm, [arm_codes.index(a) for a in inf.given_arms])
        sham = [arm_codes.index(a) for a in inf.given_arms if a not in inf.treated_arms]
        total[np.isin(arm, sham), j, 0] = 0.0
        for p, product in enumerate(inf.product_names or [None]):
            for code in inf.treated_arms:
                d = inf.dose_for(code, product)
                rows = arm == arm_codes.index(code)
                if d is None or not rows.any():
                    continue
                if d.per_kg is not None:
                    per_kg = (np.full(n, d.per_kg) if d.range_per_kg is None
                              else d.range_per_kg[0] + level * (d.range_per_kg[1]
                                                                - d.range_per_kg[0]))
                    cells[rows, j, p] = (np.round(per_kg / 1e4) * 1e4)[rows]
                else:
                    total[rows, j, p] = d.total
                    cells[rows, j, p] = d.total / weight[rows]
    return planned, cells, total


def given_infusions(protocol: Protocol, planned: np.ndarray, observed: np.ndarray,
                     visit_day: np.ndarray, measured: dict[str, np.ndarray]):
    import pandas as pd

    given = planned.copy()
    day = np.zeros(planned.shape, dtype=np.int64)
    codes = protocol.visit_codes
    for j, inf in enumerate(protocol.infusions):
        v = codes.index(inf.visit)
        day[:, j] = 0 if inf.visit == protocol.baseline_visit else visit_day[:, v]
        given[:, j] &= observed[:, v]
        if inf.condition:
            expr = Expression.parse(inf.condition)
            frame = pd.DataFrame({name: measured[name][:, v] for name in expr.names
                                  if name in measured})
            for name in expr.names - set(frame.columns):
                frame[name] = np.nan
            given[:, j] &= expr.evaluate(frame).to_numpy(dtype=bool)
    return given, day
