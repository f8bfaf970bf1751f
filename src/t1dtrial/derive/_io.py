"""Writing derived datasets (CSV and Parquet) whole or not at all, and deriving a data folder.

Examples
--------
>>> OUTPUT_FILES[:3]
['adsl.csv', 'adsl.parquet', 'adlb.csv']
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from .._validation import check_instance
from ..outputs import check_output_folder, write_output
from ._common import CSV_OPTIONS
from ._metadata import DATASET_NAMES
from ._pipeline import Derived, derive_all
from ._submission import SUBMISSION_FOLDER, submission_files

__all__ = ["OUTPUT_FILES", "write_derived", "derive_folder"]


#: Files :func:`write_derived` writes (besides the marker :data:`t1dtrial.outputs.MARKER`).
OUTPUT_FILES = [f"{n}.{ext}" for n in DATASET_NAMES for ext in ("csv", "parquet")] + [
    "derivation_log.csv", "derivation_exclusions.csv"]


def _for_parquet(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].astype("string")
    return out


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, **CSV_OPTIONS)


def write_derived(derived: Derived, out: str | os.PathLike, *, overwrite: bool = False,
                  inputs: Iterable[str | os.PathLike] = (), xpt: bool = False,
                  protocol: Any = None) -> Path:
    """Write the datasets as CSV and Parquet, plus derivation_log.csv and derivation_exclusions.csv.

    With ``xpt``, also the submission set in ``submission/``: each conformant
    dataset as SAS transport v5 and CSV, and the define metadata
    (:func:`~t1dtrial.derive.submission_files`).

    The folder is written whole or not at all, with the marker of derived
    datasets (:func:`t1dtrial.outputs.write_output`).

    Parameters
    ----------
    derived : Derived
        From :func:`~t1dtrial.derive.derive_all`.
    out : path
        Output folder: a new path, an empty folder, or (with ``overwrite``) a
        previous t1dtrial output of derived datasets.
    overwrite : bool
        Replace a previous output of derived datasets.
    inputs : iterable of paths
        The data the datasets come from; never written over.
    xpt : bool
        Also write the submission set (``submission/``).
    protocol : Protocol, optional
        Describes the protocol's own variables in the define metadata.

    Returns
    -------
    Path of the folder written (absolute).

    Raises
    ------
    InputError
        When ``out`` is refused (see :func:`t1dtrial.outputs.check_output_folder`).

    Examples
    --------
    >>> # write_derived(derive_all(trial), "derived/")  -> Path("/.../derived")
    """
    check_instance("write_derived", "derived", derived, Derived,
                   "a Derived (t1dtrial.derive.derive_all)")

    files = submission_files(derived, protocol) if xpt else {}

    def build(tmp: Path) -> None:
        if files:
            (tmp / SUBMISSION_FOLDER).mkdir()
        for relative, content in files.items():
            (tmp / SUBMISSION_FOLDER / relative).write_bytes(content)
        for name, df in derived.datasets.items():
            _write_csv(df, tmp / f"{name}.csv")
            _for_parquet(df).to_parquet(tmp / f"{name}.parquet", index=False)
        _write_csv(derived.log, tmp / "derivation_log.csv")
        _write_csv(derived.exclusions, tmp / "derivation_exclusions.csv")

    return write_output(out, "derived", build, overwrite=overwrite, inputs=inputs)


def derive_folder(data: str | os.PathLike, protocol: str | os.PathLike, out: str | os.PathLike,
                  *, data_cut: str | None = None, overwrite: bool = False,
                  drop_identifiers: bool = False, allow_columns: Iterable[str] = (),
                  xpt: bool = False) -> Derived:
    """Load a data folder, derive every dataset and write them to ``out``.

    Parameters
    ----------
    data : path
        A data folder in the input contract (read by :func:`t1dtrial.data.load_folder`).
    protocol : str or path
        A packaged protocol name or a YAML file.
    out : path
        Output folder (see :func:`write_derived`).
    data_cut : str, optional
        ISO date of the data cut (default the latest date in the data).
    overwrite, drop_identifiers : bool
        Replace a previous output of derived datasets; drop direct identifier
        columns on reading.
    allow_columns : iterable of str
        Flagged columns released as false positives (see :func:`t1dtrial.data.load_folder`).
    xpt : bool
        Also write the submission set: XPT v5 and define metadata (:func:`write_derived`).

    Returns
    -------
    Derived

    Examples
    --------
    >>> # derive_folder("exports/", "lu2021", "derived/")  -> Derived, files in derived/
    """
    from ..data import load_folder
    from ..protocol import load_protocol

    check_output_folder(out, "derived", overwrite=overwrite, inputs=[data])  # before any work
    trial = load_folder(data, load_protocol(protocol), drop_identifiers=drop_identifiers,
                        allow_columns=allow_columns)
    derived = derive_all(trial, data_cut=data_cut)
    write_derived(derived, out, overwrite=overwrite, inputs=[data], xpt=xpt,
                  protocol=trial.protocol)
    return derived
