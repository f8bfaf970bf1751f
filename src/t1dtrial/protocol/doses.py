"""Cell doses: the values a dose rule can plausibly hold, and a hint when a unit slipped.

Protocols and ``infusions.csv`` give doses in cells per kg of body weight
(``1.0e+6``) or in cells (``1.0e+8``). Trial reports often write them in
10^6 cells/kg, so ``1.0`` meaning one million cells/kg is the usual slip:
:func:`cell_dose_problem` says so.

Bounds, and why:

* cells/kg from 10^3 to 10^9: 10^3 cells/kg is 70 000 cells for a 70 kg adult,
  below any cell therapy given by infusion (MSC, Treg and haematopoietic
  products are given at 10^5-10^8 cells/kg); 10^9 cells/kg would be 7 x 10^10
  cells, more than any product is made of.
* total cells from 10^5 to 10^11, the same reasoning for 1 to 250 kg.
* body weights from 10 to 250 kg (those the input contract accepts), to
  relate a total dose to a range per kg.

Examples
--------
>>> cell_dose_problem(1.48, per_kg=True)[0]
'1.48 looks like a dose in 10^6 cells/kg (1.48 x 10^6 = 1.48e+06 cells/kg)'
>>> cell_dose_problem(1.0e6, per_kg=True) is None
True
"""

from __future__ import annotations

__all__ = ["CELLS_PER_KG", "TOTAL_CELLS", "BODY_WEIGHT_KG", "cell_dose_problem",
           "total_dose_range_problem"]

#: Plausible cells per kg of body weight.
CELLS_PER_KG: tuple[float, float] = (1.0e3, 1.0e9)
#: Plausible total cells of one infusion.
TOTAL_CELLS: tuple[float, float] = (1.0e5, 1.0e11)
#: Body weights (kg) the input contract accepts.
BODY_WEIGHT_KG: tuple[float, float] = (10.0, 250.0)


def cell_dose_problem(value: float, *, per_kg: bool) -> tuple[str, str] | None:
    """``(problem, expected)`` for an implausible cell dose; None when it is plausible.

    Parameters
    ----------
    value : float
        The dose as written.
    per_kg : bool
        True for cells/kg, False for total cells.

    Examples
    --------
    >>> cell_dose_problem(100, per_kg=False)[0]
    '100 looks like a number in 10^6 cells (100 x 10^6 = 1e+08 cells)'
    >>> cell_dose_problem(5e12, per_kg=False)[1]
    'cells, from 1e+05 to 1e+11'
    """
    low, high = CELLS_PER_KG if per_kg else TOTAL_CELLS
    unit = "cells/kg" if per_kg else "cells"
    expected = f"{unit}, from {low:.0e} to {high:.0e}"
    if low <= value <= high:
        return None
    if value < low and low <= value * 1e6 <= high:
        what = "a dose in 10^6 cells/kg" if per_kg else "a number in 10^6 cells"
        return (f"{value:g} looks like {what} ({value:g} x 10^6 = {value * 1e6:.3g} {unit})",
                expected)
    side = "fewer" if value < low else "more"
    return (f"{value:.3g} {unit} is {side} than any cell therapy gives", expected)


def total_dose_range_problem(total: float, range_per_kg: tuple[float, float]) -> str | None:
    """Why a fixed total dose cannot fall in ``range_per_kg`` at any plausible body weight.

    Examples
    --------
    >>> total_dose_range_problem(1e8, (0.5e6, 2e6)) is None
    True
    >>> total_dose_range_problem(1e6, (0.5e6, 2e6))
    'a total of 1e+06 cells is 4e+03 to 1e+05 cells/kg for body weights of 10-250 kg, never within range_per_kg [5e+05, 2e+06]'
    """
    light, heavy = BODY_WEIGHT_KG
    most, least = total / light, total / heavy
    low, high = range_per_kg
    if least <= high and most >= low:
        return None
    return (f"a total of {total:.3g} cells is {least:.3g} to {most:.3g} cells/kg for body "
            f"weights of {light:g}-{heavy:g} kg, never within range_per_kg "
            f"[{low:.3g}, {high:.3g}]")
