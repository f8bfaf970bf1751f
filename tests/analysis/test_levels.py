"""The protocol's confidence level in every table, header and method text; words, not reprs."""

from __future__ import annotations

import dataclasses
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from t1dtrial.analysis import analyze
from t1dtrial.analysis._levels import INTERVAL_COLUMNS
from t1dtrial.data import load_folder
from t1dtrial.datasets import load_lu2021
from t1dtrial.errors import T1DTrialWarning
from t1dtrial.protocol import load_protocol
from t1dtrial.report.terminal import summary_renderables
from t1dtrial.simulate import simulate_trial

RANK_INTERVALS = ("within_arm_wilcoxon", "mann_whitney")


def _quiet_analyze(trial):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", T1DTrialWarning)
        return analyze(trial)


def _at_level(level: float):
    trial = load_lu2021()
    analysis = trial.protocol.analysis.model_copy(update={"conf_level": level})
    return _quiet_analyze(dataclasses.replace(
        trial, protocol=trial.protocol.model_copy(update={"analysis": analysis})))


@pytest.fixture(scope="module")
def at95():
    return _quiet_analyze(load_lu2021())


@pytest.fixture(scope="module")
def at90():
    return _at_level(0.9)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Three subjects an arm: rank intervals cannot reach 95 %; (6, 0.8, 7) empties an arm."""
    out = {}
    for n, dropout, seed in ((3, 0.3, 3), (6, 0.8, 7)):
        folder = tmp_path_factory.mktemp(f"small{n}") / "data"
        protocol = load_protocol("lu2021")
        simulate_trial(protocol, seed=seed, n_per_arm=n, dropout_per_year=dropout,
                       missed_visit_probability=0.2).write(folder)
        out[n] = _quiet_analyze(load_folder(folder, protocol))
    return out


def _interval_tables(results):
    return {name: t for name, t in results.tables.items()
            if any(c in t.columns for c in INTERVAL_COLUMNS)}


def _has_interval(t: pd.DataFrame) -> pd.Series:
    return t[[c for c in INTERVAL_COLUMNS if c in t.columns]].notna().any(axis=1)


def _texts(results):
    """(table, column, text) of every text cell of every table, and the notes."""
    for name, t in results.tables.items():
        for column in t.columns:
            if t[column].dtype == object:
                for value in t[column].dropna().astype(str).unique():
                    yield name, column, value
    for note in results.notes:
        yield "notes", "", note


def _terminal(results) -> str:
    console = Console(width=160, record=True)
    for item in summary_renderables(results, title="summary"):
        console.print(item)
    return console.export_text()


# --------------------------------------------------------------------------- conf_level
@pytest.mark.parametrize("level", [0.95, 0.9])
def test_every_interval_row_says_the_protocols_level(level, at95, at90):
    results = at95 if level == 0.95 else at90
    tables = _interval_tables(results)
    assert {"primary_comparison", "primary_interaction", "secondary_endpoints",
            "secondary_responders", "mmrm", "logistic_regression", "insulin_free_km",
            "adverse_events", "sensitivity"} <= set(tables)
    for name, t in tables.items():
        assert "conf_level" in t.columns, name
        with_interval = _has_interval(t)
        # a rank interval may say the lower level it achieves (ties; see the small trials below)
        rank = t["analysis"].isin(RANK_INTERVALS) if "analysis" in t.columns else False
        assert (t.loc[with_interval & ~rank, "conf_level"] == level).all(), name
        assert t.loc[with_interval & rank, "conf_level"].between(0, level).all(), name
        assert t.loc[~with_interval, "conf_level"].isna().all(), name


def test_every_interval_is_computed_at_the_protocols_level(at95, at90):
    for name, t90 in _interval_tables(at90).items():
        t95 = at95[name]
        narrower = []
        for low, high in (("ci_low", "ci_high"), ("rd_ci_low", "rd_ci_high"),
                          ("or_ci_low", "or_ci_high")):
            if low in t90.columns:
                w90, w95 = t90[high] - t90[low], t95[high] - t95[low]
                both = w90.notna() & w95.notna() & np.isfinite(w95)
                assert (w90[both] <= w95[both] + 1e-12).all(), (name, low)
                narrower.append((w90[both] < w95[both] - 1e-12).any())
        if name != "insulin_free_km":  # the twin's three episodes: degenerate KM limits
            assert any(narrower), name
    km = at90["insulin_free_km"]
    assert km.loc[km["conf_level"].notna(), "method"].str.contains(r"log-log CI \(90%\)").all()


def test_no_text_says_95_percent_at_another_level(at90):
    found = [(n, c, v) for n, c, v in _texts(at90)
             if re.search(r"(?<![\d.])95(?!\d)", v)]  # not the digits of a number such as 0.3952
    assert found == []
    text = _terminal(at90)
    assert "95" not in text
    assert text.count("90% CI") == 4  # risk difference, odds ratio, difference, predictors


def test_the_terminal_headers_say_95_percent_at_95(at95):
    assert _terminal(at95).count("95% CI") == 4


def test_a_rank_interval_says_the_lower_level_it_achieves(small):
    t = small[3]["secondary_endpoints"]
    with_interval = _has_interval(t)
    lower = t.loc[with_interval & (t["conf_level"] < 0.95)]
    assert len(lower) > 0
    assert set(lower["analysis"]) <= set(RANK_INTERVALS)
    assert (lower["conf_level"] > 0).all()
    others = t.loc[with_interval & ~t["analysis"].isin(RANK_INTERVALS)]
    assert len(others) > 0 and (others["conf_level"] == 0.95).all()


# --------------------------------------------------------------------------- words
@pytest.mark.parametrize("case", ["twin", "small", "empty arm"])
def test_no_text_holds_a_numpy_repr(case, at95, small):
    results = {"twin": at95, "small": small[3], "empty arm": small[6]}[case]
    if case == "empty arm":
        assert any(n.startswith("Not estimable in ") for n in results.notes)
    found = [(n, c, v) for n, c, v in _texts(results)
             if re.search(r"np\.|float64|int64|array\(", v)]
    assert found == []


def test_the_wald_interaction_row_names_its_wald_interval_and_test(at95):
    t = at95["primary_interaction"]
    wald = t.loc[t["test"] == "Wald", "method"].item()
    lr = t.loc[t["test"] == "LR", "method"].item()
    assert "Wald CI" in wald and "Wald chi-square test" in wald
    assert "profile" not in wald and "LR test" not in wald
    # the twin has no juvenile-onset control in remission: Firth's penalised likelihood
    profile = ("profile penalised-likelihood CI; penalised LR test" if "Firth" in lr
               else "profile-likelihood CI; LR test")
    assert profile in lr
    effects = t.loc[t["term"] == "treatment effect", "method"]
    assert effects.str.contains(profile, regex=False).all()


def test_within_arm_tests_say_they_do_not_compare_arms(at95):
    t = at95["secondary_endpoints"]
    within = t["analysis"].str.startswith("within_arm")
    estimated = ~t["method"].str.startswith("not estimable")
    assert t.loc[within & estimated, "method"].str.contains(
        "change over time in one arm, not a comparison of arms").all()
    assert not t.loc[~within, "method"].str.contains("one arm").any()


def test_log_scale_ancova_rows_say_their_scale(at95):
    t = at95["secondary_endpoints"]
    log_rows = t["analysis"].str.startswith("ancova_log1p")
    assert log_rows.any()
    assert t.loc[log_rows, "method"].str.contains("log(value + 1)", regex=False).all()
    assert not t.loc[t["analysis"] == "ancova", "method"].str.contains("log").any()
