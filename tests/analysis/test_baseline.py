"""Baseline characteristics: hand-computed values, rules, errors, and R's numbers.

Reference values: tests/reference/descriptive.R (R's mean, sd, median,
quantile(type = 7), min, max and counts) on the inputs
tests/reference/fixtures/descriptive_adsl_{twin,small,edge}.csv.

Run ``python tests/analysis/test_baseline.py`` to rewrite the twin's inputs
(descriptive_adsl_twin.csv, descriptive_episodes_twin.csv) from the packaged
dataset, then ``Rscript tests/reference/descriptive.R``.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.analysis.baseline import BASELINE_COLUMNS, baseline_characteristics
from t1dtrial.errors import InputError
from t1dtrial.protocol import load_protocol

FIXTURES = Path(__file__).resolve().parents[1] / "reference" / "fixtures"
ADSL_COLUMNS = ["USUBJID", "TRT01P", "FASFL", "AGEDEC", "AGEONSET", "SEX", "WEIGHTBL", "DURDIAG",
                "BFCP", "BPCP", "BHBA1C", "BINSDOSE", "BIDAA1C", "SGADONFL",
                "SGJUONFL"]
EPISODE_COLUMNS = ["USUBJID", "TRT01P", "EPISODE", "AVAL", "CNSR"]


PROTOCOL = load_protocol("lu2021")


@pytest.fixture(scope="module")
def lu2021():
    return PROTOCOL


def _adsl(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"USUBJID": [f"S{i}" for i in range(n)], "FASFL": ["Y"] * n}
    return pd.DataFrame({**base, **columns})


def _value(table: pd.DataFrame, variable: str, statistic: str, arm: str, level: str = ""):
    hit = table.loc[(table.variable == variable) & (table.statistic == statistic)
                    & (table.arm == arm) & (table.level == level)]
    assert len(hit) == 1, (variable, statistic, arm, level, len(hit))
    return float(hit["value"].iloc[0]), int(hit["n"].iloc[0])


def _twin_derived():
    from t1dtrial.datasets import load_lu2021
    from t1dtrial.derive import derive_all

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trial = load_lu2021()
        return trial, derive_all(trial)


# -- hand-computed -------------------------------------------------------------------------

def test_continuous_summary_matches_hand_computed_type7_quartiles(lu2021):
    adsl = _adsl(TRT01P=["MSC"] * 4 + ["CONTROL"], BFCP=[0.1, 0.2, 0.3, 0.4, 0.5])
    t = baseline_characteristics(SimpleNamespace(adsl=adsl), lu2021)
    # x = 0.1..0.4: mean 0.25; sd = sqrt(sum((x - 0.25)^2) / 3) = sqrt(0.05 / 3);
    # type 7: h = (n - 1) p -> q1 at 0.75 -> 0.1 + 0.75 * 0.1 = 0.175, q3 = 0.325
    expected = {"n": 4, "mean": 0.25, "sd": math.sqrt(0.05 / 3), "median": 0.25, "q1": 0.175,
                "q3": 0.325, "min": 0.1, "max": 0.4, "missing": 0}
    for statistic, value in expected.items():
        assert _value(t, "BFCP", statistic, "MSC")[0] == pytest.approx(value, rel=1e-12)
    assert _value(t, "BFCP", "mean", "all") == (pytest.approx(0.3), 5)


def test_subjects_outside_the_population_or_the_protocol_arms_are_not_described(lu2021):
    adsl = _adsl(TRT01P=["MSC", "MSC", "CONTROL", "OTHER"], AGEDEC=[20.0, 99.0, 30.0, 50.0])
    adsl.loc[1, "FASFL"] = "N"
    t = baseline_characteristics(SimpleNamespace(adsl=adsl), lu2021)
    assert _value(t, "SUBJECTS", "n", "MSC") == (1.0, 1)
    assert _value(t, "SUBJECTS", "n", "all") == (2.0, 2)
    assert _value(t, "AGEDEC", "max", "all") == (30.0, 2)


def test_missing_values_are_counted_and_left_out_of_the_statistics(lu2021):
    adsl = _adsl(TRT01P=["MSC"] * 3, BHBA1C=[7.0, np.nan, 8.0])
    t = baseline_characteristics(SimpleNamespace(adsl=adsl), lu2021)
    assert _value(t, "BHBA1C", "mean", "MSC") == (7.5, 2)
    assert _value(t, "BHBA1C", "missing", "MSC") == (1.0, 3)


def test_a_variable_absent_from_adsl_is_reported_as_missing_for_everyone(lu2021):
    adsl = _adsl(TRT01P=["MSC", "CONTROL"])
    t = baseline_characteristics(SimpleNamespace(adsl=adsl), lu2021)
    assert _value(t, "BIDAA1C", "missing", "all") == (2.0, 2)
    assert math.isnan(_value(t, "BIDAA1C", "mean", "all")[0])
    assert "BCPMAUC" not in set(t.variable)  # optional meal-test baseline only when present


def test_sd_needs_two_values_and_an_empty_arm_gives_nan_statistics(lu2021):
    adsl = _adsl(TRT01P=["MSC"], AGEDEC=[20.0])
    t = baseline_characteristics(SimpleNamespace(adsl=adsl), lu2021)
    assert math.isnan(_value(t, "AGEDEC", "sd", "MSC")[0])
    assert _value(t, "AGEDEC", "median", "MSC") == (20.0, 1)
    assert _value(t, "AGEDEC", "n", "CONTROL") == (0.0, 0)
    assert math.isnan(_value(t, "AGEDEC", "mean", "CONTROL")[0])


def test_sex_percent_is_of_subjects_with_a_known_sex_and_both_levels_always_appear(lu2021):
    adsl = _adsl(TRT01P=["MSC"] * 4, SEX=["F", "F", None, "F"])
    t = baseline_characteristics(SimpleNamespace(adsl=adsl), lu2021)
    assert _value(t, "SEX", "n", "MSC", "F") == (3.0, 3)
    assert _value(t, "SEX", "percent", "MSC", "F") == (100.0, 3)
    assert _value(t, "SEX", "n", "MSC", "M") == (0.0, 3)
    assert _value(t, "SEX", "missing", "MSC") == (1.0, 4)


def test_subgroups_come_from_the_protocol_flags_and_unknown_flags_are_missing(lu2021):
    adsl = _adsl(TRT01P=["MSC"] * 3, SGADONFL=["Y", "N", ""],
                 SGJUONFL=["N", "Y", ""])
    t = baseline_characteristics(SimpleNamespace(adsl=adsl), lu2021)
    assert _value(t, "SUBGROUP", "n", "MSC", "adult_onset") == (1.0, 2)
    assert _value(t, "SUBGROUP", "percent", "MSC", "juvenile_onset") == (50.0, 2)
    assert _value(t, "SUBGROUP", "missing", "MSC") == (1.0, 3)
    row = t[(t.variable == "SUBGROUP") & (t.level == "adult_onset")].iloc[0]
    assert "age_at_onset >= 18" in row["method"]


def test_population_option_describes_the_per_protocol_set(lu2021):
    adsl = _adsl(TRT01P=["MSC", "MSC"], PPROTFL=["Y", "N"], AGEDEC=[20.0, 40.0])
    t = baseline_characteristics(SimpleNamespace(adsl=adsl), lu2021, population="PP")
    assert _value(t, "AGEDEC", "mean", "MSC") == (20.0, 1)
    assert t.loc[t.variable == "SUBJECTS", "label"].iloc[0] == "Per-protocol set"


def test_columns_are_tidy_and_every_row_says_how_it_was_made(lu2021):
    adsl = _adsl(TRT01P=["MSC", "CONTROL"], AGEDEC=[20.0, 30.0], SEX=["F", "M"])
    t = baseline_characteristics(SimpleNamespace(adsl=adsl), lu2021)
    assert list(t.columns) == BASELINE_COLUMNS
    assert t["method"].str.len().gt(0).all()
    assert list(dict.fromkeys(t.arm)) == ["MSC", "CONTROL", "all"]
    assert list(dict.fromkeys(t.variable))[:5] == ["SUBJECTS", "AGEDEC", "AGEONSET", "SUBGROUP",
                                                  "SEX"]
    assert not t.duplicated(["variable", "level", "statistic", "arm"]).any()


def test_input_is_not_modified(lu2021):
    adsl = _adsl(TRT01P=["MSC", "CONTROL"], AGEDEC=[20.0, np.nan], SEX=["F", None])
    before = adsl.copy()
    baseline_characteristics(SimpleNamespace(adsl=adsl), lu2021)
    pd.testing.assert_frame_equal(adsl, before)


# -- properties --------------------------------------------------------------------------

_values = st.lists(st.one_of(st.none(), st.floats(0, 1e4, allow_nan=False)), min_size=1,
                   max_size=30)


@settings(max_examples=60, deadline=None)
@given(values=_values, arms=st.lists(st.sampled_from(["MSC", "CONTROL"]), min_size=30,
                                     max_size=30), seed=st.integers(0, 2**16))
def test_summary_invariants_hold_and_row_order_does_not_matter(values, arms, seed):
    protocol = PROTOCOL
    n = len(values)
    adsl = _adsl(TRT01P=arms[:n], AGEDEC=[np.nan if v is None else v for v in values])
    t = baseline_characteristics(SimpleNamespace(adsl=adsl), protocol)
    shuffled = adsl.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    t2 = baseline_characteristics(SimpleNamespace(adsl=shuffled), protocol)
    pd.testing.assert_frame_equal(t, t2, rtol=1e-12)
    for arm in ("MSC", "CONTROL", "all"):
        s = t[(t.variable == "AGEDEC") & (t.arm == arm)].set_index("statistic")["value"]
        total = _value(t, "SUBJECTS", "n", arm)[0]
        assert s["n"] + s["missing"] == total
        if s["n"] > 0:
            tol = 1e-9 * max(1.0, abs(s["max"]))
            assert s["min"] - tol <= s["q1"] <= s["median"] + tol
            assert s["median"] - tol <= s["q3"] <= s["max"] + tol
            assert s["min"] - tol <= s["mean"] <= s["max"] + tol


# -- errors --------------------------------------------------------------------------------

def test_a_protocol_that_is_not_a_protocol_is_refused_by_name(lu2021):
    with pytest.raises(TypeError, match=r"The 'protocol' parameter of baseline_characteristics "
                                        r"must be a t1dtrial Protocol.*Got str instead"):
        baseline_characteristics(SimpleNamespace(adsl=_adsl(TRT01P=["MSC"])), "lu2021")


def test_derived_without_adsl_is_refused_by_name(lu2021):
    with pytest.raises(TypeError, match=r"The 'derived' parameter of baseline_characteristics "
                                        r"must be a Derived.*'adsl' is NoneType"):
        baseline_characteristics(SimpleNamespace(), lu2021)


def test_adsl_missing_a_required_column_is_an_input_error(lu2021):
    with pytest.raises(InputError, match=r"The 'derived' parameter of baseline_characteristics "
                                         r"must have the column\(s\) \['TRT01P'\] in its adsl"):
        baseline_characteristics(SimpleNamespace(adsl=pd.DataFrame({"USUBJID": ["A"]})),
                                 lu2021)


def test_conf_level_out_of_range_is_an_input_error(lu2021):
    with pytest.raises(InputError, match=r"The 'conf_level' parameter of baseline_characteristics "
                                         r"must be a number strictly between 0 and 1, e\.g\. "
                                         r"0\.95\. Got 1\.5 instead \(out of range\)"):
        baseline_characteristics(SimpleNamespace(adsl=_adsl(TRT01P=["MSC"])), lu2021,
                                 conf_level=1.5)


def test_unknown_population_is_an_input_error(lu2021):
    with pytest.raises(InputError, match=r"The 'population' parameter of baseline_characteristics "
                                         r"must be one of 'ENRL', 'FAS', 'PP', 'SAF'\. "
                                         r"Got 'ITT' instead"):
        baseline_characteristics(SimpleNamespace(adsl=_adsl(TRT01P=["MSC"])), lu2021,
                                 population="ITT")


def test_datasets_derived_under_another_protocol_are_refused(lu2021):
    derived = SimpleNamespace(adsl=_adsl(TRT01P=["MSC"]), protocol_id="carlsson2015")
    with pytest.raises(InputError, match=r"derived under protocol 'carlsson2015'"):
        baseline_characteristics(derived, lu2021)


# -- R reference ---------------------------------------------------------------------------

def _read_adsl(dataset: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / f"descriptive_adsl_{dataset}.csv",
                       dtype={"USUBJID": str, "SEX": object, "SGADONFL": object,
                              "SGJUONFL": object})


@pytest.mark.parametrize("dataset", ["twin", "small", "edge"])
def test_baseline_numbers_equal_r(dataset, lu2021):
    ref = pd.read_csv(FIXTURES / "descriptive_baseline.csv", keep_default_na=False,
                      na_values=[""])
    ref = ref.loc[ref.dataset == dataset]
    ref["level"] = ref["level"].fillna("")
    ours = baseline_characteristics(SimpleNamespace(adsl=_read_adsl(dataset)), lu2021)
    merged = ref.merge(ours, on=["variable", "level", "statistic", "arm"], how="left",
                       suffixes=("_r", ""), indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both"]
    assert len(ours) == len(ref)
    for row in merged.itertuples():
        assert row.n == row.n_r, row
        if math.isnan(row.value_r):
            assert math.isnan(row.value), row
        else:
            assert row.value == pytest.approx(row.value_r, rel=1e-6, abs=1e-12), row


def test_twin_reference_input_is_the_packaged_dataset_adsl():
    trial, derived = _twin_derived()
    committed = _read_adsl("twin")
    current = derived.adsl[ADSL_COLUMNS].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        current.astype({c: float for c in ADSL_COLUMNS[3:13] if c != "SEX"}),
        committed.astype({c: float for c in ADSL_COLUMNS[3:13] if c != "SEX"}),
        check_dtype=False, rtol=1e-12, obj="ADSL of the packaged twin vs "
        "descriptive_adsl_twin.csv (regenerate: python tests/analysis/test_baseline.py; "
        "Rscript tests/reference/descriptive.R)")


def _write_twin_inputs() -> None:
    """Write the twin's reference inputs from the packaged dataset."""
    trial, derived = _twin_derived()
    derived.adsl[ADSL_COLUMNS].to_csv(FIXTURES / "descriptive_adsl_twin.csv", index=False)
    ep = derived.adtte.loc[derived.adtte["PARAMCD"] == "INSFREE",
                           ["USUBJID", "TRT01P", "EPISODE", "AVAL", "CNSR"]]
    ep.to_csv(FIXTURES / "descriptive_episodes_twin.csv", index=False)
    print("wrote", FIXTURES / "descriptive_adsl_twin.csv", "and descriptive_episodes_twin.csv")


if __name__ == "__main__":
    _write_twin_inputs()
