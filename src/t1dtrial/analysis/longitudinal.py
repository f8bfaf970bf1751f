"""The mixed model for repeated measures over every post-baseline visit.

For each parameter among the protocol's continuous endpoints (change or
value summaries), over the full analysis set: one model of every arm compared
with control (a treatment factor of as many levels as arms, so each active arm
is compared with control from the same fit, on the same covariance): the
follow-up value at each post-baseline visit ~ treatment x visit + baseline x
visit + the protocol's
``ancova_covariates``, with the within-subject covariance of the protocol's
``mmrm_covariance`` (default unstructured) or, when that cannot be fitted, the
first structure of its ``mmrm_fallback`` sequence that can (default
heterogeneous Toeplitz, heterogeneous AR(1), heterogeneous compound symmetry,
compound symmetry); ``method`` says which and why, the table
``mmrm_covariance`` gives each structure tried with its REML log-likelihood
and AIC, and a note names every fallback. C-peptide parameters are also analysed on the log(x + 1) scale. Subjects
contribute every visit they have: missing visits are not imputed (valid under
missing at random). The model uses the visits present in the data: a visit
with no value is left out (an interim data cut), and a visit where an arm has
no value, or fewer subjects than its own terms (intercept, treatment effect,
baseline slope), is left out with a row saying so.

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> mmrm_params(load_protocol("lu2021"))
[('FCP', 'none'), ('FCP', 'log1p'), ('PCP', 'none'), ('PCP', 'log1p'), ('HBA1C', 'none'), ('INSDOSE', 'none')]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..protocol import Protocol
from ..stats import mmrm_fit
from ._arms import comparisons, population
from ._estimable import attempt, not_estimable_rows
from ..derive import is_cpeptide
from .continuous import continuous_endpoints

__all__ = ["mmrm_params", "mmrm_table", "mmrm_analysis", "MMRM_COLUMNS", "COVARIANCE_COLUMNS"]

MMRM_COLUMNS = ["param", "scale", "visit", "term", "group", "comparison", "estimate", "ci_low",
                "ci_high", "p_value", "method", "n", "se", "df"]
#: Columns of the table of covariance structures tried: one row a structure and model.
COVARIANCE_COLUMNS = ["param", "scale", "structure", "used", "converged", "reason",
                      "n_parameters", "reml_loglik", "aic"]


def mmrm_params(protocol: Protocol) -> list[tuple[str, str]]:
    """``(PARAMCD, scale)`` pairs modelled, in protocol order, without repeats."""
    out: list[tuple[str, str]] = []
    for ep in continuous_endpoints(protocol):
        if ep.summary == "percent_change":
            continue
        scales = ["none", "log1p"] if (is_cpeptide(ep.param) or ep.transform == "log1p") \
            else ["none"]
        for scale in scales:
            if (ep.param, scale) not in out:
                out.append((ep.param, scale))
    return out


def mmrm_table(adsl: pd.DataFrame, adlb: pd.DataFrame, *, protocol: Protocol,
               population_code: str = "FAS", conf_level: float | None = None) -> pd.DataFrame:
    """Least-squares means by visit and arm, and their difference, for each modelled parameter.

    Returns
    -------
    DataFrame
        Columns :data:`MMRM_COLUMNS`; ``term`` is ``lsmean`` (one row an arm)
        or ``difference`` (one row an active arm, minus control; ``comparison``
        "treated vs control" as in the primary comparison table).
        A parameter whose model cannot be fitted gets one row saying why; a
        visit left out of the model gets one ``difference`` row saying why.
    """
    return mmrm_analysis(adsl, adlb, protocol=protocol, population_code=population_code,
                         conf_level=conf_level)[0]


def mmrm_analysis(adsl: pd.DataFrame, adlb: pd.DataFrame, *, protocol: Protocol,
                  population_code: str = "FAS", conf_level: float | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The mixed models of :func:`mmrm_table`, the covariance structures tried, and notes.

    Returns
    -------
    tuple
        The table of :func:`mmrm_table`; a table (:data:`COVARIANCE_COLUMNS`)
        with one row a parameter, scale and covariance structure tried; and
        one note a model fitted with a fallback structure or near the boundary
        of the parameter space.
    """
    level = conf_level if conf_level is not None else protocol.analysis.conf_level
    options = protocol.analysis
    pairs = comparisons(protocol)
    fits: list[pd.DataFrame] = []
    notes: list[str] = []
    if not pairs:
        return (pd.DataFrame(columns=MMRM_COLUMNS), pd.DataFrame(columns=COVARIANCE_COLUMNS),
                notes)
    control = pairs[0][1]
    arms = [*(treated for treated, _ in pairs), control]
    covs = list(protocol.analysis.ancova_covariates)
    subjects = population(adsl, population_code)
    subjects = subjects.loc[subjects["TRT01P"].isin(arms), ["USUBJID", "TRT01P", *covs]]
    visits = protocol.visit_codes
    post = visits[visits.index(protocol.baseline_visit) + 1:]
    frames = []
    for param, scale in mmrm_params(protocol):
        recs = adlb.loc[(adlb["PARAMCD"] == param) & (adlb["ANL01FL"] == "Y")
                        & adlb["AVISIT"].isin(post), ["USUBJID", "AVISIT", "AVAL", "BASE"]]
        data = subjects.merge(recs, on="USUBJID", how="inner")
        if scale == "log1p":
            data = data.assign(AVAL=np.log1p(data["AVAL"]), BASE=np.log1p(data["BASE"]))
        present, left_out = _model_visits(data, post, arms)
        key = {"param": param, "scale": scale}
        fit, reason = (None, "no post-baseline visit with values in every arm")
        if present:
            fit, reason = attempt(mmrm_fit, data.loc[data["AVISIT"].isin(present)],
                                  subject="USUBJID", visit="AVISIT", outcome="AVAL",
                                  group="TRT01P", baseline="BASE", covariates=covs,
                                  reference=control, visit_order=present, conf_level=level,
                                  covariance=options.mmrm_covariance,
                                  fallback=options.mmrm_fallback)
        if reason is None:
            tried = fit.covariance_fits.assign(**key)
            fits.append(tried)
            notes += _covariance_notes(param, scale, tried)
            fit = _in_arm_order(fit.table, arms, present)
        frames.append(fit.assign(**key) if reason is None
                      else not_estimable_rows(MMRM_COLUMNS, reason, [key]))
        frames += [not_estimable_rows(MMRM_COLUMNS, why, [{**key, "visit": v,
                                                            "term": "difference",
                                                            "comparison": f"{t} vs {c}"}
                                                           for t, c in pairs])
                   for v, why in left_out.items()]
    table = (pd.concat(frames, ignore_index=True).reindex(columns=MMRM_COLUMNS) if frames
             else pd.DataFrame(columns=MMRM_COLUMNS))
    tried = (pd.concat(fits, ignore_index=True).reindex(columns=COVARIANCE_COLUMNS) if fits
             else pd.DataFrame(columns=COVARIANCE_COLUMNS))
    return table, tried, notes


def _in_arm_order(table: pd.DataFrame, arms: list[str], visits: list[str]) -> pd.DataFrame:
    """Rows by visit, least-squares means in protocol arm order, then each difference
    (``comparison`` "treated vs control", as the primary comparison table names it)."""
    control = arms[-1]
    rank = {**{a: i for i, a in enumerate(arms)},
            **{f"{a} - {control}": i for i, a in enumerate(arms)}}
    out = table.assign(comparison=table["group"].map(
        lambda g: f"{g[:-len(' - ' + control)]} vs {control}"
        if str(g).endswith(f" - {control}") else None))
    order = pd.DataFrame({"v": out["visit"].map({v: i for i, v in enumerate(visits)}),
                          "t": out["term"].ne("lsmean").astype(int),
                          "a": out["group"].map(rank)}, index=out.index)
    return out.loc[order.sort_values(["v", "t", "a"], kind="mergesort").index]\
        .reset_index(drop=True)


def _covariance_notes(param: str, scale: str, tried: pd.DataFrame) -> list[str]:
    """A note when the model used a fallback structure, or one near the boundary."""
    where = f"The mixed model of {param}" + (" on the log(x + 1) scale" if scale == "log1p" else "")
    used = tried.loc[tried["used"]].iloc[0]
    out = []
    if len(tried) > 1:
        why = "; ".join(f"{r.structure}: {r.reason}"
                        for r in tried.loc[~tried["used"]].itertuples())
        out.append(f"{where} used a {used['structure']} covariance, as the protocol's fallback "
                   f"sequence allows ({why}); see mmrm_covariance.csv.")
    if used["reason"]:
        out.append(f"{where}: the {used['structure']} covariance is {used['reason']}; the fit is "
                   "valid but its standard errors and degrees of freedom rest on a covariance "
                   "close to singular.")
    return out


def _model_visits(data: pd.DataFrame, visits: list[str],
                  arms: list[str]) -> tuple[list[str], dict[str, str]]:
    """Visits the model can use, and why each other visit with values is left out.

    A visit needs a value in each arm and at least three subjects (its own
    intercept, treatment effect and baseline slope); a visit without any
    value is simply absent (e.g. after an interim data cut).
    """
    use, left_out = [], {}
    for v in visits:
        at = data.loc[data["AVISIT"] == v]
        if at.empty:
            continue
        absent = [a for a in arms if not at["TRT01P"].eq(a).any()]
        if absent:
            left_out[v] = (f"no value of arm {', '.join(absent)} at {v}; the visit is left out "
                           "of the model")
        elif at["USUBJID"].nunique() < 3:
            left_out[v] = (f"{at['USUBJID'].nunique()} subjects with a value at {v}, fewer than "
                           "the visit's own terms (intercept, treatment, baseline); the visit is "
                           "left out of the model")
        else:
            use.append(v)
    return use, left_out
