"""ADTTE, the time-to-event dataset: one row a subject x time-to-event endpoint.

Each endpoint whose kind has event times (:mod:`t1dtrial.protocol.kinds`,
e.g. ``time_to_event``) gives every subject of ADSL a row: STARTDT the start
of treatment (ADSL RFSTDT: first infusion, else enrolment), ADT the event
date or the censoring date, AVAL = ADT - STARTDT in days, CNSR 0 for an
event and 1 for a censored time, EVNTDESC in words, AVISIT the visit of
the event or of the last assessment. A subject never assessed after
baseline is censored at the start (AVAL 0).

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
from ..protocol.kinds import kind_of
from ._adeff import canonical_value
from ._common import check_frame, check_protocol
from ._episodes import EPISODE_COLUMNS
from ._grid import Grid, Index

__all__ = ["ADTTE_COLUMNS", "adtte_endpoints", "derive_adtte"]

#: Columns of ADTTE, in order.
ADTTE_COLUMNS = ["STUDYID", "USUBJID", "TRT01P", "PARAMCD", "PARAM", "AVAL", "CNSR", "STARTDT",
                 "ADT", "AVISIT", "EVNTDESC", "CNSDTDSC"]


def adtte_endpoints(protocol: Protocol) -> list[Endpoint]:
    """Endpoints of the protocol whose kind has event times, primary first.

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> adtte_endpoints(load_protocol("lu2021"))
    []
    """
    return [e for e in protocol.all_endpoints if kind_of(e).event_times is not None]


def derive_adtte(adlb: pd.DataFrame, adsl: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Derive ADTTE: for each time-to-event endpoint, one row a subject of ADSL.

    Parameters
    ----------
    adlb, adsl : DataFrame
        From :func:`~t1dtrial.derive.derive_adlb` and :func:`~t1dtrial.derive.derive_adsl`.
    protocol : Protocol

    Returns
    -------
    DataFrame with :data:`ADTTE_COLUMNS` (no rows when the protocol has no such endpoint).
    """
    fn = "derive_adtte"
    check_frame(adlb, "adlb", fn, ["USUBJID", "PARAMCD", "AVISIT", "ADT", "AVAL", "ANL01FL"])
    check_frame(adsl, "adsl", fn, ["USUBJID", "TRT01P", "RFSTDT"])
    check_protocol(protocol, fn)
    endpoints = adtte_endpoints(protocol)
    if not endpoints:
        return _typed(pd.DataFrame(columns=ADTTE_COLUMNS))
    index = Index(adlb, adsl["USUBJID"].to_numpy())
    visits = [v for v in protocol.visit_codes if v != protocol.baseline_visit]
    start = adsl["RFSTDT"].to_numpy(dtype="datetime64[ns]")
    frames = []
    for ep in endpoints:
        grid = Grid(adsl, visits, index, protocol=protocol, adlb=adlb,
                    episodes=pd.DataFrame(columns=EPISODE_COLUMNS), canonical=canonical_value)
        times = grid.event_times_of(ep)
        never = np.isnat(times.adt)
        adt = np.where(never, start, times.adt).astype("datetime64[ns]")
        days = (adt - start) / np.timedelta64(1, "D")
        event = times.cnsr == 0
        kind = kind_of(ep)
        text = (kind.criterion or kind.describe)(ep)
        frames.append(pd.DataFrame({
            "STUDYID": protocol.id, "USUBJID": adsl["USUBJID"].to_numpy(),
            "TRT01P": adsl["TRT01P"].to_numpy(), "PARAMCD": ep.paramcd, "PARAM": ep.label,
            "AVAL": days, "CNSR": times.cnsr, "STARTDT": start, "ADT": adt,
            "AVISIT": times.visit,
            "EVNTDESC": np.where(event, text, "").astype(object),
            "CNSDTDSC": np.where(event, "", np.where(
                never, "no assessment after baseline: censored at the start",
                "censored at the last assessment")).astype(object)}))
    return _typed(pd.concat(frames, ignore_index=True))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reindex(columns=ADTTE_COLUMNS)
    out["AVAL"] = out["AVAL"].astype(float)
    out["CNSR"] = pd.array(out["CNSR"], dtype="Int64")
    for column in ("STARTDT", "ADT"):
        out[column] = pd.to_datetime(out[column])
    return out
