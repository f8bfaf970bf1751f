"""The statistical analysis plan as data: the estimands of the ``analysis_plan`` section.

Each entry of ``analysis_plan`` is one planned analysis with the attributes of
an estimand (ICH E9(R1)): its role, the endpoint (variable), the population,
the visit or visits, the comparisons of arms (treatment condition), the
handling of intercurrent events and of missing data, and how it is estimated
(a method of the method registry, its covariates and confidence level)::

    analysis_plan:
      - name: primary
        role: primary
        endpoint: remission
        population: FAS
        visits: [M12]
        comparisons: all-vs-control        # or [[HIGH, CONTROL], [LOW, CONTROL]], or dose-response
        method: fisher
        intercurrent_events:
          - event: withdrawal before month 12
            strategy: composite
        missing_data: non-responder

A protocol without the section gets :func:`default_plan`, built from its
endpoints and analysis options (the analyses the package has always run);
``t1dtrial protocol show`` prints it as YAML (:func:`plan_yaml`) to copy and
edit. The methods a plan may name are those of :data:`METHODS` (the built-in
ones) and any registered later with
:func:`t1dtrial.analysis.methods.register_method`.

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> plan = load_protocol("lu2021").plan
>>> [(a.name, a.method) for a in plan[:2]]
[('primary', 'fisher'), ('primary_interaction', 'subgroup-interaction')]
>>> plan[0].visits, plan[0].comparisons, plan[0].population
(['M12'], 'all-vs-control', 'FAS')
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import yaml
from pydantic import Field, field_validator

from ._base import _Model

if TYPE_CHECKING:  # pragma: no cover
    from .models import Protocol

__all__ = ["PlannedAnalysis", "IntercurrentEvent", "ROLES", "STRATEGIES", "MISSING_DATA",
           "METHODS", "TREND_METHODS", "declare_method", "forget_method", "method_outcomes",
           "default_plan", "plan_yaml", "plan_problems", "primary_analysis", "CONTRACT_TABLE",
           "DoseScores", "dose_scores"]

Role = Literal["primary", "key-secondary", "secondary", "sensitivity", "exploratory", "safety"]
Strategy = Literal["treatment-policy", "composite", "hypothetical", "while-on-treatment",
                   "principal-stratum"]
MissingData = Literal["non-responder", "exclude", "multiple-imputation", "observed-cases"]

ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]
STRATEGIES: tuple[str, ...] = Strategy.__args__  # type: ignore[attr-defined]
MISSING_DATA: tuple[str, ...] = MissingData.__args__  # type: ignore[attr-defined]

#: Built-in methods and the endpoint outcomes each fits ("" for an analysis without an
#: endpoint). :func:`declare_method` adds the methods registered by name later.
METHODS: dict[str, tuple[str, ...]] = {
    "fisher": ("responder",), "chisq": ("responder",), "chisq_cc": ("responder",),
    "welch": ("continuous",), "mann-whitney": ("continuous",), "ancova": ("continuous",),
    "within-arm-t": ("continuous",),
    "continuous-summary": ("continuous",), "mmrm": ("continuous",),
    "subgroup-interaction": ("responder",), "standardisation": ("responder",),
    "primary-sensitivity": ("responder",), "logistic-predictors": ("responder", ""),
    "kaplan-meier": ("responder", "", "time_to_event"),
    "insulin-independence": ("responder", ""), "adverse-events": ("",),
    "cochran-armitage": ("responder",), "linear-trend": ("continuous",),
}

#: Methods that estimate a dose-response trend across the arms ordered by planned dose
#: (``comparisons: dose-response``); they estimate nothing else.
TREND_METHODS: set[str] = {"cochran-armitage", "linear-trend"}

#: Tables a primary analysis fills (the output contract): per-arm summary and comparison.
CONTRACT_TABLE = {"by_arm": "primary_endpoint", "comparison": "primary_comparison"}

def declare_method(name: str, outcomes: tuple[str, ...], *, trend: bool = False) -> None:
    """Make ``name`` a method a plan may name (:func:`~t1dtrial.analysis.methods.register_method`
    calls this, so that ``protocol check`` knows the methods registered from outside).

    Examples
    --------
    >>> method_outcomes("fisher"), method_outcomes("no-such-method")
    (('responder',), None)
    """
    METHODS[name] = tuple(outcomes)
    if trend:
        TREND_METHODS.add(name)
    else:
        TREND_METHODS.discard(name)


def forget_method(name: str) -> None:
    """Undo :func:`declare_method` (``unregister_method`` of the method registry calls this)."""
    METHODS.pop(name, None)
    TREND_METHODS.discard(name)


def method_outcomes(name: str) -> tuple[str, ...] | None:
    """The outcomes a method fits, or None when no method has that name."""
    return METHODS.get(name)


class IntercurrentEvent(_Model):
    """An intercurrent event and the strategy that handles it (ICH E9(R1))."""

    event: str = Field(description="The event in words, e.g. 'insulin restarted'.")
    strategy: Strategy


class PlannedAnalysis(_Model):
    """One analysis of the plan: an estimand and how it is estimated."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$",
                      description="Unique; names the output table unless `table` does.")
    role: Role = "secondary"
    endpoint: str | None = Field(default=None, description="An endpoint name of the protocol "
                                 "(none for safety and other analyses without one).")
    population: str | None = Field(default=None, description="A population code; default FAS "
                                   "(SAF for a safety analysis).")
    visits: list[str] | None = Field(default=None, description="Visit(s) analysed; default "
                                     "the endpoint's visit.")
    comparisons: Literal["all-vs-control", "dose-response"] | list[tuple[str, str]] = Field(
        default="all-vs-control", description="Every active arm against control, explicit "
        "[treated, control] pairs, or a dose-response trend.")
    method: str = Field(description="A name of the method registry, e.g. fisher, ancova, mmrm.")
    covariates: list[str] | None = Field(default=None, description="Adjustment covariates "
                                         "(ADSL names); default the method's list in `analysis` "
                                         "(ancova_, predictor_, adjustment_ or "
                                         "propensity_covariates).")
    intercurrent_events: list[IntercurrentEvent] = Field(default_factory=list)
    missing_data: MissingData | None = Field(default=None, description="Default: "
                                             "analysis.missing_primary for a responder "
                                             "endpoint, observed cases for a continuous one.")
    conf_level: float | None = Field(default=None, description="Default analysis.conf_level.")
    table: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$",
                              description="Output table; analyses naming the same table are "
                              "stacked in plan order. Default: the analysis name.")

    @field_validator("visits", mode="before")
    @classmethod
    def _one_or_several(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("conf_level")
    @classmethod
    def _a_level(cls, v: float | None) -> float | None:
        if v is not None and not 0.5 <= v < 1:
            raise ValueError("a confidence level must be at least 0.5 and below 1; expected "
                             "e.g. 0.95")
        return v

    @property
    def output_table(self) -> str:
        """The table this analysis writes (``table``, else its name)."""
        return self.table or self.name


def _outcome(endpoint: Any) -> str:
    """The endpoint's outcome shape, from its kind's registration (responder when unknown)."""
    from .kinds import endpoint_kind, endpoint_kinds

    kind = getattr(endpoint, "kind", None)
    return endpoint_kind(kind).outcome if kind in endpoint_kinds() else "responder"


def _post_baseline(p: "Protocol") -> list[str]:
    codes = p.visit_codes
    return codes[codes.index(p.baseline_visit) + 1:] if p.baseline_visit in codes else codes


def _has_control(p: "Protocol") -> bool:
    return any(a.kind in ("standard-care", "placebo") for a in p.arms)


def default_plan(p: "Protocol") -> list[PlannedAnalysis]:
    """The plan of a protocol without ``analysis_plan``: the analyses its endpoints imply.

    Primary endpoint at its visit with ``analysis.primary_test`` (a responder)
    or ANCOVA (Hodges-Lehmann for a percent change; without a control arm the
    one-sample t-test of the change within the arm); for a responder primary
    also the subgroup interaction, the covariate-adjusted estimate (arms not
    randomised) and the sensitivity analyses; each continuous endpoint at
    every analysis visit (``secondary_endpoints``) and in the mixed model
    (``mmrm``, one per parameter); each other responder endpoint; each
    time-to-event endpoint (Kaplan-Meier and log-rank, ``time_to_event``); the
    predictor model; insulin independence; adverse events (safety set).

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> [a.name for a in default_plan(load_protocol("nasli2015"))][:3]
    ['primary', 'fcp_change', 'hba1c_change']
    """
    opts = p.analysis
    primary = p.endpoints.primary
    responder = _outcome(primary) == "responder"
    missing = None  # a responder's missing-data rule: analysis.missing_primary
    plan = [_primary(p, primary, responder, missing)]
    if responder:
        plan.append(PlannedAnalysis(
            name="primary_interaction", role="exploratory", endpoint=primary.name,
            population="FAS", visits=[primary.visit], method="subgroup-interaction",
            missing_data=missing))
        if p.design.allocation != "randomised" and _has_control(p):
            plan.append(PlannedAnalysis(
                name="primary_adjusted", role="sensitivity", endpoint=primary.name,
                population="FAS", visits=[primary.visit], method="standardisation",
                missing_data=missing))
    continuous = [e for e in p.all_endpoints if _outcome(e) == "continuous"]
    for ep in continuous:
        plan.append(PlannedAnalysis(
            name=_free(plan, ep.name), role="secondary", endpoint=ep.name, population="FAS",
            visits=list(ep.visits) if ep.visits else _post_baseline(p),
            method="continuous-summary", missing_data="observed-cases",
            table="secondary_endpoints"))
    for ep, visit in _responder_secondaries(p):
        plan.append(PlannedAnalysis(
            name=_free(plan, ep), role="secondary", endpoint=ep, population="FAS",
            visits=[visit], method=opts.primary_test, missing_data=missing,
            table="secondary_responders"))
    for ep in p.all_endpoints:
        if _outcome(ep) == "time_to_event" and ep is not primary:
            plan.append(PlannedAnalysis(
                name=_free(plan, ep.name), role="secondary", endpoint=ep.name, population="FAS",
                method="kaplan-meier", table="time_to_event"))
    plan.extend(_mmrm(p, continuous, plan))
    plan.append(PlannedAnalysis(
        name=_free(plan, "logistic_regression"), role="exploratory",
        endpoint=primary.name if responder else None, population="FAS",
        visits=[primary.visit] if responder else None, method="logistic-predictors",
        missing_data=missing, table="logistic_regression"))
    insulin = next((e.name for e in p.all_endpoints if e.kind == "insulin_independence"), None)
    plan.append(PlannedAnalysis(name=_free(plan, "insulin_free_episodes"), role="exploratory",
                                endpoint=insulin, population="FAS", method="insulin-independence",
                                table="insulin_independence"))
    plan.append(PlannedAnalysis(name=_free(plan, "insulin_free_km"), role="exploratory",
                                endpoint=insulin, population="FAS", method="kaplan-meier",
                                table="insulin_free_km"))
    plan.append(PlannedAnalysis(name=_free(plan, "adverse_events"), role="safety",
                                population="SAF", method="adverse-events",
                                table="adverse_events"))
    if responder:
        plan.append(PlannedAnalysis(
            name=_free(plan, "sensitivity"), role="sensitivity", endpoint=primary.name,
            population="FAS", visits=[primary.visit], method="primary-sensitivity",
            table="sensitivity"))
    # an analysis writes its own name's table unless told otherwise: say so only when it differs
    return [a.model_copy(update={"table": None}) if a.table == a.name else a for a in plan]


def _primary(p: "Protocol", ep: Any, responder: bool, missing: str | None) -> PlannedAnalysis:
    if _outcome(ep) == "time_to_event":
        return PlannedAnalysis(name="primary", role="primary", endpoint=ep.name,
                               population="FAS", method="kaplan-meier")
    if responder:
        method, handled = p.analysis.primary_test, missing
    else:
        method = "mann-whitney" if ep.summary == "percent_change" else "ancova"
        if not _has_control(p) and ep.summary != "value":  # one arm: its change against 0
            method = "within-arm-t"
        handled = "observed-cases"
    return PlannedAnalysis(name="primary", role="primary", endpoint=ep.name, population="FAS",
                           visits=[ep.visit], method=method, missing_data=handled)


def _free(plan: list[PlannedAnalysis], name: str) -> str:
    """``name``, or ``name_2``, ``name_3`` ... when an earlier analysis has it."""
    taken = {a.name for a in plan}
    if name not in taken:
        return name
    return next(f"{name}_{k}" for k in range(2, len(plan) + 3) if f"{name}_{k}" not in taken)


def _responder_secondaries(p: "Protocol") -> list[tuple[str, str]]:
    """Responder endpoints but the primary, with their visits."""
    names = [(e.name, e.visit) for e in p.all_endpoints if _outcome(e) == "responder"]
    return [(n, v) for n, v in names if n != p.endpoints.primary.name]


def _mmrm(p: "Protocol", continuous: list[Any],
          plan: list[PlannedAnalysis]) -> list[PlannedAnalysis]:
    out: list[PlannedAnalysis] = []
    seen: set[str] = set()
    for ep in continuous:
        if ep.summary == "percent_change" or ep.param in seen:
            continue
        seen.add(ep.param)
        out.append(PlannedAnalysis(
            name=_free(plan + out, f"mmrm_{ep.param.lower()}"), role="secondary",
            endpoint=ep.name, population="FAS", visits=_post_baseline(p), method="mmrm",
            missing_data="observed-cases",
            table="mmrm"))
    return out


def primary_analysis(plan: list[PlannedAnalysis]) -> PlannedAnalysis | None:
    """The first analysis of role primary (its tables are the contract's primary tables)."""
    return next((a for a in plan if a.role == "primary"), None)


def plan_yaml(plan: list[PlannedAnalysis]) -> str:
    """The plan as the YAML of an ``analysis_plan`` section (defaults left out).

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> print(plan_yaml(load_protocol("lu2021").plan[:1]))
    analysis_plan:
    - name: primary
      role: primary
      endpoint: remission
      population: FAS
      visits: [M12]
      method: fisher
    <BLANKLINE>
    """
    rows = []
    for a in plan:
        row = a.model_dump(mode="json", exclude_defaults=True)
        row = {"name": row.pop("name"), "role": a.role, **row}
        if row.get("table") == a.name:
            del row["table"]
        rows.append(row)
    for row in rows:  # flow style for short lists of codes
        for key in ("visits", "covariates"):
            if key in row:
                row[key] = _Flow(row[key])
        if isinstance(row.get("comparisons"), list):
            row["comparisons"] = [_Flow(pair) for pair in row["comparisons"]]
    return yaml.dump({"analysis_plan": rows}, Dumper=_Dumper, sort_keys=False,
                     default_flow_style=False, width=88, allow_unicode=True)


class _Flow(list):
    """A list written ``[a, b]``."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Flow, lambda d, v: d.represent_sequence(
    "tag:yaml.org,2002:seq", list(v), flow_style=True))


class DoseScores(NamedTuple):
    """Scores of a dose-response trend: arms in dose order, their scores, the unit, or a problem."""

    arms: list[str]
    scores: list[float]
    unit: str
    problem: str | None = None

    def text(self) -> str:
        """The scores in words, e.g. ``planned cumulative dose, 10^6 cells/kg: CONTROL 0, ...``."""
        pairs = ", ".join(f"{a} {s:g}" for a, s in zip(self.arms, self.scores))
        return f"planned cumulative dose, {self.unit}: {pairs}"


_CONTROL_KINDS = ("standard-care", "placebo")


def dose_scores(p: Any) -> DoseScores:
    """Each arm's score for ``comparisons: dose-response``: its planned cumulative dose.

    The score of an arm is the sum of its planned doses over the scheduled
    infusions (cells/kg, or total cells when the doses are fixed totals;
    several products only where the infusion sums them), 0 for a control or
    placebo arm; scaled by the power of ten of the largest (``10^6
    cells/kg``). Arms are ordered by score (protocol order among ties). A
    problem (in words) when an active arm has no planned dose, the doses mix
    cells/kg and total cells, an infusion's products are not summed, or
    fewer than two arms have distinct scores.

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> dose_scores(load_protocol("lu2021")).text()
    'planned cumulative dose, 10^6 cells/kg: CONTROL 0, MSC 2'
    """
    arms = [a for a in getattr(p, "arms", None) or [] if isinstance(getattr(a, "code", None), str)]
    infusions = [i for i in getattr(p, "infusions", None) or [] if i is not None]
    raw: dict[str, float] = {}
    units: set[str] = set()
    for arm in arms:
        if arm.kind in _CONTROL_KINDS:
            raw[arm.code] = 0.0
            continue
        total = 0.0
        for inf in infusions:
            if arm.code not in inf.treated_arms:
                continue
            if not inf.summed:
                return DoseScores([], [], "", f"infusion {inf.number} gives arm {arm.code} "
                                  "several products whose doses are not summed "
                                  "(sum_products: false)")
            for product in inf.product_names or [None]:
                dose = inf.dose_for(arm.code, product)
                if dose is None:
                    continue
                units.add("cells/kg" if dose.per_kg is not None else "cells")
                total += dose.per_kg if dose.per_kg is not None else dose.total
        if total <= 0:
            return DoseScores([], [], "", f"arm {arm.code} has no planned cell dose")
        raw[arm.code] = total
    if len(units) > 1:
        return DoseScores([], [], "", "the arms' planned doses mix cells/kg and total cells")
    if len(set(raw.values())) < 2:
        return DoseScores([], [], "", "fewer than two arms with distinct planned doses")
    power = math.floor(math.log10(max(raw.values())))
    order = sorted(raw, key=lambda code: raw[code])
    return DoseScores(order, [raw[c] / 10 ** power for c in order],
                      f"10^{power} {units.pop()}")


def _dose_response_problems(at: str, a: Any, p: Any) -> list[tuple[str, str, str, Any]]:
    """A trend method without ``comparisons: dose-response``, or the reverse, or no scores."""
    trend = ", ".join(sorted(TREND_METHODS))
    if a.comparisons == "dose-response":
        if a.method in METHODS and a.method not in TREND_METHODS:
            return [(f"{at}.method", f"method {a.method} does not estimate a dose-response "
                     "trend", f"a trend method ({trend}), or comparisons all-vs-control or "
                     "pairs of arms", a.method)]
        problem = dose_scores(p).problem
        if problem:
            return [(f"{at}.comparisons", f"a dose-response trend scores each arm by its "
                     f"planned cumulative dose, but {problem}", "a planned dose for every "
                     "active arm, in one unit, at least two distinct", a.comparisons)]
    elif a.method in TREND_METHODS:
        return [(f"{at}.comparisons", f"method {a.method} estimates a dose-response trend "
                 "across the arms ordered by planned dose", "comparisons: dose-response",
                 a.comparisons)]
    return []


def plan_problems(p: Any) -> list[tuple[str, str, str, Any]]:
    """Problems of the plan as ``(path, problem, expected, value)``: unknown names, repeats.

    Endpoints, methods, populations, visits and arms named by an analysis must
    exist; names are unique; there is at most one primary analysis.
    """
    if getattr(p, "plan_is_default", False):  # its names come from fields checked already
        return []
    plan = getattr(p, "analysis_plan", None) or []
    endpoints = [e.name for e in _endpoints(p)]
    known_eps = list(dict.fromkeys(endpoints))
    pops = list(dict.fromkeys(["ENRL", "FAS", "PP", "SAF",
                               *_codes(getattr(p, "populations", None))]))
    arms = _codes(getattr(p, "arms", None))
    visits = _codes(getattr(p, "visits", None))
    out: list[tuple[str, str, str, Any]] = []
    seen: set[str] = set()
    primaries = 0
    for i, a in enumerate(plan):
        if a is None:
            continue
        at = f"analysis_plan[{i}]"
        if a.name in seen:
            out.append((f"{at}.name", f"analysis name {a.name!r} used twice",
                        "a name used once", a.name))
        seen.add(a.name)
        primaries += a.role == "primary"
        if a.role == "primary" and primaries == 2:
            out.append((f"{at}.role", "a second primary analysis", "one analysis of role "
                        "primary; others key-secondary or secondary", a.role))
        if a.endpoint is not None and a.endpoint not in known_eps:
            out.append((f"{at}.endpoint", f"unknown endpoint {a.endpoint!r}",
                        "one of " + ", ".join(known_eps), a.endpoint))
        if a.method is not None and a.method not in METHODS:
            out.append((f"{at}.method", f"unknown method {a.method!r}",
                        "one of " + ", ".join(sorted(METHODS)), a.method))
        if a.population is not None and a.population not in pops:
            out.append((f"{at}.population", f"unknown population {a.population!r}",
                        "one of " + ", ".join(str(c) for c in pops), a.population))
        for j, v in enumerate(a.visits or []):
            if visits and v not in visits:
                out.append((f"{at}.visits[{j}]", f"unknown visit {v!r}",
                            "one of " + ", ".join(visits), v))
        out += _dose_response_problems(at, a, p)
        if isinstance(a.comparisons, list):
            for j, pair in enumerate(a.comparisons):
                for k, arm in enumerate(pair):
                    if arms and arm not in arms:
                        out.append((f"{at}.comparisons[{j}][{k}]", f"unknown arm {arm!r}",
                                    "one of " + ", ".join(arms), arm))
                if len(set(pair)) < 2:
                    out.append((f"{at}.comparisons[{j}]", "an arm compared with itself",
                                "[treated arm, control arm]", list(pair)))
    return out


def _codes(items: Any) -> list[str]:
    """Codes of the items that could be read (a partial protocol has None for the others)."""
    return [c for c in (getattr(x, "code", None) for x in items or []) if isinstance(c, str)]


def _endpoints(p: Any) -> list[Any]:
    eps = getattr(p, "endpoints", None)
    if eps is None:
        return []
    return [e for e in [getattr(eps, "primary", None), *(getattr(eps, "secondary", None) or [])]
            if e is not None and isinstance(getattr(e, "name", None), str)]
