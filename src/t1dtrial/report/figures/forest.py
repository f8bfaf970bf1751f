"""Forest plots: one estimate with its confidence interval a row, a line at no effect.

Rows are subgroups, model terms or analyses; a ``group`` column (e.g. the arm
pair) tells rows of one row label apart by marker and colour. Several
measures of the same rows (a risk difference and an odds ratio) are drawn
side by side, each on its own axis (odds ratios on a log scale).

Examples
--------
>>> import pandas as pd
>>> rows = pd.DataFrame({"label": ["All", "Adults"], "group": ["A vs B", "A vs B"],
...                      "estimate": [2.0, 3.0], "ci_low": [1.1, 0.9], "ci_high": [4.0, 9.0]})
>>> fig = forest_plot([Measure(rows, "Odds ratio (log scale)", null=1.0, log=True)])
>>> fig.axes[0].get_xscale(), fig.axes[0].get_xlabel()
('log', 'Odds ratio (log scale)')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure as MplFigure

from ..plotting import arm_style, drawing, new_figure
from .trajectory import legend_columns

__all__ = ["Measure", "forest_plot"]


@dataclass
class Measure:
    """One axis of a forest plot.

    Parameters
    ----------
    rows : DataFrame
        ``label, estimate, ci_low, ci_high`` and optionally ``group`` (one style
        a group) and ``text`` (the estimate in words, written at the right).
    xlabel : str
        The measure with its unit or scale, e.g. ``Risk difference (proportion)``.
    null : float
        The value of no effect (0 for a difference, 1 for a ratio).
    log : bool
        Log scale (ratios).
    """

    rows: pd.DataFrame
    xlabel: str
    null: float = 0.0
    log: bool = False


def _finite(x: pd.Series, log: bool) -> np.ndarray:
    v = pd.to_numeric(x, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(v) | ((v <= 0) if log else False)
    return np.where(bad, np.nan, v)


def _log_axis(ax, values: np.ndarray) -> None:
    """A log axis with plain numbers (0.5, 1, 2, 5 ...), fewer of them over many decades."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    v = values[np.isfinite(values) & (values > 0)]
    decades = np.log10(v.max() / v.min()) if v.size else 1.0
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0,) if decades > 2.5 else
                                          (1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def forest_plot(measures: list[Measure], *, ylabel: str = "", title: str = "") -> MplFigure:
    """Estimates with confidence intervals, one row a label (x group), one axis a measure.

    Parameters
    ----------
    measures : list of Measure
        Each with the same rows in the same order.
    ylabel : str
        What the rows are (e.g. ``Subgroup``).
    title : str
        Optional title above the plot.

    Returns
    -------
    matplotlib.figure.Figure
    """
    first = measures[0].rows
    groups = list(dict.fromkeys(first["group"])) if "group" in first else [""]
    n = len(first)
    with drawing():
        fig = new_figure(3.2 * len(measures) + 1.6, max(1.8, 0.32 * n + 1.1))
        axes = fig.subplots(1, len(measures), sharey=True, squeeze=False)[0]
        y = np.arange(n)[::-1].astype(float)
        for ax, m in zip(axes, measures):
            rows = m.rows.reset_index(drop=True)
            est, lo, hi = (_finite(rows[c], m.log) for c in ("estimate", "ci_low", "ci_high"))
            for gi, g in enumerate(groups):
                at = (rows["group"] == g).to_numpy() if "group" in rows else np.ones(n, bool)
                style = arm_style(gi)
                ax.hlines(y[at], lo[at], hi[at], color=style.colour, linestyle=style.linestyle,
                          linewidth=1.2)
                ax.plot(est[at], y[at], linestyle="none", marker=style.marker, color=style.colour,
                        markersize=5, label=g or None)
            ax.axvline(m.null, color="black", linewidth=0.8, linestyle=":")
            if m.log:
                _log_axis(ax, np.concatenate([lo, hi, est, [m.null]]))
            ax.set_xlabel(m.xlabel)
            if "text" in rows:
                right = ax.secondary_yaxis("right")
                right.set_yticks(y, [str(t) for t in rows["text"]], fontsize=7)
                right.tick_params(axis="y", length=0)
                right.spines["right"].set_visible(False)
        axes[0].set_yticks(y, [str(s) for s in first["label"]])
        axes[0].set_ylim(-0.7, n - 0.3)
        axes[0].set_ylabel(ylabel)
        if len(groups) > 1:
            handles, labels = axes[0].get_legend_handles_labels()
            fig.legend(handles, labels, loc="outside upper center",
                       ncols=legend_columns(labels, fig),
                       fontsize=7)
        if title:
            fig.suptitle(title)
    return fig
