"""Run every analysis of the protocol's plan through the method registry.

Each planned analysis is resolved (:func:`~t1dtrial.analysis.methods.resolve`),
its method looked up and called; a method that does not fit the endpoint, or
whose estimate the data cannot support, gives a result whose table is one
row saying why (:mod:`._estimable`), and the rest of the plan runs. Results
are stacked into their output tables in plan order: the primary analysis
fills the contract's ``primary_endpoint`` (per-arm summary) and
``primary_comparison``; every other analysis its ``table`` (default its
name); companion tables (e.g. ``mmrm_covariance``) keep their own names.

Examples
--------
>>> from t1dtrial.datasets import load_lu2021
>>> from t1dtrial.derive import derive_all
>>> trial = load_lu2021()
>>> run = run_plan(trial.protocol, derive_all(trial), seed=1)
>>> [r.name for r in run.results][:3]
['primary', 'primary_interaction', 'primary_adjusted']
>>> run.results[0].written["comparison"]
['primary_comparison', 0, 3]
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from ..errors import EstimationError, ProtocolError, T1DTrialWarning
from ..protocol import Protocol
from ..protocol.plan import CONTRACT_TABLE, dose_scores, primary_analysis
from ._estimable import not_estimable_rows
from ._levels import add_conf_level
from .methods import AnalysisData, AnalysisSpec, Method, get_method, population_sizes, resolve
from .methods._common import footnotes
from .result import Result

__all__ = ["run_plan", "run_analysis", "attach_tables", "PlanRun"]


@dataclass
class PlanRun:
    """The results of a plan, the tables they stack into, and notes."""

    results: list[Result] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def run_plan(protocol: Protocol, derived: object, *, seed: int,
             progress: Callable[[str], None] | None = None) -> PlanRun:
    """Run ``protocol.plan`` on the derived datasets; see the module docstring."""
    data = AnalysisData(derived, protocol, seed)
    # a default plan follows the protocol as it is now (one edited in code, e.g. model_copy)
    plan = protocol.plan
    primary = primary_analysis(plan)
    step = progress or (lambda name: None)
    stacks: dict[str, list[tuple[Result, str]]] = {}
    companions: dict[str, list[pd.DataFrame]] = {}
    run = PlanRun()
    specs = [resolve(planned, protocol) for planned in plan]
    for planned, spec, res in zip(plan, specs, _run_all(specs, data, step)):
        run.results.append(res)
        run.notes.extend(res.notes)
        if planned is primary:
            stacks.setdefault(CONTRACT_TABLE["by_arm"], []).append((res, "by_arm"))
            stacks.setdefault(CONTRACT_TABLE["comparison"], []).append((res, "comparison"))
        else:
            stacks.setdefault(spec.output_table, []).append((res, "table"))
        for name, table in res.companions.items():
            stacks.setdefault(name, [])
            companions.setdefault(name, []).append(table)
    for name, items in stacks.items():
        run.tables[name] = _stack(name, items, companions.get(name, []))
    return run


def _run_all(specs: list[AnalysisSpec], data: AnalysisData,
             step: Callable[[str], None]) -> list[Result]:
    """Every planned analysis' result, in plan order; the odd ones in a forked child.

    The analyses of a plan are independent (each draws its random numbers
    from the plan's seed, none reads another's result), so on a machine with
    a second CPU a child process (:func:`t1dtrial._fork.in_child`) runs every
    other one while this process runs the rest. Warnings are caught per
    analysis and raised again in plan order, so the notes they become read the
    same whether or not a child ran them.
    """
    from .._fork import cpus, in_child

    def run(indices: list[int], report: bool) -> dict[int, tuple[Result, list]]:
        out = {}
        for i in indices:
            if report:
                step(specs[i].name)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", T1DTrialWarning)
                out[i] = (run_analysis(specs[i], data), [(w.message, w.category) for w in caught])
        return out

    everyone = list(range(len(specs)))
    if cpus() < 2 or len(specs) < 2:
        done = run(everyone, True)
    else:
        theirs = everyone[1::2]
        wait = in_child(lambda: run(theirs, False))
        done = run(everyone[0::2], True)
        done.update(wait())
    results = []
    for i in everyone:
        res, caught = done[i]
        for message, category in caught:
            warnings.warn(message, category, stacklevel=2)
        results.append(res)
    return results


def attach_tables(results: list[Result], tables: dict[str, pd.DataFrame]) -> None:
    """Point each result's parts at its rows of the finished tables (levels and labels added)."""
    for res in results:
        for part, (name, start, stop) in res.written.items():
            if name in tables:
                setattr(res, part, tables[name].iloc[start:stop].reset_index(drop=True))


def _stack(name: str, items: list[tuple[Result, str]],
           extra: list[pd.DataFrame]) -> pd.DataFrame:
    """One output table from the results written to it (rows recorded on each result)."""
    frames, start = [], 0
    for res, part in items:
        table = getattr(res, part)
        if table is None:
            table = res.table if part == "comparison" else pd.DataFrame()
        if part != "table" and len(table) and "subgroup" not in table.columns:
            table = table.copy()  # the contract's primary tables: no subgroup = every subject
            table.insert(0, "subgroup", "all")
            setattr(res, part, table)
        res.written[part] = [name, start, start + len(table)]
        start += len(table)
        frames.append(table)
    frames += extra
    filled = [f for f in frames if len(f)]
    if not filled:
        return next((f for f in frames if len(f.columns)), pd.DataFrame())
    if len(filled) == 1:
        return filled[0].reset_index(drop=True)
    return pd.concat(filled, ignore_index=True)


def run_analysis(spec: AnalysisSpec, data: AnalysisData) -> Result:
    """One planned analysis through its method; a row saying why when it cannot be estimated."""
    try:
        method = get_method(spec.method)
    except ProtocolError:  # the protocol check names it; a plan built in code may still
        return _not_estimable(spec, data, None, f"no method named {spec.method!r} is registered")
    fits = spec.outcome in method.outcomes if spec.outcome else "" in method.outcomes
    if not fits:
        shapes = " or ".join(o or "no endpoint" for o in method.outcomes)
        what = (f"{spec.endpoint_name} is a {spec.outcome.replace('_', ' ')} endpoint"
                if spec.outcome else "the analysis names no endpoint")
        return _not_estimable(spec, data, method,
                              f"method {spec.method} fits {shapes} endpoints; {what}")
    if spec.dose_response != method.trend:
        why = ("does not estimate a dose-response trend; name pairs of arms or a trend method"
               if spec.dose_response else "estimates a dose-response trend; it needs "
               "comparisons: dose-response")
        return _not_estimable(spec, data, method, f"method {spec.method} {why}")
    try:
        res = method.fn(spec, data)
    except EstimationError as exc:
        return _not_estimable(spec, data, method, exc.reason)
    return _at_level(res, spec.conf_level)


def _at_level(res: Result, level: float) -> Result:
    """The result's tables say the analysis' own level on every interval row.

    Done here, before the tables of several analyses are stacked, so that an
    analysis planned at another level than the protocol's is not labelled
    with the protocol's (rows that say the level they achieved keep it).
    """
    for part in ("table", "by_arm", "comparison"):
        table = getattr(res, part)
        if table is not None:
            setattr(res, part, add_conf_level(table, level))
    res.companions = {name: add_conf_level(t, level) for name, t in res.companions.items()}
    return res


def _not_estimable(spec: AnalysisSpec, data: AnalysisData, method: Method | None,
                   reason: str) -> Result:
    columns = list(method.columns) if method is not None else [
        "estimate", "ci_low", "ci_high", "p_value", "method", "n"]
    key = {"endpoint": spec.endpoint_name} if spec.endpoint_name else {}
    labels = spec.labels
    if spec.dose_response:  # one trend across the arms in dose order, not pairs
        arms = dose_scores(data.protocol).arms or list(data.protocol.arm_codes)
        labels = [f"dose-response across {', '.join(arms)}"]
    keys = [{**key, "comparison": label} for label in labels] if "comparison" in columns \
        and labels else [key]
    table = not_estimable_rows(columns, reason, keys)
    return Result(name=spec.name, shape="not-estimable", table=table,
                  title=f"{spec.name}: not estimable", role=spec.role,
                  endpoint=spec.endpoint_name, method_name=spec.method,
                  population=spec.population,
                  n_by_arm=population_sizes(data.adsl, spec, list(data.protocol.arm_codes)),
                  conf_level=spec.conf_level, method=f"not estimable: {reason}",
                  footnotes=footnotes(spec), by_arm=pd.DataFrame(), comparison=table)
