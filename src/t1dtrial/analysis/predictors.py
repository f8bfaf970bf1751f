"""Predictors of the primary endpoint: the multivariable logistic model.

Among subjects of the protocol's ``analysis.predictor_arms`` (the MSC arm for
lu2021) in the full analysis set, the primary endpoint (1 = responder) is
regressed on ``analysis.predictor_covariates`` (ADSL names, e.g. ``BFCP``,
``CUMDOSE``). Intervals are profile-likelihood. With fewer than
:data:`MIN_EVENTS_PER_VARIABLE` events per variable (the smaller of the
responder and non-responder counts per model coefficient; some 27 subjects
rarely reach it) maximum-likelihood odds ratios are biased away from 1, so
Firth's penalised likelihood is used; otherwise maximum likelihood, unless the
covariates separate the outcome, when Firth's penalised likelihood is used
instead and a :class:`~t1dtrial.errors.SeparationWarning` is recorded in the
notes. The ``method`` column says which fit and why, and
``events_per_variable`` gives the ratio.

Covariates enter on clinically readable scales: C-peptide per 0.1 nmol/L,
cell doses per 10^6 cells/kg, durations per 30 days; the ``term`` says which.
When the data cannot support the model (every subject a responder, or none;
too few subjects for the covariates) each covariate gets a row marked not
estimable, with the reason.

Examples
--------
>>> SCALES["CUMDOSE"]
(1000000.0, 'per 10^6 cells/kg')
"""

from __future__ import annotations

import re
import warnings

import pandas as pd

from ..errors import InputError, Problem, SeparationWarning
from ..protocol import Protocol
from ..stats import detect_separation, logistic_regression
from ._arms import analysed, endpoint_status, population
from ._estimable import attempt, not_estimable_rows

__all__ = ["predictor_model", "SCALES", "scale_of", "LOGISTIC_COLUMNS", "MIN_EVENTS_PER_VARIABLE"]

LOGISTIC_COLUMNS = ["term", "odds_ratio", "ci_low", "ci_high", "p_value", "method", "estimate",
                    "se", "n", "events", "scale", "events_per_variable"]

#: Below this many events per variable the predictor model uses Firth's penalised likelihood.
MIN_EVENTS_PER_VARIABLE = 10

#: ADSL covariate -> (divisor, words) used to put odds ratios on a readable scale.
SCALES: dict[str, tuple[float, str]] = {
    "BFCP": (0.1, "per 0.1 nmol/L"),
    "BPCP": (0.1, "per 0.1 nmol/L"),
    "CUMDOSE": (1e6, "per 10^6 cells/kg"),
    "DOSE1": (1e6, "per 10^6 cells/kg"),
    "DOSE2": (1e6, "per 10^6 cells/kg"),
    "BHBA1C": (1.0, "per 1 %"),
    "BINSDOSE": (0.1, "per 0.1 U/kg/day"),
    "AGEONSET": (1.0, "per year"),
    "AGE": (1.0, "per year"),
    "AGEDEC": (1.0, "per year"),
    "DURDIAG": (30.0, "per 30 days"),
    "WEIGHTBL": (1.0, "per kg"),
}


#: Cell doses in ADSL (cells/kg): a dose of infusion k, of a product of it, or cumulative.
_DOSE_COLUMN = re.compile(r"^(DOSE[0-9]+[A-Z0-9]*|CUMDOSE|CUMD[A-Z0-9]{1,4})$")


def scale_of(covariate: str) -> tuple[float, str] | None:
    """The divisor and words that put a covariate's odds ratio on a readable scale.

    :data:`SCALES`, and every cell-dose column of ADSL (``DOSE<k>``,
    ``DOSE<k><product>``, ``CUMDOSE``, ``CUMD<product>``) per 10^6 cells/kg;
    None for a covariate taken as it is.

    Examples
    --------
    >>> scale_of("CUMDMSC"), scale_of("DOSE2MNC"), scale_of("SEX")
    ((1000000.0, 'per 10^6 cells/kg'), (1000000.0, 'per 10^6 cells/kg'), None)
    """
    if covariate in SCALES:
        return SCALES[covariate]
    if _DOSE_COLUMN.match(covariate):
        return SCALES["CUMDOSE"]
    return None


def predictor_model(adsl: pd.DataFrame, adeff: pd.DataFrame, *, protocol: Protocol,
                    endpoint: str | None = None, population_code: str = "FAS",
                    conf_level: float | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Fit the protocol's predictor model of a responder endpoint.

    Parameters
    ----------
    adsl, adeff : DataFrame
        ADSL (covariates, ``TRT01P``, flags) and ADEFF (responder flags).
    protocol : Protocol
        ``analysis.predictor_arms`` and ``analysis.predictor_covariates``.
    endpoint : str, optional
        ADEFF PARAMCD; default the primary endpoint.

    Returns
    -------
    (DataFrame, list of str)
        The table (columns :data:`LOGISTIC_COLUMNS`, intercept excluded) and
        notes for the reader (separation, subjects left out).

    Raises
    ------
    InputError
        If a covariate named by the protocol is not an ADSL column.
    """
    opts = protocol.analysis
    level = conf_level if conf_level is not None else opts.conf_level
    endpoint = endpoint or protocol.primary_endpoint.name
    covs = list(opts.predictor_covariates)
    if not covs:
        return pd.DataFrame(columns=LOGISTIC_COLUMNS), []
    unknown = [c for c in covs if c not in adsl.columns]
    if unknown:
        raise InputError([Problem(file="protocol", row=None,
                                  column="analysis.predictor_covariates", value=", ".join(unknown),
                                  problem="not a column of ADSL",
                                  expected="ADSL names such as BFCP, BPCP, CUMDOSE, AGEONSET, "
                                           "SEX, DURDIAG, WEIGHTBL")])
    subjects = population(adsl, population_code)
    if opts.predictor_arms:
        subjects = subjects.loc[subjects["TRT01P"].isin(opts.predictor_arms)]
    data = endpoint_status(subjects[["USUBJID", *covs]], adeff, endpoint, protocol)
    notes = []
    keep = analysed(data, opts.missing_primary)
    dropped = int((~keep).sum())
    if dropped:
        notes.append(f"Predictor model: {dropped} subject(s) without an assessable {endpoint} "
                     "left out.")
    data = data.loc[keep].copy()
    data["RESPONSE"] = data["RESPONSE"].fillna(0.0).astype(int)
    terms = {}
    for c in covs:
        scale = scale_of(c)
        if scale is not None and pd.api.types.is_numeric_dtype(data[c]):
            div, words = scale
            data[c] = data[c] / div
            terms[c] = f"{c} ({words})"
    epv = _events_per_variable(data, covs)
    few = epv < MIN_EVENTS_PER_VARIABLE
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SeparationWarning)
        fit, reason = attempt(logistic_regression, data, outcome="RESPONSE", predictors=covs,
                              method="firth" if few else "auto", conf_level=level)
        if few and reason is None:
            sep, _ = attempt(detect_separation, data, outcome="RESPONSE", predictors=covs)
            if sep is not None and sep.separated:
                warnings.warn(f"{sep.kind} separation of '{endpoint}' by "
                              f"{', '.join(sep.terms) or 'the model'}: maximum-likelihood "
                              "estimates do not exist (Firth's penalised likelihood is used)",
                              SeparationWarning, stacklevel=2)
    for w in caught:
        if issubclass(w.category, SeparationWarning):
            notes.append(f"Predictor model: {w.message}")
            warnings.warn(w.message, SeparationWarning, stacklevel=2)
    if reason is not None:
        fit = not_estimable_rows(["estimate", "or_ci_low", "or_ci_high", "p_value", "method",
                                  "odds_ratio", "se"], reason, [{"term": c} for c in covs])
        fit["n"] = len(data)
    fit = fit.loc[fit["term"] != "(Intercept)"].copy()
    fit["scale"] = [scale_of(t)[1] if t in terms else "" for t in fit["term"]]
    fit["term"] = [terms.get(t, t) for t in fit["term"]]
    fit["events"] = int(data["RESPONSE"].sum())
    if reason is None:
        fit["method"] = fit["method"] + (
            f"; Firth chosen: events per variable {epv:.1f} < {MIN_EVENTS_PER_VARIABLE}" if few
            else f"; events per variable {epv:.1f}")
    out = pd.DataFrame({
        "term": fit["term"], "odds_ratio": fit["odds_ratio"], "ci_low": fit["or_ci_low"],
        "ci_high": fit["or_ci_high"], "p_value": fit["p_value"], "method": fit["method"],
        "estimate": fit["estimate"], "se": fit["se"], "n": fit["n"], "events": fit["events"],
        "scale": fit["scale"], "events_per_variable": epv})
    return out.reset_index(drop=True), notes


def _events_per_variable(data: pd.DataFrame, covs: list[str]) -> float:
    """The smaller of responders and non-responders per model coefficient (intercept apart).

    Examples
    --------
    >>> d = pd.DataFrame({"RESPONSE": [1] * 11 + [0] * 16, "BFCP": 0.1,
    ...                   "SEX": ["F", "M"] * 13 + ["F"]})
    >>> _events_per_variable(d, ["BFCP", "SEX"])
    5.5
    """
    events = int(data["RESPONSE"].sum())
    fewer = min(events, len(data) - events)
    coefs = sum(1 if pd.api.types.is_numeric_dtype(data[c]) and not pd.api.types.is_bool_dtype(
        data[c]) else max(data[c].nunique() - 1, 1) for c in covs)
    return fewer / coefs if coefs else float("nan")
