"""Which arms are compared, which subjects form each subgroup and population, and their endpoint status."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..protocol import Protocol
from ..protocol.populations import STANDARD_POPULATIONS, population_flag
from ..derive import response_status
from ..protocol.adam_names import paramcd_of

__all__ = ["comparisons", "subgroup_masks", "population", "population_flag", "endpoint_status",
           "analysed", "POPULATION_FLAGS"]

#: Standard population code -> ADSL flag; a protocol's own populations are
#: looked up with :func:`population_flag` (``protocol, code -> ADSL column``).
POPULATION_FLAGS = {code: spec[3] for code, spec in STANDARD_POPULATIONS.items()}


def comparisons(protocol: Protocol) -> list[tuple[str, str]]:
    """Pairs ``(treated arm, control arm)`` to compare: every non-control arm vs the first control.

    A control arm is one of kind ``standard-care`` or ``placebo``. A single-arm
    protocol has no comparison.

    Examples
    --------
    >>> from t1dtrial.protocol import load_protocol
    >>> comparisons(load_protocol("lu2021"))
    [('MSC', 'CONTROL')]
    >>> comparisons(load_protocol("nasli2015"))
    []
    """
    controls = [a.code for a in protocol.arms if a.kind in ("standard-care", "placebo")]
    if not controls:
        return []
    return [(a.code, controls[0]) for a in protocol.arms if a.code != controls[0]
            and a.kind not in ("standard-care", "placebo")]


def subgroup_masks(adsl: pd.DataFrame, protocol: Protocol) -> dict[str, pd.Series]:
    """Boolean masks over ADSL rows: ``all`` then each protocol subgroup (its ADSL flag ``== "Y"``)."""
    masks = {"all": pd.Series(True, index=adsl.index)}
    for sg in protocol.subgroups:
        masks[sg.name] = adsl[sg.flag].eq("Y")
    return masks


def population(adsl: pd.DataFrame, code: str, protocol: Protocol | None = None) -> pd.DataFrame:
    """ADSL rows of a population (``FAS``, ``PP``, ``SAF``, ``ENRL`` or a protocol's own).

    With ``protocol``, its populations (:func:`population_flag`); without,
    the standard flags, else ``<CODE>FL``.

    Examples
    --------
    >>> a = pd.DataFrame({"USUBJID": ["A", "B"], "FASFL": ["Y", "N"], "MITTFL": ["Y", "Y"]})
    >>> population(a, "FAS").USUBJID.tolist(), len(population(a, "mITT"))
    (['A'], 2)
    """
    flag = (population_flag(protocol, code) if protocol is not None
            else POPULATION_FLAGS.get(code, f"{code.upper()}FL"))
    return adsl.loc[adsl[flag].eq("Y")]


def endpoint_status(subjects: pd.DataFrame, adeff: pd.DataFrame, endpoint: str,
                    protocol: Protocol) -> pd.DataFrame:
    """Each subject's status for a responder endpoint at its analysis visit.

    Returns ``subjects`` (same rows, same order) with ``STATUS`` from ADEFF
    (PARAMCD the endpoint's in ``protocol``, which may state its own:
    :func:`~t1dtrial.protocol.adam_names.paramcd_of`;
    ``ANL01FL == "Y"``; :func:`response_status`): ``Y``, ``N``, ``excluded``,
    or ``missing`` (also when ADEFF has no record); and ``RESPONSE``: 1.0,
    0.0, or NaN when not assessable.

    Examples
    --------
    >>> s = pd.DataFrame({"USUBJID": ["A", "B", "C", "D"]})
    >>> e = pd.DataFrame({"USUBJID": ["A", "B", "D"], "PARAMCD": "REMISS", "ANL01FL": "Y",
    ...                   "AVALC": ["Y", "N", ""], "AEXCLFL": ["", "", "Y"]})
    >>> from t1dtrial.protocol import load_protocol
    >>> st = endpoint_status(s, e, "remission", load_protocol("lu2021"))
    >>> st[["STATUS", "RESPONSE"]].values.tolist()
    [['Y', 1.0], ['N', 0.0], ['missing', nan], ['excluded', nan]]
    """
    rows = adeff.loc[(adeff["PARAMCD"] == paramcd_of(endpoint, protocol))
                     & (adeff["ANL01FL"] == "Y")].drop_duplicates("USUBJID")
    rows = pd.DataFrame({"USUBJID": rows["USUBJID"].to_numpy(),
                         "STATUS": response_status(rows)})
    out = subjects.merge(rows, on="USUBJID", how="left")
    out["STATUS"] = out["STATUS"].astype(object).fillna("missing")
    out["RESPONSE"] = np.where(out["STATUS"].eq("Y"), 1.0,
                               np.where(out["STATUS"].eq("N"), 0.0, np.nan))
    return out


def analysed(status: pd.DataFrame, missing_rule: str) -> pd.Series:
    """Which rows of :func:`endpoint_status` enter an analysis under ``analysis.missing_primary``.

    Assessable subjects always; subjects without an assessable endpoint only
    under ``non_responder`` (as non-responders); ``excluded`` subjects never.
    """
    avalc = status["STATUS"]
    return avalc.isin(["Y", "N"]) | (avalc.eq("missing") & (missing_rule == "non_responder"))
