"""Eligibility of each participant, and the protocol deviations of those who do not meet it.

The protocol's ``eligibility`` criteria (:mod:`t1dtrial.protocol.eligibility`)
are evaluated on the facts of each participant at enrolment
(:func:`eligibility_facts`): the subject columns, age and diabetes duration at
enrolment, and the value of each measured parameter recorded at the protocol's
baseline visit (canonical units). Each participant and criterion is ``met``,
``not met`` or ``not assessable`` (a value the criterion uses is missing).

A participant who does not meet a criterion is a protocol deviation: kept in
every table and flagged (ADSL ``ELIGFL``), never excluded silently.
Validation lists each deviation as a warning; :func:`protocol_deviations` is
the table of the analysis output.

Examples
--------
>>> import pandas as pd
>>> from t1dtrial.protocol import Criterion, load_protocol
>>> p = load_protocol("lu2021").model_copy(update={"eligibility": [
...     Criterion(name="adult", label="aged 18-40 years", where="age >= 18 and age <= 40")]})
>>> s = pd.DataFrame({"subject_id": ["S1", "S2"], "arm": ["MSC", "CONTROL"],
...     "sex": ["F", "M"], "age_at_onset": [45.0, None],
...     "diagnosis_date": pd.to_datetime(["2020-01-01", "2020-01-01"]),
...     "enrolment_date": pd.to_datetime(["2020-07-01", "2020-07-01"]),
...     "weight_kg": [60.0, 70.0]})
>>> m = pd.DataFrame(columns=["subject_id", "visit", "param", "value"])
>>> protocol_deviations(s, m, p)[["subject_id", "criterion", "status", "value"]].values.tolist()
[['S1', 'adult', 'not met', 'age = 45.5 years'], ['S2', 'adult', 'not assessable', 'age missing']]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem
from ..protocol import Protocol
from ..protocol.eligibility import BASELINE_PREFIX, eligibility_names, eligibility_unit

__all__ = ["eligibility_facts", "meets_eligibility", "assess_eligibility", "protocol_deviations",
           "eligibility_flags", "deviation_warnings", "DEVIATION_COLUMNS", "DAYS_PER_YEAR"]

#: Columns of :func:`protocol_deviations`, in order.
DEVIATION_COLUMNS = ["subject_id", "arm", "criterion", "label", "status", "value", "required"]

#: Days in a year, for ages and durations in years (as ADSL AGE).
DAYS_PER_YEAR = 365.25

_SUBJECT_FACTS = ("sex", "age_at_onset", "weight_kg", "height_cm", "site", "diagnosis_date",
                  "enrolment_date")


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].reset_index(drop=True)
    return pd.Series([None] * len(frame), dtype=object)


def eligibility_facts(subjects: pd.DataFrame, measurements: pd.DataFrame,
                      protocol: Protocol) -> pd.DataFrame:
    """One row a participant (``subjects`` order): every name an eligibility criterion may use.

    Algorithm
    ---------
    1. ``sex``, ``age_at_onset``, ``weight_kg``, ``height_cm``, ``site``,
       ``diagnosis_date``, ``enrolment_date`` from ``subjects``.
    2. ``diabetes_duration_days`` = enrolment - diagnosis (days);
       ``diabetes_duration_years`` = days / 365.25; ``age`` = age at onset +
       duration in years (as ADSL AGE).
    3. ``baseline_<PARAM>`` = the value of PARAM recorded at the protocol's
       baseline visit (the first row when there are several); NaN when none.

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> s = pd.DataFrame({"subject_id": ["S1"], "age_at_onset": [20.0],
    ...     "diagnosis_date": pd.to_datetime(["2020-01-01"]),
    ...     "enrolment_date": pd.to_datetime(["2021-01-01"])})
    >>> m = pd.DataFrame({"subject_id": ["S1", "S1"], "visit": ["BL", "M3"],
    ...                   "param": ["FCP", "FCP"], "value": [0.3, 0.2]})
    >>> f = eligibility_facts(s, m, load_protocol("lu2021"))
    >>> f[["diabetes_duration_days", "baseline_FCP"]].values.tolist()
    [[366.0, 0.3]]
    """
    facts = pd.DataFrame({"subject_id": _column(subjects, "subject_id").astype(str)})
    for name in _SUBJECT_FACTS:
        facts[name] = _column(subjects, name)
    facts["age_at_onset"] = pd.to_numeric(facts["age_at_onset"], errors="coerce").astype(float)
    for name in ("weight_kg", "height_cm"):
        facts[name] = pd.to_numeric(facts[name], errors="coerce").astype(float)
    for name in ("diagnosis_date", "enrolment_date"):
        facts[name] = pd.to_datetime(facts[name], errors="coerce")
    days = (facts["enrolment_date"] - facts["diagnosis_date"]).dt.days.astype(float)
    facts["diabetes_duration_days"] = days
    facts["diabetes_duration_years"] = days / DAYS_PER_YEAR
    facts["age"] = facts["age_at_onset"] + days / DAYS_PER_YEAR
    names = eligibility_names(tuple(protocol.meal_test.minutes))
    at_base = measurements.loc[(measurements["visit"] == protocol.baseline_visit)
                               & measurements["value"].notna()] if len(measurements) else None
    wide = (at_base.assign(subject_id=at_base["subject_id"].astype(str))
            .drop_duplicates(["subject_id", "param"])
            .pivot(index="subject_id", columns="param", values="value")
            if at_base is not None and len(at_base) else pd.DataFrame())
    for name in names:
        if name.startswith(BASELINE_PREFIX):
            param = name[len(BASELINE_PREFIX):]
            values = (wide[param].reindex(facts["subject_id"]).to_numpy(dtype=float)
                      if param in wide.columns else np.full(len(facts), np.nan))
            facts[name] = values
    return facts


def _show(name: str, value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return f"{name} missing"
    if isinstance(value, pd.Timestamp):
        return f"{name} = {value.date().isoformat()}"
    if isinstance(value, (float, np.floating, int, np.integer)):
        unit = eligibility_unit(name)
        return f"{name} = {float(value):.4g}" + (f" {unit}" if unit else "")
    return f"{name} = {value}"


def meets_eligibility(facts: pd.DataFrame, protocol: Protocol) -> np.ndarray:
    """Whether each participant meets every criterion (a criterion not assessable is not met).

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import Criterion, load_protocol
    >>> p = load_protocol("lu2021").model_copy(update={"eligibility": [
    ...     Criterion(name="fcp", label="FCP > 0.12 nmol/L", where="baseline_FCP > 0.12")]})
    >>> meets_eligibility(pd.DataFrame({"baseline_FCP": [0.3, 0.1, None]}), p).tolist()
    [True, False, False]
    """
    data = facts.reset_index(drop=True)
    out = np.ones(len(data), dtype=bool)
    for criterion in protocol.eligibility:
        out &= criterion.expression.evaluate(data).to_numpy(dtype=bool)
    return out


def assess_eligibility(facts: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Each participant and criterion: ``met``, ``not met`` or ``not assessable``.

    Parameters
    ----------
    facts : DataFrame
        From :func:`eligibility_facts`.
    protocol : Protocol

    Returns
    -------
    DataFrame
        One row per participant and criterion (participants then criteria in
        protocol order): ``subject_id``, ``criterion``, ``label``, ``status``,
        ``value`` (the values the criterion uses, in words) and ``required``
        (the criterion's expression).
    """
    frames = []
    data = facts.reset_index(drop=True)
    for k, criterion in enumerate(protocol.eligibility):
        expr = criterion.expression
        used = sorted(expr.names)
        held = expr.evaluate(data).to_numpy(dtype=bool)
        known = np.ones(len(data), dtype=bool)
        for name in used:
            known &= data[name].notna().to_numpy()
        status = np.where(~known, "not assessable", np.where(held, "met", "not met"))
        value = ["; ".join(_show(name, data.at[i, name]) for name in used)
                 for i in range(len(data))]
        frames.append(pd.DataFrame({
            "subject_id": data["subject_id"].to_numpy(), "criterion": criterion.name,
            "label": criterion.label, "status": status, "value": value,
            "required": criterion.where, "_order": k, "_row": np.arange(len(data))}))
    if not frames:
        return pd.DataFrame(columns=DEVIATION_COLUMNS[:1] + DEVIATION_COLUMNS[2:])
    out = pd.concat(frames, ignore_index=True).sort_values(["_row", "_order"], kind="stable")
    return out.drop(columns=["_order", "_row"]).reset_index(drop=True)


def protocol_deviations(subjects: pd.DataFrame, measurements: pd.DataFrame,
                        protocol: Protocol) -> pd.DataFrame:
    """The eligibility deviations: each participant and criterion not met or not assessable.

    Returns
    -------
    DataFrame
        Columns :data:`DEVIATION_COLUMNS`; empty (with its columns) when every
        participant meets every criterion or the protocol has none. Every
        participant listed stays in the data.
    """
    facts = eligibility_facts(subjects, measurements, protocol)
    assessed = assess_eligibility(facts, protocol)
    out = assessed.loc[assessed["status"] != "met"].copy()
    arm_of = dict(zip(_column(subjects, "subject_id").astype(str), _column(subjects, "arm")))
    out["arm"] = [arm_of.get(s) for s in out["subject_id"]]
    return out[DEVIATION_COLUMNS].reset_index(drop=True)


def eligibility_flags(subjects: pd.DataFrame, measurements: pd.DataFrame,
                      protocol: Protocol) -> pd.DataFrame:
    """Per participant (``subjects`` order): ``ELIGFL`` and ``ELIGREAS``.

    ``ELIGFL`` is ``"N"`` when a criterion is not met, ``""`` when none is
    failed but one cannot be assessed, else ``"Y"`` (always ``"Y"`` without
    criteria). ``ELIGREAS`` lists the criteria not met, then those not
    assessable (``"not assessable: ..."``), by label, separated by ``"; "``.

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> s = pd.DataFrame({"subject_id": ["S1"], "age_at_onset": [20.0]})
    >>> m = pd.DataFrame(columns=["subject_id", "visit", "param", "value"])
    >>> eligibility_flags(s, m, load_protocol("lu2021")).values.tolist()
    [['Y', '']]
    """
    n = len(subjects)
    flag = np.full(n, "Y", dtype=object)
    reasons = np.full(n, "", dtype=object)
    if protocol.eligibility:
        facts = eligibility_facts(subjects, measurements, protocol)
        assessed = assess_eligibility(facts, protocol)
        row = np.repeat(np.arange(n), len(protocol.eligibility))
        for status, words in (("not met", ""), ("not assessable", "not assessable: ")):
            sel = assessed["status"].to_numpy() == status
            for i, label in zip(row[sel], assessed["label"].to_numpy()[sel]):
                reasons[i] = (reasons[i] + "; " if reasons[i] else "") + words + label
                if status == "not met":
                    flag[i] = "N"
                elif flag[i] == "Y":
                    flag[i] = ""
    return pd.DataFrame({"ELIGFL": flag, "ELIGREAS": reasons})


def deviation_warnings(subjects: pd.DataFrame, measurements: pd.DataFrame,
                       protocol: Protocol, file: str = "subjects.csv") -> list[Problem]:
    """One warning per participant and criterion not met or not assessable (data kept).

    ``row`` is the participant's row of ``subjects`` (``source_row``) when known;
    ``value`` the values the criterion uses; ``expected`` the criterion.

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import Criterion, load_protocol
    >>> p = load_protocol("lu2021").model_copy(update={"eligibility": [
    ...     Criterion(name="fcp", label="fasting C-peptide > 0.12 nmol/L",
    ...               where="baseline_FCP > 0.12")]})
    >>> s = pd.DataFrame({"subject_id": ["S1"], "source_row": [2]})
    >>> m = pd.DataFrame({"subject_id": ["S1"], "visit": ["BL"], "param": ["FCP"],
    ...                   "value": [0.05]})
    >>> print(deviation_warnings(s, m, p)[0])  # doctest: +NORMALIZE_WHITESPACE
    subjects.csv:2:eligibility.fcp (participant S1): 'baseline_FCP = 0.05 nmol/L' — protocol
    deviation: the participant does not meet the eligibility criterion 'fasting C-peptide >
    0.12 nmol/L'; kept and flagged (ADSL ELIGFL); expected baseline_FCP > 0.12
    """
    if not protocol.eligibility:
        return []
    deviations = protocol_deviations(subjects, measurements, protocol)
    if not len(deviations):
        return []
    row_of = (dict(zip(subjects["subject_id"].astype(str), subjects["source_row"]))
              if "source_row" in subjects.columns else {})
    out = []
    for d in deviations.itertuples(index=False):
        met = "does not meet" if d.status == "not met" else "cannot be assessed for"
        row = row_of.get(d.subject_id)
        out.append(Problem(
            file=file, row=None if row is None else int(row),
            column=f"eligibility.{d.criterion}", value=d.value,
            problem=f"protocol deviation: the participant {met} the eligibility criterion "
                    f"{d.label!r}; kept and flagged (ADSL ELIGFL)",
            expected=f"{d.required}", severity="warning", subject=d.subject_id,
            kind="protocol deviation"))
    return out
