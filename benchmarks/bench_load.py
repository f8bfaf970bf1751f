"""Loading and validating a registry-sized data folder.

100,000 participants x 6 visits x 5 parameters (3,000,000 measurement rows),
written by the simulator, loaded by :func:`t1dtrial.data.load_folder` (read,
schema and cross-table validation, unit conversion, window flags). The
baseline, in the same process, is a bare ``pandas.read_csv`` of the same files:
the ratio is what validation costs over reading. Sizes grow 10k, 30k, 100k to
show whether time grows linearly.

Run: ``.venv/bin/python benchmarks/bench_load.py`` (``--sizes 10000`` to choose).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from t1dtrial.data import load_folder
from t1dtrial.protocol import load_protocol
from t1dtrial.simulate import simulate_to_folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    sizes = parser.parse_args().sizes
    protocol = load_protocol("lu2021")
    print(f"{'subjects':>9} {'rows':>10} {'read_csv s':>11} {'load s':>8} {'ratio':>6} {'us/row':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            folder = Path(tmp) / f"n{n}"
            simulate_to_folder(folder, protocol, seed=1, n_per_arm=n // 2)
            t0 = time.perf_counter()
            frames = [pd.read_csv(p) for p in sorted(folder.glob("*.csv"))]
            t1 = time.perf_counter()
            trial = load_folder(folder, protocol)
            t2 = time.perf_counter()
            rows = len(trial.measurements)
            del frames
            print(f"{n:>9} {rows:>10} {t1 - t0:>11.2f} {t2 - t1:>8.2f} "
                  f"{(t2 - t1) / (t1 - t0):>6.1f} {1e6 * (t2 - t1) / rows:>7.2f}")


if __name__ == "__main__":
    main()
