"""Identifiers through the CLI: validate, import, analyze and derive refuse them alike (exit 2);
nothing with an identifier reaches the store; --drop-identifiers and --allow-column."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from t1dtrial.cli import main
from t1dtrial.datasets import lu2021_path

EMAIL = "ann.smith@example.org"


def twin_copy(tmp_path: Path, **extra: object) -> Path:
    """The packaged twin's CSV files with extra columns on subjects.csv."""
    folder = tmp_path / "data"
    folder.mkdir(parents=True, exist_ok=True)
    for f in lu2021_path().glob("*.csv"):
        if f.name != "truth.csv":
            (folder / f.name).write_bytes(f.read_bytes())
    if extra:
        subjects = pd.read_csv(folder / "subjects.csv", dtype=str, keep_default_na=False)
        for column, value in extra.items():
            subjects[column] = value
        subjects.to_csv(folder / "subjects.csv", index=False, lineterminator="\n")
    return folder


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


ISSUE_NAMES = ["patient_name", "Patient Name", "birthdate", "Phone Number", "patient_initials",
               "hospital_number", "e-mail", "Email Address"]


@pytest.mark.parametrize("name", ISSUE_NAMES)
def test_validate_refuses_each_identifier_name_of_the_issue(tmp_path, capsys, name):
    rc, out, err = run(capsys, "validate", twin_copy(tmp_path, **{name: "x"}))
    assert rc == 2, out
    assert re.search(rf"subjects\.csv:1:{re.escape(name)}: direct identifier column \(its name "
                     rf"says it holds .*\); expected the column removed from the file, "
                     rf"--drop-identifiers .* or --allow-column ", err), err


def test_validate_refuses_an_email_column_whatever_its_name_without_printing_it(tmp_path, capsys):
    rc, out, err = run(capsys, "validate", twin_copy(tmp_path, reference=EMAIL))
    assert rc == 2
    assert ("subjects.csv:2:reference: direct identifier column (53 cells hold e-mail addresses, "
            "the first on row 2)") in err
    assert EMAIL not in err + out


def test_validate_with_allow_column_keeps_the_column_and_says_so(tmp_path, capsys):
    rc, out, err = run(capsys, "validate", twin_copy(tmp_path, Cell="UC-MSC"),
                       "--allow-column", "Cell")
    assert rc == 0, err
    assert ("flagged columns kept (--allow-column): subjects.csv:Cell (its name says it holds a "
            "telephone number)") in out


def test_validate_with_an_allow_column_that_was_not_flagged_exits_2(tmp_path, capsys):
    rc, out, err = run(capsys, "validate", twin_copy(tmp_path), "--allow-column", "site")
    assert rc == 2
    assert ("--allow-column: 'site' — no column of that name was flagged as an identifier; "
            "expected the name of a flagged column as written in the file (none was flagged)") in err


# -- import: the same refusals, and nothing reaches the store -----------------------------------

@pytest.mark.parametrize("extra, allow", [
    ({"Patient Name": "Ann"}, ()), ({"contact": EMAIL}, ()), ({"home_tel": "555-123-4567"}, ()),
    ({"Cell": "UC-MSC"}, ("--allow-column", "cell_id")),
])
def test_import_refuses_exactly_what_validate_refuses(tmp_path, capsys, extra, allow):
    folder = twin_copy(tmp_path, **extra)
    rc_v, _, err_v = run(capsys, "validate", folder, *allow)
    rc_i, _, err_i = run(capsys, "import", folder, "--store", tmp_path / "s.duckdb", *allow)
    assert rc_v == rc_i == 2
    assert err_i == err_v
    assert not (tmp_path / "s.duckdb").exists()


def test_import_of_a_patient_name_column_exits_2_and_creates_no_store(tmp_path, capsys):
    db = tmp_path / "study.duckdb"
    rc, out, err = run(capsys, "import", twin_copy(tmp_path, **{"Patient Name": "Ann"}),
                       "--store", db)
    assert rc == 2
    assert "subjects.csv:1:Patient Name: direct identifier column (its name says it holds a " \
           "person's name)" in err
    assert not db.exists()


def test_import_of_an_email_column_exits_2_and_leaves_the_store_unchanged(tmp_path, capsys):
    db = tmp_path / "study.duckdb"
    assert run(capsys, "import", twin_copy(tmp_path / "first"), "--store", db)[0] == 0
    before = digest(db)
    rc, out, err = run(capsys, "import", twin_copy(tmp_path / "second", contact=EMAIL),
                       "--store", db)
    assert rc == 2
    assert "subjects.csv:2:contact: direct identifier column (53 cells hold e-mail addresses" in err
    assert digest(db) == before


def _columns(db: Path, table: str) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
        ).fetchall()}
    finally:
        con.close()


def _ledger_log(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return json.loads(con.execute("SELECT load_log_json FROM ledger").fetchall()[-1][0])
    finally:
        con.close()


def test_import_with_drop_identifiers_stores_no_identifier_column(tmp_path, capsys):
    db = tmp_path / "study.duckdb"
    folder = twin_copy(tmp_path, **{"Patient Name": "Ann", "contact": EMAIL, "note": "ok"})
    rc, out, err = run(capsys, "import", folder, "--store", db, "--drop-identifiers")
    assert rc == 0, err
    columns = _columns(db, "subjects")
    assert "note" in columns and not {"Patient Name", "contact"} & columns
    con = duckdb.connect(str(db), read_only=True)
    try:
        stored = con.execute("SELECT * FROM subjects").df()
    finally:
        con.close()
    assert not stored.astype(str).apply(lambda s: s.str.contains("@")).any().any()
    dropped = _ledger_log(db)["identifiers_dropped"]
    assert [d["column"] for d in dropped] == ["Patient Name", "contact"]


def test_import_records_a_released_column_in_the_ledger(tmp_path, capsys):
    db = tmp_path / "study.duckdb"
    rc, out, err = run(capsys, "import", twin_copy(tmp_path, Cell="UC-MSC"), "--store", db,
                       "--allow-column", "Cell")
    assert rc == 0, err
    assert "Cell" in _columns(db, "subjects")
    assert _ledger_log(db)["identifiers_allowed"] == [
        {"file": "subjects.csv", "column": "Cell",
         "why": "its name says it holds a telephone number", "row": 1, "cells": 0}]


# -- analyze and derive --------------------------------------------------------------------------

def test_analyze_refuses_an_identifier_and_writes_nothing(tmp_path, capsys):
    out_dir = tmp_path / "res"
    rc, out, err = run(capsys, "analyze", twin_copy(tmp_path, DOB="2001-02-03"),
                       "--out", out_dir)
    assert rc == 2
    assert "subjects.csv:1:DOB: direct identifier column (its name says it holds a date or " \
           "place of birth)" in err
    assert not out_dir.exists()


def test_analyze_records_a_released_column_in_provenance(tmp_path, capsys):
    out_dir = tmp_path / "res"
    rc, out, err = run(capsys, "analyze", twin_copy(tmp_path, Cell="UC-MSC"), "--out", out_dir,
                       "--allow-column", "Cell")
    assert rc == 0, err
    provenance = json.loads((out_dir / "provenance.json").read_text())
    assert provenance["input"]["identifiers_allowed"] == [
        {"file": "subjects.csv", "column": "Cell",
         "why": "its name says it holds a telephone number", "row": 1, "cells": 0}]


def test_derive_refuses_an_identifier_and_takes_allow_column(tmp_path, capsys):
    folder = twin_copy(tmp_path, Cell="UC-MSC")
    rc, out, err = run(capsys, "derive", folder, "--out", tmp_path / "d1")
    assert rc == 2
    assert "subjects.csv:1:Cell: direct identifier column" in err
    rc, out, err = run(capsys, "derive", folder, "--out", tmp_path / "d2", "--allow-column", "Cell")
    assert rc == 0, err
