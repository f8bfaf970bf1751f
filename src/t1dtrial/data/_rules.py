"""Cross-table rules: study day, visit windows, missing baselines, unknown subjects.

Study day (docs/internals.md): day 0 of a subject is the date of the first
infusion if there is one, else the enrolment date; ``rel_day = (date - day0)``
in days, and a record is inside visit V's window when
``V.earliest <= rel_day <= V.latest`` (the protocol's days count from day 0).
What a person reads is the CDISC study day of :func:`study_day` (ADY: day 1
is day 0, there is no day 0), in validation messages as in ADLB.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import check_frame
from ..protocol import Protocol
from ._raw import Collector, RawTable
from .contract import is_known_param
from .log import Exclusion, LoadLog

__all__ = ["study_day0", "study_day", "rel_days", "flag_windows", "missing_baselines", "unknown_subjects",
           "control_infusions", "baseline_params", "exclude"]


def study_day0(subjects: pd.DataFrame, infusions: pd.DataFrame) -> pd.Series:
    """Day 0 of each subject: first infusion date, else enrolment date.

    Parameters
    ----------
    subjects : DataFrame
        With ``subject_id`` and ``enrolment_date`` (datetime64).
    infusions : DataFrame
        With ``subject_id`` and ``date`` (datetime64); may be empty.

    Returns
    -------
    Series of datetime64
        Indexed by ``subject_id`` (in the order of ``subjects``), named ``day0``.

    Examples
    --------
    >>> subj = pd.DataFrame({"subject_id": ["A", "B"],
    ...                      "enrolment_date": pd.to_datetime(["2020-01-01", "2020-02-01"])})
    >>> inf = pd.DataFrame({"subject_id": ["A", "A"],
    ...                     "date": pd.to_datetime(["2020-04-10", "2020-01-10"])})
    >>> study_day0(subj, inf).dt.strftime("%Y-%m-%d").tolist()
    ['2020-01-10', '2020-02-01']
    """
    for name, frame, cols in (("subjects", subjects, ("subject_id", "enrolment_date")),
                              ("infusions", infusions, ("subject_id", "date"))):
        check_frame("study_day0", name, frame, cols)
    enrol = pd.to_datetime(subjects.set_index("subject_id")["enrolment_date"])
    first = pd.to_datetime(infusions["date"]).groupby(infusions["subject_id"]).min()
    day0 = first.reindex(enrol.index).fillna(enrol)
    return day0.astype("datetime64[ns]").rename("day0")


def study_day(rel_day: np.ndarray | pd.Series) -> np.ndarray:
    """CDISC study day (ADY) of days since day 0: ``rel_day + 1`` from day 0 on, else ``rel_day``.

    The one study-day convention of t1dtrial: ADLB's ADY and every message use it.

    Examples
    --------
    >>> study_day(np.array([-3.0, 0.0, 182.0])).tolist()
    [-3.0, 1.0, 183.0]
    """
    rel = np.asarray(rel_day, dtype=float)
    return np.where(rel >= 0, rel + 1, rel)


def rel_days(measurements: pd.DataFrame, day0: pd.Series) -> pd.Series:
    """Days from each subject's day 0 to each record's ``date`` (NaN when either is missing)."""
    origin = measurements["subject_id"].map(day0)
    return (pd.to_datetime(measurements["date"]) - origin).dt.days.astype(float)


def flag_windows(measurements: pd.DataFrame, protocol: Protocol, day0: pd.Series,
                 raw: RawTable, collector: Collector) -> pd.Series:
    """Boolean ``out_of_window`` for each record, with one warning per flagged record."""
    rel = rel_days(measurements, day0)
    lo = measurements["visit"].map({v.code: v.earliest for v in protocol.visits}).astype(float)
    hi = measurements["visit"].map({v.code: v.latest for v in protocol.visits}).astype(float)
    out = rel.notna() & ((rel < lo) | (rel > hi))
    if out.any():
        sel = out.to_numpy()
        day = lambda x: pd.Series(study_day(x[sel]), index=x[sel].index).astype(int).astype(str)  # noqa: E731
        text = ("measured on study day " + day(rel)
                + ", outside the window of visit " + measurements.loc[sel, "visit"]
                + " (study days " + day(lo) + " to " + day(hi)
                + "); kept and flagged out_of_window")
        problem = pd.Series("", index=measurements.index, dtype=object)
        problem[sel] = text
        collector.rows(raw, measurements, sel, "date", problem,
                       "a date inside the visit window (study day 1 = the first infusion, else "
                       "enrolment)",
                       value=raw.frame.loc[measurements.index, "date"], severity="warning",
                       kind="out of window")
    return out.astype(bool)


def baseline_params(protocol: Protocol) -> list[str]:
    """Measured parameters of the primary endpoint (their baseline is always expected)."""
    ep = protocol.primary_endpoint
    params = list(getattr(ep, "params", None) or ([ep.param] if hasattr(ep, "param") else []))
    return [p for p in params if is_known_param(p)]


def missing_baselines(subjects: pd.DataFrame, measurements: pd.DataFrame, protocol: Protocol,
                      subjects_raw: RawTable, collector: Collector) -> pd.Series:
    """Flag subjects lacking a baseline value of a parameter they need; one warning each.

    A baseline value is needed for every parameter of the primary endpoint and
    for every parameter the subject has after baseline.

    Returns
    -------
    Series of bool, aligned with ``subjects`` (``missing_baseline``)
    """
    base = protocol.baseline_visit
    is_base = measurements["visit"].eq(base).to_numpy()
    sids = pd.Index(subjects["subject_id"]).unique()
    params = pd.Index(pd.unique(measurements["param"])).append(
        pd.Index(baseline_params(protocol))).unique()
    n = len(params)
    s_code = sids.get_indexer(measurements["subject_id"])
    key = s_code.astype(np.int64) * n + params.get_indexer(measurements["param"])
    key = np.where(s_code < 0, -1, key)
    have = np.unique(key[is_base])
    need = np.unique(key[~is_base & (key >= 0)])
    primary = params.get_indexer(baseline_params(protocol))
    if len(primary):
        grid = (np.arange(len(sids), dtype=np.int64)[:, None] * n + primary[None, :]).ravel()
        need = np.union1d(need, grid)
    missing = np.setdiff1d(need, have)
    if not len(missing):
        return pd.Series(False, index=subjects.index)
    lacking = pd.DataFrame({"subject_id": sids[missing // n], "param": params[missing % n]})
    per_subject = lacking.groupby("subject_id", sort=False)["param"].agg(lambda s: ", ".join(s))
    flag = subjects["subject_id"].map(per_subject)
    mask = flag.notna().to_numpy()
    problem = ("no baseline (" + base + ") value of " + flag.fillna("")
               + "; the participant is kept and flagged missing_baseline")
    collector.rows(subjects_raw, subjects_raw.frame.loc[subjects.index], mask, "subject_id",
                   problem, "a value at the baseline visit for each parameter followed up",
                   severity="warning", kind="missing baseline")
    return pd.Series(mask, index=subjects.index)


def unknown_subjects(frame: pd.DataFrame, known: pd.Index, raw: RawTable, subjects_file: str,
                     collector: Collector) -> np.ndarray:
    """Rows whose subject_id is not in the subjects table (reported as errors)."""
    bad = (frame["subject_id"].notna() & ~frame["subject_id"].isin(known)).to_numpy()
    collector.rows(raw, raw.frame.loc[frame.index], bad, "subject_id",
                   f"participant not listed in {subjects_file}",
                   f"a subject_id listed in {subjects_file}")
    return bad


def control_infusions(infusions: pd.DataFrame, subjects: pd.DataFrame, protocol: Protocol,
                      raw: RawTable, collector: Collector) -> np.ndarray:
    """Rows recording an infusion for a subject of a standard-care arm (errors)."""
    kinds = {a.code: a.kind for a in protocol.arms}
    arm = infusions["subject_id"].map(subjects.drop_duplicates("subject_id")
                                      .set_index("subject_id")["arm"])
    bad = arm.map(kinds).eq("standard-care").to_numpy()
    if bad.any():
        treated = [a.code for a in protocol.arms if a.kind != "standard-care"]
        problem = ("infusion recorded for a participant of the standard-care arm "
                   + arm.fillna("").astype(str))
        collector.rows(raw, raw.frame.loc[infusions.index], bad, "subject_id", problem,
                       "infusions only for participants of " + (", ".join(treated) or "no arm"),
                       kind="control infusion")
    return bad


def exclude(log: LoadLog, table: str, frame: pd.DataFrame, mask: np.ndarray,
            reason: str | pd.Series) -> None:
    """Record rows of ``frame`` (``source_file``/``source_row``) as excluded in the log."""
    mask = np.asarray(mask, dtype=bool)
    sel = frame.loc[mask]
    reasons = (reason[mask].astype(str).tolist() if isinstance(reason, pd.Series)
               else [reason] * len(sel))
    subjects = (sel["subject_id"].where(sel["subject_id"].notna(), None).tolist()
                if "subject_id" in sel.columns else [None] * len(sel))
    log.exclusions.extend(Exclusion(file=str(f), row=int(r), reason=why, table=table,
                                    subject=None if s is None else str(s))
                          for f, r, why, s in zip(sel["source_file"], sel["source_row"], reasons,
                                                  subjects))
