"""Raw tables as read (text cells, contract column names) and the problem collector.

Every reader turns its input into :class:`RawData`: one :class:`RawTable` per
contract table whose cells are text (``NaN`` for blank) and which remembers,
for each row, the file and line it came from (``source_file``,
``source_row``) and, for each contract column, the column name the user sees
in that file (``USUBJID`` in an SDTM file, a REDCap field name...). The
validator reports problems in the user's terms from these.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np
import pandas as pd

from ..errors import Problem, group_problems
from .log import Exclusion, FileRecord

if TYPE_CHECKING:  # pragma: no cover
    from .identifiers import IdentifierFlag

__all__ = ["RawTable", "RawData", "Collector", "blank_to_na", "strip_cells", "tag_source",
           "SRC_PREFIX", "MISSING_MARKERS"]

#: Prefix of a per-row column holding the source column name of a contract column.
SRC_PREFIX = "_src:"


#: Cell texts that mean "no value" in exports: R's ``write.csv`` (NA), pandas (NaN, nan), SAS (.).
MISSING_MARKERS = ("NA", "NaN", "nan", ".")


def strip_cells(s: pd.Series, counts: dict[str, int] | None = None) -> pd.Series:
    """Strip a text column and turn blank cells and missing-value markers into NaN.

    Works on distinct values. Cells holding only one of :data:`MISSING_MARKERS`
    are missing; when ``counts`` is given, their number is added under the
    column's name.

    Examples
    --------
    >>> strip_cells(pd.Series([" a", "", None, "a ", "NA", "."])).tolist()
    ['a', nan, nan, 'a', nan, nan]
    """
    if s.dtype != object:
        return s
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    u = pd.Series(uniques, dtype=object)
    text = u.map(lambda v: v if isinstance(v, str) else str(v)) if len(u) else u
    stripped = text.str.strip()
    marker = stripped.isin(MISSING_MARKERS).to_numpy()
    if counts is not None and marker.any():
        n = int(np.isin(codes, np.flatnonzero(marker)).sum())
        counts[str(s.name)] = counts.get(str(s.name), 0) + n
    stripped = stripped.where(stripped.ne("") & ~marker, np.nan)
    table = np.append(stripped.to_numpy(dtype=object), np.nan)
    return pd.Series(table[codes], index=s.index, dtype=object, name=s.name)


def tag_source(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """``frame`` with a first column ``source_file`` (a column of that name in the input,
    a name reserved by the loader, is replaced)."""
    out = frame.drop(columns=["source_file"], errors="ignore")
    out.insert(0, "source_file", file)
    return out


def blank_to_na(frame: pd.DataFrame, counts: dict[str, int] | None = None) -> pd.DataFrame:
    """Strip text cells; blank ones and missing-value markers become NaN (a new frame).

    ``counts`` (optional) receives the number of markers read as missing per column.
    """
    return pd.DataFrame({c: strip_cells(frame[c], counts) for c in frame.columns},
                        index=frame.index, columns=frame.columns)


@dataclass
class RawTable:
    """One contract table as read.

    Parameters
    ----------
    name : str
        Contract table name.
    frame : DataFrame
        Text cells under contract column names (plus extra columns), with
        ``source_file`` and ``source_row``; optional per-row ``_src:<column>``.
    column_names : dict
        ``{file: {contract column: column name in that file}}``.
    present : bool
        False when the table's file is absent.
    usable : bool
        False when the rows cannot be checked (file missing, empty or unreadable;
        the reason is already among the reader's problems).
    """

    name: str
    frame: pd.DataFrame
    column_names: dict[str, dict[str, str]] = field(default_factory=dict)
    present: bool = True
    usable: bool = True

    def display_column(self, file: str, column: str) -> str:
        """Column name as the user sees it in ``file``."""
        return self.column_names.get(file, {}).get(column, column)


@dataclass
class RawData:
    """Everything a reader produced (``identifiers``: the columns
    :func:`t1dtrial.data.identifiers.screen_frame` flagged in the files read)."""

    format: str
    source: str
    tables: dict[str, RawTable] = field(default_factory=dict)
    files: list[FileRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    identifiers: list["IdentifierFlag"] = field(default_factory=list)
    exclusions: list[Exclusion] = field(default_factory=list)


#: Problem field -> contract column naming the record a problem concerns.
_RECORD_COLUMNS = {"subject": "subject_id", "visit": "visit", "param": "param"}


def _text(cell: Any) -> str | None:
    """A cell as text for naming a record (None when blank)."""
    if cell is None or (not isinstance(cell, str) and pd.isna(cell)):
        return None
    return str(cell) or None


class Collector:
    """Collects problems, at most ``cap`` rows per (file, column, problem kind).

    Beyond the cap one summary problem says how many more rows have the same
    problem, so that a wrong unit on every one of a million rows gives a
    readable message.
    """

    def __init__(self, cap: int = 100):
        self.cap = cap
        self.problems: list[Problem] = []
        self._counts: Counter = Counter()
        self._summary: dict[tuple, Problem] = {}

    def add(self, problem: Problem, kind: str | None = None) -> None:
        """Add one problem."""
        key = (problem.file, problem.column, kind or problem.problem, problem.severity)
        self._counts[key] += 1
        n = self._counts[key]
        if n <= self.cap:
            self.problems.append(problem)
        else:
            self._summary[key] = Problem(
                file=problem.file, row=None, column=problem.column, value=None,
                problem=f"... and {n - self.cap} more row(s) with the same problem",
                expected=problem.expected, severity=problem.severity, count=n - self.cap,
                kind=problem.kind)

    def rows(self, table: RawTable, frame: pd.DataFrame, mask: Any, column: str, problem: Any,
             expected: str = "", *, value: Any = None, severity: str = "error",
             kind: str | None = None) -> int:
        """Add one problem for each row of ``frame`` where ``mask`` is true.

        Parameters
        ----------
        table : RawTable
            Table the rows belong to (for source column names).
        frame : DataFrame
            Rows with ``source_file`` and ``source_row``.
        mask : boolean array-like
            Rows concerned.
        column : str
            Contract column concerned.
        problem : str or Series
            What is wrong (a Series gives a text per row).
        expected : str
            What would be right.
        value : Series, optional
            Values to show; default the column's cells.
        severity : {"error", "warning"}
        kind : str, optional
            What sort of problem it is: recorded on each problem (``Problem.kind``)
            and the key for the cap (default the problem text, or the column
            when ``problem`` varies per row).

        Returns
        -------
        int
            Number of rows concerned.
        """
        mask = np.asarray(mask, dtype=bool)
        n = int(mask.sum())
        if n == 0:
            return 0
        sel = frame.loc[mask]
        if value is None:
            value = sel[column] if column in sel.columns else pd.Series(None, index=sel.index)
        else:
            value = value[mask] if len(value) == len(frame) else value
        texts = problem[mask] if isinstance(problem, pd.Series) else None
        src = sel[SRC_PREFIX + column] if SRC_PREFIX + column in sel.columns else None
        named = kind
        kind = kind or (problem if isinstance(problem, str) else column)
        files = sel["source_file"].astype(str).to_numpy()
        rows = sel["source_row"].to_numpy()
        values = np.asarray(value, dtype=object)
        record = {key: sel[name].to_numpy(dtype=object) for key, name in _RECORD_COLUMNS.items()
                  if name in sel.columns and name != column}
        for f in pd.unique(files):
            idx = np.flatnonzero(files == f)
            key = (f, column, kind, severity)
            room = max(self.cap - self._counts[key], 0)
            for i in idx[:room]:
                shown = (src.iloc[i] if src is not None and isinstance(src.iloc[i], str)
                         else table.display_column(f, column))
                v = values[i]
                if v is not None and not isinstance(v, str) and pd.isna(v):
                    v = None
                self.add(Problem(file=f, row=int(rows[i]), column=shown, value=v,
                                 problem=str(texts.iloc[i]) if texts is not None else problem,
                                 expected=expected, severity=severity,  # type: ignore[arg-type]
                                 kind=named,
                                 **{key: _text(cells[i]) for key, cells in record.items()}),
                         kind=kind)
            rest = len(idx) - room
            if rest > 0:
                self._counts[key] += rest
                self._summary[key] = Problem(
                    file=f, row=None, column=table.display_column(f, column), value=None,
                    problem=f"... and {self._counts[key] - self.cap} more row(s) with the same "
                            "problem", expected=expected, severity=severity,  # type: ignore[arg-type]
                    count=self._counts[key] - self.cap, kind=named)
        return n

    def result(self) -> list[Problem]:
        """Problems in file then row order, summaries last within their file.

        Problems that differ only by row and parameter (the seven values of one
        participant's visit outside its window) are merged into one
        (:func:`~t1dtrial.errors.group_problems`).
        """
        def key(p: Problem, last: bool) -> tuple:
            return (p.file, 2 if last else (1 if p.row is not None else 0), p.row or 0)

        ordered = sorted([(key(p, False), i, p) for i, p in enumerate(self.problems)]
                         + [(key(p, True), -1, p) for p in self._summary.values()],
                         key=lambda t: (t[0], t[1]))
        return group_problems(p for _, _, p in ordered)

    @property
    def has_errors(self) -> bool:
        """Whether any error (not warning) was collected."""
        return any(p.severity == "error" for p in self.problems)

    def extend(self, problems: Iterable[Problem]) -> None:
        """Add problems found elsewhere (readers)."""
        for p in problems:
            self.add(p)
