"""What every figure of the report shares: arm styles readable in greyscale, and deterministic export.

Figures are drawn with matplotlib's object API (:class:`matplotlib.figure.Figure`),
never through ``pyplot``: the caller's backend and open figures are left
alone. An arm is told apart by marker, line style and hatch as well as by
colour, so a greyscale print stays readable. :func:`export` writes SVG without
time stamps and with a fixed hash salt, and PNG without software metadata:
the same data give byte-identical files.

Examples
--------
>>> with drawing():
...     fig = new_figure(4, 3)
...     ax = fig.add_subplot()
...     _ = ax.plot([0, 1], [0, 1], **arm_style(0).line())
>>> svg, png = export(fig)
>>> svg.startswith("<?xml") and png[:4] == b"\\x89PNG"
True
>>> export(fig) == (svg, png)
True
"""

from __future__ import annotations

import io
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

from matplotlib.figure import Figure as MplFigure

__all__ = ["ArmStyle", "arm_style", "drawing", "new_figure", "export", "export_later", "RC",
           "PNG_DPI", "fit_text"]

#: Resolution of the PNG files (Word, figures folder).
PNG_DPI = 150

#: matplotlib settings of every figure (applied with ``matplotlib.rc_context``).
RC: dict[str, Any] = {
    "svg.hashsalt": "t1dtrial",
    "svg.fonttype": "none",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "legend.frameon": False,
}

# Colour-blind-safe colours (Okabe-Ito) that also differ in lightness.
_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
_LINES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 1)))
_HATCHES = ("", "//", "..", "xx", "\\\\", "++", "oo")


@dataclass(frozen=True)
class ArmStyle:
    """How one arm is drawn: colour, marker, line style and hatch."""

    colour: str
    marker: str
    linestyle: Any
    hatch: str

    def line(self) -> dict[str, Any]:
        """Keyword arguments of ``Axes.plot`` for this arm."""
        return {"color": self.colour, "marker": self.marker, "linestyle": self.linestyle,
                "markersize": 4, "linewidth": 1.4}

    def bar(self) -> dict[str, Any]:
        """Keyword arguments of ``Axes.bar`` / ``barh`` for this arm."""
        return {"color": self.colour, "hatch": self.hatch, "edgecolor": "black",
                "linewidth": 0.5}


def arm_style(index: int) -> ArmStyle:
    """The style of the ``index``-th arm (in the report's arm order).

    Examples
    --------
    >>> arm_style(0).marker, arm_style(1).marker
    ('o', 's')
    """
    i = index % len(_COLOURS)
    return ArmStyle(_COLOURS[i], _MARKERS[i], _LINES[i], _HATCHES[i])


def fit_text(text: str, inches: float, fontsize: float = 9) -> str:
    """``text`` wrapped into lines that fit ``inches`` at ``fontsize`` points (titles, axis
    labels: a figure's text is never cut at its edge).

    Examples
    --------
    >>> fit_text("C-peptide mean AUC of the meal test (nmol/L)", 2.0)
    'C-peptide mean AUC of the\\nmeal test (nmol/L)'
    """
    import textwrap

    chars = max(8, int(inches * 72 / (0.55 * fontsize)))  # a character is about 0.55 em wide
    return "\n".join(textwrap.wrap(str(text), chars)) or str(text)


def drawing() -> Any:
    """A context in which figures are drawn in the report's style (matplotlib reads
    most settings when an artist is made, so draw inside it)."""
    import matplotlib

    return matplotlib.rc_context(RC)


def new_figure(width: float, height: float) -> MplFigure:
    """A figure of ``width`` x ``height`` inches, independent of pyplot (draw inside :func:`drawing`)."""
    return MplFigure(figsize=(width, height), layout="constrained")


def export(fig: MplFigure) -> tuple[str, bytes]:
    """The figure as SVG text and PNG bytes, both deterministic.

    Returns
    -------
    (str, bytes)
        SVG (no time stamp, fixed ids) and PNG at :data:`PNG_DPI`.
    """
    import matplotlib

    with matplotlib.rc_context(RC):
        svg = io.BytesIO()
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None},
                    pil_kwargs={"compress_level": 1})
    return svg.getvalue().decode("utf-8"), png.getvalue()


#: Exports running in child processes, oldest first (see :func:`export_later`).
_RUNNING: deque = deque()


def export_later(fig: MplFigure,
                 prepare: Callable[[MplFigure], None] | None = None) -> Callable[[], tuple[str, bytes]]:
    """Start exporting ``fig`` (as :func:`export`); call the result to get ``(svg, png)``.

    Laying a figure out and drawing it twice (SVG and PNG) is most of a
    report's time. Where the system forks and more than one CPU is free, the
    export runs in a forked child process (:func:`t1dtrial._fork.in_child`),
    which holds the figure as drawn so far, while this process goes on
    building the report; at most one child a CPU runs at a time. The child
    runs exactly the code this process would, so the files are the same
    bytes either way.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    prepare : callable, optional
        Called on the figure before the export (e.g. to fix its layout), in
        the process that exports.

    Returns
    -------
    callable
        Returns ``(svg_text, png_bytes)``; waits for the child if needed.

    Examples
    --------
    >>> with drawing():
    ...     fig = new_figure(2, 2)
    ...     _ = fig.add_subplot().plot([0, 1], [1, 0])
    >>> later = export_later(fig)
    >>> later() == export(fig)
    True
    """
    from .._fork import cpus, in_child

    def here() -> tuple[str, bytes]:
        if prepare is not None:
            prepare(fig)
        return export(fig)

    while _RUNNING and len(_RUNNING) >= cpus():  # one child a CPU: wait for the oldest
        _RUNNING.popleft()()
    wait = in_child(here)
    _RUNNING.append(wait)
    return wait
