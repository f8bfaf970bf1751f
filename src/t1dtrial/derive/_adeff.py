"""ADEFF, the efficacy endpoint dataset: responder flags per subject and visit, and episodes.

One row a subject x endpoint x visit for every endpoint of the protocol
whose kind is a responder (:func:`t1dtrial.protocol.kinds.outcome`); each
kind derives its flags (:mod:`t1dtrial.protocol.kinds`) on a grid of
subjects x visits built here from ADSL and ADLB. The conventional endpoints
(DCCT threshold, IDAA1c <= 9, insulin independence) are derived when the
protocol lists them, like any other.
``ANL01FL = "Y"`` marks the visit at which the protocol assesses the endpoint.
AVAL is 1 (responder), 0 or missing; AVALC "Y", "N" or blank when the result
cannot be assessed (never silently a non-responder: the analysis decides per
``analysis.missing_primary``), REASON saying why; ``AEXCLFL = "Y"`` marks a
subject the protocol excludes from the endpoint (zero baseline with
``analysis.zero_baseline_pchg: exclude_subject``). Insulin-free episodes are
in ADTTE (:func:`~t1dtrial.derive.derive_adtte`), not here.

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> [e.name for e in adeff_endpoints(load_protocol("carlsson2015"))]
['dcct_responder', 'idaa1c_partial_remission', 'insulin_independence']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import Problem, ProtocolError
from ..protocol import Endpoint, Protocol, ThresholdEndpoint
from ..protocol.kinds import EndpointKind, kind_of, outcome
from ._common import (
    TEXT,
    check_frame,
    check_protocol,
    missing_array,
    text_flags,
    text_from_codes,
    to_text,
)
from ._episodes import EPISODE_COLUMNS, derive_insulin_free_episodes
from ._grid import Grid, Index, criterion, evaluated_visits

__all__ = ["ADEFF_COLUMNS", "adeff_endpoints", "derive_param_response", "derive_adeff",
           "canonical_threshold", "canonical_value", "response_status"]

#: Columns of ADEFF, in order.
ADEFF_COLUMNS = ["STUDYID", "USUBJID", "TRT01P", "PARAMCD", "PARAM", "AVISIT", "AVISITN",
                 "ADT", "AVAL", "AVALC", "AEXCLFL", "ANL01FL", "CRIT1", "REASON", "SRCDOM"]

#: Derived parameters whose thresholds are written in the units of a measured one.
_UNITS_OF = {"CPMAUC": "FCP", "INSDOSE": "INSULIN"}
#: Canonical units of derived parameters that have no measured counterpart.
_DERIVED_UNITS = {"IDAA1C": "%", "CPAUC": "nmol/L x min"}


def canonical_threshold(endpoint: ThresholdEndpoint) -> float:
    """A threshold endpoint's value in the parameter's canonical unit.

    Conversions are those of the input contract (:mod:`t1dtrial.data.units`);
    ``CPMAUC`` takes C-peptide units, ``INSDOSE`` insulin-dose units.

    Raises
    ------
    ProtocolError
        When the endpoint's unit cannot be converted to the canonical unit.

    Examples
    --------
    >>> from t1dtrial.protocol import ThresholdEndpoint
    >>> e = ThresholdEndpoint(kind="threshold", name="x", label="x", visit="M12",
    ...                       param="PCP", comparison=">=", value=200, unit="pmol/L")
    >>> canonical_threshold(e)
    0.2
    """
    return canonical_value(endpoint.param, endpoint.value, endpoint.unit,
                           column=f"endpoints.{endpoint.name}.unit")


def canonical_value(code: str, value: float, unit: str, *, column: str = "endpoints") -> float:
    """A threshold ``value`` written in ``unit`` in the canonical unit of parameter ``code``.

    Raises
    ------
    ProtocolError
        When the unit cannot be converted (``column`` names where it was written).

    Examples
    --------
    >>> round(canonical_value("HBA1C", 53, "mmol/mol"), 2)
    7.0
    """
    from ..data.contract import is_known_param
    from ..data.units import canonical_unit, needs_weight, normalise_unit, to_canonical

    measured = _UNITS_OF.get(code, code)
    if code in _DERIVED_UNITS or not is_known_param(measured):
        target = _DERIVED_UNITS.get(code, unit)
        if unit == target:
            return float(value)
    else:
        target = canonical_unit(measured)
        norm = normalise_unit(unit)
        if norm is not None and not needs_weight(norm):
            try:
                return round(float(to_canonical([value], norm, measured)[0]), 12)
            except ValueError:
                pass
    raise ProtocolError([Problem(
        file="protocol", row=None, column=column, value=unit,
        problem=f"cannot convert to the canonical unit of {code}", expected=f"{target}")])


def adeff_endpoints(protocol: Protocol) -> list[Endpoint]:
    """Endpoints of ADEFF: the protocol's responder endpoints, primary first.

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> [e.name for e in adeff_endpoints(load_protocol("lu2021"))]
    ['remission', 'dcct_responder', 'idaa1c_partial_remission', 'insulin_independence']
    """
    check_protocol(protocol, "adeff_endpoints")
    return [e for e in protocol.all_endpoints if outcome(e) == "responder"]


def derive_param_response(adlb: pd.DataFrame, adsl: pd.DataFrame, endpoint: Endpoint,
                          protocol: Protocol, *,
                          episodes: pd.DataFrame | None = None,
                          _index: Index | None = None) -> pd.DataFrame:
    """Responder rows of one endpoint: every subject of ADSL x every evaluated visit.

    Algorithm
    ---------
    The endpoint's kind derives the flags (:mod:`t1dtrial.protocol.kinds`) on a
    grid of every subject x the visits it is evaluated at (every visit for a
    threshold, the post-baseline visits otherwise). The built-in kinds:

    - percent_rise: at each post-baseline visit, each parameter's PCHG (ADLB
      analysis record) compared with the threshold (``>=`` or ``>``); the
      parameters are combined by three-valued logic: ``any`` is "Y" when one
      meets it, "N" when all are known and none does, else "missing"; ``all``
      is "N" when one fails, "Y" when all are known and meet it, else "missing".
    - threshold: at every visit, the analysis value compared with the
      threshold (converted to the canonical unit).
    - insulin_independence: at each post-baseline visit, "Y" when INSDOSE is 0;
      without an INSDOSE record, "Y" when an insulin-free episode covers the
      visit's nominal date, else "missing".
    - composite: the flags of the endpoints it names, combined by ``all`` or
      ``any`` with the same three-valued logic as percent_rise.
    - any_visit: the inner endpoint's flags at the listed visits up to each
      visit, combined by ``at: any`` or ``all``.

    Comparisons treat values within a relative 1e-9 of the threshold as equal to it.
    The kinds' "missing" and "excluded" are written as a blank AVALC (AVAL
    missing), with ``AEXCLFL = "Y"`` for "excluded"; REASON says why.

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> p = load_protocol("lu2021")
    >>> adsl = pd.DataFrame({"USUBJID": ["S1"], "TRT01P": ["MSC"],
    ...                      "RFSTDT": pd.to_datetime(["2020-01-01"])})
    >>> lb = pd.DataFrame({"USUBJID": ["S1", "S1"], "PARAMCD": ["FCP", "PCP"],
    ...     "AVISIT": ["M12", "M12"], "ADT": pd.to_datetime(["2021-01-01"] * 2),
    ...     "AVAL": [0.33, 0.5], "BASE": [0.30, 0.6], "PCHG": [10.0, -16.7],
    ...     "PCHGREAS": ["", ""], "ABLFL": ["", ""], "ANL01FL": ["Y", "Y"]})
    >>> r = derive_param_response(lb, adsl, p.primary_endpoint, p)
    >>> r.loc[r.AVISIT == "M12", ["AVALC", "ANL01FL"]].values.tolist()
    [['Y', 'Y']]
    """
    fn = "derive_param_response"
    check_frame(adlb, "adlb", fn, ["USUBJID", "PARAMCD", "AVISIT", "ADT", "AVAL", "ABLFL",
                                   "ANL01FL"])
    check_frame(adsl, "adsl", fn, ["USUBJID", "TRT01P"])
    check_protocol(protocol, fn)
    kind = kind_of(endpoint)
    if kind.derive is None:
        raise TypeError(f"The 'endpoint' parameter of {fn} must be an endpoint of a responder "
                        f"kind. Got {endpoint.name!r} of kind {kind.name!r} ({kind.outcome}) "
                        "instead.")
    needed = sorted({c for k in (kind, *_kinds_under(endpoint, protocol)) for c in k.adsl_columns})
    if needed:
        check_frame(adsl, "adsl", fn, needed)
    index = _index if _index is not None else Index(adlb, adsl["USUBJID"].to_numpy())
    eps = episodes if episodes is not None else pd.DataFrame(columns=EPISODE_COLUMNS)
    grid = Grid(adsl, evaluated_visits(endpoint, protocol), index, protocol=protocol, adlb=adlb,
                episodes=eps, canonical=canonical_value)
    value, avalc, adt, reason = grid.flags_of(endpoint)
    visits = grid.visits
    nominal = np.array([protocol.visit(v).day for v in visits], dtype="int64")
    subject_rows = np.repeat(np.arange(grid.n), grid.k)
    n = grid.n * grid.k
    avalc_codes = np.select([avalc == "Y", avalc == "N"], [1, 2], 0)
    assessed = (grid.visit_pos == visits.index(endpoint.visit) if endpoint.visit in visits
                else np.zeros(n, dtype=bool))
    return pd.DataFrame({
        "STUDYID": text_from_codes([protocol.id], np.zeros(n, dtype=np.intp)),
        "USUBJID": to_text(adsl["USUBJID"]).take(subject_rows),
        "TRT01P": to_text(adsl["TRT01P"]).take(subject_rows),
        "PARAMCD": text_from_codes([endpoint.paramcd], np.zeros(n, dtype=np.intp)),
        "PARAM": text_from_codes([endpoint.label], np.zeros(n, dtype=np.intp)),
        "AVISIT": text_from_codes(visits, grid.visit_pos),
        "AVISITN": nominal[grid.visit_pos],
        "ADT": adt,
        "AVAL": value,
        "AVALC": text_from_codes(["", "Y", "N"], avalc_codes),
        "AEXCLFL": text_flags(avalc == "excluded"),
        "ANL01FL": text_flags(assessed),
        "CRIT1": text_from_codes([criterion(endpoint, protocol)], np.zeros(n, dtype=np.intp)),
        "REASON": to_text(reason),
    }, copy=False)  # fresh arrays: no need to copy them into one block


def derive_adeff(adlb: pd.DataFrame, adsl: pd.DataFrame, insulin_free: pd.DataFrame,
                 protocol: Protocol, *, data_cut: pd.Timestamp | None = None,
                 episodes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Derive ADEFF: responder rows of every endpoint of :func:`adeff_endpoints`.

    Parameters
    ----------
    adlb, adsl : DataFrame
        From :func:`~t1dtrial.derive.derive_adlb` and :func:`~t1dtrial.derive.derive_adsl`.
    insulin_free : DataFrame
        Canonical table; may be empty (episodes then come from zero-dose visits).
    protocol : Protocol
    data_cut : Timestamp, optional
        Date of the data cut; default the latest date in ADLB, ADSL and ``insulin_free``.
    episodes : DataFrame, optional
        The insulin-free episodes (:func:`~t1dtrial.derive.derive_insulin_free_episodes`)
        when already derived; the insulin independence endpoint reads them.

    Returns
    -------
    DataFrame with :data:`ADEFF_COLUMNS`.

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> adsl = pd.DataFrame({"USUBJID": ["S1"], "TRT01P": ["CONTROL"],
    ...                      "RFSTDT": pd.to_datetime(["2020-01-01"])})
    >>> lb = pd.DataFrame(columns=["USUBJID", "PARAMCD", "AVISIT", "AVISITN", "ADT", "AVAL",
    ...                            "ABLFL", "ANL01FL", "PCHG", "PCHGREAS"])
    >>> free = pd.DataFrame(columns=["subject_id", "start_date", "end_date"])
    >>> e = derive_adeff(lb, adsl, free, load_protocol("lu2021"), data_cut=pd.Timestamp("2021-01-01"))
    >>> e.loc[(e.ANL01FL == "Y"), ["PARAMCD", "AVALC", "REASON"]].values.tolist()[0]
    ['REMISS', '', 'no FCP at M12; no PCP at M12']
    """
    fn = "derive_adeff"
    check_frame(adsl, "adsl", fn, ["USUBJID", "TRT01P", "RFSTDT"])
    check_frame(insulin_free, "insulin_free", fn, ["subject_id", "start_date"])
    check_protocol(protocol, fn)
    if episodes is None:
        cut = latest_date(adlb, adsl, insulin_free) if data_cut is None else pd.Timestamp(data_cut)
        episodes = derive_insulin_free_episodes(insulin_free, adlb, adsl, data_cut=cut,
                                                protocol=protocol)
    index = Index(adlb, adsl["USUBJID"].to_numpy())
    parts = [derive_param_response(adlb, adsl, ep, protocol, episodes=episodes, _index=index)
             for ep in adeff_endpoints(protocol)]
    frames = [_typed(f) for f in parts if len(f)]
    if not frames:
        return _typed(pd.DataFrame(columns=ADEFF_COLUMNS))
    return pd.concat(frames, ignore_index=True)


_DTYPES = {"AVISITN": "Int64", "ADT": "datetime64[ns]", "AVAL": "float64"}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """ADEFF columns in order, each with its dtype (missing ones filled)."""
    n = len(frame)
    out = {}
    for column in ADEFF_COLUMNS:
        dtype = _DTYPES.get(column, TEXT)
        if column in frame.columns:
            values = frame[column]
            if values.dtype == dtype:
                out[column] = values.array
            elif dtype == TEXT:
                out[column] = to_text(values)
            elif dtype == "Int64" and pd.api.types.is_integer_dtype(values.dtype):
                out[column] = pd.array(values.to_numpy(), dtype="Int64")
            else:
                out[column] = values.astype(dtype).array
        elif column == "SRCDOM":
            out[column] = text_from_codes(["ADLB"], np.zeros(n, dtype=np.intp))
        elif dtype == TEXT:
            out[column] = text_from_codes([""], np.zeros(n, dtype=np.intp))
        else:
            out[column] = missing_array(dtype, n)
    return pd.DataFrame(out, copy=False)


def response_status(records: pd.DataFrame) -> np.ndarray:
    """Status of ADEFF records: "Y", "N", "excluded" (``AEXCLFL = "Y"``) or "missing".

    ADEFF writes a result that cannot be assessed as a blank AVALC; AEXCLFL
    tells the subjects the protocol excludes from the endpoint from those
    whose result is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"AVALC": ["Y", "", "", "N"], "AEXCLFL": ["", "", "Y", ""]})
    >>> response_status(e).tolist()
    ['Y', 'missing', 'excluded', 'N']
    """
    avalc = records["AVALC"].astype(object).fillna("").to_numpy()
    excluded = (records["AEXCLFL"].eq("Y").to_numpy(dtype=bool) if "AEXCLFL" in records
                else np.zeros(len(records), dtype=bool))
    return np.where(np.isin(avalc, ["Y", "N"]), avalc,
                    np.where(excluded, "excluded", "missing")).astype(object)


def latest_date(*frames: pd.DataFrame) -> pd.Timestamp:
    """The latest date in any datetime column of the frames (NaT when there is none).

    Examples
    --------
    >>> import pandas as pd
    >>> latest_date(pd.DataFrame({"d": pd.to_datetime(["2020-01-01", "2021-05-02"])}))
    Timestamp('2021-05-02 00:00:00')
    """
    best = pd.NaT
    for frame in frames:
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                value = frame[column].max()
                if pd.notna(value) and (pd.isna(best) or value > best):
                    best = value
    return best


def _kinds_under(endpoint: Endpoint, protocol: Protocol) -> list[EndpointKind]:
    """Kinds of the endpoints an endpoint is built from, at any depth."""
    by_name = {e.name: e for e in protocol.all_endpoints}
    seen: set[str] = set()
    todo = list(kind_of(endpoint).references(endpoint))
    kinds: list[EndpointKind] = []
    while todo:
        name = todo.pop()
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        kinds.append(kind_of(by_name[name]))
        todo += kind_of(by_name[name]).references(by_name[name])
    return kinds
