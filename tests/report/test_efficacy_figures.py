"""Efficacy figure kinds: labelled axes, greyscale-readable styles, individual lines on request."""

from __future__ import annotations

import pandas as pd
import pytest

from t1dtrial.report.figures.dose_response import dose_response_plot
from t1dtrial.report.figures.forest import Measure, forest_plot
from t1dtrial.report.figures.survival import km_plot, swimmer_plot
from t1dtrial.report.figures.trajectory import trajectory_plot
from t1dtrial.report.figures.waterfall import waterfall_plot

ARMS = ["A", "B"]
LABELS = {"A": "Drug", "B": "Placebo"}
SUMMARY = pd.DataFrame({"panel": "p", "arm": ["A", "A", "B", "B"], "x": [0, 30, 0, 30],
                        "mean": [1.0, 1.2, 1.0, 0.9], "ci_low": [0.8, 1.0, 0.8, 0.7],
                        "ci_high": [1.2, 1.4, 1.2, 1.1], "n": [10, 9, 10, 8]})


def _trajectory(individual=None):
    return trajectory_plot(SUMMARY, arms=ARMS, arm_labels=LABELS,
                           panels={"p": ("C-peptide", "C-peptide (nmol/L)")},
                           xticks={0.0: "BL", 30.0: "M1"}, xlabel="Day (days from baseline)",
                           individual=individual)


FIGURES = {
    "forest": lambda: forest_plot([Measure(pd.DataFrame({
        "label": ["All"], "estimate": [2.0], "ci_low": [1.0], "ci_high": [4.0]}),
        "Odds ratio (log scale)", null=1.0, log=True)], ylabel="Subgroup"),
    "trajectory": _trajectory,
    "waterfall": lambda: waterfall_plot(
        pd.DataFrame({"panel": "f", "arm": ["A", "B"], "value": [30.0, -5.0]}), arms=ARMS,
        arm_labels=LABELS, panels={"f": "Fasting C-peptide"}, ylabel="Change (%)", threshold=10),
    "km": lambda: km_plot(
        pd.DataFrame({"arm": "A", "time": [0, 10], "estimate": [1.0, 0.5], "ci_low": [1.0, 0.2],
                      "ci_high": [1.0, 0.8]}),
        pd.DataFrame({"arm": "A", "time": [0, 10], "n_risk": [4, 2]}), arms=["A"],
        arm_labels=LABELS, xlabel="Time (days)", ylabel="Probability (0 to 1)"),
    "swimmer": lambda: swimmer_plot(
        pd.DataFrame({"label": ["S1"], "arm": ["A"], "start": [5.0], "end": [40.0],
                      "ongoing": [True]}), arms=ARMS, arm_labels=LABELS, xlabel="Days"),
    "dose_response": lambda: dose_response_plot(
        pd.DataFrame({"panel": "all", "score": [0.0, 2.0], "value": [10.0, 40.0]}),
        panels={"all": "All"}, xlabel="Dose score (10^6 cells/kg)", ylabel="Responders (%)"),
}


@pytest.mark.parametrize("kind", sorted(FIGURES))
def test_every_figure_kind_labels_both_axes_of_its_first_panel(kind):
    ax = FIGURES[kind]().axes[0]
    assert ax.get_xlabel() and ax.get_ylabel(), kind


def test_arms_differ_by_marker_and_line_style_not_only_by_colour():
    lines = [line for line in _trajectory().axes[0].get_lines() if line.get_marker() != "None"
             and line.get_linestyle() != "None"]
    assert len({(line.get_marker(), line.get_linestyle()) for line in lines}) == 2


def test_individual_lines_are_drawn_only_on_request():
    values = pd.DataFrame({"panel": "p", "arm": ["A", "A", "B", "B"],
                           "subject": ["1", "1", "2", "2"], "x": [0, 30, 0, 30],
                           "value": [1.0, 1.1, 0.9, 0.8]})
    plain, with_lines = _trajectory(), _trajectory(values)
    assert len(with_lines.axes[0].get_lines()) == len(plain.axes[0].get_lines()) + 2


def test_the_number_of_participants_per_visit_is_written_under_each_visit():
    labels = [t.get_text() for t in _trajectory().axes[0].get_xticklabels()]
    assert labels == ["BL\n10\n10", "M1\n9\n8"]
