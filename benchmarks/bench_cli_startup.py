"""How long `t1dtrial --help` takes, against a bare interpreter start.

Target (issue: foundation): under 0.3 s. Heavy libraries must be imported
lazily, inside commands. Run: ``.venv/bin/python benchmarks/bench_cli_startup.py``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPEATS = 15
BIN = Path(sys.executable).parent


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    baseline, help_, modules = [], [], []
    for _ in range(REPEATS):  # interleave so both see the same machine load
        baseline.append(_time([sys.executable, "-c", "pass"]))
        help_.append(_time([str(BIN / "t1dtrial"), "--help"]))
    heavy = subprocess.run(
        [sys.executable, "-c",
         "import sys, t1dtrial.cli; print(sorted(m for m in ('pandas','numpy','scipy',"
         "'statsmodels','duckdb','matplotlib','pandera') if m in sys.modules))"],
        check=True, capture_output=True, text=True).stdout.strip()
    modules.append(heavy)
    b, h = statistics.median(baseline), statistics.median(help_)
    print(f"python -c pass      median {b * 1000:7.1f} ms")
    print(f"t1dtrial --help     median {h * 1000:7.1f} ms   ratio {h / b:5.2f}x   target < 300 ms")
    print(f"heavy modules imported by t1dtrial.cli: {heavy}")
    if h >= 0.3:
        print("ABOVE TARGET")


if __name__ == "__main__":
    main()
