"""Output folders: refused where they would destroy what the user made, written whole or not at all."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from t1dtrial import __version__, outputs
from t1dtrial.errors import InputError
from t1dtrial.outputs import KINDS, MARKER, check_output_folder, read_marker, write_output


def _tables(tmp: Path, text: str = "n\n27\n") -> None:
    (tmp / "tables").mkdir()
    (tmp / "tables" / "primary_endpoint.csv").write_text(text)
    (tmp / "provenance.json").write_text("{}\n")


def _snapshot(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def users_folder(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "subjects.csv").write_text("subject_id,arm\nS01,MSC\n")
    (folder / "sap_notes.docx").write_bytes(b"PK\x03\x04 the statistician's notes")
    return folder


@pytest.fixture
def umask():
    def set_to(mask: int) -> None:
        os.umask(mask)

    old = os.umask(0o022)
    os.umask(old)
    yield set_to
    os.umask(old)


def _siblings(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.iterdir() if p.name != target.name)


def test_a_new_folder_is_written_with_a_marker_naming_kind_version_time_and_files(tmp_path):
    out = write_output(tmp_path / "results", "analysis", _tables)
    assert out == (tmp_path / "results").resolve()
    marker = json.loads((out / MARKER).read_text())
    assert marker["generator"] == "t1dtrial" and marker["kind"] == "analysis"
    assert marker["package_version"] == __version__
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", marker["created_utc"])
    assert marker["files"] == ["provenance.json", "tables/primary_endpoint.csv"]
    assert read_marker(out) == marker
    assert _siblings(out) == []


def test_an_empty_folder_is_written_into(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / ".DS_Store").write_bytes(b"finder")  # a file manager's litter
    out = write_output(tmp_path / "results", "derived", _tables)
    assert read_marker(out)["kind"] == "derived" and not (out / ".DS_Store").exists()
    assert _siblings(out) == []


def test_a_folder_without_our_marker_is_never_replaced_even_with_overwrite(users_folder):
    before = _snapshot(users_folder)
    with pytest.raises(InputError, match=r"exports' — is not empty \(2 item\(s\): sap_notes.docx, "
                                         r"subjects.csv\) and t1dtrial did not write it \(it holds no "
                                         r"\.t1dtrial-output\.json\), so nothing in it is replaced, "
                                         r"not even with --overwrite; expected a new folder, or an "
                                         r"empty one"):
        write_output(users_folder, "analysis", _tables, overwrite=True)
    assert _snapshot(users_folder) == before
    assert _siblings(users_folder) == []


def test_a_marker_that_is_not_ours_does_not_make_a_folder_ours(users_folder):
    (users_folder / MARKER).write_text('{"kind": "analysis"}')
    with pytest.raises(InputError, match="t1dtrial did not write it"):
        check_output_folder(users_folder, "analysis", overwrite=True)


def test_a_previous_output_is_replaced_only_with_overwrite(tmp_path):
    out = write_output(tmp_path / "results", "analysis", _tables)
    before = _snapshot(out)
    with pytest.raises(InputError, match=r"results' — holds a previous t1dtrial output \(analysis "
                                         r"results, written .*Z by t1dtrial .*\); expected "
                                         r"--overwrite to replace it, or a new or empty folder"):
        write_output(out, "analysis", lambda tmp: _tables(tmp, "n\n26\n"))
    assert _snapshot(out) == before
    write_output(out, "analysis", lambda tmp: _tables(tmp, "n\n26\n"), overwrite=True)
    assert (out / "tables" / "primary_endpoint.csv").read_text() == "n\n26\n"
    assert _siblings(out) == []


@pytest.mark.parametrize("theirs, ours", [("derived", "analysis"), ("simulated", "derived"),
                                          ("analysis", "simulated")])
def test_a_previous_output_of_another_kind_is_refused_even_with_overwrite(tmp_path, theirs, ours):
    out = write_output(tmp_path / "out", theirs, _tables)
    before = _snapshot(out)
    with pytest.raises(InputError, match=rf"holds a previous t1dtrial output of another kind "
                                         rf"\({KINDS[theirs]}, .*--overwrite replaces only "
                                         rf"{KINDS[ours]}; expected a new folder, an empty one"):
        write_output(out, ours, _tables, overwrite=True)
    assert _snapshot(out) == before


def test_files_added_to_a_previous_output_keep_it_from_being_replaced(tmp_path):
    out = write_output(tmp_path / "results", "analysis", _tables)
    (out / "my_comments.docx").write_bytes(b"mine")
    with pytest.raises(InputError, match=r"holds a previous t1dtrial output and 1 file\(s\) t1dtrial "
                                         r"did not write \(my_comments.docx\), which replacing it "
                                         r"would delete; expected those files moved elsewhere"):
        write_output(out, "analysis", _tables, overwrite=True)
    assert (out / "my_comments.docx").read_bytes() == b"mine"


def test_a_file_is_refused(tmp_path):
    (tmp_path / "results").write_text("a file")
    with pytest.raises(InputError, match=r"results' — is a file, not a folder; expected a new "
                                         r"folder, or an empty one"):
        write_output(tmp_path / "results", "analysis", _tables)
    assert (tmp_path / "results").read_text() == "a file"


@pytest.mark.parametrize("marked", [False, True], ids=["empty", "marked"])
def test_the_working_folder_and_its_parents_are_refused_even_empty_or_marked(
        tmp_path, monkeypatch, marked):
    work = tmp_path / "work"
    work.mkdir()
    if marked:
        write_output(work, "analysis", _tables)
    monkeypatch.chdir(work)
    with pytest.raises(InputError, match=r"--out: '\.' — is the working folder; t1dtrial never "
                                         r"writes its output there; expected a new folder, or an "
                                         r"empty one, elsewhere \(e.g. --out results\)"):
        check_output_folder(".", "analysis", overwrite=True)
    with pytest.raises(InputError, match=rf"'\.\.' — contains the working folder \({work}\)"):
        check_output_folder("..", "analysis", overwrite=True)


def test_the_input_and_its_parents_are_refused_even_when_marked(tmp_path, users_folder):
    with pytest.raises(InputError, match=r"exports' — is the input of this command \(the data it "
                                         r"reads\); t1dtrial never writes its output there"):
        check_output_folder(users_folder, "analysis", overwrite=True, inputs=[users_folder])
    marked = write_output(tmp_path / "sim", "simulated", _tables)
    with pytest.raises(InputError, match="is the input of this command"):
        check_output_folder(marked, "simulated", overwrite=True, inputs=[marked])
    with pytest.raises(InputError, match=rf"contains the input of this command \({users_folder}\)"):
        check_output_folder(tmp_path, "analysis", overwrite=True, inputs=[users_folder])
    store = tmp_path / "study.duckdb"
    store.write_bytes(b"db")
    with pytest.raises(InputError, match="is the input of this command"):
        check_output_folder(store, "analysis", inputs=[store])
    check_output_folder(users_folder / "results", "analysis", inputs=[users_folder])  # a new path


def test_the_home_folder_and_the_root_are_refused(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    with pytest.raises(InputError, match=r"home' — is your home folder"):
        check_output_folder(home, "analysis", overwrite=True)
    with pytest.raises(InputError, match=r"'/' — is the root of the file system"):
        check_output_folder("/", "analysis", overwrite=True)


def test_an_unknown_kind_is_a_programming_error(tmp_path):
    with pytest.raises(ValueError, match=r"'kind' parameter .* Got 'report' instead"):
        check_output_folder(tmp_path / "x", "report")


def test_a_failed_build_leaves_the_previous_output_and_no_temporary(tmp_path):
    out = write_output(tmp_path / "results", "analysis", _tables)
    before = _snapshot(out)

    def broken(tmp: Path) -> None:
        _tables(tmp)
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_output(out, "analysis", broken, overwrite=True)
    assert _snapshot(out) == before and _siblings(out) == []


def test_the_previous_output_stays_whole_while_the_new_one_is_built(tmp_path):
    out = write_output(tmp_path / "results", "analysis", _tables)
    before = _snapshot(out)
    seen = {}

    def build(tmp: Path) -> None:
        seen["during"] = _snapshot(out)
        seen["tmp"] = tmp
        _tables(tmp, "n\n26\n")

    write_output(out, "analysis", build, overwrite=True)
    assert seen["during"] == before
    assert seen["tmp"].parent == out.parent and seen["tmp"].name.startswith(".results.t1dtrial-")


def test_a_previous_output_is_swapped_in_one_step_on_linux(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "x").write_text("a")
    (b / "x").write_text("b")
    assert outputs._renameat2(a, b, outputs._RENAME_EXCHANGE) is sys.platform.startswith("linux")
    assert ((a / "x").read_text(), (b / "x").read_text()) == ("b", "a")


def test_without_an_atomic_swap_two_renames_replace_the_output(tmp_path, monkeypatch):
    monkeypatch.setattr(outputs, "_libc_renameat2", lambda: None)
    out = write_output(tmp_path / "results", "analysis", _tables)
    write_output(out, "analysis", lambda tmp: _tables(tmp, "n\n26\n"), overwrite=True)
    assert (out / "tables" / "primary_endpoint.csv").read_text() == "n\n26\n"
    assert _siblings(out) == []


def test_without_an_atomic_swap_a_failed_second_rename_puts_the_previous_output_back(
        tmp_path, monkeypatch):
    out = write_output(tmp_path / "results", "analysis", _tables)
    before = _snapshot(out)
    monkeypatch.setattr(outputs, "_libc_renameat2", lambda: None)
    real, failed = os.rename, []

    def rename(src, dst):
        if Path(dst) == out and not failed:  # the new folder into place (not the old one back)
            failed.append(src)
            raise OSError("device busy")
        real(src, dst)

    monkeypatch.setattr(outputs.os, "rename", rename)
    with pytest.raises(OSError, match="device busy"):
        write_output(out, "analysis", lambda tmp: _tables(tmp, "n\n26\n"), overwrite=True)
    monkeypatch.undo()
    assert _snapshot(out) == before and _siblings(out) == []


@pytest.mark.parametrize("mask, folder_mode, file_mode", [(0o022, 0o755, 0o644),
                                                          (0o027, 0o750, 0o640)])
def test_folders_and_files_follow_the_umask(tmp_path, umask, mask, folder_mode, file_mode):
    umask(mask)
    out = write_output(tmp_path / "new" / "results", "analysis", _tables)
    folders = [out, out.parent, *[p for p in out.rglob("*") if p.is_dir()]]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {stat.S_IMODE(p.stat().st_mode) for p in folders} == {folder_mode}
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {file_mode}


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporaries_of_a_dead_run_are_removed_and_nothing_else(tmp_path):
    out = write_output(tmp_path / "results", "analysis", _tables)
    dead, alive = _dead_pid(), os.getppid()
    stale = tmp_path / f".results.t1dtrial-{dead}-0123abcd"
    write_output(tmp_path / "elsewhere", "analysis", _tables).rename(stale)  # a killed run's folder
    (tmp_path / f".results.t1dtrial-{dead}-4567abcd").mkdir()  # killed before its marker
    running = tmp_path / f".results.t1dtrial-{alive}-89abcdef"
    write_output(tmp_path / "other", "analysis", _tables).rename(running)
    unmarked = tmp_path / f".results.t1dtrial-{dead}-fedcba98"
    unmarked.mkdir()
    (unmarked / "notes.txt").write_text("not ours")
    user = tmp_path / ".results.backup"
    user.mkdir()
    write_output(out, "analysis", _tables, overwrite=True)
    assert _siblings(out) == sorted([running.name, unmarked.name, user.name])


_KILLED_WRITE = """
import pathlib, sys, time
from t1dtrial import outputs

out, flag, point = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]

def pause():
    flag.touch()
    time.sleep(120)

def build(tmp):
    (tmp / "tables").mkdir()
    (tmp / "tables" / "primary_endpoint.csv").write_text("n\\n26\\n")
    if point == "building":
        pause()
    (tmp / "provenance.json").write_text("{}\\n")

# "complete": the new folder is whole, not yet in place; "swapped": in place, the old one not removed
hook = {"complete": "_put_in_place", "swapped": "_discard"}.get(point)
if hook:
    real = getattr(outputs, hook)
    def paused(*args):
        pause()
        return real(*args)
    setattr(outputs, hook, paused)
outputs.write_output(out, "analysis", build, overwrite=True)
"""


def _kill_when_flagged(args: list[str], flag: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_WRITE, *args])
    try:
        deadline = time.monotonic() + 120
        while not flag.exists():
            assert proc.poll() is None, "the writer ended before it could be killed"
            assert time.monotonic() < deadline, "the writer never reached the point"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("point", ["building", "complete"])
def test_a_writer_killed_before_the_swap_leaves_the_previous_output_and_the_next_run_works(
        tmp_path, point):
    out = write_output(tmp_path / "results", "analysis", _tables)
    before = _snapshot(out)
    _kill_when_flagged([str(out), str(tmp_path / "flag"), point], tmp_path / "flag")
    assert _snapshot(out) == before
    left = _siblings(out)
    assert len(left) == 2 and left[0].startswith(".results.t1dtrial-")  # and "flag"
    write_output(out, "analysis", lambda tmp: _tables(tmp, "n\n25\n"), overwrite=True)
    assert (out / "tables" / "primary_endpoint.csv").read_text() == "n\n25\n"
    assert _siblings(out) == ["flag"]


def test_a_writer_killed_after_the_swap_leaves_the_new_output_whole(tmp_path):
    out = write_output(tmp_path / "results", "analysis", _tables)
    _kill_when_flagged([str(out), str(tmp_path / "flag"), "swapped"], tmp_path / "flag")
    marker = read_marker(out)
    assert sorted(_snapshot(out)) == sorted([MARKER, *marker["files"]])
    assert (out / "tables" / "primary_endpoint.csv").read_text() == "n\n26\n"
    stale = [name for name in _siblings(out) if name != "flag"]
    assert len(stale) == 1 and read_marker(tmp_path / stale[0])["kind"] == "analysis"  # the old one
    write_output(out, "analysis", _tables, overwrite=True)
    assert _siblings(out) == ["flag"]
