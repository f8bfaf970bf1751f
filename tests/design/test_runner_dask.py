"""The grid runner: the same counts bit for bit on a Dask cluster, in local processes and in
one process; Ctrl-C keeps the finished cells; Dask stays optional."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from functools import partial

from t1dtrial.design.montecarlo import binary_cell, simulate_counts
from t1dtrial.design.runner import chunk_plan, chunk_rng, run_grid
from t1dtrial.errors import InputError

CELLS = [binary_cell(n, n, 0.4, 0.1) for n in (20, 30, 40)]
#: Monte Carlo power of Fisher's test, a chunk at a time (what the power grids run).
fisher_rejections = partial(simulate_counts, "binary")
GRID = dict(sims=3000, chunk_size=500, seed=20261127)


@pytest.fixture(scope="module")
def cluster():
    import distributed
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cl:
        yield cl


@pytest.fixture(scope="module")
def in_one_process():
    return run_grid(CELLS, fisher_rejections, **GRID, workers=1)


def test_one_process_sums_each_cells_chunks_from_their_own_streams(in_one_process):
    # independent recomputation: chunk j of cell i from SeedSequence(seed, spawn_key=(i, j))
    for i, cell in enumerate(CELLS):
        expected = 0
        for j, trials in enumerate(chunk_plan(GRID["sims"], GRID["chunk_size"])):
            rng = np.random.Generator(np.random.PCG64(
                np.random.SeedSequence(GRID["seed"], spawn_key=(i, j))))
            expected += fisher_rejections(cell, rng, trials)["rejections"]
        assert in_one_process.counts[i] == {"trials": GRID["sims"], "rejections": expected,
                                            "not_estimable": 0}
    assert in_one_process.backend == "this process" and not in_one_process.interrupted


def test_local_processes_equal_one_process(in_one_process):
    run = run_grid(CELLS, fisher_rejections, **GRID, workers=2)
    assert run.backend == "local processes (2)"
    assert run.counts == in_one_process.counts


def test_dask_cluster_equals_the_local_run_bit_for_bit(cluster, in_one_process):
    seen = []
    run = run_grid(CELLS, fisher_rejections, **GRID, scheduler=cluster.scheduler_address,
                   progress=lambda done, total: seen.append((done, total)))
    assert run.backend.startswith("dask tcp://127.0.0.1")
    assert run.counts == in_one_process.counts and not run.interrupted
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)


def test_grouping_chunks_into_tasks_does_not_change_results(cluster, in_one_process):
    grouped = run_grid(CELLS, fisher_rejections, **GRID, chunks_per_task=4,
                       scheduler=cluster.scheduler_address)
    assert grouped.counts == in_one_process.counts
    local = run_grid(CELLS, fisher_rejections, **GRID, chunks_per_task=6, workers=2)
    assert local.counts == in_one_process.counts


def test_another_seed_gives_other_counts(in_one_process):
    other = run_grid(CELLS[:1], fisher_rejections, **{**GRID, "seed": 1}, workers=1)
    assert other.counts[0] != in_one_process.counts[0]


def _interrupt_after(cells: int):
    def progress(done: int, total: int) -> None:
        if done >= cells:
            raise KeyboardInterrupt
    return progress


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_keeps_only_whole_cells(workers, in_one_process):
    run = run_grid(CELLS, fisher_rejections, **GRID, workers=workers,
                   progress=_interrupt_after(1))
    assert run.interrupted and run.missing >= 1
    assert len(run.finished) >= 1
    for i in run.finished:  # a finished cell is exactly the uninterrupted one
        assert run.counts[i] == in_one_process.counts[i]
    for i in set(range(3)) - set(run.finished):
        assert run.counts[i] is None


def test_ctrl_c_on_the_dask_cluster_keeps_whole_cells(cluster, in_one_process):
    run = run_grid(CELLS, fisher_rejections, **GRID, scheduler=cluster.scheduler_address,
                   progress=_interrupt_after(1))
    assert run.interrupted and len(run.finished) >= 1
    assert all(run.counts[i] == in_one_process.counts[i] for i in run.finished)


def _interrupted_in_cell_two(cell, rng, trials):
    if cell["n1"] == 40:
        raise KeyboardInterrupt
    return fisher_rejections(cell, rng, trials)


def test_ctrl_c_inside_a_chunk_keeps_the_cells_before_it(in_one_process):
    run = run_grid(CELLS, _interrupted_in_cell_two, **GRID, workers=1)
    assert run.interrupted and run.finished == [0, 1] and run.missing == 1
    assert run.counts[:2] == in_one_process.counts[:2]


def test_ctrl_c_inside_a_worker_process_stops_the_pool(in_one_process):
    run = run_grid(CELLS, _interrupted_in_cell_two, **GRID, workers=2)
    assert run.interrupted and 2 not in run.finished
    assert all(run.counts[i] == in_one_process.counts[i] for i in run.finished)


def test_a_missing_dask_is_an_input_error_naming_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(InputError, match=r"pip install 't1dtrial\[dask\]'"):
        run_grid(CELLS, fisher_rejections, **GRID, scheduler="tcp://127.0.0.1:1")


def test_importing_the_design_package_does_not_import_dask():
    code = ("import sys, t1dtrial.design, t1dtrial.design.runner, t1dtrial.design.scenario; "
            "print(any(m.split('.')[0] in ('dask', 'distributed') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_streams_depend_on_cell_and_chunk():
    draws = {(i, j): chunk_rng(5, i, j).integers(0, 2**62) for i in range(3) for j in range(3)}
    assert len(set(draws.values())) == 9


@pytest.mark.parametrize("bad", [dict(sims=0), dict(chunk_size=-1), dict(chunks_per_task=0)])
def test_bad_sizes_are_refused(bad):
    with pytest.raises(ValueError, match=f"'{next(iter(bad))}' parameter of run_grid"):
        run_grid(CELLS, fisher_rejections, **{**GRID, **bad})


def test_monte_carlo_grids_on_the_cluster_equal_the_local_run_and_each_cells_own_run(cluster):
    from t1dtrial.design.montecarlo import (
        mc_binary_power_grid,
        mc_continuous_power_grid,
        mc_power_binary,
    )

    grid = dict(n1=[20, 27], n2=None, p1=[0.4], p2=[0.08], tests=["fisher", "chisq_cc"],
                sims=3000, seed=5)
    here = mc_binary_power_grid(**grid, workers=1)
    there = mc_binary_power_grid(**grid, scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(here, there)
    assert there.attrs["backend"].startswith("dask") and not there.attrs["interrupted"]
    alone = mc_power_binary(27, 27, 0.4, 0.08, test="chisq_cc", sims=3000, seed=5, cell_index=1)
    assert here.iloc[3]["power"] == alone["power"]  # cell 1, second test: the same streams
    cont = dict(n1=[15], n2=None, delta=[0.5], tests=["welch", "ancova"], correlation=[0.0, 0.6],
                sims=2000, seed=2)
    pd.testing.assert_frame_equal(mc_continuous_power_grid(**cont, workers=2),
                                  mc_continuous_power_grid(**cont,
                                                           scheduler=cluster.scheduler_address))
