"""The efficacy section: primary table, comparisons, figures, open report, three arms, any shape."""

from __future__ import annotations

import re
import time

import pandas as pd
import pytest

from t1dtrial.analysis import Results, analyze
from t1dtrial.analysis.result import Result
from t1dtrial.data import load_folder
from t1dtrial.datasets import load_lu2021
from t1dtrial.protocol import load_protocol
from t1dtrial.report.contents._by_shape import render_result
from t1dtrial.report.contents._efficacy import efficacy_section
from t1dtrial.report.contents._primary import primary_subsection
from t1dtrial.report.contents._trajectories import waterfall_subsection
from t1dtrial.report.document import Figure, Paragraph, Table
from t1dtrial.report.source import ReportSource
from t1dtrial.simulate import simulate_trial


@pytest.fixture(scope="module")
def twin():
    trial = load_lu2021()
    return analyze(trial), trial.protocol


@pytest.fixture(scope="module")
def built(twin):
    results, protocol = twin
    start = time.perf_counter()
    section = efficacy_section(ReportSource(results, protocol))
    print(f"\nefficacy section of the twin built in {time.perf_counter() - start:.2f} s")
    return section


@pytest.fixture(scope="module")
def blinded(twin):
    results, protocol = twin
    return efficacy_section(ReportSource(results, protocol, blind=True))


def _block(section, key):
    return next(b for b in section.walk() if getattr(b, "key", None) == key)


def _row(group, label):
    return next(r for r in group.rows if r[0].startswith(label))


def _texts(section):
    """Every text a reader sees in a section, figures' SVG included."""
    out = [section.title]
    for sub in section.subsections:
        out += _texts(sub)
    for b in section.blocks:
        if isinstance(b, Table):
            out += [b.title, b.population, *b.footnotes, *(c.header for c in b.columns)]
            out += [g.label for g in b.groups] + [c for g in b.groups for r in g.rows for c in r]
        elif isinstance(b, Figure):
            out += [b.title, b.caption, b.svg]
        elif isinstance(b, Paragraph):
            out.append(b.text)
    return out


def test_the_primary_table_shows_the_responders_and_fisher_p_of_all_participants(built):
    table = _block(built, "primary")
    everyone = next(g for g in table.groups if g.label == "All participants")
    assert _row(everyone, "Responders")[1:] == ["11 (40.7)", "3 (11.5)"]
    assert "0.028" in _row(everyone, "p-value")
    assert [c.header for c in table.columns[1:]] == ["MSC (N = 27)", "CONTROL (N = 26)"]
    assert len(table.groups) == 3  # all participants and the two onset subgroups
    assert any(f.startswith("Nominal p-values (Adult-onset") for f in table.footnotes)
    assert any(f.startswith("Missing data (non-responder)") for f in table.footnotes)


def test_sensitivity_and_interaction_tables_sit_beside_the_primary(built):
    primary = next(s for s in built.subsections if s.key == "efficacy_primary")
    keys = [getattr(b, "key", "") for b in primary.blocks]
    assert keys[:2] == ["primary", "primary_forest"]
    assert "primary_interaction_interaction" in keys and "primary_sensitivity" in keys
    sensitivity = _block(built, "primary_sensitivity")
    assert sensitivity.n_rows() >= 6 and sensitivity.columns[-1].label == "p-value"


@pytest.mark.parametrize("key, label", [
    ("primary_forest", "Odds ratio (95% CI)"),
    ("cpeptide_trajectories", "Fasting C-peptide (nmol/L)"),
    ("primary_waterfall", "Change from baseline (%)"),
    ("glycaemic_trajectories", "HbA1c (%)"),
    ("logistic_regression_forest", "Odds ratio, 95% CI (log scale)"),
    ("insulin_free_km_km_curve", "Time (days)"),
])
def test_each_figure_is_drawn_with_its_axis_labels_and_units(built, key, label):
    fig = _block(built, key)
    assert fig.svg.startswith("<?xml") and fig.png[:4] == b"\x89PNG"
    assert label in fig.svg
    assert "N = " in fig.caption or " n = " in fig.caption


def test_no_figure_is_cut_at_its_edges(built):
    import io

    import numpy as np
    from PIL import Image

    for fig in (b for b in built.walk() if isinstance(b, Figure)):
        ink = np.asarray(Image.open(io.BytesIO(fig.png)).convert("L")) < 200
        assert not (ink[:, :2].any() or ink[:, -2:].any() or ink[:2].any() or ink[-2:].any()), \
            fig.key


def test_the_waterfall_draws_the_threshold_of_the_protocols_endpoint(twin):
    results, protocol = twin
    primary = protocol.endpoints.primary.model_copy(update={"threshold_pct": 25.0})
    changed = protocol.model_copy(update={"endpoints": protocol.endpoints.model_copy(
        update={"primary": primary})})
    svg = waterfall_subsection(ReportSource(results, changed)).blocks[0].resolve().svg
    assert "Responder threshold 25 %" in svg and "threshold 10 %" not in svg


def test_rows_that_could_not_be_estimated_say_why_in_a_footnote(built):
    km = _block(built, "insulin_free_km_km")
    assert "Not estimable (–): no subject of the arm became insulin-free." in km.footnotes
    assert not any(f.startswith("Method: not estimable") for f in km.footnotes)


def test_secondary_tables_are_compact_and_point_to_the_full_table(built):
    secondary = next(s for s in built.subsections if s.key == "efficacy_secondary")
    tables = [b for b in secondary.blocks if isinstance(b, Table)]
    assert sum(t.n_rows() for t in tables) < 80
    fcp = _block(built, "secondary_fcp_change")
    assert fcp.title == "Change from baseline in fasting C-peptide (nmol/L) by visit"
    assert any("tables/secondary_endpoints.csv" in f for f in fcp.footnotes)


def test_an_open_report_shows_no_p_value_and_no_arm_of_the_protocol(twin, blinded):
    _, protocol = twin
    for table in (b for b in blinded.walk() if isinstance(b, Table)):
        assert not any("p-value" in c.label for c in table.columns), table.key
        assert not any("p-value" in r[0] for g in table.groups for r in g.rows), table.key
    assert not any(b.key == "primary_forest" for b in blinded.walk() if isinstance(b, Figure))
    text = "\n".join(_texts(blinded))
    for arm in protocol.arms:
        assert arm.label not in text
        assert not re.search(rf"(?<![\w-]){arm.code}(?![\w-])", text), arm.code
    assert "Treatment A" in text and "between-arm comparisons" in text
    assert "11 (40.7)" in text or "3 (11.5)" in text


def test_every_arm_of_a_three_arm_trial_is_in_the_primary_table(tmp_path):
    protocol = load_protocol("dosefinding")
    only_primary = protocol.model_copy(update={"analysis_plan": [
        a for a in protocol.plan if a.role == "primary"]})
    simulate_trial(only_primary, seed=11).write(tmp_path)
    results = analyze(load_folder(tmp_path, only_primary))
    section = primary_subsection(ReportSource(results, only_primary), set())
    table = _block(section, "primary")
    assert [c.label for c in table.columns[1:]] == ["LOW", "HIGH", "CONTROL"]
    labels = [r[0] for r in table.groups[0].rows]
    assert any(label.endswith("LOW vs CONTROL") for label in labels)
    assert any(label.endswith("HIGH vs CONTROL") for label in labels)
    assert "HIGH vs CONTROL" in _block(section, "primary_forest").svg


def test_a_result_without_rows_says_why():
    res = Result(name="predictors", shape="model-terms", title="Predictors (full analysis set)",
                 table=pd.DataFrame(columns=["term", "odds_ratio", "ci_low", "ci_high"]),
                 notes=["Too few events for a model: 2 responders."])
    source = ReportSource(Results(tables={}), load_protocol("lu2021"))
    [block] = render_result(source, res)
    assert isinstance(block, Paragraph)
    assert block.text == "Predictors: not estimated. Too few events for a model: 2 responders."


def test_a_result_of_a_shape_the_report_does_not_know_renders_as_its_table():
    res = Result(name="new_method", shape="bayes-posterior", title="Posterior (full analysis set)",
                 table=pd.DataFrame({"comparison": ["MSC vs CONTROL"], "posterior_mean": [0.2512],
                                     "p_value": [0.0004]}), population="FAS")
    source = ReportSource(Results(tables={}), load_protocol("lu2021"))
    [table] = render_result(source, res)
    assert [c.label for c in table.columns] == ["Comparison", "Posterior mean", "P value"]
    assert table.groups[0].rows == [["MSC vs CONTROL", "0.251", "<0.001"]]
