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

from typing import Any

import numpy as np
import pandas as pd

from dataclasses import replace
from .._validation import invalid_parameter
from ..data.contract import meal_test_minute
from ..protocol import Protocol
from ..protocol.kinds import DerivedParam, kind_of
from . import _kernels as K
from ._common import (
    ady_to_rel,
    check_frame,
    check_protocol,
    group_codes,
    int_array,
    missing_array,
    text_flags,
)

from ._records import Rows

__all__ = ["DERIVED_PARAM_LABELS", "derive_param_insdose", "derive_param_idaa1c",
           "derive_param_cpauc", "compute_auc", "append_derived_params", "endpoint_params",
           "derived_param_labels"]

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
    rows = pd.DataFrame({c: template[c].array for c in template.columns})
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
            rows[column] = missing_array(dataset[column].dtype, n)
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
        return dataset.copy(deep=False)
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


def _per_visit(dataset: pd.DataFrame, params: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Subject x visit cells with an analysis value of every parameter in ``params``.

    Returns the identity of each cell (USUBJID, AVISIT, AVISITN, VISIT), the
    latest ADT and ADY of its records, ABLFL ("Y" when all are baseline
    records) and OUTWINFL ("Y" when any is out of window); and the values,
    one column a parameter (kernel :func:`t1dtrial.derive._kernels.cells`).
    """
    mask = ((dataset["ANL01FL"] == "Y") & dataset["PARAMCD"].isin(params)).to_numpy(dtype=bool)
    idx = np.flatnonzero(mask)
    keys = group_codes(pd.Series(dataset["USUBJID"].array[mask]),
                       pd.Series(dataset["AVISIT"].array[mask]))
    which = pd.Index(params).get_indexer(pd.Series(dataset["PARAMCD"].array[mask]))
    outside = ((dataset["OUTWINFL"] == "Y").to_numpy(dtype=bool)[idx]
               if "OUTWINFL" in dataset.columns else np.zeros(len(idx), dtype=bool))
    got = K.cells(keys, which, len(params), dataset["AVAL"].to_numpy(dtype=float)[idx],
                  dataset["ADT"].to_numpy(dtype="datetime64[ns]")[idx],
                  ady_to_rel(dataset["ADY"]).to_numpy(dtype=float, na_value=np.nan)[idx],
                  (dataset["ABLFL"] == "Y").to_numpy(dtype=bool)[idx], outside)
    rows = idx[got["first"]]
    rel = got["rel"]
    template = pd.DataFrame({
        "USUBJID": dataset["USUBJID"].array.take(rows),
        "AVISIT": dataset["AVISIT"].array.take(rows),
        "AVISITN": dataset["AVISITN"].to_numpy()[rows],
        "ADT": got["adt"],
        "ADY": int_array(np.where(rel >= 0, rel + 1, rel)),
        "ABLFL": text_flags(got["base"]),
        "OUTWINFL": text_flags(got["outside"]),
    })
    if "VISIT" in dataset.columns:
        template["VISIT"] = dataset["AVISIT"].array.take(rows)
    return template, got["values"]


def _meal_codes(param_names: list, protocol: Protocol) -> list[str] | None:
    """The CPxx codes of the protocol's meal-test minutes, in minute order (None if any absent)."""
    minutes = list(protocol.meal_test.minutes)
    if len(minutes) < 2:
        return None
    by_minute = {meal_test_minute(str(c)): c for c in param_names
                 if c is not None and meal_test_minute(str(c)) in minutes}
    if set(by_minute) != set(minutes):
        return None
    return [by_minute[m] for m in minutes]


def _array_cells(rows: Rows, codes: list[int]) -> tuple[Rows, dict[str, np.ndarray]]:
    """Cells (subject x analysis visit) of :class:`Rows` holding an analysis value of every code."""
    which_of = np.full(len(rows.param_names) + 1, -1)
    which_of[codes] = np.arange(len(codes))
    which = which_of[rows.param]
    idx = np.flatnonzero(rows.anl01fl & (which >= 0))
    keys = rows.subject[idx].astype(np.int64) * (len(rows.visit_names) + 1) + rows.avisit[idx]
    got = K.cells(keys, which[idx], len(codes), rows.aval[idx], rows.adt[idx], rows.rel[idx],
                  rows.ablfl[idx], rows.outside[idx])
    return rows.take(idx[got["first"]]), got


def _as_derived(template: Rows, code: int, aval: np.ndarray, got: dict | None = None) -> Rows:
    n = len(template)
    change = {"param": np.full(n, code, dtype=template.param.dtype), "aval": aval,
              "visit": template.avisit, "derived": np.ones(n, dtype=bool),
              "anl01fl": np.ones(n, dtype=bool), "below": np.zeros(n, dtype=bool),
              "srcseq": np.full(n, -1, dtype=np.int64), "srcfile": np.full(n, -1, dtype=np.intp),
              "srcrow": np.full(n, np.nan)}
    if got is not None:
        change.update(adt=got["adt"], rel=got["rel"], ablfl=got["base"], outside=got["outside"])
    return replace(template, **change)


def endpoint_params(protocol: Protocol) -> list[DerivedParam]:
    """ADLB parameters the protocol's endpoints ask for (e.g. an AUC over minutes of their own).

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> endpoint_params(load_protocol("lu2021"))
    []
    """
    found: dict[str, DerivedParam] = {}
    for ep in protocol.all_endpoints:
        for param in kind_of(ep).adlb_params(ep):
            found.setdefault(param.paramcd, param)
    return list(found.values())


def derived_param_labels(protocol: Protocol) -> dict[str, str]:
    """PARAM of every derived parameter: the fixed ones, then those of the endpoints."""
    return {**DERIVED_PARAM_LABELS, **{p.paramcd: p.label for p in endpoint_params(protocol)}}


def _auc_rows(names: list, code: dict, minutes: list[int], sources: Any,
              targets: list[tuple[int, bool]]) -> list[Rows]:
    """Trapezoid AUC (and mean AUC) rows over the C-peptide samples at ``minutes``."""
    by_minute = {meal_test_minute(str(c)): c for c in names
                 if c is not None and meal_test_minute(str(c)) in minutes}
    if len(minutes) < 2 or set(by_minute) != set(minutes):
        return []
    codes = [code[by_minute[m]] for m in minutes]
    template, got = _array_cells(sources(codes), codes)
    auc = compute_auc(minutes, got["values"])
    span = float(minutes[-1] - minutes[0])
    return [_as_derived(template, target, auc / span if mean else auc, got)
            for target, mean in targets]


def append_derived_params(rows: Rows, protocol: Protocol) -> Rows:
    """Append INSDOSE, IDAA1C, CPAUC, CPMAUC and the endpoints' AUC rows to ADLB rows held as arrays.

    An endpoint's AUC over minutes of its own (:func:`endpoint_params`) is
    computed as CPAUC / CPMAUC are, over its minutes.

    The rules are those of :func:`derive_param_insdose`, :func:`derive_param_idaa1c`
    and :func:`derive_param_cpauc`; used by :func:`~t1dtrial.derive.derive_adlb`.
    """
    names = list(rows.param_names)
    extra = endpoint_params(protocol)
    for p in [*DERIVED_PARAM_LABELS, *(d.paramcd for d in extra)]:
        if p not in names:
            names.append(p)
    rows = replace(rows, param_names=names)
    code = {p: names.index(p) for p in names if p is not None}
    new: list[Rows] = []

    def sources(codes: list[int]) -> Rows:
        """Analysis rows of these parameters, from the measured rows and those derived so far."""
        pool = rows.take(np.flatnonzero(rows.anl01fl & np.isin(rows.param, codes)))
        for part in new:
            pool = pool.append(part.take(np.flatnonzero(np.isin(part.param, codes))))
        return pool

    if "INSULIN" in code:
        src = sources([code["INSULIN"]])
        new.append(_as_derived(src, code["INSDOSE"], src.aval))
    if "HBA1C" in code:
        template, got = _array_cells(sources([code["HBA1C"], code["INSDOSE"]]),
                                     [code["HBA1C"], code["INSDOSE"]])
        values = got["values"]
        new.append(_as_derived(template, code["IDAA1C"], values[:, 0] + 4.0 * values[:, 1], got))
    new += _auc_rows(names, code, list(protocol.meal_test.minutes), sources,
                     [(code["CPAUC"], False), (code["CPMAUC"], True)])
    for param in extra:
        new += _auc_rows(names, code, list(param.minutes), sources,
                         [(code[param.paramcd], param.mean)])
    if new:
        combined = new[0]
        for part in new[1:]:
            combined = combined.append(part)
        rows = rows.append(combined)
    return rows


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
    rows, values = _per_visit(dataset, ["HBA1C", "INSDOSE"])
    rows["AVAL"] = values[:, 0] + 4.0 * values[:, 1]
    return _append(dataset, _new_rows(rows, dataset, "IDAA1C"))


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
        raise invalid_parameter("compute_auc", "values", f"have shape (n, {len(t)})", v,
                                got=f"shape {v.shape}")
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
    params = _meal_codes(list(dataset["PARAMCD"].dropna().unique()), protocol)
    if not params:
        return dataset.copy(deep=False)
    minutes = list(protocol.meal_test.minutes)
    rows, values = _per_visit(dataset, params)
    auc = compute_auc(minutes, values) if len(rows) else np.zeros(0)
    auc_rows = rows.assign(AVAL=auc)
    mean_rows = rows.assign(AVAL=auc / float(minutes[-1] - minutes[0]))
    out = _append(dataset, _new_rows(auc_rows, dataset, "CPAUC"))
    return _append(out, _new_rows(mean_rows, out, "CPMAUC"))
