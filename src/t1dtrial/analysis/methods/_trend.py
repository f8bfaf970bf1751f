"""Dose-response methods: a trend across the arms ordered by planned dose.

``comparisons: dose-response`` in a planned analysis scores each arm by its
planned cumulative dose (:func:`t1dtrial.protocol.plan.dose_scores`: 0 for a
control or placebo arm) and estimates one trend across every arm instead of
a comparison of each pair. For a responder endpoint that is the
Cochran-Armitage test (:func:`t1dtrial.stats.cochran_armitage`), one row per
subgroup: the slope of the proportion of responders per unit of score (e.g.
per 10^6 cells/kg), its Wald interval and the trend test's p-value.

Examples
--------
>>> from t1dtrial.datasets import load_lu2021
>>> from t1dtrial.derive import derive_all
>>> from t1dtrial.protocol.plan import PlannedAnalysis
>>> from ._spec import AnalysisData, resolve
>>> trial = load_lu2021()
>>> planned = PlannedAnalysis(name="trend", endpoint="remission", comparisons="dose-response",
...                           method="cochran-armitage")
>>> res = cochran_armitage_trend(resolve(planned, trial.protocol),
...                              AnalysisData(derive_all(trial), trial.protocol, 1))
>>> row = res.table.iloc[0]
>>> row.subgroup, row.comparison, int(row.n)
('all', 'dose-response across CONTROL, MSC', 53)
>>> res.method.split("; ")[-1]
'scores: planned cumulative dose, 10^6 cells/kg: CONTROL 0, MSC 2'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import EstimationError
from ...protocol.plan import dose_scores
from ...stats import cochran_armitage
from .. import responders
from .._estimable import method_text
from ..result import Result
from ._common import adeff_at, result
from ._spec import AnalysisData, AnalysisSpec, analysis_protocol, population_sizes

__all__ = ["TREND_COLUMNS", "cochran_armitage_trend"]

#: Columns of a dose-response table, one row a subgroup.
TREND_COLUMNS = ("subgroup", "comparison", "estimate", "ci_low", "ci_high", "p_value", "method",
                 "conf_level", "n", "statistic", "endpoint")


def cochran_armitage_trend(spec: AnalysisSpec, data: AnalysisData) -> Result:
    """Cochran-Armitage test for a trend in responders across the arms ordered by planned dose.

    One row a subgroup (``all`` and the protocol's subgroups) of
    :data:`TREND_COLUMNS`: ``estimate`` the slope of the proportion per unit
    of score with its Wald interval, ``p_value`` the two-sided trend test
    (as R's ``prop.trend.test``), ``n`` the subjects counted, ``statistic``
    the chi-square on 1 df. The per-arm counts (with each arm's score) are
    ``by_arm`` and the companion table ``<table>_by_arm``. Subjects without
    an assessable endpoint are handled by the analysis' missing-data rule.

    Raises
    ------
    EstimationError
        The arms cannot be scored (an active arm without a planned dose ...).
    """
    scores = dose_scores(data.protocol)
    if scores.problem:
        raise EstimationError("cochran_armitage_trend", "comparisons", "dose-response",
                              f"no dose scores: {scores.problem}")
    p = analysis_protocol(spec, data.protocol)
    counts = responders.responder_counts(data.adsl, adeff_at(spec, data), spec.endpoint_name,
                                         protocol=p, population_code=spec.population)
    score_of = dict(zip(scores.arms, scores.scores))
    counts = counts.loc[counts["arm"].isin(score_of)].copy()
    counts.insert(2, "score", counts["arm"].map(score_of).astype(float))
    by_subgroup = {s: i for i, s in enumerate(dict.fromkeys(counts["subgroup"]))}
    by_dose = {arm: i for i, arm in enumerate(scores.arms)}
    counts = (counts.assign(_s=counts["subgroup"].map(by_subgroup), _d=counts["arm"].map(by_dose))
              .sort_values(["_s", "_d"], kind="stable").drop(columns=["_s", "_d"])
              .reset_index(drop=True))
    label = f"dose-response across {', '.join(scores.arms)}"
    words = f"scores: {scores.text()}"
    rows = [_trend_row(sg, block, label, words, spec) for sg, block in
            counts.groupby("subgroup", sort=False)]
    table = pd.DataFrame(rows, columns=list(TREND_COLUMNS))
    estimated = table.loc[~table["method"].str.startswith("not estimable"), "method"]
    method = estimated.iloc[0] if len(estimated) else f"Cochran-Armitage test for trend; {words}"
    res = result(spec, data, "dose-response", table,
                 title=f"Dose-response: {spec.endpoint_name} at {', '.join(spec.visits)}",
                 method=method, units=f"proportion per {scores.unit}", by_arm=counts,
                 comparison=table, companions={f"{spec.output_table}_by_arm": counts})
    res.n_by_arm = population_sizes(data.adsl, spec, scores.arms)
    return res


def _trend_row(subgroup: str, block: pd.DataFrame, label: str, words: str,
               spec: AnalysisSpec) -> dict:
    """The trend of one subgroup; NaN and the reason when it is not estimable."""
    base = {"subgroup": subgroup, "comparison": label, "conf_level": spec.conf_level,
            "n": int(block["n"].sum()), "endpoint": spec.endpoint_name}
    try:
        r = cochran_armitage(block["responders"].to_numpy(), block["n"].to_numpy(),
                             block["score"].to_numpy(), conf_level=spec.conf_level).iloc[0]
    except EstimationError as exc:
        return {**base, "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                "p_value": np.nan, "statistic": np.nan, "method": method_text(exc.reason)}
    text = ("Cochran-Armitage test for trend in proportions (two-sided); slope of the "
            f"proportion per unit of score (least squares weighted by group size) with Wald CI; "
            f"{words}")
    return {**base, "estimate": float(r.estimate), "ci_low": float(r.ci_low),
            "ci_high": float(r.ci_high), "p_value": float(r.p_value),
            "statistic": float(r.statistic), "method": text}
