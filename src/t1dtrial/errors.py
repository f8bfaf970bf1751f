"""Exceptions and warnings of t1dtrial.

Every error a user can cause (a wrong input file, a wrong protocol) is raised
as a subclass of :class:`ValueError` with a domain name. The command-line
interface turns each into clear lines on stderr and exit code 2; anything
else is a fault of ours (exit code 1).

Data that cannot support an estimate (one outcome value, too few subjects, a
model that does not converge) are not a user error: the statistics raise
:class:`EstimationError`, and the analysis turns it into a row marked "not
estimable" with the reason (it is never an exit code 2).

Examples
--------
>>> p = Problem(file="subjects.csv", row=4, column="sex", value="X",
...             problem="unknown sex", expected="one of M, F")
>>> str(p)
"subjects.csv:4:sex: 'X' — unknown sex; expected one of M, F"
>>> str(Problem(file="measurements.csv", row=9, column="value", value="7.5",
...             problem="not plausible", subject="S01", visit="M6", param="HBA1C"))
"measurements.csv:9:value (participant S01, visit M6, HBA1C): '7.5' — not plausible"
>>> err = InputError([p])
>>> isinstance(err, ValueError)
True
>>> e = EstimationError("logistic_regression", "outcome", "RESPONSE",
...                     "only one outcome value among the analysed rows", "both 0 and 1 present")
>>> isinstance(e, ValueError), e.reason
(False, 'only one outcome value among the analysed rows; expected both 0 and 1 present')
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable, Literal

__all__ = [
    "Problem",
    "option_error",
    "group_problems",
    "T1DTrialError",
    "InputError",
    "ProtocolError",
    "ArgumentError",
    "EstimationError",
    "T1DTrialWarning",
    "InputWarning",
    "DerivationWarning",
    "SeparationWarning",
    "PrecisionWarning",
]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One problem found in an input or a protocol file.

    Parameters
    ----------
    file : str
        File name (as the user knows it), e.g. ``"measurements.csv"``.
    row : int or None
        Line number in the file as a spreadsheet shows it (header = 1, first
        data row = 2); ``None`` when the problem concerns the whole file.
    column : str or None
        Column (or protocol field path) concerned.
    value : Any
        The offending value, as read.
    problem : str
        What is wrong, in words a clinician understands.
    expected : str
        What would be right.
    severity : {"error", "warning"}
        Errors stop the run; warnings are reported and the data kept.
    subject, visit, param : str, optional
        The participant (``subject_id``), visit and parameter the problem
        concerns, where they apply; a clinician finds the record by these.
        ``param`` may list several (``"FCP, PCP"``) for a grouped problem.
    rows : tuple of int
        Every row of a problem found identically on several rows of one file
        (:func:`group_problems`); ``row`` is the first. Empty for a single row.
    count : int
        How many records the problem stands for (the rows of a group, or the
        rows a "... and N more" summary counts).
    kind : str, optional
        What sort of problem it is (``"missing baseline"``, ``"out of window"``
        ...), for code that summarises problems; not shown.
    """

    file: str
    row: int | None
    column: str | None
    value: Any
    problem: str
    expected: str = ""
    severity: Severity = "error"
    subject: str | None = None
    visit: str | None = None
    param: str | None = None
    rows: tuple[int, ...] = ()
    count: int = 1
    kind: str | None = None

    @property
    def all_rows(self) -> tuple[int, ...]:
        """Every row the problem concerns (``rows``, else ``(row,)``, else none).

        Examples
        --------
        >>> Problem("m.csv", 4, "unit", "mg", "unknown unit").all_rows
        (4,)
        """
        return self.rows or (() if self.row is None else (self.row,))

    @property
    def record(self) -> str:
        """Participant, visit and parameter in words (``""`` when none applies).

        Examples
        --------
        >>> Problem("m.csv", 2, "date", None, "late", subject="S01", visit="M6").record
        'participant S01, visit M6'
        """
        parts = []
        if self.subject:
            parts.append(f"participant {self.subject}")
        if self.visit:
            parts.append(f"visit {self.visit}")
        if self.param:
            parts.append(str(self.param))
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.file
        if self.rows:
            where += f":{_row_list(self.rows)}"
        elif self.row is not None:
            where += f":{self.row}"
        if self.column:
            where += f":{self.column}"
        if self.record:
            where += f" ({self.record})"
        text = f"{where}: " if where else ""
        if self.value is not None and self.value != "":
            text += f"{self.value!r} — "
        text += self.problem
        if self.expected:
            text += f"; expected {self.expected}"
        return text

    def as_dict(self) -> dict[str, Any]:
        """Return the problem as a flat dictionary (for tables and JSON)."""
        return {
            "severity": self.severity,
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": None if self.value is None else str(self.value),
            "problem": self.problem,
            "expected": self.expected,
            "subject": self.subject,
            "visit": self.visit,
            "param": self.param,
            "rows": list(self.rows),
            "count": self.count,
            "kind": self.kind,
        }


def _row_list(rows: tuple[int, ...], shown: int = 6) -> str:
    """Rows as a spreadsheet user reads them: ``12-18``, ``12,40,77``, ``12,40,...(30 rows)``.

    Examples
    --------
    >>> _row_list((120, 121, 122)), _row_list((12, 40)), _row_list(tuple(range(2, 40, 3)))
    ('120-122', '12,40', '2,5,8,11,14,17,...(13 rows)')
    """
    ordered = sorted(rows)
    if ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}-{ordered[-1]}" if len(ordered) > 1 else str(ordered[0])
    text = ",".join(map(str, ordered[:shown]))
    return text if len(ordered) <= shown else f"{text},...({len(ordered)} rows)"


def group_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Merge problems that differ only by row and parameter into one per participant.

    Seven values of one participant at one visit outside the visit window become
    one problem naming the seven rows and parameters, so that a clinician reads
    one line per thing to fix. Order is kept (a group sits where its first row was).

    Examples
    --------
    >>> a = Problem("m.csv", 5, "date", "2021-12-31", "outside the window", subject="S01",
    ...             visit="M6", param="FCP", severity="warning")
    >>> b = Problem("m.csv", 6, "date", "2021-12-31", "outside the window", subject="S01",
    ...             visit="M6", param="PCP", severity="warning")
    >>> print(group_problems([a, b])[0])
    m.csv:5-6:date (participant S01, visit M6, FCP, PCP): '2021-12-31' — 2 rows: outside the window
    """
    groups: dict[tuple, list[Problem]] = {}
    for p in problems:
        single = p.row is not None and not p.rows
        key = (p.file, p.column, p.severity, p.subject, str(p.value), p.problem, p.expected)
        groups.setdefault(key if single else (id(p),), []).append(p)
    out = []
    for members in groups.values():
        first = members[0]
        if len(members) == 1:
            out.append(first)
            continue

        def joined(name: str) -> str | None:
            return ", ".join(dict.fromkeys(getattr(m, name) for m in members
                                           if getattr(m, name))) or None

        rows = tuple(dict.fromkeys(m.row for m in members))
        what = "rows" if len(rows) == len(members) else "values"
        out.append(replace(first, rows=rows, count=len(members), visit=joined("visit"),
                           param=joined("param"), problem=f"{len(members)} {what}: {first.problem}"))
    return out


class T1DTrialError(Exception):
    """Base class of every error t1dtrial raises on purpose."""


class _ProblemsError(T1DTrialError):
    """An error carrying one or more :class:`Problem` records."""

    def __init__(self, problems: Iterable[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem(file="", row=None, column=None, value=None, problem=problems)]
        self.problems: list[Problem] = list(problems)
        super().__init__(self._message())

    def _message(self) -> str:
        errors = [p for p in self.problems if p.severity == "error"] or self.problems
        lines = [str(p) if p.file else p.problem for p in errors]
        if len(lines) == 1:
            return lines[0]
        return f"{len(lines)} problems:\n" + "\n".join(f"  {line}" for line in lines)


class InputError(_ProblemsError, ValueError):
    """The input data are wrong: a file, row, column or value breaks the input contract."""


class ProtocolError(_ProblemsError, ValueError):
    """The protocol file is wrong or inconsistent."""


def option_error(option: str, value: object, problem: str, expected: str) -> InputError:
    """The error of a bad command-line value: the option, the value, what is wrong and what is right.

    Examples
    --------
    >>> print(option_error("--target", 2, "is not a probability", "a number between 0 and 1"))
    --target: '2' — is not a probability; expected a number between 0 and 1
    """
    return InputError([Problem(file=option, row=None, column=None, value=str(value),
                               problem=problem, expected=expected)])


class ArgumentError(InputError, TypeError):
    """An argument of a public function is wrong: its type, its value or its columns.

    Raised by the checks of :mod:`t1dtrial._validation`, whose one message
    template is "The 'x' parameter of f must be ... Got ... instead.". It is
    an :class:`InputError` (a ``ValueError``) and a ``TypeError``, so that a
    caller may catch either.

    Examples
    --------
    >>> err = ArgumentError("The 'conf_level' parameter of f must be a number. Got 'x' instead.")
    >>> isinstance(err, InputError), isinstance(err, TypeError), str(err)[:25]
    (True, True, "The 'conf_level' paramete")
    """


class EstimationError(_ProblemsError):
    """The data do not allow this estimate (not a wrong input: the analysis reports it).

    Raised by the statistics for data-dependent failures: one outcome value,
    an empty group, too few values, no variation, a rank-deficient design,
    separation without a remedy, no convergence, a NaN or infinity arising
    inside a model. Argument errors stay :class:`InputError` (:class:`ArgumentError`).

    Parameters
    ----------
    function : str
        The statistics function, e.g. ``"mmrm"``.
    argument : str
        The argument whose data cannot support the estimate.
    value : Any
        What was received (shown as in :class:`Problem`).
    problem : str
        Why the estimate cannot be made, in words.
    expected : str
        What the data would need.
    """

    def __init__(self, function: str, argument: str | None, value: Any, problem: str,
                 expected: str = ""):
        self._args = (function, argument, value, problem, expected)
        self.problem = problem
        self.expected = expected
        super().__init__([Problem(file=f"{function}()", row=None, column=argument, value=value,
                                  problem=problem, expected=expected)])

    def __reduce__(self):  # pickles (e.g. across processes) with its own arguments
        return (type(self), self._args)

    @property
    def reason(self) -> str:
        """Why the estimate cannot be made, in words (no function or argument names)."""
        return self.problem + (f"; expected {self.expected}" if self.expected else "")


class T1DTrialWarning(UserWarning):
    """Base class of t1dtrial's warnings."""


class InputWarning(T1DTrialWarning):
    """The input is usable but something deserves the user's attention.

    Examples: a latin-1 file, a value outside its visit window, a missing
    baseline. The data are kept and flagged, never silently dropped.
    """


class DerivationWarning(T1DTrialWarning):
    """A derivation met a case its rule handles specially (e.g. a zero baseline)."""


class PrecisionWarning(T1DTrialWarning):
    """An estimate could not reach the precision asked for.

    For example a confidence level a very small sample cannot achieve: the
    interval is reported at the level it reaches (column ``conf_level``).
    """


class SeparationWarning(T1DTrialWarning):
    """A logistic model shows (quasi-)separation; Firth's penalised likelihood was used instead."""
