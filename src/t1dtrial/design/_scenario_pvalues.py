"""P-values of a protocol's primary analysis in every simulated trial of a cohort.

Two paths give the same numbers (``tests/design/test_scenario.py`` checks it
trial by trial):

``pipeline``
    What ``t1dtrial analyze`` does with each trial: its contract tables
    (:func:`t1dtrial.simulate.tables.contract_tables`), validation
    (:func:`t1dtrial.data.load_tables`), the ADaM derivations
    (:func:`t1dtrial.derive.derive_all`) and the plan's registered method
    (:func:`t1dtrial.analysis._runner.run_analysis`); the p-value of each
    primary comparison read from its result (subgroup ``all``). About 0.3 s a
    trial.
``arrays``
    The derived variables the method reads (the responder counts by arm
    under the plan's missing-data rule; ``AVAL``, ``BASE``, ``CHG`` and
    ``PCHG`` at the planned visit with the ANCOVA covariates) computed from
    the simulator's arrays for all trials at once
    (:func:`t1dtrial.simulate.endpoints.endpoint_truth`,
    :class:`~t1dtrial.simulate.endpoints.CohortValues`), then the same
    statistics function the method calls (``fisher_exact``'s scipy p-value, ``chi_square``,
    ``ancova_arrays``, ``welch_t_row``, ``mann_whitney_row``,
    ``one_sample_t_row``) once per trial, or once per distinct 2 x 2 table.
    For the methods and populations in :func:`arrays_supported` only.

A comparison the data cannot support (an empty arm, no residual degrees of
freedom) has p-value NaN: not rejected.
"""

from __future__ import annotations

import functools
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis.methods import AnalysisSpec

__all__ = ["comparison_labels", "arrays_supported", "pvalues_arrays", "pvalues_pipeline",
           "pvalues_pipeline_many"]

_RESPONDER_TESTS = ("fisher", "chisq", "chisq_cc")
_CONTINUOUS = ("ancova", "welch", "mann-whitney", "within-arm-t")
#: ADSL covariates the arrays path builds from the cohort.
_COVARIATES = ("AGEONSET", "SEX")
_SUMMARY_COLUMN = {"value": "AVAL", "change": "CHG", "percent_change": "PCHG"}


def comparison_labels(spec: AnalysisSpec, protocol: Any) -> list[str]:
    """The primary comparisons, as the method labels them."""
    if spec.method == "within-arm-t":
        arms = spec.arms or list(protocol.arm_codes)
        return [f"{arm}: change against 0" for arm in arms]
    return list(spec.labels)


def arrays_supported(spec: AnalysisSpec, protocol: Any) -> str | None:
    """None when the arrays path computes this analysis; else why not (the pipeline does)."""
    if spec.population not in ("FAS", "ENRL"):
        return f"population {spec.population} is derived by the pipeline only"
    if spec.dose_response:
        return "a dose-response trend"
    if spec.method in _RESPONDER_TESTS:
        if not any(e.name == spec.endpoint_name for e in protocol.all_endpoints):
            return f"endpoint {spec.endpoint_name} is added by the derivation"
        return None
    if spec.method in _CONTINUOUS:
        covariates = list(protocol.analysis.ancova_covariates) if spec.method == "ancova" else []
        if spec.covariates is not None and spec.method == "ancova":
            covariates = list(spec.covariates)
        other = [c for c in covariates if c not in _COVARIATES]
        if other:
            return f"covariates {', '.join(other)} are derived by the pipeline only"
        if len(spec.visits) != 1:
            return "an analysis at several visits"
        return None
    return f"method {spec.method} runs through the pipeline only"


# -- arrays ----------------------------------------------------------------------------------

def pvalues_arrays(cohort: Any, spec: AnalysisSpec) -> np.ndarray:
    """P-values (trials x comparisons) from the simulator's arrays; see the module docstring."""
    from ..analysis.methods import analysis_protocol

    protocol = cohort.protocol
    p = analysis_protocol(spec, protocol)
    if spec.method in _RESPONDER_TESTS:
        return _responder(cohort, spec, p.analysis.missing_primary)
    return _continuous(cohort, spec, p)


def _responder(cohort: Any, spec: AnalysisSpec, rule: str) -> np.ndarray:
    from ..analysis._estimable import attempt
    from ..simulate.endpoints import endpoint_truth
    from ..stats import chi_square

    flags = endpoint_truth(cohort, spec.endpoint_name, noisy=True, visit=spec.visits[-1])
    T, codes = cohort.n_trials, list(cohort.arm_codes)

    def per_trial(mask: np.ndarray) -> np.ndarray:
        return np.bincount(cohort.trial[mask], minlength=T)

    yes, n = {}, {}
    for i, code in enumerate(codes):
        arm = cohort.arm == i
        yes[code] = per_trial(arm & (flags == 1.0))
        counted = arm if rule == "non_responder" else arm & np.isfinite(flags)
        n[code] = per_trial(counted)
    tests = {"fisher": _fisher_p,
             "chisq": lambda a, m, c, k: chi_square(a, m, c, k, correct=False),
             "chisq_cc": lambda a, m, c, k: chi_square(a, m, c, k, correct=True)}
    test = tests[spec.method]
    out = np.full((T, len(spec.pairs)), np.nan)
    for j, (treated, control) in enumerate(spec.pairs):
        keys = np.stack([yes[treated], n[treated], yes[control], n[control]], axis=1)
        tables, inverse = np.unique(keys, axis=0, return_inverse=True)
        p = np.full(len(tables), np.nan)
        for k, (a, m, c, q) in enumerate(tables.tolist()):
            if m > 0 and q > 0:
                res, _ = attempt(test, a, m, c, q)
                p[k] = np.nan if res is None else float(np.asarray(res["p_value"])[0])
        out[:, j] = p[inverse.ravel()]
    return out


@functools.lru_cache(maxsize=65536)
def _fisher_p(a: int, m: int, c: int, n: int) -> dict[str, list[float]]:
    """The p-value of :func:`t1dtrial.stats.fisher_exact` alone: the same scipy call on the same
    table, without the odds ratio's interval (root finding, 20 ms a table)."""
    from scipy import stats

    return {"p_value": [float(stats.fisher_exact(np.array([[a, m - a], [c, n - c]])).pvalue)]}


def _continuous(cohort: Any, spec: AnalysisSpec, p: Any) -> np.ndarray:
    from ..analysis._estimable import attempt
    from ..simulate.endpoints import CohortValues
    from ..stats.continuous import ancova_arrays, mann_whitney_row, welch_t_row
    from ..stats.one_sample import one_sample_t_row

    ep = spec.endpoint
    view = CohortValues(cohort)
    x = view.values(ep.param, noisy=True)
    b, v = cohort.visit_index(p.baseline_visit), cohort.visit_index(spec.visits[-1])
    aval, base = x[:, v], x[:, b]
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = {"AVAL": aval, "BASE": base, "CHG": aval - base,
                   "PCHG": np.where(base != 0, 100.0 * (aval - base) / base, np.nan)}
    values = derived[_SUMMARY_COLUMN[ep.summary]]
    covariates = list(p.analysis.ancova_covariates)
    columns = {"AGEONSET": cohort.age_at_onset.astype(float),
               "SEX": np.where(cohort.male, "M", "F").astype(object)}
    codes = np.asarray(cohort.arm_codes, dtype=object)[cohort.arm]
    level = spec.conf_level
    labels = comparison_labels(spec, p)
    out = np.full((cohort.n_trials, len(labels)), np.nan)
    order = np.argsort(cohort.trial, kind="stable")
    bounds = np.searchsorted(cohort.trial[order], np.arange(cohort.n_trials + 1))
    for t in range(cohort.n_trials):
        rows = order[bounds[t]:bounds[t + 1]]
        arm, val = codes[rows], values[rows]
        if spec.method == "within-arm-t":
            for j, code in enumerate(spec.arms or list(p.arm_codes)):
                x_arm = val[arm == code]
                res, _ = attempt(one_sample_t_row, x_arm[~np.isnan(x_arm)], conf_level=level)
                out[t, j] = np.nan if res is None else res["p_value"]
            continue
        for j, (treated, control) in enumerate(spec.pairs):
            if spec.method == "ancova":
                if ep.summary not in ("change", "value"):
                    continue  # the method does not run ANCOVA on a percent change
                keep = (arm == treated) | (arm == control)
                y = (derived["AVAL"] - derived["BASE"] if ep.summary == "change"
                     else derived["AVAL"])[rows][keep]
                res, _ = attempt(ancova_arrays, y, arm[keep], baseline=derived["BASE"][rows][keep],
                                 covariates={c: columns[c][rows][keep] for c in covariates},
                                 reference=control, conf_level=level, baseline_name="BASE")
                diff = [r for r in res or [] if r.get("term") == "difference"]
                out[t, j] = diff[0]["p_value"] if diff else np.nan
                continue
            xt, xc = val[arm == treated], val[arm == control]
            fn = welch_t_row if spec.method == "welch" else mann_whitney_row
            res, _ = attempt(fn, xt[~np.isnan(xt)], xc[~np.isnan(xc)], conf_level=level)
            out[t, j] = np.nan if res is None else res["p_value"]
    return out


# -- pipeline --------------------------------------------------------------------------------

def pvalues_pipeline(cohort: Any, spec: AnalysisSpec) -> np.ndarray:
    """P-values (trials x comparisons) of the registered method on each trial's derived data."""
    return pvalues_pipeline_many(cohort, [spec])[0]


def pvalues_pipeline_many(cohort: Any, specs: list[AnalysisSpec]) -> list[np.ndarray]:
    """:func:`pvalues_pipeline` of several analyses, each trial validated and derived once."""
    from ..analysis._runner import run_analysis
    from ..analysis.methods import AnalysisData
    from ..data import load_tables
    from ..derive import derive_all
    from ..simulate.tables import contract_tables

    protocol = cohort.protocol
    labels = [comparison_labels(spec, protocol) for spec in specs]
    out = [np.full((cohort.n_trials, len(names)), np.nan) for names in labels]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in range(cohort.n_trials):
            trial = load_tables(contract_tables(cohort, t), protocol)
            data = AnalysisData(derive_all(trial), protocol, protocol.analysis.seed)
            for spec, names, p in zip(specs, labels, out):
                res = run_analysis(spec, data)
                comp = res.comparison if res.comparison is not None and len(res.comparison) \
                    else res.table
                p[t] = _primary_p(comp, names, spec)
    return out


def _primary_p(comp: Any, labels: list[str], spec: AnalysisSpec) -> np.ndarray:
    """The p-value of each primary comparison in a method's table (subgroup all, planned visit)."""
    rows = comp
    if "subgroup" in rows.columns:
        rows = rows.loc[rows["subgroup"].eq("all")]
    if "visit" in rows.columns and spec.visits:
        rows = rows.loc[rows["visit"].isna() | rows["visit"].eq(spec.visits[-1])]
    out = np.full(len(labels), np.nan)
    if "comparison" not in rows.columns or "p_value" not in rows.columns:
        return out
    for j, label in enumerate(labels):
        found = rows.loc[rows["comparison"].eq(label), "p_value"]
        if len(found):
            out[j] = float(found.iloc[0])
    return out
