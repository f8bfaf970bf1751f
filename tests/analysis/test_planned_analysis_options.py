"""A planned analysis' own level, population and visits reach its table and metadata."""

from __future__ import annotations

import pytest
import yaml

from t1dtrial.analysis import analyze
from t1dtrial.data import load_folder
from t1dtrial.protocol import load_protocol, protocol_source
from t1dtrial.simulate import simulate_trial

EXTRA = {"name": "auc_mitt_90", "role": "sensitivity", "endpoint": "cpauc_change",
         "population": "mITT", "visits": ["M12"], "method": "ancova", "conf_level": 0.9}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("protrans")
    data = yaml.safe_load(protocol_source("protrans2023")[1])
    data["analysis_plan"].append(EXTRA)
    path = folder / "protrans-more.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    protocol = load_protocol(path)
    simulate_trial(protocol, seed=2).write(folder / "data")
    return analyze(load_folder(folder / "data", protocol))


def test_an_analysis_planned_at_another_level_says_its_own_level(results):
    table = results["auc_mitt_90"]
    with_interval = table["ci_low"].notna()
    assert with_interval.any()
    assert table.loc[with_interval, "conf_level"].eq(0.9).all()
    primary = results["primary_comparison"]
    assert primary.loc[primary["ci_low"].notna(), "conf_level"].eq(0.95).all()


def test_a_protocol_population_gives_its_size_by_arm(results):
    res = next(r for r in results.results if r.name == "auc_mitt_90")
    adsl = results.adam["adsl"]
    expected = adsl.loc[adsl["MITTFL"].eq("Y"), "TRT01P"].value_counts().to_dict()
    assert res.n_by_arm == {arm: expected.get(arm, 0) for arm in ["WJMSC", "PLACEBO"]}
    assert sum(res.n_by_arm.values()) > 0


def test_a_meal_auc_analysis_keeps_to_its_planned_visits(results):
    assert set(results["auc_mitt_90"]["visit"].dropna()) == {"M12"}
