"""SDTM CM (concomitant medications): the daily insulin dose and insulin-free episodes.

The rules are those of the module docstring of :mod:`t1dtrial.data.sdtm`
(section "Insulin"): insulin records with a ``VISIT`` give the total daily
dose at that visit (measurement ``INSULIN``); insulin records without one are
periods of insulin treatment, and the times after the first infusion that no
period covers are the insulin-free episodes (table ``insulin_free``).

Examples
--------
>>> import pandas as pd
>>> cm = pd.DataFrame({"USUBJID": ["S1", "S1", "S1"], "CMTRT": ["INSULIN", "INSULIN", "INSULIN"],
...     "VISIT": [None, None, "MONTH 3"], "CMDOSTOT": [None, None, "0"],
...     "CMDOSU": [None, None, "U"],
...     "CMSTDTC": ["2019-01-05", "2020-11-04", None], "CMENDTC": ["2020-06-10", None, None],
...     "source_file": "cm.csv", "source_row": [2, 3, 4]})
>>> episodes(cm, is_insulin(cm), pd.Series({"S1": pd.Timestamp("2020-03-01")})
...          ).frame[["subject_id", "start_date", "end_date", "source_row"]].values.tolist()
[['S1', '2020-06-10', '2020-11-04', 2]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import Problem
from ._parse import DATE_EXPECTED, parse_dates, parse_numbers
from ._raw import SRC_PREFIX, RawData, RawTable
from ._sdtm_common import column, file_of
from .log import Exclusion
from .units import normalise_unit

__all__ = ["is_insulin", "daily_unit", "dose_records", "episodes", "treatment_start",
           "DAILY_FREQUENCIES"]

#: CMDOSFRQ values that mean "once a day" (CMDOSE is then the daily dose).
DAILY_FREQUENCIES = frozenset({"QD", "Q24H", "DAILY", "EVERY DAY", "ONCE DAILY", "ONCE A DAY",
                               "PER DAY", "/DAY", "1 TIME PER DAY"})

_NAME_VARIABLES = ("CMTRT", "CMDECOD", "CMCAT", "CMSCAT", "CMCLAS")
_INSULIN_ATC = "A10A"
_DAY = pd.Timedelta(days=1)
_ONGOING = pd.Timestamp("2262-01-01")  # stands for a blank CMENDTC (ongoing)
_DOSE_NAMES = {"subject_id": "USUBJID", "visit": "VISIT", "param": "CMTRT", "value": "CMDOSTOT",
               "unit": "CMDOSU", "date": "CMDTC"}
_EPISODE_NAMES = {"subject_id": "USUBJID", "start_date": "CMENDTC", "end_date": "CMSTDTC"}


def is_insulin(cm: pd.DataFrame) -> np.ndarray:
    """Which CM records are insulin: INSULIN in CMTRT, CMDECOD, CMCAT, CMSCAT or CMCLAS,
    or an ATC class code of insulins (CMCLASCD A10A...).

    Examples
    --------
    >>> is_insulin(pd.DataFrame({"CMTRT": ["Insulin glargine", "Paracetamol", "Lantus"],
    ...                          "CMCLASCD": [None, "N02BE", "A10AE04"]})).tolist()
    [True, False, True]
    """
    mask = np.zeros(len(cm), dtype=bool)
    for name in _NAME_VARIABLES:
        if name in cm.columns:
            mask |= cm[name].str.upper().str.contains("INSULIN", na=False).to_numpy(dtype=bool)
    if "CMCLASCD" in cm.columns:
        codes = cm["CMCLASCD"].str.upper().str.strip()
        mask |= codes.str.startswith(_INSULIN_ATC, na=False).to_numpy(dtype=bool)
    return mask


def daily_unit(text: object) -> object:
    """CMDOSU read as a unit per day: ``U`` -> ``U/day``, ``U/kg`` -> ``U/kg/day``.

    A unit already per day is kept; an unknown one is returned as it is (the
    validator names it).

    Examples
    --------
    >>> daily_unit("U"), daily_unit("IU/kg"), daily_unit("U/day"), daily_unit("mg")
    ('U/day', 'IU/kg/day', 'U/day', 'mg')
    """
    if not isinstance(text, str):
        return text
    if normalise_unit(text) in ("U/day", "U/kg/day"):
        return text
    per_day = f"{text.strip()}/day"
    return per_day if normalise_unit(per_day) in ("U/day", "U/kg/day") else text


def _problem(raw: RawData, file: str, frame: pd.DataFrame, mask: pd.Series, column_name: str,
             problem: str, expected: str, *, severity: str = "error") -> None:
    sel = frame.loc[mask.to_numpy(dtype=bool)]
    value = column(sel, column_name)
    visit = column(sel, "VISIT")
    for r, s, v, vis in zip(sel["source_row"], column(sel, "USUBJID"), value, visit):
        raw.problems.append(Problem(
            file=file, row=int(r), column=column_name, value=v if isinstance(v, str) else None,
            problem=problem, expected=expected, severity=severity,  # type: ignore[arg-type]
            subject=s if isinstance(s, str) else None,
            visit=vis if isinstance(vis, str) else None))


def exclude_other_medications(cm: pd.DataFrame, insulin: np.ndarray, raw: RawData) -> None:
    """List the CM records that are not insulin in the load log's exclusions."""
    file = file_of(cm, "cm")
    other = cm.loc[~insulin]
    raw.exclusions.extend(
        Exclusion(file=file, row=int(r), table="measurements",
                  reason=f"CMTRT {t} is not an insulin: not used",
                  subject=s if isinstance(s, str) else None)
        for r, t, s in zip(other["source_row"], column(other, "CMTRT"), column(other, "USUBJID")))


def dose_records(cm: pd.DataFrame, insulin: np.ndarray, raw: RawData) -> tuple[pd.DataFrame, dict]:
    """Measurement rows (``INSULIN``, total daily dose) of the insulin records with a VISIT.

    Returns the rows (contract columns, ``_src:value`` naming CMDOSTOT, CMDOSE or
    CMOCCUR, CM variables kept as extra columns) and their column names.
    """
    file = file_of(cm, "cm")
    d = cm.loc[insulin & column(cm, "VISIT").notna().to_numpy()].copy()
    total, dose = column(d, "CMDOSTOT"), column(d, "CMDOSE")
    daily = column(d, "CMDOSFRQ").str.upper().str.strip().isin(DAILY_FREQUENCIES)
    not_taken = column(d, "CMOCCUR").str.upper().str.strip().eq("N")
    per_dose = total.isna() & dose.notna()
    zero = total.isna() & dose.isna() & not_taken
    none = total.isna() & dose.isna() & ~not_taken
    _problem(raw, file, d, per_dose & ~daily, "CMDOSFRQ",
             "a dose per administration that is not given once a day is not the total daily "
             "insulin dose",
             "CMDOSTOT (total daily dose), or CMDOSE with CMDOSFRQ QD")
    _problem(raw, file, d, none, "CMDOSTOT", "insulin record at a visit without a daily dose",
             "CMDOSTOT (total daily dose, CMDOSU U or U/kg), CMDOSE with CMDOSFRQ QD, or "
             "CMOCCUR N when no insulin was taken")
    value = total.where(~(per_dose & daily), dose).where(~zero, "0")
    unit = column(d, "CMDOSU").map(daily_unit).astype(object)
    unit = unit.where(~(zero & unit.isna()), "U/kg/day")
    keep = ~(per_dose & ~daily) & ~none
    d[f"{SRC_PREFIX}value"] = np.select([per_dose & daily, zero], ["CMDOSE", "CMOCCUR"],
                                        "CMDOSTOT").astype(object)
    d = d.assign(subject_id=column(d, "USUBJID"), visit=column(d, "VISIT"), param="INSULIN",
                 value=value, unit=unit, date=column(d, "CMDTC").str.slice(0, 10))
    d = d.drop(columns=[c for c in ("USUBJID", "VISIT", "CMDTC") if c in d.columns])
    return d.loc[keep.to_numpy(dtype=bool)], {file: dict(_DOSE_NAMES)}


def treatment_start(dm: pd.DataFrame | None, ex: pd.DataFrame | None) -> pd.Series:
    """Each participant's first infusion (earliest EX.EXSTDTC), else DM.RFSTDTC, by USUBJID.

    Examples
    --------
    >>> dm = pd.DataFrame({"USUBJID": ["A", "B"], "RFSTDTC": ["2020-01-01", "2020-02-01T10:00"]})
    >>> ex = pd.DataFrame({"USUBJID": ["A", "A"], "EXSTDTC": ["2020-01-09", "2020-01-08"]})
    >>> treatment_start(dm, ex).dt.strftime("%Y-%m-%d").to_dict()
    {'A': '2020-01-08', 'B': '2020-02-01'}
    """
    parts = []
    for frame, name in ((ex, "EXSTDTC"), (dm, "RFSTDTC")):
        if frame is not None and {"USUBJID", name} <= set(frame.columns):
            dates = parse_dates(frame[name])[0]
            parts.append(dates.groupby(frame["USUBJID"].to_numpy()).min().dropna())
    if not parts:
        return pd.Series(dtype="datetime64[ns]")
    start = parts[0]
    for more in parts[1:]:
        start = start.combine_first(more)
    return start


def _periods(cm: pd.DataFrame, insulin: np.ndarray, raw: RawData) -> pd.DataFrame | None:
    """Insulin treatment periods (records without VISIT) that cover time, or None if none."""
    file = file_of(cm, "cm")
    p = cm.loc[insulin & column(cm, "VISIT").isna().to_numpy()]
    if not len(p):
        return None
    start, bad_start = parse_dates(column(p, "CMSTDTC"))
    end, bad_end = parse_dates(column(p, "CMENDTC"))
    no_start = column(p, "CMSTDTC").isna()
    _problem(raw, file, p, no_start, "CMSTDTC",
             "insulin record with neither a VISIT (a daily dose at a visit) nor a start date "
             "(a period of insulin treatment)", "VISIT with CMDOSTOT, or CMSTDTC (and CMENDTC "
             "when it ended)")
    _problem(raw, file, p, bad_start, "CMSTDTC", "not a date", DATE_EXPECTED)
    _problem(raw, file, p, bad_end, "CMENDTC", "not a date", DATE_EXPECTED)
    reversed_ = end.notna() & start.notna() & (end < start)
    _problem(raw, file, p, reversed_, "CMENDTC", "insulin treatment ends before it starts",
             "CMENDTC on or after CMSTDTC")
    doses = [parse_numbers(column(p, c))[0] for c in ("CMDOSTOT", "CMDOSE")]
    nothing = column(p, "CMOCCUR").str.upper().str.strip().eq("N") | doses[0].eq(0) | \
        (doses[0].isna() & doses[1].eq(0))
    ok = start.notna() & ~bad_end & ~reversed_ & ~nothing
    return pd.DataFrame({"sid": column(p, "USUBJID")[ok].astype(str), "start": start[ok],
                         "end": end[ok].fillna(_ONGOING), "row": p.loc[ok, "source_row"]})


def _gaps(periods: pd.DataFrame) -> pd.DataFrame:
    """Times no period covers, between periods and after the last one (subject, start, end, row)."""
    f = periods.sort_values(["sid", "start", "end"], kind="stable").reset_index(drop=True)
    by = f.groupby("sid", sort=False)
    f["reach"] = by["end"].cummax()
    f["reach_row"] = f["row"].where(f["end"] >= f["reach"]).groupby(f["sid"]).ffill()
    prev_reach = by["reach"].shift()
    prev_row = by["reach_row"].shift()
    inside = prev_reach.notna() & (f["start"] > prev_reach + _DAY)
    between = pd.DataFrame({"sid": f["sid"][inside], "start": prev_reach[inside],
                            "end": f["start"][inside], "row": prev_row[inside]})
    last = f.groupby("sid", sort=False).tail(1)
    last = last.loc[last["reach"] < _ONGOING]
    after = pd.DataFrame({"sid": last["sid"], "start": last["reach"],
                          "end": pd.Series(pd.NaT, index=last.index, dtype="datetime64[ns]"),
                          "row": last["reach_row"]})
    return pd.concat([between, after], ignore_index=True)


def episodes(cm: pd.DataFrame, insulin: np.ndarray, first_dose: pd.Series,
             raw: RawData | None = None, subjects: list[str] | None = None) -> RawTable | None:
    """The ``insulin_free`` table from CM insulin periods, or None when CM records none.

    Parameters
    ----------
    cm : DataFrame
        The CM domain (text cells, ``source_file``, ``source_row``).
    insulin : boolean array
        :func:`is_insulin` of ``cm``.
    first_dose : Series
        Start of treatment by USUBJID (:func:`treatment_start`): episodes are
        the uncovered times after it.
    raw : RawData, optional
        Receives located problems (bad dates) and warnings.
    subjects : list of str, optional
        Participants (DM); one without any insulin period gets a warning.
    """
    raw = raw if raw is not None else RawData(format="sdtm", source="")
    periods = _periods(cm, insulin, raw)
    if periods is None:
        return None
    file = file_of(cm, "cm")
    uncovered = sorted(set(subjects or []) - set(periods["sid"]))
    raw.problems.extend(Problem(
        file=file, row=None, column="CMSTDTC", value=None, subject=s, severity="warning",
        problem="no insulin treatment period in CM for this participant: insulin-free episodes "
                "cannot be told", expected="CM insulin records without VISIT, with CMSTDTC and "
                                           "CMENDTC (blank while ongoing)") for s in uncovered)
    g = _gaps(periods)
    ref = g["sid"].map(first_dose) if len(first_dose) else pd.Series(pd.NaT, index=g.index)
    ref = pd.to_datetime(ref)
    g = g.loc[~(g["end"].notna() & ref.notna() & (g["end"] <= ref))]
    ref = ref.loc[g.index]
    start = g["start"].where(ref.isna() | (g["start"] >= ref), ref)
    frame = pd.DataFrame({
        "source_file": file, "subject_id": g["sid"].astype(object),
        "start_date": start.dt.strftime("%Y-%m-%d").astype(object),
        "end_date": g["end"].dt.strftime("%Y-%m-%d").astype(object).where(g["end"].notna()),
        "source_row": g["row"].astype("int64")})
    frame = frame.sort_values(["subject_id", "start_date"], kind="stable").reset_index(drop=True)
    return RawTable(name="insulin_free", frame=frame, column_names={file: dict(_EPISODE_NAMES)})
