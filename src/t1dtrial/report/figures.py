"""Figures of an analysis, rendered from its tidy tables (SVG and PNG).

Three figures a reader would rather look at than read:

1. ``primary_endpoint``: percent of responders by arm in each subgroup, with
   ``responders/n`` on each bar (from ``primary_endpoint``);
2. ``cpeptide_change``: median percent change from baseline of each C-peptide
   endpoint by visit and arm, with the interquartile range as a band (from the
   descriptive rows of ``secondary_endpoints``);
3. ``insulin_free``: a swimmer plot of every insulin-free episode, from the
   first infusion (or enrolment) on (from ``insulin_independence`` and ADSL).

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
from typing import Any, Callable

import numpy as np
import pandas as pd

__all__ = ["render_figures", "FIGURES"]

_COLOURS = ["#1b6ca8", "#c8553d", "#6a994e", "#7b2cbf", "#f2a541"]


def _arm_colours(arms: list[str]) -> dict[str, str]:
    return {arm: _COLOURS[i % len(_COLOURS)] for i, arm in enumerate(arms)}


def _primary(results: Any, plt: Any) -> Any | None:
    t = results.tables.get("primary_endpoint")
    if t is None or t.empty:
        return None
    subgroups = list(dict.fromkeys(t["subgroup"]))
    arms = list(dict.fromkeys(t["arm"]))
    colours = _arm_colours(arms)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    width = 0.8 / len(arms)
    x = np.arange(len(subgroups))
    for i, arm in enumerate(arms):
        rows = t.loc[t["arm"] == arm].set_index("subgroup").reindex(subgroups)
        bars = ax.bar(x + (i - (len(arms) - 1) / 2) * width, rows["percent"].fillna(0), width,
                      label=arm, color=colours[arm])
        for bar, (resp, n) in zip(bars, zip(rows["responders"], rows["n"])):
            ax.annotate(f"{int(resp)}/{int(n)}", (bar.get_x() + bar.get_width() / 2,
                                                   bar.get_height()),
                        ha="center", va="bottom", fontsize=8, xytext=(0, 2),
                        textcoords="offset points")
    ax.set_xticks(x, [s.replace("_", " ") for s in subgroups])
    ax.set_ylabel("responders (%)")
    ax.set_ylim(0, max(100.0, float(t["percent"].max(skipna=True) or 0) + 10))
    ax.set_title(f"Primary endpoint: {t['endpoint'].iloc[0]} ({t['population'].iloc[0]})",
                 fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _cpeptide(results: Any, plt: Any) -> Any | None:
    sec = results.tables.get("secondary_endpoints")
    if sec is None or sec.empty:
        return None
    desc = sec.loc[(sec["analysis"] == "descriptive") & (sec["subgroup"] == "all")
                   & (sec["summary"] == "percent_change")
                   & sec["param"].astype(str).str.startswith("CP").__or__(
                       sec["param"].isin(["FCP", "PCP"]))]
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


def _insulin_free(results: Any, plt: Any) -> Any | None:
    ins = results.tables.get("insulin_independence")
    adsl = results.adam.get("adsl")
    if ins is None or adsl is None or "section" not in ins.columns:
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
