"""Derived ADLB parameters: INSDOSE, IDAA1C, CPAUC and CPMAUC (new rows, PARAMTYP = "DERIVED").

Each function takes ADLB rows carrying ABLFL and ANL01FL, computes the new
parameter from the analysis records (ANL01FL = "Y") of the same subject and
analysis visit, and returns a copy with the new rows appended. BASE, CHG and
PCHG of the new rows come from :func:`~t1dtrial.derive.derive_vars_chg`, run
afterwards.

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"USUBJID": ["S1", "S1"], "PARAMCD": ["HBA1C", "INSULIN"],
...     "AVISIT": ["M3", "M3"], "AVISITN": [91, 91],
...     "ADT": pd.to_datetime(["2020-04-01", "2020-04-02"]),
...     "ADY": pd.array([92, 93], dtype="Int64"), "AVAL": [7.2, 0.45],
...     "ABLFL": ["", ""], "ANL01FL": ["Y", "Y"]})
>>> from t1dtrial.protocol import load_protocol
>>> d = derive_param_idaa1c(derive_param_insdose(d), load_protocol("lu2021"))
>>> d.loc[d.PARAMCD == "IDAA1C", ["AVAL", "ADY"]].values.tolist()
[[9.0, 93]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.contract import meal_test_minute
from ..protocol import Protocol
from ._common import check_frame, check_protocol, group_codes

__all__ = ["DERIVED_PARAM_LABELS", "derive_param_insdose", "derive_param_idaa1c",
           "derive_param_cpauc", "compute_auc"]

#: PARAM (label with unit) of each derived parameter.
DERIVED_PARAM_LABELS: dict[str, str] = {
    "INSDOSE": "Daily insulin dose (U/kg/day)",
    "IDAA1C": "Insulin-dose-adjusted HbA1c, HbA1c + 4 x insulin U/kg/day (%)",
    "CPAUC": "C-peptide AUC of the meal test (nmol/L x min)",
    "CPMAUC": "C-peptide mean AUC of the meal test, AUC / sampling span (nmol/L)",
}

_NEEDED = ["USUBJID", "PARAMCD", "AVISIT", "AVISITN", "ADT", "ADY", "AVAL", "ABLFL", "ANL01FL"]


def _analysis_rows(dataset: pd.DataFrame, params: list[str]) -> pd.DataFrame:
    mask = (dataset["ANL01FL"] == "Y") & dataset["PARAMCD"].isin(params)
    return dataset.loc[mask]


def _new_rows(template: pd.DataFrame, dataset: pd.DataFrame, paramcd: str) -> pd.DataFrame:
    """Shape new rows like ``dataset`` (its columns and dtypes), filling what a derived row has."""
    n = len(template)
    rows = pd.DataFrame({c: template[c].to_numpy() for c in template.columns})
    rows["PARAMCD"] = paramcd
    rows["PARAM"] = DERIVED_PARAM_LABELS[paramcd]
    rows["PARAMTYP"] = "DERIVED"
    rows["ANL01FL"] = "Y"
    fills = {"DTYPE": "", "OUTWINFL": "", "SRCFILE": "", "PCHGREAS": ""}
    for column in dataset.columns:
        if column in rows.columns:
            continue
        if column == "VISIT":
            rows[column] = rows["AVISIT"].to_numpy()
        elif column == "STUDYID" and len(dataset):
            rows[column] = dataset[column].iloc[0]
        elif column in fills:
            rows[column] = fills[column]
        else:
            rows[column] = dataset[column].iloc[:0].reindex(range(n)).to_numpy()
            if str(dataset[column].dtype) == "Int64":
                rows[column] = rows[column].astype("Int64")
    for column in dataset.columns:
        if rows[column].dtype != dataset[column].dtype:
            try:
                rows[column] = rows[column].astype(dataset[column].dtype)
            except (TypeError, ValueError):
                pass
    order = list(dataset.columns) + [c for c in rows.columns if c not in dataset.columns]
    return rows[order]


def _append(dataset: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    if rows.empty:
        return dataset.copy()
    base = dataset
    if "PARAMTYP" not in base.columns:
        base = base.assign(PARAMTYP="")
    if "PARAM" not in base.columns:
        base = base.assign(PARAM=base["PARAMCD"])
    if base.empty:
        out = rows.reset_index(drop=True)
    else:
        out = pd.concat([base, rows[list(base.columns) + [c for c in rows.columns
                                                          if c not in base.columns]]],
                        ignore_index=True)
    for column in ("ADY", "SRCSEQ", "SRCROW"):
        if column in out.columns:
            out[column] = out[column].astype("Int64")
    return out


def derive_param_insdose(dataset: pd.DataFrame) -> pd.DataFrame:
    """Add INSDOSE, the daily insulin dose in U/kg/day, from the INSULIN analysis records.

    INSULIN is already converted to U/kg/day by the data layer (U/day divided
    by the weight at that visit), so INSDOSE is its analysis record per visit,
    kept under the name the protocols use.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"USUBJID": ["S1"], "PARAMCD": ["INSULIN"], "AVISIT": ["BL"],
    ...     "AVISITN": [0], "ADT": pd.to_datetime(["2020-01-01"]),
    ...     "ADY": pd.array([1], dtype="Int64"), "AVAL": [0.6], "ABLFL": ["Y"], "ANL01FL": ["Y"]})
    >>> derive_param_insdose(d)[["PARAMCD", "AVAL", "ABLFL"]].values.tolist()
    [['INSULIN', 0.6, 'Y'], ['INSDOSE', 0.6, 'Y']]
    """
    check_frame(dataset, "dataset", "derive_param_insdose", _NEEDED)
    src = _analysis_rows(dataset, ["INSULIN"])
    keep = ["USUBJID", "AVISIT", "AVISITN", "ADT", "ADY", "AVAL", "ABLFL"]
    if "VISIT" in src.columns:
        keep.append("VISIT")
    if "OUTWINFL" in src.columns:
        keep.append("OUTWINFL")
    return _append(dataset, _new_rows(src[keep], dataset, "INSDOSE"))


def _wide(dataset: pd.DataFrame, params: list[str]) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Analysis rows of ``params`` keyed by subject x visit: identity frame and one frame a param."""
    rows = _analysis_rows(dataset, params)
    key = group_codes(rows["USUBJID"], rows["AVISIT"])
    ident = (pd.DataFrame({"key": key, "USUBJID": rows["USUBJID"].to_numpy(),
                           "AVISIT": rows["AVISIT"].to_numpy(),
                           "AVISITN": rows["AVISITN"].to_numpy()})
             .drop_duplicates("key").set_index("key"))
    parts: dict[str, pd.DataFrame] = {}
    paramcd = rows["PARAMCD"].to_numpy()
    for p in params:
        sel = paramcd == p
        parts[p] = pd.DataFrame({
            "AVAL": rows["AVAL"].to_numpy(dtype=float)[sel],
            "ADT": rows["ADT"].to_numpy()[sel],
            "ADY": rows["ADY"].to_numpy(dtype=float, na_value=np.nan)[sel],
            "ABLFL": rows["ABLFL"].to_numpy()[sel] == "Y",
            "OUTWIN": (rows["OUTWINFL"].to_numpy()[sel] == "Y") if "OUTWINFL" in rows.columns
            else np.zeros(int(sel.sum()), dtype=bool),
        }, index=key[sel])
    return ident, parts


def _combine(ident: pd.DataFrame, parts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Subject x visit rows where every part has a value: max date/day, ABLFL if all baseline."""
    common = ident.index
    for frame in parts.values():
        common = common.intersection(frame.index[frame["AVAL"].notna().to_numpy()])
    common = common.sort_values()
    frames = [f.loc[common] for f in parts.values()]
    out = ident.loc[common].copy()
    out["ADT"] = pd.concat([f["ADT"] for f in frames], axis=1).max(axis=1).to_numpy()
    days = pd.DataFrame({i: f["ADY"].to_numpy() for i, f in enumerate(frames)}, index=common)
    out["ADY"] = pd.array(days.max(axis=1).to_numpy(), dtype="Int64")
    out["ABLFL"] = np.where(np.logical_and.reduce([f["ABLFL"].to_numpy() for f in frames]),
                            "Y", "")
    out["OUTWINFL"] = np.where(np.logical_or.reduce([f["OUTWIN"].to_numpy() for f in frames]),
                               "Y", "")
    return out


def derive_param_idaa1c(dataset: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Add IDAA1C = HbA1c (%) + 4 x insulin dose (U/kg/day) per subject and visit.

    Algorithm
    ---------
    1. Take the analysis records of HBA1C and INSDOSE of the same USUBJID x AVISIT.
    2. AVAL = HBA1C + 4 x INSDOSE (Mortensen 2009); ADT, ADY = the later of the two.
    3. ABLFL = "Y" when both are baseline records; visits missing either get no row.

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> d = pd.DataFrame({"USUBJID": ["S1", "S1"], "PARAMCD": ["HBA1C", "INSDOSE"],
    ...     "AVISIT": ["BL", "BL"], "AVISITN": [0, 0],
    ...     "ADT": pd.to_datetime(["2020-01-01", "2020-01-01"]),
    ...     "ADY": pd.array([1, 1], dtype="Int64"), "AVAL": [8.0, 0.25],
    ...     "ABLFL": ["Y", "Y"], "ANL01FL": ["Y", "Y"]})
    >>> r = derive_param_idaa1c(d, load_protocol("lu2021"))
    >>> r.loc[r.PARAMCD == "IDAA1C", ["AVAL", "ABLFL"]].values.tolist()
    [[9.0, 'Y']]
    """
    check_frame(dataset, "dataset", "derive_param_idaa1c", _NEEDED)
    check_protocol(protocol, "derive_param_idaa1c")
    ident, parts = _wide(dataset, ["HBA1C", "INSDOSE"])
    rows = _combine(ident, parts)
    rows["AVAL"] = (parts["HBA1C"]["AVAL"].reindex(rows.index).to_numpy()
                    + 4.0 * parts["INSDOSE"]["AVAL"].reindex(rows.index).to_numpy())
    return _append(dataset, _new_rows(rows.reset_index(drop=True), dataset, "IDAA1C"))


def compute_auc(minutes: list[int] | np.ndarray, values: np.ndarray) -> np.ndarray:
    """Trapezoid-rule area under the curve over ``minutes`` for each row of ``values``.

    Parameters
    ----------
    minutes : sequence of int
        Strictly increasing sampling minutes (length k >= 2).
    values : ndarray, shape (n, k)
        Concentrations; a row with any missing value gives NaN.

    Examples
    --------
    >>> import numpy as np
    >>> compute_auc([0, 30, 120], np.array([[0.2, 0.6, 0.4]])).tolist()
    [57.0]
    """
    t = np.asarray(minutes, dtype=float)
    v = np.asarray(values, dtype=float)
    if v.ndim != 2 or v.shape[1] != len(t):
        raise ValueError(f"The 'values' parameter of compute_auc must have shape (n, {len(t)}). "
                         f"Got {v.shape} instead.")
    widths = np.diff(t)
    return ((v[:, 1:] + v[:, :-1]) / 2.0 * widths).sum(axis=1)


def derive_param_cpauc(dataset: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Add CPAUC (trapezoid AUC of the meal-test C-peptide) and CPMAUC (AUC / sampling span).

    Algorithm
    ---------
    1. The sampling minutes are the protocol's ``meal_test.minutes`` (at least
       two); the samples are the CPxx records (xx = minute), analysis records only.
    2. A subject x visit with every sample gets CPAUC = trapezoid AUC
       (nmol/L x min) and CPMAUC = CPAUC / (last minute - first minute) (nmol/L).
       A visit missing any sample gets no AUC (counted in the derivation log).
    3. ADT, ADY = the latest sample; ABLFL = "Y" when every sample is a baseline record.

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> d = pd.DataFrame({"USUBJID": ["S1", "S1"], "PARAMCD": ["CP0", "CP120"],
    ...     "AVISIT": ["M3", "M3"], "AVISITN": [91, 91],
    ...     "ADT": pd.to_datetime(["2020-04-01", "2020-04-01"]),
    ...     "ADY": pd.array([92, 92], dtype="Int64"), "AVAL": [0.2, 0.6],
    ...     "ABLFL": ["", ""], "ANL01FL": ["Y", "Y"]})
    >>> r = derive_param_cpauc(d, load_protocol("lu2021"))
    >>> r.loc[r.PARAMTYP == "DERIVED", ["PARAMCD", "AVAL"]].round(6).values.tolist()
    [['CPAUC', 48.0], ['CPMAUC', 0.4]]
    """
    check_frame(dataset, "dataset", "derive_param_cpauc", _NEEDED)
    check_protocol(protocol, "derive_param_cpauc")
    minutes = list(protocol.meal_test.minutes)
    if len(minutes) < 2:
        return dataset.copy()
    codes = {code for code in dataset["PARAMCD"].dropna().unique()
             if meal_test_minute(str(code)) in minutes}
    by_minute = {meal_test_minute(c): c for c in codes}
    if set(by_minute) != set(minutes):
        return dataset.copy()
    params = [by_minute[m] for m in minutes]
    ident, parts = _wide(dataset, params)
    rows = _combine(ident, parts)
    values = np.column_stack([parts[p]["AVAL"].reindex(rows.index).to_numpy() for p in params]) \
        if len(rows) else np.zeros((0, len(minutes)))
    auc = compute_auc(minutes, values)
    auc_rows = rows.assign(AVAL=auc).reset_index(drop=True)
    mean_rows = rows.assign(AVAL=auc / float(minutes[-1] - minutes[0])).reset_index(drop=True)
    out = _append(dataset, _new_rows(auc_rows, dataset, "CPAUC"))
    return _append(out, _new_rows(mean_rows, out, "CPMAUC"))
