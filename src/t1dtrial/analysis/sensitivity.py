"""Sensitivity analyses of the primary responder endpoint.

The arms of the reference study were not randomised and a primary visit can
be missing, so the primary risk difference is re-estimated four ways:

1. ``primary``: as the primary analysis (full analysis set, missing =
   per ``analysis.missing_primary``), for reference;
2. ``per_protocol``: the per-protocol set;
3. ``complete_case``: subjects with an assessable endpoint only;
4. ``multiple_imputation``: a missing endpoint imputed by chained equations
   from arm, baseline fasting C-peptide and age at onset (``m`` =
   ``analysis.mi_imputations``, seeded), pooled by Rubin's rules;
5. ``iptw``: inverse probability of treatment weighting by a logistic
   propensity score of ``analysis.propensity_covariates`` (stabilised
   weights), with the weighted risk difference and a robust (sandwich)
   interval; standardised mean differences before and after weighting go to
   the ``balance`` table.

Examples
--------
>>> SENSITIVITY_COLUMNS[:4]
['analysis', 'estimand', 'estimate', 'ci_low']
"""

from __future__ import annotations

import pandas as pd

from ..protocol import Protocol
from ..stats import (iptw_difference, mi_group_difference, propensity_weights, risk_difference,
                     standardized_differences)
from ._arms import comparisons, endpoint_status, population
from ._estimable import attempt, empty_arms, estimate, not_estimable_rows

__all__ = ["sensitivity_analyses", "SENSITIVITY_COLUMNS"]

SENSITIVITY_COLUMNS = ["analysis", "estimand", "estimate", "ci_low", "ci_high", "p_value",
                       "method", "n", "n_missing", "population", "comparison"]

_MI_AUXILIARY = ["BFCP", "AGEONSET"]
_ESTIMATE = ["estimate", "ci_low", "ci_high", "p_value", "method", "n"]


def _status(adsl: pd.DataFrame, adeff: pd.DataFrame, endpoint: str) -> pd.DataFrame:
    out = endpoint_status(adsl, adeff, endpoint)
    return out.loc[out["AVALC"] != "excluded"]


def _rd_row(data: pd.DataFrame, treated: str, control: str, *, missing_as_failure: bool,
            level: float, population: str) -> dict:
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
    return {**_estimated(risk_difference, a, m, c, n, method="newcombe", conf_level=level),
            "n": m + n}


def _estimated(fn, *args, **kwargs) -> dict:
    """The estimate columns of a stats result (NaN and a "not estimable" method when it fails)."""
    r = estimate(fn, *args, **kwargs).iloc[0]
    return {k: r[k] for k in _ESTIMATE}


def sensitivity_analyses(adsl: pd.DataFrame, adeff: pd.DataFrame, *, protocol: Protocol,
                         seed: int, conf_level: float | None = None
                         ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Re-estimate the primary risk difference under other populations and assumptions.

    Returns
    -------
    (DataFrame, DataFrame, list of str)
        The sensitivity table (:data:`SENSITIVITY_COLUMNS`), the covariate
        balance table of the propensity weighting (standardised mean
        differences before and after weighting) and notes for the reader.
    """
    opts = protocol.analysis
    level = conf_level if conf_level is not None else opts.conf_level
    pairs = comparisons(protocol)
    if not pairs:
        return pd.DataFrame(columns=SENSITIVITY_COLUMNS), pd.DataFrame(), []
    treated, control = pairs[0]
    endpoint = protocol.primary_endpoint.name
    notes: list[str] = []
    fas = _status(population(adsl, "FAS"), adeff, endpoint)
    fas = fas.loc[fas["TRT01P"].isin([treated, control])]
    pp = _status(population(adsl, "PP"), adeff, endpoint)
    pp = pp.loc[pp["TRT01P"].isin([treated, control])]
    n_missing = int(fas["RESPONSE"].isna().sum())
    as_failure = opts.missing_primary == "non_responder"
    common = {"estimand": "risk difference", "comparison": f"{treated} vs {control}"}
    rows = [
        {"analysis": "primary", **common, "population": "FAS", "n_missing": n_missing,
         **_rd_row(fas, treated, control, missing_as_failure=as_failure, level=level,
                  population="full analysis set")},
        {"analysis": "per_protocol", **common, "population": "PP",
         "n_missing": int(pp["RESPONSE"].isna().sum()),
         **_rd_row(pp, treated, control, missing_as_failure=as_failure, level=level,
                  population="per-protocol set")},
        {"analysis": "complete_case", **common, "population": "FAS", "n_missing": n_missing,
         **_rd_row(fas, treated, control, missing_as_failure=False, level=level,
                  population="full analysis set")},
    ]

    aux = [c for c in _MI_AUXILIARY if c in fas.columns and fas[c].notna().all()]
    if n_missing == 0:
        notes.append("Multiple imputation: no subject misses the primary endpoint, so the "
                     "imputed analysis equals the complete-case one.")
    fas_row = {**common, "population": "FAS", "n_missing": n_missing}
    rows.append({"analysis": "multiple_imputation", **fas_row, **_estimated(
        mi_group_difference, fas.assign(ARM=fas["TRT01P"]), outcome="RESPONSE", group="ARM",
        covariates=aux, reference=control, m=opts.mi_imputations, seed=seed, conf_level=level)})

    covs = [c for c in opts.propensity_covariates if c in fas.columns]
    balance = pd.DataFrame()
    if covs:
        data = fas.loc[fas["RESPONSE"].notna() | as_failure].copy()
        data["RESPONSE"] = data["RESPONSE"].fillna(0.0)
        rows.append({"analysis": "iptw", **fas_row, **_estimated(
            iptw_difference, data, outcome="RESPONSE", group="TRT01P", covariates=covs,
            reference=control, conf_level=level)})
        weights, reason = attempt(propensity_weights, data, group="TRT01P", covariates=covs,
                                  reference=control)
        if reason is None:
            balance, reason = attempt(standardized_differences, data, group="TRT01P",
                                      covariates=covs, weights=weights["weight"],
                                      reference=control)
        if reason is not None:
            balance = pd.DataFrame()
            notes.append("Covariate balance of the propensity weighting: not estimable "
                         f"({reason}).")
    return pd.DataFrame(rows).reindex(columns=SENSITIVITY_COLUMNS), balance, notes
