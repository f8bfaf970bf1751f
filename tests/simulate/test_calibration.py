"""Calibration: simulated trials reproduce the published aggregates of the seed study."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from t1dtrial.simulate import TARGETS, calibrate, simulate_cohort, trial_statistics
from t1dtrial.simulate._firth import firth_fit_and_p
from t1dtrial.simulate.calibration import _welch
from t1dtrial.simulate.endpoints import percent_change, remission_flags

N_TRIALS = 2000


@pytest.fixture(scope="module")
def result():
    return calibrate("lu2021", n_trials=N_TRIALS, seed=2021)


def test_every_target_is_met_within_its_tolerance_plus_monte_carlo_error(result):
    by_name = {t.name: t for t in TARGETS}
    for row in result.summary.itertuples(index=False):
        target = by_name[row.target]
        mcse = 0.0 if np.isnan(row.mcse) else row.mcse
        assert target.within(row.expected, slack=3 * mcse), (row.target, row.expected, row.criterion)


@pytest.mark.parametrize("name, target", [("msc_remission", 11.0), ("control_remission", 3.0),
                                          ("msc_insulin_free", 3.0), ("n_adult_onset", 33.0)])
def test_headline_counts_are_centred_on_the_published_values(result, name, target):
    row = result.summary.set_index("target").loc[name]
    assert abs(row["expected"] - target) <= 0.5 + 3 * row["mcse"]
    assert row["q05"] < target < row["q95"]


def test_no_control_participant_is_ever_insulin_free_and_no_event_is_severe(result):
    assert (result.trials["control_insulin_free"] == 0).all()
    assert (result.trials["severe_adverse_events"] == 0).all()


def test_published_directions_hold_in_most_trials(result):
    s = result.summary.set_index("target")["expected"]
    assert s["remission_significant"] >= 0.5
    assert s["adult_pcp_pchg_difference"] > 0
    assert s["juvenile_no_difference"] >= 0.5


def test_summary_has_one_row_a_target_and_documented_columns(result):
    assert result.summary["target"].tolist() == [t.name for t in TARGETS]
    assert result.summary.columns.tolist() == ["target", "published", "expected", "sd", "q05", "q95",
                                               "mcse", "n_trials", "criterion", "within",
                                               "probability", "statistic", "source"]
    assert result.all_within


def test_same_seed_gives_the_same_calibration_and_progress_is_reported():
    seen = []
    a = calibrate(n_trials=30, seed=4, chunk_size=10, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(10, 30), (20, 30), (30, 30)]
    assert a.trials.equals(calibrate(n_trials=30, seed=4, chunk_size=10).trials)
    assert not a.trials.equals(calibrate(n_trials=30, seed=5, chunk_size=10).trials)


def test_control_rate_assumption_is_labelled_as_one():
    control = next(t for t in TARGETS if t.name == "control_remission")
    assert control.source.startswith("assumption") and "assumed" in control.published


def test_vectorised_welch_equals_scipy_on_each_trial():
    c = simulate_cohort("lu2021", n_trials=5, seed=8)
    x = percent_change(c, "PCP", "M12")
    group = (c.arm == 0).astype(int)
    diff, p = _welch(x, group, c.trial, c.n_trials)
    for k in range(5):
        a, b = x[(c.trial == k) & (group == 1)], x[(c.trial == k) & (group == 0)]
        ref = stats.ttest_ind(a, b, equal_var=False)
        assert p[k] == pytest.approx(ref.pvalue, rel=1e-9)
        assert diff[k] == pytest.approx(a.mean() - b.mean(), rel=1e-12)


def test_vectorised_fisher_p_equals_scipy():
    c = simulate_cohort("lu2021", n_trials=6, seed=9)
    t = trial_statistics(c)
    for k in range(6):
        a, c_ = int(t["msc_remission"][k]), int(t["control_remission"][k])
        ref = stats.fisher_exact([[a, 27 - a], [c_, 26 - c_]])[1]
        assert t["remission_fisher_p"][k] == pytest.approx(ref, rel=1e-12)


def test_batched_firth_equals_the_plans_logistic_regression_on_each_trial():
    import pandas as pd

    from t1dtrial.stats import logistic_regression

    c = simulate_cohort("lu2021", n_trials=8, seed=12)
    t = trial_statistics(c)
    rem = np.nan_to_num(remission_flags(c, noisy=True), nan=0.0)
    for k in range(8):
        m = (c.trial == k) & (c.arm == 0)
        d = pd.DataFrame({"y": rem[m], "BFCP": c.measured["FCP"][m, 0] / 0.1,
                          "CUMDOSE": c.cumulative_cells_per_kg[m] / 1e6})
        ref = logistic_regression(d, outcome="y", predictors=["BFCP", "CUMDOSE"],
                                  method="firth").set_index("term")
        assert t["predictor_bfcp_p"][k] == pytest.approx(ref.loc["BFCP", "p_value"], rel=1e-6)
        assert t["predictor_dose_p"][k] == pytest.approx(ref.loc["CUMDOSE", "p_value"], rel=1e-6)
        assert t["predictor_bfcp_negative"][k] == float(ref.loc["BFCP", "estimate"] < 0)
        assert t["predictor_dose_positive"][k] == float(ref.loc["CUMDOSE", "estimate"] > 0)
        assert t["predictor_dose_significant"][k] == float(
            ref.loc["CUMDOSE", "estimate"] > 0 and ref.loc["CUMDOSE", "p_value"] < 0.05)


def test_batched_firth_is_finite_under_separation_and_matches_a_single_fit():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])
    X = np.stack([np.ones(6), x], axis=1)[None]
    beta, p = firth_fit_and_p(np.concatenate([X, X]), np.array([[0, 0, 0, 1, 1, 1.0],
                                                                 [0, 1, 0, 1, 0, 1.0]]))
    assert np.isfinite(beta).all() and beta[0, 1] > beta[1, 1] > 0
    assert p[0, 1] < p[1, 1]
    import pandas as pd

    from t1dtrial.stats import logistic_regression

    for k, y in enumerate(([0, 0, 0, 1, 1, 1.0], [0, 1, 0, 1, 0, 1.0])):  # separated, then not
        ref = logistic_regression(pd.DataFrame({"y": y, "x": x}), outcome="y", predictors=["x"],
                                  method="firth").set_index("term")
        assert beta[k, 1] == pytest.approx(ref.loc["x", "estimate"], rel=1e-6)
        assert p[k, 1] == pytest.approx(ref.loc["x", "p_value"], rel=1e-6)


def test_published_predictor_associations_are_likely_under_the_model(result):
    s = result.summary.set_index("target")
    assert s.loc["predictor_bfcp_negative", "expected"] >= 0.9
    assert s.loc["predictor_dose_positive", "expected"] >= 0.9
    assert s.loc["predictor_bfcp_significant", "probability"] >= 0.3
    assert s.loc["predictor_dose_significant", "probability"] >= 0.3


def test_probability_of_each_published_finding_is_listed(result):
    s = result.summary.set_index("target")
    counts = result.trials["msc_remission"]
    assert s.loc["msc_remission", "probability"] == pytest.approx((counts == 11).mean())
    assert s.loc["remission_significant", "probability"] == s.loc["remission_significant", "expected"]
    assert np.isnan(s.loc["adult_pcp_pchg_difference", "probability"])
    assert s["probability"].drop("adult_pcp_pchg_difference").between(0.05, 1.0).all()


def test_trial_statistics_count_remissions_per_arm():
    c = simulate_cohort("lu2021", n_trials=3, seed=10)
    t = trial_statistics(c)
    rem = remission_flags(c) == 1.0
    for k in range(3):
        assert t["msc_remission"][k] == (rem & (c.trial == k) & (c.arm == 0)).sum()
        assert t["control_remission"][k] == (rem & (c.trial == k) & (c.arm == 1)).sum()


def test_single_arm_protocol_has_no_comparative_statistics():
    t = trial_statistics(simulate_cohort("nasli2015", n_trials=2, seed=1))
    assert t["remission_fisher_p"].isna().all() and (t["msc_n"] == 23).all()


def test_too_few_trials_is_refused_with_the_argument_named():
    with pytest.raises(ValueError, match="The 'n_trials' parameter must be an integer >= 2. Got 1"):
        calibrate(n_trials=1)
