"""Report section: disposition of participants (ICH E3 14.1), a CONSORT flow and its table.

Read from the ``disposition`` table of the results (one row a stage, arm
and reason: ``stage, arm, n, reason, counted, method``; a row with an empty
reason is the stage's total): how many were enrolled against the planned N
of each arm, eligible, infused, seen at the primary visit, completed or
discontinued (with reasons), and in each analysis population (with the
reasons for exclusion). The stages are the table's own words
(:mod:`t1dtrial.analysis.disposition`), read by their prefix, so every
protocol renders without code of its own.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"stage": ["enrolled", "enrolled", "discontinued", "discontinued"],
...                   "arm": ["MSC", "all", "MSC", "MSC"], "n": [27, 27, 2, 2],
...                   "reason": ["", "", "", "moved away"], "counted": "subjects", "method": ""})
>>> stage_counts(t, "enrolled"), stage_reasons(t, "discontinued")
({'MSC': 27, 'all': 27}, ['moved away'])
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..figures.consort import ConsortFlow, draw_consort_later
from ..document import Column, Figure, Paragraph, RowGroup, Section, Table
from ..formatting import MISSING, fmt_n_percent, fmt_number, fmt_percent
from ..source import ReportSource
from ._study_common import ALL, arm_columns, arm_footnote, population_label, tables, visit_label

__all__ = ["disposition_section", "stage_counts", "stage_reasons", "consort_flow",
           "stage_words"]

_FAMILY = "14.1"

#: Row groups of the disposition table: heading and the stage prefixes it holds.
_GROUPS = (
    ("Enrolment", ("enrolled", "not enrolled")),
    ("Eligibility (not meeting a criterion is a protocol deviation; kept in the analyses)",
     ("eligible", "not eligible", "eligibility not assessable")),
    ("Treatment", ("infused", "not infused", "infusion ")),
    ("Follow-up", ("attended ", "no record at ", "completed", "discontinued", "ongoing")),
    ("Analysis populations", ("in ", "not in ")),
    ("Primary endpoint (full analysis set)", ("primary endpoint",)),
)


def _subjects(table: pd.DataFrame) -> pd.DataFrame:
    if "counted" not in table.columns:
        return table
    return table[table["counted"].astype(str) == "subjects"]


def _reason(table: pd.DataFrame) -> pd.Series:
    return table["reason"].astype(object).where(table["reason"].notna(), "").astype(str)


def stage_counts(table: pd.DataFrame, stage: str, reason: str = "") -> dict[str, int]:
    """``n`` by arm of a stage's total (``reason`` empty) or of one of its reasons."""
    rows = table[(table["stage"] == stage) & (_reason(table) == reason)]
    return {str(a): int(n) for a, n in zip(rows["arm"], rows["n"])}


def stage_reasons(table: pd.DataFrame, stage: str) -> list[str]:
    """The reasons a stage is broken down by, in the table's order."""
    rows = table[(table["stage"] == stage) & (_reason(table) != "")]
    return list(dict.fromkeys(_reason(rows)))


def stage_words(source: ReportSource, stage: str) -> str:
    """A stage of the disposition table in words (``in FAS`` -> ``In the full analysis set``).

    Examples
    --------
    >>> from t1dtrial.analysis import Results
    >>> from t1dtrial.protocol import load_protocol
    >>> src = ReportSource(Results(tables={}), load_protocol("lu2021"))
    >>> stage_words(src, "in SAF"), stage_words(src, "attended M12")
    ('In the safety set', 'Seen at Month 12')
    """
    def pop(code: str) -> str:
        label = population_label(source, code)
        return label if label[:2].isupper() else label[0].lower() + label[1:]

    if stage.startswith("not in "):
        return f"Not in the {pop(stage[7:])}"
    if stage.startswith("in "):
        return f"In the {pop(stage[3:])}"
    if stage.startswith("attended "):
        return f"Seen at {visit_label(source, stage[9:])}"
    if stage.startswith("no record at "):
        return f"No record at {visit_label(source, stage[13:])}"
    words = {"infused": "Received at least one infusion", "not infused": "Not infused",
             "ongoing": "Ongoing at the data cut-off",
             "not enrolled": "Not enrolled (arm not in the protocol)"}
    return words.get(stage, stage[0].upper() + stage[1:])


def _group_of(stage: str) -> int:
    """Index of the row group of a stage in :data:`_GROUPS` (its length for any other stage)."""
    for i, (_, prefixes) in enumerate(_GROUPS):
        for p in prefixes:
            whole = not (p.endswith(" ") or p == "primary endpoint")
            if stage == p if whole else stage.startswith(p):
                return i
    return len(_GROUPS)


def _cells(source: ReportSource, counts: dict[str, int], enrolled: dict[str, int]) -> list[str]:
    cells = [fmt_n_percent(counts[a], enrolled.get(a)) if a in counts else MISSING
             for a in source.arms]
    overall = counts.get(ALL)
    cells.append(MISSING if overall is None else fmt_n_percent(overall, enrolled.get(ALL)))
    return cells


def _planned_rows(source: ReportSource, enrolled: dict[str, int]) -> list[list[str]]:
    planned = {a.code: a.planned_n for a in source.protocol.arms}
    if all(v is None for v in planned.values()):
        return []
    total = sum(v for v in planned.values() if v is not None)
    row = ["Planned (protocol)"] + [fmt_number(planned.get(a), 0) for a in source.arms]
    row.append(fmt_number(total, 0))
    pct = ["Enrolled, % of planned"] + [
        fmt_percent(100 * enrolled.get(a, 0) / planned[a]) if planned.get(a) else MISSING
        for a in source.arms]
    pct.append(fmt_percent(100 * enrolled.get(ALL, 0) / total) if total else MISSING)
    return [row, pct]


def _disposition_table(source: ReportSource, table: pd.DataFrame) -> Table:
    subjects = _subjects(table)
    enrolled = stage_counts(subjects, "enrolled")
    groups: list[RowGroup] = [RowGroup(label, [], []) for label, _ in _GROUPS]
    groups.append(RowGroup("Other", [], []))
    for stage in dict.fromkeys(subjects["stage"]):
        g = groups[_group_of(stage)]
        counts = stage_counts(subjects, stage)
        if stage == "not enrolled":  # arms outside the protocol: the overall column only
            counts = {ALL: sum(int(n) for n in subjects.loc[subjects["stage"] == stage, "n"])}
        g.rows.append([stage_words(source, stage), *_cells(source, counts, enrolled)])
        g.indent.append(0)
        if stage == "not enrolled":
            continue
        for reason in stage_reasons(subjects, stage):
            g.rows.append([reason, *_cells(source, stage_counts(subjects, stage, reason),
                                           enrolled)])
            g.indent.append(1)
        if stage == "enrolled":
            for row in _planned_rows(source, enrolled):
                g.rows.append(row)
                g.indent.append(0)
    notes = ["n (%): participants and percent of the column's enrolled participants; "
             f"{MISSING}: not applicable (e.g. an arm given no infusion).",
             "A stage's reasons (indented) may add up to more than its total when a "
             "participant has several.", arm_footnote(source)]
    return Table(key="disposition", family=_FAMILY, title="Disposition of participants",
                 population="Enrolled", columns=[Column("Stage"), *arm_columns(source, enrolled)],
                 groups=[g for g in groups if g.rows], footnotes=notes)


def _records_table(table: pd.DataFrame) -> Table | None:
    if "counted" not in table.columns:
        return None
    records = table[(table["counted"].astype(str) == "records") & (table["arm"] == ALL)]
    records = records[records["n"] > 0]
    if not len(records):
        return None
    groups = []
    for stage in dict.fromkeys(records["stage"]):
        rows = records[records["stage"] == stage]
        groups.append(RowGroup(stage[0].upper() + stage[1:],
                               [[str(r), fmt_number(n, 0)] for r, n in
                                zip(_reason(rows), rows["n"])]))
    return Table(key="disposition_records", family=_FAMILY,
                 title="Input records not analysed, by reason", population="All input records",
                 columns=[Column("Reason"), Column("Records", align="right")], groups=groups)


def _n(counts: dict[str, int], arm: str) -> str:
    return fmt_number(counts.get(arm, 0), 0)


def _stage_lines(source: ReportSource, subjects: pd.DataFrame, stages: list[str], arm: str,
                 *, drop_zero: tuple[str, ...] = ()) -> list[str]:
    lines = []
    for stage in stages:
        counts = stage_counts(subjects, stage)
        if arm not in counts or (stage in drop_zero and counts[arm] == 0):
            continue
        lines.append(f"{stage_words(source, stage)}: n = {_n(counts, arm)}")
        for reason in stage_reasons(subjects, stage):
            c = stage_counts(subjects, stage, reason)
            if c.get(arm, 0):
                lines.append(f"  {reason}: n = {_n(c, arm)}")
    return lines


def consort_flow(source: ReportSource, table: pd.DataFrame) -> ConsortFlow:
    """The CONSORT flow of a disposition table: enrolment, allocation, follow-up, analysis."""
    subjects = _subjects(table)
    stages = list(dict.fromkeys(subjects["stage"]))
    enrolled = stage_counts(subjects, "enrolled")
    top = [f"Enrolled (n = {_n(enrolled, ALL)})"]
    planned = [a.planned_n for a in source.protocol.arms]
    if all(p is not None for p in planned):
        top.append(f"Planned: n = {fmt_number(sum(planned), 0)}")
    side_stages = [s for s in stages if _group_of(s) == 1 or s == "not enrolled"]
    side = []
    for stage in side_stages:
        if stage == "not enrolled":
            n = int(subjects.loc[subjects["stage"] == stage, "n"].sum())
            side.append(f"{stage_words(source, stage)}: n = {fmt_number(n, 0)}")
            continue
        side += _stage_lines(source, subjects, [stage], ALL)
    if side:
        side = ["Eligibility and enrolment"] + side
    arms = list(source.arms)
    planned_of = {a.code: a.planned_n for a in source.protocol.arms}
    allocation, follow, analysis = [], [], []
    for arm in arms:
        head = f"Allocated to {source.arm_name(arm)} (n = {_n(enrolled, arm)})"
        extra = ([f"Planned: n = {fmt_number(planned_of[arm], 0)}"]
                 if planned_of.get(arm) is not None else [])
        treated = _stage_lines(source, subjects, [s for s in stages if _group_of(s) == 2], arm)
        allocation.append([head, *extra, *(treated or ["No infusion planned"])])
        follow.append([
            source.arm_short(arm), *_stage_lines(source, subjects,
                                       [s for s in stages if _group_of(s) == 3], arm)])
        analysed = _stage_lines(source, subjects, [s for s in stages if _group_of(s) in (4, 5)],
                                arm, drop_zero=tuple(s for s in stages if s.startswith("not in ")
                                                     or s.startswith("primary endpoint m")
                                                     or s.startswith("primary endpoint e")))
        analysis.append(["Analysed", *analysed])
    return ConsortFlow(top=top, arms=[source.arm_name(a) for a in arms], side=side,
                       stages=[("Allocation", allocation), ("Follow-up", follow),
                               ("Analysis", analysis)])


def _figure(source: ReportSource, table: pd.DataFrame) -> Figure:
    flow = consort_flow(source, table)
    exported = draw_consort_later(flow)
    enrolled = stage_counts(_subjects(table), "enrolled")
    caption = (f"Flow of participants (CONSORT), computed from the disposition table; "
               f"{_n(enrolled, ALL)} enrolled. Reasons are given where recorded; "
               "participants not meeting an eligibility criterion are kept as protocol "
               "deviations.")
    from ..figures.consort import consort_size

    return Figure(key="consort", family=_FAMILY, title="Participant flow (CONSORT)",
                  caption=caption, svg="", png=b"", pending=exported,
                  width_inches=min(consort_size(flow)[0], 9.0))


def disposition_section(source: ReportSource) -> Section | None:
    """Disposition: the CONSORT flow diagram and the table of stages by arm.

    Parameters
    ----------
    source : ReportSource

    Returns
    -------
    Section or None
        None when the results have no disposition table.
    """
    table = tables(source).get("disposition")
    if table is None or not len(table) or not {"stage", "arm", "n"} <= set(table.columns):
        return None
    table = table.assign(reason=table["reason"] if "reason" in table.columns else "")
    blocks: list[Any] = [_figure(source, table), _disposition_table(source, table)]
    records = _records_table(table)
    if records is not None:
        blocks.append(records)
    enrolled = stage_counts(_subjects(table), "enrolled")
    short = [a.code for a in source.protocol.arms
             if a.planned_n is not None and enrolled.get(a.code, 0) < a.planned_n]
    if short:
        blocks.append(Paragraph("Enrolment below the planned N in "
                                + ", ".join(source.arm_name(a) for a in short) + ".", "note"))
    return Section("disposition", "Disposition of participants", blocks)
