"""The primary endpoint: by arm and subgroup with its comparisons, a forest plot, the
interaction test and the sensitivity analyses beside it.

The primary analysis is the result whose ``role`` is ``primary``; the
interaction test is a result of shape ``interaction`` on the same endpoint;
the sensitivity analyses are the results of shape ``sensitivity`` or
``adjusted-comparison``, or of role ``sensitivity``, on the same endpoint.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..document import Block, Column, Paragraph, RowGroup, Section, Table
from ..formatting import estimate_decimals, fmt_estimate_ci, fmt_number, fmt_p, is_missing
from ..source import ReportSource
from ._comparison import CONTINUOUS, RESPONDER, ci_words, comparison_table
from ._efficacy_common import (FAMILY, absent, endpoint_label, figure_block, has_rows,
                               method_notes, not_estimable, population_words, result_title, scrub,
                               subgroup_label, unique_texts)

__all__ = ["primary_result", "primary_subsection", "forest_rows"]

_SENSITIVITY_SHAPES = ("sensitivity", "adjusted-comparison")


def primary_result(source: ReportSource) -> Any | None:
    """The planned analysis with role ``primary`` (None when the plan has none)."""
    return next((r for r in source.results.results or [] if r.role == "primary"), None)


def forest_rows(source: ReportSource, comparison: pd.DataFrame, estimate: str, low: str,
                high: str, decimals: int) -> pd.DataFrame:
    """Rows of a forest plot: subgroup x comparison, with the estimate in words."""
    protocol = source.protocol
    return pd.DataFrame({
        "label": [subgroup_label(protocol, s) for s in comparison["subgroup"]],
        "group": [source.comparison_name(str(c)) for c in comparison.get(
            "comparison", pd.Series([""] * len(comparison)))],
        "estimate": comparison[estimate].to_numpy(), "ci_low": comparison[low].to_numpy(),
        "ci_high": comparison[high].to_numpy(),
        "text": [fmt_estimate_ci(e, lo, hi, decimals) for e, lo, hi in
                 zip(comparison[estimate], comparison[low], comparison[high])]})


def _forest(source: ReportSource, res: Any) -> Block | None:
    from ..figures.forest import Measure, forest_plot

    comp = res.comparison
    if source.blind or not has_rows(comp):
        return None
    ci = ci_words(res.conf_level)
    if res.shape == RESPONDER:
        rd = forest_rows(source, comp, "risk_difference", "rd_ci_low", "rd_ci_high", 2)
        orr = forest_rows(source, comp, "odds_ratio", "or_ci_low", "or_ci_high", 2)
        measures = [Measure(rd.drop(columns="text"), f"Risk difference ({ci})\n(proportion)"),
                    Measure(orr, f"Odds ratio ({ci})\n(log scale)", null=1.0, log=True)]
        how = "risk differences and odds ratios (log scale)"
    elif {"estimate", "ci_low", "ci_high"} <= set(comp.columns):
        d = estimate_decimals(comp["estimate"].tolist())
        units = f" ({res.units})" if res.units else ""
        measures = [Measure(forest_rows(source, comp, "estimate", "ci_low", "ci_high", d),
                            f"Difference, {ci}{units}")]
        how = "differences"
    else:
        return None
    fig = forest_plot(measures, ylabel="Subgroup")
    n = sum((res.n_by_arm or {}).values())
    label = endpoint_label(source.protocol, res.endpoint)
    caption = (f"{label}: {how} with {ci} by subgroup and comparison of arms. "
               f"{population_words(source, res)} (N = {n}). {scrub(source, res.method)}. "
               "Dotted line: no difference.")
    return figure_block("primary_forest", f"Forest plot of the primary endpoint ({label})",
                        caption, fig)


def _subgroup_pair(source: ReportSource, text: object) -> str:
    return " vs ".join(subgroup_label(source.protocol, s.strip()) for s in str(text).split(" vs "))


def interaction_table(source: ReportSource, res: Any) -> Block:
    """Treatment effect within each subgroup and the interaction tests, a row group a comparison."""
    t = res.table
    if not has_rows(t):
        return not_estimable(source, res)
    ci = ci_words(res.conf_level)
    ratio = "odds_ratio" in t
    est, low, high = (("odds_ratio", "or_ci_low", "or_ci_high") if ratio
                      else ("estimate", "ci_low", "ci_high"))
    d = 2 if ratio else estimate_decimals(t["estimate"].tolist())
    groups = []
    keys = ["comparison", "subgroup_variable"] if "subgroup_variable" in t else ["comparison"]
    for key_values, rows in t.groupby(keys, sort=False, dropna=False):
        key_values = key_values if isinstance(key_values, tuple) else (key_values,)
        label = source.comparison_name(str(key_values[0]))
        if len(key_values) > 1:
            label += f"; {_subgroup_pair(source, key_values[1])}"
        body = []
        for _, r in rows.iterrows():
            if str(r.get("term")) == "interaction":
                what = f"Interaction ({r['test']} test)" if not absent(r.get("test")) \
                    else "Interaction"
            else:
                what = f"Effect in {subgroup_label(source.protocol, r.get('subgroup'))}"
            stat = fmt_number(r.get("statistic"), 2)
            if not is_missing(r.get("df")):
                stat += f" ({fmt_number(r['df'], 0)})"
            body.append([what, fmt_estimate_ci(r[est], r[low], r[high], d), stat,
                         fmt_p(r.get("p_value"))])
        groups.append(RowGroup(label, body))
    notes = method_notes(source, t.get("method", []))
    notes += [scrub(source, f) for f in res.footnotes]
    notes += [f"Multiplicity: {m}." for m in unique_texts(t.get("multiplicity", []))]
    notes.append("CI, confidence interval; df, degrees of freedom. An effect is the odds ratio "
                 "of the arms within the subgroup; the interaction the ratio of those odds "
                 "ratios." if ratio else "CI, confidence interval; df, degrees of freedom.")
    return Table(key=f"{res.name}_interaction", family=FAMILY,
                 title=f"Treatment by subgroup interaction: "
                       f"{endpoint_label(source.protocol, res.endpoint)}",
                 population=population_words(source, res),
                 columns=[Column("Term"), Column(("Odds ratio" if ratio else "Estimate")
                                                 + f" ({ci})", align="right"),
                          Column("Statistic (df)", align="right"),
                          Column("p-value", align="right")],
                 groups=groups, footnotes=notes)


def sensitivity_results(source: ReportSource, primary: Any) -> list[Any]:
    """Results beside the primary: sensitivity or adjusted analyses of its endpoint."""
    return [r for r in source.results.results or [] if r is not primary
            and r.endpoint == primary.endpoint
            and (r.shape in _SENSITIVITY_SHAPES or r.role == "sensitivity")]


def _sensitivity_label(r: pd.Series) -> str:
    for col in ("changes", "analysis", "term"):
        if col in r and not absent(r[col]) and str(r[col]).strip():
            return str(r[col])
    return ""


def sensitivity_table(source: ReportSource, primary: Any, results: list[Any]) -> Block:
    """Estimate (CI) and p of each sensitivity analysis, a row group a planned analysis."""
    groups, notes = [], []
    level = primary.conf_level
    for res in results:
        t = res.table
        if not has_rows(t) or "estimate" not in t:
            groups.append(RowGroup(result_title(source, res),
                                   [[not_estimable(source, res).text, "", "", "", ""]]))
            continue
        d = 2 if primary.shape == RESPONDER else estimate_decimals(t["estimate"].tolist())
        body = []
        for _, r in t.iterrows():
            body.append([_sensitivity_label(r), str(r.get("estimand", "") or ""),
                         source.comparison_name(str(r.get("comparison", ""))),
                         fmt_estimate_ci(r["estimate"], r.get("ci_low"), r.get("ci_high"), d),
                         fmt_p(r.get("p_value"))])
        groups.append(RowGroup(result_title(source, res), body))
        if res.method:
            notes.append(f"{result_title(source, res)}: {scrub(source, res.method)}.")
        notes += [scrub(source, n) for n in res.notes]
    notes += [f"Multiplicity: {m}." for m in unique_texts(
        m for r in results if has_rows(r.table) for m in r.table.get("multiplicity", []))]
    notes.append("CI, confidence interval. Each row changes one population, assumption or "
                 "method of the primary analysis; methods of each row in tables/<name>.csv.")
    return Table(key="primary_sensitivity", family=FAMILY,
                 title=f"Sensitivity analyses of the primary endpoint "
                       f"({endpoint_label(source.protocol, primary.endpoint)})",
                 population=population_words(source, primary),
                 columns=[Column("Analysis"), Column("Estimand"), Column("Comparison"),
                          Column(f"Estimate ({ci_words(level)})", align="right"),
                          Column("p-value", align="right")],
                 groups=groups, footnotes=unique_texts(notes), wide=True)


def primary_subsection(source: ReportSource, used: set[str]) -> Section | None:
    """Primary endpoint, forest plot, interaction, sensitivity (their names go to ``used``)."""
    res = primary_result(source)
    if res is None:
        return None
    used.add(res.name)
    blocks: list[Block] = []
    if res.shape in (RESPONDER, CONTINUOUS) and res.by_arm is not None:
        blocks.append(comparison_table(source, res, "primary"))
    else:
        from ._by_shape import render_result

        blocks += render_result(source, res)
    forest = _forest(source, res)
    if forest is not None:
        blocks.append(forest)
    interactions = [r for r in source.results.results or []
                    if r.shape == "interaction" and r.endpoint == res.endpoint]
    sensitivity = sensitivity_results(source, res)
    used.update(r.name for r in interactions + sensitivity)
    if source.blind:
        if interactions or sensitivity:
            blocks.append(Paragraph("The interaction test and the sensitivity analyses compare "
                                    "arms and are not shown in an open report.", style="note"))
    else:
        blocks += [interaction_table(source, r) for r in interactions]
        if sensitivity:
            blocks.append(sensitivity_table(source, res, sensitivity))
    return Section("efficacy_primary", "Primary endpoint", blocks)
