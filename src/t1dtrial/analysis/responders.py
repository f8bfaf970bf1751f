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
...                      "FASFL": "Y", "SGADONFL": ["Y", "N", "Y", "N"],
...                      "SGJUONFL": ["N", "Y", "N", "Y"]})
>>> adeff = pd.DataFrame({"USUBJID": ["A", "B", "C", "D"], "PARAMCD": "REMISS",
...                       "ANL01FL": "Y", "AVALC": ["Y", "", "N", "N"]})
>>> t = responder_counts(adsl, adeff, "remission", protocol=load_protocol("lu2021"))
>>> t.loc[t.subgroup == "all", ["arm", "n", "responders", "missing"]].values.tolist()
[['MSC', 2, 1, 1], ['CONTROL', 2, 0, 0]]
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import SeparationWarning
from ..protocol import Protocol
from ..protocol.vocabulary import COVARIATES, covariate_label
from ..stats import (chi_square, fisher_exact, interaction_test, odds_ratio, risk_difference,
                     standardized_differences, standardized_risks)
from ._arms import analysed, comparisons, endpoint_status, population, subgroup_masks
from ._estimable import empty_arms, estimate, not_estimable_rows

__all__ = ["responder_counts", "responder_comparison", "counts_with_comparisons",
           "subgroup_interaction", "adjusted_comparison", "COUNT_COLUMNS", "COMPARISON_COLUMNS",
           "INTERACTION_COLUMNS", "ADJUSTED_COLUMNS", "BALANCE_COLUMNS"]

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
        ADSL (``USUBJID``, ``TRT01P``, population flags, the subgroup flags).
    adeff : DataFrame
        ADEFF; rows with ``PARAMCD == endpoint.upper()`` and ``ANL01FL == "Y"``
        are used.
    endpoint : str
        Endpoint name of the protocol, e.g. ``"remission"`` (ADEFF PARAMCD ``REMISS``).
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
    status = endpoint_status(subjects[["USUBJID"]], adeff, endpoint, protocol)["STATUS"].to_numpy()
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


def counts_with_comparisons(counts: pd.DataFrame, comparison: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`responder_counts` with the columns of :func:`responder_comparison`.

    Joined on ``endpoint`` and ``subgroup``; each arm's row carries only the
    comparisons it is part of, so with several active arms the control's row
    appears once a comparison and an active arm's row never carries another
    arm's comparison.

    Examples
    --------
    >>> c = pd.DataFrame({"subgroup": "all", "endpoint": "r", "arm": ["LOW", "HIGH", "C"]})
    >>> k = pd.DataFrame({"subgroup": "all", "endpoint": "r", "n": 2,
    ...                   "comparison": ["LOW vs C", "HIGH vs C"]})
    >>> counts_with_comparisons(c, k)[["arm", "comparison"]].values.tolist()
    [['LOW', 'LOW vs C'], ['HIGH', 'HIGH vs C'], ['C', 'LOW vs C'], ['C', 'HIGH vs C']]
    """
    rows = counts.merge(comparison.drop(columns=["n"]), on=["subgroup", "endpoint"], how="left")
    pairs = [str(c).split(" vs ") if isinstance(c, str) else None for c in rows["comparison"]]
    keep = [p is None or a in p for a, p in zip(rows["arm"], pairs)]
    return rows.loc[keep].reset_index(drop=True)


INTERACTION_COLUMNS = ["subgroup_variable", "term", "subgroup", "test", "estimate", "ci_low",
                       "ci_high", "p_value", "method", "n", "odds_ratio", "or_ci_low",
                       "or_ci_high", "statistic", "df", "endpoint", "comparison"]


def subgroup_interaction(adsl: pd.DataFrame, adeff: pd.DataFrame, endpoint: str, *,
                         protocol: Protocol, population_code: str = "FAS",
                         conf_level: float | None = None) -> pd.DataFrame:
    """Subgroup-by-treatment interaction of a responder endpoint (logistic model).

    For each protocol subgroup, the indicator "in the subgroup" enters a
    logistic model with treatment and their product; the Wald and likelihood-
    ratio tests of the product are reported with the treatment effect in each
    level. One model holds every arm compared (a treatment factor): each
    active arm has its treatment effects and its interaction tests against
    control (``comparison`` "treated vs control"), and with more than one
    active arm the tests of all interaction terms jointly follow
    (``comparison`` "LOW, HIGH vs CONTROL (joint)"). A subgroup that is the exact complement of an earlier one (adult vs
    juvenile onset) gives the same test and is not repeated. Missing endpoint
    values follow ``analysis.missing_primary`` as in :func:`responder_counts`.
    Firth's penalised likelihood replaces maximum likelihood when a subgroup x
    arm cell has no (or only) responders; ``method`` says so.

    Returns
    -------
    DataFrame
        Columns :data:`INTERACTION_COLUMNS`; ``term`` is ``treatment effect``
        (one row per active arm and level) or ``interaction`` (``test`` Wald
        or LR).
    """
    level = conf_level if conf_level is not None else protocol.analysis.conf_level
    pairs = comparisons(protocol)
    if not pairs or not protocol.subgroups:
        return pd.DataFrame(columns=INTERACTION_COLUMNS)
    control = pairs[0][1]
    arms = [*(treated for treated, _ in pairs), control]
    joint = (f"{', '.join(arms[:-1])} vs {control} (joint)", len(pairs) > 1)
    subjects = population(adsl, population_code)
    subjects = subjects.loc[subjects["TRT01P"].isin(arms)]
    data = endpoint_status(subjects, adeff, endpoint, protocol)
    data = data.loc[analysed(data, protocol.analysis.missing_primary)]
    data = data.assign(RESPONSE=data["RESPONSE"].fillna(0.0).astype(int))
    masks = {name: m.to_numpy() for name, m in subgroup_masks(data, protocol).items()}
    frames, done = [], set()
    for sg in protocol.subgroups:
        if sg.name in done:
            continue
        inside = masks[sg.name]
        known = data[sg.flag].isin(["Y", "N"]).to_numpy()
        # a later subgroup that is exactly the rest (juvenile vs adult onset) names the other level
        rest = next((o.name for o in protocol.subgroups if o.name != sg.name
                     and np.array_equal(masks[o.name] & known, ~inside & known)), None)
        if rest:
            done.add(rest)
        label = f"{sg.name} vs {rest}" if rest else sg.name
        sub = data.loc[known].assign(
            SUBGROUP=np.where(inside[known], sg.name, rest or f"not {sg.name}"))
        # a SeparationWarning (Firth used) reaches the caller as it is
        keys = [{"term": "interaction", "comparison": f"{t} vs {c}"} for t, c in pairs]
        fit = estimate(interaction_test, sub, outcome="RESPONSE", group="TRT01P",
                       subgroup="SUBGROUP", family="binomial", reference=control,
                       conf_level=level, keys=keys + ([{"term": "interaction",
                                                        "comparison": joint[0]}]
                                                      if joint[1] else []))
        fit.loc[fit["term"] == "interaction", "subgroup"] = ""
        frames.append(_in_pair_order(fit, pairs, joint[0])
                      .assign(subgroup_variable=label, endpoint=endpoint))
    if not frames:
        return pd.DataFrame(columns=INTERACTION_COLUMNS)
    return pd.concat(frames, ignore_index=True).reindex(columns=INTERACTION_COLUMNS)


def _in_pair_order(fit: pd.DataFrame, pairs: list[tuple[str, str]], joint: str) -> pd.DataFrame:
    """Rows of an interaction fit in protocol arm order: the effects, then the tests by pair,
    then the joint test (named ``joint``, its arms in protocol order)."""
    names = [f"{t} vs {c}" for t, c in pairs]
    fit = fit.assign(comparison=fit["comparison"].where(fit["comparison"].isin(names), joint))
    rank = {name: i for i, name in enumerate([*names, joint])}
    order = pd.DataFrame({"t": fit["term"].ne("treatment effect").astype(int),
                          "c": fit["comparison"].map(rank)}, index=fit.index)
    return fit.loc[order.sort_values(["t", "c"], kind="mergesort").index].reset_index(drop=True)


ADJUSTED_COLUMNS = ["analysis", "estimand", "subgroup", "comparison", "estimate", "ci_low",
                    "ci_high", "p_value", "method", "n", "se", "risk_treated", "risk_control",
                    "covariates", "endpoint"]
BALANCE_COLUMNS = ["term", "smd", "mean_treated", "mean_control", "n", "adjusted", "comparison"]

#: How the rows of :func:`adjusted_comparison` are labelled.
ADJUSTED_LABEL = "covariate-adjusted (standardisation)"

#: Baseline variables whose balance is shown beside the adjusted estimate (with the
#: adjustment covariates): every ADSL baseline covariate but the site and the onset group.
_BASELINE = tuple(c.name for c in COVARIATES if not c.exposure and c.name not in
                  ("SITEID", "ONSETGR", "AGE"))  # the exact age AGEDEC, not completed years


def adjusted_comparison(adsl: pd.DataFrame, adeff: pd.DataFrame, endpoint: str, *,
                        protocol: Protocol, population_code: str = "FAS",
                        conf_level: float | None = None
                        ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Covariate-adjusted risk difference, risk ratio and odds ratio, and the baseline balance.

    For a protocol whose ``design.allocation`` is not ``randomised``, the
    comparison of :func:`responder_comparison` (whole population) is repeated,
    for each active arm against control on the subjects of the two arms,
    adjusted for ``analysis.adjustment_covariates`` (default the
    ``propensity_covariates``) by standardisation
    (:func:`~t1dtrial.stats.standardized_risks`): a logistic model of the
    endpoint on arm and covariates, every subject's predicted risk under each
    arm, averaged over the analysed subjects. Missing endpoint values follow
    ``analysis.missing_primary``; subjects missing a covariate are left out
    (``n`` and a note say so). Firth's penalised likelihood replaces maximum
    likelihood under separation (``method`` says so).

    Returns
    -------
    (DataFrame, DataFrame, list of str)
        The estimates (:data:`ADJUSTED_COLUMNS`; ``analysis`` is
        :data:`ADJUSTED_LABEL`, ``estimand`` risk difference, risk ratio or
        odds ratio), the standardised mean differences of the baseline
        covariates between the arms (:data:`BALANCE_COLUMNS`, by pair in
        protocol order, largest first; ``adjusted`` says whether the model
        includes the covariate) and notes naming the largest imbalance of
        each pair. All empty for a randomised protocol or
        one without a control arm.
    """
    opts = protocol.analysis
    pairs = comparisons(protocol)
    empty = pd.DataFrame(columns=ADJUSTED_COLUMNS), pd.DataFrame(columns=BALANCE_COLUMNS), []
    if protocol.design.allocation == "randomised" or not pairs:
        return empty
    level = conf_level if conf_level is not None else opts.conf_level
    covs = list(opts.adjustment_covariates or opts.propensity_covariates)
    subjects = population(adsl, population_code)
    data = endpoint_status(subjects, adeff, endpoint, protocol)
    data = data.loc[analysed(data, opts.missing_primary)]
    data = data.assign(RESPONSE=data["RESPONSE"].fillna(0.0).astype(int))
    tables, balances, notes = [], [], []
    for treated, control in pairs:
        table, balance, more = _adjusted_pair(data.loc[data["TRT01P"].isin([treated, control])],
                                              endpoint, covs, treated, control, level,
                                              named=len(pairs) > 1)
        tables.append(table)
        balances.append(balance)
        notes += more
    balance = pd.concat([b for b in balances if len(b)] or [balances[0]], ignore_index=True)
    return pd.concat(tables, ignore_index=True), balance, notes


def _adjusted_pair(data: pd.DataFrame, endpoint: str, covs: list[str], treated: str,
                   control: str, level: float, *, named: bool
                   ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """:func:`adjusted_comparison` of one pair of arms, on the subjects of those two arms
    (``named``: the notes name the pair, as there are several)."""
    label = f"{treated} vs {control}"
    where = f"Covariate-adjusted {endpoint}" + (f" ({label})" if named else "")
    notes = []
    absent = [c for c in covs if c not in data.columns]
    if absent:
        reason = f"adjustment covariate(s) {', '.join(absent)} not in ADSL"
        table = not_estimable_rows(ADJUSTED_COLUMNS, reason, [{"estimand": e} for e in _ESTIMANDS])
    else:
        incomplete = int(data[covs].isna().any(axis=1).sum())
        if incomplete:
            notes.append(f"{where}: {incomplete} subject(s) missing an adjustment covariate "
                         f"({', '.join(covs)}) left out of the model.")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SeparationWarning)
            model = data[covs].assign(**{endpoint: data["RESPONSE"], "arm": data["TRT01P"]})
            table = estimate(standardized_risks, model, outcome=endpoint, group="arm",
                             covariates=covs, reference=control, conf_level=level,
                             keys=[{"term": e} for e in _ESTIMANDS])
        notes += [f"{where}: {w.message}." for w in caught
                  if issubclass(w.category, SeparationWarning)]
        table = table.rename(columns={"term": "estimand", "risk_comparator": "risk_treated",
                                      "risk_reference": "risk_control"})
    table = table.assign(analysis=ADJUSTED_LABEL, subgroup="all", comparison=label,
                         covariates=", ".join(covs), endpoint=endpoint)
    balance = _baseline_balance(data, covs, treated, control)
    notes += _balance_notes(balance, covs, label)
    return table.reindex(columns=ADJUSTED_COLUMNS), balance, notes


_ESTIMANDS = ("risk difference", "risk ratio", "odds ratio")


def _baseline_balance(data: pd.DataFrame, covs: list[str], treated: str,
                      control: str) -> pd.DataFrame:
    """Standardised mean differences (treated minus control) of the baseline covariates."""
    frames = []
    for name in dict.fromkeys([*covs, *_BASELINE]):
        if name not in data.columns:
            continue
        sub = data.loc[data[name].notna(), ["TRT01P", name]]
        if sub["TRT01P"].nunique() < 2:
            continue
        smd = standardized_differences(sub, group="TRT01P", covariates=[name], reference=control)
        frames.append(smd.assign(n=len(sub), adjusted="yes" if name in covs else "no"))
    if not frames:
        return pd.DataFrame(columns=BALANCE_COLUMNS)
    out = pd.concat(frames, ignore_index=True).rename(
        columns={"mean_comparator": "mean_treated", "mean_reference": "mean_control"})
    out = out.assign(comparison=f"{treated} vs {control}").dropna(subset=["smd"])
    order = out["smd"].abs().sort_values(ascending=False, kind="stable").index
    return out.loc[order, BALANCE_COLUMNS].reset_index(drop=True)


def _balance_notes(balance: pd.DataFrame, covs: list[str], label: str) -> list[str]:
    """A note naming the largest baseline imbalance and whether the adjustment includes it."""
    if balance.empty:
        return []
    top = balance.iloc[0]
    variable = str(top["term"]).split("[")[0]
    words = ("the adjustment includes it" if variable in covs
             else "the adjustment does NOT include it (not among the adjustment covariates "
                  f"{', '.join(covariate_label(c) for c in covs) or 'none'})")
    flagged = balance.loc[balance["smd"].abs() >= 0.1]
    left_out = sorted({str(t).split("[")[0] for t in flagged["term"]} - {*covs, variable})
    more = (f" Other baseline differences of 0.1 SD or more not adjusted for: "
            f"{', '.join(covariate_label(c) for c in left_out)}." if left_out else "")
    return [f"Baseline balance ({label}; standardised mean difference, table "
            f"primary_adjusted_balance): the largest imbalance is "
            f"{covariate_label(str(top['term']))} (SMD "
            f"{top['smd']:.2f}); {words}.{more}"]
