"""Secondary endpoints: compact tables of what a reader needs, the full rows in the CSV tables.

- a ``continuous-summary`` result: one table of visits (rows) x arms (mean (SD)
  and n) with one between-arm estimate (CI) and p-value a comparison (the
  covariate-adjusted ANCOVA where the method made one, else Welch's t);
- a ``longitudinal`` (MMRM) result: least-squares means (CI) by arm and the
  differences (CI) and p-values by visit, on the untransformed scale;
- the ``responder-comparison`` results of a role: one table, one row an endpoint.

Only the whole population is shown; every subgroup, visit and method is in
``tables/<name>.csv`` (a footnote says which).

Examples
--------
>>> BETWEEN_ARMS[0]
'ancova'
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..document import Column, RowGroup, Table
from ..formatting import (MISSING, fmt_estimate_ci, fmt_mean_sd, fmt_n_percent, fmt_number,
                          fmt_p)
from ..source import ReportSource
from ._comparison import ci_words, endpoint_params, multiplicity_notes, param_decimals
from ._efficacy_common import (BLIND_NOTE, FAMILY, arm_codes, endpoint_label, method_notes,
                               population_words, scrub, unique_texts, visit_label, with_units,
                               written_note)

__all__ = ["summary_table", "mmrm_table", "responder_list_table", "BETWEEN_ARMS"]

#: Between-arm rows of a continuous summary, in order of preference (one kind a table).
BETWEEN_ARMS = ("ancova", "welch_t", "mann_whitney")


def _visits(source: ReportSource, values: pd.Series) -> list[str]:
    order = {v: i for i, v in enumerate(source.protocol.visit_codes)}
    return sorted(dict.fromkeys(values.astype(str)), key=lambda v: order.get(v, len(order)))




def _arm_header(source: ReportSource, res: Any, arm: str, what: str) -> Column:
    return Column(f"{source.arm_short(arm)} {what}", n=(res.n_by_arm or {}).get(arm),
                  align="right")


def _comparisons(rows: pd.DataFrame, column: str) -> list[str]:
    return unique_texts(rows[column]) if column in rows else []


def summary_table(source: ReportSource, res: Any) -> Table:
    """Visits x arms (mean (SD), n) and the between-arm estimate (CI) and p of one endpoint."""
    t = res.table
    t = t.loc[t["subgroup"] == "all"] if "subgroup" in t else t
    arms = arm_codes(source, res)
    desc = t.loc[(t["analysis"] == "descriptive") & t["group"].isin(arms)]
    summary = desc["summary"].iloc[0] if "summary" in desc and len(desc) else None
    dd = param_decimals(source, endpoint_params(source.protocol, res.endpoint), summary)
    kind = next((k for k in BETWEEN_ARMS if (t["analysis"] == k).any()), None)
    between = t.loc[t["analysis"] == kind] if kind and not source.blind else t.iloc[0:0]
    pairs = _comparisons(between, "group")
    ci = ci_words(res.conf_level)
    columns = [Column("Visit")]
    for a in arms:
        columns += [_arm_header(source, res, a, "mean (SD)"), Column("n", align="right")]
    columns += _difference_columns(source, [p.replace(" - ", " vs ") for p in pairs], ci)
    rows = []
    for visit in _visits(source, desc["visit"]):
        row = [visit_label(source.protocol, visit)]
        for a in arms:
            r = desc.loc[(desc["visit"] == visit) & (desc["group"] == a)]
            row += ([fmt_mean_sd(r["estimate"].iloc[0], r["sd"].iloc[0], dd),
                     fmt_number(r["n"].iloc[0], 0)] if len(r) else [MISSING, MISSING])
        for pair in pairs:
            r = between.loc[(between["visit"] == visit) & (between["group"] == pair)]
            row += ([fmt_estimate_ci(r["estimate"].iloc[0], r["ci_low"].iloc[0],
                                     r["ci_high"].iloc[0], dd + 1), fmt_p(r["p_value"].iloc[0])]
                    if len(r) else [MISSING, MISSING])
        rows.append(row)
    notes = [f"Mean (SD) of the {'percent change' if summary == 'percent_change' else 'change'} "
             "from baseline by arm; n participants with a value."]
    notes += method_notes(source, between.get("method", []), "Difference")
    notes += [scrub(source, f) for f in res.footnotes]
    if not source.blind:
        notes += multiplicity_notes(source.protocol, between)
    notes += ["CI, confidence interval; SD, standard deviation.", written_note(res)]
    if source.blind:
        notes.append(BLIND_NOTE)
    return Table(key=f"secondary_{res.name}", family=FAMILY,
                 title=f"{with_units(endpoint_label(source.protocol, res.endpoint), res.units)} "
                       "by visit",
                 population=population_words(source, res), columns=columns,
                 groups=[RowGroup("", rows)], footnotes=notes, wide=len(columns) > 7)


def _param_title(source: ReportSource, t: pd.DataFrame, res: Any) -> str:
    """The modelled parameter in words with its unit (ADLB PARAM), else the endpoint's label."""
    from ._trajectories import param_words

    adlb = source.results.adam.get("adlb")
    params = unique_texts(t.get("param", []))
    if adlb is not None and params and "PARAM" in adlb:
        found = adlb.loc[adlb["PARAMCD"] == params[0], "PARAM"]
        if len(found):
            words, unit = param_words(found.iloc[0])
            return with_units(words, unit)
    return with_units(endpoint_label(source.protocol, res.endpoint), res.units)


def mmrm_table(source: ReportSource, res: Any) -> Table:
    """Least-squares means by arm and their differences by visit (untransformed scale)."""
    t = res.table
    scales = unique_texts(t["scale"]) if "scale" in t else []
    scale = "none" if "none" in scales else (scales[0] if scales else None)
    if scale is not None:
        t = t.loc[t["scale"] == scale]
    arms = arm_codes(source, res)
    dd = param_decimals(source, unique_texts(t.get("param", [])) or
                        endpoint_params(source.protocol, res.endpoint))
    ls = t.loc[t["term"] == "lsmean"]
    diff = t.loc[t["term"] == "difference"] if not source.blind else t.iloc[0:0]
    pairs = _comparisons(diff, "comparison")
    ci = ci_words(res.conf_level)
    columns = [Column("Visit")] + [_arm_header(source, res, a, f"LS mean ({ci})") for a in arms]
    columns += _difference_columns(source, pairs, ci)
    rows = []
    for visit in _visits(source, t["visit"]):
        row = [visit_label(source.protocol, visit)]
        for a in arms:
            r = ls.loc[(ls["visit"] == visit) & (ls["group"] == a)]
            row.append(fmt_estimate_ci(r["estimate"].iloc[0], r["ci_low"].iloc[0],
                                       r["ci_high"].iloc[0], dd + 1) if len(r) else MISSING)
        for pair in pairs:
            r = diff.loc[(diff["visit"] == visit) & (diff["comparison"] == pair)]
            row += ([fmt_estimate_ci(r["estimate"].iloc[0], r["ci_low"].iloc[0],
                                     r["ci_high"].iloc[0], dd + 1), fmt_p(r["p_value"].iloc[0])]
                    if len(r) else [MISSING, MISSING])
        rows.append(row)
    notes = [f"Least-squares means of the value at each visit; endpoint: "
             f"{endpoint_label(source.protocol, res.endpoint)}."]
    notes += method_notes(source, [res.method, *t.get("method", [])])
    notes += [scrub(source, f) for f in res.footnotes] + [scrub(source, n) for n in res.notes]
    if len(scales) > 1:
        notes.append("The same model on the other scale(s) is in the CSV table.")
    if not source.blind:
        notes += [f"Multiplicity: {m}." for m in unique_texts(diff.get("multiplicity", []))]
    notes += ["CI, confidence interval; LS, least-squares; MMRM, mixed model for repeated "
              "measures.", written_note(res)]
    if source.blind:
        notes.append(BLIND_NOTE)
    return Table(key=f"secondary_{res.name}", family=FAMILY,
                 title=f"Mixed model for repeated measures: {_param_title(source, t, res)}",
                 population=population_words(source, res), columns=columns,
                 groups=[RowGroup("", rows)], footnotes=unique_texts(notes),
                 wide=len(columns) > 6)


def responder_list_table(source: ReportSource, results: list[Any], key: str,
                         title: str) -> Table:
    """One row an endpoint: responders n (%) by arm, risk difference (CI) and p by comparison."""
    arms = [a for a in source.arms if any(a in (r.n_by_arm or {}) for r in results)]
    comps = [] if source.blind else unique_texts(
        c for r in results if r.comparison is not None and "comparison" in r.comparison
        for c in r.comparison.loc[r.comparison["subgroup"] == "all", "comparison"])
    ci = ci_words(results[0].conf_level)
    n = {a: max((r.n_by_arm or {}).get(a, 0) for r in results) for a in arms}
    columns = [Column("Endpoint")] + [Column(source.arm_short(a), n=n[a], align="right")
                                      for a in arms]
    for c in comps:
        tail = f", {source.comparison_name(c)}" if len(comps) > 1 else ""
        columns += [Column(f"Risk difference ({ci}){tail}", align="right"),
                    Column(f"p-value{tail}", align="right")]
    rows, notes, mult = [], [], []
    for res in results:
        by = res.by_arm.loc[res.by_arm["subgroup"] == "all"] if res.by_arm is not None else None
        ep_visit = by["visit"].iloc[0] if by is not None and "visit" in by and len(by) else None
        label = endpoint_label(source.protocol, res.endpoint)
        row = [label + (f", {visit_label(source.protocol, ep_visit)}" if ep_visit else "")]
        for a in arms:
            r = by.loc[by["arm"] == a] if by is not None else pd.DataFrame()
            row.append(fmt_n_percent(r["responders"].iloc[0], r["n"].iloc[0]) if len(r)
                       else MISSING)
        comp = res.comparison if res.comparison is not None else pd.DataFrame(
            columns=["subgroup", "comparison"])
        comp = comp.loc[comp["subgroup"] == "all"]
        for c in comps:
            r = comp.loc[comp["comparison"] == c]
            row += ([fmt_estimate_ci(r["risk_difference"].iloc[0], r["rd_ci_low"].iloc[0],
                                     r["rd_ci_high"].iloc[0], 2), fmt_p(r["p_value"].iloc[0])]
                    if len(r) else [MISSING, MISSING])
        rows.append(row)
        notes += method_notes(source, [res.method, *comp.get("rd_method", [])])
        notes += [scrub(source, f) for f in res.footnotes]
        if not source.blind:
            mult += multiplicity_notes(source.protocol, comp)
        notes += [f"{label}: {res.notes[0]}"] if res.notes else []
    notes += mult
    notes.append("CI, confidence interval; n (%), responders (percent of the arm's participants "
                 "with the endpoint assessed or counted as non-responders).")
    notes.append("Subgroups and odds ratios: tables/" + ", tables/".join(unique_texts(
        (r.written.get("by_arm") or r.written.get("table") or [r.name])[0] for r in results))
        + ".csv.")
    if source.blind:
        notes.append(BLIND_NOTE)
    return Table(key=key, family=FAMILY, title=title,
                 population=population_words(source, results[0]), columns=columns,
                 groups=[RowGroup("", rows)], footnotes=unique_texts(notes),
                 wide=len(columns) > 6)


def _difference_columns(source: ReportSource, pairs: list[str], ci: str) -> list[Column]:
    """A difference and a p-value column for each comparison (named when there are several)."""
    columns = []
    for pair in pairs:
        tail = f", {source.comparison_name(pair)}" if len(pairs) > 1 else ""
        columns += [Column(f"Difference ({ci}){tail}", align="right"),
                    Column(f"p-value{tail}", align="right")]
    return columns
