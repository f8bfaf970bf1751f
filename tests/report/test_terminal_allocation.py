"""The terminal summary speaks of associations, not treatment effects, when arms were not randomised."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest
from rich.console import Console

from t1dtrial.analysis.result import Result
from t1dtrial.report.terminal import NONRANDOMISED, summary_renderables


def _results(allocation: str) -> SimpleNamespace:
    prim = pd.DataFrame({"subgroup": "all", "arm": ["MSC", "CONTROL"], "n": [27, 26],
                         "responders": [11, 3], "percent": [40.7, 11.5], "endpoint": "remission",
                         "population": "FAS", "missing_rule": "non_responder"})
    comp = pd.DataFrame({"subgroup": ["all"], "risk_difference": [0.29], "rd_ci_low": [0.05],
                         "rd_ci_high": [0.49], "odds_ratio": [5.1], "or_ci_low": [1.1],
                         "or_ci_high": [33.1], "p_value": [0.028], "test": ["Fisher's exact test"],
                         "rd_method": ["Newcombe"], "comparison": ["MSC vs CONTROL"]})
    inter = pd.DataFrame({"term": ["interaction"], "test": ["LR"], "p_value": [0.56],
                          "subgroup_variable": ["adult_onset vs juvenile_onset"]})
    tables = {"primary_endpoint": prim, "primary_comparison": comp, "primary_interaction": inter}
    if allocation == "nonrandomised":
        tables["primary_adjusted"] = pd.DataFrame({
            "estimand": ["risk difference", "risk ratio"], "estimate": [0.328, 4.0],
            "ci_low": [0.126, 1.4], "ci_high": [0.530, 11.8], "covariates": "BFCP, SEX"})
        tables["primary_adjusted_balance"] = pd.DataFrame({
            "term": ["WEIGHTBL", "BFCP"], "smd": [-0.357, 0.302], "adjusted": ["no", "yes"]})
    results = [Result(name="primary", shape="responder-comparison", table=comp, role="primary",
                      endpoint="remission", population="FAS", by_arm=prim, comparison=comp),
               Result(name="primary_interaction", shape="interaction", table=inter)]
    return SimpleNamespace(tables=tables, notes=[], results=results,
                           provenance={"protocol": {"allocation": allocation}})


def _text(results) -> str:
    console = Console(width=200, record=True)
    for item in summary_renderables(results, title="t"):
        console.print(item)
    return console.export_text()


def test_nonrandomised_summary_says_why_once_and_shows_the_adjusted_estimate():
    text = _text(_results("nonrandomised"))
    assert text.count(NONRANDOMISED) == 1
    assert ("covariate-adjusted risk diff. (standardisation on baseline fasting C-peptide, sex): "
            "0.33 (0.13 to 0.53)"
            in text)
    assert ("largest baseline imbalance: body weight at baseline (SMD -0.36), not in the "
            "adjustment") in text
    assert "subgroup x arm interaction (adult_onset vs juvenile_onset)" in text
    assert "treatment" not in text.replace(NONRANDOMISED, "")


@pytest.mark.parametrize("allocation", ["randomised", "single-arm"])
def test_other_designs_keep_their_wording(allocation):
    text = _text(_results(allocation))
    assert "not randomised" not in text and "covariate-adjusted" not in text
    assert "subgroup x treatment interaction" in text
