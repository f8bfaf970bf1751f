"""Report section: Table 1, baseline characteristics by arm and overall (ICH E3 14.1).

Read from the ``baseline_characteristics`` table of the results (one row a
variable, level, statistic and arm: ``variable, label, level, statistic,
arm, value, n, method``; the ``SUBJECTS`` rows give each column's N). A
continuous variable is written as mean (SD) or, when its pooled values are
not near-normal (Shapiro-Wilk p < 0.05 or |skewness| > 1, from ADSL), as
median [Q1, Q3], with the decimals of the data; a categorical one as n (%)
of the column's N, the same denominator as the header, with a row of
participants whose value is missing when there are any.

Examples
--------
>>> is_skewed([1.0, 1.1, 0.9, 1.05, 0.95, 1.02, 0.98, 1.01])
False
>>> is_skewed([1, 1, 1, 2, 2, 3, 5, 9, 30, 80])
True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ...protocol.vocabulary import covariate
from ..document import Column, RowGroup, Section, Table
from ..formatting import data_decimals, fmt_mean_sd, fmt_median_iqr, fmt_n_percent
from ..source import ReportSource
from ._study_common import (ALL, arm_columns, arm_footnote, arm_of, population_flag_of,
                            population_label, tables, text_column)

__all__ = ["baseline_section", "is_skewed", "value_decimals", "SKEW_RULE"]

_FAMILY = "14.1"
_SUBJECTS = "SUBJECTS"
#: The rule that picks median [Q1, Q3] over mean (SD), as the footnote says it.
SKEW_RULE = ("Continuous variables: mean (SD); median [Q1, Q3] when the values pooled over "
             "arms are not near-normal (Shapiro-Wilk p < 0.05 or |skewness| > 1). Means and "
             "medians with one decimal more than the data, SDs with two.")
#: Words of coded levels of the usual ADSL categorical variables.
_LEVELS = {"SEX": {"F": "Female", "M": "Male", "U": "Unknown", "UNDIFFERENTIATED":
                   "Undifferentiated"}}


def is_skewed(values: Any) -> bool:
    """Whether values are far from normal: Shapiro-Wilk p < 0.05 or |skewness| > 1.

    Fewer than three distinct values cannot be tested and count as not skewed.
    """
    from scipy import stats

    x = pd.to_numeric(pd.Series(values), errors="coerce").dropna().to_numpy(dtype=float)
    if len(x) < 3 or np.unique(x).size < 3:
        return False
    if abs(float(stats.skew(x, bias=False))) > 1:
        return True
    return bool(stats.shapiro(x).pvalue < 0.05)


def value_decimals(values: Any) -> int:
    """Decimals the data are recorded with; a derived value (age from dates) gets two digits.

    A value that needs more than three decimals was computed, not recorded
    (e.g. an age from two dates): it is taken as recorded to two significant
    digits of its typical size (age 21.3 years -> 0 decimals).

    Examples
    --------
    >>> value_decimals([0.075, 0.12]), value_decimals([20.90737, 9.44]), value_decimals([7, 8])
    (3, 0, 0)
    """
    vals = [float(v) for v in pd.to_numeric(pd.Series(values), errors="coerce").dropna()]
    if not vals:
        return 0
    if data_decimals(vals, most=4) <= 3:
        return data_decimals(vals, most=3)
    typical = float(np.median(np.abs(vals))) or 1.0
    return max(0, 1 - int(math.floor(math.log10(typical))))


def _stat(rows: pd.DataFrame, statistic: str, arm: str, level: str = "") -> float | None:
    hit = rows[(rows["statistic"] == statistic) & (rows["arm"] == arm)
               & (text_column(rows, "level") == level)]
    return None if not len(hit) else float(hit["value"].iloc[0])


def _population(source: ReportSource, table: pd.DataFrame) -> tuple[str, dict[str, int]]:
    """The table's population label and its N by arm (and ``all``), from the SUBJECTS rows."""
    subjects = table[(table["variable"] == _SUBJECTS) & (table["statistic"] == "n")]
    n = {str(a): int(v) for a, v in zip(subjects["arm"], subjects["value"])}
    label = str(subjects["label"].iloc[0]) if len(subjects) else ""
    codes = [p.code for p in _populations(source)]
    return (population_label(source, label) if label in codes else label), n


def _adsl_rows(source: ReportSource, label: str) -> pd.DataFrame | None:
    """ADSL rows of the table's population (found by its label), or all of ADSL."""
    adsl = (getattr(source.results, "adam", None) or {}).get("adsl")
    if adsl is None:
        return None
    for pop_code in [p.code for p in _populations(source)]:
        if population_label(source, pop_code) == label:
            flag = population_flag_of(source, pop_code)
            if flag and flag in adsl.columns:
                return adsl[adsl[flag] == "Y"]
    return adsl


def _populations(source: ReportSource) -> list[Any]:
    from ...protocol.populations import protocol_populations

    return protocol_populations(source.protocol)


def _with_unit(variable: str, label: str, n_infusions: int) -> str:
    if "(" in label:
        return label
    cov = covariate(variable, infusions=n_infusions)
    return f"{label} ({cov.unit})" if cov is not None and cov.unit else label


def _continuous(source: ReportSource, rows: pd.DataFrame, variable: str, label: str,
                adsl: pd.DataFrame | None, n: dict[str, int], notes: set[str]
                ) -> tuple[list[list[str]], list[int]]:
    arms = [*source.arms, ALL]
    values = adsl[variable] if adsl is not None and variable in adsl.columns else None
    skewed = is_skewed(values) if values is not None else False
    decimals = value_decimals(values) if values is not None else 2
    needed = ("median", "q1", "q3") if skewed else ("mean", "sd")
    stats = {a: {s: _stat(rows, s, a) for s in (*needed, "missing")} for a in arms}
    if any(stats[a][s] is None for a in arms for s in needed) and values is not None:
        stats = _from_adsl(source, adsl, variable, arms)
        notes.add(f"{label}: computed from ADSL ({variable}); the results table lacks "
                  f"{'quartiles' if skewed else 'the SD'}.")
    if skewed:
        cells = [fmt_median_iqr(stats[a]["median"], stats[a]["q1"], stats[a]["q3"], decimals)
                 for a in arms]
        head = f"{label}, median [Q1, Q3]"
    else:
        cells = [fmt_mean_sd(stats[a]["mean"], stats[a]["sd"], decimals) for a in arms]
        head = f"{label}, mean (SD)"
    out, indent = [[head, *cells]], [0]
    missing = [stats[a].get("missing") or 0 for a in arms]
    if any(missing):
        out.append(["Missing", *[fmt_n_percent(m, n.get(a)) for m, a in zip(missing, arms)]])
        indent.append(1)
    return out, indent


def _from_adsl(source: ReportSource, adsl: pd.DataFrame, variable: str,
               arms: list[str]) -> dict[str, dict[str, float | None]]:
    arm = arm_of(adsl)
    out: dict[str, dict[str, float | None]] = {}
    for a in arms:
        x = pd.to_numeric(adsl.loc[arm == a, variable] if a != ALL else adsl[variable],
                          errors="coerce")
        v = x.dropna()
        out[a] = {"mean": v.mean() if len(v) else None, "sd": v.std(ddof=1) if len(v) > 1
                  else None, "median": v.median() if len(v) else None,
                  "q1": v.quantile(0.25) if len(v) else None,
                  "q3": v.quantile(0.75) if len(v) else None, "missing": int(x.isna().sum())}
    return out


def _categorical(source: ReportSource, rows: pd.DataFrame, variable: str,
                 n: dict[str, int]) -> tuple[str, list[list[str]], list[int]]:
    arms = [*source.arms, ALL]
    levels = [lv for lv in dict.fromkeys(text_column(rows, "level")) if lv]
    labels = {lv: str(rows.loc[text_column(rows, "level") == lv, "label"].iloc[0])
              for lv in levels}
    shared = len(set(labels.values())) == 1
    head = (next(iter(labels.values())) if shared
            else variable.replace("_", " ").capitalize()) + ", n (%)"
    words = _LEVELS.get(variable, {})
    out, indent = [], []
    for lv in levels:
        name = words.get(lv, lv) if shared else labels[lv]
        out.append([name, *[fmt_n_percent(_stat(rows, "n", a, lv) or 0, n.get(a))
                            for a in arms]])
        indent.append(1)
    missing = [_stat(rows, "missing", a) or 0 for a in arms]
    if any(missing):
        out.append(["Missing", *[fmt_n_percent(m, n.get(a)) for m, a in zip(missing, arms)]])
        indent.append(1)
    return head, out, indent


def baseline_section(source: ReportSource) -> Section | None:
    """Table 1: baseline characteristics by arm and overall.

    Parameters
    ----------
    source : ReportSource

    Returns
    -------
    Section or None
        None when the results have no baseline characteristics.
    """
    table = tables(source).get("baseline_characteristics")
    if table is None or not len(table) or not {"variable", "statistic", "arm",
                                               "value"} <= set(table.columns):
        return None
    label, n = _population(source, table)
    adsl = _adsl_rows(source, label)
    n_inf = max([i.number for i in source.protocol.infusions], default=0)
    notes: set[str] = set()
    rows_all: list[list[str]] = []
    indent: list[int] = []
    for variable in dict.fromkeys(table["variable"]):
        if variable == _SUBJECTS:
            continue
        rows = table[table["variable"] == variable]
        if (text_column(rows, "level") != "").any():
            head, out, ind = _categorical(source, rows, variable, n)
            rows_all.append([head, *[""] * (len(source.arms) + 1)])
            indent.append(0)
        else:
            var_label = _with_unit(variable, str(rows["label"].iloc[0]), n_inf)
            out, ind = _continuous(source, rows, variable, var_label, adsl, n, notes)
        rows_all += out
        indent += ind
    footnotes = [SKEW_RULE, "Categorical variables: n (%) of the column's N (the same "
                 "denominator as the header); a Missing row counts participants without a "
                 "value.", *sorted(notes), arm_footnote(source)]
    quartiles = table.loc[table["statistic"] == "q1", "method"] if "method" in table else []
    if len(quartiles):
        footnotes.insert(1, f"Quartiles: {str(quartiles.iloc[0]).split(', ', 1)[-1]}.")
    return Section("baseline", "Baseline characteristics", [Table(
        key="baseline", family=_FAMILY, title="Baseline characteristics by arm",
        population=label, columns=[Column("Characteristic"), *arm_columns(source, n)],
        groups=[RowGroup("", rows_all, indent)], footnotes=footnotes)])

