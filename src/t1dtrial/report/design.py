"""The design report: power of the next trial over a grid of designs, as a document.

``t1dtrial power ... --report power.html`` and ``--figure power.svg`` render
a power table (one row a design cell: participants, assumptions, test,
``power`` and, for Monte Carlo, ``mc_se`` and ``sims``) with the report's own
document model, so the design section reads like the rest of a study report
(ICH E3 9.7.2, "Determination of sample size"), after the protocol the
design starts from when there is one (its summary, arms and assumptions):

- the assumptions shared by every cell, in words (the columns that do not vary);
- the power curve (:mod:`t1dtrial.report.figures.power_curve`), one line a
  scenario (the columns that vary besides the number of participants);
- the sample size reaching the target power: the smallest number shown that
  reaches it and the smallest from which every larger number shown keeps it
  (power of a discrete test is saw-toothed in n);
- the power of every cell, with its Monte Carlo standard error.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"n1": [20, 30, 40], "n2": [20, 30, 40], "p1": 0.4, "p2": 0.08,
...                       "test": "fisher", "method": "exact", "sims": 0,
...                       "power": [0.52, 0.70, 0.83], "mc_se": 0.0})
>>> section = power_section(table, x="n1", target=0.8)
>>> [b.title for b in section.blocks if hasattr(b, "title")][:2]
['Assumptions of the design', 'Power against the number of participants']
>>> sample_sizes(table, x="n1", target=0.8)[["scenario", "first", "stable"]].values.tolist()
[["Fisher's exact test", 40, 40]]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import pandas as pd

from .document import Column, Document, Figure, Paragraph, RowGroup, Section, Table
from .formatting import MISSING, fmt_number
from .plotting import export

if TYPE_CHECKING:  # pragma: no cover
    from ..protocol import Protocol

__all__ = ["COLUMN_WORDS", "TEST_WORDS", "power_section", "power_document", "render_power_report",
           "power_figure", "sample_sizes", "protocol_section"]

#: What a reader reads for a column of a power table.
COLUMN_WORDS: dict[str, str] = {
    "n1": "Participants on treatment", "n2": "Participants on control",
    "n_per_arm": "Participants per arm", "p1": "Proportion of responders on treatment",
    "p2": "Proportion of responders on control", "test": "Test", "method": "Computation",
    "alpha": "Level of the test", "alternative": "Alternative", "delta": "Difference in means",
    "sd": "Standard deviation", "threshold": "Posterior probability threshold",
    "protocol": "Protocol", "seed": "Seed",
    "n_by_arm": "Participants by arm", "dose_factor": "Cell dose (multiple of the protocol's)",
    "dropout_per_year": "Withdrawals per participant-year",
    "missed_visit_probability": "Probability of a missed visit",
    "endpoint": "Primary endpoint", "visit": "Visit of the primary analysis",
    "comparison": "Comparison", "correlation": "Correlation of baseline and outcome",
    "distribution": "Distribution of the outcome",
}

#: Tests in words.
TEST_WORDS: dict[str, str] = {
    "fisher": "Fisher's exact test", "chisq": "Pearson's chi-square test",
    "chisq_cc": "Chi-square test with continuity correction",
    "boschloo": "Boschloo's exact unconditional test", "welch": "Welch's t-test",
    "mann-whitney": "Mann-Whitney test", "ancova": "ANCOVA", "logistic": "Logistic regression",
    "bayes": "Bayesian decision rule",
}

_METHOD_WORDS = {"exact": "exact enumeration over both binomial outcomes (no simulation error)",
                 "mc": "Monte Carlo simulation"}
#: Columns that are results, not assumptions.
_RESULTS = ("power", "mc_se", "sims", "assurance", "rejections", "not_estimable")
#: The column that goes with the number of participants a curve runs over.
_PARTNER = {"n1": "n2", "n_per_arm": "n_by_arm"}


def _value_words(column: str, value: object) -> str:
    if column == "test":
        return TEST_WORDS.get(str(value), str(value))
    if column == "method":
        return _METHOD_WORDS.get(str(value), str(value))
    if column == "n_by_arm":
        return ", ".join(part.replace("=", " ") for part in str(value).split(","))
    if column in ("p1", "p2", "missed_visit_probability") \
            and isinstance(value, (int, float)):
        return f"{100 * float(value):g} %"
    if column == "alternative":
        return {"two-sided": "two-sided", "greater": "one-sided (treatment higher)"}.get(
            str(value), str(value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _equal_arms(table: pd.DataFrame, x: str) -> bool:
    """Whether the control arm has as many participants as the treatment arm in every design."""
    partner = _PARTNER.get(x)
    return partner in table and bool((table[partner] == table[x]).all())


def _x_words(table: pd.DataFrame, x: str) -> str:
    """The axis of participants in words: per arm when the arms are always equal."""
    return COLUMN_WORDS["n_per_arm"] if _equal_arms(table, x) else COLUMN_WORDS.get(x, x)


def _scenarios(table: pd.DataFrame, x: str) -> tuple[list[str], pd.Series]:
    """The columns that vary besides ``x`` (and its partner n2), and each row's scenario label."""
    partner = _PARTNER.get(x)
    varying = [c for c in table.columns
               if c not in _RESULTS and c not in (x, partner) and table[c].nunique(dropna=False) > 1]
    if partner in table and not (table[partner] == table[x]).all() \
            and table.groupby(x)[partner].nunique().max() > 1:
        varying.insert(0, partner)
    if not varying:
        only = (_value_words("test", table["test"].iloc[0]) if "test" in table else
                str(table["comparison"].iloc[0]) if "comparison" in table else "All designs")
        return varying, pd.Series(only, index=table.index)

    def label(row: pd.Series) -> str:
        parts = []
        for c in varying:
            words = _value_words(c, row[c])
            parts.append(words if c == "test" else f"{COLUMN_WORDS.get(c, c).lower()} {words}")
        text = ", ".join(parts)
        return text[:1].upper() + text[1:]

    return varying, table.apply(label, axis=1)


def sample_sizes(table: pd.DataFrame, *, x: str, target: float,
                 measure: str = "power") -> pd.DataFrame:
    """Per scenario, the smallest ``x`` reaching ``target`` and the stable one (within the grid).

    Parameters
    ----------
    table : DataFrame
        A power table.
    x : str
        The column of participants the curve runs over (``n1``, ``n_per_arm``).
    target : float
        Target power.
    measure : {"power", "assurance"}
        The column the target applies to.

    Returns
    -------
    DataFrame
        ``scenario, first, power_first, stable, power_stable`` (None when not reached;
        the powers are of ``measure``).
    """
    from .figures.power_curve import stable_n

    _, labels = _scenarios(table, x)
    rows = []
    for scenario, part in table.assign(scenario=labels).groupby("scenario", sort=False):
        part = part.sort_values(x)
        reached = part.loc[part[measure] >= target]
        first = int(reached[x].iloc[0]) if len(reached) else None
        stable = stable_n(part[[x, measure]].set_axis(["n", "power"], axis=1), target)
        power_at = dict(zip(part[x], part[measure]))
        rows.append({"scenario": scenario, "first": first,
                     "power_first": power_at.get(first), "stable": stable,
                     "power_stable": power_at.get(stable)})
    return pd.DataFrame(rows, columns=["scenario", "first", "power_first", "stable",
                                       "power_stable"])


def power_figure(table: pd.DataFrame, *, x: str = "n1", target: float | None = 0.8,
                 measure: str = "power"):
    """The power curve of a power table (a matplotlib figure), or None for a single design.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"n1": [10, 20], "test": "fisher", "power": [0.3, 0.6]})
    >>> power_figure(t, x="n1").axes[0].get_xlabel()
    'Participants on treatment'
    """
    from .figures.power_curve import power_curve_plot

    if table[x].nunique() < 2:
        return None
    _, labels = _scenarios(table, x)
    points = pd.DataFrame({"series": labels, "n": table[x], "power": table[measure],
                           "mc_se": table.get("mc_se", 0.0)})
    series = {s: s for s in dict.fromkeys(labels)}
    return power_curve_plot(points, series=series, xlabel=_x_words(table, x), target=target,
                            ylabel=f"{measure.capitalize()} (%)")


def power_section(table: pd.DataFrame, *, x: str = "n1", target: float | None = 0.8,
                  title: str = "Power and sample size of the next trial",
                  assumptions: Sequence[tuple[str, str]] = (), notes: Sequence[str] = (),
                  measure: str = "power", curve: tuple[str, bytes] | None = None) -> Section:
    """The design section of a report: assumptions, power curve, sample sizes, power table.

    Parameters
    ----------
    table : DataFrame
        A power table (``power`` and the columns of the design; ``mc_se`` for
        Monte Carlo).
    x : str
        The column of participants the curve runs over.
    target : float, optional
        Target power.
    title : str
    assumptions : sequence of (str, str)
        Further assumptions in words (e.g. the model the trials were simulated
        from), shown before the constant columns of the table.
    notes : sequence of str
        Paragraphs (method, how failed fits are counted ...).
    measure : {"power", "assurance"}
        What the table gives: power at assumed values, or assurance (power
        averaged over a prior).
    curve : (str, bytes), optional
        The curve already drawn and exported (SVG text, PNG bytes) of
        :func:`power_figure`; drawn here otherwise.

    Returns
    -------
    Section
    """
    varying, labels = _scenarios(table, x)
    constant = [c for c in table.columns
                if c not in _RESULTS and c not in varying and c != x
                and not (c == _PARTNER.get(x) and table[c].nunique() > 1)
                and table[c].nunique(dropna=False) == 1]
    rows = [[what, value] for what, value in assumptions]
    if _equal_arms(table, x) and table[x].nunique() > 1:
        rows.append(["Allocation", "1:1 (as many participants on control as on treatment)"])
    rows += [[COLUMN_WORDS.get(c, c), _value_words(c, table[c].iloc[0])] for c in constant]
    if "sims" in table and (table["sims"] > 0).any():
        rows.append(["Simulated trials per design", f"{int(table['sims'].max()):,}"])
    blocks: list = [Table(key="design-assumptions", family="9.7",
                          title="Assumptions of the design", population="",
                          columns=[Column("Assumption", align="left"), Column("Value", align="left")],
                          groups=[RowGroup("", rows)])]
    word = measure.capitalize()
    if curve is None:
        figure = power_figure(table, x=x, target=target, measure=measure)
        curve = export(figure) if figure is not None else None
    if curve is not None:
        svg, png = curve
        blocks.append(Figure(key="power-curve", family="9.7",
                             title=f"{word} against the number of participants",
                             caption=(f"One line a scenario; dotted line: target {measure}; "
                                      "ring: the "
                                      "number from which the scenario keeps the target."
                                      + (" Error bars: 95 % Monte Carlo intervals."
                                         if "mc_se" in table and (table["mc_se"] > 0).any()
                                         else "")),
                             svg=svg, png=png, width_inches=5.6))
    if target is not None and table[x].nunique() > 1:
        sizes = sample_sizes(table, x=x, target=target, measure=measure)
        blocks.append(Table(
            key="design-sample-size", family="9.7",
            title=f"Participants needed for {100 * target:g} % {measure}", population="",
            columns=[Column("Scenario", align="left"), Column("Smallest reaching the target"),
                     Column("Smallest keeping it for every larger number shown")],
            groups=[RowGroup("", [[r.scenario, _n_power(r.first, r.power_first),
                                   _n_power(r.stable, r.power_stable)]
                                  for r in sizes.itertuples()])],
            footnotes=[("Power of a discrete test is saw-toothed in the number of participants: "
                        "a larger number can have less power than a smaller one. The second "
                        "number is the safe one. Within the numbers of the grid only.")]))
    blocks.append(_power_table(table, x=x, labels=labels, measure=measure))
    blocks += [Paragraph(n, "note") for n in notes]
    return Section("design", title, blocks)


def _n_power(n: object, power: object) -> str:
    if n is None or pd.isna(n):
        return "not reached"
    return f"{int(n)} ({fmt_number(100 * float(power), 1)} %)"


def _power_table(table: pd.DataFrame, *, x: str, labels: pd.Series, measure: str) -> Table:
    mc = "mc_se" in table and (table["mc_se"] > 0).any()
    partner = _PARTNER.get(x)
    pair = partner in table and table[partner].astype(str).ne(table[x].astype(str)).any()
    columns = [Column(_x_words(table, x))]
    columns += [Column(COLUMN_WORDS.get(partner, partner))] if pair else []
    columns += [Column(f"{measure.capitalize()} (%)")]
    columns += [Column("Monte Carlo SE (%)")] if mc else []
    groups = []
    for scenario, part in table.assign(scenario=labels).groupby("scenario", sort=False):
        rows = []
        for _, r in part.sort_values(x).iterrows():
            row = [str(int(r[x]))] + ([_value_words(partner, r[partner])] if pair else [])
            row.append(fmt_number(100 * r[measure], 1) if pd.notna(r[measure]) else MISSING)
            if mc:
                row.append(fmt_number(100 * r["mc_se"], 2))
            rows.append(row)
        groups.append(RowGroup(scenario if labels.nunique() > 1 else "", rows))
    return Table(key="design-power", family="9.7", title=f"{measure.capitalize()} of each design",
                 population="",
                 columns=columns, groups=groups)


def protocol_section(protocol: "Protocol") -> Section:
    """The study a design starts from: the protocol summary, its arms and its assumptions.

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> [b.title for b in protocol_section(load_protocol("lu2021")).blocks]
    ['Protocol summary', 'Arms of the protocol', 'Protocol assumptions']
    """
    from ..analysis import Results
    from .contents._title import title_section
    from .source import ReportSource

    full = title_section(ReportSource(Results(tables={}), protocol))
    keep = ("protocol_summary", "protocol_arms", "protocol_assumptions")
    blocks = sorted((b for b in (full.blocks if full else []) if getattr(b, "key", "") in keep),
                    key=lambda b: keep.index(b.key))
    return Section("design-protocol", "The study the design starts from", blocks)


def power_document(table: pd.DataFrame, *, title: str, subtitle: str = "",
                   protocol: "Protocol | None" = None, **section: object) -> Document:
    """A document of one design section (see :func:`power_section` for ``section``), after
    the protocol the design starts from when one is given."""
    sections = [protocol_section(protocol)] if protocol is not None else []
    sections.append(power_section(table, **section))  # type: ignore[arg-type]
    return Document(title=title, subtitle=subtitle, sections=sections).numbered()


def render_power_report(table: pd.DataFrame, *, title: str, subtitle: str = "",
                        protocol: "Protocol | None" = None, **section: object) -> str:
    """The design report as one self-contained HTML page.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"n1": [10, 20], "test": "fisher", "power": [0.3, 0.6]})
    >>> page = render_power_report(t, title="Next trial", x="n1")
    >>> "Power against the number of participants" in page and "<svg" in page
    True
    """
    from .html import render_html

    return render_html(power_document(table, title=title, subtitle=subtitle, protocol=protocol,
                                      **section))
