"""The design report: a power table rendered as assumptions, power curve, sample sizes and power."""

from __future__ import annotations

import pandas as pd
import pytest

from t1dtrial.report.design import power_document, power_figure, render_power_report, sample_sizes
from t1dtrial.report.document import Figure, Table


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """A saw-toothed scenario (power falls at 40 after reaching the target at 35) beside a smooth
    one, and a Monte Carlo standard error."""
    rows = []
    for test, powers in (("fisher", [0.60, 0.81, 0.79, 0.85, 0.90]),
                         ("chisq", [0.62, 0.70, 0.80, 0.86, 0.91])):
        for n, p in zip([30, 35, 40, 45, 50], powers):
            rows.append({"n1": n, "n2": n, "p1": 0.4, "p2": 0.08, "test": test, "method": "mc",
                         "sims": 10000, "power": p, "mc_se": (p * (1 - p) / 10000) ** 0.5,
                         "alpha": 0.05, "alternative": "two-sided"})
    return pd.DataFrame(rows)


def test_sample_sizes_give_the_first_and_the_stable_number(table):
    sizes = sample_sizes(table, x="n1", target=0.8).set_index("scenario")
    assert sizes.loc["Fisher's exact test", "first"] == 35
    assert sizes.loc["Fisher's exact test", "stable"] == 45  # 40 falls below the target again
    assert sizes.loc["Pearson's chi-square test", "first"] == 40
    assert sizes.loc["Pearson's chi-square test", "stable"] == 40
    never = sample_sizes(table.assign(power=0.5), x="n1", target=0.8)
    assert never["first"].isna().all() and never["stable"].isna().all()


def test_constant_columns_become_assumptions_in_words(table):
    doc = power_document(table, title="Next trial", x="n1", target=0.8)
    blocks = list(doc.blocks())
    assumptions = next(b for b in blocks if isinstance(b, Table) and b.key == "design-assumptions")
    rows = {r[0]: r[1] for g in assumptions.groups for r in g.rows}
    assert rows["Proportion of responders on treatment"] == "40 %"
    assert rows["Proportion of responders on control"] == "8 %"
    assert rows["Computation"] == "Monte Carlo simulation"
    assert rows["Simulated trials per design"] == "10,000"
    assert "Test" not in rows  # it varies: it names the scenarios instead
    assert rows["Allocation"].startswith("1:1")
    sizes = next(b for b in blocks if isinstance(b, Table) and b.key == "design-sample-size")
    assert sizes.groups[0].rows[0] == ["Fisher's exact test", "35 (81.0 %)", "45 (85.0 %)"]
    assert all(b.number.startswith("9.7.") for b in blocks if isinstance(b, (Table, Figure)))


def test_the_curve_draws_one_line_a_scenario_with_monte_carlo_error_bars(table):
    fig = power_figure(table, x="n1", target=0.8)
    ax = fig.axes[0]
    assert len(ax.containers) == 2  # one errorbar container a scenario
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "Fisher's exact test", "Pearson's chi-square test"]
    assert power_figure(table.loc[table["n1"] == 30], x="n1") is None  # one design: no curve
    assert ax.get_xlabel() == "Participants per arm"  # n2 = n1 in every design
    small = table.loc[table["n1"] <= 35].assign(n1=lambda d: d["n1"] // 5 - 3,
                                                  n2=lambda d: d["n2"] // 5 - 3)  # 3 and 4
    small_ax = power_figure(small, x="n1").axes[0]
    small_ax.figure.canvas.draw()
    ticks = [t.get_position()[0] for t in small_ax.get_xticklabels() if t.get_text()]
    assert ticks and all(float(t).is_integer() for t in ticks)  # whole participants only
    unequal = power_figure(table.assign(n2=table["n1"] - 1), x="n1")
    assert unequal.axes[0].get_xlabel() == "Participants on treatment"


def test_the_html_report_is_self_contained(table):
    page = render_power_report(table, title="Next trial", x="n1", target=0.8)
    assert "<svg" in page and "Power against the number of participants" in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "<script" not in page
    assert "Monte Carlo SE (%)" in page


def test_a_design_from_a_protocol_starts_with_the_study(table):
    from t1dtrial.protocol import load_protocol

    doc = power_document(table, title="Next trial", x="n1", protocol=load_protocol("lu2021"))
    assert [s.key for s in doc.sections] == ["design-protocol", "design"]
    titles = [b.title for b in doc.sections[0].blocks]
    assert titles == ["Protocol summary", "Arms of the protocol", "Protocol assumptions"]
