"""The study sections of the report: title, disposition (CONSORT), Table 1, safety, listings, provenance.

On the packaged twin (analysed once for the module) and on the three-arm
dose-finding trial (simulated with seed 11, its plan cut to the safety
analysis: the study sections read no efficacy result). Small changes to
copies of the twin's tables and datasets stand in for the events the twin
does not have (discontinuations, out-of-window values, serious events).
"""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from t1dtrial.analysis import analyze
from t1dtrial.data import load_folder
from t1dtrial.datasets import load_lu2021
from t1dtrial.protocol import load_protocol
from t1dtrial.protocol.loading import protocol_hash
from t1dtrial.report.contents._baseline import baseline_section
from t1dtrial.report.contents._disposition import disposition_section
from t1dtrial.report.contents._listings import listings_section
from t1dtrial.report.contents._provenance import provenance_section
from t1dtrial.report.contents._safety import safety_section
from t1dtrial.report.contents._title import title_section
from t1dtrial.report.document import Figure, Table
from t1dtrial.report.formatting import fmt_n_percent
from t1dtrial.report.source import ReportSource
from t1dtrial.simulate import simulate_trial

STUDY_SECTIONS = (title_section, disposition_section, baseline_section, safety_section,
                  listings_section, provenance_section)


@pytest.fixture(scope="module")
def twin():
    trial = load_lu2021()
    return analyze(trial), trial.protocol


@pytest.fixture(scope="module")
def three_arm(tmp_path_factory):
    protocol = load_protocol("dosefinding")
    protocol = protocol.model_copy(update={"analysis_plan": [
        a for a in protocol.plan if a.method == "adverse-events"]})
    folder = tmp_path_factory.mktemp("dosefinding") / "data"
    simulate_trial(protocol, seed=11).write(folder)
    trial = load_folder(folder, protocol)
    return ReportSource(analyze(trial), trial.protocol)


@pytest.fixture(scope="module")
def source(twin):
    return ReportSource(*twin)


def _table(section, key: str) -> Table:
    return next(b for b in section.walk() if isinstance(b, Table) and b.key == key)


def _row(table: Table, label: str, group: str | None = None) -> list[str]:
    return next(r for g in table.groups if group is None or g.label.startswith(group)
                for r in g.rows if r[0] == label)


def _svg_text(svg: str) -> str:
    """The words of an SVG's text elements, wrapped lines joined by one space."""
    lines = re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)
    return " ".join(" ".join(line.split()) for line in lines)


def _texts(block) -> list[str]:
    if isinstance(block, Table):
        return [c.header for c in block.columns] + [cell for g in block.groups
                                                    for r in g.rows for cell in r] + \
            [g.label for g in block.groups] + [block.title]
    if isinstance(block, Figure):
        return [block.svg, block.caption]
    return [block.text]


# ---- Table 1 ----------------------------------------------------------------------------
def test_table_one_has_a_column_per_arm_and_overall_with_their_n(source):
    table = _table(baseline_section(source), "baseline")
    headers = [c.header for c in table.columns]
    assert headers[1:] == ["MSC (N = 27)", "CONTROL (N = 26)", "Overall (N = 53)"]
    assert table.population == "Full analysis set"


def test_a_category_is_counted_out_of_the_column_n(source):
    table = _table(baseline_section(source), "baseline")
    adsl = source.results.adam["adsl"]
    fas = adsl[adsl["FASFL"] == "Y"]
    female = _row(table, "Female")
    for cell, column, arm in zip(female[1:], table.columns[1:], ["MSC", "CONTROL", None]):
        n = int((fas["SEX"].eq("F") & (fas["TRT01P"].eq(arm) if arm else True)).sum())
        assert cell == fmt_n_percent(n, column.n)


def test_a_skewed_variable_is_a_median_and_the_rule_is_said(source):
    table = _table(baseline_section(source), "baseline")
    labels = [r[0] for g in table.groups for r in g.rows]
    assert any(label.endswith("median [Q1, Q3]") for label in labels)
    assert any(label.endswith("mean (SD)") for label in labels)
    assert any("Shapiro-Wilk p < 0.05 or |skewness| > 1" in f for f in table.footnotes)


# ---- title block --------------------------------------------------------------------------
def test_every_protocol_assumption_is_in_the_title_block(source):
    section = title_section(source)
    table = _table(section, "protocol_assumptions")
    cells = [r for g in table.groups for r in g.rows]
    assumptions = source.protocol.assumptions()
    assert len(cells) == len(assumptions) > 10
    for (path, text), row in zip(assumptions, cells):
        assert row[1] == path and row[2] == " ".join(text.split())
    assert cells[2][0] == "Visit Month 3 (M3)"


def test_the_title_block_says_the_cut_off_and_that_arms_were_not_randomised(source):
    texts = [b.text for b in title_section(source).blocks if hasattr(b, "text")]
    assert any("Data cut-off: 2019-02-16" in t for t in texts)
    assert any("not randomised" in t.lower() for t in texts)
    arms = _table(title_section(source), "protocol_arms")
    assert _row(arms, "UC-MSC + standard care (MSC)")[2] == "27"


# ---- disposition ----------------------------------------------------------------------
def test_the_consort_figure_holds_the_enrolled_and_analysed_counts(source):
    section = disposition_section(source)
    figure = next(b for b in section.walk() if isinstance(b, Figure))
    text = _svg_text(figure.svg)
    assert "Enrolled (n = 53)" in text
    for name, n in (("UC-MSC + standard care", 27),
                    ("Standard care (intensive insulin therapy)", 26)):
        assert f"Allocated to {name} (n = {n})" in text
    assert text.count("In the full analysis set: n = 27") == 1
    assert text.count("In the full analysis set: n = 26") == 1
    assert figure.png[:4] == b"\x89PNG"


def test_the_disposition_table_sets_enrolment_against_the_planned_n(source):
    table = _table(disposition_section(source), "disposition")
    assert _row(table, "Planned (protocol)")[1:] == ["27", "26", "53"]
    assert _row(table, "Enrolled")[1:] == ["27 (100.0)", "26 (100.0)", "53 (100.0)"]
    assert _row(table, "Received at least one infusion")[1:] == ["27 (100.0)", "–", "27 (50.9)"]


def test_discontinuations_are_listed_with_their_reasons(twin):
    results, protocol = twin
    table = results.tables["disposition"]
    extra = pd.DataFrame({"stage": "discontinued", "arm": ["MSC", "all"], "n": [2, 2],
                          "reason": "moved away", "counted": "subjects", "method": ""})
    changed = table.copy()
    changed.loc[(changed["stage"] == "discontinued") & changed["arm"].isin(["MSC", "all"]),
                "n"] = 2
    results = dataclasses.replace(results, tables={**results.tables,
                                                   "disposition": pd.concat([changed, extra])})
    section = disposition_section(ReportSource(results, protocol))
    rows = _table(section, "disposition")
    assert _row(rows, "Discontinued")[1:] == ["2 (7.4)", "0 (0.0)", "2 (3.8)"]
    assert _row(rows, "moved away")[1] == "2 (7.4)"
    figure = next(b for b in section.walk() if isinstance(b, Figure))
    assert "moved away: n = 2" in _svg_text(figure.svg)


# ---- safety -------------------------------------------------------------------------------
def test_the_adverse_event_overview_matches_the_adverse_events_table(source):
    table = _table(safety_section(source), "ae_overview")
    assert _row(table, "Any TEAE", "Participants")[1] == "24 (88.9)"
    ae = source.results.tables["adverse_events"]
    for category in ("any TEAE", "serious TEAE", "related TEAE"):
        rows = ae[(ae["category"] == category)].set_index("arm")
        label = category[0].upper() + category[1:]
        subjects = _row(table, label, "Participants")[1:]
        events = _row(table, label, "Events")[1:]
        for i, arm in enumerate(["MSC", "CONTROL", "all"]):
            assert subjects[i] == fmt_n_percent(rows.loc[arm, "subjects"], rows.loc[arm, "n"])
            assert events[i] == str(int(rows.loc[arm, "events"]))


def test_events_by_organ_class_and_term_are_most_frequent_first(source):
    table = _table(safety_section(source), "ae_soc_pt")
    group = table.groups[0]
    classes = [r for r, i in zip(group.rows, group.indent) if i == 0]
    counts = [int(r[3].split()[0]) for r in classes]
    assert counts == sorted(counts, reverse=True)
    assert _row(table, "Hypoglycaemia")[1] == "11 (40.7)"


# ---- listings -----------------------------------------------------------------------------
def test_listings_say_none_when_nothing_is_out_of_window(source):
    table = _table(listings_section(source), "listing_deviations")
    assert [g.rows[0][0] for g in table.groups] == ["None", "None"]
    listing = _table(listings_section(source), "listing_ae")
    assert listing.wide and len(listing.groups[0].rows) == len(source.results.adam["adae"])


def test_out_of_window_values_serious_events_and_ineligible_participants_are_listed(twin):
    results, protocol = twin
    adlb = results.adam["adlb"].copy()
    late = adlb.index[(adlb["AVISIT"] == "M12") & (adlb["PARAMCD"] == "FCP")][0]
    adlb.loc[late, "OUTWINFL"] = "Y"
    adsl = results.adam["adsl"].copy()
    adsl.loc[0, ["ELIGFL", "ELIGREAS"]] = ["N", "aged 18-40 years at enrolment"]
    adae = results.adam["adae"].copy()
    adae.loc[3, "AESER"] = "Y"
    changed = dataclasses.replace(results, adam={**results.adam, "adlb": adlb, "adsl": adsl,
                                                 "adae": adae})
    section = listings_section(ReportSource(changed, protocol))
    deviations = _table(section, "listing_deviations")
    window, eligibility = deviations.groups
    assert window.rows[0][0] == adlb.loc[late, "USUBJID"]
    assert window.rows[0][2] == "Month 12 (M12)" and "Fasting C-peptide" in window.rows[0][5]
    assert eligibility.rows[0][2] == "aged 18-40 years at enrolment"
    serious = _table(section, "listing_sae")
    assert [r[0] for r in serious.groups[0].rows] == [adae.loc[3, "USUBJID"]]
    assert section.blocks[0] is serious


# ---- provenance ---------------------------------------------------------------------------
def test_provenance_shows_the_protocol_hash_and_input_hashes(source):
    section = provenance_section(source)
    texts = [t for b in section.blocks for t in _texts(b)]
    assert protocol_hash(source.protocol) in texts
    files = source.results.provenance["input"]["files"]
    assert all(f["sha256"] in texts for f in files)
    assert any("Allocation" in t for t in texts)  # the analysis' notes


# ---- blinded ------------------------------------------------------------------------------
def test_a_blinded_report_names_no_arm_and_shows_no_between_arm_p_value(twin):
    blind = ReportSource(*twin, blind=True)
    labels = [a.label for a in blind.protocol.arms]
    for build in STUDY_SECTIONS:
        section = build(blind)
        for block in section.walk():
            for text in _texts(block):
                assert not any(label in text for label in labels), (build.__name__, text[:80])
            if isinstance(block, Table):
                assert "p-value" not in [c.label for c in block.columns]
                assert not any(re.search(r"\b(MSC|CONTROL)\b", f) for f in block.footnotes)
    headers = [c.header for c in _table(baseline_section(blind), "baseline").columns]
    assert sorted(headers[1:3]) == ["Treatment A (N = 26)", "Treatment B (N = 27)"] or \
        sorted(headers[1:3]) == ["Treatment A (N = 27)", "Treatment B (N = 26)"]


# ---- three arms ---------------------------------------------------------------------------
def test_every_arm_of_a_three_arm_trial_has_a_column(three_arm):
    headers = ["LOW (N = 30)", "HIGH (N = 30)", "CONTROL (N = 30)", "Overall (N = 90)"]
    for build, key in ((baseline_section, "baseline"), (disposition_section, "disposition"),
                       (safety_section, "ae_overview"), (safety_section, "ae_soc_pt")):
        assert [c.header for c in _table(build(three_arm), key).columns][1:] == headers
    figure = next(b for b in disposition_section(three_arm).walk() if isinstance(b, Figure))
    for arm in three_arm.protocol.arms:
        assert f"Allocated to {arm.label} (n = 30)" in _svg_text(figure.svg)
    comparison = _table(safety_section(three_arm), "ae_comparison")
    assert [r[1] for r in comparison.groups[0].rows] == ["LOW vs CONTROL", "HIGH vs CONTROL"]
