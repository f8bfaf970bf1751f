"""The study database: a DuckDB file with an append-only import ledger.

Every import is a complete, validated snapshot of a data folder in canonical
units. It is written in one transaction together with its ledger row, so a
failed validation, an error or an interrupted process leaves the store exactly
as it was. Reading takes a data cut: the latest import on or before a date.

Tables (each with ``import_id``; rows keep their input order in ``row_pos``):
``ledger``, ``subjects``, ``measurements``, ``infusions``, ``adverse_events``,
``insulin_free``.

Examples
--------
>>> from t1dtrial.datasets import lu2021_path
>>> from t1dtrial.store import import_folder, read_trial, history
>>> import tempfile, pathlib
>>> db = pathlib.Path(tempfile.mkdtemp()) / "study.duckdb"
>>> record = import_folder(lu2021_path(), db, protocol="lu2021", label="first cut")
>>> history(db)["label"].tolist()
['first cut']
>>> len(read_trial(db).subjects)
53
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from ..data.contract import TABLE_NAMES
from ..errors import InputError, Problem

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..data import Trial
    from ..protocol import Protocol

__all__ = ["ImportRecord", "import_trial", "import_folder", "read_trial", "history", "TABLE_NAMES"]


_LEDGER_DDL = """
CREATE TABLE IF NOT EXISTS ledger (
    import_id     INTEGER PRIMARY KEY,
    imported_at   TIMESTAMP NOT NULL,
    label         VARCHAR,
    source        VARCHAR,
    protocol_id   VARCHAR NOT NULL,
    protocol_hash VARCHAR NOT NULL,
    protocol_json VARCHAR NOT NULL,
    files_json    VARCHAR NOT NULL,
    rows_in_json  VARCHAR NOT NULL,
    rows_loaded_json VARCHAR NOT NULL,
    columns_json  VARCHAR NOT NULL,
    load_log_json VARCHAR NOT NULL,
    package_version VARCHAR NOT NULL
)
"""


@dataclass(frozen=True)
class ImportRecord:
    """One row of the import ledger."""

    import_id: int
    imported_at: dt.datetime
    label: str | None
    files: list[dict[str, Any]]
    rows_in: dict[str, int]
    rows_loaded: dict[str, int]


def _connect(path: str | Path, *, read_only: bool = False):
    import duckdb

    path = Path(path)
    if read_only and not path.is_file():
        raise InputError([Problem(file=path.name, row=None, column=None, value=str(path),
                                  problem="no such study store",
                                  expected="a DuckDB file made by `t1dtrial import`")])
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise InputError([Problem(file=path.name, row=None, column=None, value=str(path),
                                  problem=f"cannot open as a study store ({exc})",
                                  expected="a DuckDB file made by `t1dtrial import`")]) from None


def import_trial(trial: "Trial", store: str | Path, *, label: str | None = None,
                 source: str | None = None, at: dt.datetime | None = None) -> ImportRecord:
    """Append a validated trial to the store, in one transaction, with a ledger row.

    Parameters
    ----------
    trial : Trial
        A validated trial (:func:`t1dtrial.data.load_folder`).
    store : str or Path
        DuckDB file; created when absent.
    label : str, optional
        Free text for the ledger, e.g. ``"DSMB cut 2"``.
    source : str, optional
        Where the data came from (folder path); recorded in the ledger.
    at : datetime, optional
        Import time to record (UTC); default now. Lets a site back-fill past cuts.

    Returns
    -------
    ImportRecord

    Notes
    -----
    Algorithm: (1) open the file; (2) BEGIN; (3) create missing tables, add
    columns a new export brings; (4) insert each table with the new
    ``import_id`` and the rows' input order; (5) insert the ledger row;
    (6) COMMIT. Any exception, or the process dying, before (6) leaves the
    file as it was (DuckDB's write-ahead log is rolled back on reopening).
    Before (1), a table holding a direct identifier that was not released when
    the data were loaded is refused (:func:`t1dtrial.data.identifier_policy.refuse_identifiers`).
    """
    from .. import __version__
    from ..data.identifier_policy import refuse_identifiers
    from ..protocol import protocol_hash

    at = at or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    log = trial.load_log.to_dict()
    files = log.get("files", [])
    rows_in = {name: int(n) for name, n in log.get("rows_in", {}).items()}
    tables = {name: getattr(trial, name) for name in TABLE_NAMES}
    rows_loaded = {name: int(len(df)) for name, df in tables.items()}
    columns = {name: {str(c): str(t) for c, t in df.dtypes.items()} for name, df in tables.items()}
    refuse_identifiers(tables, allowed=[d["column"] for d in log.get("identifiers_allowed", [])])
    con = _connect(store)
    try:
        _check_ours(con, store)
    except BaseException:
        con.close()
        raise
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute(_LEDGER_DDL)
        import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM ledger").fetchall()[0][0]
        for name, df in tables.items():
            _insert(con, name, df, import_id)
        con.execute(
            "INSERT INTO ledger VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [import_id, at, label, source, trial.protocol.id, protocol_hash(trial.protocol),
             trial.protocol.model_dump_json(), json.dumps(files), json.dumps(rows_in),
             json.dumps(rows_loaded), json.dumps(columns), json.dumps(log, default=str),
             __version__])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    return ImportRecord(import_id=int(import_id), imported_at=at, label=label, files=files,
                        rows_in=rows_in, rows_loaded=rows_loaded)


def _check_ours(con: Any, store: str | Path) -> None:
    """Refuse a DuckDB database t1dtrial did not create: an import never writes into the user's."""
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    if not tables:
        return
    ledger = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'ledger'"
    ).fetchall()}
    if {"import_id", "protocol_hash", "load_log_json"} <= ledger:
        return
    shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
    raise InputError([Problem(
        file=Path(store).name, row=None, column=None, value=str(store),
        problem=f"is a DuckDB database t1dtrial did not create (it holds {shown} and no import "
                "ledger); nothing is written into it",
        expected="a new file name, or a study store made by `t1dtrial import`")])


def _insert(con: Any, name: str, df: "pd.DataFrame", import_id: int) -> None:
    frame = df.reset_index(drop=True).copy()
    frame.insert(0, "row_pos", range(len(frame)))
    frame.insert(0, "import_id", import_id)
    con.register("incoming", frame)
    try:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchall()[0][0]
        if not exists:
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming LIMIT 0')
        have = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [name]
        ).fetchall()}
        types = {row[0]: row[1] for row in con.execute("DESCRIBE incoming").fetchall()}
        for col in frame.columns:
            if col not in have:
                con.execute(f'ALTER TABLE "{name}" ADD COLUMN "{col}" {types[col]}')
        con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM incoming')
    finally:
        con.unregister("incoming")


def import_folder(data: str | Path, store: str | Path, *, protocol: "str | Path | Protocol",
                  label: str | None = None, format: str = "auto",
                  drop_identifiers: bool = False, allow_columns: Iterable[str] = (),
                  at: dt.datetime | None = None) -> ImportRecord:
    """Validate a data folder and import it into the store (nothing is written if invalid).

    The folder is loaded as :func:`t1dtrial.data.load_folder` loads it (the
    same validation and identifier screening as ``t1dtrial validate``;
    ``drop_identifiers`` and ``allow_columns`` as there); the store is opened
    only once the data are valid.

    Examples
    --------
    See the module docstring.
    """
    from ..data import load_folder
    from ..protocol import load_protocol

    trial = load_folder(data, load_protocol(protocol), format=format,
                        drop_identifiers=drop_identifiers, allow_columns=allow_columns)
    return import_trial(trial, store, label=label, source=str(Path(data).resolve()), at=at)


def history(store: str | Path) -> "pd.DataFrame":
    """The import ledger as a tidy DataFrame, oldest first.

    Columns: ``import_id, imported_at, label, protocol_id, files, rows_in,
    rows_loaded, sha256`` (files and hashes joined as text).
    """
    import pandas as pd

    import duckdb

    con = _connect(store, read_only=True)
    try:
        raw = con.execute("SELECT * FROM ledger ORDER BY import_id").df()
    except duckdb.CatalogException:  # a DuckDB file without a ledger: no import yet
        raw = pd.DataFrame(columns=["import_id"])
    finally:
        con.close()
    rows = []
    for rec in raw.to_dict("records"):
        files = json.loads(rec["files_json"])
        rows.append({
            "import_id": int(rec["import_id"]),
            "imported_at": rec["imported_at"],
            "label": rec["label"],
            "protocol_id": rec["protocol_id"],
            "files": ", ".join(f.get("name", "") for f in files),
            "sha256": ", ".join(f.get("sha256", "")[:12] for f in files),
            "rows_in": sum(json.loads(rec["rows_in_json"]).values()),
            "rows_loaded": sum(json.loads(rec["rows_loaded_json"]).values()),
        })
    return pd.DataFrame(rows, columns=["import_id", "imported_at", "label", "protocol_id",
                                       "files", "sha256", "rows_in", "rows_loaded"])


def read_trial(store: str | Path, *, as_of: dt.date | str | None = None,
               protocol: "str | Path | Protocol | None" = None) -> "Trial":
    """Read a data cut from the store as a :class:`~t1dtrial.data.Trial`.

    Parameters
    ----------
    store : str or Path
        The DuckDB file.
    as_of : date or ISO text, optional
        Take the latest import on or before this date (inclusive); default the
        latest import.
    protocol : optional
        Analyse under this protocol instead of the one recorded at import.

    Raises
    ------
    InputError
        If the store is missing, empty, or has no import on or before ``as_of``.
    """
    import duckdb
    import pandas as pd

    from ..data import LoadLog, Trial
    from ..protocol import load_protocol

    cut = _parse_date(as_of, store) if as_of is not None else None
    con = _connect(store, read_only=True)
    try:
        query = "SELECT * FROM ledger"
        params: list[Any] = []
        if cut is not None:
            query += " WHERE CAST(imported_at AS DATE) <= ?"
            params.append(cut)
        try:
            ledger = con.execute(query + " ORDER BY import_id DESC LIMIT 1", params).df()
        except duckdb.CatalogException:  # no ledger: no import yet
            ledger = pd.DataFrame()
        if ledger.empty:
            when = f" on or before {cut.isoformat()}" if cut else ""
            raise InputError([Problem(file=Path(store).name, row=None, column="as_of",
                                      value=None if cut is None else cut.isoformat(),
                                      problem=f"the store holds no import{when}",
                                      expected="a date on or after the first import "
                                               "(see `t1dtrial history`)")])
        rec = ledger.iloc[0]
        import_id = int(rec["import_id"])
        columns = json.loads(rec["columns_json"])
        tables = {}
        for name in TABLE_NAMES:
            dtypes = columns[name]
            select = ", ".join(f'"{c}"' for c in dtypes) or "*"
            df = con.execute(f'SELECT {select} FROM "{name}" WHERE import_id = ? ORDER BY row_pos',
                             [import_id]).df()
            tables[name] = _restore_dtypes(df, dtypes)
    finally:
        con.close()
    proto = (load_protocol(protocol) if protocol is not None
             else _recorded_protocol(rec["protocol_json"], store, import_id))
    log = LoadLog.from_dict(json.loads(rec["load_log_json"]))
    log.store = {"path": str(Path(store).resolve()), "import_id": import_id,
                 "label": None if pd.isna(rec["label"]) else str(rec["label"]),
                 "imported_at": pd.Timestamp(rec["imported_at"]).isoformat(),
                 "as_of": None if cut is None else cut.isoformat()}
    return Trial.from_tables(tables, proto, log)


def _recorded_protocol(text: str, store: str | Path, import_id: int) -> "Protocol":
    """The protocol recorded with an import, or a ProtocolError when this version refuses it."""
    from pydantic import ValidationError

    from ..errors import ProtocolError
    from ..protocol import Protocol

    try:
        return Protocol.model_validate_json(text)
    except ValidationError as exc:
        fields = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ProtocolError([Problem(
            file=Path(store).name, row=None, column=f"import {import_id}", value=None,
            problem=f"the protocol recorded with this import does not pass this version's checks "
                    f"({fields})",
            expected="--protocol naming a corrected protocol file")]) from None


def _restore_dtypes(df: "pd.DataFrame", dtypes: dict[str, str]) -> "pd.DataFrame":
    """Cast columns back to the dtypes they had when imported.

    DuckDB keeps microseconds (pandas nanoseconds) and returns None for a
    missing text, where pandas tables hold NaN.
    """
    out = df.copy()
    for col, dtype in dtypes.items():
        if dtype == "object":
            out[col] = out[col].astype(object).where(out[col].notna(), float("nan"))
        elif str(out[col].dtype) != dtype:
            out[col] = out[col].astype(dtype)
    return out


def _parse_date(value: dt.date | str, store: str | Path) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError([Problem(file=Path(store).name, row=None, column="as_of", value=value,
                                  problem="not a date", expected="an ISO date such as 2021-06-30")]
                         ) from None
