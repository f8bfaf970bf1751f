"""Report section: listings (ICH E3 16.2), adverse events and protocol deviations.

1. Serious adverse events, then every adverse event, one row an event
   (ADAE): participant (USUBJID, the pseudonymous id of the analysis data),
   arm, term, onset day, duration, severity, serious, related, outcome;
   sorted by arm, participant and onset.
2. Protocol deviations: values dated outside their visit's window (ADLB
   ``OUTWINFL = "Y"``, by participant and visit) and participants who do not
   meet an eligibility criterion (the ``protocol_deviations`` table, else
   ADSL ``ELIGFL``/``ELIGREAS``). A listing with nothing to list says "None".

Examples
--------
>>> duration_days(pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-03"))
3
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..document import Column, RowGroup, Section, Table
from ..formatting import MISSING, fmt_number
from ..source import ReportSource
from ._study_common import (arm_footnote, arm_of, population_label, tables, text_column,
                            visit_label)

__all__ = ["listings_section", "duration_days"]

_FAMILY = "16.2"
_YES_NO = {"Y": "Yes", "N": "No", "": MISSING}
_AE_COLUMNS = ["Participant", "Arm", "Adverse event (preferred term)", "Body system",
               "Onset day", "Duration (days)", "Severity", "Serious", "Related", "Outcome"]


def duration_days(start: Any, end: Any) -> int | None:
    """Days an event lasted, both days counted; None when a date is missing."""
    if pd.isna(start) or pd.isna(end):
        return None
    return int((pd.Timestamp(end) - pd.Timestamp(start)).days) + 1


def _adam(source: ReportSource, name: str) -> pd.DataFrame | None:
    frame = (getattr(source.results, "adam", None) or {}).get(name)
    return frame if isinstance(frame, pd.DataFrame) else None


def _words(value: str) -> str:
    return value[:1].upper() + value[1:].lower() if value else MISSING


def _ae_rows(source: ReportSource, adae: pd.DataFrame) -> list[list[str]]:
    order = {a: i for i, a in enumerate(source.arms)}
    frame = adae.assign(_ARM=arm_of(adae))
    frame = frame.assign(_ORDER=frame["_ARM"].map(order).fillna(len(order)),
                         _ONSET=pd.to_numeric(frame.get("ASTDY"), errors="coerce"))
    frame = frame.sort_values(["_ORDER", "USUBJID", "_ONSET"], kind="stable",
                              na_position="last")
    has_out = "AEOUT" in frame.columns
    rows = []
    for r in frame.to_dict("records"):
        term = str(r.get("AEDECOD") or r.get("AETERM") or "")
        verbatim = str(r.get("AETERM") or "")
        if verbatim and verbatim.lower() != term.lower():
            term = f"{term} ({verbatim})"
        if has_out:
            outcome = _words(str(r.get("AEOUT") or ""))
        else:
            outcome = "Resolved" if pd.notna(r.get("AENDT")) else "Not resolved at cut-off"
        rows.append([str(r["USUBJID"]), source.arm_short(r["_ARM"]), term,
                     str(r.get("AEBODSYS") or MISSING), fmt_number(r["_ONSET"], 0),
                     fmt_number(duration_days(r.get("ASTDT"), r.get("AENDT")), 0),
                     _words(str(r.get("AESEV") or "")),
                     _YES_NO.get(str(r.get("AESER") or ""), str(r.get("AESER"))),
                     _words(str(r.get("AEREL") or "")), outcome])
    return rows


def _ae_listing(source: ReportSource, adae: pd.DataFrame, *, serious: bool) -> Table:
    if serious:
        adae = adae[text_column(adae, "AESER") == "Y"]
    rows = _ae_rows(source, adae) or [["None", *[""] * (len(_AE_COLUMNS) - 1)]]
    notes = ["Participant: the pseudonymous identifier of the analysis datasets (USUBJID). "
             "Onset day: study day from day 0 (the first infusion, else enrolment; no day 0 "
             "in study days, so day 1 is day 0's date). Duration: onset to end date, both "
             "days counted.",
             ("Outcome as recorded." if "AEOUT" in adae.columns else
              "Outcome from the end date (no outcome recorded): resolved when an end date "
              "is known."),
             arm_footnote(source)]
    if "TRTEMFL" in adae.columns and (text_column(adae, "TRTEMFL") != "Y").any():
        notes.insert(1, "Includes events that are not treatment-emergent (onset before day 0).")
    return Table(key="listing_sae" if serious else "listing_ae", family=_FAMILY,
                 title="Serious adverse events" if serious else "Adverse events",
                 population="All participants with an event",
                 columns=[Column(c, align="right" if c.startswith(("Onset", "Duration"))
                                 else "left") for c in _AE_COLUMNS],
                 groups=[RowGroup("", rows)], footnotes=notes, wide=True)


def _window_rows(source: ReportSource) -> list[list[str]]:
    adlb = _adam(source, "adlb")
    if adlb is None or "OUTWINFL" not in adlb.columns:
        return []
    out = adlb[text_column(adlb, "OUTWINFL") == "Y"]
    if not len(out):
        return []
    visits = {v.code: v for v in source.protocol.visits}
    arm = dict(zip(text_column(_adam(source, "adsl") if _adam(source, "adsl") is not None
                               else pd.DataFrame(), "USUBJID"),
                   arm_of(_adam(source, "adsl") if _adam(source, "adsl") is not None
                          else pd.DataFrame())))
    visit_col = "VISIT" if "VISIT" in out.columns else "AVISIT"
    rows = []
    keys = ["USUBJID", visit_col] + (["ADY"] if "ADY" in out.columns else [])
    for key, part in out.groupby(keys, sort=True, dropna=False):
        subject, visit = str(key[0]), str(key[1])
        v = visits.get(visit)
        window = (f"{fmt_number(v.earliest, 0)} to {fmt_number(v.latest, 0)}" if v is not None
                  else MISSING)
        used = (text_column(part, "ANL01FL") == "Y").any() if "ANL01FL" in part else False
        params = "; ".join(dict.fromkeys(text_column(part, "PARAM" if "PARAM" in part.columns
                                                     else "PARAMCD")))
        rows.append([subject, source.arm_short(arm.get(subject, "")) if subject in arm
                     else MISSING, f"{visit_label(source, visit)} ({visit})",
                     fmt_number(key[2] if len(key) > 2 else None, 0), window, params,
                     "Yes" if used else "No"])
    return rows


def _eligibility_rows(source: ReportSource) -> list[list[str]]:
    table = tables(source).get("protocol_deviations")
    if table is not None and len(table) and "subject_id" in table.columns:
        return [[str(r.get("subject_id")), source.arm_short(str(r.get("arm", ""))),
                 str(r.get("label") or r.get("criterion") or ""), str(r.get("status") or ""),
                 str(r.get("value") or MISSING), str(r.get("required") or MISSING)]
                for r in table.to_dict("records")]
    adsl = _adam(source, "adsl")
    if adsl is None or "ELIGFL" not in adsl.columns:
        return []
    flag = text_column(adsl, "ELIGFL")
    out = adsl[flag != "Y"]
    arms = arm_of(out)
    return [[str(s), source.arm_short(a), str(reason or MISSING),
             "not met" if f == "N" else "not assessable", MISSING, MISSING]
            for s, a, reason, f in zip(out["USUBJID"], arms, text_column(out, "ELIGREAS"),
                                       text_column(out, "ELIGFL"))]


def _deviations(source: ReportSource) -> Table:
    window = _window_rows(source)
    eligibility = _eligibility_rows(source)
    cols = [Column("Participant"), Column("Arm"), Column("Visit / criterion"),
            Column("Study day / status"), Column("Window (study days) / value"),
            Column("Parameters / required"), Column("Used in the analysis")]
    none = ["None", "", "", "", "", "", ""]
    groups = [RowGroup("Values dated outside their visit's window", window or [none]),
              RowGroup("Eligibility criteria not met or not assessable",
                       [[*r, "Yes"] for r in eligibility] or [none])]
    notes = ["A value outside its visit's window is kept (ADLB OUTWINFL = Y) and used for the "
             "visit only when the visit has no value inside it (ANL01FL = Y).",
             "A participant who does not meet an eligibility criterion is a protocol deviation, "
             "kept in every analysis and flagged (ADSL ELIGFL).", arm_footnote(source)]
    return Table(key="listing_deviations", family=_FAMILY, title="Protocol deviations",
                 population=population_label(source, "ENRL"), columns=cols, groups=groups,
                 footnotes=notes, wide=True)


def listings_section(source: ReportSource) -> Section | None:
    """Listings: serious adverse events, every adverse event, protocol deviations.

    Parameters
    ----------
    source : ReportSource

    Returns
    -------
    Section or None
        None when the results carry neither ADAE, ADLB nor ADSL.
    """
    adae = _adam(source, "adae")
    blocks: list[Any] = []
    if adae is not None and "USUBJID" in adae.columns:
        blocks += [_ae_listing(source, adae, serious=True), _ae_listing(source, adae,
                                                                         serious=False)]
    if _adam(source, "adsl") is not None or _adam(source, "adlb") is not None:
        blocks.append(_deviations(source))
    return Section("listings", "Listings", blocks) if blocks else None
