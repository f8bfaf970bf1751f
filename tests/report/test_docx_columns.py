"""Column widths of the Word tables: numbers keep to one line, text columns share the rest."""

from __future__ import annotations

from t1dtrial.report._docx_columns import CELL_MARGIN_TWIPS, column_widths, text_twips
from t1dtrial.report.document import Column, RowGroup, Table

TEXT_WIDTH = 9638  # A4 portrait with 2 cm margins, in twips


def _table(n_arms: int, number: str, label: str) -> Table:
    columns = [Column("Characteristic")] + [Column(f"Treatment {chr(65 + i)}", n=30, align="right")
                                            for i in range(n_arms)]
    return Table("t", "14.1", "Baseline", "Full analysis set", columns,
                 [RowGroup("", [[label] + [number] * n_arms])])


def test_numbers_get_their_room_and_the_label_the_rest():
    number = "0.1820 [0.1032, 0.2362]"
    widths = column_widths(_table(4, number, "Fasting C-peptide at baseline (nmol/L), median [Q1, Q3]"),
                           TEXT_WIDTH)
    assert sum(widths) == TEXT_WIDTH
    assert all(w >= text_twips(number) + 2 * CELL_MARGIN_TWIPS for w in widths[1:])
    assert widths[0] > 12 * 80


def test_everything_fits_everything_grows():
    widths = column_widths(_table(2, "11 (40.7)", "Responders, n (%)"), TEXT_WIDTH)
    assert sum(widths) == TEXT_WIDTH
    assert widths[1] == widths[2] and widths[0] > widths[1]


def test_too_many_numbers_still_fill_the_page_and_leave_the_label_a_column():
    widths = column_widths(_table(9, "0.1820 [0.1032, 0.2362]", "A long label " * 5), TEXT_WIDTH)
    assert sum(widths) == TEXT_WIDTH
    assert widths[0] >= 12 * 80 and len(set(widths[1:])) == 1
