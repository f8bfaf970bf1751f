"""A one-screen summary of :class:`~t1dtrial.analysis.Results` for the terminal (rich).

It reads only the tidy tables, so it renders a fresh analysis or a folder
written earlier (``Results.from_folder``) alike.

Examples
--------
>>> from t1dtrial.analysis.results import Results
>>> import pandas as pd
>>> fmt_ci(0.29, 0.05, 0.49)
'0.29 (0.05 to 0.49)'
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..protocol.vocabulary import covariate_label

__all__ = ["summary_renderables", "fmt_ci", "fmt_p", "ci_label", "NONRANDOMISED"]

#: Said once, under the title, when the protocol's arms were not randomised.
NONRANDOMISED = ("Arms not randomised: differences between groups are associations, not "
                 "treatment effects (confounding is possible; the covariate-adjusted estimate "
                 "addresses measured confounders only).")


def fmt_ci(est: float, low: float, high: float, digits: int = 2) -> str:
    """``estimate (low to high)`` rounded for reading; ``—`` when not estimable."""
    if est is None or (isinstance(est, float) and math.isnan(est)):
        return "—"
    return f"{est:.{digits}f} ({low:.{digits}f} to {high:.{digits}f})"


def fmt_p(p: float) -> str:
    """A p-value for reading: ``<0.001`` below one in a thousand, else 3 decimals."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def ci_label(*tables: Any) -> str:
    """``"95% CI"`` from the ``conf_level`` column of the rows shown (``"CI"`` when not one level).

    Examples
    --------
    >>> ci_label(pd.DataFrame({"conf_level": [0.9, 0.9, float("nan")]}))
    '90% CI'
    >>> ci_label(pd.DataFrame({"conf_level": [0.9, 0.8]}))
    'CI'
    """
    levels: set[float] = set()
    for table in tables:
        if table is not None and "conf_level" in getattr(table, "columns", ()):
            levels |= set(pd.to_numeric(table["conf_level"], errors="coerce").dropna())
    if len(levels) != 1:
        return "CI"
    return f"{100 * levels.pop():.10g}% CI"


def _multiplicity_lines(family: Any, shown: pd.DataFrame) -> list[Any]:
    """How to read the p-values shown: nominal, or the protocol's procedure and its decisions."""
    from rich.text import Text

    if family is not None and len(family):
        head = (f"  {family['procedure'].iloc[0]} at alpha {family['alpha'].iloc[0]:g} over "
                "the protocol's key hypotheses:")
        lines = [f"    {r.endpoint} ({r.comparison}): {r.decision}, adjusted p = "
                 f"{fmt_p(r.p_adjusted)}" for r in family.itertuples()]
        return [Text("\n".join([head, *lines]), style="dim")]
    if "multiplicity" not in shown.columns:
        return []
    labels = shown["multiplicity"].dropna()
    primary = labels.str.startswith("primary")
    if not len(labels) or labels[~primary].nunique() > 1:
        return []
    text = f"  p-values: {labels[~primary].iloc[0]}" if (~primary).any() else "  p-value:"
    for ep, label in zip(shown.loc[labels[primary].index, "endpoint"], labels[primary]):
        text += f"{', except' if (~primary).any() else ''} {ep}: {label}"
    return [Text(text, style="dim")]


def summary_renderables(results: Any, *, title: str, out: str | None = None) -> list[Any]:
    """Rich renderables summarising an analysis: primary, key secondary, predictors, safety."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    t = results.tables
    items: list[Any] = [Text(title, style="bold")]
    randomised = results.provenance.get("protocol", {}).get("allocation") != "nonrandomised"
    if not randomised:
        items.append(Text(NONRANDOMISED, style="yellow"))

    prim, comp = t.get("primary_endpoint"), t.get("primary_comparison")
    if prim is not None and len(prim):
        endpoint = prim["endpoint"].iloc[0]
        table = Table(title=f"Primary endpoint: {endpoint} ({prim['population'].iloc[0]}; "
                            f"missing = {prim['missing_rule'].iloc[0].replace('_', ' ')})",
                      title_justify="left")
        table.add_column("subgroup", no_wrap=True)
        arms = list(dict.fromkeys(prim["arm"]))
        for arm in arms:
            table.add_column(arm, justify="right", no_wrap=True)
        label = ci_label(comp)
        table.add_column(f"risk diff. ({label})", justify="right")
        table.add_column(f"odds ratio ({label})", justify="right")
        table.add_column("p", justify="right")
        for sg, block in prim.groupby("subgroup", sort=False):
            cells = []
            for arm in arms:
                r = block.loc[block["arm"] == arm].iloc[0]
                cells.append(f"{int(r.responders)}/{int(r.n)} ({r.percent:.1f}%)")
            c = comp.loc[comp["subgroup"] == sg] if comp is not None else pd.DataFrame()
            if len(c):
                c = c.iloc[0]
                cells += [fmt_ci(c.risk_difference, c.rd_ci_low, c.rd_ci_high),
                          fmt_ci(c.odds_ratio, c.or_ci_low, c.or_ci_high), fmt_p(c.p_value)]
            else:
                cells += ["—", "—", "—"]
            table.add_row(sg, *cells)
        items.append(table)
        if comp is not None and len(comp):
            items.append(Text(f"  test: {comp['test'].iloc[0]}; RD: {comp['rd_method'].iloc[0]}",
                              style="dim"))
        items += [Text(line, style="dim") for line in _adjusted_lines(t)]
        inter = t.get("primary_interaction")
        if inter is not None and len(inter):
            lr = inter.loc[(inter["term"] == "interaction") & (inter["test"] == "LR")]
            for r in lr.itertuples():
                items.append(Text(f"  subgroup x {'treatment' if randomised else 'arm'} "
                                  f"interaction ({r.subgroup_variable}): "
                                  f"LR p = {fmt_p(r.p_value)}", style="dim"))

    sec = t.get("secondary_endpoints")
    if sec is not None and len(sec):
        visit = results.provenance.get("protocol", {}).get("primary_visit") or sec["visit"].iloc[-1]
        block = sec.loc[(sec["subgroup"] == "all") & (sec["visit"] == visit)]
        arms = list(dict.fromkeys(block.loc[block["analysis"] == "descriptive", "group"]))
        table = Table(title=f"Key secondary endpoints at {visit} (all subjects; median by arm)",
                      title_justify="left")
        table.add_column("endpoint")
        for arm in arms:
            table.add_column(arm, justify="right")
        shown = block["analysis"].eq(
            block["summary"].map(lambda s: "mann_whitney" if s == "percent_change" else "ancova"))
        table.add_column(f"difference ({ci_label(block.loc[shown])})", justify="right")
        table.add_column("p", justify="right")
        table.add_column("by")
        for ep, rows in block.groupby("endpoint", sort=False):
            desc = rows.loc[rows["analysis"] == "descriptive"].set_index("group")
            kind = "mann_whitney" if rows["summary"].iloc[0] == "percent_change" else "ancova"
            chosen = rows.loc[rows["analysis"] == kind]
            c = chosen.iloc[0] if len(chosen) else None
            table.add_row(ep, *[f"{desc.at[a, 'median']:.3g}" for a in arms],
                          fmt_ci(c.estimate, c.ci_low, c.ci_high, 3) if c is not None else "—",
                          fmt_p(c.p_value) if c is not None else "—",
                          "—" if c is None else
                          "Hodges-Lehmann" if kind == "mann_whitney" else "ANCOVA")
        items.append(table)
        items.extend(_multiplicity_lines(t.get("multiplicity"), block.loc[shown]))

    lr = t.get("logistic_regression")
    if lr is not None and len(lr):
        table = Table(title=f"Predictors of the primary endpoint — {lr['method'].iloc[0]}",
                      title_justify="left")
        for col in ("term", f"odds ratio ({ci_label(lr)})", "p"):
            table.add_column(col)
        for r in lr.itertuples():
            table.add_row(str(r.term), fmt_ci(r.odds_ratio, r.ci_low, r.ci_high), fmt_p(r.p_value))
        items.append(table)

    lines = []
    ins = t.get("insulin_independence")
    if ins is not None and len(ins) and {"section", "statistic", "arm", "value"} <= set(ins.columns):
        ever = ins.loc[(ins["section"] == "summary") & (ins["statistic"] == "ever insulin-free")
                       & (ins["arm"] != "all")]
        if len(ever):
            lines.append("Insulin independence (ever): " + ", ".join(
                f"{r.arm} {int(r.value)}/{int(r.n)}" for r in ever.itertuples()))
    ae = t.get("adverse_events")
    if ae is not None and len(ae) and {"category", "arm", "subjects"} <= set(ae.columns):
        for category, words in (("any TEAE", "any adverse event"), ("serious TEAE", "serious"),
                                ("related TEAE", "related")):
            rows = ae.loc[(ae["category"] == category) & (ae["arm"] != "all")]
            if len(rows):
                lines.append(f"Safety set, {words}: " + ", ".join(
                    f"{r.arm} {int(r.subjects)}/{int(r.n)}" for r in rows.itertuples()))
        severe = ae.loc[(ae["category"] == "severity") & (ae["arm"] == "all")
                        & ae["term"].astype(str).str.upper().isin(["SEVERE", "3", "4", "5"])]
        lines.append(f"Severe adverse events: {int(severe['subjects'].sum()) if len(severe) else 0} "
                     "subject(s)")
    if lines:
        items.append(Text("\n".join(lines)))
    if results.notes:
        items.append(Panel("\n".join(results.notes), title="Notes", expand=False))
    if out:
        items.append(Text(f"Tables, figures, ADaM datasets and provenance written to {out}", style="green"))
    return items


def _adjusted_lines(tables: dict) -> list[str]:
    """The covariate-adjusted risk difference and the largest baseline imbalance, if computed.

    Examples
    --------
    >>> adj = pd.DataFrame({"estimand": ["risk difference"], "estimate": [0.33], "ci_low": [0.13],
    ...                     "ci_high": [0.53], "covariates": ["BFCP, SEX"]})
    >>> bal = pd.DataFrame({"term": ["WEIGHTBL"], "smd": [-0.36], "adjusted": ["no"]})
    >>> for line in _adjusted_lines({"primary_adjusted": adj, "primary_adjusted_balance": bal}):
    ...     print(line)
      covariate-adjusted risk diff. (standardisation on baseline fasting C-peptide, sex): 0.33 (0.13 to 0.53)
      largest baseline imbalance: body weight at baseline (SMD -0.36), not in the adjustment
    """
    adj, bal = tables.get("primary_adjusted"), tables.get("primary_adjusted_balance")
    if adj is None or not len(adj):
        return []
    rd = adj.loc[adj["estimand"] == "risk difference"]
    if not len(rd):
        return []
    r = rd.iloc[0]
    on = ", ".join(covariate_label(c) for c in str(r.covariates).split(", "))
    lines = [f"  covariate-adjusted risk diff. (standardisation on {on}): "
             f"{fmt_ci(r.estimate, r.ci_low, r.ci_high)}"]
    if bal is not None and len(bal):
        top = bal.iloc[0]
        lines.append(f"  largest baseline imbalance: {covariate_label(str(top.term))} "
                     f"(SMD {top.smd:.2f}), "
                     + ("in the adjustment" if top.adjusted == "yes" else "not in the adjustment"))
    return lines
