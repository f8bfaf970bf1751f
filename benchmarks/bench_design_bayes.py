"""Speed of the Bayesian decision rule's exact operating characteristics (t1dtrial.design.bayes).

Two measurements, each a ratio taken in the same process:

1. Posterior probabilities ``P(p_t > p_c | x1, x2)`` per second: the whole grid of 500 vs 500
   (251,001 tables) by the exact recurrences, against a loop of ``scipy.integrate.quad`` calls
   (one a table, the obvious implementation) on 300 random tables of the same grid.
2. Growth with n: decision region + power + largest type I error (1,001 common proportions,
   then refined) + assurance, for n per arm 50 ... 500; time / (n + 1)^2 should stay about flat
   if the cost is O(n1 n2).

Run: ``.venv/bin/python benchmarks/bench_design_bayes.py``
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from scipy import integrate, special

from t1dtrial.design.bayes import (
    BetaPrior,
    assurance,
    decision_region,
    posterior_prob_greater,
    probability_of_success,
    type_one_error,
)

REPEATS = 3
N = 500
LOOPED_TABLES = 300


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _quad_loop(cells) -> None:
    """One quad a table, its integrand from scipy.special (not the slower scipy.stats objects)."""
    for x1, x2 in cells:
        a2, b2 = 1.0 + x2, 1.0 + N - x2
        log_norm = special.betaln(a2, b2)
        integrate.quad(lambda u, a1=1.0 + x1, b1=1.0 + N - x1, a2=a2, b2=b2, c=log_norm:
                       np.exp((a2 - 1) * np.log(u) + (b2 - 1) * np.log1p(-u) - c)
                       * special.betaincc(a1, b1, u), 0, 1)


def main() -> None:
    rng = np.random.default_rng(1)
    cells = list(zip(rng.integers(0, N + 1, LOOPED_TABLES), rng.integers(0, N + 1, LOOPED_TABLES)))
    posterior_prob_greater(20, 20)  # warm imports
    grid, loop = [], []
    for _ in range(REPEATS):  # interleaved, so both see the same machine load
        grid.append(_time(lambda: posterior_prob_greater(N, N)))
        loop.append(_time(lambda: _quad_loop(cells)))
    g, q = (N + 1) ** 2 / statistics.median(grid), LOOPED_TABLES / statistics.median(loop)
    print(f"posterior P(p_t > p_c), {N} vs {N}: recurrences {g:12,.0f} tables/s; "
          f"quad loop (baseline) {q:9,.0f} tables/s; ratio {g / q:,.0f}x")
    prior = BetaPrior(12, 17), BetaPrior(4, 24)
    print("n per arm   region alone   per (n+1)^2   region+power+type I+assurance   per (n+1)^2")
    for n in (50, 100, 200, 300, 400, 500):
        def everything(n: int = n) -> None:
            rule = decision_region(n, n, 0.975)
            probability_of_success(rule, 0.4, 0.1)
            type_one_error(rule)
            assurance(rule, *prior)
        alone = statistics.median(_time(lambda n=n: decision_region(n, n, 0.975))
                                  for _ in range(REPEATS))
        spent = statistics.median(_time(everything) for _ in range(REPEATS))
        print(f"{n:9d}   {alone:10.4f} s   {alone / (n + 1) ** 2 * 1e9:8.1f} ns   "
              f"{spent:27.3f} s   {spent / (n + 1) ** 2 * 1e6:8.3f} us")


if __name__ == "__main__":
    main()
