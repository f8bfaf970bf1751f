"""Report section: the title block, a summary of the protocol and every protocol assumption.

What a reader needs before the first number: the protocol (title, id,
reference, registration), its design (allocation, blinding, phase), the arms
with their planned N and doses, the visit schedule with its windows and the
primary visit, the primary endpoint, the analysis populations, and every
``assumption`` the protocol file makes (what the source did not state and was
chosen here), each with the part of the protocol it qualifies. A short
paragraph states the data cut-off, whether the data are simulated and,
without randomisation, that differences between arms are associations.

Examples
--------
>>> from t1dtrial.analysis import Results
>>> from t1dtrial.protocol import load_protocol
>>> from t1dtrial.report.source import ReportSource
>>> section = title_section(ReportSource(Results(tables={}), load_protocol("lu2021")))
>>> [b.title for b in section.blocks if hasattr(b, "columns")][-1]
'Protocol assumptions'
>>> path_in_words(load_protocol("lu2021"), "visits[2]")
'Visit Month 3 (M3)'
"""

from __future__ import annotations

import re
from typing import Any

from ...protocol.populations import protocol_populations
from ..document import Column, Paragraph, RowGroup, Section, Table
from ..formatting import data_decimals, fmt_number, fmt_scientific
from ..source import ReportSource
from ..terminal import NONRANDOMISED
from ._study_common import arm_text, visit_label

__all__ = ["title_section", "path_in_words", "describe_dose_words", "status_paragraphs"]

_FAMILY = "16.1"
_BLINDING = {"open": "open-label", "single": "single-blind", "double": "double-blind"}
_ALLOCATION = {"randomised": "Randomised", "nonrandomised": "Not randomised",
               "single-arm": "Single arm (no concurrent control)"}
_ARM_KIND = {"cell-therapy": "Cell therapy", "standard-care": "Standard care",
             "placebo": "Placebo", "active": "Active comparator"}
_ROUTE = {"intravenous": "intravenous", "pancreatic-artery": "into the pancreatic artery",
          "intraportal": "intraportal", "subcutaneous": "subcutaneous"}
_STEP = re.compile(r"([A-Za-z_]+)(?:\[(\d+)\])?")


def describe_dose_words(dose: Any) -> str:
    """A dose rule in words with readable powers of ten.

    Examples
    --------
    >>> from t1dtrial.protocol import Dose
    >>> describe_dose_words(Dose(per_kg=1e6, range_per_kg=(5e5, 2e6)))
    '1.0 × 10⁶ cells/kg (given 5.0 × 10⁵ to 2.0 × 10⁶ cells/kg)'
    >>> describe_dose_words(Dose(total=2e8))
    '2.0 × 10⁸ cells in total'
    """
    if dose is None:
        return "no cells (sham infusion)"
    if dose.per_kg is not None:
        text = f"{fmt_scientific(dose.per_kg)} cells/kg"
    else:
        text = f"{fmt_scientific(dose.total)} cells in total"
    if dose.range_per_kg:
        low, high = dose.range_per_kg
        text += f" (given {fmt_scientific(low)} to {fmt_scientific(high)} cells/kg)"
    return text


def _infusion_lines(source: ReportSource, arm: str) -> list[str]:
    """One line per infusion the arm is given: number, visit, route, dose (per product)."""
    lines = []
    for inf in source.protocol.infusions:
        planned = [d for d in inf.planned_doses() if d.arm == arm]
        if not planned:
            continue
        labels = {pr.name: pr.label for pr in (inf.products or [])}
        doses = "; ".join((f"{labels.get(d.product, d.product)}: " if d.product else "")
                          + describe_dose_words(d.dose) for d in planned)
        when = f"{visit_label(source, inf.visit)}, {_ROUTE.get(inf.route, inf.route)}"
        cond = f", only if {inf.condition}" if inf.condition else ""
        lines.append(f"Infusion {inf.number} ({when}{cond}): {doses}")
    return lines


def _arms_table(source: ReportSource) -> Table:
    """Arms with kind, planned N and doses (a blinded report: coded, planned N only)."""
    rows = []
    for code in source.arms:
        arm = source.protocol.arm(code)
        planned = fmt_number(arm.planned_n, 0)
        if source.blind:
            rows.append([source.arm_name(code), planned])
        else:
            doses = " | ".join(_infusion_lines(source, code)) or "No infusion"
            rows.append([f"{arm.label} ({code})", _ARM_KIND.get(arm.kind, arm.kind), planned,
                         doses])
    if source.blind:
        columns = [Column("Arm"), Column("Planned N", align="right")]
        notes = ["Open report: the treatment of each coded arm is withheld."]
    else:
        columns = [Column("Arm"), Column("Kind"), Column("Planned N", align="right"),
                   Column("Infusions and planned doses")]
        notes = ["Doses are the protocol's targets; given doses are in the analysis datasets."]
    return Table(key="protocol_arms", family=_FAMILY, title="Arms of the protocol",
                 population="", columns=columns, groups=[RowGroup("", rows)], footnotes=notes)


def _visits_table(source: ReportSource) -> Table:
    p = source.protocol
    rows = []
    for v in p.visits:
        role = ", ".join(r for r, code in (("baseline", p.baseline_visit),
                                           ("primary", p.primary_visit)) if code == v.code)
        rows.append([f"{v.label} ({v.code})", fmt_number(v.day, 0),
                     f"{fmt_number(v.earliest, 0)} to {fmt_number(v.latest, 0)}", role])
    return Table(key="protocol_visits", family=_FAMILY, title="Visit schedule", population="",
                 columns=[Column("Visit"), Column("Nominal day", align="right"),
                          Column("Window (study days)", align="right"), Column("Role")],
                 groups=[RowGroup("", rows)],
                 footnotes=["Days from day 0 (first infusion, else enrolment); a value dated "
                            "outside its visit's window is a protocol deviation (Listings)."])


def _summary_table(source: ReportSource) -> Table:
    p = source.protocol
    d = p.design
    design = [["Allocation", _ALLOCATION.get(d.allocation, d.allocation)],
              ["Blinding", _BLINDING.get(d.blinding, d.blinding).capitalize()]]
    if d.phase:
        design.append(["Phase", str(d.phase)])
    if d.description:
        design.append(["Design", d.description])
    study = [["Protocol", p.id], ["Title", p.title]]
    study += [[k, v] for k, v in (("Reference", p.reference), ("Registration", p.registration))
              if v]
    primary = p.primary_endpoint
    plan = [["Primary endpoint", str(getattr(primary, "label", primary.name))],
            ["Primary visit", f"{visit_label(source, p.primary_visit)} ({p.primary_visit})"],
            ["Baseline visit", f"{visit_label(source, p.baseline_visit)} ({p.baseline_visit})"],
            ["Secondary endpoints", "; ".join(str(getattr(e, "label", e.name))
                                              for e in p.endpoints.secondary) or "None"],
            ["Significance level (two-sided)",
             fmt_number(p.analysis.alpha, data_decimals([p.analysis.alpha]))],
            ["Confidence level", f"{fmt_number(100 * p.analysis.conf_level, 0)}%"]]
    if p.meal_test.kind != "none":
        meal = p.meal_test.description or p.meal_test.kind
        plan.append(["Meal test", meal])
    return Table(key="protocol_summary", family=_FAMILY, title="Protocol summary",
                 population="", columns=[Column("Item"), Column("Protocol")],
                 groups=[RowGroup("Study", study), RowGroup("Design", design),
                         RowGroup("Endpoints and analysis", plan)])


def _populations_table(source: ReportSource) -> Table:
    rows = [[pop.label, arm_text(source, pop.rule)]
            for pop in protocol_populations(source.protocol)]
    return Table(key="protocol_populations", family=_FAMILY, title="Analysis populations",
                 population="", columns=[Column("Population"), Column("Definition")],
                 groups=[RowGroup("", rows)])


def _resolve(obj: Any, step: str, index: str | None) -> Any:
    value = getattr(obj, step, None)
    if index is not None and isinstance(value, (list, tuple)) and int(index) < len(value):
        return value[int(index)]
    return value


def _words_of(obj: Any, step: str, index: str | None, blind_arm: Any) -> str:
    """One step of a path in words: a visit, arm, endpoint, population ... by its label."""
    named = {"visits": "Visit", "arms": "Arm", "infusions": "Infusion", "products": "product",
             "populations": "Population", "subgroups": "Subgroup",
             "eligibility": "Eligibility criterion", "secondary": "Secondary endpoint",
             "primary": "Primary endpoint", "analysis_plan": "Planned analysis",
             "analysis": "Analysis options"}
    head = named.get(step, step.replace("_", " ").capitalize())
    if step == "arms" and obj is not None:
        return f"Arm {blind_arm(obj.code)}" if blind_arm(obj.code) else "An arm"
    if step == "infusions" and obj is not None:
        return f"Infusion {obj.number}"
    if step == "visits" and obj is not None:
        return f"Visit {obj.label} ({obj.code})"
    label = getattr(obj, "label", None) if index is not None or step in named else None
    if label:
        return f"{head}: {label}"
    return head if index is None else f"{head} {int(index) + 1}"


def path_in_words(protocol: Any, path: str, *, arm_name: Any = None) -> str:
    """The part of a protocol a field path names, in words (``visits[2]``: ``Visit Month 3 (M3)``).

    Parameters
    ----------
    protocol : Protocol
    path : str
        As :meth:`Protocol.assumptions` gives it (``infusions[0].dose``, ``endpoints.primary``).
    arm_name : callable, optional
        How an arm is named (a blinded report codes arms); default its label.

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> p = load_protocol("lu2021")
    >>> path_in_words(p, "infusions[1].dose"), path_in_words(p, "populations[1]")
    ('Infusion 2, dose', 'Population: Full analysis set')
    >>> path_in_words(p, "endpoints.secondary[6]")
    'Secondary endpoint: Postprandial C-peptide >= 0.2 nmol/L (DCCT threshold)'
    """
    if path == "protocol":
        return "Protocol"
    blind_arm = arm_name or (lambda code: protocol.arm(code).label)
    words, obj = [], protocol
    for part in path.split("."):
        match = _STEP.fullmatch(part)
        if match is None:
            words.append(part)
            continue
        step, index = match.groups()
        obj = _resolve(obj, step, index)
        if step == "endpoints":
            continue
        text = _words_of(obj, step, index, blind_arm)
        named = step in ("primary", "secondary", "visits", "arms", "infusions")
        words.append(text if not words or named else text[0].lower() + text[1:])
    return ", ".join(words)


def _assumptions_table(source: ReportSource) -> Table:
    found = source.protocol.assumptions()
    # an open report names no arm by its place in the protocol (that would break the code)
    arm_name = (lambda code: "") if source.blind else None
    rows = [[path_in_words(source.protocol, path, arm_name=arm_name),
             re.sub(r"^arms\[\d+\]", "arms[…]", path) if source.blind else path,
             " ".join(text.split())] for path, text in found]
    rows = rows or [["None", "", "The protocol states no assumption."]]
    return Table(key="protocol_assumptions", family=_FAMILY, title="Protocol assumptions",
                 population="", columns=[Column("Part of the protocol"), Column("Field"),
                                         Column("Assumption")],
                 groups=[RowGroup("", rows)],
                 footnotes=["What the source of the protocol does not state and was chosen for "
                            f"this analysis ({len(found)} assumption"
                            f"{'' if len(found) == 1 else 's'}); each qualifies the field named."],
                 wide=True)


def status_paragraphs(source: ReportSource) -> list[Paragraph]:
    """Data cut-off, simulated data and, without randomisation, what differences mean."""
    prov = source.provenance
    cutoff = source.cutoff
    if prov.get("data_cutoff"):
        said = f"Data cut-off: {cutoff} (as requested for this analysis)."
    elif cutoff:
        said = f"Data cut-off: {cutoff} (the last date in the data; no cut-off was requested)."
    else:
        said = "Data cut-off: not recorded."
    out = [Paragraph(said)]
    if source.synthetic:
        out.append(Paragraph("SYNTHETIC: the data of this report are simulated; no number in "
                             "it describes real participants.", "warning"))
    allocation = source.protocol.design.allocation
    if allocation == "nonrandomised" and len(source.arms) > 1:
        out.append(Paragraph(NONRANDOMISED, "warning"))
    elif allocation == "single-arm" or len(source.arms) == 1:
        out.append(Paragraph("Single-arm study: there is no concurrent control; changes from "
                             "baseline are not treatment effects.", "warning"))
    if source.blind:
        out.append(Paragraph("Open report for a data monitoring committee: arms are coded "
                             "(Treatment A, B ...) and no between-arm p-value is shown.", "note"))
    return out


def title_section(source: ReportSource) -> Section | None:
    """The title block: protocol summary, arms, visits, populations and assumptions.

    Parameters
    ----------
    source : ReportSource

    Returns
    -------
    Section
        Paragraphs on the data (cut-off, simulated, allocation), then the
        tables ``protocol_summary``, ``protocol_arms``, ``protocol_visits``,
        ``protocol_populations`` and ``protocol_assumptions``.
    """
    p = source.protocol
    lead = [Paragraph(f"{p.title}. Protocol {p.id}"
                      + (f"; {p.registration}" if p.registration else "") + ".")]
    blocks: list[Any] = [*lead, *status_paragraphs(source), _summary_table(source),
                         _arms_table(source), _visits_table(source), _populations_table(source),
                         _assumptions_table(source)]
    return Section("title", "Study and protocol", blocks)
