"""Double programming: the analysis plan on the packaged twin against an independent R analysis.

``tests/reference/plan.R`` re-analyses the twin's ADaM data (written by
``tests/reference/data/make_plan_inputs.py``) with fisher.test, prop.test
(Wilson limits for Newcombe's interval), glm + anova/drop1/confint, brglm2 (Firth),
standardisation by hand with numDeriv gradients, t.test,
wilcox.test, lm + emmeans, nlme::gls + emmeans and survey::svyglm; its output
is the committed fixture ``tests/reference/fixtures/plan.json``. Closed forms
agree to 1e-6 relative, iterative fits to 1e-4.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from t1dtrial.analysis import analyze
from t1dtrial.datasets import load_lu2021

REF = Path(__file__).parents[1] / "reference"
RECORDS = json.loads((REF / "fixtures" / "plan.json").read_text())["records"]
CLOSED, ITERATIVE = 1e-6, 1e-4


def _records(fun: str) -> list[dict]:
    return [r for r in RECORDS if r["fun"] == fun]


def _close(actual: float, expected: float, rel: float, what: str) -> None:
    if expected is None:
        assert actual is None or math.isnan(actual), what
        return
    assert actual == pytest.approx(float(expected), rel=rel, abs=rel * 1e-3), what


@pytest.fixture(scope="module")
def results():
    return analyze(load_lu2021())


def test_reference_inputs_are_the_twins_current_derivation():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_plan_inputs",
                                                  REF / "data" / "make_plan_inputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, frame in module.plan_inputs().items():
        committed = pd.read_csv(REF / "data" / f"{name}.csv")
        pd.testing.assert_frame_equal(frame.reset_index(drop=True), committed, check_dtype=False,
                                      obj=f"{name} (rerun make_plan_inputs.py and plan.R)")


def test_primary_counts_fisher_and_newcombe_match_r(results):
    counts = results["primary_endpoint"].set_index(["subgroup", "arm"])
    comp = results["primary_comparison"].set_index("subgroup")
    for r in _records("primary_fisher"):
        sg = r["dataset"]
        assert counts.at[(sg, "MSC"), "responders"] == r["responders_msc"]
        assert counts.at[(sg, "MSC"), "n"] == r["n_msc"]
        assert counts.at[(sg, "CONTROL"), "responders"] == r["responders_control"]
        assert counts.at[(sg, "CONTROL"), "n"] == r["n_control"]
        _close(comp.at[sg, "p_value"], r["p_value"], CLOSED, f"{sg} Fisher p")
        _close(comp.at[sg, "odds_ratio"], r["odds_ratio"], ITERATIVE, f"{sg} conditional MLE")
        for col in ("or_ci_low", "or_ci_high"):  # limits re-solved in R to 1e-12
            _close(comp.at[sg, col], r[col], CLOSED, f"{sg} {col}")
            _close(comp.at[sg, col], r[f"r_{col}"], 1e-2, f"{sg} {col} vs fisher.test")
    for r in _records("primary_newcombe"):
        for col in ("risk_difference", "rd_ci_low", "rd_ci_high"):
            _close(comp.at[r["dataset"], col], r[col], CLOSED, f"{r['dataset']} {col}")


def test_interaction_matches_r(results):
    (r,) = _records("primary_interaction")
    inter = results["primary_interaction"]
    rows = inter.loc[inter["term"] == "interaction"].set_index("test")
    _close(rows.at["LR", "p_value"], r["lr_p"], ITERATIVE, "LR p")
    _close(rows.at["Wald", "p_value"], r["wald_p"], ITERATIVE, "Wald p")
    _close(rows.at["Wald", "estimate"], r["estimate"], ITERATIVE, "interaction coefficient")


def test_continuous_secondaries_match_r_at_every_visit_and_subgroup(results):
    sec = results["secondary_endpoints"].set_index(["endpoint", "visit", "subgroup", "analysis",
                                                    "group"])
    checked = 0
    for fun in ("welch_t", "mann_whitney", "ancova", "ancova_log1p"):
        for r in _records(fun):
            ep, visit, sg = r["dataset"].split("|")
            row = sec.loc[(ep, visit, sg, fun, "MSC - CONTROL")]
            for col in ("estimate", "ci_low", "ci_high", "p_value"):
                if fun == "mann_whitney" and col.startswith("ci") and "normal" in row["method"]:
                    # wilcox.test finds the asymptotic limits by uniroot(tol = 1e-4); ours
                    # are the exact crossing points of the statistic
                    assert row[col] == pytest.approx(r[col], abs=1e-4), r["dataset"]
                    continue
                _close(row[col], r[col], CLOSED, f"{r['dataset']} {fun} {col}")
            if fun.startswith("ancova"):
                _ancova_lsmeans_match(sec, (ep, visit, sg), fun, r)
            checked += 1
    assert checked >= 250


def _ancova_lsmeans_match(sec: pd.DataFrame, at: tuple, fun: str, r: dict) -> None:
    """Adjusted changes (tested against 0) and, apart, the levels without a p-value."""
    for arm, suffix in (("MSC", "msc"), ("CONTROL", "control")):
        change = sec.loc[(*at, f"{fun}_lsmean", arm)]
        for col, key in (("estimate", "lsmean"), ("ci_low", "lsmean_ci_low"),
                         ("ci_high", "lsmean_ci_high"), ("p_value", "lsmean_p")):
            _close(change[col], r[f"{key}_{suffix}"], CLOSED, f"{r['dataset']} {fun} {key} {arm}")
        value = sec.loc[(*at, f"{fun}_lsmean_value", arm)]
        _close(value["estimate"], r[f"lsmean_value_{suffix}"], CLOSED,
               f"{r['dataset']} {fun} value least-squares mean {arm}")
        assert math.isnan(value["p_value"]), r["dataset"]


def test_predictor_model_is_firth_below_ten_events_per_variable_and_matches_brglm2(results):
    # estimates and SE only: the penalised profile limits and LR tests are checked against
    # R in tests/stats/test_stats_logistic.py
    lr = results["logistic_regression"].set_index("term")
    names = {"BFCP01": "BFCP (per 0.1 nmol/L)", "DOSE6": "CUMDOSE (per 10^6 cells/kg)"}
    recs = _records("predictors")
    assert len(recs) == 2
    for r in recs:
        row = lr.loc[names[r["dataset"]]]
        assert row["method"].startswith("Firth penalised-likelihood logistic regression"), row
        assert row["method"].endswith("; Firth chosen: events per variable 5.5 < 10")
        for col in ("odds_ratio", "estimate", "se"):
            _close(row[col], r[col], ITERATIVE, f"{r['dataset']} {col}")
        for col in ("events_per_variable", "n", "events"):
            _close(row[col], r[col], CLOSED, f"{r['dataset']} {col}")


def test_covariate_adjusted_primary_comparison_matches_r(results):
    adj = results["primary_adjusted"].set_index("estimand")
    recs = _records("adjusted")
    assert [r["dataset"] for r in recs] == ["risk difference", "risk ratio", "odds ratio"]
    for r in recs:
        row = adj.loc[r["dataset"]]
        assert row["analysis"] == "covariate-adjusted (standardisation)"
        assert row["covariates"] == "BFCP, AGEONSET, SEX, DURDIAG"
        for col in ("estimate", "se", "ci_low", "ci_high", "p_value"):
            _close(row[col], r[col], ITERATIVE, f"{r['dataset']} {col}")
        assert row["n"] == r["n"]


def test_mmrm_matches_nlme_gls_with_unstructured_covariance(results):
    mm = results["mmrm"]
    diff = mm.loc[mm["term"] == "difference"].set_index(["param", "scale", "visit"])
    for r in _records("mmrm"):
        param, scale, visit = r["dataset"].split("|")
        row = diff.loc[(param, scale, visit)]
        assert "unstructured covariance;" in row["method"], row["method"]
        for col in ("estimate", "se"):
            _close(row[col], r[col], ITERATIVE, f"{r['dataset']} {col}")
        # Satterthwaite df rest on numerical Hessians on both sides (emmeans: "appx-
        # satterthwaite"): compare the t quantile of the interval and the p-value
        half = (row["ci_high"] - row["ci_low"]) / 2 / row["se"]
        half_r = (r["ci_high"] - r["ci_low"]) / 2 / r["se"]
        _close(half, half_r, 1e-3, f"{r['dataset']} t quantile (df {row['df']:.2f} vs {r['df']:.2f})")
        _close(row["p_value"], r["p_value"], 1e-2, f"{r['dataset']} p")


def test_iptw_matches_svyglm(results):
    (r,) = _records("iptw")
    row = results["sensitivity"].set_index("analysis").loc["iptw"]
    _close(row["estimate"], r["estimate"], ITERATIVE, "IPTW risk difference")
    se = (row["ci_high"] - row["ci_low"]) / (2 * 1.959963984540054)
    _close(se, r["se"], ITERATIVE, "IPTW robust SE")


def test_sensitivity_rows_of_the_primary_method_match_r(results):
    """Nothing is missing in the twin and its PP set is its FAS: these rows are the primary's."""
    (fisher,) = [r for r in _records("primary_fisher") if r["dataset"] == "all"]
    (newcombe,) = [r for r in _records("primary_newcombe") if r["dataset"] == "all"]
    sens = results["sensitivity"].set_index("analysis")
    rows = ["primary", "per_protocol", "complete_case", "multiple_imputation",
            "iptw_primary_method"]
    for name in rows:
        row = sens.loc[name]
        assert row["n"] == fisher["n_msc"] + fisher["n_control"], name
        _close(row["p_value"], fisher["p_value"], CLOSED, f"{name} Fisher p")
        for col, key in (("estimate", "risk_difference"), ("ci_low", "rd_ci_low"),
                         ("ci_high", "rd_ci_high")):
            _close(row[col], newcombe[key], CLOSED, f"{name} {col}")


def test_within_arm_changes_match_r_one_sample_tests(results):
    """Rows of secondary_endpoints against tests/reference/one_sample.R on the twin at M12."""
    records = json.loads((REF / "fixtures" / "one_sample.json").read_text())["records"]
    endpoint = {("FCP", "CHG"): "fcp_change", ("PCP", "CHG"): "pcp_change",
                ("FCP", "PCHG"): "fcp_pchg", ("PCP", "PCHG"): "pcp_pchg",
                ("HBA1C", "CHG"): "hba1c_change"}
    kinds = {"one_sample_t": "within_arm_t", "wilcoxon_signed_rank": "within_arm_wilcoxon"}
    sec = results["secondary_endpoints"].set_index(["endpoint", "visit", "subgroup", "analysis",
                                                    "group"])
    checked = 0
    for r in records:
        parts = r["dataset"].split("_")
        if r["dataset"].startswith("packaged_twin_") and (parts[2], parts[3]) in endpoint:
            row = sec.loc[(endpoint[(parts[2], parts[3])], "M12", "all", kinds[r["fun"]], parts[4])]
            _close(row["p_value"], r["p_value"], CLOSED, r["dataset"])
            for col in ("ci_low", "ci_high"):
                if "normal" in row["method"]:  # R: uniroot(tol = 1e-4) on a step function
                    assert row[col] == pytest.approx(r[col], abs=2e-4), r["dataset"]
                else:
                    _close(row[col], r[col], CLOSED, f"{r['dataset']} {col}")
            if r["fun"] == "one_sample_t":
                _close(row["estimate"], r["estimate"], CLOSED, r["dataset"])
            checked += 1
    assert checked == 20
