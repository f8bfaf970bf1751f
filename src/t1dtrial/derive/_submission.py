"""The submission set: the ADaM datasets as a reviewer receives them, SAS transport v5 and define.

:func:`submission_datasets` makes, from the working datasets of
:func:`~t1dtrial.derive.derive_all` (which the analysis reads unchanged), the
conformant ones:

- ADSL: ``AGE`` in completed years (integer) with ``AGEU``; the exact age
  kept as ``AGEDEC``; ``DURDIAGU = "DAYS"``.
- ADLB, ADEFF, ADTTE (BDS) and ADAE: ``TRTP``/``TRTA`` and the population
  flags ``FASFL``, ``SAFFL``, ``PPROTFL`` from ADSL.
- ADEFF: responder rows only; ``AVALC`` "Y"/"N", blank when not assessable
  (``REASON`` says why; ``AEXCLFL = "Y"`` when the protocol excludes the
  subject); no ``CNSR``.
- ADTTE: the time-to-event endpoints and the insulin-free episodes
  (``PARAMCD = "INSFREE"``: ``STARTDT`` the episode start, ``ADT`` its end or
  the data cut, ``CNSR = 1`` when ongoing); ``CNSR`` only here.

:func:`define_tables` describes them (datasets, variables with label, type,
length, origin and derivation, parameters) and :func:`submission_files`
writes both: ``<name>.xpt`` (SAS transport v5, variable and dataset labels),
``<name>.csv`` (the same values), ``define.json`` and the CSV pair
``define_variables.csv`` / ``define_parameters.csv`` (docs/adam.md).

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

import numpy as np
import pandas as pd

from ._metadata import DATASET_LABELS, variable_of
from ._pipeline import Derived

__all__ = ["submission_datasets", "define_tables", "submission_files", "SUBMISSION_FOLDER"]

#: Folder of the submission set inside an output folder.
SUBMISSION_FOLDER = "submission"
#: Longest character value SAS transport v5 holds (bytes).
XPT_MAX_LENGTH = 200
_CARRIED = ("TRTP", "TRTA", "FASFL", "SAFFL", "PPROTFL")
_KEYS = {"adsl": "STUDYID, USUBJID", "adlb": "USUBJID, PARAMCD, AVISITN, ADT, SRCSEQ",
         "adeff": "USUBJID, PARAMCD, AVISITN", "adae": "USUBJID, AESEQ",
         "adtte": "USUBJID, PARAMCD, EPISODE"}
_CLASS = {"adsl": "SUBJECT LEVEL ANALYSIS DATASET", "adae": "OCCURRENCE DATA STRUCTURE",
          "adtte": "BASIC DATA STRUCTURE", "adlb": "BASIC DATA STRUCTURE",
          "adeff": "BASIC DATA STRUCTURE"}


def _carry(frame: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with TRTP, TRTA and the population flags of its subjects, after USUBJID."""
    subjects = adsl.drop_duplicates("USUBJID").set_index("USUBJID")
    ids = frame["USUBJID"].astype(str)
    out = frame.drop(columns=[c for c in _CARRIED if c in frame.columns])
    at = list(out.columns).index("USUBJID") + 1
    source = {"TRTP": "TRT01P", "TRTA": "TRT01A", "FASFL": "FASFL", "SAFFL": "SAFFL",
              "PPROTFL": "PPROTFL"}
    for j, name in enumerate(_CARRIED):
        values = subjects[source[name]].astype(object).reindex(ids).fillna("").to_numpy()
        out.insert(at + j, name, pd.array(values.astype(str), dtype="str"))
    return out.reset_index(drop=True)


def _adsl(adsl: pd.DataFrame) -> pd.DataFrame:
    out = adsl.copy()
    exact = out["AGE"].astype(float)
    at = list(out.columns).index("AGE")
    out["AGE"] = pd.array(np.floor(exact + 1e-9), dtype="Int64")  # completed years
    out.insert(at + 2 if "AGEU" in out.columns else at + 1, "AGEDEC", exact)
    out.insert(list(out.columns).index("DURDIAG") + 1, "DURDIAGU",
               pd.array(["DAYS"] * len(out), dtype="str"))
    return out


def _adeff(adeff: pd.DataFrame) -> pd.DataFrame:
    rows = adeff.loc[adeff["PARAMCD"] != "INSFREE"]
    out = rows.drop(columns=["EPISODE", "ASTDT", "AENDT", "CNSR"]).reset_index(drop=True)
    status = out["AVALC"].astype(str)
    out["AVALC"] = pd.array(np.where(status.isin(["Y", "N"]), status, ""), dtype="str")
    out.insert(list(out.columns).index("AVALC") + 1, "AEXCLFL",
               pd.array(np.where(status.eq("excluded"), "Y", ""), dtype="str"))
    return out


def _adtte(datasets: Mapping[str, pd.DataFrame], data_cut: Any) -> pd.DataFrame:
    """The time-to-event endpoints, then the insulin-free episodes."""
    tte = datasets.get("adtte")
    tte = tte if tte is not None else pd.DataFrame(
        columns=["STUDYID", "USUBJID", "TRT01P", "PARAMCD", "PARAM", "AVAL", "CNSR", "STARTDT",
                 "ADT", "AVISIT", "EVNTDESC", "CNSDTDSC"])
    tte = tte.assign(PARAM=[p if "day" in p.lower() else f"{p} (days)" for p in
                            tte.get("PARAM", pd.Series(dtype=str)).astype(str)],
                     EPISODE=pd.array([pd.NA] * len(tte), dtype="Int64"),
                     SRCDOM="ADLB")
    adeff = datasets["adeff"]
    ep = adeff.loc[adeff["PARAMCD"] == "INSFREE"]
    ongoing = ep["CNSR"].eq(1).fillna(False).to_numpy(dtype=bool)
    end = pd.to_datetime(ep["AENDT"]).where(ep["AENDT"].notna(), pd.Timestamp(data_cut))
    episodes = pd.DataFrame({
        "STUDYID": ep["STUDYID"].to_numpy(), "USUBJID": ep["USUBJID"].to_numpy(),
        "TRT01P": ep["TRT01P"].to_numpy(), "PARAMCD": "INSFREE",
        "PARAM": "Insulin-free episode duration (days)", "AVAL": ep["AVAL"].to_numpy(),
        "CNSR": ep["CNSR"].array, "STARTDT": pd.to_datetime(ep["ASTDT"]).to_numpy(),
        "ADT": end.to_numpy(),
        "AVISIT": "",
        "EVNTDESC": np.where(ongoing, "", "insulin resumed (end of the episode)"),
        "CNSDTDSC": np.where(ongoing, "ongoing at the data cut", ""),
        "EPISODE": ep["EPISODE"].array, "SRCDOM": ep["SRCDOM"].to_numpy()})
    frames = [f for f in (tte, episodes) if len(f)]
    out = pd.concat(frames, ignore_index=True) if frames else episodes
    for column in ("STUDYID", "USUBJID", "TRT01P", "PARAMCD", "PARAM", "AVISIT", "EVNTDESC",
                   "CNSDTDSC", "SRCDOM"):
        out[column] = pd.array(out[column].astype(object).fillna("").astype(str), dtype="str")
    out["CNSR"] = pd.array(out["CNSR"], dtype="Int64")
    out["EPISODE"] = pd.array(out["EPISODE"], dtype="Int64")
    out["AVAL"] = out["AVAL"].astype(float)
    for column in ("STARTDT", "ADT"):
        out[column] = pd.to_datetime(out[column])
    return out


def submission_datasets(derived: Derived | Mapping[str, pd.DataFrame], *,
                        data_cut: Any = None) -> dict[str, pd.DataFrame]:
    """The conformant ADSL, ADLB, ADEFF, ADAE and ADTTE of a derivation (see the module).

    Parameters
    ----------
    derived : Derived or mapping of DataFrame
        From :func:`~t1dtrial.derive.derive_all`, or its datasets by name
        (``Results.adam``).
    data_cut : date-like, optional
        End of the ongoing insulin-free episodes (default the Derived's data cut).

    Returns
    -------
    dict of DataFrame by lower-case name; ADTTE always (maybe without rows).
    """
    if isinstance(derived, Derived):
        data_cut = derived.data_cut if data_cut is None else data_cut
        derived = derived.datasets
    adsl = derived["adsl"]
    return {"adsl": _adsl(adsl),
            "adlb": _carry(derived["adlb"], adsl),
            "adeff": _carry(_adeff(derived["adeff"]), adsl),
            "adae": _carry(derived["adae"], adsl),
            "adtte": _carry(_adtte(derived, data_cut), adsl)}


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
                     data_cut: Any = None, study: str = "") -> dict[str, bytes]:
    """Every file of the submission set by name: XPT v5, CSV, define JSON and CSV pair.

    Parameters
    ----------
    derived, data_cut
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
    datasets = submission_datasets(derived, data_cut=data_cut)
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
            files[f"{name}.csv"] = frame.to_csv(index=False, date_format="%Y-%m-%d",
                                                lineterminator="\n").encode()
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
