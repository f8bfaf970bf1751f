"""The store takes no table holding a direct identifier, however the trial was built."""

from __future__ import annotations

import pytest

from t1dtrial.data import Trial, load_folder
from t1dtrial.datasets import lu2021_path
from t1dtrial.errors import InputError
from t1dtrial.store import TABLE_NAMES, import_trial, read_trial


@pytest.fixture(scope="module")
def twin():
    return load_folder(lu2021_path(), "lu2021")


def _with_subjects(twin, subjects):
    tables = {name: getattr(twin, name) for name in TABLE_NAMES} | {"subjects": subjects}
    return Trial.from_tables(tables, twin.protocol, twin.load_log)


def test_a_trial_built_in_memory_with_an_identifier_is_not_stored(tmp_path, twin):
    db = tmp_path / "study.duckdb"
    trial = _with_subjects(twin, twin.subjects.assign(contact="ann@example.org"))
    with pytest.raises(InputError, match=r"subjects table:2:contact: direct identifier column "
                                         r"\(53 cells hold e-mail addresses, the first on row 2\)"):
        import_trial(trial, db)
    assert not db.exists()


def test_a_column_released_on_loading_may_be_stored_and_read_back(tmp_path, twin):
    db = tmp_path / "study.duckdb"
    log = twin.load_log
    log_allowed = type(log).from_dict(log.to_dict() | {"identifiers_allowed": [
        {"file": "subjects.csv", "column": "Cell", "why": "its name says it holds a telephone "
         "number", "row": 1, "cells": 0}]})
    tables = {name: getattr(twin, name) for name in TABLE_NAMES}
    tables["subjects"] = twin.subjects.assign(Cell="UC-MSC")
    import_trial(Trial.from_tables(tables, twin.protocol, log_allowed), db)
    back = read_trial(db)
    assert back.subjects["Cell"].eq("UC-MSC").all()
    import_trial(back, db)  # a cut read from the store goes back in
