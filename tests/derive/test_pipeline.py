"""derive_all, the derivation log and exclusions, and writing the datasets whole or not at all."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from t1dtrial.derive import OUTPUT_FILES, Derived, derive_all, write_derived
from t1dtrial.outputs import MARKER
from t1dtrial.errors import DerivationWarning, InputError

from derive_frames import (
    make_adverse_events,
    make_infusions,
    make_insulin_free,
    make_measurements,
    make_subjects,
    make_trial,
)


@pytest.fixture
def trial():
    subjects = make_subjects({"subject_id": "M1"}, {"subject_id": "M2"},
                             {"subject_id": "C1", "arm": "CONTROL"})
    infusions = make_infusions(("M1", 1, "2020-01-01", 1e6), ("M1", 2, "2020-04-01", 1e6),
                               ("M2", 1, "2020-01-01", 1e6), ("ZZ", 1, "2020-01-01", 1e6))
    measurements = make_measurements(
        ("M1", "BL", "FCP", 0.30, "2020-01-01"), ("M1", "M12", "FCP", 0.36, "2020-12-31"),
        ("M1", "BL", "PCP", 0.60, "2020-01-01"), ("M1", "M12", "PCP", 0.60, "2020-12-31"),
        ("M2", "BL", "FCP", 0.0, "2020-01-01"), ("M2", "M12", "FCP", 0.10, "2020-12-31"),
        ("C1", "BL", "FCP", 0.30, "2020-01-01"),
        ("C1", "M12", "FCP", 0.30, "2020-12-31"), ("C1", "M12", "FCP", 0.31, "2021-01-20"),
        ("C1", "BL", "PCP", 0.60, "2020-01-01"), ("C1", "M12", "PCP", 0.50, "2020-12-31"),
        ("XX", "BL", "FCP", 0.30, "2020-01-01"))
    ae = make_adverse_events(("M1", "fever", "2020-01-02", "mild", "N", "related"),
                             ("M1", "chilblains", "2020-02-02", "mild", "N", "unrelated"),
                             ("YY", "rash", "2020-02-02", "mild", "N", "unrelated"))
    free = make_insulin_free(("M1", "2020-06-01", None), ("M1", "2022-01-01", None),
                             ("M2", "2020-06-01", "2020-05-01"))
    return make_trial(subjects=subjects, measurements=measurements, infusions=infusions,
                      adverse_events=ae, insulin_free=free)


def _log(derived, **keys):
    log = derived.log
    mask = pd.Series(True, index=log.index)
    for k, v in keys.items():
        mask &= log[k] == v
    return log.loc[mask]


def test_derive_all_builds_the_four_datasets(trial):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DerivationWarning)
        d = derive_all(trial, data_cut="2021-03-01")
    assert isinstance(d, Derived)
    assert d.adsl.USUBJID.tolist() == ["M1", "M2", "C1"]
    assert d.data_cut == pd.Timestamp("2021-03-01")
    rem = d.adeff.loc[(d.adeff.PARAMCD == "REMISS") & (d.adeff.ANL01FL == "Y")]
    assert dict(zip(rem.USUBJID, rem.AVALC)) == {"M1": "Y", "M2": "", "C1": "N"}
    assert rem.set_index("USUBJID").loc["M2", "REASON"] != ""
    ep = d.adtte.loc[d.adtte.PARAMCD == "INSFREE"]
    assert ep[["USUBJID", "AVAL", "CNSR"]].values.tolist() == [["M1", 273.0, 1]]
    assert d.adae.USUBJID.tolist() == ["M1", "M1"]


def test_zero_baseline_and_missing_primary_raise_derivation_warnings(trial):
    with pytest.warns(DerivationWarning) as record:
        derive_all(trial)
    messages = [str(w.message) for w in record]
    assert any(m.startswith("1 subject(s) have a zero baseline") for m in messages)
    assert any(m.startswith("the primary endpoint is missing at M12 for 1 subject(s) of the "
                            "full analysis set; ") for m in messages)


def test_exclusions_list_every_record_left_out_with_its_reason(trial):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DerivationWarning)
        d = derive_all(trial, data_cut="2021-03-01")
    got = set(zip(d.exclusions.table, d.exclusions.SRCSEQ, d.exclusions.reason))
    assert got == {("measurements", 11, "subject not in the subjects table"),
                   ("infusions", 3, "subject not in the subjects table"),
                   ("adverse_events", 2, "subject not in the subjects table"),
                   ("insulin_free", 1, "episode starts after the data cut"),
                   ("insulin_free", 2, "episode ends before it starts")}


def test_log_counts_records_read_selected_and_excluded_with_reasons(trial):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DerivationWarning)
        d = derive_all(trial, data_cut="2021-03-01")
    assert _log(d, dataset="ADLB", outcome="read").n.tolist() == [12]
    assert _log(d, dataset="ADLB", rule="record check").n.tolist() == [1]
    assert _log(d, dataset="ADLB", outcome="selected", rule="records kept").n.tolist() == [11]
    not_sel = _log(d, dataset="ADLB", outcome="not selected")
    assert not_sel.n.tolist() == [1] and not_sel.reason.iloc[0].startswith("another record")
    undefined = _log(d, dataset="ADLB", outcome="undefined", param="FCP")
    assert undefined[["n", "reason"]].values.tolist() == [[1, "baseline is zero"]]
    fas = _log(d, dataset="ADSL", rule="FASFL", outcome="selected")
    assert fas.n.tolist() == [3]
    pp_out = _log(d, dataset="ADSL", rule="PPROTFL", outcome="excluded")
    assert dict(zip(pp_out.reason, pp_out.n)) == {"planned infusion 2 not received": 1}
    rem = _log(d, dataset="ADEFF", param="REMISS")
    assert dict(zip(rem.outcome, rem.n)) == {"Y": 1, "N": 1, "missing": 1}
    uncoded = _log(d, dataset="ADAE", outcome="uncoded")
    assert uncoded.reason.tolist() == ["term not in the dictionary: chilblains"]
    assert set(_log(d, outcome="excluded", rule="adverse_events record check").dataset) == {"ADAE"}
    episodes = _log(d, rule="insulin-free episodes")
    assert set(episodes.dataset) == {"ADTTE"} and episodes.n.sum() == len(
        d.adtte.loc[d.adtte.PARAMCD == "INSFREE"]) == 1


def test_log_counts_subjects_whose_subgroup_is_unknown(trial):
    subjects = trial.subjects.assign(age_at_onset=[20.0, float("nan"), 15.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DerivationWarning)
        d = derive_all(make_trial(subjects=subjects, measurements=trial.measurements,
                                  infusions=trial.infusions))
    for flag in ("SGADONFL", "SGJUONFL"):
        row = _log(d, dataset="ADSL", rule=flag, outcome="undefined")
        assert row.n.tolist() == [1], flag


def test_inputs_are_not_mutated(trial):
    before = {k: getattr(trial, k).copy() for k in ("subjects", "measurements", "infusions",
                                                     "adverse_events", "insulin_free")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DerivationWarning)
        derive_all(trial)
    for k, v in before.items():
        pd.testing.assert_frame_equal(getattr(trial, k), v)


def test_write_derived_writes_csv_parquet_and_the_log(trial, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DerivationWarning)
        d = derive_all(trial)
    out = write_derived(d, tmp_path / "derived")
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, *OUTPUT_FILES])
    adsl = pd.read_parquet(out / "adsl.parquet")
    assert adsl.USUBJID.tolist() == ["M1", "M2", "C1"]
    csv = pd.read_csv(out / "adlb.csv")
    assert len(csv) == len(d.adlb) and csv.ADT.iloc[0] == "2020-01-01"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_failed_write_leaves_no_output_folder(trial, tmp_path, monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DerivationWarning)
        d = derive_all(trial)

    def boom(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    with pytest.raises(OSError, match="disk full"):
        write_derived(d, tmp_path / "derived")
    assert list(tmp_path.iterdir()) == []


def test_existing_output_is_kept_unless_overwrite(trial, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DerivationWarning)
        d = derive_all(trial)
    target = write_derived(d, tmp_path / "derived")
    (target / "adsl.csv").write_text("previous")
    with pytest.raises(InputError, match=r"derived' — holds a previous t1dtrial output \(derived "
                                         r"datasets, .*expected --overwrite to replace it"):
        write_derived(d, target)
    assert (target / "adsl.csv").read_text() == "previous"
    write_derived(d, target, overwrite=True)
    assert (target / "adsl.csv").read_text() != "previous"


def test_a_folder_derive_did_not_write_is_never_replaced(trial, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DerivationWarning)
        d = derive_all(trial)
    target = tmp_path / "derived"
    target.mkdir()
    (target / "old.txt").write_text("keep me")
    with pytest.raises(InputError, match=r"t1dtrial did not write it .*not even with --overwrite"):
        write_derived(d, target, overwrite=True)
    assert [p.name for p in target.iterdir()] == ["old.txt"]


def test_bad_data_cut_is_reported(trial):
    with pytest.raises(InputError, match=r"The 'data_cut' parameter of derive_all must be an ISO "
                                         r"date \(YYYY-MM-DD\). Got 'soon' instead"):
        derive_all(trial, data_cut="soon")


def test_trial_without_a_protocol_is_refused(trial):
    trial.protocol = None
    with pytest.raises(TypeError, match=r"'protocol' parameter of derive_all .* Got NoneType"):
        derive_all(trial)


def test_a_trial_without_usable_measurements_still_derives_every_dataset(tmp_path):
    subjects = make_subjects({"subject_id": "A"}, {"subject_id": "B", "arm": "CONTROL"})
    trial = make_trial(subjects=subjects,
                       measurements=make_measurements(("Z", "BL", "FCP", 0.3, None)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DerivationWarning)
        d = derive_all(trial)
    assert len(d.adlb) == 0 and d.adsl.FASFL.tolist() == ["N", "N"]
    rem = d.adeff.loc[(d.adeff.PARAMCD == "REMISS") & (d.adeff.ANL01FL == "Y")]
    assert rem.AVALC.tolist() == ["", ""] and rem.AEXCLFL.tolist() == ["", ""]
    assert d.exclusions.reason.tolist() == ["subject not in the subjects table"]
    write_derived(d, tmp_path / "out")
    assert (tmp_path / "out" / "adlb.parquet").exists()


def test_text_columns_use_the_arrow_backed_str_dtype(trial):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DerivationWarning)
        d = derive_all(trial)
    for name, df in d.datasets.items():
        for column in ("USUBJID",):
            assert str(df[column].dtype) == "str", (name, df[column].dtype)
    assert (d.adlb.ANL01FL == "Y").dtype == bool
