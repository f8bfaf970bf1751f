"""Dates that cannot be right: in the future, or after the participant left the study.

Part of :func:`t1dtrial.data.validate.validate_raw`. Both are errors naming the
participant:

* any date after the day the data are read (``today``; a record cannot be
  dated in the future: 2031 for 2021 is a typing slip, and it would otherwise
  become an analysis value with only a window warning);
* a measurement or an infusion dated after the participant's
  ``withdrawal_date`` (nothing is collected after the end of study).

A late but past visit (after its window) stays a warning: it is real data,
flagged ``out_of_window``.

Examples
--------
>>> import datetime as dt
>>> future_text(dt.date(2026, 11, 27))
'a date in the future (the data are read on 2026-11-27)'
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ._raw import Collector, RawTable
from .contract import TABLES

__all__ = ["check_dates", "future_text"]

#: Tables whose records must not be dated after the participant's withdrawal.
_AFTER_WITHDRAWAL = {"measurements": "measured", "infusions": "infused"}


def future_text(today: dt.date) -> str:
    """The problem text of a date in the future."""
    return f"a date in the future (the data are read on {today.isoformat()})"


def check_dates(typed: dict[str, pd.DataFrame], raw: dict[str, RawTable], col: Collector,
                today: dt.date) -> dict[str, np.ndarray]:
    """Rows of each table with a future date or a record after withdrawal (errors).

    Parameters
    ----------
    typed : dict of str to DataFrame
        Typed tables (dates parsed) by table name; absent tables are skipped.
    raw : dict of str to RawTable
        The tables as read (file, row, column names).
    col : Collector
        Receives one problem per row and column concerned.
    today : date
        The day the data are read.

    Returns
    -------
    dict of str to ndarray of bool
        Rows in error, per table present in ``typed``.
    """
    cut = np.datetime64(today, "ns")
    failed = {}
    for name, frame in typed.items():
        bad = np.zeros(len(frame), dtype=bool)
        for c in TABLES[name].dates:
            if c not in frame.columns:
                continue
            future = (frame[c].to_numpy(dtype="datetime64[ns]") > cut)
            if future.any():
                col.rows(raw[name], raw[name].frame.loc[frame.index], future, c, future_text(today),
                         f"a date on or before {today.isoformat()}", kind="future date")
                bad |= future
        failed[name] = bad
    subjects = typed.get("subjects")
    if subjects is None or "withdrawal_date" not in subjects.columns:
        return failed
    left = subjects.drop_duplicates("subject_id").set_index("subject_id")["withdrawal_date"]
    for name, verb in _AFTER_WITHDRAWAL.items():
        frame = typed.get(name)
        if frame is None:
            continue
        withdrawn = frame["subject_id"].map(left)
        after = (frame["date"] > withdrawn).to_numpy()
        if after.any():
            text = pd.Series("", index=frame.index, dtype=object)
            text[after] = (f"{verb} after the participant withdrew from the study (withdrawal_date "
                           + withdrawn[after].dt.strftime("%Y-%m-%d") + ")")
            col.rows(raw[name], raw[name].frame.loc[frame.index], after, "date", text,
                     "a date on or before the withdrawal date, or the withdrawal date corrected",
                     kind="after withdrawal")
            failed[name] |= after
    return failed
