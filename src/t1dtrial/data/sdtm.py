"""CDISC SDTM domains (DM, LB, EX, AE; optional VS, CM, SUPPDM) mapped onto the input contract.

Each domain is a SAS transport file (``dm.xpt``) or a CSV file (``dm.csv``),
names matched case-insensitively. Row numbers in problems count the variable
names as line 1, so record k of a domain is row k + 1 (as in a CSV export).

Mapping
-------
=====================  ==================================================================
contract               SDTM
=====================  ==================================================================
subjects.subject_id    DM.USUBJID
subjects.arm           DM.ARMCD (DM.ACTARMCD when ARMCD is absent)
subjects.sex           DM.SEX
subjects.enrolment_date  DM.RFSTDTC (date part)
subjects.site          DM.SITEID
subjects.age_at_onset  DM.AGEONSET, else SUPPDM QNAM ``AGEONSET`` (QVAL, years)
subjects.diagnosis_date  DM.DIAGDTC, else SUPPDM QNAM ``DIAGDTC``
subjects.weight_kg     DM.WEIGHTBL, else SUPPDM QNAM ``WEIGHTBL`` (baseline weight, kg)
subjects.height_cm     DM.HEIGHTBL, else SUPPDM QNAM ``HEIGHTBL`` (optional)
measurements           LB: USUBJID, VISIT, LBDTC, LBORRES, LBORRESU; parameter from
                       LBTESTCD (below); VS rows with VSTESTCD ``WEIGHT`` (VSORRES,
                       VSORRESU, VSDTC) give ``WEIGHT``; CM insulin records at a VISIT
                       give ``INSULIN``, the total daily insulin dose (below)
infusions              EX: USUBJID, EXSTDTC -> date, EXLOT -> lot_id, EXROUTE -> route;
                       EXDOSE with EXDOSU ``cells/kg`` -> cells_per_kg, ``cells`` ->
                       total_cells (a power of ten such as ``10^6 cells/kg`` or
                       ``x10E6 cells`` is applied); infusion_number = order of EXSTDTC
                       within the subject (ties by EXSEQ)
adverse_events         AE: USUBJID, AETERM -> term, AESTDTC -> onset_date, AEENDTC ->
                       end_date, AESEV (else AETOXGR) -> severity, AESER -> serious,
                       AEREL -> related (RELATED / POSSIBLY RELATED / NOT RELATED ...)
insulin_free           CM insulin treatment periods (below)
=====================  ==================================================================

Laboratory tests
----------------
LBTESTCD -> parameter: a contract code (``FCP``, ``PCP``, ``CPxx``, ``HBA1C``,
``WEIGHT``, ``FPG``, ``PPG``) is taken as it is; ``INSDOSE`` (a sponsor test
code for the total daily insulin dose, U/day or U/kg/day) -> ``INSULIN``.
``LBTESTCD = INSULIN`` is serum insulin, a laboratory value: it is never taken
for the daily dose; such records are not used and are listed in the load
log's exclusions with that reason. Other laboratory tests (safety labs) and
other vital signs are not used either and are listed there too.

C-peptide (``CPEPTIDE``) is read by the protocol's meal test
(``meal_test.postprandial_minute`` and ``minutes``). Its minute after the meal
comes from LBELTM (ISO 8601, ``PT120M``, ``PT2H``) or LBTPT (``120 MIN``,
``2 H``):

* minute 0, or no time point with LBFAST = ``Y`` -> ``FCP`` (fasting);
* the protocol's postprandial minute -> ``PCP``; no time point with LBFAST =
  ``N`` -> ``PCP``;
* any other minute -> ``CPxx`` (``CP30``), a sample of the meal test;
* when the protocol analyses the meal-test curve (an AUC endpoint, or three or
  more sampling minutes: :func:`~t1dtrial.data.contract.meal_sample_minutes`),
  a sample at minute 0 or at the postprandial minute is *also* kept as
  ``CP0`` / ``CPxx``, so that it feeds the AUC as well as ``FCP`` / ``PCP``
  (one record, two measurement rows with the same file and row). In an MMTT
  protocol with AUC endpoints and no postprandial minute (carlsson2015) the
  120-minute sample is ``CP120``.

A C-peptide record that cannot be told (no time point and LBFAST blank; a
negative minute; minute 0 with LBFAST = ``N``) is an error. Glucose
(``GLUC``): minute 0, or no time point with LBFAST = ``Y`` -> ``FPG``; the
postprandial minute (120 when the protocol names none), or no time point and
LBFAST not ``Y`` -> ``PPG``; other minutes are not used (excluded).

Insulin (CM)
------------
The daily insulin dose comes from CM (concomitant medications), as a data
manager maps a CRF's "total daily insulin dose at this visit" and its insulin
therapy log. Insulin records are those with INSULIN in CMTRT, CMDECOD, CMCAT,
CMSCAT or CMCLAS, or an insulin ATC code (CMCLASCD ``A10A``...); other CM
records are not used (excluded, with the medication's name).

* An insulin record **with a VISIT** is the total daily dose at that visit
  (measurement ``INSULIN``): CMDOSTOT, else CMDOSE when CMDOSFRQ is once a day
  (QD, Q24H, DAILY, EVERY DAY ...); CMDOSU read per day (``U`` -> ``U/day``,
  ``U/kg`` -> ``U/kg/day``; a dose in U/day is divided by the body weight at
  that visit); date CMDTC; CMOCCUR = ``N`` without a dose is a dose of 0. One
  such record a participant and visit: two are refused as duplicates.
* An insulin record **without a VISIT** is a period of insulin treatment, from
  CMSTDTC to CMENDTC (blank CMENDTC: ongoing). An insulin-free episode is a
  time after the participant's first infusion (earliest EXSTDTC; DM.RFSTDTC
  without one) that no period covers: it starts on the CMENDTC of the period
  before it (the first infusion, if that is later) and ends on the CMSTDTC of
  the next period (none: ongoing, censored at the data cut). A period that
  starts on or the day after the previous one ends continues the treatment (a
  dose change); a record with CMOCCUR = ``N`` or a zero dose covers nothing.
  A participant without any period gets a warning (episodes cannot be told).
* Without such periods (no CM, or dose records only) there is no
  ``insulin_free`` table and the derivations infer episodes from visits with
  a zero daily dose, with a note saying so (their start and end are known only
  to the visit).

The sponsor code ``INSDOSE`` in LB is read too; a dose in both LB and CM at
one visit is a duplicate. DM.BRTHDTC (birth date) is a direct identifier
(:mod:`t1dtrial.data.identifiers`). Participant status and withdrawal (DS
domain) are not read.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import Problem
from . import _sdtm_cm as cm_map
from ._raw import SRC_PREFIX, RawData, RawTable, blank_to_na, tag_source
from ._sdtm_common import column, file_of, require
from ._sdtm_lb import SERUM_INSULIN_REASON, MealSampling, domain_part, lb_param, lb_params
from ._text import read_text_table, sha256_bytes
from .contract import TABLES
from .identifiers import screen_frame
from .log import FileRecord

if TYPE_CHECKING:
    from ..protocol import Protocol

__all__ = ["read_sdtm", "lb_param", "lb_params", "MealSampling", "SUPPDM_QNAMS",
           "SERUM_INSULIN_REASON"]

#: SUPPDM qualifiers read, and the subjects column each fills.
SUPPDM_QNAMS = {"AGEONSET": "age_at_onset", "DIAGDTC": "diagnosis_date",
                "WEIGHTBL": "weight_kg", "HEIGHTBL": "height_cm"}

def _find(folder: Path, domain: str) -> Path | None:
    names = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    return names.get(f"{domain}.xpt") or names.get(f"{domain}.csv")


def _number_text(s: pd.Series) -> pd.Series:
    x = s.to_numpy(dtype=float)
    out = s.astype(str).astype(object).to_numpy()
    finite = np.isfinite(x)
    integral = finite & (np.abs(x) < 1e15) & (x == np.round(x))
    out[integral] = x[integral].astype(np.int64).astype(str)
    out[~finite] = np.nan
    return pd.Series(out, index=s.index, dtype=object)


def _read_domain(path: Path, raw: RawData) -> pd.DataFrame | None:
    """A domain as text cells with upper-case variable names and ``source_row``."""
    data = path.read_bytes()
    if path.suffix.lower() == ".xpt":
        import pyreadstat

        try:
            df, _ = pyreadstat.read_xport(str(path))
        except Exception as exc:  # pyreadstat raises its own ReadstatError and others
            raw.problems.append(Problem(file=path.name, row=None, column=None, value=None,
                                        problem=f"not a readable SAS transport file ({exc})",
                                        expected="an .xpt file (SAS transport version 5 or 8)"))
            return None
        frame = pd.DataFrame({c: _number_text(df[c]) if df[c].dtype.kind in "fiu"
                              else df[c].astype(object) for c in df.columns}, index=df.index)
        counts: dict[str, int] = {}
        frame = blank_to_na(frame, counts)
        frame["source_row"] = np.arange(2, len(frame) + 2)
        encoding, marked = "binary", sum(counts.values())
    else:
        text = read_text_table(data, path.name)
        raw.problems.extend(text.problems)
        if text.frame is None:
            return None
        frame, encoding, marked = text.frame, text.encoding, text.read_as_missing
    frame.columns = [str(c).strip().upper() if c != "source_row" else c for c in frame.columns]
    raw.identifiers.extend(screen_frame(frame, path.name))
    raw.files.append(FileRecord(name=path.name, table=_TABLE_OF[path.stem.lower()],
                                sha256=sha256_bytes(data), rows_in=len(frame), encoding=encoding,
                                read_as_missing=marked))
    frame = tag_source(frame, path.name)
    return frame


_TABLE_OF = {"dm": "subjects", "suppdm": "subjects", "lb": "measurements", "vs": "measurements",
             "ex": "infusions", "ae": "adverse_events", "cm": "measurements"}


def _table(name: str, frame: pd.DataFrame, mapping: dict[str, str], file_names: dict) -> RawTable:
    """Rename SDTM variables to contract columns; keep the rest as extra columns."""
    out = frame.rename(columns={v: k for k, v in mapping.items() if v in frame.columns})
    for c in TABLES[name].columns:
        if c not in out.columns:
            out[c] = np.nan
    return RawTable(name=name, frame=out.reset_index(drop=True), column_names=file_names)


def _unusable(name: str) -> RawTable:
    cols = ["source_file", "source_row", *TABLES[name].columns]
    return RawTable(name=name, frame=pd.DataFrame({c: pd.Series(dtype=object) for c in cols}),
                    present=True, usable=False)


def read_sdtm(folder: str | Path, protocol: "Protocol") -> RawData:
    """Read SDTM domains from a folder and map them onto the input contract (see module doc).

    Parameters
    ----------
    folder : str or Path
        Folder holding ``dm``, ``lb``, ``ex``, ``ae`` (and optionally ``vs``,
        ``cm``, ``suppdm``) as ``.xpt`` or ``.csv``.
    protocol : Protocol
        Its meal test says which C-peptide sampling minute is postprandial
        (:class:`MealSampling`).

    Returns
    -------
    RawData
    """
    folder = Path(folder)
    raw = RawData(format="sdtm", source=str(folder))
    domains: dict[str, pd.DataFrame | None] = {}
    for d in ("dm", "suppdm", "lb", "vs", "ex", "ae", "cm"):
        path = _find(folder, d)
        if path is None:
            if d in ("dm", "lb", "ex", "ae"):
                raw.problems.append(Problem(file=f"{d}.xpt", row=None, column=None, value=None,
                                            problem=f"the SDTM domain {d.upper()} is missing",
                                            expected=f"{d}.xpt or {d}.csv in {folder.name}"))
            domains[d] = None
            continue
        domains[d] = _read_domain(path, raw)
    raw.tables["subjects"] = _subjects(domains["dm"], domains["suppdm"], raw)
    raw.tables["measurements"] = _measurements(domains["lb"], domains["vs"], domains["cm"], raw,
                                               MealSampling.of(protocol))
    raw.tables["infusions"] = _infusions(domains["ex"], raw)
    raw.tables["adverse_events"] = _adverse_events(domains["ae"], raw)
    raw.tables["insulin_free"] = _insulin_free(domains, raw)
    return raw


def _insulin_free(domains: dict[str, pd.DataFrame | None], raw: RawData) -> RawTable:
    """Episodes from CM insulin periods; an absent table when CM records none."""
    cm = domains["cm"]
    table = None
    if cm is not None and {"USUBJID", "CMTRT"} <= set(cm.columns):
        dm = domains["dm"]
        subjects = list(dm["USUBJID"].dropna().unique()) if dm is not None and \
            "USUBJID" in dm.columns else None
        table = cm_map.episodes(cm, cm_map.is_insulin(cm),
                                cm_map.treatment_start(dm, domains["ex"]), raw, subjects)
    if table is None:
        return RawTable(name="insulin_free", present=False, frame=pd.DataFrame(
            {c: pd.Series(dtype=object) for c in ["source_file", "source_row",
                                                  *TABLES["insulin_free"].columns]}))
    file = file_of(cm, "cm")  # type: ignore[arg-type]
    periods = int((cm_map.is_insulin(cm) & column(cm, "VISIT").isna().to_numpy()).sum())
    at = next(i for i, f in enumerate(raw.files) if f.name == file)
    raw.files[at] = replace(raw.files[at], rows_in=raw.files[at].rows_in - periods)
    raw.files.insert(at + 1, replace(raw.files[at], table="insulin_free", rows_in=periods))
    return table


def _subjects(dm: pd.DataFrame | None, supp: pd.DataFrame | None, raw: RawData) -> RawTable:
    if dm is None:
        return _unusable("subjects")
    file = str(dm["source_file"].iloc[0]) if len(dm) else "dm.xpt"
    arm = "ARMCD" if "ARMCD" in dm.columns or "ACTARMCD" not in dm.columns else "ACTARMCD"
    if not require(dm, file, ["USUBJID", arm, "SEX", "RFSTDTC"], raw):
        return _unusable("subjects")
    mapping = {"subject_id": "USUBJID", "arm": arm, "sex": "SEX", "enrolment_date": "RFSTDTC",
               "site": "SITEID"}
    names = dict(mapping)
    dm = dm.copy()
    qual = pd.DataFrame()
    if supp is not None and {"USUBJID", "QNAM", "QVAL"} <= set(supp.columns):
        s = supp[supp["QNAM"].str.upper().isin(list(SUPPDM_QNAMS))]
        qual = s.assign(QNAM=s["QNAM"].str.upper()).drop_duplicates(["USUBJID", "QNAM"]).pivot(
            index="USUBJID", columns="QNAM", values="QVAL")
    elif supp is not None:
        require(supp, str(supp["source_file"].iloc[0]) if len(supp) else "suppdm.xpt",
                 ["USUBJID", "QNAM", "QVAL"], raw)
    for qnam, column in SUPPDM_QNAMS.items():
        if qnam in dm.columns:
            mapping[column] = qnam
            names[column] = qnam
        elif qnam in qual.columns:
            dm[f"{SRC_PREFIX}{column}"] = f"{qnam} (SUPPDM)"
            dm[column] = dm["USUBJID"].map(qual[qnam])
            names[column] = f"{qnam} (SUPPDM)"
        elif column != "height_cm":
            raw.problems.append(Problem(
                file=file, row=1, column=qnam, value=None, problem="required SDTM variable missing",
                expected=f"{qnam} in DM or a SUPPDM record with QNAM {qnam} for each participant"))
            return _unusable("subjects")
    dm["RFSTDTC"] = dm["RFSTDTC"].str.slice(0, 10) if len(dm) else dm["RFSTDTC"]
    return _table("subjects", dm, mapping, {file: names})


def _measurements(lb: pd.DataFrame | None, vs: pd.DataFrame | None, cm: pd.DataFrame | None,
                  raw: RawData, meal: MealSampling) -> RawTable:
    if lb is None:
        return _unusable("measurements")
    parts, names = [], {}
    for frame, dom in ((lb, "LB"), (vs, "VS")):
        if frame is None:
            continue
        got = domain_part(frame, dom, raw, meal)
        if got is None:
            return _unusable("measurements")
        parts.append(got[0])
        names.update(got[1])
    if cm is not None:
        if not require(cm, file_of(cm, "cm"), ["USUBJID", "CMTRT"], raw):
            return _unusable("measurements")
        insulin = cm_map.is_insulin(cm)
        cm_map.exclude_other_medications(cm, insulin, raw)
        part, more = cm_map.dose_records(cm, insulin, raw)
        parts.append(part)
        names.update(more)
    frame = pd.concat(parts, ignore_index=True, sort=False)
    for c in TABLES["measurements"].columns:
        if c not in frame.columns:
            frame[c] = np.nan
    return RawTable(name="measurements", frame=frame, column_names=names)


_DOSE_UNIT = re.compile(r"^(?:X\s*)?(?:10\s*(?:\^|\*\*|E)\s*(\d+)|1E\+?(\d+))?\s*(?:CELLS?)?\s*(/\s*KG)?$")


def _dose_unit(text: object) -> tuple[float, bool] | None:
    """(multiplier, per kg) of an EXDOSU text, or None.

    Examples
    --------
    >>> _dose_unit("10^6 cells/kg"), _dose_unit("cells"), _dose_unit("mg")
    ((1000000.0, True), (1.0, False), None)
    """
    if not isinstance(text, str):
        return None
    key = " ".join(text.upper().replace("×", "X").split())
    m = _DOSE_UNIT.match(key)
    if not m or "CELL" not in key and "10" not in key and "1E" not in key:
        return None
    power = m.group(1) or m.group(2)
    return (10.0 ** int(power) if power else 1.0, bool(m.group(3)))


def _infusions(ex: pd.DataFrame | None, raw: RawData) -> RawTable:
    if ex is None:
        return _unusable("infusions")
    file = str(ex["source_file"].iloc[0]) if len(ex) else "ex.xpt"
    if not require(ex, file, ["USUBJID", "EXSTDTC"], raw):
        return _unusable("infusions")
    ex = ex.copy()
    ex["EXSTDTC"] = ex["EXSTDTC"].str.slice(0, 10) if len(ex) else ex["EXSTDTC"]
    seq = pd.to_numeric(ex["EXSEQ"], errors="coerce") if "EXSEQ" in ex.columns else ex["source_row"]
    order = ex.assign(_seq=seq).sort_values(["USUBJID", "EXSTDTC", "_seq"], kind="stable")
    ex["infusion_number"] = (order.groupby("USUBJID").cumcount() + 1).reindex(ex.index).astype(str)
    ex[f"{SRC_PREFIX}infusion_number"] = "EXSTDTC (order)"
    ex["cells_per_kg"] = pd.Series(np.nan, index=ex.index, dtype=object)
    ex["total_cells"] = pd.Series(np.nan, index=ex.index, dtype=object)
    if "EXDOSE" in ex.columns:
        units = ex["EXDOSU"] if "EXDOSU" in ex.columns else pd.Series(np.nan, index=ex.index)
        parsed = {u: _dose_unit(u) for u in units.dropna().unique()}
        dose = pd.to_numeric(ex["EXDOSE"], errors="coerce")
        not_number = ex["EXDOSE"].notna() & dose.isna()
        who = ex["USUBJID"].where(ex["USUBJID"].notna(), None)
        raw.problems.extend(Problem(file=file, row=int(r), column="EXDOSE", value=v,
                                    problem="not a number", expected="a number of cells", subject=s)
                            for r, v, s in zip(ex.loc[not_number, "source_row"],
                                               ex.loc[not_number, "EXDOSE"], who[not_number]))
        for u, spec in parsed.items():
            rows = units.eq(u)
            if spec is None:
                raw.problems.extend(Problem(
                    file=file, row=int(r), column="EXDOSU", value=u, problem="unknown dose unit",
                    expected="cells/kg or cells, optionally with a power of ten (10^6 cells/kg)",
                    subject=s) for r, s in zip(ex.loc[rows, "source_row"], who[rows]))
                continue
            target = "cells_per_kg" if spec[1] else "total_cells"
            rows = rows & dose.notna()
            ex.loc[rows, target] = (dose[rows] * spec[0]).map(repr)
        no_unit = units.isna() & ex["EXDOSE"].notna()
        raw.problems.extend(Problem(file=file, row=int(r), column="EXDOSU", value=None,
                                    problem="dose without a unit",
                                    expected="cells/kg or cells (e.g. 10^6 cells/kg)", subject=s)
                            for r, s in zip(ex.loc[no_unit, "source_row"], who[no_unit]))
    mapping = {"subject_id": "USUBJID", "date": "EXSTDTC", "lot_id": "EXLOT", "route": "EXROUTE"}
    names = dict(mapping, cells_per_kg="EXDOSE", total_cells="EXDOSE")
    return _table("infusions", ex, mapping, {file: names})


def _adverse_events(ae: pd.DataFrame | None, raw: RawData) -> RawTable:
    if ae is None:
        return _unusable("adverse_events")
    file = str(ae["source_file"].iloc[0]) if len(ae) else "ae.xpt"
    sev = "AESEV" if "AESEV" in ae.columns else "AETOXGR"
    if not require(ae, file, ["USUBJID", "AETERM", "AESTDTC", sev, "AESER", "AEREL"], raw):
        return _unusable("adverse_events")
    ae = ae.copy()
    if sev == "AESEV" and "AETOXGR" in ae.columns:
        ae["AESEV"] = ae["AESEV"].fillna(ae["AETOXGR"])
    for c in ("AESTDTC", "AEENDTC"):
        if c in ae.columns and len(ae):
            ae[c] = ae[c].str.slice(0, 10)
    mapping = {"subject_id": "USUBJID", "term": "AETERM", "onset_date": "AESTDTC",
               "end_date": "AEENDTC", "severity": sev, "serious": "AESER", "related": "AEREL"}
    return _table("adverse_events", ae, mapping, {file: mapping})
