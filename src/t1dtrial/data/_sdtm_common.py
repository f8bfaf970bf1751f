"""Small helpers shared by the SDTM domain mappings (:mod:`t1dtrial.data.sdtm`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import Problem
from ._raw import RawData

__all__ = ["require", "file_of", "column"]


def require(frame: pd.DataFrame, file: str, names: list[str], raw: RawData) -> bool:
    """Whether every variable in ``names`` is present; a located problem for each missing one."""
    missing = [n for n in names if n not in frame.columns]
    for n in missing:
        raw.problems.append(Problem(file=file, row=1, column=n, value=None,
                                    problem="required SDTM variable missing",
                                    expected=f"a variable named {n}"))
    return not missing


def file_of(frame: pd.DataFrame, domain: str) -> str:
    """The file a domain was read from (``<domain>.xpt`` when it has no rows).

    Examples
    --------
    >>> file_of(pd.DataFrame({"source_file": ["cm.csv"]}), "cm"), file_of(pd.DataFrame(), "cm")
    ('cm.csv', 'cm.xpt')
    """
    return str(frame["source_file"].iloc[0]) if len(frame) else f"{domain}.xpt"


def column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A variable's text cells, or a blank column when the domain does not have it.

    Examples
    --------
    >>> column(pd.DataFrame({"A": ["x"]}), "B").isna().tolist()
    [True]
    """
    if name in frame.columns:
        return frame[name]
    return pd.Series(np.nan, index=frame.index, dtype=object)
