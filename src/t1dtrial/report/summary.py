"""The one-screen summary ``t1dtrial analyze`` and ``demo`` end with (80 columns).

It says what a reader looks at first, in words and units, with one kind of
estimate per column: the primary endpoint by arm with its comparison; the
continuous secondary endpoints at the primary visit (differences in adjusted
means and Hodges-Lehmann shifts in separate tables); the responder
secondary endpoints; the safety overview; how many notes the report holds;
and where the report is. Everything else is in the report.

Examples
--------
>>> from rich.console import Console
>>> from t1dtrial.analysis import Results
>>> from t1dtrial.protocol import load_protocol
>>> from t1dtrial.report.source import ReportSource
>>> console = Console(width=80, record=True)
>>> for item in one_screen_summary(ReportSource(Results(tables={}), load_protocol("lu2021")),
...                                title="t1dtrial — lu2021"):
...     console.print(item)
t1dtrial — lu2021
...
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .formatting import fmt_ci, fmt_conf_level, fmt_n_percent, fmt_number, fmt_p, is_missing
from .source import ReportSource

__all__ = ["one_screen_summary"]

_ANCOVA, _HODGES_LEHMANN = "ancova", "mann_whitney"
_KINDS = {_ANCOVA: "Difference in adjusted means (ANCOVA)",
          _HODGES_LEHMANN: "Shift in location (Hodges-Lehmann)"}


def one_screen_summary(source: ReportSource, *, title: str,
                       report: Path | None = None) -> list[Any]:
    """Rich renderables of the summary, each fitting 80 columns.

    Parameters
    ----------
    source : ReportSource
        The analysis and its protocol.
    title : str
        First line.
    report : Path, optional
        The HTML report written (its path is the last line).

    Returns
    -------
    list
        Texts and tables for ``rich.console.Console.print``.
    """
    from rich.text import Text

    items: list[Any] = [Text(title, style="bold")]
    if not source.randomised:
        items.append(Text("Arms not randomised: differences between arms are associations, "
                          "not treatment effects.", style="yellow"))
    results = list(source.results.results)
    primary = next((r for r in results if r.role == "primary"), None)
    if primary is not None:
        items += _primary(source, primary)
    items += _continuous(source, results)
    items += _responders(source, [r for r in results if r is not primary
                                  and r.shape == "responder-comparison"])
    items += _safety(source, results)
    if source.results.notes:
        items.append(Text("Notes for the reader (in full in the report and notes.txt):",
                          style="yellow"))
        items += [Text(f"- {_first_line(note)}", style="yellow") for note in source.results.notes]
    if report is not None:
        items.append(Text(f"Report: {report}", style="bold green"))
        items.append(Text(f"Word: {report.with_suffix('.docx')}; tables, figures, ADaM datasets "
                          f"and provenance in {report.parent}", style="green"))
    return items


def _table(title: str, *columns: tuple[str, str]) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left", title_style="bold", box=None,
                  pad_edge=False, show_edge=False, header_style="bold")
    for name, justify in columns:
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    return table


def _endpoint_label(source: ReportSource, name: str) -> str:
    endpoints = source.protocol.endpoints
    for ep in [endpoints.primary, *endpoints.secondary]:
        if ep.name == name:
            return ep.label
    return name


def _visit_label(source: ReportSource, code: str | None) -> str:
    for visit in source.protocol.visits:
        if visit.code == code:
            return visit.label
    return str(code or "")


def _primary(source: ReportSource, res: Any) -> list[Any]:
    label = _endpoint_label(source, res.endpoint)
    visit = _visit_label(source, source.protocol.primary_visit)
    population = source.population_name(res.population)
    by_arm, comp = res.by_arm, res.comparison
    title = f"Primary endpoint: {label}, {visit} ({population})"
    if res.shape == "responder-comparison" and by_arm is not None and comp is not None:
        ci = fmt_conf_level(res.conf_level)
        compared = () if source.blind else ((f"Difference, % points ({ci})", "right"),
                                            ("p", "right"))
        table = _table(title, ("Arm", "left"), ("Responders, n/N (%)", "right"), *compared)
        rows = _in_arm_order(source, by_arm[by_arm["subgroup"] == "all"])
        comps = comp[comp["subgroup"] == "all"]
        for row in rows.itertuples():
            match = comps[comps["comparison"].astype(str).str.startswith(f"{row.arm} vs ")]
            diff, p = "", ""
            if len(match) and not source.blind:
                c = match.iloc[0]
                diff = _points(c["risk_difference"], c["rd_ci_low"], c["rd_ci_high"])
                p = fmt_p(c["p_value"])
            table.add_row(source.arm_name(row.arm), _n_of(row.responders, row.n),
                          *(() if source.blind else (diff, p)))
        if source.blind:
            return [table]
        test = comps["test"].iloc[0] if "test" in comps and len(comps) else res.method
        return [table, _dim(f"Difference: each arm vs {_control_name(source, comps)}; {test}.")]
    if res.shape == "continuous-comparison" and by_arm is not None and comp is not None:
        ci = fmt_conf_level(res.conf_level)
        units = f" ({res.units})" if res.units else ""
        compared = () if source.blind else ((f"Difference ({ci})", "right"), ("p", "right"))
        table = _table(title, ("Arm", "left"), (f"Mean (SD){units}", "right"), *compared)
        comps = comp[comp["subgroup"] == "all"]
        for row in _in_arm_order(source, by_arm[by_arm["subgroup"] == "all"]).itertuples():
            match = comps[comps["comparison"].astype(str).str.startswith(f"{row.arm} vs ")]
            diff, p = "", ""
            if len(match) and not source.blind:
                c = match.iloc[0]
                diff = f"{fmt_number(c['estimate'], 2)} {fmt_ci(c['ci_low'], c['ci_high'], 2)}"
                p = fmt_p(c["p_value"])
            table.add_row(source.arm_name(row.arm),
                          f"{fmt_number(row.mean, 2)} ({fmt_number(row.sd, 2)})",
                          *(() if source.blind else (diff, p)))
        return [table] if source.blind else [table, _dim(res.method)]
    return [_dim(f"{title}: {res.shape} result, shown in the report.")]


def _continuous(source: ReportSource, results: list[Any]) -> list[Any]:
    frames = [r.table.assign(units_=r.units or "") for r in results
              if r.shape == "continuous-summary" and r.table is not None and len(r.table)
              and {"analysis", "visit", "subgroup", "group"} <= set(r.table.columns)]
    if not frames or source.blind:
        return []
    rows = pd.concat(frames, ignore_index=True)
    visit = source.protocol.primary_visit
    rows = rows[(rows["subgroup"] == "all") & (rows["visit"] == visit)]
    items: list[Any] = []
    for kind, words in _KINDS.items():
        chosen = rows[rows["analysis"] == kind]
        if kind == _ANCOVA:
            chosen = chosen[chosen["summary"] != "percent_change"]
        else:
            chosen = chosen[chosen["summary"] == "percent_change"]
        if chosen.empty:
            continue
        ci = fmt_conf_level(chosen["conf_level"].iloc[0])
        several = chosen["group"].nunique() > 1
        table = _table(f"{words}, {_visit_label(source, visit)}",
                       ("Endpoint", "left"), *((("Arms", "left"),) if several else ()),
                       (f"Estimate ({ci})", "right"), ("p", "right"))
        for r in chosen.itertuples():
            label = _endpoint_label(source, r.endpoint)
            label = f"{label} ({r.units_})" if r.units_ and r.units_ not in label else label
            cells = [label, *([source.comparison_name(str(r.group).replace(" - ", " vs "))]
                              if several else []),
                     f"{fmt_number(r.estimate, 2)} {fmt_ci(r.ci_low, r.ci_high, 2)}",
                     fmt_p(r.p_value)]
            table.add_row(*cells)
        items.append(table)
    if items:
        items.append(_dim("p-values of secondary endpoints are nominal (not adjusted for "
                          "multiplicity)."))
    return items


def _responders(source: ReportSource, results: list[Any]) -> list[Any]:
    if not results:
        return []
    with_p = len(source.arms) == 2 and not source.blind  # one comparison: one p a row
    table = _table("Responder endpoints", ("Endpoint", "left"),
                   *((source.arm_name(a), "right") for a in source.arms),
                   *((("p", "right"),) if with_p else ()))
    shown = False
    for res in results:
        by_arm = res.by_arm if res.by_arm is not None else res.table
        if by_arm is None or not {"arm", "n", "responders"} <= set(by_arm.columns):
            continue
        rows = by_arm[by_arm["subgroup"] == "all"] if "subgroup" in by_arm else by_arm
        cells = {r.arm: _n_of(r.responders, r.n) for r in rows.itertuples()}
        p = ""
        comp = res.comparison if res.comparison is not None else res.table
        if comp is not None and "p_value" in comp.columns and len(comp):
            sub = comp[comp["subgroup"] == "all"] if "subgroup" in comp else comp
            p = fmt_p(sub["p_value"].min()) if len(sub) else ""
        table.add_row(_endpoint_label(source, res.endpoint),
                      *(cells.get(a, "–") for a in source.arms), *((p,) if with_p else ()))
        shown = True
    if not shown:
        return []
    if len(source.arms) > 2 and not source.blind:
        return [table, _dim("Comparisons of the arms, with their p-values: in the report.")]
    return [table]


def _safety(source: ReportSource, results: list[Any]) -> list[Any]:
    res = next((r for r in results if r.shape == "adverse-events"), None)
    if res is None or res.table is None or not {"category", "arm", "subjects", "n"} <= set(
            res.table.columns):
        return []
    ae = res.table
    table = _table(f"Adverse events ({source.population_name(res.population)}), "
                   "participants n/N (%)", ("", "left"),
                   *((source.arm_name(a), "right") for a in source.arms))
    for category, words in (("any TEAE", "Any"), ("serious TEAE", "Serious"),
                            ("related TEAE", "Related")):
        rows = ae[ae["category"] == category].set_index("arm")
        if rows.empty:
            continue
        table.add_row(words, *(_n_of(rows.at[a, "subjects"], rows.at[a, "n"])
                               if a in rows.index else "–" for a in source.arms))
    return [table]


def _first_line(note: str, width: int = 78) -> str:
    """A note's start, cut to one line of ``width`` characters.

    Examples
    --------
    >>> _first_line("Not estimable in insulin_free_km (4 rows): no subject became insulin-free.", 40)
    'Not estimable in insulin_free_km (4 row…'
    """
    text = " ".join(str(note).split())
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def _in_arm_order(source: ReportSource, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of arms in the report's arm order (code letters in a blinded report)."""
    order = {a: i for i, a in enumerate(source.arms)}
    return rows.sort_values("arm", key=lambda s: s.map(order), kind="stable")


def _n_of(k: Any, n: Any) -> str:
    """``11/27 (40.7)``."""
    if is_missing(k) or is_missing(n):
        return "–"
    percent = fmt_n_percent(k, n).partition(" ")[2]
    return f"{int(k)}/{int(n)} {percent}".strip()


def _points(rd: Any, low: Any, high: Any) -> str:
    """A risk difference in percentage points with its interval."""
    if is_missing(rd):
        return "–"
    return f"{fmt_number(100 * rd, 1)} {fmt_ci(100 * low, 100 * high, 1)}"


def _control_name(source: ReportSource, comps: pd.DataFrame) -> str:
    if not len(comps):
        return "control"
    return source.arm_name(str(comps["comparison"].iloc[0]).split(" vs ")[-1])


def _dim(text: str) -> Any:
    from rich.text import Text

    return Text(text, style="dim")
