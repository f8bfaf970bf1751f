"""Names a protocol may refer to: subject columns and analysis parameters.

The protocol layer imports nothing else of t1dtrial, so the few names shared
with the input contract live here and :mod:`t1dtrial.data.contract` builds on
them.

Examples
--------
>>> is_endpoint_param("PCP"), is_endpoint_param("CP90"), is_endpoint_param("LDL")
(True, True, False)
"""

from __future__ import annotations

import re

__all__ = [
    "SUBJECT_COLUMNS",
    "MEASURED_PARAMS",
    "DERIVED_PARAMS",
    "is_endpoint_param",
]

#: Columns of ``subjects.csv`` a subgroup expression may use.
SUBJECT_COLUMNS: tuple[str, ...] = (
    "subject_id", "arm", "sex", "age_at_onset", "diagnosis_date", "enrolment_date",
    "weight_kg", "height_cm", "site", "status", "withdrawal_date", "withdrawal_reason",
)

#: Parameters measured and recorded in ``measurements.csv`` (plus ``CPxx``).
MEASURED_PARAMS: tuple[str, ...] = ("FCP", "PCP", "HBA1C", "INSULIN", "WEIGHT", "FPG", "PPG")

#: Parameters the derivations compute (ADLB).
DERIVED_PARAMS: tuple[str, ...] = ("INSDOSE", "IDAA1C", "CPAUC", "CPMAUC")

_MEAL_SAMPLE = re.compile(r"^CP\d{1,3}$")


def is_endpoint_param(code: str) -> bool:
    """Whether an endpoint may name ``code`` as its parameter."""
    return code in MEASURED_PARAMS or code in DERIVED_PARAMS or bool(_MEAL_SAMPLE.match(code))
