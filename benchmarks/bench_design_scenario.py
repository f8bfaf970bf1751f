"""Cost of one simulated trial in ``t1dtrial power scenario``, by path, per protocol.

A scenario cell simulates whole trials from the calibrated model and applies
the protocol's primary analysis with the plan's own method. The baseline,
run in the same process on trials of the same cell, is the pipeline path:
each trial's contract tables through validation, the ADaM derivations and the
registered method (what ``t1dtrial analyze`` does). The arrays path computes
the derived variables the method reads from the simulator's arrays and calls
the method's statistics function; ``tests/design/test_scenario.py`` checks
that both give the same p-values. Both include the simulation itself.

Run: ``.venv/bin/python benchmarks/bench_design_scenario.py [--arrays-trials 1000]``.
"""

from __future__ import annotations

import argparse
import time

from t1dtrial.design.runner import chunk_rng
from t1dtrial.design.scenario import scenario_cells, scenario_chunk

PROTOCOLS = ("lu2021", "carlsson2015", "nasli2015")


def per_trial(cell: dict, trials: int, repeats: int) -> float:
    """Best of ``repeats`` seconds per trial for one chunk of ``trials`` trials."""
    best = float("inf")
    for r in range(repeats):
        t0 = time.perf_counter()
        scenario_chunk(cell, chunk_rng(1, 0, r), trials)
        best = min(best, (time.perf_counter() - t0) / trials)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-per-arm", type=int, default=27)
    parser.add_argument("--arrays-trials", type=int, default=1000)
    parser.add_argument("--pipeline-trials", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.n_per_arm} per arm; arrays: best of {args.repeats} chunks of "
          f"{args.arrays_trials} trials; pipeline: of {args.pipeline_trials}")
    for name in PROTOCOLS:
        fast, slow = (scenario_cells(name, [args.n_per_arm], path=p)[0]
                      for p in ("arrays", "pipeline"))
        scenario_chunk(fast, chunk_rng(0, 0, 0), 5)  # warm up: imports, first calls
        scenario_chunk(slow, chunk_rng(0, 0, 0), 1)
        a = per_trial(fast, args.arrays_trials, args.repeats)
        b = per_trial(slow, args.pipeline_trials, args.repeats)
        print(f"{name:13s} pipeline (baseline) {1e3 * b:8.1f} ms/trial   arrays "
              f"{1e3 * a:7.2f} ms/trial   ratio {b / a:6.0f}x   "
              f"({1 / a:,.0f} trials/s on one core)")


if __name__ == "__main__":
    main()
