"""The CONSORT flow diagram: boxes and arrows, one column per arm, drawn from counts.

:func:`draw_consort` lays out a :class:`ConsortFlow` (the enrolment box, an
optional box of participants set aside beside it, then stages such as
allocation, follow-up and analysis with one box per arm) with matplotlib's
object API (:class:`~matplotlib.patches.FancyBboxPatch` boxes,
``Axes.annotate`` arrows), in black on white with grey stage bands, so it
reads in greyscale. It knows nothing of the trial: the report's disposition
section computes the lines of text from the disposition table. Export is
deterministic (:func:`t1dtrial.report.plotting.export`).

Examples
--------
>>> flow = ConsortFlow(top=["Enrolled (n = 3)"], arms=["A", "B"],
...     stages=[("Allocation", [["Allocated to A (n = 2)"], ["Allocated to B (n = 1)"]]),
...             ("Analysis", [["Analysed (n = 2)"], ["Analysed (n = 1)"]])])
>>> svg, png = draw_consort(flow)
>>> "Enrolled (n = 3)" in svg and png[:4] == b"\\x89PNG"
True
>>> draw_consort(flow) == (svg, png)
True
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable

from ..plotting import drawing, export, export_later, new_figure

__all__ = ["ConsortFlow", "draw_consort", "draw_consort_later", "consort_figure", "consort_size"]

_FONT = 7.5  # points
_LINE = 0.14  # inches a line of text takes
_PAD = 0.07  # inches inside a box
_GAP = 0.3  # inches between rows of boxes (room for an arrow)
_BAND = 0.2  # inches of a stage's band
_MARGIN = 0.12
_COLUMN = 2.15  # inches a column of an arm takes (at least)
_WIDEST = 3.2  # inches of an arm's box, at most (a single arm does not span the page)


@dataclass
class ConsortFlow:
    """What the diagram says, as lines of text (the first line of a box is its heading).

    Attributes
    ----------
    top : list of str
        The enrolment box.
    arms : list of str
        Arm names, one column each, in reading order.
    stages : list of (str, list of list of str)
        Each stage's name and, per arm, the lines of its box.
    side : list of str
        A box beside the enrolment box (participants set aside, deviations); empty for none.
    """

    top: list[str]
    arms: list[str]
    stages: list[tuple[str, list[list[str]]]] = field(default_factory=list)
    side: list[str] = field(default_factory=list)


_KEEP = "\x1f"  # joins "n = 27" so that a line never breaks inside a count


def _wrap(lines: list[str], width_in: float, *, bold: bool = False) -> list[str]:
    chars = max(16, int((width_in - 2 * _PAD) * (14.5 if bold else 16.5)))
    out: list[str] = []
    for line in lines:
        indent = len(line) - len(line.lstrip(" "))
        kept = line.strip().replace("n = ", f"n{_KEEP}={_KEEP}")
        out += [w.replace(_KEEP, " ") for w in textwrap.wrap(
            kept, chars - indent, initial_indent=" " * indent,
            subsequent_indent=" " * (indent + 2))] or [""]
    return out


def _lines(box: list[str], width_in: float) -> tuple[list[str], list[str]]:
    """A box's heading (its first line, bold) and body, wrapped to the box's width."""
    if not box:
        return [], []
    return _wrap(box[:1], width_in, bold=True), _wrap(box[1:], width_in)


def _height(box: list[str], width_in: float) -> float:
    head, body = _lines(box, width_in)
    return 2 * _PAD + _LINE * max(1, len(head) + len(body))


def consort_size(flow: ConsortFlow) -> tuple[float, float]:
    """Width and height (inches) of the diagram of ``flow``."""
    width = max(6.5, _COLUMN * len(flow.arms) + 2 * _MARGIN)
    col = (width - 2 * _MARGIN) / max(1, len(flow.arms))
    top_w, side_w = _top_widths(width, bool(flow.side))
    height = _MARGIN + max(_height(flow.top, top_w),
                           _height(flow.side, side_w) if flow.side else 0) + _GAP
    for _, boxes in flow.stages:
        height += _BAND + 0.08 + max(_height(b, _box_width(col)) for b in boxes) + _GAP
    return width, height - _GAP + _MARGIN


def _box_width(col: float) -> float:
    return min(col - 0.16, _WIDEST)


def _top_widths(width: float, side: bool) -> tuple[float, float]:
    return (min(3.0, width * 0.42), min(3.0, width * 0.36)) if side else (min(3.4, width * 0.5), 0)


def _box(ax, x: float, y: float, w: float, box: list[str], *, fill: str = "white") -> float:
    """A box with its top-left corner at (x, y); the first line bold. Returns its height."""
    from matplotlib.patches import FancyBboxPatch

    h = _height(box, w)
    head, body = _lines(box, w)
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=0.04",
                                facecolor=fill, edgecolor="black", linewidth=0.8, zorder=2))
    if head:
        ax.text(x + _PAD, y + _PAD, "\n".join(head), ha="left", va="top", fontsize=_FONT,
                fontweight="bold", linespacing=1.33, zorder=3)
    if body:
        ax.text(x + _PAD, y + _PAD + _LINE * len(head), "\n".join(body), ha="left", va="top",
                fontsize=_FONT, linespacing=1.33, zorder=3)
    return h


def _arrow(ax, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate("", xy=end, xytext=start, zorder=1,
                arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 0.8,
                            "shrinkA": 0, "shrinkB": 0, "mutation_scale": 8})


def draw_consort(flow: ConsortFlow) -> tuple[str, bytes]:
    """Draw the flow diagram.

    Parameters
    ----------
    flow : ConsortFlow

    Returns
    -------
    (str, bytes)
        SVG text (text kept as text, so the counts can be searched) and PNG bytes.
    """
    return export(consort_figure(flow))


def draw_consort_later(flow: ConsortFlow) -> Callable[[], tuple[str, bytes]]:
    """:func:`draw_consort`, exported by :func:`~t1dtrial.report.plotting.export_later`."""
    return export_later(consort_figure(flow))


def consort_figure(flow: ConsortFlow) -> Any:
    """The flow diagram as a matplotlib figure (boxes placed by hand, in inches)."""
    width, height = consort_size(flow)
    n_arms = max(1, len(flow.arms))
    col = (width - 2 * _MARGIN) / n_arms
    with drawing():
        fig = new_figure(width, height)
        fig.set_layout_engine("none")  # the boxes are placed by hand, in inches
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)  # y grows downwards, in inches
        ax.set_axis_off()
        top_w, side_w = _top_widths(width, bool(flow.side))
        top_x = (width / 2 - top_w / 2) if not flow.side else max(_MARGIN, width * 0.42 - top_w / 2
                                                                  - 0.2)
        top_h = _box(ax, top_x, _MARGIN, top_w, flow.top)
        row_h = top_h
        if flow.side:
            side_x = width - _MARGIN - side_w
            side_h = _box(ax, side_x, _MARGIN, side_w, flow.side, fill="#f2f2f2")
            row_h = max(top_h, side_h)
            _arrow(ax, (top_x + top_w, _MARGIN + top_h / 2), (side_x, _MARGIN + top_h / 2))
        y = _MARGIN + row_h + _GAP
        bottoms = [(top_x + top_w / 2, _MARGIN + top_h)]  # where arrows start
        centres = [_MARGIN + col * (i + 0.5) for i in range(n_arms)]
        for s, (name, boxes) in enumerate(flow.stages):
            from matplotlib.patches import FancyBboxPatch

            ax.add_patch(FancyBboxPatch((_MARGIN, y), width - 2 * _MARGIN, _BAND,
                                        boxstyle="round,pad=0,rounding_size=0.03",
                                        facecolor="#d9d9d9", edgecolor="none", zorder=0))
            ax.text(width / 2, y + _BAND / 2, name, ha="center", va="center", fontsize=_FONT + 0.5,
                    fontweight="bold", zorder=3)
            box_y = y + _BAND + 0.08
            heights = []
            for i, lines in enumerate(boxes):
                x = centres[i] - _box_width(col) / 2
                heights.append(_box(ax, x, box_y, _box_width(col), lines))
                start = bottoms[0] if s == 0 else bottoms[i]
                if s == 0 and n_arms > 1:  # from the enrolment box to every arm, by a bus line
                    bus = y - _GAP / 2
                    ax.plot([start[0], start[0]], [start[1], bus], color="black", linewidth=0.8)
                    ax.plot([centres[0], centres[-1]], [bus, bus], color="black", linewidth=0.8)
                    _arrow(ax, (centres[i], bus), (centres[i], box_y))
                else:
                    _arrow(ax, (centres[i], start[1]), (centres[i], box_y))
            bottoms = [(centres[i], box_y + h) for i, h in enumerate(heights)]
            y = box_y + max(heights) + _GAP
    return fig
