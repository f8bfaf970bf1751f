"""Monte Carlo power: many simulated trials at once, each analysed by the planned test.

Where no exact answer is at hand (continuous endpoints, covariates) power is
the proportion of simulated trials in which the test rejects, with its Monte
Carlo standard error ``sqrt(power (1 - power) / sims)`` in every result.

Kinds of cell and their tests:

``binary``
    Two binomial arms. ``fisher``, ``chisq``, ``chisq_cc`` (and any test of
    :data:`t1dtrial.design.exact.TESTS`): each simulated table is looked up
    in the test's rejection region, computed once. ``logistic``: response ~
    arm + baseline covariate(s) by maximum likelihood, Wald test of the arm
    (batched IRLS, :mod:`._mc_logistic`); trials where it is not estimable
    (separation, no convergence) count as *not rejected* and are counted in
    ``not_estimable``.
``continuous``
    Normal outcomes with a difference ``delta`` between the arms' means and a
    common ``sd``. ``welch`` (Welch's t-test), ``mann-whitney`` (as
    ``scipy.stats.mannwhitneyu``'s default: the exact distribution of U when
    an arm has 8 or fewer participants, from one table of p-values per
    design; otherwise the normal approximation with tie and continuity
    corrections), ``ancova`` (outcome ~ arm + baseline,
    the baseline normal with the same ``sd`` and correlation ``correlation``
    with the outcome within each arm).

Random streams. The ``sims`` trials of a cell are cut into chunks of
:data:`CHUNK_TRIALS`; chunk ``k`` of cell ``c`` draws from
``Generator(PCG64(SeedSequence(seed, spawn_key=(c, k))))``
(:func:`~t1dtrial.design.runner.chunk_rng`), and its counts depend only on that stream and its
number of trials (:func:`simulate_counts`). Results therefore depend on
``(seed, cell, chunk)`` only, never on how chunks are spread over workers;
counts of chunks add up. A runner spreading cells and chunks over processes
or a cluster (:mod:`t1dtrial.design.runner`) needs only: a cell from
:func:`binary_cell` or :func:`continuous_cell`, the runner's ``chunk_plan``
and ``chunk_rng``, :func:`simulate_counts` per chunk, and :func:`summarise`
of the summed counts (exactly what :func:`mc_power` does in one process).

Examples
--------
>>> res = mc_power_binary(27, 26, 0.40, 0.08, test="fisher", sims=20000, seed=1)
>>> abs(res["power"] - 0.731) < 4 * res["mc_se"], res["sims"]
(True, 20000)
>>> from t1dtrial.design.runner import chunk_rng
>>> simulate_counts("binary", binary_cell(10, 10, 1.0, 0.0), chunk_rng(1, 0, 0), 50)["rejections"]
50
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ._mc_cells import binary_cell, continuous_cell
from ._mc_simulate import binary_counts, continuous_counts
from .runner import chunk_plan, chunk_rng

__all__ = ["CHUNK_TRIALS", "KINDS", "binary_cell", "continuous_cell",
           "simulate_counts", "mc_power", "summarise",
           "mc_power_binary", "mc_power_continuous", "mc_binary_power_grid",
           "mc_continuous_power_grid", "CONTINUOUS_COLUMNS", "chunk_counts_by_test"]

#: Trials in one chunk (the unit of a random stream); the last chunk of a cell may be shorter.
CHUNK_TRIALS = 100_000

#: Kinds of cell and the function counting rejections of each.
KINDS: dict[str, Callable[[Mapping[str, Any], np.random.Generator, int], dict[str, int]]] = {
    "binary": binary_counts, "continuous": continuous_counts}

#: Columns of a continuous power table, in order.
CONTINUOUS_COLUMNS = ("n1", "n2", "delta", "sd", "correlation", "distribution", "test", "method",
                      "sims", "power", "mc_se", "alpha", "alternative")


def simulate_counts(kind: str, cell: Mapping[str, Any], rng: np.random.Generator,
                    trials: int) -> dict[str, int]:
    """Simulate ``trials`` trials of ``cell`` from ``rng``: ``{"rejections", "trials",
    "not_estimable"}``, which add up over chunks.

    Parameters
    ----------
    kind : {"binary", "continuous"}
    cell : mapping
        A design cell, as :func:`binary_cell` or :func:`continuous_cell`
        make it (checked, defaults filled in).
    rng : numpy.random.Generator
    trials : int

    Examples
    --------
    >>> cell = continuous_cell(20, 20, delta=0.0, test="welch")
    >>> from t1dtrial.design.runner import chunk_rng
    >>> counts = simulate_counts("continuous", cell, chunk_rng(3, 0, 0), 1000)
    >>> counts["trials"], counts["rejections"] < 100
    (1000, True)
    """
    return KINDS[kind](cell, rng, int(trials))


def mc_power(kind: str, cell: Mapping[str, Any], *, sims: int, seed: int,
             cell_index: int = 0) -> dict[str, Any]:
    """Monte Carlo power of one cell: its chunks run one after the other and summed.

    Returns the cell's parameters with ``method="mc"``, ``sims``, ``seed``,
    ``rejections``, ``not_estimable``, ``power`` and ``mc_se``.
    """
    if int(sims) < 1:
        raise ValueError(f"sims must be a whole number of at least 1, not {sims!r}")
    total = {"rejections": 0, "trials": 0, "not_estimable": 0}
    for chunk, size in enumerate(chunk_plan(int(sims), CHUNK_TRIALS)):
        counts = simulate_counts(kind, cell, chunk_rng(seed, cell_index, chunk), size)
        for key in total:
            total[key] += counts[key]
    return summarise(cell, total, seed=seed)


def summarise(cell: Mapping[str, Any], counts: Mapping[str, int], *, seed: int) -> dict[str, Any]:
    """A result from a cell and its summed chunk counts: power, its Monte Carlo SE, the counts."""
    sims = int(counts["trials"])
    power = counts["rejections"] / sims
    return {**cell, "method": "mc", "sims": sims, "seed": int(seed),
            "rejections": int(counts["rejections"]),
            "not_estimable": int(counts["not_estimable"]),
            "power": power, "mc_se": float(np.sqrt(power * (1.0 - power) / sims))}


def mc_power_binary(n1: int, n2: int, p1: float, p2: float, *, alpha: float = 0.05,
                    test: str = "fisher", alternative: str = "two-sided",
                    covariate_or: float | Sequence[float] = 1.0, sims: int = 10_000,
                    seed: int = 1, cell_index: int = 0) -> dict[str, Any]:
    """Monte Carlo power of a comparison of two proportions.

    Parameters
    ----------
    n1, n2 : int
        Participants on treatment and on control.
    p1, p2 : float
        True response probabilities (for ``logistic``: of a participant at
        the covariates' mean).
    alpha : float
    test : str
        A test of :data:`t1dtrial.design.exact.TESTS` (its rejection region is
        used) or ``"logistic"``.
    alternative : {"two-sided", "greater"}
        ``greater``: treatment's proportion higher.
    covariate_or : float or sequence of float
        ``logistic`` only: odds ratio of response per SD of each baseline
        covariate (independent standard normals); 1 means a covariate
        unrelated to response, still adjusted for.
    sims : int
        Simulated trials.
    seed : int
    cell_index : int
        This cell's number in a grid (the first key of its random streams).

    Returns
    -------
    dict
        ``n1, n2, p1, p2, alpha, test, alternative`` (and ``covariate_or``
        for logistic), ``method, sims, seed, rejections, not_estimable,
        power, mc_se``.

    Examples
    --------
    >>> res = mc_power_binary(27, 26, 0.4, 0.4, test="chisq", sims=5000, seed=2)
    >>> res["power"] < 0.08, res["method"]
    (True, 'mc')
    """
    cell = binary_cell(n1, n2, p1, p2, alpha=alpha, test=test, alternative=alternative,
                       covariate_or=covariate_or)
    return mc_power("binary", cell, sims=sims, seed=seed, cell_index=cell_index)


def mc_power_continuous(n1: int, n2: int, *, delta: float, sd: float = 1.0,
                        test: str = "welch", correlation: float = 0.0, alpha: float = 0.05,
                        alternative: str = "two-sided", sims: int = 10_000, seed: int = 1,
                        cell_index: int = 0) -> dict[str, Any]:
    """Monte Carlo power of a comparison of a normally distributed endpoint.

    Parameters
    ----------
    n1, n2 : int
    delta : float
        True difference of means, treatment minus control.
    sd : float
        Common standard deviation of the outcome in each arm.
    test : {"welch", "mann-whitney", "ancova"}
    correlation : float
        ``ancova`` only: correlation between baseline and outcome within an
        arm (the baseline has the same SD and mean in both arms).
    alpha : float
    alternative : {"two-sided", "greater"}
    sims, seed, cell_index
        As for :func:`mc_power_binary`.

    Returns
    -------
    dict
        The assumptions (``n1, n2, delta, sd, correlation, distribution``,
        ``alpha, test, alternative``) with ``method, sims, seed, rejections,
        not_estimable, power, mc_se``.

    Examples
    --------
    >>> res = mc_power_continuous(30, 30, delta=0.8, sd=1.0, test="welch", sims=4000, seed=1)
    >>> 0.8 < res["power"] < 0.9, res["distribution"]
    (True, 'normal')
    """
    cell = continuous_cell(n1, n2, delta=delta, sd=sd, test=test, correlation=correlation,
                           alpha=alpha, alternative=alternative)
    return mc_power("continuous", cell, sims=sims, seed=seed, cell_index=cell_index)


def mc_binary_power_grid(n1: Sequence[int], n2: Sequence[int] | None, p1: Sequence[float],
                         p2: Sequence[float], *, alpha: float = 0.05,
                         tests: Iterable[str] = ("fisher",), alternative: str = "two-sided",
                         sims: int = 10_000, seed: int = 1, scheduler: str | None = None,
                         workers: int | None = None,
                         progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Monte Carlo power of each test in every cell of the grid ``n1 x n2 x p1 x p2``.

    The table has the columns of :data:`t1dtrial.design.grid.GRID_COLUMNS`,
    as :func:`t1dtrial.design.grid.binary_power_grid` (the exact one). Cells
    are numbered in grid order; all tests of one cell analyse the same
    simulated trials (the cell's streams), so their powers differ by less
    noise than independent runs would. The cells run on the grid runner
    (:func:`t1dtrial.design.runner.run_grid`: local processes by default, a
    Dask cluster with ``scheduler``) with the same numbers on any backend;
    after Ctrl-C the table holds the finished cells and ``table.attrs`` says
    how many are missing (``cells``, ``missing``, ``interrupted``, ``backend``).

    Examples
    --------
    >>> t = mc_binary_power_grid([27], [26], [0.4], [0.08], tests=["fisher", "chisq"], sims=2000)
    >>> list(t["method"]), list(t["sims"]), bool((t["mc_se"] > 0).all())
    (['mc', 'mc'], [2000, 2000], True)
    """
    from .grid import GRID_COLUMNS, design_pairs

    tests = list(tests)
    pairs = design_pairs(n1, n2)
    cells = [[binary_cell(a, b, q1, q2, alpha=alpha, test=t, alternative=alternative)
              for t in tests] for (a, b), q1, q2 in itertools.product(pairs, p1, p2)]
    return _run_tests("binary", cells, GRID_COLUMNS, sims=sims, seed=seed, scheduler=scheduler,
                      workers=workers, progress=progress)


def mc_continuous_power_grid(n1: Sequence[int], n2: Sequence[int] | None,
                             delta: Sequence[float], *, sd: Sequence[float] = (1.0,),
                             correlation: Sequence[float] = (0.0,), alpha: float = 0.05,
                             tests: Iterable[str] = ("welch",), alternative: str = "two-sided",
                             sims: int = 10_000, seed: int = 1, scheduler: str | None = None,
                             workers: int | None = None,
                             progress: Callable[[int, int], None] | None = None
                             ) -> pd.DataFrame:
    """Monte Carlo power of each continuous test in every cell ``n1 x n2 x delta x sd x
    correlation`` (the correlation is ANCOVA's; the other tests run once a cell ``n1 x n2 x
    delta x sd``, their rows showing correlation 0). Runs as :func:`mc_binary_power_grid`.

    Returns
    -------
    DataFrame
        One row a cell and test, columns :data:`CONTINUOUS_COLUMNS`.

    Examples
    --------
    >>> t = mc_continuous_power_grid([20], None, [0.0, 1.0], tests=["welch"], sims=1000)
    >>> list(t["delta"]), bool(t["power"].iloc[1] > t["power"].iloc[0])
    ([0.0, 1.0], True)
    """
    from .grid import design_pairs

    tests = list(tests)
    pairs = design_pairs(n1, n2)
    cells = [[continuous_cell(a, b, delta=d, sd=s, test=t,
                              correlation=r if t == "ancova" else 0.0, alpha=alpha,
                              alternative=alternative)
              for t in tests if t == "ancova" or r == correlation[0]]  # the others once, at 0
             for (a, b), d, s, r in itertools.product(pairs, delta, sd, correlation)]
    return _run_tests("continuous", cells, CONTINUOUS_COLUMNS, sims=sims, seed=seed,
                      scheduler=scheduler, workers=workers, progress=progress)


def chunk_counts_by_test(cell: Mapping[str, Any], rng: np.random.Generator, trials: int) -> dict[str, int]:
    """One chunk of a grid cell for each of its tests, every test on the same simulated trials
    (the generator's state is copied for each): ``trials``, ``rejections:j``, ``not_estimable:j``.

    ``cell`` is ``{"kind": "binary" | "continuous", "tests": [test cell, ...]}``.

    Examples
    --------
    >>> cell = {"kind": "binary", "tests": [binary_cell(27, 26, 0.4, 0.08, test="fisher")]}
    >>> from t1dtrial.design.runner import chunk_rng
    >>> c = chunk_counts_by_test(cell, chunk_rng(1, 0, 0), 1000)
    >>> one = simulate_counts("binary", cell["tests"][0], chunk_rng(1, 0, 0), 1000)
    >>> c["trials"], c["rejections:0"] == one["rejections"]
    (1000, True)
    """
    state = rng.bit_generator.state
    out = {"trials": int(trials)}
    for j, test_cell in enumerate(cell["tests"]):
        copy = np.random.Generator(np.random.PCG64())
        copy.bit_generator.state = state
        counts = simulate_counts(cell["kind"], test_cell, copy, trials)
        out[f"rejections:{j}"] = int(counts["rejections"])
        out[f"not_estimable:{j}"] = int(counts["not_estimable"])
    return out


def _run_tests(kind: str, cells: list[list[dict]], columns: Sequence[str], *, sims: int,
               seed: int, scheduler: str | None, workers: int | None,
               progress: Callable[[int, int], None] | None) -> pd.DataFrame:
    """Every cell's tests on the grid runner (cell ``i`` draws the streams ``(seed, i, chunk)``,
    exactly as :func:`mc_power` with ``cell_index=i``), one row a cell and test."""
    from .runner import run_grid

    if int(sims) < 1:
        raise ValueError(f"sims must be a whole number of at least 1, not {sims!r}")
    run = run_grid([{"kind": kind, "tests": tests} for tests in cells], chunk_counts_by_test,
                   sims=int(sims), chunk_size=CHUNK_TRIALS, seed=int(seed), scheduler=scheduler,
                   workers=workers if workers is not None else (1 if len(cells) == 1 else None),
                   progress=progress)
    rows = []
    for tests, counts in zip(cells, run.counts):
        if counts is None:  # not finished (interrupted)
            continue
        for j, test_cell in enumerate(tests):
            res = summarise(test_cell, {"trials": counts["trials"],
                                        "rejections": counts[f"rejections:{j}"],
                                        "not_estimable": counts[f"not_estimable:{j}"]},
                            seed=seed)
            rows.append(tuple(res[c] for c in columns))
    table = pd.DataFrame(rows, columns=list(columns))
    table.attrs.update(cells=len(cells), missing=run.missing, interrupted=run.interrupted,
                       backend=run.backend)
    return table
