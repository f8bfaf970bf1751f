"""A three-arm dose-finding trial (low dose, high dose, standard care; 30 per arm), written as a
protocol file, simulated, loaded and analysed: every active arm is in every comparative table."""

from __future__ import annotations

from pathlib import Path

import pytest

from t1dtrial.analysis import analyze
from t1dtrial.analysis._arms import comparisons
from t1dtrial.data import load_folder
from t1dtrial.protocol import load_protocol
from t1dtrial.simulate import simulate_trial

PROTOCOL = Path(__file__).parent / "protocols" / "dose_finding_3arm.yaml"
PAIRS = ["LOW vs CONTROL", "HIGH vs CONTROL"]
#: Comparative tables with a ``comparison`` column ("treated vs control").
BY_COMPARISON = ["primary_comparison", "primary_interaction", "primary_adjusted",
                 "primary_adjusted_balance", "secondary_responders", "mmrm", "sensitivity",
                 "balance"]


@pytest.fixture(scope="module")
def protocol():
    return load_protocol(PROTOCOL)


@pytest.fixture(scope="module")
def results(protocol, tmp_path_factory):
    folder = tmp_path_factory.mktemp("dose_finding") / "data"
    sim = simulate_trial(protocol, seed=3)
    sim.write(folder)
    return analyze(load_folder(folder, protocol))


def test_the_protocol_compares_each_dose_with_standard_care(protocol):
    assert comparisons(protocol) == [("LOW", "CONTROL"), ("HIGH", "CONTROL")]


def test_the_simulator_writes_thirty_per_arm_and_infusions_for_both_doses(protocol):
    sim = simulate_trial(protocol, seed=3)
    arms = sim.tables["subjects"]["arm"].value_counts().to_dict()
    assert arms == {"LOW": 30, "HIGH": 30, "CONTROL": 30}
    infused = set(sim.tables["subjects"].set_index("subject_id").loc[
        sim.tables["infusions"]["subject_id"].unique(), "arm"])
    assert infused == {"LOW", "HIGH"}


@pytest.mark.parametrize("table", BY_COMPARISON)
def test_every_active_arm_is_in_every_comparative_table(results, table):
    frame = results[table]
    assert set(PAIRS) <= set(frame["comparison"].dropna()), table


def test_secondary_continuous_endpoints_compare_each_arm_with_control(results):
    sec = results["secondary_endpoints"]
    between = sec.loc[sec["analysis"] == "ancova", "group"]
    assert set(between) == {"LOW - CONTROL", "HIGH - CONTROL"}


def test_mmrm_is_one_model_with_a_difference_for_each_arm_at_each_visit(results):
    mm = results["mmrm"]
    diff = mm.loc[mm["term"] == "difference"]
    assert not diff["method"].str.startswith("not estimable").any()
    per = diff.groupby(["param", "scale", "visit"])["comparison"].apply(list)
    assert all(v == PAIRS for v in per), per
    # one fit a parameter and scale: every row of it has the same method text
    assert (mm.groupby(["param", "scale"])["method"].nunique() == 1).all()
    lsmeans = mm.loc[mm["term"] == "lsmean"].groupby(["param", "scale", "visit"])["group"]
    assert all(list(g) == ["LOW", "HIGH", "CONTROL"] for _, g in lsmeans)


def test_interaction_has_each_pair_and_the_joint_test_of_every_interaction_term(results):
    inter = results["primary_interaction"]
    tests = inter.loc[inter["term"] == "interaction"]
    assert tests["comparison"].tolist() == [
        "LOW vs CONTROL", "LOW vs CONTROL", "HIGH vs CONTROL", "HIGH vs CONTROL",
        "LOW, HIGH vs CONTROL (joint)", "LOW, HIGH vs CONTROL (joint)"]
    assert tests["df"].tolist() == [1, 1, 1, 1, 2, 2]
    assert tests["n"].tolist() == [60, 60, 60, 60, 90, 90]
    effects = inter.loc[inter["term"] == "treatment effect"]
    assert effects.groupby("comparison").size().to_dict() == {p: 2 for p in PAIRS}


def test_sensitivity_and_adjusted_estimates_are_repeated_for_each_pair(results):
    sens = results["sensitivity"]
    assert sens.groupby("comparison")["analysis"].apply(list).to_dict() == {
        p: ["primary", "per_protocol", "complete_case", "multiple_imputation", "iptw",
            "iptw_primary_method"] for p in PAIRS}
    primary = results["primary_comparison"].set_index(["subgroup", "comparison"])
    for row in sens.loc[sens["analysis"] == "primary"].itertuples():
        assert row.estimate == pytest.approx(primary.at[("all", row.comparison),
                                                        "risk_difference"])
        assert row.n == 60
    adj = results["primary_adjusted"]
    assert adj.groupby("comparison")["estimand"].apply(list).to_dict() == {
        p: ["risk difference", "risk ratio", "odds ratio"] for p in PAIRS}


def test_secondary_responders_put_each_comparison_on_the_rows_of_its_arms(results):
    sr = results["secondary_responders"]
    for row in sr.itertuples():
        assert row.arm in row.comparison.split(" vs "), row
    control = sr.loc[(sr["arm"] == "CONTROL") & (sr["subgroup"] == "all")]
    assert control.groupby("endpoint")["comparison"].apply(list).map(sorted).tolist() == [
        sorted(PAIRS)] * control["endpoint"].nunique()


def test_the_notes_name_the_pair_of_each_balance_note(results):
    balance = [n for n in results.notes if n.startswith("Baseline balance")]
    assert [n.split(";")[0] for n in balance] == [f"Baseline balance ({p}" for p in PAIRS]


@pytest.fixture(scope="module")
def twin():
    from t1dtrial.datasets import load_lu2021
    from t1dtrial.derive import derive_all

    trial = load_lu2021()
    return trial.protocol, derive_all(trial)


def test_two_arms_keep_one_comparison_and_no_joint_test(twin):
    from t1dtrial.analysis.responders import subgroup_interaction

    protocol, derived = twin
    inter = subgroup_interaction(derived.adsl, derived.adeff, "remission", protocol=protocol)
    assert set(inter["comparison"]) == {"MSC vs CONTROL"}
    assert inter["term"].tolist() == ["treatment effect"] * 2 + ["interaction"] * 2


def test_two_arm_mmrm_rows_keep_their_order_and_name_the_comparison(twin):
    from t1dtrial.analysis.longitudinal import mmrm_table

    protocol, derived = twin
    mm = mmrm_table(derived.adsl, derived.adlb, protocol=protocol)
    at = mm.loc[(mm["param"] == "FCP") & (mm["scale"] == "none") & (mm["visit"] == "M12")]
    assert at["group"].tolist() == ["MSC", "CONTROL", "MSC - CONTROL"]
    assert at["comparison"].tolist()[-1] == "MSC vs CONTROL"
    assert at["comparison"].isna().tolist() == [True, True, False]


def test_a_sensitivity_note_true_of_every_pair_is_said_once(results):
    mi = [n for n in results.notes if n.startswith("Multiple imputation")]
    assert len(mi) == 1 and "vs CONTROL" not in mi[0]
