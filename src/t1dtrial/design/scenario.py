"""Power of a protocol's primary analysis in trials simulated from the calibrated model.

"Re-run the reference study as a randomised trial with ``n`` per arm": for
every cell of a grid (participants per arm, allocation ratio, cell dose,
follow-up, dropout, missed visits), ``sims`` whole trials are simulated with
:func:`t1dtrial.simulate.simulate_cohort` and each is analysed by the
protocol's primary analysis (the ``analysis_plan`` entry of role primary,
with its own method, population, visit and missing-data rule). Power is the
share of trials whose p-value of a primary comparison is at most ``alpha``
(default the protocol's ``analysis.alpha``); its Monte Carlo standard error
is ``sqrt(power (1 - power) / sims)``. Follow-up is the visit of the
schedule at which the primary analysis is read (default its planned visit):
a shorter trial is the same trial analysed at an earlier visit. A dose
factor multiplies every cell dose of the protocol's infusions (target,
fixed total and allowed range), so the model's dose-response acts on it
(:func:`with_dose_factor`); the visit schedule is the protocol's.

Each trial is analysed along one of two paths that give the same p-values
(:mod:`t1dtrial.design._scenario_pvalues`; ``path``):

- ``arrays``: the derived variables the method reads, from the simulator's
  arrays, then the statistics function the method calls (milliseconds a
  trial); for responder tests (Fisher, chi-square) and one-visit
  continuous comparisons (ANCOVA, Welch, Mann-Whitney, within-arm t);
- ``pipeline``: each trial's contract tables through validation, the ADaM
  derivations and the registered method, as ``t1dtrial analyze`` (about
  0.3 s a trial); for any method.

``path="auto"`` takes ``arrays`` where it exists. The grid runs on
:func:`t1dtrial.design.runner.run_grid` (local processes or Dask), so a
result depends on the seed and the chunk size only.

Examples
--------
>>> run = scenario_power("lu2021", [10], sims=40, seed=1, chunk_size=20, workers=1)
>>> row = run.table.iloc[0]
>>> row["comparison"], row["method"], int(row["sims"])
('MSC vs CONTROL', 'fisher (arrays)', 40)
>>> bool(abs(row["mc_se"] - (row["power"] * (1 - row["power"]) / 40) ** 0.5) < 1e-12)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np

from ._scenario_pvalues import (arrays_supported, comparison_labels, pvalues_arrays,
                                pvalues_pipeline)
from ..errors import option_error
from .runner import run_grid

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..protocol import Protocol
    from ..simulate import ModelParameters

__all__ = ["SCENARIO_COLUMNS", "PATHS", "ScenarioPower", "scenario_power", "scenario_cells",
           "scenario_chunk", "primary_spec", "with_dose_factor"]

#: Columns of a scenario power table, in order.
SCENARIO_COLUMNS = ("protocol", "n_per_arm", "n_by_arm", "dose_factor", "dropout_per_year",
                    "missed_visit_probability", "endpoint", "visit", "comparison", "method",
                    "path", "alpha", "sims", "rejections", "not_estimable", "power", "mc_se",
                    "seed")

#: How each simulated trial is analysed.
PATHS = ("auto", "arrays", "pipeline")

#: Default trials per chunk (seconds of work each) by path.
_CHUNK = {"arrays": 200, "pipeline": 5}


@dataclass
class ScenarioPower:
    """The power table of a grid and how the run ended.

    Attributes
    ----------
    table : DataFrame
        One row a finished cell and primary comparison, columns :data:`SCENARIO_COLUMNS`.
    cells : int
        Cells of the grid.
    missing : int
        Cells not finished (after Ctrl-C).
    interrupted : bool
    backend : str
    seed : int
    """

    table: "pd.DataFrame"
    cells: int
    missing: int
    interrupted: bool
    backend: str
    seed: int


def primary_spec(protocol: "Protocol") -> Any:
    """The protocol's primary analysis, resolved (:class:`~t1dtrial.analysis.methods.AnalysisSpec`).

    Raises
    ------
    InputError
        The plan has no analysis of role primary.
    """
    from ..analysis.methods import resolve
    from ..protocol.plan import primary_analysis

    planned = primary_analysis(protocol.plan)
    if planned is None:
        raise option_error("--protocol", protocol.id,
                           "its analysis plan has no analysis of role primary",
                           "a protocol whose analysis_plan names a primary analysis")
    return resolve(planned, protocol)


def with_dose_factor(protocol: "Protocol", factor: float) -> "Protocol":
    """The protocol with every cell dose of its infusions multiplied by ``factor``.

    Targets per kg, fixed totals and allowed ranges alike, for every arm and
    product (a sham infusion has none); everything else is unchanged.

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> p = with_dose_factor(load_protocol("lu2021"), 2.0)
    >>> p.infusions[0].dose.per_kg, p.infusions[0].dose.range_per_kg
    (2000000.0, (1000000.0, 4000000.0))
    """
    if factor == 1:
        return protocol

    def scaled(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: (v * factor if k in ("per_kg", "total") and isinstance(v, (int, float))
                        else [x * factor for x in v] if k == "range_per_kg" and v is not None
                        else scaled(v)) for k, v in obj.items()}
        if isinstance(obj, list):
            return [scaled(v) for v in obj]
        return obj

    data = protocol.model_dump(mode="python", by_alias=True)
    data["infusions"] = scaled(data["infusions"])
    return type(protocol).model_validate(data)


def scenario_cells(protocol: "Protocol | str", n_per_arm: Sequence[int], *,
                   allocation: Mapping[str, float] | None = None,
                   dose_factor: Sequence[float] = (1.0,),
                   visits: Sequence[str] | None = None,
                   dropout_per_year: Sequence[float] = (0.0,),
                   missed_visit_probability: Sequence[float] = (0.0,),
                   alpha: float | None = None, path: str = "auto",
                   params: "ModelParameters | None" = None) -> list[dict]:
    """The grid: one cell for every combination of the options given.

    ``allocation`` weights the arms: an arm gets ``round(n * weight)``
    participants (default 1 each, i.e. ``n`` per arm). ``dose_factor``
    multiplies the protocol's cell doses (:func:`with_dose_factor`). ``visits`` are the
    follow-up visits at which the primary analysis is read (default its
    planned visit).

    Raises
    ------
    InputError
        A value out of range, an unknown arm, or ``path="arrays"`` for an
        analysis only the pipeline runs.

    Examples
    --------
    >>> cells = scenario_cells("lu2021", [20, 40], allocation={"MSC": 2, "CONTROL": 1})
    >>> [c["sizes"] for c in cells]
    [{'MSC': 40, 'CONTROL': 20}, {'MSC': 80, 'CONTROL': 40}]
    """
    from ..protocol import load_protocol
    from ..simulate import ModelParameters

    protocol = load_protocol(protocol)
    spec = primary_spec(protocol)
    weights = _allocation(protocol, allocation)
    chosen = _path(spec, protocol, path)
    level = protocol.analysis.alpha if alpha is None else alpha
    _within("--alpha", [level], 0.0, 0.5, strict_low=True)
    _within("--n-per-arm", n_per_arm, 1, 100_000)
    _within("--dropout", dropout_per_year, 0.0, 100.0)
    _within("--dose-factor", dose_factor, 0.0, 1000.0, strict_low=True)
    dosed = {float(f): with_dose_factor(protocol, float(f)) for f in dose_factor}
    _within("--missed-visit", missed_visit_probability, 0.0, 1.0)
    params = params if params is not None else ModelParameters()
    planned = spec.visits[-1] if spec.visits else ""
    follow_up = list(visits) if visits else [planned]
    later = [v for v in protocol.visit_codes if v != protocol.baseline_visit]
    for visit in follow_up:
        if visit != planned and visit not in later:
            raise option_error("--visit", visit, "is not a follow-up visit of the protocol",
                          ", ".join(later))
    cells = []
    for n in n_per_arm:
        sizes = {code: int(round(n * w)) for code, w in weights.items()}
        if any(size < 1 for size in sizes.values()):
            raise option_error("--n-per-arm", n, "gives an arm no participant with the allocation",
                          "a larger number per arm")
        for factor, dosed_protocol in dosed.items():
            for visit in follow_up:
                for drop in dropout_per_year:
                    for missed in missed_visit_probability:
                        cells.append({"protocol": dosed_protocol, "n_per_arm": int(n),
                                      "sizes": sizes, "dose_factor": factor, "visit": visit,
                                      "dropout_per_year": float(drop),
                                      "missed_visit_probability": float(missed),
                                      "alpha": float(level), "path": chosen, "params": params})
    return cells


def scenario_chunk(cell: Mapping[str, Any], rng: np.random.Generator,
                   trials: int) -> dict[str, int]:
    """Simulate ``trials`` trials of one cell and count the primary comparisons rejected.

    Returns ``trials``, and per comparison ``j`` ``rejected_j`` and
    ``not_estimable_j`` (counts that add up across chunks).
    """
    from ..simulate import simulate_cohort

    protocol = cell["protocol"]
    spec = _at_visit(primary_spec(protocol), cell["visit"])
    params = cell["params"].replace(dropout_per_year=cell["dropout_per_year"],
                                    missed_visit_probability=cell["missed_visit_probability"])
    cohort = simulate_cohort(protocol, n_per_arm=dict(cell["sizes"]), n_trials=int(trials),
                             params=params, seed=rng.bit_generator.seed_seq)
    run = pvalues_arrays if cell["path"] == "arrays" else pvalues_pipeline
    p = run(cohort, spec)
    out = {"trials": int(trials)}
    for j in range(p.shape[1]):
        out[f"rejected_{j}"] = int(np.sum(p[:, j] <= cell["alpha"]))
        out[f"not_estimable_{j}"] = int(np.sum(np.isnan(p[:, j])))
    return out


def scenario_power(protocol: "Protocol | str", n_per_arm: Sequence[int], *, sims: int = 1000,
                   seed: int | None = None, alpha: float | None = None,
                   allocation: Mapping[str, float] | None = None,
                   dose_factor: Sequence[float] = (1.0,),
                   visits: Sequence[str] | None = None,
                   dropout_per_year: Sequence[float] = (0.0,),
                   missed_visit_probability: Sequence[float] = (0.0,), path: str = "auto",
                   chunk_size: int | None = None, chunks_per_task: int = 1,
                   scheduler: str | None = None, workers: int | None = None,
                   params: "ModelParameters | None" = None,
                   progress: Callable[[int, int], None] | None = None) -> ScenarioPower:
    """Power of the protocol's primary analysis over a grid of simulated trial designs.

    Parameters
    ----------
    protocol : Protocol or str
        A protocol or the name/path of one; its plan's primary analysis is applied.
    n_per_arm : sequence of int
        Participants per arm (of weight 1 under ``allocation``).
    sims : int
        Simulated trials per cell.
    seed : int, optional
        Seed of every stream (fresh entropy, recorded in the table, when None).
    alpha : float, optional
        Level; default the protocol's ``analysis.alpha``.
    allocation : mapping of arm code to weight, optional
        Allocation ratio, e.g. ``{"MSC": 2, "CONTROL": 1}``.
    dose_factor : sequence of float
        Multipliers of the protocol's cell doses (a grid; 1 = as planned).
    visits : sequence of str, optional
        Follow-up: visits at which the primary analysis is read (a grid);
        default its planned visit.
    dropout_per_year, missed_visit_probability : sequences of float
        Rate of withdrawal per year and probability of a missed visit (grids).
    path : {"auto", "arrays", "pipeline"}
        How each trial is analysed (module docstring).
    chunk_size : int, optional
        Trials per chunk (default 200 on arrays, 5 on the pipeline).
    chunks_per_task, scheduler, workers, progress
        As :func:`t1dtrial.design.runner.run_grid`.
    params : ModelParameters, optional
        Model parameters (default the calibrated ones).

    Returns
    -------
    ScenarioPower
        Its table holds the finished cells (all of them unless interrupted).
    """
    import pandas as pd

    from ..protocol import load_protocol
    from ..simulate.cohort import check_seed

    protocol = load_protocol(protocol)
    seed = check_seed(seed)
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1)
    cells = scenario_cells(protocol, n_per_arm, allocation=allocation,
                           dose_factor=dose_factor, visits=visits,
                           dropout_per_year=dropout_per_year,
                           missed_visit_probability=missed_visit_probability, alpha=alpha,
                           path=path, params=params)
    chosen = cells[0]["path"]
    run = run_grid(cells, scenario_chunk, sims=sims, chunk_size=chunk_size or _CHUNK[chosen],
                   seed=seed, chunks_per_task=chunks_per_task, scheduler=scheduler,
                   workers=workers, progress=progress)
    spec = primary_spec(protocol)
    labels = comparison_labels(spec, protocol)
    rows = []
    for i in run.finished:
        cell, counts = cells[i], run.counts[i]
        for j, label in enumerate(labels):
            power = counts[f"rejected_{j}"] / counts["trials"]
            rows.append({
                "protocol": protocol.id, "n_per_arm": cell["n_per_arm"],
                "n_by_arm": ", ".join(f"{k}={v}" for k, v in cell["sizes"].items()),
                "dose_factor": cell["dose_factor"],
                "dropout_per_year": cell["dropout_per_year"],
                "missed_visit_probability": cell["missed_visit_probability"],
                "endpoint": spec.endpoint_name, "visit": cell["visit"],
                "comparison": label, "method": f"{spec.method} ({cell['path']})",
                "path": cell["path"], "alpha": cell["alpha"], "sims": counts["trials"],
                "rejections": counts[f"rejected_{j}"],
                "not_estimable": counts[f"not_estimable_{j}"], "power": power,
                "mc_se": float(np.sqrt(power * (1.0 - power) / counts["trials"])),
                "seed": seed})
    table = pd.DataFrame(rows, columns=list(SCENARIO_COLUMNS))
    return ScenarioPower(table=table, cells=len(cells), missing=run.missing,
                         interrupted=run.interrupted, backend=run.backend, seed=seed)


# -- checks ----------------------------------------------------------------------------------

def _within(option: str, values: Sequence[float], low: float, high: float, *,
            strict_low: bool = False) -> None:
    for v in values:
        bad = (isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating))
               or not (low < v if strict_low else low <= v) or not v <= high)
        if bad:
            raise option_error(option, v, "is out of range",
                          f"a number {'above' if strict_low else 'from'} {low:g} to {high:g}")


def _allocation(protocol: "Protocol", allocation: Mapping[str, float] | None) -> dict[str, float]:
    codes = list(protocol.arm_codes)
    if allocation is None:
        return {code: 1.0 for code in codes}
    unknown = sorted(set(allocation) - set(codes))
    if unknown:
        raise option_error("--allocation", ", ".join(unknown), "names an arm the protocol does not have",
                      f"weights of the arms {', '.join(codes)}")
    weights = {code: float(allocation.get(code, 1.0)) for code in codes}
    _within("--allocation", list(weights.values()), 0.0, 1000.0, strict_low=True)
    return weights


def _at_visit(spec: Any, visit: str) -> Any:
    """The primary analysis read at another follow-up visit (itself at its planned one)."""
    import dataclasses

    if not spec.visits or visit == spec.visits[-1]:
        return spec
    return dataclasses.replace(spec, visits=[visit])


def _path(spec: Any, protocol: "Protocol", path: str) -> str:
    if path not in PATHS:
        raise option_error("--path", path, "is not a path", ", ".join(PATHS))
    why = arrays_supported(spec, protocol)
    if path == "arrays" and why is not None:
        raise option_error("--path", path, f"cannot run this primary analysis ({why})",
                      "pipeline or auto")
    if path == "auto":
        return "arrays" if why is None else "pipeline"
    return path
