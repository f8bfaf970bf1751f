"""Writing derived datasets (CSV and Parquet) whole or not at all, and deriving a data folder.

Examples
--------
>>> OUTPUT_FILES[:3]
['adsl.csv', 'adsl.parquet', 'adlb.csv']
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable

import pandas as pd

from ..errors import InputError, Problem
from ._pipeline import Derived, derive_all

__all__ = ["OUTPUT_FILES", "write_derived", "derive_folder"]

_NAMES = ("adsl", "adlb", "adeff", "adae")

#: Files :func:`write_derived` writes.
OUTPUT_FILES = [f"{n}.{ext}" for n in _NAMES for ext in ("csv", "parquet")] + [
    "derivation_log.csv", "derivation_exclusions.csv"]


def _for_parquet(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].astype("string")
    return out


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, date_format="%Y-%m-%d", lineterminator="\n")


def write_derived(derived: Derived, out: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write the datasets as CSV and Parquet, plus derivation_log.csv and derivation_exclusions.csv.

    The files are written to a temporary folder beside ``out`` which is then
    renamed, so ``out`` holds either every file or none of them.

    Parameters
    ----------
    derived : Derived
        From :func:`~t1dtrial.derive.derive_all`.
    out : path
        Output folder; must not exist or be empty unless ``overwrite``.
    overwrite : bool
        Replace an existing non-empty folder.

    Returns
    -------
    Path of the folder written.

    Raises
    ------
    InputError
        When ``out`` exists, is not empty and ``overwrite`` is false, or is a file.

    Examples
    --------
    >>> # write_derived(derive_all(trial), "derived/")  -> Path("derived")
    """
    if not isinstance(derived, Derived):
        raise TypeError(f"The 'derived' parameter of write_derived must be a Derived. "
                        f"Got {type(derived).__name__} instead.")
    target = Path(out)
    if target.exists() and not target.is_dir():
        raise InputError([Problem(file=str(target), row=None, column=None, value=None,
                                  problem="the output path is a file",
                                  expected="a folder path (new or empty)")])
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise InputError([Problem(file=str(target), row=None, column=None, value=None,
                                  problem="the output folder exists and is not empty",
                                  expected="a new or empty folder, or --overwrite")])
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for name, df in derived.datasets.items():
            _write_csv(df, tmp / f"{name}.csv")
            _for_parquet(df).to_parquet(tmp / f"{name}.parquet", index=False)
        _write_csv(derived.log, tmp / "derivation_log.csv")
        _write_csv(derived.exclusions, tmp / "derivation_exclusions.csv")
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def derive_folder(data: str | os.PathLike, protocol: str | os.PathLike, out: str | os.PathLike,
                  *, data_cut: str | None = None, overwrite: bool = False,
                  drop_identifiers: bool = False, allow_columns: Iterable[str] = ()) -> Derived:
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
        Replace a non-empty ``out``; drop direct identifier columns on reading.
    allow_columns : iterable of str
        Flagged columns released as false positives (see :func:`t1dtrial.data.load_folder`).

    Returns
    -------
    Derived

    Examples
    --------
    >>> # derive_folder("exports/", "lu2021", "derived/")  -> Derived, files in derived/
    """
    from ..data import load_folder
    from ..protocol import load_protocol

    trial = load_folder(data, load_protocol(protocol), drop_identifiers=drop_identifiers,
                        allow_columns=allow_columns)
    derived = derive_all(trial, data_cut=data_cut)
    write_derived(derived, out, overwrite=overwrite)
    return derived
