"""Which arms are compared, and which subjects form each subgroup and population."""

from __future__ import annotations

import pandas as pd

from ..protocol import Protocol

__all__ = ["comparisons", "subgroup_masks", "population", "POPULATION_FLAGS"]

#: Population code of the protocol -> ADSL flag.
POPULATION_FLAGS = {"ENRL": "ENRLFL", "FAS": "FASFL", "PP": "PPROTFL", "SAF": "SAFFL"}


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
    """Boolean masks over ADSL rows: ``all`` then each protocol subgroup (``SG_<NAME> == "Y"``)."""
    masks = {"all": pd.Series(True, index=adsl.index)}
    for sg in protocol.subgroups:
        masks[sg.name] = adsl[f"SG_{sg.name.upper()}"].eq("Y")
    return masks


def population(adsl: pd.DataFrame, code: str) -> pd.DataFrame:
    """ADSL rows of a population (``FAS``, ``PP``, ``SAF``, ``ENRL``)."""
    return adsl.loc[adsl[POPULATION_FLAGS[code]].eq("Y")]
