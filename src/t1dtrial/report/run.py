"""Analyse a trial and write its output folder, in one call (``t1dtrial analyze`` and ``demo``).

:func:`analyze_to_folder` is the whole of ``t1dtrial analyze``: it refuses
an output folder it may not write before any work, reads the trial (a data
folder, or a data cut of a study store), runs the analysis plan, renders
the report (HTML, Word and, on request, PDF, with its figures) and writes it
with the tables, ADaM datasets, notes, protocol and provenance whole or not
at all. :func:`demo_to_folder` does the same for the packaged
synthetic twin. The command line only parses its arguments, makes one of
these calls and prints the summary.

Examples
--------
>>> import tempfile, pathlib
>>> from t1dtrial.errors import InputError
>>> out = pathlib.Path(tempfile.mkdtemp()) / "results"
>>> try:
...     analyze_to_folder(out)
... except InputError as exc:
...     print(exc.problems[0].problem, "-", exc.problems[0].expected)
no data given - a data folder, or --store study.duckdb
>>> out.exists()
False
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis import Results
    from ..data import Trial
    from ..protocol import Protocol

__all__ = ["AnalysisRun", "analyze_to_folder", "demo_to_folder"]

#: Words that stand for the command-line options reading a data folder (for messages).
_FOLDER_OPTIONS = {"data": "DATA", "format": "--format", "drop_identifiers": "--drop-identifiers",
                   "allow_columns": "--allow-column"}


@dataclass(frozen=True)
class AnalysisRun:
    """An analysis written to its output folder.

    Parameters
    ----------
    results : Results
        The tables, ADaM datasets, notes, provenance and figures written.
    folder : Path
        The output folder (absolute).
    protocol : Protocol
        The protocol the trial was analysed under.
    """

    results: "Results"
    folder: Path
    protocol: "Protocol"

    @property
    def protocol_id(self) -> str:
        """The protocol's id."""
        return self.protocol.id


def analyze_to_folder(out: str | Path, *, data: str | Path | None = None,
                      store: str | Path | None = None, protocol: "str | Path | None" = None,
                      as_of: dt.date | str | None = None, cutoff: str | None = None,
                      seed: int | None = None, format: str = "auto",
                      drop_identifiers: bool = False, allow_columns: Iterable[str] = (),
                      overwrite: bool = False, pdf: bool = False,
                      command_line: Sequence[str] | None = None,
                      progress: Callable[[str], None] | None = None,
                      xpt: bool = False) -> AnalysisRun:
    """Read a trial, run its analysis plan, draw the figures and write the output folder.

    Parameters
    ----------
    out : path
        Output folder: a new path, an empty folder, or (with ``overwrite``) a
        previous t1dtrial analysis output. Checked before any work.
    data : path, optional
        Data folder (CSV, Excel, SDTM or REDCap export).
    store : path, optional
        A DuckDB study store to read a data cut from instead of ``data``.
    protocol : str or Path, optional
        Packaged protocol name or YAML file; default ``lu2021`` for a data
        folder, the protocol recorded at import for a store.
    as_of : date or str, optional
        With ``store``: the latest import on or before this date.
    cutoff : str, optional
        Clinical data cut-off ``YYYY-MM-DD`` (see :func:`t1dtrial.analysis.analyze`).
    seed : int, optional
        Seed of stochastic steps (default: the protocol's).
    format, drop_identifiers, allow_columns
        As for :func:`t1dtrial.data.load_folder` (a data folder only).
    overwrite : bool
        Replace a previous analysis output.
    pdf : bool
        Also write ``report.pdf`` (beside ``report.html`` and ``report.docx``).
    command_line : sequence of str, optional
        The command line run, recorded in provenance.
    progress : callable, optional
        Called with each step as it starts: ``analysing: <step>``,
        ``building the report``, ``writing the HTML report``, ..., ``writing tables``.
    xpt : bool
        Also write the submission set in ``submission/``: the conformant ADaM
        datasets as SAS transport v5 and CSV, and the define metadata
        (:func:`t1dtrial.derive.submission_files`).

    Returns
    -------
    AnalysisRun

    Raises
    ------
    InputError
        When ``out`` is refused, the cut-off is no date, neither or both of
        ``data`` and ``store`` are given (or folder options with a store), or
        the data are wrong.
    """
    from ..data import load_folder
    from ..data.cutoff import parse_cutoff
    from ..errors import InputError, Problem
    from ..outputs import check_output_folder
    from ..protocol import load_protocol

    inputs = [Path(p) for p in (data, store) if p is not None]
    check_output_folder(out, "analysis", overwrite=overwrite, inputs=inputs)  # before any work
    if cutoff is not None:
        parse_cutoff(cutoff)
    if store is not None:
        from ..store import read_trial

        _refuse_folder_options(data=data, format=format, drop_identifiers=drop_identifiers,
                               allow_columns=allow_columns)
        trial = read_trial(store, as_of=as_of, protocol=protocol)
    elif data is None:
        raise InputError([Problem(file="", row=None, column="DATA", value=None,
                                  problem="no data given",
                                  expected="a data folder, or --store study.duckdb")])
    else:
        trial = load_folder(data, load_protocol(protocol or "lu2021"), format=format,
                            drop_identifiers=drop_identifiers, allow_columns=allow_columns or ())
    return _analyse_and_write(trial, out, seed=seed, cutoff=cutoff, overwrite=overwrite,
                              inputs=inputs, pdf=pdf, command_line=command_line,
                              progress=progress, xpt=xpt)


def demo_to_folder(out: str | Path, *, overwrite: bool = False, pdf: bool = False,
                   command_line: Sequence[str] | None = None,
                   progress: Callable[[str], None] | None = None) -> AnalysisRun:
    """Analyse the packaged SYNTHETIC twin of the reference trial and write the output folder.

    Parameters
    ----------
    out, overwrite, pdf, command_line, progress
        As for :func:`analyze_to_folder`.

    Returns
    -------
    AnalysisRun
    """
    from ..datasets import load_lu2021, lu2021_path
    from ..outputs import check_output_folder

    inputs = [lu2021_path()]
    check_output_folder(out, "analysis", overwrite=overwrite, inputs=inputs)  # before any work
    return _analyse_and_write(load_lu2021(), out, seed=None, cutoff=None, overwrite=overwrite,
                              inputs=inputs, pdf=pdf, command_line=command_line,
                              progress=progress)


def _analyse_and_write(trial: "Trial", out: str | Path, *, seed: int | None,
                       cutoff: str | None, overwrite: bool, inputs: list[Path], pdf: bool,
                       command_line: Sequence[str] | None,
                       progress: Callable[[str], None] | None,
                       xpt: bool = False) -> AnalysisRun:
    """Analyse, draw the figures, write the folder (the steps every analysis command shares)."""
    from ..analysis import analyze
    from .source import PROTOCOL_FILE, ReportSource
    from .write import render_report

    step = progress or (lambda text: None)
    results = analyze(trial, seed=seed, cutoff=cutoff,
                      progress=lambda name: step(f"analysing: {name}"))
    if command_line is not None:
        results.provenance["command_line"] = list(command_line)
    results.files[PROTOCOL_FILE] = (trial.protocol.model_dump_json(indent=2) + "\n").encode()
    results.files.update(render_report(ReportSource(results, trial.protocol), pdf=pdf,
                                       progress=step))
    if xpt:
        from ..derive import SUBMISSION_FOLDER, submission_files

        step("writing the submission set")
        files = submission_files(results.adam, trial.protocol, study=trial.protocol.id)
        results.files.update({f"{SUBMISSION_FOLDER}/{k}": v for k, v in files.items()})
    step("writing tables")
    folder = results.write(out, overwrite=overwrite, inputs=inputs)
    return AnalysisRun(results=results, folder=Path(folder), protocol=trial.protocol)


def _refuse_folder_options(**given: object) -> None:
    """With a store, options that only apply to reading a folder are an error, not ignored."""
    from ..errors import InputError, Problem

    used = [_FOLDER_OPTIONS[k] for k, v in given.items() if v not in (None, False, "auto", [], ())]
    if used:
        raise InputError([Problem(
            file="--store", row=None, column=None, value=", ".join(used),
            problem="applies to reading a data folder; a store holds data already validated and "
                    "screened for identifiers at import",
            expected="either DATA (with these options) or --store, not both")])
