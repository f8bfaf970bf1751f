"""Insulin independence and times to an event: episode summaries, a swimmer plot, and
Kaplan-Meier tables and curves with numbers at risk.

- ``episodes``: its ``summary`` rows by arm as a table (a count and its
  ``<statistic> percent`` companion as ``n (%)``), its ``episode`` rows as a
  swimmer plot from the start of treatment (ADSL ``RFSTDT``), with each
  participant's follow-up to the last ADLB assessment;
- ``survival`` and ``time-to-event``: the median and the survival at each
  time of the result by arm (log-rank rows in the column of the comparison's
  first arm), and the Kaplan-Meier curve of the same data: the episodes'
  durations, or ADTTE's rows of the endpoint, else the result's own rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...protocol.adam_names import paramcd_of
from ..document import Block, Column, RowGroup, Table
from ..formatting import (MISSING, fmt_conf_level, fmt_estimate_ci, fmt_n_percent, fmt_number,
                          fmt_p, is_missing)
from ..source import ReportSource
from ._efficacy_common import (BLIND_NOTE, FAMILY, absent, arm_labels, arm_of_comparison,
                               figure_block, has_rows, method_notes, population_words,
                               result_title, scrub, subject_arms, unique_texts, visit_label)

__all__ = ["episodes_blocks", "survival_blocks"]


def _title(source: ReportSource, res: Any) -> str:
    return result_title(source, res)


def _arm_order(source: ReportSource, values: pd.Series) -> list[str]:
    have = set(values.astype(str))
    return [a for a in source.arms if a in have]


def _value(v: object) -> str:
    if is_missing(v):
        return MISSING
    return fmt_number(v, 0 if float(v) == int(float(v)) else 1)  # type: ignore[arg-type]


def episodes_table(source: ReportSource, res: Any) -> Table:
    t = res.table
    summary = t.loc[t["section"] == "summary"] if "section" in t else t
    arms = _arm_order(source, summary["arm"])
    pooled = [a for a in unique_texts(summary["arm"]) if a not in arms]
    cols = arms + pooled
    stats = unique_texts(summary["statistic"])
    rows = []
    for s in stats:
        if s.endswith(" percent") and s[: -len(" percent")] in stats:
            continue
        cells = []
        for a in cols:
            r = summary.loc[(summary["statistic"] == s) & (summary["arm"] == a)]
            pct = summary.loc[(summary["statistic"] == f"{s} percent") & (summary["arm"] == a)]
            if not len(r):
                cells.append(MISSING)
            elif len(pct):
                cells.append(fmt_n_percent(r["value"].iloc[0], pct["n"].iloc[0]))
            else:
                cells.append(_value(r["value"].iloc[0]))
        rows.append([s[:1].upper() + s[1:], *cells])
    n = res.n_by_arm or {}
    columns = [Column("")] + [Column(source.arm_short(a), n=n.get(a), align="right") for a in arms]
    columns += [Column("Total" if a == "all" else str(a), n=sum(n.values()) if a == "all"
                       else None, align="right") for a in pooled]
    notes = [f"Method: {scrub(source, res.method)}."] if res.method else []
    notes += [f"Durations in {res.units}; n (%): participants (percent of the arm)."
              if res.units else "n (%): participants (percent of the arm)."]
    notes += [scrub(source, f) for f in res.footnotes]
    return Table(key=f"{res.name}_summary", family=FAMILY, title=_title(source, res),
                 population=population_words(source, res), columns=columns,
                 groups=[RowGroup("", rows)], footnotes=notes)


def _day0(source: ReportSource) -> pd.Series:
    adsl = source.results.adam.get("adsl")
    col = next((c for c in ("RFSTDT", "TRTSDT", "ENRLDT") if adsl is not None and c in adsl), None)
    if col is None:
        return pd.Series(dtype="datetime64[ns]")
    return pd.to_datetime(adsl.set_index("USUBJID")[col], errors="coerce")


def _followup(source: ReportSource, day0: pd.Series) -> pd.Series:
    adlb = source.results.adam.get("adlb")
    if adlb is None or "ADT" not in adlb:
        return pd.Series(dtype=float)
    last = pd.to_datetime(adlb["ADT"], errors="coerce").groupby(adlb["USUBJID"]).max()
    return (last - day0.reindex(last.index)).dt.days.astype(float)


def swimmer_figure(source: ReportSource, res: Any) -> Block | None:
    from ..figures.survival import swimmer_plot

    t = res.table
    need = {"section", "arm", "subject", "start", "duration", "censored"}
    if not need <= set(t.columns):
        return None
    ep = t.loc[t["section"] == "episode"]
    if ep.empty:
        return None
    day0 = _day0(source)
    start = (pd.to_datetime(ep["start"]) - day0.reindex(ep["subject"]).to_numpy()).dt.days
    follow = _followup(source, day0)
    data = pd.DataFrame({"label": ep["subject"].astype(str).to_numpy(),
                         "arm": ep["arm"].astype(str).to_numpy(),
                         "start": start.to_numpy(dtype=float),
                         "end": start.to_numpy(dtype=float) + ep["duration"].to_numpy(dtype=float),
                         "ongoing": ep["censored"].fillna(0).astype(int).eq(1).to_numpy(),
                         "followup": follow.reindex(ep["subject"]).to_numpy()})
    arms = _arm_order(source, data["arm"])
    fig = swimmer_plot(data, arms=arms, arm_labels=arm_labels(source, arms),
                       xlabel="Days from the start of treatment")
    caption = (f"{_title(source, res)}: each episode as a bar from the start of "
               "treatment (first infusion, or enrolment without one), grey line the follow-up to "
               "the last assessment, arrow an episode ongoing at the data cut. "
               f"{population_words(source, res)}; {data['label'].nunique()} participants with "
               f"{len(data)} episodes. {scrub(source, res.method)}.")
    return figure_block(f"{res.name}_swimmer", f"Swimmer plot: {_title(source, res)}", caption,
                        fig)


def episodes_blocks(source: ReportSource, res: Any) -> list[Block]:
    """The summary table of an ``episodes`` result and its swimmer plot."""
    blocks: list[Block] = [episodes_table(source, res)]
    fig = swimmer_figure(source, res)
    if fig is not None:
        blocks.append(fig)
    return blocks


# ---- Kaplan-Meier ---------------------------------------------------------------------
def _statistic_label(source: ReportSource, r: pd.Series, units: str, ci: str) -> str:
    """``Median (days) (95% CI)`` or ``Event-free at Month 3 (91 days) (95% CI)``."""
    if r["statistic"] == "median":
        return f"Median{f' ({units})' if units else ''} ({ci})"
    time = f"{fmt_number(r.get('time'), 0)} {units}".strip()
    visit = r.get("visit")
    when = f"{visit_label(source.protocol, visit)} ({time})" if not absent(visit) else time
    return f"Event-free at {when} ({ci})"


def survival_table(source: ReportSource, res: Any) -> Table:
    t = res.by_arm if has_rows(res.by_arm) else res.table
    t = t.loc[t["statistic"].isin(["median", "survival"])]
    arms = _arm_order(source, t["arm"].dropna())
    pooled = [a for a in unique_texts(t["arm"]) if a not in arms]
    cols = arms + pooled
    ci = fmt_conf_level(res.conf_level)
    units = res.units or ""
    rows = []
    keys = t.drop_duplicates(["statistic", "time"])[["statistic", "time"] + (
        ["visit"] if "visit" in t else [])]
    n_row = ["Participants, n"]
    e_row = ["Events, n"]
    for a in cols:
        part = t.loc[t["arm"] == a]
        n_row.append(fmt_number(part["n"].max(), 0) if len(part) else MISSING)
        e_row.append(fmt_number(part["events"].max(), 0) if "events" in part and len(part)
                     else MISSING)
    rows += [n_row, e_row]
    for _, k in keys.iterrows():
        same_time = t["time"].isna() if is_missing(k["time"]) else t["time"] == k["time"]
        cells = []
        for a in cols:
            r = t.loc[(t["arm"] == a) & (t["statistic"] == k["statistic"]) & same_time]
            if not len(r):
                cells.append(MISSING)
                continue
            d = 0 if k["statistic"] == "median" else 2
            cells.append(fmt_estimate_ci(r["estimate"].iloc[0], r["ci_low"].iloc[0],
                                         r["ci_high"].iloc[0], d))
        rows.append([_statistic_label(source, k, units, ci), *cells])
    comp = res.comparison if has_rows(res.comparison) else res.table.loc[
        res.table["statistic"] == "log-rank"] if "statistic" in res.table else None
    if not source.blind and has_rows(comp):
        for _, r in comp.iterrows():
            cells = [""] * len(cols)
            cells[arm_of_comparison(r["comparison"], cols)] = fmt_p(r["p_value"])
            rows.append([f"Log-rank p-value, {source.comparison_name(str(r['comparison']))}",
                         *cells])
    n = res.n_by_arm or {}
    columns = [Column("")] + [Column(source.arm_short(a), n=n.get(a), align="right") for a in arms]
    columns += [Column("Total" if a == "all" else str(a), align="right") for a in pooled]
    notes = method_notes(source, [res.method, *t.get("method", [])])
    if has_rows(comp) and not source.blind:
        notes += method_notes(source, comp.get("method", []), "Comparison")
    notes += [scrub(source, f) for f in res.footnotes]
    notes.append("CI, confidence interval; –, not estimable (e.g. the curve does not reach "
                 "one half, or no participant of the arm is at risk).")
    if source.blind:
        notes.append(BLIND_NOTE)
    return Table(key=f"{res.name}_km", family=FAMILY, title=_title(source, res),
                 population=population_words(source, res), columns=columns,
                 groups=[RowGroup("", rows)], footnotes=unique_texts(notes))


def _durations(source: ReportSource, res: Any) -> pd.DataFrame | None:
    """Per subject (or episode) ``arm, duration, event`` behind a Kaplan-Meier result."""
    episodes = next((r for r in source.results.results or [] if r.shape == "episodes"
                     and r.endpoint == res.endpoint and has_rows(r.table)), None)
    if res.shape == "survival" and episodes is not None and "duration" in episodes.table:
        ep = episodes.table.loc[episodes.table["section"] == "episode"]
        return pd.DataFrame({"arm": ep["arm"].astype(str), "duration": ep["duration"].astype(float),
                             "event": 1 - ep["censored"].fillna(0).astype(int)})
    adtte = source.results.adam.get("adtte")
    if adtte is None or "PARAMCD" not in adtte:
        return None
    rows = adtte.loc[adtte["PARAMCD"] == paramcd_of(str(res.endpoint), source.protocol)]
    arms = subject_arms(source, res.population)
    rows = rows.loc[rows["USUBJID"].isin(arms.index)]
    if rows.empty:
        return None
    return pd.DataFrame({"arm": rows["USUBJID"].map(arms), "duration": rows["AVAL"].astype(float),
                         "event": 1 - rows["CNSR"].astype(int)})


def _curves(source: ReportSource, res: Any, arms: list[str], ticks: list[float]
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    from ...stats import kaplan_meier

    data = _durations(source, res)
    curves, risk = [], []
    level = res.conf_level or 0.95
    t = res.by_arm if has_rows(res.by_arm) else res.table
    for a in arms:
        part = data.loc[data["arm"] == a] if data is not None else pd.DataFrame()
        if len(part):
            grid = sorted({0.0, *part["duration"].tolist()})
            km = kaplan_meier(part["duration"], part["event"], times=grid, conf_level=level)
            km = km.loc[km["term"] == "survival"]
            curves.append(pd.DataFrame({"arm": a, "time": km["time"], "estimate": km["estimate"],
                                        "ci_low": km["ci_low"].fillna(km["estimate"]),
                                        "ci_high": km["ci_high"].fillna(km["estimate"])}))
            at = kaplan_meier(part["duration"], part["event"], times=ticks, conf_level=level)
            at = at.loc[at["term"] == "survival"]
            risk.append(pd.DataFrame({"arm": a, "time": at["time"], "n_risk": at["n_risk"]}))
        else:
            rows = t.loc[(t["arm"] == a) & (t["statistic"] == "survival")].dropna(
                subset=["estimate"])
            if rows.empty:
                continue
            start = pd.DataFrame({"time": [0.0], "estimate": [1.0], "ci_low": [1.0],
                                  "ci_high": [1.0]})
            curves.append(pd.concat([start, rows[["time", "estimate", "ci_low", "ci_high"]]])
                          .assign(arm=a))
            risk.append(pd.DataFrame({"arm": a, "time": rows["time"],
                                      "n_risk": rows.get("n_risk", np.nan)}))
    empty = pd.DataFrame(columns=["arm", "time", "estimate", "ci_low", "ci_high", "n_risk"])
    return (pd.concat(curves, ignore_index=True) if curves else empty,
            pd.concat(risk, ignore_index=True) if risk else empty)


def km_figure(source: ReportSource, res: Any) -> Block | None:
    from ..figures.survival import km_plot

    t = res.by_arm if has_rows(res.by_arm) else res.table
    if "statistic" not in t or "arm" not in t:
        return None
    arms = _arm_order(source, t["arm"].dropna())
    ticks = sorted({0.0, *pd.to_numeric(t.loc[t["statistic"] == "survival", "time"],
                                         errors="coerce").dropna().tolist()})
    curves, risk = _curves(source, res, arms, ticks)
    if curves.empty:
        return None
    arms = [a for a in arms if a in set(curves["arm"])]
    units = res.units or "days"
    fig = km_plot(curves, risk, arms=arms, arm_labels=arm_labels(source, arms),
                  arm_short={a: source.arm_short(a) for a in arms},
                  xlabel=f"Time ({units})", ylabel="Probability without the event (0 to 1)")
    n = int(sum((res.n_by_arm or {}).get(a, 0) for a in arms))
    caption = (f"{_title(source, res)}: Kaplan-Meier estimate by arm with pointwise "
               f"{fmt_conf_level(res.conf_level)} (band); numbers at risk under the "
               f"axis. {population_words(source, res)} (N = {n}). {scrub(source, res.method)}.")
    return figure_block(f"{res.name}_km_curve", f"Kaplan-Meier curve: {_title(source, res)}",
                        caption, fig)


def survival_blocks(source: ReportSource, res: Any) -> list[Block]:
    """The Kaplan-Meier table of a ``survival`` or ``time-to-event`` result and its curve."""
    t = res.by_arm if has_rows(res.by_arm) else res.table
    if not {"statistic", "arm", "estimate"} <= set(t.columns):
        from ._by_shape import generic_table

        return [generic_table(source, res)]
    blocks: list[Block] = [survival_table(source, res)]
    fig = km_figure(source, res)
    if fig is not None:
        blocks.append(fig)
    return blocks

