"""Notes a reader must see (notes.txt): what loading kept, flagged or left out, and what was used.

Counted as disposition counts them, so that notes.txt and disposition.csv agree:

* rows read but not used at loading, by table and reason (disposition stage
  ``input rows excluded at loading``);
* participants flagged ``missing_baseline``;
* analysis values (ADLB ``ANL01FL = "Y"``) measured outside their visit window,
  used because the visit has no value inside it;
* every other loading warning, one line each as validation grouped them
  (a participant's values at one visit are one line), at most
  ``max_lines``; all of them are in provenance.json (``input.warnings``).

Examples
--------
>>> from t1dtrial.data import LoadLog
>>> from t1dtrial.data.log import Exclusion
>>> log = LoadLog(exclusions=[Exclusion("m.csv", 9, "no value recorded", "measurements", "S1")])
>>> input_notes(log)
['Input: 1 row(s) read but not used (measurements: no value recorded 1); see disposition.csv.']
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from typing import TYPE_CHECKING

import pandas as pd

from ..protocol.vocabulary import covariate_label

if TYPE_CHECKING:  # pragma: no cover
    from ..data import LoadLog

__all__ = ["input_notes", "window_notes", "warning_notes", "allocation_notes"]

#: Kinds of loading warning (``Problem.kind``) summarised by a note of their own instead of
#: listed one by one: rows not used are counted with the exclusions, baselines by participant.
_SUMMARISED = ("missing baseline", "missing value", "exact duplicate")


def input_notes(load_log: "LoadLog", *, max_lines: int = 30) -> list[str]:
    """Notes on loading: rows not used, missing baselines, and every other warning.

    Parameters
    ----------
    load_log : LoadLog
        ``trial.load_log``.
    max_lines : int
        Other warnings listed at most (the rest are counted).

    Returns
    -------
    list of str
    """
    notes = []
    if load_log.exclusions:
        counts = Counter(f"{e.table or e.file}: {e.category}" for e in load_log.exclusions)
        notes.append(f"Input: {len(load_log.exclusions)} row(s) read but not used ("
                     + "; ".join(f"{reason} {n}" for reason, n in sorted(counts.items()))
                     + "); see disposition.csv.")
    baselines = [w for w in load_log.warnings if w.kind == "missing baseline"]
    if baselines:
        who = sorted({w.subject or str(w.value) for w in baselines})
        shown = ", ".join(who[:10]) + (f" and {len(who) - 10} more" if len(who) > 10 else "")
        notes.append(f"Input: {len(who)} participant(s) lack a baseline value of a parameter they "
                     f"are followed for (kept, flagged missing_baseline; their change from "
                     f"baseline of that parameter is missing): {shown}.")
    others = [w for w in load_log.warnings if w.kind not in _SUMMARISED]
    for w in others[:max_lines]:
        notes.append(f"Input warning: {w}")
    if len(others) > max_lines:
        notes.append(f"Input warning: ... and {len(others) - max_lines} more; every warning is in "
                     "provenance.json (input.warnings).")
    return notes


def window_notes(adlb: pd.DataFrame, baseline_visit: str) -> list[str]:
    """A note on analysis values measured outside their visit window (used: no value inside).

    Examples
    --------
    >>> lb = pd.DataFrame({"USUBJID": ["S1", "S1", "S2"], "AVISIT": ["M6", "M6", "BL"],
    ...                    "PARAMCD": ["FCP", "PCP", "FCP"], "ANL01FL": ["Y", "Y", "Y"],
    ...                    "OUTWINFL": ["Y", "Y", ""]})
    >>> print(window_notes(lb, "BL")[0])
    Analysis visits: 2 analysis value(s) of 1 participant(s) were measured outside their visit window and are used because the visit has no value inside it (ADLB OUTWINFL = Y, ANL01FL = Y): S1 at M6 (FCP, PCP).
    """
    used = adlb.loc[(adlb["ANL01FL"] == "Y") & (adlb["OUTWINFL"] == "Y")
                    & (adlb["AVISIT"] != baseline_visit)]
    if used.empty:
        return []
    where = used.groupby(["USUBJID", "AVISIT"], sort=False)["PARAMCD"].agg(
        lambda s: ", ".join(dict.fromkeys(map(str, s))))
    items = [f"{sid} at {visit} ({params})" for (sid, visit), params in where.items()]
    shown = "; ".join(items[:10]) + (f"; and {len(items) - 10} more" if len(items) > 10 else "")
    return [f"Analysis visits: {len(used)} analysis value(s) of {used['USUBJID'].nunique()} "
            "participant(s) were measured outside their visit window and are used because the "
            f"visit has no value inside it (ADLB OUTWINFL = Y, ANL01FL = Y): {shown}."]


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def warning_notes(caught: list[warnings.WarningMessage]) -> list[str]:
    """One note per kind of t1dtrial warning met while analysing; repeats counted, not listed.

    Warnings whose texts differ only in their numbers (a confidence level not
    achieved in each of ten small subgroups) are one note saying how many there were.

    Examples
    --------
    >>> from t1dtrial.errors import PrecisionWarning
    >>> ws = [warnings.WarningMessage(PrecisionWarning(f"level {x} reached"), PrecisionWarning,
    ...                               "f.py", 1) for x in (0.5, 0.8, 0.5)]
    >>> warning_notes(ws)
    ['PrecisionWarning: level 0.5 reached (and 2 more like it, with other numbers)']
    """
    from ..errors import T1DTrialWarning

    groups: dict[tuple[str, str], list[str]] = {}
    for w in caught:
        if issubclass(w.category, T1DTrialWarning):
            text = " ".join(str(w.message).split())
            groups.setdefault((w.category.__name__, _NUMBER.sub("#", text)), []).append(text)
    out = []
    for (category, _), texts in groups.items():
        more = len(texts) - 1
        out.append(f"{category}: {texts[0]}"
                   + (f" (and {more} more like it, with other numbers)" if more else ""))
    return out


def allocation_notes(allocation: str, adjustment: list[str],
                     weighting: list[str] | None = None) -> list[str]:
    """What the comparisons between arms mean when the arms were not randomised (said once).

    Parameters
    ----------
    allocation : str
        ``design.allocation`` of the protocol.
    adjustment : list of str
        Covariates of the covariate-adjusted estimate (empty: there is none).
    weighting : list of str, optional
        Covariates of the propensity score of the weighted estimate (default
        the same as ``adjustment``; empty: there is none).

    Examples
    --------
    >>> allocation_notes("randomised", [])
    []
    >>> note = allocation_notes("nonrandomised", ["BFCP", "SEX"], ["BFCP"])[0]
    >>> note[:60]
    'Allocation: the arms were not randomised, so the differences'
    >>> note[note.index(" The covariate"):]
    ' The covariate-adjusted estimate (primary_adjusted) removes confounding by the measured covariates it includes (baseline fasting C-peptide, sex) only, not by unmeasured ones. The weighted estimate (sensitivity, iptw) removes confounding by baseline fasting C-peptide only.'
    """
    if allocation == "nonrandomised":
        weighting = adjustment if weighting is None else weighting
        text = ("Allocation: the arms were not randomised, so the differences between groups "
                "in these tables (risk differences, odds ratios, differences in means, and the "
                "p-values of Fisher's, Welch's, the ANCOVA and the mixed-model tests) are "
                "associations between arm and outcome, not treatment effects: the groups may "
                "differ in other ways that affect the outcome (confounding).")
        if adjustment:
            text += (" The covariate-adjusted estimate (primary_adjusted) removes confounding "
                     f"by the measured covariates it includes ({_words(adjustment)}) only, "
                     "not by unmeasured ones.")
        if weighting:
            text += (" The weighted estimate (sensitivity, iptw) "
                     + ("uses the same covariates." if weighting == adjustment else
                        f"removes confounding by {_words(weighting)} only."))
        if not adjustment and not weighting:
            text += (" A model's covariates, where it has any, address measured confounders "
                     "only.")
        return [text]
    if allocation == "single-arm":
        return ["Allocation: single arm, without a concurrent control: changes from baseline "
                "describe the treated participants and are not treatment effects."]
    return []


def _words(covariates: list[str]) -> str:
    """Covariates in words, for a note."""
    return ", ".join(covariate_label(c) for c in covariates)
