"""Tables of a comparison of arms: the endpoint by arm and subgroup, with the comparisons.

A ``responder-comparison`` result shows responders as ``n (%)``; a
``continuous-comparison`` result n, mean (SD) and median; each subgroup is a
row group, and the comparisons of arms (risk difference, odds ratio, or the
difference in means, with the interval and p-value) are rows of the group,
written in the column of the comparison's first arm. An open report shows
the numbers by coded arm only.

Examples
--------
>>> ci_words(0.95), ci_words(None)
('95% CI', 'CI')
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...protocol.kinds import kind_of
from ..document import Column, RowGroup, Table
from ..formatting import (MISSING, data_decimals, estimate_decimals, fmt_conf_level,
                          fmt_estimate_ci, fmt_mean_sd, fmt_n_percent, fmt_number, fmt_p,
                          is_missing)
from ..source import ReportSource
from ._efficacy_common import (BLIND_NOTE, FAMILY, arm_codes, arm_columns, arm_of_comparison,
                               endpoint_label, endpoint_of, method_notes, population_words, scrub,
                               subgroup_label, unique_texts, visit_label, with_units)

__all__ = ["comparison_table", "ci_words", "param_decimals", "endpoint_params",
           "multiplicity_notes", "RESPONDER", "CONTINUOUS"]

RESPONDER, CONTINUOUS = "responder-comparison", "continuous-comparison"


def ci_words(level: object) -> str:
    return fmt_conf_level(level)


def endpoint_params(protocol: Any, name: str) -> list[str]:
    """The ADLB parameters (PARAMCD) an endpoint is defined on, from its kind."""
    ep = endpoint_of(protocol, name)
    if ep is None:
        return []
    return list(dict.fromkeys(code for _, code in kind_of(ep).params(ep)))


def param_decimals(source: ReportSource, params: list[str], summary: object = None) -> int:
    """The decimals the data of ``params`` are recorded with (0 for a percent change)."""
    if summary == "percent_change":
        return 0
    adlb = source.results.adam.get("adlb")
    if adlb is None or not params or "PARAMCD" not in adlb:
        return 2
    values = adlb.loc[adlb["PARAMCD"].isin(params), "AVAL"].head(400)
    return data_decimals(values) if len(values) else 2


def multiplicity_notes(protocol: Any, comparison: pd.DataFrame) -> list[str]:
    """One footnote a multiplicity rule, naming the subgroups it applies to."""
    if "multiplicity" not in comparison:
        return []
    notes = []
    for text in unique_texts(comparison["multiplicity"]):
        rows = comparison.loc[comparison["multiplicity"].astype(str) == text]
        subs = unique_texts(subgroup_label(protocol, s) for s in rows.get("subgroup", []))
        where = f" ({', '.join(subs)})" if subs else ""
        words = "Nominal p-values" if "nominal" in text else "Multiplicity"
        notes.append(f"{words}{where}: {text}.")
    return notes


def _arm_cells(rows: pd.DataFrame, arms: list[str], make) -> list[str]:
    by = {str(r["arm"]): r for _, r in rows.iterrows()}
    return [make(by[a]) if a in by else MISSING for a in arms]


def _responder_rows(rows: pd.DataFrame, arms: list[str]) -> list[list[str]]:
    out = [["Participants, n", *_arm_cells(rows, arms, lambda r: fmt_number(r["n"], 0))],
           ["Responders, n (%)", *_arm_cells(rows, arms,
                                               lambda r: fmt_n_percent(r["responders"], r["n"]))]]
    if "missing" in rows and pd.to_numeric(rows["missing"], errors="coerce").fillna(0).gt(0).any():
        out.append(["Endpoint missing, n", *_arm_cells(rows, arms,
                                                       lambda r: fmt_number(r["missing"], 0))])
    return out


def _continuous_rows(rows: pd.DataFrame, arms: list[str], dd: int) -> list[list[str]]:
    out = [["n", *_arm_cells(rows, arms, lambda r: fmt_number(r["n"], 0))]]
    if "baseline_mean" in rows:
        sd = "baseline_sd" if "baseline_sd" in rows else None
        out.append(["Baseline, mean (SD)", *_arm_cells(
            rows, arms, lambda r: fmt_mean_sd(r["baseline_mean"], r[sd] if sd else None, dd))])
    out.append(["Mean (SD)", *_arm_cells(rows, arms,
                                         lambda r: fmt_mean_sd(r["mean"], r["sd"], dd))])
    if "median" in rows:
        out.append(["Median", *_arm_cells(rows, arms, lambda r: fmt_number(r["median"], dd + 1))])
    return out


def _placed(label: str, text: str, comparison: object, arms: list[str]) -> list[str]:
    cells = [""] * len(arms)
    cells[arm_of_comparison(comparison, arms)] = text
    return [label, *cells]


def _comparison_rows(source: ReportSource, res: Any, rows: pd.DataFrame, arms: list[str],
                     dd: int) -> list[list[str]]:
    ci = ci_words(res.conf_level)
    many = rows["comparison"].nunique() > 1 if "comparison" in rows else False
    out: list[list[str]] = []
    for _, r in rows.iterrows():
        comp = r.get("comparison", "")
        name = source.comparison_name(str(comp))
        tail = f", {name}" if many or " vs " not in str(comp) else ""
        if res.shape == RESPONDER:
            out.append(_placed(f"Risk difference ({ci}){tail}", fmt_estimate_ci(
                r["risk_difference"], r["rd_ci_low"], r["rd_ci_high"], 2), comp, arms))
            out.append(_placed(f"Odds ratio ({ci}){tail}", fmt_estimate_ci(
                r["odds_ratio"], r["or_ci_low"], r["or_ci_high"], 2), comp, arms))
        else:
            words = "Difference" if " vs " in str(comp) else "Estimate"
            out.append(_placed(f"{words} ({ci}){tail}", fmt_estimate_ci(
                r["estimate"], r["ci_low"], r["ci_high"], dd + 1), comp, arms))
        out.append(_placed(f"p-value{tail}", fmt_p(r.get("p_value")), comp, arms))
        if not is_missing(r.get("p_adjusted")):
            out.append(_placed(f"Adjusted p-value{tail}", fmt_p(r["p_adjusted"]), comp, arms))
    return out


def _method_notes(source: ReportSource, res: Any) -> list[str]:
    notes = method_notes(source, [res.method])
    comp = res.comparison
    if comp is not None:
        for col, words in (("rd_method", "Risk difference"), ("or_method", "Odds ratio"),
                           ("test", "Test"), ("method", "Comparison")):
            if col in comp:
                notes += method_notes(source, [t for t in comp[col] if t != res.method], words)
    return list(dict.fromkeys(notes))


def comparison_table(source: ReportSource, res: Any, key: str, *,
                     subgroups: list[str] | None = None, title: str | None = None) -> Table:
    """The endpoint of a ``responder-`` or ``continuous-comparison`` result by arm and subgroup.

    Parameters
    ----------
    source : ReportSource
    res : Result
        Of shape ``responder-comparison`` or ``continuous-comparison``.
    key : str
        The table's key.
    subgroups : list of str, optional
        The subgroups shown (default every subgroup of the result).
    title : str, optional
        Default: the endpoint's label at its visit.

    Returns
    -------
    Table
    """
    protocol = source.protocol
    by_arm = res.by_arm if res.by_arm is not None else pd.DataFrame(columns=["subgroup", "arm"])
    comp = res.comparison if res.comparison is not None else pd.DataFrame(columns=["subgroup"])
    arms = arm_codes(source, res)
    summary = by_arm["summary"].iloc[0] if "summary" in by_arm and len(by_arm) else None
    dd = param_decimals(source, endpoint_params(protocol, res.endpoint), summary)
    ep = endpoint_of(protocol, res.endpoint)
    visit = (by_arm["visit"].iloc[0] if "visit" in by_arm and len(by_arm)
             else getattr(ep, "visit", ""))
    groups: list[RowGroup] = []
    for sub in subgroups or list(dict.fromkeys(by_arm["subgroup"])):
        rows = by_arm.loc[by_arm["subgroup"] == sub]
        body = (_responder_rows(rows, arms) if res.shape == RESPONDER
                else _continuous_rows(rows, arms, dd))
        if not source.blind:
            body += _comparison_rows(source, res, comp.loc[comp["subgroup"] == sub], arms, dd)
        groups.append(RowGroup(subgroup_label(protocol, sub), body))
    notes = [f"Endpoint: {endpoint_label(protocol, res.endpoint)}"
             + (f" ({kind_of(ep).describe(ep)})" if ep is not None else "") + "."]
    notes += _method_notes(source, res)
    total = sum((res.n_by_arm or {}).values())
    notes.append(f"Population: {population_words(source, res)} (N = {total}); N in the column "
                 "headers, n the participants of a subgroup or with a value.")
    notes += [scrub(source, f) for f in res.footnotes]
    if not source.blind:
        notes += multiplicity_notes(protocol, comp)
    notes.append("CI, confidence interval; SD, standard deviation; n (%), participants (percent "
                 "of the subgroup's n)." if res.shape == CONTINUOUS else
                 "CI, confidence interval; n (%), responders (percent of the subgroup's n).")
    if source.blind:
        notes.append(BLIND_NOTE)
    label = with_units(endpoint_label(protocol, res.endpoint),
                       res.units if res.shape == CONTINUOUS else None)
    return Table(key=key, family=FAMILY,
                 title=title or f"{label} at {visit_label(protocol, visit)}",
                 population=population_words(source, res),
                 columns=[Column(""), *arm_columns(source, res, arms)], groups=groups,
                 footnotes=notes, wide=len(arms) > 3)


def decimals_of(values: pd.Series) -> int:
    return estimate_decimals(values.tolist())
