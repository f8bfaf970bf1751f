"""The simulator's truth follows the primary endpoint, whichever its kind, and agrees with derive."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from t1dtrial.data import load_folder
from t1dtrial.derive import derive_all
from t1dtrial.protocol import Protocol, load_protocol
from t1dtrial.simulate import simulate_trial
from t1dtrial.simulate.cohort import simulate_cohort
from t1dtrial.simulate.endpoints import CohortValues, endpoint_truth


def _with_primary(name: str, primary: dict) -> Protocol:
    data = load_protocol(name).model_dump()
    data["endpoints"]["secondary"].append(data["endpoints"]["primary"])
    data["endpoints"]["primary"] = primary
    return Protocol.model_validate(data)


def _derived_and_truth(protocol: Protocol, tmp_path, seed: int = 5):
    trial = simulate_trial(protocol, seed=seed, n_per_arm=12)
    folder = trial.write(tmp_path / "trial")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        derived = derive_all(load_folder(folder, protocol))
    return derived, trial.truth.set_index("subject_id")


def _flags(derived, paramcd: str) -> pd.Series:
    e = derived.adeff
    rows = e.loc[(e.PARAMCD == paramcd) & (e.ANL01FL == "Y")].set_index("USUBJID")
    return rows["AVALC"].astype(object).map({"Y": "1", "N": "0", "": ""})


CPAUC_RISE = {"kind": "percent_rise", "name": "auc_rise", "label": "CPAUC rise >= 10 %",
              "params": ["CPAUC"], "threshold_pct": 10, "visit": "M12"}


def test_a_percent_rise_over_the_meal_test_auc_simulates_and_its_truth_is_derived(tmp_path):
    protocol = _with_primary("carlsson2015", CPAUC_RISE)
    derived, truth = _derived_and_truth(protocol, tmp_path)
    assert (truth["remission_rule"] == "auc_rise").all()
    mine = _flags(derived, "AUCRISE").reindex(truth.index)
    assert (mine != "").sum() > 10
    pd.testing.assert_series_equal(mine, truth["remission_noisy"].astype(str), check_names=False)


def test_the_noiseless_auc_truth_follows_the_latent_curve():
    protocol = _with_primary("carlsson2015", CPAUC_RISE)
    cohort = simulate_cohort(protocol, seed=2)
    latent = CohortValues(cohort).values("CPAUC", noisy=False)
    # trapezoid over 0..120 of fcp + (pcp - fcp) * curve: between 120 x min and 120 x max
    low = 120 * np.minimum(cohort.latent_fcp, cohort.latent_pcp)
    assert (latent >= low - 1e-9).all() and np.isfinite(latent).all()
    flags = endpoint_truth(cohort, noisy=False)
    assert set(np.unique(flags[~np.isnan(flags)])) <= {0.0, 1.0}


def test_a_threshold_primary_is_the_truth_and_matches_derive(tmp_path):
    idaa1c = {"kind": "threshold", "name": "idaa1c_low", "label": "IDAA1c <= 9", "param": "IDAA1C",
              "comparison": "<=", "value": 9, "unit": "%", "visit": "M12"}
    protocol = _with_primary("lu2021", idaa1c)
    derived, truth = _derived_and_truth(protocol, tmp_path)
    mine = _flags(derived, "IDAALOW").reindex(truth.index)
    pd.testing.assert_series_equal(mine, truth["remission_noisy"].astype(str), check_names=False)
    assert (truth["remission_noiseless"] == "").all()  # no noiseless HbA1c or insulin


def test_a_continuous_primary_truth_is_the_change_derive_computes(tmp_path):
    derived, truth = _derived_and_truth(load_protocol("carlsson2015"), tmp_path)
    lb = derived.adlb
    chg = lb.loc[(lb.PARAMCD == "CPMAUC") & (lb.AVISIT == "M12") & (lb.ANL01FL == "Y")] \
        .set_index("USUBJID")["CHG"].reindex(truth.index)
    noisy = pd.to_numeric(truth["remission_noisy"], errors="coerce")
    assert noisy.notna().sum() > 10
    np.testing.assert_allclose(noisy.to_numpy(), chg.to_numpy(dtype=float), rtol=1e-5, atol=1e-6)


def test_a_meal_auc_primary_over_part_of_an_ogtt_is_simulated_and_derived(tmp_path):
    data = load_protocol("carlsson2015").model_dump()
    data["meal_test"] = {"kind": "OGTT", "minutes": [0, 30, 60, 90, 120, 150, 180]}
    protocol = Protocol.model_validate({**data, "endpoints": {
        "primary": {"kind": "meal_auc", "name": "mauc120", "label": "mean AUC 0-120",
                    "measure": "mean_auc", "minutes": [0, 30, 60, 90, 120], "visit": "M12"},
        "secondary": data["endpoints"]["secondary"]}})
    derived, truth = _derived_and_truth(protocol, tmp_path)
    lb = derived.adlb
    chg = lb.loc[(lb.PARAMCD == "CPMAUC120") & (lb.AVISIT == "M12") & (lb.ANL01FL == "Y")] \
        .set_index("USUBJID")["CHG"].reindex(truth.index)
    noisy = pd.to_numeric(truth["remission_noisy"], errors="coerce")
    assert noisy.notna().sum() > 10
    np.testing.assert_allclose(noisy.to_numpy(), chg.to_numpy(dtype=float), rtol=1e-5, atol=1e-6)
    assert pd.to_numeric(truth["remission_noiseless"], errors="coerce").notna().sum() > 10
