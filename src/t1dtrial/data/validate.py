"""Validation of raw tables: types, codes, units, plausibility and cross-table rules.

:func:`validate_raw` turns the text tables a reader produced into typed tables
in canonical units, or raises :class:`~t1dtrial.errors.InputError` carrying
every problem found. Each problem names the file, line (header = 1), column
and value, and says what would be right.

Errors (the load stops): a missing file or required column; an empty file; a
file that is not text; a direct identifier column, by name or content
(unless dropped or released: :mod:`~t1dtrial.data.identifiers`); a
duplicate ``subject_id``; a subject in another table but not in subjects; an
arm or visit not in the protocol; an unknown parameter; a missing, unknown or
wrong unit; a value that is not a number; an implausible value (canonical
units, ranges in :data:`~t1dtrial.data.contract.PARAMS`); a date that is not
an ISO date; a date in the future; a measurement or infusion after the
participant's withdrawal; enrolment before diagnosis; an infusion for a
standard-care participant; a dose a hundredfold from the protocol's plan for
the participant's arm (and product), cells in a placebo participant's sham
infusion, a row of an infusion of several products that names none of them
(:mod:`~t1dtrial.data._dose_checks`); the same (subject, visit, parameter)
twice with different values; an insulin dose in U/day without a body weight.

Warnings (data kept, flagged and logged): a file read as latin-1; a value
outside its visit window (``out_of_window``); a missing baseline
(``missing_baseline`` on subjects); a measurement row with no value (not
used, listed in the log's exclusions); a repeated identical value (the repeat
is not used and listed in the exclusions); an identifier column dropped or
released on request; an infusion with no dose; a dose outside the protocol's
planned range; a semicolon-separated file with decimal commas (read as such);
a participant who does not meet an eligibility criterion of the protocol, or
cannot be assessed for it (a protocol deviation: :mod:`~t1dtrial.data.eligibility`).

Below-detection values written ``<limit`` (e.g. ``<0.003``) are not errors:
the protocol option ``analysis.below_detection`` replaces them by half the
limit (``half``) or the limit (``limit``); ``below_lod`` is set and they are
counted in the log.
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Iterable

import numpy as np
import pandas as pd

from ..errors import InputError, InputWarning, Problem
from ..protocol import Protocol
from . import _rules
from ._checks import match_codes, typed_columns
from ._date_checks import check_dates
from ._dose_checks import cells_per_kg, check_doses
from ._measurement_checks import check_measurements
from ._parse import (normalise_lower, normalise_related, normalise_serious, normalise_severity,
                     normalise_sex)
from ._raw import SRC_PREFIX, Collector, RawData, RawTable
from .contract import TABLES
from .eligibility import deviation_warnings
from .identifier_policy import apply_screening, mask_values
from .log import LoadLog
from .schemas import schema_problems

__all__ = ["validate_raw", "MEASUREMENT_COLUMNS", "DERIVED_COLUMNS"]

#: Columns of the measurements table of a Trial, in order (extra columns follow).
MEASUREMENT_COLUMNS = ("subject_id", "visit", "date", "param", "value", "unit", "value_raw",
                       "unit_raw", "below_lod", "out_of_window", "source_file", "source_row")

#: Columns the loader adds (not part of the input files), per table.
DERIVED_COLUMNS = {
    "subjects": ("missing_baseline", "source_row"),
    "measurements": ("value_raw", "unit_raw", "below_lod", "out_of_window", "source_file",
                     "source_row"),
    "infusions": ("source_row",),
    "adverse_events": ("source_row",),
    "insulin_free": ("source_row",),
}


def _file_of(raw: RawData, table: str) -> str:
    for f in raw.files:
        if f.table == table:
            return f.name
    return TABLES[table].file_name


def _structure(raw: RawData, t: RawTable, col: Collector) -> bool:
    """Required columns present and, for subjects and measurements, at least one row."""
    if not t.usable:
        return False
    if not t.present:
        return True
    file = _file_of(raw, t.name)
    spec = TABLES[t.name]
    missing = [c for c in spec.required if c not in t.frame.columns]
    found = [c for c in t.frame.columns if c not in ("source_file", "source_row")
             and not str(c).startswith(SRC_PREFIX)]
    for c in missing:
        col.add(Problem(file=file, row=1, column=c, value=None,
                        problem="required column missing",
                        expected=f"a column named {c} (columns found: {', '.join(map(str, found))})"))
    if missing:
        return False
    if len(t.frame) == 0 and t.name in ("subjects", "measurements"):
        col.add(Problem(file=file, row=None, column=None, value=None,
                        problem="the file has a header but no data rows",
                        expected="one row per participant" if t.name == "subjects"
                        else "one row per measured value"))
        return False
    return True


def _subjects(t: RawTable, protocol: Protocol, col: Collector) -> tuple[pd.DataFrame, np.ndarray]:
    typed, skip = typed_columns(t, col)
    typed["arm"] = match_codes(typed["arm"], protocol.arm_codes)
    typed["sex"] = normalise_sex(typed["sex"])
    typed["status"] = normalise_lower(typed["status"])
    failed = schema_problems(typed, t, protocol, col, skip=skip) | skip.any(axis=1).to_numpy()
    f = t.frame
    sid = typed["subject_id"]
    dup = (sid.notna() & sid.duplicated(keep="first")).to_numpy()
    if dup.any():
        first = f["source_row"].groupby(sid).transform("first")
        col.rows(t, f, dup, "subject_id",
                 "duplicate subject_id: the participant is already on row " + first.astype(str),
                 "each participant once in the subjects table", kind="duplicate subject")
    early = (typed["enrolment_date"] < typed["diagnosis_date"]).to_numpy()
    if early.any():
        col.rows(t, f, early, "enrolment_date",
                 "enrolment before diagnosis (diagnosis_date "
                 + typed["diagnosis_date"].dt.strftime("%Y-%m-%d").fillna("") + ")",
                 "an enrolment date on or after the diagnosis date", kind="enrolment before diagnosis")
    return typed, failed | dup | early


def _infusions(t: RawTable, protocol: Protocol, col: Collector) -> tuple[pd.DataFrame, np.ndarray]:
    typed, skip = typed_columns(t, col)
    typed["route"] = normalise_lower(typed["route"])
    failed = schema_problems(typed, t, protocol, col, skip=skip) | skip.any(axis=1).to_numpy()
    product = typed["product"].astype(object).where(typed["product"].notna(), "").astype(str)
    key = typed[["subject_id", "infusion_number"]].assign(product=product.str.strip())
    dup = (key.notna().all(axis=1) & key.duplicated(keep="first")).to_numpy()
    if dup.any():
        first = t.frame["source_row"].groupby([key["subject_id"], key["infusion_number"],
                                               key["product"]]).transform("first")
        col.rows(t, t.frame, dup, "infusion_number",
                 "the same infusion number (and product) twice for this participant (also on "
                 "row " + first.astype(str) + ")", "each infusion once, numbered 1, 2, ... "
                 "(one row a product of an infusion of several products)",
                 kind="duplicate infusion")
    return typed, failed | dup


def _end_before_start(t: RawTable, typed: pd.DataFrame, start: str, end: str,
                      col: Collector) -> np.ndarray:
    bad = (typed[end] < typed[start]).to_numpy()
    if bad.any():
        col.rows(t, t.frame, bad, end,
                 f"ends before it starts ({start} "
                 + typed[start].dt.strftime("%Y-%m-%d").fillna("") + ")",
                 f"a date on or after {start}", kind="end before start")
    return bad


def _adverse_events(t: RawTable, protocol: Protocol, col: Collector) -> tuple[pd.DataFrame, np.ndarray]:
    typed, skip = typed_columns(t, col)
    typed["severity"] = normalise_severity(typed["severity"])
    typed["serious"] = normalise_serious(typed["serious"])
    typed["related"] = normalise_related(typed["related"])
    failed = schema_problems(typed, t, protocol, col, skip=skip) | skip.any(axis=1).to_numpy()
    return typed, failed | _end_before_start(t, typed, "onset_date", "end_date", col)


def _insulin_free(t: RawTable, protocol: Protocol, col: Collector) -> tuple[pd.DataFrame, np.ndarray]:
    typed, skip = typed_columns(t, col)
    failed = schema_problems(typed, t, protocol, col, skip=skip) | skip.any(axis=1).to_numpy()
    return typed, failed | _end_before_start(t, typed, "start_date", "end_date", col)


def validate_raw(raw: RawData, protocol: Protocol, *, drop_identifiers: bool = False,
                 allow_columns: Iterable[str] = (),
                 today: dt.date | None = None) -> tuple[dict[str, pd.DataFrame], LoadLog]:
    """Validate raw tables and return typed tables in canonical units and the load log.

    Parameters
    ----------
    raw : RawData
        What a reader produced (:func:`t1dtrial.data.readers.read_raw`).
    protocol : Protocol
        Arms, visits, windows and analysis options.
    drop_identifiers : bool
        Drop direct identifier columns (and log it) instead of refusing them.
    allow_columns : iterable of str
        Flagged columns released as false positives (logged in ``identifiers_allowed``).
    today : date, optional
        The day the data are read (default today): a later date is an error.

    Returns
    -------
    (dict of table name -> DataFrame, LoadLog)
        Tables as described in docs/internals.md.

    Raises
    ------
    InputError
        Carrying every error (and the warnings found so far).
    """
    col = Collector()
    log = LoadLog(source=raw.source, format=raw.format, files=list(raw.files))
    col.extend(raw.problems)
    refused = apply_screening(raw, col, log, drop=drop_identifiers, allow=allow_columns)
    tables = raw.tables
    log.rows_in = {name: int(len(t.frame)) for name, t in tables.items()}
    for e in raw.exclusions:  # rows a reader read and set aside (e.g. SDTM safety labs)
        log.rows_in[e.table] = log.rows_in.get(e.table, 0) + 1
    log.exclusions.extend(raw.exclusions)
    usable = {name: _structure(raw, t, col) for name, t in tables.items()}
    typed: dict[str, pd.DataFrame] = {}
    failed: dict[str, np.ndarray] = {}
    builders = {"subjects": _subjects, "infusions": _infusions,
                "adverse_events": _adverse_events, "insulin_free": _insulin_free}
    for name, build in builders.items():
        if usable[name]:
            typed[name], failed[name] = build(tables[name], protocol, col)
    subjects = typed.get("subjects")
    excluded = np.zeros(0, dtype=bool)
    if usable["measurements"]:
        typed["measurements"], failed["measurements"], excluded = check_measurements(
            tables["measurements"], protocol, col, log, subjects)
    if subjects is not None:
        known = pd.Index(subjects["subject_id"].dropna().unique())
        subjects_file = _file_of(raw, "subjects")
        for name in ("measurements", "infusions", "adverse_events", "insulin_free"):
            if name in typed:
                failed[name] |= _rules.unknown_subjects(typed[name], known, tables[name],
                                                        subjects_file, col)
        if "infusions" in typed:
            failed["infusions"] |= _rules.control_infusions(typed["infusions"], subjects, protocol,
                                                            tables["infusions"], col)
            failed["infusions"] |= check_doses(typed["infusions"], subjects, protocol,
                                               tables["infusions"], col)
    for name, bad in check_dates(typed, tables, col, today or dt.date.today()).items():
        failed[name] |= bad
    if col.has_errors or set(typed) != set(TABLES):
        raise InputError(mask_values(col.result(), refused))
    out = _finish(raw, typed, excluded, protocol, col, log)
    for problem in deviation_warnings(out["subjects"], out["measurements"], protocol,
                                      _file_of(raw, "subjects")):
        col.add(problem)
    log.warnings = [p for p in col.result() if p.severity == "warning"]
    log.rows_used = {name: int(len(df)) for name, df in out.items()}
    _emit(log.warnings)
    return out, log


def _extras(t: RawTable) -> list[str]:
    spec = TABLES[t.name]
    return [c for c in t.frame.columns if c not in spec.columns and c not in ("source_file", "source_row")
            and not str(c).startswith(SRC_PREFIX) and c not in DERIVED_COLUMNS[t.name]]


def _finish(raw: RawData, typed: dict[str, pd.DataFrame], excluded: np.ndarray,
            protocol: Protocol, col: Collector, log: LoadLog) -> dict[str, pd.DataFrame]:
    """Final tables: flags, dose per kg, dtypes, extra columns, fresh index."""
    tables = raw.tables
    subj, inf = typed["subjects"], typed["infusions"]
    inf = _dose_per_kg(inf, subj, tables["infusions"], col, log)
    m = typed["measurements"].loc[~excluded].copy() if excluded.any() else typed["measurements"]
    mraw = tables["measurements"].frame.loc[m.index]
    m["value_raw"] = mraw["value"].astype(object)
    m["unit_raw"] = mraw["unit"].astype(object)
    m["source_file"] = mraw["source_file"].astype(object)
    m["source_row"] = mraw["source_row"]
    day0 = _rules.study_day0(subj, inf)
    m["out_of_window"] = _rules.flag_windows(m, protocol, day0, tables["measurements"], col)
    subj["missing_baseline"] = _rules.missing_baselines(subj, m, protocol, tables["subjects"], col)
    out: dict[str, pd.DataFrame] = {}
    for name, frame in (("subjects", subj), ("measurements", m), ("infusions", inf),
                        ("adverse_events", typed["adverse_events"]),
                        ("insulin_free", typed["insulin_free"])):
        t = tables[name]
        if "source_row" not in frame.columns:
            frame["source_row"] = t.frame.loc[frame.index, "source_row"]
        order = list(MEASUREMENT_COLUMNS) if name == "measurements" else [
            *TABLES[name].columns, *DERIVED_COLUMNS[name]]
        extras = _extras(t)
        for c in extras:
            frame[c] = t.frame.loc[frame.index, c].astype(object)
        frame = frame[order + extras]
        frame.index = pd.RangeIndex(len(frame))
        out[name] = _dtypes(name, frame)
    return out


def _dose_per_kg(inf: pd.DataFrame, subj: pd.DataFrame, t: RawTable, col: Collector,
                 log: LoadLog) -> pd.DataFrame:
    """cells_per_kg from total_cells / baseline weight when only the total is given."""
    fill = (inf["cells_per_kg"].isna() & inf["total_cells"].notna()).to_numpy()
    if fill.any():
        inf["cells_per_kg"] = cells_per_kg(inf, subj)
        log.conversions["infusion dose: cells -> cells/kg"] = int(fill.sum())
    none = (inf["cells_per_kg"].isna() & inf["total_cells"].isna()).to_numpy()
    col.rows(t, t.frame.loc[inf.index], none, "cells_per_kg",
             "no dose recorded for this infusion (kept; dose unknown)", "cells_per_kg or total_cells",
             severity="warning", kind="no dose")
    return inf


def _dtypes(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    spec = TABLES[name]
    for c in frame.columns:
        if c in spec.dates:
            frame[c] = pd.to_datetime(frame[c]).astype("datetime64[ns]")
        elif c == "infusion_number":
            frame[c] = frame[c].astype("int64")
        elif c in spec.numbers or c == "value":
            frame[c] = frame[c].astype("float64")
        elif c in ("below_lod", "out_of_window", "missing_baseline"):
            frame[c] = frame[c].astype(bool)
        elif c == "source_row":
            frame[c] = frame[c].astype("int64")
        elif frame[c].dtype != object:
            frame[c] = frame[c].astype(object)
    return frame


def _emit(problems: list[Problem], limit: int = 10) -> None:
    for p in problems[:limit]:
        warnings.warn(str(p), InputWarning, stacklevel=4)
    if len(problems) > limit:
        warnings.warn(f"... and {len(problems) - limit} more warning(s); see trial.load_log.warnings",
                      InputWarning, stacklevel=4)
