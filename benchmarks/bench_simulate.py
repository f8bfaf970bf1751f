"""How long the simulator takes for 1,000,000 participants' full schedules.

Target (issue: synthetic twin): under 10 s on a 2-core machine. "Full
schedule" = every participant of the lu2021 protocol (500,000 per arm) with
population, visit dates, latent and measured values of every parameter at
every visit (6 visits x 7 parameters), infusions, insulin-free episodes and
adverse events, as arrays (:func:`t1dtrial.simulate.simulate_cohort`).

The baseline, run in the same process and interleaved, is plain NumPy drawing
the same number of standard normal values as there are measured values
(1,000,000 x 6 x 7). Also timed, for information: turning 100,000
participants into the text tables of the input contract.

Run: ``.venv/bin/python benchmarks/bench_simulate.py``
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from t1dtrial.protocol import load_protocol
from t1dtrial.simulate import simulate_cohort
from t1dtrial.simulate.tables import contract_tables

N = 1_000_000
REPEATS = 3
TARGET_S = 10.0


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    protocol = load_protocol("lu2021")
    per_arm = N // len(protocol.arms)
    n_values = N * len(protocol.visits) * 7
    simulate_cohort(protocol, n_per_arm=100, seed=0)  # warm imports
    base, model = [], []
    for r in range(REPEATS):  # interleave so both see the same machine load
        base.append(_time(lambda: np.random.default_rng(r).standard_normal(n_values)))
        model.append(_time(lambda: simulate_cohort(protocol, n_per_arm=per_arm, seed=r)))
    b, m = statistics.median(base), statistics.median(model)
    cohort = simulate_cohort(protocol, n_per_arm=50_000, seed=1)
    tables = _time(lambda: contract_tables(cohort))
    print(f"numpy: {n_values:,} normal draws     median {b:6.2f} s")
    print(f"simulate_cohort: {N:,} participants  median {m:6.2f} s   ratio {m / b:5.1f}x baseline"
          f"   target < {TARGET_S:.0f} s")
    print(f"contract_tables: 100,000 participants       {tables:6.2f} s (information)")
    if m >= TARGET_S:
        print("ABOVE TARGET")


if __name__ == "__main__":
    main()
