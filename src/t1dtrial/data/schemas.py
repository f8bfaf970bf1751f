"""Pandera schemas of the trial tables, and their failures in a clinician's words.

:func:`table_schema` builds, for one protocol, the schema of each table as
the package holds it (typed columns, canonical units): which columns must
hold a value, allowed codes (arms and visits of the protocol, sexes,
severities...) and plausible ranges. Validation runs each schema lazily (every
failure, not the first) and :func:`schema_problems` turns pandera's failure
cases into :class:`~t1dtrial.errors.Problem` records located at the file,
line and column the value came from.

Plausible ranges of subject columns (outside them a value is refused):
``age_at_onset`` 0–100 years, ``weight_kg`` 10–250 kg (as the ``WEIGHT``
parameter), ``height_cm`` 30–250 cm. Ranges of measured parameters are in
:data:`t1dtrial.data.contract.PARAMS` and checked after unit conversion.

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> schema, rules = table_schema("subjects", load_protocol("lu2021"))
>>> rules["arm"].expected
'an arm of the protocol: MSC, CONTROL'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_one_of
from ..protocol import Protocol
from ._raw import Collector, RawTable
from .contract import PARAMS, RELATEDNESS, SERIOUS, SEVERITIES, SEXES, STATUSES, is_known_param

__all__ = ["Rule", "table_schema", "schema_problems", "AGE_RANGE", "HEIGHT_RANGE", "REQUIRED_VALUES"]

AGE_RANGE = (0.0, 100.0)
HEIGHT_RANGE = (30.0, 250.0)

#: Columns that must hold a value in every row, per table.
REQUIRED_VALUES: dict[str, tuple[str, ...]] = {
    "subjects": ("subject_id", "arm", "sex", "age_at_onset", "diagnosis_date", "enrolment_date",
                 "weight_kg"),
    "measurements": ("subject_id", "visit", "param"),
    "infusions": ("subject_id", "infusion_number", "date"),
    "adverse_events": ("subject_id", "term", "onset_date", "severity", "serious", "related"),
    "insulin_free": ("subject_id", "start_date"),
}

_TEXT = ("subject_id", "arm", "sex", "site", "status", "withdrawal_reason", "visit", "param",
         "unit", "lot_id", "route", "product", "term", "severity", "serious", "related")
_DATES = ("diagnosis_date", "enrolment_date", "withdrawal_date", "date", "onset_date", "end_date",
          "start_date")


@dataclass(frozen=True)
class Rule:
    """What a failed check means: the problem and what would be right."""

    problem: str
    expected: str


def _column(table: str, name: str, checks: list[Any], *, final: bool) -> Any:
    import pandera.pandas as pa

    if name in _DATES:
        dtype: Any = "datetime64[ns]"
    elif name in _TEXT:
        dtype = object
    elif name == "infusion_number" and final:
        dtype = "int64"
    else:
        dtype = "float64"
    nullable = name not in REQUIRED_VALUES[table]
    return pa.Column(dtype, checks, nullable=nullable, required=True, coerce=False)


def table_schema(table: str, protocol: Protocol, *, final: bool = False) -> tuple[Any, dict[str, Rule]]:
    """The pandera schema of a typed table and the meaning of each check.

    Parameters
    ----------
    table : str
        ``subjects``, ``measurements``, ``infusions``, ``adverse_events`` or ``insulin_free``.
    protocol : Protocol
        Gives the allowed arms and visits.
    final : bool
        Schema of the :class:`~t1dtrial.data.Trial` table (``infusion_number``
        as int64) rather than of the table during validation.

    Returns
    -------
    (pandera.DataFrameSchema, dict of check key -> Rule)
        Keys are column names (the column's value check) and ``"<column>:missing"``.
    """
    import pandera.pandas as pa

    check_one_of("table_schema", "table", table, list(REQUIRED_VALUES))
    arms = protocol.arm_codes
    visits = protocol.visit_codes
    w_lo, w_hi = PARAMS["WEIGHT"].plausible
    rules: dict[str, Rule] = {}
    checks: dict[str, list[Any]] = {}

    def rule(col: str, check: Any, problem: str, expected: str) -> None:
        rules[col] = Rule(problem, expected)
        checks.setdefault(col, []).append(check(col))

    def isin(values: tuple[str, ...] | list[str]) -> Any:
        return lambda key: pa.Check.isin(list(values), error=key)

    def in_range(lo: float, hi: float) -> Any:
        return lambda key: pa.Check.in_range(lo, hi, error=key)

    if table == "subjects":
        rule("arm", isin(arms), "arm not in the protocol",
             f"an arm of the protocol: {', '.join(arms)}")
        rule("sex", isin(SEXES), "unknown sex", "M or F")
        rule("age_at_onset", in_range(*AGE_RANGE), "implausible age at onset",
             f"years between {AGE_RANGE[0]:g} and {AGE_RANGE[1]:g}")
        rule("weight_kg", in_range(w_lo, w_hi), "implausible body weight",
             f"kg between {w_lo:g} and {w_hi:g}")
        rule("height_cm", in_range(*HEIGHT_RANGE), "implausible height",
             f"cm between {HEIGHT_RANGE[0]:g} and {HEIGHT_RANGE[1]:g}")
        rule("status", isin(STATUSES), "unknown status", ", ".join(STATUSES) + " or blank")
    elif table == "measurements":
        rule("visit", isin(visits), "visit not in the protocol",
             f"a visit of the protocol: {', '.join(visits)}")
        rule("param", lambda key: pa.Check(
            lambda s: s.isin([p for p in s.unique() if is_known_param(p)]), error=key),
            "unknown parameter",
            "FCP, PCP, CPxx (C-peptide at minute xx of a meal test), HBA1C, INSULIN, WEIGHT, "
            "FPG or PPG")
    elif table == "infusions":
        rule("infusion_number", lambda key: pa.Check(
            lambda s: (s >= 1) & (np.floor(s) == s), error=key),
            "infusion number is not a whole number from 1", "1, 2, 3 ...")
        rule("cells_per_kg", lambda key: pa.Check.ge(0, error=key), "negative dose",
             "cells per kg of body weight, 0 or more")
        rule("total_cells", lambda key: pa.Check.ge(0, error=key), "negative dose",
             "a number of cells, 0 or more")
    elif table == "adverse_events":
        rule("severity", isin(SEVERITIES), "unknown severity",
             "mild, moderate, severe or a CTCAE grade 1 to 5")
        rule("serious", isin(SERIOUS), "unknown seriousness", "Y or N")
        rule("related", isin(RELATEDNESS), "unknown relatedness", ", ".join(RELATEDNESS))

    from .contract import TABLES

    columns = {}
    for col in TABLES[table].columns:
        columns[col] = _column(table, col, checks.get(col, []), final=final)
        if col in REQUIRED_VALUES[table]:
            rules[f"{col}:missing"] = Rule("a value is required", _required_text(col, rules))
    schema = pa.DataFrameSchema(columns, strict=False, ordered=False, name=table)
    return schema, rules


def _required_text(col: str, rules: dict[str, Rule]) -> str:
    if col in rules:
        return rules[col].expected
    if col in _DATES:
        return "an ISO date YYYY-MM-DD"
    if col == "subject_id":
        return "the participant's study id"
    return f"a {col.replace('_', ' ')}"


def schema_problems(typed: pd.DataFrame, raw: RawTable, protocol: Protocol,
                    collector: Collector, *, skip: pd.DataFrame | None = None) -> np.ndarray:
    """Validate a typed table lazily and add each failure as a located problem.

    Parameters
    ----------
    typed : DataFrame
        Typed table with the index of ``raw.frame``.
    raw : RawTable
        The table as read (cells shown to the user, file and line of each row).
    protocol : Protocol
    collector : Collector
        Receives the problems.
    skip : DataFrame of bool, optional
        Cells already reported (unparseable): their failures are not repeated.

    Returns
    -------
    numpy.ndarray of bool
        Rows of ``typed`` with at least one failure.
    """
    import pandera.pandas as pa

    schema, rules = table_schema(raw.name, protocol)
    failed = np.zeros(len(typed), dtype=bool)
    try:
        schema.validate(typed, lazy=True)
        return failed
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    cases = cases[cases["index"].notna() & cases["column"].notna()]
    for (column, check), group in cases.groupby(["column", "check"], sort=False):
        key = f"{column}:missing" if check == "not_nullable" else str(check)
        r = rules.get(key)
        if r is None:  # a dtype failure: a fault of ours, not of the input
            raise TypeError(f"table {raw.name!r}, column {column!r}: failed check {check!r}")
        rows = np.zeros(len(typed), dtype=bool)
        where = typed.index.get_indexer(pd.Index(group["index"].to_numpy()).astype(typed.index.dtype))
        rows[where[where >= 0]] = True
        if skip is not None and column in skip.columns:
            rows &= ~skip[column].to_numpy()
        failed |= rows
        collector.rows(raw, raw.frame, rows, str(column), r.problem, r.expected)
    return failed
