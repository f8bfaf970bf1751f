"""A clinical data cut (data/cutoff.py): what it keeps, what it counts, what it makes ongoing."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.data import apply_cutoff
from t1dtrial.datasets import load_lu2021
from t1dtrial.errors import InputError

TWIN = load_lu2021()
_DATED = {"subjects": "enrolment_date", "measurements": "date", "infusions": "date",
          "adverse_events": "onset_date", "insulin_free": "start_date"}


@settings(max_examples=25, deadline=None)
@given(st.dates(dt.date(2016, 1, 1), dt.date(2019, 12, 31)))
def test_every_record_is_kept_or_excluded_and_nothing_kept_is_after_the_cut(day):
    trial, summary = apply_cutoff(TWIN, day)
    cut = pd.Timestamp(day)
    new = [e for e in trial.load_log.exclusions if e not in TWIN.load_log.exclusions]
    for name, column in _DATED.items():
        kept, before = getattr(trial, name), getattr(TWIN, name)
        assert (kept[column].dropna() <= cut).all(), name
        left_out = sum(e.table == name for e in new)
        assert len(kept) + left_out == len(before), name
        assert summary.records_excluded[name] == left_out
    for name in ("adverse_events", "insulin_free"):
        assert (getattr(trial, name)["end_date"].dropna() <= cut).all()
    assert set(trial.measurements["subject_id"]) <= set(trial.subjects["subject_id"])


def test_a_cut_is_idempotent_and_leaves_the_input_unchanged():
    before = TWIN.measurements.copy()
    once, _ = apply_cutoff(TWIN, "2017-09-30")
    twice, summary = apply_cutoff(once, "2017-09-30")
    pd.testing.assert_frame_equal(once.measurements, twice.measurements)
    assert summary.participants_excluded == 0 and not any(summary.records_excluded.values())
    pd.testing.assert_frame_equal(TWIN.measurements, before)


def test_records_on_the_cut_off_day_are_kept():
    day = TWIN.measurements["date"].sort_values().iloc[len(TWIN.measurements) // 2]
    trial, _ = apply_cutoff(TWIN, day.date())
    assert (trial.measurements["date"] == day).sum() == (TWIN.measurements["date"] == day).sum()


def test_an_episode_ending_after_the_cut_is_ongoing_there():
    free = TWIN.insulin_free.dropna(subset=["end_date"]).iloc[0]
    middle = free["start_date"] + (free["end_date"] - free["start_date"]) / 2
    trial, summary = apply_cutoff(TWIN, middle.date())
    row = trial.insulin_free.loc[trial.insulin_free["subject_id"] == free["subject_id"]]
    assert row["end_date"].isna().all() and summary.ongoing["insulin_free"] >= 1
    assert "ongoing at the cut" in " ".join(summary.notes())


def test_a_withdrawal_after_the_cut_has_not_happened_yet():
    subjects = TWIN.subjects.copy()
    subjects.loc[0, ["status", "withdrawal_date"]] = ["withdrawn", pd.Timestamp("2019-01-10")]
    trial = TWIN.__class__(**{**TWIN.tables, "subjects": subjects}, protocol=TWIN.protocol,
                           load_log=TWIN.load_log)
    cut, summary = apply_cutoff(trial, "2018-12-31")
    assert pd.isna(cut.subjects.loc[0, "status"]) and pd.isna(cut.subjects.loc[0, "withdrawal_date"])
    assert summary.ongoing["withdrawals not yet happened"] == 1


def test_a_cutoff_that_is_not_a_date_is_named():
    with pytest.raises(InputError, match=r"--cutoff: '30/06/2021' — not a date; expected an ISO "
                                         r"date such as 2021-06-30"):
        apply_cutoff(TWIN, "30/06/2021")


def test_excluded_records_name_their_participant_and_reason():
    trial, _ = apply_cutoff(TWIN, "2017-12-31")
    new = [e for e in trial.load_log.exclusions if e.reason.startswith("enrolled after")]
    assert len(new) == 1 and all(e.subject and e.table == "subjects" for e in new)
    assert np.isin([e.subject for e in new], TWIN.subjects["subject_id"]).all()
