"""Hodges-Lehmann intervals on large samples with ties against R (hl_large.R).

2,000 vs 2,000 values rounded to 2 decimals, 4,000 values for the signed-rank
test, and samples without ties above R's exact-test size: R's
``wilcox.test(..., conf.int = TRUE)`` finds the normal-approximation limits
with ``uniroot(tol = 1e-4)``; we return the pairwise value at which the
statistic crosses, an order statistic selected without forming the pairwise
values (``t1dtrial.stats._pairwise``).
"""

from __future__ import annotations

import csv
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from t1dtrial.stats import mann_whitney, wilcoxon_signed_rank
from t1dtrial.stats._pairwise import PairwiseDifferences, WalshAverages

DATA = Path(__file__).resolve().parents[1] / "reference" / "data" / "hl_large.csv"
CLOSED = 1e-6
ROOT_TOL = 2e-4  # R's uniroot(tol = 1e-4) on the normal-approximation interval


@pytest.fixture(scope="module")
def samples() -> dict[str, np.ndarray]:
    # csv + float(): the doubles R's read.csv gives (correctly rounded), ties kept
    out: dict[str, list[float]] = {}
    with open(DATA, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["SAMPLE"], []).append(float(row["VALUE"]))
    return {k: np.array(v) for k, v in out.items()}


def _options(record) -> dict:
    options = {}
    if "correct = FALSE" in record["args"]:
        options["correct"] = False
    if "conf.level = 0.9" in record["args"]:
        options["conf_level"] = 0.9
    return options


@pytest.fixture(scope="module")
def results(reference, samples):
    """Each record of the fixture with our row beside it."""
    out = []
    for r in reference("hl_large"):
        if r["fun"] == "mann_whitney":
            got = mann_whitney(samples[r["x"]], samples[r["y"]], **_options(r)).iloc[0]
        else:
            got = wilcoxon_signed_rank(samples[r["x"]], mu=r["mu"], **_options(r)).iloc[0]
        out.append((r, got))
    return out


def test_fixture_covers_2000_vs_2000_with_ties_and_4000_values_with_zeros(reference, samples):
    names = {r["dataset"] for r in reference("hl_large")}
    assert {"x_y_ties", "x_y_ties_uncorrected_90", "u_v_no_ties", "z_ties_zeros",
            "z_ties_mu_uncorrected_90", "u_no_ties"} == names
    assert samples["x"].size == samples["y"].size == 2000 and samples["z"].size == 4000
    assert np.unique(np.concatenate([samples["x"], samples["y"]])).size < 1000  # heavy ties
    assert (samples["z"] == 0).sum() > 0


def test_statistic_p_value_estimate_and_interval_match_wilcox_test(results, close):
    for r, got in results:
        assert "normal approximation" in got["method"], r["dataset"]
        assert ("continuity" in got["method"]) == ("continuity" in r["r_method"]), r["dataset"]
        assert got["statistic"] == r["statistic"], r["dataset"]
        assert close(got["p_value"], r["p_value"], CLOSED), r["dataset"]
        assert close(got["estimate"], r["hodges_lehmann"], CLOSED), r["dataset"]
        assert got["ci_low"] == pytest.approx(r["ci_low"], abs=ROOT_TOL), r["dataset"]
        assert got["ci_high"] == pytest.approx(r["ci_high"], abs=ROOT_TOL), r["dataset"]
        assert got["conf_level"] == r["conf_level"], r["dataset"]
        if r["fun"] == "wilcoxon_signed_rank":
            assert got["n_zero"] == r["n_zero"], r["dataset"]


def test_r_estimate_is_a_root_of_its_statistic_inside_the_middle_pair(results, samples):
    # R's normal-case estimate is uniroot on the uncorrected statistic, which is 0 between
    # the two middle pairwise values: it lies there (within its tolerance), ours in the middle
    for r, _ in results:
        x = samples[r["x"]]
        if r["fun"] == "mann_whitney":
            values = PairwiseDifferences(x, samples[r["y"]])
        else:
            values = WalshAverages(x[x != r["mu"]])
        half = values.count // 2
        low, high = values.kth(half), values.kth(half + 1)
        assert low - ROOT_TOL <= r["r_estimate"] <= high + ROOT_TOL, r["dataset"]


def test_order_statistics_are_those_of_the_sorted_pairwise_values(samples):
    x, y, u = samples["x"], samples["y"], samples["u"]
    diffs = np.sort(np.subtract.outer(x, y).ravel())
    pairs = PairwiseDifferences(x, y)
    ranks = [1, 2, 17, 999_999, 2_000_000, 2_000_001, 3_456_789, diffs.size]
    assert [pairs.kth(k) for k in ranks] == [float(diffs[k - 1]) for k in ranks]
    assert pairs.median() == float(np.median(diffs))
    walsh = np.sort(np.add.outer(u, u)[np.triu_indices(u.size)] / 2)
    averages = WalshAverages(u[::-1])
    ranks = [1, 3, 4_000, 22_575, 22_576, walsh.size]
    assert [averages.kth(k) for k in ranks] == [float(walsh[k - 1]) for k in ranks]
    assert averages.median() == float(np.median(walsh))


def _r_statistic(x: np.ndarray, y: np.ndarray, d: float, correct: bool) -> float:
    """R's W(d) written as R does: rank(c(x - d, y)), table of the ranks, sign correction."""
    ranks = stats.rankdata(np.concatenate([x - d, y]))
    m, n = x.size, y.size
    dz = ranks[:m].sum() - m * (m + 1) / 2 - m * n / 2
    _, t = np.unique(ranks, return_counts=True)
    sigma = np.sqrt((m * n / 12) * ((m + n + 1) - (t ** 3.0 - t).sum() / ((m + n) * (m + n - 1))))
    return (dz - (np.sign(dz) * 0.5 if correct else 0.0)) / sigma


@pytest.mark.parametrize("decimals", [1, None])
def test_normal_limits_are_where_r_statistic_crosses_between_pairwise_values(decimals):
    # brute force: R's statistic at every midpoint between distinct pairwise differences
    rng = np.random.default_rng(14 if decimals else 15)
    x, y = rng.normal(0.4, 1.0, 34), rng.normal(0.0, 1.3, 30)
    if decimals:
        x, y = np.round(x, decimals), np.round(y, decimals)
    diffs = np.sort(np.subtract.outer(x, y).ravel())
    jumps = diffs[np.concatenate([[True], np.diff(diffs) > 1e-9])]  # one a group of equal values
    mids = (jumps[:-1] + jumps[1:]) / 2
    for correct in (True, False):
        got = mann_whitney(x, y, exact=False, correct=correct).iloc[0]
        stat = np.array([_r_statistic(x, y, d, correct) for d in mids])
        q = stats.norm.isf(0.025)
        for limit, zq in ((got["ci_low"], q), (got["ci_high"], -q)):
            assert _r_statistic(x, y, jumps[0], correct) > zq > _r_statistic(x, y, jumps[-1], correct)
            first = int(np.argmax(stat <= zq))
            assert stat[first] <= zq < (stat[first - 1] if first else np.inf)
            assert limit == pytest.approx(jumps[first], abs=1e-12)


def test_two_sample_interval_of_20000_vs_20000_needs_no_pairwise_array():
    rng = np.random.default_rng(20000)
    x, y = np.round(rng.normal(0.2, 1.0, 20_000), 3), np.round(rng.normal(0.0, 1.0, 20_000), 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tracemalloc.start()
        try:
            got = mann_whitney(x, y).iloc[0]
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert got["ci_low"] < got["estimate"] < got["ci_high"]
    assert peak < 25e6  # the 4e8 differences alone would take 3.2 GB


@pytest.mark.parametrize("seed", range(6))
def test_selection_steps_give_the_sorted_values_on_small_samples_with_ties(seed):
    # a window of 8 values forces the narrowing steps that large samples take
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(0, 1, int(rng.integers(1, 60))), int(seed % 3))
    y = np.round(rng.normal(0, 1, int(rng.integers(1, 60))), int(seed % 3)) * (1 + 1e-16 * seed)
    for values, ordered in ((PairwiseDifferences(x, y), np.sort(np.subtract.outer(x, y).ravel())),
                            (WalshAverages(x), np.sort(np.add.outer(x, x)[np.triu_indices(x.size)] / 2))):
        values.small = 8
        ranks = np.unique(np.concatenate([[1, ordered.size], rng.integers(1, ordered.size + 1, 20)]))
        assert [values.kth(int(k)) for k in ranks] == ordered[ranks - 1].tolist()
        assert values.median() == float(np.median(ordered))
