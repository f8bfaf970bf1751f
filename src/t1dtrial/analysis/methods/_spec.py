"""What a method receives: the resolved planned analysis and the derived data.

:func:`resolve` turns a :class:`~t1dtrial.protocol.plan.PlannedAnalysis` into
an :class:`AnalysisSpec` with nothing left to default: the endpoint object,
its outcome, the population code and its ADSL flag, the visits, the pairs of
arms compared and the confidence level. :func:`analysis_protocol` gives the
protocol as an analysis sees it (only its endpoint, arms and options), so
that the analysis functions written for a whole protocol run one planned
analysis.

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> p = load_protocol("lu2021")
>>> spec = resolve(p.plan[0], p)
>>> spec.endpoint_name, spec.population_flag, spec.visits, spec.pairs, spec.conf_level
('remission', 'FASFL', ['M12'], [('MSC', 'CONTROL')], 0.95)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ...protocol import Protocol
from ...protocol.plan import PlannedAnalysis
from .._arms import POPULATION_FLAGS, comparisons, population_flag
from ...protocol.kinds import outcome

__all__ = ["AnalysisSpec", "AnalysisData", "resolve", "analysis_protocol", "population_sizes"]

_MISSING_RULE = {"non-responder": "non_responder", "exclude": "exclude",
                 "multiple-imputation": "multiple_imputation"}


@dataclass(frozen=True)
class AnalysisSpec:
    """A planned analysis with every default resolved (see :func:`resolve`)."""

    name: str
    role: str
    method: str
    output_table: str
    endpoint: Any
    endpoint_name: str
    outcome: str
    population: str
    population_flag: str
    visits: list[str]
    pairs: list[tuple[str, str]]
    dose_response: bool
    covariates: list[str] | None
    intercurrent_events: list[Any]
    missing_data: str | None
    conf_level: float
    planned: PlannedAnalysis

    @property
    def arms(self) -> list[str]:
        """Arms of the compared pairs, in first-named order."""
        return list(dict.fromkeys(a for pair in self.pairs for a in pair))

    @property
    def labels(self) -> list[str]:
        """``"treated vs control"`` of each pair."""
        return [f"{t} vs {c}" for t, c in self.pairs]


@dataclass
class AnalysisData:
    """The derived datasets (``derive_all``), the protocol and the seed of stochastic steps."""

    derived: Any
    protocol: Protocol
    seed: int
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def adsl(self) -> pd.DataFrame:
        return self.derived.adsl

    @property
    def adlb(self) -> pd.DataFrame:
        return self.derived.adlb

    @property
    def adeff(self) -> pd.DataFrame:
        return self.derived.adeff

    def dataset(self, name: str) -> pd.DataFrame:
        """A derived dataset by name (``adsl``, ``adlb``, ``adeff``, ``adae``, ...)."""
        return self.derived.datasets[name]


def _endpoint(name: str | None, protocol: Protocol) -> Any:
    if name is None:
        return None
    found = next((e for e in protocol.all_endpoints if e.name == name), None)
    if found is None:  # a responder the derivation adds when the protocol does not name it
        from ...derive._adeff import adeff_endpoints
        found = next((e for e in adeff_endpoints(protocol) if e.name == name), None)
    return found


def resolve(planned: PlannedAnalysis, protocol: Protocol) -> AnalysisSpec:
    """The planned analysis with its defaults filled from the protocol."""
    ep = _endpoint(planned.endpoint, protocol)
    population = planned.population or ("SAF" if planned.role == "safety" else "FAS")
    visits = list(planned.visits) if planned.visits else (
        [ep.visit] if ep is not None else [])
    if isinstance(planned.comparisons, list):
        pairs = [(str(t), str(c)) for t, c in planned.comparisons]
    else:
        pairs = comparisons(protocol)
    return AnalysisSpec(
        name=planned.name, role=planned.role, method=planned.method,
        output_table=planned.output_table, endpoint=ep,
        endpoint_name=planned.endpoint or "", outcome=outcome(ep) if ep is not None else "",
        population=population, population_flag=_flag(protocol, population),
        visits=visits, pairs=pairs, dose_response=planned.comparisons == "dose-response",
        covariates=None if planned.covariates is None else list(planned.covariates),
        intercurrent_events=list(planned.intercurrent_events),
        missing_data=planned.missing_data or _default_missing(ep, protocol),
        conf_level=planned.conf_level or protocol.analysis.conf_level, planned=planned)


def _flag(protocol: Protocol, population: str) -> str:
    """The ADSL flag of a population: the protocol's rule, else the standard or ``<CODE>FL``."""
    try:
        return population_flag(protocol, population)
    except KeyError:  # not a population of the protocol: protocol check reports it
        return POPULATION_FLAGS.get(population, f"{population.upper()}FL")


def _default_missing(ep: Any, protocol: Protocol) -> str | None:
    """The protocol's rule for a responder endpoint, observed cases for a continuous one, none
    for a time to event (censored at the last assessment)."""
    if ep is None or outcome(ep) == "time_to_event":  # censoring, said by the method
        return None
    if outcome(ep) == "responder":
        return {v: k for k, v in _MISSING_RULE.items()}[protocol.analysis.missing_primary]
    return "observed-cases"


def analysis_protocol(spec: AnalysisSpec, protocol: Protocol, *,
                      covariates: str | None = None) -> Protocol:
    """The protocol as one planned analysis sees it.

    Its only endpoint is the analysis' endpoint (as primary, with the planned
    visits), its arms those compared (every arm for all-vs-control), and its
    options the analysis' confidence level, missing-data rule, test (for a
    responder test) and covariates (into the option named ``covariates``).
    """
    opts: dict[str, Any] = {"conf_level": spec.conf_level}
    rule = _MISSING_RULE.get(spec.missing_data or "")
    if rule is not None:
        opts["missing_primary"] = rule
    if spec.method in ("fisher", "chisq", "chisq_cc"):
        opts["primary_test"] = spec.method
    if covariates is not None and spec.covariates is not None:
        opts[covariates] = list(spec.covariates)
    update: dict[str, Any] = {"analysis": protocol.analysis.model_copy(update=opts)}
    ep = spec.endpoint
    if ep is not None:
        if outcome(ep) == "continuous" and spec.visits and list(ep.visits or []) != spec.visits:
            ep = ep.model_copy(update={"visits": list(spec.visits), "visit": spec.visits[-1]
                                       if ep.visit not in spec.visits else ep.visit})
        update["endpoints"] = protocol.endpoints.model_copy(update={"primary": ep,
                                                                    "secondary": []})
    if isinstance(spec.planned.comparisons, list):
        keep = set(spec.arms)
        update["arms"] = [a for a in protocol.arms if a.code in keep]
    return protocol.model_copy(update=update)


def population_sizes(adsl: pd.DataFrame, spec: AnalysisSpec, arms: list[str]) -> dict[str, int]:
    """Participants of the analysis' population by arm (0 for an arm without any)."""
    flag = spec.population_flag
    if flag not in adsl.columns:
        return {}
    counts = adsl.loc[adsl[flag].eq("Y"), "TRT01P"].value_counts()
    return {arm: int(counts.get(arm, 0)) for arm in arms}
