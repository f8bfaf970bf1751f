"""The load log: what was read, converted, excluded and warned about.

A :class:`LoadLog` travels with every :class:`~t1dtrial.data.Trial` so that
each row read is either used or reported as excluded with a reason, and every
unit conversion can be traced. ``to_dict()`` feeds provenance and the study
store; ``from_dict()`` reads it back.

Examples
--------
>>> log = LoadLog(format="csv", conversions={"FCP: pmol/L -> nmol/L": 12})
>>> LoadLog.from_dict(log.to_dict()) == log
True
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import Problem

__all__ = ["FileRecord", "Exclusion", "LoadLog"]


@dataclass(frozen=True)
class FileRecord:
    """One file (or workbook sheet) read for one table.

    Parameters
    ----------
    name : str
        File name as the user knows it (``measurements.csv``, ``trial.xlsx[subjects]``).
    table : str
        Contract table it feeds (``subjects``, ``measurements``...).
    sha256 : str
        SHA-256 of the file's bytes.
    rows_in : int
        Data rows read for that table (blank lines not counted).
    encoding : str
        Text encoding the file was read with (``utf-8``, ``latin-1``, ``binary``).
    read_as_missing : int
        Cells holding a missing-value marker (``NA``, ``NaN``, ``.``), read as missing.
    decimal_commas : int
        Numbers written with a decimal comma (semicolon-separated files), read as decimals.
    """

    name: str
    table: str
    sha256: str
    rows_in: int
    encoding: str = "utf-8"
    read_as_missing: int = 0
    decimal_commas: int = 0


_ROW_REFERENCE = re.compile(r"\s*\(?\b(?:on|at|in) rows? [\d, -]+\)?")


@dataclass(frozen=True)
class Exclusion:
    """A row read but not used, and why (``subject`` names the participant when known)."""

    file: str
    row: int | None
    reason: str
    table: str = ""
    subject: str | None = None

    @property
    def category(self) -> str:
        """The reason without references to other rows, for counting alike exclusions.

        Examples
        --------
        >>> Exclusion("m.csv", 9, "the same value is already recorded on row 7").category
        'the same value is already recorded'
        """
        return _ROW_REFERENCE.sub("", self.reason).strip()

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        if self.subject:
            where += f" (participant {self.subject})"
        return f"{where}: {self.reason}"


@dataclass
class LoadLog:
    """What happened while loading a trial.

    Parameters
    ----------
    source : str
        Path the data came from.
    format : str
        ``csv``, ``xlsx``, ``sdtm``, ``redcap``, ``tables`` (in memory) or ``store``.
    files : list of FileRecord
        Files read, with SHA-256 and rows read.
    rows_in : dict
        Rows read per table.
    rows_used : dict
        Rows in the trial's tables per table.
    exclusions : list of Exclusion
        Rows read and not used (exact duplicates, values not recorded).
    conversions : dict
        Unit conversions, ``"FCP: pmol/L -> nmol/L": n``.
    below_lod : dict
        Values below the detection limit per parameter (``"FCP": n``).
    warnings : list of Problem
        Warnings (severity ``"warning"``): out-of-window values, missing
        baselines, latin-1 files, identifier columns dropped...
    identifiers_dropped : list of dict
        ``{"file", "column", "why", "row", "cells"}`` for each identifier column
        removed (``drop_identifiers``); ``why`` never quotes a cell.
    identifiers_allowed : list of dict
        The same for each flagged column kept because the user released it
        (``allow_columns``, ``--allow-column``).
    store : dict
        When the trial was read from a study store: ``path``, ``import_id``,
        ``label``, ``imported_at`` and the ``as_of`` date asked for (empty otherwise).
    synthetic : bool
        The data were simulated (the folder's ``simulation.json`` says so):
        every report of them carries a SYNTHETIC banner.
    """

    source: str = ""
    format: str = ""
    files: list[FileRecord] = field(default_factory=list)
    rows_in: dict[str, int] = field(default_factory=dict)
    rows_used: dict[str, int] = field(default_factory=dict)
    exclusions: list[Exclusion] = field(default_factory=list)
    conversions: dict[str, int] = field(default_factory=dict)
    below_lod: dict[str, int] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    identifiers_dropped: list[dict[str, Any]] = field(default_factory=list)
    identifiers_allowed: list[dict[str, Any]] = field(default_factory=list)
    store: dict[str, Any] = field(default_factory=dict)
    synthetic: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The log as plain JSON-ready data (lists, dicts, strings, numbers).

        Examples
        --------
        >>> sorted(LoadLog().to_dict())[:3]
        ['below_lod', 'conversions', 'exclusions']
        """
        return {
            "source": self.source,
            "format": self.format,
            "files": [asdict(f) for f in self.files],
            "rows_in": dict(self.rows_in),
            "rows_used": dict(self.rows_used),
            "exclusions": [asdict(e) for e in self.exclusions],
            "conversions": dict(self.conversions),
            "below_lod": dict(self.below_lod),
            "warnings": [p.as_dict() for p in self.warnings],
            "identifiers_dropped": [dict(d) for d in self.identifiers_dropped],
            "store": dict(self.store),
            "identifiers_allowed": [dict(d) for d in self.identifiers_allowed],
            "synthetic": bool(self.synthetic),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LoadLog":
        """Rebuild a log from :meth:`to_dict` output (unknown keys are ignored).

        Examples
        --------
        >>> LoadLog.from_dict({"format": "csv"}).format
        'csv'
        """
        warnings = []
        for w in data.get("warnings", []):
            w = dict(w)
            warnings.append(Problem(file=w.get("file") or "", row=w.get("row"),
                                    column=w.get("column"), value=w.get("value"),
                                    problem=w.get("problem", ""), expected=w.get("expected") or "",
                                    severity=w.get("severity", "warning"),
                                    subject=w.get("subject"), visit=w.get("visit"),
                                    param=w.get("param"), rows=tuple(w.get("rows") or ()),
                                    count=int(w.get("count") or 1), kind=w.get("kind")))
        return cls(
            source=data.get("source", ""),
            format=data.get("format", ""),
            files=[FileRecord(**f) for f in data.get("files", [])],
            rows_in={k: int(v) for k, v in data.get("rows_in", {}).items()},
            rows_used={k: int(v) for k, v in data.get("rows_used", {}).items()},
            exclusions=[Exclusion(**e) for e in data.get("exclusions", [])],
            conversions={k: int(v) for k, v in data.get("conversions", {}).items()},
            below_lod={k: int(v) for k, v in data.get("below_lod", {}).items()},
            warnings=warnings,
            identifiers_dropped=[dict(d) for d in data.get("identifiers_dropped", [])],
            store=dict(data.get("store", {})),
            identifiers_allowed=[dict(d) for d in data.get("identifiers_allowed", [])],
            synthetic=bool(data.get("synthetic", False)),
        )

    def table_counts(self) -> list[dict[str, Any]]:
        """Rows read, used and excluded per table, as records.

        Examples
        --------
        >>> LoadLog(rows_in={"subjects": 3}, rows_used={"subjects": 3}).table_counts()
        [{'table': 'subjects', 'rows_in': 3, 'rows_used': 3, 'excluded': 0}]
        """
        excluded: dict[str, int] = {}
        for e in self.exclusions:
            excluded[e.table] = excluded.get(e.table, 0) + 1
        names = list(dict.fromkeys([*self.rows_in, *self.rows_used]))
        return [{"table": t, "rows_in": self.rows_in.get(t, 0), "rows_used": self.rows_used.get(t, 0),
                 "excluded": excluded.get(t, 0)} for t in names]

    def describe(self, *, max_lines: int = 20) -> str:
        """A short plain-text summary: rows per table, conversions, warnings, exclusions.

        Parameters
        ----------
        max_lines : int
            Warnings and exclusions listed at most (the rest are counted).

        Examples
        --------
        >>> print(LoadLog(rows_in={"subjects": 2}, rows_used={"subjects": 2}).describe())
        table             rows read   used  excluded
        subjects                  2      2         0
        """
        lines = [f"{'table':<16}{'rows read':>11}{'used':>7}{'excluded':>10}"]
        for c in self.table_counts():
            lines.append(f"{c['table']:<16}{c['rows_in']:>11}{c['rows_used']:>7}{c['excluded']:>10}")
        if self.files:
            shown = dict.fromkeys(f"{f.name} ({f.encoding}, sha256 {f.sha256[:12]})" if f.sha256
                                  else f.name for f in self.files)
            lines.append("files: " + ", ".join(shown))
        marked = {f.name: f.read_as_missing for f in self.files if f.read_as_missing}
        if marked:
            lines.append("cells read as missing (NA, NaN or .): "
                         + ", ".join(f"{name} {n}" for name, n in marked.items()))
        if self.conversions:
            lines.append("unit conversions:")
            lines += [f"  {k}: {v}" for k, v in self.conversions.items()]
        if self.below_lod:
            lines.append("below the detection limit: "
                         + ", ".join(f"{k} {v}" for k, v in self.below_lod.items()))
        if self.identifiers_dropped:
            lines.append("identifier columns dropped: "
                         + ", ".join(f"{d['file']}:{d['column']}" for d in self.identifiers_dropped))
        if self.identifiers_allowed:
            lines.append("flagged columns kept (--allow-column): " + ", ".join(
                f"{d['file']}:{d['column']} ({d.get('why', '')})" for d in self.identifiers_allowed))
        for title, items in (("warnings", [str(w) for w in self.warnings]),
                             ("excluded rows", [str(e) for e in self.exclusions])):
            if items:
                lines.append(f"{title} ({len(items)}):")
                lines += [f"  {text}" for text in items[:max_lines]]
                if len(items) > max_lines:
                    lines.append(f"  ... and {len(items) - max_lines} more")
        return "\n".join(lines)
