"""Multiplicity: which p-values are nominal, and the protocol's procedure over key secondary endpoints.

Every row of :func:`t1dtrial.analysis.analyze` with a p-value says in its
``multiplicity`` column how to read it. Without a procedure every p-value is
*nominal* (not adjusted for multiplicity), except the primary comparison in
all subjects when the protocol compares two arms: one hypothesis, tested
alone at ``analysis.alpha``. For a continuous primary endpoint that is the
row of ``secondary_endpoints`` its family rule below names (the ANCOVA, or
Mann-Whitney for a percent change, at the endpoint's visit in all subjects).

A protocol may declare ``analysis.multiplicity`` with a procedure
(``holm`` or ``fixed-sequence``) over named endpoints. The family has one
hypothesis per endpoint and comparison of arms (endpoint-major, in the order
listed), each tested by one p-value:

* continuous endpoint (``secondary_endpoints``): the between-arm comparison
  at the endpoint's ``visit`` in all subjects (subgroup ``all``, full
  analysis set); the ANCOVA difference (``analysis`` ``ancova``) for a change
  or a value, the Wilcoxon-Mann-Whitney test (``mann_whitney``) for a
  percent change, which has no ANCOVA;
* responder endpoint (``primary_comparison`` for the primary,
  ``secondary_responders`` otherwise): the protocol's ``primary_test`` at the
  endpoint's visit in all subjects.

Holm's step-down adjusted p-values are those of
``statsmodels.stats.multitest.multipletests(method="holm")`` (R's
``p.adjust(method = "holm")``). The fixed sequence tests in order at
``alpha`` and stops at the first hypothesis not rejected; its adjusted
p-value is the running maximum of the raw ones. A hypothesis is rejected
when its adjusted p-value is at most ``alpha``. A p-value that could not be
estimated counts as 1 (Holm's family keeps its size; a sequence stops there).

The table ``multiplicity`` lists the family; the tested rows carry
``p_adjusted`` and ``decision``.

Examples
--------
>>> p, decision = adjust([0.01, 0.04, 0.03], "holm", 0.05)
>>> [round(x, 6) for x in p], decision
([0.03, 0.06, 0.06], ['reject', 'not rejected', 'not rejected'])
>>> adjust([0.01, 0.04, 0.03], "fixed-sequence", 0.05)
([0.01, 0.04, 0.04], ['reject', 'reject', 'reject'])
>>> adjust([0.01, 0.06, 0.03], "fixed-sequence", 0.05)[1]
['reject', 'not rejected', 'not tested (sequence stopped)']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .._validation import invalid_parameter
from ..protocol import Protocol
from ._arms import comparisons
from ..protocol.kinds import outcome

__all__ = ["NOMINAL", "PRIMARY", "MULTIPLICITY_COLUMNS", "adjust", "key_hypotheses",
           "multiplicity_table", "label_tables"]

#: How a p-value outside any multiplicity procedure reads.
NOMINAL = "nominal (not adjusted for multiplicity)"
#: How the primary comparison's p-value reads (one hypothesis).
PRIMARY = "primary hypothesis: one test at alpha, no adjustment needed"

MULTIPLICITY_COLUMNS = ["order", "endpoint", "comparison", "visit", "analysis", "p_value",
                        "p_adjusted", "decision", "procedure", "alpha", "method"]

#: Tables whose rows may be hypotheses of the family (they get p_adjusted and decision).
_FAMILY_TABLES = ("primary_comparison", "secondary_endpoints", "secondary_responders")

_WORDS = {"holm": "Holm step-down", "fixed-sequence": "fixed sequence (in the order listed)"}


def adjust(p_values: Sequence[float], procedure: str,
           alpha: float) -> tuple[list[float], list[str]]:
    """Adjusted p-values and decisions of a family of hypotheses, in the order given.

    Parameters
    ----------
    p_values : sequence of float
        Raw p-values; NaN for one that could not be estimated.
    procedure : {"holm", "fixed-sequence"}
    alpha : float
        Family-wise significance level.

    Returns
    -------
    (list of float, list of str)
        Adjusted p-values (NaN where the raw one is) and decisions:
        ``"reject"``, ``"not rejected"``, ``"not tested (sequence stopped)"``
        or ``"not tested (not estimable)"``.

    Examples
    --------
    >>> adjust([0.02, float("nan")], "holm", 0.05)
    ([0.04, nan], ['reject', 'not tested (not estimable)'])
    """
    raw = np.asarray(p_values, dtype=float)
    missing = np.isnan(raw)
    used = np.where(missing, 1.0, raw)
    if procedure == "holm":
        from statsmodels.stats.multitest import multipletests
        adjusted = multipletests(used, alpha=alpha, method="holm")[1] if raw.size else used
        decisions = ["reject" if p <= alpha else "not rejected" for p in adjusted]
    elif procedure == "fixed-sequence":
        adjusted = np.maximum.accumulate(used) if raw.size else used
        decisions, stopped = [], False
        for p in used:
            if stopped:
                decisions.append("not tested (sequence stopped)")
            elif p <= alpha:
                decisions.append("reject")
            else:
                decisions.append("not rejected")
                stopped = True
    else:
        raise invalid_parameter("adjust", "procedure", "one of 'holm', 'fixed-sequence'",
                                procedure)
    out = [float("nan") if m else float(p) for p, m in zip(adjusted, missing)]
    decisions = ["not tested (not estimable)" if m and d != "not tested (sequence stopped)"
                 else d for d, m in zip(decisions, missing)]
    return out, decisions


def _rows_of(tables: Mapping[str, pd.DataFrame], protocol: Protocol, name: str, treated: str,
             control: str) -> tuple[str, pd.Series, str]:
    """The table, row mask and analysis of one hypothesis (endpoint ``name``, one comparison)."""
    ep = next((e for e in protocol.all_endpoints if e.name == name), None)
    if ep is None:  # protocol checks refuse it; a protocol built in code may still name one
        return "secondary_endpoints", pd.Series(False, index=tables.get(
            "secondary_endpoints", pd.DataFrame()).index, dtype=bool), "no such endpoint"
    if outcome(ep) == "continuous":
        table = "secondary_endpoints"
        kind = "mann_whitney" if ep.summary == "percent_change" else "ancova"
        t = tables.get(table, pd.DataFrame())
        if t.empty:
            return table, pd.Series(False, index=t.index), kind
        mask = ((t["endpoint"] == name) & (t["visit"] == ep.visit) & (t["subgroup"] == "all")
                & (t["analysis"] == kind) & (t["group"] == f"{treated} - {control}"))
        return table, mask, kind
    table = "primary_comparison" if ep.name == protocol.primary_endpoint.name \
        else "secondary_responders"
    t = tables.get(table, pd.DataFrame())
    if t.empty or "comparison" not in t.columns:
        return table, pd.Series(False, index=t.index), protocol.analysis.primary_test
    mask = ((t["endpoint"] == name) & (t["subgroup"] == "all")
            & (t["comparison"] == f"{treated} vs {control}"))
    return table, mask, protocol.analysis.primary_test


def key_hypotheses(tables: Mapping[str, pd.DataFrame], protocol: Protocol) -> pd.DataFrame:
    """The family of ``analysis.multiplicity``: one row per endpoint and comparison, with its raw p.

    Returns
    -------
    DataFrame
        ``order, endpoint, comparison, visit, analysis, p_value, method, table``
        (empty when the protocol declares no procedure).

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> key_hypotheses({}, protocol=load_protocol("lu2021")).empty  # lu2021 declares none
    True
    """
    rule = protocol.analysis.multiplicity
    rows = []
    if rule.procedure == "none":
        return pd.DataFrame(columns=["order", "endpoint", "comparison", "visit", "analysis",
                                     "p_value", "method", "table"])
    by_name = {e.name: e for e in protocol.all_endpoints}
    for name in rule.endpoints:
        for treated, control in comparisons(protocol):
            table, mask, kind = _rows_of(tables, protocol, name, treated, control)
            found = tables[table].loc[mask] if mask.any() else pd.DataFrame()
            p = float(found["p_value"].iloc[0]) if len(found) else np.nan
            method_column = "method" if table == "secondary_endpoints" else "test"
            method = str(found[method_column].iloc[0]) if len(found) else "no such row"
            rows.append({"order": len(rows) + 1, "endpoint": name,
                         "comparison": f"{treated} vs {control}",
                         "visit": by_name[name].visit if name in by_name else None,
                         "analysis": kind, "p_value": p, "method": method, "table": table})
    return pd.DataFrame(rows)


def multiplicity_table(tables: Mapping[str, pd.DataFrame], protocol: Protocol) -> pd.DataFrame:
    """The key secondary family with raw and adjusted p-values and decisions at ``alpha``.

    Returns
    -------
    DataFrame
        Columns :data:`MULTIPLICITY_COLUMNS`; ``method`` is the test of the
        raw p-value. Empty when the protocol declares no procedure.

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> list(multiplicity_table({}, load_protocol("lu2021")).columns[:4])
    ['order', 'endpoint', 'comparison', 'visit']
    """
    family = key_hypotheses(tables, protocol)
    rule, alpha = protocol.analysis.multiplicity, protocol.analysis.alpha
    if family.empty:
        return pd.DataFrame(columns=MULTIPLICITY_COLUMNS)
    adjusted, decisions = adjust(family["p_value"].to_numpy(dtype=float), rule.procedure, alpha)
    out = family.assign(p_adjusted=adjusted, decision=decisions,
                        procedure=_WORDS[rule.procedure], alpha=alpha)
    return out.reindex(columns=MULTIPLICITY_COLUMNS)


def label_tables(tables: Mapping[str, pd.DataFrame], protocol: Protocol) -> dict[str, pd.DataFrame]:
    """Every table with a ``multiplicity`` label on its p-value rows; the family's adjusted p.

    Adds ``multiplicity`` to each table with a ``p_value`` column (NaN on rows
    without a p-value), ``p_adjusted`` and ``decision`` to the tables that may
    hold a key secondary hypothesis, and the table ``multiplicity`` when the
    protocol declares a procedure.

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> t = pd.DataFrame({"p_value": [0.03, float("nan")]})
    >>> label_tables({"mmrm": t}, load_protocol("lu2021"))["mmrm"]["multiplicity"].tolist()
    ['nominal (not adjusted for multiplicity)', None]
    """
    out = {}
    single = len(comparisons(protocol)) == 1
    for name, table in tables.items():
        if "p_value" not in table.columns:
            out[name] = table
            continue
        label = np.where(table["p_value"].notna(), NOMINAL, None)
        if name == "primary_comparison" and single and "subgroup" in table.columns:
            label = np.where(table["p_value"].notna() & (table["subgroup"] == "all"), PRIMARY,
                             label)
        primary = protocol.primary_endpoint
        if name == "secondary_endpoints" and single and outcome(primary) == "continuous":
            # a continuous primary endpoint: its one between-arm test at the primary visit
            treated, control = comparisons(protocol)[0]
            _, mask, _ = _rows_of(tables, protocol, primary.name, treated, control)
            label = np.where(mask.to_numpy() & table["p_value"].notna().to_numpy(), PRIMARY,
                             label)
        table = table.assign(multiplicity=label)
        if name in _FAMILY_TABLES:
            table = table.assign(p_adjusted=np.nan, decision=None)
        out[name] = table
    result = multiplicity_table(out, protocol)
    if result.empty and protocol.analysis.multiplicity.procedure == "none":
        return out
    rule, alpha = protocol.analysis.multiplicity, protocol.analysis.alpha
    words = (f"in the protocol's family of key hypotheses: {_WORDS[rule.procedure]} over "
             f"{len(result)} hypotheses at alpha {alpha:g}; adjusted p-value in p_adjusted")
    for rec in result.itertuples(index=False):
        treated, control = rec.comparison.split(" vs ")
        table, mask, _ = _rows_of(out, protocol, rec.endpoint, treated, control)
        if mask.any():
            frame = out[table].copy()
            frame.loc[mask, ["multiplicity", "p_adjusted", "decision"]] = [
                words, rec.p_adjusted, rec.decision]
            out[table] = frame
    out["multiplicity"] = result
    return out
