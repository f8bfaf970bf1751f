"""Confidence levels in tables and words: the ``conf_level`` column and its text.

Every table of :func:`t1dtrial.analysis.analyze` that has an interval column
(``ci_low``, ``rd_ci_low``, ``or_ci_low`` ...) has a ``conf_level`` column:
the level of that row's interval, NaN on a row without one. An analysis whose
interval may achieve another level than the one requested (the Wilcoxon
intervals with few values) fills the column itself; for the others
:func:`add_conf_level` fills it with the level the analysis was run at.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"estimate": [0.2, float("nan")], "ci_low": [0.1, float("nan")],
...                   "ci_high": [0.3, float("nan")]})
>>> add_conf_level(t, 0.9)["conf_level"].tolist()
[0.9, nan]
>>> level_text(0.975)
'97.5%'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["INTERVAL_COLUMNS", "add_conf_level", "level_text"]

#: Columns holding an interval limit in our tables.
INTERVAL_COLUMNS = ("ci_low", "ci_high", "rd_ci_low", "rd_ci_high", "or_ci_low", "or_ci_high")


def level_text(level: float) -> str:
    """A confidence level in words for a label: ``0.9 -> "90%"``, ``0.975 -> "97.5%"``.

    Examples
    --------
    >>> level_text(0.95), level_text(0.9)
    ('95%', '90%')
    """
    return f"{100 * float(level):.10g}%"


def add_conf_level(table: pd.DataFrame, level: float) -> pd.DataFrame:
    """``table`` with a ``conf_level`` column: ``level`` on rows with an interval, else NaN.

    A table that already has the column (its analysis filled it with the
    level each row achieved) or that has no interval column is returned as it is.

    Parameters
    ----------
    table : DataFrame
    level : float
        The level the table's intervals were computed at.

    Returns
    -------
    DataFrame
        A copy with the column added, or ``table`` itself.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"rd_ci_low": [0.05], "rd_ci_high": [0.49]})
    >>> add_conf_level(t, 0.95)["conf_level"].tolist()
    [0.95]
    """
    limits = [c for c in INTERVAL_COLUMNS if c in table.columns]
    if "conf_level" in table.columns or not limits:
        return table
    has_interval = table[limits].notna().any(axis=1).to_numpy()
    return table.assign(conf_level=np.where(has_interval, float(level), np.nan))
