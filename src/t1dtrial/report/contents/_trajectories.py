"""Measurements over time from ADLB: C-peptide trajectories (by arm and by subgroup), the
waterfall of percent change at the primary visit, and HbA1c, insulin dose and IDAA1c.

Values are the analysis records of ADLB (``ANL01FL = Y``) of the participants
of the primary analysis' population; means with their t interval at the
analysis' confidence level, n per visit and arm under each axis. Parameters
are found by their code (:data:`t1dtrial.protocol.vocabulary.CPEPTIDE_PARAMS`,
with the meal-test AUCs ``CPAUC<minutes>`` and ``CPMAUC<minutes>``, and :data:`GLYCAEMIC`) and named by ADLB's PARAM (words and unit); a
parameter absent from ADLB is skipped.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...protocol.vocabulary import CPEPTIDE_PARAMS
from ..document import Block, Section
from ..formatting import fmt_conf_level, fmt_number
from ..source import ReportSource
from ._comparison import endpoint_params
from ._efficacy_common import (arm_labels, endpoint_label, figure_block, mean_ci, population_words,
                               subgroup_label, subject_arms, visit_label)
from ._primary import primary_result

__all__ = ["GLYCAEMIC", "analysis_values", "trajectories_subsection", "waterfall_subsection",
           "glycaemic_subsection", "param_words"]

#: Glycaemic control over time: HbA1c, the insulin dose (per kg where derived) and IDAA1c.
GLYCAEMIC: tuple[tuple[str, ...], ...] = (("HBA1C",), ("INSDOSE", "INSULIN"), ("IDAA1C",))


def param_words(param: str) -> tuple[str, str]:
    """ADLB's PARAM split into its words and its unit: ``('HbA1c', '%')``.

    Examples
    --------
    >>> param_words("Fasting C-peptide (nmol/L)")
    ('Fasting C-peptide', 'nmol/L')
    """
    text = str(param)
    if text.endswith(")") and " (" in text:
        words, unit = text[:-1].rsplit(" (", 1)
        return words, unit
    return text, ""


def analysis_values(source: ReportSource, population: str, params: list[str]) -> pd.DataFrame:
    """ADLB analysis records of ``params`` for the population: one row a subject, parameter, visit.

    Columns ``USUBJID, arm, PARAMCD, PARAM, AVISIT, AVISITN, AVAL, PCHG``.
    """
    adlb = source.results.adam.get("adlb")
    arms = subject_arms(source, population)
    if adlb is None or arms.empty or "PARAMCD" not in adlb:
        return pd.DataFrame(columns=["USUBJID", "arm", "PARAMCD", "PARAM", "AVISIT", "AVISITN",
                                     "AVAL", "PCHG"])
    rows = adlb.loc[adlb["PARAMCD"].isin(params) & adlb["USUBJID"].isin(arms.index)]
    if "ANL01FL" in rows:
        rows = rows.loc[rows["ANL01FL"] == "Y"]
    keep = [c for c in ("USUBJID", "PARAMCD", "PARAM", "AVISIT", "AVISITN", "AVAL", "PCHG")
            if c in rows]
    out = rows[keep].copy()
    out["arm"] = out["USUBJID"].map(arms)
    return out


def _population(source: ReportSource) -> tuple[str, Any]:
    res = primary_result(source)
    return (res.population if res is not None and res.population else "FAS"), res


def cpeptide_summaries(source: ReportSource) -> list[str]:
    """ADLB's C-peptide summaries: fasting, postprandial, then the meal-test AUCs derived
    (``CPAUC120``, ``CPMAUC180`` ...), not the meal test's single samples.

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.analysis import Results
    >>> from t1dtrial.protocol import load_protocol
    >>> adlb = pd.DataFrame({"PARAMCD": ["CP30", "CPAUC120", "FCP", "HBA1C", "PCP"]})
    >>> cpeptide_summaries(ReportSource(Results(tables={}, adam={"adlb": adlb}),
    ...                                 load_protocol("lu2021")))
    ['FCP', 'PCP', 'CPAUC120']
    """
    adlb = source.results.adam.get("adlb")
    if adlb is None or "PARAMCD" not in adlb:
        return []
    codes = {str(c) for c in adlb["PARAMCD"].dropna().unique()}
    order = {c: i for i, c in enumerate(CPEPTIDE_PARAMS)}  # FCP, PCP, CPAUC, CPMAUC
    stem = {c: c.rstrip("0123456789") for c in codes}  # CPAUC120 -> CPAUC
    found = [c for c in codes if c in order or (stem[c] in order and stem[c] != c)]
    return sorted(found, key=lambda c: (order[stem[c]] if stem[c] in order else order[c], c))


def _present(values: pd.DataFrame, codes: tuple[str, ...]) -> list[str]:
    have = set(values["PARAMCD"])
    return [c for c in codes if c in have]


def _trajectory_figure(source: ReportSource, values: pd.DataFrame, params: list[str],
                       key: str, title: str, what: str, *, level: float,
                       subgroups: list[tuple[str, set]] | None = None,
                       individual: bool = False) -> Block:
    from ..figures.trajectory import trajectory_plot

    arms = [a for a in source.arms if a in set(values["arm"])]
    words = {p: param_words(values.loc[values["PARAMCD"] == p, "PARAM"].iloc[0]) for p in params}
    words = {p: (label.split(", ")[0], unit) for p, (label, unit) in words.items()}
    visits = (values[["AVISITN", "AVISIT"]].drop_duplicates("AVISITN").sort_values("AVISITN")
              .set_index("AVISITN")["AVISIT"])
    position = {day: float(i) for i, day in enumerate(visits.index)}
    parts, lines, panels = [], [], {}
    for sub_name, members in subgroups or [("all", None)]:
        v = values if members is None else values.loc[values["USUBJID"].isin(members)]
        for p in params:
            key_p = f"{sub_name}:{p}"
            label, unit = words[p]
            panels[key_p] = (label if members is None else
                             f"{label}\n{subgroup_label(source.protocol, sub_name)}",
                             f"{label} ({unit})" if unit else label)
            one = v.loc[v["PARAMCD"] == p]
            s = mean_ci(one, ["arm", "AVISITN"], "AVAL", level)
            parts.append(s.assign(panel=key_p, x=s["AVISITN"].map(position)))
            if individual:
                lines.append(pd.DataFrame({"panel": key_p, "arm": one["arm"],
                                           "subject": one["USUBJID"],
                                           "x": one["AVISITN"].map(position),
                                           "value": one["AVAL"]}))
    ticks = {float(position[day]): str(code) for day, code in visits.items()}
    summary = pd.concat(parts, ignore_index=True)
    fig = trajectory_plot(summary, arms=arms, arm_labels=arm_labels(source, arms),
                          arm_short={a: source.arm_short(a) for a in arms}, panels=panels,
                          xticks=ticks, xlabel="Scheduled visit",
                          ncols=len(params) if subgroups else min(len(params), 2),
                          individual=pd.concat(lines, ignore_index=True) if lines else None)
    n = values["USUBJID"].nunique()
    schedule = ", ".join(f"{code} day {int(day)}" for day, code in visits.items())
    caption = (f"{what}: mean with {fmt_conf_level(level)} (t distribution) by arm at each "
               f"scheduled visit ({schedule}); n under each axis is the number of participants "
               "with a value. "
               f"{population_words_of(source)} (N = {n}); analysis records of ADLB, observed "
               "values (no imputation)."
               + (" Thin lines: individual participants." if individual else ""))
    return figure_block(key, title, caption, fig)


def population_words_of(source: ReportSource) -> str:
    population, res = _population(source)
    return population_words(source, res) if res is not None else source.population_name(population)


def _subgroup_sets(source: ReportSource) -> list[list[tuple[str, set]]]:
    """Members of each protocol subgroup, grouped by partition (their ADSL flags, ``SGADONFL``...)."""
    adsl = source.results.adam.get("adsl")
    if adsl is None:
        return []
    partitions: dict[str, list[tuple[str, set]]] = {}
    for sg in source.protocol.subgroups:
        flag = sg.flag
        if flag in adsl:
            members = set(adsl.loc[adsl[flag] == "Y", "USUBJID"])
            partitions.setdefault(sg.partition or sg.name, []).append((sg.name, members))
    return list(partitions.values())


def trajectories_subsection(source: ReportSource, *, individual: bool = False) -> Section | None:
    """C-peptide over time by arm, and by each partition of the protocol's subgroups."""
    population, res = _population(source)
    level = (res.conf_level if res is not None and res.conf_level else
             source.protocol.analysis.conf_level)
    values = analysis_values(source, population, cpeptide_summaries(source))
    params = cpeptide_summaries(source)
    if not params:
        return None
    blocks = [_trajectory_figure(source, values, params, "cpeptide_trajectories",
                                 "C-peptide over time by arm", "C-peptide", level=level,
                                 individual=individual)]
    for i, partition in enumerate(_subgroup_sets(source)):
        shown = params[:3]
        names = " and ".join(subgroup_label(source.protocol, n) for n, _ in partition)
        blocks.append(_trajectory_figure(
            source, values, shown, f"cpeptide_trajectories_subgroups_{i + 1}",
            f"C-peptide over time by arm and subgroup ({names})", "C-peptide by subgroup",
            level=level, subgroups=partition, individual=individual))
    return Section("efficacy_cpeptide", "C-peptide over time", blocks)


def waterfall_subsection(source: ReportSource) -> Section | None:
    """Percent change from baseline at the primary visit of the primary endpoint's parameters."""
    from ..figures.waterfall import waterfall_plot

    population, res = _population(source)
    ep = source.protocol.primary_endpoint
    params = endpoint_params(source.protocol, ep.name)
    values = analysis_values(source, population, params)
    values = values.loc[values["AVISIT"] == ep.visit].dropna(subset=["PCHG"]) \
        if "PCHG" in values else values.iloc[0:0]
    params = [p for p in params if p in set(values["PARAMCD"])]
    if not params:
        return None
    arms = [a for a in source.arms if a in set(values["arm"])]
    panels = {p: param_words(values.loc[values["PARAMCD"] == p, "PARAM"].iloc[0])[0]
              for p in params}
    threshold = getattr(ep, "threshold_pct", None)
    data = pd.DataFrame({"panel": values["PARAMCD"], "arm": values["arm"],
                         "value": values["PCHG"].astype(float)})
    fig = waterfall_plot(data, arms=arms, arm_labels=arm_labels(source, arms), panels=panels,
                         ylabel="Change from baseline (%)",
                         threshold=None if threshold is None else float(threshold),
                         threshold_label=f"Responder threshold {fmt_number(threshold, 0)} %"
                         if threshold is not None else "")
    visit = visit_label(source.protocol, ep.visit)
    rule = (f"; dashed line: the threshold of the primary endpoint "
            f"({endpoint_label(source.protocol, ep.name)})" if threshold is not None else "")
    counts = ", ".join(f"{panels[p]} n = {int((values['PARAMCD'] == p).sum())}" for p in params)
    caption = (f"Percent change from baseline at {visit}, one bar a participant, sorted; "
               f"{population_words_of(source)}, participants with a baseline and a {visit} "
               f"value ({counts}){rule}. Bars beyond the axis are clipped (caret).")
    block = figure_block("primary_waterfall", f"Percent change from baseline at {visit}",
                         caption, fig)
    return Section("efficacy_waterfall", f"Percent change at {visit}", [block])


def glycaemic_subsection(source: ReportSource, *, individual: bool = False) -> Section | None:
    """HbA1c, insulin dose and IDAA1c over time by arm (those in ADLB)."""
    population, res = _population(source)
    level = (res.conf_level if res is not None and res.conf_level else
             source.protocol.analysis.conf_level)
    wanted = [c for group in GLYCAEMIC for c in group]
    values = analysis_values(source, population, wanted)
    have = set(values["PARAMCD"])
    params = [next(c for c in group if c in have) for group in GLYCAEMIC
              if any(c in have for c in group)]
    if not params:
        return None
    names = "; ".join(param_words(values.loc[values["PARAMCD"] == p, "PARAM"].iloc[0])[0]
                      for p in params)
    block = _trajectory_figure(source, values, params, "glycaemic_trajectories",
                               "Glycaemic control and insulin dose over time by arm", names,
                               level=level,
                               individual=individual)
    return Section("efficacy_glycaemic", "Glycaemic control and insulin dose over time", [block])
