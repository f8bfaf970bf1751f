"""Provenance of an analysis: what produced these numbers, from what.

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> prov = build_provenance(load_protocol("lu2021"), load_log={"files": []}, seed=1)
>>> prov['protocol']['id'], prov['seed']
('lu2021', 1)
"""

from __future__ import annotations

import datetime as dt
import platform
from importlib import metadata
from typing import Any

from ..protocol import Protocol, protocol_hash

__all__ = ["build_provenance"]

_LIBRARIES = ("numpy", "pandas", "scipy", "statsmodels", "pandera", "duckdb", "matplotlib",
              "jinja2", "python-docx")


def build_provenance(protocol: Protocol, *, load_log: dict[str, Any], seed: int | None,
                     counts: dict[str, Any] | None = None, source: str | None = None,
                     data_cutoff: dt.date | None = None,
                     data_cut: Any = None) -> dict[str, Any]:
    """Assemble the provenance record written as ``provenance.json``.

    Parameters
    ----------
    protocol : Protocol
        The protocol analysed under (its id and SHA-256 are recorded).
    load_log : dict
        ``Trial.load_log.to_dict()``: input files with SHA-256, rows in/used,
        exclusions, conversions, warnings.
    seed : int or None
        Seed of every stochastic step (multiple imputation).
    counts : dict, optional
        Participants and records in, used and excluded by the analysis.
    source : str, optional
        The data folder analysed (a store's import is described by
        ``load_log["store"]``: file, import id, label, import time, as-of).
    data_cutoff : date, optional
        The clinical data cut-off asked for (``analyze --cutoff``), or None.
    data_cut : date-like, optional
        The date ongoing events were censored at (the cut-off, else the
        latest date in the data).

    The command line is added by the command-line interface (``command_line``).
    """
    from .. import __version__

    versions = {}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover
            versions[name] = None
    return {
        "package": "t1dtrial",
        "package_version": __version__,
        "python": platform.python_version(),
        "libraries": versions,
        "protocol": {"id": protocol.id, "sha256": protocol_hash(protocol),
                     "primary_visit": protocol.primary_visit,
                     "allocation": protocol.design.allocation,
                     "assumptions": [{"field": path, "assumption": " ".join(text.split())}
                                     for path, text in protocol.assumptions()]},
        "input": {"source": source, **load_log},
        "data_cutoff": None if data_cutoff is None else data_cutoff.isoformat(),
        "data_cut": None if data_cut is None or data_cut != data_cut else str(data_cut)[:10],
        "counts": counts or {},
        "seed": seed,
        "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
