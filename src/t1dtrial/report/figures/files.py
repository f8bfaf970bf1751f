"""Figures of the analysis folder (figures/*.svg, *.png), rendered from its tidy tables.

Three figures a reader would rather look at than read, each drawn from the
results of the declared shape (:mod:`t1dtrial.analysis.result`), never from a
table picked by name:

1. ``primary_endpoint``: the primary analysis by arm in each subgroup: percent
   of responders with ``responders/n`` on each bar (``responder-comparison``),
   or mean with its SD and ``n`` (``continuous-comparison``);
2. ``cpeptide_change``: median percent change from baseline of each C-peptide
   endpoint by visit and arm, with the interquartile range as a band (the
   descriptive rows of the ``continuous-summary`` results);
3. ``insulin_free``: a swimmer plot of every insulin-free episode, from the
   first infusion (or enrolment) on (the ``episodes`` result and ADSL).

A result that lacks a column its figure needs gives a warning naming the
figure and the columns, not a silently missing figure.

Rendering is deterministic: the same tables give byte-identical files.

Examples
--------
>>> from t1dtrial.analysis import analyze
>>> from t1dtrial.datasets import load_lu2021
>>> files = render_figures(analyze(load_lu2021()))
>>> sorted(files)[:2]
['figures/cpeptide_change.png', 'figures/cpeptide_change.svg']
"""

from __future__ import annotations

import io
import warnings
from typing import Any, Callable

import numpy as np
import pandas as pd

from ...errors import T1DTrialWarning

__all__ = ["render_figures", "FIGURES"]

_COLOURS = ["#1b6ca8", "#c8553d", "#6a994e", "#7b2cbf", "#f2a541"]


def _arm_colours(arms: list[str]) -> dict[str, str]:
    return {arm: _COLOURS[i % len(_COLOURS)] for i, arm in enumerate(arms)}


def _of_shape(results: Any, *shapes: str) -> list[Any]:
    return [r for r in getattr(results, "results", None) or [] if r.shape in shapes]


def _needs(figure: str, res: Any, table: pd.DataFrame | None, columns: tuple[str, ...]) -> bool:
    """Whether ``table`` has ``columns``; if not, a warning names the figure and what is missing."""
    missing = [c for c in columns if table is None or c not in table.columns]
    if missing:
        warnings.warn(T1DTrialWarning(
            f"figure {figure} not drawn: the {res.shape} result {res.name!r} lacks column(s) "
            f"{', '.join(missing)}"), stacklevel=3)
    return not missing


def _primary(results: Any, plt: Any) -> Any | None:
    """The primary analysis by arm in each subgroup: responders (%) or mean (SD), by shape."""
    res = next((r for r in _of_shape(results, "responder-comparison", "continuous-comparison")
                if r.role == "primary"), None)
    if res is None or res.by_arm is None or res.by_arm.empty:
        return None
    responder = res.shape == "responder-comparison"
    columns = ("subgroup", "arm", "n") + (("responders", "percent") if responder
                                          else ("mean", "sd"))
    t = res.by_arm
    if not _needs("primary_endpoint", res, t, columns):
        return None
    subgroups = list(dict.fromkeys(t["subgroup"]))
    arms = list(dict.fromkeys(t["arm"]))
    colours = _arm_colours(arms)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    width = 0.8 / len(arms)
    x = np.arange(len(subgroups))
    value = "percent" if responder else "mean"
    for i, arm in enumerate(arms):
        rows = t.loc[t["arm"] == arm].set_index("subgroup").reindex(subgroups)
        at = x + (i - (len(arms) - 1) / 2) * width
        bars = ax.bar(at, rows[value].fillna(0), width, label=arm, color=colours[arm],
                      yerr=None if responder else rows["sd"].fillna(0), capsize=3)
        labels = ([f"{int(a)}/{int(n)}" for a, n in zip(rows["responders"], rows["n"])]
                  if responder else [f"n={int(n)}" for n in rows["n"]])
        for bar, text in zip(bars, labels):
            ax.annotate(text, (bar.get_x() + bar.get_width() / 2, max(bar.get_height(), 0)),
                        ha="center", va="bottom", fontsize=8, xytext=(0, 2),
                        textcoords="offset points")
    ax.set_xticks(x, [s.replace("_", " ") for s in subgroups])
    if responder:
        ax.set_ylabel("responders (%)")
        ax.set_ylim(0, max(100.0, float(t["percent"].max(skipna=True) or 0) + 10))
    else:
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_ylabel(f"mean (SD){f' [{res.units}]' if res.units else ''}")
    ax.set_title(f"Primary endpoint: {res.endpoint} ({res.population})", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


_SUMMARY = ("analysis", "subgroup", "summary", "param", "endpoint", "group", "visit", "median",
            "q1", "q3")


def _cpeptide(results: Any, plt: Any) -> Any | None:
    """Median percent change (IQR) of each C-peptide endpoint by visit and arm."""
    from ...derive import is_cpeptide

    frames = [r.table for r in _of_shape(results, "continuous-summary")
              if _needs("cpeptide_change", r, r.table, _SUMMARY)]
    if not frames:
        return None
    sec = pd.concat(frames, ignore_index=True)
    desc = sec.loc[(sec["analysis"] == "descriptive") & (sec["subgroup"] == "all")
                   & (sec["summary"] == "percent_change")
                   & sec["param"].astype(str).map(is_cpeptide)]
    endpoints = list(dict.fromkeys(desc["endpoint"]))
    if not endpoints:
        return None
    arms = list(dict.fromkeys(desc["group"]))
    colours = _arm_colours(arms)
    fig, axes = plt.subplots(1, len(endpoints), figsize=(3.4 * len(endpoints), 3.4),
                             squeeze=False, sharey=True)
    for ax, ep in zip(axes[0], endpoints):
        block = desc.loc[desc["endpoint"] == ep]
        visits = list(dict.fromkeys(block["visit"]))
        for arm in arms:
            rows = block.loc[block["group"] == arm].set_index("visit").reindex(visits)
            x = np.arange(len(visits))
            ax.plot(x, rows["median"], marker="o", color=colours[arm], label=arm)
            ax.fill_between(x, rows["q1"], rows["q3"], color=colours[arm], alpha=0.15, lw=0)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xticks(np.arange(len(visits)), visits)
        ax.set_title(f"{block['param'].iloc[0]}: median % change (IQR)", fontsize=9)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0][0].set_ylabel("% change from baseline")
    axes[0][0].legend(frameon=False, fontsize=8)
    return fig


_EPISODES = ("section", "arm", "subject", "start", "duration", "censored")


def _insulin_free(results: Any, plt: Any) -> Any | None:
    """A swimmer plot of every insulin-free episode (the episodes result and ADSL)."""
    res = next(iter(_of_shape(results, "episodes")), None)
    adsl = results.adam.get("adsl")
    if res is None or adsl is None or res.table.empty:
        return None
    ins = res.table
    if not _needs("insulin_free", res, ins, _EPISODES):
        return None
    ep = ins.loc[ins["section"] == "episode"].copy()
    if ep.empty:
        return None
    start0 = pd.to_datetime(adsl.set_index("USUBJID")["RFSTDT"], errors="coerce")
    ep["from"] = (pd.to_datetime(ep["start"]) - start0.reindex(ep["subject"]).to_numpy()).dt.days
    ep["to"] = ep["from"] + ep["duration"].astype(float)
    ep = ep.sort_values(["arm", "from"]).reset_index(drop=True)
    colours = _arm_colours(list(dict.fromkeys(ins.loc[ins["arm"] != "all", "arm"])))
    fig, ax = plt.subplots(figsize=(6.4, max(2.2, 0.5 + 0.35 * len(ep))))  # room for the axes
    for i, r in ep.iterrows():
        ax.barh(i, r["to"] - r["from"], left=r["from"], color=colours.get(r["arm"], "grey"),
                height=0.6)
        if int(r["censored"]) == 1:
            ax.annotate("→", (r["to"], i), va="center", fontsize=9)
    ax.set_yticks(np.arange(len(ep)), [f"{s} ({a})" for s, a in zip(ep["subject"], ep["arm"])],
                  fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, float(ep["to"].max()) * 1.05)
    ax.set_xlabel("days from first infusion (or enrolment)")
    ax.set_title("Insulin-free episodes (→ ongoing at the data cut)", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


#: Figure name -> builder from Results.
FIGURES: dict[str, Callable[[Any, Any], Any]] = {
    "primary_endpoint": _primary,
    "cpeptide_change": _cpeptide,
    "insulin_free": _insulin_free,
}


def render_figures(results: Any) -> dict[str, bytes]:
    """Every figure that the tables support, as ``{"figures/<name>.svg": bytes, ...png}``.

    Parameters
    ----------
    results : Results
        A fresh analysis or one read back with ``Results.from_folder``.

    Returns
    -------
    dict of str to bytes
        Relative path in the output folder -> file content; SVG (text, no
        timestamps) and PNG (150 dpi) for each figure.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out: dict[str, bytes] = {}
    with matplotlib.rc_context({"svg.hashsalt": "t1dtrial", "font.size": 9,
                                "svg.fonttype": "none"}):
        for name, build in FIGURES.items():
            fig = build(results, plt)
            if fig is None:
                continue
            fig.tight_layout()
            for fmt, kwargs in (("svg", {"metadata": {"Date": None, "Creator": None}}),
                                ("png", {"dpi": 150, "metadata": {"Software": None}})):
                buf = io.BytesIO()
                fig.savefig(buf, format=fmt, **kwargs)
                out[f"figures/{name}.{fmt}"] = buf.getvalue()
            plt.close(fig)
    return out
