"""Report section: provenance, what produced these numbers and from what.

Read from the analysis' provenance record (``provenance.json``): the
package and Python versions, the protocol's id and SHA-256, the input files
with their SHA-256 and rows read and used, the records left out and why, the
counts of participants, the data cut-off, the seed, the command line and the
time of the analysis (UTC), and the versions of the libraries; then the
analysis' notes as paragraphs.

Examples
--------
>>> from t1dtrial.analysis import Results
>>> from t1dtrial.protocol import load_protocol
>>> from t1dtrial.report.source import ReportSource
>>> res = Results(tables={}, provenance={"package_version": "0.1.0", "seed": 7,
...               "protocol": {"id": "lu2021", "sha256": "ab12"}})
>>> section = provenance_section(ReportSource(res, load_protocol("lu2021")))
>>> [r[1] for r in section.blocks[0].groups[0].rows][:3]
['t1dtrial 0.1.0', 'lu2021', 'ab12']
"""

from __future__ import annotations

from typing import Any

from ..document import Column, Paragraph, RowGroup, Section, Table
from ..formatting import MISSING, fmt_number
from ..source import ReportSource
from ._study_common import arm_text

__all__ = ["provenance_section", "count_words"]

_FAMILY = "16.1"


def count_words(key: str) -> str:
    """A key of the provenance counts in words (``full_analysis_set`` -> ``Full analysis set``).

    Examples
    --------
    >>> count_words("adlb_records"), count_words("participants_in")
    ('ADLB records', 'Participants in')
    """
    words = key.replace("_", " ")
    for dataset in ("adsl", "adlb", "adae", "adeff", "adtte"):
        words = words.replace(dataset, dataset.upper())
    return words[:1].upper() + words[1:]


def _text(value: Any) -> str:
    if value is None or value == "":
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return fmt_number(value, 0) if float(value) == int(value) else str(value)
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value) or MISSING
    return str(value)


def _count_value(source: ReportSource, value: Any) -> str:
    if isinstance(value, dict):  # by arm
        return "; ".join(f"{source.arm_short(k)} {_text(v)}" for k, v in value.items()) or MISSING
    return _text(value)


def _analysis_rows(source: ReportSource) -> list[list[str]]:
    prov = source.provenance
    proto = prov.get("protocol") or {}
    command = prov.get("command_line") or prov.get("command")
    cutoff = prov.get("data_cutoff")
    rows = [["Software", f"{prov.get('package', 't1dtrial')} {_text(prov.get('package_version'))}"],
            ["Protocol", _text(proto.get("id") or source.protocol.id)],
            ["Protocol SHA-256", _text(proto.get("sha256"))],
            ["Data source", _text((prov.get("input") or {}).get("source"))],
            ["Data cut-off", _text(cutoff) if cutoff else
             f"{_text(prov.get('data_cut'))} (the last date in the data; none requested)"],
            ["Seed", _text(prov.get("seed"))],
            ["Command line", _text(command) if command else "not recorded (run from Python)"],
            ["Analysed (UTC)", _text(prov.get("created_utc"))],
            ["Python", _text(prov.get("python"))]]
    if "synthetic" in prov:
        rows.append(["Simulated data", _text(bool(prov.get("synthetic")))])
    return rows


def _input_table(source: ReportSource) -> Table | None:
    inp = source.provenance.get("input") or {}
    files = inp.get("files") or []
    if not files:
        return None
    used = inp.get("rows_used") or {}
    rows = [[str(f.get("name", "")), str(f.get("table", "")), str(f.get("sha256", MISSING)),
             _text(f.get("rows_in")), _text(used.get(f.get("table")))] for f in files]
    return Table(key="provenance_inputs", family=_FAMILY, title="Input files",
                 population="", columns=[Column("File"), Column("Table"), Column("SHA-256"),
                                         Column("Rows read", align="right"),
                                         Column("Rows used", align="right")],
                 groups=[RowGroup("", rows)], wide=True,
                 footnotes=["SHA-256 of each file as read; rows read and rows used after "
                            "validation (the difference is listed under exclusions)."])


def _exclusion_rows(source: ReportSource) -> list[list[str]]:
    inp = source.provenance.get("input") or {}
    rows = []
    for e in inp.get("exclusions") or []:
        if isinstance(e, dict):
            where = ", ".join(str(e[k]) for k in ("file", "table", "row") if e.get(k) not in
                              (None, ""))
            what = str(e.get("reason") or e.get("category") or e.get("problem") or "")
            rows.append([where or MISSING, arm_text(source, what) or MISSING])
        else:
            rows.append([MISSING, str(e)])
    return rows


def _counts_rows(source: ReportSource) -> list[list[str]]:
    counts = source.provenance.get("counts") or {}
    return [[count_words(k), _count_value(source, v)] for k, v in counts.items()]


def provenance_section(source: ReportSource) -> Section | None:
    """Provenance: software, protocol hash, inputs, counts, cut-off, seed, command, time; notes.

    Parameters
    ----------
    source : ReportSource

    Returns
    -------
    Section or None
        None when the results carry no provenance and no notes.
    """
    prov = source.provenance or {}
    notes = list(getattr(source.results, "notes", None) or [])
    if not prov and not notes:
        return None
    blocks: list[Any] = [Table(
        key="provenance", family=_FAMILY, title="Provenance of the analysis", population="",
        columns=[Column("Item"), Column("Value")],
        groups=[RowGroup("Analysis", _analysis_rows(source)),
                RowGroup("Participants and records", _counts_rows(source) or [["None", ""]]),
                RowGroup("Input rows not used", _exclusion_rows(source) or [["None", ""]]),
                RowGroup("Libraries", [[k, _text(v)] for k, v in
                                       (prov.get("libraries") or {}).items()])],
        footnotes=["The protocol's SHA-256 is of its canonical form: the same protocol gives "
                   "the same hash whatever its file's layout."], wide=True)]
    inputs = _input_table(source)
    if inputs is not None:
        blocks.append(inputs)
    if notes:
        blocks.append(Paragraph("Notes of the analysis", "body"))
        blocks += [Paragraph(arm_text(source, n), "note") for n in notes]
    return Section("provenance", "Provenance", blocks)
