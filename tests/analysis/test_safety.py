"""Adverse events table: incidence over the safety set, worst-grade rules, Fisher's test."""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.analysis.safety import AE_TABLE_COLUMNS, adverse_events_table
from t1dtrial.errors import InputError
from t1dtrial.protocol import load_protocol

PROTOCOL = load_protocol("lu2021")


@pytest.fixture(scope="module")
def lu2021():
    return PROTOCOL


def _adsl(arms: dict[str, str], saf: set[str] | None = None) -> pd.DataFrame:
    ids = list(arms)
    return pd.DataFrame({"USUBJID": ids, "TRT01P": [arms[i] for i in ids],
                         "SAFFL": ["Y" if saf is None or i in saf else "N" for i in ids]})


def _adae(*events: tuple) -> pd.DataFrame:
    """Events (USUBJID, AEDECOD, AEBODSYS, TRTEMFL, AESEV, AESER, AEREL)."""
    df = pd.DataFrame(list(events), columns=["USUBJID", "AEDECOD", "AEBODSYS", "TRTEMFL",
                                             "AESEV", "AESER", "AEREL"])
    return df.assign(AERELFL=df["AEREL"].isin(["RELATED", "POSSIBLY RELATED"])
                     .map({True: "Y", False: ""}))


def _row(table, category, arm, term=""):
    hit = table.loc[(table.category == category) & (table.arm == arm) & (table.term == term)]
    assert len(hit) == 1, (category, arm, term, len(hit))
    return hit.iloc[0]


def _counts(table, category, arm, term=""):
    r = _row(table, category, arm, term)
    return int(r["subjects"]), int(r["events"]), int(r["n"])


GEN, NERV = "General disorders", "Nervous system disorders"


@pytest.fixture
def example():
    adsl = _adsl({"A": "MSC", "B": "MSC", "C": "MSC", "D": "CONTROL", "E": "CONTROL"})
    adae = _adae(
        ("A", "Pyrexia", GEN, "Y", "MILD", "N", "RELATED"),
        ("A", "Pyrexia", GEN, "Y", "MODERATE", "N", "POSSIBLY RELATED"),
        ("A", "Headache", NERV, "Y", "MILD", "N", "NOT RELATED"),
        ("B", "Headache", NERV, "Y", "SEVERE", "Y", "NOT RELATED"),
        ("D", "Headache", NERV, "Y", "", "N", ""),
        ("E", "Rash", "", "", "MILD", "N", "NOT RELATED"))  # before day 0
    return SimpleNamespace(adsl=adsl, adae=adae)


def test_any_teae_counts_subjects_once_and_every_event(example, lu2021):
    t = adverse_events_table(example, lu2021)
    assert _counts(t, "any TEAE", "MSC") == (2, 4, 3)
    assert _counts(t, "any TEAE", "CONTROL") == (1, 1, 2)
    assert _counts(t, "any TEAE", "all") == (3, 5, 5)
    assert _row(t, "any TEAE", "MSC")["percent"] == pytest.approx(200 / 3)
    assert list(t.columns) == AE_TABLE_COLUMNS


def test_serious_and_related_events(example, lu2021):
    t = adverse_events_table(example, lu2021)
    assert _counts(t, "serious TEAE", "MSC") == (1, 1, 3)
    assert _counts(t, "related TEAE", "MSC") == (1, 2, 3)  # related or possibly related
    assert _counts(t, "related TEAE", "CONTROL") == (0, 0, 2)


def test_severity_counts_subjects_at_their_worst_grade_and_events_at_their_own(example, lu2021):
    t = adverse_events_table(example, lu2021)
    assert _counts(t, "severity", "MSC", "MILD") == (0, 2, 3)
    assert _counts(t, "severity", "MSC", "MODERATE") == (1, 1, 3)
    assert _counts(t, "severity", "MSC", "SEVERE") == (1, 1, 3)
    assert _counts(t, "severity", "CONTROL", "UNKNOWN") == (1, 1, 2)
    severity = t.loc[(t.category == "severity") & (t.arm == "all")]
    assert severity["subjects"].sum() == _row(t, "any TEAE", "all")["subjects"]


def test_relatedness_counts_subjects_at_their_strongest_relation(example, lu2021):
    t = adverse_events_table(example, lu2021)
    assert _counts(t, "relatedness", "MSC", "RELATED") == (1, 1, 3)
    assert _counts(t, "relatedness", "MSC", "POSSIBLY RELATED") == (0, 1, 3)
    assert _counts(t, "relatedness", "MSC", "NOT RELATED") == (1, 2, 3)
    assert _counts(t, "relatedness", "CONTROL", "UNKNOWN") == (1, 1, 2)


def test_terms_are_ordered_by_subjects_then_name_and_uncoded_systems_are_named(lu2021):
    adsl = _adsl({"A": "MSC", "B": "MSC", "C": "CONTROL"})
    adae = _adae(("A", "Rash", "Skin", "Y", "MILD", "N", "NOT RELATED"),
                 ("B", "Rash", "Skin", "Y", "MILD", "N", "NOT RELATED"),
                 ("C", "Cough", "Resp", "Y", "MILD", "N", "NOT RELATED"),
                 ("C", "Sore toe", "", "Y", "MILD", "N", "NOT RELATED"))
    t = adverse_events_table(SimpleNamespace(adsl=adsl, adae=adae), lu2021)
    terms = t.loc[(t.category == "preferred term") & (t.arm == "all"), "term"].tolist()
    assert terms == ["Rash", "Cough", "Sore toe"]
    assert _counts(t, "body system", "CONTROL", "Uncoded") == (1, 1, 1)


def test_events_before_day_0_and_outside_the_safety_set_are_counted_apart(lu2021):
    adsl = _adsl({"A": "MSC", "B": "MSC", "C": "CONTROL"}, saf={"A", "C"})
    adae = _adae(("A", "Rash", "Skin", "", "MILD", "N", "NOT RELATED"),
                 ("B", "Rash", "Skin", "Y", "MILD", "N", "RELATED"),
                 ("C", "Cough", "Resp", "Y", "MILD", "N", "NOT RELATED"))
    t = adverse_events_table(SimpleNamespace(adsl=adsl, adae=adae), lu2021)
    assert _counts(t, "any TEAE", "MSC") == (0, 0, 1)
    assert _counts(t, "not treatment-emergent", "MSC") == (1, 1, 1)
    assert _counts(t, "outside the safety set", "MSC") == (1, 1, 1)
    assert _counts(t, "outside the safety set", "all") == (1, 1, 1)


def test_any_teae_is_compared_by_fisher_exact_test_as_in_r(lu2021):
    # R: f <- fisher.test(matrix(c(24, 3, 15, 11), 2)); f$p.value, f$estimate, f$conf.int
    ids = {f"M{i}": "MSC" for i in range(27)} | {f"C{i}": "CONTROL" for i in range(26)}
    cases = [f"M{i}" for i in range(24)] + [f"C{i}" for i in range(15)]
    adae = _adae(*[(s, "Headache", NERV, "Y", "MILD", "N", "NOT RELATED") for s in cases])
    t = adverse_events_table(SimpleNamespace(adsl=_adsl(ids), adae=adae), lu2021)
    row = _row(t, "comparison", "MSC vs CONTROL", "any TEAE")
    assert row["p_value"] == pytest.approx(0.013507048517032277, rel=1e-6)
    # conditional MLE and exact interval: R's uniroot tolerance is ~1e-4
    assert row["estimate"] == pytest.approx(5.6679459218195136, rel=1e-4)
    assert row["ci_low"] == pytest.approx(1.2277818665190443, rel=1e-4)
    assert row["ci_high"] == pytest.approx(36.8203531444440131, rel=1e-4)
    assert "Fisher" in row["method"] and "95%" in row["method"]
    assert (int(row["n"]), int(row["subjects"])) == (53, 39)


def test_conf_level_sets_the_odds_ratio_interval(lu2021):
    # R: fisher.test(matrix(c(2, 1, 0, 3), 2), conf.level = 0.9): p 0.4, CI 0.32156068039889663, Inf
    adsl = _adsl({"A": "MSC", "B": "MSC", "C": "MSC", "D": "CONTROL", "E": "CONTROL",
                  "F": "CONTROL"})
    adae = _adae(("A", "Rash", "Skin", "Y", "MILD", "N", "NOT RELATED"),
                 ("B", "Rash", "Skin", "Y", "MILD", "N", "NOT RELATED"))
    t = adverse_events_table(SimpleNamespace(adsl=adsl, adae=adae), lu2021, conf_level=0.9)
    row = _row(t, "comparison", "MSC vs CONTROL", "any TEAE")
    assert row["p_value"] == pytest.approx(0.4, rel=1e-6)
    assert row["ci_low"] == pytest.approx(0.32156068039889663, rel=1e-4)
    assert math.isinf(row["ci_high"]) and math.isinf(row["estimate"])


def test_comparison_is_not_estimable_when_an_arm_has_no_safety_subject(lu2021):
    adsl = _adsl({"A": "MSC", "B": "CONTROL"}, saf={"A"})
    t = adverse_events_table(SimpleNamespace(adsl=adsl, adae=_adae()), lu2021)
    row = _row(t, "comparison", "MSC vs CONTROL", "any TEAE")
    assert math.isnan(row["p_value"]) and row["method"].startswith("not estimable")
    assert math.isnan(_row(t, "any TEAE", "CONTROL")["percent"])


def test_adae_missing_columns_are_named(lu2021):
    adae = pd.DataFrame({"USUBJID": ["A"], "AEDECOD": ["Rash"]})
    with pytest.raises(InputError, match=r"The 'derived' parameter of adverse_events_table must "
                                         r"have the column\(s\) \['AEBODSYS', 'TRTEMFL', 'AESEV', "
                                         r"'AESER', 'AEREL', 'AERELFL'\] in its adae"):
        adverse_events_table(SimpleNamespace(adsl=_adsl({"A": "MSC"}), adae=adae), lu2021)


def test_inputs_are_not_modified(example, lu2021):
    adsl, adae = example.adsl.copy(), example.adae.copy()
    adverse_events_table(example, lu2021)
    pd.testing.assert_frame_equal(example.adsl, adsl)
    pd.testing.assert_frame_equal(example.adae, adae)


def test_packaged_twin_has_no_severe_or_serious_events_and_counts_every_event():
    from t1dtrial.datasets import load_lu2021
    from t1dtrial.derive import derive_all

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trial = load_lu2021()
        derived = derive_all(trial)
    t = adverse_events_table(derived, trial.protocol)
    assert _counts(t, "severity", "all", "SEVERE")[:2] == (0, 0)
    assert _counts(t, "serious TEAE", "all")[:2] == (0, 0)
    assert (_row(t, "any TEAE", "MSC")["n"], _row(t, "any TEAE", "CONTROL")["n"]) == (27, 26)
    total = (_row(t, "any TEAE", "all")["events"] + _row(t, "not treatment-emergent", "all")
             ["events"] + _row(t, "outside the safety set", "all")["events"])
    assert total == len(derived.adae)


# -- conservation (hypothesis) ---------------------------------------------------------------

_event = st.tuples(st.sampled_from(list("ABCDEF")), st.sampled_from(["Rash", "Cough", "Pyrexia"]),
                   st.just("System"), st.sampled_from(["Y", ""]),
                   st.sampled_from(["MILD", "MODERATE", "SEVERE", ""]), st.sampled_from(["Y", "N"]),
                   st.sampled_from(["RELATED", "POSSIBLY RELATED", "NOT RELATED", ""]))


@settings(max_examples=50, deadline=None)
@given(events=st.lists(_event, max_size=25), saf=st.sets(st.sampled_from(list("ABCDEF"))))
def test_every_event_is_counted_once_and_worst_grades_partition_the_subjects(events, saf):
    adsl = _adsl({"A": "MSC", "B": "MSC", "C": "MSC", "D": "CONTROL", "E": "CONTROL",
                  "F": "CONTROL"}, saf=saf)
    adae = _adae(*events)
    t = adverse_events_table(SimpleNamespace(adsl=adsl, adae=adae), PROTOCOL)
    by = {(r.category, r.term, r.arm): r for r in t.itertuples()}
    total = sum(by[c, "", "all"].events for c in ("any TEAE", "not treatment-emergent",
                                                  "outside the safety set"))
    assert total == len(adae)
    for arm in ("MSC", "CONTROL", "all"):
        any_teae = by["any TEAE", "", arm]
        for category in ("severity", "relatedness", "preferred term"):
            rows = t.loc[(t.category == category) & (t.arm == arm)]
            assert rows["events"].sum() == any_teae.events
            if category != "preferred term":
                assert rows["subjects"].sum() == any_teae.subjects
