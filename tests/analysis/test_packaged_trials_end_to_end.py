"""Every packaged protocol runs end to end: check, simulate, validate, derive, analyse.

The packaged protocols are the reference study and the trials of the
shared reference list of other cell-therapy trials in type 1 diabetes
(Carlsson 2015, ProTrans, Hu 2013, Cai 2016, Nasli-Esfahani 2015) and a
three-arm dose-finding trial, each written in its natural form. Every
active arm must appear in every table that compares arms.
"""

from __future__ import annotations

import pandas as pd
import pytest

from t1dtrial.analysis import analyze
from t1dtrial.analysis._arms import comparisons
from t1dtrial.data import load_folder
from t1dtrial.derive import derive_all
from t1dtrial.protocol import check_protocol_file, list_protocols, load_protocol
from t1dtrial.report.terminal import summary_renderables
from t1dtrial.simulate import simulate_trial

OTHER_TRIALS = ["carlsson2015", "protrans2023", "hu2013", "cai2016", "nasli2015", "dosefinding"]


def test_every_trial_of_the_reference_list_is_packaged():
    assert set(OTHER_TRIALS) | {"lu2021"} <= set(list_protocols())


_RUNS: dict[str, tuple] = {}


def _analysed(name: str, tmp_path_factory) -> tuple:
    """Check, simulate, write, load and analyse a packaged protocol (once a module run)."""
    if name not in _RUNS:
        assert check_protocol_file(name) == []
        protocol = load_protocol(name)
        folder = tmp_path_factory.mktemp(name) / "data"
        simulate_trial(protocol, seed=11).write(folder)
        trial = load_folder(folder, protocol)
        _RUNS[name] = (name, protocol, trial, analyze(trial))
    return _RUNS[name]


@pytest.fixture(scope="module", params=OTHER_TRIALS)
def run(request, tmp_path_factory):
    return _analysed(request.param, tmp_path_factory)


_COMPARISON_COLUMNS = ("comparison", "group", "arm")


def _comparison_texts(table: pd.DataFrame) -> list[str]:
    """Texts naming a comparison of arms (``X vs Y`` or ``X - Y``) in a table."""
    texts: list[str] = []
    for column in _COMPARISON_COLUMNS:
        if column in table.columns:
            values = table[column].dropna().astype(str)
            texts += [v for v in values if " vs " in v or " - " in v]
    return texts


def _arms_compared(table: pd.DataFrame) -> set[str]:
    """Arms named on the left of the comparisons of a table."""
    found: set[str] = set()
    for text in _comparison_texts(table):
        left = text.split(" vs ")[0] if " vs " in text else text.split(" - ")[0]
        found |= {a.strip(" ()") for a in left.split(",")}
    return found


def test_every_participant_is_derived_and_accounted_for(run):
    name, protocol, trial, results = run
    derived = derive_all(trial)
    assert len(derived.adsl) == len(trial.subjects)
    disposition = results["disposition"]
    assert len(disposition) and disposition.notna().any().any()
    assert set(derived.adsl["TRT01P"]) == set(protocol.arm_codes)


def test_every_active_arm_is_in_every_comparative_table(run):
    name, protocol, trial, results = run
    active = {treated for treated, _ in comparisons(protocol)}
    compared = {t: results[t] for t in results.tables if _comparison_texts(results[t])}
    if not active:  # a single-arm study compares nothing between arms
        assert all(_arms_compared(t) <= set(protocol.arm_codes) for t in compared.values())
        return
    assert {"primary_comparison", "secondary_endpoints"} <= set(compared)
    for table_name, table in compared.items():
        assert active <= _arms_compared(table), (name, table_name)


def test_the_primary_tables_are_filled_by_the_primary_method(run):
    name, protocol, trial, results = run
    assert len(results["primary_endpoint"]) > 0
    assert len(results["primary_comparison"]) > 0
    assert results["primary_comparison"]["p_value"].notna().any()


def test_the_terminal_summary_renders(run):
    from rich.console import Console

    name, protocol, trial, results = run
    console = Console(width=80, record=True)
    for item in summary_renderables(results, title=name, out="out"):
        console.print(item)
    text = console.export_text()
    assert "Traceback" not in text
    for arm in protocol.arm_codes:
        assert arm in text


def test_placebo_participants_given_a_sham_infusion_are_in_the_safety_set(tmp_path):
    protocol = load_protocol("protrans2023")
    simulate_trial(protocol, seed=5).write(tmp_path / "data")
    adsl = derive_all(load_folder(tmp_path / "data", protocol)).adsl
    placebo = adsl[adsl["TRT01P"] == "PLACEBO"]
    assert len(placebo) and placebo["SAFFL"].eq("Y").all()
    assert pd.to_numeric(placebo["CUMDOSE"], errors="coerce").fillna(0).eq(0).all()


def test_protrans_participants_are_sampled_within_its_eligibility_criteria(tmp_path):
    protocol = load_protocol("protrans2023")
    simulate_trial(protocol, seed=5).write(tmp_path / "data")
    adsl = derive_all(load_folder(tmp_path / "data", protocol)).adsl
    assert adsl["ELIGFL"].eq("Y").all()
    assert adsl["AGE"].between(18, 40).all()


def test_each_product_of_cai2016_is_reported_separately(tmp_path):
    protocol = load_protocol("cai2016")
    simulate_trial(protocol, seed=5).write(tmp_path / "data")
    adsl = derive_all(load_folder(tmp_path / "data", protocol)).adsl
    stem = adsl[adsl["TRT01P"] == "STEM"]
    msc, mnc = stem["CUMDMSC"].astype(float), stem["CUMDMNC"].astype(float)
    assert (mnc / msc).median() == pytest.approx(106.8 / 1.1, rel=0.25)


def test_the_dose_finding_arms_get_their_own_dose(tmp_path):
    protocol = load_protocol("dosefinding")
    simulate_trial(protocol, seed=5).write(tmp_path / "data")
    adsl = derive_all(load_folder(tmp_path / "data", protocol)).adsl
    dose = adsl.groupby("TRT01P")["CUMDOSE"].median()
    assert dose["HIGH"] == pytest.approx(3 * dose["LOW"], rel=0.2)
    assert adsl.loc[adsl["TRT01P"] != "CONTROL", "PPROTFL"].eq("Y").mean() > 0.8


def test_the_dose_finding_trial_compares_both_doses_in_every_kind_of_analysis(tmp_path_factory):
    name, protocol, trial, results = _analysed("dosefinding", tmp_path_factory)
    compared = {t for t in results.tables if _comparison_texts(results[t])}
    assert {"primary_comparison", "primary_interaction", "secondary_endpoints",
            "secondary_responders", "mmrm", "sensitivity", "balance",
            "multiplicity"} <= compared


def test_every_trial_writes_its_results_and_reads_them_back(run, tmp_path):
    from t1dtrial.analysis.results import Results

    name, protocol, trial, results = run
    back = Results.from_folder(results.write(tmp_path / "out"))
    assert set(back.tables) == set(results.tables)
    assert [r.name for r in back.results] == [r.name for r in results.results]


def test_a_product_dose_enters_the_predictor_model_per_million_cells(tmp_path):
    from t1dtrial.analysis.predictors import predictor_model

    protocol = load_protocol("cai2016")
    protocol = protocol.model_copy(update={"analysis": protocol.analysis.model_copy(update={
        "predictor_arms": ["STEM"], "predictor_covariates": ["BFCP", "CUMDMSC"]})})
    simulate_trial(protocol, seed=5, n_per_arm=40).write(tmp_path / "data")
    derived = derive_all(load_folder(tmp_path / "data", protocol))
    table, _ = predictor_model(derived.adsl, derived.adeff, protocol=protocol,
                               endpoint="good_control")
    row = table.loc[table["term"].str.startswith("CUMDMSC")].iloc[0]
    assert row["term"] == "CUMDMSC (per 10^6 cells/kg)"
    assert row["scale"] == "per 10^6 cells/kg"


def test_the_report_renders_for_every_trial_with_every_arm(run):
    """HTML and Word, closed and open, with no code specific to any trial."""
    import html as html_text
    import io

    from docx import Document as WordDocument

    from t1dtrial.report.contents import build_document
    from t1dtrial.report.docx import render_docx
    from t1dtrial.report.html import render_html
    from t1dtrial.report.source import ReportSource

    name, protocol, trial, results = run
    for blind in (False, True) if name == "dosefinding" else (False,):
        source = ReportSource(results, protocol, blind=blind)
        doc = build_document(source)
        primary = next(t for t in doc.tables() if t.family == "14.2")
        headers = " ".join(c.header for c in primary.columns)
        for arm in protocol.arm_codes:
            assert source.arm_short(arm) in headers or source.arm_name(arm) in headers, (name, arm)
        html = render_html(doc)
        word = WordDocument(io.BytesIO(render_docx(doc)))
        assert len(word.tables) == len(doc.tables())
        assert doc.title in html_text.unescape(html)
        if blind:  # no arm's label in any table of the open report
            cells = [c.header for t in doc.tables() for c in t.columns]
            cells += [cell for t in doc.tables() for g in t.groups for row in g.rows
                      for cell in row]
            for arm in protocol.arms:
                assert not any(arm.label in cell for cell in cells), (name, arm.label)
