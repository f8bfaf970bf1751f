"""A readable, plain-text description of a protocol.

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> text = describe_protocol(load_protocol("lu2021"))
>>> "Primary endpoint" in text and "ASSUMPTIONS" in text
True
"""

from __future__ import annotations

import textwrap

from .kinds import kind_of
from .models import Dose, Infusion, Protocol
from .plan import plan_yaml, primary_analysis
from .populations import protocol_populations

#: Blinding in words.
_BLINDING = {"open": "open-label", "single": "single-blind", "double": "double-blind"}

__all__ = ["describe_protocol", "describe_endpoint", "describe_dose", "describe_infusion"]


def describe_endpoint(ep: object) -> str:
    """One line stating an endpoint's rule.

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> describe_endpoint(load_protocol("lu2021").primary_endpoint)
    'remission: >= 10% rise from baseline in any of FCP, PCP at M12'
    """
    rule = kind_of(ep).describe(ep)
    return f"{ep.name}: {rule} at {ep.visit}"  # type: ignore[attr-defined]


def describe_dose(dose: Dose) -> str:
    """A dose rule in words.

    Examples
    --------
    >>> describe_dose(Dose(per_kg=1e6, range_per_kg=(5e5, 2e6)))
    '1e+06 cells/kg (given 5e+05-2e+06/kg)'
    >>> describe_dose(Dose(total=1e8))
    '1e+08 cells in total'
    """
    text = (f"{dose.per_kg:.3g} cells/kg" if dose.per_kg is not None
            else f"{dose.total:.3g} cells in total")
    if dose.range_per_kg:
        text += f" (given {dose.range_per_kg[0]:.3g}-{dose.range_per_kg[1]:.3g}/kg)"
    return text


def describe_infusion(inf: Infusion) -> list[str]:
    """One line per arm given an infusion: its dose (per product), or a sham with no cells.

    Examples
    --------
    >>> inf = Infusion(number=1, visit="BL", doses={"LOW": {"per_kg": 1e6},
    ...                "HIGH": {"per_kg": 3e6}}, sham_arms=["PLACEBO"])
    >>> describe_infusion(inf)
    ['LOW: 1e+06 cells/kg', 'HIGH: 3e+06 cells/kg', 'PLACEBO: sham infusion, no cells (placebo)']
    """
    lines = []
    for arm in inf.given_arms:
        planned = [d for d in inf.planned_doses() if d.arm == arm]
        if not planned or planned[0].sham:
            lines.append(f"{arm}: sham infusion, no cells (placebo)")
            continue
        if inf.products:
            labels = {pr.name: pr.label for pr in inf.products}
            parts = [f"{labels[d.product]} ({d.product}) {describe_dose(d.dose)}"
                     for d in planned if d.dose is not None]
            total = ("; summed into one dose" if inf.sum_products and len(parts) > 1
                     else "; reported separately" if len(parts) > 1 else "")
            lines.append(f"{arm}: " + " + ".join(parts) + total)
        else:
            lines.append(f"{arm}: {describe_dose(planned[0].dose)}")
    return lines


def describe_protocol(p: Protocol) -> str:
    """Plain-text description of every part of a protocol, assumptions last."""
    out: list[str] = []
    add = out.append
    add(f"{p.id} — {textwrap.shorten(p.title, 100)}")
    if p.reference:
        add(f"  reference: {textwrap.shorten(p.reference, 110)}")
    if p.registration:
        add(f"  registration: {p.registration}")
    add(f"  design: {p.design.allocation}, {_BLINDING[p.design.blinding]}"
        + (f"; {p.design.description}" if p.design.description else ""))
    add("")
    add("Arms")
    for a in p.arms:
        n = f", planned n = {a.planned_n}" if a.planned_n is not None else ""
        add(f"  {a.code:<10} {a.label} [{a.kind}{n}]")
    add("")
    add(f"Visits (baseline {p.baseline_visit}, primary {p.primary_visit})")
    for v in p.visits:
        add(f"  {v.code:<6} {v.label:<10} day {v.day:>4}  window {v.window[0]:+d}/{v.window[1]:+d} "
            f"(days {v.earliest}..{v.latest})")
    if p.infusions:
        add("")
        add("Infusions")
        for inf in p.infusions:
            cond = f", only if {inf.condition}" if inf.condition else ""
            add(f"  #{inf.number} at {inf.visit}, {inf.route}{cond}:")
            for line in describe_infusion(inf):
                add(f"    {line}")
    if p.meal_test.kind != "none":
        add("")
        add(f"Meal test: {p.meal_test.kind}"
            + (f" — {p.meal_test.description}" if p.meal_test.description else "")
            + (f"; samples at {p.meal_test.minutes} min" if p.meal_test.minutes else "")
            + (f"; postprandial C-peptide (PCP) = the minute-{p.meal_test.postprandial_minute} "
               "sample" if p.meal_test.postprandial_minute is not None else ""))
    add("")
    add("Primary endpoint")
    add(f"  {describe_endpoint(p.endpoints.primary)}")
    if p.endpoints.secondary:
        add("Secondary endpoints")
        for ep in p.endpoints.secondary:
            add(f"  {describe_endpoint(ep)}")
    if p.subgroups:
        add("")
        add("Subgroups")
        for sg in p.subgroups:
            part = f"  [partition {sg.partition}]" if sg.partition else ""
            add(f"  {sg.name:<16} {sg.where:<24} {sg.label}{part}")
        if any(sg.partition for sg in p.subgroups):
            add("  (the subgroups of a partition split the participants: none in two, none left "
                "out)")
    if p.eligibility:
        add("")
        add("Eligibility (a participant who does not meet a criterion is a protocol deviation, "
            "kept and flagged)")
        for c in p.eligibility:
            add(f"  {c.name:<16} {c.where:<32} {c.label}")
    add("")
    add("Populations (ADSL flag: rule evaluated)")
    for pop in protocol_populations(p):
        add(f"  {pop.code:<5} {pop.label}: {pop.rule}")
        add(f"        {pop.flag}: {pop.rule_expression}")
    a = p.analysis
    add("")
    add("Analysis")
    primary = primary_analysis(p.plan)
    said = (f"primary method {primary.method}" if primary is not None
            else f"primary test {a.primary_test}")
    if kind_of(p.primary_endpoint).outcome == "responder":
        said += f", missing primary: {a.missing_primary}"
    add(f"  alpha {a.alpha}, confidence level {a.conf_level}, {said}")
    rule = a.multiplicity
    add(f"  multiplicity: {rule.procedure} over {', '.join(rule.endpoints)} at alpha {a.alpha}"
        if rule.procedure != "none" else "  multiplicity: none (secondary p-values are nominal)")
    if a.predictor_covariates:
        add(f"  predictor model ({', '.join(a.predictor_arms) or 'all arms'}): "
            f"{', '.join(a.predictor_covariates)}")
    if a.ancova_covariates:
        add(f"  ANCOVA covariates (besides baseline): {', '.join(a.ancova_covariates)}")
    if a.propensity_covariates:
        add(f"  propensity score: {', '.join(a.propensity_covariates)}")
    adjust = a.adjustment_covariates or a.propensity_covariates
    if adjust:
        add(f"  covariate-adjusted primary comparison (standardisation): {', '.join(adjust)}")
    add("")
    add("Analysis plan (as YAML: copy it into the protocol file to change it)")
    add(plan_yaml(p.plan).rstrip("\n"))
    assumptions = p.assumptions()
    add("")
    add(f"ASSUMPTIONS ({len(assumptions)}) — not stated by the source, chosen here")
    for path, text in assumptions:
        wrapped = textwrap.fill(" ".join(text.split()), width=96, initial_indent="    ",
                                subsequent_indent="    ")
        add(f"  {path}:")
        add(wrapped)
    return "\n".join(out)
