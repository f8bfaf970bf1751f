"""A small valid example trial (lu2021 protocol) for the data tests.

``make_tables(n_subjects=6, seed=0)`` returns raw contract tables (text
cells, as in CSV files): subjects alternate MSC / CONTROL; every subject has
every lu2021 visit (BL, M1, M3, M6, M9, M12) dated inside its window, with
FCP (nmol/L), PCP (pmol/L, converted), HBA1C (%), INSULIN (U/kg/day) and
WEIGHT (kg); MSC subjects have infusions 1 and 2 (day 0 and day 91); two
adverse events; one insulin-free episode.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from t1dtrial.protocol import load_protocol

PROTOCOL = load_protocol("lu2021")


def _iso(d: dt.date) -> str:
    return d.isoformat()


def make_tables(n_subjects: int = 6, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Raw contract tables of a small valid lu2021 trial (all cells text)."""
    rng = np.random.default_rng(seed)
    subjects, meas, infusions = [], [], []
    start = dt.date(2019, 3, 1)
    for i in range(n_subjects):
        sid = f"S{i + 1:02d}"
        arm = "MSC" if i % 2 == 0 else "CONTROL"
        diagnosis = start + dt.timedelta(days=int(rng.integers(0, 300)))
        enrol = diagnosis + dt.timedelta(days=int(rng.integers(30, 200)))
        weight = round(float(rng.uniform(40, 90)), 1)
        subjects.append({
            "subject_id": sid, "arm": arm, "sex": "MF"[i % 2],
            "age_at_onset": str(int(rng.integers(10, 40))), "diagnosis_date": _iso(diagnosis),
            "enrolment_date": _iso(enrol), "weight_kg": str(weight),
        })
        day0 = enrol + dt.timedelta(days=7) if arm == "MSC" else enrol
        if arm == "MSC":
            for k, day in ((1, 0), (2, 91)):
                infusions.append({"subject_id": sid, "infusion_number": str(k),
                                  "date": _iso(day0 + dt.timedelta(days=day)),
                                  "cells_per_kg": f"{rng.uniform(0.5, 2.0):.3f}e6",
                                  "lot_id": f"L{k}{i}", "route": "intravenous"})
        fcp = float(rng.uniform(0.1, 0.6))
        for v in PROTOCOL.visits:
            date = day0 + dt.timedelta(days=v.day - (3 if v.code == "BL" else 0))
            values = {
                "FCP": (f"{fcp * rng.uniform(0.7, 1.3):.3f}", "nmol/L"),
                "PCP": (f"{fcp * 2500 * rng.uniform(0.7, 1.3):.1f}", "pmol/L"),
                "HBA1C": (f"{rng.uniform(6, 9):.1f}", "%"),
                "INSULIN": (f"{rng.uniform(0.2, 0.9):.2f}", "U/kg/day"),
                "WEIGHT": (str(round(weight + float(rng.normal(0, 1)), 1)), "kg"),
            }
            for param, (value, unit) in values.items():
                meas.append({"subject_id": sid, "visit": v.code, "date": _iso(date),
                             "param": param, "value": value, "unit": unit})
    aes = [{"subject_id": "S01", "term": "Fever", "onset_date": infusions[0]["date"],
            "end_date": infusions[0]["date"], "severity": "mild", "serious": "N",
            "related": "possible"}]
    if n_subjects > 1:
        aes.append({"subject_id": "S02", "term": "Hypoglycaemia",
                    "onset_date": subjects[1]["enrolment_date"], "end_date": "",
                    "severity": "moderate", "serious": "N", "related": "unrelated"})
    aes = pd.DataFrame(aes)
    insulin_free = pd.DataFrame([{"subject_id": "S01", "start_date": infusions[1]["date"],
                                  "end_date": ""}])
    return {
        "subjects": pd.DataFrame(subjects),
        "measurements": pd.DataFrame(meas),
        "infusions": pd.DataFrame(infusions),
        "adverse_events": aes,
        "insulin_free": insulin_free,
    }


def write_tables(tables: dict[str, pd.DataFrame], folder: Path) -> Path:
    """Write raw tables as CSV files (no conversion) and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    return folder


def edit_csv(folder: Path, name: str, fn) -> Path:
    """Apply ``fn`` to the text of ``folder/name`` and write it back."""
    path = folder / name
    path.write_text(fn(path.read_text(encoding="utf-8")), encoding="utf-8")
    return path




# -- the same trial in the other input formats --------------------------------------------

def write_xlsx(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    """One workbook, a sheet per table; subject dates as real Excel dates, numbers as numbers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in tables.items():
            out = frame.copy()
            if name == "subjects":
                for c in ("diagnosis_date", "enrolment_date"):
                    out[c] = pd.to_datetime(out[c])
                for c in ("age_at_onset", "weight_kg"):
                    out[c] = out[c].astype(float)
            if name == "measurements":
                out["value"] = out["value"].astype(float)
            out.to_excel(writer, sheet_name=name, index=False)
    return path


VISIT_LABELS = {v.code: v.label for v in PROTOCOL.visits}

#: How a data manager codes each contract parameter in LB: (LBTESTCD, LBFAST, LBTPT, LBELTM).
LB_CODING = {"FCP": ("CPEPTIDE", "Y", "0 MIN", "PT0M"),
             "PCP": ("CPEPTIDE", "N", "120 MIN", "PT120M"),
             "FPG": ("GLUC", "Y", "0 MIN", "PT0M"),
             "PPG": ("GLUC", "N", "120 MIN", "PT120M"),
             "HBA1C": ("HBA1C", "", "", "")}


def read_text_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The contract CSV files of a folder (e.g. the packaged twin) as text tables."""
    return {name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
            for name in ("subjects", "measurements", "infusions", "adverse_events", "insulin_free")
            if (folder / f"{name}.csv").exists()}


def _lb(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """LB: C-peptide and glucose with LBFAST, LBTPT and LBELTM; HbA1c; serum insulin at every
    baseline visit (a laboratory value, not the dose); one safety lab (ALT)."""
    m, s = tables["measurements"], tables["subjects"]
    labs = m[m["param"].isin(list(LB_CODING))]
    coding = pd.DataFrame([LB_CODING[p] for p in labs["param"]],
                          columns=["LBTESTCD", "LBFAST", "LBTPT", "LBELTM"], index=labs.index)
    lb = pd.DataFrame({"STUDYID": "LU2021", "DOMAIN": "LB", "USUBJID": labs["subject_id"],
                       **{c: coding[c] for c in coding.columns},
                       "LBORRES": labs["value"], "LBORRESU": labs["unit"],
                       "VISIT": labs["visit"].map(VISIT_LABELS).str.upper(), "LBDTC": labs["date"]})
    base = m[(m["visit"] == "BL") & (m["param"] == "FCP")]
    serum = pd.DataFrame({"STUDYID": "LU2021", "DOMAIN": "LB", "USUBJID": base["subject_id"],
                          "LBTESTCD": "INSULIN", "LBFAST": "Y", "LBTPT": "0 MIN", "LBELTM": "PT0M",
                          "LBORRES": "7.4", "LBORRESU": "uIU/mL", "VISIT": "BASELINE",
                          "LBDTC": base["date"]})
    alt = pd.DataFrame({"STUDYID": ["LU2021"], "DOMAIN": ["LB"],
                        "USUBJID": [s["subject_id"].iloc[0]],
                        "LBTESTCD": ["ALT"], "LBFAST": [""], "LBTPT": [""], "LBELTM": [""],
                        "LBORRES": ["21"], "LBORRESU": ["U/L"], "VISIT": ["BASELINE"],
                        "LBDTC": [m["date"].iloc[0]]})
    lb = pd.concat([lb, serum, alt], ignore_index=True)
    lb.insert(3, "LBSEQ", np.arange(1, len(lb) + 1, dtype=float))
    return lb


def _cm(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """CM: the total daily insulin dose at each visit (CMDOSTOT, CMDOSU U/kg, VISIT, CMDTC),
    the insulin therapy log (no VISIT; CMSTDTC/CMENDTC around each insulin-free episode) and
    one other medication."""
    m, s = tables["measurements"], tables["subjects"]
    ins = m[m["param"] == "INSULIN"]
    unit = ins["unit"].str.replace("/day", "", regex=False)
    doses = pd.DataFrame({"USUBJID": ins["subject_id"], "CMTRT": "INSULIN", "CMDECOD": "INSULIN",
                          "CMDOSTOT": ins["value"], "CMDOSU": unit, "CMDOSFRQ": "",
                          "VISIT": ins["visit"].map(VISIT_LABELS).str.upper(), "CMDTC": ins["date"],
                          "CMSTDTC": "", "CMENDTC": "", "CMENRTPT": ""})
    free = tables.get("insulin_free",
                      pd.DataFrame(columns=["subject_id", "start_date", "end_date"]))
    log = []
    for sid, diagnosis in zip(s["subject_id"], s["diagnosis_date"]):
        begin = diagnosis
        for ep in free[free["subject_id"] == sid].sort_values("start_date").itertuples():
            log.append((sid, begin, ep.start_date, ""))
            begin = ep.end_date or None
            if begin is None:
                break
        if begin is not None:
            log.append((sid, begin, "", "ONGOING"))
    therapy = pd.DataFrame([{"USUBJID": sid, "CMTRT": "INSULIN ASPART", "CMDECOD": "INSULIN ASPART",
                             "CMDOSTOT": "", "CMDOSU": "", "CMDOSFRQ": "", "VISIT": "", "CMDTC": "",
                             "CMSTDTC": st, "CMENDTC": en, "CMENRTPT": on}
                            for sid, st, en, on in log])
    other = pd.DataFrame([{"USUBJID": s["subject_id"].iloc[0], "CMTRT": "PARACETAMOL",
                           "CMDECOD": "PARACETAMOL", "CMDOSTOT": "1000", "CMDOSU": "mg",
                           "CMDOSFRQ": "QD", "VISIT": "MONTH 1", "CMDTC": "", "CMSTDTC": "",
                           "CMENDTC": "", "CMENRTPT": ""}])
    cm = pd.concat([doses, therapy, other], ignore_index=True)
    cm.insert(0, "STUDYID", "LU2021")
    cm.insert(1, "DOMAIN", "CM")
    cm.insert(3, "CMSEQ", np.arange(1, len(cm) + 1, dtype=float))
    return cm


def sdtm_domains(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """SDTM DM, SUPPDM, LB, VS, EX, AE, CM of contract text tables, as a data manager writes
    them: age at onset, diagnosis date (and height) in SUPPDM, baseline weight in DM; C-peptide
    and glucose in LB with LBFAST, LBTPT and LBELTM, serum insulin and a safety lab too; the
    daily insulin dose and insulin stops and restarts in CM (:func:`_lb`, :func:`_cm`)."""
    s, m = tables["subjects"], tables["measurements"]
    dm = pd.DataFrame({"STUDYID": "LU2021", "DOMAIN": "DM", "USUBJID": s["subject_id"],
                       "ARMCD": s["arm"], "SEX": s["sex"],
                       "RFSTDTC": s["enrolment_date"] + "T09:30",
                       "SITEID": s["site"] if "site" in s.columns else "01",
                       "WEIGHTBL": s["weight_kg"].astype(float)})
    quals = [("AGEONSET", "age_at_onset"), ("DIAGDTC", "diagnosis_date"), ("HEIGHTBL", "height_cm")]
    supp = pd.concat([
        pd.DataFrame({"STUDYID": "LU2021", "RDOMAIN": "DM", "USUBJID": s["subject_id"],
                      "QNAM": qnam, "QVAL": s[col]})
        for qnam, col in quals if col in s.columns], ignore_index=True)
    w = m[m["param"] == "WEIGHT"]
    vs = pd.DataFrame({"STUDYID": "LU2021", "DOMAIN": "VS", "USUBJID": w["subject_id"],
                       "VSTESTCD": "WEIGHT", "VSORRES": w["value"], "VSORRESU": w["unit"],
                       "VISIT": w["visit"].map(VISIT_LABELS), "VSDTC": w["date"]})
    inf = tables["infusions"]
    ex = pd.DataFrame({"STUDYID": "LU2021", "DOMAIN": "EX", "USUBJID": inf["subject_id"],
                       "EXSEQ": inf["infusion_number"].astype(float), "EXTRT": "UC-MSC",
                       "EXDOSE": inf["cells_per_kg"].astype(float) / 1e6,
                       "EXDOSU": "10^6 cells/kg", "EXROUTE": "INTRAVENOUS",
                       "EXLOT": inf["lot_id"], "EXSTDTC": inf["date"]})
    a = tables["adverse_events"]
    ae = pd.DataFrame({"STUDYID": "LU2021", "DOMAIN": "AE", "USUBJID": a["subject_id"],
                       "AETERM": a["term"], "AESTDTC": a["onset_date"], "AEENDTC": a["end_date"],
                       "AESEV": a["severity"].str.upper(), "AESER": a["serious"],
                       "AEREL": a["related"].map({"possible": "POSSIBLY RELATED",
                                                  "unrelated": "NOT RELATED",
                                                  "related": "RELATED"})})
    return {"dm": dm, "suppdm": supp, "lb": _lb(tables), "vs": vs, "ex": ex, "ae": ae,
            "cm": _cm(tables)}


def write_domains(domains: dict[str, pd.DataFrame], folder: Path, fmt: str = "xpt") -> Path:
    """Write SDTM domains as .xpt (pyreadstat, SAS transport version 5) or .csv files."""
    import pyreadstat

    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in domains.items():
        if fmt == "xpt":
            out = frame.copy()
            for c in out.columns:
                if out[c].dtype == object:
                    out[c] = out[c].fillna("").astype(str)
            pyreadstat.write_xport(out, str(folder / f"{name}.xpt"), table_name=name.upper(),
                                   file_format_version=5)
        else:
            frame.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    return folder


def write_sdtm(tables: dict[str, pd.DataFrame], folder: Path, fmt: str = "xpt") -> Path:
    """Write the SDTM domains of contract text tables as .xpt (pyreadstat) or .csv files."""
    return write_domains(sdtm_domains(tables), folder, fmt)


REDCAP_EVENTS = {code: f"{code.lower()}_arm_1" for code in VISIT_LABELS}

REDCAP_MAPPING = """\
record_id: record_id
events:
{events}
subjects:
  arm: {{field: group, values: {{"1": MSC, "2": CONTROL}}}}
  sex: {{field: sex, values: {{"1": M, "2": F}}}}
  age_at_onset: age_onset
  diagnosis_date: diag_date
  enrolment_date: enrol_date
  weight_kg: weight_bl
measurements:
  date: visit_date
  params:
    FCP: {{field: fcp, unit: nmol/L}}
    PCP: {{field: pcp, unit_field: pcp_unit, units: {{"1": nmol/L, "2": pmol/L}}}}
    HBA1C: {{field: hba1c, unit: "%"}}
    INSULIN: {{field: insulin, unit: U/kg/day}}
    WEIGHT: {{field: weight, unit: kg}}
infusions:
  instrument: infusion
  columns: {{date: inf_date, cells_per_kg: inf_dose, lot_id: inf_lot, route: inf_route}}
adverse_events:
  instrument: adverse_event
  columns:
    term: ae_term
    onset_date: ae_start
    end_date: ae_end
    severity: {{field: ae_sev, values: {{"1": mild, "2": moderate, "3": severe}}}}
    serious: {{field: ae_ser, values: {{"1": Y, "0": N}}}}
    related: ae_rel
insulin_free:
  columns: {{start_date: if_start, end_date: if_end}}
"""


def write_redcap(tables: dict[str, pd.DataFrame], folder: Path) -> Path:
    """A REDCap longitudinal export (wide records CSV) and redcap_mapping.yaml of the example."""
    folder.mkdir(parents=True, exist_ok=True)
    s, m = tables["subjects"], tables["measurements"]
    rows = []
    wide = m.pivot_table(index=["subject_id", "visit", "date"], columns="param", values="value",
                         aggfunc="first").reset_index()
    for sub in s.itertuples(index=False):
        for v in VISIT_LABELS:
            rec = wide[(wide["subject_id"] == sub.subject_id) & (wide["visit"] == v)]
            row = {"record_id": sub.subject_id, "redcap_event_name": REDCAP_EVENTS[v],
                   "redcap_repeat_instrument": "", "redcap_repeat_instance": ""}
            if v == "BL":
                row.update(group="1" if sub.arm == "MSC" else "2",
                           sex="1" if sub.sex == "M" else "2", age_onset=sub.age_at_onset,
                           diag_date=sub.diagnosis_date, enrol_date=sub.enrolment_date,
                           weight_bl=sub.weight_kg)
            if len(rec):
                r = rec.iloc[0]
                row.update(visit_date=r["date"], fcp=r["FCP"], pcp=r["PCP"], pcp_unit="2",
                           hba1c=r["HBA1C"], insulin=r["INSULIN"], weight=r["WEIGHT"])
            rows.append(row)
        for k, inf in enumerate(tables["infusions"][tables["infusions"]["subject_id"]
                                                    == sub.subject_id].itertuples(), start=1):
            rows.append({"record_id": sub.subject_id, "redcap_event_name": REDCAP_EVENTS["BL"],
                         "redcap_repeat_instrument": "infusion", "redcap_repeat_instance": str(k),
                         "inf_date": inf.date, "inf_dose": inf.cells_per_kg,
                         "inf_lot": inf.lot_id, "inf_route": inf.route})
        for k, ae in enumerate(tables["adverse_events"][tables["adverse_events"]["subject_id"]
                                                        == sub.subject_id].itertuples(), start=1):
            rows.append({"record_id": sub.subject_id, "redcap_event_name": REDCAP_EVENTS["BL"],
                         "redcap_repeat_instrument": "adverse_event",
                         "redcap_repeat_instance": str(k), "ae_term": ae.term,
                         "ae_start": ae.onset_date, "ae_end": ae.end_date,
                         "ae_sev": {"mild": "1", "moderate": "2", "severe": "3"}[ae.severity],
                         "ae_ser": "1" if ae.serious == "Y" else "0", "ae_rel": ae.related})
        for ep in tables["insulin_free"][tables["insulin_free"]["subject_id"]
                                         == sub.subject_id].itertuples():
            rows.append({"record_id": sub.subject_id, "redcap_event_name": REDCAP_EVENTS["M12"],
                         "redcap_repeat_instrument": "", "redcap_repeat_instance": "",
                         "if_start": ep.start_date, "if_end": ep.end_date})
    records = pd.DataFrame(rows)
    # PCP exported in pmol/L (unit code 2), the example's own unit
    records.to_csv(folder / "records.csv", index=False, lineterminator="\n")
    events = "\n".join(f"  {e}: {v}" for v, e in REDCAP_EVENTS.items())
    (folder / "redcap_mapping.yaml").write_text(REDCAP_MAPPING.format(events=events),
                                               encoding="utf-8")
    return folder
