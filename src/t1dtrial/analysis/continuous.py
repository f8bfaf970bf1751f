"""Continuous secondary endpoints: C-peptide, HbA1c and insulin dose at every visit.

For each continuous endpoint of the protocol, each analysis visit and each
subgroup (``all`` first), over the full analysis set:

1. descriptive statistics of the summary variable (AVAL, CHG or PCHG) by arm:
   ``n``, mean (``estimate``), ``sd``, ``median``, ``q1``, ``q3`` (type-7
   quantiles, R's default);
2. within each arm, for change and percent change: the one-sample t-test and
   the Wilcoxon signed-rank test with the Hodges–Lehmann pseudo-median, of
   the change against 0 (the only comparisons of a single-arm trial). They
   show change over time in one arm, not a difference between arms; their
   ``method`` says so;
3. between arms (treated minus control): Welch's t-test and the Wilcoxon–Mann–
   Whitney test with the Hodges–Lehmann shift and its interval;
4. for change and value summaries, the ANCOVA of the summary variable
   adjusted for its baseline and the protocol's ``ancova_covariates``, with
   least-squares means (the TrialNet shape); for C-peptide parameters also on
   the ``log(x + 1)`` scale (Lachin et al. 2011). For a change the model is
   ``CHG ~ BASE + covariates + arm`` (on the log scale
   ``log(y + 1) - log(b + 1) ~ log(b + 1) + ...``), so the least-squares
   means are adjusted changes, tested against 0 within the arm; the
   difference between arms equals that of the follow-up value adjusted for
   baseline. The least-squares means of the follow-up value itself are the
   ``*_lsmean_value`` rows, with no p-value (a level of 0 is no hypothesis).
   For a value summary the least-squares means are those of the value, also
   without a p-value.

Records are ADLB rows with ``ANL01FL == "Y"``; a subject without a value at a
visit is not in that visit's ``n`` (missing data are counted, not imputed).

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> [e.name for e in continuous_endpoints(load_protocol("lu2021"))][:2]
['fcp_change', 'pcp_change']
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from ..protocol import ContinuousEndpoint, Protocol
from ..protocol.vocabulary import covariate_label
from ..stats.continuous import ancova_arrays, mann_whitney_row, welch_t_row
from ..stats._design import complete_cases, model_arrays
from ..stats.one_sample import one_sample_t_row, wilcoxon_signed_rank_row
from ..derive import is_cpeptide
from ._arms import comparisons, population, subgroup_masks
from ..protocol.kinds import outcome
from ._estimable import PREFIX, estimate_rows
from .baseline import describe_values

__all__ = ["continuous_endpoints", "secondary_continuous", "analysis_visits", "covariate_words",
           "SECONDARY_COLUMNS"]

SECONDARY_COLUMNS = ["endpoint", "param", "summary", "visit", "subgroup", "analysis", "group",
                     "estimate", "ci_low", "ci_high", "p_value", "method", "n", "sd", "median",
                     "q1", "q3", "conf_level"]

#: Said after the method of a within-arm test: what such a test can and cannot show.
WITHIN_ARM = ("; within-arm test against 0: change over time in one arm, "
              "not a comparison of arms")

_SUMMARY_COLUMN = {"value": "AVAL", "change": "CHG", "percent_change": "PCHG"}


def continuous_endpoints(protocol: Protocol) -> list[ContinuousEndpoint]:
    """The protocol's continuous endpoints, primary first when it is one."""
    return [e for e in protocol.all_endpoints if outcome(e) == "continuous"]


def analysis_visits(endpoint: ContinuousEndpoint, protocol: Protocol) -> list[str]:
    """Visits at which an endpoint is analysed: its ``visits``, else every post-baseline visit."""
    if endpoint.visits:
        return list(endpoint.visits)
    codes = protocol.visit_codes
    return codes[codes.index(protocol.baseline_visit) + 1:]


def _describe(values: np.ndarray) -> dict[str, float]:
    d = describe_values(values)
    return {"estimate": d["mean"], **{k: d[k] for k in ("sd", "median", "q1", "q3")}}


def secondary_continuous(adsl: pd.DataFrame, adlb: pd.DataFrame, *, protocol: Protocol,
                         population_code: str = "FAS",
                         conf_level: float | None = None) -> pd.DataFrame:
    """Every continuous endpoint at every analysis visit, by subgroup: descriptives and comparisons.

    Parameters
    ----------
    adsl, adlb : DataFrame
        ADSL (flags, ``TRT01P``, covariates) and ADLB (``PARAMCD, AVISIT,
        ANL01FL, AVAL, BASE, CHG, PCHG``).
    protocol : Protocol
    population_code : str, default "FAS"
    conf_level : float, optional
        Default the protocol's ``analysis.conf_level``.

    Returns
    -------
    DataFrame
        Columns :data:`SECONDARY_COLUMNS`. ``analysis`` is ``descriptive``
        and ``within_arm_t`` / ``within_arm_wilcoxon`` (``group`` = arm),
        ``welch_t``, ``mann_whitney``, ``ancova`` or
        ``ancova_log1p`` (``group`` = ``"MSC - CONTROL"``; ANCOVA rows also
        give least-squares means by arm with ``analysis`` ``ancova_lsmean``
        (of the summary variable: the adjusted change for a change summary)
        and, for a change summary, ``ancova_lsmean_value`` (of the follow-up
        value); the same with ``ancova_log1p_`` on the log scale).
        ``conf_level`` is the level of the row's interval: the requested one,
        or the lower level a rank interval achieves with few values (NaN on a
        row without an interval).
    """
    level = conf_level if conf_level is not None else protocol.analysis.conf_level
    subjects = population(adsl, population_code)
    covariates = list(protocol.analysis.ancova_covariates)
    words = covariate_words(covariates, protocol)
    pairs = comparisons(protocol)
    masks = {sg: mask.to_numpy(dtype=bool) for sg, mask in subgroup_masks(subjects, protocol).items()}
    rows: list[dict] = []
    for ep in continuous_endpoints(protocol):
        column = _SUMMARY_COLUMN[ep.summary]
        recs = adlb.loc[(adlb["PARAMCD"] == ep.param) & (adlb["ANL01FL"] == "Y"),
                        ["USUBJID", "AVISIT", "AVAL", "BASE", "CHG", "PCHG"]]
        for visit in analysis_visits(ep, protocol):
            at = subjects[["USUBJID", "TRT01P", *covariates]].merge(
                recs.loc[recs["AVISIT"] == visit], on="USUBJID", how="left")
            key = {"endpoint": ep.name, "param": ep.param, "summary": ep.summary, "visit": visit}
            values = at[column].to_numpy(dtype=float)
            model = model_arrays(at, ["TRT01P", "AVAL", "BASE", *covariates])
            in_arm = {arm: (at["TRT01P"] == arm).to_numpy(dtype=bool) for arm in protocol.arm_codes}
            for sg, mask in masks.items():
                by_arm = {arm: values[mask & is_arm] for arm, is_arm in in_arm.items()}
                for arm, vals in by_arm.items():
                    rows.append({**key, "subgroup": sg, "analysis": "descriptive", "group": arm,
                                 **_describe(vals), "ci_low": np.nan, "ci_high": np.nan,
                                 "p_value": np.nan, "method": "mean, SD, median, quartiles (type 7)",
                                 "n": int(np.sum(~np.isnan(vals)))})
                    if ep.summary != "value":  # change within the arm: does it differ from 0?
                        for kind, fn in (("within_arm_t", one_sample_t_row),
                                         ("within_arm_wilcoxon", wilcoxon_signed_rank_row)):
                            r = estimate_rows(fn, vals[~np.isnan(vals)], conf_level=level)[0]
                            row = _row(r, {**key, "subgroup": sg}, kind, arm, level)
                            if not row["method"].startswith(PREFIX):
                                row["method"] += WITHIN_ARM
                            rows.append(row)
                for treated, control in pairs:
                    chosen = mask & (in_arm[treated] | in_arm[control])
                    pair = {name: array[chosen] for name, array in model.items()}
                    rows.extend(_compare(by_arm[treated], by_arm[control], pair, ep, key, sg,
                                         treated, control, covariates, words, level))
    out = pd.DataFrame(rows)
    return out.reindex(columns=SECONDARY_COLUMNS)


def _compare(x: np.ndarray, y: np.ndarray, pair: dict[str, np.ndarray], ep: ContinuousEndpoint,
             key: dict, sg: str, treated: str, control: str, covariates: list[str],
             words: list[str], level: float) -> list[dict]:
    """Rows comparing ``treated`` (values ``x``) with ``control`` (``y``).

    ``pair`` holds the two arms' records as :func:`~t1dtrial.stats._design.model_arrays`
    (``TRT01P, AVAL, BASE`` and the covariates).
    """
    base = {**key, "subgroup": sg}
    label = f"{treated} - {control}"
    out = [_row(estimate_rows(fn, x, y, conf_level=level)[0], base, kind, label, level)
           for kind, fn in (("welch_t", welch_t_row), ("mann_whitney", mann_whitney_row))]
    if ep.summary in ("change", "value"):
        scales = [("ancova", pair)]
        if is_cpeptide(ep.param) or ep.transform == "log1p":
            scales.append(("ancova_log1p", {**pair, "AVAL": np.log1p(pair["AVAL"]),
                                            "BASE": np.log1p(pair["BASE"])}))
        for kind, frame in scales:
            out.extend(_ancova_rows(frame, ep.summary, kind, base, label, control, covariates,
                                    words, level))
    return out


#: Words of each ANCOVA scale: the value, its change from baseline, the baseline.
_SCALES = {"ancova": ("value", "change from baseline", "baseline"),
           "ancova_log1p": ("log(value + 1)", "change in log(value + 1) from baseline",
                            "log(baseline + 1)")}


def _ancova_rows(frame: dict[str, np.ndarray], summary: str, kind: str, base: dict, label: str,
                 control: str, covariates: list[str], words: list[str],
                 level: float) -> list[dict]:
    """The difference and least-squares means of one ANCOVA scale.

    A change summary is modelled as the change (``AVAL - BASE`` on the scale)
    adjusted for baseline and covariates: its least-squares means
    (``<kind>_lsmean``) are adjusted changes, tested against 0; the
    difference is that of the value model. The value model gives the
    least-squares means of the follow-up value (``<kind>_lsmean_value`` for a
    change summary, ``<kind>_lsmean`` for a value summary), without a p-value.
    """
    value, change, baseline = _SCALES[kind]
    adjusted = "adjusted for " + ", ".join([baseline, *words])
    fit = partial(estimate_rows, ancova_arrays, group=frame["TRT01P"], baseline=frame["BASE"],
                  covariates={c: frame[c] for c in covariates}, reference=control,
                  conf_level=level, baseline_name="BASE")
    level_model = f"ANCOVA of the {value} {adjusted}"
    if summary != "change":
        return _ancova_terms(fit(frame["AVAL"]), base, label, kind, level_model,
                             f"{kind}_lsmean", None, level)
    changes = fit(frame["AVAL"] - frame["BASE"])
    out = _ancova_terms(changes, base, label, kind, f"ANCOVA of the {change} {adjusted}",
                        f"{kind}_lsmean", "adjusted change within the arm vs 0", level)
    if "term" not in changes[0]:  # not estimable: said once
        return out
    # The value model differs from the change model only in the baseline slope (b + 1 for
    # b): same residuals, same covariance of the other terms, so its least-squares means
    # are the adjusted changes plus the mean baseline of the analysed subjects, with the
    # same standard errors.
    analysed = complete_cases(*(frame[c] for c in ["AVAL", "BASE", "TRT01P", *covariates]))
    shift = float(pd.Series(frame["BASE"][analysed]).mean())
    values = [{**rec, **{k: rec[k] + shift for k in ("estimate", "ci_low", "ci_high")}}
              for rec in changes if rec["term"] == "lsmean"]
    levels = _ancova_terms(values, base, label, kind,
                           f"{level_model} (the adjusted change plus the mean {baseline}, "
                           f"{shift:.4g})", f"{kind}_lsmean_value", None, level)
    return out + levels


def covariate_words(covariates: list[str], protocol: Protocol) -> list[str]:
    """The protocol's covariates in words, for method texts (the ADSL name when unknown).

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> covariate_words(["AGEONSET", "SEX"], load_protocol("lu2021"))
    ['age at diabetes onset', 'sex']
    """
    infusions = max((i.number for i in protocol.infusions), default=0)
    return [covariate_label(c, infusions=infusions) for c in covariates]


def _ancova_terms(fit: list[dict], base: dict, label: str, kind: str, model: str,
                  lsmean_kind: str, lsmean_test: str | None, level: float) -> list[dict]:
    """Rows of one ANCOVA fit; ``lsmean_test`` None: the least-squares means get no p-value."""
    if "term" not in fit[0]:  # not estimable: one row says why
        return [_row(fit[0], base, kind, label, level)]
    out = []
    for rec in map(dict, fit):
        if rec["term"] == "difference":
            row_kind, test = kind, "p: difference between arms vs 0"
        elif lsmean_test is not None:
            row_kind, test = lsmean_kind, f"p: {lsmean_test}"
        else:  # a level of 0 is no hypothesis
            row_kind, test = lsmean_kind, "no p-value (least-squares mean of a level)"
            rec["p_value"] = np.nan
        # "ANCOVA (OLS); least-squares means ..." of the stats function names the model
        rec["method"] = f"{rec['method'].replace('ANCOVA', model, 1)}; {test}"
        out.append(_row(rec, base, row_kind, rec["group"], level))
    return out


def _row(rec, base: dict, kind: str, group: str, level: float) -> dict:
    """One table row; ``conf_level`` is the level the interval achieved (NaN without one)."""
    row = {**base, "analysis": kind, "group": group,
           **{k: rec[k] for k in ("estimate", "ci_low", "ci_high", "p_value", "method", "n")}}
    achieved = rec["conf_level"] if "conf_level" in rec else level
    has_interval = pd.notna(row["ci_low"]) or pd.notna(row["ci_high"])
    row["conf_level"] = float(achieved) if has_interval and pd.notna(achieved) else np.nan
    return row
