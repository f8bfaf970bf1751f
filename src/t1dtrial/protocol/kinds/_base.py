"""The base models every endpoint kind builds on, and three-valued responder logic.

Examples
--------
>>> import numpy as np
>>> combine_flags(np.array([[1.0, 0.0, np.nan], [np.nan, 0.0, 0.0]]), "any").tolist()
[1.0, 0.0, nan]
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from pydantic import Field, field_validator, model_validator

from .._base import _Model
from ..adam_names import abbreviate
from ..vocabulary import RESERVED_ENDPOINT_NAMES

__all__ = ["ProtocolModel", "EndpointModel", "Flags", "combine_flags", "yes_no"]


#: Base of every protocol model: unknown fields refused, frozen, an ``assumption``.
ProtocolModel = _Model


class EndpointModel(ProtocolModel):
    """What every endpoint has: a kind, a name, a label and the visit at which it is assessed."""

    kind: str
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    visit: str = Field(description="Visit at which the endpoint is assessed.")
    paramcd: str | None = Field(
        default=None, pattern=r"^[A-Z][A-Z0-9_]*$",
        description="PARAMCD in the ADaM datasets (at most 8 characters); default an "
                    "abbreviation of the name (t1dtrial.protocol.adam_names).")

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, v: str) -> str:
        if v in RESERVED_ENDPOINT_NAMES:
            raise ValueError(f"{v!r} is the name of the insulin-free episodes in ADEFF; "
                             "expected another name, e.g. insulin_free_time")
        return v

    @model_validator(mode="after")
    def _default_paramcd(self) -> "EndpointModel":
        """Without ``paramcd``, the name abbreviated (:func:`~t1dtrial.protocol.adam_names.abbreviate`)."""
        if self.paramcd is None and isinstance(self.name, str):
            object.__setattr__(self, "paramcd", abbreviate(self.name))
        return self


class Flags(NamedTuple):
    """Responder flags over a grid of subjects x visits (flat, subject-major).

    ``value`` 1.0 / 0.0 / NaN; ``avalc`` "Y", "N", "missing" or "excluded";
    ``adt`` the assessment date; ``reason`` why a flag is missing or excluded.
    """

    value: np.ndarray
    avalc: np.ndarray
    adt: np.ndarray
    reason: np.ndarray


def combine_flags(stack: np.ndarray, how: str) -> np.ndarray:
    """Three-valued combination of flags (rows) cell by cell.

    ``any``: 1 when one is 1, 0 when all are 0, else NaN; ``all``: 0 when one
    is 0, 1 when all are 1, else NaN.

    Examples
    --------
    >>> combine_flags(np.array([[1.0, np.nan], [np.nan, np.nan]]), "all").tolist()
    [nan, nan]
    """
    stack = np.atleast_2d(np.asarray(stack, dtype=float))
    if how == "any":
        return np.where((stack == 1).any(axis=0), 1.0,
                        np.where((stack == 0).all(axis=0), 0.0, np.nan))
    if how == "all":
        return np.where((stack == 0).any(axis=0), 0.0,
                        np.where((stack == 1).all(axis=0), 1.0, np.nan))
    raise ValueError(f"The 'how' parameter of combine_flags must be one of ['any', 'all']. "
                     f"Got {how!r} instead.")


def yes_no(value: np.ndarray) -> np.ndarray:
    """AVALC of flags: "Y", "N" or "missing".

    Examples
    --------
    >>> yes_no(np.array([1.0, 0.0, np.nan])).tolist()
    ['Y', 'N', 'missing']
    """
    return np.where(np.isnan(value), "missing", np.where(value == 1, "Y", "N")).astype(object)


def append_reason(reasons: np.ndarray, why: np.ndarray) -> np.ndarray:
    """Reasons joined with "; " where both are given."""
    out = np.where(reasons == "", why, reasons)
    both = (reasons != "") & (why != "")
    if both.any():
        out[both] = reasons[both] + "; " + why[both]
    return out


def later(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The later of two date arrays (NaT ignored)."""
    return np.where(np.isnat(a), b, np.where(np.isnat(b), a, np.maximum(a, b)))
