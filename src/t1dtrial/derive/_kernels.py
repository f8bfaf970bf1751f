"""Array kernels of the ADLB rules, shared by the DataFrame functions and the fast pipeline.

Each takes plain numpy arrays (one value a record) and returns arrays; the
rules are written once here and documented on the public functions that use
them (:func:`~t1dtrial.derive.derive_var_ablfl`,
:func:`~t1dtrial.derive.derive_var_anl01fl`,
:func:`~t1dtrial.derive.derive_vars_chg`, the derived parameters).

Examples
--------
>>> import numpy as np
>>> baseline_rows(np.array([0, 0, 0]), np.array([True, True, True]),
...               np.array([-5.0, 0.0, 3.0]), np.array([True, True, True]),
...               np.array([0.0, 0.0, 0.0])).tolist()
[False, True, False]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import first_in_group

__all__ = ["baseline_rows", "analysis_rows", "change_from_baseline", "cells"]

NAT = np.iinfo(np.int64).min


def baseline_rows(groups: np.ndarray, has_value: np.ndarray, rel: np.ndarray,
                  at_baseline_visit: np.ndarray, visit_day: np.ndarray) -> np.ndarray:
    """Mask of the baseline record of each group (subject x parameter).

    Candidates have a value and are dated on or before day 0 (``rel <= 0``), or
    are undated and recorded at the baseline visit; the last by study day wins
    (undated: the recorded visit's nominal day), ties to the later record.
    """
    dated = ~np.isnan(rel)
    with np.errstate(invalid="ignore"):
        candidate = has_value & ((dated & (rel <= 0)) | (~dated & at_baseline_visit))
    order_day = np.where(dated, rel, visit_day)
    idx = np.flatnonzero(candidate)
    chosen = np.zeros(len(groups), dtype=bool)
    chosen[idx[first_in_group(groups[idx], -order_day[idx], -idx.astype(float))]] = True
    return chosen


def analysis_rows(groups: np.ndarray, has_value: np.ndarray, is_base: np.ndarray,
                  at_baseline_visit: np.ndarray, rel: np.ndarray, outside: np.ndarray,
                  nominal: np.ndarray) -> np.ndarray:
    """Mask of the analysis record of each group (subject x parameter x analysis visit).

    Baseline records are analysis records. Elsewhere, candidates have a value,
    are not at the baseline visit and not dated on or before day 0; preferred:
    inside the window (undated counts as inside), nearest the nominal day,
    latest date, last in input order.
    """
    dated = ~np.isnan(rel)
    with np.errstate(invalid="ignore"):
        candidate = has_value & ~is_base & ~at_baseline_visit & ~(dated & (rel <= 0))
    idx = np.flatnonzero(candidate)
    distance = np.where(dated[idx], np.abs(rel[idx] - nominal[idx]), np.inf)
    latest_first = np.where(dated[idx], -rel[idx], np.inf)
    chosen = is_base.copy()
    chosen[idx[first_in_group(groups[idx], outside[idx].astype(float), distance, latest_first,
                              -idx.astype(float))]] = True
    return chosen


def change_from_baseline(groups: np.ndarray, is_base: np.ndarray, post: np.ndarray,
                         aval: np.ndarray) -> dict[str, np.ndarray]:
    """BASE on every row, CHG and PCHG on post-baseline rows, and why PCHG is undefined.

    Returns arrays ``BASE``, ``CHG``, ``PCHG``, ``no_base`` and ``zero_base``
    (post-baseline rows with a value whose baseline is missing / zero).

    Raises
    ------
    ValueError
        When a group has more than one baseline record (message: the group code).
    """
    dense, uniques = pd.factorize(groups)
    base_dense = dense[is_base]
    if len(np.unique(base_dense)) != len(base_dense):
        values, counts = np.unique(base_dense, return_counts=True)
        raise ValueError(int(uniques[values[counts > 1][0]]))
    lookup = np.full(len(uniques), np.nan)
    lookup[base_dense] = aval[is_base]
    base = lookup[dense]
    chg = np.where(post, aval - base, np.nan)
    has_value = ~np.isnan(aval)
    defined = post & ~np.isnan(base) & (base != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pchg = np.where(defined, 100.0 * chg / np.where(defined, base, 1.0), np.nan)
    return {"BASE": base, "CHG": chg, "PCHG": pchg,
            "no_base": post & has_value & np.isnan(base),
            "zero_base": post & has_value & (base == 0)}


def cells(cell_keys: np.ndarray, which: np.ndarray, k: int, aval: np.ndarray,
          adt: np.ndarray, rel: np.ndarray, base: np.ndarray, outside: np.ndarray
          ) -> dict[str, np.ndarray]:
    """Gather records of ``k`` parameters into cells (subject x visit) holding all ``k`` values.

    Parameters
    ----------
    cell_keys : int array
        The cell of each record (records of other parameters excluded beforehand).
    which : int array
        The parameter (0..k-1) of each record; at most one record a cell and parameter.
    aval, adt, rel, base, outside : arrays
        Per record: value, date (datetime64), days from day 0, baseline and
        out-of-window flags.

    Returns
    -------
    dict
        ``first`` (position of a record of each complete cell), ``values``
        (cells x k), ``adt`` and ``rel`` (the latest of the cell's records),
        ``base`` (all baseline), ``outside`` (any out of window).
    """
    keys, inverse = np.unique(cell_keys, return_inverse=True)
    m = len(keys)
    values = np.full((m, k), np.nan)
    values[inverse, which] = aval
    dates = np.full((m, k), NAT, dtype=np.int64)
    dates[inverse, which] = adt.astype("datetime64[ns]").view(np.int64)
    days = np.full((m, k), np.nan)
    days[inverse, which] = rel
    all_base = np.zeros((m, k), dtype=bool)
    all_base[inverse, which] = base
    any_out = np.zeros((m, k), dtype=bool)
    any_out[inverse, which] = outside
    first = np.empty(m, dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(cell_keys))[::-1]
    complete = ~np.isnan(values).any(axis=1)
    latest = np.full(int(complete.sum()), np.nan)
    sub = days[complete]
    has = ~np.isnan(sub).all(axis=1) if k else np.zeros(0, dtype=bool)
    latest[has] = np.nanmax(sub[has], axis=1) if has.any() else latest[has]
    return {"first": first[complete], "values": values[complete],
            "adt": dates[complete].max(axis=1).view("datetime64[ns]"), "rel": latest,
            "base": all_base[complete].all(axis=1), "outside": any_out[complete].any(axis=1)}
