"""Report section: efficacy (ICH E3 14.2), from the planned analyses' results and ADaM.

Sub-sections, each only when the results have something for it:

1. the primary endpoint by arm and subgroup with its comparisons, a forest
   plot, the interaction test and the sensitivity analyses (:mod:`._primary`);
2. C-peptide over time by arm and by subgroup (:mod:`._trajectories`);
3. a waterfall of percent change at the primary visit;
4. HbA1c, insulin dose and IDAA1c over time;
5. the secondary endpoints, compact (:mod:`._secondary`);
6. the predictor model (shape ``model-terms``);
7. insulin independence: episodes, swimmer plot, Kaplan-Meier (:mod:`._time_to_event`);
8. every other planned analysis, by its shape (:mod:`._by_shape`).

An open (``blind``) report codes the arms and shows no comparison of arms
and no p-value; its text is scrubbed of arm codes and labels.

Examples
--------
>>> from t1dtrial.analysis import Results
>>> from t1dtrial.protocol import load_protocol
>>> efficacy_section(ReportSource(Results(tables={}), load_protocol("lu2021"))) is None
True
"""

from __future__ import annotations

from typing import Any

from ..document import Block, Paragraph, Section
from ..source import ReportSource
from ._by_shape import render_result
from ._comparison import CONTINUOUS, RESPONDER
from ._efficacy_common import BLIND_NOTE, scrub_section
from ._primary import primary_subsection
from ._secondary import responder_list_table
from ._trajectories import glycaemic_subsection, trajectories_subsection, waterfall_subsection

__all__ = ["efficacy_section", "SECONDARY_ROLES", "SECONDARY_SHAPES"]

#: Roles shown as secondary endpoints, in this order.
SECONDARY_ROLES = ("key-secondary", "secondary")
#: Shapes shown in the secondary endpoints' sub-section.
SECONDARY_SHAPES = ("continuous-summary", CONTINUOUS, RESPONDER, "longitudinal")
#: Results that are not efficacy.
_NOT_EFFICACY_SHAPES = ("adverse-events",)
_NOT_EFFICACY_ROLES = ("safety",)


def _results(source: ReportSource) -> list[Any]:
    return [r for r in source.results.results or []
            if r.shape not in _NOT_EFFICACY_SHAPES and r.role not in _NOT_EFFICACY_ROLES]


def _endpoint_order(source: ReportSource, res: Any) -> int:
    names = [e.name for e in source.protocol.all_endpoints]
    return names.index(res.endpoint) if res.endpoint in names else len(names)


def _secondary(source: ReportSource, used: set[str]) -> Section | None:
    blocks: list[Block] = []
    for role in SECONDARY_ROLES:
        picked = [r for r in _results(source) if r.role == role and r.name not in used
                  and r.shape in SECONDARY_SHAPES]
        responders = [r for r in picked if r.shape == RESPONDER and r.by_arm is not None]
        if responders:
            words = "Key secondary" if role == "key-secondary" else "Secondary"
            blocks.append(responder_list_table(source, responders, f"{role}_responders",
                                               f"{words} responder endpoints"))
        rest = sorted((r for r in picked if r not in responders),
                      key=lambda r: (_endpoint_order(source, r), SECONDARY_SHAPES.index(r.shape)))
        for res in rest:
            blocks += render_result(source, res)
        used.update(r.name for r in picked)
    return Section("efficacy_secondary", "Secondary endpoints", blocks) if blocks else None


def _of_shapes(source: ReportSource, used: set[str], shapes: tuple[str, ...]) -> list[Any]:
    return [r for r in _results(source) if r.shape in shapes and r.name not in used]


def _predictors(source: ReportSource, used: set[str]) -> Section | None:
    blocks: list[Block] = []
    for res in _of_shapes(source, used, ("model-terms",)):
        blocks += render_result(source, res)
        used.add(res.name)
    return Section("efficacy_predictors", "Predictors of response", blocks) if blocks else None


def _insulin_independence(source: ReportSource, used: set[str]) -> Section | None:
    episodes = _of_shapes(source, used, ("episodes",))
    endpoints = {r.endpoint for r in episodes}
    km = [r for r in _of_shapes(source, used, ("survival", "time-to-event"))
          if r.shape == "survival" or r.endpoint in endpoints]
    blocks: list[Block] = []
    for res in episodes + km:
        blocks += render_result(source, res)
        used.add(res.name)
    if not blocks:
        return None
    title = (episodes[0].title or "Insulin independence").split(" (")[0] if episodes \
        else "Insulin independence"
    return Section("efficacy_insulin_independence", title, blocks)


def _others(source: ReportSource, used: set[str]) -> Section | None:
    blocks: list[Block] = []
    for res in _results(source):
        if res.name in used:
            continue
        blocks += render_result(source, res)
        used.add(res.name)
    return Section("efficacy_other", "Other planned analyses", blocks) if blocks else None


def efficacy_section(source: ReportSource, *, individual: bool = False) -> Section | None:
    """The efficacy section of the report.

    Parameters
    ----------
    source : ReportSource
        Results, protocol and whether the report is open (blinded).
    individual : bool, default False
        Draw each participant's values faintly behind the mean trajectories.

    Returns
    -------
    Section or None
        None when the analysis has no efficacy result and ADLB has no parameter to draw.
    """
    used: set[str] = set()
    parts = [primary_subsection(source, used),
             trajectories_subsection(source, individual=individual),
             waterfall_subsection(source),
             glycaemic_subsection(source, individual=individual),
             _secondary(source, used), _predictors(source, used),
             _insulin_independence(source, used), _others(source, used)]
    subsections = [p for p in parts if p is not None]
    if not subsections:
        return None
    blocks: list[Block] = [Paragraph(BLIND_NOTE, style="note")] if source.blind else []
    section = Section("efficacy", "Efficacy", blocks, subsections)
    return scrub_section(source, section)
