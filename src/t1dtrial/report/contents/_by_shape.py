"""Any planned analysis rendered by its declared shape, so that a new method's result renders.

:data:`RENDERERS` maps a shape (:mod:`t1dtrial.analysis.result`) to a function
``(source, result) -> [blocks]``; a shape it does not know gets
:func:`generic_table` (its tidy columns, numbers formatted). A result without
rows says why (:func:`~._efficacy_common.not_estimable`). In an open report a
comparison of arms is not shown, and no p-value column is.

Examples
--------
>>> import pandas as pd
>>> from t1dtrial.analysis import Results
>>> from t1dtrial.analysis.result import Result
>>> from t1dtrial.protocol import load_protocol
>>> res = Result(name="rr", shape="comparison", title="Risk ratio (full analysis set)",
...              table=pd.DataFrame({"comparison": ["MSC vs CONTROL"], "estimate": [2.0],
...                                  "ci_low": [1.1], "ci_high": [3.6], "p_value": [0.02]}))
>>> [table] = render_result(ReportSource(Results(tables={}), load_protocol("lu2021")), res)
>>> table.groups[0].rows
[['MSC vs CONTROL', '2.00 (1.10, 3.60)', '0.020']]
"""

from __future__ import annotations

from typing import Any, Callable

import pandas as pd

from ..document import Block, Column, Paragraph, RowGroup, Table
from ..formatting import (MISSING, estimate_decimals, fmt_estimate_ci, fmt_mean_sd,
                          fmt_n_percent, fmt_number, fmt_p, is_missing)
from ..source import ReportSource
from ._comparison import (CONTINUOUS, RESPONDER, ci_words, comparison_table, endpoint_params,
                          param_decimals)
from ._efficacy_common import (BLIND_NOTE, FAMILY, absent, endpoint_label, figure_block, has_rows,
                               method_notes, not_estimable, population_words, result_title, scrub,
                               subgroup_label, unique_texts, written_note)
from ._secondary import mmrm_table, summary_table
from ._time_to_event import episodes_blocks, survival_blocks

__all__ = ["render_result", "RENDERERS", "generic_table", "model_terms_blocks",
           "dose_response_blocks"]

_P = ("p_value", "p_adjusted")


def _title(source: ReportSource, res: Any) -> str:
    return result_title(source, res)


# ---- model terms ----------------------------------------------------------------------
def model_terms_blocks(source: ReportSource, res: Any) -> list[Block]:
    """A table of the terms (odds ratio or estimate, CI, p) and their forest plot."""
    from ..figures.forest import Measure, forest_plot

    t = res.table
    ratio = "odds_ratio" in t
    est = "odds_ratio" if ratio else "estimate"
    ci = ci_words(res.conf_level)
    d = 2 if ratio else estimate_decimals(t[est].tolist())
    columns = [Column("Term"), Column(f"{'Odds ratio' if ratio else 'Estimate'} ({ci})",
                                      align="right")]
    if not source.blind:
        columns.append(Column("p-value", align="right"))
    rows = []
    for _, r in t.iterrows():
        row = [str(r["term"]), fmt_estimate_ci(r[est], r["ci_low"], r["ci_high"], d)]
        rows.append(row + ([fmt_p(r.get("p_value"))] if not source.blind else []))
    first = t.iloc[0]
    counts = []
    if "n" in t and not is_missing(first["n"]):
        counts.append(f"n = {fmt_number(first['n'], 0)} participants")
    if "events" in t and not is_missing(first["events"]):
        counts.append(f"{fmt_number(first['events'], 0)} events")
    if "events_per_variable" in t and not is_missing(first["events_per_variable"]):
        counts.append(f"events per variable {fmt_number(first['events_per_variable'], 1)}")
    method = scrub(source, res.method or " ".join(unique_texts(t.get("method", []))))
    notes = [f"Method: {method}."] + ([f"Model fitted on {', '.join(counts)}."] if counts else [])
    notes += [scrub(source, f) for f in res.footnotes]
    notes.append("CI, confidence interval. Each term's unit is in its name (per unit of the "
                 "covariate)." + (" " + BLIND_NOTE if source.blind else ""))
    table = Table(key=f"{res.name}_terms", family=FAMILY, title=_title(source, res),
                  population=population_words(source, res), columns=columns,
                  groups=[RowGroup("", rows)], footnotes=notes)
    rows_df = pd.DataFrame({"label": t["term"].astype(str), "estimate": t[est],
                            "ci_low": t["ci_low"], "ci_high": t["ci_high"],
                            "text": [fmt_estimate_ci(e, lo, hi, d) for e, lo, hi in
                                     zip(t[est], t["ci_low"], t["ci_high"])]})
    fig = forest_plot([Measure(rows_df, f"{'Odds ratio' if ratio else 'Estimate'}, {ci}"
                               + (" (log scale)" if ratio else ""), null=1.0 if ratio else 0.0,
                               log=ratio)], ylabel="Term")
    caption = (f"{_title(source, res)}: {'odds ratios' if ratio else 'estimates'} with {ci} "
               f"({'log scale' if ratio else 'linear scale'}); dotted line: no association. "
               f"{population_words(source, res)}; {', '.join(counts) or 'n not recorded'}. "
               f"{method}.")
    return [table, figure_block(f"{res.name}_forest", f"Forest plot: {_title(source, res)}",
                                caption, fig)]


# ---- dose-response --------------------------------------------------------------------
def _dose_units(res: Any) -> tuple[str, str]:
    """(outcome unit, dose unit) from ``<outcome> per <dose>``."""
    units = res.units or ""
    if " per " in units:
        a, b = units.split(" per ", 1)
        return a, b
    return units, ""


def dose_response_blocks(source: ReportSource, res: Any) -> list[Block]:
    """The trend by subgroup (estimate (CI), p), the dose groups, and a dose-response plot."""
    from ..figures.dose_response import dose_response_plot

    protocol = source.protocol
    blocks: list[Block] = []
    trend = res.comparison if has_rows(res.comparison) else res.table
    outcome_unit, dose_unit = _dose_units(res)
    ci = ci_words(res.conf_level)
    if not source.blind and has_rows(trend) and "estimate" in trend:
        d = estimate_decimals(trend["estimate"].tolist())
        rows = [[subgroup_label(protocol, r.get("subgroup")),
                 fmt_estimate_ci(r["estimate"], r["ci_low"], r["ci_high"], d),
                 fmt_p(r.get("p_value")), fmt_number(r.get("n"), 0)] for _, r in trend.iterrows()]
        notes = method_notes(source, [res.method, *trend.get("method", [])])
        notes += [scrub(source, f) for f in res.footnotes]
        notes += [f"Multiplicity: {m}." for m in unique_texts(trend.get("multiplicity", []))]
        notes.append("CI, confidence interval; slope per unit of the dose score.")
        blocks.append(Table(key=f"{res.name}_trend", family=FAMILY, title=_title(source, res),
                            population=population_words(source, res),
                            columns=[Column("Subgroup"),
                                     Column(f"Slope ({ci}), {res.units or ''}".rstrip(", "),
                                            align="right"),
                                     Column("p-value", align="right"), Column("n", align="right")],
                            groups=[RowGroup("", rows)], footnotes=notes))
    by = res.by_arm
    if not has_rows(by) or "score" not in by:
        return blocks or [not_estimable(source, res)]
    responder = "responders" in by
    dd = param_decimals(source, endpoint_params(protocol, res.endpoint))
    groups, points = [], []
    for sub, rows in by.groupby("subgroup", sort=False):
        body = []
        for _, r in rows.iterrows():
            value = (fmt_n_percent(r["responders"], r["n"]) if responder
                     else fmt_mean_sd(r.get("mean"), r.get("sd"), dd))
            body.append([source.arm_short(str(r["arm"])), fmt_number(r["score"], 2),
                         fmt_number(r["n"], 0), value])
            points.append({"panel": sub, "score": r["score"],
                           "value": r["percent"] if responder else r.get("mean"),
                           "text": (f"{int(r['responders'])}/{int(r['n'])}" if responder
                                    else f"n={int(r['n'])}")})
        groups.append(RowGroup(subgroup_label(protocol, sub), body))
    what = "Responders, n (%)" if responder else "Mean (SD)"
    blocks.append(Table(key=f"{res.name}_groups", family=FAMILY,
                        title=f"{endpoint_label(protocol, res.endpoint)} by dose group",
                        population=population_words(source, res),
                        columns=[Column("Arm"), Column(f"Dose score ({dose_unit})" if dose_unit
                                                       else "Dose score", align="right"),
                                 Column("n", align="right"), Column(what, align="right")],
                        groups=groups,
                        footnotes=["n (%), responders (percent of n)." if responder else
                                   "SD, standard deviation."]
                        + ([BLIND_NOTE] if source.blind else [])))
    subs = list(dict.fromkeys(by["subgroup"]))
    ylabel = "Responders (%)" if responder else (
        f"Mean ({outcome_unit})" if outcome_unit else "Mean")
    fig = dose_response_plot(pd.DataFrame(points),
                             panels={s: subgroup_label(protocol, s) for s in subs},
                             xlabel=f"Dose score ({dose_unit})" if dose_unit else "Dose score",
                             ylabel=ylabel, reference=None if responder else 0.0,
                             ylim=(0.0, 100.0) if responder else None)
    caption = (f"{endpoint_label(protocol, res.endpoint)} by dose score "
               f"({'percent responders, responders/n' if responder else 'mean, n'} beside each "
               f"point), a line a subgroup. {population_words(source, res)} "
               f"(N = {sum((res.n_by_arm or {}).values())}).")
    blocks.append(figure_block(f"{res.name}_dose_response", f"Dose-response: "
                               f"{endpoint_label(protocol, res.endpoint)}", caption, fig))
    return blocks


# ---- comparison and anything else ------------------------------------------------------
def comparison_blocks(source: ReportSource, res: Any) -> list[Block]:
    """Estimate (CI) and p of each comparison (shape ``comparison``)."""
    if source.blind:
        return [Paragraph(f"{_title(source, res)}: a comparison of arms, not shown. {BLIND_NOTE}",
                          style="note")]
    t = res.table
    if "estimate" not in t:
        return [generic_table(source, res)]
    d = estimate_decimals(t["estimate"].tolist())
    rows = [[source.comparison_name(str(r.get("comparison", ""))),
             fmt_estimate_ci(r["estimate"], r.get("ci_low"), r.get("ci_high"), d),
             fmt_p(r.get("p_value"))] for _, r in t.iterrows()]
    notes = method_notes(source, [res.method, *t.get("method", [])])
    notes += [scrub(source, f) for f in res.footnotes] + ["CI, confidence interval."]
    units = f" ({res.units})" if res.units else ""
    return [Table(key=f"{res.name}_comparison", family=FAMILY, title=_title(source, res),
                  population=population_words(source, res),
                  columns=[Column("Comparison"), Column(f"Estimate ({ci_words(res.conf_level)})"
                                                        f"{units}", align="right"),
                           Column("p-value", align="right")],
                  groups=[RowGroup("", rows)], footnotes=unique_texts(notes))]


_GENERIC_ROWS = 40


def _format_column(values: pd.Series, name: str) -> list[str]:
    if name in _P or name.startswith("p_"):
        return [fmt_p(v) for v in values]
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().sum() and numeric.notna().sum() == values.notna().sum():
        whole = (numeric.dropna() == numeric.dropna().round()).all()
        d = 0 if whole else estimate_decimals(numeric.tolist())
        return [fmt_number(v, d) for v in numeric]
    return [MISSING if absent(v) else str(v) for v in values]


def generic_table(source: ReportSource, res: Any) -> Table:
    """The result's tidy table as it is (methods to a footnote), its first rows."""
    t = res.table
    drop = {"method", "conf_level", "multiplicity", "endpoint", "population"}
    if source.blind:
        drop |= set(_P) | {"comparison", "statistic", "chisq"}
    cols = [c for c in t.columns if c not in drop][:9]
    shown = t.head(_GENERIC_ROWS)
    cells = [_format_column(shown[c], c) for c in cols]
    rows = [[scrub(source, cells[j][i]) for j in range(len(cols))] for i in range(len(shown))]
    notes = method_notes(source, [res.method, *t.get("method", [])])[:4]
    notes += [scrub(source, f) for f in res.footnotes]
    if len(t) > len(shown) or len(cols) < len(t.columns):
        notes.append(written_note(res))
    if source.blind:
        notes.append(BLIND_NOTE)
    return Table(key=f"{res.name}_table", family=FAMILY, title=_title(source, res),
                 population=population_words(source, res),
                 columns=[Column(c.replace("_", " ").capitalize()) for c in cols],
                 groups=[RowGroup("", rows)], footnotes=unique_texts(notes), wide=len(cols) > 6)


def _comparison_shape(source: ReportSource, res: Any) -> list[Block]:
    if res.by_arm is None:
        return [generic_table(source, res)]
    return [comparison_table(source, res, f"{res.name}_by_arm")]


def _hidden(source: ReportSource, res: Any) -> list[Block]:
    return [Paragraph(f"{_title(source, res)}: compares arms, not shown. {BLIND_NOTE}",
                      style="note")]


def _interaction(source: ReportSource, res: Any) -> list[Block]:
    from ._primary import interaction_table

    return _hidden(source, res) if source.blind else [interaction_table(source, res)]


def _between_arms_only(source: ReportSource, res: Any) -> list[Block]:
    if source.blind:
        return _hidden(source, res)
    return comparison_blocks(source, res) if "comparison" in res.table else [
        generic_table(source, res)]


#: Shape -> renderer of its blocks.
RENDERERS: dict[str, Callable[[ReportSource, Any], list[Block]]] = {
    RESPONDER: _comparison_shape,
    CONTINUOUS: _comparison_shape,
    "continuous-summary": lambda s, r: [summary_table(s, r)],
    "longitudinal": lambda s, r: [mmrm_table(s, r)],
    "model-terms": model_terms_blocks,
    "episodes": episodes_blocks,
    "survival": survival_blocks,
    "time-to-event": survival_blocks,
    "dose-response": dose_response_blocks,
    "comparison": comparison_blocks,
    "interaction": _interaction,
    "adjusted-comparison": _between_arms_only,
    "sensitivity": _between_arms_only,
}


def render_result(source: ReportSource, res: Any) -> list[Block]:
    """The blocks of one result by its shape; its reason when it has no rows.

    A renderer that fails on an unexpected table falls back to
    :func:`generic_table`, so one odd result never stops the report.
    """
    if not has_rows(res.table) and not has_rows(res.by_arm):
        return [not_estimable(source, res)]
    render = RENDERERS.get(res.shape, lambda s, r: [generic_table(s, r)])
    try:
        return render(source, res)
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        table = generic_table(source, res)
        table.footnotes.append(f"Shown as its table: the {res.shape} layout needs "
                               f"{type(exc).__name__}: {exc}.")
        return [table]
