"""The input contract: tables, columns, parameters and their canonical units.

This module is the single place where the input contract of DESIGN.md is
written down in code. Readers, validation, the simulator and the derivations
all take their column names, parameter codes and canonical units from here.

Examples
--------
>>> PARAMS["FCP"].canonical_unit
'nmol/L'
>>> param_spec("CP30").label
'C-peptide at minute 30 of a meal test'
>>> TABLES["subjects"].required[:3]
('subject_id', 'arm', 'sex')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..protocol.vocabulary import MEASURED_PARAMS, SUBJECT_COLUMNS, meal_sample_minute

if TYPE_CHECKING:
    from ..protocol import Protocol

__all__ = [
    "TableSpec",
    "ParamSpec",
    "TABLES",
    "PARAMS",
    "param_spec",
    "is_known_param",
    "meal_test_minute",
    "meal_sample_minutes",
]


@dataclass(frozen=True)
class TableSpec:
    """Columns of one input table.

    Parameters
    ----------
    name : str
        Table name; the file is ``<name>.csv`` or a sheet ``<name>``.
    required : tuple of str
        Columns that must be present.
    optional : tuple of str
        Columns that are understood when present.
    dates : tuple of str
        Columns holding ISO dates (YYYY-MM-DD).
    numbers : tuple of str
        Columns holding numbers.
    optional_table : bool
        Whether the whole table may be absent.
    """

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    optional_table: bool = False

    @property
    def file_name(self) -> str:
        """Conventional file name, e.g. ``subjects.csv``."""
        return f"{self.name}.csv"

    @property
    def columns(self) -> tuple[str, ...]:
        """Required then optional columns, in contract order."""
        return self.required + self.optional


TABLES: dict[str, TableSpec] = {
    "subjects": TableSpec(
        name="subjects",
        required=SUBJECT_COLUMNS[:7],
        optional=SUBJECT_COLUMNS[7:],
        dates=("diagnosis_date", "enrolment_date", "withdrawal_date"),
        numbers=("age_at_onset", "weight_kg", "height_cm"),
    ),
    "measurements": TableSpec(
        name="measurements",
        required=("subject_id", "visit", "param", "value", "unit"),
        optional=("date",),
        dates=("date",),
        numbers=("value",),
    ),
    "infusions": TableSpec(
        name="infusions",
        required=("subject_id", "infusion_number", "date"),
        optional=("cells_per_kg", "total_cells", "lot_id", "route", "product"),
        dates=("date",),
        numbers=("infusion_number", "cells_per_kg", "total_cells"),
    ),
    "adverse_events": TableSpec(
        name="adverse_events",
        required=("subject_id", "term", "onset_date", "severity", "serious", "related"),
        optional=("end_date",),
        dates=("onset_date", "end_date"),
    ),
    "insulin_free": TableSpec(
        name="insulin_free",
        required=("subject_id", "start_date"),
        optional=("end_date",),
        dates=("start_date", "end_date"),
        optional_table=True,
    ),
}

#: Allowed values of categorical columns.
SEXES = ("M", "F")
STATUSES = ("completed", "withdrawn", "lost")
SEVERITIES = ("mild", "moderate", "severe", "1", "2", "3", "4", "5")
SERIOUS = ("Y", "N")
RELATEDNESS = ("related", "possible", "unrelated")


@dataclass(frozen=True)
class ParamSpec:
    """One measured parameter.

    Parameters
    ----------
    code : str
        PARAMCD, e.g. ``"FCP"``.
    label : str
        Words for reports.
    canonical_unit : str
        Unit inside the package.
    units : tuple of str
        Units accepted in input (converted by :mod:`t1dtrial.data.units`).
    plausible : tuple of float
        Inclusive range of plausible values in the canonical unit; outside
        it a value is refused as implausible.
    """

    code: str
    label: str
    canonical_unit: str
    units: tuple[str, ...]
    plausible: tuple[float, float]
    extra: dict = field(default_factory=dict)

    @property
    def param(self) -> str:
        """CDISC PARAM: label with canonical unit, e.g. ``Fasting C-peptide (nmol/L)``."""
        return f"{self.label} ({self.canonical_unit})"


_CPEP_UNITS = ("nmol/L", "pmol/L", "ng/mL")
_GLU_UNITS = ("mmol/L", "mg/dL")

PARAMS: dict[str, ParamSpec] = {
    "FCP": ParamSpec("FCP", "Fasting C-peptide", "nmol/L", _CPEP_UNITS, (0.0, 10.0)),
    "PCP": ParamSpec("PCP", "2-h postprandial C-peptide", "nmol/L", _CPEP_UNITS, (0.0, 10.0)),
    "HBA1C": ParamSpec("HBA1C", "HbA1c", "%", ("%", "mmol/mol"), (3.0, 20.0)),
    "INSULIN": ParamSpec("INSULIN", "Total daily insulin dose", "U/kg/day",
                         ("U/kg/day", "U/day"), (0.0, 3.0)),
    "WEIGHT": ParamSpec("WEIGHT", "Body weight", "kg", ("kg",), (10.0, 250.0)),
    "FPG": ParamSpec("FPG", "Fasting plasma glucose", "mmol/L", _GLU_UNITS, (0.5, 60.0)),
    "PPG": ParamSpec("PPG", "2-h postprandial plasma glucose", "mmol/L", _GLU_UNITS, (0.5, 60.0)),
}

assert tuple(PARAMS) == MEASURED_PARAMS, "PARAMS and protocol.vocabulary disagree"

#: Minute of a meal-test C-peptide sample code (``CP120`` -> 120), None for other codes; the
#: protocol vocabulary's rule, so that protocols and data read codes alike.
meal_test_minute = meal_sample_minute


_AUC_PARAMS = ("CPAUC", "CPMAUC")


def meal_sample_minutes(protocol: "Protocol") -> tuple[int, ...]:
    """Meal-test minutes whose C-peptide the protocol keeps as ``CPxx`` samples.

    They are the protocol's ``meal_test.minutes`` when it analyses the meal
    test's curve (an endpoint on ``CPAUC``/``CPMAUC``, or three or more
    sampling minutes), else none: a fasting and a 2-h sample alone are
    ``FCP`` and ``PCP``. The simulator writes these samples and the SDTM
    reader maps timed C-peptide records onto them.

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> meal_sample_minutes(load_protocol("carlsson2015"))
    (0, 15, 30, 60, 90, 120)
    >>> meal_sample_minutes(load_protocol("lu2021"))
    ()
    """
    meal = protocol.meal_test
    auc = any(getattr(e, "param", None) in _AUC_PARAMS
              or any(x in _AUC_PARAMS for x in getattr(e, "params", None) or [])
              for e in protocol.all_endpoints)
    keep = meal.kind != "none" and (len(meal.minutes) >= 3 or auc)
    return tuple(meal.minutes) if keep else ()


def param_spec(code: str) -> ParamSpec:
    """Return the :class:`ParamSpec` of a parameter code, including ``CPxx``.

    Raises
    ------
    KeyError
        If the code is not a known parameter.
    """
    if code in PARAMS:
        return PARAMS[code]
    minute = meal_test_minute(code)
    if minute is not None:
        return ParamSpec(code, f"C-peptide at minute {minute} of a meal test", "nmol/L",
                         _CPEP_UNITS, (0.0, 10.0), extra={"minute": minute})
    raise KeyError(code)


def is_known_param(code: str) -> bool:
    """Whether ``code`` is a parameter of the input contract.

    Examples
    --------
    >>> is_known_param("HBA1C"), is_known_param("CP15"), is_known_param("LDL")
    (True, True, False)
    """
    return code in PARAMS or meal_test_minute(code) is not None
