"""Adverse events over the safety set: incidence by arm, term, severity, relatedness, seriousness.

:func:`adverse_events_table` counts treatment-emergent adverse events (TEAE,
ADAE TRTEMFL = "Y") of the safety set (ADSL SAFFL = "Y"), per arm and
overall: subjects (each once per row) with their percent of the arm's safety
set, and events. Any TEAE is compared between arms by Fisher's exact test.
Events outside that scope (before day 0, or of subjects outside the safety
set) are counted in their own rows, so that no event is lost silently.

Examples
--------
>>> import pandas as pd
>>> from types import SimpleNamespace
>>> from t1dtrial.protocol import load_protocol
>>> adsl = pd.DataFrame({"USUBJID": ["A", "B", "C"], "TRT01P": ["MSC", "MSC", "CONTROL"],
...                      "SAFFL": "Y"})
>>> adae = pd.DataFrame({"USUBJID": ["A", "A"], "AEDECOD": ["Pyrexia", "Headache"],
...     "AEBODSYS": ["General", "Nervous"], "TRTEMFL": "Y", "AESEV": "MILD", "AESER": "N",
...     "AEREL": "RELATED", "AERELFL": "Y"})
>>> t = adverse_events_table(SimpleNamespace(adsl=adsl, adae=adae), load_protocol("lu2021"))
>>> t.loc[t.category == "any TEAE", ["arm", "subjects", "percent", "events"]].values.tolist()
[['MSC', 1, 50.0, 2], ['CONTROL', 0, 0.0, 0], ['all', 1, 33.333333333333336, 2]]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..protocol import Protocol
from ..stats import fisher_exact
from ._arms import comparisons
from ._estimable import empty_arms, method_text
from ._levels import level_text
from .baseline import ALL_ARMS, arm_levels, check_table_args

__all__ = ["AE_TABLE_COLUMNS", "adverse_events_table"]

#: Columns of the adverse events table, in order.
AE_TABLE_COLUMNS = ["category", "term", "arm", "n", "subjects", "percent", "events", "estimate",
                    "ci_low", "ci_high", "p_value", "method", "conf_level"]

_SEVERITY = ["MILD", "MODERATE", "SEVERE"]
_RELATEDNESS = ["NOT RELATED", "POSSIBLY RELATED", "RELATED"]
UNKNOWN = "UNKNOWN"
_ADAE_COLUMNS = ["USUBJID", "AEDECOD", "AEBODSYS", "TRTEMFL", "AESEV", "AESER", "AEREL",
                 "AERELFL"]


def _text(values: pd.Series) -> pd.Series:
    values = values.astype(object)
    return values.where(values.notna(), "").astype(str).str.strip()


def _counts(events: pd.DataFrame, key: str, terms: list[str], arms: list[str],
            denominators: dict[str, int], category: str, method: str, *,
            subject_key: str | None = None) -> list[dict]:
    """Rows of ``category``: per term x arm, events by ``key`` and subjects by ``subject_key``."""
    subject_key = subject_key or key
    both = pd.concat([events, events.assign(arm=ALL_ARMS)], ignore_index=True)
    n_events = both.groupby([key, "arm"]).size()
    per_subject = both.drop_duplicates(["USUBJID", "arm", subject_key])
    n_subjects = per_subject.groupby([subject_key, "arm"]).size()
    rows = []
    for term in terms:
        for arm in arms:
            subjects = int(n_subjects.get((term, arm), 0))
            n = denominators[arm]
            rows.append({"category": category, "term": term, "arm": arm, "n": n,
                         "subjects": subjects, "percent": 100.0 * subjects / n if n else np.nan,
                         "events": int(n_events.get((term, arm), 0)), "method": method})
    return rows


def _ranked_terms(events: pd.DataFrame, key: str) -> list[str]:
    """Terms by descending number of subjects (all arms), then alphabetically."""
    if not len(events):
        return []
    subjects = events.drop_duplicates(["USUBJID", key]).groupby(key).size()
    order = sorted(subjects.items(), key=lambda item: (-item[1], item[0]))
    return [term for term, _ in order]


def _worst(events: pd.DataFrame, column: str, order: list[str]) -> pd.Series:
    """Per event, its subject's worst known level of ``column`` (UNKNOWN when none is known)."""
    rank = events[column].map({level: i for i, level in enumerate(order)})
    worst = rank.groupby(events["USUBJID"]).transform("max")
    return worst.map(dict(enumerate(order))).fillna(UNKNOWN)


def _comparison_rows(rows: list[dict], protocol: Protocol, denominators: dict[str, int],
                     conf_level: float) -> list[dict]:
    any_teae = {r["arm"]: r["subjects"] for r in rows if r["category"] == "any TEAE"}
    out = []
    for treated, control in comparisons(protocol):
        n1, n2 = denominators[treated], denominators[control]
        row = {"category": "comparison", "term": "any TEAE", "arm": f"{treated} vs {control}",
               "n": n1 + n2, "subjects": any_teae[treated] + any_teae[control],
               "percent": np.nan, "events": pd.NA}
        empty = empty_arms({treated: n1, control: n2}, "the safety set")
        if empty:
            out.append({**row, "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                        "p_value": np.nan, "method": method_text(empty)})
            continue
        test = fisher_exact(any_teae[treated], n1, any_teae[control], n2, conf_level=conf_level)
        out.append({**row, "estimate": float(test["estimate"].iloc[0]),
                    "ci_low": float(test["ci_low"].iloc[0]),
                    "ci_high": float(test["ci_high"].iloc[0]),
                    "p_value": float(test["p_value"].iloc[0]),
                    "conf_level": conf_level,
                    "method": f"{test['method'].iloc[0]} ({level_text(conf_level)} CI); subjects with "
                              f"any TEAE out of the safety set, {treated} vs {control}"})
    return out


def _outside_rows(adae: pd.DataFrame, adsl: pd.DataFrame, saf: pd.Series, arms: list[str],
                  protocol: Protocol, denominators: dict[str, int]) -> list[dict]:
    """Events of safety-set subjects before day 0, and events of subjects outside the set."""
    arm_of = pd.Series(adsl["TRT01P"].astype(str).to_numpy(), index=adsl["USUBJID"].to_numpy())
    arm_of = arm_of[~arm_of.index.duplicated()]
    events = adae.assign(arm=arm_of.reindex(adae["USUBJID"].to_numpy()).fillna("").to_numpy())
    in_saf = events["USUBJID"].isin(saf.index[saf]).to_numpy()
    te = _text(events["TRTEMFL"]).eq("Y").to_numpy()
    not_te = events.loc[in_saf & ~te].assign(key="")
    rows = _counts(not_te, "key", [""], arms, denominators, "not treatment-emergent",
                   "safety set; ADAE TRTEMFL != Y (onset before day 0): events and subjects, "
                   "not counted in the TEAE rows")
    outside = events.loc[~in_saf & events["arm"].isin(protocol.arm_codes)].assign(key="")
    n_out = adsl.loc[~adsl["USUBJID"].isin(saf.index[saf])]
    n_out = {**{a: int((n_out["TRT01P"] == a).sum()) for a in protocol.arm_codes},
             ALL_ARMS: int(n_out["TRT01P"].isin(protocol.arm_codes).sum())}
    rows += _counts(outside, "key", [""], arms, n_out, "outside the safety set",
                    "ADSL SAFFL != Y: events of subjects outside the safety set (any onset), "
                    "not counted elsewhere; percent of the arm's subjects outside the set")
    return rows


def adverse_events_table(derived: Any, protocol: Protocol, *,
                         conf_level: float | None = None) -> pd.DataFrame:
    """Treatment-emergent adverse events of the safety set by arm, with Fisher's exact test.

    Algorithm
    ---------
    1. Safety set: ADSL SAFFL = "Y", each subject in its arm (TRT01P; the
       safety set rule makes it the treatment received). ``n`` = the arm's
       safety set (``"all"``: every arm).
    2. TEAE: ADAE rows with TRTEMFL = "Y" of safety-set subjects.
    3. Per arm and overall: ``subjects`` with at least one event in the row
       (each subject once), ``percent`` = 100 x subjects / n, ``events``.
    4. Categories: ``any TEAE``, ``serious TEAE`` (AESER = Y), ``related
       TEAE`` (AERELFL = Y: related or possibly related), ``severity``
       (terms MILD, MODERATE, SEVERE: subjects by their worst known severity,
       events by their own; UNKNOWN when none is known), ``relatedness``
       (NOT RELATED, POSSIBLY RELATED, RELATED, the same way), ``body
       system`` (AEBODSYS; "Uncoded" for terms outside the dictionary) and
       ``preferred term`` (AEDECOD). Terms of the last two are ordered by
       descending subjects overall, then alphabetically.
    5. ``comparison``: for each (treated, control) pair of the protocol,
       subjects with any TEAE compared by Fisher's exact test (two-sided
       p-value; conditional MLE odds ratio with its exact ``conf_level``
       interval), from :func:`t1dtrial.stats.fisher_exact`.
    6. ``not treatment-emergent`` (safety-set events before day 0) and
       ``outside the safety set`` (events of other subjects): counted apart.

    Parameters
    ----------
    derived : Derived
        From :func:`t1dtrial.derive.derive_all` (``adsl`` and ``adae``).
    protocol : Protocol
        Gives the arms and the comparisons.
    conf_level : float, optional
        Confidence level of the odds ratio interval; default the protocol's
        ``analysis.conf_level`` (column ``conf_level``).

    Returns
    -------
    DataFrame
        Columns :data:`AE_TABLE_COLUMNS`: ``category``, ``term``, ``arm``
        (an arm code, ``"all"``, or ``"<treated> vs <control>"``), ``n``
        (denominator), ``subjects``, ``percent``, ``events``, then
        ``estimate``, ``ci_low``, ``ci_high``, ``p_value`` (comparison rows
        only) and ``method``.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> from t1dtrial.protocol import load_protocol
    >>> adsl = pd.DataFrame({"USUBJID": list("ABCD"), "SAFFL": "Y",
    ...                      "TRT01P": ["MSC", "MSC", "CONTROL", "CONTROL"]})
    >>> adae = pd.DataFrame({"USUBJID": ["A", "B"], "AEDECOD": "Pyrexia", "AEBODSYS": "General",
    ...     "TRTEMFL": "Y", "AESEV": ["MILD", "MODERATE"], "AESER": "N",
    ...     "AEREL": "RELATED", "AERELFL": "Y"})
    >>> t = adverse_events_table(SimpleNamespace(adsl=adsl, adae=adae), load_protocol("lu2021"))
    >>> float(t.loc[t.category == "comparison", "p_value"].iloc[0])
    0.3333333333333333
    """
    fn = "adverse_events_table"
    level = check_table_args(fn, derived, protocol, conf_level,
                             {"adsl": ["USUBJID", "TRT01P", "SAFFL"], "adae": _ADAE_COLUMNS})
    adsl, adae = derived.adsl, derived.adae
    arms = arm_levels(protocol)
    in_arm = adsl["TRT01P"].isin(protocol.arm_codes)
    saf_rows = adsl.loc[adsl["SAFFL"].eq("Y") & in_arm]
    saf = pd.Series(True, index=pd.Index(saf_rows["USUBJID"].unique()))
    arm_of = pd.Series(saf_rows["TRT01P"].astype(str).to_numpy(),
                       index=saf_rows["USUBJID"].to_numpy())
    arm_of = arm_of[~arm_of.index.duplicated()]
    denominators = {**{a: int((arm_of == a).sum()) for a in protocol.arm_codes},
                    ALL_ARMS: len(arm_of)}
    te = adae.loc[_text(adae["TRTEMFL"]).eq("Y") & adae["USUBJID"].isin(arm_of.index)]
    te = pd.DataFrame({
        "USUBJID": te["USUBJID"].to_numpy(),
        "arm": arm_of.reindex(te["USUBJID"].to_numpy()).to_numpy(),
        "any": "",
        "AESER": _text(te["AESER"]).str.upper().to_numpy(),
        "AERELFL": _text(te["AERELFL"]).str.upper().to_numpy(),
        "AESEV": _text(te["AESEV"]).str.upper().replace("", UNKNOWN).to_numpy(),
        "AEREL": _text(te["AEREL"]).str.upper().replace("", UNKNOWN).to_numpy(),
        "AEBODSYS": _text(te["AEBODSYS"]).replace("", "Uncoded").to_numpy(),
        "AEDECOD": _text(te["AEDECOD"]).to_numpy(),
    })
    te["worst_sev"] = _worst(te, "AESEV", _SEVERITY).to_numpy()
    te["worst_rel"] = _worst(te, "AEREL", _RELATEDNESS).to_numpy()
    scope = "safety set; TEAE (ADAE TRTEMFL = Y)"
    rows = _counts(te, "any", [""], arms, denominators, "any TEAE", scope)
    rows += _counts(te.loc[te["AESER"] == "Y"], "any", [""], arms, denominators,
                    "serious TEAE", scope + ", AESER = Y")
    rows += _counts(te.loc[te["AERELFL"] == "Y"], "any", [""], arms, denominators,
                    "related TEAE", scope + ", AERELFL = Y (related or possibly related)")
    for category, column, worst, order in (("severity", "AESEV", "worst_sev", _SEVERITY),
                                           ("relatedness", "AEREL", "worst_rel", _RELATEDNESS)):
        extra = [UNKNOWN] if (te[worst] == UNKNOWN).any() or (te[column] == UNKNOWN).any() else []
        rows += _counts(te, column, order + extra, arms, denominators, category,
                        scope + f"; subjects by their worst known {column}, events by their own",
                        subject_key=worst)
    for category, column in (("body system", "AEBODSYS"), ("preferred term", "AEDECOD")):
        rows += _counts(te, column, _ranked_terms(te, column), arms, denominators, category,
                        scope + f"; by {column}")
    rows += _comparison_rows(rows, protocol, denominators, level)
    rows += _outside_rows(adae, adsl, saf, arms, protocol, denominators)
    table = pd.DataFrame(rows, columns=AE_TABLE_COLUMNS)
    for column in ("n", "subjects", "events"):
        table[column] = table[column].astype("Int64")
    for column in ("percent", "estimate", "ci_low", "ci_high", "p_value", "conf_level"):
        table[column] = table[column].astype(float)
    return table
