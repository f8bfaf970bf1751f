"""Insulin-free episodes: start, end, duration in days and censoring at the data cut.

Episodes come from the ``insulin_free`` table when the trial recorded one
(a non-empty table is taken as the complete record of episodes: the contract
file ``insulin_free.csv``, or the SDTM CM insulin periods the reader turns
into it), else from runs of consecutive zero-dose visits in ADLB (INSDOSE
analysis records). Episodes inferred from visits are known only to the visit:
:func:`derive_all <t1dtrial.derive.derive_all>` then emits a
:class:`~t1dtrial.errors.DerivationWarning` (a line of the analysis'
``notes.txt``) with :func:`visit_inference_note`, which gives the resolution.

Examples
--------
>>> import pandas as pd
>>> adsl = pd.DataFrame({"USUBJID": ["S1"], "RFSTDT": pd.to_datetime(["2020-01-01"])})
>>> free = pd.DataFrame({"subject_id": ["S1"], "start_date": pd.to_datetime(["2020-06-01"]),
...                      "end_date": pd.to_datetime([None])})
>>> lb = pd.DataFrame(columns=["USUBJID", "PARAMCD", "AVISIT", "AVISITN", "ADT", "AVAL", "ANL01FL"])
>>> e = derive_insulin_free_episodes(free, lb, adsl, data_cut=pd.Timestamp("2020-12-01"))
>>> e[["USUBJID", "AVAL", "CNSR", "SRCDOM"]].values.tolist()
[['S1', 183.0, 1, 'insulin_free']]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import invalid_parameter
from ..protocol import Protocol
from ._common import as_dates, check_frame

__all__ = ["EPISODE_COLUMNS", "derive_insulin_free_episodes", "episode_status",
           "visit_inference_note"]

#: Columns of the episode table (ADTTE rows with PARAMCD = "INSFREE").
EPISODE_COLUMNS = ["USUBJID", "EPISODE", "ASTDT", "AENDT", "AVAL", "CNSR", "SRCDOM", "SRCROW"]

_TABLE = "insulin_free"


def _empty() -> pd.DataFrame:
    return pd.DataFrame({
        "USUBJID": pd.Series(dtype=object), "EPISODE": pd.Series(dtype="int64"),
        "ASTDT": pd.Series(dtype="datetime64[ns]"), "AENDT": pd.Series(dtype="datetime64[ns]"),
        "AVAL": pd.Series(dtype=float), "CNSR": pd.Series(dtype="int64"),
        "SRCDOM": pd.Series(dtype=object), "SRCROW": pd.Series(dtype="Int64")})


def episode_status(insulin_free: pd.DataFrame, data_cut: pd.Timestamp) -> np.ndarray:
    """Why each ``insulin_free`` row gives no episode ("" when it gives one).

    Reasons: "episode starts after the data cut", "episode ends before it starts".
    (Rows of subjects missing from the subjects table are reported by the log.)

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"subject_id": ["A", "B"],
    ...                   "start_date": pd.to_datetime(["2021-01-02", "2020-05-01"]),
    ...                   "end_date": pd.to_datetime([None, "2020-04-01"])})
    >>> episode_status(f, pd.Timestamp("2021-01-01")).tolist()
    ['episode starts after the data cut', 'episode ends before it starts']
    """
    fn = "episode_status"
    start = as_dates(insulin_free["start_date"], _TABLE, fn, "start_date").to_numpy()
    end = (as_dates(insulin_free["end_date"], _TABLE, fn, "end_date").to_numpy()
           if "end_date" in insulin_free.columns
           else np.full(len(insulin_free), np.datetime64("NaT"), dtype="datetime64[ns]"))
    cut = np.datetime64(pd.Timestamp(data_cut), "ns") if pd.notna(data_cut) else None
    after = (start > cut) if cut is not None else np.zeros(len(start), dtype=bool)
    reversed_ = ~np.isnat(end) & (end < start)
    return np.select([after, reversed_], ["episode starts after the data cut",
                                          "episode ends before it starts"], default="").astype(object)


def visit_inference_note(protocol: Protocol, n_episodes: int) -> str:
    """The note saying that insulin-free episodes were inferred from visits, and how precisely.

    An episode inferred from visits starts somewhere between its first
    zero-dose visit and the visit before, and ends between its last zero-dose
    visit and the visit after; with visits at most ``G`` days apart in the
    protocol's schedule, a duration may be short by up to ``2 G`` days.

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> note = visit_inference_note(load_protocol("lu2021"), 3)
    >>> note[:80]
    'insulin-free episodes were inferred from visits with a zero daily insulin dose ('
    >>> "visits up to 92 days apart" in note, note.endswith("short by up to 184 days.")
    (True, True)
    """
    days = sorted(v.day for v in protocol.visits)
    gap = max((b - a for a, b in zip(days, days[1:])), default=0)
    return (f"insulin-free episodes were inferred from visits with a zero daily insulin dose "
            f"({n_episodes} episode(s)): the data hold no dated record of insulin being stopped "
            f"and restarted (insulin_free.csv, or SDTM CM insulin records with CMSTDTC/CMENDTC). "
            f"Their start and end are known only to the visit (an episode starts between its "
            f"first zero-dose visit and the visit before, and ends between its last one and the "
            f"visit after): with this protocol's schedule, visits up to {gap} days apart, each "
            f"duration is a lower bound, short by up to {2 * gap} days.")


def derive_insulin_free_episodes(insulin_free: pd.DataFrame, adlb: pd.DataFrame,
                                 adsl: pd.DataFrame, *, data_cut: pd.Timestamp,
                                 protocol: Protocol | None = None) -> pd.DataFrame:
    """Insulin-free episodes, one row an episode.

    Algorithm
    ---------
    From the ``insulin_free`` table (used whenever it has rows):

    1. Only subjects in ``adsl``; episodes starting after ``data_cut`` or ending
       before they start are left out (:func:`episode_status`; the log counts them).
    2. ASTDT = start_date; AENDT = end_date, or ``data_cut`` when the episode is
       ongoing (blank end) or ends after the cut; CNSR = 1 in those two cases, else 0.
    3. AVAL = AENDT - ASTDT in days; EPISODE = 1, 2, ... by start date within a subject.

    From ADLB (only when the table is empty): runs of consecutive post-baseline
    visits whose INSDOSE analysis value is 0. ASTDT = date of the first zero-dose
    visit, AENDT = date of the last one (nominal dates from RFSTDT when undated);
    CNSR = 0 when the next scheduled visit records a dose above 0, else 1
    (ongoing, or the next visit is missing). Such durations are lower bounds.

    Parameters
    ----------
    insulin_free : DataFrame
        Canonical table (``subject_id``, ``start_date``, ``end_date``); may be empty.
    adlb : DataFrame
        ADLB (USUBJID, PARAMCD, AVISIT, AVISITN, ADT, AVAL, ANL01FL).
    adsl : DataFrame
        ADSL (USUBJID, RFSTDT).
    data_cut : Timestamp
        Date of the data cut.
    protocol : Protocol, optional
        Needed for episodes from visits (baseline visit and schedule).

    Returns
    -------
    DataFrame with :data:`EPISODE_COLUMNS`.

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> adsl = pd.DataFrame({"USUBJID": ["S1"], "RFSTDT": pd.to_datetime(["2020-01-01"])})
    >>> free = pd.DataFrame(columns=["subject_id", "start_date", "end_date"])
    >>> lb = pd.DataFrame({"USUBJID": ["S1"] * 3, "PARAMCD": ["INSDOSE"] * 3,
    ...     "AVISIT": ["M6", "M9", "M12"], "AVISITN": [182, 273, 365],
    ...     "ADT": pd.to_datetime(["2020-07-01", "2020-10-01", "2021-01-01"]),
    ...     "AVAL": [0.0, 0.0, 0.3], "ANL01FL": ["Y"] * 3})
    >>> e = derive_insulin_free_episodes(free, lb, adsl, data_cut=pd.Timestamp("2021-01-01"),
    ...                                  protocol=load_protocol("lu2021"))
    >>> e[["AVAL", "CNSR", "SRCDOM"]].values.tolist()
    [[92.0, 0, 'ADLB']]
    """
    fn = "derive_insulin_free_episodes"
    check_frame(insulin_free, "insulin_free", fn, ["subject_id", "start_date"])
    check_frame(adlb, "adlb", fn, ["USUBJID", "PARAMCD", "AVISIT", "AVISITN", "ADT", "AVAL",
                                   "ANL01FL"])
    check_frame(adsl, "adsl", fn, ["USUBJID", "RFSTDT"])
    cut = pd.Timestamp(data_cut).normalize()
    if len(insulin_free):
        return _from_table(insulin_free, adsl, cut)
    if protocol is None:
        raise invalid_parameter(fn, "protocol", "a Protocol when the insulin_free table is empty "
                                "(episodes come from zero-dose visits)", None)
    return _from_visits(adlb, adsl, cut, protocol)


def _from_table(table: pd.DataFrame, adsl: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    fn = "derive_insulin_free_episodes"
    sid = table["subject_id"].astype(str)
    start = as_dates(table["start_date"], _TABLE, fn, "start_date")
    end = (as_dates(table["end_date"], _TABLE, fn, "end_date") if "end_date" in table.columns
           else pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]"))
    keep = sid.isin(set(adsl["USUBJID"])).to_numpy() & (episode_status(table, cut) == "")
    if not keep.any():
        return _empty()
    start, end, sid = start[keep], end[keep], sid[keep]
    censored = (end.isna() | (end > cut)).to_numpy()
    aend = end.where(~censored, cut)
    rows = pd.DataFrame({
        "USUBJID": sid.to_numpy(),
        "ASTDT": start.to_numpy(),
        "AENDT": aend.to_numpy(),
        "AVAL": (aend - start).dt.days.astype(float).to_numpy(),
        "CNSR": censored.astype("int64"),
        "SRCDOM": _TABLE,
        "SRCROW": (pd.array(table["source_row"].to_numpy()[keep], dtype="Int64")
                   if "source_row" in table.columns
                   else pd.array(np.flatnonzero(keep) + 2, dtype="Int64")),
    })
    order = np.lexsort((rows["ASTDT"].to_numpy(), rows["USUBJID"].to_numpy()))
    episode = np.empty(len(rows), dtype="int64")
    episode[order] = pd.Series(rows["USUBJID"].to_numpy()[order]).groupby(
        rows["USUBJID"].to_numpy()[order]).cumcount().to_numpy() + 1
    rows.insert(1, "EPISODE", episode)
    return rows[EPISODE_COLUMNS]


def _from_visits(adlb: pd.DataFrame, adsl: pd.DataFrame, cut: pd.Timestamp,
                 protocol: Protocol) -> pd.DataFrame:
    visits = [v for v in protocol.visits if v.code != protocol.baseline_visit]
    if not visits or not len(adsl):
        return _empty()
    ids = adsl["USUBJID"].to_numpy()
    n, k = len(ids), len(visits)
    rows = adlb.loc[(adlb["PARAMCD"] == "INSDOSE") & (adlb["ANL01FL"] == "Y")
                    & adlb["AVAL"].notna()]
    i = pd.Index(ids).get_indexer(rows["USUBJID"])
    j = pd.Index([v.code for v in visits]).get_indexer(rows["AVISIT"])
    ok = (i >= 0) & (j >= 0)
    state = np.full((n, k), np.nan)
    state[i[ok], j[ok]] = (rows["AVAL"].to_numpy(dtype=float)[ok] <= 0).astype(float)
    rf = adsl["RFSTDT"].to_numpy(dtype="datetime64[ns]")
    when = rf[:, None] + np.array([v.day for v in visits], dtype="timedelta64[D]")[None, :]
    adt = rows["ADT"].to_numpy(dtype="datetime64[ns]")[ok]
    dated = ~np.isnat(adt)
    when[i[ok][dated], j[ok][dated]] = adt[dated]
    zero = state == 1
    prev = np.zeros_like(zero)
    prev[:, 1:] = zero[:, :-1]
    starts = zero & ~prev
    nxt = np.zeros_like(zero)
    nxt[:, :-1] = zero[:, 1:]
    ends = zero & ~nxt
    next_state = np.full((n, k), np.nan)
    next_state[:, :-1] = state[:, 1:]
    si, sj = np.nonzero(starts)
    ei, ej = np.nonzero(ends)  # same row-major order: the r-th start pairs with the r-th end
    if not len(si):
        return _empty()
    astdt = when[si, sj]
    aendt = np.minimum(when[ei, ej], np.datetime64(cut, "ns"))
    cnsr = np.where(next_state[ei, ej] == 0, 0, 1).astype("int64")
    out = pd.DataFrame({
        "USUBJID": ids[si],
        "ASTDT": astdt,
        "AENDT": aendt,
        "AVAL": (aendt - astdt).astype("timedelta64[D]").astype(float),
        "CNSR": cnsr,
        "SRCDOM": "ADLB",
        "SRCROW": pd.array([pd.NA] * len(si), dtype="Int64"),
    })
    out.insert(1, "EPISODE", out.groupby("USUBJID").cumcount().to_numpy() + 1)
    return out[EPISODE_COLUMNS]
