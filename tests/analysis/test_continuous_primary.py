"""A continuous primary endpoint fills the contract's primary tables from its planned method."""

from __future__ import annotations

import pytest
from rich.console import Console

from t1dtrial.analysis import analyze
from t1dtrial.data import load_folder
from t1dtrial.protocol import load_protocol
from t1dtrial.report.terminal import summary_renderables
from t1dtrial.simulate import simulate_to_folder

CONTRACT = ["subgroup", "comparison", "estimate", "ci_low", "ci_high", "p_value", "method",
            "conf_level"]


@pytest.fixture(scope="module")
def carlsson(tmp_path_factory):
    protocol = load_protocol("carlsson2015")
    folder = tmp_path_factory.mktemp("carlsson") / "data"
    simulate_to_folder(folder, protocol, seed=3)
    return analyze(load_folder(folder, protocol))


def test_primary_tables_have_per_arm_summaries_and_the_ancova_comparison(carlsson):
    by_arm, comp = carlsson["primary_endpoint"], carlsson["primary_comparison"]
    assert by_arm["arm"].tolist() == ["MSC", "CONTROL"]
    assert {"n", "mean", "sd", "baseline_mean"} <= set(by_arm.columns)
    assert by_arm["n"].gt(0).all() and by_arm["mean"].notna().all()
    assert comp.columns[:len(CONTRACT)].tolist() == CONTRACT
    row = comp.iloc[0]
    assert row["comparison"] == "MSC vs CONTROL" and row["ci_low"] < row["estimate"] < row["ci_high"]
    assert row["method"].startswith("ANCOVA of the change")
    # the same number as the ANCOVA row of secondary_endpoints at the primary visit
    sec = carlsson["secondary_endpoints"]
    same = sec.loc[(sec.endpoint == "cpauc_change") & (sec.visit == "M12")
                   & (sec.subgroup == "all") & (sec.analysis == "ancova")]
    assert row["estimate"] == pytest.approx(same["estimate"].iloc[0])


def test_per_arm_mean_is_the_mean_change_of_the_analysed_participants(carlsson):
    adlb, adsl = carlsson.adam["adlb"], carlsson.adam["adsl"]
    fas = set(adsl.loc[adsl.FASFL.eq("Y") & adsl.TRT01P.eq("MSC"), "USUBJID"])
    chg = adlb.loc[adlb.PARAMCD.eq("CPMAUC") & adlb.AVISIT.eq("M12") & adlb.ANL01FL.eq("Y")
                   & adlb.USUBJID.isin(fas), "CHG"].dropna()
    msc = carlsson["primary_endpoint"].set_index("arm").loc["MSC"]
    assert msc["n"] == len(chg) and msc["mean"] == pytest.approx(chg.mean())


def test_disposition_counts_the_continuous_primary_without_non_responders(carlsson):
    dis = carlsson["disposition"]
    primary = dis.loc[dis["stage"].str.startswith("primary endpoint")]
    assert set(primary["stage"]) == {"primary endpoint assessed", "primary endpoint missing"}
    assert not primary["method"].str.contains("non_responder|non-responder").any()
    assert primary["method"].str.contains("ADLB PARAMCD CPMAUC at M12").all()


def test_summary_shows_the_continuous_primary_within_80_columns(carlsson):
    console = Console(width=80, record=True)
    for item in summary_renderables(carlsson, title="carlsson2015"):
        console.print(item)
    text = console.export_text()
    assert "Primary endpoint: cpauc_change at M12" in text and "non responder" not in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_a_single_arm_primary_is_the_change_within_the_arm(tmp_path):
    protocol = load_protocol("nasli2015")
    simulate_to_folder(tmp_path / "d", protocol, seed=3)
    res = analyze(load_folder(tmp_path / "d", protocol))
    comp = res["primary_comparison"]
    assert comp.loc[comp.subgroup.eq("all"), "comparison"].tolist() == ["MSC: change against 0"]
    assert comp["method"].str.contains("within-arm test against 0").all()
    assert res["primary_endpoint"].loc[0, "n"] > 0
