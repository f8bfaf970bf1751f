"""The terminal summary renders results by their declared shape, every pair of arms shown."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
from rich.console import Console

from t1dtrial.analysis.result import Result
from t1dtrial.report.terminal import summary_renderables

PAIRS = ["HIGH vs CONTROL", "LOW vs CONTROL"]


def _text(results, width: int = 200) -> str:
    console = Console(width=width, record=True)
    for item in summary_renderables(results, title="three arms"):
        console.print(item)
    return console.export_text()


def _three_arms() -> SimpleNamespace:
    by_arm = pd.DataFrame({"subgroup": "all", "arm": ["HIGH", "LOW", "CONTROL"], "n": [10, 10, 9],
                           "responders": [6, 4, 1], "percent": [60.0, 40.0, 11.1],
                           "missing_rule": "non_responder", "population": "FAS"})
    comp = pd.DataFrame({"subgroup": "all", "comparison": PAIRS, "risk_difference": [0.49, 0.29],
                         "rd_ci_low": [0.05, -0.1], "rd_ci_high": [0.75, 0.6],
                         "odds_ratio": [12.0, 5.3], "or_ci_low": [1.0, 0.4],
                         "or_ci_high": [600.0, 300.0], "p_value": [0.057, 0.3],
                         "test": "Fisher's exact test", "rd_method": "Newcombe",
                         "conf_level": 0.95})
    summary = pd.DataFrame({
        "endpoint": "fcp_change", "visit": "M12", "subgroup": "all", "summary": "change",
        "analysis": ["descriptive"] * 3 + ["ancova"] * 2,
        "group": ["HIGH", "LOW", "CONTROL", "HIGH - CONTROL", "LOW - CONTROL"],
        "median": [0.1, 0.05, -0.1, None, None], "estimate": [0.1, 0.05, -0.1, 0.2, 0.15],
        "ci_low": [None, None, None, 0.01, -0.02], "ci_high": [None, None, None, 0.39, 0.32],
        "p_value": [None, None, None, 0.04, 0.08], "conf_level": 0.95})
    results = [Result(name="primary", shape="responder-comparison", table=comp, role="primary",
                      endpoint="remission", population="FAS", by_arm=by_arm, comparison=comp),
               Result(name="fcp_change", shape="continuous-summary", table=summary)]
    return SimpleNamespace(tables={}, notes=[], results=results,
                           provenance={"protocol": {"allocation": "randomised",
                                                    "primary_visit": "M12"}})


def test_every_pair_of_arms_is_in_the_primary_and_the_key_secondary_tables():
    text = _text(_three_arms())
    assert all(pair in text for pair in PAIRS)
    assert "(HIGH - CONTROL)" in text and "(LOW - CONTROL)" in text
    assert "0.200 (0.010 to 0.390)" in text and "0.150 (-0.020 to 0.320)" in text
    assert max(len(line) for line in _text(_three_arms(), 80).splitlines()) <= 80


def test_a_result_lacking_a_column_of_its_shape_is_named_not_dropped():
    results = _three_arms()
    primary = results.results[0]
    primary.comparison = primary.comparison.rename(columns={"risk_difference": "rd"})
    text = _text(results)
    assert "lacks column(s) risk_difference of a responder-comparison result" in text


def test_a_result_of_a_new_shape_is_rendered_as_a_comparison():
    table = pd.DataFrame({"comparison": ["HIGH vs CONTROL"], "estimate": [1.5], "ci_low": [1.1],
                          "ci_high": [2.0], "p_value": [0.01]})
    results = SimpleNamespace(tables={}, notes=[], provenance={}, results=[
        Result(name="trend", shape="dose-trend", table=table, title="Dose trend (FAS)",
               method="a new method", n_by_arm={"HIGH": 10, "CONTROL": 9})])
    text = _text(results)
    assert "Dose trend (FAS)" in text and "1.500 (1.100 to 2.000)" in text
    assert "a new method; n: HIGH 10, CONTROL 9" in text
