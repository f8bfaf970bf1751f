"""ADLB, the laboratory analysis dataset (CDISC BDS): records, baseline, analysis flags, change.

ADLB holds every usable measurement record, one row a record, with the
analysis visit (AVISIT), the study day, the baseline flag (ABLFL) and one
analysis record flagged per subject, parameter and visit (ANL01FL = "Y").
Filtering ``ANL01FL == "Y"`` gives one row per subject x PARAMCD x AVISIT.
Derived parameters (INSDOSE, IDAA1C, CPAUC, CPMAUC) are added as new rows
with ``PARAMTYP = "DERIVED"`` by :mod:`t1dtrial.derive._params`.

Records that cannot enter ADLB (unknown subject, visit or parameter, missing
value) are returned by :func:`lab_exclusions` with their reason, so every
input record is either in ADLB or in the exclusions.

Examples
--------
>>> import pandas as pd
>>> from t1dtrial.protocol import load_protocol
>>> p = load_protocol("lu2021")
>>> subjects = pd.DataFrame({"subject_id": ["S1"], "arm": ["CONTROL"],
...     "enrolment_date": pd.to_datetime(["2020-01-01"])})
>>> infusions = pd.DataFrame(columns=["subject_id", "infusion_number", "date"])
>>> m = pd.DataFrame({"subject_id": ["S1", "S1"], "visit": ["BL", "M12"],
...     "date": pd.to_datetime(["2020-01-01", "2021-01-01"]), "param": ["FCP", "FCP"],
...     "value": [0.20, 0.25], "unit": ["nmol/L", "nmol/L"]})
>>> adlb = derive_adlb(m, subjects, infusions, p)
>>> adlb[["AVISIT", "AVAL", "BASE", "CHG", "PCHG", "ABLFL"]].round(6).values.tolist()
[['BL', 0.2, 0.2, nan, nan, 'Y'], ['M12', 0.25, 0.2, 0.05, 25.0, '']]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.contract import is_known_param, param_spec
from ..errors import InputError
from ..protocol import Protocol
from ._common import (
    ady_to_rel,
    as_dates,
    check_frame,
    check_protocol,
    compute_ady,
    first_in_group,
    group_codes,
    subject_day0,
)

__all__ = [
    "ADLB_COLUMNS",
    "lab_record_status",
    "lab_exclusions",
    "derive_lab_records",
    "derive_var_ablfl",
    "derive_var_anl01fl",
    "derive_vars_chg",
    "derive_adlb",
]

#: Columns of ADLB, in order.
ADLB_COLUMNS: list[str] = [
    "STUDYID", "USUBJID", "PARAMCD", "PARAM", "PARAMTYP", "VISIT", "AVISIT", "AVISITN",
    "ADT", "ADY", "AVAL", "DTYPE", "OUTWINFL", "ABLFL", "ANL01FL", "BASE", "CHG", "PCHG",
    "PCHGREAS", "SRCSEQ", "SRCFILE", "SRCROW",
]

_MEASUREMENT_COLUMNS = ["subject_id", "visit", "param", "value"]

#: Reasons a measurement record does not enter ADLB.
REASON_SUBJECT = "subject not in the subjects table"
REASON_VISIT = "visit not in the protocol's schedule"
REASON_PARAM = "unknown parameter"
REASON_VALUE = "value missing"


def _text(values: pd.Series) -> pd.Series:
    """Values as str (missing kept as NA), index kept."""
    return values.astype("string").astype(object).where(values.notna(), None)


def _lookup(values: pd.Series, mapping: dict, default: object = np.nan) -> np.ndarray:
    """Map values through a dict, fast on long columns with few distinct values."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.array([mapping.get(u, default) for u in uniques] + [default], dtype=object)
    return table[codes]


def lab_record_status(measurements: pd.DataFrame, subjects: pd.DataFrame,
                      protocol: Protocol) -> pd.Series:
    """Why each measurement record cannot enter ADLB (NA when it can).

    Rules, applied in this order (the first that applies is the reason):

    1. the subject is not in ``subjects`` -> "subject not in the subjects table";
    2. the visit is not a protocol visit -> "visit not in the protocol's schedule";
    3. the parameter is not in the input contract -> "unknown parameter";
    4. the value is missing -> "value missing".

    Parameters
    ----------
    measurements, subjects : DataFrame
        Canonical tables (docs/internals.md).
    protocol : Protocol

    Returns
    -------
    Series of str or NA, aligned with ``measurements``.

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> m = pd.DataFrame({"subject_id": ["S1", "S9", "S1"], "visit": ["BL", "BL", "W2"],
    ...                   "param": ["FCP"] * 3, "value": [0.3, 0.3, 0.3]})
    >>> s = pd.DataFrame({"subject_id": ["S1"]})
    >>> lab_record_status(m, s, load_protocol("lu2021")).tolist()
    [None, 'subject not in the subjects table', "visit not in the protocol's schedule"]
    """
    fn = "lab_record_status"
    check_frame(measurements, "measurements", fn, _MEASUREMENT_COLUMNS)
    check_frame(subjects, "subjects", fn, ["subject_id"])
    check_protocol(protocol, fn)
    known_subjects = set(subjects["subject_id"].astype(str))
    subject_ok = _lookup(measurements["subject_id"].astype(str),
                         {s: True for s in known_subjects}, False).astype(bool)
    visit_ok = _lookup(_text(measurements["visit"]),
                       {v: True for v in protocol.visit_codes}, False).astype(bool)
    params = _text(measurements["param"])
    param_ok = _lookup(params, {p: is_known_param(p) for p in params.dropna().unique()},
                       False).astype(bool)
    value_ok = pd.to_numeric(measurements["value"], errors="coerce").notna().to_numpy()
    reason = np.select([~subject_ok, ~visit_ok, ~param_ok, ~value_ok],
                       [REASON_SUBJECT, REASON_VISIT, REASON_PARAM, REASON_VALUE], default="")
    out = pd.Series(reason, index=measurements.index, dtype=object)
    return out.where(out != "", None)


def lab_exclusions(measurements: pd.DataFrame, subjects: pd.DataFrame,
                   protocol: Protocol) -> pd.DataFrame:
    """Measurement records that do not enter ADLB, one row each, with the reason.

    Returns
    -------
    DataFrame
        ``SRCSEQ`` (0-based position in ``measurements``), ``SRCFILE``,
        ``SRCROW``, ``subject_id``, ``visit``, ``param``, ``value``, ``reason``.

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> m = pd.DataFrame({"subject_id": ["S1", "S1"], "visit": ["BL", "M3"],
    ...                   "param": ["FCP", "FCP"], "value": [0.3, None]})
    >>> s = pd.DataFrame({"subject_id": ["S1"]})
    >>> lab_exclusions(m, s, load_protocol("lu2021"))[["SRCSEQ", "reason"]].values.tolist()
    [[1, 'value missing']]
    """
    reason = lab_record_status(measurements, subjects, protocol)
    bad = reason.notna().to_numpy()
    out = pd.DataFrame({
        "SRCSEQ": np.flatnonzero(bad),
        "SRCFILE": _optional(measurements, "source_file", bad, "measurements.csv"),
        "SRCROW": _optional(measurements, "source_row", bad, pd.NA),
        "subject_id": measurements["subject_id"].to_numpy()[bad],
        "visit": measurements["visit"].to_numpy()[bad],
        "param": measurements["param"].to_numpy()[bad],
        "value": measurements["value"].to_numpy()[bad],
        "reason": reason.to_numpy()[bad],
    })
    out["SRCROW"] = out["SRCROW"].astype("Int64")
    return out


def _optional(df: pd.DataFrame, column: str, mask: np.ndarray, default: object) -> np.ndarray:
    if column in df.columns:
        return df[column].to_numpy()[mask]
    return np.full(int(mask.sum()), default, dtype=object)


def derive_lab_records(measurements: pd.DataFrame, subjects: pd.DataFrame,
                       infusions: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Turn usable measurement records into ADLB rows (before flags and change).

    Algorithm
    ---------
    1. Keep the records :func:`lab_record_status` accepts (input order kept).
    2. USUBJID = subject_id; PARAMCD = param; PARAM = label with canonical unit;
       VISIT = AVISIT = the recorded visit; AVISITN = its nominal study day.
    3. ADT = date; ADY = CDISC study day from day 0 (first infusion, else enrolment).
    4. OUTWINFL = "Y" when the date lies outside the recorded visit's window.
    5. DTYPE = "HALFLOD" or "LOD" for values below the detection limit
       (column ``below_lod``), per ``analysis.below_detection``.
    6. SRCSEQ = 0-based position in ``measurements``; SRCFILE, SRCROW from
       ``source_file``/``source_row`` when present.

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> s = pd.DataFrame({"subject_id": ["S1"], "enrolment_date": pd.to_datetime(["2020-01-01"])})
    >>> i = pd.DataFrame({"subject_id": ["S1"], "infusion_number": [1],
    ...                   "date": pd.to_datetime(["2020-01-03"])})
    >>> m = pd.DataFrame({"subject_id": ["S1"], "visit": ["M1"], "param": ["FCP"],
    ...                   "value": [0.3], "date": pd.to_datetime(["2020-03-01"])})
    >>> r = derive_lab_records(m, s, i, load_protocol("lu2021"))
    >>> r[["AVISIT", "AVISITN", "ADY", "OUTWINFL"]].values.tolist()
    [['M1', 30, 59, 'Y']]
    """
    fn = "derive_lab_records"
    check_frame(measurements, "measurements", fn, _MEASUREMENT_COLUMNS)
    check_frame(subjects, "subjects", fn, ["subject_id", "enrolment_date"])
    check_frame(infusions, "infusions", fn, ["subject_id", "date"])
    check_protocol(protocol, fn)
    keep = lab_record_status(measurements, subjects, protocol).isna().to_numpy()
    m = measurements.loc[keep]
    n = len(m)
    usubjid = m["subject_id"].astype(str)
    paramcd = _text(m["param"])
    visit = _text(m["visit"])
    day0 = subject_day0(subjects, infusions)
    codes, uniques = pd.factorize(usubjid)
    d0 = day0.reindex(uniques).to_numpy()[codes] if n else np.array([], dtype="datetime64[ns]")
    if "date" in m.columns:
        adt = as_dates(m["date"], "measurements", fn, "date")
    else:
        adt = pd.Series(pd.NaT, index=m.index, dtype="datetime64[ns]")
    rel = (adt.to_numpy() - d0).astype("timedelta64[D]").astype("float64")
    rel[pd.isna(adt).to_numpy()] = np.nan
    nominal = _lookup(visit, {v.code: v.day for v in protocol.visits}).astype("float64")
    earliest = _lookup(visit, {v.code: v.earliest for v in protocol.visits}).astype("float64")
    latest = _lookup(visit, {v.code: v.latest for v in protocol.visits}).astype("float64")
    with np.errstate(invalid="ignore"):
        outside = ~np.isnan(rel) & ((rel < earliest) | (rel > latest))
    if "below_lod" in m.columns:
        below = m["below_lod"].fillna(False).astype(bool).to_numpy()
    else:
        below = np.zeros(n, dtype=bool)
    lod_type = "HALFLOD" if protocol.analysis.below_detection == "half" else "LOD"
    labels = {p: param_spec(p).param for p in paramcd.unique()}
    out = pd.DataFrame({
        "STUDYID": protocol.id,
        "USUBJID": usubjid.to_numpy(),
        "PARAMCD": paramcd.to_numpy(),
        "PARAM": _lookup(paramcd, labels),
        "PARAMTYP": "",
        "VISIT": visit.to_numpy(),
        "AVISIT": visit.to_numpy(),
        "AVISITN": nominal.astype("int64") if n else np.array([], dtype="int64"),
        "ADT": adt.to_numpy(),
        "ADY": compute_ady(pd.Series(rel).round().astype("Int64")).to_numpy(),
        "AVAL": pd.to_numeric(m["value"], errors="coerce").astype("float64").to_numpy(),
        "DTYPE": np.where(below, lod_type, ""),
        "OUTWINFL": np.where(outside, "Y", ""),
        "SRCSEQ": np.flatnonzero(keep),
        "SRCFILE": (m["source_file"].to_numpy() if "source_file" in m.columns
                    else np.full(n, "measurements.csv", dtype=object)),
        "SRCROW": (pd.array(m["source_row"], dtype="Int64") if "source_row" in m.columns
                   else pd.array([pd.NA] * n, dtype="Int64")),
    })
    out["ADY"] = out["ADY"].astype("Int64")
    out["SRCSEQ"] = out["SRCSEQ"].astype("Int64")
    return out


def _rel_and_nominal(dataset: pd.DataFrame, protocol: Protocol) -> tuple[np.ndarray, np.ndarray]:
    rel = ady_to_rel(dataset["ADY"]).to_numpy(dtype="float64", na_value=np.nan)
    visit_day = _lookup(dataset["VISIT"], {v.code: v.day for v in protocol.visits}).astype(float)
    return rel, visit_day


def derive_var_ablfl(dataset: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Flag the baseline record of each subject and parameter (ABLFL = "Y").

    Algorithm
    ---------
    1. Candidates: records with a value, dated on or before day 0
       (ADY <= 1), or undated and recorded at the protocol's baseline visit.
    2. Per USUBJID x PARAMCD, the last candidate by study day is the baseline
       (undated records count as the baseline visit's nominal day; ties go to
       the later record in input order).
    3. The baseline record's AVISIT/AVISITN become the baseline visit's.

    A subject with no candidate has no baseline for that parameter (BASE
    missing; counted in the derivation log).

    Parameters
    ----------
    dataset : DataFrame
        ADLB rows with USUBJID, PARAMCD, VISIT, AVISIT, AVISITN, ADT, ADY, AVAL.
    protocol : Protocol

    Returns
    -------
    DataFrame
        A copy with ABLFL ("Y" or "").

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> d = pd.DataFrame({"USUBJID": ["S1"] * 3, "PARAMCD": ["FCP"] * 3,
    ...     "VISIT": ["BL", "BL", "M1"], "AVISIT": ["BL", "BL", "M1"], "AVISITN": [0, 0, 30],
    ...     "ADT": pd.to_datetime(["2020-01-01", "2020-01-05", "2020-02-01"]),
    ...     "ADY": pd.array([-4, 1, 28], dtype="Int64"), "AVAL": [0.3, 0.4, 0.5]})
    >>> derive_var_ablfl(d, load_protocol("lu2021"))["ABLFL"].tolist()
    ['', 'Y', '']
    """
    fn = "derive_var_ablfl"
    check_frame(dataset, "dataset", fn,
                ["USUBJID", "PARAMCD", "VISIT", "AVISIT", "AVISITN", "ADT", "ADY", "AVAL"])
    check_protocol(protocol, fn)
    out = dataset.copy()
    baseline = protocol.visit(protocol.baseline_visit)
    rel, visit_day = _rel_and_nominal(out, protocol)
    dated = ~np.isnan(rel)
    has_value = out["AVAL"].notna().to_numpy()
    at_bl_visit = (out["VISIT"] == baseline.code).to_numpy()
    with np.errstate(invalid="ignore"):
        candidate = has_value & ((dated & (rel <= 0)) | (~dated & at_bl_visit))
    order_day = np.where(dated, rel, visit_day)
    idx = np.flatnonzero(candidate)
    groups = group_codes(out["USUBJID"].to_numpy()[idx], out["PARAMCD"].to_numpy()[idx])
    chosen = idx[first_in_group(groups, -order_day[idx], -idx.astype(float))]
    flag = np.full(len(out), "", dtype=object)
    flag[chosen] = "Y"
    out["ABLFL"] = flag
    if len(chosen):
        avisit = out["AVISIT"].to_numpy(dtype=object).copy()
        avisitn = out["AVISITN"].to_numpy().copy()
        avisit[chosen] = baseline.code
        avisitn[chosen] = baseline.day
        out["AVISIT"] = avisit
        out["AVISITN"] = avisitn
    return out


def derive_var_anl01fl(dataset: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Flag one analysis record per subject, parameter and analysis visit (ANL01FL = "Y").

    Algorithm
    ---------
    1. At the baseline visit the analysis record is the baseline (ABLFL = "Y").
    2. At other visits, candidates are records with a value that are not dated
       on or before day 0 (such a record cannot be a post-baseline value).
    3. Among candidates of the same USUBJID x PARAMCD x AVISIT, the chosen one
       is, in order of preference: inside the visit window (undated records are
       taken as inside), nearest to the visit's nominal day, latest date, last
       in input order.

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> d = pd.DataFrame({"USUBJID": ["S1"] * 2, "PARAMCD": ["FCP"] * 2,
    ...     "VISIT": ["M1", "M1"], "AVISIT": ["M1", "M1"], "AVISITN": [30, 30],
    ...     "ADT": pd.to_datetime(["2020-01-30", "2020-02-05"]),
    ...     "ADY": pd.array([30, 36], dtype="Int64"), "AVAL": [0.3, 0.4],
    ...     "OUTWINFL": ["", ""], "ABLFL": ["", ""]})
    >>> derive_var_anl01fl(d, load_protocol("lu2021"))["ANL01FL"].tolist()
    ['Y', '']
    """
    fn = "derive_var_anl01fl"
    check_frame(dataset, "dataset", fn, ["USUBJID", "PARAMCD", "VISIT", "AVISIT", "AVISITN",
                                         "ADT", "ADY", "AVAL", "OUTWINFL", "ABLFL"])
    check_protocol(protocol, fn)
    out = dataset.copy()
    baseline = protocol.baseline_visit
    rel, _ = _rel_and_nominal(out, protocol)
    dated = ~np.isnan(rel)
    is_base = (out["ABLFL"] == "Y").to_numpy()
    with np.errstate(invalid="ignore"):
        candidate = (out["AVAL"].notna().to_numpy() & ~is_base
                     & (out["AVISIT"] != baseline).to_numpy() & ~(dated & (rel <= 0)))
    idx = np.flatnonzero(candidate)
    groups = group_codes(out["USUBJID"].to_numpy()[idx], out["PARAMCD"].to_numpy()[idx],
                         out["AVISIT"].to_numpy()[idx])
    outside = (out["OUTWINFL"] == "Y").to_numpy()[idx].astype(float)
    nominal = out["AVISITN"].to_numpy(dtype=float)[idx]
    distance = np.where(dated[idx], np.abs(rel[idx] - nominal), np.inf)
    latest_first = np.where(dated[idx], -rel[idx], np.inf)
    chosen = idx[first_in_group(groups, outside, distance, latest_first, -idx.astype(float))]
    flag = np.full(len(out), "", dtype=object)
    flag[chosen] = "Y"
    flag[is_base] = "Y"
    out["ANL01FL"] = flag
    return out


def derive_vars_chg(dataset: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Add BASE, CHG, PCHG and PCHGREAS (why a percent change is undefined).

    Algorithm
    ---------
    1. BASE = AVAL of the ABLFL record of the same USUBJID x PARAMCD, on every row.
    2. On post-baseline rows (AVISIT is not the baseline visit):
       CHG = AVAL - BASE; PCHG = 100 x CHG / BASE when BASE is present and not 0.
    3. PCHG is never infinite nor silently missing: when it is undefined on a
       post-baseline row with a value, PCHGREAS says why ("no baseline" or
       "baseline is zero"; with ``analysis.zero_baseline_pchg: exclude_subject``
       the latter adds that the subject is excluded from percent-change analyses).

    Raises
    ------
    InputError
        If a subject and parameter has more than one ABLFL record.

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> d = pd.DataFrame({"USUBJID": ["S1"] * 4, "PARAMCD": ["FCP", "FCP", "PCP", "PCP"],
    ...     "AVISIT": ["BL", "M3", "BL", "M3"], "AVAL": [0.2, 0.3, 0.0, 0.1],
    ...     "ABLFL": ["Y", "", "Y", ""]})
    >>> r = derive_vars_chg(d, load_protocol("lu2021"))
    >>> r["PCHG"].round(6).tolist(), r["PCHGREAS"].tolist()
    ([nan, 50.0, nan, nan], ['', '', '', 'baseline is zero'])
    """
    fn = "derive_vars_chg"
    check_frame(dataset, "dataset", fn, ["USUBJID", "PARAMCD", "AVISIT", "AVAL", "ABLFL"])
    check_protocol(protocol, fn)
    out = dataset.copy()
    groups = group_codes(out["USUBJID"], out["PARAMCD"])
    is_base = (out["ABLFL"] == "Y").to_numpy()
    aval = out["AVAL"].to_numpy(dtype="float64")
    base_groups = groups[is_base]
    if len(np.unique(base_groups)) != len(base_groups):
        dup = out.loc[is_base].loc[pd.Series(base_groups).duplicated(keep=False).to_numpy()]
        first = dup.iloc[0]
        raise InputError(f"The 'dataset' parameter of {fn} must have at most one ABLFL = 'Y' "
                         f"record per USUBJID and PARAMCD. Got {int(len(dup))} for "
                         f"{first['USUBJID']!r}, {first['PARAMCD']!r} instead.")
    base = pd.Series(aval[is_base], index=base_groups).reindex(groups).to_numpy()
    post = (out["AVISIT"] != protocol.baseline_visit).to_numpy() & ~is_base
    chg = np.where(post, aval - base, np.nan)
    has_value = ~np.isnan(aval)
    no_base = post & has_value & np.isnan(base)
    zero_base = post & has_value & (base == 0)
    defined = post & ~np.isnan(base) & (base != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pchg = np.where(defined, 100.0 * chg / np.where(defined, base, 1.0), np.nan)
    zero_text = "baseline is zero"
    if protocol.analysis.zero_baseline_pchg == "exclude_subject":
        zero_text += "; subject excluded from percent-change analyses (zero_baseline_pchg)"
    out["BASE"] = base
    out["CHG"] = chg
    out["PCHG"] = pchg
    out["PCHGREAS"] = np.select([no_base, zero_base], ["no baseline", zero_text], default="")
    return out


def derive_adlb(measurements: pd.DataFrame, subjects: pd.DataFrame, infusions: pd.DataFrame,
                protocol: Protocol) -> pd.DataFrame:
    """Derive ADLB from the canonical measurements.

    Algorithm
    ---------
    1. :func:`derive_lab_records` (usable records, study day, window flag).
    2. :func:`derive_var_ablfl` (baseline: last value on or before day 0).
    3. :func:`derive_var_anl01fl` (one analysis record per subject x parameter x visit).
    4. Derived parameters INSDOSE, IDAA1C, CPAUC/CPMAUC
       (:mod:`t1dtrial.derive._params`).
    5. :func:`derive_vars_chg` (BASE, CHG, PCHG, PCHGREAS).

    Parameters
    ----------
    measurements, subjects, infusions : DataFrame
        Canonical tables of a :class:`~t1dtrial.data.Trial`.
    protocol : Protocol

    Returns
    -------
    DataFrame
        Columns :data:`ADLB_COLUMNS`; measured records in input order, then
        derived rows. Records left out are given by :func:`lab_exclusions`.

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> s = pd.DataFrame({"subject_id": ["S1"], "enrolment_date": pd.to_datetime(["2020-01-01"])})
    >>> i = pd.DataFrame(columns=["subject_id", "infusion_number", "date"])
    >>> m = pd.DataFrame({"subject_id": ["S1"] * 2, "visit": ["BL", "BL"],
    ...     "param": ["HBA1C", "INSULIN"], "value": [7.0, 0.5],
    ...     "date": pd.to_datetime(["2020-01-01"] * 2)})
    >>> a = derive_adlb(m, s, i, load_protocol("lu2021"))
    >>> a.loc[a.PARAMCD == "IDAA1C", "AVAL"].tolist()
    [9.0]
    """
    from ._params import derive_param_cpauc, derive_param_idaa1c, derive_param_insdose

    records = derive_lab_records(measurements, subjects, infusions, protocol)
    adlb = derive_var_ablfl(records, protocol)
    adlb = derive_var_anl01fl(adlb, protocol)
    adlb = derive_param_insdose(adlb)
    adlb = derive_param_idaa1c(adlb, protocol)
    adlb = derive_param_cpauc(adlb, protocol)
    adlb = derive_vars_chg(adlb, protocol)
    return adlb[ADLB_COLUMNS].reset_index(drop=True)
