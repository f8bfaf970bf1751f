"""SDTM written the way a data manager writes it (t1dtrial.data.sdtm): C-peptide by the
protocol's meal test, serum insulin left out, the daily insulin dose and insulin-free episodes
from CM, and the note when episodes can only be inferred from visits."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from t1dtrial.cli import main
from t1dtrial.data import load_folder, write_folder
from t1dtrial.data.sdtm import SERUM_INSULIN_REASON, MealSampling, lb_params
from t1dtrial.datasets import load_lu2021, lu2021_path
from t1dtrial.derive import derive_all
from t1dtrial.errors import DerivationWarning, InputError, InputWarning
from t1dtrial.protocol import load_protocol, protocol_source

CORE = {
    "subjects": ["subject_id", "arm", "sex", "age_at_onset", "diagnosis_date", "enrolment_date",
                 "weight_kg", "height_cm", "site"],
    "measurements": ["subject_id", "visit", "param", "date", "value", "unit", "out_of_window"],
    "infusions": ["subject_id", "infusion_number", "date", "cells_per_kg", "lot_id"],
    "adverse_events": ["subject_id", "term", "onset_date", "end_date", "severity", "serious",
                       "related"],
}


def load(path, protocol="lu2021"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        return load_folder(path, protocol)


def derive(trial):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DerivationWarning)
        derived = derive_all(trial)
    return derived, [str(w.message) for w in caught if w.category is DerivationWarning]


def same_core(a, b):
    for name, cols in CORE.items():
        x = a.tables[name][cols].sort_values(cols[:4]).reset_index(drop=True)
        y = b.tables[name][cols].sort_values(cols[:4]).reset_index(drop=True)
        assert_frame_equal(x, y, check_exact=False, rtol=1e-12, obj=name)


def remission(derived):
    rem = derived.adeff[(derived.adeff.PARAMCD == "REMISS") & (derived.adeff.ANL01FL == "Y")]
    return {arm: (int((g.AVALC == "Y").sum()), len(g)) for arm, g in rem.groupby("TRT01P")}


def episodes(derived):
    e = derived.adtte[derived.adtte.PARAMCD == "INSFREE"]
    return e[["USUBJID", "AVAL", "CNSR", "SRCDOM"]].astype(object).values.tolist()


def edit(folder, domain, fn):
    """Apply ``fn`` to a CSV domain (text cells) and write it back."""
    path = folder / f"{domain}.csv"
    frame = fn(pd.read_csv(path, dtype=str, keep_default_na=False))
    frame.to_csv(path, index=False)
    return folder


def without_postprandial_minute(tmp_path):
    text = protocol_source("lu2021")[1].replace("  postprandial_minute: 120\n", "")
    path = tmp_path / "lu2021-no-pp.yaml"
    path.write_text(text, encoding="utf-8")
    return load_protocol(path)


# -- the packaged twin, as SDTM ------------------------------------------------------------

@pytest.fixture(scope="module")
def twin_tables(example):
    return example.read_text_tables(lu2021_path())


@pytest.fixture(scope="module", params=["xpt", "csv"])
def twin_sdtm(request, tmp_path_factory, example, twin_tables):
    return example.write_sdtm(twin_tables, tmp_path_factory.mktemp("twin") / "sdtm", request.param)


def test_twin_as_sdtm_gives_the_folder_trial(twin_sdtm):
    trial, folder = load(twin_sdtm), load_lu2021()
    same_core(trial, folder)
    assert_frame_equal(trial.insulin_free.drop(columns="source_row"),
                       folder.insulin_free.drop(columns="source_row"))
    suffix = next(twin_sdtm.glob("cm.*")).suffix
    serum = [e for e in trial.load_log.exclusions if e.reason == SERUM_INSULIN_REASON]
    assert len(serum) == 53 and {e.file for e in serum} == {f"lb{suffix}"}


def test_twin_as_sdtm_reproduces_remission_and_insulin_free_episodes(twin_sdtm):
    derived, notes = derive(load(twin_sdtm))
    assert remission(derived) == {"MSC": (11, 27), "CONTROL": (3, 26)}
    assert episodes(derived) == [["LU2021-015", 198.0, 0, "insulin_free"],
                                 ["LU2021-026", 255.0, 0, "insulin_free"],
                                 ["LU2021-034", 167.0, 0, "insulin_free"]]
    assert not any("inferred from visits" in n for n in notes)


def test_analyze_on_the_twin_as_sdtm_writes_the_folder_results(tmp_path, example, twin_tables,
                                                               capsys):
    folder = example.write_sdtm(twin_tables, tmp_path / "sdtm", "xpt")
    out = tmp_path / "res"
    assert main(["analyze", str(folder), "--protocol", "lu2021", "--out", str(out)]) == 0
    primary = pd.read_csv(out / "tables" / "primary_endpoint.csv")
    counts = primary[primary.subgroup == "all"].set_index("arm")[["responders", "n"]]
    assert counts.to_dict("index") == {"MSC": {"responders": 11, "n": 27},
                                       "CONTROL": {"responders": 3, "n": 26}}
    free = pd.read_csv(out / "tables" / "insulin_independence.csv")
    assert free.loc[free.section == "episode", "duration"].tolist() == [198.0, 255.0, 167.0]
    notes = (out / "notes.txt").read_text() if (out / "notes.txt").exists() else ""
    assert "inferred from visits" not in notes


# -- C-peptide by the meal test ----------------------------------------------------------------

def test_c_peptide_at_the_postprandial_minute_is_pcp(tmp_path, tables, example):
    # the 2-h sample coded the usual way, without relying on LBFAST: LBTPT 120 MIN only
    folder = example.write_sdtm(tables, tmp_path / "sdtm", "csv")
    edit(folder, "lb", lambda lb: lb.assign(
        LBFAST=lb.LBFAST.where(lb.LBTPT != "120 MIN", ""),
        LBELTM=lb.LBELTM.where(lb.LBTPT != "120 MIN", "")))
    params = load(folder).measurements["param"].value_counts()
    assert params["PCP"] == 36 and "CP120" not in params
    # a protocol whose endpoints use PCP and whose meal test names no postprandial minute
    # cannot tell which sample is PCP: refused, never remission from FCP alone
    with pytest.raises(InputError, match=r"lb\.csv:LBTPT: the protocol's endpoints use "
                                         r"postprandial C-peptide \(PCP\), but its meal test names "
                                         r"no postprandial_minute: C-peptide at minute\(s\) 120 "
                                         r"cannot be taken for PCP; expected "
                                         r"meal_test.postprandial_minute in the protocol"):
        load(folder, without_postprandial_minute(tmp_path))


def test_fasting_c_peptide_at_minute_zero_is_fcp(tmp_path, tables, example):
    folder = example.write_sdtm(tables, tmp_path / "sdtm", "csv")
    fcp = load(folder).measurements.query("param == 'FCP'")
    assert len(fcp) == 36 and set(fcp["source_file"]) == {"lb.csv"}
    # LBELTM alone, LBFAST blank: minute 0 is the fasting sample
    edit(folder, "lb", lambda lb: lb.assign(
        LBTPT=lb.LBTPT.where(lb.LBTPT != "0 MIN", ""),
        LBFAST=lb.LBFAST.where(lb.LBELTM != "PT0M", "")))
    assert (load(folder).measurements["param"] == "FCP").sum() == 36
    edit(folder, "lb", lambda lb: lb.assign(LBFAST=np.where(lb.index == 0, "N", lb.LBFAST)))
    with pytest.raises(InputError, match=r"lb\.csv:2:LBFAST \(participant S01, visit BASELINE\): "
                                         r"C-peptide record at minute 0 of the meal test marked "
                                         r"not fasting \(LBFAST N\)"):
        load(folder)


def _mmtt_lb(lb, measurements, visit_labels):
    """One CPEPTIDE record a meal-test sample (the 0-min sample is the fasting one)."""
    cp = measurements[measurements.param.str.match(r"^CP\d+$")]
    minute = cp.param.str.slice(2)
    timed = pd.DataFrame({"STUDYID": "CARLSSON", "DOMAIN": "LB", "USUBJID": cp.subject_id,
                          "LBSEQ": "", "LBTESTCD": "CPEPTIDE",
                          "LBFAST": np.where(minute == "0", "Y", "N"),
                          "LBTPT": minute + " MIN", "LBELTM": "PT" + minute + "M",
                          "LBORRES": cp.value, "LBORRESU": cp.unit,
                          "VISIT": cp.visit.map(visit_labels).str.upper(), "LBDTC": cp.date})
    return pd.concat([lb[lb.LBTESTCD != "CPEPTIDE"], timed], ignore_index=True)


def test_mmtt_protocol_keeps_cp120_for_the_auc(tmp_path, example):
    from t1dtrial.simulate import simulate_trial

    protocol = load_protocol("carlsson2015")
    contract = tmp_path / "contract"
    write_folder(simulate_trial(protocol, seed=3, n_per_arm=4).tables, contract)
    tables = example.read_text_tables(contract)
    domains = example.sdtm_domains(tables)
    labels = {v.code: v.label for v in protocol.visits}
    domains["lb"] = _mmtt_lb(domains["lb"], tables["measurements"], labels)
    domains["dm"]["STUDYID"] = "CARLSSON"
    folder = example.write_domains(domains, tmp_path / "sdtm", "csv")
    trial, reference = load(folder, protocol), load(contract, protocol)
    params = trial.measurements["param"].value_counts()
    assert params["FCP"] == params["CP0"] == params["CP120"] == 32 and "PCP" not in params
    auc = [derive(t)[0].adlb.query("PARAMCD == 'CPMAUC'").sort_values(["USUBJID", "AVISITN"])
           for t in (trial, reference)]
    assert len(auc[0]) == 32
    assert_frame_equal(auc[0][["USUBJID", "AVISIT", "AVAL"]].reset_index(drop=True),
                       auc[1][["USUBJID", "AVISIT", "AVAL"]].reset_index(drop=True))
    fcp = [t.measurements.query("param == 'FCP'").sort_values(["subject_id", "visit"])["value"]
           for t in (trial, reference)]
    assert fcp[0].tolist() == fcp[1].tolist()


@pytest.mark.parametrize("args, params", [
    (("CPEPTIDE", "N", "", "120 MIN"), ("PCP",)),
    (("CPEPTIDE", "", "PT2H", ""), ("PCP",)),
    (("CPEPTIDE", "Y", "PT0M", ""), ("FCP",)),
    (("CPEPTIDE", "Y", "", ""), ("FCP",)),
    (("CPEPTIDE", "N", "", ""), ("PCP",)),
    (("CPEPTIDE", "N", "PT30M", ""), ("CP30",)),
    (("CPEPTIDE", "", "", ""), ("!kind",)),
    (("CPEPTIDE", "Y", "-PT10M", ""), ("!before",)),
    (("GLUC", "N", "", "120 MIN"), ("PPG",)),
    (("GLUC", "Y", "", "0 MIN"), ("FPG",)),
    (("GLUC", "N", "", "30 MIN"), ()),
    (("INSULIN", "Y", "", "0 MIN"), ()),
    (("INSDOSE", "", "", ""), ("INSULIN",)),
])
def test_lb_records_map_by_the_lu2021_meal_test(args, params):
    assert lb_params(*args, meal=MealSampling.of(load_protocol("lu2021"))) == params


@pytest.mark.parametrize("args, params", [
    (("CPEPTIDE", "Y", "PT0M", ""), ("FCP", "CP0")),
    (("CPEPTIDE", "N", "PT120M", ""), ("CP120",)),
    (("CPEPTIDE", "N", "", "30 MIN"), ("CP30",)),
])
def test_lb_records_map_by_the_mmtt_meal_test(args, params):
    assert lb_params(*args, meal=MealSampling.of(load_protocol("carlsson2015"))) == params


# -- insulin: serum insulin, the daily dose ----------------------------------------------------

def test_serum_insulin_is_excluded_not_a_dose_nor_an_error(tmp_path, tables, example):
    folder = example.write_sdtm(tables, tmp_path / "sdtm", "csv")
    # serum insulin in pmol/L: as a daily dose it would be an unknown unit and implausible
    edit(folder, "lb", lambda lb: lb.assign(
        LBORRES=lb.LBORRES.where(lb.LBTESTCD != "INSULIN", "85"),
        LBORRESU=lb.LBORRESU.where(lb.LBTESTCD != "INSULIN", "pmol/L")))
    trial = load(folder)
    dose = trial.measurements.query("param == 'INSULIN'")
    assert set(dose["source_file"]) == {"cm.csv"} and dose["value"].max() < 1
    serum = [e for e in trial.load_log.exclusions if e.reason == SERUM_INSULIN_REASON]
    assert [(e.file, e.subject) for e in serum] == [("lb.csv", f"S0{i}") for i in range(1, 7)]
    assert "serum insulin, a laboratory value, not the daily insulin dose" in SERUM_INSULIN_REASON


def _cm(rows):
    cols = ["STUDYID", "DOMAIN", "USUBJID", "CMSEQ", "CMTRT", "CMDOSE", "CMDOSTOT", "CMDOSU",
            "CMDOSFRQ", "CMOCCUR", "VISIT", "CMDTC", "CMSTDTC", "CMENDTC"]
    return pd.DataFrame([dict(zip(cols, ["LU2021", "CM", *r])) for r in rows], columns=cols)


def test_daily_dose_comes_from_cm_insulin_records_at_a_visit(tmp_path, tables, example):
    domains = example.sdtm_domains(tables)
    dose = domains["cm"]
    at = dose.index[(dose.USUBJID == "S01") & dose.VISIT.isin(["BASELINE", "MONTH 1", "MONTH 3"])]
    dose.loc[at[0], ["CMDOSTOT", "CMDOSU"]] = ["30", "U"]                       # U/day
    dose.loc[at[1], ["CMDOSTOT", "CMDOSE", "CMDOSU", "CMDOSFRQ"]] = ["", "14", "IU", "QD"]
    dose.loc[at[2], ["CMDOSTOT", "CMDOSU"]] = ["", ""]
    dose.loc[at[2], "CMOCCUR"] = "N"                                            # none taken
    folder = example.write_domains(domains, tmp_path / "sdtm", "csv")
    trial = load(folder)
    m = trial.measurements
    got = m[(m.subject_id == "S01") & (m.param == "INSULIN")].set_index("visit")
    weight = m[(m.subject_id == "S01") & (m.param == "WEIGHT")].set_index("visit")["value"]
    assert got.loc["BL", "value"] == pytest.approx(30 / weight["BL"])
    assert got.loc["M1", "value"] == pytest.approx(14 / weight["M1"])
    assert got.loc["M3", "value"] == 0
    assert trial.load_log.conversions["INSULIN: U/day -> U/kg/day"] == 2

    dose.loc[at[1], "CMDOSFRQ"] = "BID"
    folder = example.write_domains(domains, tmp_path / "sdtm2", "csv")
    row = int(at[1]) + 2
    with pytest.raises(InputError, match=rf"cm\.csv:{row}:CMDOSFRQ \(participant S01, visit "
                                         rf"MONTH 1\): 'BID' — a dose per administration that is "
                                         rf"not given once a day is not the total daily insulin"):
        load(folder)


# -- insulin-free episodes ---------------------------------------------------------------------

def test_insulin_free_episodes_come_from_cm_insulin_periods(tmp_path, tables, example):
    # first infusions: S01 2020-04-04, S03 2019-10-31, S05 2020-04-17
    domains = example.sdtm_domains(tables)
    cm = domains["cm"]
    log = _cm([
        ("S01", "1", "INSULIN ASPART", "", "", "", "", "", "", "", "2019-06-01", "2019-09-01"),
        ("S01", "2", "INSULIN ASPART", "", "", "", "", "", "", "", "2019-10-01", "2020-03-01"),
        ("S01", "3", "INSULIN ASPART", "", "", "", "", "", "", "", "2020-05-01", ""),
        ("S03", "1", "INSULIN GLARGINE", "", "", "", "", "", "", "", "2019-01-01", "2020-01-31"),
        # a dose change the next day continues the treatment
        ("S03", "2", "INSULIN GLARGINE", "12", "", "U", "QD", "", "", "", "2020-02-01",
         "2020-03-10"),
        ("S03", "3", "INSULIN GLARGINE", "10", "", "U", "QD", "", "", "", "2020-06-01", ""),
        ("S05", "1", "INSULIN ASPART", "", "", "", "", "", "", "", "2019-01-01", "2020-05-01"),
    ])
    keep = ~cm.USUBJID.isin(["S01", "S03", "S05"]) | cm.VISIT.ne("")
    domains["cm"] = pd.concat([cm[keep], log], ignore_index=True)
    folder = example.write_domains(domains, tmp_path / "sdtm", "csv")
    trial = load(folder)
    free = trial.insulin_free.query("subject_id in ['S01', 'S03', 'S05']")
    assert free[["subject_id", "start_date", "end_date"]].astype(str).values.tolist() == [
        ["S01", "2020-04-04", "2020-05-01"],  # the gap before the first infusion is not counted
        ["S03", "2020-03-10", "2020-06-01"],
        ["S05", "2020-05-01", "NaT"]]
    first = int(keep.sum()) + 2  # CSV row of the first log record
    assert free["source_row"].tolist() == [first + 1, first + 4, first + 6]
    derived, notes = derive(trial)
    got = {e[0]: e[1:] for e in episodes(derived)}
    assert got["S01"] == [27.0, 0, "insulin_free"] and got["S03"] == [83.0, 0, "insulin_free"]
    assert got["S05"][1] == 1  # ongoing at the data cut: censored
    assert not any("inferred from visits" in n for n in notes)


def test_an_insulin_record_with_neither_visit_nor_start_date_is_refused(tmp_path, tables, example):
    domains = example.sdtm_domains(tables)
    domains["cm"] = pd.concat([domains["cm"], _cm([
        ("S02", "9", "INSULIN", "", "", "", "", "", "", "", "", "")])], ignore_index=True)
    folder = example.write_domains(domains, tmp_path / "sdtm", "csv")
    row = len(domains["cm"]) + 1
    with pytest.raises(InputError, match=rf"cm\.csv:{row}:CMSTDTC \(participant S02\): insulin "
                                         r"record with neither a VISIT"):
        load(folder)


def test_a_participant_without_insulin_periods_is_warned_about(tmp_path, tables, example):
    domains = example.sdtm_domains(tables)
    cm = domains["cm"]
    domains["cm"] = cm[(cm.USUBJID != "S04") | (cm.VISIT != "")]
    folder = example.write_domains(domains, tmp_path / "sdtm", "csv")
    with pytest.warns(InputWarning, match=r"cm\.csv:CMSTDTC \(participant S04\): no insulin "
                                          r"treatment period in CM for this participant: "
                                          r"insulin-free episodes cannot be told"):
        load_folder(folder, "lu2021")


def test_episodes_inferred_from_visits_carry_a_note_with_their_resolution(
        tmp_path, example, twin_tables):
    domains = example.sdtm_domains(twin_tables)
    domains["cm"] = domains["cm"][domains["cm"].VISIT != ""]  # daily doses only, no stop dates
    folder = example.write_domains(domains, tmp_path / "sdtm", "csv")
    trial = load(folder)
    assert trial.insulin_free.empty
    derived, notes = derive(trial)
    assert [e[1] for e in episodes(derived)] == [155.0, 103.0, 0.0]
    assert [n for n in notes if "inferred from visits" in n] == [
        "insulin-free episodes were inferred from visits with a zero daily insulin dose "
        "(3 episode(s)): the data hold no dated record of insulin being stopped and restarted "
        "(insulin_free.csv, or SDTM CM insulin records with CMSTDTC/CMENDTC). Their start and "
        "end are known only to the visit (an episode starts between its first zero-dose visit "
        "and the visit before, and ends between its last one and the visit after): with this "
        "protocol's schedule, visits up to 92 days apart, each duration is a lower bound, short "
        "by up to 184 days."]
