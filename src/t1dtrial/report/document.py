"""One document model of the report, rendered to HTML, Word and PDF alike.

A :class:`Document` is a list of :class:`Section` s holding blocks: formatted
:class:`Table` s (title, column headers with N per arm, row groups, footnotes),
:class:`Figure` s (SVG for HTML and PDF, PNG for Word, with a caption) and
:class:`Paragraph` s. The section builders (:mod:`t1dtrial.report.contents`)
fill it with text already formatted (:mod:`t1dtrial.report.formatting`); the
renderers (:mod:`t1dtrial.report.html`, :mod:`t1dtrial.report.docx`) only lay
it out, so the three renderings say the same thing.

Tables and figures are numbered like a clinical study report's shells
(ICH E3): a block names its ``family`` (``"9.7"`` the determination of
sample size of a design, ``"14.1"`` demographics and
disposition, ``"14.2"`` efficacy, ``"14.3"`` safety, ``"16.1"`` study
information such as the protocol and provenance, ``"16.2"`` listings)
and :meth:`Document.numbered` gives each one its number in reading order
(``Table 14.2.1``, ``Figure 14.2.1``, ``Listing 16.2.1``).

Examples
--------
>>> t = Table(key="primary", family="14.2", title="Clinical remission at month 12",
...           population="Full analysis set",
...           columns=[Column("Statistic"), Column("MSC", n=27), Column("Control", n=26)],
...           groups=[RowGroup("All participants", [["Responders, n (%)", "11 (40.7)", "3 (11.5)"]])],
...           footnotes=["Fisher's exact test."])
>>> doc = Document(title="Trial", sections=[Section("efficacy", "Efficacy", [t])]).numbered()
>>> doc.sections[0].blocks[0].label
'Table 14.2.1'
>>> t.columns[1].header
'MSC (N = 27)'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal, Union

__all__ = ["Column", "RowGroup", "Table", "Figure", "Paragraph", "Section", "Document",
           "Block", "FAMILIES"]

#: Numbering families of the blocks, with the words of their heading (ICH E3 sections 14 and 16).
FAMILIES: dict[str, str] = {
    "9.7": "Determination of sample size",
    "14.1": "Demographic and disposition",
    "14.2": "Efficacy",
    "14.3": "Safety",
    "16.1": "Study information",
    "16.2": "Listings",
}


@dataclass(frozen=True)
class Column:
    """A column of a table: its label and, for an arm, the N of the table's population.

    Examples
    --------
    >>> Column("Overall", n=53).header
    'Overall (N = 53)'
    >>> Column("p-value", align="right").header
    'p-value'
    """

    label: str
    n: int | None = None
    align: Literal["left", "right", "center"] = "left"

    @property
    def header(self) -> str:
        """The header a reader sees: ``label (N = n)`` for a column with an N."""
        return self.label if self.n is None else f"{self.label} (N = {self.n})"


@dataclass
class RowGroup:
    """Rows under one heading (``label`` empty: rows without a heading).

    ``rows`` are lists of cell text, one cell a column. ``indent`` tells which
    rows are indented under the one before (e.g. the categories of a variable).
    """

    label: str
    rows: list[list[str]]
    indent: list[int] = field(default_factory=list)

    def indent_of(self, i: int) -> int:
        return self.indent[i] if i < len(self.indent) else 0


@dataclass
class Table:
    """A formatted table or listing.

    Parameters
    ----------
    key : str
        Stable identifier (an HTML anchor, a golden-test name), e.g. ``primary``.
    family : str
        Numbering family (:data:`FAMILIES`); ``"16.2"`` makes it a listing.
    title : str
        What the table shows; the population is said separately.
    population : str
        The analysis population in words, e.g. ``Full analysis set``.
    columns : list of Column
    groups : list of RowGroup
    footnotes : list of str
        Methods, populations, missing data, abbreviations.
    wide : bool
        Needs a landscape page in Word and PDF.
    number : str
        Given by :meth:`Document.numbered` (e.g. ``14.2.1``).
    """

    key: str
    family: str
    title: str
    population: str
    columns: list[Column]
    groups: list[RowGroup]
    footnotes: list[str] = field(default_factory=list)
    wide: bool = False
    number: str = ""

    @property
    def kind(self) -> str:
        """``Listing`` in family 16.2, else ``Table``."""
        return "Listing" if self.family.startswith("16.2") else "Table"

    @property
    def label(self) -> str:
        """``Table 14.2.1`` once numbered."""
        return f"{self.kind} {self.number}".strip()

    @property
    def caption(self) -> str:
        """``Table 14.2.1. Title (population)``."""
        pop = f" ({self.population})" if self.population else ""
        return f"{self.label}. {self.title}{pop}"

    def n_rows(self) -> int:
        return sum(len(g.rows) for g in self.groups)


@dataclass
class Figure:
    """A drawn figure with its caption.

    ``svg`` is the figure as SVG text (HTML and PDF); ``png`` the same figure
    as PNG bytes (Word). ``caption`` says population, method and n. A figure
    still being exported (:func:`t1dtrial.report.plotting.export_later`)
    carries ``pending``, which :meth:`resolve` calls to fill ``svg`` and ``png``.
    """

    key: str
    family: str
    title: str
    caption: str
    svg: str
    png: bytes
    width_inches: float = 6.5
    number: str = ""
    pending: Callable[[], tuple[str, bytes]] | None = field(default=None, repr=False,
                                                            compare=False)

    def resolve(self) -> "Figure":
        """Wait for a pending export and fill ``svg`` and ``png`` (in place)."""
        if self.pending is not None:
            self.svg, self.png = self.pending()
            self.pending = None
        return self

    @property
    def label(self) -> str:
        return f"Figure {self.number}".strip()


@dataclass
class Paragraph:
    """Text: ``body``, ``note`` (smaller, below a table or figure) or ``warning`` (boxed)."""

    text: str
    style: Literal["body", "note", "warning"] = "body"


Block = Union[Table, Figure, Paragraph]


@dataclass
class Section:
    """A numbered heading of the report and its blocks, with sub-sections."""

    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    subsections: list["Section"] = field(default_factory=list)

    def walk(self):
        """Every block of the section and its sub-sections, in reading order (a figure
        still being exported is waited for before it is given)."""
        for block in self.blocks:
            yield block.resolve() if isinstance(block, Figure) else block
        for sub in self.subsections:
            yield from sub.walk()


@dataclass
class Document:
    """The whole report.

    Attributes
    ----------
    title, subtitle : str
    sections : list of Section
    synthetic : bool
        The data are simulated: every rendering shows a SYNTHETIC banner.
    blinded : bool
        An open (committee) report: arms coded, no arm-level efficacy p-values.
    cutoff : str
        Data cut-off date in words, shown on every page.
    footer : str
        Short text for every page footer (protocol, version).
    """

    title: str
    sections: list[Section]
    subtitle: str = ""
    synthetic: bool = False
    blinded: bool = False
    cutoff: str = ""
    footer: str = ""

    def blocks(self):
        """Every block in reading order."""
        for s in self.sections:
            yield from s.walk()

    def tables(self) -> list[Table]:
        return [b for b in self.blocks() if isinstance(b, Table)]

    def figures(self) -> list[Figure]:
        return [b for b in self.blocks() if isinstance(b, Figure)]

    def numbered(self) -> "Document":
        """Number tables, listings and figures within their family, in reading order, and
        wait for figures still being exported (in place)."""
        counts: dict[tuple[str, str], int] = {}
        for block in self.blocks():
            if isinstance(block, (Table, Figure)):
                kind = block.kind if isinstance(block, Table) else "Figure"
                counts[(kind, block.family)] = counts.get((kind, block.family), 0) + 1
                block.number = f"{block.family}.{counts[(kind, block.family)]}"
        return self
