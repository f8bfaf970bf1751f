"""Disposition of participants (the CONSORT flow) and of input records.

:func:`disposition` counts, per arm and overall, the subjects enrolled,
infused (and each planned infusion received), seen at the primary visit,
completed, discontinued (by reason), still ongoing, in and out of each analysis population (by reason),
and with the primary endpoint assessed, missing or excluded; then the input
records that entered no dataset, with their reasons, from the derivation and
(when given) from loading. Nothing is lost silently: every subject of ADSL and
every record excluded is in some row.

Rows whose ``reason`` is empty are the totals of their stage; rows with a
reason break a total down.

Examples
--------
>>> import pandas as pd
>>> from types import SimpleNamespace
>>> from t1dtrial.protocol import load_protocol
>>> adsl = pd.DataFrame({"USUBJID": ["A", "B"], "TRT01P": ["MSC", "CONTROL"],
...     "ENRLFL": "Y", "FASFL": "Y", "PPROTFL": "Y", "SAFFL": "Y", "NINF": [2, 0]})
>>> t = disposition(SimpleNamespace(adsl=adsl), load_protocol("lu2021"))
>>> t.loc[t.stage == "enrolled", ["arm", "n"]].values.tolist()
[['MSC', 1], ['CONTROL', 1], ['all', 2]]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..data.log import Exclusion
from ..derive import infusion_received, response_status
from ..errors import InputError, Problem
from ..protocol import Protocol
from ..protocol.populations import protocol_populations
from ..protocol.kinds import outcome
from .baseline import ALL_ARMS, arm_masks, check_table_args

__all__ = ["DISPOSITION_COLUMNS", "disposition"]

#: Columns of the disposition table, in order.
DISPOSITION_COLUMNS = ["stage", "arm", "n", "reason", "counted", "method"]

UNKNOWN_ARM = "unknown"


def _text(df: pd.DataFrame, column: str) -> np.ndarray:
    if column not in df.columns:
        return np.full(len(df), "", dtype=object)
    values = df[column].astype(object)
    return values.where(values.notna(), "").astype(str).str.strip().to_numpy(dtype=object)


class _Rows:
    """Collects rows ``stage, arm, n, reason, counted, method`` for the masks of each arm."""

    def __init__(self, masks: dict[str, np.ndarray]):
        self.masks = masks
        self.rows: list[dict] = []

    def count(self, stage: str, where: np.ndarray, method: str, *, reason: str = "",
              arms: list[str] | None = None) -> None:
        for arm, mask in self.masks.items():
            if arms is not None and arm not in arms:
                continue
            self.rows.append({"stage": stage, "arm": arm, "n": int((where & mask).sum()),
                              "reason": reason, "counted": "subjects", "method": method})

    def by_reason(self, stage: str, where: np.ndarray, reasons: np.ndarray, method: str,
                  *, arms: list[str] | None = None) -> None:
        """A total row, then one row per reason seen among ``where`` (every arm, zeros kept)."""
        self.count(stage, where, method, arms=arms)
        for reason in sorted(set(reasons[where]) - {""}):
            self.count(stage, where & (reasons == reason), method, reason=reason, arms=arms)
        unstated = where & (reasons == "")
        if unstated.any():
            self.count(stage, unstated, method, reason="no reason recorded", arms=arms)


def _infusion_rows(rows: _Rows, adsl: pd.DataFrame, enrolled: np.ndarray,
                   protocol: Protocol) -> None:
    infused_arms = [a.code for a in protocol.arms if a.receives_infusions]
    if not infused_arms:
        return
    arms = [*infused_arms, ALL_ARMS]
    ninf = pd.to_numeric(adsl["NINF"], errors="coerce").fillna(0).to_numpy(dtype=float)
    in_arms = enrolled & adsl["TRT01P"].isin(infused_arms).to_numpy()
    rows.count("infused", in_arms & (ninf >= 1),
               "ADSL NINF >= 1 (at least one infusion), arms given infusions", arms=arms)
    rows.count("not infused", in_arms & (ninf < 1),
               "ADSL NINF = 0, arms given infusions", arms=arms)
    for inf in protocol.infusions:
        got = infusion_received(adsl, inf.number)
        scheduled = enrolled & adsl["TRT01P"].isin(inf.given_arms).to_numpy()
        rows.count(f"infusion {inf.number} received", scheduled & got,
                   f"ADSL INF{inf.number}FL = Y (infusion {inf.number} at visit {inf.visit}"
                   + (f", only if {inf.condition}" if inf.condition else "") + ")",
                   arms=[*inf.given_arms, ALL_ARMS])


def _eligibility_rows(rows: _Rows, adsl: pd.DataFrame, enrolled: np.ndarray,
                      protocol: Protocol) -> None:
    """Eligible, not eligible and not assessable participants, by criterion (ELIGFL, ELIGREAS)."""
    if not protocol.eligibility or "ELIGFL" not in adsl.columns:
        return
    flag = _text(adsl, "ELIGFL")
    reasons = [set(r.split("; ")) if r else set() for r in _text(adsl, "ELIGREAS")]
    rows.count("eligible", enrolled & (flag == "Y"),
               "ADSL ELIGFL = Y (every eligibility criterion met)")
    failed = enrolled & (flag == "N")
    rows.count("not eligible", failed, "ADSL ELIGFL = N: a protocol deviation, kept in the "
               "analyses; a participant may fail several criteria")
    for c in protocol.eligibility:
        has = np.array([c.label in r for r in reasons], dtype=bool)
        rows.count("not eligible", failed & has, f"criterion {c.name}: {c.where}",
                   reason=c.label)
    unknown = enrolled & (flag == "")
    rows.count("eligibility not assessable", unknown,
               "ADSL ELIGFL empty: no criterion failed, one or more cannot be assessed "
               "(a value missing)")
    for c in protocol.eligibility:
        has = np.array([f"not assessable: {c.label}" in r for r in reasons], dtype=bool)
        if (enrolled & has).any():
            rows.count("eligibility not assessable", enrolled & has,
                       f"criterion {c.name}: {c.where} (a value missing)", reason=c.label)


def _visit_rows(rows: _Rows, adsl: pd.DataFrame, adlb: pd.DataFrame | None,
                enrolled: np.ndarray, protocol: Protocol) -> None:
    """Subjects with an analysis record (any parameter) at the primary visit."""
    if not isinstance(adlb, pd.DataFrame) or not {"USUBJID", "AVISIT", "ANL01FL",
                                                   "AVAL"} <= set(adlb.columns):
        return
    visit = protocol.primary_visit
    seen = adlb.loc[(adlb["AVISIT"] == visit) & (adlb["ANL01FL"] == "Y") & adlb["AVAL"].notna(),
                    "USUBJID"]
    attended = adsl["USUBJID"].isin(set(seen)).to_numpy()
    method = f"ADLB analysis record (ANL01FL = Y, any parameter) at the primary visit {visit}"
    rows.count(f"attended {visit}", enrolled & attended, method)
    rows.count(f"no record at {visit}", enrolled & ~attended, method + ": none")


def _primary_rows(rows: _Rows, adsl: pd.DataFrame, adeff: pd.DataFrame | None,
                  fas: np.ndarray, protocol: Protocol, adlb: pd.DataFrame | None = None) -> None:
    endpoint = protocol.primary_endpoint
    if outcome(endpoint) == "continuous":
        _continuous_primary_rows(rows, adsl, adlb, fas, endpoint)
        return
    code = endpoint.paramcd
    status = np.full(len(adsl), "missing", dtype=object)
    reasons = np.full(len(adsl), "no record of the endpoint in ADEFF", dtype=object)
    if adeff is not None and len(adeff):
        rec = adeff.loc[(adeff["PARAMCD"].astype(str).str.upper() == code)
                        & (adeff["ANL01FL"] == "Y")].drop_duplicates("USUBJID")
        rec = rec.set_index("USUBJID").reindex(adsl["USUBJID"].to_numpy())
        found = rec["PARAMCD"].notna().to_numpy()
        status = np.where(found, response_status(rec), status)
        reasons = np.where(found, _text(rec, "REASON"), reasons)
    where = f"FAS; ADEFF PARAMCD {code} at {endpoint.visit} (ANL01FL = Y)"
    rows.count("primary endpoint assessed", fas & np.isin(status, ["Y", "N"]),
               where + ", AVALC Y or N")
    rows.by_reason("primary endpoint missing", fas & (status == "missing"), reasons,
                   where + ", AVALC blank; handled per analysis.missing_primary = "
                   f"{protocol.analysis.missing_primary!r}")
    rows.by_reason("primary endpoint excluded", fas & (status == "excluded"), reasons,
                   where + ", AEXCLFL Y (analysis.zero_baseline_pchg)")


_SUMMARY_COLUMN = {"value": "AVAL", "change": "CHG", "percent_change": "PCHG"}


def _continuous_primary_rows(rows: _Rows, adsl: pd.DataFrame, adlb: pd.DataFrame | None,
                             fas: np.ndarray, endpoint: Any) -> None:
    """A continuous primary: assessed when ADLB has its summary at the visit, else missing."""
    column = _SUMMARY_COLUMN[endpoint.summary]
    assessed = np.zeros(len(adsl), dtype=bool)
    if isinstance(adlb, pd.DataFrame) and len(adlb):
        at = adlb.loc[(adlb["PARAMCD"] == endpoint.param) & (adlb["AVISIT"] == endpoint.visit)
                      & (adlb["ANL01FL"] == "Y") & adlb[column].notna(), "USUBJID"]
        assessed = adsl["USUBJID"].isin(set(at)).to_numpy()
    where = (f"FAS; ADLB PARAMCD {endpoint.param} at {endpoint.visit} (ANL01FL = Y), "
             f"{column} present")
    rows.count("primary endpoint assessed", fas & assessed, where)
    reasons = np.full(len(adsl), f"no {column} of {endpoint.param} at {endpoint.visit}",
                      dtype=object)
    rows.by_reason("primary endpoint missing", fas & ~assessed, reasons,
                   where.replace(f"{column} present", f"{column} absent") + "; observed cases "
                   "analysed, missing values not imputed")


def _excluded_record_rows(derived: Any, adsl: pd.DataFrame) -> list[dict]:
    exclusions = getattr(derived, "exclusions", None)
    if not isinstance(exclusions, pd.DataFrame) or not len(exclusions):
        return []
    arm_of = pd.Series(adsl["TRT01P"].astype(str).to_numpy(),
                       index=adsl["USUBJID"].astype(str).to_numpy())
    arm_of = arm_of[~arm_of.index.duplicated()]
    sid = exclusions["subject_id"].astype(str) if "subject_id" in exclusions.columns \
        else pd.Series("", index=exclusions.index)
    frame = pd.DataFrame({
        "arm": arm_of.reindex(sid.to_numpy()).fillna(UNKNOWN_ARM).to_numpy(),
        "reason": (exclusions["table"].astype(str) + ": "
                   + exclusions["reason"].astype(str)).to_numpy()})
    method = ("input records that entered no dataset (derivation exclusions); arm of the "
              "record's subject, 'unknown' when the subject is not in ADSL")
    rows = []
    for (arm, reason), n in frame.groupby(["arm", "reason"], sort=True).size().items():
        rows.append({"stage": "input records excluded", "arm": arm, "n": int(n),
                     "reason": reason, "counted": "records", "method": method})
    for reason, n in frame.groupby("reason", sort=True).size().items():
        rows.append({"stage": "input records excluded", "arm": ALL_ARMS, "n": int(n),
                     "reason": reason, "counted": "records", "method": method})
    return rows


def _load_log_rows(load_log: Any, adsl: pd.DataFrame) -> list[dict]:
    if load_log is None:
        return []
    if isinstance(load_log, dict):
        items = [Exclusion(**e) for e in load_log.get("exclusions", [])]
    elif hasattr(load_log, "exclusions"):
        items = list(load_log.exclusions)
    else:
        raise InputError([Problem(
            file="disposition()", row=None, column="load_log", value=type(load_log).__name__,
            problem="not a load log", expected="a t1dtrial.data.LoadLog (trial.load_log), "
                                               "its to_dict() or None")])
    if not items:
        return []
    arm_of = dict(zip(adsl["USUBJID"].astype(str), adsl["TRT01P"].astype(str)))
    frame = pd.DataFrame({
        "arm": [arm_of.get(str(e.subject), UNKNOWN_ARM) if e.subject else UNKNOWN_ARM
                for e in items],
        "reason": [f"{e.table or e.file or 'input'}: {e.category}" for e in items]})
    method = ("input rows read but not used at loading (load log); arm of the row's participant, "
              "'unknown' when the participant is not analysed or the row names none")
    rows = [{"stage": "input rows excluded at loading", "arm": arm, "n": int(n), "reason": reason,
             "counted": "records", "method": method}
            for (arm, reason), n in frame.groupby(["arm", "reason"], sort=True).size().items()]
    rows += [{"stage": "input rows excluded at loading", "arm": ALL_ARMS, "n": int(n),
              "reason": reason, "counted": "records", "method": method}
             for reason, n in frame.groupby("reason", sort=True).size().items()]
    return rows


def disposition(derived: Any, protocol: Protocol, *, load_log: Any = None,
                conf_level: float | None = None) -> pd.DataFrame:
    """Disposition (CONSORT) counts by arm, and the input records excluded, as a tidy table.

    Algorithm
    ---------
    Subjects (``counted = "subjects"``), per protocol arm and ``"all"``:

    1. ``enrolled``: ADSL ENRLFL = "Y". ``not enrolled`` (by reason, arm as
       recorded): the others. When the protocol has eligibility criteria:
       ``eligible`` (ELIGFL = Y), ``not eligible`` (ELIGFL = N; then one row
       per criterion failed, by its label) and ``eligibility not assessable``
       (ELIGFL empty; by criterion), among the enrolled: protocol deviations
       kept in every analysis.
    2. Arms given infusions only: ``infused`` (NINF >= 1), ``not infused``, and
       ``infusion k received`` (DOSEk recorded) for each protocol infusion,
       in the arms it is scheduled for.
    3. ``attended <primary visit>`` and ``no record at <primary visit>`` (an
       ADLB analysis record of any parameter at the visit; when ``adlb`` is
       given); ``completed``, ``discontinued`` (by DCSREAS) and ``ongoing``
       (EOSSTT COMPLETED / DISCONTINUED / ONGOING), among the enrolled.
    4. For FAS, PP, SAF and the protocol's own populations: ``in <POP>`` and
       ``not in <POP>`` (by the ADSL reason FASREAS / PPREAS / SAFREAS /
       ``<CODE>REAS``), among the enrolled.
    5. Among the FAS: ``primary endpoint assessed`` (ADEFF AVALC Y or N at
       the primary visit), ``primary endpoint missing`` and ``primary
       endpoint excluded`` (by ADEFF REASON).

    Records (``counted = "records"``):

    6. ``input records excluded``: ``derived.exclusions`` by table and reason,
       per arm of the record's subject (``"unknown"`` when not in ADSL) and ``"all"``.
    7. ``input rows excluded at loading``: ``load_log.exclusions`` by table and
       reason, under ``"all"``.

    A stage's row with an empty ``reason`` is its total; rows with a reason
    break it down (every arm gets a row, zeros included).

    Parameters
    ----------
    derived : Derived
        From :func:`t1dtrial.derive.derive_all` (``adsl``; ``adlb``, ``adeff``
        and ``exclusions`` when present).
    protocol : Protocol
    load_log : LoadLog or dict, optional
        ``trial.load_log`` (or its ``to_dict()``), whose exclusions are added.
    conf_level : float, optional
        Accepted so that every table builder has the same signature; unused
        (the table has no interval). Default the protocol's ``analysis.conf_level``.

    Returns
    -------
    DataFrame
        Columns :data:`DISPOSITION_COLUMNS`: ``stage``, ``arm``, ``n``,
        ``reason``, ``counted`` ("subjects" or "records") and ``method``
        (the rule behind the count).

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> from t1dtrial.protocol import load_protocol
    >>> adsl = pd.DataFrame({"USUBJID": ["A", "B", "C"], "TRT01P": ["MSC", "MSC", "CONTROL"],
    ...     "ENRLFL": "Y", "FASFL": "Y", "PPROTFL": "Y", "SAFFL": "Y", "NINF": [2, 1, 0],
    ...     "EOSSTT": ["COMPLETED", "DISCONTINUED", "COMPLETED"],
    ...     "DCSREAS": ["", "moved away", ""]})
    >>> t = disposition(SimpleNamespace(adsl=adsl), load_protocol("lu2021"))
    >>> t.loc[(t.stage == "discontinued") & (t.arm == "MSC"), ["n", "reason"]].values.tolist()
    [[1, ''], [1, 'moved away']]
    """
    fn = "disposition"
    check_table_args(fn, derived, protocol, conf_level,
                     {"adsl": ["USUBJID", "TRT01P", "ENRLFL", "FASFL", "PPROTFL", "SAFFL",
                               "NINF"]})
    adsl = derived.adsl
    adeff = getattr(derived, "adeff", None)
    if adeff is not None:
        check_table_args(fn, derived, protocol, conf_level,
                         {"adeff": ["USUBJID", "PARAMCD", "ANL01FL", "AVALC"]})
    masks = arm_masks(adsl["TRT01P"], protocol)
    rows = _Rows(masks)
    enrolled = adsl["ENRLFL"].eq("Y").to_numpy()
    rows.count("enrolled", enrolled, "ADSL ENRLFL = Y (a protocol arm)")
    out_arms = sorted(set(adsl.loc[~enrolled, "TRT01P"].astype(str)))
    for arm in out_arms:
        mask = ~enrolled & (adsl["TRT01P"].astype(str).to_numpy() == arm)
        reasons = _text(adsl, "FASREAS")
        for reason in sorted(set(reasons[mask])):
            rows.rows.append({"stage": "not enrolled", "arm": arm,
                              "n": int((mask & (reasons == reason)).sum()),
                              "reason": reason or "no reason recorded", "counted": "subjects",
                              "method": "ADSL ENRLFL = N, by the arm recorded"})
    _eligibility_rows(rows, adsl, enrolled, protocol)
    _infusion_rows(rows, adsl, enrolled, protocol)
    _visit_rows(rows, adsl, getattr(derived, "adlb", None), enrolled, protocol)
    eos = _text(adsl, "EOSSTT")
    rows.count("completed", enrolled & (eos == "COMPLETED"), "ADSL EOSSTT = COMPLETED")
    rows.by_reason("discontinued", enrolled & (eos == "DISCONTINUED"), _text(adsl, "DCSREAS"),
                   "ADSL EOSSTT = DISCONTINUED, by DCSREAS (withdrawn or lost)")
    rows.count("ongoing", enrolled & ~np.isin(eos, ["COMPLETED", "DISCONTINUED"]),
               "ADSL EOSSTT = ONGOING (neither completed nor discontinued at the data cut)")
    for pop in protocol_populations(protocol)[1:]:  # every population but the enrolled
        code, flag, why = pop.code, pop.flag, pop.reason_column
        if flag not in adsl.columns:
            continue
        inside = adsl[flag].eq("Y").to_numpy()
        rows.count(f"in {code}", enrolled & inside, f"ADSL {flag} = Y")
        rows.by_reason(f"not in {code}", enrolled & ~inside, _text(adsl, why),
                       f"ADSL {flag} = N among the enrolled, by {why}")
    _primary_rows(rows, adsl, adeff, enrolled & adsl["FASFL"].eq("Y").to_numpy(), protocol,
                  getattr(derived, "adlb", None))
    records = _excluded_record_rows(derived, adsl) + _load_log_rows(load_log, adsl)
    table = pd.DataFrame(rows.rows + records, columns=DISPOSITION_COLUMNS)
    table["n"] = table["n"].astype("int64")
    return table
