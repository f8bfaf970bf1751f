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

from dataclasses import replace

import numpy as np
import pandas as pd

from .._validation import invalid_parameter
from ..protocol import Protocol
from . import _kernels as K
from ._common import (
    ady_to_rel,
    check_frame,
    check_protocol,
    group_codes,
    text_choice,
    text_flags,
)
from ._records import Rows, _Coded, lab_rows, rows_frame

__all__ = [
    "ADLB_COLUMNS",
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


def _rel_and_nominal(dataset: pd.DataFrame, protocol: Protocol) -> tuple[np.ndarray, np.ndarray]:
    rel = ady_to_rel(dataset["ADY"]).to_numpy(dtype="float64", na_value=np.nan)
    visit_day = _Coded(dataset["VISIT"]).lookup({v.code: v.day for v in protocol.visits},
                                                np.nan, float)
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
    out = dataset.copy(deep=False)
    baseline = protocol.visit(protocol.baseline_visit)
    rel, visit_day = _rel_and_nominal(out, protocol)
    chosen = K.baseline_rows(group_codes(out["USUBJID"], out["PARAMCD"]),
                             out["AVAL"].notna().to_numpy(), rel,
                             (out["VISIT"] == baseline.code).to_numpy(dtype=bool), visit_day)
    out["ABLFL"] = text_flags(chosen)
    if chosen.any():
        out["AVISIT"] = out["AVISIT"].where(~chosen, baseline.code)
        out["AVISITN"] = np.where(chosen, baseline.day, out["AVISITN"].to_numpy())
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
    out = dataset.copy(deep=False)
    rel, _ = _rel_and_nominal(out, protocol)
    chosen = K.analysis_rows(
        group_codes(out["USUBJID"], out["PARAMCD"], out["AVISIT"]),
        out["AVAL"].notna().to_numpy(), (out["ABLFL"] == "Y").to_numpy(dtype=bool),
        (out["AVISIT"] == protocol.baseline_visit).to_numpy(dtype=bool), rel,
        (out["OUTWINFL"] == "Y").to_numpy(dtype=bool), out["AVISITN"].to_numpy(dtype=float))
    out["ANL01FL"] = text_flags(chosen)
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
    out = dataset.copy(deep=False)
    is_base = (out["ABLFL"] == "Y").to_numpy(dtype=bool)
    post = (out["AVISIT"] != protocol.baseline_visit).to_numpy(dtype=bool) & ~is_base
    try:
        got = K.change_from_baseline(group_codes(out["USUBJID"], out["PARAMCD"]), is_base, post,
                                     out["AVAL"].to_numpy(dtype="float64"))
    except ValueError:
        dup = out.loc[is_base].loc[out.loc[is_base].duplicated(["USUBJID", "PARAMCD"], keep=False)]
        first = dup.iloc[0]
        raise invalid_parameter(fn, "dataset", "have at most one ABLFL = 'Y' record per USUBJID "
                                "and PARAMCD", dup, got=f"{int(len(dup))} for "
                                f"{first['USUBJID']!r}, {first['PARAMCD']!r}") from None
    for column in ("BASE", "CHG", "PCHG"):
        out[column] = got[column]
    out["PCHGREAS"] = text_choice([got["no_base"], got["zero_base"]],
                                  ["no baseline", _zero_text(protocol)])
    return out


def _zero_text(protocol: Protocol) -> str:
    text = "baseline is zero"
    if protocol.analysis.zero_baseline_pchg == "exclude_subject":
        text += "; subject excluded from percent-change analyses (zero_baseline_pchg)"
    return text


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

    The rules are those of the functions named, applied once each on integer
    codes and arrays (:mod:`t1dtrial.derive._kernels`), so that registry-sized
    tables derive without per-subject loops; a property test checks that the
    result equals running the functions one after the other.

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
    from ._params import append_derived_params, derived_param_labels

    rows = lab_rows(measurements, subjects, infusions, protocol, fn="derive_adlb")
    rows = append_derived_params(_flag_rows(rows, protocol), protocol)
    adlb = rows_frame(rows, protocol, derived_param_labels(protocol))
    rows, baseline = rows.code("visit_names", protocol.baseline_visit)
    is_base = rows.ablfl
    post = (rows.avisit != baseline) & ~is_base
    got = K.change_from_baseline(rows.subject * (len(rows.param_names) + 1) + rows.param,
                                 is_base, post, rows.aval)
    for column in ("BASE", "CHG", "PCHG"):
        adlb[column] = got[column]
    adlb["PCHGREAS"] = text_choice([got["no_base"], got["zero_base"]],
                                   ["no baseline", _zero_text(protocol)])
    return adlb[ADLB_COLUMNS]


def _flag_rows(rows: Rows, protocol: Protocol) -> Rows:
    """ABLFL and ANL01FL on :class:`Rows` (the rules of derive_var_ablfl / derive_var_anl01fl)."""
    bl = protocol.visit(protocol.baseline_visit)
    rows, bl_code = rows.code("visit_names", bl.code)
    day_of = np.array([protocol.visit(v).day if v in protocol.visit_codes else 0
                       for v in rows.visit_names], dtype=float)
    n_params, n_visits = len(rows.param_names) + 1, len(rows.visit_names) + 1
    subject_param = rows.subject.astype(np.int64) * n_params + rows.param
    has_value = ~np.isnan(rows.aval)
    base = K.baseline_rows(subject_param, has_value, rows.rel, rows.visit == bl_code,
                           day_of[rows.visit] if len(rows) else np.zeros(0))
    avisit = np.where(base, bl_code, rows.avisit)
    avisitn = np.where(base, bl.day, rows.avisitn)
    anl = K.analysis_rows(subject_param * n_visits + avisit, has_value, base, avisit == bl_code,
                          rows.rel, rows.outside, avisitn.astype(float))
    return replace(rows, avisit=avisit, avisitn=avisitn, ablfl=base, anl01fl=anl)
