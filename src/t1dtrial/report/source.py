"""What a report is built from: the results of an analysis, its protocol, and how arms are named.

A :class:`ReportSource` is read from a fresh analysis or from a results
folder (``t1dtrial report RESULTS_DIR``), so a report re-renders without
re-analysing. The protocol travels with the results (``protocol.json``, the
canonical form whose hash provenance records).

Arms are named once, here: by the protocol's label in a closed report, by a
code (``Treatment A``, ``Treatment B``, ...) in an open (``blind``) report.
The codes follow a hash of protocol and arm, not the protocol's order, so
that the control arm is not always the last letter.

Examples
--------
>>> from t1dtrial.analysis import Results
>>> from t1dtrial.protocol import load_protocol
>>> src = ReportSource(Results(tables={}), load_protocol("lu2021"))
>>> src.arm_name("MSC")
'UC-MSC + standard care'
>>> blind = ReportSource(Results(tables={}), load_protocol("lu2021"), blind=True)
>>> sorted(blind.arm_name(a) for a in blind.arms)
['Treatment A', 'Treatment B']
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis import Results
    from ..protocol import Protocol

__all__ = ["ReportSource", "PROTOCOL_FILE"]

#: Usual names of the standard populations (when a protocol does not name them).
_POPULATIONS = {"ENRL": "Enrolled", "FAS": "Full analysis set", "SAF": "Safety set",
                "PP": "Per-protocol set", "ITT": "Intention-to-treat set"}

#: The protocol of an analysis, written beside its tables (canonical JSON).
PROTOCOL_FILE = "protocol.json"


@dataclass
class ReportSource:
    """An analysis' results with the protocol they were made under.

    Parameters
    ----------
    results : Results
        Tables, ADaM datasets, provenance, notes and the planned analyses' results.
    protocol : Protocol
    blind : bool
        An open report for a committee: arms coded, no arm-level efficacy p-values.
    """

    results: "Results"
    protocol: "Protocol"
    blind: bool = False
    _codes: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def from_folder(cls, folder: str | Path, *, blind: bool = False) -> "ReportSource":
        """Read a results folder written by ``t1dtrial analyze`` (or ``demo``).

        Raises
        ------
        InputError
            When the folder holds no t1dtrial analysis, or its protocol.
        """
        from ..analysis import Results
        from ..errors import InputError, Problem
        from ..outputs import read_marker
        from ..protocol import Protocol

        folder = Path(folder)
        marker = read_marker(folder)
        if marker is None or marker.get("kind") != "analysis":
            raise InputError([Problem(
                file=str(folder), row=None, column=None, value=None,
                problem="is not a t1dtrial analysis output (no marker of one)",
                expected="the --out folder of t1dtrial analyze or t1dtrial demo")])
        path = folder / PROTOCOL_FILE
        if not path.exists():
            raise InputError([Problem(
                file=str(path), row=None, column=None, value=None,
                problem="the results folder holds no protocol (written by an older version)",
                expected="results of this version: run t1dtrial analyze again")])
        protocol = Protocol.model_validate(json.loads(path.read_text(encoding="utf-8")))
        return cls(Results.from_folder(folder), protocol, blind=blind)

    # ---- arms ---------------------------------------------------------------------------
    @cached_property
    def arms(self) -> list[str]:
        """Arm codes in protocol order (a blinded report orders them by their code letter)."""
        codes = [a.code for a in self.protocol.arms]
        return sorted(codes, key=self.arm_name) if self.blind else codes

    @cached_property
    def _blind_codes(self) -> dict[str, str]:
        codes = [a.code for a in self.protocol.arms]
        key = {c: hashlib.sha256(f"{self.protocol.id}:{c}".encode()).hexdigest() for c in codes}
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        return {c: f"Treatment {letters[i]}" for i, c in enumerate(sorted(codes, key=key.get))}

    def arm_name(self, code: str) -> str:
        """How a reader sees an arm: its label, or its code letter in a blinded report."""
        if self.blind:
            return self._blind_codes.get(code, "Treatment ?")
        for arm in self.protocol.arms:
            if arm.code == code:
                return arm.label
        return str(code)

    def arm_short(self, code: str) -> str:
        """A short arm name for column headers and legends (the code, or its letter)."""
        return self.arm_name(code) if self.blind else str(code)

    def comparison_name(self, text: str) -> str:
        """``MSC vs CONTROL`` with each arm as the reader sees it."""
        parts = [p.strip() for p in str(text).split(" vs ")]
        return " vs ".join(self.arm_short(p) if p in self._all_codes else p for p in parts)

    @cached_property
    def _all_codes(self) -> set[str]:
        return {a.code for a in self.protocol.arms}

    # ---- the study --------------------------------------------------------------------
    @property
    def provenance(self) -> dict[str, Any]:
        return self.results.provenance

    @property
    def synthetic(self) -> bool:
        """Whether the data were simulated (the report carries a SYNTHETIC banner)."""
        prov = self.provenance
        return bool(prov.get("synthetic") or (prov.get("input") or {}).get("synthetic"))

    @property
    def cutoff(self) -> str:
        """The data cut-off as a date: the one asked for, else the last date in the data."""
        return str(self.provenance.get("data_cutoff") or self.provenance.get("data_cut") or "")

    @property
    def randomised(self) -> bool:
        return self.protocol.design.allocation == "randomised" if hasattr(
            self.protocol.design, "allocation") else True

    def population_name(self, code: str) -> str:
        """A population in words (``Full analysis set``): the protocol's label, else the usual one.

        Examples
        --------
        >>> from t1dtrial.analysis import Results
        >>> from t1dtrial.protocol import load_protocol
        >>> ReportSource(Results(tables={}), load_protocol("dosefinding")).population_name("SAF")
        'Safety set'
        """
        from ..protocol.populations import protocol_populations

        for pop in protocol_populations(self.protocol):
            if pop.code == code and getattr(pop, "label", None):
                return pop.label
        return _POPULATIONS.get(code, code)
