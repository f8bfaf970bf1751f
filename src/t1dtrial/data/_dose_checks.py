"""Infusion doses against the protocol's plan: cells per kg, planned dose and range, unit slips.

Each infusion of ``infusions.csv`` is compared with the protocol's planned
dose of the same infusion number for the participant's arm (``dose`` of the
arms listed, ``doses`` per arm) and, when the infusion lists several cell
products, of the row's ``product``:

* a row of an infusion of several products must name one of them in
  ``product`` (one row a product); a blank product is read as the only
  product of a one-product infusion;
* a placebo participant's infusion is a sham: it carries 0 cells
  (``cells_per_kg`` or ``total_cells`` 0; ``product`` blank or ``placebo``),
  and any cells are an error;

* a dose a hundred times or more away from the planned one is an error (no
  deviation is that large), with a hint when a power of ten explains it
  (``1.48`` written for 1.48 x 10^6 cells/kg);
* a dose outside the planned ``range_per_kg`` (or, without a range, more than
  twice or less than half the planned dose) is kept with a warning: it is a
  protocol deviation, not a wrong input;
* an infusion the plan does not foresee (another number, an arm without that
  infusion) is held to what any cell therapy gives, the protocol check's rule
  (:func:`t1dtrial.protocol.doses.cell_dose_problem`).

Examples
--------
>>> import pandas as pd
>>> inf = pd.DataFrame({"subject_id": ["S1"], "cells_per_kg": [None], "total_cells": [6e7]})
>>> subj = pd.DataFrame({"subject_id": ["S1"], "weight_kg": [60.0]})
>>> cells_per_kg(inf, subj).tolist()
[1000000.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..protocol import Protocol
from ..protocol.doses import cell_dose_problem
from ._raw import Collector, RawTable

__all__ = ["cells_per_kg", "check_doses"]

#: A dose this many times away from the plan (either way) cannot be a deviation: a unit slip.
_UNIT_SLIP = 1e2


def cells_per_kg(infusions: pd.DataFrame, subjects: pd.DataFrame) -> pd.Series:
    """Dose in cells/kg: ``cells_per_kg``, else ``total_cells`` / baseline ``weight_kg``.

    Parameters
    ----------
    infusions : DataFrame
        ``subject_id``, ``cells_per_kg``, ``total_cells`` (numbers, NaN when blank).
    subjects : DataFrame
        ``subject_id``, ``weight_kg``.

    Returns
    -------
    Series of float aligned with ``infusions`` (NaN when no dose or no weight).
    """
    weight = infusions["subject_id"].map(
        subjects.drop_duplicates("subject_id").set_index("subject_id")["weight_kg"])
    per_kg = pd.to_numeric(infusions["cells_per_kg"], errors="coerce").astype(float)
    total = pd.to_numeric(infusions["total_cells"], errors="coerce").astype(float)
    return per_kg.where(per_kg.notna(), total / weight.astype(float))


#: The ``product`` written on a sham (placebo) infusion's row, besides a blank.
SHAM_PRODUCT = "placebo"


def _products(infusions: pd.DataFrame) -> pd.Series:
    """The ``product`` column as stripped text ("" when blank or absent)."""
    if "product" not in infusions.columns:
        return pd.Series("", index=infusions.index, dtype=object)
    p = infusions["product"].astype(object)
    return p.where(p.notna(), "").astype(str).str.strip()


def _planned(infusions: pd.DataFrame, arms: pd.Series, protocol: Protocol) -> pd.DataFrame:
    """Planned dose (per kg, total and range) of each infusion row.

    Found by the row's infusion number, the participant's arm and, for an
    infusion of several products, the row's product (a blank product matches
    the only product of a one-product infusion). ``sham`` marks a placebo
    arm's sham infusion; ``products`` lists an infusion's product codes.
    """
    rows = []
    for inf in protocol.infusions:
        names = ", ".join(inf.product_names)
        for d in inf.planned_doses():
            dose = d.dose
            low, high = (dose.range_per_kg or (None, None)) if dose is not None else (None, None)
            rows.append({"arm": d.arm, "number": inf.number, "product": d.product or "",
                         "per_kg": None if dose is None else dose.per_kg,
                         "total": None if dose is None else dose.total, "low": low, "high": high,
                         "sham": d.sham, "products": "" if d.sham else names})
            if d.product is not None and len(inf.product_names) == 1:  # blank = the only one
                rows.append({**rows[-1], "product": ""})
    columns = ["arm", "number", "product", "per_kg", "total", "low", "high", "sham", "products"]
    plan = pd.DataFrame(rows, columns=columns)
    listed = plan.drop_duplicates(["arm", "number"])[["arm", "number", "products"]]
    product = _products(infusions)
    number = pd.to_numeric(infusions["infusion_number"], errors="coerce").to_numpy()
    key = pd.DataFrame({"arm": arms.to_numpy(), "number": number,
                        "given": product.to_numpy()}, index=infusions.index)
    with_products = key.merge(listed, on=["arm", "number"], how="left")["products"]
    key["product"] = np.where(with_products.fillna("").to_numpy() != "", key["given"], "")
    out = key.merge(plan.drop(columns="products").drop_duplicates(["arm", "number", "product"]),
                    on=["arm", "number", "product"], how="left")
    out["products"] = with_products.to_numpy()
    return out.set_index(infusions.index)


def check_doses(infusions: pd.DataFrame, subjects: pd.DataFrame, protocol: Protocol,
                raw: RawTable, collector: Collector) -> np.ndarray:
    """Compare each infusion's dose with the plan for the participant's arm; return error rows.

    Parameters
    ----------
    infusions, subjects : DataFrame
        Typed tables (numbers parsed, arms matched to protocol codes).
    protocol : Protocol
        Planned infusions with their doses.
    raw : RawTable
        The infusions table as read (for file, row and column names).
    collector : Collector
        Receives one problem per row concerned.

    Returns
    -------
    ndarray of bool
        Rows whose dose is an error (a unit slip, cells in a sham infusion, a
        product missing or unknown).
    """
    by_id = subjects.drop_duplicates("subject_id").set_index("subject_id")
    arms = infusions["subject_id"].map(by_id["arm"])
    plan = _planned(infusions, arms, protocol)
    frame = raw.frame.loc[infusions.index]
    placebo = arms.map({a.code: a.kind for a in protocol.arms}).eq("placebo").to_numpy()
    weight = infusions["subject_id"].map(by_id["weight_kg"]).astype(float)
    dose = cells_per_kg(infusions, subjects)
    bad = _sham_with_cells(infusions, placebo, dose, raw, frame, collector)
    no_product = _product_unknown(infusions, plan, placebo, raw, frame, collector)
    bad |= no_product
    target = plan["per_kg"].astype(float).where(plan["per_kg"].notna(),
                                                plan["total"].astype(float) / weight)
    ratio = (dose / target).to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        slip = np.isfinite(ratio) & ((ratio >= _UNIT_SLIP) | (ratio <= 1 / _UNIT_SLIP))
    column = np.where(infusions["cells_per_kg"].notna(), "cells_per_kg", "total_cells")
    for name in ("cells_per_kg", "total_cells"):
        rows = slip & (column == name)
        if rows.any():
            collector.rows(raw, frame, rows, name,
                           _slip_text(infusions, plan, dose, ratio, rows, name),
                           "cells/kg (e.g. 1.48e6 or 1480000)" if name == "cells_per_kg"
                           else "a number of cells (e.g. 8.9e7 or 89000000)", kind="dose unit slip")
    unplanned = target.isna().to_numpy() & ~placebo & ~no_product
    slip |= _implausible_unplanned(infusions, unplanned, column, raw, frame, collector)
    _outside_range(infusions, plan, arms, dose, target, slip | bad, raw, frame, collector)
    return slip | bad


def _outside_range(infusions: pd.DataFrame, plan: pd.DataFrame, arms: pd.Series,
                   dose: pd.Series, target: pd.Series, skip: np.ndarray, raw: RawTable,
                   frame: pd.DataFrame, collector: Collector) -> None:
    """Warn of doses outside the planned range (default half to twice the planned dose),
    one group a planned dose, so that ``expected`` names it."""
    low = plan["low"].astype(float).where(plan["low"].notna(), target / 2).to_numpy(dtype=float)
    high = plan["high"].astype(float).where(plan["high"].notna(), target * 2).to_numpy(dtype=float)
    d = dose.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        outside = ~skip & np.isfinite(d) & np.isfinite(low) & ((d < low) | (d > high))
    if not outside.any():
        return
    product = plan["product"].fillna("").astype(str).to_numpy()
    text = pd.Series("", index=infusions.index, dtype=object)
    text[outside] = [
        f"a dose of {_sci(v)} cells/kg is outside the protocol's range for infusion "
        f"{int(n)}{f' ({p})' if p else ''} of arm {a} ({_sci(lo)} to {_sci(hi)} cells/kg); "
        "kept (a protocol deviation)"
        for v, n, p, a, lo, hi in zip(d[outside], plan["number"][outside], product[outside],
                                      arms[outside], low[outside], high[outside])]
    keys = pd.Series(list(zip(arms.astype(str), plan["number"], product)), index=infusions.index)
    for key in pd.unique(keys[outside]):
        rows = outside & (keys == key).to_numpy()
        i = int(np.flatnonzero(rows)[0])
        idx = infusions.index[i]
        planned = _planned_words(plan, idx)
        collector.rows(raw, frame, rows, "cells_per_kg", text,
                       f"the planned dose for arm {key[0]}, infusion {int(key[1])}"
                       f"{f' ({key[2]})' if key[2] else ''}: {planned}, from {_sci(low[i])} to "
                       f"{_sci(high[i])} cells/kg, or a deviation recorded as such",
                       severity="warning", kind="dose outside range")


def _planned_words(plan: pd.DataFrame, idx: object) -> str:
    if pd.notna(plan.at[idx, "per_kg"]):
        return f"{_sci(plan.at[idx, 'per_kg'])} cells/kg"
    return f"{_sci(plan.at[idx, 'total'])} cells"


def _sham_with_cells(infusions: pd.DataFrame, placebo: np.ndarray, dose: pd.Series,
                     raw: RawTable, frame: pd.DataFrame, collector: Collector) -> np.ndarray:
    """A placebo participant's infusion with cells (a sham infusion carries none): errors."""
    bad = np.zeros(len(infusions), dtype=bool)
    for name in ("cells_per_kg", "total_cells"):
        values = pd.to_numeric(infusions[name], errors="coerce").to_numpy(dtype=float)
        rows = placebo & np.isfinite(values) & (values != 0) & ~bad
        if rows.any():
            collector.rows(raw, frame, rows, name, "a placebo participant's infusion is a sham "
                           "and carries no cells", f"0 in {name} (a sham infusion), product "
                           f"blank or {SHAM_PRODUCT}; or the participant's arm corrected",
                           kind="cells in a sham infusion")
            bad |= rows
    return bad


def _product_unknown(infusions: pd.DataFrame, plan: pd.DataFrame, placebo: np.ndarray,
                     raw: RawTable, frame: pd.DataFrame, collector: Collector) -> np.ndarray:
    """Rows of an infusion of several products whose ``product`` is blank or not one of them."""
    listed = plan["products"].fillna("").astype(str).to_numpy()
    unmatched = (plan["per_kg"].isna() & plan["total"].isna()).to_numpy()
    bad = (listed != "") & unmatched & ~placebo
    if bad.any():
        given = _products(infusions).to_numpy()
        text = pd.Series("", index=infusions.index, dtype=object)
        text[bad] = [f"infusion {int(n)} is of several products ({names}), and "
                     + ("this row names none" if not g else f"{g!r} is not one of them")
                     for n, names, g in zip(plan["number"][bad], listed[bad], given[bad])]
        for names in pd.unique(listed[bad]):
            rows = bad & (listed == names)
            collector.rows(raw, frame, rows, "product", text,
                           f"one of {names} (one row a product of the infusion)",
                           value=_products(infusions).where(lambda p: p != "", None),
                           kind="infusion product")
    return bad


def _implausible_unplanned(infusions: pd.DataFrame, unplanned: np.ndarray, column: np.ndarray,
                           raw: RawTable, frame: pd.DataFrame, collector: Collector) -> np.ndarray:
    """Doses of ``unplanned`` rows (no planned dose to compare with) against what any cell
    therapy gives (:func:`t1dtrial.protocol.doses.cell_dose_problem`, the protocol check's rule)."""
    bad = np.zeros(len(infusions), dtype=bool)
    for name in ("cells_per_kg", "total_cells"):
        values = pd.to_numeric(infusions[name], errors="coerce").to_numpy(dtype=float)
        rows = unplanned & (column == name) & np.isfinite(values)
        found = {i: cell_dose_problem(values[i], per_kg=name == "cells_per_kg")
                 for i in np.flatnonzero(rows)}
        found = {i: v for i, v in found.items() if v is not None}
        if not found:
            continue
        mask = np.zeros(len(infusions), dtype=bool)
        mask[list(found)] = True
        text = pd.Series("", index=infusions.index, dtype=object)
        text.iloc[list(found)] = [problem for problem, _ in found.values()]
        collector.rows(raw, frame, mask, name, text, next(iter(found.values()))[1],
                       kind="implausible dose")
        bad |= mask
    return bad


def _sci(x: float) -> str:
    """A cell count in words a clinician reads: ``1.48 × 10^6``, ``890``.

    Examples
    --------
    >>> _sci(1480000.0), _sci(2e8), _sci(890.0)
    ('1.48 × 10^6', '2 × 10^8', '890')
    """
    if not np.isfinite(x) or abs(x) < 1e4:
        return f"{x:.3g}"
    exp = int(np.floor(np.log10(abs(x))))
    return f"{x / 10 ** exp:.3g} × 10^{exp}"


def _slip_text(infusions: pd.DataFrame, plan: pd.DataFrame, dose: pd.Series, ratio: np.ndarray,
               rows: np.ndarray, column: str) -> pd.Series:
    """Words for each dose of ``rows`` that is a power of ten or more away from the plan."""
    text = pd.Series("", index=infusions.index, dtype=object)
    for i in np.flatnonzero(rows):
        idx, r = infusions.index[i], ratio[i]
        power = int(round(-np.log10(r))) if r > 0 else 0
        product = plan.at[idx, "product"]
        product = f" ({product})" if isinstance(product, str) and product else ""
        words = (f"{_sci(dose.at[idx])} cells/kg is {'far below' if r < 1 else 'far above'} the "
                 f"planned dose ({_planned_words(plan, idx)}, infusion "
                 f"{int(plan.at[idx, 'number'])}{product} of arm {plan.at[idx, 'arm']})")
        given = infusions.at[idx, column]
        if power in (3, 6) and column == "cells_per_kg":
            words += (f": it looks like a dose in 10^{power} cells/kg "
                      f"({given:g} × 10^{power} = {given * 10 ** power:,.0f} cells/kg)")
        elif power in (3, 6, 9) and column == "total_cells":
            words += (f": it looks like a number of cells in units of 10^{power} "
                      f"({given:g} × 10^{power} = {given * 10 ** power:,.0f} cells)")
        text[idx] = words
    return text
