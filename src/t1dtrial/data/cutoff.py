"""A clinical data cut: the trial as it was known on a cut-off date.

``apply_cutoff(trial, "2021-06-30")`` keeps what had happened by the end of
the cut-off day and records everything else in the load log's exclusions
(so disposition counts it), each with its reason:

* participants enrolled after the cut-off, with all their records;
* measurements and infusions dated after it;
* adverse events with an onset after it; an adverse event ending after it is
  ongoing at the cut (its ``end_date`` is blanked);
* insulin-free episodes starting after it; one ending after it is ongoing
  (``end_date`` blanked, so it is censored at the cut);
* a withdrawal dated after it did not yet happen (``status``,
  ``withdrawal_date`` and ``withdrawal_reason`` blanked).

Measurements without a date cannot be placed before or after the cut: they
are kept and counted (:attr:`CutoffSummary.undated`). The store's ``as_of``
is a different cut: the latest import on or before a date.

Examples
--------
>>> from t1dtrial.datasets import load_lu2021
>>> trial, summary = apply_cutoff(load_lu2021(), "2017-12-31")
>>> summary.participants_excluded, len(trial.subjects)
(3, 50)
>>> print(summary.notes()[0])
Data cut-off 2017-12-31: records dated after it are excluded (3 participants, 567 measurements, 6 infusions, 14 adverse events, 1 insulin-free episodes); 3 participant(s) enrolled after it are left out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from .log import Exclusion

if TYPE_CHECKING:  # pragma: no cover
    from .trial import Trial

__all__ = ["CutoffSummary", "apply_cutoff", "parse_cutoff"]


_WORDS = {"subjects": "participants", "adverse_events": "adverse events",
          "insulin_free": "insulin-free episodes"}


@dataclass(frozen=True)
class CutoffSummary:
    """What a data cut removed or changed.

    Attributes
    ----------
    cutoff : date
        The cut-off date (records on that day are kept).
    participants_excluded : int
        Participants enrolled after the cut-off.
    records_excluded : dict of str to int
        Records left out per table (participants' records included).
    ongoing : dict of str to int
        Adverse events and insulin-free episodes made ongoing at the cut,
        and withdrawals not yet happened.
    undated : int
        Measurements without a date, kept.
    """

    cutoff: dt.date
    participants_excluded: int = 0
    records_excluded: dict[str, int] = field(default_factory=dict)
    ongoing: dict[str, int] = field(default_factory=dict)
    undated: int = 0

    def notes(self) -> list[str]:
        """Sentences for notes.txt."""
        day = self.cutoff.isoformat()
        out = [f"Data cut-off {day}: records dated after it are excluded ("
               + (", ".join(f"{n} {_WORDS.get(t, t)}" for t, n in self.records_excluded.items() if n)
                  or "none")
               + f"); {self.participants_excluded} participant(s) enrolled after it are left out."]
        if any(self.ongoing.values()):
            out.append(f"Data cut-off {day}: ongoing at the cut (end dates after it blanked): "
                       + ", ".join(f"{n} {_WORDS.get(t, t)}" for t, n in self.ongoing.items() if n)
                       + ".")
        if self.undated:
            out.append(f"Data cut-off {day}: {self.undated} measurement(s) without a date cannot "
                       "be placed before or after the cut and are kept.")
        return out


def parse_cutoff(value: str | dt.date) -> dt.date:
    """An ISO date, or an :class:`InputError` naming ``--cutoff``.

    Examples
    --------
    >>> parse_cutoff("2021-06-30")
    datetime.date(2021, 6, 30)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError([Problem(file="--cutoff", row=None, column=None, value=value,
                                  problem="not a date",
                                  expected="an ISO date such as 2021-06-30")]) from None


def _after(frame: pd.DataFrame, column: str, cut: np.datetime64) -> np.ndarray:
    return (frame[column].to_numpy(dtype="datetime64[ns]") > cut) if column in frame else \
        np.zeros(len(frame), dtype=bool)


def _exclude(frame: pd.DataFrame, mask: np.ndarray, table: str, reason: str,
             exclusions: list[Exclusion]) -> pd.DataFrame:
    sel = frame.loc[mask]
    files = sel["source_file"] if "source_file" in sel else pd.Series(f"{table}.csv", sel.index)
    exclusions.extend(Exclusion(file=str(f), row=int(r), reason=reason, table=table,
                                subject=str(s))
                      for f, r, s in zip(files, sel["source_row"], sel["subject_id"]))
    return frame.loc[~mask].reset_index(drop=True)


def apply_cutoff(trial: "Trial", cutoff: str | dt.date) -> tuple["Trial", CutoffSummary]:
    """The trial as known at the end of ``cutoff``, and what the cut changed.

    Parameters
    ----------
    trial : Trial
        A validated trial.
    cutoff : str or date
        ISO date; records on that day are kept.

    Returns
    -------
    (Trial, CutoffSummary)
        A new trial (the input is not changed) whose load log lists every record
        left out with its reason.
    """
    day = parse_cutoff(cutoff)
    cut = np.datetime64(day, "ns") + np.timedelta64(1, "D") - np.timedelta64(1, "ns")
    words = f"dated after the data cut-off ({day.isoformat()})"
    exclusions: list[Exclusion] = []
    tables = {name: df.copy() for name, df in trial.tables.items()}
    late = _after(tables["subjects"], "enrolment_date", cut)
    gone = set(tables["subjects"].loc[late, "subject_id"])
    tables["subjects"] = _exclude(tables["subjects"], late, "subjects",
                                  f"enrolled after the data cut-off ({day.isoformat()})", exclusions)
    excluded = {"subjects": int(late.sum())}
    for name, column in (("measurements", "date"), ("infusions", "date"),
                         ("adverse_events", "onset_date"), ("insulin_free", "start_date")):
        frame = tables[name]
        theirs = frame["subject_id"].isin(gone).to_numpy()
        frame = _exclude(frame, theirs, name, "participant enrolled after the data cut-off",
                         exclusions)
        mask = _after(frame, column, cut)
        tables[name] = _exclude(frame, mask, name, words, exclusions)
        excluded[name] = int(theirs.sum() + mask.sum())
    ongoing = {}
    for name, column in (("adverse_events", "end_date"), ("insulin_free", "end_date")):
        mask = _after(tables[name], column, cut)
        tables[name].loc[mask, column] = pd.NaT
        ongoing[name] = int(mask.sum())
    subj = tables["subjects"]
    mask = _after(subj, "withdrawal_date", cut)
    subj.loc[mask, ["status", "withdrawal_reason"]] = np.nan
    subj.loc[mask, "withdrawal_date"] = pd.NaT
    ongoing["withdrawals not yet happened"] = int(mask.sum())
    undated = int(tables["measurements"]["date"].isna().sum())
    log = dataclasses.replace(trial.load_log, exclusions=[*trial.load_log.exclusions, *exclusions],
                              rows_used={name: len(df) for name, df in tables.items()})
    summary = CutoffSummary(cutoff=day, participants_excluded=int(late.sum()),
                            records_excluded=excluded, ongoing=ongoing, undated=undated)
    return dataclasses.replace(trial, load_log=log, **tables), summary
