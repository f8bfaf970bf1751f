"""Dose-response: a summary of each arm at its dose score, one line a subgroup.

Examples
--------
>>> import pandas as pd
>>> p = pd.DataFrame({"panel": "all", "score": [0.0, 2.0, 6.0], "value": [17.0, 40.0, 67.0],
...                   "text": ["5/30", "12/30", "20/30"]})
>>> fig = dose_response_plot(p, panels={"all": "All participants"},
...                          xlabel="Dose score (10^6 cells/kg)", ylabel="Responders (%)")
>>> fig.axes[0].get_xlabel()
'Dose score (10^6 cells/kg)'
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure as MplFigure

from ..plotting import arm_style, drawing, new_figure

__all__ = ["dose_response_plot"]


def dose_response_plot(points: pd.DataFrame, *, panels: dict[str, str], xlabel: str,
                       ylabel: str, reference: float | None = None,
                       ylim: tuple[float, float] | None = None) -> MplFigure:
    """The summary of each dose group against its score, one style a panel (subgroup).

    Parameters
    ----------
    points : DataFrame
        ``panel, score, value`` and optionally ``ci_low, ci_high`` (an interval
        drawn as an error bar) and ``text`` (written beside each point, e.g. ``12/30``).
    panels : dict
        Panel key -> legend text, in drawing order.
    xlabel, ylabel : str
        Axis labels with units.
    reference : float, optional
        A horizontal line (e.g. 0 for a change).
    ylim : (float, float), optional
        The y range (e.g. 0 to 100 for percentages).

    Returns
    -------
    matplotlib.figure.Figure
    """
    with drawing():
        fig = new_figure(4.8, 3.2)
        ax = fig.add_subplot()
        for i, (key, label) in enumerate(panels.items()):
            part = points.loc[points["panel"] == key].sort_values("score")
            if part.empty:
                continue
            x = part["score"].to_numpy(dtype=float)
            y = part["value"].to_numpy(dtype=float)
            style = arm_style(i)
            lo = pd.to_numeric(part.get("ci_low"), errors="coerce") if "ci_low" in part else None
            if lo is not None and lo.notna().any():
                hi = pd.to_numeric(part["ci_high"], errors="coerce")
                err = np.vstack([y - lo.to_numpy(dtype=float), hi.to_numpy(dtype=float) - y])
                ax.errorbar(x, y, yerr=np.nan_to_num(err), capsize=2, label=label, **style.line())
            else:
                ax.plot(x, y, label=label, **style.line())
            if "text" in part:
                for xi, yi, t in zip(x, y, part["text"]):
                    ax.annotate(str(t), (xi, yi), xytext=(4, 3), textcoords="offset points",
                                fontsize=6.5, color=style.colour)
        if reference is not None:
            ax.axhline(reference, color="grey", linewidth=0.7, linestyle=":")
        if ylim is not None:
            ax.set_ylim(*ylim)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=7)
    return fig
