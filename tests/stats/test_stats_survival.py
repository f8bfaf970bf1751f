"""Kaplan-Meier against R's survival::survfit (log-log, log and plain intervals)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.errors import InputError
from t1dtrial.stats import kaplan_meier

CLOSED = 1e-6


def _list(v):
    return v if isinstance(v, list) else [v]


def test_median_and_survival_match_survfit_for_every_interval_type(reference, close):
    recs = reference("survival")
    assert len(recs) == 18
    for r in recs:
        times = _list(r["times"])
        got = kaplan_meier(r["time"], r["event"], times=times, conf_type=r["conf_type"])
        med = got.iloc[0]
        for col, key in (("estimate", "median"), ("ci_low", "median_ci_low"), ("ci_high", "median_ci_high")):
            assert close(med[col], r[key], CLOSED), (r["r_call"], col)
        surv = got[got.term == "survival"]
        for col, key in (("estimate", "surv"), ("ci_low", "surv_ci_low"), ("ci_high", "surv_ci_high"),
                         ("n_risk", "n_risk"), ("se", "std_err_cumhaz")):
            for a, b in zip(surv[col], _list(r[key])):
                assert close(float(a), b, CLOSED), (r["r_call"], col)


def test_survival_beyond_a_censored_last_observation_is_missing():
    r = kaplan_meier([10, 20, 30], [1, 1, 0], times=[40]).iloc[1]
    assert np.isnan(r["estimate"]) and r["n_risk"] == 0


def test_median_is_missing_when_the_curve_stays_above_one_half():
    r = kaplan_meier([90, 180, 365], [1, 0, 0]).iloc[0]
    assert np.isnan(r["estimate"]) and r["term"] == "median"


def test_negative_duration_is_refused():
    with pytest.raises(InputError, match=r"The 'durations' parameter of kaplan_meier must be durations >= 0\. Got -3\.0 instead \(negative duration\)"):
        kaplan_meier([-3, 4], [1, 1])


def test_event_flags_other_than_zero_one_are_refused():
    with pytest.raises(InputError, match=r"The 'events' parameter of kaplan_meier must be flags 1 \(event\) or 0 \(censored\)\. Got '0\.0, 2\.0' instead \(not event flags\)"):
        kaplan_meier([3, 4], [0, 2])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 400), st.integers(0, 1)), min_size=1, max_size=30))
def test_survival_is_non_increasing_and_within_its_interval(pairs):
    dur = [p[0] for p in pairs]
    ev = [p[1] for p in pairs]
    times = sorted(set(dur))
    r = kaplan_meier(dur, ev, times=times)
    s = r[r.term == "survival"]
    assert (np.diff(s.estimate.to_numpy()) <= 1e-12).all()
    ok = s.ci_low.notna()
    assert (s.ci_low[ok] <= s.estimate[ok] + 1e-12).all() and (s.estimate[ok] <= s.ci_high[ok] + 1e-12).all()
