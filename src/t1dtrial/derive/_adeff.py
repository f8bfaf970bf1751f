"""ADEFF, the efficacy endpoint dataset: responder flags per subject and visit, and episodes.

One row a subject x endpoint x visit for every responder endpoint of the
protocol (percent_rise, threshold, insulin_independence), plus the
conventional ones the protocol does not name (``dcct_responder``: PCP >= 0.2
nmol/L; ``idaa1c_partial_remission``: IDAA1C <= 9 %; ``insulin_independence``).
``ANL01FL = "Y"`` marks the visit at which the protocol assesses the endpoint.
AVALC is "Y", "N", "missing" (never silently a non-responder: the analysis
decides per ``analysis.missing_primary``) or "excluded" (zero baseline with
``analysis.zero_baseline_pchg: exclude_subject``). Insulin-free episodes are
added as rows with PARAMCD = "INSFREE" (AVAL = duration in days, CNSR).

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
from ..protocol import (
    Endpoint,
    InsulinIndependenceEndpoint,
    PercentRiseEndpoint,
    Protocol,
    ThresholdEndpoint,
)
from ._common import (
    TEXT,
    check_frame,
    check_protocol,
    codes_of,
    meets,
    missing_array,
    text_flags,
    text_from_codes,
    to_text,
)
from ._episodes import EPISODE_COLUMNS, derive_insulin_free_episodes

__all__ = ["ADEFF_COLUMNS", "adeff_endpoints", "derive_param_response", "derive_adeff",
           "canonical_threshold"]

#: Columns of ADEFF, in order.
ADEFF_COLUMNS = ["STUDYID", "USUBJID", "TRT01P", "PARAMCD", "PARAM", "AVISIT", "AVISITN",
                 "ADT", "AVAL", "AVALC", "ANL01FL", "CRIT1", "REASON", "EPISODE", "ASTDT",
                 "AENDT", "CNSR", "SRCDOM", "SRCROW"]

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
    from ..data.contract import is_known_param
    from ..data.units import canonical_unit, needs_weight, normalise_unit, to_canonical

    code = endpoint.param
    measured = _UNITS_OF.get(code, code)
    if code in _DERIVED_UNITS or not is_known_param(measured):
        target = _DERIVED_UNITS.get(code, endpoint.unit)
        if endpoint.unit == target:
            return float(endpoint.value)
    else:
        target = canonical_unit(measured)
        unit = normalise_unit(endpoint.unit)
        if unit is not None and not needs_weight(unit):
            try:
                return round(float(to_canonical([endpoint.value], unit, measured)[0]), 12)
            except ValueError:
                pass
    raise ProtocolError([Problem(
        file="protocol", row=None, column=f"endpoints.{endpoint.name}.unit",
        value=endpoint.unit, problem=f"cannot convert to the canonical unit of {code}",
        expected=f"{target}")])


def adeff_endpoints(protocol: Protocol) -> list[Endpoint]:
    """Responder endpoints of ADEFF: the protocol's, then the conventional ones it lacks.

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> [e.name for e in adeff_endpoints(load_protocol("lu2021"))]
    ['remission', 'dcct_responder', 'idaa1c_partial_remission', 'insulin_independence']
    """
    check_protocol(protocol, "adeff_endpoints")
    chosen = [e for e in protocol.all_endpoints
              if isinstance(e, (PercentRiseEndpoint, ThresholdEndpoint,
                                InsulinIndependenceEndpoint))]
    names = {e.name for e in protocol.all_endpoints}
    visit = protocol.primary_visit
    extra = [
        ThresholdEndpoint(kind="threshold", name="dcct_responder", param="PCP", comparison=">=",
                          value=0.2, unit="nmol/L", visit=visit,
                          label="Postprandial C-peptide >= 0.2 nmol/L (DCCT threshold)"),
        ThresholdEndpoint(kind="threshold", name="idaa1c_partial_remission", param="IDAA1C",
                          comparison="<=", value=9, unit="%", visit=visit,
                          label="Partial remission, IDAA1c <= 9"),
        InsulinIndependenceEndpoint(kind="insulin_independence", name="insulin_independence",
                                    label="Insulin independence", visit=visit),
    ]
    return chosen + [e for e in extra if e.name not in names]


def _criterion(endpoint: Endpoint) -> str:
    if isinstance(endpoint, PercentRiseEndpoint):
        join = " or " if endpoint.combine == "any" else " and "
        return (f"{join.join(endpoint.params)} change from baseline {endpoint.comparison} "
                f"{endpoint.threshold_pct:g} %")
    if isinstance(endpoint, ThresholdEndpoint):
        return f"{endpoint.param} {endpoint.comparison} {endpoint.value:g} {endpoint.unit}"
    return "INSDOSE = 0 U/kg/day (no exogenous insulin)"


class _Index:
    """ADLB analysis records located once: subject, visit and parameter codes of every row."""

    def __init__(self, adlb: pd.DataFrame, ids: np.ndarray):
        self.anl = (adlb["ANL01FL"] == "Y").to_numpy(dtype=bool)
        codes, uniques = codes_of(adlb["USUBJID"])
        self.subject = pd.Index(ids).get_indexer(uniques)[codes] if len(codes) else codes
        self.visit_codes, self.visit_uniques = codes_of(adlb["AVISIT"])
        self.param_codes, self.param_uniques = codes_of(adlb["PARAMCD"])
        self.aval = adlb["AVAL"].to_numpy(dtype=float)
        self.adt = adlb["ADT"].to_numpy(dtype="datetime64[ns]")
        self.pchg = (adlb["PCHG"].to_numpy(dtype=float) if "PCHG" in adlb.columns
                     else np.full(len(adlb), np.nan))
        if "PCHGREAS" in adlb.columns:
            self.reason_codes, reasons = codes_of(adlb["PCHGREAS"])
            self.reasons = np.array(["" if r is None or r != r else str(r) for r in reasons],
                                    dtype=object)
        else:
            self.reason_codes = np.zeros(len(adlb), np.int64)
            self.reasons = np.array([""], dtype=object)


class _Grid:
    """Subjects x visits as flat integer positions (subject-major)."""

    def __init__(self, adsl: pd.DataFrame, visits: list[str], index: _Index):
        self.ids = adsl["USUBJID"].to_numpy()
        self.visits = visits
        self.n, self.k = len(self.ids), len(visits)
        self.index = index
        self.visit_of_code = pd.Index(visits).get_indexer(index.visit_uniques)
        self.visit_pos = np.tile(np.arange(self.k), self.n)

    def per_visit(self, template: str) -> np.ndarray:
        """``template`` formatted with each visit code, one value a grid cell."""
        return np.array([template.format(visit=v) for v in self.visits], dtype=object)[
            self.visit_pos]

    def take(self, param: str) -> dict[str, np.ndarray]:
        ix = self.index
        where = np.flatnonzero(ix.param_uniques == param)
        mask = ix.anl & (ix.param_codes == (where[0] if len(where) else -2))
        i = ix.subject[mask]
        j = self.visit_of_code[ix.visit_codes[mask]] if mask.any() else np.zeros(0, np.intp)
        ok = (i >= 0) & (j >= 0)
        pos = i[ok] * self.k + j[ok]
        size = self.n * self.k
        out = {"present": np.zeros(size, dtype=bool), "AVAL": np.full(size, np.nan),
               "ADT": np.full(size, np.datetime64("NaT"), dtype="datetime64[ns]"),
               "PCHG": np.full(size, np.nan), "PCHGREAS": np.full(size, "", dtype=object)}
        aval = ix.aval[mask][ok]
        out["present"][pos] = ~np.isnan(aval)
        out["AVAL"][pos] = aval
        out["ADT"][pos] = ix.adt[mask][ok]
        out["PCHG"][pos] = ix.pchg[mask][ok]
        out["PCHGREAS"][pos] = ix.reasons[ix.reason_codes[mask][ok]]
        return out


def _later(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(np.isnat(a), b, np.where(np.isnat(b), a, np.maximum(a, b)))


def _append_reason(reasons: np.ndarray, why: np.ndarray) -> np.ndarray:
    out = np.where(reasons == "", why, reasons)
    both = (reasons != "") & (why != "")
    if both.any():
        out[both] = reasons[both] + "; " + why[both]
    return out


def _yes_no(value: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(value), "missing", np.where(value == 1, "Y", "N")).astype(object)


def _percent_rise(grid: _Grid, adlb: pd.DataFrame, ep: PercentRiseEndpoint,
                  protocol: Protocol) -> tuple[np.ndarray, ...]:
    size = grid.n * grid.k
    results = []
    adt = np.full(size, np.datetime64("NaT"), dtype="datetime64[ns]")
    reasons = np.full(size, "", dtype=object)
    excluded = np.zeros(size, dtype=bool)
    for p in ep.params:
        got = grid.take(p)
        r = meets(got["PCHG"], ep.comparison, ep.threshold_pct)
        results.append(r)
        adt = _later(adt, got["ADT"])
        why = np.full(size, "", dtype=object)
        absent = ~got["present"]
        why[absent] = grid.per_visit(f"no {p} at {{visit}}")[absent]
        undefined = got["present"] & np.isnan(r)
        why[undefined] = p + ": " + got["PCHGREAS"][undefined]
        reasons = _append_reason(reasons, why)
        if protocol.analysis.zero_baseline_pchg == "exclude_subject":
            excluded |= _zero_baseline(adlb, p, grid)
    stack = np.vstack(results)
    if ep.combine == "any":
        value = np.where((stack == 1).any(axis=0), 1.0,
                         np.where((stack == 0).all(axis=0), 0.0, np.nan))
    else:
        value = np.where((stack == 0).any(axis=0), 0.0,
                         np.where((stack == 1).all(axis=0), 1.0, np.nan))
    value[excluded] = np.nan
    avalc = _yes_no(value)
    avalc[excluded] = "excluded"
    reasons = np.where(avalc == "missing", reasons, "")
    reasons[excluded] = "baseline is zero; subject excluded (analysis.zero_baseline_pchg)"
    return value, avalc, adt, reasons


def _zero_baseline(adlb: pd.DataFrame, param: str, grid: _Grid) -> np.ndarray:
    mask = ((adlb["PARAMCD"] == param) & (adlb["ABLFL"] == "Y") & (adlb["AVAL"] == 0)).to_numpy()
    subject_zero = pd.Index(grid.ids).isin(adlb["USUBJID"].array[mask].unique())
    return np.repeat(subject_zero, grid.k)


def _threshold(grid: _Grid, adlb: pd.DataFrame, ep: ThresholdEndpoint) -> tuple[np.ndarray, ...]:
    got = grid.take(ep.param)
    value = meets(got["AVAL"], ep.comparison, canonical_threshold(ep))
    reasons = np.where(np.isnan(value), grid.per_visit(f"no {ep.param} at {{visit}}"), "")
    return value, _yes_no(value), got["ADT"], reasons.astype(object)


def _insulin_independence(grid: _Grid, adlb: pd.DataFrame, adsl: pd.DataFrame,
                          episodes: pd.DataFrame, protocol: Protocol) -> tuple[np.ndarray, ...]:
    got = grid.take("INSDOSE")
    value = meets(got["AVAL"], "<=", 0.0)
    reasons = np.where(np.isnan(value), grid.per_visit("no INSDOSE at {visit}"), "").astype(object)
    missing = np.flatnonzero(np.isnan(value))
    if len(missing) and len(episodes):
        days = np.array([protocol.visit(v).day for v in grid.visits], dtype="timedelta64[D]")
        rf = pd.Series(adsl["RFSTDT"].to_numpy(dtype="datetime64[ns]"), index=grid.ids)
        subj = grid.ids[missing // grid.k]
        nominal = rf.reindex(subj).to_numpy() + days[missing % grid.k]
        probe = pd.DataFrame({"pos": missing, "USUBJID": subj, "when": nominal})
        hit = probe.merge(episodes[["USUBJID", "ASTDT", "AENDT"]], on="USUBJID")
        hit = hit.loc[(hit["ASTDT"] <= hit["when"]) & (hit["when"] <= hit["AENDT"]), "pos"]
        covered = np.unique(hit.to_numpy(dtype=int))
        value[covered] = 1.0
        reasons[covered] = reasons[covered] + "; inside an insulin-free episode"
    avalc = _yes_no(value)
    reasons = np.where((avalc == "missing") | (reasons != "") & (value == 1), reasons, "")
    return value, avalc, got["ADT"], reasons


def derive_param_response(adlb: pd.DataFrame, adsl: pd.DataFrame, endpoint: Endpoint,
                          protocol: Protocol, *,
                          episodes: pd.DataFrame | None = None,
                          _index: _Index | None = None) -> pd.DataFrame:
    """Responder rows of one endpoint: every subject of ADSL x every evaluated visit.

    Algorithm
    ---------
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

    Comparisons treat values within a relative 1e-9 of the threshold as equal to it.
    REASON says why a row is "missing" or "excluded".

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
    if isinstance(endpoint, ThresholdEndpoint):
        visits = protocol.visit_codes
    else:
        visits = [v for v in protocol.visit_codes if v != protocol.baseline_visit]
    index = _index if _index is not None else _Index(adlb, adsl["USUBJID"].to_numpy())
    grid = _Grid(adsl, visits, index)
    if isinstance(endpoint, PercentRiseEndpoint):
        value, avalc, adt, reason = _percent_rise(grid, adlb, endpoint, protocol)
    elif isinstance(endpoint, ThresholdEndpoint):
        value, avalc, adt, reason = _threshold(grid, adlb, endpoint)
    elif isinstance(endpoint, InsulinIndependenceEndpoint):
        check_frame(adsl, "adsl", fn, ["RFSTDT"])
        eps = episodes if episodes is not None else pd.DataFrame(columns=EPISODE_COLUMNS)
        value, avalc, adt, reason = _insulin_independence(grid, adlb, adsl, eps, protocol)
    else:
        raise TypeError(f"The 'endpoint' parameter of {fn} must be a percent_rise, threshold "
                        f"or insulin_independence endpoint. Got {type(endpoint).__name__} instead.")
    nominal = np.array([protocol.visit(v).day for v in visits], dtype="int64")
    subject_rows = np.repeat(np.arange(grid.n), grid.k)
    n = grid.n * grid.k
    avalc_codes = np.select([avalc == "Y", avalc == "N", avalc == "excluded"], [1, 2, 3], 0)
    assessed = (grid.visit_pos == visits.index(endpoint.visit) if endpoint.visit in visits
                else np.zeros(n, dtype=bool))
    return pd.DataFrame({
        "STUDYID": text_from_codes([protocol.id], np.zeros(n, dtype=np.intp)),
        "USUBJID": to_text(adsl["USUBJID"]).take(subject_rows),
        "TRT01P": to_text(adsl["TRT01P"]).take(subject_rows),
        "PARAMCD": text_from_codes([endpoint.name.upper()], np.zeros(n, dtype=np.intp)),
        "PARAM": text_from_codes([endpoint.label], np.zeros(n, dtype=np.intp)),
        "AVISIT": text_from_codes(visits, grid.visit_pos),
        "AVISITN": nominal[grid.visit_pos],
        "ADT": adt,
        "AVAL": value,
        "AVALC": text_from_codes(["missing", "Y", "N", "excluded"], avalc_codes),
        "ANL01FL": text_flags(assessed),
        "CRIT1": text_from_codes([_criterion(endpoint)], np.zeros(n, dtype=np.intp)),
        "REASON": to_text(reason),
    }, copy=False)  # fresh arrays: no need to copy them into one block


def derive_adeff(adlb: pd.DataFrame, adsl: pd.DataFrame, insulin_free: pd.DataFrame,
                 protocol: Protocol, *, data_cut: pd.Timestamp | None = None) -> pd.DataFrame:
    """Derive ADEFF: responder rows of every endpoint of :func:`adeff_endpoints`, then episodes.

    Parameters
    ----------
    adlb, adsl : DataFrame
        From :func:`~t1dtrial.derive.derive_adlb` and :func:`~t1dtrial.derive.derive_adsl`.
    insulin_free : DataFrame
        Canonical table; may be empty (episodes then come from zero-dose visits).
    protocol : Protocol
    data_cut : Timestamp, optional
        Date of the data cut; default the latest date in ADLB, ADSL and ``insulin_free``.

    Returns
    -------
    DataFrame with :data:`ADEFF_COLUMNS`; episode rows have PARAMCD "INSFREE".

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
    >>> e.loc[(e.ANL01FL == "Y"), ["PARAMCD", "AVALC"]].values.tolist()[0]
    ['REMISSION', 'missing']
    """
    fn = "derive_adeff"
    check_frame(adsl, "adsl", fn, ["USUBJID", "TRT01P", "RFSTDT"])
    check_frame(insulin_free, "insulin_free", fn, ["subject_id", "start_date"])
    check_protocol(protocol, fn)
    cut = latest_date(adlb, adsl, insulin_free) if data_cut is None else pd.Timestamp(data_cut)
    episodes = derive_insulin_free_episodes(insulin_free, adlb, adsl, data_cut=cut,
                                            protocol=protocol)
    index = _Index(adlb, adsl["USUBJID"].to_numpy())
    parts = [derive_param_response(adlb, adsl, ep, protocol, episodes=episodes, _index=index)
             for ep in adeff_endpoints(protocol)]
    trt = pd.Series(adsl["TRT01P"].to_numpy(), index=adsl["USUBJID"].to_numpy())
    ep_rows = episodes.assign(
        STUDYID=protocol.id, TRT01P=trt.reindex(episodes["USUBJID"]).to_numpy(),
        PARAMCD="INSFREE", PARAM="Insulin-free episode: duration (days)", AVISIT="",
        AVISITN=pd.NA, ADT=episodes["ASTDT"], AVALC="", ANL01FL="",
        CRIT1="insulin-free episode (CNSR = 1: ongoing at the data cut)", REASON="")
    frames = [_typed(f) for f in [*parts, ep_rows] if len(f)]
    if not frames:
        return _typed(pd.DataFrame(columns=ADEFF_COLUMNS))
    return pd.concat(frames, ignore_index=True)


_DTYPES = {"AVISITN": "Int64", "EPISODE": "Int64", "CNSR": "Int64", "SRCROW": "Int64",
           "ADT": "datetime64[ns]", "ASTDT": "datetime64[ns]", "AENDT": "datetime64[ns]",
           "AVAL": "float64"}


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
