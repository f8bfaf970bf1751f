"""Time-to-event figures: Kaplan-Meier curves with numbers at risk, and swimmer plots.

Examples
--------
>>> import pandas as pd
>>> c = pd.DataFrame({"arm": "A", "time": [0, 10, 20], "estimate": [1.0, 0.5, 0.25],
...                   "ci_low": [1.0, 0.2, 0.05], "ci_high": [1.0, 0.8, 0.6]})
>>> r = pd.DataFrame({"arm": "A", "time": [0, 10, 20], "n_risk": [4, 2, 1]})
>>> fig = km_plot(c, r, arms=["A"], arm_labels={"A": "Drug"}, xlabel="Days", ylabel="Still free")
>>> fig.axes[0].get_xlabel()
'Days'
>>> e = pd.DataFrame({"label": ["S1"], "arm": ["A"], "start": [10.0], "end": [40.0],
...                   "ongoing": [True], "followup": [60.0]})
>>> swimmer_plot(e, arms=["A"], arm_labels={"A": "Drug"}, xlabel="Days").axes[0].get_xlabel()
'Days'
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure as MplFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..plotting import arm_style, drawing, new_figure
from .trajectory import legend_columns, n_tick_labels

__all__ = ["km_plot", "swimmer_plot", "spaced"]


def spaced(ticks: list[float], gap: float) -> list[float]:
    """The ticks at least ``gap`` apart, the first kept (e.g. 0 with its numbers at risk).

    Examples
    --------
    >>> spaced([0.0, 30.0, 91.0, 182.0, 365.0], 40.0)
    [0.0, 91.0, 182.0, 365.0]
    """
    kept: list[float] = []
    for t in ticks:
        if not kept or t - kept[-1] >= gap:
            kept.append(t)
    return kept


def km_plot(curves: pd.DataFrame, at_risk: pd.DataFrame, *, arms: list[str],
            arm_labels: dict[str, str], xlabel: str, ylabel: str,
            arm_short: dict[str, str] | None = None) -> MplFigure:
    """Kaplan-Meier step curves with pointwise intervals as bands, numbers at risk below.

    Parameters
    ----------
    curves : DataFrame
        ``arm, time, estimate, ci_low, ci_high``: the curve after each time (from time 0 on).
    at_risk : DataFrame
        ``arm, time, n_risk`` at the times written under the axis.
    arms, arm_labels, arm_short
        Arm codes in drawing order, legend text and short names for the at-risk lines.
    xlabel, ylabel : str
        Axis labels with units.

    Returns
    -------
    matplotlib.figure.Figure
    """
    short = arm_short or arm_labels
    with drawing():
        fig = new_figure(5.6, 3.0 + 0.16 * len(arms))
        ax = fig.add_subplot()
        for i, arm in enumerate(arms):
            part = curves.loc[curves["arm"] == arm].sort_values("time")
            if part.empty:
                continue
            style = arm_style(i)
            t = part["time"].to_numpy(dtype=float)
            ax.step(t, part["estimate"], where="post", color=style.colour,
                    linestyle=style.linestyle, linewidth=1.4, label=arm_labels.get(arm, arm))
            ax.fill_between(t, part["ci_low"].astype(float), part["ci_high"].astype(float),
                            step="post", color=style.colour, alpha=0.12, linewidth=0)
        ax.set_ylim(-0.02, 1.05)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        right = max(list(at_risk["time"].astype(float)) + [float(curves["time"].max())])
        ticks = spaced(sorted(set(at_risk["time"].astype(float))), 0.08 * right)
        ax.set_xlim(left=0, right=right * 1.03)
        if ticks:
            counts = at_risk.rename(columns={"time": "x", "n_risk": "n"}).fillna({"n": 0})
            n_tick_labels(ax, {t: f"{t:g}" for t in ticks}, arms, short, counts,
                          fontsize=7, prefix="At risk,", gap=14)
        handles, labels = ax.get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside upper center", ncols=legend_columns(labels, fig),
                   fontsize=8)
    return fig


def swimmer_plot(episodes: pd.DataFrame, *, arms: list[str], arm_labels: dict[str, str],
                 xlabel: str) -> MplFigure:
    """One lane a participant: follow-up as a thin line, each episode as a bar.

    Parameters
    ----------
    episodes : DataFrame
        ``label, arm, start, end, ongoing`` (one row an episode; ``start`` and
        ``end`` in days from the start of treatment) and optionally
        ``followup`` (days of follow-up of the participant).
    arms, arm_labels
        Arm codes in drawing order and legend text.
    xlabel : str
        The time axis with its unit.

    Returns
    -------
    matplotlib.figure.Figure
    """
    lanes = list(dict.fromkeys(episodes.sort_values(["arm", "start"], key=lambda s: s.map(
        {a: i for i, a in enumerate(arms)}) if s.name == "arm" else s)["label"]))
    y_of = {lane: i for i, lane in enumerate(lanes)}
    with drawing():
        fig = new_figure(5.6, max(1.9, 0.9 + 0.28 * len(lanes)))
        ax = fig.add_subplot()
        right = 0.0
        for _, r in episodes.iterrows():
            i = arms.index(r["arm"]) if r["arm"] in arms else 0
            y = y_of[r["label"]]
            if "followup" in episodes and pd.notna(r["followup"]):
                ax.hlines(y, 0, float(r["followup"]), color="grey", linewidth=0.8, zorder=0.5)
                right = max(right, float(r["followup"]))
            ax.barh(y, float(r["end"]) - float(r["start"]), left=float(r["start"]), height=0.55,
                    **arm_style(i).bar())
            right = max(right, float(r["end"]))
            if bool(r["ongoing"]):
                ax.plot(float(r["end"]), y, marker=">", color="black", markersize=5)
        ax.set_yticks(np.arange(len(lanes)), lanes, fontsize=7)
        ax.set_ylim(len(lanes) - 0.5, -0.5)
        ax.set_xlim(0, max(right, 1.0) * 1.05)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Participant")
        handles = [Patch(label=arm_labels.get(a, a), facecolor=arm_style(i).colour,
                         hatch=arm_style(i).hatch, edgecolor="black")
                   for i, a in enumerate(arms) if (episodes["arm"] == a).any()]
        handles.append(Line2D([], [], color="grey", linewidth=0.8, label="Follow-up"))
        handles.append(Line2D([], [], color="black", marker=">", linestyle="none",
                              label="Ongoing at the data cut"))
        fig.legend(handles=handles, loc="outside upper center",
                   ncols=legend_columns([h.get_label() for h in handles], fig, 7), fontsize=7)
    return fig
