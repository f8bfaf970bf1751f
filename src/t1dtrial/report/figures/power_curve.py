"""Power curve: the power of each design scenario against the number of participants.

One line a scenario (test, assumed proportions or effect, ...), power in
percent against participants per arm, a dotted line at the target power and,
for Monte Carlo results, each point's 95 % Monte Carlo interval as an error
bar. Where a scenario reaches the target for good, a ring on its curve marks
that number (the "stable" sample size of a discrete test). The legend is
under the axes, one line a scenario.

Examples
--------
>>> import pandas as pd
>>> points = pd.DataFrame({"series": "Fisher", "n": [20, 30, 40],
...                        "power": [0.52, 0.70, 0.83], "mc_se": 0.0})
>>> fig = power_curve_plot(points, series={"Fisher": "Fisher's exact test"},
...                        xlabel="Participants per arm", target=0.8)
>>> fig.axes[0].get_ylabel()
'Power (%)'
>>> stable_n(points, 0.8)
40
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import MaxNLocator

from ..plotting import arm_style, drawing, fit_text, new_figure

__all__ = ["power_curve_plot", "stable_n"]

#: Width of the figure (inches).
_WIDTH = 5.6


def stable_n(points: pd.DataFrame, target: float) -> int | None:
    """The smallest ``n`` of one scenario from which every larger ``n`` shown reaches ``target``.

    Parameters
    ----------
    points : DataFrame
        ``n, power`` of one scenario.
    target : float
        Target power (a proportion).

    Returns
    -------
    int or None
        None when the largest ``n`` shown does not reach the target.
    """
    part = points.sort_values("n")
    reached = part["power"].to_numpy(dtype=float) >= target
    if not len(reached) or not reached[-1]:
        return None
    below = np.nonzero(~reached)[0]
    return int(part["n"].iloc[below[-1] + 1 if len(below) else 0])


def power_curve_plot(points: pd.DataFrame, *, series: dict[str, str], xlabel: str,
                     target: float | None = 0.8, ylabel: str = "Power (%)") -> MplFigure:
    """Power against participants, one line a scenario.

    Parameters
    ----------
    points : DataFrame
        ``series, n, power`` and optionally ``mc_se`` (Monte Carlo standard
        error: drawn as a 95 % error bar when positive).
    series : dict
        Series key -> legend text, in drawing order.
    xlabel : str
        The x axis in words (e.g. ``Participants per arm``).
    target : float, optional
        Target power, drawn as a dotted line; each scenario's stable sample
        size is marked with a ring.
    ylabel : str
        The y axis (``Assurance (%)`` for power averaged over a prior).

    Returns
    -------
    matplotlib.figure.Figure
    """
    shown = [k for k in series if (points["series"] == k).any()]
    with drawing():
        fig = new_figure(_WIDTH, 3.0 + 0.17 * len(shown))
        ax = fig.add_subplot()
        for i, key in enumerate(shown):
            part = points.loc[points["series"] == key].sort_values("n")
            style = arm_style(i % 7)
            x = part["n"].to_numpy(dtype=float)
            y = 100 * part["power"].to_numpy(dtype=float)
            se = 100 * pd.to_numeric(part.get("mc_se", 0.0), errors="coerce").fillna(0.0)
            kwargs = style.line() | {"markersize": 3 if len(x) > 12 else 4}
            label = fit_text(series[key], _WIDTH * 0.95, 7)
            if (np.asarray(se) > 0).any():
                ax.errorbar(x, y, yerr=1.959964 * np.asarray(se, dtype=float), capsize=2,
                            label=label, **kwargs)
            else:
                ax.plot(x, y, label=label, **kwargs)
            n_target = stable_n(part, target) if target is not None else None
            if n_target is not None:  # where the scenario keeps the target: a ring on its curve
                at = float(part.loc[part["n"] == n_target, "power"].iloc[0])
                ax.plot([n_target], [100 * at], marker="o", markersize=9, linestyle="none",
                        markerfacecolor="none", markeredgecolor=style.colour, markeredgewidth=1.0)
        if target is not None:
            ax.axhline(100 * target, color="grey", linewidth=0.7, linestyle=":")
            ax.annotate(f"target {100 * target:g} %", (1.0, 100 * target),
                        xycoords=("axes fraction", "data"), xytext=(-2, -9),
                        textcoords="offset points", ha="right", fontsize=7, color="grey")
        ax.set_ylim(0, 100)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # participants are whole
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if shown:
            fig.legend(loc="outside lower center", fontsize=7, ncol=1)
    return fig
