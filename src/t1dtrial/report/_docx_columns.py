"""Widths of a Word table's columns, estimated from the text they hold (9 pt Calibri).

Numbers should not wrap: right- or centre-aligned (numeric) columns get the
room their longest cell needs; left-aligned text columns share what is left.
An arm's header is written on two lines, the label and ``(N = 27)``.

Examples
--------
>>> from t1dtrial.report.document import Column, RowGroup, Table
>>> t = Table("t", "14.1", "Age", "Full analysis set",
...           [Column("Characteristic"), Column("MSC", n=27, align="right")],
...           [RowGroup("", [["Age at enrolment (years), mean (SD)", "24.3 (5.12)"]])])
>>> widths = column_widths(t, 9638)
>>> sum(widths), widths[0] > widths[1]
(9638, True)
>>> header_lines(t.columns[1])
('MSC', '(N = 27)')
"""

from __future__ import annotations

from t1dtrial.report.document import Column, Table

__all__ = ["column_widths", "header_lines", "text_twips", "CELL_MARGIN_TWIPS"]

# Column widths: twips a letter of 9 pt Calibri takes (about), cell padding, and how many
# letters' room a column may ask for.
_CHAR_TWIPS = 80
#: Left and right margin of a table cell.
CELL_MARGIN_TWIPS = 72
_CELL_PADDING_TWIPS = 2 * CELL_MARGIN_TWIPS
_MAX_NUMERIC_CHARS, _MAX_TEXT_CHARS, _MIN_TEXT_CHARS = 28, 60, 12


def text_twips(text: str) -> int:
    """About how wide ``text`` is in 9 pt Calibri, in twips (digits 92, narrow signs 48)."""
    width = 0
    for ch in text:
        if ch.isdigit():
            width += 92
        elif ch in " .,;:()[]|'!ilfjt-":
            width += 48
        elif ch.isupper():
            width += 105
        else:
            width += _CHAR_TWIPS
    return width


def header_lines(col: Column) -> tuple[str, str]:
    """A column's header as written in Word: the label, and the N on a line of its own."""
    return (col.label, "") if col.n is None else (col.label, f"(N = {col.n})")


def column_widths(t: Table, total: int) -> list[int]:
    """Column widths in twips summing to ``total``.

    A column needs room for its longest cell (and its header's longest word, or its
    ``(N = 27)`` line).
    Aligned (numeric) columns get what they need, so numbers do not wrap; text
    columns share what is left in proportion to their need (at least
    :data:`_MIN_TEXT_CHARS` characters each). When everything fits, every
    column grows in proportion.
    """
    need, numeric = [], []
    for j, col in enumerate(t.columns):
        longest = max((text_twips(row[j]) for g in t.groups for row in g.rows if j < len(row)),
                      default=0)
        label, n_line = header_lines(col)
        header = max([text_twips(w) for w in label.split()] + [text_twips(n_line)])
        is_numeric = col.align != "left"
        cap = (_MAX_NUMERIC_CHARS if is_numeric else _MAX_TEXT_CHARS) * _CHAR_TWIPS
        need.append(min(max(longest, header, 3 * _CHAR_TWIPS), cap) + _CELL_PADDING_TWIPS)
        numeric.append(is_numeric)
    fixed = sum(n for n, num in zip(need, numeric) if num)
    flexible = sum(n for n, num in zip(need, numeric) if not num)
    floor = _MIN_TEXT_CHARS * _CHAR_TWIPS + _CELL_PADDING_TWIPS
    n_text = len(need) - sum(numeric)
    if sum(need) <= total or not n_text or not fixed:
        widths = [total * n // sum(need) for n in need]
    elif fixed + floor * n_text <= total:
        # Numbers get their room; text columns share the rest (at least the floor each).
        share = [max(floor, (total - fixed) * n // flexible) if not num else 0
                 for n, num in zip(need, numeric)]
        scale = (total - fixed) / sum(share)
        widths = [n if num else int(x * scale) for n, num, x in zip(need, numeric, share)]
    else:
        # Too many numbers for the page: text columns get the floor, numbers share the rest.
        rest = max(total - floor * n_text, total // 2)
        widths = [rest * n // fixed if num else (total - rest) // n_text
                  for n, num in zip(need, numeric)]
    widths[0] += total - sum(widths)
    return widths
