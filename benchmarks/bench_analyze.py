"""The whole analysis plan on the packaged twin, after imports.

Target (issue: statistical analysis plan): under 3 s. The baseline, run in the
same process, is loading and validating the same data folder, so the ratio is
stable on a noisy shared machine. Run: ``.venv/bin/python benchmarks/bench_analyze.py``.
"""

from __future__ import annotations

import statistics
import time

from t1dtrial.analysis import analyze
from t1dtrial.data import load_folder
from t1dtrial.datasets import lu2021_path
from t1dtrial.protocol import load_protocol

REPEATS = 5


def main() -> None:
    protocol = load_protocol("lu2021")
    trial = load_folder(lu2021_path(), protocol)
    analyze(trial)  # warm up: imports and first-call costs
    load, plan = [], []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        load_folder(lu2021_path(), protocol)
        t1 = time.perf_counter()
        analyze(trial)
        t2 = time.perf_counter()
        load.append(t1 - t0)
        plan.append(t2 - t1)
    b, a = statistics.median(load), statistics.median(plan)
    print(f"load_folder (baseline)  median {b:6.3f} s")
    print(f"analyze                 median {a:6.3f} s   ratio {a / b:5.1f}x   target < 3 s")
    if a >= 3:
        print("ABOVE TARGET")


if __name__ == "__main__":
    main()
