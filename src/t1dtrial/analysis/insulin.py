"""Insulin independence: who became insulin-free, their episodes, and how long they lasted.

:func:`insulin_independence_table` gives, per arm and overall (full analysis
set), the subjects ever insulin-free, the number of episodes, every episode
(start, end, duration in days, censoring at the data cut) with the median,
minimum and maximum duration, and insulin independence at the protocol's
assessment visit. :func:`insulin_free_km` estimates the duration of insulin
independence by Kaplan-Meier among the subjects who became insulin-free.

Examples
--------
>>> import pandas as pd
>>> from types import SimpleNamespace
>>> from t1dtrial.protocol import load_protocol
>>> adsl = pd.DataFrame({"USUBJID": ["A", "B", "C"], "TRT01P": ["MSC", "MSC", "CONTROL"],
...                      "FASFL": "Y"})
>>> adeff = pd.DataFrame(columns=["USUBJID", "PARAMCD", "ANL01FL", "AVALC"])
>>> adtte = pd.DataFrame({"USUBJID": ["A"], "TRT01P": ["MSC"], "PARAMCD": ["INSFREE"],
...     "EPISODE": [1], "AVAL": [120.0], "CNSR": [0],
...     "STARTDT": pd.to_datetime(["2020-06-01"]), "ADT": pd.to_datetime(["2020-09-29"])})
>>> t = insulin_independence_table(SimpleNamespace(adsl=adsl, adeff=adeff, adtte=adtte),
...                                load_protocol("lu2021"))
>>> t.loc[t.statistic == "ever insulin-free", ["arm", "value", "n"]].values.tolist()
[['MSC', 1.0, 2], ['CONTROL', 0.0, 1], ['all', 1.0, 3]]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..derive import EPISODE_PARAMCD, adeff_endpoints
from ..errors import InputError, Problem
from ..protocol import InsulinIndependenceEndpoint, Protocol
from ..protocol.kinds import kind_of
from ..stats.survival import kaplan_meier
from ._arms import endpoint_status
from ._estimable import attempt, method_text
from ._levels import level_text
from .baseline import arm_masks, check_table_args

__all__ = ["INSULIN_COLUMNS", "KM_COLUMNS", "episode_frame", "insulin_free_km",
           "insulin_independence_table"]

#: Columns of the insulin independence table, in order.
INSULIN_COLUMNS = ["section", "arm", "statistic", "value", "n", "subject", "episode", "start",
                   "end", "duration", "censored", "method"]

#: Columns of the Kaplan-Meier table, in order.
KM_COLUMNS = ["arm", "statistic", "time", "estimate", "ci_low", "ci_high", "n", "events",
              "n_risk", "method", "conf_level"]

_EPISODE_COLUMNS = ["USUBJID", "PARAMCD", "EPISODE", "STARTDT", "ADT", "AVAL", "CNSR"]


def _endpoint(protocol: Protocol) -> InsulinIndependenceEndpoint | None:
    """The protocol's insulin independence endpoint (None when it has none)."""
    return next((e for e in adeff_endpoints(protocol) if kind_of(e).name == "insulin_independence"),
                None)


def episode_frame(adtte: pd.DataFrame) -> pd.DataFrame:
    """Insulin-free episodes of ADTTE (PARAMCD INSFREE), ordered by subject and episode.

    Columns ``subject, episode, start, end, duration, censored`` (from
    USUBJID, EPISODE, STARTDT, ADT, AVAL, CNSR).

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"USUBJID": ["A"], "PARAMCD": ["INSFREE"], "EPISODE": [1],
    ...     "STARTDT": pd.to_datetime(["2020-01-01"]), "ADT": pd.to_datetime(["2020-02-01"]),
    ...     "AVAL": [31.0], "CNSR": [1]})
    >>> episode_frame(e)[["subject", "duration", "censored"]].values.tolist()
    [['A', 31.0, 1]]
    """
    rows = adtte.loc[adtte["PARAMCD"] == EPISODE_PARAMCD]
    out = pd.DataFrame({
        "subject": rows["USUBJID"].astype(str).to_numpy(),
        "episode": pd.array(rows["EPISODE"].to_numpy(), dtype="Int64"),
        "start": pd.to_datetime(rows["STARTDT"]).to_numpy(),
        "end": pd.to_datetime(rows["ADT"]).to_numpy(),
        "duration": pd.to_numeric(rows["AVAL"], errors="coerce").to_numpy(dtype=float),
        "censored": pd.array(rows["CNSR"].to_numpy(), dtype="Int64"),
    })
    order = np.lexsort((out["episode"].fillna(0).to_numpy(dtype=int), out["subject"].to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def _summary(rows: list[dict], arm: str, statistic: str, value: float, n: int,
             method: str) -> None:
    rows.append({"section": "summary", "arm": arm, "statistic": statistic,
                 "value": float(value), "n": int(n), "method": method})


def _duration_rows(rows: list[dict], arm: str, durations: np.ndarray) -> None:
    known = durations[~np.isnan(durations)]
    method = ("over episodes, in days (ADT - STARTDT); an episode ongoing at the data cut "
              "counts with its duration so far (a lower bound)")
    for statistic, fn in (("duration median", np.median), ("duration min", np.min),
                          ("duration max", np.max)):
        _summary(rows, arm, statistic, float(fn(known)) if len(known) else np.nan, len(known),
                 method)


def _episodes_and_arms(fn: str, derived: Any, protocol: Protocol,
                       level: float) -> tuple[pd.DataFrame, pd.Series]:
    """Insulin-free episodes of ADTTE, and the arm of each FAS subject (by USUBJID)."""
    adtte = getattr(derived, "adtte", None)
    if isinstance(adtte, pd.DataFrame) and "PARAMCD" in adtte and \
            (adtte["PARAMCD"] == EPISODE_PARAMCD).any():
        check_table_args(fn, derived, protocol, level, {"adtte": _EPISODE_COLUMNS})
        episodes = episode_frame(adtte)
    else:
        episodes = pd.DataFrame(columns=INSULIN_COLUMNS[5:11])
    adsl = derived.adsl
    pop = adsl.loc[adsl["FASFL"].eq("Y") & adsl["TRT01P"].isin(protocol.arm_codes)]
    arm_of = pd.Series(pop["TRT01P"].astype(str).to_numpy(), index=pop["USUBJID"].astype(str))
    return episodes, arm_of[~arm_of.index.duplicated()]


def insulin_independence_table(derived: Any, protocol: Protocol, *,
                               conf_level: float | None = None) -> pd.DataFrame:
    """Insulin-free subjects, episodes and durations by arm, and independence at the visit.

    Algorithm
    ---------
    1. Subjects: the full analysis set (ADSL FASFL = "Y") in a protocol arm;
       each arm, then ``"all"``.
    2. Episodes: ADTTE rows with PARAMCD "INSFREE" (from the ``insulin_free``
       table, or from runs of zero-dose visits; see
       :func:`t1dtrial.derive.derive_insulin_free_episodes`); duration
       AVAL = ADT - STARTDT in days; CNSR = 1 when ongoing at the data cut.
    3. Section ``summary``, per arm: ``subjects``; ``ever insulin-free``
       (subjects with an episode) and its ``percent``; ``episodes``;
       ``censored episodes``; ``duration median``, ``duration min``,
       ``duration max`` over the episodes; ``insulin-independent at <visit>``
       (ADEFF AVALC = "Y" of the insulin independence endpoint at its visit;
       ``n`` = subjects assessed, Y or N) and its ``percent``; ``missing at
       <visit>`` (AVALC blank or no record); ``episodes outside the
       population`` (episodes of subjects not in the FAS, counted apart).
    4. Section ``episode``: one row per episode of the population, by subject
       and episode number: ``subject, episode, start, end, duration,
       censored`` (``value`` = duration).

    Parameters
    ----------
    derived : Derived
        From :func:`t1dtrial.derive.derive_all` (``adsl``, ``adeff`` and ``adtte``).
    protocol : Protocol
        Gives the arms and the insulin independence endpoint (its visit).
    conf_level : float, optional
        Accepted so that every table builder has the same signature; this
        table has no interval (see :func:`insulin_free_km`). Default the
        protocol's ``analysis.conf_level``.

    Returns
    -------
    DataFrame
        Columns :data:`INSULIN_COLUMNS`. ``value`` and ``n`` hold the summary
        (``n`` = the denominator or the number of values summarised); the
        episode columns are empty on summary rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> from t1dtrial.protocol import load_protocol
    >>> adsl = pd.DataFrame({"USUBJID": ["A", "B"], "TRT01P": "MSC", "FASFL": "Y"})
    >>> adeff = pd.DataFrame(columns=["USUBJID", "PARAMCD", "ANL01FL", "AVALC"])
    >>> adtte = pd.DataFrame({"USUBJID": ["A", "A", "B"], "PARAMCD": "INSFREE",
    ...     "EPISODE": [1, 2, 1], "AVAL": [90.0, 30.0, 200.0], "CNSR": [0, 1, 0],
    ...     "STARTDT": pd.to_datetime(["2020-01-01", "2020-06-01", "2020-02-01"]),
    ...     "ADT": pd.to_datetime(["2020-03-31", "2020-07-01", "2020-08-19"])})
    >>> t = insulin_independence_table(SimpleNamespace(adsl=adsl, adeff=adeff, adtte=adtte),
    ...                                load_protocol("lu2021"))
    >>> s = t[(t.section == "summary") & (t.arm == "MSC")].set_index("statistic")["value"]
    >>> [float(s[k]) for k in ("ever insulin-free", "episodes", "duration median")]
    [2.0, 3.0, 90.0]
    """
    fn = "insulin_independence_table"
    level = check_table_args(fn, derived, protocol, conf_level,
                     {"adsl": ["USUBJID", "TRT01P", "FASFL"],
                      "adeff": ["USUBJID", "PARAMCD", "ANL01FL", "AVALC"]})
    adsl, adeff = derived.adsl, derived.adeff
    episodes, arm_of = _episodes_and_arms(fn, derived, protocol, level)
    inside = episodes["subject"].isin(arm_of.index).to_numpy()
    outside = episodes.loc[~inside]
    episodes = episodes.loc[inside].assign(arm=arm_of.reindex(episodes.loc[inside, "subject"])
                                           .to_numpy())
    endpoint = _endpoint(protocol)
    status = (endpoint_status(pd.DataFrame({"USUBJID": arm_of.index}), adeff, endpoint.name,
                              protocol)["STATUS"].to_numpy() if endpoint is not None
              else np.full(len(arm_of), "missing", dtype=object))
    masks = arm_masks(pd.Series(arm_of.to_numpy()), protocol)
    ep_masks = arm_masks(episodes["arm"], protocol)
    arm_all = pd.Series(adsl["TRT01P"].astype(str).to_numpy(), index=adsl["USUBJID"].astype(str))
    out_arms = arm_all[~arm_all.index.duplicated()].reindex(outside["subject"]).fillna("")
    out_masks = arm_masks(out_arms, protocol)
    visit = endpoint.visit if endpoint is not None else None
    rows: list[dict] = []
    for arm, mask in masks.items():
        n = int(mask.sum())
        eps = episodes.loc[ep_masks[arm]]
        ever = eps["subject"].nunique()
        _summary(rows, arm, "subjects", n, n, "subjects with FASFL = Y")
        _summary(rows, arm, "ever insulin-free", ever, n,
                 "subjects with at least one insulin-free episode (ADTTE INSFREE)")
        _summary(rows, arm, "ever insulin-free percent", 100.0 * ever / n if n else np.nan, n,
                 "100 x ever insulin-free / subjects")
        _summary(rows, arm, "episodes", len(eps), n, "insulin-free episodes (ADTTE INSFREE)")
        _summary(rows, arm, "censored episodes", int((eps["censored"] == 1).sum()), len(eps),
                 "episodes ongoing at the data cut (CNSR = 1)")
        _duration_rows(rows, arm, eps["duration"].to_numpy(dtype=float))
        if endpoint is None:
            _summary(rows, arm, "insulin independence", np.nan, 0,
                     "not an endpoint of this protocol (no insulin_independence endpoint)")
        else:
            yes = int((status[mask] == "Y").sum())
            assessed = int(np.isin(status[mask], ["Y", "N"]).sum())
            rule = (f"ADEFF {endpoint.paramcd} at {visit} (ANL01FL = Y): no exogenous insulin "
                    f"(INSDOSE = 0), or inside an insulin-free episode")
            _summary(rows, arm, f"insulin-independent at {visit}", yes, assessed,
                     rule + "; n = subjects assessed")
            _summary(rows, arm, f"insulin-independent at {visit} percent",
                     100.0 * yes / assessed if assessed else np.nan, assessed,
                     "100 x insulin-independent / subjects assessed")
            _summary(rows, arm, f"missing at {visit}", int((status[mask] == "missing").sum()), n,
                     f"subjects without an assessable {endpoint.paramcd} at {visit}")
        _summary(rows, arm, "episodes outside the population", int(out_masks[arm].sum()),
                 int(out_masks[arm].sum()),
                 "episodes of subjects not in the full analysis set (not counted above)")
    ordered = episodes.assign(_arm=pd.Categorical(episodes["arm"], protocol.arm_codes)) \
        .sort_values(["_arm", "subject", "episode"], kind="stable")
    for record in ordered.to_dict("records"):
        rows.append({"section": "episode", "arm": record["arm"], "statistic": "episode duration",
                     "value": record["duration"], "n": 1, "subject": record["subject"],
                     "episode": record["episode"], "start": record["start"],
                     "end": record["end"], "duration": record["duration"],
                     "censored": record["censored"],
                     "method": "ADT - STARTDT in days; censored = 1 when ongoing at the data cut"})
    table = pd.DataFrame(rows, columns=INSULIN_COLUMNS)
    table["value"] = table["value"].astype(float)
    table["n"] = table["n"].astype("int64")
    table["episode"] = pd.array(table["episode"], dtype="Int64")
    table["censored"] = pd.array(table["censored"], dtype="Int64")
    table["duration"] = table["duration"].astype(float)
    table["start"] = pd.to_datetime(table["start"])
    table["end"] = pd.to_datetime(table["end"])
    table["subject"] = table["subject"].fillna("")
    return table


def insulin_free_km(derived: Any, protocol: Protocol, *, conf_level: float | None = None,
                    times: tuple[float, ...] = (90, 180, 365)) -> pd.DataFrame:
    """Kaplan-Meier of the duration of insulin independence among subjects who became insulin-free.

    Algorithm
    ---------
    1. Subjects: the full analysis set (ADSL FASFL = "Y") with at least one
       insulin-free episode (ADTTE INSFREE); each arm, then ``"all"``.
    2. One duration per subject: the first episode (lowest EPISODE number),
       AVAL days from its start; the event is the return to insulin
       (CNSR = 0); an episode ongoing at the data cut is censored (CNSR = 1).
    3. :func:`t1dtrial.stats.survival.kaplan_meier` (product limit, Greenwood
       variance, log-log pointwise interval at ``conf_level``): the median
       duration with its interval (NaN when the curve does not reach one
       half), and the probability of still being insulin-free at each of
       ``times`` (days) with its interval (NaN beyond the last observation).
    4. An arm where nobody became insulin-free gives rows with ``n = 0``,
       NaN estimates and a ``method`` that says so.

    Parameters
    ----------
    derived : Derived
        From :func:`t1dtrial.derive.derive_all` (``adsl`` and ``adtte``).
    protocol : Protocol
    conf_level : float, optional
        Default the protocol's ``analysis.conf_level``.
    times : tuple of float, default (90, 180, 365)
        Days at which to report the probability of remaining insulin-free.

    Returns
    -------
    DataFrame
        Columns :data:`KM_COLUMNS`: ``arm``, ``statistic`` ("median" or
        "survival"), ``time`` (days; NaN for the median), ``estimate``,
        ``ci_low``, ``ci_high``, ``n`` (subjects), ``events`` (returns to
        insulin, by ``time`` for survival rows), ``n_risk`` (subjects still
        insulin-free and followed at ``time``), ``method`` and ``conf_level``
        (the interval's level; NaN on a row without an interval).

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> from t1dtrial.protocol import load_protocol
    >>> adsl = pd.DataFrame({"USUBJID": list("ABCD"), "TRT01P": "MSC", "FASFL": "Y"})
    >>> adtte = pd.DataFrame({"USUBJID": list("ABC"), "PARAMCD": "INSFREE", "EPISODE": 1,
    ...     "AVAL": [100.0, 200.0, 300.0], "CNSR": [0, 0, 1], "STARTDT": pd.NaT, "ADT": pd.NaT})
    >>> km = insulin_free_km(SimpleNamespace(adsl=adsl, adtte=adtte), load_protocol("lu2021"))
    >>> km.loc[km.arm == "MSC", ["statistic", "time", "estimate", "n"]].values.tolist()[:2]
    [['median', nan, 200.0, 3], ['survival', 90.0, 1.0, 3]]
    """
    fn = "insulin_free_km"
    level = check_table_args(fn, derived, protocol, conf_level,
                             {"adsl": ["USUBJID", "TRT01P", "FASFL"]})
    try:
        grid = [float(t) for t in times]
    except (TypeError, ValueError):
        grid = [float("nan")]
    if not all(np.isfinite(t) and t >= 0 for t in grid):
        raise InputError([Problem(file=f"{fn}()", row=None, column="times", value=times,
                                  problem="not a list of non-negative numbers of days",
                                  expected="e.g. (90, 180, 365)")])
    episodes, arm_of = _episodes_and_arms(fn, derived, protocol, level)
    first = episodes.loc[episodes["subject"].isin(arm_of.index)].drop_duplicates("subject")
    first = first.assign(arm=arm_of.reindex(first["subject"]).to_numpy())
    rows: list[dict] = []
    for arm, mask in arm_masks(first["arm"], protocol).items():
        part = first.loc[mask]
        km, why = None, "no subject of the arm became insulin-free"
        if len(part):
            km, why = attempt(kaplan_meier, part["duration"].to_numpy(dtype=float),
                              1 - part["censored"].to_numpy(dtype=int), times=grid,
                              conf_level=level)
        if why is not None:
            rows += [{"arm": arm, "statistic": s, "time": t, "estimate": np.nan,
                      "ci_low": np.nan, "ci_high": np.nan, "n": len(part),
                      "events": int((part["censored"] == 0).sum()),
                      "n_risk": np.nan, "method": method_text(why), "conf_level": np.nan}
                     for s, t in [("median", np.nan), *[("survival", t) for t in grid]]]
            continue
        method = (f"{km['method'].iloc[0]} ({level_text(level)}); first insulin-free episode "
                  "of each subject of the FAS; event = return to insulin, censored when "
                  "ongoing at the data cut")
        for record in km.to_dict("records"):
            rows.append({"arm": arm, "statistic": record["term"], "time": record["time"],
                         "estimate": record["estimate"], "ci_low": record["ci_low"],
                         "ci_high": record["ci_high"], "n": record["n"],
                         "events": record["n_events"], "n_risk": record["n_risk"],
                         "method": method,
                         "conf_level": level if pd.notna(record["ci_low"])
                         or pd.notna(record["ci_high"]) else np.nan})
    table = pd.DataFrame(rows, columns=KM_COLUMNS)
    for column in ("time", "estimate", "ci_low", "ci_high", "n_risk", "conf_level"):
        table[column] = table[column].astype(float)
    for column in ("n", "events"):
        table[column] = table[column].astype("int64")
    return table
