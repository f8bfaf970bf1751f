"""Waterfall plots: one bar a participant, sorted from the largest change to the smallest.

Bars are filled and hatched by arm (readable in greyscale); a dashed line
marks a responder threshold where the endpoint has one. Values beyond the
axis are clipped and marked with a caret, so one participant with a
near-zero baseline does not flatten every other bar.

Examples
--------
>>> import pandas as pd
>>> v = pd.DataFrame({"panel": "f", "arm": ["A", "B", "A"], "value": [30.0, -5.0, 8.0]})
>>> fig = waterfall_plot(v, arms=["A", "B"], arm_labels={"A": "Drug", "B": "Placebo"},
...                      panels={"f": "Fasting C-peptide"}, ylabel="Change from baseline (%)",
...                      threshold=10.0, threshold_label="Responder threshold")
>>> fig.axes[0].get_ylabel()
'Change from baseline (%)'
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure as MplFigure
from matplotlib.patches import Patch

from ..plotting import arm_style, drawing, fit_text, new_figure
from .trajectory import legend_columns

__all__ = ["waterfall_plot"]


def _limits(values: np.ndarray) -> tuple[float, float]:
    """The y range: the data, but at most three times the 5th-95th percentile range around it."""
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    q05, q95 = np.nanpercentile(values, [5, 95])
    width = max(float(q95 - q05), 1.0)
    return max(lo, q05 - width) - 0.05 * width, min(hi, q95 + width) + 0.05 * width


def waterfall_plot(values: pd.DataFrame, *, arms: list[str], arm_labels: dict[str, str],
                   panels: dict[str, str], ylabel: str, xlabel: str = "Participants, sorted "
                   "by change (one bar each)", threshold: float | None = None,
                   threshold_label: str = "") -> MplFigure:
    """Per-participant values sorted in decreasing order, one panel a parameter.

    Parameters
    ----------
    values : DataFrame
        ``panel, arm, value``, one row a participant and parameter.
    arms : list of str
        Arm codes in drawing order.
    arm_labels : dict
        Arm code -> legend text.
    panels : dict
        Panel key -> title, in drawing order.
    ylabel, xlabel : str
        Axis labels with units.
    threshold : float, optional
        A horizontal dashed line (e.g. the responder threshold), labelled ``threshold_label``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    keys = list(panels)
    with drawing():
        fig = new_figure(min(3.4 * len(keys), 9.0) + 0.4, 3.0)
        axes = fig.subplots(1, len(keys), squeeze=False, sharey=True)[0]
        all_values = values["value"].to_numpy(dtype=float)
        low, high = _limits(all_values) if np.isfinite(all_values).any() else (-1.0, 1.0)
        if threshold is not None:
            high = max(high, threshold * 1.15)
        for ax, key in zip(axes, keys):
            part = values.loc[values["panel"] == key].dropna(subset=["value"])
            part = part.sort_values("value", ascending=False, kind="mergesort")
            x = np.arange(len(part))
            v = part["value"].to_numpy(dtype=float)
            shown = np.clip(v, low, high)
            for i, arm in enumerate(arms):
                at = (part["arm"] == arm).to_numpy()
                if at.any():
                    ax.bar(x[at], shown[at], width=0.85, **arm_style(i).bar())
            clipped = v != shown
            if clipped.any():
                ax.plot(x[clipped], shown[clipped], linestyle="none", marker="^", color="black",
                        markersize=3)
            ax.axhline(0, color="black", linewidth=0.6)
            if threshold is not None:
                ax.axhline(threshold, color="black", linewidth=0.9, linestyle="--")
                ax.annotate(threshold_label, (1.0, threshold), xycoords=("axes fraction", "data"),
                            ha="right", va="bottom", fontsize=7, xytext=(0, 2),
                            textcoords="offset points")
            ax.set_ylim(low, high)
            ax.set_xticks([])
            ax.set_xlabel(xlabel, fontsize=8)
            ax.set_title(fit_text(panels[key], 3.2), fontsize=9)
        axes[0].set_ylabel(ylabel)
        handles = [Patch(label=arm_labels.get(a, a), facecolor=arm_style(i).colour,
                         hatch=arm_style(i).hatch, edgecolor="black")
                   for i, a in enumerate(arms)]
        fig.legend(handles=handles, loc="outside upper center",
                   ncols=legend_columns([h.get_label() for h in handles], fig), fontsize=8)
    return fig
