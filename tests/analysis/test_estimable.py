"""Each analysis of the plan runs on its own: what the data cannot support is a row and a note.

The plan is run on data that make one analysis impossible for each failure
class (one outcome value, too few subjects, separation without a remedy,
non-convergence, NaN inside a model); the analysis gets rows marked "not
estimable" with the reason, the notes say which and why, and the rest of the
plan is there.
"""

from __future__ import annotations

import dataclasses
import shutil
import warnings

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from t1dtrial.analysis import CONTRACT_TABLES, analyze
from t1dtrial.analysis import _estimable, responders
from t1dtrial.data import load_folder
from t1dtrial.datasets import load_lu2021, lu2021_path
from t1dtrial.errors import EstimationError, T1DTrialWarning
from t1dtrial.protocol import load_protocol
from t1dtrial.simulate import simulate_trial
from t1dtrial.stats import _mmrm_covariance

LU = load_protocol("lu2021")


def _analyze(trial):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", T1DTrialWarning)
        return analyze(trial)


def _rows(table: pd.DataFrame, column: str = "method") -> pd.DataFrame:
    return table.loc[_estimable.is_not_estimable(table[column])]


def _note(results, table: str, words: str) -> str:
    found = [n for n in results.notes if n.startswith(f"Not estimable in {table}") and words in n]
    assert found, results.notes
    return found[0]


def _edited_twin(tmp_path_factory, name: str, edit) -> "Trial":  # noqa: F821
    folder = tmp_path_factory.mktemp(name) / "data"
    shutil.copytree(lu2021_path(), folder)
    m = pd.read_csv(folder / "measurements.csv", dtype=str, keep_default_na=False)
    edit(m).to_csv(folder / "measurements.csv", index=False)
    return load_folder(folder, LU)


def _cut_after_month_6(m: pd.DataFrame) -> pd.DataFrame:
    return m.loc[m["visit"].isin(["BL", "M1", "M3", "M6"])]


def _hba1c_shifted_by_a_constant(m: pd.DataFrame) -> pd.DataFrame:
    """Each participant's follow-up HbA1c = baseline + a personal constant (correlation 1)."""
    hba1c = m["param"].eq("HBA1C")
    base = m.loc[hba1c & m["visit"].eq("BL")].set_index("subject_id")["value"].astype(float)
    shift = {s: 0.1 * (i % 7) for i, s in enumerate(sorted(base.index))}
    follow = hba1c & m["visit"].ne("BL")
    m.loc[follow, "value"] = [f"{base[s] + shift[s]:.2f}" for s in m.loc[follow, "subject_id"]]
    return m


@pytest.fixture(scope="module")
def interim(tmp_path_factory):
    return _analyze(_edited_twin(tmp_path_factory, "interim", _cut_after_month_6))


# --------------------------------------------------------------------------- an interim cut
def test_an_interim_cut_gives_every_contract_table(interim):
    for name in CONTRACT_TABLES:
        assert name in interim.tables and len(interim.tables[name]) > 0, name


def test_an_interim_cut_counts_the_primary_endpoint_by_the_missing_data_rule(interim):
    t = interim["primary_endpoint"].set_index(["subgroup", "arm"])
    assert t.loc[("all", "MSC"), ["n", "responders", "missing"]].tolist() == [27, 0, 27]
    assert t.loc[("all", "CONTROL"), ["n", "responders", "missing"]].tolist() == [26, 0, 26]
    assert (t["missing_rule"] == "non_responder").all()


def test_an_interim_cut_fits_the_mixed_model_on_the_visits_present(interim):
    t = interim["mmrm"]
    assert set(t["visit"]) == {"M1", "M3", "M6"}
    assert t["method"].str.startswith("MMRM (REML)").all()


# --------------------------------------------------------------------------- one class each
def test_one_outcome_value_makes_the_predictor_model_not_estimable(interim):
    t = interim["logistic_regression"]
    assert len(_rows(t)) == len(t) == 2
    assert t["method"].str.contains("only one outcome value among the analysed rows \\(all 0\\)").all()
    assert t["odds_ratio"].isna().all() and t["p_value"].isna().all()
    assert t["n"].tolist() == [27, 27] and t["events"].tolist() == [0, 0]
    _note(interim, "logistic_regression", "only one outcome value")


def test_too_few_subjects_makes_the_complete_case_analysis_not_estimable(interim):
    t = interim["sensitivity"].set_index("analysis")
    assert t.at["complete_case", "method"] == ("not estimable: no subject of arm MSC, CONTROL in "
                                               "the full analysis set with an assessable endpoint")
    assert pd.isna(t.at["complete_case", "estimate"])
    assert t.at["primary", "method"].startswith("risk difference")  # the rest still runs
    _note(interim, "sensitivity", "no subject of arm MSC, CONTROL")


def test_covariates_separating_the_arms_make_the_weighting_not_estimable():
    trial = load_lu2021()
    analysis = trial.protocol.analysis.model_copy(update={"propensity_covariates": ["CUMDOSE"]})
    protocol = trial.protocol.model_copy(update={"analysis": analysis})
    res = _analyze(dataclasses.replace(trial, protocol=protocol))
    t = res["sensitivity"].set_index("analysis")
    assert "completely separate the groups (no overlap: CUMDOSE)" in t.at["iptw", "method"]
    # the rest still runs, the primary method on the subjects of the weighting too
    assert t.at["iptw_primary_method", "method"].startswith("risk difference; Newcombe")
    assert t.at["multiple_imputation", "method"].startswith("nothing to impute")
    _note(res, "sensitivity", "no weighting can balance them")


def test_a_correlation_running_to_one_makes_that_mixed_model_not_estimable(tmp_path_factory):
    res = _analyze(_edited_twin(tmp_path_factory, "flat", _hba1c_shifted_by_a_constant))
    t = res["mmrm"]
    hba1c = t.loc[t["param"] == "HBA1C"]
    assert len(hba1c) == 1 and "the within-subject correlation runs to 1" in hba1c["method"].iat[0]
    assert t.loc[t["param"] == "FCP", "method"].str.startswith("MMRM").all()
    _note(res, "mmrm", "did not converge")


def test_a_nan_inside_the_mixed_model_is_a_row_not_a_stop(monkeypatch):
    from scipy import optimize

    def minimize(f, x0, **kwargs):  # an optimiser ending on NaN
        return optimize.OptimizeResult(x=x0 * float("nan"), fun=1.0, success=True, jac=x0 * 0)

    monkeypatch.setattr(_mmrm_covariance.optimize, "minimize", minimize)
    res = _analyze(load_lu2021())
    assert res["mmrm"]["method"].str.contains("the covariance is not finite").all()
    assert len(res["primary_comparison"]) > 0 and len(res["logistic_regression"]) > 0
    _note(res, "mmrm", "the covariance is not finite")


def test_an_estimation_error_escaping_an_analysis_is_a_row_of_its_table(monkeypatch):
    def broken(*args, **kwargs):
        raise EstimationError("demo", None, None, "no analysable subject")

    counts = responders.responder_counts

    def broken_but_the_primary(adsl, adeff, endpoint, **kwargs):
        return counts(adsl, adeff, endpoint, **kwargs) if endpoint == "remission" \
            else broken()

    monkeypatch.setattr(responders, "responder_counts", broken_but_the_primary)
    res = _analyze(load_lu2021())
    t = res["secondary_responders"]  # one row for each planned analysis that raised
    assert t["endpoint"].tolist() == ["dcct_responder", "idaa1c_partial_remission",
                                      "insulin_independence"]
    assert (t["rd_method"] == "not estimable: no analysable subject").all()
    assert list(t.columns[:len(responders.COUNT_COLUMNS)]) == responders.COUNT_COLUMNS
    assert res["primary_endpoint"].loc[0, "n"] == 27
    assert any(n.startswith("Not estimable in secondary_responders (3 rows")
               and n.endswith(": no analysable subject.") for n in res.notes)


# --------------------------------------------------------------------------- small trials
def _small_trial(tmp_path, n: int, dropout: float, seed: int):
    simulate_trial(LU, seed=seed, n_per_arm=n, dropout_per_year=dropout,
                   missed_visit_probability=0.2).write(tmp_path / "data")
    return load_folder(tmp_path / "data", LU)


@pytest.mark.parametrize(("n", "dropout", "seed"), [(6, 0.6, 1), (6, 0.6, 4), (6, 0.6, 6),
                                                    (6, 0.8, 7)])
def test_small_trials_that_stopped_the_plan_are_analysed(tmp_path, n, dropout, seed):
    # (6, 0.6, 1/4/6): one outcome value in the predictor model; (6, 0.8, 7): an empty arm
    res = _analyze(_small_trial(tmp_path, n, dropout, seed))
    for name in CONTRACT_TABLES:
        assert name in res.tables, name
    assert any(n.startswith("Not estimable in ") for n in res.notes)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(3, 8), dropout=st.sampled_from([0.3, 0.6, 0.9]),
       seed=st.integers(0, 10_000))
def test_analyze_never_raises_on_a_small_trial_with_dropout(tmp_path_factory, n, dropout, seed):
    res = _analyze(_small_trial(tmp_path_factory.mktemp("small"), n, dropout, seed))
    assert set(CONTRACT_TABLES) <= set(res.tables)


def test_a_note_names_numeric_keys_as_numbers_not_reprs():
    import numpy as np

    rows = _estimable.not_estimable_rows(["time", "estimate", "method"], "too few subjects",
                                         keys=[{"visit": "M12", "term": np.float64(0.5)},
                                               {"visit": "M12", "term": np.int64(3)}])
    [note] = _estimable.notes({"insulin_free_km": rows})
    assert note == ("Not estimable in insulin_free_km (2 rows, visit M12; term 0.5, 3): "
                    "too few subjects.")
