"""A small report document made by hand, for the tests of the HTML, PDF and browser renderings.

Loaded by ``conftest.py`` (test folders are not packages) and offered as the
fixtures ``sample_document``, ``synthetic_document`` and ``blinded_document``.
It holds what a renderer must lay out: a primary table with N per arm, row
groups and footnotes; a baseline table with indented categories; a wide
listing of 80 rows (several pages in print); two figures drawn with
:mod:`t1dtrial.report.plotting`; paragraphs of each style; a sub-section.
"""

from __future__ import annotations

from functools import lru_cache

from t1dtrial.report.document import Column, Document, Figure, Paragraph, RowGroup, Section, Table
from t1dtrial.report.formatting import fmt_estimate_ci, fmt_n_percent, fmt_p
from t1dtrial.report.plotting import arm_style, drawing, export, new_figure

CUTOFF = "1 March 2024"
ARMS = (("MSC", 27), ("Control", 26))
CODED = ("Treatment A", "Treatment B")

#: The primary table's body as a reader sees it (label, MSC, Control, difference, p-value).
PRIMARY_ROWS = [
    ["Responders, n (%)", fmt_n_percent(11, 27), fmt_n_percent(3, 26),
     fmt_estimate_ci(29.2, 7.1, 49.0, 1), fmt_p(0.0276)],
]
PRIMARY_SUBGROUP_ROWS = [
    ["Juvenile onset (< 18 years)", fmt_n_percent(7, 12), fmt_n_percent(1, 11),
     fmt_estimate_ci(49.2, 14.3, 72.5, 1), fmt_p(0.0272)],
    ["Adult onset (≥ 18 years)", fmt_n_percent(4, 15), fmt_n_percent(2, 15),
     fmt_estimate_ci(13.3, -15.6, 40.6, 1), fmt_p(0.6513)],
]
LISTING_ROWS = 80
LISTING_HEADERS = ("Participant", "Arm", "Preferred term", "System organ class", "Onset (study day)",
                   "Duration (days)", "Severity", "Serious", "Relationship to treatment")


def arm_names(blinded: bool) -> tuple[str, str]:
    return CODED if blinded else tuple(a for a, _ in ARMS)


def primary_table(*, blinded: bool = False) -> Table:
    names = arm_names(blinded)
    columns = [Column("Statistic")]
    columns += [Column(name, n=n, align="right") for name, (_, n) in zip(names, ARMS)]
    columns += [Column("Difference, % (95% CI)", align="right"), Column("p-value", align="right")]
    return Table(
        key="primary", family="14.2", title="Clinical remission at month 12 by arm and onset subgroup",
        population="Full analysis set", columns=columns,
        groups=[RowGroup("All participants", [list(r) for r in PRIMARY_ROWS]),
                RowGroup("Age at onset", [list(r) for r in PRIMARY_SUBGROUP_ROWS])],
        footnotes=["Remission: fasting C-peptide rise of at least 10% from baseline at month 12.",
                   "Difference of proportions with Newcombe's hybrid score interval; "
                   "p-value from Fisher's exact test.",
                   "Participants with no month-12 value counted as non-responders."],
    )


def baseline_table(*, blinded: bool = False) -> Table:
    columns = [Column("Characteristic")]
    columns += [Column(name, n=n, align="right") for name, (_, n) in zip(arm_names(blinded), ARMS)]
    columns.append(Column("Overall", n=53, align="right"))
    rows = [["Age at onset (years), mean (SD)", "17.4 (5.21)", "18.1 (6.03)", "17.7 (5.60)"],
            ["Sex, n (%)", "", "", ""],
            ["Female", fmt_n_percent(12, 27), fmt_n_percent(11, 26), fmt_n_percent(23, 53)],
            ["Male", fmt_n_percent(15, 27), fmt_n_percent(15, 26), fmt_n_percent(30, 53)],
            ["Fasting C-peptide (nmol/L), median [IQR]", "0.21 [0.14, 0.33]", "0.19 [0.12, 0.30]",
             "0.20 [0.13, 0.31]"]]
    return Table(key="baseline", family="14.1", title="Baseline characteristics",
                 population="Full analysis set", columns=columns,
                 groups=[RowGroup("", rows, indent=[0, 0, 1, 1, 0])],
                 footnotes=["SD: standard deviation; IQR: interquartile range."])


def listing_table(*, blinded: bool = False) -> Table:
    terms = (("Fever", "General disorders"), ("Headache", "Nervous system disorders"),
             ("Rash", "Skin and subcutaneous tissue disorders"),
             ("Hypoglycaemia", "Metabolism and nutrition disorders"),
             ("Upper respiratory tract infection", "Infections and infestations"))
    severities, related = ("mild", "moderate", "severe"), ("related", "possible", "unrelated")
    rows = []
    for i in range(LISTING_ROWS):
        term, soc = terms[i % len(terms)]
        rows.append([f"P{i // 2 + 1:03d}", arm_names(blinded)[i % 2], term, soc, str(3 + 4 * i),
                     str(1 + i % 6), severities[i % 3], "Yes" if i % 17 == 0 else "No",
                     related[i % 3]])
    columns = [Column(h, align="right" if "(" in h else "left") for h in LISTING_HEADERS]
    return Table(key="ae_listing", family="16.2", title="Adverse events by participant",
                 population="Safety set", columns=columns, groups=[RowGroup("", rows)],
                 footnotes=["Study day 1 is the day of the first infusion."], wide=True)


@lru_cache(maxsize=2)
def _drawings(blinded: bool) -> tuple[tuple[str, bytes], tuple[str, bytes]]:
    names = arm_names(blinded)
    months = [0, 3, 6, 9, 12]
    means = ([0.21, 0.25, 0.26, 0.24, 0.23], [0.19, 0.17, 0.15, 0.14, 0.12])
    with drawing():
        fig = new_figure(6, 3)
        ax = fig.add_subplot()
        for i, arm in enumerate(names):
            ax.errorbar(months, means[i], yerr=0.03, label=arm, capsize=2, **arm_style(i).line())
        ax.set_xlabel("Months since first infusion")
        ax.set_ylabel("Fasting C-peptide (nmol/L)")
        ax.legend()
        trajectory = export(fig)
        fig = new_figure(4, 2.5)
        ax = fig.add_subplot()
        for i, arm in enumerate(names):
            ax.bar([i], [(11, 3)[i] / (27, 26)[i] * 100], label=arm, **arm_style(i).bar())
        ax.set_xticks([0, 1], list(names))
        ax.set_ylabel("Participants in remission (%)")
        responders = export(fig)
    return trajectory, responders


def figures(*, blinded: bool = False) -> list[Figure]:
    (svg1, png1), (svg2, png2) = _drawings(blinded)
    return [Figure(key="cpeptide", family="14.2", title="Fasting C-peptide over time by arm",
                   caption="Mean with 95% CI; Full analysis set, n = 53.", svg=svg1, png=png1),
            Figure(key="remission", family="14.2", title="Clinical remission at month 12",
                   caption="Full analysis set, n = 53.", svg=svg2, png=png2, width_inches=4)]


def sample_document(*, synthetic: bool = False, blinded: bool = False) -> Document:
    """The sample report (a fresh object each call; numbered)."""
    trajectory, remission = figures(blinded=blinded)
    sections = [
        Section("status", "Study status", [
            Paragraph("53 participants were randomised and 53 analysed."),
            Paragraph("Two participants withdrew before month 12.", style="note"),
            Paragraph("The month-24 visit is not yet complete for every participant.", style="warning"),
        ]),
        Section("baseline", "Baseline characteristics", [baseline_table(blinded=blinded)]),
        Section("efficacy", "Efficacy", [Paragraph("The primary endpoint and its subgroups.")], [
            Section("primary", "Primary endpoint", [primary_table(blinded=blinded), remission]),
            Section("cpeptide", "C-peptide over time", [trajectory]),
        ]),
        Section("listings", "Listings", [listing_table(blinded=blinded)]),
    ]
    return Document(title="Umbilical-cord MSC in type 1 diabetes: analysis report",
                    subtitle="Protocol LU2021, statistical analysis plan version 1",
                    sections=sections, synthetic=synthetic, blinded=blinded, cutoff=CUTOFF,
                    footer="t1dtrial 0.1.0 · protocol LU2021").numbered()
