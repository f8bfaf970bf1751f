"""Renderers of the terminal summary, one per result shape (:mod:`t1dtrial.analysis.result`).

Each renderer reads the columns its shape declares; a table without one of
them is named with what it lacks (never dropped silently).

Examples
--------
>>> import pandas as pd
>>> from t1dtrial.analysis.result import Result
>>> r = Result(name="rr", shape="comparison", title="Risk ratio (FAS)",
...            table=pd.DataFrame({"comparison": ["A vs B"], "estimate": [2.0]}))
>>> missing_columns(r.table, COMPARISON)
['ci_low', 'ci_high', 'p_value']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pandas as pd

from .terminal import _adjusted_lines, _multiplicity_lines, ci_label, fmt_ci, fmt_p

__all__ = ["render_context", "render_result", "key_secondary", "missing_columns", "RENDERERS",
           "COMPARISON"]

#: Columns of the shape ``comparison`` (and of any comparison of a new method).
COMPARISON = ("comparison", "estimate", "ci_low", "ci_high", "p_value")
_RESPONDER_BY_ARM = ("subgroup", "arm", "n", "responders", "percent")
_RESPONDER_COMPARISON = ("subgroup", "comparison", "risk_difference", "rd_ci_low", "rd_ci_high",
                         "odds_ratio", "or_ci_low", "or_ci_high", "p_value")
_CONTINUOUS_BY_ARM = ("subgroup", "arm", "n", "mean", "sd")
_SUMMARY = ("endpoint", "visit", "subgroup", "analysis", "group", "summary", "median",
            "estimate", "ci_low", "ci_high", "p_value")
_TERMS = ("term", "ci_low", "ci_high", "p_value")
_EPISODES = ("section", "statistic", "arm", "value", "n")
_EVENTS = ("category", "arm", "subjects", "n", "term")

#: Row kinds of a continuous summary (``analysis`` column) shown as the key comparison.
DESCRIPTIVE, ANCOVA, MANN_WHITNEY = "descriptive", "ancova", "mann_whitney"


@dataclass
class Context:
    """What renderers share: every result, the tables, the design and the primary visit."""

    results: list[Any]
    tables: dict[str, pd.DataFrame]
    randomised: bool
    primary_visit: str | None

    def of_shape(self, shape: str) -> list[Any]:
        return [r for r in self.results if r.shape == shape]


def render_context(results: Any, randomised: bool) -> Context:
    """The rendering context of a fresh or read-back :class:`~t1dtrial.analysis.Results`."""
    return Context(results=list(getattr(results, "results", None) or []), tables=results.tables,
                   randomised=randomised,
                   primary_visit=results.provenance.get("protocol", {}).get("primary_visit"))


def missing_columns(table: pd.DataFrame | None, needed: tuple[str, ...]) -> list[str]:
    """Columns of ``needed`` that ``table`` lacks (every one when there is no table)."""
    have = set(table.columns) if table is not None else set()
    return [c for c in needed if c not in have]


def _lacking(res: Any, part: str, missing: list[str]) -> list[Any]:
    from rich.text import Text

    where = (res.written.get(part) or [res.name])[0]
    return [Text(f"{res.title or res.name}: the table {where} lacks column(s) "
                 f"{', '.join(missing)} of a {res.shape} result; see tables/{where}.csv",
                 style="yellow")]


def _by_arm_and_comparison(res: Any, by_cols: tuple[str, ...],
                           comp_cols: tuple[str, ...]) -> tuple[Any, Any, list[Any]]:
    by_arm, comp = res.by_arm, res.comparison
    missing = missing_columns(by_arm, by_cols)
    if missing:
        return None, None, _lacking(res, "by_arm", missing)
    if comp is not None and len(comp):
        missing = missing_columns(comp, comp_cols)
        if missing:
            return None, None, _lacking(res, "comparison", missing)
    return by_arm, comp if comp is not None else pd.DataFrame(columns=comp_cols), []


def _responder(res: Any, ctx: Context) -> list[Any]:
    """The primary responder endpoint by arm and subgroup, every pair of arms compared."""
    from rich.table import Table
    from rich.text import Text

    prim, comp, problems = _by_arm_and_comparison(res, _RESPONDER_BY_ARM, _RESPONDER_COMPARISON)
    if problems or not len(prim):
        return problems
    rule = (str(prim["missing_rule"].iloc[0]).replace("_", " ") if "missing_rule" in prim
            else "; ".join(res.footnotes))
    population = prim["population"].iloc[0] if "population" in prim else res.population
    table = Table(title=f"Primary endpoint: {res.endpoint} ({population}; missing = {rule})",
                  title_justify="left")
    table.add_column("subgroup", no_wrap=True)
    arms = list(dict.fromkeys(prim["arm"]))
    pairs = list(dict.fromkeys(comp["comparison"])) if len(comp) else []
    for arm in arms:
        table.add_column(arm, justify="right", no_wrap=True)
    label = ci_label(comp)
    several = len(pairs) > 1
    if several:  # counts by arm, then one row a subgroup and pair: fits 80 columns
        counts = table
        table = Table(title=f"Primary endpoint: {res.endpoint}, each arm against "
                            f"{pairs[0].split(' vs ')[-1]}", title_justify="left")
        table.add_column("subgroup")
        table.add_column("comparison")
    table.add_column(f"risk diff. ({label})", justify="right")
    table.add_column(f"odds ratio ({label})", justify="right")
    table.add_column("p", justify="right")
    for sg, block in prim.groupby("subgroup", sort=False):
        cells = []
        for arm in arms:
            r = block.loc[block["arm"] == arm].iloc[0]
            cells.append(f"{int(r.responders)}/{int(r.n)} ({r.percent:.1f}%)")
        if several:
            counts.add_row(sg, *cells)
            cells = []
        rows = comp.loc[comp["subgroup"] == sg]
        if not len(rows):
            table.add_row(sg, *cells, *(["—"] if several else []), "—", "—", "—")
        for i, c in enumerate(rows.itertuples()):
            first = [sg, *cells] if i == 0 else ["", *[""] * len(cells)]
            table.add_row(*first, *([str(c.comparison)] if several else []),
                          fmt_ci(c.risk_difference, c.rd_ci_low, c.rd_ci_high),
                          fmt_ci(c.odds_ratio, c.or_ci_low, c.or_ci_high), fmt_p(c.p_value))
    items: list[Any] = [counts, table] if several else [table]
    if len(comp) and {"test", "rd_method"} <= set(comp.columns):
        items.append(Text(f"  test: {comp['test'].iloc[0]}; RD: {comp['rd_method'].iloc[0]}",
                          style="dim"))
    items += [Text(line, style="dim") for line in _adjusted_lines(ctx.tables)]
    items += _interaction_lines(ctx)
    return items


def _interaction_lines(ctx: Context) -> list[Any]:
    from rich.text import Text

    out = []
    for res in ctx.of_shape("interaction"):
        inter = res.table
        if missing_columns(inter, ("term", "test", "p_value", "subgroup_variable")):
            continue
        lr = inter.loc[(inter["term"] == "interaction") & (inter["test"] == "LR")]
        several = "comparison" in lr.columns and lr["comparison"].nunique() > 1
        for r in lr.itertuples():
            pair = f"; {r.comparison}" if several else ""
            out.append(Text(f"  subgroup x {'treatment' if ctx.randomised else 'arm'} "
                            f"interaction ({r.subgroup_variable}{pair}): "
                            f"LR p = {fmt_p(r.p_value)}", style="dim"))
    return out


def _continuous(res: Any, ctx: Context) -> list[Any]:
    """The primary continuous endpoint: mean (SD) and n by arm, every pair of arms compared."""
    from rich.table import Table
    from rich.text import Text

    prim, comp, problems = _by_arm_and_comparison(
        res, _CONTINUOUS_BY_ARM, ("subgroup", "comparison", "estimate", "ci_low", "ci_high",
                                  "p_value"))
    if problems or not len(prim):
        return problems
    units = f"; {res.units}" if res.units else ""
    visit = f" at {prim['visit'].iloc[0]}" if "visit" in prim else ""
    table = Table(title=f"Primary endpoint: {res.endpoint}{visit} ({res.population}{units}; "
                        "mean (SD), n)", title_justify="left")
    table.add_column("subgroup", no_wrap=True)
    arms = list(dict.fromkeys(prim["arm"]))
    for arm in arms:
        table.add_column(arm, justify="right")
    several = len(set(comp["comparison"])) > 1 if len(comp) else False
    if several:
        table.add_column("comparison")
    between = len(comp) and comp["comparison"].astype(str).str.contains(" vs ").any()
    table.add_column(f"{'difference' if between else 'estimate'} ({ci_label(comp)})",
                     justify="right")
    table.add_column("p", justify="right")
    for sg, block in prim.groupby("subgroup", sort=False):
        cells = []
        for arm in arms:
            r = block.loc[block["arm"] == arm].iloc[0]
            cells.append(f"{r['mean']:.3g} ({r['sd']:.3g}), {int(r['n'])}")
        rows = comp.loc[comp["subgroup"] == sg] if len(comp) else comp
        if not len(rows):
            table.add_row(sg, *cells, *(["—"] if several else []), "—", "—")
        for i, c in enumerate(rows.itertuples()):
            first = [sg, *cells] if i == 0 else ["", *[""] * len(arms)]
            table.add_row(*first, *([str(c.comparison)] if several else []),
                          fmt_ci(c.estimate, c.ci_low, c.ci_high, 3), fmt_p(c.p_value))
    items: list[Any] = [table]
    if res.method:
        items.append(Text(f"  {res.method}", style="dim"))
    return items


def key_secondary(ctx: Context) -> list[Any]:
    """Every continuous endpoint at the primary visit: medians by arm, the key comparison of
    each pair of arms (ANCOVA; Hodges-Lehmann for a percent change)."""
    from rich.table import Table

    frames = []
    for res in ctx.of_shape("continuous-summary"):
        missing = missing_columns(res.table, _SUMMARY)
        if missing:
            return _lacking(res, "table", missing)
        frames.append(res.table)
    frames = [f for f in frames if len(f)]
    if not frames:
        return []
    sec = pd.concat(frames, ignore_index=True)
    visit = ctx.primary_visit or sec["visit"].iloc[-1]
    block = sec.loc[(sec["subgroup"] == "all") & (sec["visit"] == visit)]
    if block.empty:
        return []
    arms = list(dict.fromkeys(block.loc[block["analysis"] == DESCRIPTIVE, "group"]))
    table = Table(title=f"Key secondary endpoints at {visit} (all subjects; median by arm)",
                  title_justify="left")
    table.add_column("endpoint")
    for arm in arms:
        table.add_column(arm, justify="right")
    key = block["summary"].map(lambda s: MANN_WHITNEY if s == "percent_change" else ANCOVA)
    shown = block["analysis"].eq(key)
    table.add_column(f"difference ({ci_label(block.loc[shown])})", justify="right")
    table.add_column("p", justify="right")
    table.add_column("by")
    several = block.loc[shown, "group"].nunique() > 1
    for ep, rows in block.groupby("endpoint", sort=False):
        desc = rows.loc[rows["analysis"] == DESCRIPTIVE].set_index("group")
        kind = MANN_WHITNEY if rows["summary"].iloc[0] == "percent_change" else ANCOVA
        medians = [f"{desc.at[a, 'median']:.3g}" if a in desc.index else "—" for a in arms]
        chosen = rows.loc[rows["analysis"] == kind]
        by = "Hodges-Lehmann" if kind == MANN_WHITNEY else "ANCOVA"
        if not len(chosen):
            table.add_row(ep, *medians, "—", "—", "—")
        for i, c in enumerate(chosen.itertuples()):
            name = ep if i == 0 else ""
            if several:
                name = f"{name} ({c.group})".strip()
            table.add_row(name, *(medians if i == 0 else [""] * len(arms)),
                          fmt_ci(c.estimate, c.ci_low, c.ci_high, 3), fmt_p(c.p_value), by)
    return [table, *_multiplicity_lines(ctx.tables.get("multiplicity"), block.loc[shown])]


def _model_terms(res: Any, ctx: Context) -> list[Any]:
    """Terms of a model: odds ratio (or estimate) with its interval and p."""
    from rich.table import Table

    lr = res.table
    if lr is None or not len(lr):
        return []
    missing = missing_columns(lr, _TERMS)
    ratio = "odds_ratio" if "odds_ratio" in lr.columns else "estimate"
    if missing or ratio not in lr.columns:
        return _lacking(res, "table", missing or [ratio])
    table = Table(title=f"{res.title.split(' (')[0]} — {res.method}", title_justify="left")
    words = "odds ratio" if ratio == "odds_ratio" else "estimate"
    for col in ("term", f"{words} ({ci_label(lr)})", "p"):
        table.add_column(col)
    for r in lr.itertuples():
        table.add_row(str(r.term), fmt_ci(getattr(r, ratio), r.ci_low, r.ci_high),
                      fmt_p(r.p_value))
    return [table]


def _episodes(res: Any, ctx: Context) -> list[str]:
    ins = res.table
    if ins is None or not len(ins):
        return []
    missing = missing_columns(ins, _EPISODES)
    if missing:
        return _lacking(res, "table", missing)
    ever = ins.loc[(ins["section"] == "summary") & (ins["statistic"] == "ever insulin-free")
                   & (ins["arm"] != "all")]
    if not len(ever):
        return []
    return ["Insulin independence (ever): " + ", ".join(
        f"{r.arm} {int(r.value)}/{int(r.n)}" for r in ever.itertuples())]


def _adverse_events(res: Any, ctx: Context) -> list[str]:
    ae = res.table
    if ae is None or not len(ae):
        return []
    missing = missing_columns(ae, _EVENTS)
    if missing:
        return _lacking(res, "table", missing)
    lines = []
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
    return lines


def _comparison(res: Any, ctx: Context) -> list[Any]:
    """Any result with comparisons of arms: estimate (CI) and p of each row."""
    from rich.table import Table
    from rich.text import Text

    t = res.comparison if res.comparison is not None and len(res.comparison) else res.table
    missing = missing_columns(t, COMPARISON)
    if missing:
        return _lacking(res, "table", missing)
    table = Table(title=res.title or res.name, title_justify="left")
    keys = [c for c in ("subgroup", "visit") if c in t.columns and t[c].nunique() > 1]
    for col in (*keys, "comparison", f"estimate ({ci_label(t)})", "p"):
        table.add_column(col)
    for _, r in t.iterrows():
        table.add_row(*(str(r[k]) for k in keys), str(r["comparison"]),
                      fmt_ci(r["estimate"], r["ci_low"], r["ci_high"], 3), fmt_p(r["p_value"]))
    n = ", ".join(f"{arm} {k}" for arm, k in res.n_by_arm.items())
    extra = "; ".join(p for p in (res.method, f"n: {n}" if n else "", *res.footnotes) if p)
    return [table, *([Text(f"  {extra}", style="dim")] if extra else [])]


_TREND_BY_ARM = ("subgroup", "arm", "score", "n")
_TTE = ("arm", "statistic", "visit", "estimate", "ci_low", "ci_high", "n", "events")


def _part(res: Any, ctx: Context, part: str, suffix: str = "") -> pd.DataFrame | None:
    """A result's part, else (read back) its rows of the table it was written to."""
    got = getattr(res, part)
    if got is not None:
        return got
    where = res.written.get("table")
    return ctx.tables.get(f"{where[0]}{suffix}") if where and suffix else None


def _dose_response(res: Any, ctx: Context) -> list[Any]:
    """A trend across the arms ordered by dose: each arm (with its score) and the slope."""
    from rich.table import Table
    from rich.text import Text

    by_arm = _part(res, ctx, "by_arm", "_by_arm")
    trend = res.comparison if res.comparison is not None and len(res.comparison) else res.table
    counts = not missing_columns(by_arm, ("responders", "percent"))
    if (missing_columns(by_arm, _TREND_BY_ARM) or missing_columns(trend, COMPARISON)
            or not (counts or not missing_columns(by_arm, ("mean", "sd")))):
        return _comparison(res, ctx)  # the slope rows alone
    arms = list(dict.fromkeys(by_arm["arm"]))
    scores = by_arm.drop_duplicates("arm").set_index("arm")["score"]
    table = Table(title=res.title or res.name, title_justify="left")
    table.add_column("subgroup")
    for arm in arms:  # arm cells wrap so that the slope keeps its width in 80 columns
        table.add_column(f"{arm} ({scores[arm]:g})", justify="right")
    unit = f" per {res.units.split(' per ', 1)[-1]}" if res.units and " per " in res.units else ""
    table.add_column(f"slope{unit} ({ci_label(trend)})", justify="right", min_width=10)
    table.add_column("p", justify="right", min_width=6)
    for sg, block in by_arm.groupby("subgroup", sort=False):
        cells = []
        for arm in arms:
            r = block.loc[block["arm"] == arm]
            if not len(r):
                cells.append("—")
            elif counts:
                cells.append(f"{int(r.responders.iloc[0])}/{int(r.n.iloc[0])} "
                             f"({r.percent.iloc[0]:.1f}%)")
            else:
                cells.append(f"{r['mean'].iloc[0]:.3g} ({r['sd'].iloc[0]:.3g}), "
                             f"{int(r.n.iloc[0])}")
        row = trend.loc[trend["subgroup"] == sg] if "subgroup" in trend else trend.iloc[:0]
        slope = (fmt_ci(row.estimate.iloc[0], row.ci_low.iloc[0], row.ci_high.iloc[0], 3)
                 if len(row) else "—")
        table.add_row(sg, *cells, slope, fmt_p(row.p_value.iloc[0]) if len(row) else "—")
    extra = "; ".join(p for p in (res.method, *res.footnotes) if p)
    return [table, *([Text(f"  {extra}", style="dim")] if extra else [])]


def _time_to_event(res: Any, ctx: Context) -> list[Any]:
    """Kaplan-Meier by arm (median, event-free at the last visit) and each log-rank test."""
    from rich.table import Table
    from rich.text import Text

    t = res.table if res.table is not None and len(res.table) else pd.concat(
        [f for f in (res.by_arm, res.comparison) if f is not None], ignore_index=True)
    missing = missing_columns(t, _TTE)
    if missing:
        return _lacking(res, "table", missing)
    km = t.loc[t["statistic"].isin(["median", "survival"])]
    tests = t.loc[t["statistic"].eq("log-rank")]
    survival = km.loc[km["statistic"].eq("survival")]
    last = str(survival["visit"].iloc[-1]) if len(survival) else None
    table = Table(title=res.title or res.name, title_justify="left")
    label = ci_label(km)
    for col in ("arm", "n", "events", f"median, days ({label})",
                *([f"event-free at {last} ({label})"] if last else [])):
        table.add_column(col, justify="left" if col == "arm" else "right")
    for arm, rows in km.groupby("arm", sort=False):
        med = rows.loc[rows["statistic"].eq("median")]
        cells = [str(arm), str(int(rows["n"].iloc[0])), str(int(med["events"].iloc[0]))
                 if len(med) else "—"]
        reached = len(med) and not str(med["method"].iloc[0]).startswith("not estimable") \
            if "method" in med else False
        cells.append(_estimate_ci(med, 0, "not reached" if reached else "—"))
        if last:
            cells.append(_estimate_ci(rows.loc[rows["statistic"].eq("survival")
                                              & rows["visit"].eq(last)], 2))
        table.add_row(*cells)
    lines = [f"  log-rank {r.comparison}: p = {fmt_p(r.p_value)}" for r in tests.itertuples()]
    extra = "; ".join(p for p in (res.method, *res.footnotes) if p)
    return [table, *[Text(x, style="dim") for x in [*lines, *([f"  {extra}"] if extra else [])]]]


def _estimate_ci(rows: pd.DataFrame, digits: int, none: str = "—") -> str:
    """``estimate (low to high)``; a missing limit as NA, no estimate as ``none``."""
    if not len(rows) or pd.isna(rows["estimate"].iloc[0]):
        return none
    r = rows.iloc[0]
    low, high = ("NA" if pd.isna(v) else f"{v:.{digits}f}" for v in (r.ci_low, r.ci_high))
    return f"{r.estimate:.{digits}f} ({low} to {high})"


def _not_estimable(res: Any, ctx: Context) -> list[str]:
    return [f"{res.name} ({res.method_name}): {res.method}"]


#: Shape -> renderer; a shape not listed is rendered as a comparison (its columns checked).
RENDERERS: dict[str, Callable[[Any, Context], list[Any]]] = {
    "responder-comparison": _responder,
    "continuous-comparison": _continuous,
    "comparison": _comparison,
    "model-terms": _model_terms,
    "episodes": _episodes,
    "adverse-events": _adverse_events,
    "dose-response": _dose_response,
    "time-to-event": _time_to_event,
    "not-estimable": _not_estimable,
}


def render_result(res: Any, ctx: Context) -> list[Any]:
    """Renderables (tables, or text lines as str) of one result by its declared shape."""
    return RENDERERS.get(res.shape, _comparison)(res, ctx)
