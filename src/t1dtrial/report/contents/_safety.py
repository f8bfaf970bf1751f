"""Report section: safety (ICH E3 14.3), adverse events by arm.

Read from the ``adverse-events`` result (else the ``adverse_events`` table:
``category, term, arm, n, subjects, percent, events`` and, for a comparison
of arms, ``estimate, ci_low, ci_high, p_value, method``) and from ADAE:

1. an overview: participants with any treatment-emergent adverse event
   (TEAE), a serious, a related one ... (n (%) of the arm's safety set) and
   the number of events;
2. TEAEs by system organ class and preferred term (ADAE AEBODSYS, AEDECOD;
   else the table's terms), most frequent first;
3. by maximum severity and by relatedness (the table's rows);
4. the between-arm comparison the table carries (no p-value in a blinded report).

Examples
--------
>>> category_words("any TEAE"), category_words("serious TEAE")
('Any TEAE', 'Serious TEAE')
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..document import Column, RowGroup, Section, Table
from ..formatting import MISSING, fmt_ci, fmt_conf_level, fmt_n_percent, fmt_number, fmt_p
from ..source import ReportSource
from ._study_common import (ALL, arm_columns, arm_footnote, arm_of, arm_text, population_label,
                            tables, text_column)

__all__ = ["safety_section", "category_words", "adverse_events_table"]

_FAMILY = "14.3"
_COMPARISON = "comparison"
#: Categories of the table broken down by their ``term`` (shown in tables of their own).
_BY_TERM = ("severity", "relatedness", "body system", "preferred term")
_TEAE = ("TEAE: treatment-emergent adverse event (onset on or after day 0: the first "
         "infusion, else enrolment).")


def category_words(category: str) -> str:
    """A category of the adverse-events table in words (first letter capital)."""
    return category[:1].upper() + category[1:]


def adverse_events_table(source: ReportSource) -> tuple[pd.DataFrame | None, Any]:
    """The adverse-events table (of the ``adverse-events`` result, else by its contract name)."""
    res = next((r for r in getattr(source.results, "results", None) or []
                if r.shape == "adverse-events"), None)
    table = res.table if res is not None and res.table is not None and len(res.table) else \
        tables(source).get("adverse_events")
    if table is None or not len(table) or not {"category", "arm", "subjects"} <= set(table.columns):
        return None, res
    return table, res


def _n_by_arm(source: ReportSource, table: pd.DataFrame, res: Any) -> dict[str, int]:
    """The safety set's N by arm: the table's ``n`` of its first category, else the result's."""
    first = table[table["category"] == table["category"].iloc[0]]
    n = {str(a): int(v) for a, v in zip(first["arm"], first["n"]) if pd.notna(v)}
    if res is not None and res.n_by_arm and not all(a in n for a in source.arms):
        n.update({str(k): int(v) for k, v in res.n_by_arm.items()})
    n.setdefault(ALL, sum(n.get(a, 0) for a in source.arms))
    return n


def _count(rows: pd.DataFrame, arm: str, column: str) -> Any:
    hit = rows[rows["arm"] == arm]
    return hit[column].iloc[0] if len(hit) and column in hit else None


def _overview(source: ReportSource, table: pd.DataFrame, n: dict[str, int]) -> Table:
    arms = [*source.arms, ALL]
    plain = table[(text_column(table, "term") == "") & (table["category"] != _COMPARISON)]
    subjects, events = [], []
    for category in dict.fromkeys(plain["category"]):
        rows = plain[plain["category"] == category]
        counts = [_count(rows, a, "subjects") for a in arms]
        evs = [_count(rows, a, "events") for a in arms]
        if "TEAE" not in category and not any((c or 0) > 0 or (e or 0) > 0
                                              for c, e in zip(counts, evs)):
            continue  # e.g. no event outside the safety set: nothing to say
        subjects.append([category_words(category),
                         *[fmt_n_percent(c, n.get(a)) for c, a in zip(counts, arms)]])
        events.append([category_words(category), *[fmt_number(e, 0) for e in evs]])
    return Table(key="ae_overview", family=_FAMILY, title="Overview of adverse events",
                 population=population_label(source, "SAF"),
                 columns=[Column("Category"), *arm_columns(source, n)],
                 groups=[RowGroup("Participants with at least one event, n (%)", subjects),
                         RowGroup("Events, n", events)],
                 footnotes=[_TEAE, "n (%): participants and percent of the column's N (safety "
                            "set); a participant is counted once per row.", arm_footnote(source)])


def _teae(source: ReportSource) -> pd.DataFrame | None:
    adae = (getattr(source.results, "adam", None) or {}).get("adae")
    if adae is None or not len(adae):
        return None
    keep = pd.Series(True, index=adae.index)
    for flag in ("SAFFL", "TRTEMFL"):
        if flag in adae.columns:
            keep &= text_column(adae, flag) == "Y"
    return adae[keep].assign(_ARM=arm_of(adae[keep]))


def _soc_pt(source: ReportSource, table: pd.DataFrame, n: dict[str, int]) -> Table | None:
    """TEAEs by body system and preferred term from ADAE (else the table's term rows)."""
    arms = [*source.arms, ALL]
    teae = _teae(source)
    groups: list[RowGroup] = []
    if teae is not None and "AEDECOD" in teae.columns:
        soc = text_column(teae, "AEBODSYS") if "AEBODSYS" in teae.columns else None
        teae = teae.assign(_SOC=soc if soc is not None else "", _PT=text_column(teae, "AEDECOD"))

        def cells(rows: pd.DataFrame) -> list[str]:
            return [fmt_n_percent(rows.loc[rows["_ARM"] == a, "USUBJID"].nunique()
                                  if a != ALL else rows["USUBJID"].nunique(), n.get(a))
                    for a in arms]

        def order(frame: pd.DataFrame, key: str) -> list[str]:
            counts = frame.groupby(key)["USUBJID"].nunique()
            return sorted(counts.index, key=lambda k: (-counts[k], k))

        rows, indent = [], []
        for soc_name in order(teae, "_SOC"):
            in_soc = teae[teae["_SOC"] == soc_name]
            if soc is not None:
                rows.append([soc_name or "Not coded", *cells(in_soc)])
                indent.append(0)
            for pt in order(in_soc, "_PT"):
                rows.append([pt, *cells(in_soc[in_soc["_PT"] == pt])])
                indent.append(1 if soc is not None else 0)
        groups.append(RowGroup("", rows or [["None", *[MISSING] * len(arms)]], indent))
        note = ("System organ class (ADAE AEBODSYS) and preferred term (AEDECOD), most "
                "frequent first; a participant is counted once per class and once per term.")
    else:
        for category in ("body system", "preferred term"):
            part = table[table["category"] == category]
            rows = [[term, *[fmt_n_percent(_count(part[part["term"] == term], a, "subjects"),
                                           n.get(a)) for a in arms]]
                    for term in dict.fromkeys(part["term"])]
            if rows:
                groups.append(RowGroup(category_words(category), rows))
        note = "Terms as recorded in the adverse-events table."
        if not groups:
            return None
    return Table(key="ae_soc_pt", family=_FAMILY,
                 title="Treatment-emergent adverse events by system organ class and preferred "
                       "term", population=population_label(source, "SAF"),
                 columns=[Column("System organ class / preferred term"),
                          *arm_columns(source, n)], groups=groups,
                 footnotes=[note, "n (%): participants and percent of the column's N.", _TEAE])


def _by_term(source: ReportSource, table: pd.DataFrame, n: dict[str, int], category: str,
             title: str, note: str) -> Table | None:
    part = table[table["category"] == category]
    if not len(part):
        return None
    arms = [*source.arms, ALL]
    subjects, events = [], []
    for term in dict.fromkeys(text_column(part, "term")):
        rows = part[text_column(part, "term") == term]
        subjects.append([term.capitalize(), *[fmt_n_percent(_count(rows, a, "subjects"),
                                                            n.get(a)) for a in arms]])
        events.append([term.capitalize(), *[fmt_number(_count(rows, a, "events"), 0)
                                            for a in arms]])
    return Table(key=f"ae_{category.replace(' ', '_')}", family=_FAMILY, title=title,
                 population=population_label(source, "SAF"),
                 columns=[Column(category_words(category)), *arm_columns(source, n)],
                 groups=[RowGroup("Participants, n (%)", subjects), RowGroup("Events, n", events)],
                 footnotes=[note, _TEAE])


def _estimate_name(method: str) -> str:
    text = method.lower()
    for name in ("risk difference", "odds ratio", "risk ratio", "rate ratio", "hazard ratio"):
        if name in text:
            return name[:1].upper() + name[1:]
    return "Estimate"


def _comparison(source: ReportSource, table: pd.DataFrame) -> Table | None:
    part = table[table["category"] == _COMPARISON]
    if not len(part) or "estimate" not in part.columns:
        return None
    method = str(part["method"].iloc[0]) if "method" in part.columns else ""
    level = part["conf_level"].iloc[0] if "conf_level" in part.columns else None
    show_p = not source.blind and "p_value" in part.columns
    rows = []
    for r in part.itertuples():
        row = [category_words(str(getattr(r, "term", "") or "")),
               source.comparison_name(str(r.arm)), fmt_number(r.estimate, 2),
               fmt_ci(getattr(r, "ci_low", None), getattr(r, "ci_high", None), 2)]
        rows.append(row + ([fmt_p(r.p_value)] if show_p else []))
    columns = [Column("Category"), Column("Comparison"),
               Column(_estimate_name(method), align="right"),
               Column(fmt_conf_level(level), align="right")]
    if show_p:
        columns.append(Column("p-value", align="right"))
    notes = [arm_text(source, method)] if method else []
    if show_p and "multiplicity" in part.columns and part["multiplicity"].notna().any():
        notes.append(f"p-values: {part['multiplicity'].dropna().iloc[0]}.")
    if source.blind:
        notes.append("Open report: no between-arm p-value is shown.")
    return Table(key="ae_comparison", family=_FAMILY,
                 title="Comparison of arms: participants with adverse events",
                 population=population_label(source, "SAF"), columns=columns,
                 groups=[RowGroup("", rows)], footnotes=notes)


def safety_section(source: ReportSource) -> Section | None:
    """Safety: overview, by system organ class and term, severity, relatedness, comparison.

    Parameters
    ----------
    source : ReportSource

    Returns
    -------
    Section or None
        None when the results have no adverse-events table.
    """
    table, res = adverse_events_table(source)
    if table is None:
        return None
    n = _n_by_arm(source, table, res)
    blocks = [_overview(source, table, n), _soc_pt(source, table, n),
              _by_term(source, table, n, "severity",
                       "Treatment-emergent adverse events by maximum severity",
                       "Participants by the worst severity of their events; events by their own."),
              _by_term(source, table, n, "relatedness",
                       "Treatment-emergent adverse events by relatedness to treatment",
                       "Participants by the strongest relatedness of their events; events by "
                       "their own."),
              _comparison(source, table)]
    return Section("safety", "Safety", [b for b in blocks if b is not None])
