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

from pydantic import (BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, field_validator,
                      model_validator)

from .doses import cell_dose_problem, total_dose_range_problem
from .expressions import Expression, ExpressionSyntaxError
from .plan import PlannedAnalysis, default_plan
from .units import threshold_unit_problem, threshold_value_problem
from .vocabulary import RESERVED_ENDPOINT_NAMES, RESERVED_SUBGROUP_NAMES

__all__ = [
    "Arm", "Visit", "Dose", "Infusion", "MealTest", "PercentRiseEndpoint",
    "ThresholdEndpoint", "ContinuousEndpoint", "InsulinIndependenceEndpoint", "Endpoint",
    "Endpoints", "Subgroup", "Population", "Multiplicity", "AnalysisOptions", "Design", "Protocol",
]

Comparison = Literal[">=", ">", "<=", "<"]

#: Thresholds a percent-rise endpoint may use. Below 1 % a rise is within any assay's
#: imprecision (and 0.1 is usually a proportion meant as 10 %); above 1000 % (tenfold)
#: percent changes arise only from baselines near the detection limit, so such a rule
#: would sort participants by assay noise.
PERCENT_RISE_RANGE: tuple[float, float] = (1.0, 1000.0)

#: Highest infusion number: ADSL gets one DOSE<k> column per number up to the highest,
#: and no cell-therapy schedule comes near 100 infusions.
MAX_INFUSIONS = 100


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

    @field_validator("per_kg", "total")
    @classmethod
    def _plausible(cls, v: float | None, info: ValidationInfo) -> float | None:
        found = None if v is None else cell_dose_problem(v, per_kg=info.field_name == "per_kg")
        if found:
            raise ValueError(f"{found[0]}; expected {found[1]}")
        return v

    @field_validator("range_per_kg")
    @classmethod
    def _range_fits(cls, v: tuple[float, float] | None, info: ValidationInfo
                    ) -> tuple[float, float] | None:
        if v is None:
            return v
        for bound in v:
            found = cell_dose_problem(bound, per_kg=True)
            if found:
                raise ValueError(f"{found[0]}; expected {found[1]}")
        per_kg, total = info.data.get("per_kg"), info.data.get("total")
        if v[0] <= v[1] and per_kg is not None and not v[0] <= per_kg <= v[1]:
            raise ValueError(f"the planned per_kg {per_kg:.3g} is outside [{v[0]:.3g}, "
                             f"{v[1]:.3g}]; expected a range that contains the planned dose")
        if v[0] <= v[1] and total is not None:
            problem = total_dose_range_problem(total, v)
            if problem:
                raise ValueError(f"{problem}; expected a range per kg the total can give, "
                                 "or per_kg instead of total")
        return v

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

    number: int = Field(ge=1, le=MAX_INFUSIONS,
                        description="1, 2, ... in schedule order (ADSL gets DOSE1..DOSE<number>).")
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

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, v: str) -> str:
        if v in RESERVED_ENDPOINT_NAMES:
            raise ValueError(f"{v!r} is the name of the insulin-free episodes in ADEFF; "
                             "expected another name, e.g. insulin_free_time")
        return v


class PercentRiseEndpoint(_Endpoint):
    """Responder if the percent change from baseline reaches a threshold.

    ``combine: any`` (the reference study's "and/or") or ``all`` over ``params``.
    """

    kind: Literal["percent_rise"]
    params: list[str] = Field(min_length=1)
    combine: Literal["any", "all"] = "any"
    threshold_pct: float = Field(description="The rise in percent of baseline, e.g. 10 for 10 %; "
                                 f"from {PERCENT_RISE_RANGE[0]:g} to {PERCENT_RISE_RANGE[1]:g}.")
    comparison: Literal[">=", ">"] = ">="

    @field_validator("threshold_pct")
    @classmethod
    def _sensible_rise(cls, v: float) -> float:
        low, high = PERCENT_RISE_RANGE
        expected = f"; expected a rise in percent from {low:g} to {high:g}, e.g. 10 for a 10 % rise"
        if v < 0:
            raise ValueError(f"a negative threshold counts a participant whose value fell by up "
                             f"to {-v:g} % as a responder{expected}")
        if v == 0:
            raise ValueError(f"a threshold of 0 counts a participant whose value did not rise "
                             f"at all as a responder{expected}")
        if v < low:
            raise ValueError(f"{v:g} looks like a proportion ({v:g} = {100 * v:g} %){expected}")
        if v > high:
            raise ValueError(f"a rise of more than {high:g} % (tenfold) comes only from "
                             f"baselines near the assay's detection limit{expected}")
        return v


class ThresholdEndpoint(_Endpoint):
    """Responder if a parameter's value compares to a fixed threshold (e.g. C-peptide >= 0.2 nmol/L)."""

    kind: Literal["threshold"]
    param: str
    comparison: Comparison
    unit: str
    value: float

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, v: str, info: ValidationInfo) -> str:
        found = threshold_unit_problem(info.data["param"], v) if "param" in info.data else None
        if found:
            raise ValueError(f"{found[0]}; expected {found[1]}")
        return v

    @field_validator("value")
    @classmethod
    def _possible(cls, v: float, info: ValidationInfo) -> float:
        if {"param", "comparison", "unit"} <= set(info.data):
            found = threshold_value_problem(info.data["param"], info.data["comparison"], v,
                                            info.data["unit"])
            if found:
                raise ValueError(f"{found[0]}; expected {found[1]}")
        return v


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
    """A subgroup defined by an expression over subject columns.

    Subgroups that share a ``partition`` name split the participants: they
    must not overlap and together must take in every participant (whose
    columns are known). ``protocol check`` proves both from the expressions.
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    where: str
    partition: str | None = Field(
        default=None, pattern=r"^[a-z][a-z0-9_]*$",
        description="Name shared by subgroups that split the participants (disjoint, covering all).")

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, v: str) -> str:
        if v in RESERVED_SUBGROUP_NAMES:
            raise ValueError(f"{v!r} is the whole population in every table; expected another "
                             "name")
        return v

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


#: Within-subject covariance structures of the mixed model for repeated measures.
MMRMCovariance = Literal["unstructured", "heterogeneous-toeplitz", "heterogeneous-ar1",
                         "heterogeneous-compound-symmetry", "compound-symmetry"]


class Multiplicity(_Model):
    """How the key secondary hypotheses are tested together (``analysis.multiplicity``).

    One hypothesis per listed endpoint and comparison of arms: the
    between-arm p-value at the endpoint's visit in all subjects (see
    :mod:`t1dtrial.analysis.multiplicity` for which test that is).
    ``fixed-sequence`` tests them in the order listed, each at ``alpha``,
    and stops at the first not rejected; ``holm`` is Holm's step-down
    procedure; ``none`` leaves every p-value nominal.
    """

    procedure: Literal["none", "fixed-sequence", "holm"] = "none"
    endpoints: list[str] = Field(default_factory=list,
                                 description="Key secondary endpoints by name, in testing order.")

    @field_validator("endpoints")
    @classmethod
    def _each_once(cls, v: list[str]) -> list[str]:
        repeated = sorted({c for c in v if v.count(c) > 1})
        if repeated:
            raise ValueError(f"{', '.join(repeated)} listed more than once; expected each once")
        return v


class AnalysisOptions(_Model):
    """Options of the statistical analysis plan."""

    alpha: float = Field(default=0.05, description="Two-sided significance level, 0 < alpha <= 0.5.")
    conf_level: float = Field(default=0.95, description="Confidence level, 0.5 <= conf_level < 1.")
    primary_test: Literal["fisher", "chisq", "chisq_cc"] = "fisher"
    predictor_arms: list[str] = Field(default_factory=list, description="Arms whose subjects enter the predictor model.")
    predictor_covariates: list[str] = Field(default_factory=list)
    ancova_covariates: list[str] = Field(default_factory=list)
    propensity_covariates: list[str] = Field(default_factory=list)
    adjustment_covariates: list[str] = Field(
        default_factory=list,
        description="Baseline covariates of the covariate-adjusted (standardised) estimate of the "
                    "primary responder comparison; empty: the propensity_covariates.")
    below_detection: Literal["half", "limit"] = "half"
    zero_baseline_pchg: Literal["undefined", "exclude_subject"] = "undefined"
    missing_primary: Literal["non_responder", "exclude", "multiple_imputation"] = "non_responder"
    mi_imputations: int = Field(default=20, ge=2)
    seed: int = 20210415
    mmrm_covariance: MMRMCovariance = Field(
        default="unstructured",
        description="Within-subject covariance the mixed model for repeated measures fits first: "
                    "unstructured, heterogeneous-toeplitz, heterogeneous-ar1, "
                    "heterogeneous-compound-symmetry or compound-symmetry.")
    mmrm_fallback: list[MMRMCovariance] = Field(
        default_factory=lambda: ["heterogeneous-toeplitz", "heterogeneous-ar1",
                                 "heterogeneous-compound-symmetry", "compound-symmetry"],
        description="Covariance structures the mixed model tries, in this order, when the one "
                    "of mmrm_covariance cannot be fitted (more covariance parameters than "
                    "subjects, no convergence, or a singular covariance); empty for none.")
    multiplicity: Multiplicity = Field(
        default_factory=Multiplicity,
        description="Procedure over key secondary endpoints; without one their p-values are nominal.")

    @field_validator("alpha", "conf_level")
    @classmethod
    def _a_proportion(cls, v: float, info: ValidationInfo) -> float:
        name = info.field_name
        example = "0.05" if name == "alpha" else "0.95"
        if 1 < v <= 100:
            raise ValueError(f"{v:g} looks like a percentage; expected a proportion, e.g. {example}")
        if name == "alpha" and not 0 < v <= 0.5:
            raise ValueError("a significance level must be above 0 and at most 0.5 (a test that "
                             "rejects more often than not when nothing differs); expected e.g. 0.05")
        if name == "conf_level" and not 0.5 <= v < 1:
            raise ValueError("a confidence level must be at least 0.5 (an interval that misses "
                             "more often than it covers) and below 1; expected e.g. 0.95")
        return v

    @field_validator("predictor_covariates", "ancova_covariates", "propensity_covariates",
                     "adjustment_covariates", "predictor_arms", "mmrm_fallback")
    @classmethod
    def _no_repeats(cls, v: list[str]) -> list[str]:
        repeated = sorted({c for c in v if v.count(c) > 1})
        if repeated:
            raise ValueError(f"{', '.join(repeated)} listed more than once; expected each once")
        return v


class Protocol(_Model):
    """A study protocol. Load one with :func:`t1dtrial.protocol.load_protocol`.

    Field types are checked on construction; cross-references (visits, arms,
    parameters, covariates and columns named elsewhere, subgroup partitions) by
    :func:`t1dtrial.protocol.checks.protocol_problems`, which
    :func:`~t1dtrial.protocol.load_protocol` runs.
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
    analysis_plan: list[PlannedAnalysis] = Field(
        default_factory=list, description="The planned analyses (estimands), see "
        ":mod:`t1dtrial.protocol.plan`; default the plan the endpoints imply.")

    @model_validator(mode="after")
    def _default_plan(self) -> "Protocol":
        """A protocol without ``analysis_plan`` gets :func:`~.plan.default_plan`."""
        if not self.analysis_plan:
            object.__setattr__(self, "analysis_plan", default_plan(self))
            self._plan_is_default = True
        return self

    _plan_is_default: bool = PrivateAttr(default=False)

    @property
    def plan_is_default(self) -> bool:
        """True when the file has no ``analysis_plan`` (the plan is :func:`~.plan.default_plan`)."""
        return self._plan_is_default

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
