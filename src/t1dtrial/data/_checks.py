"""Helpers shared by the table checks of :mod:`t1dtrial.data.validate`: typed columns, codes, keys."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._parse import DATE_EXPECTED, NUMBER_EXPECTED, parse_dates, parse_numbers
from ._raw import Collector, RawTable
from .contract import TABLES

__all__ = ["typed_columns", "match_codes", "combined_key"]


def typed_columns(t: RawTable, col: Collector) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contract columns parsed to their types; unparseable cells reported (and NaN)."""
    spec = TABLES[t.name]
    f = t.frame
    out: dict[str, pd.Series] = {}
    skip: dict[str, np.ndarray] = {}
    for c in spec.columns:
        s = f[c] if c in f.columns else pd.Series(np.nan, index=f.index, dtype=object)
        bad = np.zeros(len(f), dtype=bool)
        if c in spec.dates:
            v, badm = parse_dates(s)
            bad = badm.to_numpy()
            if bad.any():
                col.rows(t, f, bad, c, _date_problem(s, bad), DATE_EXPECTED, kind="not a date")
        elif c in spec.numbers and not (t.name == "measurements" and c == "value"):
            v, badm = parse_numbers(s)
            bad = badm.to_numpy()
            col.rows(t, f, bad, c, "not a number", NUMBER_EXPECTED)
        else:
            v = s.astype(object)
        out[c] = v
        skip[c] = bad
    return pd.DataFrame(out, index=f.index), pd.DataFrame(skip, index=f.index)


def _date_problem(s: pd.Series, bad: np.ndarray) -> pd.Series:
    """Why each bad date cell is not a date, naming an Excel serial number when it is one."""
    out = pd.Series("not a date in ISO form", index=s.index, dtype=object)
    serial = pd.to_numeric(s[bad], errors="coerce")
    excel = serial.notna() & serial.between(20000, 80000) & (serial % 1 == 0)
    if excel.any():
        days = pd.to_datetime("1899-12-30") + pd.to_timedelta(serial[excel], unit="D")
        out[excel.index[excel]] = ("not a date in ISO form (an Excel date serial number? "
                                   + serial[excel].astype(int).astype(str) + " is "
                                   + days.dt.strftime("%Y-%m-%d")
                                   + "; format the column as dates before exporting)")
    return out


def match_codes(s: pd.Series, codes: list[str], labels: dict[str, str] | None = None) -> pd.Series:
    """Codes matched exactly or ignoring case (or by label); unmatched text kept as is."""
    lookup = {c.upper(): c for c in codes}
    for label, code in (labels or {}).items():
        lookup.setdefault(label.upper(), code)
    codes, uniques = pd.factorize(s)
    mapped = [lookup.get(u.strip().upper(), u) if isinstance(u, str) else u for u in uniques]
    table = np.array(mapped + [np.nan], dtype=object)
    return pd.Series(table[codes], index=s.index, dtype=object)


def combined_key(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One int64 code per distinct combination of ``columns`` (-1 when any is missing)."""
    key = np.zeros(len(frame), dtype=np.int64)
    missing = np.zeros(len(frame), dtype=bool)
    for c in columns:
        codes, uniques = pd.factorize(frame[c])
        key = key * (len(uniques) + 1) + codes
        missing |= codes < 0
    return np.where(missing, -1, key)
