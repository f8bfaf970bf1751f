"""The submission set: the ADaM datasets as SAS transport v5 files with define metadata.

The datasets of :func:`~t1dtrial.derive.derive_all`, which the analysis and
the report read, are themselves the conformant ones (docs/adam.md): names
and PARAMCD within 8 characters, integer ``AGE`` with ``AGEU``, ``TRTP``/``TRTA``
and the population flags in every BDS dataset and ADAE, ``AVALC`` only "Y"/"N"
(blank when not assessable), ``CNSR`` only in ADTTE.
:func:`submission_datasets` takes them as they are; :func:`define_tables`
describes them (datasets, variables with label, type, length, origin and
derivation, parameters) and :func:`submission_files` writes both:
``<name>.xpt`` (SAS transport v5, variable and dataset labels), ``<name>.csv``
(the same values), ``define.json`` and the CSV pair ``define_variables.csv``
/ ``define_parameters.csv``.

Examples
--------
>>> from t1dtrial.datasets import load_lu2021
>>> from t1dtrial.derive import derive_all
>>> sub = submission_datasets(derive_all(load_lu2021()))
>>> sorted(sub), str(sub["adsl"].AGE.dtype), "CNSR" in sub["adeff"]
(['adae', 'adeff', 'adlb', 'adsl', 'adtte'], 'Int64', False)
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ._common import CSV_OPTIONS
from ._metadata import DATASET_LABELS, DATASET_NAMES, variable_of
from ._pipeline import Derived

__all__ = ["submission_datasets", "define_tables", "submission_files", "SUBMISSION_FOLDER"]

#: Folder of the submission set inside an output folder.
SUBMISSION_FOLDER = "submission"
#: Longest character value SAS transport v5 holds (bytes).
XPT_MAX_LENGTH = 200
_KEYS = {"adsl": "STUDYID, USUBJID", "adlb": "USUBJID, PARAMCD, AVISITN, ADT, SRCSEQ",
         "adeff": "USUBJID, PARAMCD, AVISITN", "adae": "USUBJID, AESEQ",
         "adtte": "USUBJID, PARAMCD, EPISODE"}
_CLASS = {"adsl": "SUBJECT LEVEL ANALYSIS DATASET", "adae": "OCCURRENCE DATA STRUCTURE",
          "adtte": "BASIC DATA STRUCTURE", "adlb": "BASIC DATA STRUCTURE",
          "adeff": "BASIC DATA STRUCTURE"}


def submission_datasets(derived: Derived | Mapping[str, pd.DataFrame]
                        ) -> dict[str, pd.DataFrame]:
    """The ADSL, ADLB, ADEFF, ADAE and ADTTE of a derivation, in that order.

    Parameters
    ----------
    derived : Derived or mapping of DataFrame
        From :func:`~t1dtrial.derive.derive_all`, or its datasets by name
        (``Results.adam``).

    Returns
    -------
    dict of DataFrame by lower-case name.

    Raises
    ------
    KeyError
        When a dataset is missing.
    """
    datasets = derived.datasets if isinstance(derived, Derived) else derived
    return {name: datasets[name] for name in DATASET_NAMES}


def _length(values: pd.Series, type_: str) -> int:
    if type_ == "Num":
        return 8
    texts = values.astype(object).dropna().astype(str)
    return max(1, int(texts.map(lambda t: len(t.encode("utf-8"))).max())) if len(texts) else 1


def _type(values: pd.Series) -> str:
    return "Num" if (pd.api.types.is_numeric_dtype(values.dtype)
                     or pd.api.types.is_datetime64_any_dtype(values.dtype)) else "Char"


def define_tables(datasets: dict[str, pd.DataFrame],
                  protocol: Any = None) -> dict[str, pd.DataFrame]:
    """Define metadata of submission datasets: ``datasets``, ``variables`` and ``parameters``.

    Returns
    -------
    dict with three DataFrames: ``datasets`` (dataset, label, class, keys,
    records), ``variables`` (dataset, order, name, label, type, length,
    origin, derivation) and ``parameters`` (dataset, PARAMCD, PARAM).

    Raises
    ------
    KeyError
        When a variable has no metadata (:func:`~t1dtrial.derive.variable_of`).
    """
    sets, variables, params = [], [], []
    for name, frame in datasets.items():
        sets.append({"dataset": name.upper(), "label": DATASET_LABELS[name],
                     "class": _CLASS[name], "keys": _KEYS[name], "records": len(frame)})
        for order, column in enumerate(frame.columns, start=1):
            meta = variable_of(name, column, protocol)
            type_ = _type(frame[column])
            variables.append({"dataset": name.upper(), "order": order, "name": column,
                              "label": meta.label, "type": type_,
                              "length": _length(frame[column], type_),
                              "origin": meta.origin, "derivation": meta.derivation})
        if "PARAMCD" in frame.columns:
            pairs = frame[["PARAMCD", "PARAM"]].astype(str).drop_duplicates()
            params += [{"dataset": name.upper(), "PARAMCD": c, "PARAM": p}
                       for c, p in pairs.itertuples(index=False)]
    return {"datasets": pd.DataFrame(sets), "variables": pd.DataFrame(variables),
            "parameters": pd.DataFrame(params, columns=["dataset", "PARAMCD", "PARAM"])}


def _for_xpt(frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            out[column] = values.dt.date.astype(object).where(values.notna(), None)
        elif pd.api.types.is_numeric_dtype(values.dtype):
            out[column] = values.astype("float64")
        else:
            out[column] = values.astype(object).where(values.notna(), "").astype(str)
    return pd.DataFrame(out)


def submission_files(derived: Derived | Mapping[str, pd.DataFrame], protocol: Any = None, *,
                     study: str = "") -> dict[str, bytes]:
    """Every file of the submission set by name: XPT v5, CSV, define JSON and CSV pair.

    Parameters
    ----------
    derived
        As for :func:`submission_datasets`.
    protocol : Protocol, optional
        Describes the variables it makes (subgroup and population flags).
    study : str
        Study identifier in define.json (default the Derived's protocol id).

    Raises
    ------
    InputError
        When a character value is longer than SAS transport v5 holds (200 bytes).

    Examples
    --------
    >>> from t1dtrial.datasets import load_lu2021
    >>> from t1dtrial.derive import derive_all
    >>> files = submission_files(derive_all(load_lu2021()))
    >>> sorted(files)[:4]
    ['adae.csv', 'adae.xpt', 'adeff.csv', 'adeff.xpt']
    """
    import pyreadstat

    if isinstance(derived, Derived):
        study = study or derived.protocol_id
    datasets = submission_datasets(derived)
    define = define_tables(datasets, protocol)
    labels = define["variables"]
    too_long = labels.loc[labels["length"] > XPT_MAX_LENGTH]
    if len(too_long):
        from ..errors import InputError, Problem

        raise InputError([Problem(
            file=f"{row.dataset.lower()}.xpt", row=None, column=row.name, value=row.length,
            problem=f"values of {row.name} are {row.length} bytes long; SAS transport v5 "
                    f"holds at most {XPT_MAX_LENGTH}",
            expected="shorter texts (e.g. the protocol's labels) or no --xpt")
            for row in too_long.itertuples(index=False)])
    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, frame in datasets.items():
            path = Path(tmp) / f"{name}.xpt"
            column_labels = labels.loc[labels["dataset"] == name.upper(), "label"].tolist()
            pyreadstat.write_xport(_for_xpt(frame), str(path), file_format_version=5,
                                   table_name=name.upper(), file_label=DATASET_LABELS[name],
                                   column_labels=column_labels)
            files[f"{name}.xpt"] = path.read_bytes()
            files[f"{name}.csv"] = frame.to_csv(**CSV_OPTIONS).encode()
    document = {
        "standard": "CDISC ADaM IG 1.3 names; t1dtrial define metadata 1.0 (JSON, not "
                    "Define-XML)",
        "study": study,
        **{k: v.to_dict(orient="records") for k, v in define.items()}}
    files["define.json"] = (json.dumps(document, indent=2, default=str) + "\n").encode()
    files["define_variables.csv"] = define["variables"].to_csv(
        index=False, lineterminator="\n").encode()
    files["define_parameters.csv"] = define["parameters"].to_csv(
        index=False, lineterminator="\n").encode()
    return files
