"""Trajectories: the mean with its confidence interval by arm over the visits, n under the axis.

One panel a parameter (or parameter x subgroup). Arms are set a little apart
on the time axis so that their intervals do not hide each other; the number
of participants with a value at each visit is written under each visit's
label, one line an arm, like the numbers at risk of a survival curve. Individual
participants' lines are drawn faintly behind the means on request.

Examples
--------
>>> import pandas as pd
>>> s = pd.DataFrame({"panel": "p", "arm": ["A", "A", "B", "B"], "x": [0, 30, 0, 30],
...                   "mean": [1.0, 1.2, 1.0, 0.9], "ci_low": [0.8, 1.0, 0.8, 0.7],
...                   "ci_high": [1.2, 1.4, 1.2, 1.1], "n": [10, 9, 10, 8]})
>>> fig = trajectory_plot(s, arms=["A", "B"], arm_labels={"A": "Drug", "B": "Placebo"},
...                       panels={"p": ("C-peptide", "nmol/L")},
...                       xticks={0: "BL", 30: "M1"}, xlabel="Scheduled day")
>>> fig.axes[0].get_ylabel()
'nmol/L'
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure as MplFigure

from ..plotting import arm_style, drawing, fit_text, new_figure

__all__ = ["trajectory_plot", "n_tick_labels", "legend_columns"]


def legend_columns(labels: list[str], fig: Any = None, fontsize: float = 8) -> int:
    """Legend entries side by side while they fit across the figure, else one a line.

    Examples
    --------
    >>> legend_columns(["Drug", "Placebo"]), legend_columns(["x" * 60, "y" * 60])
    (2, 1)
    """
    inches = fig.get_figwidth() if fig is not None else 7.0
    width = inches * 72 / (0.55 * fontsize)  # characters across, as plotting.fit_text counts
    return len(labels) if sum(len(t) + 6 for t in labels) <= width else 1


def n_tick_labels(ax, ticks: dict[float, str], arms: list[str], short: dict[str, str],
                  counts: pd.DataFrame, fontsize: float = 7, prefix: str = "n",
                  gap: float = 6) -> None:
    """Tick labels that carry the n of each arm under the visit (one text a tick), with the
    arm names in a matching column at the left of the axis."""
    days = sorted(ticks)
    n = {(str(a), float(x)): int(v) for a, x, v in zip(counts["arm"], counts["x"], counts["n"])}
    labels = [ticks[d] + "".join(f"\n{n.get((a, float(d)), 0)}" for a in arms) for d in days]
    ax.set_xticks(days, labels, fontsize=fontsize)
    pad = ax.xaxis.get_tick_padding() + ax.xaxis.majorTicks[0].get_pad() if ax.xaxis.majorTicks \
        else 7.0
    ax.annotate("\n".join(["", *(f"{prefix} {short.get(a, a)}" for a in arms)]), (0.0, 0.0),
                xycoords="axes fraction", xytext=(-gap, -pad), textcoords="offset points",
                ha="right", va="top", fontsize=fontsize)


def trajectory_plot(summary: pd.DataFrame, *, arms: list[str], arm_labels: dict[str, str],
                    panels: dict[str, tuple[str, str]], xticks: dict[float, str], xlabel: str,
                    ncols: int | None = None, individual: pd.DataFrame | None = None,
                    arm_short: dict[str, str] | None = None, reference: float | None = None
                    ) -> MplFigure:
    """Mean and confidence interval by arm over time, one panel a parameter.

    Parameters
    ----------
    summary : DataFrame
        ``panel, arm, x, mean, ci_low, ci_high, n`` (``x`` the visit's position on the axis).
    arms : list of str
        Arm codes in drawing order (their styles follow this order).
    arm_labels : dict
        Arm code -> legend text.
    panels : dict
        Panel key -> (title, y-axis label with its unit), in drawing order.
    xticks : dict
        Position -> visit label.
    xlabel : str
        The time axis with its unit.
    ncols : int, optional
        Panels a row (default: all in one row, at most 3).
    individual : DataFrame, optional
        ``panel, arm, subject, x, value``: each participant's values, drawn faintly.
    arm_short : dict, optional
        Arm code -> short name for the n lines (default ``arm_labels``).
    reference : float, optional
        A horizontal line (e.g. 0 for a change from baseline).

    Returns
    -------
    matplotlib.figure.Figure
    """
    keys = list(panels)
    ncols = ncols or min(3, len(keys))
    nrows = -(-len(keys) // ncols)
    short = arm_short or arm_labels
    days = sorted(xticks)
    span = (max(days) - min(days)) or 1.0
    offset = {a: (i - (len(arms) - 1) / 2) * 0.1 * span / max(len(days), 1)
              for i, a in enumerate(arms)}
    with drawing():
        fig = new_figure(3.1 * ncols + 0.6, (2.6 + 0.16 * len(arms)) * nrows + 0.4)
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax, key in zip(axes, keys):
            title, ylabel = panels[key]
            part = summary.loc[summary["panel"] == key]
            if individual is not None:
                lines = individual.loc[individual["panel"] == key]
                for (arm, _), one in lines.groupby(["arm", "subject"], sort=False):
                    i = arms.index(arm) if arm in arms else 0
                    ax.plot(one["x"], one["value"], color=arm_style(i).colour, alpha=0.18,
                            linewidth=0.5)
            for i, arm in enumerate(arms):
                rows = part.loc[part["arm"] == arm].sort_values("x")
                if rows.empty:
                    continue
                x = rows["x"].to_numpy(dtype=float) + offset[arm]
                mean = rows["mean"].to_numpy(dtype=float)
                err = np.vstack([mean - rows["ci_low"].to_numpy(dtype=float),
                                 rows["ci_high"].to_numpy(dtype=float) - mean])
                style = arm_style(i)
                ax.errorbar(x, mean, yerr=np.nan_to_num(err), capsize=2,
                            label=arm_labels.get(arm, arm), **style.line())
            if reference is not None:
                ax.axhline(reference, color="grey", linewidth=0.7, linestyle=":")
            n_tick_labels(ax, xticks, arms, short, part[["arm", "x", "n"]])
            ax.set_xlabel(xlabel)
            ax.set_ylabel(fit_text(ylabel, 2.2))
            ax.set_title(fit_text(title, 2.9), fontsize=9)
        for ax in axes[len(keys):]:
            ax.set_visible(False)
        handles, labels = axes[0].get_legend_handles_labels()
        if handles:
            fig.legend(handles, labels, loc="outside upper center",
                       ncols=legend_columns(labels, fig), fontsize=8)
    return fig
