"""Units of measurement: lenient parsing and conversion to canonical units.

Every measured value enters the package in the canonical unit of its
parameter (:data:`t1dtrial.data.contract.PARAMS`):

=============  ===========  ==========================================================
quantity       canonical    accepted input units and the conversion to canonical
=============  ===========  ==========================================================
C-peptide      nmol/L       ``nmol/L`` (x 1); ``pmol/L`` (/ 1000); ``ng/mL`` (x 0.331)
HbA1c          %  (NGSP)    ``%`` (x 1); ``mmol/mol`` (IFCC: mmol/mol / 10.929 + 2.15)
insulin dose   U/kg/day     ``U/kg/day`` (x 1); ``U/day`` (/ body weight in kg)
body weight    kg           ``kg``
glucose        mmol/L       ``mmol/L`` (x 1); ``mg/dL`` (/ 18.016)
=============  ===========  ==========================================================

Unit text is matched leniently (:func:`normalise_unit`, from
:mod:`t1dtrial.protocol.units`, as protocols write units too): case and spaces are
ignored; ``l``/``litre``/``liter`` are the same; ``IU``, ``units`` and ``U``
are the same; ``/d``, ``/24h`` and ``/day`` are the same; ``µ``/``μ`` read as
``u``. Accepted spellings therefore include ``nmol/l``, ``NMOL/L``,
``pmol/L``, ``ng/ml``, ``%``, ``percent``, ``mmol/mol``, ``U/kg/d``,
``IU/kg/24h``, ``units/kg/day``, ``U/d``, ``IU/day``, ``mg/dl``,
``mmol/l``, ``kg``.

Examples
--------
>>> normalise_unit("ng/ml"), normalise_unit(" IU/24h ")
('ng/mL', 'U/day')
>>> float(to_canonical(1.0, "ng/mL", "FCP")[0])
0.331
>>> round(float(to_canonical(48.0, "mmol/mol", "HBA1C")[0]), 3)
6.542
>>> float(from_canonical(to_canonical(500.0, "pmol/L", "PCP"), "pmol/L", "PCP")[0])
500.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..protocol.units import UNIT_SPELLINGS, normalise_unit
from .._validation import invalid_parameter
from .contract import PARAMS, param_spec

__all__ = [
    "CANONICAL_UNITS",
    "UNIT_SPELLINGS",
    "normalise_unit",
    "accepted_units",
    "canonical_unit",
    "needs_weight",
    "to_canonical",
    "from_canonical",
    "conversion_label",
]

#: Canonical unit of each quantity.
CANONICAL_UNITS = {
    "C-peptide": "nmol/L",
    "HbA1c": "%",
    "insulin dose": "U/kg/day",
    "body weight": "kg",
    "glucose": "mmol/L",
}

# (num, den) such that canonical = raw * num / den (affine HbA1c and U/day handled apart)
_FACTORS: dict[tuple[str, str], tuple[float, float]] = {
    ("nmol/L", "nmol/L"): (1.0, 1.0),
    ("pmol/L", "nmol/L"): (1.0, 1000.0),
    ("ng/mL", "nmol/L"): (0.331, 1.0),
    ("%", "%"): (1.0, 1.0),
    ("U/kg/day", "U/kg/day"): (1.0, 1.0),
    ("kg", "kg"): (1.0, 1.0),
    ("mmol/L", "mmol/L"): (1.0, 1.0),
    ("mg/dL", "mmol/L"): (1.0, 18.016),
}
_IFCC_SLOPE = 10.929
_IFCC_OFFSET = 2.15


def accepted_units(param: str) -> tuple[str, ...]:
    """Units accepted in input for a parameter (canonical spellings).

    Raises
    ------
    KeyError
        If ``param`` is not a parameter of the input contract.

    Examples
    --------
    >>> accepted_units("HBA1C")
    ('%', 'mmol/mol')
    """
    return param_spec(param).units


def canonical_unit(param: str) -> str:
    """Canonical unit of a parameter.

    Examples
    --------
    >>> canonical_unit("INSULIN")
    'U/kg/day'
    """
    return param_spec(param).canonical_unit


def needs_weight(unit: str) -> bool:
    """Whether converting from ``unit`` needs a body weight (only ``U/day``).

    Examples
    --------
    >>> needs_weight("U/day"), needs_weight("pmol/L")
    (True, False)
    """
    return unit == "U/day"


def conversion_label(param: str, unit: str) -> str:
    """The load-log key of a conversion, e.g. ``"FCP: pmol/L -> nmol/L"``.

    Examples
    --------
    >>> conversion_label("HBA1C", "mmol/mol")
    'HBA1C: mmol/mol -> %'
    """
    return f"{param}: {unit} -> {canonical_unit(param)}"


def _check_unit(function: str, param: str, unit: str, argument: str) -> str:
    try:
        units = accepted_units(param)
    except KeyError:
        raise invalid_parameter(function, "param", "a parameter of the input contract ("
                                + ", ".join([*PARAMS, "CPxx"]) + ")", param) from None
    spelled = normalise_unit(unit)
    if spelled not in units:
        raise invalid_parameter(function, argument, f"a unit of {param}, one of {list(units)}",
                                unit)
    return spelled


def _weights(function: str, weight_kg: Any, n: int) -> np.ndarray:
    if weight_kg is None:
        raise invalid_parameter(function, "weight_kg", "each participant's weight to convert an "
                                "insulin dose in U/day (U/kg/day = U/day / weight)", None)
    w = np.broadcast_to(np.asarray(weight_kg, dtype=float), (n,))
    return w


def to_canonical(values: Any, unit: str, param: str, *, weight_kg: Any = None) -> np.ndarray:
    """Convert values of ``param`` from ``unit`` to the parameter's canonical unit.

    Parameters
    ----------
    values : array-like of float
        Values in ``unit``.
    unit : str
        An accepted unit of ``param`` (any spelling :func:`normalise_unit` knows).
    param : str
        Parameter code (``FCP``, ``CP30``, ``HBA1C``...).
    weight_kg : float or array-like, optional
        Body weight in kg, needed only for an insulin dose in ``U/day``
        (one value, or one per element of ``values``).

    Returns
    -------
    numpy.ndarray of float
        Values in :func:`canonical_unit` of ``param`` (NaN stays NaN).

    Raises
    ------
    ValueError
        If ``unit`` is not accepted for ``param`` or a weight is needed and missing.

    Examples
    --------
    >>> to_canonical([300.0], "pmol/L", "FCP").tolist()
    [0.3]
    >>> to_canonical([36.0], "U/day", "INSULIN", weight_kg=60.0).tolist()
    [0.6]
    """
    unit = _check_unit("to_canonical", param, unit, "unit")
    x = np.atleast_1d(np.asarray(values, dtype=float))
    target = canonical_unit(param)
    if unit == "mmol/mol":
        return x / _IFCC_SLOPE + _IFCC_OFFSET
    if unit == "U/day":
        return x / _weights("to_canonical", weight_kg, x.size)
    num, den = _FACTORS[(unit, target)]
    return x * num / den if num != 1.0 else x / den


def from_canonical(values: Any, unit: str, param: str, *, weight_kg: Any = None) -> np.ndarray:
    """Convert values of ``param`` from its canonical unit to ``unit`` (inverse of :func:`to_canonical`).

    Parameters
    ----------
    values : array-like of float
        Values in the canonical unit of ``param``.
    unit : str
        Target unit, an accepted unit of ``param``.
    param : str
        Parameter code.
    weight_kg : float or array-like, optional
        Body weight in kg, needed only for ``U/day``.

    Returns
    -------
    numpy.ndarray of float

    Examples
    --------
    >>> from_canonical([6.5], "mmol/mol", "HBA1C").round(2).tolist()
    [47.54]
    >>> from_canonical([5.0], "mg/dL", "FPG").round(3).tolist()
    [90.08]
    """
    unit = _check_unit("from_canonical", param, unit, "unit")
    x = np.atleast_1d(np.asarray(values, dtype=float))
    target = canonical_unit(param)
    if unit == "mmol/mol":
        return (x - _IFCC_OFFSET) * _IFCC_SLOPE
    if unit == "U/day":
        return x * _weights("from_canonical", weight_kg, x.size)
    num, den = _FACTORS[(unit, target)]
    return x * den / num if num != 1.0 else x * den
