"""Direct identifiers: screening column names and cell contents.

Every reader passes each file it reads, every column of it, through
:func:`screen_frame`; what it finds goes into ``RawData.identifiers`` as
:class:`IdentifierFlag` records.
:func:`~t1dtrial.data.identifier_policy.apply_screening` (called by
validation) then refuses each flagged column (exit code 2), drops it with
``drop_identifiers=True`` (``--drop-identifiers``), or keeps it when the user
released it as a false positive with ``allow_columns=["NAME"]``
(``--allow-column NAME``, recorded in the load log's ``identifiers_allowed``
and so in provenance.json and the store ledger). ``import`` refuses exactly
what ``validate`` refuses: both load through :func:`t1dtrial.data.load_folder`;
and the store itself takes no table holding a flagged column that was not
released (:func:`~t1dtrial.data.identifier_policy.refuse_identifiers`, for
trials built in memory).
Messages name the file, column, first row and number of cells, never the
identifying value.

Column names
------------
A name is split into words: case, spaces, punctuation and digits separate
words, so do camelCase and acronym boundaries (``PatientName``,
``NationalID``, ``EmailAddress``), and a run of letters made of vocabulary
words is split into them (``PATIENTNAME``, ``dateofbirth``, ``telno``). A
name is an identifier when its words hold one of these (see
:data:`IDENTIFIER_VOCABULARY`):

===================  ===================================================================
identifies           words
===================  ===================================================================
a person's name      name, surname, forename, first / last / given / family / full /
                     middle / maiden name, nickname, initials; initial alone
date/place of birth  birth, date of birth, dob, birthdate, birthday, BRTHDTC
a telephone number   phone, telephone, tel, mobile, cell phone, fax, pager; cell alone
an e-mail address    email, e-mail, mail address; mail alone
a postal address     address, addr, street, postcode, post / postal / zip code, zip,
                     house number
an identity number   national, hospital, insurance, identity, tax or CHI number / no /
                     nr / num / id / identifier; national insurance, NINO, MRN,
                     medical record, SSN, social security, social insurance, NHS,
                     passport, id card, identity card / document, health card / number,
                     medicare, medicaid, driving / driver's licence
===================  ===================================================================

Precision rules: a *name* word identifies a person alone or with words
about the person (``Name``, ``patient_name``, ``Subject Name``,
``full_name``, ``patient_initials``), not when another word says which thing
or which member of the trial staff is named (site, centre, hospital,
product, drug, lot, batch, event, test, visit, arm, study, field, form,
file, investigator, physician, user ...: ``site_name``, ``drug name``,
``redcap_event_name``, ``investigator_initials``). *birth* is not an
identifier with weight, length, height, order, year, country or control
(``birth_weight``). *initial*, *cell* and *mail* are identifiers alone or
with words about the person only (``Cell``, ``patient mail``), so
``initial_dose``, ``cells_per_kg`` and ``cell_type`` are not. No column of
the input contract, no SDTM variable read (``USUBJID``, ``SITEID``,
``LBTESTCD``, ``EXLOT``, ``AETERM``, ``QNAM``, ``QVAL`` ...) and no REDCap
system field (``record_id``, ``redcap_event_name`` ...) is flagged.

Cell contents
-------------
A column is flagged whatever its name (an extra column, a free-text column
such as an adverse-event term, a contract column) when a cell

* holds an e-mail address anywhere in its text (``x@host.org``), or
* is, or holds inside its text, a telephone number: digit groups separated
  by spaces, hyphens, dots or slashes, 7 to 15 digits in all, and either a
  leading ``+`` (``+44 20 7946 0958``, ``+447700900123``), or an area code in
  brackets (``(555) 123-4567``), or three groups or more with at least 8
  digits (``555-123-4567``, ``06 12 34 56 78``), or, as a whole cell, two
  groups of at least 10 digits whose first starts with 0 (``07700 900123``,
  ``030/12345678``). Inside free text only the ``+``, bracket and
  hyphen / dot forms count (a list of numbers such as "0 30 60 90 120 min"
  does not).

Never a phone number: a date (digit groups 4-2-2 or 2-2-4: ``2020-01-06``,
``06.01.2020``), a plain or decimal number (``1480000``, ``0.075``), a number
with thousands separators (``14 800 000``, ``1.480.000,5``), an id with
letters (``LU2021-001``, ``LOT-1603-A``), a time, an ISO duration or a unit.
A numeric-only id of three groups (``001-002-003``) does look like one:
release it with ``--allow-column``.

Examples
--------
>>> identifier_name("PatientName"), identifier_name("e_mail"), identifier_name("site_name")
("a person's name", 'an e-mail address', None)
>>> cell_kind("+44 20 7946 0958"), cell_kind("2020-01-06"), cell_kind("LU2021-001")
('telephone numbers', None, None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ._raw import SRC_PREFIX

__all__ = ["IdentifierFlag", "IDENTIFIER_VOCABULARY", "PERSON_WORDS", "THING_WORDS", "name_words",
           "identifier_name", "cell_kind", "screen_frame"]

_NUMBER = ("number", "no", "nr", "num", "nbr", "id", "identifier")

#: What a column name identifies -> its phrases (words in order); see the module docstring.
IDENTIFIER_VOCABULARY: dict[str, tuple[str, ...]] = {
    "a person's name": (
        "name", "surname", "forename", "first name", "last name", "given name", "family name",
        "full name", "middle name", "maiden name", "nickname", "firstname", "lastname",
        "givenname", "familyname", "fullname", "middlename", "maidenname", "initials", "initial"),
    "a date or place of birth": ("birth", "date of birth", "dob", "birthdate", "birthday",
                                 "brthdtc", "brthdt", "birthdtc"),
    "a telephone number": ("phone", "telephone", "tel", "mobile", "cell phone", "cellphone",
                           "fax", "pager", "cell"),
    "an e-mail address": ("email", "e mail", "mail address", "mail"),
    "a postal address": ("address", "addr", "street", "postcode", "post code", "postal code",
                         "postalcode", "zip", "zip code", "zipcode", "house number"),
    "an identity number": (
        *(f"{who} {n}" for who in ("national", "hospital", "insurance", "identity", "tax", "chi")
          for n in _NUMBER),
        "nationalid", "national insurance", "nino", "mrn", "medical record", "ssn",
        "social security", "social insurance", "nhs", "passport", "id card", "idcard",
        "identity card", "identity document", "health card", "health number", "medicare",
        "medicaid", "driving licence", "driving license", "driver licence", "driver license",
        "drivers licence", "drivers license"),
}

#: Words that identify only alone or beside words about the person (``Cell``, ``patient mail``).
_ALONE = frozenset({"initial", "cell", "mail"})

#: Words about the person whose data a column holds (prefixes such as ``patient_``).
PERSON_WORDS = frozenset({
    "patient", "patients", "pt", "pat", "subject", "subj", "participant", "person", "individual",
    "client", "volunteer", "member", "child", "baby", "infant", "mother", "father", "parent",
    "guardian", "caregiver", "carer", "spouse", "partner", "relative", "kin", "next",
    "emergency", "contact", "donor", "recipient", "proband", "home", "work", "personal",
    "private", "primary", "secondary", "alternative", "alt", "main", "own", "current",
    "previous", "legal", "preferred", "his", "her", "their", "s", "of", "the", "and", "or"})

#: Words saying which thing, or which member of the staff, a *name* word names.
THING_WORDS = frozenset({
    "site", "centre", "center", "hospital", "clinic", "institution", "institute", "department",
    "dept", "ward", "unit", "lab", "laboratory", "sponsor", "company", "manufacturer",
    "vendor", "supplier", "cro", "organisation", "organization", "org", "study", "trial",
    "protocol", "arm", "group", "cohort", "stratum", "visit", "event", "form", "instrument",
    "field", "variable", "var", "column", "col", "item", "question", "questionnaire", "scale",
    "score", "test", "assay", "analyte", "param", "parameter", "specimen", "sample", "method",
    "kit", "device", "product", "drug", "medication", "med", "medicine", "treatment", "trt",
    "therapy", "regimen", "brand", "generic", "trade", "lot", "batch", "file", "sheet",
    "table", "dataset", "domain", "database", "folder", "term", "condition", "disease",
    "diagnosis", "procedure", "meal", "food", "insulin", "pump", "sensor", "cgm", "meter",
    "vaccine", "organism", "category", "class", "type", "code", "plan", "role", "source",
    "report", "country", "city", "region", "state", "province", "county", "investigator",
    "inv", "physician", "doctor", "dr", "nurse", "staff", "monitor", "coordinator", "user",
    "reporter", "assessor", "rater", "signatory", "sign", "signature"})

#: Words after which *birth* is a fact about the birth, not a birth date.
_BIRTH_FACTS = frozenset({"weight", "wt", "length", "height", "order", "year", "yr", "country",
                          "nation", "nationality", "control", "cohort", "rank"})

_PLURALS = {"names": "name", "surnames": "surname", "emails": "email", "phones": "phone",
            "addresses": "address", "numbers": "number", "mails": "mail", "streets": "street"}

_PHRASES: dict[tuple[str, ...], str] = {
    tuple(p.split()): what for what, phrases in IDENTIFIER_VOCABULARY.items() for p in phrases}

_LONGEST_FIRST = sorted(_PHRASES.items(), key=lambda kv: -len(kv[0]))

#: Words a run of letters may be split into (``PATIENTNAME`` -> patient, name).
_SPLITTABLE = frozenset({w for p in _PHRASES for w in p} | set(_NUMBER) | {
    "patient", "pt", "subject", "subj", "participant", "person", "home", "work", "contact",
    "emergency", "personal", "primary", "of", "date", "dt", "dtc", "code", "card", "place"})

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+|[^\W\d_]+")


def _split_run(word: str) -> list[str]:
    """``word`` as a concatenation of splittable words (fewest pieces), or itself."""
    if word in _SPLITTABLE or len(word) < 4:
        return [word]
    best: list[list[str] | None] = [[]] + [None] * len(word)
    for end in range(2, len(word) + 1):
        for start in range(0, end - 1):
            piece, head = word[start:end], best[start]
            if head is not None and piece in _SPLITTABLE and (
                    best[end] is None or len(head) + 1 < len(best[end])):  # type: ignore[arg-type]
                best[end] = head + [piece]
    return best[-1] or [word]


@lru_cache(maxsize=4096)
def name_words(name: str) -> tuple[str, ...]:
    """The words of a column name, lower case, digits left out.

    Examples
    --------
    >>> name_words("PatientName"), name_words("NationalID"), name_words("e-mail_2")
    (('patient', 'name'), ('national', 'id'), ('e', 'mail'))
    >>> name_words("DATEOFBIRTH"), name_words("USUBJID")
    (('date', 'of', 'birth'), ('usubjid',))
    """
    words: list[str] = []
    for w in _WORD.findall(str(name)):
        if w.isdigit():
            continue
        w = w.lower()
        words += _split_run(_PLURALS.get(w, w))
    return tuple(_PLURALS.get(w, w) for w in words)


def _has(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(words[i:i + n] == phrase for i in range(len(words) - n + 1))


@lru_cache(maxsize=4096)
def identifier_name(name: str) -> str | None:
    """What a column name says it identifies (a vocabulary heading), or None.

    Examples
    --------
    >>> identifier_name("Patient Name"), identifier_name("redcap_event_name")
    ("a person's name", None)
    >>> identifier_name("DOB"), identifier_name("birth_weight"), identifier_name("cells_per_kg")
    ('a date or place of birth', None, None)
    """
    words = name_words(name)
    others = set(words)
    for phrase, what in _LONGEST_FIRST:
        if not _has(words, phrase):
            continue
        rest = others - set(phrase)
        if what == "a person's name" and rest & THING_WORDS:
            continue
        if phrase == ("birth",) and rest & _BIRTH_FACTS:
            continue
        if len(phrase) == 1 and phrase[0] in _ALONE and not rest <= PERSON_WORDS:
            continue
        return what
    return None


# -- cell contents -----------------------------------------------------------------------------

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_EXT = r"(?:[ ]*(?:ext\.?|x|#)[ ]*\d{1,5})?"
#: A whole cell shaped like a phone number (checked further by _is_phone).
_PHONE_CELL = re.compile(
    r"^(?:\+[ ]?\(?\d[\d ().\-/]*\d"
    r"|[\d ]*\(\d{1,5}\)[ ]?\d[\d .\-/]*\d"
    r"|\d{1,5}(?:[ .\-/]\d{1,5}){2,}"
    r"|0\d{1,5}[ \-/]\d{3,})" + _EXT + r"$", re.MULTILINE | re.IGNORECASE)
#: A phone number inside free text.
_PHONE_TEXT = re.compile(
    r"(?<![\w+])\+[ ]?\(?\d[\d ().\-/]{5,}\d"
    r"|\(\d{2,5}\)[ ]?\d[\d .\-]{4,}\d"
    r"|(?<![\w.\-/])\d{2,5}(?:[.\-]\d{2,5}){2,}(?![\w\-/]|[.,]\d)")
_EXT_TAIL = re.compile(_EXT + r"$", re.IGNORECASE)
_GROUPED_NUMBER = re.compile(r"^[+-]?\d{1,3}(?:(?P<s>[ .,'\u00a0])\d{3})(?:(?P=s)\d{3})*"
                             r"(?:(?!(?P=s))[.,]\d+)?$")
_DATE_GROUPS = re.compile(r"^(?:\d{4}[ .\-/]\d{1,2}[ .\-/]\d{1,2}"
                          r"|\d{1,2}[ .\-/]\d{1,2}[ .\-/]\d{4})$")


def _is_phone(span: str) -> bool:
    """Whether a cell or a span of text that has a phone shape is a phone number."""
    body = _EXT_TAIL.sub("", span.strip())
    if _DATE_GROUPS.match(body) or _GROUPED_NUMBER.match(body):
        return False
    groups = re.findall(r"\d+", body)
    digits = sum(map(len, groups))
    if body.startswith("+") or "(" in body:
        return 7 <= digits <= 15
    if len(groups) >= 3:
        return 8 <= digits <= 15
    return len(groups) == 2 and groups[0].startswith("0") and 10 <= digits <= 15


def cell_kind(cell: Any) -> str | None:
    """``"e-mail addresses"`` or ``"telephone numbers"`` when a cell holds one, else None.

    Examples
    --------
    >>> cell_kind("contact: ann@example.org"), cell_kind("(555) 123-4567")
    ('e-mail addresses', 'telephone numbers')
    >>> [cell_kind(c) for c in ("06.01.2020", "14 800 000", "1480000", "PT30M", "0 30 60 90")]
    [None, None, None, None, None]
    """
    if not isinstance(cell, str):
        return None
    return _flagged_values(np.array([cell], dtype=object)).get(cell)


def _flagged_values(values: np.ndarray) -> dict[Any, str]:
    """Distinct cells that hold an identifier -> what they hold (one regex pass over all)."""
    texts = [v if isinstance(v, str) else str(v) for v in values]
    big = "\n".join(texts)
    if "\r" in big or big.count("\n") != len(texts) - 1:  # cells spanning lines
        texts = [t.replace("\n", " ").replace("\r", " ") for t in texts]
        big = "\n".join(texts)
    hits: dict[int, str] = {}
    starts = None
    for pattern, kind in ((_EMAIL, "e-mail addresses"), (_PHONE_CELL, "telephone numbers"),
                          (_PHONE_TEXT, "telephone numbers")):
        if pattern is _EMAIL and "@" not in big:
            continue
        for m in pattern.finditer(big):
            if pattern is not _EMAIL and not _is_phone(m.group(0)):
                continue
            if starts is None:
                starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
            hits.setdefault(int(np.searchsorted(starts, m.start(), side="right")) - 1, kind)
    return {values[i]: kind for i, kind in hits.items()}


@dataclass(frozen=True)
class IdentifierFlag:
    """A column of one file that holds, or whose name says it holds, a direct identifier.

    Parameters
    ----------
    file : str
        File (or workbook sheet) as the user knows it.
    column : str
        Column name as written in that file.
    why : str
        Why it was flagged, without any cell value: ``"its name says it holds a
        telephone number"``, ``"2 cells hold e-mail addresses, the first on row 5"``.
    row : int
        The header line (1) for a name; the first line where a cell was seen.
    cells : int
        Cells concerned (0 for a name).
    """

    file: str
    column: str
    why: str
    row: int = 1
    cells: int = 0

    def record(self) -> dict[str, Any]:
        """The flag as a load-log record (``file``, ``column``, ``why``, ``row``, ``cells``)."""
        return {"file": self.file, "column": self.column, "why": self.why, "row": self.row,
                "cells": self.cells}


_SKIP = ("source_file", "source_row")


def screen_frame(frame: pd.DataFrame, file: str, *,
                 names: Iterable[str] | None = None) -> list[IdentifierFlag]:
    """Flag the columns of one file as read: by name, and by content (every text column).

    Parameters
    ----------
    frame : DataFrame
        The file's cells as text (blank = NaN), column names as in the file,
        with ``source_row`` (line numbers; header = 1) when known.
    file : str
        File name for the flags.
    names : iterable of str, optional
        Columns whose name is screened (default every column); a reader
        leaves out system fields (REDCap's ``<form>_complete``).

    Returns
    -------
    list of IdentifierFlag
        In column order, a name flag before a content flag of the same column.

    Examples
    --------
    >>> frame = pd.DataFrame({"subject_id": ["S01", "S02"], "contact": [None, "a@b.org"],
    ...                       "Phone": ["1", "2"], "source_row": [2, 3]})
    >>> [(f.column, f.why, f.row) for f in screen_frame(frame, "subjects.csv")]
    [('contact', '1 cell holds e-mail addresses, the first on row 3', 3),
     ('Phone', 'its name says it holds a telephone number', 1)]
    """
    columns = [c for c in frame.columns if c not in _SKIP and not str(c).startswith(SRC_PREFIX)]
    screened = set(map(str, columns if names is None else names))
    rows = frame["source_row"].to_numpy() if "source_row" in frame.columns else (
        np.arange(2, len(frame) + 2))
    flags = []
    for c in columns:
        what = identifier_name(str(c)) if str(c) in screened else None
        content = _content_flag(frame[c], rows, file, str(c))
        if what is None:
            flags += [content] if content is not None else []
            continue
        why = f"its name says it holds {what}"
        if content is not None:
            why += f", and {content.why}"
        flags.append(IdentifierFlag(file, str(c), why, cells=content.cells if content else 0))
    return flags


def _content_flag(cells: pd.Series, rows: np.ndarray, file: str,
                  column: str) -> IdentifierFlag | None:
    if not (pd.api.types.is_object_dtype(cells) or pd.api.types.is_string_dtype(cells)):
        return None
    values = np.array([v for v in pd.unique(cells.to_numpy(dtype=object)) if isinstance(v, str)],
                      dtype=object)
    kinds = _flagged_values(values) if len(values) else {}
    if not kinds:
        return None
    mask = cells.isin(list(kinds)).to_numpy(dtype=bool)
    n = int(mask.sum())
    what = " and ".join(sorted(set(kinds.values())))
    verb = "cells hold" if n != 1 else "cell holds"
    first = int(rows[mask].min())
    return IdentifierFlag(file, column, f"{n} {verb} {what}, the first on row {first}", row=first,
                          cells=n)
