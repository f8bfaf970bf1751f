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

from typing import Annotated, Literal

from pydantic import (BaseModel, BeforeValidator, Field, SerializeAsAny,
                      ValidationInfo, field_validator, model_validator)

from ._base import _Model
from .eligibility import Criterion
from .expressions import Expression, ExpressionText
from .infusions import Dose, Infusion, PlannedDose, Product, infusion_form_problems
from .kinds import (ContinuousEndpoint, EndpointModel, InsulinIndependenceEndpoint,
                    PercentRiseEndpoint, ThresholdEndpoint, parse_endpoint)
from .plan import PlannedAnalysis, default_plan
from .populations import Population
from .adam_names import subgroup_flag
from .vocabulary import RESERVED_SUBGROUP_NAMES

__all__ = [
    "Arm", "Visit", "Dose", "Product", "PlannedDose", "Infusion", "infusion_form_problems",
    "MealTest", "PercentRiseEndpoint",
    "ThresholdEndpoint", "ContinuousEndpoint", "InsulinIndependenceEndpoint", "Endpoint",
    "Endpoints", "Subgroup", "Criterion", "Population", "Multiplicity", "AnalysisOptions",
    "Design", "Protocol",
]


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


#: An endpoint of any registered kind: a mapping is parsed with the model of its ``kind``
#: (:func:`t1dtrial.protocol.kinds.parse_endpoint`) and dumped with all of its fields.
Endpoint = Annotated[SerializeAsAny[EndpointModel], BeforeValidator(parse_endpoint)]


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
    where: ExpressionText
    partition: str | None = Field(
        default=None, pattern=r"^[a-z][a-z0-9_]*$",
        description="Name shared by subgroups that split the participants (disjoint, covering all).")
    flag: str | None = Field(
        default=None, pattern=r"^[A-Z][A-Z0-9_]*$",
        description="ADSL flag variable (at most 8 characters); default SG + the name "
                    "abbreviated to 4 characters + FL (t1dtrial.protocol.adam_names).")

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, v: str) -> str:
        if v in RESERVED_SUBGROUP_NAMES:
            raise ValueError(f"{v!r} is the whole population in every table; expected another "
                             "name")
        return v

    @model_validator(mode="after")
    def _default_flag(self) -> "Subgroup":
        """Without ``flag``, SG + the name abbreviated + FL (the ADSL flag variable, "Y"/"N"/"")."""
        if self.flag is None and isinstance(self.name, str):
            object.__setattr__(self, "flag", subgroup_flag(self.name))
        return self

    @property
    def expression(self) -> Expression:
        """The parsed ``where`` expression."""
        return Expression.parse(self.where)


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
    eligibility: list[Criterion] = Field(
        default_factory=list, description="Eligibility criteria (t1dtrial.protocol.eligibility); a "
        "participant who does not meet one is a protocol deviation, kept and flagged.")
    populations: list[Population] = Field(default_factory=list)
    analysis: AnalysisOptions = AnalysisOptions()
    analysis_plan: list[PlannedAnalysis] = Field(
        default_factory=list, description="The planned analyses (estimands), see "
        ":mod:`t1dtrial.protocol.plan`; left empty, :attr:`plan` is the one the endpoints imply.")

    @property
    def plan(self) -> list[PlannedAnalysis]:
        """The analysis plan: ``analysis_plan`` as written, else :func:`~.plan.default_plan`.

        The default is built from the protocol as it is, so a protocol edited
        in code (``model_copy``) gets the plan its endpoints now imply.
        """
        return list(self.analysis_plan) or default_plan(self)

    @property
    def plan_is_default(self) -> bool:
        """True when the file has no ``analysis_plan`` (the plan is :func:`~.plan.default_plan`)."""
        return not self.analysis_plan

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
