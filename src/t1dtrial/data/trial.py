"""The :class:`Trial` container, loading a data folder, and writing one.

A :class:`Trial` holds a protocol and the validated tables of one trial in
canonical units (docs/internals.md gives every column and dtype) together
with its :class:`~t1dtrial.data.log.LoadLog`. It is what the derivations and
analyses take.

Examples
--------
>>> import tempfile, pathlib
>>> import pandas as pd
>>> from t1dtrial.protocol import load_protocol
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> tables = {
...     "subjects": pd.DataFrame({"subject_id": ["S01"], "arm": ["CONTROL"], "sex": ["F"],
...         "age_at_onset": [21], "diagnosis_date": ["2019-11-02"],
...         "enrolment_date": ["2020-01-06"], "weight_kg": [61.5]}),
...     "measurements": pd.DataFrame({"subject_id": ["S01", "S01"], "visit": ["BL", "M12"],
...         "date": ["2020-01-06", "2021-01-05"], "param": ["FCP", "FCP"],
...         "value": ["310", "0.29"], "unit": ["pmol/L", "nmol/L"]}),
...     "infusions": pd.DataFrame(columns=["subject_id", "infusion_number", "date"]),
...     "adverse_events": pd.DataFrame(columns=["subject_id", "term", "onset_date", "severity",
...                                             "serious", "related"]),
... }
>>> _ = write_folder(tables, folder)
>>> trial = load_folder(folder, load_protocol("lu2021"))
>>> trial.measurements["value"].tolist()
[0.31, 0.29]
>>> trial.load_log.conversions
{'FCP: pmol/L -> nmol/L': 1}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Iterable, Mapping

import numpy as np
import pandas as pd

from .._validation import invalid_parameter
from ..errors import InputError, Problem
from ..protocol import Protocol, load_protocol
from ._raw import Collector, RawData, RawTable, blank_to_na, tag_source
from .contract import TABLE_NAMES, TABLES
from .identifiers import screen_frame
from .log import FileRecord, LoadLog
from .readers import read_raw
from .schemas import schema_problems
from .validate import DERIVED_COLUMNS, MEASUREMENT_COLUMNS, _dtypes, validate_raw

__all__ = ["Trial", "load_folder", "load_tables", "write_folder", "TABLE_NAMES"]


@dataclass(frozen=True, eq=False)
class Trial:
    """A validated trial: protocol, tables in canonical units, load log.

    Build one with :meth:`from_folder` (= :func:`load_folder`) or
    :meth:`from_tables`; a data cut of a study store is read by
    :func:`t1dtrial.store.read_trial`. The tables are described in
    docs/internals.md. Treat the tables as read-only (copy before changing).

    Examples
    --------
    >>> Trial.TABLE_NAMES
    ('subjects', 'measurements', 'infusions', 'adverse_events', 'insulin_free')
    """

    protocol: Protocol
    subjects: pd.DataFrame
    measurements: pd.DataFrame
    infusions: pd.DataFrame
    adverse_events: pd.DataFrame
    insulin_free: pd.DataFrame
    load_log: LoadLog = field(default_factory=LoadLog)

    TABLE_NAMES: ClassVar[tuple[str, ...]] = TABLE_NAMES

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The five tables by name."""
        return {name: getattr(self, name) for name in TABLE_NAMES}

    def __repr__(self) -> str:
        counts = ", ".join(f"{name} {len(df)}" for name, df in self.tables.items())
        return f"Trial(protocol={self.protocol.id!r}; {counts})"

    @classmethod
    def from_folder(cls, path: str | Path, protocol: "Protocol | str | Path", *,
                    format: str = "auto", drop_identifiers: bool = False,
                    allow_columns: Iterable[str] = ()) -> "Trial":
        """Read and validate a data folder (same as :func:`load_folder`)."""
        return load_folder(path, protocol, format=format, drop_identifiers=drop_identifiers,
                           allow_columns=allow_columns)

    @classmethod
    def from_tables(cls, tables: Mapping[str, pd.DataFrame], protocol: "Protocol | str | Path",
                    load_log: LoadLog | None = None) -> "Trial":
        """Build a trial from tables already validated and in canonical units.

        For tables that come from :attr:`tables` of another trial or from the
        study store. Missing optional columns are added (empty), loader
        columns get defaults (``below_lod``/``out_of_window``/
        ``missing_baseline`` False, ``source_row`` the position + 2), dtypes
        are set, and codes are checked against the protocol; values are not
        converted again. Raw contract tables go through :func:`load_tables`.

        Parameters
        ----------
        tables : mapping of str to DataFrame
            ``subjects``, ``measurements``, ``infusions``, ``adverse_events``,
            optional ``insulin_free``.
        protocol : Protocol, or a packaged name or YAML path
        load_log : LoadLog, optional

        Raises
        ------
        InputError
            If a table or required column is missing, or a code is not in the protocol.
        """
        protocol = load_protocol(protocol)
        problems: list[Problem] = []
        out: dict[str, pd.DataFrame] = {}
        col = Collector()
        for name in TABLE_NAMES:
            frame = tables.get(name)
            spec = TABLES[name]
            if frame is None:
                if not spec.optional_table:
                    problems.append(Problem(file=name, row=None, column=None, value=None,
                                            problem="table missing",
                                            expected=f"a {name} table with {', '.join(spec.required)}"))
                    continue
                frame = pd.DataFrame(columns=list(spec.columns))
            missing = [c for c in spec.required if c not in frame.columns]
            problems += [Problem(file=name, row=None, column=c, value=None,
                                 problem="required column missing", expected=f"a column named {c}")
                         for c in missing]
            if missing:
                continue
            out[name] = _canonical_frame(name, frame, col, protocol)
        problems += [p for p in col.result() if p.severity == "error"]
        if problems:
            raise InputError(problems)
        log = load_log if load_log is not None else LoadLog(format="tables")
        return cls(protocol=protocol, load_log=log, **out)


def _canonical_frame(name: str, frame: pd.DataFrame, col: Collector,
                     protocol: Protocol) -> pd.DataFrame:
    frame = frame.reset_index(drop=True).copy()
    n = len(frame)
    defaults: dict[str, Any] = {"source_row": np.arange(2, n + 2), "below_lod": False,
                                "out_of_window": False, "missing_baseline": False,
                                "source_file": TABLES[name].file_name}
    if name == "measurements":
        defaults["value_raw"] = frame["value"].astype(str).where(frame["value"].notna(), np.nan)
        defaults["unit_raw"] = frame["unit"]
        order = list(MEASUREMENT_COLUMNS)
    else:
        order = [*TABLES[name].columns, *DERIVED_COLUMNS[name]]
    for c in order:
        if c not in frame.columns:
            frame[c] = defaults.get(c, np.nan)
    extras = [c for c in frame.columns if c not in order]
    frame = _dtypes(name, frame[order + extras])
    # codes against the protocol (pandera schema of the Trial table)
    view = frame.copy()
    view["source_file"] = f"{name} table"
    raw = RawTable(name=name, frame=view.astype({c: object for c in view.columns
                                                 if c not in ("source_row",)}))
    typed = frame.copy()
    if "infusion_number" in typed:
        typed["infusion_number"] = typed["infusion_number"].astype(float)
    schema_problems(typed, raw, protocol, col)
    return frame


def load_folder(path: str | Path, protocol: "Protocol | str | Path", *, format: str = "auto",
                drop_identifiers: bool = False, allow_columns: Iterable[str] = ()) -> Trial:
    """Read a data folder, validate it and convert every value to canonical units.

    Parameters
    ----------
    path : str or Path
        Data folder: contract CSV files, one Excel workbook (or its path), SDTM
        domains or a REDCap export with its mapping file.
    protocol : Protocol, or a packaged name or YAML path
        The study protocol (arms, visits and windows, analysis options).
    format : {"auto", "csv", "xlsx", "sdtm", "redcap"}
        Input format; ``auto`` detects it (:func:`t1dtrial.data.readers.detect_format`).
    drop_identifiers : bool
        Remove direct identifier columns (a name, a birth date, a phone number
        or an e-mail address in its name or its cells: see
        :mod:`t1dtrial.data.identifiers`) and log it, instead of refusing the data.
    allow_columns : iterable of str
        Names of flagged columns that identify no one (false positives), kept
        as ordinary columns and recorded in the load log's ``identifiers_allowed``.
        A name that matches no flagged column is an error.

    Returns
    -------
    Trial

    Raises
    ------
    InputError
        Carrying every problem found, each located by file, line, column and value.

    Warns
    -----
    InputWarning
        For each warning (also kept in ``trial.load_log.warnings``).

    Examples
    --------
    See the module docstring.
    """
    protocol = load_protocol(protocol)
    raw = read_raw(path, format=format, protocol=protocol)
    tables, log = validate_raw(raw, protocol, drop_identifiers=drop_identifiers,
                               allow_columns=allow_columns)
    log.synthetic = _simulated(path)
    return Trial(protocol=protocol, load_log=log, **tables)


def _simulated(path: str | Path) -> bool:
    """Whether a data folder says it holds simulated data (``simulation.json``, ``synthetic: true``)."""
    import json

    meta = Path(path) / "simulation.json"
    try:
        return bool(Path(path).is_dir() and json.loads(meta.read_text(encoding="utf-8"))
                    .get("synthetic") is True)
    except (OSError, ValueError, AttributeError):
        return False


def _as_text(s: pd.Series) -> pd.Series:
    """Cells of an in-memory column as the text a CSV file would hold."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.strftime("%Y-%m-%d").astype(object)
    if pd.api.types.is_bool_dtype(s):
        return s.map({True: "TRUE", False: "FALSE"}).astype(object)
    if pd.api.types.is_numeric_dtype(s):
        text = s.astype(str).astype(object)
        return text.where(s.notna(), np.nan)
    from .readers import cell_text

    return s.astype(object).map(lambda v: v if isinstance(v, str) else cell_text(v))


def load_tables(tables: Mapping[str, pd.DataFrame], protocol: "Protocol | str | Path", *,
                drop_identifiers: bool = False, allow_columns: Iterable[str] = (),
                source: str = "tables") -> Trial:
    """Validate raw contract-shaped tables held in memory (as :func:`load_folder` would).

    Problems are located as if the tables had been written to
    ``<table>.csv`` by :func:`write_folder` (first row = line 2).

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Tables of the input contract (any dtypes; values in any accepted unit).
    protocol : Protocol, or a packaged name or YAML path
    drop_identifiers, allow_columns
        As for :func:`load_folder`.
    source : str
        Recorded in the load log.

    Returns
    -------
    Trial

    Examples
    --------
    >>> try:
    ...     load_tables({}, "lu2021")
    ... except InputError as exc:
    ...     print(exc.problems[-1].file, "-", exc.problems[-1].problem)
    subjects.csv - the file is missing
    """
    protocol = load_protocol(protocol)
    raw = RawData(format="tables", source=source)
    for name, spec in TABLES.items():
        frame = tables.get(name)
        file = spec.file_name
        if frame is None:
            from .readers import _empty_table

            raw.tables[name] = _empty_table(name)
            if not spec.optional_table:
                raw.problems.append(Problem(
                    file=file, row=None, column=None, value=None, problem="the file is missing",
                    expected=f"{file} with columns {', '.join(spec.required)}"))
            continue
        text = pd.DataFrame({str(c): _as_text(frame[c]) for c in frame.columns},
                            index=pd.RangeIndex(len(frame)))
        text = blank_to_na(text)
        text = tag_source(text, file)
        text["source_row"] = np.arange(2, len(text) + 2)
        raw.tables[name] = RawTable(name=name, frame=text, column_names={file: {}})
        raw.files.append(FileRecord(name=file, table=name, sha256="", rows_in=len(text),
                                    encoding="memory"))
        raw.identifiers.extend(screen_frame(text, file))
    out, log = validate_raw(raw, protocol, drop_identifiers=drop_identifiers,
                            allow_columns=allow_columns)
    return Trial(protocol=protocol, load_log=log, **out)


def write_folder(trial_or_tables: "Trial | Mapping[str, pd.DataFrame]", path: str | Path
                 ) -> dict[str, Path]:
    """Write tables as the contract CSV files of a data folder.

    Columns the loader adds (``source_row``, flags...) are left out; a
    measurement read from a file is written as it was read (``value_raw``,
    ``unit_raw``), so that reading the folder again gives the same trial.
    Dates are written ``YYYY-MM-DD``; numbers in full precision; UTF-8.

    Parameters
    ----------
    trial_or_tables : Trial or mapping of str to DataFrame
        A trial, or contract-shaped tables (e.g. from the simulator).
    path : str or Path
        Folder to write (created if needed; files of the same name are replaced).

    Returns
    -------
    dict of table name -> Path written

    Examples
    --------
    See the module docstring.
    """
    tables = trial_or_tables.tables if isinstance(trial_or_tables, Trial) else dict(trial_or_tables)
    unknown = [k for k in tables if k not in TABLES]
    if unknown:
        raise invalid_parameter("write_folder", "trial_or_tables",
                                f"hold tables named {list(TABLES)}", unknown)
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, frame in tables.items():
        if frame is None:
            continue
        out = frame.copy()
        if name == "measurements" and "value_raw" in out.columns:
            has_raw = out["value_raw"].notna()
            out["value"] = _as_text(out["value"]).where(~has_raw, out["value_raw"])
            if "unit_raw" in out.columns:
                out["unit"] = out["unit"].where(~has_raw | out["unit_raw"].isna(), out["unit_raw"])
        out = out.drop(columns=[c for c in DERIVED_COLUMNS[name] if c in out.columns])
        for c in out.columns:
            if c == "infusion_number" and pd.api.types.is_float_dtype(out[c]) and \
                    out[c].dropna().mod(1).eq(0).all():
                out[c] = out[c].astype("Int64")
            elif pd.api.types.is_datetime64_any_dtype(out[c]):
                out[c] = out[c].dt.strftime("%Y-%m-%d")
        target = folder / TABLES[name].file_name
        out.to_csv(target, index=False, encoding="utf-8", lineterminator="\n")
        written[name] = target
    return written
