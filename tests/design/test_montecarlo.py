"""Monte Carlo power: close to exact and analytic power, reproducible from its seed, and the
same however its chunks are grouped."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.power import TTestIndPower

from t1dtrial.design import montecarlo as mc
from t1dtrial.design.exact import TESTS, exact_power


@pytest.mark.parametrize("test, alternative", [(t, "two-sided") for t in TESTS]
                         + [("fisher", "greater")])  # every test with a rejection region
def test_binary_mc_power_is_within_3_mc_se_of_the_exact_power(test, alternative):
    res = mc.mc_power_binary(27, 26, 0.40, 0.08, test=test, alternative=alternative,
                             sims=200_000, seed=5)
    exact = exact_power(27, 26, 0.40, 0.08, test=test, alternative=alternative)
    assert res["mc_se"] == pytest.approx(np.sqrt(res["power"] * (1 - res["power"]) / 200_000))
    assert abs(res["power"] - exact) < 3 * res["mc_se"]


def test_welch_mc_power_is_within_3_mc_se_of_statsmodels_analytic_power():
    res = mc.mc_power_continuous(20, 20, delta=0.8, sd=2.0, test="welch", sims=40_000, seed=3)
    analytic = TTestIndPower().power(effect_size=0.4, nobs1=20, ratio=1.0, alpha=0.05)
    assert res["delta"] == 0.8 and res["sd"] == 2.0 and res["distribution"] == "normal"
    assert abs(res["power"] - analytic) < 3 * res["mc_se"]


@pytest.mark.parametrize("test", ["welch", "mann-whitney", "ancova"])
def test_continuous_tests_keep_their_level_under_the_null(test):
    res = mc.mc_power_continuous(15, 12, delta=0.0, sd=1.0, test=test,
                                 correlation=0.5 if test == "ancova" else 0.0,
                                 sims=20_000, seed=9)
    assert abs(res["power"] - 0.05) < 3 * np.sqrt(0.05 * 0.95 / 20_000) + 0.004


def test_ancova_gains_power_from_a_correlated_baseline():
    kw = dict(delta=0.6, sd=1.0, sims=20_000, seed=4)
    welch = mc.mc_power_continuous(25, 25, test="welch", **kw)["power"]
    ancova = mc.mc_power_continuous(25, 25, test="ancova", correlation=0.7, **kw)
    assert ancova["correlation"] == 0.7
    # ANCOVA's power is about that of a t-test with SD sd * sqrt(1 - rho^2)
    approx = TTestIndPower().power(effect_size=0.6 / np.sqrt(1 - 0.49), nobs1=25, alpha=0.05)
    assert ancova["power"] > welch + 0.2
    assert abs(ancova["power"] - approx) < 3 * ancova["mc_se"] + 0.01


def test_logistic_counts_separated_trials_as_not_rejected():
    res = mc.mc_power_binary(27, 26, 0.40, 0.08, test="logistic", covariate_or=1.0,
                             sims=4000, seed=2)
    no_control_responder = 0.92 ** 26  # quasi-complete separation by arm
    se = np.sqrt(no_control_responder * (1 - no_control_responder) / 4000)
    assert abs(res["not_estimable"] / 4000 - no_control_responder) < 4 * se
    assert res["power"] == res["rejections"] / 4000


def test_one_sided_logistic_power_uses_the_wald_test_s_upper_tail():
    kw = {"test": "logistic", "covariate_or": [0.6, 1.2], "sims": 3000, "seed": 6}
    two = mc.mc_power_binary(27, 26, 0.45, 0.15, **kw)
    one = mc.mc_power_binary(27, 26, 0.45, 0.15, alternative="greater", **kw)
    wrong_way = mc.mc_power_binary(27, 26, 0.15, 0.45, alternative="greater", **kw)
    assert one["not_estimable"] == two["not_estimable"]  # the same trials
    assert one["power"] > two["power"] and wrong_way["power"] < 0.01


def test_the_same_seed_gives_the_same_result_and_another_seed_another():
    kw = dict(delta=0.5, test="mann-whitney", sims=3000)
    assert mc.mc_power_continuous(20, 20, seed=1, **kw) == mc.mc_power_continuous(20, 20, seed=1,
                                                                                   **kw)
    assert (mc.mc_power_continuous(20, 20, seed=1, **kw)["rejections"]
            != mc.mc_power_continuous(20, 20, seed=2, **kw)["rejections"])


@pytest.mark.parametrize("kind, cell", [
    ("binary", {"n1": 27, "n2": 26, "p1": 0.4, "p2": 0.08, "alpha": 0.05, "test": "fisher",
                "alternative": "two-sided"}),
    ("binary", {"n1": 27, "n2": 26, "p1": 0.4, "p2": 0.15, "alpha": 0.05, "test": "logistic",
                "alternative": "two-sided", "covariate_or": 0.6}),
    ("continuous", {"n1": 20, "n2": 18, "delta": 0.5, "sd": 1.0, "correlation": 0.0,
                    "distribution": "normal", "alpha": 0.05, "test": "welch",
                    "alternative": "two-sided"}),
])
def test_a_cell_is_the_sum_of_its_chunks_each_from_its_own_stream(monkeypatch, kind, cell):
    from t1dtrial.design.runner import chunk_plan, chunk_rng

    monkeypatch.setattr(mc, "CHUNK_TRIALS", 700)
    sims, seed, index = 3000, 17, 4
    whole = mc.mc_power(kind, cell, sims=sims, seed=seed, cell_index=index)
    sizes = chunk_plan(sims, 700)
    assert sizes == [700, 700, 700, 700, 200]
    alone = [mc.simulate_counts(kind, cell, chunk_rng(seed, index, k), n)["rejections"]
             for k, n in enumerate(sizes)]
    assert sum(alone) == whole["rejections"] and whole["sims"] == sims
    other_cell = mc.mc_power(kind, cell, sims=sims, seed=seed, cell_index=index + 1)
    assert other_cell["rejections"] != whole["rejections"]  # another cell, other streams


def test_a_grid_has_the_contract_columns_and_shares_trials_across_tests():
    from t1dtrial.design.grid import GRID_COLUMNS

    table = mc.mc_binary_power_grid([20, 27], [26], [0.4], [0.08], tests=["fisher", "chisq_cc"],
                                    sims=2000, seed=1)
    assert tuple(table.columns) == GRID_COLUMNS and len(table) == 4
    assert (table["method"] == "mc").all() and (table["sims"] == 2000).all()
    one = mc.mc_power_binary(27, 26, 0.4, 0.08, test="chisq_cc", sims=2000, seed=1, cell_index=1)
    assert table.iloc[3]["power"] == one["power"]


@pytest.mark.parametrize("call, said", [
    (lambda: mc.mc_power_binary(27, 26, 0.4, 1.2), "p2 must be a proportion"),
    (lambda: mc.mc_power_binary(27, 26, 0.4, 0.1, test="wald"), "test must be one of"),
    (lambda: mc.mc_power_continuous(27, 26, delta=1, test="welch", correlation=0.5),
     "used by ancova only"),
    (lambda: mc.mc_power_continuous(27, 26, delta=1, sims=0), "sims must be"),
])
def test_bad_arguments_are_named(call, said):
    with pytest.raises(ValueError, match=said):
        call()
