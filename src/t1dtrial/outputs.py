"""Output folders: which ``--out`` a command may write, and writing it whole or not at all.

Every folder a command writes (analysis results, derived datasets, a
simulated trial) carries a marker file, :data:`MARKER`, naming its kind, the
package version, the time it was written (UTC) and the files it holds. The
rules (:func:`check_output_folder`) are:

- ``--out`` may be a new path or an empty folder;
- a folder that is not empty only when it is a previous t1dtrial output of
  the same kind (its marker says so, and it holds no file t1dtrial did not
  write) and ``overwrite`` is given;
- never a folder without our marker, not even with ``overwrite``;
- never the input of the command or a folder containing it, the working
  folder or a folder containing it, the home folder or the root of the file
  system, even when empty or marked;
- never a file.

:func:`write_output` builds the folder in a hidden sibling
(``.<name>.t1dtrial-<pid>-<random>``), writes the marker, then puts it in
place. A previous output is swapped with the new one in one step where the
system allows it (Linux ``renameat2(RENAME_EXCHANGE)``): the old folder stays
whole until the new one is complete, and there is no moment without a
folder. Elsewhere two renames are used. Hidden siblings left by a killed run
are removed by the next run when their name, a writer that is no longer
running and our marker show them to be ours; otherwise they are ignored.
Folders and files get the permissions of the user's umask.

Examples
--------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "results"
>>> _ = write_output(out, "analysis", lambda tmp: (tmp / "table.csv").write_text("n\\n27\\n"))
>>> read_marker(out)["kind"], sorted(p.name for p in out.iterdir())
('analysis', ['.t1dtrial-output.json', 'table.csv'])
>>> check_output_folder(out, "analysis")
Traceback (most recent call last):
...
t1dtrial.errors.InputError: --out: '...results' — holds a previous t1dtrial output (analysis results, ...); expected --overwrite to replace it, or a new or empty folder
>>> _ = write_output(out, "analysis", lambda tmp: (tmp / "other.csv").write_text("n\\n26\\n"),
...                  overwrite=True)
>>> sorted(p.name for p in out.iterdir())
['.t1dtrial-output.json', 'other.csv']
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import functools
import json
import os
import re
import secrets
import shutil
import sys
from pathlib import Path
from typing import Any, Callable, Iterable

from ._validation import check_one_of
from .errors import InputError, option_error

__all__ = ["KINDS", "MARKER", "check_output_folder", "write_output", "update_output",
           "read_marker", "check_new_file", "write_new_file"]

#: Kinds of output folder, with the words a message uses for each.
KINDS: dict[str, str] = {
    "analysis": "analysis results",
    "derived": "derived datasets",
    "simulated": "a simulated trial",
}

#: Name of the marker file written into every output folder.
MARKER = ".t1dtrial-output.json"

#: Files a file manager leaves in folders it shows; they do not make a folder "ours" or "theirs".
_LITTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
_SUGGESTION = {"analysis": "results", "derived": "derived", "simulated": "simulated-trial"}
_RENAME_NOREPLACE, _RENAME_EXCHANGE, _AT_FDCWD = 1, 2, -100


def read_marker(folder: str | os.PathLike) -> dict[str, Any] | None:
    """The marker of a t1dtrial output folder, or ``None`` when it has no readable one.

    Examples
    --------
    >>> import tempfile
    >>> read_marker(tempfile.mkdtemp()) is None
    True
    """
    path = Path(folder) / MARKER
    try:
        marker = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("generator") != "t1dtrial" \
            or marker.get("kind") not in KINDS:
        return None
    return marker


def check_output_folder(out: str | os.PathLike, kind: str, *, overwrite: bool = False,
                        inputs: Iterable[str | os.PathLike] = (), option: str = "--out") -> Path:
    """Refuse an output path the rules of this module forbid; return it resolved.

    Parameters
    ----------
    out : path
        The ``--out`` of a command.
    kind : {"analysis", "derived", "simulated"}
        What the command writes (:data:`KINDS`).
    overwrite : bool
        Whether a previous t1dtrial output of the same kind may be replaced.
    inputs : iterable of paths
        The command's inputs (data folder, workbook, store file); neither they
        nor a folder containing them may be the output.
    option : str
        How the command line names ``out``, for messages (``--out``, ``RESULTS_DIR``).

    Returns
    -------
    Path
        ``out``, absolute with symbolic links resolved.

    Raises
    ------
    InputError
        Naming the folder, why it is refused and what would be right.

    Examples
    --------
    >>> import os
    >>> check_output_folder(os.getcwd(), "derived")
    Traceback (most recent call last):
    ...
    t1dtrial.errors.InputError: --out: '...' — is the working folder; ...
    """
    check_one_of("check_output_folder", "kind", kind, sorted(KINDS))
    target = Path(out).expanduser().resolve()
    why = _protected(target, inputs)
    if why:
        raise _refusal(out, f"{why}; t1dtrial never writes its output there",
                       f"a new folder, or an empty one, elsewhere (e.g. --out {_suggest(kind)})",
                       option)
    if target.exists() and not target.is_dir():
        raise _refusal(out, "is a file, not a folder", f"a new folder, or an empty one "
                                                      f"(e.g. --out {_suggest(kind)})", option)
    if target.is_dir():
        _check_contents(out, target, kind, overwrite, option)
    return target


def write_output(out: str | os.PathLike, kind: str, build: Callable[[Path], Any], *,
                 overwrite: bool = False, inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Check ``out``, call ``build(folder)`` on a hidden sibling, mark it and put it in place.

    Parameters
    ----------
    out, kind, overwrite, inputs
        As :func:`check_output_folder`.
    build : callable
        Writes every file of the output into the folder it is given.

    Returns
    -------
    Path
        The folder written (absolute).

    Raises
    ------
    InputError
        When ``out`` is refused (nothing is written). If ``build`` raises,
        its error propagates and ``out`` is as it was.

    Examples
    --------
    See the module docstring.
    """
    inputs = list(inputs)
    target = check_output_folder(out, kind, overwrite=overwrite, inputs=inputs)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _new_sibling(target)
    try:
        _write_marker(tmp, kind, files=[])
        build(tmp)
        _write_marker(tmp, kind, files=_listing(tmp))
        check_output_folder(out, kind, overwrite=overwrite, inputs=inputs)  # still allowed?
        old = _put_in_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        _discard(old)
    _remove_stale_siblings(target)
    return target


def update_output(out: str | os.PathLike, kind: str, files: dict[str, bytes], *,
                  option: str = "--out") -> Path:
    """Add or replace ``files`` in a previous t1dtrial output, whole or not at all.

    The folder is rebuilt in a hidden sibling (its files linked or copied,
    then ``files`` written) and swapped in one step, as :func:`write_output`
    does: a reader sees the old folder or the new one, never a mixture. The
    rules of :func:`check_output_folder` with ``overwrite`` apply (a folder
    holding a file t1dtrial did not write is refused).

    Parameters
    ----------
    out : path
        A previous output of ``kind``.
    kind : str
        Its kind (:data:`KINDS`).
    files : dict of str to bytes
        Content by path relative to the folder.
    option : str
        How the command line names ``out``, for messages.

    Returns
    -------
    Path
        The folder (absolute).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "results"
    >>> _ = write_output(out, "analysis", lambda tmp: (tmp / "a.csv").write_text("n\\n1\\n"))
    >>> _ = update_output(out, "analysis", {"report.html": b"<html></html>"})
    >>> sorted(read_marker(out)["files"])
    ['a.csv', 'report.html']
    """
    target = check_output_folder(out, kind, overwrite=True, option=option)
    kept = [f for f in _listing(target) if f not in files]

    def build(tmp: Path) -> None:
        for relative in kept:
            path = tmp / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(target / relative, path)
            except OSError:
                shutil.copy2(target / relative, path)
        for relative, content in files.items():
            path = tmp / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)

    return write_output(target, kind, build, overwrite=True)


def check_new_file(path: str | os.PathLike, *, option: str = "--out",
                   suffixes: Iterable[str] = ()) -> Path:
    """Refuse a single-file output that exists (t1dtrial never writes over a user's file),
    sits in no folder, or has a suffix other than ``suffixes``.

    Returns
    -------
    Path
        The path, absolute.

    Raises
    ------
    InputError
        Naming the option, the path and what would be right.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> check_new_file(folder / "power.csv").name
    'power.csv'
    >>> check_new_file(folder / "power.txt", option="--figure", suffixes=(".svg", ".png"))
    Traceback (most recent call last):
    ...
    t1dtrial.errors.InputError: --figure: '...power.txt' — has a suffix t1dtrial does not write here; expected a file name ending in .svg or .png
    """
    target = Path(path).expanduser().absolute()
    suffixes = tuple(suffixes)
    if suffixes and target.suffix.lower() not in suffixes:
        raise _refusal(path, "has a suffix t1dtrial does not write here",
                       f"a file name ending in {' or '.join(suffixes)}", option)
    if len(os.fsencode(target.name)) > _NAME_MAX:
        raise _refusal(path, f"has a file name longer than {_NAME_MAX} bytes",
                       "a shorter file name", option)
    if target.exists() or target.is_symlink():
        raise _refusal(path, "exists; t1dtrial does not write over a file", "a new file name",
                       option)
    if not target.parent.is_dir():
        raise _refusal(path, "is in a folder that does not exist", "a file in an existing folder",
                       option)
    return target


def write_new_file(path: str | os.PathLike, data: bytes, *, option: str = "--out") -> Path:
    """Write ``data`` to a new file, whole or not at all and never over an existing file.

    The bytes go to a hidden sibling first, which is then linked to ``path``
    (a hard link fails if ``path`` appeared meanwhile: nothing is replaced).

    Returns
    -------
    Path
        The file written (absolute).

    Raises
    ------
    InputError
        When the file exists (see :func:`check_new_file`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "power.csv"
    >>> write_new_file(out, b"n1,power\\n27,0.73\\n").read_text()
    'n1,power\\n27,0.73\\n'
    """
    target = check_new_file(path, option=option)
    tmp = target.with_name(f"{_sibling_prefix(target)}{os.getpid()}-{secrets.token_hex(4)}")
    try:
        tmp.write_bytes(data)
        try:
            os.link(tmp, target)  # fails when the name exists: never written over
        except FileExistsError:
            raise _refusal(path, "exists; t1dtrial does not write over a file",
                           "a new file name", option) from None
        except OSError:  # a file system without hard links
            check_new_file(path, option=option)
            os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _refusal(out: str | os.PathLike, problem: str, expected: str,
             option: str = "--out") -> InputError:
    return option_error(option, out, problem, expected)


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a == b


def _protected(target: Path, inputs: Iterable[str | os.PathLike]) -> str | None:
    """Why ``target`` may never be an output folder, or ``None``."""
    if target == Path(target.anchor):
        return "is the root of the file system"
    try:
        if _same(target, Path.home().resolve()):
            return "is your home folder"
    except RuntimeError:  # no home folder known
        pass
    cwd = Path.cwd().resolve()
    if _same(target, cwd):
        return "is the working folder"
    if any(_same(target, p) for p in cwd.parents):
        return f"contains the working folder ({cwd})"
    for given in inputs:
        source = Path(given).expanduser().resolve()
        if _same(target, source):
            return "is the input of this command (the data it reads)"
        if any(_same(target, p) for p in source.parents):
            return f"contains the input of this command ({source})"
    return None


def _suggest(kind: str) -> str:
    """A folder name in the working folder that does not exist yet."""
    base = _SUGGESTION[kind]
    name, n = base, 1
    while Path(name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _files(folder: Path) -> list[str]:
    """Relative paths of the files under ``folder``, ours or not, litter left out."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if not p.is_dir() and p.name not in _LITTER)


def _listing(folder: Path) -> list[str]:
    return [f for f in _files(folder) if f != MARKER]


def _check_contents(out: str | os.PathLike, target: Path, kind: str, overwrite: bool,
                    option: str = "--out") -> None:
    """Refuse a non-empty folder unless it is a previous output of ``kind`` and ``overwrite``."""
    present = [p.name for p in sorted(target.iterdir()) if p.name not in _LITTER]
    if not present:
        return
    marker = read_marker(target)
    if marker is None:
        shown = ", ".join(present[:3]) + (", ..." if len(present) > 3 else "")
        raise _refusal(out, f"is not empty ({len(present)} item(s): {shown}) and t1dtrial did not "
                            f"write it (it holds no {MARKER}), so nothing in it is replaced, not "
                            f"even with --overwrite",
                       f"a new folder, or an empty one (e.g. --out {_suggest(kind)})",
                       option)
    written = f"{KINDS[marker['kind']]}, written {marker.get('created_utc', '?')} by t1dtrial " \
              f"{marker.get('package_version', '?')}"
    if marker["kind"] != kind:
        raise _refusal(out, f"holds a previous t1dtrial output of another kind ({written}); "
                            f"--overwrite replaces only {KINDS[kind]}",
                       f"a new folder, an empty one, or a previous output of {KINDS[kind]}",
                       option)
    if not overwrite:
        raise _refusal(out, f"holds a previous t1dtrial output ({written})",
                       "--overwrite to replace it, or a new or empty folder", option)
    foreign = sorted(set(_listing(target)) - set(marker.get("files", [])))
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise _refusal(out, f"holds a previous t1dtrial output and {len(foreign)} file(s) t1dtrial "
                            f"did not write ({shown}), which replacing it would delete",
                       "those files moved elsewhere first, or a new or empty folder",
                       option)


def _write_marker(folder: Path, kind: str, files: list[str]) -> None:
    from . import __version__

    marker = {"generator": "t1dtrial", "kind": kind, "description": f"t1dtrial output: {KINDS[kind]}",
              "package_version": __version__,
              "created_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "files": files}
    (folder / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


#: Longest file name most file systems take (bytes).
_NAME_MAX = 255


def _sibling_prefix(target: Path) -> str:
    return f".{target.name[:100]}.t1dtrial-"


def _new_sibling(target: Path) -> Path:
    """Create an empty hidden sibling of ``target``; ``os.mkdir`` gives it the umask's mode."""
    while True:
        path = target.with_name(f"{_sibling_prefix(target)}{os.getpid()}-{secrets.token_hex(4)}")
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue


def _put_in_place(tmp: Path, target: Path) -> Path | None:
    """Move ``tmp`` to ``target``; return where the folder it replaced now is (or ``None``)."""
    if not target.exists():
        if not _renameat2(tmp, target, _RENAME_NOREPLACE):
            os.rename(tmp, target)
        return None
    if _renameat2(tmp, target, _RENAME_EXCHANGE):
        return tmp
    old = _new_sibling(target)
    os.rmdir(old)
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(old, target)  # put the previous folder back
        raise
    return old


def _discard(old: Path) -> None:
    """Delete a folder this module moved aside: ours by marker, or empty but for litter."""
    if read_marker(old) is not None:
        shutil.rmtree(old, ignore_errors=True)
        return
    for name in _LITTER:
        (old / name).unlink(missing_ok=True)
    try:
        old.rmdir()
    except OSError:  # something appeared that is not ours: leave it
        pass


def _remove_stale_siblings(target: Path) -> None:
    """Remove hidden siblings of ``target`` left by a run of t1dtrial that was killed."""
    if os.name != "posix":  # no safe way to ask whether the writer still runs
        return
    pattern = re.compile(re.escape(_sibling_prefix(target)) + r"([0-9]+)-[0-9a-f]{8}")
    for path in target.parent.iterdir():
        match = pattern.fullmatch(path.name)
        if match and path.is_dir() and not path.is_symlink() and not _running(int(match[1])):
            _discard(path)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@functools.cache
def _libc_renameat2() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a C library without renameat2 (glibc < 2.28)
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def _renameat2(src: Path, dst: Path, flags: int) -> bool:
    """``renameat2(2)``; ``False`` where the system or the file system does not offer ``flags``."""
    fn = _libc_renameat2()
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(src), None, str(dst))
