"""Insulin independence table and the Kaplan-Meier of its duration.

Reference values: tests/reference/descriptive.R (``survival::survfit`` with
``conf.type = "log-log"``, ``quantile(fit, 0.5)`` and ``summary(fit, times)``)
on tests/reference/fixtures/descriptive_episodes_{twin,small,edge}.csv.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from t1dtrial.analysis.insulin import (
    INSULIN_COLUMNS,
    KM_COLUMNS,
    insulin_free_km,
    insulin_independence_table,
)
from t1dtrial.errors import InputError
from t1dtrial.protocol import load_protocol

FIXTURES = Path(__file__).resolve().parents[1] / "reference" / "fixtures"


@pytest.fixture(scope="module")
def lu2021():
    return load_protocol("lu2021")


def _derived(subjects: dict[str, str], episodes: list[tuple], *, status=None, fas=None):
    """subjects: id -> arm; episodes: (id, number, start, end, days, cnsr) as ADTTE INSFREE
    records; status: id -> "Y", "N" or "missing" (a blank ADEFF AVALC)."""
    ids = list(subjects)
    adsl = pd.DataFrame({"USUBJID": ids, "TRT01P": [subjects[i] for i in ids],
                         "FASFL": [("Y" if fas is None or i in fas else "N") for i in ids]})
    ep = pd.DataFrame(episodes, columns=["USUBJID", "EPISODE", "STARTDT", "ADT", "AVAL", "CNSR"])
    adtte = ep.assign(PARAMCD="INSFREE", STARTDT=pd.to_datetime(ep["STARTDT"]),
                      ADT=pd.to_datetime(ep["ADT"]))
    status = status or {}
    adeff = pd.DataFrame({"USUBJID": list(status), "PARAMCD": "INSUINDE", "ANL01FL": "Y",
                          "AVALC": [v if v in ("Y", "N") else "" for v in status.values()],
                          "AEXCLFL": ""})
    return SimpleNamespace(adsl=adsl, adeff=adeff, adtte=adtte, protocol_id="lu2021")


def _summary(table, arm, statistic):
    hit = table.loc[(table.section == "summary") & (table.arm == arm)
                    & (table.statistic == statistic)]
    assert len(hit) == 1, (arm, statistic)
    return float(hit["value"].iloc[0]), int(hit["n"].iloc[0])


@pytest.fixture
def three_subjects():
    return _derived(
        {"A": "MSC", "B": "MSC", "C": "MSC", "D": "CONTROL"},
        [("A", 1, "2020-01-01", "2020-03-31", 90.0, 0),
         ("A", 2, "2020-06-01", "2020-07-01", 30.0, 1),
         ("B", 1, "2020-02-01", "2020-08-19", 200.0, 0)],
        status={"A": "Y", "B": "N", "C": "missing", "D": "N"})


# -- hand-computed -------------------------------------------------------------------------

def test_counts_subjects_ever_insulin_free_and_their_episodes(three_subjects, lu2021):
    t = insulin_independence_table(three_subjects, lu2021)
    assert _summary(t, "MSC", "ever insulin-free") == (2.0, 3)
    assert _summary(t, "MSC", "ever insulin-free percent")[0] == pytest.approx(200 / 3)
    assert _summary(t, "MSC", "episodes") == (3.0, 3)
    assert _summary(t, "MSC", "censored episodes") == (1.0, 3)
    assert _summary(t, "CONTROL", "ever insulin-free") == (0.0, 1)
    assert _summary(t, "all", "ever insulin-free") == (2.0, 4)


def test_duration_summary_is_over_episodes(three_subjects, lu2021):
    t = insulin_independence_table(three_subjects, lu2021)
    assert _summary(t, "MSC", "duration median") == (90.0, 3)
    assert _summary(t, "MSC", "duration min") == (30.0, 3)
    assert _summary(t, "MSC", "duration max") == (200.0, 3)
    assert math.isnan(_summary(t, "CONTROL", "duration median")[0])


def test_independence_at_the_visit_counts_assessed_subjects_and_missing_apart(three_subjects,
                                                                               lu2021):
    t = insulin_independence_table(three_subjects, lu2021)
    assert _summary(t, "MSC", "insulin-independent at M12") == (1.0, 2)
    assert _summary(t, "MSC", "insulin-independent at M12 percent") == (50.0, 2)
    assert _summary(t, "MSC", "missing at M12") == (1.0, 3)


def test_every_episode_is_listed_with_start_end_duration_and_censoring(three_subjects, lu2021):
    t = insulin_independence_table(three_subjects, lu2021)
    ep = t.loc[t.section == "episode"]
    assert ep[["subject", "episode", "duration", "censored"]].values.tolist() == [
        ["A", 1, 90.0, 0], ["A", 2, 30.0, 1], ["B", 1, 200.0, 0]]
    assert ep["start"].iloc[1] == pd.Timestamp("2020-06-01")
    assert ep["end"].iloc[1] == pd.Timestamp("2020-07-01")
    assert list(t.columns) == INSULIN_COLUMNS


def test_episodes_of_subjects_outside_the_fas_are_counted_apart(lu2021):
    d = _derived({"A": "MSC", "B": "MSC"}, [("A", 1, "2020-01-01", "2020-02-01", 31.0, 0),
                                            ("B", 1, "2020-01-01", "2020-03-01", 60.0, 0)],
                 fas={"A"})
    t = insulin_independence_table(d, lu2021)
    assert _summary(t, "MSC", "episodes") == (1.0, 1)
    assert _summary(t, "MSC", "episodes outside the population") == (1.0, 1)
    assert "B" not in set(t.subject)


def test_without_any_episode_the_table_still_has_every_arm(lu2021):
    d = _derived({"A": "MSC", "B": "CONTROL"}, [], status={"A": "N", "B": "N"})
    t = insulin_independence_table(d, lu2021)
    assert _summary(t, "MSC", "ever insulin-free") == (0.0, 1)
    assert (t.section == "episode").sum() == 0
    assert set(t.arm) == {"MSC", "CONTROL", "all"}


def test_km_uses_the_first_episode_of_each_subject(lu2021):
    d = _derived({"A": "MSC", "B": "MSC"}, [("A", 2, None, None, 10.0, 0),
                                            ("A", 1, None, None, 100.0, 0),
                                            ("B", 1, None, None, 50.0, 0)])
    km = insulin_free_km(d, lu2021, times=(60,))
    msc = km.loc[km.arm == "MSC"].set_index("statistic")
    # durations 100 and 50, both ended: S(60) = 1/2, median = midpoint of 50 and 100
    assert msc.loc["survival", "estimate"] == pytest.approx(0.5)
    assert msc.loc["median", "estimate"] == pytest.approx(75.0)
    assert int(msc.loc["median", "n"]) == 2


def test_km_of_an_arm_without_insulin_free_subjects_says_it_is_not_estimable(lu2021):
    d = _derived({"A": "MSC", "B": "CONTROL"}, [("A", 1, None, None, 100.0, 1)])
    km = insulin_free_km(d, lu2021)
    control = km.loc[km.arm == "CONTROL"]
    assert len(control) == 4 and (control["n"] == 0).all()
    assert control["estimate"].isna().all()
    assert control["method"].str.startswith("not estimable").all()
    assert list(km.columns) == KM_COLUMNS


def test_km_times_must_be_non_negative_days(lu2021, three_subjects):
    with pytest.raises(InputError, match=r"times: .* — not a list of non-negative numbers of "
                                         r"days; expected e.g. \(90, 180, 365\)"):
        insulin_free_km(three_subjects, lu2021, times=(90, -1))


def test_adeff_without_the_endpoint_columns_is_an_input_error(lu2021):
    d = SimpleNamespace(adsl=pd.DataFrame({"USUBJID": ["A"], "TRT01P": ["MSC"], "FASFL": ["Y"]}),
                        adeff=pd.DataFrame({"USUBJID": ["A"], "PARAMCD": ["INSUINDE"]}))
    with pytest.raises(InputError, match=r"The 'derived' parameter of \w+ must have the "
                                         r"column\(s\) \['ANL01FL', 'AVALC'\] in its adeff"):
        insulin_independence_table(d, lu2021)


def test_inputs_are_not_modified(three_subjects, lu2021):
    before = {k: v.copy() for k, v in vars(three_subjects).items() if isinstance(v, pd.DataFrame)}
    insulin_independence_table(three_subjects, lu2021)
    insulin_free_km(three_subjects, lu2021)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(getattr(three_subjects, name), frame)


# -- R reference ---------------------------------------------------------------------------

def _episodes_as_derived(dataset: str):
    ep = pd.read_csv(FIXTURES / f"descriptive_episodes_{dataset}.csv")
    subjects = dict(zip(ep["USUBJID"], ep["TRT01P"]))
    rows = [(r.USUBJID, int(r.EPISODE), None, None, float(r.AVAL), int(r.CNSR))
            for r in ep.itertuples()]
    return _derived(subjects, rows)


@pytest.mark.parametrize("dataset,conf_level", [("twin", 0.95), ("small", 0.95),
                                                ("small", 0.9), ("edge", 0.95)])
def test_km_equals_r_survfit(dataset, conf_level, lu2021):
    ref = pd.read_csv(FIXTURES / "descriptive_km.csv")
    ref = ref.loc[(ref.dataset == dataset) & np.isclose(ref.conf_level, conf_level)]
    ours = insulin_free_km(_episodes_as_derived(dataset), lu2021, conf_level=conf_level)
    ours = ours.loc[ours.n > 0]
    key = ["arm", "statistic", "time"]
    merged = ref.merge(ours, on=key, how="outer", suffixes=("_r", ""), indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", key]
    for row in merged.itertuples():
        assert (row.n, row.events) == (row.n_r, row.events_r), row
        for column in ("estimate", "ci_low", "ci_high"):
            expected, actual = getattr(row, column + "_r"), getattr(row, column)
            if math.isnan(expected):
                assert math.isnan(actual), (column, row)
            else:
                assert actual == pytest.approx(expected, rel=1e-6), (column, row)
        if not math.isnan(row.n_risk_r):
            assert row.n_risk == row.n_risk_r, row


# -- the packaged twin ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def twin():
    from t1dtrial.datasets import load_lu2021
    from t1dtrial.derive import derive_all

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trial = load_lu2021()
        return trial, derive_all(trial)


def test_packaged_twin_has_three_msc_subjects_insulin_free_for_3_to_12_months(twin):
    trial, derived = twin
    t = insulin_independence_table(derived, trial.protocol)
    assert _summary(t, "MSC", "ever insulin-free") == (3.0, 27)
    assert _summary(t, "CONTROL", "ever insulin-free") == (0.0, 26)
    durations = t.loc[(t.section == "episode"), "duration"]
    assert durations.between(90, 366).all()


def test_packaged_twin_km_rows_match_the_reference_input(twin):
    trial, derived = twin
    km = insulin_free_km(derived, trial.protocol)
    ref = pd.read_csv(FIXTURES / "descriptive_km.csv")
    ref = ref.loc[(ref.dataset == "twin") & (ref.statistic == "median")]
    ours = km.loc[km.statistic == "median"].set_index("arm")
    for row in ref.itertuples():
        assert ours.loc[row.arm, "estimate"] == pytest.approx(row.estimate, rel=1e-6)


def test_a_protocol_without_insulin_independence_gets_a_row_saying_so(three_subjects, lu2021):
    data = lu2021.model_dump()
    data["endpoints"]["secondary"] = [e for e in data["endpoints"]["secondary"]
                                      if e["kind"] != "insulin_independence"]
    protocol = type(lu2021).model_validate(data)
    t = insulin_independence_table(three_subjects, protocol)
    row = t.loc[(t.section == "summary") & (t.arm == "MSC") & (t.statistic == "insulin independence")]
    assert len(row) == 1 and np.isnan(row["value"].iloc[0])
    assert row["method"].iloc[0].startswith("not an endpoint of this protocol")
    assert _summary(t, "MSC", "ever insulin-free") == (2.0, 3)
    assert not t["statistic"].str.startswith("insulin-independent at").any()
