"""Boschloo's exact unconditional test: its rejection region and exact power against an
enumeration with one ``scipy.stats.boschloo_exact`` call per table, and its properties.

scipy maximises over the nuisance proportion with ``shgo`` on ``SCIPY_POINTS`` Sobol points
(its default is 32). A table whose scipy p-value lies within ``AMBIGUOUS`` (relative) of the
level is one scipy's optimisation cannot place: it is left out of the comparison of regions,
counted as the region here counts it in the enumerated power, and there must be few of them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from t1dtrial.cli import main
from t1dtrial.design.exact import exact_power, rejection_region, sample_size

SCIPY_POINTS = 64
AMBIGUOUS = 1e-6
LEVELS = (0.01, 0.05, 0.1)
#: (n1, n2, scipy alternatives enumerated); two-sided comes from "less" and "greater" as
#: scipy computes it: min(1, 2 min(p_less, p_greater)).
DESIGNS = ((10, 10, ("greater",)), (8, 7, ("greater", "less")))


@pytest.fixture(scope="module")
def scipy_pvalues() -> dict[tuple[int, int, str], np.ndarray]:
    out = {}
    for n1, n2, sides in DESIGNS:
        for side in sides:
            out[n1, n2, side] = np.array([[stats.boschloo_exact(
                [[x1, x2], [n1 - x1, n2 - x2]], alternative=side, n=SCIPY_POINTS).pvalue
                for x2 in range(n2 + 1)] for x1 in range(n1 + 1)])
        if "less" in sides:
            out[n1, n2, "two-sided"] = np.minimum(
                1.0, 2 * np.minimum(out[n1, n2, "less"], out[n1, n2, "greater"]))
    return out


def enumerated_power(rejected: np.ndarray, p1: float, p2: float) -> float:
    n1, n2 = rejected.shape[0] - 1, rejected.shape[1] - 1
    return math.fsum(math.comb(n1, x1) * p1 ** x1 * (1 - p1) ** (n1 - x1)
                     * math.comb(n2, x2) * p2 ** x2 * (1 - p2) ** (n2 - x2)
                     for x1, x2 in zip(*np.nonzero(rejected)))


CASES = [(n1, n2, alt) for n1, n2, sides in DESIGNS
         for alt in (("greater", "two-sided") if "less" in sides else ("greater",))]


@pytest.mark.parametrize("n1, n2, alternative", CASES)
@pytest.mark.parametrize("alpha", LEVELS)
def test_region_and_power_equal_the_enumeration_over_scipy(scipy_pvalues, n1, n2, alternative,
                                                           alpha):
    p = scipy_pvalues[n1, n2, alternative]
    region = rejection_region(n1, n2, alpha, test="boschloo", alternative=alternative)
    ambiguous = np.abs(p - alpha) <= AMBIGUOUS * alpha
    assert ambiguous.sum() <= 1
    np.testing.assert_array_equal(region[~ambiguous], (p <= alpha)[~ambiguous])
    assert region.sum() > 0
    rejected = np.where(ambiguous, region, p <= alpha)
    for p1, p2 in ((0.7, 0.2), (0.5, 0.5), (0.9, 0.6), (0.3, 0.05)):
        power = exact_power(n1, n2, p1, p2, alpha, test="boschloo", alternative=alternative)
        assert power == pytest.approx(enumerated_power(rejected, p1, p2), abs=1e-9)


def fisher_one_sided(n1: int, n2: int) -> np.ndarray:
    """P(X1 >= x1 | x1 + x2) of every table, with scipy's hypergeometric distribution."""
    x1, x2 = np.arange(n1 + 1)[:, None], np.arange(n2 + 1)[None, :]
    return stats.hypergeom.sf(x1 - 1, n1 + n2, n1, x1 + x2)


@pytest.mark.parametrize("n1, n2, alternative", [(27, 26, "two-sided"), (30, 12, "greater")])
def test_the_boundary_of_larger_regions_is_where_scipy_puts_it(n1, n2, alternative):
    # the last tables in and the first out, in the order of the statistic
    stat = fisher_one_sided(n1, n2)
    level = 0.05 if alternative == "greater" else 0.025
    region = rejection_region(n1, n2, 0.05, test="boschloo", alternative=alternative)
    upper = region if alternative == "greater" else region & (stat < 0.5)
    last_in = np.argwhere(upper & (stat == stat[upper].max()))[0]
    first_out = np.argwhere(~upper & (stat == stat[~upper & (stat < 0.5)].min()))[0]
    for (x1, x2), inside in ((last_in, True), (first_out, False)):
        p = stats.boschloo_exact([[x1, x2], [n1 - x1, n2 - x2]], alternative="greater",
                                 n=SCIPY_POINTS).pvalue
        assert (p <= level) == inside and abs(p - level) > AMBIGUOUS * level


def test_size_stays_within_the_level_and_the_region_cannot_grow():
    # sup over p of P_p(region) <= alpha, and adding the next table (in the order of the
    # statistic) takes it over alpha: the region is the largest such run
    p = np.linspace(0.0, 1.0, 4001)
    for n1, n2 in ((15, 15), (20, 9), (6, 25)):
        stat = fisher_one_sided(n1, n2)
        region = rejection_region(n1, n2, 0.05, test="boschloo", alternative="greater")
        binom1 = stats.binom.pmf(np.arange(n1 + 1)[:, None], n1, p)  # [x1, p]
        binom2 = stats.binom.pmf(np.arange(n2 + 1)[:, None], n2, p)
        size = np.einsum("ip,ij,jp->p", binom1, region.astype(float), binom2)
        assert size.max() <= 0.05 + 1e-12
        grown = region | (stat <= stat[~region].min() * (1 + 1e-13))
        assert np.einsum("ip,ij,jp->p", binom1, grown.astype(float), binom2).max() > 0.05


@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_size_at_equal_proportions_is_at_most_alpha(alternative):
    for n1, n2 in ((27, 26), (40, 13), (60, 60)):
        sizes = [exact_power(n1, n2, q, q, 0.05, test="boschloo", alternative=alternative)
                 for q in np.linspace(0.02, 0.98, 49)]
        assert 0.045 < max(sizes) <= 0.05 + 1e-12


def test_boschloo_is_uniformly_more_powerful_than_fisher():
    # one-sided: Fisher's region is inside Boschloo's; two-sided (doubled one-sided p-values,
    # scipy's convention): inside it too, and so is Fisher's two-sided region when n1 == n2
    grid = [(p1, p2) for p1 in (0.1, 0.3, 0.5, 0.7, 0.9) for p2 in (0.05, 0.2, 0.4)]
    for n1, n2 in ((5, 5), (12, 30), (27, 26), (40, 40), (33, 8)):
        for alpha in (0.05, 0.1):
            boschloo = rejection_region(n1, n2, alpha, test="boschloo", alternative="greater")
            fisher = rejection_region(n1, n2, alpha, test="fisher", alternative="greater")
            assert not (fisher & ~boschloo).any()
            doubled = rejection_region(n1, n2, alpha / 2, test="fisher", alternative="greater")
            two = rejection_region(n1, n2, alpha, test="boschloo")
            assert not ((doubled | doubled[::-1, ::-1]) & ~two).any()
            if n1 == n2:
                assert not (rejection_region(n1, n2, alpha, test="fisher") & ~two).any()
            for p1, p2 in grid:
                assert exact_power(n1, n2, p1, p2, alpha, test="boschloo",
                                   alternative="greater") >= exact_power(
                    n1, n2, p1, p2, alpha, test="fisher", alternative="greater") - 1e-12
    # several points of power at the reference study's size
    assert exact_power(27, 26, 0.40, 0.08, test="boschloo") - \
        exact_power(27, 26, 0.40, 0.08, test="fisher") > 0.03


def test_sample_size_with_boschloo_needs_no_more_than_fisher():
    boschloo = sample_size(0.40, 0.08, power=0.8, test="boschloo", n_max=40)
    fisher = sample_size(0.40, 0.08, power=0.8, test="fisher", n_max=40)
    assert boschloo["n1_first"] <= boschloo["n1_stable"] <= fisher["n1_stable"]
    assert boschloo["n1_first"] <= fisher["n1_first"]
    n = boschloo["n1_stable"]
    assert boschloo["power_stable"] == exact_power(n, n, 0.40, 0.08, test="boschloo") >= 0.8
    assert exact_power(n - 1, n - 1, 0.40, 0.08, test="boschloo") < 0.8


def test_the_command_line_computes_boschloo(capsys):
    assert main(["power", "binary", "--n1", "27", "--n2", "26", "--p1", "0.40",
                 "--p2", "0.08", "--test", "boschloo"]) == 0
    out = capsys.readouterr().out
    assert "boschloo" in out
    assert f"{exact_power(27, 26, 0.40, 0.08, test='boschloo'):.4f}" in out
