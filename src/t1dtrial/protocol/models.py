"""Pydantic models of a study protocol.

A protocol file (YAML) says everything the code must not hard-wire: arms,
visit schedule with windows, infusion schedule and dose rules, the meal test,
endpoint rules, subgroups, populations and analysis options. Any field may
carry ``assumption: <why>``; :meth:`Protocol.assumptions` lists them, and the
report prints them, so that what the source publication does not state is
never presented as fact.

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> p = load_protocol("lu2021")
>>> [a.code for a in p.arms]
['MSC', 'CONTROL']
>>> p.primary_endpoint.params, p.primary_endpoint.visit
(['FCP', 'PCP'], 'M12')
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .expressions import Expression, ExpressionSyntaxError
from .vocabulary import SUBJECT_COLUMNS, is_endpoint_param

__all__ = [
    "Arm", "Visit", "Dose", "Infusion", "MealTest", "PercentRiseEndpoint",
    "ThresholdEndpoint", "ContinuousEndpoint", "InsulinIndependenceEndpoint", "Endpoint",
    "Endpoints", "Subgroup", "Population", "AnalysisOptions", "Design", "Protocol",
]

Comparison = Literal[">=", ">", "<=", "<"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    assumption: str | None = Field(
        default=None,
        description="Why this value is assumed (the source does not state it). Printed in reports.",
    )


class Design(_Model):
    """How participants were allocated and who knew what."""

    allocation: Literal["randomised", "nonrandomised", "single-arm"]
    blinding: Literal["open", "single", "double"] = "open"
    phase: str | None = None
    description: str | None = None


class Arm(_Model):
    """One arm: a code used in ``subjects.csv``, a label for reports, and its kind."""

    code: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    label: str
    kind: Literal["cell-therapy", "standard-care", "placebo", "active"]
    planned_n: int | None = Field(default=None, ge=0)

    @property
    def receives_infusions(self) -> bool:
        """Whether the arm is given the investigational product (or placebo infusions)."""
        return self.kind in ("cell-therapy", "placebo", "active")


class Visit(_Model):
    """A scheduled visit: code, nominal study day and the window around it (days)."""

    code: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    label: str
    day: int
    window: tuple[int, int] = Field(description="Days before and after the nominal day, e.g. [-14, 14].")

    @field_validator("window")
    @classmethod
    def _window_brackets_zero(cls, v: tuple[int, int]) -> tuple[int, int]:
        if v[0] > 0 or v[1] < 0:
            raise ValueError(f"a window [before, after] must have before <= 0 <= after; got {list(v)}")
        return v

    @property
    def earliest(self) -> int:
        """First study day inside the window."""
        return self.day + self.window[0]

    @property
    def latest(self) -> int:
        """Last study day inside the window."""
        return self.day + self.window[1]


class Dose(_Model):
    """A dose rule: cells per kg of body weight, or a fixed total number of cells."""

    per_kg: float | None = Field(default=None, gt=0, description="Target cells/kg.")
    total: float | None = Field(default=None, gt=0, description="Fixed total cells.")
    range_per_kg: tuple[float, float] | None = Field(
        default=None, description="Range of cells/kg actually given, when it varied.")

    @model_validator(mode="after")
    def _one_rule(self) -> "Dose":
        if (self.per_kg is None) == (self.total is None):
            raise ValueError("a dose gives exactly one of per_kg (cells/kg) or total (cells)")
        if self.range_per_kg is not None and self.range_per_kg[0] > self.range_per_kg[1]:
            raise ValueError("range_per_kg must be [low, high] with low <= high")
        return self


class Infusion(_Model):
    """One planned infusion: its number, visit, arms, dose and an optional condition.

    ``condition`` is an expression over the parameters measured at that visit,
    e.g. ``INSULIN > 0`` for "a second dose only if still on insulin".
    """

    number: int = Field(ge=1)
    visit: str
    arms: list[str]
    dose: Dose
    route: Literal["intravenous", "pancreatic-artery", "intraportal", "subcutaneous",
                   "other"] = "intravenous"
    condition: str | None = None

    @field_validator("condition")
    @classmethod
    def _parse_condition(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                Expression.parse(v)
            except ExpressionSyntaxError as exc:
                raise ValueError(str(exc)) from None
        return v


class MealTest(_Model):
    """The stimulation test behind postprandial / AUC C-peptide.

    ``postprandial_minute`` says which sampling minute is *the* postprandial
    sample (``PCP``, e.g. 120 for a 2-h C-peptide): readers of timed samples
    (SDTM LBTPT/LBELTM) map a C-peptide at that minute to ``PCP`` and one at
    minute 0 to ``FCP``. Left out, timed samples stay ``CPxx``.

    Examples
    --------
    >>> MealTest(kind="standard-meal", minutes=[0, 120], postprandial_minute=120).minutes
    [0, 120]
    """

    kind: Literal["MMTT", "OGTT", "standard-meal", "none"]
    description: str | None = None
    minutes: list[int] = Field(default_factory=list, description="Sampling minutes, e.g. [0, 15, 30, 60, 90, 120].")
    postprandial_minute: int | None = Field(
        default=None, description="The sampling minute whose C-peptide is the postprandial "
                                  "value PCP (e.g. 120); one of minutes, after 0.")

    @field_validator("minutes")
    @classmethod
    def _increasing(cls, v: list[int]) -> list[int]:
        if any(b <= a for a, b in zip(v, v[1:])):
            raise ValueError(f"sampling minutes must be strictly increasing; got {v}")
        return v

    @model_validator(mode="after")
    def _postprandial_is_sampled(self) -> "MealTest":
        m = self.postprandial_minute
        if m is not None and (m <= 0 or m not in self.minutes):
            raise ValueError(f"postprandial_minute must be one of the sampling minutes after 0 "
                             f"(minutes: {self.minutes}); got {m}")
        return self


class _Endpoint(_Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    visit: str = Field(description="Visit at which the endpoint is assessed.")


class PercentRiseEndpoint(_Endpoint):
    """Responder if the percent change from baseline reaches a threshold.

    ``combine: any`` (the reference study's "and/or") or ``all`` over ``params``.
    """

    kind: Literal["percent_rise"]
    params: list[str] = Field(min_length=1)
    combine: Literal["any", "all"] = "any"
    threshold_pct: float
    comparison: Literal[">=", ">"] = ">="


class ThresholdEndpoint(_Endpoint):
    """Responder if a parameter's value compares to a fixed threshold (e.g. C-peptide >= 0.2 nmol/L)."""

    kind: Literal["threshold"]
    param: str
    comparison: Comparison
    value: float
    unit: str


class ContinuousEndpoint(_Endpoint):
    """A continuous outcome (change, percent change or follow-up value) compared between arms."""

    kind: Literal["continuous"]
    param: str
    summary: Literal["value", "change", "percent_change"] = "change"
    transform: Literal["none", "log1p", "log"] = "none"
    visits: list[str] | None = Field(default=None, description="All visits to analyse (MMRM); default every post-baseline visit.")


class InsulinIndependenceEndpoint(_Endpoint):
    """Insulin independence (no exogenous insulin) at the visit, and its episodes."""

    kind: Literal["insulin_independence"]


Endpoint = Annotated[
    Union[PercentRiseEndpoint, ThresholdEndpoint, ContinuousEndpoint, InsulinIndependenceEndpoint],
    Field(discriminator="kind"),
]


class Endpoints(_Model):
    """The primary endpoint and the secondary ones."""

    primary: Endpoint
    secondary: list[Endpoint] = Field(default_factory=list)


class Subgroup(_Model):
    """A subgroup defined by an expression over subject columns."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    where: str

    @field_validator("where")
    @classmethod
    def _parse(cls, v: str) -> str:
        try:
            Expression.parse(v)
        except ExpressionSyntaxError as exc:
            raise ValueError(str(exc)) from None
        return v

    @property
    def expression(self) -> Expression:
        """The parsed ``where`` expression."""
        return Expression.parse(self.where)


class Population(_Model):
    """An analysis population (FAS, PP, SAF) and the rule that defines it, in words."""

    code: Literal["ENRL", "FAS", "PP", "SAF"]
    label: str
    rule: str


class AnalysisOptions(_Model):
    """Options of the statistical analysis plan."""

    alpha: float = Field(default=0.05, gt=0, lt=1)
    conf_level: float = Field(default=0.95, gt=0, lt=1)
    primary_test: Literal["fisher", "chisq", "chisq_cc"] = "fisher"
    predictor_arms: list[str] = Field(default_factory=list, description="Arms whose subjects enter the predictor model.")
    predictor_covariates: list[str] = Field(default_factory=list)
    ancova_covariates: list[str] = Field(default_factory=list)
    propensity_covariates: list[str] = Field(default_factory=list)
    below_detection: Literal["half", "limit"] = "half"
    zero_baseline_pchg: Literal["undefined", "exclude_subject"] = "undefined"
    missing_primary: Literal["non_responder", "exclude", "multiple_imputation"] = "non_responder"
    mi_imputations: int = Field(default=20, ge=2)
    seed: int = 20210415


class Protocol(_Model):
    """A study protocol. Load one with :func:`t1dtrial.protocol.load_protocol`.

    Field types are checked on construction; cross-references (visits, arms,
    parameters and columns named elsewhere) by :func:`consistency_problems`,
    which :func:`~t1dtrial.protocol.load_protocol` runs.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_\-]*$")
    title: str
    reference: str | None = None
    registration: str | None = None
    design: Design
    arms: list[Arm] = Field(min_length=1)
    visits: list[Visit] = Field(min_length=1)
    baseline_visit: str
    primary_visit: str
    infusions: list[Infusion] = Field(default_factory=list)
    meal_test: MealTest = MealTest(kind="none")
    endpoints: Endpoints
    subgroups: list[Subgroup] = Field(default_factory=list)
    populations: list[Population] = Field(default_factory=list)
    analysis: AnalysisOptions = AnalysisOptions()

    # -- convenient look-ups -------------------------------------------------
    @property
    def arm_codes(self) -> list[str]:
        """Arm codes in protocol order."""
        return [a.code for a in self.arms]

    @property
    def visit_codes(self) -> list[str]:
        """Visit codes in schedule order."""
        return [v.code for v in self.visits]

    def arm(self, code: str) -> Arm:
        """The arm with this code."""
        return next(a for a in self.arms if a.code == code)

    def visit(self, code: str) -> Visit:
        """The visit with this code."""
        return next(v for v in self.visits if v.code == code)

    @property
    def primary_endpoint(self) -> Endpoint:
        """The primary endpoint."""
        return self.endpoints.primary

    @property
    def all_endpoints(self) -> list[Endpoint]:
        """Primary then secondary endpoints."""
        return [self.endpoints.primary, *self.endpoints.secondary]

    def assumptions(self) -> list[tuple[str, str]]:
        """Every ``assumption:`` in the protocol as ``(field path, reason)`` pairs.

        Examples
        --------
        >>> from t1dtrial.protocol import load_protocol
        >>> any(path.startswith("visits") for path, _ in load_protocol("lu2021").assumptions())
        True
        """
        found: list[tuple[str, str]] = []
        _collect_assumptions(self, "", found)
        return found


def _collect_assumptions(obj: object, path: str, found: list[tuple[str, str]]) -> None:
    if isinstance(obj, BaseModel):
        text = getattr(obj, "assumption", None)
        if text:
            found.append((path or "protocol", text))
        for name in type(obj).model_fields:
            if name == "assumption":
                continue
            _collect_assumptions(getattr(obj, name), f"{path}.{name}" if path else name, found)
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            _collect_assumptions(item, f"{path}[{i}]", found)


def consistency_problems(p: Protocol) -> list[tuple[str, str]]:
    """Cross-field problems of a protocol as ``(field path, message)`` pairs.

    Checks unique codes, ordered and non-overlapping visit windows, that every
    visit, arm, parameter and subject column named anywhere exists.
    """
    out: list[tuple[str, str]] = []
    visits = [v.code for v in p.visits]
    arms = [a.code for a in p.arms]
    for label, codes in (("arms", arms), ("visits", visits),
                         ("subgroups", [s.name for s in p.subgroups]),
                         ("endpoints", [e.name for e in p.all_endpoints])):
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            out.append((label, f"duplicate code(s) {dupes}; each must be unique"))
    for i, (a, b) in enumerate(zip(p.visits, p.visits[1:])):
        if b.day <= a.day:
            out.append((f"visits[{i + 1}].day", f"visit {b.code} (day {b.day}) is not after "
                        f"{a.code} (day {a.day}); list visits in schedule order"))
        elif b.earliest <= a.latest:
            out.append((f"visits[{i + 1}].window",
                        f"window of {b.code} (days {b.earliest}..{b.latest}) overlaps window of "
                        f"{a.code} (days {a.earliest}..{a.latest}); windows must not overlap"))
    for name, code in (("baseline_visit", p.baseline_visit), ("primary_visit", p.primary_visit)):
        if code not in visits:
            out.append((name, f"unknown visit {code!r}; expected one of {visits}"))
    numbers = [inf.number for inf in p.infusions]
    if numbers != sorted(set(numbers)):
        out.append(("infusions", f"infusion numbers {numbers} must be unique and increasing"))
    for i, inf in enumerate(p.infusions):
        if inf.visit not in visits:
            out.append((f"infusions[{i}].visit", f"unknown visit {inf.visit!r}; expected one of {visits}"))
        for arm in inf.arms:
            if arm not in arms:
                out.append((f"infusions[{i}].arms", f"unknown arm {arm!r}; expected one of {arms}"))
            elif p.arm(arm).kind == "standard-care":
                out.append((f"infusions[{i}].arms",
                            f"arm {arm!r} is standard care and cannot receive infusions"))
        if inf.condition:
            for name in Expression.parse(inf.condition).names:
                if not is_endpoint_param(name):
                    out.append((f"infusions[{i}].condition",
                                f"unknown parameter {name!r} in {inf.condition!r}"))
    for i, ep in enumerate(p.all_endpoints):
        where = "endpoints.primary" if i == 0 else f"endpoints.secondary[{i - 1}]"
        if ep.visit not in visits:
            out.append((f"{where}.visit", f"unknown visit {ep.visit!r}; expected one of {visits}"))
        params = getattr(ep, "params", None) or ([ep.param] if hasattr(ep, "param") else [])
        for code in params:
            if not is_endpoint_param(code):
                out.append((f"{where}.param", f"unknown parameter {code!r}; expected FCP, PCP, "
                            "HBA1C, INSULIN, WEIGHT, FPG, PPG, CPxx or a derived INSDOSE, IDAA1C, "
                            "CPAUC, CPMAUC"))
        for code in getattr(ep, "visits", None) or []:
            if code not in visits:
                out.append((f"{where}.visits", f"unknown visit {code!r}; expected one of {visits}"))
        if any(code in ("CPAUC", "CPMAUC") for code in params) and len(p.meal_test.minutes) < 2:
            out.append((f"{where}.param", "a C-peptide AUC needs meal_test.minutes with at least "
                        "two sampling times"))
    for i, sg in enumerate(p.subgroups):
        unknown = sorted(sg.expression.names - set(SUBJECT_COLUMNS))
        if unknown:
            out.append((f"subgroups[{i}].where", f"unknown column(s) {unknown} in {sg.where!r}; "
                        f"expected columns of subjects.csv: {', '.join(SUBJECT_COLUMNS)}"))
    for arm in p.analysis.predictor_arms:
        if arm not in arms:
            out.append(("analysis.predictor_arms", f"unknown arm {arm!r}; expected one of {arms}"))
    return out
