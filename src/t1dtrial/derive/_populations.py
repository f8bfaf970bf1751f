"""Eligibility flag and population flags of ADSL, from the protocol's evaluated rules.

:func:`derive_vars_eligibility` adds ``ELIGFL``/``ELIGREAS``
(:mod:`t1dtrial.data.eligibility`). :func:`population_facts` computes, for
each subject, the facts a population rule may use
(:data:`t1dtrial.protocol.populations.POPULATION_FACTS`); the facts about
infusions are computed in one place, :func:`infusion_facts`.
:func:`derive_population_flags` evaluates each population's rule in an
order where every population comes after those it names, and writes its
flag (``FASFL`` ..., ``<CODE>FL``) and the reasons a subject is out.

Reasons: the rule's top-level ``and`` terms that fail, in words ("no baseline
C-peptide", "planned infusion 2 not received", "does not meet AGE >= 18");
when a prerequisite fails (``enrolled`` or another population), only the
first such is given ("not in the full analysis set").

Examples
--------
>>> import pandas as pd
>>> from t1dtrial.protocol import load_protocol
>>> a = pd.DataFrame({"USUBJID": ["S1", "S2"], "TRT01P": ["MSC", "CONTROL"], "NINF": [0, 0]})
>>> lb = pd.DataFrame({"USUBJID": ["S1"], "PARAMCD": ["FCP"], "AVISIT": ["BL"],
...     "AVAL": [0.3], "ABLFL": ["Y"], "ANL01FL": ["Y"]})
>>> r = derive_population_flags(a, lb, load_protocol("lu2021"))
>>> r[["FASFL", "SAFFL", "SAFREAS"]].values.tolist()
[['Y', 'N', 'no infusion received'], ['N', 'Y', '']]
"""

from __future__ import annotations

import ast

import numpy as np
import pandas as pd

from ..data.eligibility import eligibility_flags
from ..protocol import Expression, Protocol
from ..protocol.populations import (POPULATION_FACTS, Population, evaluation_order,
                                    protocol_populations)

__all__ = ["derive_vars_eligibility", "infusion_facts", "population_facts",
           "derive_population_flags"]


def derive_vars_eligibility(adsl: pd.DataFrame, subjects: pd.DataFrame,
                            measurements: pd.DataFrame | None, adlb: pd.DataFrame,
                            protocol: Protocol) -> pd.DataFrame:
    """Add ELIGFL ("Y", "N", or "" when not assessable) and ELIGREAS (criteria failed).

    ``measurements`` are the validated measurements (baseline values at the
    baseline visit); without them the ADLB records at the baseline visit
    (``VISIT``) stand in.
    """
    if measurements is None:
        visit = adlb["VISIT"] if "VISIT" in adlb.columns else adlb["AVISIT"]
        measurements = pd.DataFrame({"subject_id": adlb["USUBJID"], "visit": visit,
                                     "param": adlb["PARAMCD"], "value": adlb["AVAL"]})
    subj = subjects.reset_index(drop=True)
    flags = eligibility_flags(subj, measurements, protocol)
    by_id = flags.set_index(subj["subject_id"].astype(str).to_numpy())
    by_id = by_id[~by_id.index.duplicated()]
    out = adsl.copy(deep=False)
    ids = out["USUBJID"].astype(str).to_numpy()
    out["ELIGFL"] = by_id["ELIGFL"].reindex(ids).fillna("").to_numpy(dtype=object)
    out["ELIGREAS"] = by_id["ELIGREAS"].reindex(ids).fillna("").to_numpy(dtype=object)
    return out


def _has_primary_record(adlb: pd.DataFrame, protocol: Protocol, ids: np.ndarray) -> np.ndarray:
    at = adlb.loc[(adlb["AVISIT"] == protocol.primary_visit) & (adlb["ANL01FL"] == "Y")
                  & adlb["AVAL"].notna(), "USUBJID"]
    return pd.Index(ids).isin(at.unique())


def _planned_infusions(adsl: pd.DataFrame, adlb: pd.DataFrame, protocol: Protocol,
                       ) -> list[tuple[int, np.ndarray]]:
    """For each protocol infusion: (number, mask of subjects for whom it was planned)."""
    ids = adsl["USUBJID"].to_numpy()
    arms = adsl["TRT01P"].to_numpy()
    result = []
    for inf in protocol.infusions:
        planned = pd.Index(arms).isin(inf.given_arms)
        if inf.condition:
            expr = Expression.parse(inf.condition)
            at = adlb.loc[(adlb["AVISIT"] == inf.visit) & (adlb["ANL01FL"] == "Y")
                          & adlb["PARAMCD"].isin(expr.names)]
            wide = at.pivot_table(index="USUBJID", columns="PARAMCD", values="AVAL",
                                  aggfunc="first").reindex(ids)
            for name in expr.names:
                if name not in wide.columns:
                    wide[name] = np.nan
            held = expr.evaluate(wide.reset_index(drop=True)).to_numpy(dtype=bool)
            planned &= held  # not evaluable (missing values) -> not required
        result.append((inf.number, planned))
    return result


def infusion_facts(adsl: pd.DataFrame, adlb: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """The facts about infusions, one row a subject (ADSL order).

    Columns ``received_any_infusion`` (any infusion, sham included), ``received_all_planned_infusions``
    (infusion k received, sham infusions included, for every k planned for the arm; a conditional
    infusion is planned only when its condition held on the visit's values,
    not evaluable -> not required), ``treated`` (arms given infusions: at
    least one; other arms: always) and ``missed`` (the planned infusion
    numbers not received, e.g. ``"2"`` or ``"1, 2"``).
    """
    from ._adsl import infusion_received  # the one rule of "received an infusion"

    n = len(adsl)
    missed = np.full(n, "", dtype=object)
    for number, planned in _planned_infusions(adsl, adlb, protocol):
        miss = planned & ~infusion_received(adsl, number)
        missed = np.where(miss, np.where(missed == "", str(number), missed + f", {number}"),
                          missed)
    anyone = infusion_received(adsl)
    infused = {a.code for a in protocol.arms if a.receives_infusions}
    needs = adsl["TRT01P"].isin(infused).to_numpy()
    return pd.DataFrame({"received_any_infusion": anyone,
                         "received_all_planned_infusions": missed == "",
                         "treated": ~needs | anyone, "missed": missed})


def population_facts(adsl: pd.DataFrame, adlb: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Every fact of :data:`~t1dtrial.protocol.populations.POPULATION_FACTS`, one row a subject.

    Also ``missed`` (planned infusions not received, see :func:`infusion_facts`).
    """
    from ._adsl import is_cpeptide  # the one definition of "is C-peptide"

    ids = adsl["USUBJID"].to_numpy()
    cpep = [c for c in adlb["PARAMCD"].dropna().unique() if is_cpeptide(str(c))]
    base_cp = adlb.loc[(adlb["ABLFL"] == "Y") & adlb["PARAMCD"].isin(cpep)
                       & adlb["AVAL"].notna(), "USUBJID"]
    eligible = (adsl["ELIGFL"].eq("Y").to_numpy() if "ELIGFL" in adsl.columns
                else np.ones(len(adsl), dtype=bool))
    facts = pd.DataFrame({
        "enrolled": adsl["TRT01P"].isin(protocol.arm_codes).to_numpy(),
        "eligible": eligible,
        "has_baseline_cpeptide": pd.Index(ids).isin(base_cp.unique()),
        "completed_primary_visit": _has_primary_record(adlb, protocol, ids),
    })
    return pd.concat([facts, infusion_facts(adsl, adlb, protocol)], axis=1)


def _terms(text: str) -> list[ast.AST]:
    body = Expression.parse(text).tree.body
    if isinstance(body, ast.BoolOp) and isinstance(body.op, ast.And):
        return list(body.values)
    return [body]


def _out_of(label: str) -> str:
    words = label[0].lower() + label[1:] if label[1:2].islower() else label
    return f"not in the {words}"


def _reasons(pop: Population, frame: pd.DataFrame, facts: pd.DataFrame, inside: np.ndarray,
             labels: dict[str, str], protocol: Protocol) -> np.ndarray:
    n = len(frame)
    prerequisite = np.full(n, "", dtype=object)
    others = np.full(n, "", dtype=object)
    for term in _terms(pop.rule_expression):
        held = Expression(text=ast.unparse(term), tree=ast.Expression(body=term)).evaluate(frame)
        fails = ~np.asarray(held, dtype=bool) & ~inside
        name = term.id if isinstance(term, ast.Name) else None
        if name == "enrolled" or name in labels:
            words = POPULATION_FACTS["enrolled"][1] if name == "enrolled" else _out_of(labels[name])
            prerequisite = np.where(fails & (prerequisite == ""), words, prerequisite)
            continue
        if name == "completed_primary_visit":
            words = np.full(n, f"no analysis record at the primary visit {protocol.primary_visit}",
                            dtype=object)
        elif name == "received_all_planned_infusions":
            words = "planned infusion " + facts["missed"].to_numpy(dtype=object) + " not received"
        elif name == "eligible" and "ELIGREAS" in frame.columns:
            why = frame["ELIGREAS"].astype(object).fillna("").to_numpy(dtype=object)
            words = np.where(why != "", "not eligible: " + why, "not eligible")
        elif name in POPULATION_FACTS:
            words = np.full(n, POPULATION_FACTS[name][1], dtype=object)
        else:
            words = np.full(n, f"does not meet {ast.unparse(term)}", dtype=object)
        others = np.where(fails, np.where(others == "", words, others + "; " + words), others)
    return np.where(prerequisite != "", prerequisite, np.where(inside, "", others))


def derive_population_flags(adsl: pd.DataFrame, adlb: pd.DataFrame,
                            protocol: Protocol) -> pd.DataFrame:
    """Add each population's flag ("Y"/"N") and reasons, evaluating the protocol's rules.

    The populations are those of :func:`~t1dtrial.protocol.populations.protocol_populations`
    (ENRL, FAS, PP and SAF, standard unless the protocol redefines them, then
    the protocol's own); the flags keep ADSL's names (ENRLFL, FASFL, PPROTFL,
    SAFFL, ``<CODE>FL``) and the reasons FASREAS, PPREAS, SAFREAS, ``<CODE>REAS``.
    """
    out = adsl.copy(deep=False)
    facts = population_facts(out, adlb, protocol)
    pops = protocol_populations(protocol)
    used = {n for p in pops for n in Expression.parse(p.rule_expression).names}
    columns = [c for c in out.columns if c in used or c == "ELIGREAS"]
    frame = pd.concat([out[columns].reset_index(drop=True), facts.drop(columns=["missed"])],
                      axis=1)
    labels = {p.code: p.label for p in pops}
    flags, reasons = {}, {}
    for pop in evaluation_order(pops):
        inside = Expression.parse(pop.rule_expression).evaluate(frame).to_numpy(dtype=bool)
        frame[pop.code] = inside
        flags[pop.code] = (pop.flag, np.where(inside, "Y", "N"))
        if pop.reason_column:
            reasons[pop.code] = (pop.reason_column,
                                 _reasons(pop, frame, facts, inside, labels, protocol))
    for pop in pops:  # flags, then reasons, in protocol order
        out[flags[pop.code][0]] = flags[pop.code][1]
    for pop in pops:
        if pop.code in reasons:
            out[reasons[pop.code][0]] = reasons[pop.code][1]
    return out
