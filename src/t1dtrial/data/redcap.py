"""A REDCap longitudinal export mapped onto the input contract by a small YAML file.

The folder holds the records export (CSV, "raw" or "labels" data, one row per
record and event, with ``redcap_event_name`` and, for repeating instruments,
``redcap_repeat_instrument`` / ``redcap_repeat_instance``) and a mapping file
``redcap_mapping.yaml``::

    records: records.csv          # optional; default: the only CSV file of the folder
    record_id: record_id          # field holding the participant id (default record_id)
    events:                       # REDCap unique event name -> protocol visit
      baseline_arm_1: BL
      month_3_arm_1: M3
    subjects:                     # contract column -> field (first filled value over events)
      arm: {field: group, values: {"1": MSC, "2": CONTROL}}
      sex: {field: sex, values: {"1": M, "2": F}}
      age_at_onset: age_onset
      diagnosis_date: diag_date
      enrolment_date: enrol_date
      weight_kg: weight_bl
    measurements:
      date: visit_date            # optional field dating each event's values
      params:                     # parameter -> field, and a fixed unit or a unit field
        FCP: {field: fcp, unit: nmol/L}
        PCP: {field: pcp, unit_field: pcp_unit, units: {"1": nmol/L, "2": pmol/L}}
    infusions:
      instrument: infusion        # optional: rows of this repeating instrument only
      columns: {date: inf_date, cells_per_kg: inf_dose}
    adverse_events:
      instrument: adverse_event
      columns: {term: ae_term, onset_date: ae_start, severity: ae_sev, serious: ae_ser,
                related: ae_rel}
    insulin_free:                 # optional section
      columns: {start_date: if_start, end_date: if_end}

A field is written as its name or as ``{field: name, values: {code: text}}``
to translate coded choices. A blank cell of the wide export is simply no
record (REDCap writes every field on every row). An event missing from
``events`` is reported as a visit not in the protocol. ``infusion_number``
is a mapped field if given, else ``redcap_repeat_instance``, else the order
of the infusion dates within the participant.

Every column of the export, mapped or not, is screened for direct
identifiers (:mod:`t1dtrial.data.identifiers`); the names of REDCap's system
fields (``redcap_*``, ``<form>_complete``, ``<form>_timestamp``) are left out
of the name screening, not their cells.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Union

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from ..errors import InputError, Problem
from ._raw import SRC_PREFIX, RawData, RawTable, tag_source
from ._text import read_text_table, sha256_bytes
from .contract import TABLES
from .identifiers import screen_frame
from .log import FileRecord

__all__ = ["RedcapMapping", "read_redcap", "MAPPING_FILES"]

MAPPING_FILES = ("redcap_mapping.yaml", "redcap_mapping.yml")

#: REDCap system fields: their names are not screened for identifiers (their cells are).
SYSTEM_FIELD = re.compile(r"^(?:redcap_\w+|\w+_complete|\w+_timestamp)$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Field(_Model):
    """A REDCap field and, optionally, the translation of its coded values."""

    field: str
    values: dict[str, str] | None = None


FieldRef = Union[str, Field]


class ParamField(_Model):
    """Where one parameter's values and unit are."""

    field: str
    unit: str | None = None
    unit_field: str | None = None
    units: dict[str, str] | None = None

    @model_validator(mode="after")
    def _one_unit(self) -> "ParamField":
        if (self.unit is None) == (self.unit_field is None):
            raise ValueError("give exactly one of unit (a fixed unit) or unit_field (a field)")
        return self


class MeasurementsMap(_Model):
    """Measurement parameters and the field dating them."""

    date: str | None = None
    params: dict[str, ParamField]


class TableMap(_Model):
    """Rows of a table: an optional repeating instrument and contract column -> field."""

    instrument: str | None = None
    columns: dict[str, FieldRef]


class RedcapMapping(_Model):
    """The mapping file (see the module docstring)."""

    records: str | None = None
    record_id: str = "record_id"
    events: dict[str, str]
    subjects: dict[str, FieldRef]
    measurements: MeasurementsMap
    infusions: TableMap
    adverse_events: TableMap
    insulin_free: TableMap | None = None

    @model_validator(mode="after")
    def _contract_columns(self) -> "RedcapMapping":
        for table, cols in (("subjects", self.subjects),
                            ("infusions", self.infusions.columns),
                            ("adverse_events", self.adverse_events.columns),
                            ("insulin_free", self.insulin_free.columns if self.insulin_free else {})):
            unknown = sorted(set(cols) - set(TABLES[table].columns))
            if unknown:
                raise ValueError(f"{table}: unknown column(s) {unknown}; expected columns of "
                                 f"{table}: {', '.join(TABLES[table].columns)}")
        return self


def _field(ref: FieldRef) -> Field:
    return Field(field=ref) if isinstance(ref, str) else ref


def _load_mapping(path: Path) -> tuple[RedcapMapping, bytes]:
    data = path.read_bytes()
    try:
        content = yaml.safe_load(data.decode("utf-8"))
        return RedcapMapping.model_validate(content), data
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError([Problem(file=path.name, row=None, column=None, value=None,
                                  problem=f"not a readable YAML file ({type(exc).__name__})",
                                  expected="a UTF-8 YAML mapping (see t1dtrial.data.redcap)")]
                         ) from None
    except ValidationError as exc:
        raise InputError([Problem(file=path.name, row=None,
                                  column=".".join(str(p) for p in e["loc"]) or None,
                                  value=None, problem=e["msg"].removeprefix("Value error, "),
                                  expected="the layout described in t1dtrial.data.redcap")
                          for e in exc.errors()]) from None


def read_redcap(folder: str | Path) -> RawData:
    """Read a REDCap export and its mapping file (see the module docstring)."""
    folder = Path(folder)
    names = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    mpath = next((names[n] for n in MAPPING_FILES if n in names), None)
    if mpath is None:
        raise InputError([Problem(file=MAPPING_FILES[0], row=None, column=None, value=None,
                                  problem="the REDCap mapping file is missing",
                                  expected=f"{MAPPING_FILES[0]} in {folder.name}")])
    mapping, mbytes = _load_mapping(mpath)
    if mapping.records:
        rpath = names.get(mapping.records.lower())
        candidates = [rpath] if rpath else []
    else:
        candidates = [p for n, p in names.items() if n.endswith(".csv")]
    if len(candidates) != 1:
        raise InputError([Problem(
            file=mapping.records or "records.csv", row=None, column=None, value=None,
            problem="the REDCap records export is missing" if not candidates else
            f"{len(candidates)} CSV files; which one is the records export?",
            expected="the export named by 'records:' in the mapping file, or a single CSV file")])
    rpath = candidates[0]
    raw = RawData(format="redcap", source=str(folder))
    data = rpath.read_bytes()
    text = read_text_table(data, rpath.name)
    raw.problems.extend(text.problems)
    raw.files.append(FileRecord(name=mpath.name, table="mapping", sha256=sha256_bytes(mbytes),
                                rows_in=0))
    if text.frame is None:
        for name in TABLES:
            raw.tables[name] = _unusable(name)
        return raw
    frame = text.frame
    raw.identifiers.extend(screen_frame(frame, rpath.name, names=[
        c for c in text.header if not SYSTEM_FIELD.match(c)]))
    file = rpath.name
    needed = _fields(mapping)
    missing = [f for f in needed if f not in frame.columns]
    for f in missing:
        raw.problems.append(Problem(file=file, row=1, column=f, value=None,
                                    problem=f"field named in {mpath.name} is not in the export",
                                    expected=f"a column {f} in {file}"))
    if missing:
        for name in TABLES:
            raw.tables[name] = _unusable(name)
        return raw
    frame = tag_source(frame, file)
    raw.tables["subjects"] = _subjects(frame, mapping, file)
    raw.tables["measurements"] = _measurements(frame, mapping, file)
    for name in ("infusions", "adverse_events", "insulin_free"):
        tmap = getattr(mapping, name)
        if tmap is None:
            raw.tables[name] = RawTable(name=name, frame=_empty(name), present=False)
        else:
            raw.tables[name] = _rows_table(name, frame, tmap, mapping, file)
    for name, t in raw.tables.items():
        raw.files.append(FileRecord(name=file, table=name, sha256=text.sha256,
                                    rows_in=len(t.frame), encoding=text.encoding))
    return raw


def _fields(mapping: RedcapMapping) -> list[str]:
    out = [mapping.record_id, "redcap_event_name"]
    out += [_field(r).field for r in mapping.subjects.values()]
    if mapping.measurements.date:
        out.append(mapping.measurements.date)
    for p in mapping.measurements.params.values():
        out += [p.field] + ([p.unit_field] if p.unit_field else [])
    for tmap in (mapping.infusions, mapping.adverse_events, mapping.insulin_free):
        if tmap is not None:
            out += [_field(r).field for r in tmap.columns.values()]
            if tmap.instrument:
                out.append("redcap_repeat_instrument")
    return list(dict.fromkeys(out))


def _empty(name: str) -> pd.DataFrame:
    cols = ["source_file", "source_row", *TABLES[name].columns]
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})


def _unusable(name: str) -> RawTable:
    return RawTable(name=name, frame=_empty(name), present=True, usable=False)


def _translate(s: pd.Series, ref: Field) -> pd.Series:
    if not ref.values:
        return s
    return s.map(lambda v: ref.values.get(v, v) if isinstance(v, str) else v)  # type: ignore[union-attr]


def _subjects(frame: pd.DataFrame, mapping: RedcapMapping, file: str) -> RawTable:
    rid = mapping.record_id
    records = frame[frame[rid].notna()]
    g = records.groupby(rid, sort=False)
    out = pd.DataFrame({"source_file": file, "source_row": g["source_row"].first(),
                        "subject_id": g[rid].first()})
    names = {"subject_id": rid}
    for column, ref in mapping.subjects.items():
        f = _field(ref)
        out[column] = _translate(g[f.field].first(), f)
        names[column] = f.field
    for c in TABLES["subjects"].columns:
        if c not in out.columns:
            out[c] = np.nan
    return RawTable(name="subjects", frame=out.reset_index(drop=True), column_names={file: names})


def _measurements(frame: pd.DataFrame, mapping: RedcapMapping, file: str) -> RawTable:
    rid = mapping.record_id
    m = mapping.measurements
    event = frame["redcap_event_name"]
    visit = event.map(lambda e: mapping.events.get(e, e) if isinstance(e, str) else e)
    parts = []
    for param, spec in m.params.items():
        rows = frame[spec.field].notna()
        if not rows.any():
            continue
        sub = frame.loc[rows]
        if spec.unit_field:
            units = sub[spec.unit_field]
            if spec.units:
                units = units.map(lambda v: spec.units.get(v, v) if isinstance(v, str) else v)
            src_unit = spec.unit_field
        else:
            units = pd.Series(spec.unit, index=sub.index, dtype=object)
            src_unit = "unit (redcap_mapping.yaml)"
        parts.append(pd.DataFrame({
            "source_file": file, "source_row": sub["source_row"], "subject_id": sub[rid],
            "visit": visit[rows], "date": sub[m.date] if m.date else np.nan, "param": param,
            "value": sub[spec.field], "unit": units,
            f"{SRC_PREFIX}value": spec.field, f"{SRC_PREFIX}unit": src_unit}))
    if parts:
        out = pd.concat(parts).sort_values("source_row", kind="stable").reset_index(drop=True)
    else:
        out = _empty("measurements")
    names = {"subject_id": rid, "visit": "redcap_event_name", "param": "(mapping)",
             "date": m.date or "date"}
    return RawTable(name="measurements", frame=out, column_names={file: names})


def _rows_table(name: str, frame: pd.DataFrame, tmap: TableMap, mapping: RedcapMapping,
                file: str) -> RawTable:
    rid = mapping.record_id
    rows = pd.Series(True, index=frame.index)
    if tmap.instrument:
        rows &= frame["redcap_repeat_instrument"].eq(tmap.instrument)
    fields = {c: _field(r) for c, r in tmap.columns.items()}
    rows &= frame[[f.field for f in fields.values()]].notna().any(axis=1)
    sub = frame.loc[rows]
    out = pd.DataFrame({"source_file": file, "source_row": sub["source_row"],
                        "subject_id": sub[rid]})
    names = {"subject_id": rid}
    for column, f in fields.items():
        out[column] = _translate(sub[f.field], f)
        names[column] = f.field
    if name == "infusions" and "infusion_number" not in fields:
        if tmap.instrument and "redcap_repeat_instance" in sub.columns:
            out["infusion_number"] = sub["redcap_repeat_instance"]
            names["infusion_number"] = "redcap_repeat_instance"
        else:
            order = out.sort_values(["subject_id", "date", "source_row"], kind="stable")
            out["infusion_number"] = (order.groupby("subject_id").cumcount() + 1
                                      ).reindex(out.index).astype(str)
            names["infusion_number"] = "(order of dates)"
    for c in TABLES[name].columns:
        if c not in out.columns:
            out[c] = np.nan
    return RawTable(name=name, frame=out.reset_index(drop=True), column_names={file: names})
