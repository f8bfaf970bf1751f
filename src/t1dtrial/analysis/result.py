"""One result shape for every analysis of the plan: a tidy table with the metadata a reader needs.

A method of the registry (:mod:`t1dtrial.analysis.methods`) returns a
:class:`Result`. Its ``shape`` says how to read ``table`` (and, for a
comparison of arms, ``by_arm`` and ``comparison``), so that the report and the
terminal summary render results by their declared shape, never by literal
row values:

``responder-comparison``
    ``by_arm`` (``subgroup, arm, n, responders, percent``) and ``comparison``
    (``subgroup, comparison, risk_difference, rd_ci_low, rd_ci_high,
    odds_ratio, or_ci_low, or_ci_high, p_value, test``).
``continuous-comparison``
    ``by_arm`` (``subgroup, arm, n, mean, sd, baseline_mean``) and
    ``comparison`` (``subgroup, comparison, estimate, ci_low, ci_high,
    p_value, method, conf_level``).
``comparison``
    ``table`` with ``comparison, estimate, ci_low, ci_high, p_value, method``
    (any further method of two arms).
``dose-response``
    ``table`` (and ``comparison``) one trend row a subgroup: ``subgroup,
    comparison, estimate`` (slope per unit of dose score), ``ci_low, ci_high,
    p_value, method, conf_level, n``; ``by_arm`` (``subgroup, arm, score, n``
    and, for a responder endpoint, ``responders, percent``).
``time-to-event``
    ``table`` of ``arm, comparison, statistic`` (``median``, ``survival`` at
    ``visit``/``time`` or ``log-rank``), ``estimate, ci_low, ci_high, p_value,
    n, events``; ``by_arm`` its Kaplan-Meier rows, ``comparison`` its
    log-rank rows.
``continuous-summary``, ``longitudinal``, ``model-terms`` (``term, estimate or
odds_ratio, ci_low, ci_high, p_value``), ``interaction``, ``adjusted-comparison``,
``sensitivity``, ``episodes``, ``survival``, ``adverse-events``
    ``table`` as the method documents it.

Examples
--------
>>> import pandas as pd
>>> r = Result(name="rr", shape="comparison", title="Risk ratio",
...            table=pd.DataFrame({"comparison": ["MSC vs CONTROL"], "estimate": [2.0]}),
...            population="FAS", n_by_arm={"MSC": 27, "CONTROL": 26}, conf_level=0.95)
>>> r.metadata()["n_by_arm"]
{'MSC': 27, 'CONTROL': 26}
>>> Result.from_metadata(r.metadata(), {"rr": r.table}).table["estimate"].tolist()
[2.0]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["Result", "SHAPES"]

#: Shapes the report and the terminal know how to render.
SHAPES = ("responder-comparison", "continuous-comparison", "comparison", "continuous-summary",
          "longitudinal", "model-terms", "interaction", "adjusted-comparison", "sensitivity",
          "episodes", "survival", "adverse-events", "dose-response", "time-to-event")


@dataclass
class Result:
    """What one planned analysis found.

    Attributes
    ----------
    name : str
        The planned analysis' name.
    shape : str
        How to read the tables (:data:`SHAPES`, or a shape a new method declares).
    table : DataFrame
        The tidy table written under the analysis' output table (unrounded).
    title : str
        One line a reader understands.
    role, endpoint, method_name : str
        From the plan: role, endpoint name ("" when none) and registry name.
    population : str
        Population code, e.g. ``FAS``.
    n_by_arm : dict of str to int
        Participants of the population by arm.
    units : str or None
        Of the estimates, where they have one.
    conf_level : float or None
    method : str
        How the estimates were computed, in words.
    footnotes : list of str
        What a reader must know to read the table (missing data, intercurrent events).
    by_arm, comparison : DataFrame or None
        For a comparison of arms: the per-arm summary and the comparisons.
    companions : dict of str to DataFrame
        Further tables the analysis makes (e.g. the covariance structures tried), by name.
    notes : list of str
        Notes for the reader's ``notes.txt``.
    fit : object, optional
        The fitted object a figure needs (not written).
    """

    name: str
    shape: str
    table: pd.DataFrame
    title: str = ""
    role: str = ""
    endpoint: str = ""
    method_name: str = ""
    population: str = ""
    n_by_arm: dict[str, int] = field(default_factory=dict)
    units: str | None = None
    conf_level: float | None = None
    method: str = ""
    footnotes: list[str] = field(default_factory=list)
    by_arm: pd.DataFrame | None = None
    comparison: pd.DataFrame | None = None
    companions: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    fit: Any = None
    #: Where the rows are written: {"table" | "by_arm" | "comparison": [table name, start, stop]}.
    written: dict[str, list] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        """Everything but the tables and the fit, as JSON-ready values."""
        return {"name": self.name, "shape": self.shape, "title": self.title, "role": self.role,
                "endpoint": self.endpoint, "method_name": self.method_name,
                "population": self.population,
                "n_by_arm": {str(k): int(v) for k, v in self.n_by_arm.items()},
                "units": self.units,
                "conf_level": None if self.conf_level is None else float(self.conf_level),
                "method": self.method, "footnotes": list(self.footnotes),
                "written": {k: list(v) for k, v in self.written.items()}}

    @classmethod
    def from_metadata(cls, meta: dict[str, Any], tables: dict[str, pd.DataFrame]) -> "Result":
        """A result read back: its tables are the rows of ``tables`` it was written to."""
        parts: dict[str, pd.DataFrame | None] = {}
        for part, where in (meta.get("written") or {}).items():
            name, start, stop = where
            t = tables.get(name)
            parts[part] = None if t is None else t.iloc[start:stop].reset_index(drop=True)
        table = parts.get("table")
        if table is None:
            table = tables.get(meta["name"], pd.DataFrame())
        keys = ("title", "role", "endpoint", "method_name", "population", "units",
                "conf_level", "method")
        return cls(name=meta["name"], shape=meta["shape"], table=table,
                   **{k: meta.get(k) for k in keys if meta.get(k) is not None},
                   n_by_arm=dict(meta.get("n_by_arm") or {}),
                   footnotes=list(meta.get("footnotes") or []), by_arm=parts.get("by_arm"),
                   comparison=parts.get("comparison"), written=dict(meta.get("written") or {}))
