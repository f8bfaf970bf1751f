"""Reading text tables: encoding, delimiter, CSV parsing with line numbers.

A file is decoded as UTF-8 (a byte-order mark is allowed). A file that is not
UTF-8 but is plain latin-1 / Windows-1252 text is read with an
:class:`~t1dtrial.errors.InputWarning`; anything else (UTF-16, binary data) is
an error. The delimiter is a comma, or a semicolon or tab when the header
line uses one of those instead. Each record keeps the line number it starts
on (header = line 1), also when a quoted value spans lines.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import Problem
from ._raw import blank_to_na

__all__ = ["TextTable", "decode_bytes", "parse_csv_text", "read_text_table", "sha256_bytes"]

_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class TextTable:
    """A parsed text table: header, cells as text, line numbers, problems."""

    header: list[str] = field(default_factory=list)
    frame: pd.DataFrame | None = None  # data cells (text), columns = header
    rows_in: int = 0
    encoding: str = "utf-8"
    sha256: str = ""
    problems: list[Problem] = field(default_factory=list)
    empty: bool = False
    read_as_missing: int = 0  # cells holding NA, NaN or . (see _raw.MISSING_MARKERS)
    decimal_commas: int = 0  # numbers written with a decimal comma, read with a point


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def decode_bytes(data: bytes, file: str) -> tuple[str | None, str, list[Problem]]:
    """Decode a file's bytes: UTF-8, else latin-1 text with a warning, else an error.

    Returns
    -------
    (text or None, encoding, problems)

    Examples
    --------
    >>> decode_bytes("é".encode("utf-8"), "a.csv")[:2]
    ('é', 'utf-8')
    >>> text, enc, probs = decode_bytes("é".encode("latin-1"), "a.csv")
    >>> text, enc, probs[0].severity
    ('é', 'latin-1', 'warning')
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None, "utf-16", [Problem(
            file=file, row=None, column=None, value=None,
            problem="the file is saved as UTF-16 text, which cannot be read",
            expected="a CSV file saved as UTF-8 (in Excel: Save As > CSV UTF-8)")]
    if b"\x00" in data:
        return None, "binary", [Problem(
            file=file, row=None, column=None, value=None,
            problem="the file holds binary data, not text",
            expected="a CSV text file saved as UTF-8")]
    try:
        return data.decode("utf-8-sig"), "utf-8", []
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if not _CONTROL.search(data):
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        line = data[: utf8_error.start].count(b"\n") + 1
        return text, "latin-1", [Problem(
            file=file, row=line, column=None, value=None,
            problem="the file is not UTF-8; it was read as latin-1 (Windows-1252) — check "
                    "accented letters", expected="a file saved as UTF-8", severity="warning")]
    line = data[: utf8_error.start].count(b"\n") + 1
    return None, "binary", [Problem(
        file=file, row=line, column=None, value=None,
        problem="the file is not UTF-8 text (it holds bytes no text encoding explains)",
        expected="a CSV text file saved as UTF-8")]


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 0 else ","


def parse_csv_text(text: str, file: str) -> TextTable:
    """Parse CSV text into a header and text cells with line numbers.

    Blank lines are skipped (they are not records). Cells are stripped of
    surrounding spaces; blank cells are NaN. ``frame`` gets a ``source_row`` column.

    Examples
    --------
    >>> t = parse_csv_text("a,b\\n1,2\\n\\n3,4\\n", "x.csv")
    >>> t.header, t.frame["source_row"].tolist()
    (['a', 'b'], [2, 4])
    """
    out = TextTable()
    if not text.strip():
        out.empty = True
        out.problems.append(Problem(file=file, row=None, column=None, value=None,
                                    problem="the file is empty",
                                    expected="a header line with the column names, then one "
                                             "line per record"))
        return out
    sep = _delimiter(text)
    try:
        raw = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=str,
                          keep_default_na=False, na_filter=False, skip_blank_lines=False,
                          engine="c", quoting=csv.QUOTE_MINIMAL)
    except (pd.errors.ParserError, ValueError, OverflowError, MemoryError):
        out.problems.extend(_row_shape_problems(text, sep, file))
        if not out.problems:  # pragma: no cover - pandas failed where csv did not
            out.problems.append(Problem(file=file, row=None, column=None, value=None,
                                        problem="the file cannot be read as CSV",
                                        expected="comma-separated values, one record a line"))
        return out
    except pd.errors.EmptyDataError:  # pragma: no cover - caught by the strip() test
        out.empty = True
        return out
    if raw.shape[0] == 0:  # pragma: no cover - caught by the strip() test
        out.empty = True
        return out
    # line number of each record: 1 + records before it + newlines inside earlier records
    nl = np.zeros(raw.shape[0], dtype=np.int64)
    if '"' in text:
        for j in range(raw.shape[1]):
            col = raw.iloc[:, j]
            if col.str.contains("\n", regex=False).any():
                nl += col.str.count("\n").to_numpy()
    lines = 1 + np.arange(raw.shape[0]) + np.concatenate([[0], np.cumsum(nl)[:-1]])
    header = [str(h).strip().lstrip("\ufeff") for h in raw.iloc[0].tolist()]
    problems = []
    seen: dict[str, int] = {}
    for j, h in enumerate(header):
        if not h:
            header[j] = f"unnamed_{j + 1}"
        elif h in seen:
            problems.append(Problem(file=file, row=1, column=h, value=h,
                                    problem=f"the column name appears twice (columns {seen[h] + 1} "
                                            f"and {j + 1})",
                                    expected="each column name once"))
        else:
            seen[h] = j
    if problems:
        out.problems.extend(problems)
        return out
    data = raw.iloc[1:]
    data.columns = header
    counts: dict[str, int] = {}
    cells = blank_to_na(data, counts)
    blank = cells.isna().all(axis=1).to_numpy()
    if blank.any():  # a line of NA markers is a record without values, not a blank line
        blank[blank] = ~data.loc[blank].apply(lambda c: c.str.strip().ne("")).any(axis=1).to_numpy()
    frame = cells.loc[~blank].copy() if blank.any() else cells
    frame["source_row"] = lines[1:][~blank]
    frame.index = pd.RangeIndex(len(frame))
    out.read_as_missing = sum(counts.values())
    if sep == ";":
        out.decimal_commas = _read_decimal_commas(frame, header)
        if out.decimal_commas:
            out.problems.append(Problem(
                file=file, row=None, column=None, value=None,
                problem=f"semicolon-separated with decimal commas (a European spreadsheet export): "
                        f"{out.decimal_commas} number(s) such as 0,25 were read as 0.25",
                expected="nothing to do if that is right; otherwise a comma-separated file with "
                         "decimal points", severity="warning"))
    out.header = header
    out.frame = frame
    out.rows_in = len(frame)
    return out


_DECIMAL_COMMA = re.compile(r"^([<>]=?\s*)?([-+]?\d+),(\d+)$")


def _read_decimal_commas(frame: pd.DataFrame, columns: list[str]) -> int:
    """Rewrite ``0,25`` (also ``<0,003``) as ``0.25`` in place; return how many cells changed.

    Only for a semicolon-separated file, where a comma cannot be a field separator
    and is the decimal mark of the spreadsheet that wrote it.
    """
    changed = 0
    for c in columns:
        col = frame[c]
        text = col.dropna()
        if text.empty or not text.str.contains(",", regex=False).any():
            continue
        fixed = text.str.replace(_DECIMAL_COMMA, r"\1\2.\3", regex=True)
        diff = fixed.ne(text)
        if diff.any():
            frame.loc[diff[diff].index, c] = fixed[diff]
            changed += int(diff.sum())
    return changed


def _row_shape_problems(text: str, sep: str, file: str) -> list[Problem]:
    """Locate every record whose number of fields differs from the header (error path)."""
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    width = None
    line = 1
    try:
        for fields in reader:
            if width is None:
                width = len(fields)
            elif fields and len(fields) > width:
                problems.append(Problem(
                    file=file, row=line, column=None, value=None,
                    problem=f"the line has {len(fields)} values but the header has {width} columns",
                    expected="one value per header column (put a value holding a "
                             f"{'comma' if sep == ',' else 'delimiter'} in double quotes)"))
            line = reader.line_num + 1
    except csv.Error as exc:
        problems.append(Problem(file=file, row=reader.line_num or line, column=None, value=None,
                                problem=f"the line cannot be read as CSV ({exc})",
                                expected="comma-separated values; a quoted value must end with "
                                         "a closing double quote"))
    return problems


def read_text_table(data: bytes, file: str) -> TextTable:
    """Decode and parse the bytes of one CSV file (see :func:`parse_csv_text`)."""
    text, encoding, problems = decode_bytes(data, file)
    if text is None:
        out = TextTable(encoding=encoding, problems=problems)
    else:
        out = parse_csv_text(text, file)
        out.problems = problems + out.problems
        out.encoding = encoding
    out.sha256 = sha256_bytes(data)
    return out
