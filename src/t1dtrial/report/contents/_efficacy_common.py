"""What the efficacy builders share: words for codes, arm columns, figures, the open report.

Every name a reader sees comes from the protocol (endpoint, visit, subgroup
and population labels) or from the :class:`ReportSource` (arms, coded in an
open report). :func:`scrub` replaces any arm code or label left in free text
(a method's description, a note) by the arm's coded name in an open report.

Examples
--------
>>> from t1dtrial.analysis import Results
>>> from t1dtrial.protocol import load_protocol
>>> src = ReportSource(Results(tables={}), load_protocol("lu2021"))
>>> endpoint_label(src.protocol, "fcp_change"), visit_label(src.protocol, "M12")
('Change from baseline in fasting C-peptide', 'Month 12')
>>> subgroup_label(src.protocol, "all")
'All participants'
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..document import Column, Figure, Paragraph, RowGroup, Section, Table
from ..formatting import MISSING, fmt_number, is_missing
from ..plotting import PNG_DPI, drawing, export_later
from ..source import ReportSource

__all__ = ["FAMILY", "endpoint_label", "endpoint_of", "visit_label", "subgroup_label",
           "population_words", "arm_codes", "arm_columns", "arm_of_comparison", "figure_block",
           "scrub", "scrub_section", "subject_arms", "mean_ci", "not_estimable", "has_rows",
           "written_note", "unique_texts", "absent", "method_notes", "result_title", "with_units",
           "arm_labels",
           "blind_note", "BLIND_NOTE"]

#: Numbering family of every efficacy table and figure (ICH E3 14.2).
FAMILY = "14.2"

#: Why an open report shows no comparison of arms.
BLIND_NOTE = ("Open report: arms are coded (Treatment A, B, ...); between-arm comparisons and "
              "arm-level p-values of efficacy are not shown.")


def endpoint_of(protocol: Any, name: str) -> Any | None:
    """The protocol's endpoint named ``name`` (None when the protocol has none)."""
    return next((e for e in protocol.all_endpoints if e.name == name), None)


def endpoint_label(protocol: Any, name: str) -> str:
    """An endpoint in words: its protocol label, else its name with spaces."""
    ep = endpoint_of(protocol, name)
    return ep.label if ep is not None else str(name).replace("_", " ")


def visit_label(protocol: Any, code: object) -> str:
    """A visit in words (``Month 12``); the code itself when the protocol has no such visit."""
    for v in protocol.visits:
        if v.code == code:
            return v.label
    return "" if absent(code) else str(code)


def subgroup_label(protocol: Any, name: object) -> str:
    """A subgroup in words; ``all`` is every participant of the population."""
    if name == "all" or absent(name):
        return "All participants"
    for s in protocol.subgroups:
        if s.name == name:
            return s.label
    return str(name).replace("_", " ")


def population_words(source: ReportSource, res: Any) -> str:
    """``Full analysis set`` for a result's population code.

    The protocol's label; else the words the result's title ends with
    (``... (full analysis set)``); else the code.
    """
    if not res.population:
        return ""
    name = source.population_name(res.population)
    if name != res.population:
        return name
    found = re.search(r"\(([^()]+)\)\s*$", res.title or "")
    return found.group(1)[:1].upper() + found.group(1)[1:] if found else name


def result_title(source: ReportSource, res: Any) -> str:
    """A result's title without its population, endpoint and visit codes in words.

    ``Dose-response: fcp_change at M12 (full analysis set)`` becomes
    ``Dose-response: Change from baseline in fasting C-peptide at Month 12``.
    """
    title = re.sub(r"\s*\([^()]*\)\s*$", "", res.title or res.name)
    if res.endpoint:
        title = re.sub(rf"(?<![\w]){re.escape(res.endpoint)}(?![\w])",
                       endpoint_label(source.protocol, res.endpoint), title)
    for v in source.protocol.visits:
        title = re.sub(rf"(?<![\w-]){re.escape(v.code)}(?![\w-])", v.label, title)
    return title[:1].upper() + title[1:]


def with_units(label: str, units: object) -> str:
    """``label (units)`` unless the label already says its unit."""
    if absent(units) or not str(units) or f"({units})" in label:
        return label
    return f"{label} ({units})"


def arm_codes(source: ReportSource, res: Any) -> list[str]:
    """The arms of a result in the report's order (those with an N, else those in its tables)."""
    present = set(res.n_by_arm or {})
    if not present and res.by_arm is not None and "arm" in res.by_arm:
        present = set(res.by_arm["arm"].astype(str))
    return [a for a in source.arms if a in present]


def arm_labels(source: ReportSource, arms: Iterable[str]) -> dict[str, str]:
    """Arm code -> the name a reader sees (legends)."""
    return {a: source.arm_name(a) for a in arms}


def arm_columns(source: ReportSource, res: Any, arms: list[str]) -> list[Column]:
    """One column an arm, with the N of the result's population in its header."""
    n = res.n_by_arm or {}
    return [Column(source.arm_short(a), n=n.get(a), align="right") for a in arms]


def arm_of_comparison(comparison: object, arms: list[str]) -> int:
    """The column of a comparison's first arm (``LOW vs CONTROL`` -> LOW's), else 0."""
    text = str(comparison)
    found = [(m.start(), i) for i, a in enumerate(arms)
             for m in [re.search(rf"(?<![\w-]){re.escape(a)}(?![\w-])", text)] if m]
    return min(found)[1] if found else 0


def figure_block(key: str, title: str, caption: str, fig: Any, width: float = 6.5) -> Figure:
    """A drawn matplotlib figure as a document :class:`Figure` (SVG and PNG, exported later).

    The layout is computed once and then fixed, so that the two exports do not
    compute it again (twice when an axis carries a secondary axis, which is placed
    from its parent's position). Layout and export run where
    :func:`~t1dtrial.report.plotting.export_later` puts them (a forked child
    where it can); the document waits for them when it is numbered.
    """
    return Figure(key=key, family=FAMILY, title=title, caption=caption, svg="", png=b"",
                  width_inches=width, pending=export_later(fig, prepare=_fix_layout))


def _fix_layout(fig: Any) -> None:
    """Lay the figure out once, as the PNG measures its text, and keep that layout."""
    engine = fig.get_layout_engine()
    if engine is not None:
        dpi = fig.dpi
        fig.dpi = PNG_DPI  # text measured as the PNG draws it (hinting differs with dpi)
        with drawing():
            if any(ax.child_axes for ax in fig.axes):  # placed at draw time: draw once first
                fig.draw_without_rendering()
            engine.execute(fig)
        fig.dpi = dpi
        fig.set_layout_engine("none")


def absent(v: object) -> bool:
    """None or NaN (a text is never absent, unlike :func:`is_missing`)."""
    return v is None or (isinstance(v, float) and v != v) or v is pd.NA or v is pd.NaT


def unique_texts(values: Iterable[object]) -> list[str]:
    """Distinct non-empty texts in order of appearance.

    Examples
    --------
    >>> unique_texts(["a", None, "b", "a", float("nan"), " "])
    ['a', 'b']
    """
    return list(dict.fromkeys(str(v) for v in values if not absent(v) and str(v).strip()))


def has_rows(table: pd.DataFrame | None) -> bool:
    return table is not None and not table.empty


def written_note(res: Any) -> str:
    """Where the result's complete rows are: ``tables/<name>.csv``."""
    where = (res.written.get("table") or res.written.get("by_arm") or [res.name])[0]
    return f"Every row (all subgroups, visits and methods) is in tables/{where}.csv."


def not_estimable(source: ReportSource, res: Any) -> Paragraph:
    """Why a result has no rows: its notes and the analysis' notes that name it."""
    reasons = list(res.notes) + [n for n in getattr(source.results, "notes", []) or []
                                 if res.name in str(n)]
    why = " ".join(unique_texts(reasons)) or ("The analysis gave no estimate (too few "
                                              "participants, arms or events for the method).")
    return Paragraph(f"{result_title(source, res)}: not estimated. {why}", style="note")


def method_notes(source: ReportSource, texts: Iterable[object], label: str = "Method") -> list[str]:
    """Footnotes of the methods of some rows: ``Method: ...``, and for the rows that could
    not be estimated (``not estimable: <reason>``) ``Not estimable (–): <reason>``.

    Examples
    --------
    >>> from t1dtrial.analysis import Results
    >>> from t1dtrial.protocol import load_protocol
    >>> src = ReportSource(Results(tables={}), load_protocol("lu2021"))
    >>> method_notes(src, ["Welch t-test", "not estimable: an arm has no subject", None])
    ['Method: Welch t-test.', 'Not estimable (–): an arm has no subject.']
    """
    from ...analysis._estimable import PREFIX

    notes = []
    for text in unique_texts(texts):
        text = scrub(source, text).rstrip(".")
        if text.startswith(PREFIX):
            notes.append(f"Not estimable ({MISSING}): {text[len(PREFIX):]}.")
        else:
            notes.append(f"{label}: {text}.")
    return notes


def blind_note() -> str:
    return BLIND_NOTE


def subject_arms(source: ReportSource, population: str) -> pd.Series:
    """USUBJID -> arm code of the participants of ``population`` (ADSL's flag)."""
    adsl = source.results.adam.get("adsl")
    if adsl is None or "USUBJID" not in adsl:
        return pd.Series(dtype=object)
    arm = next((c for c in ("ARMCD", "TRT01P", "ARM", "TRT01A") if c in adsl), None)
    if arm is None:
        return pd.Series(dtype=object)
    flag = f"{population}FL"
    rows = adsl.loc[adsl[flag] == "Y"] if population and flag in adsl else adsl
    return rows.set_index("USUBJID")[arm].astype(str)


@lru_cache(maxsize=64)
def _t_quantile(df: int, level: float) -> float:
    from scipy.stats import t

    return float(t.ppf(0.5 + level / 2, df))


def mean_ci(values: pd.DataFrame, by: list[str], column: str, level: float = 0.95) -> pd.DataFrame:
    """Mean, its t interval and n of ``column`` within each group of ``by``.

    Examples
    --------
    >>> d = pd.DataFrame({"g": ["a", "a", "a"], "v": [1.0, 2.0, 3.0]})
    >>> r = mean_ci(d, ["g"], "v")
    >>> int(r["n"].iloc[0]), float(r["mean"].iloc[0]), round(float(r["ci_high"].iloc[0]), 3)
    (3, 2.0, 4.484)
    """
    g = values.dropna(subset=[column]).groupby(by, sort=False)[column]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    half = np.array([_t_quantile(int(n) - 1, level) if n > 1 else np.nan for n in out["n"]])
    se = out["sd"].to_numpy(dtype=float) / np.sqrt(out["n"].to_numpy(dtype=float))
    out["ci_low"] = out["mean"] - half * se
    out["ci_high"] = out["mean"] + half * se
    return out


# ---- the open report -----------------------------------------------------------------
def _replacements(source: ReportSource) -> list[tuple[re.Pattern, str]]:
    pairs = []
    for arm in source.protocol.arms:
        coded = source.arm_name(arm.code)
        pairs.append((arm.label, coded))
        pairs.append((arm.code, coded))
    pairs.sort(key=lambda p: -len(p[0]))
    return [(re.compile(rf"(?<![\w]){re.escape(old)}(?![\w])"), new) for old, new in pairs]


def scrub(source: ReportSource, text: str) -> str:
    """In an open report, every arm code or label in ``text`` replaced by its coded name."""
    if not source.blind or not text:
        return text
    for pattern, new in _replacements(source):
        text = pattern.sub(new, text)
    return text


def scrub_section(source: ReportSource, section: Section) -> Section:
    """Apply :func:`scrub` to every text of a section (titles, cells, footnotes, captions)."""
    if not source.blind:
        return section
    s = lambda t: scrub(source, t)  # noqa: E731
    section.title = s(section.title)
    for block in section.blocks:
        if isinstance(block, Table):
            block.title, block.population = s(block.title), s(block.population)
            block.columns = [Column(s(c.label), c.n, c.align) for c in block.columns]
            block.groups = [RowGroup(s(g.label), [[s(c) for c in row] for row in g.rows],
                                     g.indent) for g in block.groups]
            block.footnotes = [s(f) for f in block.footnotes]
        elif isinstance(block, Figure):
            block.title, block.caption = s(block.title), s(block.caption)
        elif isinstance(block, Paragraph):
            block.text = s(block.text)
    for sub in section.subsections:
        scrub_section(source, sub)
    return section


def cell(value: object, decimals: int) -> str:
    """A number to ``decimals`` places (:data:`MISSING` when missing)."""
    return MISSING if is_missing(value) else fmt_number(value, decimals)
