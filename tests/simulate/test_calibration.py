"""Calibration: simulated trials reproduce the published aggregates of the seed study."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from t1dtrial.simulate import TARGETS, calibrate, simulate_cohort, trial_statistics
from t1dtrial.simulate.calibration import _batched_logistic, _welch
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
                                               "statistic", "source"]
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


def test_batched_logistic_equals_statsmodels_maximum_likelihood():
    import statsmodels.api as sm

    rng = np.random.default_rng(0)
    X = np.concatenate([np.ones((3, 60, 1)), rng.standard_normal((3, 60, 2))], axis=2)
    y = (rng.random((3, 60)) < 1 / (1 + np.exp(-(X @ np.array([0.2, 1.0, -0.7]))))).astype(float)
    beta = _batched_logistic(X, y)
    for k in range(3):
        ref = sm.Logit(y[k], X[k]).fit(disp=0).params
        assert np.allclose(beta[k], ref, atol=1e-6)


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
