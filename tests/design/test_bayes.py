"""Assurance and Bayesian operating characteristics: each exact value against an independent route."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special, stats

from t1dtrial.design.bayes import (
    BetaPrior,
    assurance,
    decision_region,
    pilot_prior,
    posterior_prob_greater,
    power_quantiles,
    prob_difference_exceeds,
    probability_of_success,
    sample_size_for_assurance,
    success_region,
    type_one_error,
)
from t1dtrial.design.exact import exact_power, rejection_region

PILOT = pilot_prior((11, 27), (3, 26))  # Beta(12, 17) treated, Beta(4, 24) control


def beta_tail_by_quad(t: tuple[float, float], c: tuple[float, float]) -> float:
    """P(T > C) for T ~ Beta(*t), C ~ Beta(*c): integral of f_C(u) P(T > u) du."""
    (a, b), log_norm = c, special.betaln(*c)

    def integrand(u: float) -> float:
        if u <= 0.0 or u >= 1.0:
            return 0.0
        density = np.exp((a - 1) * np.log(u) + (b - 1) * np.log1p(-u) - log_norm)
        return density * special.betaincc(t[0], t[1], u)

    value, _ = integrate.quad(integrand, 0, 1, epsabs=1e-13, epsrel=1e-12, limit=400)
    return value


def gauss_legendre_on_unit(points: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(points)
    return (x + 1) / 2, w / 2


# --- assurance ---------------------------------------------------------------------------

@pytest.mark.parametrize("treated, control", [
    PILOT, (BetaPrior(11.5, 16.5), BetaPrior(3.5, 23.5))])
def test_assurance_is_power_integrated_over_the_prior(treated, control):
    """Fisher's one-sided test (its rejections all favour treatment): exact_power at the nodes
    of a 40 x 40 Gauss-Legendre product rule (exact for the polynomial of degree 54 that power
    times a beta density with whole parameters is), weighted by the beta densities."""
    nodes, weights = gauss_legendre_on_unit(40)
    w1 = weights * stats.beta.pdf(nodes, treated.a, treated.b)
    w2 = weights * stats.beta.pdf(nodes, control.a, control.b)
    power = np.array([[exact_power(27, 26, p1, p2, test="fisher", alternative="greater")
                       for p2 in nodes] for p1 in nodes])
    integrated = float(w1 @ power @ w2)
    region = success_region(27, 26, test="fisher", alternative="greater")
    assert assurance(region, treated, control) == pytest.approx(integrated, abs=1e-6)


def test_two_sided_assurance_counts_only_rejections_in_favour_of_treatment():
    treated, control = PILOT
    nodes, weights = gauss_legendre_on_unit(80)
    k1, k2 = np.arange(41), np.arange(36)
    b1 = stats.binom.pmf(k1, 40, nodes[:, None])
    b2 = stats.binom.pmf(k2, 35, nodes[:, None])
    favourable = rejection_region(40, 35, 0.05, test="chisq") & (k1[:, None] / 40 > k2 / 35)
    power = b1 @ favourable.astype(float) @ b2.T
    integrated = (weights * stats.beta.pdf(nodes, treated.a, treated.b)) @ power \
        @ (weights * stats.beta.pdf(nodes, control.a, control.b))
    assert assurance(success_region(40, 35, test="chisq"), treated, control) \
        == pytest.approx(integrated, abs=1e-6)


def test_assurance_becomes_power_when_the_prior_concentrates():
    sharp = 1e7  # beyond ~1e8 the beta-binomial's log-beta differences lose digits
    treated, control = BetaPrior(0.4 * sharp, 0.6 * sharp), BetaPrior(0.1 * sharp, 0.9 * sharp)
    region = success_region(27, 26, test="fisher", alternative="greater")
    assert assurance(region, treated, control) == pytest.approx(
        exact_power(27, 26, 0.4, 0.1, test="fisher", alternative="greater"), abs=1e-5)
    rule = decision_region(27, 26, 0.975)
    assert assurance(rule, treated, control) == pytest.approx(
        float(probability_of_success(rule, 0.4, 0.1)), abs=1e-5)


def test_assurance_stays_below_the_prior_probability_that_treatment_is_better():
    treated, control = PILOT
    plateau = prob_difference_exceeds(treated, control)
    assert plateau == pytest.approx(beta_tail_by_quad((12, 17), (4, 24)), abs=1e-12)
    large = assurance(decision_region(400, 400, 0.975), treated, control)
    assert 0.95 < large < plateau
    with pytest.raises(ValueError, match=r"P\(p1 > p2\) = 0.9913"):
        sample_size_for_assurance(0.995, treated, control)


def test_sample_size_for_assurance_is_the_first_n_reaching_the_target():
    treated, control = PILOT
    out = sample_size_for_assurance(0.5, treated, control, test="bayes", n_max=40)
    at = {n: assurance(decision_region(n, n, 0.975), treated, control)
          for n in range(out["n1_first"] - 1, out["n1_stable"] + 3)}
    assert at[out["n1_first"]] >= 0.5 > at[out["n1_first"] - 1]
    assert all(at[n] >= 0.5 for n in at if n >= out["n1_stable"])
    assert out["assurance_first"] == pytest.approx(at[out["n1_first"]], abs=1e-14)


def test_probability_of_a_relevant_difference_agrees_with_monte_carlo():
    treated, control = PILOT
    draws = 400_000
    rng = np.random.default_rng(20261127)
    diff = rng.beta(treated.a, treated.b, draws) - rng.beta(control.a, control.b, draws)
    for margin in (0.0, 0.2, 0.35):
        share = float(np.mean(diff > margin))
        se = np.sqrt(share * (1 - share) / draws)
        assert abs(prob_difference_exceeds(treated, control, margin) - share) < 3 * se + 1e-9


def test_power_quantiles_spread_around_the_assurance():
    treated, control = PILOT
    region = success_region(27, 26, test="fisher")
    low, median, high = power_quantiles(region, treated, control, (0.1, 0.5, 0.9))
    assert 0 < low < median < high < 1
    assert low < assurance(region, treated, control) < high
    # independently: power at 100,000 (p1, p2) drawn from the priors, and their quantiles
    rng = np.random.default_rng(7)
    p1 = rng.beta(treated.a, treated.b, 100_000)
    p2 = rng.beta(control.a, control.b, 100_000)
    drawn = np.quantile(probability_of_success(region, p1, p2), (0.1, 0.5, 0.9))
    np.testing.assert_allclose([low, median, high], drawn, atol=0.01)


# --- posterior probability and the decision rule ------------------------------------------

@pytest.mark.parametrize("n1, n2, treated, control", [
    (27, 26, BetaPrior(1, 1), BetaPrior(1, 1)),        # whole-number start: a finite sum
    (40, 33, BetaPrior(0.5, 0.5), BetaPrior(2.3, 1.7)),  # start by quadrature
    (500, 480, BetaPrior(1, 1), BetaPrior(0.5, 2)),
])
def test_posterior_probability_of_every_table_matches_quadrature(n1, n2, treated, control):
    prob = posterior_prob_greater(n1, n2, treated, control)
    assert prob.shape == (n1 + 1, n2 + 1)
    rng = np.random.default_rng(n1)
    cells = [(0, 0), (n1, 0), (0, n2), (n1, n2), (n1 // 2, n2 // 3)] + \
        list(zip(rng.integers(0, n1 + 1, 8), rng.integers(0, n2 + 1, 8)))
    for x1, x2 in cells:
        expected = beta_tail_by_quad((treated.a + x1, treated.b + n1 - x1),
                                     (control.a + x2, control.b + n2 - x2))
        assert prob[x1, x2] == pytest.approx(expected, abs=1e-11), (x1, x2)


def test_posterior_probability_agrees_with_monte_carlo():
    prob = posterior_prob_greater(20, 22, BetaPrior(0.5, 0.5), BetaPrior(1, 1))
    rng = np.random.default_rng(7)
    draws = 400_000
    for x1, x2 in ((9, 4), (6, 6), (12, 3)):
        t = rng.beta(0.5 + x1, 0.5 + 20 - x1, draws)
        c = rng.beta(1 + x2, 1 + 22 - x2, draws)
        share = float(np.mean(t > c))
        assert abs(prob[x1, x2] - share) < 3 * np.sqrt(share * (1 - share) / draws)


def test_altham_posterior_probability_is_fishers_one_sided_p_value():
    """Altham (1969): with Beta(0, 1) treated and Beta(1, 0) control priors,
    P(p_t <= p_c | x) is Fisher's one-sided p-value."""
    n1, n2 = 12, 10
    near_zero = 1e-10
    prob = posterior_prob_greater(n1, n2, BetaPrior(near_zero, 1), BetaPrior(1, near_zero))
    for x1, x2 in ((5, 2), (8, 1), (3, 3), (12, 0), (1, 9)):
        fisher = stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]], alternative="greater").pvalue
        assert 1 - prob[x1, x2] == pytest.approx(fisher, abs=1e-8)


def test_decision_power_is_enumeration_and_agrees_with_simulated_trials():
    n1, n2, p1, p2, threshold = 30, 30, 0.45, 0.15, 0.975
    rule = decision_region(n1, n2, threshold)
    exact = float(probability_of_success(rule, p1, p2))
    b1, b2 = stats.binom.pmf(np.arange(n1 + 1), n1, p1), stats.binom.pmf(np.arange(n2 + 1), n2, p2)
    assert exact == pytest.approx(float(b1 @ rule @ b2), abs=1e-14)
    rng = np.random.default_rng(12)
    sims = 20_000
    x1, x2 = rng.binomial(n1, p1, sims), rng.binomial(n2, p2, sims)
    tables, counts = np.unique(np.stack([x1, x2]), axis=1, return_counts=True)
    wins = sum(int(c) for (a, b), c in zip(tables.T, counts)
               if beta_tail_by_quad((1 + a, 1 + n1 - a), (1 + b, 1 + n2 - b)) > threshold)
    share = wins / sims
    assert abs(share - exact) < 3 * np.sqrt(exact * (1 - exact) / sims)


def test_type_one_error_of_the_altham_rule_is_bounded_by_fishers_level():
    """With Altham's priors the rule is Fisher's one-sided test at 1 - threshold, whose size
    given each margin is at most that level; uniform priors reject more tables."""
    n1, n2, threshold = 15, 14, 0.975
    near_zero = 1e-10
    altham = decision_region(n1, n2, threshold, prior_treated=BetaPrior(near_zero, 1),
                             prior_control=BetaPrior(1, near_zero))
    fisher = rejection_region(n1, n2, 1 - threshold, test="fisher", alternative="greater")
    assert np.array_equal(altham, fisher)
    worst = type_one_error(altham)
    dense = np.linspace(0, 1, 20_001)
    b1 = stats.binom.pmf(np.arange(n1 + 1), n1, dense[:, None])
    b2 = stats.binom.pmf(np.arange(n2 + 1), n2, dense[:, None])
    on_dense = np.einsum("ij,ij->i", b1 @ altham.astype(float), b2)
    assert on_dense.max() <= worst["type_one_error"] + 1e-12
    assert worst["type_one_error"] == pytest.approx(on_dense.max(), abs=1e-7)
    assert worst["type_one_error"] <= 1 - threshold
    uniform = decision_region(n1, n2, threshold)
    assert np.all(uniform >= altham)
    assert type_one_error(uniform)["type_one_error"] >= worst["type_one_error"]


def test_success_is_likeliest_under_the_null_at_equal_proportions():
    """The rule's region grows with x1 and shrinks with x2, so with p1 <= p2 the probability
    of success is at most its value at p1 == p2."""
    rule = decision_region(25, 25, 0.95)
    worst = type_one_error(rule)["type_one_error"]
    p = np.linspace(0.01, 0.99, 50)
    p1, p2 = np.meshgrid(p, p, indexing="ij")
    below = p1 <= p2
    assert probability_of_success(rule, p1[below], p2[below]).max() <= worst + 1e-12


def test_bad_inputs_are_refused_with_the_argument_named():
    with pytest.raises(ValueError, match="a beta prior's a must be a positive number"):
        BetaPrior(0, 1)
    with pytest.raises(ValueError, match="threshold must be a probability"):
        decision_region(10, 10, 1.0)
    with pytest.raises(ValueError, match="test must be one of fisher, chisq, chisq_cc, boschloo, bayes"):
        success_region(10, 10, test="boschlo")
    with pytest.raises(ValueError, match="responders must be a whole number"):
        pilot_prior((30, 27), (3, 26))
