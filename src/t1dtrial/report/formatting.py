"""How numbers are written in the report: clinical-report practice, applied in one place.

- means and medians with one decimal more than the data, SDs with two more
  (:func:`data_decimals` finds the data's decimals);
- percentages to one decimal, ``n (%)`` as ``11 (40.7)``;
- p-values to three decimals and ``<0.001``, never ``0.000``;
- confidence intervals as ``(low, high)``;
- a missing or non-estimable value as an en dash.

Examples
--------
>>> fmt_p(0.0276), fmt_p(0.00002), fmt_p(1.0)
('0.028', '<0.001', '1.000')
>>> fmt_n_percent(11, 27)
'11 (40.7)'
>>> fmt_estimate_ci(0.292, 0.054, 0.492, 2)
'0.29 (0.05, 0.49)'
>>> fmt_mean_sd(0.4213, 0.1234, data_decimals=2)
'0.421 (0.1234)'
"""

from __future__ import annotations

import math
from typing import Iterable

__all__ = ["MISSING", "is_missing", "data_decimals", "fmt_number", "fmt_p", "fmt_percent",
           "fmt_n_percent", "fmt_ci", "fmt_estimate_ci", "fmt_mean_sd", "fmt_median_iqr",
           "fmt_conf_level", "fmt_scientific", "estimate_decimals"]

#: What a cell shows for a missing or non-estimable value.
MISSING = "–"


def is_missing(x: object) -> bool:
    """``None``, NaN or not a number.

    Examples
    --------
    >>> is_missing(float("nan")), is_missing(None), is_missing(0)
    (True, True, False)
    """
    if x is None:
        return True
    try:
        return math.isnan(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def data_decimals(values: Iterable[float], most: int = 3) -> int:
    """The decimals the data are recorded with: the fewest that write every value exactly.

    At most ``most`` (measured values of a laboratory rarely carry more).

    Examples
    --------
    >>> data_decimals([7.1, 6.85, 8.0])
    2
    >>> data_decimals([27, 31])
    0
    >>> data_decimals([0.123456])
    3
    """
    vals = [float(v) for v in values if not is_missing(v)]
    for d in range(most + 1):
        if all(abs(round(v, d) - v) < 1e-9 * max(1.0, abs(v)) for v in vals):
            return d
    return most


def fmt_number(x: object, decimals: int) -> str:
    """``x`` to ``decimals`` places (a minus sign, not ``-0.0``); :data:`MISSING` when missing;
    an unbounded value (an odds ratio with no responder in one arm, an open interval) as ∞.

    Examples
    --------
    >>> fmt_number(-0.0004, 2), fmt_number(None, 1), fmt_number(2.5, 0)
    ('0.00', '–', '2')
    >>> fmt_number(float("inf"), 2), fmt_number(float("-inf"), 2)
    ('∞', '−∞')
    """
    if is_missing(x):
        return MISSING
    if math.isinf(float(x)):  # type: ignore[arg-type]
        return "∞" if float(x) > 0 else "−∞"  # type: ignore[arg-type]
    text = f"{float(x):.{max(decimals, 0)}f}"  # type: ignore[arg-type]
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text


def fmt_p(p: object) -> str:
    """A p-value to three decimals; ``<0.001`` below one in a thousand.

    Examples
    --------
    >>> fmt_p(0.0005), fmt_p(0.0496), fmt_p(float("nan"))
    ('<0.001', '0.050', '–')
    """
    if is_missing(p):
        return MISSING
    value = float(p)  # type: ignore[arg-type]
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def fmt_percent(x: object) -> str:
    """A percentage to one decimal (``40.7``); :data:`MISSING` when missing."""
    return fmt_number(x, 1)


def fmt_n_percent(n: object, denominator: object) -> str:
    """``n (percent)`` of a denominator; ``0`` alone when the denominator is 0 or missing.

    Examples
    --------
    >>> fmt_n_percent(0, 26), fmt_n_percent(3, 0)
    ('0 (0.0)', '3')
    """
    if is_missing(n):
        return MISSING
    count = int(float(n))  # type: ignore[arg-type]
    if is_missing(denominator) or float(denominator) == 0:  # type: ignore[arg-type]
        return f"{count}"
    return f"{count} ({fmt_percent(100.0 * count / float(denominator))})"  # type: ignore[arg-type]


def fmt_ci(low: object, high: object, decimals: int) -> str:
    """``(low, high)``; :data:`MISSING` when either bound is missing.

    Examples
    --------
    >>> fmt_ci(1.109, 33.07, 2)
    '(1.11, 33.07)'
    """
    if is_missing(low) or is_missing(high):
        return MISSING
    return f"({fmt_number(low, decimals)}, {fmt_number(high, decimals)})"


def fmt_estimate_ci(estimate: object, low: object, high: object, decimals: int) -> str:
    """``estimate (low, high)``; the estimate alone when the interval is missing."""
    if is_missing(estimate):
        return MISSING
    ci = fmt_ci(low, high, decimals)
    text = fmt_number(estimate, decimals)
    return text if ci == MISSING else f"{text} {ci}"


def fmt_mean_sd(mean: object, sd: object, data_decimals: int) -> str:
    """``mean (SD)``: the mean with one decimal more than the data, the SD with two more."""
    if is_missing(mean):
        return MISSING
    sd_text = fmt_number(sd, data_decimals + 2)
    text = fmt_number(mean, data_decimals + 1)
    return text if sd_text == MISSING else f"{text} ({sd_text})"


def fmt_median_iqr(median: object, q1: object, q3: object, data_decimals: int) -> str:
    """``median [Q1, Q3]``, all with one decimal more than the data.

    Examples
    --------
    >>> fmt_median_iqr(6.0, 5.25, 7.5, 1)
    '6.00 [5.25, 7.50]'
    """
    if is_missing(median):
        return MISSING
    d = data_decimals + 1
    text = fmt_number(median, d)
    if is_missing(q1) or is_missing(q3):
        return text
    return f"{text} [{fmt_number(q1, d)}, {fmt_number(q3, d)}]"


def fmt_conf_level(level: object) -> str:
    """``95% CI`` from 0.95; ``CI`` when unknown.

    Examples
    --------
    >>> fmt_conf_level(0.9), fmt_conf_level(None)
    ('90% CI', 'CI')
    """
    if is_missing(level):
        return "CI"
    return f"{100 * float(level):g}% CI"  # type: ignore[arg-type]


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def fmt_scientific(x: object, digits: int = 2) -> str:
    """A large count as ``mantissa × 10ⁿ`` with ``digits`` significant digits.

    Cell doses and cell counts read better so than as ``1e+06`` or ``1000000``;
    numbers below 10 000 are written plainly.

    Examples
    --------
    >>> fmt_scientific(1e6), fmt_scientific(2.6e7, 2), fmt_scientific(1.07e8, 3)
    ('1.0 × 10⁶', '2.6 × 10⁷', '1.07 × 10⁸')
    >>> fmt_scientific(250), fmt_scientific(None)
    ('250', '–')
    """
    if is_missing(x):
        return MISSING
    value = float(x)  # type: ignore[arg-type]
    if abs(value) < 1e4:
        return fmt_number(value, 0) if value == int(value) else f"{value:.{digits}g}"
    exponent = int(math.floor(math.log10(abs(value))))
    mantissa = value / 10 ** exponent
    if round(abs(mantissa), digits - 1) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    power = str(exponent).translate(_SUPERSCRIPT)
    return f"{fmt_number(mantissa, max(digits - 1, 0))} × 10{power}"


def estimate_decimals(values: Iterable[object], *, least: int = 2, most: int = 4) -> int:
    """Decimals for estimates without a recorded precision (differences, model terms).

    Enough for three significant digits of the typical (median absolute)
    value, from ``least`` to ``most``.

    Examples
    --------
    >>> estimate_decimals([0.26, -0.15]), estimate_decimals([5.1, 12.0]), estimate_decimals([0.0094])
    (3, 2, 4)
    >>> estimate_decimals([])
    2
    """
    vals = sorted(abs(float(v)) for v in values if not is_missing(v) and float(v) != 0)  # type: ignore[arg-type]
    if not vals:
        return least
    typical = vals[len(vals) // 2]
    if math.isinf(typical):
        return least
    return min(most, max(least, 2 - math.floor(math.log10(typical))))
