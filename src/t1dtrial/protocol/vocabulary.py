"""Names a protocol may refer to: subject columns, analysis parameters and ADSL covariates.

The protocol layer imports nothing else of t1dtrial, so the vocabulary shared
with the input contract and the derivations is written down here, once: the
measured parameters (:data:`PARAMS`: code, words, canonical and accepted
units, plausible range), the derived ones, which codes are C-peptide
(:func:`is_cpeptide`) and the subject columns. :mod:`t1dtrial.data.contract`
reads its parameters from here, and tests hold :data:`COVARIATES` to what
:func:`t1dtrial.derive.derive_adsl` produces.

Examples
--------
>>> is_endpoint_param("PCP"), is_endpoint_param("CP90"), is_endpoint_param("LDL")
(True, True, False)
>>> PARAMS["FCP"].canonical_unit, param_spec("CP30").label
('nmol/L', 'C-peptide at minute 30 of a meal test')
>>> is_cpeptide("CP30"), is_cpeptide("CPAUC"), is_cpeptide("HBA1C")
(True, True, False)
>>> covariate("DOSE2", infusions=2).unit
'cells/kg'
>>> covariate_hints("AGE_ONSET", infusions=2)
['AGEONSET']
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "covariate_label",
    "SUBJECT_COLUMNS",
    "SUBJECT_COLUMN_KINDS",
    "MEASURED_PARAMS",
    "DERIVED_PARAMS",
    "CPEPTIDE_PARAMS",
    "ParamSpec",
    "PARAMS",
    "param_spec",
    "is_known_param",
    "is_cpeptide",
    "RISE_IS_WORSE",
    "RESERVED_SUBGROUP_NAMES",
    "RESERVED_ENDPOINT_NAMES",
    "Covariate",
    "COVARIATES",
    "covariate",
    "covariate_names",
    "covariate_hints",
    "is_endpoint_param",
    "meal_sample_minute",
]

#: Columns of ``subjects.csv`` a subgroup expression may use.
SUBJECT_COLUMNS: tuple[str, ...] = (
    "subject_id", "arm", "sex", "age_at_onset", "diagnosis_date", "enrolment_date",
    "weight_kg", "height_cm", "site", "status", "withdrawal_date", "withdrawal_reason",
)

#: What each subject column holds: compared with numbers, ISO dates or text.
SUBJECT_COLUMN_KINDS: dict[str, Literal["numeric", "date", "text"]] = {
    "subject_id": "text", "arm": "text", "sex": "text", "age_at_onset": "numeric",
    "diagnosis_date": "date", "enrolment_date": "date", "weight_kg": "numeric",
    "height_cm": "numeric", "site": "text", "status": "text", "withdrawal_date": "date",
    "withdrawal_reason": "text",
}


@dataclass(frozen=True)
class ParamSpec:
    """One measured parameter of ``measurements.csv``.

    Parameters
    ----------
    code : str
        PARAMCD, e.g. ``"FCP"``.
    label : str
        Words for reports.
    canonical_unit : str
        Unit inside the package.
    units : tuple of str
        Units accepted in input (converted by :mod:`t1dtrial.data.units`).
    plausible : tuple of float
        Inclusive range of plausible values in the canonical unit; outside
        it a value is refused as implausible.
    extra : dict
        Anything else known of the code (``minute`` of a meal-test sample).

    Examples
    --------
    >>> PARAMS["HBA1C"].param
    'HbA1c (%)'
    """

    code: str
    label: str
    canonical_unit: str
    units: tuple[str, ...]
    plausible: tuple[float, float]
    extra: dict = field(default_factory=dict)

    @property
    def param(self) -> str:
        """CDISC PARAM: label with canonical unit, e.g. ``Fasting C-peptide (nmol/L)``."""
        return f"{self.label} ({self.canonical_unit})"


_CPEP_UNITS = ("nmol/L", "pmol/L", "ng/mL")
_GLU_UNITS = ("mmol/L", "mg/dL")

#: The parameters measured and recorded in ``measurements.csv`` (plus ``CPxx``, see
#: :func:`param_spec`): the one list of their codes, words, units and plausible ranges.
PARAMS: dict[str, ParamSpec] = {
    "FCP": ParamSpec("FCP", "Fasting C-peptide", "nmol/L", _CPEP_UNITS, (0.0, 10.0)),
    "PCP": ParamSpec("PCP", "2-h postprandial C-peptide", "nmol/L", _CPEP_UNITS, (0.0, 10.0)),
    "HBA1C": ParamSpec("HBA1C", "HbA1c", "%", ("%", "mmol/mol"), (3.0, 20.0)),
    "INSULIN": ParamSpec("INSULIN", "Total daily insulin dose", "U/kg/day",
                         ("U/kg/day", "U/day"), (0.0, 3.0)),
    "WEIGHT": ParamSpec("WEIGHT", "Body weight", "kg", ("kg",), (10.0, 250.0)),
    "FPG": ParamSpec("FPG", "Fasting plasma glucose", "mmol/L", _GLU_UNITS, (0.5, 60.0)),
    "PPG": ParamSpec("PPG", "2-h postprandial plasma glucose", "mmol/L", _GLU_UNITS, (0.5, 60.0)),
}

#: Codes of the parameters measured and recorded in ``measurements.csv`` (plus ``CPxx``).
MEASURED_PARAMS: tuple[str, ...] = tuple(PARAMS)

#: Parameters the derivations compute (ADLB).
DERIVED_PARAMS: tuple[str, ...] = ("INSDOSE", "IDAA1C", "CPAUC", "CPMAUC")

#: C-peptide parameters (besides the meal-test samples ``CPxx``): a rise is a gain.
CPEPTIDE_PARAMS: tuple[str, ...] = ("FCP", "PCP", "CPAUC", "CPMAUC")

#: Parameters whose rise is a worsening (glycaemia, insulin need), never a response.
RISE_IS_WORSE: tuple[str, ...] = ("HBA1C", "INSULIN", "INSDOSE", "IDAA1C", "FPG", "PPG")

#: Subgroup names the analysis uses itself (``all`` is the whole population).
RESERVED_SUBGROUP_NAMES: tuple[str, ...] = ("all",)

#: Endpoint names whose upper-case PARAMCD the derivations use (insulin-free episodes).
RESERVED_ENDPOINT_NAMES: tuple[str, ...] = ("insfree",)

_MEAL_SAMPLE = re.compile(r"^CP(\d{1,3})$")


def meal_sample_minute(code: str) -> int | None:
    """Minute of a meal-test C-peptide sample code such as ``CP30`` (None for other codes).

    Examples
    --------
    >>> meal_sample_minute("CP120"), meal_sample_minute("PCP")
    (120, None)
    """
    match = _MEAL_SAMPLE.match(code)
    return int(match.group(1)) if match else None


def param_spec(code: str) -> ParamSpec:
    """Return the :class:`ParamSpec` of a measured parameter code, including ``CPxx``.

    Raises
    ------
    KeyError
        If the code is not a measured parameter.

    Examples
    --------
    >>> param_spec("CP120").extra
    {'minute': 120}
    """
    if code in PARAMS:
        return PARAMS[code]
    minute = meal_sample_minute(code)
    if minute is not None:
        return ParamSpec(code, f"C-peptide at minute {minute} of a meal test", "nmol/L",
                         _CPEP_UNITS, (0.0, 10.0), extra={"minute": minute})
    raise KeyError(code)


def is_known_param(code: str) -> bool:
    """Whether ``code`` is a measured parameter of the input contract (``CPxx`` included).

    Examples
    --------
    >>> is_known_param("HBA1C"), is_known_param("CP15"), is_known_param("LDL")
    (True, True, False)
    """
    return code in PARAMS or meal_sample_minute(code) is not None


def is_cpeptide(code: str) -> bool:
    """Whether a parameter code is a C-peptide measure (a rise is a gain): the one definition.

    :data:`CPEPTIDE_PARAMS` and the meal-test samples ``CPxx``.

    Examples
    --------
    >>> is_cpeptide("CP30"), is_cpeptide("PCP"), is_cpeptide("HBA1C")
    (True, True, False)
    """
    return code in CPEPTIDE_PARAMS or meal_sample_minute(code) is not None


def is_endpoint_param(code: str) -> bool:
    """Whether an endpoint may name ``code`` as its parameter."""
    return code in MEASURED_PARAMS or code in DERIVED_PARAMS or meal_sample_minute(code) is not None


@dataclass(frozen=True)
class Covariate:
    """An ADSL variable a model of the analysis plan may adjust for.

    Parameters
    ----------
    name : str
        ADSL name, e.g. ``AGEONSET``.
    kind : {"numeric", "categorical"}
    words : str
        What it is, for messages and ``protocol show``.
    unit : str
        Its unit ("" for categorical variables and counts).
    source : str
        The ``subjects.csv`` column it comes from, if any (a hint for users who
        write the column name).
    exposure : bool
        Whether it measures the treatment given (zero in arms without infusions).
    """

    name: str
    kind: Literal["numeric", "categorical"]
    words: str
    unit: str = ""
    source: str = ""
    exposure: bool = False


#: ADSL covariates :func:`~t1dtrial.derive.derive_adsl` always produces (``DOSE<k>`` apart).
COVARIATES: tuple[Covariate, ...] = (
    Covariate("AGE", "numeric", "age at enrolment in completed years", "years"),
    Covariate("AGEDEC", "numeric", "age at enrolment", "years"),
    Covariate("AGEONSET", "numeric", "age at diabetes onset", "years", "age_at_onset"),
    Covariate("SEX", "categorical", "sex", "", "sex"),
    Covariate("DURDIAG", "numeric", "time from diagnosis to enrolment", "days"),
    Covariate("WEIGHTBL", "numeric", "body weight at baseline", "kg", "weight_kg"),
    Covariate("SITEID", "categorical", "study site", "", "site"),
    Covariate("ONSETGR", "categorical", "onset-age group (from the subgroups on age_at_onset)"),
    Covariate("BFCP", "numeric", "baseline fasting C-peptide", "nmol/L"),
    Covariate("BPCP", "numeric", "baseline postprandial C-peptide", "nmol/L"),
    Covariate("BHBA1C", "numeric", "baseline HbA1c", "%"),
    Covariate("BINSDOSE", "numeric", "baseline daily insulin dose", "U/kg/day"),
    Covariate("CUMDOSE", "numeric", "cumulative cell dose", "cells/kg", exposure=True),
    Covariate("NINF", "numeric", "number of infusions received", exposure=True),
)

_BASELINE = re.compile(r"^B([A-Z][A-Z0-9]*)$")


def covariate(name: str, *, infusions: int, meal_minutes: tuple[int, ...] = (),
              products: tuple[tuple[int, str], ...] = ()) -> Covariate | None:
    """The covariate called ``name``, or None if the derivations do not produce it.

    Parameters
    ----------
    name : str
        ADSL name.
    infusions : int
        Highest infusion number of the protocol: ``DOSE1`` .. ``DOSE<infusions>`` exist.
    meal_minutes : tuple of int
        The meal test's sampling minutes (baselines ``BCPxx``, ``BCPAUC``, ``BCPMAUC``).
    products : tuple of (int, str)
        ``(infusion number, product code)`` of the infusions of several
        products: ``DOSE<k><code>`` and ``CUMD<code>`` exist.

    Notes
    -----
    Besides :data:`COVARIATES`, ADSL holds ``B<PARAM>`` for every other
    parameter with a baseline value in the data (``BWEIGHT``, ``BFPG``,
    ``BCPMAUC`` ...); those are accepted when the protocol can produce the
    parameter, and exist when the data hold it at baseline.
    """
    known = next((c for c in COVARIATES if c.name == name), None)
    if known is not None:
        return known
    dose = re.fullmatch(r"DOSE([1-9][0-9]*)", name)
    if dose and int(dose.group(1)) <= infusions:
        return Covariate(name, "numeric", f"cell dose of infusion {dose.group(1)}", "cells/kg",
                         exposure=True)
    for number, code in products:
        if name == f"DOSE{number}{code}":
            return Covariate(name, "numeric", f"cell dose of product {code} in infusion {number}",
                             "cells/kg", exposure=True)
        if name == f"CUMD{code}":
            return Covariate(name, "numeric", f"cumulative cell dose of product {code}",
                             "cells/kg", exposure=True)
    base = _BASELINE.match(name)
    if base and _protocol_param(base.group(1), meal_minutes):
        return Covariate(name, "numeric", f"baseline {base.group(1)} (when the data hold it)")
    return None


def covariate_label(term: str, *, infusions: int = 99) -> str:
    """A covariate, or a level of a factor covariate (``SEX[M]``), in words for a reader.

    Parameters
    ----------
    term : str
        ADSL name, or a model term ``NAME[level]``.
    infusions : int, default 99
        Highest infusion number of the protocol (names ``DOSE<k>`` above it
        are not covariates); the default accepts any.

    Returns
    -------
    str
        The covariate's words (with the level in brackets), or ``term`` itself
        when it is no known covariate.

    Examples
    --------
    >>> covariate_label("AGEONSET"), covariate_label("SEX[M]"), covariate_label("XYZ")
    ('age at diabetes onset', 'sex (M)', 'XYZ')
    """
    name, _, level = term.partition("[")
    found = covariate(name, infusions=infusions)
    if found is None:
        return term
    return f"{found.words} ({level.rstrip(']')})" if level else found.words


def _protocol_param(code: str, meal_minutes: tuple[int, ...]) -> bool:
    if code in ("CPAUC", "CPMAUC"):
        return len(meal_minutes) >= 2
    minute = meal_sample_minute(code)
    if minute is not None:
        return minute in meal_minutes
    return code in MEASURED_PARAMS or code in DERIVED_PARAMS


def covariate_names(*, infusions: int, products: tuple[tuple[int, str], ...] = ()) -> list[str]:
    """Names of :data:`COVARIATES`, ``DOSE1`` .. ``DOSE<infusions>`` and product doses, for messages.

    Examples
    --------
    >>> covariate_names(infusions=1)[-3:]
    ['CUMDOSE', 'NINF', 'DOSE1']
    >>> covariate_names(infusions=1, products=((1, "MSC"),))[-2:]
    ['DOSE1MSC', 'CUMDMSC']
    """
    names = [c.name for c in COVARIATES] + [f"DOSE{k}" for k in range(1, infusions + 1)]
    names += [f"DOSE{k}{code}" for k, code in products]
    return names + list(dict.fromkeys(f"CUMD{code}" for _, code in products))


def covariate_hints(name: str, *, infusions: int) -> list[str]:
    """Covariates a mistyped ``name`` may have meant (alphabetical; empty when none is close).

    The same letters without ``_`` or case, the ``subjects.csv`` column of a
    covariate, names that contain ``name`` and are close to it (``DOSE`` ->
    ``CUMDOSE, DOSE1``), else close spellings.

    Examples
    --------
    >>> covariate_hints("DOSE", infusions=2)
    ['CUMDOSE', 'DOSE1', 'DOSE2']
    >>> covariate_hints("age_at_onset", infusions=0)
    ['AGEONSET']
    """
    names = covariate_names(infusions=infusions)
    key = re.sub(r"[^A-Z0-9]", "", name.upper())
    same = [n for n in names if n == key]
    same += [c.name for c in COVARIATES if c.source and c.source == name.lower()]
    if same:
        return sorted(set(same))
    if len(key) >= 3:  # contained, and mostly the same letters (DOSE: not BINSDOSE)
        inside = [n for n in names
                  if key in n and difflib.SequenceMatcher(None, key, n).ratio() >= 0.7]
        if inside:
            return sorted(inside)
    return sorted(difflib.get_close_matches(key, names, n=3, cutoff=0.75))
