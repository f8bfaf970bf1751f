"""Shared pieces of the derivations: argument checks, study day, group codes.

Every public derivation opens with the checks below, so that a wrong argument
is reported by name, with what was expected and what was received.

Examples
--------
>>> import pandas as pd
>>> subjects = pd.DataFrame({"subject_id": ["S1", "S2"],
...                          "enrolment_date": pd.to_datetime(["2020-01-01", "2020-02-01"])})
>>> infusions = pd.DataFrame({"subject_id": ["S1"], "infusion_number": [1],
...                           "date": pd.to_datetime(["2020-01-10"])})
>>> subject_day0(subjects, infusions).dt.strftime("%Y-%m-%d").tolist()
['2020-01-10', '2020-02-01']
>>> compute_ady(pd.Series([-3, 0, 5])).tolist()
[-3, 1, 6]
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from .. import _validation
from ..data import study_day
from ..protocol import Protocol
from ..protocol.comparison import RELATIVE_TOLERANCE, meets  # noqa: F401  (re-exported)

__all__ = ["subject_day0", "compute_ady", "compute_rel_day"]


def check_frame(df: object, arg: str, fn: str, required: Iterable[str]) -> None:
    """Raise if ``df`` is not a DataFrame holding the ``required`` columns (:mod:`t1dtrial._validation`)."""
    _validation.check_frame(fn, arg, df, required)


def check_protocol(protocol: object, fn: str) -> None:
    """Raise if ``protocol`` is not a :class:`~t1dtrial.protocol.Protocol`."""
    _validation.check_instance(fn, "protocol", protocol, Protocol,
                               "a t1dtrial Protocol (see t1dtrial.protocol.load_protocol)")


def as_dates(values: pd.Series, arg: str, fn: str, column: str) -> pd.Series:
    """Return ``values`` as day-precision datetime64 (NaT kept); raise naming the bad value."""
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values
    else:
        try:
            out = pd.to_datetime(values, errors="raise", format="ISO8601")
        except (ValueError, TypeError):
            parsed = pd.to_datetime(values, errors="coerce", format="ISO8601")
            bad = values[parsed.isna() & values.notna()]
            raise _validation.invalid_parameter(
                fn, arg, f"hold dates in column '{column}' (datetime64 or ISO text YYYY-MM-DD)",
                bad.iloc[0]) from None
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_localize(None)
    return out.dt.normalize().astype("datetime64[ns]")


def subject_day0(subjects: pd.DataFrame, infusions: pd.DataFrame) -> pd.Series:
    """Day 0 of each subject: the first infusion date if any, else the enrolment date.

    Parameters
    ----------
    subjects : DataFrame
        Canonical subjects table (``subject_id``, ``enrolment_date``).
    infusions : DataFrame
        Canonical infusions table (``subject_id``, ``date``); may be empty.

    Returns
    -------
    Series
        datetime64 values indexed by ``subject_id`` (in ``subjects`` order),
        named ``day0``.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"subject_id": ["A"], "enrolment_date": pd.to_datetime(["2021-03-01"])})
    >>> i = pd.DataFrame({"subject_id": [], "infusion_number": [], "date": pd.to_datetime([])})
    >>> str(subject_day0(s, i)["A"].date())
    '2021-03-01'
    """
    fn = "subject_day0"
    check_frame(subjects, "subjects", fn, ["subject_id", "enrolment_date"])
    check_frame(infusions, "infusions", fn, ["subject_id", "date"])
    from ..data import study_day0  # the one rule, shared with validation's window checks

    subj = pd.DataFrame({
        "subject_id": subjects["subject_id"].astype(str).to_numpy(),
        "enrolment_date": as_dates(subjects["enrolment_date"], "subjects", fn,
                                   "enrolment_date").to_numpy()})
    inf = pd.DataFrame({
        "subject_id": infusions["subject_id"].astype(str).to_numpy(),
        "date": as_dates(infusions["date"], "infusions", fn, "date").to_numpy()
        if len(infusions) else np.array([], dtype="datetime64[ns]")})
    day0 = study_day0(subj, inf)
    day0.index.name = "subject_id"
    return day0


def compute_rel_day(dates: pd.Series, day0: pd.Series) -> pd.Series:
    """Days from day 0 (``date - day0``), as nullable integers (NA when a date is missing).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.Series(pd.to_datetime(["2020-01-05", None]))
    >>> compute_rel_day(d, pd.Series(pd.to_datetime(["2020-01-01", "2020-01-01"]))).tolist()
    [4, <NA>]
    """
    delta = (pd.Series(np.asarray(dates, dtype="datetime64[ns]"))
             - pd.Series(np.asarray(day0, dtype="datetime64[ns]")))
    days = delta.dt.days
    return pd.Series(days.to_numpy(), index=getattr(dates, "index", None)).astype("Int64")


def compute_ady(rel_day: pd.Series) -> pd.Series:
    """CDISC study day from days since day 0: ``rel_day + 1`` when ``rel_day >= 0``, else ``rel_day``.

    There is no day 0 in CDISC ADY; missing stays missing.

    Examples
    --------
    >>> import pandas as pd
    >>> compute_ady(pd.Series([-1, 0, 1], dtype="Int64")).tolist()
    [-1, 1, 2]
    """
    rel = pd.Series(rel_day).astype("Int64")
    ady = study_day(rel.to_numpy(dtype=float, na_value=np.nan))  # the package's one convention
    return pd.Series(ady, index=rel.index).round().astype("Int64")


def ady_to_rel(ady: pd.Series) -> pd.Series:
    """Inverse of :func:`compute_ady` (nullable float)."""
    a = pd.Series(ady).astype("float64")
    return a.where(a < 0, a - 1)


#: How every derived dataset is written as CSV (dates as ISO YYYY-MM-DD, no index).
CSV_OPTIONS = {"index": False, "date_format": "%Y-%m-%d", "lineterminator": "\n"}

#: Text columns of the derived datasets: Arrow-backed strings with NaN as the missing
#: value (pandas' future default ``str`` dtype): fast comparisons and grouping at
#: registry scale, numpy booleans out of comparisons.
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


def text_from_codes(uniques: object, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Text column ``uniques[codes]`` (code -1 = missing), without building Python strings."""
    values = pd.array([None if u is None or u != u else str(u) for u in uniques], dtype=TEXT)
    return values.take(np.asarray(codes, dtype=np.intp), allow_fill=True)


def to_text(values: object) -> pd.api.extensions.ExtensionArray:
    """Any column or array as a :data:`TEXT` column (missing kept missing)."""
    if isinstance(values, (pd.Series, pd.Index)) and values.dtype == TEXT:
        return values.array
    codes, uniques = pd.factorize(np.asarray(values, dtype=object)
                                  if not isinstance(values, (pd.Series, pd.Index)) else values)
    return text_from_codes(uniques, codes)


def text_flags(mask: np.ndarray, yes: str = "Y", no: str = "") -> pd.api.extensions.ExtensionArray:
    """A flag column: ``yes`` where ``mask`` is true, else ``no``."""
    return text_from_codes([no, yes], np.asarray(mask, dtype=bool).astype(np.intp))


def text_choice(conditions: list[np.ndarray], choices: list[str], default: str = ""
                ) -> pd.api.extensions.ExtensionArray:
    """Like :func:`numpy.select` for text: the first true condition's choice, else ``default``."""
    codes = np.select(conditions, list(range(1, len(choices) + 1)), default=0)
    return text_from_codes([default, *choices], codes)


def codes_of(values: object) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of a column (missing gets its own code, the last one)."""
    if not isinstance(values, (pd.Series, pd.Index)):
        values = pd.Series(np.asarray(values, dtype=object))
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    uniques = uniques.to_numpy(dtype=object) if hasattr(uniques, "to_numpy") else uniques
    return np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object)


def group_codes(*columns: pd.Series | np.ndarray) -> np.ndarray:
    """One int64 code per distinct combination of the given columns (missing = its own code)."""
    code = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        c, uniques = codes_of(col)
        code = code * (len(uniques) + 1) + c
    return code


def first_in_group(groups: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """Boolean mask of the first row of each group when ordered by ``keys`` (first key most significant).

    Ties keep input order; the input itself is never reordered. Groups of one
    row (the usual case) are decided without sorting.
    """
    n = len(groups)
    if n == 0:
        return np.zeros(0, dtype=bool)
    dense, uniques = pd.factorize(np.asarray(groups))
    counts = np.bincount(dense, minlength=len(uniques))
    mask = counts[dense] == 1
    several = np.flatnonzero(~mask)
    if len(several):
        g = dense[several]
        order = np.lexsort((several, *reversed([np.asarray(k)[several] for k in keys]), g))
        sorted_groups = g[order]
        is_first = np.ones(len(several), dtype=bool)
        is_first[1:] = sorted_groups[1:] != sorted_groups[:-1]
        mask[several[order[is_first]]] = True
    return mask


def missing_array(dtype: object, n: int) -> object:
    """An all-missing column of ``n`` values of ``dtype`` (fast for nullable integers and text)."""
    if str(dtype) == "Int64":
        return pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    if dtype == TEXT:
        return text_from_codes([], np.full(n, -1, dtype=np.intp))
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    if pd.api.types.is_float_dtype(dtype):
        return np.full(n, np.nan)
    return np.full(n, None, dtype=object)


def int_array(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Nullable Int64 column from floats holding whole numbers (NaN -> missing), fast."""
    v = np.asarray(values, dtype=float)
    missing = np.isnan(v)
    return pd.arrays.IntegerArray(np.where(missing, 0, v).astype(np.int64), missing)


def with_text_columns(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose object columns holding only text (or missing) are :data:`TEXT` columns."""
    out = df.copy(deep=False)
    for column in out.columns:
        if out[column].dtype == object:
            values = out[column]
            if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
                out[column] = to_text(values)
    return out
