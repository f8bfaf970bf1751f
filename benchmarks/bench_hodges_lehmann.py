"""Hodges-Lehmann shift and interval of the Mann-Whitney comparison, m = n = 250 ... 50,000.

Target (issue 14, analysis at scale): near-linear, at most O(N log N) time
and O(N) memory for N = m + n values. The limits are order statistics of the
m n differences, selected without forming them; the statistic R inverts is
evaluated at the two ends only. Printed: time and peak memory at each size
and their growth from one size to the next, beside the growth of N log N; a
time ratio near the size ratio (a little above it with the log factor) is
near-linear. The former code, which formed the m n differences and evaluated
the statistic at every one of them with an (m n) x (m + n) array, grows as the
cube and is run as the baseline where its memory allows (m = n = 250: about
1.5 GB), with a check that it gives the same estimate and limits.

Continuous values (no ties, the normal approximation as R chooses it for
50 values a group or more); the signed-rank pseudo-median of the same ``x``
beside. Peak memory by ``tracemalloc`` (numpy reports its arrays to it), in
a separate call from the timing. Run:
``.venv/bin/python benchmarks/bench_hodges_lehmann.py [--no-baseline]``.
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import stats

from t1dtrial.stats.continuous import mann_whitney_row
from t1dtrial.stats.one_sample import wilcoxon_signed_rank_row

SIZES = [250, 1000, 5000, 50_000]
BASELINE_SIZES = [250]


def _tie_term(values: np.ndarray) -> np.ndarray:
    """The former code: sum of t^3 - t over tie groups along the last axis."""
    s = np.sort(np.atleast_2d(values), axis=-1)
    rows, n = s.shape
    group = np.concatenate([np.zeros((rows, 1), dtype=int),
                            np.cumsum(np.diff(s, axis=-1) != 0, axis=-1)], axis=-1)
    flat = (group + np.arange(rows)[:, None] * n).ravel()
    counts = np.bincount(flat, minlength=rows * n).reshape(rows, n).astype(float)
    out = (counts ** 3 - counts).sum(axis=-1)
    return out if np.ndim(values) > 1 else out[0]


def former_hodges_lehmann(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> list[float]:
    """The former code: every difference formed, the statistic at every jump and midpoint."""
    m, n = a.size, b.size
    diffs = np.sort(np.subtract.outer(a, b).ravel())
    estimate = float(np.median(diffs))
    q = float(stats.norm.ppf(1 - (1 - level) / 2))
    jumps = np.unique(diffs)
    mids = (jumps[:-1] + jumps[1:]) / 2
    points = np.empty(jumps.size + mids.size)
    points[0::2], points[1::2] = jumps, mids
    is_jump = np.zeros(points.size, dtype=bool)
    is_jump[0::2] = True
    greater = diffs.size - np.searchsorted(diffs, points, side="right")
    equal = np.searchsorted(diffs, points, side="right") - np.searchsorted(diffs, points, side="left")
    dz = greater + 0.5 * equal - m * n / 2
    ties = np.full(points.size, _tie_term(a) + _tie_term(b))
    ties[is_jump] = _tie_term(np.concatenate([np.subtract.outer(jumps, a) * -1,
                                              np.broadcast_to(b, (jumps.size, n))], axis=1))
    sigma = np.sqrt(m * n / 12 * ((m + n + 1) - ties / ((m + n) * (m + n - 1))))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = (dz - np.sign(dz) * 0.5) / sigma
    limits = []
    for z in (q, -q):
        f = stat - z
        j = int(np.argmax(f <= 0))
        limits.append(float(points[j] if is_jump[j] else points[j - 1]))
    return [estimate, *limits]


def _measure(call: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """Median wall time over ``repeats`` calls, and the peak traced memory of one more call."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    try:
        result = call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return statistics.median(times), peak, result


def main(baseline: bool = True) -> None:
    rng = np.random.default_rng(14)
    print("Hodges-Lehmann shift with its 95 % interval (normal approximation), m = n = N per group")
    print(f"{'N':>7} {'mann_whitney s':>15} {'peak MB':>8} {'signed-rank s':>14} {'peak MB':>8}")
    rows = []
    for size in SIZES:
        x, y = rng.normal(0.3, 1.0, size), rng.normal(0.0, 1.2, size)
        repeats = 5 if size <= 5000 else 3
        t2, m2, two = _measure(lambda x=x, y=y: mann_whitney_row(x, y), repeats)
        t1, m1, _ = _measure(lambda x=x: wilcoxon_signed_rank_row(x), repeats)
        rows.append((size, t2, m2, t1, m1, x, y, two))
        print(f"{size:>7} {t2:>15.3f} {m2 / 1e6:>8.1f} {t1:>14.3f} {m1 / 1e6:>8.1f}")
    print("\ngrowth from one size to the next (time ratio, memory ratio; linear would be the N ratio)")
    for (s0, a0, p0, b0, q0, *_), (s1, a1, p1, b1, q1, *_) in itertools.pairwise(rows):
        nlogn = s1 * np.log(s1) / (s0 * np.log(s0))
        print(f"  N {s0:>6} -> {s1:>6} (x{s1 / s0:>4.0f}; N log N x{nlogn:5.1f}; cube x{(s1 / s0) ** 3:,.0f}):"
              f" mann_whitney time x{a1 / a0:6.1f} memory x{p1 / p0:5.1f};"
              f" signed-rank time x{b1 / b0:6.1f} memory x{q1 / q0:5.1f}")
    if not baseline:
        return
    print("\nformer code (every difference formed; the statistic at each with an (m n) x (m + n) array)")
    for size, t2, m2, _, _, x, y, two in rows:
        if size not in BASELINE_SIZES:
            continue
        t_old, m_old, old = _measure(lambda x=x, y=y: former_hodges_lehmann(x, y), 1)
        same = np.allclose(old, [two["estimate"], two["ci_low"], two["ci_high"]], rtol=0, atol=1e-12)
        print(f"  N {size}: {t_old:.2f} s, peak {m_old / 1e6:,.0f} MB;"
              f" now {t2:.3f} s, {m2 / 1e6:.1f} MB: time ratio {t_old / t2:,.0f}x,"
              f" memory ratio {m_old / m2:,.0f}x; same estimate and limits: {same}")
    print("  (N = 1000 would need an array of 10^6 x 2000 doubles, 16 GB: not run)")


if __name__ == "__main__":
    main(baseline="--no-baseline" not in sys.argv[1:])
