"""Vectorised parsing of text cells: dates, numbers, below-detection values, codes.

Each parser returns the parsed values and a boolean mask of cells that are
present but could not be parsed; it never raises on bad text. Parsing works
on the distinct values of a column where that is cheaper (dates, codes).
"""

from __future__ import annotations

import re
from typing import Callable

import numpy as np
import pandas as pd

__all__ = ["parse_dates", "parse_numbers", "parse_values", "map_codes", "normalise_sex",
           "normalise_serious", "normalise_related", "normalise_severity", "normalise_lower",
           "normalise_upper",
           "DATE_EXPECTED", "NUMBER_EXPECTED"]

DATE_EXPECTED = "an ISO date YYYY-MM-DD, e.g. 2021-04-15"
NUMBER_EXPECTED = "a number with a decimal point, e.g. 0.25"

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")


def _on_uniques(s: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if len(uniques) == 0:
        return pd.Series(np.nan, index=s.index, dtype=object)
    parsed = fn(pd.Series(uniques, dtype=object))
    values = parsed.to_numpy()
    out = values.take(np.where(codes < 0, 0, codes))
    result = pd.Series(out, index=s.index, dtype=parsed.dtype)
    return result.mask(codes < 0)


def parse_dates(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse ISO dates (a time part is allowed and dropped).

    Returns
    -------
    (datetime64 Series with NaT for blank or bad, mask of present-but-bad cells)

    Examples
    --------
    >>> d, bad = parse_dates(pd.Series(["2021-04-15", "15/04/2021", None, "2021-02-30"]))
    >>> d.dt.strftime("%Y-%m-%d").tolist(), bad.tolist()
    (['2021-04-15', nan, nan, nan], [False, True, False, True])
    """
    text = s.astype(object)

    def parse(u: pd.Series) -> pd.Series:
        ok = u.map(lambda v: isinstance(v, str) and bool(_DATE.match(v)))
        return pd.to_datetime(u.where(ok).str.slice(0, 10), format="%Y-%m-%d", errors="coerce")

    if len(text) == 0 or text.isna().all():
        dates = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    else:
        dates = _on_uniques(text, parse).astype("datetime64[ns]")
    bad = text.notna() & dates.isna()
    return dates, bad


def _exact_float(v: object) -> float:
    try:
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return np.nan


def parse_numbers(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse decimal numbers (finite only), correctly rounded.

    Which cells are numbers is decided by pandas' parser (ASCII digits, a
    decimal point, an exponent); their values come from Python's ``float``,
    so that a number written in full precision reads back exactly.

    Examples
    --------
    >>> x, bad = parse_numbers(pd.Series(["1.5", "1,5", None, "inf"]))
    >>> x.tolist()[:1], bad.tolist()
    ([1.5], [False, True, False, True])
    """
    text = s.astype(object)
    present = text.notna().to_numpy()
    x = np.full(len(text), np.nan)
    if present.any():
        vals = text[present]
        coarse = pd.to_numeric(vals, errors="coerce").to_numpy(dtype=float)
        good = np.isfinite(coarse)
        cells = vals.to_numpy(dtype=object)[good]
        try:
            exact = cells.astype(float)
        except (TypeError, ValueError, OverflowError):
            exact = np.array([_exact_float(v) for v in cells], dtype=float)
        where = np.flatnonzero(present)[good]
        x[where] = exact
    finite = np.isfinite(x)
    bad = pd.Series(present & ~finite, index=s.index)
    return pd.Series(x, index=s.index), bad


def parse_values(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse measurement values, including below-detection ``<limit`` values.

    Returns
    -------
    (number or limit as float, mask below detection, mask present-but-bad)

    Examples
    --------
    >>> x, lod, bad = parse_values(pd.Series(["0.25", "<0.01", "< 0.01", "ND", "<0"]))
    >>> x.tolist()[:3], lod.tolist(), bad.tolist()
    ([0.25, 0.01, 0.01], [False, True, True, False, False], [False, False, False, True, True])
    """
    text = s.astype(object)
    x, bad = parse_numbers(text)
    lod = pd.Series(False, index=s.index)
    if bad.any():
        cand = text[bad]
        is_lod = cand.str.startswith("<").fillna(False).astype(bool)
        if is_lod.any():
            limit, limit_bad = parse_numbers(cand[is_lod].str.slice(1).str.lstrip("= \t"))
            good = ~limit_bad & (limit > 0)
            idx = limit.index[good.to_numpy()]
            x[idx] = limit[idx]
            lod[idx] = True
            bad[idx] = False
    return x, lod, bad


def map_codes(s: pd.Series, lookup: dict[str, str]) -> pd.Series:
    """Map text codes through ``lookup`` (keys already normalised by the caller); NaN if absent."""
    if len(s) == 0:
        return s.astype(object)
    return _on_uniques(s.astype(object), lambda u: u.map(lookup)).astype(object)


def _normalise(s: pd.Series, fn: Callable[[str], str]) -> pd.Series:
    if len(s) == 0:
        return s.astype(object)
    return _on_uniques(s.astype(object), lambda u: u.map(lambda v: fn(v) if isinstance(v, str)
                                                          else v)).astype(object)


_SEX = {"M": "M", "MALE": "M", "F": "F", "FEMALE": "F"}
_SERIOUS = {"Y": "Y", "YES": "Y", "N": "N", "NO": "N"}
_RELATED = {"related": "related", "probably related": "related", "definitely related": "related",
            "probable": "related", "definite": "related", "y": "related", "yes": "related",
            "possible": "possible", "possibly related": "possible",
            "unrelated": "unrelated", "not related": "unrelated", "unlikely related": "unrelated",
            "unlikely": "unrelated", "n": "unrelated", "no": "unrelated"}
_GRADE = re.compile(r"^(?:ctcae\s*)?(?:grade\s*)?([1-5])(?:\.0)?$")


def normalise_sex(s: pd.Series) -> pd.Series:
    """``M``/``F`` from M, F, male, female (any case); other text unchanged."""
    return _normalise(s, lambda v: _SEX.get(v.strip().upper(), v))


def normalise_serious(s: pd.Series) -> pd.Series:
    """``Y``/``N`` from Y, N, yes, no (any case); other text unchanged."""
    return _normalise(s, lambda v: _SERIOUS.get(v.strip().upper(), v))


def normalise_related(s: pd.Series) -> pd.Series:
    """``related``/``possible``/``unrelated`` from the usual wordings (SDTM AEREL too)."""
    return _normalise(s, lambda v: _RELATED.get(" ".join(v.lower().split()), v))


def normalise_severity(s: pd.Series) -> pd.Series:
    """``mild``/``moderate``/``severe`` (any case) or a grade ``"1"``..``"5"`` (``grade 3`` too)."""
    def one(v: str) -> str:
        key = " ".join(v.lower().split())
        m = _GRADE.match(key)
        return m.group(1) if m else key

    return _normalise(s, one)


def normalise_lower(s: pd.Series) -> pd.Series:
    """Lower-case text (status, route)."""
    return _normalise(s, lambda v: v.strip().lower())


def normalise_upper(s: pd.Series) -> pd.Series:
    """Upper-case text (parameter codes)."""
    return _normalise(s, lambda v: v.strip().upper())
