"""ADTTE, the time-to-event dataset: endpoint times, then insulin-free episodes.

Each endpoint whose kind has event times (:mod:`t1dtrial.protocol.kinds`,
e.g. ``time_to_event``) gives every subject of ADSL a row: STARTDT the start
of treatment (ADSL RFSTDT: first infusion, else enrolment), ADT the event
date or the censoring date, AVAL = ADT - STARTDT in days, CNSR 0 for an
event and 1 for a censored time, EVNTDESC in words, AVISIT the visit of
the event or of the last assessment. A subject never assessed after
baseline is censored at the start (AVAL 0). PARAM says the unit (days).

Then each insulin-free episode (:func:`~t1dtrial.derive.derive_insulin_free_episodes`)
is a row with PARAMCD "INSFREE": STARTDT the episode's start, ADT its end (or
the censoring date), AVAL its duration in days, CNSR 1 when it is ongoing at
the data cut (or, inferred from visits, when the next visit's dose is
unknown), EPISODE its number within the subject, SRCDOM and SRCROW its source.

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> derive_adtte(pd.DataFrame(columns=["USUBJID", "PARAMCD", "AVISIT", "ADT", "AVAL", "ANL01FL"]),
...              pd.DataFrame(columns=["USUBJID", "TRT01P", "RFSTDT"]),
...              load_protocol("lu2021")).columns.tolist()[:6]
['STUDYID', 'USUBJID', 'TRT01P', 'PARAMCD', 'PARAM', 'AVAL']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..protocol import Endpoint, Protocol
from ..protocol.adam_names import EPISODE_PARAMCD
from ..protocol.kinds import kind_of
from ._adeff import canonical_value
from ._common import check_frame, check_protocol, to_text
from ._episodes import EPISODE_COLUMNS
from ._grid import Grid, Index

__all__ = ["ADTTE_COLUMNS", "EPISODE_PARAMCD", "adtte_endpoints", "derive_adtte"]

#: Columns of ADTTE, in order.
ADTTE_COLUMNS = ["STUDYID", "USUBJID", "TRT01P", "PARAMCD", "PARAM", "AVAL", "CNSR", "STARTDT",
                 "ADT", "AVISIT", "EVNTDESC", "CNSDTDSC", "EPISODE", "SRCDOM", "SRCROW"]


def adtte_endpoints(protocol: Protocol) -> list[Endpoint]:
    """Endpoints of the protocol whose kind has event times, primary first.

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> adtte_endpoints(load_protocol("lu2021"))
    []
    """
    return [e for e in protocol.all_endpoints if kind_of(e).event_times is not None]


def derive_adtte(adlb: pd.DataFrame, adsl: pd.DataFrame, protocol: Protocol, *,
                 episodes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Derive ADTTE: each time-to-event endpoint for every subject of ADSL, then the episodes.

    Parameters
    ----------
    adlb, adsl : DataFrame
        From :func:`~t1dtrial.derive.derive_adlb` and :func:`~t1dtrial.derive.derive_adsl`.
    protocol : Protocol
    episodes : DataFrame, optional
        Insulin-free episodes (:func:`~t1dtrial.derive.derive_insulin_free_episodes`).

    Returns
    -------
    DataFrame with :data:`ADTTE_COLUMNS` (no rows when there is neither a
    time-to-event endpoint nor an episode).
    """
    fn = "derive_adtte"
    check_frame(adlb, "adlb", fn, ["USUBJID", "PARAMCD", "AVISIT", "ADT", "AVAL", "ANL01FL"])
    check_frame(adsl, "adsl", fn, ["USUBJID", "TRT01P", "RFSTDT"])
    check_protocol(protocol, fn)
    endpoints = adtte_endpoints(protocol)
    index = Index(adlb, adsl["USUBJID"].to_numpy()) if endpoints else None
    frames = [_endpoint_rows(adlb, adsl, protocol, ep, index) for ep in endpoints]
    if episodes is not None and len(episodes):
        check_frame(episodes, "episodes", fn, EPISODE_COLUMNS)
        frames.append(_episode_rows(episodes, adsl, protocol))
    if not frames:
        return _typed(pd.DataFrame(columns=ADTTE_COLUMNS))
    return _typed(pd.concat(frames, ignore_index=True))


def _endpoint_rows(adlb: pd.DataFrame, adsl: pd.DataFrame, protocol: Protocol,
                   ep: Endpoint, index: Index) -> pd.DataFrame:
    visits = [v for v in protocol.visit_codes if v != protocol.baseline_visit]
    start = adsl["RFSTDT"].to_numpy(dtype="datetime64[ns]")
    grid = Grid(adsl, visits, index, protocol=protocol, adlb=adlb,
                episodes=pd.DataFrame(columns=EPISODE_COLUMNS), canonical=canonical_value)
    times = grid.event_times_of(ep)
    never = np.isnat(times.adt)
    adt = np.where(never, start, times.adt).astype("datetime64[ns]")
    days = (adt - start) / np.timedelta64(1, "D")
    event = times.cnsr == 0
    kind = kind_of(ep)
    text = (kind.criterion or kind.describe)(ep)
    return pd.DataFrame({
        "STUDYID": protocol.id, "USUBJID": adsl["USUBJID"].to_numpy(),
        "TRT01P": adsl["TRT01P"].to_numpy(), "PARAMCD": ep.paramcd,
        "PARAM": ep.label if "day" in ep.label.lower() else f"{ep.label} (days)",
        "AVAL": days, "CNSR": times.cnsr, "STARTDT": start, "ADT": adt,
        "AVISIT": times.visit,
        "EVNTDESC": np.where(event, text, "").astype(object),
        "CNSDTDSC": np.where(event, "", np.where(
            never, "no assessment after baseline: censored at the start",
            "censored at the last assessment")).astype(object),
        "SRCDOM": "ADLB"})


def _episode_rows(episodes: pd.DataFrame, adsl: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    arm = pd.Series(adsl["TRT01P"].to_numpy(), index=adsl["USUBJID"].to_numpy())
    ongoing = episodes["CNSR"].to_numpy() == 1
    from_visits = episodes["SRCDOM"].astype(str).eq("ADLB").to_numpy()
    return pd.DataFrame({
        "STUDYID": protocol.id, "USUBJID": episodes["USUBJID"].to_numpy(),
        "TRT01P": arm.reindex(episodes["USUBJID"].astype(str)).to_numpy(),
        "PARAMCD": EPISODE_PARAMCD, "PARAM": "Insulin-free episode duration (days)",
        "AVAL": episodes["AVAL"].to_numpy(dtype=float),
        "CNSR": episodes["CNSR"].to_numpy(), "STARTDT": episodes["ASTDT"].to_numpy(),
        "ADT": episodes["AENDT"].to_numpy(), "AVISIT": "",
        "EVNTDESC": np.where(ongoing, "", "insulin resumed: end of the episode"),
        "CNSDTDSC": np.where(~ongoing, "", np.where(
            from_visits, "insulin-free at the last visit; next visit's dose unknown",
            "ongoing at the data cut")),
        "EPISODE": episodes["EPISODE"].to_numpy(), "SRCDOM": episodes["SRCDOM"].to_numpy(),
        "SRCROW": episodes["SRCROW"].array})


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reindex(columns=ADTTE_COLUMNS)
    for column in ("STUDYID", "USUBJID", "TRT01P", "PARAMCD", "PARAM", "AVISIT", "EVNTDESC",
                   "CNSDTDSC", "SRCDOM"):
        out[column] = to_text(out[column].astype(object).fillna(""))
    out["AVAL"] = out["AVAL"].astype(float)
    for column in ("CNSR", "EPISODE", "SRCROW"):
        out[column] = pd.array(out[column], dtype="Int64")
    for column in ("STARTDT", "ADT"):
        out[column] = pd.to_datetime(out[column])
    return out
