"""The vectorised generative model: structure, schedule, response, conduct."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.errors import InputError
from t1dtrial.protocol import load_protocol
from t1dtrial.simulate import ModelParameters, simulate_cohort
from t1dtrial.simulate.cohort import resolve_arm_sizes


@pytest.fixture(scope="module")
def big():
    return simulate_cohort("lu2021", n_trials=40, seed=123)


def test_arm_sizes_follow_the_protocol_plan():
    c = simulate_cohort("lu2021", seed=1)
    assert c.n == 53
    assert np.bincount(c.arm).tolist() == [27, 26]


def test_arm_sizes_accept_one_number_or_a_mapping():
    p = load_protocol("lu2021")
    assert resolve_arm_sizes(p, 5) == {"MSC": 5, "CONTROL": 5}
    assert resolve_arm_sizes(p, {"MSC": 3}) == {"MSC": 3, "CONTROL": 26}


def test_unknown_arm_in_sizes_is_an_input_error_naming_it():
    with pytest.raises(InputError, match="'PLACEBO' — unknown arm code; expected arms of protocol lu2021"):
        resolve_arm_sizes(load_protocol("lu2021"), {"PLACEBO": 3})


def test_sizes_of_the_wrong_type_name_the_argument():
    with pytest.raises(TypeError, match="The 'n_per_arm' parameter must be an int"):
        resolve_arm_sizes(load_protocol("lu2021"), 2.5)  # type: ignore[arg-type]


def test_same_seed_same_cohort_and_other_seed_differs():
    a, b, c = (simulate_cohort("lu2021", seed=s) for s in (9, 9, 10))
    assert np.array_equal(a.measured["PCP"], b.measured["PCP"], equal_nan=True)
    assert not np.array_equal(a.measured["PCP"], c.measured["PCP"], equal_nan=True)


def test_many_trials_are_stacked_with_a_trial_index(big):
    assert big.n == 40 * 53 and big.n_trials == 40
    assert np.bincount(big.trial).tolist() == [53] * 40


def test_onset_groups_respect_the_age_18_boundary(big):
    assert (big.age_at_onset[big.adult] >= 18).all()
    assert (big.age_at_onset[~big.adult] < 18).all()


def test_every_visit_falls_in_its_window_and_baseline_on_or_before_day0(big):
    for j, v in enumerate(big.protocol.visits):
        assert (big.visit_day[:, j] >= v.earliest).all() and (big.visit_day[:, j] <= v.latest).all()
    assert (big.visit_day[:, 0] <= 0).all()


def test_diagnosis_precedes_enrolment_and_infusion_follows_it(big):
    assert (big.diagnosis_date < big.enrolment_date).all()
    assert (big.day0_date >= big.enrolment_date).all()
    assert (big.day0_date + big.visit_day[:, 0] > big.diagnosis_date).all()


def test_juvenile_onset_has_lower_baseline_cpeptide(big):
    fcp = big.latent_fcp[:, 0]
    assert np.median(fcp[~big.adult]) < np.median(fcp[big.adult])


def test_decline_is_faster_and_more_variable_in_juvenile_onset(big):
    ctrl = big.arm == 1
    adult, juv = big.decline_rate[ctrl & big.adult], big.decline_rate[ctrl & ~big.adult]
    assert juv.mean() > adult.mean() and juv.std() > adult.std()


def test_only_the_cell_therapy_arm_responds_or_is_infused(big):
    ctrl = big.arm == 1
    assert not big.responder[ctrl].any() and not big.infusion_given[ctrl].any()
    assert (big.responder_probability[ctrl] == 0).all()
    assert big.responder[~ctrl].mean() > 0.2


def test_responder_probability_rises_with_dose_and_falls_with_baseline_fcp():
    c = simulate_cohort("lu2021", n_per_arm={"MSC": 4000, "CONTROL": 0}, seed=5)
    prob, dose, fcp = c.responder_probability, c.cumulative_cells_per_kg, c.latent_fcp[:, 0]
    same_fcp = np.abs(np.log(fcp / 0.2)) < 0.1
    assert np.corrcoef(dose[same_fcp], prob[same_fcp])[0, 1] > 0.5
    same_dose = np.abs(dose - 2.5e6) < 2e5
    assert np.corrcoef(np.log(fcp[same_dose]), prob[same_dose])[0, 1] < -0.5


def test_dose_per_kg_varies_within_the_protocol_range(big):
    msc = big.arm == 0
    cells = big.cells_per_kg[msc]
    assert cells.min() >= 0.5e6 and cells.max() <= 2.0e6 and cells.std() > 1e5


def test_insulin_is_zero_exactly_at_visits_inside_an_insulin_free_episode(big):
    start, end = big.insulin_free_start[:, None], big.insulin_free_end[:, None]
    inside = np.isfinite(start) & (big.visit_day >= start) & ((big.visit_day <= end) | np.isnan(end))
    insulin = big.measured["INSULIN"]
    assert (insulin[inside] == 0).all()
    assert (insulin[~inside & big.observed] > 0).all()


def test_only_strong_responders_become_insulin_free(big):
    free = np.isfinite(big.insulin_free_start)
    assert free.any() and big.responder[free].all()
    assert big.effect[free].mean() > big.effect[big.responder & ~free].mean()


def test_no_severe_adverse_event_by_default_and_reactions_only_after_infusions(big):
    assert (big.ae["severity"] < 2).all()
    reaction = big.ae["term"] < 3
    assert (big.arm[big.ae["subject"][reaction]] == 0).all()


def test_severe_events_appear_when_asked_for():
    c = simulate_cohort("lu2021", n_trials=5, seed=1,
                        params=ModelParameters().replace(ae_severe_probability=0.5))
    assert (c.ae["severity"] == 2).any() and c.ae["serious"][c.ae["severity"] == 2].all()


def test_dropout_removes_every_visit_after_withdrawal():
    c = simulate_cohort("lu2021", n_trials=10, seed=2,
                        params=ModelParameters().replace(dropout_per_year=0.8))
    gone = c.withdrawn
    assert gone.mean() > 0.2
    after = c.visit_day > np.where(gone, c.withdrawal_day, np.inf)[:, None]
    assert not c.observed[after].any()
    assert np.isnan(c.measured["FCP"][after]).all()


def test_missed_visits_never_include_baseline():
    c = simulate_cohort("lu2021", n_trials=10, seed=3,
                        params=ModelParameters().replace(missed_visit_probability=0.3))
    assert c.observed[:, 0].all()
    assert 0.2 < 1 - c.observed[:, 1:].mean() < 0.4


def test_conditional_second_infusion_given_only_if_still_on_insulin():
    params = ModelParameters().replace(insulin_free_effect_z=-3.0, insulin_free_start_max=60)
    c = simulate_cohort("nasli2015", n_per_arm=300, seed=4, params=params)
    m3 = c.visit_index("M3")
    on_insulin = c.measured["INSULIN"][:, m3] > 0
    assert (~on_insulin).any() and on_insulin.any()
    assert np.array_equal(c.infusion_given[:, 1], on_insulin)
    assert c.infusion_given[:, 0].all()


def test_meal_test_protocol_writes_timed_samples_consistent_with_fcp_and_pcp():
    c = simulate_cohort("carlsson2015", seed=1)
    assert c.meal_minutes == (0, 15, 30, 60, 90, 120)
    assert np.array_equal(c.measured["CP0"], c.measured["FCP"], equal_nan=True)
    assert np.array_equal(c.measured["CP120"], c.measured["PCP"], equal_nan=True)
    assert np.nanmedian(c.measured["CP60"]) > np.nanmedian(c.measured["CP0"])


def test_two_infusion_lu2021_protocol_writes_no_timed_samples():
    assert simulate_cohort("lu2021", seed=1).meal_minutes == ()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_no_written_percent_change_sits_on_the_remission_threshold(seed):
    c = simulate_cohort("lu2021", n_trials=3, seed=seed)
    for code in ("FCP", "PCP"):
        x = c.measured[code]
        with np.errstate(invalid="ignore"):
            pchg = 100.0 * (x[:, 1:] - x[:, :1]) / x[:, :1]
        assert not (np.abs(pchg - 10.0) < 1e-6).any()


def test_values_are_rounded_as_the_laboratory_reports_them(big):
    for code, decimals in (("FCP", 3), ("HBA1C", 1), ("INSULIN", 2), ("WEIGHT", 1)):
        x = big.measured[code][big.observed]
        assert np.allclose(x, np.round(x, decimals), atol=1e-12)
    assert np.nanmin(big.measured["FCP"]) >= 0.001


def test_values_stay_inside_the_validation_plausible_ranges(big):
    from t1dtrial.data.contract import PARAMS

    for code, spec in PARAMS.items():
        x = big.measured[code][big.observed]
        lo, hi = spec.plausible
        assert x.min() >= lo and x.max() <= hi, code


def test_n_trials_must_be_a_positive_integer():
    with pytest.raises(ValueError, match="The 'n_trials' parameter must be an integer >= 1. Got 0"):
        simulate_cohort("lu2021", n_trials=0)
