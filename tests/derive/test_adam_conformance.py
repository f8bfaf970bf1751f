"""The derived datasets (the ones the analysis reads, and the submission set made of them) follow
the ADaM IG conventions, on the packaged twin and on a three-arm trial: names and PARAMCD at most
8 characters, labels at most 40, integer AGE with AGEU, TRTP/TRTA and population flags in every
BDS dataset and ADAE, AVALC only "Y"/"N" or blank, CNSR only in ADTTE with the insulin-free
episodes; the XPT v5 files read back (pyreadstat) equal the CSV, labels included; the protocol
check refuses a long or duplicate PARAMCD."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from t1dtrial.data import load_folder
from t1dtrial.datasets import load_lu2021
from t1dtrial.derive import (DATASET_LABELS, SUBMISSION_FOLDER, VARIABLES, adeff_endpoints, define_tables,
                             derive_all,
                             derive_folder, submission_datasets, submission_files)
from t1dtrial.errors import ProtocolError
from t1dtrial.protocol import load_protocol
from t1dtrial.protocol.adam_names import abbreviate, paramcd_of
from t1dtrial.simulate import simulate_trial

BDS = ("adlb", "adeff", "adtte")


def _files(derived, protocol, tmp: Path) -> Path:
    for name, content in submission_files(derived, protocol).items():
        (tmp / name).write_bytes(content)
    return tmp


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    trial = load_lu2021()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        derived = derive_all(trial)
    return derived, trial.protocol, _files(derived, trial.protocol,
                                           tmp_path_factory.mktemp("twin"))


@pytest.fixture(scope="module")
def three_arms(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dosefinding") / "data"
    simulate_trial("dosefinding", seed=3, n_per_arm=6).write(folder)
    trial = load_folder(folder, load_protocol("dosefinding"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        derived = derive_all(trial)
    return derived, trial.protocol, _files(derived, trial.protocol,
                                           tmp_path_factory.mktemp("dose_sub"))


@pytest.fixture(params=["twin", "three_arms"])
def case(request):
    return request.getfixturevalue(request.param)


def test_names_labels_and_paramcd_fit_sas_transport_v5(case):
    derived, protocol, _ = case
    sub = submission_datasets(derived)
    define = define_tables(sub, protocol)
    variables = define["variables"]
    assert variables["name"].str.fullmatch(r"[A-Z][A-Z0-9_]{0,7}").all()
    assert variables["label"].str.len().between(1, 40).all()
    assert all(len(label) <= 40 for label in DATASET_LABELS.values())
    assert set(variables["origin"]) <= {"Derived", "Assigned", "Predecessor"}
    registry = [(n, v) for d in VARIABLES.values() for n, v in d.items()]
    assert all(v.type in ("Char", "Num") and v.origin in ("Derived", "Assigned", "Predecessor")
               for _, v in registry), [n for n, v in registry if v.type not in ("Char", "Num")]
    for row in variables.itertuples():  # the registry's type is the one written
        known = VARIABLES[row.dataset.lower()].get(row.name)
        assert known is None or known.type == row.type, (row.dataset, row.name)
    assert variables["derivation"].str.len().gt(0).all()
    params = define["parameters"]
    assert params["PARAMCD"].str.fullmatch(r"[A-Z][A-Z0-9_]{0,7}").all()
    # PARAM carries words (a code is never its own PARAM), one PARAM per PARAMCD
    assert (params["PARAM"] != params["PARAMCD"]).all()
    assert not params.duplicated(["dataset", "PARAMCD"]).any()
    responders = {e.paramcd for e in adeff_endpoints(protocol)}
    assert responders and responders <= set(params.loc[params["dataset"] == "ADEFF", "PARAMCD"])


def test_the_submission_set_is_the_working_datasets_themselves(case):
    derived, _, _ = case
    sub = submission_datasets(derived)
    assert list(sub) == ["adsl", "adlb", "adeff", "adae", "adtte"]
    assert all(sub[name] is frame for name, frame in derived.datasets.items())


def test_age_is_completed_years_with_units_and_the_exact_age_is_kept(case):
    derived, _, _ = case
    adsl = derived.adsl
    assert str(adsl["AGE"].dtype) == "Int64"
    assert adsl["AGEU"].eq("YEARS").all() and adsl["DURDIAGU"].eq("DAYS").all()
    exact = adsl["AGEONSET"].to_numpy(dtype=float) + adsl["DURDIAG"].to_numpy(dtype=float) / 365.25
    assert np.array_equal(adsl["AGEDEC"].to_numpy(dtype=float), exact)
    assert np.array_equal(adsl["AGE"].to_numpy(dtype=float), np.floor(exact + 1e-9))


def test_every_bds_dataset_and_adae_carry_treatment_and_population_flags(case):
    derived, _, _ = case
    sub = derived.datasets
    adsl = derived.adsl.set_index("USUBJID")
    for name in (*BDS, "adae"):
        frame = sub[name]
        for column, source in (("TRTP", "TRT01P"), ("TRTA", "TRT01A"), ("FASFL", "FASFL"),
                               ("SAFFL", "SAFFL"), ("PPROTFL", "PPROTFL")):
            assert column in frame.columns, (name, column)
            expected = adsl[source].reindex(frame["USUBJID"]).astype(str).to_numpy()
            assert np.array_equal(frame[column].astype(str).to_numpy(), expected), (name, column)


def test_avalc_is_a_character_result_or_blank_and_cnsr_lives_only_in_adtte(case):
    derived, protocol, _ = case
    sub = derived.datasets
    adeff = sub["adeff"]
    assert set(adeff["AVALC"]) <= {"Y", "N", ""}
    blank = adeff["AVALC"].eq("")
    assert adeff.loc[blank, "AVAL"].isna().all()
    assert adeff.loc[blank, "REASON"].ne("").all()  # why it is missing, in words
    assert np.array_equal(adeff["AVAL"].isna().to_numpy(), blank.to_numpy())
    assert adeff.loc[adeff["AEXCLFL"].eq("Y"), "AVALC"].eq("").all()
    assert set(adeff["PARAMCD"]) == {e.paramcd for e in adeff_endpoints(protocol)}
    assert [n for n, f in sub.items() if "CNSR" in f.columns] == ["adtte"]
    tte = sub["adtte"]
    assert set(tte["CNSR"].dropna()) <= {0, 1}
    for column in ("STARTDT", "EVNTDESC", "CNSDTDSC"):
        assert column in tte.columns
    event = tte["CNSR"].eq(0)
    assert tte.loc[event, "EVNTDESC"].ne("").all()
    assert tte.loc[~event, "CNSDTDSC"].ne("").all()
    days = (tte["ADT"] - tte["STARTDT"]).dt.days
    assert np.allclose(days.to_numpy(dtype=float), tte["AVAL"].to_numpy(dtype=float))
    # every insulin-free episode is an ADTTE record, numbered within its subject
    episodes = tte.loc[tte["PARAMCD"].eq("INSFREE")]
    assert episodes["EPISODE"].notna().all() and episodes["AVISIT"].eq("").all()
    assert (episodes.groupby("USUBJID")["EPISODE"].apply(
        lambda e: sorted(e.tolist()) == list(range(1, len(e) + 1)))).all()


def test_the_three_arm_trial_has_its_time_to_event_endpoint_in_adtte(three_arms):
    derived, protocol, _ = three_arms
    tte = derived.adtte
    loss = [e.paramcd for e in protocol.all_endpoints if e.kind == "time_to_event"]
    assert loss and set(loss) <= set(tte["PARAMCD"])
    assert set(tte["TRTP"]) == set(protocol.arm_codes)


def test_xpt_read_back_equals_the_csv_values_and_labels(case):
    derived, protocol, folder = case
    define = json.loads((folder / "define.json").read_text())
    labels = pd.DataFrame(define["variables"])
    for name in DATASET_LABELS:
        data, meta = pyreadstat.read_xport(str(folder / f"{name}.xpt"))
        csv = pd.read_csv(folder / f"{name}.csv", keep_default_na=False, na_values=[""],
                          dtype=str)
        assert meta.table_name == name.upper() and meta.file_label == DATASET_LABELS[name]
        assert list(data.columns) == list(csv.columns)
        mine = labels.loc[labels["dataset"] == name.upper()]
        assert meta.column_labels == mine["label"].tolist()
        for column, type_ in zip(mine["name"], mine["type"]):
            got, want = data[column], csv[column]
            if type_ == "Num" and not want.dropna().str.match(r"\d{4}-\d\d-\d\d$").all():
                assert np.allclose(got.to_numpy(dtype=float), want.to_numpy(dtype=float),
                                   rtol=1e-12, atol=0, equal_nan=True), (name, column)
            else:
                texts = got.map(lambda v: "" if v is None or v != v else str(v))
                assert texts.tolist() == want.fillna("").tolist(), (name, column)


def test_derive_writes_the_submission_set_on_request_only(tmp_path):
    from t1dtrial.cli import main
    from t1dtrial.datasets import lu2021_path

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        derive_folder(lu2021_path(), "lu2021", tmp_path / "plain")
    assert main(["derive", str(lu2021_path()), "--out", str(tmp_path / "out"), "--xpt"]) == 0
    assert not (tmp_path / "plain" / SUBMISSION_FOLDER).exists()
    written = sorted(p.name for p in (tmp_path / "out" / SUBMISSION_FOLDER).iterdir())
    assert written == sorted([f"{n}.{e}" for n in DATASET_LABELS for e in ("xpt", "csv")]
                             + ["define.json", "define_parameters.csv",
                                "define_variables.csv"])
    params = pd.read_csv(tmp_path / "out" / SUBMISSION_FOLDER / "define_parameters.csv")
    assert "REMISS" in set(params["PARAMCD"])
    # the working files the analysis reads are the conformant datasets too
    plain = tmp_path / "plain"
    adeff = pd.read_csv(plain / "adeff.csv", keep_default_na=False, dtype=str)
    assert {"Y", "N"} <= set(adeff["AVALC"]) <= {"Y", "N", ""} and "CNSR" not in adeff.columns
    adtte = pd.read_csv(plain / "adtte.csv", keep_default_na=False, dtype=str)
    assert adtte["PARAMCD"].eq("INSFREE").sum() > 0 and set(adtte["CNSR"]) <= {"0", "1"}
    adsl = pd.read_csv(plain / "adsl.csv", keep_default_na=False, dtype=str)
    assert adsl["AGE"].str.fullmatch(r"\d+").all() and adsl["AGEU"].eq("YEARS").all()
    for name in ("adlb", "adeff", "adae", "adtte"):
        frame = pd.read_csv(plain / f"{name}.csv", nrows=5)
        assert {"TRTP", "TRTA", "FASFL", "SAFFL", "PPROTFL"} <= set(frame.columns), name


def test_paramcd_rule_and_the_protocol_check_refusing_long_or_duplicate_codes(tmp_path):
    assert abbreviate("remission") == "REMISS"
    assert abbreviate("dcct_responder") == "DCCTRESP"
    assert paramcd_of("remission", load_protocol("lu2021")) == "REMISS"
    base = load_protocol("lu2021")
    first = base.all_endpoints[1]
    with pytest.raises(ProtocolError) as long_code:
        _check(base, first.name, "WAYTOOLONG")
    assert first.name in str(long_code.value) and "8" in str(long_code.value)
    with pytest.raises(ProtocolError) as duplicate:
        _check(base, first.name, "REMISS")
    assert first.name in str(duplicate.value) and "REMISS" in str(duplicate.value)


def _check(protocol, name: str, code: str) -> None:
    """Raise the protocol check's problems of ``protocol`` with endpoint ``name`` coded ``code``."""
    from t1dtrial.protocol.checks import protocol_problems

    secondary = [e.model_copy(update={"paramcd": code}) if e.name == name else e
                 for e in protocol.endpoints.secondary]
    changed = protocol.model_copy(update={"endpoints": protocol.endpoints.model_copy(
        update={"secondary": secondary})})
    problems = [p for p in protocol_problems(changed) if "PARAMCD" in p.problem]
    if problems:
        raise ProtocolError(problems)


def _lu2021_with(tmp_path: Path, old: str, new: str) -> Path:
    from t1dtrial.protocol import protocol_source

    text = protocol_source("lu2021")[1]
    assert old in text
    path = tmp_path / "protocol.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def test_a_stated_paramcd_is_the_one_derived_and_a_clash_is_refused_by_name(tmp_path):
    stated = _lu2021_with(tmp_path, "    name: remission\n", "    name: remission\n"
                                                             "    paramcd: CREMIS\n")
    trial = load_lu2021()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        derived = derive_all(dataclasses.replace(trial, protocol=load_protocol(stated)))
    codes = set(derived.adeff["PARAMCD"])
    assert "CREMIS" in codes and "REMISS" not in codes
    clash = _lu2021_with(tmp_path, "      name: fcp_change\n", "      name: fcp_change\n"
                                                               "      paramcd: REMISS\n")
    with pytest.raises(ProtocolError) as refused:
        load_protocol(clash)
    assert "fcp_change" in str(refused.value) and "remission" in str(refused.value)


def test_a_text_too_long_for_transport_v5_is_refused_by_name(twin):
    from t1dtrial.errors import InputError

    derived, protocol, _ = twin
    adeff = derived.adeff.assign(PARAM=derived.adeff["PARAM"].astype(object).where(
        derived.adeff["PARAMCD"] != "REMISS", "x" * 201))
    with pytest.raises(InputError) as refused:
        submission_files(dataclasses.replace(derived, adeff=adeff), protocol)
    assert "PARAM" in str(refused.value) and "201" in str(refused.value)
