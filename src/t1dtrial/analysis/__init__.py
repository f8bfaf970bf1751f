"""The statistical analysis plan: ``analyze(trial) -> Results`` of tidy tables."""

from .plan import CONTRACT_TABLES, analyze
from .results import Results

__all__ = ["CONTRACT_TABLES", "Results", "analyze"]
