"""Measurement records: checks, exclusions and the records as arrays (before ADLB flags).

:func:`lab_record_status` says why a record cannot enter ADLB;
:func:`lab_exclusions` lists those records; :func:`derive_lab_records` turns
the others into ADLB rows. Internally the records travel as :class:`Rows`,
integer codes and numpy arrays, so that registry-sized data are derived
without Python loops and with each text column built once.

Examples
--------
>>> import pandas as pd
>>> from t1dtrial.protocol import load_protocol
>>> m = pd.DataFrame({"subject_id": ["S1"], "visit": ["BL"], "param": ["FCP"], "value": [0.3]})
>>> s = pd.DataFrame({"subject_id": ["S1"], "enrolment_date": pd.to_datetime(["2020-01-01"])})
>>> i = pd.DataFrame(columns=["subject_id", "infusion_number", "date"])
>>> derive_lab_records(m, s, i, load_protocol("lu2021"))[["USUBJID", "PARAM"]].values.tolist()
[['S1', 'Fasting C-peptide (nmol/L)']]
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from ..data.contract import is_known_param, param_spec
from ..protocol import Protocol
from ._common import (
    as_dates,
    check_frame,
    check_protocol,
    int_array,
    subject_day0,
    text_flags,
    text_from_codes,
)

__all__ = ["lab_record_status", "lab_exclusions", "derive_lab_records", "Rows", "lab_rows",
           "rows_frame"]

_MEASUREMENT_COLUMNS = ["subject_id", "visit", "param", "value"]

_PARAM_SOURCE_COLUMNS = ["USUBJID", "PARAMCD", "PARAM", "PARAMTYP", "VISIT", "AVISIT", "AVISITN",
                         "ADT", "ADY", "AVAL", "OUTWINFL", "ABLFL", "ANL01FL"]

#: Reasons a measurement record does not enter ADLB.
REASON_SUBJECT = "subject not in the subjects table"
REASON_VISIT = "visit not in the protocol's schedule"
REASON_PARAM = "unknown parameter"
REASON_VALUE = "value missing"


class _Coded:
    """A column factorized once: integer codes and its distinct values as text (NA -> None)."""

    def __init__(self, values: pd.Series):
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        self.codes = np.asarray(codes, dtype=np.intp)
        self.uniques = [None if u is None or u != u else str(u) for u in uniques]

    def lookup(self, mapping: dict, default: object = np.nan, dtype: object = object) -> np.ndarray:
        """``mapping[value]`` for every row (``default`` for missing or unmapped values)."""
        table = np.array([mapping.get(u, default) if u is not None else default
                          for u in self.uniques] + [default], dtype=dtype)
        return table[self.codes]

    def text(self, mask: np.ndarray | None = None) -> pd.api.extensions.ExtensionArray:
        codes = self.codes if mask is None else self.codes[mask]
        return text_from_codes(self.uniques, codes)


def _coded(measurements: pd.DataFrame) -> dict[str, _Coded]:
    return {c: _Coded(measurements[c]) for c in ("subject_id", "visit", "param")}


def _status(measurements: pd.DataFrame, coded: dict[str, _Coded], subjects: pd.DataFrame,
            protocol: Protocol) -> np.ndarray:
    known = {str(s): True for s in subjects["subject_id"].unique()}
    subject_ok = coded["subject_id"].lookup(known, False, bool)
    visit_ok = coded["visit"].lookup({v: True for v in protocol.visit_codes}, False, bool)
    params = coded["param"]
    param_ok = params.lookup({p: is_known_param(p) for p in params.uniques if p is not None},
                             False, bool)
    value = measurements["value"]
    value_ok = (value.notna() if pd.api.types.is_numeric_dtype(value)
                else pd.to_numeric(value, errors="coerce").notna()).to_numpy()
    codes = np.select([~subject_ok, ~visit_ok, ~param_ok, ~value_ok], [1, 2, 3, 4], default=0)
    return codes


_REASONS = np.array([None, REASON_SUBJECT, REASON_VISIT, REASON_PARAM, REASON_VALUE],
                    dtype=object)


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
    codes = _status(measurements, _coded(measurements), subjects, protocol)
    return pd.Series(_REASONS[codes], index=measurements.index, dtype=object)


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


@dataclass(frozen=True)
class Rows:
    """ADLB rows as arrays: codes into the ``*_names`` lists, values, dates and flags."""

    subject: np.ndarray      # int codes into subject_names
    param: np.ndarray        # int codes into param_names
    visit: np.ndarray        # recorded visit, codes into visit_names
    avisit: np.ndarray       # analysis visit, codes into visit_names
    avisitn: np.ndarray      # int64 nominal day of the analysis visit
    adt: np.ndarray          # datetime64[ns], NaT when undated
    rel: np.ndarray          # float days from day 0, NaN when undated
    aval: np.ndarray         # float
    below: np.ndarray        # bool, below the detection limit
    outside: np.ndarray      # bool, outside the recorded visit's window
    derived: np.ndarray      # bool, a derived parameter's row
    ablfl: np.ndarray        # bool
    anl01fl: np.ndarray      # bool
    srcseq: np.ndarray       # int64 position in measurements, -1 for derived rows
    srcfile: np.ndarray      # int codes into file_names, -1 missing
    srcrow: np.ndarray       # float source row, NaN missing
    subject_names: list
    param_names: list
    visit_names: list
    file_names: list

    _ARRAYS = ("subject", "param", "visit", "avisit", "avisitn", "adt", "rel", "aval", "below",
               "outside", "derived", "ablfl", "anl01fl", "srcseq", "srcfile", "srcrow")

    def __len__(self) -> int:
        return len(self.aval)

    def take(self, idx: np.ndarray) -> "Rows":
        """The rows at positions (or mask) ``idx``."""
        return replace(self, **{f: getattr(self, f)[idx] for f in self._ARRAYS})

    def append(self, other: "Rows") -> "Rows":
        """These rows then ``other``'s (same name lists)."""
        return replace(self, **{f: np.concatenate([getattr(self, f), getattr(other, f)])
                                for f in self._ARRAYS})

    def code(self, names_field: str, name: str) -> tuple["Rows", int]:
        """The code of ``name`` in a name list, adding it when absent."""
        names = list(getattr(self, names_field))
        if name not in names:
            names.append(name)
        return replace(self, **{names_field: names}), names.index(name)


assert {f.name for f in fields(Rows)} >= set(Rows._ARRAYS)


def lab_rows(measurements: pd.DataFrame, subjects: pd.DataFrame, infusions: pd.DataFrame,
             protocol: Protocol, fn: str = "derive_lab_records") -> Rows:
    """The usable measurement records as :class:`Rows` (rules of :func:`derive_lab_records`)."""
    check_frame(measurements, "measurements", fn, _MEASUREMENT_COLUMNS)
    check_frame(subjects, "subjects", fn, ["subject_id", "enrolment_date"])
    check_frame(infusions, "infusions", fn, ["subject_id", "date"])
    check_protocol(protocol, fn)
    coded = _coded(measurements)
    keep = _status(measurements, coded, subjects, protocol) == 0
    n = int(keep.sum())
    subj, visit, param = coded["subject_id"], coded["visit"], coded["param"]
    day0 = subject_day0(subjects, infusions)
    d0 = day0.reindex(subj.uniques + [None]).to_numpy(dtype="datetime64[ns]")[subj.codes[keep]]
    if "date" in measurements.columns:
        adt = as_dates(measurements["date"], "measurements", fn, "date").to_numpy()[keep]
    else:
        adt = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    undated = np.isnat(adt)
    rel = (adt - d0).astype("timedelta64[D]").astype("float64")
    rel[undated] = np.nan
    by_code = {v.code: v for v in protocol.visits}
    earliest = visit.lookup({c: v.earliest for c, v in by_code.items()}, 0, float)[keep]
    latest = visit.lookup({c: v.latest for c, v in by_code.items()}, 0, float)[keep]
    with np.errstate(invalid="ignore"):
        outside = ~undated & ((rel < earliest) | (rel > latest))
    if "below_lod" in measurements.columns:
        below = measurements["below_lod"].fillna(False).to_numpy(dtype=bool)[keep]
    else:
        below = np.zeros(n, dtype=bool)
    if "source_file" in measurements.columns:
        files = _Coded(measurements["source_file"])
        srcfile, file_names = files.codes[keep], files.uniques
    else:
        srcfile, file_names = np.zeros(n, dtype=np.intp), ["measurements.csv"]
    srcrow = (pd.to_numeric(measurements["source_row"], errors="coerce").to_numpy(dtype=float)[keep]
              if "source_row" in measurements.columns else np.full(n, np.nan))
    false = np.zeros(n, dtype=bool)
    return Rows(
        subject=subj.codes[keep], param=param.codes[keep], visit=visit.codes[keep],
        avisit=visit.codes[keep],
        avisitn=visit.lookup({c: v.day for c, v in by_code.items()}, 0, np.int64)[keep],
        adt=adt, rel=rel,
        aval=pd.to_numeric(measurements["value"], errors="coerce").to_numpy(dtype="float64")[keep],
        below=below, outside=outside, derived=false, ablfl=false, anl01fl=false,
        srcseq=np.flatnonzero(keep).astype(np.int64), srcfile=srcfile, srcrow=srcrow,
        subject_names=subj.uniques, param_names=param.uniques, visit_names=visit.uniques,
        file_names=file_names)


def rows_frame(rows: Rows, protocol: Protocol, labels: dict[str, str] | None = None
               ) -> pd.DataFrame:
    """ADLB columns of :class:`Rows`, each text column built once from codes."""
    n = len(rows)
    labels = labels or {}
    param_labels = [labels.get(p) or (param_spec(p).param if p and is_known_param(p) else None)
                    for p in rows.param_names]
    lod_type = "HALFLOD" if protocol.analysis.below_detection == "half" else "LOD"
    ady = np.where(rows.rel >= 0, rows.rel + 1, rows.rel)
    return pd.DataFrame({
        "STUDYID": text_from_codes([protocol.id], np.zeros(n, dtype=np.intp)),
        "USUBJID": text_from_codes(rows.subject_names, rows.subject),
        "PARAMCD": text_from_codes(rows.param_names, rows.param),
        "PARAM": text_from_codes(param_labels, rows.param),
        "PARAMTYP": text_flags(rows.derived, "DERIVED"),
        "VISIT": text_from_codes(rows.visit_names, rows.visit),
        "AVISIT": text_from_codes(rows.visit_names, rows.avisit),
        "AVISITN": rows.avisitn,
        "ADT": rows.adt,
        "ADY": int_array(ady),
        "AVAL": rows.aval,
        "DTYPE": text_flags(rows.below, lod_type),
        "OUTWINFL": text_flags(rows.outside),
        "ABLFL": text_flags(rows.ablfl),
        "ANL01FL": text_flags(rows.anl01fl),
        "SRCSEQ": int_array(np.where(rows.srcseq >= 0, rows.srcseq, np.nan)),
        "SRCFILE": text_from_codes(rows.file_names, rows.srcfile),
        "SRCROW": int_array(rows.srcrow),
    }, copy=False)  # fresh arrays: no need to copy them into one block


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
    rows = lab_rows(measurements, subjects, infusions, protocol)
    return rows_frame(rows, protocol).drop(columns=["ABLFL", "ANL01FL"])
