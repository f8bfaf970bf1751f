"""Variable metadata of the ADaM datasets: label, type, origin and derivation of every variable.

One registry, :data:`VARIABLES` (dataset -> name -> :class:`Variable`), read
by the submission writer (:func:`~t1dtrial.derive.submission_files`: XPT
labels, define metadata) and by the conformance tests. Names follow the
ADaM IG (at most 8 characters, capitals), labels at most 40 characters.
Variables a protocol makes (subgroup flags, population flags of its own
populations, baselines ``B<PARAMCD>``, per-infusion ``INFnFL``/``DOSEn``)
are described by :func:`variable_of` from the protocol.

Origins are those of Define-XML: ``Derived`` (computed here), ``Assigned``
(a constant or a code the protocol assigns) and ``Predecessor`` (copied
from the input data or another dataset).

Examples
--------
>>> VARIABLES["adsl"]["AGE"].label
'Age at Enrolment'
>>> all(len(n) <= 8 and len(v.label) <= 40 for d in VARIABLES.values() for n, v in d.items())
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["Variable", "VARIABLES", "DATASET_LABELS", "DATASET_NAMES", "variable_of"]


@dataclass(frozen=True)
class Variable:
    """One variable: label (<= 40), ``Char``/``Num``, origin and derivation in words.

    Examples
    --------
    >>> Variable("Age Units", "Char", "Assigned", "YEARS").origin
    'Assigned'
    """

    label: str
    type: str
    origin: str
    derivation: str


def _v(label: str, type_: str = "Char", origin: str = "Derived", derivation: str = "") -> Variable:
    return Variable(label, type_, origin, derivation)


_PRED = "Predecessor"
_ASGN = "Assigned"

#: Dataset labels (<= 40 characters).
DATASET_LABELS = {
    "adsl": "Subject-Level Analysis Dataset",
    "adlb": "Laboratory and Metabolic Analysis",
    "adeff": "Efficacy Responder Analysis Dataset",
    "adae": "Adverse Events Analysis Dataset",
    "adtte": "Time-to-Event Analysis Dataset",
}
#: The datasets, in the order they are written.
DATASET_NAMES: tuple[str, ...] = tuple(DATASET_LABELS)

_COMMON = {
    "STUDYID": _v("Study Identifier", origin=_ASGN, derivation="protocol id"),
    "USUBJID": _v("Unique Subject Identifier", origin=_PRED, derivation="subjects.subject_id"),
    "TRT01P": _v("Planned Treatment for Period 01", origin=_PRED, derivation="subjects.arm"),
    "TRT01A": _v("Actual Treatment for Period 01",
                 derivation="planned arm; a subject without an infusion of an active arm "
                            "keeps it (as treated = as randomised unless infusions say otherwise)"),
    "TRTP": _v("Planned Treatment", origin=_PRED, derivation="ADSL.TRT01P"),
    "TRTA": _v("Actual Treatment", origin=_PRED, derivation="ADSL.TRT01A"),
    "FASFL": _v("Full Analysis Set Population Flag", origin=_PRED, derivation="ADSL.FASFL"),
    "SAFFL": _v("Safety Population Flag", origin=_PRED, derivation="ADSL.SAFFL"),
    "PPROTFL": _v("Per-Protocol Population Flag", origin=_PRED, derivation="ADSL.PPROTFL"),
    "PARAMCD": _v("Parameter Code", origin=_ASGN,
                  derivation="measured code, or the endpoint's paramcd (<= 8 characters)"),
    "PARAM": _v("Parameter", origin=_ASGN, derivation="parameter in words with its unit"),
    "AVISIT": _v("Analysis Visit", derivation="protocol visit code of the window holding ADT"),
    "AVISITN": _v("Analysis Visit (N)", "Num", derivation="nominal study day of AVISIT"),
    "ADT": _v("Analysis Date", "Num", derivation="date of the record"),
    "AVAL": _v("Analysis Value", "Num", derivation="value in the canonical unit"),
    "ANL01FL": _v("Analysis Flag 01", derivation="Y on the record analysed at the visit"),
    "SRCROW": _v("Source Row", "Num", _PRED, "row of the input file"),
}

_ADSL = {
    "SITEID": _v("Study Site Identifier", origin=_PRED, derivation="subjects.site"),
    "SEX": _v("Sex", origin=_PRED, derivation="subjects.sex"),
    "AGE": _v("Age at Enrolment", "Num", derivation="floor(AGEDEC): completed years"),
    "AGEDEC": _v("Age at Enrolment (years, exact)", "Num",
                 derivation="AGEONSET + DURDIAG / 365.25"),
    "AGEU": _v("Age Units", origin=_ASGN, derivation="YEARS"),
    "AGEONSET": _v("Age at Diabetes Onset (years)", "Num", _PRED, "subjects.age_at_onset"),
    "DIAGDT": _v("Date of Diagnosis", "Num", _PRED, "subjects.diagnosis_date"),
    "ENRLDT": _v("Date of Enrolment", "Num", _PRED, "subjects.enrolment_date"),
    "DURDIAG": _v("Duration of Diabetes (days)", "Num", derivation="ENRLDT - DIAGDT in days"),
    "DURDIAGU": _v("Duration of Diabetes Units", origin=_ASGN, derivation="DAYS"),
    "WEIGHTBL": _v("Baseline Weight (kg)", "Num", _PRED, "subjects.weight_kg"),
    "ONSETGR": _v("Age at Onset Group", derivation="adult (>= 18 years) or juvenile"),
    "NINF": _v("Number of Infusions Received", "Num", derivation="count of infusions"),
    "CUMDOSE": _v("Cumulative Cell Dose (cells/kg)", "Num",
                  derivation="sum of the doses received"),
    "TRTSDT": _v("Date of First Exposure to Treatment", "Num", derivation="first infusion date"),
    "TRTEDT": _v("Date of Last Exposure to Treatment", "Num", derivation="last infusion date"),
    "RFSTDT": _v("Reference Start Date (study day 1)", "Num",
                 derivation="first infusion, else enrolment"),
    "EOSSTT": _v("End of Study Status", derivation="subjects.status in capitals"),
    "DCSREAS": _v("Reason for Discontinuation from Study", origin=_PRED,
                  derivation="subjects.withdrawal_reason"),
    "EOSDT": _v("End of Study Date", "Num", _PRED, "subjects.withdrawal_date"),
    "ELIGFL": _v("Eligibility Met Flag", derivation="Y when every eligibility rule holds"),
    "ELIGREAS": _v("Reason Eligibility Not Met", derivation="the rules that fail, in words"),
    "ENRLFL": _v("Enrolled Population Flag", derivation="Y for every subject"),
    "FASFL": _v("Full Analysis Set Population Flag",
                derivation="protocol population rule (populations.FAS)"),
    "SAFFL": _v("Safety Population Flag", derivation="protocol population rule (SAF)"),
    "PPROTFL": _v("Per-Protocol Population Flag", derivation="protocol population rule (PP)"),
    "FASREAS": _v("Reason Not in Full Analysis Set", derivation="the rule that fails"),
    "PPREAS": _v("Reason Not in Per-Protocol Set", derivation="the rule that fails"),
    "SAFREAS": _v("Reason Not in Safety Set", derivation="the rule that fails"),
}

_ADLB = {
    "PARAMTYP": _v("Parameter Type", origin=_ASGN, derivation="DERIVED for derived parameters"),
    "VISIT": _v("Visit Name", origin=_PRED, derivation="measurements.visit"),
    "ADY": _v("Analysis Relative Day", "Num", derivation="ADT - RFSTDT (+1 on or after day 1)"),
    "DTYPE": _v("Derivation Type", derivation="how a derived record was made"),
    "OUTWINFL": _v("Outside Visit Window Flag", derivation="Y when ADT is outside the window"),
    "ABLFL": _v("Baseline Record Flag", derivation="Y on the baseline visit's analysed record"),
    "BASE": _v("Baseline Value", "Num", derivation="AVAL of the ABLFL record"),
    "CHG": _v("Change from Baseline", "Num", derivation="AVAL - BASE"),
    "PCHG": _v("Percent Change from Baseline", "Num", derivation="100 x CHG / BASE"),
    "PCHGREAS": _v("Reason PCHG Not Derived", derivation="e.g. baseline is zero"),
    "SRCSEQ": _v("Source Sequence Number", "Num", _PRED, "record order in the input"),
    "SRCFILE": _v("Source File", origin=_PRED, derivation="input file name"),
}

_ADEFF = {
    "AVALC": _v("Analysis Value (C)", derivation="Y responder, N not; blank when not "
                                                 "assessable (see REASON)"),
    "CRIT1": _v("Analysis Criterion 1", origin=_ASGN, derivation="the endpoint's rule in words"),
    "REASON": _v("Reason Not Assessable", derivation="why AVALC is blank, in words"),
    "AEXCLFL": _v("Excluded from Analysis Flag",
                  derivation="Y when the protocol excludes the subject (zero baseline)"),
    "SRCDOM": _v("Source Data", origin=_ASGN, derivation="ADLB"),
}

_ADAE = {
    "AESEQ": _v("Sequence Number", "Num", derivation="order of onset within subject"),
    "AETERM": _v("Reported Term for the Adverse Event", origin=_PRED,
                 derivation="adverse_events.term"),
    "AEDECOD": _v("Dictionary-Derived Term", derivation="AETERM coded by the package dictionary"),
    "AEBODSYS": _v("Body System or Organ Class", derivation="system organ class of AEDECOD"),
    "AECODED": _v("Term Coded Flag", derivation="Y when the dictionary knows the term"),
    "ASTDT": _v("Analysis Start Date", "Num", _PRED, "adverse_events.onset_date"),
    "AENDT": _v("Analysis End Date", "Num", _PRED, "adverse_events.end_date"),
    "ASTDY": _v("Analysis Start Relative Day", "Num", derivation="ASTDT - RFSTDT (no day 0)"),
    "AENDY": _v("Analysis End Relative Day", "Num", derivation="AENDT - RFSTDT (no day 0)"),
    "TRTEMFL": _v("Treatment Emergent Analysis Flag", derivation="onset on or after TRTSDT"),
    "AESEV": _v("Severity/Intensity", origin=_PRED, derivation="adverse_events.severity"),
    "AETOXGR": _v("Analysis Toxicity Grade", "Num", derivation="CTCAE grade given or mapped"),
    "AESER": _v("Serious Event", origin=_PRED, derivation="adverse_events.serious"),
    "AEREL": _v("Causality", origin=_PRED, derivation="adverse_events.related"),
    "AERELFL": _v("Related Event Flag", derivation="Y when related or possible"),
    "INFNUM": _v("Number of the Preceding Infusion", "Num", derivation="latest infusion before"),
    "INFDAYS": _v("Days Since the Preceding Infusion", "Num", derivation="ASTDT - its date"),
}

_ADTTE = {
    "STARTDT": _v("Time-to-Event Origin Date for Subject", "Num",
                  derivation="ADSL.RFSTDT; an episode's start for INSFREE"),
    "ADT": _v("Analysis Date", "Num", derivation="event date, else censoring date"),
    "AVAL": _v("Analysis Value (days)", "Num", derivation="ADT - STARTDT in days"),
    "CNSR": _v("Censor", "Num", derivation="0 event, 1 censored"),
    "EVNTDESC": _v("Event or Censoring Description", derivation="the event in words"),
    "CNSDTDSC": _v("Censor Date Description", derivation="why and when censored"),
    "AVISIT": _v("Analysis Visit", derivation="visit of the event or last assessment"),
    "EPISODE": _v("Episode Number", "Num", derivation="insulin-free episode within subject"),
    "SRCDOM": _v("Source Data", origin=_ASGN,
                 derivation="ADLB; for an episode insulin_free, or ADLB when inferred "
                            "from zero-dose visits"),
}

#: Dataset -> variable -> :class:`Variable` (names not here: :func:`variable_of`).
VARIABLES: dict[str, dict[str, Variable]] = {
    "adsl": {**{k: _COMMON[k] for k in ("STUDYID", "USUBJID", "TRT01P", "TRT01A")}, **_ADSL},
    "adlb": {**_COMMON, **_ADLB},
    "adeff": {**_COMMON, **_ADEFF},
    "adae": {**_COMMON, **_ADAE},
    "adtte": {**_COMMON, **_ADTTE},
}


def variable_of(dataset: str, name: str, protocol: Any = None) -> Variable:
    """The metadata of a variable, from the registry or from the protocol that makes it.

    Raises
    ------
    KeyError
        A variable neither the registry nor the protocol describes.

    Examples
    --------
    >>> variable_of("adsl", "BFCP").label
    'Baseline FCP'
    >>> variable_of("adsl", "DOSE2").label
    'Cell Dose of Infusion 2 (cells/kg)'
    """
    known = VARIABLES.get(dataset, {}).get(name)
    if known is not None:
        return known
    for sg in getattr(protocol, "subgroups", None) or []:
        if sg.flag == name:
            return _v(f"Subgroup: {sg.label}"[:40], derivation=f"Y when {sg.where}; N "
                      "otherwise; blank when unknown")
    if protocol is not None:
        from ..protocol.populations import protocol_populations
        for pop in protocol_populations(protocol):
            if name in (pop.flag, pop.reason_column):
                what = "Population Flag" if name == pop.flag else "Reason Not in Population"
                return _v(f"{pop.code} {what}"[:40], derivation=pop.rule)
    if dataset == "adsl" and re.fullmatch(r"SG\w{1,4}FL", name):
        return _v("Subgroup Flag", derivation="Y inside the protocol's subgroup, N outside, "
                                              "blank when unknown")
    match = re.fullmatch(r"(INF|DOSE)(\d)(FL)?", name)
    if match and (match.group(1) == "DOSE") != bool(match.group(3)):
        n = match.group(2)
        if match.group(1) == "DOSE":
            return _v(f"Cell Dose of Infusion {n} (cells/kg)", "Num", derivation=f"infusion {n}")
        return _v(f"Infusion {n} Received Flag", derivation=f"Y when infusion {n} was given")
    if dataset == "adsl" and name.startswith("B") and len(name) > 1:
        return _v(f"Baseline {name[1:]}"[:40], "Num", _PRED,
                  f"ADLB.AVAL of {name[1:]} at the baseline visit (ABLFL = Y)")
    raise KeyError(f"{dataset.upper()}.{name} has no metadata")
