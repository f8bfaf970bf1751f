"""A `t1dtrial analyze` or `t1dtrial import` killed mid-way leaves the previous output folder and the store as they were."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from t1dtrial.analysis import Results
from t1dtrial.datasets import lu2021_path
from t1dtrial.outputs import read_marker
from t1dtrial.store import history, import_folder, read_trial

# `python -m t1dtrial ARGS`, with named points of its run announced by a flag file in FLAGS.
# At "writing" (the first table written into the hidden folder being built) and "inserting"
# (inside the import's transaction) it waits, so that a kill is sure to land there and never
# after; "loading" and "analysing" are announced and the run goes on.
_CLI = r"""
import pathlib, runpy, sys, time

import pandas as pd

import t1dtrial.analysis, t1dtrial.data
from t1dtrial.store import duckdb_store

flags = pathlib.Path(sys.argv[1])


def reached(point, wait):
    (flags / point).touch()
    while wait:
        time.sleep(1)


def announce(owner, name, point):
    real = getattr(owner, name)

    def announced(*args, **kwargs):
        reached(point, wait=False)
        return real(*args, **kwargs)

    setattr(owner, name, announced)


announce(t1dtrial.data, "load_folder", "loading")
announce(t1dtrial.analysis, "analyze", "analysing")
real_to_csv = pd.DataFrame.to_csv


def to_csv(self, path=None, *args, **kwargs):
    result = real_to_csv(self, path, *args, **kwargs)
    if ".t1dtrial-" in str(path):
        reached("writing", wait=True)
    return result


pd.DataFrame.to_csv = to_csv
real_insert = duckdb_store._insert


def insert(con, name, df, import_id):
    real_insert(con, name, df, import_id)
    if name == "measurements":
        reached("inserting", wait=True)


duckdb_store._insert = insert
sys.argv = ["t1dtrial", *sys.argv[2:]]
runpy.run_module("t1dtrial", run_name="__main__", alter_sys=True)
"""


def _snapshot(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _kill_at(point: str, flags: Path, args: list[str]) -> None:
    """Run the CLI and SIGKILL it once it reaches ``point`` ("start": at once)."""
    flags.mkdir()
    with open(flags / "stderr.txt", "wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", _CLI, str(flags), *args],
                                stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 300
        while point != "start" and not (flags / point).exists():
            assert proc.poll() is None, \
                f"t1dtrial ended before {point}: {(flags / 'stderr.txt').read_text()[-2000:]}"
            assert time.monotonic() < deadline, f"t1dtrial never reached {point}"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("point", ["start", "loading", "analysing", "writing"])
def test_killed_analyze_leaves_the_previous_output_byte_identical(tmp_path, point):
    out = Results(tables={"primary_endpoint": pd.DataFrame({"arm": ["MSC"], "n": [27]})},
                  provenance={"run": "previous"}).write(tmp_path / "out")
    before = _snapshot(out)
    _kill_at(point, tmp_path / "flags",
             ["analyze", str(lu2021_path()), "--out", str(out), "--overwrite"])
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == \
        ["flags", "out"]
    building = [p for p in tmp_path.iterdir() if p.name.startswith(".out.t1dtrial-")]
    assert len(building) == 1 if point == "writing" else len(building) <= 1  # the killed run's
    Results(tables={"primary_endpoint": pd.DataFrame({"n": [26]})}).write(out, overwrite=True)
    assert pd.read_csv(out / "tables" / "primary_endpoint.csv")["n"].tolist() == [26]
    assert read_marker(out)["kind"] == "analysis"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.t1dtrial-")]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    db = tmp_path_factory.mktemp("store") / "study.duckdb"
    import_folder(lu2021_path(), db, protocol="lu2021", label="good")
    return db


@pytest.mark.parametrize("point", ["start", "loading", "inserting"])
def test_killed_import_leaves_the_store_byte_identical(tmp_path, store, point):
    db = tmp_path / "study.duckdb"
    db.write_bytes(store.read_bytes())
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    _kill_at(point, tmp_path / "flags",
             ["import", str(lu2021_path()), "--store", str(db), "--label", "killed"])
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flags", "study.duckdb"]  # no WAL
    assert history(db)["label"].tolist() == ["good"]
    assert len(read_trial(db).subjects) == 53
