"""The statistical analysis plan: ``analyze(trial) -> Results`` of tidy tables.

Each analysis of the protocol's ``analysis_plan`` runs through the method
registry (:mod:`t1dtrial.analysis.methods`: :func:`register_method` adds one)
and gives a :class:`Result` (:mod:`t1dtrial.analysis.result`).
"""

from .methods import register_method
from .plan import CONTRACT_TABLES, analyze
from .result import Result
from .results import Results

__all__ = ["CONTRACT_TABLES", "Result", "Results", "analyze", "register_method"]
