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


#: Shapes summarised on the one screen by a section of their own; the others are in the
#: tables (mixed model, sensitivity, survival ...) and the report.
_IN_TABLES_ONLY = ("longitudinal", "sensitivity", "survival", "interaction",
                   "adjusted-comparison", "continuous-summary")


def summary_renderables(results: Any, *, title: str, out: str | None = None) -> list[Any]:
    """Rich renderables summarising an analysis, each result rendered by its declared shape.

    The primary analysis first (responder or continuous comparison, every
    pair of arms), then the continuous endpoints at the primary visit, model
    terms, insulin independence and safety, and any further planned analysis
    of a comparison shape. A result whose table lacks a column its shape
    declares is named with the columns missing, never left out silently.
    """
    from rich.panel import Panel
    from rich.text import Text

    from ._shapes import key_secondary, render_context, render_result

    items: list[Any] = [Text(title, style="bold")]
    randomised = results.provenance.get("protocol", {}).get("allocation") != "nonrandomised"
    if not randomised:
        items.append(Text(NONRANDOMISED, style="yellow"))
    ctx = render_context(results, randomised)
    lines: list[str] = []
    summarised = False
    for res in ctx.results:
        if res.shape == "continuous-summary" and not summarised:  # one table for them all
            items.extend(key_secondary(ctx))
            summarised = True
        if res.role != "primary" and (res.shape in _IN_TABLES_ONLY
                                      or res.shape == "responder-comparison"):
            continue
        for item in render_result(res, ctx):
            (lines.append(item) if isinstance(item, str) else items.append(item))
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
