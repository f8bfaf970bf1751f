"""Units a protocol writes, and the values a parameter can take in each.

The spelling rules (:func:`normalise_unit`) live here, in the protocol layer,
because a protocol's threshold endpoints write units too; the data layer
(:mod:`t1dtrial.data.units`) builds its conversions on them. :data:`SCALES`
says, for each analysis parameter, the units a threshold endpoint may be
written in and the range no value can leave (a concentration is never
negative, HbA1c is a share of haemoglobin). A test holds them to what
:func:`t1dtrial.derive.canonical_threshold` converts.

Examples
--------
>>> normalise_unit("ng/ml"), normalise_unit(" IU/24h ")
('ng/mL', 'U/day')
>>> [s.unit for s in scales_of("PCP")]
['nmol/L', 'pmol/L', 'ng/mL']
>>> threshold_unit_problem("HBA1C", "mmol/mol") is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["UNIT_SPELLINGS", "normalise_unit", "Scale", "SCALES", "scales_of",
           "threshold_unit_problem", "threshold_value_problem"]

#: Normalised spelling (see :func:`normalise_unit`) -> the unit's canonical spelling.
UNIT_SPELLINGS: dict[str, str] = {
    "nmol/l": "nmol/L",
    "pmol/l": "pmol/L",
    "ng/ml": "ng/mL",
    "%": "%",
    "percent": "%",
    "pct": "%",
    "%(ngsp)": "%",
    "%ngsp": "%",
    "mmol/mol": "mmol/mol",
    "u/kg/day": "U/kg/day",
    "u/(kg*day)": "U/kg/day",
    "u/kg.day": "U/kg/day",
    "u/day": "U/day",
    "kg": "kg",
    "mmol/l": "mmol/L",
    "mg/dl": "mg/dL",
}

_SPACES = re.compile(r"\s+")
_LITRE = re.compile(r"(litre|liter)s?")
_UNITS = re.compile(r"\b(iu|units?)(?=/)")
_PER_DAY = re.compile(r"/(d|24h|24hr|24hours|day)$")


def normalise_unit(text: Any) -> str | None:
    """Canonical spelling of a unit text, or None if it is not a known unit.

    Parameters
    ----------
    text : Any
        Unit as written in the input, e.g. ``"pmol/l"`` or ``"IU/d"``.

    Returns
    -------
    str or None
        One of ``nmol/L, pmol/L, ng/mL, %, mmol/mol, U/kg/day, U/day, kg,
        mmol/L, mg/dL``; None for a missing or unknown unit.

    Examples
    --------
    >>> normalise_unit("PMOL/L"), normalise_unit("units/kg/d"), normalise_unit("mg")
    ('pmol/L', 'U/kg/day', None)
    """
    if not isinstance(text, str):
        return None
    key = _SPACES.sub("", text.lower().replace("µ", "u").replace("μ", "u"))
    key = _LITRE.sub("l", key)
    key = _UNITS.sub("u", key)
    if key.startswith("u/") or key.startswith("u/kg"):
        key = _PER_DAY.sub("/day", key)
    return UNIT_SPELLINGS.get(key)


@dataclass(frozen=True)
class Scale:
    """The values a parameter can take when written in one unit.

    Parameters
    ----------
    unit : str
        Canonical spelling of the unit.
    low, high : float or None
        No value can be below ``low`` or above ``high`` (None: no bound).
    why : str
        Why, in words (printed with a threshold outside the range).
    example : str
        A sensible threshold in this unit, for messages.
    """

    unit: str
    low: float | None
    high: float | None
    why: str
    example: str


_CPEP_WHY = "a C-peptide concentration cannot be negative"
_CPEP = (Scale("nmol/L", 0.0, None, _CPEP_WHY, "0.2 nmol/L"),
         Scale("pmol/L", 0.0, None, _CPEP_WHY, "200 pmol/L"),
         Scale("ng/mL", 0.0, None, _CPEP_WHY, "0.6 ng/mL"))
_GLUCOSE_WHY = "a glucose concentration cannot be negative"
_INSULIN = (Scale("U/kg/day", 0.0, None, "an insulin dose cannot be negative",
                  "0.5 U/kg/day"),)

#: Parameter -> units a threshold endpoint may be written in (canonical unit first).
SCALES: dict[str, tuple[Scale, ...]] = {
    "FCP": _CPEP,
    "PCP": _CPEP,
    "CPMAUC": _CPEP,
    "CPAUC": (Scale("nmol/L x min", 0.0, None, "an area under a C-peptide curve cannot be "
                    "negative", "60 nmol/L x min"),),
    "HBA1C": (Scale("%", 0.0, 100.0, "HbA1c is the share of haemoglobin that is glycated",
                    "7 %"),
              Scale("mmol/mol", 0.0, 1000.0, "HbA1c in mmol/mol is a share of haemoglobin "
                    "(at most 1000 mmol/mol)", "53 mmol/mol")),
    "INSULIN": _INSULIN,
    "INSDOSE": _INSULIN,
    "IDAA1C": (Scale("%", 0.0, None, "IDAA1c = HbA1c (%) + 4 x insulin dose (U/kg/day) "
                     "cannot be negative", "9 %"),),
    "WEIGHT": (Scale("kg", 0.0, None, "a body weight is positive", "70 kg"),),
    "FPG": (Scale("mmol/L", 0.0, None, _GLUCOSE_WHY, "7 mmol/L"),
            Scale("mg/dL", 0.0, None, _GLUCOSE_WHY, "126 mg/dL")),
    "PPG": (Scale("mmol/L", 0.0, None, _GLUCOSE_WHY, "10 mmol/L"),
            Scale("mg/dL", 0.0, None, _GLUCOSE_WHY, "180 mg/dL")),
}

#: Parameters whose threshold unit must be written exactly (no lenient spelling).
_EXACT = ("CPAUC", "IDAA1C")
_MEAL_SAMPLE = re.compile(r"^CP\d{1,3}$")


def scales_of(param: str) -> tuple[Scale, ...]:
    """Units (and ranges) a threshold on ``param`` may use; empty for an unknown parameter.

    Examples
    --------
    >>> [s.unit for s in scales_of("CP30")], scales_of("LDL")
    (['nmol/L', 'pmol/L', 'ng/mL'], ())
    """
    if _MEAL_SAMPLE.match(param):
        return _CPEP
    return SCALES.get(param, ())


def _scale(param: str, unit: Any) -> Scale | None:
    spelled = unit if param in _EXACT else normalise_unit(unit)
    return next((s for s in scales_of(param) if s.unit == spelled), None)


def threshold_unit_problem(param: str, unit: Any) -> tuple[str, str] | None:
    """``(problem, expected)`` when ``unit`` cannot be the unit of a threshold on ``param``.

    Examples
    --------
    >>> threshold_unit_problem("INSDOSE", "U/day")
    ("a threshold in U/day would need each participant's weight", 'U/kg/day')
    >>> threshold_unit_problem("PCP", "mg")
    ('not a unit of PCP', 'one of nmol/L, pmol/L, ng/mL')
    >>> threshold_unit_problem("PCP", "pmol/l") is None
    True
    """
    scales = scales_of(param)
    if not scales or _scale(param, unit) is not None:
        return None
    if normalise_unit(unit) == "U/day" and param in ("INSULIN", "INSDOSE"):
        return "a threshold in U/day would need each participant's weight", "U/kg/day"
    exact = " (written exactly so)" if param in _EXACT else ""
    return (f"not a unit of {param}",
            f"one of {', '.join(s.unit for s in scales)}{exact}")


def threshold_value_problem(param: str, comparison: str, value: float, unit: Any
                            ) -> tuple[str, str] | None:
    """``(problem, expected)`` when a threshold leaves the parameter's possible range.

    A value outside the range, or on its edge so that every participant (or
    none) meets the rule, is a problem whatever the data.

    Examples
    --------
    >>> threshold_value_problem("PCP", ">=", -0.2, "nmol/L")[0]
    'every participant meets PCP >= -0.2 nmol/L: a C-peptide concentration cannot be negative'
    >>> threshold_value_problem("HBA1C", "<=", 7, "%") is None
    True
    """
    scale = _scale(param, unit)
    if scale is None:
        return None
    rule = f"{param} {comparison} {value:g} {scale.unit}"
    low, high = scale.low, scale.high
    always = ((low is not None and ((comparison == ">=" and value <= low)
                                    or (comparison == ">" and value < low)))
              or (high is not None and ((comparison == "<=" and value >= high)
                                        or (comparison == "<" and value > high))))
    never = ((low is not None and ((comparison == "<" and value <= low)
                                   or (comparison == "<=" and value < low)))
             or (high is not None and ((comparison == ">" and value >= high)
                                       or (comparison == ">=" and value > high))))
    if not (always or never):
        return None
    who = "every participant meets" if always else "no participant can meet"
    bounds = " to ".join(f"{b:g}" for b in (low, high) if b is not None)
    within = f"from {bounds} {scale.unit}" if high is not None else f"above {low:g} {scale.unit}"
    return (f"{who} {rule}: {scale.why}",
            f"a threshold {within}, e.g. {param} {comparison} {scale.example}")
