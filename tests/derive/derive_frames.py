"""Builders of tiny canonical tables (docs/internals.md) for the derivation tests.

Imported by the tests as ``derive_frames`` (conftest.py puts this folder on sys.path).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
from t1dtrial.protocol import load_protocol

_SUBJECT_DEFAULTS = {
    "arm": "MSC", "sex": "F", "age_at_onset": 20.0, "diagnosis_date": "2019-12-01",
    "enrolment_date": "2020-01-01", "weight_kg": 60.0, "height_cm": np.nan, "site": "S01",
    "status": None, "withdrawal_date": None, "withdrawal_reason": None,
}


def make_subjects(*rows: dict) -> pd.DataFrame:
    """One dict a subject; unspecified columns take the defaults above."""
    records = [{**_SUBJECT_DEFAULTS, **r} for r in rows]
    df = pd.DataFrame(records, columns=["subject_id", *_SUBJECT_DEFAULTS])
    for c in ("diagnosis_date", "enrolment_date", "withdrawal_date"):
        df[c] = pd.to_datetime(df[c])
    df["source_row"] = np.arange(len(df)) + 2
    return df


def make_measurements(*rows: tuple) -> pd.DataFrame:
    """Rows (subject_id, visit, param, value, date or None)."""
    df = pd.DataFrame(list(rows), columns=["subject_id", "visit", "param", "value", "date"])
    df["value"] = df["value"].astype(float)
    df["date"] = pd.to_datetime(df["date"])
    units = {"HBA1C": "%", "INSULIN": "U/kg/day", "WEIGHT": "kg", "FPG": "mmol/L", "PPG": "mmol/L"}
    df["unit"] = df["param"].map(units).fillna("nmol/L")
    df["below_lod"] = False
    df["source_file"] = "measurements.csv"
    df["source_row"] = np.arange(len(df)) + 2
    return df


def make_infusions(*rows: tuple) -> pd.DataFrame:
    """Rows (subject_id, infusion_number, date, cells_per_kg)."""
    df = pd.DataFrame(list(rows), columns=["subject_id", "infusion_number", "date", "cells_per_kg"])
    df["infusion_number"] = df["infusion_number"].astype(int)
    df["date"] = pd.to_datetime(df["date"])
    df["cells_per_kg"] = df["cells_per_kg"].astype(float)
    df["total_cells"] = np.nan
    df["source_row"] = np.arange(len(df)) + 2
    return df


def make_adverse_events(*rows: tuple) -> pd.DataFrame:
    """Rows (subject_id, term, onset_date, severity, serious, related)."""
    df = pd.DataFrame(list(rows), columns=["subject_id", "term", "onset_date", "severity",
                                           "serious", "related"])
    df["onset_date"] = pd.to_datetime(df["onset_date"])
    df["end_date"] = pd.NaT
    df["source_row"] = np.arange(len(df)) + 2
    return df


def make_insulin_free(*rows: tuple) -> pd.DataFrame:
    """Rows (subject_id, start_date, end_date or None)."""
    df = pd.DataFrame(list(rows), columns=["subject_id", "start_date", "end_date"])
    df["start_date"] = pd.to_datetime(df["start_date"])
    df["end_date"] = pd.to_datetime(df["end_date"])
    df["source_row"] = np.arange(len(df)) + 2
    return df


def make_trial(protocol="lu2021", *, subjects, measurements=None, infusions=None,
               adverse_events=None, insulin_free=None) -> SimpleNamespace:
    return SimpleNamespace(
        protocol=load_protocol(protocol),
        subjects=subjects,
        measurements=measurements if measurements is not None else make_measurements(),
        infusions=infusions if infusions is not None else make_infusions(),
        adverse_events=adverse_events if adverse_events is not None else make_adverse_events(),
        insulin_free=insulin_free if insulin_free is not None else make_insulin_free(),
    )


def with_analysis(protocol, **options):
    """A copy of a protocol with analysis options changed."""
    return protocol.model_copy(update={"analysis": protocol.analysis.model_copy(update=options)})


def with_primary(protocol, **fields):
    """A copy of a protocol with primary endpoint fields changed."""
    ep = protocol.endpoints.primary.model_copy(update=fields)
    return protocol.model_copy(update={"endpoints": protocol.endpoints.model_copy(
        update={"primary": ep})})
