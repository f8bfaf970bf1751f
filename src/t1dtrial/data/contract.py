"""The input contract: tables, columns, parameters and their canonical units.

This module is the single place where the input contract (docs/design.md)
is written down in code. Readers, validation, the simulator and the
derivations all take their column names, parameter codes and canonical units
from here. The parameters themselves (:data:`PARAMS`, :func:`param_spec`,
:func:`is_known_param`) are the protocol vocabulary's
(:mod:`t1dtrial.protocol.vocabulary`), re-exported, so that a protocol and the
data read codes alike.

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

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..protocol.vocabulary import (PARAMS, SUBJECT_COLUMNS, ParamSpec, is_known_param,
                                   meal_sample_minute, param_spec)

if TYPE_CHECKING:
    from ..protocol import Protocol

__all__ = [
    "TableSpec",
    "TABLE_NAMES",
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

#: The tables of a trial, in contract order: the one list of their names.
TABLE_NAMES: tuple[str, ...] = tuple(TABLES)

#: Allowed values of categorical columns.
SEXES = ("M", "F")
STATUSES = ("completed", "withdrawn", "lost")
SEVERITIES = ("mild", "moderate", "severe", "1", "2", "3", "4", "5")
SERIOUS = ("Y", "N")
RELATEDNESS = ("related", "possible", "unrelated")


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
