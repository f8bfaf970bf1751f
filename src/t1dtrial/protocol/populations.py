"""Analysis populations as named sets with an evaluated rule.

A population has a ``code`` (``ENRL``, ``FAS``, ``PP``, ``SAF`` or one of the
protocol's own, such as ``mITT``), a ``label``, its ``rule`` in words and a
``where`` expression that the derivations evaluate on every participant
(:func:`t1dtrial.derive.derive_vars_popfl`). The expression may use:

- the facts of :data:`POPULATION_FACTS` (``enrolled``, ``eligible``,
  ``has_baseline_cpeptide``, ``completed_primary_visit``,
  ``received_any_infusion``, ``received_all_planned_infusions``, ``treated``);
- the code of another population (``FAS and completed_primary_visit``);
- the ADSL covariates (``AGE >= 18``, ``SEX == 'F'``, ``BFCP > 0.1`` ...).

The four standard populations always exist; a protocol that lists one with
words only (no ``where``) gets the definition of :data:`STANDARD_POPULATIONS`.
Each population has an ADSL flag (:func:`population_flag`): ``ENRLFL``,
``FASFL``, ``PPROTFL``, ``SAFFL``, else ``<CODE>FL`` in capitals, and, except
the enrolled set, the reasons a participant is out (``FASREAS`` ...).

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> [p.code for p in protocol_populations(load_protocol("lu2021"))]
['ENRL', 'FAS', 'PP', 'SAF']
>>> population_flag(load_protocol("lu2021"), "PP")
'PPROTFL'
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ..errors import Problem
from ._base import _Model
from .expressions import Expression, ExpressionText

__all__ = ["Population", "POPULATION_FACTS", "STANDARD_POPULATIONS", "protocol_populations",
           "population_flag", "population_reason_column", "population_problems",
           "evaluation_order"]

#: Facts about a participant a population rule may use: name -> (what it says, why not).
POPULATION_FACTS: dict[str, tuple[str, str]] = {
    "enrolled": ("the participant's arm is a protocol arm", "arm not in the protocol"),
    "eligible": ("the participant meets every eligibility criterion (ADSL ELIGFL = Y)",
                 "not eligible"),
    "has_baseline_cpeptide": ("a baseline C-peptide value (FCP, PCP, CPxx, CPAUC or CPMAUC)",
                              "no baseline C-peptide"),
    "completed_primary_visit": ("an analysis record (any parameter) at the primary visit",
                                "no analysis record at the primary visit"),
    "received_any_infusion": ("at least one infusion received", "no infusion received"),
    "received_all_planned_infusions": (
        "every infusion planned for the arm received (a conditional infusion is planned "
        "only when its condition held)", "a planned infusion not received"),
    "treated": ("received the arm's treatment: at least one infusion in an arm given "
                "infusions, every participant of another arm", "no infusion received"),
}

#: code -> (label, rule in words, where, ADSL flag, ADSL reason column or "").
STANDARD_POPULATIONS: dict[str, tuple[str, str, str, str, str]] = {
    "ENRL": ("Enrolled", "every participant with a protocol arm", "enrolled", "ENRLFL", ""),
    "FAS": ("Full analysis set", "enrolled, with a baseline C-peptide value",
            "enrolled and has_baseline_cpeptide", "FASFL", "FASREAS"),
    "PP": ("Per-protocol set", "FAS, an analysis record at the primary visit and every "
           "planned infusion received",
           "FAS and completed_primary_visit and received_all_planned_infusions", "PPROTFL",
           "PPREAS"),
    "SAF": ("Safety set", "arms given infusions: at least one infusion; other arms: all "
            "enrolled", "enrolled and treated", "SAFFL", "SAFREAS"),
}


class Population(_Model):
    """An analysis population: code, label, its rule in words and the rule evaluated.

    ``where`` is an expression over the facts of :data:`POPULATION_FACTS`,
    other populations' codes and ADSL covariates. It may be left out for
    ``ENRL``, ``FAS``, ``PP`` and ``SAF`` (their standard definitions); any
    other population needs one.

    Examples
    --------
    >>> Population(code="mITT", label="Modified ITT", rule="treated, baseline C-peptide",
    ...            where="treated and has_baseline_cpeptide").code
    'mITT'
    """

    code: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9]{0,3}$",
                      description="Up to 4 letters or digits (its ADSL flag is <CODE>FL).")
    label: str
    rule: str = Field(description="The rule in words, as the report prints it.")
    where: ExpressionText | None = Field(default=None, description="The rule evaluated, e.g. "
                              "'enrolled and has_baseline_cpeptide'.")

    @property
    def rule_expression(self) -> str:
        """``where``, or the standard definition of ``ENRL``/``FAS``/``PP``/``SAF``."""
        if self.where is not None:
            return self.where
        return STANDARD_POPULATIONS[self.code][2] if self.code in STANDARD_POPULATIONS else ""

    @property
    def flag(self) -> str:
        """Its ADSL flag column (``FASFL``, ``PPROTFL`` ..., ``<CODE>FL``)."""
        standard = STANDARD_POPULATIONS.get(self.code)
        return standard[3] if standard else f"{self.code.upper()}FL"

    @property
    def reason_column(self) -> str:
        """Its ADSL column of reasons for ``N`` ("" for the enrolled set)."""
        standard = STANDARD_POPULATIONS.get(self.code)
        return standard[4] if standard else f"{self.code.upper()}REAS"


def protocol_populations(protocol: Any) -> list[Population]:
    """The populations of a protocol: ENRL, FAS, PP, SAF (standard unless redefined), then its own.

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> protocol_populations(load_protocol("lu2021"))[1].rule_expression
    'enrolled and has_baseline_cpeptide'
    """
    listed = {p.code: p for p in (getattr(protocol, "populations", None) or [])
              if p is not None and isinstance(p.code, str)}
    out = [listed.get(code) or Population(code=code, label=label, rule=rule, where=where)
           for code, (label, rule, where, _, _) in STANDARD_POPULATIONS.items()]
    out += [p for code, p in listed.items() if code not in STANDARD_POPULATIONS]
    return out


def population_flag(protocol: Any, name: str) -> str:
    """The ADSL flag column of the protocol's population ``name`` (e.g. ``FAS`` -> ``FASFL``).

    Raises
    ------
    KeyError
        When the protocol has no population of that code (the message lists them).

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> population_flag(load_protocol("lu2021"), "SAF")
    'SAFFL'
    """
    for p in protocol_populations(protocol):
        if p.code == name:
            return p.flag
    codes = ", ".join(p.code for p in protocol_populations(protocol))
    raise KeyError(f"no population {name!r} in protocol {getattr(protocol, 'id', '')!r}; "
                   f"expected one of {codes}")


def population_reason_column(protocol: Any, name: str) -> str:
    """The ADSL column of reasons for being out of population ``name`` ("" for ENRL)."""
    return next(p.reason_column for p in protocol_populations(protocol) if p.code == name)


def evaluation_order(populations: list[Population]) -> list[Population]:
    """Populations ordered so that each comes after those its rule names.

    Raises
    ------
    ValueError
        When rules name each other in a circle.
    """
    codes = {p.code for p in populations}
    done: list[Population] = []
    pending = list(populations)
    while pending:
        ready = [p for p in pending if (Expression.parse(p.rule_expression).names & codes)
                 <= {d.code for d in done}]
        if not ready:
            raise ValueError("populations " + ", ".join(p.code for p in pending)
                             + " name each other in a circle")
        done += ready
        pending = [p for p in pending if p not in ready]
    return done


def _finding(path: str, problem: str, expected: str, value: Any = None) -> Problem:
    return Problem(file="", row=None, column=path, value=value, problem=problem, expected=expected)


def population_problems(protocol: Any, known_covariate: Any) -> list[Problem]:
    """Problems of the protocol's populations.

    A population other than the standard four without ``where``; a name in a
    rule that is no fact, population or ADSL covariate (the message lists the
    facts and populations); rules that name each other in a circle.

    Parameters
    ----------
    protocol : Protocol
    known_covariate : callable
        ``name -> bool``: whether ``name`` is an ADSL covariate of the protocol.
    """
    out: list[Problem] = []
    listed = [(i, p) for i, p in enumerate(getattr(protocol, "populations", None) or [])
              if p is not None and isinstance(p.code, str)]
    all_pops = protocol_populations(protocol)
    codes = [p.code for p in all_pops]
    for i, pop in listed:
        if known_covariate(pop.code) or pop.code in POPULATION_FACTS:
            out.append(_finding(f"populations[{i}].code", f"{pop.code} is the name of an ADSL "
                                "covariate or a fact, which a rule could not tell apart",
                                "another code, e.g. mITT", pop.code))
        if pop.where is None and pop.code not in STANDARD_POPULATIONS:
            out.append(_finding(f"populations[{i}].where", f"population {pop.code} has no rule",
                                "a where expression, e.g. where: treated and "
                                "has_baseline_cpeptide"))
            continue
        if pop.where is None:
            continue
        names = Expression.parse(pop.where).names
        unknown = sorted(n for n in names if n not in POPULATION_FACTS and n not in codes
                         and not known_covariate(n))
        if pop.code in names:
            out.append(_finding(f"populations[{i}].where", f"{pop.code} names itself",
                                "a rule over facts, other populations and ADSL covariates",
                                pop.where))
        if unknown:
            out.append(_finding(f"populations[{i}].where", f"unknown name(s) {unknown} in "
                                f"{pop.where!r}", "facts " + ", ".join(POPULATION_FACTS)
                                + "; populations " + ", ".join(codes)
                                + "; or ADSL covariates (AGE, SEX, BFCP ...)", pop.where))
    if not out:
        try:
            evaluation_order([p for p in all_pops if p.rule_expression])
        except ValueError as exc:
            out.append(_finding("populations", str(exc), "rules that do not depend on each "
                                "other in a circle"))
    return out
