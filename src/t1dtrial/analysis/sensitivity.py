"""Sensitivity analyses of the primary responder endpoint.

The arms of the reference study were not randomised and a primary visit can
be missing, so the primary risk difference is re-estimated with one thing
changed at a time (column ``changes``); everything else stays as the primary
analysis: the risk difference, Newcombe's hybrid score interval and the
protocol's test (``analysis.primary_test``).

1. ``primary``: the primary analysis (full analysis set, missing = per
   ``analysis.missing_primary``), for reference;
2. ``per_protocol``: the per-protocol set;
3. ``complete_case``: subjects with an assessable endpoint only;
4. ``multiple_imputation``: a missing endpoint imputed by chained equations
   from arm, baseline fasting C-peptide and age at onset (``m`` =
   ``analysis.mi_imputations``, seeded), pooled by Rubin's rules. Newcombe's
   interval and an exact test cannot be pooled, so the row has the t interval
   and p of the pooled risk difference, and ``multiple_imputation_primary_method``
   beside it has the primary method on the data the imputation starts from
   (the complete cases). With nothing missing there is nothing to impute: the
   row is the primary method on the same data and says so;
5. ``iptw``: inverse probability of treatment weighting by a logistic
   propensity score of ``analysis.propensity_covariates`` (stabilised
   weights), with the weighted risk difference and a robust (sandwich)
   normal interval and Wald p, as neither Newcombe's interval nor an exact
   test has a weighted form; ``iptw_primary_method`` beside it has the
   primary method, unweighted, on the same subjects. Standardised mean
   differences before and after weighting go to the ``balance`` table.

Examples
--------
>>> SENSITIVITY_COLUMNS[:4]
['analysis', 'changes', 'estimand', 'estimate']
"""

from __future__ import annotations

import pandas as pd

from ..protocol import Protocol
from ..stats import (iptw_difference, mi_group_difference, propensity_weights, risk_difference,
                     standardized_differences)
from ._arms import comparisons, endpoint_status, population
from ._estimable import PREFIX, attempt, empty_arms, estimate, not_estimable_rows
from .responders import _TESTS

__all__ = ["sensitivity_analyses", "SENSITIVITY_COLUMNS"]

SENSITIVITY_COLUMNS = ["analysis", "changes", "estimand", "estimate", "ci_low", "ci_high",
                       "p_value", "method", "n", "n_missing", "population", "comparison"]

_MI_AUXILIARY = ["BFCP", "AGEONSET"]
_ESTIMATE = ["estimate", "ci_low", "ci_high", "p_value", "method", "n"]


def _status(adsl: pd.DataFrame, adeff: pd.DataFrame, endpoint: str,
            protocol: Protocol) -> pd.DataFrame:
    out = endpoint_status(adsl, adeff, endpoint, protocol)
    return out.loc[out["STATUS"] != "excluded"]


def _primary_method(data: pd.DataFrame, treated: str, control: str, *, missing_as_failure: bool,
                    level: float, test: str, population: str) -> dict:
    """The primary method on ``data``: risk difference, Newcombe's interval, the protocol's test."""
    y = data["RESPONSE"].fillna(0.0) if missing_as_failure else data["RESPONSE"]
    keep = y.notna()
    arm = data["TRT01P"][keep]
    y = y[keep]
    a, m = int(y[arm == treated].sum()), int((arm == treated).sum())
    c, n = int(y[arm == control].sum()), int((arm == control).sum())
    where = f"the {population}" + ("" if missing_as_failure else " with an assessable endpoint")
    empty = empty_arms({treated: m, control: n}, where)
    if empty:
        return {**not_estimable_rows(_ESTIMATE, empty).iloc[0].to_dict(), "n": m + n}
    rd = _estimated(risk_difference, a, m, c, n, method="newcombe", conf_level=level)
    if _estimable(rd):
        p = estimate(_TESTS[test], a, m, c, n, level).iloc[0]
        rd.update(p_value=p["p_value"], method=f"{rd['method']}; p: {_test_name(test)}")
    return {**rd, "n": m + n}


def _test_name(test: str) -> str:
    """The name of the protocol's test as its method text starts ("Fisher's exact test")."""
    return str(_TESTS[test](1, 2, 1, 2, 0.95)["method"].iat[0]).split(";")[0]


def _estimated(fn, *args, **kwargs) -> dict:
    """The estimate columns of a stats result (NaN and a "not estimable" method when it fails)."""
    r = estimate(fn, *args, **kwargs).iloc[0]
    return {k: r[k] for k in _ESTIMATE}


def _estimable(row: dict) -> bool:
    return not str(row["method"]).startswith(PREFIX)


def _with_reason(row: dict, reason: str) -> dict:
    """``row`` with ``reason`` (why it is not the primary method) added to an estimated method."""
    return {**row, "method": f"{row['method']}; {reason}"} if _estimable(row) else row


def sensitivity_analyses(adsl: pd.DataFrame, adeff: pd.DataFrame, *, protocol: Protocol,
                         seed: int, conf_level: float | None = None
                         ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Re-estimate the primary risk difference with one population or assumption changed.

    Every analysis is repeated for each active arm against control, on the
    subjects of those two arms (``comparison`` "treated vs control", as in
    the primary comparison table).

    Returns
    -------
    (DataFrame, DataFrame, list of str)
        The sensitivity table (:data:`SENSITIVITY_COLUMNS`; ``changes`` says
        what a row changes from the primary analysis), the covariate balance
        table of the propensity weighting (standardised mean differences
        before and after weighting, by ``comparison``) and notes for the
        reader.
    """
    opts = protocol.analysis
    level = conf_level if conf_level is not None else opts.conf_level
    pairs = comparisons(protocol)
    if not pairs:
        return pd.DataFrame(columns=SENSITIVITY_COLUMNS), pd.DataFrame(), []
    endpoint = protocol.primary_endpoint.name
    fas = _status(population(adsl, "FAS"), adeff, endpoint, protocol)
    pp = _status(population(adsl, "PP"), adeff, endpoint, protocol)
    rows, balances, notes = [], [], {}
    for treated, control in pairs:
        pair = [treated, control]
        more_rows, balance, more = _pair_analyses(
            fas.loc[fas["TRT01P"].isin(pair)], pp.loc[pp["TRT01P"].isin(pair)], treated,
            control, opts=opts, level=level, seed=seed)
        rows += more_rows
        if len(balance):
            balances.append(balance.assign(comparison=f"{treated} vs {control}"))
        for note in more:
            notes.setdefault(note, []).append(f"{treated} vs {control}")
    balance = pd.concat(balances, ignore_index=True) if balances else pd.DataFrame()
    # a note that holds for some pairs only names them
    said = [note if len(where) == len(pairs) else f"{note[:-1]} ({'; '.join(where)})."
            for note, where in notes.items()]
    return pd.DataFrame(rows).reindex(columns=SENSITIVITY_COLUMNS), balance, said


def _pair_analyses(fas: pd.DataFrame, pp: pd.DataFrame, treated: str, control: str, *,
                   opts, level: float, seed: int) -> tuple[list[dict], pd.DataFrame, list[str]]:
    """The rows of :func:`sensitivity_analyses` for one pair of arms (their subjects only),
    the balance of its weighting and notes."""
    n_missing = int(fas["RESPONSE"].isna().sum())
    as_failure = opts.missing_primary == "non_responder"
    method = {"treated": treated, "control": control, "level": level, "test": opts.primary_test}
    common = {"estimand": "risk difference", "comparison": f"{treated} vs {control}",
              "population": "FAS", "n_missing": n_missing}
    rows = [
        {"analysis": "primary", "changes": "nothing (the primary analysis)", **common,
         **_primary_method(fas, **method, missing_as_failure=as_failure,
                           population="full analysis set")},
        {"analysis": "per_protocol", "changes": "population: per-protocol set", **common,
         "population": "PP", "n_missing": int(pp["RESPONSE"].isna().sum()),
         **_primary_method(pp, **method, missing_as_failure=as_failure,
                           population="per-protocol set")},
        {"analysis": "complete_case", "changes": "missing data: complete cases", **common,
         **_primary_method(fas, **method, missing_as_failure=False,
                           population="full analysis set")},
    ]
    imputed, notes = _imputation_rows(fas, method, seed=seed, m=opts.mi_imputations)
    rows += [{**common, **r} for r in imputed]
    covs = [c for c in opts.propensity_covariates if c in fas.columns]
    balance = pd.DataFrame()
    if covs:
        data = fas.loc[fas["RESPONSE"].notna() | as_failure].copy()
        data["RESPONSE"] = data["RESPONSE"].fillna(0.0)
        rows += [{**common, **r} for r in _weighting_rows(data, covs, method)]
        balance, note = _balance(data, covs, control)
        notes += note
    return rows, balance, notes


def _imputation_rows(fas: pd.DataFrame, method: dict, *, seed: int, m: int
                     ) -> tuple[list[dict], list[str]]:
    """Multiple imputation and the primary method on the complete cases; or nothing to impute."""
    primary = _primary_method(fas, **method, missing_as_failure=False,
                              population="full analysis set")
    test = _test_name(method["test"])
    if not fas["RESPONSE"].isna().any():
        reason = ("nothing to impute: no subject of the full analysis set misses the primary "
                  "endpoint, so no imputation was made; the primary method on the same data: ")
        row = {**primary, "method": reason + primary["method"]} if _estimable(primary) else primary
        note = ("Multiple imputation: no subject of the full analysis set misses the primary "
                "endpoint, so there is nothing to impute; its row is the primary method on the "
                "same data (equal to the complete-case row).")
        return [{"analysis": "multiple_imputation",
                 "changes": "missing data: multiple imputation (nothing to impute)", **row}], [note]
    aux = [c for c in _MI_AUXILIARY if c in fas.columns and fas[c].notna().all()]
    pooled = _estimated(mi_group_difference, fas.assign(ARM=fas["TRT01P"]), outcome="RESPONSE",
                        group="ARM", covariates=aux, reference=method["control"], m=m, seed=seed,
                        conf_level=method["level"])
    why = (f"Newcombe's interval and {test} cannot be pooled across imputations: t interval and "
           "p of the pooled risk difference; the primary method on the complete cases: row "
           "multiple_imputation_primary_method")
    return [{"analysis": "multiple_imputation", "changes": "missing data: multiple imputation",
             **_with_reason(pooled, why)},
            {"analysis": "multiple_imputation_primary_method",
             "changes": "missing data: complete cases (the primary method beside multiple "
                        "imputation)", **primary}], []


def _weighting_rows(data: pd.DataFrame, covs: list[str], method: dict) -> list[dict]:
    """The weighted risk difference, and the primary method unweighted on the same subjects."""
    weighted = _estimated(iptw_difference, data, outcome="RESPONSE", group="TRT01P",
                          covariates=covs, reference=method["control"],
                          conf_level=method["level"])
    plain = _primary_method(data.dropna(subset=covs), **method, missing_as_failure=False,
                            population="analysis population of the weighting")
    test = _test_name(method["test"])
    why = (f"Newcombe's interval and {test} have no weighted form: normal interval and Wald p "
           "from the robust SE; the primary method unweighted on the same subjects: row "
           "iptw_primary_method")
    return [{"analysis": "iptw", "changes": "weighting: inverse probability of treatment",
             **_with_reason(weighted, why)},
            {"analysis": "iptw_primary_method",
             "changes": "nothing (the primary method, unweighted, on the subjects of the "
                        "weighting)", **plain}]


def _balance(data: pd.DataFrame, covs: list[str], control: str) -> tuple[pd.DataFrame, list[str]]:
    """Standardised mean differences before and after weighting, or a note why not."""
    weights, reason = attempt(propensity_weights, data, group="TRT01P", covariates=covs,
                              reference=control)
    if reason is None:
        balance, reason = attempt(standardized_differences, data, group="TRT01P",
                                  covariates=covs, weights=weights["weight"], reference=control)
        if reason is None:
            return balance, []
    return pd.DataFrame(), ["Covariate balance of the propensity weighting: not estimable "
                            f"({reason})."]
