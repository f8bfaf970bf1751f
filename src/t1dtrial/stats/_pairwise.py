"""Order statistics of pairwise differences and Walsh averages, without forming them.

The Hodges-Lehmann estimates and their intervals are order statistics of the
``m n`` differences ``x_i - y_j`` (two samples) or of the ``n (n + 1) / 2``
Walsh averages ``(x_i + x_j) / 2, i <= j`` (one sample). Neither set is
formed here: with ``x`` sorted ascending and ``y`` descending, row ``i`` of
each set is non-decreasing along ``j`` (floating-point subtraction and
addition are monotone), so the number of values below a pivot is one
``searchsorted`` per row, and the ``k``-th smallest is found by narrowing a
window of positions in every row around a pivot (the weighted median of the
rows' middle values: each step drops at least a quarter of the window) until
the window holds few enough values to sort. Time ``O(N log N)`` per step and
``O(log(N^2))`` steps; memory ``O(N)``. The values are the same doubles
``np.subtract.outer(x, y)`` or ``np.add.outer(x, x) / 2`` would hold, so the
order statistics are those of the sorted arrays, number for number.

:func:`rank_sum_z` is R's ``W(d)`` of ``wilcox.test``: the tie- and
continuity-corrected standardised rank-sum statistic of ``(x - d, y)``.
:func:`crossing_rank` turns R's normal-approximation limit (the shift at
which that step function crosses a normal quantile) into the rank of a
pairwise value, so that the limit is one order statistic.

Examples
--------
>>> pairs = PairwiseDifferences([1.0, 4.0, 2.5], [0.5, 3.0])
>>> [float(pairs.kth(k)) for k in (1, 3, 6)], float(pairs.median())
([-2.0, 0.5, 3.5], 0.75)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["PairwiseDifferences", "WalshAverages", "crossing_rank", "rank_sum_z", "tie_sum"]

#: Windows holding at most this many values (or twice the sample size) are sorted outright.
_SMALL = 4096


def tie_sum(values: np.ndarray) -> float:
    """Sum of ``t^3 - t`` over the groups of equal values (R's ``sum(NTIES^3 - NTIES)``).

    Examples
    --------
    >>> tie_sum(np.array([1.0, 2.0, 2.0, 3.0, 3.0, 3.0]))
    30.0
    """
    s = np.sort(np.asarray(values, dtype=float))
    if s.size == 0:
        return 0.0
    starts = np.flatnonzero(np.concatenate([[True], s[1:] != s[:-1]]))
    t = np.diff(np.append(starts, s.size)).astype(float)
    return float((t ** 3 - t).sum())


class _SortedRows:
    """Values ``v(i, j)`` non-decreasing along ``j`` in ``[start_i, stop_i)``; order statistics."""

    def __init__(self, start: np.ndarray, stop: np.ndarray, small: int) -> None:
        self.start, self.stop = start, stop
        self.count = int((stop - start).sum())
        self.small = max(_SMALL, small)
        self._all: np.ndarray | None = None  # every value, sorted, when there are few

    def value(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def guess(self, pivot: float, strict: bool) -> np.ndarray:  # pragma: no cover - abstract
        """Approximate count per row of the values below (``strict``) or at most ``pivot``."""
        raise NotImplementedError

    def _positions(self, pivot: float, strict: bool, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """First position in ``[lo, hi]`` of each row whose value is not below the pivot.

        Starts from :meth:`guess` and keeps it where the two neighbouring values
        confirm it; the other rows are searched by bisection on the exact values.
        """
        rows = np.arange(lo.size)
        pos = np.clip(self.guess(pivot, strict), lo, hi)
        ok = np.ones(lo.size, dtype=bool)
        left = pos > lo
        if left.any():
            v = self.value(rows[left], pos[left] - 1)
            ok[left] = (v < pivot) if strict else (v <= pivot)
        right = pos < hi
        if right.any():
            v = self.value(rows[right], pos[right])
            ok[right] &= ~((v < pivot) if strict else (v <= pivot))
        bad = np.flatnonzero(~ok)
        a, b = lo[bad].copy(), hi[bad].copy()
        while bad.size:
            mid = (a + b) // 2
            v = self.value(bad, mid)
            below = (v < pivot) if strict else (v <= pivot)
            a = np.where(below, mid + 1, a)
            b = np.where(below, b, mid)
            done = a >= b
            pos[bad[done]] = a[done]
            bad, a, b = bad[~done], a[~done], b[~done]
        return pos

    def _window(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """The values at positions ``lo_i <= j < hi_i`` of every row, row after row."""
        size = hi - lo
        rows = np.flatnonzero(size)
        i = np.repeat(rows, size[rows])
        offset = np.arange(i.size) - np.repeat(np.cumsum(size[rows]) - size[rows], size[rows])
        return self.value(i, lo[i] + offset)

    def kth(self, k: int) -> float:
        """The ``k``-th smallest value (1-based), as the sorted array's ``[k - 1]``."""
        if not 1 <= k <= self.count:
            raise IndexError(f"rank {k} outside 1..{self.count}")
        if self.count <= self.small:  # few values: sort them once, as the former code did
            if self._all is None:
                self._all = np.sort(self._window(self.start, self.stop))
            return float(self._all[k - 1])
        lo, hi = self.start.copy(), self.stop.copy()
        while True:
            size = hi - lo
            total = int(size.sum())
            passed = int((lo - self.start).sum())
            if total <= self.small:
                window = self._window(lo, hi)
                return float(np.partition(window, k - passed - 1)[k - passed - 1])
            rows = np.flatnonzero(size)
            middle = self.value(rows, lo[rows] + size[rows] // 2)
            order = np.argsort(middle, kind="stable")
            weight = np.cumsum(size[rows][order])
            pivot = float(middle[order][np.searchsorted(weight, total / 2)])
            below = self._positions(pivot, True, lo, hi)
            upto = self._positions(pivot, False, below, hi)
            if k <= passed + int((below - lo).sum()):
                hi = below
            elif k > passed + int((upto - lo).sum()):
                lo = upto
            else:
                return pivot

    def median(self) -> float:
        """Median of the values (mean of the two middle ones for an even count), as ``np.median``."""
        half = self.count // 2
        if self.count % 2:
            return self.kth(half + 1)
        return float((np.float64(self.kth(half)) + np.float64(self.kth(half + 1))) / 2)


class PairwiseDifferences(_SortedRows):
    """The ``m n`` differences ``x_i - y_j``, ordered without forming them.

    Examples
    --------
    >>> d = PairwiseDifferences([0.3, 0.1], [0.1])
    >>> d.count, float(d.kth(2))
    (2, 0.19999999999999998)
    """

    def __init__(self, x: Sequence[float], y: Sequence[float]) -> None:
        self.x = np.sort(np.asarray(x, dtype=float))
        self.y_up = np.sort(np.asarray(y, dtype=float))
        self.y_down = self.y_up[::-1].copy()
        m, n = self.x.size, self.y_up.size
        super().__init__(np.zeros(m, dtype=np.int64), np.full(m, n, dtype=np.int64), 2 * (m + n))

    def value(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return self.x[i] - self.y_down[j]

    def guess(self, pivot: float, strict: bool) -> np.ndarray:
        # x_i - y_j < pivot  about  y_j > x_i - pivot: count of y above (y descending along j)
        side = "right" if strict else "left"
        return self.y_up.size - np.searchsorted(self.y_up, self.x - pivot, side=side)


class WalshAverages(_SortedRows):
    """The ``n (n + 1) / 2`` Walsh averages ``(x_i + x_j) / 2, i <= j``, ordered without forming them.

    Examples
    --------
    >>> w = WalshAverages([1.0, 3.0, 2.0])
    >>> w.count, float(w.median())
    (6, 2.0)
    """

    def __init__(self, x: Sequence[float]) -> None:
        self.x = np.sort(np.asarray(x, dtype=float))
        n = self.x.size
        super().__init__(np.arange(n, dtype=np.int64), np.full(n, n, dtype=np.int64), 2 * n)

    def value(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return (self.x[i] + self.x[j]) / 2

    def guess(self, pivot: float, strict: bool) -> np.ndarray:
        # (x_i + x_j) / 2 < pivot  about  x_j < 2 pivot - x_i
        return np.searchsorted(self.x, 2 * pivot - self.x, side="left" if strict else "right")


def rank_sum_z(x: np.ndarray, y: np.ndarray, shift: float, correct: bool) -> float:
    """R's ``W(d)`` of ``wilcox.test``: standardised rank sum of ``x - d`` among ``(x - d, y)``.

    ``(dz - 0.5 sign(dz)) / sigma`` (without the ``0.5`` when ``correct`` is
    false), with ``dz`` the rank sum of ``x - d`` minus its mean and
    ``sigma`` corrected for the ties of the combined sample at that shift
    (values equal as doubles, as R's ``rank`` with ``digits.rank = Inf``).
    NaN or an infinity when every value ties (``sigma = 0``), as R.
    ``O(N log N)``.

    Examples
    --------
    >>> round(rank_sum_z(np.array([1.0, 2.0, 3.0]), np.array([0.5, 1.5]), 0.0, True), 4)
    0.866
    """
    m, n = x.size, y.size
    shifted = x - shift
    y_up = np.sort(y)
    under = np.searchsorted(y_up, shifted, side="left")
    equal = np.searchsorted(y_up, shifted, side="right") - under
    dz = np.float64(under.sum()) + 0.5 * np.float64(equal.sum()) - m * n / 2
    ties = tie_sum(np.concatenate([shifted, y]))
    sigma = np.sqrt((m * n / 12) * ((m + n + 1) - ties / ((m + n) * (m + n - 1))))
    corr = np.sign(dz) * 0.5 if correct else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return float((dz - corr) / sigma)


def crossing_rank(total: int, centre: float, sigma: float, zq: float, correct: bool) -> int:
    """Rank of the pairwise value at which a rank statistic first reaches ``zq`` from above.

    Between two consecutive distinct pairwise values ``d`` the count ``G``
    of values above ``d`` is constant and the statistic is
    ``(G - centre - 0.5 sign(G - centre)) / sigma``, non-decreasing in
    ``G``. With ``G*`` the largest count whose statistic is at or below
    ``zq``, the step function crosses ``zq`` at the ``(total - G*)``-th
    smallest pairwise value: left of it the count exceeds ``G*``, right of
    it it does not. The rank is clipped to ``1..total`` (a crossing beyond
    the smallest or largest value is at that value).

    Examples
    --------
    >>> crossing_rank(12, 6.0, 2.0, 0.0, correct=False)
    6
    """

    def at_or_below(count: int) -> bool:
        dz = np.float64(count) - centre
        corr = np.sign(dz) * 0.5 if correct else 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            return bool((dz - corr) / sigma - zq <= 0)

    lo, hi = -1, total  # at_or_below(lo) taken as true; find the largest true count
    if at_or_below(total):
        lo = total
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if at_or_below(mid):
            lo = mid
        else:
            hi = mid
    return int(min(max(total - lo, 1), total))
