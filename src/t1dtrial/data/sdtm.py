"""CDISC SDTM domains (DM, LB, EX, AE; optional VS, SUPPDM) mapped onto the input contract.

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
                       VSORRESU, VSDTC) give ``WEIGHT``
infusions              EX: USUBJID, EXSTDTC -> date, EXLOT -> lot_id, EXROUTE -> route;
                       EXDOSE with EXDOSU ``cells/kg`` -> cells_per_kg, ``cells`` ->
                       total_cells (a power of ten such as ``10^6 cells/kg`` or
                       ``x10E6 cells`` is applied); infusion_number = order of EXSTDTC
                       within the subject (ties by EXSEQ)
adverse_events         AE: USUBJID, AETERM -> term, AESTDTC -> onset_date, AEENDTC ->
                       end_date, AESEV (else AETOXGR) -> severity, AESER -> serious,
                       AEREL -> related (RELATED / POSSIBLY RELATED / NOT RELATED ...)
=====================  ==================================================================

LBTESTCD -> parameter: a contract code (``FCP``, ``PCP``, ``CPxx``, ``HBA1C``,
``INSULIN`` — the total daily insulin dose in U/day or U/kg/day, not serum
insulin —, ``WEIGHT``, ``FPG``, ``PPG``) is taken as it is; ``INSDOSE`` ->
``INSULIN``; ``CPEPTIDE`` (C-peptide) with a time point after a meal test
(LBELTM such as ``PT30M``, or LBTPT such as ``30 MIN``) -> ``CP30``, else
``FCP`` when LBFAST = ``Y`` and ``PCP`` when LBFAST = ``N``; ``GLUC`` -> ``FPG``
when LBFAST = ``Y``, else ``PPG``. Other laboratory tests (safety labs) and
other vital signs are not used: they are listed in the load log's exclusions.
DM.BRTHDTC (birth date) is a direct identifier (:mod:`t1dtrial.data.identifiers`). Participant status and
withdrawal (DS domain) are not read.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem
from ._raw import SRC_PREFIX, RawData, RawTable, blank_to_na, tag_source
from ._text import read_text_table, sha256_bytes
from .contract import TABLES, is_known_param
from .identifiers import screen_frame
from .log import Exclusion, FileRecord

__all__ = ["read_sdtm", "lb_param", "SUPPDM_QNAMS"]

#: SUPPDM qualifiers read, and the subjects column each fills.
SUPPDM_QNAMS = {"AGEONSET": "age_at_onset", "DIAGDTC": "diagnosis_date",
                "WEIGHTBL": "weight_kg", "HEIGHTBL": "height_cm"}

_CPEP = {"CPEPTIDE", "CPEPTID", "CPEP"}
_SYNONYMS = {"INSDOSE": "INSULIN"}
_ELTM = re.compile(r"^-?P(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?)$")
_TPT = re.compile(r"(-?\d+)\s*(MIN|MINS|MINUTES|M|H|HR|HRS|HOUR|HOURS)\b")


def _minutes(eltm: object, tpt: object) -> float:
    """Minutes after the meal from LBELTM (ISO 8601 duration) or LBTPT text; NaN if none."""
    if isinstance(eltm, str):
        m = _ELTM.match(eltm.strip().upper())
        if m and (m.group(1) or m.group(2)):
            total = float(m.group(1) or 0) * 60 + float(m.group(2) or 0)
            return -total if eltm.strip().startswith("-") else total
    if isinstance(tpt, str):
        m = _TPT.search(tpt.upper())
        if m:
            n = float(m.group(1))
            return n * 60 if m.group(2).startswith("H") else n
    return np.nan


def lb_param(testcd: object, fast: object = None, eltm: object = None, tpt: object = None) -> str | None:
    """Contract parameter of one LB record, or None for a test t1dtrial does not use.

    Examples
    --------
    >>> lb_param("CPEPTIDE", "Y"), lb_param("CPEPTIDE", "N"), lb_param("CPEPTIDE", None, "PT30M")
    ('FCP', 'PCP', 'CP30')
    >>> lb_param("GLUC", "Y"), lb_param("HBA1C"), lb_param("ALT")
    ('FPG', 'HBA1C', None)
    """
    if not isinstance(testcd, str):
        return None
    code = testcd.strip().upper()
    code = _SYNONYMS.get(code, code)
    if code in _CPEP:
        minute = _minutes(eltm, tpt)
        if not np.isnan(minute):
            return f"CP{int(minute)}" if minute >= 0 else "CP-"
        flag = fast.strip().upper() if isinstance(fast, str) else ""
        return {"Y": "FCP", "N": "PCP"}.get(flag, "CPEPTIDE?")
    if code == "GLUC":
        return "FPG" if isinstance(fast, str) and fast.strip().upper() == "Y" else "PPG"
    return code if is_known_param(code) else None


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
        frame = blank_to_na(frame)
        frame["source_row"] = np.arange(2, len(frame) + 2)
        encoding = "binary"
    else:
        text = read_text_table(data, path.name)
        raw.problems.extend(text.problems)
        if text.frame is None:
            return None
        frame, encoding = text.frame, text.encoding
    frame.columns = [str(c).strip().upper() if c != "source_row" else c for c in frame.columns]
    raw.identifiers.extend(screen_frame(frame, path.name))
    raw.files.append(FileRecord(name=path.name, table=_TABLE_OF[path.stem.lower()],
                                sha256=sha256_bytes(data), rows_in=len(frame), encoding=encoding))
    frame = tag_source(frame, path.name)
    return frame


_TABLE_OF = {"dm": "subjects", "suppdm": "subjects", "lb": "measurements", "vs": "measurements",
             "ex": "infusions", "ae": "adverse_events"}


def _require(frame: pd.DataFrame, file: str, names: list[str], raw: RawData) -> bool:
    missing = [n for n in names if n not in frame.columns]
    for n in missing:
        raw.problems.append(Problem(file=file, row=1, column=n, value=None,
                                    problem="required SDTM variable missing",
                                    expected=f"a variable named {n}"))
    return not missing


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


def read_sdtm(folder: str | Path) -> RawData:
    """Read SDTM domains from a folder and map them onto the input contract (see module doc)."""
    folder = Path(folder)
    raw = RawData(format="sdtm", source=str(folder))
    domains: dict[str, pd.DataFrame | None] = {}
    for d in ("dm", "suppdm", "lb", "vs", "ex", "ae"):
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
    raw.tables["measurements"] = _measurements(domains["lb"], domains["vs"], raw)
    raw.tables["infusions"] = _infusions(domains["ex"], raw)
    raw.tables["adverse_events"] = _adverse_events(domains["ae"], raw)
    raw.tables["insulin_free"] = RawTable(
        name="insulin_free", present=False,
        frame=pd.DataFrame({c: pd.Series(dtype=object)
                            for c in ["source_file", "source_row", *TABLES["insulin_free"].columns]}))
    return raw


def _subjects(dm: pd.DataFrame | None, supp: pd.DataFrame | None, raw: RawData) -> RawTable:
    if dm is None:
        return _unusable("subjects")
    file = str(dm["source_file"].iloc[0]) if len(dm) else "dm.xpt"
    arm = "ARMCD" if "ARMCD" in dm.columns or "ACTARMCD" not in dm.columns else "ACTARMCD"
    if not _require(dm, file, ["USUBJID", arm, "SEX", "RFSTDTC"], raw):
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
        _require(supp, str(supp["source_file"].iloc[0]) if len(supp) else "suppdm.xpt",
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


def _measurements(lb: pd.DataFrame | None, vs: pd.DataFrame | None, raw: RawData) -> RawTable:
    if lb is None:
        return _unusable("measurements")
    parts, names = [], {}
    specs = [(lb, "LB", "LBTESTCD")]
    if vs is not None:
        specs.append((vs, "VS", "VSTESTCD"))
    for frame, dom, testcd in specs:
        file = str(frame["source_file"].iloc[0]) if len(frame) else f"{dom.lower()}.xpt"
        p = dom
        if not _require(frame, file, ["USUBJID", "VISIT", testcd, f"{p}ORRES", f"{p}ORRESU"], raw):
            return _unusable("measurements")
        get = lambda c: frame[c] if c in frame.columns else pd.Series(np.nan, index=frame.index)  # noqa: E731
        if dom == "LB":
            keys = pd.DataFrame({"t": get("LBTESTCD"), "f": get("LBFAST"), "e": get("LBELTM"),
                                 "p": get("LBTPT")}).astype(object).fillna("")
            uniq = keys.drop_duplicates().copy()
            uniq["param"] = [lb_param(*r) for r in uniq[["t", "f", "e", "p"]].itertuples(index=False)]
            param = keys.merge(uniq, on=["t", "f", "e", "p"], how="left")["param"].to_numpy()
        else:
            param = np.where(get("VSTESTCD").str.upper().eq("WEIGHT"), "WEIGHT", None)
        param = pd.Series(param, index=frame.index, dtype=object)
        unused = param.isna().to_numpy()
        raw.exclusions.extend(
            Exclusion(file=file, row=int(r), table="measurements",
                      reason=f"{testcd} {t} is not a parameter t1dtrial uses",
                      subject=s if isinstance(s, str) else None)
            for r, t, s in zip(frame.loc[unused, "source_row"], frame.loc[unused, testcd],
                               frame.loc[unused, "USUBJID"]))
        bad = param.isin(["CPEPTIDE?", "CP-"]).to_numpy()
        for r, v in zip(frame.loc[bad, "source_row"], param[bad]):
            raw.problems.append(Problem(
                file=file, row=int(r), column="LBFAST" if v == "CPEPTIDE?" else "LBELTM",
                value=None, problem="C-peptide record: cannot tell fasting, postprandial or "
                                    "meal-test minute" if v == "CPEPTIDE?" else
                                    "C-peptide record before the meal (negative time point)",
                expected="LBFAST Y (fasting) or N (postprandial), or a time point after the meal "
                         "in LBELTM (PT30M) or LBTPT (30 MIN)"))
        keep = ~unused & ~bad
        part = frame.loc[keep].copy()
        part[testcd] = param[keep]
        dtc = f"{p}DTC"
        if dtc in part.columns:
            part[dtc] = part[dtc].str.slice(0, 10)
        mapping = {"subject_id": "USUBJID", "visit": "VISIT", "param": testcd,
                   "value": f"{p}ORRES", "unit": f"{p}ORRESU", "date": dtc}
        part = part.rename(columns={v: k for k, v in mapping.items() if v in part.columns})
        parts.append(part)
        names[file] = mapping
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
    if not _require(ex, file, ["USUBJID", "EXSTDTC"], raw):
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
        raw.problems.extend(Problem(file=file, row=int(r), column="EXDOSE", value=v,
                                    problem="not a number", expected="a number of cells")
                            for r, v in zip(ex.loc[not_number, "source_row"],
                                            ex.loc[not_number, "EXDOSE"]))
        for u, spec in parsed.items():
            rows = units.eq(u)
            if spec is None:
                raw.problems.extend(Problem(
                    file=file, row=int(r), column="EXDOSU", value=u, problem="unknown dose unit",
                    expected="cells/kg or cells, optionally with a power of ten (10^6 cells/kg)")
                    for r in ex.loc[rows, "source_row"])
                continue
            target = "cells_per_kg" if spec[1] else "total_cells"
            rows = rows & dose.notna()
            ex.loc[rows, target] = (dose[rows] * spec[0]).map(repr)
        no_unit = units.isna() & ex["EXDOSE"].notna()
        raw.problems.extend(Problem(file=file, row=int(r), column="EXDOSU", value=None,
                                    problem="dose without a unit",
                                    expected="cells/kg or cells (e.g. 10^6 cells/kg)")
                            for r in ex.loc[no_unit, "source_row"])
    mapping = {"subject_id": "USUBJID", "date": "EXSTDTC", "lot_id": "EXLOT", "route": "EXROUTE"}
    names = dict(mapping, cells_per_kg="EXDOSE", total_cells="EXDOSE")
    return _table("infusions", ex, mapping, {file: names})


def _adverse_events(ae: pd.DataFrame | None, raw: RawData) -> RawTable:
    if ae is None:
        return _unusable("adverse_events")
    file = str(ae["source_file"].iloc[0]) if len(ae) else "ae.xpt"
    sev = "AESEV" if "AESEV" in ae.columns else "AETOXGR"
    if not _require(ae, file, ["USUBJID", "AETERM", "AESTDTC", sev, "AESER", "AEREL"], raw):
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
