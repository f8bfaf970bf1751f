"""Baseline characteristics by arm (the "Table 1" of a trial report).

:func:`baseline_characteristics` describes the analysis population (the full
analysis set by default) in each protocol arm and in all arms together:
demographics, diabetes history, the protocol's subgroups and the baseline
values of C-peptide, HbA1c, insulin dose and IDAA1c, all taken from ADSL.

Continuous variables give ``n, mean, sd, median, q1, q3, min, max`` (quartiles
of type 7, R's default: linear interpolation between order statistics) and
``missing``; categorical variables give ``n`` and ``percent`` per level (the
percent of subjects with a known value) and ``missing``. Nothing is rounded.

The argument checks shared by the table builders of this package
(:mod:`.disposition`, :mod:`.safety`, :mod:`.insulin`) live here too.

Examples
--------
>>> import pandas as pd
>>> from types import SimpleNamespace
>>> from t1dtrial.protocol import load_protocol
>>> adsl = pd.DataFrame({"USUBJID": ["A", "B", "C"], "TRT01P": ["MSC", "MSC", "CONTROL"],
...                      "FASFL": "Y", "AGEDEC": [20.0, 30.0, 25.0], "SEX": ["F", "M", "F"]})
>>> t = baseline_characteristics(SimpleNamespace(adsl=adsl), load_protocol("lu2021"))
>>> row = (t.variable == "AGEDEC") & (t.arm == "MSC") & (t.statistic == "mean")
>>> float(t.loc[row, "value"].iloc[0])
25.0
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd

from .._validation import check_conf_level, check_instance, check_one_of, invalid_parameter
from ..protocol import Protocol
from ._arms import POPULATION_FLAGS

__all__ = ["BASELINE_COLUMNS", "BASELINE_VARIABLES", "baseline_characteristics", "describe_values"]

#: Columns of the baseline table, in order.
BASELINE_COLUMNS = ["variable", "label", "level", "statistic", "arm", "value", "n", "method"]

#: Continuous ADSL variables described, in order, with their labels. Optional
#: ones (meal-test AUC baselines) are described only when ADSL has them. Age is
#: the exact age (AGEDEC), not the completed years (AGE), whose mean is about half
#: a year too low.
BASELINE_VARIABLES: dict[str, str] = {
    "AGEDEC": "Age at enrolment (years)",
    "AGEONSET": "Age at onset of diabetes (years)",
    "WEIGHTBL": "Weight at baseline (kg)",
    "DURDIAG": "Diabetes duration at enrolment (days)",
    "BFCP": "Fasting C-peptide at baseline (nmol/L)",
    "BPCP": "Postprandial C-peptide at baseline (nmol/L)",
    "BCPMAUC": "Mean C-peptide AUC of the meal test at baseline (nmol/L)",
    "BHBA1C": "HbA1c at baseline (%)",
    "BINSDOSE": "Daily insulin dose at baseline (U/kg/day)",
    "BIDAA1C": "IDAA1c at baseline (HbA1c % + 4 x insulin U/kg/day)",
}
_OPTIONAL = {"BCPMAUC"}
_SEX_LEVELS = ["F", "M"]

_METHODS = {
    "n": "subjects with a value",
    "missing": "subjects of the population without a value",
    "mean": "arithmetic mean",
    "sd": "sample standard deviation (denominator n - 1)",
    "median": "median",
    "q1": "25th percentile, quantile type 7 (R default, linear interpolation)",
    "q3": "75th percentile, quantile type 7 (R default, linear interpolation)",
    "min": "minimum",
    "max": "maximum",
}
ALL_ARMS = "all"


# -- argument checks shared by the table builders -------------------------------------------

def check_table_args(fn: str, derived: Any, protocol: Any, conf_level: Any,
                     needs: dict[str, Iterable[str]]) -> float:
    """Check the arguments every table builder takes; return ``conf_level`` as a float.

    Parameters
    ----------
    fn : str
        Name of the calling function (for the messages).
    derived : Derived
        Must carry a DataFrame attribute for every key of ``needs`` holding its columns.
    protocol : Protocol
    conf_level : float or None
        Strictly between 0 and 1; None means the protocol's ``analysis.conf_level``.
    needs : dict
        Attribute name (``"adsl"``...) -> required columns.

    Raises
    ------
    ArgumentError
        (a ``TypeError`` and an ``InputError``) ``protocol`` is not a Protocol,
        ``derived`` lacks a dataset or a required column, ``conf_level`` is out
        of range, or ``derived`` was derived under another protocol.
    """
    check_instance(fn, "protocol", protocol, Protocol,
                   "a t1dtrial Protocol (see t1dtrial.protocol.load_protocol)")
    for name, columns in needs.items():
        table = getattr(derived, name, None)
        if not isinstance(table, pd.DataFrame):
            raise invalid_parameter(fn, "derived", f"a Derived (t1dtrial.derive.derive_all) with "
                                    f"a DataFrame '{name}'", derived,
                                    got=f"{type(derived).__name__} whose '{name}' is "
                                        f"{type(table).__name__}")
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise invalid_parameter(fn, "derived", f"have the column(s) {missing} in its {name} "
                                    "(t1dtrial.derive.derive_all)", derived,
                                    got=f"columns {list(map(str, table.columns))}")
    derived_id = getattr(derived, "protocol_id", None)
    if derived_id is not None and derived_id != protocol.id:
        raise invalid_parameter(fn, "protocol", f"the protocol the datasets were derived under, "
                                f"'{derived_id}' (or derive again under '{protocol.id}')",
                                protocol.id,
                                problem=f"the datasets were derived under protocol '{derived_id}'")
    if conf_level is None:
        conf_level = protocol.analysis.conf_level
    return check_conf_level(fn, conf_level)


def check_population(fn: str, population: Any) -> str:
    """Return the ADSL flag of a population code (``FAS``, ``PP``, ``SAF``, ``ENRL``)."""
    return POPULATION_FLAGS[check_one_of(fn, "population", population, tuple(POPULATION_FLAGS))]


def arm_levels(protocol: Protocol) -> list[str]:
    """Arm codes in protocol order, then ``"all"``.

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> arm_levels(load_protocol("lu2021"))
    ['MSC', 'CONTROL', 'all']
    """
    return [*protocol.arm_codes, ALL_ARMS]


def arm_masks(arms: pd.Series, protocol: Protocol) -> dict[str, np.ndarray]:
    """Boolean masks of ``arms`` (TRT01P values) for each arm of :func:`arm_levels`.

    ``"all"`` covers the protocol arms only (a subject of an unknown arm is
    never in a population).
    """
    values = arms.astype(str).to_numpy()
    masks = {code: values == code for code in protocol.arm_codes}
    masks[ALL_ARMS] = np.isin(values, protocol.arm_codes)
    return masks


def population_label(protocol: Protocol, code: str) -> str:
    """The protocol's label of a population (the code when the protocol has none)."""
    return next((p.label for p in protocol.populations if p.code == code), code)


# -- the table -------------------------------------------------------------------------------

def describe_values(values: np.ndarray) -> dict[str, float]:
    """n, mean, sd, median, q1, q3, min, max of the non-missing values (NaN when undefined).

    Quartiles are type 7 (R's default). The one descriptive summary of the
    analysis tables (baseline characteristics and continuous endpoints).

    Examples
    --------
    >>> d = describe_values(np.array([1.0, 2.0, 4.0, np.nan]))
    >>> d["n"], d["median"], d["q3"]
    (3.0, 2.0, 3.0)
    """
    x = values[~np.isnan(values)]
    n = len(x)
    out = {"n": float(n)}
    if n == 0:
        out.update({k: np.nan for k in ("mean", "sd", "median", "q1", "q3", "min", "max")})
        return out
    q1, median, q3 = np.quantile(x, [0.25, 0.5, 0.75], method="linear")
    out.update({
        "mean": float(np.mean(x)),
        "sd": float(np.std(x, ddof=1)) if n > 1 else np.nan,
        "median": float(median), "q1": float(q1), "q3": float(q3),
        "min": float(np.min(x)), "max": float(np.max(x)),
    })
    return out


def _continuous_rows(pop: pd.DataFrame, masks: dict[str, np.ndarray], variable: str,
                     label: str) -> list[dict]:
    values = pd.to_numeric(pop[variable], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    rows = []
    for arm, mask in masks.items():
        stats = describe_values(values[mask])
        n = int(stats["n"])
        for statistic, value in stats.items():
            rows.append({"variable": variable, "label": label, "level": "",
                         "statistic": statistic, "arm": arm, "value": value, "n": n,
                         "method": _METHODS[statistic]})
        rows.append({"variable": variable, "label": label, "level": "", "statistic": "missing",
                     "arm": arm, "value": float(mask.sum() - n), "n": int(mask.sum()),
                     "method": _METHODS["missing"]})
    return rows


def _categorical_rows(known: np.ndarray, inside: dict[str, np.ndarray],
                      masks: dict[str, np.ndarray], variable: str,
                      labels: dict[str, str], methods: dict[str, str]) -> list[dict]:
    """Rows of a categorical variable: ``inside[level]`` is the subject mask of each level."""
    rows = []
    for arm, mask in masks.items():
        denominator = int((known & mask).sum())
        for level, where in inside.items():
            count = int((where & mask).sum())
            percent = 100.0 * count / denominator if denominator else np.nan
            common = {"variable": variable, "label": labels[level], "level": level, "arm": arm,
                      "n": denominator}
            rows.append({**common, "statistic": "n", "value": float(count),
                         "method": methods[level]})
            rows.append({**common, "statistic": "percent", "value": percent,
                         "method": "100 x n / subjects with a known value"})
        rows.append({"variable": variable, "label": next(iter(labels.values())), "level": "",
                     "statistic": "missing", "arm": arm,
                     "value": float((~known & mask).sum()), "n": int(mask.sum()),
                     "method": _METHODS["missing"]})
    return rows


def _sex_rows(pop: pd.DataFrame, masks: dict[str, np.ndarray]) -> list[dict]:
    sex = pop["SEX"].astype(object).where(pop["SEX"].notna(), "").astype(str).str.strip()
    sex = sex.str.upper().to_numpy()
    levels = _SEX_LEVELS + sorted(set(sex) - set(_SEX_LEVELS) - {""})
    inside = {level: sex == level for level in levels}
    return _categorical_rows(sex != "", inside, masks, "SEX", {lv: "Sex" for lv in levels},
                             {lv: f"subjects with SEX = {lv}" for lv in levels})


def _subgroup_rows(pop: pd.DataFrame, masks: dict[str, np.ndarray],
                   protocol: Protocol) -> list[dict]:
    groups = protocol.subgroups
    if not groups:
        return []
    blank = np.full(len(pop), "", dtype=object)
    flags = {sg.name: (pop[sg.flag].astype(str).to_numpy()
                       if sg.flag in pop.columns else blank) for sg in groups}
    known = np.logical_and.reduce([np.isin(f, ["Y", "N"]) for f in flags.values()])
    inside = {name: f == "Y" for name, f in flags.items()}
    labels = {sg.name: sg.label for sg in groups}
    methods = {sg.name: f"subjects with {sg.where} (protocol subgroup)" for sg in groups}
    return _categorical_rows(known, inside, masks, "SUBGROUP", labels, methods)


def baseline_characteristics(derived: Any, protocol: Protocol, *, conf_level: float | None = None,
                             population: str = "FAS") -> pd.DataFrame:
    """Baseline characteristics of a population by arm and overall, as a tidy table.

    Algorithm
    ---------
    1. Subjects: ADSL rows flagged in ``population`` (FASFL = "Y" for the FAS)
       whose TRT01P is a protocol arm; each arm, then ``"all"`` (every arm).
    2. ``SUBJECTS``: the number of subjects (statistic ``n``).
    3. Continuous variables of :data:`BASELINE_VARIABLES` present in ADSL
       (AGEDEC, AGEONSET, WEIGHTBL, DURDIAG, BFCP, BPCP, BHBA1C, BINSDOSE,
       BIDAA1C; BCPMAUC when the protocol has a meal test): ``n, mean, sd,
       median, q1, q3, min, max`` over the non-missing values, then ``missing``.
       ``sd`` needs two values and every statistic but ``n`` needs one; an
       undefined statistic is NaN. A variable ADSL lacks is reported with
       every subject missing, never dropped.
    4. ``SEX`` (levels F and M, then any other value seen) and ``SUBGROUP``
       (one level per protocol subgroup, from its ADSL flag; a subject
       with an unknown flag is missing): ``n`` and ``percent`` (100 x n /
       subjects with a known value; the denominator is in column ``n``), then
       ``missing``.

    Parameters
    ----------
    derived : Derived
        From :func:`t1dtrial.derive.derive_all` (only ``adsl`` is used).
    protocol : Protocol
        Gives the arms, subgroups and population labels.
    conf_level : float, default 0.95
        Accepted so that every table builder has the same signature; this
        table has no interval.
    population : {"FAS", "PP", "SAF", "ENRL"}, default "FAS"

    Returns
    -------
    DataFrame
        Columns :data:`BASELINE_COLUMNS`: ``variable`` (ADSL name, or SEX,
        SUBGROUP, SUBJECTS), ``label``, ``level`` (category; "" for
        continuous), ``statistic``, ``arm``, ``value`` (unrounded float),
        ``n`` (subjects the statistic is computed on) and ``method``.

    Raises
    ------
    TypeError, InputError
        See :func:`check_table_args`; InputError also for an unknown ``population``.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> from t1dtrial.protocol import load_protocol
    >>> adsl = pd.DataFrame({"USUBJID": ["A", "B", "C", "D"], "FASFL": "Y",
    ...     "TRT01P": ["MSC", "MSC", "MSC", "CONTROL"], "SEX": ["F", "M", "M", "F"],
    ...     "BFCP": [0.1, 0.2, 0.4, 0.3]})
    >>> t = baseline_characteristics(SimpleNamespace(adsl=adsl), load_protocol("lu2021"))
    >>> msc = t[(t.arm == "MSC") & (t.variable == "BFCP")].set_index("statistic")["value"]
    >>> [round(float(msc[s]), 6) for s in ("n", "median", "q1", "q3")]
    [3.0, 0.2, 0.15, 0.3]
    >>> sex = t[(t.arm == "all") & (t.variable == "SEX") & (t.statistic == "percent")]
    >>> sex[["level", "value", "n"]].values.tolist()
    [['F', 50.0, 4], ['M', 50.0, 4]]
    """
    fn = "baseline_characteristics"
    check_table_args(fn, derived, protocol, conf_level, {"adsl": ["USUBJID", "TRT01P"]})
    flag = check_population(fn, population)
    adsl = derived.adsl
    if flag not in adsl.columns:
        raise invalid_parameter(fn, "derived", f"have the column(s) {[flag]} in its adsl "
                                "(t1dtrial.derive.derive_all)", derived,
                                got=f"columns {list(map(str, adsl.columns))}")
    pop = adsl.loc[adsl[flag].eq("Y").to_numpy() & adsl["TRT01P"].isin(protocol.arm_codes)]
    masks = arm_masks(pop["TRT01P"], protocol)
    rows = [{"variable": "SUBJECTS", "label": population_label(protocol, population),
             "level": "", "statistic": "n", "arm": arm, "value": float(mask.sum()),
             "n": int(mask.sum()), "method": f"subjects with {flag} = Y"}
            for arm, mask in masks.items()]
    empty = pd.Series(np.nan, index=pop.index, dtype=float)
    continuous = [(v, label) for v, label in BASELINE_VARIABLES.items()
                  if v in pop.columns or v not in _OPTIONAL]
    blocks = {"SEX": _sex_rows(pop.assign(SEX=pop["SEX"] if "SEX" in pop.columns else None),
                               masks),
              "SUBGROUP": _subgroup_rows(pop, masks, protocol)}
    for variable, label in continuous:
        values = pop.assign(**{variable: pop[variable] if variable in pop.columns else empty})
        rows += _continuous_rows(values, masks, variable, label)
        if variable == "AGEONSET":  # demographics first, as a trial's Table 1 reads
            rows += blocks["SUBGROUP"] + blocks["SEX"]
    table = pd.DataFrame(rows, columns=BASELINE_COLUMNS)
    table["value"] = table["value"].astype(float)
    table["n"] = table["n"].astype("int64")
    return table
