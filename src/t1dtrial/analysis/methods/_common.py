"""What every built-in method shares: the result's metadata and the analysis' view of the data."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ..result import Result
from ._spec import AnalysisData, AnalysisSpec, population_sizes
from ...protocol.adam_names import paramcd_of

__all__ = ["result", "footnotes", "adeff_at", "only_planned_pairs", "param_units"]

_MISSING_WORDS = {
    "non-responder": "a participant without an assessable endpoint counts as not responding",
    "exclude": "participants without an assessable endpoint are left out",
    "multiple-imputation": "a missing endpoint is imputed (multiple imputation)",
    "observed-cases": "participants contribute the values they have; missing values are not "
                      "imputed",
}

_POPULATION_WORDS = {"ENRL": "enrolled", "FAS": "full analysis set", "PP": "per-protocol set",
                     "SAF": "safety set"}


def footnotes(spec: AnalysisSpec) -> list[str]:
    """The estimand's handling of missing data and intercurrent events, in words."""
    out = []
    if spec.missing_data:
        out.append(f"Missing data ({spec.missing_data}): {_MISSING_WORDS[spec.missing_data]}.")
    out += [f"Intercurrent event, {e.event}: {e.strategy} strategy."
            for e in spec.intercurrent_events]
    return out


def result(spec: AnalysisSpec, data: AnalysisData, shape: str, table: pd.DataFrame, *,
           title: str, method: str = "", units: str | None = None, **more: Any) -> Result:
    """A :class:`Result` of ``spec`` with its population sizes, level and footnotes filled."""
    arms = spec.arms if spec.pairs else list(data.protocol.arm_codes)
    pop = _POPULATION_WORDS.get(spec.population, spec.population)
    return Result(name=spec.name, shape=shape, table=table, title=f"{title} ({pop})",
                  role=spec.role, endpoint=spec.endpoint_name, method_name=spec.method,
                  population=spec.population,
                  n_by_arm=population_sizes(data.adsl, spec, arms or data.protocol.arm_codes),
                  units=units, conf_level=spec.conf_level, method=method,
                  footnotes=footnotes(spec), **more)


def adeff_at(spec: AnalysisSpec, data: AnalysisData) -> pd.DataFrame:
    """ADEFF with the analysis flag of the endpoint at the planned visit (when not its own)."""
    adeff = data.adeff
    ep = spec.endpoint
    if ep is None or not spec.visits or spec.visits[-1] == getattr(ep, "visit", None):
        return adeff
    code = paramcd_of(spec.endpoint_name, data.protocol)
    mine = adeff["PARAMCD"].eq(code)
    flag = adeff["ANL01FL"].where(~mine, adeff["AVISIT"].eq(spec.visits[-1]).map(
        {True: "Y", False: ""}))
    return adeff.assign(ANL01FL=flag)


def only_planned_pairs(table: pd.DataFrame, spec: AnalysisSpec,
                       column: str = "comparison") -> pd.DataFrame:
    """Rows of the planned comparisons only (explicit pairs); every row for all-vs-control."""
    if not isinstance(spec.planned.comparisons, list) or column not in table.columns:
        return table
    keep = table[column].isna() | table[column].isin(spec.labels)
    return table.loc[keep].reset_index(drop=True)


_UNIT = re.compile(r"\(([^()]*)\)\s*$")


def param_units(adlb: pd.DataFrame, param: str, summary: str) -> str | None:
    """Units of a summary of an ADLB parameter: ``%`` for a percent change, else from PARAM."""
    if summary == "percent_change":
        return "%"
    labels = adlb.loc[adlb["PARAMCD"] == param, "PARAM"]
    if not len(labels):
        return None
    found = _UNIT.search(str(labels.iloc[0]))
    return found.group(1) if found else None
