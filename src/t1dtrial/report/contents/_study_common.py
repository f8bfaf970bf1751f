"""What the study sections share: population and visit words, arm columns, arm footnotes.

The disposition, baseline, safety and listing sections name populations,
visits and arms the same way, through these helpers: a population by its
protocol label (the standard ones by their standard label when the protocol
does not list them), a visit by its label, an arm by
:meth:`~t1dtrial.report.source.ReportSource.arm_short` in a column header
with the arm's label in a footnote (none in a blinded report).

Examples
--------
>>> from t1dtrial.analysis import Results
>>> from t1dtrial.protocol import load_protocol
>>> from t1dtrial.report.source import ReportSource
>>> src = ReportSource(Results(tables={}), load_protocol("dosefinding"))
>>> population_label(src, "FAS"), visit_label(src, "M12")
('Full analysis set', 'Month 12')
>>> [c.header for c in arm_columns(src, {"LOW": 3, "HIGH": 3, "CONTROL": 2, "all": 8})]
['LOW (N = 3)', 'HIGH (N = 3)', 'CONTROL (N = 2)', 'Overall (N = 8)']
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...protocol.populations import protocol_populations
from ..document import Column
from ..source import ReportSource

__all__ = ["ALL", "population_label", "population_flag_of", "visit_label", "arm_columns",
           "arm_footnote", "text_column", "arm_of", "arm_text", "tables"]

#: The ``arm`` value of the rows of every arm together in the contract tables.
ALL = "all"


def population_label(source: ReportSource, code: str) -> str:
    """A population in words: the protocol's label, else the standard one (``Safety set``)."""
    name = source.population_name(code)
    if name != code:
        return name
    for pop in protocol_populations(source.protocol):
        if pop.code == code:
            return pop.label
    return code


def population_flag_of(source: ReportSource, code: str) -> str | None:
    """The ADSL flag of a population (``FASFL``, ``PPROTFL`` ...), or None when unknown."""
    for pop in protocol_populations(source.protocol):
        if pop.code == code:
            return pop.flag
    return None


def visit_label(source: ReportSource, code: str) -> str:
    """A visit in words (``Month 12``); the code itself when the protocol has no such visit."""
    for visit in source.protocol.visits:
        if visit.code == code:
            return visit.label
    return str(code)


def arm_columns(source: ReportSource, n: dict[str, int], *, overall: bool = True,
                align: str = "right") -> list[Column]:
    """One column per arm (reading order) with its N, then ``Overall`` when asked.

    Parameters
    ----------
    n : dict
        N by arm code; the key :data:`ALL` is the overall N (else the sum).
    """
    cols = [Column(source.arm_short(a), n=int(n.get(a, 0)), align=align)  # type: ignore[arg-type]
            for a in source.arms]
    if overall:
        total = n.get(ALL, sum(int(n.get(a, 0)) for a in source.arms))
        cols.append(Column("Overall", n=int(total), align=align))  # type: ignore[arg-type]
    return cols


def arm_footnote(source: ReportSource) -> str:
    """``Arms: MSC, UC-MSC + standard care; ...`` (the open report says arms are coded)."""
    if source.blind:
        return ("Arms are coded (Treatment A, B ...); the code does not follow the "
                "protocol's order of arms.")
    return "Arms: " + "; ".join(f"{source.arm_short(a)}, {source.arm_name(a)}"
                                for a in source.arms) + "."


def arm_text(source: ReportSource, text: str) -> str:
    """Text of the results (a method, a note) with every arm code and label as the reader sees it.

    In a blinded report this replaces each protocol arm code and label by its
    coded name, so that no footnote breaks the code.

    Examples
    --------
    >>> from t1dtrial.analysis import Results
    >>> from t1dtrial.protocol import load_protocol
    >>> src = ReportSource(Results(tables={}), load_protocol("lu2021"), blind=True)
    >>> arm_text(src, "subjects with any TEAE, MSC vs CONTROL") in (
    ...     "subjects with any TEAE, Treatment A vs Treatment B",
    ...     "subjects with any TEAE, Treatment B vs Treatment A")
    True
    """
    if not source.blind:
        return text
    import re

    arms = sorted(source.protocol.arms, key=lambda a: -len(a.label))
    for arm in arms:
        text = text.replace(arm.label, source.arm_name(arm.code))
    codes = sorted((a.code for a in source.protocol.arms), key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(c) for c in codes) + r")\b")
    return pattern.sub(lambda m: source.arm_name(m.group(1)), text)


def text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as stripped text, missing values as ``""`` (an all-empty column when absent)."""
    if column not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    values = frame[column].astype(object)
    return values.where(values.notna(), "").astype(str).str.strip()


def arm_of(frame: pd.DataFrame) -> pd.Series:
    """The planned arm of each row of an ADaM dataset (TRT01P, else ARMCD, else ARM)."""
    for column in ("TRT01P", "ARMCD", "ARM"):
        if column in frame.columns:
            return text_column(frame, column)
    return pd.Series([""] * len(frame), index=frame.index, dtype=object)


def tables(source: ReportSource) -> dict[str, Any]:
    """The output-contract tables of the results (an empty dict when none)."""
    return dict(getattr(source.results, "tables", None) or {})
