"""Readers of a data folder: contract CSV files, an Excel workbook, format detection.

Each reader returns :class:`~t1dtrial.data._raw.RawData` (text cells under
contract column names with file and line of every row); validation and unit
conversion happen afterwards, the same for every format.

Formats (``format=``):

``csv``
    One CSV file a table, named ``<table>.csv`` (``subjects.csv``,
    ``measurements.csv``, ``infusions.csv``, ``adverse_events.csv``, optional
    ``insulin_free.csv``); file names and column names match case-insensitively.
``xlsx``
    One Excel workbook (``.xlsx``) whose sheets are named like the tables;
    ``DATA`` is the workbook or a folder holding exactly one. Dates typed as
    Excel dates are read as ISO dates.
``sdtm``
    CDISC SDTM domains DM, LB, EX, AE (optional VS, CM, SUPPDM) as ``.xpt`` or
    ``.csv`` (see :mod:`t1dtrial.data.sdtm`).
``redcap``
    A REDCap longitudinal export and a mapping file ``redcap_mapping.yaml``
    (see :mod:`t1dtrial.data.redcap`).
``auto``
    Chosen by :func:`detect_format`.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "subjects.csv").write_text("subject_id,arm\\nS01,MSC\\n")
>>> detect_format(folder)
'csv'
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._validation import invalid_parameter
from ..errors import InputError, Problem
from ._raw import RawData, RawTable, blank_to_na, tag_source
from ._text import TextTable, read_text_table, sha256_bytes
from .contract import TABLES
from .identifiers import screen_frame
from .log import FileRecord

if TYPE_CHECKING:
    from ..protocol import Protocol

__all__ = ["FORMATS", "detect_format", "read_raw", "read_csv_folder", "read_xlsx",
           "contract_frame", "cell_text"]

FORMATS = ("auto", "csv", "xlsx", "sdtm", "redcap")
_XLSX = (".xlsx", ".xlsm")


def _names(folder: Path) -> dict[str, Path]:
    return {p.name.lower(): p for p in sorted(folder.iterdir()) if p.is_file()}


def detect_format(path: str | Path) -> str:
    """Which reader suits ``path``: ``csv``, ``xlsx``, ``sdtm`` or ``redcap``.

    Rules, in order: a workbook file -> ``xlsx``; a folder with any contract
    CSV (``subjects.csv``...) -> ``csv``; a folder with one ``.xlsx`` ->
    ``xlsx``; a folder with ``dm.xpt`` or ``dm.csv`` -> ``sdtm``; a folder
    with ``redcap_mapping.yaml`` (or ``.yml``) -> ``redcap``.

    Raises
    ------
    InputError
        If the path does not exist or holds none of these.
    """
    p = Path(path)
    if not p.exists():
        raise InputError([Problem(file=p.name or str(p), row=None, column=None, value=str(p),
                                  problem="no such file or folder",
                                  expected="a data folder (CSV files, one Excel workbook, SDTM "
                                           "domains or a REDCap export)")])
    if p.is_file():
        if p.suffix.lower() in _XLSX:
            return "xlsx"
        raise InputError([Problem(file=p.name, row=None, column=None, value=str(p),
                                  problem="a single file is not a data folder",
                                  expected="the folder holding subjects.csv, measurements.csv... "
                                           "or an Excel workbook (.xlsx)")])
    names = _names(p)
    if any(f"{t}.csv" in names for t in TABLES):
        return "csv"
    books = [n for n in names if n.endswith(_XLSX) and not n.startswith("~$")]
    if len(books) == 1:
        return "xlsx"
    if "dm.xpt" in names or "dm.csv" in names:
        return "sdtm"
    if "redcap_mapping.yaml" in names or "redcap_mapping.yml" in names:
        return "redcap"
    found = ", ".join(sorted(names)) or "nothing"
    raise InputError([Problem(file=p.name, row=None, column=None, value=None,
                              problem=f"no data found in the folder (it holds {found})",
                              expected="subjects.csv, measurements.csv, infusions.csv, "
                                       "adverse_events.csv; or one Excel workbook; or SDTM "
                                       "dm.xpt, lb.xpt, ex.xpt, ae.xpt; or a REDCap export "
                                       "with redcap_mapping.yaml")])


def read_raw(path: str | Path, *, format: str = "auto",
             protocol: "Protocol | None" = None) -> RawData:
    """Read a data folder in any supported format into raw text tables.

    Parameters
    ----------
    path : str or Path
        The data folder (or an Excel workbook).
    format : {"auto", "csv", "xlsx", "sdtm", "redcap"}
        Input format; ``auto`` uses :func:`detect_format`.
    protocol : Protocol, optional
        Needed for SDTM domains, whose timed C-peptide samples are read by the
        protocol's meal test (:func:`t1dtrial.data.sdtm.read_sdtm`).

    Returns
    -------
    RawData

    Raises
    ------
    InputError
        If the path is missing or ``format`` is unknown.
    TypeError
        If the folder holds SDTM domains and no protocol is given.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "subjects.csv").write_text("subject_id,arm\\nS01,MSC\\n")
    >>> read_raw(folder).tables["subjects"].frame["subject_id"].tolist()
    ['S01']
    """
    if format not in FORMATS:
        raise InputError([Problem(file="--format", row=None, column=None, value=format,
                                  problem="unknown input format",
                                  expected=f"one of {', '.join(FORMATS)}")])
    chosen = detect_format(path) if format == "auto" else format
    p = Path(path)
    if not p.exists():
        detect_format(p)  # raises the located error
    if chosen == "csv":
        return read_csv_folder(p)
    if chosen == "xlsx":
        return read_xlsx(p)
    if chosen == "sdtm":
        from .sdtm import read_sdtm

        if protocol is None:
            raise invalid_parameter("read_raw", "protocol", "a Protocol for SDTM domains (its "
                                    "meal test says which C-peptide minute is postprandial)", None)
        return read_sdtm(p, protocol)
    from .redcap import read_redcap

    return read_redcap(p)


def contract_frame(table: str, text: TextTable, file: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename header names to contract names (case and spaces ignored) and tag the source.

    Returns the frame and ``{contract column: header}``.
    """
    spec = TABLES[table]
    assert text.frame is not None
    frame = text.frame
    rename: dict[str, str] = {}
    names: dict[str, str] = {}
    present = set(frame.columns)
    for col in frame.columns:
        if col == "source_row" or col in spec.columns:
            continue
        key = "_".join(str(col).strip().lower().replace("-", " ").split())
        if key in spec.columns and key not in present and key not in rename.values():
            rename[col] = key
            names[key] = col
    out = frame.rename(columns=rename)
    out = tag_source(out, file)
    return out, names


def _empty_table(name: str, *, present: bool = False, usable: bool | None = None) -> RawTable:
    """An empty table: an absent file (usable if the table is optional) or an unreadable one."""
    cols = ["source_file", "source_row", *TABLES[name].columns]
    if usable is None:
        usable = TABLES[name].optional_table and not present
    return RawTable(name=name, frame=pd.DataFrame({c: pd.Series(dtype=object) for c in cols}),
                    present=present, usable=usable)


def read_csv_folder(folder: str | Path) -> RawData:
    """Read the contract CSV files of a folder (see the module docstring)."""
    folder = Path(folder)
    raw = RawData(format="csv", source=str(folder))
    names = _names(folder)
    for name, spec in TABLES.items():
        path = names.get(spec.file_name)
        if path is None:
            raw.tables[name] = _empty_table(name)
            if not spec.optional_table:
                raw.problems.append(Problem(
                    file=spec.file_name, row=None, column=None, value=None,
                    problem="the file is missing",
                    expected=f"{spec.file_name} in {folder.name or folder} with columns "
                             f"{', '.join(spec.required)}"))
            continue
        data = path.read_bytes()
        text = read_text_table(data, path.name)
        _add_text_table(raw, name, text, path.name)
    return raw


def _add_text_table(raw: RawData, name: str, text: TextTable, file: str) -> None:
    raw.problems.extend(text.problems)
    raw.files.append(FileRecord(name=file, table=name, sha256=text.sha256, rows_in=text.rows_in,
                                encoding=text.encoding, read_as_missing=text.read_as_missing,
                                decimal_commas=text.decimal_commas))
    if text.frame is None:
        raw.tables[name] = _empty_table(name, present=True, usable=False)
        return
    raw.identifiers.extend(screen_frame(text.frame, file))
    frame, names = contract_frame(name, text, file)
    raw.tables[name] = RawTable(name=name, frame=frame, column_names={file: names})


# -- Excel -------------------------------------------------------------------------------------

def cell_text(value: Any) -> Any:
    """Text of a spreadsheet or SAS cell: ISO dates, integers without ``.0``, NaN for blank.

    Examples
    --------
    >>> import datetime as dt
    >>> cell_text(dt.datetime(2020, 3, 1)), cell_text(3.0), cell_text(0.25), cell_text(None)
    ('2020-03-01', '3', '0.25', nan)
    """
    if value is None:
        return np.nan
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if math.isnan(value):
            return np.nan
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return text if text.strip() else np.nan


def read_xlsx(path: str | Path) -> RawData:
    """Read the tables from the sheets of one Excel workbook (sheet name = table name)."""
    path = Path(path)
    if path.is_dir():
        books = [p for p in sorted(path.iterdir())
                 if p.suffix.lower() in _XLSX and not p.name.startswith("~$")]
        if len(books) != 1:
            raise InputError([Problem(
                file=path.name, row=None, column=None, value=None,
                problem=f"expected one Excel workbook in the folder, found {len(books)}",
                expected="exactly one .xlsx file whose sheets are subjects, measurements, "
                         "infusions, adverse_events (and optionally insulin_free)")])
        path = books[0]
    raw = RawData(format="xlsx", source=str(path))
    data = path.read_bytes()
    digest = sha256_bytes(data)
    try:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError([Problem(file=path.name, row=None, column=None, value=None,
                                  problem=f"not a readable Excel workbook ({type(exc).__name__})",
                                  expected="an .xlsx workbook saved by Excel or LibreOffice")]
                         ) from None
    try:
        sheets = {ws.title.strip().lower(): ws for ws in wb.worksheets}
        for name, spec in TABLES.items():
            file = f"{path.name}[{name}]"
            ws = sheets.get(name)
            if ws is None:
                raw.tables[name] = _empty_table(name)
                if not spec.optional_table:
                    raw.problems.append(Problem(
                        file=path.name, row=None, column=None, value=None,
                        problem=f"the sheet {name!r} is missing",
                        expected=f"a sheet named {name} with columns {', '.join(spec.required)} "
                                 f"(sheets found: {', '.join(ws.title for ws in wb.worksheets)})"))
                continue
            text = _sheet_table(ws, file)
            text.sha256 = digest
            text.encoding = "binary"
            _add_text_table(raw, name, text, file)
    finally:
        wb.close()
    return raw


def _sheet_table(ws: Any, file: str) -> TextTable:
    rows = [tuple(r) for r in ws.iter_rows(min_row=1, values_only=True)]
    out = TextTable()
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    if not rows or all(v is None for v in rows[0]):
        out.empty = True
        out.problems.append(Problem(file=file, row=None, column=None, value=None,
                                    problem="the sheet is empty" if not rows else
                                    "the first row of the sheet is blank",
                                    expected="the column names in row 1, then one row per record"))
        return out
    width = max(len(r) for r in rows)
    header = []
    for j in range(width):
        v = rows[0][j] if j < len(rows[0]) else None
        header.append(str(cell_text(v)).strip() if v is not None else f"unnamed_{j + 1}")
    seen: set[str] = set()
    for h in header:
        if h in seen:
            out.problems.append(Problem(file=file, row=1, column=h, value=h,
                                        problem="the column name appears twice",
                                        expected="each column name once"))
        seen.add(h)
    if out.problems:
        return out
    body = [tuple(cell_text(v) for v in r) + (np.nan,) * (width - len(r)) for r in rows[1:]]
    cells = pd.DataFrame(body, columns=header, dtype=object)
    keep = cells.notna().any(axis=1).to_numpy()  # rows of blank cells are not records
    counts: dict[str, int] = {}
    frame = blank_to_na(cells.loc[keep], counts)
    out.read_as_missing = sum(counts.values())
    frame["source_row"] = np.arange(2, len(body) + 2)[keep]
    frame = frame.reset_index(drop=True)
    out.header = header
    out.frame = frame
    out.rows_in = len(frame)
    return out
