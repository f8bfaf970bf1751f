"""The DuckDB study store: imports are whole or absent, the ledger is append-only, cuts by date."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from t1dtrial.cli import main
from t1dtrial.data import load_folder
from t1dtrial.datasets import lu2021_path
from t1dtrial.errors import InputError
from t1dtrial.protocol import load_protocol
from t1dtrial.store import TABLE_NAMES, history, import_folder, import_trial, read_trial
from t1dtrial.store import duckdb_store

PROTOCOL = load_protocol("lu2021")


@pytest.fixture(scope="module")
def twin():
    return load_folder(lu2021_path(), PROTOCOL)


def _counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]
                for t in ("ledger", *TABLE_NAMES) if t in names}
    finally:
        con.close()


def _bad_copy(tmp_path: Path) -> Path:
    bad = tmp_path / "bad"
    bad.mkdir(parents=True)
    for f in lu2021_path().glob("*.csv"):
        (bad / f.name).write_bytes(f.read_bytes())
    text = (bad / "subjects.csv").read_text(encoding="utf-8").splitlines()
    head = text[0].split(",")
    cells = text[1].split(",")
    cells[head.index("arm")] = "PLACEBO"
    text[1] = ",".join(cells)
    (bad / "subjects.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    return bad


def test_read_trial_returns_exactly_the_imported_tables(tmp_path, twin):
    db = tmp_path / "study.duckdb"
    import_trial(twin, db, label="cut 1")
    back = read_trial(db)
    for name in TABLE_NAMES:
        pd.testing.assert_frame_equal(getattr(back, name).reset_index(drop=True),
                                      getattr(twin, name).reset_index(drop=True), obj=name)
    assert back.protocol == twin.protocol
    assert back.load_log.to_dict()["files"] == twin.load_log.to_dict()["files"]


def test_history_lists_each_import_with_hashes_and_counts(tmp_path):
    db = tmp_path / "study.duckdb"
    first = import_folder(lu2021_path(), db, protocol="lu2021", label="cut 1")
    second = import_folder(lu2021_path(), db, protocol="lu2021", label="cut 2")
    ledger = history(db)
    assert ledger["import_id"].tolist() == [1, 2]
    assert ledger["label"].tolist() == ["cut 1", "cut 2"]
    assert (first.import_id, second.import_id) == (1, 2)
    assert "subjects.csv" in ledger["files"].iloc[0]
    assert ledger["rows_loaded"].iloc[0] == sum(first.rows_loaded.values())
    assert first.rows_loaded["subjects"] == 53
    assert len(ledger["sha256"].iloc[0].split(", ")) == len(first.files)


def test_as_of_takes_the_latest_import_on_or_before_the_date(tmp_path, twin):
    db = tmp_path / "study.duckdb"
    import_trial(twin, db, label="june", at=dt.datetime(2021, 6, 30, 12))
    smaller = type(twin).from_tables(
        {name: getattr(twin, name) for name in TABLE_NAMES} | {
            "subjects": twin.subjects.iloc[:10]},
        twin.protocol, twin.load_log)
    import_trial(smaller, db, label="december", at=dt.datetime(2021, 12, 31, 9))
    assert len(read_trial(db, as_of="2021-07-01").subjects) == 53
    assert len(read_trial(db, as_of="2021-12-31").subjects) == 10
    assert len(read_trial(db).subjects) == 10
    with pytest.raises(InputError, match="the store holds no import on or before 2021-01-01"):
        read_trial(db, as_of="2021-01-01")
    with pytest.raises(InputError, match="'31/12/2021' — not a date; expected an ISO date"):
        read_trial(db, as_of="31/12/2021")


def test_failed_validation_writes_nothing(tmp_path):
    db = tmp_path / "study.duckdb"
    with pytest.raises(InputError, match="PLACEBO"):
        import_folder(_bad_copy(tmp_path), db, protocol="lu2021")
    assert not db.exists()
    import_folder(lu2021_path(), db, protocol="lu2021")
    before = _counts(db)
    with pytest.raises(InputError):
        import_folder(_bad_copy(tmp_path / "again"), db, protocol="lu2021")
    assert _counts(db) == before


def test_failure_injected_mid_import_leaves_store_unchanged(tmp_path, twin, monkeypatch):
    db = tmp_path / "study.duckdb"
    import_trial(twin, db, label="good")
    before = _counts(db)
    real = duckdb_store._insert

    def failing(con, name, df, import_id):
        real(con, name, df, import_id)
        if name == "infusions":  # subjects and measurements are already inserted
            raise RuntimeError("disk full")

    monkeypatch.setattr(duckdb_store, "_insert", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        import_trial(twin, db, label="broken")
    assert _counts(db) == before
    assert history(db)["label"].tolist() == ["good"]


_KILLED_IMPORT = """
import pathlib, sys, time
from t1dtrial.store import duckdb_store as s
real = s._insert
def slow(con, name, df, import_id):
    real(con, name, df, import_id)
    if name == "measurements":
        pathlib.Path(sys.argv[3]).write_text("inside the transaction")
        time.sleep(120)
s._insert = slow
s.import_folder(sys.argv[1], sys.argv[2], protocol="lu2021", label="killed")
"""


def test_killed_import_leaves_store_unchanged(tmp_path):
    db = tmp_path / "study.duckdb"
    import_folder(lu2021_path(), db, protocol="lu2021", label="good")
    before = _counts(db)
    flag = tmp_path / "flag"
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_IMPORT, str(lu2021_path()), str(db),
                             str(flag)])
    try:
        deadline = time.monotonic() + 120
        while not flag.exists():
            assert proc.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline, "the import never reached its transaction"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert _counts(db) == before
    assert history(db)["label"].tolist() == ["good"]
    assert len(read_trial(db).subjects) == 53


def test_cli_import_and_history(tmp_path, capsys):
    db = tmp_path / "study.duckdb"
    assert main(["import", str(lu2021_path()), "--store", str(db), "--label", "DSMB 1"]) == 0
    out = capsys.readouterr().out
    assert f"import 1 into {db}" in out and "subjects 53" in out and "(DSMB 1)" in out
    assert main(["history", "--store", str(db)]) == 0
    assert "DSMB 1" in capsys.readouterr().out


def test_cli_import_of_bad_data_exits_two_and_names_the_problem(tmp_path, capsys):
    db = tmp_path / "study.duckdb"
    assert main(["import", str(_bad_copy(tmp_path)), "--store", str(db)]) == 2
    err = capsys.readouterr().err
    assert "subjects.csv:2:arm (participant LU2021-001): 'PLACEBO'" in err
    assert not db.exists()


def test_history_of_a_missing_store_is_an_input_error(tmp_path, capsys):
    assert main(["history", "--store", str(tmp_path / "none.duckdb")]) == 2
    assert "no such study store" in capsys.readouterr().err


def test_a_duckdb_file_without_imports_has_an_empty_history_and_no_cut(tmp_path):
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    assert history(db).empty
    with pytest.raises(InputError, match="the store holds no import; expected a date on or after"):
        read_trial(db)


def test_a_recorded_protocol_this_version_refuses_is_a_protocol_error(tmp_path, capsys):
    import duckdb

    from t1dtrial.cli import main

    db = tmp_path / "s.duckdb"
    import_folder(lu2021_path(), db, protocol="lu2021")
    con = duckdb.connect(str(db))
    recorded = con.execute("SELECT protocol_json FROM ledger").fetchall()[0][0]
    con.execute("UPDATE ledger SET protocol_json = ?",
                [recorded.replace('"threshold_pct":10.0', '"threshold_pct":"ten"')])
    con.close()
    rc = main(["analyze", "--store", str(db), "--out", str(tmp_path / "o")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "s.duckdb:import 1: the protocol recorded with this import does not pass this " \
           "version's checks (endpoints.primary.threshold_pct:" in err
    assert "expected --protocol naming a corrected protocol file" in err


def test_import_into_a_duckdb_database_of_the_users_is_refused_and_changes_nothing(tmp_path,
                                                                                   capsys):
    import hashlib

    import duckdb

    from t1dtrial.cli import main

    db = tmp_path / "mine.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE subjects (subject_id VARCHAR, note VARCHAR)")
    con.execute("INSERT INTO subjects VALUES ('A', 'my own table')")
    con.close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    rc = main(["import", str(lu2021_path()), "--store", str(db)])
    assert rc == 2
    assert ("is a DuckDB database t1dtrial did not create (it holds subjects and no import "
            "ledger); nothing is written into it; expected a new file name, or a study store "
            "made by `t1dtrial import`") in capsys.readouterr().err
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT * FROM subjects").fetchall() == [("A", "my own table")]
    con.close()


def test_a_validated_trial_survives_the_store_with_its_load_log(tmp_path):
    import dataclasses

    from t1dtrial.data import Trial

    trial = load_folder(lu2021_path(), PROTOCOL)
    import_trial(trial, tmp_path / "s.duckdb", label="cut 1")
    back = read_trial(tmp_path / "s.duckdb")
    assert isinstance(back, Trial)
    for name in Trial.TABLE_NAMES:
        pd.testing.assert_frame_equal(back.tables[name], trial.tables[name], check_exact=True,
                                      obj=name)
    assert dataclasses.replace(back.load_log, store={}) == trial.load_log
    assert back.load_log.store["import_id"] == 1 and back.load_log.store["label"] == "cut 1"


def test_the_store_and_the_data_contract_name_the_same_tables():
    from t1dtrial.data import Trial
    from t1dtrial.data.contract import TABLES

    assert TABLE_NAMES == Trial.TABLE_NAMES == tuple(TABLES)
