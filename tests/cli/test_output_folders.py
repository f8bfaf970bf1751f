"""Every command that writes a folder refuses, before any work, an --out that would destroy what the user made."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from t1dtrial.analysis import Results
from t1dtrial.cli import main
from t1dtrial.datasets import lu2021_path
from t1dtrial.outputs import MARKER, read_marker, write_output


def _snapshot(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _previous_analysis(folder: Path) -> Path:
    return Results(tables={"old_only": pd.DataFrame({"n": [1]})}).write(folder)


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A working folder with the user's exports (CSVs and a Word file) and two previous outputs."""
    work = tmp_path / "work"
    exports = work / "trial" / "exports"
    exports.mkdir(parents=True)
    for f in lu2021_path().glob("*.csv"):
        (exports / f.name).write_bytes(f.read_bytes())
    (exports / "sap_notes.docx").write_bytes(b"PK\x03\x04 the statistician's notes on the SAP")
    (work / "papers").mkdir()
    (work / "papers" / "draft.docx").write_bytes(b"PK\x03\x04 a manuscript")
    (work / "study.duckdb").write_bytes(b"a study store")
    _previous_analysis(work / "prev")
    write_output(work / "derived_prev", "derived", lambda tmp: (tmp / "adsl.csv").write_text("x\n"))
    monkeypatch.chdir(work)
    return work


EXPORTS = "trial/exports"
INPUT = "is the input of this command (the data it reads); t1dtrial never writes its output there"
CONTAINS_INPUT = "contains the input of this command ("
WORKING = "--out: '.' — is the working folder; t1dtrial never writes its output there; expected " \
          "a new folder, or an empty one, elsewhere (e.g. --out "
CONTAINS_WORKING = "--out: '..' — contains the working folder ("
NOT_OURS = "— is not empty ({n} item(s): {first}) and t1dtrial did not write it (it holds no " \
           ".t1dtrial-output.json), so nothing in it is replaced, not even with --overwrite; " \
           "expected a new folder, or an empty one"
OTHER_KIND = "— holds a previous t1dtrial output of another kind ({theirs}, written "
PREVIOUS = "--out: 'prev' — holds a previous t1dtrial output (analysis results, written "
IS_FILE = "— is a file, not a folder; expected a new folder, or an empty one"


@pytest.mark.parametrize("args, message", [
    (["analyze", EXPORTS, "--out", EXPORTS], f"--out: '{EXPORTS}' — {INPUT}"),
    (["analyze", EXPORTS, "--out", EXPORTS, "--overwrite"], f"--out: '{EXPORTS}' — {INPUT}"),
    (["analyze", EXPORTS, "--out", "trial", "--overwrite"], f"--out: 'trial' — {CONTAINS_INPUT}"),
    (["analyze", EXPORTS, "--out", "."], WORKING + "results)"),
    (["analyze", EXPORTS, "--out", "..", "--overwrite"], CONTAINS_WORKING),
    (["analyze", EXPORTS, "--out", "papers", "--overwrite"],
     "--out: 'papers' " + NOT_OURS.format(n=1, first="draft.docx")),
    (["analyze", EXPORTS, "--out", "derived_prev", "--overwrite"],
     "--out: 'derived_prev' " + OTHER_KIND.format(theirs="derived datasets")),
    (["analyze", EXPORTS, "--out", "prev"], PREVIOUS),
    (["analyze", EXPORTS, "--out", f"{EXPORTS}/sap_notes.docx"], IS_FILE),
    (["analyze", "--store", "study.duckdb", "--out", "study.duckdb"], f"'study.duckdb' — {INPUT}"),
    (["demo", "--out", EXPORTS, "--overwrite"],
     f"--out: '{EXPORTS}' " + NOT_OURS.format(n=7, first="adverse_events.csv, infusions.csv, "
                                                        "insulin_free.csv, ...")),
    (["demo", "--out", "."], WORKING + "results)"),
    (["demo", "--out", "prev"], PREVIOUS),
    (["demo", "--out", str(lu2021_path()), "--overwrite"], INPUT),
    (["derive", EXPORTS, "--out", EXPORTS, "--overwrite"], f"--out: '{EXPORTS}' — {INPUT}"),
    (["derive", EXPORTS, "--out", "trial", "--overwrite"], f"--out: 'trial' — {CONTAINS_INPUT}"),
    (["derive", EXPORTS, "--out", ".", "--overwrite"], WORKING + "derived)"),
    (["derive", EXPORTS, "--out", "papers", "--overwrite"],
     "--out: 'papers' " + NOT_OURS.format(n=1, first="draft.docx")),
    (["derive", EXPORTS, "--out", "prev", "--overwrite"],
     "--out: 'prev' " + OTHER_KIND.format(theirs="analysis results")),
    (["simulate", "--seed", "1", "--out", EXPORTS, "--overwrite"], f"--out: '{EXPORTS}' "
     + NOT_OURS.format(n=7, first="adverse_events.csv, infusions.csv, insulin_free.csv, ...")),
    (["simulate", "--seed", "1", "--out", ".", "--overwrite"], WORKING + "simulated-trial)"),
    (["simulate", "--seed", "1", "--out", "..", "--overwrite"], CONTAINS_WORKING),
    (["simulate", "--seed", "1", "--out", "derived_prev", "--overwrite"],
     "--out: 'derived_prev' " + OTHER_KIND.format(theirs="derived datasets")),
    (["simulate", "--seed", "1", "--out", f"{EXPORTS}/sap_notes.docx"], IS_FILE),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_a_refused_out_exits_2_with_the_reason_and_leaves_every_file_as_it_was(
        work, capsys, args, message):
    before = _snapshot(work.parent)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert _snapshot(work.parent) == before
    assert not list(work.parent.rglob(".*.t1dtrial-*"))  # no temporary folder either


def test_analyze_replaces_a_previous_output_with_overwrite_and_follows_the_umask(work, capsys):
    old_umask = os.umask(0o022)
    try:
        assert main(["analyze", EXPORTS, "--out", "prev", "--overwrite", "--xpt"]) == 0
    finally:
        os.umask(old_umask)
    assert "11/27 (40.7)" in capsys.readouterr().out
    prev = work / "prev"
    assert read_marker(prev)["kind"] == "analysis"
    submission = sorted(p.name for p in (prev / "submission").iterdir())
    assert submission == sorted([f"{n}.{e}" for n in ("adae", "adeff", "adlb", "adsl", "adtte")
                                 for e in ("csv", "xpt")]
                                + ["define.json", "define_parameters.csv", "define_variables.csv"])
    for name in ("adsl", "adlb", "adeff", "adae", "adtte"):  # the working set is the submitted one
        working = pd.read_csv(prev / "adam" / f"{name}.csv", keep_default_na=False, dtype=str)
        submitted = pd.read_csv(prev / "submission" / f"{name}.csv", keep_default_na=False,
                                dtype=str)
        pd.testing.assert_frame_equal(working, submitted, obj=name)
    assert not (prev / "tables" / "old_only.csv").exists()
    assert (prev / "tables" / "primary_endpoint.csv").is_file()
    assert (prev / "figures" / "primary_forest.svg").is_file()
    folders = [prev, *[p for p in prev.rglob("*") if p.is_dir()]]
    files = [p for p in prev.rglob("*") if p.is_file()]
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in folders} == {"0o755"}
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {"0o644"}
    assert sorted(p.name for p in work.iterdir()) == ["derived_prev", "papers", "prev",
                                                      "study.duckdb", "trial"]


def test_derive_replaces_its_previous_output_only_with_overwrite(work, capsys):
    assert main(["derive", EXPORTS, "--out", "adam"]) == 0
    first = json.loads((work / "adam" / MARKER).read_text())
    (work / "adam" / "adsl.csv").write_text("stale\n")
    assert main(["derive", EXPORTS, "--out", "adam"]) == 2
    assert "--out: 'adam' — holds a previous t1dtrial output (derived datasets, written " \
           in capsys.readouterr().err
    assert (work / "adam" / "adsl.csv").read_text() == "stale\n"
    assert main(["derive", EXPORTS, "--out", "adam", "--overwrite"]) == 0
    assert (work / "adam" / "adsl.csv").read_text() != "stale\n"
    assert json.loads((work / "adam" / MARKER).read_text())["files"] == first["files"]


def test_simulate_replaces_its_previous_output_only_with_overwrite_and_follows_the_umask(
        work, capsys):
    assert main(["simulate", "--seed", "1", "--out", "sim"]) == 0
    assert main(["simulate", "--seed", "2", "--out", "sim"]) == 2
    assert "--out: 'sim' — holds a previous t1dtrial output (a simulated trial, written " \
           in capsys.readouterr().err
    old_umask = os.umask(0o027)
    try:
        assert main(["simulate", "--seed", "2", "--out", "sim", "--overwrite"]) == 0
    finally:
        os.umask(old_umask)
    sim = work / "sim"
    assert json.loads((sim / "simulation.json").read_text())["seed"] == 2
    assert oct(stat.S_IMODE(sim.stat().st_mode)) == "0o750"
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in sim.iterdir()} == {"0o640"}
