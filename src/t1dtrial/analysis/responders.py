"""Responder endpoints (remission and other yes/no endpoints) by arm and subgroup.

The primary analysis of the reference study: the proportion in remission at
the primary visit by arm, overall and in each protocol subgroup, compared
between arms by the risk difference (Newcombe's hybrid score interval), the
odds ratio (conditional maximum likelihood with its exact interval) and the
test the protocol names (Fisher's exact test by default).

Missing data follow ``analysis.missing_primary``: ``non_responder`` counts a
subject without an assessable endpoint as not in remission (the subject stays
in ``n`` and is counted in ``missing``); ``exclude`` and
``multiple_imputation`` leave such subjects out of ``n`` here (the imputed
analysis is a sensitivity analysis). Subjects excluded by a zero baseline
(``analysis.zero_baseline_pchg: exclude_subject``) are never in ``n``.

Examples
--------
>>> import pandas as pd
>>> from t1dtrial.protocol import load_protocol
>>> adsl = pd.DataFrame({"USUBJID": ["A", "B", "C", "D"], "TRT01P": ["MSC", "MSC", "CONTROL", "CONTROL"],
...                      "FASFL": "Y", "SG_ADULT_ONSET": ["Y", "N", "Y", "N"],
...                      "SG_JUVENILE_ONSET": ["N", "Y", "N", "Y"]})
>>> adeff = pd.DataFrame({"USUBJID": ["A", "B", "C", "D"], "PARAMCD": "REMISSION",
...                       "ANL01FL": "Y", "AVALC": ["Y", "missing", "N", "N"]})
>>> t = responder_counts(adsl, adeff, "remission", protocol=load_protocol("lu2021"))
>>> t.loc[t.subgroup == "all", ["arm", "n", "responders", "missing"]].values.tolist()
[['MSC', 2, 1, 1], ['CONTROL', 2, 0, 0]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..protocol import Protocol
from ..stats import chi_square, fisher_exact, interaction_test, odds_ratio, risk_difference
from ._arms import analysed, comparisons, endpoint_status, population, subgroup_masks
from ._estimable import empty_arms, estimate, not_estimable_rows

__all__ = ["responder_counts", "responder_comparison", "secondary_responders",
           "subgroup_interaction", "COUNT_COLUMNS", "COMPARISON_COLUMNS", "INTERACTION_COLUMNS"]

COUNT_COLUMNS = ["subgroup", "arm", "n", "responders", "percent", "missing", "excluded",
                 "endpoint", "population", "missing_rule"]
COMPARISON_COLUMNS = ["subgroup", "risk_difference", "rd_ci_low", "rd_ci_high", "odds_ratio",
                      "or_ci_low", "or_ci_high", "p_value", "test", "endpoint", "comparison",
                      "rd_method", "or_method", "n"]

_TESTS = {
    "fisher": lambda a, m, c, n, level: fisher_exact(a, m, c, n, conf_level=level),
    "chisq": lambda a, m, c, n, level: chi_square(a, m, c, n, correct=False),
    "chisq_cc": lambda a, m, c, n, level: chi_square(a, m, c, n, correct=True),
}


def responder_counts(adsl: pd.DataFrame, adeff: pd.DataFrame, endpoint: str, *,
                     protocol: Protocol, population_code: str = "FAS") -> pd.DataFrame:
    """Subjects, responders and percent by subgroup and arm at the endpoint's analysis visit.

    Parameters
    ----------
    adsl : DataFrame
        ADSL (``USUBJID``, ``TRT01P``, population flags, ``SG_<NAME>`` flags).
    adeff : DataFrame
        ADEFF; rows with ``PARAMCD == endpoint.upper()`` and ``ANL01FL == "Y"``
        are used.
    endpoint : str
        Endpoint name of the protocol, e.g. ``"remission"`` (ADEFF PARAMCD ``REMISSION``).
    protocol : Protocol
        Gives arms, subgroups and ``analysis.missing_primary``.
    population_code : str, default "FAS"

    Returns
    -------
    DataFrame
        Columns :data:`COUNT_COLUMNS`; one row per subgroup x arm, in protocol order.
    """
    rule = protocol.analysis.missing_primary
    subjects = population(adsl, population_code)
    status = endpoint_status(subjects[["USUBJID"]], adeff, endpoint)["AVALC"].to_numpy()
    arms = subjects["TRT01P"].to_numpy()
    out = []
    for name, mask in subgroup_masks(subjects, protocol).items():
        inside = mask.to_numpy()
        for arm in protocol.arm_codes:
            sel = inside & (arms == arm)
            yes = int(np.sum(status[sel] == "Y"))
            no = int(np.sum(status[sel] == "N"))
            missing = int(np.sum(status[sel] == "missing"))
            excluded = int(np.sum(status[sel] == "excluded"))
            n = yes + no + (missing if rule == "non_responder" else 0)
            out.append({"subgroup": name, "arm": arm, "n": n, "responders": yes,
                        "percent": 100.0 * yes / n if n else np.nan, "missing": missing,
                        "excluded": excluded, "endpoint": endpoint,
                        "population": population_code, "missing_rule": rule})
    return pd.DataFrame(out, columns=COUNT_COLUMNS)


def responder_comparison(counts: pd.DataFrame, *, protocol: Protocol,
                         conf_level: float | None = None) -> pd.DataFrame:
    """Compare responder proportions between arms in every subgroup of ``counts``.

    Parameters
    ----------
    counts : DataFrame
        Output of :func:`responder_counts`.
    protocol : Protocol
        Gives the arms compared (:func:`~t1dtrial.analysis._arms.comparisons`) and
        ``analysis.primary_test`` and ``conf_level``.

    Returns
    -------
    DataFrame
        Columns :data:`COMPARISON_COLUMNS`: risk difference (treated minus
        control) with Newcombe's hybrid score interval, odds ratio (conditional
        MLE) with its exact conditional interval, and the p-value of the
        protocol's test (``test`` names it).
    """
    level = conf_level if conf_level is not None else protocol.analysis.conf_level
    test = protocol.analysis.primary_test
    out = []
    for (subgroup, endpoint), block in counts.groupby(["subgroup", "endpoint"], sort=False):
        by_arm = block.set_index("arm")
        for treated, control in comparisons(protocol):
            a, m = int(by_arm.at[treated, "responders"]), int(by_arm.at[treated, "n"])
            c, n = int(by_arm.at[control, "responders"]), int(by_arm.at[control, "n"])
            empty = empty_arms({treated: m, control: n}, f"subgroup {subgroup}")
            if empty:
                rd = orr = pv = not_estimable_rows(
                    ["estimate", "ci_low", "ci_high", "p_value", "method"], empty)
            else:
                rd = estimate(risk_difference, a, m, c, n, method="newcombe", conf_level=level)
                orr = estimate(odds_ratio, a, m, c, n, method="conditional", conf_level=level)
                pv = estimate(_TESTS[test], a, m, c, n, level)
            out.append({
                "subgroup": subgroup, "risk_difference": rd.estimate[0],
                "rd_ci_low": rd.ci_low[0], "rd_ci_high": rd.ci_high[0],
                "odds_ratio": orr.estimate[0], "or_ci_low": orr.ci_low[0],
                "or_ci_high": orr.ci_high[0], "p_value": pv.p_value[0], "test": pv.method[0],
                "endpoint": endpoint, "comparison": f"{treated} vs {control}",
                "rd_method": rd.method[0], "or_method": orr.method[0], "n": m + n})
    return pd.DataFrame(out, columns=COMPARISON_COLUMNS)


def secondary_responders(adsl: pd.DataFrame, adeff: pd.DataFrame, *,
                         protocol: Protocol) -> pd.DataFrame:
    """Counts and comparisons of every responder endpoint in ADEFF other than the primary.

    Returns one tidy table: the rows of :func:`responder_counts` followed by
    the columns of :func:`responder_comparison` joined on ``endpoint`` and
    ``subgroup`` (comparison columns repeat on each arm's row).

    Examples
    --------
    The lu2021 protocol adds the DCCT responder (PCP >= 0.2 nmol/L), IDAA1c <= 9
    and insulin independence, each at month 12.
    """
    primary = protocol.primary_endpoint.name.upper()
    names = [p.lower() for p in adeff["PARAMCD"].drop_duplicates()
             if p != primary and p != "INSFREE"]
    frames = []
    for name in names:
        counts = responder_counts(adsl, adeff, name, protocol=protocol)
        comp = responder_comparison(counts, protocol=protocol)
        frames.append(counts.merge(comp.drop(columns=["n"]), on=["subgroup", "endpoint"],
                                   how="left"))
    if not frames:
        return pd.DataFrame(columns=COUNT_COLUMNS)
    return pd.concat(frames, ignore_index=True)


INTERACTION_COLUMNS = ["subgroup_variable", "term", "subgroup", "test", "estimate", "ci_low",
                       "ci_high", "p_value", "method", "n", "odds_ratio", "or_ci_low",
                       "or_ci_high", "statistic", "df", "endpoint"]


def subgroup_interaction(adsl: pd.DataFrame, adeff: pd.DataFrame, endpoint: str, *,
                         protocol: Protocol, population_code: str = "FAS",
                         conf_level: float | None = None) -> pd.DataFrame:
    """Subgroup-by-treatment interaction of a responder endpoint (logistic model).

    For each protocol subgroup, the indicator "in the subgroup" enters a
    logistic model with treatment and their product; the Wald and likelihood-
    ratio tests of the product are reported with the treatment effect in each
    level. A subgroup that is the exact complement of an earlier one (adult vs
    juvenile onset) gives the same test and is not repeated. Missing endpoint
    values follow ``analysis.missing_primary`` as in :func:`responder_counts`.
    Firth's penalised likelihood replaces maximum likelihood when a subgroup x
    arm cell has no (or only) responders; ``method`` says so.

    Returns
    -------
    DataFrame
        Columns :data:`INTERACTION_COLUMNS`; ``term`` is ``treatment effect``
        (one row per level) or ``interaction`` (``test`` Wald or LR).
    """
    level = conf_level if conf_level is not None else protocol.analysis.conf_level
    pairs = comparisons(protocol)
    if not pairs or not protocol.subgroups:
        return pd.DataFrame(columns=INTERACTION_COLUMNS)
    treated, control = pairs[0]
    subjects = population(adsl, population_code)
    subjects = subjects.loc[subjects["TRT01P"].isin([treated, control])]
    data = endpoint_status(subjects, adeff, endpoint)
    data = data.loc[analysed(data, protocol.analysis.missing_primary)]
    data = data.assign(RESPONSE=data["RESPONSE"].fillna(0.0).astype(int))
    masks = {name: m.to_numpy() for name, m in subgroup_masks(data, protocol).items()}
    frames, done = [], set()
    for sg in protocol.subgroups:
        if sg.name in done:
            continue
        inside = masks[sg.name]
        known = data[f"SG_{sg.name.upper()}"].isin(["Y", "N"]).to_numpy()
        # a later subgroup that is exactly the rest (juvenile vs adult onset) names the other level
        rest = next((o.name for o in protocol.subgroups if o.name != sg.name
                     and np.array_equal(masks[o.name] & known, ~inside & known)), None)
        if rest:
            done.add(rest)
        label = f"{sg.name} vs {rest}" if rest else sg.name
        sub = data.loc[known].assign(
            SUBGROUP=np.where(inside[known], sg.name, rest or f"not {sg.name}"))
        # a SeparationWarning (Firth used) reaches the caller as it is
        fit = estimate(interaction_test, sub, outcome="RESPONSE", group="TRT01P",
                       subgroup="SUBGROUP", family="binomial", reference=control,
                       conf_level=level, keys=[{"term": "interaction"}])
        fit.loc[fit["term"] == "interaction", "subgroup"] = ""
        frames.append(fit.assign(subgroup_variable=label, endpoint=endpoint))
    if not frames:
        return pd.DataFrame(columns=INTERACTION_COLUMNS)
    return pd.concat(frames, ignore_index=True).reindex(columns=INTERACTION_COLUMNS)
