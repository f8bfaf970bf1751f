"""Checks of measurements.csv: values, units and their conversion, plausibility, duplicates.

Part of :func:`t1dtrial.data.validate.validate_raw`; see that module for the
rules as a whole.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..protocol import Protocol
from . import _rules
from ._checks import combined_key, match_codes, typed_columns
from ._parse import normalise_upper, parse_values
from ._raw import Collector, RawTable
from .contract import is_known_param, param_spec
from .log import LoadLog
from .schemas import schema_problems
from .units import accepted_units, canonical_unit, conversion_label, normalise_unit, to_canonical

__all__ = ["check_measurements"]

_VALUE_EXPECTED = ("a number with a decimal point (e.g. 0.25), or <limit for a value below the "
                   "detection limit (e.g. <0.003)")


def check_measurements(t: RawTable, protocol: Protocol, col: Collector, log: LoadLog,
                  subjects: pd.DataFrame | None) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Typed measurements in canonical units; returns (typed, failed rows, excluded rows).

    Works on factorised parameter and unit codes so that the cost per row is
    a few vectorised operations.
    """
    f = t.frame
    typed, skip = typed_columns(t, col)
    labels = {v.label: v.code for v in protocol.visits}
    typed["visit"] = match_codes(typed["visit"], protocol.visit_codes, labels)
    typed["param"] = normalise_upper(typed["param"])
    x, lod, bad = parse_values(f["value"])
    typed["value"] = x
    failed = schema_problems(typed, t, protocol, col, skip=skip) | skip.any(axis=1).to_numpy()
    bad = bad.to_numpy()
    lod = lod.to_numpy()
    col.rows(t, f, bad, "value", "not a number", _VALUE_EXPECTED)
    missing = f["value"].isna().to_numpy()
    pcode, params = pd.factorize(typed["param"])
    ucode, units_raw = pd.factorize(f["unit"])
    units = [normalise_unit(u) for u in units_raw]
    known = np.array([is_known_param(p) for p in params] + [False])[pcode]
    unit_ok = np.array([u is not None for u in units] + [False])[ucode]
    present = ~missing & ~bad & known
    ok = present.copy()
    half = protocol.analysis.below_detection == "half"
    raw_value = x.to_numpy(dtype=float) * np.where(lod & half, 0.5, 1.0)
    value = np.full(len(f), np.nan)
    weight = None
    no_weight = np.zeros(len(f), dtype=bool)
    canon = np.array([canonical_unit(p) if is_known_param(p) else np.nan for p in params]
                     + [np.nan], dtype=object)
    for i, p in enumerate(params):
        if not is_known_param(p):
            continue
        rows = present & (pcode == i)
        if not rows.any():
            continue
        allowed = accepted_units(p)
        expected = f"a unit of {p}: {', '.join(allowed)}"
        col.rows(t, f, rows & (ucode < 0), "unit", "no unit", expected)
        col.rows(t, f, rows & (ucode >= 0) & ~unit_ok, "unit", "unknown unit", expected)
        for j, u in enumerate(units):
            sel = rows & (ucode == j)
            if u is None or not sel.any():
                continue
            if u not in allowed:
                col.rows(t, f, sel, "unit", f"unit not accepted for {p}", expected,
                         kind="wrong unit")
                ok &= ~sel
                continue
            if u == "U/day":
                if weight is None:
                    weight = _weights(typed, raw_value, ok, subjects)
                no_weight |= sel & np.isnan(weight)
                sel = sel & ~np.isnan(weight)
            value[sel] = to_canonical(raw_value[sel], u, p,
                                      weight_kg=weight[sel] if u == "U/day" else None)
            if u != canonical_unit(p):
                key = conversion_label(p, u)
                log.conversions[key] = log.conversions.get(key, 0) + int(sel.sum())
        ok &= ~(rows & ~unit_ok)
    col.rows(t, f, no_weight, "unit",
             "an insulin dose in U/day cannot be converted to U/kg/day: no body weight for "
             "this participant", "a WEIGHT at the same visit or weight_kg in the subjects table")
    ok &= ~no_weight
    implausible = _implausible(t, f, typed, value, pcode, params, ok, col)
    lods = ok & lod
    for i, n in zip(*np.unique(pcode[lods], return_counts=True)):
        log.below_lod[params[i]] = log.below_lod.get(params[i], 0) + int(n)
    typed["value"] = value
    typed["unit"] = canon[pcode]
    typed["below_lod"] = lods
    failed = failed | bad | (present & ~ok) | implausible
    excluded = missing.copy()
    if missing.any():
        col.rows(t, f, missing, "value", "no value recorded; the row is not used",
                 severity="warning", kind="missing value")
        _rules.exclude(log, "measurements", f, missing, "no value recorded")
    dup_failed, dup_excluded = _duplicates(t, typed, ~failed & ~excluded, col, log)
    return typed, failed | dup_failed, excluded | dup_excluded


def _weights(typed: pd.DataFrame, raw_value: np.ndarray, ok: np.ndarray,
             subjects: pd.DataFrame | None) -> np.ndarray:
    """Body weight (kg) for each row: WEIGHT at the same visit, else baseline weight_kg."""
    is_w = ok & typed["param"].eq("WEIGHT").to_numpy()
    keys = combined_key(typed, ["subject_id", "visit"])
    w = pd.Series(raw_value[is_w], index=keys[is_w])
    w = w[~w.index.duplicated()]
    out = w.reindex(keys).to_numpy(dtype=float)
    if subjects is not None:
        base = subjects.drop_duplicates("subject_id").set_index("subject_id")["weight_kg"]
        fallback = typed["subject_id"].map(base).to_numpy(dtype=float)
        out = np.where(np.isnan(out), fallback, out)
    return out


def _implausible(t: RawTable, f: pd.DataFrame, typed: pd.DataFrame, value: np.ndarray,
                 pcode: np.ndarray, params: pd.Index, ok: np.ndarray, col: Collector) -> np.ndarray:
    ranges = [param_spec(p).plausible if is_known_param(p) else (np.nan, np.nan) for p in params]
    lo = np.array([r[0] for r in ranges] + [np.nan])[pcode]
    hi = np.array([r[1] for r in ranges] + [np.nan])[pcode]
    with np.errstate(invalid="ignore"):
        bad = ok & ((value < lo) | (value > hi))
    if bad.any():
        param = typed["param"]
        canon = param[bad].map(canonical_unit)
        shown = pd.Series(value[bad], index=canon.index).map(lambda v: f"{v:.4g}")
        problem = pd.Series("", index=f.index, dtype=object)
        problem[bad] = ("implausible value: " + shown + " " + canon + " (" + param[bad] + ")")
        expected = ", ".join(f"{p} {r[0]:g} to {r[1]:g} {canonical_unit(p)}"
                             for i, (p, r) in enumerate(zip(params, ranges))
                             if (bad & (pcode == i)).any())
        col.rows(t, f, bad, "value", problem, "a value between " + expected
                 + " (after conversion to canonical units)", kind="implausible")
    return bad


def _duplicates(t: RawTable, typed: pd.DataFrame, ok: np.ndarray, col: Collector,
                log: LoadLog) -> tuple[np.ndarray, np.ndarray]:
    """Same (subject, visit, param) twice: identical values -> keep the first; else an error."""
    n = len(typed)
    failed = np.zeros(n, dtype=bool)
    excluded = np.zeros(n, dtype=bool)
    key = pd.Series(combined_key(typed, ["subject_id", "visit", "param"]), index=typed.index)[ok]
    dup = key.duplicated(keep=False)
    if not dup.any():
        return failed, excluded
    idx = key.index[dup.to_numpy()]
    cand = pd.DataFrame({"key": key[idx], "value": typed.loc[idx, "value"],
                         "row": t.frame.loc[idx, "source_row"], "raw": t.frame.loc[idx, "value"]})
    g = cand.groupby("key", sort=False)
    first_row = g["row"].transform("first")
    first_raw = g["raw"].transform("first")
    first_val = g["value"].transform("first")
    later = cand["key"].duplicated(keep="first")
    same = np.isclose(cand["value"], first_val, rtol=1e-9, atol=0)
    exact = later & same
    conflict = later & ~same
    pos = typed.index.get_indexer(cand.index)
    if exact.any():
        mask = np.zeros(n, dtype=bool)
        mask[pos[exact.to_numpy()]] = True
        why = pd.Series("", index=typed.index, dtype=object)
        why[mask] = ("the same value is already recorded on row "
                     + first_row[exact].astype(str)).to_numpy()
        col.rows(t, t.frame, mask, "value", why + "; the repeat is not used",
                 severity="warning", kind="exact duplicate")
        _rules.exclude(log, "measurements", t.frame, mask, why)
        excluded |= mask
    if conflict.any():
        mask = np.zeros(n, dtype=bool)
        mask[pos[conflict.to_numpy()]] = True
        why = pd.Series("", index=typed.index, dtype=object)
        why[mask] = ("a different value for the same participant, visit and parameter is on row "
                     + first_row[conflict].astype(str) + " (" + first_raw[conflict].astype(str)
                     + ")").to_numpy()
        col.rows(t, t.frame, mask, "value", why,
                 "one value per participant, visit and parameter", kind="conflicting duplicate")
        failed |= mask
    return failed, excluded
