"""Run a grid of design scenarios in chunks, locally (processes) or on a Dask cluster.

A grid is a list of *cells* (small dicts of parameters: a sample size, a
dose ...). Each cell needs ``sims`` simulated trials, cut into chunks of
``chunk_size`` trials. A chunk function ``f(cell, rng, trials)`` simulates
``trials`` trials of one cell and returns counts that add up (``{"trials":
1000, "rejections": 731}``); :func:`run_grid` sums them per cell.

Determinism
-----------
Chunk ``j`` of cell ``i`` draws from its own stream,
``Generator(PCG64(SeedSequence(seed, spawn_key=(i, j))))``, and a cell's
counts are summed in chunk order, so a result depends on ``seed``,
``sims`` and ``chunk_size`` only: not on the backend, the number of
workers, the order tasks finish in, or how chunks are grouped into tasks
(``chunks_per_task``).

Backends
--------
``scheduler=None`` runs locally: a pool of forked processes (one per CPU,
or ``workers``), or this process alone for one worker or one task.
``scheduler="tcp://HOST:PORT"`` submits the tasks to an existing Dask
cluster (``pip install 't1dtrial[dask]'``); the cluster is left running.
A task costs milliseconds of overhead on Dask: give each seconds of work.

Interruption
------------
Ctrl-C (:class:`KeyboardInterrupt`) while the grid runs cancels the tasks
not yet finished and returns the cells whose every chunk had finished
(:attr:`GridRun.interrupted` is True, :attr:`GridRun.missing` counts the
others); a cell is never reported from part of its chunks.

Examples
--------
>>> from functools import partial
>>> from t1dtrial.design.montecarlo import binary_cell, simulate_counts
>>> cells = [binary_cell(20, 20, 0.4, 0.1), binary_cell(40, 40, 0.4, 0.1)]
>>> fisher = partial(simulate_counts, "binary")  # Monte Carlo power of Fisher's test
>>> run = run_grid(cells, fisher, sims=400, chunk_size=100, seed=1, workers=1)
>>> [c["trials"] for c in run.counts]
[400, 400]
>>> run.interrupted, run.missing
(False, 0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = ["ChunkFunction", "GridRun", "run_grid", "chunk_rng", "chunk_plan",
           "DASK_INSTALL"]

#: ``f(cell, rng, trials) -> counts``: simulate ``trials`` trials of one cell.
ChunkFunction = Callable[[Mapping[str, Any], np.random.Generator, int], Mapping[str, Any]]

#: What to install for ``--scheduler``.
DASK_INSTALL = "pip install 't1dtrial[dask]'"


@dataclass
class GridRun:
    """The summed counts of every finished cell of a grid.

    Attributes
    ----------
    cells : list of dict
        The grid, in the order given.
    counts : list of (dict or None)
        Per cell, its chunks' counts summed in chunk order; None for a cell
        not finished (after an interruption).
    seed : int
    sims, chunk_size : int
    interrupted : bool
        The run was stopped (Ctrl-C) before every cell finished.
    backend : str
        ``"this process"``, ``"local processes (K)"`` or ``"dask tcp://..."``.
    """

    cells: list[dict]
    counts: list[dict | None]
    seed: int
    sims: int
    chunk_size: int
    interrupted: bool = False
    backend: str = ""

    @property
    def finished(self) -> list[int]:
        """Indices of the cells whose every chunk finished."""
        return [i for i, c in enumerate(self.counts) if c is not None]

    @property
    def missing(self) -> int:
        """Cells not finished."""
        return len(self.cells) - len(self.finished)


def chunk_rng(seed: int, cell_index: int, chunk_index: int) -> np.random.Generator:
    """The random stream of one chunk of one cell (independent of every other).

    Examples
    --------
    >>> a, b = chunk_rng(7, 0, 1).random(), chunk_rng(7, 0, 1).random()
    >>> a == b, a == chunk_rng(7, 1, 0).random()
    (True, False)
    """
    return np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(int(seed), spawn_key=(int(cell_index), int(chunk_index)))))


def chunk_plan(sims: int, chunk_size: int) -> list[int]:
    """Trials in each chunk of a cell: ``chunk_size`` each, the last one the rest.

    Examples
    --------
    >>> chunk_plan(2500, 1000)
    [1000, 1000, 500]
    """
    return [min(chunk_size, sims - start) for start in range(0, sims, chunk_size)]


def _run_task(fn: ChunkFunction, cell: Mapping[str, Any], seed: int, cell_index: int,
              chunks: Sequence[tuple[int, int]]) -> tuple[int, list[tuple[int, dict]]]:
    """One task: some chunks of one cell, each from its own stream (runs on a worker)."""
    out = []
    for chunk_index, trials in chunks:
        counts = fn(cell, chunk_rng(seed, cell_index, chunk_index), trials)
        out.append((chunk_index, dict(counts)))
    return cell_index, out


def _sum_counts(parts: dict[int, dict]) -> dict:
    """Counts of a cell's chunks summed in chunk order (same floating-point result every time)."""
    total: dict = {}
    for j in sorted(parts):
        for key, value in parts[j].items():
            total[key] = total[key] + value if key in total else value
    return total


class _Tally:
    """Chunks received per cell; a cell is finished when all of its chunks are in."""

    def __init__(self, n_cells: int, n_chunks: int,
                 progress: Callable[[int, int], None] | None):
        self.parts: list[dict[int, dict]] = [{} for _ in range(n_cells)]
        self.counts: list[dict | None] = [None] * n_cells
        self.n_chunks = n_chunks
        self.done = 0
        self.progress = progress

    def add(self, result: tuple[int, list[tuple[int, dict]]]) -> None:
        cell_index, chunks = result
        for chunk_index, counts in chunks:
            self.parts[cell_index][chunk_index] = counts
        if len(self.parts[cell_index]) == self.n_chunks and self.counts[cell_index] is None:
            self.counts[cell_index] = _sum_counts(self.parts[cell_index])
            self.parts[cell_index] = {}
            self.done += 1
            if self.progress is not None:
                self.progress(self.done, len(self.counts))


def run_grid(cells: Sequence[Mapping[str, Any]], fn: ChunkFunction, *, sims: int,
             chunk_size: int, seed: int, chunks_per_task: int = 1,
             scheduler: str | None = None, workers: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> GridRun:
    """Simulate ``sims`` trials of every cell in chunks and sum each cell's counts.

    Parameters
    ----------
    cells : sequence of dict
        The grid; each cell is passed to ``fn`` as it is (it must pickle).
    fn : callable
        ``fn(cell, rng, trials) -> dict of counts``; a module-level function
        (or a :func:`functools.partial` of one), so that workers can load it.
    sims : int
        Simulated trials per cell.
    chunk_size : int
        Trials per chunk (one random stream each). Aim at seconds of work.
    seed : int
        Entropy of every stream.
    chunks_per_task : int
        Chunks of one cell run by one task (fewer, longer tasks); results do
        not depend on it.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://HOST:PORT``); default local.
    workers : int, optional
        Local processes (default one per CPU); ignored with ``scheduler``.
    progress : callable, optional
        Called with (cells finished, cells in all) after each cell finishes.

    Returns
    -------
    GridRun

    Raises
    ------
    InputError
        A scheduler was named but Dask is not installed, or cannot be reached.
    """
    _check_positive(sims=sims, chunk_size=chunk_size, chunks_per_task=chunks_per_task,
                    **({} if workers is None else {"workers": workers}))
    if not callable(fn):
        raise TypeError(f"The 'fn' parameter of run_grid must be callable. Got {fn!r} instead.")
    cells = [dict(c) for c in cells]
    plan = chunk_plan(int(sims), int(chunk_size))
    indexed = list(enumerate(plan))
    tasks = [(i, tuple(indexed[k:k + chunks_per_task]))
             for i in range(len(cells)) for k in range(0, len(indexed), chunks_per_task)]
    tally = _Tally(len(cells), len(plan), progress)
    run = GridRun(cells=cells, counts=tally.counts, seed=int(seed), sims=int(sims),
                  chunk_size=int(chunk_size))
    if progress is not None:
        progress(0, len(cells))
    if scheduler is not None:
        run.backend = f"dask {scheduler}"
        run.interrupted = _run_dask(scheduler, fn, cells, int(seed), tasks, tally)
        return run
    from .._fork import cpus

    k = min(int(workers or cpus()), len(tasks))
    if k <= 1:
        run.backend = "this process"
        run.interrupted = _run_here(fn, cells, int(seed), tasks, tally)
    else:
        run.backend = f"local processes ({k})"
        run.interrupted = _run_processes(k, fn, cells, int(seed), tasks, tally)
    return run


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"The '{name}' parameter of run_grid must be an integer >= 1. "
                             f"Got {value!r} instead.")


def _run_here(fn: ChunkFunction, cells: list[dict], seed: int, tasks: list, tally: _Tally) -> bool:
    try:
        for i, chunks in tasks:
            tally.add(_run_task(fn, cells[i], seed, i, chunks))
    except KeyboardInterrupt:
        return True
    return False


class _ChunkInterrupted(Exception):
    """A chunk stopped by KeyboardInterrupt in a worker process (told to the parent as such)."""


def _ignore_interrupts() -> None:
    """Worker start-up: Ctrl-C is the parent's to handle (it stops the workers)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_task_in_worker(args: tuple) -> tuple[int, list[tuple[int, dict]]]:
    try:
        return _run_task(*args)
    except KeyboardInterrupt:  # a pool worker that let it through would die and lose the task
        raise _ChunkInterrupted() from None


def _run_processes(k: int, fn: ChunkFunction, cells: list[dict], seed: int, tasks: list,
                   tally: _Tally) -> bool:
    import multiprocessing

    pool = multiprocessing.get_context("fork").Pool(k, initializer=_ignore_interrupts)
    finished = False
    try:
        for result in pool.imap_unordered(_run_task_in_worker,
                                          [(fn, cells[i], seed, i, chunks) for i, chunks in tasks]):
            tally.add(result)
        finished = True
    except (KeyboardInterrupt, _ChunkInterrupted):
        return True
    finally:
        if finished:
            pool.close()
        else:  # interrupted or failed: the running chunks are not needed
            pool.terminate()
        pool.join()
    return False


def _run_dask(scheduler: str, fn: ChunkFunction, cells: list[dict], seed: int, tasks: list,
              tally: _Tally) -> bool:
    from ..errors import InputError, Problem

    try:
        import distributed
    except ImportError:
        raise InputError([Problem(file="--scheduler", row=None, column=None, value=scheduler,
                                  problem="needs Dask's distributed scheduler, which is not "
                                          "installed",
                                  expected=f"Dask installed ({DASK_INSTALL}), or no --scheduler "
                                           "to run locally")]) from None
    try:
        client = distributed.Client(scheduler, timeout=10, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError([Problem(file="--scheduler", row=None, column=None, value=scheduler,
                                  problem=f"no Dask scheduler answers there ({exc})",
                                  expected="the address of a running scheduler, "
                                           "tcp://HOST:PORT")]) from None
    futures: list = []
    added: set[str] = set()
    try:
        futures = [client.submit(_run_task, fn, cells[i], seed, i, chunks, pure=False)
                   for i, chunks in tasks]
        for future in distributed.as_completed(futures, loop=client.loop):
            tally.add(future.result())
            added.add(future.key)
    except KeyboardInterrupt:
        tally.progress = None
        client.cancel([f for f in futures if not f.done()])
        for future in futures:  # keep what finished before the interruption
            if future.key not in added and future.status == "finished":
                tally.add(future.result())
        return True
    finally:
        client.close()
    return False
