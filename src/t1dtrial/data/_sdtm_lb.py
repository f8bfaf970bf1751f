"""SDTM LB and VS records mapped onto measurements, C-peptide by the protocol's meal test.

The rules are those of the module docstring of :mod:`t1dtrial.data.sdtm`
(section "Laboratory tests"); :func:`lb_params` applies them to one record.

Examples
--------
>>> lb_params("CPEPTIDE", "N", "", "120 MIN", meal=MealSampling(postprandial_minute=120))
('PCP',)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import Problem
from ._raw import RawData
from ._sdtm_common import column, file_of, require
from .contract import is_known_param, meal_sample_minutes
from .log import Exclusion

if TYPE_CHECKING:
    from ..protocol import Protocol

__all__ = ["MealSampling", "lb_params", "lb_param", "domain_part", "SERUM_INSULIN_REASON"]

#: Why an LB record with LBTESTCD INSULIN is not used (load log exclusion).
SERUM_INSULIN_REASON = ("LBTESTCD INSULIN is serum insulin, a laboratory value, not the daily "
                        "insulin dose (read from CM, or LB INSDOSE): not used")

_CPEP = {"CPEPTIDE", "CPEPTID", "CPEP"}
_SYNONYMS = {"INSDOSE": "INSULIN"}
_SERUM_INSULIN = "INSULIN"
_ELTM = re.compile(r"^-?P(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?)$")
_TPT = re.compile(r"(-?\d+)\s*(MIN|MINS|MINUTES|M|H|HR|HRS|HOUR|HOURS)\b")
#: Codes lb_params returns for a C-peptide record that cannot be told, and the problem.
_UNTOLD = {
    "!kind": ("LBFAST", "C-peptide record: cannot tell fasting, postprandial or meal-test minute"),
    "!before": ("LBELTM", "C-peptide record before the meal (negative time point)"),
    "!fed0": ("LBFAST", "C-peptide record at minute 0 of the meal test marked not fasting "
                        "(LBFAST N)"),
}


@dataclass(frozen=True)
class MealSampling:
    """What a timed meal-test sample is, from the protocol's meal test.

    Parameters
    ----------
    postprandial_minute : int, optional
        ``meal_test.postprandial_minute``: the sample at that minute is ``PCP``.
    sample_minutes : tuple of int
        :func:`~t1dtrial.data.contract.meal_sample_minutes`: samples at these
        minutes are also kept as ``CPxx`` (for the AUC).
    needs_pcp : bool
        Whether an endpoint of the protocol uses ``PCP``.

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> MealSampling.of(load_protocol("lu2021"))
    MealSampling(postprandial_minute=120, sample_minutes=(), needs_pcp=True)
    """

    postprandial_minute: int | None = None
    sample_minutes: tuple[int, ...] = ()
    needs_pcp: bool = False

    @classmethod
    def of(cls, protocol: "Protocol") -> "MealSampling":
        """The sampling rules of a protocol."""
        needs = any("PCP" in (getattr(e, "params", None) or [getattr(e, "param", None)])
                    for e in protocol.all_endpoints)
        return cls(protocol.meal_test.postprandial_minute, meal_sample_minutes(protocol), needs)


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


def _cpeptide(minute: float, flag: str, meal: MealSampling) -> tuple[str, ...]:
    if np.isnan(minute):
        return {"Y": ("FCP",), "N": ("PCP",)}.get(flag, ("!kind",))
    if minute < 0:
        return ("!before",)
    m = int(minute)
    if m == 0:
        return ("!fed0",) if flag == "N" else ("FCP", "CP0")[:2 if 0 in meal.sample_minutes else 1]
    if m == meal.postprandial_minute:
        return ("PCP", f"CP{m}")[:2 if m in meal.sample_minutes else 1]
    return (f"CP{m}",)


def _glucose(minute: float, flag: str, meal: MealSampling) -> tuple[str, ...]:
    if np.isnan(minute):
        return ("FPG",) if flag == "Y" else ("PPG",)
    if minute == 0:
        return ("FPG",)
    return ("PPG",) if minute == (meal.postprandial_minute or 120) else ()


def lb_params(testcd: object, fast: object = None, eltm: object = None, tpt: object = None, *,
              meal: MealSampling = MealSampling()) -> tuple[str, ...]:
    """Contract parameters of one LB record (see the module docstring); () if not used.

    A C-peptide record that cannot be told gives one code starting with ``!``.

    Examples
    --------
    >>> lu, mmtt = MealSampling(120), MealSampling(None, (0, 30, 60, 120))
    >>> lb_params("CPEPTIDE", "N", "PT120M", meal=lu), lb_params("CPEPTIDE", "Y", "", "0 MIN")
    (('PCP',), ('FCP',))
    >>> lb_params("CPEPTIDE", "Y", "PT0M", meal=mmtt), lb_params("CPEPTIDE", "N", "PT2H", meal=mmtt)
    (('FCP', 'CP0'), ('CP120',))
    >>> lb_params("INSULIN"), lb_params("INSDOSE")
    ((), ('INSULIN',))
    """
    if not isinstance(testcd, str):
        return ()
    code = testcd.strip().upper()
    if code == _SERUM_INSULIN:
        return ()
    code = _SYNONYMS.get(code, code)
    flag = fast.strip().upper() if isinstance(fast, str) else ""
    if code in _CPEP:
        return _cpeptide(_minutes(eltm, tpt), flag, meal)
    if code == "GLUC":
        return _glucose(_minutes(eltm, tpt), flag, meal)
    return (code,) if is_known_param(code) else ()


def lb_param(testcd: object, fast: object = None, eltm: object = None, tpt: object = None, *,
             meal: MealSampling = MealSampling()) -> str | None:
    """The first contract parameter of one LB record (:func:`lb_params`), or None if not used.

    Examples
    --------
    >>> lb_param("CPEPTIDE", "Y"), lb_param("CPEPTIDE", "N"), lb_param("CPEPTIDE", None, "PT30M")
    ('FCP', 'PCP', 'CP30')
    >>> lb_param("CPEPTIDE", "N", None, "120 MIN", meal=MealSampling(postprandial_minute=120))
    'PCP'
    >>> lb_param("GLUC", "Y"), lb_param("HBA1C"), lb_param("ALT"), lb_param("INSULIN")
    ('FPG', 'HBA1C', None, None)
    """
    params = lb_params(testcd, fast, eltm, tpt, meal=meal)
    return params[0] if params else None


def _unused_reason(testcd: object, eltm: object, tpt: object, name: str = "LBTESTCD") -> str:
    code = testcd.strip().upper() if isinstance(testcd, str) else testcd
    if name == "LBTESTCD" and code == _SERUM_INSULIN:
        return SERUM_INSULIN_REASON
    if name == "LBTESTCD" and code == "GLUC":
        return (f"LBTESTCD GLUC at minute {_minutes(eltm, tpt):g} of the meal test is not a "
                "parameter t1dtrial uses (fasting and postprandial glucose are)")
    return f"{name} {testcd} is not a parameter t1dtrial uses"


def _lb_params(frame: pd.DataFrame, meal: MealSampling) -> pd.Series:
    """:func:`lb_params` of every LB record (computed once per distinct key)."""
    keys = pd.DataFrame({"t": column(frame, "LBTESTCD"), "f": column(frame, "LBFAST"),
                         "e": column(frame, "LBELTM"), "p": column(frame, "LBTPT")}
                        ).astype(object).fillna("")
    uniq = keys.drop_duplicates().copy()
    uniq["params"] = [lb_params(*r, meal=meal)
                      for r in uniq[["t", "f", "e", "p"]].itertuples(index=False)]
    params = keys.merge(uniq, on=["t", "f", "e", "p"], how="left")["params"].to_numpy()
    return pd.Series(params, index=frame.index, dtype=object)


def _untold(frame: pd.DataFrame, file: str, first: pd.Series, raw: RawData) -> np.ndarray:
    """Report C-peptide records that cannot be told; their mask."""
    bad = first.isin(list(_UNTOLD)).to_numpy()
    sel = frame.loc[bad]
    for r, code, s, v in zip(sel["source_row"], first[bad], sel["USUBJID"], sel["VISIT"]):
        name, problem = _UNTOLD[code]
        raw.problems.append(Problem(
            file=file, row=int(r), column=name, value=None, problem=problem,
            subject=s if isinstance(s, str) else None, visit=v if isinstance(v, str) else None,
            expected="LBFAST Y (fasting) or N (postprandial), or a time point after the meal "
                     "in LBELTM (PT30M) or LBTPT (30 MIN); minute 0 is the fasting sample"))
    return bad


def _unnamed_postprandial(file: str, first: pd.Series, meal: MealSampling, raw: RawData) -> None:
    """An error when the endpoints need PCP, no record gives it, and timed samples exist that
    the protocol's meal test does not name (no postprandial_minute)."""
    if not meal.needs_pcp or meal.postprandial_minute is not None or first.eq("PCP").any():
        return
    timed = sorted({int(c[2:]) for c in first.dropna() if re.fullmatch(r"CP\d+", c) and c != "CP0"})
    if timed:
        raw.problems.append(Problem(
            file=file, row=None, column="LBTPT", value=None,
            problem=f"the protocol's endpoints use postprandial C-peptide (PCP), but its meal test "
                    f"names no postprandial_minute: C-peptide at minute(s) "
                    f"{', '.join(map(str, timed))} cannot be taken for PCP",
            expected="meal_test.postprandial_minute in the protocol (e.g. 120 for a 2-h "
                     "C-peptide), or LBFAST N without a time point"))


def domain_part(frame: pd.DataFrame, dom: str, raw: RawData, meal: MealSampling
                ) -> tuple[pd.DataFrame, dict] | None:
    """Measurement rows of LB or VS, with their column names; None if a variable is missing."""
    file, testcd = file_of(frame, dom.lower()), f"{dom}TESTCD"
    if not require(frame, file, ["USUBJID", "VISIT", testcd, f"{dom}ORRES", f"{dom}ORRESU"], raw):
        return None
    if dom == "LB":
        params = _lb_params(frame, meal)
    else:
        params = pd.Series([("WEIGHT",) if str(t).upper() == "WEIGHT" else ()
                            for t in frame[testcd]], index=frame.index, dtype=object)
    first = params.map(lambda p: p[0] if p else None)
    unused = first.isna().to_numpy()
    sel = frame.loc[unused]
    raw.exclusions.extend(
        Exclusion(file=file, row=int(r), table="measurements",
                  reason=_unused_reason(t, e, p, testcd), subject=s if isinstance(s, str) else None)
        for r, t, e, p, s in zip(sel["source_row"], sel[testcd], column(sel, "LBELTM"),
                                 column(sel, "LBTPT"), sel["USUBJID"]))
    bad = _untold(frame, file, first, raw) if dom == "LB" else np.zeros(len(frame), dtype=bool)
    if dom == "LB":
        _unnamed_postprandial(file, first, meal, raw)
    keep = ~unused & ~bad
    part = frame.loc[keep].copy()
    part[testcd] = first[keep]
    second = params[keep].map(lambda p: p[1] if len(p) > 1 else None)
    if second.notna().any():  # the same sample is also a meal-test sample (CP0, CP120 ...)
        also = part.loc[second.notna()].assign(**{testcd: second.dropna()})
        part = pd.concat([part, also]).sort_values("source_row", kind="stable")
    dtc = f"{dom}DTC"
    if dtc in part.columns:
        part[dtc] = part[dtc].str.slice(0, 10)
    mapping = {"subject_id": "USUBJID", "visit": "VISIT", "param": testcd,
               "value": f"{dom}ORRES", "unit": f"{dom}ORRESU", "date": dtc}
    part = part.rename(columns={v: k for k, v in mapping.items() if v in part.columns})
    return part, {file: mapping}
