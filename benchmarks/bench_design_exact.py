"""Exact power of two-proportion tests: Boschloo through the command line against a loop of
scipy calls, and how the cost of exact power grows with n.

(a) Target (issue 12): exact Boschloo power for 27 vs 26 through the command line
    (``t1dtrial power binary --n1 27 --n2 26 --p1 0.40 --p2 0.08 --test boschloo`` as a fresh
    process, start-up included) in under a third of the time of the baseline, an
    enumeration with one ``scipy.stats.boschloo_exact`` call per table (about 6 s). Both
    powers are printed: they agree to scipy's optimisation error.
(b) Cost of the exact computation against n (50 to 500 per arm; fisher, chisq, boschloo):
    the rejection region and one power value (region cache emptied first), and one more
    power value once the region is known; the fitted exponent of time ~ n^k (k = 2 is
    O(n1 n2)).

Run: ``.venv/bin/python benchmarks/bench_design_exact.py [--repeats 3] [--skip-baseline]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

from t1dtrial.design import exact

SRC = Path(__file__).resolve().parents[1] / "src"
DESIGN = {"n1": 27, "n2": 26, "p1": 0.40, "p2": 0.08}
SIZES = (50, 100, 200, 400, 500)
TESTS = ("fisher", "chisq", "boschloo")


def cli_run() -> tuple[float, str]:
    """Wall time of the command as a fresh process, and the power it printed."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(SRC)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])))
    args = [sys.executable, "-m", "t1dtrial", "power", "binary", "--test", "boschloo"]
    for name, value in DESIGN.items():
        args += [f"--{name}", str(value)]
    start = time.perf_counter()
    out = subprocess.run(args, check=True, capture_output=True, text=True, env=env).stdout
    elapsed = time.perf_counter() - start
    row = next(line for line in out.splitlines() if "boschloo" in line)
    return elapsed, row.replace("│", " ").split()[-1]


def scipy_enumeration() -> tuple[float, float]:
    """Wall time and power of the baseline: one boschloo_exact call per table (two-sided)."""
    n1, n2, p1, p2 = DESIGN["n1"], DESIGN["n2"], DESIGN["p1"], DESIGN["p2"]
    start = time.perf_counter()
    b1 = stats.binom.pmf(np.arange(n1 + 1), n1, p1)
    b2 = stats.binom.pmf(np.arange(n2 + 1), n2, p2)
    power = sum(b1[x1] * b2[x2] for x1 in range(n1 + 1) for x2 in range(n2 + 1)
                if stats.boschloo_exact([[x1, x2], [n1 - x1, n2 - x2]]).pvalue <= 0.05)
    return time.perf_counter() - start, float(power)


def part_a(repeats: int, skip_baseline: bool) -> None:
    cli, base, printed, base_power = [], [], "", float("nan")
    for i in range(repeats):  # interleaved, so both see the same machine load
        seconds, printed = cli_run()
        cli.append(seconds)
        if not skip_baseline and i < max(1, repeats - 1):
            seconds, base_power = scipy_enumeration()
            base.append(seconds)
    c = statistics.median(cli)
    inside = timed("boschloo", DESIGN["n1"], 5, DESIGN["n2"], DESIGN["p1"], DESIGN["p2"])[0]
    print(f"(a) exact Boschloo power, {DESIGN['n1']} vs {DESIGN['n2']}, p1 {DESIGN['p1']}, "
          f"p2 {DESIGN['p2']}, two-sided, alpha 0.05")
    print(f"    t1dtrial power binary (fresh process)   median {c:6.2f} s   power {printed}")
    print(f"      of which region + power in the process      {inside * 1000:6.1f} ms "
          "(the rest is start-up and printing)")
    if base:
        b = statistics.median(base)
        print(f"    scipy boschloo_exact per table (756)   median {b:6.2f} s   power "
              f"{base_power:.4f}")
        print(f"    ratio {c / b:.3f} (target < 0.333)" + ("" if c / b < 1 / 3 else
                                                          "   ABOVE TARGET"))


def timed(test: str, n: int, repeats: int, n2: int | None = None, p1: float = 0.30,
          p2: float = 0.20) -> tuple[float, float]:
    """Seconds of region + one power value, and of one more power value: the least disturbed
    of ``repeats`` runs (the machine is shared)."""
    first, more = [], []
    for _ in range(repeats):
        exact._region.cache_clear()
        exact._nuisance_grid.cache_clear()
        t0 = time.perf_counter()
        exact.exact_power(n, n if n2 is None else n2, p1, p2, test=test)
        t1 = time.perf_counter()
        exact.exact_power(n, n if n2 is None else n2, p1 + 0.05, p2, test=test)
        t2 = time.perf_counter()
        first.append(t1 - t0)
        more.append(t2 - t1)
    return min(first), min(more)


def part_b(repeats: int) -> None:
    print("\n(b) exact power against n per arm (n vs n, two-sided, alpha 0.05)")
    print(f"    {'n':>5} {'tables':>8} " + " ".join(f"{t + ' region+power':>24}"
                                                   for t in TESTS))
    cost = {t: [] for t in TESTS}
    power_only = {t: [] for t in TESTS}
    for n in SIZES:
        cells = []
        for test in TESTS:
            first, more = timed(test, n, repeats)
            cost[test].append(first)
            power_only[test].append(more)
            cells.append(f"{first * 1000:10.1f} ms ({more * 1000:5.2f} ms)")
        print(f"    {n:>5} {(n + 1) ** 2:>8} " + " ".join(f"{c:>24}" for c in cells))
    print("    (in brackets: one more power value once the region is known; below 500 per arm"
          " its fixed costs, two binomial pmf calls, outweigh the n1 n2 sum)")
    logn = np.log(SIZES)
    top = np.array(SIZES) >= 200
    print("    fitted growth, time ~ n^k (O(n1 n2) is k = 2):")
    for test in TESTS:
        k = np.polyfit(logn, np.log(cost[test]), 1)[0]
        k_top = np.polyfit(logn[top], np.log(np.array(cost[test])[top]), 1)[0]
        k_more = np.polyfit(logn, np.log(power_only[test]), 1)[0]
        print(f"    {test:9} region + power k = {k:.2f} (n 50-500), {k_top:.2f} (n 200-500); "
              f"one more power k = {k_more:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-baseline", action="store_true",
                        help="do not run the loop of scipy calls (part a prints no ratio)")
    args = parser.parse_args()
    part_a(args.repeats, args.skip_baseline)
    part_b(args.repeats)


if __name__ == "__main__":
    main()
