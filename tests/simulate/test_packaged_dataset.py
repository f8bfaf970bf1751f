"""The packaged synthetic twin: validates cleanly, published counts exactly, reproducible."""

from __future__ import annotations

import filecmp
import json

import pandas as pd
import pytest

from t1dtrial.datasets import LU2021_SEED, load_lu2021, lu2021_path
from t1dtrial.outputs import MARKER
from t1dtrial.simulate import simulate_trial
from t1dtrial.simulate.twin import find_published_seed, published_checks, simulate_twin_cohort


@pytest.fixture(scope="module")
def trial():
    return load_lu2021()


def _read(name):
    return pd.read_csv(lu2021_path() / f"{name}.csv", dtype=str, keep_default_na=False)


def test_packaged_dataset_validates_cleanly_without_warnings(trial):
    assert trial.load_log.warnings == []
    assert trial.load_log.exclusions == []
    assert len(trial.subjects) == 53 and len(trial.measurements) == 53 * 6 * 7


def test_arms_and_onset_split_equal_the_published_ones(trial):
    s = trial.subjects
    assert s["arm"].value_counts().to_dict() == {"MSC": 27, "CONTROL": 26}
    assert int((s["age_at_onset"] >= 18).sum()) == 33 and int((s["age_at_onset"] < 18).sum()) == 20


def test_msc_remission_is_11_of_27_by_the_protocol_rule_on_the_loaded_data(trial):
    m = trial.measurements
    wide = m[m["param"].isin(["FCP", "PCP"])].pivot_table(index="subject_id",
                                                            columns=["param", "visit"], values="value")
    rise = pd.concat([100 * (wide[(c, "M12")] - wide[(c, "BL")]) / wide[(c, "BL")] >= 10
                      for c in ("FCP", "PCP")], axis=1).any(axis=1)
    arm = trial.subjects.set_index("subject_id")["arm"]
    counts = rise.groupby(arm.reindex(rise.index)).sum().to_dict()
    assert counts == {"MSC": 11, "CONTROL": 3}


def test_three_msc_participants_insulin_free_3_to_12_months_none_in_control(trial):
    free = trial.insulin_free
    arm = trial.subjects.set_index("subject_id")["arm"]
    assert arm[free["subject_id"]].tolist() == ["MSC"] * 3
    months = (free["end_date"] - free["start_date"]).dt.days / (365.25 / 12)
    assert months.between(3, 12).all()


def test_no_severe_or_serious_adverse_event(trial):
    ae = trial.adverse_events
    assert not ae["severity"].isin(["severe", "3", "4", "5"]).any() and (ae["serious"] == "N").all()


def test_truth_agrees_with_the_counts():
    truth = _read("truth")
    assert truth.groupby("arm")["remission_noisy"].apply(lambda s: (s == "1").sum()).to_dict() == \
        {"CONTROL": 3, "MSC": 11}
    assert truth.groupby("arm")["insulin_free"].apply(lambda s: (s == "1").sum()).to_dict() == \
        {"CONTROL": 0, "MSC": 3}


def test_folder_is_marked_synthetic_and_names_its_seed_and_command():
    readme = (lu2021_path() / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme and f"--seed {LU2021_SEED}" in readme
    assert "t1dtrial simulate --protocol lu2021 --match-published --seed 0" in readme
    meta = json.loads((lu2021_path() / "simulation.json").read_text(encoding="utf-8"))
    assert meta["synthetic"] is True and meta["seed"] == LU2021_SEED


def test_the_stated_seed_regenerates_the_folder_byte_for_byte(tmp_path):
    simulate_trial("lu2021", seed=LU2021_SEED).write(tmp_path / "again")
    names = sorted(p.name for p in (tmp_path / "again").iterdir() if p.name != MARKER)
    match, mismatch, errors = filecmp.cmpfiles(lu2021_path(), tmp_path / "again", names, shallow=False)
    assert mismatch == [] and errors == [] and len(match) == 7


def test_the_stated_seed_reproduces_every_published_fact():
    checks = published_checks(simulate_twin_cohort(LU2021_SEED))
    assert all(checks.values()), {k: v for k, v in checks.items() if not v}


#: Seeds below the packaged one whose headline counts and comparisons are the published ones
#: but whose predictor model misses a significant association (found by the search from 0).
NEAR_MISSES = (283, 585, 2616, 7702)


def test_the_stated_seed_is_the_first_of_the_last_300_searched_that_matches():
    # the whole search from 0 takes minutes; it is repeated over its last 300 seeds here
    start = max(0, LU2021_SEED - 300)
    assert find_published_seed(start=start, max_tries=LU2021_SEED - start + 1) == LU2021_SEED


@pytest.mark.parametrize("seed", NEAR_MISSES)
def test_earlier_seeds_with_the_published_counts_miss_a_significant_predictor(seed):
    checks = published_checks(simulate_twin_cohort(seed))
    missed = {k for k, v in checks.items() if not v}
    assert missed and missed <= {"predictor_bfcp_significant", "predictor_dose_significant"}


def test_the_folder_stays_small():
    size = sum(p.stat().st_size for p in lu2021_path().iterdir())
    assert size < 300_000
