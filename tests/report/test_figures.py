"""Figures rendered from the analysis tables: present, valid, deterministic, written with the tables."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from t1dtrial.analysis import Results, analyze
from t1dtrial.analysis.result import Result
from t1dtrial.errors import T1DTrialWarning
from t1dtrial.cli import main
from t1dtrial.datasets import load_lu2021
from t1dtrial.report.figures import render_figures

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def results():
    return analyze(load_lu2021())


def test_each_figure_is_a_valid_svg_and_png(results):
    files = render_figures(results)
    names = {path.rsplit("/", 1)[1].rsplit(".", 1)[0] for path in files}
    assert names == {"primary_endpoint", "cpeptide_change", "insulin_free"}
    for path, content in files.items():
        assert path.startswith("figures/")
        if path.endswith(".png"):
            assert content.startswith(PNG_MAGIC)
        else:
            assert ET.fromstring(content).tag.endswith("svg")


def test_primary_figure_labels_the_published_counts(results):
    svg = render_figures(results)["figures/primary_endpoint.svg"].decode()
    assert "11/27" in svg and "3/26" in svg and "juvenile onset" in svg


def test_insulin_free_figure_names_each_insulin_free_participant(results):
    svg = render_figures(results)["figures/insulin_free.svg"].decode()
    episodes = results["insulin_independence"]
    subjects = episodes.loc[episodes["section"] == "episode", "subject"]
    assert len(subjects) == 3
    assert all(s in svg for s in subjects)


def test_rendering_is_deterministic(results):
    assert render_figures(results) == render_figures(results)


def test_figures_render_from_a_folder_read_back(results, tmp_path):
    back = Results.from_folder(results.write(tmp_path / "out"))
    assert set(render_figures(back)) == set(render_figures(results))


def test_no_figure_without_the_tables_it_needs():
    assert render_figures(Results(tables={})) == {}


def test_analyze_command_writes_the_figures(tmp_path):
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 0
    written = sorted(p.name for p in (tmp_path / "demo" / "figures").iterdir())
    assert written == ["cpeptide_change.png", "cpeptide_change.svg", "insulin_free.png",
                       "insulin_free.svg", "primary_endpoint.png", "primary_endpoint.svg"]



def test_a_swimmer_plot_of_one_episode_fits_its_axes_without_a_warning():
    import warnings

    res = analyze(load_lu2021())
    ins = res.tables["insulin_independence"]
    first = ins.index[ins["section"] == "episode"][0]
    one = ins.loc[(ins["section"] != "episode") | (ins.index == first)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        files = render_figures(Results(
            tables={"insulin_independence": one}, adam=res.adam,
            results=[Result(name="insulin_free_episodes", shape="episodes", table=one)]))
    assert set(files) == {"figures/insulin_free.png", "figures/insulin_free.svg"}


def test_a_renamed_column_names_the_figure_it_stops_instead_of_dropping_it(results):
    import dataclasses

    renamed = [dataclasses.replace(r, by_arm=r.by_arm.rename(columns={"percent": "pct"}))
               if r.role == "primary" else r for r in results.results]
    with pytest.warns(T1DTrialWarning, match="figure primary_endpoint not drawn: the "
                      "responder-comparison result 'primary' lacks column.s. percent"):
        files = render_figures(dataclasses.replace(results, results=renamed))
    assert "figures/primary_endpoint.svg" not in files and "figures/insulin_free.svg" in files


def test_a_continuous_primary_is_drawn_as_means_by_arm(tmp_path):
    from t1dtrial.data import load_folder
    from t1dtrial.protocol import load_protocol
    from t1dtrial.simulate import simulate_to_folder

    protocol = load_protocol("carlsson2015")
    simulate_to_folder(tmp_path / "d", protocol, seed=3)
    files = render_figures(analyze(load_folder(tmp_path / "d", protocol)))
    svg = files["figures/primary_endpoint.svg"].decode()
    assert "Primary endpoint: cpauc_change (FAS)" in svg and "mean (SD)" in svg
    assert "n=10" in svg
